/*
 * gaitscope serve: the two zip downloads (a session's files; an athlete's whole export with the
 * NKT records) and the comparison files' name table. Every id comes from the store under the
 * asking account, and every member path from our fixed tables, so no request text reaches a
 * path or a member name.
 *
 * Limits (docs/api.md "Limits"): a download holds an export slot from before its archive is
 * built until libmicrohttpd frees its answer (sent whole, the client gone mid-way, a timeout,
 * the server stopping), at most max_exports in all and max_exports_per_account of one account,
 * so one clinic's script cannot fill the disk or hold every connection thread with zips. The
 * archive is written to DIR/tmp only when the disk under it keeps export_min_free_mb free after
 * the archive's bound and the bounds of the archives being written now; it is unlinked as soon as
 * it is written and read from its descriptor, which the answer's free callback closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "report.h"
#include "serve_compare.h"
#include "serve_http_impl.h" /* the export slots and reserved bytes of gs_serve */
#include "serve_zip.h"

/* ---- how many run at once, and their disk ----------------------------------------------- */

int gs_serve__export_slot(gs_serve *s, const char *account, gs_serve__download *d, char *msg,
                          size_t n)
{
    unsigned mine = 0, busy = 0;
    int free_slot = -1;
    memset(d, 0, sizeof(*d));
    d->srv = s;
    d->slot = -1;
    d->fd = -1;
    pthread_mutex_lock(&s->exp_mu);
    for (unsigned i = 0; i < s->opt.max_exports; i++) {
        if (!s->exp_account[i][0]) {
            if (free_slot < 0)
                free_slot = (int)i;
            continue;
        }
        busy++;
        mine += !strcmp(s->exp_account[i], account);
    }
    if (mine < s->opt.max_exports_per_account && free_slot >= 0) {
        snprintf(s->exp_account[free_slot], sizeof(s->exp_account[0]), "%s", account);
        d->slot = free_slot;
    }
    pthread_mutex_unlock(&s->exp_mu);
    if (d->slot >= 0)
        return 0;
    if (mine >= s->opt.max_exports_per_account) {
        snprintf(msg, n,
                 "this account has %u download%s being prepared or sent already (at most %u at "
                 "a time); try again when %s finished",
                 mine, mine == 1 ? "" : "s", s->opt.max_exports_per_account,
                 mine == 1 ? "it has" : "one has");
        return 429;
    }
    snprintf(msg, n,
             "the server is preparing or sending %u downloads already (at most %u at a time); "
             "try again in a minute",
             busy, s->opt.max_exports);
    return 503;
}

void gs_serve__export_release(gs_serve__download *d)
{
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
    if (d->slot >= 0) {
        pthread_mutex_lock(&d->srv->exp_mu);
        d->srv->exp_account[d->slot][0] = '\0';
        pthread_mutex_unlock(&d->srv->exp_mu);
    }
    d->slot = -1;
}

/* Writes the archive when the disk keeps its floor free after it (and after the archives being
 * written now): *z is finished or freed either way. */
static gs_status write_archive(gs_serve *s, gs_serve__zip **z, gs_serve__download *out,
                               gs_error *err)
{
    char tmp[PATH_MAX];
    struct statvfs v;
    uint64_t need = gs_serve__zip_bound(*z), floor_b = (uint64_t)s->opt.export_min_free_mb << 20;
    gs_status rc = gs_store_tmp_path(gs_serve__dir(s), tmp, sizeof(tmp), err);
    if (rc != GS_OK) {
        gs_serve__zip_free(z);
        return rc;
    }
    if (statvfs(tmp, &v) != 0) {
        gs_serve__zip_free(z);
        return gs_fail(err, GS_ERR_IO, "export: cannot read the free space of %s: %s", tmp,
                       strerror(errno));
    }
    uint64_t avail = (uint64_t)v.f_bavail * (uint64_t)v.f_frsize;
    pthread_mutex_lock(&s->exp_mu);
    int room = avail >= floor_b + s->exp_reserved + need;
    if (room)
        s->exp_reserved += need;
    pthread_mutex_unlock(&s->exp_mu);
    if (!room) {
        gs_serve__zip_free(z);
        out->nospace = 1;
        gs_serve__logf(s, 1,
                       "export refused: %.0f MiB free under the data folder, %.0f MiB being "
                       "written, this one up to %.0f MiB, floor %u MiB",
                       (double)avail / 1048576.0, (double)s->exp_reserved / 1048576.0,
                       (double)need / 1048576.0, s->opt.export_min_free_mb);
        return gs_fail(err, GS_ERR_IO,
                       "the server's disk is too full to prepare this download now (it needs "
                       "up to %.0f MB); try again later or ask the administrator to free space",
                       (double)need / 1e6 + 0.5);
    }
    rc = gs_serve__zip_finish(z, &out->fd, &out->size, &out->nospace, err);
    pthread_mutex_lock(&s->exp_mu);
    s->exp_reserved -= need;
    pthread_mutex_unlock(&s->exp_mu);
    if (rc != GS_OK && out->nospace)
        gs_fail(err, GS_ERR_IO, "the server's disk is full; the download could not be prepared");
    return rc;
}

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
    return write_archive(s, &z, out, err);
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
        rc = write_archive(s, &z, out, err);
    }
done:
    gs_serve__zip_free(&z);
    cJSON_Delete(aj);
    free(csv.p);
    free(list);
    free(cl);
    return rc;
}

/* The answer's body: the unlinked archive read at pos as the client takes it. */
static ssize_t download_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    const gs_serve__download *d = cls;
    ssize_t got;
    do
        got = pread(d->fd, buf, max, (off_t)pos);
    while (got < 0 && errno == EINTR);
    if (got == 0)
        return MHD_CONTENT_READER_END_OF_STREAM;
    return got < 0 ? MHD_CONTENT_READER_END_WITH_ERROR : got;
}

/* libmicrohttpd is done with the answer, however it ended: the archive's space and the slot. */
static void download_free(void *cls)
{
    gs_serve__download *d = cls;
    gs_serve__export_release(d);
    free(d);
}

int gs_serve__send_download(struct MHD_Connection *c, gs_serve__download *d)
{
    char disp[160];
    gs_serve__download *own = malloc(sizeof(*own));
    struct MHD_Response *r = NULL;
    if (own) {
        *own = *d;
        r = MHD_create_response_from_callback(d->size, 64 * 1024, download_read, own,
                                              download_free);
    }
    if (!r) {
        gs_serve__export_release(d);
        free(own);
        return MHD_NO;
    }
    d->fd = -1; /* the answer has them now */
    d->slot = -1;
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
