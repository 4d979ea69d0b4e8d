/*
 * jsonr.c — duplicate-key detection for untrusted JSON objects (see jsonr.h).
 */
#include "jsonr.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* Objects this small are checked pairwise: cheaper than allocating and sorting. */
#define HL_DUPKEY_SMALL 16

static int cmp_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char *pairwise(const cJSON *obj)
{
    for (const cJSON *a = obj->child; a; a = a->next)
        for (const cJSON *b = a->next; a->string && b; b = b->next)
            if (b->string && strcmp(a->string, b->string) == 0)
                return b->string;
    return NULL;
}

const char *hl_json_duplicate_key(const cJSON *obj)
{
    if (!cJSON_IsObject(obj))
        return NULL;
    size_t k = 0;
    const cJSON *m;
    for (m = obj->child; m; m = m->next)
        if (m->string)
            k++;
    if (k < 2)
        return NULL;
    if (k <= HL_DUPKEY_SMALL)
        return pairwise(obj);
    const char **keys = malloc(k * sizeof *keys);
    if (!keys)
        return pairwise(obj); /* out of memory: slow, but never pass the object unchecked */
    size_t n = 0;
    for (m = obj->child; m; m = m->next)
        if (m->string)
            keys[n++] = m->string;
    qsort(keys, n, sizeof *keys, cmp_key);
    const char *dup = NULL;
    for (size_t i = 1; i < n && !dup; i++)
        if (strcmp(keys[i - 1], keys[i]) == 0)
            dup = keys[i];
    free(keys);
    return dup;
}
