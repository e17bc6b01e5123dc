/*
 * Internals of src/analysis shared by the passes that time events from the picture (toe_image.c,
 * contact_image.c): the landmarks they read and the one decoding pass over their windows
 * (image_bands.c). Never included from outside src/analysis.
 */
#ifndef GS_ANALYSIS_IMPL_H
#define GS_ANALYSIS_IMPL_H

#include <stdint.h>

#include "analysis.h"

/* A window seeking is worth: a window is reached by a seek to the stream's key frame before it
 * when that key frame lies more than this many frames after the next frame to decode (the
 * overlay's key-frame pass's threshold, src/report/overlay.c SEEK_MIN_FRAMES), below which the
 * decoder's flush and restart cost about what is saved. */
#define GS_ANALYSIS__SEEK_MIN_FRAMES 16

/** Rows y0..y0+h-1 of the track's frames t0..tb in grey, full width, as one buffer. */
typedef struct gs_analysis__band {
    int32_t t0, tb; /* first and last frame of the track */
    int32_t y0, h;  /* rows */
    int32_t w;      /* the track's width */
    uint8_t *buf;   /* (tb - t0 + 1) bands of w x h, frame by frame (the caller allocates) */
    int filled;     /* frames copied */
} gs_analysis__band;

/** What one decoding pass over the bands did. */
typedef struct gs_analysis__band_stats {
    int frames_decoded;  /* frames converted for the bands */
    int frames_through;  /* frames the codec decoded (converted or not) */
    int seeks;           /* seeks to the stream's key frame before a band */
    int seek_restart;    /* 1: a seek, or a frame told by its time, was not the track's frame:
                            decoded again from the start, every frame in order */
    const char *skipped; /* "the video's size differs from the track's", or NULL */
} gs_analysis__band_stats;

/**
 * Fills bands b[0..nb-1] from video in one decoding pass up to the last band (decode: the pose
 * pass's options, so frame i is the track's frame i). may_seek: as gs_analysis_toe_off_image's;
 * the decoder then seeks over long stretches between bands and decodes only what the bands'
 * frames need, frames told by their time in the track, and starts again from the first frame,
 * every frame in order, if one is not the track's. A band whose filled is below tb - t0 + 1 was
 * not reached. GS_ERR_IO / GS_ERR_FORMAT from the decoder, GS_ERR_NOMEM.
 */
gs_status gs_analysis__decode_bands(const char *video, const gs_decoder_options *decode,
                                    int may_seek, const gs_pose_track *track, gs_analysis__band *b,
                                    int nb, gs_analysis__band_stats *st, gs_error *err);

/** Median of the finite values among v[0..n-1] (moved to the front and sorted); NAN when none. */
double gs_analysis__median(double *v, int n);

/** The track's landmark k at frame i, or 0 when the frame has none. */
int gs_analysis__kp_at(const gs_pose_track *t, int32_t i, int k, double *x, double *y);

/** Clip time at a fractional frame index (the track's frame times, interpolated). */
double gs_analysis__time_at(const gs_pose_track *t, double f);

/** Median real time between the track's frames, s (NAN for fewer than two frames). */
double gs_analysis__frame_interval_s(const gs_pose_track *t);

/** 1 when time ts lies strictly between the events of type `type` of event k's side that come
 * before and after event k (events sorted by time; none on a side bounds nothing): a picture's
 * toe-off between its foot's contacts, a picture's contact between its foot's toe-offs. */
int gs_analysis__between(const gs_gait_event *ev, int n, int k, gs_gait_event_type type,
                         double ts);

#endif /* GS_ANALYSIS_IMPL_H */
