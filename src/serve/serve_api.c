/*
 * gaitscope serve: the JSON API's route handlers (docs/api.md): accounts and tokens, athletes,
 * sessions and their files, jobs, shares. serve.c has parsed the route, checked the bearer token
 * and read the body; each handler borrows one store handle and answers through serve_reply.c.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve_http_impl.h"
#include "serve_compare.h"

/* report.html is self-contained (inline styles and SVG, no scripts); it loads only the overlay
 * and the key frames beside it. Nothing else may load or run, it may not be framed, and forms
 * go nowhere (Content Security Policy Level 3, W3C). */
#define REPORT_CSP                                                                            \
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; media-src 'self'; " \
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/* ---- small helpers ----------------------------------------------------------------------- */

static void id_json(cJSON *o, const char *key, const char *id)
{
    cJSON_AddStringToObject(o, key, id);
}

static cJSON *job_json(const gs_store_job *j)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    id_json(o, "id", j->id);
    cJSON_AddStringToObject(o, "kind", gs_store_job_kind_name(j->kind));
    /* a compare job's target is a comparison (store.h) */
    id_json(o, j->kind == GS_STORE_JOB_KIND_COMPARE ? "comparison" : "session", j->session);
    cJSON_AddStringToObject(o, "status", gs_store_job_status_name(j->status));
    cJSON_AddNumberToObject(o, "progress", j->progress);
    cJSON_AddStringToObject(o, "stage", j->stage);
    if (j->error[0])
        cJSON_AddStringToObject(o, "error", j->error);
    cJSON_AddNumberToObject(o, "attempts", j->attempts);
    cJSON_AddStringToObject(o, "worker", j->worker);
    cJSON_AddNumberToObject(o, "created", (double)j->created);
    cJSON_AddNumberToObject(o, "started", (double)j->started);
    cJSON_AddNumberToObject(o, "finished", (double)j->finished);
    return o;
}

static cJSON *athlete_json(const gs_store_athlete *a)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    id_json(o, "id", a->id);
    cJSON_AddStringToObject(o, "name", a->name);
    if (isfinite(a->height_m))
        cJSON_AddNumberToObject(o, "height_m", a->height_m);
    else
        cJSON_AddNullToObject(o, "height_m");
    cJSON_AddNumberToObject(o, "created", (double)a->created);
    return o;
}

/* The session as JSON. The owner's view (shared 0): its record, its job, the files there and
 * the analysis on screen (gs_serve__analysis_read) with gs_serve__results_json's fields. A
 * share link's view (shared 1) is what the share page shows: the date, the job's state without
 * ids, the files a share may serve and the findings' titles (of the earlier results during a
 * re-run, as that page); never the options (they hold the intake history), the notes, the
 * analysis (its findings quote the history) or the NKT record. */
static cJSON *session_json(gs_serve *s, const gs_store_session *ss, const gs_store_job *job,
                           int shared)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    if (!shared) {
        id_json(o, "id", ss->id);
        id_json(o, "athlete", ss->athlete);
        id_json(o, "blob", ss->blob);
        cJSON *opts = cJSON_Parse(ss->options_json);
        cJSON_AddItemToObject(o, "options", opts ? opts : cJSON_CreateObject());
        cJSON_AddStringToObject(o, "notes", ss->notes);
    }
    cJSON_AddStringToObject(o, "date", ss->date);
    cJSON_AddNumberToObject(o, "created", (double)ss->created);
    cJSON *jj = job ? job_json(job) : NULL;
    if (jj && shared) {
        cJSON_DeleteItemFromObject(jj, "id");
        cJSON_DeleteItemFromObject(jj, "session");
        cJSON_DeleteItemFromObject(jj, "worker");
        cJSON_DeleteItemFromObject(jj, "error"); /* a failure may name the options */
    }
    if (jj)
        cJSON_AddItemToObject(o, "job", jj);
    cJSON *files = cJSON_AddArrayToObject(o, "files");
    char path[PATH_MAX];
    struct stat sb;
    for (int i = 0; i < GS_SERVE__N_FILES && files; i++)
        if ((!shared || gs_serve__file_shareable(i)) &&
            gs_serve__file_path(s, ss->id, i, path, sizeof(path)) == 0 &&
            lstat(path, &sb) == 0 && S_ISREG(sb.st_mode))
            cJSON_AddItemToArray(files, cJSON_CreateString(gs_serve__file_name(i)));
    /* a share reads only what it lists: the sample's analysis.json (447 kB, 9 findings) took
     * 4.5 ms to parse whole against 0.4 ms for these two members (docs/benchmarks.md) */
    static const char *const share_keys[] = {"status", "findings", NULL};
    int earlier;
    cJSON *a = gs_serve__analysis_read(s, ss, job, shared ? share_keys : NULL, &earlier);
    if (a && !shared) {
        cJSON_AddItemToObject(o, "analysis", a);
        a = NULL;
        gs_serve__results_json(s, o, ss, job, earlier);
    } else if (a) {
        cJSON *fl = cJSON_AddArrayToObject(o, "findings");
        const cJSON *f;
        cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(a, "findings"))
        {
            const cJSON *title = cJSON_GetObjectItemCaseSensitive(f, "title");
            const cJSON *side = cJSON_GetObjectItemCaseSensitive(f, "side");
            cJSON *x = fl && cJSON_IsString(title) ? cJSON_CreateObject() : NULL;
            if (!x)
                continue;
            cJSON_AddStringToObject(x, "title", title->valuestring);
            if (cJSON_IsString(side))
                cJSON_AddStringToObject(x, "side", side->valuestring);
            cJSON_AddItemToArray(fl, x);
        }
    }
    cJSON_Delete(a);
    return o;
}

enum MHD_Result gs_serve__reply_token(gs_serve *s, struct MHD_Connection *c, gs_store *st,
                                      const char *account, unsigned status)
{
    char text[GS_SERVE__TOKEN_LEN + 1];
    gs_error e = {0};
    gs_status rc = gs_serve__token_new(st, account, GS_SERVE__TOKEN_API, text, &e);
    if (rc != GS_OK)
        return gs_serve__reply_store_error(s, c, rc, &e, "account");
    cJSON *o = cJSON_CreateObject();
    if (o) {
        cJSON_AddStringToObject(o, "token", text);
        cJSON_AddNumberToObject(o, "expires",
                                (double)(gs_serve__now_s() + GS_SERVE__TOKEN_LIFETIME_S));
    }
    sodium_memzero(text, sizeof(text));
    return gs_serve__reply_json(c, status, o);
}
/* ---- handlers of requests with a JSON body or none --------------------------------------- */

/* The access log's entry for this request's user opening what of an athlete (session may be
 * NULL). Its failure fails the request: health data is not served unlogged. */
static gs_status access_log(gs_serve__req *q, struct MHD_Connection *c, gs_store *st,
                            const char *athlete, const char *session, const char *what)
{
    return gs_serve__access(q->srv, st, c, q->account, q->user, athlete, session, what, q->addr);
}

static enum MHD_Result h_signup(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_serve *s = q->srv;
    static const char *const keys[] = {"email", "password", NULL};
    char msg[GS_SERVE__MSG], email[GS_SERVE__EMAIL_MAX + 1], hash[crypto_pwhash_STRBYTES];
    const char *pw = NULL;
    double retry = 0;
    int status;
    gs_error e = {0};
    gs_store_id id;
    if (s->opt.signup_closed)
        return gs_serve__reply_error(c, 403, "sign-up is closed on this server; ask its operator");
    if (!gs_serve__rate_ok(s, 0, q->addr, &retry))
        return gs_serve__reply_429(c, retry, "from this address");
    cJSON *o = gs_serve__json_object(q->body, q->body_len, keys, &status, msg, sizeof(msg));
    if (!o)
        return gs_serve__reply_error(c, (unsigned)status, msg);
    if ((status = gs_serve__credentials(o, email, &pw, 1, msg, sizeof(msg))) != 0) {
        cJSON_Delete(o);
        return gs_serve__reply_error(c, (unsigned)status, msg);
    }
    int hr = gs_serve__password_hash(s, pw, hash);
    cJSON_Delete(o);
    if (hr != 0)
        return gs_serve__reply_error(c, 503, "the server is busy; try again");
    gs_status rc = gs_store_account_add(st, email, hash, gs_serve__now_s(), id, &e);
    if (rc == GS_ERR_EXISTS)
        return gs_serve__reply_error(c, 409, "an account with this email exists; sign in instead");
    if (rc != GS_OK)
        return gs_serve__reply_store_error(s, c, rc, &e, "account");
    gs_serve__logf(s, 0, "account created");
    return gs_serve__reply_token(s, c, st, id, 201);
}

static enum MHD_Result h_signin(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_serve *s = q->srv;
    static const char *const keys[] = {"email", "password", NULL};
    char msg[GS_SERVE__MSG], email[GS_SERVE__EMAIL_MAX + 1];
    const char *pw = NULL;
    double retry = 0;
    int status;
    gs_error e = {0};
    gs_store_account acc;
    if (!gs_serve__rate_ok(s, 0, q->addr, &retry))
        return gs_serve__reply_429(c, retry, "from this address");
    cJSON *o = gs_serve__json_object(q->body, q->body_len, keys, &status, msg, sizeof(msg));
    if (!o)
        return gs_serve__reply_error(c, (unsigned)status, msg);
    if ((status = gs_serve__credentials(o, email, &pw, 0, msg, sizeof(msg))) != 0) {
        cJSON_Delete(o);
        return gs_serve__reply_error(c, (unsigned)status, msg);
    }
    /* Counted per e-mail whether the account exists or not: the answer does not tell. */
    if (!gs_serve__rate_ok(s, 1, email, &retry)) {
        cJSON_Delete(o);
        return gs_serve__reply_429(c, retry, "for this account");
    }
    gs_status rc = gs_store_account_by_email(st, email, &acc, &e);
    if (rc != GS_OK && rc != GS_ERR_NOT_FOUND) {
        cJSON_Delete(o);
        return gs_serve__reply_store_error(s, c, rc, &e, "account");
    }
    /* An unknown e-mail is checked against a dummy hash, so both answers take one Argon2 run
     * and the time does not tell whether the account exists. */
    int ok = gs_serve__password_verify(s, rc == GS_OK ? acc.pwhash : NULL, pw);
    cJSON_Delete(o);
    if (ok < 0)
        return gs_serve__reply_error(c, 503, "the server is busy; try again");
    if (!ok || rc != GS_OK)
        return gs_serve__reply_error(c, 401, "wrong email or password");
    return gs_serve__reply_token(s, c, st, acc.id, 201);
}

static enum MHD_Result h_password(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_serve *s = q->srv;
    static const char *const keys[] = {"password", "new_password", NULL};
    char msg[GS_SERVE__MSG], hash[crypto_pwhash_STRBYTES];
    const char *pw = NULL, *npw = NULL;
    double retry = 0;
    int status;
    gs_error e = {0};
    gs_store_account acc;
    cJSON *o = gs_serve__json_object(q->body, q->body_len, keys, &status, msg, sizeof(msg));
    if (!o)
        return gs_serve__reply_error(c, (unsigned)status, msg);
    if ((status = gs_serve__json_string(o, "password", &pw, msg, sizeof(msg))) ||
        (status = gs_serve__json_string(o, "new_password", &npw, msg, sizeof(msg))) ||
        (status = gs_serve__password_check("new_password", npw, msg, sizeof(msg)))) {
        cJSON_Delete(o);
        return gs_serve__reply_error(c, (unsigned)status, msg);
    }
    gs_status rc = gs_store_account_get(st, q->user, &acc, &e);
    if (rc != GS_OK) {
        cJSON_Delete(o);
        return gs_serve__reply_store_error(s, c, rc, &e, "account");
    }
    if (!gs_serve__rate_ok(s, 1, acc.email, &retry)) {
        cJSON_Delete(o);
        return gs_serve__reply_429(c, retry, "for this account");
    }
    int ok = gs_serve__password_verify(s, acc.pwhash, pw);
    if (ok == 1 && gs_serve__password_hash(s, npw, hash) != 0)
        ok = -1;
    cJSON_Delete(o);
    if (ok < 0)
        return gs_serve__reply_error(c, 503, "the server is busy; try again");
    if (!ok)
        return gs_serve__reply_error(c, 403, "the current password is wrong");
    /* The store replaces the hash and deletes every token of the account in one transaction. */
    rc = gs_store_account_set_password(st, q->user, hash, gs_serve__now_s(), &e);
    if (rc != GS_OK)
        return gs_serve__reply_store_error(s, c, rc, &e, "account");
    return gs_serve__reply_token(s, c, st, q->user, 200);
}

static enum MHD_Result h_athletes(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_serve *s = q->srv;
    gs_error e = {0};
    char msg[GS_SERVE__MSG];
    if (q->route.method == GS_SERVE__POST) {
        static const char *const keys[] = {"name", "height_m", NULL};
        int status;
        const char *name = NULL;
        double h = NAN;
        gs_store_id id;
        cJSON *o = gs_serve__json_object(q->body, q->body_len, keys, &status, msg, sizeof(msg));
        if (!o)
            return gs_serve__reply_error(c, (unsigned)status, msg);
        if ((status = gs_serve__athlete_body(o, &name, &h, msg, sizeof(msg))) != 0) {
            cJSON_Delete(o);
            return gs_serve__reply_error(c, (unsigned)status, msg);
        }
        gs_status rc = gs_store_athlete_add(st, q->account, name, h, gs_serve__now_s(), id, &e);
        cJSON_Delete(o);
        if (rc != GS_OK)
            return gs_serve__reply_store_error(s, c, rc, &e, "athlete");
        cJSON *r = cJSON_CreateObject();
        if (r)
            id_json(r, "id", id);
        return gs_serve__reply_json(c, 201, r);
    }
    gs_store_athlete *list = NULL;
    size_t n = 0;
    gs_status rc = gs_store_athlete_list(st, q->account, &list, &n, &e);
    if (rc != GS_OK)
        return gs_serve__reply_store_error(s, c, rc, &e, "athlete");
    cJSON *r = cJSON_CreateObject();
    cJSON *a = r ? cJSON_AddArrayToObject(r, "athletes") : NULL;
    for (size_t i = 0; i < n && a; i++)
        cJSON_AddItemToArray(a, athlete_json(&list[i]));
    free(list);
    return gs_serve__reply_json(c, 200, r);
}

static enum MHD_Result h_athlete(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_error e = {0};
    gs_store_athlete a;
    gs_status rc = gs_store_athlete_get(st, q->account, q->route.rid, &a, &e);
    if (rc != GS_OK)
        return gs_serve__reply_store_error(q->srv, c, rc, &e, "athlete");
    if (q->route.method == GS_SERVE__DELETE) {
        if (q->role != GS_STORE_ROLE_OWNER)
            return gs_serve__reply_error(c, 403, "only the account's owner may delete an athlete");
        if ((rc = access_log(q, c, st, a.id, NULL, "deleted athlete")) == GS_OK)
            rc = gs_serve__athlete_remove(q->srv, st, q->account, a.id, &e);
        if (rc != GS_OK)
            return gs_serve__reply_store_error(q->srv, c, rc, &e, "athlete");
        return gs_serve__reply_json(c, 204, NULL);
    }
    rc = access_log(q, c, st, a.id, NULL,
                    q->route.id == GS_SERVE__R_ATHLETE ? "api athlete" : "api session list");
    if (rc != GS_OK)
        return gs_serve__reply_store_error(q->srv, c, rc, &e, "athlete");
    if (q->route.id == GS_SERVE__R_ATHLETE)
        return gs_serve__reply_json(c, 200, athlete_json(&a));
    gs_store_session *list = NULL;
    size_t n = 0;
    rc = gs_store_session_list(st, q->account, a.id, &list, &n, &e);
    if (rc != GS_OK)
        return gs_serve__reply_store_error(q->srv, c, rc, &e, "athlete");
    cJSON *r = cJSON_CreateObject();
    cJSON *arr = r ? cJSON_AddArrayToObject(r, "sessions") : NULL;
    /* status: of the results on screen, as the session resource, the athlete page and the
     * export say it (gs_serve__results_status): the job's, or "done" while a re-run not done
     * (its state in rerun) leaves earlier results. Only a job not done needs the folder read. */
    for (size_t i = 0; i < n && arr && rc == GS_OK; i++) {
        gs_store_job j;
        int has_job, earlier;
        rc = gs_serve__session_job(st, q->account, &list[i], &j, &has_job, &e);
        cJSON *o = rc == GS_OK ? cJSON_CreateObject() : NULL;
        if (!o)
            break;
        id_json(o, "id", list[i].id);
        id_json(o, "job", list[i].job);
        cJSON_AddStringToObject(o, "date", list[i].date);
        cJSON_AddNumberToObject(o, "created", (double)list[i].created);
        gs_store_job_status js =
            gs_serve__results_status(q->srv, &list[i], has_job ? &j : NULL, &earlier);
        cJSON_AddStringToObject(o, "status", gs_store_job_status_name(js));
        if (earlier)
            gs_serve__rerun_json(o, &list[i], &j);
        cJSON_AddItemToArray(arr, o);
    }
    free(list);
    if (rc != GS_OK) {
        cJSON_Delete(r);
        return gs_serve__reply_store_error(q->srv, c, rc, &e, "athlete");
    }
    return gs_serve__reply_json(c, 200, r);
}

static enum MHD_Result h_job(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_error e = {0};
    gs_store_job j;
    gs_store_session ss;
    gs_status rc;
    /* The store keeps a deleted session's job (cancelled); for the API it went with its
     * session, so its id is 404 like the session's. */
    rc = gs_store_job_get(st, q->account, q->route.rid, &j, &e);
    if (rc == GS_OK && j.kind == GS_STORE_JOB_KIND_COMPARE) {
        gs_store_comparison cmp; /* likewise a deleted comparison's */
        rc = gs_store_comparison_get(st, q->account, j.session, &cmp, &e);
    } else if (rc == GS_OK) {
        rc = gs_store_session_get(st, q->account, j.session, &ss, &e);
    }
    if (rc != GS_OK)
        return gs_serve__reply_store_error(q->srv, c, rc, &e, "job");
    if (q->route.method == GS_SERVE__DELETE) {
        rc = gs_store_job_cancel(st, q->account, q->route.rid, &e);
        if (rc != GS_OK)
            return gs_serve__reply_store_error(q->srv, c, rc, &e, "job");
    }
    rc = gs_store_job_get(st, q->account, q->route.rid, &j, &e);
    if (rc != GS_OK)
        return gs_serve__reply_store_error(q->srv, c, rc, &e, "job");
    return gs_serve__reply_json(c, 200, job_json(&j));
}


static enum MHD_Result h_session(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_serve *s = q->srv;
    gs_error e = {0};
    gs_store_session ss;
    gs_store_job j;
    gs_status rc;
    rc = gs_store_session_get(st, q->account, q->route.rid, &ss, &e);
    if (rc == GS_OK)
        rc = access_log(q, c, st, ss.athlete, ss.id,
                        q->route.method == GS_SERVE__DELETE ? "deleted session" : "api session");
    if (rc == GS_OK && q->route.method == GS_SERVE__DELETE) {
        rc = gs_serve__session_remove(s, st, q->account, q->route.rid, &e);
        if (rc == GS_OK)
            return gs_serve__reply_json(c, 204, NULL);
    }
    int has_job = 0;
    if (rc == GS_OK)
        rc = gs_serve__session_job(st, q->account, &ss, &j, &has_job, &e);
    if (rc != GS_OK)
        return gs_serve__reply_store_error(s, c, rc, &e, "session");
    return gs_serve__reply_json(c, 200, session_json(s, &ss, has_job ? &j : NULL, 0));
}

static enum MHD_Result h_share_add(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_serve *s = q->srv;
    static const char *const keys[] = {"days", NULL};
    char msg[GS_SERVE__MSG], text[GS_SERVE__TOKEN_LEN + 1], url[600];
    int status, days = 0;
    gs_error e = {0};
    cJSON *o = NULL;
    if (q->body_len > 0) {
        o = gs_serve__json_object(q->body, q->body_len, keys, &status, msg, sizeof(msg));
        if (!o)
            return gs_serve__reply_error(c, (unsigned)status, msg);
    }
    status = gs_serve__share_body(o, &days, msg, sizeof(msg));
    cJSON_Delete(o);
    if (status)
        return gs_serve__reply_error(c, (unsigned)status, msg);
    uint8_t tok[GS_SERVE__TOKEN_BYTES], dg[GS_STORE_DIGEST_BYTES];
    gs_store_id id;
    randombytes_buf(tok, sizeof(tok));
    gs_serve__token_digest(GS_SERVE__TOKEN_SHARE, tok, dg);
    int64_t t = gs_serve__now_s(), expires = t + (int64_t)days * 86400;
    gs_status rc = gs_store_share_add(st, q->account, q->route.rid, dg, t, expires, id, &e);
    if (rc != GS_OK)
        return gs_serve__reply_store_error(s, c, rc, &e, "session");
    gs_serve__token_text(tok, text);
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    /* The link is the share page (overlay, key frames, findings' titles), as the pages make. */
    if (s->opt.public_url)
        snprintf(url, sizeof(url), "%s/s/%s", s->opt.public_url, text);
    else
        snprintf(url, sizeof(url), "%s://%s/s/%s", s->tls ? "https" : "http",
                 gs_serve__host_ok(host) ? host : "localhost", text);
    cJSON *r = cJSON_CreateObject();
    if (r) {
        id_json(r, "id", id);
        cJSON_AddStringToObject(r, "token", text);
        cJSON_AddStringToObject(r, "url", url);
        cJSON_AddNumberToObject(r, "expires", (double)expires);
    }
    return gs_serve__reply_json(c, 201, r);
}

static enum MHD_Result h_share_delete(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_error e = {0};
    gs_status rc = gs_store_share_delete(st, q->account, q->route.rid, &e);
    if (rc != GS_OK)
        return gs_serve__reply_store_error(q->srv, c, rc, &e, "share");
    return gs_serve__reply_json(c, 204, NULL);
}

static enum MHD_Result serve_file(gs_serve__req *q, struct MHD_Connection *c,
                                  const gs_store_session *ss, const gs_store_job *job)
{
    return (enum MHD_Result)gs_serve__send_file(
        q->srv, c, ss, job, q->route.file,
        !strcmp(gs_serve__file_name(q->route.file), "report.html") ? REPORT_CSP : NULL);
}

static enum MHD_Result h_file(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_error e = {0};
    gs_store_session ss;
    gs_store_job j;
    gs_status rc = gs_store_session_get(st, q->account, q->route.rid, &ss, &e);
    if (rc == GS_OK) {
        char what[GS_STORE_WHAT_MAX + 1];
        snprintf(what, sizeof(what), "api %s", gs_serve__file_name(q->route.file));
        rc = access_log(q, c, st, ss.athlete, ss.id, what);
    }
    if (rc != GS_OK)
        return gs_serve__reply_store_error(q->srv, c, rc, &e, "session");
    int has_job = gs_store_job_get(st, q->account, ss.job, &j, &e) == GS_OK;
    return serve_file(q, c, &ss, has_job ? &j : NULL);
}

static enum MHD_Result h_shared(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_error e = {0};
    gs_store_session ss;
    gs_store_job j;
    gs_store_id account;
    uint8_t dg[GS_STORE_DIGEST_BYTES];
    gs_serve__token_digest(GS_SERVE__TOKEN_SHARE, q->route.token, dg);
    gs_status rc = gs_store_share_session(st, dg, gs_serve__now_s(), account, &ss, &e);
    if (rc != GS_OK)
        return gs_serve__reply_store_error(q->srv, c, rc, &e, "share (or it has expired)");
    int has_job = gs_store_job_get(st, account, ss.job, &j, &e) == GS_OK;
    /* A share's visitor is in the account's access log too, without a user. */
    char what[GS_STORE_WHAT_MAX + 1];
    snprintf(what, sizeof(what), "api share %s",
             q->route.id == GS_SERVE__R_SHARED_FILE ? gs_serve__file_name(q->route.file)
                                                    : "session");
    rc = gs_serve__access(q->srv, st, c, account, NULL, ss.athlete, ss.id, what, q->addr);
    if (rc != GS_OK)
        return gs_serve__reply_store_error(q->srv, c, rc, &e, "share");
    if (q->route.id == GS_SERVE__R_SHARED_FILE) {
        if (!gs_serve__file_shareable(q->route.file))
            return gs_serve__reply_error(c, 404, "a share offers the overlay and the key frames "
                                                 "only");
        return serve_file(q, c, &ss, has_job ? &j : NULL);
    }
    return gs_serve__reply_json(c, 200, session_json(q->srv, &ss, has_job ? &j : NULL, 1));
}

static enum MHD_Result h_signout(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_error e = {0};
    gs_status rc = gs_store_token_delete(st, q->digest, &e);
    if (rc != GS_OK)
        return gs_serve__reply_store_error(q->srv, c, rc, &e, "token");
    return gs_serve__reply_json(c, 204, NULL);
}

enum MHD_Result gs_serve__api_handle(gs_serve__req *q, struct MHD_Connection *c)
{
    int slot;
    gs_store *st = gs_serve__store_get(q->srv, &slot);
    enum MHD_Result r;
    switch (q->route.id) {
    case GS_SERVE__R_HEALTH: {
        cJSON *o = cJSON_CreateObject();
        if (o)
            cJSON_AddStringToObject(o, "status", "ok");
        r = gs_serve__reply_json(c, 200, o);
        break;
    }
    case GS_SERVE__R_ACCOUNTS:
        r = h_signup(q, c, st);
        break;
    case GS_SERVE__R_TOKENS:
        r = h_signin(q, c, st);
        break;
    case GS_SERVE__R_TOKEN_CURRENT:
        r = h_signout(q, c, st);
        break;
    case GS_SERVE__R_PASSWORD:
        r = h_password(q, c, st);
        break;
    case GS_SERVE__R_ATHLETES:
        r = h_athletes(q, c, st);
        break;
    case GS_SERVE__R_ATHLETE:
    case GS_SERVE__R_ATHLETE_SESSIONS:
        r = h_athlete(q, c, st);
        break;
    case GS_SERVE__R_JOB:
        r = h_job(q, c, st);
        break;
    case GS_SERVE__R_SESSION:
        r = h_session(q, c, st);
        break;
    case GS_SERVE__R_SESSION_FILE:
        r = h_file(q, c, st);
        break;
    case GS_SERVE__R_SESSION_SHARES:
        r = h_share_add(q, c, st);
        break;
    case GS_SERVE__R_SHARE:
        r = h_share_delete(q, c, st);
        break;
    case GS_SERVE__R_SHARED:
    case GS_SERVE__R_SHARED_FILE:
        r = h_shared(q, c, st);
        break;
    case GS_SERVE__R_ACCOUNT:
    case GS_SERVE__R_RETENTION:
    case GS_SERVE__R_USERS:
    case GS_SERVE__R_USER:
    case GS_SERVE__R_USER_RESET:
    case GS_SERVE__R_INVITATION:
    case GS_SERVE__R_INVITE:
    case GS_SERVE__R_ACCESS:
        r = gs_serve__api_account(q, c, st);
        break;
    case GS_SERVE__R_SESSION_RERUN:
    case GS_SERVE__R_SESSION_ZIP:
    case GS_SERVE__R_ATHLETE_EXPORT:
    case GS_SERVE__R_ATHLETE_COMPARISONS:
    case GS_SERVE__R_COMPARISON:
    case GS_SERVE__R_COMPARISON_FILE:
        r = gs_serve__api_compare(q, c, st);
        break;
    default:
        r = gs_serve__reply_error(c, 404, "no such route");
        break;
    }
    gs_serve__store_put(q->srv, slot);
    return r;
}
