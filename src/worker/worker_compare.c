/*
 * The comparison a compare job computes: the same library calls as `gaitscope compare` on two
 * analysed session folders (src/compare: minimal-change gate, Holm-corrected permutation tests,
 * SPM of the curves, findings resolved / persisting / new), plus the side-by-side clip, which
 * decodes both overlay clips and encodes a new one. That decoding and encoding is why a
 * comparison is a worker job and never runs in the server's process (issue 15: no video is
 * decoded in the web server).
 */
#include "worker_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "compare.h"

gs_status gs_worker__compare_options_parse(const char *options_json,
                                           gs_worker_compare_options *out, gs_error *err)
{
    cJSON *root;
    const cJSON *v;
    gs_status rc = GS_OK;
    memset(out, 0, sizeof(*out));
    if (!options_json || !options_json[0])
        return GS_OK;
    root = cJSON_Parse(options_json);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return gs_fail(err, GS_ERR_FORMAT, "comparison options: not a JSON object");
    }
    cJSON_ArrayForEach(v, root)
    {
        const char *k = v->string ? v->string : "";
        if (!strcmp(k, "force")) {
            if (!cJSON_IsBool(v)) {
                rc = gs_fail(err, GS_ERR_ARG, "comparison options: force: needs true or false");
                break;
            }
            out->force = cJSON_IsTrue(v);
        } else {
            rc = gs_fail(err, GS_ERR_ARG, "comparison options: unknown option '%.40s'", k);
            break;
        }
    }
    cJSON_Delete(root);
    return rc;
}

/* Whether the folder's analysis.json is a done analysis ("status": "done"; any other status is
 * a failed run's partial outputs): the server's test (src/serve gs_serve__analysis_done) before
 * it queued the job, made again here since the folder can change in between. GS_OK with the
 * parsed file in *doc (the caller's, for gs_compare_input_open_json: the file is parsed once,
 * about 5 ms of CPU for a 447 kB analysis.json), or GS_ERR_NOT_FOUND saying why in the server's
 * words, naming the session by which (no path), *doc NULL. */
static gs_status analysis_done(const char *dir, const char *which, cJSON **doc, gs_error *err)
{
    char path[4200];
    uint8_t *data = NULL;
    size_t len = 0;
    int exists, done = 0;
    *doc = NULL;
    snprintf(path, sizeof(path), "%s/analysis.json", dir);
    exists = gs_path_exists(path);
    if (exists && gs_file_read_max(path, (size_t)64 << 20, &data, &len, NULL) == GS_OK) {
        cJSON *a = cJSON_ParseWithLength((const char *)data, len);
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(a, "status");
        done = cJSON_IsString(st) && !strcmp(st->valuestring, "done");
        if (done)
            *doc = a;
        else
            cJSON_Delete(a);
        free(data);
    }
    if (done)
        return GS_OK;
    return gs_fail(err, GS_ERR_NOT_FOUND, "the %s session cannot be compared: %s", which,
                   exists ? "its analysis failed, its results are incomplete (re-run it first)"
                          : "it has no finished analysis yet");
}

gs_status gs_worker__compare_write(const char *before_dir, const char *after_dir,
                                   const char *before_label, const char *after_label,
                                   const char *out_dir, const gs_worker_compare_options *opt,
                                   const char *generated_by, gs_progress_fn progress,
                                   void *progress_user, gs_error *err)
{
    gs_compare_mc *mc = NULL;
    gs_compare_input *in[2] = {NULL, NULL};
    cJSON *doc[2] = {NULL, NULL};
    gs_comparison *c = NULL;
    gs_compare_options co = {0};
    gs_compare_output_info info = {0};
    char mc_path[4096], path[4200], why[600] = "";
    int with_video = 1;
    gs_status rc;

    rc = analysis_done(before_dir, "before", &doc[0], err);
    if (rc == GS_OK)
        rc = analysis_done(after_dir, "after", &doc[1], err);
    if (rc == GS_OK && mkdir(out_dir, 0755) != 0)
        rc = gs_fail(err, GS_ERR_IO, "%s: cannot create the folder", out_dir);
    if (rc != GS_OK) {
        cJSON_Delete(doc[0]);
        cJSON_Delete(doc[1]);
        return rc;
    }
    rc = gs_data_path("models/minimal_change.json", mc_path, sizeof(mc_path), err);
    if (rc == GS_OK)
        rc = gs_compare_mc_load_default_keys(mc_path, &mc, err);
    if (rc == GS_OK)
        rc = gs_compare_input_open_json(before_dir, &doc[0], &in[0], err);
    if (rc == GS_OK)
        rc = gs_compare_input_open_json(after_dir, &doc[1], &in[1], err);
    if (rc != GS_OK)
        goto done;
    /* The sessions as the outputs name them: labels, never the server's folders (the
     * session structs are plain borrowed views, so a copy can carry another name). */
    gs_compare_session ses[2] = {*gs_compare_input_session(in[0]),
                                 *gs_compare_input_session(in[1])};
    ses[0].path = ses[0].clip = before_label; /* the clip's file name is the upload's id */
    ses[1].path = ses[1].clip = after_label;
    co.force = opt ? opt->force : 0;
    rc = gs_compare_run(&ses[0], &ses[1], mc, &co, &c, err);
    if (rc != GS_OK)
        goto done;
    for (int k = 0; k < 2 && with_video; k++)
        if (!ses[k].overlay_path) {
            snprintf(why, sizeof(why), "the %s session has no overlay clip",
                     k ? "AFTER" : "BEFORE");
            with_video = 0;
        }
    if (with_video) {
        gs_compare_video_options vo = {0};
        gs_error verr = {0};
        vo.progress = progress;
        vo.progress_user = progress_user;
        snprintf(path, sizeof(path), "%s/side_by_side.mp4", out_dir);
        gs_status vrc = gs_compare_side_by_side(&ses[0], &ses[1], c, path, &vo, NULL, &verr);
        if (vrc == GS_ERR_CANCELLED) {
            rc = gs_fail(err, vrc, "stopped");
            goto done;
        }
        if (vrc != GS_OK) {
            /* the numbers stand without the clip: say why it is missing (as the CLI) */
            remove(path);
            snprintf(why, sizeof(why), "the side-by-side clip could not be made");
            with_video = 0;
        }
    }
    info.generated_by = generated_by;
    info.mc_path = "models/minimal_change.json"; /* never a server path in an output */
    info.mc_version = gs_compare_mc_version(mc);
    info.side_by_side_file = with_video ? "side_by_side.mp4" : NULL;
    info.side_by_side_why = with_video ? NULL : why;
    snprintf(path, sizeof(path), "%s/comparison.html", out_dir);
    rc = gs_comparison_write_html(path, c, &info, err);
    if (rc == GS_OK) {
        snprintf(path, sizeof(path), "%s/comparison.json", out_dir);
        rc = gs_comparison_write_json(path, c, &info, err);
    }
done:
    cJSON_Delete(doc[0]); /* when an earlier step failed */
    cJSON_Delete(doc[1]);
    gs_comparison_free(&c);
    gs_compare_input_free(&in[0]);
    gs_compare_input_free(&in[1]);
    gs_compare_mc_free(&mc);
    return rc;
}
