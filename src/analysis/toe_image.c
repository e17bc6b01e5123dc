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

#include "analysis.h"
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
/* A window is reached by a seek to the stream's key frame before it when that key frame lies
 * more than this many frames after the next frame to decode: the overlay's key-frame pass's
 * threshold (src/report/overlay.c SEEK_MIN_FRAMES), below which the decoder's flush and restart
 * cost about what is saved. */
#define SEEK_MIN_FRAMES 16
/* 1-SD error of an image toe-off, frames: against both raters on the 60 fps clip the errors are
 * whole frames, 0 or +-1 with MAE 0.24-0.29 (docs/events-history.md), an SD of about 0.5 */
#define IMAGE_UNC_FRAMES 0.5

typedef struct window {
    int ev;         /* index of the toe-off among the events */
    int32_t t0, tb; /* first and last frame of the clip */
    int32_t y0, h;  /* band rows */
    uint8_t *buf;   /* (tb - t0 + 1) bands of w x h */
    int filled;     /* frames copied */
    gs_cv_tip_window win;
} window;

/* Median of the finite values among v[0..n-1] (moved to the front and sorted); NAN when none. */
static double median(double *v, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i]))
            v[k++] = v[i];
    return gs_median(v, k);
}

/* The track's landmark k at frame i, or 0 when the frame has none. */
static int kp_at(const gs_pose_track *t, int32_t i, int k, double *x, double *y)
{
    if (i < 0 || i >= t->n_frames || !t->frames[i].has_kp)
        return 0;
    *x = t->frames[i].kp[k].x;
    *y = t->frames[i].kp[k].y;
    return isfinite(*x) && isfinite(*y);
}

/* Sets up one toe-off's window from the landmarks; 0 when they do not allow one. */
static int window_setup(const gs_pose_track *t, const gs_gait_event *e, double s, window *w)
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
        if (!kp_at(t, i, fi, &fx, &fy) || !kp_at(t, i, he, &hx, &hy))
            continue;
        dir[nd++] = fx - hx;
        if (i < w1)
            len[nl++] = hypot(fx - hx, fy - hy);
        if (i < w1 && kp_at(t, i + 1, fi, &fx1, &fy1))
            spd[ns++] = fx1 - fx;
    }
    double d = median(dir, nd), fl = median(len, nl), vg = median(spd, ns);
    if (!(isfinite(d) && d != 0) || !(fl > 4) || !isfinite(vg) || !kp_at(t, t0, fi, &fx, &fy) ||
        !kp_at(t, t0, he, &hx, &hy) || !(hypot(fx - hx, fy - hy) > 0))
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
    w->t0 = t0;
    w->tb = tb;
    w->y0 = y0;
    w->h = y1 - y0;
    w->win.n = tb - t0 + 1;
    w->win.w = t->width;
    w->win.h = w->h;
    w->win.stride = t->width;
    w->win.tail = 1 + (int32_t)lround(s);
    w->win.tip_x = fx + ux * TIP_AHEAD_FL * fl;
    w->win.tip_y = fy - y0;
    w->win.foot_len_px = fl;
    w->win.facing = d > 0 ? 1 : -1;
    w->win.ground_px_per_frame = vg;
    return 1;
}

/* Clip time at a fractional frame index (the track's frame times, interpolated). */
static double time_at(const gs_pose_track *t, double f)
{
    int32_t i = (int32_t)floor(f);
    if (i < 0)
        return t->frames[0].t_s;
    if (i >= t->n_frames - 1)
        return t->frames[t->n_frames - 1].t_s;
    return t->frames[i].t_s + (f - i) * (t->frames[i + 1].t_s - t->frames[i].t_s);
}

/* 1 when time ts lies strictly between the contacts of side around it (events sorted). */
static int between_contacts(const gs_gait_event *ev, int n, int k, double ts)
{
    for (int i = k - 1; i >= 0; i--)
        if (ev[i].side == ev[k].side && ev[i].type == GS_GAIT_EVENT_IC) {
            if (!(ts > ev[i].t_s))
                return 0;
            break;
        }
    for (int i = k + 1; i < n; i++)
        if (ev[i].side == ev[k].side && ev[i].type == GS_GAIT_EVENT_IC)
            return ts < ev[i].t_s;
    return 1;
}

/* 1 when frame i lies in one of the windows. */
static int in_window(const window *wins, int nw, int32_t i)
{
    for (int k = 0; k < nw; k++)
        if (i >= wins[k].t0 && i <= wins[k].tb)
            return 1;
    return 0;
}

/*
 * Where the pass decodes from next, frame i being the next frame the decoder returns and in no
 * window: the first frame of the next window when the stream has a key frame more than
 * SEEK_MIN_FRAMES frames after i and before that window (the decoder then seeks: the frames in
 * between are never decoded), else i. dec's times are the track's divided by scale.
 */
static int32_t seek_target(gs_decoder *dec, const gs_pose_track *t, const window *wins, int nw,
                           int32_t i, double scale)
{
    int32_t want = -1;
    for (int k = 0; k < nw; k++)
        if (wins[k].t0 > i && (want < 0 || wins[k].t0 < want))
            want = wins[k].t0;
    if (want < 0 || want >= t->n_frames || want - i <= SEEK_MIN_FRAMES)
        return i;
    double src_want = t->frames[want].t_s / scale, src_next = t->frames[i].t_s / scale;
    double step = (src_want - src_next) / (double)(want - i); /* mean interval */
    double kt = gs_decoder_keyframe_before(dec, src_want);
    return kt >= 0 && kt > src_next + SEEK_MIN_FRAMES * step ? want : i;
}

gs_status gs_analysis_toe_off_image(const char *video, const gs_decoder_options *decode,
                                    int may_seek, const gs_pose_track *track,
                                    const gs_gait_result *g, gs_gait_event **events, int *n_events,
                                    gs_toe_image_stats *st, gs_error *err)
{
    gs_decoder_options dopt = {0};
    gs_decoder *dec = NULL;
    window *wins = NULL;
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
    {
        double dts[4096];
        int k = 0;
        for (int32_t i = 1; i < track->n_frames && k < 4096; i++)
            dts[k++] = track->frames[i].t_s - track->frames[i - 1].t_s;
        st->frame_interval_s = median(dts, k);
    }
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
    out = malloc(sizeof(*out) * (size_t)n);
    if (!wins || !out) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", video);
        goto done;
    }
    memcpy(out, ev, sizeof(*out) * (size_t)n);
    for (int i = 0; i < n; i++) {
        if (ev[i].type != GS_GAIT_EVENT_TO)
            continue;
        window *w = &wins[nw];
        if (!window_setup(track, &ev[i], s, w)) {
            st->n_window++;
            continue;
        }
        w->ev = i;
        w->win.moving_camera = moving;
        w->buf = malloc((size_t)w->win.n * (size_t)w->win.w * (size_t)w->h);
        if (!w->buf) {
            rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", video);
            goto done;
        }
        nw++;
    }

    /* one decoding pass up to the last window, converting only the windows' frames and seeking
     * over long stretches between them (seek_target()); the pose pass's options so that frame i
     * is the track's frame i. A seek must land on the track's frame (its index and time): if not,
     * the pass decodes from the start without seeking. */
    if (nw > 0) {
        dopt = *decode;
        dopt.keep_yuv = 1;
        dopt.max_height = 0;
        if ((rc = gs_decoder_open(video, &dopt, &dec, err)) != GS_OK)
            goto done;
        const gs_video_info *vi = gs_decoder_info(dec);
        const double scale = vi->time_scale > 0 ? vi->time_scale : 1.0;
        if (vi->out_width != track->width || vi->out_height != track->height) {
            st->skipped = "the video's size differs from the track's";
            nw = 0;
        }
        /* the decoder's times must be the track's to seek or to tell frames by time: the same
         * time scale (a track that does not record one was not rescaled) */
        if (fabs(scale - (track->time_scale > 0 ? track->time_scale : 1.0)) > 1e-12)
            may_seek = 0;
        int32_t last = 0, check = -1; /* check: the frame a seek must land on, -1 when none */
        for (int k = 0; k < nw; k++)
            if (wins[k].tb > last)
                last = wins[k].tb;
        /* by_time: the decoder decodes only what the windows' frames need (gs_decoder_only_within:
         * the non-reference frames between windows are never decoded), and frames are told by
         * their time in the track */
        int by_time = may_seek && nw > 0;
        if (by_time) {
            double *iv = malloc(sizeof(*iv) * 2 * (size_t)nw);
            if (!iv) {
                rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", video);
                goto done;
            }
            for (int k = 0; k < nw; k++) {
                iv[k] = track->frames[wins[k].t0].t_s / scale;
                iv[nw + k] = track->frames[wins[k].tb].t_s / scale;
            }
            rc = gs_decoder_only_within(dec, iv, iv + nw, nw, err);
            free(iv);
            if (rc != GS_OK)
                goto done;
        }
        for (int32_t i = 0; nw > 0 && i <= last;) {
            gs_frame fr;
            int need = in_window(wins, nw, i);
            if (!need && may_seek) {
                int32_t to = seek_target(dec, track, wins, nw, i, scale);
                if (to != i) {
                    if ((rc = gs_decoder_seek_index(dec, track->frames[to].t_s / scale, to, err)) !=
                        GS_OK)
                        goto done;
                    st->seeks++;
                    i = check = to;
                    need = 1;
                }
            }
            rc = need || by_time ? gs_decoder_next(dec, &fr, err) : gs_decoder_skip(dec, &fr, err);
            if (rc != GS_OK && rc != GS_END)
                goto done;
            int32_t j = i; /* the frame's index in the track */
            int ok = 1;
            if (rc == GS_OK && by_time)
                while (j < track->n_frames && track->frames[j].t_s < fr.t_s - 1e-6)
                    j++;
            if (rc == GS_OK && (by_time || check >= 0))
                ok = j < track->n_frames && fabs(fr.t_s - track->frames[j].t_s) <= 1e-6 &&
                     (check < 0 || j == check) && (by_time || fr.index == j) &&
                     (!in_window(wins, nw, j) || fr.yuv[0]);
            for (int32_t q = i; ok && rc == GS_OK && q < j; q++)
                ok = !in_window(wins, nw, q); /* frames left out: none of a window's */
            if (rc == GS_END)
                ok = check < 0;
            check = -1;
            if (!ok) {
                /* decode again from the first frame, every frame in order */
                may_seek = by_time = 0;
                st->seek_restart = 1;
                if ((rc = gs_decoder_only_within(dec, NULL, NULL, 0, err)) != GS_OK ||
                    (rc = gs_decoder_seek_index(dec, dopt.start_s, 0, err)) != GS_OK)
                    goto done;
                for (int k = 0; k < nw; k++)
                    wins[k].filled = 0;
                i = 0;
                continue;
            }
            if (rc == GS_END) {
                rc = GS_OK;
                break;
            }
            i = j + 1;
            if (!fr.yuv[0])
                continue;
            st->frames_decoded++;
            for (int k = 0; k < nw; k++) {
                window *w = &wins[k];
                if (j < w->t0 || j > w->tb)
                    continue;
                for (int32_t y = 0; y < w->h; y++)
                    memcpy(w->buf +
                               ((size_t)(j - w->t0) * (size_t)w->h + (size_t)y) * (size_t)w->win.w,
                           fr.yuv[0] + (size_t)(w->y0 + y) * (size_t)fr.yuv_stride[0],
                           (size_t)w->win.w);
                w->filled++;
            }
        }
    }

    for (int k = 0; k < nw; k++) {
        window *w = &wins[k];
        const uint8_t *frames[GS_CV_TIP_MAX_FRAMES];
        gs_cv_tip_result res;
        if (w->filled != w->win.n) {
            st->n_window++;
            continue;
        }
        for (int32_t j = 0; j < w->win.n; j++)
            frames[j] = w->buf + (size_t)j * (size_t)w->h * (size_t)w->win.w;
        w->win.frames = frames;
        if ((rc = gs_cv_tip_strip(&w->win, &res, err)) != GS_OK)
            goto done;
        if (!res.found) {
            st->n_why[res.why]++;
            continue;
        }
        double f = w->t0 + res.toe_off, ts = time_at(track, f);
        if (!between_contacts(ev, n, w->ev, ts)) {
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
    if (dec)
        st->frames_through = (int)gs_decoder_stats(dec)->decoded;
    st->wall_s = gs_now_s() - wall0;
    st->cpu_s = gs_thread_cpu_s() - cpu0;
    gs_decoder_free(&dec);
    for (int k = 0; wins && k < st->n_to; k++)
        free(wins[k].buf);
    free(wins);
    free(out);
    return rc;
}
