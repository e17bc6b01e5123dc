/*
 * Gait events (initial contact IC, toe-off TO per foot) and strides.
 *
 * Side views, all gaits: Zeni et al. 2008 (Gait Posture 27:710, "Two simple methods for
 * determining gait events during treadmill and overground walking using kinematic data"): IC at
 * the most anterior position of the heel relative to the pelvis (mid-hip), TO at the most
 * posterior position of the toe (foot_index) relative to the pelvis. They report 94 % of treadmill
 * events within one frame (16.7 ms) of force-plate events in healthy walkers, 98 % within two
 * frames overground; Zhang et al. 2025 (arXiv 2503.00794, 4363 cycles) found it the most accurate
 * of seven kinematic methods for walking.
 *
 * Running (side views) and every rear/front view: the foot-height method. Running feet reach
 * their most anterior point before touchdown (swing-leg retraction), so Zeni's IC is early; the
 * velocity/acceleration methods for running (O'Connor et al. 2007 foot velocity algorithm, Gait
 * Posture 25:469; Handsaker et al. 2016, J Biomech, touchdown at the first of the heel or first
 * metatarsal vertical-acceleration peak, toe-off at the hallux jerk peak, +3.1 / +2.1 ms with
 * 95 % CIs of about +-15 ms at 250 Hz) need marker-quality signals and high frame rates. We keep
 * their principle (contact = whichever of heel or toe reaches the ground first; toe-off = the toe
 * leaving it) but work on positions: the lowest of heel and toe relative to the fitted ground
 * level; IC is where the line through the last descending samples meets the ground level, TO
 * where the line through the first rising samples leaves it (sub-frame, a change-point fit).
 *
 * Expected error: on noise-free synthetic tracks under 0.5 frame at 30-240 fps (tests); on real
 * video +-1-2 frames for IC and TO (Stenum 2021 and Young 2023 report 10-20 ms mean errors for
 * 2D pose), so ground contact times carry about +-1.5 frames (25 ms at 60 fps, 50 ms at 30 fps).
 */
#include "gait_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per-side signals of one event pass. */
typedef struct sig {
    double *heel_rel[2]; /* heel X - mid-hip X (px) */
    double *toe_rel[2];  /* toe X - mid-hip X */
    double *low[2];      /* lowest of heel/toe Y minus the foot's ground level (px) */
    double *lsm[2];      /* low, smoothed */
    double *sm;          /* scratch: smoothed signal */
    double ground[2];    /* ground level per foot (canonical Y) */
} sig;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    if (n <= 0)
        return NAN;
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Frames i and j belong to one continuous segment (valid, same pass, no invalid in between is
 * checked by the caller walking frame by frame). */
static int same_seg(const gs_gait_result *r, int32_t i, int32_t j)
{
    return i >= 0 && j >= 0 && i < r->n && j < r->n && r->valid[i] && r->valid[j] &&
           r->pass[i] == r->pass[j];
}

/*
 * Local quadratic regression over +-h seconds inside the frame's segment (a Savitzky-Golay
 * smoother that works on irregular timestamps), evaluated at the frame.
 */
static void smooth(const gs_gait_result *r, const double *y, double *out, double h)
{
    for (int32_t i = 0; i < r->n; i++) {
        double S[5] = {0, 0, 0, 0, 0}, Ty[3] = {0, 0, 0};
        int cnt = 0;
        out[i] = y[i];
        if (!r->valid[i])
            continue;
        for (int dir = -1; dir <= 1; dir += 2) {
            for (int32_t j = dir < 0 ? i : i + 1; j >= 0 && j < r->n; j += dir) {
                if (!same_seg(r, i, j) || fabs(r->t[j] - r->t[i]) > h)
                    break;
                double d = r->t[j] - r->t[i], p = 1;
                for (int k = 0; k < 5; k++) {
                    S[k] += p;
                    if (k < 3)
                        Ty[k] += p * y[j];
                    p *= d;
                }
                cnt++;
            }
        }
        if (cnt < 4)
            continue;
        /* Solve the 3x3 normal equations for the value at d = 0 (Cramer's rule). */
        double a = S[0], b = S[1], c = S[2], d = S[3], e = S[4];
        double det = a * (c * e - d * d) - b * (b * e - c * d) + c * (b * d - c * c);
        if (fabs(det) < 1e-18)
            continue;
        double det0 = Ty[0] * (c * e - d * d) - b * (Ty[1] * e - d * Ty[2]) +
                      c * (Ty[1] * d - c * Ty[2]);
        out[i] = det0 / det;
    }
}

/* Least-squares line through (t[j], y[j]) for j in idx[0..m-1]: y = a + b (t - t0). */
static int fit_line(const gs_gait_result *r, const int32_t *idx, int m, const double *y, double t0,
                    double *a, double *b)
{
    double st = 0, sy = 0, stt = 0, sty = 0;
    if (m < 2)
        return 0;
    for (int k = 0; k < m; k++) {
        double tt = r->t[idx[k]] - t0;
        st += tt;
        sy += y[idx[k]];
        stt += tt * tt;
        sty += tt * y[idx[k]];
    }
    double den = m * stt - st * st;
    if (fabs(den) < 1e-18)
        return 0;
    *b = (m * sty - st * sy) / den;
    *a = (sy - *b * st) / m;
    return 1;
}

/*
 * Sub-frame time of a kink-shaped extremum at frame i of y: the intersection of the line through
 * the k samples before i and the line through the k samples after i. For a smooth peak it lands
 * on the vertex; for a kink (a foot that stops on the ground) on the kink, wherever it falls
 * between frames. Falls back to frame i when the lines do not meet near it.
 */
static double kink_time(const gs_gait_result *r, const double *y, int32_t i, int k)
{
    int32_t L[8], R[8];
    int nl = 0, nr = 0;
    double a1, b1, a2, b2, t0 = r->t[i], tk;
    for (int32_t j = i - 1; j >= 0 && nl < k && same_seg(r, i, j); j--)
        L[nl++] = j;
    for (int32_t j = i + 1; j < r->n && nr < k && same_seg(r, i, j); j++)
        R[nr++] = j;
    if (nl < 2 || nr < 2 || !fit_line(r, L, nl, y, t0, &a1, &b1) ||
        !fit_line(r, R, nr, y, t0, &a2, &b2) || fabs(b1 - b2) < 1e-12)
        return t0;
    tk = (a2 - a1) / (b1 - b2) + t0;
    if (tk < r->t[L[0]] || tk > r->t[R[0]])
        return t0;
    return tk;
}

/* Appends an event; a time that is not finite (a fit on degenerate samples) is not one. */
static gs_status add_event(gs_gait_result *r, int side, int type, double t, gs_error *err)
{
    if (!isfinite(t))
        return GS_OK;
    if (r->n_ev == r->cap_ev) {
        int nc = r->cap_ev ? 2 * r->cap_ev : 64;
        gs_gait_event *ne = realloc(r->ev, sizeof(*ne) * (size_t)nc);
        if (!ne)
            return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (events)", r->name);
        r->ev = ne;
        r->cap_ev = nc;
    }
    r->ev[r->n_ev].side = side ? GS_SIDE_RIGHT : GS_SIDE_LEFT;
    r->ev[r->n_ev].type = type ? GS_EVENT_TO : GS_EVENT_IC;
    r->ev[r->n_ev].t_s = t;
    r->ev[r->n_ev].frame = gs_gait__frame_index(r, t);
    r->n_ev++;
    return GS_OK;
}

/*
 * Zeni extrema: frames where the smoothed signal is the extreme within +-ext_win (0.7 step times:
 * the same foot's next extreme is a stride = two steps away) and stands out by a fifth of a leg
 * length from the opposite extreme within +-amp_win (one step time). sign +1 maxima, -1 minima.
 */
static gs_status zeni(gs_gait_result *r, const double *y, double *sm, int side, int type, int sign,
                      int k, double h, double ext_win, double amp_win, gs_error *err)
{
    gs_status rc;
    smooth(r, y, sm, h);
    for (int32_t i = 0; i < r->n; i++) {
        int is_ext = 1, inner = 1;
        double opp = sign * sm[i];
        if (!r->valid[i])
            continue;
        for (int32_t j = i - 1; j >= 0 && r->t[i] - r->t[j] <= amp_win; j--) {
            if (!same_seg(r, i, j)) {
                if (r->t[i] - r->t[j] <= 0.05)
                    inner = 0; /* too close to the segment edge to tell */
                break;
            }
            if (r->t[i] - r->t[j] <= ext_win && sign * sm[j] > sign * sm[i])
                is_ext = 0;
            opp = fmin(opp, sign * sm[j]);
        }
        for (int32_t j = i + 1; j < r->n && r->t[j] - r->t[i] <= amp_win; j++) {
            if (!same_seg(r, i, j)) {
                if (r->t[j] - r->t[i] <= 0.05)
                    inner = 0;
                break;
            }
            if (r->t[j] - r->t[i] <= ext_win && sign * sm[j] >= sign * sm[i])
                is_ext = 0;
            opp = fmin(opp, sign * sm[j]);
        }
        if (!is_ext || !inner || !(i > 0 && i + 1 < r->n) || !same_seg(r, i, i - 1) ||
            !same_seg(r, i, i + 1))
            continue;
        if (sign * sm[i] - opp < 0.2 * r->ll_px)
            continue;
        /* The raw extreme may sit a frame away from the smoothed one. */
        int32_t best = i;
        for (int32_t j = i - 1; j <= i + 1; j++)
            if (sign * y[j] > sign * y[best])
                best = j;
        if (best <= 0 || best + 1 >= r->n || !same_seg(r, best, best - 1) ||
            !same_seg(r, best, best + 1))
            best = i;
        rc = add_event(r, side, type, kink_time(r, y, best, k), err);
        if (rc != GS_OK)
            return rc;
    }
    return GS_OK;
}

/*
 * Step time (s) from the mid-hip's vertical bounce, which repeats every step in walking and
 * running and does not care about left/right labels: the lag of the highest normalised
 * autocorrelation between 0.22 s (270 steps/min) and 1.2 s (50 steps/min), on the signal minus
 * its +-0.75 s moving mean. Lags are in frames of the median interval (VFR is close enough for a
 * window size). 0.5 s when there is no clear period. scratch needs r->n doubles.
 */
static double step_period(const gs_gait_result *r, double *scratch)
{
    double dt = r->n > 1 ? (r->t[r->n - 1] - r->t[0]) / (r->n - 1) : 1.0 / 30, best = 0.3;
    int32_t best_lag = 0;
    double *y = scratch;
    if (!(dt > 0))
        return 0.5;
    for (int32_t i = 0; i < r->n; i++) {
        double s = 0;
        int c = 0;
        y[i] = NAN;
        if (!r->valid[i])
            continue;
        for (int32_t j = i; j >= 0 && r->t[i] - r->t[j] <= 0.75; j--)
            if (r->valid[j]) {
                s += gs_gait__p(r, j, GS_KP_LEFT_HIP)[1] + gs_gait__p(r, j, GS_KP_RIGHT_HIP)[1];
                c++;
            }
        for (int32_t j = i + 1; j < r->n && r->t[j] - r->t[i] <= 0.75; j++)
            if (r->valid[j]) {
                s += gs_gait__p(r, j, GS_KP_LEFT_HIP)[1] + gs_gait__p(r, j, GS_KP_RIGHT_HIP)[1];
                c++;
            }
        y[i] = gs_gait__p(r, i, GS_KP_LEFT_HIP)[1] + gs_gait__p(r, i, GS_KP_RIGHT_HIP)[1] - s / c;
    }
    /* The lag range in frames, bounded by the track before it becomes an integer: frames
     * 1e-10 s apart make 0.22 / dt = 2.2e9, beyond int32_t (the conversion is undefined; it
     * gave a negative lag and a read before the buffer). */
    double lag_lo = 0.22 / dt, lag_hi = 1.2 / dt;
    if (!(lag_lo < (double)r->n))
        return 0.5; /* the track is shorter than the shortest step time */
    int32_t lag_max = lag_hi < (double)(r->n - 1) ? (int32_t)lag_hi : r->n - 1;
    for (int32_t lag = (int32_t)lag_lo; lag <= lag_max; lag++) {
        double sxy = 0, sxx = 0, syy = 0;
        for (int32_t i = 0; i + lag < r->n; i++) {
            if (!isfinite(y[i]) || !isfinite(y[i + lag]))
                continue;
            sxy += y[i] * y[i + lag];
            sxx += y[i] * y[i];
            syy += y[i + lag] * y[i + lag];
        }
        double c = sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : 0;
        if (c > best) {
            best = c;
            best_lag = lag;
        } else if (best > 0.5 && c < best - 0.05) {
            break; /* past the first strong peak: the step, not a multiple of it */
        }
    }
    return best_lag > 0 ? best_lag * dt : 0.5;
}

/* Sorts events by time. */
static int cmp_ev(const void *a, const void *b)
{
    const gs_gait_event *x = a, *y = b;
    return x->t_s < y->t_s ? -1 : x->t_s > y->t_s;
}

/* Sorts r's events by time. A person standing still has none, and r->ev is then NULL, which
 * qsort must not be given (C11 7.22.5: the array argument must be valid even for 0 elements). */
static void sort_events(gs_gait_result *r)
{
    if (r->n_ev > 1)
        qsort(r->ev, (size_t)r->n_ev, sizeof(*r->ev), cmp_ev);
}

/* IC from the first contact frame s0 (smoothed height <= kappa) of a contact that lasts until
 * frame s_end: the line through up to k raw samples above kappa just before s0, extended to the
 * ground level; the linear kappa crossing when the line is unusable. NAN if s0 has no
 * predecessor in its segment. */
static double ic_at(const gs_gait_result *r, const double *low, int32_t s0, int32_t s_end,
                    double kappa, int k)
{
    int32_t idx[8];
    int m = 0;
    double a, b, tic = NAN;
    /* The smoothed height crosses kappa a little late next to the kink of a landing; step back
     * to the raw crossing (at most 3 frames). */
    for (int step = 0; step < 3 && s0 >= 1 && same_seg(r, s0, s0 - 1) && low[s0 - 1] <= kappa;
         step++)
        s0--;
    if (s0 < 1 || !same_seg(r, s0, s0 - 1))
        return NAN;
    for (int32_t j = s0 - 1; j >= 0 && m < k && same_seg(r, s0, j); j--) {
        if (low[j] <= kappa || low[j] > 0.5 * r->ll_px)
            break;
        idx[m++] = j;
    }
    if (m >= 2 && fit_line(r, idx, m, low, r->t[s0], &a, &b) && b < 0)
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
static double to_at(const gs_gait_result *r, const double *low, int32_t s1, int32_t s_start,
                    double kappa, int k)
{
    int32_t idx[8];
    int m = 0;
    double a, b, tto = NAN;
    for (int step = 0; step < 3 && s1 + 1 < r->n && same_seg(r, s1, s1 + 1) && low[s1 + 1] <= kappa;
         step++)
        s1++;
    if (s1 + 1 >= r->n || !same_seg(r, s1, s1 + 1))
        return NAN;
    for (int32_t j = s1 + 1; j < r->n && m < k && same_seg(r, s1, j); j++) {
        if (low[j] <= kappa || low[j] > 0.5 * r->ll_px)
            break;
        idx[m++] = j;
    }
    if (m >= 2 && fit_line(r, idx, m, low, r->t[s1], &a, &b) && b > 0)
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
static gs_status height_events(gs_gait_result *r, const double *low, const double *sm, int side,
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
        for (j = i + 1; j < r->n && same_seg(r, s0, j); j++) {
            if (sm[j] <= kappa)
                s1 = j;
            else if (r->t[j] - r->t[s1] > 0.05)
                break;
        }
        i = s1 + 1;
        if (r->t[s1] - r->t[s0] < 0.06)
            continue;
        t = ic_at(r, low, s0, s1, kappa, k);
        if (isfinite(t)) {
            rc = add_event(r, side, 0, t, err);
            if (rc != GS_OK)
                return rc;
        }
        t = to_at(r, low, s1, s0, kappa, k);
        if (isfinite(t)) {
            rc = add_event(r, side, 1, t, err);
            if (rc != GS_OK)
                return rc;
        }
    }
    return GS_OK;
}

/*
 * Side-view running: moves each Zeni event to the foot-height event next to it. IC: the first
 * downward kappa crossing of the smoothed height in [IC - 0.12 s, IC + 0.15 s] (Zeni's IC comes
 * early in running); TO: the last upward crossing in [TO - 0.2 s, TO + 0.1 s] (Zeni's TO comes
 * late). Anchoring keeps one event per Zeni event, so noise cannot add or drop strides; an event
 * without a crossing keeps Zeni's time.
 */
static gs_status refine_running(gs_gait_result *r, double *const low[2], double *const sm[2],
                                double kappa, int k, gs_error *err)
{
    double *off = malloc(sizeof(double) * (size_t)(r->n_ev + 1));
    double *tmp = malloc(sizeof(double) * (size_t)(r->n_ev + 1));
    double med[2][2];
    if (!off || !tmp) {
        free(off);
        free(tmp);
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (events)", r->name);
    }
    for (int e = 0; e < r->n_ev; e++) {
        gs_gait_event *ev = &r->ev[e];
        const double *lw = low[ev->side], *s = sm[ev->side];
        int ic = ev->type == GS_EVENT_IC;
        double a = ev->t_s - (ic ? 0.12 : 0.2), b = ev->t_s + (ic ? 0.15 : 0.1), t = NAN;
        int32_t j0 = gs_gait__frame_at(r, a);
        for (int32_t j = j0 + 1; j < r->n && r->t[j] <= b; j++) {
            if (r->t[j - 1] < a || !same_seg(r, j - 1, j))
                continue;
            if (ic && s[j - 1] > kappa && s[j] <= kappa) {
                int32_t end = j;
                while (end + 1 < r->n && same_seg(r, j, end + 1) && s[end + 1] <= kappa)
                    end++;
                t = ic_at(r, lw, j, end, kappa, k);
                break; /* the first one */
            }
            if (!ic && s[j - 1] <= kappa && s[j] > kappa) {
                int32_t st = j - 1;
                while (st - 1 >= 0 && same_seg(r, j, st - 1) && s[st - 1] <= kappa)
                    st--;
                t = to_at(r, lw, j - 1, st, kappa, k); /* keep looking: the last one */
            }
        }
        off[e] = t - ev->t_s;
    }
    /*
     * Zeni's lead/lag is fairly constant for one runner and foot, while a noisy height trace can
     * put a crossing anywhere in the window: an event whose shift differs from the median shift of
     * its foot and type by more than 50 ms (or 2 frames) gets the median shift instead.
     */
    for (int side = 0; side < 2; side++)
        for (int type = 0; type < 2; type++) {
            int n = 0;
            for (int e = 0; e < r->n_ev; e++)
                if ((int)r->ev[e].side == side && (int)r->ev[e].type == type && isfinite(off[e]))
                    tmp[n++] = off[e];
            med[side][type] = median(tmp, n);
        }
    for (int e = 0; e < r->n_ev; e++) {
        gs_gait_event *ev = &r->ev[e];
        double m = med[ev->side][ev->type], lim = 0.05, t;
        int32_t i = gs_gait__frame_at(r, ev->t_s);
        if (i + 1 < r->n)
            lim = fmax(lim, 2.0 * (r->t[i + 1] - r->t[i]));
        if (!isfinite(m))
            continue; /* no refinement at all for this foot and type: keep Zeni's */
        t = isfinite(off[e]) && fabs(off[e] - m) <= lim ? ev->t_s + off[e] : ev->t_s + m;
        ev->t_s = t;
        ev->frame = gs_gait__frame_index(r, t);
    }
    free(off);
    free(tmp);
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
static gs_status frontal_events(gs_gait_result *r, sig *g, double kappa, int k, double dt,
                                gs_error *err)
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
            int32_t a = i > 0 && same_seg(r, i, i - 1) ? i - 1 : i;
            int32_t b = i + 1 < r->n && same_seg(r, i, i + 1) ? i + 1 : i;
            tmp[i] = NAN;
            if (!r->valid[i] || a == b)
                continue;
            double xa, ya, xb, yb;
            int ka = gs_gait__p(r, a, GS_KP_LEFT_HEEL + s)[1] < gs_gait__p(r, a, GS_KP_LEFT_FOOT_INDEX + s)[1]
                         ? GS_KP_LEFT_HEEL + s : GS_KP_LEFT_FOOT_INDEX + s;
            int kb = gs_gait__p(r, b, GS_KP_LEFT_HEEL + s)[1] < gs_gait__p(r, b, GS_KP_LEFT_FOOT_INDEX + s)[1]
                         ? GS_KP_LEFT_HEEL + s : GS_KP_LEFT_FOOT_INDEX + s;
            xa = gs_gait__p(r, a, ka)[0];
            ya = gs_gait__p(r, a, ka)[1];
            xb = gs_gait__p(r, b, kb)[0];
            yb = gs_gait__p(r, b, kb)[1];
            tmp[i] = hypot(xb - xa, yb - ya) / (r->t[b] - r->t[a]) / r->ll_px;
        }
        smooth(r, tmp, sp[s], h);
        {
            int n = 0;
            for (int32_t i = 0; i < r->n; i++)
                if (r->valid[i] && isfinite(sp[s][i]))
                    py[n++] = sp[s][i];
            qsort(py, (size_t)n, sizeof(double), cmp_double);
            thr[s] = n ? 0.3 * py[(int)(0.9 * (n - 1))] : 0;
        }
    }
    for (int32_t i = 0; i < r->n; i++)
        py[i] = r->valid[i] ? 0.5 * (gs_gait__p(r, i, GS_KP_LEFT_HIP)[1] +
                                     gs_gait__p(r, i, GS_KP_RIGHT_HIP)[1])
                            : NAN;
    smooth(r, py, pys, h);
    ts = step_period(r, tmp);
    /* which pelvis extreme is mid-stance: -1 minima (running), +1 maxima (walking) */
    for (int type = -1; type <= 1; type += 2) {
        int n = 0;
        if (r->activity_forced && type != (r->activity == GS_ACTIVITY_WALK ? 1 : -1))
            continue;
        for (int32_t i = 1; i + 1 < r->n; i++) {
            int ext = r->valid[i];
            for (int32_t j = i - 1; ext && j >= 0 && r->t[i] - r->t[j] <= 0.4 * ts; j--)
                if (same_seg(r, i, j) && type * pys[j] > type * pys[i])
                    ext = 0;
            for (int32_t j = i + 1; ext && j < r->n && r->t[j] - r->t[i] <= 0.4 * ts; j++)
                if (same_seg(r, i, j) && type * pys[j] >= type * pys[i])
                    ext = 0;
            if (!ext || !isfinite(sp[0][i]) || !isfinite(sp[1][i]))
                continue;
            double lo = fmin(sp[0][i], sp[1][i]), hi = fmax(sp[0][i], sp[1][i]);
            tmp[n++] = (hi - lo) / (hi + lo + 1e-9);
        }
        qsort(tmp, (size_t)n, sizeof(double), cmp_double);
        double c = n ? tmp[n / 2] : -1;
        if (c > best_c) {
            best_c = c;
            best_type = type;
        }
    }
    if (best_type == 0)
        goto out;
    if (!r->activity_forced)
        r->activity = best_type < 0 ? GS_ACTIVITY_RUN : GS_ACTIVITY_WALK;
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
            int ext = r->valid[i];
            for (int32_t j = i - 1; ext && j >= 0 && r->t[i] - r->t[j] <= 0.4 * ts; j--)
                if (same_seg(r, i, j) && best_type * pys[j] > best_type * pys[i])
                    ext = 0;
            for (int32_t j = i + 1; ext && j < r->n && r->t[j] - r->t[i] <= 0.4 * ts; j++)
                if (same_seg(r, i, j) && best_type * pys[j] >= best_type * pys[i])
                    ext = 0;
            if (ext && isfinite(sp[0][i]) && isfinite(sp[1][i]))
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
            while (lo - 1 >= 0 && same_seg(r, i, lo - 1) &&
                   (sp[f][lo - 1] < thr[f] ||
                    (lo - 2 >= 0 && same_seg(r, i, lo - 2) && sp[f][lo - 2] < thr[f])))
                lo--;
            while (hi + 1 < r->n && same_seg(r, i, hi + 1) &&
                   (sp[f][hi + 1] < thr[f] ||
                    (hi + 2 < r->n && same_seg(r, i, hi + 2) && sp[f][hi + 2] < thr[f])))
                hi++;
            if (lo > 0 && same_seg(r, lo, lo - 1)) {
                tic = r->t[lo - 1] + (sp[f][lo - 1] - thr[f]) / (sp[f][lo - 1] - sp[f][lo]) *
                                         (r->t[lo] - r->t[lo - 1]);
                th = ic_at(r, g->low[f], lo, hi, kappa, k);
                if (isfinite(th) && fabs(th - tic) <= 2 * dt)
                    tic = th;
            }
            if (hi + 1 < r->n && same_seg(r, hi, hi + 1)) {
                tto = r->t[hi] + (thr[f] - sp[f][hi]) / (sp[f][hi + 1] - sp[f][hi]) *
                                     (r->t[hi + 1] - r->t[hi]);
                th = to_at(r, g->low[f], hi, lo, kappa, k);
                if (isfinite(th) && fabs(th - tto) <= 2 * dt)
                    tto = th;
            }
            if (isfinite(tic))
                rc = add_event(r, f, 0, tic, err);
            if (rc == GS_OK && isfinite(tto))
                rc = add_event(r, f, 1, tto, err);
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

/* Builds strides from the sorted events; drops and explains the implausible ones. */
static gs_status build_strides(gs_gait_result *r, gs_error *err)
{
    double *dur = NULL, med;
    int nd = 0;

    r->n_st = 0;
    for (int side = 0; side < 2; side++) {
        int last_ic = -1;
        for (int e = 0; e < r->n_ev; e++) {
            if ((int)r->ev[e].side != side || r->ev[e].type != GS_EVENT_IC)
                continue;
            if (last_ic >= 0) {
                gs_gait_stride *s;
                if (r->n_st == r->cap_st) {
                    int nc = r->cap_st ? 2 * r->cap_st : 32;
                    gs_gait_stride *ns = realloc(r->st, sizeof(*ns) * (size_t)nc);
                    if (!ns)
                        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (strides)", r->name);
                    r->st = ns;
                    r->cap_st = nc;
                }
                s = &r->st[r->n_st++];
                memset(s, 0, sizeof(*s));
                s->side = side ? GS_SIDE_RIGHT : GS_SIDE_LEFT;
                s->t0_s = r->ev[last_ic].t_s;
                s->t1_s = r->ev[e].t_s;
                s->to_s = NAN;
                s->used = 1;
            }
            last_ic = e;
        }
    }
    /* checks that need only the stride itself */
    dur = malloc(sizeof(double) * (size_t)(r->n_st + 1));
    if (!dur)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (strides)", r->name);
    for (int i = 0; i < r->n_st; i++) {
        gs_gait_stride *s = &r->st[i];
        int32_t a = gs_gait__frame_at(r, s->t0_s), b = gs_gait__frame_at(r, s->t1_s);
        int n_to = 0, n_opp = 0, gaps = 0, turn = 0, back = 0;
        for (int32_t j = a; j <= b + 1 && j < r->n; j++) {
            if (!r->valid[j])
                gaps++;
            else if (r->pass[j] != r->pass[a])
                turn = 1;
            else if (r->backward[j])
                back = 1;
        }
        for (int e = 0; e < r->n_ev; e++) {
            const gs_gait_event *ev = &r->ev[e];
            if (ev->t_s <= s->t0_s || ev->t_s >= s->t1_s)
                continue;
            if (ev->side == s->side && ev->type == GS_EVENT_TO) {
                if (n_to == 0)
                    s->to_s = ev->t_s;
                n_to++;
            }
            if (ev->side != s->side && ev->type == GS_EVENT_IC)
                n_opp++;
        }
        if (gaps) {
            snprintf(s->why, sizeof(s->why), "gap in the track (%d frames without a person)", gaps);
        } else if (turn) {
            snprintf(s->why, sizeof(s->why), "spans a turn (two passes)");
        } else if (back) {
            snprintf(s->why, sizeof(s->why), "moving backwards relative to facing");
        } else if (n_to == 0) {
            snprintf(s->why, sizeof(s->why), "no toe-off detected");
        } else if (n_to > 1) {
            snprintf(s->why, sizeof(s->why), "%d toe-offs (a contact was missed)", n_to);
        } else if (n_opp != 1) {
            snprintf(s->why, sizeof(s->why), "%d opposite-foot contacts (expected 1)", n_opp);
        } else if (s->t1_s - s->t0_s < 0.3 || s->t1_s - s->t0_s > 2.5) {
            /* 0.3 s = 400 steps/min, 2.5 s = 48 steps/min: outside any gait */
            snprintf(s->why, sizeof(s->why), "implausible duration %.0f ms",
                     1000 * (s->t1_s - s->t0_s));
        }
        if (s->why[0])
            s->used = 0;
        else
            dur[nd++] = s->t1_s - s->t0_s;
    }
    /* strides far from the typical duration (a missed event merges two strides) */
    med = median(dur, nd);
    for (int i = 0; i < r->n_st && nd > 0; i++) {
        gs_gait_stride *s = &r->st[i];
        double d = s->t1_s - s->t0_s;
        if (s->used && (d < 0.75 * med || d > 1.33 * med)) {
            s->used = 0;
            snprintf(s->why, sizeof(s->why), "implausible duration %.0f ms (median %.0f ms)",
                     1000 * d, 1000 * med);
        }
    }
    free(dur);
    return GS_OK;
}

/*
 * Running or walking from the pelvis: walking vaults over a stiff stance leg, so the pelvis is
 * highest at mid-stance (inverted pendulum); running bounces on a compliant leg, so it is lowest
 * at mid-stance (spring-mass model; Cavagna, Heglund & Taylor 1977, Am J Physiol 233:R243). The
 * sign of (mid-hip height at mid-stance - its stride mean) over the used strides decides. Unlike
 * the duty factor it does not depend on exact event times (Zeni's running events inflate
 * contact times). Returns the activity, or UNKNOWN when the strides disagree.
 */
static gs_gait_activity activity_from_pelvis(gs_gait_result *r)
{
    int votes = 0, n = 0;
    for (int i = 0; i < r->n_st; i++) {
        const gs_gait_stride *s = &r->st[i];
        double sum = 0, mid;
        int cnt = 0;
        if (!s->used || !isfinite(s->to_s))
            continue;
        for (int32_t j = gs_gait__frame_at(r, s->t0_s); j < r->n && r->t[j] <= s->t1_s; j++) {
            if (!r->valid[j] || r->t[j] < s->t0_s)
                continue;
            sum += 0.5 * (gs_gait__p(r, j, GS_KP_LEFT_HIP)[1] + gs_gait__p(r, j, GS_KP_RIGHT_HIP)[1]);
            cnt++;
        }
        if (cnt < 4)
            continue;
        double tm = s->t0_s + 0.5 * (s->to_s - s->t0_s);
        mid = 0.5 * (gs_gait__p_at(r, GS_KP_LEFT_HIP, 1, tm) + gs_gait__p_at(r, GS_KP_RIGHT_HIP, 1, tm));
        votes += mid > sum / cnt ? 1 : -1;
        n++;
    }
    if (n == 0 || abs(votes) * 3 < n) /* less than 2:1 agreement */
        return GS_ACTIVITY_UNKNOWN;
    return votes > 0 ? GS_ACTIVITY_WALK : GS_ACTIVITY_RUN;
}

/* Median duty factor (contact / stride) over the used strides; NAN if none. */
static double duty_factor(gs_gait_result *r)
{
    double *v = malloc(sizeof(double) * (size_t)(r->n_st + 1)), m;
    int n = 0;
    if (!v)
        return NAN;
    for (int i = 0; i < r->n_st; i++)
        if (r->st[i].used && isfinite(r->st[i].to_s))
            v[n++] = (r->st[i].to_s - r->st[i].t0_s) / (r->st[i].t1_s - r->st[i].t0_s);
    m = median(v, n);
    free(v);
    return m;
}

/* Lowest of heel and toe of side on frame i (canonical Y). */
static double raw_low(const gs_gait_result *r, int32_t i, int side)
{
    return fmin(gs_gait__p(r, i, GS_KP_LEFT_HEEL + side)[1],
                gs_gait__p(r, i, GS_KP_LEFT_FOOT_INDEX + side)[1]);
}

/* Ground level of each foot: first the 10th percentile of the lowest point over all frames
 * (feet are on the ground 30-65 % of the time), then the median over the middle of the stances
 * found with it. Also the noise estimate (robust SD of the stance heights). */
static void ground_levels(gs_gait_result *r, sig *g, int use_strides)
{
    double *v = g->sm;
    for (int side = 0; side < 2; side++) {
        int n = 0;
        if (!use_strides) {
            for (int32_t i = 0; i < r->n; i++)
                if (r->valid[i])
                    v[n++] = raw_low(r, i, side);
            if (n == 0) {
                g->ground[side] = 0;
                continue;
            }
            qsort(v, (size_t)n, sizeof(*v), cmp_double);
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
                    v[n++] = raw_low(r, i, side);
        }
        if (n >= 5) {
            double m = median(v, n);
            for (int j = 0; j < n; j++)
                v[j] = fabs(v[j] - m);
            r->noise_px = fmax(r->noise_px, 1.4826 * median(v, n));
            g->ground[side] = m;
        }
    }
}

/*
 * Plausibility score of the current events: usable strides, minus a disqualifying penalty when
 * the per-foot median duty factors are outside 0.1-0.85 or differ by more than 0.15 (no real gait
 * does that; a broken contact rule does).
 */
static double event_score(gs_gait_result *r, gs_error *err, gs_status *rc)
{
    double df[2] = {NAN, NAN}, *v = malloc(sizeof(double) * (size_t)(r->n_st + 1));
    int used = 0;
    *rc = build_strides(r, err);
    if (*rc != GS_OK || !v) {
        free(v);
        if (*rc == GS_OK)
            *rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (events)", r->name);
        return 0;
    }
    for (int side = 0; side < 2; side++) {
        int n = 0;
        for (int i = 0; i < r->n_st; i++)
            if ((int)r->st[i].side == side && r->st[i].used && isfinite(r->st[i].to_s))
                v[n++] = (r->st[i].to_s - r->st[i].t0_s) / (r->st[i].t1_s - r->st[i].t0_s);
        used += n;
        df[side] = median(v, n);
    }
    free(v);
    if (!(df[0] >= 0.1 && df[0] <= 0.85 && df[1] >= 0.1 && df[1] <= 0.85) ||
        fabs(df[0] - df[1]) > 0.15)
        return used - 1000.0;
    return used;
}

/*
 * Rear/front views: the foot-height events (exact on clean tracks, fooled by perspective when the
 * camera is close) against the pelvis-anchored events of frontal_events(); the more plausible set
 * wins (ties keep the height events). The activity comes with the chosen set.
 */
static gs_status frontal_choose(gs_gait_result *r, sig *g, double kappa, int k, double dt,
                                gs_error *err)
{
    gs_status rc = GS_OK;
    gs_gait_event *h0 = malloc(sizeof(*h0) * (size_t)(r->n_ev + 1));
    int n0 = r->n_ev;
    gs_gait_activity act0 = r->activity;
    double s0, s1;
    if (!h0)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (events)", r->name);
    sort_events(r);
    if (n0 > 0)
        memcpy(h0, r->ev, sizeof(*h0) * (size_t)n0);
    s0 = event_score(r, err, &rc);
    if (rc != GS_OK)
        goto out;
    if (!r->activity_forced) {
        double df = duty_factor(r);
        act0 = activity_from_pelvis(r);
        if (act0 == GS_ACTIVITY_UNKNOWN && isfinite(df))
            act0 = df > 0.5 ? GS_ACTIVITY_WALK : GS_ACTIVITY_RUN;
    }
    r->n_ev = 0;
    rc = frontal_events(r, g, kappa, k, dt, err);
    /* frontal_events() needs a pelvis extreme on both sides of a mid-stance, so a stance cut by
     * the clip or a gap has no anchor: keep the height events within half a second of a segment
     * edge when no anchored event of that foot and type is near */
    for (int e = 0; e < n0 && rc == GS_OK; e++) {
        int32_t i = gs_gait__frame_at(r, h0[e].t_s), a = i, b = i;
        int near = 0;
        while (a > 0 && same_seg(r, i, a - 1))
            a--;
        while (b + 1 < r->n && same_seg(r, i, b + 1))
            b++;
        if (h0[e].t_s - r->t[a] > 0.5 && r->t[b] - h0[e].t_s > 0.5)
            continue;
        for (int j = 0; j < r->n_ev && !near; j++)
            near = r->ev[j].side == h0[e].side && r->ev[j].type == h0[e].type &&
                   fabs(r->ev[j].t_s - h0[e].t_s) < 0.15;
        if (!near)
            rc = add_event(r, h0[e].side, h0[e].type, h0[e].t_s, err);
    }
    if (rc != GS_OK)
        goto out;
    sort_events(r);
    s1 = event_score(r, err, &rc);
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

gs_status gs_gait__events(gs_gait_result *r, gs_error *err)
{
    sig g;
    gs_status rc = GS_OK;
    int side_view = gs_gait__is_side(r->view.kind);
    double dt_med = 1.0 / 60, fps;
    int k;

    memset(&g, 0, sizeof(g));
    r->n_ev = 0;
    r->n_st = 0;
    r->noise_px = 0;
    for (int s = 0; s < 2; s++) {
        g.heel_rel[s] = malloc(sizeof(double) * (size_t)(r->n + 1));
        g.toe_rel[s] = malloc(sizeof(double) * (size_t)(r->n + 1));
        g.low[s] = malloc(sizeof(double) * (size_t)(r->n + 1));
        g.lsm[s] = malloc(sizeof(double) * (size_t)(r->n + 1));
        if (!g.heel_rel[s] || !g.toe_rel[s] || !g.low[s] || !g.lsm[s]) {
            rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (events)", r->name);
            goto done;
        }
    }
    g.sm = malloc(sizeof(double) * (size_t)(r->n + 1));
    if (!g.sm) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (events)", r->name);
        goto done;
    }
    /* typical frame interval (VFR-safe) and the number of samples per line fit: ~30 ms */
    {
        int n = 0;
        for (int32_t i = 1; i < r->n; i++)
            if (r->t[i] > r->t[i - 1])
                g.sm[n++] = r->t[i] - r->t[i - 1];
        if (n > 0)
            dt_med = median(g.sm, n);
        fps = 1.0 / dt_med;
        /* clamped as a double: a 1e-300 s interval would overflow the conversion */
        k = (int)lround(fmin(8.0, fmax(2.0, 0.03 * fps)));
    }
    for (int32_t i = 0; i < r->n; i++) {
        for (int s = 0; s < 2; s++) {
            g.heel_rel[s][i] = g.toe_rel[s][i] = g.low[s][i] = NAN;
            if (!r->valid[i])
                continue;
            const double *lh = gs_gait__p(r, i, GS_KP_LEFT_HIP);
            const double *rh = gs_gait__p(r, i, GS_KP_RIGHT_HIP);
            const double *he = gs_gait__p(r, i, GS_KP_LEFT_HEEL + s);
            const double *to = gs_gait__p(r, i, GS_KP_LEFT_FOOT_INDEX + s);
            double mhx = 0.5 * (lh[0] + rh[0]);
            g.heel_rel[s][i] = he[0] - mhx;
            g.toe_rel[s][i] = to[0] - mhx;
            g.low[s][i] = fmin(he[1], to[1]);
        }
    }

    if (side_view) {
        for (int s = 0; s < 2 && rc == GS_OK; s++) {
            /* smoothing half-window: 40 ms, at least 2 frames */
            double ts = step_period(r, g.sm);
            double ew = fmin(0.8, fmax(0.2, 0.7 * ts)), aw = fmin(1.2, fmax(0.3, ts));
            rc = zeni(r, g.heel_rel[s], g.sm, s, 0, +1, k, fmax(0.04, 2.0 * dt_med), ew, aw, err);
            if (rc == GS_OK)
                rc = zeni(r, g.toe_rel[s], g.sm, s, 1, -1, k, fmax(0.04, 2.0 * dt_med), ew, aw,
                          err);
        }
        if (rc != GS_OK)
            goto done;
        sort_events(r);
        rc = build_strides(r, err);
        if (rc != GS_OK)
            goto done;
        if (!r->activity_forced) {
            /* pelvis phase first; else walking has double support: duty factor above 0.5 */
            double df = duty_factor(r);
            r->activity = activity_from_pelvis(r);
            if (r->activity == GS_ACTIVITY_UNKNOWN && isfinite(df))
                r->activity = df > 0.5 ? GS_ACTIVITY_WALK : GS_ACTIVITY_RUN;
        }
        if (!(r->refine && r->activity == GS_ACTIVITY_RUN))
            goto done;
        /* Running: replace with foot-height events; ground levels from the Zeni stances. */
        ground_levels(r, &g, 1);
    } else {
        ground_levels(r, &g, 0);
    }
    /* Height events (running side views, every rear/front view), two rounds: the second with
     * ground levels (and noise) from the stances the first one found. */
    for (int round = 0; round < 2; round++) {
        double kappa;
        for (int s = 0; s < 2; s++) {
            for (int32_t i = 0; i < r->n; i++)
                if (r->valid[i])
                    g.low[s][i] = raw_low(r, i, s) - g.ground[s];
            smooth(r, g.low[s], g.lsm[s], fmax(0.04, 2.0 * dt_med));
        }
        /* contact threshold: 3 noise SDs, at least 2 % of a leg length (~2 cm) */
        kappa = fmax(3.0 * r->noise_px, 0.02 * r->ll_px);
        r->kappa_px = kappa;
        if (side_view) {
            /* anchored on the Zeni events found above; one round is enough. With landmark noise
             * above 1 % of a leg length the change-point lines are fitted to the smoothed
             * height (raw samples would make the line slope, and so the time, jump). */
            if (r->noise_px > 0.01 * r->ll_px)
                rc = refine_running(r, g.lsm, g.lsm, kappa, k, err);
            else
                rc = refine_running(r, g.low, g.lsm, kappa, k, err);
            if (rc != GS_OK)
                goto done;
            sort_events(r);
            rc = build_strides(r, err);
            goto done;
        }
        r->n_ev = 0;
        for (int s = 0; s < 2 && rc == GS_OK; s++)
            rc = height_events(r, g.low[s], g.lsm[s], s, kappa, k, err);
        if (rc == GS_OK && round == 1)
            rc = frontal_choose(r, &g, kappa, k, dt_med, err);
        if (rc != GS_OK)
            goto done;
        sort_events(r);
        rc = build_strides(r, err);
        if (rc != GS_OK)
            goto done;
        if (round == 0) {
            r->noise_px = 0;
            ground_levels(r, &g, 1);
        }
    }
    /* rear/front: frontal_choose() set the activity along with the events it kept */
done:
    for (int s = 0; s < 2; s++) {
        free(g.heel_rel[s]);
        free(g.toe_rel[s]);
        free(g.low[s]);
        free(g.lsm[s]);
    }
    free(g.sm);
    return rc;
}
