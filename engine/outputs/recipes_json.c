/*
 * recipes_json.c — recipes.json (schema "hookline.recipes/1"): every variant a generator should
 * render, with its segments, beats, voice, CTA, format, constraints, lineage tag and the success
 * metric its brief will be judged on.
 */
#include <stdio.h>

#include "common/jsonw.h"
#include "hookline/output.h"
#include "hookline/recipe.h"

static void kstr(FILE *f, const char *k, const char *v)
{
    fputs(", ", f);
    hl_json_string(f, k);
    fputs(": ", f);
    hl_json_string(f, v);
}

static void knum(FILE *f, const char *k, double v)
{
    fputs(", ", f);
    hl_json_string(f, k);
    fputs(": ", f);
    hl_json_number(f, v);
}

static void kval(FILE *f, const char *k, hl_val v)
{
    fputs(", ", f);
    hl_json_string(f, k);
    fputs(": ", f);
    if (v.ok)
        hl_json_number(f, v.v);
    else
        fputs("null", f);
}

static void recipe(FILE *f, const hl_recipe *r)
{
    const hl_brief *b = r->brief;
    const hl_action *a = &b->actions[r->action];
    fputs("{\"id\": ", f);
    hl_json_string(f, r->id);
    kstr(f, "brief_id", b->id);
    kstr(f, "action", hl_action_type_name(a->type));
    fprintf(f, ", \"variant\": %d, \"variants\": %d", r->variant, r->variants);
    kstr(f, "angle", r->angle);
    fputs(", \"parent_ad_ids\": [", f);
    for (size_t i = 0; i < r->nparents; i++) {
        if (i)
            fputs(", ", f);
        hl_json_string(f, r->parents[i]);
    }
    fputs("], \"segments\": [", f);
    for (size_t i = 0; i < r->nseg; i++) {
        const hl_segment *s = &r->seg[i];
        fputs(i ? ", {\"source\": " : "{\"source\": ", f);
        hl_json_string(f, s->source);
        kstr(f, "role", hl_seg_role_name(s->role));
        knum(f, "start_s", s->start_s);
        kval(f, "end_s", s->end_s);
        kstr(f, "anchor", s->anchor_end ? "end" : "start");
        kval(f, "trim_end_s", s->trim_end_s);
        kstr(f, "note", s->note);
        fputc('}', f);
    }
    fputs("], \"script_beats\": [", f);
    for (size_t i = 0; i < r->nbeats; i++) {
        const hl_beat *bt = &r->beats[i];
        fputs(i ? ", {\"role\": " : "{\"role\": ", f);
        hl_json_string(f, bt->role);
        knum(f, "start_s", bt->start_s);
        knum(f, "end_s", bt->end_s);
        kstr(f, "spoken", bt->spoken);
        kstr(f, "onscreen_text", bt->onscreen_text);
        kstr(f, "visual", bt->visual);
        fprintf(f, ", \"max_words\": %d}", bt->max_words);
    }
    fputs("], \"voiceover\": ", f);
    if (r->voiceover.set) {
        fputs("{\"tone\": ", f);
        hl_json_string(f, r->voiceover.tone);
        kstr(f, "gender", r->voiceover.gender);
        kstr(f, "energy", r->voiceover.energy);
        knum(f, "speed", r->voiceover.speed);
        fputc('}', f);
    } else {
        fputs("null", f);
    }
    fputs(", \"cta\": ", f);
    if (r->has_cta) {
        fputs("{\"text\": ", f);
        hl_json_string(f, r->cta_text);
        kstr(f, "style", r->cta_style);
        fputc('}', f);
    } else {
        fputs("null", f);
    }
    fputs(", \"format\": {\"aspect_ratio\": ", f);
    hl_json_string(f, r->aspect_ratio);
    knum(f, "duration_s", r->duration_s);
    fputs("}, \"constraints\": [", f);
    for (size_t i = 0; i < r->nconstraints; i++) {
        if (i)
            fputs(", ", f);
        hl_json_string(f, r->constraints[i]);
    }
    fputs("]", f);
    kstr(f, "instructions", a->instructions);
    kstr(f, "lineage_tag", r->lineage_tag);
    /* judged on the action's own hypothesis, else the brief's (the brief stage sized it) */
    const hl_hypothesis *h = r->hypothesis;
    fputs(", \"success\": {\"metric\": ", f);
    hl_json_string(f, h ? h->metric : NULL);
    kval(f, "baseline", h ? h->baseline : hl_undef("none"));
    kval(f, "target", h && h->baseline.ok && h->expected_lift.ok
                          ? hl_v(h->baseline.v * (1 + h->expected_lift.v))
                          : hl_undef("none"));
    kval(f, "sample_per_arm", r->sample_per_arm);
    kstr(f, "unit", r->sample_unit);
    kval(f, "days", r->sample_days);
    kstr(f, "criterion", r->success);
    fputs("}}", f);
}

int hl_output_recipes_json(FILE *f, const hl_recipes *rs)
{
    const hl_briefs *b = hl_recipes_briefs(rs);
    char date[11];
    hl_format_date(hl_findings_as_of(hl_briefs_findings(b)), date);
    fputs("{\"schema\": \"hookline.recipes/1\", \"as_of\": ", f);
    hl_json_string(f, date);
    size_t n;
    const hl_recipe *r = hl_recipes_list(rs, &n);
    fputs(",\n \"recipes\": [", f);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ",\n  " : "\n  ", f);
        recipe(f, &r[i]);
    }
    fputs(n ? "\n ]}\n" : "]}\n", f);
    return ferror(f) ? -1 : 0;
}
