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
 * stays, and every event says what timed it.
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
 * pooled over the three side-view treadmill clips' 123 matched contacts (0.45 since session 18's
 * sloped strip; 0.65 before, 0.8; docs/metrics.md "Per-event uncertainty") */
#define IMAGE_UNC_FRAMES 0.6
/* The belt's slope (session 18, docs/events-history.md): the clip's median of the windows'
 * stance-path slopes (cv.h gs_cv_contact_slope) when at least MIN_SLOPES windows gave one and
 * the sole's lowest edge is not an edge of the empty picture (median grey step under
 * HIDDEN_EDGE: 0.5-2.2 on the sample and run_side_treadmill_04, whose soles stand on a belt seen
 * from above; 20 on the 60 fps clip, whose yellow rail hides the soles); then the belt line is
 * searched BELT_DEEP_FL foot lengths under the heel (the sample's sole lies 0.5-0.6 under it).
 * Otherwise the level strip and 0.4 search of session 17. */
#define MIN_SLOPES   3
#define HIDDEN_EDGE  8.0
#define BELT_DEEP_FL 0.7

typedef struct window {
    int ev; /* index of the contact among the events */
    gs_cv_contact_window win;
} window;

static int32_t imin(int32_t a, int32_t b)
{
    return a < b ? a : b;
}

/* Sets up one contact's window and band from the landmarks; 0 when they do not allow one. */
static int window_setup(const gs_pose_track *t, const gs_gait_event *e, double s, window *w,
                        gs_analysis__band *b)
{
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
    int32_t y0 = (int32_t)floor(hy - 0.5 * fl) - 4, y1 = (int32_t)ceil(hy + 0.9 * fl) + 4;
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
    w->win.ref[0] = 0;
    w->win.ref[1] = r1 - t0;
    w->win.first = r1 - t0 + 1;
    w->win.hold = hold - t0;
    w->win.stance = sf - t0;
    w->win.heel_x = hx;
    w->win.heel_y = hy - y0;
    w->win.foot_len_px = fl;
    w->win.facing = d > 0 ? 1 : -1;
    w->win.belt_px_per_frame = vg;
    return 1;
}

gs_status gs_analysis_contact_image(const char *video, const gs_decoder_options *decode,
                                    int may_seek, const gs_pose_track *track,
                                    const gs_gait_result *g, gs_gait_event **events, int *n_events,
                                    gs_contact_image_stats *st, gs_error *err)
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
        return gs_fail(err, GS_ERR_ARG, "contact image: need a video, its track and its events");
    ev = gs_gait_result_events(g, &n);
    for (int i = 0; i < n; i++)
        st->n_ic += ev[i].type == GS_GAIT_EVENT_IC;
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
    if (gs_gait_result_setting(g) != GS_GAIT_SETTING_TREADMILL) {
        st->skipped = "not on a treadmill";
        return GS_OK;
    }
    if (!(st->frame_interval_s > 0) || 1.0 / st->frame_interval_s < MIN_FPS) {
        st->skipped = "below 24 frames per second";
        return GS_OK;
    }
    st->applies = 1;
    if (st->n_ic == 0) {
        st->skipped = "no contacts";
        return GS_OK;
    }
    const double s = (1.0 / 60.0) / st->frame_interval_s; /* frames per 1/60 s */

    wins = calloc((size_t)st->n_ic, sizeof(*wins));
    bands = calloc((size_t)st->n_ic, sizeof(*bands));
    out = malloc(sizeof(*out) * (size_t)n);
    if (!wins || !bands || !out) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", video);
        goto done;
    }
    memcpy(out, ev, sizeof(*out) * (size_t)n);
    for (int i = 0; i < n; i++) {
        if (ev[i].type != GS_GAIT_EVENT_IC)
            continue;
        window *w = &wins[nw];
        gs_analysis__band *b = &bands[nw];
        if (!window_setup(track, &ev[i], s, w, b)) {
            st->n_window++;
            continue;
        }
        w->ev = i;
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

    /* the belt's slope, from every window */
    st->belt_slope = 0;
    st->sole_edge = NAN;
    if (nw > 0) {
        double *sl = malloc(sizeof(double) * 2 * (size_t)nw), *ed = sl ? sl + nw : NULL;
        int nsl = 0, ned = 0;
        if (!sl) {
            rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", video);
            goto done;
        }
        for (int k = 0; k < nw; k++) {
            const uint8_t *frames[GS_CV_TIP_MAX_FRAMES];
            double slope, edge;
            if (bands[k].filled != wins[k].win.n)
                continue;
            for (int32_t j = 0; j < wins[k].win.n; j++)
                frames[j] = bands[k].buf + (size_t)j * (size_t)bands[k].h * (size_t)wins[k].win.w;
            wins[k].win.frames = frames;
            rc = gs_cv_contact_slope(&wins[k].win, &slope, &edge, err);
            wins[k].win.frames = NULL;
            if (rc != GS_OK) {
                free(sl);
                goto done;
            }
            if (isfinite(slope))
                sl[nsl++] = slope;
            if (isfinite(edge))
                ed[ned++] = edge;
        }
        st->sole_edge = gs_analysis__median(ed, ned);
        st->sole_hidden = isfinite(st->sole_edge) && st->sole_edge >= HIDDEN_EDGE;
        const double k = gs_analysis__median(sl, nsl);
        if (nsl >= MIN_SLOPES && !st->sole_hidden && isfinite(k)) {
            st->belt_slope = fmax(-GS_CV_BELT_SLOPE_MAX, fmin(GS_CV_BELT_SLOPE_MAX, k));
            for (int j = 0; j < nw; j++) {
                wins[j].win.belt_slope = st->belt_slope;
                wins[j].win.belt_search_fl = BELT_DEEP_FL;
            }
        }
        free(sl);
    }

    for (int k = 0; k < nw; k++) {
        window *w = &wins[k];
        const gs_analysis__band *b = &bands[k];
        const uint8_t *frames[GS_CV_TIP_MAX_FRAMES];
        gs_cv_contact_result res;
        if (b->filled != w->win.n) {
            st->n_window++;
            continue;
        }
        for (int32_t j = 0; j < w->win.n; j++)
            frames[j] = b->buf + (size_t)j * (size_t)b->h * (size_t)w->win.w;
        w->win.frames = frames;
        if ((rc = gs_cv_contact_strip(&w->win, &res, err)) != GS_OK)
            goto done;
        if (!res.found) {
            st->n_why[res.why]++;
            continue;
        }
        double f = b->t0 + res.contact, ts = gs_analysis__time_at(track, f);
        if (!gs_analysis__between(ev, n, w->ev, GS_GAIT_EVENT_TO, ts)) {
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
        st->skipped = "the picture timed no contact";
    }
done:
    st->wall_s = gs_now_s() - wall0;
    st->cpu_s = gs_thread_cpu_s() - cpu0;
    for (int k = 0; bands && k < st->n_ic; k++)
        free(bands[k].buf);
    free(bands);
    free(wins);
    free(out);
    return rc;
}
