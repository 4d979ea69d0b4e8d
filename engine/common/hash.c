/*
 * hash.c — string interning and a uint64 map. Ads, ad groups and campaigns are looked up once per
 * input row, so both tables are open addressing with linear probing and power-of-two sizes; the
 * strings live in large arenas so that a million rows do not mean a million mallocs.
 */
#include "common/hash.h"

#include <stdlib.h>
#include <string.h>

uint64_t hl_hash_bytes(const void *p, size_t n)
{
    /* FNV-1a with a final avalanche (from splitmix64) so that linear probing on the low bits of
     * similar 19-digit ids does not cluster. */
    const unsigned char *b = p;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* ---------------------------------------------------------------- string pool */

/* The pool's own hash (never stored or shown, so it may differ from hl_hash_bytes): eight bytes
 * at a time, with mix64's avalanche at the end for linear probing on the low bits. Ids and names
 * are interned for every input row, so this is on the ingest's hot path. */
static uint64_t pool_hash(const char *s, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0xff51afd7ed558ccdULL);
    uint64_t w;
    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 29;
    }
    w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * 0x94d049bb133111ebULL;
    return mix64(h);
}

#define ARENA_MIN (64u * 1024u)

typedef struct arena {
    struct arena *next;
    size_t used, cap;
    char data[];
} arena;

struct hl_strpool {
    arena *arenas;
    const char **strs; /* index -> string */
    uint32_t *lens;
    size_t count, strcap;
    uint32_t *slots; /* hash slot -> index, HL_NONE empty */
    uint64_t *hashes;
    size_t nslots;
};

hl_strpool *hl_strpool_new(void)
{
    return calloc(1, sizeof(hl_strpool));
}

void hl_strpool_free(hl_strpool *p)
{
    if (!p)
        return;
    arena *a = p->arenas;
    while (a) {
        arena *n = a->next;
        free(a);
        a = n;
    }
    free(p->strs);
    free(p->lens);
    free(p->slots);
    free(p->hashes);
    free(p);
}

static char *arena_copy(hl_strpool *p, const char *s, size_t len)
{
    arena *a = p->arenas;
    if (!a || a->cap - a->used < len + 1) {
        size_t cap = len + 1 > ARENA_MIN ? len + 1 : ARENA_MIN;
        arena *na = malloc(sizeof(arena) + cap);
        if (!na)
            return NULL;
        na->next = p->arenas;
        na->used = 0;
        na->cap = cap;
        p->arenas = na;
        a = na;
    }
    char *d = a->data + a->used;
    memcpy(d, s, len);
    d[len] = '\0';
    a->used += len + 1;
    return d;
}

static int pool_rehash(hl_strpool *p, size_t nslots)
{
    uint32_t *slots = malloc(nslots * sizeof *slots);
    if (!slots)
        return -1;
    memset(slots, 0xff, nslots * sizeof *slots);
    for (size_t i = 0; i < p->count; i++) {
        size_t j = (size_t)p->hashes[i] & (nslots - 1);
        while (slots[j] != HL_NONE)
            j = (j + 1) & (nslots - 1);
        slots[j] = (uint32_t)i;
    }
    free(p->slots);
    p->slots = slots;
    p->nslots = nslots;
    return 0;
}

static uint32_t pool_lookup(const hl_strpool *p, const char *s, size_t len, uint64_t h, size_t *slot)
{
    if (p->nslots == 0) {
        *slot = 0;
        return HL_NONE;
    }
    size_t j = (size_t)h & (p->nslots - 1);
    for (;;) {
        uint32_t idx = p->slots[j];
        if (idx == HL_NONE) {
            *slot = j;
            return HL_NONE;
        }
        if (p->hashes[idx] == h && p->lens[idx] == len && memcmp(p->strs[idx], s, len) == 0) {
            *slot = j;
            return idx;
        }
        j = (j + 1) & (p->nslots - 1);
    }
}

uint32_t hl_strpool_find(const hl_strpool *p, const char *s, size_t len)
{
    size_t slot;
    return pool_lookup(p, s, len, pool_hash(s, len), &slot);
}

uint32_t hl_strpool_intern(hl_strpool *p, const char *s, size_t len, int *added)
{
    uint64_t h = pool_hash(s, len);
    size_t slot;
    uint32_t idx = pool_lookup(p, s, len, h, &slot);
    if (added)
        *added = 0;
    if (idx != HL_NONE)
        return idx;
    if (len > UINT32_MAX - 1 || p->count >= HL_NONE - 1)
        return HL_NONE;
    if ((p->count + 1) * 4 > p->nslots * 3) {
        if (pool_rehash(p, p->nslots ? p->nslots * 2 : 64) < 0)
            return HL_NONE;
        pool_lookup(p, s, len, h, &slot);
    }
    if (p->count == p->strcap) {
        size_t nc = p->strcap ? p->strcap * 2 : 64;
        const char **ns = realloc(p->strs, nc * sizeof *ns);
        if (!ns)
            return HL_NONE;
        p->strs = ns;
        uint32_t *nl = realloc(p->lens, nc * sizeof *nl);
        if (!nl)
            return HL_NONE;
        p->lens = nl;
        uint64_t *nh = realloc(p->hashes, nc * sizeof *nh);
        if (!nh)
            return HL_NONE;
        p->hashes = nh;
        p->strcap = nc;
    }
    char *copy = arena_copy(p, s, len);
    if (!copy)
        return HL_NONE;
    idx = (uint32_t)p->count++;
    p->strs[idx] = copy;
    p->lens[idx] = (uint32_t)len;
    p->hashes[idx] = h;
    p->slots[slot] = idx;
    if (added)
        *added = 1;
    return idx;
}

const char *hl_strpool_get(const hl_strpool *p, uint32_t idx)
{
    return idx < p->count ? p->strs[idx] : NULL;
}

size_t hl_strpool_count(const hl_strpool *p)
{
    return p->count;
}

/* ---------------------------------------------------------------- u64 map */

void hl_u64map_init(hl_u64map *m)
{
    memset(m, 0, sizeof *m);
}

void hl_u64map_destroy(hl_u64map *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

static int u64map_grow(hl_u64map *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 256;
    uint64_t *keys = malloc(ncap * sizeof *keys);
    uint32_t *vals = malloc(ncap * sizeof *vals);
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return -1;
    }
    memset(vals, 0xff, ncap * sizeof *vals);
    for (size_t i = 0; i < m->cap; i++) {
        if (m->vals[i] == HL_NONE)
            continue;
        size_t j = (size_t)mix64(m->keys[i]) & (ncap - 1);
        while (vals[j] != HL_NONE)
            j = (j + 1) & (ncap - 1);
        keys[j] = m->keys[i];
        vals[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->cap = ncap;
    return 0;
}

uint32_t *hl_u64map_upsert(hl_u64map *m, uint64_t key, int *found)
{
    if ((m->count + 1) * 4 > m->cap * 3 && u64map_grow(m) < 0)
        return NULL;
    size_t j = (size_t)mix64(key) & (m->cap - 1);
    while (m->vals[j] != HL_NONE) {
        if (m->keys[j] == key) {
            *found = 1;
            return &m->vals[j];
        }
        j = (j + 1) & (m->cap - 1);
    }
    *found = 0;
    m->keys[j] = key;
    m->count++;
    /* The caller stores a real value; until then the slot reads as a valid placeholder 0 so a
     * forgotten store cannot look like an empty slot and corrupt the probe chain. */
    m->vals[j] = 0;
    return &m->vals[j];
}

uint32_t hl_u64map_get(const hl_u64map *m, uint64_t key)
{
    if (m->cap == 0)
        return HL_NONE;
    size_t j = (size_t)mix64(key) & (m->cap - 1);
    while (m->vals[j] != HL_NONE) {
        if (m->keys[j] == key)
            return m->vals[j];
        j = (j + 1) & (m->cap - 1);
    }
    return HL_NONE;
}
