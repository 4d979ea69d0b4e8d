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

/* A hash slot holds the string's index and 32 more bits of its hash, so a probe that meets
 * another string is settled without touching that string; an entry holds what a match needs.
 * Both matter at 10^6 rows: every lookup of a new row's ad id lands on a random slot. */
typedef struct pool_slot {
    uint32_t idx; /* HL_NONE: empty */
    uint32_t fp;  /* the hash's high half */
} pool_slot;

typedef struct pool_entry {
    const char *s;
    uint32_t len;
} pool_entry;

struct hl_strpool {
    arena *arenas;
    pool_entry *ent; /* index -> string */
    uint64_t *hashes; /* index -> hash, for rehashing */
    size_t count, strcap;
    pool_slot *slots;
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
    free(p->ent);
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
    pool_slot *slots = malloc(nslots * sizeof *slots);
    if (!slots)
        return -1;
    for (size_t j = 0; j < nslots; j++)
        slots[j].idx = HL_NONE;
    for (size_t i = 0; i < p->count; i++) {
        size_t j = (size_t)p->hashes[i] & (nslots - 1);
        while (slots[j].idx != HL_NONE)
            j = (j + 1) & (nslots - 1);
        slots[j].idx = (uint32_t)i;
        slots[j].fp = (uint32_t)(p->hashes[i] >> 32);
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
    const uint32_t fp = (uint32_t)(h >> 32);
    size_t j = (size_t)h & (p->nslots - 1);
    for (;;) {
        const pool_slot *sl = &p->slots[j];
        if (sl->idx == HL_NONE) {
            *slot = j;
            return HL_NONE;
        }
        if (sl->fp == fp) {
            const pool_entry *e = &p->ent[sl->idx];
            if (e->len == len && memcmp(e->s, s, len) == 0) {
                *slot = j;
                return sl->idx;
            }
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
        pool_entry *ne = realloc(p->ent, nc * sizeof *ne);
        if (!ne)
            return HL_NONE;
        p->ent = ne;
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
    p->ent[idx].s = copy;
    p->ent[idx].len = (uint32_t)len;
    p->hashes[idx] = h;
    p->slots[slot].idx = idx;
    p->slots[slot].fp = (uint32_t)(h >> 32);
    if (added)
        *added = 1;
    return idx;
}

const char *hl_strpool_get(const hl_strpool *p, uint32_t idx)
{
    return idx < p->count ? p->ent[idx].s : NULL;
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
    free(m->slots);
    memset(m, 0, sizeof *m);
}

static int u64map_grow(hl_u64map *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 256;
    hl_u64slot *slots = malloc(ncap * sizeof *slots);
    if (!slots)
        return -1;
    for (size_t j = 0; j < ncap; j++)
        slots[j].val = HL_NONE;
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].val == HL_NONE)
            continue;
        size_t j = (size_t)mix64(m->slots[i].key) & (ncap - 1);
        while (slots[j].val != HL_NONE)
            j = (j + 1) & (ncap - 1);
        slots[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = slots;
    m->cap = ncap;
    return 0;
}

uint32_t *hl_u64map_upsert(hl_u64map *m, uint64_t key, int *found)
{
    if ((m->count + 1) * 4 > m->cap * 3 && u64map_grow(m) < 0)
        return NULL;
    size_t j = (size_t)mix64(key) & (m->cap - 1);
    while (m->slots[j].val != HL_NONE) {
        if (m->slots[j].key == key) {
            *found = 1;
            return &m->slots[j].val;
        }
        j = (j + 1) & (m->cap - 1);
    }
    *found = 0;
    m->slots[j].key = key;
    m->count++;
    /* The caller stores a real value; until then the slot reads as a valid placeholder 0 so a
     * forgotten store cannot look like an empty slot and corrupt the probe chain. */
    m->slots[j].val = 0;
    return &m->slots[j].val;
}

uint32_t hl_u64map_get(const hl_u64map *m, uint64_t key)
{
    if (m->cap == 0)
        return HL_NONE;
    size_t j = (size_t)mix64(key) & (m->cap - 1);
    while (m->slots[j].val != HL_NONE) {
        if (m->slots[j].key == key)
            return m->slots[j].val;
        j = (j + 1) & (m->cap - 1);
    }
    return HL_NONE;
}
