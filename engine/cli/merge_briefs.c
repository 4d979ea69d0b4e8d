/*
 * merge_briefs.c — briefs.json and recipes.json of `hookline merge`, in the order one run
 * gives them: briefs by priority (highest first, ties by id: hl_briefs_sort), recipes by their
 * brief's place, a brief's own recipes as its shard listed them (hl_recipes_build walks the
 * sorted briefs). Pass 1 notes where each element is and what it sorts by, holding one element
 * at a time; pass 2 copies each element's bytes from its shard file in the new order.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli/merge.h"
#include "common/hash.h"

enum { BRIEFS, SUPPRESSED, RULE_ERRORS };
static const char *const brief_arrays[] = {"briefs", "suppressed", "rule_errors"};
static const char *const recipe_arrays[] = {"recipes"};

/* Where an element is and where it goes. */
typedef struct ref {
    uint32_t shard, id; /* id: the brief's (or the recipe's brief's) id in the pool */
    const char *idtext; /* the pool's copy */
    uint64_t at;
    size_t len;
    double priority;    /* briefs */
    size_t rank, seq;   /* recipes: their brief's place in the merge, their own in the shard */
} ref;

typedef struct refs {
    ref *r;
    size_t n, cap;
} refs;

struct hl_merge_briefs {
    hl_merge_header bhdr, rhdr;
    refs briefs, recipes;
    hl_strpool *ids;
    size_t *rank; /* by pool id: the merged place of the first brief with it (SIZE_MAX: none) */
    size_t nrank;
    uint32_t shard;
    size_t seq; /* the next recipe's place in its shard */
    const char *path;
    char *buf; /* pass 2: one element */
    size_t cap;
};

static int push(refs *v, const ref *x, hl_error *err)
{
    if (v->n == v->cap) {
        size_t nc = v->cap ? v->cap * 2 : 1024;
        ref *nr = realloc(v->r, nc * sizeof *nr);
        if (!nr)
            return hl_merge_fail(err, HL_EINTERNAL, NULL, "out of memory");
        v->r = nr;
        v->cap = nc;
    }
    v->r[v->n++] = *x;
    return 0;
}

/* The first member named key of the object in text: its value parsed alone (small: an id, a
 * priority), or NULL when there is none. Owned by the caller (cJSON_Delete). -1 on error. */
static int member(const char *text, size_t len, const char *key, cJSON **out,
                  const char *path, hl_error *err)
{
    *out = NULL;
    hl_jstream *s = hl_jstream_open_mem(text, len, path, len, err);
    int r = s ? hl_jstream_enter(s, '{') : -1;
    while (r == 0 && (r = hl_jstream_next(s)) == 1) {
        r = 0;
        if (strcmp(hl_jstream_key(s), key) != 0)
            continue;
        const char *v;
        size_t n;
        r = hl_jstream_value(s, &v, &n);
        if (r == 0 && !(*out = cJSON_ParseWithLength(v, n)))
            r = hl_merge_fail(err, HL_EINTERNAL, NULL, "out of memory");
        break;
    }
    hl_jstream_free(s);
    return r < 0 ? -1 : 0;
}

/* The pool index of a string member (absent or not a string: ""), as hl_briefs_from_json
 * reads a brief's id. */
static int id_of(hl_merge_briefs *m, const char *text, size_t len, const char *key,
                 uint32_t *id, const char **idtext, hl_error *err)
{
    cJSON *v;
    if (member(text, len, key, &v, m->path, err) < 0)
        return -1;
    const char *s = cJSON_IsString(v) ? v->valuestring : "";
    *id = hl_strpool_intern(m->ids, s, strlen(s), NULL);
    cJSON_Delete(v);
    if (*id == HL_NONE)
        return hl_merge_fail(err, HL_EINTERNAL, NULL, "out of memory");
    *idtext = hl_strpool_get(m->ids, *id);
    return 0;
}

static int brief(void *ud, const char *text, size_t len, uint64_t at, hl_error *err)
{
    hl_merge_briefs *m = ud;
    ref x = {.shard = m->shard, .at = at, .len = len};
    cJSON *p;
    if (id_of(m, text, len, "id", &x.id, &x.idtext, err) < 0 ||
        member(text, len, "priority", &p, m->path, err) < 0)
        return -1;
    /* what the loader makes of it: a finite number, else 0 */
    x.priority = cJSON_IsNumber(p) && isfinite(p->valuedouble) ? p->valuedouble : 0;
    cJSON_Delete(p);
    return push(&m->briefs, &x, err);
}

static int on_brief(void *ud, size_t which, hl_jstream *s, hl_error *err)
{
    return which == BRIEFS ? hl_merge_elements(s, brief, ud, err) : hl_jstream_skip(s);
}

static int recipe(void *ud, const char *text, size_t len, uint64_t at, hl_error *err)
{
    hl_merge_briefs *m = ud;
    ref x = {.shard = m->shard, .at = at, .len = len, .seq = m->seq++};
    if (id_of(m, text, len, "brief_id", &x.id, &x.idtext, err) < 0)
        return -1;
    if (x.id >= m->nrank || m->rank[x.id] == SIZE_MAX)
        return hl_merge_fail(err, HL_EINPUT, m->path,
                             "recipes[%zu]: brief_id '%.40s' is in no shard's briefs.json", x.seq,
                             x.idtext);
    x.rank = m->rank[x.id];
    return push(&m->recipes, &x, err);
}

static int on_recipe(void *ud, size_t which, hl_jstream *s, hl_error *err)
{
    hl_merge_briefs *m = ud;
    (void)which;
    m->seq = 0;
    return hl_merge_elements(s, recipe, m, err);
}

/* hl_briefs_sort's order; shard and place keep equal briefs (a shard given twice) stable. */
static int by_priority(const void *a, const void *b)
{
    const ref *x = a, *y = b;
    if (x->priority != y->priority)
        return x->priority > y->priority ? -1 : 1;
    int c = strcmp(x->idtext, y->idtext);
    if (c)
        return c;
    if (x->shard != y->shard)
        return x->shard < y->shard ? -1 : 1;
    return x->at < y->at ? -1 : x->at > y->at;
}

static int by_rank(const void *a, const void *b)
{
    const ref *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    if (x->shard != y->shard)
        return x->shard < y->shard ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Each brief id's place in the merged order (its first brief's, should two share it). */
static hl_status rank_briefs(hl_merge_briefs *m, hl_error *err)
{
    if (m->briefs.n > 1)
        qsort(m->briefs.r, m->briefs.n, sizeof *m->briefs.r, by_priority);
    m->nrank = hl_strpool_count(m->ids);
    m->rank = malloc((m->nrank ? m->nrank : 1) * sizeof *m->rank);
    if (!m->rank)
        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < m->nrank; i++)
        m->rank[i] = SIZE_MAX;
    for (size_t i = m->briefs.n; i-- > 0;)
        m->rank[m->briefs.r[i].id] = i;
    return HL_OK;
}

hl_status hl_merge_briefs_scan(hl_merge_shard *sh, size_t n, hl_merge_briefs **out,
                               hl_error *err)
{
    hl_merge_briefs *m = calloc(1, sizeof *m);
    *out = m;
    if (!m || !(m->ids = hl_strpool_new()))
        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
    hl_status st = HL_OK;
    for (size_t i = 0; st == HL_OK && i < n; i++) {
        m->shard = (uint32_t)i;
        m->path = sh[i].file[HL_MF_BRIEFS].path;
        st = hl_merge_scan(&sh[i].file[HL_MF_BRIEFS], brief_arrays, 3, i == 0 ? &m->bhdr : NULL,
                           on_brief, m, err);
    }
    if (st == HL_OK)
        st = rank_briefs(m, err);
    for (size_t i = 0; st == HL_OK && i < n; i++) {
        m->shard = (uint32_t)i;
        m->path = sh[i].file[HL_MF_RECIPES].path;
        st = hl_merge_scan(&sh[i].file[HL_MF_RECIPES], recipe_arrays, 1,
                           i == 0 ? &m->rhdr : NULL, on_recipe, m, err);
    }
    if (st == HL_OK && m->recipes.n > 1)
        qsort(m->recipes.r, m->recipes.n, sizeof *m->recipes.r, by_rank);
    return st;
}

size_t hl_merge_briefs_count(const hl_merge_briefs *m)
{
    return m->briefs.n;
}

void hl_merge_briefs_free(hl_merge_briefs *m)
{
    if (!m)
        return;
    hl_merge_header_free(&m->bhdr);
    hl_merge_header_free(&m->rhdr);
    free(m->briefs.r);
    free(m->recipes.r);
    hl_strpool_free(m->ids);
    free(m->rank);
    free(m->buf);
    free(m);
}

/* The bytes pass 1 saw at x, read again from the shard's file. */
static int fetch(hl_merge_briefs *m, hl_merge_file *mf, const ref *x, hl_error *err)
{
    if (x->len > m->cap) {
        char *nb = realloc(m->buf, x->len);
        if (!nb)
            return hl_merge_fail(err, HL_EINTERNAL, NULL, "out of memory");
        m->buf = nb;
        m->cap = x->len;
    }
    for (size_t got = 0; got < x->len;) {
        ssize_t r = pread(fileno(mf->fp), m->buf + got, x->len - got, (off_t)(x->at + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return hl_merge_fail(err, HL_EEXTERNAL, mf->path, "cannot read again: %s",
                                 r < 0 ? strerror(errno) : "the file got shorter");
        got += (size_t)r;
    }
    return 0;
}

/* The header of the first shard's file, then the elements of v in their new order. */
static hl_status sorted(hl_merge_briefs *m, hl_merge_shard *sh, const hl_merge_header *h,
                        const char *name, const refs *v, int file, FILE *out, hl_error *err)
{
    hl_merge_array a;
    hl_merge_write_header(out, h);
    fputs(h->n ? ",\n " : "", out);
    hl_merge_array_open(&a, out, name, 0);
    hl_status st = HL_OK;
    for (size_t i = 0; st == HL_OK && i < v->n; i++) {
        const ref *x = &v->r[i];
        if (fetch(m, &sh[x->shard].file[file], x, err) < 0)
            st = err->status;
        else
            hl_merge_array_add(&a, m->buf, x->len);
    }
    hl_merge_array_close(&a);
    return st;
}

static int copy(void *ud, const char *text, size_t len, uint64_t at, hl_error *err)
{
    (void)at;
    (void)err;
    hl_merge_array_add(ud, text, len);
    return 0;
}

hl_status hl_merge_briefs_write(hl_merge_briefs *m, hl_merge_shard *sh, size_t n, FILE *out,
                                hl_error *err)
{
    hl_status st = sorted(m, sh, &m->bhdr, "briefs", &m->briefs, HL_MF_BRIEFS, out, err);
    /* suppressions and rule errors in shard order, laid out as hl_output_briefs_json does */
    for (size_t k = SUPPRESSED; st == HL_OK && k <= RULE_ERRORS; k++) {
        hl_merge_array a;
        fputs(",\n ", out);
        hl_merge_array_open(&a, out, brief_arrays[k], k == SUPPRESSED);
        for (size_t i = 0; st == HL_OK && i < n; i++)
            st = hl_merge_each(&sh[i].file[HL_MF_BRIEFS], k, copy, &a, err);
        hl_merge_array_close(&a);
    }
    fputs("}\n", out);
    return st;
}

hl_status hl_merge_recipes_write(hl_merge_briefs *m, hl_merge_shard *sh, FILE *out,
                                 hl_error *err)
{
    hl_status st = sorted(m, sh, &m->rhdr, "recipes", &m->recipes, HL_MF_RECIPES, out, err);
    fputs("}\n", out);
    return st;
}
