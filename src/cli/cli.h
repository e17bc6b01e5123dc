/*
 * gaitscope CLI internals: one function per subcommand (cmd_<name>.c), registered in main.c's
 * table. Only this folder writes to stderr/stdout and chooses exit codes.
 */
#ifndef GS_CLI_H
#define GS_CLI_H

#include <stdio.h>

#include "common.h"

/* Exit codes of the gaitscope command. */
#define GS_EXIT_OK    0 /* success */
#define GS_EXIT_ERROR 1 /* the work failed: bad input, I/O, no person, ... */
#define GS_EXIT_USAGE 2 /* wrong command line */

/** A subcommand: argv[0] is the subcommand name. Returns a GS_EXIT_* code. */
typedef int (*gs_cli_fn)(int argc, char **argv);

/** Prints "gaitscope: <msg>" (one line) to stderr and returns GS_EXIT_ERROR. */
int gs_cli_report(const gs_error *err);

/** Prints "gaitscope: <formatted>" (one line) to stderr and returns GS_EXIT_USAGE. */
int gs_cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * Progress on stderr for a terminal: a bar with the stage, done/total and an ETA. Does nothing
 * when stderr is not a TTY or quiet is set. user must point to a gs_cli_progress.
 */
typedef struct gs_cli_progress {
    int enabled;     /* 1 when stderr is a TTY and not --quiet */
    double t0_s;     /* start of the current stage (gs_now_s) */
    double last_s;   /* last redraw */
    char stage[32];  /* current stage */
} gs_cli_progress;
void gs_cli_progress_init(gs_cli_progress *p, int quiet);
int gs_cli_progress_cb(void *user, const char *stage, int64_t done, int64_t total);
/** Ends the progress line (newline) if one was drawn. */
void gs_cli_progress_done(gs_cli_progress *p);

/**
 * Folder of the .tflite models: given (--models) if not NULL, else $GAITSCOPE_MODELS, else the
 * models/ data folder that holds the detector (gs_data_path: $GAITSCOPE_DATA, the installed
 * share/gaitscope, the source tree above a build folder), else NULL (the pose stage's own
 * default). The result is given, the environment's, or buf (n bytes).
 */
const char *gs_cli_models_dir(const char *given, char *buf, size_t n);

/**
 * $GAITSCOPE_TEST_NUDGE_PX (tests only: gs_pose_options.test_nudge_px, moves the tracker's next
 * regions by a sub-pixel amount to check that its output stays put) into *px, 0 when unset.
 * GS_ERR_ARG naming the variable when it is not a number in [0, 100].
 */
gs_status gs_cli_test_nudge(float *px, gs_error *err);

/**
 * The compensation rules file models/compensation_rules.json found by gs_data_path(). Writes
 * the path into buf. GS_OK or GS_ERR_NOT_FOUND naming where it looked.
 */
gs_status gs_cli_rules_path(char *buf, size_t n, gs_error *err);

/* Subcommands (cmd_*.c). */
int gs_cli_probe(int argc, char **argv);
int gs_cli_frames(int argc, char **argv);
int gs_cli_infer(int argc, char **argv); /* cmd_infer.c: one model on raw float32 input */
int gs_cli_bench(int argc, char **argv); /* cmd_bench.c: nn runtime speed */
int gs_cli_pose(int argc, char **argv); /* cmd_pose.c: BlazePose tracking -> pose.json */
int gs_cli_findings(int argc, char **argv); /* cmd_findings.c: NKT test plan from analysis.json */
int gs_cli_analyze(int argc, char **argv); /* cmd_analyze.c: the whole pipeline */
int gs_cli_gait(int argc, char **argv); /* cmd_gait.c: angles, events, metrics from pose.json */
int gs_cli_calibrate(int argc, char **argv); /* cmd_calibrate.c: camera profile from a board */
int gs_cli_compare(int argc, char **argv); /* cmd_compare.c: before/after comparison */
int gs_cli_serve(int argc, char **argv); /* cmd_serve.c: the service's HTTP API + workers */
int gs_cli_worker(int argc, char **argv); /* cmd_worker.c: the service's analysis process */

#endif /* GS_CLI_H */
