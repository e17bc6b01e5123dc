/*
 * Side-view events: Zeni extrema and the running refinement to foot-height events
 * (method and sources in gait_events.c).
 */
#include "gait_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Zeni extrema: frames where the smoothed signal is the extreme within +-ext_win (0.7 step times:
 * the same foot's next extreme is a stride = two steps away) and stands out by a fifth of a leg
 * length from the opposite extreme within +-amp_win (one step time). sign +1 maxima, -1 minima.
 * Where the segment or the clip ends inside +-ext_win the extreme must also stand out from the
 * window's last sample on that side by 1 % of a leg length (~1 cm, the scale at which the
 * refinements tell noise from movement: gs_gait__events' 1 % noise test): a signal that levels
 * off into the edge has not been seen to turn. walk_side_overground_04's right toe signal does
 * so into its last frame (123): 0.05 px of landmark jitter made frame 122 a minimum, 0.00-0.04 px
 * beyond frame 123, in 2 of 6 draws (a toe-off and a stance that came and went);
 * walk_side_overground_01's first right contact (frame 37, one after its first tracked frame)
 * stands 3.8 px (2.2 %) above it and stays.
 */
gs_status gs_gait__zeni(gs_gait_result *r, const double *y, double *sm, int side, int type,
                        int sign, int k, double h, double ext_win, double amp_win, gs_error *err)
{
    gs_status rc;
    gs_gait__smooth(r, y, sm, h);
    for (int32_t i = 0; i < r->n; i++) {
        int is_ext = 1, inner = 1;
        double opp = sign * sm[i], edge = -INFINITY; /* the cut window's last sample, signed */
        if (!r->valid[i])
            continue;
        for (int32_t j = i - 1; r->t[i] - r->t[j + 1] <= ext_win; j--) {
            if (j < 0 || !gs_gait__same_seg(r, i, j)) {
                edge = fmax(edge, sign * sm[j + 1]); /* the window is cut here */
                break;
            }
        }
        for (int32_t j = i + 1; r->t[j - 1] - r->t[i] <= ext_win; j++) {
            if (j >= r->n || !gs_gait__same_seg(r, i, j)) {
                edge = fmax(edge, sign * sm[j - 1]);
                break;
            }
        }
        for (int32_t j = i - 1; j >= 0 && r->t[i] - r->t[j] <= amp_win; j--) {
            if (!gs_gait__same_seg(r, i, j)) {
                if (r->t[i] - r->t[j] <= 0.05)
                    inner = 0; /* too close to the segment edge to tell */
                break;
            }
            if (r->t[i] - r->t[j] <= ext_win && sign * sm[j] > sign * sm[i])
                is_ext = 0;
            opp = fmin(opp, sign * sm[j]);
        }
        for (int32_t j = i + 1; j < r->n && r->t[j] - r->t[i] <= amp_win; j++) {
            if (!gs_gait__same_seg(r, i, j)) {
                if (r->t[j] - r->t[i] <= 0.05)
                    inner = 0;
                break;
            }
            if (r->t[j] - r->t[i] <= ext_win && sign * sm[j] >= sign * sm[i])
                is_ext = 0;
            opp = fmin(opp, sign * sm[j]);
        }
        if (!is_ext || !inner || !(i > 0 && i + 1 < r->n) || !gs_gait__same_seg(r, i, i - 1) ||
            !gs_gait__same_seg(r, i, i + 1))
            continue;
        if (sign * sm[i] - opp < 0.2 * r->ll_px || sign * sm[i] - edge < 0.01 * r->ll_px)
            continue;
        /* The raw extreme may sit a frame away from the smoothed one. */
        int32_t best = i;
        for (int32_t j = i - 1; j <= i + 1; j++)
            if (sign * y[j] > sign * y[best])
                best = j;
        if (best <= 0 || best + 1 >= r->n || !gs_gait__same_seg(r, best, best - 1) ||
            !gs_gait__same_seg(r, best, best + 1))
            best = i;
        rc = gs_gait__add_event(r, side, type, gs_gait__kink_time(r, y, best, k), err);
        if (rc != GS_OK)
            return rc;
    }
    return GS_OK;
}

/* The tolerance about a foot's reference shift at event ev: 50 ms, at least 2 frame intervals. */
static double shift_lim(const gs_gait_result *r, const gs_gait_event *ev)
{
    int32_t i = gs_gait__frame_at(r, ev->t_s);
    return i + 1 < r->n ? fmax(0.05, 2.0 * (r->t[i + 1] - r->t[i])) : 0.05;
}

/*
 * Zeni's lead/lag is fairly constant for one runner or walker and foot, while a noisy trace can put
 * a refined event anywhere in its window: each event is moved by its own shift off[e] (s) from
 * Zeni's time, or by the median shift of its foot and type where its own differs from that by
 * more than 50 ms (or 2 frames) or is missing; a foot and type without any shift keeps Zeni's
 * times. GS_GAIT__SHIFT_CLAMP_TO (side-view running): a toe-off's own shift beyond that tolerance
 * is clamped to the median +- the tolerance rather than replaced by the median, which keeps its
 * time continuous in the landmarks: on the sample a right toe-off whose own shift (-22 ms, at the
 * label) lay 62 ms from the median (-84 ms) jumped 2 frames to the median when 0.05 px of jitter
 * moved the median of its 17 shifts to another sample (-90 ms), and by 0.03 frame with the clamp
 * (issue 13 item 4; docs/events-history.md). Contacts keep the replacement (their refinement can lock
 * onto a swing-phase slowdown far from the contact). GS_GAIT__SHIFT_LATE_IC (side-view walking):
 * the walking contact's change point fails one way only, late (a post-contact drift of the foot's
 * residual is taken into the approach, docs/events-history.md "Walking contacts at 60 fps"), and where
 * a third to a half of a foot's contacts lock late the median is late too and the good contacts
 * that lie more than the tolerance before it took it. So the reference is the median of the shifts
 * no later than the reference + the tolerance (iterated from the median: the late-locked ones
 * left out), and only a contact later than it + the tolerance takes it; an earlier one keeps its
 * own. tmp: scratch of r->n_ev doubles.
 */
void gs_gait__apply_shifts(gs_gait_result *r, const double *off, double *tmp, int flags)
{
    double med[2][2];
    for (int side = 0; side < 2; side++)
        for (int type = 0; type < 2; type++) {
            int n = 0;
            for (int e = 0; e < r->n_ev; e++)
                if ((int)r->ev[e].side == side && (int)r->ev[e].type == type && isfinite(off[e]))
                    tmp[n++] = off[e];
            med[side][type] = gs_median(tmp, n);
            if (!(flags & GS_GAIT__SHIFT_LATE_IC) || type != GS_GAIT_EVENT_IC)
                continue;
            /* the late-locked contacts left out of the reference until it settles (a few
             * rounds: each round only removes shifts, so the count falls until it holds) */
            for (int round = 0; round < 8 && isfinite(med[side][type]); round++) {
                int k = 0;
                for (int e = 0; e < r->n_ev; e++)
                    if ((int)r->ev[e].side == side && (int)r->ev[e].type == type &&
                        isfinite(off[e]) && off[e] <= med[side][type] + shift_lim(r, &r->ev[e]))
                        tmp[k++] = off[e];
                if (k == n || k == 0)
                    break;
                n = k;
                med[side][type] = gs_median(tmp, n);
            }
        }
    for (int e = 0; e < r->n_ev; e++) {
        gs_gait_event *ev = &r->ev[e];
        double m = med[ev->side][ev->type], lim = shift_lim(r, ev), t;
        int late_only = (flags & GS_GAIT__SHIFT_LATE_IC) && ev->type == GS_GAIT_EVENT_IC;
        if (!isfinite(m))
            continue; /* no refinement at all for this foot and type: keep Zeni's */
        if (isfinite(off[e]) && (late_only ? off[e] - m <= lim : fabs(off[e] - m) <= lim))
            t = ev->t_s + off[e];
        else if (isfinite(off[e]) && (flags & GS_GAIT__SHIFT_CLAMP_TO) &&
                 ev->type == GS_GAIT_EVENT_TO)
            t = ev->t_s + fmin(m + lim, fmax(m - lim, off[e]));
        else
            t = ev->t_s + m;
        ev->t_s = t;
        ev->frame = gs_gait__frame_index(r, t);
    }
}

/* The foot's backward position on every frame: minus the canonical X of its heel and foot_index
 * mean (NAN without landmarks); its rise between frames is the foot's backward speed. */
static void foot_back(const gs_gait_result *r, int side, double *back)
{
    for (int32_t i = 0; i < r->n; i++)
        back[i] = r->valid[i] ? -0.5 * (gs_gait__p(r, i, GS_KP_LEFT_HEEL + side)[0] +
                                        gs_gait__p(r, i, GS_KP_LEFT_FOOT_INDEX + side)[0])
                              : NAN;
}

/*
 * Height of y at time t (linear between frames) above the lowest it gets from t to t_end (same
 * segment); NAN when t is not inside a segment.
 */
static double above_coming_min(const gs_gait_result *r, const double *y, double t, double t_end)
{
    int32_t i = gs_gait__frame_at(r, t);
    if (i + 1 >= r->n || !gs_gait__same_seg(r, i, i + 1) || !(r->t[i + 1] > r->t[i]) ||
        !isfinite(y[i]) || !isfinite(y[i + 1]))
        return NAN;
    double v = y[i] + (y[i + 1] - y[i]) * (t - r->t[i]) / (r->t[i + 1] - r->t[i]), mn = v;
    for (int32_t j = i + 1; j < r->n && r->t[j] <= t_end && gs_gait__same_seg(r, i, j); j++)
        if (isfinite(y[j]))
            mn = fmin(mn, y[j]);
    return v - mn;
}

/*
 * Side views: moves each Zeni event to the foot event next to it. IC of a run: the end of the
 * foot's fall (see below); of a walk: the first downward kappa crossing of the smoothed height in
 * [IC - 0.12 s, IC + 0.15 s]; TO: the last upward crossing in [TO - 0.25 s, TO + 0.1 s] (Zeni's TO
 * comes late). Anchoring keeps one event per Zeni event, so noise cannot add or drop strides; an event
 * without a crossing keeps Zeni's time.
 */
gs_status gs_gait__refine_running(gs_gait_result *r, double *const low[2], double *const sm[2],
                                double kappa, int k, gs_error *err)
{
    double *off = malloc(sizeof(double) * (size_t)(r->n_ev + 1));
    double *tmp = malloc(sizeof(double) * (size_t)(r->n_ev + 1));
    double *heel[2] = {malloc(sizeof(double) * (size_t)(r->n + 1)),
                       malloc(sizeof(double) * (size_t)(r->n + 1))};
    double *toe[2] = {malloc(sizeof(double) * (size_t)(r->n + 1)),
                      malloc(sizeof(double) * (size_t)(r->n + 1))};
    double *back[2] = {malloc(sizeof(double) * (size_t)(r->n + 1)),
                       malloc(sizeof(double) * (size_t)(r->n + 1))};
    if (!off || !tmp || !heel[0] || !heel[1] || !toe[0] || !toe[1] || !back[0] || !back[1]) {
        free(off);
        free(tmp);
        for (int side = 0; side < 2; side++) {
            free(heel[side]);
            free(toe[side]);
            free(back[side]);
        }
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (events)", r->name);
    }
    for (int side = 0; side < 2; side++) {
        for (int32_t i = 0; i < r->n; i++) {
            heel[side][i] = r->valid[i] ? gs_gait__p(r, i, GS_KP_LEFT_HEEL + side)[1] : NAN;
            toe[side][i] = r->valid[i] ? gs_gait__p(r, i, GS_KP_LEFT_FOOT_INDEX + side)[1] : NAN;
        }
        foot_back(r, side, back[side]);
    }
    for (int e = 0; e < r->n_ev; e++) {
        gs_gait_event *ev = &r->ev[e];
        const double *lw = low[ev->side], *s = sm[ev->side];
        int ic = ev->type == GS_GAIT_EVENT_IC;
        /* 0.25 s before Zeni's TO, not 0.2: on the sample the toe-offs' own shifts from Zeni's
         * reach -0.18 s (-5.5 frames; -0.15 s on the 60 fps clip), and a crossing whose last
         * frame under the threshold lay a fraction of a frame before -0.2 s was not seen, so that
         * toe-off took its foot's median shift, 2-3 frames late (left toe-off at frame 324,
         * detected 326.5; docs/events-history.md). The last crossing in the window counts, so an
         * earlier start only matters where no later one exists. */
        double a = ev->t_s - (ic ? 0.12 : 0.25), b = ev->t_s + (ic ? 0.15 : 0.1), t = NAN;
        int32_t j0 = gs_gait__frame_at(r, a);
        if (ic) {
            /*
             * Where the foot's fall ends (every activity: a walk's events are made again by
             * gait_events_walk.c once the activity is known; a run's contacts must not depend on
             * whether the pre-refinement activity guess said run, which the stored 60 fps track
             * did not). For the heel and the toe each, the steepest
             * fall within 0.15 s of Zeni's IC, then the time the falling speed is down to 30 % of
             * it (gs_gait__landing_time); the first of the two lands (touchdown at the first of
             * heel and forefoot, Handsaker et al. 2016, see gait_events.c; a heel strike's toe
             * falls on until the foot is flat). The height above a ground level from mid-stance,
             * used before, came 2-5 frames late on every labelled clip: BlazePose's heel point
             * lands 20-35 px (5-10 % of a leg length) above where it sits at mid-stance and keeps
             * sinking through the early stance (heel pad, sole, the foot rolling flat), so a
             * threshold near the mid-stance level is reached frames after the touch. 30 %, not
             * the 50 % that marks the stop of an ideal fall: the heel slows in the last frame
             * before the touch, on the made tracks (foot model 2) as on the labelled clips; 50 %
             * came 0.5-0.7 frame early on both, 30 % within 0.3 frame on the made tracks and
             * -0.2 frame on the sample (docs/events-history.md).
             */
            double tl = gs_gait__landing_time(r, heel[ev->side], ev->t_s - 0.15, ev->t_s + 0.15,
                                              0.3);
            double tt = gs_gait__landing_time(r, toe[ev->side], ev->t_s - 0.15, ev->t_s + 0.15,
                                              0.3);
            /* A toe landing counts only with the toe down: within the contact threshold of the
             * lowest it gets until 0.15 s after Zeni's IC. In late swing a heel striker's toe can
             * stop falling well above the belt: on the 60 fps clip two right/left toes did so
             * 46-55 px (8-10 % of a leg length) up, 5-6 frames before the heel landed, and
             * whether the steepest fall of the window was that one or the landing's flipped under
             * 0.05 px of jitter (a contact moved 1.35 frames); the made forefoot strikes' toes
             * land at most 3.6 px above their stance level (threshold 8.6 px there). */
            if (isfinite(tt) && !(tt >= tl) &&
                above_coming_min(r, toe[ev->side], tt, ev->t_s + 0.15) <= kappa)
                tl = tt; /* the first of heel and toe to land (forefoot strikes) */
            /* and down only once the foot has stopped moving forward: the foot centre's forward
             * speed down to half its peak (the same search on minus its canonical X). On the
             * sample the near foot's heel stops falling a frame before it stops sliding forward
             * while the far foot's do both at once, and the raters mark "down and stopped":
             * per foot -0.94 / +0.47 frame -> +0.24 / +0.47 against rater a; the made tracks'
             * feet stop moving forward before they land (retraction), so theirs are unchanged */
            double th = gs_gait__landing_time(r, back[ev->side], ev->t_s - 0.15, ev->t_s + 0.15,
                                              0.5);
            if (isfinite(th) && isfinite(tl) && th > tl)
                tl = th;
            if (isfinite(tl)) {
                off[e] = tl - ev->t_s;
                continue;
            }
        }
        for (int32_t j = j0 + 1; j < r->n && r->t[j] <= b; j++) {
            if (r->t[j - 1] < a || !gs_gait__same_seg(r, j - 1, j))
                continue;
            if (ic && s[j - 1] > kappa && s[j] <= kappa) {
                int32_t end = j;
                while (end + 1 < r->n && gs_gait__same_seg(r, j, end + 1) && s[end + 1] <= kappa)
                    end++;
                t = gs_gait__ic_at(r, lw, j, end, kappa, k);
                break; /* the first one */
            }
            if (!ic && s[j - 1] <= kappa && s[j] > kappa) {
                int32_t st = j - 1;
                while (st - 1 >= 0 && gs_gait__same_seg(r, j, st - 1) && s[st - 1] <= kappa)
                    st--;
                /* keep looking: the last one */
                t = gs_gait__to_at_range(r, lw, j - 1, st, kappa, k, 1);
            }
        }
        off[e] = t - ev->t_s;
    }
    gs_gait__apply_shifts(r, off, tmp, GS_GAIT__SHIFT_CLAMP_TO);
    free(off);
    free(tmp);
    for (int side = 0; side < 2; side++) {
        free(heel[side]);
        free(toe[side]);
        free(back[side]);
    }
    return GS_OK;
}

/*
 * The first time at or after t0 (up to tmax, same segment) the signal y moves up at frac of the
 * speed vb between frames: linear between the mid-times of the intervals either side of the
 * crossing; t0 when the interval holding t0 already does; NAN when none does.
 */
static double uptake_time(const gs_gait_result *r, const double *y, double t0, double tmax,
                          double vb, double frac)
{
    double tp = NAN, vp = NAN;
    for (int32_t i = gs_gait__frame_at(r, t0); i >= 0 && i + 1 < r->n && r->t[i] <= tmax; i++) {
        if (!r->valid[i] || !r->valid[i + 1] || !gs_gait__same_seg(r, i, i + 1) ||
            !(r->t[i + 1] > r->t[i]) || !isfinite(y[i]) || !isfinite(y[i + 1]))
            return NAN;
        double v = (y[i + 1] - y[i]) / (r->t[i + 1] - r->t[i]), tm = 0.5 * (r->t[i] + r->t[i + 1]);
        if (v >= frac * vb)
            return isfinite(vp) ? fmax(t0, tp + (tm - tp) * (frac * vb - vp) / (v - vp)) : t0;
        tp = tm;
        vp = v;
    }
    return NAN;
}

/*
 * Running on a treadmill: a contact is the first moment the foot moves back with the belt
 * (issue 13, session 12). The end of the foot's fall and of its forward motion (the landing rule
 * above) comes 20-60 ms before that on every labelled treadmill clip: after its most forward
 * point the shoe hangs still, or creeps on forward, a few px above the belt (seen on the ~10x
 * slow-motion lab clip: about 23 ms, docs/events-history.md), and a foot on the belt is carried by
 * it. The belt's image speed is the median stance foot speed over the used strides (as the belt
 * scale's, gait_scale.c); the contact moves to where the foot's backward speed between frames
 * reaches half of it, searched for 0.1 s after the landing rule's contact. Half: the landmark
 * clean-up's low-pass spreads the step from hanging still to the belt's speed over about a frame
 * either side, and a symmetric smoothing of a step crosses half of it at the step. Needs 3 used
 * strides; a contact with no such crossing keeps its time. Returns the number moved, -1 when
 * out of memory.
 */
int gs_gait__belt_contacts(gs_gait_result *r)
{
    double v[256], vb;
    int n = 0, moved = 0;
    for (int i = 0; i < r->n_st && n < 256; i++) {
        const gs_gait_stride *s = &r->st[i];
        double sp = s->used ? gs_gait__stance_foot_speed(r, (int)s->side, s->t0_s, s->to_s) : NAN;
        if (isfinite(sp) && sp > 0)
            v[n++] = sp;
    }
    if (n < 3)
        return 0;
    vb = gs_median(v, n);
    double *back = malloc(sizeof(double) * (size_t)(r->n + 1));
    if (!back)
        return -1;
    for (int side = 0; side < 2; side++) {
        foot_back(r, side, back);
        for (int e = 0; e < r->n_ev; e++) {
            gs_gait_event *ev = &r->ev[e];
            if (ev->type != GS_GAIT_EVENT_IC || (int)ev->side != side)
                continue;
            double tmax = ev->t_s + 0.1;
            /* never past the foot's own toe-off */
            for (int f = e + 1; f < r->n_ev; f++)
                if ((int)r->ev[f].side == side) {
                    if (r->ev[f].type == GS_GAIT_EVENT_TO)
                        tmax = fmin(tmax, r->ev[f].t_s);
                    break;
                }
            double tu = uptake_time(r, back, ev->t_s, tmax, vb, 0.5);
            if (isfinite(tu) && tu > ev->t_s) {
                ev->t_s = tu;
                ev->frame = gs_gait__frame_index(r, tu);
                moved++;
            }
        }
    }
    free(back);
    return moved;
}
