/*
 * gaitscope analysis: the whole pipeline as one library call, and the one owner of analysis.json.
 *
 * gs_analyze_run() does what `gaitscope analyze` does (DESIGN.md "Pipeline"): pose tracking (or a
 * pose.json read back), gait kinematics, per-stride leg visibility, NKT findings, then angles.csv,
 * events.csv, metrics.csv, pose.trc, overlay.mp4, key frames, report.html and analysis.json, under
 * the output-folder policy of common.h (gs_outdir: a .gaitscope-run manifest, every output staged
 * and renamed into place, analysis.json last with "status" "done" or "failed"). The command line,
 * the comparison and the service's workers all call it; nothing else re-implements the pipeline.
 *
 * analysis.json ("gaitscope.analysis/1", docs/schemas/analysis.schema.json) is written by the
 * gait stage's builder (gs_gait_result_to_json) extended here, and read back here into a typed
 * struct (gs_analysis_read) that reads exactly the documented keys: a required key that is missing
 * or has the wrong type is an error naming the key and the file; unknown keys are ignored.
 *
 * Threads: the library never changes process-wide settings; the program calls
 * gs_analyze_process_init() once. Runs may go on in several threads if each has its own models
 * handle (a handle serves one run at a time).
 */
#ifndef GS_ANALYSIS_H
#define GS_ANALYSIS_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "common.h"
#include "gait.h"
#include "pose.h"
#include "video.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The format string of analysis.json this code writes and reads. */
#define GS_ANALYSIS_FORMAT "gaitscope.analysis/1"

/** Points of a time-normalised curve (0..100 % of the stride). */
#define GS_ANALYSIS_CURVE_N 101

/**
 * Process-wide settings for the pipeline's libraries, called once by the program before any run
 * and before starting threads: OpenBLAS single-threaded (our pool splits the work) and no OpenCV
 * worker pool (the warps are small), the PNG filter setting (cv.h gs_png_process_init).
 * Libraries never call it themselves.
 */
void gs_analyze_process_init(void);

/* ------------------------------------------------------------------------------------------ */
/* The typed analysis.json                                                                    */

/** Statistics of one metric on one side (or "all"), with the per-stride values. */
typedef struct gs_analysis_stats {
    int present;     /* 1 when analysis.json has this side of the metric */
    double mean, sd; /* in the metric's unit; sd NAN when n < 2 */
    int n;           /* strides (or steps) */
    double *values;  /* n per-stride values, chronological (owned by the analysis) */
    double *t;       /* n stride start times, s (owned) */
} gs_analysis_stats;

/** One metric of analysis.json. */
typedef struct gs_analysis_metric {
    char key[48];  /* analysis.json key ("knee_flexion_ic_deg") */
    char unit[24]; /* as written */
    const gs_metric_info
        *info;                 /* the metric table's row; NULL for a key this build does not know */
    gs_analysis_stats side[2]; /* [GS_GAIT_SIDE_LEFT], [GS_GAIT_SIDE_RIGHT] */
    gs_analysis_stats all;     /* whole-body metrics: both sides pooled */
    double diff;               /* mean L - R, NAN when absent */
    double si;                 /* symmetry index %, NAN when undefined */
    double sd_pooled;          /* pooled stride-to-stride SD, NAN when absent */
} gs_analysis_metric;

/** One side of a time-normalised angle curve. */
typedef struct gs_analysis_curve_side {
    int n;                            /* strides averaged (0: no curve on this side) */
    double mean[GS_ANALYSIS_CURVE_N]; /* degrees */
    double sd[GS_ANALYSIS_CURVE_N];   /* degrees */
    int n_strides;                    /* per-stride curves available (normally n) */
    double *strides;                  /* n_strides x GS_ANALYSIS_CURVE_N, by time (owned) */
    double *t0;                       /* n_strides start times, s (owned) */
} gs_analysis_curve_side;

/** A curve of one angle ("knee_flexion_deg"). */
typedef struct gs_analysis_curve {
    char angle[48];
    gs_analysis_curve_side side[2];
} gs_analysis_curve;

/** A finding (the NKT stage's object; the whole object stays in gs_analysis.json). */
typedef struct gs_analysis_finding {
    char id[96]; /* "<rule>.<side>" */
    char rule[64];
    char title[200];
    char side[8];      /* "left", "right", "both" */
    double severity;   /* 0-1 */
    double confidence; /* 0-1 */
} gs_analysis_finding;

/** analysis.json as read back. Free with gs_analysis_free(). */
typedef struct gs_analysis {
    char status[16];   /* "done", "failed", or "" for files older than the status key */
    char error[512];   /* the analysis error, "" when none */
    gs_gait_view view; /* kind, facing (+1 image-right, -1 image-left, 0), confidence */
    gs_gait_activity activity;
    gs_gait_setting setting;
    char video[256];       /* source clip name ("" when analysed from a pose track only) */
    int32_t frames;        /* frames of the track */
    int32_t width, height; /* frame size, px (0 when unknown) */
    double fps;            /* nominal frame rate (NAN when unknown) */
    double duration_s;
    char scale_source[32];   /* "height", "none", ... */
    double px_per_m;         /* NAN without a scale */
    double leg_length_px;    /* NAN when unknown */
    double ground_angle_deg; /* ground line in the image, NAN when unknown */
    gs_gait_event *events;   /* n_events, by time (owned) */
    int n_events;
    gs_gait_stride *strides; /* n_strides (owned) */
    int n_strides;
    gs_analysis_metric *metrics; /* n_metrics, in file order (owned) */
    int n_metrics;
    gs_analysis_curve *curves; /* n_curves (owned) */
    int n_curves;
    gs_analysis_finding *findings; /* n_findings, in file order (highest rank first) (owned) */
    int n_findings;
    char **warnings; /* n_warnings strings (owned) */
    int n_warnings;
    cJSON *json; /* the whole document, for anything else (owned) */
} gs_analysis;

/**
 * Reads analysis.json at path. Required keys: format (must be GS_ANALYSIS_FORMAT), view
 * (with kind), events, strides, and metrics unless error is set; each metric needs unit and
 * left/right objects with mean and n. A missing or misspelt required key is GS_ERR_FORMAT naming
 * the key and the file; a newer format string is GS_ERR_FORMAT saying so. Unknown keys are
 * ignored. GS_ERR_IO (cannot read; too large), GS_ERR_NOMEM. Caller frees *out.
 */
gs_status gs_analysis_read(const char *path, gs_analysis **out, gs_error *err);

/** As gs_analysis_read() from text (len bytes); name is used in messages. */
gs_status gs_analysis_parse(const char *text, size_t len, const char *name, gs_analysis **out,
                            gs_error *err);

/** As gs_analysis_read() from a cJSON object, which the result takes over (json is NULL after). */
gs_status gs_analysis_from_json(cJSON **json, const char *name, gs_analysis **out, gs_error *err);

/** Frees *a and sets it NULL; NULL is a no-op. */
void gs_analysis_free(gs_analysis **a);

/** The metric of key, or NULL when the analysis does not have it. */
const gs_analysis_metric *gs_analysis_metric_find(const gs_analysis *a, const char *key);

/** The curve of angle ("knee_flexion_deg"), or NULL. */
const gs_analysis_curve *gs_analysis_curve_find(const gs_analysis *a, const char *angle);

/* ------------------------------------------------------------------------------------------ */
/* The pipeline                                                                               */

/**
 * Progress of a run: stage ("pose", "gait", "findings", "files", "overlay", "report"), fraction
 * of the whole run done (0-1, never decreasing) and a short message. Return 0 to go on, non-zero
 * to cancel: the run stops within about a second and returns GS_ERR_CANCELLED.
 */
typedef int (*gs_analyze_progress_fn)(void *user, const char *stage, double fraction,
                                      const char *message);

/** Options of gs_analyze_run(); a zeroed struct means: detect everything, full model, defaults. */
/** What times the running toe-offs (gs_analyze_options.toe_off; `--toe-off`). The picture is
 * the default since session 11: on both labelled clips it applies to (60 fps treadmill, 120 fps
 * pan) it met or neared the raters where the landmarks were 0.8-2.8 frames early
 * (docs/events-history.md, "Toe-off from the image, into the product"). */
typedef enum gs_toe_off_source {
    GS_TOE_OFF_AUTO = 0,  /* the picture where it applies (running side view, >= 50 fps) */
    GS_TOE_OFF_IMAGE,     /* the same, and a warning when the picture was not used */
    GS_TOE_OFF_LANDMARKS, /* the landmarks' rule only */
} gs_toe_off_source;

/** What times the running contacts of a side view (gs_analyze_options.contact; `--contact`).
 * AUTO is the picture where it applies since session 17 (analyze.c CONTACT_AUTO_IMAGE), when a
 * second labelling with the written definition agreed with the first (docs/events-history.md). */
typedef enum gs_contact_source {
    GS_CONTACT_AUTO = 0,      /* the default: as IMAGE without its warning (CONTACT_AUTO_IMAGE) */
    GS_CONTACT_IMAGE = 1,     /* the picture where it applies (running side view, on a treadmill
                                 or overground, >= 24 fps), the landmarks where it cannot tell; a
                                 warning when the picture was not used */
    GS_CONTACT_LANDMARKS = 2, /* the landmarks' rule only */
} gs_contact_source;

typedef struct gs_analyze_options {
    gs_pose_models *models;    /* loaded models to use (borrowed, one run at a time); NULL =
                                  load from models_dir for this run */
    const char *models_dir;    /* folder of the .tflite files; NULL = "models" */
    const char *model;         /* "lite", "full", "heavy"; NULL = full (or the handle's) */
    int n_threads;             /* cores the run may use; 0 = 1. The pose pass decodes in a
                                  thread of its own and gets gs_analyze_inference_threads()
                                  inference threads (ignored with models: the handle's); the
                                  key-frame-only pass (no_overlay) decodes with n_threads FFmpeg
                                  threads; see decode.n_threads */
    const char *rules_path;    /* compensation rules file; NULL = no findings (a warning says so) */
    const char *history;       /* intake items ("scar:abdomen,injury:left_ankle"); NULL = none */
    const char *calib_path;    /* camera profile (gaitscope.camera/1): landmarks are undistorted
                                  before angles and lengths; the overlay and pose.json keep the
                                  pixels as decoded; NULL = none */
    const char *scale_line;    /* "x1,y1,x2,y2,METRES": a known distance in the frame as the
                                  scale (calib.h gs_calib_scale_line_parse); NULL = none */
    gs_gait_view_kind view;    /* GS_GAIT_VIEW_UNKNOWN = detect */
    gs_gait_activity activity; /* GS_GAIT_ACTIVITY_UNKNOWN = detect */
    gs_gait_setting setting;   /* GS_GAIT_SETTING_UNKNOWN = detect */
    double height_m;           /* body height, m; 0 = unknown (lengths in leg lengths) */
    double belt_speed_m_s;     /* treadmill belt speed, m/s; 0 = unknown */
    const char *events_csv;    /* an events.csv edited by hand instead of the detected events
                                  (gs_gait_options.events_csv); NULL = detect. Borrowed */
    const char *swap_legs;     /* legs labelled the wrong way round: "all" or "T1-T2[,..]"
                                  seconds (gs_gait_options.swap_legs); NULL = none. Borrowed */
    gs_toe_off_source toe_off; /* who times the running toe-offs of a side view at >= 50 fps:
                                  AUTO (0, the default) and IMAGE the picture, where it shows
                                  the shoe's tip leave the ground (gs_analysis_toe_off_image),
                                  the landmarks where it cannot tell; IMAGE also warns when the
                                  picture was not used; LANDMARKS never the picture. Needs the
                                  video (a pose.json input keeps the landmarks') */
    gs_contact_source contact; /* who times the running contacts of a side view: AUTO (0, the
                                  default) and IMAGE the picture, where it shows the sole come
                                  down on the belt or ground (gs_analysis_contact_image), the
                                  landmarks where it cannot tell; IMAGE also warns when the
                                  picture was not used; LANDMARKS never the picture. Needs the
                                  video */
    gs_decoder_options decode; /* start/end, slow motion; decode.n_threads > 0 sets the FFmpeg
                                  decoder threads of every pass, 0 = chosen per pass from
                                  n_threads (1 in the pose and overlay passes, whose own threads
                                  already fill the cores) */
    int has_person;            /* 1: track the person under (person_x, person_y) */
    float person_x, person_y;  /* pixels, first frame the person is seen */
    int no_overlay;            /* 1: no overlay.mp4 (key frames are still written) */
    int slow_copy;             /* > 1: also overlay_slowN.mp4, N times slower */
    int blur_faces;            /* 1: blur heads in every written image and clip */
    int32_t overlay_height;    /* overlay.mp4 and key frames at most this tall (scaled down,
                                  aspect kept): 0 = GS_ANALYZE_OVERLAY_HEIGHT, < 0 = the source
                                  size */
    gs_encoder_options encode; /* x264 preset, CRF and threads of overlay.mp4 (video.h) */
    int sequential;            /* 1: no overlap of decoding, inference, drawing and encoding
                                  (each stage in the calling thread; the same outputs); for
                                  measurements */
    int force;                 /* 1: replace files in outdir that gaitscope did not write */
    float test_nudge_px;       /* tests only: gs_pose_options.test_nudge_px */
    const char *title;         /* report title; NULL = the clip's name (clip_name) */
    const char *clip_name;     /* how the outputs name the clip: messages (the error in
                                  analysis.json, report.html and the result), source.video and
                                  source.pose; a service passes "the uploaded video" rather than
                                  its storage path or id. NULL = the input's file name, and
                                  the path as given where a message names the file */
    const char *generated_by;  /* e.g. "gaitscope 0.1.0" (report footer, analysis.json) */
    gs_analyze_progress_fn progress; /* may be NULL */
    void *progress_user;
} gs_analyze_options;

/**
 * Inference threads of a run on cores cores (gs_analyze_options.n_threads): the pose pass
 * decodes in a thread of its own that needs most of a core (6-8 ms per 1080p frame against 9-12
 * ms of inference), so inference gets the rest, max(1, cores - 1); also in a sequential run,
 * so that its outputs stay the pipelined run's. On the 2-core machine a second inference
 * thread beside the decode thread cost ~30 ms of CPU per frame and gained nothing
 * (docs/benchmarks.md "Whole pipeline: CPU budget per stage"). Also for loading a
 * gs_pose_models handle to pass in.
 */
int gs_analyze_inference_threads(int cores);

/**
 * Default height cap of overlay.mp4 and the key frames, px. A 1080x1920 portrait clip becomes
 * 720x1280 (720p), which a phone or a laptop shows as sharply as the source; it costs 2.25 times
 * fewer pixels to draw and encode, and it bounds the overlay pass's memory for any source size
 * (docs/benchmarks.md "Whole pipeline").
 */
#define GS_ANALYZE_OVERLAY_HEIGHT 1280

/**
 * Where a run's CPU went: thread CPU time (common.h gs_thread_cpu_s) of each stage, seconds. It
 * does not grow while a thread waits for a core, so it stays meaningful on a loaded machine
 * where wall time does not. Worker threads of FFmpeg, x264 and the inference pool are counted
 * together in helpers_s (none with n_threads 1, decode.n_threads 1, encode.n_threads 1).
 */
typedef struct gs_analyze_budget {
    double decode_s;         /* pose pass: decoding, RGB conversion, queue copy */
    double detector_s;       /* person detector */
    double landmarks_s;      /* landmark model (crop warp, inference, decoding its outputs) */
    double cleanup_s;        /* whole-clip clean-up (swaps, gaps, smoothing) */
    double tracking_s;       /* the rest of the pose pass's thread (person choice, cut test) */
    double gait_s;           /* angles, events, strides, metrics, camera check, findings */
    double files_s;          /* pose.json, angles.csv, events.csv, metrics.csv, pose.trc */
    double overlay_decode_s; /* overlay pass: decoding, conversion and scaling, queue copy */
    double drawing_s;        /* drawing on the overlay's frames */
    double encoding_s;       /* RGB->YUV and the calls into x264, muxing */
    double keyframes_s;      /* key-frame PNGs and the contact sheet */
    double report_s;         /* report.html and analysis.json */
    double helpers_s;        /* the process's other CPU: FFmpeg, x264 and inference workers */
    double process_s;        /* CPU of the whole process during the run */
    double pose_wall_s, overlay_wall_s, wall_s; /* wall times, s */
    int64_t frames;                             /* frames analysed */
    int32_t overlay_width, overlay_height;      /* size of overlay.mp4 (0 when none) */
} gs_analyze_budget;

/** How a run ended. */
typedef enum gs_analyze_status {
    GS_ANALYZE_DONE = 0,     /* every output written, analysis.json says "done" */
    GS_ANALYZE_FAILED = 1,   /* stopped by bad input or too little data; what is meaningful is
                                written and analysis.json says "failed" with the error */
    GS_ANALYZE_CANCELLED = 2 /* cancelled from the progress callback; analysis.json says failed */
} gs_analyze_status;

/** What a run produced. Free with gs_analyze_result_free(). */
typedef struct gs_analyze_result {
    gs_analyze_status status;
    char error[512];                   /* the error when not done */
    gs_analysis *analysis;             /* the analysis as written (NULL when none was written) */
    int from_pose_json;                /* 1 when the input was a pose track */
    gs_pose_stats pose;                /* tracking counters (video input) */
    double pose_s, overlay_s, total_s; /* wall times, s */
    gs_analyze_budget budget;          /* CPU per stage */
} gs_analyze_result;

/**
 * Runs the whole analysis of input (a video, or a pose.json: a ".json" name) into outdir.
 * opt may be NULL. Inputs and options are checked before outdir is created, so a mistyped path
 * leaves no folder behind. *out (may be NULL) receives the result whenever outdir was written,
 * also on failure; caller frees it.
 * Returns GS_OK (done); GS_ERR_CANCELLED; GS_ERR_EXISTS (a file in outdir that gaitscope did not
 * write, without force: nothing is written); GS_ERR_NO_PERSON, GS_ERR_TOO_FEW, GS_ERR_FORMAT,
 * GS_ERR_IO, GS_ERR_ARG, GS_ERR_NOMEM with err naming the file and what is wrong.
 */
gs_status gs_analyze_run(const char *input, const char *outdir, const gs_analyze_options *opt,
                         gs_analyze_result **out, gs_error *err);

/** Frees *r and sets it NULL; NULL is a no-op. */
void gs_analyze_result_free(gs_analyze_result **r);

/**
 * Completes an analysis.json object built by gs_gait_result_to_json() for writing: "status"
 * ("done"/"failed"), "error" (when error is not NULL), "created" (UTC, ISO 8601) and
 * "generated_by". Returns 0, or -1 on out of memory.
 */
int gs_analysis_json_finish(cJSON *analysis, int done, const char *error, const char *generated_by);

/**
 * The analysis.json of a run that stopped before any gait analysis: format, status "failed",
 * error, created, generated_by, and the required view (kind "unknown"), events and strides, empty.
 * NULL on out of memory. Caller frees with cJSON_Delete().
 */
cJSON *gs_analysis_json_failed(const char *error, const char *generated_by);

/**
 * Adds what the gait stage cannot know to an analysis.json object: "calibration" (the profile the
 * landmarks were undistorted with and its file, when prof is not NULL) and "scale"."line" (the
 * points and length behind a line scale, when line_px is not NULL: x1, y1, x2, y2 in pixels).
 * Returns 0, or -1 out of memory.
 */
int gs_analysis_json_add_calibration(cJSON *analysis, const cJSON *profile_json,
                                     const char *profile_path, const double *line_px,
                                     double line_metres);

/**
 * Per-frame mean visibility of each leg (hip, knee, ankle, heel, foot index) of a track, for
 * gs_nkt_annotate_visibility(): t[n], vis_left[n], vis_right[n] in one new buffer of 3 n doubles
 * (*buf, caller frees with free()). GS_ERR_NOMEM, GS_ERR_ARG (empty track).
 */
gs_status gs_analysis_leg_visibility(const gs_pose_track *t, double **buf, gs_error *err);

/** What gs_analysis_toe_off_image() did (analysis.json "toe_off_image"). */
typedef struct gs_toe_image_stats {
    int applies;             /* a running side view at >= 50 real frames per second: the picture
                                was tried (skipped may still say why nothing was timed) */
    int n_to;                /* toe-offs the landmarks found */
    int n_image;             /* of them timed from the picture */
    int n_window;            /* not measured: too near the clip's ends, no landmarks there */
    int n_why[4];            /* not timed, by cv.h gs_cv_tip_why (1 outside the picture, 2 no
                                shoe in the strip, 3 never cleared) */
    int n_order;             /* timed but not between the foot's contacts: landmarks kept */
    int frames_decoded;      /* frames converted for the windows */
    int frames_through;      /* frames the codec decoded (converted or not) */
    int seeks;               /* seeks to the stream's key frame before a window */
    int seek_restart;        /* 1: a seek, or a frame told by its time, was not the track's
                                frame: decoded again from the start, every frame in order */
    double frame_interval_s; /* median real time between frames */
    double wall_s, cpu_s;    /* the pass's cost (thread CPU) */
    const char *skipped;     /* NULL, or why no toe-off was timed from the picture (static) */
} gs_toe_image_stats;

/**
 * Times the running toe-offs of g (a side view at >= 50 real frames per second) from the
 * picture of video: for each, ~10 frames at 60 fps around it are decoded again (decode: the pose
 * pass's options, so frame i is track's frame i) and cv.h gs_cv_tip_strip finds the frame where
 * the shoe's tip leaves the ground. may_seek = 1 when the pose pass met no timestamp repairs or
 * damage (as gs_overlay_options.seek_ok) and decode has the track's time scale: the decoder then
 * seeks to the key frame before a window far enough ahead instead of decoding the frames
 * between, and leaves undecoded the frames between windows that no other frame needs
 * (gs_decoder_only_within); frames are told by their time in the track, and the pass decodes
 * every frame again from the start if one is not the track's. On GS_OK with st->n_image > 0,
 * *events (n_events, caller frees) holds g's events with those toe-offs moved and timed_by
 * GS_GAIT_TIMED_IMAGE, for gs_gait_options.events; otherwise *events is NULL and st->skipped says
 * why. GS_ERR_IO / GS_ERR_FORMAT from the decoder, GS_ERR_NOMEM.
 */
gs_status gs_analysis_toe_off_image(const char *video, const gs_decoder_options *decode,
                                    int may_seek, const gs_pose_track *track,
                                    const gs_gait_result *g, gs_gait_event **events, int *n_events,
                                    gs_toe_image_stats *st, gs_error *err);

/** What gs_analysis_contact_image() did (analysis.json "methods"."contact_image"). */
typedef struct gs_contact_image_stats {
    int applies;             /* a running side view at >= 24 real frames per
                                second: the picture was tried (skipped may still say why nothing
                                was timed) */
    int n_ic;                /* contacts the landmarks found */
    int n_image;             /* of them timed from the picture */
    int n_window;            /* not measured: too near the clip's ends, no landmarks there */
    int n_why[5];            /* not timed, by cv.h gs_cv_contact_why (1 outside the picture, 2
                                belt line not seen, 3 no shoe in the strip, 4 never filled) */
    int n_order;             /* timed but not between the foot's toe-offs: landmarks kept */
    int frames_decoded;      /* frames converted for the windows */
    int frames_through;      /* frames the codec decoded (converted or not) */
    int seeks;               /* seeks to the stream's key frame before a window */
    int seek_restart;        /* 1: decoded again from the start (as gs_toe_image_stats) */
    double frame_interval_s; /* median real time between frames */
    double belt_slope;       /* rows per column the strips followed (0: level) */
    double sole_edge;        /* median grey step of the empty picture across the soles' lowest
                                edge (NAN: not seen) */
    int sole_hidden;         /* 1: that step says the soles' lowest edge runs along a rail (a belt
                                seen edge-on), not the belt; the strips stayed level */
    int strip_parts;         /* the strips were cut into this many parts along the sole and the
                                first part to fill timed the contact (1: the whole strip, where
                                the sole is hidden; session 19) */
    int moving_camera;       /* 1: overground (not on a treadmill): the ground's motion in the
                                picture was measured in each window and the strips stayed on
                                the ground (cv.h gs_cv_contact_window.moving_camera; session 20) */
    double wall_s, cpu_s;    /* the pass's cost (thread CPU) */
    const char *skipped;     /* NULL, or why no contact was timed from the picture (static) */
} gs_contact_image_stats;

/**
 * Times the running contacts of g (a side view at >= 24 real frames per second, on a treadmill
 * or overground) from the picture of video: for each, ~14 frames at 60 fps around it are decoded
 * again (decode, may_seek: as gs_analysis_toe_off_image's) and cv.h gs_cv_contact_strip finds the
 * frame where the sole comes down on the belt, or on the ground of a camera that pans with the
 * runner (st->moving_camera). On GS_OK with st->n_image > 0, *events (n_events, caller frees)
 * holds g's events with those contacts moved and timed_by GS_GAIT_TIMED_IMAGE (the others, toe-offs
 * included, as g has them), for gs_gait_options.events; otherwise *events is NULL and st->skipped
 * says why. GS_ERR_IO / GS_ERR_FORMAT from the decoder, GS_ERR_NOMEM.
 */
gs_status gs_analysis_contact_image(const char *video, const gs_decoder_options *decode,
                                    int may_seek, const gs_pose_track *track,
                                    const gs_gait_result *g, gs_gait_event **events, int *n_events,
                                    gs_contact_image_stats *st, gs_error *err);

#ifdef __cplusplus
}
#endif
#endif /* GS_ANALYSIS_H */
