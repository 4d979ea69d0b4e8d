/*
 * jsonstream.h — reading a large JSON document one member or element at a time, for the
 * readers of hookline's own big outputs (`hookline merge`, hl_findings_load_file): a 600 MB
 * findings.json must never become one tree. The scanner validates the JSON grammar as it goes
 * and hands out the raw text of each value, so a caller can copy it byte for byte or parse it
 * alone with cJSON. Private to the engine; not API.
 *
 * The input is untrusted: every malformed, truncated or too deeply nested document ends in an
 * error naming the file and the byte offset, never a crash or a hang, and memory stays bounded
 * by the largest value the caller asks for (capped by max_value) plus one read buffer.
 */
#ifndef HL_COMMON_JSONSTREAM_H
#define HL_COMMON_JSONSTREAM_H

#include <stdint.h>
#include <stdio.h>

#include "hookline/hookline.h"

/* Containers nested deeper than this (entered ones included) are an error: the scanner keeps
 * one byte per level, and cJSON, which parses the values later, stops at 1000. */
#define HL_JSTREAM_MAX_DEPTH 512
/* The cap hookline's readers put on one value (an element of findings.json is a few KB). */
#define HL_JSTREAM_MAX_VALUE ((size_t)256 << 20)
/* A member name longer than this is an error (hookline's keys are a few words). */
#define HL_JSTREAM_MAX_KEY 4096

typedef struct hl_jstream hl_jstream;

/* A scanner over f from its current position (borrowed: the caller closes it; reads go
 * through the scanner's own buffer, so f's position afterwards is unspecified). path names
 * the input in messages (copied). Values longer than max_value bytes are an error. Errors of
 * every later call are written to err (borrowed; must outlive the scanner); base is the
 * offset f is at, so that offsets and messages count from the start of the file. NULL on OOM
 * (err filled). Free with hl_jstream_free. */
hl_jstream *hl_jstream_open(FILE *f, uint64_t base, const char *path, size_t max_value,
                            hl_error *err);
/* The same over len bytes of memory (borrowed; must outlive the scanner). */
hl_jstream *hl_jstream_open_mem(const char *text, size_t len, const char *path,
                                size_t max_value, hl_error *err);
void hl_jstream_free(hl_jstream *s); /* accepts NULL */

/* The protocol: a scanner starts before one value (the document). A value about to be read —
 * the document, an object member after hl_jstream_next gave its key, an array element after
 * hl_jstream_next — is consumed by exactly one of hl_jstream_value, hl_jstream_skip or
 * hl_jstream_enter; hl_jstream_next skips it if the caller did not. All calls return -1 once
 * an error has been reported, and keep returning it. */

/* The first byte of the pending value ('{', '[', '"', 't', 'f', 'n', '-' or a digit), or -1
 * after an error (the input ending where a value is due is one). Consumes nothing. */
int hl_jstream_peek(hl_jstream *s);

/* Steps into the pending value, which must be an object (kind '{') or an array ('['). 0, or -1
 * with the error reported. */
int hl_jstream_enter(hl_jstream *s, int kind);

/* Advances to the next member of the innermost entered container: 1 when there is one (for an
 * object, hl_jstream_key gives its name), 0 when the container ended (it is left: the next call
 * works on its parent), -1 on error. */
int hl_jstream_next(hl_jstream *s);

/* The decoded name of the member hl_jstream_next last stepped to (NUL-terminated; a name with
 * an embedded NUL compares as cut there). Borrowed until the next call of hl_jstream_next. */
const char *hl_jstream_key(const hl_jstream *s);

/* Reads the pending value whole: *text gets its raw bytes exactly as in the input (plus a NUL
 * after them), *len their count. Borrowed until the next call on s. 0, or -1. */
int hl_jstream_value(hl_jstream *s, const char **text, size_t *len);

/* Reads past the pending value, validating it, holding none of it. 0, or -1. */
int hl_jstream_skip(hl_jstream *s);

/* The byte offset (from the start of the input) of the first byte of the value last read,
 * skipped or entered. */
uint64_t hl_jstream_offset(const hl_jstream *s);

/* After the document's value: checks that nothing but white space follows. 0, or -1. */
int hl_jstream_finish(hl_jstream *s);

/* Opens path for reading; NULL with err filled (HL_EINPUT when it does not exist, else
 * HL_EEXTERNAL), naming the file and the reason. */
FILE *hl_jstream_fopen(const char *path, hl_error *err);

/* Parses an unsigned decimal integer that is the whole of text[0..len) (a JSON number without
 * sign, fraction or exponent, at most 18 digits) into *v. 0, or -1 when it is anything else. */
int hl_jstream_uint(const char *text, size_t len, uint64_t *v);

#endif
