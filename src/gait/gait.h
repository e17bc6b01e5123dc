/*
 * gaitscope gait stage: from a pose track (pose.h) to joint angles per frame, gait events, strides,
 * per-stride metrics with left/right statistics, time-normalised curves, and the gait part of
 * analysis.json ("gaitscope.analysis/1", ../shared/DESIGN.md "Artifacts" and "Conventions").
 *
 * Coordinates: every angle is computed in a canonical frame made from the image by (1) rotating
 * so that the ground line (fitted to the stance feet) is horizontal and (2) mirroring so that the
 * person always travels toward +X in side views and the person's right is +X in rear/front views.
 * So an angle has the same sign whichever way the person travels or faces the camera.
 *
 * Units: angles in degrees, times in seconds (ms in metric keys), cadence in steps per minute
 * (both feet; a stride is two steps). Lengths are in leg lengths (hip-knee + knee-ankle, "_ll"
 * keys) unless a scale is known (then cm, "_cm" keys): a known distance in the frame, else the
 * body height, else the treadmill belt speed against the stance foot's speed (gait_scale.c).
 */
#ifndef GS_GAIT_H
#define GS_GAIT_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "common.h"
#include "pose.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Camera view. Side views are named by the side of the body that faces the camera. */
typedef enum gs_gait_view_kind {
    GS_GAIT_VIEW_UNKNOWN = 0,
    GS_GAIT_VIEW_SIDE_LEFT = 1,  /* camera sees the left side: the person faces image-left */
    GS_GAIT_VIEW_SIDE_RIGHT = 2, /* camera sees the right side: the person faces image-right */
    GS_GAIT_VIEW_REAR = 3,       /* camera behind the person */
    GS_GAIT_VIEW_FRONT = 4       /* camera in front of the person */
} gs_gait_view_kind;

/** Running or walking (walking = duty factor above 0.5, i.e. double support exists). */
typedef enum gs_gait_activity {
    GS_GAIT_ACTIVITY_UNKNOWN = 0,
    GS_GAIT_ACTIVITY_RUN = 1,
    GS_GAIT_ACTIVITY_WALK = 2
} gs_gait_activity;

/** Treadmill (pelvis stays in the picture) or overground. */
typedef enum gs_gait_setting {
    GS_GAIT_SETTING_UNKNOWN = 0,
    GS_GAIT_SETTING_TREADMILL = 1,
    GS_GAIT_SETTING_OVERGROUND = 2
} gs_gait_setting;

/** Body side, the person's own. */
typedef enum gs_gait_side { GS_GAIT_SIDE_LEFT = 0, GS_GAIT_SIDE_RIGHT = 1 } gs_gait_side;

/** Gait event type. */
typedef enum gs_gait_event_type {
    GS_GAIT_EVENT_IC = 0, /* initial contact (foot strike) */
    GS_GAIT_EVENT_TO = 1  /* toe-off */
} gs_gait_event_type;

/** What timed an event (events.csv / analysis.json "timed_by"). Append-only. */
typedef enum gs_gait_timing {
    GS_GAIT_TIMED_LANDMARKS = 0, /* the landmark rules (src/gait) */
    GS_GAIT_TIMED_HAND = 1,      /* an events.csv edited by hand (gs_gait_options.events_csv) */
    GS_GAIT_TIMED_IMAGE = 2      /* the picture (analysis): a toe-off where the shoe's tip leaves
                                    the ground, a treadmill contact where the sole reaches the belt */
} gs_gait_timing;

/**
 * Per-frame angles, one value per side (DESIGN.md "Conventions" give the signs). Sagittal angles
 * exist in side views only, frontal angles in rear/front views only, 3D angles when the track has
 * world landmarks (secondary estimates). Append-only.
 */
typedef enum gs_angle {
    GS_ANGLE_TRUNK_LEAN = 0,       /* trunk vs vertical, + forward (same value both sides) */
    GS_ANGLE_HIP_FLEXION = 1,      /* thigh vs trunk line, + flexion, - extension */
    GS_ANGLE_THIGH = 2,            /* thigh (hip->knee) vs vertical, + knee ahead of hip */
    GS_ANGLE_KNEE_FLEXION = 3,     /* 0 straight, + flexed (signed: - hyperextension) */
    GS_ANGLE_ANKLE_DORSIFLEXION = 4, /* 90 - shank/foot included angle, + dorsiflexed */
    GS_ANGLE_FOOT = 5,             /* heel->toe vs ground, + toes up */
    GS_ANGLE_SHANK = 6,            /* knee->ankle vs vertical, + ankle ahead of knee */
    GS_ANGLE_ELBOW_FLEXION = 7,    /* 180 - shoulder-elbow-wrist included angle */
    GS_ANGLE_SHOULDER_FLEXION = 8, /* upper arm vs trunk line, + elbow forward */
    GS_ANGLE_PELVIC_OBLIQUITY = 9, /* this hip above the other vs ground, + this side higher */
    GS_ANGLE_HIP_ADDUCTION = 10,   /* thigh vs pelvis normal, + knee medial */
    GS_ANGLE_KNEE_FPPA = 11,       /* knee frontal-plane projection angle, + medial (valgus) */
    GS_ANGLE_TRUNK_LATERAL = 12,   /* trunk vs vertical in the frontal plane, + toward this side */
    GS_ANGLE_KNEE_FLEXION_3D = 13, /* from world landmarks: 180 - included angle */
    GS_ANGLE_HIP_FLEXION_3D = 14,  /* from world landmarks: thigh vs trunk line, unsigned */
    GS_ANGLE_ELBOW_FLEXION_3D = 15, /* from world landmarks */
    GS_ANGLE_COUNT = 16
} gs_angle;

/* ---- names and keys of analysis.json: one table each (gait_keys.c) ---- */

/** analysis.json name of a view: "side-left", "side-right", "rear", "front", "unknown". */
const char *gs_gait_view_name(gs_gait_view_kind k);
/** Parses a view name (not "unknown"); 0 and *out set, or -1. */
int gs_gait_view_parse(const char *s, gs_gait_view_kind *out);
/** "run", "walk", "unknown". */
const char *gs_gait_activity_name(gs_gait_activity a);
/** Parses "run" / "walk"; 0 and *out set, or -1. */
int gs_gait_activity_parse(const char *s, gs_gait_activity *out);
/** "treadmill", "overground", "unknown". */
const char *gs_gait_setting_name(gs_gait_setting s);
/** Parses "treadmill" / "overground"; 0 and *out set, or -1. */
int gs_gait_setting_parse(const char *s, gs_gait_setting *out);
/** "left" / "right". */
const char *gs_gait_side_name(gs_gait_side s);
/** "IC" / "TO". */
const char *gs_gait_event_name(gs_gait_event_type t);
/** "landmarks", "hand", "image". */
const char *gs_gait_timing_name(gs_gait_timing t);

/** How a metric's values compare (asymmetry: SI % or a difference). Append-only. */
typedef enum gs_metric_kind {
    GS_METRIC_KIND_ANGLE = 0,    /* degrees, near zero or negative: L - R against the pooled SD */
    GS_METRIC_KIND_POSITIVE = 1, /* strictly positive (times, lengths, rates): SI % applies */
    GS_METRIC_KIND_SIGNED = 2    /* may be zero or negative (flight of a walker, crossover) */
} gs_metric_kind;

/** Where a metric is shown. Append-only. */
typedef enum gs_metric_group {
    GS_METRIC_GROUP_TIMING = 0,
    GS_METRIC_GROUP_SAGITTAL = 1,
    GS_METRIC_GROUP_FRONTAL = 2,
    GS_METRIC_GROUP_LENGTH = 3,
    GS_METRIC_GROUP_ARMS = 4,
    GS_METRIC_GROUP_3D = 5,
    GS_METRIC_GROUP_COUNT = 6
} gs_metric_group;

/** One analysis.json metric key (DESIGN.md "Artifacts"; docs/metrics.md defines each). */
typedef struct gs_metric_info {
    const char *key;       /* analysis.json key, unit suffix included ("knee_flexion_ic_deg") */
    const char *unit;      /* "deg", "ms", "steps/min", "fraction", "%", "cm", "leg lengths", "m/s" */
    const char *label;     /* for people ("Knee flexion at contact") */
    gs_metric_kind kind;   /* how values compare */
    gs_metric_group group; /* report section */
    int whole_body;        /* 1: also an "all" entry pooling both sides (cadence) */
    int decimals;          /* decimals worth showing */
    int summary;           /* 1: in the command line's short summary */
    int revision;          /* GS_METRICS_REVISION at which its definition last changed (0: the
                            * first); two analyses on either side of it do not compare */
} gs_metric_info;

/**
 * Revision of the metrics' definitions, written as analysis.json methods.metrics_revision
 * (absent in analyses before it, read as 1). Raised when a metric's definition changes, with
 * that metric's gs_metric_info.revision set to it, so that `compare` does not report a changed
 * definition as a change of the athlete:
 *   2 (session 15): vertical oscillation about the pelvis's level; rear/front lengths scaled by
 *     the segments' own lengths (docs/metrics.md).
 */
#define GS_METRICS_REVISION 2

/** Number of known metrics, and metric i (static; NULL when out of range). */
size_t gs_metric_count(void);
const gs_metric_info *gs_metric_at(size_t i);
/** The metric of key, or NULL when no such metric exists. */
const gs_metric_info *gs_metric_find(const char *key);

/** Column/key name of an angle ("knee_flexion_deg"); NULL if out of range. */
const char *gs_angle_name(gs_angle a);

/** Options of gs_gait_analyze(); all-zero means detect everything, no scale. */
typedef struct gs_gait_options {
    gs_gait_view_kind view;    /* GS_GAIT_VIEW_UNKNOWN: detect */
    gs_gait_activity activity; /* GS_GAIT_ACTIVITY_UNKNOWN: detect */
    gs_gait_setting setting;   /* GS_GAIT_SETTING_UNKNOWN: detect */
    double height_m;           /* body height in metres; 0 = unknown (lengths in leg lengths) */
    double belt_speed_m_s;     /* treadmill belt speed; 0 = unknown */
    double line_px_per_m;      /* scale from a known distance in the frame, px per metre on the
                                  track's (undistorted) coordinates (gs_calib_scale_from_line,
                                  --scale-line); 0 = none */
    double line_uncertainty;   /* its relative 1-SD uncertainty, a fraction; 0 = unknown */
    int min_strides;           /* usable strides needed per side; 0 = 3 */
    double min_duration_s;     /* seconds with a person needed; 0 = 2.0 */
    const char *name;          /* input name used in messages (e.g. the pose.json path) */
    const char *events_csv;    /* an events.csv edited by hand (header side,type,t_s; more
                                  columns ignored): its events replace the detected ones, and
                                  strides, activity and metrics follow them; NULL = detect.
                                  Borrowed. A bad file is GS_ERR_FORMAT naming file and line */
    const struct gs_gait_event *events; /* events timed elsewhere (the analysis's toe-offs or
                                  contacts timed from the picture) replacing the detected ones as
                                  events_csv does, their unc_frames and timed_by kept; n_events of
                                  them; ignored with events_csv. Borrowed */
    int n_events;
    const char *events_note;   /* with events: the note saying where they came from (in place of
                                  "events edited by hand"; methods.events_edited stays false) */
    const char *swap_legs;     /* a correction where the tracker labelled the legs the wrong way
                                  round: "all", or time ranges "T1-T2[,T3-T4...]" (at most 16) in
                                  seconds of the track's clock; left and right hip, knee, ankle,
                                  heel and foot index are exchanged there before anything else,
                                  and a note says so. NULL = none. Borrowed. A malformed list is
                                  GS_ERR_ARG */
    const gs_pose_track *picture; /* the same frames' landmarks in the decoded picture's pixels
                                  when the track's were moved (undistorted by a camera profile):
                                  feet out of the picture are judged on these; NULL = the track.
                                  Borrowed */
} gs_gait_options;

/** One detected gait event. */
typedef struct gs_gait_event {
    gs_gait_side side;
    gs_gait_event_type type;
    double t_s;   /* sub-frame time, seconds on the track's clock */
    double frame; /* fractional frame index (interpolated between frame timestamps) */
    double unc_frames; /* standard uncertainty (1 SD) of the event time, frames (docs/metrics.md
                        * section 3a: measured method error, landmark noise over the foot's
                        * vertical speed, frame quantum); NAN when not known */
    gs_gait_timing timed_by; /* what timed it */
} gs_gait_event;

/** One stride: initial contact to the next initial contact of the same foot. */
typedef struct gs_gait_stride {
    gs_gait_side side;
    double t0_s, t1_s; /* the two initial contacts */
    double to_s;       /* toe-off inside the stride, or NAN */
    int used;          /* 1 if it enters the metrics */
    char why[96];      /* why it was dropped ("" when used) */
} gs_gait_stride;

/** View, as detected (or forced). */
typedef struct gs_gait_view {
    gs_gait_view_kind kind;
    int facing;        /* side views: +1 the person faces image-right, -1 image-left; else 0 */
    double confidence; /* 0..1 (1 when forced) */
    int passes;        /* walking passes found (a turn starts a new pass; so does a stretch
                          walked backwards) */
    int turns;         /* side views: times the person turned round (the facing reversed), so
                          that each side of the body faced the camera; 0 otherwise */
} gs_gait_view;

/** The analysis result (opaque). */
typedef struct gs_gait_result gs_gait_result;

/**
 * Analyses a pose track. On success *out is the result (free with gs_gait_result_free()).
 * Returns GS_OK; GS_ERR_TOO_FEW when the track is too short or there are too few usable strides
 * (err says how many were found and how many are needed), GS_ERR_UNSUPPORTED when the view
 * cannot be told and GS_ERR_FORMAT when the landmarks give no leg length: in these cases *out
 * still holds the partial result (view, angles, events that were found) for the caller to write.
 * GS_ERR_ARG (NULL track), GS_ERR_NOMEM: *out is NULL. GS_ERR_FORMAT with *out NULL when the
 * input is invalid: times not finite or not increasing, a landmark coordinate beyond 1e6 px,
 * or every landmark's visibility 0 (the message names the frame and landmark). Events in rear/front
 * views are less reliable than in side views (docs/metrics.md). t is borrowed; the result copies
 * what it needs.
 */
gs_status gs_gait_analyze(const gs_pose_track *t, const gs_gait_options *opt, gs_gait_result **out,
                          gs_error *err);

/** Frees *r and sets it to NULL; NULL is a no-op. */
void gs_gait_result_free(gs_gait_result **r);

/** The view. */
gs_gait_view gs_gait_result_view(const gs_gait_result *r);

/** Running or walking. */
gs_gait_activity gs_gait_result_activity(const gs_gait_result *r);

/** Treadmill or overground. */
gs_gait_setting gs_gait_result_setting(const gs_gait_result *r);

/** Number of frames (same as the track). */
int32_t gs_gait_result_n_frames(const gs_gait_result *r);

/**
 * Angle a of side at frame (degrees), or NAN when the view cannot show it, the frame has no
 * person, or the landmarks are missing.
 */
double gs_gait_result_angle(const gs_gait_result *r, int32_t frame, gs_gait_side side, gs_angle a);

/** Events sorted by time; *n receives the count. Valid while r lives. */
const gs_gait_event *gs_gait_result_events(const gs_gait_result *r, int *n);

/** Strides (left ones then right ones, each by time); *n receives the count. */
const gs_gait_stride *gs_gait_result_strides(const gs_gait_result *r, int *n);

/**
 * Statistics of metric key (e.g. "cadence_spm") for side (GS_GAIT_SIDE_LEFT/RIGHT, or -1 for "all",
 * which only whole-body metrics have). Returns 1 and fills mean/sd/n (sd NAN when n < 2) when the
 * metric exists, 0 when it does not (absent for this view/scale).
 */
int gs_gait_result_metric(const gs_gait_result *r, const char *key, int side, double *mean,
                          double *sd, int *n);

/**
 * The ground line in image pixels, for drawing: a point on it (x0, y0) and its angle in degrees
 * (+ = rises to the right on screen). y0 is the ground level of the feet near that point.
 */
void gs_gait_result_ground(const gs_gait_result *r, double *x0, double *y0, double *angle_deg);

/**
 * Builds the analysis.json object ("format": "gaitscope.analysis/1") without "findings", for the
 * next stages to extend. Caller frees with cJSON_Delete(). NULL on out of memory.
 */
cJSON *gs_gait_result_to_json(const gs_gait_result *r);

/**
 * The smallest left - right difference of an event-timing metric ("ground_contact_ms",
 * "step_time_ms", "flight_ms"; ms) that the stated uncertainty of the events of an analysis.json
 * object cannot explain: MDC95 = 1.96 x the SD of L - R, each foot's events carrying their
 * median events[].unc_frames as an error its strides share (docs/rules.md). "duty_factor" (a
 * fraction: contact over stride time) gets the contact time's MDC over the mean stride time.
 * NAN for any other key, or when the object states no unc_frames, no source.fps (or, for the
 * duty factor, no stride time).
 */
double gs_gait_event_mdc_ms(const cJSON *analysis, const char *key);

/** Which leg an analysis.json object's camera saw less of (the far leg of a side view). */
typedef enum gs_gait_far_leg {
    GS_GAIT_FAR_NONE = -1, /* rear, front or unknown view: both legs seen alike */
    GS_GAIT_FAR_LEFT = 0,  /* side-right: the camera sees the person's right side */
    GS_GAIT_FAR_RIGHT = 1, /* side-left */
    GS_GAIT_FAR_EACH = 2   /* a side view with view.turns > 0: the person turned round, so each
                              leg was the far one in turn (view.passes also counts stretches
                              walked backwards, which keep the same side to the camera) */
} gs_gait_far_leg;

/** The far leg of an analysis.json object, from view.kind and view.turns. */
gs_gait_far_leg gs_gait_analysis_far_leg(const cJSON *analysis);

/** Writes gs_gait_result_to_json() to path (pretty-printed). GS_ERR_IO / GS_ERR_NOMEM. */
gs_status gs_gait_write_analysis_json(const char *path, const gs_gait_result *r, gs_error *err);

/**
 * Writes angles.csv: one row per frame (frame, t_s), then left_<angle> and right_<angle> columns
 * for every angle the view shows; an empty cell is a missing value. GS_ERR_IO.
 */
gs_status gs_gait_write_angles_csv(const char *path, const gs_gait_result *r, gs_error *err);

/** Writes events.csv: side, type (IC/TO), t_s, frame, unc_frames. GS_ERR_IO. */
gs_status gs_gait_write_events_csv(const char *path, const gs_gait_result *r, gs_error *err);

/* ---- Camera placement checks (gait_camera.c: methods, thresholds and their reasons) ---- */

/** Placement problems found by gs_gait_camera_check(); bits, explicit and append-only. */
typedef enum gs_gait_camera_flag {
    GS_GAIT_CAMERA_SMALL = 1 << 0,        /* leg_length_frac < 0.20: runner small in the frame */
    GS_GAIT_CAMERA_CROPPED = 1 << 1,      /* leg_length_frac > 0.45: head or feet leave the frame */
    GS_GAIT_CAMERA_DEPTH_CHANGE = 1 << 2, /* leg_length_change_frac > 0.10: distance changes */
    GS_GAIT_CAMERA_TOO_CLOSE = 1 << 3,    /* near_far_leg_ratio > 1.08: camera ~3 m or closer */
    GS_GAIT_CAMERA_TILTED = 1 << 4        /* |tilt_deg| > 3: camera not level */
} gs_gait_camera_flag;

/** How the camera saw the runner (analysis.json "camera"). NAN = not measurable. */
typedef struct gs_gait_camera {
    double leg_length_frac;        /* median leg length (hip-knee + knee-ankle; near leg in side
                                      views, mean of both otherwise) / image height */
    double leg_length_change_frac; /* (max - min) / median of the 1.5 s medians of that length */
    double near_far_leg_ratio;     /* side views: median near-leg / far-leg length */
    double tilt_deg;               /* fitted ground line angle, + rises to the right; NAN when
                                      the ground is the image horizontal (no fit) */
    uint32_t flags;                /* gs_gait_camera_flag bits */
} gs_gait_camera;

/**
 * Camera placement figures of a clip from its track t and the gait result r made from it (same
 * frames; t as given to gs_gait_analyze()). Both are borrowed. GS_OK; GS_ERR_ARG when t and r do
 * not match; GS_ERR_NOMEM.
 */
gs_status gs_gait_camera_check(const gs_pose_track *t, const gs_gait_result *r, gs_gait_camera *out,
                               gs_error *err);

/** One line of advice for a flag (static text; "" for an unknown flag). */
const char *gs_gait_camera_flag_text(gs_gait_camera_flag f);

/**
 * The figures as analysis.json's "camera" object: the four numbers (null when NAN), "flags"
 * (names: small, cropped, depth_change, too_close, tilted) and "warnings" (their advice).
 * Caller frees with cJSON_Delete(); NULL on out of memory.
 */
cJSON *gs_gait_camera_to_json(const gs_gait_camera *c);

/* Angle helpers (exposed for tests and the overlay); points in canonical coordinates, Y up. */

/** A 2D point. */
typedef struct gs_pt2 {
    double x, y;
} gs_pt2;

/** Knee flexion (deg) of hip, knee, ankle: 0 straight, + when the shank folds back (X forward). */
double gs_gait_knee_flexion_deg(gs_pt2 hip, gs_pt2 knee, gs_pt2 ankle);

#ifdef __cplusplus
}
#endif
#endif /* GS_GAIT_H */
