/*
 * gs_analysis_toe_off_image: running toe-offs timed from the picture (`gaitscope analyze
 * --toe-off image`; docs/events-history.md "Toe-off from the image", sessions 10 and 11).
 *
 * The gait stage works from the landmarks only. Its toe-offs of a running side view come early
 * where the foot index, 0.13-0.35 foot lengths behind the shoe's tip, rises as the shoe pitches
 * onto its tip (60 fps clip -0.76 frame against both raters, the 120 fps pan -2.75). This pass
 * decodes the frames around each landmark toe-off again, times the tip leaving the ground with
 * gs_cv_tip_strip, and hands the events back; the caller recomputes strides and metrics from them
 * through gs_gait_options.events, as an edited events.csv is. Where the picture cannot tell
 * (strip outside the picture, no shoe in it, never emptied, or out of order with the foot's
 * contacts) the landmark toe-off stays, and every event says what timed it.
 *
 * Used at 50 frames per second (real time) and above only: at 30 fps the toe goes from the ground
 * to 20-30 px up within one frame, the strip empties one frame after rater a's label on the
 * sample (+0.9 frame) while the landmarks' toe-offs already meet it (+0.12 / 0.38).
 *
 * The steps it shares with the contact pass (gates, decoding, order check, stats) are
 * picture_pass.c's; this file keeps the window and the measure.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_impl.h"
#include "cv.h"

/* Frames per 1/60 s set the window (session 10's spike): from 4 before the landmark toe-off's
 * frame (the shoe still down) to 6 after it (the ground without the foot); the foot's length and
 * stance speed from 14 to 6 before it. */
#define PRE_60       4
#define POST_60      6
#define STANCE0_60   14
#define STANCE1_60   6
#define TIP_AHEAD_FL 0.15 /* tip estimate: this far ahead of the foot index, heel -> foot index */
#define MIN_FPS      50.0 /* real frames per second below which the picture is not used */
/* 1-SD error of an image toe-off, frames: against both raters on the 60 fps clip the errors are
 * whole frames, 0 or +-1 with MAE 0.24-0.29 (docs/events-history.md), an SD of about 0.5 */
#define IMAGE_UNC_FRAMES 0.5

/* Sets up one toe-off's window from the landmarks (gs_analysis__picture.setup); ctx: 1 for a
 * moving camera (not on a treadmill). */
static int window_setup(void *ctx, const gs_pose_track *t, const gs_gait_event *e, double s,
                        void *win, gs_analysis__band *b)
{
    gs_cv_tip_window *w = win;
    const int fi = e->side == GS_GAIT_SIDE_RIGHT ? GS_KP_RIGHT_FOOT_INDEX : GS_KP_LEFT_FOOT_INDEX;
    const int he = e->side == GS_GAIT_SIDE_RIGHT ? GS_KP_RIGHT_HEEL : GS_KP_LEFT_HEEL;
    int32_t m = (int32_t)ceil(e->frame - 1e-9);
    int32_t t0 = m - (int32_t)lround(PRE_60 * s), tb = m + (int32_t)lround(POST_60 * s);
    int32_t w0 = m - (int32_t)lround(STANCE0_60 * s), w1 = m - (int32_t)lround(STANCE1_60 * s);
    double dir[64], len[64], spd[64], fx, fy, hx, hy, fx1, fy1;
    int nd = 0, nl = 0, ns = 0;
    if (w0 < 1 || tb >= t->n_frames || tb - t0 + 1 > GS_CV_TIP_MAX_FRAMES || m - w0 > 64)
        return 0;
    for (int32_t i = w0; i < m; i++) {
        if (!gs_analysis__kp_at(t, i, fi, &fx, &fy) || !gs_analysis__kp_at(t, i, he, &hx, &hy))
            continue;
        dir[nd++] = fx - hx;
        if (i < w1)
            len[nl++] = hypot(fx - hx, fy - hy);
        if (i < w1 && gs_analysis__kp_at(t, i + 1, fi, &fx1, &fy1))
            spd[ns++] = fx1 - fx;
    }
    double d = gs_analysis__median(dir, nd), fl = gs_analysis__median(len, nl),
           vg = gs_analysis__median(spd, ns);
    if (!(isfinite(d) && d != 0) || !(fl > 4) || !isfinite(vg) ||
        !gs_analysis__kp_at(t, t0, fi, &fx, &fy) || !gs_analysis__kp_at(t, t0, he, &hx, &hy) ||
        !(hypot(fx - hx, fy - hy) > 0))
        return 0;
    double ux = (fx - hx) / hypot(fx - hx, fy - hy);
    const int32_t y0 = (int32_t)floor(fy - 0.6 * fl), y1 = (int32_t)ceil(fy + 0.8 * fl);
    if (!gs_analysis__band_init(b, t, t0, tb, y0, y1))
        return 0;
    memset(w, 0, sizeof(*w));
    w->n = tb - t0 + 1;
    w->w = t->width;
    w->h = b->h;
    w->stride = t->width;
    w->tail = 1 + (int32_t)lround(s);
    w->tip_x = fx + ux * TIP_AHEAD_FL * fl;
    w->tip_y = fy - b->y0;
    w->foot_len_px = fl;
    w->facing = d > 0 ? 1 : -1;
    w->ground_px_per_frame = vg;
    w->moving_camera = *(const int *)ctx;
    return 1;
}

/* Times the tip leaving the ground in one window (gs_analysis__picture.measure). */
static gs_status measure(void *win, const uint8_t *const *frames, gs_analysis__found *res,
                         gs_error *err)
{
    gs_cv_tip_window *w = win;
    gs_cv_tip_result r;
    w->frames = frames;
    gs_status rc = gs_cv_tip_strip(w, &r, err);
    if (rc == GS_OK)
        *res = (gs_analysis__found){.found = r.found, .why = (int)r.why, .frame = r.toe_off};
    return rc;
}

static const gs_analysis__picture toe_pass = {
    .name = "toe-off image",
    .type = GS_GAIT_EVENT_TO,
    .bound = GS_GAIT_EVENT_IC,
    .min_fps = MIN_FPS,
    .below_fps = "below 50 frames per second",
    .no_events = "no toe-offs",
    .none_timed = "the picture timed no toe-off",
    .unc_frames = IMAGE_UNC_FRAMES,
    .window_size = sizeof(gs_cv_tip_window),
    .setup = window_setup,
    .measure = measure,
};

gs_status gs_analysis__toe_off_image_also(const char *video, const gs_decoder_options *decode,
                                          int may_seek, const gs_pose_track *track,
                                          const gs_gait_result *g, gs_analysis__band_share *also,
                                          gs_gait_event **events, int *n_events,
                                          gs_toe_image_stats *st, gs_error *err)
{
    gs_analysis__picture_stats ps;
    /* the window's ground moves with a panning camera off a treadmill */
    int moving = g && gs_gait_result_setting(g) != GS_GAIT_SETTING_TREADMILL;
    memset(st, 0, sizeof(*st));
    gs_status rc = gs_analysis__picture_run(&toe_pass, &moving, video, decode, may_seek, track, g,
                                            also, NULL, events, n_events, &ps, err);
    GS_ANALYSIS__PICTURE_STATS_COPY(st, &ps, n_to);
    return rc;
}

gs_status gs_analysis_toe_off_image(const char *video, const gs_decoder_options *decode,
                                    int may_seek, const gs_pose_track *track,
                                    const gs_gait_result *g, gs_gait_event **events, int *n_events,
                                    gs_toe_image_stats *st, gs_error *err)
{
    return gs_analysis__toe_off_image_also(video, decode, may_seek, track, g, NULL, events,
                                           n_events, st, err);
}
