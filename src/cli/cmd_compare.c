/*
 * gaitscope compare BEFORE AFTER -o OUT: what really changed between two sessions of the same
 * person. BEFORE and AFTER are each an analyze output folder, a gait output folder (analysis.json
 * only: no side-by-side clip then), an analysis.json, or a video (analysed first into OUT/before
 * or OUT/after with the same options). Writes OUT/comparison.html, OUT/side_by_side.mp4 and, last,
 * OUT/comparison.json (the output-folder policy of common.h: each output complete or absent).
 */
#define _XOPEN_SOURCE 700 /* realpath() */

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef GS_VERSION
#define GS_VERSION "0.0.0"
#endif

#include "analysis.h"
#include "cli.h"
#include "compare.h"
#include "opts.h"

typedef struct compare_args {
    const char *before, *after, *out, *mc, *models, *model, *rules, *history, *calib, *scale_line;
    int force, quiet, no_video, n_perm, threads, blur, seed;
    gs_gait_view_kind view;
    double height_m, belt_m_s;
    gs_decoder_options dec;
} compare_args;

/* clang-format off */
static const gs_cli_opt compare_opts[] = {
    {.kind = GS_CLI_ARG, GS_CLI_AT(compare_args, before), .required = 1, .value = "BEFORE",
     .help = "the first session: an analyze or gait output folder, an analysis.json, or a video"},
    {.kind = GS_CLI_ARG, GS_CLI_AT(compare_args, after), .required = 1, .value = "AFTER",
     .help = "the second session, the same kinds"},
    {.like = &gs_cli_opt_output, GS_CLI_AT(compare_args, out), .required = 1},
    {.name = "--minimal-change", .kind = GS_CLI_STR, GS_CLI_AT(compare_args, mc), .value = "FILE",
     .help = "minimal change per metric (default: the installed minimal_change.json)"},
    /* 100 relabelings resolve p to 0.01; 10^6 is already minutes for a long clip's curves */
    {.name = "--permutations", .kind = GS_CLI_INT, GS_CLI_AT(compare_args, n_perm), .lo = 100,
     .hi = 1000000, .value = "N", .help = "relabelings per stride test and for the curves"},
    {.name = "--seed", .kind = GS_CLI_INT, GS_CLI_AT(compare_args, seed), .lo = 1,
     .hi = 2147483647, .value = "N", .help = "permutation seed (the same seed, the same result)"},
    {.name = "--no-video", .kind = GS_CLI_FLAG, GS_CLI_AT(compare_args, no_video),
     .help = "no side_by_side.mp4"},
    {.like = &gs_cli_opt_force, GS_CLI_AT(compare_args, force),
     .help = "overwrite outputs, and compare even when view or activity differ"},
    {.like = &gs_cli_opt_quiet, GS_CLI_AT(compare_args, quiet)},
    /* for video inputs: the options of analyze, the same for both */
    {.like = &gs_cli_opt_view, GS_CLI_AT(compare_args, view)},
    {.like = &gs_cli_opt_height, GS_CLI_AT(compare_args, height_m)},
    {.like = &gs_cli_opt_belt_speed, GS_CLI_AT(compare_args, belt_m_s)},
    {.like = &gs_cli_opt_model, GS_CLI_AT(compare_args, model)},
    {.like = &gs_cli_opt_start, GS_CLI_AT(compare_args, dec.start_s)},
    {.like = &gs_cli_opt_end, GS_CLI_AT(compare_args, dec.end_s)},
    {.like = &gs_cli_opt_slowmo, GS_CLI_AT(compare_args, dec.slowmo)},
    {.like = &gs_cli_opt_capture_fps, GS_CLI_AT(compare_args, dec.capture_fps)},
    {.like = &gs_cli_opt_history, GS_CLI_AT(compare_args, history)},
    {.like = &gs_cli_opt_rules, GS_CLI_AT(compare_args, rules)},
    {.name = "--calib", .kind = GS_CLI_STR, GS_CLI_AT(compare_args, calib), .value = "FILE",
     .help = "camera profile (gaitscope calibrate) for both videos"},
    {.name = "--scale-line", .kind = GS_CLI_STR, GS_CLI_AT(compare_args, scale_line),
     .value = "X1,Y1,X2,Y2,M", .help = "a known distance in both videos' frame as the scale"},
    {.name = "--blur-faces", .kind = GS_CLI_FLAG, GS_CLI_AT(compare_args, blur),
     .help = "blur heads in every written image and clip"},
    {.like = &gs_cli_opt_threads, GS_CLI_AT(compare_args, threads)},
    {.like = &gs_cli_opt_models, GS_CLI_AT(compare_args, models)},
};
/* clang-format on */

static const gs_cli_spec compare_spec = GS_CLI_SPEC(
    "compare", compare_args, compare_opts,
    "What really changed between two sessions of the same person: each metric and side is\n"
    "'real' only when the change exceeds both the measure's minimal change (a published\n"
    "smallest detectable difference or gaitscope's own repeat figure) and the runner's\n"
    "stride-to-stride variation (permutation test, Holm-corrected); curves are compared by\n"
    "statistical parametric mapping. Writes OUT/comparison.html, OUT/side_by_side.mp4 and\n"
    "OUT/comparison.json. A video is analysed first into OUT/before or OUT/after.\n");

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

static int analyze_progress(void *user, const char *stage, double fraction, const char *message)
{
    (void)message;
    return gs_cli_progress_cb(user, stage, (int64_t)(fraction * 1000), 1000);
}

/* Opens one session: a folder or analysis.json as it is, a video analysed into OUT/sub. */
static gs_status open_session(const compare_args *a, const char *arg, const char *sub,
                              gs_cli_progress *prog, char *rules, gs_compare_input **out,
                              gs_error *err)
{
    char dir[PATH_MAX + 64], models_dir[4096];
    gs_analyze_options o = {0};
    gs_analyze_result *res = NULL;
    gs_status rc;

    if (is_dir(arg) || ends_with(arg, ".json"))
        return gs_compare_input_open(arg, out, err);
    snprintf(dir, sizeof(dir), "%s/%s", a->out, sub);
    o.models_dir = gs_cli_models_dir(a->models, models_dir, sizeof(models_dir));
    o.model = a->model;
    o.n_threads = a->threads;
    o.rules_path = rules;
    o.history = a->history;
    o.view = a->view;
    o.height_m = a->height_m;
    o.belt_speed_m_s = a->belt_m_s;
    o.decode = a->dec;
    o.blur_faces = a->blur;
    o.calib_path = a->calib;
    o.scale_line = a->scale_line;
    o.force = a->force;
    o.generated_by = "gaitscope " GS_VERSION;
    o.progress = analyze_progress;
    o.progress_user = prog;
    if (!a->quiet)
        fprintf(stderr, "gaitscope: analysing %s into %s\n", arg, dir);
    rc = gs_analyze_run(arg, dir, &o, &res, err);
    gs_cli_progress_done(prog);
    gs_analyze_result_free(&res);
    if (rc != GS_OK)
        return rc;
    return gs_compare_input_open(dir, out, err);
}

static void print_summary(const gs_comparison *c, const char *out, const char *video_why)
{
    int counts[GS_COMPARE_VERDICT_COUNT];
    gs_comparison_counts(c, counts);
    printf("gaitscope: %d real, %d noise", counts[GS_COMPARE_VERDICT_REAL],
           counts[GS_COMPARE_VERDICT_NOISE]);
    if (counts[GS_COMPARE_VERDICT_CANNOT_TELL] > 0)
        printf(", %d cannot tell at %.4g fps", counts[GS_COMPARE_VERDICT_CANNOT_TELL],
               gs_comparison_fps(c));
    printf(", %d not comparable\n", counts[GS_COMPARE_VERDICT_NOT_COMPARABLE]);
    if (gs_comparison_fps_note(c)[0])
        printf("  %s\n", gs_comparison_fps_note(c));
    for (int i = 0; i < gs_comparison_n_rows(c); i++) {
        const gs_compare_row *r = gs_comparison_row(c, i);
        if (r->verdict != GS_COMPARE_VERDICT_REAL)
            continue;
        printf("  real: %-30s %-5s %9.2f -> %9.2f %s (min change %.3g, Holm p %.3g)\n", r->metric,
               gs_compare_side_name(r->side), r->before, r->after, r->unit, r->minimal_change,
               r->p_holm);
    }
    for (int i = 0; i < gs_comparison_n_curves(c); i++) {
        const gs_compare_curve_row *r = gs_comparison_curve(c, i);
        for (int k = 0; k < r->n_phases; k++)
            printf("  curve: %-29s %-5s differs %d-%d %% of the stride (%+.1f deg)\n", r->angle,
                   gs_compare_side_name(r->side), r->phases[k].start_pct, r->phases[k].end_pct,
                   r->phases[k].mean_diff);
    }
    for (int i = 0; i < gs_comparison_n_checks(c); i++) {
        const gs_compare_check *k = gs_comparison_check(c, i);
        if (k->state == GS_COMPARE_CHECK_MISMATCH && gs_comparison_check_alert(c, i)[0])
            printf("  warning: %s\n", gs_comparison_check_alert(c, i));
    }
    if (video_why)
        printf("  no side-by-side clip: %s\n", video_why);
    printf("gaitscope: comparison in %s/comparison.html\n", out);
}

int gs_cli_compare(int argc, char **argv)
{
    compare_args a = {0};
    gs_error err = {0};
    gs_compare_mc *mc = NULL;
    gs_compare_input *in[2] = {NULL, NULL};
    gs_comparison *c = NULL;
    gs_outdir *od = NULL;
    gs_cli_progress prog;
    gs_compare_options co = {0};
    gs_compare_output_info info = {0};
    char mc_path[4096], rules[4096], path[PATH_MAX + 64], rb[PATH_MAX], ra[PATH_MAX];
    char video_why[600] = "", rel[2][32];
    int code = GS_EXIT_OK, with_video;
    static const char *const outputs[] = {"comparison.html", "side_by_side.mp4", "comparison.json"};

    a.model = "full";
    a.threads = 2;
    int go = gs_cli_parse(&compare_spec, argc, argv, &a);
    if (go != GS_CLI_GO)
        return go;

    /* everything that can be checked before minutes of work */
    for (int k = 0; k < 2; k++) {
        const char *p = k ? a.after : a.before;
        if (!gs_path_exists(p)) {
            gs_fail(&err, GS_ERR_NOT_FOUND, "%s: no such file or folder", p);
            return gs_cli_report(&err);
        }
    }
    if (realpath(a.before, rb) && realpath(a.after, ra) && !strcmp(rb, ra)) {
        gs_fail(&err, GS_ERR_ARG, "%s: BEFORE and AFTER are the same (give two different sessions)",
                a.after);
        return gs_cli_report(&err);
    }
    if (!a.mc) {
        if (gs_data_path("models/minimal_change.json", mc_path, sizeof(mc_path), &err) != GS_OK) {
            gs_fail(&err, err.code, "%s; give --minimal-change FILE", err.msg);
            return gs_cli_report(&err);
        }
        a.mc = mc_path;
    }
    if (gs_compare_mc_load_default_keys(a.mc, &mc, &err) != GS_OK)
        return gs_cli_report(&err);
    if (!a.rules) {
        if (gs_cli_rules_path(rules, sizeof(rules), &err) != GS_OK) {
            code = gs_cli_report(&err);
            goto done;
        }
        a.rules = rules;
    }

    gs_cli_progress_init(&prog, a.quiet);
    for (int k = 0; k < 2; k++)
        if (open_session(&a, k ? a.after : a.before, k ? "after" : "before", &prog, (char *)a.rules,
                         &in[k], &err) != GS_OK) {
            code = gs_cli_report(&err);
            goto done;
        }

    co.force = a.force;
    co.n_perm = a.n_perm;
    co.seed = (uint64_t)a.seed;
    if (gs_compare_run(gs_compare_input_session(in[0]), gs_compare_input_session(in[1]), mc, &co,
                       &c, &err) != GS_OK) {
        code = gs_cli_report(&err);
        goto done;
    }

    if (gs_outdir_open(a.out, "compare", outputs, 3, a.force, &od, &err) != GS_OK) {
        code = gs_cli_report(&err);
        goto done;
    }
    with_video = !a.no_video;
    for (int k = 0; k < 2 && with_video; k++)
        if (!gs_compare_input_session(in[k])->overlay_path) {
            snprintf(video_why, sizeof(video_why),
                     "%s has no overlay.mp4 (a gait folder or analysis.json only, or analysed "
                     "with --no-overlay)",
                     k ? "AFTER" : "BEFORE");
            with_video = 0;
        }
    if (a.no_video)
        snprintf(video_why, sizeof(video_why), "not made (--no-video)");
    if (with_video) {
        gs_compare_video_options vo = {0};
        gs_compare_video_stats vs;
        gs_error verr = {0};
        vo.progress = gs_cli_progress_cb;
        vo.progress_user = &prog;
        if (gs_outdir_stage(od, "side_by_side.mp4", path, sizeof(path), &err) != GS_OK) {
            code = gs_cli_report(&err);
            goto done;
        }
        if (gs_compare_side_by_side(gs_compare_input_session(in[0]),
                                    gs_compare_input_session(in[1]), c, path, &vo, &vs,
                                    &verr) != GS_OK ||
            gs_outdir_commit(od, "side_by_side.mp4", &verr) != GS_OK) {
            /* the numbers stand without the clip: say why it is missing */
            snprintf(video_why, sizeof(video_why), "%s", verr.msg);
            with_video = 0;
        }
        gs_cli_progress_done(&prog);
    }
    info.generated_by = "gaitscope " GS_VERSION;
    info.mc_path = a.mc;
    info.mc_version = gs_compare_mc_version(mc);
    info.side_by_side_file = with_video ? "side_by_side.mp4" : NULL;
    info.side_by_side_why = with_video ? NULL : video_why;
    for (int k = 0; k < 2; k++) {
        /* links to the two reports when they sit in OUT (videos analysed here) */
        snprintf(path, sizeof(path), "%s/%s/report.html", a.out, k ? "after" : "before");
        snprintf(rel[k], sizeof(rel[k]), "%s/report.html", k ? "after" : "before");
        if (!is_dir(k ? a.after : a.before) && gs_path_exists(path)) {
            if (k)
                info.after_report = rel[k];
            else
                info.before_report = rel[k];
        }
    }
    if (gs_outdir_stage(od, "comparison.html", path, sizeof(path), &err) != GS_OK ||
        gs_comparison_write_html(path, c, &info, &err) != GS_OK ||
        gs_outdir_commit(od, "comparison.html", &err) != GS_OK ||
        gs_outdir_stage(od, "comparison.json", path, sizeof(path), &err) != GS_OK ||
        gs_comparison_write_json(path, c, &info, &err) != GS_OK ||
        gs_outdir_commit(od, "comparison.json", &err) != GS_OK) {
        code = gs_cli_report(&err);
        goto done;
    }
    if (!a.quiet)
        print_summary(c, a.out, with_video ? NULL : video_why);
done:
    gs_outdir_close(&od);
    gs_comparison_free(&c);
    gs_compare_input_free(&in[0]);
    gs_compare_input_free(&in[1]);
    gs_compare_mc_free(&mc);
    return code;
}
