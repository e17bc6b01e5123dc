/*
 * Event list, strides built from it, and the activity (running/walking) read from the strides.
 */
#include "gait_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends an event; a time that is not finite (a fit on degenerate samples) is not one. */
gs_status gs_gait__add_event(gs_gait_result *r, int side, int type, double t, gs_error *err)
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
    r->ev[r->n_ev].side = side ? GS_GAIT_SIDE_RIGHT : GS_GAIT_SIDE_LEFT;
    r->ev[r->n_ev].type = type ? GS_GAIT_EVENT_TO : GS_GAIT_EVENT_IC;
    r->ev[r->n_ev].t_s = t;
    r->ev[r->n_ev].frame = gs_gait__frame_index(r, t);
    r->ev[r->n_ev].unc_frames = NAN;
    r->ev[r->n_ev].timed_by = GS_GAIT_TIMED_LANDMARKS;
    r->n_ev++;
    return GS_OK;
}

/* Sorts events by time. */
static int cmp_ev(const void *a, const void *b)
{
    const gs_gait_event *x = a, *y = b;
    return x->t_s < y->t_s ? -1 : x->t_s > y->t_s;
}

/* Sorts r's events by time. A person standing still has none, and r->ev is then NULL, which
 * qsort must not be given (C11 7.22.5: the array argument must be valid even for 0 elements). */
void gs_gait__sort_events(gs_gait_result *r)
{
    if (r->n_ev > 1)
        qsort(r->ev, (size_t)r->n_ev, sizeof(*r->ev), cmp_ev);
}

/* Builds strides from the sorted events; drops and explains the implausible ones. */
gs_status gs_gait__build_strides(gs_gait_result *r, gs_error *err)
{
    double *dur = NULL, med;
    int nd = 0;

    r->n_st = 0;
    for (int side = 0; side < 2; side++) {
        int last_ic = -1;
        for (int e = 0; e < r->n_ev; e++) {
            if ((int)r->ev[e].side != side || r->ev[e].type != GS_GAIT_EVENT_IC)
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
                s->side = side ? GS_GAIT_SIDE_RIGHT : GS_GAIT_SIDE_LEFT;
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
        int32_t out = -1;
        uint8_t bit = (uint8_t)(1u << (s->side == GS_GAIT_SIDE_RIGHT));
        for (int32_t j = a; j <= b + 1 && j < r->n; j++) {
            if (out < 0 && r->foot_out && (r->foot_out[j] & bit))
                out = j;
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
            if (ev->side == s->side && ev->type == GS_GAIT_EVENT_TO) {
                if (n_to == 0)
                    s->to_s = ev->t_s;
                n_to++;
            }
            if (ev->side != s->side && ev->type == GS_GAIT_EVENT_IC)
                n_opp++;
        }
        if (gaps) {
            snprintf(s->why, sizeof(s->why), "gap in the track (%d frames without a person)", gaps);
        } else if (out >= 0) {
            snprintf(s->why, sizeof(s->why), "foot out of the picture (from frame %d)", (int)out);
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
    med = gs_median(dur, nd);
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
gs_gait_activity gs_gait__activity_from_pelvis(gs_gait_result *r)
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
            sum +=
                0.5 * (gs_gait__p(r, j, GS_KP_LEFT_HIP)[1] + gs_gait__p(r, j, GS_KP_RIGHT_HIP)[1]);
            cnt++;
        }
        if (cnt < 4)
            continue;
        double tm = s->t0_s + 0.5 * (s->to_s - s->t0_s);
        mid = 0.5 *
              (gs_gait__p_at(r, GS_KP_LEFT_HIP, 1, tm) + gs_gait__p_at(r, GS_KP_RIGHT_HIP, 1, tm));
        votes += mid > sum / cnt ? 1 : -1;
        n++;
    }
    if (n == 0 || abs(votes) * 3 < n) /* less than 2:1 agreement */
        return GS_GAIT_ACTIVITY_UNKNOWN;
    return votes > 0 ? GS_GAIT_ACTIVITY_WALK : GS_GAIT_ACTIVITY_RUN;
}

/* Median duty factor (contact / stride) over the used strides; NAN if none. */
double gs_gait__duty_factor(gs_gait_result *r)
{
    double *v = malloc(sizeof(double) * (size_t)(r->n_st + 1)), m;
    int n = 0;
    if (!v)
        return NAN;
    for (int i = 0; i < r->n_st; i++)
        if (r->st[i].used && isfinite(r->st[i].to_s))
            v[n++] = (r->st[i].to_s - r->st[i].t0_s) / (r->st[i].t1_s - r->st[i].t0_s);
    m = gs_median(v, n);
    free(v);
    return m;
}

/*
 * Plausibility score of the current events: usable strides, minus a disqualifying penalty when
 * the per-foot median duty factors are outside 0.1-0.85 or differ by more than 0.15 (no real gait
 * does that; a broken contact rule does).
 */
double gs_gait__event_score(gs_gait_result *r, gs_error *err, gs_status *rc)
{
    double df[2] = {NAN, NAN}, *v = NULL;
    int used = 0;
    *rc = gs_gait__build_strides(r, err);
    /* sized after the rebuild: the strides it makes can outnumber those before (a front walker
     * growing in the picture wrote past the old count, session 15 audit) */
    if (*rc == GS_OK)
        v = malloc(sizeof(double) * (size_t)(r->n_st + 1));
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
        df[side] = gs_median(v, n);
    }
    free(v);
    if (!(df[0] >= 0.1 && df[0] <= 0.85 && df[1] >= 0.1 && df[1] <= 0.85) ||
        fabs(df[0] - df[1]) > 0.15)
        return used - 1000.0;
    return used;
}

/*
 * Running or walking from the events: running has a flight phase (both feet off the ground between
 * one foot's toe-off and the other's contact) and a duty factor below 0.5, walking double support
 * and a duty factor above 0.5 (Novacheck 1998, Gait Posture 7:77, "The biomechanics of running":
 * the gait is a run when double support gives way to double float). The median flight time over
 * the steps (TO of one foot to the next IC of the other, within one stride and one pass) and the
 * median duty factor must agree, and both must clear a margin of the events' own error: 1.5
 * frames (methods.expected_error_frames; 2D pose events carry +-1-2 frames, Stenum 2021 PLOS
 * Comput Biol, Young 2023 Sensors), i.e. |median flight| > 1.5 frames and |duty factor - 0.5| >
 * 1.5 frames over the median stride. A slow jog has a flight of 0-2 frames at 30 fps (the raters
 * of tests/data/labels saw 0-2 on three running clips) and contacts 1-2 frames earlier turned it
 * into "walking"; walking has double support of about 0.1 stride (Novacheck 1998: 62 % stance),
 * 3+ frames at 30 fps, and running at usual speeds a flight of the same order, so real gaits clear
 * the margin. Inside the margin: UNKNOWN (the caller keeps the pelvis's answer).
 */
gs_gait_activity gs_gait__activity_from_flight(gs_gait_result *r)
{
    double *v = malloc(sizeof(double) * (size_t)(r->n_ev + r->n_st + r->n + 1)), fl, df, dt, st_med;
    int n = 0;
    if (!v)
        return GS_GAIT_ACTIVITY_UNKNOWN;
    for (int e = 0; e < r->n_ev; e++) {
        const gs_gait_event *to = &r->ev[e];
        if (to->type != GS_GAIT_EVENT_TO)
            continue;
        for (int j = e + 1; j < r->n_ev; j++) {
            const gs_gait_event *x = &r->ev[j];
            if (x->t_s - to->t_s > 1.0) /* 1 s: longer than any step (60 steps/min) */
                break;
            if (x->type != GS_GAIT_EVENT_IC)
                continue;
            if (x->side == to->side)
                break; /* the same foot landed first: a missed contact */
            int32_t a = gs_gait__frame_at(r, to->t_s), b = gs_gait__frame_at(r, x->t_s);
            if (r->pass[a] == r->pass[b])
                v[n++] = x->t_s - to->t_s;
            break;
        }
    }
    /* in walking the other foot lands BEFORE this one's toe-off: look back for it */
    for (int e = 0; e < r->n_ev; e++) {
        const gs_gait_event *to = &r->ev[e];
        if (to->type != GS_GAIT_EVENT_TO)
            continue;
        for (int j = e - 1; j >= 0; j--) {
            const gs_gait_event *x = &r->ev[j];
            if (to->t_s - x->t_s > 1.0 || (x->side == to->side && x->type == GS_GAIT_EVENT_IC))
                break;
            if (x->type == GS_GAIT_EVENT_TO)
                break; /* the other foot's toe-off: it is in swing, no overlap */
            if (x->type == GS_GAIT_EVENT_IC && x->side != to->side) {
                int32_t a = gs_gait__frame_at(r, x->t_s), b = gs_gait__frame_at(r, to->t_s);
                if (r->pass[a] == r->pass[b])
                    v[n++] = x->t_s - to->t_s; /* negative: double support */
                break;
            }
        }
    }
    fl = gs_median(v, n);
    n = 0;
    for (int i = 0; i < r->n_st; i++)
        if (r->st[i].used)
            v[n++] = r->st[i].t1_s - r->st[i].t0_s;
    st_med = gs_median(v, n);
    n = 0;
    for (int32_t i = 1; i < r->n; i++)
        if (r->t[i] > r->t[i - 1])
            v[n++] = r->t[i] - r->t[i - 1];
    dt = gs_median(v, n);
    free(v);
    df = gs_gait__duty_factor(r);
    if (!isfinite(fl) || !isfinite(df) || !isfinite(dt) || !(st_med > 0))
        return GS_GAIT_ACTIVITY_UNKNOWN;
    double m = 1.5 * dt, mdf = m / st_med;
    if (fl > m && df < 0.5 - mdf)
        return GS_GAIT_ACTIVITY_RUN;
    if (fl < -m && df > 0.5 + mdf)
        return GS_GAIT_ACTIVITY_WALK;
    return GS_GAIT_ACTIVITY_UNKNOWN;
}

/*
 * The activity after the final events: the flight vote (activity_from_flight) where the pelvis
 * phase (activity_from_pelvis, independent of event times) agrees or cannot tell; the pelvis
 * where the two disagree. A runner whose flight is near zero (0-1 frame at 30 fps on the
 * shipped sample, by the eye labels) reads as walking by the flight vote when the contacts are
 * off by two frames, while the pelvis still bounces as in running. Keeps the current activity
 * when neither can tell.
 */
void gs_gait__activity_decide(gs_gait_result *r)
{
    gs_gait_activity f = gs_gait__activity_from_flight(r), p;
    if (r->activity_forced)
        return;
    p = gs_gait__activity_from_pelvis(r);
    if (p != GS_GAIT_ACTIVITY_UNKNOWN && p != f)
        r->activity = p;
    else if (f != GS_GAIT_ACTIVITY_UNKNOWN)
        r->activity = f;
}
