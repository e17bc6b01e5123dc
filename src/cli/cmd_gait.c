/*
 * gaitscope gait POSE.json -o DIR: the gait stage on a landmark track. Writes DIR/analysis.json
 * (gait part, no findings yet), DIR/angles.csv (every angle per frame and side) and
 * DIR/events.csv. When the track is too short, has too few strides or an unknown view, the
 * partial result is still written and the command prints one line and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef GS_VERSION
#define GS_VERSION "0.0.0"
#endif

#include "analysis.h"
#include "calib.h"
#include "cli.h"
#include "gait.h"
#include "opts.h"
#include "pose.h"

typedef struct gait_args {
    const char *in, *dir;
    const char *calib, *scale_line;
    double slowmo, capture_fps;
    int force, quiet;
    gs_gait_options opt;
} gait_args;

/* clang-format off */
static const gs_cli_opt gait_opts[] = {
    {.kind = GS_CLI_ARG, GS_CLI_AT(gait_args, in), .required = 1, .value = "POSE.json",
     .help = "a landmark track (gaitscope.pose/1, from gaitscope pose or another tool)"},
    {.like = &gs_cli_opt_output, GS_CLI_AT(gait_args, dir), .required = 1},
    GS_CLI_GAIT_ROWS(gait_args, opt),
    {.name = "--calib", .kind = GS_CLI_STR, GS_CLI_AT(gait_args, calib), .value = "FILE",
     .help = "camera profile (gaitscope calibrate): landmarks undistorted before angles"},
    {.name = "--scale-line", .kind = GS_CLI_STR, GS_CLI_AT(gait_args, scale_line),
     .value = "X1,Y1,X2,Y2,M",
     .help = "a known distance in the frame: end points in video pixels, metres"},
    {.like = &gs_cli_opt_slowmo, GS_CLI_AT(gait_args, slowmo),
     .help = "the clip plays F times slower than real time (a track made without it)"},
    {.like = &gs_cli_opt_capture_fps, GS_CLI_AT(gait_args, capture_fps)},
    {.like = &gs_cli_opt_force, GS_CLI_AT(gait_args, force)},
    {.like = &gs_cli_opt_quiet, GS_CLI_AT(gait_args, quiet), .help = "no summary on stdout"},
};
/* clang-format on */

static const gs_cli_spec gait_spec = GS_CLI_SPEC(
    "gait", gait_args, gait_opts,
    "Joint angles, gait events, strides and metrics from a pose track (pose.json).\n"
    "Writes DIR/analysis.json, DIR/angles.csv and DIR/events.csv. Cadence is in steps per\n"
    "minute (both feet) everywhere.\n");

/* "calibration" and "scale"."line" in analysis.json through the one writer (src/analysis). */
static int add_calibration(cJSON *j, const gs_calib_profile *prof, const char *prof_path,
                           const gs_calib_scale_line *line)
{
    cJSON *pj = prof ? gs_calib_profile_to_json(prof) : NULL;
    const double lp[4] = {line ? line->x1 : 0, line ? line->y1 : 0, line ? line->x2 : 0,
                          line ? line->y2 : 0};
    int bad = (prof && !pj) ||
              gs_analysis_json_add_calibration(j, pj, prof_path, line ? lp : NULL,
                                               line ? line->metres : 0);
    cJSON_Delete(pj);
    return bad ? -1 : 0;
}

int gs_cli_gait(int argc, char **argv)
{
    gait_args a = {0};
    int exit_code = GS_EXIT_OK;
    gs_pose_track *t = NULL, *pic = NULL;
    gs_gait_result *r = NULL;
    gs_error err = {0}, werr = {0};
    gs_status rc;
    char paths[3][4096];
    static const char *const files[3] = {"analysis.json", "angles.csv", "events.csv"};

    int go = gs_cli_parse(&gait_spec, argc, argv, &a);
    if (go != GS_CLI_GO)
        return go;
    const char *in = a.in, *dir = a.dir;
    const int force = a.force, quiet = a.quiet;
    gs_gait_options opt = a.opt;
    if (opt.belt_speed_m_s > 0 && opt.setting == GS_GAIT_SETTING_UNKNOWN)
        opt.setting = GS_GAIT_SETTING_TREADMILL; /* a belt speed says it is a treadmill */

    gs_calib_scale_line line;
    gs_calib_profile prof;
    if (a.scale_line && gs_calib_scale_line_parse(a.scale_line, &line, &err) != GS_OK)
        return gs_cli_usage_error("%s", err.msg);
    if (a.calib && gs_calib_profile_read(a.calib, &prof, &err) != GS_OK)
        return gs_cli_report(&err);
    rc = gs_pose_json_read(in, &t, &err); /* before the folder: a typo must not create it */
    if (rc != GS_OK)
        return gs_cli_report(&err);
    rc = gs_pose_track_set_time_scale(t, a.slowmo, a.capture_fps, in, &err);
    if (rc != GS_OK) {
        gs_pose_track_free(&t);
        return gs_cli_report(&err);
    }
    if (a.calib) {
        /* points, not frames: pose.json keeps the pixels of the frames as decoded; the gait
         * stage judges feet out of the picture on those (gs_gait_options.picture) */
        rc = gs_pose_track_copy(t, &pic, &err);
        if (rc == GS_OK) {
            opt.picture = pic;
            rc = gs_calib_undistort_track(t, &prof, a.calib, NULL, &err);
        }
        if (rc != GS_OK) {
            gs_pose_track_free(&t);
            gs_pose_track_free(&pic);
            return gs_cli_report(&err);
        }
    }
    if (a.scale_line) {
        gs_calib_scale sc;
        rc = gs_calib_scale_from_line(&line, t->width, t->height, a.calib ? &prof : NULL, 0, &sc,
                                      &err);
        if (rc != GS_OK) {
            gs_pose_track_free(&t);
            gs_pose_track_free(&pic);
            return gs_cli_report(&err);
        }
        opt.line_px_per_m = sc.px_per_m;
        opt.line_uncertainty = sc.uncertainty;
    }
    opt.name = in;
    /* the landmark model struggled on the clip: said on stderr too (also in the notes) when
     * there are results; a failed run's one error line says what to do */
    char struggled[200];
    int warn = gs_pose_second_look_warning(t->second_looks, gs_pose_second_look_frames(t, NULL),
                                           t->model, struggled, sizeof(struggled));
    rc = gs_gait_analyze(t, &opt, &r, &err);
    if (rc == GS_OK && warn)
        fprintf(stderr, "gaitscope: %s: warning: %s\n", in, struggled);
    gs_pose_track_free(&t);
    gs_pose_track_free(&pic);
    if (!r)
        return gs_cli_report(&err);
    /* Write whatever there is, even for a partial result (DESIGN.md "Bad input and errors"),
     * under the output policy (common.h gs_outdir): the CSVs first, analysis.json last with
     * its status. */
    {
        gs_outdir *od = NULL;
        cJSON *j = NULL;
        char *txt = NULL;
        gs_status wrc = gs_outdir_open(dir, "gait", files, 3, force, &od, &werr);
        if (wrc == GS_OK)
            wrc = gs_outdir_stage(od, files[1], paths[1], sizeof(paths[1]), &werr);
        if (wrc == GS_OK)
            wrc = gs_gait_write_angles_csv(paths[1], r, &werr);
        if (wrc == GS_OK)
            wrc = gs_outdir_commit(od, files[1], &werr);
        if (wrc == GS_OK)
            wrc = gs_outdir_stage(od, files[2], paths[2], sizeof(paths[2]), &werr);
        if (wrc == GS_OK)
            wrc = gs_gait_write_events_csv(paths[2], r, &werr);
        if (wrc == GS_OK)
            wrc = gs_outdir_commit(od, files[2], &werr);
        if (wrc == GS_OK && (!(j = gs_gait_result_to_json(r)) ||
                             add_calibration(j, a.calib ? &prof : NULL, a.calib,
                                             a.scale_line ? &line : NULL) ||
                             gs_analysis_json_finish(j, rc == GS_OK, rc == GS_OK ? NULL : err.msg,
                                                     "gaitscope " GS_VERSION) ||
                             !(txt = cJSON_Print(j))))
            wrc = gs_fail(&werr, GS_ERR_NOMEM, "%s: out of memory", dir);
        if (wrc == GS_OK)
            wrc = gs_outdir_stage(od, files[0], paths[0], sizeof(paths[0]), &werr);
        if (wrc == GS_OK)
            wrc = gs_file_write_all(paths[0], txt, strlen(txt), &werr);
        if (wrc == GS_OK)
            wrc = gs_outdir_commit(od, files[0], &werr);
        cJSON_free(txt);
        cJSON_Delete(j);
        gs_outdir_close(&od);
        if (wrc != GS_OK) {
            gs_gait_result_free(&r);
            return gs_cli_report(&werr);
        }
        for (int k = 0; k < 3; k++)
            snprintf(paths[k], sizeof(paths[k]), "%s/%s", dir, files[k]);
    }
    if (!quiet) {
        gs_gait_view v = gs_gait_result_view(r);
        const gs_gait_stride *st;
        int nst, used[2] = {0, 0};
        double cad = 0, sd, gct[2] = {0, 0};
        int n;
        st = gs_gait_result_strides(r, &nst);
        for (int i = 0; i < nst; i++)
            used[st[i].side] += st[i].used;
        printf("gait: %s view (confidence %.2f), %s, %s; strides used L %d R %d",
               gs_gait_view_name(v.kind), v.confidence,
               gs_gait_result_activity(r) == GS_GAIT_ACTIVITY_RUN    ? "running"
               : gs_gait_result_activity(r) == GS_GAIT_ACTIVITY_WALK ? "walking"
                                                                     : "activity unknown",
               gs_gait_result_setting(r) == GS_GAIT_SETTING_TREADMILL ? "treadmill" : "overground",
               used[0], used[1]);
        if (gs_gait_result_metric(r, "cadence_spm", -1, &cad, &sd, &n))
            printf("; cadence %.1f steps/min", cad);
        if (gs_gait_result_metric(r, "ground_contact_ms", 0, &gct[0], &sd, &n) &&
            gs_gait_result_metric(r, "ground_contact_ms", 1, &gct[1], &sd, &n))
            printf("; ground contact L %.0f ms R %.0f ms", gct[0], gct[1]);
        printf("\nwrote %s, %s, %s\n", paths[0], paths[1], paths[2]);
    }
    gs_gait_result_free(&r);
    if (rc != GS_OK)
        exit_code = gs_cli_report(&err);
    return exit_code;
}
