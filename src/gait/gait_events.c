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

/*
 * Per-event uncertainty (one standard deviation, frames): the root sum of squares of
 * - the method's error measured against two raters' eye labels of real clips (docs/metrics.md
 *   section 3a; standard deviation taken as 1.25 x the mean absolute error, as for a normal
 *   error): side-view running contact MAE ~1.2 frames, toe-off ~0.6 (the
 *   landing contacts and the toe-off range on the sub-frame crossing; the sample against rater
 *   a, the 60 fps clip against a and b, tracks of main's tracker at dc02ec5 as stored in
 *   tests/data/labels/pose, pooled over the 70 / 69 matched events: 0.35, 2.06, 2.06 (pooled
 *   1.23) and, with the toe-off window from 0.25 s before Zeni's TO (session 8), 0.39, 0.78,
 *   0.83 (pooled 0.61); 1.4 / 0.9 before session 7, 1.2 / 0.7 before session 8);
 *   rear/front toe-off ~1.1, contact
 *   ~1.1 from the kink of the ankle's path (gait_events_height.c, r->ic_kink; on
 *   run_rear_treadmill_01, raters a and b, stored and fresh tracks: 0.92, 1.38, 0.71, 1.34),
 *   else ~3.4 (the height contacts there); with the kink contacts the toe-offs from the foot's
 *   own lowest point, ~0.7 (run_rear_treadmill_01, the track of main's tracker at dc02ec5
 *   stored in tests/data/labels/pose, raters a and b: 0.57, 0.79); side-view walking
 *   (gait_events_walk.c) contact ~1.9, toe-off ~0.9 (walk_side_overground_01 and _04, raters a
 *   and b, main's tracks at dc02ec5, pooled over the matched events: 1.41, 1.41, 3.20, 3.80 over
 *   17, 17, 5, 5 and 0.81, 0.93, 1.00, 0.75 over 16, 15, 4, 4; session 7: the toe-off window on
 *   the crossing time and the toe's stop walking backwards; 2.0 / 1.0 before; session 13, forward
 *   toe-offs where the foot stops pitching, walk_to_turn: toe-off ~0.7, walk_side_overground_01
 *   and _04 and walk_side_multiperson_01, raters a and b: 0.71, 0.75, 0.25, 0.00, 0.75, 0.75 over
 *   17, 18, 4, 4, 8, 8 matched toe-offs, pooled 0.65); side-view
 *   treadmill running contacts at the belt's uptake ~1.0 (gs_gait__belt_contacts; session 17,
 *   against both raters with the written treadmill definition on run_side_treadmill_01, _02_60fps
 *   and _04, pooled over 33, 34, 18, 18, 10, 10 matched contacts: 0.82, 0.94, 0.89, 0.94, 1.40,
 *   1.60; 0.8 in session 12, when rater b's contacts followed another rule: 0.21, 1.22, 1.10)
 *   (issue 13's labelled clips at the time of writing; `analyze` times these contacts from the
 *   picture by default, src/analysis/contact_image.c, 0.8);
 * - landmark noise over the foot's vertical image speed at the event (the time a height error of
 *   one noise SD shifts the crossing), from the two frames on the swing side of the event (the
 *   horizontal speed of the foot centre for side-view walking contacts, which come from it, and
 *   for treadmill running contacts at the belt's uptake, from the two frames after it: the foot
 *   hangs still before);
 * - the frame quantum (a uniform error over one frame: SD 1/sqrt(12)).
 * The measured method error dominates on real video; on clean made tracks the detector is within
 * 0.5 frame (tests/test_events.c), so the interval is conservative there.
 */
static void event_uncertainty(gs_gait_result *r, const gs_gait__sig *g, int side_view)
{
    /* [side view, rear/front, rear/front kink, side-view walking, side-view treadmill running
     * with the belt's uptake][IC, TO]: 1.25 x the MAE against the labels */
    static const double method_sd[5][2] = {{1.25 * 1.2, 1.25 * 0.6},
                                           {1.25 * 3.4, 1.25 * 1.1},
                                           {1.25 * 1.1, 1.25 * 0.7},
                                           {1.25 * 1.9, 1.25 * 0.7},
                                           {1.25 * 1.0, 1.25 * 0.6}};
    int kind = side_view ? (r->walk_events ? 3 : r->belt_ic > 0 ? 4 : 0) : r->ic_kink ? 2 : 1;
    for (int e = 0; e < r->n_ev; e++) {
        gs_gait_event *ev = &r->ev[e];
        int to = ev->type == GS_GAIT_EVENT_TO, s = (int)ev->side;
        int32_t i = gs_gait__frame_at(r, ev->t_s), a = to ? i + 1 : i - 1, b = to ? i + 3 : i;
        if (kind == 4 && !to) { /* the foot is at rest in the air before: the belt's speed after */
            a = i + 1;
            b = i + 3;
        }
        double noise_fr = 0, m = method_sd[kind][to];
        if (a >= 0 && b < r->n && a < b && gs_gait__same_seg(r, a, b) && r->t[b] > r->t[a]) {
            double v = fabs(g->low[s][b] - g->low[s][a]) / (r->t[b] - r->t[a]); /* px/s */
            /* walking contacts come from the foot's horizontal arrival, belt contacts from its
             * horizontal uptake */
            if ((kind == 3 || kind == 4) && !to)
                v = fabs(0.5 * (gs_gait__p(r, b, GS_KP_LEFT_HEEL + s)[0] +
                                gs_gait__p(r, b, GS_KP_LEFT_FOOT_INDEX + s)[0] -
                                gs_gait__p(r, a, GS_KP_LEFT_HEEL + s)[0] -
                                gs_gait__p(r, a, GS_KP_LEFT_FOOT_INDEX + s)[0])) /
                    (r->t[b] - r->t[a]);
            double dt = (r->t[b] - r->t[a]) / (b - a);
            if (v > 0 && isfinite(v) && dt > 0)
                noise_fr = fmin(10.0, r->noise_px / v / dt);
        }
        ev->unc_frames = sqrt(m * m + noise_fr * noise_fr + 1.0 / 12.0);
    }
}

/* Side-view walking refinement (gait_events_walk.c), then strides. */
static gs_status walk_refine(gs_gait_result *r, gs_gait__sig *g, double dt, gs_error *err)
{
    gs_status rc = gs_gait__refine_walking(r, g, dt, err);
    if (rc != GS_OK)
        return rc;
    gs_gait__sort_events(r);
    return gs_gait__build_strides(r, err);
}

/*
 * The refinement moves each Zeni event on its own, anchored on it; where that put an event at or
 * before the same foot's previous event (a toe-off before its own contact), it takes its Zeni time
 * back (zeni: the Zeni events, in r->ev's order). A foot's contacts and toe-offs alternate, and
 * build_strides drops a stride with two toe-offs: on the backlit pan, whose feet are below the
 * picture's edge from frame 180, two toe-offs there took their foot's median shift across their
 * own contact once the ground was taken stance by stance (overground_run_refine). Only there: on
 * the treadmill clips a contact refined late puts its toe-off "out of order", and the toe-off,
 * not the contact, is the right one (run_side_treadmill_02_60fps, session 6 track: a right
 * toe-off labelled 135 went 133.8 -> 144.9).
 */
static void keep_foot_order(gs_gait_result *r, const gs_gait_event *zeni)
{
    for (int side = 0; side < 2; side++) {
        double last = -INFINITY;
        for (int e = 0; e < r->n_ev; e++) {
            gs_gait_event *ev = &r->ev[e];
            if ((int)ev->side != side)
                continue;
            if (!(ev->t_s > last) && zeni[e].t_s > last) {
                ev->t_s = zeni[e].t_s;
                ev->frame = gs_gait__frame_index(r, ev->t_s);
            }
            last = ev->t_s;
        }
    }
}

/*
 * Side-view running overground (decided by the pass with one ground level per foot, which the
 * walks' activity depends on and keeps): the running refinement again from the Zeni events, with
 * the ground stance by stance (gs_gait__stance_ground; a camera that follows the runner pans and
 * tilts) and the noise, so the contact threshold, from the stances' own levels; the contacts as
 * the walking ones take them (gs_gait__footprint_ic: where the foot comes to rest on its
 * footprint; the landing rule's end of the heel's fall stopped in a slow phase of the late swing
 * on the pan, and its forward stop, in image X, came early as the camera follows the runner:
 * docs/events-history.md). Nothing changes when a foot has no stance with a level.
 */
static gs_status overground_run_refine(gs_gait_result *r, gs_gait__sig *g,
                                       const gs_gait_event *zeni, int n_zeni, int k, double dt,
                                       gs_error *err)
{
    if (!gs_gait__stance_ground(r, g, zeni, n_zeni, fmax(0.04, 2.0 * dt)))
        return GS_OK;
    memcpy(r->ev, zeni, sizeof(*zeni) * (size_t)n_zeni);
    r->n_ev = n_zeni;
    double *tic = malloc(sizeof(double) * (size_t)(n_zeni + 1));
    int *to = malloc(sizeof(int) * (size_t)(n_zeni + 1));
    double *v = malloc(sizeof(double) * (size_t)(r->n + 1));
    gs_gait__wval *wx = malloc(sizeof(*wx) * (size_t)(r->n + 1));
    gs_status rc = GS_OK;
    if (!tic || !to || !v || !wx) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (events)", r->name);
        goto out;
    }
    /* contacts as the walking ones (gs_gait__footprint_ic), from the Zeni stances: the foot
     * comes to rest on its footprint, which the panning camera moves through the picture. Not
     * from a stance outside 0.75-1.33 times the median one (gs_gait__stances, as
     * gs_gait__stance_ground): the pan's 0.1 s "stances" where the feet are below the picture.
     * tic doubles as gs_gait__stances' scratch before it is filled. */
    gs_gait__stances(r, zeni, n_zeni, to, tic);
    for (int e = 0; e < n_zeni; e++)
        tic[e] = to[e] >= 0 ? gs_gait__footprint_ic(r, e, to[e], v, wx) : NAN;
    /* contact threshold and line fits as in gs_gait__events' height rounds */
    double kappa = fmax(3.0 * r->noise_px, 0.02 * r->ll_px);
    r->kappa_px = kappa;
    rc = gs_gait__refine_running(r, r->noise_px > 0.01 * r->ll_px ? g->lsm : g->low, g->lsm,
                                 kappa, k, err);
    if (rc != GS_OK)
        goto out;
    /* the footprint contact where it could be fitted (its search range is walk_ic's, within
     * -0.12 / +0.15 s of Zeni's IC), else the landing rule's */
    for (int e = 0; e < n_zeni; e++)
        if (r->ev[e].type == GS_GAIT_EVENT_IC && isfinite(tic[e])) {
            r->ev[e].t_s = tic[e];
            r->ev[e].frame = gs_gait__frame_index(r, tic[e]);
        }
    keep_foot_order(r, zeni);
    gs_gait__sort_events(r);
    rc = gs_gait__build_strides(r, err);
out:
    free(tic);
    free(to);
    free(v);
    free(wx);
    return rc;
}

gs_status gs_gait__events(gs_gait_result *r, gs_error *err)
{
    gs_gait__sig g;
    gs_gait_event *zeni = NULL; /* side views: the Zeni events, for a late walking refinement */
    int n_zeni = 0;
    gs_status rc = GS_OK;
    int side_view = gs_gait__is_side(r->view.kind);
    double dt_med = 1.0 / 60, fps;
    int k;

    memset(&g, 0, sizeof(g));
    r->n_ev = 0;
    r->n_st = 0;
    r->noise_px = 0;
    r->ic_kink = 0;
    r->walk_events = 0;
    r->belt_ic = 0;
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
            dt_med = gs_median(g.sm, n);
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
            /* Zeni's anterior is the direction of travel: negated where the person walks
             * backwards (gait.c mark_backward; walk_side_overground_01's return pass), where
             * the foot lands at its most posterior point relative to the way they face */
            double mhx = 0.5 * (lh[0] + rh[0]), dir = r->backward[i] ? -1.0 : 1.0;
            g.heel_rel[s][i] = dir * (he[0] - mhx);
            g.toe_rel[s][i] = dir * (to[0] - mhx);
            g.low[s][i] = fmin(he[1], to[1]);
        }
    }

    if (side_view) {
        for (int s = 0; s < 2 && rc == GS_OK; s++) {
            /* smoothing half-window: 40 ms, at least 2 frames */
            double ts = gs_gait__step_period(r, g.sm);
            double ew = fmin(0.8, fmax(0.2, 0.7 * ts)), aw = fmin(1.2, fmax(0.3, ts));
            rc = gs_gait__zeni(r, g.heel_rel[s], g.sm, s, 0, +1, k, fmax(0.04, 2.0 * dt_med), ew,
                               aw, err);
            if (rc == GS_OK)
                rc = gs_gait__zeni(r, g.toe_rel[s], g.sm, s, 1, -1, k, fmax(0.04, 2.0 * dt_med), ew,
                                   aw, err);
        }
        if (rc != GS_OK)
            goto done;
        gs_gait__sort_events(r);
        rc = gs_gait__build_strides(r, err);
        if (rc != GS_OK)
            goto done;
        if (!r->activity_forced) {
            /* pelvis phase first; else walking has double support: duty factor above 0.5 */
            double df = gs_gait__duty_factor(r);
            r->activity = gs_gait__activity_from_pelvis(r);
            if (r->activity == GS_GAIT_ACTIVITY_UNKNOWN && isfinite(df))
                r->activity = df > 0.5 ? GS_GAIT_ACTIVITY_WALK : GS_GAIT_ACTIVITY_RUN;
        }
        if (!r->refine)
            goto done;
        /* Final pass, running and walking: replace with foot-height events (Zeni's IC is early
         * and TO late in running, and TO late in walking too: the toe keeps moving back after it
         * leaves the ground); ground levels from the Zeni stances. */
        /* The Zeni events are kept for the walking refinement (gait_events_walk.c), used when
         * the flight time of the running refinement's events says walk: the pelvis phase alone
         * misreads the 60 fps running clip as a walk and a short walk
         * (walk_side_overground_04) as a run. */
        zeni = malloc(sizeof(*zeni) * (size_t)(r->n_ev + 1));
        if (!zeni) {
            rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (events)", r->name);
            goto done;
        }
        n_zeni = r->n_ev;
        if (n_zeni > 0)
            memcpy(zeni, r->ev, sizeof(*zeni) * (size_t)n_zeni);
        gs_gait__ground_levels(r, &g, 1);
    } else {
        gs_gait__ground_levels(r, &g, 0);
    }
    /* Height events (running side views, every rear/front view), two rounds: the second with
     * ground levels (and noise) from the stances the first one found. */
    for (int round = 0; round < 2; round++) {
        double kappa;
        for (int s = 0; s < 2; s++) {
            for (int32_t i = 0; i < r->n; i++)
                if (r->valid[i])
                    g.low[s][i] = gs_gait__raw_low(r, i, s) - g.ground[s];
            gs_gait__smooth(r, g.low[s], g.lsm[s], fmax(0.04, 2.0 * dt_med));
        }
        /* contact threshold: 3 noise SDs, at least 2 % of a leg length (~2 cm) */
        kappa = fmax(3.0 * r->noise_px, 0.02 * r->ll_px);
        r->kappa_px = kappa;
        if (side_view) {
            /* anchored on the Zeni events found above; one round is enough. With landmark noise
             * above 1 % of a leg length the change-point lines are fitted to the smoothed
             * height (raw samples would make the line slope, and so the time, jump). */
            if (r->noise_px > 0.01 * r->ll_px)
                rc = gs_gait__refine_running(r, g.lsm, g.lsm, kappa, k, err);
            else
                rc = gs_gait__refine_running(r, g.low, g.lsm, kappa, k, err);
            if (rc != GS_OK)
                goto done;
            gs_gait__sort_events(r);
            rc = gs_gait__build_strides(r, err);
            if (rc == GS_OK)
                gs_gait__activity_decide(r);
            if (rc == GS_OK && zeni && r->activity == GS_GAIT_ACTIVITY_WALK &&
                n_zeni <= r->cap_ev) {
                /* a walk: the walking refinement from the Zeni events, activity kept */
                memcpy(r->ev, zeni, sizeof(*zeni) * (size_t)n_zeni);
                r->n_ev = n_zeni;
                rc = walk_refine(r, &g, dt_med, err);
                r->walk_events = 1;
            } else if (rc == GS_OK && zeni && r->activity == GS_GAIT_ACTIVITY_RUN &&
                       r->setting == GS_GAIT_SETTING_OVERGROUND && n_zeni <= r->cap_ev) {
                rc = overground_run_refine(r, &g, zeni, n_zeni, k, dt_med, err);
            } else if (rc == GS_OK && r->activity == GS_GAIT_ACTIVITY_RUN &&
                       r->setting == GS_GAIT_SETTING_TREADMILL) {
                /* the contact where the foot moves back with the belt */
                r->belt_ic = gs_gait__belt_contacts(r);
                if (r->belt_ic < 0) {
                    r->belt_ic = 0;
                    rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (events)", r->name);
                } else if (r->belt_ic > 0) {
                    gs_gait__sort_events(r);
                    rc = gs_gait__build_strides(r, err);
                }
            }
            goto done;
        }
        r->n_ev = 0;
        for (int s = 0; s < 2 && rc == GS_OK; s++)
            rc = gs_gait__height_events(r, g.low[s], g.lsm[s], s, kappa, k, err);
        if (rc == GS_OK && round == 1)
            rc = gs_gait__frontal_choose(r, &g, kappa, k, dt_med, err);
        if (rc != GS_OK)
            goto done;
        gs_gait__sort_events(r);
        rc = gs_gait__build_strides(r, err);
        if (rc != GS_OK)
            goto done;
        if (round == 0) {
            r->noise_px = 0;
            gs_gait__ground_levels(r, &g, 1);
        }
    }
    /* rear/front: gs_gait__frontal_choose() set the activity along with the events it kept */
done:
    if (rc == GS_OK && r->refine)
        event_uncertainty(r, &g, side_view);
    if (rc == GS_OK && r->refine && !side_view) {
        /* a foot hidden behind the other as it lands (gs_gait__hidden_contacts): at a third of
         * its contacts or more, the reader should know that they follow the other foot */
        int nh[2], nic[2];
        gs_gait__hidden_contacts(r, nh, nic);
        for (int s = 0; s < 2; s++)
            if (nh[s] >= 3 && 3 * nh[s] >= nic[s])
                gs_gait__note(r,
                              "the %s foot's landmarks lie on the %s foot's at %d of its %d "
                              "contacts (hidden as it lands): those contacts may follow the other "
                              "foot; check them on the overlay",
                              s ? "right" : "left", s ? "left" : "right", nh[s], nic[s]);
    }
    for (int s = 0; s < 2; s++) {
        free(g.heel_rel[s]);
        free(g.toe_rel[s]);
        free(g.low[s]);
        free(g.lsm[s]);
    }
    free(g.sm);
    free(zeni);
    return rc;
}
