/*
 * Gait events against truth the detector was not written with (issue 13):
 * - made tracks from the second foot model of tests/gen_track.c (gs_gen_use_foot2: landmarks off
 *   the sole, heel landing with a downward speed, midfoot and forefoot strikes, heel rise about
 *   the MTP joint and toe roll, double support in walking, noise, one-frame dropouts), side and
 *   rear/front views, exact truth; also with landmark noise the size of BlazePose's on the real
 *   clips, passed through gs_pose_clean() as real tracks are (made_tracks_with_pose_noise);
 * - eye labels of real clips by two raters (tests/data/labels), on the clips' pose tracks
 *   (tests/data/labels/pose/<clip>.pose.json.gz, made with `gaitscope pose`).
 * Prints a table per case (stderr) for the issue note.
 *
 * Targets (issue 13 item 3): |mean bias| <= 0.3 frame and MAE <= 0.5 frame against exact made
 * truth, no miss and no extra event on clean strides, the activity right. Asserted now: no miss,
 * no extra, the activity, MAE <= 0.5 and |bias| <= 0.45 frame (see
 * made_tracks_meet_the_event_targets).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "event_score.h"
#include "metric_moves.h"
#include "gait.h"
#include "gen_track.h"
#include "gs_test.h"
#include "pose.h"

#define CAP 2048

typedef struct made_case {
    const char *name;
    int walk;
    double fps;
    double strike_deg;
    gs_gen_view view;
    double noise_px;
    double dropout_s;
    double contact_ms; /* 0: the default */
    double tilt_deg;   /* rear/front camera looking down (gen_track.h) */
    int overground;    /* 1: the person walks past a static camera (6 s at 200 px/m) */
    double toe_back;   /* gen_track.h: 0 the toe landmark at the tip */
} made_case;

/* Pose-model noise for a made case (gen_track.h gs_gen_use_real_noise); the track then goes
 * through gs_pose_clean() as every real track does. */
typedef struct made_noise {
    double scale; /* of the measured SDs */
    unsigned seed;
} made_noise;

/* One made case's row of the table test_events prints: IC and TO bias / MAE / worst and
 * missed / extra, the contact time's error (ms) and, when not NULL, the activity read. */
static void print_made_row(const char *name, const gs_evs_stats st[2], double gct,
                           const char *activity)
{
    fprintf(stderr,
            "| %-36s | %+5.2f / %4.2f / %4.2f | %d/%d | %+5.2f / %4.2f / %4.2f | %d/%d | %+5.0f |",
            name, st[0].bias, st[0].mae, st[0].worst, st[0].missed, st[0].extra, st[1].bias,
            st[1].mae, st[1].worst, st[1].missed, st[1].extra, gct);
    if (activity)
        fprintf(stderr, " %s |", activity);
    fputc('\n', stderr);
}

/* Scores one made case (nz: NULL, or pose-model noise and the clean-up; hang_ms: gen_track.h's
 * hang_s in ms, 5 mm up, 0 for none); fills st (IC, TO) and the contact-time error; returns the
 * activity. */
static gs_gait_activity score_made_hang(const made_case *c, const made_noise *nz, double hang_ms,
                                        gs_evs_stats st[2], double *gct_err_ms)
{
    gs_gen_params p;
    gs_pose_track *t = NULL;
    gs_gait_result *r = NULL;
    gs_gait_options opt;
    gs_error err = {0};
    static gs_gen_event tev[CAP];
    static gs_evs_event truth[CAP], det[CAP];
    int nt = 0, nd = 0, nev, ntev;
    gs_gait_activity act = GS_GAIT_ACTIVITY_UNKNOWN;

    memset(st, 0, 2 * sizeof(*st));
    *gct_err_ms = NAN;
    if (c->walk)
        gs_gen_defaults_walk(&p);
    else
        gs_gen_defaults(&p);
    gs_gen_use_foot2(&p);
    p.fps = c->fps;
    p.strike_deg[0] = p.strike_deg[1] = c->strike_deg;
    p.view = c->view;
    p.noise_px = c->noise_px;
    p.dropout_every_s = c->dropout_s;
    if (c->contact_ms > 0)
        p.contact_ms[0] = p.contact_ms[1] = c->contact_ms;
    if (c->overground) {
        p.treadmill = 0;
        p.duration_s = 6;
        p.px_per_m = 200;
    }
    p.tilt_deg = c->tilt_deg;
    p.toe_back = c->toe_back;
    p.hang_s = hang_ms / 1000.0;
    p.hang_m = hang_ms > 0 ? 0.005 : 0;
    if (nz) {
        gs_gen_use_real_noise(&p, nz->scale);
        p.seed = nz->seed;
    }
    CHECK_EQ_INT(gs_gen_track(&p, &t, &err), GS_OK);
    if (!t) {
        fprintf(stderr, "%s: %s\n", c->name, err.msg);
        return act;
    }
    if (nz)
        CHECK_EQ_INT(gs_pose_clean(t, NULL, &err), GS_OK);
    memset(&opt, 0, sizeof(opt));
    CHECK_EQ_INT(gs_gait_analyze(t, &opt, &r, &err), GS_OK);
    if (!r) {
        fprintf(stderr, "%s: %s\n", c->name, err.msg);
        gs_pose_track_free(&t);
        return act;
    }
    ntev = gs_gen_events(&p, tev, CAP);
    for (int i = 0; i < ntev && i < CAP; i++) {
        /* events within 0.3 s of the clip's ends cannot be told from a cut stance */
        if (tev[i].t_s < 0.3 || tev[i].t_s > p.duration_s - 0.3)
            continue;
        truth[nt].foot = tev[i].side;
        truth[nt].type = tev[i].type;
        truth[nt].frame = tev[i].t_s * p.fps;
        truth[nt].confidence = 1;
        nt++;
    }
    const gs_gait_event *ev = gs_gait_result_events(r, &nev);
    for (int i = 0; i < nev; i++) /* every event states its uncertainty, at least the quantum */
        CHECK_MSG(isfinite(ev[i].unc_frames) && ev[i].unc_frames >= 0.28 &&
                      ev[i].unc_frames < 20,
                  "%s: event %d unc_frames %g", c->name, i, ev[i].unc_frames);
    for (int i = 0; i < nev && nd < CAP; i++) {
        if (ev[i].t_s < 0.3 - 0.1 || ev[i].t_s > p.duration_s - 0.3 + 0.1)
            continue;
        det[nd].foot = ev[i].side == GS_GAIT_SIDE_RIGHT;
        det[nd].type = ev[i].type == GS_GAIT_EVENT_TO;
        det[nd].frame = ev[i].frame;
        nd++;
    }
    gs_evs_score(truth, nt, det, nd, 0.15 * p.fps, 0, st);
    {
        double v[2] = {NAN, NAN}, sd;
        int n;
        for (int s = 0; s < 2; s++)
            gs_gait_result_metric(r, "ground_contact_ms", s, &v[s], &sd, &n);
        *gct_err_ms = 0.5 * (v[0] + v[1]) - p.contact_ms[0];
    }
    act = gs_gait_result_activity(r);
    gs_gait_result_free(&r);
    gs_pose_track_free(&t);
    return act;
}

static gs_gait_activity score_made(const made_case *c, const made_noise *nz, gs_evs_stats st[2],
                                   double *gct_err_ms)
{
    return score_made_hang(c, nz, 0, st, gct_err_ms);
}

/*
 * Walks at 120 and 240 fps (slow-motion capture). Contacts: the walking contact fit takes the
 * samples within 0.2 s of Zeni's contact, more than it holds above 120 fps, so they are thinned
 * (gait_events_walk.c walk_ic); cut at the cap instead, the window lost its stance side and the
 * 240 fps contacts came 3.6 frames (15 ms) early. Toe-offs: the hinge's window and search range
 * were counted in frame intervals at every rate (33 ms of samples and a search from 8 ms before the
 * threshold crossing at 240 fps): +0.99 / 0.99 frame at 120 fps, +3.88 / 3.88 at 240; above 60 fps
 * they are now in seconds (walk_to), +0.13 / 0.16 and +0.35 / 0.35; from the foot's pitch (session
 * 12, walk_to_turn) -0.10 / 0.10 and -0.07 / 0.11. Asserted to the 0.5-frame target (|bias| 0.45,
 * as the other made rows).
 */
static void made_walks_at_high_frame_rates(void)
{
    static const made_case cs[] = {
        {"walk 120 fps heel", 1, 120, 18, GS_GEN_SIDE, 0, 0, 0, 0, 0, 0},
        {"walk 240 fps heel", 1, 240, 18, GS_GEN_SIDE, 0, 0, 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
        const made_case *c = &cs[i];
        gs_evs_stats st[2];
        double gct;
        gs_gait_activity act = score_made(c, NULL, st, &gct);
        print_made_row(c->name, st, gct, NULL);
        CHECK(act == GS_GAIT_ACTIVITY_WALK);
        for (int ty = 0; ty < 2; ty++) {
            CHECK_MSG(st[ty].n_truth >= 8, "%s: %d true events", c->name, st[ty].n_truth);
            CHECK_MSG(st[ty].mae <= 0.5 && fabs(st[ty].bias) <= 0.45, "%s %s: %+.2f / %.2f frames",
                      c->name, ty ? "TO" : "IC", st[ty].bias, st[ty].mae);
            CHECK_MSG(st[ty].missed == 0 && st[ty].extra == 0, "%s %s: %d missed, %d extra",
                      c->name, ty ? "TO" : "IC", st[ty].missed, st[ty].extra);
        }
    }
}

static void made_tracks_meet_the_event_targets(void)
{
    static const made_case cases[] = {
        {"run 60 fps rearfoot", 0, 60, 12, GS_GEN_SIDE, 0, 0, 0, 0, 0, 0},
        {"run 60 fps midfoot", 0, 60, 0, GS_GEN_SIDE, 0, 0, 0, 0, 0, 0},
        {"run 60 fps forefoot", 0, 60, -10, GS_GEN_SIDE, 0, 0, 0, 0, 0, 0},
        {"run 30 fps rearfoot", 0, 30, 12, GS_GEN_SIDE, 0, 0, 0, 0, 0, 0},
        {"run 60 fps rearfoot 1 px, dropouts", 0, 60, 12, GS_GEN_SIDE, 1, 0.7, 0, 0, 0, 0},
        {"run 60 fps 200 ms contact", 0, 60, 6, GS_GEN_SIDE, 0, 0, 200, 0, 0, 0},
        {"walk 30 fps heel", 1, 30, 18, GS_GEN_SIDE, 0, 0, 0, 0, 0, 0},
        {"walk 60 fps heel 1 px, dropouts", 1, 60, 18, GS_GEN_SIDE, 1, 0.7, 0, 0, 0, 0},
        {"walk 30 fps flat-foot", 1, 30, 2, GS_GEN_SIDE, 0, 0, 0, 0, 0, 0},
        {"walk 30 fps heel overground, 1 px", 1, 30, 18, GS_GEN_SIDE, 1, 0, 0, 0, 1, 0},
        {"walk 60 fps heel overground", 1, 60, 18, GS_GEN_SIDE, 0, 0, 0, 0, 1, 0},
        {"run 30 fps rear view", 0, 30, 12, GS_GEN_REAR, 0, 0, 0, 0, 0, 0},
        {"run 60 fps front view, 1 px", 0, 60, 5, GS_GEN_FRONT, 1, 0, 0, 0, 0, 0},
        {"walk 30 fps rear view", 1, 30, 18, GS_GEN_REAR, 0, 0, 0, 0, 0, 0},
    };
    fprintf(stderr, "| made case (foot model 2) | IC bias / MAE / worst | IC miss/extra | "
                    "TO bias / MAE / worst | TO miss/extra | GCT err ms | activity |\n");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const made_case *c = &cases[i];
        gs_evs_stats st[2];
        double gct;
        gs_gait_activity act = score_made(c, NULL, st, &gct);
        gs_gait_activity want = c->walk ? GS_GAIT_ACTIVITY_WALK : GS_GAIT_ACTIVITY_RUN;
        print_made_row(c->name, st, gct,
                       act == GS_GAIT_ACTIVITY_RUN ? "run" : act == GS_GAIT_ACTIVITY_WALK ? "walk" : "unknown");
        for (int ty = 0; ty < 2; ty++) {
            CHECK_MSG(st[ty].n_truth >= 8, "%s: %d true events", c->name, st[ty].n_truth);
            /* Reached so far: MAE within the 0.5 frame target; |bias| within 0.45 (target
             * 0.3: midfoot/forefoot IC -0.3..-0.4, 30 fps TO +0.4). Before issue 13's rework
             * walking TO was +1.1..+2.0 and running TO +0.4..+0.7. */
            CHECK_MSG(fabs(st[ty].bias) <= 0.45, "%s %s: bias %.2f frames", c->name,
                      ty ? "TO" : "IC", st[ty].bias);
            CHECK_MSG(st[ty].mae <= 0.5, "%s %s: MAE %.2f frames", c->name, ty ? "TO" : "IC",
                      st[ty].mae);
            CHECK_MSG(st[ty].missed == 0 && st[ty].extra == 0, "%s %s: %d missed, %d extra",
                      c->name, ty ? "TO" : "IC", st[ty].missed, st[ty].extra);
        }
        CHECK_MSG(act == want, "%s: activity %d, want %d", c->name, (int)act, (int)want);
    }
}

/*
 * Made tracks on the real tracks' path: the pose-model noise measured on the labelled clips' raw
 * landmarks (gen_track.c gs_gen_use_real_noise: feet 0.022, knees 0.016, the rest 0.012 leg
 * lengths, AR(1) 0.3, a foot's landmarks sharing 75 % of it, 6 % wild frames x4; about ten times
 * the 1 px of the cases above), then gs_pose_clean() (outlier, swap and gap repair, the low-pass)
 * before the analysis, as every real track. Three noise seeds per case. Asserted no worse than
 * measured (worst seed's MAE and |bias| + 0.15 frame), no extra event, misses and the activity as
 * measured; where the 0.5 frame target is not met this is the finding (docs/events-history.md,
 * "Made tracks with the pose model's noise").
 */
static void made_tracks_with_pose_noise(void)
{
    static const struct {
        made_case c;
        double max_mae[2], max_bias[2]; /* IC, TO: worst seed + 0.15 frame */
        int max_missed, max_extra;      /* per event type and seed, as measured */
    } cs[] = {
        /* no miss since a lone frame's foot past the picture's edge is no longer out (gait.c
         * drop_lone_out_frames; seed 11 lost its left toe-off at 46.7 to one) */
        {{"noisy run 30 fps rearfoot", 0, 30, 12, GS_GEN_SIDE, 0, 0, 0, 0, 0, 0},
         {0.50, 0.73}, {0.31, 0.58}, 0, 0},
        {{"noisy run 60 fps rearfoot", 0, 60, 12, GS_GEN_SIDE, 0, 0, 0, 0, 0, 0},
         {0.92, 0.95}, {0.59, 0.67}, 0, 0},
        /* walking contacts: only late ones take the foot's reference shift, which leaves the
         * late-locked out (gait_events_side.c GS_GAIT__SHIFT_LATE_IC); IC MAE seeds 11-13 30 fps
         * 0.71 / 0.66 / 1.01 -> 0.66 / 0.65 / 0.57, 60 fps 1.63 / 4.22 / 1.67 -> 1.45 / 2.83 /
         * 1.36, overground 0.79 / 0.46 / 0.81 -> 0.76 / 0.46 / 0.26; 20 seeds 1.18 -> 0.98,
         * 1.81 -> 1.32, 1.17 -> 0.99 (docs/events-history.md, "Walking contacts that lock late") */
        /* session 12, walking toe-offs where the foot's pitch stops rising (walk_to_turn): TO
         * MAE seeds 11-13 30 fps 0.51 / 0.81 / 0.74 -> 0.52 / 0.40 / 0.45, 60 fps 1.03 / 1.13 /
         * 1.16 -> 0.67 / 0.61 / 0.68, overground 0.41 / 0.51 / 0.96 -> 0.60 / 0.21 / 0.50; 20
         * seeds 0.74 -> 0.50, 0.96 -> 0.73, 0.75 -> 0.53 */
        {{"noisy walk 30 fps heel", 1, 30, 18, GS_GEN_SIDE, 0, 0, 0, 0, 0, 0},
         {0.80, 0.67}, {0.28, 0.33}, 0, 0},
        /* the contact window in seconds (walk_ic; was 10 samples before Zeni's contact, 0.167 s
         * at 60 fps): over 20 noise seeds +1.93 / 2.27 -> +1.32 / 1.81 frames, seeds 11 / 13
         * 3.24 / 2.55 -> 1.63 / 1.67, seed 12 3.99 -> 4.22 (bound 4.14 -> 4.37: the 20-seed
         * figure decides, docs/events-history.md "Walking contacts at 60 fps") */
        /* treadmill walks: each stance's footprint speed halfway to the median over the
         * stances (gait_events_walk.c): seeds 11-13 IC MAE 60 fps 1.45 / 2.83 / 1.36 -> 1.37 /
         * 2.40 / 1.38, 30 fps 0.66 / 0.65 / 0.57 -> 0.61 / 0.65 / 0.57; 20 seeds 1.32 -> 1.06,
         * 0.98 -> 0.89 */
        {{"noisy walk 60 fps heel", 1, 60, 18, GS_GEN_SIDE, 0, 0, 0, 0, 0, 0},
         {2.55, 0.83}, {1.95, 0.38}, 0, 0},
        {{"noisy walk 30 fps overground", 1, 30, 18, GS_GEN_SIDE, 0, 0, 0, 0, 1, 0},
         {0.91, 0.75}, {0.26, 0.26}, 0, 0},
        /* seed 13's right stance cut in two by a wild frame: toe-off 5 frames early, missed +
         * extra (docs/events-history.md, "a stance cut in two by the noise") */
        {{"noisy run 30 fps rear view", 0, 30, 12, GS_GEN_REAR, 0, 0, 0, 0, 0, 0},
         {0.69, 0.85}, {0.41, 0.73}, 1, 1},
    };
    static const unsigned seeds[] = {11, 12, 13};
    fprintf(stderr, "| made case, pose-model noise + clean-up | seed | IC bias / MAE / worst | "
                    "IC miss/extra | TO bias / MAE / worst | TO miss/extra | GCT err ms | "
                    "activity |\n");
    for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
        const made_case *c = &cs[i].c;
        gs_gait_activity want = c->walk ? GS_GAIT_ACTIVITY_WALK : GS_GAIT_ACTIVITY_RUN;
        for (size_t k = 0; k < sizeof(seeds) / sizeof(seeds[0]); k++) {
            made_noise nz = {1.0, seeds[k]};
            gs_evs_stats st[2];
            double gct;
            gs_gait_activity act = score_made(c, &nz, st, &gct);
            fprintf(stderr,
                    "| %-36s | %2u | %+5.2f / %4.2f / %4.2f | %d/%d | %+5.2f / %4.2f / %4.2f | "
                    "%d/%d | %+5.0f | %s |\n",
                    c->name, seeds[k], st[0].bias, st[0].mae, st[0].worst, st[0].missed,
                    st[0].extra, st[1].bias, st[1].mae, st[1].worst, st[1].missed, st[1].extra,
                    gct,
                    act == GS_GAIT_ACTIVITY_RUN    ? "run"
                    : act == GS_GAIT_ACTIVITY_WALK ? "walk"
                                                   : "unknown");
            for (int ty = 0; ty < 2; ty++) {
                CHECK_MSG(st[ty].mae <= cs[i].max_mae[ty], "%s seed %u %s: MAE %.2f frames",
                          c->name, seeds[k], ty ? "TO" : "IC", st[ty].mae);
                CHECK_MSG(fabs(st[ty].bias) <= cs[i].max_bias[ty],
                          "%s seed %u %s: bias %.2f frames", c->name, seeds[k], ty ? "TO" : "IC",
                          st[ty].bias);
                CHECK_MSG(st[ty].n_truth >= 8 && st[ty].missed <= cs[i].max_missed &&
                              st[ty].extra <= cs[i].max_extra,
                          "%s seed %u %s: %d of %d missed, %d extra", c->name, seeds[k],
                          ty ? "TO" : "IC", st[ty].missed, st[ty].n_truth, st[ty].extra);
            }
            CHECK_MSG(act == want, "%s seed %u: activity %d, want %d", c->name, seeds[k], (int)act,
                      (int)want);
        }
    }
}

/*
 * The toe landmark behind the tip (gen_track.h toe_back; issue 13, side-view running toe-offs).
 * BlazePose's foot index sits 0.13-0.4 foot lengths behind the shoe's tip on every labelled clip
 * (about 0.15 on the sample, 0.25-0.35 on the 60 fps clip; docs/events-history.md, "where BlazePose
 * puts the toe"), not 2 % behind it as foot model 2's default landmark, and a landmark behind the
 * tip rises before the tip leaves: on the toes as they roll, on the rear foot (beyond 0.28, the MTP
 * joint) with the heel. Main's toe-off rule (the hinge where the lowest of heel and toe landmark
 * starts to rise) finds that rise: 0.15 back -1.19 frames at 60 fps, 0.30 back -1.75..-1.90 at
 * 60 fps and -0.76 at 30 fps (the default landmark +0.21 / +0.41). From the heel and a point
 * behind the MTP joint the toes' roll (this model's last 15 % of stance) cannot be seen at all.
 * Asserted no worse than measured (TO MAE + 0.3 frame), contacts within the 0.5 frame target (the
 * forefoot strike lands on the toes, so its contact moves with the landmark: +0.40), no miss, no
 * extra, the activity; the toe-off target is NOT met.
 * Walking (gait_events_walk.c's toe-off: the hinge where the lowest of heel and toe landmark
 * leaves its stance level), the landmark 0.13 back, where BlazePose puts it on both walks (session
 * 10): 30 fps -0.22 / 0.23 (at the tip +0.32 / 0.32), 60 fps -0.90 / 0.90 (+0.17..+0.07),
 * flat-foot -0.22 / 0.23, overground 1 px +0.01 / 0.33 (+0.40 / 0.44): 0.5 frame earlier at 30 fps
 * and 1 frame at 60 fps than with the landmark at the tip, as walk_side_overground_01's forward
 * pass is early against both raters; contacts unchanged (heel strikes). Session 12, forward
 * walking toe-offs where the foot's pitch stops rising (gait_events_walk.c walk_to_turn), which
 * does not depend on where the toe landmark sits along the foot: -0.07 / 0.09, -0.12 / 0.12,
 * -0.04 / 0.06, +0.03 / 0.17 (at the tip: 30 fps heel -0.04 / 0.06, flat-foot -0.01 / 0.03,
 * overground 1 px +0.04 / 0.16).
 */
static void made_toe_landmark_behind_the_tip(void)
{
    static const struct {
        made_case c;
        double max_mae_to; /* measured + 0.3 frame */
    } cs[] = {
        {{"run 60 fps rearfoot, toe 0.15 back", 0, 60, 12, GS_GEN_SIDE, 0, 0, 0, 0, 0, 0.15}, 1.5},
        {{"run 30 fps rearfoot, toe 0.15 back", 0, 30, 12, GS_GEN_SIDE, 0, 0, 0, 0, 0, 0.15}, 0.45},
        {{"run 60 fps rearfoot, toe 0.30 back", 0, 60, 12, GS_GEN_SIDE, 0, 0, 0, 0, 0, 0.30}, 2.2},
        {{"run 60 fps forefoot, toe 0.30 back", 0, 60, -10, GS_GEN_SIDE, 0, 0, 0, 0, 0, 0.30}, 2.2},
        {{"run 30 fps rearfoot, toe 0.30 back", 0, 30, 12, GS_GEN_SIDE, 0, 0, 0, 0, 0, 0.30}, 1.1},
        {{"run 60 fps 1 px, dropouts, toe 0.30 back", 0, 60, 12, GS_GEN_SIDE, 1, 0.7, 0, 0, 0,
          0.30},
         2.1},
        /* walking (session 10): 0.13 back, where BlazePose puts it on walk_01's shoe and
         * walk_04's bare toes */
        {{"walk 30 fps heel, toe 0.13 back", 1, 30, 18, GS_GEN_SIDE, 0, 0, 0, 0, 0, 0.13}, 0.39},
        {{"walk 60 fps heel, toe 0.13 back", 1, 60, 18, GS_GEN_SIDE, 0, 0, 0, 0, 0, 0.13}, 0.42},
        {{"walk 30 fps flat-foot, toe 0.13 back", 1, 30, 2, GS_GEN_SIDE, 0, 0, 0, 0, 0, 0.13},
         0.36},
        {{"walk 30 fps overground 1 px, toe 0.13 back", 1, 30, 18, GS_GEN_SIDE, 1, 0, 0, 0, 1,
          0.13},
         0.47},
    };
    for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
        const made_case *c = &cs[i].c;
        gs_evs_stats st[2];
        double gct;
        gs_gait_activity act = score_made(c, NULL, st, &gct);
        print_made_row(c->name, st, gct, NULL);
        CHECK_MSG(st[0].mae <= 0.5, "%s IC: MAE %.2f frames", c->name, st[0].mae);
        CHECK_MSG(st[1].mae <= cs[i].max_mae_to, "%s TO: MAE %.2f frames", c->name, st[1].mae);
        for (int ty = 0; ty < 2; ty++)
            CHECK_MSG(st[ty].n_truth >= 8 && st[ty].missed == 0 && st[ty].extra == 0,
                      "%s %s: %d of %d missed, %d extra", c->name, ty ? "TO" : "IC",
                      st[ty].missed, st[ty].n_truth, st[ty].extra);
        CHECK_MSG(act == (c->walk ? GS_GAIT_ACTIVITY_WALK : GS_GAIT_ACTIVITY_RUN),
                  "%s: activity %d", c->name, (int)act);
    }
}

/*
 * A treadmill runner's foot that comes to rest in the air before the touch (gen_track.h hang_s:
 * 5 mm over its landing point, then straight down onto the belt, which carries it from the
 * touch), as a ~10x slow-motion clip shows (docs/events-history.md): the end of the fall and of the
 * forward motion come hang_s before the touch, the belt's uptake at it (gs_gait__belt_contacts).
 * Contacts with the belt's uptake +0.06..+0.10 / 0.07-0.10 frame; with the landing rule alone
 * they came about the hang early (60 fps, 23 ms: -1.47..-1.55 frames; 30 fps, 33 ms: -1.01).
 * Asserted: both within the 0.5 frame target, the toe-offs' |bias| within 0.5 (untouched by the
 * hang: as the 30 fps rearfoot row, +0.41..+0.45 there).
 */
static void made_foot_hangs_before_the_touch(void)
{
    static const struct {
        made_case c;
        double hang_ms;
    } cs[] = {
        {{"run 60 fps rearfoot, hangs 23 ms", 0, 60, 12, GS_GEN_SIDE, 0, 0, 0, 0, 0, 0}, 23},
        {{"run 60 fps forefoot, hangs 23 ms", 0, 60, -10, GS_GEN_SIDE, 0, 0, 0, 0, 0, 0}, 23},
        {{"run 30 fps rearfoot, hangs 33 ms", 0, 30, 12, GS_GEN_SIDE, 0, 0, 0, 0, 0, 0}, 33},
        {{"run 60 fps 1 px, dropouts, hangs 23 ms", 0, 60, 12, GS_GEN_SIDE, 1, 0.7, 0, 0, 0, 0},
         23},
    };
    for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
        const made_case *c = &cs[i].c;
        gs_evs_stats st[2];
        double gct;
        gs_gait_activity act = score_made_hang(c, NULL, cs[i].hang_ms, st, &gct);
        print_made_row(c->name, st, gct, NULL);
        for (int ty = 0; ty < 2; ty++) {
            CHECK_MSG(st[ty].mae <= 0.5 && fabs(st[ty].bias) <= (ty ? 0.5 : 0.3),
                      "%s %s: %+.2f / %.2f frames", c->name, ty ? "TO" : "IC", st[ty].bias,
                      st[ty].mae);
            CHECK_MSG(st[ty].n_truth >= 8 && st[ty].missed == 0 && st[ty].extra == 0,
                      "%s %s: %d of %d missed, %d extra", c->name, ty ? "TO" : "IC",
                      st[ty].missed, st[ty].n_truth, st[ty].extra);
        }
        CHECK_MSG(act == GS_GAIT_ACTIVITY_RUN, "%s: activity %d", c->name, (int)act);
    }
}

/*
 * A camera above a treadmill (gen_track's tilt_deg: depth shows as height in the picture, so the
 * foot on the belt moves down the picture through its stance, as on run_rear_treadmill_01). The
 * height method's contacts came 7.8 frames late at 60 fps, 20 deg (IC +7.81), and at 30 fps,
 * 30 deg it read the run as a walk and the walk as a run and missed every contact. With the kink
 * contacts (gait_events_height.c) and the mid-stance kind chosen by stance symmetry: measured
 * below; asserted no worse (MAE + 0.3 frame), activity right, misses as measured. The 0.5 frame
 * target is NOT met: after the first sole contact the made foot slaps down and catches up with
 * the belt, so the ankle's path bends later (60 fps), and at 30 fps, 30 deg the two-slope fit
 * lands on the bend of the late swing in most strides (running IC 3.75 frames early over 0.9
 * step times; session 10, over 0.8: IC 60 fps +1.30 / 1.30 -> +0.33 / 0.33, 30 fps run -3.75 /
 * 3.75 -> -2.20 / 2.78, walk -0.96 / 0.96 -> +0.64 / 0.64; contact time error +21 -> +37,
 * +178 -> +121, +67 -> -1 ms: the 60 fps toe-offs stay 2.6 frames late). A front
 * camera above a treadmill (the runner coming toward it) is not asserted: its height toe-offs
 * miss every toe-off, so no stance is anchored (docs/events-history.md).
 */
typedef struct tilted_case {
    made_case c;
    double max_mae[2]; /* IC, TO: measured + 0.3 frame */
    int max_missed[2];
} tilted_case;

static void made_treadmill_seen_from_above(void)
{
    static const tilted_case cs[] = {
        {{"run 60 fps rear, treadmill, 20 deg above, 1 px", 0, 60, 12, GS_GEN_REAR, 1, 0, 0, 20, 0,
          0},
         {0.63, 2.85}, {0, 0}},
        {{"run 30 fps rear, treadmill, 30 deg above", 0, 30, 12, GS_GEN_REAR, 0, 0, 0, 30, 0, 0},
         {3.08, 1.91}, {0, 0}},
        {{"walk 30 fps rear, treadmill, 30 deg above", 1, 30, 18, GS_GEN_REAR, 0, 0, 0, 30, 0, 0},
         {0.94, 1.34}, {1, 0}},
    };
    for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
        const made_case *c = &cs[i].c;
        gs_evs_stats st[2];
        double gct;
        gs_gait_activity act = score_made(c, NULL, st, &gct);
        gs_gait_activity want = c->walk ? GS_GAIT_ACTIVITY_WALK : GS_GAIT_ACTIVITY_RUN;
        print_made_row(c->name, st, gct, NULL);
        for (int ty = 0; ty < 2; ty++) {
            CHECK_MSG(st[ty].mae <= cs[i].max_mae[ty], "%s %s: MAE %.2f frames", c->name,
                      ty ? "TO" : "IC", st[ty].mae);
            CHECK_MSG(st[ty].n_truth >= 8 && st[ty].missed <= cs[i].max_missed[ty] &&
                          st[ty].extra == 0,
                      "%s %s: %d of %d missed, %d extra", c->name, ty ? "TO" : "IC",
                      st[ty].missed, st[ty].n_truth, st[ty].extra);
        }
        CHECK_MSG(act == want, "%s: activity %d, want %d", c->name, (int)act, (int)want);
    }
}

/* xorshift64* normal deviates for the jitter (state in the caller). */
static double jitter_normal(unsigned long long *s)
{
    double u[2];
    for (int i = 0; i < 2; i++) {
        *s ^= *s >> 12;
        *s ^= *s << 25;
        *s ^= *s >> 27;
        u[i] = ((double)((*s * 2685821657736338717ULL) >> 11) + 0.5) / 9007199254740992.0;
    }
    return sqrt(-2 * log(u[0])) * cos(2 * 3.14159265358979323846 * u[1]);
}

/* A stored track: the source tree's gz (a path under it) decompressed into scratch/name (its path
 * in path) and read; NULL, after a failed check, when either step fails. */
static gs_pose_track *stored_track(const char *scratch, const char *gz, const char *name,
                                   char *path, size_t cap)
{
    char cmd[4096];
    gs_pose_track *t = NULL;
    gs_error err = {0};
    snprintf(path, cap, "%s/%s", scratch, name);
    snprintf(cmd, sizeof(cmd), "gzip -dc '%s/%s' > '%s'", GS_SOURCE_DIR, gz, path);
    CHECK_EQ_INT(system(cmd), 0);
    CHECK_EQ_INT(gs_pose_json_read(path, &t, &err), GS_OK);
    return t;
}

/*
 * Issue 13 item 4: landmarks jittered by 0.05 px (normal, SD 0.05 px) move events by less than
 * 0.1 frame on average and every metric by less than a tenth of its minimal change
 * (models/minimal_change.json), on the real track gz (the shipped sample's; the walking clip's
 * with min_strides 1, which takes the walking refinement: 0.015 frame on average, worst 0.27,
 * when it was added).
 */
/* level: 2 = events and metrics asserted, 1 = events only, 0 = measured and printed;
 * min_strides: gs_gait_options.min_strides (1 scores a short walk's few strides) */
static void tiny_jitter_moves_events_and_metrics_little(const char *scratch, const char *track,
                                                       unsigned long long seed, int reclean,
                                                       int level, int min_strides)
{
    char gz[1024], path[1024];
    gs_pose_track *t = NULL, *u = NULL;
    gs_gait_result *r0 = NULL, *r1 = NULL;
    gs_gait_options opt;
    gs_error err = {0};
    fprintf(stderr, "jitter on %s, seed %#llx\n", track, seed);
    snprintf(gz, sizeof(gz), "tests/data/%s", track);
    t = stored_track(scratch, gz, "events_jitter_pose.json", path, sizeof(path));
    CHECK_EQ_INT(gs_pose_json_read(path, &u, &err), GS_OK);
    if (!t || !u) {
        gs_pose_track_free(&t);
        gs_pose_track_free(&u);
        return;
    }
    /* reclean: the tracker's raw landmarks are jittered and both tracks go through the pose
     * clean-up again, whose repairs (swaps, lost feet, spikes) are decisions at thresholds that
     * must not flip on noise this small either (the two OpenBLAS settings, or a rebuilt nn,
     * change the landmarks by as little) */
    for (int32_t i = 0; i < u->n_frames && reclean; i++) {
        memcpy(t->frames[i].kp, t->frames[i].raw, sizeof(t->frames[i].kp));
        memcpy(u->frames[i].kp, u->frames[i].raw, sizeof(u->frames[i].kp));
        t->frames[i].flags = u->frames[i].flags = 0;
    }
    for (int32_t i = 0; i < u->n_frames; i++)
        for (int k = 0; k < GS_POSE_NKP && u->frames[i].has_kp; k++) {
            u->frames[i].kp[k].x += (float)(0.05 * jitter_normal(&seed));
            u->frames[i].kp[k].y += (float)(0.05 * jitter_normal(&seed));
        }
    if (reclean) {
        CHECK_EQ_INT(gs_pose_clean(t, NULL, &err), GS_OK);
        CHECK_EQ_INT(gs_pose_clean(u, NULL, &err), GS_OK);
        int flips = 0;
        double far = 0;
        for (int32_t i = 0; i < u->n_frames; i++) {
            if ((t->frames[i].flags ^ u->frames[i].flags) & ~(uint32_t)GS_POSE_FLAG_SMOOTHED) {
                fprintf(stderr, "raw jitter 0.05 px + clean-up: frame %d flags %#x -> %#x\n",
                        (int)i, (unsigned)t->frames[i].flags, (unsigned)u->frames[i].flags);
                flips++;
            }
            for (int k = 0; k < GS_POSE_NKP; k++)
                far = fmax(far, hypot(t->frames[i].kp[k].x - u->frames[i].kp[k].x,
                                      t->frames[i].kp[k].y - u->frames[i].kp[k].y));
        }
        fprintf(stderr, "raw jitter 0.05 px + clean-up: %d frames repaired differently, largest "
                        "landmark change %.2f px\n", flips, far);
        CHECK(level < 2 || flips == 0);
        CHECK_MSG(level < 2 || far < 0.5, "largest landmark change %.2f px", far);
    }
    const char *what = reclean ? "raw jitter 0.05 px + clean-up"
                       : min_strides ? "walk01 jitter 0.05 px"
                                     : "jitter 0.05 px";
    memset(&opt, 0, sizeof(opt));
    opt.min_strides = min_strides;
    gs_status rc0 = gs_gait_analyze(t, &opt, &r0, &err), rc1 = gs_gait_analyze(u, &opt, &r1, &err);
    CHECK(level < 1 || (rc0 == GS_OK && rc1 == GS_OK));
    if (r0 && r1) {
        int n0, n1, matched = 0;
        double sum = 0, worst = 0;
        const gs_gait_event *e0 = gs_gait_result_events(r0, &n0);
        const gs_gait_event *e1 = gs_gait_result_events(r1, &n1);
        for (int i = 0; i < n0; i++) {
            double best = 1e9;
            for (int j = 0; j < n1; j++)
                if (e1[j].side == e0[i].side && e1[j].type == e0[i].type)
                    best = fmin(best, fabs(e1[j].frame - e0[i].frame));
            if (best > 0.3)
                fprintf(stderr, "%s: %s %s at frame %.2f moved %.2f frames\n", what,
                        e0[i].side == GS_GAIT_SIDE_RIGHT ? "right" : "left",
                        e0[i].type == GS_GAIT_EVENT_TO ? "TO" : "IC", e0[i].frame, best);
            if (best < 5) {
                matched++;
                sum += best;
                worst = fmax(worst, best);
            }
        }
        fprintf(stderr, "%s: %d/%d events matched (%d after), mean move %.3f frames, "
                        "worst %.3f\n", what, matched, n0, n1, matched ? sum / matched : NAN, worst);
        CHECK(level < 1 || (n1 == n0 && matched == n0));
        /* issue 13 item 4: less than 0.1 frame on average, also with the clean-up run again
         * (asserted since the running contacts became the end of the foot's fall: before, the
         * height crossings moved one event by 2.2 frames and 4 of 47 metrics by more than a
         * tenth of their minimal change in this case) */
        CHECK_MSG(level < 1 || (matched > 0 && sum / matched < 0.1),
                  "%s: mean event move %.3f frames", what, matched ? sum / matched : NAN);
        /* metrics against a tenth of their minimal change */
        gs_metric_moves_result mm;
        CHECK(gs_metric_moves(r0, r1, what, &mm) == 0);
        fprintf(stderr, "%s: %d metric values compared, %d over a tenth of their "
                        "minimal change\n", what, mm.compared, mm.over);
        CHECK(level < 2 || mm.over == 0);
        CHECK(level < 1 || mm.compared > 20);
    }
    gs_gait_result_free(&r0);
    gs_gait_result_free(&r1);
    gs_pose_track_free(&t);
    gs_pose_track_free(&u);
}

/*
 * Real clips against the two raters' eye labels (tests/data/labels/<clip>.<a|b>.csv; how they
 * were made: tests/data/labels/a.md, b.md), on pose tracks made once with `gaitscope pose` (full
 * model) and stored compact (raw landmarks dropped, 0.01 px) as
 * tests/data/labels/pose/<clip>.pose.json.gz, so that this measures the gait stage alone.
 * Asserted: no worse than measured when these tests were written (issue 13's targets, MAE <=
 * max(0.5, inter-rater MAE + 0.1), are NOT met yet; docs/metrics.md section 3a has the table).
 */
typedef struct clip_case {
    const char *clip;
    double max_mae[2][2];  /* [rater a, b][contact, swing], frames */
    double max_missed[2][2]; /* fraction of the labels (raters may label more of a clip later) */
    const char *track;       /* under tests/data; NULL: labels/pose/CLIP.pose.json.gz */
    int raters;              /* 2, or 1 for rater a alone */
    double max_bias[2][2];   /* |mean(detected - label)|, frames; 0: not bounded */
    double tol_frames;       /* matching tolerance, frames; 0: 6 (0.2 s at 30 fps) */
    const char *ref;         /* a reference that is not a rater (labels/CLIP.REF.csv), or NULL */
    double ref_max[2];       /* its MAE and |bias| bounds, frames (the event types it holds) */
} clip_case;

static void score_clip(const clip_case *c, const char *scratch)
{
    char gz[1024], name[256], path[1024], lab[2][1024];
    gs_pose_track *t = NULL;
    gs_gait_result *r = NULL;
    gs_gait_options opt;
    gs_error err = {0};
    static gs_evs_event la[2][CAP], det[CAP];
    int nl[2], nd = 0, nev;
    gs_evs_stats st[2];
    double tol = c->tol_frames > 0 ? c->tol_frames : 6;

    if (c->track)
        snprintf(gz, sizeof(gz), "tests/data/%s", c->track);
    else
        snprintf(gz, sizeof(gz), "tests/data/labels/pose/%s.pose.json.gz", c->clip);
    snprintf(name, sizeof(name), "events_%s.pose.json", c->clip);
    t = stored_track(scratch, gz, name, path, sizeof(path));
    if (!t)
        return;
    memset(&opt, 0, sizeof(opt));
    opt.min_strides = 1; /* score the events even when statistics need more strides */
    gs_gait_analyze(t, &opt, &r, &err);
    CHECK_MSG(r != NULL, "%s: %s", c->clip, err.msg);
    if (!r) {
        gs_pose_track_free(&t);
        return;
    }
    const gs_gait_event *ev = gs_gait_result_events(r, &nev);
    for (int i = 0; i < nev && nd < CAP; i++) {
        det[nd].foot = ev[i].side == GS_GAIT_SIDE_RIGHT;
        det[nd].type = ev[i].type == GS_GAIT_EVENT_TO;
        det[nd].frame = ev[i].frame;
        nd++;
    }
    nl[1] = 0;
    for (int k = 0; k < (c->raters == 1 ? 1 : 2); k++) {
        char msg[512];
        snprintf(lab[k], sizeof(lab[k]), "%s/tests/data/labels/%s.%c.csv", GS_SOURCE_DIR, c->clip,
                 'a' + k);
        nl[k] = gs_evs_read_labels(lab[k], la[k], CAP, msg, sizeof(msg));
        CHECK_MSG(nl[k] > 0, "%s", msg);
        if (nl[k] <= 0)
            continue;
        gs_evs_score(la[k], nl[k], det, nd, tol, 1, st);
        for (int ty = 0; ty < 2; ty++) {
            fprintf(stderr, "| %-36s | rater %c | %-7s | %2d | %2d missed | %2d extra | %+5.2f | %4.2f |\n",
                    c->clip, 'a' + k, ty ? "swing" : "contact", st[ty].n_truth, st[ty].missed,
                    st[ty].extra, st[ty].bias, st[ty].mae);
            CHECK_MSG(st[ty].mae <= c->max_mae[k][ty], "%s rater %c %s: MAE %.2f frames",
                      c->clip, 'a' + k, ty ? "swing" : "contact", st[ty].mae);
            CHECK_MSG(c->max_bias[k][ty] <= 0 || fabs(st[ty].bias) <= c->max_bias[k][ty],
                      "%s rater %c %s: bias %+.2f frames", c->clip, 'a' + k,
                      ty ? "swing" : "contact", st[ty].bias);
            CHECK_MSG(st[ty].missed <= c->max_missed[k][ty] * st[ty].n_truth,
                      "%s rater %c %s: %d of %d missed", c->clip, 'a' + k,
                      ty ? "swing" : "contact", st[ty].missed, st[ty].n_truth);
        }
    }
    if (nl[0] > 0 && nl[1] > 0) {
        gs_evs_score(la[0], nl[0], la[1], nl[1], tol, 0, st);
        for (int ty = 0; ty < 2; ty++)
            fprintf(stderr, "| %-36s | b vs a  | %-7s | %2d | %2d missed | %2d extra | %+5.2f | %4.2f |\n",
                    c->clip, ty ? "swing" : "contact", st[ty].n_truth, st[ty].missed,
                    st[ty].extra, st[ty].bias, st[ty].mae);
    }
    /* the raters' labels are no longer needed: la[0] takes the reference */
    if (c->ref) {
        char msg[512];
        snprintf(lab[0], sizeof(lab[0]), "%s/tests/data/labels/%s.%s.csv", GS_SOURCE_DIR, c->clip,
                 c->ref);
        int nr = gs_evs_read_labels(lab[0], la[0], CAP, msg, sizeof(msg));
        CHECK_MSG(nr > 0, "%s", msg);
        if (nr > 0) {
            gs_evs_score(la[0], nr, det, nd, tol, 1, st);
            for (int ty = 0; ty < 2; ty++) {
                if (st[ty].n_truth == 0)
                    continue;
                fprintf(stderr,
                        "| %-36s | %-7s | %-7s | %2d | %2d missed | %2d extra | %+5.2f | %4.2f |\n",
                        c->clip, c->ref, ty ? "swing" : "contact", st[ty].n_truth, st[ty].missed,
                        st[ty].extra, st[ty].bias, st[ty].mae);
                CHECK_MSG(st[ty].missed == 0 && st[ty].mae <= c->ref_max[0] &&
                              fabs(st[ty].bias) <= c->ref_max[1],
                          "%s against %s %s: %d missed, bias %+.2f, MAE %.2f frames", c->clip,
                          c->ref, ty ? "swing" : "contact", st[ty].missed, st[ty].bias,
                          st[ty].mae);
            }
        }
    }
    gs_gait_result_free(&r);
    gs_pose_track_free(&t);
}

static void labelled_clips_do_not_regress(const char *scratch)
{
    /* bounds: the MAE and the share of labels missed, measured when set, plus 0.3 frame and 0.1;
     * the bias (where set) plus 0.3 frame */
    static const clip_case clips[] = {
        /* The tracks (labels/pose/CLIP.pose.json.gz) are main's tracker at dc02ec5 (with the second
         * look, src/pose/recheck.c); walk_side_overground_01's since its walking toe-offs stopped
         * moving 0.42 frame under 0.05 px of jitter (session 7: the hinge window follows the
         * interpolated crossing time).
         * The sample, rater a alone: contacts from the end of the foot's fall since issue 13
         * (+2.21 / 2.21 frames late before), contact +0.35 / 0.35 once the foot must also have
         * stopped moving forward; toe-offs +0.30 / 0.73 -> +0.36 / 0.61 with the toe-off range on
         * the sub-frame threshold crossing, +0.27 / 0.52 with the continuous noise estimate, +0.15
         * / 0.39 with the toe-off crossing searched from 0.25 s (not 0.2) before Zeni's TO
         * (session 8: two left toe-offs 2-3 frames late on their foot's median shift) */
        /* session 11: a second rater (b, labels/b.md 5a): contacts -1.47 / 1.47, 1.82 frames
         * after rater a's (a: the heel's most forward point; b: the first frame it moves back
         * with the belt), toe-offs -0.42 / 0.61; targets 1.92 / 0.66, met, bias against the
         * raters' mean contact -0.56 (not met), toe-off -0.15 (met).
         * Session 12: treadmill running contacts are the first frame the foot is down and moves
         * back with the belt (written definition, labels/a.md 12); rater a's contacts are a
         * second pass with it (33; its first pass marked the most forward point), 0.73 frame
         * after rater b's; the detector's contact at the belt's uptake
         * (gs_gait__belt_contacts): a +0.35 -> -0.82 / 0.82 (first pass +1.74 / 1.74), b -1.47
         * -> -0.09 / 0.21; target 0.83, met; bias against the raters' mean -0.46 (not met).
         * Session 17: rater b's contacts (the earlier rule) replaced by a second pass with the
         * written definition (labels/b.md "Session 17"), 0.30 frame from rater a's (bias +0.12):
         * the detector b -0.09 / 0.21 -> -0.94 / 0.94; target max(0.5, 0.30 + 0.1): not met by
         * either rater (the landmarks' belt uptake comes about a frame before both see the shoe
         * down). Bounds: measured + 0.1 frame. */
        {"run_side_treadmill_01", {{0.92, 0.69}, {1.04, 0.66}}, {{0.03, 0.06}, {0, 0.06}}, NULL,
         2, {{0.92, 0.45}, {1.04, 0.47}}, 0, NULL, {0, 0}},
        /* contacts 4.62 (a, 10 of 18 missed) / 2.72 (b) before the landing contacts; between the
         * raters now, who differ by 3.6 frames; toe-offs a frame early (-1.06 / -0.89), then
         * -0.72 / 0.72 (a) and -0.56 / 0.78 (b) with the toe-off range on the sub-frame
         * threshold crossing (gs_gait__to_at_range). Session 12: rater a's contacts a second pass
         * with the written treadmill definition (its first pass, +1.72 / 2.06, marked the end of
         * the heel's fall while the foot still swung forward), now 2.00 frames after rater b's
         * (a holds a foot moving back 6-17 px above the belt to be in the air); contacts at the
         * belt's uptake a -4.06 -> -0.89 / 0.89, b -2.06 -> +1.11 / 1.22 (raters' mean +0.11:
         * met; target 2.1). Session 17: rater b's contacts replaced by a second pass with the
         * written definition (labels/b.md "Session 17"), 0.17 frame from rater a's: the detector
         * b +1.11 / 1.22 -> -0.94 / 0.94; target now 0.5, not met. Bounds: measured + 0.1. */
        {"run_side_treadmill_02_60fps", {{0.99, 1.02}, {1.04, 1.08}}, {{0, 0.1}, {0, 0.1}},
         NULL, 2, {{0.99, 1.02}, {1.04, 0.86}}, 0, NULL, {0, 0}},
        /* walking (gait_events_walk.c, issue 13): a 2.27 / 3.75, b 2.45 / 4.22 before, with
         * 6-13 of 17 events missed, most of them in the return pass (walked backwards); contacts
         * a 1.62 -> 1.38, b 1.56 -> 1.31 with the toe's X in the backward pass (session 7, the
         * old tracker's track); on main's tracker's track (swapped in then) contact a and b
         * -0.12 / 1.41, toe-off a -0.19 / 0.81, b +0.27 / 0.93; a -0.12 / 0.88, b +0.33 / 1.00
         * with the walking levels and noise as weighted Harrell-Davis medians (session 8: the
         * events move <= 0.04 frame, but a toe-off at 281.000 -> 281.002 frames counts a frame
         * later); with the leg-label clean-up bridging the frames where BlazePose puts both
         * legs on one spot (src/pose/clean.c; the legs were labelled wrong over 53-60, 228-233
         * and 258-265) contact a -0.29 / 0.88, b -0.29 / 1.00, toe-off a -0.65 / 0.88 (all 17
         * found), b -0.06 / 0.81 (16 of 18): the toe-offs now follow rater b, whose toe-offs lie
         * 0.56 frame before rater a's; session 11, walking contacts: only late ones take the
         * foot's reference shift, one without the late-locked (gait_events_side.c): the right
         * foot's reference 0.42 frame earlier, its first contact (truncated window) 38 -> 37
         * (a 37, b 38), contact a -0.35 / 0.82, b -0.35 / 1.06; session 12, forward toe-offs
         * where the foot's pitch stops rising (gait_events_walk.c walk_to_turn): toe-off a
         * -0.65 / 0.88 -> -0.47 / 0.71, b -0.06 / 0.81 -> +0.12 / 0.75; session 19, the
         * footprint's samples weighted by a ramp at the window's ends (gait_events_walk.c
         * stance_fit): the left contact at 57 54.56 -> 55.28, contact a -0.35 / 0.82 -> -0.29 /
         * 0.76, b -0.35 / 1.06 -> -0.29 / 1.00 */
        {"walk_side_overground_01", {{1.06, 1.01}, {1.30, 1.05}}, {{0.1, 0.1}, {0.1, 0.17}}, NULL,
         2, {{0.59, 0.77}, {0.59, 0.42}}, 0, NULL, {0, 0}},
        /* hand-held, barefoot, 6 labelled contacts: toe-offs a 2.75 -> 1.5, b 2.5 -> 1.25 with the
         * walking events, 1.0 / 0.75 with the toe-off window on the crossing time (session 7);
         * contacts +3.2 / +3.8 late (the tracked foot keeps moving after the heel is down);
         * session 9, the leg labels' stance memory (src/pose/clean.c): the swinging left foot is
         * no longer put on the right one's stance spot over 112-115, so the last left contact
         * (a: 113) is found (114.3) and the last left toe-off moves 101.5 -> 102.4 (104): contact
         * a +3.20 / 3.20 (1 of 6 missed) -> +3.00 / 3.00 (none), toe-off a -0.50 / 1.00 ->
         * -0.25 / 0.75, b -0.25 / 0.75 -> +0.00 / 0.50.
         * Session 10: the raters mark the heel at floor level 2-4 frames before it arrives (it
         * still moves 13-27 px a frame there; docs/events-history.md "Session 10 ... which
         * definition"), so the contacts are also held to where the visible heel arrives, read from
         * the pixels (labels/walk_side_overground_04.heel.csv, labels/heel.md; not a rater):
         * +1.00 / 1.00, +0.50 / 0.50 without the first contact, where BlazePose puts the heel
         * 200-280 px above the floor.
         * Session 12, toe-offs where the foot's pitch stops rising: a -0.25 / 0.75 -> -0.25 /
         * 0.25, b +0.00 / 0.50 -> +0.00 / 0.00.
         * Session 15, the tracker turns a detection laid on its side upright (src/pose/track.c
         * START_MAX_TILT): frames 20-27 carried a skeleton lying across the entering walker's
         * arm and bag, now the walker; the first right contact (a: 24) 28.7 -> 25.6: contact
         * a +3.00 / 3.00 -> +2.50 / 2.50, b +3.80 / 3.80 -> +3.20 / 3.20, heel +1.00 / 1.00 ->
         * +0.40 / 0.40; toe-offs unchanged. Bounds: measured + 0.1. */
        {"walk_side_overground_04", {{2.6, 0.55}, {3.3, 0.3}}, {{0.1, 0.1}, {0.3, 0.1}}, NULL, 2,
         {{2.6, 0.3}, {3.3, 0.1}}, 0, "heel", {0.5, 0.5}},
        /* rear clip: contacts from the kink of the ankle's path since issue 13's rear-view step
         * (were 3.9 / 3.25 frames, 18 / 27 of 43 missed); toe-offs from the foot's own lowest
         * point of the stance (were +1.45 / 1.55 and +0.67 / 0.90, a frame late); session 10,
         * the mid-stances no height toe-off claimed (kink_contacts): the right stance 382-392
         * and the last left contact (457) found, none missed (rater b's first toe-off, at frame
         * 1 "under way at frame 0", has no stance before it); the contact at the start of a
         * level before the kink (kink_time): a +0.40 / 0.72 -> -0.26 / 0.67, b +1.26 / 1.40 ->
         * +0.60 / 0.88 (left foot a +1.00 / 1.00 -> -0.27 / 0.91, b +2.14 / 2.14 -> +0.86 / 1.14);
         * the fit over 0.8 step times, not 0.9: a -0.26 / 0.67 -> -0.37 / 0.70, b +0.60 / 0.88 ->
         * +0.49 / 0.58 (rater a's bound loosened by 0.11 and 0.03 frame: bias against the
         * raters' mean +0.17 -> +0.06, the made tracks filmed from above and the jitter better) */
        {"run_rear_treadmill_01", {{0.80, 0.63}, {0.68, 0.89}}, {{0, 0}, {0, 0.03}}, NULL,
         2, {{0.47, 0.22}, {0.59, 0.75}}, 0, NULL, {0, 0}},
        /* the backlit pan: a 120 fps capture (`gaitscope pose --slowmo 5`, main's tracker at
         * 33afd03), labels over frames 45-176 (the feet leave the picture after 180); matched
         * within 24 frames, the 0.2 s that 6 frames are at 30 fps. With one ground level per foot
         * the panning, tilting camera read as 32.5 px of noise: toe-offs +8.50 / 8.50 (a and b);
         * with the ground stance by stance (gs_gait__stance_ground) -2.75 / 2.75: the
         * foot-index point rises as the shoe pitches, 4-5 frames (35-40 ms) before the raters'
         * toe-off on two of four. Contacts -11.33 / 11.33 (a), -10.67 / 10.67 (b) with the
         * landing rule (it stops in a slow phase of the heel's late-swing fall), -1.00 / 2.33,
         * -0.33 / 1.67 as the walking contacts, from the foot's stop on its footprint
         * (gs_gait__footprint_ic; docs/events-history.md). Session 15, the tracker no longer
         * starts a track lying on its side as the runner leaves (359-389, to 372 over empty
         * sky; src/pose/track.c START_MAX_TILT): toe-offs -2.75 / 2.75 -> -1.50 / 2.50 (a and
         * b), contacts unchanged. Bounds: toe-offs measured + 0.1. Session 20: both raters'
         * contacts a blind second pass with the written definition (labels/a.md "Session 20":
         * 62, 106, 149 from both, 1-2 frames before the session-11 "stops descending"): contacts
         * +0.67 / 1.33 against each (was -1.00 / 2.33; -0.33 / 1.67); bounds measured + 0.3 as
         * before. Session 20, the ground line the image horizontal where the camera follows (the
         * stance feet's line read the pan's tilt as -9.6 deg) and each stance's level following
         * the ground down: contacts +0.33 / 1.00, toe-offs -1.50 / 2.50 -> -3.50 / 3.50 (the
         * rotation had offset the foot index's early rise by the tilt; -4.25 / 4.25 with the
         * horizontal and level stances). Toe-offs against the blind second pass with the
         * written definition (44, 88, 131, 174 from both, labels/a.md): -2.50 / 2.50. */
        {"run_side_overground_02_backlit_pan", {{1.30, 2.6}, {1.30, 2.6}},
         {{0, 0}, {0, 0}}, NULL, 2, {{0.63, 2.6}, {0.63, 2.6}}, 24, NULL, {0, 0}},
        /* labelled in session 11, after every rule above was written: data the detector was
         * not tuned on (a runner in socks, ~30 fps VFR, 121 frames; two raters, independently,
         * labels/a.md and b.md). Toe-offs +0.20 / 0.20 against both (the raters agree to the
         * frame); contacts a +0.20 / 0.60, b -2.30 / 2.30: the raters are 2.50 frames apart on
         * every contact (a: the foot's most forward position; b: the end of its fast descent,
         * after the foot has begun to move back), so the MAE target is 2.6 and met, the bias
         * against the raters' mean (-1.05) not. Bounds: measured + 0.05 frame.
         * Session 12: rater a's contacts a second pass with the written treadmill definition
         * (11: one more at frame 3, which the detector misses 3 frames into the clip), 0.30
         * frame after rater b's; at the belt's uptake a -2.60 -> -1.40 / 1.40, b -2.30 -> -1.10
         * / 1.10 (target 0.5: not met; the landmarks show the foot moving back at the belt's
         * speed a frame before both raters see it down: docs/events-history.md). Bounds: measured +
         * 0.1. Session 17: rater b's contacts replaced by a second pass with the written
         * definition (labels/b.md "Session 17"; 11, frame 4 among them, missed as rater a's 3),
         * 0.45 frame from rater a's: b -1.10 / 1.10 -> -1.60 / 1.60. */
        {"run_side_treadmill_04", {{1.50, 0.25}, {1.70, 0.25}}, {{0.1, 0}, {0.1, 0}}, NULL, 2,
         {{1.50, 0.25}, {1.70, 0.25}}, 0, NULL, {0, 0}},
        /* session 11, not tuned on either: a walker crossing a park (VP9, grass, low sun; two
         * new raters, labels/a.md and b.md). Contacts a +0.14 / 0.14, b -0.17 / 0.17 (raters
         * 0.50 apart: met); the first two contacts (40-41 and 59-60, the walker stepping out
         * from behind a tree trunk, 37) missed: the track starts there. Toe-offs a -1.38 / 1.38,
         * b -1.38 / 1.38 (raters 0.25 apart, target 0.5: not met, early as walk_01's forward
         * pass, where foot_index rises before the tip leaves the ground); session 12, where the
         * foot's pitch stops rising: -0.25 / 0.75 against both (still over the target).
         * Session 19: the tracker's periodic detector every 0.5 s instead of 1 s (src/pose/track.c
         * DET_INTERVAL_S) finds the walker at 47 instead of 62, so her first right stance is
         * tracked: its toe-off (87) from her own foot's pitch (86.19) instead of the foot's
         * median shift (84.87, 2 frames early), and the contact at 59-60 found (60.56). Stored
         * track re-made (`gaitscope pose`, full model, compact as above). Contacts a +0.14 /
         * 0.14 -> +0.38 / 0.38, b -0.17 / 0.17 -> +0.00 / 0.29 (1 of 9 / 8 missed, were 2; target
         * 0.6: met); toe-offs -0.25 / 0.75 -> +0.25 / 0.50 against both (target 0.5: met).
         * Bounds: toe-off MAE measured + 0.1, the rest as above. */
        {"walk_side_multiperson_01", {{0.68, 0.60}, {0.59, 0.60}}, {{0.21, 0}, {0.23, 0}}, NULL,
         2, {{0.68, 0.55}, {0.30, 0.55}}, 0, NULL, {0, 0}},
        /* session 13, not tuned on: a staged circumduction walk, barefoot, handheld, walking right,
         * turning, walking back (two new raters, labels/a.md and b.md, same session, after every
         * rule here was written). Contacts a +0.50 / 0.93, b -0.43 / 0.71 (raters 0.94 apart: b
         * waits for the foot to stop; against their mean +0.03, MAE target 1.04: met); 2 / 4 not
         * found: the right foot below the picture's bottom edge walking right (13 and 59 by b),
         * the turn. Toe-offs a -0.54 / 0.85 (13 of 15 found), b -0.50 / 0.93 (14 of 19, 2 extra;
         * raters 0.27 apart, target 0.5: not met): the circumducting right leg's toe-offs walking
         * back come 2-3 frames early (287.5, 326.7), its foot lifts off nearly flat; the near
         * foot's toe-off at 274 is dropped with its shoe-less toes at the bottom edge. Session 13
         * found 9 / 10: the feet-out rule dropped every toe-off where the pitched toes came within
         * 10-26 px of the edge (66, 314, 351), until its runs needed a frame out by the pitch-free
         * sole estimate too (gait.c link_out_runs, session 14). Bounds: measured + 0.1.
         * Session 19, the footprint's samples weighted by a ramp at the window's ends
         * (gait_events_walk.c stance_fit): the circumducting right foot's own contacts at 138
         * and 385 change (138.6 -> 140.7, 389.3 -> 384.4; its foot pivots and slides 5-10 px in
         * mid-stance, so its footprint speed hangs on the window's end samples) and with them
         * which of that foot's contacts take its reference shift: right contacts 139.3, 177.6,
         * 346.8, 386.5 -> 137.9, 176.8, 346.0, 385.2; contacts a +0.50 / 0.93 -> +0.07 / 0.64, b
         * -0.43 / 0.71 -> -0.86 / 1.00 (the two biases' mean +0.03 -> -0.40; target 1.04 met by
         * both); rater b's bounds loosened to the measured + 0.1. */
        {"walk_side_circumduction_01", {{0.74, 0.95}, {1.10, 1.03}}, {{0.13, 0.23}, {0.23, 0.36}},
         NULL, 2, {{0.17, 0.64}, {0.96, 0.60}}, 0, NULL, {0, 0}},
    };
    fprintf(stderr, "| clip | who | event | n | missed | extra | bias | MAE |\n");
    for (size_t i = 0; i < sizeof(clips) / sizeof(clips[0]); i++)
        score_clip(&clips[i], scratch);
}

/*
 * The same clips' tracks made with BlazePose's heavy landmark model (`gaitscope pose CLIP --model
 * heavy --threads 1`, the pan with `--slowmo 5`; compact as above) as
 * labels/pose/CLIP.heavy.pose.json.gz, for the two clips where it helped (session 11, heavy;
 * docs/events-history.md "BlazePose's other models"): its foot_index stays nearer the shoe's tip
 * through push-off (at the labelled toe-off 0.11 foot lengths above its stance level on the 60 fps
 * clip against full's 0.29; the pan 0.27 against 0.41), so the 60 fps toe-offs meet issue 13's
 * target (a -0.22 / 0.33, b -0.06 / 0.17; full's -0.78 / 0.78, -0.61 / 0.83) and the pan's come
 * late rather than early (+1.25 / 1.75, a and b; full's -2.75 / 2.75). Its contacts: 60 fps a
 * +2.39 / 2.50, b -1.39 / 1.61 (raters' mean +0.50; full's -0.17), the pan a -1.00 / 1.00, b -0.33
 * / 1.00; session 12 (belt contacts, rater a's second pass): 60 fps a -0.67 / 0.78, b +1.33 /
 * 1.33. Not the default: on the sample, both walks and the rear clip heavy is worse (3a).
 * Under 0.05 px jitter (three seeds, not asserted) the 60 fps heavy track's events move 0.014-0.029
 * frame on average (full's 0.004-0.008), the pan's 0.07-0.21 (a contact at 63 moves a frame).
 * Bounds as above: measured + 0.3 frame (MAE, bias), none missed.
 */
static void heavy_model_tracks_do_not_regress(const char *scratch)
{
    static const clip_case clips[] = {
        /* session 17: rater b's contacts a second pass with the written definition: b +1.33 /
         * 1.33 -> -0.72 / 0.83 */
        {"run_side_treadmill_02_60fps", {{1.08, 0.63}, {1.13, 0.47}}, {{0, 0}, {0, 0}},
         "labels/pose/run_side_treadmill_02_60fps.heavy.pose.json.gz", 2,
         {{0.97, 0.52}, {1.02, 0.36}}, 0, NULL, {0, 0}},
        /* session 20: the pan's contacts a blind second pass with the written definition (both
         * raters 62, 106, 149): a -1.00 / 1.00, b -0.33 / 1.00 -> +0.67 / 0.67 both; with the
         * ground line the image horizontal (the camera follows) +0.00 / 0.67, toe-offs +1.25 /
         * 1.75 -> -4.00 / 4.00 (as the full model's, above); -3.00 / 3.00 against the toe-offs'
         * second pass */
        {"run_side_overground_02_backlit_pan", {{0.97, 3.3}, {0.97, 3.3}}, {{0, 0}, {0, 0}},
         "labels/pose/run_side_overground_02_backlit_pan.heavy.pose.json.gz", 2,
         {{0.30, 3.3}, {0.30, 3.3}}, 24, NULL, {0, 0}},
    };
    fprintf(stderr, "| heavy model tracks (labels/pose/CLIP.heavy.pose.json.gz) |\n");
    for (size_t i = 0; i < sizeof(clips) / sizeof(clips[0]); i++)
        score_clip(&clips[i], scratch);
}

/*
 * Issue 13 item 6: an events.csv edited by hand replaces the detected events. A round trip of the
 * sample's events.csv with one contact moved by 3 frames changes only the strides that hold that
 * event; the result says the events were edited; a malformed file is an error naming file:line.
 */
/* Writes r's analysis.json as scratch/name and reads it back into js (NUL-terminated); returns
 * its length (0 when it could not be written or read). */
static size_t analysis_text(const gs_gait_result *r, const char *scratch, const char *name,
                            char *js, size_t cap)
{
    char path[1024];
    gs_error err = {0};
    snprintf(path, sizeof(path), "%s/%s", scratch, name);
    CHECK_EQ_INT(gs_gait_write_analysis_json(path, r, &err), GS_OK);
    FILE *f = fopen(path, "r");
    size_t len = f ? fread(js, 1, cap - 1, f) : 0;
    if (f)
        fclose(f);
    js[len] = '\0';
    return len;
}

static void edited_events_move_only_their_strides(const char *scratch)
{
    char pose[1024], csv[1024], edited[1024];
    gs_pose_track *t = NULL;
    gs_gait_result *r0 = NULL, *r1 = NULL;
    gs_gait_options opt;
    gs_error err = {0};
    snprintf(csv, sizeof(csv), "%s/events_edit_orig.csv", scratch);
    snprintf(edited, sizeof(edited), "%s/events_edit_moved.csv", scratch);
    t = stored_track(scratch, "tests/data/baseline_sample_pose.json.gz", "events_edit_pose.json",
                     pose, sizeof(pose));
    if (!t)
        return;
    memset(&opt, 0, sizeof(opt));
    CHECK_EQ_INT(gs_gait_analyze(t, &opt, &r0, &err), GS_OK);
    if (!r0) {
        gs_pose_track_free(&t);
        return;
    }
    CHECK_EQ_INT(gs_gait_write_events_csv(csv, r0, &err), GS_OK);
    /* move the 10th event (a mid-clip one) by 3 frames (0.1 s at 30 fps) */
    int n0, n1, ns0, ns1, moved = 9;
    const gs_gait_event *e0 = gs_gait_result_events(r0, &n0);
    CHECK(n0 > 20);
    double t_old = e0[moved].t_s, t_new = t_old + 3.0 / 30;
    FILE *in = fopen(csv, "r"), *out = fopen(edited, "w");
    CHECK(in && out);
    if (in && out) {
        char line[256];
        int row = -1;
        while (fgets(line, sizeof(line), in)) {
            if (row == moved)
                fprintf(out, "%s,%s,%.6f\n", e0[moved].side == GS_GAIT_SIDE_RIGHT ? "right" : "left",
                        e0[moved].type == GS_GAIT_EVENT_TO ? "TO" : "IC", t_new);
            else
                fputs(line, out);
            row++;
        }
    }
    if (in)
        fclose(in);
    if (out)
        fclose(out);
    opt.events_csv = edited;
    CHECK_EQ_INT(gs_gait_analyze(t, &opt, &r1, &err), GS_OK);
    if (r1) {
        const gs_gait_stride *s0 = gs_gait_result_strides(r0, &ns0);
        const gs_gait_stride *s1 = gs_gait_result_strides(r1, &ns1);
        gs_gait_result_events(r1, &n1);
        CHECK_EQ_INT(n1, n0);
        CHECK_EQ_INT(ns1, ns0);
        int changed = 0, wrong = 0;
        for (int i = 0; i < ns0 && i < ns1; i++) {
            int holds = fabs(s0[i].t0_s - t_old) < 1e-5 || fabs(s0[i].t1_s - t_old) < 1e-5 ||
                        (isfinite(s0[i].to_s) && fabs(s0[i].to_s - t_old) < 1e-5);
            int same = fabs(s0[i].t0_s - s1[i].t0_s) < 1e-5 &&
                       fabs(s0[i].t1_s - s1[i].t1_s) < 1e-5 &&
                       (isfinite(s0[i].to_s) ? fabs(s0[i].to_s - s1[i].to_s) < 1e-5
                                             : !isfinite(s1[i].to_s));
            changed += !same;
            wrong += holds == same;
        }
        fprintf(stderr, "edited events: %d of %d strides changed\n", changed, ns0);
        CHECK(changed >= 1 && changed <= 2);
        CHECK_EQ_INT(wrong, 0);
        static char js[1 << 20];
        analysis_text(r1, scratch, "events_edit_analysis.json", js, sizeof(js));
        CHECK(strstr(js, "events edited by hand") != NULL); /* a note: the report shows it */
        cJSON *root = cJSON_Parse(js);
        CHECK(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "methods"),
                                               "events_edited")));
        cJSON_Delete(root);
    }
    /* a run whose right contacts all come 0.15 s early: the left foot's flight (left TO to the
     * next right IC) turns negative, which no run has: the result says so in a note */
    in = fopen(csv, "r");
    out = fopen(edited, "w");
    CHECK(in && out);
    if (in && out) {
        char line[256], side[16], type[8];
        double ts;
        while (fgets(line, sizeof(line), in)) {
            if (sscanf(line, "%15[a-z],%7[A-Z],%lf", side, type, &ts) == 3 &&
                !strcmp(side, "right") && !strcmp(type, "IC"))
                fprintf(out, "right,IC,%.6f\n", ts - 0.15);
            else
                fputs(line, out);
        }
    }
    if (in)
        fclose(in);
    if (out)
        fclose(out);
    gs_gait_result_free(&r1);
    opt.activity = GS_GAIT_ACTIVITY_RUN;
    CHECK_EQ_INT(gs_gait_analyze(t, &opt, &r1, &err), GS_OK);
    if (r1) {
        static char js2[1 << 20];
        analysis_text(r1, scratch, "events_edit_flight.json", js2, sizeof(js2));
        CHECK_MSG(strstr(js2, "left flight time is negative in a run") != NULL,
                  "no note on the negative left flight");
        CHECK(strstr(js2, "right flight time is negative") == NULL);
    }
    opt.activity = GS_GAIT_ACTIVITY_UNKNOWN;
    /* the unedited sample has no such note */
    {
        static char js3[1 << 20];
        size_t len = analysis_text(r0, scratch, "events_edit_orig.json", js3, sizeof(js3));
        CHECK(len > 1000 && strstr(js3, "flight time is negative") == NULL);
    }

    /* a malformed row is one error naming the file and line */
    FILE *bad = fopen(edited, "w");
    if (bad) {
        fputs("side,type,t_s,frame,unc_frames\nleft,IC,0.5,15,1\nleft,XX,0.9,27,1\n", bad);
        fclose(bad);
    }
    gs_gait_result_free(&r1);
    CHECK(gs_gait_analyze(t, &opt, &r1, &err) != GS_OK);
    CHECK_MSG(strstr(err.msg, "events_edit_moved.csv:3") != NULL, "message: %s", err.msg);
    gs_gait_result_free(&r0);
    gs_gait_result_free(&r1);
    gs_pose_track_free(&t);
}

/*
 * Issue 13 item 5: the activity is a decision with a margin. The shipped sample (a slow jog: the
 * raters saw flights of 0-2 frames) and the walking clip keep their activity when every contact
 * moves 1 to 3 frames earlier or later (an events.csv edited so; the flight and duty-factor vote
 * then falls inside its margin and the pelvis phase decides), which a bare "flight > 0 and duty
 * factor < 0.5" rule did not: contacts 3 frames earlier turned the sample into a walk (flight
 * -20 ms, duty factor 0.55), as did a contact method 1-2 frames earlier with toe-offs later.
 */
static void activity_holds_when_contacts_move(const char *scratch)
{
    static const struct {
        const char *gz, *name;
        gs_gait_activity want;
    } clips[] = {{"tests/data/baseline_sample_pose.json.gz", "sample", GS_GAIT_ACTIVITY_RUN},
                 {"tests/data/labels/pose/walk_side_overground_01.pose.json.gz", "walk01",
                  GS_GAIT_ACTIVITY_WALK},
                 {"tests/data/labels/pose/run_side_treadmill_02_60fps.pose.json.gz", "run60",
                  GS_GAIT_ACTIVITY_RUN}};
    for (size_t c = 0; c < sizeof(clips) / sizeof(clips[0]); c++) {
        char cmd[2048], pose[1024], csv[1024], moved[1024];
        gs_pose_track *t = NULL;
        gs_gait_result *r0 = NULL;
        gs_gait_options opt;
        gs_error err = {0};
        snprintf(csv, sizeof(csv), "%s/events_act_%s.csv", scratch, clips[c].name);
        snprintf(moved, sizeof(moved), "%s/events_act_%s_moved.csv", scratch, clips[c].name);
        snprintf(cmd, sizeof(cmd), "events_act_%s.pose.json", clips[c].name);
        t = stored_track(scratch, clips[c].gz, cmd, pose, sizeof(pose));
        if (!t)
            continue;
        memset(&opt, 0, sizeof(opt));
        opt.min_strides = 1;
        CHECK_EQ_INT(gs_gait_analyze(t, &opt, &r0, &err), GS_OK);
        if (!r0) {
            gs_pose_track_free(&t);
            continue;
        }
        CHECK_MSG(gs_gait_result_activity(r0) == clips[c].want, "%s: activity %d",
                  clips[c].name, (int)gs_gait_result_activity(r0));
        CHECK_EQ_INT(gs_gait_write_events_csv(csv, r0, &err), GS_OK);
        int nev;
        const gs_gait_event *ev = gs_gait_result_events(r0, &nev);
        double dt = nev > 1 && ev[1].frame != ev[0].frame
                        ? (ev[1].t_s - ev[0].t_s) / (ev[1].frame - ev[0].frame)
                        : 1.0 / 30;
        for (int shift = -3; shift <= 3; shift++) {
            gs_gait_result *r1 = NULL;
            if (shift == 0)
                continue;
            FILE *in = fopen(csv, "r"), *out = fopen(moved, "w");
            CHECK(in && out);
            if (in && out) {
                char line[256], side[16], type[8];
                double ts;
                while (fgets(line, sizeof(line), in)) {
                    if (sscanf(line, "%15[a-z],%7[A-Z],%lf", side, type, &ts) == 3 &&
                        !strcmp(type, "IC"))
                        fprintf(out, "%s,IC,%.6f\n", side, ts + shift * dt);
                    else
                        fputs(line, out);
                }
            }
            if (in)
                fclose(in);
            if (out)
                fclose(out);
            opt.events_csv = moved;
            CHECK_EQ_INT(gs_gait_analyze(t, &opt, &r1, &err), GS_OK);
            if (r1) {
                double gct = NAN, sd;
                int n = 0;
                gs_gait_result_metric(r1, "ground_contact_ms", 0, &gct, &sd, &n);
                fprintf(stderr, "activity, %s, contacts moved %+d frames: %s (left contact "
                                "%.0f ms)\n", clips[c].name, shift,
                        gs_gait_result_activity(r1) == GS_GAIT_ACTIVITY_RUN ? "run" : "walk", gct);
                CHECK_MSG(gs_gait_result_activity(r1) == clips[c].want,
                          "%s: contacts moved %+d frames: activity %d", clips[c].name, shift,
                          (int)gs_gait_result_activity(r1));
            }
            gs_gait_result_free(&r1);
            opt.events_csv = NULL;
        }
        gs_gait_result_free(&r0);
        gs_pose_track_free(&t);
    }
}

/*
 * --swap-legs (issue 13 item 6): "all" on the sample's track exchanges every leg metric's left and
 * right value exactly and every event's side, and a note says so; a range swaps only the frames
 * in it; a malformed list is GS_ERR_ARG naming the option; gait and analyze accept it on the
 * command line and analysis.json carries the note.
 */
static void swap_legs_exchanges_the_legs_and_says_so(const char *scratch)
{
    static const char *const keys[] = {"ground_contact_ms", "flight_ms", "step_time_ms",
                                       "knee_flexion_ic_deg", "knee_flexion_peak_stance_deg",
                                       "hip_extension_peak_deg", "foot_strike_angle_deg"};
    char path[1024], cmd[4096], out[1024];
    gs_pose_track *t = NULL;
    gs_gait_result *r0 = NULL, *r1 = NULL, *r2 = NULL, *bad = NULL;
    gs_gait_options opt;
    gs_error err = {0};
    t = stored_track(scratch, "tests/data/baseline_sample_pose.json.gz", "events_swap_pose.json",
                     path, sizeof(path));
    if (!t)
        return;
    memset(&opt, 0, sizeof(opt));
    CHECK_EQ_INT(gs_gait_analyze(t, &opt, &r0, &err), GS_OK);
    opt.swap_legs = "all";
    CHECK_EQ_INT(gs_gait_analyze(t, &opt, &r1, &err), GS_OK);
    opt.swap_legs = "2-4.5";
    CHECK_EQ_INT(gs_gait_analyze(t, &opt, &r2, &err), GS_OK);
    opt.swap_legs = "3-2";
    CHECK_EQ_INT(gs_gait_analyze(t, &opt, &bad, &err), GS_ERR_ARG);
    CHECK(strstr(err.msg, "--swap-legs '3-2'") != NULL);
    CHECK(bad == NULL);
    if (r0 && r1 && r2) {
        int n0, n1;
        const gs_gait_event *e0 = gs_gait_result_events(r0, &n0);
        const gs_gait_event *e1 = gs_gait_result_events(r1, &n1);
        CHECK_EQ_INT(n1, n0);
        for (int i = 0; i < n0; i++) {
            int found = 0;
            for (int j = 0; j < n1 && !found; j++)
                found = e1[j].side != e0[i].side && e1[j].type == e0[i].type &&
                        fabs(e1[j].t_s - e0[i].t_s) < 1e-9;
            CHECK_MSG(found, "event %d (side %d type %d at %.3f s) has no swapped twin", i,
                      (int)e0[i].side, (int)e0[i].type, e0[i].t_s);
        }
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
            for (int side = 0; side < 2; side++) {
                double a = NAN, b = NAN, sd;
                int na = 0, nb = 0;
                gs_gait_result_metric(r0, keys[k], side, &a, &sd, &na);
                gs_gait_result_metric(r1, keys[k], 1 - side, &b, &sd, &nb);
                CHECK_MSG(na > 0 && na == nb && fabs(a - b) < 1e-9, "%s side %d: %.6g vs %.6g",
                          keys[k], side, a, b);
            }
        int n_in = 0;
        for (int32_t i = 0; i < t->n_frames; i++)
            n_in += t->frames[i].has_kp && t->frames[i].t_s >= 2 && t->frames[i].t_s <= 4.5;
        char want[128];
        snprintf(want, sizeof(want), "legs swapped by hand (--swap-legs 2-4.5) on %d of %d frames",
                 n_in, (int)t->n_frames);
        int has = 0;
        cJSON *j = gs_gait_result_to_json(r2), *notes = cJSON_GetObjectItem(j, "notes"), *it;
        cJSON_ArrayForEach(it, notes) has |= cJSON_IsString(it) && !strcmp(it->valuestring, want);
        CHECK_MSG(has, "no note '%s'", want);
        cJSON_Delete(j);
        /* a stretch swapped: its strides change, those far from it do not */
        double a = NAN, b = NAN, sd;
        int na = 0, nb = 0;
        gs_gait_result_metric(r0, "ground_contact_ms", 0, &a, &sd, &na);
        gs_gait_result_metric(r2, "ground_contact_ms", 0, &b, &sd, &nb);
        CHECK_MSG(fabs(a - b) > 1e-6, "left contact unchanged by a swapped stretch: %.4g", a);
    }
    /* the command line: gait and analyze both take it, analysis.json says so */
    const char *bin = getenv("GAITSCOPE_BIN");
    if (bin && *bin) {
        for (int k = 0; k < 2; k++) {
            snprintf(out, sizeof(out), "%s/events_swap_%s", scratch, k ? "analyze" : "gait");
            snprintf(cmd, sizeof(cmd),
                     "'%s' %s '%s' -o '%s' --swap-legs 0.5-1.5,6-7 --quiet --force%s && grep -q "
                     "'legs swapped by hand (--swap-legs 0.5-1.5,6-7)' '%s/analysis.json'",
                     bin, k ? "analyze" : "gait", path, out, k ? " --no-overlay" : "", out);
            CHECK_MSG(system(cmd) == 0, "%s", cmd);
        }
        snprintf(cmd, sizeof(cmd), "'%s' gait '%s' -o '%s/events_swap_bad' --swap-legs x --quiet "
                                   "--force 2>/dev/null", bin, path, scratch);
        CHECK(system(cmd) != 0);
    } else {
        fprintf(stderr, "swap-legs: GAITSCOPE_BIN not set (run by ctest): command line not "
                        "checked\n");
    }
    gs_gait_result_free(&r0);
    gs_gait_result_free(&r1);
    gs_gait_result_free(&r2);
    gs_pose_track_free(&t);
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* This side's hip above the other in the image, degrees (y down), frame i of track t. */
static double image_obliquity(const gs_pose_track *t, int32_t i, int side)
{
    const gs_kp *H = &t->frames[i].kp[GS_KP_LEFT_HIP + side];
    const gs_kp *O = &t->frames[i].kp[GS_KP_LEFT_HIP + 1 - side];
    return atan2((double)O->y - H->y, fabs((double)H->x - O->x)) * 180.0 / 3.14159265358979;
}

/*
 * Rear treadmill clip, pelvic drop per side against the same angle over the raters' labelled
 * stances (mean over strides of the peak of this hip above the other, image horizontal, as
 * gaitscope's pelvic_obliquity with the rear view's ground line): before windows bounded by
 * toe-offs gaitscope's late contacts halved the stance and the drop read L -5.4 / R 3.2 deg
 * against L -0.4 / R 7.6 from the labels (mean of raters a and b); the check allows 2.5 deg, about
 * the 2.8 deg minimal change (Dingenen 2018). Both measured from the level of the hip line in a
 * run (gait_metrics.c pelvis_reference): here the median of the image obliquity over the frames
 * of rater a's whole left strides (the right hip is 2.4 deg high on it: the camera's), and the
 * result's methods.pelvis_level_deg must agree with it within 0.5 deg.
 */
static void rear_pelvic_drop_follows_the_labelled_stances(const char *scratch)
{
    char path[1024], msg[256];
    gs_pose_track *t = NULL;
    gs_gait_result *r = NULL;
    gs_gait_options opt;
    gs_error err = {0};
    static gs_evs_event lab[512];
    double want[2] = {0, 0}, stance_lo[2] = {1e9, 1e9}, stance_hi[2] = {0, 0}, level = NAN;
    int nw[2] = {0, 0};
    t = stored_track(scratch, "tests/data/labels/pose/run_rear_treadmill_01.pose.json.gz",
                     "events_rear_drop.pose.json", path, sizeof(path));
    if (!t)
        return;
    for (int rater = 0; rater < 2; rater++) {
        snprintf(path, sizeof(path), "%s/tests/data/labels/run_rear_treadmill_01.%c.csv",
                 GS_SOURCE_DIR, rater ? 'b' : 'a');
        int n = gs_evs_read_labels(path, lab, 512, msg, sizeof(msg));
        CHECK_MSG(n > 40, "%s", msg);
        for (int side = 0; side < 2; side++) {
            double sum = 0, dur = 0;
            int cnt = 0;
            for (int i = 0; i < n; i++) {
                if (lab[i].foot != side || lab[i].type != 0)
                    continue;
                int c = (int)lab[i].frame, sw = -1;
                for (int j = 0; j < n && sw < 0; j++)
                    if (lab[j].foot == side && lab[j].type == 1 && lab[j].frame > c &&
                        lab[j].frame - c < 20)
                        sw = (int)lab[j].frame;
                if (sw < 0 || sw > t->n_frames)
                    continue;
                dur += (sw - c) * 1000.0 / 30; /* the clip is 30 fps */
                double peak = -1e9;
                for (int f = c; f < sw; f++)
                    peak = fmax(peak, image_obliquity(t, f, side));
                sum += peak;
                cnt++;
            }
            if (cnt > 0) {
                want[side] += sum / cnt;
                nw[side]++;
                stance_lo[side] = fmin(stance_lo[side], dur / cnt);
                stance_hi[side] = fmax(stance_hi[side], dur / cnt);
            }
        }
    }
    {
        /* the level: median left obliquity over rater a's whole left strides */
        static double lv[4096];
        int nl = 0, first = -1, last = -1;
        snprintf(path, sizeof(path), "%s/tests/data/labels/run_rear_treadmill_01.a.csv",
                 GS_SOURCE_DIR);
        int n = gs_evs_read_labels(path, lab, 512, msg, sizeof(msg));
        for (int i = 0; i < n; i++)
            if (lab[i].foot == 0 && lab[i].type == 0) {
                first = first < 0 ? (int)lab[i].frame : first;
                last = (int)lab[i].frame;
            }
        for (int f = first; f >= 0 && f < last && f < t->n_frames && nl < 4096; f++)
            lv[nl++] = image_obliquity(t, f, 0);
        qsort(lv, (size_t)nl, sizeof(double), cmp_dbl);
        level = nl > 0 ? (nl % 2 ? lv[nl / 2] : 0.5 * (lv[nl / 2 - 1] + lv[nl / 2])) : NAN;
        CHECK_MSG(nl > 300 && fabs(level) < 5, "level %.2f deg over %d frames", level, nl);
    }
    memset(&opt, 0, sizeof(opt));
    CHECK_EQ_INT(gs_gait_analyze(t, &opt, &r, &err), GS_OK);
    if (r) {
        cJSON *j = gs_gait_result_to_json(r);
        const cJSON *lvj = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "methods"),
                                               "pelvis_level_deg");
        fprintf(stderr, "rear clip: hip line level %.2f deg (labelled strides %.2f)\n",
                cJSON_IsNumber(lvj) ? lvj->valuedouble : NAN, level);
        CHECK_MSG(cJSON_IsNumber(lvj) && fabs(lvj->valuedouble - level) < 0.5,
                  "pelvis_level_deg vs %.2f", level);
        cJSON_Delete(j);
    }
    for (int side = 0; side < 2 && r; side++) {
        double m = NAN, sd;
        int n = 0;
        CHECK(nw[side] == 2);
        want[side] /= nw[side] ? nw[side] : 1;
        want[side] -= side ? -level : level;
        gs_gait_result_metric(r, "pelvic_drop_deg", side, &m, &sd, &n);
        fprintf(stderr, "rear clip: %s pelvic drop %.1f deg (%d strides), labelled stances %.1f\n",
                side ? "right" : "left", m, n, want[side]);
        CHECK_MSG(n >= 10 && fabs(m - want[side]) < 2.5, "%s pelvic drop %.2f vs %.2f",
                  side ? "right" : "left", m, want[side]);
        /* contact time between the two raters' mean stances, one frame (33 ms) of slack each
         * way: the raters' contacts differ by 0.86 frame and their toe-offs by 0.77 (before the
         * kink contacts: 156/238 ms against 314-381). Not the 180-320 ms running band:
         * the raters' own stances (314-381 ms, a slow jog with no visible flight) lie above it
         * (docs/events-history.md, "Contact times") */
        gs_gait_result_metric(r, "ground_contact_ms", side, &m, &sd, &n);
        fprintf(stderr, "rear clip: %s contact %.0f ms (%d strides), labelled stances %.0f-%.0f\n",
                side ? "right" : "left", m, n, stance_lo[side], stance_hi[side]);
        CHECK_MSG(n >= 10 && m > stance_lo[side] - 33.4 && m < stance_hi[side] + 33.4,
                  "%s contact %.0f ms vs labelled %.0f-%.0f", side ? "right" : "left", m,
                  stance_lo[side], stance_hi[side]);
    }
    if (r) {
        /* the right foot lands hidden behind the lifting left sole and takes its landmarks
         * (gs_gait__hidden_contacts): a note says so for the right foot, none for the left */
        cJSON *j = gs_gait_result_to_json(r), *notes = cJSON_GetObjectItem(j, "notes"), *it;
        int right = 0, left = 0;
        cJSON_ArrayForEach(it, notes)
        {
            if (!cJSON_IsString(it))
                continue;
            right += strstr(it->valuestring, "the right foot's landmarks lie on the left") != NULL;
            left += strstr(it->valuestring, "the left foot's landmarks lie on the right") != NULL;
        }
        CHECK_MSG(right == 1 && left == 0, "hidden-foot notes: right %d, left %d", right, left);
        cJSON_Delete(j);
    }
    gs_gait_result_free(&r);
    gs_pose_track_free(&t);
}

/*
 * Issue 13 item 5: both running clips that read as walking (run_side_treadmill_03_lab, the backlit
 * pan) are slow motion played as filmed. The sample's track played 8 times slower: the analysis
 * stops with one line saying so and what to give; once the factor is stated (as the decoder
 * records --slowmo in pose.json) it runs; the sample in real time is not stopped.
 */
/* walk_side_overground_01 walks back backwards with the same side to the camera: a pass of its
 * own (view.passes 2) but no turn (view.turns 0), so the report and the findings keep one far
 * leg (the right; the camera sees her left side). */
static void walking_backwards_is_no_turn(const char *scratch)
{
    char path[1024];
    gs_gait_result *r = NULL;
    gs_gait_options opt;
    gs_error err = {0};
    gs_pose_track *t = stored_track(scratch,
                                    "tests/data/labels/pose/walk_side_overground_01.pose.json.gz",
                                    "events_turns.pose.json", path, sizeof(path));
    if (!t)
        return;
    memset(&opt, 0, sizeof(opt));
    opt.min_strides = 1;
    gs_gait_analyze(t, &opt, &r, &err);
    CHECK_MSG(r != NULL, "%s", err.msg);
    if (r) {
        gs_gait_view v = gs_gait_result_view(r);
        CHECK_EQ_INT(v.kind, GS_GAIT_VIEW_SIDE_LEFT);
        CHECK_EQ_INT(v.passes, 2);
        CHECK_EQ_INT(v.turns, 0);
    }
    gs_gait_result_free(&r);
    gs_pose_track_free(&t);
}

static void slow_motion_played_as_filmed_is_refused(const char *scratch)
{
    char path[1024];
    gs_pose_track *t = NULL;
    gs_gait_result *r = NULL;
    gs_gait_options opt;
    gs_error err = {0};
    t = stored_track(scratch, "tests/data/labels/pose/run_side_treadmill_01.pose.json.gz",
                     "events_slowmo.pose.json", path, sizeof(path));
    if (!t)
        return;
    memset(&opt, 0, sizeof(opt));
    CHECK_EQ_INT(gs_gait_analyze(t, &opt, &r, &err), GS_OK);
    CHECK(r && gs_gait_result_activity(r) == GS_GAIT_ACTIVITY_RUN);
    gs_gait_result_free(&r);
    for (int32_t i = 0; i < t->n_frames; i++)
        t->frames[i].t_s *= 8;
    memset(&err, 0, sizeof(err));
    CHECK_EQ_INT(gs_gait_analyze(t, &opt, &r, &err), GS_ERR_UNSUPPORTED);
    fprintf(stderr, "slow motion: %s\n", err.msg);
    CHECK_STR_CONTAINS(err.msg, "slow-motion");
    CHECK_STR_CONTAINS(err.msg, "--slowmo");
    {
        /* 8 x the sample's stride (cadence 168.7 steps/min: 0.711 s) */
        const char *p = strstr(err.msg, "lasts ");
        double cyc = p ? atof(p + 6) : 0;
        CHECK_NEAR(cyc, 8 * 0.711, 0.15);
    }
    gs_gait_result_free(&r);
    /* `gait --slowmo 8` on that track: real time again, a run at the sample's cadence; the
     * factor cannot be applied twice */
    CHECK_EQ_INT(gs_pose_track_set_time_scale(t, 8, 0, "slow.pose.json", &err), GS_OK);
    CHECK_NEAR(t->frames[t->n_frames - 1].t_s, 359 / 30.0, 1e-9);
    CHECK_EQ_INT(gs_gait_analyze(t, &opt, &r, &err), GS_OK);
    CHECK(r && gs_gait_result_activity(r) == GS_GAIT_ACTIVITY_RUN);
    gs_gait_result_free(&r);
    CHECK_EQ_INT(gs_pose_track_set_time_scale(t, 8, 0, "slow.pose.json", &err), GS_ERR_ARG);
    CHECK_STR_CONTAINS(err.msg, "already real time");
    /* --slowmo 1 states real time: the analysis runs on whatever the times say (here the
     * slowed times again, in which it finds nothing human, but does not stop for them) */
    for (int32_t i = 0; i < t->n_frames; i++)
        t->frames[i].t_s *= 8;
    t->time_scale = 1;
    memset(&err, 0, sizeof(err));
    gs_status rc = gs_gait_analyze(t, &opt, &r, &err);
    CHECK_MSG(rc != GS_ERR_UNSUPPORTED, "stated time scale still refused: %s", err.msg);
    gs_gait_result_free(&r);
    gs_pose_track_free(&t);
}

/*
 * A slow-motion burst too short for two leg cycles (issue 13): coaches film 5-15 s of slow motion
 * on a phone; 10 s of a 240 fps capture exported at 30 fps (8 x) hold one stride and a half of a
 * runner (5.7 s of playback each), one of a walker (8.7 s), so the 3-30 s cycle search, which
 * needs two, finds none and the analysis went on to "too few strides" or nonsense. Made runners
 * and walkers, side and rear, three phases of the cycle at the first frame, with the pose-model
 * noise cleaned on the playback times as the pose stage cleans a real one: the analysis stops
 * with the slow-motion hint, the legs' cycle read from half of it (gs_pose_leg_half_cycle_s).
 * And a real-time clip of two strides (a walk of 2.4 s) is not taken for slow motion.
 */
static void short_slow_motion_burst_is_refused(void)
{
    static const struct {
        int walk, view;
        double stride_s; /* real time (the generator's defaults) */
    } cs[] = {{0, GS_GEN_SIDE, 120.0 / 170}, {0, GS_GEN_REAR, 120.0 / 170},
              {1, GS_GEN_SIDE, 120.0 / 110}, {1, GS_GEN_REAR, 120.0 / 110}};
    for (size_t k = 0; k < sizeof(cs) / sizeof(cs[0]); k++)
        for (int ph = 0; ph < 3; ph++) {
            gs_gen_params p;
            gs_pose_track *t = NULL;
            gs_gait_result *r = NULL;
            gs_gait_options opt;
            gs_error err = {0};
            gs_gen_defaults_for(&p, cs[k].walk);
            gs_gen_use_foot2(&p);
            gs_gen_use_real_noise(&p, 1.0);
            p.view = cs[k].view;
            p.fps = 240;
            p.duration_s = 10.0 / 8; /* 300 frames, 10 s at 30 fps */
            p.t_offset_s = ph * cs[k].stride_s / 3;
            p.seed = 21 + (unsigned)ph;
            CHECK_EQ_INT(gs_gen_track(&p, &t, &err), GS_OK);
            if (!t)
                continue;
            for (int32_t i = 0; i < t->n_frames; i++)
                t->frames[i].t_s *= 8;
            t->fps = 30;
            CHECK_EQ_INT(gs_pose_clean(t, NULL, &err), GS_OK);
            memset(&opt, 0, sizeof(opt));
            memset(&err, 0, sizeof(err));
            CHECK_EQ_INT(gs_gait_analyze(t, &opt, &r, &err), GS_ERR_UNSUPPORTED);
            const char *q = strstr(err.msg, "lasts ");
            double cyc = q ? atof(q + 6) : 0;
            fprintf(stderr, "10 s burst, %s %s, phase %d/3: cycle %.1f s (true %.1f): %s\n",
                    cs[k].walk ? "walk" : "run", cs[k].view == GS_GEN_REAR ? "rear" : "side", ph,
                    cyc, 8 * cs[k].stride_s, err.msg);
            CHECK_STR_CONTAINS(err.msg, "slow-motion");
            CHECK_STR_CONTAINS(err.msg, "--slowmo F");
            CHECK_STR_CONTAINS(err.msg, "--capture-fps N");
            CHECK_STR_CONTAINS(err.msg, "--slowmo 1 if it is real time");
            CHECK_NEAR(cyc, 8 * cs[k].stride_s, 0.1 * 8 * cs[k].stride_s);
            gs_gait_result_free(&r);
            /* --slowmo 8: real time again, not refused */
            CHECK_EQ_INT(gs_pose_track_set_time_scale(t, 8, 0, "burst", &err), GS_OK);
            memset(&err, 0, sizeof(err));
            gs_status rc = gs_gait_analyze(t, &opt, &r, &err);
            CHECK_MSG(rc != GS_ERR_UNSUPPORTED, "burst with its factor refused: %s", err.msg);
            gs_gait_result_free(&r);
            gs_pose_track_free(&t);
        }
    {
        /* two strides in real time: analysed (its 4 contacts make 2 strides, 1 per side) */
        gs_gen_params p;
        gs_pose_track *t = NULL;
        gs_gait_result *r = NULL;
        gs_gait_options opt;
        gs_error err = {0};
        gs_gen_defaults_walk(&p);
        gs_gen_use_foot2(&p);
        gs_gen_use_real_noise(&p, 1.0);
        p.fps = 30;
        p.duration_s = 2.4;
        CHECK_EQ_INT(gs_gen_track(&p, &t, &err), GS_OK);
        if (t) {
            CHECK_EQ_INT(gs_pose_clean(t, NULL, &err), GS_OK);
            memset(&opt, 0, sizeof(opt));
            opt.min_strides = 1;
            gs_status rc = gs_gait_analyze(t, &opt, &r, &err);
            fprintf(stderr, "2-stride walk in real time: %s\n", rc == GS_OK ? "analysed" : err.msg);
            CHECK_EQ_INT(rc, GS_OK);
            CHECK(r && gs_gait_result_activity(r) == GS_GAIT_ACTIVITY_WALK);
        }
        gs_gait_result_free(&r);
        gs_pose_track_free(&t);
    }
}

int main(int argc, char **argv)
{
    const char *scratch = argc > 2 ? argv[2] : "/tmp";
    (void)argv;
    made_tracks_meet_the_event_targets();
    made_walks_at_high_frame_rates();
    made_treadmill_seen_from_above();
    made_toe_landmark_behind_the_tip();
    made_foot_hangs_before_the_touch();
    made_tracks_with_pose_noise();
    {
        /*
         * Issue 13 item 4 on the shipped sample: three noise draws, each on the track as it is
         * and with the clean-up run again on jittered raw landmarks. Asserted: events and
         * metrics, except that the third draw's clean-up decides one lost-foot repair the other
         * way (a foot 49 px apart on one frame, src/pose/clean.c), which still moves the events
         * 0.02 frame on average but ground contact and peak stance knee flexion on the right by a
         * little more than a tenth of their minimal change: events only there. The stored 60 fps
         * track, three draws, asserted as the sample: its toe-off hinge fit sat at the edge of
         * a search range that moved with the threshold-crossing frame (mean 0.25 frame, 8
         * metrics over a tenth, on the older track), and on the current tracker's track one
         * contact took a late-swing toe slowdown 46 px above the belt for the landing in some
         * draws (1.35 frames, 5 metrics); both fixed (gs_gait__to_at_range, the toe-down check
         * of the running contacts): 0.003-0.009 frame, no metric over a tenth. Its clean-up
         * case is printed only: the compact stored track has no raw landmarks to jitter. Measured
         * and printed, not asserted: the walk with the clean-up (its analysis stops at too few
         * strides).
         */
        static const char *const tracks[] = {"baseline_sample_pose.json.gz",
                                             "labels/pose/run_side_treadmill_02_60fps.pose.json.gz",
                                             "labels/pose/walk_side_overground_01.pose.json.gz"};
        static const unsigned long long seeds[] = {0x2545F4914F6CDD1DULL, 0x9E3779B97F4A7C15ULL,
                                                   0xD1B54A32D192ED03ULL};
        for (int reclean = 0; reclean < 2; reclean++) {
            for (int k = 0; k < 3; k++)
                tiny_jitter_moves_events_and_metrics_little(scratch, tracks[0], seeds[k], reclean,
                                                            reclean && k == 2 ? 1 : 2, 0);
            for (int k = 0; k < (reclean ? 1 : 3); k++)
                tiny_jitter_moves_events_and_metrics_little(scratch, tracks[1], seeds[k], reclean,
                                                            reclean ? 0 : 2, 0);
            /* walking (gait_events_walk.c): its few strides scored; asserted as the track is */
            tiny_jitter_moves_events_and_metrics_little(scratch, tracks[2], seeds[0], reclean,
                                                        reclean ? 0 : 2, 1);
        }
    }
    {
        /*
         * Issue 13 item 4 on the current tracker's track of the sample (the labelled clip's),
         * six more draws (seeds 1-6), events and metrics asserted. Before the ground level and
         * noise became weighted Harrell-Davis medians over ramped stance windows
         * (gs_gait__ground_levels) and running toe-offs were clamped rather than replaced in
         * gs_gait__apply_shifts, draws 1 and 6 moved two left toe-offs 0.7 frame (the noise
         * estimate fell 7.89 -> 7.2 px when a Zeni toe-off a frame later shifted one stance
         * window by a sample) and draws 2 and 4 the right toe-off at frame 78.7 by 2.0 frames
         * (its own shift 62 ms from the median, at the 67 ms tolerance, replaced by the median
         * when the median moved to another sample): 2 metrics over a tenth of their minimal
         * change in each of those four draws. Now 0.003-0.010 frame mean, worst 0.17, none.
         */
        for (int k = 0; k < 6; k++)
            tiny_jitter_moves_events_and_metrics_little(
                scratch, "labels/pose/run_side_treadmill_01.pose.json.gz",
                (unsigned long long)(k + 1), 0, 2, 0);
    }
    {
        /*
         * Issue 13 item 4 on walk_side_overground_04 (hand-held, barefoot, 124 frames), six draws
         * (seeds 1-6), its few strides scored (min_strides 1), events asserted. Its right toe
         * signal levels off into the clip's last frame: before Zeni extrema had to stand out from
         * a window cut by the clip's end (gs_gait__zeni), some draws made frame 122 a minimum and
         * added a right toe-off and a stance (session 8: 2 of 6 draws, mean move 0.14 frame). Now
         * 11 of 11 events in every draw, mean move 0.004-0.071 frame. Metrics printed, not
         * asserted: with 2 strides per side each is a mean of two, and the first right contact
         * (frame 28.7, 9 frames after the first tracked one) moves 0.39 frame in one draw, which
         * puts 12 of 55 metric values over a tenth of their minimal change there (0-5 in the
         * others).
         */
        for (int k = 0; k < 6; k++)
            tiny_jitter_moves_events_and_metrics_little(
                scratch, "labels/pose/walk_side_overground_04.pose.json.gz",
                (unsigned long long)(k + 1), 0, 1, 1);
    }
    {
        /*
         * Issue 13 item 4 on walk_side_multiperson_01 (30 fps, VP9, a park; labelled in session
         * 11), three draws (seeds 1-3), events and metrics asserted: with the forward toe-offs
         * from the foot's pitch (gait_events_walk.c walk_to_turn) 0.008-0.011 frame, no metric
         * over a tenth; with the hinge (main before) draw 3 moved one event 0.506 frame and 7
         * metrics over a tenth.
         */
        for (int k = 0; k < 3; k++)
            tiny_jitter_moves_events_and_metrics_little(
                scratch, "labels/pose/walk_side_multiperson_01.pose.json.gz",
                (unsigned long long)(k + 1), 0, 2, 1);
    }
    {
        /*
         * Issue 13 item 4 on run_rear_treadmill_01 (rear view, kink contacts), six draws (seeds
         * 1-6), events and metrics asserted: mean move 0.006-0.015 frame, worst 0.30, no metric
         * over a tenth of its minimal change. With the fit over 0.9 step times two draws made
         * one contact's fit take the other of two near-equal minima (left 95.65 by 0.7 frame,
         * 455.0 by 1.7: 4 and 1 of 33 metric values over; with the two-slope kink alone 0.7
         * frame at 95.65 and 457.4, 2 and 0).
         */
        for (int k = 0; k < 6; k++)
            tiny_jitter_moves_events_and_metrics_little(
                scratch, "labels/pose/run_rear_treadmill_01.pose.json.gz",
                (unsigned long long)(k + 1), 0, 2, 0);
    }
    {
        /*
         * Issue 13 item 4 on the backlit pan (overground: the ground stance by stance,
         * gs_gait__stance_ground, and the footprint contacts), three draws (seeds 1-3), measured
         * and printed, NOT asserted: mean move 0.071, 0.052, 0.111 frame when added (session 9;
         * 0.074, 0.084, 0.153 with the landing-rule contacts), over the 0.1 target in the third,
         * from events where the feet are below the picture: a left contact at frame 360.7 (the
         * landing rule; its stance is too short for a footprint) moves 0.62 frame and a right
         * toe-off at 219.2 0.48. The toe-offs in the labelled range move less than with one
         * ground level per foot (uniform 0.05 px draws: 0.04-0.08 frame on average against
         * 0.23-0.24).
         */
        for (int k = 0; k < 3; k++)
            tiny_jitter_moves_events_and_metrics_little(
                scratch, "labels/pose/run_side_overground_02_backlit_pan.pose.json.gz",
                (unsigned long long)(k + 1), 0, 0, 0);
    }
    labelled_clips_do_not_regress(scratch);
    heavy_model_tracks_do_not_regress(scratch);
    edited_events_move_only_their_strides(scratch);
    activity_holds_when_contacts_move(scratch);
    swap_legs_exchanges_the_legs_and_says_so(scratch);
    rear_pelvic_drop_follows_the_labelled_stances(scratch);
    slow_motion_played_as_filmed_is_refused(scratch);
    short_slow_motion_burst_is_refused();
    walking_backwards_is_no_turn(scratch);
    return gs_test_finish("events", 0);
}
