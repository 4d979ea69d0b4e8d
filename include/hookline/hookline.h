/*
 * hookline.h — the umbrella header of hookline's C library: status codes, the error record every
 * stage fills in, and the includes of each stage's header. If it is not in include/hookline/, it
 * is not API.
 */
#ifndef HOOKLINE_H
#define HOOKLINE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes. They double as the CLI's exit codes (DESIGN.md §11), so a library caller and a
 * shell script read the same number. HL_ATTENTION is never returned by the library. */
typedef enum hl_status {
    HL_OK = 0,
    HL_ATTENTION = 1, /* CLI only: findings need attention */
    HL_EINPUT = 2,    /* bad input or usage: the error record says where */
    HL_EEXTERNAL = 3, /* network, API, file system outside our control */
    HL_EINTERNAL = 4  /* a bug or an exhausted resource (out of memory) */
} hl_status;

/* Where an error was found. line and col are 1-based; 0 means "not applicable". */
typedef struct hl_error {
    hl_status status;
    char file[512];
    unsigned long line;
    unsigned long col;
    char msg[1024];
} hl_error;

/* Fills err (may be NULL) and returns status. The message is printf-formatted. */
hl_status hl_error_set(hl_error *err, hl_status status, const char *file, unsigned long line,
                       unsigned long col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* Writes "file:line:col: msg" (the parts that apply) into buf; returns buf. */
const char *hl_error_format(const hl_error *err, char *buf, size_t size);

/* The library's version string ("0.1.0"); static storage. */
const char *hl_version(void);

#ifdef __cplusplus
}
#endif

#endif /* HOOKLINE_H */
