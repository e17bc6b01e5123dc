/*
 * gaitscope serve: comparisons and re-runs as the pages and the API both ask for them. The
 * server records the request (a compare job, or a new analysis job of the session) and the
 * workers do the work; nothing here reads a video.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

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

cJSON *gs_serve__session_json(gs_serve *s, const char *session, const char *name,
                              const char *const *keys)
{
    char dir[PATH_MAX], path[PATH_MAX + 32];
    uint8_t *data = NULL;
    size_t len = 0;
    gs_error e = {0};
    if (gs_store_session_path(gs_serve__dir(s), session, dir, sizeof(dir), &e) != GS_OK)
        return NULL;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (gs_file_read_max(path, (size_t)64 << 20, &data, &len, &e) != GS_OK)
        return NULL;
    cJSON *a = keys ? gs_serve__json_pick((const char *)data, len, keys)
                    : cJSON_ParseWithLength((const char *)data, len);
    free(data);
    return a;
}

int gs_serve__analysis_done(const cJSON *an)
{
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(an, "status");
    return cJSON_IsString(st) && !strcmp(st->valuestring, "done");
}

cJSON *gs_serve__analysis_read(gs_serve *s, const gs_store_session *ss, const gs_store_job *job,
                               const char *const *keys, int *earlier)
{
    cJSON *a = gs_serve__session_json(s, ss->id, "analysis.json", keys);
    *earlier = 0;
    if (!a || (job && job->status == GS_STORE_JOB_DONE))
        return a;
    if (!gs_serve__analysis_done(a)) {
        cJSON_Delete(a);
        return NULL;
    }
    *earlier = job != NULL;
    return a;
}

void gs_serve__rerun_json(cJSON *o, const gs_store_session *ss, const gs_store_job *job)
{
    cJSON *r = cJSON_AddObjectToObject(o, "rerun");
    if (!r)
        return;
    cJSON_AddStringToObject(r, "job", job->id);
    cJSON_AddStringToObject(r, "status", gs_store_job_status_name(job->status));
    cJSON *opts = cJSON_Parse(ss->options_json);
    cJSON_AddItemToObject(r, "options", opts ? opts : cJSON_CreateObject());
    if (job->error[0])
        cJSON_AddStringToObject(r, "error", job->error);
}

void gs_serve__results_json(gs_serve *s, cJSON *o, const gs_store_session *ss,
                            const gs_store_job *job, int earlier)
{
    cJSON *ran = gs_serve__session_json(s, ss->id, "options.json", NULL);
    if (!ran && !earlier)
        ran = cJSON_Parse(ss->options_json);
    cJSON_AddItemToObject(o, "analysis_options", ran ? ran : cJSON_CreateNull());
    if (earlier)
        gs_serve__rerun_json(o, ss, job);
}

gs_store_job_status gs_serve__results_status(gs_serve *s, const gs_store_session *ss,
                                             const gs_store_job *job, int *earlier)
{
    static const char *const status_key[] = {"status", NULL};
    *earlier = 0;
    if (job && job->status == GS_STORE_JOB_DONE)
        return GS_STORE_JOB_DONE; /* its results are its own: no file read */
    cJSON *a = gs_serve__analysis_read(s, ss, job, status_key, earlier);
    int shown = a != NULL; /* a done analysis (the job is not done, or none is recorded) */
    cJSON_Delete(a);
    if (!job)
        return shown ? GS_STORE_JOB_DONE : GS_STORE_JOB_FAILED;
    return *earlier ? GS_STORE_JOB_DONE : job->status;
}

gs_status gs_serve__session_job(gs_store *st, const char *account, const gs_store_session *ss,
                                gs_store_job *job, int *has_job, gs_error *err)
{
    gs_status rc = gs_store_job_get(st, account, ss->job, job, err);
    *has_job = rc == GS_OK;
    return rc == GS_ERR_NOT_FOUND ? GS_OK : rc;
}

int gs_serve__session_comparable(gs_serve *s, const char *session, const char **why)
{
    static const char *const keys[] = {"status", NULL};
    cJSON *an = gs_serve__session_json(s, session, "analysis.json", keys);
    int done = gs_serve__analysis_done(an);
    if (why)
        *why = done ? NULL
               : an ? "its analysis failed, its results are incomplete (re-run it first)"
                    : "it has no finished analysis yet";
    cJSON_Delete(an);
    return done;
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
    for (int k = 0; k < 2; k++) {
        const char *why;
        if (!gs_serve__session_comparable(s, ss[k].id, &why)) {
            snprintf(msg, n, "the %s session cannot be compared: %s", k ? "after" : "before",
                     why);
            return 400;
        }
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

/* "events" as the session's options carry it: 64 lower-case hex digits. */
static int sha_hex_ok(const char *h)
{
    size_t i = 0;
    while (h[i] && ((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
        i++;
    return i == 64 && !h[i];
}

/* Stores the edited events file of session: DIR/tmp/<random>, synced, then renamed onto
 * DIR/sessions/<id>.events.csv (a reader sees the old file or the new one); its SHA-256 (hex)
 * into sha. 0 or an HTTP status with msg. */
static int events_store(gs_serve *s, const char *session, const char *data, size_t len,
                        char sha[65], char *msg, size_t n)
{
    char tmp[PATH_MAX], path[PATH_MAX];
    gs_store_id name;
    uint8_t digest[crypto_hash_sha256_BYTES];
    if (len == 0)
        return snprintf(msg, n, "the events file is empty"), 400;
    if (len > GS_STORE_EVENTS_MAX_BYTES)
        return snprintf(msg, n, "the events file is larger than %zu KiB",
                        GS_STORE_EVENTS_MAX_BYTES >> 10),
               413;
    if (memchr(data, '\0', len))
        return snprintf(msg, n, "the events file is not text (an events.csv: side,type,t_s)"), 400;
    gs_store_new_id(name);
    if (gs_store_tmp_path(gs_serve__dir(s), tmp, sizeof(tmp), NULL) != GS_OK ||
        strlen(tmp) + GS_STORE_ID_LEN + 2 > sizeof(tmp) ||
        gs_store_session_events_path(gs_serve__dir(s), session, path, sizeof(path), NULL) != GS_OK)
        return snprintf(msg, n, "the server cannot store the events file"), 500;
    strcat(tmp, "/");
    strcat(tmp, name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    size_t off = 0;
    int en = 0;
    if (fd < 0)
        en = errno;
    while (fd >= 0 && off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            en = w < 0 ? errno : ENOSPC;
            break;
        }
        off += (size_t)w;
    }
    if (fd >= 0 && !en && fsync(fd) != 0)
        en = errno;
    if (fd >= 0 && close(fd) != 0 && !en)
        en = errno;
    if (!en && rename(tmp, path) != 0)
        en = errno;
    if (en) {
        unlink(tmp);
        gs_serve__log(s, en == ENOSPC ? 1 : 2, "re-run: cannot store an events file");
        if (en == ENOSPC || en == EDQUOT)
            return snprintf(msg, n, "the server's disk is full; the events file was not stored"),
                   507;
        return snprintf(msg, n, "the server cannot store the events file"), 500;
    }
    crypto_hash_sha256(digest, (const unsigned char *)data, len);
    sodium_bin2hex(sha, 65, digest, sizeof(digest));
    return 0;
}

int gs_serve__session_rerun(gs_serve *s, gs_store *st, const char *account, const char *session,
                            const cJSON *o, const char *events, size_t events_len, gs_store_id job,
                            char *msg, size_t n)
{
    static const char *const keys[] = {"view", "height", "belt_speed", "history", "start",
                                       "end",  "slowmo", "blur_faces", "person",  "swap_legs"};
    gs_serve__fields f = {0};
    char options[GS_STORE_OPTIONS_MAX + 1], text[2048], sha[65] = "", path[PATH_MAX];
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
    if (gs_store_session_events_path(gs_serve__dir(s), ss.id, path, sizeof(path), NULL) != GS_OK) {
        snprintf(msg, n, "the data folder path is too long");
        return 500;
    }
    /* The upload's own checks (gs_serve__fields_options), so a re-run takes exactly the values
     * an upload takes: each value as the text a form field would carry. */
    cJSON_ArrayForEach(v, o)
    {
        size_t i, nk = sizeof(keys) / sizeof(keys[0]);
        if (v->string && !strcmp(v->string, "events")) {
            /* the session's stored events file, kept (a new file replaces it below) */
            if (!cJSON_IsString(v) || !sha_hex_ok(v->valuestring)) {
                snprintf(msg, n,
                         "events: send the edited events.csv as the file field 'events' "
                         "of a multipart/form-data re-run, or null to detect the events "
                         "again");
                status = 400;
                break;
            }
            snprintf(sha, sizeof(sha), "%s", v->valuestring);
            continue;
        }
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
    if (events)
        status = events_store(s, ss.id, events, events_len, sha, msg, n);
    else if (sha[0] && access(path, F_OK) != 0) {
        snprintf(msg, n, "the session's edited events file is gone; send it again");
        status = 409;
    }
    if (status)
        return status;
    if (sha[0]) { /* the options name the events file by its hash (the worker checks it) */
        cJSON *oj = cJSON_Parse(options);
        char *t = NULL;
        if (oj && cJSON_AddStringToObject(oj, "events", sha))
            t = cJSON_PrintUnformatted(oj);
        cJSON_Delete(oj);
        if (!t || strlen(t) >= sizeof(options)) {
            cJSON_free(t);
            snprintf(msg, n, "the options are too long");
            return 400;
        }
        memcpy(options, t, strlen(t) + 1);
        cJSON_free(t);
    }
    gs_status rc = gs_store_session_rerun(st, account, session, options, (int64_t)time(NULL), job,
                                          &e);
    if (rc != GS_OK)
        return store_status(s, rc, &e, "session", msg, n);
    if (!sha[0] && unlink(path) != 0 && errno != ENOENT) /* detected again: the file goes */
        gs_serve__log(s, 1, "re-run: cannot remove an events file");
    return 0;
}
