/* gaitscope command line: dispatch to the subcommands, shared CLI helpers. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "nkt.h"
#include "analysis.h"

#ifndef GS_VERSION
#define GS_VERSION "0.0.0"
#endif

/* Subcommands that work. A subcommand is listed here only once it does real work. */
static const struct {
    const char *name;
    gs_cli_fn fn;
    const char *summary;
} commands[] = {
    {"analyze", gs_cli_analyze, "the whole analysis: report, overlay clip, key frames, JSON, CSV"},
    {"probe", gs_cli_probe, "describe a video: codec, displayed size, rotation, fps, frames"},
    {"frames", gs_cli_frames, "write every Nth upright frame of a video as PNG"},
    {"infer", gs_cli_infer, "run a .tflite model on a raw float32 input, write raw outputs"},
    {"bench", gs_cli_bench, "time the nn runtime on the BlazePose models (ms, GFLOP/s, RSS)"},
    {"pose", gs_cli_pose, "track the runner: 33 BlazePose landmarks per frame -> pose.json"},
    {"gait", gs_cli_gait,
     "angles, gait events, strides and metrics from pose.json -> analysis.json"},
    {"calibrate", gs_cli_calibrate, "camera profile (lens distortion) from chessboard views"},
    {"findings", gs_cli_findings, "NKT test plan from analysis.json (findings, tests, homework)"},
    {"compare", gs_cli_compare, "before/after: what really changed between two sessions"},
    {"serve", gs_cli_serve, "the service: JSON API for uploads, jobs, reports, shares (docs/api.md)"},
    {"worker", gs_cli_worker, "the service's analysis process: runs queued jobs of a data folder"},
};

static void print_help(FILE *f)
{
    fprintf(f, "gaitscope %s: running and walking gait analysis from ordinary video\n\n"
               "usage: gaitscope COMMAND [options]\n"
               "       gaitscope COMMAND --help\n\ncommands:\n",
            GS_VERSION);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\noptions:\n  --help     this text\n  --version  print the version\n"
               "\nexit codes: 0 done, 1 failed, 2 wrong command line\n");
}

int gs_cli_report(const gs_error *err)
{
    fprintf(stderr, "gaitscope: %s\n",
            err && err->msg[0] ? err->msg : gs_strerror(err ? err->code : GS_ERR_INTERNAL));
    return GS_EXIT_ERROR;
}

int gs_cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("gaitscope: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return GS_EXIT_USAGE;
}

void gs_cli_progress_init(gs_cli_progress *p, int quiet)
{
    memset(p, 0, sizeof(*p));
    p->enabled = !quiet && isatty(STDERR_FILENO);
}

int gs_cli_progress_cb(void *user, const char *stage, int64_t done, int64_t total)
{
    gs_cli_progress *p = user;
    double now = gs_now_s();
    if (!p || !p->enabled)
        return 0;
    if (strncmp(p->stage, stage, sizeof(p->stage)) != 0) {
        if (p->stage[0])
            fputc('\n', stderr);
        snprintf(p->stage, sizeof(p->stage), "%s", stage);
        p->t0_s = now;
        p->last_s = 0;
    }
    if (now - p->last_s < 0.1 && !(total > 0 && done >= total))
        return 0; /* redraw at most 10 times a second */
    p->last_s = now;
    if (total > 0) {
        double f = done > total ? 1.0 : (double)done / (double)total;
        int w = 30, filled = (int)(f * w);
        double el = now - p->t0_s;
        double eta = f > 0.01 ? el * (1.0 - f) / f : 0.0;
        fprintf(stderr, "\r%-10s [%.*s%*s] %3d%% %lld/%lld ETA %4.0fs", stage, filled,
                "##############################", w - filled, "", (int)(100 * f),
                (long long)done, (long long)total, eta);
    } else {
        fprintf(stderr, "\r%-10s %lld", stage, (long long)done);
    }
    return 0;
}

void gs_cli_progress_done(gs_cli_progress *p)
{
    if (p->enabled && p->stage[0])
        fputc('\n', stderr);
    p->stage[0] = '\0';
}

const char *gs_cli_models_dir(const char *given, char *buf, size_t n)
{
    const char *d = given ? given : getenv("GAITSCOPE_MODELS");
    if (!d && gs_data_path("models/pose_detection.tflite", buf, n, NULL) == GS_OK) {
        char *slash = strrchr(buf, '/');
        *slash = '\0'; /* the folder of the file found */
        d = buf;
    }
    return d;
}

gs_status gs_cli_test_nudge(float *px, gs_error *err)
{
    const char *e = getenv("GAITSCOPE_TEST_NUDGE_PX");
    char *end = NULL;
    *px = 0;
    if (!e || !*e)
        return GS_OK;
    double v = strtod(e, &end);
    if (end == e || *end || !(v >= 0 && v <= 100))
        return gs_fail(err, GS_ERR_ARG,
                       "GAITSCOPE_TEST_NUDGE_PX: '%s' is not a number of pixels in [0, 100]", e);
    *px = (float)v;
    return GS_OK;
}

gs_status gs_cli_rules_path(char *buf, size_t n, gs_error *err)
{
    gs_status rc = gs_data_path("models/compensation_rules.json", buf, n, err);
    if (rc == GS_ERR_NOT_FOUND && err)
        gs_fail(err, rc, "%s; give --rules FILE", err->msg);
    return rc;
}

/*
 * Results printed on stdout must have arrived: a full disk, a closed descriptor or an I/O error
 * is a failure of the command (issue 12: `findings > /dev/full` used to exit 0). stdio keeps the
 * error flag of an earlier failed write, so ferror() also catches what a flush no longer sees.
 */
static int check_stdout(int code)
{
    errno = 0;
    int flush_failed = fflush(stdout) != 0;
    int e = errno;
    if (!flush_failed && !ferror(stdout))
        return code;
    fprintf(stderr, "gaitscope: stdout: %s\n", flush_failed && e ? strerror(e) : "write error");
    return GS_EXIT_ERROR;
}

static int run(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return GS_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        print_help(stdout);
        return GS_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("gaitscope %s\n", GS_VERSION);
        return GS_EXIT_OK;
    }
    /* Process-wide thread settings belong to the program, set once before any work: OpenBLAS
     * single-threaded inside our own pool, no OpenCV pool for the small warps. */
    gs_analyze_process_init();
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    return gs_cli_usage_error("unknown command '%s' (see gaitscope --help)", argv[1]);
}

int main(int argc, char **argv)
{
    return check_stdout(run(argc, argv));
}
