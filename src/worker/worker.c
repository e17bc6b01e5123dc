/*
 * The worker loop (worker.h): claim, probe, analyse into a staging folder, publish, finish.
 *
 * Why the steps are ordered as they are:
 * - publish before finish: a worker killed between the two leaves a published folder and a job
 *   still running, which the next claim runs again and replaces; the other order could leave a
 *   job "done" with no outputs.
 * - one heartbeat right before publishing: a job deleted during the analysis must not publish a
 *   folder nobody will remove. If the delete lands between that heartbeat and the finish, the
 *   finish says GS_ERR_CANCELLED and the worker removes what it published when the session is
 *   gone.
 * - replacing an earlier attempt's folder uses renameat2(RENAME_EXCHANGE) (Linux 3.15, glibc
 *   2.28): the new folder takes the old one's place in one step, so a reader never finds the
 *   session without a folder; the old contents are then removed from the staging name.
 */
#define _GNU_SOURCE /* renameat2, RENAME_EXCHANGE */
#include "worker.h"
#include "worker_impl.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "pose.h"
#include "video.h"

/*
 * Heartbeats (lease renewal, progress for the job page, and the check that the job was not
 * cancelled or taken over) every lease/3: three chances to renew within one lease, so one late
 * or failed write never loses the job, at a third of a write per second per worker with the 60 s
 * lease (a heartbeat a second made 100 writes a second at 100 workers: docs/scaleout.md). A
 * cancelled job is stopped at the next one, within lease/3.
 */
#define HEARTBEATS_PER_LEASE 3.0
/* The heartbeat thread looks whether its job was cancelled (one indexed read of the job's row)
 * this often between its lease renewals, so a cancel stops the analysis at its next progress
 * report about a second later (the renewals themselves stay at lease/3). */
#define CANCEL_POLL_S 1.0
/* The idle wait is cut into slices this long, so a stop (SIGTERM) is seen within about this
 * even when the signal came just before a wait began. */
#define IDLE_SLICE_MS 1000
/* The alarm backstop comes this long after the soft per-job limit, which the progress callback
 * normally enforces first. */
#define ALARM_MARGIN_S 60

typedef struct worker {
    gs_worker_options o; /* with defaults filled in */
    gs_store *s;
    gs_store *hb_s; /* the heartbeat thread's own handle (a handle is one thread's: store.h);
                       NULL: heartbeats from the progress callback, as before the thread */
    gs_pose_models *models;
    char name[GS_STORE_WORKER_MAX + 1]; /* HOST:PID */
    char host[65]; /* this machine's name as staging folders carry it (staging_host()) */
    pid_t pid;
    double heartbeat_s; /* lease / HEARTBEATS_PER_LEASE */
} worker;

/*
 * A job's heartbeat thread: renews the claim's lease every heartbeat_s through its own store
 * handle whatever the analysis is doing (a stage may report no progress for longer than the
 * lease: a long decode seek, a model warm-up, a slow disk), and looks every CANCEL_POLL_S whether
 * the job was cancelled, deleted or taken over. The job's thread hands it progress and stage
 * under mu and reads `cancelled`.
 */
typedef struct heartbeat {
    worker *w;
    gs_store_id job_id;
    int attempt;
    pthread_t th;
    int running;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;                         /* under mu */
    double progress;                  /* under mu */
    char stage[GS_STORE_STAGE_MAX + 1]; /* under mu */
    atomic_int cancelled;             /* set by the thread, read by the progress callback */
} heartbeat;

typedef struct job_ctx {
    worker *w;
    heartbeat *hb; /* NULL: the progress callback renews the lease itself */
    int silenced;  /* tests: the one silent stretch (test_silent_s) was taken */
    const char *job_id;
    int attempt; /* the claim's attempt number: the fencing token of every later call */
    double t0, last_hb;
    int cancelled; /* the store said so */
    int stopping;  /* our stop flag */
    int timed_out; /* job_timeout_s passed */
} job_ctx;

static void logf_(const worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(const worker *w, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    if (!w->o.log)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    w->o.log(w->o.log_user, line);
}

static int stop_requested(const worker *w)
{
    return w->o.stop && *w->o.stop;
}

/* ---- files -------------------------------------------------------------------------------- */

static int rm_tree(const char *path)
{
    return gs_remove_tree_at(AT_FDCWD, path);
}

/* Replaces every occurrence of needle in msg (size n) by repl, so no server path reaches a
 * user's job error. */
static void scrub(char *msg, size_t n, const char *needle, const char *repl)
{
    char out[1024];
    size_t nl = strlen(needle), k = 0;
    const char *p = msg;
    if (!nl)
        return;
    while (*p && k + 1 < sizeof(out)) {
        if (!strncmp(p, needle, nl)) {
            int w = snprintf(out + k, sizeof(out) - k, "%s", repl);
            k += w > 0 ? (size_t)w : 0;
            if (k >= sizeof(out))
                k = sizeof(out) - 1;
            p += nl;
        } else {
            out[k++] = *p++;
        }
    }
    out[k] = '\0';
    k = strlen(out) < n ? strlen(out) : n - 1;
    memcpy(msg, out, k);
    msg[k] = '\0';
}

/*
 * The host part of staging folder names: the host name with every character that is not a
 * letter, digit, '.', '_' or '-' written '_' (a host name is free text to the kernel), so the
 * name is one path component.
 */
static void staging_host(const char *host, char *out, size_t n)
{
    size_t k = 0;
    for (; host[k] && k + 1 < n; k++) {
        unsigned char c = (unsigned char)host[k];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
        out[k] = ok ? (char)c : '_';
    }
    out[k] = '\0';
}

/*
 * Splits the tail of a staging name ("HOST-PID" after ".staging-" or ".old-") into host and pid:
 * the pid is after the last '-' (a host name may hold '-'). A tail that is a bare PID is a folder
 * of a worker from before the host was in the name: host "" then. 0 when it is neither.
 */
static int staging_owner(const char *tail, char *host, size_t n, long *pid)
{
    const char *dash = strrchr(tail, '-');
    const char *num = dash ? dash + 1 : tail;
    char *end = NULL;
    size_t hl = dash ? (size_t)(dash - tail) : 0;
    *pid = strtol(num, &end, 10);
    if (!end || *end || end == num || *pid <= 0 || hl + 1 > n || (dash && hl == 0))
        return 0;
    memcpy(host, tail, hl);
    host[hl] = '\0';
    return 1;
}

/* The staging folder of this worker for the final folder: <final>.staging-<host>-<pid>, the name
 * sweep_staging() reads. 0 when it does not fit in size bytes. */
static int staging_name(const worker *w, const char *final, char *out, size_t size)
{
    return snprintf(out, size, "%s.staging-%s-%d", final, w->host, (int)w->pid) < (int)size;
}

/*
 * Removes DIR/SUB/<id>.staging-<host>-<pid> (and <id>.old-...) folders, SUB "sessions" or
 * "comparisons".
 * session NULL (at start): this machine's folders whose process no longer exists (or had this
 * process's pid). A PID says nothing about another machine, so folders named for another host
 * are never judged here (on a shared data folder they may be a live analysis), nor folders
 * named without a host (a worker from before the host was in the name; the claim below removes
 * them).
 * session given (after claiming its job): every one of that session's but this process's own: the
 * store fences every other attempt out, so such a folder belongs to an earlier attempt that lost
 * its lease, whether its process is dead (a zombie nobody has reaped still answers kill(pid, 0),
 * so the start-up sweep keeps its folder) or still running on this or another machine sharing the
 * folder.
 */
static void sweep_staging(worker *w, const char *sub, const char *session)
{
    char dir[4096], path[4200];
    DIR *d;
    struct dirent *e;
    if ((session && strlen(session) != GS_STORE_ID_LEN) ||
        snprintf(dir, sizeof(dir), "%s/%s", w->o.data_dir, sub) >= (int)sizeof(dir))
        return;
    d = opendir(dir);
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        const char *dot = strchr(e->d_name, '.');
        const char *tail;
        char host[256];
        long pid;
        int here, ours;
        if (!dot || dot - e->d_name != GS_STORE_ID_LEN)
            continue;
        if (session && strncmp(e->d_name, session, GS_STORE_ID_LEN) != 0)
            continue;
        if (!strncmp(dot, ".staging-", 9))
            tail = dot + 9;
        else if (!strncmp(dot, ".old-", 5))
            tail = dot + 5;
        else
            continue;
        if (!staging_owner(tail, host, sizeof(host), &pid))
            continue;
        here = strcmp(host, w->host) == 0;
        ours = here && pid == (long)w->pid;
        if (session ? ours
                    : !here || ours || !(kill((pid_t)pid, 0) != 0 && errno == ESRCH))
            continue; /* ours (a claimed session); another machine's or a live one (start-up) */
        if (snprintf(path, sizeof(path), "%s/%.*s", dir, 200, e->d_name) >= (int)sizeof(path))
            continue;
        if (rm_tree(path) == 0)
            logf_(w, "removed %s (%s %ld)", e->d_name,
                  session ? "an earlier attempt at this job, process" : "left by process", pid);
    }
    closedir(d);
}

/* Moves staging to final, replacing an earlier folder there. GS_ERR_IO. */
static gs_status publish(const char *staging, const char *final, gs_error *err)
{
    if (renameat2(AT_FDCWD, staging, AT_FDCWD, final, RENAME_EXCHANGE) == 0) {
        /* staging now holds the earlier attempt's folder */
        if (rm_tree(staging) != 0)
            return gs_fail(err, GS_ERR_IO, "cannot remove the earlier outputs: %s",
                           strerror(errno));
        return GS_OK;
    }
    if (errno == ENOENT || errno == EINVAL || errno == ENOSYS) {
        /* no earlier folder (or a file system without the exchange: replace in two steps) */
        if (errno != ENOENT && rm_tree(final) != 0)
            return gs_fail(err, GS_ERR_IO, "cannot remove the earlier outputs: %s",
                           strerror(errno));
        if (rename(staging, final) == 0)
            return GS_OK;
    }
    return gs_fail(err, GS_ERR_IO, "cannot move the outputs into place: %s", strerror(errno));
}

/* ---- one job ------------------------------------------------------------------------------ */

static void sleep_s(double s);

static void *heartbeat_main(void *arg)
{
    heartbeat *h = arg;
    worker *w = h->w;
    double last_renew = gs_now_s();
    char written[GS_STORE_STAGE_MAX + 1] = ""; /* the stage the store holds */
    pthread_mutex_lock(&h->mu);
    while (!h->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += (time_t)CANCEL_POLL_S;
        pthread_cond_timedwait(&h->cv, &h->mu, &ts);
        if (h->stop)
            break;
        double progress = h->progress;
        char stage[GS_STORE_STAGE_MAX + 1];
        snprintf(stage, sizeof(stage), "%s", h->stage);
        pthread_mutex_unlock(&h->mu);
        double now = gs_now_s();
        int lost = 0;
        /* a new stage is written at once (about ten a job: probe, pose, gait, ... report), with
         * the progress at that moment, so that the job page moves during a job shorter than
         * heartbeat_s (a 5-s clip's analysis showed "probe, 0 %" until it was done); the
         * percent within a stage waits for the heartbeat, as the write rate above wants */
        if (now - last_renew >= w->heartbeat_s || strcmp(stage, written) != 0) {
            gs_status rc = gs_store_job_heartbeat_fenced(w->hb_s, h->job_id, w->name, h->attempt,
                                                         progress, stage, (int64_t)time(NULL),
                                                         w->o.lease_s, NULL);
            lost = rc == GS_ERR_CANCELLED;
            if (rc == GS_OK) {
                last_renew = now;
                snprintf(written, sizeof(written), "%s", stage);
            }
            /* another store error (busy, a database restarting): try again in a second; the
             * lease has two more renewals of margin */
        } else {
            gs_store_job j;
            gs_status rc = gs_store_job_get(w->hb_s, NULL, h->job_id, &j, NULL);
            lost = rc == GS_ERR_NOT_FOUND ||
                   (rc == GS_OK && (j.status != GS_STORE_JOB_RUNNING || j.attempts != h->attempt ||
                                    strcmp(j.worker, w->name) != 0));
        }
        if (lost)
            atomic_store(&h->cancelled, 1);
        pthread_mutex_lock(&h->mu);
        if (lost)
            break;
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

/* Starts the heartbeat of a claimed job; 0 when the thread runs (else the progress callback
 * renews the lease, as without a thread). */
static int heartbeat_start(worker *w, const gs_store_job *job, heartbeat *h)
{
    memset(h, 0, sizeof(*h));
    h->w = w;
    memcpy(h->job_id, job->id, sizeof(h->job_id));
    h->attempt = job->attempts;
    /* until the first progress report: the stage the job writes first */
    snprintf(h->stage, sizeof(h->stage), "%s",
             job->kind == GS_STORE_JOB_KIND_COMPARE ? "compare" : "probe");
    atomic_init(&h->cancelled, 0);
    if (!w->hb_s || pthread_mutex_init(&h->mu, NULL) != 0)
        return -1;
    if (pthread_cond_init(&h->cv, NULL) != 0) {
        pthread_mutex_destroy(&h->mu);
        return -1;
    }
    if (pthread_create(&h->th, NULL, heartbeat_main, h) != 0) {
        pthread_cond_destroy(&h->cv);
        pthread_mutex_destroy(&h->mu);
        return -1;
    }
    h->running = 1;
    return 0;
}

static void heartbeat_stop(heartbeat *h)
{
    if (!h->running)
        return;
    pthread_mutex_lock(&h->mu);
    h->stop = 1;
    pthread_cond_signal(&h->cv);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->th, NULL);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
    h->running = 0;
}

static int on_progress(void *user, const char *stage, double fraction, const char *message)
{
    job_ctx *c = user;
    worker *w = c->w;
    double now = gs_now_s();
    (void)message;
    if (stop_requested(w)) {
        c->stopping = 1;
        return 1;
    }
    if (now - c->t0 > w->o.job_timeout_s) {
        c->timed_out = 1;
        return 1;
    }
    if (w->o.test_silent_s > 0 && !c->silenced) {
        c->silenced = 1;
        sleep_s(w->o.test_silent_s); /* tests: a stage that reports nothing for this long */
    }
    if (c->hb) {
        pthread_mutex_lock(&c->hb->mu);
        c->hb->progress = fraction;
        snprintf(c->hb->stage, sizeof(c->hb->stage), "%s", stage ? stage : "");
        pthread_mutex_unlock(&c->hb->mu);
        if (atomic_load(&c->hb->cancelled)) {
            c->cancelled = 1;
            return 1;
        }
        return 0;
    }
    if (now - c->last_hb >= w->heartbeat_s) {
        gs_status rc;
        c->last_hb = now;
        rc = gs_store_job_heartbeat_fenced(w->s, c->job_id, w->name, c->attempt, fraction, stage,
                                           (int64_t)time(NULL), w->o.lease_s, NULL);
        if (rc == GS_ERR_CANCELLED) {
            c->cancelled = 1;
            return 1;
        }
        /* Any other store error (busy for 10 s): go on; the lease has a minute of margin. */
    }
    return 0;
}

/* Records the end of a job. A store error that may pass (busy, a database restarting: GS_ERR_IO)
 * is retried for about 5 s, so a finished analysis is not run again for a passing hiccup; past
 * that the lease decides (the job runs again). msg is copied first: it may be err's own text. */
static gs_status end_job(worker *w, const gs_store_job *job, gs_store_job_status st,
                         const char *msg, gs_error *err)
{
    char text[GS_STORE_ERROR_MAX + 1];
    gs_status rc;
    snprintf(text, sizeof(text), "%s", msg ? msg : "");
    for (int i = 0;; i++) {
        rc = gs_store_job_finish_fenced(w->s, job->id, w->name, job->attempts, st,
                                        msg ? text : NULL, (int64_t)time(NULL), err);
        if (rc != GS_ERR_IO || i >= 5 || stop_requested(w))
            return rc;
        sleep_s(1.0);
    }
}

static void finish(worker *w, const gs_store_job *job, gs_store_job_status st, const char *msg)
{
    gs_error err;
    gs_status rc = end_job(w, job, st, msg, &err);
    if (rc == GS_OK)
        logf_(w, "job %s %s%s%s", job->id, gs_store_job_status_name(st), msg ? ": " : "",
              msg ? msg : "");
    else
        logf_(w, "job %s: could not record the end (%s)", job->id, err.msg);
}

/* Checks the upload before any analysis: a video FFmpeg opens, within the caps. "" or why not. */
static void probe(worker *w, const char *blob_path, char *why, size_t n)
{
    gs_decoder *dec = NULL;
    gs_decoder_options dopt = {.n_threads = 1};
    gs_error err;
    const gs_video_info *info;
    double dur;
    int64_t px;

    why[0] = '\0';
    if (gs_decoder_open(blob_path, &dopt, &dec, &err) != GS_OK) {
        scrub(err.msg, sizeof(err.msg), blob_path, "the uploaded video");
        snprintf(why, n, "the upload is not a video this service can read (%s)", err.msg);
        return;
    }
    info = gs_decoder_info(dec);
    dur = info->duration_s;
    if (!(dur > 0) && info->frames_estimate > 0 && info->fps_nominal > 0)
        dur = (double)info->frames_estimate / info->fps_nominal;
    px = (int64_t)info->coded_width * info->coded_height;
    if (dur > w->o.max_duration_s)
        snprintf(why, n,
                 "the video is %.0f s long; this service analyses clips up to %.0f s (cut it, "
                 "or upload the part to analyse)",
                 dur, w->o.max_duration_s);
    else if (px > w->o.max_pixels)
        snprintf(why, n,
                 "the video's frames are %dx%d pixels; this service analyses up to %lld pixels "
                 "a frame (3840x2160); export it at a lower resolution",
                 (int)info->coded_width, (int)info->coded_height, (long long)w->o.max_pixels);
    gs_decoder_free(&dec);
}

/* The side-by-side clip's frames as the job's progress (and its stop, cancel, time limit). */
static int compare_progress(void *user, const char *stage, int64_t done, int64_t total)
{
    return on_progress(user, stage, total > 0 ? (double)done / (double)total : 0.0, NULL);
}

/* A compare job: the comparison of two analysed sessions into DIR/comparisons/<id>. Its
 * inputs are the sessions' published folders, read as they are when the job starts. */
static void run_compare_job(worker *w, const gs_store_job *job, heartbeat *hb)
{
    gs_store_comparison cmp;
    gs_worker_compare_options co;
    gs_error err = {0};
    gs_status rc;
    job_ctx c = {.w = w, .hb = hb, .job_id = job->id, .attempt = job->attempts};
    char before[4096], after[4096], final[4096], staging[4200], why[1024];

    logf_(w, "job %s: comparison %s, attempt %d", job->id, job->session, job->attempts);
    rc = gs_store_comparison_get(w->s, job->account, job->session, &cmp, &err);
    if (rc == GS_ERR_NOT_FOUND) {
        finish(w, job, GS_STORE_JOB_FAILED, "the comparison is gone");
        return;
    }
    if (rc != GS_OK) {
        logf_(w, "job %s: cannot read its comparison (%s); back to the queue", job->id, err.msg);
        gs_store_job_release_fenced(w->s, job->id, w->name, job->attempts, (int64_t)time(NULL),
                                    NULL);
        sleep_s(1.0);
        return;
    }
    if (gs_store_session_path(w->o.data_dir, cmp.before, before, sizeof(before), &err) != GS_OK ||
        gs_store_session_path(w->o.data_dir, cmp.after, after, sizeof(after), &err) != GS_OK ||
        gs_store_comparison_path(w->o.data_dir, cmp.id, final, sizeof(final), &err) != GS_OK ||
        !staging_name(w, final, staging, sizeof(staging))) {
        finish(w, job, GS_STORE_JOB_FAILED, "the data folder path is too long");
        return;
    }
    rc = gs_worker__compare_options_parse(cmp.options_json, &co, &err);
    if (rc != GS_OK) {
        finish(w, job, GS_STORE_JOB_FAILED, err.msg);
        return;
    }
    alarm((unsigned)(w->o.job_timeout_s + ALARM_MARGIN_S));
    c.t0 = gs_now_s();
    gs_store_job_heartbeat_fenced(w->s, job->id, w->name, job->attempts, 0.0, "compare",
                                  (int64_t)time(NULL), w->o.lease_s, NULL);
    c.last_hb = gs_now_s();
    rm_tree(staging);
    sweep_staging(w, "comparisons", cmp.id);
    {
        gs_store_session sb, sa;
        char lb[64], la[64];
        if (gs_store_session_get(w->s, job->account, cmp.before, &sb, NULL) != GS_OK)
            sb.date[0] = '\0';
        if (gs_store_session_get(w->s, job->account, cmp.after, &sa, NULL) != GS_OK)
            sa.date[0] = '\0';
        snprintf(lb, sizeof(lb), "before %s", sb.date[0] ? sb.date : "(no date)");
        snprintf(la, sizeof(la), "after %s", sa.date[0] ? sa.date : "(no date)");
        rc = gs_worker__compare_write(before, after, lb, la, staging, &co, w->o.generated_by,
                                      compare_progress, &c, &err);
    }
    alarm(0);
    scrub(err.msg, sizeof(err.msg), staging, "the comparison folder");
    scrub(err.msg, sizeof(err.msg), before, "the BEFORE session");
    scrub(err.msg, sizeof(err.msg), after, "the AFTER session");
    if (c.stopping) {
        rm_tree(staging);
        if (gs_store_job_release_fenced(w->s, job->id, w->name, job->attempts, (int64_t)time(NULL),
                                        &err) == GS_OK)
            logf_(w, "job %s: back to the queue (worker stopping)", job->id);
        return;
    }
    if (c.cancelled) {
        rm_tree(staging);
        logf_(w, "job %s: cancelled, outputs discarded", job->id);
        return;
    }
    if (c.timed_out) {
        rm_tree(staging);
        snprintf(why, sizeof(why), "the comparison took longer than %.0f s, this service's "
                 "limit per job", w->o.job_timeout_s);
        finish(w, job, GS_STORE_JOB_FAILED, why);
        return;
    }
    if (rc != GS_OK) {
        /* Nothing is published: a comparison is all there or not at all. */
        rm_tree(staging);
        /* (a session without a done analysis: "the after session cannot be compared: ...") */
        snprintf(why, sizeof(why), "%s", err.msg[0] ? err.msg : gs_strerror(rc));
        finish(w, job, GS_STORE_JOB_FAILED, why);
        return;
    }
    if (gs_store_job_heartbeat_fenced(w->s, job->id, w->name, job->attempts, 1.0, "publish",
                                      (int64_t)time(NULL), w->o.lease_s,
                                      NULL) == GS_ERR_CANCELLED) {
        rm_tree(staging);
        logf_(w, "job %s: cancelled, outputs discarded", job->id);
        return;
    }
    if (publish(staging, final, &err) != GS_OK) {
        rm_tree(staging);
        finish(w, job, GS_STORE_JOB_FAILED, err.msg);
        return;
    }
    rc = end_job(w, job, GS_STORE_JOB_DONE, NULL, &err);
    if (rc == GS_ERR_CANCELLED) {
        gs_store_comparison gone;
        /* Deleted while publishing: remove what nobody will. */
        if (gs_store_comparison_get(w->s, job->account, cmp.id, &gone, NULL) == GS_ERR_NOT_FOUND)
            rm_tree(final);
        logf_(w, "job %s: cancelled while finishing", job->id);
    } else if (rc != GS_OK) {
        logf_(w, "job %s: could not record the end (%s)", job->id, err.msg);
    } else {
        logf_(w, "job %s done in %.1f s", job->id, gs_now_s() - c.t0);
    }
}

/*
 * The session's hand-edited events file, checked against the SHA-256 its options name (the
 * server replaces the file when a re-run brings a new one: a job queued with the earlier file's
 * options, whose re-run was then replaced, must not analyse with the newer file). 1 when it is
 * there and matches; 0 with why otherwise.
 */
static int events_file_ok(worker *w, const char *session, const char *sha_hex, char *path, size_t n,
                          char *why, size_t wn)
{
    uint8_t *data = NULL, digest[crypto_hash_sha256_BYTES];
    size_t len = 0;
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    if (gs_store_session_events_path(w->o.data_dir, session, path, n, NULL) != GS_OK ||
        gs_file_read_max(path, GS_STORE_EVENTS_MAX_BYTES, &data, &len, NULL) != GS_OK) {
        snprintf(why, wn,
                 "the session's edited events file is missing; re-run it with the "
                 "events file again");
        return 0;
    }
    crypto_hash_sha256(digest, data, len);
    free(data);
    sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
    if (strcmp(hex, sha_hex) != 0) {
        snprintf(why, wn, "the session's edited events file was replaced by a later re-run");
        return 0;
    }
    return 1;
}

static void run_job(worker *w, const gs_store_job *job, heartbeat *hb)
{
    gs_store_session se;
    gs_store_athlete ath;
    gs_worker_session_options so;
    gs_analyze_options ao;
    gs_analyze_result *res = NULL;
    gs_error err;
    gs_status rc;
    job_ctx c = {.w = w, .hb = hb, .job_id = job->id, .attempt = job->attempts};
    char blob_path[4096], final[4096], staging[4200], why[1024], title[300], events[4200];
    int64_t now = (int64_t)time(NULL);

    logf_(w, "job %s: session %s, attempt %d", job->id, job->session, job->attempts);
    rc = gs_store_session_get(w->s, job->account, job->session, &se, &err);
    if (rc == GS_ERR_NOT_FOUND) {
        finish(w, job, GS_STORE_JOB_FAILED, "the session is gone");
        return;
    }
    if (rc != GS_OK) {
        /* The store failed, not the job: give it back and wait a moment. */
        logf_(w, "job %s: cannot read its session (%s); back to the queue", job->id, err.msg);
        gs_store_job_release_fenced(w->s, job->id, w->name, job->attempts, (int64_t)time(NULL),
                                    NULL);
        sleep_s(1.0);
        return;
    }
    if (w->o.test_abort_blob && !strcmp(w->o.test_abort_blob, se.blob))
        abort(); /* tests: a video that crashes the decoder */
    if (gs_store_blob_path(w->o.data_dir, se.blob, blob_path, sizeof(blob_path), &err) != GS_OK ||
        gs_store_session_path(w->o.data_dir, se.id, final, sizeof(final), &err) != GS_OK ||
        !staging_name(w, final, staging, sizeof(staging))) {
        finish(w, job, GS_STORE_JOB_FAILED, "the data folder path is too long");
        return;
    }
    rc = gs_worker_session_options_parse(se.options_json, &so, &err);
    if (rc != GS_OK) {
        finish(w, job, GS_STORE_JOB_FAILED, err.msg);
        return;
    }
    if (so.events_sha256[0] &&
        !events_file_ok(w, se.id, so.events_sha256, events, sizeof(events), why, sizeof(why))) {
        finish(w, job, GS_STORE_JOB_FAILED, why);
        return;
    }
    /* The backstop for a run that stops reporting progress (see worker.h). */
    alarm((unsigned)(w->o.job_timeout_s + ALARM_MARGIN_S));
    c.t0 = gs_now_s();
    probe(w, blob_path, why, sizeof(why));
    if (why[0]) {
        alarm(0);
        finish(w, job, GS_STORE_JOB_FAILED, why);
        return;
    }
    gs_store_job_heartbeat_fenced(w->s, job->id, w->name, job->attempts, 0.0, "probe", now,
                                  w->o.lease_s, NULL);
    c.last_hb = gs_now_s();

    memset(&ao, 0, sizeof(ao));
    ao.models = w->models;
    ao.rules_path = w->o.rules_path;
    ao.generated_by = w->o.generated_by;
    ao.n_threads = w->o.n_threads; /* cores; the models were loaded for them */
    gs_worker_session_options_apply(&so, &ao);
    ao.events_csv = so.events_sha256[0] ? events : NULL;
    /* the coach's name for the clip in analysis.json and report.html, whose "Report
     * (incomplete)" frame shows a failed run's error: not the blob's id (the service keeps no
     * original file name) */
    ao.clip_name = "the uploaded video";
    if (gs_store_athlete_get(w->s, job->account, se.athlete, &ath, NULL) == GS_OK) {
        snprintf(title, sizeof(title), "%s%s%s", ath.name, se.date[0] ? ", " : "", se.date);
        ao.title = title;
    }
    ao.progress = on_progress;
    ao.progress_user = &c;

    rm_tree(staging); /* an earlier job of this process with this session */
    sweep_staging(w, "sessions", job->session);
    rc = gs_analyze_run(blob_path, staging, &ao, &res, &err);
    alarm(0);
    scrub(err.msg, sizeof(err.msg), staging, "the session folder");
    scrub(err.msg, sizeof(err.msg), blob_path, "the uploaded video");
    {
        /* the gait stage names the clip by its file name alone, the blob's id ("AB6S...Dag: the
         * legs' cycle lasts ..."), which tells the coach nothing */
        const char *base = strrchr(blob_path, '/');
        scrub(err.msg, sizeof(err.msg), base ? base + 1 : blob_path, "the uploaded video");
    }
    if (so.events_sha256[0]) /* the gait reader names the file: the coach's, not a path */
        scrub(err.msg, sizeof(err.msg), events, "the edited events file");

    if (c.stopping) {
        gs_analyze_result_free(&res);
        rm_tree(staging);
        if (gs_store_job_release_fenced(w->s, job->id, w->name, job->attempts, (int64_t)time(NULL),
                                        &err) == GS_OK)
            logf_(w, "job %s: back to the queue (worker stopping)", job->id);
        return;
    }
    if (c.cancelled) {
        gs_analyze_result_free(&res);
        rm_tree(staging);
        logf_(w, "job %s: cancelled, outputs discarded", job->id);
        return;
    }
    if (c.timed_out) {
        gs_analyze_result_free(&res);
        rm_tree(staging);
        snprintf(why, sizeof(why), "the analysis took longer than %.0f s, this service's limit "
                 "per clip", w->o.job_timeout_s);
        finish(w, job, GS_STORE_JOB_FAILED, why);
        return;
    }
    /* Publish what was written (a failed analysis too: its analysis.json says why), except a
     * failed re-run over a session's earlier results: those stay (the job's error says why the
     * re-run failed). */
    if (res && gs_path_exists(staging) && rc != GS_OK && gs_path_exists(final)) {
        rm_tree(staging);
    } else if (res && gs_path_exists(staging)) {
        gs_error perr;
        if (gs_store_job_heartbeat_fenced(w->s, job->id, w->name, job->attempts, 1.0, "publish",
                                          (int64_t)time(NULL), w->o.lease_s,
                                          NULL) == GS_ERR_CANCELLED) {
            gs_analyze_result_free(&res);
            rm_tree(staging);
            logf_(w, "job %s: cancelled, outputs discarded", job->id);
            return;
        }
        /* the options these outputs were made with: the session page shows them beside the
         * results, and a later re-run's (the session's options then) apart */
        char opath[4300];
        snprintf(opath, sizeof(opath), "%s/options.json", staging);
        if (gs_file_write_all(opath, se.options_json, strlen(se.options_json), &perr) != GS_OK)
            logf_(w, "job %s: options.json not written (%s)", job->id, perr.msg);
        if (publish(staging, final, &perr) != GS_OK) {
            gs_analyze_result_free(&res);
            rm_tree(staging);
            finish(w, job, GS_STORE_JOB_FAILED, perr.msg);
            return;
        }
    } else {
        rm_tree(staging);
    }
    gs_analyze_result_free(&res);
    {
        char why_failed[sizeof(err.msg)];
        snprintf(why_failed, sizeof(why_failed), "%s", err.msg[0] ? err.msg : gs_strerror(rc));
        gs_status frc = end_job(w, job, rc == GS_OK ? GS_STORE_JOB_DONE : GS_STORE_JOB_FAILED,
                                rc == GS_OK ? NULL : why_failed, &err);
        if (frc == GS_ERR_CANCELLED) {
            gs_store_session gone;
            /* Deleted while publishing: remove what nobody will. */
            if (gs_store_session_get(w->s, job->account, se.id, &gone, NULL) == GS_ERR_NOT_FOUND)
                rm_tree(final);
            logf_(w, "job %s: cancelled while finishing", job->id);
        } else if (frc != GS_OK) {
            logf_(w, "job %s: could not record the end (%s)", job->id, err.msg);
        } else {
            logf_(w, "job %s %s in %.1f s%s%s", job->id, rc == GS_OK ? "done" : "failed",
                  gs_now_s() - c.t0, rc == GS_OK ? "" : ": ", rc == GS_OK ? "" : why_failed);
        }
    }
}

/* ---- the loop ----------------------------------------------------------------------------- */

static void sleep_s(double s)
{
    struct timespec ts;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    nanosleep(&ts, NULL); /* a signal ends it early: the stop flag is looked at next */
}

/*
 * Waits up to poll_s for a queued job before the next claim: a new job ends the wait at once
 * (PostgreSQL: its NOTIFY; SQLite: the store looks every 250 ms), a stop within IDLE_SLICE_MS.
 * Nothing announces another worker's lapsed lease, so the next claim finds it: at most poll_s
 * (lease/3) after it lapsed.
 */
static void idle_wait(worker *w)
{
    double until = gs_now_s() + w->o.poll_s;
    while (!stop_requested(w)) {
        int woke = 0;
        double left_ms = (until - gs_now_s()) * 1000.0;
        if (left_ms <= 0)
            return;
        if (gs_store_wait_for_job(w->s, left_ms < IDLE_SLICE_MS ? (int)left_ms : IDLE_SLICE_MS,
                                  &woke, NULL) != GS_OK) {
            sleep_s(1.0); /* the store is failing: the claim says why; do not spin */
            return;
        }
        if (woke)
            return;
    }
}

gs_status gs_worker_run(const gs_worker_options *opt, gs_error *err)
{
    worker w;
    gs_status rc;
    char host[64];
    int busy_errors = 0;

    if (!opt || !opt->data_dir || !opt->data_dir[0])
        return gs_fail(err, GS_ERR_ARG, "worker: no data folder");
    memset(&w, 0, sizeof(w));
    w.o = *opt;
    if (w.o.lease_s <= 0)
        w.o.lease_s = GS_WORKER_LEASE_S;
    if (w.o.max_attempts <= 0)
        w.o.max_attempts = GS_WORKER_MAX_ATTEMPTS;
    w.heartbeat_s = (double)w.o.lease_s / HEARTBEATS_PER_LEASE;
    if (!(w.o.poll_s > 0))
        w.o.poll_s = (double)w.o.lease_s / GS_WORKER_IDLE_PER_LEASE;
    if (!(w.o.max_duration_s > 0))
        w.o.max_duration_s = GS_WORKER_MAX_DURATION_S;
    if (w.o.max_pixels <= 0)
        w.o.max_pixels = GS_WORKER_MAX_PIXELS;
    if (!(w.o.job_timeout_s > 0))
        w.o.job_timeout_s = GS_WORKER_JOB_TIMEOUT_S;
    if (w.o.address_space_mb == 0)
        w.o.address_space_mb = GS_WORKER_ADDRESS_SPACE_MB;
    if (w.o.n_threads <= 0)
        w.o.n_threads = 1;
    w.pid = getpid();
    if (gethostname(host, sizeof(host)) != 0)
        snprintf(host, sizeof(host), "localhost");
    host[sizeof(host) - 1] = '\0';
    snprintf(w.name, sizeof(w.name), "%s:%d", host, (int)w.pid);
    staging_host(host[0] ? host : "localhost", w.host, sizeof(w.host));

#ifndef GS_SANITIZED
    if (w.o.address_space_mb > 0) {
        struct rlimit rl;
        rlim_t bytes = (rlim_t)w.o.address_space_mb << 20;
        if (getrlimit(RLIMIT_AS, &rl) == 0 && (rl.rlim_max == RLIM_INFINITY || bytes <= rl.rlim_max)) {
            rl.rlim_cur = bytes;
            if (setrlimit(RLIMIT_AS, &rl) != 0)
                return gs_fail(err, GS_ERR_IO, "worker: cannot limit the address space: %s",
                               strerror(errno));
        }
    }
#endif
    rc = gs_store_dirs_create(w.o.data_dir, err);
    if (rc == GS_OK)
        rc = gs_store_open(w.o.db ? w.o.db : w.o.data_dir, &w.s, err);
    if (rc != GS_OK)
        return rc;
    /* the heartbeat thread's own connection (a handle is used by one thread at a time) */
    gs_error hberr = {0};
    if (gs_store_open(w.o.db ? w.o.db : w.o.data_dir, &w.hb_s, &hberr) != GS_OK)
        logf_(&w, "no heartbeat thread (%s): the lease is renewed from the progress reports",
              hberr.msg);
    sweep_staging(&w, "sessions", NULL);
    sweep_staging(&w, "comparisons", NULL);
    rc = gs_pose_models_load(w.o.models_dir, w.o.model,
                             gs_analyze_inference_threads(w.o.n_threads), &w.models, err);
    if (rc != GS_OK) {
        gs_store_close(&w.hb_s);
        gs_store_close(&w.s);
        return rc;
    }
    logf_(&w, "worker %s ready (model %s, lease %lld s, heartbeat every %.3g s, idle claims every "
              "%.3g s, %d attempts, clips up to %.0f s and %lld px, %.0f s a job, address "
              "space %lld MiB)",
          w.name, gs_pose_models_name(w.models), (long long)w.o.lease_s, w.heartbeat_s,
          w.o.poll_s, w.o.max_attempts, w.o.max_duration_s, (long long)w.o.max_pixels,
          w.o.job_timeout_s, (long long)w.o.address_space_mb);

    while (!stop_requested(&w)) {
        gs_store_job job;
        gs_error cerr;
        rc = gs_store_job_claim(w.s, w.name, (int64_t)time(NULL), w.o.lease_s, w.o.max_attempts,
                                &job, &cerr);
        if (rc == GS_ERR_NOT_FOUND) {
            busy_errors = 0;
            if (w.o.once)
                break;
            idle_wait(&w);
            continue;
        }
        if (rc != GS_OK) {
            /* The store is busy or failing: say so once in a while, wait and try again. */
            if (busy_errors++ % 30 == 0)
                logf_(&w, "cannot claim a job: %s", cerr.msg);
            sleep_s(1.0);
            continue;
        }
        busy_errors = 0;
        heartbeat hb;
        int hb_ok = heartbeat_start(&w, &job, &hb) == 0;
        if (job.kind == GS_STORE_JOB_KIND_COMPARE)
            run_compare_job(&w, &job, hb_ok ? &hb : NULL);
        else
            run_job(&w, &job, hb_ok ? &hb : NULL);
        heartbeat_stop(&hb);
    }
    logf_(&w, "worker %s stopping", w.name);
    gs_pose_models_free(&w.models);
    gs_store_close(&w.hb_s);
    gs_store_close(&w.s);
    return GS_OK;
}
