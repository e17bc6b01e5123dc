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

/*
 * Weighted Harrell-Davis median of x[0..n-1] (reordered: sorted by value). Harrell and Davis
 * weight the order statistics by the mass of a Beta((N+1)/2, (N+1)/2) density over each one's
 * interval of the cumulative weight (F. E. Harrell, C. E. Davis, "A new distribution-free quantile
 * estimator", Biometrika 69(3):635-640, 1982); with sample weights, N is Kish's effective size
 * sum(w)^2 / sum(w^2) (A. Akinshin, "Weighted quantile estimators", arXiv:2304.07265, 2023). Unlike
 * the sample median it is continuous in the values and the weights. The Beta masses by Simpson's
 * rule, 8 panels. NAN when the weights sum to 0.
 */
static int cmp_wval(const void *a, const void *b)
{
    double x = ((const gs_gait__wval *)a)->v, y = ((const gs_gait__wval *)b)->v;
    return (x > y) - (x < y);
}

static double beta_mass(double x0, double x1, double a, double lnorm)
{
    double h = (x1 - x0) / 8, m = 0;
    for (int q = 0; q <= 8; q++) {
        double x = x0 + q * h;
        double f = x <= 0 || x >= 1 ? 0 : exp((a - 1) * (log(x) + log1p(-x)) - lnorm);
        m += f * (q == 0 || q == 8 ? 1 : q % 2 ? 4 : 2);
    }
    return m * h / 3;
}

double gs_gait__whd_median(gs_gait__wval *x, int n)
{
    double sw = 0, sw2 = 0, sum = 0, msum = 0, c = 0;
    qsort(x, (size_t)n, sizeof(*x), cmp_wval);
    for (int i = 0; i < n; i++) {
        sw += x[i].w;
        sw2 += x[i].w * x[i].w;
    }
    if (!(sw > 0) || !(sw2 > 0))
        return NAN;
    double a = 0.5 * (sw * sw / sw2 + 1), lnorm = 2 * lgamma(a) - lgamma(2 * a);
    for (int i = 0; i < n; i++) {
        double c1 = fmin(1.0, c + x[i].w / sw), m = beta_mass(c, c1, a, lnorm);
        sum += m * x[i].v;
        msum += m;
        c = c1;
    }
    return msum > 0 ? sum / msum : NAN;
}

int32_t gs_gait__window_first(const gs_gait_result *r, double a)
{
    int32_t i0 = gs_gait__frame_at(r, a);
    return i0 > 1 ? i0 - 1 : 1;
}

double gs_gait__window_weight(const gs_gait_result *r, int32_t i, double a, double b, int32_t seg)
{
    double dt = r->t[i] - r->t[i - 1];
    if (r->t[i] > b + 0.5 * dt)
        return -1;
    if (!r->valid[i] || !(dt > 0) || (seg >= 0 && !gs_gait__same_seg(r, seg, i)))
        return 0;
    double wa = fmin(1, fmax(0, (r->t[i] - a) / dt + 0.5));
    double wb = fmin(1, fmax(0, (b - r->t[i]) / dt + 0.5));
    return wa * wb;
}

void gs_gait__window_lows_about(const gs_gait_result *r, int side, double a, double b, int32_t seg,
                                double slope, double tc, gs_gait__wval *x, int *n, int cap)
{
    for (int32_t i = gs_gait__window_first(r, a); i < r->n && *n < cap; i++) {
        const double w = gs_gait__window_weight(r, i, a, b, seg);
        if (w < 0)
            break;
        if (w > 0) {
            x[*n].v = gs_gait__raw_low(r, i, side) - slope * (r->t[i] - tc);
            x[(*n)++].w = w;
        }
    }
}

void gs_gait__window_lows(const gs_gait_result *r, int side, double a, double b, int32_t seg,
                          gs_gait__wval *x, int *n, int cap)
{
    gs_gait__window_lows_about(r, side, a, b, seg, 0, 0, x, n, cap);
}

int gs_gait__window_line(const gs_gait_result *r, double a, double b, int32_t seg,
                         double (*val)(const gs_gait_result *, int32_t, const void *),
                         const void *ctx, gs_gait__wline *m)
{
    memset(m, 0, sizeof(*m));
    for (int32_t i = gs_gait__window_first(r, a); i < r->n; i++) {
        const double w = gs_gait__window_weight(r, i, a, b, seg);
        if (w < 0)
            break;
        if (w > 0) {
            if (m->n++ == 0)
                m->t0 = r->t[i];
            const double t = r->t[i] - m->t0, y = val(r, i, ctx);
            m->sw += w;
            m->st += w * t;
            m->sy += w * y;
            m->stt += w * t * t;
            m->sty += w * t * y;
        }
    }
    return m->n;
}

/* gs_gait__window_line's value: the lowest foot point of the side *ctx */
static double low_of(const gs_gait_result *r, int32_t i, const void *ctx)
{
    return gs_gait__raw_low(r, i, *(const int *)ctx);
}

/*
 * Ground level of each foot: first the 10th percentile of the lowest point over all frames
 * (feet are on the ground 30-65 % of the time), then the median over the middle of the stances
 * found with it. Also the noise estimate (robust SD of the stance heights: 1.4826 times their
 * median absolute deviation). The middle of a stance is 30-70 % of it, each sample weighted by
 * how far inside that window it lies (a linear ramp one frame interval wide at either end), and
 * the medians are weighted Harrell-Davis medians (gs_gait__whd_median): continuous in the
 * landmarks and in the window's ends (gs_gait__window_lows; the walking stances use both too).
 * With sample medians over each stance's own 30-70 %, 0.05 px of jitter moved the sample's
 * estimate 7.89 -> 7.2 px (a Zeni toe-off a frame later on a flat peak shifted one stance's window
 * by a sample; the heights cluster by stride, so the median absolute deviation moved a rank), the
 * contact threshold (3 SDs) 23.7 -> 21.6 px and two toe-offs 0.7 frame (docs/events-history.md,
 * issue 13 item 4).
 */
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
        gs_gait__wval *x = malloc(sizeof(*x) * ((size_t)r->n + (size_t)r->n_st + 1));
        if (!x)
            continue; /* out of memory: ground and noise keep their previous values */
        for (int s = 0; s < r->n_st; s++) {
            const gs_gait_stride *st = &r->st[s];
            if ((int)st->side != side || !st->used || !isfinite(st->to_s))
                continue;
            gs_gait__window_lows(r, side, st->t0_s + 0.3 * (st->to_s - st->t0_s),
                                 st->t0_s + 0.7 * (st->to_s - st->t0_s), -1, x, &n, r->n);
        }
        if (n >= 5) {
            double m = gs_gait__whd_median(x, n);
            for (int j = 0; j < n; j++)
                x[j].v = fabs(x[j].v - m);
            double sd = 1.4826 * gs_gait__whd_median(x, n);
            if (isfinite(m) && isfinite(sd)) {
                r->noise_px = fmax(r->noise_px, sd);
                g->ground[side] = m;
            }
        }
        free(x);
    }
}

/*
 * Overground side-view running: the ground taken stance by stance. A camera that follows the
 * runner pans and tilts, so the ground moves in the picture: on the backlit pan
 * (run_side_overground_02_backlit_pan) the lowest foot point over the middle of three labelled
 * stances sits at 591, 586 and 621 px, each stance flat within 1-7 px, and one level per foot read
 * that spread as 32.5 px of landmark noise (a contact threshold of 98 px, 38 % of a leg;
 * docs/events-history.md). As the walking events do (gait_events_walk.c): each stance (in
 * ev[0..n_ev-1], the Zeni events sorted by time: an IC to the same foot's next event, a TO in its
 * segment) has its own level, the weighted Harrell-Davis median of its lowest points over 30-70 %
 * of it (gs_gait__window_lows, gs_gait__whd_median, as gs_gait__ground_levels), and the noise is
 * the robust SD (1.4826 x median absolute deviation) of those samples about their own stance's
 * level. A stance cut by its segment's start (the foot's first event there a TO: the runner enters
 * in stance) or end (the last one an IC) is taken as lasting the median stance, within the
 * segment. Between stances the level is interpolated linearly from one stance's end to the next
 * one's start (the camera moves continuously), held before the first and after the last. Fills
 * g->low (raw lowest point minus that level) and g->lsm (smoothed over +-h s) for both feet and
 * sets r->noise_px; returns 0 (g and r untouched) when a foot has no stance with a level or memory
 * runs out.
 */
typedef struct stance_lv {
    int side;
    double ta, tb, level;
    double tc, slope; /* the level at t: level + slope (t - tc) (slope 0 but for a camera that
                         follows the runner: see add_stance) */
} stance_lv;

/* A stance's level at time t. */
static double stance_level_at(const stance_lv *s, double t)
{
    return s->level + s->slope * (t - s->tc);
}

/* Adds the stance [a, b] of side (frames of seg's segment) to st[*ns] when its middle has a
 * level, and its samples' distances from that level to dev. x: scratch of r->n. */
static void add_stance(const gs_gait_result *r, int side, double a, double b, int32_t seg,
                       stance_lv *st, int *ns, gs_gait__wval *x, gs_gait__wval *dev, int *nd)
{
    int n = 0;
    double slope = 0, tc = 0.5 * (a + b);
    if (!(b > a))
        return;
    const double wa = a + 0.3 * (b - a), wb = a + 0.7 * (b - a);
    if (r->cam_follows) {
        /* a camera that follows the runner may tilt as it pans, moving the ground through the
         * picture while the foot stands (the backlit pan: about a row a frame at 120 fps, 10 px
         * over a stance's middle): the level follows the weighted least-squares line of the
         * stance's lowest points over time, and its median is taken about that line */
        gs_gait__wline m;
        gs_gait__window_line(r, wa, wb, seg, low_of, &side, &m);
        const double den = m.sw * m.stt - m.st * m.st;
        if (m.sw > 0 && den > 0) {
            slope = (m.sw * m.sty - m.st * m.sy) / den;
            tc = m.t0 + m.st / m.sw;
        }
    }
    gs_gait__window_lows_about(r, side, wa, wb, seg, slope, tc, x, &n, r->n);
    double m = n >= 3 ? gs_gait__whd_median(x, n) : NAN;
    if (!isfinite(m))
        return;
    for (int j = 0; j < n && *nd < r->n; j++) {
        dev[*nd].v = fabs(x[j].v - m);
        dev[(*nd)++].w = x[j].w;
    }
    st[*ns].side = side;
    st[*ns].ta = a;
    st[*ns].tb = b;
    st[*ns].tc = tc;
    st[*ns].slope = slope;
    st[(*ns)++].level = m;
}

static int cmp_stance(const void *a, const void *b)
{
    const stance_lv *p = a, *q = b;
    return p->ta < q->ta ? -1 : p->ta > q->ta;
}

double gs_gait__stances(const gs_gait_result *r, const gs_gait_event *ev, int n_ev, int *to,
                        double *scratch)
{
    int nd = 0;
    for (int e = 0; e < n_ev; e++) {
        to[e] = -1;
        if (ev[e].type != GS_GAIT_EVENT_IC)
            continue;
        int32_t fe = gs_gait__frame_at(r, ev[e].t_s);
        for (int j = e + 1; j < n_ev; j++) {
            if (ev[j].side != ev[e].side)
                continue;
            if (ev[j].type == GS_GAIT_EVENT_TO && ev[j].t_s - ev[e].t_s > 0 &&
                gs_gait__same_seg(r, fe, gs_gait__frame_at(r, ev[j].t_s))) {
                to[e] = j;
                scratch[nd++] = ev[j].t_s - ev[e].t_s;
            }
            break;
        }
    }
    double dm = gs_median(scratch, nd);
    for (int e = 0; e < n_ev; e++) {
        double dd = to[e] >= 0 ? ev[to[e]].t_s - ev[e].t_s : NAN;
        if (to[e] >= 0 && !(dd >= 0.75 * dm && dd <= 1.33 * dm))
            to[e] = -1;
    }
    return dm;
}

int gs_gait__stance_ground(gs_gait_result *r, gs_gait__sig *g, const gs_gait_event *ev, int n_ev,
                           double h)
{
    stance_lv *st = malloc(sizeof(*st) * (size_t)(n_ev + 1));
    double *dur = malloc(sizeof(double) * (size_t)(n_ev + 1));
    int *to_of = malloc(sizeof(int) * (size_t)(n_ev + 1));
    gs_gait__wval *x = malloc(sizeof(*x) * ((size_t)r->n + 1));
    gs_gait__wval *dev = malloc(sizeof(*dev) * ((size_t)r->n + 1));
    int ns = 0, nd = 0, ok = 0, per_side[2] = {0, 0};
    if (!st || !dur || !to_of || !x || !dev)
        goto out;
    /* complete stances within 0.75-1.33 times the median (gs_gait__stances): the backlit pan's
     * feet, below the picture's edge from frame 180, made two 0.1 s "stances" 130 px above the
     * others at its end, which give no level */
    double d = gs_gait__stances(r, ev, n_ev, to_of, dur);
    for (int e = 0; e < n_ev; e++)
        if (to_of[e] >= 0)
            add_stance(r, (int)ev[e].side, ev[e].t_s, ev[to_of[e]].t_s,
                       gs_gait__frame_at(r, ev[e].t_s), st, &ns, x, dev, &nd);
    /* stances cut by a segment's start or end, taken as the median stance (within the segment) */
    for (int e = 0; e < n_ev && isfinite(d); e++) {
        int side = (int)ev[e].side, to = ev[e].type == GS_GAIT_EVENT_TO, alone = 1;
        int32_t fe = gs_gait__frame_at(r, ev[e].t_s);
        /* the foot's previous event (a TO) or next one (an IC) in the same segment */
        for (int j = to ? e - 1 : e + 1; j >= 0 && j < n_ev; j += to ? -1 : 1)
            if ((int)ev[j].side == side) {
                alone = !gs_gait__same_seg(r, fe, gs_gait__frame_at(r, ev[j].t_s));
                break;
            }
        if (alone)
            add_stance(r, side, to ? ev[e].t_s - d : ev[e].t_s,
                       to ? ev[e].t_s : ev[e].t_s + d, fe, st, &ns, x, dev, &nd);
    }
    for (int s = 0; s < ns; s++)
        per_side[st[s].side]++;
    if (per_side[0] == 0 || per_side[1] == 0 || nd < 5)
        goto out;
    double sd = 1.4826 * gs_gait__whd_median(dev, nd);
    if (!isfinite(sd))
        goto out;
    qsort(st, (size_t)ns, sizeof(*st), cmp_stance);
    for (int side = 0; side < 2; side++) {
        for (int32_t i = 0; i < r->n; i++) {
            g->low[side][i] = NAN;
            if (!r->valid[i])
                continue;
            double t = r->t[i], level = NAN, prev_t = NAN, prev_l = NAN;
            for (int s = 0; s < ns; s++) {
                if (st[s].side != side)
                    continue;
                if (t <= st[s].tb) {
                    if (t >= st[s].ta || !isfinite(prev_t) || !(st[s].ta > prev_t))
                        level = stance_level_at(&st[s], fmax(t, st[s].ta));
                    else
                        level = prev_l + (stance_level_at(&st[s], st[s].ta) - prev_l) *
                                             (t - prev_t) / (st[s].ta - prev_t);
                    break;
                }
                prev_t = st[s].tb;
                prev_l = stance_level_at(&st[s], st[s].tb);
            }
            if (!isfinite(level))
                level = prev_l; /* after the last stance */
            g->low[side][i] = gs_gait__raw_low(r, i, side) - level;
        }
        gs_gait__smooth(r, g->low[side], g->lsm[side], h);
    }
    r->noise_px = sd;
    ok = 1;
out:
    free(st);
    free(dur);
    free(to_of);
    free(x);
    free(dev);
    return ok;
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
    return gs_gait__to_at_range(r, low, s1, s_start, kappa, k, 0);
}

double gs_gait__to_at_range(const gs_gait_result *r, const double *low, int32_t s1,
                            int32_t s_start, double kappa, int k, int cont)
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
    double ta = r->t[s1 - 1 > s_start ? s1 - 1 : s_start], tb = r->t[s1 + 1];
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
        /* side-view running (cont): the stance samples may precede the contact run, whose
         * first frame is a threshold decision too (a late stance hovering near kappa) */
        int32_t w0 = s1 - 2 > s_start ? s1 - 2 : s_start;
        while (cont && w0 > s1 - 2 && gs_gait__same_seg(r, s1, w0 - 1))
            w0--;
        for (int32_t j = w0; j <= s1 + nu; j++)
            hw[hm++] = j;
        if (cont) {
            /* The same range on average, but placed on the sub-frame time the height crosses
             * kappa: 1.5 frame intervals before it to half of one after. Where the height rises
             * before frame s1 - 1 (the toe landmark climbing as the foot pitches about its tip,
             * docs/events-history.md) the best change point lies on the range's lower end, and on
             * frames that end jumped by a frame when 0.05 px of noise moved the crossing from
             * one frame to the next (the sample's and the 60 fps clip's tracks). */
            double d = low[s1 + 1] - low[s1], dt = r->t[s1 + 1] - r->t[s1];
            double f = d > 0 ? (kappa - low[s1]) / d : 0.0;
            f = f < 0 ? 0 : f > 1 ? 1 : f;
            ta = fmax(r->t[w0], r->t[s1] + (f - 1.5) * dt);
            tb = r->t[s1] + (f + 0.5) * dt;
        }
        if (nu >= 3 && hm >= 6 && tb > ta)
            tto = gs_gait__hinge_time(r, low, hw, hm, ta, tb, +1);
    }
    if (!isfinite(tto) && m >= 2 && gs_gait__fit_line(r, idx, m, low, r->t[s1], &a, &b) && b > 0)
        tto = r->t[s1] - a / b;
    if (!isfinite(tto) || tto > fmax(tb, r->t[s1 + 1]) ||
        tto < fmin(ta, r->t[s1 - 2 > s_start ? s1 - 2 : s_start])) {
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

/* Mid-hip height (canonical Y, NAN on invalid frames) into py and smoothed over +-h s into pys:
 * the pelvis whose extremes anchor the rear/front stances. */
static void mid_hip_height(const gs_gait_result *r, double *py, double *pys, double h)
{
    for (int32_t i = 0; i < r->n; i++)
        py[i] = r->valid[i] ? 0.5 * (gs_gait__p(r, i, GS_KP_LEFT_HIP)[1] +
                                     gs_gait__p(r, i, GS_KP_RIGHT_HIP)[1])
                            : NAN;
    gs_gait__smooth(r, py, pys, h);
}

/*
 * Rear/front views. Depth hides the forward motion and perspective distorts heights (with a
 * camera behind a treadmill runner the foot kicked back toward the lens sits LOWER in the picture
 * than the stance foot), so the stance is found as the time the foot stands still in the picture,
 * around each mid-stance found from the pelvis: running is lowest, walking highest at mid-stance
 * (see activity_from_pelvis), and at mid-stance exactly one foot is still (the other swings).
 * Both kinds of pelvis extreme are tried; the one where "one still, one moving" holds best gives
 * the anchors and, unless forced, the activity. From each anchor the still foot's stance extends
 * while its image speed (the ankle's, smoothed) stays below a threshold halfway between the
 * stance and swing speeds (below); the boundaries are interpolated, then replaced by the
 * foot-height change-point when that agrees within 2 frames (it does on clean orthographic
 * tracks). The ankle, not the lowest of heel and toe: the lowest point switches between the two
 * landmarks as a foot rolls or lands toe-up, and each switch is a jump in the picture; a walker
 * coming toward the camera swings the foot mostly in depth, so these jumps matter
 * (walk_front_cane_01: swing peak 1.7 leg lengths/s, the standing foot 1-2.6 at its heel/toe
 * switches; contacts 3-10 frames late and a toe-off 11 early against labels by eye, with the
 * ankle within 0-1.5 frames and toe-offs 3.5 early: docs/events-history.md). Made rear/front tracks
 * and run_rear_treadmill_01 (kink contacts) gave the same events with either.
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
            const double *pa = gs_gait__p(r, a, GS_KP_LEFT_ANKLE + s);
            const double *pb = gs_gait__p(r, b, GS_KP_LEFT_ANKLE + s);
            double xa = pa[0], ya = pa[1], xb = pb[0], yb = pb[1];
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
    mid_hip_height(r, py, pys, h);
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

/* Residual sum of squares of the continuous fit y = c0 + c1 min(t - t1, 0) + c2 max(t - t2, 0)
 * (t1 <= t2: a line, a level from t1 to t2, a line; t1 == t2: the two-slope fit) to
 * (t[j], y[j]), j < m, its slopes into c[1] and c[2]. INFINITY when singular. */
static double hold_rss(const double *t, const double *y, int m, double t1, double t2, double c[3])
{
    double A[3][4] = {{0}};
    for (int j = 0; j < m; j++) {
        double x[3] = {1, fmin(t[j] - t1, 0), fmax(t[j] - t2, 0)};
        for (int a = 0; a < 3; a++) {
            for (int b = 0; b < 3; b++)
                A[a][b] += x[a] * x[b];
            A[a][3] += x[a] * y[j];
        }
    }
    for (int col = 0; col < 3; col++) {
        int piv = col;
        for (int row = col + 1; row < 3; row++)
            if (fabs(A[row][col]) > fabs(A[piv][col]))
                piv = row;
        if (fabs(A[piv][col]) < 1e-12)
            return INFINITY;
        for (int k = 0; k < 4; k++) {
            double tmp = A[col][k];
            A[col][k] = A[piv][k];
            A[piv][k] = tmp;
        }
        for (int row = 0; row < 3; row++) {
            if (row == col)
                continue;
            double f = A[row][col] / A[col][col];
            for (int k = 0; k < 4; k++)
                A[row][k] -= f * A[col][k];
        }
    }
    for (int a = 0; a < 3; a++)
        c[a] = A[a][3] / A[a][a];
    double rss = 0;
    for (int j = 0; j < m; j++) {
        double e = y[j] - c[0] - c[1] * fmin(t[j] - t1, 0) - c[2] * fmax(t[j] - t2, 0);
        rss += e * e;
    }
    return rss;
}

/* The longest level before the stance line kink_time() fits (s). On run_rear_treadmill_01 the
 * left ankle holds its place in the picture for 1-3 frames between its landing fall and the
 * belt's motion (likely the foot rolling flat over its heel as the belt pulls it back), and the
 * raters' contact frames lie at the start of that level, not at its end; the levels found last
 * up to 2.6 frames (87 ms). Limits from 0.067 to 0.2 s give contact MAE 0.70-0.74 (rater a)
 * and 0.58-0.74 frames (rater b), bias against the raters' mean +0.27 to +0.01. */
#define KINK_HOLD_S 0.1

/*
 * Contact time (s) from landmark kp's canonical height of foot side over the frames of mid's
 * segment with times in [t_a, t_b] (kink_contacts): the change point k of the two-slope fit
 * (hold_rss with t1 == t2), searched in [s_a, s_b] on a grid of dt / 20 with at least 2 samples
 * each side; then the same fit with a level from t1 to t2 (t2 in [s_a, s_b], t2 - t1 from one
 * frame interval, so that a sample lies on it, to `hold` s), between two lines that both run
 * the way the stance line does (the foot moving down the picture into the level and out of
 * it). When the best of all these fits has a level, the contact is its start t1 if that comes
 * before k; else k. NAN when it cannot be fitted.
 */
static double kink_time(const gs_gait_result *r, int32_t mid, int kp, double t_a, double t_b,
                        double s_a, double s_b, double hold, double dt)
{
    double tt[256], yy[256], best = INFINITY, k = NAN, tk = NAN, c[3];
    int m = 0;
    int32_t j = mid;
    while (j > 0 && gs_gait__same_seg(r, j - 1, mid) && r->t[j - 1] >= t_a)
        j--;
    for (; j < r->n && r->t[j] <= t_b && m < 256; j++)
        if (gs_gait__same_seg(r, j, mid) && r->t[j] >= t_a) {
            tt[m] = r->t[j];
            yy[m++] = gs_gait__p(r, j, kp)[1];
        }
    if (m < 6)
        return NAN;
    for (int lv = 0; lv < 2; lv++) {
        for (int i2 = 0; s_a + i2 * dt / 20 <= s_b; i2++) {
            double t2 = s_a + i2 * dt / 20;
            for (int i1 = lv ? 20 : 0; lv ? i1 * dt / 20 <= hold : i1 == 0; i1++) {
                double t1 = t2 - i1 * dt / 20, rss;
                int nb4 = 0, naf = 0;
                for (int q = 0; q < m; q++) {
                    nb4 += tt[q] < t1;
                    naf += tt[q] >= t2;
                }
                if (nb4 < 2 || naf < 2)
                    continue;
                rss = hold_rss(tt, yy, m, t1, t2, c);
                if (i1 > 0 && !(c[1] * c[2] > 0))
                    continue;
                if (rss < best) {
                    best = rss;
                    tk = t1;
                }
            }
        }
        if (!lv)
            k = tk;
    }
    return tk < k ? tk : k;
}

/*
 * Stances the height events missed (kink_contacts): a mid-stance (pelvis extreme of the kind
 * `type`) that no toe-off claimed, between two claimed ones of the same foot 0.6-1.4 step times
 * away on each side (or one such neighbour when it is the last or first mid-stance of its
 * segment), is a stance of the other foot: running and walking alternate the feet. Its contact
 * is the kink of the ankle's path as for the others; its toe-off is added at a bound (the next
 * mid-stance, at most 0.75 step times after this one, or the segment's end) and flagged in prov,
 * to be moved to where the foot rises from its own lowest point, or dropped. Seen on
 * run_rear_treadmill_01, right stance 382-392 (both raters): the runner drifts up the picture
 * over the clip (a stance's lowest points 606-660 px), and where it is farthest forward the
 * right foot stayed above the height method's level, so its stance had no toe-off to anchor it;
 * the left contact at 457 (the clip ends at 465) had no toe-off at all.
 */
static gs_status unclaimed_stances(gs_gait_result *r, const double *pys, double ts, int type,
                                   double dt, int *toev, int32_t *tomid, int *tost, char *prov,
                                   int *n_to, double *kic, double *kto, int *kside, int *n_kept,
                                   gs_error *err)
{
    int n0 = *n_to;
    gs_status rc = GS_OK;
    for (int32_t m = 1; m + 1 < r->n && rc == GS_OK; m++) {
        int32_t pm = -1, nm = -1, later = -1, earlier = -1;
        int pf = -1, nf = -1, claimed = 0;
        if (!gs_gait__window_ext(r, pys, m, 0.4 * ts, type))
            continue;
        for (int q = 0; q < n0 && !claimed; q++)
            claimed = tomid[q] == m;
        if (claimed)
            continue;
        /* the nearest claimed mid-stances of this segment before and after m; then whether any
         * mid-stance at all lies after / before m */
        for (int q = 0; q < n0; q++) {
            int32_t c = tomid[q];
            if (!gs_gait__same_seg(r, c, m))
                continue;
            if (c < m && c > pm) {
                pm = c;
                pf = (int)r->ev[toev[q]].side;
            }
            if (c > m && (nm < 0 || c < nm)) {
                nm = c;
                nf = (int)r->ev[toev[q]].side;
            }
        }
        for (int32_t i = m + 1; i < r->n && gs_gait__same_seg(r, i, m) && later < 0; i++)
            if (gs_gait__window_ext(r, pys, i, 0.4 * ts, type))
                later = i;
        for (int32_t i = m - 1; i > 0 && gs_gait__same_seg(r, i, m) && earlier < 0; i--)
            if (gs_gait__window_ext(r, pys, i, 0.4 * ts, type))
                earlier = i;
        int ok_p = pm >= 0 && r->t[m] - r->t[pm] >= 0.6 * ts && r->t[m] - r->t[pm] <= 1.4 * ts;
        int ok_n = nm >= 0 && r->t[nm] - r->t[m] >= 0.6 * ts && r->t[nm] - r->t[m] <= 1.4 * ts;
        int side;
        if (ok_p && ok_n && pf == nf)
            side = 1 - pf;
        else if (ok_p && later < 0)
            side = 1 - pf;
        else if (ok_n && earlier < 0)
            side = 1 - nf;
        else
            continue;
        double tm = r->t[m];
        double tic = kink_time(r, m, GS_KP_LEFT_ANKLE + side, tm - 0.8 * ts, tm, tm - 0.6 * ts,
                               tm - 0.2 * ts, KINK_HOLD_S, dt);
        if (!isfinite(tic))
            continue;
        int32_t e = m;
        while (e + 1 < r->n && gs_gait__same_seg(r, e + 1, m) && r->t[e + 1] <= tm + 0.75 * ts &&
               (later < 0 || e + 1 <= later))
            e++;
        if ((rc = gs_gait__add_event(r, side, 0, tic, err)) != GS_OK ||
            (rc = gs_gait__add_event(r, side, 1, r->t[e], err)) != GS_OK)
            break;
        toev[*n_to] = r->n_ev - 1;
        tomid[*n_to] = m;
        prov[*n_to] = 1;
        tost[(*n_to)++] = *n_kept;
        kic[*n_kept] = tic;
        kto[*n_kept] = r->t[e];
        kside[(*n_kept)++] = side;
    }
    return rc;
}

/*
 * Contacts where the landing foot takes on the ground's motion in the picture: the kink of the
 * stance foot's ankle height (canonical Y) between the end of its swing and the stance, found
 * as the change point of a continuous two-slope fit (least squares over a grid of 1/20 frame),
 * or the start of a level before it when a fit with one fits better (kink_time: a foot that
 * holds its place in the picture for a frame or more as it lands; run_rear_treadmill_01's left
 * foot, whose contacts came a frame late at the kink, against rater a / b +1.00 / +2.14).
 * Each stance is anchored on its mid-stance from the pelvis (running lowest, walking highest:
 * Novacheck 1998, Gait Posture 7:77; gs_gait__activity_from_pelvis) before this foot's toe-off:
 * the fit covers 0.8 step times before the mid-stance, the change point is searched 0.2-0.6 step
 * times before it (half a stance is 0.5 step times in running at a duty factor of 0.5 and about
 * 0.6 in walking at 62 % stance, Novacheck 1998). A longer window reaches into the bend of the
 * late swing (made tracks filmed from 30 deg above, 30 fps: running IC 3.75 frames early at 0.9 /
 * 0.7, 2.78 at 0.8 / 0.6); 0.9 / 0.7 was kept while the contact was the two-slope change point,
 * which on run_rear_treadmill_01 wanted the longer window (docs/events-history.md, session 10).
 * The ankle, not the lowest of heel and toe: seen
 * from behind, heel and toe take turns as the lower point while the foot rolls and the sole turns
 * to the camera (run_rear_treadmill_01, fresh track, against rater a: contact MAE 1.44 frames with
 * the lowest point, 0.85 with the heel, 1.59 with the toe, 0.71 with the ankle). Toe-offs: where
 * the foot rises from its own lowest point of the stance by the contact threshold (below), or the
 * height toe-off when that is earlier. Each toe-off's contact replaces the height contact; a
 * toe-off without an anchored stance keeps the height contact before it (within one step time),
 * and a toe-off that is not the first one after its mid-stance (a spurious one) gets none.
 *
 * asym: median over the stances of |(mid-stance - contact) - (toe-off - mid-stance)| in step
 * times (INFINITY with fewer than 3). drift_px: how far the stance foot's level moves over a
 * stance, median over the anchored
 * stances (at least 3, else 0): the slope of its lowest point within 0.2 step times of the
 * mid-stance times twice the mid-stance to toe-off time. The height method's premise is a level
 * the standing foot keeps within the contact threshold; with a camera above and behind a
 * treadmill the foot on the belt travels down the picture through the whole stance
 * (run_rear_treadmill_01: 130 px against a threshold of 40 px; the made rear/front tracks with a
 * level camera: 0-2 px against 7-8), and the height contacts come in mid-stance.
 */
static gs_status kink_contacts(gs_gait_result *r, double dt, double *drift_px, double *asym,
                               gs_error *err)
{
    size_t nb = sizeof(double) * (size_t)(r->n + 1);
    double *py = malloc(nb), *pys = malloc(nb), ts, h = fmax(0.04, 2.0 * dt);
    gs_gait_event *old = malloc(sizeof(*old) * (size_t)(r->n_ev + 1));
    /* the stances found here: foot, contact and toe-off times */
    size_t nst = (size_t)(r->n_ev + r->n + 1);
    double *kic = malloc(sizeof(double) * nst);
    double *kto = malloc(sizeof(double) * nst);
    int *kside = malloc(sizeof(int) * nst);
    double *drift = malloc(sizeof(double) * (size_t)(r->n_ev + 1));
    double *asy = malloc(sizeof(double) * (size_t)(r->n_ev + 1));
    /* the anchored toe-offs: index in r->ev, mid-stance frame, stance index in kic/kto or -1 */
    int *toev = malloc(sizeof(int) * nst);
    int32_t *tomid = malloc(sizeof(int32_t) * nst);
    int *tost = malloc(sizeof(int) * nst);
    /* the toe-offs of the stances added for unclaimed mid-stances: no height toe-off, only a
     * bound to search the foot's lowest point up to; dropped unless the foot rises before it */
    char *prov = calloc(nst, 1);
    /* the stance feet's lowest points about their line near mid-stance (landmark noise) */
    double *res = malloc(nb);
    int n_asy = 0, n_to = 0, n_res = 0, dof = 0;
    int n_old = r->n_ev, n_kept = 0, n_drift = 0;
    int type = r->activity == GS_GAIT_ACTIVITY_WALK ? 1 : -1;
    gs_status rc = GS_OK;
    *drift_px = 0;
    *asym = INFINITY;
    if (!py || !pys || !old || !kic || !kto || !kside || !drift || !asy || !toev || !tomid ||
        !tost || !res || !prov) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (events)", r->name);
        goto out;
    }
    memcpy(old, r->ev, sizeof(*old) * (size_t)n_old);
    mid_hip_height(r, py, pys, h);
    ts = gs_gait__step_period(r, py);
    r->n_ev = 0;
    for (int e = 0; e < n_old && rc == GS_OK; e++) {
        const gs_gait_event *to = &old[e];
        int side = (int)to->side;
        double tic = NAN;
        if (to->type != GS_GAIT_EVENT_TO)
            continue;
        rc = gs_gait__add_event(r, side, 1, to->t_s, err);
        /* the latest mid-stance before this toe-off, within 0.75 step times */
        int32_t i1 = gs_gait__frame_at(r, to->t_s), mid = -1;
        for (int32_t i = i1; i >= 0 && to->t_s - r->t[i] <= 0.75 * ts && mid < 0; i--)
            if (gs_gait__same_seg(r, i, i1) && gs_gait__window_ext(r, pys, i, 0.4 * ts, type))
                mid = i;
        /* the stance of this mid-stance ends with the first toe-off after it; a later one (a
         * spurious toe-off, or the other foot's) gets no contact from it */
        for (int j = 0; j < n_old && mid >= 0; j++)
            if (j != e && old[j].type == GS_GAIT_EVENT_TO && old[j].t_s > r->t[mid] &&
                old[j].t_s < to->t_s)
                mid = -2;
        if (mid == -2 || rc != GS_OK)
            continue;
        if (mid >= 0) {
            double tm = r->t[mid], st_t = 0, sy = 0, stt = 0, sty = 0;
            int m = 0;
            tic = kink_time(r, mid, GS_KP_LEFT_ANKLE + side, tm - 0.8 * ts, tm, tm - 0.6 * ts,
                            tm - 0.2 * ts, KINK_HOLD_S, dt);
            if (isfinite(tic))
                asy[n_asy++] = fabs((tm - tic) - (to->t_s - tm)) / ts;
            /* how far the stance foot's lowest point moves over this stance: its slope within
             * 0.2 step times of the mid-stance (inside the stance in running and walking) times
             * the stance, twice the mid-stance to toe-off time */
            for (int32_t j = gs_gait__frame_at(r, tm - 0.2 * ts);
                 j < r->n && r->t[j] <= tm + 0.2 * ts; j++) {
                if (!gs_gait__same_seg(r, j, mid) || r->t[j] < tm - 0.2 * ts)
                    continue;
                double t = r->t[j] - tm, y = gs_gait__raw_low(r, j, side);
                st_t += t;
                sy += y;
                stt += t * t;
                sty += t * y;
                m++;
            }
            if (m >= 3 && m * stt - st_t * st_t > 0) {
                double b = (m * sty - st_t * sy) / (m * stt - st_t * st_t), a = (sy - b * st_t) / m;
                drift[n_drift++] = fabs(b) * 2.0 * (to->t_s - tm);
                for (int32_t j = gs_gait__frame_at(r, tm - 0.2 * ts);
                     j < r->n && r->t[j] <= tm + 0.2 * ts && n_res < r->n; j++)
                    if (gs_gait__same_seg(r, j, mid) && r->t[j] >= tm - 0.2 * ts)
                        res[n_res++] = gs_gait__raw_low(r, j, side) - a - b * (r->t[j] - tm);
                dof += m - 2;
            }
            toev[n_to] = r->n_ev - 1;
            tomid[n_to] = mid;
            tost[n_to++] = isfinite(tic) ? n_kept : -1;
        }
        if (isfinite(tic)) {
            kic[n_kept] = tic;
            kto[n_kept] = to->t_s;
            kside[n_kept++] = side;
        } else {
            for (int j = 0; j < n_old; j++)
                if (old[j].side == to->side && old[j].type == GS_GAIT_EVENT_IC &&
                    old[j].t_s < to->t_s && to->t_s - old[j].t_s < ts)
                    tic = old[j].t_s;
        }
        if (isfinite(tic))
            rc = gs_gait__add_event(r, side, 0, tic, err);
    }
    if (rc == GS_OK)
        rc = unclaimed_stances(r, pys, ts, type, dt, toev, tomid, tost, prov, &n_to, kic, kto,
                               kside, &n_kept, err);
    if (rc == GS_OK && n_res >= 6 && dof > 0) {
        /* Toe-offs where the foot rises from its own lowest point of the stance, not from the
         * level of the middle of the stances (the foot ends its stance 50-60 px below that level
         * on run_rear_treadmill_01, so the height toe-off came 1-2 frames late): the first
         * crossing of that point plus the height method's contact threshold (3 noise SDs, at
         * least 2 % of a leg length: gs_gait__events), the noise being the robust SD of the
         * lowest points about their line within 0.2 step times of the mid-stances, corrected
         * for the line's two parameters (run_rear_treadmill_01: 3.3 px). Sub-frame by linear
         * interpolation between the two frames around the crossing. The foot's lowest point of
         * the stance is its last on the belt before it rises (the stance foot travels down the
         * picture with the belt): searched from the mid-stance to the height toe-off. The earlier
         * of this and the height toe-off: each comes late in its own geometry, this one where
         * the foot still moves down the picture after it has left the belt (the made tracks
         * filmed from above, gen_track's tilt: the swing foot keeps travelling toward the camera
         * for a frame; TO MAE 2.54 / 1.61 / 1.13 frames with the height toe-offs, 2.92 / 1.99 /
         * 1.04 with these alone, 2.53 / 1.61 / 1.04 with the earlier of the two).
         * run_rear_treadmill_01 (fresh track, rater a / b): TO +1.45 / 1.55 and +0.67 / 0.90
         * frames before, +0.29 / 0.62 and -0.50 / 0.74 with these alone, +0.14 / 0.57 and
         * -0.64 / 0.79 with the earlier of the two (the raters are 0.77 frame apart). Seen on the
         * frames: the toe stops travelling down the picture 1-2 frames before the raters' toe-off
         * (the heel rises and the sole turns to the camera while the toe stays on the belt), and
         * rises fast from the raters' frame on. */
        double med = gs_median(res, n_res), noise;
        for (int q = 0; q < n_res; q++)
            res[q] = fabs(res[q] - med);
        noise = 1.4826 * gs_median(res, n_res) * sqrt((double)(dof + 2 * n_drift) / dof);
        double kap = fmax(3.0 * noise, 0.02 * r->ll_px);
        for (int q = 0; q < n_to; q++) {
            gs_gait_event *ev = &r->ev[toev[q]];
            int side = (int)ev->side;
            int32_t mid = tomid[q], p = mid, j;
            for (int32_t i = mid + 1; i < r->n && r->t[i] <= ev->t_s; i++)
                if (gs_gait__same_seg(r, i, mid) &&
                    gs_gait__raw_low(r, i, side) < gs_gait__raw_low(r, p, side))
                    p = i;
            double lv = gs_gait__raw_low(r, p, side) + kap;
            for (j = p + 1; j < r->n && gs_gait__same_seg(r, j, p) &&
                            r->t[j] - r->t[p] < 0.5 * ts && gs_gait__raw_low(r, j, side) <= lv;
                 j++)
                ;
            double t = NAN;
            if (j < r->n && gs_gait__same_seg(r, j, p) && r->t[j] - r->t[p] < 0.5 * ts) {
                double y0 = gs_gait__raw_low(r, j - 1, side), y1 = gs_gait__raw_low(r, j, side);
                t = r->t[j - 1] + (lv - y0) / (y1 - y0) * (r->t[j] - r->t[j - 1]);
            }
            if (!(t < ev->t_s))
                continue;
            prov[q] = 0;
            ev->t_s = t;
            ev->frame = gs_gait__frame_index(r, ev->t_s);
            if (tost[q] >= 0)
                kto[tost[q]] = ev->t_s;
        }
    }
    /* an added stance's toe-off that was not found before its bound: none (the clip's end) */
    for (int q = 0; q < n_to; q++)
        if (prov[q])
            r->ev[toev[q]].t_s = NAN;
    /* A toe-off of the same foot inside a stance found here is not one: a foot that lands hidden
     * behind the other foot's sole lifting off gets that sole's landmarks, which rise with it
     * (run_rear_treadmill_01, right foot, frames 19-24 and 127-129: a spurious right toe-off a
     * frame after the left one on 4 of 21 strides). */
    {
        int w = 0;
        for (int e = 0; e < r->n_ev; e++) {
            int inside = 0;
            for (int j = 0; j < n_kept && !inside && r->ev[e].type == GS_GAIT_EVENT_TO; j++)
                inside = (int)r->ev[e].side == kside[j] && r->ev[e].t_s > kic[j] &&
                         r->ev[e].t_s < kto[j];
            if (!inside && isfinite(r->ev[e].t_s))
                r->ev[w++] = r->ev[e];
        }
        r->n_ev = w;
    }
    gs_gait__sort_events(r);
    if (n_drift >= 3)
        *drift_px = gs_median(drift, n_drift);
    if (n_asy >= 3)
        *asym = gs_median(asy, n_asy);
out:
    free(py);
    free(pys);
    free(old);
    free(drift);
    free(asy);
    free(kic);
    free(kto);
    free(kside);
    free(toev);
    free(tomid);
    free(tost);
    free(prov);
    free(res);
    return rc;
}

/* Replaces r's events by ev[0..n-1]. GS_ERR_NOMEM. */
static gs_status set_events(gs_gait_result *r, const gs_gait_event *ev, int n, gs_error *err)
{
    if (r->cap_ev < n) {
        gs_gait_event *ne = realloc(r->ev, sizeof(*ne) * (size_t)n);
        if (!ne)
            return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (events)", r->name);
        r->ev = ne;
        r->cap_ev = n;
    }
    if (n > 0)
        memcpy(r->ev, ev, sizeof(*ev) * (size_t)n);
    r->n_ev = n;
    return GS_OK;
}

/* Copies r's events into *buf (grown as needed; *n their count): the best set so far of a
 * choice between candidate sets. GS_ERR_NOMEM (*buf and *n unchanged). */
static gs_status save_events(const gs_gait_result *r, gs_gait_event **buf, int *n, gs_error *err)
{
    gs_gait_event *nb = realloc(*buf, sizeof(*nb) * (size_t)(r->n_ev + 1));
    if (!nb)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (events)", r->name);
    *buf = nb;
    *n = r->n_ev;
    if (r->n_ev > 0)
        memcpy(nb, r->ev, sizeof(*nb) * (size_t)r->n_ev);
    return GS_OK;
}

/* gs_gait__frontal_events() needs a pelvis extreme on both sides of a mid-stance, so a stance
 * cut by the clip or a gap has no anchor: keeps the height events h0 within half a second of a
 * segment edge when no anchored event of that foot and type is near. */
static gs_status keep_edge_events(gs_gait_result *r, const gs_gait_event *h0, int n0,
                                  gs_error *err)
{
    gs_status rc = GS_OK;
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
    return rc;
}

/*
 * Rear/front views: the foot-height events (exact on clean tracks, fooled by perspective when the
 * camera is close; their contacts replaced by kink_contacts() when the stance foot does not keep
 * a level) against the pelvis-anchored events of
 * gs_gait__frontal_events(); the more plausible set wins (ties keep the height events). The
 * activity comes with the chosen set.
 */
gs_status gs_gait__frontal_choose(gs_gait_result *r, gs_gait__sig *g, double kappa, int k,
                                  double dt, gs_error *err)
{
    gs_status rc = GS_OK;
    gs_gait_event *h0 = malloc(sizeof(*h0) * (size_t)(r->n_ev + 1));
    int n0 = r->n_ev;
    gs_gait_activity act0 = r->activity;
    double s0, s1;
    int kink = 0;
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
    {
        /* contacts from the kink of the ankle's path (kink_contacts) when the stance foot does
         * not keep a level (the height method's premise), unless gs_gait__event_score finds the
         * set implausible (duty factors). Both kinds of mid-stance are tried (running: pelvis
         * lowest, walking: highest) unless the activity is forced; the one whose stances are
         * the more symmetric about it (median |(mid - contact) - (toe-off - mid)| in step times:
         * a mid-stance is the middle of the stance) gives the contacts and the activity, as the
         * height events' own activity is unreliable exactly when their contacts are (a made rear
         * treadmill run seen from 30 deg above read as a walk: 0.19 against 0.29 step times picks
         * the run; the made walk 0.02 against 0.14; run_rear_treadmill_01 0.11 against 0.18). */
        gs_gait_activity keep = r->activity, best_act = act0;
        gs_gait_event *kb = NULL;
        int nkb = 0;
        double best_sk = 0, best_drift = 0, best_asym = INFINITY;
        for (int ty = 0; ty < 2 && rc == GS_OK; ty++) {
            gs_gait_activity a = ty ? GS_GAIT_ACTIVITY_WALK : GS_GAIT_ACTIVITY_RUN;
            double drift = 0, sk, asym = INFINITY;
            if (r->activity_forced && a != r->activity)
                continue;
            rc = set_events(r, h0, n0, err);
            if (rc != GS_OK)
                break;
            r->activity = a;
            rc = kink_contacts(r, dt, &drift, &asym, err);
            sk = rc == GS_OK ? gs_gait__event_score(r, err, &rc) : 0;
            if (rc != GS_OK)
                break;
            if (asym < best_asym || (asym == best_asym && a == act0)) {
                if ((rc = save_events(r, &kb, &nkb, err)) != GS_OK)
                    break;
                best_sk = sk;
                best_asym = asym;
                best_act = a;
                best_drift = drift;
            }
        }
        r->activity = keep;
        if (rc == GS_OK && best_drift > kappa && best_sk >= 0) {
            gs_gait_event *tmp = h0;
            h0 = kb;
            kb = tmp;
            n0 = nkb;
            s0 = best_sk;
            kink = 1;
            if (!r->activity_forced)
                act0 = best_act;
        }
        free(kb);
        if (rc != GS_OK)
            goto out;
    }
    {
        /* the anchored events: gs_gait__frontal_events() picks the kind of mid-stance (pelvis
         * lowest: running, highest: walking) by how well "one foot still, one moving" holds at
         * the pelvis extremes, which a walker seen from the front can fail (walk_front_cane_01:
         * it picked running, stance L 290 / R 643 ms, a run in which one foot stood twice as
         * long as the other, which gs_gait__event_score disqualifies). When the pick's events
         * are implausible (score < 0) and the activity is not forced, both kinds are tried and
         * the more plausible set wins; on a tie the set whose own events agree with its kind
         * (flight phase and pelvis phase, as in gs_gait__activity_decide; issue 13 item 5),
         * then the pick. Only then: trying both always made a made rear treadmill run seen from
         * 30 deg above (test_events) read as a walk with every contact missed. */
        gs_gait_event *ab = NULL;
        int nab = 0, agree_b = -1, forced = r->activity_forced;
        gs_gait_activity keep = r->activity, act_b = GS_GAIT_ACTIVITY_UNKNOWN;
        gs_gait_activity pick = GS_GAIT_ACTIVITY_UNKNOWN;
        s1 = -INFINITY;
        for (int ty = 0; ty < 3 && rc == GS_OK; ty++) {
            /* ty 0: frontal_events' own pick (or the forced activity); 1, 2: run, walk */
            gs_gait_activity a;
            double sc;
            int agree;
            if (ty > 0 && (forced || s1 >= 0))
                break; /* forced, or the pick's events are plausible */
            r->activity_forced = ty > 0 ? 1 : forced;
            r->activity = ty == 1 ? GS_GAIT_ACTIVITY_RUN : ty == 2 ? GS_GAIT_ACTIVITY_WALK : keep;
            if (ty > 0 && r->activity == pick)
                continue; /* already tried as ty 0 */
            r->n_ev = 0;
            rc = gs_gait__frontal_events(r, g, kappa, k, dt, err);
            a = r->activity;
            if (ty == 0)
                pick = a;
            if (rc == GS_OK)
                rc = keep_edge_events(r, h0, n0, err);
            if (rc != GS_OK)
                break;
            gs_gait__sort_events(r);
            sc = gs_gait__event_score(r, err, &rc);
            if (rc != GS_OK)
                break;
            {
                gs_gait_activity f = gs_gait__activity_from_flight(r);
                gs_gait_activity p = gs_gait__activity_from_pelvis(r);
                agree = (f == a) + (p == a) - (f != GS_GAIT_ACTIVITY_UNKNOWN && f != a) -
                        (p != GS_GAIT_ACTIVITY_UNKNOWN && p != a);
            }
            if (!ab || sc > s1 || (sc == s1 && agree > agree_b)) {
                if ((rc = save_events(r, &ab, &nab, err)) != GS_OK)
                    break;
                s1 = sc;
                agree_b = agree;
                act_b = a;
            }
        }
        r->activity_forced = forced;
        if (rc == GS_OK)
            rc = set_events(r, ab, nab, err);
        free(ab);
        if (rc != GS_OK)
            goto out;
        r->activity = act_b;
        s1 = gs_gait__event_score(r, err, &rc);
        if (rc != GS_OK)
            goto out;
    }
    if (s0 >= s1) {
        /* keep the height events */
        if ((rc = set_events(r, h0, n0, err)) != GS_OK)
            goto out;
        r->ic_kink = kink;
        if (!r->activity_forced)
            r->activity = act0;
    }
out:
    free(h0);
    return rc;
}

/*
 * Rear/front views: the contacts of each foot at which its landmarks lie on the other foot's, the
 * mean distance of heel, toe and ankle over the contact frame and the next within 0.1 leg length.
 * Seen from behind, a foot that lands hidden behind the other's lifting sole takes that sole's
 * landmarks, and its contact then follows the other foot (run_rear_treadmill_01: 0.03-0.27 leg
 * lengths at the right contacts, 12 of 21 under 0.1; 0.18-0.29 at the left ones; at least 0.13
 * on the made tracks filmed from above).
 */
void gs_gait__hidden_contacts(const gs_gait_result *r, int n_hidden[2], int n_ic[2])
{
    static const int kp[3] = {GS_KP_LEFT_HEEL, GS_KP_LEFT_FOOT_INDEX, GS_KP_LEFT_ANKLE};
    n_hidden[0] = n_hidden[1] = n_ic[0] = n_ic[1] = 0;
    for (int e = 0; e < r->n_ev; e++) {
        if (r->ev[e].type != GS_GAIT_EVENT_IC)
            continue;
        int s = r->ev[e].side == GS_GAIT_SIDE_RIGHT;
        int32_t i = (int32_t)ceil(r->ev[e].frame - 1e-9);
        double d = 0;
        if (i < 0 || i + 1 >= r->n || !gs_gait__same_seg(r, i, i + 1))
            continue;
        for (int32_t j = i; j <= i + 1; j++)
            for (int q = 0; q < 3; q++) {
                const double *a = gs_gait__p(r, j, kp[q]), *b = gs_gait__p(r, j, kp[q] + 1);
                d += hypot(a[0] - b[0], a[1] - b[1]) / 6.0;
            }
        n_ic[s]++;
        if (d < 0.1 * r->ll_px)
            n_hidden[s]++;
    }
}

