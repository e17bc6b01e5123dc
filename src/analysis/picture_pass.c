/*
 * gs_analysis__picture_run: the steps every pass that times events from the picture takes
 * (toe_image.c, contact_image.c). Each pass keeps what is its own: the gates' frame rate, the
 * window around each event and the cv measure of it (gs_analysis__picture). The driver counts the
 * events of the pass's type, gates, sets up one window and band per event, fills the bands in one
 * decoding pass (image_bands.c), measures each window, maps its frame to the track's time, keeps
 * the measure only where the event stays between its foot's bounding events, and hands the
 * events back or says why not. A later pass's bands (gs_analysis__band_share) can be planned
 * before an earlier pass runs and filled by its decoding; the later pass then takes the bands
 * equal to its own and decodes only the others: one decoding for both (analyze.c).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_impl.h"
#include "cv.h"

/* The gates every pass shares; 1 when the picture is tried (st->applies). st->n_events,
 * st->frame_interval_s and, when not tried, st->skipped are set. */
static int gates(const gs_analysis__picture *p, const gs_pose_track *track, const gs_gait_result *g,
                 gs_analysis__picture_stats *st)
{
    int n = 0;
    const gs_gait_event *ev = gs_gait_result_events(g, &n);
    for (int i = 0; i < n; i++)
        st->n_events += ev[i].type == p->type;
    st->frame_interval_s = gs_analysis__frame_interval_s(track);
    gs_gait_view v = gs_gait_result_view(g);
    if (v.kind != GS_GAIT_VIEW_SIDE_LEFT && v.kind != GS_GAIT_VIEW_SIDE_RIGHT) {
        st->skipped = "not a side view";
        return 0;
    }
    if (gs_gait_result_activity(g) != GS_GAIT_ACTIVITY_RUN) {
        st->skipped = "not running";
        return 0;
    }
    if (!(st->frame_interval_s > 0) || 1.0 / st->frame_interval_s < p->min_fps) {
        st->skipped = p->below_fps;
        return 0;
    }
    st->applies = 1;
    if (st->n_events == 0) {
        st->skipped = p->no_events;
        return 0;
    }
    return 1;
}

void gs_analysis__band_share_free(gs_analysis__band_share *sh)
{
    for (int k = 0; sh->b && k < sh->n; k++)
        free(sh->b[k].buf);
    free(sh->b);
    memset(sh, 0, sizeof(*sh));
}

gs_status gs_analysis__picture_plan(const gs_analysis__picture *p, void *ctx,
                                    const gs_pose_track *track, const gs_gait_result *g,
                                    gs_analysis__band_share *sh, gs_error *err)
{
    gs_analysis__picture_stats st;
    gs_status rc = GS_OK;
    int n = 0;
    void *win = NULL;
    memset(sh, 0, sizeof(*sh));
    memset(&st, 0, sizeof(st));
    if (!track || !g || track->n_frames < 2 || !gates(p, track, g, &st))
        return GS_OK; /* the pass will say why when it runs */
    const gs_gait_event *ev = gs_gait_result_events(g, &n);
    const double s = (1.0 / 60.0) / st.frame_interval_s;
    win = malloc(p->window_size);
    sh->b = calloc((size_t)st.n_events, sizeof(*sh->b));
    if (!win || !sh->b) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", p->name);
        goto done;
    }
    for (int i = 0; i < n; i++) {
        gs_analysis__band *b = &sh->b[sh->n];
        if (ev[i].type != p->type || !p->setup(ctx, track, &ev[i], s, win, b))
            continue;
        b->buf = malloc((size_t)(b->tb - b->t0 + 1) * (size_t)b->w * (size_t)b->h);
        if (!b->buf) {
            rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", p->name);
            goto done;
        }
        sh->n++;
    }
done:
    free(win);
    if (rc != GS_OK)
        gs_analysis__band_share_free(sh);
    return rc;
}

/* Takes for band b the buffer of an equal band of sh that an earlier pass's decoding filled
 * whole (the same frames and rows of the same video: the same pixels); 0 when there is none. */
static int take_shared(gs_analysis__band_share *sh, gs_analysis__band *b)
{
    for (int k = 0; sh && sh->decoded && k < sh->n; k++) {
        gs_analysis__band *o = &sh->b[k];
        if (o->buf && o->t0 == b->t0 && o->tb == b->tb && o->y0 == b->y0 && o->h == b->h &&
            o->w == b->w && o->filled == o->tb - o->t0 + 1) {
            b->buf = o->buf;
            b->filled = o->filled;
            o->buf = NULL;
            return 1;
        }
    }
    return 0;
}

gs_status gs_analysis__picture_run(const gs_analysis__picture *p, void *ctx, const char *video,
                                   const gs_decoder_options *decode, int may_seek,
                                   const gs_pose_track *track, const gs_gait_result *g,
                                   gs_analysis__band_share *also, gs_analysis__band_share *from,
                                   gs_gait_event **events, int *n_events,
                                   gs_analysis__picture_stats *st, gs_error *err)
{
    char *wins = NULL; /* window k at wins + k * p->window_size */
    int *wev = NULL;   /* window k's event among the events */
    gs_analysis__band *bands = NULL;
    gs_analysis__band *todo = NULL; /* the bands to decode: not taken from `from`, then `also`'s */
    gs_analysis__band_stats bst;
    gs_gait_event *out = NULL;
    gs_status rc = GS_OK;
    int n = 0, nw = 0, ntodo = 0;
    double wall0 = gs_now_s(), cpu0 = gs_thread_cpu_s();
    const gs_gait_event *ev;

    *events = NULL;
    *n_events = 0;
    memset(st, 0, sizeof(*st));
    if (!video || !track || !g || track->n_frames < 2)
        return gs_fail(err, GS_ERR_ARG, "%s: need a video, its track and its events", p->name);
    if (!gates(p, track, g, st))
        return GS_OK;
    ev = gs_gait_result_events(g, &n);
    const double s = (1.0 / 60.0) / st->frame_interval_s; /* frames per 1/60 s */
    const int nalso = also && !also->decoded ? also->n : 0;

    wins = calloc((size_t)st->n_events, p->window_size);
    wev = calloc((size_t)st->n_events, sizeof(*wev));
    bands = calloc((size_t)st->n_events, sizeof(*bands));
    todo = calloc((size_t)st->n_events + (size_t)nalso, sizeof(*todo));
    out = malloc(sizeof(*out) * (size_t)n);
    if (!wins || !wev || !bands || !todo || !out) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", video);
        goto done;
    }
    memcpy(out, ev, sizeof(*out) * (size_t)n);
    for (int i = 0; i < n; i++) {
        if (ev[i].type != p->type)
            continue;
        gs_analysis__band *b = &bands[nw];
        if (!p->setup(ctx, track, &ev[i], s, wins + (size_t)nw * p->window_size, b)) {
            st->n_window++;
            continue;
        }
        wev[nw] = i;
        if (!take_shared(from, b)) {
            b->buf = malloc((size_t)(b->tb - b->t0 + 1) * (size_t)b->w * (size_t)b->h);
            if (!b->buf) {
                rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", video);
                goto done;
            }
            todo[ntodo++] = *b;
        }
        nw++;
    }
    for (int k = 0; k < nalso; k++)
        todo[ntodo++] = also->b[k];

    /* one decoding pass over the windows still to fill and the later pass's (image_bands.c);
     * none when every band was taken from an earlier pass's decoding */
    rc = gs_analysis__decode_bands(video, decode, may_seek, track, todo, ntodo, &bst, err);
    st->frames_decoded = bst.frames_decoded;
    st->frames_through = bst.frames_through;
    st->seeks = bst.seeks;
    st->seek_restart = bst.seek_restart;
    for (int k = 0, j = 0; k < nw && j < ntodo; k++)
        if (bands[k].buf == todo[j].buf) /* todo holds the untaken bands in order */
            bands[k].filled = todo[j++].filled;
    for (int k = 0; k < nalso; k++)
        also->b[k].filled = todo[ntodo - nalso + k].filled;
    if (rc != GS_OK)
        goto done;
    if (nalso > 0 && !bst.skipped)
        also->decoded = 1;
    if (bst.skipped) {
        st->skipped = bst.skipped;
        nw = 0;
    }
    if (p->after_decoding && (rc = p->after_decoding(ctx, wins, bands, nw, video, err)) != GS_OK)
        goto done;

    for (int k = 0; k < nw; k++) {
        const uint8_t *frames[GS_CV_TIP_MAX_FRAMES];
        gs_analysis__found res;
        if (!gs_analysis__band_frames(&bands[k], frames)) {
            st->n_window++;
            continue;
        }
        if ((rc = p->measure(wins + (size_t)k * p->window_size, frames, &res, err)) != GS_OK)
            goto done;
        if (!res.found) {
            assert(res.why >= 0 && res.why < (int)(sizeof(st->n_why) / sizeof(st->n_why[0])));
            st->n_why[res.why]++;
            continue;
        }
        double f = bands[k].t0 + res.frame, ts = gs_analysis__time_at(track, f);
        if (!gs_analysis__between(ev, n, wev[k], p->bound, ts)) {
            st->n_order++;
            continue;
        }
        out[wev[k]].t_s = ts;
        out[wev[k]].frame = f;
        out[wev[k]].unc_frames = p->unc_frames;
        out[wev[k]].timed_by = GS_GAIT_TIMED_IMAGE;
        st->n_image++;
    }
    if (st->n_image > 0) {
        *events = out;
        *n_events = n;
        out = NULL;
    } else if (!st->skipped) {
        st->skipped = p->none_timed;
    }
done:
    st->wall_s = gs_now_s() - wall0;
    st->cpu_s = gs_thread_cpu_s() - cpu0;
    for (int k = 0; bands && k < st->n_events; k++)
        free(bands[k].buf);
    free(bands);
    free(todo);
    free(wev);
    free(wins);
    free(out);
    return rc;
}
