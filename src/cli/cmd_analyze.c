/*
 * gaitscope analyze VIDEO|POSE.json -o DIR: parses the options, calls the pipeline library
 * (src/analysis gs_analyze_run) and prints a summary. Everything the analysis does lives there.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef GS_VERSION
#define GS_VERSION "0.0.0"
#endif

#include "analysis.h"
#include "cli.h"
#include "nkt.h"
#include "opts.h"

/* The command line goes straight into the library's options (src/analysis gs_analyze_options). */
typedef struct analyze_args {
    const char *input, *outdir;
    int quiet, timings, overlay_height, has_overlay_height;
    gs_analyze_options o;
} analyze_args;

/* x264's presets from the fastest; slower ones cost far more than the overlay is worth. */
static const gs_cli_choice x264_presets[] = {
    {"ultrafast", 0}, {"superfast", 1}, {"veryfast", 2}, {"faster", 3}, {"fast", 4},
    {"medium", 5},    {NULL, 0}};

/* What times the running toe-offs (gs_analyze_options.toe_off). */
static const gs_cli_choice toe_off_sources[] = {{"auto", GS_TOE_OFF_AUTO},
                                                {"image", GS_TOE_OFF_IMAGE},
                                                {"landmarks", GS_TOE_OFF_LANDMARKS},
                                                {NULL, 0}};

/* What times the side-view running contacts (gs_analyze_options.contact). */
static const gs_cli_choice contact_sources[] = {{"auto", GS_CONTACT_AUTO},
                                                {"image", GS_CONTACT_IMAGE},
                                                {"landmarks", GS_CONTACT_LANDMARKS},
                                                {NULL, 0}};

/* clang-format off */
static const gs_cli_opt analyze_opts[] = {
    {.like = &gs_cli_opt_video, GS_CLI_AT(analyze_args, input),
     .help = "the clip, or a pose.json (gaitscope.pose/1) to start from without tracking"},
    {.like = &gs_cli_opt_output, GS_CLI_AT(analyze_args, outdir), .required = 1},
    GS_CLI_GAIT_ROWS(analyze_args, o),
    {.like = &gs_cli_opt_model, GS_CLI_AT(analyze_args, o.model)},
    {.like = &gs_cli_opt_start, GS_CLI_AT(analyze_args, o.decode.start_s)},
    {.like = &gs_cli_opt_end, GS_CLI_AT(analyze_args, o.decode.end_s)},
    {.like = &gs_cli_opt_slowmo, GS_CLI_AT(analyze_args, o.decode.slowmo)},
    {.like = &gs_cli_opt_capture_fps, GS_CLI_AT(analyze_args, o.decode.capture_fps)},
    {.like = &gs_cli_opt_history, GS_CLI_AT(analyze_args, o.history)},
    {.like = &gs_cli_opt_rules, GS_CLI_AT(analyze_args, o.rules_path)},
    {.name = "--calib", .kind = GS_CLI_STR, GS_CLI_AT(analyze_args, o.calib_path), .value = "FILE",
     .help = "camera profile (gaitscope calibrate): landmarks undistorted before angles"},
    {.name = "--scale-line", .kind = GS_CLI_STR, GS_CLI_AT(analyze_args, o.scale_line),
     .value = "X1,Y1,X2,Y2,M", .help = "a known distance in the frame (pixels, metres) as the scale"},
    {.like = &gs_cli_opt_person, GS_CLI_AT(analyze_args, o.person_x),
     GS_CLI_AT2(analyze_args, o.person_y), GS_CLI_FLAG_AT(analyze_args, o.has_person)},
    {.name = "--toe-off", .kind = GS_CLI_CHOICE, GS_CLI_AT(analyze_args, o.toe_off),
     .choices = toe_off_sources, .value = "FROM",
     .help = "auto: running side-view toe-offs at 50 fps and above timed where the "
             "picture shows the shoe's tip leave the ground, else the landmarks; image: the same, "
             "warning when the picture was not used; landmarks: never the picture"},
    {.name = "--contact", .kind = GS_CLI_CHOICE, GS_CLI_AT(analyze_args, o.contact),
     .choices = contact_sources, .value = "FROM",
     .help = "auto: side-view running contacts timed where the picture shows the sole come "
             "down on the belt or ground, else the landmarks; image: the same, warning when the "
             "picture was not used; landmarks: never the picture"},
    {.name = "--no-overlay", .kind = GS_CLI_FLAG, GS_CLI_AT(analyze_args, o.no_overlay),
     .help = "skip overlay.mp4 (key frames are still written)"},
    /* A slowed copy for clips filmed faster than they play: 64x turns 1920 frames/s into 30. */
    {.name = "--slow-copy", .kind = GS_CLI_INT, GS_CLI_AT(analyze_args, o.slow_copy), .lo = 2,
     .hi = 64, .value = "N", .help = "also write overlay_slowN.mp4, N times slower"},
    {.name = "--blur-faces", .kind = GS_CLI_FLAG, GS_CLI_AT(analyze_args, o.blur_faces),
     .help = "blur the head in every written image and clip"},
    /* 0 keeps the source size; below 144 px (the smallest common video height) a skeleton with
     * its labels is unreadable */
    {.name = "--overlay-height", .kind = GS_CLI_INT, GS_CLI_AT(analyze_args, overlay_height),
     GS_CLI_FLAG_AT(analyze_args, has_overlay_height), .lo = 0, .hi = 16384, .value = "PX",
     .help = "overlay and key frames at most PX tall (0 = the source size)"},
    {.name = "--x264-preset", .kind = GS_CLI_WORD, GS_CLI_AT(analyze_args, o.encode.preset),
     .choices = x264_presets, .value = "P", .help = "x264 preset of overlay.mp4 (default superfast)"},
    {.name = "--x264-threads", .kind = GS_CLI_INT, GS_CLI_AT(analyze_args, o.encode.n_threads),
     .lo = GS_CLI_THREADS_MIN, .hi = GS_CLI_THREADS_MAX, .value = "N",
     .help = "x264 threads (default 2)"},
    {.name = "--sequential", .kind = GS_CLI_FLAG, GS_CLI_AT(analyze_args, o.sequential),
     .help = "run the stages one after the other in one thread (for measurements)"},
    {.name = "--timings", .kind = GS_CLI_FLAG, GS_CLI_AT(analyze_args, timings),
     .help = "print the CPU time of each stage on stderr"},
    {.like = &gs_cli_opt_threads, GS_CLI_AT(analyze_args, o.n_threads),
     .help = "cores to use: a decode thread + N-1 inference threads, N decoder "
             "threads for the key frames"},
    {.like = &gs_cli_opt_models, GS_CLI_AT(analyze_args, o.models_dir)},
    {.like = &gs_cli_opt_force, GS_CLI_AT(analyze_args, o.force),
     .help = "replace files in DIR that gaitscope did not write"},
    {.like = &gs_cli_opt_quiet, GS_CLI_AT(analyze_args, quiet)},
};
/* clang-format on */

static const gs_cli_spec analyze_spec = GS_CLI_SPEC(
    "analyze", analyze_args, analyze_opts,
    "Runs the whole analysis and writes into DIR: analysis.json, pose.json, angles.csv,\n"
    "events.csv, metrics.csv, pose.trc, overlay.mp4, keyframes/*.png, report.html.\n");

/* The library's progress (stage, fraction of the run) on the terminal's progress bar. */
static int analyze_progress(void *user, const char *stage, double fraction, const char *message)
{
    (void)message;
    return gs_cli_progress_cb(user, stage, (int64_t)(fraction * 1000), 1000);
}

/* The analysis in a few lines for people: the metrics' names as the report writes them, "-" for
 * a side without a value (was "nan"), each finding's side said once, and on a failed run no
 * "no findings" that reads as a clean result: the findings were not evaluated, or, where a side
 * had enough strides, they rest on an incomplete analysis (it said "not evaluated" under the
 * findings it had just listed: walk_front_cane_01, 2 left and 3 right strides).
 * A failed run says so, and why, before any number, and its metrics are labelled with the
 * strides they rest on: run_front_overground_01 (0 left, 1 right usable stride) printed cadence
 * 61 steps/min and a 1040 ms contact bare, as if they were results, while one stride gives no
 * mean and no SD, and this one's events do not even make a running stride (its flight time is
 * -107 ms: the feet overlap on the ground, which running by definition does not); the report
 * puts the same values under "The analysis could not be completed". */
static void print_summary(const gs_analysis *a, const char *outdir)
{
    const int failed = !strcmp(a->status, "failed");
    int w = 0, n_values = 0, used[2] = {0, 0};
    char l[32], r[32], lab[200];
    printf("gaitscope: %s, %s, %s view (confidence %.2f)\n",
           a->activity == GS_GAIT_ACTIVITY_UNKNOWN ? "activity unknown"
                                                   : gs_gait_activity_name(a->activity),
           gs_gait_setting_name(a->setting), gs_gait_view_name(a->view.kind), a->view.confidence);
    if (failed)
        printf("gaitscope: analysis failed: %s\n", a->error[0] ? a->error : "no reason recorded");
    for (int i = 0; i < a->n_strides; i++)
        if (a->strides[i].used &&
            (a->strides[i].side == GS_GAIT_SIDE_LEFT || a->strides[i].side == GS_GAIT_SIDE_RIGHT))
            used[a->strides[i].side]++;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && failed && n_values == 0) {
            printf("  nothing could be measured from this clip\n");
            break;
        }
        if (pass == 1 && failed) /* the findings' footer below says it the same way */
            printf("  the values below rest on the strides it had (%d left, %d right usable): "
                   "incomplete, not results\n",
                   used[GS_GAIT_SIDE_LEFT], used[GS_GAIT_SIDE_RIGHT]);
        for (size_t i = 0; i < gs_metric_count(); i++) {
            const gs_metric_info *mi = gs_metric_at(i);
            const gs_analysis_metric *m = mi->summary ? gs_analysis_metric_find(a, mi->key) : NULL;
            const char *name = mi->label ? mi->label : mi->key;
            if (!m)
                continue;
            if (pass == 0) {
                w = (int)strlen(name) > w ? (int)strlen(name) : w;
                n_values += m->all.present ? isfinite(m->all.mean) != 0
                                           : (m->side[0].present && isfinite(m->side[0].mean)) ||
                                                 (m->side[1].present && isfinite(m->side[1].mean));
                continue;
            }
            if (m->all.present) {
                if (isfinite(m->all.mean))
                    snprintf(l, sizeof(l), "%7.1f", m->all.mean);
                else
                    snprintf(l, sizeof(l), "%7s", "-");
                printf("  %-*s   %s %s (both feet)\n", w, name, l, m->unit);
                continue;
            }
            for (int s = 0; s < 2; s++)
                if (m->side[s].present && isfinite(m->side[s].mean))
                    snprintf(s ? r : l, sizeof(l), "%7.1f", m->side[s].mean);
                else
                    snprintf(s ? r : l, sizeof(l), "%7s", "-");
            printf("  %-*s L %s  R %s %s\n", w, name, l, r, m->unit);
        }
    }
    for (int k = 0; k < a->n_findings && k < 3; k++)
        printf("  finding: %s, severity %.2f, confidence %.2f\n",
               gs_finding_label(lab, sizeof(lab), a->findings[k].title, a->findings[k].side),
               a->findings[k].severity, a->findings[k].confidence);
    if (a->n_findings > 3)
        printf("  and %d more findings in the report\n", a->n_findings - 3);
    if (failed && a->n_findings > 0) /* a side with enough strides was evaluated */
        printf("  the analysis did not complete: these findings rest on the strides it had; "
               "treat them as incomplete\n");
    else if (failed)
        printf("  findings not evaluated: the analysis did not complete\n");
    else if (a->n_findings == 0)
        printf("  no findings above the rules' thresholds\n");
    printf("gaitscope: report in %s/report.html\n", outdir);
}

/* The CPU budget of the run (src/analysis gs_analyze_budget), one line per stage. */
static void print_timings(const gs_analyze_budget *b)
{
    const struct {
        const char *name;
        double s;
    } rows[] = {
        {"decode", b->decode_s},           {"detector", b->detector_s},
        {"landmarks", b->landmarks_s},     {"clean-up", b->cleanup_s},
        {"tracking (other)", b->tracking_s}, {"gait + findings", b->gait_s},
        {"pose.json, CSV, TRC", b->files_s}, {"overlay decode", b->overlay_decode_s},
        {"drawing", b->drawing_s},         {"encoding", b->encoding_s},
        {"key frames", b->keyframes_s},    {"report", b->report_s},
        {"worker threads", b->helpers_s},
    };
    double n = b->frames > 0 ? (double)b->frames : 1;
    fprintf(stderr, "gaitscope: CPU budget (thread CPU time), %lld frames", (long long)b->frames);
    if (b->overlay_width > 0)
        fprintf(stderr, ", overlay %dx%d", b->overlay_width, b->overlay_height);
    fprintf(stderr, "\n  %-22s %9s %9s %6s\n", "stage", "CPU s", "ms/frame", "share");
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        fprintf(stderr, "  %-22s %9.3f %9.2f %5.1f%%\n", rows[i].name, rows[i].s,
                1e3 * rows[i].s / n, b->process_s > 0 ? 100 * rows[i].s / b->process_s : 0);
    fprintf(stderr, "  %-22s %9.3f %9.2f\n", "process CPU", b->process_s, 1e3 * b->process_s / n);
    fprintf(stderr,
            "  wall %.2f s (pose pass %.2f s, overlay pass %.2f s): %.1f frames/s; "
            "CPU/wall %.2f\n",
            b->wall_s, b->pose_wall_s, b->overlay_wall_s, b->wall_s > 0 ? n / b->wall_s : 0,
            b->wall_s > 0 ? b->process_s / b->wall_s : 0);
}

int gs_cli_analyze(int argc, char **argv)
{
    analyze_args a = {.o = {.model = "full", .n_threads = 2},
                       .overlay_height = GS_ANALYZE_OVERLAY_HEIGHT};
    gs_analyze_options *const o = &a.o;
    gs_error err = {0};
    gs_analyze_result *res = NULL;
    gs_cli_progress prog;
    char rules_path[4096], models_dir[4096];

    int go = gs_cli_parse(&analyze_spec, argc, argv, &a);
    if (go != GS_CLI_GO)
        return go;
    if (!o->rules_path) {
        if (gs_cli_rules_path(rules_path, sizeof(rules_path), &err) != GS_OK)
            return gs_cli_report(&err);
        o->rules_path = rules_path;
    }
    o->models_dir = gs_cli_models_dir(o->models_dir, models_dir, sizeof(models_dir));
    if (gs_cli_test_nudge(&o->test_nudge_px, &err) != GS_OK)
        return gs_cli_report(&err);
    if (a.has_overlay_height)
        o->overlay_height = a.overlay_height == 0 ? -1 : a.overlay_height;
    o->generated_by = "gaitscope " GS_VERSION;
    gs_cli_progress_init(&prog, a.quiet);
    o->progress = analyze_progress;
    o->progress_user = &prog;

    gs_status rc = gs_analyze_run(a.input, a.outdir, o, &res, &err);
    gs_cli_progress_done(&prog);
    /* warnings about the input itself (truncated file, broken timestamps) also go to stderr:
     * a normal-looking report of half a clip must not pass unnoticed */
    for (int i = 0; res && res->analysis && i < res->analysis->n_warnings; i++) {
        const char *w = res->analysis->warnings[i];
        if (!strncmp(w, "truncated video", 15) || strstr(w, "timestamps") || strstr(w, "clock"))
            fprintf(stderr, "gaitscope: %s: warning: %s\n", a.input, w);
    }
    if (rc == GS_OK && res && res->analysis && res->analysis->json) {
        /* the landmark model struggled (a gait note, pose.h gs_pose_second_look_warning): events
         * and metrics that look normal may rest on legs that are off. Only when there are
         * results: a failed run's one error line says what to do (the note stays in the
         * report) */
        const cJSON *n;
        cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(res->analysis->json, "notes"))
        {
            if (cJSON_IsString(n) && !strncmp(n->valuestring, "the landmark model struggled", 28))
                fprintf(stderr, "gaitscope: %s: warning: %s\n", a.input, n->valuestring);
        }
    }
    if (res && res->analysis && !a.quiet)
        print_summary(res->analysis, a.outdir);
    if (res && a.timings)
        print_timings(&res->budget);
    gs_analyze_result_free(&res);
    return rc == GS_OK ? GS_EXIT_OK : gs_cli_report(&err);
}
