/*
 * Pose tracking over a whole clip: decode thread + bounded frame queue, MediaPipe's
 * detect-then-track loop run for several candidate people at once, and the choice of the person
 * over the whole clip (not frame by frame).
 *
 * Per frame, as MediaPipe's pose_landmark_cpu.pbtxt does for one person: each tracked person's
 * region comes from its previous frame's auxiliary landmarks (pose_landmarks_to_roi.pbtxt),
 * through a robust fit over the last frames snapped to a grid (gs_pose__roi_steady, roi.c: raw,
 * a last-bits change of one frame's landmarks made another track of the whole clip); the
 * landmark model's pose flag below 0.5 (ThresholdingCalculator, tensors_to_pose_landmarks_and_
 * segmentation.pbtxt) ends the track and the detector runs again; so does a scene cut (a coarse
 * pixel-grid change test, our own). Unlike the live graph we also
 * run the detector every half second to pick up other people, and track up to max_people at
 * once; after the clip the tracks are stitched into people and one person is chosen.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pose_impl.h"

/* Pose presence threshold: ThresholdingCalculator threshold 0.5 on the pose flag. */
#define PRESENCE_MIN 0.5f
/* Default detection score: min_score_thresh 0.5 of pose_detection_cpu.pbtxt (v0.8/v0.9). */
#define DET_SCORE_DEFAULT 0.5f
/* Our own choices (not MediaPipe's): */
#define DET_INTERVAL_S                                                                          \
    0.5 /* look for other people this often while tracking (3 detector runs with the tiles,     \
           ~9-15 ms each): a person who walks into the picture while someone else is tracked is \
           found up to this late. At 1 s walk_side_multiperson_01's walker, whole in the        \
           picture from frame ~45 (out from behind a tree trunk at 37-40), was tracked from 62: \
           her first right stance was lost and its toe-off (87) took the foot's median shift,   \
           2 frames early; at 0.5 s from 47 (docs/events-history.md, session 19) */
#define MAX_DETS 8 /* detections considered per detector run */
#define MIN_ROI_FRAC                                                                     \
    0.12                     /* ignore people whose region is below this fraction of the \
                                frame's shorter side (tiny background figures) */
#define START_MAX_TILT                                                                        \
    (60.0 * GS_PI / 180.0) /* a detection's region leaning further from upright is turned     \
                              upright before a track starts from it (walkers and runners lean \
                              within 30 deg; the detector laid bodies cut by the picture's    \
                              edge at 94 and -85..-119 deg) */
#define START_MIN_TRUNK                                                                   \
    0.15f /* ... and the landmark model's answer there starts a track only with its trunk \
             (mid-shoulder to mid-hip) this share of the region's side or more: 0.17-0.25 \
             on every tracked frame of the people chosen on the 14 clips (medians         \
             0.22-0.25), 0.10-0.14 on the lying answers */
#define SAME_PERSON_IOU 0.5f /* two tracks whose landmark boxes overlap this much are merged */
#define STITCH_GAP_S    1.0  /* a track may continue a lost one within this time ... */
#define STITCH_DIST     1.0  /* ... starting within this many region sides of where it ended */
#ifndef NSLOT
#define NSLOT 3 /* frame queue: up to 2 frames decoded ahead of inference */
#endif
#define CUT_GRID 16 /* scene-cut test on a 16 x 16 grid of pixels ... */
#define CUT_MAD                                                                    \
    30 /* ... whose mean absolute change (0-255, all channels) exceeds this;       \
          the 13 single-shot clips of ../shared peak at 3-12 (runners close to the \
          camera, pans, backlight), a cut between two scenes is several times it */

/* Mean absolute difference of the grid samples of img against prev (updated in place);
 * returns -1 on the first call (have == 0). */
static int grid_change(const gs_image *img, uint8_t *prev, int *have)
{
    long sum = 0;
    for (int gy = 0; gy < CUT_GRID; gy++)
        for (int gx = 0; gx < CUT_GRID; gx++) {
            int32_t x = (int32_t)(((int64_t)gx * 2 + 1) * img->width / (2 * CUT_GRID));
            int32_t y = (int32_t)(((int64_t)gy * 2 + 1) * img->height / (2 * CUT_GRID));
            const uint8_t *p = img->data + (size_t)y * (size_t)img->stride + (size_t)x * 3;
            uint8_t *q = prev + (gy * CUT_GRID + gx) * 3;
            for (int c = 0; c < 3; c++) {
                sum += p[c] > q[c] ? p[c] - q[c] : q[c] - p[c];
                q[c] = p[c];
            }
        }
    if (!*have) {
        *have = 1;
        return -1;
    }
    return (int)(sum / (CUT_GRID * CUT_GRID * 3));
}

/* One frame of a candidate track. */
typedef struct cand_frame {
    gs_kp kp[GS_POSE_NKP];
    float world[GS_POSE_NKP][3];
    float score;
    float side;        /* ROI side used, pixels */
    uint8_t rechecked; /* 1: the legs jumped and the model was asked again (recheck()) */
} cand_frame;

/* A candidate track: contiguous frames [start, start + n). */
typedef struct cand {
    int32_t start, n, cap;
    cand_frame *f;
    int active;
    gs_rot_rect next_roi;
    gs_pose__roi_hist hist;
    int person; /* chain id after stitching */
} cand;

typedef struct slot {
    uint8_t *rgb;
    size_t cap;
    int32_t w, h, stride;
    double t_s;
} slot;

typedef struct fqueue {
    pthread_mutex_t mu;
    pthread_cond_t cv_ready, cv_free;
    slot s[NSLOT];
    int head, count, done, stop;
    gs_status rc;
    gs_error err;
    gs_decoder *dec;
    double cpu_s; /* thread CPU time spent decoding, seconds */
} fqueue;

/* Copies a decoded frame into slot s. GS_OK or GS_ERR_NOMEM (err set). */
static gs_status fill_slot(slot *s, const gs_frame *fr, gs_error *err)
{
    size_t row = (size_t)fr->width * 3, need = row * (size_t)fr->height;
    if (need > s->cap) {
        uint8_t *p = realloc(s->rgb, need);
        if (!p)
            return gs_fail(err, GS_ERR_NOMEM, "pose: out of memory for a frame");
        s->rgb = p;
        s->cap = need;
    }
    for (int32_t y = 0; y < fr->height; y++)
        memcpy(s->rgb + (size_t)y * row, fr->rgb + (size_t)y * (size_t)fr->stride, row);
    s->w = fr->width;
    s->h = fr->height;
    s->stride = (int32_t)row;
    s->t_s = fr->t_s;
    return GS_OK;
}

static void *decode_main(void *arg)
{
    fqueue *q = arg;
    gs_frame fr;
    gs_error err = {0};
    double cpu0 = gs_thread_cpu_s();
    for (;;) {
        gs_status rc = gs_decoder_next(q->dec, &fr, &err);
        int idx;
        pthread_mutex_lock(&q->mu);
        if (rc != GS_OK) {
            q->done = 1;
            q->rc = rc == GS_END ? GS_OK : rc;
            q->err = err;
            pthread_cond_broadcast(&q->cv_ready);
            pthread_mutex_unlock(&q->mu);
            break;
        }
        while (q->count == NSLOT && !q->stop)
            pthread_cond_wait(&q->cv_free, &q->mu);
        if (q->stop) {
            q->done = 1;
            pthread_cond_broadcast(&q->cv_ready);
            pthread_mutex_unlock(&q->mu);
            break;
        }
        idx = (q->head + q->count) % NSLOT;
        pthread_mutex_unlock(&q->mu);
        /* The slot at head + count belongs to this thread until count is raised. */
        rc = fill_slot(&q->s[idx], &fr, &err);
        pthread_mutex_lock(&q->mu);
        if (rc != GS_OK) {
            q->done = 1;
            q->rc = rc;
            q->err = err;
            pthread_cond_broadcast(&q->cv_ready);
            pthread_mutex_unlock(&q->mu);
            break;
        }
        q->count++;
        pthread_cond_signal(&q->cv_ready);
        pthread_mutex_unlock(&q->mu);
    }
    q->cpu_s = gs_thread_cpu_s() - cpu0; /* read by the caller after pthread_join */
    return NULL;
}

/* Sequential mode: decodes the next frame into the head slot in the calling thread. */
static void decode_inline(fqueue *q)
{
    gs_frame fr;
    double cpu0 = gs_thread_cpu_s();
    gs_status rc = gs_decoder_next(q->dec, &fr, &q->err);
    if (rc == GS_OK)
        rc = fill_slot(&q->s[q->head], &fr, &q->err);
    if (rc == GS_OK)
        q->count = 1;
    else {
        q->done = 1;
        q->rc = rc == GS_END ? GS_OK : rc;
    }
    q->cpu_s += gs_thread_cpu_s() - cpu0;
}

/* Moves the auxiliary points of frame fi by up to amp_px each, in a fixed pseudo-random pattern
 * (gs_pose_options.test_nudge_px). */
static void nudge_aux(gs_pose__lm *lm, int32_t fi, float amp_px)
{
    for (int k = 0; k < 4; k++) {
        uint32_t h = (uint32_t)fi * 2654435761u ^ (uint32_t)(k + 1) * 40503u; /* Knuth, then */
        h ^= h >> 13; /* MurmurHash2's final mix */
        h *= 0x5bd1e995u;
        h ^= h >> 15;
        lm->aux[k / 2][k % 2] += amp_px * ((float)(h & 0xffffu) / 32768.0f - 1.0f);
    }
}

/* A second look at a frame whose legs jumped (recheck.c): the model on the other regions around
 * *roi, and *lm, *roi replaced by the answer they agree on. c holds the two frames before. */
static gs_status recheck(gs_pose__landmarker *lmk, const gs_image *img, const cand *c,
                         gs_pose__lm *lm, gs_rot_rect *roi, gs_pose_stats *st, gs_error *err)
{
    gs_rot_rect rois[GS_POSE__RECHECK_MAX];
    gs_pose__lm ans[GS_POSE__RECHECK_MAX];
    const gs_kp *kp[GS_POSE__RECHECK_MAX];
    int from[GS_POSE__RECHECK_MAX], k = 1;
    int n = gs_pose__recheck_rois(roi, rois);
    ans[0] = *lm;
    kp[0] = ans[0].kp;
    from[0] = 0;
    for (int i = 1; i < n; i++) {
        double tl = gs_now_s(), cl = gs_thread_cpu_s();
        gs_status rc = gs_pose__landmarks(lmk, img, &rois[i], &ans[k], err);
        st->landmark_s += gs_now_s() - tl;
        st->landmark_cpu_s += gs_thread_cpu_s() - cl;
        if (rc != GS_OK)
            return rc;
        st->landmark_runs++;
        if (ans[k].presence < PRESENCE_MIN)
            continue;
        kp[k] = ans[k].kp;
        from[k] = i;
        k++;
    }
    const gs_kp *k0 = c->f[c->n - 2].kp, *k1 = c->f[c->n - 1].kp;
    gs_kp pred[GS_POSE_NKP];
    gs_pose__leg_predict(k0, k1, pred);
    int w = gs_pose__recheck_choose(kp, k, pred, roi->width);
    *lm = ans[w];
    *roi = rois[from[w]];
    st->recheck_frames++;
    return GS_OK;
}

static gs_status cand_push(cand *c, const gs_pose__lm *lm, float side)
{
    if (c->n == c->cap) {
        int32_t nc = c->cap ? c->cap * 2 : 256;
        cand_frame *p = realloc(c->f, (size_t)nc * sizeof(*p));
        if (!p)
            return GS_ERR_NOMEM;
        c->f = p;
        c->cap = nc;
    }
    cand_frame *f = &c->f[c->n++];
    memcpy(f->kp, lm->kp, sizeof(f->kp));
    memcpy(f->world, lm->world, sizeof(f->world));
    f->score = lm->presence;
    f->side = side;
    f->rechecked = 0;
    return GS_OK;
}

/* Bounding box of the body landmarks. */
static void kp_box(const gs_kp *kp, float b[4])
{
    b[0] = b[2] = kp[0].x;
    b[1] = b[3] = kp[0].y;
    for (int i = 1; i < GS_POSE_NKP; i++) {
        b[0] = fminf(b[0], kp[i].x);
        b[1] = fminf(b[1], kp[i].y);
        b[2] = fmaxf(b[2], kp[i].x);
        b[3] = fmaxf(b[3], kp[i].y);
    }
}

static float box_iou(const float a[4], const float b[4])
{
    float iw = fminf(a[2], b[2]) - fmaxf(a[0], b[0]), ih = fminf(a[3], b[3]) - fmaxf(a[1], b[1]);
    if (iw <= 0 || ih <= 0)
        return 0;
    float in = iw * ih;
    float u = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - in;
    return u > 0 ? in / u : 0;
}

static void hip_centre(const gs_kp *kp, float *x, float *y)
{
    *x = 0.5f * (kp[GS_KP_LEFT_HIP].x + kp[GS_KP_RIGHT_HIP].x);
    *y = 0.5f * (kp[GS_KP_LEFT_HIP].y + kp[GS_KP_RIGHT_HIP].y);
}

/* How far the hip centre of the last frame of c jumped from the one before, in region sides. */
static float last_jump(const cand *c)
{
    if (c->n < 2)
        return 0;
    float x0, y0, x1, y1;
    hip_centre(c->f[c->n - 2].kp, &x0, &y0);
    hip_centre(c->f[c->n - 1].kp, &x1, &y1);
    return hypotf(x1 - x0, y1 - y0) / fmaxf(c->f[c->n - 1].side, 1.0f);
}

/* Whether a detection's region leans more than START_MAX_TILT from upright. */
static int roi_tilted(const gs_rot_rect *roi)
{
    return fabs(remainder((double)roi->rotation, 2.0 * GS_PI)) > START_MAX_TILT;
}

/*
 * 1 when the landmark model's answer on an upright region turned from a tilted detection may
 * start a track: its mid-hip inside the picture, its trunk within START_MAX_TILT of upright and
 * at least START_MIN_TRUNK of the region's side. A body cut by the picture's edge makes the
 * detector lay its region on its side; the landmark model then draws a person lying across the
 * region (trunk horizontal, a third of its usual length, over an arm or a bag), and as the next
 * regions come from that answer the track stays on it (walk_side_overground_04's entering
 * walker, frames 20-27, the backlit pan's leaving runner, 359-389). Upright, the model finds the
 * body, or its answer is refused and the detector runs again on the next frame.
 */
static int turned_start_ok(const gs_pose__lm *lm, float side, int32_t W, int32_t H)
{
    float sx = 0.5f * (lm->kp[GS_KP_LEFT_SHOULDER].x + lm->kp[GS_KP_RIGHT_SHOULDER].x);
    float sy = 0.5f * (lm->kp[GS_KP_LEFT_SHOULDER].y + lm->kp[GS_KP_RIGHT_SHOULDER].y);
    float hx, hy;
    hip_centre(lm->kp, &hx, &hy);
    float trunk = hypotf(sx - hx, sy - hy);
    double lean = atan2((double)(sx - hx), (double)(hy - sy)); /* 0 upright, y down */
    return hx >= 0 && hx <= (float)W && hy >= 0 && hy <= (float)H && fabs(lean) <= START_MAX_TILT &&
           trunk >= START_MIN_TRUNK * side;
}

/* ---- person choice ---- */

typedef struct person {
    int first, last;    /* candidate indices of the chain (linked through next[]) */
    int32_t start, end; /* frames [start, end) */
    int64_t frames;
    double gait_s, size, central;
} person;

/* 1 when the ankles of b sit where a had the other one while a had them apart (more than
 * min_sep): the model exchanged the labels between the two frames. A step passes the feet by
 * each other, close together, over several frames. */
static int labels_exchanged(const gs_kp *a, const gs_kp *b, float min_sep)
{
    const gs_kp *al = &a[GS_KP_LEFT_ANKLE], *ar = &a[GS_KP_RIGHT_ANKLE];
    const gs_kp *bl = &b[GS_KP_LEFT_ANKLE], *br = &b[GS_KP_RIGHT_ANKLE];
    float same = hypotf(bl->x - al->x, bl->y - al->y) + hypotf(br->x - ar->x, br->y - ar->y);
    float crossed = hypotf(bl->x - ar->x, bl->y - ar->y) + hypotf(br->x - al->x, br->y - al->y);
    return hypotf(al->x - ar->x, al->y - ar->y) > min_sep && crossed < 0.5f * same;
}

/* Seconds of stepping in a candidate: sign changes (with hysteresis) of the left-minus-right
 * ankle offset along x or y, normalised by leg length, whose spacing looks like steps. Walking
 * and running swap the feet every step (x in side views, y in rear/front views); jumping jacks
 * or standing do not. */
static double cand_gait_s(const cand *c, const double *t_s)
{
    if (c->n < 8)
        return 0;
    float *leg = malloc((size_t)c->n * sizeof(float));
    if (!leg)
        return 0;
    for (int32_t i = 0; i < c->n; i++) {
        const gs_kp *k = c->f[i].kp;
        leg[i] = 0.5f * (hypotf(k[GS_KP_LEFT_HIP].x - k[GS_KP_LEFT_ANKLE].x,
                                k[GS_KP_LEFT_HIP].y - k[GS_KP_LEFT_ANKLE].y) +
                         hypotf(k[GS_KP_RIGHT_HIP].x - k[GS_KP_RIGHT_ANKLE].x,
                                k[GS_KP_RIGHT_HIP].y - k[GS_KP_RIGHT_ANKLE].y));
    }
    /* median leg length */
    float *tmp = malloc((size_t)c->n * sizeof(float));
    float legm = 1;
    if (tmp) {
        memcpy(tmp, leg, (size_t)c->n * sizeof(float));
        for (int32_t i = 1; i < c->n; i++) { /* insertion sort: n is one track */
            float v = tmp[i];
            int32_t j = i - 1;
            while (j >= 0 && tmp[j] > v) {
                tmp[j + 1] = tmp[j];
                j--;
            }
            tmp[j + 1] = v;
        }
        legm = fmaxf(tmp[c->n / 2], 1.0f);
        free(tmp);
    }
    free(leg);
    /* Gait moves the feet up and down in turn; jumping jacks, hops and jumps move them together.
     * The correlation of the two ankles' heights (after removing a 1-s moving mean, so walking
     * toward the camera does not count), taken over the second around each step, tells them
     * apart whatever the left/right labels. */
    double *ra = malloc((size_t)c->n * 2 * sizeof(double));
    if (!ra)
        return 0;
    double *rb = ra + c->n;
    for (int32_t i = 0; i < c->n; i++) {
        double ml = 0, mr = 0;
        int cnt = 0;
        for (int32_t j = i; j >= 0 && t_s[c->start + i] - t_s[c->start + j] <= 0.5; j--) {
            ml += c->f[j].kp[GS_KP_LEFT_ANKLE].y;
            mr += c->f[j].kp[GS_KP_RIGHT_ANKLE].y;
            cnt++;
        }
        for (int32_t j = i + 1; j < c->n && t_s[c->start + j] - t_s[c->start + i] <= 0.5; j++) {
            ml += c->f[j].kp[GS_KP_LEFT_ANKLE].y;
            mr += c->f[j].kp[GS_KP_RIGHT_ANKLE].y;
            cnt++;
        }
        ra[i] = c->f[i].kp[GS_KP_LEFT_ANKLE].y - ml / cnt;
        rb[i] = c->f[i].kp[GS_KP_RIGHT_ANKLE].y - mr / cnt;
    }
    double best = 0;
    for (int axis = 0; axis < 2; axis++) {
        int state = 0;
        double last_t = -1, sum = 0;
        for (int32_t i = 0; i < c->n; i++) {
            const gs_kp *k = c->f[i].kp;
            float d = axis == 0 ? k[GS_KP_LEFT_ANKLE].x - k[GS_KP_RIGHT_ANKLE].x
                                : k[GS_KP_LEFT_ANKLE].y - k[GS_KP_RIGHT_ANKLE].y;
            d /= legm;
            int s = d > 0.08f ? 1 : d < -0.08f ? -1 : 0;
            if (s == 0 || s == state)
                continue;
            if (i > 0 && labels_exchanged(c->f[i - 1].kp, k, 0.3f * legm)) {
                state = s; /* the model exchanged the labels: not a step (issue 13:
                              walk_side_multiperson_01's man on the box stepped 2.8-3.2 s,
                              within the 80 % tie of the walker's 3.6, partly on such
                              exchanges) */
                continue;
            }
            double t = t_s[c->start + i];
            if (state != 0 && last_t >= 0) {
                double dt = t - last_t;
                /* a step lasts 0.15-1.5 s for running and slow walking alike */
                if (dt >= 0.15 && dt <= 1.5) {
                    double sab = 0, saa = 0, sbb = 0;
                    int32_t j0 = i, j1 = i;
                    while (j0 > 0 && t - t_s[c->start + j0 - 1] <= 0.5)
                        j0--;
                    while (j1 + 1 < c->n && t_s[c->start + j1 + 1] - t <= 0.5)
                        j1++;
                    for (int32_t j = j0; j <= j1; j++) {
                        sab += ra[j] * rb[j];
                        saa += ra[j] * ra[j];
                        sbb += rb[j] * rb[j];
                    }
                    double corr = saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : 1.0;
                    if (corr < 0.3)
                        sum += dt;
                }
            }
            state = s;
            last_t = t;
        }
        best = sum > best ? sum : best;
    }
    free(ra);
    return best;
}

static void choose_person(cand *cands, int nc, const double *t_s, int32_t W, int32_t H,
                          const gs_pose_options *o, int *chosen, const char **rule, int *n_people,
                          gs_pose_stats *st)
{
    person *P = NULL;
    int *next = NULL, np = 0;
    *chosen = -1;
    *rule = "none";
    *n_people = 0;
    if (nc == 0)
        return;
    P = calloc((size_t)nc, sizeof(*P));
    next = malloc((size_t)nc * sizeof(int));
    if (!P || !next)
        goto done;
    /* Candidates come in order of start frame. Stitch: a candidate continues the person whose
     * last candidate ended before it started, shortly before, close by and of similar size. */
    for (int i = 0; i < nc; i++) {
        cand *c = &cands[i];
        float x0, y0;
        int best = -1;
        double best_d = 1e30;
        next[i] = -1;
        hip_centre(c->f[0].kp, &x0, &y0);
        for (int p = 0; p < np; p++) {
            cand *l = &cands[P[p].last];
            int32_t lend = l->start + l->n;
            if (lend > c->start)
                continue;
            double gap = t_s[c->start] - t_s[lend - 1];
            float x1, y1, side = l->f[l->n - 1].side;
            hip_centre(l->f[l->n - 1].kp, &x1, &y1);
            double d = hypot(x1 - x0, y1 - y0) / fmax(side, 1.0);
            double ratio = c->f[0].side / fmax(side, 1.0);
            if (gap <= STITCH_GAP_S && d <= STITCH_DIST && ratio > 0.5 && ratio < 2.0 &&
                d < best_d) {
                best = p;
                best_d = d;
            }
        }
        if (best >= 0) {
            next[P[best].last] = i;
            P[best].last = i;
            c->person = best;
        } else {
            P[np].first = P[np].last = i;
            c->person = np;
            np++;
        }
    }
    for (int p = 0; p < np; p++) {
        double sz = 0, cen = 0;
        int64_t n = 0;
        P[p].start = cands[P[p].first].start;
        for (int i = P[p].first; i >= 0; i = next[i]) {
            cand *c = &cands[i];
            P[p].gait_s += cand_gait_s(c, t_s);
            for (int32_t k = 0; k < c->n; k++) {
                float x, y;
                hip_centre(c->f[k].kp, &x, &y);
                sz += c->f[k].side;
                cen += hypot((x - W / 2.0) / (W / 2.0), (y - H / 2.0) / (H / 2.0));
            }
            n += c->n;
            P[p].end = c->start + c->n;
        }
        P[p].frames = n;
        P[p].size = n ? sz / (double)n / fmin(W, H) : 0;
        P[p].central = n ? 1.0 - fmin(1.0, cen / (double)n / GS_PI * 2.0) : 0;
    }
    *n_people = np;
    for (int p = 0; p < np && p < 8; p++) {
        gs_pose_person_summary *ps = &st->people[p];
        ps->first_frame = P[p].start;
        ps->last_frame = P[p].end - 1;
        ps->frames = (int32_t)P[p].frames;
        ps->gait_s = P[p].gait_s;
        ps->size = P[p].size;
        ps->central = P[p].central;
    }
    if (o->has_person_point) {
        /* The person whose landmark box (grown by 10 %) holds the point on the earliest frame. */
        int32_t best_f = INT32_MAX;
        for (int i = 0; i < nc; i++) {
            cand *c = &cands[i];
            for (int32_t k = 0; k < c->n && c->start + k < best_f; k++) {
                float b[4];
                kp_box(c->f[k].kp, b);
                float mx = 0.1f * (b[2] - b[0]), my = 0.1f * (b[3] - b[1]);
                if (o->person_x >= b[0] - mx && o->person_x <= b[2] + mx &&
                    o->person_y >= b[1] - my && o->person_y <= b[3] + my) {
                    best_f = c->start + k;
                    *chosen = c->person;
                    break;
                }
            }
        }
        *rule = "user-point";
        goto done;
    }
    if (np == 1) {
        *chosen = 0;
        *rule = "only-person";
        goto done;
    }
    double gmax = 0;
    for (int p = 0; p < np; p++)
        gmax = fmax(gmax, P[p].gait_s);
    /* The person stepping for longest; people within 80 % of that are a tie, broken by size
     * and centrality (a runner filmed on purpose is large and central). Without a second of
     * stepping anywhere, size and centrality alone decide. */
    double best = -1;
    for (int p = 0; p < np; p++) {
        double cov = (double)P[p].frames;
        double s = P[p].size * (0.5 + 0.5 * P[p].central) * cov;
        if (gmax >= 1.0 && P[p].gait_s < 0.8 * gmax)
            continue;
        if (s > best) {
            best = s;
            *chosen = p;
        }
    }
    *rule = gmax >= 1.0 ? "longest-gait-track" : "largest-central";
done:
    /* mark: cands[].person == *chosen belong to the chosen person */
    free(P);
    free(next);
}

/* ---- the run ---- */

static gs_status model_path(char *buf, size_t n, const char *dir, const char *file, gs_error *err)
{
    int k = snprintf(buf, n, "%s/%s", dir, file);
    if (k < 0 || (size_t)k >= n)
        return gs_fail(err, GS_ERR_ARG, "%s: model path too long", dir);
    return GS_OK;
}

struct gs_pose_models {
    gs_pose__detector *det;
    gs_pose__landmarker *lmk;
    const char *name; /* "lite", "full", "heavy" */
};

static const char *model_name(const char *m)
{
    static const char *const names[] = {"lite", "full", "heavy"};
    for (int i = 0; i < 3; i++)
        if (m && !strcmp(m, names[i]))
            return names[i];
    return NULL;
}

gs_status gs_pose_models_load(const char *dir, const char *model, int n_threads,
                              gs_pose_models **out, gs_error *err)
{
    gs_status rc;
    char p_det[1024], p_lm[1024], lm_file[64];
    gs_pose_models *m = NULL;

    *out = NULL;
    if (!dir)
        dir = "models";
    if (!model)
        model = "full";
    if (!model_name(model))
        return gs_fail(err, GS_ERR_ARG, "pose: unknown model '%s' (lite, full or heavy)", model);
    snprintf(lm_file, sizeof(lm_file), "pose_landmark_%s.tflite", model);
    if ((rc = model_path(p_det, sizeof(p_det), dir, "pose_detection.tflite", err)) ||
        (rc = model_path(p_lm, sizeof(p_lm), dir, lm_file, err)))
        return rc;
    m = calloc(1, sizeof(*m));
    if (!m)
        return gs_fail(err, GS_ERR_NOMEM, "pose: out of memory");
    m->name = model_name(model);
    if ((rc = gs_pose__detector_new(p_det, n_threads > 0 ? n_threads : 1, &m->det, err)) ||
        (rc = gs_pose__landmarker_new(p_lm, n_threads > 0 ? n_threads : 1, &m->lmk, err))) {
        gs_pose_models_free(&m);
        return rc;
    }
    *out = m;
    return GS_OK;
}

void gs_pose_models_free(gs_pose_models **pm)
{
    if (!pm || !*pm)
        return;
    gs_pose__landmarker_free(&(*pm)->lmk);
    gs_pose__detector_free(&(*pm)->det);
    free(*pm);
    *pm = NULL;
}

const char *gs_pose_models_name(const gs_pose_models *m)
{
    return m ? m->name : NULL;
}

gs_status gs_pose_track_video(const char *path, const gs_pose_options *opt, gs_pose_track **out,
                              gs_pose_stats *stats, gs_error *err)
{
    gs_status rc = GS_OK;
    gs_pose_options o = {0};
    gs_pose_stats st = {0};
    st.chosen = -1;
    gs_decoder *dec = NULL;
    gs_pose__detector *det = NULL;
    gs_pose__landmarker *lmk = NULL;
    gs_pose_models *own = NULL; /* models loaded for this run only */
    gs_pose_track *t = NULL;
    cand *cands = NULL;
    int nc = 0, capc = 0;
    double *t_s = NULL;
    int64_t cap_t = 0, nf = 0;
    fqueue q;
    int q_init = 0, thread_started = 0;
    pthread_t th;
    double t0 = gs_now_s(), cpu0 = gs_thread_cpu_s();
    gs_error local_err;

    if (!err)
        err = &local_err;
    *out = NULL;
    memset(&q, 0, sizeof(q));
    if (opt)
        o = *opt;
    if (!o.model_dir)
        o.model_dir = "models";
    if (o.models && o.model && model_name(o.model) != o.models->name)
        return gs_fail(err, GS_ERR_ARG, "pose: model '%s' asked for, '%s' loaded", o.model,
                       o.models->name);
    if (!o.model)
        o.model = o.models ? o.models->name : "full";
    if (o.n_threads <= 0)
        o.n_threads = 1;
    if (o.min_detection_score <= 0)
        o.min_detection_score = DET_SCORE_DEFAULT;
    if (o.max_people <= 0)
        o.max_people = 3;
    if (!model_name(o.model))
        return gs_fail(err, GS_ERR_ARG, "pose: unknown model '%s' (lite, full or heavy)", o.model);

    rc = gs_decoder_open(path, &o.decode, &dec, err);
    if (rc != GS_OK)
        goto fail;
    const gs_video_info *info = gs_decoder_info(dec);
    if (!o.models) {
        rc = gs_pose_models_load(o.model_dir, o.model, o.n_threads, &own, err);
        if (rc != GS_OK)
            goto fail;
    }
    det = o.models ? o.models->det : own->det;
    lmk = o.models ? o.models->lmk : own->lmk;

    pthread_mutex_init(&q.mu, NULL);
    pthread_cond_init(&q.cv_ready, NULL);
    pthread_cond_init(&q.cv_free, NULL);
    q_init = 1;
    q.dec = dec;
    if (!o.sequential) {
        if (pthread_create(&th, NULL, decode_main, &q) != 0) {
            rc = gs_fail(err, GS_ERR_INTERNAL, "pose: cannot start the decode thread");
            goto fail;
        }
        thread_started = 1;
    }

    /* bounded as a double: a stream may state any frame rate (an int conversion of a value
     * beyond its range is undefined); a detector pass every 10000 frames is rare enough */
    double det_every_d = DET_INTERVAL_S * (info->fps_nominal > 0 ? info->fps_nominal : 30);
    int det_every = (int)lround(fmin(10000.0, fmax(1.0, det_every_d)));
    uint8_t grid[CUT_GRID * CUT_GRID * 3];
    int have_grid = 0;
    int64_t last_det = -1000000, total = info->frames_estimate > 0 ? info->frames_estimate : 0;
    int32_t W = info->width, H = info->height;

    for (;;) {
        double tw = gs_now_s();
        if (o.sequential && q.count == 0 && !q.done)
            decode_inline(&q);
        pthread_mutex_lock(&q.mu);
        while (q.count == 0 && !q.done)
            pthread_cond_wait(&q.cv_ready, &q.mu);
        int have = q.count > 0;
        pthread_mutex_unlock(&q.mu);
        if (!o.sequential)
            st.wait_s += gs_now_s() - tw;
        if (!have)
            break;
        slot *s = &q.s[q.head];
        gs_image img = {s->rgb, s->w, s->h, s->stride};
        W = s->w;
        H = s->h;
        if (nf == cap_t) {
            int64_t ncap = cap_t ? cap_t * 2 : 1024;
            double *p = realloc(t_s, (size_t)ncap * sizeof(double));
            if (!p) {
                rc = gs_fail(err, GS_ERR_NOMEM, "pose: out of memory");
                goto stop;
            }
            t_s = p;
            cap_t = ncap;
        }
        t_s[nf] = s->t_s;
        int32_t fi = (int32_t)nf;

        /* 0. A scene cut ends every track: the detector starts afresh (the regions from the
         * previous frame's landmarks mean nothing after a cut). */
        if (grid_change(&img, grid, &have_grid) > CUT_MAD) {
            st.cuts++;
            for (int i = 0; i < nc; i++)
                cands[i].active = 0;
        }
        /* 1. Track every active candidate from its previous landmarks. */
        int n_active = 0;
        for (int i = 0; i < nc; i++) {
            cand *c = &cands[i];
            gs_pose__lm lm;
            if (!c->active)
                continue;
            double tl = gs_now_s(), cl = gs_thread_cpu_s();
            rc = gs_pose__landmarks(lmk, &img, &c->next_roi, &lm, err);
            st.landmark_s += gs_now_s() - tl;
            st.landmark_cpu_s += gs_thread_cpu_s() - cl;
            if (rc != GS_OK)
                goto stop;
            st.landmark_runs++;
            if (lm.presence < PRESENCE_MIN) {
                c->active = 0;
                continue;
            }
            gs_rot_rect used = c->next_roi;
            int rechecked = 0;
            /* the legs jumped where no leg can: ask the model again (recheck.c) */
            if (c->n >= 2 && gs_pose__leg_jumped(gs_pose__leg_jump(
                                 c->f[c->n - 2].kp, c->f[c->n - 1].kp, lm.kp, used.width))) {
                rc = recheck(lmk, &img, c, &lm, &used, &st, err);
                if (rc != GS_OK)
                    goto stop;
                rechecked = 1;
            }
            if (cand_push(c, &lm, used.width) != GS_OK) {
                rc = gs_fail(err, GS_ERR_NOMEM, "pose: out of memory");
                goto stop;
            }
            c->f[c->n - 1].rechecked = (uint8_t)rechecked;
            if (o.test_nudge_px != 0)
                nudge_aux(&lm, fi, o.test_nudge_px);
            gs_rot_rect raw_roi =
                gs_pose__roi_from_points(lm.aux[0][0], lm.aux[0][1], lm.aux[1][0], lm.aux[1][1]);
            if (!(raw_roi.width >= 16.0f) || !(raw_roi.width < 8.0f * (float)(W + H)))
                c->active = 0; /* degenerate region: re-detect */
            else
                c->next_roi = gs_pose__roi_steady(&c->hist, raw_roi, fi + 1);
        }
        /* 2. Two tracks on one person (a region slid onto someone else): keep the steadier. */
        for (int i = 0; i < nc; i++) {
            for (int j = i + 1; j < nc && cands[i].active; j++) {
                cand *a = &cands[i], *b = &cands[j];
                float ba[4], bb[4];
                if (!b->active || a->start + a->n != fi + 1 || b->start + b->n != fi + 1)
                    continue;
                kp_box(a->f[a->n - 1].kp, ba);
                kp_box(b->f[b->n - 1].kp, bb);
                if (box_iou(ba, bb) < SAME_PERSON_IOU)
                    continue;
                cand *drop = last_jump(a) > last_jump(b) ? a : b;
                drop->active = 0;
                drop->n--; /* its last frame is the other person's */
            }
        }
        for (int i = 0; i < nc; i++)
            n_active += cands[i].active;

        /* 3. Detector: when nobody is tracked, and every DET_INTERVAL_S to find others. The
         * whole frame letterboxed to 224 px makes people in a wide shot tiny (the detector finds
         * them by the face), so the periodic search also looks at square tiles along the long
         * side of the frame (walk_side_multiperson_01: the walker is missed otherwise). */
        int periodic = nf - last_det >= det_every;
        if (n_active == 0 || periodic) {
            gs_pose__det dets[MAX_DETS];
            double td0 = gs_now_s(), cd0 = gs_thread_cpu_s();
            int k = gs_pose__detect(det, &img, o.min_detection_score, dets, MAX_DETS, err);
            if (k < 0) {
                rc = err->code != GS_OK ? err->code : GS_ERR_INTERNAL;
                goto stop;
            }
            st.detector_runs++;
            if (periodic) {
                int32_t sh = W < H ? W : H, lo = W < H ? H : W;
                int n_tiles = lo > sh * 6 / 5 ? (lo + sh - 1) / sh : 0;
                for (int ti = 0; ti < n_tiles && k < MAX_DETS; ti++) {
                    /* tiles spread evenly from one end to the other, overlapping */
                    int32_t off =
                        n_tiles > 1 ? (int32_t)((int64_t)(lo - sh) * ti / (n_tiles - 1)) : 0;
                    gs_image tile = img;
                    if (W > H) {
                        tile.data = img.data + (size_t)off * 3;
                        tile.width = sh;
                    } else {
                        tile.data = img.data + (size_t)off * (size_t)img.stride;
                        tile.height = sh;
                    }
                    gs_pose__det td[MAX_DETS];
                    int kt = gs_pose__detect(det, &tile, o.min_detection_score, td, MAX_DETS, err);
                    if (kt < 0) {
                        rc = err->code != GS_OK ? err->code : GS_ERR_INTERNAL;
                        goto stop;
                    }
                    st.detector_runs++;
                    for (int j = 0; j < kt && k < MAX_DETS; j++) {
                        gs_pose__det d = td[j]; /* tile-normalised -> frame-normalised */
                        float sx = (float)tile.width / (float)W;
                        float sy = (float)tile.height / (float)H;
                        float ox = W > H ? (float)off / (float)W : 0;
                        float oy = W > H ? 0 : (float)off / (float)H;
                        d.cx = d.cx * sx + ox;
                        d.cy = d.cy * sy + oy;
                        d.w *= sx;
                        d.h *= sy;
                        for (int kq = 0; kq < GS_POSE__DET_KPS; kq++) {
                            d.kp[kq][0] = d.kp[kq][0] * sx + ox;
                            d.kp[kq][1] = d.kp[kq][1] * sy + oy;
                        }
                        dets[k++] = d;
                    }
                }
            }
            last_det = nf;
            st.detect_s += gs_now_s() - td0;
            st.detect_cpu_s += gs_thread_cpu_s() - cd0;
            for (int d = 0; d < k && n_active < o.max_people; d++) {
                gs_rot_rect roi = gs_pose__roi_from_det(&dets[d], W, H);
                gs_pose__lm lm;
                float bn[4];
                int clash = 0;
                if (!(roi.width >= (float)(MIN_ROI_FRAC * (W < H ? W : H))))
                    continue;
                int turned = roi_tilted(&roi);
                if (turned) {
                    st.starts_turned++;
                    roi.rotation = 0;
                    roi.cx = fminf(fmaxf(roi.cx, 0.0f), (float)W);
                    roi.cy = fminf(fmaxf(roi.cy, 0.0f), (float)H);
                }
                for (int i = 0; i < nc && !clash; i++) {
                    cand *c = &cands[i];
                    float b[4];
                    if (!c->active)
                        continue;
                    kp_box(c->f[c->n - 1].kp, b);
                    clash = roi.cx >= b[0] && roi.cx <= b[2] && roi.cy >= b[1] && roi.cy <= b[3];
                }
                if (clash)
                    continue;
                double tl = gs_now_s(), cl = gs_thread_cpu_s();
                rc = gs_pose__landmarks(lmk, &img, &roi, &lm, err);
                st.landmark_s += gs_now_s() - tl;
                st.landmark_cpu_s += gs_thread_cpu_s() - cl;
                if (rc != GS_OK)
                    goto stop;
                st.landmark_runs++;
                if (lm.presence < PRESENCE_MIN)
                    continue;
                if (turned && !turned_start_ok(&lm, roi.width, W, H)) {
                    st.starts_refused++;
                    continue;
                }
                kp_box(lm.kp, bn);
                for (int i = 0; i < nc && !clash; i++) {
                    cand *c = &cands[i];
                    float b[4];
                    if (!c->active)
                        continue;
                    kp_box(c->f[c->n - 1].kp, b);
                    clash = box_iou(b, bn) >= SAME_PERSON_IOU;
                }
                if (clash)
                    continue;
                if (nc == capc) {
                    int ncap = capc ? capc * 2 : 8;
                    cand *p = realloc(cands, (size_t)ncap * sizeof(*p));
                    if (!p) {
                        rc = gs_fail(err, GS_ERR_NOMEM, "pose: out of memory");
                        goto stop;
                    }
                    cands = p;
                    capc = ncap;
                }
                cand *c = &cands[nc++];
                memset(c, 0, sizeof(*c));
                c->start = fi;
                c->active = 1;
                if (cand_push(c, &lm, roi.width) != GS_OK) {
                    rc = gs_fail(err, GS_ERR_NOMEM, "pose: out of memory");
                    goto stop;
                }
                c->next_roi =
                    gs_pose__roi_steady(&c->hist,
                                        gs_pose__roi_from_points(lm.aux[0][0], lm.aux[0][1],
                                                                 lm.aux[1][0], lm.aux[1][1]),
                                        fi + 1);
                n_active++;
            }
        }
        nf++;
        pthread_mutex_lock(&q.mu);
        q.head = o.sequential ? 0 : (q.head + 1) % NSLOT; /* sequential: one slot */
        q.count--;
        pthread_cond_signal(&q.cv_free);
        pthread_mutex_unlock(&q.mu);
        if (o.progress && o.progress(o.progress_user, "pose", nf, total > nf ? total : nf) != 0) {
            rc = gs_fail(err, GS_ERR_CANCELLED, "%s: cancelled", path);
            goto stop;
        }
    }
stop:
    if (thread_started) {
        pthread_mutex_lock(&q.mu);
        q.stop = 1;
        pthread_cond_broadcast(&q.cv_free);
        pthread_mutex_unlock(&q.mu);
        pthread_join(th, NULL);
        thread_started = 0;
    }
    st.decode_cpu_s = q.cpu_s;
    /* the decoder is done: release its buffers before the whole-clip work */
    W = gs_decoder_info(dec)->width;
    H = gs_decoder_info(dec)->height;
    double fps_nominal = gs_decoder_info(dec)->fps_nominal;
    double time_scale = gs_decoder_info(dec)->time_scale;
    char time_scale_source[32];
    snprintf(time_scale_source, sizeof(time_scale_source), "%s",
             gs_decoder_info(dec)->time_scale_source);
    st.decode = *gs_decoder_stats(dec); /* timestamps dropped/joined, truncation, durations */
    gs_decoder_free(&dec);
    if (rc != GS_OK)
        goto fail;
    if (q.rc != GS_OK) {
        rc = q.rc;
        *err = q.err;
        goto fail;
    }
    st.frames = nf;
    if (nf == 0) {
        rc = gs_fail(err, GS_ERR_FORMAT, "%s: no frames decoded", path);
        goto fail;
    }

    /* Drop candidates emptied by the same-person merge. */
    {
        int k = 0;
        for (int i = 0; i < nc; i++) {
            if (cands[i].n > 0)
                cands[k++] = cands[i];
            else
                free(cands[i].f);
        }
        nc = k;
    }
    int chosen, n_people;
    const char *rule;
    choose_person(cands, nc, t_s, W, H, &o, &chosen, &rule, &n_people, &st);
    st.candidates = n_people;
    st.chosen = chosen;
    if (chosen < 0) {
        if (o.has_person_point)
            rc = gs_fail(err, GS_ERR_NO_PERSON,
                         "%s: no person at the point %.0f,%.0f on any of %lld frames", path,
                         (double)o.person_x, (double)o.person_y, (long long)nf);
        else
            rc = gs_fail(err, GS_ERR_NO_PERSON, "%s: no person found on any of %lld frames", path,
                         (long long)nf);
        goto fail;
    }
    if (nf > INT32_MAX) {
        rc = gs_fail(err, GS_ERR_ARG, "%s: too many frames", path);
        goto fail;
    }
    rc = gs_pose_track_new((int32_t)nf, &t, err);
    if (rc != GS_OK)
        goto fail;
    t->width = W;
    t->height = H;
    t->fps = fps_nominal;
    {
        const char *base = strrchr(path, '/');
        snprintf(t->source, sizeof(t->source), "%s", base ? base + 1 : path);
    }
    snprintf(t->model, sizeof(t->model), "%s", o.model);
    snprintf(t->person_rule, sizeof(t->person_rule), "%s", rule);
    /* how the frames' times relate to real time (slow motion), for the gait stage's check */
    t->time_scale = time_scale;
    snprintf(t->time_scale_source, sizeof(t->time_scale_source), "%s", time_scale_source);
    for (int64_t i = 0; i < nf; i++)
        t->frames[i].t_s = t_s[i];
    t->second_looks = 0;
    for (int i = 0; i < nc; i++) {
        cand *c = &cands[i];
        if (c->person != chosen)
            continue;
        for (int32_t k = 0; k < c->n; k++) {
            gs_pose_frame *f = &t->frames[c->start + k];
            f->has_kp = 1;
            f->score = c->f[k].score;
            memcpy(f->kp, c->f[k].kp, sizeof(f->kp));
            memcpy(f->raw, c->f[k].kp, sizeof(f->raw));
            f->has_raw = 1;
            memcpy(f->world, c->f[k].world, sizeof(f->world));
            f->has_world = 1;
            t->second_looks += c->f[k].rechecked;
            st.frames_with_person++;
        }
    }
    if (!o.no_clean) {
        double tc = gs_now_s(), cc = gs_thread_cpu_s();
        rc = gs_pose_clean(t, &st.clean, err);
        st.clean_s = gs_now_s() - tc;
        st.clean_cpu_s = gs_thread_cpu_s() - cc;
        if (rc != GS_OK)
            goto fail;
    }
    st.wall_s = gs_now_s() - t0;
    if (st.frames_with_person * 2 < st.frames)
        rc = gs_fail(err, GS_ERR_NO_PERSON,
                     "%s: person lost for most of the clip (found on %lld of %lld frames)", path,
                     (long long)st.frames_with_person, (long long)st.frames);
    *out = t;
    t = NULL;
    goto cleanup;
fail:
    if (thread_started) {
        pthread_mutex_lock(&q.mu);
        q.stop = 1;
        pthread_cond_broadcast(&q.cv_free);
        pthread_mutex_unlock(&q.mu);
        pthread_join(th, NULL);
    }
    gs_pose_track_free(&t);
cleanup:
    st.wall_s = gs_now_s() - t0;
    st.track_cpu_s = gs_thread_cpu_s() - cpu0;
    if (stats)
        *stats = st;
    if (q_init) {
        pthread_mutex_destroy(&q.mu);
        pthread_cond_destroy(&q.cv_ready);
        pthread_cond_destroy(&q.cv_free);
    }
    for (int i = 0; i < NSLOT; i++)
        free(q.s[i].rgb);
    for (int i = 0; i < nc; i++)
        free(cands[i].f);
    free(cands);
    free(t_s);
    gs_pose_models_free(&own);
    gs_decoder_free(&dec);
    return rc;
}
