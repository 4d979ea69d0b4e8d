/*
 * internal.h — the table's storage, shared by table.c (building) and aggregate.c (reading).
 * Private to engine/table.
 */
#ifndef HL_TABLE_INTERNAL_H
#define HL_TABLE_INTERNAL_H

#include "common/hash.h"
#include "hookline/table.h"

typedef struct hl_entity {
    uint32_t text[HL_NFIELDS]; /* string-pool indices, HL_NONE when unknown */
    int32_t name_day;          /* date of the row the names came from */
    uint32_t parent;           /* entity of the next level up */
} hl_entity;

typedef struct hl_extra_val {
    uint32_t idx;
    double v;
} hl_extra_val;

/* One (ad, day). Values are kept in 4 bytes each where that is exact, as they almost always
 * are: counts as integers, spend and purchase value in cents (a value is stored so only when
 * reading it back gives the very same double). A cell with any other value keeps all sixteen
 * as doubles in the table's `wide` array. 96 bytes a cell instead of 160. */
typedef struct hl_cell {
    int32_t day;
    uint32_t ad;
    uint32_t present;
    uint32_t file_index;
    uint32_t line;
    uint32_t extra_off, extra_n;
    uint32_t wide; /* HL_NONE, or the index of the cell's HL_NCOUNTERS doubles in t->wide */
    uint32_t u[HL_NCOUNTERS];
} hl_cell;

/* Where an ad's cells are, by day: slot d - lo holds the index of the ad's cell of day d, or
 * HL_NONE. The slots cover the ad's dates with room to grow either way (doubling), so memory
 * follows the span of each ad's dates, and a row finds its cell next to the ad's other days
 * instead of at a random place in one table-wide hash. */
typedef struct hl_addays {
    int32_t lo;
    uint32_t cap;
    uint32_t *cell;
} hl_addays;

struct hl_table {
    hl_strpool *strings;
    hl_entity *entities[4];
    size_t nentities[4], entcap[4];
    /* key string index + 1 (0: no key) -> entity, HL_NONE where none: string indices are
     * dense, so a plain array finds an entity in one access instead of a hash probe */
    uint32_t *entity_of[4];
    size_t entity_of_cap[4];
    hl_cell *cells;
    size_t ncells, cellcap;
    hl_addays *addays; /* per ad entity */
    size_t addays_cap;
    hl_extra_val *extras;
    size_t nextras, extracap;
    double *wide; /* HL_NCOUNTERS values per wide cell */
    size_t nwide, widecap;
    char **extra_names;
    size_t nextra_names;
    size_t overrides;
    int32_t first_day, last_day;
    /* The previous row's strings and entities: consecutive rows of an export share most of
     * them (the ad group, campaign and account of a group's ads; every field of one ad's
     * days), and a string compare is cheaper than a hash lookup. HL_NONE: nothing yet. */
    uint32_t last_txt[HL_NFIELDS];
    uint64_t last_key[4];
    uint32_t last_ent[4];
    /* hl_table_set_floor: rows before floor are not kept; cells per date (date -> count) tell
     * how many kept cells fell below it since the last compaction (`dead`). */
    int32_t floor;
    int any_rows;
    hl_u64map day_cells;
    size_t dead;
};

extern const unsigned hl__level_fields[4];

/* Counter k of cell c (0 where not present). */
static inline double hl__cell_value(const hl_table *t, const hl_cell *c, int k)
{
    if (c->wide != HL_NONE)
        return t->wide[(size_t)c->wide * HL_NCOUNTERS + k];
    return k == HL_C_SPEND || k == HL_C_PURCHASE_VALUE ? (double)c->u[k] / 100.0 : (double)c->u[k];
}

#endif
