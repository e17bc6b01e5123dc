/*
 * gaitscope serve: comparisons and re-runs as the pages and the API both ask for them. The
 * server records the request (a compare job, or a new analysis job of the session) and the
 * workers do the work; nothing here reads a video.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "serve_compare.h"

/* Removes a comparison's folder: its files only (a worker writes no sub-folders there). */
static void remove_folder(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[PATH_MAX];
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            if (snprintf(p, sizeof(p), "%s/%s", dir, e->d_name) < (int)sizeof(p))
                unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

static int has_analysis(gs_serve *s, const char *session)
{
    char dir[PATH_MAX], path[PATH_MAX + 32];
    struct stat sb;
    if (gs_store_session_path(gs_serve__dir(s), session, dir, sizeof(dir), NULL) != GS_OK)
        return 0;
    snprintf(path, sizeof(path), "%s/analysis.json", dir);
    return lstat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* A store status as an HTTP status and message. */
static int store_status(gs_serve *s, gs_status rc, const gs_error *e, const char *what,
                        char *msg, size_t n)
{
    switch (rc) {
    case GS_ERR_NOT_FOUND:
        snprintf(msg, n, "no such %s", what);
        return 404;
    case GS_ERR_ARG:
        snprintf(msg, n, "%s", e->msg[0] ? e->msg : "invalid field");
        return 400;
    case GS_ERR_IO:
        gs_serve__log(s, 2, e->msg);
        snprintf(msg, n, "the server's database cannot be reached; try again");
        return 503;
    default:
        gs_serve__log(s, 2, e->msg);
        snprintf(msg, n, "the server could not reach its records; try again");
        return 500;
    }
}

int gs_serve__comparison_new(gs_serve *s, gs_store *st, const char *account, const char *before,
                             const char *after, int force, gs_store_id cid, char *msg, size_t n)
{
    gs_error e = {0};
    gs_store_session ss[2];
    gs_status rc = GS_OK;
    for (int k = 0; k < 2 && rc == GS_OK; k++)
        rc = gs_store_session_get(st, account, k ? after : before, &ss[k], &e);
    if (rc != GS_OK)
        return store_status(s, rc, &e, "session", msg, n);
    for (int k = 0; k < 2; k++)
        if (!has_analysis(s, ss[k].id)) {
            snprintf(msg, n, "the %s session has no finished analysis yet",
                     k ? "after" : "before");
            return 400;
        }
    rc = gs_store_comparison_add(st, account, ss[0].id, ss[1].id,
                                 force ? "{\"force\":true}" : "{}", (int64_t)time(NULL), cid,
                                 NULL, &e);
    return rc == GS_OK ? 0 : store_status(s, rc, &e, "session", msg, n);
}

int gs_serve__comparison_current(gs_store *st, const char *account, const gs_store_comparison *c)
{
    gs_store_job j;
    return gs_store_job_get(st, account, c->job, &j, NULL) == GS_OK &&
           j.status == GS_STORE_JOB_DONE;
}

gs_status gs_serve__comparison_remove(gs_serve *s, gs_store *st, const char *account,
                                      const char *id, gs_error *e)
{
    char dir[PATH_MAX];
    gs_status rc = gs_store_comparison_delete(st, account, id, e);
    if (rc == GS_OK && gs_store_comparison_path(gs_serve__dir(s), id, dir, sizeof(dir), e) == GS_OK)
        remove_folder(dir);
    return rc;
}

void gs_serve__comparison_folders_remove(gs_serve *s, gs_store *st, const char *account,
                                         const char *session)
{
    gs_store_comparison *cl = NULL;
    size_t n = 0;
    char dir[PATH_MAX];
    if (gs_store_comparison_list(st, account, NULL, session, &cl, &n, NULL) != GS_OK)
        return;
    for (size_t i = 0; i < n; i++)
        if (gs_store_comparison_path(gs_serve__dir(s), cl[i].id, dir, sizeof(dir), NULL) == GS_OK)
            remove_folder(dir);
    free(cl);
}

void gs_serve__comparison_clips_remove(gs_serve *s, gs_store *st, const char *account,
                                       const char *session)
{
    gs_store_comparison *cl = NULL;
    size_t n = 0;
    char dir[PATH_MAX], path[PATH_MAX + 32];
    if (gs_store_comparison_list(st, account, NULL, session, &cl, &n, NULL) != GS_OK)
        return;
    for (size_t i = 0; i < n; i++)
        if (gs_store_comparison_path(gs_serve__dir(s), cl[i].id, dir, sizeof(dir), NULL) ==
            GS_OK) {
            snprintf(path, sizeof(path), "%s/side_by_side.mp4", dir);
            if (unlink(path) != 0 && errno != ENOENT)
                gs_serve__log(s, 1, "retention: cannot remove a side-by-side clip");
        }
    free(cl);
}

int gs_serve__session_rerun(gs_serve *s, gs_store *st, const char *account, const char *session,
                            const cJSON *o, gs_store_id job, char *msg, size_t n)
{
    static const char *const keys[] = {"view",   "height", "belt_speed", "history",   "start",
                                       "end",    "slowmo", "blur_faces", "person"};
    gs_serve__fields f = {0};
    char options[GS_STORE_OPTIONS_MAX + 1], text[2048];
    const char *notes = NULL, *date = NULL;
    const cJSON *v;
    gs_error e = {0};
    int status = 0;
    gs_store_session ss;
    if (!cJSON_IsObject(o)) {
        snprintf(msg, n, "the options must be a JSON object");
        return 400;
    }
    gs_status grc = gs_store_session_get(st, account, session, &ss, &e);
    if (grc != GS_OK)
        return store_status(s, grc, &e, "session", msg, n);
    if (ss.video_deleted) {
        snprintf(msg, n, "the uploaded video was deleted (the account's retention setting): "
                         "there is nothing to analyse again");
        return 409;
    }
    /* The upload's own checks (gs_serve__fields_options), so a re-run takes exactly the values
     * an upload takes: each value as the text a form field would carry. */
    cJSON_ArrayForEach(v, o)
    {
        size_t i, nk = sizeof(keys) / sizeof(keys[0]);
        for (i = 0; i < nk; i++)
            if (v->string && !strcmp(v->string, keys[i]))
                break;
        if (i == nk) {
            snprintf(msg, n, "unknown option '%.40s' (docs/api.md lists them)",
                     v->string ? v->string : "");
            status = 400;
            break;
        }
        if (cJSON_IsString(v))
            snprintf(text, sizeof(text), "%s", v->valuestring);
        else if (cJSON_IsNumber(v))
            snprintf(text, sizeof(text), "%.17g", v->valuedouble);
        else if (cJSON_IsBool(v))
            snprintf(text, sizeof(text), "%s", cJSON_IsTrue(v) ? "1" : "0");
        else if (cJSON_IsArray(v) && cJSON_GetArraySize(v) == 2 &&
                 cJSON_IsNumber(cJSON_GetArrayItem(v, 0)) &&
                 cJSON_IsNumber(cJSON_GetArrayItem(v, 1)))
            snprintf(text, sizeof(text), "%.17g,%.17g", cJSON_GetArrayItem(v, 0)->valuedouble,
                     cJSON_GetArrayItem(v, 1)->valuedouble);
        else {
            snprintf(msg, n, "option %s: not a value a form field can hold", keys[i]);
            status = 400;
            break;
        }
        status = gs_serve__fields_add(&f, keys[i], text, 0, strlen(text), msg, n);
        if (status)
            break;
    }
    if (!status)
        status = gs_serve__fields_options(&f, options, sizeof(options), &notes, &date, msg, n);
    gs_serve__fields_free(&f);
    if (status)
        return status;
    gs_status rc = gs_store_session_rerun(st, account, session, options, (int64_t)time(NULL), job,
                                          &e);
    return rc == GS_OK ? 0 : store_status(s, rc, &e, "session", msg, n);
}
