/*
 * gaitscope compare internals, shared by the .c files of src/compare only (not API).
 */
#ifndef GS_COMPARE_IMPL_H
#define GS_COMPARE_IMPL_H

#include "compare.h"

/** One entry of the minimal-change table. */
typedef struct gs_compare__mc_entry {
    char *key;
    double value;           /* in the metric's unit, or percent of BEFORE's mean when relative */
    int relative;           /* unit "%": value is a percentage of BEFORE's mean */
    double min_frames;      /* 0, or the change must exceed this many frame intervals (ms metrics;
                               for a percentage of the stride, of a stride of stride_ms) */
    double stride_ms;       /* 0, or min_frames counts in percentage points of a stride this long */
    double base;            /* the published or stated figure (value's unit) */
    double own;             /* own_sdd (value's unit), NAN when none */
    double own_fps;         /* 0, or the frame rate own was measured at: own scales with the frame
                               interval (a ratio of event times, e.g. duty factor) */
    double realistic;       /* NAN, or the largest change a realistic intervention makes */
    int realistic_relative; /* realistic is a percentage of BEFORE's mean */
    char *unit;
    char *source;
    char *reasoning;
    char *realistic_source; /* NULL when realistic is NAN */
} gs_compare__mc_entry;

struct gs_compare_mc {
    int version;
    gs_compare__mc_entry *metrics;
    int n_metrics;
    gs_compare__mc_entry *curves;
    int n_curves;
};

/** A copy of what the result keeps of one session (strings owned). */
typedef struct gs_compare__sess {
    char *path, *clip, *format, *view, *activity, *setting;
    double fps, belt_speed_m_s, leg_fraction, ground_angle_deg;
    int32_t width, height;
    int strides_used[2];
    int metrics_revision; /* 0 unknown */
    int timed_image[2];   /* contacts, toe-offs timed from the picture (0: from the landmarks) */
    int timed_of[2];      /* of how many (0 unknown) */
} gs_compare__sess;

struct gs_comparison {
    gs_compare_options opt;
    gs_compare__sess sess[2]; /* before, after */
    gs_compare_check *checks;
    int n_checks;
    gs_compare_row *rows;
    int n_rows;
    gs_compare_curve_row *curves;
    int n_curves;
    double spm_threshold;
    int spm_perm;
    gs_compare_finding_row *findings;
    int n_findings;
    char **homework;
    int n_homework;
    double limit_fps;    /* the coarser clip's frame rate the minimal changes were taken at (0
                            unknown) */
    char fps_note[1280]; /* the plain sentence on what this pair cannot judge ("" none) */
    char timing_note[512]; /* one line for both timing checks when both differ ("" else) */
    char **strings; /* every string the rows point to, freed with the result */
    int n_strings, cap_strings;
};

/** Fisher-Yates shuffle of idx[0..n-1]. */
void gs_compare__shuffle(gs_compare_rng *r, int *idx, int n);

/** Welch's t of b - a from sums (s) and sums of squares (q); na, nb >= 2. */
double gs_compare__welch_t(double sa, double qa, int na, double sb, double qb, int nb);

/**
 * SPM over the curve rows whose n_before/n_after >= 2: fills t[], the phases and verdicts of
 * every row in c->curves (those already not_comparable are left alone), c->spm_threshold and
 * c->spm_perm. yb[i], ya[i] are the strides of curve row i (rows of GS_COMPARE_CURVE_N).
 * GS_ERR_NOMEM.
 */
gs_status gs_compare__spm(gs_comparison *c, const double *const *yb, const double *const *ya,
                          gs_compare_rng *rng, gs_error *err);

/** strdup that records the copy in c->strings (freed with c); NULL on out of memory. */
const char *gs_compare__keep(gs_comparison *c, const char *s);

/* compare_video.c: up to 3 lines of key numbers under one half of the side-by-side clip (k 0
 * before, 1 after), ASCII; returns how many. */
int gs_compare__key_lines(const gs_comparison *c, int k, char lines[3][96]);

#endif /* GS_COMPARE_IMPL_H */
