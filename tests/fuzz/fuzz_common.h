/*
 * fuzz_common.h — what the hardening fuzz targets of tests/fuzz share (issue 10): /dev/null as
 * an output stream, a private temporary directory for targets whose entry point takes a path,
 * an independent UTF-8 check for the invariants the targets assert, and the ingest driver of
 * fuzz_csv and fuzz_apijson. Header-only (static functions), included once per target.
 *
 * The targets' own checks call HL_FUZZ_CHECK, which prints what was violated and aborts: an
 * abort is a finding for libFuzzer (a crash with a reproducer) and for the standalone replay.
 */
#ifndef HL_FUZZ_COMMON_H
#define HL_FUZZ_COMMON_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hookline/hookline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define HL_FUZZ_CHECK(cond, ...)                                                                 \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            fprintf(stderr, "%s:%d: fuzz invariant violated: %s: ", __FILE__, __LINE__, #cond);  \
            fprintf(stderr, __VA_ARGS__);                                                        \
            fputc('\n', stderr);                                                                 \
            abort();                                                                             \
        }                                                                                        \
    } while (0)

/* Open bugs (tests/fuzz/README.md, "Findings") are tolerated by the targets' checks so that a
 * fuzzing run goes on to find new ones, unless HL_FUZZ_STRICT=1 (how the known_bugs replays
 * run). */
static inline int hl_fuzz_strict(void)
{
    static int strict = -1;
    if (strict < 0) {
        const char *s = getenv("HL_FUZZ_STRICT");
        strict = s && strcmp(s, "1") == 0;
    }
    return strict;
}

static FILE *hl_fuzz_null_stream;

/* /dev/null opened for writing once; never NULL (aborts). */
static inline FILE *hl_fuzz_devnull(void)
{
    if (!hl_fuzz_null_stream) {
        hl_fuzz_null_stream = fopen("/dev/null", "w");
        if (!hl_fuzz_null_stream) {
            perror("/dev/null");
            abort();
        }
    }
    return hl_fuzz_null_stream;
}

static char hl_fuzz_dir[80];
static char hl_fuzz_file_path[160];

static inline void hl_fuzz_tmp_cleanup(void)
{
    if (hl_fuzz_file_path[0])
        unlink(hl_fuzz_file_path);
    if (hl_fuzz_dir[0])
        rmdir(hl_fuzz_dir);
}

/* A private directory (under /dev/shm when it exists, else TMPDIR or /tmp) holding one file
 * `name` whose path is returned; removed at exit. */
static inline const char *hl_fuzz_tmp_file(const char *tag, const char *name)
{
    if (!hl_fuzz_dir[0]) {
        const char *tmp = getenv("TMPDIR");
        if (access("/dev/shm", W_OK) == 0)
            tmp = "/dev/shm";
        else if (!tmp || strlen(tmp) > 40)
            tmp = "/tmp";
        snprintf(hl_fuzz_dir, sizeof hl_fuzz_dir, "%s/hl-%s-XXXXXX", tmp, tag);
        if (!mkdtemp(hl_fuzz_dir)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        snprintf(hl_fuzz_file_path, sizeof hl_fuzz_file_path, "%s/%s", hl_fuzz_dir, name);
        atexit(hl_fuzz_tmp_cleanup);
    }
    return hl_fuzz_file_path;
}

/* Writes data to path (truncating); aborts on failure: the harness must not be the problem. */
static inline void hl_fuzz_write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

/* Whether s[0..n) is valid UTF-8 (RFC 3629: no overlongs, surrogates or code points beyond
 * U+10FFFF); NUL bytes are not allowed. Written independently of the engine's check. */
static inline int hl_fuzz_utf8(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned c = u[i];
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
        if (len == 0 || i + len > n)
            return 0;
        uint32_t cp = c & (0xFFu >> (len + 1));
        for (size_t k = 1; k < len; k++) {
            if ((u[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (u[i + k] & 0x3Fu);
        }
        static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

/* An error record the library filled: a known status and a message. */
static inline void hl_fuzz_check_error(const hl_error *err, hl_status st)
{
    HL_FUZZ_CHECK(st == HL_EINPUT || st == HL_EEXTERNAL || st == HL_EINTERNAL,
                  "status %d", (int)st);
    HL_FUZZ_CHECK(err->msg[0] != '\0', "status %d without a message", (int)st);
    HL_FUZZ_CHECK(memchr(err->msg, '\0', sizeof err->msg) != NULL, "message not terminated");
}

#endif
