/*
 * gaitscope worker: the service's analysis processes and their supervisor.
 *
 * Analysis never runs inside the server (issue 15). `gaitscope serve` starts N worker processes
 * with the supervisor below (fork + exec of this same binary as `gaitscope worker --data DIR`,
 * so each is a fresh process); each worker takes jobs from the store's queue, analyses the
 * uploaded video with gs_analyze_run() using one models handle kept for its lifetime, and
 * publishes the outputs to DIR/sessions/<session id>/ (layout: store.h).
 *
 * A job's life in a worker:
 *  1. claim (store lease, default 60 s; renewed every lease/3 by the job's heartbeat thread, on
 *     a store handle of its own, whatever the analysis is doing: a stage that reports no progress
 *     for longer than the lease keeps its claim; the thread also writes the latest progress and
 *     looks every second whether the job was cancelled, which the analysis learns at its next
 *     progress report). Every later call on the job is fenced by the claim's attempt number
 *     (store.h), so a worker that lost its lease cannot touch the next holder's attempt. A worker that dies (crash, kill -9, out of memory) stops renewing;
 *     after the lease another worker claims the job again, and after max_attempts starts the job
 *     ends failed ("the analysis stopped N times without finishing").
 *  2. read the session's options (options_json, gs_worker_session_options_parse()), probe the
 *     upload with FFmpeg and refuse a non-video, a clip longer than max_duration_s or with more
 *     pixels per frame than max_pixels, with a job error saying so.
 *  3. analyse into DIR/sessions/<session id>.staging-<host>-<pid>, then rename it to
 *     DIR/sessions/<session id> (replacing the folder of an earlier attempt) and finish the job
 *     done. A failed analysis publishes its folder too (analysis.json says "failed" and why) and
 *     ends the job failed with the analysis' message. A job cancelled or deleted meanwhile (the
 *     heartbeat thread sees it) stops the analysis about a second later and leaves no
 *     staging folder.
 *  4. a job that runs longer than job_timeout_s fails ("the analysis took longer than ...").
 *     That check runs in the progress callback; a run stuck where no progress is reported (a
 *     decoder looping inside FFmpeg) is stopped by alarm(job_timeout_s + 60 s): the process
 *     dies, the supervisor starts another, and the attempts bound the retries.
 *
 * A job of kind compare (store.h, schema 3) reads its comparison's two session folders and
 * writes comparison.json, comparison.html and side_by_side.mp4 (what `gaitscope compare` writes)
 * into DIR/comparisons/<comparison id>.staging-<pid>, published the same way; a comparison that
 * cannot be made (a session without analysis, view or activity differing) fails with the reason
 * and publishes nothing. A re-run (gs_store_session_rerun) is an analysis job like the first:
 * the session's earlier folder is replaced only when the new analysis is published, and a
 * failed re-run leaves it (the job's error says why).
 *
 * Messages shown to users never contain server paths: the upload's path is written "the uploaded
 * video" and the staging folder "the session folder".
 */
#ifndef GS_WORKER_H
#define GS_WORKER_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "analysis.h"
#include "common.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- a session's analysis options (the store's options_json) ------------------------------ */

/*
 * options_json is a JSON object with these keys, all optional; numbers may be JSON numbers or
 * strings holding one (multipart form fields arrive as text):
 *   "view"        "side-left" | "side-right" | "rear" | "front" (absent: detected)
 *   "height"      body height, m, [0.5, 2.6]
 *   "belt_speed"  treadmill belt speed, m/s, (0, 12]
 *   "history"     intake items, "scar:abdomen,injury:left_ankle" (nkt.h gs_nkt_history_parse)
 *   "start", "end"  seconds of the clip, [0, 86400], end > start
 *   "slowmo"      the clip plays F times slower than real time, [1, 1000]
 *   "blur_faces"  true | false | "1" | "0" | "true" | "false" | "on"
 *   "person"      "X,Y" or [X, Y]: a point on the wanted person, px, [0, 65535]
 *   "notes", "date"  accepted and ignored (session fields, not analysis options)
 * The ranges are the command line's (src/cli/opts.c says why each is what it is). Any other key
 * is refused, naming it, so a misspelt option is never silently dropped.
 */
typedef struct gs_worker_session_options {
    gs_gait_view_kind view; /* GS_GAIT_VIEW_UNKNOWN: detect */
    double height_m;        /* 0: unknown */
    double belt_speed_m_s;  /* 0: unknown */
    double start_s, end_s;  /* 0: from the start / to the end */
    double slowmo;          /* 0: real time */
    int blur_faces;
    int has_person;
    float person_x, person_y; /* px */
    char history[1024];       /* "" when none */
    char events_sha256[65];   /* "events": SHA-256 (hex) of the session's hand-edited events
                                 file (gs_store_session_events_path); "" = detect the events */
    char swap_legs[256];      /* "swap_legs": "all" or "T1-T2[,T3-T4...]" s (gaitscope analyze
                                 --swap-legs); "" = none */
} gs_worker_session_options;

/**
 * Parses and checks options_json (NULL or "" = "{}") into *out. GS_ERR_ARG with one line naming
 * the key and what is wrong ("options: height: 3 is outside [0.5, 2.6] m"); GS_ERR_FORMAT when
 * the text is not a JSON object; GS_ERR_NOMEM. The API calls it before queueing a session, so
 * the user hears of a bad option at upload (400), and the worker calls it again at the job.
 */
gs_status gs_worker_session_options_parse(const char *options_json,
                                          gs_worker_session_options *out, gs_error *err);

/** Copies the parsed options into the analysis options (strings borrowed from so). */
void gs_worker_session_options_apply(const gs_worker_session_options *so, gs_analyze_options *o);

/* ---- the worker loop ---------------------------------------------------------------------- */

/** Defaults of gs_worker_options (also in `gaitscope worker --help` and README "Service"). */
#define GS_WORKER_LEASE_S           60
#define GS_WORKER_MAX_ATTEMPTS      3
#define GS_WORKER_IDLE_PER_LEASE    3.0             /* idle claims: every lease/3 at most */
#define GS_WORKER_MAX_DURATION_S    600.0           /* 10 minutes of video */
#define GS_WORKER_MAX_PIXELS        (3840L * 2160L) /* 4K UHD frame: 8.3 Mpx */
#define GS_WORKER_JOB_TIMEOUT_S     1800.0          /* 30 minutes per job */
#define GS_WORKER_ADDRESS_SPACE_MB  4096            /* RLIMIT_AS of a worker process, MiB */

/** A line of the worker's log (job claimed, done, failed); the CLI prints it. */
typedef void (*gs_worker_log_fn)(void *user, const char *line);

/** Options of gs_worker_run(); zero means the default. */
typedef struct gs_worker_options {
    const char *data_dir;     /* required: the service's data folder */
    const char *db;           /* the store: a "postgresql://" URI; NULL = DIR/gaitscope.db */
    const char *models_dir;   /* .tflite folder; NULL = "models" */
    const char *model;        /* "lite" | "full" | "heavy"; NULL = "full" */
    const char *rules_path;   /* compensation rules; NULL = no findings */
    const char *generated_by; /* e.g. "gaitscope 0.1.0" */
    int n_threads;            /* cores a job may use (gs_analyze_options.n_threads); 0 = 1 */
    int64_t lease_s;          /* 0 = GS_WORKER_LEASE_S */
    int max_attempts;         /* 0 = GS_WORKER_MAX_ATTEMPTS */
    /* Longest idle wait between claims; 0 = lease_s / GS_WORKER_IDLE_PER_LEASE (20 s). A job
     * queued meanwhile ends the wait at once (PostgreSQL NOTIFY; SQLite looks every 250 ms);
     * another worker's lapsed lease is found at the next claim, so at most this late. */
    double poll_s;
    double max_duration_s;    /* 0 = GS_WORKER_MAX_DURATION_S */
    int64_t max_pixels;       /* width x height of a frame; 0 = GS_WORKER_MAX_PIXELS */
    double job_timeout_s;     /* wall time per job; 0 = GS_WORKER_JOB_TIMEOUT_S */
    int64_t address_space_mb; /* RLIMIT_AS; 0 = GS_WORKER_ADDRESS_SPACE_MB, < 0 = no limit (a
                                 sanitizer build always runs without: ASan reserves terabytes) */
    int once;                 /* 1: return when the queue is empty (tests, batch runs) */
    /* Set (to non-zero) by the caller's SIGTERM/SIGINT handler: the worker stops within about a
     * second; a job it is running goes back to the queue without counting an attempt
     * (gs_store_job_release). NULL: never. */
    const volatile sig_atomic_t *stop;
    gs_worker_log_fn log;     /* may be NULL */
    void *log_user;
    /* Tests only: abort() when a job of the blob with this id is started, as a video that
     * crashes the decoder would (the CLI takes it from $GAITSCOPE_TEST_ABORT_BLOB). */
    const char *test_abort_blob;
    /* Tests only: the first progress report of each job sleeps this long first, as a stage
     * that reports nothing for longer than the lease would (the heartbeat thread must keep the
     * claim). 0: never. */
    double test_silent_s;
} gs_worker_options;

/**
 * Runs the worker loop in this process until *opt->stop is set (or, with once, the queue is
 * empty). Meant to own its process (`gaitscope worker`): it sets RLIMIT_AS, uses alarm() for the
 * per-job backstop, and at start removes staging folders DIR/sessions/<id>.staging-<host>-<pid>
 * of this host's processes that no longer exist (another host's are never judged by a pid: on a
 * shared data folder they may be live; a claim removes its session's folders of earlier
 * attempts, whatever their host). Loads the models once. Returns GS_OK after a stop; GS_ERR_ARG
 * (no data folder), GS_ERR_IO / GS_ERR_FORMAT / GS_ERR_UNSUPPORTED (store or models cannot be
 * opened, err says which); errors of single jobs end those jobs, not the loop.
 */
gs_status gs_worker_run(const gs_worker_options *opt, gs_error *err);

/* ---- the supervisor (for `gaitscope serve`) ----------------------------------------------- */

typedef struct gs_supervisor gs_supervisor;

/** Options of gs_supervisor_start(); zero means the default. */
typedef struct gs_supervisor_options {
    const char *exe;        /* binary to run; NULL = /proc/self/exe (this gaitscope) */
    const char *data_dir;   /* required: passed as --data */
    const char *models_dir; /* passed as --models when not NULL */
    int n_workers;          /* 0 allowed: nothing is started */
    /* More arguments for each worker after "worker --data DIR [--models DIR]" (e.g. "--db",
     * URI, "--quiet", "--lease", "5"); NULL-terminated, or NULL. Borrowed until
     * gs_supervisor_stop(). */
    const char *const *extra_args;
    double backoff_min_s;   /* first restart delay; 0 = 1 s */
    double backoff_max_s;   /* delay cap for a worker that keeps dying at once; 0 = 60 s */
    double stable_s;        /* a worker that lived this long restarts after backoff_min_s
                               again; 0 = 30 s */
    double stop_grace_s;    /* SIGTERM, then SIGKILL after this; 0 = 10 s */
    gs_worker_log_fn log;   /* "worker 2 (pid 123) died: signal 9; restart in 1 s"; may be NULL */
    void *log_user;
} gs_supervisor_options;

/**
 * Starts opt->n_workers worker processes: fork, then in the child PR_SET_PDEATHSIG(SIGKILL)
 * (kept across exec: a worker dies with the server, even by kill -9), a getppid() check that the
 * server did not die before that, an unblocked signal mask, and execv of
 * `EXE worker --data DIR [--models DIR] EXTRA...`. The parent is not changed otherwise (no
 * signal handler is installed: the caller's loop calls gs_supervisor_poll()). Caller frees with
 * gs_supervisor_stop(). GS_ERR_ARG, GS_ERR_IO (fork failed), GS_ERR_NOMEM.
 */
gs_status gs_supervisor_start(const gs_supervisor_options *opt, gs_supervisor **out,
                              gs_error *err);

/**
 * Non-blocking; call it from the server's loop (every second is plenty) or a thread of its own
 * (one thread at a time per supervisor). Reaps workers that exited (waitpid(pid, WNOHANG) on the
 * supervisor's own pids only, so other children of the process are left alone), and starts a
 * replacement once its back-off has passed: backoff_min_s, doubled for each death within
 * stable_s of the start, at most backoff_max_s. Returns the number of workers running;
 * *restarted (may be NULL) gets how many were started by this call.
 */
int gs_supervisor_poll(gs_supervisor *sv, int *restarted);

/** The pid of worker slot i (0 <= i < n_workers), 0 while it waits for a restart. */
pid_t gs_supervisor_pid(const gs_supervisor *sv, int i);

/** Worker starts after the first ones (restarts), in total. */
int gs_supervisor_restarts(const gs_supervisor *sv);

/**
 * Stops every worker: SIGTERM (a running job goes back to the queue), waits up to stop_grace_s,
 * then SIGKILL and reaps; frees *sv and sets it NULL. NULL is a no-op. Blocks up to
 * stop_grace_s.
 */
void gs_supervisor_stop(gs_supervisor **sv);

#ifdef __cplusplus
}
#endif

#endif /* GS_WORKER_H */
