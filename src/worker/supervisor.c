/*
 * The supervisor of the worker processes (worker.h), for `gaitscope serve`.
 *
 * Each worker is fork + execv of this binary, so it starts from a clean process (no server
 * threads, sockets or heap inherited: after fork only one thread exists and only
 * async-signal-safe calls are made until execv, as POSIX requires of a multithreaded parent).
 * PR_SET_PDEATHSIG(SIGKILL) is set in the child before execv and is kept across it (prctl(2):
 * cleared only for set-user-ID binaries and on fork), so a worker dies with the server even when
 * the server is killed with -9; the getppid() check after it covers a server that died between
 * the fork and the prctl.
 *
 * Restarts use an exponential back-off per slot so a worker that dies at once on every start (a
 * broken models folder, an unreadable store) costs one start a minute at most, not a spin.
 */
#define _GNU_SOURCE /* prctl */
#include "worker.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 64

typedef struct slot {
    pid_t pid;          /* 0: not running */
    double started_s;   /* gs_now_s() of the start */
    double next_s;      /* earliest restart */
    double backoff_s;   /* next delay after a quick death */
} slot;

struct gs_supervisor {
    gs_supervisor_options o;
    char exe[4096];
    char *argv[MAX_ARGS + 1]; /* borrowed strings; built once, before any fork */
    int n;
    slot *slots;
    int restarts;
};

static void say(const gs_supervisor *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const gs_supervisor *sv, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    if (!sv->o.log)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    sv->o.log(sv->o.log_user, line);
}

/* Starts slot i. 0, or -1 when fork failed (errno). */
static int spawn(gs_supervisor *sv, int i)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        sigset_t all;
        /* Child: async-signal-safe calls only until execv. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
            _exit(127);
        if (getppid() != parent)
            _exit(0); /* the server died before the prctl */
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        execv(sv->exe, sv->argv);
        _exit(127);
    }
    sv->slots[i].pid = pid;
    sv->slots[i].started_s = gs_now_s();
    return 0;
}

gs_status gs_supervisor_start(const gs_supervisor_options *opt, gs_supervisor **out,
                              gs_error *err)
{
    gs_supervisor *sv;
    int k = 0;

    *out = NULL;
    if (!opt || !opt->data_dir || !opt->data_dir[0] || opt->n_workers < 0 ||
        opt->n_workers > 256)
        return gs_fail(err, GS_ERR_ARG, "supervisor: needs a data folder and 0-256 workers");
    sv = calloc(1, sizeof(*sv));
    if (!sv)
        return gs_fail(err, GS_ERR_NOMEM, "supervisor: out of memory");
    sv->o = *opt;
    if (!(sv->o.backoff_min_s > 0))
        sv->o.backoff_min_s = 1.0;
    if (!(sv->o.backoff_max_s > 0))
        sv->o.backoff_max_s = 60.0;
    if (!(sv->o.stable_s > 0))
        sv->o.stable_s = 30.0;
    if (!(sv->o.stop_grace_s > 0))
        sv->o.stop_grace_s = 10.0;
    if (opt->exe) {
        snprintf(sv->exe, sizeof(sv->exe), "%s", opt->exe);
    } else {
        ssize_t len = readlink("/proc/self/exe", sv->exe, sizeof(sv->exe) - 1);
        if (len <= 0) {
            free(sv);
            return gs_fail(err, GS_ERR_IO, "supervisor: cannot find this program (/proc/self/exe)");
        }
        sv->exe[len] = '\0';
    }
    sv->argv[k++] = sv->exe;
    sv->argv[k++] = (char *)"worker";
    sv->argv[k++] = (char *)"--data";
    sv->argv[k++] = (char *)sv->o.data_dir;
    if (sv->o.models_dir) {
        sv->argv[k++] = (char *)"--models";
        sv->argv[k++] = (char *)sv->o.models_dir;
    }
    for (int i = 0; sv->o.extra_args && sv->o.extra_args[i]; i++) {
        if (k >= MAX_ARGS) {
            free(sv);
            return gs_fail(err, GS_ERR_ARG, "supervisor: more than %d worker arguments", MAX_ARGS);
        }
        sv->argv[k++] = (char *)sv->o.extra_args[i];
    }
    sv->argv[k] = NULL;
    sv->n = opt->n_workers;
    sv->slots = calloc((size_t)(sv->n ? sv->n : 1), sizeof(*sv->slots));
    if (!sv->slots) {
        free(sv);
        return gs_fail(err, GS_ERR_NOMEM, "supervisor: out of memory");
    }
    for (int i = 0; i < sv->n; i++) {
        sv->slots[i].backoff_s = sv->o.backoff_min_s;
        if (spawn(sv, i) != 0) {
            gs_status rc = gs_fail(err, GS_ERR_IO, "supervisor: cannot start worker %d: %s", i,
                                   strerror(errno));
            gs_supervisor_stop(&sv);
            return rc;
        }
        say(sv, "worker %d started (pid %d)", i, (int)sv->slots[i].pid);
    }
    *out = sv;
    return GS_OK;
}

int gs_supervisor_poll(gs_supervisor *sv, int *restarted)
{
    int running = 0, started = 0;
    double now = gs_now_s();
    if (restarted)
        *restarted = 0;
    if (!sv)
        return 0;
    for (int i = 0; i < sv->n; i++) {
        slot *sl = &sv->slots[i];
        if (sl->pid > 0) {
            int status = 0;
            pid_t r = waitpid(sl->pid, &status, WNOHANG);
            if (r == 0) {
                running++;
                continue;
            }
            if (r < 0 && errno != ECHILD) {
                running++; /* EINTR: look again at the next poll */
                continue;
            }
            /* Dead (or reaped by someone else: ECHILD). A quick death doubles the delay. */
            double lived = now - sl->started_s;
            if (lived >= sv->o.stable_s)
                sl->backoff_s = sv->o.backoff_min_s;
            sl->next_s = now + sl->backoff_s;
            if (r > 0 && WIFSIGNALED(status))
                say(sv, "worker %d (pid %d) died: signal %d after %.1f s; restart in %.0f s", i,
                    (int)sl->pid, WTERMSIG(status), lived, sl->backoff_s);
            else
                say(sv, "worker %d (pid %d) exited with %d after %.1f s; restart in %.0f s", i,
                    (int)sl->pid, r > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1, lived,
                    sl->backoff_s);
            if (lived < sv->o.stable_s) {
                sl->backoff_s *= 2;
                if (sl->backoff_s > sv->o.backoff_max_s)
                    sl->backoff_s = sv->o.backoff_max_s;
            }
            sl->pid = 0;
        }
        if (sl->pid == 0 && now >= sl->next_s) {
            if (spawn(sv, i) == 0) {
                sv->restarts++;
                started++;
                running++;
                say(sv, "worker %d restarted (pid %d)", i, (int)sl->pid);
            } else {
                sl->next_s = now + sl->backoff_s;
                say(sv, "worker %d: cannot fork: %s", i, strerror(errno));
            }
        }
    }
    if (restarted)
        *restarted = started;
    return running;
}

pid_t gs_supervisor_pid(const gs_supervisor *sv, int i)
{
    return sv && i >= 0 && i < sv->n ? sv->slots[i].pid : 0;
}

int gs_supervisor_restarts(const gs_supervisor *sv)
{
    return sv ? sv->restarts : 0;
}

void gs_supervisor_stop(gs_supervisor **svp)
{
    gs_supervisor *sv;
    double deadline;
    int left;
    if (!svp || !*svp)
        return;
    sv = *svp;
    for (int i = 0; i < sv->n; i++)
        if (sv->slots[i].pid > 0)
            kill(sv->slots[i].pid, SIGTERM);
    deadline = gs_now_s() + sv->o.stop_grace_s;
    do {
        left = 0;
        for (int i = 0; i < sv->n; i++) {
            slot *sl = &sv->slots[i];
            if (sl->pid <= 0)
                continue;
            pid_t r = waitpid(sl->pid, NULL, WNOHANG);
            if (r == sl->pid || (r < 0 && errno == ECHILD))
                sl->pid = 0;
            else
                left++;
        }
        if (left) {
            struct timespec ts = {0, 20 * 1000000L};
            nanosleep(&ts, NULL);
        }
    } while (left && gs_now_s() < deadline);
    for (int i = 0; i < sv->n; i++) {
        slot *sl = &sv->slots[i];
        if (sl->pid > 0) {
            say(sv, "worker %d (pid %d) did not stop in %.0f s: killed", i, (int)sl->pid,
                sv->o.stop_grace_s);
            kill(sl->pid, SIGKILL);
            waitpid(sl->pid, NULL, 0);
            sl->pid = 0;
        }
    }
    free(sv->slots);
    free(sv);
    *svp = NULL;
}
