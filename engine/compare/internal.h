/*
 * internal.h — the compare stage's working data: units (ads, ad groups) with window totals and
 * day series, families (a parent and its members, compared leave-one-out), and the growing
 * arrays of findings. Private to engine/compare.
 */
#ifndef HL_COMPARE_INTERNAL_H
#define HL_COMPARE_INTERNAL_H

#include "common/hash.h"
#include "hookline/compare.h"
#include "hookline/stats.h"

/* An entity compared with its peers: totals over the window and one cell per day. */
typedef struct hl_unit {
    hl_subject subj;
    const char *currency;
    double tot[HL_NCOUNTERS];
    uint32_t present;          /* counters present on at least one day */
    double *day;               /* W * HL_NCOUNTERS values, 0 where missing */
    uint32_t *dmask;           /* W presence masks; 0 = no row that day */
    int days;                  /* days with a row */
    int delivering_days;       /* days with impressions > 0 */
    size_t family;             /* index of the family it belongs to */
    size_t acct;               /* index of its account (advertiser) in hl_findings.acct */
} hl_unit;

/* One advertiser's daily totals: the level its ads' CPM is judged against (auction pressure
 * is an account's, not the run's: an agency's run holds many accounts). */
typedef struct hl_account {
    const char *advertiser_id; /* NULL when the input names none */
    double *day;               /* W * HL_NCOUNTERS totals per day */
    uint32_t *mask;
} hl_account;

/* A parent (ad group for ads, campaign for ad groups) and its members. */
typedef struct hl_family {
    size_t *members;
    size_t n;
    double tot[HL_NCOUNTERS];
    uint32_t present;
    double *day;
    uint32_t *dmask;
    int goal_is_cpa;           /* conversions tracked in the campaign: the goal is CPA */
} hl_family;

typedef struct hl_units {
    hl_unit *u;
    size_t n;
    hl_family *f;
    size_t nf;
} hl_units;

struct hl_findings {
    hl_config cfg;
    int32_t as_of, from;
    int W;                     /* window length in days: day index 0 = from */
    hl_units ads, groups;      /* ads in ad-group families; ad groups in campaign families */
    hl_account *acct;          /* the accounts, in order of their first ad */
    size_t nacct, capacct;
    hl_comparison *cmp;
    size_t ncmp, capcmp;
    hl_trend *tr;
    size_t ntr, captr;
    hl_diagnosis *dx;
    size_t ndx, capdx;
    char **notes;
    size_t nnotes, capnotes;
    hl_ad_view *adv;
    size_t nadv;
    hl_strpool *owned;         /* strings of findings loaded from JSON */
    hl_prev_p_fn prev_p;
    void *prev_ud;
    hl_compare_times times;
    int oom;
};

/* compare.c: fills adv from the units (or the loaded ads) and the finding arrays. */
int hl__index_ads(hl_findings *f);

/* dataset.c */
hl_status hl__build_units(hl_findings *f, const hl_table *t, hl_error *err);
void hl__free_units(hl_units *u);

/* tests.c: every comparison of one family on one metric (value columns, p, interval);
 * decisions are made later, after the multiplicity adjustment. */
void hl__compare_family(hl_findings *f, hl_units *us, size_t fam, hl_metric m);
/* Decides every comparison from its (adjusted) evidence. */
void hl__decide(hl_findings *f);

/* trends.c */
void hl__trends(hl_findings *f, const hl_backend_row *backend, size_t nbackend);
void hl__decide_trends(hl_findings *f);

/* diagnose.c */
void hl__diagnose(hl_findings *f);

/* compare.c: growing arrays */
hl_comparison *hl__new_comparison(hl_findings *f);
hl_trend *hl__new_trend(hl_findings *f);
hl_diagnosis *hl__new_diagnosis(hl_findings *f);
/* The factor that widens a dispersion estimated with df degrees of freedom so that a z test
 * near the decision boundary behaves like the t test (tests.c). */
double hl__t_widen(double z, double df);
void hl__note(hl_findings *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* small helpers */
static inline double hl_cell(const hl_unit *u, int d, hl_counter c)
{
    return u->day[(size_t)d * HL_NCOUNTERS + c];
}

#endif
