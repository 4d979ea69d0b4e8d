/*
 * error.c — filling and printing hl_error, the one error record all stages share, so that every
 * message a user sees has the same "file:line:col: what is wrong" shape.
 */
#include "hookline/hookline.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

hl_status hl_error_set(hl_error *err, hl_status status, const char *file, unsigned long line,
                       unsigned long col, const char *fmt, ...)
{
    if (err == NULL)
        return status;
    err->status = status;
    err->file[0] = '\0';
    if (file != NULL)
        snprintf(err->file, sizeof err->file, "%s", file);
    err->line = line;
    err->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return status;
}

const char *hl_error_format(const hl_error *err, char *buf, size_t size)
{
    if (size == 0)
        return buf;
    if (err->file[0] && err->line && err->col)
        snprintf(buf, size, "%s:%lu:%lu: %s", err->file, err->line, err->col, err->msg);
    else if (err->file[0] && err->line)
        snprintf(buf, size, "%s:%lu: %s", err->file, err->line, err->msg);
    else if (err->file[0])
        snprintf(buf, size, "%s: %s", err->file, err->msg);
    else
        snprintf(buf, size, "%s", err->msg);
    return buf;
}

const char *hl_version(void)
{
    return HL_VERSION;
}
