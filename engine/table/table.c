/*
 * table.c — the ad-day fact table. Cells are kept per (ad, date) in one flat array with a hash
 * index, because a re-pulled day must replace the earlier values (late conversions) and a
 * duplicate inside one file must be caught; entities (ads, ad groups, campaigns, advertisers)
 * are interned once and carry the most recent names seen.
 */
#include "table/internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const level_names[] = {"ad", "adgroup", "campaign", "advertiser"};

const char *hl_level_name(hl_level l)
{
    return (unsigned)l < 4 ? level_names[l] : "?";
}

int hl_level_from_name(const char *s, hl_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (hl_level)i;
            return 0;
        }
    }
    if (strcmp(s, "ad_group") == 0 || strcmp(s, "ad-group") == 0) {
        *out = HL_LEVEL_ADGROUP;
        return 0;
    }
    return -1;
}

/* Which text fields describe an entity of each level. */
const unsigned hl__level_fields[4] = {
    0x1FFu, /* ad: everything */
    (1u << HL_F_ADVERTISER_ID) | (1u << HL_F_ADVERTISER_NAME) | (1u << HL_F_CAMPAIGN_ID) |
        (1u << HL_F_CAMPAIGN_NAME) | (1u << HL_F_ADGROUP_ID) | (1u << HL_F_ADGROUP_NAME) |
        (1u << HL_F_CURRENCY),
    (1u << HL_F_ADVERTISER_ID) | (1u << HL_F_ADVERTISER_NAME) | (1u << HL_F_CAMPAIGN_ID) |
        (1u << HL_F_CAMPAIGN_NAME) | (1u << HL_F_CURRENCY),
    (1u << HL_F_ADVERTISER_ID) | (1u << HL_F_ADVERTISER_NAME) | (1u << HL_F_CURRENCY),
};

static const hl_field level_key[4] = {HL_F_AD_ID, HL_F_ADGROUP_ID, HL_F_CAMPAIGN_ID,
                                      HL_F_ADVERTISER_ID};

hl_table *hl_table_new(void)
{
    hl_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->strings = hl_strpool_new();
    if (!t->strings) {
        free(t);
        return NULL;
    }
    for (int l = 0; l < 4; l++)
    t->first_day = INT32_MAX;
    t->last_day = INT32_MIN;
    for (int f = 0; f < HL_NFIELDS; f++)
        t->last_txt[f] = HL_NONE;
    for (int l = 0; l < 4; l++)
        t->last_ent[l] = HL_NONE;
    t->floor = INT32_MIN;
    hl_u64map_init(&t->day_cells);
    return t;
}

void hl_table_free(hl_table *t)
{
    if (!t)
        return;
    hl_strpool_free(t->strings);
    for (size_t i = 0; i < t->nentities[0]; i++)
        free(t->addays[i].cell);
    free(t->addays);
    hl_u64map_destroy(&t->day_cells);
    for (int l = 0; l < 4; l++) {
        free(t->entity_of[l]);
        free(t->entities[l]);
    }
    free(t->cells);
    free(t->extras);
    free(t->wide);
    for (size_t i = 0; i < t->nextra_names; i++)
        free(t->extra_names[i]);
    free(t->extra_names);
    free(t);
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 64;
    while (nc < need)
        nc *= 2;
    void *np = realloc(*p, nc * elem);
    if (!np)
        return -1;
    *p = np;
    *cap = nc;
    return 0;
}

static uint32_t intern(hl_table *t, int f, const char *s)
{
    if (!s)
        return HL_NONE;
    uint32_t last = t->last_txt[f];
    if (last != HL_NONE && strcmp(hl_strpool_get(t->strings, last), s) == 0)
        return last;
    uint32_t idx = hl_strpool_intern(t->strings, s, strlen(s), NULL);
    if (idx != HL_NONE)
        t->last_txt[f] = idx;
    return idx;
}

/* Finds or creates the entity of level l for this row, refreshing its names when the row is
 * at least as recent as the names it holds. Returns the entity index or HL_NONE on OOM. */
static uint32_t entity_for(hl_table *t, int l, const hl_row *row, const uint32_t *txt)
{
    uint32_t keystr = txt[level_key[l]];
    /* "no advertiser id" is one entity, in slot 0 */
    size_t key = keystr == HL_NONE ? 0 : (size_t)keystr + 1;
    int found;
    uint32_t *slot = NULL;
    if (t->last_ent[l] != HL_NONE && t->last_key[l] == key) {
        found = 1;
    } else {
        if (key >= t->entity_of_cap[l]) {
            size_t cap = t->entity_of_cap[l];
            if (grow((void **)&t->entity_of[l], &t->entity_of_cap[l], key + 1, sizeof(uint32_t)) <
                0)
                return HL_NONE;
            memset(t->entity_of[l] + cap, 0xff, (t->entity_of_cap[l] - cap) * sizeof(uint32_t));
        }
        slot = &t->entity_of[l][key];
        found = *slot != HL_NONE;
    }
    uint32_t idx;
    if (found) {
        idx = slot ? *slot : t->last_ent[l];
    } else {
        if (grow((void **)&t->entities[l], &t->entcap[l], t->nentities[l] + 1, sizeof(hl_entity)) <
            0)
            return HL_NONE;
        if (l == 0) {
            if (grow((void **)&t->addays, &t->addays_cap, t->nentities[0] + 1, sizeof(hl_addays)) <
                0)
                return HL_NONE;
            memset(&t->addays[t->nentities[0]], 0, sizeof *t->addays);
        }
        idx = (uint32_t)t->nentities[l]++;
        *slot = idx;
        hl_entity *e = &t->entities[l][idx];
        for (int f = 0; f < HL_NFIELDS; f++)
            e->text[f] = HL_NONE;
        e->name_day = INT32_MIN;
        e->parent = HL_NONE;
    }
    t->last_key[l] = key;
    t->last_ent[l] = idx;
    hl_entity *e = &t->entities[l][idx];
    if (row->day >= e->name_day) {
        for (int f = 0; f < HL_NFIELDS; f++)
            if ((hl__level_fields[l] & (1u << f)) && txt[f] != HL_NONE)
                e->text[f] = txt[f];
        e->name_day = row->day;
    }
    return idx;
}

static int same_values(const hl_table *t, const hl_cell *c, const hl_row *row)
{
    if (c->present != row->present)
        return 0;
    for (int k = 0; k < HL_NCOUNTERS; k++)
        if ((c->present & (1u << k)) && hl__cell_value(t, c, k) != row->v[k])
            return 0;
    if (c->extra_n != row->nextra)
        return 0;
    for (size_t i = 0; i < row->nextra; i++) {
        const hl_extra_val *x = &t->extras[c->extra_off + i];
        if (x->idx != row->extra_idx[i] || x->v != row->extra_v[i])
            return 0;
    }
    return 1;
}

/* v in four bytes, exactly: an integer count, or money in whole cents. */
static int encode(double v, int money, uint32_t *u)
{
    double s = money ? v * 100.0 : v;
    if (!(s >= 0 && s < 4294967295.5))
        return 0;
    uint32_t x = (uint32_t)(s + 0.5);
    *u = x;
    return money ? (double)x / 100.0 == v : (double)x == v;
}

static int store_values(hl_table *t, hl_cell *c, const hl_row *row)
{
    c->present = row->present;
    c->wide = HL_NONE;
    memset(c->u, 0, sizeof c->u);
    for (int k = 0; k < HL_NCOUNTERS; k++) {
        if (!(row->present & (1u << k)))
            continue;
        if (!encode(row->v[k], k == HL_C_SPEND || k == HL_C_PURCHASE_VALUE, &c->u[k])) {
            if (grow((void **)&t->wide, &t->widecap, (t->nwide + 1) * HL_NCOUNTERS,
                     sizeof(double)) < 0)
                return -1;
            c->wide = (uint32_t)(t->nwide++);
            memcpy(t->wide + (size_t)c->wide * HL_NCOUNTERS, row->v, sizeof row->v);
            break;
        }
    }
    c->extra_n = (uint32_t)row->nextra;
    c->extra_off = 0;
    if (row->nextra) {
        if (grow((void **)&t->extras, &t->extracap, t->nextras + row->nextra, sizeof(hl_extra_val)) <
            0)
            return -1;
        c->extra_off = (uint32_t)t->nextras;
        for (size_t i = 0; i < row->nextra; i++) {
            t->extras[t->nextras].idx = row->extra_idx[i];
            t->extras[t->nextras].v = row->extra_v[i];
            t->nextras++;
        }
    }
    return 0;
}

/* The slot of (ad, day) in the ad's day index, made to cover day; NULL on OOM. */
static uint32_t *day_slot(hl_table *t, uint32_t ad, int32_t day)
{
    hl_addays *a = &t->addays[ad];
    if (a->cap && day >= a->lo && (int64_t)day - a->lo < (int64_t)a->cap)
        return &a->cell[day - a->lo];
    int64_t lo = a->cap ? a->lo : day, hi = a->cap ? (int64_t)a->lo + a->cap : (int64_t)day + 1;
    int64_t need = (day < lo ? hi - day : (int64_t)day + 1 - lo);
    int64_t ncap = a->cap ? 2 * (int64_t)a->cap : 8;
    while (ncap < need)
        ncap *= 2;
    if (ncap > INT32_MAX)
        return NULL;
    uint32_t *nc = malloc((size_t)ncap * sizeof *nc);
    if (!nc)
        return NULL;
    memset(nc, 0xff, (size_t)ncap * sizeof *nc);
    /* growing down keeps the room below (dates arriving newest first), up the room above */
    int64_t nlo = day < lo ? hi - ncap : lo;
    if (a->cap)
        memcpy(nc + (lo - nlo), a->cell, a->cap * sizeof *nc);
    free(a->cell);
    a->cell = nc;
    a->lo = (int32_t)nlo;
    a->cap = (uint32_t)ncap;
    return &a->cell[day - a->lo];
}

static void note_day(hl_table *t, int32_t day)
{
    if (day < t->first_day)
        t->first_day = day;
    if (day > t->last_day)
        t->last_day = day;
    t->any_rows = 1;
}

/* The ad entity already made for the ad id string adid, or NULL. */
static const hl_entity *known_ad(const hl_table *t, uint32_t adid)
{
    size_t key = adid == HL_NONE ? 0 : (size_t)adid + 1;
    if (key >= t->entity_of_cap[0] || t->entity_of[0][key] == HL_NONE)
        return NULL;
    return &t->entities[0][t->entity_of[0][key]];
}

hl_status hl_table_add(hl_table *t, const hl_row *row, hl_error *err)
{
    uint32_t txt[HL_NFIELDS];
    /* The ad first: a known ad's last row named its ad group, campaign, account and its own
     * name, and a row repeats them. Comparing with those strings (the ad's name sits next to
     * its id in the pool) replaces a hash lookup whose slot, entry and string are three cache
     * misses at 50,000 ads: the largest cost of interning a row. */
    txt[HL_F_AD_ID] = intern(t, HL_F_AD_ID, row->text[HL_F_AD_ID]);
    if (row->text[HL_F_AD_ID] && txt[HL_F_AD_ID] == HL_NONE)
        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
    const hl_entity *known = known_ad(t, txt[HL_F_AD_ID]);
    for (int f = 0; f < HL_NFIELDS; f++) {
        if (f == HL_F_AD_ID)
            continue;
        const char *s = row->text[f];
        uint32_t k = known ? known->text[f] : HL_NONE;
        if (s && k != HL_NONE && strcmp(hl_strpool_get(t->strings, k), s) == 0) {
            txt[f] = k;
            t->last_txt[f] = k;
            continue;
        }
        txt[f] = intern(t, f, s);
        if (s && txt[f] == HL_NONE)
            return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
    }
    uint32_t ent[4];
    for (int l = 0; l < 4; l++) {
        ent[l] = entity_for(t, l, row, txt);
        if (ent[l] == HL_NONE)
            return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
    }
    /* An entity's parent is the one its most recent row named. */
    for (int l = 0; l < 3; l++)
        t->entities[l][ent[l]].parent = ent[l + 1];
    /* Below the floor a row still names its entities (their order of first appearance and
     * their names stay as without a floor), but its values are not kept. */
    if (row->day < t->floor) {
        note_day(t, row->day);
        return HL_OK;
    }

    uint32_t *slot = day_slot(t, ent[0], row->day);
    if (!slot)
        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
    if (*slot != HL_NONE) {
        hl_cell *c = &t->cells[*slot];
        if (c->file_index == row->file_index) {
            if (same_values(t, c, row))
                return HL_OK;
            char date[11];
            hl_format_date(row->day, date);
            return hl_error_set(err, HL_EINPUT, row->file, row->line, 1,
                                "ad %s on %s appears twice with different values (first at line %lu)",
                                row->text[HL_F_AD_ID], date, (unsigned long)c->line);
        }
        /* A later file replaces the day: that is how late conversions get corrected. */
        c->file_index = row->file_index;
        c->line = (uint32_t)row->line;
        if (store_values(t, c, row) < 0)
            return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
        t->overrides++;
        return HL_OK;
    }
    if (grow((void **)&t->cells, &t->cellcap, t->ncells + 1, sizeof(hl_cell)) < 0)
        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
    *slot = (uint32_t)t->ncells;
    hl_cell *c = &t->cells[t->ncells++];
    memset(c, 0, sizeof *c);
    c->day = row->day;
    c->ad = ent[0];
    c->file_index = row->file_index;
    c->line = (uint32_t)row->line;
    if (store_values(t, c, row) < 0)
        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
    if (t->floor != INT32_MIN) {
        int found;
        uint32_t *n = hl_u64map_upsert(&t->day_cells, (uint64_t)(uint32_t)row->day, &found);
        if (!n)
            return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
        *n = found ? *n + 1 : 1;
    }
    note_day(t, row->day);
    return HL_OK;
}

/* Drops the cells before the floor (once they are a quarter of the cells): the cells array and
 * the extras keep their order (sums over the cells come out as before), and each ad's day index
 * is re-based at the floor. */
static int compact(hl_table *t)
{
    uint32_t *moved = malloc((t->ncells ? t->ncells : 1) * sizeof *moved);
    hl_extra_val *nx = t->nextras ? malloc(t->nextras * sizeof *nx) : NULL;
    double *nw = t->nwide ? malloc(t->nwide * HL_NCOUNTERS * sizeof *nw) : NULL;
    if (!moved || (t->nextras && !nx) || (t->nwide && !nw)) {
        free(moved);
        free(nx);
        free(nw);
        return -1; /* the cells stay: correct, only larger */
    }
    size_t n = 0, nxn = 0, nwn = 0;
    for (size_t i = 0; i < t->ncells; i++) {
        hl_cell *c = &t->cells[i];
        if (c->day < t->floor) {
            moved[i] = HL_NONE;
            continue;
        }
        moved[i] = (uint32_t)n;
        hl_cell *d = &t->cells[n++];
        if (d != c)
            *d = *c;
        if (d->extra_n) {
            memcpy(nx + nxn, t->extras + d->extra_off, d->extra_n * sizeof *nx);
            d->extra_off = (uint32_t)nxn;
            nxn += d->extra_n;
        }
        if (d->wide != HL_NONE) {
            memcpy(nw + nwn * HL_NCOUNTERS, t->wide + (size_t)d->wide * HL_NCOUNTERS,
                   HL_NCOUNTERS * sizeof *nw);
            d->wide = (uint32_t)nwn++;
        }
    }
    free(t->wide);
    t->wide = nw;
    t->nwide = nwn;
    t->widecap = nwn * HL_NCOUNTERS;
    t->ncells = n;
    /* give back the room of the dropped cells, keeping a quarter to grow into */
    size_t cap = n + n / 4 > 64 ? n + n / 4 : 64;
    if (cap < t->cellcap) {
        hl_cell *nc = realloc(t->cells, cap * sizeof *nc);
        if (nc) {
            t->cells = nc;
            t->cellcap = cap;
        }
    }
    free(t->extras);
    t->extras = nx;
    t->nextras = nxn;
    t->extracap = nxn;
    for (size_t a = 0; a < t->nentities[0]; a++) {
        hl_addays *ad = &t->addays[a];
        if (!ad->cap)
            continue;
        size_t shift = t->floor > ad->lo ? (size_t)((int64_t)t->floor - ad->lo) : 0;
        if (shift >= ad->cap) {
            free(ad->cell);
            memset(ad, 0, sizeof *ad);
            continue;
        }
        memmove(ad->cell, ad->cell + shift, (ad->cap - shift) * sizeof *ad->cell);
        memset(ad->cell + (ad->cap - shift), 0xff, shift * sizeof *ad->cell);
        ad->lo += (int32_t)shift;
        for (uint32_t k = 0; k < ad->cap; k++)
            if (ad->cell[k] != HL_NONE)
                ad->cell[k] = moved[ad->cell[k]];
    }
    free(moved);
    t->dead = 0;
    return 0;
}

void hl_table_drop_cells(hl_table *t)
{
    free(t->cells);
    t->cells = NULL;
    t->ncells = t->cellcap = 0;
    free(t->extras);
    t->extras = NULL;
    t->nextras = t->extracap = 0;
    free(t->wide);
    t->wide = NULL;
    t->nwide = t->widecap = 0;
    for (size_t a = 0; a < t->nentities[0]; a++) {
        free(t->addays[a].cell);
        memset(&t->addays[a], 0, sizeof t->addays[a]);
    }
    t->dead = 0;
}

void hl_table_set_floor(hl_table *t, int32_t day)
{
    if (day <= t->floor)
        return;
    int32_t old = t->floor;
    t->floor = day;
    if (old == INT32_MIN) {
        /* the first floor: count the cells kept so far by date */
        for (size_t i = 0; i < t->ncells; i++) {
            int found;
            uint32_t *n = hl_u64map_upsert(&t->day_cells, (uint64_t)(uint32_t)t->cells[i].day,
                                           &found);
            if (!n)
                return; /* without counts the cells are kept: correct, only larger */
            *n = found ? *n + 1 : 1;
        }
    }
    if (t->ncells == 0)
        return;
    int32_t from = old > t->first_day ? old : t->first_day;
    for (int32_t d = from; d < day && d <= t->last_day; d++) {
        uint32_t n = hl_u64map_get(&t->day_cells, (uint64_t)(uint32_t)d);
        if (n != HL_NONE)
            t->dead += n;
    }
    if (t->dead >= 4096 && t->dead * 4 >= t->ncells)
        compact(t);
}

hl_status hl_table_add_cb(void *table, const hl_row *row, hl_error *err)
{
    return hl_table_add(table, row, err);
}

size_t hl_table_take_overrides(hl_table *t)
{
    size_t n = t->overrides;
    t->overrides = 0;
    return n;
}

size_t hl_table_ad_count(const hl_table *t)
{
    return t->nentities[HL_LEVEL_AD];
}

size_t hl_table_cell_count(const hl_table *t)
{
    return t->ncells;
}

int hl_table_date_range(const hl_table *t, int32_t *first, int32_t *last)
{
    if (!t->any_rows)
        return -1;
    *first = t->first_day;
    *last = t->last_day;
    return 0;
}

hl_status hl_table_set_extra_names(hl_table *t, const char *const *names, size_t n)
{
    for (size_t i = t->nextra_names; i < n; i++) {
        char **nn = realloc(t->extra_names, (i + 1) * sizeof *nn);
        if (!nn)
            return HL_EINTERNAL;
        t->extra_names = nn;
        t->extra_names[i] = strdup(names[i]);
        if (!t->extra_names[i])
            return HL_EINTERNAL;
        t->nextra_names = i + 1;
    }
    return HL_OK;
}

size_t hl_table_extra_count(const hl_table *t)
{
    return t->nextra_names;
}

const char *hl_table_extra_name(const hl_table *t, size_t i)
{
    return i < t->nextra_names ? t->extra_names[i] : NULL;
}
