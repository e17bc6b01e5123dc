/*
 * gaitscope calib: camera profiles ("gaitscope.camera/1", calib/README.md), the chessboard
 * calibration that makes them, point undistortion of pose tracks, and the metric scale helpers
 * (a known distance in the frame; agreement of two scales).
 *
 * Why: angles measured near the edge of a wide phone or action-camera lens are bent unless the
 * lens is undistorted, and lengths need a scale. Landmarks are undistorted as points (never whole
 * frames), so the overlay still draws on the original frames.
 *
 * Pixel conventions: point coordinates are continuous pixels as everywhere in gaitscope (pixel i
 * spans [i, i+1)); the camera matrix of a profile is in OpenCV's convention (the centre of the
 * top-left pixel is (0, 0)) so that profiles from any OpenCV-based tool mean the same (cv.h).
 */
#ifndef GS_CALIB_H
#define GS_CALIB_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "common.h"
#include "cv.h"
#include "pose.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The profile format identifier written in "format". */
#define GS_CALIB_FORMAT "gaitscope.camera/1"

/* ---- Profiles ------------------------------------------------------------------------------ */

/** The chessboard a profile was made with (0 fields = not stated). */
typedef struct gs_calib_board {
    int32_t cols, rows; /* inner corners (where four squares meet) along each side */
    double square_mm;   /* side of one square, millimetres */
} gs_calib_board;

/** A camera profile: what a gaitscope.camera/1 file holds (a value type, nothing to free). */
typedef struct gs_calib_profile {
    gs_cv_camera cam;             /* "model", "image_size", "camera_matrix", "dist_coeffs" */
    double reprojection_error_px; /* RMS reprojection error of the fit over the views used, px */
    int32_t views_used;           /* views (frames with the whole board) in the final fit */
    double coverage;              /* fraction 0..1 of a 10x10 grid over the image with a board
                                     corner in some used view; NAN when the file does not say */
    double holdout_error_px[2];   /* RMS error on views held out of the fit, [standard, fisheye],
                                     px; NAN when not measured */
    gs_calib_board board;         /* optional "board" */
    char name[128];               /* optional "name" ("" when absent) */
} gs_calib_profile;

/** "standard" or "fisheye" (the file's "model" values); "unknown" for other values. */
const char *gs_calib_model_name(gs_cv_lens lens);

/**
 * Parses a profile from text (len bytes; name is used in messages). The reader is strict about
 * what it uses and ignores keys it does not know: "format" must be exactly GS_CALIB_FORMAT;
 * "model" "standard" or "fisheye"; "image_size" [w, h] positive integers; "camera_matrix" 3 rows
 * of 3 finite numbers with fx, fy > 0, bottom row [0, 0, 1] and the principal point inside the
 * image; "dist_coeffs" 4, 5, 8, 12 or 14 finite numbers (standard) or 4 (fisheye);
 * "reprojection_error_px" >= 0; "views_used" an integer >= 1; a distortion that turns back
 * inside the picture (gs_calib_turns_back_at) is refused; optional "coverage" in [0, 1],
 * "holdout_error_px" {standard, fisheye}, "board" {cols, rows, square_mm}, "name".
 * Returns GS_OK; GS_ERR_FORMAT with "<name>: <key>: <what is wrong>" (or "missing key") for any
 * violation; GS_ERR_NOMEM. *out is only written on success.
 */
gs_status gs_calib_profile_parse(const char *text, size_t len, const char *name,
                                 gs_calib_profile *out, gs_error *err);

/**
 * Where a camera's distortion turns back inside the picture: a fit beyond its views can give
 * coefficients whose distorted radius (radial terms, along a ray from the principal point)
 * stops growing before it reaches the picture's farthest corner, so two ideal points map to one
 * pixel and undistortion may answer the far one (fuzz_calib found a profile that sent a landmark
 * to infinity). No lens does that: the reader refuses such a profile and calibrate does not
 * write one. Returns the share (0..1) of the corner's radius where the distortion turns, or -1
 * when it keeps growing until the corner.
 */
double gs_calib_turns_back_at(const gs_cv_camera *c);

/** Reads and parses the profile file at path: GS_ERR_IO (cannot read) or as above. */
gs_status gs_calib_profile_read(const char *path, gs_calib_profile *out, gs_error *err);

/**
 * The profile as a JSON object in the file format (for writing, or to record the profile used in
 * analysis.json). NAN fields and empty optional fields are left out. Caller frees with
 * cJSON_Delete(); NULL on out of memory.
 */
cJSON *gs_calib_profile_to_json(const gs_calib_profile *p);

/** Writes the profile to path (pretty-printed JSON, overwriting). GS_ERR_IO / GS_ERR_NOMEM. */
gs_status gs_calib_profile_write(const char *path, const gs_calib_profile *p, gs_error *err);

/**
 * Checks that a profile fits frames of width x height (as displayed, rotation applied). A profile
 * is refused when its image size differs: phones crop the sensor differently per video mode, so
 * intrinsics do not carry over by scaling, and a portrait clip is not a landscape profile turned.
 * GS_OK or GS_ERR_ARG with "<profile_name>: made for WxH frames (landscape), the video is WxH
 * (portrait): ...", both sizes and orientations named.
 */
gs_status gs_calib_check_size(const gs_calib_profile *p, const char *profile_name, int32_t width,
                              int32_t height, gs_error *err);

/**
 * Undistorts a pose track in place with profile p: every landmark of kp[] (frames with has_kp)
 * and raw[] (frames with has_raw) moves to where an ideal pinhole camera with the profile's
 * camera matrix would have seen it (gs_cv_undistort_points). Pixel units, image size, z,
 * visibility, world landmarks, times and flags are unchanged, so raw[] stays "kp before
 * cleaning" in the same coordinates. A point whose undistortion does not converge (far outside
 * the calibrated field) keeps its position and gets visibility 0; *n_failed (may be NULL) counts
 * them. Refuses a profile that does not fit the track's frame size (gs_calib_check_size, message
 * with both sizes) before changing anything. GS_OK, GS_ERR_ARG, GS_ERR_NOMEM.
 */
gs_status gs_calib_undistort_track(gs_pose_track *t, const gs_calib_profile *p,
                                   const char *profile_name, int32_t *n_failed, gs_error *err);

/* ---- Calibration from chessboard views ------------------------------------------------------ */

/** Which lens model gs_calib_finish() fits. */
typedef enum gs_calib_model_choice {
    GS_CALIB_MODEL_AUTO = 0,     /* both; the lower error on held-out views wins */
    GS_CALIB_MODEL_STANDARD = 1, /* standard only */
    GS_CALIB_MODEL_FISHEYE = 2   /* fisheye only */
} gs_calib_model_choice;

/** Options of the calibration; zero fields take the defaults. */
typedef struct gs_calib_options {
    int32_t cols, rows;          /* inner corners of the board (required, >= 2 each) */
    double square_mm;            /* side of one square in mm (required, > 0) */
    gs_calib_model_choice model; /* default: AUTO */
    int32_t min_views;           /* usable views needed; 0 = 8 */
    int32_t max_views;           /* views kept for the fit; 0 = 40 */
    double window_s;             /* video: one frame searched per window of this length (the
                                    sharpest); 0 = 0.5 */
    int n_threads;               /* decoder threads in gs_calib_run(); 0 = 2 */
    gs_progress_fn progress;     /* may be NULL; stages "decode" (frames) and "fit" (fits);
                                    a non-zero return stops the work: GS_ERR_CANCELLED */
    void *progress_user;         /* passed to progress */
} gs_calib_options;

/** What the calibration saw and did (filled by gs_calib_finish() and gs_calib_run()). */
typedef struct gs_calib_report {
    int32_t frames;          /* frames given */
    int32_t searched;        /* frames searched for the board (the sharpest of each window) */
    int32_t found;           /* searched frames with the whole board */
    int32_t blurred;         /* boards dropped as blurred (sharpness < 0.3 x the median) */
    int32_t duplicates;      /* boards dropped as near-duplicates of a sharper kept view */
    int32_t ill_conditioned; /* views the fisheye fit refused (dropped from that model's fits) */
    int32_t views_used;      /* views in the final fit */
    double coverage;         /* fraction of the 10x10 image grid covered by the used views */
    double rms_px[2];        /* final-fit RMS per model [standard, fisheye], NAN when not fitted */
    double holdout_px[2];    /* held-out RMS per model, NAN when not measured */
    gs_cv_lens chosen;       /* model of the profile */
    int32_t width, height;   /* frame size */
    char reason[200];        /* why this model, one line */
    char warning[256];       /* "" or one line: low coverage, high error */
} gs_calib_report;

/** The calibration collector: frames in, profile out (opaque; owns its frame copies). */
typedef struct gs_calib gs_calib;

/**
 * Creates a collector. GS_ERR_ARG (board size or square missing: the message names the option),
 * GS_ERR_NOMEM. Caller frees with gs_calib_free().
 */
gs_status gs_calib_new(const gs_calib_options *opt, gs_calib **out, gs_error *err);

/** Frees *c and sets it to NULL; NULL is a no-op. */
void gs_calib_free(gs_calib **c);

/**
 * Offers one frame of source (a file name for messages, borrowed for the call) at time t_s.
 * Frames of one source form windows of opt->window_s; the sharpest frame of each window (the
 * variance of the Laplacian, gs_cv_sharpness) is searched for the board when its window ends.
 * A still image is its own source. All frames must have one size: GS_ERR_ARG names the source
 * and both sizes otherwise. img is borrowed (copied when kept). GS_OK, GS_ERR_NOMEM,
 * GS_ERR_INTERNAL (OpenCV).
 */
gs_status gs_calib_add_frame(gs_calib *c, const gs_image *img, const char *source, double t_s,
                             gs_error *err);

/**
 * Selects the views and fits the camera. Selection: boards whose sharpness (inside the board's
 * box) is below 0.3 x the median are dropped as blurred; a board whose corners lie within 1 % of
 * the image diagonal (mean distance) of a sharper kept board is a near-duplicate; of the rest,
 * views are taken greedily by the grid cells (10x10 over the image) their corners add, then by
 * distance to the views taken (pose variety), up to max_views. Model choice: each model is fitted
 * on the views minus one fold (5 folds) and scored on the held-out fold (pose solved from the
 * points, gs_cv_view_error); fisheye wins only with a held-out RMS below 0.9 x the standard's.
 * The chosen model is then fitted on every view.
 * Refusals, each with its own message saying what to do: GS_ERR_NOT_FOUND when the board was
 * never found ("no 9x6 chessboard found ...") or was found only with another corner count
 * ("... but a 8x5 board was: --chessboard counts inner corners ..."); GS_ERR_TOO_FEW when fewer
 * than min_views usable views remain (counts of found, blurred, duplicates in the message);
 * GS_ERR_FORMAT when no model can be fitted; GS_ERR_CANCELLED when the progress callback asked
 * to stop; GS_ERR_NOMEM. rep may be NULL.
 */
gs_status gs_calib_finish(gs_calib *c, gs_calib_profile *out, gs_calib_report *rep, gs_error *err);

/**
 * The whole procedure on files: each path is a video or a still image (anything FFmpeg decodes;
 * frames upright after the rotation metadata), fed to a collector, then gs_calib_finish().
 * Errors of gs_decoder_open() name the file; otherwise as gs_calib_finish().
 */
gs_status gs_calib_run(const char *const *paths, int32_t n_paths, const gs_calib_options *opt,
                       gs_calib_profile *out, gs_calib_report *rep, gs_error *err);

/* ---- Metric scale ---------------------------------------------------------------------------- */

/** Where a pixels-per-metre scale comes from. Values are explicit and append-only. */
typedef enum gs_calib_scale_source {
    GS_CALIB_SCALE_NONE = 0,   /* no scale */
    GS_CALIB_SCALE_HEIGHT = 1, /* body height and segment-to-height ratios (--height) */
    GS_CALIB_SCALE_LINE = 2,   /* a known distance in the frame (--scale-line) */
    GS_CALIB_SCALE_BELT = 3    /* treadmill belt speed vs the stance foot's speed (--belt-speed) */
} gs_calib_scale_source;

/** "none", "height", "line", "belt"; "unknown" otherwise. */
const char *gs_calib_scale_source_name(gs_calib_scale_source s);

/** A scale with its uncertainty. */
typedef struct gs_calib_scale {
    gs_calib_scale_source source;
    double px_per_m;    /* pixels per metre in the (undistorted) image; 0 = no scale */
    double uncertainty; /* relative 1-SD uncertainty, a fraction of px_per_m (0.05 = 5 %) */
} gs_calib_scale;

/** A known distance in the frame: two end points in pixels of the original frame and metres. */
typedef struct gs_calib_scale_line {
    double x1, y1, x2, y2; /* end points, continuous pixels of the video as displayed */
    double metres;         /* true distance between them, > 0 */
} gs_calib_scale_line;

/**
 * Parses "x1,y1,x2,y2,METRES" (the --scale-line value). GS_ERR_ARG naming the item that is
 * missing or not a number, or a distance <= 0.
 */
gs_status gs_calib_scale_line_parse(const char *s, gs_calib_scale_line *out, gs_error *err);

/**
 * Scale from a known distance: px_per_m = length in pixels / metres. With a profile (may be
 * NULL) the end points are undistorted first, as the landmarks are. Uncertainty: each end point
 * clicked within click_px (1-SD per coordinate; 0 = 1 px) moves the length by click_px along the
 * line, so the length's SD is sqrt(2) click_px and the relative uncertainty sqrt(2) click_px / L.
 * It does not include the distance between the tape and the runner's plane (a tape nearer the
 * camera than the runner makes the scale too large; calib/README.md). width, height (> 0) are the
 * frame size: end points outside it are refused. GS_ERR_ARG: points outside the frame, a line
 * shorter than 20 px (7 % uncertainty at 1 px clicks), a profile of another frame size.
 */
gs_status gs_calib_scale_from_line(const gs_calib_scale_line *l, int32_t width, int32_t height,
                                   const gs_calib_profile *p, double click_px, gs_calib_scale *out,
                                   gs_error *err);

/** Agreement of two scales (gs_calib_scale_agreement). */
typedef struct gs_calib_agreement {
    double ratio;     /* a.px_per_m / b.px_per_m */
    double diff_frac; /* (a - b) / mean(a, b) */
    double z;         /* |a - b| / sqrt(sd_a^2 + sd_b^2), sd = px_per_m * uncertainty */
    int agree;        /* 1 when z <= 2 (the two agree within about 95 % of their errors) */
} gs_calib_agreement;

/**
 * How well two scales agree. Both need px_per_m > 0 (else GS_ERR_ARG). With both uncertainties
 * 0, z is 0 for equal scales and infinite otherwise.
 */
gs_status gs_calib_scale_agreement(const gs_calib_scale *a, const gs_calib_scale *b,
                                   gs_calib_agreement *out, gs_error *err);

#ifdef __cplusplus
}
#endif
#endif /* GS_CALIB_H */
