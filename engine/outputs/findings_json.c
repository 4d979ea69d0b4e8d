/*
 * findings_json.c — writes findings.json: every comparison, trend and diagnosis with its
 * numbers. A number that is undefined is null, and the object's "status" says why, so a reader
 * never meets NaN or a silent gap. Streamed: a run over 10^5 ads never builds a JSON tree.
 */
#include <stdio.h>
#include <string.h>

#include "common/jsonw.h"
#include "hookline/ingest.h"
#include "hookline/metrics.h"
#include "hookline/output.h"
#include "hookline/stats.h"

typedef struct writer {
    FILE *f;
    int first;      /* first member of the current object */
    char status[1024];
    size_t slen;
} writer;

static void key(writer *w, const char *k)
{
    fputs(w->first ? "" : ", ", w->f);
    w->first = 0;
    hl_json_string(w->f, k);
    fputs(": ", w->f);
}

static void num(writer *w, const char *k, double v)
{
    key(w, k);
    hl_json_number(w->f, v);
}

static void str(writer *w, const char *k, const char *s)
{
    key(w, k);
    hl_json_string(w->f, s);
}

/* A value or null, remembering why for the object's "status". */
static void val(writer *w, const char *k, hl_val v)
{
    key(w, k);
    if (v.ok) {
        hl_json_number(w->f, v.v);
        return;
    }
    fputs("null", w->f);
    if (v.why && w->slen + strlen(k) + strlen(v.why) + 8 < sizeof w->status) {
        w->slen += (size_t)snprintf(w->status + w->slen, sizeof w->status - w->slen, "%s%s\x1f%s",
                                    w->slen ? "\x1e" : "", k, v.why);
    }
}

static void flush_status(writer *w)
{
    if (!w->slen)
        return;
    key(w, "status");
    fputc('{', w->f);
    char *save = NULL;
    int first = 1;
    for (char *rec = strtok_r(w->status, "\x1e", &save); rec; rec = strtok_r(NULL, "\x1e", &save)) {
        char *sep = strchr(rec, '\x1f');
        if (!sep)
            continue;
        *sep = '\0';
        fputs(first ? "" : ", ", w->f);
        first = 0;
        hl_json_string(w->f, rec);
        fputs(": ", w->f);
        hl_json_string(w->f, sep + 1);
    }
    fputc('}', w->f);
    w->slen = 0;
    w->status[0] = '\0';
}

static void open_obj(writer *w)
{
    fputc('{', w->f);
    w->first = 1;
    w->slen = 0;
}

static void date(writer *w, const char *k, int32_t d)
{
    char buf[11];
    hl_format_date(d, buf);
    str(w, k, buf);
}

/* Every id and name key is always present (null where it does not apply to the level), so a
 * reader can rely on the shape. */
static void ids(writer *w, const hl_subject *s)
{
    int ad = s->level == HL_LEVEL_AD, ag = s->level <= HL_LEVEL_ADGROUP,
        camp = s->level <= HL_LEVEL_CAMPAIGN;
    str(w, "ad_id", ad ? s->ad_id : NULL);
    str(w, "ad_name", ad ? s->ad_name : NULL);
    str(w, "adgroup_id", ag ? s->adgroup_id : NULL);
    str(w, "adgroup_name", ag ? s->adgroup_name : NULL);
    str(w, "campaign_id", camp ? s->campaign_id : NULL);
    str(w, "campaign_name", camp ? s->campaign_name : NULL);
    str(w, "advertiser_id", s->advertiser_id);
}

static void subject(writer *w, const hl_subject *s)
{
    key(w, "subject");
    int save = w->first;
    open_obj(w);
    str(w, "level", hl_level_name(s->level));
    ids(w, s);
    fputc('}', w->f);
    w->first = save;
    w->first = 0;
}

static void comparison(writer *w, const hl_comparison *c, int bayes)
{
    open_obj(w);
    subject(w, &c->subject);
    const hl_metric_def *md = hl_metric_info(c->metric);
    str(w, "metric", md->name);
    str(w, "formula", md->formula);
    val(w, "value", c->value);
    val(w, "reference", c->reference);
    val(w, "lift", c->lift);
    val(w, "ci_low", c->ci_low);
    val(w, "ci_high", c->ci_high);
    val(w, "p_value", c->p_value);
    val(w, "p_adjusted", c->p_adjusted);
    if (bayes) {
        val(w, "chance_to_beat", c->chance_to_beat);
        val(w, "expected_loss", c->expected_loss);
    }
    str(w, "method", c->method);
    str(w, "decision", hl_decision_name(c->decision));
    key(w, "counts");
    /* fputs and hl_json_number rather than fprintf: this runs for every comparison */
    fputs("{\"x\": ", w->f);
    hl_json_number(w->f, c->x);
    fputs(", \"n\": ", w->f);
    hl_json_number(w->f, c->n);
    fputs(", \"x_ref\": ", w->f);
    hl_json_number(w->f, c->x_ref);
    fputs(", \"n_ref\": ", w->f);
    hl_json_number(w->f, c->n_ref);
    fputs(", \"days\": ", w->f);
    hl_json_number(w->f, c->days);
    fputs(", \"days_ref\": ", w->f);
    hl_json_number(w->f, c->days_ref);
    fputs(", \"phi\": ", w->f);
    hl_json_number(w->f, c->phi);
    fputs(c->phi_fallback ? ", \"phi_estimated\": false, \"phi_df\": "
                          : ", \"phi_estimated\": true, \"phi_df\": ",
          w->f);
    hl_json_number(w->f, c->phi_df);
    fputs(c->gated ? ", \"below_minimum\": true}" : ", \"below_minimum\": false}", w->f);
    key(w, "needed");
    if (c->decision == HL_DEC_UNDECIDED) {
        /* the object has its own "status" for its nulls; the comparison's pending reasons are
         * kept aside and restored after it */
        size_t sl = w->slen;
        char saved[sizeof w->status];
        memcpy(saved, w->status, sizeof saved);
        w->slen = 0;
        w->status[0] = '\0';
        open_obj(w);
        str(w, "unit", c->needed_unit);
        val(w, "per_arm", c->needed_per_arm);
        val(w, "remaining", c->needed_remaining);
        val(w, "days", c->needed_days);
        flush_status(w);
        fputc('}', w->f);
        memcpy(w->status, saved, sizeof saved);
        w->slen = sl;
        w->first = 0;
    } else {
        fputs("null", w->f);
    }
    flush_status(w);
    fputc('}', w->f);
}

static void trend(writer *w, const hl_trend *t)
{
    open_obj(w);
    subject(w, &t->subject);
    str(w, "metric", t->metric);
    str(w, "method", t->method);
    date(w, "from", t->from);
    date(w, "to", t->to);
    num(w, "days", t->days);
    val(w, "prior", t->prior);
    val(w, "recent", t->recent);
    val(w, "change", t->change);
    val(w, "ci_low", t->ci_low);
    val(w, "ci_high", t->ci_high);
    val(w, "slope_per_day", t->slope_per_day);
    val(w, "p_value", t->p_value);
    val(w, "p_adjusted", t->p_adjusted);
    num(w, "phi", t->phi);
    str(w, "direction", hl_trend_dir_name(t->direction));
    str(w, "note", t->note);
    flush_status(w);
    fputc('}', w->f);
}

static void evidence(writer *w, const hl_findings *fd, const hl_diagnosis *d)
{
    size_t nc, nt;
    const hl_comparison *cmp = hl_findings_comparisons(fd, &nc);
    const hl_trend *tr = hl_findings_trends(fd, &nt);
    key(w, "evidence");
    fputc('[', w->f);
    int first = 1;
    for (size_t i = 0; i < d->ncomparisons; i++) {
        const hl_comparison *c = &cmp[d->comparisons[i]];
        fputs(first ? "" : ", ", w->f);
        first = 0;
        open_obj(w);
        num(w, "comparison", (double)d->comparisons[i]);
        str(w, "metric", hl_metric_info(c->metric)->name);
        val(w, "value", c->value);
        val(w, "reference", c->reference);
        val(w, "lift", c->lift);
        val(w, "ci_low", c->ci_low);
        val(w, "ci_high", c->ci_high);
        val(w, "p_adjusted", c->p_adjusted);
        val(w, "chance_to_beat", c->chance_to_beat);
        str(w, "decision", hl_decision_name(c->decision));
        w->slen = 0;
        fputc('}', w->f);
    }
    for (size_t i = 0; i < d->ntrends; i++) {
        const hl_trend *t = &tr[d->trends[i]];
        fputs(first ? "" : ", ", w->f);
        first = 0;
        open_obj(w);
        num(w, "trend", (double)d->trends[i]);
        str(w, "metric", t->metric);
        val(w, "prior", t->prior);
        val(w, "recent", t->recent);
        val(w, "change", t->change);
        val(w, "ci_low", t->ci_low);
        val(w, "ci_high", t->ci_high);
        val(w, "p_adjusted", t->p_adjusted);
        str(w, "direction", hl_trend_dir_name(t->direction));
        w->slen = 0;
        fputc('}', w->f);
    }
    fputc(']', w->f);
}

static void diagnosis(writer *w, const hl_findings *fd, const hl_diagnosis *d)
{
    open_obj(w);
    str(w, "code", d->code);
    str(w, "level", hl_level_name(d->subject.level));
    ids(w, &d->subject);
    key(w, "related_ad_ids");
    fputc('[', w->f);
    for (size_t i = 0; i < d->nrelated; i++) {
        fputs(i ? ", " : "", w->f);
        hl_json_string(w->f, d->related_ad_ids[i]);
    }
    fputc(']', w->f);
    evidence(w, fd, d);
    num(w, "priority", d->priority);
    num(w, "spend_at_stake", d->spend_at_stake);
    num(w, "effect", d->effect);
    str(w, "summary", d->summary);
    fputc('}', w->f);
}

/* The ads of the window with their totals and metrics: what rules and reports read. */
static void ad(writer *w, const hl_ad_view *a)
{
    open_obj(w);
    ids(w, &a->subject);
    str(w, "currency", a->currency);
    num(w, "days", a->days);
    key(w, "counters");
    fputc('{', w->f);
    for (int c = 0; c < HL_NCOUNTERS; c++) {
        fputs(c ? ", \"" : "\"", w->f);
        fputs(hl_counter_name((hl_counter)c), w->f);
        fputs("\": ", w->f);
        if (a->present & (1u << c))
            hl_json_number(w->f, a->v[c]);
        else
            fputs("null", w->f);
    }
    fputc('}', w->f);
    key(w, "metrics");
    fputc('{', w->f);
    for (int m = 0; m < HL_NMETRICS; m++) {
        double v;
        fputs(m ? ", \"" : "\"", w->f);
        fputs(hl_metric_info((hl_metric)m)->name, w->f);
        fputs("\": ", w->f);
        if (hl_metric_compute((hl_metric)m, a->v, a->present, &v))
            hl_json_number(w->f, v);
        else
            fputs("null", w->f);
    }
    fputc('}', w->f);
    fputc('}', w->f);
}

int hl_output_findings_json(FILE *f, const hl_findings *fd)
{
    writer w;
    memset(&w, 0, sizeof w);
    w.f = f;
    const hl_config *cfg = hl_findings_config(fd);
    int bayes = cfg->mode == HL_MODE_BAYES;
    open_obj(&w);
    str(&w, "schema", "hookline.findings/1");
    date(&w, "as_of", hl_findings_as_of(fd));
    date(&w, "from", hl_findings_from(fd));
    str(&w, "mode", hl_mode_name(cfg->mode));
    num(&w, "alpha", cfg->alpha);
    str(&w, "adjust", hl_stats_adjust_method_name((hl_stats_adjust_method)cfg->adjust));
    str(&w, "adjust_family", cfg->adjust_per_advertiser ? "advertiser" : "run");
    key(&w, "overdispersion");
    fputs(cfg->overdispersion ? "true" : "false", f);
    num(&w, "mde", cfg->mde);
    key(&w, "observational");
    fputs("true", f);
    str(&w, "observational_note",
        "ads in one ad group are not a randomized test (delivery diverges): differences are "
        "associations, compared leave-one-out against the pooled rest of the group");
    size_t nn;
    const char *const *notes = hl_findings_notes(fd, &nn);
    key(&w, "notes");
    fputc('[', f);
    for (size_t i = 0; i < nn; i++) {
        fputs(i ? ", " : "", f);
        hl_json_string(f, notes[i]);
    }
    fputc(']', f);

    size_t n;
    const hl_ad_view *ads = hl_findings_ads(fd, &n);
    fputs(",\n \"ads\": [", f);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ",\n  " : "\n  ", f);
        ad(&w, &ads[i]);
    }
    fputs(n ? "\n ]" : "]", f);
    const hl_comparison *cmp = hl_findings_comparisons(fd, &n);
    fputs(",\n \"comparisons\": [", f);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ",\n  " : "\n  ", f);
        comparison(&w, &cmp[i], bayes);
    }
    fputs(n ? "\n ]" : "]", f);
    const hl_trend *tr = hl_findings_trends(fd, &n);
    fputs(",\n \"trends\": [", f);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ",\n  " : "\n  ", f);
        trend(&w, &tr[i]);
    }
    fputs(n ? "\n ]" : "]", f);
    const hl_diagnosis *dx = hl_findings_diagnoses(fd, &n);
    fputs(",\n \"diagnoses\": [", f);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ",\n  " : "\n  ", f);
        diagnosis(&w, fd, &dx[i]);
    }
    fputs(n ? "\n ]" : "]", f);
    fputs("}\n", f);
    return ferror(f) ? -1 : 0;
}
