/*
 * Issue 13 item 4 for tests: how far every metric moved between two gait results of one clip
 * (made from the same track before and after a perturbation), against a tenth of each metric's
 * minimal change (models/minimal_change.json). Shared by test_events (landmark events) and
 * test_toe_image (toe-offs from the picture).
 */
#ifndef GS_METRIC_MOVES_H
#define GS_METRIC_MOVES_H

#include "gait.h"

/** What gs_metric_moves() found. */
typedef struct gs_metric_moves_result {
    int compared; /* metric values (per side and both sides) present in both results */
    int over;     /* of them, moved by a tenth of the minimal change or more */
} gs_metric_moves_result;

/**
 * Compares every metric of the source tree's models/minimal_change.json (per side -1 both, 0
 * left, 1 right) between r0 and r1, against a tenth of the entry's value (its frame-free figure:
 * min_frames is left out, so timing metrics are held to the stated figure); a "%" entry's move is
 * relative to r0's value unless the metric is itself in % (stance %: points). Each value
 * over its limit is printed to stderr as one line starting with what. Returns 0, or -1 when the
 * file cannot be read or has no "metrics" object (then *res is zero).
 */
int gs_metric_moves(const gs_gait_result *r0, const gs_gait_result *r1, const char *what,
                    gs_metric_moves_result *res);

#endif /* GS_METRIC_MOVES_H */
