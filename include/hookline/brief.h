/*
 * brief.h — creative briefs: what a rule decided should be done about a diagnosis, completed by
 * hookline with everything a brief must carry (DESIGN.md §8): a stable id, the subject, the
 * diagnoses with their evidence, actions, a hypothesis with a success criterion and the sample
 * needed to judge it, and a priority. The rules stage fills an hl_briefs; outputs write it.
 */
#ifndef HOOKLINE_BRIEF_H
#define HOOKLINE_BRIEF_H

#include <stddef.h>

#include "hookline/compare.h"
#include "hookline/hookline.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hl_action_type {
    HL_ACT_NEW_HOOK,
    HL_ACT_NEW_OPENING_SHOT,
    HL_ACT_NEW_VOICEOVER,
    HL_ACT_NEW_ONSCREEN_TEXT,
    HL_ACT_NEW_CTA,
    HL_ACT_COMBINE_SEGMENTS,
    HL_ACT_REFRESH_CREATIVE,
    HL_ACT_SCALE_BUDGET,
    HL_ACT_PAUSE_AD,
    HL_ACT_BROADEN_AUDIENCE,
    HL_ACT_RAISE_BID,
    HL_ACT_ALIGN_LANDING_PAGE,
    HL_ACT_CHECK_TRACKING,
    HL_ACT_WAIT_FOR_DATA,
    HL_NACTIONS
} hl_action_type;

const char *hl_action_type_name(hl_action_type t); /* "new_hook"; static */
int hl_action_type_from_name(const char *s);       /* index or -1 */
/* Whether the action asks for new creative (a variant recipe is made for it). */
int hl_action_is_creative(hl_action_type t);

/* A hypothesis: metric (DESIGN.md §4 name), its baseline and the expected relative lift. */
typedef struct hl_hypothesis {
    int set;
    char metric[48];
    hl_val baseline;
    hl_val expected_lift;
} hl_hypothesis;

typedef enum hl_detail_kind { HL_DETAIL_STRING, HL_DETAIL_NUMBER, HL_DETAIL_BOOL } hl_detail_kind;

typedef struct hl_detail {
    char *key;
    hl_detail_kind kind;
    char *s;
    double n;
} hl_detail;

typedef struct hl_action {
    hl_action_type type;
    char *instructions;
    int variants;
    hl_hypothesis hypothesis;
    hl_detail *details;
    size_t ndetails;
} hl_action;

/* A diagnosis as briefs see it: a built-in one (with its evidence in the findings) or one a rule
 * added. */
typedef struct hl_brief_diag {
    const char *code;
    hl_subject subject;
    const char *summary;
    double effect, priority, spend_at_stake;
    const hl_diagnosis *builtin; /* NULL when added by a rule */
    const char *added_by;        /* "file:rule" for added diagnoses */
    const char **related_ad_ids;
    size_t nrelated;
} hl_brief_diag;

typedef struct hl_brief {
    char id[24];                 /* "b" + 16 hex digits: hash of as-of, subject, diagnosis, rule */
    hl_subject subject;
    const char *currency;
    char *title;
    size_t diag;                 /* index into hl_briefs_diagnoses */
    hl_action *actions;
    size_t nactions;
    hl_hypothesis hypothesis;
    double priority;
    char **notes;
    size_t nnotes;
    char *rule;                  /* "file:name" */
    char *success;               /* the success criterion, in words with numbers */
    hl_val sample_per_arm;       /* to judge the hypothesis */
    hl_val sample_days;          /* at the subject's current pace */
    const char *sample_unit;
} hl_brief;

typedef struct hl_suppression {
    const char *code;
    hl_subject subject;
    char *reason;
    char *rule;
} hl_suppression;

typedef struct hl_rule_error {
    char *rule;       /* name, or NULL for a file that failed to load */
    char *file;
    unsigned long line;
    char *message;    /* "file:line: rule 'x': message" */
    char *traceback;
    char *subject_id; /* the ad or group it failed on, if any */
    size_t repeats;   /* further failures of the same rule not listed */
} hl_rule_error;

typedef struct hl_briefs hl_briefs;

/* An empty set for the findings' run (borrowed: the findings must outlive it). NULL on OOM. */
hl_briefs *hl_briefs_new(const hl_findings *f);
void hl_briefs_free(hl_briefs *b);

const hl_findings *hl_briefs_findings(const hl_briefs *b);
const hl_brief *hl_briefs_list(const hl_briefs *b, size_t *n);
const hl_brief_diag *hl_briefs_diagnoses(const hl_briefs *b, size_t *n);
const hl_suppression *hl_briefs_suppressed(const hl_briefs *b, size_t *n);
const hl_rule_error *hl_briefs_errors(const hl_briefs *b, size_t *n);
size_t hl_briefs_error_count(const hl_briefs *b); /* including repeats */

/* Building (used by the rules stage). Strings passed in are copied. Each returns NULL / -1 on
 * OOM. */
hl_brief_diag *hl_briefs_add_diag(hl_briefs *b);
hl_brief *hl_briefs_add(hl_briefs *b);
int hl_briefs_suppress(hl_briefs *b, const char *code, const hl_subject *s, const char *reason,
                       const char *rule);
int hl_briefs_error(hl_briefs *b, const char *rule, const char *file, unsigned long line,
                    const char *message, const char *traceback, const char *subject_id);
/* Interns a string for the set's lifetime. */
const char *hl_briefs_intern(hl_briefs *b, const char *s);

/* Completes a brief after its rule filled title, actions and hypothesis: the stable id, the
 * priority when the rule gave none, the brief-level hypothesis from the first action's, the
 * success criterion and the sample needed (from the statistics core's power functions, at the
 * subject's current pace). occurrence numbers briefs the same rule made for one diagnosis. */
void hl_brief_complete(hl_briefs *b, hl_brief *br, const char *rule_name, int occurrence);

/* What judging hypothesis h on the brief's subject needs, computed as the brief's own success
 * criterion is (an action may carry a hypothesis on another metric than its brief's): sample
 * per arm and its unit (static), days at the subject's current pace, and the criterion in
 * words in *text (malloc'd, owned by the caller; NULL on OOM). */
void hl_brief_judge(const hl_briefs *b, const hl_brief *br, const hl_hypothesis *h,
                    hl_val *per_arm, const char **unit, hl_val *days, char **text);

/* Reads briefs.json back against its findings (which must outlive the result); built-in
 * diagnoses are matched to the findings' by code and subject. *out owned (hl_briefs_free). */
hl_status hl_briefs_from_json(const char *text, size_t len, const hl_findings *f,
                              hl_briefs **out, hl_error *err);
/* The same from the file at path, read one brief at a time (never a tree of the whole
 * document). HL_EINPUT (file missing, malformed: file and byte offset), HL_EEXTERNAL (read
 * error). f must outlive the result; *out owned by the caller (hl_briefs_free). */
hl_status hl_briefs_load_file(const char *path, const hl_findings *f, hl_briefs **out,
                              hl_error *err);

/* Orders the briefs by priority, highest first (ties by id, so the order is stable). */
void hl_briefs_sort(hl_briefs *b);

#ifdef __cplusplus
}
#endif

#endif
