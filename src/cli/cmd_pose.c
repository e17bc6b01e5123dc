/* gaitscope pose VIDEO -o pose.json: BlazePose landmarks on every frame, whole-clip cleaned. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "opts.h"
#include "pose.h"

typedef struct pose_args {
    const char *video, *out, *preview;
    int every, force, quiet;
    gs_pose_options o;
} pose_args;

/* clang-format off */
static const gs_cli_opt pose_opts[] = {
    {.like = &gs_cli_opt_video, GS_CLI_AT(pose_args, video)},
    {.like = &gs_cli_opt_output, GS_CLI_AT(pose_args, out), .required = 1, .value = "POSE.json",
     .help = "the landmark track to write (gaitscope.pose/1)"},
    {.like = &gs_cli_opt_model, GS_CLI_AT(pose_args, o.model)},
    {.like = &gs_cli_opt_person, GS_CLI_AT(pose_args, o.person_x), GS_CLI_AT2(pose_args, o.person_y),
     GS_CLI_FLAG_AT(pose_args, o.has_person_point)},
    {.name = "--preview", .kind = GS_CLI_STR, GS_CLI_AT(pose_args, preview), .value = "DIR",
     .help = "write DIR/frame_NNNNNN.png with the skeleton every --every frames"},
    {.like = &gs_cli_opt_every, GS_CLI_AT(pose_args, every), .help = "preview every Nth frame"},
    {.like = &gs_cli_opt_start, GS_CLI_AT(pose_args, o.decode.start_s)},
    {.like = &gs_cli_opt_end, GS_CLI_AT(pose_args, o.decode.end_s)},
    {.like = &gs_cli_opt_slowmo, GS_CLI_AT(pose_args, o.decode.slowmo)},
    {.like = &gs_cli_opt_capture_fps, GS_CLI_AT(pose_args, o.decode.capture_fps)},
    {.like = &gs_cli_opt_threads, GS_CLI_AT(pose_args, o.n_threads), .help = "inference threads"},
    {.like = &gs_cli_opt_models, GS_CLI_AT(pose_args, o.model_dir)},
    {.like = &gs_cli_opt_force, GS_CLI_AT(pose_args, force)},
    {.like = &gs_cli_opt_quiet, GS_CLI_AT(pose_args, quiet)},
    {.name = "--no-clean", .kind = GS_CLI_FLAG, GS_CLI_AT(pose_args, o.no_clean),
     .help = "keep the raw landmarks (no swap fix, gap fill or smoothing)"},
};
/* clang-format on */

static const gs_cli_spec pose_spec = GS_CLI_SPEC(
    "pose", pose_args, pose_opts,
    "Finds the runner and writes 33 BlazePose landmarks per frame (gaitscope.pose/1). Without\n"
    "--person: the person stepping for longest, then the largest and most central.\n");

int gs_cli_pose(int argc, char **argv)
{
    pose_args a = {.every = 10, .o = {.model = "full", .n_threads = 2}};
    gs_pose_stats st;
    gs_pose_track *t = NULL;
    gs_error err = {0};
    gs_cli_progress prog;
    int code = GS_EXIT_OK;
    char models_dir[4096];
    int go = gs_cli_parse(&pose_spec, argc, argv, &a);
    if (go != GS_CLI_GO)
        return go;
    const char *path = a.video, *out = a.out, *preview = a.preview;
    const int every = a.every, force = a.force, quiet = a.quiet;
    gs_pose_options o = a.o;

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
    o.model_dir = gs_cli_models_dir(o.model_dir, models_dir, sizeof(models_dir));
    if (gs_cli_test_nudge(&o.test_nudge_px, &err) != GS_OK)
        return gs_cli_report(&err);
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
                "%.1f s, %lld landmark runs %.1f s, second looks on %lld frames, clean-up "
                "%.2f s; %d scene cuts); view %s, "
                "facing fixed %d, "
                "swaps fixed legs %d arms %d feet %d, glitches %d, lost feet interpolated on %d "
                "frames, gaps filled %d, stride %.2f Hz, "
                "low-pass %.1f Hz\n",
                out, (long long)st.frames, (long long)st.frames_with_person, t->person_rule,
                st.candidates, st.candidates == 1 ? "" : "s", t->model,
                st.wall_s > 0 ? (double)st.frames / st.wall_s : 0.0, st.wall_s, st.wait_s,
                (long long)st.detector_runs, st.detect_s, (long long)st.landmark_runs,
                st.landmark_s, (long long)st.recheck_frames, st.clean_s, st.cuts,
                st.clean.view == 1   ? "front"
                : st.clean.view == 2 ? "rear"
                                     : "side",
                st.clean.facing_fixed, st.clean.swap_fixed_legs, st.clean.swap_fixed_arms,
                st.clean.foot_swapped, st.clean.outliers, st.clean.foot_fixed, st.clean.gap_filled, st.clean.stride_hz, st.clean.cutoff_hz);
    {
        /* the landmark model struggled on the clip: the gait stage's notes say it too */
        char w[200];
        if (gs_pose_second_look_warning(t->second_looks, gs_pose_second_look_frames(t, NULL),
                                        t->model, w, sizeof(w)))
            fprintf(stderr, "gaitscope: %s: warning: %s\n", out, w);
    }
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
