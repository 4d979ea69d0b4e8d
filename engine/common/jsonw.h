/*
 * jsonw.h — streaming JSON output primitives shared by every writer (metrics, findings, briefs):
 * strings escaped for any input, numbers in their shortest exact form, and never NaN or inf
 * (those print as null). Large outputs are written as they are produced, not built as a tree.
 */
#ifndef HL_COMMON_JSONW_H
#define HL_COMMON_JSONW_H

#include <stdio.h>

void hl_json_string(FILE *f, const char *s); /* NULL prints null */
void hl_json_number(FILE *f, double v);      /* non-finite prints null */
/* Shortest text that reads back as exactly v (integers without a decimal point). */
void hl_fmt_exact(char *buf, size_t cap, double v);

/* A cJSON tree as compact JSON with every number in its shortest exact form (cJSON's own
 * printer may drop digits). malloc'd; the caller frees it. NULL on OOM. */
struct cJSON;
char *hl_json_print_exact(const struct cJSON *j);

#endif
