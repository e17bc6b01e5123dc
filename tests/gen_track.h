/*
 * Synthetic pose tracks with known truth, for the gait stage's tests and the gs_gen_track tool.
 *
 * The body is a parametric 3D stick figure (segment lengths from body height, Winter's
 * anthropometric fractions). The feet follow prescribed paths: a stance foot rolls heel (or toe)
 * -> flat -> toe on the ground, which moves backward at the belt/walking speed relative to the
 * pelvis; a swing foot follows a lifted path whose lowest point (heel or toe) is strictly above
 * the ground. The knee comes from two-link inverse kinematics from hip to ankle. So contact is
 * defined by foot-ground geometry (lowest foot point on the ground), never by the detector's rule,
 * and the true events are the stance intervals the parameters set.
 *
 * Frontal deviations are injected on top: contralateral pelvic drop, knee valgus (medial knee
 * offset), trunk lateral lean, step width, swing circumduction. The figure is projected
 * orthographically into a side view (either direction of travel), a rear or a front view, with
 * camera roll, pixel noise, occlusion gaps and constant or variable frame timing.
 *
 * A second foot model (foot_model 1, gs_gen_use_foot2) does not share the event detector's
 * assumptions: a two-segment foot (rear foot and toes hinged at the MTP joint) whose landmarks sit
 * off the sole (the heel landmark behind and above the heel's sole edge, the toe landmark above
 * the toe tip), so the lowest landmark is not the contact point and its height changes with the
 * foot's pitch; the first sole point lands with a downward speed and a foot still moving back
 * toward the pelvis (swing-leg retraction); the foot slaps down about the first contact point
 * (heel, whole sole or toe tip by the strike angle); the heel rises about the MTP joint while the
 * toes stay flat, then the toes roll about their tip until toe-off; one-frame dropouts filled with
 * the neighbours' mean as the pose stage's gap filler does. Contact is still defined by geometry
 * (lowest SOLE point on the ground), so the true events stay exact.
 *
 * Pose-model noise (rn_*, gs_gen_use_real_noise; off unless set): what BlazePose's raw landmarks
 * show on the labelled clips, about ten times noise_px's 1 px: SDs in leg lengths per group
 * (feet 0.022, knees 0.016, the rest 0.012), each series AR(1) from frame to frame, a foot's
 * ankle, heel and foot_index sharing most of theirs (they move together on the real clips), wild
 * frames now and then (the real residuals' heavy tails). Made that way a track is meant to go
 * through gs_pose_clean() as the pose stage's tracks do. The measurements are in gen_track.c.
 */
#ifndef GS_GEN_TRACK_H
#define GS_GEN_TRACK_H

#include "pose.h"

/** Camera placement of the generator. */
typedef enum gs_gen_view {
    GS_GEN_SIDE = 0,  /* camera at the person's side; direction picks which */
    GS_GEN_REAR = 1,  /* camera behind the person */
    GS_GEN_FRONT = 2  /* camera in front of the person */
} gs_gen_view;

/** Parameters; gs_gen_defaults() fills a plausible runner. Index [0] = left, [1] = right. */
typedef struct gs_gen_params {
    int walk;                   /* 0 running, 1 walking */
    double cadence_spm;         /* steps per minute, both feet */
    double contact_ms[2];       /* ground contact time per foot */
    double strike_deg[2];       /* foot angle vs ground at IC, + toes up (rearfoot) */
    double toeoff_deg[2];       /* foot pitch at toe-off, toes down (positive number) */
    double ic_ahead_m[2];       /* heel ahead of the mid-hip at IC */
    double crouch_m;            /* pelvis lowered below the reach limit (more knee flexion) */
    double clearance_m;         /* peak height of the swing foot's lowest point */
    double trunk_lean_deg;      /* forward trunk lean, constant */
    double vert_osc_m;          /* pelvis vertical peak-to-peak */
    double speed_m_s;           /* belt speed (treadmill) or walking/running speed */
    int treadmill;              /* 1: pelvis stays put; 0: progresses (static camera) */
    double follow_m_s;          /* overground: the camera travels with the person at this speed
                                 * at mid-clip (a phone panning with a runner; 0 still) ... */
    double follow_accel_m_s2;   /* ... speeding up by this much per second */
    double cam_rise_m_s;        /* the camera rises (a hand-held phone drifting, a tripod's
                                 * head tilting): the picture moves down by this much per
                                 * second, from mid-clip ... */
    double cam_bob_m, cam_bob_hz; /* ... and bobs up and down by this amplitude at this rate */
    double height_m;            /* body height */
    double pelvic_drop_deg[2];  /* peak contralateral drop during this side's stance */
    double valgus_m[2];         /* peak medial knee offset during this side's stance */
    double trunk_lat_deg[2];    /* peak trunk lean toward this side during its stance */
    double step_width_m;        /* lateral distance between the feet */
    double circumduction_m[2];  /* peak extra outward swing-foot excursion */
    double arm_swing_deg;       /* amplitude of the shoulder angle */
    double elbow_deg;           /* elbow flexion, constant */
    /* camera */
    gs_gen_view view;
    int direction;              /* side view: +1 travels toward image right, -1 toward left */
    double roll_deg;            /* camera roll: the ground appears rotated by this angle */
    double tilt_deg;            /* rear/front: camera above, looking down by this angle, so a
                                 * point farther away sits higher in the picture (0: level) */
    double px_per_m;            /* image scale */
    int width, height;          /* image size */
    double fps;                 /* frame rate */
    int vfr;                    /* 1: frame intervals vary 0.7..1.3 x 1/fps */
    double duration_s;          /* clip length */
    double t_offset_s;          /* time of the first frame within the gait cycle */
    double noise_px;            /* Gaussian SD added to x and y */
    unsigned seed;              /* noise / VFR seed */
    int n_gaps;                 /* occlusion gaps: frames with no person */
    double gap_t0_s[4], gap_len_s[4];
    /* second foot model (foot_model 1; 0 keeps the original rolling foot, see gen_track.c) */
    int foot_model;             /* 0 rolling foot, landmarks on the sole; 1 two-segment foot */
    double land_speed_m_s;      /* model 1: downward speed of the first sole point at IC */
    double lift_speed_m_s;      /* model 1: upward speed of the swing reference point at TO */
    double retract_frac;        /* model 1: foot speed back toward the pelvis at IC / speed */
    double toe_back;            /* model 1: 0 puts the toe landmark at the tip (2 % of a foot
                                 * length behind it, 6 % above the sole); > 0 this fraction of a
                                 * foot length behind the tip, 6 % above the sole, on the toes or,
                                 * beyond the MTP joint (0.28), on the rear foot, where it rises
                                 * with the heel before the tip leaves (see gen_track.c) */
    double hang_s, hang_m;      /* model 1, treadmill running: the swing foot comes to rest in
                                 * the air hang_m above its landing point hang_s before the
                                 * touch and sinks straight down onto the belt, which carries it
                                 * from the touch on (0: lands moving back, retract_frac). Seen
                                 * on a ~10x slow-motion treadmill clip: about 23 ms 1-7 px
                                 * (3-15 mm) up, docs/events-history.md; so the foot's most forward
                                 * point and the end of its fall come before the touch */
    double dropout_every_s;     /* > 0: one frame this often is its neighbours' mean (gap fill) */
    /* pose-model noise (0 = off; gs_gen_use_real_noise sets the measured figures), see below */
    double rn_sd_ll[3];         /* SD in leg lengths: feet (ankle, heel, toe), knees, the rest */
    double rn_ar1;              /* lag-1 autocorrelation of each noise series (per frame) */
    double rn_foot_common;      /* share of a foot's noise variance its 3 landmarks share */
    double rn_tail_rate;        /* chance per frame and foot (or landmark) of a wild value ... */
    double rn_tail_mult;        /* ... this many times the SD */
} gs_gen_params;

/** A true gait event. */
typedef struct gs_gen_event {
    int side;   /* 0 left, 1 right */
    int type;   /* 0 IC, 1 TO */
    double t_s; /* time */
} gs_gen_event;

/** True sagittal and frontal angles of one side at one instant (degrees, DESIGN.md signs). */
typedef struct gs_gen_angles {
    double trunk_lean, hip_flexion, knee_flexion, ankle_df, foot, shank, thigh;
    double pelvic_drop; /* contralateral hip below this side's hip, + = drops */
    double knee_fppa;   /* + medial (valgus) */
    double hip_adduction;
    double trunk_lateral; /* + toward this side */
    int in_contact;       /* lowest foot point on the ground */
} gs_gen_angles;

/** Fills p with a runner on a treadmill filmed from the side at 60 fps (10 s). */
void gs_gen_defaults(gs_gen_params *p);

/** Same for a walker. */
void gs_gen_defaults_walk(gs_gen_params *p);

/** gs_gen_defaults_walk when walk, else gs_gen_defaults. */
void gs_gen_defaults_for(gs_gen_params *p, int walk);

/**
 * Switches p to the second foot model (foot_model 1) with its defaults for p->walk; strike
 * angle, contact times and the rest stay as set. Call after gs_gen_defaults[_walk].
 */
void gs_gen_use_foot2(gs_gen_params *p);

/**
 * Adds the pose-model noise measured on the real clips' raw landmarks (rn_*; see gen_track.c);
 * scale multiplies its SDs. Call after the defaults; pass the track through gs_pose_clean() as
 * the pose stage does.
 */
void gs_gen_use_real_noise(gs_gen_params *p, double scale);

/**
 * Generates the track. Caller frees *out with gs_pose_track_free(). GS_ERR_ARG when the
 * parameters are impossible (the leg cannot reach the foot), GS_ERR_NOMEM.
 */
gs_status gs_gen_track(const gs_gen_params *p, gs_pose_track **out, gs_error *err);

/**
 * The true events inside [0, duration]: writes up to cap events sorted by time, returns the
 * count (may exceed cap).
 */
int gs_gen_events(const gs_gen_params *p, gs_gen_event *ev, int cap);

/** True angles of side (0 left, 1 right) at time t. */
void gs_gen_truth(const gs_gen_params *p, double t, int side, gs_gen_angles *a);

#endif /* GS_GEN_TRACK_H */
