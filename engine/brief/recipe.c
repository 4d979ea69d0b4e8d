/*
 * recipe.c — from briefs to variant recipes. Each creative action becomes one recipe per
 * variant, and the variants differ on purpose (another hook angle, another voice, another CTA
 * style): a brief that asks for three hooks gets three different hooks, not one hook three
 * times. Kit-bash briefs become the seed's splice: the first seconds of the best-hook ad with
 * the last seconds of the best-CTA ad.
 */
#include "hookline/recipe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"

static const char *const role_names[] = {"hook", "body", "cta"};

const char *hl_seg_role_name(hl_seg_role r)
{
    return (unsigned)r < 3 ? role_names[r] : "?";
}

struct hl_recipes {
    const hl_briefs *b;
    hl_recipe *r;
    size_t n, cap;
    char **texts; /* success criteria of actions judged on their own hypothesis */
    size_t ntexts, captexts;
};

static int same_hypothesis(const hl_hypothesis *x, const hl_hypothesis *y)
{
    return x->set == y->set && strcmp(x->metric, y->metric) == 0 &&
           x->baseline.ok == y->baseline.ok && (!x->baseline.ok || x->baseline.v == y->baseline.v) &&
           x->expected_lift.ok == y->expected_lift.ok &&
           (!x->expected_lift.ok || x->expected_lift.v == y->expected_lift.v);
}

/* The judgement of action a's variants: the brief's own when the action has no hypothesis of
 * its own (or the same one), else computed for the action's (a new hook is judged on the hook
 * rate even when its brief's goal is CPA). 0, or -1 on OOM. */
typedef struct judgement {
    const hl_hypothesis *hypothesis;
    hl_val sample_per_arm, sample_days;
    const char *sample_unit;
    const char *success;
} judgement;

static int judge_action(hl_recipes *rs, const hl_brief *br, const hl_action *a, judgement *j)
{
    j->hypothesis = a->hypothesis.set ? &a->hypothesis : br->hypothesis.set ? &br->hypothesis : NULL;
    if (!a->hypothesis.set || same_hypothesis(&a->hypothesis, &br->hypothesis)) {
        j->sample_per_arm = br->sample_per_arm;
        j->sample_days = br->sample_days;
        j->sample_unit = br->sample_unit;
        j->success = br->success;
        return 0;
    }
    if (rs->ntexts == rs->captexts) {
        size_t nc = rs->captexts ? rs->captexts * 2 : 16;
        char **nt = realloc(rs->texts, nc * sizeof *nt);
        if (!nt)
            return -1;
        rs->texts = nt;
        rs->captexts = nc;
    }
    char *text = NULL;
    hl_brief_judge(rs->b, br, &a->hypothesis, &j->sample_per_arm, &j->sample_unit, &j->sample_days,
                   &text);
    if (!text)
        return -1;
    rs->texts[rs->ntexts++] = text;
    j->success = text;
    return 0;
}

/* Variation axes, in the order variants take them. */
static const char *const hook_angles[] = {"question", "bold claim", "pattern interrupt",
                                          "problem callout", "social proof", "before/after"};
static const char *const hook_directions[] = {
    "Open with a question the viewer answers 'yes' to, about the problem the product solves.",
    "Open with the boldest true claim about the result, stated in the first second.",
    "Open with an unexpected movement or sound that breaks the feed's rhythm, then the product.",
    "Name the viewer's problem in their own words, on screen and spoken.",
    "Open with a real customer's reaction or a number of happy customers.",
    "Show the before and the after side by side in the first frame."};
static const struct {
    const char *tone, *gender, *energy;
    double speed;
} voices[] = {{"warm", "female", "medium", 1.0},   {"energetic", "male", "high", 1.1},
              {"calm", "female", "low", 0.95},     {"conversational", "male", "medium", 1.0},
              {"upbeat", "female", "high", 1.05}};
static const struct {
    const char *style, *text;
} ctas[] = {{"direct", "Shop now"},
            {"question", "Ready to try it?"},
            {"urgency", "Today only: get yours"},
            {"benefit", "See the difference in 7 days"},
            {"social proof", "Join 10,000 happy customers"}};

static const char *detail_str(const hl_action *a, const char *key)
{
    for (size_t i = 0; i < a->ndetails; i++)
        if (strcmp(a->details[i].key, key) == 0 && a->details[i].kind == HL_DETAIL_STRING)
            return a->details[i].s;
    return NULL;
}

static int detail_num(const hl_action *a, const char *key, double *out)
{
    for (size_t i = 0; i < a->ndetails; i++)
        if (strcmp(a->details[i].key, key) == 0 && a->details[i].kind == HL_DETAIL_NUMBER) {
            *out = a->details[i].n;
            return 1;
        }
    return 0;
}

static void lineage(hl_recipe *r)
{
    /* base32 (RFC 4648 lowercase alphabet without padding) of the id's hash: short enough for
     * an ad name, and letters TikTok's name field keeps as they are */
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    uint64_t h = hl_hash_bytes(r->id, strlen(r->id));
    memcpy(r->lineage_tag, "hl-", 3);
    for (int i = 0; i < 10; i++) {
        r->lineage_tag[3 + i] = alphabet[h & 31];
        h >>= 5;
    }
    r->lineage_tag[13] = '\0';
}

static void seg(hl_recipe *r, const char *source, hl_seg_role role, double start, hl_val end,
                int anchor_end, const char *note)
{
    if (r->nseg >= HL_RECIPE_MAX_SEGMENTS)
        return;
    hl_segment *s = &r->seg[r->nseg++];
    s->source = source;
    s->role = role;
    s->start_s = start;
    s->end_s = end;
    s->anchor_end = anchor_end;
    s->trim_end_s = hl_undef("nothing trimmed");
    s->note = note;
}

/* ~15 words per 4 seconds of speech. */
static int words_for(double seconds)
{
    int w = (int)(seconds * 15.0 / 4.0);
    return w < 3 ? 3 : w;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void beat(hl_recipe *r, const char *role, double start, double end, const char *spoken,
                 const char *text, const char *visual)
{
    if (r->nbeats >= HL_RECIPE_MAX_BEATS)
        return;
    hl_beat *b = &r->beats[r->nbeats++];
    b->role = role;
    b->start_s = start;
    b->end_s = end;
    b->spoken = dup_or_null(spoken);
    b->onscreen_text = dup_or_null(text);
    b->visual = dup_or_null(visual);
    b->max_words = words_for(end - start);
}

static void constraint(hl_recipe *r, const char *c)
{
    if (r->nconstraints < HL_RECIPE_MAX_CONSTRAINTS)
        r->constraints[r->nconstraints++] = c;
}

/* Fills the creative plan of one variant for one action. */
static void plan(hl_recipe *r, const hl_brief *br, const hl_action *a, int k, double duration)
{
    const char *parent = br->subject.ad_id;
    const hl_val to_end = hl_undef("to the end of the source");
    double hook_end = 3;
    detail_num(a, "hook_end_s", &hook_end);
    if (hook_end <= 0 || hook_end > 15)
        hook_end = 3;
    const char *spoken = detail_str(a, "spoken");
    const char *text = detail_str(a, "onscreen_text");
    const char *visual = detail_str(a, "visual");
    size_t nh = sizeof hook_angles / sizeof *hook_angles;
    size_t nv = sizeof voices / sizeof *voices;
    size_t nc = sizeof ctas / sizeof *ctas;
    r->duration_s = duration;
    r->aspect_ratio = "9:16";
    constraint(r, "9:16 vertical, 1080x1920, safe zones clear of TikTok's UI (top 150 px, bottom 400 px)");
    constraint(r, "captions burned in; readable without sound");
    if (parent)
        r->parents[r->nparents++] = parent;
    switch (a->type) {
    case HL_ACT_NEW_HOOK:
    case HL_ACT_NEW_OPENING_SHOT:
        r->angle = hook_angles[k % nh];
        seg(r, "generate", HL_ROLE_HOOK, 0, hl_v(hook_end), 0, "new opening");
        if (parent)
            seg(r, parent, HL_ROLE_BODY, hook_end, to_end, 0, "the current ad after its opening");
        /* each variant takes another angle: as the visual direction, or, when the rule fixed
         * the visual, as the direction for the spoken first line */
        beat(r, "hook", 0, hook_end, spoken ? spoken : (visual ? hook_directions[k % nh] : NULL),
             text, visual ? visual : hook_directions[k % nh]);
        constraint(r, "only the opening changes: keep the body and ending as they are");
        break;
    case HL_ACT_NEW_VOICEOVER: {
        /* the rule's voice for the first variant, then the palette for more variety */
        const char *tone = k == 0 && detail_str(a, "tone") ? detail_str(a, "tone") : voices[k % nv].tone;
        const char *gender = k == 0 && detail_str(a, "gender") ? detail_str(a, "gender") : voices[k % nv].gender;
        const char *energy = k == 0 && detail_str(a, "energy") ? detail_str(a, "energy") : voices[k % nv].energy;
        double speed = voices[k % nv].speed;
        if (k == 0)
            detail_num(a, "speed", &speed);
        if (!(speed >= 0.5 && speed <= 2))
            speed = 1;
        r->angle = tone;
        if (parent)
            seg(r, parent, HL_ROLE_BODY, 0, to_end, 0, "the current visuals, new voice");
        r->voiceover.set = 1;
        r->voiceover.tone = tone;
        r->voiceover.gender = gender;
        r->voiceover.energy = energy;
        r->voiceover.speed = speed;
        beat(r, "hook", 0, hook_end, spoken ? spoken : a->instructions, text,
             visual ? visual : "keep the current visuals");
        constraint(r, "keep the visuals; only the voice changes");
        break;
    }
    case HL_ACT_NEW_ONSCREEN_TEXT:
        r->angle = hook_angles[k % nh];
        if (parent)
            seg(r, parent, HL_ROLE_BODY, 0, to_end, 0, "the current video with new text overlays");
        beat(r, "hook", 0, hook_end, NULL, text ? text : hook_directions[k % nh], visual);
        constraint(r, "keep video and audio; only the on-screen text changes");
        break;
    case HL_ACT_NEW_CTA:
        r->angle = ctas[k % nc].style;
        if (parent) {
            seg(r, parent, HL_ROLE_BODY, 0, to_end, 0, "the current ad up to its last 5 seconds");
            r->seg[r->nseg - 1].trim_end_s = hl_v(5);
        }
        seg(r, "generate", HL_ROLE_CTA, 0, hl_v(5), 0, "new 5-second ending with the call to action");
        r->has_cta = 1;
        r->cta_text = strdup(text ? text : ctas[k % nc].text);
        r->cta_style = ctas[k % nc].style;
        beat(r, "cta", duration - 5, duration, spoken, r->cta_text, visual);
        break;
    case HL_ACT_COMBINE_SEGMENTS: {
        const char *hook_ad = detail_str(a, "hook_ad_id");
        const char *end_ad = detail_str(a, "ending_ad_id");
        if (!hook_ad)
            hook_ad = parent;
        double ending = 5;
        detail_num(a, "ending_seconds", &ending);
        if (ending <= 0 || ending > 30)
            ending = 5;
        r->angle = "kit-bash";
        r->nparents = 0;
        if (hook_ad)
            r->parents[r->nparents++] = hook_ad;
        if (end_ad && r->nparents < HL_RECIPE_MAX_PARENTS)
            r->parents[r->nparents++] = end_ad;
        seg(r, hook_ad ? hook_ad : "generate", HL_ROLE_HOOK, 0, hl_v(hook_end), 0,
            "the opening of the ad with the best hook");
        seg(r, end_ad ? end_ad : "generate", HL_ROLE_CTA, ending, hl_v(0), 1,
            "the ending of the ad with the best click-through");
        r->duration_s = hook_end + ending;
        constraint(r, "cut on a beat; match colour and loudness across the splice");
        break;
    }
    case HL_ACT_REFRESH_CREATIVE:
    default:
        r->angle = hook_angles[k % nh];
        seg(r, "generate", HL_ROLE_HOOK, 0, hl_v(hook_end), 0, "new opening");
        if (parent)
            seg(r, parent, HL_ROLE_BODY, hook_end, to_end, 0, "the current body");
        r->voiceover.set = 1;
        r->voiceover.tone = voices[k % nv].tone;
        r->voiceover.gender = voices[k % nv].gender;
        r->voiceover.energy = voices[k % nv].energy;
        r->voiceover.speed = voices[k % nv].speed;
        beat(r, "hook", 0, hook_end, spoken, text, visual ? visual : hook_directions[k % nh]);
        constraint(r, "a fresh look for a tired audience: new opening, new voice, new text");
        break;
    }
}

static void free_recipe(hl_recipe *r)
{
    for (size_t i = 0; i < r->nbeats; i++) {
        free(r->beats[i].spoken);
        free(r->beats[i].onscreen_text);
        free(r->beats[i].visual);
    }
    free(r->cta_text);
}

hl_status hl_recipes_build(const hl_briefs *b, const hl_recipe_opts *opts, hl_recipes **out,
                           hl_error *err)
{
    *out = NULL;
    int maxv = opts && opts->max_variants > 0 ? opts->max_variants : 5;
    double duration = opts && opts->duration_s > 0 ? opts->duration_s : 20;
    hl_recipes *rs = calloc(1, sizeof *rs);
    if (!rs)
        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
    rs->b = b;
    size_t nb, nd;
    const hl_brief *br = hl_briefs_list(b, &nb);
    const hl_brief_diag *diags = hl_briefs_diagnoses(b, &nd);
    for (size_t i = 0; i < nb; i++) {
        for (size_t k = 0; k < br[i].nactions; k++) {
            const hl_action *a = &br[i].actions[k];
            if (!hl_action_is_creative(a->type))
                continue;
            int nv = a->variants < maxv ? a->variants : maxv;
            judgement judged = {NULL, {0, 0, NULL}, {0, 0, NULL}, NULL, NULL};
            if (nv > 0 && judge_action(rs, &br[i], a, &judged) < 0) {
                hl_recipes_free(rs);
                return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
            }
            for (int v = 0; v < nv; v++) {
                if (rs->n == rs->cap) {
                    size_t nc = rs->cap ? rs->cap * 2 : 32;
                    hl_recipe *nr = realloc(rs->r, nc * sizeof *nr);
                    if (!nr) {
                        hl_recipes_free(rs);
                        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
                    }
                    rs->r = nr;
                    rs->cap = nc;
                }
                hl_recipe *r = &rs->r[rs->n++];
                memset(r, 0, sizeof *r);
                r->brief = &br[i];
                r->action = k;
                r->variant = v + 1;
                r->variants = nv;
                r->hypothesis = judged.hypothesis;
                r->sample_per_arm = judged.sample_per_arm;
                r->sample_days = judged.sample_days;
                r->sample_unit = judged.sample_unit;
                r->success = judged.success;
                char key[128];
                snprintf(key, sizeof key, "%s|%zu|%d", br[i].id, k, v);
                snprintf(r->id, sizeof r->id, "r%016llx",
                         (unsigned long long)hl_hash_bytes(key, strlen(key)));
                hl_action tmp = *a;
                plan(r, &br[i], &tmp, v, duration);
                /* a kit-bash without an explicit ending ad takes the diagnosis' related ad */
                if (a->type == HL_ACT_COMBINE_SEGMENTS && !detail_str(a, "ending_ad_id") &&
                    br[i].diag < nd && diags[br[i].diag].nrelated) {
                    const char *end_ad = diags[br[i].diag].related_ad_ids[0];
                    for (size_t s = 0; s < r->nseg; s++)
                        if (r->seg[s].role == HL_ROLE_CTA && strcmp(r->seg[s].source, "generate") == 0)
                            r->seg[s].source = end_ad;
                    if (r->nparents < HL_RECIPE_MAX_PARENTS)
                        r->parents[r->nparents++] = end_ad;
                }
                lineage(r);
            }
        }
    }
    *out = rs;
    return HL_OK;
}

void hl_recipes_free(hl_recipes *rs)
{
    if (!rs)
        return;
    for (size_t i = 0; i < rs->n; i++)
        free_recipe(&rs->r[i]);
    for (size_t i = 0; i < rs->ntexts; i++)
        free(rs->texts[i]);
    free(rs->texts);
    free(rs->r);
    free(rs);
}

const hl_recipe *hl_recipes_list(const hl_recipes *rs, size_t *n)
{
    *n = rs->n;
    return rs->r;
}

const hl_briefs *hl_recipes_briefs(const hl_recipes *rs)
{
    return rs->b;
}
