/*
 * report_html.c — DIR/report.html, the page a marketer opens every morning: the account over the
 * window, the briefs by priority, then per ad group each ad's funnel, retention curve, goal-metric
 * lift (forest plot) and daily CTR and CPM (fatigue). One static file: inline CSS and SVG, no
 * script, nothing fetched, so it reads the same in a browser, a mail client or an archive years
 * later. Streamed like the JSON outputs; the charts are drawn by report_svg.c, which also escapes
 * every user string and prints every undefined number as "–".
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hookline/output.h"
#include "hookline/stats.h"
#include "outputs/report.h"

#define MAX_BRIEFS 50

static const char css[] =
    "body{margin:0;background:#f6f8fa;color:#1f2328;font:15px/1.5 -apple-system,"
    "BlinkMacSystemFont,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;"
    "-webkit-text-size-adjust:100%}\n"
    ".wrap{max-width:760px;margin:0 auto;padding:16px 12px 32px;box-sizing:border-box}\n"
    "h1{font-size:22px;line-height:1.25;margin:4px 0}\n"
    "h2{font-size:18px;margin:32px 0 10px;padding-bottom:4px;border-bottom:2px solid #d0d7de}\n"
    "h3{font-size:17px;line-height:1.3;margin:26px 0 2px}\n"
    "h4{font-size:15px;line-height:1.3;margin:0 0 4px}\n"
    ".card h3{margin-top:0}\n"
    "summary{font-size:16px;font-weight:600;line-height:1.35;cursor:pointer}\n"
    "details[open] summary{margin-bottom:6px}\n"
    "p{margin:4px 0 8px}ol,ul{margin:4px 0 8px;padding-left:22px}li{margin:2px 0}\n"
    "a{color:#0969da;text-decoration:none}\n"
    ".muted{color:#57606a}.small{font-size:13px}\n"
    "h1,h2,h3,h4,p,li,.card{overflow-wrap:anywhere;word-wrap:break-word}\n"
    ".card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 14px;"
    "margin:10px 0}\n"
    ".kpi{display:inline-block;vertical-align:top;width:46%;max-width:168px;margin:0 8px 12px 0}\n"
    ".kpi .l{display:block;font-size:12px;color:#57606a;text-transform:uppercase;"
    "letter-spacing:.04em}\n"
    ".kpi b{display:block;font-size:22px;line-height:1.25}\n"
    ".kpi .i{display:block;font-size:12px;color:#57606a}\n"
    ".badge{display:inline-block;font-size:12px;line-height:18px;padding:0 7px;border-radius:9px;"
    "background:#eaeef2;color:#424a53;margin:0 4px 2px 0;white-space:nowrap}\n"
    ".good{background:#dafbe1;color:#1a7f37}.bad{background:#ffebe9;color:#cf222e}\n"
    ".rank{display:inline-block;min-width:22px;height:22px;line-height:22px;border-radius:11px;"
    "background:#1f2328;color:#fff;font-size:13px;text-align:center;margin-right:8px}\n"
    ".chart{display:inline-block;vertical-align:top;width:100%;max-width:330px;margin:10px 0 2px}\n"
    ".ct{font-size:12px;font-weight:600;color:#57606a;text-transform:uppercase;"
    "letter-spacing:.04em;margin-bottom:2px}\n"
    "svg{display:block;width:100%;height:auto}\n"
    "svg.forest{max-width:440px}\n"
    ".dot{display:inline-block;width:9px;height:9px;border-radius:5px;margin:0 4px 0 8px}\n"
    ".foot{font-size:12px;color:#57606a;margin-top:32px;border-top:1px solid #d0d7de;"
    "padding-top:8px}\n"
    "@media (min-width:600px){.chart{margin-right:14px}}\n";

/* ---- small writers ------------------------------------------------------------------------ */

const char *hl_rh_name(const hl_subject *s)
{
    switch (s->level) {
    case HL_LEVEL_AD:
        return s->ad_name ? s->ad_name : s->ad_id;
    case HL_LEVEL_ADGROUP:
        return s->adgroup_name ? s->adgroup_name : s->adgroup_id;
    case HL_LEVEL_CAMPAIGN:
        return s->campaign_name ? s->campaign_name : s->campaign_id;
    default:
        return s->advertiser_id ? s->advertiser_id : "the account";
    }
}

int hl_rh_same(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) == 0 : a == b;
}

/* A diagnosis code as a badge: green for a winner, red for a problem, grey otherwise. */
void hl_rh_badge(FILE *f, const char *code)
{
    static const char *const bad[] = {"loser", "weak_hook", "weak_hold", "weak_cta",
                                      "landing_page_mismatch", "fatigue", "no_delivery",
                                      "audience_too_narrow", "tracking_discrepancy"};
    const char *cls = hl_rh_same(code, "winner") ? " good" : "";
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (hl_rh_same(code, bad[i]))
            cls = " bad";
    fprintf(f, "<span class=\"badge%s\">", cls);
    for (const char *p = code; p && *p; p++) {
        char c[2] = {*p == '_' ? ' ' : *p, 0};
        hl_rh_esc(f, c);
    }
    fputs("</span>", f);
}

void hl_rh_metric(const double *v, uint32_t present, hl_metric m, hl_val *out)
{
    double x;
    *out = hl_metric_compute(m, v, present, &x) ? hl_v(x) : hl_undef("undefined");
}

const char *hl_rh_val(char *buf, size_t cap, hl_val v, int pct, int decimals)
{
    if (!v.ok)
        return HL_RH_DASH;
    return pct ? hl_rh_pct(buf, cap, v.v) : hl_rh_num(buf, cap, v.v, decimals);
}

/* ---- ordering ----------------------------------------------------------------------------- */

typedef struct key {
    const char *s;
    size_t g;
    double spend;
    size_t i;
} key;

static int by_group_spend(const void *pa, const void *pb)
{
    const key *a = pa, *b = pb;
    if (a->g != b->g)
        return a->g < b->g ? -1 : 1;
    if (a->spend != b->spend)
        return a->spend > b->spend ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

static int by_string(const void *pa, const void *pb)
{
    const key *a = pa, *b = pb;
    int c = strcmp(a->s ? a->s : "", b->s ? b->s : "");
    return c ? c : (a->i < b->i ? -1 : a->i > b->i);
}

static int by_spend(const void *pa, const void *pb)
{
    const hl_rh_group *a = pa, *b = pb;
    if (a->spend != b->spend)
        return a->spend > b->spend ? -1 : 1;
    return a->first < b->first ? -1 : a->first > b->first;
}

/* Groups the ads (ad group, then spend), orders the ad groups by spend and finds each campaign's
 * goal metric the way the compare stage does: CPA where the campaign has conversions. */
static int prepare(hl_rh_report *r)
{
    size_t n = r->nads;
    key *k = calloc(n ? n : 1, sizeof *k);
    r->order = calloc(n ? n : 1, sizeof *r->order);
    r->groups = calloc(n ? n : 1, sizeof *r->groups);
    r->goal_cpa = calloc(n ? n : 1, sizeof *r->goal_cpa);
    r->shown = calloc(n ? n : 1, sizeof *r->shown);
    if (!k || !r->order || !r->groups || !r->goal_cpa || !r->shown) {
        free(k);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        k[i] = (key){r->ads[i].subject.campaign_id, 0, 0, i};
    qsort(k, n, sizeof *k, by_string);
    for (size_t s = 0, e; s < n; s = e) {
        double conv = 0;
        int tracked = 0;
        for (e = s; e < n && hl_rh_same(k[e].s, k[s].s); e++) {
            const hl_ad_view *a = &r->ads[k[e].i];
            if (a->present & (1u << HL_C_CONVERSIONS)) {
                tracked = 1;
                conv += a->v[HL_C_CONVERSIONS];
            }
        }
        for (size_t j = s; j < e; j++)
            r->goal_cpa[k[j].i] = tracked && conv > 0;
        r->ncampaigns++;
    }
    for (size_t i = 0; i < n; i++)
        k[i] = (key){NULL, r->ads[i].group, r->ads[i].v[HL_C_SPEND], i};
    qsort(k, n, sizeof *k, by_group_spend);
    for (size_t i = 0; i < n; i++) {
        r->order[i] = k[i].i;
        if (!i || k[i].g != k[i - 1].g)
            r->groups[r->ngroups++] = (hl_rh_group){i, 0, 0, r->goal_cpa[k[i].i]};
        hl_rh_group *g = &r->groups[r->ngroups - 1];
        g->n++;
        g->spend += r->ads[k[i].i].v[HL_C_SPEND];
    }
    free(k);
    qsort(r->groups, r->ngroups, sizeof *r->groups, by_spend);
    for (size_t g = 0; g < r->ngroups && g < HL_RH_MAX_GROUPS; g++)
        for (size_t j = 0; j < r->groups[g].n && j < HL_RH_MAX_ADS; j++)
            r->shown[r->order[r->groups[g].first + j]] = g + 1;
    r->currency = n ? r->ads[0].currency : NULL;
    for (size_t i = 1; i < n; i++)
        if (!hl_rh_same(r->ads[i].currency, r->currency))
            r->currency = "mixed currencies";
    return 0;
}

/* ---- account summary ---------------------------------------------------------------------- */

static void kpi(FILE *f, const char *label, const char *value, const char *note)
{
    fprintf(f, "<div class=\"kpi\"><span class=\"l\">%s</span><b>%s</b>", label, value);
    if (note)
        fprintf(f, "<span class=\"i\">%s</span>", note);
    fputs("</div>\n", f);
}

/* An interval over days (delta method): the day-to-day wander is what makes a window's CPA
 * uncertain, so the days are the units. */
static int day_interval(const hl_rh_report *r, hl_counter num, hl_counter den, double scale,
                        double *lo, double *hi)
{
    int nd = 0, ok = 1;
    for (size_t i = 0; i < r->nads; i++) {
        if (!r->ads[i].day)
            ok = 0;
        if (r->ads[i].ndays > nd)
            nd = r->ads[i].ndays;
    }
    if (!ok || nd < 2)
        return 0;
    double *x = calloc((size_t)nd * 2, sizeof *x);
    unsigned char *m = calloc((size_t)nd, 1);
    int res = 0;
    if (x && m) {
        for (size_t i = 0; i < r->nads; i++) {
            const hl_ad_view *a = &r->ads[i];
            for (int d = 0; d < a->ndays; d++) {
                if (!a->day_mask[d])
                    continue;
                m[d] = 1;
                x[d] += a->day[(size_t)d * HL_NCOUNTERS + num];
                x[nd + d] += a->day[(size_t)d * HL_NCOUNTERS + den];
            }
        }
        size_t k = 0;
        for (int d = 0; d < nd; d++)
            if (m[d]) { /* compact: delivering days only */
                x[k] = x[d];
                x[nd + k] = x[nd + d];
                k++;
            }
        hl_stats_ratio q;
        double z = hl_stats_z_crit(r->cfg->alpha);
        if (hl_stats_ratio_delta(x, x + nd, k, &q) == HL_STATS_OK && z > 0) {
            *lo = scale * fmax(0, q.ratio - z * q.se);
            *hi = scale * (q.ratio + z * q.se);
            res = isfinite(*lo) && isfinite(*hi);
        }
    }
    free(x);
    free(m);
    return res;
}

static void summary(hl_rh_report *r)
{
    FILE *f = r->f;
    double v[HL_NCOUNTERS] = {0};
    uint32_t present = 0;
    char a[64], b[64], c[64], note[200];
    for (size_t i = 0; i < r->nads; i++) {
        const hl_ad_view *ad = &r->ads[i];
        for (int k = 0; k < HL_NCOUNTERS; k++)
            if (ad->present & (1u << k))
                v[k] += ad->v[k];
        present |= ad->present;
    }
    fputs("<h2 id=\"summary\">Account</h2>\n<div class=\"card\">\n", f);
    hl_val val;
    fputs("<div class=\"kpi\"><span class=\"l\">Spend", f);
    if (r->currency) {
        fputs(" (", f);
        hl_rh_esc(f, r->currency);
        fputc(')', f);
    }
    fprintf(f, "</span><b>%s</b></div>\n",
            present & (1u << HL_C_SPEND) ? hl_rh_num(a, sizeof a, v[HL_C_SPEND], 2) : HL_RH_DASH);
    kpi(f, "Impressions",
        present & (1u << HL_C_IMPRESSIONS) ? hl_rh_num(a, sizeof a, v[HL_C_IMPRESSIONS], 0)
                                           : HL_RH_DASH,
        NULL);
    hl_rh_metric(v, present, HL_M_CTR, &val);
    snprintf(note, sizeof note, "CTR %s", hl_rh_val(b, sizeof b, val, 1, 0));
    kpi(f, "Clicks",
        present & (1u << HL_C_CLICKS) ? hl_rh_num(a, sizeof a, v[HL_C_CLICKS], 0) : HL_RH_DASH,
        note);
    kpi(f, "Conversions",
        present & (1u << HL_C_CONVERSIONS) ? hl_rh_num(a, sizeof a, v[HL_C_CONVERSIONS], 0)
                                           : HL_RH_DASH,
        NULL);
    double lo, hi;
    hl_rh_metric(v, present, HL_M_CPA, &val);
    if (val.ok && day_interval(r, HL_C_SPEND, HL_C_CONVERSIONS, 1, &lo, &hi))
        snprintf(note, sizeof note, "%s interval %s to %s", r->level,
                 hl_rh_num(b, sizeof b, lo, 2), hl_rh_num(c, sizeof c, hi, 2));
    else
        snprintf(note, sizeof note, "no interval");
    kpi(f, "CPA", hl_rh_val(a, sizeof a, val, 0, 2), note);
    hl_rh_metric(v, present, HL_M_ROAS, &val);
    if (val.ok && day_interval(r, HL_C_PURCHASE_VALUE, HL_C_SPEND, 1, &lo, &hi))
        snprintf(note, sizeof note, "%s interval %s to %s", r->level,
                 hl_rh_num(b, sizeof b, lo, 2), hl_rh_num(c, sizeof c, hi, 2));
    else
        snprintf(note, sizeof note, "no interval");
    kpi(f, "ROAS", hl_rh_val(a, sizeof a, val, 0, 2), note);
    char from[11], to[11];
    hl_format_date(hl_findings_from(r->fd), from);
    hl_format_date(hl_findings_as_of(r->fd), to);
    fprintf(f, "<p class=\"small muted\">%s to %s · %zu campaign%s · ", from, to, r->ncampaigns,
            r->ncampaigns == 1 ? "" : "s");
    fprintf(f, "%zu ad group%s · %zu ad%s. Intervals over days (delta method). "
               "<b>Observational:</b> the ads of an ad group are not a randomized test; each is "
               "compared with the pooled rest of its ad group, so differences are associations, "
               "not proven causes.</p>\n",
            r->ngroups, r->ngroups == 1 ? "" : "s", r->nads, r->nads == 1 ? "" : "s");
    size_t nn;
    const char *const *notes = hl_findings_notes(r->fd, &nn);
    for (size_t i = 0; i < nn; i++) {
        fputs("<p class=\"small\">", f);
        hl_rh_esc(f, notes[i]);
        fputs("</p>\n", f);
    }
    fputs("</div>\n", f);
}

/* ---- briefs ------------------------------------------------------------------------------- */

static int by_priority(const void *pa, const void *pb)
{
    const hl_brief *a = *(const hl_brief *const *)pa, *b = *(const hl_brief *const *)pb;
    if (a->priority != b->priority)
        return a->priority > b->priority ? -1 : 1;
    return strcmp(a->id, b->id);
}

/* A link to the subject's charts when they are on the page. */
static void subject_link(const hl_rh_report *r, const hl_subject *s)
{
    FILE *f = r->f;
    long target = -1;
    const char *kind = "ad";
    for (size_t i = 0; i < r->nads && target < 0; i++) {
        const hl_subject *x = &r->ads[i].subject;
        if (!r->shown[i] || !hl_rh_same(x->adgroup_id, s->adgroup_id) ||
            !hl_rh_same(x->campaign_id, s->campaign_id))
            continue;
        if (s->level == HL_LEVEL_AD && hl_rh_same(x->ad_id, s->ad_id))
            target = (long)i;
        else if (s->level == HL_LEVEL_ADGROUP) {
            target = (long)r->shown[i];
            kind = "g";
        }
    }
    if (target >= 0)
        fprintf(f, "<a href=\"#%s%ld\">", kind, target);
    hl_rh_esc(f, hl_rh_name(s));
    if (target >= 0)
        fputs("</a>", f);
}

/* The first few briefs open, the rest folded (<details> needs no script; a mail client that
 * does not know it shows them all). */
#define OPEN_BRIEFS 5

static void brief(const hl_rh_report *r, const hl_briefs *bs, const hl_brief *x, size_t rank)
{
    FILE *f = r->f;
    size_t nd;
    const hl_brief_diag *d = &hl_briefs_diagnoses(bs, &nd)[x->diag];
    char num[64];
    fprintf(f, "<details class=\"card brief\" id=\"");
    hl_rh_esc(f, x->id);
    fprintf(f, "\"%s>\n<summary><span class=\"rank\">%zu</span>",
            rank <= OPEN_BRIEFS ? " open" : "", rank);
    hl_rh_esc(f, x->title);
    fprintf(f, "</summary>\n<p class=\"small muted\">%s ",
            x->subject.level == HL_LEVEL_ADGROUP ? "ad group" : hl_level_name(x->subject.level));
    subject_link(r, &x->subject);
    if (x->subject.level == HL_LEVEL_AD && x->subject.adgroup_name) {
        fputs(" · ad group ", f);
        hl_rh_esc(f, x->subject.adgroup_name);
    }
    fprintf(f, " · priority %s</p>\n<p>", hl_rh_num(num, sizeof num, x->priority, 0));
    hl_rh_badge(f, d->code);
    hl_rh_esc(f, d->summary);
    fputs("</p>\n<ol>", f);
    for (size_t k = 0; k < x->nactions; k++) {
        const hl_action *a = &x->actions[k];
        const char *t = hl_action_type_name(a->type);
        fputs("<li><b>", f);
        for (const char *p = t; p && *p; p++) {
            char c[2] = {p == t && *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A')
                                                          : *p == '_' ? ' ' : *p, 0};
            hl_rh_esc(f, c);
        }
        fputs("</b>", f);
        if (a->variants > 1)
            fprintf(f, " (%d variants)", a->variants);
        fputs(": ", f);
        hl_rh_esc(f, a->instructions);
        fputs("</li>", f);
    }
    fputs("</ol>\n<p class=\"small\"><b>Success:</b> ", f);
    hl_rh_esc(f, x->success ? x->success : HL_RH_DASH);
    fputs("</p>\n", f);
    for (size_t k = 0; k < x->nnotes; k++) {
        fputs("<p class=\"small muted\">", f);
        hl_rh_esc(f, x->notes[k]);
        fputs("</p>\n", f);
    }
    fputs("</details>\n", f);
}

static int briefs(hl_rh_report *r, const hl_briefs *bs)
{
    size_t n;
    const hl_brief *list = hl_briefs_list(bs, &n);
    const hl_brief **p = calloc(n ? n : 1, sizeof *p);
    if (!p)
        return -1;
    for (size_t i = 0; i < n; i++)
        p[i] = &list[i];
    qsort(p, n, sizeof *p, by_priority);
    fprintf(r->f, "<h2 id=\"briefs\">Briefs (%zu)</h2>\n", n);
    if (!n)
        fputs("<p class=\"muted\">No briefs today: no diagnosis the rules act on.</p>\n", r->f);
    else
        fprintf(r->f, "<p class=\"small muted\">Highest priority first (spend at stake × effect "
                      "size)%s.</p>\n",
                n > OPEN_BRIEFS ? "; tap a title to open a folded brief" : "");
    for (size_t i = 0; i < n && i < MAX_BRIEFS; i++)
        brief(r, bs, p[i], i + 1);
    if (n > MAX_BRIEFS)
        fprintf(r->f, "<p class=\"muted\">%zu more briefs in briefs.md.</p>\n", n - MAX_BRIEFS);
    free(p);
    return 0;
}

static void footer(const hl_rh_report *r, const hl_briefs *bs)
{
    FILE *f = r->f;
    size_t ns, ne;
    hl_briefs_suppressed(bs, &ns);
    const hl_rule_error *e = hl_briefs_errors(bs, &ne);
    fputs("<div class=\"foot\">\n", f);
    if (ns)
        fprintf(f, "<p>%zu diagnos%s suppressed by rules (see briefs.md).</p>\n", ns,
                ns == 1 ? "is" : "es");
    for (size_t i = 0; i < ne && i < 10; i++) {
        fputs("<p>Rule error: ", f);
        hl_rh_esc(f, e[i].message);
        fputs("</p>\n", f);
    }
    fprintf(f, "<p>hookline %s · mode %s · alpha ", hl_version(), hl_mode_name(r->cfg->mode));
    char a[32];
    fprintf(f, "%s · %s over the run · each ad vs the pooled rest of its ad group (leave-one-out). "
               "Numbers: findings.json; briefs: briefs.json, briefs.md.</p>\n</div>\n",
            hl_rh_num(a, sizeof a, r->cfg->alpha, 3),
            hl_stats_adjust_method_name((hl_stats_adjust_method)r->cfg->adjust));
}

int hl_output_report_html(FILE *f, const hl_briefs *b)
{
    hl_rh_report r;
    memset(&r, 0, sizeof r);
    r.f = f;
    r.fd = hl_briefs_findings(b);
    r.cfg = hl_findings_config(r.fd);
    r.ads = hl_findings_ads(r.fd, &r.nads);
    size_t n;
    r.cmp = hl_findings_comparisons(r.fd, &n);
    r.dx = hl_findings_diagnoses(r.fd, &r.ndx);
    snprintf(r.level, sizeof r.level, "%.4g%%", 100 * (1 - r.cfg->alpha));
    int rc = -1;
    if (prepare(&r) < 0)
        goto out;
    char date[11];
    hl_format_date(hl_findings_as_of(r.fd), date);
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<title>hookline report, as of %s</title>\n<style>\n%s</style>\n</head>\n"
               "<body>\n<div class=\"wrap\">\n<h1>Creative report</h1>\n"
               "<p class=\"muted\">as of %s · <a href=\"#briefs\">briefs</a> · "
               "<a href=\"#adgroups\">ad groups</a></p>\n",
            date, css, date);
    summary(&r);
    if (briefs(&r, b) < 0 || hl_rh_groups(&r) < 0)
        goto out;
    footer(&r, b);
    fputs("</div>\n</body>\n</html>\n", f);
    rc = ferror(f) ? -1 : 0;
out:
    free(r.order);
    free(r.groups);
    free(r.goal_cpa);
    free(r.shown);
    return rc;
}
