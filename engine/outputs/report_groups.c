/*
 * report_groups.c — the ad-group part of report.html (report_html.c writes the rest): per ad
 * group, biggest spend first, a forest plot of each ad's lift on the goal metric, then per ad its
 * funnel, retention curve and daily CTR and CPM, drawn by report_svg.c. Everything comes from
 * the findings: the comparisons colour the marks, the diagnoses flag the ads.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "outputs/report.h"

static const hl_comparison *ad_cmp(const hl_rh_report *r, const hl_ad_view *a, hl_metric m)
{
    for (size_t i = 0; i < a->ncmp; i++)
        if (r->cmp[a->cmp[i]].metric == m)
            return &r->cmp[a->cmp[i]];
    return NULL;
}

static int has_dx(const hl_rh_report *r, const hl_ad_view *a, const char *code)
{
    for (size_t i = 0; i < a->ndx; i++)
        if (hl_rh_same(r->dx[a->dx[i]].code, code))
            return 1;
    return 0;
}

static void funnel(const hl_rh_report *r, const hl_rh_group *g, const hl_ad_view *a)
{
    static const hl_metric rate[HL_RH_NSTEPS] = {HL_NMETRICS, HL_M_HOOK_RATE, HL_M_HOLD_RATE,
                                                  HL_M_CTR, HL_M_CVR};
    static const hl_counter cnt[HL_RH_NSTEPS] = {HL_C_IMPRESSIONS, HL_C_VIEWS_2S, HL_C_VIEWS_6S,
                                                  HL_C_CLICKS, HL_C_CONVERSIONS};
    static const char *const label[HL_RH_NSTEPS] = {"Impressions", "2 s views", "6 s views",
                                                     "Clicks", "Conversions"};
    static const char *const rname[HL_RH_NSTEPS] = {"share", "hook", "hold", "CTR", "CVR"};
    hl_rh_step st[HL_RH_NSTEPS];
    for (int s = 0; s < HL_RH_NSTEPS; s++) {
        /* Each step's bar is on its own scale, the best ad of the group (or the rest of the
         * group's rate) being full: the point is the comparison with the peers. */
        double top = 0, grp_impr = 0;
        for (size_t j = 0; j < g->n && j < HL_RH_MAX_ADS; j++) {
            const hl_ad_view *o = &r->ads[r->order[g->first + j]];
            double x;
            if (s == 0) {
                top = fmax(top, o->v[HL_C_IMPRESSIONS]);
                grp_impr += o->v[HL_C_IMPRESSIONS];
                continue;
            }
            if (hl_metric_compute(rate[s], o->v, o->present, &x))
                top = fmax(top, x);
            const hl_comparison *c = ad_cmp(r, o, rate[s]);
            if (c && c->reference.ok)
                top = fmax(top, c->reference.v);
        }
        hl_rh_step *p = &st[s];
        memset(p, 0, sizeof *p);
        p->label = label[s];
        p->rate_name = rname[s];
        p->count = a->present & (1u << cnt[s]) ? hl_v(a->v[cnt[s]]) : hl_undef("missing");
        p->tick = hl_undef("none");
        p->tone = HL_RH_NEUTRAL;
        if (s == 0) {
            p->rate = grp_impr > 0 && p->count.ok ? hl_v(p->count.v / grp_impr) : hl_undef("");
            p->bar = top > 0 && p->count.ok ? hl_v(p->count.v / top) : hl_undef("");
            continue;
        }
        hl_rh_metric(a->v, a->present, rate[s], &p->rate);
        p->bar = top > 0 && p->rate.ok ? hl_v(p->rate.v / top) : hl_undef("");
        const hl_comparison *c = ad_cmp(r, a, rate[s]);
        if (c && c->reference.ok && top > 0)
            p->tick = hl_v(c->reference.v / top);
        hl_rh_tone t = hl_rh_tone_of(c);
        p->tone = t == HL_RH_GOOD || t == HL_RH_BAD ? t : HL_RH_NEUTRAL;
    }
    hl_rh_svg_funnel(r->f, st);
}

static const hl_counter ret_c[HL_RH_NRET] = {HL_C_VIEWS_2S,  HL_C_VIEWS_6S,  HL_C_VIEWS_P25,
                                            HL_C_VIEWS_P50, HL_C_VIEWS_P75, HL_C_VIEWS_P100};

/* Retention as a share of impressions at every point, so the 2 s point is the hook rate the
 * briefs quote; the grey curve is the whole ad group over the ads that report each point. */
static void retention(const hl_rh_report *r, const hl_rh_group *g, const hl_ad_view *a)
{
    hl_val ad[HL_RH_NRET], gr[HL_RH_NRET];
    uint32_t imp = 1u << HL_C_IMPRESSIONS;
    for (int k = 0; k < HL_RH_NRET; k++) {
        uint32_t need = imp | (1u << ret_c[k]);
        double num = 0, den = 0;
        ad[k] = (a->present & need) == need && a->v[HL_C_IMPRESSIONS] > 0
                    ? hl_v(a->v[ret_c[k]] / a->v[HL_C_IMPRESSIONS])
                    : hl_undef("missing");
        for (size_t j = 0; j < g->n; j++) {
            const hl_ad_view *o = &r->ads[r->order[g->first + j]];
            if ((o->present & need) == need) {
                num += o->v[ret_c[k]];
                den += o->v[HL_C_IMPRESSIONS];
            }
        }
        gr[k] = den > 0 ? hl_v(num / den) : hl_undef("missing");
    }
    hl_rh_svg_retention(r->f, ad, gr);
}

/* Pooled CTR or CPM over days [from, to) of the day series. */
static hl_val pooled(const hl_ad_view *a, int from, int to, int cpm)
{
    double num = 0, den = 0;
    for (int d = from < 0 ? 0 : from; d < to && d < a->ndays; d++) {
        const double *v = &a->day[(size_t)d * HL_NCOUNTERS];
        num += cpm ? 1000 * v[HL_C_SPEND] : v[HL_C_CLICKS];
        den += v[HL_C_IMPRESSIONS];
    }
    return den > 0 ? hl_v(num / den) : hl_undef("no impressions");
}

static int sparklines(const hl_rh_report *r, const hl_ad_view *a)
{
    int n = a->ndays;
    if (!a->day || n < 2) {
        fputs("<p class=\"small muted\">No day series (findings read back from JSON).</p>", r->f);
        return 0;
    }
    double *y = calloc((size_t)n * 2, sizeof *y);
    unsigned char *ok = calloc((size_t)n * 2, 1);
    if (!y || !ok) {
        free(y);
        free(ok);
        return -1;
    }
    for (int d = 0; d < n; d++) {
        const double *v = &a->day[(size_t)d * HL_NCOUNTERS];
        ok[d] = ok[n + d] = a->day_mask[d] && v[HL_C_IMPRESSIONS] > 0;
        y[d] = ok[d] ? v[HL_C_CLICKS] / v[HL_C_IMPRESSIONS] : 0;
        y[n + d] = ok[d] ? 1000 * v[HL_C_SPEND] / v[HL_C_IMPRESSIONS] : 0;
    }
    int k = n / 2 < 7 ? n / 2 : 7;
    char s0[96], s1[96], x0[32], x1[32];
    hl_val c0 = pooled(a, 0, k, 0), c1 = pooled(a, n - k, n, 0);
    hl_val m0 = pooled(a, 0, k, 1), m1 = pooled(a, n - k, n, 1);
    snprintf(s0, sizeof s0, "%s \xe2\x86\x92 %s", hl_rh_val(x0, sizeof x0, c0, 1, 0),
             hl_rh_val(x1, sizeof x1, c1, 1, 0));
    snprintf(s1, sizeof s1, "%s \xe2\x86\x92 %s", hl_rh_val(x0, sizeof x0, m0, 0, 2),
             hl_rh_val(x1, sizeof x1, m1, 0, 2));
    hl_rh_tone t = has_dx(r, a, "fatigue") ? HL_RH_BAD : HL_RH_NEUTRAL;
    hl_rh_series s[2] = {{"CTR", y, ok, n, s0, t}, {"CPM", y + n, ok + n, n, s1, t}};
    hl_rh_svg_sparklines(r->f, s, 2, n - r->cfg->trend_days);
    free(y);
    free(ok);
    return 0;
}

static int ad_card(const hl_rh_report *r, const hl_rh_group *g, size_t idx)
{
    FILE *f = r->f;
    const hl_ad_view *a = &r->ads[idx];
    char b1[64], b2[64], b3[64], b4[64];
    hl_val ctr, cpa, roas;
    hl_rh_metric(a->v, a->present, HL_M_CTR, &ctr);
    hl_rh_metric(a->v, a->present, HL_M_CPA, &cpa);
    hl_rh_metric(a->v, a->present, HL_M_ROAS, &roas);
    fprintf(f, "<div class=\"card\" id=\"ad%zu\">\n<h4>", idx);
    hl_rh_esc(f, hl_rh_name(&a->subject));
    fputs("</h4>\n<p class=\"small\">", f);
    for (size_t i = 0; i < a->ndx; i++)
        hl_rh_badge(f, r->dx[a->dx[i]].code);
    fprintf(f, "<span class=\"muted\">spend %s · CTR %s · CPA %s · ROAS %s · %d day%s</span></p>\n",
            a->present & 1u << HL_C_SPEND ? hl_rh_num(b1, sizeof b1, a->v[HL_C_SPEND], 2)
                                          : HL_RH_DASH,
            hl_rh_val(b2, sizeof b2, ctr, 1, 0), hl_rh_val(b3, sizeof b3, cpa, 0, 2),
            hl_rh_val(b4, sizeof b4, roas, 0, 2), a->days, a->days == 1 ? "" : "s");
    fputs("<div class=\"chart\"><div class=\"ct\">Funnel</div>", f);
    funnel(r, g, a);
    fputs("</div><div class=\"chart\"><div class=\"ct\">Retention (% of impressions)</div>", f);
    retention(r, g, a);
    fprintf(f, "</div><div class=\"chart\"><div class=\"ct\">Daily CTR and CPM%s</div>",
            has_dx(r, a, "fatigue") ? " · <span class=\"badge bad\">fatigue</span>" : "");
    if (sparklines(r, a) < 0)
        return -1;
    fputs("</div>\n", f);
    if (a->ndx) {
        fputs("<ul class=\"small\">", f);
        for (size_t i = 0; i < a->ndx; i++) {
            fputs("<li>", f);
            hl_rh_esc(f, r->dx[a->dx[i]].summary);
            fputs("</li>", f);
        }
        fputs("</ul>\n", f);
    }
    fputs("</div>\n", f);
    return 0;
}

static int forest(const hl_rh_report *r, const hl_rh_group *g)
{
    size_t n = g->n < HL_RH_MAX_ADS ? g->n : HL_RH_MAX_ADS;
    hl_rh_forest_row *rows = calloc(n ? n : 1, sizeof *rows);
    if (!rows)
        return -1;
    hl_metric m = g->goal_cpa ? HL_M_CPA : HL_M_CTR;
    for (size_t j = 0; j < n; j++) {
        const hl_ad_view *a = &r->ads[r->order[g->first + j]];
        const hl_comparison *c = ad_cmp(r, a, m);
        rows[j].name = hl_rh_name(&a->subject);
        rows[j].tone = c ? hl_rh_tone_of(c) : HL_RH_UNDECIDED;
        rows[j].lift = c ? c->lift : hl_undef("no comparison");
        rows[j].lo = c ? c->ci_low : hl_undef("");
        rows[j].hi = c ? c->ci_high : hl_undef("");
        rows[j].why = rows[j].lift.why ? rows[j].lift.why : "";
    }
    hl_rh_svg_forest(r->f, rows, n,
                     g->goal_cpa ? "CPA vs rest of the ad group (lower is better)"
                                 : "CTR vs rest of the ad group (higher is better)");
    free(rows);
    return 0;
}

static int group(const hl_rh_report *r, size_t rank)
{
    FILE *f = r->f;
    const hl_rh_group *g = &r->groups[rank];
    const hl_subject *s = &r->ads[r->order[g->first]].subject;
    char b1[64];
    fprintf(f, "<h3 id=\"g%zu\">", rank + 1);
    hl_rh_esc(f, s->adgroup_name ? s->adgroup_name : s->adgroup_id);
    fputs("</h3>\n<p class=\"small muted\">campaign ", f);
    hl_rh_esc(f, s->campaign_name ? s->campaign_name : s->campaign_id);
    fprintf(f, " · %zu ad%s · spend %s · goal %s</p>\n", g->n, g->n == 1 ? "" : "s",
            hl_rh_num(b1, sizeof b1, g->spend, 2), g->goal_cpa ? "CPA" : "CTR");
    for (size_t i = 0; i < r->ndx; i++) {
        const hl_diagnosis *d = &r->dx[i];
        if (d->subject.level != HL_LEVEL_ADGROUP ||
            !hl_rh_same(d->subject.adgroup_id, s->adgroup_id) ||
            !hl_rh_same(d->subject.campaign_id, s->campaign_id))
            continue;
        fputs("<p class=\"small\">", f);
        hl_rh_badge(f, d->code);
        hl_rh_esc(f, d->summary);
        fputs("</p>\n", f);
    }
    fprintf(f,
            "<div class=\"card\"><div class=\"ct\">Goal metric: %s lift per ad, %s interval</div>",
            g->goal_cpa ? "CPA" : "CTR", r->level);
    if (forest(r, g) < 0)
        return -1;
    fprintf(f, "<p class=\"small muted\"><span class=\"dot\" style=\"background:%s;margin-left:0\">"
               "</span>better<span class=\"dot\" style=\"background:%s\"></span>worse"
               "<span class=\"dot\" style=\"background:%s\"></span>no difference"
               "<span class=\"dot\" style=\"background:%s\"></span>undecided or too little data"
               "</p></div>\n",
            hl_rh_colour(HL_RH_GOOD), hl_rh_colour(HL_RH_BAD), hl_rh_colour(HL_RH_SAME),
            hl_rh_colour(HL_RH_UNDECIDED));
    for (size_t j = 0; j < g->n && j < HL_RH_MAX_ADS; j++)
        if (ad_card(r, g, r->order[g->first + j]) < 0)
            return -1;
    if (g->n > HL_RH_MAX_ADS)
        fprintf(f, "<p class=\"muted\">%zu more ads in findings.json.</p>\n", g->n - HL_RH_MAX_ADS);
    return 0;
}

int hl_rh_groups(hl_rh_report *r)
{
    FILE *f = r->f;
    fputs("<h2 id=\"adgroups\">Ad groups</h2>\n<p class=\"small muted\">Biggest spend first. "
          "<b>Funnel:</b> each step's rate (hook = 2 s / impressions, hold = 6 s / 2 s, "
          "CTR = clicks / impressions, CVR = conversions / clicks), the bar scaled to the best "
          "ad of the group; the tick is the rest of the group; green or red where the difference "
          "is significant. <b>Retention:</b> share of impressions still watching at each point; "
          "dashed grey is the whole ad group. <b>Daily CTR and CPM:</b> one point a day, first "
          "7 days \xe2\x86\x92 last 7 days; the shaded part is the fatigue trend window.</p>\n",
          f);
    for (size_t g = 0; g < r->ngroups && g < HL_RH_MAX_GROUPS; g++)
        if (group(r, g) < 0)
            return -1;
    if (r->ngroups > HL_RH_MAX_GROUPS)
        fprintf(f, "<p class=\"muted\">%zu smaller ad groups in findings.json.</p>\n",
                r->ngroups - HL_RH_MAX_GROUPS);
    return 0;
}
