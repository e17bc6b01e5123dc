/*
 * Internals of src/analysis shared by the passes that time events from the picture (toe_image.c,
 * contact_image.c): the landmarks they read, the one decoding pass over their windows
 * (image_bands.c) and the driver that runs a pass (picture_pass.c), which can fill a later
 * pass's bands with an earlier pass's decoding. Never included from outside
 * src/analysis.
 */
#ifndef GS_ANALYSIS_IMPL_H
#define GS_ANALYSIS_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/** Sets b to the track's frames t0..tb, rows y0..y1 - 1 clipped to the picture, full width (buf
 * NULL, filled 0); 0, b untouched, when fewer than 8 rows are left. */
int gs_analysis__band_init(gs_analysis__band *b, const gs_pose_track *t, int32_t t0, int32_t tb,
                           int32_t y0, int32_t y1);

/** Points frames[0..tb - t0] at band b's frames; 0 when the decoding did not fill them all. */
int gs_analysis__band_frames(const gs_analysis__band *b, const uint8_t **frames);

/*
 * The shape every picture pass shares (picture_pass.c): the events of one type that the
 * landmarks found, one window and band each, one decoding pass, one measure per window, and the
 * events handed back with those the picture timed moved. A pass (toe_image.c, contact_image.c)
 * describes what is its own in a gs_analysis__picture.
 */

/** What a pass's measure found in one window. */
typedef struct gs_analysis__found {
    int found;    /* 1: frame is set */
    int why;      /* not found: the cv why code (cv.h gs_cv_tip_why, gs_cv_contact_why), < 8 */
    double frame; /* the event, frames after the window's first frame */
} gs_analysis__found;

/** One picture pass; callbacks get the ctx given to gs_analysis__picture_run. */
typedef struct gs_analysis__picture {
    const char *name;         /* "toe-off image": starts the argument error */
    gs_gait_event_type type;  /* the events it times */
    gs_gait_event_type bound; /* a timed event must stay between its foot's of this */
    double min_fps;           /* real frames per second below which it is not used */
    const char *below_fps;    /* skipped then, e.g. "below 50 frames per second" */
    const char *no_events;    /* skipped when g has none, e.g. "no toe-offs" */
    const char *none_timed;   /* skipped when the picture timed none */
    double unc_frames;        /* 1-SD error of a timed event, frames */
    size_t window_size;       /* bytes of one window (the pass's cv window) */
    /* Sets up the window and band (t0, tb, y0, h, w) of event e, s frames per 1/60 s; 0 when
     * the landmarks do not allow one (win and b then untouched). */
    int (*setup)(void *ctx, const gs_pose_track *t, const gs_gait_event *e, double s, void *win,
                 gs_analysis__band *b);
    /* Measures one window whose frames are decoded (borrowed for the call). */
    gs_status (*measure)(void *win, const uint8_t *const *frames, gs_analysis__found *res,
                         gs_error *err);
    /* NULL, or runs once after a decoding that did not fail and before any measure, over the
     * nw windows wins (window_size bytes each) and their bands (nw is 0 when the decoding
     * skipped them); video names an error. */
    gs_status (*after_decoding)(void *ctx, void *wins, const gs_analysis__band *bands, int nw,
                                const char *video, gs_error *err);
} gs_analysis__picture;

/** What gs_analysis__picture_run did: the fields the public stats of every pass share. */
typedef struct gs_analysis__picture_stats {
    int applies;             /* the gates passed: the picture was tried */
    int n_events;            /* events of the pass's type the landmarks found */
    int n_image;             /* of them timed from the picture */
    int n_window;            /* not measured: too near the clip's ends, no landmarks there */
    int n_why[8];            /* not timed, by the measure's why */
    int n_order;             /* timed but not between the bounds: landmarks kept */
    int frames_decoded;      /* as gs_analysis__band_stats */
    int frames_through;      /* as gs_analysis__band_stats */
    int seeks;               /* as gs_analysis__band_stats */
    int seek_restart;        /* as gs_analysis__band_stats */
    double frame_interval_s; /* median real time between frames */
    double wall_s, cpu_s;    /* the pass's cost (thread CPU) */
    const char *skipped;     /* NULL, or why no event was timed from the picture (static) */
} gs_analysis__picture_stats;

/*
 * Copies src (a gs_analysis__picture_stats *) to dst, a pass's public stats
 * (gs_toe_image_stats *, gs_contact_image_stats *), whose shared fields have the same names and
 * n_events its own (n_to, n_ic): a macro because the two structs lay them out apart.
 */
#define GS_ANALYSIS__PICTURE_STATS_COPY(dst, src, n_events_field)                       \
    do {                                                                                \
        _Static_assert(sizeof((dst)->n_why) <= sizeof((src)->n_why), "n_why too long"); \
        (dst)->applies = (src)->applies;                                                \
        (dst)->n_events_field = (src)->n_events;                                        \
        (dst)->n_image = (src)->n_image;                                                \
        (dst)->n_window = (src)->n_window;                                              \
        memcpy((dst)->n_why, (src)->n_why, sizeof((dst)->n_why));                       \
        (dst)->n_order = (src)->n_order;                                                \
        (dst)->frames_decoded = (src)->frames_decoded;                                  \
        (dst)->frames_through = (src)->frames_through;                                  \
        (dst)->seeks = (src)->seeks;                                                    \
        (dst)->seek_restart = (src)->seek_restart;                                      \
        (dst)->frame_interval_s = (src)->frame_interval_s;                              \
        (dst)->wall_s = (src)->wall_s;                                                  \
        (dst)->cpu_s = (src)->cpu_s;                                                    \
        (dst)->skipped = (src)->skipped;                                                \
    } while (0)

/** Bands of a later pass filled by an earlier pass's decoding: one decoding for both. */
typedef struct gs_analysis__band_share {
    gs_analysis__band *b; /* n bands, buffers allocated (gs_analysis__picture_plan) */
    int n;
    int decoded; /* 1: an earlier pass's decoding went through without being skipped */
} gs_analysis__band_share;

/**
 * Plans pass p's bands on g's events before it runs, as gs_analysis__picture_run would set them
 * up (the same gates and setup; n 0 when the gates refuse or no window is set up), into sh with
 * their buffers allocated, for an earlier pass to fill (its `also`). GS_ERR_NOMEM.
 */
gs_status gs_analysis__picture_plan(const gs_analysis__picture *p, void *ctx,
                                    const gs_pose_track *track, const gs_gait_result *g,
                                    gs_analysis__band_share *sh, gs_error *err);

/** Frees the buffers sh still holds and empties it. */
void gs_analysis__band_share_free(gs_analysis__band_share *sh);

/**
 * Runs pass p over video (decode, may_seek: as gs_analysis_toe_off_image's): gates on g's view
 * (side), activity (run) and frame rate; then as the top of this part says. also (NULL, or a later
 * pass's plan not yet decoded): its bands are decoded in the same pass as p's, and also->decoded
 * set when that decoding went through. from (NULL, or a plan an earlier pass decoded): a window
 * whose band equals one of from's filled whole takes that band's buffer (from keeps NULL there) and
 * is not decoded again; a window's band is the same frames and rows of the same video, so its
 * pixels, and every result, are the same either way, and only the stats' decoding counts and times
 * differ. On GS_OK with st->n_image > 0, *events (n_events, caller frees) holds g's events with
 * those timed moved, timed_by GS_GAIT_TIMED_IMAGE and unc_frames p->unc_frames; otherwise *events
 * is NULL and st->skipped says why. GS_ERR_ARG (no video, track or events), GS_ERR_IO /
 * GS_ERR_FORMAT from the decoder, GS_ERR_NOMEM, or a callback's error.
 */
gs_status gs_analysis__picture_run(const gs_analysis__picture *p, void *ctx, const char *video,
                                   const gs_decoder_options *decode, int may_seek,
                                   const gs_pose_track *track, const gs_gait_result *g,
                                   gs_analysis__band_share *also, gs_analysis__band_share *from,
                                   gs_gait_event **events, int *n_events,
                                   gs_analysis__picture_stats *st, gs_error *err);

/*
 * The two passes with shared bands (analyze.c): the contact pass's bands planned on the
 * landmark events before the toe-off pass (its windows hang on the landmark contacts, which the
 * toe-off pass does not move), filled by the toe-off pass's decoding, taken by the contact pass.
 * As gs_analysis_toe_off_image / gs_analysis_contact_image otherwise.
 */
gs_status gs_analysis__contact_image_plan(const gs_pose_track *track, const gs_gait_result *g,
                                          gs_analysis__band_share *sh, gs_error *err);
gs_status gs_analysis__toe_off_image_also(const char *video, const gs_decoder_options *decode,
                                          int may_seek, const gs_pose_track *track,
                                          const gs_gait_result *g, gs_analysis__band_share *also,
                                          gs_gait_event **events, int *n_events,
                                          gs_toe_image_stats *st, gs_error *err);
gs_status gs_analysis__contact_image_from(const char *video, const gs_decoder_options *decode,
                                          int may_seek, const gs_pose_track *track,
                                          const gs_gait_result *g, gs_analysis__band_share *from,
                                          gs_gait_event **events, int *n_events,
                                          gs_contact_image_stats *st, gs_error *err);

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
