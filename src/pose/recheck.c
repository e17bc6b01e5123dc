/*
 * A second look at a frame whose legs jumped: the landmark model run on a few more regions
 * around the tracked one, and the answer most of them agree on.
 *
 * Why (run_side_treadmill_02_60fps, frames 140-143, issue 13): the tracked region held the whole
 * body with room to spare (side 1558 px; the feet 0.12 of the side or more inside its lower
 * edge, 0.28 inside its left one; rotation 1.7 deg, as the hips-to-shoulders line; centre on the
 * hips), as MediaPipe's pose_landmarks_to_roi.pbtxt makes it (scale 1.25, rotation from the
 * auxiliary points), yet the model put both feet between the legs. Forty regions spread around
 * that one (centre +-1/16 of the side, side +-10 %, rotation +-0.1 rad) gave the feet on their
 * shoes on 31 (3 of them with the legs' labels exchanged) and between the legs on 9; at frame
 * 141, 15 of 20, at 142 and 143, 12 and 13 of 20. The model is of two minds on such frames
 * (motion blur on the kicked-up foot, the dark treadmill frame between the legs) and the region
 * decides which answer comes out; the tracker's grid, whose offset moves from frame to frame
 * (roi.c), draws a fresh region every frame, so an unlucky draw fell on one of them. Nothing in
 * the region was wrong, so there is nothing to correct in it; what helps is asking the model
 * again when its answer cannot be true, and keeping the answer the regions agree on.
 *
 * When: a leg landmark (knee, ankle, heel, foot index) relative to the hip centre lands farther
 * than JUMP_SIDE of the region's side from where its last two frames put it at constant speed,
 * with either labelling of the legs (the model exchanges the labels from frame to frame, which
 * is no jump: clean.c's swap fix puts them back over the whole clip). A real leg does not do
 * that: the fastest change of a foot's velocity relative to the pelvis is at landing, from about
 * +2 to -4 leg lengths/s (swing forward, then the belt's or the ground's speed backward) within
 * about 0.05 s, which puts it at most 0.2 leg lengths (0.07 of the side: the region is about 3
 * leg lengths across) off the constant-speed prediction at 30 frames/s and a quarter of that at
 * 60; the landmarks' own noise adds about 2.5 times their spread (0.01-0.02 of the side). On the
 * five labelled clips tracked without the second look the statistic's median was 0.03-0.07 of
 * the side, its 90th percentile 0.08-0.15, frame 140 above 0.35; 0.15 looks again at 9 % of the
 * frames of the sample (run_side_treadmill_01), 6 % of the 60 fps clip's, 0-5 % of the others'.
 * 0.12 left fewer glitches (docs/events-history.md) for 1.5-2 times the extra model runs.
 * Which regions: the tracked one and five others, its centre moved by ALT_SHIFT of the side
 * left, right, up and down, and the same centre with the side ALT_SCALE larger; all made from
 * the tracked region alone, so they are as stable as it is (roi.c).
 * Which answer: the one most others agree with (mean distance of the leg landmarks within
 * SAME_SIDE of the side, either labelling of the legs), ties broken by the smallest sum of
 * distances to all, each capped at CAP_SIDE; a medoid alone would keep the answer between two
 * camps (both feet between the legs is halfway between the feet right and the feet exchanged).
 * Among the answers agreeing with it, the one whose labelling is nearest the constant-speed
 * prediction is kept. When no answer has at least half of them agreeing, the tracked region's
 * answer stays: on a track that is no person (walk_side_multiperson_01's first 1.5 s with the
 * lite model: a frame-sized region whose landmarks scatter) the answers all differ, and keeping
 * whichever was nearest to all kept that track alive on 27 frames instead of 9 and made it the
 * chosen person.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pose_impl.h"

#define JUMP_SIDE 0.15f   /* trigger, fraction of the region's side (see above) */
#define ALT_SHIFT 0.0625f /* 1/16 of the side: two cells of roi.c's centre grid */
#define ALT_SCALE 1.1f    /* a tenth larger: the feet further from the edge */
#define CAP_SIDE  0.10f   /* distances above this count as "elsewhere" */
#define SAME_SIDE 0.05f   /* answers this close agree (landmark spread ~0.01-0.02 of the side) */

_Static_assert(GS_POSE__RECHECK_MAX == 6, "one tracked region and five others");

static const int leg_ids[2][4] = {
    {GS_KP_LEFT_KNEE, GS_KP_LEFT_ANKLE, GS_KP_LEFT_HEEL, GS_KP_LEFT_FOOT_INDEX},
    {GS_KP_RIGHT_KNEE, GS_KP_RIGHT_ANKLE, GS_KP_RIGHT_HEEL, GS_KP_RIGHT_FOOT_INDEX},
};

static void hip_mid(const gs_kp *k, float *x, float *y)
{
    *x = 0.5f * (k[GS_KP_LEFT_HIP].x + k[GS_KP_RIGHT_HIP].x);
    *y = 0.5f * (k[GS_KP_LEFT_HIP].y + k[GS_KP_RIGHT_HIP].y);
}

/* Mean distance of the leg landmarks of a and b, b's legs as labelled (swap 0) or exchanged. */
static float leg_dist(const gs_kp *a, const gs_kp *b, int swap)
{
    float sum = 0;
    for (int s = 0; s < 2; s++)
        for (int q = 0; q < 4; q++) {
            const gs_kp *p = &a[leg_ids[s][q]], *r = &b[leg_ids[swap ? 1 - s : s][q]];
            sum += hypotf(p->x - r->x, p->y - r->y);
        }
    return sum / 8.0f;
}

/* out = k with its legs labelled as near ref as they go (the model exchanges the labels of the
 * legs from one frame to the next; clean.c puts them back over the whole clip). */
static void align_legs(const gs_kp *ref, const gs_kp *k, gs_kp *out)
{
    memcpy(out, k, sizeof(gs_kp) * GS_POSE_NKP);
    if (leg_dist(ref, k, 1) < leg_dist(ref, k, 0))
        for (int s = 0; s < 2; s++)
            for (int q = 0; q < 4; q++)
                out[leg_ids[s][q]] = k[leg_ids[1 - s][q]];
}

void gs_pose__leg_predict(const gs_kp *k0, const gs_kp *k1, gs_kp *pred)
{
    align_legs(k0, k1, pred);
    for (int j = 0; j < GS_POSE_NKP; j++) {
        pred[j].x = 2.0f * pred[j].x - k0[j].x;
        pred[j].y = 2.0f * pred[j].y - k0[j].y;
    }
}

float gs_pose__leg_jump(const gs_kp *k0, const gs_kp *k1_as_given, const gs_kp *k2, float side)
{
    gs_kp k1[GS_POSE_NKP];
    float h[3][2], worst[2] = {0, 0};
    if (!(side > 0))
        return 0;
    align_legs(k0, k1_as_given, k1);
    const gs_kp *k[3] = {k0, k1, k2};
    for (int i = 0; i < 3; i++)
        hip_mid(k[i], &h[i][0], &h[i][1]);
    for (int swap = 0; swap < 2; swap++) /* k2's legs as labelled, then exchanged */
        for (int s = 0; s < 2; s++)
            for (int q = 0; q < 4; q++) {
                int id = leg_ids[s][q], id2 = leg_ids[swap ? 1 - s : s][q];
                float px = 2.0f * (k1[id].x - h[1][0]) - (k0[id].x - h[0][0]);
                float py = 2.0f * (k1[id].y - h[1][1]) - (k0[id].y - h[0][1]);
                float d = hypotf(k2[id2].x - h[2][0] - px, k2[id2].y - h[2][1] - py);
                worst[swap] = d > worst[swap] ? d : worst[swap];
            }
    return fminf(worst[0], worst[1]) / side;
}

int gs_pose__leg_jumped(float jump)
{
    return jump > JUMP_SIDE;
}

int gs_pose__recheck_rois(const gs_rot_rect *tracked, gs_rot_rect *out)
{
    static const float move[][3] = {
        {0, 0, 1},          {-ALT_SHIFT, 0, 1}, {ALT_SHIFT, 0, 1},
        {0, -ALT_SHIFT, 1}, {0, ALT_SHIFT, 1},  {0, 0, ALT_SCALE},
    };
    _Static_assert(sizeof(move) / sizeof(move[0]) == GS_POSE__RECHECK_MAX, "table size");
    for (int i = 0; i < GS_POSE__RECHECK_MAX; i++) {
        out[i] = *tracked;
        out[i].cx += move[i][0] * tracked->width;
        out[i].cy += move[i][1] * tracked->width;
        out[i].width *= move[i][2];
        out[i].height *= move[i][2];
    }
    return GS_POSE__RECHECK_MAX;
}

/* Either labelling of b's legs, the nearer. */
static float leg_dist_any(const gs_kp *a, const gs_kp *b)
{
    return fminf(leg_dist(a, b, 0), leg_dist(a, b, 1));
}

int gs_pose__recheck_choose(const gs_kp *const *ans, int n, const gs_kp *pred, float side)
{
    float cap = CAP_SIDE * side, best = INFINITY;
    int m = 0, most = 0;
    if (n <= 1)
        return 0;
    for (int i = 0; i < n; i++) {
        float score = 0;
        int agree = 0;
        for (int j = 0; j < n; j++) {
            float d = leg_dist_any(ans[i], ans[j]);
            agree += d <= SAME_SIDE * side;
            score += fminf(cap, d);
        }
        /* most agreeing answers, then the nearest to all; ties: the earlier, the tracked
         * region first */
        if (agree > most || (agree == most && score < best)) {
            most = agree;
            best = score;
            m = i;
        }
    }
    if (2 * most < n)
        return 0; /* no majority: nothing to prefer to the tracked region's answer */
    if (!pred)
        return m;
    int keep = m;
    float near = leg_dist(pred, ans[m], 0);
    for (int i = 0; i < n; i++) {
        if (i == m || leg_dist_any(ans[m], ans[i]) > SAME_SIDE * side)
            continue;
        float d = leg_dist(pred, ans[i], 0);
        if (d < near) {
            near = d;
            keep = i;
        }
    }
    return keep;
}

/* ---- how often the second look was needed: a warning for the user ---- */

int32_t gs_pose_second_look_frames(const gs_pose_track *t, double *rate)
{
    int32_t n = 0;
    for (int32_t i = 0; t && i < t->n_frames; i++)
        n += t->frames[i].has_kp && !(t->frames[i].flags & GS_POSE_FLAG_GAP_FILLED);
    if (rate)
        *rate = t && t->second_looks >= 0 && n > 0 ? (double)t->second_looks / n : -1.0;
    return n;
}

int gs_pose_second_look_warning(int32_t second_looks, int32_t person_frames, const char *model,
                                char *out, size_t n)
{
    if (n > 0)
        out[0] = '\0';
    if (second_looks < 0 || person_frames < GS_POSE_SECOND_LOOK_MIN_FRAMES ||
        !((double)second_looks > GS_POSE_SECOND_LOOK_WARN * person_frames))
        return 0;
    int heavy = model && !strcmp(model, "heavy");
    snprintf(out, n,
             "the landmark model struggled on this clip (%.0f %% of the person's frames needed a "
             "second look: legs jumping): check the overlay%s",
             100.0 * second_looks / person_frames,
             heavy ? "" : "; --model heavy may track it better");
    return 1;
}
