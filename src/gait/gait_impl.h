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
    int32_t second_looks;  /* the tracker's second looks at the person (pose.h), -1 unknown */
    int32_t person_frames; /* frames with the person's own landmarks (gs_pose_second_look_frames) */
    int32_t n;           /* frames */
    double *t;           /* frame times, s */
    uint8_t *valid;      /* 1 when the frame has landmarks */
    uint8_t *foot_out;   /* bit 1 << side: that foot is out of the picture (gait.c foot_out_of_
                            picture); its events there are dropped, strides across it unused;
                            NULL during the event passes */
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
    double ll_px;        /* leg length (hip-knee + knee-ankle) in pixels: events' yardstick */
    double len_px;       /* leg length that scales lengths: ll_px in side views, the segments'
                          * own lengths in rear/front views (gait.c leg_length_px) */
    double px_per_m;     /* 0 without a scale */
    double height_m, belt_m_s;
    double line_px_per_m, line_unc; /* --scale-line, from the options (0 = none) */
    gs_calib_scale scale[4];        /* candidates indexed by gs_calib_scale_source (0 = absent) */
    int belt_strides;               /* strides behind the belt candidate */
    gs_calib_scale_source scale_source; /* the one px_per_m comes from */
    double noise_px;     /* landmark noise estimate from stance feet */
    int min_strides;
    int refine;          /* events: 1 = final pass (height change-point refinement allowed) */
    int walk_events;     /* events: side-view walking refinement used (gait_events_walk.c) */
    int belt_ic;         /* events: treadmill running contacts moved to the belt's uptake */
    int events_edited;   /* events came from an edited events.csv (gs_gait_options.events_csv) */
    double kappa_px;     /* contact threshold on foot height used by the last event pass */
    int ic_kink;         /* rear/front: contacts from the kink of the ankle's path (events) */
    /* overground side views: the ground's backward speed in the picture, sampled on the feet
     * in stance (gait_metrics.c camera_motion); cam_follows when the camera moves with the
     * person, and then lengths add the camera's travel */
    double *cam_t, *cam_v; /* sample times (s) and speeds (canonical px/s, + backward) */
    int n_cam;
    double cam_med_ll_s;   /* median speed in leg lengths/s, NAN when not measured */
    int cam_follows;
    double pelvis_ref_deg; /* rear/front: level of the hip line (left hip above right, median
                            * over the used strides) pelvic drop and hip hike are taken from;
                            * NAN elsewhere (gait_metrics.c) */
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

/** A treadmill stance foot's backward image speed (canonical px/s; the belt's during mid-stance):
 *  the foot's middle (heel and foot_index mean) from 20 to 60 % of the stance [t_ic, t_to], after
 *  a rearfoot strike's roll to flat and before heel rise; NAN without both times. */
double gs_gait__stance_foot_speed(const gs_gait_result *r, int side, double t_ic, double t_to);

/* The ground's speed in the picture on every stance and whether the camera follows the person
 * (r->cam_t, cam_v, n_cam, cam_med_ll_s, cam_follows; gait_metrics.c); note: 1 adds the note that
 * says so. 0, or -1 out of memory. */
int gs_gait__camera_motion(gs_gait_result *r, int note);

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

/* ---- Events internals (gait_signal.c, gait_strides.c, gait_events*.c) ---- */

/** Per-side signals of one event pass (buffers of r->n + 1 doubles, owned by gs_gait__events). */
typedef struct gs_gait__sig {
    double *heel_rel[2]; /* heel X - mid-hip X (px) */
    double *toe_rel[2];  /* toe X - mid-hip X */
    double *low[2];      /* lowest of heel/toe Y minus the foot's ground level (px) */
    double *lsm[2];      /* low, smoothed */
    double *sm;          /* scratch: smoothed signal */
    double ground[2];    /* ground level per foot (canonical Y) */
} gs_gait__sig;

/** qsort comparator for doubles, ascending. */
int gs_gait__cmp_double(const void *a, const void *b);

/** The metric with this analysis.json key, or NULL when the result has none (no values yet). */
gs_gait__metric *gs_gait__metric_find(const gs_gait_result *r, const char *key);

/** 1 when frames i and j are both in range, valid and of the same pass. */
int gs_gait__same_seg(const gs_gait_result *r, int32_t i, int32_t j);

/** Local quadratic regression of y over +-h s inside each frame's segment, into out. */
void gs_gait__smooth(const gs_gait_result *r, const double *y, double *out, double h);

/** Least-squares line y = a + b (t - t0) through the frames idx[0..m-1]; 0 when degenerate. */
int gs_gait__fit_line(const gs_gait_result *r, const int32_t *idx, int m, const double *y,
                      double t0, double *a, double *b);

/** Sub-frame time (s) of the kink-shaped extremum of y at frame i, from k samples each side. */
double gs_gait__kink_time(const gs_gait_result *r, const double *y, int32_t i, int k);

/** Step time (s) from the mid-hip bounce; 0.5 when unclear. scratch: r->n doubles. */
double gs_gait__step_period(const gs_gait_result *r, double *scratch);

/**
 * 1 when frame i is valid and sign * y[i] is the extreme of sign * y over the frames of its
 * segment within +-win_s (ties before i keep i, ties after i do not).
 */
int gs_gait__window_ext(const gs_gait_result *r, const double *y, int32_t i, double win_s,
                        int sign);

/** Most samples gs_gait__hinge_time() takes: 0.4 s at 120 fps (walk_ic's window). */
#define GS_GAIT_HINGE_MAX 50

/**
 * Change point t0 in [ta, tb] of a foot leaving (dir +1) or reaching (dir -1) the ground, from
 * the samples idx[0..m-1] (6..GS_GAIT_HINGE_MAX frames) of its height y: a level L on the stance side, L + b h +
 * c h^2 with h = max(0, dir (t - t0)) on the swing side (a foot that leaves with a speed and an
 * acceleration); least squares over a grid of 81 t0, refined by a parabola through the residuals.
 * The residual is continuous in the data, so tiny noise moves t0 a little, never by a frame.
 * NAN when it cannot be fitted.
 */
double gs_gait__hinge_time(const gs_gait_result *r, const double *y, const int32_t *idx, int m,
                           double ta, double tb, int dir);

/**
 * Peak time t0 in [ta, tb] of a signal y that rises steadily and then turns over without a jump
 * in slope on the far side: a line L + b h for h = t - t0 < 0, L + c h^2 after (slope 0 at t0).
 * Weighted least squares over the samples idx[0..m-1] (5..GS_GAIT_HINGE_MAX frames, weights w in
 * (0, 1]) on a grid of 81 t0, refined by a parabola through the residuals, as
 * gs_gait__hinge_time: with weights that fall to 0 at the window's ends the residual is continuous
 * in the data. NAN when it cannot be fitted.
 */
double gs_gait__turn_time(const gs_gait_result *r, const double *y, const int32_t *idx,
                          const double *w, int m, double ta, double tb);

/**
 * Landing time (s) of a falling landmark height y: the steepest fall between consecutive frames
 * in [ta, tb], then the time its speed has dropped to frac of that (linear between the
 * intervals' mid-times). For a fall at constant speed that stops at once, frac 0.5 gives the stop
 * to within 0.1 frame wherever it lies between two frames; a fall that slows before the stop needs
 * a lower frac. NAN when nothing falls or the fall runs into a segment end.
 */
double gs_gait__landing_time(const gs_gait_result *r, const double *y, double ta, double tb,
                             double frac);

/** Replaces r's events by those of an edited events.csv (gait_output.c). GS_ERR_IO, GS_ERR_FORMAT,
 *  GS_ERR_NOMEM. */
gs_status gs_gait__read_events_csv(gs_gait_result *r, const char *path, gs_error *err);

/** Appends an event (type 0 IC, 1 TO) at time t (s); a non-finite t is ignored. GS_ERR_NOMEM. */
gs_status gs_gait__add_event(gs_gait_result *r, int side, int type, double t, gs_error *err);

/** Sorts r's events by time. */
void gs_gait__sort_events(gs_gait_result *r);

/** Builds strides from the sorted events; marks and explains the implausible ones. GS_ERR_NOMEM. */
gs_status gs_gait__build_strides(gs_gait_result *r, gs_error *err);

/** Running or walking from the pelvis phase over the used strides; UNKNOWN when they disagree. */
gs_gait_activity gs_gait__activity_from_pelvis(gs_gait_result *r);

/** Running or walking from the flight time and the duty factor; UNKNOWN when they disagree. */
gs_gait_activity gs_gait__activity_from_flight(gs_gait_result *r);

/** Sets r->activity from the final events: flight vote, the pelvis phase where they disagree. */
void gs_gait__activity_decide(gs_gait_result *r);

/** Median duty factor over the used strides; NAN if none. */
double gs_gait__duty_factor(gs_gait_result *r);

/** Rebuilds strides and scores the current events (usable strides, -1000 when implausible). */
double gs_gait__event_score(gs_gait_result *r, gs_error *err, gs_status *rc);

/** Zeni extrema of y as events of side/type (gait_events_side.c). GS_ERR_NOMEM. */
gs_status gs_gait__zeni(gs_gait_result *r, const double *y, double *sm, int side, int type,
                        int sign, int k, double h, double ext_win, double amp_win, gs_error *err);

/** gs_gait__apply_shifts flags: a toe-off's own shift beyond the tolerance is clamped to the
 *  median +- it (side-view running); contacts: the reference leaves out the late shifts and only
 *  late ones are replaced (side-view walking). */
#define GS_GAIT__SHIFT_CLAMP_TO 1
#define GS_GAIT__SHIFT_LATE_IC 2

/** Moves each event by its shift off[e] (s) from Zeni's time, or by its foot and type's median
 *  shift where its own is missing or more than 50 ms (2 frames) from it; flags: 0 or
 *  GS_GAIT__SHIFT_* (gait_events_side.c); tmp: r->n_ev doubles. */
void gs_gait__apply_shifts(gs_gait_result *r, const double *off, double *tmp, int flags);

/** Side-view running: moves each Zeni event to the foot-height event next to it. GS_ERR_NOMEM. */
gs_status gs_gait__refine_running(gs_gait_result *r, double *const low[2], double *const sm[2],
                                  double kappa, int k, gs_error *err);

/** Treadmill running (side views): moves each contact to where the foot moves back with the belt
 *  (gait_events_side.c); needs the strides built. Returns the number of contacts moved, -1 when
 *  out of memory. */
int gs_gait__belt_contacts(gs_gait_result *r);

/** Side-view walking: moves each Zeni event to the foot event next to it, each stance with its
 *  own ground (gait_events_walk.c); sets noise_px and kappa_px. GS_ERR_NOMEM. */
gs_status gs_gait__refine_walking(gs_gait_result *r, gs_gait__sig *g, double dt,
                                  gs_error *err);

/** Lowest of heel and toe of side on frame i (canonical Y). */
double gs_gait__raw_low(const gs_gait_result *r, int32_t i, int side);

/** A sample and its weight, for gs_gait__whd_median. */
typedef struct gs_gait__wval {
    double v, w;
} gs_gait__wval;

/** Weighted Harrell-Davis median of x[0..n-1] (reordered: sorted by value); NAN when the
 *  weights sum to 0. Continuous in the values and the weights (gait_events_height.c). */
double gs_gait__whd_median(gs_gait__wval *x, int n);

/**
 * The ramped window [a, b] s, frame by frame: the first frame to ask about
 * (gs_gait__window_first), then gs_gait__window_weight for each frame from it on: the frame's
 * weight, how far inside the window it lies (a linear ramp one frame interval wide at either end,
 * so that a window end moving by a fraction of a frame moves the weights continuously; 0 for an
 * invalid frame or one outside the segment of frame seg when seg >= 0), or -1 once past the
 * window's end (stop there).
 */
int32_t gs_gait__window_first(const gs_gait_result *r, double a);
double gs_gait__window_weight(const gs_gait_result *r, int32_t i, double a, double b, int32_t seg);

/**
 * Appends to x (at most cap - *n more) the lowest foot point of side over [a, b] s, each sample
 * weighted by how far inside the window it lies (a linear ramp one frame interval wide at either
 * end), so that a window end moving by a fraction of a frame moves the weights continuously.
 * seg >= 0: only frames in the segment of frame seg.
 */
void gs_gait__window_lows(const gs_gait_result *r, int side, double a, double b, int32_t seg,
                          gs_gait__wval *x, int *n, int cap);

/** gs_gait__window_lows about a line: each lowest point less slope (t - tc) (px/s, s). */
void gs_gait__window_lows_about(const gs_gait_result *r, int side, double a, double b, int32_t seg,
                                double slope, double tc, gs_gait__wval *x, int *n, int cap);

/** The weighted sums of a least-squares line through val over the ramped window [a, b] s of
 *  seg's segment (weights as gs_gait__window_weight's), time counted from t0, the first weighted
 *  frame's: slope = (sw sty - st sy) / (sw stt - st^2), the weighted mean time t0 + st / sw. */
typedef struct gs_gait__wline {
    int n; /* weighted frames */
    double t0, sw, st, sy, stt, sty;
} gs_gait__wline;

/** Fills m for val(r, i, ctx) on the window's frames; returns m->n. */
int gs_gait__window_line(const gs_gait_result *r, double a, double b, int32_t seg,
                         double (*val)(const gs_gait_result *, int32_t, const void *),
                         const void *ctx, gs_gait__wline *m);

/** Ground level per foot (and r->noise_px from the stances when use_strides). */
void gs_gait__ground_levels(gs_gait_result *r, gs_gait__sig *g, int use_strides);

/** The complete stances of the sorted events ev: to[e] = the index of IC ev[e]'s same foot's
 *  next event when it is a TO later in the IC's segment and the stance lasts 0.75-1.33 times the
 *  median of such stances (as gs_gait__build_strides drops strides), else -1 (and -1 for every
 *  TO). Returns that median (NAN when there is none). scratch: n_ev doubles. */
double gs_gait__stances(const gs_gait_result *r, const gs_gait_event *ev, int n_ev, int *to,
                        double *scratch);

/** Overground side-view running: per-stance ground levels from the stances of the sorted Zeni
 *  events ev into g->low / g->lsm (smoothed over +-h s) and r->noise_px from the stances' own
 *  levels; 0 (nothing changed) when a foot has none. */
int gs_gait__stance_ground(gs_gait_result *r, gs_gait__sig *g, const gs_gait_event *ev, int n_ev,
                           double h);

/** IC (s) of the stance from Zeni IC r->ev[ic] to the same foot's TO r->ev[to] as the walking
 *  contacts take it (gait_events_walk.c): the change point of the foot's X relative to its
 *  footprint, which moves with the ground in the picture; NAN when it cannot be fitted. v:
 *  scratch of r->n doubles, wx of r->n. */
double gs_gait__footprint_ic(const gs_gait_result *r, int ic, int to, double *v,
                             gs_gait__wval *wx);

/** IC time (s) of the contact run [s0, s_end] of the height signal low; NAN if none. */
double gs_gait__ic_at(const gs_gait_result *r, const double *low, int32_t s0, int32_t s_end,
                      double kappa, int k);

/** TO time (s) of the contact run [s_start, s1] of the height signal low; NAN if none. */
double gs_gait__to_at(const gs_gait_result *r, const double *low, int32_t s1, int32_t s_start,
                      double kappa, int k);

/** gs_gait__to_at with the hinge's search range placed on the sub-frame threshold crossing
 *  (cont 1: side-view running) instead of on frames s1 - 1 and s1 + 1 (cont 0). */
double gs_gait__to_at_range(const gs_gait_result *r, const double *low, int32_t s1,
                            int32_t s_start, double kappa, int k, int cont);

/** Rear/front views: per foot, its contacts (n_ic) and those at which its landmarks lie on the
 *  other foot's, within 0.1 leg length over the contact frame and the next (n_hidden). */
void gs_gait__hidden_contacts(const gs_gait_result *r, int n_hidden[2], int n_ic[2]);

/** Contact runs of one foot's height as IC/TO events. GS_ERR_NOMEM. */
gs_status gs_gait__height_events(gs_gait_result *r, const double *low, const double *sm, int side,
                                 double kappa, int k, gs_error *err);

/** Rear/front views: stances from foot stillness around pelvis-anchored mid-stances. */
gs_status gs_gait__frontal_events(gs_gait_result *r, gs_gait__sig *g, double kappa, int k,
                                  double dt, gs_error *err);

/** Rear/front views: the more plausible of the height and the anchored event sets. */
gs_status gs_gait__frontal_choose(gs_gait_result *r, gs_gait__sig *g, double kappa, int k,
                                  double dt, gs_error *err);

#endif /* GS_GAIT_IMPL_H */
