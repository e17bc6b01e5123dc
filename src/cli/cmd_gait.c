/*
 * gaitscope gait POSE.json -o DIR: the gait stage on a landmark track. Writes DIR/analysis.json
 * (gait part, no findings yet), DIR/angles.csv (every angle per frame and side) and
 * DIR/events.csv. When the track is too short, has too few strides or an unknown view, the
 * partial result is still written and the command prints one line and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gait.h"
#include "pose.h"

static const char gait_usage[] =
    "usage: gaitscope gait POSE.json -o DIR [--view side-left|side-right|rear|front]\n"
    "                      [--height M] [--belt-speed M_S] [--activity run|walk]\n"
    "                      [--setting treadmill|overground] [--force] [--quiet]\n"
    "Joint angles, gait events, strides and metrics from a pose track (pose.json).\n"
    "Writes DIR/analysis.json, DIR/angles.csv and DIR/events.csv.\n"
    "  -o DIR          output folder (created if missing)\n"
    "  --view V        camera view instead of detecting it; side-left = the camera sees the\n"
    "                  person's left side (they face image-left)\n"
    "  --height M      body height in metres: lengths in cm (else in leg lengths, _ll keys)\n"
    "  --belt-speed S  treadmill belt speed in m/s: step/stride length and speed\n"
    "  --activity A    run or walk instead of detecting it (duty factor > 0.5 = walk)\n"
    "  --setting S     treadmill or overground instead of detecting it\n"
    "  --force         overwrite existing output files\n"
    "  --quiet         no summary on stdout\n"
    "Cadence is in steps per minute (both feet) everywhere.\n";

static int parse_view(const char *s, gs_gait_view_kind *v)
{
    if (!strcmp(s, "side-left"))
        *v = GS_VIEW_SIDE_LEFT;
    else if (!strcmp(s, "side-right"))
        *v = GS_VIEW_SIDE_RIGHT;
    else if (!strcmp(s, "rear"))
        *v = GS_VIEW_REAR;
    else if (!strcmp(s, "front"))
        *v = GS_VIEW_FRONT;
    else
        return -1;
    return 0;
}

static const char *view_text(gs_gait_view_kind k)
{
    static const char *const names[] = {"unknown", "side-left", "side-right", "rear", "front"};
    return (int)k >= 0 && (int)k <= 4 ? names[k] : "unknown";
}

int gs_cli_gait(int argc, char **argv)
{
    const char *in = NULL, *dir = NULL;
    int force = 0, quiet = 0, exit_code = GS_EXIT_OK;
    gs_gait_options opt;
    gs_pose_track *t = NULL;
    gs_gait_result *r = NULL;
    gs_error err = {0}, werr = {0};
    gs_status rc;
    char paths[3][4096];
    static const char *const files[3] = {"analysis.json", "angles.csv", "events.csv"};

    memset(&opt, 0, sizeof(opt));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(gait_usage, stdout);
            return GS_EXIT_OK;
        } else if (!strcmp(a, "--force")) {
            force = 1;
        } else if (!strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--view") || !strcmp(a, "--height") ||
                   !strcmp(a, "--belt-speed") || !strcmp(a, "--activity") ||
                   !strcmp(a, "--setting")) {
            if (!v)
                return gs_cli_usage_error("gait: %s needs a value (see gaitscope gait --help)", a);
            i++;
            if (!strcmp(a, "-o")) {
                dir = v;
            } else if (!strcmp(a, "--view")) {
                if (parse_view(v, &opt.view) != 0)
                    return gs_cli_usage_error(
                        "gait: --view: expected side-left, side-right, rear or front, got '%s'", v);
            } else if (!strcmp(a, "--height")) {
                if (gs_cli_parse_double("--height", v, &opt.height_m) != 0)
                    return GS_EXIT_USAGE;
                if (opt.height_m < 0.5 || opt.height_m > 2.6)
                    return gs_cli_usage_error("gait: --height: %s m is not a body height", v);
            } else if (!strcmp(a, "--belt-speed")) {
                if (gs_cli_parse_double("--belt-speed", v, &opt.belt_speed_m_s) != 0)
                    return GS_EXIT_USAGE;
                if (opt.belt_speed_m_s <= 0 || opt.belt_speed_m_s > 12)
                    return gs_cli_usage_error("gait: --belt-speed: %s m/s is out of range", v);
            } else if (!strcmp(a, "--activity")) {
                if (!strcmp(v, "run"))
                    opt.activity = GS_ACTIVITY_RUN;
                else if (!strcmp(v, "walk"))
                    opt.activity = GS_ACTIVITY_WALK;
                else
                    return gs_cli_usage_error("gait: --activity: expected run or walk, got '%s'",
                                              v);
            } else {
                if (!strcmp(v, "treadmill"))
                    opt.setting = GS_SETTING_TREADMILL;
                else if (!strcmp(v, "overground"))
                    opt.setting = GS_SETTING_OVERGROUND;
                else
                    return gs_cli_usage_error(
                        "gait: --setting: expected treadmill or overground, got '%s'", v);
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            return gs_cli_usage_error("gait: unknown option '%s' (see gaitscope gait --help)", a);
        } else if (!in) {
            in = a;
        } else {
            return gs_cli_usage_error("gait: more than one input ('%s' and '%s')", in, a);
        }
    }
    if (!in || !dir)
        return gs_cli_usage_error("gait: usage: gaitscope gait POSE.json -o DIR (see --help)");
    if (opt.belt_speed_m_s > 0 && opt.setting == GS_SETTING_UNKNOWN)
        opt.setting = GS_SETTING_TREADMILL; /* a belt speed says it is a treadmill */

    for (int k = 0; k < 3; k++) {
        int n = snprintf(paths[k], sizeof(paths[k]), "%s/%s", dir, files[k]);
        if (n < 0 || (size_t)n >= sizeof(paths[k])) {
            gs_fail(&err, GS_ERR_ARG, "%s: output path too long", dir);
            return gs_cli_report(&err);
        }
        if (!force && gs_path_exists(paths[k])) {
            gs_fail(&err, GS_ERR_EXISTS, "%s: exists (use --force to overwrite)", paths[k]);
            return gs_cli_report(&err);
        }
    }
    rc = gs_pose_json_read(in, &t, &err);
    if (rc != GS_OK)
        return gs_cli_report(&err);
    opt.name = in;
    rc = gs_gait_analyze(t, &opt, &r, &err);
    gs_pose_track_free(&t);
    if (!r)
        return gs_cli_report(&err);
    /* Write whatever there is, even for a partial result (DESIGN.md "Bad input and errors"). */
    if (gs_mkdir_p(dir, &werr) != GS_OK || gs_gait_write_analysis_json(paths[0], r, &werr) != GS_OK ||
        gs_gait_write_angles_csv(paths[1], r, &werr) != GS_OK ||
        gs_gait_write_events_csv(paths[2], r, &werr) != GS_OK) {
        gs_gait_result_free(&r);
        return gs_cli_report(&werr);
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
               view_text(v.kind), v.confidence,
               gs_gait_result_activity(r) == GS_ACTIVITY_RUN    ? "running"
               : gs_gait_result_activity(r) == GS_ACTIVITY_WALK ? "walking"
                                                                : "activity unknown",
               gs_gait_result_setting(r) == GS_SETTING_TREADMILL ? "treadmill" : "overground",
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
