/*
 * gaitscope worker --data DIR: one analysis process of the service (src/worker gs_worker_run).
 * `gaitscope serve` starts these itself; run one by hand to add capacity or to debug a job.
 * SIGTERM or SIGINT stops it within about a second; a job it was running goes back to the queue.
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef GS_VERSION
#define GS_VERSION "0.0.0"
#endif

#include "cli.h"
#include "opts.h"
#include "worker.h"

typedef struct worker_args {
    int quiet;
    int lease_s;
    int memory_mb;
    double max_pixels;
    gs_worker_options o;
} worker_args;

/* clang-format off */
static const gs_cli_opt worker_opts[] = {
    {.name = "--data", .kind = GS_CLI_STR, GS_CLI_AT(worker_args, o.data_dir), .required = 1,
     .value = "DIR", .help = "the service's data folder (gaitscope.db, blobs/, sessions/)"},
    {.name = "--db", .kind = GS_CLI_STR, GS_CLI_AT(worker_args, o.db), .value = "URI",
     .help = "the service's PostgreSQL database (postgresql://USER@HOST/DB?sslmode=verify-full; "
     "password from PGPASSFILE or ~/.pgpass) instead of DIR/gaitscope.db"},
    {.like = &gs_cli_opt_models, GS_CLI_AT(worker_args, o.models_dir)},
    {.like = &gs_cli_opt_model, GS_CLI_AT(worker_args, o.model)},
    {.like = &gs_cli_opt_threads, GS_CLI_AT(worker_args, o.n_threads)},
    {.like = &gs_cli_opt_rules, GS_CLI_AT(worker_args, o.rules_path)},
    /* A lease under 2 s would lapse between two heartbeats (one a second); an hour is far
     * above any stage without progress. */
    {.name = "--lease", .kind = GS_CLI_INT, GS_CLI_AT(worker_args, lease_s), .lo = 2, .hi = 3600,
     .unit = "s", .value = "S", .help = "a claimed job returns to the queue this long after the "
     "worker's last sign of life"},
    {.name = "--max-attempts", .kind = GS_CLI_INT, GS_CLI_AT(worker_args, o.max_attempts), .lo = 1,
     .hi = 100, .value = "N", .help = "starts of a job before it is failed"},
    {.name = "--max-duration", .kind = GS_CLI_NUM, GS_CLI_AT(worker_args, o.max_duration_s),
     .lo = 1, .hi = 86400, .unit = "s", .value = "S", .help = "longest clip analysed"},
    /* 65535 x 65535 is MP4's largest frame (opts.c, --person). */
    {.name = "--max-pixels", .kind = GS_CLI_NUM, GS_CLI_AT(worker_args, max_pixels), .lo = 1,
     .hi = 4294836225.0, .unit = "px", .value = "N", .help = "largest frame (width x height)"},
    {.name = "--job-timeout", .kind = GS_CLI_NUM, GS_CLI_AT(worker_args, o.job_timeout_s),
     .lo = 10, .hi = 86400, .unit = "s", .value = "S", .help = "wall time allowed per job"},
    /* 256 MiB is below what the full model and one HD frame need; 1 TiB is "no real limit". */
    {.name = "--memory-mb", .kind = GS_CLI_INT, GS_CLI_AT(worker_args, memory_mb), .lo = 256,
     .hi = 1048576, .unit = "MiB", .value = "N", .help = "address-space limit (RLIMIT_AS)"},
    {.name = "--once", .kind = GS_CLI_FLAG, GS_CLI_AT(worker_args, o.once),
     .help = "exit when the queue is empty"},
    {.like = &gs_cli_opt_quiet, GS_CLI_AT(worker_args, quiet), .help = "no log lines on stderr"},
};
/* clang-format on */

static const gs_cli_spec worker_spec = GS_CLI_SPEC(
    "worker", worker_args, worker_opts,
    "Takes analysis jobs from the service's queue in DIR and runs them, one at a time, until\n"
    "SIGTERM. `gaitscope serve --workers N` starts N of these; more can run on the same DIR.\n");

/* The stop flag is the one thing a signal handler may set (C11 7.14.1.1: a volatile
 * sig_atomic_t with static storage), so it is a file-scope variable by necessity. */
static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void log_line(void *user, const char *line)
{
    (void)user;
    fprintf(stderr, "gaitscope worker: %s\n", line);
}

int gs_cli_worker(int argc, char **argv)
{
    worker_args a = {.lease_s = GS_WORKER_LEASE_S,
                     .memory_mb = GS_WORKER_ADDRESS_SPACE_MB,
                     .max_pixels = (double)GS_WORKER_MAX_PIXELS,
                     .o = {.model = "full",
                           .n_threads = 1,
                           .max_attempts = GS_WORKER_MAX_ATTEMPTS,
                           .max_duration_s = GS_WORKER_MAX_DURATION_S,
                           .job_timeout_s = GS_WORKER_JOB_TIMEOUT_S}};
    gs_error err = {0};
    char rules_path[4096], models_dir[4096];
    struct sigaction sa;
    int go;

    go = gs_cli_parse(&worker_spec, argc, argv, &a);
    if (go != GS_CLI_GO)
        return go;
    if (!a.o.rules_path) {
        if (gs_cli_rules_path(rules_path, sizeof(rules_path), &err) != GS_OK)
            return gs_cli_report(&err);
        a.o.rules_path = rules_path;
    }
    a.o.models_dir = gs_cli_models_dir(a.o.models_dir, models_dir, sizeof(models_dir));
    a.o.lease_s = a.lease_s;
    a.o.max_pixels = (int64_t)a.max_pixels;
    a.o.address_space_mb = a.memory_mb;
    a.o.generated_by = "gaitscope " GS_VERSION;
    a.o.stop = &stop_flag;
    a.o.log = a.quiet ? NULL : log_line;
    a.o.test_abort_blob = getenv("GAITSCOPE_TEST_ABORT_BLOB");

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    if (gs_worker_run(&a.o, &err) != GS_OK)
        return gs_cli_report(&err);
    return GS_EXIT_OK;
}
