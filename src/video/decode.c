/*
 * Video decode on FFmpeg: demux the best video stream, decode with FFmpeg's frame threads,
 * convert to RGB24 with libswscale and turn the picture upright from the display matrix.
 * Frames are streamed one at a time: memory is bounded by the codec's own reference frames plus
 * two RGB buffers, whatever the clip's length.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>

#include "video_impl.h"

/* Three 8-bit planes of a YUV 4:2:0 picture in one allocation. */
typedef struct yuv_buf {
    uint8_t *mem;
    uint8_t *p[3];
    int stride[3]; /* bytes per row (int: libswscale's type) */
    int w, h;      /* luma size; chroma is (w + 1) / 2 x (h + 1) / 2 */
} yuv_buf;

struct gs_decoder {
    char path[1024];
    AVFormatContext *fmt;
    AVCodecContext *cc;
    AVStream *st;
    int stream_index;
    AVPacket *pkt;
    AVFrame *frame;
    struct SwsContext *sws;
    int sws_w, sws_h, sws_fmt; /* what sws was made for (the stream may change mid-way) */
    int buf_w, buf_h;          /* coded-orientation size of the RGB buffers */
    uint8_t *rgb_coded;        /* coded-size RGB (rotation source) */
    int32_t coded_stride;
    uint8_t *rgb_out; /* upright RGB when rotated; else rgb_coded is returned */
    int32_t out_stride;
    size_t out_cap;
    /* The YUV route (yuv_route()): source -> YUV 4:2:0 at the output size -> upright -> RGB. */
    struct SwsContext *sws_yuv; /* source -> yuv420p at the output size (scaling, range) */
    struct SwsContext *sws_rgb; /* upright yuv420p -> RGB24, same size */
    yuv_buf yuv_coded;          /* scaled planes in the coded orientation */
    yuv_buf yuv_up;             /* rotated planes (rotated clips only) */
    uint8_t *rgb_up;            /* RGB of the YUV route */
    int32_t rgb_up_stride;
    int rgb_up_w, rgb_up_h;
    gs_video_info info;
    gs_decoder_options opt;
    int64_t start_pts; /* stream start in time-base units */
    int64_t last_pts;  /* last returned pts, to synthesise a missing one */
    int flushing;      /* NULL packet sent */
    int no_rgb;        /* timestamps only (scan) */
    int64_t index;
    /* Timestamp policy (see next_time()): source times, seconds, stream start = 0. */
    int have_last;     /* a frame was kept since the open or the last seek */
    double last_t;     /* continuous source time of the last kept frame */
    double last_dt;    /* interval between the last two kept frames, 0 if unknown */
    double shift_s;    /* added to the raw source time of the current segment */
    double min_step_s; /* a kept frame is at least this far after the previous one */
    double step_s;     /* one nominal frame interval: where a new segment continues */
    /* Landing check of a seek (check_landing()): source time asked for, the timestamp last
     * given to the demuxer, the seeks made back from it so far */
    int seek_check; /* 1: the first frame decoded since the seek is not checked yet */
    double seek_t;
    int64_t seek_ts;
    int seek_tries;
    /* gs_decoder_only_within(): n_within source-time intervals [within[2k], within[2k+1]] */
    double *within;
    int n_within;
    gs_decode_stats stats;
};

const char *gs_video__averr(int e, char buf[AV_ERROR_MAX_STRING_SIZE])
{
    av_strerror(e, buf, AV_ERROR_MAX_STRING_SIZE);
    return buf;
}

/* The sign of a display matrix entry (16.16 fixed point): -1, 0 or 1, ignoring a rounding
 * remainder below 1/16 (an encoder's cos 90 deg). */
static int dm_sign(int32_t v)
{
    return v > (1 << 12) ? 1 : v < -(1 << 12) ? -1 : 0;
}

/*
 * How the picture is turned for display: *mirror (the display matrix flips it) and the clockwise
 * degrees, applied rotation first, then the mirror. The matrix maps a coded pixel (x, y) to
 * (m[0] x + m[3] y, m[1] x + m[4] y) up to a shift (libavutil/display.h); with a mirror it is
 * mirror o rotation, so the rotation is the matrix with its first column negated
 * (av_display_matrix_flip). The degrees are read as ffmpeg's own autorotate reads them
 * (fftools/cmdutils.c get_rotation: theta = -av_display_rotation_get()); its player turns a
 * flipped matrix the same way (hflip, vflip, transpose; checked frame by frame against the
 * ffmpeg 5.1 CLI in tests/test_video.c).
 */
static int32_t stream_orientation(const AVStream *st, int32_t *mirror)
{
    size_t size = 0;
    const uint8_t *dm = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
    double theta = 0.0;
    *mirror = 0;
    if (dm && size >= 9 * sizeof(int32_t)) {
        int32_t m[9];
        memcpy(m, dm, sizeof(m));
        if (dm_sign(m[0]) * dm_sign(m[4]) - dm_sign(m[1]) * dm_sign(m[3]) < 0) {
            *mirror = 1;
            av_display_matrix_flip(m, 1, 0);
        }
        theta = -av_display_rotation_get(m);
        if (isnan(theta))
            theta = 0.0;
    } else {
        /* Old muxers wrote a "rotate" tag instead of side data. */
        const AVDictionaryEntry *e = av_dict_get(st->metadata, "rotate", NULL, 0);
        if (e)
            theta = strtod(e->value, NULL);
    }
    theta = fmod(theta, 360.0);
    if (theta < 0)
        theta += 360.0;
    int32_t r = (int32_t)(lround(theta / 90.0) * 90) % 360;
    return r;
}

/*
 * A capture rate written by the camera: Android's MPEG4Writer stores "com.android.capture.fps"
 * for high-frame-rate and time-lapse recordings; other writers use similar keys ending in
 * "capture.fps". Looked up on the stream, then the container. 0 when absent or unreadable.
 */
static double metadata_capture_fps(const AVFormatContext *fmt, const AVStream *st)
{
    const AVDictionary *dicts[2] = {st->metadata, fmt->metadata};
    for (int d = 0; d < 2; d++) {
        const AVDictionaryEntry *e = NULL;
        while ((e = av_dict_get(dicts[d], "", e, AV_DICT_IGNORE_SUFFIX))) {
            size_t n = strlen(e->key);
            if (n >= 11 && !strcmp(e->key + n - 11, "capture.fps")) {
                double v = strtod(e->value, NULL);
                if (isfinite(v) && v > 0 && v < 100000)
                    return v;
            }
        }
    }
    return 0.0;
}

/* Big-endian unsigned integer of n bytes. */
static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/*
 * Why FFmpeg could not open an MP4/MOV file, when the reason is the usual one: the recording
 * stopped (battery, crash, copy cut short) before the index was written. A camera writes the
 * media data first and the index ('moov' box) at the end, so such a file has an 'ftyp' box, a
 * 'mdat' box that runs past the end of the file, and no 'moov'. Walks the top-level boxes
 * (ISO/IEC 14496-12 section 4.2: 32-bit size and 4-character type; size 1 means a 64-bit size
 * follows, size 0 means "to the end of the file"). Returns 1 with the message in err when that
 * is the diagnosis, else 0 (err untouched).
 */
static int mp4_missing_index(const char *path, gs_error *err)
{
    FILE *f = fopen(path, "rb");
    uint8_t h[16];
    uint64_t pos = 0, size;
    int64_t file_size;
    int boxes = 0, cut = 0;
    char type[5] = "", cut_type[5] = "";

    if (!f)
        return 0;
    if (fseeko(f, 0, SEEK_END) != 0 || (file_size = ftello(f)) < 16) {
        fclose(f);
        return 0;
    }
    while (pos + 8 <= (uint64_t)file_size && boxes < 100000) {
        if (fseeko(f, (off_t)pos, SEEK_SET) != 0 || fread(h, 1, 16, f) < 8)
            break;
        size = be(h, 4);
        memcpy(type, h + 4, 4);
        for (int i = 0; i < 4; i++)
            if (type[i] < 32 || type[i] > 126)
                type[i] = '?';
        if (boxes == 0 && strcmp(type, "ftyp") != 0)
            break; /* not an ISO media file: FFmpeg's own reason stands */
        if (!strcmp(type, "moov")) {
            fclose(f);
            return 0; /* the index is there: something else is wrong */
        }
        if (size == 1) {
            if (pos + 16 > (uint64_t)file_size)
                break;
            size = be(h + 8, 8);
        } else if (size == 0) {
            size = (uint64_t)file_size - pos;
        }
        boxes++;
        if (size < 8)
            break; /* a broken box header: no index found up to here */
        if (size > (uint64_t)file_size - pos) {
            cut = 1;
            memcpy(cut_type, type, sizeof(cut_type));
            break;
        }
        pos += size;
    }
    fclose(f);
    if (boxes == 0)
        return 0;
    if (cut)
        gs_fail(err, GS_ERR_FORMAT,
                "%s: truncated MP4/MOV file: it ends inside its '%s' box at %lld bytes and has "
                "no index ('moov' box; a recording that stopped before it was finished)",
                path, cut_type, (long long)file_size);
    else
        gs_fail(err, GS_ERR_FORMAT,
                "%s: MP4/MOV file without its index ('moov' box is missing; the file may be "
                "truncated or the recording unfinished)",
                path);
    return 1;
}

static void out_size(const gs_decoder *d, int w, int h, int *ow, int *oh);

gs_status gs_video__open(const char *path, const gs_decoder_options *opt_in, int no_rgb,
                         gs_decoder **out, gs_error *err)
{
    gs_status rc = GS_OK;
    gs_decoder *d = NULL;
    const AVCodec *codec = NULL;
    char eb[AV_ERROR_MAX_STRING_SIZE];
    int ret;

    *out = NULL;
    d = calloc(1, sizeof(*d));
    if (!d)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", path);
    snprintf(d->path, sizeof(d->path), "%s", path);
    if (opt_in)
        d->opt = *opt_in;
    d->no_rgb = no_rgb;
    if (d->opt.start_s < 0 || d->opt.end_s < 0 || d->opt.slowmo < 0 || d->opt.capture_fps < 0 ||
        (d->opt.end_s > 0 && d->opt.end_s <= d->opt.start_s) || !isfinite(d->opt.start_s) ||
        !isfinite(d->opt.end_s) || !isfinite(d->opt.slowmo) || !isfinite(d->opt.capture_fps)) {
        rc = gs_fail(err, GS_ERR_ARG, "%s: invalid time range or time scale", path);
        goto fail;
    }
    /* Upper bounds, so that every time stays a plausible number of seconds: phones record slow
     * motion at up to 960 fps played back at 30 (32x), high-speed cameras at up to about a
     * million frames per second. A slowmo of 1e300 made frames 1e-300 s apart, which no later
     * stage can turn into frame counts. */
    if (d->opt.slowmo > 0 &&
        (d->opt.slowmo > GS_VIDEO_MAX_SLOWMO || d->opt.slowmo < 1.0 / GS_VIDEO_MAX_SLOWMO)) {
        rc = gs_fail(err, GS_ERR_ARG, "%s: slow-motion factor %g out of range [%g, %g]", path,
                     d->opt.slowmo, 1.0 / GS_VIDEO_MAX_SLOWMO, (double)GS_VIDEO_MAX_SLOWMO);
        goto fail;
    }
    if (d->opt.capture_fps > 0 && (d->opt.capture_fps > GS_VIDEO_MAX_CAPTURE_FPS ||
                                   d->opt.capture_fps < GS_VIDEO_MIN_CAPTURE_FPS)) {
        rc =
            gs_fail(err, GS_ERR_ARG, "%s: capture rate %g fps out of range [%g, %g]", path,
                    d->opt.capture_fps, GS_VIDEO_MIN_CAPTURE_FPS, (double)GS_VIDEO_MAX_CAPTURE_FPS);
        goto fail;
    }
    if (d->opt.max_height < 0 || (d->opt.max_height > 0 && d->opt.max_height < 16) ||
        d->opt.max_height > 16384) {
        rc = gs_fail(err, GS_ERR_ARG, "%s: output height %d is outside [16, 16384]", path,
                     (int)d->opt.max_height);
        goto fail;
    }
    av_log_set_level(AV_LOG_QUIET); /* errors are reported through gs_error, not stderr */

    /* Regular files only, checked before FFmpeg opens anything: a video is read more than once
     * (the analysis, then the overlay pass reopens it; probe scans it), which a FIFO or a device
     * cannot do, and opening a FIFO with no writer blocks for ever. */
    {
        const char *kind = NULL;
        int reg = gs_path_is_regular(path, &kind);
        if (reg < 0) {
            rc = gs_fail(err, GS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
            goto fail;
        }
        if (reg == 0) {
            rc = gs_fail(err, GS_ERR_IO,
                         "%s: is %s, not a regular file (a video is read more than once: save "
                         "the stream to a file first)",
                         path, kind);
            goto fail;
        }
    }
    ret = avformat_open_input(&d->fmt, path, NULL, NULL);
    if (ret < 0) {
        if (ret == AVERROR(ENOENT) || ret == AVERROR(EACCES) || ret == AVERROR(EISDIR))
            rc = gs_fail(err, GS_ERR_IO, "%s: cannot open: %s", path, gs_video__averr(ret, eb));
        else if (!mp4_missing_index(path, err))
            rc = gs_fail(err, GS_ERR_FORMAT, "%s: not a readable video file (%s)", path,
                         gs_video__averr(ret, eb));
        else
            rc = GS_ERR_FORMAT;
        goto fail;
    }
    if (d->fmt->pb && !(d->fmt->pb->seekable & AVIO_SEEKABLE_NORMAL)) {
        rc = gs_fail(err, GS_ERR_IO,
                     "%s: cannot seek in this input (a video is read more than "
                     "once: save it to a regular file first)",
                     path);
        goto fail;
    }
    ret = avformat_find_stream_info(d->fmt, NULL);
    if (ret < 0) {
        rc = gs_fail(err, GS_ERR_FORMAT, "%s: cannot read stream information (%s)", path,
                     gs_video__averr(ret, eb));
        goto fail;
    }
    ret = av_find_best_stream(d->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (ret < 0) {
        rc = gs_fail(err, GS_ERR_FORMAT, "%s: no video stream", path);
        goto fail;
    }
    d->stream_index = ret;
    d->st = d->fmt->streams[ret];
    if (!codec) {
        rc = gs_fail(err, GS_ERR_UNSUPPORTED, "%s: no decoder for the video codec", path);
        goto fail;
    }
    if (d->st->codecpar->width <= 0 || d->st->codecpar->height <= 0 ||
        d->st->codecpar->width > 16384 || d->st->codecpar->height > 16384) {
        rc = gs_fail(err, GS_ERR_FORMAT, "%s: video stream has invalid size %dx%d", path,
                     d->st->codecpar->width, d->st->codecpar->height);
        goto fail;
    }
    d->cc = avcodec_alloc_context3(codec);
    d->pkt = av_packet_alloc();
    d->frame = av_frame_alloc();
    if (!d->cc || !d->pkt || !d->frame) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", path);
        goto fail;
    }
    ret = avcodec_parameters_to_context(d->cc, d->st->codecpar);
    if (ret < 0) {
        rc = gs_fail(err, GS_ERR_FORMAT, "%s: bad codec parameters (%s)", path, gs_video__averr(ret, eb));
        goto fail;
    }
    d->cc->pkt_timebase = d->st->time_base;
    /* Frame threads decode n frames at once (latency n-1 frames, fine offline); slice threads
     * help codecs/streams that cannot frame-thread. */
    d->cc->thread_count = d->opt.n_threads > 0 ? d->opt.n_threads : 2;
    d->cc->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    ret = avcodec_open2(d->cc, codec, NULL);
    if (ret < 0) {
        rc = gs_fail(err, GS_ERR_FORMAT, "%s: cannot open the %s decoder (%s)", path,
                     codec->name, gs_video__averr(ret, eb));
        goto fail;
    }

    gs_video_info *in = &d->info;
    snprintf(in->codec, sizeof(in->codec), "%s", codec->name);
    in->coded_width = d->st->codecpar->width;
    in->coded_height = d->st->codecpar->height;
    in->rotation_deg = stream_orientation(d->st, &in->mirrored);
    in->width = in->rotation_deg % 180 ? in->coded_height : in->coded_width;
    in->height = in->rotation_deg % 180 ? in->coded_width : in->coded_height;
    {
        int ow, oh;
        out_size(d, in->coded_width, in->coded_height, &ow, &oh);
        in->out_width = in->rotation_deg % 180 ? oh : ow;
        in->out_height = in->rotation_deg % 180 ? ow : oh;
    }
    AVRational fr = d->st->avg_frame_rate.num > 0 ? d->st->avg_frame_rate : d->st->r_frame_rate;
    in->fps_nominal = fr.num > 0 && fr.den > 0 ? av_q2d(fr) : 0.0;
    if (d->st->duration != AV_NOPTS_VALUE && d->st->duration > 0)
        in->duration_s = (double)d->st->duration * av_q2d(d->st->time_base);
    else if (d->fmt->duration != AV_NOPTS_VALUE && d->fmt->duration > 0)
        in->duration_s = (double)d->fmt->duration / AV_TIME_BASE;
    in->frames_estimate = d->st->nb_frames > 0 ? d->st->nb_frames : -1;
    /* The timestamp policy's scales come from the stated frame rate when it is plausible
     * (at most GS_VIDEO_MAX_CAPTURE_FPS); otherwise only strictly increasing times are asked
     * for, and a new segment continues 1/30 s after the last frame. */
    if (in->fps_nominal > 0 && in->fps_nominal <= GS_VIDEO_MAX_CAPTURE_FPS) {
        d->min_step_s = GS_VIDEO_MIN_STEP_FRACTION / in->fps_nominal;
        d->step_s = 1.0 / in->fps_nominal;
    } else {
        d->min_step_s = 0;
        d->step_s = 1.0 / 30;
    }
    d->stats.segments = 1;
    d->stats.stated_s = in->duration_s;
    d->start_pts = d->st->start_time != AV_NOPTS_VALUE ? d->st->start_time : AV_NOPTS_VALUE;
    d->last_pts = AV_NOPTS_VALUE;

    /* Real time from playback time: options first, then what the file says. */
    in->capture_fps = metadata_capture_fps(d->fmt, d->st);
    in->time_scale = 1.0;
    snprintf(in->time_scale_source, sizeof(in->time_scale_source), "none");
    if (d->opt.slowmo > 0) {
        in->time_scale = 1.0 / d->opt.slowmo;
        snprintf(in->time_scale_source, sizeof(in->time_scale_source), "slowmo-option");
    } else if (d->opt.capture_fps > 0) {
        if (in->fps_nominal <= 0) {
            rc = gs_fail(err, GS_ERR_ARG, "%s: --capture-fps needs a stream frame rate", path);
            goto fail;
        }
        in->time_scale = in->fps_nominal / d->opt.capture_fps;
        snprintf(in->time_scale_source, sizeof(in->time_scale_source), "capture-fps-option");
    } else if (!d->opt.ignore_capture_metadata && in->capture_fps > 0 && in->fps_nominal > 0 &&
               in->capture_fps > 1.05 * in->fps_nominal) {
        /* Captured faster than it plays back: a slow-motion export. */
        in->time_scale = in->fps_nominal / in->capture_fps;
        snprintf(in->time_scale_source, sizeof(in->time_scale_source), "metadata");
    }

    if (d->opt.start_s > 0) {
        rc = gs_decoder_seek(d, d->opt.start_s, err);
        if (rc != GS_OK)
            goto fail;
    }
    *out = d;
    return GS_OK;
fail:
    gs_decoder_free(&d);
    return rc;
}

gs_status gs_decoder_open(const char *path, const gs_decoder_options *opt, gs_decoder **out,
                          gs_error *err)
{
    return gs_video__open(path, opt, 0, out, err);
}

const gs_video_info *gs_decoder_info(const gs_decoder *dec)
{
    return &dec->info;
}

int gs_decoder_truncated(const gs_decoder *dec)
{
    return dec->stats.truncated;
}

const gs_decode_stats *gs_decoder_stats(const gs_decoder *dec)
{
    return &dec->stats;
}

/* Stream timestamp of source time t_s (>= 0, finite): in ticks from the stream start, bounded
 * while still a double (past the end is the end; an out-of-range conversion to int64_t would be
 * undefined). */
static int64_t stream_ts(const gs_decoder *d, double t_s)
{
    int64_t base = d->start_pts != AV_NOPTS_VALUE ? d->start_pts : 0;
    double ticks = fmin(floor(t_s / av_q2d(d->st->time_base)), 0x1p62);
    return base > INT64_MAX - (int64_t)ticks ? INT64_MAX : base + (int64_t)ticks;
}

/* Repositions the demuxer at the last key frame whose time is at most ts (the container's
 * index, or its own search), or at the start when ts is below the stream start or the demuxer
 * cannot seek there; then the decoder and the timestamp policy start afresh (times after a seek
 * are the stream's own: a segment shift found before it does not apply where it lands). */
static gs_status seek_ts(gs_decoder *d, int64_t ts, gs_error *err)
{
    char eb[AV_ERROR_MAX_STRING_SIZE];
    int64_t base = d->start_pts != AV_NOPTS_VALUE ? d->start_pts : 0;
    int ret = ts >= base ? av_seek_frame(d->fmt, d->stream_index, ts, AVSEEK_FLAG_BACKWARD) : -1;
    if (ret < 0) {
        /* the start: by bytes where the format allows it (a container without an index), else
         * by time */
        d->seek_check = 0;
        ret = -1;
        if (!(d->fmt->iformat->flags & AVFMT_NO_BYTE_SEEK))
            ret = av_seek_frame(d->fmt, -1, 0, AVSEEK_FLAG_BACKWARD | AVSEEK_FLAG_BYTE);
        if (ret < 0)
            ret = av_seek_frame(d->fmt, d->stream_index, INT64_MIN, AVSEEK_FLAG_BACKWARD);
        if (ret < 0)
            ret = avformat_seek_file(d->fmt, d->stream_index, INT64_MIN, base, base, 0);
        if (ret < 0)
            return gs_fail(err, GS_ERR_IO, "%s: cannot seek to %.3f s (%s)", d->path, d->seek_t,
                           gs_video__averr(ret, eb));
    }
    d->seek_ts = ts;
    avcodec_flush_buffers(d->cc);
    d->flushing = 0;
    d->last_pts = AV_NOPTS_VALUE;
    d->have_last = 0;
    d->shift_s = 0;
    return GS_OK;
}

gs_status gs_decoder_seek(gs_decoder *d, double t_s, gs_error *err)
{
    if (!(t_s >= 0) || !isfinite(t_s))
        return gs_fail(err, GS_ERR_ARG, "%s: invalid seek time", d->path);
    d->opt.start_s = t_s; /* frames before t_s are dropped by next_frame() */
    d->seek_t = t_s;
    d->seek_tries = 0;
    d->seek_check = 1;
    return seek_ts(d, stream_ts(d, t_s), err);
}

/* A seek landed after the time asked for, or on a frame that is not a key frame, or nothing
 * decoded before the end: seeks again further back (check_landing()). */
static gs_status seek_back(gs_decoder *d, gs_error *err)
{
    int64_t ts = INT64_MIN;
    if (++d->seek_tries <= 8) {
        int i = av_index_search_timestamp(d->st, d->seek_ts, AVSEEK_FLAG_BACKWARD);
        const AVIndexEntry *e = i >= 0 ? avformat_index_get_entry(d->st, i) : NULL;
        double back = ldexp(0.5, d->seek_tries - 1) / av_q2d(d->st->time_base);
        if (e && e->timestamp > INT64_MIN)
            ts = e->timestamp - 1;
        else if (back < 0x1p62 && d->seek_ts > INT64_MIN + (int64_t)back)
            ts = d->seek_ts - (int64_t)back;
    }
    return seek_ts(d, ts, err);
}

/*
 * The first frame decoded after a seek (its source time raw_t, in d->frame) must be a key frame
 * at or before the time asked for: every frame from there on then decodes as from the start of
 * the clip. Otherwise (a demuxer that lands after the time, by a key frame's decode time or with
 * no index; an open GOP whose leading frames need the previous one) seeks again further back:
 * to before the key frame the index gave, or 0.5, 1, 2 ... s before the last try, and after 8
 * tries (or before the stream start) from the start; so also when nothing decoded before the
 * end. Returns 1 when the frame stands, 0 when it was dropped and the decoder sought again
 * (then *rc holds any error).
 */
static int check_landing(gs_decoder *d, double raw_t, gs_status *rc, gs_error *err)
{
    if (!d->seek_check)
        return 1;
#ifdef AV_FRAME_FLAG_KEY
    int key = (d->frame->flags & AV_FRAME_FLAG_KEY) != 0;
#else
    int key = d->frame->key_frame != 0;
#endif
    if (key && raw_t <= d->seek_t + 5e-7) {
        d->seek_check = 0;
        return 1;
    }
    av_frame_unref(d->frame);
    *rc = seek_back(d, err);
    return 0;
}

double gs_decoder_keyframe_before(const gs_decoder *d, double t_s)
{
    if (!(t_s >= 0) || !isfinite(t_s))
        return -1;
    int64_t base = d->start_pts != AV_NOPTS_VALUE ? d->start_pts : 0;
    int64_t ts = stream_ts(d, t_s);
    /* AVSEEK_FLAG_BACKWARD without AVSEEK_FLAG_ANY: key frames only (libavformat) */
    int i = av_index_search_timestamp(d->st, ts, AVSEEK_FLAG_BACKWARD);
    const AVIndexEntry *e = i >= 0 ? avformat_index_get_entry(d->st, i) : NULL;
    if (!e)
        return -1;
    return fmax(0.0, ((double)e->timestamp - (double)base) * av_q2d(d->st->time_base));
}

gs_status gs_decoder_seek_index(gs_decoder *d, double t_s, int64_t index, gs_error *err)
{
    if (index < 0)
        return gs_fail(err, GS_ERR_ARG, "%s: invalid frame index", d->path);
    gs_status rc = gs_decoder_seek(d, t_s, err);
    if (rc == GS_OK)
        d->index = index;
    return rc;
}

static gs_status ensure_buffers(gs_decoder *d, int w, int h, gs_error *err)
{
    if (d->rgb_coded && d->buf_w == w && d->buf_h == h)
        return GS_OK;
    av_freep(&d->rgb_coded);
    av_freep(&d->rgb_out);
    size_t stride = ((size_t)w * 3 + 63) & ~(size_t)63;
    size_t bytes;
    if (gs_size_mul(stride, (size_t)h, &bytes) != 0 || bytes > (size_t)1 << 31)
        return gs_fail(err, GS_ERR_FORMAT, "%s: frame too large %dx%d", d->path, w, h);
    /* libswscale's SIMD YUV->RGB writes whole vector blocks, past width*3 at the end of a row
     * and so past the last row: with 1768-px VP9 frames it overran an exact-size buffer
     * (heap corruption seen on walk_side_multiperson_01). One spare row plus 64 bytes covers
     * any block. */
    if (bytes > SIZE_MAX - stride - 64)
        return gs_fail(err, GS_ERR_FORMAT, "%s: frame too large %dx%d", d->path, w, h);
    d->rgb_coded = av_malloc(bytes + stride + 64);
    d->coded_stride = (int32_t)stride;
    if (d->info.rotation_deg || d->info.mirrored) {
        size_t ostride = d->info.rotation_deg % 180 ? (((size_t)h * 3 + 63) & ~(size_t)63) : stride;
        size_t orows = d->info.rotation_deg % 180 ? (size_t)w : (size_t)h;
        d->rgb_out = av_malloc(ostride * orows);
        d->out_stride = (int32_t)ostride;
        if (!d->rgb_out)
            return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", d->path);
    }
    if (!d->rgb_coded)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", d->path);
    d->buf_w = w;
    d->buf_h = h;
    return GS_OK;
}

/* Turns a w x h picture of bpp bytes per pixel (3: RGB, 1: one plane) clockwise by rot (0, 90,
 * 180, 270), then mirrors it left-right when mirror is set, into dst, in tiles (32x32 pixels for
 * RGB, 64x64 for a plane) so both sides stay in cache. Inlined at its two calls, each with a
 * constant bpp. */
static inline void rotate_pixels(const uint8_t *src, int32_t sstride, int w, int h, int rot,
                                 int mirror, int bpp, uint8_t *dst, int32_t dstride)
{
    const int T = bpp > 1 ? 32 : 64;
    const int out_w = rot % 180 ? h : w;
    for (int y0 = 0; y0 < h; y0 += T)
        for (int x0 = 0; x0 < w; x0 += T) {
            int y1 = y0 + T < h ? y0 + T : h, x1 = x0 + T < w ? x0 + T : w;
            for (int y = y0; y < y1; y++) {
                const uint8_t *s = src + (size_t)y * sstride;
                for (int x = x0; x < x1; x++) {
                    /* output pixel of source (x, y) */
                    int ox = rot == 0     ? x
                             : rot == 90  ? h - 1 - y
                             : rot == 180 ? w - 1 - x
                                          : y;
                    int oy = rot == 0     ? y
                             : rot == 90  ? x
                             : rot == 180 ? h - 1 - y
                                          : w - 1 - x;
                    if (mirror)
                        ox = out_w - 1 - ox;
                    memcpy(dst + (size_t)oy * dstride + (size_t)ox * (size_t)bpp,
                           s + (size_t)x * (size_t)bpp, (size_t)bpp);
                }
            }
        }
}

/* (Re)allocates b for a w x h picture: rows padded to 64 bytes and a spare row per plane, as
 * libswscale's vector code writes whole blocks (see ensure_buffers). */
static gs_status yuv_buf_ensure(yuv_buf *b, int w, int h, const char *path, gs_error *err)
{
    if (b->mem && b->w == w && b->h == h)
        return GS_OK;
    av_freep(&b->mem);
    int cw = (w + 1) / 2, ch = (h + 1) / 2;
    /* w, h <= 16384 (checked at open): under 2^30 bytes, no overflow */
    size_t ys = ((size_t)w + 63) & ~(size_t)63, cs = ((size_t)cw + 63) & ~(size_t)63;
    size_t yb = ys * (size_t)(h + 1), cb = cs * (size_t)(ch + 1);
    b->mem = av_malloc(yb + 2 * cb + 64);
    if (!b->mem)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", path);
    b->p[0] = b->mem;
    b->p[1] = b->mem + yb;
    b->p[2] = b->mem + yb + cb;
    b->stride[0] = (int)ys;
    b->stride[1] = b->stride[2] = (int)cs;
    b->w = w;
    b->h = h;
    return GS_OK;
}

/* Size of the RGB picture for a coded w x h frame: as coded, or scaled so that the displayed
 * height is at most opt.max_height (aspect kept, even sizes). */
static void out_size(const gs_decoder *d, int w, int h, int *ow, int *oh)
{
    int rot90 = d->info.rotation_deg % 180 != 0;
    int disp_h = rot90 ? w : h;
    *ow = w;
    *oh = h;
    if (d->opt.max_height <= 0 || disp_h <= d->opt.max_height)
        return;
    double f = (double)d->opt.max_height / disp_h;
    *ow = 2 * (int)lround(w * f / 2); /* nearest even size */
    *oh = 2 * (int)lround(h * f / 2);
    if (rot90)
        *ow = d->opt.max_height & ~1;
    else
        *oh = d->opt.max_height & ~1;
    if (*ow < 2)
        *ow = 2;
    if (*oh < 2)
        *oh = 2;
}

static gs_status convert_frame(gs_decoder *d, gs_frame *f, gs_error *err)
{
    AVFrame *fr = d->frame;
    int ow, oh;
    out_size(d, fr->width, fr->height, &ow, &oh);
    gs_status rc = ensure_buffers(d, ow, oh, err);
    if (rc != GS_OK)
        return rc;
    if (!d->sws || d->sws_w != fr->width || d->sws_h != fr->height || d->sws_fmt != fr->format) {
        /* Same size in and out, so no scaling filter runs; plain flags keep libswscale on its
         * SIMD YUV->RGB path. With SWS_FULL_CHR_H_INT | SWS_ACCURATE_RND the conversion took
         * 9.5 ms per 1080x1920 frame instead of 1.3 ms (user CPU, 388 frames), for a chroma
         * difference the pose models do not see. When max_height asks for a smaller picture the
         * scaling is done in the same pass (bilinear, whose filter widens with the ratio), so
         * the full-size RGB picture is never made. */
        d->sws = sws_getCachedContext(d->sws, fr->width, fr->height, fr->format, ow, oh,
                                      AV_PIX_FMT_RGB24, SWS_BILINEAR, NULL, NULL, NULL);
        if (!d->sws)
            return gs_fail(err, GS_ERR_UNSUPPORTED, "%s: cannot convert pixel format %s", d->path,
                           av_get_pix_fmt_name(fr->format));
        d->sws_w = fr->width;
        d->sws_h = fr->height;
        d->sws_fmt = fr->format;
    }
    uint8_t *dst[4] = {d->rgb_coded, NULL, NULL, NULL};
    int dst_stride[4] = {d->coded_stride, 0, 0, 0};
    sws_scale(d->sws, (const uint8_t *const *)fr->data, fr->linesize, 0, fr->height, dst,
              dst_stride);
    int rot = d->info.rotation_deg, mirror = d->info.mirrored;
    if (rot || mirror) {
        rotate_pixels(d->rgb_coded, d->coded_stride, ow, oh, rot, mirror, 3, d->rgb_out,
                      d->out_stride);
        f->rgb = d->rgb_out;
        f->stride = d->out_stride;
        f->width = rot % 180 ? oh : ow;
        f->height = rot % 180 ? ow : oh;
    } else {
        f->rgb = d->rgb_coded;
        f->stride = d->coded_stride;
        f->width = ow;
        f->height = oh;
    }
    return GS_OK;
}

/*
 * The YUV route, for frames scaled down (max_height) or kept as YUV (keep_yuv): libswscale
 * scales the planes in YUV 4:2:0 (its vector scaler; a full-range source becomes limited range
 * here), the planes are turned upright, and only then converted to RGB at the output size by its
 * vector YUV->RGB. Scaling within the RGB conversion, as convert_frame() would, runs libswscale's
 * generic scaled RGB24 output: 12.3 ms of CPU per 1080x1920 -> 720x1280 frame, against 7.8 ms
 * for the unscaled conversion of the same frame (docs/benchmarks.md "CPU budget per stage").
 */
static gs_status yuv_route(gs_decoder *d, gs_frame *f, gs_error *err)
{
    AVFrame *fr = d->frame;
    int ow, oh, rot = d->info.rotation_deg, mirror = d->info.mirrored;
    out_size(d, fr->width, fr->height, &ow, &oh);
    int uw = rot % 180 ? oh : ow, uh = rot % 180 ? ow : oh;
    gs_status rc = yuv_buf_ensure(&d->yuv_coded, ow, oh, d->path, err);
    if (rc == GS_OK && (rot || mirror))
        rc = yuv_buf_ensure(&d->yuv_up, uw, uh, d->path, err);
    if (rc != GS_OK)
        return rc;
    if (!d->rgb_up || d->rgb_up_w != uw || d->rgb_up_h != uh) {
        av_freep(&d->rgb_up);
        size_t stride = ((size_t)uw * 3 + 63) & ~(size_t)63;
        d->rgb_up = av_malloc(stride * (size_t)(uh + 1) + 64); /* spare row: ensure_buffers */
        if (!d->rgb_up)
            return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", d->path);
        d->rgb_up_stride = (int32_t)stride;
        d->rgb_up_w = uw;
        d->rgb_up_h = uh;
    }
    d->sws_yuv = sws_getCachedContext(d->sws_yuv, fr->width, fr->height, fr->format, ow, oh,
                                      AV_PIX_FMT_YUV420P, SWS_BILINEAR, NULL, NULL, NULL);
    d->sws_rgb = sws_getCachedContext(d->sws_rgb, uw, uh, AV_PIX_FMT_YUV420P, uw, uh,
                                      AV_PIX_FMT_RGB24, SWS_BILINEAR, NULL, NULL, NULL);
    if (!d->sws_yuv || !d->sws_rgb)
        return gs_fail(err, GS_ERR_UNSUPPORTED, "%s: cannot convert pixel format %s", d->path,
                       av_get_pix_fmt_name(fr->format));
    sws_scale(d->sws_yuv, (const uint8_t *const *)fr->data, fr->linesize, 0, fr->height,
              d->yuv_coded.p, d->yuv_coded.stride);
    yuv_buf *up = &d->yuv_coded;
    if (rot || mirror) {
        for (int i = 0; i < 3; i++) {
            int w = i ? (ow + 1) / 2 : ow, h = i ? (oh + 1) / 2 : oh;
            rotate_pixels(d->yuv_coded.p[i], d->yuv_coded.stride[i], w, h, rot, mirror, 1,
                          d->yuv_up.p[i], d->yuv_up.stride[i]);
        }
        up = &d->yuv_up;
    }
    uint8_t *dst[4] = {d->rgb_up, NULL, NULL, NULL};
    int dst_stride[4] = {d->rgb_up_stride, 0, 0, 0};
    sws_scale(d->sws_rgb, (const uint8_t *const *)up->p, up->stride, 0, uh, dst, dst_stride);
    f->rgb = d->rgb_up;
    f->stride = d->rgb_up_stride;
    f->width = uw;
    f->height = uh;
    if (d->opt.keep_yuv)
        for (int i = 0; i < 3; i++) {
            f->yuv[i] = up->p[i];
            f->yuv_stride[i] = up->stride[i];
        }
    return GS_OK;
}

/*
 * The timestamp policy, applied to every decoded frame so that every later stage sees strictly
 * increasing times (pose.json requires them; the encoder, event detection and interpolation
 * assume them). raw_t is the frame's source time from its pts. Returns 1 with the continuous
 * source time in *t when the frame is kept, 0 when it is dropped (counted):
 * - time at most min_step_s after the last kept frame's (a duplicate or equal timestamp, a
 *   muxer's one-tick nudge of one, or a small step back): dropped; its real time is unknown and
 *   a frame 1 tick after another would make speeds 1000 times too large;
 * - a step back of more than GS_VIDEO_SEGMENT_JUMP_S (concatenated recordings, a restarted
 *   MPEG-TS clock): a new segment, shifted to continue one frame interval after the last frame.
 */
static int next_time(gs_decoder *d, double raw_t, double *t)
{
    double c = raw_t + d->shift_s;
    if (!d->have_last) {
        d->have_last = 1;
        d->last_dt = 0;
        d->last_t = *t = c;
        return 1;
    }
    if (c < d->last_t - GS_VIDEO_SEGMENT_JUMP_S) {
        double step = d->last_dt > 0 ? d->last_dt : d->step_s;
        d->shift_s += d->last_t + step - c;
        c = d->last_t + step;
        d->stats.segments++;
        d->stats.shift_s = d->shift_s;
    } else if (!(c > d->last_t + d->min_step_s) || !(c > d->last_t)) {
        d->stats.dropped_time++;
        return 0;
    }
    d->last_dt = c - d->last_t;
    d->last_t = *t = c;
    return 1;
}

/* 1 when source time t lies in one of the gs_decoder_only_within() intervals (or none is set),
 * with a microsecond of slack for the division by a time scale. */
static int within(const gs_decoder *d, double t)
{
    if (d->n_within == 0)
        return 1;
    for (int k = 0; k < d->n_within; k++)
        if (t >= d->within[2 * k] - 1e-6 && t <= d->within[2 * k + 1] + 1e-6)
            return 1;
    return 0;
}

gs_status gs_decoder_only_within(gs_decoder *d, const double *t0, const double *t1, int n,
                                 gs_error *err)
{
    if (n < 0 || (n > 0 && (!t0 || !t1)))
        return gs_fail(err, GS_ERR_ARG, "%s: invalid time intervals", d->path);
    double *w = n > 0 ? malloc(sizeof(*w) * 2 * (size_t)n) : NULL;
    if (n > 0 && !w)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", d->path);
    for (int k = 0; k < n; k++) {
        w[2 * k] = t0[k];
        w[2 * k + 1] = t1[k];
    }
    free(d->within);
    d->within = w;
    d->n_within = n;
    if (n == 0)
        d->cc->skip_frame = AVDISCARD_DEFAULT;
    return GS_OK;
}

/* gs_decoder_next() and gs_decoder_skip(): convert 0 leaves the picture unconverted. */
static gs_status next_frame(gs_decoder *d, gs_frame *f, int convert, gs_error *err)
{
    char eb[AV_ERROR_MAX_STRING_SIZE];
    double tb = av_q2d(d->st->time_base);
    for (;;) {
        int ret = avcodec_receive_frame(d->cc, d->frame);
        if (ret == 0) {
            d->stats.decoded++;
            int64_t pts = d->frame->best_effort_timestamp;
            if (pts == AV_NOPTS_VALUE)
                pts = d->frame->pts;
            if (pts == AV_NOPTS_VALUE) {
                /* No timestamp at all: continue from the last one by the frame duration. */
                int64_t step = d->frame->pkt_duration > 0 ? d->frame->pkt_duration : 1;
                pts = d->last_pts == AV_NOPTS_VALUE    ? 0
                      : d->last_pts > INT64_MAX - step ? INT64_MAX
                                                       : d->last_pts + step;
            }
            if (d->start_pts == AV_NOPTS_VALUE)
                d->start_pts = pts;
            d->last_pts = pts;
            /* the difference in doubles: any two int64_t pts may be given */
            double raw_t = ((double)pts - (double)d->start_pts) * tb, src_t;
            gs_status src = GS_OK;
            if (!check_landing(d, raw_t, &src, err)) {
                if (src != GS_OK)
                    return src;
                continue;
            }
            if (!next_time(d, raw_t, &src_t)) {
                av_frame_unref(d->frame);
                continue;
            }
            /* Half a microsecond of slack for time bases that do not divide the range. */
            if (d->opt.start_s > 0 && src_t < d->opt.start_s - 5e-7) {
                av_frame_unref(d->frame);
                continue;
            }
            if (d->opt.end_s > 0 && src_t > d->opt.end_s + 5e-7) {
                av_frame_unref(d->frame);
                return GS_END;
            }
            memset(f, 0, sizeof(*f));
            f->pts = pts;
            f->src_t_s = src_t;
            f->t_s = src_t * d->info.time_scale;
            f->index = d->index++;
            d->stats.frames++;
            d->stats.decoded_s = src_t + (d->last_dt > 0 ? d->last_dt : d->step_s);
            gs_status rc = GS_OK;
            int ow, oh;
            out_size(d, d->frame->width, d->frame->height, &ow, &oh);
            convert = convert && within(d, src_t);
            if (!d->no_rgb && convert &&
                (d->opt.keep_yuv || ow != d->frame->width || oh != d->frame->height))
                rc = yuv_route(d, f, err);
            else if (!d->no_rgb && convert)
                rc = convert_frame(d, f, err);
            else if (!d->no_rgb) { /* skipped: the size gs_decoder_next() would give */
                f->width = d->info.out_width;
                f->height = d->info.out_height;
            } else {
                f->width = d->info.width;
                f->height = d->info.height;
            }
            av_frame_unref(d->frame);
            return rc;
        }
        if (ret == AVERROR_EOF) {
            if (!d->seek_check)
                return GS_END;
            gs_status rc = seek_back(d, err); /* a seek that landed past the last frame */
            if (rc != GS_OK)
                return rc;
            continue;
        }
        if (ret != AVERROR(EAGAIN)) {
            /* A damaged frame: skip it as players do; give up if nothing decodes. */
            if (++d->stats.bad_packets > 64)
                return gs_fail(err, GS_ERR_FORMAT, "%s: video stream is corrupt (%s)", d->path,
                               gs_video__averr(ret, eb));
            continue;
        }
        if (d->flushing)
            return GS_END; /* defensive: a drained decoder asks for nothing more */
        ret = av_read_frame(d->fmt, d->pkt);
        if (ret < 0) {
            if (ret != AVERROR_EOF || (d->fmt->pb && d->fmt->pb->error))
                d->stats.truncated = 1;
            avcodec_send_packet(d->cc, NULL); /* drain the frames still in flight */
            d->flushing = 1;
            continue;
        }
        if (d->pkt->stream_index != d->stream_index) {
            av_packet_unref(d->pkt);
            continue;
        }
        if (d->pkt->flags & AV_PKT_FLAG_CORRUPT)
            d->stats.truncated = 1;
        if (d->n_within > 0) {
            /* a packet outside the intervals: decoded only if other frames refer to it (frame
             * threads take the setting with the packet) */
            int in = d->pkt->pts == AV_NOPTS_VALUE || d->start_pts == AV_NOPTS_VALUE ||
                     within(d, ((double)d->pkt->pts - (double)d->start_pts) * tb);
            d->cc->skip_frame = in ? AVDISCARD_DEFAULT : AVDISCARD_NONREF;
        }
        ret = avcodec_send_packet(d->cc, d->pkt);
        av_packet_unref(d->pkt);
        if (ret < 0 && ret != AVERROR(EAGAIN) && ++d->stats.bad_packets > 64)
            return gs_fail(err, GS_ERR_FORMAT, "%s: video stream is corrupt (%s)", d->path,
                           gs_video__averr(ret, eb));
    }
}

gs_status gs_decoder_next(gs_decoder *d, gs_frame *f, gs_error *err)
{
    return next_frame(d, f, 1, err);
}

gs_status gs_decoder_skip(gs_decoder *d, gs_frame *f, gs_error *err)
{
    return next_frame(d, f, 0, err);
}

void gs_decoder_free(gs_decoder **dp)
{
    if (!dp || !*dp)
        return;
    gs_decoder *d = *dp;
    free(d->within);
    sws_freeContext(d->sws);
    sws_freeContext(d->sws_yuv);
    sws_freeContext(d->sws_rgb);
    av_freep(&d->yuv_coded.mem);
    av_freep(&d->yuv_up.mem);
    av_freep(&d->rgb_up);
    av_freep(&d->rgb_coded);
    av_freep(&d->rgb_out);
    av_frame_free(&d->frame);
    av_packet_free(&d->pkt);
    avcodec_free_context(&d->cc);
    avformat_close_input(&d->fmt);
    free(d);
    *dp = NULL;
}

gs_status gs_video_scan(const char *path, const gs_decoder_options *opt, gs_video_scan_result *out,
                        gs_progress_fn progress, void *user, gs_error *err)
{
    gs_status rc;
    gs_decoder *d = NULL;
    double *ts = NULL;
    size_t n = 0, cap = 0;
    gs_frame f;

    memset(out, 0, sizeof(*out));
    rc = gs_video__open(path, opt, 1, &d, err);
    if (rc != GS_OK)
        return rc;
    out->info = d->info;
    int64_t total = d->info.frames_estimate > 0 ? d->info.frames_estimate : 0;
    /* Decoding (not just demuxing) counts what a player shows: frames the decoder drops or
     * packets that hold no picture are not frames. Only 8 bytes per frame are kept. */
    while ((rc = gs_decoder_next(d, &f, err)) == GS_OK) {
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 1024;
            double *nt = realloc(ts, ncap * sizeof(*ts));
            if (!nt) {
                rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", path);
                goto done;
            }
            ts = nt;
            cap = ncap;
        }
        ts[n++] = f.src_t_s;
        if (progress && (n % 32) == 0 && progress(user, "scan", (int64_t)n, total) != 0) {
            rc = gs_fail(err, GS_ERR_CANCELLED, "%s: cancelled", path);
            goto done;
        }
    }
    if (rc != GS_END)
        goto done;
    rc = GS_OK;
    if (n == 0) {
        rc = gs_fail(err, GS_ERR_FORMAT, "%s: video stream has no frames", path);
        goto done;
    }
done:
    if (rc == GS_OK) {
        out->frames = (int64_t)n;
        out->first_t_s = ts[0];
        out->last_t_s = ts[n - 1];
        out->truncated = d->stats.truncated;
        out->decode = d->stats;
        gs_video__interval_stats(ts, n, av_q2d(d->st->time_base), out);
    }
    free(ts);
    gs_decoder_free(&d);
    return rc;
}
