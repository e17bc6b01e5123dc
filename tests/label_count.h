/*
 * Overlay label collisions over a whole track (tests and the gs_label_count tool): every frame's
 * labels placed as the overlay places them (gs_overlay_frame_labels) on a picture of a chosen
 * size, and the pairs of label boxes that overlap counted.
 */
#ifndef GS_LABEL_COUNT_H
#define GS_LABEL_COUNT_H

#include <stdint.h>

#include "report.h"

typedef struct gs_lc_stats {
    int64_t frames;        /* frames with landmarks */
    int64_t labels;        /* labels placed */
    int64_t pairs;         /* pairs of label boxes that overlap (share area) */
    int64_t pairs_kind[3]; /* of them: two angle or trunk labels; one of those and an IC/TO
                              label; two IC/TO labels */
    int64_t frames_hit;    /* frames with at least one such pair */
    int64_t touching;      /* pairs that do not overlap but come within 2 px of each other */
    int64_t covering;      /* labels whose box covers a labelled point (a joint or foot with a
                              label of its own, the label's own point too) */
    int64_t outside;       /* labels not wholly inside the picture */
    int64_t leaders;       /* labels drawn with a leader line */
    int64_t jumps;         /* labels whose place relative to their point (the box's side toward
                              it, its middle height) moved by more than half a label height from
                              the frame before (the same label: kind, side, name) */
    int64_t ring_pairs;    /* label boxes that share area with an IC/TO mark's ring (the disc
                              it draws round the foot, its line's outer edge) */
    int64_t joint_labels;  /* labels whose box covers a joint's dot (any the skeleton draws:
                              shoulders, elbows, wrists, hips, knees, ankles, heels, toes) */
    int64_t joint_free;    /* of them: a free spot existed, one needing no leader line (within
                              the label's reach), inside the label area, clear of every other
                              label by 2 px, of every ring and every joint's dot, by a grid
                              step more (so that the overlay's own grid has a spot there) */
    double bone_px;        /* bone line length under label boxes, px (the lines the skeleton
                              draws, the hands' left out as it leaves them out) */
    int64_t worst_frame;   /* the frame with the most pairs (-1: none) */
    int worst_pairs;
    double moved_sum_px; /* sum over labels of the distance from the box's nearest point to its
                            point (joint, foot) */
    double moved_max_px;
} gs_lc_stats;

/**
 * Counts over every frame of t with landmarks, the picture W x H (the track's landmarks scaled
 * to it, drawn at the overlay's size scale for it). g: t's gait result.
 */
void gs_lc_count(const gs_pose_track *t, const gs_gait_result *g, int32_t W, int32_t H,
                 gs_lc_stats *st);

/** Same, and prints to stdout the labels of every frame with a pair that overlaps or touches,
 * or a leader line (list 1), of every frame (list 2). */
void gs_lc_count_list(const gs_pose_track *t, const gs_gait_result *g, int32_t W, int32_t H,
                      int list, gs_lc_stats *st);

/** The skeleton's joint dots the overlay draws (landmark indexes), and how many. */
#define GS_LC_N_JOINTS 16
extern const int gs_lc_joints[GS_LC_N_JOINTS];

/** Length in px of the segment a-b inside box b (expanded by e px each side). */
double gs_lc_segment_in_box(float ax, float ay, float bx, float by, const gs_label_box *b, float e);

/** 1 when the boxes share area. */
int gs_lc_boxes_meet(const gs_label_box *a, const gs_label_box *b);

#endif
