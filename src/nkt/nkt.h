/*
 * gaitscope nkt: the compensation detector.
 *
 * Turns the metrics of an analysis.json (format "gaitscope.analysis/1", ../shared/DESIGN.md)
 * into findings: a deviation that is consistent with a candidate inhibited muscle and a
 * candidate facilitating (overworking) muscle, scar, ligament or pattern, each with its evidence
 * (metric, value, threshold, source, the strides and times where it is strongest), the
 * Neurokinetic Therapy (NKT) muscle tests that would confirm or reject it, and homework ideas.
 * gaitscope never states a diagnosis: a finding is a hypothesis to test on the table.
 *
 * The rules are data (models/compensation_rules.json, format "gaitscope.rules/1", documented in
 * docs/rules.md). This stage works on the analysis.json object (cJSON) only, so it does not
 * depend on the gait stage's C structs: any producer of the same JSON can feed it.
 *
 * Thread safety: a loaded gs_nkt_rules is read-only after loading and may be shared by threads;
 * nothing here uses globals.
 */
#ifndef GS_NKT_H
#define GS_NKT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Format string of the rules file this code reads. */
#define GS_NKT_RULES_FORMAT "gaitscope.rules/1"

/** The loaded, validated rule set (opaque; owns its strings). */
typedef struct gs_nkt_rules gs_nkt_rules;

/** A parsed intake history (opaque): the structured items given with --history. */
typedef struct gs_nkt_history gs_nkt_history;

/**
 * Loads and validates a rules file. On success the caller frees *out with gs_nkt_rules_free().
 * Returns GS_OK, GS_ERR_IO (cannot read; message names the path), GS_ERR_FORMAT (not JSON, wrong
 * format string, or a rule that fails validation: the message names the file, the rule id and the
 * field, e.g. "rules.json: rule 'x': when[0].metric: unknown metric 'foo'"), or GS_ERR_NOMEM.
 * On error *out is NULL.
 */
gs_status gs_nkt_rules_load(const char *path, gs_nkt_rules **out, gs_error *err);

/**
 * As gs_nkt_rules_load() from a JSON object already in memory (borrowed; nothing is kept
 * pointing into it). name is used in messages (e.g. the file name; may be NULL -> "rules").
 */
gs_status gs_nkt_rules_from_json(const cJSON *root, const char *name, gs_nkt_rules **out,
                                 gs_error *err);

/** Frees a rule set and sets *rules = NULL; NULL or *rules == NULL is a no-op. */
void gs_nkt_rules_free(gs_nkt_rules **rules);

/** Number of rules in the set. */
size_t gs_nkt_rules_count(const gs_nkt_rules *rules);

/** Id of rule i (0 <= i < count); owned by the rule set. NULL when i is out of range. */
const char *gs_nkt_rules_id(const gs_nkt_rules *rules, size_t i);

/**
 * Number of metric keys the rules may name, and key i (static strings). This is the one table of
 * analysis.json metric keys the validator accepts (DESIGN.md "Artifacts").
 */
size_t gs_nkt_metric_count(void);
const char *gs_nkt_metric_key(size_t i);

/**
 * Parses intake history items, comma-separated, each `kind:region`: kinds scar, injury,
 * surgery, pain; regions abdomen, low_back, neck, pelvis, or left_/right_ + foot, ankle, calf,
 * shin, knee, thigh, hamstring, hip, groin, shoulder (e.g. "scar:abdomen,injury:left_ankle").
 * Spaces around items are ignored; an empty string gives an empty history.
 * Caller frees *out with gs_nkt_history_free(). GS_ERR_ARG for an unknown or malformed item (the
 * message names it and lists the accepted kinds and regions), GS_ERR_NOMEM.
 */
gs_status gs_nkt_history_parse(const char *items, gs_nkt_history **out, gs_error *err);

/** Frees a history and sets *h = NULL; NULL-safe. */
void gs_nkt_history_free(gs_nkt_history **h);

/** Number of items in a history (0 for NULL). */
size_t gs_nkt_history_count(const gs_nkt_history *h);

/**
 * Evaluates every rule on an analysis.json object.
 *
 * analysis: the analysis object (borrowed), "format" "gaitscope.analysis/1", with view, activity,
 * strides and metrics as in DESIGN.md. Metrics a view cannot measure are absent: rules needing
 * them are skipped (listed in *skipped). history may be NULL (no intake).
 *
 * *findings receives a new cJSON array (caller frees with cJSON_Delete) of finding objects:
 * id ("<rule>.<side>"), rule, title, side ("left", "right" or "both"), severity 0-1,
 * confidence 0-1, rank (= severity * confidence; the array is sorted by it, highest first),
 * evidence_level and muscles_evidence ("research" / "clinical" / "practitioner"),
 * evidence[] {metric, value, threshold, unit, source, strides[] (0-based index into that side's
 * used strides), times[] (stride start, s), frames[] (video frame of the initial contact that
 * starts each of those strides, from events[], when found): the N_STRONGEST (3) strides where
 * the condition is clearest, which the report's text and the overlay's jump links use; n,
 * holds_in (strides where the condition holds), holds_strides[] and holds_times[] (all holds_in
 * of them, in stride order, indices as strides[], start times in s or null when unknown; the
 * key frames and the overlay name a finding on these), stride_sides[] and holds_stride_sides[]
 * for pooled whole-body values (the leg of each stride; left ones first in holds_*); holds_in
 * and the holds_* arrays are absent when no stride has a value (the mean alone decided),
 * plus for asymmetries diff, si, pooled_sd, and event_mdc (the smallest difference of an
 * event-timing metric, ms, that the events' unc_frames cannot explain)}, inhibited[] and
 * overworking[] (strings), nkt_tests[] {step, test, how, localise[], text}, homework[]
 * (strings), history[] (the intake items that changed this finding), note.
 *
 * skipped may be NULL; else *skipped receives a new array of {rule, reason} for rules not
 * evaluated (wrong activity or view, metric absent, too few strides) and for rules whose only
 * failing condition is an event-timing asymmetry within event_mdc. Caller frees it.
 *
 * GS_OK, GS_ERR_FORMAT (not an analysis object, wrong format string, malformed metric), or
 * GS_ERR_NOMEM. On error *findings (and *skipped) are NULL.
 */
gs_status gs_nkt_evaluate(const gs_nkt_rules *rules, const cJSON *analysis,
                          const gs_nkt_history *history, cJSON **findings, cJSON **skipped,
                          gs_error *err);

/**
 * Adds "visibility" to every stride of analysis (its "strides", either {"left": [...],
 * "right": [...]} or one array of objects with "side"; start "t0"/"start", end "t1"/"end", in
 * seconds): the mean, over the frames inside the stride, of that leg's per-frame landmark
 * visibility. gs_nkt_evaluate() then scales each finding's confidence by the visibility of the
 * strides its evidence comes from. t holds n increasing frame times (s, the pose track's clock);
 * vis_left / vis_right the per-frame mean visibility 0-1 of the left / right leg's landmarks
 * (hip, knee, ankle, heel, foot index; 0 on frames without a person). All borrowed.
 * Strides with no frame inside are left untouched. GS_OK, GS_ERR_ARG (NULL input, n == 0),
 * GS_ERR_FORMAT (analysis is not an object), GS_ERR_NOMEM.
 */
gs_status gs_nkt_annotate_visibility(cJSON *analysis, const double *t, const double *vis_left,
                                     const double *vis_right, size_t n, gs_error *err);

/**
 * Formats the therapist's test plan from a findings array (as made by gs_nkt_evaluate(), or read
 * back from analysis.json): for each finding in order, its title, side, severity, confidence and
 * evidence, then the ordered muscle tests and the homework. The text is plain UTF-8 with '\n'
 * line ends. *text is a new NUL-terminated string, caller frees with free().
 * GS_OK, GS_ERR_FORMAT (findings is not an array of objects), GS_ERR_NOMEM.
 */
gs_status gs_nkt_plan_format(const cJSON *findings, char **text, gs_error *err);

#ifdef __cplusplus
}
#endif
#endif /* GS_NKT_H */
