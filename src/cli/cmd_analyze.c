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

static const char analyze_usage[] =
    "usage: gaitscope analyze VIDEO -o DIR [options]\n"
    "Runs the whole analysis and writes into DIR: analysis.json, pose.json, angles.csv,\n"
    "events.csv, metrics.csv, pose.trc, overlay.mp4, keyframes/*.png, report.html.\n"
    "  --height M        body height in metres: lengths in cm instead of leg lengths\n"
    "  --belt-speed V    treadmill belt speed in m/s: adds step/stride length and speed\n"
    "  --view V          side-left | side-right | rear | front (default: detected)\n"
    "  --model M         landmark model lite | full | heavy (default full)\n"
    "  --start S --end S analyse this time range of the clip (seconds)\n"
    "  --slowmo F        the clip plays F times slower than real time (slow-motion export)\n"
    "  --capture-fps N   the clip was filmed at N frames/s (alternative to --slowmo)\n"
    "  --history ITEMS   intake, e.g. scar:abdomen,injury:left_ankle,surgery:right_knee\n"
    "  --rules FILE      compensation rules (default: the installed compensation_rules.json)\n"
    "  --person X,Y      a point (pixels) on the wanted person in the first frame they are seen\n"
    "  --no-overlay      skip overlay.mp4 (key frames are still written)\n"
    "  --slow-copy N     also write overlay_slowN.mp4, N times slower (high-fps clips)\n"
    "  --blur-faces      blur the head in every written image and clip\n"
    "  --threads N       inference threads (default 2)\n"
    "  --models DIR      folder of the .tflite models (default: $GAITSCOPE_MODELS or models/)\n"
    "  --force           overwrite an existing analysis in DIR\n"
    "  --quiet           no progress and no summary\n";

typedef struct analyze_args {
    const char *video, *outdir, *history, *rules, *models, *model, *view;
    double height_m, belt_m_s;
    int force, quiet, no_overlay, blur, slow_copy, threads;
    int has_person;
    float px, py;
    gs_decoder_options dec;
} analyze_args;

/* Numeric options: where they go in analyze_args and their accepted range. */
typedef struct num_opt {
    const char *name;
    size_t offset;
    double lo, hi;
    int lo_open; /* 1: lo itself is excluded */
    const char *unit;
} num_opt;

static const num_opt num_opts[] = {
    {"--height", offsetof(analyze_args, height_m), 0.8, 2.5, 0, "m (body height)"},
    {"--belt-speed", offsetof(analyze_args, belt_m_s), 0, 12, 1, "m/s"},
    {"--start", offsetof(analyze_args, dec.start_s), 0, 1e7, 0, "s"},
    {"--end", offsetof(analyze_args, dec.end_s), 0, 1e7, 1, "s"},
    {"--slowmo", offsetof(analyze_args, dec.slowmo), 0, 1000, 1, "(factor)"},
    {"--capture-fps", offsetof(analyze_args, dec.capture_fps), 0, 100000, 1, "frames/s"},
};

static const num_opt *find_num_opt(const char *name)
{
    for (size_t i = 0; i < sizeof(num_opts) / sizeof(num_opts[0]); i++)
        if (!strcmp(name, num_opts[i].name))
            return &num_opts[i];
    return NULL;
}

static int parse_args(int argc, char **argv, analyze_args *a)
{
    memset(a, 0, sizeof(*a));
    a->model = "full";
    a->threads = 2;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
            fputs(analyze_usage, stdout);
            return -2;
        }
#define NEED_VALUE() \
    if (!v)          \
        return gs_cli_usage_error("analyze: %s needs a value", s), -1;
        const num_opt *no = find_num_opt(s);
        if (no) {
            NEED_VALUE();
            double *dst = (double *)((char *)a + no->offset);
            if (gs_cli_parse_double(s, argv[++i], dst))
                return -1;
            if (!(no->lo_open ? *dst > no->lo : *dst >= no->lo) || *dst > no->hi)
                return gs_cli_usage_error("%s: %g is outside %s%g, %g] %s", s, *dst,
                                          no->lo_open ? "(" : "[", no->lo, no->hi, no->unit),
                       -1;
        } else if (!strcmp(s, "-o") || !strcmp(s, "--output")) {
            NEED_VALUE();
            a->outdir = argv[++i];
        } else if (!strcmp(s, "--view")) {
            NEED_VALUE();
            a->view = argv[++i];
            if (strcmp(a->view, "side-left") && strcmp(a->view, "side-right") &&
                strcmp(a->view, "rear") && strcmp(a->view, "front"))
                return gs_cli_usage_error("--view: expected side-left, side-right, rear or front"),
                       -1;
        } else if (!strcmp(s, "--model")) {
            NEED_VALUE();
            a->model = argv[++i];
            if (strcmp(a->model, "lite") && strcmp(a->model, "full") && strcmp(a->model, "heavy"))
                return gs_cli_usage_error("--model: expected lite, full or heavy"), -1;
        } else if (!strcmp(s, "--history")) {
            NEED_VALUE();
            a->history = argv[++i];
        } else if (!strcmp(s, "--rules")) {
            NEED_VALUE();
            a->rules = argv[++i];
        } else if (!strcmp(s, "--models")) {
            NEED_VALUE();
            a->models = argv[++i];
        } else if (!strcmp(s, "--person")) {
            NEED_VALUE();
            char *end = NULL;
            const char *p = argv[++i];
            double x = strtod(p, &end), y = -1;
            if (end != p && *end == ',')
                y = strtod(end + 1, &end);
            if (!(x >= 0) || !(y >= 0) || *end != '\0')
                return gs_cli_usage_error("--person: expected X,Y in pixels, got '%s'", p), -1;
            a->has_person = 1;
            a->px = (float)x;
            a->py = (float)y;
        } else if (!strcmp(s, "--slow-copy")) {
            NEED_VALUE();
            if (gs_cli_parse_int(s, argv[++i], &a->slow_copy))
                return -1;
            if (a->slow_copy < 2 || a->slow_copy > 64)
                return gs_cli_usage_error("--slow-copy: expected a factor from 2 to 64"), -1;
        } else if (!strcmp(s, "--threads")) {
            NEED_VALUE();
            if (gs_cli_parse_int(s, argv[++i], &a->threads))
                return -1;
            if (a->threads < 1 || a->threads > 64)
                return gs_cli_usage_error("--threads: expected 1 to 64"), -1;
            a->dec.n_threads = a->threads;
        } else if (!strcmp(s, "--no-overlay")) {
            a->no_overlay = 1;
        } else if (!strcmp(s, "--blur-faces")) {
            a->blur = 1;
        } else if (!strcmp(s, "--force")) {
            a->force = 1;
        } else if (!strcmp(s, "--quiet")) {
            a->quiet = 1;
        } else if (s[0] == '-' && s[1]) {
            return gs_cli_usage_error("analyze: unknown option '%s' (see gaitscope analyze --help)",
                                      s), -1;
        } else if (!a->video) {
            a->video = s;
        } else {
            return gs_cli_usage_error("analyze: more than one video given"), -1;
        }
#undef NEED_VALUE
    }
    if (!a->video || !a->outdir)
        return gs_cli_usage_error("analyze: need VIDEO and -o DIR (see gaitscope analyze --help)"),
               -1;
    if (a->dec.end_s > 0 && a->dec.end_s <= a->dec.start_s)
        return gs_cli_usage_error("analyze: --end must be after --start"), -1;
    if (a->dec.slowmo > 0 && a->dec.capture_fps > 0)
        return gs_cli_usage_error("analyze: give --slowmo or --capture-fps, not both"), -1;
    return 0;
}

/* The library's progress (stage, fraction of the run) on the terminal's progress bar. */
static int analyze_progress(void *user, const char *stage, double fraction, const char *message)
{
    (void)message;
    return gs_cli_progress_cb(user, stage, (int64_t)(fraction * 1000), 1000);
}

static void print_summary(const gs_analysis *a, const char *outdir)
{
    printf("gaitscope: %s, %s, %s view (confidence %.2f)\n", gs_gait_activity_name(a->activity),
           gs_gait_setting_name(a->setting), gs_gait_view_name(a->view.kind), a->view.confidence);
    for (size_t i = 0; i < gs_metric_count(); i++) {
        const gs_metric_info *mi = gs_metric_at(i);
        const gs_analysis_metric *m = mi->summary ? gs_analysis_metric_find(a, mi->key) : NULL;
        if (!m)
            continue;
        if (m->all.present)
            printf("  %-30s %7.1f %s (all)\n", m->key, m->all.mean, m->unit);
        else
            printf("  %-30s L %7.1f  R %7.1f %s\n", m->key, m->side[0].mean, m->side[1].mean,
                   m->unit);
    }
    for (int k = 0; k < a->n_findings && k < 3; k++)
        printf("  finding: %s (%s), severity %.2f, confidence %.2f\n", a->findings[k].title,
               a->findings[k].side, a->findings[k].severity, a->findings[k].confidence);
    if (a->n_findings == 0)
        printf("  no findings above the rules' thresholds\n");
    printf("gaitscope: report in %s/report.html\n", outdir);
}

int gs_cli_analyze(int argc, char **argv)
{
    analyze_args a;
    gs_error err = {0};
    gs_analyze_result *res = NULL;
    gs_analyze_options o = {0};
    gs_cli_progress prog;
    char rules_path[4096];

    int pr = parse_args(argc, argv, &a);
    if (pr == -2)
        return GS_EXIT_OK;
    if (pr != 0)
        return GS_EXIT_USAGE;
    if (!a.rules) {
        if (gs_cli_rules_path(rules_path, sizeof(rules_path), &err) != GS_OK)
            return gs_cli_report(&err);
        a.rules = rules_path;
    }
    o.models_dir = gs_cli_models_dir(a.models);
    o.model = a.model;
    o.n_threads = a.threads;
    o.rules_path = a.rules;
    o.history = a.history;
    if (a.view)
        gs_gait_view_parse(a.view, &o.view);
    o.height_m = a.height_m;
    o.belt_speed_m_s = a.belt_m_s;
    o.decode = a.dec;
    o.has_person = a.has_person;
    o.person_x = a.px;
    o.person_y = a.py;
    o.no_overlay = a.no_overlay;
    o.slow_copy = a.slow_copy;
    o.blur_faces = a.blur;
    o.force = a.force;
    o.generated_by = "gaitscope " GS_VERSION;
    gs_cli_progress_init(&prog, a.quiet);
    o.progress = analyze_progress;
    o.progress_user = &prog;

    gs_status rc = gs_analyze_run(a.video, a.outdir, &o, &res, &err);
    gs_cli_progress_done(&prog);
    if (res && res->analysis && !a.quiet)
        print_summary(res->analysis, a.outdir);
    gs_analyze_result_free(&res);
    return rc == GS_OK ? GS_EXIT_OK : gs_cli_report(&err);
}
