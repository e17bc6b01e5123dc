/*
 * BlazePose person detector (pose_detection.tflite): SSD anchors, decoding of the 2254 x 12
 * regressors and score logits, weighted non-maximum suppression, letterbox removal.
 *
 * Constants are those of mediapipe/modules/pose_detection/pose_detection_cpu.pbtxt as shipped
 * with @mediapipe/pose 0.5.1675469404 (MediaPipe v0.9.x, early 2023), cited at each use.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "pose_impl.h"

/* SsdAnchorsCalculatorOptions of pose_detection_cpu.pbtxt. */
#define ANCHOR_LAYERS    5
#define ANCHOR_MIN_SCALE 0.1484375f /* anchor sizes: unused, fixed_anchor_size: true */
#define ANCHOR_MAX_SCALE 0.75f
#define ANCHOR_OFFSET    0.5f
static const int anchor_strides[ANCHOR_LAYERS] = {8, 16, 32, 32, 32};

/* TensorsToDetectionsCalculatorOptions: score_clipping_thresh 100, x/y/w/h_scale 224. */
#define SCORE_CLIP  100.0f
#define COORD_SCALE 224.0f

int gs_pose__anchors(gs_pose__anchor *anchors, int cap)
{
    int n = 0;
    int layer = 0;
    while (layer < ANCHOR_LAYERS) {
        /* Consecutive layers with the same stride share one feature map; each contributes one
         * anchor per aspect ratio (aspect_ratios: 1.0) plus one interpolated-scale anchor
         * (interpolated_scale_aspect_ratio defaults to 1.0), so 2 anchors per layer. With
         * fixed_anchor_size: true only the centres matter. */
        int last = layer, per_cell = 0;
        while (last < ANCHOR_LAYERS && anchor_strides[last] == anchor_strides[layer]) {
            per_cell += 2;
            last++;
        }
        int stride = anchor_strides[layer];
        int fm = (GS_POSE__DET_SIZE + stride - 1) / stride; /* ceil(224 / stride) */
        for (int y = 0; y < fm; y++)
            for (int x = 0; x < fm; x++)
                for (int a = 0; a < per_cell; a++) {
                    if (n >= cap)
                        return -1;
                    anchors[n].cx = ((float)x + ANCHOR_OFFSET) / (float)fm;
                    anchors[n].cy = ((float)y + ANCHOR_OFFSET) / (float)fm;
                    n++;
                }
        layer = last;
    }
    return n;
}

int gs_pose__decode(const float *raw, const float *logits, const gs_pose__anchor *anchors, int n,
                    float min_score, gs_pose__det *out, int cap)
{
    int k = 0;
    for (int i = 0; i < n && k < cap; i++) {
        float s = logits[i];
        if (!(s == s))
            continue; /* NaN from a broken model: never a detection */
        s = s < -SCORE_CLIP ? -SCORE_CLIP : s > SCORE_CLIP ? SCORE_CLIP : s;
        float score = 1.0f / (1.0f + expf(-s));
        if (score < min_score)
            continue;
        /* reverse_output_order: true -> x before y; anchor w = h = 1 (fixed_anchor_size). */
        const float *r = raw + (size_t)i * GS_POSE__DET_COORDS;
        gs_pose__det *d = &out[k++];
        d->score = score;
        d->cx = r[0] / COORD_SCALE + anchors[i].cx;
        d->cy = r[1] / COORD_SCALE + anchors[i].cy;
        d->w = r[2] / COORD_SCALE;
        d->h = r[3] / COORD_SCALE;
        for (int j = 0; j < GS_POSE__DET_KPS; j++) {
            d->kp[j][0] = r[4 + 2 * j] / COORD_SCALE + anchors[i].cx;
            d->kp[j][1] = r[5 + 2 * j] / COORD_SCALE + anchors[i].cy;
        }
    }
    return k;
}

static float iou(const gs_pose__det *a, const gs_pose__det *b)
{
    float ax0 = a->cx - a->w / 2, ax1 = a->cx + a->w / 2, ay0 = a->cy - a->h / 2,
          ay1 = a->cy + a->h / 2;
    float bx0 = b->cx - b->w / 2, bx1 = b->cx + b->w / 2, by0 = b->cy - b->h / 2,
          by1 = b->cy + b->h / 2;
    float iw = fminf(ax1, bx1) - fmaxf(ax0, bx0), ih = fminf(ay1, by1) - fmaxf(ay0, by0);
    if (iw <= 0 || ih <= 0)
        return 0.0f;
    float inter = iw * ih;
    float uni = a->w * a->h + b->w * b->h - inter;
    return uni > 0 ? inter / uni : 0.0f;
}

static int by_score_desc(const void *pa, const void *pb)
{
    const gs_pose__det *a = pa, *b = pb;
    return (a->score < b->score) - (a->score > b->score);
}

int gs_pose__nms_weighted(gs_pose__det *dets, int n, float iou_thresh, gs_pose__det *out, int cap)
{
    int k = 0;
    qsort(dets, (size_t)n, sizeof(*dets), by_score_desc);
    /* dets[0..n) holds the "remained" list in score order; suppressed entries are compacted
     * away each round, exactly as MediaPipe's WeightedNonMaxSuppression rebuilds its list. */
    while (n > 0 && k < cap) {
        gs_pose__det top = dets[0], acc;
        double wsum = 0, sx0 = 0, sy0 = 0, sx1 = 0, sy1 = 0, skp[GS_POSE__DET_KPS][2] = {{0}};
        int m = 0;
        for (int i = 0; i < n; i++) {
            const gs_pose__det *c = &dets[i];
            if (i == 0 || iou(&top, c) > iou_thresh) {
                double w = c->score;
                wsum += w;
                sx0 += w * (c->cx - c->w / 2);
                sy0 += w * (c->cy - c->h / 2);
                sx1 += w * (c->cx + c->w / 2);
                sy1 += w * (c->cy + c->h / 2);
                for (int j = 0; j < GS_POSE__DET_KPS; j++) {
                    skp[j][0] += w * c->kp[j][0];
                    skp[j][1] += w * c->kp[j][1];
                }
            } else {
                dets[m++] = *c;
            }
        }
        acc = top;
        if (wsum > 0) {
            double x0 = sx0 / wsum, y0 = sy0 / wsum, x1 = sx1 / wsum, y1 = sy1 / wsum;
            acc.cx = (float)((x0 + x1) / 2);
            acc.cy = (float)((y0 + y1) / 2);
            acc.w = (float)(x1 - x0);
            acc.h = (float)(y1 - y0);
            for (int j = 0; j < GS_POSE__DET_KPS; j++) {
                acc.kp[j][0] = (float)(skp[j][0] / wsum);
                acc.kp[j][1] = (float)(skp[j][1] / wsum);
            }
        }
        out[k++] = acc; /* score stays the top candidate's, as in MediaPipe */
        n = m;
    }
    return k;
}

void gs_pose__letterbox_pad(int32_t w, int32_t h, float pad[4])
{
    /* ImageToTensorCalculator keep_aspect_ratio: the longer side fills the square, the shorter
     * one is centred with equal padding on both sides. */
    float fw = (float)w, fh = (float)h;
    float px = 0, py = 0;
    if (fw > fh)
        py = (1.0f - fh / fw) / 2.0f;
    else
        px = (1.0f - fw / fh) / 2.0f;
    pad[0] = px;
    pad[1] = py;
    pad[2] = px;
    pad[3] = py;
}

void gs_pose__det_unletterbox(gs_pose__det *d, const float pad[4])
{
    /* DetectionLetterboxRemovalCalculator: x' = (x - left) / (1 - left - right). */
    float sx = 1.0f - pad[0] - pad[2], sy = 1.0f - pad[1] - pad[3];
    d->cx = (d->cx - pad[0]) / sx;
    d->cy = (d->cy - pad[1]) / sy;
    d->w /= sx;
    d->h /= sy;
    for (int j = 0; j < GS_POSE__DET_KPS; j++) {
        d->kp[j][0] = (d->kp[j][0] - pad[0]) / sx;
        d->kp[j][1] = (d->kp[j][1] - pad[1]) / sy;
    }
}

/* ---- the detector model ---- */

struct gs_pose__detector {
    gs_nn_model *m;
    int out_raw, out_score;
    char path[512]; /* the model file, for messages */
    gs_pose__anchor anchors[GS_POSE__NUM_ANCHORS];
    gs_pose__det cand[GS_POSE__NUM_ANCHORS];
};

gs_status gs_pose__detector_new(const char *path, int n_threads, gs_pose__detector **out,
                                gs_error *err)
{
    gs_status rc;
    gs_pose__detector *d = NULL;
    gs_nn_options o = {0};
    gs_nn_tensor_desc in, r, s;

    *out = NULL;
    d = calloc(1, sizeof(*d));
    if (!d)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", path);
    snprintf(d->path, sizeof(d->path), "%s", path);
    o.n_threads = n_threads;
    rc = gs_nn_model_load(path, &o, &d->m, err);
    if (rc != GS_OK)
        goto fail;
    d->out_raw = gs_nn_output_index(d->m, "Identity");
    d->out_score = gs_nn_output_index(d->m, "Identity_1");
    /* Shapes of pose_detection.tflite: input 1x224x224x3, Identity 1x2254x12, Identity_1
     * 1x2254x1. Anything else is the wrong file (e.g. a landmark model passed as detector). */
    if (gs_nn_num_inputs(d->m) != 1 || gs_nn_input_desc(d->m, 0, &in) != GS_OK || in.ndim != 4 ||
        in.shape[1] != GS_POSE__DET_SIZE || in.shape[2] != GS_POSE__DET_SIZE || in.shape[3] != 3 ||
        d->out_raw < 0 || d->out_score < 0 || gs_nn_output_desc(d->m, d->out_raw, &r) != GS_OK ||
        gs_nn_output_desc(d->m, d->out_score, &s) != GS_OK || r.ndim != 3 ||
        r.shape[1] != GS_POSE__NUM_ANCHORS || r.shape[2] != GS_POSE__DET_COORDS ||
        s.shape[1] != GS_POSE__NUM_ANCHORS) {
        rc = gs_fail(err, GS_ERR_FORMAT,
                     "%s: not a BlazePose detector (expected input 1x224x224x3 and outputs "
                     "Identity 1x2254x12, Identity_1 1x2254x1)",
                     path);
        goto fail;
    }
    if (gs_pose__anchors(d->anchors, GS_POSE__NUM_ANCHORS) != GS_POSE__NUM_ANCHORS) {
        rc = gs_fail(err, GS_ERR_INTERNAL, "pose: anchor count is not 2254");
        goto fail;
    }
    *out = d;
    return GS_OK;
fail:
    gs_pose__detector_free(&d);
    return rc;
}

void gs_pose__detector_free(gs_pose__detector **d)
{
    if (!d || !*d)
        return;
    gs_nn_model_free(&(*d)->m);
    free(*d);
    *d = NULL;
}

int gs_pose__detect(gs_pose__detector *d, const gs_image *img, float min_score, gs_pose__det *out,
                    int cap, gs_error *err)
{
    float pad[4];
    float *in = gs_nn_input_data(d->m, 0);
    /* The whole frame letterboxed: a square of the longer side centred on the frame, zero
     * border (BORDER_ZERO -> -1 after the [-1, 1] mapping: value/255 * 2 - 1). */
    gs_rot_rect r = {(float)img->width / 2.0f, (float)img->height / 2.0f, 0, 0, 0};
    float side = (float)(img->width > img->height ? img->width : img->height);
    r.width = r.height = side;
    if (gs_cv_warp_rect_to_float(img, &r, GS_POSE__DET_SIZE, GS_POSE__DET_SIZE, 2.0f, -1.0f, 1, in,
                                 NULL, err) != GS_OK)
        return -1;
    if (gs_nn_run(d->m, err) != GS_OK)
        return -1;
    /* A damaged model gives NaN scores, which no threshold passes: "no person found" would
     * blame the video. The model is named instead. */
    {
        const float *raw = gs_nn_output_data(d->m, d->out_raw);
        const float *sc = gs_nn_output_data(d->m, d->out_score);
        for (int i = 0; i < GS_POSE__NUM_ANCHORS; i++) {
            int ok = isfinite(sc[i]);
            for (int c = 0; c < GS_POSE__DET_COORDS && ok; c++)
                ok = isfinite(raw[(size_t)i * GS_POSE__DET_COORDS + (size_t)c]);
            if (!ok) {
                gs_fail(err, GS_ERR_FORMAT,
                        "%s: the detector's output is not finite (NaN or infinity): the model "
                        "file is damaged",
                        d->path);
                return -1;
            }
        }
    }
    /* min_score_thresh 0.5 in pose_detection_cpu.pbtxt of the v0.8/v0.9 releases (the npm
     * package's era); later repository versions lowered it to 0.2 for the Tasks API. The caller
     * passes its threshold (default 0.5, see track.c). */
    int n =
        gs_pose__decode(gs_nn_output_data(d->m, d->out_raw), gs_nn_output_data(d->m, d->out_score),
                        d->anchors, GS_POSE__NUM_ANCHORS, min_score, d->cand, GS_POSE__NUM_ANCHORS);
    /* NonMaxSuppressionCalculatorOptions: min_suppression_threshold 0.3, IoU, WEIGHTED. */
    int k = gs_pose__nms_weighted(d->cand, n, 0.3f, out, cap);
    gs_pose__letterbox_pad(img->width, img->height, pad);
    for (int i = 0; i < k; i++)
        gs_pose__det_unletterbox(&out[i], pad);
    return k;
}
