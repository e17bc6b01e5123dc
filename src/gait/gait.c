/*
 * Gait stage driver: view detection, the canonical frame (ground line + direction of travel),
 * scale, and the public accessors. Angles, events and metrics live in gait_angles.c,
 * gait_events.c and gait_metrics.c; analysis.json and the CSV files in gait_output.c.
 */
#include "gait_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A frame counts as "person present" from this pose presence score on (BlazePose's own
 * tracking keeps a pose above 0.5; we accept somewhat weaker frames and let visibility of the
 * individual landmarks decide the rest). */
#define MIN_SCORE 0.2f

static const char *const angle_names[GS_ANGLE_COUNT] = {
    "trunk_lean_deg",        "hip_flexion_deg",        "thigh_angle_deg",
    "knee_flexion_deg",      "ankle_dorsiflexion_deg", "foot_angle_deg",
    "shank_angle_deg",       "elbow_flexion_deg",      "shoulder_flexion_deg",
    "pelvic_obliquity_deg",  "hip_adduction_deg",      "knee_fppa_deg",
    "trunk_lateral_lean_deg", "knee_flexion_3d_deg",   "hip_flexion_3d_deg",
    "elbow_flexion_3d_deg"};
_Static_assert(sizeof(angle_names) / sizeof(angle_names[0]) == GS_ANGLE_COUNT,
               "one name per angle");

const char *gs_angle_name(gs_angle a)
{
    return (int)a >= 0 && a < GS_ANGLE_COUNT ? angle_names[a] : NULL;
}

void gs_gait__note(gs_gait_result *r, const char *fmt, ...)
{
    va_list ap;
    if (r->n_notes >= GS_GAIT__MAX_NOTES)
        return;
    va_start(ap, fmt);
    vsnprintf(r->notes[r->n_notes], sizeof(r->notes[0]), fmt, ap);
    va_end(ap);
    r->n_notes++;
}

int gs_gait__is_side(gs_gait_view_kind k)
{
    return k == GS_GAIT_VIEW_SIDE_LEFT || k == GS_GAIT_VIEW_SIDE_RIGHT;
}

/* q-quantile (0..1) of v[0..n-1]; sorts v in place. NAN when n == 0. */
static double quantile(double *v, int n, double q)
{
    double pos;
    int i;
    if (n <= 0)
        return NAN;
    qsort(v, (size_t)n, sizeof(*v), gs_gait__cmp_double);
    pos = q * (n - 1);
    i = (int)floor(pos);
    if (i >= n - 1)
        return v[n - 1];
    return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

/* Image coordinates of landmark k on frame i of the track. */
static void img(const gs_pose_track *t, int32_t i, int k, double *x, double *y)
{
    *x = t->frames[i].kp[k].x;
    *y = t->frames[i].kp[k].y;
}

/* ------------------------------------------------------------------------------------------ */
/* View detection                                                                              */

/*
 * Side vs frontal: in a side view the two hips (and shoulders) nearly overlap horizontally; from
 * behind or in front they are about half a torso length apart (hip joint width ~0.19 H and
 * shoulder width ~0.26 H against a trunk of ~0.29 H, Winter's anthropometry). The median ratio of
 * horizontal hip+shoulder separation to torso length decides, with 0.3 as the boundary.
 * Facing in a side view: the feet (heel -> toe) and the nose (vs the ears) point forward.
 * Rear vs front (DESIGN.md: decide from the face landmarks, check over the whole clip): the nose
 * is nearer the camera than the ears (BlazePose z) and the face landmarks are visible in a front
 * view; and the person's left landmarks lie on the image right.
 */
static void detect_view(gs_gait_result *r, const gs_pose_track *t, const gs_gait_options *o)
{
    double *w = NULL, *fv = NULL;
    int nw = 0;
    double front_score = 0;
    int nfront = 0;

    w = malloc(sizeof(double) * (size_t)(r->n > 0 ? r->n : 1));
    fv = malloc(sizeof(double) * (size_t)(r->n > 0 ? r->n : 1));
    if (!w || !fv)
        goto done;
    for (int32_t i = 0; i < r->n; i++) {
        double lhx, lhy, rhx, rhy, lsx, lsy, rsx, rsy, torso, f = 0;
        const gs_kp *kp = t->frames[i].kp;
        r->facing[i] = 0;
        if (!r->valid[i])
            continue;
        img(t, i, GS_KP_LEFT_HIP, &lhx, &lhy);
        img(t, i, GS_KP_RIGHT_HIP, &rhx, &rhy);
        img(t, i, GS_KP_LEFT_SHOULDER, &lsx, &lsy);
        img(t, i, GS_KP_RIGHT_SHOULDER, &rsx, &rsy);
        torso = hypot(0.5 * (lsx + rsx - lhx - rhx), 0.5 * (lsy + rsy - lhy - rhy));
        if (torso > 1e-6)
            w[nw++] = 0.5 * (fabs(lhx - rhx) + fabs(lsx - rsx)) / torso;
        /* facing votes (side) */
        f += kp[GS_KP_LEFT_FOOT_INDEX].x - kp[GS_KP_LEFT_HEEL].x;
        f += kp[GS_KP_RIGHT_FOOT_INDEX].x - kp[GS_KP_RIGHT_HEEL].x;
        f += 2.0 * (kp[GS_KP_NOSE].x - 0.5 * (kp[GS_KP_LEFT_EAR].x + kp[GS_KP_RIGHT_EAR].x));
        fv[i] = f;
        /* front/rear votes */
        {
            double v1 = kp[GS_KP_NOSE].z < 0.5 * (kp[GS_KP_LEFT_EAR].z + kp[GS_KP_RIGHT_EAR].z)
                            ? 1
                            : -1;
            double vis = 0;
            for (int k = 0; k <= GS_KP_MOUTH_RIGHT; k++)
                vis += kp[k].vis;
            vis /= GS_KP_MOUTH_RIGHT + 1;
            double v2 = vis > 0.5 ? 1 : -1;
            double v3 = (lhx + lsx) > (rhx + rsx) ? 1 : -1;
            front_score += (v1 + v2 + v3) / 3.0;
            nfront++;
        }
    }
    {
        double wm = quantile(w, nw, 0.5);
        int forced = o->view != GS_GAIT_VIEW_UNKNOWN;
        gs_gait_view_kind kind;
        double conf;
        if (nw == 0) {
            kind = GS_GAIT_VIEW_UNKNOWN;
            conf = 0;
        } else if (wm < 0.3) {
            kind = GS_GAIT_VIEW_SIDE_RIGHT;
            conf = fmin(1.0, (0.3 - wm) / 0.15);
        } else {
            double fs = nfront ? front_score / nfront : 0;
            kind = fs > 0 ? GS_GAIT_VIEW_FRONT : GS_GAIT_VIEW_REAR;
            conf = fmin(fmin(1.0, (wm - 0.3) / 0.15), fabs(fs));
        }
        if (forced) {
            kind = o->view;
            conf = 1.0;
        }
        r->view.kind = kind;
        r->view.confidence = conf;
        r->view.passes = 1;
        r->view.facing = 0;
        if (gs_gait__is_side(kind)) {
            /* Per-frame facing, majority over +-0.5 s, then passes = runs of one facing. */
            int8_t *raw = malloc((size_t)r->n);
            if (!raw)
                goto done;
            for (int32_t i = 0; i < r->n; i++)
                raw[i] = !r->valid[i] ? 0 : fv[i] >= 0 ? 1 : -1;
            for (int32_t i = 0; i < r->n; i++) {
                double s = 0;
                if (!r->valid[i])
                    continue;
                for (int32_t j = i; j >= 0 && r->t[i] - r->t[j] <= 0.5; j--)
                    s += raw[j];
                for (int32_t j = i + 1; j < r->n && r->t[j] - r->t[i] <= 0.5; j++)
                    s += raw[j];
                r->facing[i] = s >= 0 ? 1 : -1;
            }
            free(raw);
            /* A facing run shorter than 1 s is noise (a silhouette, a bad frame run), not a
             * turn: it takes the facing of the run before it (or after it, at the start). */
            {
                int32_t i = 0;
                while (i < r->n) {
                    int32_t a = i, b;
                    int8_t f;
                    if (!r->valid[i]) {
                        i++;
                        continue;
                    }
                    f = r->facing[i];
                    b = i;
                    while (b + 1 < r->n && (!r->valid[b + 1] || r->facing[b + 1] == f))
                        b++;
                    if (r->t[b] - r->t[a] < 1.0) {
                        int8_t nf = 0;
                        for (int32_t j = a - 1; j >= 0 && !nf; j--)
                            if (r->valid[j])
                                nf = r->facing[j];
                        for (int32_t j = b + 1; j < r->n && !nf; j++)
                            if (r->valid[j])
                                nf = r->facing[j];
                        if (nf)
                            for (int32_t j = a; j <= b; j++)
                                if (r->valid[j])
                                    r->facing[j] = nf;
                    }
                    i = b + 1;
                }
            }
            if (forced) {
                for (int32_t i = 0; i < r->n; i++)
                    if (r->valid[i])
                        r->facing[i] = kind == GS_GAIT_VIEW_SIDE_RIGHT ? 1 : -1;
            }
            /* passes */
            {
                int16_t pid = -1;
                int8_t cur = 0;
                double best_len = -1;
                int best_facing = 1;
                double start_t = 0;
                for (int32_t i = 0; i < r->n; i++) {
                    r->pass[i] = -1;
                    if (!r->valid[i])
                        continue;
                    if (r->facing[i] != cur) {
                        pid++;
                        cur = r->facing[i];
                        start_t = r->t[i];
                    }
                    r->pass[i] = pid;
                    if (r->t[i] - start_t > best_len) {
                        best_len = r->t[i] - start_t;
                        best_facing = cur;
                    }
                }
                r->view.passes = pid + 1 > 0 ? pid + 1 : 0;
                r->view.turns = pid > 0 ? pid : 0;
                r->view.facing = best_facing;
                if (!forced)
                    r->view.kind =
                        best_facing > 0 ? GS_GAIT_VIEW_SIDE_RIGHT : GS_GAIT_VIEW_SIDE_LEFT;
                if (r->view.passes > 1)
                    gs_gait__note(r,
                                  "%d passes (the person turned); events and strides are found "
                                  "per pass, metrics pool them",
                                  r->view.passes);
            }
        } else {
            for (int32_t i = 0; i < r->n; i++)
                r->pass[i] = r->valid[i] ? 0 : -1;
        }
    }
done:
    free(w);
    free(fv);
}

/* ------------------------------------------------------------------------------------------ */
/* Canonical frame                                                                             */

/* Fills r->P from the track with the current ground angle and facing. */
static void transform(gs_gait_result *r, const gs_pose_track *t)
{
    double c = cos(r->ground_phi), s = sin(r->ground_phi);
    int mirror = r->view.kind == GS_GAIT_VIEW_FRONT ? -1 : 1;
    for (int32_t i = 0; i < r->n; i++) {
        for (int k = 0; k < GS_POSE_NKP; k++) {
            double *p = gs_gait__p(r, i, k);
            if (!r->valid[i]) {
                p[0] = p[1] = NAN;
                continue;
            }
            double x = t->frames[i].kp[k].x - r->cx, y = t->frames[i].kp[k].y - r->cy;
            double xr = x * c + y * s, yr = -x * s + y * c;
            int f = gs_gait__is_side(r->view.kind) ? r->facing[i] : mirror;
            p[0] = f * xr;
            p[1] = -yr;
        }
    }
}

/*
 * Leg lengths in pixels (r->ll_px, r->len_px): the 90th percentile over frames of hip-knee +
 * knee-ankle per side, the two sides averaged. A high percentile because projection only ever shortens a segment (a thigh
 * pointing at the camera looks short); the 90th rather than the maximum to ignore outliers.
 * Also each segment's own 90th percentile, added: in rear and front views the thigh and
 * the shank swing toward and away from the camera and are seen whole when each passes the
 * vertical, not at the same moment (a made runner from behind: 373 px the sum's percentile, 426
 * the segments', 430 the true length; run_rear_treadmill_01 273 and 274 px, its runner's legs
 * being seen straight in some frames). That one scales the lengths of rear and front views
 * (r->len_px); the sum's stays the events' yardstick (r->ll_px: their thresholds were set with
 * it, and the made rear tracks' toe-offs move by up to 0.2 frame of MAE either way with the
 * other). Side views use the sum's for both: their segments are always seen whole, and two
 * percentiles of noisy lengths add up 1-3 % long (the sample 297 -> 302 px).
 */
static void leg_lengths(gs_gait_result *r)
{
    size_t cap = (size_t)(r->n > 0 ? r->n : 1);
    double *sum = malloc(sizeof(double) * cap), *thigh = malloc(sizeof(double) * cap);
    double *shank = malloc(sizeof(double) * cap), ll = 0, seg = 0;
    int sides = 0;
    r->ll_px = r->len_px = NAN;
    if (!sum || !thigh || !shank) {
        free(sum);
        free(thigh);
        free(shank);
        return;
    }
    for (int side = 0; side < 2; side++) {
        int n = 0;
        for (int32_t i = 0; i < r->n; i++) {
            if (!r->valid[i])
                continue;
            const double *h = gs_gait__p(r, i, GS_KP_LEFT_HIP + side);
            const double *k = gs_gait__p(r, i, GS_KP_LEFT_KNEE + side);
            const double *a = gs_gait__p(r, i, GS_KP_LEFT_ANKLE + side);
            thigh[n] = hypot(k[0] - h[0], k[1] - h[1]);
            shank[n] = hypot(a[0] - k[0], a[1] - k[1]);
            sum[n] = thigh[n] + shank[n];
            n++;
        }
        if (n > 0) {
            ll += quantile(sum, n, 0.9);
            seg += quantile(thigh, n, 0.9) + quantile(shank, n, 0.9);
            sides++;
        }
    }
    free(sum);
    free(thigh);
    free(shank);
    if (sides) {
        r->ll_px = ll / sides;
        r->len_px = gs_gait__is_side(r->view.kind) ? r->ll_px : seg / sides;
    }
}

/*
 * Ground line from the stance feet (DESIGN.md: "vertical" = normal to the ground line). Samples:
 * the lower of heel and toe, in image pixels, on frames in the middle 70 % of each detected
 * stance. Side views: one common slope with a separate offset per foot (the far foot stands
 * higher in the picture), least squares, then once more without samples beyond 3 robust SDs.
 * Rear/front views: the feet hardly move sideways within a stance, so the slope comes from the
 * two feet's different positions, one offset for both. Without enough spread, or for an angle
 * beyond 10 degrees (more likely a slope or a bad fit than a rolled phone), the image horizontal.
 */
static void fit_ground(gs_gait_result *r, const gs_pose_track *t)
{
    int side_view = gs_gait__is_side(r->view.kind), n = 0, cap = r->n * 2 + 2;
    double *x = malloc(sizeof(double) * (size_t)cap), *y = malloc(sizeof(double) * (size_t)cap);
    int *ft = malloc(sizeof(int) * (size_t)cap);
    double slope = 0, phi = 0;
    int ok = 0;

    if (!x || !y || !ft)
        goto done;
    for (int si = 0; si < r->n_st; si++) {
        const gs_gait_stride *s = &r->st[si];
        if (!s->used || !isfinite(s->to_s))
            continue;
        double a = s->t0_s + 0.15 * (s->to_s - s->t0_s), b = s->t0_s + 0.85 * (s->to_s - s->t0_s);
        for (int32_t i = gs_gait__frame_at(r, a); i < r->n && r->t[i] <= b && n < cap; i++) {
            if (!r->valid[i] || r->t[i] < a)
                continue;
            int he = GS_KP_LEFT_HEEL + s->side, to = GS_KP_LEFT_FOOT_INDEX + s->side;
            /* The lower point in the picture is the larger image y. */
            int k = gs_gait__p(r, i, he)[1] < gs_gait__p(r, i, to)[1] ? he : to;
            x[n] = t->frames[i].kp[k].x;
            y[n] = t->frames[i].kp[k].y;
            ft[n] = side_view ? (int)s->side : 0;
            n++;
        }
    }
    for (int iter = 0; iter < 2 && n >= 10; iter++) {
        double mx[2] = {0, 0}, my[2] = {0, 0}, sxx = 0, sxy = 0, xmin = 1e30, xmax = -1e30;
        int cnt[2] = {0, 0};
        for (int j = 0; j < n; j++) {
            if (ft[j] < 0)
                continue;
            mx[ft[j]] += x[j];
            my[ft[j]] += y[j];
            cnt[ft[j]]++;
        }
        for (int f = 0; f < 2; f++)
            if (cnt[f]) {
                mx[f] /= cnt[f];
                my[f] /= cnt[f];
            }
        for (int j = 0; j < n; j++) {
            if (ft[j] < 0)
                continue;
            sxx += (x[j] - mx[ft[j]]) * (x[j] - mx[ft[j]]);
            sxy += (x[j] - mx[ft[j]]) * (y[j] - my[ft[j]]);
            xmin = fmin(xmin, x[j]);
            xmax = fmax(xmax, x[j]);
        }
        /* Needs a spread of at least a third of a leg length to fix a slope. */
        if (sxx <= 0 || xmax - xmin < 0.33 * r->ll_px) {
            ok = 0;
            break;
        }
        slope = sxy / sxx;
        ok = 1;
        if (iter == 0) { /* drop samples beyond 3 robust SDs of the residuals */
            double *res = malloc(sizeof(double) * (size_t)n), mad;
            int m = 0;
            if (!res)
                break;
            for (int j = 0; j < n; j++)
                if (ft[j] >= 0)
                    res[m++] = fabs(y[j] - my[ft[j]] - slope * (x[j] - mx[ft[j]]));
            mad = quantile(res, m, 0.5);
            free(res);
            for (int j = 0; j < n; j++)
                if (ft[j] >= 0 && fabs(y[j] - my[ft[j]] - slope * (x[j] - mx[ft[j]])) >
                                      3 * 1.4826 * mad + 1e-9)
                    ft[j] = -1;
        } else {
            r->gx0 = mx[0];
            r->gy0 = my[0];
        }
    }
    phi = atan(slope);
    if (ok && fabs(phi) <= 10.0 * GS_PI / 180.0) {
        r->ground_phi = phi;
        r->ground_points = n;
    } else {
        r->ground_phi = 0;
        r->ground_points = 0;
    }
done:
    free(x);
    free(y);
    free(ft);
}

/* Treadmill vs overground: overground the pelvis crosses the picture (side view) or the body
 * grows/shrinks in it (rear/front). A panning camera following an overground runner looks like a
 * treadmill to this test; --belt-speed or the options can say otherwise.
 * Rear/front: the torso's 5-95 % range of image length, and its trend (least-squares line of its
 * log over time) across the clip beyond 12 %: a walker coming toward the camera grows steadily
 * while a stride's lean and bounce make the range small on a short clip (session 15 audit: the
 * range read 1.17 and 1.42, both "treadmill", for run_front_overground_01 growing 19 % in 2.8 s
 * and walk_front_cane_01 29 % in 4.8 s; run_rear_treadmill_01's trend is 0.5 % in 15.5 s). */
static void detect_setting(gs_gait_result *r)
{
    double *v = malloc(sizeof(double) * (size_t)(r->n > 0 ? r->n : 1)), span, trend = 0;
    double st = 0, sv = 0, stt = 0, stv = 0, t0 = 0, t1 = 0;
    int n = 0, m = 0;
    if (!v)
        return;
    for (int32_t i = 0; i < r->n; i++) {
        if (!r->valid[i])
            continue;
        const double *lh = gs_gait__p(r, i, GS_KP_LEFT_HIP), *rh = gs_gait__p(r, i, GS_KP_RIGHT_HIP);
        const double *ls = gs_gait__p(r, i, GS_KP_LEFT_SHOULDER);
        const double *rs = gs_gait__p(r, i, GS_KP_RIGHT_SHOULDER);
        if (gs_gait__is_side(r->view.kind))
            v[n++] = 0.5 * (lh[0] + rh[0]) * r->facing[i]; /* image x, any direction */
        else
            v[n++] = hypot(0.5 * (ls[0] + rs[0] - lh[0] - rh[0]), 0.5 * (ls[1] + rs[1] - lh[1] - rh[1]));
        if (!gs_gait__is_side(r->view.kind) && v[n - 1] > 0) {
            double lv = log(v[n - 1]);
            if (m++ == 0)
                t0 = r->t[i];
            t1 = r->t[i];
            st += r->t[i] - t0;
            sv += lv;
            stt += (r->t[i] - t0) * (r->t[i] - t0);
            stv += (r->t[i] - t0) * lv;
        }
    }
    if (m > 2) {
        double den = m * stt - st * st;
        if (den > 0)
            trend = fabs(exp((m * stv - st * sv) / den * (t1 - t0)) - 1.0);
    }
    if (n < 2) {
        free(v);
        return;
    }
    {
        double lo = quantile(v, n, 0.05), hi = quantile(v, n, 0.95), med = quantile(v, n, 0.5);
        if (gs_gait__is_side(r->view.kind))
            span = (hi - lo) / r->ll_px;              /* leg lengths travelled across */
        else
            span = med > 0 ? (hi - lo) / med * 6 : 0; /* 25 % size change ~ 1.5 */
    }
    free(v);
    r->setting = span > 1.5 || trend > 0.12 ? GS_GAIT_SETTING_OVERGROUND : GS_GAIT_SETTING_TREADMILL;
}

/*
 * Overground side views: frames where the mid-hip moves (over +-0.5 s, faster than 0.4 leg
 * lengths per second) opposite to the way the person faces are marked backward, and a new pass starts
 * wherever that changes. Seen in a real clip (a walker walking back to the start backwards);
 * forward-gait event rules do not apply there, so those strides are dropped with a reason.
 */
static void mark_backward(gs_gait_result *r)
{
    int n_back = 0;
    if (!gs_gait__is_side(r->view.kind) || r->setting != GS_GAIT_SETTING_OVERGROUND)
        return;
    for (int32_t i = 0; i < r->n; i++) {
        int32_t a = i, b = i;
        r->backward[i] = 0;
        if (!r->valid[i])
            continue;
        while (a > 0 && r->valid[a - 1] && r->t[i] - r->t[a - 1] <= 0.5)
            a--;
        while (b + 1 < r->n && r->valid[b + 1] && r->t[b + 1] - r->t[i] <= 0.5)
            b++;
        /* canonical X already points the way the person faces */
        double xa = 0.5 * (gs_gait__p(r, a, GS_KP_LEFT_HIP)[0] + gs_gait__p(r, a, GS_KP_RIGHT_HIP)[0]);
        double xb = 0.5 * (gs_gait__p(r, b, GS_KP_LEFT_HIP)[0] + gs_gait__p(r, b, GS_KP_RIGHT_HIP)[0]);
        /* 0.4 LL/s backwards: more than a panning camera's lag, less than backward walking */
        if (r->facing[a] == r->facing[b] && xb - xa < -0.4 * r->ll_px * (r->t[b] - r->t[a])) {
            r->backward[i] = 1;
            n_back++;
        }
    }
    if (n_back == 0)
        return;
    {
        int16_t pid = -1, prev_pass = -2;
        int8_t prev_back = -1;
        for (int32_t i = 0; i < r->n; i++) {
            if (!r->valid[i])
                continue;
            if (r->pass[i] != prev_pass || r->backward[i] != prev_back)
                pid++;
            prev_pass = r->pass[i];
            prev_back = r->backward[i];
            r->pass[i] = pid;
        }
        r->view.passes = pid + 1;
    }
    gs_gait__note(r, "the person moves backwards relative to the way they face for %.1f s "
                     "(walking backwards?): strides there are not used",
                  n_back / (r->n > 1 ? (r->n - 1) / (r->t[r->n - 1] - r->t[0]) : 30.0));
}

/* ------------------------------------------------------------------------------------------ */

static void result_free_parts(gs_gait_result *r)
{
    free(r->t);
    free(r->valid);
    free(r->foot_out);
    free(r->cam_t);
    free(r->cam_v);
    free(r->facing);
    free(r->pass);
    free(r->backward);
    free(r->P);
    free(r->W);
    free(r->wvalid);
    free(r->ang);
    free(r->ev);
    free(r->st);
    for (int i = 0; i < r->n_m; i++)
        for (int s = 0; s < 2; s++) {
            free(r->m[i].v[s]);
            free(r->m[i].t[s]);
        }
    free(r->m);
    for (int i = 0; r->cv && i < GS_ANGLE_COUNT; i++)
        for (int s = 0; s < 2; s++) {
            free(r->cv[i].per[s]);
            free(r->cv[i].t0[s]);
        }
    free(r->cv);
}

void gs_gait_result_free(gs_gait_result **r)
{
    if (!r || !*r)
        return;
    result_free_parts(*r);
    free(*r);
    *r = NULL;
}

/*
 * Largest |coordinate| of a landmark accepted, pixels: the pose.json reader's bound (a frame is
 * at most 1e6 px wide). A track built in memory is held to it too: a value like 1e308 gave metric
 * means of 1e308.
 */
#define MAX_COORD_PX 1e6

/*
 * Largest |time| accepted, seconds: 1e7 s is 116 days, far beyond any recording (the overlay
 * encoder stops there too). Frames 1e300 s apart made the local fits overflow into NaN events.
 */
#define MAX_TIME_S 1e7

/*
 * Input validation, before any analysis: times finite, within MAX_TIME_S and strictly
 * increasing (the decoder's
 * timestamp policy and the pose.json reader guarantee it; a track built otherwise must too),
 * landmark coordinates within MAX_COORD_PX (NaN marks a missing landmark and is left to the
 * per-frame check), and some landmark visible somewhere: a track whose every visibility is 0
 * says that no landmark was seen, and analysing it anyway gave a normal-looking report with view
 * confidence 1.00.
 */
static gs_status validate_input(const gs_pose_track *t, const char *name, gs_error *err)
{
    int32_t with_kp = 0;
    float max_vis = 0;
    for (int32_t i = 0; i < t->n_frames; i++) {
        const gs_pose_frame *f = &t->frames[i];
        if (!isfinite(f->t_s))
            return gs_fail(err, GS_ERR_FORMAT, "%s: frames[%d].t: not a finite time", name, (int)i);
        if (fabs(f->t_s) > MAX_TIME_S)
            return gs_fail(err, GS_ERR_FORMAT,
                           "%s: frames[%d].t: %g s is not a plausible video time (|t| must be "
                           "<= %g s)",
                           name, (int)i, f->t_s, MAX_TIME_S);
        if (i > 0 && !(f->t_s > t->frames[i - 1].t_s))
            return gs_fail(err, GS_ERR_FORMAT,
                           "%s: frames[%d].t: %.6f s is not after the previous frame's %.6f s",
                           name, (int)i, f->t_s, t->frames[i - 1].t_s);
        if (!f->has_kp)
            continue;
        with_kp++;
        for (int k = 0; k < GS_POSE_NKP; k++) {
            const float c[3] = {f->kp[k].x, f->kp[k].y, f->kp[k].z};
            for (int j = 0; j < 3; j++)
                if (isfinite(c[j]) && fabsf(c[j]) > MAX_COORD_PX)
                    return gs_fail(err, GS_ERR_FORMAT,
                                   "%s: frames[%d].kp[%d] (%s): %c = %g is not a plausible pixel "
                                   "coordinate (|%c| must be <= %g)",
                                   name, (int)i, k, gs_kp_name(k), "xyz"[j], (double)c[j], "xyz"[j],
                                   MAX_COORD_PX);
            if (f->kp[k].vis > max_vis)
                max_vis = f->kp[k].vis;
        }
    }
    if (with_kp > 0 && !(max_vis > 0))
        return gs_fail(err, GS_ERR_FORMAT,
                       "%s: every landmark has visibility 0 on all %d frames with landmarks: "
                       "nothing was seen (or the tool that wrote them left visibility out)",
                       name, (int)with_kp);
    return GS_OK;
}

/* gs_gait_options.events in place of the detected events, with their uncertainty and what
 * timed them (events that are not finite are skipped, as gs_gait__add_event does), sorted. */
static gs_status take_events(gs_gait_result *r, const gs_gait_event *ev, int n, gs_error *err)
{
    gs_status rc = GS_OK;
    r->n_ev = 0;
    for (int i = 0; i < n && rc == GS_OK; i++) {
        int had = r->n_ev;
        rc = gs_gait__add_event(r, ev[i].side == GS_GAIT_SIDE_RIGHT, ev[i].type == GS_GAIT_EVENT_TO,
                                ev[i].t_s, err);
        if (rc == GS_OK && r->n_ev > had) {
            r->ev[r->n_ev - 1].unc_frames = ev[i].unc_frames;
            r->ev[r->n_ev - 1].timed_by = ev[i].timed_by;
        }
    }
    if (rc == GS_OK)
        gs_gait__sort_events(r);
    return rc;
}

static gs_status analyze_track(const gs_pose_track *t, const gs_pose_track *pic,
                               const gs_gait_options *opt, gs_gait_result **out, gs_error *err);

/*
 * --swap-legs: a coach's correction where the tracker labelled the legs the wrong way round
 * (issue 13 item 6). spec is "all" or "T1-T2[,T3-T4...]" in seconds of the track's clock; the
 * ranges are written into t0/t1 (at most cap). Returns the number of ranges, or -1 when spec is
 * malformed.
 */
static int parse_swap_ranges(const char *spec, double *t0, double *t1, int cap)
{
    int n = 0;
    const char *p = spec;
    if (!strcmp(spec, "all")) {
        t0[0] = -INFINITY;
        t1[0] = INFINITY;
        return 1;
    }
    while (*p) {
        char *end;
        double a = strtod(p, &end), b;
        if (end == p || *end != '-' || !isfinite(a) || a < 0 || n >= cap)
            return -1;
        p = end + 1;
        b = strtod(p, &end);
        if (end == p || !isfinite(b) || !(b > a))
            return -1;
        t0[n] = a;
        t1[n] = b;
        n++;
        p = end;
        if (*p == ',')
            p++;
        else if (*p)
            return -1;
    }
    return n > 0 ? n : -1;
}

/*
 * Which feet are out of the picture on frame f (bit 1 << side). A phone that follows a runner
 * cuts the feet off at the bottom or lets the runner leave at a side, and BlazePose still puts
 * the foot's landmarks there with visibility that cannot tell: on the backlit pan, frames
 * 190-350, heel and toe sit at or just inside the bottom edge with visibility 0.9-1.0 while the
 * shoes are cut; and visibility below 0.5 on heel, toe and ankle together also marks feet in the
 * picture on the rear, 60 fps and walk_01 tracks (the lost-foot repairs are capped at 0.5 too,
 * pose.h GS_POSE_FLAG_FOOT_FIXED). So the landmarks' places decide:
 * - a side edge (or the top): the ankle beyond it, so that most of the foot is (the pan's runner
 *   leaves at the right edge, ankles past x 1280 from frames 357/359; a toe alone just past it
 *   is a foot still seen: the 60 fps treadmill clip's front toe reaches x 1111 of 1080);
 * - the bottom edge: the sole lies below the foot's lowest landmark (heel or foot_index),
 *   measured on the pan's frame 100 (right foot, whole shoe in the picture) 14 px below the heel,
 *   which is 21 px below the ankle; so the sole is put 0.67 of the ankle-to-lowest-landmark
 *   height below that landmark, and the foot is out when that sole is at or beyond the edge.
 * Pitched at toe-off, the foot's lowest landmark is the toe, a foot length below the ankle, and
 * that sole estimate reaches 21-30 px below the toe: on the bare feet of
 * walk_side_circumduction_01, whose toes stay 9-26 px inside the edge, it flagged every toe-off
 * near the edge. A second estimate independent of the pitch puts the sole the same fraction of
 * the ankle-to-heel height below the lowest landmark. Bit s of *wide is set by the first, of
 * *sure by the second (or by a side edge); link_out_runs joins them.
 * A factor of 1 also flagged whole feet of walk_side_overground_04 and run_side_treadmill_01
 * that stand near the bottom edge.
 */
#define SOLE_BELOW_FRAC 0.67
static void foot_out_of_picture(const gs_pose_frame *f, int32_t width, int32_t height,
                                uint8_t *wide, uint8_t *sure)
{
    static const int lm[2][3] = {{GS_KP_LEFT_ANKLE, GS_KP_LEFT_HEEL, GS_KP_LEFT_FOOT_INDEX},
                                 {GS_KP_RIGHT_ANKLE, GS_KP_RIGHT_HEEL, GS_KP_RIGHT_FOOT_INDEX}};
    *wide = *sure = 0;
    for (int s = 0; s < 2; s++) {
        const gs_kp *ank = &f->kp[lm[s][0]];
        int side_out = ank->x < 0 || ank->x >= width || ank->y < 0;
        double a = ank->y, h = f->kp[lm[s][1]].y, toe = f->kp[lm[s][2]].y;
        double low = h > toe ? h : toe, below = low - a, heel = h - a;
        uint8_t bit = (uint8_t)(1u << s);
        if (side_out || low + SOLE_BELOW_FRAC * (below > 0 ? below : 0) >= height)
            *wide |= bit;
        if (side_out || low + SOLE_BELOW_FRAC * (heel > 0 ? heel : 0) >= height)
            *sure |= bit;
    }
}

/*
 * Keeps a foot's run of frames flagged by the wide estimate only where the run holds a frame
 * the sure estimate flags too (hysteresis, as in Canny's edge linking: the sure flag seeds a run,
 * the wide flag extends it). Landmarks alone cannot tell a bare foot just inside the edge from a
 * shoe cut by it (BlazePose keeps cut-off feet just inside, visibility 0.9-1.0); a cut foot
 * stays cut for a stretch, where the sure estimate flags some frames, while a pitched bare foot
 * near the edge makes short runs only the wide one flags. On the stored tracks (session 14):
 * walk_side_circumduction_01's runs around its toe-offs at 66, 314 and 351 (3-6 frames) go (13
 * of 15 / 14 of 19 toe-offs found, were 9 / 10); the pan keeps its runs from 194, 242, 277, 316,
 * 341 and 357, so its junk toe-offs at 219.2 and 259.8 (the sure estimate alone lets them
 * through) stay dropped; its left run 162-171 goes: the shoe's tip at the edge late in a stance
 * (looked at), no event in it, its stride (contact 147.6 to 237.5) now used. No other stored
 * track has a flagged frame.
 */
static void link_out_runs(uint8_t *wide, const uint8_t *sure, int32_t n)
{
    for (int s = 0; s < 2; s++) {
        uint8_t bit = (uint8_t)(1u << s);
        for (int32_t i = 0; i < n;) {
            if (!(wide[i] & bit)) {
                i++;
                continue;
            }
            int32_t j = i;
            int seeded = 0;
            while (j < n && (wide[j] & bit))
                seeded |= (sure[j++] & bit) != 0;
            if (!seeded)
                for (int32_t k = i; k < j; k++)
                    wide[k] &= (uint8_t)~bit;
            i = j;
        }
    }
}

/*
 * A foot out of the picture on one frame only, with both neighbours in (or the track's end), is
 * taken as in: a foot cut off by the picture's edge stays out for a run of frames (the pan: 98
 * and 99 frames from 162), while one wild landmark (BlazePose's foot noise has such frames: 0.1-
 * 2.5 % of the residuals beyond 0.15 leg lengths, docs/events-history.md, "Made tracks with the pose
 * model's noise") near the bottom edge puts the sole past it on a single frame. Worse at a
 * toe-off: the foot points down, the lowest landmark (the toe) lies a foot length below the
 * ankle and the sole rule (SOLE_BELOW_FRAC) adds two thirds of that. The made side run at 30 fps,
 * noise seed 11, stance feet 80 px above the bottom edge: one toe 35 px low at frame 46 put the
 * sole 21 px past the edge and dropped the left toe-off at 46.7 (truth 46.2), a missed event and
 * two strides not used; seed 13 lost a stride the same way (frame 23).
 */
static void drop_lone_out_frames(uint8_t *out, int32_t n)
{
    uint8_t prev = 0;
    for (int32_t i = 0; i < n; i++) {
        uint8_t cur = out[i], next = i + 1 < n ? out[i + 1] : 0;
        out[i] = (uint8_t)(cur & (prev | next));
        prev = cur;
    }
}

/*
 * Drops the detected events of a foot on frames where it is out of the picture (r->foot_out):
 * BlazePose's guesses of a foot it cannot see make junk contacts and toe-offs (the pan's 0.1 s
 * "stances" at frame 362). An event at fractional frame x is dropped when the frame before or
 * after it is out. Returns the number dropped.
 */
static int drop_out_of_picture_events(gs_gait_result *r)
{
    int k = 0, dropped = 0;
    for (int e = 0; e < r->n_ev; e++) {
        const gs_gait_event *ev = &r->ev[e];
        int32_t a = gs_gait__frame_at(r, ev->t_s), b = a;
        if (b + 1 < r->n && r->t[b] < ev->t_s)
            b++;
        uint8_t bit = (uint8_t)(1u << (ev->side == GS_GAIT_SIDE_RIGHT));
        if ((r->foot_out[a] | r->foot_out[b]) & bit)
            dropped++;
        else
            r->ev[k++] = *ev;
    }
    r->n_ev = k;
    return dropped;
}

/* A copy of t with the legs exchanged on the frames within the ranges; *n_swapped counts them. */
static gs_status swapped_copy(const gs_pose_track *t, const double *t0, const double *t1, int nr,
                              gs_pose_track **out, int *n_swapped, gs_error *err)
{
    gs_pose_track *c = NULL;
    gs_status rc = gs_pose_track_copy(t, &c, err);
    if (rc != GS_OK)
        return rc;
    /* left and right hip, knee, ankle, heel and foot index exchanged (world points too) */
    static const int legs[5][2] = {{GS_KP_LEFT_HIP, GS_KP_RIGHT_HIP},
                                   {GS_KP_LEFT_KNEE, GS_KP_RIGHT_KNEE},
                                   {GS_KP_LEFT_ANKLE, GS_KP_RIGHT_ANKLE},
                                   {GS_KP_LEFT_HEEL, GS_KP_RIGHT_HEEL},
                                   {GS_KP_LEFT_FOOT_INDEX, GS_KP_RIGHT_FOOT_INDEX}};
    *n_swapped = 0;
    for (int32_t i = 0; i < c->n_frames; i++) {
        gs_pose_frame *f = &c->frames[i];
        int in = 0;
        for (int q = 0; q < nr && !in; q++)
            in = f->t_s >= t0[q] && f->t_s <= t1[q];
        if (!in || !f->has_kp)
            continue;
        for (int q = 0; q < 5; q++) {
            gs_kp k = f->kp[legs[q][0]];
            f->kp[legs[q][0]] = f->kp[legs[q][1]];
            f->kp[legs[q][1]] = k;
            for (int d = 0; d < 3; d++) {
                float w = f->world[legs[q][0]][d];
                f->world[legs[q][0]][d] = f->world[legs[q][1]][d];
                f->world[legs[q][1]][d] = w;
            }
        }
        (*n_swapped)++;
    }
    *out = c;
    return GS_OK;
}

gs_status gs_gait_analyze(const gs_pose_track *t, const gs_gait_options *opt, gs_gait_result **out,
                          gs_error *err)
{
    double t0[16], t1[16];
    int nr, swapped = 0, unused;
    gs_pose_track *c = NULL, *pc = NULL;
    gs_status rc;
    /* the landmarks in the picture's pixels for the feet-out check (foot_out_of_picture) */
    const gs_pose_track *pic = t;
    if (t && opt && opt->picture && opt->picture->n_frames == t->n_frames)
        pic = opt->picture;
    if (!opt || !opt->swap_legs)
        return analyze_track(t, pic, opt, out, err);
    *out = NULL;
    nr = parse_swap_ranges(opt->swap_legs, t0, t1, 16);
    if (nr < 0)
        return gs_fail(err, GS_ERR_ARG,
                       "--swap-legs '%s': expected all, or up to 16 time ranges T1-T2[,T3-T4] "
                       "in seconds with T2 > T1 >= 0",
                       opt->swap_legs);
    if (!t || t->n_frames < 0 || (t->n_frames > 0 && !t->frames))
        return gs_fail(err, GS_ERR_ARG, "gait: no pose track");
    rc = swapped_copy(t, t0, t1, nr, &c, &swapped, err);
    if (rc == GS_OK && pic != t)
        rc = swapped_copy(pic, t0, t1, nr, &pc, &unused, err);
    if (rc == GS_OK)
        rc = analyze_track(c, pc ? pc : c, opt, out, err);
    if (*out)
        gs_gait__note(*out, "legs swapped by hand (--swap-legs %s) on %d of %d frames",
                      opt->swap_legs, swapped, (int)c->n_frames);
    gs_pose_track_free(&c);
    gs_pose_track_free(&pc);
    return rc;
}

/*
 * A slow-motion clip played back as filmed (issue 13 item 5): phones film slow motion at 120-960
 * frames/s and export it to play at 24-30, so a runner's stride lasts 3-30 s of playback. Every
 * time constant of the event detector is in real seconds, so such a clip read as real time gave
 * nonsense (run_side_treadmill_03_lab: "walk", cadence 316 steps/min; the backlit pan clip: one
 * usable stride). A person's stride lasts 0.6-0.85 s running (cadence 140-200 steps/min,
 * REFERENCES.md "Cadence": 171 +- 8) and 0.9-1.6 s walking (cadence 75-130; Perry & Burnfield,
 * Gait Analysis 2nd ed., ch. 1 and 2), up to about 2.5 s in a very slow clinical gait. Two signs,
 * when nobody stated the time scale (the decoder records --slowmo, --capture-fps or the file's
 * capture rate in pose.json's video.time_scale_source):
 * - the legs show no cycle within 0.4-2.5 s but a clear one (autocorrelation >= 0.5) at 3-30 s;
 *   this needs two cycles, 6-60 s of playback;
 * - a clip shorter than that (coaches film 5-15 s bursts): both gaits are symmetric, the other
 *   foot lands at half the cycle (Perry & Burnfield ch. 2, "opposite initial contact" at 50 %;
 *   Novacheck, Gait & Posture 7:77, 1998, fig. 1, running), so one foot stands where the other
 *   stood half a stride (one step) later: within 1.25 s in any gait. When the first such lag
 *   (gs_pose_leg_half_cycle_s) is 1.5 s or more, the stride lasts 3 s or more of playback. On
 *   the 14 shared clips' tracks in real time (whole and in windows of 2.5-10 s) that lag is
 *   0.30-1.05 s; on the lab clip's 10 s windows (about 10 x) 2.5-3.5 s (docs/metrics.md section
 *   8, "Short slow-motion bursts").
 * The analysis then stops and says what to do; --slowmo 1 states that the clip is real time (a
 * very slow walker).
 */
static gs_status check_time_scale(const gs_pose_track *t, const char *name, gs_error *err)
{
    double corr = 0, slow = 0, half;
    if (gs_pose_track_time_stated(t))
        return GS_OK;
    if (!(gs_pose_leg_cycle_s(t, 0.4, 2.5, NULL) > 0)) {
        slow = gs_pose_leg_cycle_s(t, 3.0, 30.0, &corr);
        if (corr < 0.5)
            slow = 0;
    }
    /* the half cycle also when a "cycle" of 0.4-2.5 s was found: on the lab clip's first 10 s
     * the tracker's leg swaps where the legs cross repeat every 0.7 s (autocorrelation 0.43),
     * but a stride has its feet swapped at half of it, and these do not (the first such lag is
     * 2.6 s) */
    if (!(slow > 0) && (half = gs_pose_leg_half_cycle_s(t, NULL)) >= 1.5)
        slow = 2 * half;
    if (!(slow > 0))
        return GS_OK;
    return gs_fail(err, GS_ERR_UNSUPPORTED,
                   "%s: the legs' cycle lasts %.1f s of playback, a person's stride 0.6-2.5 s: "
                   "a slow-motion clip played %.0f-%.0f times slower than real? Give its "
                   "slow-motion factor (--slowmo F; 'Slow motion factor' when uploading) or the "
                   "camera's rate (--capture-fps N); --slowmo 1 if it is real time",
                   name, slow, slow / 1.6, slow / 0.6);
}

static gs_status analyze_track(const gs_pose_track *t, const gs_pose_track *pic,
                               const gs_gait_options *opt, gs_gait_result **out, gs_error *err)
{
    gs_gait_options o0 = {0};
    const gs_gait_options *o = opt ? opt : &o0;
    gs_gait_result *r = NULL;
    gs_status rc = GS_OK;
    const char *name;
    double dur = 0, min_dur;
    int nvalid = 0, n_used[2] = {0, 0};
    size_t nP;

    *out = NULL;
    if (!t || t->n_frames < 0 || (t->n_frames > 0 && !t->frames))
        return gs_fail(err, GS_ERR_ARG, "gait: no pose track");
    name = o->name && o->name[0] ? o->name : "pose track";
    rc = validate_input(t, name, err);
    if (rc != GS_OK)
        return rc;
    r = calloc(1, sizeof(*r));
    if (!r)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", name);
    snprintf(r->name, sizeof(r->name), "%s", name);
    r->n = t->n_frames;
    r->width = t->width;
    r->height = t->height;
    r->fps = t->fps;
    r->cx = t->width / 2.0;
    r->cy = t->height / 2.0;
    r->height_m = o->height_m > 0 ? o->height_m : 0;
    r->belt_m_s = o->belt_speed_m_s > 0 ? o->belt_speed_m_s : 0;
    r->line_px_per_m = o->line_px_per_m > 0 ? o->line_px_per_m : 0;
    r->line_unc = o->line_uncertainty > 0 ? o->line_uncertainty : 0;
    r->min_strides = o->min_strides > 0 ? o->min_strides : 3;
    min_dur = o->min_duration_s > 0 ? o->min_duration_s : 2.0;
    {
        size_t n1 = (size_t)(r->n > 0 ? r->n : 1);
        if (gs_size_mul(n1, GS_POSE_NKP * 2 * sizeof(double), &nP)) {
            rc = gs_fail(err, GS_ERR_NOMEM, "%s: track too large", name);
            goto fail;
        }
        r->t = calloc(n1, sizeof(double));
        r->valid = calloc(n1, 1);
        r->facing = calloc(n1, 1);
        r->pass = calloc(n1, sizeof(int16_t));
        r->backward = calloc(n1, 1);
        r->P = malloc(nP);
        r->ang = malloc(n1 * 2 * GS_ANGLE_COUNT * sizeof(float));
        if (!r->t || !r->valid || !r->facing || !r->pass || !r->backward || !r->P || !r->ang) {
            rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory for %d frames", name, (int)r->n);
            goto fail;
        }
    }
    for (int32_t i = 0; i < r->n; i++) {
        const gs_pose_frame *f = &t->frames[i];
        int ok = f->has_kp && f->score >= MIN_SCORE;
        for (int k = 0; ok && k < GS_POSE_NKP; k++)
            ok = isfinite(f->kp[k].x) && isfinite(f->kp[k].y) && isfinite(f->kp[k].z);
        r->t[i] = f->t_s;
        r->valid[i] = (uint8_t)ok;
        if (ok) {
            nvalid++;
            /* time with a person: count each valid frame's interval to the next frame */
            if (i + 1 < r->n)
                dur += t->frames[i + 1].t_s - f->t_s;
        }
        if (f->has_world && ok) {
            if (!r->W) {
                r->W = calloc((size_t)r->n * GS_POSE_NKP * 3, sizeof(double));
                r->wvalid = calloc((size_t)r->n, 1);
                if (!r->W || !r->wvalid) {
                    rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", name);
                    goto fail;
                }
            }
            for (int k = 0; k < GS_POSE_NKP; k++)
                for (int c = 0; c < 3; c++)
                    r->W[((size_t)i * GS_POSE_NKP + (size_t)k) * 3 + (size_t)c] = f->world[k][c];
            r->wvalid[i] = 1;
        }
    }
    for (size_t i = 0; i < (size_t)r->n * 2 * GS_ANGLE_COUNT; i++)
        r->ang[i] = NAN;
    {
        /* the landmark model struggled (issue 13 items 1 and 4): the events and metrics come out
         * looking normal on legs that are off, so the reader is told first */
        char w[200];
        r->second_looks = t->second_looks;
        r->person_frames = gs_pose_second_look_frames(t, NULL);
        if (gs_pose_second_look_warning(r->second_looks, r->person_frames, t->model, w,
                                        sizeof(w)))
            gs_gait__note(r, "%s", w);
    }

    if (nvalid < 3) {
        r->view.kind = o->view;
        rc = gs_fail(err, GS_ERR_TOO_FEW,
                     "%s: track too short: %d frames with a person (%.2f s), need at least %.1f s",
                     name, nvalid, dur, min_dur);
        *out = r;
        return rc;
    }

    detect_view(r, t, o);
    if (r->view.kind == GS_GAIT_VIEW_UNKNOWN ||
        (o->view == GS_GAIT_VIEW_UNKNOWN && r->view.confidence < 0.2)) {
        rc = gs_fail(err, GS_ERR_UNSUPPORTED,
                     "%s: cannot tell the camera view (side, rear or front) from the landmarks "
                     "(confidence %.2f); pass --view",
                     name, r->view.confidence);
        r->view.kind = GS_GAIT_VIEW_UNKNOWN;
        *out = r;
        return rc;
    }

    rc = check_time_scale(t, name, err);
    if (rc != GS_OK) {
        *out = r;
        return rc;
    }

    /* First pass with the image horizontal, then the ground line from the stance feet. */
    r->ground_phi = 0;
    transform(r, t);
    leg_lengths(r);
    if (!(r->ll_px > 1) || !(r->len_px > 1)) {
        rc = gs_fail(err, GS_ERR_FORMAT, "%s: landmarks give no leg length", name);
        *out = r;
        return rc;
    }
    if (o->setting != GS_GAIT_SETTING_UNKNOWN) {
        r->setting = o->setting;
        r->setting_forced = 1;
    } else {
        detect_setting(r);
    }
    mark_backward(r);
    if (o->activity != GS_GAIT_ACTIVITY_UNKNOWN) {
        r->activity = o->activity;
        r->activity_forced = 1;
    }
    gs_gait__angles(r);
    r->refine = 0;
    rc = gs_gait__events(r, err);
    if (rc != GS_OK)
        goto fail;
    /* A camera that follows the person shows each stance from another direction, and may tilt as
     * it pans: a line through the stance feet of different moments is not the ground's (the
     * backlit pan: -9.6 deg, its path's edge level in every frame while the picture tilts down
     * about a row a frame). Then the image horizontal. */
    if (gs_gait__camera_motion(r, 0) != 0) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", name);
        goto fail;
    }
    if (r->cam_follows) {
        r->ground_phi = 0;
        r->ground_points = 0;
    } else {
        fit_ground(r, t);
    }
    if (r->ground_points > 0) {
        transform(r, t);
        leg_lengths(r);
        gs_gait__angles(r);
    }
    r->refine = 1;
    rc = gs_gait__events(r, err);
    if (rc != GS_OK)
        goto fail;
    {
        /* feet out of the picture make no events (gs_gait__build_strides drops the strides
         * across them); one note with the first frame. Marked after the event passes, whose
         * own stride checks and medians are left as they were (the pan's events before its
         * feet leave the picture do not move). */
        int32_t first = -1, nout[2] = {0, 0};
        r->foot_out = calloc((size_t)(r->n > 0 ? r->n : 1), 1);
        if (!r->foot_out) {
            rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", name);
            goto fail;
        }
        /* a track that does not state its picture size (one built through the API; pose.json
         * requires it) cannot be checked: every foot would sit past an edge at 0 */
        int sized = pic->width > 0 && pic->height > 0;
        uint8_t *sure = calloc((size_t)(r->n > 0 ? r->n : 1), 1);
        if (!sure) {
            rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", name);
            goto fail;
        }
        for (int32_t i = 0; sized && i < r->n; i++)
            if (r->valid[i] && pic->frames[i].has_kp)
                foot_out_of_picture(&pic->frames[i], pic->width, pic->height, &r->foot_out[i],
                                    &sure[i]);
        drop_lone_out_frames(r->foot_out, r->n);
        drop_lone_out_frames(sure, r->n);
        link_out_runs(r->foot_out, sure, r->n);
        free(sure);
        if (!sized)
            gs_gait__note(r, "the track gives no picture size: feet out of the picture were not "
                             "checked");
        for (int32_t i = 0; i < r->n; i++)
            for (int s = 0; s < 2; s++)
                if (r->foot_out[i] & (1u << s)) {
                    nout[s]++;
                    if (first < 0)
                        first = i;
                }
        if (first >= 0) {
            int dropped = drop_out_of_picture_events(r);
            rc = gs_gait__build_strides(r, err);
            if (rc != GS_OK)
                goto fail;
            int nst = 0;
            for (int i = 0; i < r->n_st; i++)
                nst += strncmp(r->st[i].why, "foot out", 8) == 0;
            gs_gait__note(r,
                          "feet out of the picture (past its edge) from frame %d: left on %d, "
                          "right on %d frames; %d event%s there dropped, %d stride%s across "
                          "them not used (keep the feet in the picture)",
                          (int)first, (int)nout[0], (int)nout[1], dropped, dropped == 1 ? "" : "s",
                          nst, nst == 1 ? "" : "s");
        }
    }
    if (o->events_csv || (o->events && o->n_events > 0)) {
        /* events from elsewhere replace the detected ones, and strides, activity and metrics
         * follow them: a coach's corrections (issue 13 item 6), or events timed in memory (the
         * toe-offs timed from the picture, analysis), each keeping what timed it */
        rc = o->events_csv ? gs_gait__read_events_csv(r, o->events_csv, err)
                           : take_events(r, o->events, o->n_events, err);
        if (rc == GS_OK)
            rc = gs_gait__build_strides(r, err);
        if (rc != GS_OK)
            goto fail;
        gs_gait__activity_decide(r);
        if (o->events_csv) {
            r->events_edited = 1;
            /* the file's name only: a service stores it under its data folder, which the
             * reader of the report need not see */
            const char *slash = strrchr(o->events_csv, '/');
            gs_gait__note(r, "events edited by hand: %d events from %s replace the detected ones",
                          r->n_ev, slash ? slash + 1 : o->events_csv);
        } else if (o->events_note) {
            gs_gait__note(r, "%s", o->events_note);
        }
    }
    {
        /* the pose clean-up's repairs of lost feet (pose.h GS_POSE_FLAG_FOOT_FIXED): the events
         * near them hang on interpolated feet, which the reader should know and may check */
        int32_t lost = 0, first = -1;
        for (int32_t i = 0; i < t->n_frames; i++)
            if (t->frames[i].has_kp && (t->frames[i].flags & GS_POSE_FLAG_FOOT_FIXED)) {
                if (first < 0)
                    first = i;
                lost++;
            }
        if (lost > 0)
            gs_gait__note(r,
                          "the tracker lost a foot on %d of %d frames (first %d; put on a "
                          "dark patch or the other foot and back within 0.1 s): the foot is "
                          "filled in there from the frames around them; check them on the "
                          "overlay",
                          (int)lost, (int)t->n_frames, (int)first);
    }
    if (r->ground_points == 0) {
        if (r->cam_follows)
            gs_gait__note(r, "ground line: image horizontal (the camera follows the person, so "
                             "the feet of different steps are seen from different directions and "
                             "give no ground line; level the camera)");
        else
            gs_gait__note(r, "ground line: image horizontal (not enough stance frames to fit one, "
                             "or the fit was beyond 10 degrees)");
        r->gx0 = r->cx;
        r->gy0 = r->cy;
    }
    gs_gait__scale(r);
    rc = gs_gait__metrics(r, err);
    if (rc != GS_OK)
        goto fail;

    for (int i = 0; i < r->n_st; i++)
        if (r->st[i].used)
            n_used[r->st[i].side]++;
    if (dur < min_dur) {
        rc = gs_fail(err, GS_ERR_TOO_FEW,
                     "%s: track too short: %.2f s with a person, need at least %.1f s", name, dur,
                     min_dur);
    } else if (n_used[0] < r->min_strides || n_used[1] < r->min_strides) {
        rc = gs_fail(err, GS_ERR_TOO_FEW,
                     "%s: too few strides for statistics: found %d left and %d right usable "
                     "strides, need at least %d per side",
                     name, n_used[0], n_used[1], r->min_strides);
    }
    *out = r;
    return rc;
fail:
    gs_gait_result_free(&r);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Accessors                                                                                   */

gs_gait_view gs_gait_result_view(const gs_gait_result *r)
{
    return r->view;
}

gs_gait_activity gs_gait_result_activity(const gs_gait_result *r)
{
    return r->activity;
}

gs_gait_setting gs_gait_result_setting(const gs_gait_result *r)
{
    return r->setting;
}

int32_t gs_gait_result_n_frames(const gs_gait_result *r)
{
    return r->n;
}

double gs_gait_result_angle(const gs_gait_result *r, int32_t frame, gs_gait_side side, gs_angle a)
{
    if (!r || frame < 0 || frame >= r->n ||
        (side != GS_GAIT_SIDE_LEFT && side != GS_GAIT_SIDE_RIGHT) || (int)a < 0 ||
        a >= GS_ANGLE_COUNT)
        return NAN;
    return *gs_gait__ang(r, frame, side, a);
}

const gs_gait_event *gs_gait_result_events(const gs_gait_result *r, int *n)
{
    *n = r->n_ev;
    return r->ev;
}

const gs_gait_stride *gs_gait_result_strides(const gs_gait_result *r, int *n)
{
    *n = r->n_st;
    return r->st;
}

int gs_gait_result_metric(const gs_gait_result *r, const char *key, int side, double *mean,
                          double *sd, int *n)
{
    const gs_gait__metric *m = gs_gait__metric_find(r, key);
    double s = 0, ss = 0;
    int cnt = 0;
    if (!m || (side < 0 && !m->whole_body))
        return 0;
    for (int sd_i = 0; sd_i < 2; sd_i++) {
        if (side >= 0 && sd_i != side)
            continue;
        for (int j = 0; j < m->n[sd_i]; j++) {
            s += m->v[sd_i][j];
            cnt++;
        }
    }
    if (cnt == 0)
        return 0;
    *mean = s / cnt;
    for (int sd_i = 0; sd_i < 2; sd_i++) {
        if (side >= 0 && sd_i != side)
            continue;
        for (int j = 0; j < m->n[sd_i]; j++)
            ss += (m->v[sd_i][j] - *mean) * (m->v[sd_i][j] - *mean);
    }
    *sd = cnt > 1 ? sqrt(ss / (cnt - 1)) : NAN;
    *n = cnt;
    return 1;
}

void gs_gait_result_ground(const gs_gait_result *r, double *x0, double *y0, double *angle_deg)
{
    *x0 = r->gx0;
    *y0 = r->gy0;
    *angle_deg = -r->ground_phi * 180.0 / GS_PI;
}

int32_t gs_gait__frame_at(const gs_gait_result *r, double t_s)
{
    int32_t lo = 0, hi = r->n - 1;
    if (r->n <= 0 || t_s <= r->t[0])
        return 0;
    if (t_s >= r->t[hi])
        return hi;
    while (hi - lo > 1) {
        int32_t mid = lo + (hi - lo) / 2;
        if (r->t[mid] <= t_s)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

double gs_gait__frame_index(const gs_gait_result *r, double t_s)
{
    int32_t i = gs_gait__frame_at(r, t_s);
    if (i + 1 >= r->n || r->t[i + 1] <= r->t[i])
        return i;
    return i + (t_s - r->t[i]) / (r->t[i + 1] - r->t[i]);
}

double gs_gait__angle_at(const gs_gait_result *r, int side, gs_angle a, double t_s)
{
    int32_t i = gs_gait__frame_at(r, t_s);
    double f, v0, v1;
    if (r->n <= 0)
        return NAN;
    v0 = *gs_gait__ang(r, i, side, a);
    if (i + 1 >= r->n || t_s <= r->t[i])
        return v0;
    v1 = *gs_gait__ang(r, i + 1, side, a);
    f = (t_s - r->t[i]) / (r->t[i + 1] - r->t[i]);
    if (f > 1)
        f = 1;
    return v0 + f * (v1 - v0);
}

double gs_gait__p_at(const gs_gait_result *r, int k, int c, double t_s)
{
    int32_t i = gs_gait__frame_at(r, t_s);
    double f, v0, v1;
    if (r->n <= 0)
        return NAN;
    v0 = gs_gait__p(r, i, k)[c];
    if (i + 1 >= r->n || t_s <= r->t[i])
        return v0;
    v1 = gs_gait__p(r, i + 1, k)[c];
    f = (t_s - r->t[i]) / (r->t[i + 1] - r->t[i]);
    if (f > 1)
        f = 1;
    return v0 + f * (v1 - v0);
}
