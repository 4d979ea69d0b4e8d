/*
 * hash.h — the two hash tables the ingest and table stages need: an interning string pool
 * (strings stored once, in arenas, identified by a dense uint32 index) and an open-addressing
 * map from uint64 keys to uint32 values. Private to the engine; not API.
 */
#ifndef HL_COMMON_HASH_H
#define HL_COMMON_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HL_NONE UINT32_MAX

uint64_t hl_hash_bytes(const void *p, size_t n);

/* ---- interning pool: string -> dense index ---- */
typedef struct hl_strpool hl_strpool;

hl_strpool *hl_strpool_new(void); /* NULL on OOM; free with hl_strpool_free */
void hl_strpool_free(hl_strpool *p);
/* Returns the index of s (adding it when new), or HL_NONE on OOM. *added (may be NULL) tells
 * whether it was new. The stored copy is NUL-terminated and lives as long as the pool. */
uint32_t hl_strpool_intern(hl_strpool *p, const char *s, size_t len, int *added);
/* Lookup without adding: index or HL_NONE. */
uint32_t hl_strpool_find(const hl_strpool *p, const char *s, size_t len);
const char *hl_strpool_get(const hl_strpool *p, uint32_t idx); /* borrowed */
size_t hl_strpool_count(const hl_strpool *p);

/* ---- uint64 -> uint32 map ---- */
/* Key and value side by side: a lookup is one cache line, not two. */
typedef struct hl_u64slot {
    uint64_t key;
    uint32_t val; /* HL_NONE marks an empty slot */
} hl_u64slot;

typedef struct hl_u64map {
    hl_u64slot *slots;
    size_t cap; /* power of two, or 0 */
    size_t count;
} hl_u64map;

void hl_u64map_init(hl_u64map *m);
void hl_u64map_destroy(hl_u64map *m);
/* Returns a pointer to the value slot for key, inserting HL_NONE-valued when absent (the caller
 * stores the value); NULL on OOM. *found tells whether it existed. */
uint32_t *hl_u64map_upsert(hl_u64map *m, uint64_t key, int *found);
uint32_t hl_u64map_get(const hl_u64map *m, uint64_t key); /* HL_NONE when absent */

#endif
