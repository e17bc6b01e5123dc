/*
 * gaitscope bench: speed of the nn runtime on the BlazePose models (a benchmark, not a test).
 * Per model and thread count: median ms per inference after warm-up, GFLOP/s (2 x MACs of the
 * convolutions / time), peak RSS of the process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nn.h"

static const char bench_usage[] =
    "usage: gaitscope bench [MODEL.tflite ...] [--models DIR] [--threads LIST] [--warmup N]\n"
    "                       [--runs N] [--dense] [--json]\n"
    "Times gs_nn_run() on each model (default: the four BlazePose models in DIR, default\n"
    "models/): median ms per inference after N warm-up runs (default 10 warm-up, 30 timed),\n"
    "for each thread count in LIST (default 1,2). --dense disables the sparse 1x1 kernel.\n"
    "--json prints one object per model and thread count: model, threads, median_ms, min_ms,\n"
    "gflops, peak_rss_mb.\n";

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int bench_one(const char *path, int threads, int warmup, int runs, int dense, int json)
{
    gs_nn_options opt = {0};
    gs_nn_model *m = NULL;
    gs_error err = {0};
    double *t = NULL;
    opt.n_threads = threads;
    opt.no_sparse = dense;
    if (gs_nn_model_load(path, &opt, &m, &err) != GS_OK)
        return gs_cli_report(&err);
    t = calloc((size_t)runs, sizeof(double));
    if (!t) {
        gs_nn_model_free(&m);
        gs_fail(&err, GS_ERR_NOMEM, "bench: out of memory");
        return gs_cli_report(&err);
    }
    /* a fixed pseudo-random input in [0, 1) (speed does not depend on the values, but zeros
     * could hit shortcuts) */
    gs_nn_tensor_desc d;
    gs_nn_input_desc(m, 0, &d);
    size_t n = 1;
    for (int k = 0; k < d.ndim; k++)
        n *= (size_t)d.shape[k];
    float *in = gs_nn_input_data(m, 0);
    uint32_t s = 12345;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        in[i] = (float)(s >> 8) / 16777216.0f;
    }
    for (int i = 0; i < warmup; i++)
        gs_nn_run(m, NULL);
    for (int i = 0; i < runs; i++) {
        double t0 = gs_now_s();
        gs_nn_run(m, NULL);
        t[i] = (gs_now_s() - t0) * 1e3;
    }
    qsort(t, (size_t)runs, sizeof(double), cmp_double);
    double med = runs % 2 ? t[runs / 2] : 0.5 * (t[runs / 2 - 1] + t[runs / 2]);
    double gflops = 2.0 * gs_nn_macs(m) / (med * 1e-3) / 1e9;
    double rss = (double)gs_peak_rss_bytes() / (1024.0 * 1024.0);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char name[256];
    snprintf(name, sizeof(name), "%s", base);
    char *dot = strstr(name, ".tflite");
    if (dot)
        *dot = '\0';
    if (json)
        printf("{\"model\": \"%s\", \"threads\": %d, \"median_ms\": %.3f, \"min_ms\": %.3f, "
               "\"gflops\": %.2f, \"peak_rss_mb\": %.1f, \"model_mb\": %.1f, \"sparse\": %s}\n",
               name, threads, med, t[0], gflops, rss,
               (double)gs_nn_memory_bytes(m) / (1024.0 * 1024.0), dense ? "false" : "true");
    else
        printf("%-22s %2d thread%s  median %7.2f ms  min %7.2f ms  %6.1f GFLOP/s  "
               "peak RSS %6.1f MB\n",
               name, threads, threads > 1 ? "s" : " ", med, t[0], gflops, rss);
    fflush(stdout);
    free(t);
    gs_nn_model_free(&m);
    return GS_EXIT_OK;
}

int gs_cli_bench(int argc, char **argv)
{
    const char *dir = GS_SOURCE_DIR "/models";
    const char *paths[16];
    int npaths = 0, warmup = 10, runs = 30, json = 0, dense = 0;
    int threads[8] = {1, 2}, nthreads = 2;
    static const char *defaults[] = {"pose_detection", "pose_landmark_lite", "pose_landmark_full",
                                     "pose_landmark_heavy"};
    char defpaths[4][1024];

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(bench_usage, stdout);
            return GS_EXIT_OK;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--dense")) {
            dense = 1;
        } else if (!strcmp(a, "--models") && i + 1 < argc) {
            dir = argv[++i];
        } else if (!strcmp(a, "--warmup") && i + 1 < argc) {
            if (gs_cli_parse_int(a, argv[++i], &warmup))
                return GS_EXIT_USAGE;
            if (warmup < 0)
                return gs_cli_usage_error("--warmup: must be >= 0");
        } else if (!strcmp(a, "--runs") && i + 1 < argc) {
            if (gs_cli_parse_int(a, argv[++i], &runs))
                return GS_EXIT_USAGE;
            if (runs < 1 || runs > 100000)
                return gs_cli_usage_error("--runs: must be 1..100000");
        } else if (!strcmp(a, "--threads") && i + 1 < argc) {
            char buf[128], *save = NULL;
            snprintf(buf, sizeof(buf), "%s", argv[++i]);
            nthreads = 0;
            for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                if (nthreads == 8)
                    return gs_cli_usage_error("--threads: at most 8 values");
                if (gs_cli_parse_int("--threads", tok, &threads[nthreads]))
                    return GS_EXIT_USAGE;
                if (threads[nthreads] < 1 || threads[nthreads] > 64)
                    return gs_cli_usage_error("--threads: values must be 1..64");
                nthreads++;
            }
            if (!nthreads)
                return gs_cli_usage_error("--threads: empty list");
        } else if (a[0] == '-' && a[1]) {
            return gs_cli_usage_error("bench: unknown option '%s' (see gaitscope bench --help)", a);
        } else if (npaths < 16) {
            paths[npaths++] = a;
        } else {
            return gs_cli_usage_error("bench: at most 16 models");
        }
    }
    if (!npaths) {
        for (int i = 0; i < 4; i++) {
            snprintf(defpaths[i], sizeof(defpaths[i]), "%s/%s.tflite", dir, defaults[i]);
            paths[npaths++] = defpaths[i];
        }
    }
    for (int i = 0; i < npaths; i++)
        for (int k = 0; k < nthreads; k++) {
            int rc = bench_one(paths[i], threads[k], warmup, runs, dense, json);
            if (rc != GS_EXIT_OK)
                return rc;
        }
    return GS_EXIT_OK;
}
