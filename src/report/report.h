/*
 * gaitscope report stage: what people look at and what other tools read. The overlay clip and
 * key frames (overlay.c), the OpenSim marker file and per-stride CSV (export.c), and the HTML
 * report (report_html.c and its parts, built with html.h).
 */
#ifndef GS_REPORT_H
#define GS_REPORT_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "common.h"
#include "gait.h"
#include "html.h" /* gs_html_buf: the pages built on report.html's look */
#include "pose.h"
#include "video.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- overlay clip and key frames (overlay.c) ---- */

/** One key frame to save during the overlay pass. */
typedef struct gs_keyframe {
    int64_t frame;       /* frame index in the decoded clip */
    gs_gait_side side;   /* the side whose stride it shows */
    const char *phase;   /* "initial contact", "midstance", "toe-off" */
    int32_t stride;      /* index in gs_gait_result_strides() of the stride it shows; -1 (or
                            another side's stride) = the used stride of this side in progress
                            at the frame's time */
    char path[1024];     /* written PNG (filled by gs_overlay_render) */
} gs_keyframe;

/** Options of gs_overlay_render(); a zeroed struct means defaults. */
typedef struct gs_overlay_options {
    const char *overlay_path;       /* overlay.mp4 to write; NULL = no clip (key frames only) */
    int slow_copy;                  /* > 1: also write <overlay>_slowN.mp4, N times slower */
    int blur_faces;                 /* 1: blur the head in every written image and clip */
    gs_decoder_options decode;      /* the decode options the track was made with */
    gs_encoder_options encode;      /* H.264 settings */
    gs_keyframe *keyframes;         /* frames to save as annotated PNGs (may be NULL) */
    int n_keyframes;
    const char *keyframe_dir;       /* folder for key frames (created) */
    const char *contact_sheet_path; /* PNG joining the key frames; NULL = none */
    int32_t max_height;             /* > 0: the clip and the key frames are scaled down (in the
                                       decoder's colour conversion) to at most this height,
                                       aspect kept; 0 = the source size */
    int seek_ok;                    /* 1: the clip was decoded (the track's pass) without
                                       timestamp repairs or damage (gs_decode_stats
                                       dropped_time 0, segments 1, bad_packets 0): without a
                                       clip, the pass may seek to the key frame before a
                                       wanted frame instead of decoding all frames before it */
    int sequential;                 /* 1: decode, draw and encode one after the other in the
                                       calling thread (the same output; for measurements) */
    gs_progress_fn progress;        /* stage "overlay", frames done/total; may be NULL */
    void *progress_user;
} gs_overlay_options;

/**
 * What a gs_overlay_render() run cost: thread CPU time (common.h gs_thread_cpu_s) of each part,
 * seconds. x264's and FFmpeg's own worker threads are not in them.
 */
typedef struct gs_overlay_stats {
    int64_t frames;      /* frames drawn */
    int32_t width;       /* size of the clip and key frames, px */
    int32_t height;
    double decode_cpu_s; /* decoding + RGB conversion (and scaling) + copy into the queue */
    double draw_cpu_s;   /* drawing on the clip's frames */
    double encode_cpu_s; /* RGB->YUV and the calls into libx264, muxing, the final flush */
    double keyframe_cpu_s; /* key-frame captions, PNG files, contact sheet */
    int32_t seeks;       /* key frames only: seeks to a key frame before a wanted frame */
    double wall_s;       /* wall time of the whole pass */
} gs_overlay_stats;

/**
 * Second decoding pass: draws the cleaned track of t, the live angles and events of g (may be
 * NULL: skeleton only) and the findings' evidence (findings: the analysis.json "findings" array,
 * may be NULL) on every frame; writes the overlay clip (same timestamps and length as the
 * source, its size or opt->max_height, H.264) and the key frames. Decoding, drawing and encoding
 * run in three threads joined by a queue of 4 frames (opt->sequential: one thread). stats (may
 * be NULL) receives what each part cost. Returns GS_OK or an error naming the file.
 */
gs_status gs_overlay_render(const char *video, const gs_pose_track *t, const gs_gait_result *g,
                            const cJSON *findings, const gs_overlay_options *opt,
                            gs_overlay_stats *stats, gs_error *err);

/**
 * Picks key frames from a representative stride per side: initial contact, midstance (half-way
 * to toe-off), toe-off. The stride is the used one whose duration is closest to the side's median
 * among the strides where the side's highest-ranked finding holds (findings: the analysis.json
 * "findings" array, in rank order; a finding of that side or "both" that holds in at least one
 * of the side's strides, i.e. every required evidence item lists the stride in holds_times,
 * nkt.h), so that the key frames show it; among all the side's used strides when no finding
 * holds there or findings is NULL. Fills up to max entries of out (6 = 3 phases x 2 sides) and
 * returns how many.
 */
int gs_keyframes_choose_for(const gs_gait_result *g, const gs_pose_track *t, const cJSON *findings,
                            gs_keyframe *out, int max);

/** gs_keyframes_choose_for() without findings: the stride closest to the median per side. */
int gs_keyframes_choose(const gs_gait_result *g, const gs_pose_track *t, gs_keyframe *out,
                        int max);

/**
 * The findings key frame kf (of track t) names on its banners, into out[0..max-1] (borrowed from
 * findings), highest rank first; returns how many. Those of kf's side or "both" that hold in the
 * stride it shows (every required evidence item lists that stride in holds_times; an item without
 * per-stride values holds everywhere). The overlay clip names a finding while a stride of its
 * side where it holds is in progress. The banners show the first 3.
 */
int gs_keyframe_findings(const gs_gait_result *g, const gs_pose_track *t, const cJSON *findings,
                         const gs_keyframe *kf, const cJSON **out, int max);

/**
 * What a key frame's PNG shows of its drawn frame. A person far from the camera is a small figure
 * in a wide picture: the key frame is then a box around the body, scaled up, so that the knee and
 * the foot can be read at the report's width.
 */
typedef struct gs_keyframe_crop {
    int whole;             /* 1: the whole drawn frame, as the overlay clip shows it (the body
                              fills it, or the frame has no landmarks); 0: the box below */
    int32_t x0, y0;        /* top-left corner of the box in the drawn frame, px */
    int32_t w, h;          /* size of the box, px (whole: the frame's) */
    int32_t out_w, out_h;  /* size of the picture in the PNG: the box scaled up by at most 2,
                              to at most the frame's longer side and the frame's area */
    int32_t png_w, png_h;  /* size of the PNG: the picture plus the strip below it with the
                              caption and the findings' banners (whole: the caption lies over
                              the frame's bottom and the banners at its top left, as before) */
} gs_keyframe_crop;

/**
 * The crops of the n key frames kf (gs_keyframes_choose) of track t, drawn on a frame of
 * frame_w x frame_h px (the overlay's size: track pixels times frame_w / t->width and frame_h /
 * t->height). One box size serves all n frames, so that left and right, contact and toe-off
 * compare at the same scale: the largest over the frames of the landmarks' box plus a margin
 * that keeps the skeleton, the angle labels beside the joints, the IC/TO marks under the foot
 * and the crown of the head inside, widened to an aspect ratio between 3:4 and 4:3. Each frame's
 * box is centred on its own body and clamped at the picture's edges. When the box would be
 * wider than 1 / 1.25 of the frame (the report shows key frames at its columns' width, so the
 * body would show less than 1.25 times larger: a treadmill runner filling a portrait picture),
 * every key frame keeps the whole frame; a frame without landmarks keeps it alone. Below a
 * cropped picture a strip holds the caption and banner_lines (0-3) lines for the findings'
 * banners (gs_overlay_render: as many as the key frame showing most). Fills out[0..n-1].
 */
void gs_keyframe_crops(const gs_pose_track *t, const gs_keyframe *kf, int n, int32_t frame_w,
                       int32_t frame_h, int banner_lines, gs_keyframe_crop *out);

/** A label's place on the overlay: the text's origin (left end of its baseline) and the box
 * drawn behind it, px in the drawn frame. */
typedef struct gs_label_box {
    float x, y;           /* where the text starts, on its baseline */
    float x0, y0, x1, y1; /* the translucent box behind it: 3 px each side, 4 below the baseline */
} gs_label_box;

/**
 * Where the overlay writes one joint's two angle labels (txt_left at the left joint lx, ly,
 * txt_right at the right one; either text may be NULL, its box is then left zeroed) on a
 * frame_w x frame_h picture drawn at size scale s (1 at 720 px on the short side). The left
 * label's text ends 10 s px left of its joint and the right one's starts 10 s right of its own
 * (further on pictures under 490 px on the short side, so that the box stays 1 px clear of the
 * joint's dot, of radius 1.4 line widths); when the legs are crossed in the picture (the left
 * knee right of the right one) and the boxes come within 2 px of each other sideways, they move
 * apart up and down, by as much as keeps them apart, which way needing the least (the right one
 * down on a tie). The move grows smoothly over the last 10 s px of
 * approach, so a label glides instead of jumping when the knees pass each other. Every box lies
 * inside the picture (moved in from an edge; the other label then moves clear of it).
 */
void gs_overlay_place_angle_labels(const char *txt_left, float lx, float ly, const char *txt_right,
                                   float rx, float ry, float s, int32_t frame_w, int32_t frame_h,
                                   gs_label_box out[2]);

/** What a label on the overlay names. */
typedef enum gs_overlay_label_kind {
    GS_OVERLAY_LABEL_ANGLE = 0, /* a joint's angle, beside the joint */
    GS_OVERLAY_LABEL_TRUNK = 1, /* the trunk's lean, beside the shoulders' middle */
    GS_OVERLAY_LABEL_EVENT = 2  /* an IC/TO mark's name, under its foot point */
} gs_overlay_label_kind;

/** Most labels one frame carries: 5 joints x 2 sides, the trunk and the IC/TO marks. */
#define GS_OVERLAY_MAX_LABELS 24

/** One label the overlay writes on a frame. */
typedef struct gs_overlay_label {
    gs_overlay_label_kind kind;
    char txt[48];     /* "knee 14" + GS_CV_DEGREE, "IC L" */
    float scale;      /* text scale (gs_cv_text) */
    int colour;       /* 0 the body's centre, 1 left, 2 right (the skeleton's colours) */
    float ax, ay;     /* the point it belongs to (joint, shoulders' middle, foot), px */
    int leader;       /* 1: drawn with a line from the point to the box (placed far from it) */
    float reach;      /* set by gs_overlay_place_labels: a box within this many px of its point
                         (its own place's distance plus a label height) needs no leader line */
    gs_label_box box; /* where it is drawn */
} gs_overlay_label;

/**
 * Places labels lab[0..n) on a W x H picture drawn at size scale s, in order, each at the place
 * that costs least: lab[i].box on the call is its own place (beside its joint, under its foot),
 * moved in from the edges of the picture and of keep (x0, y0, x1, y1 px: where a key frame's crop
 * keeps labels, gs_overlay_label_area; NULL: the picture). A place meeting a label placed before
 * it (or within 2 px) is never taken; one meeting the ring of an IC/TO mark (the disc of radius
 * 14 s plus half the line round the point of every IC/TO label of lab, and 2 px) or covering a
 * joint's dot of kp (the skeleton's dots: shoulders, elbows, wrists and the legs' points; kp
 * NULL: none) or further from its point than its reach (lab[i].reach, set here: its own place's
 * distance plus a label height; further, the overlay draws a leader line) only when no place
 * clear of all of those is left; among those, each px moved from its own place costs 1 and each
 * px of bone line under the box (the skeleton's lines but the hands', their width included) 2.
 * Searched on a 1 s px grid (at least 1 px) over every place within reach, cheapest first, then,
 * when none is clear, over keep and then the picture on a grid of half a label height; where
 * nothing is free of other labels it stays at its own place. prev (n_prev of them; NULL, 0: none)
 * are the labels of the frame before as placed: a label of the same kind, colour and name
 * moves at most 0.45 label heights beside its point from where it sat there unless a place
 * further costs 8 label heights less (so it jumps clear of joints and rings, and glides off
 * bone lines and back). Sets lab[i].leader when the box lies further than its reach.
 */
void gs_overlay_place_labels(gs_overlay_label *lab, int n, float s, int32_t W, int32_t H,
                             const float keep[4], const gs_kp *kp, const gs_overlay_label *prev,
                             int n_prev);

/**
 * Whether the overlay marks event e (its ring and IC/TO label) on frame `frame` at time t_s, and
 * how opaque: in the clip (still 0) for 0.25 s after the event, fading from 1; on a key frame
 * (still 1), a picture looked at alone, only when `frame` is the frame nearest the event (the
 * contact on the initial-contact frame, not the other foot's toe-off 80 ms before it nor the
 * contact on the midstance frame), at 1. 0 = not shown.
 */
double gs_overlay_event_shown(const gs_gait_event *e, int64_t frame, double t_s, int still);

/**
 * The labels the overlay writes on frame `frame` (time t_s) of a frame_w x frame_h picture drawn
 * at size scale s, kp the frame's landmarks in the picture's px: the angles g measures at that
 * frame beside their joints, the trunk's lean, and the IC/TO marks shown at t_s
 * (gs_overlay_event_shown; still 1 for a key frame), placed by gs_overlay_place_labels in that order (the angles joint by joint, left
 * then right) inside gs_overlay_label_area, clear of the IC/TO marks' rings and, where there is
 * room, of the skeleton's joints. prev, n_prev: the labels this returned for frame - 1 (the
 * overlay's pass keeps them; NULL, 0 for a first frame or one drawn alone). Angles are whole
 * degrees with a degree sign (GS_CV_DEGREE, the ring gs_cv_text draws). Fills out[0..max) and
 * returns how many, in drawing order.
 */
int gs_overlay_frame_labels(const gs_gait_result *g, int64_t frame, double t_s, int still,
                            const gs_kp *kp, float s, int32_t frame_w, int32_t frame_h,
                            const gs_overlay_label *prev, int n_prev, gs_overlay_label *out,
                            int max);

/**
 * The box the overlay keeps a frame's labels inside (x0, y0, x1, y1 px): 2 px inside the box a
 * key frame's crop keeps around the landmarks kp (in the picture's px) of a frame_w x frame_h
 * picture drawn at size scale s, within the picture. 0 when no landmark is finite (area: the
 * picture).
 */
int gs_overlay_label_area(const gs_kp *kp, float s, int32_t frame_w, int32_t frame_h,
                          float area[4]);

/**
 * The caption a key frame's PNG carries: side, phase and the angles its view shows at that frame
 * (knee, hip and ankle flexion in a side view; pelvic obliquity, hip adduction and the knee's
 * frontal-plane angle from behind or in front, where sagittal angles are not measured), in whole
 * degrees with the degree sign (GS_CV_DEGREE, UTF-8), "-" for one not measured at that frame.
 * Writes at most cap bytes.
 */
void gs_keyframe_caption(const gs_gait_result *g, const gs_keyframe *k, char *out, size_t cap);

/* ---- exports (export.c) ---- */

/**
 * Writes OpenSim's marker-trajectory format (.trc, tab-separated, "PathFileType 4 (X/Y/Z)"):
 * the 33 BlazePose landmarks named as in pose.json, resampled to a constant rate (rate_hz; 0 =
 * the track's nominal fps) by linear interpolation on the frames' timestamps, in metres
 * (px_per_m from the scale), Y up, X in the direction of travel (facing +1 image-right, -1
 * image-left), Z = 0 (image plane; a single camera gives no depth). Frames without landmarks are
 * left empty. GS_ERR_IO / GS_ERR_ARG (no scale).
 */
gs_status gs_export_trc(const char *path, const gs_pose_track *t, double px_per_m, int facing,
                        double ground_angle_deg, double rate_hz, gs_error *err);

/**
 * Writes metrics.csv from an analysis.json object: one row per metric, side and stride
 * (metric, unit, side, stride_start_t_s, value). GS_ERR_IO.
 */
gs_status gs_export_metrics_csv(const char *path, const cJSON *analysis, gs_error *err);

/* --- report.html (report_html.c) --- */

/** What report.html links to and says about itself; all fields optional (zero = none). */
typedef struct gs_report_html_options {
    const char *title;                     /* heading and <title>, e.g. the clip name */
    const char *overlay_href;              /* relative link to overlay.mp4; NULL = no clip */
    const char *const *keyframe_hrefs;     /* relative PNG paths, in display order */
    const char *const *keyframe_captions;  /* one per key frame (entries may be NULL); or NULL */
    int n_keyframes;                       /* entries in keyframe_hrefs (and captions) */
    const char *contact_sheet_href;        /* relative PNG path; NULL = none */
    const char *generated_by;              /* e.g. "gaitscope 0.1.0" */
} gs_report_html_options;

/**
 * Writes report.html to path: one self-contained page (inline CSS and SVG, no script, no
 * network) with the summary and quality warnings, the metrics per side with symmetry index and
 * cited reference ranges (traffic lights), the gait-cycle curves (mean +- SD per side over the
 * published normative bands), the overlay clip and key frames (relative links from opt), the
 * findings with their evidence, candidate muscles, NKT tests and homework, and the sources.
 *
 * analysis is the analysis.json object ("gaitscope.analysis/1", borrowed). It may carry an
 * "error" (string or {code, message}), "warnings" (strings or {message}) and "quality" keys:
 * the page then says prominently what went wrong and shows what could be measured. A NULL or
 * non-object analysis still gives a page saying there is no analysis. Every string from the
 * JSON and from opt is HTML-escaped. opt may be NULL (no links, default title).
 *
 * Returns GS_OK, GS_ERR_ARG (path NULL), GS_ERR_IO (cannot write; the message names the path),
 * GS_ERR_NOMEM.
 */
gs_status gs_report_write_html(const char *path, const cJSON *analysis,
                               const gs_report_html_options *opt, gs_error *err);

/** The stylesheet of report.html (static text), so related pages share its look. */
const char *gs_report_css(void);

#ifdef __cplusplus
}
#endif
#endif /* GS_REPORT_H */
