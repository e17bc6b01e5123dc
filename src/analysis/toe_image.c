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

typedef struct window {
    int ev; /* index of the toe-off among the events */
    gs_cv_tip_window win;
} window;

/* Sets up one toe-off's window from the landmarks; 0 when they do not allow one. */
static int window_setup(const gs_pose_track *t, const gs_gait_event *e, double s, window *w,
                        gs_analysis__band *b)
{
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
    int32_t y0 = (int32_t)floor(fy - 0.6 * fl), y1 = (int32_t)ceil(fy + 0.8 * fl);
    if (y0 < 0)
        y0 = 0;
    if (y1 > t->height)
        y1 = t->height;
    if (y1 - y0 < 8)
        return 0;
    memset(w, 0, sizeof(*w));
    memset(b, 0, sizeof(*b));
    b->t0 = t0;
    b->tb = tb;
    b->y0 = y0;
    b->h = y1 - y0;
    b->w = t->width;
    w->win.n = tb - t0 + 1;
    w->win.w = t->width;
    w->win.h = b->h;
    w->win.stride = t->width;
    w->win.tail = 1 + (int32_t)lround(s);
    w->win.tip_x = fx + ux * TIP_AHEAD_FL * fl;
    w->win.tip_y = fy - y0;
    w->win.foot_len_px = fl;
    w->win.facing = d > 0 ? 1 : -1;
    w->win.ground_px_per_frame = vg;
    return 1;
}

gs_status gs_analysis_toe_off_image(const char *video, const gs_decoder_options *decode,
                                    int may_seek, const gs_pose_track *track,
                                    const gs_gait_result *g, gs_gait_event **events, int *n_events,
                                    gs_toe_image_stats *st, gs_error *err)
{
    window *wins = NULL;
    gs_analysis__band *bands = NULL;
    gs_analysis__band_stats bst;
    gs_gait_event *out = NULL;
    gs_status rc = GS_OK;
    int n = 0, nw = 0;
    double wall0 = gs_now_s(), cpu0 = gs_thread_cpu_s();
    const gs_gait_event *ev;

    *events = NULL;
    *n_events = 0;
    memset(st, 0, sizeof(*st));
    if (!video || !track || !g || track->n_frames < 2)
        return gs_fail(err, GS_ERR_ARG, "toe-off image: need a video, its track and its events");
    ev = gs_gait_result_events(g, &n);
    for (int i = 0; i < n; i++)
        st->n_to += ev[i].type == GS_GAIT_EVENT_TO;
    st->frame_interval_s = gs_analysis__frame_interval_s(track);
    gs_gait_view v = gs_gait_result_view(g);
    if (v.kind != GS_GAIT_VIEW_SIDE_LEFT && v.kind != GS_GAIT_VIEW_SIDE_RIGHT) {
        st->skipped = "not a side view";
        return GS_OK;
    }
    if (gs_gait_result_activity(g) != GS_GAIT_ACTIVITY_RUN) {
        st->skipped = "not running";
        return GS_OK;
    }
    if (!(st->frame_interval_s > 0) || 1.0 / st->frame_interval_s < MIN_FPS) {
        st->skipped = "below 50 frames per second";
        return GS_OK;
    }
    st->applies = 1;
    if (st->n_to == 0) {
        st->skipped = "no toe-offs";
        return GS_OK;
    }
    const double s = (1.0 / 60.0) / st->frame_interval_s; /* frames per 1/60 s */
    const int moving = gs_gait_result_setting(g) != GS_GAIT_SETTING_TREADMILL;

    wins = calloc((size_t)st->n_to, sizeof(*wins));
    bands = calloc((size_t)st->n_to, sizeof(*bands));
    out = malloc(sizeof(*out) * (size_t)n);
    if (!wins || !bands || !out) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", video);
        goto done;
    }
    memcpy(out, ev, sizeof(*out) * (size_t)n);
    for (int i = 0; i < n; i++) {
        if (ev[i].type != GS_GAIT_EVENT_TO)
            continue;
        window *w = &wins[nw];
        gs_analysis__band *b = &bands[nw];
        if (!window_setup(track, &ev[i], s, w, b)) {
            st->n_window++;
            continue;
        }
        w->ev = i;
        w->win.moving_camera = moving;
        b->buf = malloc((size_t)w->win.n * (size_t)w->win.w * (size_t)b->h);
        if (!b->buf) {
            rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", video);
            goto done;
        }
        nw++;
    }

    /* one decoding pass over the windows (image_bands.c) */
    rc = gs_analysis__decode_bands(video, decode, may_seek, track, bands, nw, &bst, err);
    st->frames_decoded = bst.frames_decoded;
    st->frames_through = bst.frames_through;
    st->seeks = bst.seeks;
    st->seek_restart = bst.seek_restart;
    if (rc != GS_OK)
        goto done;
    if (bst.skipped) {
        st->skipped = bst.skipped;
        nw = 0;
    }

    for (int k = 0; k < nw; k++) {
        window *w = &wins[k];
        const gs_analysis__band *b = &bands[k];
        const uint8_t *frames[GS_CV_TIP_MAX_FRAMES];
        gs_cv_tip_result res;
        if (b->filled != w->win.n) {
            st->n_window++;
            continue;
        }
        for (int32_t j = 0; j < w->win.n; j++)
            frames[j] = b->buf + (size_t)j * (size_t)b->h * (size_t)w->win.w;
        w->win.frames = frames;
        if ((rc = gs_cv_tip_strip(&w->win, &res, err)) != GS_OK)
            goto done;
        if (!res.found) {
            st->n_why[res.why]++;
            continue;
        }
        double f = b->t0 + res.toe_off, ts = gs_analysis__time_at(track, f);
        if (!gs_analysis__between(ev, n, w->ev, GS_GAIT_EVENT_IC, ts)) {
            st->n_order++;
            continue;
        }
        out[w->ev].t_s = ts;
        out[w->ev].frame = f;
        out[w->ev].unc_frames = IMAGE_UNC_FRAMES;
        out[w->ev].timed_by = GS_GAIT_TIMED_IMAGE;
        st->n_image++;
    }
    if (st->n_image > 0) {
        *events = out;
        *n_events = n;
        out = NULL;
    } else if (!st->skipped) {
        st->skipped = "the picture timed no toe-off";
    }
done:
    st->wall_s = gs_now_s() - wall0;
    st->cpu_s = gs_thread_cpu_s() - cpu0;
    for (int k = 0; bands && k < st->n_to; k++)
        free(bands[k].buf);
    free(bands);
    free(wins);
    free(out);
    return rc;
}
