/*
 * gs_analysis_contact_image: treadmill running contacts timed from the picture (`gaitscope analyze
 * --contact image`; docs/events-history.md "Treadmill running contacts from the picture",
 * session 17).
 *
 * Seen from the side, a foot carried back with the belt a few pixels above it moves as a standing
 * foot does: the landmarks' belt contacts (gs_gait__belt_contacts) come 0.8-1.6 frames early
 * against both raters, who labelled with the written definition (the shoe down on the belt and
 * moving back with it). This pass decodes the frames around each landmark contact again, times
 * the sole arriving on the belt with gs_cv_contact_strip, and hands the events back; the caller
 * recomputes strides and metrics from them through gs_gait_options.events, as an edited
 * events.csv is. Where the picture cannot tell (strip outside the picture, belt line not seen, no
 * shoe in the strip, never filled, or out of order with the foot's toe-offs) the landmark contact
 * stays, and every event says what timed it. The steps it shares with the toe-off pass (gates,
 * decoding, order check, stats) are picture_pass.c's; this file keeps the window, the belt's
 * slope and the measure. Its windows hang on the landmark contacts alone, so analyze plans them
 * before the toe-off pass (gs_analysis__contact_image_plan) and that pass's decoding fills them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_impl.h"
#include "cv.h"

/* Frames per 1/60 s set the window (session 17's spike): the empty belt at 6 and 4 before the
 * landmark contact's frame, the strip held still until 2 before it, the foot standing at 4 after
 * it (the level and the belt line), the window's end at 8 after; the foot's length, direction,
 * stance speed and place from 2 to 10 after it. */
#define REF0_60    6
#define REF1_60    4
#define HOLD_60    2
#define STANCE_60  4
#define POST_60    8
#define STANCE0_60 2
#define STANCE1_60 10
#define MIN_FPS    24.0 /* real frames per second below which the picture is not used */
/* 1-SD error of a picture contact, frames: 1.25 x the MAE against both written-definition raters,
 * pooled over the three side-view treadmill clips' 123 matched contacts (0.34 since session 19's
 * strip in parts and standing level; 0.45 with session 18's sloped strip, 0.6; 0.65 before, 0.8;
 * docs/metrics.md "Per-event uncertainty") */
#define IMAGE_UNC_FRAMES 0.4
/* The belt's slope (session 18, docs/events-history.md): the clip's median of the windows'
 * stance-path slopes (cv.h gs_cv_contact_slope) when at least MIN_SLOPES windows gave one and
 * the sole's lowest edge is not an edge of the empty picture (median grey step under
 * HIDDEN_EDGE: 0.5-2.7 on run_side_treadmill_04 and the sample, whose soles stand on a belt seen
 * from above; 21 on the 60 fps clip, filmed from the belt's height: the belt seen edge-on, the
 * soles' lowest edge along its yellow rail); then the belt line is
 * searched BELT_DEEP_FL foot lengths under the heel (the sample's sole lies 0.5-0.6 under it).
 * Otherwise the level strip and 0.4 search of session 17. */
#define MIN_SLOPES   3
#define HIDDEN_EDGE  8.0
#define BELT_DEEP_FL 0.7
/* Heel or sole, whichever touches first (the written definition, tests/data/labels/a.md session
 * 12; session 19, docs/events-history.md): where the picture shows the sole against the belt the
 * strip (0.6 foot lengths along the shoe's back) is cut into three parts of 0.2 foot lengths, the
 * rear, middle and front thirds as the strike index divides a foot (Cavanagh and Lafortune, in
 * ../shared/REFERENCES.md "Foot-strike angle / class"),
 * and the first part to fill times the contact: the whole strip fills only as the foot comes
 * flat, a frame after a heel or forefoot touched. Where the sole is hidden behind a rail (a belt
 * seen edge-on) the picture cannot see which part touches, only the shoe's outline passing the
 * rail, and the whole strip stays. */
#define STRIP_PARTS 3
/* A moving camera's band reaches this many foot lengths further up and down: the camera may tilt
 * while it pans (the backlit pan: the ground falls 20 rows, 0.3 foot lengths, from the window's
 * first empty ground to its stance frame) */
#define TILT_FL 0.5

static int32_t imin(int32_t a, int32_t b)
{
    return a < b ? a : b;
}

/* Sets up one contact's window and band from the landmarks (gs_analysis__picture.setup). */
static int window_setup(void *ctx, const gs_pose_track *t, const gs_gait_event *e, double s,
                        void *win, gs_analysis__band *b)
{
    gs_cv_contact_window *w = win;
    const int moving = ((const gs_contact_image_stats *)ctx)->moving_camera;
    const int fi = e->side == GS_GAIT_SIDE_RIGHT ? GS_KP_RIGHT_FOOT_INDEX : GS_KP_LEFT_FOOT_INDEX;
    const int he = e->side == GS_GAIT_SIDE_RIGHT ? GS_KP_RIGHT_HEEL : GS_KP_LEFT_HEEL;
    const int32_t m = (int32_t)ceil(e->frame - 1e-9);
    /* at 24-25 fps both references rounded to one frame (6 and 4 sixtieths: 2.4-2.5 and 1.6-1.7
     * frames), which refused every window: the first is kept a frame before the second */
    const int32_t r1 = m - (int32_t)lround(REF1_60 * s);
    const int32_t t0 = imin(m - (int32_t)lround(REF0_60 * s), r1 - 1);
    const int32_t tb = m + (int32_t)lround(POST_60 * s), sf = m + (int32_t)lround(STANCE_60 * s);
    const int32_t hold = m - (int32_t)lround(HOLD_60 * s);
    const int32_t s0 = m + (int32_t)lround(STANCE0_60 * s),
                  s1 = m + (int32_t)lround(STANCE1_60 * s);
    double len[64], dir[64], spd[64], hxs[64], hys[64];
    int nl = 0, nd = 0, ns = 0, nh = 0;
    if (t0 < 0 || tb >= t->n_frames || tb - t0 + 1 > GS_CV_TIP_MAX_FRAMES || s1 - s0 >= 64 ||
        r1 <= t0 || hold < r1)
        return 0;
    for (int32_t u = s0; u <= s1 && u + 1 < t->n_frames; u++) {
        double hx, hy, fx, fy, hx1, hy1, fx1, fy1;
        if (!gs_analysis__kp_at(t, u, he, &hx, &hy) || !gs_analysis__kp_at(t, u, fi, &fx, &fy))
            continue;
        len[nl++] = hypot(fx - hx, fy - hy);
        dir[nd++] = fx - hx;
        if (gs_analysis__kp_at(t, u + 1, he, &hx1, &hy1) &&
            gs_analysis__kp_at(t, u + 1, fi, &fx1, &fy1))
            spd[ns++] = 0.5 * (hx1 + fx1 - hx - fx);
    }
    const double fl = gs_analysis__median(len, nl), d = gs_analysis__median(dir, nd),
                 vg = gs_analysis__median(spd, ns);
    if (!(fl > 4) || !isfinite(vg) || !(isfinite(d) && d != 0))
        return 0;
    /* the heel's stance place, carried back to frame sf with the belt */
    for (int32_t u = s0; u <= s1; u++) {
        double hx, hy;
        if (gs_analysis__kp_at(t, u, he, &hx, &hy)) {
            hxs[nh] = hx - vg * (u - sf);
            hys[nh++] = hy;
        }
    }
    double hx = gs_analysis__median(hxs, nh), hy = gs_analysis__median(hys, nh);
    if (!isfinite(hx) || !isfinite(hy))
        return 0;
    /* the band: the belt line search (0.4 foot lengths above the heel's row, up to 0.7 under it
     * for a sloped belt), the strip and its shake */
    const double tilt = moving ? TILT_FL * fl : 0;
    const int32_t y0 = (int32_t)floor(hy - 0.5 * fl - tilt) - 4,
                  y1 = (int32_t)ceil(hy + 0.9 * fl + tilt) + 4;
    if (!gs_analysis__band_init(b, t, t0, tb, y0, y1))
        return 0;
    memset(w, 0, sizeof(*w));
    w->n = tb - t0 + 1;
    w->w = t->width;
    w->h = b->h;
    w->stride = t->width;
    w->ref[0] = 0;
    w->ref[1] = r1 - t0;
    w->first = r1 - t0 + 1;
    w->hold = hold - t0;
    w->stance = sf - t0;
    w->heel_x = hx;
    w->heel_y = hy - b->y0;
    w->foot_len_px = fl;
    w->facing = d > 0 ? 1 : -1;
    w->belt_px_per_frame = vg;
    w->moving_camera = moving;
    return 1;
}

/* The belt's slope and whether the soles are hidden, from every window, after decoding and before
 * timing (gs_analysis__picture.after_decoding; ctx: the gs_contact_image_stats): the strips follow
 * the slope where it is told (see MIN_SLOPES), and are cut into STRIP_PARTS where the soles are
 * seen on the belt. */
static gs_status belt_slope(void *ctx, void *wins, const gs_analysis__band *bands, int nw,
                            const char *video, gs_error *err)
{
    gs_contact_image_stats *st = ctx;
    gs_cv_contact_window *w = wins;
    st->belt_slope = 0;
    st->sole_edge = NAN;
    st->strip_parts = 1;
    if (nw == 0)
        return GS_OK;
    double *sl = malloc(sizeof(double) * 2 * (size_t)nw), *ed = sl ? sl + nw : NULL;
    int nsl = 0, ned = 0;
    if (!sl)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", video);
    for (int k = 0; k < nw; k++) {
        const uint8_t *frames[GS_CV_TIP_MAX_FRAMES];
        double slope, edge;
        if (!gs_analysis__band_frames(&bands[k], frames))
            continue;
        w[k].frames = frames;
        gs_status rc = gs_cv_contact_slope(&w[k], &slope, &edge, err);
        w[k].frames = NULL;
        if (rc != GS_OK) {
            free(sl);
            return rc;
        }
        if (isfinite(slope))
            sl[nsl++] = slope;
        if (isfinite(edge))
            ed[ned++] = edge;
    }
    st->sole_edge = gs_analysis__median(ed, ned);
    st->sole_hidden = isfinite(st->sole_edge) && st->sole_edge >= HIDDEN_EDGE;
    if (!st->sole_hidden) {
        st->strip_parts = STRIP_PARTS;
        for (int j = 0; j < nw; j++)
            w[j].parts = STRIP_PARTS;
    }
    const double k = gs_analysis__median(sl, nsl);
    if (nsl >= MIN_SLOPES && !st->sole_hidden && isfinite(k)) {
        st->belt_slope = fmax(-GS_CV_BELT_SLOPE_MAX, fmin(GS_CV_BELT_SLOPE_MAX, k));
        for (int j = 0; j < nw; j++) {
            w[j].belt_slope = st->belt_slope;
            w[j].belt_search_fl = BELT_DEEP_FL;
        }
    }
    free(sl);
    return GS_OK;
}

/* Times the sole arriving on the belt in one window (gs_analysis__picture.measure). */
static gs_status measure(void *win, const uint8_t *const *frames, gs_analysis__found *res,
                         gs_error *err)
{
    gs_cv_contact_window *w = win;
    gs_cv_contact_result r;
    w->frames = frames;
    gs_status rc = gs_cv_contact_strip(w, &r, err);
    if (rc == GS_OK)
        *res = (gs_analysis__found){.found = r.found, .why = (int)r.why, .frame = r.contact};
    return rc;
}

static const gs_analysis__picture contact_pass = {
    .name = "contact image",
    .type = GS_GAIT_EVENT_IC,
    .bound = GS_GAIT_EVENT_TO,
    .min_fps = MIN_FPS,
    .below_fps = "below 24 frames per second",
    .no_events = "no contacts",
    .none_timed = "the picture timed no contact",
    .unc_frames = IMAGE_UNC_FRAMES,
    .window_size = sizeof(gs_cv_contact_window),
    .setup = window_setup,
    .measure = measure,
    .after_decoding = belt_slope,
};

/* Off a treadmill the camera may pan (and tilt) with the runner: the ground's motion is measured
 * in each window (cv.h gs_cv_contact_window.moving_camera). */
static int camera_moves(const gs_gait_result *g)
{
    return g && gs_gait_result_setting(g) != GS_GAIT_SETTING_TREADMILL;
}

gs_status gs_analysis__contact_image_plan(const gs_pose_track *track, const gs_gait_result *g,
                                          gs_analysis__band_share *sh, gs_error *err)
{
    /* the windows' setup reads the camera's kind from the stats, as when the pass runs */
    gs_contact_image_stats st = {.moving_camera = camera_moves(g)};
    return gs_analysis__picture_plan(&contact_pass, &st, track, g, sh, err);
}

gs_status gs_analysis__contact_image_from(const char *video, const gs_decoder_options *decode,
                                          int may_seek, const gs_pose_track *track,
                                          const gs_gait_result *g, gs_analysis__band_share *from,
                                          gs_gait_event **events, int *n_events,
                                          gs_contact_image_stats *st, gs_error *err)
{
    gs_analysis__picture_stats ps;
    memset(st, 0, sizeof(*st));
    st->moving_camera = camera_moves(g);
    gs_status rc = gs_analysis__picture_run(&contact_pass, st, video, decode, may_seek, track, g,
                                            NULL, from, events, n_events, &ps, err);
    GS_ANALYSIS__PICTURE_STATS_COPY(st, &ps, n_ic);
    return rc;
}

gs_status gs_analysis_contact_image(const char *video, const gs_decoder_options *decode,
                                    int may_seek, const gs_pose_track *track,
                                    const gs_gait_result *g, gs_gait_event **events, int *n_events,
                                    gs_contact_image_stats *st, gs_error *err)
{
    return gs_analysis__contact_image_from(video, decode, may_seek, track, g, NULL, events,
                                           n_events, st, err);
}
