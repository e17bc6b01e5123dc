/*
 * gaitscope video stage: FFmpeg demux + decode to upright RGB frames with stream timestamps,
 * and an H.264 MP4 encoder for overlay clips.
 *
 * Time: every frame carries t_s = (pts - stream start) * time_base * time_scale, where
 * time_scale rescales slow-motion clips to real time (see gs_decoder_options). Frames are never
 * numbered into time by an assumed frame rate, so variable frame rate stays correct.
 */
#ifndef GS_VIDEO_H
#define GS_VIDEO_H

#include <stdint.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What gs_decoder_info() reports about the opened video stream. */
typedef struct gs_video_info {
    char codec[32];              /* decoder name, e.g. "h264" */
    int32_t coded_width;         /* stored frame size before rotation, pixels */
    int32_t coded_height;
    int32_t width, height;       /* displayed size: rotation applied, pixels */
    int32_t rotation_deg;        /* clockwise display rotation applied: 0, 90, 180 or 270 */
    int32_t mirrored;            /* 1: the display matrix also mirrors the picture (a front
                                    camera's flag), applied after the rotation: left-right swapped
                                    back, as players show it */
    double fps_nominal;          /* the stream's average/real frame rate (frames per second) */
    double duration_s;           /* video stream duration in seconds (source time base) */
    int64_t frames_estimate;     /* frame count from the container, -1 if unknown */
    double capture_fps;          /* capture rate stated by the file (e.g. QuickTime), 0 if none */
    double time_scale;           /* factor applied to source time to get real time (1 = none) */
    char time_scale_source[32];  /* "none", "slowmo-option", "capture-fps-option", "metadata" */
    int32_t out_width;           /* size of the frames returned: width/height, or smaller with */
    int32_t out_height;          /* gs_decoder_options.max_height */
} gs_video_info;

/** Largest gs_decoder_options.slowmo accepted; the smallest is its inverse (GS_ERR_ARG
 * outside). */
#define GS_VIDEO_MAX_SLOWMO 10000
/** Range of gs_decoder_options.capture_fps accepted, frames per second. */
#define GS_VIDEO_MIN_CAPTURE_FPS 0.01
#define GS_VIDEO_MAX_CAPTURE_FPS 1000000

/**
 * Timestamp policy of the decoder (every frame returned has a source time strictly after the
 * previous one's, so every later stage can rely on increasing times):
 * - a frame whose time is not more than GS_VIDEO_MIN_STEP_FRACTION of a nominal frame interval
 *   after the previous returned frame's (a duplicate or equal timestamp, a muxer's one-tick nudge
 *   of one, a small step back) is dropped and counted in gs_decode_stats.dropped_time;
 * - a step back of more than GS_VIDEO_SEGMENT_JUMP_S seconds (concatenated recordings, a
 *   restarted MPEG-TS clock) starts a new segment whose times are shifted to continue one frame
 *   interval after the last frame (gs_decode_stats.segments, .shift_s).
 * A few frames out of order step back by a few frame intervals; a joined recording restarts its
 * clock, usually by seconds. Both limits apply to source time (before any slow-motion scale).
 */
#define GS_VIDEO_MIN_STEP_FRACTION 0.25
#define GS_VIDEO_SEGMENT_JUMP_S    0.5

/** What decoding has met so far (gs_decoder_stats()); final once gs_decoder_next() ends. */
typedef struct gs_decode_stats {
    int64_t frames;       /* frames returned */
    int64_t decoded;      /* frames out of the codec, returned or not (before a seek's target,
                             dropped by the timestamp policy) */
    int64_t dropped_time; /* frames dropped by the timestamp policy (time not after the last) */
    int32_t segments;     /* timestamp segments: 1 + backward jumps joined on */
    double shift_s;       /* total shift added to the last segment's source times, seconds */
    int64_t bad_packets;  /* damaged packets or frames skipped */
    int truncated;        /* 1: the file ended early (a read error or a cut-off packet) */
    double decoded_s;     /* source time at the end of the last returned frame (its time plus
                             one frame interval), seconds from the stream start */
    double stated_s;      /* duration the file states for the video stream (as
                             gs_video_info.duration_s), 0 if it states none */
} gs_decode_stats;

/** Decoder options; a zeroed struct means defaults. */
typedef struct gs_decoder_options {
    int n_threads;      /* FFmpeg frame/slice threads; 0 = 2 */
    double start_s;     /* first frame to return, seconds of source time; 0 = from start */
    double end_s;       /* stop after this source time; 0 = to the end */
    double slowmo;      /* > 0: playback is this many times slower than real (time /= slowmo);
                           within [1 / GS_VIDEO_MAX_SLOWMO, GS_VIDEO_MAX_SLOWMO] */
    double capture_fps; /* > 0: real capture rate; time *= fps_nominal / capture_fps; within
                           [GS_VIDEO_MIN_CAPTURE_FPS, GS_VIDEO_MAX_CAPTURE_FPS] */
    int ignore_capture_metadata; /* 1: do not rescale time from a capture rate in the file */
    int32_t max_height; /* > 0: frames taller than this (as displayed) are scaled down in the
                           YUV->RGB conversion to this height, aspect kept (width rounded to
                           even); 0 = as decoded. gs_video_info keeps the source size;
                           gs_frame.width/height give the size returned. Within [16, 16384]. */
    int keep_yuv;       /* 1: frames also carry the picture as YUV 4:2:0 planes (gs_frame.yuv),
                           from which the RGB picture is converted; for passes that re-encode
                           the frames (an encoder takes the planes: gs_encoder_write_yuv) */
} gs_decoder_options;

/** One decoded, upright RGB frame. */
typedef struct gs_frame {
    const uint8_t *rgb;    /* height rows of stride bytes (width*3 used); decoder-owned */
    int32_t stride;        /* bytes per row (>= width*3) */
    int32_t width, height; /* displayed size, rotation applied */
    double t_s;            /* real time of the frame: (pts - stream start) in s, rescaled; strictly
                              after the previous frame's (see GS_VIDEO_SEGMENT_JUMP_S) */
    double src_t_s;        /* same before the slow-motion rescale (source playback time) */
    int64_t pts;           /* the frame's raw presentation timestamp in the stream time base */
    int64_t index;         /* 0-based index of this frame among frames returned so far */
    const uint8_t *yuv[3]; /* with gs_decoder_options.keep_yuv: the same picture (upright, the
                              returned size) as 8-bit Y, Cb, Cr planes, limited range, chroma
                              (width+1)/2 x (height+1)/2, as libswscale's yuv420p; rgb is its
                              conversion with libswscale's default (BT.601) matrix.
                              Decoder-owned, valid as rgb. NULL without keep_yuv */
    int32_t yuv_stride[3]; /* bytes per row of each plane */
} gs_frame;

typedef struct gs_decoder gs_decoder; /* owns the FFmpeg contexts and the RGB buffer */

/**
 * Opens the best video stream of path. opt may be NULL (defaults). Caller frees *out with
 * gs_decoder_free(). Returns GS_OK, GS_ERR_IO (missing/unreadable file, or not a regular file:
 * a FIFO, a device, a directory are refused before any read, as a clip is read more than
 * once), GS_ERR_FORMAT (not a
 * video, no video stream, zero frames, corrupt header), GS_ERR_ARG (bad options) or
 * GS_ERR_NOMEM; on error *out is NULL and err names the file.
 */
gs_status gs_decoder_open(const char *path, const gs_decoder_options *opt, gs_decoder **out,
                          gs_error *err);

/** Stream facts; the pointer is valid until gs_decoder_free(). */
const gs_video_info *gs_decoder_info(const gs_decoder *dec);

/**
 * Decodes the next frame in presentation order within the chosen time range. frame->rgb is
 * valid until the next call on dec. Returns GS_OK, GS_END after the last frame, or an error
 * (GS_ERR_FORMAT for a corrupt stream; a truncated file ends with GS_END after its last whole
 * frame, and gs_decoder_truncated() then reports it).
 */
gs_status gs_decoder_next(gs_decoder *dec, gs_frame *frame, gs_error *err);

/**
 * As gs_decoder_next() (same frames, times, indices and statistics) but without the conversion
 * to RGB: frame->rgb is NULL. For passes that need only some frames' pictures (the key frames):
 * the YUV->RGB conversion and scaling is most of the calling thread's decoding cost.
 */
gs_status gs_decoder_skip(gs_decoder *dec, gs_frame *frame, gs_error *err);

/**
 * Seeks so that the next gs_decoder_next() returns the first frame with source time >= t_s
 * (decodes forward from the preceding keyframe). The first frame decoded after the seek must be
 * a key frame at or before t_s, else the decoder seeks further back (at worst to the start), so
 * the frames returned are the pictures a decode from the start gives. GS_OK or an error.
 */
gs_status gs_decoder_seek(gs_decoder *dec, double t_s, gs_error *err);

/**
 * Source time (seconds from the stream start) of the last key frame - a frame decoding can start
 * from - at or before source time t_s, from the container's index (its decode time: it may
 * precede the frame's presentation by the reorder delay); -1 when the container has no index.
 */
double gs_decoder_keyframe_before(const gs_decoder *dec, double t_s);

/**
 * As gs_decoder_seek(), and the frame returned next is numbered index (gs_frame.index): for a
 * pass over a clip whose frame indices and times an earlier pass with the same options found
 * (the analysis's key frames). Times after the seek are the stream's own, so the caller must
 * know the earlier pass met no timestamp repairs (gs_decode_stats dropped_time 0, segments 1)
 * and should check the time of the frame it lands on. GS_OK or an error.
 */
gs_status gs_decoder_seek_index(gs_decoder *dec, double t_s, int64_t index, gs_error *err);

/**
 * Decodes only what frames with source time (gs_frame.src_t_s, before the timestamp policy's
 * repairs) within one of the n intervals [t0[k], t1[k]] need: a packet outside them is left
 * undecoded when no other frame refers to it (FFmpeg's AVDISCARD_NONREF: H.264's non-reference
 * B-frames), and a frame outside them that is decoded all the same is returned without its
 * picture (as gs_decoder_skip). Frames left undecoded are not returned at all, so gs_frame.index
 * then counts the frames returned, not the clip's: the caller identifies frames by time. For a
 * pass that needs some stretches of a clip whose frame times an earlier pass found. n = 0 decodes
 * every frame again. GS_OK, GS_ERR_ARG or GS_ERR_NOMEM.
 */
gs_status gs_decoder_only_within(gs_decoder *dec, const double *t0, const double *t1, int n,
                                 gs_error *err);

/** 1 if the demuxer hit a read error or a cut-off packet before the end, else 0. */
int gs_decoder_truncated(const gs_decoder *dec);

/**
 * Counters of the timestamp policy, damaged packets, truncation and the decodable duration, as
 * met so far (final after
 * gs_decoder_next() returned GS_END). Valid until gs_decoder_free().
 */
const gs_decode_stats *gs_decoder_stats(const gs_decoder *dec);

/** Frees *dec and sets it to NULL; NULL is a no-op. */
void gs_decoder_free(gs_decoder **dec);

/** Result of a full scan of a clip (gs_video_scan). */
typedef struct gs_video_scan_result {
    gs_video_info info;    /* as gs_decoder_info() */
    int64_t frames;        /* frames decoded */
    double first_t_s;      /* time of the first frame (source time, stream start subtracted) */
    double last_t_s;       /* time of the last frame */
    double fps_measured;   /* (frames - 1) / (last - first), 0 if fewer than 2 frames */
    double min_dt_s;       /* smallest and largest frame interval */
    double max_dt_s;
    int vfr;               /* 1 when intervals differ by more than 10 % of the median */
    int truncated;         /* 1 when the file ended early (= decode.truncated) */
    gs_decode_stats decode; /* the decoder's counters at the end of the scan */
} gs_video_scan_result;

/**
 * Decodes every frame of path (no RGB conversion: only timestamps are needed) to measure the
 * real frame count, frame rate and variability. progress may be NULL.
 */
gs_status gs_video_scan(const char *path, const gs_decoder_options *opt,
                        gs_video_scan_result *out, gs_progress_fn progress, void *user,
                        gs_error *err);

/* ---- encoding ---- */

/** Encoder options; a zeroed struct means defaults. */
typedef struct gs_encoder_options {
    int crf;             /* x264 constant rate factor; 0 = 23 */
    const char *preset;  /* x264 preset; NULL = "superfast" (speed and memory over size) */
    int n_threads;       /* encoder threads; 0 = 2 */
    double fps_hint;     /* nominal rate for the stream header; 0 = 30 */
} gs_encoder_options;

typedef struct gs_encoder gs_encoder; /* owns the output file and the libavcodec context */

/**
 * Creates an H.264 (libx264, yuv420p) MP4 at path for width x height RGB frames, with the moov
 * atom moved to the front on close (faststart) so browsers can play it while downloading.
 * width and height must be even (yuv420p). Caller must gs_encoder_close() then free.
 */
gs_status gs_encoder_open(const char *path, int32_t width, int32_t height,
                          const gs_encoder_options *opt, gs_encoder **out, gs_error *err);

/**
 * Encodes one RGB frame (stride bytes per row) shown at t_s seconds. Times must increase;
 * they are kept with microsecond precision, so variable frame rate round-trips.
 */
gs_status gs_encoder_write(gs_encoder *enc, const uint8_t *rgb, int32_t stride, double t_s,
                           gs_error *err);

/**
 * As gs_encoder_write() for a picture given as YUV 4:2:0 planes (Y, Cb, Cr; 8-bit, limited
 * range, chroma (width+1)/2 x (height+1)/2; a frame of gs_decoder_options.keep_yuv), which skips
 * the RGB->YUV conversion: for a frame that was decoded and drawn on, the planes are passed on
 * and only what the drawing changed is converted (gs_video_yuv_update). Planes are copied.
 */
gs_status gs_encoder_write_yuv(gs_encoder *enc, const uint8_t *const yuv[3],
                               const int32_t stride[3], double t_s, gs_error *err);

/**
 * Brings the YUV 4:2:0 planes yuv (as gs_frame.yuv) of a width x height picture up to date with
 * its RGB picture rgb after drawing on it: every 2x2 block where rgb differs from ref (the RGB
 * picture before drawing, which the planes held) gets the luma of its changed pixels and the
 * chroma of its four pixels' mean from the RGB values (limited range, BT.601 as libswscale's
 * default, so the rest of the picture keeps the planes' own values: the source's, not a
 * round trip through RGB). rgb and ref have stride bytes per row. Returns the number of 2x2
 * blocks rewritten.
 */
int64_t gs_video_yuv_update(uint8_t *const yuv[3], const int32_t yuv_stride[3],
                            const uint8_t *rgb, const uint8_t *ref, int32_t stride, int32_t width,
                            int32_t height);

/** Flushes the encoder and finishes the file (checks every write). */
gs_status gs_encoder_close(gs_encoder *enc, gs_error *err);

/** Frees *enc (closing nothing: an unclosed file stays incomplete); NULL is a no-op. */
void gs_encoder_free(gs_encoder **enc);

#ifdef __cplusplus
}
#endif
#endif /* GS_VIDEO_H */
