/*
 * gaitscope serve, JSON API: comparisons of two sessions (made by the workers' compare jobs),
 * re-runs of a session's analysis with changed options, and the zip downloads (docs/api.md).
 * Every id is looked up under the bearer's account: another account's ids are 404 like
 * unknown ones (store.h).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "serve_compare.h"
#include "serve_http_impl.h"

/* comparison.html as the API serves it: nothing in it may run (it has no script anyway). */
#define COMPARISON_HTML_CSP                                                                \
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "       \
    "media-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
#define FILE_CSP "sandbox; default-src 'none'"
/* comparison.json read into the comparison's answer (two 5-s clips: ~60 kB). */
#define COMPARISON_JSON_MAX ((size_t)16 << 20)

static cJSON *comparison_json(gs_serve *s, gs_store *st, const char *account,
                              const gs_store_comparison *cmp, int with_result)
{
    gs_store_job j;
    char dir[PATH_MAX], path[PATH_MAX + 32];
    struct stat sb;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "id", cmp->id);
    cJSON_AddStringToObject(o, "athlete", cmp->athlete);
    cJSON_AddStringToObject(o, "before", cmp->before);
    cJSON_AddStringToObject(o, "after", cmp->after);
    cJSON *opts = cJSON_Parse(cmp->options_json);
    cJSON_AddItemToObject(o, "options", opts ? opts : cJSON_CreateObject());
    cJSON_AddNumberToObject(o, "created", (double)cmp->created);
    cJSON_AddStringToObject(o, "job", cmp->job);
    int done = 0;
    if (gs_store_job_get(st, account, cmp->job, &j, NULL) == GS_OK) {
        cJSON_AddStringToObject(o, "status", gs_store_job_status_name(j.status));
        cJSON_AddNumberToObject(o, "progress", j.progress);
        if (j.error[0])
            cJSON_AddStringToObject(o, "error", j.error);
        done = j.status == GS_STORE_JOB_DONE;
    }
    cJSON *files = cJSON_AddArrayToObject(o, "files");
    if (!done) /* computing (again): the folder's files are not this job's */
        return o;
    if (gs_store_comparison_path(gs_serve__dir(s), cmp->id, dir, sizeof(dir), NULL) != GS_OK)
        return o;
    for (int i = 0; files && i < GS_SERVE__N_COMPARISON_FILES; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, gs_serve__comparison_file_name(i));
        if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode))
            cJSON_AddItemToArray(files, cJSON_CreateString(gs_serve__comparison_file_name(i)));
    }
    if (with_result && done) {
        uint8_t *data = NULL;
        size_t len = 0;
        snprintf(path, sizeof(path), "%s/comparison.json", dir);
        if (gs_file_read_max(path, COMPARISON_JSON_MAX, &data, &len, NULL) == GS_OK) {
            cJSON *r = cJSON_ParseWithLength((const char *)data, len);
            if (r)
                cJSON_AddItemToObject(o, "comparison", r);
        }
        free(data);
    }
    return o;
}

/* GET: the athlete's comparisons; POST {before, after, force?}: a new one. */
static enum MHD_Result h_comparisons(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_error e = {0};
    char msg[GS_SERVE__MSG];
    int status;
    if (q->route.method == GS_SERVE__POST) {
        static const char *const keys[] = {"before", "after", "force", NULL};
        const char *before, *after;
        gs_store_session sb;
        gs_store_athlete ath;
        gs_store_id cid;
        gs_store_comparison cmp;
        cJSON *o = gs_serve__json_object(q->body, q->body_len, keys, &status, msg, sizeof(msg));
        if (!o)
            return gs_serve__reply_error(c, (unsigned)status, msg);
        const cJSON *force = cJSON_GetObjectItemCaseSensitive(o, "force");
        if ((status = gs_serve__json_string(o, "before", &before, msg, sizeof(msg))) == 0 &&
            (status = gs_serve__json_string(o, "after", &after, msg, sizeof(msg))) == 0 && force &&
            !cJSON_IsBool(force))
            status = 400, snprintf(msg, sizeof(msg), "force: needs true or false");
        if (status) {
            cJSON_Delete(o);
            return gs_serve__reply_error(c, (unsigned)status, msg);
        }
        /* both sessions are this athlete's (the store checks they are one athlete's) */
        gs_status rc = gs_store_athlete_get(st, q->account, q->route.rid, &ath, &e);
        if (rc == GS_OK)
            rc = gs_store_session_get(st, q->account, before, &sb, &e);
        if (rc != GS_OK) {
            cJSON_Delete(o);
            return gs_serve__reply_store_error(q->srv, c, rc, &e,
                                               rc == GS_ERR_NOT_FOUND ? "athlete or session"
                                                                      : "session");
        }
        if (strcmp(sb.athlete, q->route.rid) != 0) {
            cJSON_Delete(o);
            return gs_serve__reply_error(c, 400, "before is another athlete's session");
        }
        status = gs_serve__comparison_new(q->srv, st, q->account, before, after,
                                          cJSON_IsTrue(force), cid, msg, sizeof(msg));
        cJSON_Delete(o);
        if (status)
            return gs_serve__reply_error(c, (unsigned)status, msg);
        rc = gs_store_comparison_get(st, q->account, cid, &cmp, &e);
        if (rc != GS_OK)
            return gs_serve__reply_store_error(q->srv, c, rc, &e, "comparison");
        return gs_serve__reply_json(c, 201, comparison_json(q->srv, st, q->account, &cmp, 0));
    }
    gs_store_comparison *cl = NULL;
    size_t n = 0;
    gs_status rc = gs_store_comparison_list(st, q->account, q->route.rid, NULL, &cl, &n, &e);
    if (rc == GS_OK)
        rc = gs_serve__access(q->srv, st, c, q->account, q->user, q->route.rid, NULL,
                              "comparisons", q->addr);
    if (rc != GS_OK)
        return gs_serve__reply_store_error(q->srv, c, rc, &e, "athlete");
    cJSON *r = cJSON_CreateObject(), *arr = r ? cJSON_AddArrayToObject(r, "comparisons") : NULL;
    for (size_t i = 0; arr && i < n; i++)
        cJSON_AddItemToArray(arr, comparison_json(q->srv, st, q->account, &cl[i], 0));
    free(cl);
    return gs_serve__reply_json(c, 200, r);
}

static enum MHD_Result h_comparison(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_error e = {0};
    gs_store_comparison cmp;
    gs_status rc = gs_store_comparison_get(st, q->account, q->route.rid, &cmp, &e);
    if (rc == GS_OK && q->route.method != GS_SERVE__DELETE)
        rc = gs_serve__access(q->srv, st, c, q->account, q->user, cmp.athlete, NULL,
                              q->route.id == GS_SERVE__R_COMPARISON_FILE ? "comparison file"
                                                                        : "comparison",
                              q->addr);
    if (rc != GS_OK)
        return gs_serve__reply_store_error(q->srv, c, rc, &e, "comparison");
    if (q->route.method == GS_SERVE__DELETE) {
        rc = gs_serve__comparison_remove(q->srv, st, q->account, cmp.id, &e);
        if (rc != GS_OK)
            return gs_serve__reply_store_error(q->srv, c, rc, &e, "comparison");
        return gs_serve__reply_json(c, 204, NULL);
    }
    if (q->route.id == GS_SERVE__R_COMPARISON_FILE) {
        char dir[PATH_MAX], path[PATH_MAX + 32];
        int i = q->route.file;
        if (!gs_serve__comparison_current(st, q->account, &cmp))
            return gs_serve__reply_error(c, 404,
                                         "the comparison is not computed (yet: see its "
                                         "status; it is computed again after a re-run "
                                         "of one of its sessions)");
        if (gs_store_comparison_path(gs_serve__dir(q->srv), cmp.id, dir, sizeof(dir), &e) != GS_OK)
            return gs_serve__reply_error(c, 404, "no such file");
        snprintf(path, sizeof(path), "%s/%s", dir, gs_serve__comparison_file_name(i));
        return (enum MHD_Result)gs_serve__send_path(
            c, path, gs_serve__comparison_file_type(i), i == 0 ? COMPARISON_HTML_CSP : FILE_CSP,
            "the comparison has no such file (yet: see its status)");
    }
    return gs_serve__reply_json(c, 200, comparison_json(q->srv, st, q->account, &cmp, 1));
}

/* POST {options...}: the session's options with these changed (null removes one), analysed
 * again. Or the same as multipart/form-data text fields with an edited events.csv as the file
 * field "events" (events_detected=1 instead removes the session's edited events). */
static enum MHD_Result h_rerun(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_error e = {0};
    gs_store_session ss;
    gs_store_id job;
    char msg[GS_SERVE__MSG];
    gs_status rc = gs_store_session_get(st, q->account, q->route.rid, &ss, &e);
    if (rc != GS_OK)
        return gs_serve__reply_store_error(q->srv, c, rc, &e, "session");
    gs_serve__form form = {0};
    cJSON *body = NULL;
    if (gs_serve__is_multipart(c)) {
        int fst = gs_serve__form_parse(c, q->body, q->body_len, "events", GS_STORE_EVENTS_MAX_BYTES,
                                       &form, msg, sizeof(msg));
        body = fst ? NULL : cJSON_CreateObject();
        for (int i = 0; body && i < form.n; i++) {
            if (!strcmp(form.key[i], "events_detected")) {
                if (strcmp(form.val[i] ? form.val[i] : "", "1") != 0) {
                    fst = 400, snprintf(msg, sizeof(msg), "events_detected: needs 1");
                    break;
                }
                cJSON_AddNullToObject(body, "events");
            } else {
                cJSON_AddStringToObject(body, form.key[i], form.val[i] ? form.val[i] : "");
            }
        }
        if (fst) {
            cJSON_Delete(body);
            gs_serve__form_free(&form);
            return gs_serve__reply_error(c, (unsigned)fst, msg);
        }
    } else {
        body = q->body_len ? cJSON_ParseWithLength(q->body, q->body_len) : cJSON_CreateObject();
    }
    if (!cJSON_IsObject(body)) {
        cJSON_Delete(body);
        gs_serve__form_free(&form);
        return gs_serve__reply_error(c, 400, "the body must be a JSON object of options");
    }
    cJSON *opts = cJSON_Parse(ss.options_json);
    if (!cJSON_IsObject(opts)) {
        cJSON_Delete(opts);
        opts = cJSON_CreateObject();
    }
    const cJSON *v;
    cJSON_ArrayForEach(v, body)
    {
        cJSON_DeleteItemFromObjectCaseSensitive(opts, v->string);
        if (!cJSON_IsNull(v))
            cJSON_AddItemToObject(opts, v->string, cJSON_Duplicate(v, 1));
    }
    cJSON_Delete(body);
    int status = gs_serve__session_rerun(q->srv, st, q->account, ss.id, opts, form.file,
                                         form.file_len, job, msg, sizeof(msg));
    cJSON_Delete(opts);
    gs_serve__form_free(&form);
    if (status)
        return gs_serve__reply_error(c, (unsigned)status, msg);
    cJSON *r = cJSON_CreateObject();
    if (r) {
        cJSON_AddStringToObject(r, "session", ss.id);
        cJSON_AddStringToObject(r, "job", job);
    }
    return gs_serve__reply_json(c, 202, r);
}

static enum MHD_Result h_download(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_serve__download d;
    gs_error e = {0};
    int athlete = q->route.id == GS_SERVE__R_ATHLETE_EXPORT;
    gs_store_session ss;
    gs_store_athlete a;
    char msg[GS_SERVE__MSG], retry[16];
    gs_status rc = athlete ? gs_store_athlete_get(st, q->account, q->route.rid, &a, &e)
                           : gs_store_session_get(st, q->account, q->route.rid, &ss, &e);
    if (rc != GS_OK)
        return gs_serve__reply_store_error(q->srv, c, rc, &e, athlete ? "athlete" : "session");
    /* a slot before anything is written (docs/api.md "Limits") */
    int refused = gs_serve__export_slot(q->srv, q->account, &d, msg, sizeof(msg));
    if (refused) {
        snprintf(retry, sizeof(retry), "%d", GS_SERVE__EXPORT_RETRY_S);
        return gs_serve__reply_error_h(c, (unsigned)refused, msg, MHD_HTTP_HEADER_RETRY_AFTER,
                                       retry);
    }
    /* the access log first: health data is not handed out unlogged */
    rc = gs_serve__access(q->srv, st, c, q->account, q->user, athlete ? a.id : ss.athlete,
                          athlete ? NULL : ss.id, athlete ? "athlete export" : "session zip",
                          q->addr);
    if (rc == GS_OK)
        rc = athlete ? gs_serve__export_athlete(q->srv, st, q->account, q->route.rid, &d, &e)
                     : gs_serve__export_session(q->srv, st, q->account, q->route.rid, &d, &e);
    if (rc == GS_OK)
        return (enum MHD_Result)gs_serve__send_download(c, &d);
    gs_serve__export_release(&d);
    if (d.nospace)
        return gs_serve__reply_error(c, 507, e.msg);
    if (rc == GS_ERR_NOT_FOUND && !athlete && e.msg[0] && strstr(e.msg, "no results"))
        return gs_serve__reply_error(c, 404, e.msg);
    if (rc == GS_ERR_IO && e.msg[0] && !strncmp(e.msg, "zip: ", 5)) {
        /* the archive, not the database: a disk error writing DIR/tmp */
        gs_serve__logf(q->srv, 2, "download: %s", e.msg);
        return gs_serve__reply_error(c, 500, "the download could not be prepared; try again");
    }
    if (rc != GS_ERR_NOT_FOUND && rc != GS_ERR_IO)
        gs_serve__logf(q->srv, 2, "download: %s", e.msg);
    return gs_serve__reply_store_error(q->srv, c, rc, &e, athlete ? "athlete" : "session");
}

enum MHD_Result gs_serve__api_compare(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    switch (q->route.id) {
    case GS_SERVE__R_SESSION_RERUN:
        return h_rerun(q, c, st);
    case GS_SERVE__R_SESSION_ZIP:
    case GS_SERVE__R_ATHLETE_EXPORT:
        return h_download(q, c, st);
    case GS_SERVE__R_ATHLETE_COMPARISONS:
        return h_comparisons(q, c, st);
    case GS_SERVE__R_COMPARISON:
    case GS_SERVE__R_COMPARISON_FILE:
        return h_comparison(q, c, st);
    default:
        return gs_serve__reply_error(c, 404, "no such route");
    }
}
