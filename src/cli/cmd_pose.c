/* gaitscope pose VIDEO -o pose.json: BlazePose landmarks on every frame, whole-clip cleaned. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pose.h"

static const char pose_usage[] =
    "usage: gaitscope pose VIDEO -o POSE.json [--model lite|full|heavy] [--person X,Y]\n"
    "                      [--preview DIR [--every N]] [--start S] [--end S] [--slowmo F]\n"
    "                      [--threads N] [--models DIR] [--no-clean] [--force] [--quiet]\n"
    "Finds the runner and writes 33 BlazePose landmarks per frame (gaitscope.pose/1).\n"
    "  --model     landmark model (default full)\n"
    "  --person    a point (pixels) on the wanted person in the first frame they are seen;\n"
    "              default: the person stepping for longest, then the largest and most central\n"
    "  --preview   write DIR/frame_NNNNNN.png every N frames (default 10) with the skeleton\n"
    "  --slowmo    the clip plays F times slower than real time\n"
    "  --threads   inference threads (default 2)\n"
    "  --models    folder of pose_detection.tflite and pose_landmark_*.tflite (default:\n"
    "              $GAITSCOPE_MODELS, else the source tree's models/)\n"
    "  --no-clean  keep the raw landmarks (no swap fix, gap fill or smoothing)\n";

static int parse_point(const char *s, float *x, float *y)
{
    char *end = NULL;
    double a = strtod(s, &end);
    if (end == s || *end != ',')
        return -1;
    const char *p = end + 1;
    double b = strtod(p, &end);
    if (end == p || *end != '\0' || !(a >= 0) || !(b >= 0))
        return -1;
    *x = (float)a;
    *y = (float)b;
    return 0;
}

int gs_cli_pose(int argc, char **argv)
{
    const char *path = NULL, *out = NULL, *preview = NULL;
    int every = 10, force = 0, quiet = 0, n_threads = 2;
    gs_pose_options o = {0};
    gs_pose_stats st;
    gs_pose_track *t = NULL;
    gs_error err = {0};
    gs_cli_progress prog;
    int code = GS_EXIT_OK;

    o.model = "full";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(pose_usage, stdout);
            return GS_EXIT_OK;
        } else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(a, "--model") && i + 1 < argc) {
            o.model = argv[++i];
            if (strcmp(o.model, "lite") && strcmp(o.model, "full") && strcmp(o.model, "heavy"))
                return gs_cli_usage_error("--model: expected lite, full or heavy, got '%s'",
                                          o.model);
        } else if (!strcmp(a, "--person") && i + 1 < argc) {
            if (parse_point(argv[++i], &o.person_x, &o.person_y))
                return gs_cli_usage_error("--person: expected X,Y in pixels, got '%s'", argv[i]);
            o.has_person_point = 1;
        } else if (!strcmp(a, "--preview") && i + 1 < argc) {
            preview = argv[++i];
        } else if (!strcmp(a, "--every") && i + 1 < argc) {
            if (gs_cli_parse_int(a, argv[++i], &every))
                return GS_EXIT_USAGE;
            if (every < 1)
                return gs_cli_usage_error("--every: must be >= 1");
        } else if (!strcmp(a, "--start") && i + 1 < argc) {
            if (gs_cli_parse_double(a, argv[++i], &o.decode.start_s))
                return GS_EXIT_USAGE;
            if (o.decode.start_s < 0)
                return gs_cli_usage_error("--start: must be >= 0 seconds");
        } else if (!strcmp(a, "--end") && i + 1 < argc) {
            if (gs_cli_parse_double(a, argv[++i], &o.decode.end_s))
                return GS_EXIT_USAGE;
            if (o.decode.end_s <= 0)
                return gs_cli_usage_error("--end: must be > 0 seconds");
        } else if (!strcmp(a, "--slowmo") && i + 1 < argc) {
            if (gs_cli_parse_double(a, argv[++i], &o.decode.slowmo))
                return GS_EXIT_USAGE;
            if (o.decode.slowmo < 1)
                return gs_cli_usage_error("--slowmo: must be >= 1 (times slower than real)");
        } else if (!strcmp(a, "--threads") && i + 1 < argc) {
            if (gs_cli_parse_int(a, argv[++i], &n_threads))
                return GS_EXIT_USAGE;
            if (n_threads < 1 || n_threads > 64)
                return gs_cli_usage_error("--threads: must be 1..64");
        } else if (!strcmp(a, "--models") && i + 1 < argc) {
            o.model_dir = argv[++i];
        } else if (!strcmp(a, "--no-clean")) {
            o.no_clean = 1;
        } else if (!strcmp(a, "--force")) {
            force = 1;
        } else if (!strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            return gs_cli_usage_error("pose: unknown option '%s' (see gaitscope pose --help)", a);
        } else if (!path) {
            path = a;
        } else {
            return gs_cli_usage_error("pose: more than one video given");
        }
    }
    if (!path || !out)
        return gs_cli_usage_error("pose: need VIDEO and -o POSE.json (see gaitscope pose --help)");
    if (o.decode.end_s > 0 && o.decode.end_s <= o.decode.start_s)
        return gs_cli_usage_error("pose: --end must be after --start");
    if (!force && gs_path_exists(out)) {
        gs_fail(&err, GS_ERR_EXISTS, "%s: output exists (use --force to overwrite)", out);
        return gs_cli_report(&err);
    }
    if (preview && !force) {
        char first[4200];
        snprintf(first, sizeof(first), "%s/frame_%06d.png", preview, 0);
        if (gs_path_exists(first)) {
            gs_fail(&err, GS_ERR_EXISTS, "%s: output exists (use --force to overwrite)", preview);
            return gs_cli_report(&err);
        }
    }
    o.model_dir = gs_cli_models_dir(o.model_dir);
    o.n_threads = n_threads;
    gs_cli_progress_init(&prog, quiet);
    o.progress = gs_cli_progress_cb;
    o.progress_user = &prog;

    gs_status rc = gs_pose_track_video(path, &o, &t, &st, &err);
    gs_cli_progress_done(&prog);
    if (rc != GS_OK && !t)
        return gs_cli_report(&err);
    gs_error werr = {0};
    if (gs_pose_json_write(out, t, &werr) != GS_OK) {
        code = gs_cli_report(&werr);
        goto done;
    }
    if (!quiet)
        fprintf(stderr,
                "gaitscope: %s: %lld frames, person on %lld (%s; %d candidate%s), model %s, "
                "%.1f frames/s (%.1f s: waiting for decoded frames %.1f s, %lld detector runs "
                "%.1f s, %lld landmark runs %.1f s, clean-up %.2f s; %d scene cuts); view %s, "
                "facing fixed %d, "
                "swaps fixed legs %d arms %d, glitches %d, gaps filled %d, stride %.2f Hz, "
                "low-pass %.1f Hz\n",
                out, (long long)st.frames, (long long)st.frames_with_person, t->person_rule,
                st.candidates, st.candidates == 1 ? "" : "s", t->model,
                st.wall_s > 0 ? (double)st.frames / st.wall_s : 0.0, st.wall_s, st.wait_s,
                (long long)st.detector_runs, st.detect_s, (long long)st.landmark_runs,
                st.landmark_s, st.clean_s, st.cuts,
                st.clean.view == 1   ? "front"
                : st.clean.view == 2 ? "rear"
                                     : "side",
                st.clean.facing_fixed, st.clean.swap_fixed_legs, st.clean.swap_fixed_arms,
                st.clean.outliers, st.clean.gap_filled, st.clean.stride_hz, st.clean.cutoff_hz);
    if (!quiet && st.candidates > 1)
        for (int i = 0; i < st.candidates && i < 8; i++) {
            const gs_pose_person_summary *ps = &st.people[i];
            fprintf(stderr,
                    "gaitscope:   person %d%s: frames %d-%d (%d), stepping %.1f s, size %.2f, "
                    "central %.2f\n",
                    i, i == st.chosen ? " (chosen)" : "", ps->first_frame, ps->last_frame,
                    ps->frames, ps->gait_s, ps->size, ps->central);
        }
    if (preview) {
        int n = 0;
        if (gs_pose_preview_write(path, t, preview, every, &o.decode, &n, &werr) != GS_OK) {
            code = gs_cli_report(&werr);
            goto done;
        }
        if (!quiet)
            fprintf(stderr, "gaitscope: %s: %d preview PNGs\n", preview, n);
    }
    if (rc != GS_OK)
        code = gs_cli_report(&err); /* e.g. person lost for most of the clip: partial file */
done:
    gs_pose_track_free(&t);
    return code;
}
