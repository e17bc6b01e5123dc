/*
 * Side-view walking: moves each Zeni event (gait_events_side.c) to the foot event next to it,
 * with the ground taken stance by stance (issue 13).
 *
 * Why walking differs from running (docs/events-history.md, walk_side_overground_01 and _04 against
 * two raters' eye labels):
 * - Overground the stance feet stand at different places in the picture and, with perspective,
 *   at different heights: in walk_side_overground_01 the lowest foot point of one foot's stances
 *   lies 20 px apart across the picture (the shoe is ~50 px long). One ground level per foot put
 *   some stances "below ground" and others near the contact threshold, and the spread of the
 *   stance heights was read as 3.2 px of landmark noise, so the threshold (3 noise SDs) was
 *   higher than the walking foot's clearance: most toe-offs had no crossing at all and took a
 *   median shift. Here every stance has its own level (its footprint) and the noise is the
 *   spread about those levels.
 * - A walking heel lands with little vertical speed (it hovers a few px above its level for 2-3
 *   frames while it decelerates, rater b's notes in tests/data/labels/b.md), but it arrives with
 *   a large forward speed that drops to zero at contact ("the shoe stops moving forward", both
 *   raters' contact rule). So IC is the change point of the foot's horizontal position relative
 *   to its footprint (a level after contact, an approach b h + c h^2 before: the foot decelerates
 *   into contact), gs_gait__hinge_time(). The footprint moves in the picture with the ground
 *   (a treadmill belt, a panning camera): its speed is fitted on the stance's own samples.
 * - Toe-off: the toe (lowest foot point, after heel rise) leaves its stance level; the last
 *   upward crossing of the contact threshold near Zeni's TO, with the time interpolated between
 *   the two raw samples around it (both raters mark the first frame the toe is clearly off, about
 *   4 px at full resolution: tests/data/labels/a.md, b.md).
 * - A walker who walks backwards (walk_side_overground_01's return pass: she faces image-left and
 *   walks to the right) has her Zeni anchors taken in the direction of travel
 *   (gait_events.c negates the signals there), so the same rules find the events.
 * Anchoring on Zeni keeps one event per Zeni event, so noise cannot add or drop strides.
 */
#include "gait_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One stance of one foot, from a Zeni IC to the foot's next Zeni TO. */
typedef struct walk_stance {
    int side;
    int ic, to;        /* indices into r->ev */
    double level;      /* median lowest-point height over the middle of the stance (canonical Y) */
    double x0, vx, t0; /* footprint: foot X = x0 + vx (t - t0) while flat */
    int toe;           /* walked backwards: the toe's X instead of the foot centre's */
    int ok;
} walk_stance;

/*
 * Horizontal position of the part of the foot that lands (canonical X): the foot centre (mean of
 * heel and toe) walking forwards, the toe walking backwards. Backward walking is close to forward
 * walking played in reverse (Lee et al. 2013, Gait Posture 38:674, joint angles of forward and
 * time-reversed backward walking nearly identical), so the foot lands toe first and the heel comes
 * down and back over the next 2-3 frames: on walk_side_overground_01's backward pass the toe
 * stops at the raters' contact frame and the heel 2-3 frames later, and the centre's change point
 * came 2-3 frames late on the far foot (seen on frames 206-214, 238-246, 271-279, 301-309).
 */
static double foot_x(const gs_gait_result *r, int32_t i, int side, int toe)
{
    double xt = gs_gait__p(r, i, GS_KP_LEFT_FOOT_INDEX + side)[0];
    return toe ? xt : 0.5 * (gs_gait__p(r, i, GS_KP_LEFT_HEEL + side)[0] + xt);
}

/* Fills the stance's level (weighted Harrell-Davis median over the ramped window, as
 * gs_gait__ground_levels) and footprint; 0 when too few samples. x: scratch of r->n weighted
 * samples. vx: the footprint's speed, or NAN to fit it (then its offset is the line's through the
 * samples' weighted mean). */
/* gs_gait__window_line's value: foot_x of the walk_stance *ctx */
static double footprint_x(const gs_gait_result *r, int32_t i, const void *ctx)
{
    const walk_stance *s = ctx;
    return foot_x(r, i, s->side, s->toe);
}

static int stance_fit(const gs_gait_result *r, walk_stance *s, gs_gait__wval *x, double vx)
{
    double ta = r->ev[s->ic].t_s, tb = r->ev[s->to].t_s, d = tb - ta;
    double fa = ta + 0.15 * d, fb = ta + 0.55 * d;
    int32_t seg = gs_gait__frame_at(r, ta);
    int n = 0;
    gs_gait__wline m;
    /* level: middle 30-70 % of the stance (as gs_gait__ground_levels); footprint speed: 15-55 %,
     * after the loading roll and about when the heel rises (at about half of a walking
     * stance: Perry & Burnfield, Gait Analysis 2nd ed., ch. 4, terminal stance from 31 % of the
     * cycle, stance to 62 %; the mean of heel and toe X moves little as it starts; 15-50 % read
     * the contacts of walk_side_overground_01 0.13 frame worse). The footprint's samples are
     * weighted by how far inside its window they lie (a ramp one frame interval wide at either
     * end, as the level's): with a hard window a Zeni toe-off that moved 0.74 frame under 0.05 px
     * of jitter (walk_side_multiperson_01's left at 175.3) took one more sample of the rolling
     * foot into the fit, its speed -44 -> -26 px/s and the contact 0.12 frame earlier. */
    gs_gait__window_lows(r, s->side, ta + 0.3 * d, ta + 0.7 * d, seg, x, &n, r->n);
    if (n < 3 || gs_gait__window_line(r, fa, fb, seg, footprint_x, s, &m) < 3)
        return 0;
    s->level = gs_gait__whd_median(x, n);
    if (!isfinite(s->level))
        return 0;
    s->t0 = m.t0;
    double den = m.sw * m.stt - m.st * m.st;
    if (!(fabs(den) > 1e-18) || !isfinite(m.sy))
        return 0;
    s->vx = isfinite(vx) ? vx : (m.sw * m.sty - m.st * m.sy) / den;
    s->x0 = (m.sy - s->vx * m.st) / m.sw;
    return 1;
}

/*
 * IC: change point of the foot centre's X relative to its footprint, from the samples within
 * 0.2 s of Zeni's IC, searched in [IC - 0.12 s, IC + 0.15 s] as the running refinement's window.
 * Walking: the whole 0.2 s either side at every frame rate (at most GS_GAIT_HINGE_MAX samples).
 * It took at most 10 samples before Zeni's IC and 24 in all, the whole 0.2 s at 30 fps but only
 * 0.167 s before it at 60 fps; made walks at 60 fps with the pose model's noise had contacts
 * +1.93 / 2.27 frames late over 20 noise seeds, +1.32 / 1.81 with the window in seconds
 * (docs/events-history.md, "Walking contacts at 60 fps"). run (overground running, the pan): the
 * sample-counted window as before (at 120 fps 0.083 s before and 0.108 s after Zeni's IC, inside
 * a 190 ms contact; with the whole 0.2 s the pan's contacts went a -1.00 -> -4.00, b -0.33 -> -3.33).
 * NAN when it cannot be fitted.
 */
static double walk_ic(const gs_gait_result *r, const walk_stance *s, double tz, double *v,
                      int run)
{
    int32_t idx[GS_GAIT_HINGE_MAX], c = gs_gait__frame_at(r, tz);
    int32_t i0 = gs_gait__frame_at(r, tz - 0.2);
    int m = 0, cap = run ? 24 : GS_GAIT_HINGE_MAX, step = 1, k = 0;
    if (run) {
        for (int32_t i = c; i >= 0 && k < 11 && r->t[i] >= tz - 0.2; i--)
            if (gs_gait__same_seg(r, c, i))
                k++;
        i0 = c - k + 1;
    } else {
        /* above 120 fps the 0.4 s hold more samples than the fit takes: every step-th, so that
         * the window stays 0.2 s either side (a cap alone would cut off the stance side) */
        int n_in = 0;
        for (int32_t i = i0 < 0 ? 0 : i0; i < r->n && r->t[i] <= tz + 0.2; i++)
            n_in += r->t[i] >= tz - 0.2 && gs_gait__same_seg(r, c, i);
        step = (n_in + cap - 1) / cap;
        if (step < 1)
            step = 1;
    }
    k = 0;
    for (int32_t i = i0 < 0 ? 0 : i0; i < r->n && m < cap && r->t[i] <= tz + 0.2; i++) {
        if (r->t[i] < tz - 0.2 || !gs_gait__same_seg(r, c, i) || k++ % step)
            continue;
        v[i] = foot_x(r, i, s->side, s->toe) - (s->x0 + s->vx * (r->t[i] - s->t0));
        idx[m++] = i;
    }
    if (m < 6)
        return NAN;
    return gs_gait__hinge_time(r, v, idx, m, fmax(tz - 0.12, r->t[idx[1]]),
                               fmin(tz + 0.15, r->t[idx[m - 2]]), -1);
}

/* walk_ic on the stance from r->ev[ic] to r->ev[to]; also overground running's contacts
 * (gait_events.c overground_run_refine, where the panning camera moves the footprint) */
double gs_gait__footprint_ic(const gs_gait_result *r, int ic, int to, double *v,
                             gs_gait__wval *wx)
{
    walk_stance s;
    memset(&s, 0, sizeof(s));
    s.side = (int)r->ev[ic].side;
    s.ic = ic;
    s.to = to;
    s.toe = r->backward[gs_gait__frame_at(r, r->ev[ic].t_s)] != 0;
    if (!stance_fit(r, &s, wx, NAN))
        return NAN;
    return walk_ic(r, &s, r->ev[ic].t_s, v, 1);
}

/* The foot's pitch on frame i: the heel -> foot index line against the canonical X axis (the way
 * the walker faces), + with the heel above the toe; NAN without landmarks. */
static double foot_pitch(const gs_gait_result *r, int32_t i, int side)
{
    if (!r->valid[i])
        return NAN;
    const double *h = gs_gait__p(r, i, GS_KP_LEFT_HEEL + side);
    const double *f = gs_gait__p(r, i, GS_KP_LEFT_FOOT_INDEX + side);
    return atan2(h[1] - f[1], f[0] - h[0]);
}

/*
 * Forward walking TO from the foot's pitch (issue 13 item 3; docs/events-history.md, "Walking
 * toe-offs where the foot stops pitching"). Through push-off the foot pitches about the shoe's tip (the
 * heel rises 0.4-1.2 foot lengths, the heel -> foot index line turns 5-16 degrees a frame at 30
 * fps), and it stops pitching when the tip leaves: in the swing the ankle dorsiflexes and the line
 * turns back. So the toe-off is where the pitch stops rising: a line before, a level turning into
 * a fall after (gs_gait__turn_time). Unlike the height of the foot index, this does not depend on
 * where the tracker puts that point along the shoe: it rises with the roll when it sits behind
 * the tip (0.13-0.35 foot lengths on the labelled clips, docs/events-history.md "where BlazePose puts
 * the toe"), which made the height's change point 1-2 frames early. The fit takes the samples
 * within PRE before and POST after the peak of the sampled pitch near the height's crossing tc
 * (the vertex of the parabola through the highest sample and its neighbours, continuous in the
 * data), their weights falling to 0 over one frame interval at both ends, and searches 50 ms
 * either side of that vertex. NAN if the window holds too few samples.
 */
#define TURN_PRE_S    0.08
#define TURN_POST_S   0.15
#define TURN_SEARCH_S 0.05
static double walk_to_turn(const gs_gait_result *r, int side, int32_t jc, double tc, double dt)
{
    double best = -INFINITY, th[3], w[GS_GAIT_HINGE_MAX], *y = NULL;
    int32_t ib = -1, idx[GS_GAIT_HINGE_MAX];
    int m = 0, n_in = 0, step, k = 0;
    int32_t i0 = gs_gait__frame_at(r, tc - 0.15);
    for (int32_t i = i0 < 0 ? 0 : i0; i < r->n && r->t[i] <= tc + 0.15; i++) {
        double p = r->t[i] >= tc - 0.15 && gs_gait__same_seg(r, jc, i) ? foot_pitch(r, i, side)
                                                                       : NAN;
        if (p > best) {
            best = p;
            ib = i;
        }
    }
    if (ib < 1 || ib + 1 >= r->n || !gs_gait__same_seg(r, ib - 1, ib + 1))
        return NAN;
    for (int q = -1; q <= 1; q++)
        th[q + 1] = foot_pitch(r, ib + q, side);
    if (!isfinite(th[0]) || !isfinite(th[2]))
        return NAN;
    double den = th[0] - 2 * th[1] + th[2];
    double tq = r->t[ib] + (den < 0 ? 0.25 * (th[0] - th[2]) / den * (r->t[ib + 1] - r->t[ib - 1])
                                    : 0);
    double a = tq - TURN_PRE_S - 0.5 * dt, b = tq + TURN_POST_S + 0.5 * dt;
    i0 = gs_gait__frame_at(r, a);
    if (i0 < 0)
        i0 = 0;
    /* at high frame rates every step-th sample (walk_to) */
    for (int32_t i = i0; i < r->n && r->t[i] <= b; i++)
        n_in += r->t[i] > a;
    step = (n_in + GS_GAIT_HINGE_MAX - 1) / GS_GAIT_HINGE_MAX;
    if (step < 1)
        step = 1;
    y = malloc(sizeof(*y) * (size_t)r->n);
    if (!y)
        return NAN;
    for (int32_t i = i0; i < r->n && m < GS_GAIT_HINGE_MAX && r->t[i] <= b; i++) {
        if (!(r->t[i] > a) || k++ % step || !gs_gait__same_seg(r, jc, i))
            continue;
        double wi = fmin(1.0, fmin((r->t[i] - a) / dt, (b - r->t[i]) / dt));
        y[i] = foot_pitch(r, i, side);
        if (!(wi > 0) || !isfinite(y[i]))
            continue;
        w[m] = wi;
        idx[m++] = i;
    }
    double t = gs_gait__turn_time(r, y, idx, w, m, tq - TURN_SEARCH_S, tq + TURN_SEARCH_S);
    free(y);
    return t;
}

/*
 * TO: the last upward crossing of kappa by the (smoothed) lowest point above the stance's level
 * in [TO - 0.2 s, TO + 0.15 s], at its interpolated time tc; then the change point of a level and
 * a rising toe (gs_gait__hinge_time) fitted to the raw heights within [tc - pre, tc + post],
 * searched in [tc - lo, tc + hi]. Up to 60 fps these are 3.5, 4.5, 2 and 1 frame intervals (about
 * the 3 stance and k + 2 rising samples of gs_gait__to_at at 30 fps: counts the fit needs);
 * above, the 60 fps values in seconds (58, -, 33, 17 ms), except the rising side, 50 ms: a level
 * and b h + c h^2 fit the made toe's rise for about that long past the crossing, and the longer
 * the window the later the change point (made 60 fps walks with 150 ms +0.63 frame, 75 ms +0.19,
 * 50 ms +0.08; 60 fps keeps 4.5 samples, its 1 px dropouts row worst 0.53 -> 0.92 with 3). Counted
 * in intervals at every rate the window was 33 ms at 240 fps and the search began 8 ms before tc,
 * where the crossing comes ~23 ms after the toe leaves: made 240 fps walks +3.88 frames late
 * (docs/events-history.md, "Walking toe-offs above 60 fps"). The window and search range follow tc,
 * which moves continuously with the landmarks: gs_gait__to_at's follow the raw sample next to the
 * threshold, and 0.05 px of jitter that moved it by a frame moved walk_side_overground_01's left
 * toe-off at frame 107.6 by 0.42 frame (and one in the backward pass by 1.85, where the heel rises
 * slowly). NAN if none.
 */
static double walk_to(const gs_gait_result *r, double tz, double kappa, const double *sm,
                      const double *low, double dt, int turn_side)
{
    double a = tz - 0.2, b = tz + 0.15, tc = NAN;
    int32_t jc = -1;
    for (int32_t j = gs_gait__frame_at(r, a) + 1; j < r->n && r->t[j] <= b; j++) {
        if (r->t[j - 1] < a || !gs_gait__same_seg(r, j - 1, j))
            continue;
        if (sm[j - 1] <= kappa && sm[j] > kappa) {
            tc = r->t[j - 1] + (r->t[j] - r->t[j - 1]) * (kappa - sm[j - 1]) / (sm[j] - sm[j - 1]);
            jc = j;
        }
    }
    if (jc < 0)
        return NAN;
    if (turn_side >= 0) {
        double t = walk_to_turn(r, turn_side, jc, tc, dt);
        if (isfinite(t))
            return t;
    }
    double pre = fmax(3.5 * dt, 3.5 / 60.0), post = fmax(4.5 * dt, 0.05);
    double lo = fmax(2.0 * dt, 2.0 / 60.0), hi = fmax(1.0 * dt, 1.0 / 60.0);
    int32_t idx[GS_GAIT_HINGE_MAX], i0 = gs_gait__frame_at(r, tc - pre);
    int m = 0, n_in = 0, step, k = 0;
    /* above ~460 fps the window holds more samples than the fit takes: every step-th (walk_ic) */
    for (int32_t i = i0 < 0 ? 0 : i0; i < r->n && r->t[i] <= tc + post; i++)
        n_in += r->t[i] >= tc - pre;
    step = (n_in + GS_GAIT_HINGE_MAX - 1) / GS_GAIT_HINGE_MAX;
    if (step < 1)
        step = 1;
    for (int32_t i = i0 < 0 ? 0 : i0; i < r->n && m < GS_GAIT_HINGE_MAX && r->t[i] <= tc + post;
         i++) {
        if (r->t[i] < tc - pre || k++ % step || !gs_gait__same_seg(r, jc, i) || !isfinite(low[i]))
            continue;
        if (r->t[i] > tc && low[i] > 0.5 * r->ll_px)
            break; /* far off the ground: the swing, not the leaving toe (as gs_gait__to_at) */
        idx[m++] = i;
    }
    if (m < 6)
        return NAN;
    return gs_gait__hinge_time(r, low, idx, m, fmax(tc - lo, r->t[idx[1]]),
                               fmin(tc + hi, r->t[idx[m - 2]]), +1);
}

gs_status gs_gait__refine_walking(gs_gait_result *r, gs_gait__sig *g, double dt,
                                  gs_error *err)
{
    walk_stance *st = malloc(sizeof(*st) * (size_t)(r->n_ev + 1));
    int *of = malloc(sizeof(int) * (size_t)(r->n_ev + 1)); /* stance index per event, -1 none */
    double *off = malloc(sizeof(double) * (size_t)(r->n_ev + 1));
    double *tmp = malloc(sizeof(double) * (size_t)(r->n_ev + 1));
    double *v = malloc(sizeof(double) * (size_t)(r->n + 1));
    gs_gait__wval *wx = malloc(sizeof(*wx) * (size_t)(r->n + 1));
    int ns = 0;
    gs_status rc = GS_OK;
    if (!st || !of || !off || !tmp || !v || !wx) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (events)", r->name);
        goto out;
    }
    for (int e = 0; e < r->n_ev; e++)
        of[e] = -1;
    /* stances: each Zeni IC with the same foot's next TO before its next IC, same pass */
    for (int e = 0; e < r->n_ev; e++) {
        if (r->ev[e].type != GS_GAIT_EVENT_IC)
            continue;
        int side = (int)r->ev[e].side, to = -1;
        int32_t fe = gs_gait__frame_at(r, r->ev[e].t_s);
        for (int j = e + 1; j < r->n_ev; j++) {
            if ((int)r->ev[j].side != side)
                continue;
            if (r->ev[j].type == GS_GAIT_EVENT_TO &&
                gs_gait__same_seg(r, fe, gs_gait__frame_at(r, r->ev[j].t_s)))
                to = j;
            break;
        }
        if (to < 0)
            continue;
        st[ns].side = side;
        st[ns].ic = e;
        st[ns].to = to;
        st[ns].toe = r->backward[fe] != 0;
        st[ns].ok = stance_fit(r, &st[ns], wx, NAN);
        if (st[ns].ok) {
            of[e] = ns;
            of[to] = ns;
        }
        ns++;
    }
    /* On a treadmill every footprint moves at the belt's one speed, while a stance's own fit
     * (0.28 s of a noisy foot) is off by up to 50 px/s (-650 for -600 on the made walks with the
     * pose model's noise), a 10 px tilt of the contact's level: each stance takes the mean of its
     * own speed and the median over all stances (the own fit also follows the foot's slow drift,
     * which the contact's samples share: the median alone made single 30 fps walks worse, seed 13
     * 0.57 -> 1.34 frames). Made walks with the pose model's noise, 20 seeds, IC MAE 30 fps 0.98 ->
     * 0.89, 60 fps 1.32 -> 1.06 (the median alone 0.94, 1.04; the true belt speed 0.86, 1.03).
     * Overground the stances' speeds differ for real (the foot's roll, perspective):
     * walk_side_overground_01 with one speed for all, contacts -0.29 -> -0.53 (session 10). */
    if (r->setting == GS_GAIT_SETTING_TREADMILL) {
        int n = 0;
        for (int s = 0; s < ns; s++)
            if (st[s].ok)
                tmp[n++] = st[s].vx;
        double vb = n >= 3 ? gs_median(tmp, n) : NAN;
        for (int s = 0; s < ns && isfinite(vb); s++)
            if (st[s].ok)
                (void)stance_fit(r, &st[s], wx, 0.5 * (st[s].vx + vb)); /* as before: ok */
    }
    /* noise: robust SD of the lowest point about its own stance's level; both as weighted
     * Harrell-Davis medians over ramped windows, as the running ground levels
     * (gs_gait__ground_levels): with sample medians 0.05 px of jitter moved
     * walk_side_overground_01's estimate by up to 0.089 px (5 %, eight draws; the running
     * estimate by at most 0.35 %) */
    {
        int n = 0;
        for (int s = 0; s < ns; s++) {
            if (!st[s].ok)
                continue;
            double ta = r->ev[st[s].ic].t_s, d = r->ev[st[s].to].t_s - ta;
            int n0 = n;
            gs_gait__window_lows(r, st[s].side, ta + 0.3 * d, ta + 0.7 * d, -1, wx, &n, r->n);
            for (int j = n0; j < n; j++)
                wx[j].v = fabs(wx[j].v - st[s].level);
        }
        double sd = n >= 5 ? 1.4826 * gs_gait__whd_median(wx, n) : 0;
        r->noise_px = isfinite(sd) ? sd : 0;
    }
    /* contact threshold: 3 noise SDs, at least 2 % of a leg length (~2 cm), as the running
     * refinement; about the 4 px the raters call "clearly off" on walk_side_overground_01 */
    double kappa = fmax(3.0 * r->noise_px, 0.02 * r->ll_px);
    r->kappa_px = kappa;
    for (int e = 0; e < r->n_ev; e++) {
        gs_gait_event *ev = &r->ev[e];
        double t = NAN;
        off[e] = NAN;
        if (of[e] < 0)
            continue;
        const walk_stance *s = &st[of[e]];
        if (ev->type == GS_GAIT_EVENT_IC) {
            t = walk_ic(r, s, ev->t_s, v, 0);
        } else {
            for (int32_t i = 0; i < r->n; i++)
                v[i] = r->valid[i] ? gs_gait__raw_low(r, i, s->side) - s->level : NAN;
            gs_gait__smooth(r, v, g->sm, fmax(0.04, 2.0 * dt));
            t = walk_to(r, ev->t_s, kappa, g->sm, v, dt, s->toe ? -1 : s->side);
        }
        off[e] = t - ev->t_s;
    }
    /* as in the running refinement: the median shift where an event's own is missing or off;
     * contacts: only late ones, against a reference without them (they fail late only) */
    gs_gait__apply_shifts(r, off, tmp, GS_GAIT__SHIFT_LATE_IC);
out:
    free(st);
    free(of);
    free(off);
    free(tmp);
    free(v);
    free(wx);
    return rc;
}
