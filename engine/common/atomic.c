/*
 * atomic.c — temp file + rename. The temporary name is made by mkstemp in the target's own
 * directory, because rename() is atomic only within one file system.
 */
#include "hookline/output.h"

#include "common/cleanup.h"

#include <errno.h>
#if defined(__GLIBC__) || defined(__linux__)
#include <stdio_ext.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct hl_atomic_file {
    FILE *f;
    char *path;
    char *tmp;
    int slot;  /* the tmp name's cleanup slot: a SIGTERM removes it */
    char *buf; /* the stream's buffer: outputs run to hundreds of MB, so 1 MiB writes, not 4 KiB */
};

#define STREAM_BUF (1u << 20)

hl_atomic_file *hl_atomic_open(const char *path, hl_error *err)
{
    hl_atomic_file *a = calloc(1, sizeof *a);
    size_t n = strlen(path);
    if (!a || !(a->path = strdup(path)) || !(a->tmp = malloc(n + 16))) {
        if (a) {
            free(a->path);
            free(a);
        }
        hl_error_set(err, HL_EINTERNAL, path, 0, 0, "out of memory");
        return NULL;
    }
    snprintf(a->tmp, n + 16, "%s.tmp.XXXXXX", path);
    hl_cleanup_hold(); /* a SIGTERM must not land between the create and the register */
    int fd = mkstemp(a->tmp);
    a->slot = fd < 0 ? -1 : hl_cleanup_add(a->tmp, 0);
    hl_cleanup_release();
    if (fd < 0) {
        hl_error_set(err, HL_EEXTERNAL, path, 0, 0, "cannot write: %s", strerror(errno));
        free(a->tmp);
        free(a->path);
        free(a);
        return NULL;
    }
    /* mkstemp makes 0600; outputs are ordinary files, readable as the umask allows. */
    mode_t um = umask(0);
    umask(um);
    (void)fchmod(fd, 0666 & ~um);
    a->f = fdopen(fd, "wb");
    if (!a->f) {
        hl_error_set(err, HL_EEXTERNAL, path, 0, 0, "cannot write: %s", strerror(errno));
        close(fd);
        unlink(a->tmp);
        hl_cleanup_remove(a->slot);
        free(a->tmp);
        free(a->path);
        free(a);
        return NULL;
    }
#if defined(__GLIBC__) || defined(__linux__)
    /* One thread writes each output: stdio's per-call lock is pure cost (11 % of a 10^6-row
     * analyze went to fwrite's locking, the writers make ~10^8 small calls). */
    __fsetlocking(a->f, FSETLOCKING_BYCALLER);
#endif
    a->buf = malloc(STREAM_BUF);
    if (a->buf && setvbuf(a->f, a->buf, _IOFBF, STREAM_BUF) != 0) {
        free(a->buf); /* the default buffer then */
        a->buf = NULL;
    }
    return a;
}

FILE *hl_atomic_stream(hl_atomic_file *a)
{
    return a->f;
}

const char *hl_atomic_temp_path(const hl_atomic_file *a)
{
    return a->tmp;
}

hl_status hl_atomic_commit(hl_atomic_file *a, hl_error *err)
{
    int failed = ferror(a->f);
    int saved = errno;
    if (fflush(a->f) != 0) {
        failed = 1;
        saved = errno;
    }
    if (!failed && fsync(fileno(a->f)) != 0 && errno != EINVAL) {
        failed = 1;
        saved = errno;
    }
    if (fclose(a->f) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    a->f = NULL;
    free(a->buf);
    hl_status st = HL_OK;
    if (failed || rename(a->tmp, a->path) != 0) {
        if (!failed)
            saved = errno;
        unlink(a->tmp);
        st = hl_error_set(err, HL_EEXTERNAL, a->path, 0, 0, "cannot write: %s",
                          strerror(saved ? saved : EIO));
    }
    hl_cleanup_remove(a->slot);
    free(a->tmp);
    free(a->path);
    free(a);
    return st;
}

void hl_atomic_abort(hl_atomic_file *a)
{
    if (!a)
        return;
    if (a->f)
        fclose(a->f);
    free(a->buf);
    unlink(a->tmp);
    hl_cleanup_remove(a->slot);
    free(a->tmp);
    free(a->path);
    free(a);
}

hl_status hl_atomic_fail(hl_atomic_file *a, int errnum, hl_error *err)
{
    hl_status st = hl_error_set(err, HL_EEXTERNAL, a->path, 0, 0, "cannot write: %s",
                                strerror(errnum ? errnum : EIO));
    hl_atomic_abort(a);
    return st;
}
