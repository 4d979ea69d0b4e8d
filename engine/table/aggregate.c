/*
 * aggregate.c — sums of the fact table over a date window, at ad, ad group, campaign or
 * advertiser level, in total or by day. A counter sums over the days where it is present and
 * stays missing when it is absent on every day: missing never turns into 0.
 */
#include <stdlib.h>
#include <string.h>

#include "table/internal.h"

struct hl_agg {
    hl_level level;
    hl_agg_row *rows;
    size_t nrows;
    double *extra;              /* nrows * nextra */
    unsigned char *extra_present;
    size_t nextra;
    uint32_t *entity;           /* per row, for ordering */
};

/* Sort key of a row: entity first appearance, then day. Carrying the key avoids a global
 * context for qsort. */
typedef struct sort_key {
    uint32_t entity;
    int32_t day;
    size_t idx;
} sort_key;

static int cmp_keys(const void *a, const void *b)
{
    const sort_key *x = a, *y = b;
    if (x->entity != y->entity)
        return x->entity < y->entity ? -1 : 1;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return 0;
}

hl_status hl_table_aggregate(const hl_table *t, hl_level level, int32_t from, int32_t to,
                             int by_day, hl_agg **out, hl_error *err)
{
    *out = NULL;
    if ((unsigned)level > HL_LEVEL_ADVERTISER)
        return hl_error_set(err, HL_EINPUT, NULL, 0, 0, "unknown level");
    hl_agg *g = calloc(1, sizeof *g);
    if (!g)
        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
    g->level = level;
    g->nextra = t->nextra_names;

    hl_u64map rowmap, daysets;
    hl_u64map_init(&rowmap);
    hl_u64map_init(&daysets);
    size_t cap = 0;
    hl_status st = HL_OK;

    for (size_t i = 0; i < t->ncells; i++) {
        const hl_cell *c = &t->cells[i];
        if (c->day < from || c->day > to)
            continue;
        uint32_t e = c->ad;
        for (int l = 0; l < (int)level; l++)
            e = t->entities[l][e].parent;
        uint64_t key = by_day ? ((uint64_t)e << 32) | (uint32_t)c->day : e;
        int found;
        uint32_t *slot = hl_u64map_upsert(&rowmap, key, &found);
        if (!slot)
            goto oom;
        if (!found) {
            if (g->nrows == cap) {
                size_t nc = cap ? cap * 2 : 64;
                hl_agg_row *nr = realloc(g->rows, nc * sizeof *nr);
                if (!nr)
                    goto oom;
                g->rows = nr;
                uint32_t *ne = realloc(g->entity, nc * sizeof *ne);
                if (!ne)
                    goto oom;
                g->entity = ne;
                if (g->nextra) {
                    double *nx = realloc(g->extra, nc * g->nextra * sizeof *nx);
                    if (!nx)
                        goto oom;
                    g->extra = nx;
                    unsigned char *np = realloc(g->extra_present, nc * g->nextra);
                    if (!np)
                        goto oom;
                    g->extra_present = np;
                }
                cap = nc;
            }
            *slot = (uint32_t)g->nrows;
            hl_agg_row *r = &g->rows[g->nrows];
            memset(r, 0, sizeof *r);
            r->day = by_day ? c->day : -1;
            g->entity[g->nrows] = e;
            if (g->nextra) {
                memset(g->extra + g->nrows * g->nextra, 0, g->nextra * sizeof(double));
                memset(g->extra_present + g->nrows * g->nextra, 0, g->nextra);
            }
            g->nrows++;
        }
        size_t ri = *slot;
        hl_agg_row *r = &g->rows[ri];
        /* Distinct dates per row: several ads of one ad group share a date (an ad has one
         * cell per date, so at ad level every cell is a date of its own). */
        if (by_day) {
            r->days = 1;
        } else if (level == HL_LEVEL_AD) {
            r->days++;
        } else {
            int dfound;
            uint32_t *ds = hl_u64map_upsert(&daysets, ((uint64_t)e << 32) | (uint32_t)c->day,
                                            &dfound);
            if (!ds)
                goto oom;
            if (!dfound) {
                *ds = 1;
                r->days++;
            }
        }
        r->present |= c->present;
        for (int k = 0; k < HL_NCOUNTERS; k++)
            if (c->present & (1u << k))
                r->v[k] += hl__cell_value(t, c, k);
        for (uint32_t x = 0; x < c->extra_n; x++) {
            const hl_extra_val *xv = &t->extras[c->extra_off + x];
            if (xv->idx >= g->nextra)
                continue;
            g->extra[ri * g->nextra + xv->idx] += xv->v;
            g->extra_present[ri * g->nextra + xv->idx] = 1;
        }
    }

    /* Order: entity first appearance, then day; fill text and extra pointers. */
    if (g->nrows > 1) {
        sort_key *order = malloc(g->nrows * sizeof *order);
        hl_agg_row *sorted = malloc(g->nrows * sizeof *sorted);
        uint32_t *sent = malloc(g->nrows * sizeof *sent);
        double *sx = g->nextra ? malloc(g->nrows * g->nextra * sizeof *sx) : NULL;
        unsigned char *sp = g->nextra ? malloc(g->nrows * g->nextra) : NULL;
        if (!order || !sorted || !sent || (g->nextra && (!sx || !sp))) {
            free(order);
            free(sorted);
            free(sent);
            free(sx);
            free(sp);
            goto oom;
        }
        for (size_t i = 0; i < g->nrows; i++) {
            order[i].entity = g->entity[i];
            order[i].day = g->rows[i].day;
            order[i].idx = i;
        }
        qsort(order, g->nrows, sizeof *order, cmp_keys);
        for (size_t i = 0; i < g->nrows; i++) {
            size_t o = order[i].idx;
            sorted[i] = g->rows[o];
            sent[i] = g->entity[o];
            if (g->nextra) {
                memcpy(sx + i * g->nextra, g->extra + o * g->nextra, g->nextra * sizeof *sx);
                memcpy(sp + i * g->nextra, g->extra_present + o * g->nextra, g->nextra);
            }
        }
        free(order);
        free(g->rows);
        free(g->entity);
        free(g->extra);
        free(g->extra_present);
        g->rows = sorted;
        g->entity = sent;
        g->extra = sx;
        g->extra_present = sp;
    }
    for (size_t i = 0; i < g->nrows; i++) {
        hl_agg_row *r = &g->rows[i];
        const hl_entity *en = &t->entities[level][g->entity[i]];
        for (int f = 0; f < HL_NFIELDS; f++)
            r->text[f] = (hl__level_fields[level] & (1u << f)) && en->text[f] != HL_NONE
                             ? hl_strpool_get(t->strings, en->text[f])
                             : NULL;
        r->extra = g->nextra ? g->extra + i * g->nextra : NULL;
        r->extra_present = g->nextra ? g->extra_present + i * g->nextra : NULL;
    }
    hl_u64map_destroy(&rowmap);
    hl_u64map_destroy(&daysets);
    *out = g;
    return st;
oom:
    hl_u64map_destroy(&rowmap);
    hl_u64map_destroy(&daysets);
    hl_agg_free(g);
    return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
}

void hl_table_each_ad_day(const hl_table *t, int32_t from, int32_t to, hl_agg_row_fn fn, void *ud)
{
    hl_agg_row r;
    for (size_t e = 0; e < t->nentities[HL_LEVEL_AD]; e++) {
        const hl_addays *a = &t->addays[e];
        const hl_entity *en = &t->entities[HL_LEVEL_AD][e];
        for (uint32_t k = 0; k < a->cap; k++) {
            if (a->cell[k] == HL_NONE)
                continue;
            const hl_cell *c = &t->cells[a->cell[k]];
            if (c->day < from || c->day > to)
                continue;
            memset(&r, 0, sizeof r);
            for (int f = 0; f < HL_NFIELDS; f++)
                r.text[f] = en->text[f] != HL_NONE ? hl_strpool_get(t->strings, en->text[f]) : NULL;
            r.day = c->day;
            r.days = 1;
            r.present = c->present;
            for (int k2 = 0; k2 < HL_NCOUNTERS; k2++)
                if (c->present & (1u << k2))
                    r.v[k2] += hl__cell_value(t, c, k2);
            if (fn(ud, &r))
                return;
        }
    }
}

size_t hl_agg_count(const hl_agg *a)
{
    return a ? a->nrows : 0;
}

const hl_agg_row *hl_agg_row_at(const hl_agg *a, size_t i)
{
    return a && i < a->nrows ? &a->rows[i] : NULL;
}

hl_level hl_agg_level(const hl_agg *a)
{
    return a->level;
}

void hl_agg_free(hl_agg *a)
{
    if (!a)
        return;
    free(a->rows);
    free(a->entity);
    free(a->extra);
    free(a->extra_present);
    free(a);
}
