/*
 * H.264 MP4 writer: RGB frames -> libswscale (yuv420p) -> libx264 through libavcodec -> MP4
 * with faststart (moov first, so a browser plays it while downloading). Each frame keeps the
 * time it is given (1/90000 s ticks, the MPEG system clock), so variable-rate sources keep their
 * timing and the clip lasts as long as its source.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>

#include "video_impl.h"

#define RING 256 /* frames the encoder may hold back (lookahead + B-frames + threads) */

struct gs_encoder {
    char path[1024];
    AVFormatContext *fmt;
    AVCodecContext *cc;
    AVStream *st;
    AVFrame *yuv;
    AVPacket *pkt;
    struct SwsContext *sws;
    int32_t width, height;
    int header_written;
    int closed;
    int64_t last_pts;                   /* last frame's pts in encoder ticks */
    int64_t last_dur;                   /* its predecessor's interval, for the final frame */
    int64_t ring_pts[RING];             /* pts of recent frames ... */
    int64_t ring_dur[RING];             /* ... and their durations once the next is known */
    int64_t n_frames;
};


gs_status gs_encoder_open(const char *path, int32_t width, int32_t height,
                          const gs_encoder_options *opt_in, gs_encoder **out, gs_error *err)
{
    gs_status rc = GS_OK;
    gs_encoder *e = NULL;
    gs_encoder_options opt = {0};
    char eb[AV_ERROR_MAX_STRING_SIZE];
    int ret;

    *out = NULL;
    if (opt_in)
        opt = *opt_in;
    if (width <= 0 || height <= 0 || (width & 1) || (height & 1) || width > 16384 ||
        height > 16384)
        return gs_fail(err, GS_ERR_ARG, "%s: frame size %dx%d must be even and positive", path,
                       width, height);
    e = calloc(1, sizeof(*e));
    if (!e)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", path);
    snprintf(e->path, sizeof(e->path), "%s", path);
    e->width = width;
    e->height = height;
    e->last_pts = AV_NOPTS_VALUE;
    av_log_set_level(AV_LOG_QUIET);

    const AVCodec *codec = avcodec_find_encoder_by_name("libx264");
    if (!codec) {
        rc = gs_fail(err, GS_ERR_UNSUPPORTED, "%s: FFmpeg was built without libx264", path);
        goto fail;
    }
    ret = avformat_alloc_output_context2(&e->fmt, NULL, "mp4", path);
    if (ret < 0 || !e->fmt) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: cannot create MP4 muxer", path);
        goto fail;
    }
    e->st = avformat_new_stream(e->fmt, NULL);
    e->cc = avcodec_alloc_context3(codec);
    e->yuv = av_frame_alloc();
    e->pkt = av_packet_alloc();
    if (!e->st || !e->cc || !e->yuv || !e->pkt) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", path);
        goto fail;
    }
    double fps = opt.fps_hint > 0 ? opt.fps_hint : 30.0;
    e->cc->width = width;
    e->cc->height = height;
    e->cc->pix_fmt = AV_PIX_FMT_YUV420P; /* what every browser decodes */
    e->cc->time_base = (AVRational){1, 90000};
    e->cc->framerate = av_d2q(fps, 100000);
    e->cc->thread_count = opt.n_threads > 0 ? opt.n_threads : 2;
    e->cc->color_range = AVCOL_RANGE_MPEG;
    e->cc->colorspace = AVCOL_SPC_BT709;
    e->cc->color_primaries = AVCOL_PRI_BT709;
    e->cc->color_trc = AVCOL_TRC_BT709;
    if (e->fmt->oformat->flags & AVFMT_GLOBALHEADER)
        e->cc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    /* superfast: the overlay pass is bounded by the encoder at 1080p. Measured on the 1080x1920
     * 60 fps sample, 388 frames, 2 threads (decode + encode with the ffmpeg CLI): veryfast
     * 11.5 s / 2.9 MB, superfast 7.8 s / 4.7 MB, ultrafast 4.9 s / 7.2 MB. CRF 23 is x264's
     * default quality. Both settable. */
    av_opt_set(e->cc->priv_data, "preset", opt.preset ? opt.preset : "superfast", 0);
    av_opt_set_int(e->cc->priv_data, "crf", opt.crf > 0 ? opt.crf : 23, 0);
    ret = avcodec_open2(e->cc, codec, NULL);
    if (ret < 0) {
        rc = gs_fail(err, GS_ERR_FORMAT, "%s: cannot open libx264 (%s)", path, gs_video__averr(ret, eb));
        goto fail;
    }
    ret = avcodec_parameters_from_context(e->st->codecpar, e->cc);
    if (ret < 0) {
        rc = gs_fail(err, GS_ERR_INTERNAL, "%s: codec parameters (%s)", path, gs_video__averr(ret, eb));
        goto fail;
    }
    e->st->time_base = e->cc->time_base;
    e->st->avg_frame_rate = e->cc->framerate;
    e->yuv->format = AV_PIX_FMT_YUV420P;
    e->yuv->width = width;
    e->yuv->height = height;
    ret = av_frame_get_buffer(e->yuv, 0);
    if (ret < 0) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", path);
        goto fail;
    }
    e->sws = sws_getContext(width, height, AV_PIX_FMT_RGB24, width, height, AV_PIX_FMT_YUV420P,
                            SWS_BILINEAR | SWS_ACCURATE_RND, NULL, NULL, NULL);
    if (!e->sws) {
        rc = gs_fail(err, GS_ERR_INTERNAL, "%s: cannot set up colour conversion", path);
        goto fail;
    }
    ret = avio_open(&e->fmt->pb, path, AVIO_FLAG_WRITE);
    if (ret < 0) {
        rc = gs_fail(err, GS_ERR_IO, "%s: cannot create: %s", path, gs_video__averr(ret, eb));
        goto fail;
    }
    AVDictionary *mux = NULL;
    av_dict_set(&mux, "movflags", "+faststart", 0);
    ret = avformat_write_header(e->fmt, &mux);
    av_dict_free(&mux);
    if (ret < 0) {
        rc = gs_fail(err, GS_ERR_IO, "%s: cannot write MP4 header (%s)", path, gs_video__averr(ret, eb));
        goto fail;
    }
    e->header_written = 1;
    *out = e;
    return GS_OK;
fail:
    gs_encoder_free(&e);
    return rc;
}

/* Duration of the frame with encoder pts p: known once its successor arrived. */
static int64_t frame_duration(const gs_encoder *e, int64_t p)
{
    for (int i = 0; i < RING; i++)
        if (e->ring_pts[i] == p && e->ring_dur[i] > 0)
            return e->ring_dur[i];
    return e->last_dur > 0 ? e->last_dur : 1;
}

static gs_status drain(gs_encoder *e, gs_error *err)
{
    char eb[AV_ERROR_MAX_STRING_SIZE];
    for (;;) {
        int ret = avcodec_receive_packet(e->cc, e->pkt);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return GS_OK;
        if (ret < 0)
            return gs_fail(err, GS_ERR_INTERNAL, "%s: encoder failed (%s)", e->path,
                           gs_video__averr(ret, eb));
        e->pkt->duration = frame_duration(e, e->pkt->pts);
        av_packet_rescale_ts(e->pkt, e->cc->time_base, e->st->time_base);
        e->pkt->stream_index = e->st->index;
        ret = av_interleaved_write_frame(e->fmt, e->pkt);
        av_packet_unref(e->pkt);
        if (ret < 0)
            return gs_fail(err, GS_ERR_IO, "%s: write failed (%s)", e->path, gs_video__averr(ret, eb));
    }
}

/* Checks a frame's time against the last one and makes e->yuv writable; the pts in *pts. */
static gs_status frame_start(gs_encoder *e, int ok, double t_s, int64_t *pts, gs_error *err)
{
    if (e->closed)
        return gs_fail(err, GS_ERR_ARG, "%s: encoder already closed", e->path);
    if (!ok || !isfinite(t_s) || t_s < 0 || t_s > 1e7)
        return gs_fail(err, GS_ERR_ARG, "%s: bad frame or time %.6f s", e->path, t_s);
    *pts = llround(t_s * 90000.0);
    if (e->last_pts != AV_NOPTS_VALUE && *pts <= e->last_pts)
        return gs_fail(err, GS_ERR_ARG, "%s: frame time %.6f s does not increase", e->path,
                       t_s);
    if (av_frame_make_writable(e->yuv) < 0)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", e->path);
    return GS_OK;
}

static gs_status frame_send(gs_encoder *e, int64_t pts, gs_error *err);

gs_status gs_encoder_write(gs_encoder *e, const uint8_t *rgb, int32_t stride, double t_s,
                           gs_error *err)
{
    int64_t pts;
    gs_status rc = frame_start(e, rgb && stride >= 3 * e->width, t_s, &pts, err);
    if (rc != GS_OK)
        return rc;
    const uint8_t *src[4] = {rgb, NULL, NULL, NULL};
    int src_stride[4] = {stride, 0, 0, 0};
    sws_scale(e->sws, src, src_stride, 0, e->height, e->yuv->data, e->yuv->linesize);
    return frame_send(e, pts, err);
}

gs_status gs_encoder_write_yuv(gs_encoder *e, const uint8_t *const yuv[3],
                               const int32_t stride[3], double t_s, gs_error *err)
{
    int64_t pts;
    int cw = (e->width + 1) / 2, ch = (e->height + 1) / 2;
    int ok = yuv && yuv[0] && yuv[1] && yuv[2] && stride[0] >= e->width && stride[1] >= cw &&
             stride[2] >= cw;
    gs_status rc = frame_start(e, ok, t_s, &pts, err);
    if (rc != GS_OK)
        return rc;
    for (int i = 0; i < 3; i++)
        av_image_copy_plane(e->yuv->data[i], e->yuv->linesize[i], yuv[i], stride[i],
                            i ? cw : e->width, i ? ch : e->height);
    return frame_send(e, pts, err);
}

/* Luma and chroma of RGB (0-255) in 8-bit limited range by ITU-R BT.601-7's matrix (Kr 0.299,
 * Kb 0.114; Y in [16, 235], Cb and Cr in [16, 240]), which libswscale applies by default both
 * ways (SWS_CS_DEFAULT), in 16-bit fixed point: Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255,
 * Cb = 128 + (-37.797 R - 74.203 G + 112 B) / 255, Cr = 128 + (112 R - 93.786 G - 18.214 B) /
 * 255, each coefficient / 255 * 65536. */
static uint8_t luma(const uint8_t *p)
{
    return (uint8_t)((16829 * p[0] + 33039 * p[1] + 6416 * p[2] + (16 << 16) + 32768) >> 16);
}

int64_t gs_video_yuv_update(uint8_t *const yuv[3], const int32_t ys[3], const uint8_t *rgb,
                            const uint8_t *ref, int32_t stride, int32_t w, int32_t h)
{
    int64_t n = 0;
    size_t row = (size_t)w * 3;
    for (int32_t y = 0; y < h; y += 2) {
        const uint8_t *r[2], *f[2];
        int rows = y + 1 < h ? 2 : 1;
        r[0] = rgb + (size_t)y * (size_t)stride;
        f[0] = ref + (size_t)y * (size_t)stride;
        r[1] = rows == 2 ? r[0] + stride : r[0];
        f[1] = rows == 2 ? f[0] + stride : f[0];
        /* most row pairs are untouched by the drawing: one comparison each */
        if (!memcmp(r[0], f[0], row) && !memcmp(r[1], f[1], row))
            continue;
        for (int32_t x = 0; x < w; x += 2) {
            size_t o = (size_t)x * 3;
            int cols = x + 1 < w ? 2 : 1;
            /* runs of 16 untouched pixels are skipped in one go */
            if ((x & 15) == 0 && x + 16 <= w && !memcmp(r[0] + o, f[0] + o, 48) &&
                !memcmp(r[1] + o, f[1] + o, 48)) {
                x += 14;
                continue;
            }
            if (!memcmp(r[0] + o, f[0] + o, (size_t)cols * 3) &&
                !memcmp(r[1] + o, f[1] + o, (size_t)cols * 3))
                continue;
            int sr = 0, sg = 0, sb = 0, k = 0;
            for (int dy = 0; dy < rows; dy++)
                for (int dx = 0; dx < cols; dx++) {
                    const uint8_t *p = r[dy] + o + 3 * dx, *q = f[dy] + o + 3 * dx;
                    sr += p[0];
                    sg += p[1];
                    sb += p[2];
                    k++;
                    if (p[0] != q[0] || p[1] != q[1] || p[2] != q[2])
                        yuv[0][(size_t)(y + dy) * (size_t)ys[0] + (size_t)(x + dx)] = luma(p);
                }
            int cb = (-9714 * sr - 19070 * sg + 28784 * sb) / k;
            int cr = (28784 * sr - 24103 * sg - 4681 * sb) / k;
            yuv[1][(size_t)(y / 2) * (size_t)ys[1] + (size_t)(x / 2)] =
                (uint8_t)((cb + (128 << 16) + 32768) >> 16);
            yuv[2][(size_t)(y / 2) * (size_t)ys[2] + (size_t)(x / 2)] =
                (uint8_t)((cr + (128 << 16) + 32768) >> 16);
            n++;
        }
    }
    return n;
}

/* Sends the filled e->yuv with pts to the encoder and writes what comes out. */
static gs_status frame_send(gs_encoder *e, int64_t pts, gs_error *err)
{
    char eb[AV_ERROR_MAX_STRING_SIZE];
    int ret;
    if (e->last_pts != AV_NOPTS_VALUE) {
        int slot = (int)((e->n_frames - 1) % RING);
        e->ring_dur[slot] = pts - e->last_pts;
        e->last_dur = pts - e->last_pts;
    }
    int slot = (int)(e->n_frames % RING);
    e->ring_pts[slot] = pts;
    e->ring_dur[slot] = 0;
    e->last_pts = pts;
    e->n_frames++;
    e->yuv->pts = pts;
    ret = avcodec_send_frame(e->cc, e->yuv);
    if (ret < 0)
        return gs_fail(err, GS_ERR_INTERNAL, "%s: encoder rejected a frame (%s)", e->path,
                       gs_video__averr(ret, eb));
    return drain(e, err);
}

gs_status gs_encoder_close(gs_encoder *e, gs_error *err)
{
    char eb[AV_ERROR_MAX_STRING_SIZE];
    gs_status rc;
    if (e->closed)
        return GS_OK;
    e->closed = 1;
    int ret = avcodec_send_frame(e->cc, NULL);
    if (ret < 0 && ret != AVERROR_EOF)
        return gs_fail(err, GS_ERR_INTERNAL, "%s: encoder flush failed (%s)", e->path,
                       gs_video__averr(ret, eb));
    rc = drain(e, err);
    if (rc != GS_OK)
        return rc;
    ret = av_write_trailer(e->fmt);
    if (ret < 0)
        return gs_fail(err, GS_ERR_IO, "%s: cannot finish MP4 (%s)", e->path, gs_video__averr(ret, eb));
    ret = avio_closep(&e->fmt->pb);
    if (ret < 0)
        return gs_fail(err, GS_ERR_IO, "%s: close failed (%s)", e->path, gs_video__averr(ret, eb));
    return GS_OK;
}

void gs_encoder_free(gs_encoder **ep)
{
    if (!ep || !*ep)
        return;
    gs_encoder *e = *ep;
    if (e->fmt && e->fmt->pb)
        avio_closep(&e->fmt->pb);
    sws_freeContext(e->sws);
    av_frame_free(&e->yuv);
    av_packet_free(&e->pkt);
    avcodec_free_context(&e->cc);
    avformat_free_context(e->fmt);
    free(e);
    *ep = NULL;
}
