/*
 * suggest.h — "did you mean ...?" for every place that names a thing the user may have
 * misspelt: commands and options, config keys, custom columns and templates, rule view fields.
 * One edit distance for all of them, so suggestions agree wherever they are made.
 */
#ifndef HL_COMMON_SUGGEST_H
#define HL_COMMON_SUGGEST_H

#include <stddef.h>

/* Levenshtein distance between a and b; (size_t)-1 when either is longer than 80 bytes
 * (names are short: a plain O(n*m) row is enough). */
size_t hl_edit_distance(const char *a, const char *b);

/* The candidate nearest to word, or NULL when even that one is too far to be a typo (one edit
 * for words of up to 4 bytes, two up to 8, three beyond). Borrowed from cands. */
const char *hl_nearest(const char *word, const char *const *cands, size_t n);

#endif
