/*
 * gaitscope worker --data DIR: one analysis process of the service (src/worker gs_worker_run).
 * `gaitscope serve` starts these itself; run one by hand to add capacity or to debug a job.
 * SIGTERM or SIGINT stops it within about a second; a job it was running goes back to the queue.
 *
 * --concurrency N (N > 1): this process only supervises N worker processes, each this binary
 * run again with the same options but --concurrency (gs_supervisor: fork + exec, restarted with
 * a back-off when one dies, killed with this process even by kill -9). One process per analysis
 * rather than threads: OpenBLAS and FFmpeg thread settings, RLIMIT_AS and the alarm() backstop
 * are per process, and a crash takes one job with it, not N. SIGTERM or SIGINT to this process
 * stops them all (each hands its job back), then it exits 0.
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
    int concurrency;
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
    /* Heartbeats come every lease/3, so a lease under 2 s would need them more often than the
     * analysis reports progress on a slow frame; an hour is far above any stage without
     * progress. */
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
    /* 256: the supervisor's limit; far above the cores of one machine. */
    {.name = "--concurrency", .kind = GS_CLI_INT, GS_CLI_AT(worker_args, concurrency), .lo = 1,
     .hi = 256, .value = "N", .help = "run N worker processes (one analysis each) under this one"},
    {.like = &gs_cli_opt_quiet, GS_CLI_AT(worker_args, quiet), .help = "no log lines on stderr"},
};
/* clang-format on */

static const gs_cli_spec worker_spec = GS_CLI_SPEC(
    "worker", worker_args, worker_opts,
    "Takes analysis jobs from the service's queue in DIR and runs them, one at a time, until\n"
    "SIGTERM; with --concurrency N, N processes do. `gaitscope serve --workers N` starts N of\n"
    "these; more can run on the same DIR (or, with --db, on other machines).\n");

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

/* Is argv[i] option name, as "NAME" (its value next) or "NAME=VALUE"? 1 or 2 words, 0 if not. */
static int option_words(char **argv, int argc, int i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[i], name, n) != 0)
        return 0;
    if (argv[i][n] == '=')
        return 1;
    if (argv[i][n] == '\0')
        return i + 1 < argc ? 2 : 1;
    return 0;
}

/*
 * --concurrency N: supervises N copies of this command without --concurrency (and without
 * --data, which the supervisor passes itself) until SIGTERM/SIGINT. The store is opened once
 * first, so a wrong --db or data folder is one clear error here, not N restarting children.
 */
static int run_many(const worker_args *a, int argc, char **argv)
{
    gs_error err = {0};
    gs_store *s = NULL;
    gs_supervisor *sv = NULL;
    const char **extra;
    sigset_t set, old;
    int ne = 0;

    if (a->o.once)
        return gs_cli_usage_error("worker: --once runs one process; not with --concurrency %d",
                                  a->concurrency);
    if (gs_store_dirs_create(a->o.data_dir, &err) != GS_OK ||
        gs_store_open(a->o.db ? a->o.db : a->o.data_dir, &s, &err) != GS_OK)
        return gs_cli_report(&err);
    gs_store_close(&s);
    extra = calloc((size_t)argc + 1, sizeof(*extra));
    if (!extra)
        return gs_cli_usage_error("worker: out of memory");
    for (int i = 1; i < argc;) {
        int k = option_words(argv, argc, i, "--concurrency");
        if (!k)
            k = option_words(argv, argc, i, "--data");
        if (k) {
            i += k;
            continue;
        }
        extra[ne++] = argv[i++];
    }
    extra[ne] = NULL;
    /* As gaitscope serve: SIGINT/SIGTERM blocked here and taken with sigtimedwait(); the
     * children get an empty mask from the supervisor before exec. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &set, &old) != 0) {
        free(extra);
        return gs_cli_usage_error("worker: cannot block signals");
    }
    gs_supervisor_options so = {.data_dir = a->o.data_dir,
                                .n_workers = a->concurrency,
                                .extra_args = extra,
                                .log = a->quiet ? NULL : log_line};
    if (gs_supervisor_start(&so, &sv, &err) != GS_OK) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        free(extra);
        return gs_cli_report(&err);
    }
    if (!a->quiet)
        fprintf(stderr, "gaitscope worker: supervising %d worker processes\n", a->concurrency);
    for (;;) {
        struct timespec ts = {1, 0};
        int sig = sigtimedwait(&set, NULL, &ts);
        if (sig == SIGINT || sig == SIGTERM)
            break;
        gs_supervisor_poll(sv, NULL); /* reaps and restarts workers that died */
    }
    if (!a->quiet)
        fprintf(stderr, "gaitscope worker: stopping %d worker processes\n", a->concurrency);
    gs_supervisor_stop(&sv); /* SIGTERM: each running job goes back to the queue */
    sigprocmask(SIG_SETMASK, &old, NULL);
    free(extra);
    return GS_EXIT_OK;
}

int gs_cli_worker(int argc, char **argv)
{
    worker_args a = {.concurrency = 1,
                     .lease_s = GS_WORKER_LEASE_S,
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
    if (a.concurrency > 1)
        return run_many(&a, argc, argv);
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
