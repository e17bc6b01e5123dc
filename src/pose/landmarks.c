/*
 * BlazePose landmark model (pose_landmark_{lite,full,heavy}.tflite) on a rotated region: warp,
 * inference, decoding of the 39 landmarks, heatmap refinement, projection back to the frame.
 *
 * Sources (MediaPipe v0.9.x graphs shipped with @mediapipe/pose 0.5.1675469404):
 * - pose_landmark_by_roi_cpu.pbtxt: ImageToTensorCalculator 256 x 256, float range [0, 1],
 *   keep_aspect_ratio (the ROI is square, so no letterbox), default border mode (replicate).
 * - tensors_to_pose_landmarks_and_segmentation.pbtxt / pose_landmark_by_roi_post_processing:
 *   ThresholdingCalculator threshold 0.5 on the pose flag; TensorsToLandmarks num_landmarks 39,
 *   input_image_width/height 256, visibility_activation and presence_activation SIGMOID;
 *   RefineLandmarksFromHeatmapCalculator kernel_size 7 (min_confidence_to_refine left at its
 *   proto default 0.5, refine_presence / refine_visibility false); landmarks 0..32 are the body,
 *   33..34 the auxiliary points for the next ROI; world landmarks rotated by the ROI rotation
 *   (WorldLandmarkProjectionCalculator).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "nn.h"
#include "pose_impl.h"

/* RefineLandmarksFromHeatmapCalculatorOptions: kernel_size 7 (graph), min_confidence_to_refine
 * 0.5 (refine_landmarks_from_heatmap_calculator.proto default). */
#define REFINE_KERNEL   7
#define REFINE_MIN_CONF 0.5f

static float sigmoidf(float v)
{
    return 1.0f / (1.0f + expf(-v));
}

void gs_pose__refine_heatmap(float (*xy)[2], int n_lm, const float *heatmap, int hm_w, int hm_h,
                             int kernel, float min_conf)
{
    int off = (kernel - 1) / 2;
    for (int i = 0; i < n_lm; i++) {
        /* MediaPipe truncates toward zero: int center_col = x * hm_width. */
        float fx = xy[i][0] * (float)hm_w, fy = xy[i][1] * (float)hm_h;
        if (!(fx > -1.0f && fx < (float)hm_w && fy > -1.0f && fy < (float)hm_h))
            continue; /* outside the heatmap: keep (MediaPipe compares the row against the
                         width by a typo; the heatmap is square so it is the same test) */
        int cc = (int)fx, cr = (int)fy;
        int c0 = cc - off < 0 ? 0 : cc - off, c1 = cc + off + 1 > hm_w ? hm_w : cc + off + 1;
        int r0 = cr - off < 0 ? 0 : cr - off, r1 = cr + off + 1 > hm_h ? hm_h : cr + off + 1;
        float sum = 0, wc = 0, wr = 0, mx = 0;
        for (int r = r0; r < r1; r++)
            for (int c = c0; c < c1; c++) {
                float conf = sigmoidf(
                    heatmap[((size_t)r * (size_t)hm_w + (size_t)c) * (size_t)n_lm + (size_t)i]);
                sum += conf;
                mx = conf > mx ? conf : mx;
                wc += (float)c * conf;
                wr += (float)r * conf;
            }
        /* Column c maps to x = c / width (no half-pixel shift), as in MediaPipe. */
        if (mx >= min_conf && sum > 0) {
            xy[i][0] = wc / (float)hm_w / sum;
            xy[i][1] = wr / (float)hm_h / sum;
        }
    }
}

void gs_pose__lm_decode(const float *lm, const float *heatmap, const float *world, float flag,
                        const gs_rot_rect *roi, gs_pose__lm *out)
{
    float xy[GS_POSE__NUM_LM][2];
    float c = cosf(roi->rotation), s = sinf(roi->rotation);
    out->presence = flag;
    for (int i = 0; i < GS_POSE__NUM_LM; i++) {
        xy[i][0] = lm[i * 5 + 0] / (float)GS_POSE__LM_SIZE;
        xy[i][1] = lm[i * 5 + 1] / (float)GS_POSE__LM_SIZE;
    }
    if (heatmap)
        gs_pose__refine_heatmap(xy, GS_POSE__NUM_LM, heatmap, GS_POSE__HM_SIZE, GS_POSE__HM_SIZE,
                                REFINE_KERNEL, REFINE_MIN_CONF);
    for (int i = 0; i < GS_POSE_NKP + 2; i++) {
        float u = (xy[i][0] - 0.5f) * roi->width, v = (xy[i][1] - 0.5f) * roi->height;
        float x = roi->cx + c * u - s * v, y = roi->cy + s * u + c * v;
        if (i < GS_POSE_NKP) {
            out->kp[i].x = x;
            out->kp[i].y = y;
            /* z is normalised by the 256-px input width, then scaled by the ROI width. */
            out->kp[i].z = lm[i * 5 + 2] / (float)GS_POSE__LM_SIZE * roi->width;
            out->kp[i].vis = sigmoidf(lm[i * 5 + 3]);
        } else {
            out->aux[i - GS_POSE_NKP][0] = x;
            out->aux[i - GS_POSE_NKP][1] = y;
        }
    }
    for (int i = 0; i < GS_POSE_NKP; i++) {
        if (!world) {
            out->world[i][0] = out->world[i][1] = out->world[i][2] = 0;
            continue;
        }
        float wx = world[i * 3 + 0], wy = world[i * 3 + 1];
        out->world[i][0] = c * wx - s * wy;
        out->world[i][1] = s * wx + c * wy;
        out->world[i][2] = world[i * 3 + 2];
    }
}

/* ---- the landmark model ---- */

struct gs_pose__landmarker {
    gs_nn_model *m;
    int o_lm, o_flag, o_hm, o_world;
    char path[512]; /* the model file, for messages */
};

gs_status gs_pose__landmarker_new(const char *path, int n_threads, gs_pose__landmarker **out,
                                  gs_error *err)
{
    gs_status rc;
    gs_pose__landmarker *l = NULL;
    gs_nn_options o = {0};
    gs_nn_tensor_desc in, d_lm, d_hm, d_w;

    *out = NULL;
    l = calloc(1, sizeof(*l));
    if (!l)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", path);
    snprintf(l->path, sizeof(l->path), "%s", path);
    /* The outputs read below; the segmentation mask (Identity_2: 8-channel layers at 128x128
     * and 256x256 and their 3x3 head) is not run. */
    static const char *const outputs[] = {"Identity", "Identity_1", "Identity_3", "Identity_4",
                                          NULL};
    o.n_threads = n_threads;
    o.outputs = outputs;
    rc = gs_nn_model_load(path, &o, &l->m, err);
    if (rc != GS_OK)
        goto fail;
    l->o_lm = gs_nn_output_index(l->m, "Identity");
    l->o_flag = gs_nn_output_index(l->m, "Identity_1");
    l->o_hm = gs_nn_output_index(l->m, "Identity_3");
    l->o_world = gs_nn_output_index(l->m, "Identity_4");
    /* Output layout of the three landmark models (see ../shared/golden/golden.json). */
    if (gs_nn_input_desc(l->m, 0, &in) != GS_OK || in.ndim != 4 ||
        in.shape[1] != GS_POSE__LM_SIZE || in.shape[2] != GS_POSE__LM_SIZE || in.shape[3] != 3 ||
        l->o_lm < 0 || l->o_flag < 0 || l->o_hm < 0 || l->o_world < 0 ||
        gs_nn_output_desc(l->m, l->o_lm, &d_lm) != GS_OK ||
        gs_nn_output_desc(l->m, l->o_hm, &d_hm) != GS_OK ||
        gs_nn_output_desc(l->m, l->o_world, &d_w) != GS_OK ||
        d_lm.shape[d_lm.ndim - 1] != GS_POSE__NUM_LM * 5 || d_hm.ndim != 4 ||
        d_hm.shape[1] != GS_POSE__HM_SIZE || d_hm.shape[2] != GS_POSE__HM_SIZE ||
        d_hm.shape[3] != GS_POSE__NUM_LM || d_w.shape[d_w.ndim - 1] != GS_POSE__NUM_LM * 3) {
        rc = gs_fail(err, GS_ERR_FORMAT,
                     "%s: not a BlazePose landmark model (expected input 1x256x256x3 and outputs "
                     "Identity 195, Identity_1, Identity_3 64x64x39, Identity_4 117)",
                     path);
        goto fail;
    }
    *out = l;
    return GS_OK;
fail:
    gs_pose__landmarker_free(&l);
    return rc;
}

void gs_pose__landmarker_free(gs_pose__landmarker **l)
{
    if (!l || !*l)
        return;
    gs_nn_model_free(&(*l)->m);
    free(*l);
    *l = NULL;
}

gs_status gs_pose__landmarks(gs_pose__landmarker *l, const gs_image *img, const gs_rot_rect *roi,
                             gs_pose__lm *out, gs_error *err)
{
    gs_status rc;
    float *in = gs_nn_input_data(l->m, 0);
    rc = gs_cv_warp_rect_to_float(img, roi, GS_POSE__LM_SIZE, GS_POSE__LM_SIZE, 1.0f, 0.0f, 0, in,
                                  NULL, err);
    if (rc != GS_OK)
        return rc;
    rc = gs_nn_run(l->m, err);
    if (rc != GS_OK)
        return rc;
    gs_pose__lm_decode(gs_nn_output_data(l->m, l->o_lm), gs_nn_output_data(l->m, l->o_hm),
                       gs_nn_output_data(l->m, l->o_world), gs_nn_output_data(l->m, l->o_flag)[0],
                       roi, out);
    /* A damaged model gives NaN landmarks, and the next region made from them failed far away
     * ("warp: empty image") with no file named: the model is named here instead. */
    int finite = isfinite(out->presence);
    for (int k = 0; k < GS_POSE_NKP && finite; k++)
        finite = isfinite(out->kp[k].x) && isfinite(out->kp[k].y) && isfinite(out->kp[k].z) &&
                 isfinite(out->kp[k].vis) && isfinite(out->world[k][0]) &&
                 isfinite(out->world[k][1]) && isfinite(out->world[k][2]);
    for (int k = 0; k < 2 && finite; k++)
        finite = isfinite(out->aux[k][0]) && isfinite(out->aux[k][1]);
    if (!finite)
        return gs_fail(err, GS_ERR_FORMAT,
                       "%s: the landmark model's output is not finite (NaN or infinity): the "
                       "model file is damaged",
                       l->path);
    return GS_OK;
}
