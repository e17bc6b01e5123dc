/*
 * Per-stride metrics (DESIGN.md keys, docs/metrics.md definitions) and time-normalised curves.
 * Every value comes from one used stride: IC (t0) -> toe-off (to) -> next IC of the same foot
 * (t1), with the opposite foot's IC (tc) between them.
 */
#include "gait_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R2D (180.0 / GS_PI)

/* Finds or creates metric key; unit and kind come from the one metric table (gait_keys.c).
 * NULL on out of memory. */
gs_gait__metric *gs_gait__metric_find(const gs_gait_result *r, const char *key)
{
    for (int i = 0; i < r->n_m; i++)
        if (!strcmp(r->m[i].key, key))
            return &r->m[i];
    return NULL;
}

static gs_gait__metric *metric(gs_gait_result *r, const char *key)
{
    const gs_metric_info *info = gs_metric_find(key);
    gs_gait__metric *found = gs_gait__metric_find(r, key);
    if (found)
        return found;
    if (r->n_m == r->cap_m) {
        int nc = r->cap_m ? 2 * r->cap_m : 48;
        gs_gait__metric *nm = realloc(r->m, sizeof(*nm) * (size_t)nc);
        if (!nm)
            return NULL;
        r->m = nm;
        r->cap_m = nc;
    }
    gs_gait__metric *m = &r->m[r->n_m++];
    memset(m, 0, sizeof(*m));
    snprintf(m->key, sizeof(m->key), "%s", key);
    /* a key missing from the table is a programming error that test_gait catches (every key
     * written must be in gs_metric_find); it is still written, unitless, never dropped */
    snprintf(m->unit, sizeof(m->unit), "%s", info ? info->unit : "");
    m->positive = info && info->kind == GS_METRIC_KIND_POSITIVE;
    m->whole_body = info && info->whole_body;
    return m;
}

/* Adds one value; returns -1 on out of memory. NaN values are skipped (the metric stays absent
 * if it never gets a finite value). */
static int add(gs_gait_result *r, const char *key, int side, double v, double t)
{
    gs_gait__metric *m;
    if (!isfinite(v))
        return 0;
    m = metric(r, key);
    if (!m)
        return -1;
    if (m->n[side] == m->cap[side]) {
        int nc = m->cap[side] ? 2 * m->cap[side] : 16;
        double *nv = realloc(m->v[side], sizeof(double) * (size_t)nc);
        if (!nv)
            return -1;
        m->v[side] = nv;
        double *nt = realloc(m->t[side], sizeof(double) * (size_t)nc);
        if (!nt)
            return -1;
        m->t[side] = nt;
        m->cap[side] = nc;
    }
    m->v[side][m->n[side]] = v;
    m->t[side][m->n[side]] = t;
    m->n[side]++;
    return 0;
}

/* Max (sign +1), min (-1) or mean (0) of an angle over [a, b], frames inside plus the
 * interpolated end points. */
static double over(const gs_gait_result *r, int side, gs_angle an, double a, double b, int mode)
{
    double best = NAN, sum = 0;
    int n = 0;
    double ends[2] = {gs_gait__angle_at(r, side, an, a), gs_gait__angle_at(r, side, an, b)};
    for (int e = 0; e < 2; e++) {
        double v = ends[e];
        if (!isfinite(v))
            continue;
        if (mode == 0)
            continue;
        if (!isfinite(best) || mode * v > mode * best)
            best = v;
    }
    for (int32_t i = gs_gait__frame_at(r, a); i < r->n && r->t[i] <= b; i++) {
        double v;
        if (r->t[i] < a || !r->valid[i])
            continue;
        v = *gs_gait__ang(r, i, side, an);
        if (!isfinite(v))
            continue;
        sum += v;
        n++;
        if (mode != 0 && (!isfinite(best) || mode * v > mode * best))
            best = v;
    }
    if (mode == 0)
        return n ? sum / n : NAN;
    return best;
}

/* Canonical coordinate c of the midpoint of landmarks k1 and k2 at time t. */
static double mid_at(const gs_gait_result *r, int k1, int k2, int c, double t)
{
    return 0.5 * (gs_gait__p_at(r, k1, c, t) + gs_gait__p_at(r, k2, c, t));
}

/*
 * The pelvis's level without its oscillation, per frame (canonical y, px; NAN where unknown):
 * the mean of the hip midpoint's y over one median stride centred on the frame. A stride holds
 * two whole vertical cycles (one per step) and both legs' stances, so that mean does not move
 * with the oscillation's phase or a step asymmetry; what is left is how the picture moved: a
 * hand-held or tilting camera's vertical drift, or a slope. Vertical oscillation is read about
 * it (a stride's range of y - level), as gait labs read the centre of mass's excursion about its
 * mean path. Frames closer than half a stride to a track end or a gap (more than 3 frames
 * without landmarks, another pass) have no centred window: their level continues the nearest
 * known one's straight line (fitted over the next half stride of known levels); a run shorter
 * than a stride has none, and its strides keep their plain max - min.
 * The integral is of y linear between frames, so a window covers exactly one stride time
 * whatever the frame rate or variable frame times.
 */
static void pelvis_level(const gs_gait_result *r, double W, double *lev, int32_t *idx)
{
    const int LH = GS_KP_LEFT_HIP, RH = GS_KP_RIGHT_HIP;
    double gap = 3.5 / (r->fps > 0 ? r->fps : 30.0);
    for (int32_t i = 0; i < r->n; i++)
        lev[i] = NAN;
    if (!(W > 0))
        return;
    for (int32_t a = 0; a < r->n;) {
        /* one run: valid frames of one pass, consecutive ones at most `gap` apart */
        if (!r->valid[a]) {
            a++;
            continue;
        }
        int32_t b = a, prev = a;
        for (int32_t j = a + 1; j < r->n; j++) {
            if (!r->valid[j])
                continue;
            if (r->pass[j] != r->pass[a] || r->t[j] - r->t[prev] > gap)
                break;
            b = prev = j;
        }
        /* windows [t - W/2, t + W/2] inside [t_a, t_b]: integrate y linear between frames */
        int32_t from = a; /* the last valid frame at or before the window's start */
        for (int32_t i = a; i <= b; i++) {
            double lo = r->t[i] - 0.5 * W, hi = r->t[i] + 0.5 * W, sum = 0;
            if (!r->valid[i] || lo < r->t[a] || hi > r->t[b])
                continue;
            for (int32_t j = from + 1; j <= b && r->t[j] <= lo; j++)
                if (r->valid[j])
                    from = j;
            int32_t p = -1;
            for (int32_t j = from; j <= b; j++) {
                if (!r->valid[j])
                    continue;
                if (p >= 0) {
                    double ta = fmax(r->t[p], lo), tb = fmin(r->t[j], hi);
                    if (tb > ta) {
                        double ya = 0.5 * (gs_gait__p(r, p, LH)[1] + gs_gait__p(r, p, RH)[1]);
                        double yb = 0.5 * (gs_gait__p(r, j, LH)[1] + gs_gait__p(r, j, RH)[1]);
                        double dt = r->t[j] - r->t[p];
                        double fa = (ta - r->t[p]) / dt, fb = (tb - r->t[p]) / dt;
                        sum += (tb - ta) * (ya + 0.5 * (fa + fb) * (yb - ya));
                    }
                }
                p = j;
                if (r->t[j] >= hi)
                    break;
            }
            lev[i] = sum / W;
        }
        /* ends of the run: the nearest known level's straight line (least squares over the
         * known levels within half a stride of it) */
        int32_t k0 = -1, k1 = -1;
        for (int32_t i = a; i <= b; i++)
            if (isfinite(lev[i])) {
                if (k0 < 0)
                    k0 = i;
                k1 = i;
            }
        for (int end = 0; k0 >= 0 && end < 2; end++) {
            int32_t k = end ? k1 : k0;
            double icpt = 0, slope = 0;
            int n = 0;
            for (int32_t i = a; i <= b; i++)
                if (isfinite(lev[i]) && fabs(r->t[i] - r->t[k]) <= 0.5 * W) {
                    icpt += lev[i];
                    idx[n++] = i;
                }
            icpt /= n;
            /* fewer than 3 levels, or none spread in time: flat at their mean (a failed fit
             * leaves icpt and slope as they are) */
            if (n >= 3)
                gs_gait__fit_line(r, idx, n, lev, r->t[k], &icpt, &slope);
            for (int32_t i = end ? k1 + 1 : a; i <= (end ? b : k0 - 1); i++)
                if (r->valid[i])
                    lev[i] = icpt + slope * (r->t[i] - r->t[k]);
        }
        /* a run shorter than a stride has no centred window: no level to take off (0), the
         * stride's plain max - min */
        for (int32_t i = a; k0 < 0 && i <= b; i++)
            if (r->valid[i])
                lev[i] = 0;
        a = b + 1;
    }
}

/* Vertical oscillation over [a, b]: max minus min of the hip midpoint's y about its level
 * (pelvis_level); NAN when a frame inside has no level. */
static double oscillation(const gs_gait_result *r, const double *lev, double a, double b)
{
    const int LH = GS_KP_LEFT_HIP, RH = GS_KP_RIGHT_HIP;
    double lo = INFINITY, hi = -INFINITY;
    for (int32_t i = gs_gait__frame_at(r, a); i < r->n && r->t[i] <= b; i++) {
        if (r->t[i] < a || !r->valid[i])
            continue;
        if (!isfinite(lev[i]))
            return NAN;
        double v = 0.5 * (gs_gait__p(r, i, LH)[1] + gs_gait__p(r, i, RH)[1]) - lev[i];
        lo = fmin(lo, v);
        hi = fmax(hi, v);
    }
    return hi >= lo ? hi - lo : NAN;
}

/* Adds a length metric: key base + "_cm" with a scale, else "_ll" (leg lengths). */
static int add_len(gs_gait_result *r, const char *base, int side, double px, double t)
{
    char key[48];
    if (r->px_per_m > 0) {
        snprintf(key, sizeof(key), "%s_cm", base);
        return add(r, key, side, px / r->px_per_m * 100.0, t);
    }
    snprintf(key, sizeof(key), "%s_ll", base);
    return add(r, key, side, px / r->len_px, t);
}

/* Time of the first event of (side, type) inside (a, b), NAN if none. */
static double event_in(const gs_gait_result *r, int side, int type, double a, double b)
{
    for (int e = 0; e < r->n_ev; e++)
        if ((int)r->ev[e].side == side && (int)r->ev[e].type == type && r->ev[e].t_s > a &&
            r->ev[e].t_s < b)
            return r->ev[e].t_s;
    return NAN;
}

/* The last event of side and type in (a, b), or NAN. */
static double last_event_in(const gs_gait_result *r, int side, int type, double a, double b)
{
    double t = NAN;
    for (int e = 0; e < r->n_ev; e++)
        if ((int)r->ev[e].side == side && (int)r->ev[e].type == type && r->ev[e].t_s > a &&
            r->ev[e].t_s < b)
            t = r->ev[e].t_s;
    return t;
}

/*
 * A camera that follows the person. Overground, step and stride lengths and speed come from
 * positions in the picture, which hold only for a still camera; a phone panning with a runner
 * moves the ground backward through the picture, and a foot in stance, standing on the ground,
 * moves with it (the footprint contacts already allow for this, gait_events_walk.c). So the
 * ground's speed in the picture is sampled on every stance (IC to the same foot's toe-off,
 * in one pass, that foot in the picture throughout): the foot's middle over 20-60 % of the stance
 * (gs_gait__stance_foot_speed), at 40 % of the stance. On the stored labelled tracks, still or
 * hand-held cameras give medians within 0.2 leg lengths/s (walk_side_overground_01 -0.17, the
 * other three walks 0.03-0.09; single stances up to 0.8), the 120 fps backlit pan 3.4 (its
 * stances 2.0-5.3, the pan speeding up): the camera is taken to follow when the median is
 * beyond 0.5 leg lengths/s over at least 3 stances (GS_GAIT_CAM_FOLLOW_LL_S). Samples further
 * than max(1 leg length/s, 0.75 x the median) from the median are left out (a stance whose
 * foot the tracker lost).
 */
#define GS_GAIT_CAM_FOLLOW_LL_S 0.5
int gs_gait__camera_motion(gs_gait_result *r, int note)
{
    free(r->cam_t);
    free(r->cam_v);
    r->cam_t = r->cam_v = NULL;
    r->n_cam = 0;
    r->cam_follows = 0;
    r->cam_med_ll_s = NAN;
    if (!gs_gait__is_side(r->view.kind) || r->setting != GS_GAIT_SETTING_OVERGROUND ||
        !(r->ll_px > 0) || r->n_ev < 2)
        return 0;
    r->cam_t = malloc(sizeof(double) * (size_t)r->n_ev);
    r->cam_v = malloc(sizeof(double) * (size_t)r->n_ev);
    if (!r->cam_t || !r->cam_v)
        return -1;
    /* events are in time order; a stance is an IC whose foot's next event is its TO */
    for (int e = 0; e < r->n_ev; e++) {
        const gs_gait_event *ic = &r->ev[e];
        if (ic->type != GS_GAIT_EVENT_IC)
            continue;
        int f = e + 1;
        while (f < r->n_ev && r->ev[f].side != ic->side)
            f++;
        if (f >= r->n_ev || r->ev[f].type != GS_GAIT_EVENT_TO)
            continue;
        double ta = ic->t_s, tb = r->ev[f].t_s;
        int32_t ia = gs_gait__frame_at(r, ta), ib = gs_gait__frame_at(r, tb) + 1, cut = 0;
        for (int32_t i = ia; r->foot_out && i <= ib && i < r->n; i++)
            cut |= (r->foot_out[i] >> (int)ic->side) & 1;
        double v = gs_gait__stance_foot_speed(r, (int)ic->side, ta, tb);
        if (cut || !isfinite(v) || r->pass[ia] != r->pass[gs_gait__frame_at(r, tb)])
            continue;
        r->cam_t[r->n_cam] = ta + 0.4 * (tb - ta);
        r->cam_v[r->n_cam++] = v;
    }
    if (r->n_cam < 3)
        return 0;
    double med = gs_median(r->cam_v, r->n_cam);
    double keep = fmax(1.0 * r->ll_px, 0.75 * fabs(med));
    int k = 0;
    for (int i = 0; i < r->n_cam; i++)
        if (fabs(r->cam_v[i] - med) <= keep) {
            r->cam_t[k] = r->cam_t[i];
            r->cam_v[k++] = r->cam_v[i];
        }
    r->n_cam = k;
    /* in time order: a long stance's sample can come after a later short one's (walking, one
     * leg's stance longer than the other's) */
    for (int i = 1; i < r->n_cam; i++)
        for (int j = i; j > 0 && r->cam_t[j] < r->cam_t[j - 1]; j--) {
            double tt = r->cam_t[j], vv = r->cam_v[j];
            r->cam_t[j] = r->cam_t[j - 1];
            r->cam_v[j] = r->cam_v[j - 1];
            r->cam_t[j - 1] = tt;
            r->cam_v[j - 1] = vv;
        }
    r->cam_med_ll_s = med / r->ll_px;
    r->cam_follows = k >= 3 && fabs(r->cam_med_ll_s) > GS_GAIT_CAM_FOLLOW_LL_S;
    if (r->cam_follows && note)
        gs_gait__note(r,
                      "the camera follows the person (the ground moves %s %.1f leg lengths/s in "
                      "the picture): step and stride lengths and speed add its travel, from the "
                      "feet in stance; less sure than a still camera's",
                      med > 0 ? "back" : "forward", fabs(r->cam_med_ll_s));
    return 0;
}

/* Sampled ground speed at t: linear between samples (in time order), constant beyond. */
static double cam_speed_at(const gs_gait_result *r, double t)
{
    if (t <= r->cam_t[0])
        return r->cam_v[0];
    for (int i = 1; i < r->n_cam; i++)
        if (t <= r->cam_t[i]) {
            double dt = r->cam_t[i] - r->cam_t[i - 1];
            if (!(dt > 0))
                return r->cam_v[i];
            double f = (t - r->cam_t[i - 1]) / dt;
            return r->cam_v[i - 1] + f * (r->cam_v[i] - r->cam_v[i - 1]);
        }
    return r->cam_v[r->n_cam - 1];
}

/* How far the ground moved backward through the picture from a to b (canonical px): 0 for a
 * still camera; the integral of the sampled speed (trapezoids on a 5 ms grid) when it follows. */
static double cam_travel(const gs_gait_result *r, double a, double b)
{
    if (!r->cam_follows || !(b > a))
        return 0;
    int n = (int)ceil((b - a) / 0.005);
    double h = (b - a) / n, sum = 0;
    for (int i = 0; i <= n; i++)
        sum += (i == 0 || i == n ? 0.5 : 1.0) * cam_speed_at(r, a + i * h);
    return sum * h;
}

static int stride_metrics(gs_gait_result *r, const gs_gait_stride *s, const double *lev)
{
    int si = (int)s->side, o = 1 - si, e = 0;
    double t0 = s->t0_s, t1 = s->t1_s, to = s->to_s, T = t1 - t0;
    double tc = event_in(r, o, GS_GAIT_EVENT_IC, t0, t1);
    double sg = si == 0 ? -1 : 1;
    int side_view = gs_gait__is_side(r->view.kind);
    int frontal = r->view.kind == GS_GAIT_VIEW_REAR || r->view.kind == GS_GAIT_VIEW_FRONT;
    int he = GS_KP_LEFT_HEEL + si, an = GS_KP_LEFT_ANKLE + si;
    int oan = GS_KP_LEFT_ANKLE + o, ohe = GS_KP_LEFT_HEEL + o;
    const int LH = GS_KP_LEFT_HIP, RH = GS_KP_RIGHT_HIP;

    /* temporal (every view) */
    /* cadence per stride: two steps per stride time (robust: needs no opposite-foot event) */
    e |= add(r, "cadence_spm", si, 120.0 / T, t0);
    e |= add(r, "step_time_ms", si, 1000 * (t1 - tc), t0);
    e |= add(r, "stride_time_ms", si, 1000 * T, t0);
    e |= add(r, "ground_contact_ms", si, 1000 * (to - t0), t0);
    e |= add(r, "duty_factor", si, (to - t0) / T, t0);
    if (r->activity == GS_GAIT_ACTIVITY_RUN) {
        /* flight: this foot's toe-off to the other foot's next contact */
        double fl = tc - to;
        e |= add(r, "flight_ms", si, 1000 * fl, t0);
    } else {
        double oto = event_in(r, o, GS_GAIT_EVENT_TO, t0, to);
        e |= add(r, "stance_pct", si, 100 * (to - t0) / T, t0);
        e |= add(r, "swing_pct", si, 100 * (t1 - to) / T, t0);
        if (isfinite(oto) && tc < to)
            e |= add(r, "double_support_pct", si, 100 * ((oto - t0) + (to - tc)) / T, t0);
    }
    if (r->belt_m_s > 0 && r->setting != GS_GAIT_SETTING_OVERGROUND) {
        e |= add(r, "step_length_cm", si, r->belt_m_s * (t1 - tc) * 100, t0);
        e |= add(r, "stride_length_cm", si, r->belt_m_s * T * 100, t0);
        e |= add(r, "speed_m_s", si, r->belt_m_s, t0);
    }

    if (side_view) {
        double hx = gs_gait__p_at(r, he, 0, t0), hy = gs_gait__p_at(r, he, 1, t0);
        double mx = mid_at(r, LH, RH, 0, t0), my = mid_at(r, LH, RH, 1, t0);
        e |= add(r, "knee_flexion_ic_deg", si,
                 gs_gait__angle_at(r, si, GS_ANGLE_KNEE_FLEXION, t0), t0);
        e |= add(r, "knee_flexion_peak_stance_deg", si,
                 over(r, si, GS_ANGLE_KNEE_FLEXION, t0, to, 1), t0);
        e |= add(r, "knee_flexion_peak_swing_deg", si,
                 over(r, si, GS_ANGLE_KNEE_FLEXION, to, t1, 1), t0);
        e |= add(r, "hip_extension_peak_deg", si,
                 -over(r, si, GS_ANGLE_HIP_FLEXION, t0, to, -1), t0);
        e |= add(r, "hip_flexion_peak_deg", si,
                 over(r, si, GS_ANGLE_HIP_FLEXION, t0, t1, 1), t0);
        e |= add(r, "ankle_dorsiflexion_peak_deg", si,
                 over(r, si, GS_ANGLE_ANKLE_DORSIFLEXION, t0, to, 1), t0);
        e |= add(r, "foot_strike_angle_deg", si,
                 gs_gait__angle_at(r, si, GS_ANGLE_FOOT, t0), t0);
        e |= add(r, "shank_angle_ic_deg", si,
                 gs_gait__angle_at(r, si, GS_ANGLE_SHANK, t0), t0);
        e |= add(r, "overstride_deg", si, atan2(hx - mx, my - hy) * R2D, t0);
        e |= add_len(r, "overstride", si, hx - mx, t0);
        e |= add(r, "trunk_lean_deg", si, over(r, si, GS_ANGLE_TRUNK_LEAN, t0, t1, 0),
                 t0);
        e |= add(r, "trunk_lean_stance_deg", si,
                 over(r, si, GS_ANGLE_TRUNK_LEAN, t0, to, 0), t0);
        e |= add(r, "elbow_flexion_mean_deg", si,
                 over(r, si, GS_ANGLE_ELBOW_FLEXION, t0, t1, 0), t0);
        e |= add(r, "shoulder_flexion_range_deg", si,
                 over(r, si, GS_ANGLE_SHOULDER_FLEXION, t0, t1, 1) -
                     over(r, si, GS_ANGLE_SHOULDER_FLEXION, t0, t1, -1),
                 t0);
        e |= add_len(r, "vertical_oscillation", si, oscillation(r, lev, t0, t1), t0);
        if (r->setting == GS_GAIT_SETTING_OVERGROUND) {
            /* heel positions on the ground give the step and stride (the ground moves through
             * the picture by cam_travel when the camera follows) */
            double travel = cam_travel(r, t0, t1);
            e |= add_len(r, "step_length", si,
                         gs_gait__p_at(r, he, 0, t1) - gs_gait__p_at(r, ohe, 0, tc) +
                             cam_travel(r, tc, t1),
                         t0);
            e |= add_len(r, "stride_length", si,
                         gs_gait__p_at(r, he, 0, t1) - gs_gait__p_at(r, he, 0, t0) + travel, t0);
            if (r->px_per_m > 0)
                e |= add(r, "speed_m_s", si,
                         (mid_at(r, LH, RH, 0, t1) - mid_at(r, LH, RH, 0, t0) + travel) / T /
                             r->px_per_m,
                         t0);
        }
    }
    if (frontal) {
        double ms = t0 + 0.5 * (to - t0), oms = tc + 0.5 * (to - t0);
        double lat_ms = sg * (gs_gait__p_at(r, an, 0, ms) - mid_at(r, LH, RH, 0, ms));
        /*
         * Pelvic drop and hip hike hang on windows bounded by toe-offs where they can: from the
         * other foot's toe-off to this one's (this foot's single support, plus the flight before
         * its contact in a run, when this side was the swing side of the other stance and cannot
         * give the maximum), and from this toe-off to the other foot's next one (this side's
         * swing up to the last flight). Rear/front contacts come 3 frames late on real video
         * while toe-offs are within a frame (docs/events-history.md), and on the rear treadmill clip
         * the late contacts halved the stance window: pelvic drop read L -7.2 / R 2.3 deg with
         * gaitscope's stances, -0.4 / 7.5 with the raters' (mean of a and b), -1.2 / 4.9 with
         * these windows. Without the other foot's toe-off the contact-bounded windows stay.
         */
        double oto0 = last_event_in(r, o, GS_GAIT_EVENT_TO, to - T, to);
        double oto1 = event_in(r, o, GS_GAIT_EVENT_TO, to, to + T);
        double d0 = isfinite(oto0) ? oto0 : t0, h1 = isfinite(oto1) ? oto1 : t1;
        /* from the session's level of the hip line in a run (pelvis_reference) */
        double lvl = r->activity == GS_GAIT_ACTIVITY_RUN && isfinite(r->pelvis_ref_deg)
                         ? -sg * r->pelvis_ref_deg
                         : 0;
        e |= add(r, "pelvic_drop_deg", si,
                 over(r, si, GS_ANGLE_PELVIC_OBLIQUITY, d0, to, 1) - lvl, t0);
        e |= add(r, "hip_hike_deg", si,
                 over(r, si, GS_ANGLE_PELVIC_OBLIQUITY, to, h1, 1) - lvl, t0);
        e |= add(r, "hip_adduction_peak_deg", si,
                 over(r, si, GS_ANGLE_HIP_ADDUCTION, t0, to, 1), t0);
        e |= add(r, "knee_fppa_deg", si, over(r, si, GS_ANGLE_KNEE_FPPA, t0, to, 1), t0);
        e |= add(r, "trunk_lateral_lean_deg", si,
                 over(r, si, GS_ANGLE_TRUNK_LATERAL, t0, to, 0), t0);
        e |= add_len(r, "step_width", si,
                     fabs(gs_gait__p_at(r, an, 0, ms) - gs_gait__p_at(r, oan, 0, oms)), t0);
        e |= add_len(r, "foot_placement", si, lat_ms, t0);
        /* the pelvis's bounce shows from behind and in front as well as from the side, but only
         * on a treadmill: an overground runner's distance, hence the picture's scale, changes
         * within a stride (a runner at 3.5 m/s 10 m away: 25 % per stride) */
        if (r->setting == GS_GAIT_SETTING_TREADMILL)
            e |= add_len(r, "vertical_oscillation", si, oscillation(r, lev, t0, t1), t0);
        {
            /* circumduction: outward excursion of the swing ankle beyond the straight line
             * between its positions at toe-off and at the next contact */
            double l0 = sg * (gs_gait__p_at(r, an, 0, to) - mid_at(r, LH, RH, 0, to));
            double l1 = sg * (gs_gait__p_at(r, an, 0, t1) - mid_at(r, LH, RH, 0, t1));
            double best = 0;
            for (int32_t i = gs_gait__frame_at(r, to); i < r->n && r->t[i] <= t1; i++) {
                if (r->t[i] < to || !r->valid[i])
                    continue;
                double f = (r->t[i] - to) / (t1 - to);
                double l = sg * (gs_gait__p(r, i, an)[0] -
                                 0.5 * (gs_gait__p(r, i, LH)[0] + gs_gait__p(r, i, RH)[0]));
                best = fmax(best, l - (l0 + f * (l1 - l0)));
            }
            e |= add_len(r, "circumduction", si, best, t0);
        }
    }
    if (r->W) {
        e |= add(r, "knee_flexion_ic_3d_deg", si,
                 gs_gait__angle_at(r, si, GS_ANGLE_KNEE_FLEXION_3D, t0), t0);
        e |= add(r, "knee_flexion_peak_stance_3d_deg", si,
                 over(r, si, GS_ANGLE_KNEE_FLEXION_3D, t0, to, 1), t0);
    }
    return e;
}

/*
 * A run has a flight phase on every step: both feet are off the ground between one foot's toe-off
 * and the other's contact (Novacheck 1998, Gait Posture 7:77). A median flight on a side of a run
 * below minus one frame therefore means that side's contacts come too early or its toe-offs too
 * late: most often the tracker put that foot somewhere else for a few frames (a leg swap or a foot lost against a
 * dark background). The numbers are kept, and a note tells the reader not to trust that side's
 * timing until the overlay has been checked.
 */
static void flight_check(gs_gait_result *r)
{
    static const char *const side_name[2] = {"left", "right"};
    const gs_gait__metric *m = gs_gait__metric_find(r, "flight_ms");
    if (r->activity != GS_GAIT_ACTIVITY_RUN || !m)
        return;
    for (int si = 0; si < 2; si++) {
        int n = m->n[si], neg = 0;
        double *v = n > 0 ? malloc(sizeof(double) * (size_t)n) : NULL;
        if (!v)
            continue;
        for (int k = 0; k < n; k++) {
            v[k] = m->v[si][k];
            neg += v[k] < 0;
        }
        double med = gs_median(v, n);
        free(v);
        /* below zero by more than a frame: events carry about a frame of error each (docs/
         * metrics.md 3a), and a slow run's true flight is near zero (0-1 frame at 30 fps) */
        double frame_ms = r->n > 1 ? 1000.0 * (r->t[r->n - 1] - r->t[0]) / (r->n - 1) : 0;
        if (isfinite(med) && med < -frame_ms)
            gs_gait__note(r,
                          "%s flight time is negative in a run (median %.0f ms, %d of %d "
                          "steps): its events are misplaced, likely by the tracker; check "
                          "that foot on the overlay",
                          side_name[si], med, neg, n);
    }
}

/*
 * The level of the hip line in a rear/front view: the median of the pelvic obliquity (left hip
 * above right, against the ground line) over the frames of the used left strides, whole strides
 * from contact to contact. In a run, pelvic drop and hip hike are measured from it, as a gait
 * laboratory measures from a static standing trial (the markers' neutral: Osis et al. 2016, PLoS
 * One 11:e0147111) and 2D clinical methods from a camera set level and square behind the runner
 * (Dingenen et al. 2018, Phys Ther Sport 33:40). A phone clip has neither: a rear view has no
 * ground line to level on (the feet stand less than a third of a leg length apart, gait.c
 * fit_ground), and a camera rolled, or off to one side and above (perspective), tilts the hip line
 * by a constant that reads as a drop on one side and a hike on the other (run_rear_treadmill_01:
 * right hip 2.5 deg high on the median, right hip hike 13.3 deg). The median, not the mean: the
 * mean moves with a real asymmetry of the drop (made runner, drop 7 / 2 deg, level camera: mean
 * 1.1, median 0.0; the camera rolled 3 deg: mean 4.1, median 3.0), because each step of a run has
 * a flight in which neither leg bears weight (Novacheck 1998, Gait Posture 7:77) and each stance's
 * drop covers less than half the stride; for a pelvis that oscillates about a tilted level (a
 * sinusoid-like obliquity) both give that level. Like a standing trial it also removes a pelvis
 * the runner holds tilted (a leg-length difference): drop and hike are movements from the
 * runner's own level. Not in a walk: with double support the two stances' drops overlap and the
 * median moves with their difference (made walker, drop 7 / 2 deg, camera 30 deg above: median
 * 1.4 deg, drop 6.0 / 1.7 -> 4.7 / 3.1), so a walk keeps the ground line's level and gets the
 * note below. NAN without used left strides.
 */
static void pelvis_reference(gs_gait_result *r)
{
    r->pelvis_ref_deg = NAN;
    if (r->view.kind != GS_GAIT_VIEW_REAR && r->view.kind != GS_GAIT_VIEW_FRONT)
        return;
    double *v = malloc(sizeof(double) * (size_t)(r->n > 0 ? r->n : 1));
    int n = 0;
    if (!v)
        return; /* out of memory: measured from the ground line as before */
    for (int i = 0; i < r->n_st; i++) {
        const gs_gait_stride *s = &r->st[i];
        if (!s->used || s->side != GS_GAIT_SIDE_LEFT)
            continue;
        for (int32_t f = gs_gait__frame_at(r, s->t0_s); f < r->n && r->t[f] < s->t1_s; f++) {
            double a = *gs_gait__ang(r, f, 0, GS_ANGLE_PELVIC_OBLIQUITY);
            if (r->valid[f] && r->t[f] >= s->t0_s && isfinite(a) && n < r->n)
                v[n++] = a;
        }
    }
    if (n > 0)
        r->pelvis_ref_deg = gs_median(v, n);
    free(v);
    /* beyond the smallest detectable difference of 2D pelvic drop (2.7-2.8 deg, Dingenen 2018) */
    if (fabs(r->pelvis_ref_deg) > 2.8)
        gs_gait__note(r,
                      "hip line %.1f deg %s hip high over whole strides (camera not level or not "
                      "square to the person, or a pelvis held tilted): %s",
                      fabs(r->pelvis_ref_deg), r->pelvis_ref_deg > 0 ? "left" : "right",
                      r->activity == GS_GAIT_ACTIVITY_RUN
                          ? "pelvic drop and hip hike are measured from it"
                          : "not removed in a walk; the sides' drop and hike may differ by twice "
                            "that");
}

gs_status gs_gait__metrics(gs_gait_result *r, gs_error *err)
{
    pelvis_reference(r);
    if (gs_gait__camera_motion(r, 1) != 0)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (camera motion)", r->name);
    /* the pelvis's level for vertical oscillation: a window of the median used stride */
    double *lev = malloc(sizeof(double) * (size_t)(r->n > 0 ? r->n : 1));
    double *T = malloc(sizeof(double) * (size_t)(r->n_st > 0 ? r->n_st : 1));
    int32_t *idx = malloc(sizeof(int32_t) * (size_t)(r->n > 0 ? r->n : 1));
    if (!lev || !T || !idx) {
        free(lev);
        free(T);
        free(idx);
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (metrics)", r->name);
    }
    int nT = 0;
    for (int i = 0; i < r->n_st; i++)
        if (r->st[i].used && isfinite(r->st[i].to_s))
            T[nT++] = r->st[i].t1_s - r->st[i].t0_s;
    pelvis_level(r, nT > 0 ? gs_median(T, nT) : NAN, lev, idx);
    free(T);
    free(idx);
    /* order of strides: by time, so metric values are chronological per side */
    for (int i = 0; i < r->n_st; i++) {
        const gs_gait_stride *s = &r->st[i];
        if (!s->used || !isfinite(s->to_s))
            continue;
        if (stride_metrics(r, s, lev) != 0) {
            free(lev);
            return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (metrics)", r->name);
        }
    }
    free(lev);

    /* curves: every angle with values, 101 points over each used stride; each stride's own
     * curve is kept (the comparison tests curves stride by stride) */
    for (int i = 0; r->cv && i < GS_ANGLE_COUNT; i++)
        for (int s = 0; s < 2; s++) {
            free(r->cv[i].per[s]);
            free(r->cv[i].t0[s]);
        }
    free(r->cv);
    r->cv = calloc(GS_ANGLE_COUNT, sizeof(*r->cv));
    r->n_cv = 0;
    if (!r->cv)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (curves)", r->name);
    for (int a = 0; a < GS_ANGLE_COUNT; a++) {
        gs_gait__curve *c = &r->cv[r->n_cv];
        memset(c, 0, sizeof(*c));
        c->a = (gs_angle)a;
        for (int s = 0; s < 2; s++) {
            size_t ns = (size_t)(r->n_st > 0 ? r->n_st : 1);
            c->per[s] = malloc(ns * GS_GAIT__CURVE_N * sizeof(double));
            c->t0[s] = malloc(ns * sizeof(double));
            if (!c->per[s] || !c->t0[s])
                return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (curves)", r->name);
        }
        for (int i = 0; i < r->n_st; i++) {
            const gs_gait_stride *s = &r->st[i];
            double v[GS_GAIT__CURVE_N];
            int ok = 1, si = (int)s->side;
            if (!s->used)
                continue;
            for (int p = 0; p < GS_GAIT__CURVE_N && ok; p++) {
                v[p] = gs_gait__angle_at(r, si, (gs_angle)a,
                                         s->t0_s + (s->t1_s - s->t0_s) * p / (GS_GAIT__CURVE_N - 1));
                ok = isfinite(v[p]);
            }
            if (!ok)
                continue;
            for (int p = 0; p < GS_GAIT__CURVE_N; p++) {
                c->mean[si][p] += v[p];
                c->sd[si][p] += v[p] * v[p];
            }
            memcpy(c->per[si] + (size_t)c->n[si] * GS_GAIT__CURVE_N, v, sizeof(v));
            c->t0[si][c->n[si]] = s->t0_s;
            c->n[si]++;
        }
        if (c->n[0] + c->n[1] == 0) {
            for (int s = 0; s < 2; s++) { /* the slot is reused by the next angle */
                free(c->per[s]);
                free(c->t0[s]);
                c->per[s] = c->t0[s] = NULL;
            }
            continue;
        }
        for (int si = 0; si < 2; si++) {
            int n = c->n[si];
            for (int p = 0; p < GS_GAIT__CURVE_N && n > 0; p++) {
                double m = c->mean[si][p] / n, var = c->sd[si][p] / n - m * m;
                c->mean[si][p] = m;
                c->sd[si][p] = n > 1 && var > 0 ? sqrt(var * n / (n - 1)) : 0;
            }
        }
        r->n_cv++;
    }
    flight_check(r);
    return GS_OK;
}
