/*
 * dataset.c — from the fact table to the compare stage's units and families: ads grouped by ad
 * group, ad groups by campaign, each with window totals and a day series, so that every test
 * can take the pooled rest of a family as (family - member) without another pass over the data.
 */
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "compare/internal.h"

static int alloc_series(int W, double **day, uint32_t **mask)
{
    *day = calloc((size_t)W * HL_NCOUNTERS, sizeof **day);
    *mask = calloc((size_t)W, sizeof **mask);
    return *day && *mask ? 0 : -1;
}

static int same_id(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* The account of an advertiser id, added on first sight. Runs hold few accounts and ads come
 * grouped by account, so the last one found is tried first. SIZE_MAX on OOM. */
static size_t account_of(hl_findings *f, const char *adv, size_t *last)
{
    if (*last < f->nacct && same_id(f->acct[*last].advertiser_id, adv))
        return *last;
    for (size_t i = 0; i < f->nacct; i++)
        if (same_id(f->acct[i].advertiser_id, adv))
            return *last = i;
    if (f->nacct == f->capacct) {
        size_t nc = f->capacct ? 2 * f->capacct : 4;
        hl_account *na = realloc(f->acct, nc * sizeof *na);
        if (!na)
            return SIZE_MAX;
        f->acct = na;
        f->capacct = nc;
    }
    hl_account *a = &f->acct[f->nacct];
    memset(a, 0, sizeof *a);
    a->advertiser_id = adv;
    f->nacct++; /* counted before the series so a failure frees what was allocated */
    if (alloc_series(f->W, &a->day, &a->mask) < 0)
        return SIZE_MAX;
    return *last = f->nacct - 1;
}

static void add_series(double *dst, uint32_t *dmask, const double *src, const uint32_t *smask,
                       int W)
{
    for (int d = 0; d < W; d++) {
        dmask[d] |= smask[d];
        for (int c = 0; c < HL_NCOUNTERS; c++)
            dst[(size_t)d * HL_NCOUNTERS + c] += src[(size_t)d * HL_NCOUNTERS + c];
    }
}

void hl__free_units(hl_units *u)
{
    for (size_t i = 0; i < u->n; i++) {
        free(u->u[i].day);
        free(u->u[i].dmask);
    }
    for (size_t i = 0; i < u->nf; i++) {
        free(u->f[i].members);
        free(u->f[i].day);
        free(u->f[i].dmask);
    }
    free(u->u);
    free(u->f);
    memset(u, 0, sizeof *u);
}

/* Groups units into families by the pointer of a parent id (interned, so equal ids share a
 * pointer). Families are numbered in order of first appearance, and each family's members and
 * sums are taken in unit order; the members arrays are sized from a first counting pass. */
static int make_families(hl_units *us, int W, const char *(*parent)(const hl_unit *))
{
    hl_u64map map;
    hl_u64map_init(&map);
    us->f = calloc(us->n ? us->n : 1, sizeof *us->f);
    if (!us->f)
        return -1;
    for (size_t i = 0; i < us->n; i++) {
        hl_unit *u = &us->u[i];
        int found;
        uint32_t *slot = hl_u64map_upsert(&map, (uint64_t)(uintptr_t)parent(u), &found);
        if (!slot) {
            hl_u64map_destroy(&map);
            return -1;
        }
        if (!found) {
            *slot = (uint32_t)us->nf;
            memset(&us->f[us->nf++], 0, sizeof *us->f);
        }
        u->family = *slot;
        us->f[*slot].n++; /* counted here, filled below */
    }
    hl_u64map_destroy(&map);
    for (size_t k = 0; k < us->nf; k++) {
        hl_family *fm = &us->f[k];
        fm->members = malloc(fm->n * sizeof *fm->members);
        if (!fm->members || alloc_series(W, &fm->day, &fm->dmask) < 0)
            return -1;
        fm->n = 0;
    }
    for (size_t i = 0; i < us->n; i++) {
        hl_unit *u = &us->u[i];
        hl_family *fm = &us->f[u->family];
        fm->members[fm->n++] = i;
        for (int c = 0; c < HL_NCOUNTERS; c++)
            fm->tot[c] += u->tot[c];
        fm->present |= u->present;
        add_series(fm->day, fm->dmask, u->day, u->dmask, W);
    }
    return 0;
}

static const char *adgroup_of(const hl_unit *u)
{
    return u->subj.adgroup_id;
}

static const char *campaign_of(const hl_unit *u)
{
    return u->subj.campaign_id;
}

static void count_days(hl_unit *u, int W)
{
    u->days = 0;
    u->delivering_days = 0;
    for (int d = 0; d < W; d++) {
        if (u->dmask[d])
            u->days++;
        if (hl_cell(u, d, HL_C_IMPRESSIONS) > 0)
            u->delivering_days++;
    }
}

/* One ad-day row of the window into the ad units (a new unit at each new ad). */
typedef struct unit_ctx {
    hl_findings *f;
    const char *cur;
    int oom;
    size_t last_acct; /* the account found last (ads come grouped by account) */
} unit_ctx;

static int add_ad_day(void *ud, const hl_agg_row *r)
{
    unit_ctx *x = ud;
    hl_findings *f = x->f;
    hl_units *ads = &f->ads;
    const int W = f->W;
    if (r->text[HL_F_AD_ID] != x->cur) {
        x->cur = r->text[HL_F_AD_ID];
        hl_unit *u = &ads->u[ads->n++];
        memset(u, 0, sizeof *u);
        u->subj.level = HL_LEVEL_AD;
        u->subj.ad_id = r->text[HL_F_AD_ID];
        u->subj.ad_name = r->text[HL_F_AD_NAME];
        u->subj.adgroup_id = r->text[HL_F_ADGROUP_ID];
        u->subj.adgroup_name = r->text[HL_F_ADGROUP_NAME];
        u->subj.campaign_id = r->text[HL_F_CAMPAIGN_ID];
        u->subj.campaign_name = r->text[HL_F_CAMPAIGN_NAME];
        u->subj.advertiser_id = r->text[HL_F_ADVERTISER_ID];
        u->currency = r->text[HL_F_CURRENCY];
        u->acct = account_of(f, u->subj.advertiser_id, &x->last_acct);
        if (u->acct == SIZE_MAX || alloc_series(W, &u->day, &u->dmask) < 0) {
            x->oom = 1;
            return 1;
        }
    }
    hl_unit *u = &ads->u[ads->n - 1];
    int d = r->day - f->from;
    if (d < 0 || d >= W)
        return 0;
    u->dmask[d] = r->present | 0x80000000u; /* high bit: a row exists */
    hl_account *acct = &f->acct[u->acct];
    acct->mask[d] |= u->dmask[d];
    for (int c = 0; c < HL_NCOUNTERS; c++) {
        if (!(r->present & (1u << c)))
            continue;
        u->day[(size_t)d * HL_NCOUNTERS + c] = r->v[c];
        u->tot[c] += r->v[c];
        acct->day[(size_t)d * HL_NCOUNTERS + c] += r->v[c];
    }
    u->present |= r->present;
    return 0;
}

hl_status hl__build_units(hl_findings *f, const hl_table *t, hl_error *err)
{
    const int W = f->W;
    size_t nads = hl_table_ad_count(t); /* at least the ads with rows in the window */
    hl_units *ads = &f->ads;
    ads->u = calloc(nads ? nads : 1, sizeof *ads->u);
    if (!ads->u)
        goto oom;
    /* the window's ad-day rows, streamed from the table (ads in order, days ascending) */
    unit_ctx x = {f, NULL, 0, 0};
    hl_table_each_ad_day(t, f->from, f->as_of, add_ad_day, &x);
    if (x.oom)
        goto oom;
    for (size_t i = 0; i < ads->n; i++)
        count_days(&ads->u[i], W);
    if (make_families(ads, W, adgroup_of) < 0)
        goto oom;

    /* Ad groups: one unit per ad-group family, compared within their campaign. */
    hl_units *gs = &f->groups;
    gs->u = calloc(ads->nf ? ads->nf : 1, sizeof *gs->u);
    if (!gs->u)
        goto oom;
    for (size_t i = 0; i < ads->nf; i++) {
        hl_family *fm = &ads->f[i];
        hl_unit *g = &gs->u[gs->n++];
        memset(g, 0, sizeof *g);
        const hl_unit *first = &ads->u[fm->members[0]];
        g->subj = first->subj;
        g->subj.level = HL_LEVEL_ADGROUP;
        g->subj.ad_id = NULL;
        g->subj.ad_name = NULL;
        g->acct = first->acct;
        if (alloc_series(W, &g->day, &g->dmask) < 0)
            goto oom;
        memcpy(g->tot, fm->tot, sizeof g->tot);
        g->present = fm->present;
        add_series(g->day, g->dmask, fm->day, fm->dmask, W);
        count_days(g, W);
    }
    if (make_families(gs, W, campaign_of) < 0)
        goto oom;
    /* The goal metric is CPA where a campaign tracks conversions, else CTR. */
    for (size_t i = 0; i < gs->nf; i++) {
        hl_family *cf = &gs->f[i];
        int cpa = (cf->present & (1u << HL_C_CONVERSIONS)) && cf->tot[HL_C_CONVERSIONS] > 0;
        cf->goal_is_cpa = cpa;
        for (size_t k = 0; k < cf->n; k++)
            ads->f[cf->members[k]].goal_is_cpa = cpa;
    }
    return HL_OK;
oom:
    return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
}
