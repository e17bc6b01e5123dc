/*
 * gaitscope analyze VIDEO -o DIR: the whole pipeline. Decode + BlazePose tracking -> pose.json;
 * gait kinematics -> analysis.json, angles.csv, events.csv, metrics.csv, pose.trc; compensation
 * findings (NKT test plan); second decoding pass -> overlay.mp4 and key frames; report.html.
 * Failures after the track exists (too few strides, ...) still write what is meaningful and a
 * report that says what went wrong, then exit 1.
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

#include <cjson/cJSON.h>

#include "cli.h"
#include "gait.h"
#include "nkt.h"
#include "pose.h"
#include "report.h"

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

static gs_gait_view_kind view_kind(const char *v)
{
    if (!v)
        return GS_VIEW_UNKNOWN;
    return !strcmp(v, "side-left")    ? GS_VIEW_SIDE_LEFT
           : !strcmp(v, "side-right") ? GS_VIEW_SIDE_RIGHT
           : !strcmp(v, "rear")       ? GS_VIEW_REAR
                                      : GS_VIEW_FRONT;
}

static void join(char *buf, size_t n, const char *dir, const char *name)
{
    snprintf(buf, n, "%s/%s", dir, name);
}

/* Writes analysis.json (pretty) with cJSON; GS_ERR_IO / GS_ERR_NOMEM. */
static gs_status write_json(const char *path, const cJSON *o, gs_error *err)
{
    char *s = cJSON_Print(o);
    if (!s)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", path);
    gs_status rc = gs_file_write_all(path, s, strlen(s), err);
    cJSON_free(s);
    return rc;
}

static void add_warning(cJSON *analysis, const char *text)
{
    cJSON *w = cJSON_GetObjectItemCaseSensitive(analysis, "warnings");
    if (!w)
        w = cJSON_AddArrayToObject(analysis, "warnings");
    if (w)
        cJSON_AddItemToArray(w, cJSON_CreateString(text));
}

/* report.html with links to what exists in outdir (relative, so the folder can be moved). */
static gs_status write_report(const char *outdir, const char *video, const cJSON *analysis,
                              const gs_keyframe *kf, int nkf, int with_overlay, gs_error *err)
{
    char path[4200], sheet[4200];
    const char *hrefs[6], *caps[6];
    char capbuf[6][96];
    gs_report_html_options o = {0};
    const char *base = strrchr(video, '/');
    o.title = base ? base + 1 : video;
    o.generated_by = "gaitscope " GS_VERSION;
    o.overlay_href = with_overlay ? "overlay.mp4" : NULL;
    for (int i = 0; i < nkf && i < 6; i++) {
        const char *rel = strstr(kf[i].path, "keyframes/");
        hrefs[i] = rel ? rel : kf[i].path;
        snprintf(capbuf[i], sizeof(capbuf[i]), "%s %s", kf[i].side == GS_SIDE_LEFT ? "Left" : "Right",
                 kf[i].phase);
        caps[i] = capbuf[i];
    }
    o.keyframe_hrefs = nkf > 0 ? hrefs : NULL;
    o.keyframe_captions = nkf > 0 ? caps : NULL;
    o.n_keyframes = nkf < 6 ? nkf : 6;
    join(sheet, sizeof(sheet), outdir, "keyframes/contact_sheet.png");
    o.contact_sheet_href = nkf > 0 && gs_path_exists(sheet) ? "keyframes/contact_sheet.png" : NULL;
    join(path, sizeof(path), outdir, "report.html");
    return gs_report_write_html(path, analysis, &o, err);
}

/*
 * When nothing could be analysed: analysis.json holding only the format and the error, and a
 * report saying what went wrong. Best effort: the caller reports the original error.
 */
static void write_error_outputs(const char *outdir, const char *video, const char *msg)
{
    char path[4200];
    gs_error ignored;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return;
    cJSON_AddStringToObject(o, "format", "gaitscope.analysis/1");
    cJSON_AddStringToObject(o, "error", msg);
    join(path, sizeof(path), outdir, "analysis.json");
    write_json(path, o, &ignored);
    write_report(outdir, video, o, NULL, 0, 0, &ignored);
    cJSON_Delete(o);
}

static void print_summary(const cJSON *analysis, const char *outdir)
{
    const cJSON *view = cJSON_GetObjectItemCaseSensitive(analysis, "view");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(analysis, "metrics");
    printf("gaitscope: %s, %s, %s view (confidence %.2f)\n",
           cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(analysis, "activity")),
           cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(analysis, "setting")),
           cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(view, "kind")),
           cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(view, "confidence")));
    static const char *keys[] = {"cadence_spm",          "ground_contact_ms",
                                 "knee_flexion_ic_deg",  "knee_flexion_peak_stance_deg",
                                 "hip_extension_peak_deg", "foot_strike_angle_deg",
                                 "overstride_deg",       "trunk_lean_deg",
                                 "pelvic_drop_deg",      "knee_fppa_deg"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(m, keys[i]);
        if (!k)
            continue;
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(k, "left");
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(k, "right");
        const cJSON *all = cJSON_GetObjectItemCaseSensitive(k, "all");
        const char *unit = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(k, "unit"));
        if (all)
            printf("  %-30s %7.1f %s (all)\n", keys[i],
                   cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(all, "mean")),
                   unit ? unit : "");
        else
            printf("  %-30s L %7.1f  R %7.1f %s\n", keys[i],
                   cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(l, "mean")),
                   cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(r, "mean")),
                   unit ? unit : "");
    }
    const cJSON *fs = cJSON_GetObjectItemCaseSensitive(analysis, "findings"), *f;
    int k = 0;
    cJSON_ArrayForEach(f, fs)
    {
        if (k++ >= 3)
            break;
        printf("  finding: %s (%s), severity %.2f, confidence %.2f\n",
               cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "title")),
               cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "side")),
               cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(f, "severity")),
               cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(f, "confidence")));
    }
    if (k == 0)
        printf("  no findings above the rules' thresholds\n");
    printf("gaitscope: report in %s/report.html\n", outdir);
}

int gs_cli_analyze(int argc, char **argv)
{
    analyze_args a;
    gs_error err = {0}, ferr = {0};
    gs_pose_track *track = NULL;
    gs_gait_result *g = NULL;
    gs_nkt_rules *rules = NULL;
    gs_nkt_history *hist = NULL;
    cJSON *analysis = NULL;
    gs_cli_progress prog;
    char path[4200], rules_path[4096];
    int code = GS_EXIT_OK, failed = 0, nkf = 0;
    gs_keyframe kf[6];
    gs_status rc;

    int pr = parse_args(argc, argv, &a);
    if (pr == -2)
        return GS_EXIT_OK;
    if (pr != 0)
        return GS_EXIT_USAGE;

    /* Inputs that can be checked before minutes of inference. */
    if (a.history && gs_nkt_history_parse(a.history, &hist, &err) != GS_OK)
        return gs_cli_report(&err);
    if (!a.rules) {
        char exe[4096];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        exe[n > 0 ? n : 0] = '\0';
        if (gs_nkt_rules_default_path(n > 0 ? exe : NULL, rules_path, sizeof(rules_path), &err) !=
            GS_OK) {
            code = gs_cli_report(&err);
            goto done;
        }
        a.rules = rules_path;
    }
    if (gs_nkt_rules_load(a.rules, &rules, &err) != GS_OK) {
        code = gs_cli_report(&err);
        goto done;
    }
    join(path, sizeof(path), a.outdir, "analysis.json");
    if (!a.force && gs_path_exists(path)) {
        gs_fail(&err, GS_ERR_EXISTS, "%s: output exists (use --force to overwrite)", a.outdir);
        code = gs_cli_report(&err);
        goto done;
    }
    if (gs_mkdir_p(a.outdir, &err) != GS_OK) {
        code = gs_cli_report(&err);
        goto done;
    }

    /* 1. pose */
    gs_pose_options po = {0};
    po.model = a.model;
    po.model_dir = gs_cli_models_dir(a.models);
    po.n_threads = a.threads;
    po.decode = a.dec;
    po.has_person_point = a.has_person;
    po.person_x = a.px;
    po.person_y = a.py;
    gs_cli_progress_init(&prog, a.quiet);
    po.progress = gs_cli_progress_cb;
    po.progress_user = &prog;
    gs_pose_stats ps;
    double t_start = gs_now_s();
    rc = gs_pose_track_video(a.video, &po, &track, &ps, &err);
    gs_cli_progress_done(&prog);
    double t_pose = gs_now_s() - t_start;
    if (rc != GS_OK && !track) {
        /* Nothing to analyse; still leave an analysis.json and a report that say why. */
        write_error_outputs(a.outdir, a.video, err.msg);
        code = gs_cli_report(&err);
        goto done;
    }
    if (rc != GS_OK) {
        failed = 1; /* partial track: keep going, report the problem at the end */
        ferr = err;
    }
    join(path, sizeof(path), a.outdir, "pose.json");
    if (gs_pose_json_write(path, track, &err) != GS_OK) {
        code = gs_cli_report(&err);
        goto done;
    }

    /* 2. gait */
    gs_gait_options go = {0};
    go.view = view_kind(a.view);
    go.height_m = a.height_m;
    go.belt_speed_m_s = a.belt_m_s;
    go.name = a.video;
    rc = gs_gait_analyze(track, &go, &g, &err);
    if (rc != GS_OK && !g) {
        write_error_outputs(a.outdir, a.video, err.msg);
        code = gs_cli_report(&err);
        goto done;
    }
    if (rc != GS_OK && !failed) {
        failed = 1;
        ferr = err;
    }
    analysis = gs_gait_result_to_json(g);
    if (!analysis) {
        gs_fail(&err, GS_ERR_NOMEM, "%s: out of memory", a.video);
        code = gs_cli_report(&err);
        goto done;
    }
    if (failed)
        cJSON_AddStringToObject(analysis, "error", ferr.msg);
    cJSON *src = cJSON_GetObjectItemCaseSensitive(analysis, "source");
    if (src) {
        const char *base = strrchr(a.video, '/');
        cJSON_AddStringToObject(src, "video", base ? base + 1 : a.video);
        cJSON_AddStringToObject(src, "model", a.model);
        cJSON_AddStringToObject(src, "person_rule", track->person_rule);
        cJSON_AddNumberToObject(src, "frames_with_person", (double)ps.frames_with_person);
    }

    /* 3. findings; per-stride leg visibility first, so poorly seen strides weigh less */
    {
        static const int legs[2][5] = {{23, 25, 27, 29, 31}, {24, 26, 28, 30, 32}};
        size_t n = (size_t)track->n_frames;
        double *tv = malloc(3 * (n ? n : 1) * sizeof(double));
        if (tv && n > 0) {
            for (size_t f = 0; f < n; f++) {
                const gs_pose_frame *fr = &track->frames[f];
                tv[f] = fr->t_s;
                for (int s = 0; s < 2; s++) {
                    double v = 0;
                    for (int k = 0; k < 5 && fr->has_kp; k++)
                        v += fr->kp[legs[s][k]].vis / 5.0;
                    tv[(size_t)(1 + s) * n + f] = v;
                }
            }
            if (gs_nkt_annotate_visibility(analysis, tv, tv + n, tv + 2 * n, n, &err) != GS_OK)
                add_warning(analysis, err.msg);
        }
        free(tv);
    }
    cJSON *findings = NULL, *skipped = NULL;
    if (gs_nkt_evaluate(rules, analysis, hist, &findings, &skipped, &err) == GS_OK) {
        cJSON_AddItemToObject(analysis, "findings", findings);
        cJSON_AddItemToObject(analysis, "findings_skipped", skipped);
    } else {
        add_warning(analysis, err.msg);
        cJSON_AddItemToObject(analysis, "findings", cJSON_CreateArray());
    }

    /* 4. files */
    join(path, sizeof(path), a.outdir, "angles.csv");
    if ((rc = gs_gait_write_angles_csv(path, g, &err)) == GS_OK) {
        join(path, sizeof(path), a.outdir, "events.csv");
        rc = gs_gait_write_events_csv(path, g, &err);
    }
    if (rc == GS_OK) {
        join(path, sizeof(path), a.outdir, "metrics.csv");
        rc = gs_export_metrics_csv(path, analysis, &err);
    }
    if (rc != GS_OK) {
        code = gs_cli_report(&err);
        goto done;
    }
    {
        /* OpenSim wants metres: from --height, else an assumed 1.70 m body whose hip-to-ankle
         * length is 0.491 of height (Winter, Biomechanics and Motor Control of Human
         * Movement, 4th ed. 2009, segment lengths: thigh 0.245 H + leg 0.246 H). */
        const cJSON *sc = cJSON_GetObjectItemCaseSensitive(analysis, "scale");
        double ppm = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sc, "px_per_m"));
        double llpx = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sc, "leg_length_px"));
        if (!(ppm > 0) && llpx > 0) {
            ppm = llpx / (0.491 * 1.70);
            add_warning(analysis, "pose.trc: no --height, metres assume a 1.70 m body height");
        }
        gs_gait_view v = gs_gait_result_view(g);
        double gx, gy, gang;
        gs_gait_result_ground(g, &gx, &gy, &gang);
        join(path, sizeof(path), a.outdir, "pose.trc");
        if (ppm > 0 && gs_export_trc(path, track, ppm, v.facing, gang, 0, &err) != GS_OK)
            add_warning(analysis, err.msg);
    }

    /* 5. overlay + key frames (second decoding pass) */
    nkf = gs_keyframes_choose(g, track, kf, 6);
    char kdir[4200], sheet[4200], ovl[4200];
    join(kdir, sizeof(kdir), a.outdir, "keyframes");
    join(sheet, sizeof(sheet), a.outdir, "keyframes/contact_sheet.png");
    join(ovl, sizeof(ovl), a.outdir, "overlay.mp4");
    double t_ovl0 = gs_now_s();
    if (!a.no_overlay || nkf > 0) {
        gs_overlay_options oo = {0};
        oo.overlay_path = a.no_overlay ? NULL : ovl;
        oo.slow_copy = a.slow_copy;
        oo.blur_faces = a.blur;
        oo.decode = a.dec;
        oo.keyframes = nkf > 0 ? kf : NULL;
        oo.n_keyframes = nkf;
        oo.keyframe_dir = kdir;
        oo.contact_sheet_path = nkf > 0 ? sheet : NULL;
        oo.progress = gs_cli_progress_cb;
        oo.progress_user = &prog;
        rc = gs_overlay_render(a.video, track, g,
                               cJSON_GetObjectItemCaseSensitive(analysis, "findings"), &oo, &err);
        gs_cli_progress_done(&prog);
        if (rc != GS_OK) {
            code = gs_cli_report(&err);
            goto done;
        }
    }
    double t_ovl = gs_now_s() - t_ovl0;
    cJSON *timing = cJSON_AddObjectToObject(analysis, "timing");
    if (timing) {
        cJSON_AddNumberToObject(timing, "pose_s", t_pose);
        cJSON_AddNumberToObject(timing, "overlay_s", t_ovl);
        cJSON_AddNumberToObject(timing, "pose_fps", t_pose > 0 ? (double)ps.frames / t_pose : 0);
    }
    cJSON *kfj = cJSON_AddArrayToObject(analysis, "keyframes");
    for (int i = 0; kfj && i < nkf; i++) {
        cJSON *o = cJSON_CreateObject();
        const char *rel = strstr(kf[i].path, "keyframes/");
        cJSON_AddStringToObject(o, "file", rel ? rel : kf[i].path);
        cJSON_AddStringToObject(o, "side", kf[i].side == GS_SIDE_LEFT ? "left" : "right");
        cJSON_AddStringToObject(o, "phase", kf[i].phase);
        cJSON_AddNumberToObject(o, "frame", (double)kf[i].frame);
        cJSON_AddNumberToObject(o, "t", track->frames[kf[i].frame].t_s);
        cJSON_AddItemToArray(kfj, o);
    }

    /* 6. analysis.json, report */
    join(path, sizeof(path), a.outdir, "analysis.json");
    if (write_json(path, analysis, &err) != GS_OK ||
        write_report(a.outdir, a.video, analysis, kf, nkf, !a.no_overlay, &err) != GS_OK) {
        code = gs_cli_report(&err);
        goto done;
    }
    if (!a.quiet)
        print_summary(analysis, a.outdir);
    if (failed)
        code = gs_cli_report(&ferr);
done:
    cJSON_Delete(analysis);
    gs_gait_result_free(&g);
    gs_pose_track_free(&track);
    gs_nkt_rules_free(&rules);
    gs_nkt_history_free(&hist);
    return code;
}
