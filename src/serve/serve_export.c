/*
 * gaitscope serve: the two zip downloads (a session's files; an athlete's whole export with the
 * NKT records) and the comparison files' name table. Every id comes from the store under the
 * asking account, and every member path from our fixed tables, so no request text reaches a
 * path or a member name.
 */
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "report.h"
#include "serve_compare.h"
#include "serve_zip.h"

/* The day of a session: its date, else the day it was created (UTC). */
static void session_day(const gs_store_session *ss, char out[11])
{
    if (ss->date[0]) {
        snprintf(out, 11, "%s", ss->date);
    } else {
        time_t t = (time_t)ss->created;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(out, 11, "%Y-%m-%d", &tm);
    }
}

/* Adds every file of the session's folder that is in the fixed table, under prefix. */
static gs_status add_session_files(gs_serve *s, gs_serve__zip *z, const char *session,
                                   const char *prefix, int *n_added, gs_error *err)
{
    char dir[PATH_MAX], path[PATH_MAX + 64], name[256];
    gs_status rc = gs_store_session_path(gs_serve__dir(s), session, dir, sizeof(dir), err);
    for (int i = 0; rc == GS_OK && i < GS_SERVE__N_FILES; i++) {
        int added = 0;
        snprintf(path, sizeof(path), "%s/%s", dir, gs_serve__file_name(i));
        snprintf(name, sizeof(name), "%s%s", prefix, gs_serve__file_name(i));
        rc = gs_serve__zip_add_file(z, path, name, &added, err);
        *n_added += added;
    }
    return rc;
}

/* The NKT record as JSON text (malloc'd), or NULL when none was written. */
static char *nkt_json(gs_store *st, const char *account, const char *session,
                      const gs_store_nkt *r)
{
    cJSON *o = cJSON_CreateObject();
    char *text;
    char day[11];
    time_t t = (time_t)r->updated;
    struct tm tm;
    (void)st;
    (void)account;
    if (!o)
        return NULL;
    gmtime_r(&t, &tm);
    strftime(day, sizeof(day), "%Y-%m-%d", &tm);
    cJSON_AddStringToObject(o, "format", "gaitscope.nkt_record/1");
    cJSON_AddStringToObject(o, "session", session);
    cJSON_AddStringToObject(o, "muscle_tests", r->tests);
    cJSON_AddStringToObject(o, "facilitators", r->facilitators);
    cJSON_AddStringToObject(o, "released", r->released);
    cJSON_AddStringToObject(o, "activated", r->activated);
    cJSON_AddStringToObject(o, "homework", r->homework);
    cJSON_AddStringToObject(o, "updated", day);
    text = cJSON_Print(o);
    cJSON_Delete(o);
    return text;
}

gs_status gs_serve__export_session(gs_serve *s, gs_store *st, const char *account,
                                   const char *session, gs_serve__download *out, gs_error *err)
{
    gs_store_session ss;
    gs_store_nkt rec;
    gs_serve__zip *z = NULL;
    char tmp[PATH_MAX], day[11], prefix[64];
    int n = 0;
    out->fd = -1;
    gs_status rc = gs_store_session_get(st, account, session, &ss, err);
    if (rc == GS_OK)
        rc = gs_store_tmp_path(gs_serve__dir(s), tmp, sizeof(tmp), err);
    if (rc == GS_OK)
        rc = gs_serve__zip_open(tmp, &z, err);
    if (rc != GS_OK)
        return rc;
    session_day(&ss, day);
    snprintf(prefix, sizeof(prefix), "session-%s/", day);
    rc = add_session_files(s, z, ss.id, prefix, &n, err);
    if (rc == GS_OK && n == 0)
        rc = gs_fail(err, GS_ERR_NOT_FOUND, "the session has no results yet");
    if (rc == GS_OK && gs_store_nkt_get(st, account, ss.id, &rec, NULL) == GS_OK) {
        char *text = nkt_json(st, account, ss.id, &rec), name[96];
        snprintf(name, sizeof(name), "%snkt.json", prefix);
        rc = text ? gs_serve__zip_add_text(z, name, text, err)
                  : gs_fail(err, GS_ERR_NOMEM, "out of memory");
        cJSON_free(text);
    }
    if (rc != GS_OK) {
        gs_serve__zip_free(&z);
        return rc;
    }
    snprintf(out->filename, sizeof(out->filename), "gaitscope-session-%s.zip", day);
    return gs_serve__zip_finish(&z, &out->fd, &out->size, err);
}

/* One CSV field, quoted (RFC 4180: quotes doubled). A field a spreadsheet would run as a
 * formula (starting with = + - @, OWASP "CSV Injection") gets a leading apostrophe. */
static void csv_field(gs_html_buf *b, const char *v)
{
    gs_html_puts(b, "\"");
    if (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')
        gs_html_puts(b, "'");
    for (const char *p = v; *p; p++)
        gs_html_put(b, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1);
    gs_html_puts(b, "\"");
}

gs_status gs_serve__export_athlete(gs_serve *s, gs_store *st, const char *account,
                                   const char *athlete, gs_serve__download *out, gs_error *err)
{
    gs_store_athlete a;
    gs_store_session *list = NULL;
    gs_store_comparison *cl = NULL;
    size_t n = 0, nc = 0;
    gs_serve__zip *z = NULL;
    cJSON *aj = NULL;
    gs_html_buf csv = {0};
    char tmp[PATH_MAX];
    char *text = NULL;
    out->fd = -1;
    gs_status rc = gs_store_athlete_get(st, account, athlete, &a, err);
    if (rc == GS_OK)
        rc = gs_store_session_list(st, account, athlete, &list, &n, err);
    if (rc == GS_OK)
        rc = gs_store_comparison_list(st, account, athlete, NULL, &cl, &nc, err);
    if (rc == GS_OK)
        rc = gs_store_tmp_path(gs_serve__dir(s), tmp, sizeof(tmp), err);
    if (rc == GS_OK)
        rc = gs_serve__zip_open(tmp, &z, err);
    if (rc != GS_OK)
        goto done;

    aj = cJSON_CreateObject();
    cJSON *sessions = aj ? cJSON_AddArrayToObject(aj, "sessions") : NULL;
    if (!sessions) {
        rc = gs_fail(err, GS_ERR_NOMEM, "out of memory");
        goto done;
    }
    cJSON_AddStringToObject(aj, "format", "gaitscope.athlete_export/1");
    cJSON_AddStringToObject(aj, "name", a.name);
    if (isfinite(a.height_m))
        cJSON_AddNumberToObject(aj, "height_m", a.height_m);
    else
        cJSON_AddNullToObject(aj, "height_m");
    gs_html_puts(&csv, "date,session,muscle_tests,facilitators,released,activated,homework\r\n");
    for (size_t i = n; rc == GS_OK && i-- > 0;) { /* oldest first */
        const gs_store_session *ss = &list[i];
        gs_store_job j;
        gs_store_nkt rec;
        char day[11], prefix[64], name[128];
        int added = 0, has_rec;
        session_day(ss, day);
        snprintf(prefix, sizeof(prefix), "%s_%s/", day, ss->id);
        cJSON *sj = cJSON_CreateObject();
        if (!sj) {
            rc = gs_fail(err, GS_ERR_NOMEM, "out of memory");
            break;
        }
        cJSON_AddStringToObject(sj, "id", ss->id);
        cJSON_AddStringToObject(sj, "date", day);
        cJSON_AddStringToObject(sj, "folder", prefix);
        cJSON_AddStringToObject(sj, "notes", ss->notes);
        cJSON *opts = cJSON_Parse(ss->options_json);
        cJSON_AddItemToObject(sj, "options", opts ? opts : cJSON_CreateObject());
        /* the results on screen, as GET /athletes/{id}/sessions and GET /sessions/{id} give
         * them: their status, the options they were computed with, a re-run not done apart;
         * the job's error only when the results are the job's (a failed first run) */
        int has_job, earlier;
        rc = gs_serve__session_job(st, account, ss, &j, &has_job, err);
        if (rc != GS_OK) {
            cJSON_Delete(sj);
            break;
        }
        gs_store_job_status js = gs_serve__results_status(s, ss, has_job ? &j : NULL, &earlier);
        cJSON_AddStringToObject(sj, "status", gs_store_job_status_name(js));
        if (js == GS_STORE_JOB_DONE)
            gs_serve__results_json(s, sj, ss, has_job ? &j : NULL, earlier);
        else if (has_job && j.error[0])
            cJSON_AddStringToObject(sj, "error", j.error);
        has_rec = gs_store_nkt_get(st, account, ss->id, &rec, NULL) == GS_OK;
        cJSON_AddBoolToObject(sj, "nkt_record", has_rec);
        text = cJSON_Print(sj);
        cJSON_AddItemToArray(sessions, sj);
        snprintf(name, sizeof(name), "%ssession.json", prefix);
        rc = text ? gs_serve__zip_add_text(z, name, text, err)
                  : gs_fail(err, GS_ERR_NOMEM, "out of memory");
        cJSON_free(text);
        text = NULL;
        if (rc == GS_OK && has_rec) {
            text = nkt_json(st, account, ss->id, &rec);
            snprintf(name, sizeof(name), "%snkt.json", prefix);
            rc = text ? gs_serve__zip_add_text(z, name, text, err)
                      : gs_fail(err, GS_ERR_NOMEM, "out of memory");
            cJSON_free(text);
            text = NULL;
            const char *f[] = {day, ss->id, rec.tests, rec.facilitators, rec.released,
                               rec.activated, rec.homework};
            for (int k = 0; k < 7; k++) {
                gs_html_puts(&csv, k ? "," : "");
                csv_field(&csv, f[k]);
            }
            gs_html_puts(&csv, "\r\n");
        }
        if (rc == GS_OK)
            rc = add_session_files(s, z, ss->id, prefix, &added, err);
    }
    for (size_t i = 0; rc == GS_OK && i < nc; i++) {
        char dir[PATH_MAX], path[PATH_MAX + 64], name[128];
        if (!gs_serve__comparison_current(st, account, &cl[i]))
            continue; /* being computed (again): its folder is not its current job's */
        rc = gs_store_comparison_path(gs_serve__dir(s), cl[i].id, dir, sizeof(dir), err);
        for (int k = 0; rc == GS_OK && k < GS_SERVE__N_COMPARISON_FILES; k++) {
            snprintf(path, sizeof(path), "%s/%s", dir, gs_serve__comparison_file_name(k));
            snprintf(name, sizeof(name), "comparisons/%s/%s", cl[i].id, gs_serve__comparison_file_name(k));
            rc = gs_serve__zip_add_file(z, path, name, NULL, err);
        }
    }
    if (rc == GS_OK && (!csv.p || csv.oom))
        rc = gs_fail(err, GS_ERR_NOMEM, "out of memory");
    if (rc == GS_OK)
        rc = gs_serve__zip_add_text(z, "nkt_records.csv", csv.p, err);
    if (rc == GS_OK) {
        text = cJSON_Print(aj);
        rc = text ? gs_serve__zip_add_text(z, "athlete.json", text, err)
                  : gs_fail(err, GS_ERR_NOMEM, "out of memory");
        cJSON_free(text);
    }
    if (rc == GS_OK) {
        snprintf(out->filename, sizeof(out->filename), "gaitscope-athlete-%s.zip", a.id);
        rc = gs_serve__zip_finish(&z, &out->fd, &out->size, err);
    }
done:
    gs_serve__zip_free(&z);
    cJSON_Delete(aj);
    free(csv.p);
    free(list);
    free(cl);
    return rc;
}

int gs_serve__send_download(struct MHD_Connection *c, gs_serve__download *d)
{
    char disp[160];
    struct MHD_Response *r = MHD_create_response_from_fd64(d->size, d->fd);
    if (!r) {
        close(d->fd);
        d->fd = -1;
        return MHD_NO;
    }
    d->fd = -1; /* the response closes it */
    snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", d->filename);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/zip");
    MHD_add_response_header(r, "Content-Disposition", disp);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Cache-Control", "private, no-store");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Content-Security-Policy", "sandbox; default-src 'none'");
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}
