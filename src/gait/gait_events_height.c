/*
 * Foot-height events (running side views, every rear/front view) and the rear/front view
 * stance finder (method and sources in gait_events.c).
 */
#include "gait_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lowest of heel and toe of side on frame i (canonical Y). */
double gs_gait__raw_low(const gs_gait_result *r, int32_t i, int side)
{
    return fmin(gs_gait__p(r, i, GS_KP_LEFT_HEEL + side)[1],
                gs_gait__p(r, i, GS_KP_LEFT_FOOT_INDEX + side)[1]);
}

/* Ground level of each foot: first the 10th percentile of the lowest point over all frames
 * (feet are on the ground 30-65 % of the time), then the median over the middle of the stances
 * found with it. Also the noise estimate (robust SD of the stance heights). */
void gs_gait__ground_levels(gs_gait_result *r, gs_gait__sig *g, int use_strides)
{
    double *v = g->sm;
    for (int side = 0; side < 2; side++) {
        int n = 0;
        if (!use_strides) {
            for (int32_t i = 0; i < r->n; i++)
                if (r->valid[i])
                    v[n++] = gs_gait__raw_low(r, i, side);
            if (n == 0) {
                g->ground[side] = 0;
                continue;
            }
            qsort(v, (size_t)n, sizeof(*v), gs_gait__cmp_double);
            g->ground[side] = v[(int)(0.1 * (n - 1))];
            continue;
        }
        for (int s = 0; s < r->n_st; s++) {
            const gs_gait_stride *st = &r->st[s];
            if ((int)st->side != side || !st->used || !isfinite(st->to_s))
                continue;
            double a = st->t0_s + 0.3 * (st->to_s - st->t0_s);
            double b = st->t0_s + 0.7 * (st->to_s - st->t0_s);
            for (int32_t i = gs_gait__frame_at(r, a); i < r->n && r->t[i] <= b; i++)
                if (r->valid[i] && r->t[i] >= a)
                    v[n++] = gs_gait__raw_low(r, i, side);
        }
        if (n >= 5) {
            double m = gs_gait__median(v, n);
            for (int j = 0; j < n; j++)
                v[j] = fabs(v[j] - m);
            r->noise_px = fmax(r->noise_px, 1.4826 * gs_gait__median(v, n));
            g->ground[side] = m;
        }
    }
}

/* IC from the first contact frame s0 (smoothed height <= kappa) of a contact that lasts until
 * frame s_end: the line through up to k raw samples above kappa just before s0, extended to the
 * ground level; the linear kappa crossing when the line is unusable. NAN if s0 has no
 * predecessor in its segment. */
double gs_gait__ic_at(const gs_gait_result *r, const double *low, int32_t s0, int32_t s_end,
                    double kappa, int k)
{
    int32_t idx[8];
    int m = 0;
    double a, b, tic = NAN;
    /* The smoothed height crosses kappa a little late next to the kink of a landing; step back
     * to the raw crossing (at most 3 frames). */
    for (int step = 0;
         step < 3 && s0 >= 1 && gs_gait__same_seg(r, s0, s0 - 1) && low[s0 - 1] <= kappa; step++)
        s0--;
    if (s0 < 1 || !gs_gait__same_seg(r, s0, s0 - 1))
        return NAN;
    for (int32_t j = s0 - 1; j >= 0 && m < k && gs_gait__same_seg(r, s0, j); j--) {
        if (low[j] <= kappa || low[j] > 0.5 * r->ll_px)
            break;
        idx[m++] = j;
    }
    if (m >= 2 && gs_gait__fit_line(r, idx, m, low, r->t[s0], &a, &b) && b < 0)
        tic = r->t[s0] - a / b;
    /* The line may meet the ground a frame or two into the contact at high frame rates
     * (samples between the ground and kappa), not later. */
    if (!isfinite(tic) || tic < r->t[s0 - 1] || tic > r->t[s0 + 2 < s_end ? s0 + 2 : s_end]) {
        double d = low[s0 - 1] - low[s0];
        double f = d > 0 ? (low[s0 - 1] - kappa) / d : 1.0;
        f = f < 0 ? 0 : f > 1 ? 1 : f;
        tic = r->t[s0 - 1] + f * (r->t[s0] - r->t[s0 - 1]);
    }
    return tic;
}

/* TO from the last contact frame s1 of a contact that began at frame s_start (mirror of ic_at). */
double gs_gait__to_at(const gs_gait_result *r, const double *low, int32_t s1, int32_t s_start,
                    double kappa, int k)
{
    int32_t idx[8];
    int m = 0;
    double a, b, tto = NAN;
    for (int step = 0;
         step < 3 && s1 + 1 < r->n && gs_gait__same_seg(r, s1, s1 + 1) && low[s1 + 1] <= kappa;
         step++)
        s1++;
    if (s1 + 1 >= r->n || !gs_gait__same_seg(r, s1, s1 + 1))
        return NAN;
    for (int32_t j = s1 + 1; j < r->n && m < k && gs_gait__same_seg(r, s1, j); j++) {
        if (low[j] <= kappa || low[j] > 0.5 * r->ll_px)
            break;
        idx[m++] = j;
    }
    {
        /* The hinge fit (gs_gait__hinge_time): 3 stance samples and up to k + 2 rising samples
         * (at least 3). The line through the first rising samples alone met the ground 0.4-0.7
         * frame after the toe left it (the toe accelerates upward: tests/test_events.c), and a
         * line-or-crossing switch let 0.05 px of noise move a toe-off by a frame. Contacts keep
         * the line: a landing foot slaps down and rolls, which a level stance side does not
         * model (the hinge read rearfoot contacts up to 1.5 frames late). */
        int32_t hw[24];
        int hm = 0, nu = 0;
        for (int32_t j = s1 + 1; j < r->n && nu < k + 2 && gs_gait__same_seg(r, s1, j); j++) {
            if (low[j] > 0.5 * r->ll_px)
                break;
            nu++;
        }
        for (int32_t j = s1 - 2 > s_start ? s1 - 2 : s_start; j <= s1 + nu; j++)
            hw[hm++] = j;
        if (nu >= 3 && hm >= 6)
            tto = gs_gait__hinge_time(r, low, hw, hm, r->t[s1 - 1 > s_start ? s1 - 1 : s_start],
                                      r->t[s1 + 1], +1);
    }
    if (!isfinite(tto) && m >= 2 && gs_gait__fit_line(r, idx, m, low, r->t[s1], &a, &b) && b > 0)
        tto = r->t[s1] - a / b;
    if (!isfinite(tto) || tto > r->t[s1 + 1] || tto < r->t[s1 - 2 > s_start ? s1 - 2 : s_start]) {
        double d = low[s1 + 1] - low[s1];
        double f = d > 0 ? (kappa - low[s1]) / d : 0.0;
        f = f < 0 ? 0 : f > 1 ? 1 : f;
        tto = r->t[s1] + f * (r->t[s1 + 1] - r->t[s1]);
    }
    return tto;
}

/*
 * Contact runs of one foot on the smoothed height (sm <= kappa), gaps above kappa shorter than
 * 50 ms bridged (noise), runs shorter than 60 ms dropped (no real stance is that short; sprint
 * contacts are ~90 ms), each run giving an IC and a TO from the raw height.
 */
gs_status gs_gait__height_events(gs_gait_result *r, const double *low, const double *sm, int side,
                               double kappa, int k, gs_error *err)
{
    int32_t i = 0;
    gs_status rc;
    while (i < r->n) {
        int32_t s0, s1, j;
        double t;
        if (!r->valid[i] || sm[i] > kappa) {
            i++;
            continue;
        }
        s0 = i;
        s1 = i;
        for (j = i + 1; j < r->n && gs_gait__same_seg(r, s0, j); j++) {
            if (sm[j] <= kappa)
                s1 = j;
            else if (r->t[j] - r->t[s1] > 0.05)
                break;
        }
        i = s1 + 1;
        if (r->t[s1] - r->t[s0] < 0.06)
            continue;
        t = gs_gait__ic_at(r, low, s0, s1, kappa, k);
        if (isfinite(t)) {
            rc = gs_gait__add_event(r, side, 0, t, err);
            if (rc != GS_OK)
                return rc;
        }
        t = gs_gait__to_at(r, low, s1, s0, kappa, k);
        if (isfinite(t)) {
            rc = gs_gait__add_event(r, side, 1, t, err);
            if (rc != GS_OK)
                return rc;
        }
    }
    return GS_OK;
}

/*
 * Rear/front views. Depth hides the forward motion and perspective distorts heights (with a
 * camera behind a treadmill runner the foot kicked back toward the lens sits LOWER in the picture
 * than the stance foot), so the stance is found as the time the foot stands still in the picture,
 * around each mid-stance found from the pelvis: running is lowest, walking highest at mid-stance
 * (see activity_from_pelvis), and at mid-stance exactly one foot is still (the other swings).
 * Both kinds of pelvis extreme are tried; the one where "one still, one moving" holds best gives
 * the anchors and, unless forced, the activity. From each anchor the still foot's stance extends
 * while its image speed (lowest of heel/toe, smoothed) stays below 30 % of its 90th-percentile
 * speed; the boundaries are interpolated, then replaced by the foot-height change-point when that
 * agrees within 2 frames (it does on clean orthographic tracks).
 */
gs_status gs_gait__frontal_events(gs_gait_result *r, gs_gait__sig *g, double kappa, int k,
                                  double dt, gs_error *err)
{
    size_t nb = sizeof(double) * (size_t)(r->n + 1);
    double *sp[2] = {malloc(nb), malloc(nb)}, *tmp = malloc(nb), *py = malloc(nb);
    double *pys = malloc(nb), thr[2], h = fmax(0.04, 2.0 * dt), ts, best_c = -2;
    int best_type = 0;
    gs_status rc = GS_OK;

    if (!sp[0] || !sp[1] || !tmp || !py || !pys) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (events)", r->name);
        goto out;
    }
    /* foot speeds in leg lengths per second */
    for (int s = 0; s < 2; s++) {
        for (int32_t i = 0; i < r->n; i++) {
            int32_t a = i > 0 && gs_gait__same_seg(r, i, i - 1) ? i - 1 : i;
            int32_t b = i + 1 < r->n && gs_gait__same_seg(r, i, i + 1) ? i + 1 : i;
            tmp[i] = NAN;
            if (!r->valid[i] || a == b)
                continue;
            double xa, ya, xb, yb;
            int ka = gs_gait__p(r, a, GS_KP_LEFT_HEEL + s)[1] <
                             gs_gait__p(r, a, GS_KP_LEFT_FOOT_INDEX + s)[1]
                         ? GS_KP_LEFT_HEEL + s
                         : GS_KP_LEFT_FOOT_INDEX + s;
            int kb = gs_gait__p(r, b, GS_KP_LEFT_HEEL + s)[1] <
                             gs_gait__p(r, b, GS_KP_LEFT_FOOT_INDEX + s)[1]
                         ? GS_KP_LEFT_HEEL + s
                         : GS_KP_LEFT_FOOT_INDEX + s;
            xa = gs_gait__p(r, a, ka)[0];
            ya = gs_gait__p(r, a, ka)[1];
            xb = gs_gait__p(r, b, kb)[0];
            yb = gs_gait__p(r, b, kb)[1];
            tmp[i] = hypot(xb - xa, yb - ya) / (r->t[b] - r->t[a]) / r->ll_px;
        }
        gs_gait__smooth(r, tmp, sp[s], h);
        {
            int n = 0;
            for (int32_t i = 0; i < r->n; i++)
                if (r->valid[i] && isfinite(sp[s][i]))
                    py[n++] = sp[s][i];
            qsort(py, (size_t)n, sizeof(double), gs_gait__cmp_double);
            thr[s] = n ? 0.3 * py[(int)(0.9 * (n - 1))] : 0;
        }
    }
    for (int32_t i = 0; i < r->n; i++)
        py[i] = r->valid[i] ? 0.5 * (gs_gait__p(r, i, GS_KP_LEFT_HIP)[1] +
                                     gs_gait__p(r, i, GS_KP_RIGHT_HIP)[1])
                            : NAN;
    gs_gait__smooth(r, py, pys, h);
    ts = gs_gait__step_period(r, tmp);
    /* which pelvis extreme is mid-stance: -1 minima (running), +1 maxima (walking) */
    for (int type = -1; type <= 1; type += 2) {
        int n = 0;
        if (r->activity_forced && type != (r->activity == GS_GAIT_ACTIVITY_WALK ? 1 : -1))
            continue;
        for (int32_t i = 1; i + 1 < r->n; i++) {
            if (!gs_gait__window_ext(r, pys, i, 0.4 * ts, type) || !isfinite(sp[0][i]) ||
                !isfinite(sp[1][i]))
                continue;
            double lo = fmin(sp[0][i], sp[1][i]), hi = fmax(sp[0][i], sp[1][i]);
            tmp[n++] = (hi - lo) / (hi + lo + 1e-9);
        }
        qsort(tmp, (size_t)n, sizeof(double), gs_gait__cmp_double);
        double c = n ? tmp[n / 2] : -1;
        if (c > best_c) {
            best_c = c;
            best_type = type;
        }
    }
    if (best_type == 0)
        goto out;
    if (!r->activity_forced)
        r->activity = best_type < 0 ? GS_GAIT_ACTIVITY_RUN : GS_GAIT_ACTIVITY_WALK;
    {
        /* anchors (mid-stances), then which foot stands at each: the two alternating
         * assignments are compared over the whole pass (sum of the chosen feet's speeds), which
         * one noisy frame cannot flip */
        int32_t *anc = malloc(sizeof(int32_t) * (size_t)(r->n + 1));
        int na = 0;
        double cost[2] = {0, 0}, stance_sp[2] = {0, 0};
        int nst[2] = {0, 0};
        if (!anc) {
            rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (events)", r->name);
            goto out;
        }
        for (int32_t i = 1; i + 1 < r->n; i++) {
            if (gs_gait__window_ext(r, pys, i, 0.4 * ts, best_type) && isfinite(sp[0][i]) &&
                isfinite(sp[1][i]))
                anc[na++] = i;
        }
        for (int a = 0; a < na; a++)
            for (int ph = 0; ph < 2; ph++)
                cost[ph] += sp[(a + ph) % 2][anc[a]];
        int phase = cost[0] <= cost[1] ? 0 : 1;
        for (int a = 0; a < na; a++) {
            int f = (a + phase) % 2;
            stance_sp[f] += sp[f][anc[a]];
            nst[f]++;
        }
        {
            /* between the typical stance speed and the swing speeds (90th percentile), one
             * threshold for both feet so that noise on one foot does not skew L/R contact */
            double st = nst[0] + nst[1] ? (stance_sp[0] + stance_sp[1]) / (nst[0] + nst[1]) : 0;
            double c = 0.5 * (st + 0.5 * (thr[0] + thr[1]) / 0.3);
            thr[0] = thr[1] = c;
        }
        for (int a = 0; a < na; a++) {
            int f = (a + phase) % 2;
            int32_t i = anc[a], lo = i, hi = i;
            double tic = NAN, tto = NAN, th;
            /* extend while slow; one noisy frame above the threshold does not end the stance */
            while (lo - 1 >= 0 && gs_gait__same_seg(r, i, lo - 1) &&
                   (sp[f][lo - 1] < thr[f] ||
                    (lo - 2 >= 0 && gs_gait__same_seg(r, i, lo - 2) && sp[f][lo - 2] < thr[f])))
                lo--;
            while (hi + 1 < r->n && gs_gait__same_seg(r, i, hi + 1) &&
                   (sp[f][hi + 1] < thr[f] ||
                    (hi + 2 < r->n && gs_gait__same_seg(r, i, hi + 2) && sp[f][hi + 2] < thr[f])))
                hi++;
            if (lo > 0 && gs_gait__same_seg(r, lo, lo - 1)) {
                tic = r->t[lo - 1] + (sp[f][lo - 1] - thr[f]) / (sp[f][lo - 1] - sp[f][lo]) *
                                         (r->t[lo] - r->t[lo - 1]);
                th = gs_gait__ic_at(r, g->low[f], lo, hi, kappa, k);
                if (isfinite(th) && fabs(th - tic) <= 2 * dt)
                    tic = th;
            }
            if (hi + 1 < r->n && gs_gait__same_seg(r, hi, hi + 1)) {
                tto = r->t[hi] + (thr[f] - sp[f][hi]) / (sp[f][hi + 1] - sp[f][hi]) *
                                     (r->t[hi + 1] - r->t[hi]);
                th = gs_gait__to_at(r, g->low[f], hi, lo, kappa, k);
                if (isfinite(th) && fabs(th - tto) <= 2 * dt)
                    tto = th;
            }
            if (isfinite(tic))
                rc = gs_gait__add_event(r, f, 0, tic, err);
            if (rc == GS_OK && isfinite(tto))
                rc = gs_gait__add_event(r, f, 1, tto, err);
            if (rc != GS_OK)
                break;
        }
        free(anc);
    }
out:
    free(sp[0]);
    free(sp[1]);
    free(tmp);
    free(py);
    free(pys);
    return rc;
}

/*
 * Rear/front views: the foot-height events (exact on clean tracks, fooled by perspective when the
 * camera is close) against the pelvis-anchored events of gs_gait__frontal_events(); the more
 * plausible set wins (ties keep the height events). The activity comes with the chosen set.
 */
gs_status gs_gait__frontal_choose(gs_gait_result *r, gs_gait__sig *g, double kappa, int k,
                                  double dt, gs_error *err)
{
    gs_status rc = GS_OK;
    gs_gait_event *h0 = malloc(sizeof(*h0) * (size_t)(r->n_ev + 1));
    int n0 = r->n_ev;
    gs_gait_activity act0 = r->activity;
    double s0, s1;
    if (!h0)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (events)", r->name);
    gs_gait__sort_events(r);
    if (n0 > 0)
        memcpy(h0, r->ev, sizeof(*h0) * (size_t)n0);
    s0 = gs_gait__event_score(r, err, &rc);
    if (rc != GS_OK)
        goto out;
    if (!r->activity_forced) {
        double df = gs_gait__duty_factor(r);
        act0 = gs_gait__activity_from_pelvis(r);
        if (act0 == GS_GAIT_ACTIVITY_UNKNOWN && isfinite(df))
            act0 = df > 0.5 ? GS_GAIT_ACTIVITY_WALK : GS_GAIT_ACTIVITY_RUN;
    }
    r->n_ev = 0;
    rc = gs_gait__frontal_events(r, g, kappa, k, dt, err);
    /* gs_gait__frontal_events() needs a pelvis extreme on both sides of a mid-stance, so a stance
     * cut by the clip or a gap has no anchor: keep the height events within half a second of a
     * segment edge when no anchored event of that foot and type is near */
    for (int e = 0; e < n0 && rc == GS_OK; e++) {
        int32_t i = gs_gait__frame_at(r, h0[e].t_s), a = i, b = i;
        int near = 0;
        while (a > 0 && gs_gait__same_seg(r, i, a - 1))
            a--;
        while (b + 1 < r->n && gs_gait__same_seg(r, i, b + 1))
            b++;
        if (h0[e].t_s - r->t[a] > 0.5 && r->t[b] - h0[e].t_s > 0.5)
            continue;
        for (int j = 0; j < r->n_ev && !near; j++)
            near = r->ev[j].side == h0[e].side && r->ev[j].type == h0[e].type &&
                   fabs(r->ev[j].t_s - h0[e].t_s) < 0.15;
        if (!near)
            rc = gs_gait__add_event(r, h0[e].side, h0[e].type, h0[e].t_s, err);
    }
    if (rc != GS_OK)
        goto out;
    gs_gait__sort_events(r);
    s1 = gs_gait__event_score(r, err, &rc);
    if (rc != GS_OK)
        goto out;
    if (s0 >= s1) {
        /* keep the height events */
        if (r->cap_ev < n0) {
            gs_gait_event *ne = realloc(r->ev, sizeof(*ne) * (size_t)n0);
            if (!ne) {
                rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (events)", r->name);
                goto out;
            }
            r->ev = ne;
            r->cap_ev = n0;
        }
        memcpy(r->ev, h0, sizeof(*h0) * (size_t)n0);
        r->n_ev = n0;
        if (!r->activity_forced)
            r->activity = act0;
    }
out:
    free(h0);
    return rc;
}
