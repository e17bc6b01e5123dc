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
#include "opts.h"

typedef struct bench_args {
    const char *paths[16];
    int npaths;
    const char *models;
    int threads[8], nthreads;
    int warmup, runs, json, dense;
} bench_args;

/* clang-format off */
static const gs_cli_opt bench_opts[] = {
    {.kind = GS_CLI_ARG_LIST, GS_CLI_AT(bench_args, paths), GS_CLI_AT2(bench_args, npaths),
     .max = 16, .value = "MODEL.tflite",
     .help = "models to time (default: the four BlazePose models in --models)"},
    {.like = &gs_cli_opt_models, GS_CLI_AT(bench_args, models)},
    {.name = "--threads", .kind = GS_CLI_INT_LIST, GS_CLI_AT(bench_args, threads),
     GS_CLI_AT2(bench_args, nthreads), .max = 8, .lo = GS_CLI_THREADS_MIN,
     .hi = GS_CLI_THREADS_MAX, .value = "LIST", .help = "thread counts to time, comma-separated"},
    /* Timing is the median of the runs; 10000 warm-up runs or 100000 timed ones of the
     * smallest model already take minutes, more is a typo. */
    {.name = "--warmup", .kind = GS_CLI_INT, GS_CLI_AT(bench_args, warmup), .lo = 0,
     .hi = 10000, .value = "N", .help = "untimed runs first"},
    {.name = "--runs", .kind = GS_CLI_INT, GS_CLI_AT(bench_args, runs), .lo = 1, .hi = 100000,
     .value = "N", .help = "timed runs"},
    {.name = "--dense", .kind = GS_CLI_FLAG, GS_CLI_AT(bench_args, dense),
     .help = "disable the sparse 1x1 kernel"},
    {.name = "--json", .kind = GS_CLI_FLAG, GS_CLI_AT(bench_args, json),
     .help = "one object per model and thread count: model, threads, median_ms, min_ms, gflops, "
             "peak_rss_mb"},
};
/* clang-format on */

static const gs_cli_spec bench_spec =
    GS_CLI_SPEC("bench", bench_args, bench_opts,
                "Times gs_nn_run() on each model: median ms per inference after the warm-up runs,\n"
                "for each thread count, GFLOP/s and peak RSS.\n");

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
    bench_args a = {.threads = {1, 2}, .nthreads = 2, .warmup = 10, .runs = 30};
    static const char *defaults[] = {"pose_detection", "pose_landmark_lite", "pose_landmark_full",
                                     "pose_landmark_heavy"};
    char defpaths[4][1024], models_dir[4096];
    int go = gs_cli_parse(&bench_spec, argc, argv, &a);
    if (go != GS_CLI_GO)
        return go;
    const char *dir = gs_cli_models_dir(a.models, models_dir, sizeof(models_dir));
    const char *const *paths = a.paths;
    int npaths = a.npaths;
    if (!npaths) {
        for (int i = 0; i < 4; i++) {
            snprintf(defpaths[i], sizeof(defpaths[i]), "%s/%s.tflite", dir ? dir : "models",
                     defaults[i]);
            a.paths[i] = defpaths[i];
        }
        npaths = 4;
    }
    for (int i = 0; i < npaths; i++)
        for (int k = 0; k < a.nthreads; k++) {
            int rc = bench_one(paths[i], a.threads[k], a.warmup, a.runs, a.dense, a.json);
            if (rc != GS_EXIT_OK)
                return rc;
        }
    return GS_EXIT_OK;
}
