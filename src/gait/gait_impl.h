/*
 * gaitscope gait stage internals, shared by the .c files of src/gait only (not API; tests use gait.h).
 */
#ifndef GS_GAIT_IMPL_H
#define GS_GAIT_IMPL_H

#include <stdint.h>

#include "calib.h"
#include "gait.h"

#define GS_GAIT__CURVE_N   101 /* points of a time-normalised curve, 0..100 % */
#define GS_GAIT__MAX_NOTES 12

/** One metric: per-stride values per side (index 0 left, 1 right). */
typedef struct gs_gait__metric {
    char key[48];   /* analysis.json key, unit suffix included ("knee_flexion_ic_deg") */
    char unit[24];  /* "deg", "ms", "steps/min", "fraction", "%", "leg lengths", "cm", "m/s" */
    int positive;   /* strictly positive quantity: the symmetry index applies */
    int whole_body; /* also reports "all" (pooled sides), e.g. cadence */
    int n[2], cap[2];
    double *v[2];   /* values, one per used stride (or step) */
    double *t[2];   /* time of the stride's initial contact for each value */
} gs_gait__metric;

/** A time-normalised curve of one angle. */
typedef struct gs_gait__curve {
    gs_angle a;
    int n[2];                          /* strides averaged per side */
    double mean[2][GS_GAIT__CURVE_N];  /* degrees */
    double sd[2][GS_GAIT__CURVE_N];    /* degrees; 0 when n < 2 */
    double *per[2]; /* per side n[side] x GS_GAIT__CURVE_N: each used stride's curve, by time */
    double *t0[2];  /* per side n[side]: start (initial contact) of each of those strides, s */
} gs_gait__curve;

struct gs_gait_result {
    char name[256];      /* input name for messages */
    int32_t width, height; /* frame size of the track, px */
    double fps;          /* the track's nominal frame rate */
    int32_t n;           /* frames */
    double *t;           /* frame times, s */
    uint8_t *valid;      /* 1 when the frame has landmarks */
    int8_t *facing;      /* side views: +1 / -1 per frame (0 invalid) */
    int16_t *pass;       /* pass index per frame, -1 invalid */
    int8_t *backward;    /* 1 where the person travels opposite to the way they face */
    double *P;           /* canonical landmarks: n * 33 * 2 (px, X per the view, Y up) */
    double *W;           /* world landmarks n * 33 * 3 (m) or NULL */
    uint8_t *wvalid;     /* 1 when the frame has world landmarks */
    float *ang;          /* n * 2 * GS_ANGLE_COUNT, NAN = absent */
    gs_gait_view view;
    gs_gait_activity activity;
    gs_gait_setting setting;
    int activity_forced, setting_forced;
    double ground_phi;   /* ground line direction in the image, radians (atan2(dy, dx), y down) */
    int ground_points;   /* stance samples the ground fit used (0: image horizontal) */
    double gx0, gy0;     /* a point of the ground line in the image (px) */
    double cx, cy;       /* rotation centre (image centre) */
    double ll_px;        /* leg length (hip-knee + knee-ankle) in pixels */
    double px_per_m;     /* 0 without a scale */
    double height_m, belt_m_s;
    double line_px_per_m, line_unc; /* --scale-line, from the options (0 = none) */
    gs_calib_scale scale[4];        /* candidates indexed by gs_calib_scale_source (0 = absent) */
    int belt_strides;               /* strides behind the belt candidate */
    gs_calib_scale_source scale_source; /* the one px_per_m comes from */
    double noise_px;     /* landmark noise estimate from stance feet */
    int min_strides;
    int refine;          /* events: 1 = final pass (height change-point refinement allowed) */
    double kappa_px;     /* contact threshold on foot height used by the last event pass */
    gs_gait_event *ev;
    int n_ev, cap_ev;
    gs_gait_stride *st;
    int n_st, cap_st;
    gs_gait__metric *m;
    int n_m, cap_m;
    gs_gait__curve *cv;
    int n_cv;
    char notes[GS_GAIT__MAX_NOTES][200];
    int n_notes;
};

/* Landmark access in canonical coordinates. */
static inline double *gs_gait__p(const gs_gait_result *r, int32_t i, int k)
{
    return &r->P[((size_t)i * GS_POSE_NKP + (size_t)k) * 2];
}

static inline float *gs_gait__ang(const gs_gait_result *r, int32_t i, int side, int a)
{
    return &r->ang[((size_t)i * 2 + (size_t)side) * GS_ANGLE_COUNT + (size_t)a];
}

/** Adds a note (one line) to the result; silently drops past GS_GAIT__MAX_NOTES. */
void gs_gait__note(gs_gait_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** 1 for a side view (left or right). */
int gs_gait__is_side(gs_gait_view_kind k);

/** Computes every per-frame angle the view allows (gait_angles.c). */
void gs_gait__angles(gs_gait_result *r);

/** Detects events for every pass and builds strides (gait_events.c). GS_ERR_NOMEM. */
gs_status gs_gait__events(gs_gait_result *r, gs_error *err);

/** Scale candidates (height, line, belt) and the one used: sets px_per_m (gait_scale.c). */
void gs_gait__scale(gs_gait_result *r);

/** Metrics and curves from the used strides (gait_metrics.c). GS_ERR_NOMEM. */
gs_status gs_gait__metrics(gs_gait_result *r, gs_error *err);

/** Value of the angle at time t_s by linear interpolation between frames; NAN if unknown. */
double gs_gait__angle_at(const gs_gait_result *r, int side, gs_angle a, double t_s);

/** Canonical coordinate c (0 x, 1 y) of landmark k at time t_s, interpolated; NAN if unknown. */
double gs_gait__p_at(const gs_gait_result *r, int k, int c, double t_s);

/** Index of the last frame with time <= t_s (0 if before the first). */
int32_t gs_gait__frame_at(const gs_gait_result *r, double t_s);

/** Fractional frame index of time t_s. */
double gs_gait__frame_index(const gs_gait_result *r, double t_s);

#endif /* GS_GAIT_IMPL_H */
