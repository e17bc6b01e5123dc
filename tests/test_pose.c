/*
 * Tests of the pose stage (BlazePose tracking and whole-clip clean-up).
 *
 * Pure logic on made data first (anchors, detection decoding and weighted NMS, regions,
 * landmark projection and heatmap refinement, swap fixer, facing fix, gap filling, zero-phase
 * filter), then the detector decode on the golden detector outputs (messi5: the region must be
 * the one the golden landmark input was cut from), then, when ../shared and the models are
 * there, real clips through the whole pipeline (lite model; frames limited so the test stays
 * fast under the sanitizers).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gs_test.h"
#include "cv.h"
#include "nn.h"
#include "pose.h"
#include "pose_impl.h"

/* ---- detector ---- */

static void anchors_are_2254_at_mediapipe_positions(void)
{
    static gs_pose__anchor a[GS_POSE__NUM_ANCHORS + 1];
    CHECK_EQ_INT(gs_pose__anchors(a, GS_POSE__NUM_ANCHORS + 1), 2254);
    CHECK_EQ_INT(gs_pose__anchors(a, 100), -1);
    gs_pose__anchors(a, GS_POSE__NUM_ANCHORS);
    /* stride 8: 28 x 28 cells x 2 anchors, centre (x + 0.5) / 28 */
    CHECK_NEAR(a[0].cx, 0.5 / 28, 1e-7);
    CHECK_NEAR(a[0].cy, 0.5 / 28, 1e-7);
    CHECK_NEAR(a[1].cx, 0.5 / 28, 1e-7);
    CHECK_NEAR(a[2].cx, 1.5 / 28, 1e-7);
    CHECK_NEAR(a[2 * 28].cy, 1.5 / 28, 1e-7);
    /* stride 16 starts at 1568: 14 x 14 x 2 */
    CHECK_NEAR(a[1568].cx, 0.5 / 14, 1e-7);
    CHECK_NEAR(a[1567].cx, 27.5 / 28, 1e-7);
    /* three stride-32 layers share one 7 x 7 map: 6 anchors per cell from 1960 */
    CHECK_NEAR(a[1960].cx, 0.5 / 7, 1e-7);
    CHECK_NEAR(a[1965].cx, 0.5 / 7, 1e-7);
    CHECK_NEAR(a[1966].cx, 1.5 / 7, 1e-7);
    CHECK_NEAR(a[2253].cx, 6.5 / 7, 1e-7);
    CHECK_NEAR(a[2253].cy, 6.5 / 7, 1e-7);
}

static float logit(float p)
{
    return logf(p / (1 - p));
}

static void decode_and_weighted_nms_merge_overlapping_boxes(void)
{
    enum { N = 8 };
    gs_pose__anchor an[N];
    float raw[N * 12], lg[N];
    gs_pose__det d[N], out[N];
    memset(raw, 0, sizeof(raw));
    for (int i = 0; i < N; i++) {
        an[i].cx = 0.5f;
        an[i].cy = 0.5f;
        lg[i] = -5; /* below threshold */
    }
    /* two overlapping boxes of one person (scores 0.9 and 0.6), one far away (0.8) */
    float sc[3] = {0.9f, 0.6f, 0.8f}, cx[3] = {0, 11.2f, -80}, kx[3] = {0, 22.4f, -80};
    for (int i = 0; i < 3; i++) {
        lg[i] = logit(sc[i]);
        raw[i * 12 + 0] = cx[i]; /* 224-px units relative to the anchor */
        raw[i * 12 + 2] = 44.8f; /* w = 0.2 */
        raw[i * 12 + 3] = 44.8f;
        raw[i * 12 + 4] = kx[i]; /* kp0 x */
        raw[i * 12 + 5] = 22.4f; /* kp0 y: +0.1 */
    }
    lg[5] = 1000; /* clipped at +100: still a valid sigmoid */
    raw[5 * 12 + 0] = 60;
    raw[5 * 12 + 1] = 60;
    raw[5 * 12 + 2] = raw[5 * 12 + 3] = 22.4f;
    int n = gs_pose__decode(raw, lg, an, N, 0.5f, d, N);
    CHECK_EQ_INT(n, 4);
    CHECK_NEAR(d[0].score, 0.9, 1e-6);
    CHECK_NEAR(d[0].w, 0.2, 1e-6);
    CHECK_NEAR(d[1].cx, 0.55, 1e-6);
    CHECK_NEAR(d[0].kp[0][1], 0.6, 1e-6);
    CHECK_NEAR(d[3].score, 1.0, 1e-6);
    int k = gs_pose__nms_weighted(d, n, 0.3f, out, N);
    CHECK_EQ_INT(k, 3); /* boxes 0 and 1 overlap with IoU 0.6 -> merged */
    CHECK_NEAR(out[0].score, 1.0, 1e-6);
    CHECK_NEAR(out[1].score, 0.9, 1e-6);
    /* weighted mean of x: (0.9 * 0.5 + 0.6 * 0.55) / 1.5 = 0.52; keypoint likewise */
    CHECK_NEAR(out[1].cx, 0.52, 1e-5);
    CHECK_NEAR(out[1].kp[0][0], (0.9 * 0.5 + 0.6 * 0.6) / 1.5, 1e-5);
    CHECK_NEAR(out[2].score, 0.8, 1e-6);
    CHECK_NEAR(out[2].cx, 0.5 - 80.0 / 224, 1e-5);
}

static void letterbox_removal_maps_square_to_image(void)
{
    float pad[4];
    gs_pose__det d = {0};
    gs_pose__letterbox_pad(548, 342, pad); /* messi5.jpg */
    CHECK_NEAR(pad[0], 0, 1e-7);
    CHECK_NEAR(pad[1], (1 - 342.0 / 548) / 2, 1e-6);
    d.cx = 0.5f;
    d.cy = pad[1]; /* top edge of the picture */
    d.kp[0][1] = 1 - pad[3];
    gs_pose__det_unletterbox(&d, pad);
    CHECK_NEAR(d.cy, 0, 1e-6);
    CHECK_NEAR(d.kp[0][1], 1, 1e-6);
    CHECK_NEAR(d.cx, 0.5, 1e-6);
}

static int read_floats(const char *path, float *dst, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t k = fread(dst, sizeof(float), n, f);
    fclose(f);
    return k == n ? 0 : -1;
}

/* golden.json: the landmark input of messi5 was cut from the region rotation -0.200 rad, side
 * 445.7 px, centre 266.9, 227.0. Our decode of the golden detector outputs must give it. */
static int golden_detector_outputs_give_the_golden_region(const char *shared)
{
    char p1[1200], p2[1200];
    static float raw[GS_POSE__NUM_ANCHORS * 12], lg[GS_POSE__NUM_ANCHORS];
    static gs_pose__anchor an[GS_POSE__NUM_ANCHORS];
    static gs_pose__det d[GS_POSE__NUM_ANCHORS];
    gs_pose__det out[4];
    float pad[4];
    snprintf(p1, sizeof(p1), "%s/golden/pose_detection.Identity.bin", shared);
    snprintf(p2, sizeof(p2), "%s/golden/pose_detection.Identity_1.bin", shared);
    if (read_floats(p1, raw, GS_POSE__NUM_ANCHORS * 12) ||
        read_floats(p2, lg, GS_POSE__NUM_ANCHORS))
        return 0;
    gs_pose__anchors(an, GS_POSE__NUM_ANCHORS);
    int best = 0;
    for (int i = 1; i < GS_POSE__NUM_ANCHORS; i++)
        if (lg[i] > lg[best])
            best = i;
    CHECK_EQ_INT(best, 641);
    CHECK_NEAR(1 / (1 + exp(-lg[best])), 0.9475957186495985, 1e-6);
    int n = gs_pose__decode(raw, lg, an, GS_POSE__NUM_ANCHORS, 0.5f, d, GS_POSE__NUM_ANCHORS);
    CHECK_EQ_INT(n, 9);
    gs_pose__letterbox_pad(548, 342, pad);
    /* The golden crop was cut from the best single detection (anchor 641), before NMS. */
    gs_pose__det top = d[0];
    for (int i = 1; i < n; i++)
        if (d[i].score > top.score)
            top = d[i];
    gs_pose__det_unletterbox(&top, pad);
    gs_rot_rect r = gs_pose__roi_from_det(&top, 548, 342);
    fprintf(stderr, "golden ROI from the best anchor: centre %.2f,%.2f side %.2f rotation %.4f\n",
            (double)r.cx, (double)r.cy, (double)r.width, (double)r.rotation);
    CHECK_NEAR(r.rotation, -0.200, 0.0006);
    CHECK_NEAR(r.width, 445.7, 0.06);
    CHECK_NEAR(r.cx, 266.9, 0.06);
    CHECK_NEAR(r.cy, 227.0, 0.35); /* 226.7: the golden tool's letterbox rounding differs */
    /* MediaPipe's weighted NMS averages the 9 overlapping candidates: a little different. */
    int k = gs_pose__nms_weighted(d, n, 0.3f, out, 4);
    CHECK_EQ_INT(k, 1);
    gs_pose__det_unletterbox(&out[0], pad);
    r = gs_pose__roi_from_det(&out[0], 548, 342);
    fprintf(stderr, "golden ROI after weighted NMS: centre %.2f,%.2f side %.2f rotation %.4f\n",
            (double)r.cx, (double)r.cy, (double)r.width, (double)r.rotation);
    CHECK_NEAR(out[0].score, 0.9475957186495985, 1e-6);
    CHECK_NEAR(r.rotation, -0.200, 0.01);
    CHECK_NEAR(r.width, 445.7, 0.01 * 445.7);
    CHECK_NEAR(r.cx, 266.9, 2);
    CHECK_NEAR(r.cy, 227.0, 2);
    return 1;
}

/* ---- regions and landmarks ---- */

static void roi_from_points_follows_mediapipe(void)
{
    /* p1 straight above p0: no rotation, side 2 x 100 x 1.25 */
    gs_rot_rect r = gs_pose__roi_from_points(200, 300, 200, 200);
    CHECK_NEAR(r.cx, 200, 1e-4);
    CHECK_NEAR(r.cy, 300, 1e-4);
    CHECK_NEAR(r.width, 250, 1e-3);
    CHECK_NEAR(r.height, 250, 1e-3);
    CHECK_NEAR(r.rotation, 0, 1e-6);
    /* p1 to the right (body lying, head right): rotation +90 deg */
    r = gs_pose__roi_from_points(0, 0, 40, 0);
    CHECK_NEAR(r.rotation, GS_PI / 2, 1e-6);
    CHECK_NEAR(r.width, 100, 1e-4);
    /* p1 below (upside down): normalised into [-pi, pi) */
    r = gs_pose__roi_from_points(0, 0, 0, 10);
    CHECK_NEAR(fabs(r.rotation), GS_PI, 1e-6);
    /* slightly leaning: p1 up and a bit right -> small positive rotation (clockwise) */
    r = gs_pose__roi_from_points(0, 0, 10, -100);
    CHECK_NEAR(r.rotation, atan2(10, 100), 1e-6);
}

/* A made raw region: centre moving at (vx, vy) px per frame with a small wobble, side 800 px. */
static gs_rot_rect made_raw_roi(int i, double vx, double vy)
{
    gs_rot_rect r;
    r.cx = (float)(400 + vx * i + 3 * sin(0.7 * i));
    r.cy = (float)(600 + vy * i + 4 * cos(0.45 * i));
    r.width = r.height = (float)(800 * (1 + 0.02 * sin(0.3 * i)));
    r.rotation = (float)(0.03 * sin(0.5 * i));
    return r;
}

static void steady_roi_ignores_last_bits_and_follows_the_runner(void)
{
    gs_pose__roi_hist ha = {0}, hb = {0}, hc = {0};
    int differ = 0, n = 400;
    double worst_lag = 0, worst_glitch = 0;
    for (int i = 0; i < n; i++) {
        gs_rot_rect raw = made_raw_roi(i, 6, -1), nudged = raw, glitch = raw;
        /* a last-bits difference: 0.001 px, alternating in sign */
        nudged.cx += (i % 2 ? 1e-3f : -1e-3f);
        nudged.cy += (i % 3 ? 1e-3f : -1e-3f);
        if (i == 200) /* one frame whose landmarks jumped a quarter of the region */
            glitch.cx += 200, glitch.cy -= 150;
        gs_rot_rect a = gs_pose__roi_steady(&ha, raw, i + 1);
        gs_rot_rect b = gs_pose__roi_steady(&hb, nudged, i + 1);
        gs_rot_rect c = gs_pose__roi_steady(&hc, glitch, i + 1);
        differ += memcmp(&a, &b, sizeof(a)) != 0;
        if (i >= 5) {
            /* no lag at 6 px a frame: within a cell (1/32 of the side) of the raw region */
            double d = hypot(a.cx - raw.cx, a.cy - raw.cy) / a.width;
            worst_lag = d > worst_lag ? d : worst_lag;
            CHECK_NEAR(log(a.width / raw.width), 0, 0.05);
            CHECK_NEAR(a.rotation, raw.rotation, 0.05);
        }
        if (i >= 200 && i < 205) {
            double d = hypot(c.cx - a.cx, c.cy - a.cy) / a.width;
            worst_glitch = d > worst_glitch ? d : worst_glitch;
        }
    }
    fprintf(stderr,
            "steady region: %d of %d frames changed by a 0.001 px nudge; worst offset "
            "%.4f sides moving, %.4f sides after a glitch frame\n",
            differ, n, worst_lag, worst_glitch);
    /* a boundary lies within 0.001 px about once in 10^4 frame-coordinates */
    CHECK(differ <= 1);
    CHECK(worst_lag < 1.0 / 32);
    CHECK(worst_glitch < 1.0 / 32); /* the glitch frame moved nothing by more than a cell */
    /* a still runner is framed a little differently on each frame (the grid offset moves) */
    gs_pose__roi_hist hs = {0};
    float xs[8];
    int distinct = 0;
    for (int i = 0; i < 8; i++) {
        gs_rot_rect r = gs_pose__roi_steady(&hs, made_raw_roi(0, 0, 0), 100 + i);
        xs[i] = r.cx;
        for (int j = 0; j < i; j++)
            if (xs[j] == xs[i])
                break;
            else if (j == i - 1)
                distinct++;
        CHECK(fabsf(r.cx - made_raw_roi(0, 0, 0).cx) <= 0.5f * r.width / 32 + 1e-3f);
    }
    CHECK(distinct >= 5);
}

/* A made side-view skeleton at frame i: hips at (600 + pan_px * i, 700), shaken by 150 px on odd
 * frames when pan_px is not 0 (a handheld camera), knees, ankles, heels and toes of a runner at
 * 1.4 strides/s filmed at fps (legs swinging +-220 px in antiphase). */
static void made_skeleton(gs_kp *k, int i, double fps, double pan_px)
{
    memset(k, 0, sizeof(gs_kp) * GS_POSE_NKP);
    double hx = 600 + pan_px * i + (pan_px != 0 && i % 2 ? 150 : 0);
    double ph = 2 * GS_PI * 1.4 * i / fps;
    for (int j = 0; j < GS_POSE_NKP; j++) {
        k[j].x = (float)hx;
        k[j].y = 500; /* upper body */
    }
    k[GS_KP_LEFT_HIP].x = k[GS_KP_RIGHT_HIP].x = (float)hx;
    k[GS_KP_LEFT_HIP].y = k[GS_KP_RIGHT_HIP].y = 700;
    for (int s = 0; s < 2; s++) {
        double sw = 220 * sin(ph + s * GS_PI), lift = 60 * (1 + cos(ph + s * GS_PI));
        int knee = s ? GS_KP_RIGHT_KNEE : GS_KP_LEFT_KNEE;
        int ids[3] = {s ? GS_KP_RIGHT_ANKLE : GS_KP_LEFT_ANKLE,
                      s ? GS_KP_RIGHT_HEEL : GS_KP_LEFT_HEEL,
                      s ? GS_KP_RIGHT_FOOT_INDEX : GS_KP_LEFT_FOOT_INDEX};
        k[knee].x = (float)(hx + 0.5 * sw);
        k[knee].y = (float)(950 - 0.5 * lift);
        for (int q = 0; q < 3; q++) {
            k[ids[q]].x = (float)(hx + sw + (q == 1 ? -30 : q == 2 ? 60 : 0));
            k[ids[q]].y = (float)(1200 - lift + (q ? 40 : 0));
        }
    }
}

static void leg_jump_flags_a_foot_off_its_path_only(void)
{
    const float side = 1500; /* region side of this runner: legs about 500 px */
    gs_kp k[3][GS_POSE_NKP];
    float worst[2] = {0, 0};
    /* a real stride at 30 and 60 frames/s, the camera panning 15 px a frame and shaking by 150
     * px (0.2 of the side off the constant-speed prediction in the image): no jump */
    for (int r = 0; r < 2; r++) {
        double fps = r ? 60 : 30;
        for (int i = 2; i < 100; i++) {
            for (int j = 0; j < 3; j++)
                made_skeleton(k[j], i - 2 + j, fps, 15);
            float jmp = gs_pose__leg_jump(k[0], k[1], k[2], side);
            worst[r] = jmp > worst[r] ? jmp : worst[r];
            CHECK_MSG(!gs_pose__leg_jumped(jmp), "%.0f fps frame %d: a real stride jumped %.3f",
                      fps, i, (double)jmp);
        }
    }
    fprintf(stderr, "leg jump of a made stride: at most %.3f (30 fps), %.3f (60 fps) of the side\n",
            (double)worst[0], (double)worst[1]);
    /* frame 140 of the 60 fps clip: the right foot put 540 px forward, between the legs */
    for (int j = 0; j < 3; j++)
        made_skeleton(k[j], 40 + j, 60, 0);
    k[2][GS_KP_RIGHT_FOOT_INDEX].x += 540;
    CHECK(gs_pose__leg_jumped(gs_pose__leg_jump(k[0], k[1], k[2], side)));
    /* the whole body moved (a person's region shifted, the legs with it): not a leg jump */
    for (int j = 0; j < 3; j++)
        made_skeleton(k[j], 40 + j, 60, 0);
    for (int q = 0; q < GS_POSE_NKP; q++)
        k[2][q].x += 300;
    CHECK(!gs_pose__leg_jumped(gs_pose__leg_jump(k[0], k[1], k[2], side)));
    CHECK_NEAR(gs_pose__leg_jump(k[0], k[1], k[2], 0), 0, 0);
    /* the model exchanged the legs' labels on the last frame, or on the one before: no jump
     * (the clean-up's swap fix owns the labels) */
    for (int j = 0; j < 3; j++)
        made_skeleton(k[j], 40 + j, 60, 0);
    gs_pose__swap_lr(k[2], 0);
    CHECK(!gs_pose__leg_jumped(gs_pose__leg_jump(k[0], k[1], k[2], side)));
    gs_pose__swap_lr(k[2], 0);
    gs_pose__swap_lr(k[1], 0);
    CHECK(!gs_pose__leg_jumped(gs_pose__leg_jump(k[0], k[1], k[2], side)));
    /* ... and the prediction follows the legs, not the labels */
    gs_kp pred[GS_POSE_NKP];
    gs_pose__leg_predict(k[0], k[1], pred);
    CHECK_NEAR(pred[GS_KP_LEFT_ANKLE].x, k[2][GS_KP_LEFT_ANKLE].x, 2);
    CHECK_NEAR(pred[GS_KP_RIGHT_ANKLE].x, k[2][GS_KP_RIGHT_ANKLE].x, 2);
}

static void recheck_keeps_the_answer_the_regions_agree_on(void)
{
    const float side = 1500;
    gs_rot_rect tr = {700, 720, 1500, 1500, -0.03f}, r[GS_POSE__RECHECK_MAX];
    CHECK_EQ_INT(gs_pose__recheck_rois(&tr, r), GS_POSE__RECHECK_MAX);
    CHECK(memcmp(&r[0], &tr, sizeof(tr)) == 0); /* the tracked region first */
    for (int i = 1; i < GS_POSE__RECHECK_MAX; i++) {
        double d = hypot(r[i].cx - tr.cx, r[i].cy - tr.cy);
        CHECK(d == 0 ? fabs(r[i].width / tr.width - 1.1) < 1e-6 : fabs(d - tr.width / 16) < 1e-3);
        CHECK_NEAR(r[i].rotation, tr.rotation, 0);
    }
    /* six answers for one frame (the made runner at 40, 41 before it): 0 the tracked region's,
     * both feet between the legs; 1, 2 and 4 on the shoes (a few px apart), 3 on the shoes with
     * the legs' labels exchanged, 5 another wrong answer */
    static gs_kp a[GS_POSE__RECHECK_MAX][GS_POSE_NKP], prev[2][GS_POSE_NKP], pred[GS_POSE_NKP];
    for (int i = 0; i < GS_POSE__RECHECK_MAX; i++) {
        made_skeleton(a[i], 42, 60, 0);
        for (int q = 0; q < GS_POSE_NKP; q++) {
            a[i][q].x += (float)(3 * i);
            a[i][q].y -= (float)(2 * i);
        }
    }
    made_skeleton(prev[0], 40, 60, 0);
    made_skeleton(prev[1], 41, 60, 0);
    gs_pose__leg_predict(prev[0], prev[1], pred);
    for (int q = 25; q <= 32; q++) {
        a[0][q].x = 650 + (float)(q % 2) * 40; /* between the legs */
        a[5][q].x = 900;
    }
    gs_pose__swap_lr(a[3], 0);
    const gs_kp *ans[GS_POSE__RECHECK_MAX];
    for (int i = 0; i < GS_POSE__RECHECK_MAX; i++)
        ans[i] = a[i];
    int w = gs_pose__recheck_choose(ans, GS_POSE__RECHECK_MAX, pred, side);
    CHECK_MSG(w == 1 || w == 2 || w == 4, "kept answer %d", w);
    /* without the labelling preference the answer may carry either labelling, never a wrong
     * place: the between-the-legs answer is nearest to all on average but agrees with none */
    w = gs_pose__recheck_choose(ans, GS_POSE__RECHECK_MAX, NULL, side);
    CHECK_MSG(w >= 1 && w <= 4, "kept answer %d", w);
    /* only exchanged labels agree with each other: that place is kept, with the labels the
     * prediction asks for when there is a choice */
    gs_pose__swap_lr(a[1], 0);
    gs_pose__swap_lr(a[2], 0);
    w = gs_pose__recheck_choose(ans, GS_POSE__RECHECK_MAX, pred, side);
    CHECK_MSG(w == 4, "kept answer %d", w);
    CHECK_EQ_INT(gs_pose__recheck_choose(ans, 1, pred, side), 0);
}

static void landmarks_project_through_the_rotated_region(void)
{
    static float lm[GS_POSE__NUM_LM * 5], world[GS_POSE__NUM_LM * 3];
    static float hm[GS_POSE__HM_SIZE * GS_POSE__HM_SIZE * GS_POSE__NUM_LM];
    gs_pose__lm out;
    gs_rot_rect roi = {500, 400, 200, 200, (float)(GS_PI / 2)};
    memset(lm, 0, sizeof(lm));
    /* landmark 0 at the crop centre, 1 at the top centre, 2 at the right middle */
    lm[0] = 128;
    lm[1] = 128;
    lm[5] = 128;
    lm[6] = 0;
    lm[10] = 256;
    lm[11] = 128;
    lm[2] = 25.6f; /* z: 0.1 of the crop width -> 20 px */
    lm[3] = 0;     /* visibility logit 0 -> 0.5 */
    world[3] = 1;  /* landmark 1 world x = 1 m */
    /* auxiliary 33 at the centre, 34 at the top */
    lm[33 * 5 + 0] = 128;
    lm[33 * 5 + 1] = 128;
    lm[34 * 5 + 0] = 128;
    lm[34 * 5 + 1] = 64;
    gs_pose__lm_decode(lm, NULL, world, 0.9f, &roi, &out);
    CHECK_NEAR(out.presence, 0.9, 1e-6);
    CHECK_NEAR(out.kp[0].x, 500, 1e-3);
    CHECK_NEAR(out.kp[0].y, 400, 1e-3);
    /* rotation +90 deg (clockwise on screen): the crop's up points to the image's right */
    CHECK_NEAR(out.kp[1].x, 600, 1e-3);
    CHECK_NEAR(out.kp[1].y, 400, 1e-3);
    CHECK_NEAR(out.kp[2].x, 500, 1e-3);
    CHECK_NEAR(out.kp[2].y, 500, 1e-3);
    CHECK_NEAR(out.kp[0].z, 20, 1e-3);
    CHECK_NEAR(out.kp[0].vis, 0.5, 1e-6);
    CHECK_NEAR(out.world[1][0], 0, 1e-6);
    CHECK_NEAR(out.world[1][1], 1, 1e-6);
    /* the next region from the auxiliary points: centre 500,400, side 2 x 50 x 1.25 */
    gs_rot_rect nr =
        gs_pose__roi_from_points(out.aux[0][0], out.aux[0][1], out.aux[1][0], out.aux[1][1]);
    CHECK_NEAR(nr.width, 125, 1e-3);
    CHECK_NEAR(nr.rotation, GS_PI / 2, 1e-5);

    /* heatmap refinement: a confident 3 x 3 blob centred on column 40, row 20 moves landmark 3
     * (raw at column 41.5, row 21.3) to 40/64, 20/64 of the crop; a weak blob does nothing */
    for (size_t i = 0; i < sizeof(hm) / sizeof(hm[0]); i++)
        hm[i] = -20;
    for (int r = 19; r <= 21; r++)
        for (int c = 39; c <= 41; c++)
            hm[((size_t)r * 64 + (size_t)c) * GS_POSE__NUM_LM + 3] = 4;
    for (int r = 9; r <= 11; r++)
        for (int c = 9; c <= 11; c++)
            hm[((size_t)r * 64 + (size_t)c) * GS_POSE__NUM_LM + 4] = -1; /* sigmoid 0.27 */
    float xy[GS_POSE__NUM_LM][2] = {{0}};
    xy[3][0] = 41.5f / 64;
    xy[3][1] = 21.3f / 64;
    xy[4][0] = 10.2f / 64;
    xy[4][1] = 10.2f / 64;
    xy[5][0] = -0.5f; /* outside: unchanged */
    gs_pose__refine_heatmap(xy, GS_POSE__NUM_LM, hm, 64, 64, 7, 0.5f);
    CHECK_NEAR(xy[3][0], 40.0 / 64, 1e-4);
    CHECK_NEAR(xy[3][1], 20.0 / 64, 1e-4);
    CHECK_NEAR(xy[4][0], 10.2 / 64, 1e-6);
    CHECK_NEAR(xy[5][0], -0.5, 1e-7);
}

/* ---- clean-up on made tracks ---- */

/* Made runner: stride frequency 1.4 Hz, 30 fps, 8 s; view 0 side (facing image right),
 * 2 rear. Noise: deterministic, uniform in [-noise, noise] px. */
#define MADE_STRIDE_HZ 1.4
#define MADE_FPS       30.0
#define VIEW_SIDE      0
#define VIEW_REAR      2

static unsigned made_rng = 1;
static float made_noise(double amp)
{
    made_rng = made_rng * 1103515245u + 12345u;
    return (float)(amp * (((made_rng >> 8) & 0xffff) / 32767.5 - 1.0));
}

static void put(gs_kp *k, double x, double y, double z, double vis, double noise)
{
    k->x = (float)x + made_noise(noise);
    k->y = (float)y + made_noise(noise);
    k->z = (float)z;
    k->vis = (float)vis;
}

static gs_pose_track *made_runner(int view, double noise_px)
{
    gs_pose_track *t = NULL;
    const int n = (int)(8 * MADE_FPS);
    const double d2r = GS_PI / 180;
    made_rng = 7;
    if (gs_pose_track_new(n, &t, NULL) != GS_OK)
        return NULL;
    t->width = 800;
    t->height = 600;
    t->fps = MADE_FPS;
    for (int i = 0; i < n; i++) {
        gs_pose_frame *f = &t->frames[i];
        gs_kp *k = f->kp;
        double tt = i / MADE_FPS, ph = 2 * GS_PI * MADE_STRIDE_HZ * tt;
        f->t_s = tt;
        f->has_kp = 1;
        f->score = 0.99f;
        for (int side = 0; side < 2; side++) { /* 0 left, 1 right */
            double p = ph + side * GS_PI, zs = side ? 20 : -20;
            int hip = GS_KP_LEFT_HIP + side, knee = GS_KP_LEFT_KNEE + side;
            int ank = GS_KP_LEFT_ANKLE + side, heel = GS_KP_LEFT_HEEL + side;
            int toe = GS_KP_LEFT_FOOT_INDEX + side, sh = GS_KP_LEFT_SHOULDER + side;
            int el = GS_KP_LEFT_ELBOW + side, wr = GS_KP_LEFT_WRIST + side;
            if (view == VIEW_SIDE) {
                double hx = 400 + (side ? 3 : -3), hy = 300;
                double th = 30 * d2r * sin(p), kap = (20 + 35 * (1 - cos(p + 0.8)) / 2) * d2r;
                double kx = hx + 100 * sin(th), ky = hy + 100 * cos(th);
                double ax = kx + 100 * sin(th - kap), ay = ky + 100 * cos(th - kap);
                put(&k[hip], hx, hy, zs, 0.99, noise_px);
                put(&k[knee], kx, ky, zs, 0.99, noise_px);
                put(&k[ank], ax, ay, zs, 0.99, noise_px);
                put(&k[heel], ax - 15, ay + 8, zs, 0.99, noise_px);
                put(&k[toe], ax + 30, ay + 12, zs, 0.99, noise_px);
                double a = -35 * d2r * sin(p);
                double sx = 400 + (side ? 4 : -4), sy = 150;
                double ex = sx + 70 * sin(a), ey = sy + 70 * cos(a);
                put(&k[sh], sx, sy, zs, 0.99, noise_px);
                put(&k[el], ex, ey, zs, 0.99, noise_px);
                put(&k[wr], ex + 60 * sin(a + 80 * d2r), ey + 60 * cos(a + 80 * d2r), zs, 0.99,
                    noise_px);
            } else { /* rear: the person's left on the image left, feet lift alternately */
                double hx = side ? 430 : 370, lift = fmax(0, sin(p));
                put(&k[hip], hx, 300, 0, 0.99, noise_px);
                put(&k[knee], hx, 400 - 30 * lift, 0, 0.99, noise_px);
                put(&k[ank], hx, 500 - 60 * lift, 0, 0.99, noise_px);
                put(&k[heel], hx, 510 - 60 * lift, 0, 0.99, noise_px);
                put(&k[toe], hx, 505 - 50 * lift, 0, 0.99, noise_px);
                put(&k[sh], side ? 445 : 355, 150, 0, 0.99, noise_px);
                put(&k[el], side ? 455 : 345, 220, 0, 0.99, noise_px);
                put(&k[wr], side ? 450 : 350, 280, 0, 0.99, noise_px);
            }
            for (int h = 0; h < 3; h++) { /* pinky, index, thumb near the wrist */
                int id = GS_KP_LEFT_PINKY + 2 * h + side;
                put(&k[id], k[wr].x + 5 * (h - 1), k[wr].y + 12, zs, 0.9, 0);
            }
        }
        /* face */
        double fx = view == VIEW_SIDE ? 430 : 400, fv = 0.99; /* BlazePose: ~1 even from behind */
        put(&k[GS_KP_NOSE], fx, 100, view == VIEW_SIDE ? -10 : 30, fv, noise_px);
        for (int j = 1; j <= 10; j++) {
            int left = (j >= 1 && j <= 3) || j == 7 || j == 9;
            double dx = view == VIEW_SIDE ? -3 * (j % 4) : (left ? -1 : 1) * (5 + 3 * (j % 4));
            put(&k[j], fx + dx, j >= 9 ? 112 : j >= 7 ? 98 : 92, 0, fv, noise_px);
        }
    }
    return t;
}

static int legs_differ(const gs_pose_frame *a, const gs_pose_frame *b)
{
    /* labels differ: a's left ankle sits nearer b's right ankle than b's left ankle */
    float dl = hypotf(a->kp[GS_KP_LEFT_ANKLE].x - b->kp[GS_KP_LEFT_ANKLE].x,
                      a->kp[GS_KP_LEFT_ANKLE].y - b->kp[GS_KP_LEFT_ANKLE].y);
    float dr = hypotf(a->kp[GS_KP_LEFT_ANKLE].x - b->kp[GS_KP_RIGHT_ANKLE].x,
                      a->kp[GS_KP_LEFT_ANKLE].y - b->kp[GS_KP_RIGHT_ANKLE].y);
    return dr + 1.0f < dl;
}

static void swap_fixer_repairs_injected_swaps_and_adds_none(void)
{
    gs_pose_track *truth = made_runner(VIEW_SIDE, 2.0), *t = made_runner(VIEW_SIDE, 2.0);
    CHECK(truth && t);
    if (!truth || !t)
        goto done;
    /* a clean track: nothing to fix */
    CHECK_EQ_INT(gs_pose__fix_swaps(t, 0), 0);
    CHECK_EQ_INT(gs_pose__fix_swaps(t, 1), 0);
    /* inject leg swaps as BlazePose makes them in side views: single frames and runs up to
     * 6 frames (0.2 s). Longer wrong stretches are not undone by design (clean.c SWAP_PRIOR). */
    const int starts[] = {20, 61, 100, 150, 190}, lens[] = {1, 3, 6, 4, 2};
    int injected = 0;
    for (int s = 0; s < 5; s++)
        for (int k = 0; k < lens[s]; k++) {
            gs_pose__swap_lr(t->frames[starts[s] + k].kp, 0);
            injected++;
        }
    int wrong_before = 0, wrong_after = 0;
    for (int32_t i = 0; i < t->n_frames; i++)
        wrong_before += legs_differ(&t->frames[i], &truth->frames[i]);
    int fixed = gs_pose__fix_swaps(t, 0);
    for (int32_t i = 0; i < t->n_frames; i++)
        wrong_after += legs_differ(&t->frames[i], &truth->frames[i]);
    fprintf(stderr,
            "swap fixer (made runner, side view): %d injected, %d visibly wrong before, "
            "%d fixed, %d wrong after\n",
            injected, wrong_before, fixed, wrong_after);
    CHECK(wrong_before > 0);
    CHECK_EQ_INT(wrong_after, 0);
    CHECK(fixed >= wrong_before);
done:
    gs_pose_track_free(&truth);
    gs_pose_track_free(&t);
}

/*
 * The leg labels' stance memory on real landmarks: walk_side_overground_04, frames 96-123, raw
 * landmarks 23-32 (left hip, right hip, left knee, ... right foot index; x, y each) by main's
 * tracker, to 0.1 px. From 100 the right foot stands at about 730 px; the left one swings past it
 * and on to 772-810 px (behind the shoe rack from 113, looked at frame by frame), where the
 * model labels it right over 112-115 and the standing foot left. A 3-frame cost followed the raw
 * labels there (the left foot put on the right one's stance spot, then a 60 px jump at 116).
 */
static const float walk04_legs[28][20] = {
    {627.4, 270.3, 635.1, 271.4, 598.8, 369.5, 675.3, 375.9, 570.9, 466.5,
     698.9, 475.9, 560.7, 481.4, 692.6, 493.6, 607.9, 480.5, 749.1, 492.1}, /* 96 */
    {638.0, 269.3, 643.3, 272.2, 607.2, 369.9, 678.2, 377.3, 570.9, 461.5,
     707.5, 475.7, 560.1, 478.0, 700.6, 493.0, 611.1, 481.1, 756.1, 492.7}, /* 97 */
    {651.4, 270.4, 658.1, 273.2, 616.2, 367.5, 681.1, 381.5, 572.2, 458.5,
     711.4, 478.7, 560.2, 475.4, 705.2, 498.3, 610.8, 479.8, 759.3, 490.8}, /* 98 */
    {660.9, 271.7, 667.6, 276.0, 622.5, 366.0, 693.4, 382.3, 574.1, 455.2,
     713.2, 479.6, 562.0, 473.3, 705.1, 496.0, 612.1, 480.5, 762.1, 497.9}, /* 99 */
    {674.0, 269.9, 679.9, 271.8, 638.3, 367.4, 691.8, 375.9, 578.6, 453.5,
     716.3, 477.0, 565.9, 467.7, 707.6, 493.3, 612.1, 480.4, 765.4, 495.4}, /* 100 */
    {689.8, 268.3, 688.9, 272.3, 650.2, 368.5, 703.0, 377.9, 585.3, 450.0,
     716.6, 476.8, 571.8, 462.2, 708.5, 492.7, 618.8, 483.3, 762.1, 497.0}, /* 101 */
    {697.9, 262.7, 697.8, 266.4, 666.4, 368.4, 709.2, 372.8, 595.5, 441.3,
     717.0, 477.9, 581.4, 451.5, 706.9, 493.4, 613.1, 481.4, 766.2, 497.3}, /* 102 */
    {699.6, 262.6, 701.0, 267.1, 689.4, 368.0, 710.5, 373.0, 609.7, 435.5,
     716.7, 476.2, 596.0, 441.3, 707.4, 492.3, 619.5, 478.0, 764.3, 495.0}, /* 103 */
    {711.8, 261.6, 709.3, 264.8, 703.0, 366.0, 722.6, 369.0, 622.4, 432.6,
     719.0, 476.0, 608.3, 438.1, 709.0, 492.1, 630.3, 476.8, 767.0, 496.1}, /* 104 */
    {716.1, 258.0, 710.8, 262.7, 709.6, 362.2, 724.2, 366.9, 637.8, 430.5,
     718.7, 475.4, 625.5, 436.5, 708.1, 494.0, 641.4, 473.3, 765.9, 496.6}, /* 105 */
    {718.9, 258.8, 722.2, 262.7, 718.0, 358.6, 731.8, 365.6, 654.9, 430.7,
     718.8, 476.2, 638.5, 439.4, 704.5, 496.2, 663.7, 471.8, 765.4, 494.6}, /* 106 */
    {729.5, 261.9, 727.1, 268.1, 725.9, 357.0, 738.0, 364.9, 670.7, 437.4,
     719.0, 477.0, 655.9, 444.0, 706.6, 494.9, 687.3, 465.2, 767.7, 493.8}, /* 107 */
    {730.8, 268.7, 739.0, 276.1, 730.1, 361.1, 741.9, 373.3, 696.0, 441.7,
     718.5, 472.0, 677.1, 445.9, 707.8, 494.1, 709.6, 462.5, 763.5, 491.1}, /* 108 */
    {737.8, 262.3, 749.6, 267.4, 737.5, 359.0, 749.4, 372.6, 707.8, 445.9,
     718.4, 473.3, 694.5, 457.5, 706.9, 494.7, 726.7, 460.6, 765.4, 493.3}, /* 109 */
    {746.7, 270.3, 757.8, 275.3, 747.3, 367.0, 749.7, 383.4, 726.4, 455.8,
     720.8, 472.8, 713.6, 474.2, 707.3, 492.6, 759.7, 472.4, 765.3, 489.3}, /* 110 */
    {756.2, 276.1, 772.3, 279.6, 755.2, 366.3, 755.1, 382.1, 734.5, 457.4,
     730.0, 467.3, 724.3, 473.0, 716.7, 485.3, 767.5, 477.4, 769.6, 487.4}, /* 111 */
    {756.7, 270.5, 778.4, 271.4, 752.5, 363.4, 778.6, 367.7, 726.3, 461.6,
     760.8, 456.7, 716.3, 479.3, 755.8, 481.1, 764.3, 481.2, 798.8, 475.0}, /* 112 */
    {761.6, 263.9, 780.3, 264.9, 751.2, 365.3, 787.5, 361.5, 718.6, 468.9,
     791.4, 448.9, 705.7, 486.8, 774.2, 482.8, 761.0, 489.9, 825.3, 476.7}, /* 113 */
    {764.6, 271.1, 784.2, 272.0, 752.4, 370.7, 799.4, 369.9, 718.8, 469.2,
     800.8, 456.0, 710.4, 485.7, 795.0, 471.6, 765.6, 490.0, 833.3, 482.8}, /* 114 */
    {769.1, 268.2, 787.4, 272.2, 759.3, 367.5, 801.4, 368.2, 720.7, 464.1,
     803.0, 460.9, 711.4, 481.9, 783.2, 490.2, 767.3, 487.7, 834.9, 481.7}, /* 115 */
    {777.7, 265.6, 788.4, 269.4, 778.0, 360.9, 776.0, 376.4, 782.4, 434.8,
     725.1, 469.7, 772.3, 451.9, 712.8, 486.5, 822.6, 446.3, 777.1, 495.9}, /* 116 */
    {793.5, 266.0, 795.1, 270.6, 817.2, 360.6, 767.9, 371.3, 812.5, 440.3,
     724.2, 466.4, 800.7, 455.0, 710.9, 483.2, 849.6, 462.4, 770.2, 493.9}, /* 117 */
    {791.1, 267.3, 805.3, 270.0, 770.5, 367.5, 812.5, 365.5, 721.7, 465.7,
     816.7, 455.2, 707.2, 482.2, 795.4, 477.2, 763.3, 491.0, 849.8, 477.5}, /* 118 */
    {809.2, 267.2, 815.4, 268.3, 818.7, 360.0, 785.5, 371.6, 802.2, 453.8,
     723.8, 463.7, 790.1, 471.7, 711.2, 479.6, 836.5, 469.8, 769.7, 491.7}, /* 119 */
    {809.1, 267.7, 814.4, 268.2, 817.6, 369.3, 793.1, 371.5, 776.5, 461.7,
     726.9, 462.0, 760.8, 477.5, 713.8, 476.6, 799.5, 479.0, 767.9, 491.5}, /* 120 */
    {824.3, 265.3, 818.4, 266.7, 842.7, 354.3, 795.2, 373.9, 815.2, 429.8,
     726.8, 461.2, 802.8, 442.9, 712.4, 474.1, 843.6, 449.1, 762.6, 494.7}, /* 121 */
    {821.4, 268.8, 819.0, 270.6, 829.3, 364.3, 802.6, 374.8, 790.0, 453.0,
     728.0, 459.2, 773.9, 465.9, 710.1, 471.5, 813.1, 472.0, 765.2, 493.7}, /* 122 */
    {820.7, 265.9, 821.3, 270.9, 814.0, 365.3, 810.0, 376.1, 738.0, 449.4,
     731.1, 456.1, 721.1, 460.5, 712.8, 467.4, 771.0, 484.0, 764.8, 494.8}, /* 123 */
};

/* gs_pose_track_copy: the same fields and frames, in frames of its own */
static void track_copy_is_whole_and_separate(void)
{
    gs_pose_track *t = NULL, *c = NULL;
    CHECK_EQ_INT(gs_pose_track_new(3, &t, NULL), GS_OK);
    if (!t)
        return;
    t->width = 1280;
    t->height = 720;
    t->fps = 29.97;
    snprintf(t->source, sizeof(t->source), "clip.mp4");
    t->frames[2].kp[GS_KP_LEFT_HEEL].x = 640.5f;
    CHECK_EQ_INT(gs_pose_track_copy(t, &c, NULL), GS_OK);
    if (c) {
        CHECK_EQ_INT(c->n_frames, 3);
        CHECK_EQ_INT(c->width, 1280);
        CHECK_EQ_INT(c->height, 720);
        CHECK_NEAR(c->fps, 29.97, 1e-12);
        CHECK(strcmp(c->source, "clip.mp4") == 0);
        CHECK(c->frames != t->frames);
        CHECK_NEAR(c->frames[2].kp[GS_KP_LEFT_HEEL].x, 640.5, 1e-6);
        c->frames[2].kp[GS_KP_LEFT_HEEL].x = 1.0f;
        CHECK_NEAR(t->frames[2].kp[GS_KP_LEFT_HEEL].x, 640.5, 1e-6);
    }
    gs_pose_track_free(&c);
    gs_pose_track_free(&t);
}

static void swap_fixer_keeps_the_standing_foot_in_place(void)
{
    gs_pose_track *t = NULL;
    CHECK_EQ_INT(gs_pose_track_new(28, &t, NULL), GS_OK);
    if (!t)
        return;
    for (int32_t i = 0; i < 28; i++) {
        gs_pose_frame *f = &t->frames[i];
        f->t_s = (96 + i) / 30.224054647474993; /* the clip's frame rate */
        f->has_kp = 1;
        f->score = 1;
        for (int j = 0; j < 10; j++) {
            f->kp[23 + j].x = walk04_legs[i][2 * j];
            f->kp[23 + j].y = walk04_legs[i][2 * j + 1];
            f->kp[23 + j].vis = 1;
        }
    }
    gs_pose__fix_swaps(t, 0);
    double worst = 0;
    for (int32_t i = 100 - 96; i < 28; i++) {
        double d = fabs(t->frames[i].kp[GS_KP_RIGHT_ANKLE].x - 730.0);
        worst = d > worst ? d : worst;
    }
    fprintf(stderr,
            "stance memory (walk_04 96-123): right ankle at most %.1f px off 730, left "
            "ankle x at 112-115: %.0f %.0f %.0f %.0f\n",
            worst, t->frames[16].kp[GS_KP_LEFT_ANKLE].x, t->frames[17].kp[GS_KP_LEFT_ANKLE].x,
            t->frames[18].kp[GS_KP_LEFT_ANKLE].x, t->frames[19].kp[GS_KP_LEFT_ANKLE].x);
    for (int32_t i = 112 - 96; i <= 115 - 96; i++)
        CHECK_MSG(t->frames[i].kp[GS_KP_LEFT_ANKLE].x > 750, "frame %d: left ankle at %.0f px",
                  96 + i, t->frames[i].kp[GS_KP_LEFT_ANKLE].x);
    CHECK(worst < 40);
    gs_pose_track_free(&t);
}

static void facing_fix_unmirrors_a_rear_view_stretch(void)
{
    gs_pose_track *truth = made_runner(VIEW_REAR, 1.0), *t = made_runner(VIEW_REAR, 1.0);
    int view = -1;
    CHECK(truth && t);
    if (!truth || !t)
        goto done;
    /* the model takes the back for the front for 2 s: every pair mirrored */
    for (int32_t i = 60; i < 120; i++) {
        gs_pose__swap_lr(t->frames[i].kp, -1);
        t->frames[i].kp[GS_KP_NOSE].z = -30; /* and believes the nose is nearest */
    }
    int n = gs_pose__fix_facing(t, &view);
    CHECK_EQ_INT(view, 2);
    CHECK_EQ_INT(n, 60);
    int wrong = 0;
    for (int32_t i = 0; i < t->n_frames; i++)
        wrong += fabsf(t->frames[i].kp[GS_KP_LEFT_SHOULDER].x -
                       truth->frames[i].kp[GS_KP_LEFT_SHOULDER].x) > 0.01f;
    CHECK_EQ_INT(wrong, 0);
    /* a side view is left alone */
    gs_pose_track *side = made_runner(VIEW_SIDE, 1.0);
    if (side) {
        CHECK_EQ_INT(gs_pose__fix_facing(side, &view), 0);
        CHECK_EQ_INT(view, 0);
    }
    gs_pose_track_free(&side);
done:
    gs_pose_track_free(&truth);
    gs_pose_track_free(&t);
}

static void gaps_up_to_0_15_s_are_filled(void)
{
    gs_pose_track *truth = made_runner(VIEW_SIDE, 0), *t = made_runner(VIEW_SIDE, 0);
    CHECK(truth && t);
    if (!truth || !t)
        goto done;
    for (int32_t i = 50; i < 54; i++) /* 4 frames = 0.133 s: filled */
        t->frames[i].has_kp = 0;
    for (int32_t i = 100; i < 110; i++) /* 10 frames = 0.33 s: left empty */
        t->frames[i].has_kp = 0;
    CHECK_EQ_INT(gs_pose__fill_gaps(t, 0.15), 4);
    CHECK(t->frames[52].has_kp && (t->frames[52].flags & GS_POSE_FLAG_GAP_FILLED));
    CHECK(!t->frames[105].has_kp);
    /* cubic Hermite through a smooth path: within a few px of the truth (hip) */
    CHECK_NEAR(t->frames[52].kp[GS_KP_LEFT_HIP].x, truth->frames[52].kp[GS_KP_LEFT_HIP].x, 3);
    CHECK_NEAR(t->frames[52].kp[GS_KP_LEFT_HIP].y, truth->frames[52].kp[GS_KP_LEFT_HIP].y, 3);
done:
    gs_pose_track_free(&truth);
    gs_pose_track_free(&t);
}

static void filtfilt_has_zero_phase_and_keeps_peaks(void)
{
    enum { N = 300 };
    static double y[N];
    const double fs = 30;
    for (int i = 0; i < N; i++)
        y[i] = sin(2 * GS_PI * 1.0 * i / fs) + 0.5 * sin(2 * GS_PI * 12.0 * i / fs);
    CHECK_EQ_INT(gs_pose__filtfilt(y, N, 6.0, fs), GS_OK);
    double max_err = 0;
    for (int i = 30; i < N - 30; i++) {
        double want = sin(2 * GS_PI * 1.0 * i / fs); /* 12 Hz removed, 1 Hz untouched */
        double e = fabs(y[i] - want);
        max_err = e > max_err ? e : max_err;
    }
    /* 4th-order magnitude at 12 Hz with fc 6 Hz: 1 / (1 + 2^4) = 0.059 -> 0.03 of 0.5 left */
    CHECK(max_err < 0.04);
    /* zero phase: the 1 Hz peak stays on its sample (t = 0.25 s + k s) */
    int arg = 60;
    for (int i = 60; i < 90; i++)
        if (y[i] > y[arg])
            arg = i;
    CHECK(abs(arg - 67) <= 1); /* 7.5 samples after 60 */
    /* ends: odd reflection, no start-up transient */
    CHECK_NEAR(y[0], 0, 0.06);
    /* constant stays constant */
    for (int i = 0; i < N; i++)
        y[i] = 5;
    gs_pose__filtfilt(y, N, 6.0, fs);
    CHECK_NEAR(y[0], 5, 1e-9);
    CHECK_NEAR(y[N / 2], 5, 1e-9);
}

static void single_landmark_glitch_is_replaced(void)
{
    gs_pose_track *truth = made_runner(VIEW_SIDE, 0), *t = made_runner(VIEW_SIDE, 0);
    CHECK(truth && t);
    if (!truth || !t)
        goto done;
    t->frames[100].kp[GS_KP_LEFT_ANKLE].x += 120; /* 0.6 leg lengths off for one frame */
    CHECK_EQ_INT(gs_pose__reject_outliers(t, 0.25), 1);
    CHECK_NEAR(t->frames[100].kp[GS_KP_LEFT_ANKLE].x, truth->frames[100].kp[GS_KP_LEFT_ANKLE].x,
               0.1 * 200);
done:
    gs_pose_track_free(&truth);
    gs_pose_track_free(&t);
}

/* Largest distance of side s's foot landmarks (ankle, heel, foot index) from the truth. */
static double foot_err(const gs_pose_frame *f, const gs_pose_frame *truth, int s)
{
    static const int ids[2][3] = {{GS_KP_LEFT_ANKLE, GS_KP_LEFT_HEEL, GS_KP_LEFT_FOOT_INDEX},
                                  {GS_KP_RIGHT_ANKLE, GS_KP_RIGHT_HEEL, GS_KP_RIGHT_FOOT_INDEX}};
    double e = 0;
    for (int q = 0; q < 3; q++)
        e = fmax(e, hypot(f->kp[ids[s][q]].x - truth->kp[ids[s][q]].x,
                          f->kp[ids[s][q]].y - truth->kp[ids[s][q]].y));
    return e;
}

/*
 * A foot that jumps 0.37 leg lengths aside for two frames (as BlazePose puts the kicked-back foot
 * into a dark patch behind the belt) and one that lands on the other foot for three frames are
 * interpolated back onto their paths and marked; a foot-only left/right swap of two frames is
 * swapped back; a clean made runner (2 px noise, side and rear) has nothing repaired.
 */
static void lost_feet_are_repaired_and_marked(void)
{
    static const int lf[3] = {GS_KP_LEFT_ANKLE, GS_KP_LEFT_HEEL, GS_KP_LEFT_FOOT_INDEX};
    static const int rf[3] = {GS_KP_RIGHT_ANKLE, GS_KP_RIGHT_HEEL, GS_KP_RIGHT_FOOT_INDEX};
    gs_pose_track *truth = made_runner(VIEW_SIDE, 1.0), *t = made_runner(VIEW_SIDE, 1.0);
    gs_pose_track *rear = made_runner(VIEW_REAR, 2.0), *side2 = made_runner(VIEW_SIDE, 2.0);
    int swapped = -1;
    CHECK(truth && t && rear && side2);
    if (!truth || !t || !rear || !side2)
        goto done;
    CHECK_EQ_INT(gs_pose__fix_lost_feet(side2, &swapped), 0);
    CHECK_EQ_INT(swapped, 0);
    CHECK_EQ_INT(gs_pose__fix_lost_feet(rear, &swapped), 0);
    CHECK_EQ_INT(swapped, 0);
    for (int i = 100; i < 102; i++) /* leg length 200 px: 74 px aside */
        for (int q = 0; q < 3; q++) {
            t->frames[i].kp[lf[q]].x -= 70;
            t->frames[i].kp[lf[q]].y += 25;
        }
    for (int i = 150; i < 153; i++) /* the left foot put on the right foot */
        for (int q = 0; q < 3; q++)
            t->frames[i].kp[lf[q]] = t->frames[i].kp[rf[q]];
    for (int i = 200; i < 202; i++) /* the feet alone exchanged */
        for (int q = 0; q < 3; q++) {
            gs_kp tmp = t->frames[i].kp[lf[q]];
            t->frames[i].kp[lf[q]] = t->frames[i].kp[rf[q]];
            t->frames[i].kp[rf[q]] = tmp;
        }
    double before = fmax(foot_err(&t->frames[100], &truth->frames[100], 0),
                         foot_err(&t->frames[151], &truth->frames[151], 0));
    int fixed = gs_pose__fix_lost_feet(t, &swapped);
    double worst = 0;
    int outside = 0;
    for (int32_t i = 0; i < t->n_frames; i++) {
        int lost = (i >= 100 && i < 102) || (i >= 150 && i < 153);
        int marked = (t->frames[i].flags & GS_POSE_FLAG_FOOT_FIXED) != 0;
        CHECK_MSG(marked == lost, "frame %d: marked %d, lost %d", (int)i, marked, lost);
        outside += marked && !lost;
        for (int s = 0; s < 2; s++)
            worst = fmax(worst, foot_err(&t->frames[i], &truth->frames[i], s));
    }
    fprintf(stderr,
            "lost feet (made runner, leg 200 px): %d frames interpolated, %d swapped back, "
            "%d marked outside the injected frames; foot error %.1f px before, worst %.1f px "
            "after\n",
            fixed, swapped, outside, before, worst);
    CHECK_EQ_INT(fixed, 5);
    CHECK_EQ_INT(swapped, 2);
    CHECK(before > 70);
    CHECK_MSG(worst < 12, "worst foot error %.1f px after the repair", worst);
    for (int q = 0; q < 3; q++)
        CHECK_NEAR(t->frames[200].kp[lf[q]].x, truth->frames[200].kp[lf[q]].x, 1e-3);
    CHECK(t->frames[200].flags & GS_POSE_FLAG_SWAP_FIXED);
    CHECK(t->frames[100].kp[GS_KP_LEFT_ANKLE].vis <= 0.5f);
done:
    gs_pose_track_free(&truth);
    gs_pose_track_free(&t);
    gs_pose_track_free(&rear);
    gs_pose_track_free(&side2);
}

/*
 * The shipped sample's stored track (tests/data/baseline_sample_pose.json.gz, raw landmarks as the
 * tracker gave them), cleaned again: at frames 48-50 BlazePose puts the near (left) foot, kicked
 * up behind the runner, onto the stance foot (raw ankle x 387, 247, 365 px); the shoe is at
 * (452, 1093), (440, 1072), (420, 1048) px (read by eye on the video frames, +-10 px). Before
 * this check the cleaned ankle stayed 60-75 px off the shoe (399/366/375 px in x).
 */
static void sample_foot_stays_on_the_shoe(const char *scratch)
{
    char path[1200], cmd[2600];
    gs_pose_track *t = NULL;
    gs_pose_clean_report rep;
    gs_error err = {0};
    static const float shoe[3][2] = {{452, 1093}, {440, 1072}, {420, 1048}};
    snprintf(path, sizeof(path), "%s/pose_sample_baseline.json", scratch);
    snprintf(cmd, sizeof(cmd), "gzip -dc '%s/tests/data/baseline_sample_pose.json.gz' > '%s'",
             GS_SOURCE_DIR, path);
    CHECK_EQ_INT(system(cmd), 0);
    CHECK_EQ_INT(gs_pose_json_read(path, &t, &err), GS_OK);
    if (!t)
        return;
    for (int32_t i = 0; i < t->n_frames; i++) {
        gs_pose_frame *f = &t->frames[i];
        CHECK(f->has_raw);
        memcpy(f->kp, f->raw, sizeof(f->kp));
        f->flags = 0;
    }
    CHECK_EQ_INT(gs_pose_clean(t, &rep, &err), GS_OK);
    fprintf(stderr, "sample: lost feet interpolated on %d frames, feet swapped on %d\n",
            rep.foot_fixed, rep.foot_swapped);
    for (int j = 0; j < 3; j++) {
        const gs_kp *a = &t->frames[48 + j].kp[GS_KP_LEFT_ANKLE];
        double d = hypot(a->x - shoe[j][0], a->y - shoe[j][1]);
        fprintf(stderr, "sample frame %d: left ankle (%.0f, %.0f), %.0f px from the shoe\n", 48 + j,
                a->x, a->y, d);
        CHECK_MSG(d < 30, "frame %d: left ankle %.0f px from the shoe", 48 + j, d);
        CHECK(t->frames[48 + j].flags & GS_POSE_FLAG_FOOT_FIXED);
    }
    /* the repair is the exception, not the rule: at most one frame in five */
    CHECK(rep.foot_fixed > 0 && rep.foot_fixed < t->n_frames / 5);
    gs_pose_track_free(&t);
}

/*
 * The legs' cycle (gs_pose_leg_cycle_s), which the gait stage uses to tell a slow-motion clip
 * played as filmed: the made runner's stride (1/1.4 Hz) in real time, and the same track played
 * 8 times slower (a 240 fps capture exported at 30), whose cycle only the 3-30 s search finds;
 * its half (gs_pose_leg_half_cycle_s) in both, and in the slowed track's first 10 s, too short for
 * the cycle. pose.json keeps the time scale the decoder applied.
 */
static void leg_cycle_finds_the_stride_in_real_and_slow_time(const char *scratch)
{
    gs_pose_track *t = made_runner(VIEW_SIDE, 2.0), *u = NULL;
    char path[1200];
    double corr = 0, c;
    CHECK(t != NULL);
    if (!t)
        return;
    c = gs_pose_leg_cycle_s(t, 0.4, 2.5, &corr);
    fprintf(stderr, "leg cycle: %.3f s (true %.3f), autocorrelation %.2f\n", c,
            1 / MADE_STRIDE_HZ, corr);
    CHECK_NEAR(c, 1 / MADE_STRIDE_HZ, 0.02 / MADE_STRIDE_HZ);
    CHECK(corr > 0.9);
    /* half of it: each foot where the other was */
    c = gs_pose_leg_half_cycle_s(t, &corr);
    fprintf(stderr, "leg half cycle: %.3f s (true %.3f), autocorrelation %.2f\n", c,
            0.5 / MADE_STRIDE_HZ, corr);
    CHECK_NEAR(c, 0.5 / MADE_STRIDE_HZ, 0.02 / MADE_STRIDE_HZ);
    CHECK(corr < -0.9);
    for (int32_t i = 0; i < t->n_frames; i++)
        t->frames[i].t_s *= 8;
    CHECK(gs_pose_leg_cycle_s(t, 0.4, 2.5, &corr) == 0);
    c = gs_pose_leg_cycle_s(t, 3.0, 30.0, &corr);
    fprintf(stderr, "leg cycle 8x slower: %.3f s (true %.3f), autocorrelation %.2f\n", c,
            8 / MADE_STRIDE_HZ, corr);
    CHECK_NEAR(c, 8 / MADE_STRIDE_HZ, 0.16 / MADE_STRIDE_HZ);
    CHECK(corr > 0.9);
    {
        /* its first 10 s of playback (1.75 cycles): too short for the cycle, not for its half */
        int32_t n = t->n_frames, n10 = 0;
        while (n10 < n && t->frames[n10].t_s <= 10.0)
            n10++;
        t->n_frames = n10;
        CHECK(gs_pose_leg_cycle_s(t, 3.0, 30.0, NULL) == 0);
        c = gs_pose_leg_half_cycle_s(t, &corr);
        fprintf(stderr, "leg half cycle 8x slower, first 10 s: %.3f s (true %.3f), "
                "autocorrelation %.2f\n", c, 4 / MADE_STRIDE_HZ, corr);
        CHECK_NEAR(c, 4 / MADE_STRIDE_HZ, 0.16 / MADE_STRIDE_HZ);
        CHECK(corr < -0.9);
        /* a person standing, swaying: ankles 3 px apart and back every 6 s, which would read
         * as a half cycle of 3 s, under a tenth of a leg length: no steps, no half cycle */
        gs_pose_frame f0 = t->frames[0];
        for (int32_t i = 0; i < n10; i++) {
            double sway = 1.5 * sin(2 * GS_PI * t->frames[i].t_s / 6.0);
            memcpy(t->frames[i].kp, f0.kp, sizeof(f0.kp));
            t->frames[i].kp[GS_KP_LEFT_ANKLE].x += (float)sway;
            t->frames[i].kp[GS_KP_RIGHT_ANKLE].x -= (float)sway;
        }
        CHECK(gs_pose_leg_half_cycle_s(t, &corr) == 0);
        CHECK(corr == 0);
        t->n_frames = n;
    }
    /* the time scale goes through pose.json */
    t->time_scale = 0.125;
    snprintf(t->time_scale_source, sizeof(t->time_scale_source), "slowmo-option");
    snprintf(path, sizeof(path), "%s/pose_time_scale.json", scratch);
    CHECK_EQ_INT(gs_pose_json_write(path, t, NULL), GS_OK);
    CHECK_EQ_INT(gs_pose_json_read(path, &u, NULL), GS_OK);
    if (u) {
        CHECK_NEAR(u->time_scale, 0.125, 1e-12);
        CHECK_MSG(!strcmp(u->time_scale_source, "slowmo-option"), "time_scale_source '%s'",
                  u->time_scale_source);
        CHECK_EQ_INT(gs_pose_track_time_stated(u), 1);
        /* stated once: a second factor is refused; "none" or unrecorded: playback taken as real */
        CHECK_EQ_INT(gs_pose_track_set_time_scale(u, 2, 0, "u", NULL), GS_ERR_ARG);
        snprintf(u->time_scale_source, sizeof(u->time_scale_source), "none");
        CHECK_EQ_INT(gs_pose_track_time_stated(u), 0);
        u->time_scale_source[0] = '\0';
        CHECK_EQ_INT(gs_pose_track_time_stated(u), 0);
    }
    gs_pose_track_free(&u);
    gs_pose_track_free(&t);
}

static void clean_reports_stride_and_cutoff_of_a_made_runner(void)
{
    gs_pose_track *t = made_runner(VIEW_SIDE, 2.0);
    gs_pose_clean_report rep;
    CHECK(t != NULL);
    if (!t)
        return;
    CHECK_EQ_INT(gs_pose_clean(t, &rep, NULL), GS_OK);
    fprintf(stderr, "clean: stride %.3f Hz (true %.3f), cutoff %.2f Hz\n", rep.stride_hz,
            MADE_STRIDE_HZ, rep.cutoff_hz);
    CHECK_NEAR(rep.stride_hz, MADE_STRIDE_HZ, 0.05 * MADE_STRIDE_HZ);
    CHECK_NEAR(rep.cutoff_hz, 7 * MADE_STRIDE_HZ, 0.5);
    CHECK_EQ_INT(rep.swap_fixed_legs, 0);
    CHECK_EQ_INT(rep.swap_fixed_arms, 0);
    CHECK_EQ_INT(rep.view, 0);
    CHECK_EQ_INT(rep.outliers, 0); /* steady motion with 2 px noise: no glitch */
    CHECK(t->frames[10].has_raw && (t->frames[10].flags & GS_POSE_FLAG_SMOOTHED));
    gs_pose_track_free(&t);
}

/* ---- real clips (models + ../shared) ---- */

#define MODEL_DIR GS_SOURCE_DIR "/models"

/* Seconds of each clip to track. Under the sanitizers the whole runtime is instrumented and
 * about 10 x slower, so a quarter of it is used there. GS_POSE_TEST_SECONDS overrides. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static double clip_seconds(double dflt)
{
    const char *e = getenv("GS_POSE_TEST_SECONDS"); /* longer runs by hand */
    return e && atof(e) > 0 ? atof(e) : SANITIZED ? dflt / 4 : dflt;
}

static gs_pose_track *track_clip_model(const char *shared, const char *clip, double end_s,
                                       const char *model, gs_pose_stats *st)
{
    char path[1200];
    gs_pose_options o = {0};
    gs_pose_track *t = NULL;
    gs_error e = {0};
    snprintf(path, sizeof(path), "%s/datasets/%s", shared, clip);
    o.model_dir = MODEL_DIR;
    o.model = model;
    o.n_threads = 2;
    o.decode.end_s = end_s;
    gs_status rc = gs_pose_track_video(path, &o, &t, st, &e);
    if (rc != GS_OK)
        fprintf(stderr, "%s: %s\n", clip, e.msg);
    return t;
}

static gs_pose_track *track_clip(const char *shared, const char *clip, double end_s,
                                 gs_pose_stats *st)
{
    return track_clip_model(shared, clip, end_s, "lite", st);
}

/*
 * "A person is fully visible" is decided independently of the tracker: the detector alone, on
 * every 5th frame, finds a person (score >= 0.5) whose body circle (centre keypoint 0, radius
 * |kp1 - kp0|, MediaPipe's alignment points) lies inside the frame vertically (5 % slack) with
 * its centre in the middle 80 % horizontally. On those frames the track must have landmarks.
 */
static void person_found_where_fully_visible(const char *shared, const char *clip, double end_s)
{
    char path[1200], pdet[1200];
    gs_pose_stats st = {0};
    gs_pose__detector *det = NULL;
    gs_decoder *dec = NULL;
    gs_decoder_options dopt = {0};
    gs_error e = {0};
    gs_frame fr;
    gs_pose_track *t = track_clip(shared, clip, end_s, &st); /* NULL: nobody found */
    snprintf(path, sizeof(path), "%s/datasets/%s", shared, clip);
    snprintf(pdet, sizeof(pdet), "%s/pose_detection.tflite", MODEL_DIR);
    dopt.end_s = end_s;
    int visible = 0, found = 0;
    if (gs_pose__detector_new(pdet, 2, &det, &e) == GS_OK &&
        gs_decoder_open(path, &dopt, &dec, &e) == GS_OK) {
        while (gs_decoder_next(dec, &fr, &e) == GS_OK) {
            gs_pose__det d[4];
            if (fr.index % 5)
                continue;
            gs_image img = {(uint8_t *)fr.rgb, fr.width, fr.height, fr.stride};
            int k = gs_pose__detect(det, &img, 0.5f, d, 4, &e);
            int vis = 0;
            for (int i = 0; i < k && !vis; i++) {
                double cx = d[i].kp[0][0] * fr.width, cy = d[i].kp[0][1] * fr.height;
                double r = hypot((d[i].kp[1][0] - d[i].kp[0][0]) * fr.width,
                                 (d[i].kp[1][1] - d[i].kp[0][1]) * fr.height);
                vis = cy - r > -0.05 * fr.height && cy + r < 1.05 * fr.height &&
                      cx > 0.1 * fr.width && cx < 0.9 * fr.width;
            }
            visible += vis;
            found += vis && t && fr.index < t->n_frames && t->frames[fr.index].has_kp;
        }
    }
    fprintf(stderr,
            "%-40s %3lld frames, person tracked on %3lld; fully visible on %2d of the "
            "sampled frames, tracked on %2d of those (%s, %d candidate(s))\n",
            clip, (long long)st.frames, (long long)st.frames_with_person, visible, found,
            t ? t->person_rule : "nobody", st.candidates);
    CHECK_MSG(found >= 0.95 * visible, "%s: person tracked on %d of %d fully visible frames", clip,
              found, visible);
    gs_decoder_free(&dec);
    gs_pose__detector_free(&det);
    gs_pose_track_free(&t);
}

/* Stance heel on a treadmill: it rides the belt in a straight line. Stance frames come from the
 * cleaned track (heel within 5 % of the leg length of the belt level, the 90th percentile of its
 * height in the image); on each stance run of
 * 4+ frames a line is fitted (total least squares) to the raw and to the cleaned heel; returns
 * the RMS distance to the lines in px. */
static double heel_line_rms(const gs_pose_track *t, int raw, double *leg_out)
{
    double sum = 0, legsum = 0;
    int n = 0, nl = 0;
    for (int32_t i = 0; i < t->n_frames; i++)
        if (t->frames[i].has_kp) {
            const gs_kp *k = t->frames[i].kp;
            legsum += hypot(k[GS_KP_LEFT_HIP].x - k[GS_KP_LEFT_ANKLE].x,
                            k[GS_KP_LEFT_HIP].y - k[GS_KP_LEFT_ANKLE].y);
            nl++;
        }
    double leg = nl ? legsum / nl : 1;
    *leg_out = leg;
    for (int side = 0; side < 2; side++) {
        int id = side ? GS_KP_RIGHT_HEEL : GS_KP_LEFT_HEEL;
        /* the belt level: 90th percentile of the heel height (robust to glitches) */
        double ground = 0;
        int m = 0;
        float *ys = malloc((size_t)t->n_frames * sizeof(float));
        if (!ys)
            return -1;
        for (int32_t i = 0; i < t->n_frames; i++)
            if (t->frames[i].has_kp)
                ys[m++] = t->frames[i].kp[id].y;
        for (int i = 1; i < m; i++) { /* insertion sort: a few hundred values */
            float v = ys[i];
            int j = i - 1;
            while (j >= 0 && ys[j] > v) {
                ys[j + 1] = ys[j];
                j--;
            }
            ys[j + 1] = v;
        }
        ground = m ? ys[(int)(0.9 * (m - 1))] : 0;
        free(ys);
        for (int32_t a = 0; a < t->n_frames;) {
            int32_t b = a;
            while (b < t->n_frames && t->frames[b].has_kp && t->frames[b].has_raw &&
                   t->frames[b].kp[id].y > ground - 0.05 * leg)
                b++;
            if (b - a >= 4) {
                double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
                for (int32_t i = a; i < b; i++) {
                    const gs_kp *k = raw ? &t->frames[i].raw[id] : &t->frames[i].kp[id];
                    mx += k->x;
                    my += k->y;
                }
                mx /= (b - a);
                my /= (b - a);
                for (int32_t i = a; i < b; i++) {
                    const gs_kp *k = raw ? &t->frames[i].raw[id] : &t->frames[i].kp[id];
                    sxx += (k->x - mx) * (k->x - mx);
                    syy += (k->y - my) * (k->y - my);
                    sxy += (k->x - mx) * (k->y - my);
                }
                /* smallest eigenvalue of the scatter = sum of squared distances to the line */
                double tr = sxx + syy, det = sxx * syy - sxy * sxy;
                double lmin = tr / 2 - sqrt(fmax(0, tr * tr / 4 - det));
                sum += lmin;
                n += b - a;
            }
            a = b > a ? b : a + 1;
        }
    }
    return n ? sqrt(sum / n) : -1;
}

static void treadmill_heel_is_straighter_after_cleaning(const char *shared)
{
    gs_pose_stats st = {0};
    gs_pose_track *t =
        track_clip(shared, "run_side_treadmill_01.mp4", fmax(2.0, clip_seconds(4.0)), &st);
    CHECK(t != NULL);
    if (!t)
        return;
    double leg, raw = heel_line_rms(t, 1, &leg), clean = heel_line_rms(t, 0, &leg);
    fprintf(stderr,
            "treadmill stance heel, deviation from a straight line (run_side_treadmill_01,"
            " lite, %d frames): raw %.2f px (%.2f %% of leg %.0f px), cleaned %.2f px "
            "(%.2f %%)\n",
            t->n_frames, raw, 100 * raw / leg, leg, clean, 100 * clean / leg);
    CHECK(raw > 0 && clean > 0);
    CHECK(clean < raw);

    /* the swap fixer on a real track: nothing to do on the cleaned track; swaps injected where
     * the legs are apart are undone */
    CHECK_EQ_INT(gs_pose__fix_swaps(t, 0), 0);
    gs_pose_track *ref = NULL;
    if (gs_pose_track_copy(t, &ref, NULL) == GS_OK) {
        int injected = 0;
        for (int32_t i = 5; i < t->n_frames - 5 && injected < 12; i += 6) {
            const gs_kp *k = t->frames[i].kp;
            double apart = hypot(k[GS_KP_LEFT_ANKLE].x - k[GS_KP_RIGHT_ANKLE].x,
                                 k[GS_KP_LEFT_ANKLE].y - k[GS_KP_RIGHT_ANKLE].y);
            if (!t->frames[i].has_kp || apart < 0.3 * leg)
                continue;
            gs_pose__swap_lr(t->frames[i].kp, 0);
            injected++;
        }
        gs_pose__fix_swaps(t, 0);
        int wrong = 0;
        for (int32_t i = 0; i < t->n_frames; i++)
            wrong += fabsf(t->frames[i].kp[GS_KP_LEFT_ANKLE].x -
                           ref->frames[i].kp[GS_KP_LEFT_ANKLE].x) > 0.5f;
        fprintf(stderr, "swap fixer on the real track: %d swaps injected, %d frames wrong after\n",
                injected, wrong);
        CHECK(injected >= 5);
        CHECK_EQ_INT(wrong, 0);
        gs_pose_track_free(&ref);
    }
    gs_pose_track_free(&t);
}

/* The runner (not the gym users behind) is tracked in the rear treadmill clip, and the
 * facing fix leaves the person's left on the image left. */
static void rear_treadmill_runner_tracked_from_behind(const char *shared)
{
    gs_pose_stats st = {0};
    gs_pose_track *t = track_clip(shared, "run_rear_treadmill_01.mp4", clip_seconds(3.0), &st);
    CHECK(t != NULL);
    if (!t)
        return;
    int n = 0, central = 0, left_on_left = 0;
    for (int32_t i = 0; i < t->n_frames; i++) {
        const gs_kp *k = t->frames[i].kp;
        if (!t->frames[i].has_kp)
            continue;
        n++;
        double hx = 0.5 * (k[GS_KP_LEFT_HIP].x + k[GS_KP_RIGHT_HIP].x);
        double h = 0.5 * (k[GS_KP_LEFT_ANKLE].y + k[GS_KP_RIGHT_ANKLE].y) -
                   0.5 * (k[GS_KP_LEFT_SHOULDER].y + k[GS_KP_RIGHT_SHOULDER].y);
        central += fabs(hx - t->width / 2.0) < 0.25 * t->width && h > 0.4 * t->height;
        left_on_left += k[GS_KP_LEFT_SHOULDER].x < k[GS_KP_RIGHT_SHOULDER].x;
    }
    fprintf(stderr,
            "rear treadmill: %d frames, person on %d, large and central on %d, left "
            "shoulder on the image left on %d, view %d (2 = rear), rule %s\n",
            t->n_frames, n, central, left_on_left, st.clean.view, t->person_rule);
    CHECK(n >= 0.95 * t->n_frames);
    CHECK(central >= 0.95 * n);
    CHECK(left_on_left >= 0.95 * n);
    CHECK_EQ_INT(st.clean.view, 2);
    gs_pose_track_free(&t);
}

/* The walker, not the man doing jumping jacks on the box, is chosen. The walker crosses the
 * frame from right to left; the other person stays on the box (left third, upper half). She comes
 * out from behind a tree trunk at frames 37-40 and is whole in the picture from about 45 (looked
 * at; raters' notes in tests/data/labels/walk_side_multiperson_01.*.csv) while the man is
 * tracked, so only the periodic detector finds her: with it once a second her track began at 62
 * and lost her first right stance (contact 59-60); every half second (track.c DET_INTERVAL_S) it
 * begins at 47. */
static void multiperson_walker_is_chosen(const char *shared)
{
    gs_pose_stats st = {0};
    /* the full model: the lite one's legs are too poor on this wide shot for the stepping test */
    gs_pose_track *t =
        track_clip_model(shared, "walk_side_multiperson_01.mp4", clip_seconds(7.7), "full", &st);
    CHECK(t != NULL);
    if (!t)
        return;
    int n = 0, low = 0, first = -1;
    for (int32_t i = 0; i < t->n_frames; i++) {
        const gs_kp *k = t->frames[i].kp;
        if (!t->frames[i].has_kp)
            continue;
        if (first < 0)
            first = (int)i;
        n++;
        /* the walker's feet are on the grass, in the lower 40 % of the frame */
        low += 0.5 * (k[GS_KP_LEFT_ANKLE].y + k[GS_KP_RIGHT_ANKLE].y) > 0.6 * t->height;
    }
    fprintf(stderr,
            "multiperson: %d candidates, rule %s, chosen person on %d frames from frame %d, feet "
            "on the grass on %d\n",
            st.candidates, t->person_rule, n, first, low);
    CHECK(n > 0 && low >= 0.95 * n);
    CHECK_MSG(first >= 37 && first <= 50, "multiperson: the walker tracked from frame %d", first);
    CHECK(!strcmp(t->person_rule, "longest-gait-track"));
    gs_pose_track_free(&t);
}

/* Errors name the file and say what is wrong: missing model, wrong model, a clip with nobody. */
static void errors_are_clear(const char *scratch)
{
    char dir[1200], p1[1300], vid[1300];
    gs_pose_options o = {0};
    gs_pose_track *t = NULL;
    gs_error e = {0};
    const char *clip = GS_SOURCE_DIR "/datasets/run_side_treadmill_01.mp4";
    if (!gs_path_exists(clip))
        clip = GS_SOURCE_DIR "/../shared/datasets/run_side_treadmill_01.mp4";
    o.model = "lite";
    o.model_dir = "/nonexistent/models";
    CHECK(gs_pose_track_video(clip, &o, &t, NULL, &e) < 0 && !t);
    CHECK_STR_CONTAINS(e.msg, "/nonexistent/models/pose_detection.tflite");

    /* the lite landmark model where the detector should be */
    snprintf(dir, sizeof(dir), "%s/pose_wrong_models", scratch);
    gs_mkdir_p(dir, NULL);
    snprintf(p1, sizeof(p1), "%s/pose_detection.tflite", dir);
    unlink(p1);
    CHECK(symlink(MODEL_DIR "/pose_landmark_lite.tflite", p1) == 0);
    o.model_dir = dir;
    CHECK_EQ_INT(gs_pose_track_video(clip, &o, &t, NULL, &e), GS_ERR_FORMAT);
    CHECK_STR_CONTAINS(e.msg, "not a BlazePose detector");
    o.model = "medium";
    CHECK_EQ_INT(gs_pose_track_video(clip, &o, &t, NULL, &e), GS_ERR_ARG);
    CHECK_STR_CONTAINS(e.msg, "unknown model 'medium'");

    /* a clip with nobody in it: one second of grey, with a cut to a lighter grey half-way */
    gs_encoder *enc = NULL;
    snprintf(vid, sizeof(vid), "%s/pose_empty.mp4", scratch);
    if (gs_encoder_open(vid, 320, 240, NULL, &enc, &e) == GS_OK) {
        uint8_t *img = malloc(320 * 240 * 3);
        for (int i = 0; img && i < 30; i++) {
            memset(img, i < 15 ? 60 : 180, 320 * 240 * 3);
            gs_encoder_write(enc, img, 320 * 3, i / 30.0, &e);
        }
        gs_encoder_close(enc, &e);
        gs_encoder_free(&enc);
        free(img);
        o.model = "lite";
        o.model_dir = MODEL_DIR;
        gs_pose_stats st = {0};
        gs_status rc = gs_pose_track_video(vid, &o, &t, &st, &e);
        CHECK_EQ_INT(rc, GS_ERR_NO_PERSON);
        CHECK_EQ_INT(st.frames, 30);
        CHECK_EQ_INT(st.cuts, 1);
        CHECK(t == NULL);
        CHECK_STR_CONTAINS(e.msg, "pose_empty.mp4: no person found on any of 30 frames");
    }
    gs_pose_track_free(&t);
}

/*
 * Issue 12 item 5: a truncated clip was analysed as if whole (7.5 of 12 s, nothing said). The
 * pose stats carry the decoder's: truncated, and both durations (decodable and stated). A made
 * 2 s clip (index at the front, as our encoder writes it) cut at 60 % of its bytes.
 */
static void truncated_clip_is_reported_in_the_stats(const char *scratch)
{
    char whole[1300], cut[1300];
    gs_encoder *enc = NULL;
    gs_error e = {0};
    gs_pose_options o = {0};
    gs_pose_track *t = NULL;
    snprintf(whole, sizeof(whole), "%s/pose_whole.mp4", scratch);
    snprintf(cut, sizeof(cut), "%s/pose_truncated.mp4", scratch);
    CHECK_EQ_INT(gs_encoder_open(whole, 320, 240, NULL, &enc, &e), GS_OK);
    uint8_t *img = malloc(320 * 240 * 3);
    for (int i = 0; enc && img && i < 60; i++) {
        for (int p = 0; p < 320 * 240 * 3; p++)
            img[p] = (uint8_t)((p * 7 + i * 13 + (p / 960) * 3) & 0xff);
        CHECK_EQ_INT(gs_encoder_write(enc, img, 320 * 3, i / 30.0, &e), GS_OK);
    }
    free(img);
    CHECK_EQ_INT(enc ? gs_encoder_close(enc, &e) : GS_ERR_IO, GS_OK);
    gs_encoder_free(&enc);
    uint8_t *data = NULL;
    size_t len = 0;
    CHECK_EQ_INT(gs_file_read_all(whole, &data, &len, &e), GS_OK);
    CHECK_EQ_INT(gs_file_write_all(cut, data, len * 6 / 10, &e), GS_OK);
    free(data);
    o.model = "lite";
    o.model_dir = MODEL_DIR;
    gs_pose_stats st = {0};
    gs_status rc = gs_pose_track_video(cut, &o, &t, &st, &e);
    CHECK_EQ_INT(rc, GS_ERR_NO_PERSON); /* nobody in the made picture */
    CHECK_EQ_INT(st.decode.truncated, 1);
    CHECK_MSG(st.frames > 10 && st.frames < 55, "%lld frames of 60", (long long)st.frames);
    CHECK_EQ_INT(st.decode.frames, st.frames);
    CHECK_NEAR(st.decode.stated_s, 2.0, 0.01);
    /* damaged frames near the cut may be skipped: the end is at least the frames' worth */
    CHECK_MSG(st.decode.decoded_s > (double)st.frames / 30.0 - 0.002 && st.decode.decoded_s < 1.9,
              "decodable %.3f s for %lld frames of a 2 s clip", st.decode.decoded_s,
              (long long)st.frames);
    gs_pose_track_free(&t);
    /* the whole clip: not truncated, both durations 2 s */
    rc = gs_pose_track_video(whole, &o, &t, &st, &e);
    CHECK_EQ_INT(st.decode.truncated, 0);
    CHECK_EQ_INT(st.frames, 60);
    CHECK_NEAR(st.decode.decoded_s, 2.0, 0.002);
    CHECK_NEAR(st.decode.stated_s, 2.0, 0.01);
    gs_pose_track_free(&t);
}

/*
 * Issue 12 item 10: a landmark model with NaN weights failed as "warp: empty image, crop or
 * rectangle" with no file named. A copy of the lite model with 2048 float16 NaNs written into
 * the middle of its weights must be refused naming that file.
 */
static void damaged_model_is_named(const char *scratch)
{
    char dir[1200], path[1300], det[1300];
    uint8_t *data = NULL;
    size_t len = 0;
    gs_error e = {0};
    gs_pose_options o = {0};
    gs_pose_track *t = NULL;
    snprintf(dir, sizeof(dir), "%s/pose_nan_model", scratch);
    CHECK_EQ_INT(gs_mkdir_p(dir, &e), GS_OK);
    snprintf(path, sizeof(path), "%s/pose_landmark_lite.tflite", dir);
    snprintf(det, sizeof(det), "%s/pose_detection.tflite", dir);
    unlink(det);
    CHECK(symlink(MODEL_DIR "/pose_detection.tflite", det) == 0);
    CHECK_EQ_INT(gs_file_read_all(MODEL_DIR "/pose_landmark_lite.tflite", &data, &len, &e), GS_OK);
    for (size_t i = (len / 2) & ~(size_t)1; data && i + 1 < len && i < len / 2 + 4096; i += 2) {
        data[i] = 0x00; /* float16 NaN 0x7e00, little-endian */
        data[i + 1] = 0x7e;
    }
    CHECK_EQ_INT(gs_file_write_all(path, data, len, &e), GS_OK);
    free(data);
    o.model = "lite";
    o.model_dir = dir;
    gs_status rc =
        gs_pose_track_video(GS_SOURCE_DIR "/datasets/run_side_overground_01.mp4", &o, &t, NULL, &e);
    CHECK_EQ_INT(rc, GS_ERR_FORMAT);
    CHECK_STR_CONTAINS(e.msg, "pose_nan_model/pose_landmark_lite.tflite: ");
    CHECK_STR_CONTAINS(e.msg, "non-finite");
    CHECK(t == NULL);
    gs_pose_track_free(&t);
}

/*
 * Issue 19: the decode thread that runs ahead of inference must not change a single landmark.
 * The shipped clip (datasets/, MIT), its first 2 s, full model (the nn path is deterministic
 * for any thread count): the pipelined run and the sequential one (decoding in the calling
 * thread) give the same track bit for bit, kp, raw and world landmarks and scores alike.
 */
/* run_side_treadmill_02_60fps, 1.0-2.5 s: at frames 140-141 the tracked region made the model put
 * both feet between the legs (right foot index at x 711, left 670 on frame 140; main at 3f8f2a0)
 * while the right shoe is kicked up behind at x ~360 and the left is in front at ~1055 (looked
 * at on the frame, and 31 of 40 regions around the tracked one say so). With the second look
 * (recheck.c) each foot index lies within 120 px of its shoe, with either labelling (the
 * clean-up's swap fix owns the labels). Raw landmarks: the clean-up is not asked. */
static void feet_stay_on_their_shoes_where_the_model_wavered(const char *shared)
{
    char clip[1200];
    snprintf(clip, sizeof(clip), "%s/datasets/run_side_treadmill_02_60fps.mp4", shared);
    if (!gs_path_exists(clip) || !gs_path_exists(MODEL_DIR "/pose_landmark_full.tflite")) {
        fprintf(stderr, "skip: %s or the full model missing: wavering-feet check not run\n", clip);
        return;
    }
    gs_pose_options o = {0};
    gs_pose_stats st;
    gs_error e = {0};
    gs_pose_track *t = NULL;
    o.model_dir = MODEL_DIR;
    o.model = "full";
    o.n_threads = 2;
    o.no_clean = 1;
    o.decode.start_s = 1.0;
    o.decode.end_s = 2.5;
    gs_status rc = gs_pose_track_video(clip, &o, &t, &st, &e);
    CHECK_MSG(rc == GS_OK, "%s: %s", clip, e.msg);
    if (t) {
        for (int32_t f = 140; f <= 141; f++) {
            const gs_pose_frame *fr = &t->frames[f - 60]; /* numbered from 1.0 s */
            CHECK_MSG(fr->has_raw, "frame %d has no landmarks", f);
            if (!fr->has_raw)
                continue;
            float r = fr->raw[GS_KP_RIGHT_FOOT_INDEX].x, l = fr->raw[GS_KP_LEFT_FOOT_INDEX].x;
            float off = fminf(fmaxf(fabsf(r - 360), fabsf(l - 1055)),
                              fmaxf(fabsf(l - 360), fabsf(r - 1055)));
            CHECK_MSG(off < 120,
                      "frame %d: foot indices at x %.0f (right), %.0f (left): %.0f px "
                      "off the shoes",
                      f, (double)r, (double)l, (double)off);
        }
        CHECK_MSG(st.recheck_frames > 0 && st.recheck_frames * 5 < st.frames,
                  "%lld of %lld frames looked at again", (long long)st.recheck_frames,
                  (long long)st.frames);
        fprintf(stderr, "60 fps clip 1.0-2.5 s: %lld of %lld frames looked at again\n",
                (long long)st.recheck_frames, (long long)st.frames);
    }
    gs_pose_track_free(&t);
}

static void pipelined_tracking_equals_sequential_bit_for_bit(void)
{
    const char *clip = GS_SOURCE_DIR "/datasets/run_side_treadmill_01.mp4";
    gs_pose_track *t[2] = {NULL, NULL};
    gs_pose_stats st[2];
    for (int k = 0; k < 2; k++) {
        gs_pose_options o = {0};
        gs_error e = {0};
        o.model_dir = MODEL_DIR;
        o.model = "full";
        o.n_threads = 2;
        o.decode.end_s = clip_seconds(2.0);
        o.sequential = k;
        gs_status rc = gs_pose_track_video(clip, &o, &t[k], &st[k], &e);
        CHECK_MSG(rc == GS_OK, "%s (%s): %s", clip, k ? "sequential" : "pipelined", e.msg);
    }
    if (t[0] && t[1]) {
        CHECK_EQ_INT(t[0]->n_frames, t[1]->n_frames);
        CHECK(t[0]->n_frames >= 30 * clip_seconds(2.0) - 1);
        int32_t differ = 0, with = 0;
        for (int32_t f = 0; f < t[0]->n_frames && f < t[1]->n_frames; f++) {
            const gs_pose_frame *a = &t[0]->frames[f], *b = &t[1]->frames[f];
            with += a->has_kp;
            if (a->has_kp != b->has_kp || a->t_s != b->t_s || a->score != b->score ||
                memcmp(a->kp, b->kp, sizeof(a->kp)) || memcmp(a->raw, b->raw, sizeof(a->raw)) ||
                memcmp(a->world, b->world, sizeof(a->world)))
                differ++;
        }
        CHECK_MSG(differ == 0, "%d of %d frames differ between pipelined and sequential", differ,
                  t[0]->n_frames);
        CHECK_MSG(with * 10 >= t[0]->n_frames * 9, "person on %d of %d frames", with,
                  t[0]->n_frames);
        /* the CPU budget's parts are measured in both modes */
        for (int k = 0; k < 2; k++)
            CHECK_MSG(st[k].decode_cpu_s > 0 && st[k].landmark_cpu_s > 0 &&
                          st[k].track_cpu_s >= st[k].landmark_cpu_s + st[k].detect_cpu_s,
                      "%s: decode %.3f landmarks %.3f detector %.3f thread %.3f s CPU",
                      k ? "sequential" : "pipelined", st[k].decode_cpu_s, st[k].landmark_cpu_s,
                      st[k].detect_cpu_s, st[k].track_cpu_s);
    }
    gs_pose_track_free(&t[0]);
    gs_pose_track_free(&t[1]);
}

int main(int argc, char **argv)
{
    gs_nn_process_init(); /* process-wide OpenBLAS setting, as the gaitscope command does */
    gs_cv_set_threads(0); /* as the gaitscope command does: warps are small */
    const char *shared = argc > 1 ? argv[1] : NULL;
    int skipped = 0;
    anchors_are_2254_at_mediapipe_positions();
    decode_and_weighted_nms_merge_overlapping_boxes();
    letterbox_removal_maps_square_to_image();
    roi_from_points_follows_mediapipe();
    steady_roi_ignores_last_bits_and_follows_the_runner();
    leg_jump_flags_a_foot_off_its_path_only();
    recheck_keeps_the_answer_the_regions_agree_on();
    landmarks_project_through_the_rotated_region();
    filtfilt_has_zero_phase_and_keeps_peaks();
    swap_fixer_repairs_injected_swaps_and_adds_none();
    track_copy_is_whole_and_separate();
    swap_fixer_keeps_the_standing_foot_in_place();
    facing_fix_unmirrors_a_rear_view_stretch();
    gaps_up_to_0_15_s_are_filled();
    single_landmark_glitch_is_replaced();
    lost_feet_are_repaired_and_marked();
    sample_foot_stays_on_the_shoe(argc > 2 ? argv[2] : "/tmp");
    clean_reports_stride_and_cutoff_of_a_made_runner();
    leg_cycle_finds_the_stride_in_real_and_slow_time(argc > 2 ? argv[2] : "/tmp");
    if (!shared || !gs_test_dir_exists(shared)) {
        fprintf(stderr, "skip: no ../shared folder, golden and dataset checks not run\n");
        return gs_test_finish("pose", 1);
    }
    if (!golden_detector_outputs_give_the_golden_region(shared)) {
        fprintf(stderr, "skip: golden detector outputs not found under %s\n", shared);
        skipped = 1;
    }
    char probe[1200];
    snprintf(probe, sizeof(probe), "%s/datasets/run_side_treadmill_01.mp4", shared);
    if (!gs_path_exists(MODEL_DIR "/pose_landmark_lite.tflite") ||
        !gs_path_exists(MODEL_DIR "/pose_detection.tflite") || !gs_path_exists(probe)) {
        fprintf(stderr, "skip: models (%s) or shared datasets missing, real-clip checks not run\n",
                MODEL_DIR);
        return gs_test_finish("pose", 1);
    }
    if (gs_path_exists(MODEL_DIR "/pose_landmark_full.tflite"))
        pipelined_tracking_equals_sequential_bit_for_bit();
    else
        fprintf(stderr, "skip: no full model, pipelined-vs-sequential check not run\n");
    feet_stay_on_their_shoes_where_the_model_wavered(shared);
    errors_are_clear(argc > 2 ? argv[2] : "/tmp");
    truncated_clip_is_reported_in_the_stats(argc > 2 ? argv[2] : "/tmp");
    damaged_model_is_named(argc > 2 ? argv[2] : "/tmp");
    treadmill_heel_is_straighter_after_cleaning(shared);
    rear_treadmill_runner_tracked_from_behind(shared);
    static const char *clips[] = {
        "run_front_overground_01.mp4",
        "run_oblique_treadmill_01_overlay.mp4",
        "run_rear_treadmill_01.mp4",
        "run_side_overground_01.mp4",
        "run_side_overground_02_backlit_pan.mp4",
        "run_side_treadmill_01.mp4",
        "run_side_treadmill_02_60fps.mp4",
        "run_side_treadmill_03_lab.mp4",
        "run_side_treadmill_04.mov",
        "walk_front_cane_01.mp4",
        "walk_side_circumduction_01.mp4",
        "walk_side_overground_01.mp4",
        "walk_side_overground_04.mp4",
        "walk_side_multiperson_01.mp4",
    };
    for (size_t i = 0; i < sizeof(clips) / sizeof(clips[0]); i++)
        person_found_where_fully_visible(shared, clips[i], clip_seconds(1.5));
    if (SANITIZED) /* needs 4+ s of the clip before the walker is the longest stepper */
        fprintf(stderr, "skip under the sanitizers: multiperson person choice (full clip)\n");
    else
        multiperson_walker_is_chosen(shared);
    return gs_test_finish("pose", skipped);
}
