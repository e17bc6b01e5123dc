/*
 * gaitscope findings ANALYSIS.json: the therapist's NKT test plan.
 *
 * Prints, for each finding (most severe x most certain first), the evidence, the candidate
 * inhibited and overworking muscles, the ordered muscle tests and the homework. Uses the
 * findings stored in analysis.json, or evaluates the rules (src/nkt) when there are none yet or
 * when --rules / --history / --evaluate ask for a fresh evaluation.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "analysis.h"
#include "cli.h"
#include "nkt.h"
#include "opts.h"
#include "pose.h"

typedef struct findings_args {
    const char *path, *rules_path, *history, *write_path, *pose_path;
    int json, want_skipped, force, evaluate;
} findings_args;

/* clang-format off */
static const gs_cli_opt findings_opts[] = {
    {.kind = GS_CLI_ARG, GS_CLI_AT(findings_args, path), .required = 1, .value = "ANALYSIS.json",
     .help = "an analysis (gaitscope.analysis/1) from gaitscope analyze or gaitscope gait"},
    {.like = &gs_cli_opt_rules, GS_CLI_AT(findings_args, rules_path),
     GS_CLI_FLAG_AT(findings_args, evaluate)},
    {.like = &gs_cli_opt_history, GS_CLI_AT(findings_args, history),
     GS_CLI_FLAG_AT(findings_args, evaluate)},
    {.name = "--pose", .kind = GS_CLI_STR, GS_CLI_AT(findings_args, pose_path),
     GS_CLI_FLAG_AT(findings_args, evaluate), .value = "FILE",
     .help = "pose.json of the clip: per-stride landmark visibility lowers the confidence of "
             "findings from poorly seen strides (default: the pose.json named in ANALYSIS.json "
             "or next to it, when present)"},
    {.name = "--evaluate", .kind = GS_CLI_FLAG, GS_CLI_AT(findings_args, evaluate),
     .help = "evaluate the rules even if ANALYSIS.json already has findings (implied by "
             "--rules, --history and --pose)"},
    {.name = "--json", .kind = GS_CLI_FLAG, GS_CLI_AT(findings_args, json),
     .help = "print the findings array as JSON instead of the plan"},
    {.name = "--skipped", .kind = GS_CLI_FLAG, GS_CLI_AT(findings_args, want_skipped),
     .help = "also list the rules that could not be evaluated, and why"},
    {.name = "--write", .kind = GS_CLI_STR, GS_CLI_AT(findings_args, write_path),
     .value = "OUT.json", .help = "write ANALYSIS.json with these findings to OUT.json"},
    {.like = &gs_cli_opt_force, GS_CLI_AT(findings_args, force),
     .help = "overwrite an existing OUT.json"},
};
/* clang-format on */

static const gs_cli_spec findings_spec = GS_CLI_SPEC(
    "findings", findings_args, findings_opts,
    "Prints the NKT test plan: for each finding (highest severity x confidence first) its\n"
    "evidence, candidate inhibited and overworking muscles, the muscle tests in order and\n"
    "homework. Findings are hypotheses to test, not a diagnosis.\n");

/*
 * Reads ANALYSIS.json through the analysis reader, so a file with a missing or malformed
 * required key (metrics, events, strides, view) is refused naming the key instead of giving "No
 * findings" as for a healthy clip; *out is the whole document (caller deletes it) or NULL.
 */
static gs_status read_analysis(const char *path, cJSON **out, gs_error *err)
{
    gs_analysis *a = NULL;
    gs_status rc = gs_analysis_read(path, &a, err);
    *out = NULL;
    if (rc != GS_OK)
        return rc;
    *out = a->json;
    a->json = NULL;
    gs_analysis_free(&a);
    return GS_OK;
}

/* Leg landmarks whose visibility counts for a side: hip, knee, ankle, heel, foot index
 * (BlazePose indices, left = even offsets below, right = +1). */
static const int leg_kp[5] = {GS_KP_LEFT_HIP, GS_KP_LEFT_KNEE, GS_KP_LEFT_ANKLE, GS_KP_LEFT_HEEL,
                              GS_KP_LEFT_FOOT_INDEX};

/* Reads pose_path and adds per-stride visibility to analysis (gs_nkt_annotate_visibility). */
static gs_status add_visibility(cJSON *analysis, const char *pose_path, gs_error *err)
{
    gs_pose_track *t = NULL;
    double *tt = NULL, *vl = NULL, *vr = NULL;
    gs_status rc = gs_pose_json_read(pose_path, &t, err);
    size_t n;
    if (rc != GS_OK)
        return rc;
    n = t->n_frames > 0 ? (size_t)t->n_frames : 0;
    if (n == 0) {
        rc = gs_fail(err, GS_ERR_FORMAT, "%s: no frames", pose_path);
        goto done;
    }
    tt = malloc(n * sizeof(double));
    vl = malloc(n * sizeof(double));
    vr = malloc(n * sizeof(double));
    if (!tt || !vl || !vr) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", pose_path);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const gs_pose_frame *f = &t->frames[i];
        double sl = 0, sr = 0;
        tt[i] = f->t_s;
        for (int k = 0; k < 5 && f->has_kp; k++) {
            sl += f->kp[leg_kp[k]].vis;
            sr += f->kp[leg_kp[k] + 1].vis;
        }
        vl[i] = f->has_kp ? sl / 5 : 0.0;
        vr[i] = f->has_kp ? sr / 5 : 0.0;
    }
    rc = gs_nkt_annotate_visibility(analysis, tt, vl, vr, n, err);
done:
    free(tt);
    free(vl);
    free(vr);
    gs_pose_track_free(&t);
    return rc;
}

/* The pose.json of an analysis: the name in "source"."pose" as given or next to the analysis
 * file, else pose.json next to it (gaitscope analyze writes both into one folder). */
static int find_pose(const cJSON *analysis, const char *analysis_path, char *buf, size_t n)
{
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(analysis, "source");
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(src, "pose"));
    const char *slash = strrchr(analysis_path, '/');
    int dl = slash ? (int)(slash - analysis_path) : 0;
    size_t nl = name ? strlen(name) : 0;
    if (nl < 5 || strcmp(name + nl - 5, ".json") != 0)
        name = NULL; /* "source"."pose" may name the video when analyze ran the pipeline */
    if (name && gs_path_exists(name)) {
        snprintf(buf, n, "%s", name);
        return 1;
    }
    if (name) {
        const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
        snprintf(buf, n, "%.*s%s%s", dl, analysis_path, slash ? "/" : "", base);
        if (gs_path_exists(buf))
            return 1;
    }
    snprintf(buf, n, "%.*s%spose.json", dl, analysis_path, slash ? "/" : "");
    return gs_path_exists(buf);
}

int gs_cli_findings(int argc, char **argv)
{
    findings_args a = {0};
    char pose_buf[PATH_MAX];
    int rc_exit = GS_EXIT_ERROR;
    gs_error err = {0};
    cJSON *analysis = NULL, *findings = NULL, *skipped = NULL;
    gs_nkt_rules *rules = NULL;
    gs_nkt_history *hist = NULL;
    char *text = NULL, *out = NULL;
    char def[PATH_MAX + 64];
    const cJSON *stored;
    gs_status rc;

    int go = gs_cli_parse(&findings_spec, argc, argv, &a);
    if (go != GS_CLI_GO)
        return go;
    const char *path = a.path, *rules_path = a.rules_path, *history = a.history;
    const char *write_path = a.write_path, *pose_path = a.pose_path;
    const int json = a.json, want_skipped = a.want_skipped;
    int evaluate = a.evaluate;

    if (history) { /* its syntax was checked with the command line (opts.c) */
        rc = gs_nkt_history_parse(history, &hist, &err);
        if (rc != GS_OK) {
            rc_exit = gs_cli_report(&err);
            goto done;
        }
    }
    if (write_path && !a.force && gs_path_exists(write_path)) {
        gs_fail(&err, GS_ERR_EXISTS, "%s: output exists (use --force to overwrite)", write_path);
        rc_exit = gs_cli_report(&err);
        goto done;
    }
    rc = read_analysis(path, &analysis, &err);
    if (rc != GS_OK) {
        rc_exit = gs_cli_report(&err);
        goto done;
    }
    stored = cJSON_GetObjectItemCaseSensitive(analysis, "findings");
    if (!cJSON_IsArray(stored))
        evaluate = 1;
    if (want_skipped)
        evaluate = 1; /* the reasons exist only for a fresh evaluation */

    if (evaluate) {
        if (!rules_path) {
            rc = gs_cli_rules_path(def, sizeof(def), &err);
            if (rc != GS_OK) {
                rc_exit = gs_cli_report(&err);
                goto done;
            }
            rules_path = def;
        }
        rc = gs_nkt_rules_load(rules_path, &rules, &err);
        if (rc != GS_OK) {
            rc_exit = gs_cli_report(&err);
            goto done;
        }
        if (!pose_path && find_pose(analysis, path, pose_buf, sizeof(pose_buf)))
            pose_path = pose_buf;
        if (pose_path) {
            rc = add_visibility(analysis, pose_path, &err);
            if (rc != GS_OK) {
                rc_exit = gs_cli_report(&err);
                goto done;
            }
        }
        rc = gs_nkt_evaluate(rules, analysis, hist, &findings, &skipped, &err);
        if (rc != GS_OK) {
            char msg[sizeof(err.msg)];
            snprintf(msg, sizeof(msg), "%s", err.msg);
            gs_fail(&err, rc, "%s: %s", path, msg);
            rc_exit = gs_cli_report(&err);
            goto done;
        }
    } else {
        findings = cJSON_Duplicate(stored, 1);
        if (!findings) {
            gs_fail(&err, GS_ERR_NOMEM, "%s: out of memory", path);
            rc_exit = gs_cli_report(&err);
            goto done;
        }
    }

    if (json) {
        out = cJSON_Print(findings);
        if (!out) {
            gs_fail(&err, GS_ERR_NOMEM, "%s: out of memory", path);
            rc_exit = gs_cli_report(&err);
            goto done;
        }
        printf("%s\n", out);
    } else {
        rc = gs_nkt_plan_format(findings, &text, &err);
        if (rc != GS_OK) {
            char msg[sizeof(err.msg)];
            snprintf(msg, sizeof(msg), "%s", err.msg);
            gs_fail(&err, rc, "%s: %s", path, msg);
            rc_exit = gs_cli_report(&err);
            goto done;
        }
        if (evaluate)
            printf("Rules: %s%s%s; landmark visibility: %s\n", rules_path,
                   history ? "; intake: " : "", history ? history : "",
                   pose_path ? pose_path : "not used (no pose.json)");
        fputs(text, stdout);
    }
    if (want_skipped && skipped) {
        printf("\nNot evaluated:\n");
        for (const cJSON *s = skipped->child; s; s = s->next)
            printf("  %-28s %s\n",
                   cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "rule")),
                   cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "reason")));
    }
    if (write_path) {
        char *doc;
        cJSON_DeleteItemFromObjectCaseSensitive(analysis, "findings");
        if (!cJSON_AddItemReferenceToObject(analysis, "findings", findings)) {
            gs_fail(&err, GS_ERR_NOMEM, "%s: out of memory", write_path);
            rc_exit = gs_cli_report(&err);
            goto done;
        }
        doc = cJSON_Print(analysis);
        if (!doc) {
            gs_fail(&err, GS_ERR_NOMEM, "%s: out of memory", write_path);
            rc_exit = gs_cli_report(&err);
            goto done;
        }
        rc = gs_file_write_all(write_path, doc, strlen(doc), &err);
        cJSON_free(doc);
        if (rc != GS_OK) {
            rc_exit = gs_cli_report(&err);
            goto done;
        }
    }
    rc_exit = GS_EXIT_OK;
done:
    free(text);
    cJSON_free(out);
    cJSON_Delete(skipped);
    cJSON_Delete(analysis); /* the findings reference (if any) is not freed with it */
    cJSON_Delete(findings);
    gs_nkt_rules_free(&rules);
    gs_nkt_history_free(&hist);
    return rc_exit;
}
