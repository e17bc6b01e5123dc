/*
 * The one decoding pass of the passes that time events from the picture (toe_image.c,
 * contact_image.c): grey bands of the frames around each event, decoded again after the pose
 * pass, seeking over long stretches between them; and the landmark reads they share. The steps
 * around it are picture_pass.c's.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_impl.h"

double gs_analysis__median(double *v, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i]))
            v[k++] = v[i];
    return gs_median(v, k);
}

int gs_analysis__kp_at(const gs_pose_track *t, int32_t i, int k, double *x, double *y)
{
    if (i < 0 || i >= t->n_frames || !t->frames[i].has_kp)
        return 0;
    *x = t->frames[i].kp[k].x;
    *y = t->frames[i].kp[k].y;
    return isfinite(*x) && isfinite(*y);
}

double gs_analysis__time_at(const gs_pose_track *t, double f)
{
    int32_t i = (int32_t)floor(f);
    if (i < 0)
        return t->frames[0].t_s;
    if (i >= t->n_frames - 1)
        return t->frames[t->n_frames - 1].t_s;
    return t->frames[i].t_s + (f - i) * (t->frames[i + 1].t_s - t->frames[i].t_s);
}

int gs_analysis__between(const gs_gait_event *ev, int n, int k, gs_gait_event_type type,
                         double ts)
{
    for (int i = k - 1; i >= 0; i--)
        if (ev[i].side == ev[k].side && ev[i].type == type) {
            if (!(ts > ev[i].t_s))
                return 0;
            break;
        }
    for (int i = k + 1; i < n; i++)
        if (ev[i].side == ev[k].side && ev[i].type == type)
            return ts < ev[i].t_s;
    return 1;
}

double gs_analysis__frame_interval_s(const gs_pose_track *t)
{
    double dts[4096];
    int k = 0;
    for (int32_t i = 1; i < t->n_frames && k < 4096; i++)
        dts[k++] = t->frames[i].t_s - t->frames[i - 1].t_s;
    return gs_analysis__median(dts, k);
}

int gs_analysis__band_init(gs_analysis__band *b, const gs_pose_track *t, int32_t t0, int32_t tb,
                           int32_t y0, int32_t y1)
{
    if (y0 < 0)
        y0 = 0;
    if (y1 > t->height)
        y1 = t->height;
    if (y1 - y0 < 8)
        return 0;
    memset(b, 0, sizeof(*b));
    b->t0 = t0;
    b->tb = tb;
    b->y0 = y0;
    b->h = y1 - y0;
    b->w = t->width;
    return 1;
}

int gs_analysis__band_frames(const gs_analysis__band *b, const uint8_t **frames)
{
    const int32_t n = b->tb - b->t0 + 1;
    if (b->filled != n)
        return 0;
    for (int32_t j = 0; j < n; j++)
        frames[j] = b->buf + (size_t)j * (size_t)b->h * (size_t)b->w;
    return 1;
}

/* 1 when frame i lies in one of the bands. */
static int in_band(const gs_analysis__band *b, int nb, int32_t i)
{
    for (int k = 0; k < nb; k++)
        if (i >= b[k].t0 && i <= b[k].tb)
            return 1;
    return 0;
}

/*
 * Where the pass decodes from next, frame i being the next frame the decoder returns and in no
 * band: the first frame of the next band when the stream has a key frame more than
 * GS_ANALYSIS__SEEK_MIN_FRAMES frames after i and before that band (the decoder then seeks: the
 * frames in between are never decoded), else i. dec's times are the track's divided by scale.
 */
static int32_t seek_target(gs_decoder *dec, const gs_pose_track *t, const gs_analysis__band *b,
                           int nb, int32_t i, double scale)
{
    int32_t want = -1;
    for (int k = 0; k < nb; k++)
        if (b[k].t0 > i && (want < 0 || b[k].t0 < want))
            want = b[k].t0;
    if (want < 0 || want >= t->n_frames || want - i <= GS_ANALYSIS__SEEK_MIN_FRAMES)
        return i;
    double src_want = t->frames[want].t_s / scale, src_next = t->frames[i].t_s / scale;
    double step = (src_want - src_next) / (double)(want - i); /* mean interval */
    double kt = gs_decoder_keyframe_before(dec, src_want);
    return kt >= 0 && kt > src_next + GS_ANALYSIS__SEEK_MIN_FRAMES * step ? want : i;
}

gs_status gs_analysis__decode_bands(const char *video, const gs_decoder_options *decode,
                                    int may_seek, const gs_pose_track *track,
                                    gs_analysis__band *bands, int nb, gs_analysis__band_stats *st,
                                    gs_error *err)
{
    gs_decoder_options dopt = *decode;
    gs_decoder *dec = NULL;
    gs_status rc = GS_OK;

    memset(st, 0, sizeof(*st));
    for (int k = 0; k < nb; k++)
        bands[k].filled = 0;
    if (nb <= 0)
        return GS_OK;
    /* the pose pass's options so that frame i is the track's frame i. A seek must land on the
     * track's frame (its index and time): if not, the pass decodes from the start without
     * seeking. */
    dopt.keep_yuv = 1;
    dopt.max_height = 0;
    if ((rc = gs_decoder_open(video, &dopt, &dec, err)) != GS_OK)
        goto done;
    const gs_video_info *vi = gs_decoder_info(dec);
    const double scale = vi->time_scale > 0 ? vi->time_scale : 1.0;
    if (vi->out_width != track->width || vi->out_height != track->height) {
        st->skipped = "the video's size differs from the track's";
        goto done;
    }
    /* the decoder's times must be the track's to seek or to tell frames by time: the same time
     * scale (a track that does not record one was not rescaled) */
    if (fabs(scale - (track->time_scale > 0 ? track->time_scale : 1.0)) > 1e-12)
        may_seek = 0;
    int32_t last = 0, check = -1; /* check: the frame a seek must land on, -1 when none */
    for (int k = 0; k < nb; k++)
        if (bands[k].tb > last)
            last = bands[k].tb;
    /* by_time: the decoder decodes only what the bands' frames need (gs_decoder_only_within: the
     * non-reference frames between bands are never decoded), and frames are told by their time
     * in the track */
    int by_time = may_seek;
    if (by_time) {
        double *iv = malloc(sizeof(*iv) * 2 * (size_t)nb);
        if (!iv) {
            rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", video);
            goto done;
        }
        for (int k = 0; k < nb; k++) {
            iv[k] = track->frames[bands[k].t0].t_s / scale;
            iv[nb + k] = track->frames[bands[k].tb].t_s / scale;
        }
        rc = gs_decoder_only_within(dec, iv, iv + nb, nb, err);
        free(iv);
        if (rc != GS_OK)
            goto done;
    }
    for (int32_t i = 0; i <= last;) {
        gs_frame fr;
        int need = in_band(bands, nb, i);
        if (!need && may_seek) {
            int32_t to = seek_target(dec, track, bands, nb, i, scale);
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
                 (!in_band(bands, nb, j) || fr.yuv[0]);
        for (int32_t q = i; ok && rc == GS_OK && q < j; q++)
            ok = !in_band(bands, nb, q); /* frames left out: none of a band's */
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
            for (int k = 0; k < nb; k++)
                bands[k].filled = 0;
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
        for (int k = 0; k < nb; k++) {
            gs_analysis__band *b = &bands[k];
            if (j < b->t0 || j > b->tb)
                continue;
            for (int32_t y = 0; y < b->h; y++)
                memcpy(b->buf + ((size_t)(j - b->t0) * (size_t)b->h + (size_t)y) * (size_t)b->w,
                       fr.yuv[0] + (size_t)(b->y0 + y) * (size_t)fr.yuv_stride[0], (size_t)b->w);
            b->filled++;
        }
    }
done:
    if (dec)
        st->frames_through = (int)gs_decoder_stats(dec)->decoded;
    gs_decoder_free(&dec);
    return rc;
}
