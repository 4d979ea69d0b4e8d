/*
 * briefs_json.c — briefs.json (schema "hookline.briefs/1") and briefs.md. JSON carries every
 * number; Markdown is for people: briefs by priority, each with its diagnosis in one sentence,
 * the actions, the hypothesis and how it will be judged. Every user string (ad names, rule
 * text) is escaped for its format.
 */
#include <stdio.h>
#include <string.h>

#include "common/jsonw.h"
#include "hookline/brief.h"
#include "hookline/output.h"

static void kv_str(FILE *f, const char *k, const char *v, int comma)
{
    if (comma)
        fputs(", ", f);
    hl_json_string(f, k);
    fputs(": ", f);
    hl_json_string(f, v);
}

static void kv_val(FILE *f, const char *k, hl_val v)
{
    fputs(", ", f);
    hl_json_string(f, k);
    fputs(": ", f);
    if (v.ok)
        hl_json_number(f, v.v);
    else
        fputs("null", f);
}

static void ids(FILE *f, const hl_subject *s)
{
    int ad = s->level == HL_LEVEL_AD, ag = s->level <= HL_LEVEL_ADGROUP,
        camp = s->level <= HL_LEVEL_CAMPAIGN;
    kv_str(f, "level", hl_level_name(s->level), 1);
    kv_str(f, "ad_id", ad ? s->ad_id : NULL, 1);
    kv_str(f, "ad_name", ad ? s->ad_name : NULL, 1);
    kv_str(f, "adgroup_id", ag ? s->adgroup_id : NULL, 1);
    kv_str(f, "adgroup_name", ag ? s->adgroup_name : NULL, 1);
    kv_str(f, "campaign_id", camp ? s->campaign_id : NULL, 1);
    kv_str(f, "campaign_name", camp ? s->campaign_name : NULL, 1);
    kv_str(f, "advertiser_id", s->advertiser_id, 1);
}

static void hypothesis(FILE *f, const hl_hypothesis *h)
{
    if (!h->set) {
        fputs("null", f);
        return;
    }
    fputc('{', f);
    kv_str(f, "metric", h->metric, 0);
    kv_val(f, "baseline", h->baseline);
    kv_val(f, "expected_lift", h->expected_lift);
    hl_val target = h->baseline.ok && h->expected_lift.ok
                        ? hl_v(h->baseline.v * (1 + h->expected_lift.v))
                        : hl_undef("no baseline");
    kv_val(f, "target", target);
    fputc('}', f);
}

static void evidence(FILE *f, const hl_findings *fd, const hl_brief_diag *d)
{
    fputs(", \"evidence\": [", f);
    if (d->builtin) {
        size_t nc, nt;
        const hl_comparison *cmp = hl_findings_comparisons(fd, &nc);
        const hl_trend *tr = hl_findings_trends(fd, &nt);
        int first = 1;
        for (size_t i = 0; i < d->builtin->ncomparisons; i++) {
            const hl_comparison *c = &cmp[d->builtin->comparisons[i]];
            fputs(first ? "{" : ", {", f);
            first = 0;
            kv_str(f, "metric", hl_metric_info(c->metric)->name, 0);
            kv_val(f, "value", c->value);
            kv_val(f, "reference", c->reference);
            kv_val(f, "lift", c->lift);
            kv_val(f, "ci_low", c->ci_low);
            kv_val(f, "ci_high", c->ci_high);
            kv_val(f, "p_adjusted", c->p_adjusted);
            kv_val(f, "chance_to_beat", c->chance_to_beat);
            kv_str(f, "method", c->method, 1);
            kv_str(f, "decision", hl_decision_name(c->decision), 1);
            fputs(", \"n\": ", f);
            hl_json_number(f, c->n);
            fputs(", \"n_ref\": ", f);
            hl_json_number(f, c->n_ref);
            fputc('}', f);
        }
        for (size_t i = 0; i < d->builtin->ntrends; i++) {
            const hl_trend *t = &tr[d->builtin->trends[i]];
            fputs(first ? "{" : ", {", f);
            first = 0;
            kv_str(f, "trend", t->metric, 0);
            kv_val(f, "prior", t->prior);
            kv_val(f, "recent", t->recent);
            kv_val(f, "change", t->change);
            kv_val(f, "ci_low", t->ci_low);
            kv_val(f, "ci_high", t->ci_high);
            kv_val(f, "p_adjusted", t->p_adjusted);
            kv_str(f, "direction", hl_trend_dir_name(t->direction), 1);
            fputc('}', f);
        }
    }
    fputc(']', f);
}

static void brief(FILE *f, const hl_briefs *b, const hl_brief *br)
{
    size_t nd;
    const hl_brief_diag *d = &hl_briefs_diagnoses(b, &nd)[br->diag];
    fputc('{', f);
    kv_str(f, "id", br->id, 0);
    ids(f, &br->subject);
    kv_str(f, "currency", br->currency, 1);
    kv_str(f, "title", br->title, 1);
    fputs(", \"diagnoses\": [{", f);
    kv_str(f, "code", d->code, 0);
    kv_str(f, "summary", d->summary, 1);
    fputs(", \"effect\": ", f);
    hl_json_number(f, d->effect);
    fputs(", \"spend_at_stake\": ", f);
    hl_json_number(f, d->spend_at_stake);
    if (d->added_by)
        kv_str(f, "added_by", d->added_by, 1);
    fputs(", \"related_ad_ids\": [", f);
    for (size_t i = 0; i < d->nrelated; i++) {
        if (i)
            fputs(", ", f);
        hl_json_string(f, d->related_ad_ids[i]);
    }
    fputc(']', f);
    evidence(f, hl_briefs_findings(b), d);
    fputs("}], \"actions\": [", f);
    for (size_t i = 0; i < br->nactions; i++) {
        const hl_action *a = &br->actions[i];
        fputs(i ? ", {" : "{", f);
        kv_str(f, "type", hl_action_type_name(a->type), 0);
        kv_str(f, "instructions", a->instructions, 1);
        fprintf(f, ", \"variants\": %d, \"hypothesis\": ", a->variants);
        hypothesis(f, &a->hypothesis);
        fputs(", \"details\": {", f);
        for (size_t k = 0; k < a->ndetails; k++) {
            const hl_detail *dt = &a->details[k];
            if (k)
                fputs(", ", f);
            hl_json_string(f, dt->key);
            fputs(": ", f);
            if (dt->kind == HL_DETAIL_STRING)
                hl_json_string(f, dt->s);
            else if (dt->kind == HL_DETAIL_NUMBER)
                hl_json_number(f, dt->n);
            else
                fputs(dt->n != 0 ? "true" : "false", f);
        }
        fputs("}}", f);
    }
    fputs("], \"hypothesis\": ", f);
    hypothesis(f, &br->hypothesis);
    fputs(", \"success\": {", f);
    kv_str(f, "criterion", br->success, 0);
    kv_str(f, "unit", br->sample_unit, 1);
    kv_val(f, "sample_per_arm", br->sample_per_arm);
    kv_val(f, "days", br->sample_days);
    fputs("}, \"priority\": ", f);
    hl_json_number(f, br->priority);
    fputs(", \"notes\": [", f);
    for (size_t i = 0; i < br->nnotes; i++) {
        if (i)
            fputs(", ", f);
        hl_json_string(f, br->notes[i]);
    }
    fputc(']', f);
    kv_str(f, "rule", br->rule, 1);
    fputc('}', f);
}

int hl_output_briefs_json(FILE *f, const hl_briefs *b, const char *rules_dir)
{
    const hl_findings *fd = hl_briefs_findings(b);
    char date[11];
    hl_format_date(hl_findings_as_of(fd), date);
    fputs("{\"schema\": \"hookline.briefs/1\"", f);
    kv_str(f, "as_of", date, 1);
    kv_str(f, "rules_dir", rules_dir, 1);
    size_t n;
    const hl_brief *br = hl_briefs_list(b, &n);
    fputs(",\n \"briefs\": [", f);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ",\n  " : "\n  ", f);
        brief(f, b, &br[i]);
    }
    fputs(n ? "\n ]" : "]", f);
    const hl_suppression *s = hl_briefs_suppressed(b, &n);
    fputs(",\n \"suppressed\": [", f);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ", {" : "{", f);
        kv_str(f, "code", s[i].code, 0);
        ids(f, &s[i].subject);
        kv_str(f, "reason", s[i].reason, 1);
        kv_str(f, "rule", s[i].rule, 1);
        fputc('}', f);
    }
    fputc(']', f);
    const hl_rule_error *e = hl_briefs_errors(b, &n);
    fputs(",\n \"rule_errors\": [", f);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ",\n  {" : "\n  {", f);
        kv_str(f, "rule", e[i].rule, 0);
        kv_str(f, "file", e[i].file, 1);
        fprintf(f, ", \"line\": %lu", e[i].line);
        kv_str(f, "message", e[i].message, 1);
        kv_str(f, "traceback", e[i].traceback, 1);
        kv_str(f, "subject_id", e[i].subject_id, 1);
        fprintf(f, ", \"repeats\": %zu}", e[i].repeats);
    }
    fputs(n ? "\n ]" : "]", f);
    fputs("}\n", f);
    return ferror(f) ? -1 : 0;
}

/* Markdown text: escape what Markdown or HTML would interpret; newlines become spaces. */
static void md(FILE *f, const char *s)
{
    if (!s)
        return;
    for (const char *p = s; *p; p++) {
        switch (*p) {
        case '\\':
        case '`':
        case '*':
        case '_':
        case '[':
        case ']':
        case '|':
        case '#':
            fputc('\\', f);
            fputc(*p, f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '\n':
        case '\r':
        case '\t':
            fputc(' ', f);
            break;
        default:
            fputc(*p, f);
        }
    }
}

static const char *subject_label(const hl_subject *s)
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

int hl_output_briefs_md(FILE *f, const hl_briefs *b)
{
    const hl_findings *fd = hl_briefs_findings(b);
    char date[11];
    hl_format_date(hl_findings_as_of(fd), date);
    size_t n;
    const hl_brief *br = hl_briefs_list(b, &n);
    size_t nd;
    const hl_brief_diag *diags = hl_briefs_diagnoses(b, &nd);
    fprintf(f, "# Creative briefs, as of %s\n\n", date);
    fprintf(f, "%zu brief%s, highest priority (spend at stake x effect size) first. Comparisons "
               "are observational: ads in one ad group are not a randomized test.\n",
            n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++) {
        const hl_brief *x = &br[i];
        const hl_brief_diag *d = &diags[x->diag];
        fprintf(f, "\n## %zu. ", i + 1);
        md(f, x->title);
        fputs("\n\n", f);
        fprintf(f, "- **%s:** ", hl_level_name(x->subject.level));
        md(f, subject_label(&x->subject));
        if (x->subject.level == HL_LEVEL_AD && x->subject.adgroup_name) {
            fputs(" (ad group ", f);
            md(f, x->subject.adgroup_name);
            fputc(')', f);
        }
        fputs("\n- **diagnosis:** `", f);
        md(f, d->code);
        fputs("`: ", f);
        md(f, d->summary);
        fprintf(f, "\n- **priority:** %.0f · brief `%s` · rule `", x->priority, x->id);
        md(f, x->rule);
        fputs("`\n\n", f);
        for (size_t k = 0; k < x->nactions; k++) {
            const hl_action *a = &x->actions[k];
            fprintf(f, "%zu. **%s**%s", k + 1, hl_action_type_name(a->type),
                    a->variants > 1 ? "" : ": ");
            if (a->variants > 1)
                fprintf(f, " (%d variants): ", a->variants);
            md(f, a->instructions);
            fputc('\n', f);
        }
        if (x->hypothesis.set) {
            fputs("\n**Hypothesis:** ", f);
            md(f, x->hypothesis.metric);
            if (x->hypothesis.baseline.ok)
                fprintf(f, " from %.4g", x->hypothesis.baseline.v);
            fprintf(f, " by %+.0f%%.", 100 * x->hypothesis.expected_lift.v);
        }
        fputs("\n**Success:** ", f);
        md(f, x->success);
        fputc('\n', f);
        for (size_t k = 0; k < x->nnotes; k++) {
            fputs("\n> ", f);
            md(f, x->notes[k]);
            fputc('\n', f);
        }
    }
    const hl_suppression *s = hl_briefs_suppressed(b, &n);
    if (n) {
        fputs("\n## Suppressed diagnoses\n\n", f);
        for (size_t i = 0; i < n; i++) {
            fputs("- `", f);
            md(f, s[i].code);
            fputs("` on ", f);
            md(f, subject_label(&s[i].subject));
            fputs(": ", f);
            md(f, s[i].reason);
            fputs(" (", f);
            md(f, s[i].rule);
            fputs(")\n", f);
        }
    }
    const hl_rule_error *e = hl_briefs_errors(b, &n);
    if (n) {
        fputs("\n## Rule errors\n\n", f);
        for (size_t i = 0; i < n; i++) {
            fputs("- ", f);
            md(f, e[i].message);
            if (e[i].repeats)
                fprintf(f, " (and %zu more like it)", e[i].repeats);
            fputc('\n', f);
        }
    }
    return ferror(f) ? -1 : 0;
}
