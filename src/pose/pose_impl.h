/*
 * gaitscope pose stage internals: BlazePose detector decoding, regions of interest, landmark
 * decoding, candidate tracks and the whole-clip clean-up steps. Not part of the public API:
 * included by the src/pose sources and by the white-box tests in tests/test_pose.c only.
 *
 * Every constant here is MediaPipe's, from the graphs that shipped with the models we use
 * (@mediapipe/pose 0.5.1675469404, early 2023); each is cited where it is defined.
 */
#ifndef GS_POSE_IMPL_H
#define GS_POSE_IMPL_H

#include <stdint.h>

#include "cv.h"
#include "pose.h"

/* Detector input side: pose_detection_cpu.pbtxt, ImageToTensorCalculator output_tensor_width /
 * height 224, keep_aspect_ratio true (letterbox), range [-1, 1], BORDER_ZERO. */
#define GS_POSE__DET_SIZE 224
/* SsdAnchorsCalculator + TensorsToDetectionsCalculator num_boxes: 2254 (pose_detection_cpu). */
#define GS_POSE__NUM_ANCHORS 2254
/* TensorsToDetectionsCalculator num_coords 12: 4 box values + 4 keypoints x 2. */
#define GS_POSE__DET_COORDS 12
#define GS_POSE__DET_KPS    4
/* Landmark input side: pose_landmark_by_roi_cpu.pbtxt, 256 x 256, range [0, 1]. */
#define GS_POSE__LM_SIZE 256
/* tensors_to_pose_landmarks_and_segmentation.pbtxt: num_landmarks 39 (33 body + 2 auxiliary
 * + 4 unused). */
#define GS_POSE__NUM_LM 39
/* Heatmap output Identity_3: 64 x 64 x 39. */
#define GS_POSE__HM_SIZE 64

/** One SSD anchor centre, normalised to the 224-px input (fixed_anchor_size: w = h = 1). */
typedef struct gs_pose__anchor {
    float cx, cy;
} gs_pose__anchor;

/**
 * Fills anchors[] with MediaPipe's SSD anchors for pose_detection (num_layers 5, strides
 * 8,16,32,32,32, offsets 0.5, one aspect ratio + one interpolated scale per layer) and returns
 * the count (2254), or -1 if cap is too small.
 */
int gs_pose__anchors(gs_pose__anchor *anchors, int cap);

/** A decoded detection, normalised coordinates (0..1) of the image it refers to. */
typedef struct gs_pose__det {
    float score;                   /* sigmoid(clipped logit) */
    float cx, cy, w, h;            /* face box centre and size */
    float kp[GS_POSE__DET_KPS][2]; /* 0 mid-hip, 1 full-body scale point, 2 mid-shoulder, 3 */
} gs_pose__det;

/**
 * Decodes raw regressors (n x 12) and score logits (n) against anchors into the detections whose
 * score reaches min_score; writes at most cap of them to out and returns their number.
 */
int gs_pose__decode(const float *raw, const float *logits, const gs_pose__anchor *anchors, int n,
                    float min_score, gs_pose__det *out, int cap);

/**
 * MediaPipe's weighted non-maximum suppression (NonMaxSuppressionCalculator, algorithm WEIGHTED,
 * overlap INTERSECTION_OVER_UNION): dets sorted by score, each kept detection's box and keypoints
 * become the score-weighted mean of every candidate overlapping it by more than iou_thresh.
 * dets is reordered. Writes at most cap results to out (best first) and returns their number.
 */
int gs_pose__nms_weighted(gs_pose__det *dets, int n, float iou_thresh, gs_pose__det *out, int cap);

/** Letterbox padding [left, top, right, bottom] (fractions of the square) for a w x h image. */
void gs_pose__letterbox_pad(int32_t w, int32_t h, float pad[4]);

/** Maps a detection from the letterboxed square to the original image (normalised). */
void gs_pose__det_unletterbox(gs_pose__det *d, const float pad[4]);

/**
 * The pose region from two alignment points in image pixels (MediaPipe AlignmentPointsRects +
 * RectTransformation): centre (x0, y0), square side 2 |p1 - p0| x 1.25, rotated so that p0 -> p1
 * points up.
 */
gs_rot_rect gs_pose__roi_from_points(float x0, float y0, float x1, float y1);

/** The region of a detection (keypoints 0 and 1) in a w x h image, pixels. */
gs_rot_rect gs_pose__roi_from_det(const gs_pose__det *d, int32_t w, int32_t h);

#define GS_POSE__ROI_HIST 8
/** The last regions made from one track's landmarks (gs_pose__roi_steady). Zero = empty. */
typedef struct gs_pose__roi_hist {
    float v[GS_POSE__ROI_HIST][4]; /* cx, cy, log(side), rotation of the raw regions */
    int n;                         /* entries held (at most GS_POSE__ROI_HIST) */
} gs_pose__roi_hist;

/**
 * The region for frame `frame` of a track from raw, the region made from the previous frame's
 * landmarks (gs_pose__roi_from_points): a robust line through the last few raw regions, snapped
 * to a grid whose offset moves from frame to frame (roi.c gives the reasons). A change of the
 * landmarks in their last bits leaves it the same bit for bit. Adds raw to h.
 */
gs_rot_rect gs_pose__roi_steady(gs_pose__roi_hist *h, gs_rot_rect raw, int32_t frame);

/* ---- a second look at frames whose legs jumped (recheck.c) ---- */

/** Regions tried on a re-checked frame: the tracked one first, then the others. */
#define GS_POSE__RECHECK_MAX 6

/**
 * Where frames k0 and k1 put every landmark of the next frame at constant speed (pred[33],
 * pixels), the legs of k1 labelled as near k0's as they go.
 */
void gs_pose__leg_predict(const gs_kp *k0, const gs_kp *k1, gs_kp *pred);

/**
 * How far the leg landmarks (knees, ankles, heels, foot indices; relative to the hip centre) of
 * frame k2 lie from where frames k0 and k1 (the two before it) put them at constant speed: the
 * largest distance, as a fraction of side (the region's side), with the legs of k1 and of k2
 * labelled as near the frame before as they go (an exchange of the labels is not a jump: the
 * clean-up's swap fix owns the labels). 0 when side is not positive.
 */
float gs_pose__leg_jump(const gs_kp *k0, const gs_kp *k1, const gs_kp *k2, float side);

/** 1 when a gs_pose__leg_jump() value is more than a leg can do (recheck.c says why). */
int gs_pose__leg_jumped(float jump);

/**
 * The regions for a second look around tracked (out[0] = *tracked, then the others: the centre
 * moved by 1/16 of the side each way, and the side a tenth larger). Returns their number,
 * GS_POSE__RECHECK_MAX.
 */
int gs_pose__recheck_rois(const gs_rot_rect *tracked, gs_rot_rect *out);

/**
 * Which of n answers (33 body landmarks each, frame pixels) to keep: the one most others agree
 * with on the leg landmarks (either labelling of the legs; ties: the nearest to all, distances
 * capped), then of the answers agreeing with it the one labelled most like pred (the
 * constant-speed prediction, gs_pose__leg_predict; may be NULL). side is the region's side.
 * Returns the index; 0 (the tracked region's) when n <= 1 or when no answer has half of them
 * agreeing.
 */
int gs_pose__recheck_choose(const gs_kp *const *ans, int n, const gs_kp *pred, float side);

/** Result of one landmark-model run, mapped back to frame pixels. */
typedef struct gs_pose__lm {
    float presence;              /* Identity_1 pose flag (already a sigmoid) */
    gs_kp kp[GS_POSE_NKP];       /* body landmarks, frame pixels, vis = sigmoid */
    float aux[2][2];             /* auxiliary landmarks 33, 34 (next ROI), frame pixels */
    float world[GS_POSE_NKP][3]; /* metres, hip-centred, rotated by the ROI rotation */
} gs_pose__lm;

/**
 * Decodes the landmark model outputs: lm = Identity (39 x 5, 256-px crop units, logits),
 * heatmap = Identity_3 (64 x 64 x 39 logits, may be NULL: no refinement), world = Identity_4
 * (39 x 3, may be NULL), flag = Identity_1 value, roi the warped region. Normalised crop
 * coordinates map to the frame as MediaPipe's LandmarkProjectionCalculator does: centre +
 * R(rotation) ((x - 0.5) side, (y - 0.5) side).
 */
void gs_pose__lm_decode(const float *lm, const float *heatmap, const float *world, float flag,
                        const gs_rot_rect *roi, gs_pose__lm *out);

/**
 * Heatmap refinement of MediaPipe's RefineLandmarksFromHeatmapCalculator on normalised crop
 * coordinates xy[39][2] (in place): weighted mean of sigmoid(heatmap) over a kernel x kernel
 * window around each point, applied when the window's maximum reaches min_conf.
 */
void gs_pose__refine_heatmap(float (*xy)[2], int n_lm, const float *heatmap, int hm_w, int hm_h,
                             int kernel, float min_conf);

/* ---- model runners (detector.c, landmarks.c) ---- */

/** The detector model with its anchors and scratch buffers. Opaque; one per thread. */
typedef struct gs_pose__detector gs_pose__detector;

/** Loads pose_detection.tflite from path; GS_ERR_FORMAT if the file is another model. */
gs_status gs_pose__detector_new(const char *path, int n_threads, gs_pose__detector **out,
                                gs_error *err);
void gs_pose__detector_free(gs_pose__detector **d);

/**
 * Runs the detector on the whole image (letterboxed) and writes up to cap detections (image-
 * normalised coordinates, best first) to out. Returns the count, or -1 on error.
 */
int gs_pose__detect(gs_pose__detector *d, const gs_image *img, float min_score, gs_pose__det *out,
                    int cap, gs_error *err);

/** The landmark model (lite, full or heavy). Opaque; one per thread. */
typedef struct gs_pose__landmarker gs_pose__landmarker;

/** Loads pose_landmark_*.tflite; GS_ERR_FORMAT if the file is another model. */
gs_status gs_pose__landmarker_new(const char *path, int n_threads, gs_pose__landmarker **out,
                                  gs_error *err);
void gs_pose__landmarker_free(gs_pose__landmarker **l);

/** Warps roi out of img, runs the model and decodes into out. GS_OK or an error. */
gs_status gs_pose__landmarks(gs_pose__landmarker *l, const gs_image *img, const gs_rot_rect *roi,
                             gs_pose__lm *out, gs_error *err);

/* ---- whole-clip clean-up (clean.c) ---- */

/** Left/right landmark pairs of BlazePose: pairs[i][0] left, pairs[i][1] right. */
extern const int gs_pose__lr_pairs[16][2];

/**
 * Swap fixer on the legs or the arms of t (group 0 legs: hip, knee, ankle, heel, foot index;
 * group 1 arms: shoulder, elbow, wrist, hand points). Dynamic programming over per-frame swap
 * states with a constant-velocity continuity cost (both directions of time: the optimum is over
 * the whole segment). Swaps kp in place and sets GS_POSE_FLAG_SWAP_FIXED; returns the number of
 * frames changed.
 */
int gs_pose__fix_swaps(gs_pose_track *t, int group);

/**
 * Rear/front facing fix: decides from face landmarks, direction of travel and the majority of
 * the model's own labelling whether the person faces the camera, and swaps every left/right pair
 * on frames labelled the other way. Returns frames changed; *view_out gets 0 side view (nothing
 * done), 1 front, 2 rear.
 */
int gs_pose__fix_facing(gs_pose_track *t, int *view_out);

/**
 * Replaces a one-frame spike (a landmark more than frac leg lengths from the mid-point of its two
 * neighbouring frames, and more than twice their distance apart) by that mid-point; returns
 * landmarks replaced.
 */
int gs_pose__reject_outliers(gs_pose_track *t, double frac);

/**
 * Finds stretches of up to 0.1 s where a foot (ankle, heel, foot index) leaves its path and comes
 * back faster than a foot can (clean.c explains the bound), and interpolates that foot there
 * (GS_POSE_FLAG_FOOT_FIXED), or swaps the feet back when the exchange explains both paths
 * (GS_POSE_FLAG_SWAP_FIXED, counted in *swapped_out, may be NULL). Returns frames interpolated.
 */
int gs_pose__fix_lost_feet(gs_pose_track *t, int *swapped_out);

/** Fills gaps of at most max_gap_s between two frames with landmarks; returns frames filled. */
int gs_pose__fill_gaps(gs_pose_track *t, double max_gap_s);

/**
 * Stride frequency (Hz) from the left-right ankle difference (autocorrelation), 0 if none found.
 */
double gs_pose__stride_hz(const gs_pose_track *t);

/**
 * Zero-phase Butterworth low-pass (2nd order, run forward and backward = 4th order, zero lag)
 * of x[n] in place, cutoff fc_hz at sample rate fs_hz; ends padded by odd reflection.
 * GS_ERR_NOMEM or GS_OK.
 */
gs_status gs_pose__filtfilt(double *x, int n, double fc_hz, double fs_hz);

/** Smooths x, y, z of every landmark over each run of frames with landmarks. */
gs_status gs_pose__smooth(gs_pose_track *t, double fc_hz, gs_error *err);

/** Swaps left and right landmarks of one frame (all 16 pairs, or one group 0 legs / 1 arms). */
void gs_pose__swap_lr(gs_kp *kp, int group);

#endif /* GS_POSE_IMPL_H */
