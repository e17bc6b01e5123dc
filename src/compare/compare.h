/*
 * gaitscope compare: before/after. Given two analyses of the same person (before and after a
 * session), decides which changes exceed measurement error, where in the gait cycle the curves
 * differ, what became of the findings, and writes comparison.json, comparison.html and the
 * side-by-side clip.
 *
 * A change is called "real" only when it passes two gates (docs/metrics.md "Before/after"):
 *   1. it exceeds the metric's minimal change (models/minimal_change.json: the larger of a
 *      published smallest detectable difference and gaitscope's own repeat figure, or a stated
 *      value with its reasoning), because between-day spread is about three times the
 *      within-session spread (Damsted 2015) and no stride statistic can see the camera set-up;
 *   2. it exceeds the athlete's own stride-to-stride variability by a permutation test on the
 *      per-stride values, corrected for the number of metrics tested (Holm 1979).
 * Curves get a nonparametric statistical parametric mapping (Nichols & Holmes 2002; Pataky,
 * Vanrenterghem & Robinson 2015) with the same two gates node by node.
 *
 * The inputs are plain structs (gs_compare_session) of borrowed arrays, so any reader can feed
 * this module; src/compare/compare_analysis.c fills them from two analysis.json files.
 * Everything is deterministic: permutations come from a seeded generator held in the call, no
 * globals.
 */
#ifndef GS_COMPARE_H
#define GS_COMPARE_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "analysis.h"
#include "common.h"
#include "video.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Format string of comparison.json. */
#define GS_COMPARE_FORMAT "gaitscope.comparison/1"
/** Format string of the minimal-change file this code reads. */
#define GS_COMPARE_MC_FORMAT "gaitscope.minimal_change/1"
/** Points of a time-normalised curve (0..100 % of the stride). */
#define GS_COMPARE_CURVE_N 101

/** Sides of a metric row: the person's left, right, or both pooled (whole-body metrics). */
typedef enum gs_compare_side {
    GS_COMPARE_SIDE_LEFT = 0,
    GS_COMPARE_SIDE_RIGHT = 1,
    GS_COMPARE_SIDE_ALL = 2
} gs_compare_side;

/** Verdict of one metric/side or curve. Append-only. */
typedef enum gs_compare_verdict {
    GS_COMPARE_VERDICT_NOISE = 0, /* within measurement error or stride-to-stride variability */
    GS_COMPARE_VERDICT_REAL = 1,  /* beyond the minimal change AND the corrected stride test */
    GS_COMPARE_VERDICT_NOT_COMPARABLE = 2, /* data missing, too few strides, or set-up differs */
    GS_COMPARE_VERDICT_CANNOT_TELL = 3, /* tested and below the minimal change, but at these clips'
                                           frame rate that minimal change exceeds what a realistic
                                           intervention moves the metric: "no real change" would
                                           say more than the recordings can */
    GS_COMPARE_VERDICT_COUNT = 4
} gs_compare_verdict;

/** "real", "noise", "not_comparable", "cannot_tell". */
const char *gs_compare_verdict_name(gs_compare_verdict v);

/** "left", "right", "all". */
const char *gs_compare_side_name(gs_compare_side s);

/* ---- inputs (all borrowed; nothing is kept after gs_compare_run returns) ---- */

/** Per-stride values of one metric in one session. */
typedef struct gs_compare_metric {
    const char *key;         /* analysis.json key, e.g. "knee_flexion_ic_deg" */
    const char *unit;        /* "deg", "ms", "steps/min", ... */
    const char *label;       /* for people ("Knee flexion at contact"); NULL = the key */
    int whole_body;          /* 1: also has the pooled "all" side (cadence) */
    int positive;            /* 1: strictly positive quantity, the symmetry index applies */
    const double *values[3]; /* per-stride values by gs_compare_side; NULL = absent */
    int n[3];                /* number of values */
} gs_compare_metric;

/** Per-stride curves of one angle and side in one session. */
typedef struct gs_compare_curve {
    const char *angle;     /* curve key, e.g. "knee_flexion_deg" */
    gs_compare_side side;  /* GS_COMPARE_SIDE_LEFT or GS_COMPARE_SIDE_RIGHT */
    const double *strides; /* n rows of GS_COMPARE_CURVE_N values (degrees), row-major */
    int n;                 /* strides */
} gs_compare_curve;

/** One finding of a session (from the compensation rules). */
typedef struct gs_compare_finding {
    const char *id;              /* unique per rule and side, e.g. "pelvic_drop.left" */
    const char *rule;            /* rule id */
    const char *title;           /* plain text */
    const char *side;            /* "left", "right", "both", ... (may be NULL) */
    double severity;             /* 0..1 */
    double confidence;           /* 0..1 */
    const char *const *homework; /* homework ideas (plain text) */
    int n_homework;
} gs_compare_finding;

/** Everything the comparison reads from one session. Unknown numbers are NAN, counts 0. */
typedef struct gs_compare_session {
    const char *path;           /* the analysis folder (or file) as given */
    const char *clip;           /* the video's file name, or NULL */
    const char *format;         /* the analysis format string, e.g. "gaitscope.analysis/1" */
    const char *view;           /* "side-left", "side-right", "rear", "front", "unknown" */
    const char *activity;       /* "run", "walk", "unknown" */
    const char *setting;        /* "treadmill", "overground", "unknown" */
    double fps;                 /* frames per second of the clip */
    int32_t width, height;      /* displayed frame size, pixels (0 unknown) */
    double belt_speed_m_s;      /* treadmill belt speed (NAN unknown) */
    double speed_m_s;           /* measured speed when a scale is known (NAN unknown) */
    double leg_length_px;       /* apparent leg length (hip-knee + knee-ankle), pixels */
    double leg_length_frac;     /* leg length / image height as the camera check measured it
                                   (analysis.json camera); NAN = leg_length_px / height */
    double ground_angle_deg;    /* ground line angle in the image (camera roll) */
    int ground_fitted;          /* 1 when the ground line was fitted to the feet (else horizon) */
    int strides_used[2];        /* usable strides, left and right */
    int metrics_revision;       /* methods.metrics_revision (GS_METRICS_REVISION; 1 when absent,
                                   0 = unknown: not checked) */
    int timed_image[2];         /* contacts [0] and toe-offs [1] timed from the picture
                                   (methods.contact_image / toe_off_image timed_from_image; 0 =
                                   all from the landmarks, as in an analysis without them) */
    int timed_of[2];            /* of how many contacts / toe-offs (0 unknown) */
    const double *left_strides; /* 2 per used left stride: its first and last contact as
                                   fractional frame indices of the clip (chronological) */
    int n_left_strides;
    const gs_compare_metric *metrics;
    int n_metrics;
    const gs_compare_curve *curves;
    int n_curves;
    const gs_compare_finding *findings;
    int n_findings;
    const char *overlay_path; /* overlay clip for the side-by-side, or NULL (none) */
} gs_compare_session;

/* ---- minimal change per metric (models/minimal_change.json) ---- */

/** The loaded, validated minimal-change table (opaque; owns its strings). */
typedef struct gs_compare_mc gs_compare_mc;

/**
 * Loads and validates a minimal-change file ("format": GS_COMPARE_MC_FORMAT, "version": 1,
 * "metrics" and "curves" objects; docs/metrics.md describes it). Validation is strict: every key
 * must be one of metric_keys (resp. curve_keys), every entry must have value (a positive number),
 * unit (the metric's own unit or "%" for a change relative to BEFORE's mean), source and
 * reasoning (non-empty strings); optional published_sdd and own_sdd (numbers or null; value must
 * then equal the larger of them) and min_frames (the change must also exceed that many frame
 * intervals of the coarser clip); any other field is an error. The message names the file, the
 * key and the field ("minimal_change.json: metrics.foo: unknown metric").
 * metric_units (may be NULL) gives the unit of each metric key, checked against the entry.
 * Returns GS_OK, GS_ERR_IO, GS_ERR_FORMAT, GS_ERR_NOMEM; on error *out is NULL. The caller frees
 * *out with gs_compare_mc_free().
 */
gs_status gs_compare_mc_load(const char *path, const char *const *metric_keys,
                             const char *const *metric_units, int n_metric_keys,
                             const char *const *curve_keys, int n_curve_keys, gs_compare_mc **out,
                             gs_error *err);

/** As gs_compare_mc_load() from a parsed JSON object (borrowed); name is used in messages. */
gs_status gs_compare_mc_from_json(const cJSON *root, const char *name,
                                  const char *const *metric_keys, const char *const *metric_units,
                                  int n_metric_keys, const char *const *curve_keys,
                                  int n_curve_keys, gs_compare_mc **out, gs_error *err);

/** Frees *mc and sets it to NULL; NULL is a no-op. */
void gs_compare_mc_free(gs_compare_mc **mc);

/**
 * The minimal change of metric (curves: 0) or curve (curves: 1) key, in the metric's unit, for
 * a BEFORE mean of before_mean and the coarser frame interval frame_s (seconds; 0 = ignore
 * min_frames). NAN when the key has no entry. *source (may be NULL) receives the entry's source
 * (owned by mc).
 */
double gs_compare_mc_value(const gs_compare_mc *mc, int curves, const char *key, double before_mean,
                           double frame_s, const char **source);

/** What the frame rate does to a metric's minimal change (gs_compare_mc_limit_of()). */
typedef struct gs_compare_mc_limit {
    double minimal_change;        /* as gs_compare_mc_value() */
    const char *source;           /* the entry's source (owned by mc), or NULL: no entry */
    double realistic;             /* the largest change a realistic intervention makes, in the
                                     metric's unit (the entry's realistic); NAN: no figure */
    double fps_needed;            /* the lowest frame rate at which minimal_change would be at most
                                     realistic: 0 any rate, NAN no rate (or no figure) */
    const char *realistic_source; /* the entry's realistic_source (owned by mc), or NULL */
} gs_compare_mc_limit;

/**
 * Metric key's minimal change for a BEFORE mean of before_mean at the coarser frame interval
 * frame_s (seconds; 0 = ignore the frame rate), against the entry's realistic change (optional
 * fields realistic, realistic_unit '%' of BEFORE's mean or the metric's unit, realistic_source).
 * The minimal change scales with the frame rate through min_frames (times, or percentage points of
 * a stride of stride_ms: walking stance %) or own_fps (an own figure measured at that rate:
 * own_sdd x own_fps x frame_s), so fps_needed follows from the same rule. Returns 1 when the minimal change exceeds the realistic change (the recordings cannot
 * tell), else 0 (also when the entry has no realistic figure).
 */
int gs_compare_mc_limit_of(const gs_compare_mc *mc, const char *key, double before_mean,
                           double frame_s, gs_compare_mc_limit *out);

/** The format version of the loaded file (the file's "version"). */
int gs_compare_mc_version(const gs_compare_mc *mc);

/* ---- statistics (exposed for tests) ---- */

/** A seeded pseudo-random generator (xoshiro256**); plain state, no globals. */
typedef struct gs_compare_rng {
    uint64_t s[4];
} gs_compare_rng;

/** Seeds r from one 64-bit value (expanded by splitmix64). */
void gs_compare_rng_seed(gs_compare_rng *r, uint64_t seed);

/** Uniform integer in [0, n) (n >= 1), without modulo bias. */
uint32_t gs_compare_rng_below(gs_compare_rng *r, uint32_t n);

/** Result of the two-sample stride test. */
typedef struct gs_compare_test {
    double mean_a, mean_b; /* means of the two samples */
    double sd_a, sd_b;     /* sample SDs (NAN when n < 2) */
    double t;              /* Welch's t of b - a */
    double hedges_g;       /* standardised mean difference b - a, small-sample corrected */
    double p;              /* two-sided permutation p value */
    int n_perm;            /* relabelings used (all of them when exact) */
    int exact;             /* 1: every relabeling enumerated */
} gs_compare_test;

/**
 * Two-sample permutation test of b against a on Welch's t statistic (studentised, so valid for
 * unequal variances asymptotically: Janssen 1997; Chung & Romano 2013). Every relabeling is
 * enumerated when there are at most max_perm of them, else max_perm random ones plus the
 * observed (p = (1 + hits) / (1 + max_perm), Phipson & Smyth 2010). Needs na, nb >= 2.
 * Returns GS_OK, GS_ERR_ARG (too few values or a non-finite value), GS_ERR_NOMEM.
 */
gs_status gs_compare_perm_test(const double *a, int na, const double *b, int nb, int max_perm,
                               gs_compare_rng *rng, gs_compare_test *out, gs_error *err);

/**
 * Holm's step-down adjustment (Holm 1979, Scand J Statist 6:65): adj[i] = max over j with
 * p(j) <= p(i) of min(1, (m - rank(j)) * p(j)). NAN entries are not tested (adj NAN) and do not
 * count in m. p and adj may alias. GS_ERR_NOMEM.
 */
gs_status gs_compare_holm(const double *p, int n, double *adj, gs_error *err);

/* ---- the comparison ---- */

/** Options of gs_compare_run(); zero means the default. */
typedef struct gs_compare_options {
    double alpha;    /* family-wise error rate for the stride tests and SPM; 0 = 0.05 */
    int n_perm;      /* permutations per test and for SPM; 0 = 5000 */
    uint64_t seed;   /* permutation seed; 0 = a fixed default (results are reproducible) */
    int min_strides; /* strides per side for a comparable mean; 0 = 7 (Dingenen 2018) */
    int force;       /* 1: compare even when view or activity differ (verdicts are then
                        not_comparable for everything the mismatch touches) */
    int no_mc_gate;  /* 1: verdict from the stride test alone (for the false-positive
                        measurement in the tests; never the CLI default) */
    int no_spm;      /* 1: skip the curves (faster; tests of the scalar statistics) */
} gs_compare_options;

/** Comparability check outcome. */
typedef enum gs_compare_check_state {
    GS_COMPARE_CHECK_OK = 0,
    GS_COMPARE_CHECK_MISMATCH = 1, /* outside the band: a warning, and the verdicts it touches */
    GS_COMPARE_CHECK_UNKNOWN = 2   /* cannot be checked (a value is missing): a note only */
} gs_compare_check_state;

/** What a failed check makes not comparable. */
typedef enum gs_compare_scope {
    GS_COMPARE_SCOPE_ALL = 0,     /* every metric and curve */
    GS_COMPARE_SCOPE_TIMING = 1,  /* times, cadence, duty factor (event timing) */
    GS_COMPARE_SCOPE_SPATIAL = 2, /* angles and lengths (image geometry) */
    GS_COMPARE_SCOPE_LEFT = 3,    /* the left side's rows */
    GS_COMPARE_SCOPE_RIGHT = 4,   /* the right side's rows */
    GS_COMPARE_SCOPE_REVISED = 5, /* the metrics whose definition changed between the two
                                     analyses' revisions (gs_metric_info.revision) */
    GS_COMPARE_SCOPE_CONTACT = 6, /* what hangs on the contacts' times: contact and flight
                                     time, duty factor, stance, swing, double support, the
                                     values read at contact, the curves (normalised between
                                     contacts) */
    GS_COMPARE_SCOPE_TOE_OFF = 7  /* what hangs on the toe-offs' times: the same intervals, and
                                     peak hip extension */
} gs_compare_scope;

/** One comparability check, with both values. */
typedef struct gs_compare_check {
    const char *name;           /* "view", "activity", "frame_rate", "resolution",
                                   "belt_speed", "camera_distance", "camera_tilt",
                                   "strides_left", "strides_right", "metrics_revision",
                                   "contact_timing", "toe_off_timing" */
    char before[64], after[64]; /* the two values as text (with units) */
    double before_v, after_v;   /* the two values as numbers (NAN for text values) */
    char band[128];             /* the tolerance, in words */
    gs_compare_check_state state;
    int blocking;           /* 1: a mismatch refuses the comparison unless forced */
    gs_compare_scope scope; /* what a mismatch makes not comparable */
    char message[256];      /* one line: what differs and why it matters ("" when ok) */
} gs_compare_check;

/** One metric and side, before and after. */
typedef struct gs_compare_row {
    const char *metric; /* analysis.json key (owned by the result) */
    const char *unit;
    const char *label; /* for people (the key when none was given) */
    int positive;      /* strictly positive: SI applies */
    gs_compare_side side;
    int n_before, n_after;      /* strides */
    double before, after;       /* means */
    double sd_before, sd_after; /* stride-to-stride SDs */
    double change;              /* after - before */
    double change_pct;          /* 100 * change / |before| (NAN when before is 0 or unknown) */
    double t, hedges_g, p;      /* stride test (NAN when not tested) */
    double p_holm;              /* p after Holm's correction over the tested rows */
    double minimal_change;      /* in the metric's unit; NAN when the table has no entry */
    const char *mc_source;      /* the table entry's source (owned by the result) */
    int exceeds_mc;             /* |change| >= minimal_change */
    double realistic_change;    /* the largest change a realistic intervention makes (metric's
                                   unit); NAN when the table has none */
    double fps_needed;          /* the frame rate from which minimal_change <= realistic_change
                                   (0 any, NAN none or unknown) */
    gs_compare_verdict verdict;
    char why[160]; /* one line: why this verdict */
} gs_compare_row;

/** A stretch of the gait cycle where the curves differ (both gates hold on every node). */
typedef struct gs_compare_phase {
    int start_pct, end_pct; /* first and last node, % of stride (0..100) */
    double peak_t;          /* largest |t| inside */
    double p;               /* family-wise corrected p value of that peak */
    double mean_diff;       /* mean of (after - before) over the phase, degrees */
} gs_compare_phase;

#define GS_COMPARE_MAX_PHASES 51 /* at most every other node of 101 */

/** One angle and side: mean +- SD before and after, the SPM{t} and the phases that differ. */
typedef struct gs_compare_curve_row {
    const char *angle;
    gs_compare_side side;
    int n_before, n_after;
    double mean_before[GS_COMPARE_CURVE_N], sd_before[GS_COMPARE_CURVE_N];
    double mean_after[GS_COMPARE_CURVE_N], sd_after[GS_COMPARE_CURVE_N];
    double t[GS_COMPARE_CURVE_N]; /* Welch's t of after - before at each node (NAN untested) */
    double minimal_change;        /* degrees */
    const char *mc_source;
    int n_phases;
    gs_compare_phase phases[GS_COMPARE_MAX_PHASES];
    gs_compare_verdict verdict; /* real when at least one phase */
    char why[160];
} gs_compare_curve_row;

/** What became of a finding. */
typedef enum gs_compare_finding_status {
    GS_COMPARE_FINDING_RESOLVED = 0,   /* before, not after */
    GS_COMPARE_FINDING_PERSISTING = 1, /* both */
    GS_COMPARE_FINDING_NEW = 2         /* after, not before */
} gs_compare_finding_status;

/** One finding across the two sessions (matched by id). */
typedef struct gs_compare_finding_row {
    const char *id, *rule, *title, *side; /* owned by the result */
    gs_compare_finding_status status;
    double severity_before, severity_after;     /* NAN when absent */
    double confidence_before, confidence_after; /* NAN when absent */
} gs_compare_finding_row;

/** The comparison (opaque; owns its rows and strings). */
typedef struct gs_comparison gs_comparison;

/**
 * Compares after against before. mc is the minimal-change table (borrowed). opt may be NULL.
 * On success *out is the comparison (free with gs_comparison_free()). Returns GS_OK;
 * GS_ERR_ARG when the two sessions cannot be compared: the same path twice, different analysis
 * format versions, or (unless opt->force) a different view or activity; the message says which
 * and gives both values. GS_ERR_NOMEM. On error *out is NULL.
 */
gs_status gs_compare_run(const gs_compare_session *before, const gs_compare_session *after,
                         const gs_compare_mc *mc, const gs_compare_options *opt,
                         gs_comparison **out, gs_error *err);

/** Frees *c and sets it to NULL; NULL is a no-op. */
void gs_comparison_free(gs_comparison **c);

/** Checks, metric rows, curve rows, findings: counts and items (valid while c lives). */
int gs_comparison_n_checks(const gs_comparison *c);
const gs_compare_check *gs_comparison_check(const gs_comparison *c, int i);
/**
 * The line a reader sees for check i (the page's alert, the command's warnings,
 * comparison.json `warnings`): its message, except when both the contacts' and the toe-offs'
 * timing differ: then contact_timing gives one line naming both and toe_off_timing "" (the
 * checks' own messages stay one per check). "" when i is out of range.
 */
const char *gs_comparison_check_alert(const gs_comparison *c, int i);
/** A check's name in words for people ("frame_rate" -> "frame rate", "camera_distance" ->
 *  "camera distance"); the name itself when unknown. */
const char *gs_compare_check_words(const char *name);
int gs_comparison_n_rows(const gs_comparison *c);
const gs_compare_row *gs_comparison_row(const gs_comparison *c, int i);
/** The row of metric key and side, or NULL. */
const gs_compare_row *gs_comparison_find_row(const gs_comparison *c, const char *key,
                                             gs_compare_side side);
int gs_comparison_n_curves(const gs_comparison *c);
const gs_compare_curve_row *gs_comparison_curve(const gs_comparison *c, int i);
/** The curve row of angle and side, or NULL. */
const gs_compare_curve_row *gs_comparison_find_curve(const gs_comparison *c, const char *angle,
                                                     gs_compare_side side);
int gs_comparison_n_findings(const gs_comparison *c);
const gs_compare_finding_row *gs_comparison_finding(const gs_comparison *c, int i);
/** Homework for the next session: the persisting findings' ideas, de-duplicated, in order. */
int gs_comparison_n_homework(const gs_comparison *c);
const char *gs_comparison_homework(const gs_comparison *c, int i);

/** The SPM critical |t| (family-wise over all nodes of all curves) and its permutations. */
double gs_comparison_spm_threshold(const gs_comparison *c, int *n_perm);

/** The options used (defaults filled in). */
const gs_compare_options *gs_comparison_options(const gs_comparison *c);

/** Number of rows with each verdict (index by gs_compare_verdict). */
void gs_comparison_counts(const gs_comparison *c, int counts[GS_COMPARE_VERDICT_COUNT]);

/** The coarser clip's frame rate the minimal changes were taken at (0 when unknown). */
double gs_comparison_fps(const gs_comparison *c);

/**
 * One plain sentence saying which metrics this pair of recordings cannot judge at its frame rate
 * (the cannot_tell rows) and from what frame rate they could; "" when there are none.
 */
const char *gs_comparison_fps_note(const gs_comparison *c);

/* ---- outputs ---- */

/** What the outputs say about themselves and their neighbours; all fields optional. */
typedef struct gs_compare_output_info {
    const char *generated_by;      /* e.g. "gaitscope 0.1.0" */
    const char *mc_path;           /* the minimal-change file used */
    int mc_version;                /* its version */
    const char *side_by_side_file; /* relative name of the side-by-side clip, or NULL */
    const char *side_by_side_why;  /* when there is none: why (one line) */
    const char *before_report;     /* relative links to the two analyses' report.html, or NULL */
    const char *after_report;
} gs_compare_output_info;

/**
 * The comparison as a comparison.json object ("format": GS_COMPARE_FORMAT). Caller frees with
 * cJSON_Delete(). NULL on out of memory. info may be NULL.
 */
cJSON *gs_comparison_to_json(const gs_comparison *c, const gs_compare_output_info *info);

/** Writes gs_comparison_to_json() to path (whole-file write). GS_ERR_IO / GS_ERR_NOMEM. */
gs_status gs_comparison_write_json(const char *path, const gs_comparison *c,
                                   const gs_compare_output_info *info, gs_error *err);

/**
 * Writes comparison.html: one self-contained page (inline CSS and SVG, no script, no network)
 * with report.html's look: the real changes first, how to read the verdicts, comparability with
 * both values, the metric table with minimal change, p and verdict, symmetry before and after,
 * the curves (before grey, after in the side's colour, mean +- SD, the differing phases shaded),
 * the findings resolved / persisting / new with the homework, the side-by-side clip (or why there
 * is none), and the methods with sources. Every input string is HTML-escaped.
 * GS_ERR_ARG, GS_ERR_IO (names the path), GS_ERR_NOMEM.
 */
gs_status gs_comparison_write_html(const char *path, const gs_comparison *c,
                                   const gs_compare_output_info *info, gs_error *err);

/* ---- sessions from analyses (compare_analysis.c, over src/analysis) ---- */

/** A session read from an analysis (opaque; owns the gs_analysis its arrays point into). */
typedef struct gs_compare_input gs_compare_input;

/**
 * Opens one session: an analyze or gait output folder (its analysis.json, and overlay.mp4 when
 * there is one) or an analysis.json file. The session's path is the canonical one (realpath),
 * so one folder given twice by two spellings is caught by gs_compare_run(). Caller frees *out
 * with gs_compare_input_free(). GS_ERR_NOT_FOUND (no such path; a folder without
 * analysis.json: "not a gaitscope analyze or gait output folder"), GS_ERR_FORMAT (the reader's
 * errors, e.g. a newer format; an analysis whose status is failed: "the analysis failed (...)"),
 * GS_ERR_IO, GS_ERR_NOMEM. Every message names the path.
 */
gs_status gs_compare_input_open(const char *arg, gs_compare_input **out, gs_error *err);

/**
 * gs_compare_input_open() of an output folder dir whose analysis.json the caller has already
 * read and parsed into *json (taken over, and freed on every error: *json is NULL after), so
 * that a caller that checks the file first (the worker's compare job) parses it once. The
 * same checks, errors and messages, the reader's naming dir/analysis.json.
 */
gs_status gs_compare_input_open_json(const char *dir, cJSON **json, gs_compare_input **out,
                                     gs_error *err);

/**
 * A session from an analysis already read (taken over: *a is NULL after), named path (borrowed
 * for the copy), with the overlay clip overlay (NULL: none). GS_ERR_NOMEM.
 */
gs_status gs_compare_input_from_analysis(gs_analysis **a, const char *path, const char *overlay,
                                         gs_compare_input **out, gs_error *err);

/** The session (valid while in lives). */
const gs_compare_session *gs_compare_input_session(const gs_compare_input *in);

/** The analysis behind it (valid while in lives). */
const gs_analysis *gs_compare_input_analysis(const gs_compare_input *in);

/** Frees *in and sets it NULL; NULL is a no-op. */
void gs_compare_input_free(gs_compare_input **in);

/**
 * gs_compare_mc_load() with the pipeline's own key lists: the metric table of gait.h
 * (gs_metric_at: keys and units) and the curve names (gs_angle_name).
 */
gs_status gs_compare_mc_load_default_keys(const char *path, gs_compare_mc **out, gs_error *err);

/* ---- the side-by-side clip (compare_video.c) ---- */

/** Options of gs_compare_side_by_side(); zero means the default. */
typedef struct gs_compare_video_options {
    int32_t max_height;        /* height of each half, px; 0 = the smaller clip's, at most 720 */
    gs_encoder_options encode; /* H.264 settings (fps_hint is set to BEFORE's frame rate) */
    gs_progress_fn progress;   /* stage "side-by-side", frames done/total; may be NULL */
    void *progress_user;
} gs_compare_video_options;

/** What gs_compare_side_by_side() wrote. */
typedef struct gs_compare_video_stats {
    int strides;               /* stride pairs shown (the shorter session's left strides) */
    int64_t frames;            /* frames written */
    double duration_s;         /* frames / fps */
    double fps;                /* BEFORE's frame rate */
    int32_t width, height;     /* output size, px */
    int32_t half_x[2], half_y; /* top-left of the BEFORE and AFTER pictures in the output */
    int32_t half_w[2], half_h; /* their sizes */
} gs_compare_video_stats;

/**
 * Writes the side-by-side clip: BEFORE's overlay clip on the left, AFTER's on the right, both
 * scaled to the same height, phase-locked on the left foot. Output frame j is BEFORE's frame j of
 * its stride k (from stride k's first contact up to, not including, its next); AFTER shows the
 * frame at the same fraction of its own stride k (nearest frame), so AFTER is time-warped to
 * BEFORE's strides. Frames are written at BEFORE's frame rate (nominal, 1/fps apart). Under each
 * half: the session's name and key numbers (c may be NULL: none); a caption says that AFTER is
 * time-warped. Frame indices come from the sessions' left_strides (fractional indices of the
 * overlay clips' frames, which are the analysed frames one to one).
 * stats (may be NULL) receives what was written. GS_ERR_ARG (no overlay clip or no left strides
 * in a session), GS_ERR_IO / GS_ERR_FORMAT (from the decoder or encoder, naming the file),
 * GS_ERR_NOMEM.
 */
gs_status gs_compare_side_by_side(const gs_compare_session *before, const gs_compare_session *after,
                                  const gs_comparison *c, const char *path,
                                  const gs_compare_video_options *opt,
                                  gs_compare_video_stats *stats, gs_error *err);

#ifdef __cplusplus
}
#endif
#endif /* GS_COMPARE_H */
