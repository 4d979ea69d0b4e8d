/*
 * manifest.c — manifest.json, written last: every output file of the run with its size and
 * SHA-256 (OpenSSL's libcrypto), so a consumer can tell a complete run from an interrupted one
 * and check what it downloaded.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/jsonw.h"
#include "hookline/ingest.h"
#include "hookline/output.h"

static int sha256_file(const char *path, char hex[65], long long *bytes)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    unsigned char buf[65536];
    size_t got;
    *bytes = 0;
    while (ok && (got = fread(buf, 1, sizeof buf, f)) > 0) {
        ok = EVP_DigestUpdate(ctx, buf, got) == 1;
        *bytes += (long long)got;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (ok && !ferror(f))
        ok = EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32;
    else
        ok = 0;
    EVP_MD_CTX_free(ctx);
    fclose(f);
    if (!ok)
        return -1;
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}

hl_status hl_output_manifest(const char *dir, const char *const *names, size_t n, int32_t as_of,
                             hl_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    hl_atomic_file *af = hl_atomic_open(path, err);
    if (!af)
        return err ? err->status : HL_EEXTERNAL;
    FILE *f = hl_atomic_stream(af);
    char date[11];
    hl_format_date(as_of, date);
    fputs("{\"schema\": \"hookline.manifest/1\", \"as_of\": ", f);
    hl_json_string(f, date);
    fputs(", \"files\": [", f);
    for (size_t i = 0; i < n; i++) {
        char fp[4096], hex[65];
        long long bytes;
        snprintf(fp, sizeof fp, "%s/%s", dir, names[i]);
        if (sha256_file(fp, hex, &bytes) < 0) {
            hl_atomic_abort(af);
            return hl_error_set(err, HL_EEXTERNAL, fp, 0, 0, "cannot read back for the manifest");
        }
        fputs(i ? ",\n  {\"name\": " : "\n  {\"name\": ", f);
        hl_json_string(f, names[i]);
        fprintf(f, ", \"bytes\": %lld, \"sha256\": \"%s\"}", bytes, hex);
    }
    fputs(n ? "\n ]}\n" : "]}\n", f);
    return hl_atomic_commit(af, err);
}
