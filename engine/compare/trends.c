/*
 * trends.c — per-ad trends over the last days (fatigue), the account's CPM (auction pressure),
 * ad-group spend pacing, and platform-vs-shop conversions (tracking). Each trend is tested with
 * its day-to-day wander in the variance (quasi-binomial with a t reference, or a log-linear
 * slope whose residuals are the wander), so random wobble is not called fatigue.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "compare/internal.h"

/* Two-sided p and the t quantile for df degrees of freedom. */
static double t_p(double t, double df)
{
    return 2 * gsl_cdf_tdist_Q(fabs(t), df);
}

static double t_q(double alpha, double df)
{
    return gsl_cdf_tdist_Qinv(alpha / 2, df);
}

typedef struct window {
    int d0, d1;  /* day indices [d0, d1] in the findings' window */
    int half;    /* first index of the recent half */
} window;

static window trend_window(const hl_findings *f)
{
    window w;
    int T = f->cfg.trend_days < f->W ? f->cfg.trend_days : f->W;
    w.d1 = f->W - 1;
    w.d0 = f->W - T;
    w.half = w.d0 + T / 2;
    return w;
}

/* OLS slope of ys on xs (day indices) with a t test on n - 2 df: the residuals are the
 * day-to-day wander, so wobble widens the interval instead of looking like a trend. */
static void slope_test(hl_findings *f, hl_trend *t, const double *xs, const double *ys, int n,
                       window w)
{
    t->days = n;
    if (n < f->cfg.trend_min_days) {
        t->change = t->ci_low = t->ci_high = t->p_value = t->slope_per_day =
            hl_undef("insufficient_data");
        return;
    }
    double mx = 0, my = 0;
    for (int i = 0; i < n; i++) {
        mx += xs[i];
        my += ys[i];
    }
    mx /= n;
    my /= n;
    double sxx = 0, sxy = 0;
    for (int i = 0; i < n; i++) {
        sxx += (xs[i] - mx) * (xs[i] - mx);
        sxy += (xs[i] - mx) * (ys[i] - my);
    }
    double slope = sxy / sxx;
    double rss = 0;
    for (int i = 0; i < n; i++) {
        double r = ys[i] - my - slope * (xs[i] - mx);
        rss += r * r;
    }
    double df = n - 2;
    double se = sqrt(rss / df / sxx);
    double span = (double)(w.d1 - w.d0);
    t->slope_per_day = hl_v(exp(slope) - 1);
    t->change = hl_v(exp(slope * span) - 1);
    if (!(se > 0)) {
        t->ci_low = t->ci_high = t->p_value = hl_undef("zero_variance");
        return;
    }
    double q = t_q(f->cfg.alpha, df);
    t->ci_low = hl_v(exp((slope - q * se) * span) - 1);
    t->ci_high = hl_v(exp((slope + q * se) * span) - 1);
    t->p_value = hl_v(t_p(slope / se, df));
}

static hl_trend *start_trend(hl_findings *f, const hl_subject *subj, window w, const char *metric,
                             const char *method)
{
    hl_trend *t = hl__new_trend(f);
    if (!t)
        return NULL;
    t->subject = *subj;
    t->metric = metric;
    t->method = method;
    t->from = f->from + w.d0;
    t->to = f->from + w.d1;
    t->phi = 1;
    t->direction = HL_TREND_UNDECIDED;
    t->p_adjusted = hl_undef("not adjusted");
    return t;
}

/* An ad's CTR relative to the rest of its ad group, day by day (log-linear slope): days when
 * every ad's CTR dips together cancel out, so only the ad's own decline shows. The half-sums
 * give the ad's own CTR before and after, for reading. */
static void trend_ctr(hl_findings *f, const hl_unit *u, const hl_family *fm, window w)
{
    double xs[4096], ys[4096];
    int n = 0;
    double xp = 0, np = 0, xr = 0, nr = 0;
    for (int d = w.d0; d <= w.d1 && n < 4096; d++) {
        double c = hl_cell(u, d, HL_C_CLICKS), i = hl_cell(u, d, HL_C_IMPRESSIONS);
        double rc = fm->day[(size_t)d * HL_NCOUNTERS + HL_C_CLICKS] - c;
        double ri = fm->day[(size_t)d * HL_NCOUNTERS + HL_C_IMPRESSIONS] - i;
        if (i <= 0)
            continue;
        if (d < w.half) {
            xp += c;
            np += i;
        } else {
            xr += c;
            nr += i;
        }
        if (fm->n > 1 && ri <= 0)
            continue; /* no peers delivering that day: no reference */
        /* half a click keeps a zero-click day finite without moving a normal day */
        double own = (c + 0.5) / (i + 1);
        double ref = fm->n > 1 ? (rc + 0.5) / (ri + 1) : 1;
        xs[n] = d;
        ys[n] = log(own / ref);
        n++;
    }
    hl_trend *t = start_trend(f, &u->subj, w, "ctr",
                              fm->n > 1 ? "log-linear slope of CTR relative to the rest of the ad "
                                          "group, t"
                                        : "log-linear slope of CTR, t");
    if (!t)
        return;
    t->prior = np > 0 ? hl_v(xp / np) : hl_undef("no delivery");
    t->recent = nr > 0 ? hl_v(xr / nr) : hl_undef("no delivery");
    slope_test(f, t, xs, ys, n, w);
}

/* Whether any account has a row on day d. */
static int any_row(const hl_findings *f, int d)
{
    for (size_t a = 0; a < f->nacct; a++)
        if (f->acct[a].mask[d])
            return 1;
    return 0;
}

/* Log-linear slope of a daily level (CPM, frequency). level(d) = scale * a(d) / b(d); ref
 * (optional) divides it by the account's level the same day. */
static void trend_slope(hl_findings *f, const hl_subject *subj, const double *day, window w,
                        hl_counter a, hl_counter b, double scale, const double *ref,
                        const char *metric)
{
    double xs[4096], ys[4096];
    int n = 0;
    double sa_p = 0, sb_p = 0, sa_r = 0, sb_r = 0;
    for (int d = w.d0; d <= w.d1 && n < 4096; d++) {
        double va = day[(size_t)d * HL_NCOUNTERS + a], vb = day[(size_t)d * HL_NCOUNTERS + b];
        if (va <= 0 || vb <= 0)
            continue;
        double level = scale * va / vb;
        if (ref) {
            double ra = ref[(size_t)d * HL_NCOUNTERS + a], rb = ref[(size_t)d * HL_NCOUNTERS + b];
            if (ra <= 0 || rb <= 0)
                continue;
            level /= scale * ra / rb;
        }
        xs[n] = d;
        ys[n] = log(level);
        n++;
        if (d < w.half) {
            sa_p += va;
            sb_p += vb;
        } else {
            sa_r += va;
            sb_r += vb;
        }
    }
    hl_trend *t = start_trend(f, subj, w, metric,
                              ref ? "log-linear slope relative to the account, t"
                                  : "log-linear slope, t");
    if (!t)
        return;
    if (ref) {
        t->prior = t->recent = hl_undef("relative level");
    } else {
        t->prior = sb_p > 0 ? hl_v(scale * sa_p / sb_p) : hl_undef("no delivery");
        t->recent = sb_r > 0 ? hl_v(scale * sa_r / sb_r) : hl_undef("no delivery");
    }
    slope_test(f, t, xs, ys, n, w);
}

/* Mean daily spend of the last 3 days against the 7 before, per ad group. Descriptive: pacing
 * is reported, not tested. */
static void pacing(hl_findings *f, const hl_unit *g)
{
    if (f->W < 10)
        return;
    double recent = 0, prior = 0;
    for (int d = f->W - 3; d < f->W; d++)
        recent += hl_cell(g, d, HL_C_SPEND);
    for (int d = f->W - 10; d < f->W - 3; d++)
        prior += hl_cell(g, d, HL_C_SPEND);
    if (prior <= 0)
        return;
    hl_trend *t = hl__new_trend(f);
    if (!t)
        return;
    t->subject = g->subj;
    t->metric = "spend";
    t->method = "pacing: mean daily spend, last 3 days vs the 7 before";
    t->from = f->from + f->W - 10;
    t->to = f->from + f->W - 1;
    t->days = 10;
    t->phi = 1;
    t->prior = hl_v(prior / 7);
    t->recent = hl_v(recent / 3);
    t->change = hl_v((recent / 3) / (prior / 7) - 1);
    t->ci_low = t->ci_high = t->p_value = t->slope_per_day = hl_undef("descriptive");
    t->p_adjusted = hl_undef("descriptive");
    t->direction = t->change.v <= f->cfg.pacing_max_change ? HL_TREND_FALLING
                   : t->change.v >= -f->cfg.pacing_max_change ? HL_TREND_RISING
                                                               : HL_TREND_FLAT;
}

/* Platform conversions against the shop's own, days as units (delta method on the ratio). */
static void tracking(hl_findings *f, const hl_backend_row *rows, size_t n, const char *campaign)
{
    const int W = f->W;
    double *plat = calloc((size_t)W, sizeof *plat), *shop = calloc((size_t)W, sizeof *shop);
    int *have = calloc((size_t)W, sizeof *have);
    if (!plat || !shop || !have) {
        free(plat);
        free(shop);
        free(have);
        f->oom = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if ((campaign == NULL) != (rows[i].campaign_id == NULL))
            continue;
        if (campaign && strcmp(campaign, rows[i].campaign_id) != 0)
            continue;
        int d = rows[i].day - f->from;
        if (d < 0 || d >= W)
            continue;
        shop[d] += rows[i].conversions;
        have[d] = 1;
    }
    hl_subject subj = {HL_LEVEL_ADVERTISER, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    for (size_t k = 0; k < f->ads.n; k++) {
        const hl_unit *u = &f->ads.u[k];
        if (campaign && (!u->subj.campaign_id || strcmp(u->subj.campaign_id, campaign) != 0))
            continue;
        if (campaign) {
            subj.level = HL_LEVEL_CAMPAIGN;
            subj.campaign_id = u->subj.campaign_id;
            subj.campaign_name = u->subj.campaign_name;
        }
        subj.advertiser_id = u->subj.advertiser_id;
        for (int d = 0; d < W; d++)
            plat[d] += hl_cell(u, d, HL_C_CONVERSIONS);
    }
    double num[4096], den[4096];
    size_t m = 0;
    double P = 0, S = 0;
    for (int d = 0; d < W && m < 4096; d++) {
        if (!have[d] || !any_row(f, d))
            continue;
        num[m] = plat[d];
        den[m++] = shop[d];
        P += plat[d];
        S += shop[d];
    }
    free(plat);
    free(shop);
    free(have);
    if (m == 0)
        return;
    hl_trend *t = hl__new_trend(f);
    if (!t)
        return;
    t->subject = subj;
    t->metric = "platform_vs_backend_conversions";
    t->method = "delta ratio over days (platform / backend)";
    t->from = f->from;
    t->to = f->as_of;
    t->days = (int)m;
    t->phi = 1;
    t->prior = hl_v(S);
    t->recent = hl_v(P);
    t->slope_per_day = hl_undef("not a slope test");
    t->p_adjusted = hl_undef("not adjusted");
    t->direction = HL_TREND_UNDECIDED;
    hl_stats_ratio r;
    hl_stats_status st = hl_stats_ratio_delta(num, den, m, &r);
    if (st != HL_STATS_OK) {
        t->change = S > 0 ? hl_v(P / S - 1) : hl_undef("zero_denominator");
        t->ci_low = t->ci_high = t->p_value = hl_undef(hl_stats_status_name(st));
        return;
    }
    double df = (double)m - 1;
    double q = t_q(f->cfg.alpha, df);
    t->change = hl_v(r.ratio - 1);
    t->ci_low = hl_v(r.ratio - q * r.se - 1);
    t->ci_high = hl_v(r.ratio + q * r.se - 1);
    /* The null is the edge of the normal gap: tested against +-tolerance, one side. */
    double tol = f->cfg.tracking_tolerance;
    double dist = fabs(r.ratio - 1) - tol;
    t->p_value = r.se > 0 ? hl_v(gsl_cdf_tdist_Q(dist / r.se, df)) : hl_undef("zero_variance");
}

void hl__trends(hl_findings *f, const hl_backend_row *backend, size_t nbackend)
{
    window w = trend_window(f);
    /* Each account's CPM: if every ad's CPM rises together, that is the auction, not fatigue. */
    for (size_t a = 0; a < f->nacct; a++) {
        hl_subject acct = {HL_LEVEL_ADVERTISER, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
        acct.advertiser_id = f->acct[a].advertiser_id;
        trend_slope(f, &acct, f->acct[a].day, w, HL_C_SPEND, HL_C_IMPRESSIONS, 1000, NULL, "cpm");
    }
    for (size_t i = 0; i < f->ads.n; i++) {
        const hl_unit *u = &f->ads.u[i];
        if (u->tot[HL_C_IMPRESSIONS] <= 0)
            continue;
        if ((u->present & (1u << HL_C_CLICKS)))
            trend_ctr(f, u, &f->ads.f[u->family], w);
        if ((u->present & (1u << HL_C_SPEND))) {
            trend_slope(f, &u->subj, u->day, w, HL_C_SPEND, HL_C_IMPRESSIONS, 1000, NULL, "cpm");
            trend_slope(f, &u->subj, u->day, w, HL_C_SPEND, HL_C_IMPRESSIONS, 1000,
                        f->acct[u->acct].day, "cpm_vs_account");
        }
        if ((u->present & (1u << HL_C_REACH)))
            trend_slope(f, &u->subj, u->day, w, HL_C_IMPRESSIONS, HL_C_REACH, 1, NULL,
                        "frequency");
    }
    for (size_t i = 0; i < f->groups.n; i++)
        if (f->groups.u[i].present & (1u << HL_C_SPEND))
            pacing(f, &f->groups.u[i]);
    if (backend && nbackend) {
        /* Per campaign where the backend names campaigns, else account-wide. */
        int any_campaign = 0, any_account = 0;
        for (size_t i = 0; i < nbackend; i++) {
            if (backend[i].campaign_id)
                any_campaign = 1;
            else
                any_account = 1;
        }
        if (any_account)
            tracking(f, backend, nbackend, NULL);
        if (any_campaign) {
            for (size_t i = 0; i < f->groups.nf; i++) {
                const hl_unit *g = &f->groups.u[f->groups.f[i].members[0]];
                if (g->subj.campaign_id)
                    tracking(f, backend, nbackend, g->subj.campaign_id);
            }
        }
    }
}

void hl__decide_trends(hl_findings *f)
{
    for (size_t i = 0; i < f->ntr; i++) {
        hl_trend *t = &f->tr[i];
        if (strcmp(t->metric, "spend") == 0)
            continue; /* pacing: descriptive, set when computed */
        if (strcmp(t->metric, "platform_vs_backend_conversions") == 0) {
            /* a discrepancy when the interval lies beyond the tolerance */
            double tol = f->cfg.tracking_tolerance;
            if (t->ci_low.ok && t->ci_low.v > tol)
                t->direction = HL_TREND_RISING;
            else if (t->ci_high.ok && t->ci_high.v < -tol)
                t->direction = HL_TREND_FALLING;
            else if (t->ci_low.ok && t->ci_high.ok && t->ci_low.v >= -tol && t->ci_high.v <= tol)
                t->direction = HL_TREND_FLAT;
            else
                t->direction = HL_TREND_UNDECIDED;
            continue;
        }
        t->direction = HL_TREND_UNDECIDED;
        if (t->p_adjusted.ok && t->p_adjusted.v <= f->cfg.alpha && t->change.ok)
            t->direction = t->change.v > 0 ? HL_TREND_RISING : HL_TREND_FALLING;
        else if (t->ci_low.ok && t->ci_high.ok && t->ci_low.v >= -f->cfg.mde &&
                 t->ci_high.v <= f->cfg.mde)
            t->direction = HL_TREND_FLAT;
    }
    /* Auction pressure: an account's own CPM trend rising (the accounts' trends come first). */
    for (size_t a = 0; a < f->ntr && f->tr[a].subject.level == HL_LEVEL_ADVERTISER; a++) {
        hl_trend *at = &f->tr[a];
        if (strcmp(at->metric, "cpm") != 0 || at->direction != HL_TREND_RISING ||
            at->change.v < f->cfg.fatigue_min_cpm_change)
            continue;
        const char *adv = at->subject.advertiser_id;
        at->note = "account-wide CPM rising: auction pressure, not any one ad's fatigue";
        if (adv && f->nacct > 1)
            hl__note(f, "auction pressure: advertiser %s's CPM changed %+.1f%% over the last %d days",
                     adv, 100 * at->change.v, at->days);
        else
            hl__note(f, "auction pressure: the account's CPM changed %+.1f%% over the last %d days",
                     100 * at->change.v, at->days);
        for (size_t i = a + 1; i < f->ntr; i++) {
            hl_trend *t = &f->tr[i];
            const char *ta = t->subject.advertiser_id;
            if (t->subject.level != HL_LEVEL_ADVERTISER && strcmp(t->metric, "cpm") == 0 &&
                t->direction == HL_TREND_RISING && (ta == adv || (ta && adv && strcmp(ta, adv) == 0)))
                t->note = "the account's CPM is rising too (auction pressure); see cpm_vs_account";
        }
    }
}
