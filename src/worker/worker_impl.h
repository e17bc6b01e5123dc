/*
 * worker internals: the comparison a compare job computes (worker_compare.c), kept apart from
 * the job loop (worker.c) so the loop only claims, stages, publishes and records. Not included
 * outside src/worker.
 */
#ifndef GS_WORKER_IMPL_H
#define GS_WORKER_IMPL_H

#include "common.h"

/** The options of a comparison (gs_store_comparison.options_json), all optional. */
typedef struct gs_worker_compare_options {
    int force; /* "force": compare even when view or activity differ (compare.h) */
} gs_worker_compare_options;

/**
 * Parses options_json (NULL or "" = "{}"): only "force" (true/false) is known; any other key is
 * refused naming it. GS_ERR_ARG, GS_ERR_FORMAT (not a JSON object).
 */
gs_status gs_worker__compare_options_parse(const char *options_json,
                                           gs_worker_compare_options *out, gs_error *err);

/**
 * What `gaitscope compare BEFORE AFTER -o OUT` writes, from two session folders (each with its
 * analysis.json and, when there, overlay.mp4) into out_dir (created; must not exist yet):
 * comparison.json, comparison.html and, when both sessions have an overlay, side_by_side.mp4
 * (a clip that cannot be made is replaced by the reason in both documents, as the CLI does).
 * The outputs name the sessions before_label and after_label (two different texts, e.g.
 * "before 2026-01-02"), never by their folders. The minimal-change table is the installed models/minimal_change.json (gs_data_path).
 * progress (may be NULL) gets the side-by-side clip's frames; non-zero stops the work
 * (GS_ERR_CANCELLED). Messages name the folders as given: the caller scrubs them.
 * Each folder's analysis.json must be a done analysis ("status": "done", the server's test
 * before it queued the job): otherwise nothing is written and GS_ERR_NOT_FOUND says so in the
 * server's words ("the after session cannot be compared: its analysis failed, ...").
 * GS_ERR_NOT_FOUND (also: no minimal-change table), GS_ERR_FORMAT (a newer format), GS_ERR_ARG (not comparable: the view or activity differ unless forced), GS_ERR_IO,
 * GS_ERR_NOMEM, GS_ERR_CANCELLED.
 */
gs_status gs_worker__compare_write(const char *before_dir, const char *after_dir,
                                   const char *before_label, const char *after_label,
                                   const char *out_dir, const gs_worker_compare_options *opt,
                                   const char *generated_by, gs_progress_fn progress,
                                   void *progress_user, gs_error *err);

#endif /* GS_WORKER_IMPL_H */
