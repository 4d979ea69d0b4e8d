/*
 * recipe.h — variant recipes: what a video generator (or an editor with ffmpeg) needs to make
 * each new variant a brief asks for (DESIGN.md §8): segments taken from existing ads or to be
 * generated, script beats, voiceover, CTA, format, constraints, a lineage tag to put in the new
 * ad's name, and the success metric with the sample needed to judge it. Adapters (Lua) map a
 * recipe to a specific generator's request body.
 */
#ifndef HOOKLINE_RECIPE_H
#define HOOKLINE_RECIPE_H

#include <stddef.h>
#include <stdio.h>

#include "hookline/brief.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hl_seg_role { HL_ROLE_HOOK, HL_ROLE_BODY, HL_ROLE_CTA } hl_seg_role;
const char *hl_seg_role_name(hl_seg_role r);

/* A piece of the new video. source is an ad id (cut from that ad's video) or "generate" (a new
 * clip, whose times are its own: 0 to its length). With anchor_end, times count back from the
 * end of the source: start_s = 5, end_s = 0 is "the last 5 seconds". end_s undefined means
 * "to the end", and trim_end_s (when defined) drops that many seconds from the end: the
 * current ad "up to its last 5 seconds" is start_s 0, end_s undefined, trim_end_s 5. */
typedef struct hl_segment {
    const char *source;
    hl_seg_role role;
    double start_s;
    hl_val end_s;
    int anchor_end;
    hl_val trim_end_s;
    const char *note;
} hl_segment;

/* A timed beat of the script to generate (Motion's template: hook, problem, pivot, proof,
 * CTA), ~15 words per 4 seconds. */
typedef struct hl_beat {
    const char *role;
    double start_s, end_s;
    char *spoken, *onscreen_text, *visual;
    int max_words;
} hl_beat;

typedef struct hl_voiceover {
    int set;
    const char *tone, *gender, *energy;
    double speed;
} hl_voiceover;

#define HL_RECIPE_MAX_SEGMENTS 4
#define HL_RECIPE_MAX_BEATS 6
#define HL_RECIPE_MAX_PARENTS 4
#define HL_RECIPE_MAX_CONSTRAINTS 8

typedef struct hl_recipe {
    char id[24];                 /* "r" + 16 hex: hash of brief id, action and variant */
    const hl_brief *brief;
    size_t action;               /* index of the action in the brief */
    int variant, variants;
    const char *angle;           /* what makes this variant different */
    const char *parents[HL_RECIPE_MAX_PARENTS];
    size_t nparents;
    hl_segment seg[HL_RECIPE_MAX_SEGMENTS];
    size_t nseg;
    hl_beat beats[HL_RECIPE_MAX_BEATS];
    size_t nbeats;
    hl_voiceover voiceover;
    int has_cta;
    char *cta_text;
    const char *cta_style;
    const char *aspect_ratio;
    double duration_s;
    const char *constraints[HL_RECIPE_MAX_CONSTRAINTS];
    size_t nconstraints;
    char lineage_tag[16];        /* "hl-" + 10 base32 characters */
    /* how the variant is judged: on its action's hypothesis (else the brief's), with the
     * sample that hypothesis needs; success is borrowed from the recipes */
    const hl_hypothesis *hypothesis; /* NULL when neither has one */
    hl_val sample_per_arm, sample_days;
    const char *sample_unit;
    const char *success;
} hl_recipe;

typedef struct hl_recipe_opts {
    int max_variants;   /* per action; 0 = 5 */
    double duration_s;  /* target length of a generated variant; 0 = 20 */
} hl_recipe_opts;

typedef struct hl_recipes hl_recipes;

/* One or more recipes per brief action that asks for new creative. The briefs must outlive the
 * result. *out is owned by the caller (hl_recipes_free). */
hl_status hl_recipes_build(const hl_briefs *b, const hl_recipe_opts *opts, hl_recipes **out,
                           hl_error *err);
void hl_recipes_free(hl_recipes *r);
const hl_recipe *hl_recipes_list(const hl_recipes *r, size_t *n);
const hl_briefs *hl_recipes_briefs(const hl_recipes *r);

/* An ffmpeg command that splices the recipe's segments from source videos found in
 * sources_dir (files named <ad id>.<ext>; generated segments as <recipe id>-<role>.mp4), every
 * path shell-quoted. Writes to f; returns 0, or -1 with err when a source file is missing. */
int hl_recipe_splice_command(FILE *f, const hl_recipe *r, const char *sources_dir,
                             const char *output, hl_error *err);

#ifdef __cplusplus
}
#endif

#endif
