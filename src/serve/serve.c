/*
 * gaitscope serve: the HTTP server (libmicrohttpd, one thread per connection) and the request
 * handlers of docs/api.md. Records go through src/store only; files are found under the data
 * folder by database id and the fixed name table of serve_parse.c.
 *
 * A request's life in libmicrohttpd's access handler: the first call has the headers only (the
 * route, the bearer token, Content-Length are checked there, so a refused upload is answered
 * before its body is read); the next calls bring the body in pieces; the last call (no data)
 * answers. An upload is streamed by the post processor into DIR/tmp/<random>, hashed as it
 * arrives, and renamed into DIR/blobs/ only when complete and valid; the completion callback
 * removes whatever a request left in DIR/tmp, whichever way it ended.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <sodium.h>

#include "serve.h"
#include "serve_impl.h"
#include "store.h"

/* Store handles shared by the request threads (each used by one thread at a time: store.h).
 * Eight is above the two cores' worth of concurrent SQLite work; more requests wait briefly. */
#define POOL_SIZE 8
/* JSON bodies are small (credentials, a name, a number of days). */
#define JSON_BODY_MAX (64 * 1024)
/* Room for the multipart framing and the text fields around the video (notes: 8000 bytes). */
#define UPLOAD_SLACK_BYTES (64 * 1024)
/* Bearer tokens live 30 days; a sign-in from a phone should not need repeating daily. */
#define TOKEN_LIFETIME_S (30 * 86400)
/* Rate limits (docs/api.md "Limits"): per client address 30 sign-in/sign-up/password attempts at
 * once, then one every 2 s (30 a minute); per account (e-mail) 10 at once, then one a minute,
 * so a guesser gets about 1440 tries a day per account however many addresses it has, and a
 * person who mistypes a few times is never stopped. */
#define ADDR_BURST 30
#define ADDR_REFILL_S 2.0
#define ACCOUNT_BURST 10
#define ACCOUNT_REFILL_S 60.0
/* Waiting for a password-hash slot longer than this answers 503. */
#define HASH_WAIT_S 30
/* The largest analysis.json embedded in GET /sessions/{id} (the sample's is ~1 MB). */
#define ANALYSIS_MAX_BYTES ((size_t)64 << 20)

/* report.html is self-contained (inline styles and SVG, no scripts); it loads only the overlay
 * and the key frames beside it. Nothing else may load or run, it may not be framed, and forms
 * go nowhere (Content Security Policy Level 3, W3C). */
#define REPORT_CSP                                                                         \
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; media-src 'self'; " \
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

struct gs_serve {
    gs_serve_options opt;
    char dir[PATH_MAX / 2];
    struct MHD_Daemon *d;
    int port, tls;
    char *cert_pem, *key_pem;
    pthread_mutex_t pool_mu;
    pthread_cond_t pool_cv;
    gs_store *pool[POOL_SIZE];
    int pool_busy[POOL_SIZE];
    sem_t hash_sem;
    int hash_sem_ok, pool_mu_ok;
    char dummy_hash[crypto_pwhash_STRBYTES];
    pthread_mutex_t lim_mu;
    int lim_mu_ok;
    gs_serve__limiter *by_addr, *by_account;
};

/* One request. */
typedef struct req {
    gs_serve *srv;
    gs_serve__route route;
    gs_store_id account;
    uint8_t digest[GS_STORE_DIGEST_BYTES]; /* of the bearer token */
    char addr[64];                         /* client address, for the rate limits */
    /* JSON body */
    char *body;
    size_t body_len;
    /* upload */
    int upload;
    struct MHD_PostProcessor *pp;
    int fd;
    char tmp_path[PATH_MAX];
    crypto_hash_sha256_state sha;
    uint64_t video_bytes, body_bytes;
    int video_parts;
    gs_serve__fields fields;
    int fail_status; /* an error found while the body arrived, answered at its end */
    int cut;         /* 1: close the connection now (over the size limit) */
    char fail_msg[GS_SERVE__MSG];
    int page;        /* 1: a browser page (pages.c), not /api/ */
} req;

static void logf_(gs_serve *s, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void logf_(gs_serve *s, int level, const char *fmt, ...)
{
    char buf[600];
    va_list ap;
    if (!s->opt.log)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    s->opt.log(s->opt.log_user, level, buf);
}

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- store pool -------------------------------------------------------------------------- */

static gs_store *pool_get(gs_serve *s, int *slot)
{
    pthread_mutex_lock(&s->pool_mu);
    for (;;) {
        for (int i = 0; i < POOL_SIZE; i++)
            if (!s->pool_busy[i]) {
                s->pool_busy[i] = 1;
                *slot = i;
                pthread_mutex_unlock(&s->pool_mu);
                return s->pool[i];
            }
        pthread_cond_wait(&s->pool_cv, &s->pool_mu);
    }
}

static void pool_put(gs_serve *s, int slot)
{
    pthread_mutex_lock(&s->pool_mu);
    s->pool_busy[slot] = 0;
    pthread_cond_signal(&s->pool_cv);
    pthread_mutex_unlock(&s->pool_mu);
}

/* ---- responses --------------------------------------------------------------------------- */

static void common_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
}

/* Answers status with the JSON o (taken over and freed; NULL: no body). */
static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status, cJSON *o)
{
    char *text = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    size_t len = text ? strlen(text) : 0;
    struct MHD_Response *r = text ? MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE)
                                  : MHD_create_response_from_buffer(0, (void *)"",
                                                                    MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    if (text)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    common_headers(r);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_error_h(struct MHD_Connection *c, unsigned status, const char *msg,
                                     const char *header, const char *value)
{
    cJSON *o = cJSON_CreateObject();
    if (o)
        cJSON_AddStringToObject(o, "error", msg);
    char *text = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!text)
        return MHD_NO;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    common_headers(r);
    if (header)
        MHD_add_response_header(r, header, value);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
    return reply_error_h(c, status, msg, NULL, NULL);
}

/* A store status as an HTTP answer: not-found is 404 whoever owns the id (store.h). */
static enum MHD_Result reply_store_error(gs_serve *s, struct MHD_Connection *c, gs_status st,
                                         const gs_error *e, const char *what)
{
    char msg[GS_SERVE__MSG];
    switch (st) {
    case GS_ERR_NOT_FOUND:
        snprintf(msg, sizeof(msg), "no such %s", what);
        return reply_error(c, 404, msg);
    case GS_ERR_ARG:
        return reply_error(c, 400, e->msg[0] ? e->msg : "invalid field");
    case GS_ERR_EXISTS:
        return reply_error(c, 409, e->msg[0] ? e->msg : "exists already");
    case GS_ERR_IO:
        /* The database cannot be reached (PostgreSQL down, a disk error): the store reconnects
         * on its next call, so the client is told to come back (RFC 9110 section 15.6.4). */
        logf_(s, 2, "store: %s", e->msg[0] ? e->msg : gs_strerror(st));
        return reply_error_h(c, 503, "the server's database cannot be reached; try again",
                             MHD_HTTP_HEADER_RETRY_AFTER, "5");
    default:
        logf_(s, 2, "store: %s", e->msg[0] ? e->msg : gs_strerror(st));
        return reply_error(c, 500, "the server could not reach its records; try again");
    }
}

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
    id_json(o, "session", j->session);
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

/* The session's output folder path + "/" + the table's name i. */
static int file_path(gs_serve *s, const char *session, int i, char *buf, size_t n)
{
    char dir[PATH_MAX];
    gs_error e = {0};
    if (gs_store_session_path(s->dir, session, dir, sizeof(dir), &e) != GS_OK)
        return -1;
    int k = snprintf(buf, n, "%s/%s", dir, gs_serve__file_name(i));
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

/* The session as JSON: its record, its job, the files there, and (with_analysis, once the job
 * is done) the analysis itself. with_ids 0 leaves out the record ids (a shared view). */
static cJSON *session_json(gs_serve *s, gs_store *st, const gs_store_session *ss,
                           const gs_store_job *job, int with_ids)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    if (with_ids) {
        id_json(o, "id", ss->id);
        id_json(o, "athlete", ss->athlete);
        id_json(o, "blob", ss->blob);
    }
    cJSON *opts = cJSON_Parse(ss->options_json);
    cJSON_AddItemToObject(o, "options", opts ? opts : cJSON_CreateObject());
    if (with_ids) /* the therapist's notes stay with the account, not with a share link */
        cJSON_AddStringToObject(o, "notes", ss->notes);
    cJSON_AddStringToObject(o, "date", ss->date);
    cJSON_AddNumberToObject(o, "created", (double)ss->created);
    cJSON *jj = job ? job_json(job) : NULL;
    if (jj && !with_ids) {
        cJSON_DeleteItemFromObject(jj, "id");
        cJSON_DeleteItemFromObject(jj, "session");
        cJSON_DeleteItemFromObject(jj, "worker");
    }
    if (jj)
        cJSON_AddItemToObject(o, "job", jj);
    cJSON *files = cJSON_AddArrayToObject(o, "files");
    char path[PATH_MAX];
    struct stat sb;
    for (int i = 0; i < GS_SERVE__N_FILES && files; i++)
        if (file_path(s, ss->id, i, path, sizeof(path)) == 0 && lstat(path, &sb) == 0 &&
            S_ISREG(sb.st_mode))
            cJSON_AddItemToArray(files, cJSON_CreateString(gs_serve__file_name(i)));
    if (job && job->status == GS_STORE_JOB_DONE &&
        file_path(s, ss->id, gs_serve__file_index("analysis.json"), path, sizeof(path)) == 0) {
        uint8_t *data = NULL;
        size_t len = 0;
        gs_error e = {0};
        if (gs_file_read_max(path, ANALYSIS_MAX_BYTES, &data, &len, &e) == GS_OK) {
            cJSON *a = cJSON_ParseWithLength((const char *)data, len);
            if (a)
                cJSON_AddItemToObject(o, "analysis", a);
        }
        free(data);
    }
    (void)st;
    return o;
}

/* Removes a session's output folder (files and one level of folders, as analyze writes it);
 * symbolic links are removed, never followed. */
static void remove_tree(const char *path, int depth)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char p[PATH_MAX];
            struct stat sb;
            if (snprintf(p, sizeof(p), "%s/%s", path, e->d_name) >= (int)sizeof(p))
                continue;
            if (lstat(p, &sb) != 0)
                continue;
            if (S_ISDIR(sb.st_mode) && depth < 3)
                remove_tree(p, depth + 1);
            else
                unlink(p);
        }
        closedir(d);
    }
    rmdir(path);
}

static int rate_ok(gs_serve *s, gs_serve__limiter *l, const char *prefix, const char *key,
                   double *retry_s)
{
    char k[GS_SERVE__EMAIL_MAX + 80];
    snprintf(k, sizeof(k), "%s%s", prefix, key);
    pthread_mutex_lock(&s->lim_mu);
    int ok = gs_serve__limiter_take(l, k, mono_s(), retry_s);
    pthread_mutex_unlock(&s->lim_mu);
    return ok;
}

static enum MHD_Result reply_429(struct MHD_Connection *c, double retry_s, const char *what)
{
    char v[32], msg[GS_SERVE__MSG];
    snprintf(v, sizeof(v), "%d", (int)ceil(retry_s < 1 ? 1 : retry_s));
    snprintf(msg, sizeof(msg), "too many attempts %s; try again in %s s", what, v);
    return reply_error_h(c, 429, msg, MHD_HTTP_HEADER_RETRY_AFTER, v);
}

/* Runs f under the cap on concurrent Argon2id runs (each takes 64 MiB and ~0.1-0.5 s of a core):
 * 0 done, -1 the cap stayed full for HASH_WAIT_S. */
static int hash_slot_take(gs_serve *s)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += HASH_WAIT_S;
    while (sem_timedwait(&s->hash_sem, &ts) != 0)
        if (errno != EINTR)
            return -1;
    return 0;
}

static int pw_hash(gs_serve *s, const char *pw, char out[crypto_pwhash_STRBYTES])
{
    if (hash_slot_take(s) != 0)
        return -1;
    /* Argon2id with libsodium's interactive limits (2 passes, 64 MiB): its documented setting
     * for on-line sign-in (libsodium docs, "Password hashing"). */
    int rc = crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                               crypto_pwhash_MEMLIMIT_INTERACTIVE);
    sem_post(&s->hash_sem);
    return rc == 0 ? 0 : -2;
}

/* 1 match, 0 no match, -1 no slot. */
static int pw_verify(gs_serve *s, const char *hash, const char *pw)
{
    if (hash_slot_take(s) != 0)
        return -1;
    int ok = crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
    sem_post(&s->hash_sem);
    return ok;
}

/* A new bearer token for account: 256 random bits to the client, their digest to the store. */
static gs_status token_issue(gs_store *st, const char *account, char text[GS_SERVE__TOKEN_LEN + 1],
                             gs_error *e)
{
    uint8_t tok[GS_SERVE__TOKEN_BYTES], dg[GS_STORE_DIGEST_BYTES];
    randombytes_buf(tok, sizeof(tok));
    crypto_generichash(dg, sizeof(dg), tok, sizeof(tok), NULL, 0);
    int64_t t = now_s();
    gs_status rc = gs_store_token_add(st, account, dg, t, t + TOKEN_LIFETIME_S, e);
    if (rc == GS_OK)
        gs_serve__token_text(tok, text);
    sodium_memzero(tok, sizeof(tok));
    return rc;
}

static enum MHD_Result reply_token(gs_serve *s, struct MHD_Connection *c, gs_store *st,
                                   const char *account, unsigned status)
{
    char text[GS_SERVE__TOKEN_LEN + 1];
    gs_error e = {0};
    gs_status rc = token_issue(st, account, text, &e);
    if (rc != GS_OK)
        return reply_store_error(s, c, rc, &e, "account");
    cJSON *o = cJSON_CreateObject();
    if (o) {
        cJSON_AddStringToObject(o, "token", text);
        cJSON_AddNumberToObject(o, "expires", (double)(now_s() + TOKEN_LIFETIME_S));
    }
    sodium_memzero(text, sizeof(text));
    return reply_json(c, status, o);
}

/* ---- handlers of requests with a JSON body or none --------------------------------------- */

static enum MHD_Result h_signup(req *q, struct MHD_Connection *c, gs_store *st)
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
        return reply_error(c, 403, "sign-up is closed on this server; ask its operator");
    if (!rate_ok(s, s->by_addr, "a:", q->addr, &retry))
        return reply_429(c, retry, "from this address");
    cJSON *o = gs_serve__json_object(q->body, q->body_len, keys, &status, msg, sizeof(msg));
    if (!o)
        return reply_error(c, (unsigned)status, msg);
    if ((status = gs_serve__credentials(o, email, &pw, 1, msg, sizeof(msg))) != 0) {
        cJSON_Delete(o);
        return reply_error(c, (unsigned)status, msg);
    }
    int hr = pw_hash(s, pw, hash);
    cJSON_Delete(o);
    if (hr != 0)
        return reply_error(c, 503, "the server is busy; try again");
    gs_status rc = gs_store_account_add(st, email, hash, now_s(), id, &e);
    if (rc == GS_ERR_EXISTS)
        return reply_error(c, 409, "an account with this email exists; sign in instead");
    if (rc != GS_OK)
        return reply_store_error(s, c, rc, &e, "account");
    logf_(s, 0, "account created");
    return reply_token(s, c, st, id, 201);
}

static enum MHD_Result h_signin(req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_serve *s = q->srv;
    static const char *const keys[] = {"email", "password", NULL};
    char msg[GS_SERVE__MSG], email[GS_SERVE__EMAIL_MAX + 1];
    const char *pw = NULL;
    double retry = 0;
    int status;
    gs_error e = {0};
    gs_store_account acc;
    if (!rate_ok(s, s->by_addr, "a:", q->addr, &retry))
        return reply_429(c, retry, "from this address");
    cJSON *o = gs_serve__json_object(q->body, q->body_len, keys, &status, msg, sizeof(msg));
    if (!o)
        return reply_error(c, (unsigned)status, msg);
    if ((status = gs_serve__credentials(o, email, &pw, 0, msg, sizeof(msg))) != 0) {
        cJSON_Delete(o);
        return reply_error(c, (unsigned)status, msg);
    }
    /* Counted per e-mail whether the account exists or not: the answer does not tell. */
    if (!rate_ok(s, s->by_account, "e:", email, &retry)) {
        cJSON_Delete(o);
        return reply_429(c, retry, "for this account");
    }
    gs_status rc = gs_store_account_by_email(st, email, &acc, &e);
    if (rc != GS_OK && rc != GS_ERR_NOT_FOUND) {
        cJSON_Delete(o);
        return reply_store_error(s, c, rc, &e, "account");
    }
    /* An unknown e-mail is checked against a dummy hash, so both answers take one Argon2 run
     * and the time does not tell whether the account exists. */
    int ok = pw_verify(s, rc == GS_OK ? acc.pwhash : s->dummy_hash, pw);
    cJSON_Delete(o);
    if (ok < 0)
        return reply_error(c, 503, "the server is busy; try again");
    if (!ok || rc != GS_OK)
        return reply_error(c, 401, "wrong email or password");
    return reply_token(s, c, st, acc.id, 201);
}

static enum MHD_Result h_password(req *q, struct MHD_Connection *c, gs_store *st)
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
        return reply_error(c, (unsigned)status, msg);
    if ((status = gs_serve__json_string(o, "password", &pw, msg, sizeof(msg))) ||
        (status = gs_serve__json_string(o, "new_password", &npw, msg, sizeof(msg))) ||
        (status = gs_serve__password_check("new_password", npw, msg, sizeof(msg)))) {
        cJSON_Delete(o);
        return reply_error(c, (unsigned)status, msg);
    }
    gs_status rc = gs_store_account_get(st, q->account, &acc, &e);
    if (rc != GS_OK) {
        cJSON_Delete(o);
        return reply_store_error(s, c, rc, &e, "account");
    }
    if (!rate_ok(s, s->by_account, "e:", acc.email, &retry)) {
        cJSON_Delete(o);
        return reply_429(c, retry, "for this account");
    }
    int ok = pw_verify(s, acc.pwhash, pw);
    if (ok == 1 && pw_hash(s, npw, hash) != 0)
        ok = -1;
    cJSON_Delete(o);
    if (ok < 0)
        return reply_error(c, 503, "the server is busy; try again");
    if (!ok)
        return reply_error(c, 403, "the current password is wrong");
    /* The store replaces the hash and deletes every token of the account in one transaction. */
    rc = gs_store_account_set_password(st, q->account, hash, now_s(), &e);
    if (rc != GS_OK)
        return reply_store_error(s, c, rc, &e, "account");
    return reply_token(s, c, st, q->account, 200);
}

static enum MHD_Result h_athletes(req *q, struct MHD_Connection *c, gs_store *st)
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
            return reply_error(c, (unsigned)status, msg);
        if ((status = gs_serve__athlete_body(o, &name, &h, msg, sizeof(msg))) != 0) {
            cJSON_Delete(o);
            return reply_error(c, (unsigned)status, msg);
        }
        gs_status rc = gs_store_athlete_add(st, q->account, name, h, now_s(), id, &e);
        cJSON_Delete(o);
        if (rc != GS_OK)
            return reply_store_error(s, c, rc, &e, "athlete");
        cJSON *r = cJSON_CreateObject();
        if (r)
            id_json(r, "id", id);
        return reply_json(c, 201, r);
    }
    gs_store_athlete *list = NULL;
    size_t n = 0;
    gs_status rc = gs_store_athlete_list(st, q->account, &list, &n, &e);
    if (rc != GS_OK)
        return reply_store_error(s, c, rc, &e, "athlete");
    cJSON *r = cJSON_CreateObject();
    cJSON *a = r ? cJSON_AddArrayToObject(r, "athletes") : NULL;
    for (size_t i = 0; i < n && a; i++)
        cJSON_AddItemToArray(a, athlete_json(&list[i]));
    free(list);
    return reply_json(c, 200, r);
}

static enum MHD_Result h_athlete(req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_error e = {0};
    gs_store_athlete a;
    gs_status rc = gs_store_athlete_get(st, q->account, q->route.rid, &a, &e);
    if (rc != GS_OK)
        return reply_store_error(q->srv, c, rc, &e, "athlete");
    if (q->route.id == GS_SERVE__R_ATHLETE)
        return reply_json(c, 200, athlete_json(&a));
    gs_store_session *list = NULL;
    size_t n = 0;
    rc = gs_store_session_list(st, q->account, a.id, &list, &n, &e);
    if (rc != GS_OK)
        return reply_store_error(q->srv, c, rc, &e, "athlete");
    cJSON *r = cJSON_CreateObject();
    cJSON *arr = r ? cJSON_AddArrayToObject(r, "sessions") : NULL;
    for (size_t i = 0; i < n && arr; i++) {
        gs_store_job j;
        cJSON *o = cJSON_CreateObject();
        if (!o)
            break;
        id_json(o, "id", list[i].id);
        id_json(o, "job", list[i].job);
        cJSON_AddStringToObject(o, "date", list[i].date);
        cJSON_AddNumberToObject(o, "created", (double)list[i].created);
        if (gs_store_job_get(st, q->account, list[i].job, &j, &e) == GS_OK)
            cJSON_AddStringToObject(o, "status", gs_store_job_status_name(j.status));
        cJSON_AddItemToArray(arr, o);
    }
    free(list);
    return reply_json(c, 200, r);
}

static enum MHD_Result h_job(req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_error e = {0};
    gs_store_job j;
    gs_store_session ss;
    gs_status rc;
    /* The store keeps a deleted session's job (cancelled); for the API it went with its
     * session, so its id is 404 like the session's. */
    rc = gs_store_job_get(st, q->account, q->route.rid, &j, &e);
    if (rc == GS_OK)
        rc = gs_store_session_get(st, q->account, j.session, &ss, &e);
    if (rc != GS_OK)
        return reply_store_error(q->srv, c, rc, &e, "job");
    if (q->route.method == GS_SERVE__DELETE) {
        rc = gs_store_job_cancel(st, q->account, q->route.rid, &e);
        if (rc != GS_OK)
            return reply_store_error(q->srv, c, rc, &e, "job");
    }
    rc = gs_store_job_get(st, q->account, q->route.rid, &j, &e);
    if (rc != GS_OK)
        return reply_store_error(q->srv, c, rc, &e, "job");
    return reply_json(c, 200, job_json(&j));
}

gs_status gs_serve__session_remove(gs_serve *s, gs_store *st, const char *account,
                                   const char *session, gs_error *e)
{
    gs_store_id gone = "";
    char path[PATH_MAX];
    gs_status rc = gs_store_session_delete(st, account, session, gone, e);
    if (rc != GS_OK)
        return rc;
    if (gs_store_session_path(s->dir, session, path, sizeof(path), e) == GS_OK)
        remove_tree(path, 0);
    if (gone[0] && gs_store_blob_path(s->dir, gone, path, sizeof(path), e) == GS_OK &&
        unlink(path) != 0 && errno != ENOENT)
        logf_(s, 1, "cannot remove %s: %s", path, strerror(errno));
    return GS_OK;
}

static enum MHD_Result h_session(req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_serve *s = q->srv;
    gs_error e = {0};
    gs_store_session ss;
    gs_store_job j;
    gs_status rc;
    if (q->route.method == GS_SERVE__DELETE) {
        rc = gs_serve__session_remove(s, st, q->account, q->route.rid, &e);
        if (rc != GS_OK)
            return reply_store_error(s, c, rc, &e, "session");
        return reply_json(c, 204, NULL);
    }
    rc = gs_store_session_get(st, q->account, q->route.rid, &ss, &e);
    if (rc != GS_OK)
        return reply_store_error(s, c, rc, &e, "session");
    int has_job = gs_store_job_get(st, q->account, ss.job, &j, &e) == GS_OK;
    return reply_json(c, 200, session_json(s, st, &ss, has_job ? &j : NULL, 1));
}


static enum MHD_Result h_share_add(req *q, struct MHD_Connection *c, gs_store *st)
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
            return reply_error(c, (unsigned)status, msg);
    }
    status = gs_serve__share_body(o, &days, msg, sizeof(msg));
    cJSON_Delete(o);
    if (status)
        return reply_error(c, (unsigned)status, msg);
    uint8_t tok[GS_SERVE__TOKEN_BYTES], dg[GS_STORE_DIGEST_BYTES];
    gs_store_id id;
    randombytes_buf(tok, sizeof(tok));
    crypto_generichash(dg, sizeof(dg), tok, sizeof(tok), NULL, 0);
    int64_t t = now_s(), expires = t + (int64_t)days * 86400;
    gs_status rc = gs_store_share_add(st, q->account, q->route.rid, dg, t, expires, id, &e);
    if (rc != GS_OK)
        return reply_store_error(s, c, rc, &e, "session");
    gs_serve__token_text(tok, text);
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (s->opt.public_url)
        snprintf(url, sizeof(url), "%s/api/v1/shared/%s/files/report.html", s->opt.public_url,
                 text);
    else
        snprintf(url, sizeof(url), "%s://%s/api/v1/shared/%s/files/report.html",
                 s->tls ? "https" : "http", gs_serve__host_ok(host) ? host : "localhost", text);
    cJSON *r = cJSON_CreateObject();
    if (r) {
        id_json(r, "id", id);
        cJSON_AddStringToObject(r, "token", text);
        cJSON_AddStringToObject(r, "url", url);
        cJSON_AddNumberToObject(r, "expires", (double)expires);
    }
    return reply_json(c, 201, r);
}

static enum MHD_Result h_share_delete(req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_error e = {0};
    gs_status rc = gs_store_share_delete(st, q->account, q->route.rid, &e);
    if (rc != GS_OK)
        return reply_store_error(q->srv, c, rc, &e, "share");
    return reply_json(c, 204, NULL);
}

static enum MHD_Result serve_file(req *q, struct MHD_Connection *c, const gs_store_session *ss,
                                  const gs_store_job *job)
{
    return (enum MHD_Result)gs_serve__send_file(
        q->srv, c, ss, job, q->route.file,
        !strcmp(gs_serve__file_name(q->route.file), "report.html") ? REPORT_CSP : NULL);
}

/* Serves file i of session (ids already checked against the account or the share) with the
 * Content-Security-Policy csp (NULL: none). */
int gs_serve__send_file(gs_serve *s, struct MHD_Connection *c, const gs_store_session *ss,
                        const gs_store_job *job, int i, const char *csp)
{
    char path[PATH_MAX], msg[GS_SERVE__MSG + GS_STORE_ERROR_MAX];
    if (file_path(s, ss->id, i, path, sizeof(path)) != 0)
        return reply_error(c, 404, "no such file");
    /* O_NOFOLLOW: only what a worker wrote is served, never what a link points to. */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        if (fd >= 0)
            close(fd);
        if (job && job->status != GS_STORE_JOB_DONE)
            snprintf(msg, sizeof(msg), "%s is not there: the job is %s%s%s",
                     gs_serve__file_name(i), gs_store_job_status_name(job->status),
                     job->error[0] ? ": " : "", job->error);
        else
            snprintf(msg, sizeof(msg), "%s is not there for this session",
                     gs_serve__file_name(i));
        return reply_error(c, 404, msg);
    }
    uint64_t size = (uint64_t)sb.st_size, first = 0, last = size ? size - 1 : 0;
    const char *range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_RANGE);
    int rs = gs_serve__range_parse(range, size, &first, &last);
    if (rs == 416) {
        char cr[64];
        close(fd);
        snprintf(cr, sizeof(cr), "bytes */%llu", (unsigned long long)size);
        return reply_error_h(c, 416, "the range is outside the file", MHD_HTTP_HEADER_CONTENT_RANGE,
                             cr);
    }
    uint64_t len = rs == 206 ? last - first + 1 : size;
    struct MHD_Response *r =
        MHD_create_response_from_fd_at_offset64(len, fd, rs == 206 ? first : 0);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, gs_serve__file_type(i));
    MHD_add_response_header(r, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Cache-Control", "private, no-store");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    if (csp)
        MHD_add_response_header(r, "Content-Security-Policy", csp);
    if (rs == 206) {
        char cr[96];
        snprintf(cr, sizeof(cr), "bytes %llu-%llu/%llu", (unsigned long long)first,
                 (unsigned long long)last, (unsigned long long)size);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
    }
    enum MHD_Result ret = MHD_queue_response(c, rs == 206 ? 206 : 200, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result h_file(req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_error e = {0};
    gs_store_session ss;
    gs_store_job j;
    gs_status rc = gs_store_session_get(st, q->account, q->route.rid, &ss, &e);
    if (rc != GS_OK)
        return reply_store_error(q->srv, c, rc, &e, "session");
    int has_job = gs_store_job_get(st, q->account, ss.job, &j, &e) == GS_OK;
    return serve_file(q, c, &ss, has_job ? &j : NULL);
}

static enum MHD_Result h_shared(req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_error e = {0};
    gs_store_session ss;
    gs_store_job j;
    gs_store_id account;
    uint8_t dg[GS_STORE_DIGEST_BYTES];
    crypto_generichash(dg, sizeof(dg), q->route.token, sizeof(q->route.token), NULL, 0);
    gs_status rc = gs_store_share_session(st, dg, now_s(), account, &ss, &e);
    if (rc != GS_OK)
        return reply_store_error(q->srv, c, rc, &e, "share (or it has expired)");
    int has_job = gs_store_job_get(st, account, ss.job, &j, &e) == GS_OK;
    if (q->route.id == GS_SERVE__R_SHARED_FILE)
        return serve_file(q, c, &ss, has_job ? &j : NULL);
    return reply_json(c, 200, session_json(q->srv, st, &ss, has_job ? &j : NULL, 0));
}

static enum MHD_Result h_signout(req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_error e = {0};
    gs_status rc = gs_store_token_delete(st, q->digest, &e);
    if (rc != GS_OK)
        return reply_store_error(q->srv, c, rc, &e, "token");
    return reply_json(c, 204, NULL);
}

static enum MHD_Result handle(req *q, struct MHD_Connection *c)
{
    int slot;
    gs_store *st = pool_get(q->srv, &slot);
    enum MHD_Result r;
    switch (q->route.id) {
    case GS_SERVE__R_HEALTH: {
        cJSON *o = cJSON_CreateObject();
        if (o)
            cJSON_AddStringToObject(o, "status", "ok");
        r = reply_json(c, 200, o);
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
    default:
        r = reply_error(c, 404, "no such route");
        break;
    }
    pool_put(q->srv, slot);
    return r;
}

/* ---- uploads ----------------------------------------------------------------------------- */

static void upload_fail(req *q, int status, int cut, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void upload_fail(req *q, int status, int cut, const char *fmt, ...)
{
    va_list ap;
    if (q->fail_status)
        return; /* the first error is the one reported */
    q->fail_status = status;
    q->cut = cut;
    va_start(ap, fmt);
    vsnprintf(q->fail_msg, sizeof(q->fail_msg), fmt, ap);
    va_end(ap);
}

/* Removes the request's temporary file, if any. */
static void tmp_discard(req *q)
{
    if (q->fd >= 0)
        close(q->fd);
    q->fd = -1;
    if (q->tmp_path[0])
        unlink(q->tmp_path);
    q->tmp_path[0] = '\0';
}

static int tmp_open(req *q)
{
    char dir[PATH_MAX];
    gs_store_id name;
    gs_error e = {0};
    if (gs_store_tmp_path(q->srv->dir, dir, sizeof(dir), &e) != GS_OK)
        return -1;
    gs_store_new_id(name);
    if (snprintf(q->tmp_path, sizeof(q->tmp_path), "%s/%s", dir, name) >= (int)sizeof(q->tmp_path))
        return -1;
    q->fd = open(q->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (q->fd < 0) {
        int en = errno;
        q->tmp_path[0] = '\0';
        errno = en;
        return -1;
    }
    crypto_hash_sha256_init(&q->sha);
    return 0;
}

static void video_write(req *q, const char *data, size_t size)
{
    gs_serve *s = q->srv;
    if ((uint64_t)size > (uint64_t)s->opt.max_upload_bytes - q->video_bytes) {
        upload_fail(q, 413, 1, "the video is larger than this server's limit of %lld MiB",
                    (long long)(s->opt.max_upload_bytes >> 20));
        return;
    }
    if (q->fd < 0 && tmp_open(q) != 0) {
        int en = errno;
        if (en == ENOSPC)
            upload_fail(q, 507, 0, "the server's disk is full; the upload was not stored");
        else
            upload_fail(q, 500, 0, "the server cannot store uploads now");
        logf_(s, 2, "upload: cannot create a file in %s/tmp: %s", s->dir, strerror(en));
        return;
    }
    crypto_hash_sha256_update(&q->sha, (const unsigned char *)data, size);
    q->video_bytes += size;
    while (size > 0) {
        ssize_t w = write(q->fd, data, size);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int en = w < 0 ? errno : ENOSPC;
            if (en == ENOSPC || en == EDQUOT)
                upload_fail(q, 507, 0, "the server's disk is full; the upload was not stored");
            else
                upload_fail(q, 500, 0, "the server could not write the upload");
            logf_(s, en == ENOSPC ? 1 : 2, "upload: %s: %s", q->tmp_path, strerror(en));
            tmp_discard(q);
            return;
        }
        data += w;
        size -= (size_t)w;
    }
}

static enum MHD_Result on_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *filename, const char *content_type,
                                const char *transfer_encoding, const char *data, uint64_t off,
                                size_t size)
{
    req *q = cls;
    char msg[GS_SERVE__MSG];
    (void)kind, (void)filename, (void)content_type, (void)transfer_encoding;
    if (q->fail_status)
        return MHD_YES; /* the rest of the body is read and dropped */
    if (key && !strcmp(key, "video")) {
        if (off == 0 && (q->video_parts++ > 0))
            upload_fail(q, 400, 0, "one video per upload");
        else if (size > 0)
            video_write(q, data, size);
        return MHD_YES;
    }
    int st = gs_serve__fields_add(&q->fields, key, data, off, size, msg, sizeof(msg));
    if (st)
        upload_fail(q, st, 0, "%s", msg);
    return MHD_YES;
}

/* First call of an upload: the account owns the athlete, the size is allowed, the body is
 * multipart. 0 or an HTTP status with msg. */
static int upload_begin(req *q, struct MHD_Connection *c, char *msg, size_t n)
{
    gs_serve *s = q->srv;
    gs_error e = {0};
    gs_store_athlete a;
    int slot;
    gs_store *st = pool_get(s, &slot);
    gs_status rc = gs_store_athlete_get(st, q->account, q->route.rid, &a, &e);
    pool_put(s, slot);
    if (rc == GS_ERR_NOT_FOUND)
        return snprintf(msg, n, "no such athlete"), 404;
    if (rc != GS_OK)
        return snprintf(msg, n, "the server could not reach its records; try again"),
               rc == GS_ERR_IO ? 503 : 500;
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
    uint64_t len = 0;
    if (cl && gs_serve__content_length(cl, &len) == 0 &&
        len > (uint64_t)s->opt.max_upload_bytes + UPLOAD_SLACK_BYTES)
        return snprintf(msg, n, "the upload (%llu bytes) is larger than this server's limit of "
                                "%lld MiB",
                        (unsigned long long)len, (long long)(s->opt.max_upload_bytes >> 20)),
               413;
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!ct || strncasecmp(ct, "multipart/form-data", 19) != 0)
        return snprintf(msg, n, "an upload is multipart/form-data with a 'video' file field"),
               400;
    q->pp = MHD_create_post_processor(c, 64 * 1024, on_field, q);
    if (!q->pp)
        return snprintf(msg, n, "the multipart body has no boundary"), 400;
    q->upload = 1;
    return 0;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Last call of an upload: validate the fields, keep the file (or the account's identical one),
 * record the session and its job. */
static enum MHD_Result upload_finish(req *q, struct MHD_Connection *c)
{
    gs_serve *s = q->srv;
    char msg[GS_SERVE__MSG], options[GS_STORE_OPTIONS_MAX + 1], sha[65], path[PATH_MAX];
    const char *notes = "", *date = "";
    uint8_t digest[crypto_hash_sha256_BYTES];
    gs_error e = {0};
    gs_store_blob blob;
    gs_store_id blob_id, session, job;
    int slot = -1, dup = 0, fresh = 0;
    gs_store *st = NULL;
    enum MHD_Result r;
    gs_status rc;

    if (q->pp && MHD_destroy_post_processor(q->pp) != MHD_YES)
        upload_fail(q, 400, 0, "the multipart body is incomplete or malformed");
    q->pp = NULL;
    if (q->fail_status) {
        tmp_discard(q);
        return reply_error(c, (unsigned)q->fail_status, q->fail_msg);
    }
    int st_opt = gs_serve__fields_options(&q->fields, options, sizeof(options), &notes, &date,
                                          msg, sizeof(msg));
    if (st_opt) {
        tmp_discard(q);
        return reply_error(c, (unsigned)st_opt, msg);
    }
    if (q->video_bytes == 0 || q->fd < 0) {
        tmp_discard(q);
        return reply_error(c, 400, "the upload needs a non-empty 'video' file field");
    }
    /* On disk before it is recorded: a record always has its whole file. */
    if (fsync(q->fd) != 0 || close(q->fd) != 0) {
        int en = errno;
        q->fd = -1;
        tmp_discard(q);
        if (en == ENOSPC || en == EDQUOT)
            return reply_error(c, 507, "the server's disk is full; the upload was not stored");
        logf_(s, 2, "upload: %s: %s", q->tmp_path, strerror(en));
        return reply_error(c, 500, "the server could not write the upload");
    }
    q->fd = -1;
    crypto_hash_sha256_final(&q->sha, digest);
    hex(digest, sizeof(digest), sha);

    st = pool_get(s, &slot);
    rc = gs_store_blob_find(st, q->account, sha, &blob, &e);
    if (rc == GS_OK) {
        dup = 1;
        memcpy(blob_id, blob.id, sizeof(blob_id));
        tmp_discard(q);
    } else if (rc == GS_ERR_NOT_FOUND) {
        gs_store_new_id(blob_id);
        if (gs_store_blob_path(s->dir, blob_id, path, sizeof(path), &e) != GS_OK ||
            rename(q->tmp_path, path) != 0) {
            logf_(s, 2, "upload: cannot move %s into blobs: %s", q->tmp_path, strerror(errno));
            tmp_discard(q);
            r = reply_error(c, 500, "the server could not store the upload");
            goto out;
        }
        q->tmp_path[0] = '\0';
        rc = gs_store_blob_add(st, q->account, blob_id, sha, (int64_t)q->video_bytes, now_s(), &e);
        if (rc == GS_ERR_EXISTS) { /* the same file finished uploading in another request */
            unlink(path);
            rc = gs_store_blob_find(st, q->account, sha, &blob, &e);
            if (rc == GS_OK)
                memcpy(blob_id, blob.id, sizeof(blob_id)), dup = 1;
        } else if (rc == GS_OK) {
            fresh = 1;
        } else {
            unlink(path);
        }
        if (rc != GS_OK) {
            r = reply_store_error(s, c, rc, &e, "upload");
            goto out;
        }
    } else {
        tmp_discard(q);
        r = reply_store_error(s, c, rc, &e, "upload");
        goto out;
    }
    rc = gs_store_session_add(st, q->account, q->route.rid, blob_id, options, notes, date,
                              now_s(), session, job, &e);
    if (rc != GS_OK) {
        if (fresh && gs_store_blob_delete_unused(st, q->account, blob_id, &e) == GS_OK &&
            gs_store_blob_path(s->dir, blob_id, path, sizeof(path), &e) == GS_OK)
            unlink(path);
        r = reply_store_error(s, c, rc, &e, "athlete");
        goto out;
    }
    cJSON *o = cJSON_CreateObject();
    if (o) {
        id_json(o, "session", session);
        id_json(o, "job", job);
        id_json(o, "blob", blob_id);
        cJSON_AddStringToObject(o, "sha256", sha);
        cJSON_AddNumberToObject(o, "size_bytes", (double)q->video_bytes);
        /* The account sent this file before: the stored copy is used, and the client is told
         * which one so it can offer the earlier sessions of it. */
        if (dup)
            id_json(o, "duplicate_of", blob_id);
    }
    logf_(s, 0, "upload: %llu bytes, job queued%s", (unsigned long long)q->video_bytes,
          dup ? " (a file this account uploaded before)" : "");
    r = reply_json(c, 202, o);
out:
    if (slot >= 0)
        pool_put(s, slot);
    return r;
}

/* ---- what the pages (pages*.c) use of the server ----------------------------------------- */

gs_store *gs_serve__store_get(gs_serve *s, int *slot)
{
    return pool_get(s, slot);
}

void gs_serve__store_put(gs_serve *s, int slot)
{
    pool_put(s, slot);
}

const char *gs_serve__dir(const gs_serve *s)
{
    return s->dir;
}

int gs_serve__is_tls(const gs_serve *s)
{
    return s->tls;
}

int gs_serve__signup_closed(const gs_serve *s)
{
    return s->opt.signup_closed;
}

int gs_serve__password_hash(gs_serve *s, const char *pw, char *out)
{
    return pw_hash(s, pw, out);
}

int gs_serve__password_verify(gs_serve *s, const char *hash, const char *pw)
{
    return pw_verify(s, hash ? hash : s->dummy_hash, pw);
}

int gs_serve__rate_ok(gs_serve *s, int per_account, const char *key, double *retry_s)
{
    return per_account ? rate_ok(s, s->by_account, "e:", key, retry_s)
                       : rate_ok(s, s->by_addr, "a:", key, retry_s);
}

gs_status gs_serve__token_new(gs_store *st, const char *account,
                              char text[GS_SERVE__TOKEN_LEN + 1], gs_error *e)
{
    return token_issue(st, account, text, e);
}

void gs_serve__log(gs_serve *s, int level, const char *msg)
{
    logf_(s, level, "%s", msg);
}

/* ---- the access handler ------------------------------------------------------------------ */

static void client_addr(struct MHD_Connection *c, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, n, "?");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)n);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)n);
}

static int authenticate(req *q, struct MHD_Connection *c, char *msg, size_t n)
{
    uint8_t tok[GS_SERVE__TOKEN_BYTES];
    gs_error e = {0};
    int slot;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    int st = gs_serve__bearer(h, tok, msg, n);
    if (st)
        return st;
    crypto_generichash(q->digest, sizeof(q->digest), tok, sizeof(tok), NULL, 0);
    sodium_memzero(tok, sizeof(tok));
    gs_store *s = pool_get(q->srv, &slot);
    gs_status rc = gs_store_token_account(s, q->digest, now_s(), q->account, &e);
    pool_put(q->srv, slot);
    if (rc == GS_ERR_NOT_FOUND)
        return snprintf(msg, n, "the token is not valid (signed out, expired or revoked)"), 401;
    if (rc != GS_OK) {
        logf_(q->srv, 2, "store: %s", e.msg);
        return snprintf(msg, n, "the server could not reach its records; try again"),
               rc == GS_ERR_IO ? 503 : 500;
    }
    return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    gs_serve *s = cls;
    req *q = *con_cls;
    char msg[GS_SERVE__MSG];
    int st;
    (void)version;
    if (!q) {
        q = calloc(1, sizeof(*q));
        if (!q)
            return MHD_NO;
        q->srv = s;
        q->fd = -1;
        *con_cls = q;
        client_addr(c, q->addr, sizeof(q->addr));
        if (strncmp(url, "/api/", 5) != 0) {
            /* A browser page (pages.c). Its upload is the API's upload with the account taken
             * from the cookie and a CSRF header; every other page has a small form body. */
            q->page = 1;
            st = gs_serve__page_begin(s, c, method, url, q->account, q->route.rid, msg,
                                      sizeof(msg));
            if (st == 1) {
                q->route.id = GS_SERVE__R_ATHLETE_SESSIONS;
                q->route.method = GS_SERVE__POST;
                st = upload_begin(q, c, msg, sizeof(msg));
            } else if (!st) {
                const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
                uint64_t len = 0;
                if (cl && gs_serve__content_length(cl, &len) == 0 && len > JSON_BODY_MAX)
                    st = 413, snprintf(msg, sizeof(msg), "a form is at most %d bytes",
                                       JSON_BODY_MAX);
            }
            if (st) {
                q->fail_status = st;
                if (q->route.id == GS_SERVE__R_ATHLETE_SESSIONS)
                    return reply_error(c, (unsigned)st, msg);
                return (enum MHD_Result)gs_serve__page_error(s, c, (unsigned)st, msg);
            }
            return MHD_YES;
        }
        st = gs_serve__route_parse(method, url, &q->route, msg, sizeof(msg));
        if (!st && q->route.needs_auth)
            st = authenticate(q, c, msg, sizeof(msg));
        if (!st && q->route.id == GS_SERVE__R_ATHLETE_SESSIONS &&
            q->route.method == GS_SERVE__POST)
            st = upload_begin(q, c, msg, sizeof(msg));
        if (!st && !q->upload && q->route.method == GS_SERVE__POST) {
            const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                         MHD_HTTP_HEADER_CONTENT_LENGTH);
            uint64_t len = 0;
            if (cl && gs_serve__content_length(cl, &len) == 0 && len > JSON_BODY_MAX)
                st = 413, snprintf(msg, sizeof(msg), "a JSON body is at most %d bytes",
                                   JSON_BODY_MAX);
        }
        if (st) {
            q->fail_status = st; /* answered; anything after is dropped */
            return reply_error(c, (unsigned)st, msg);
        }
        return MHD_YES;
    }
    if (q->fail_status && !q->upload) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        q->body_bytes += n;
        if (q->upload) {
            /* A body without Content-Length (chunked) is cut off as soon as it passes the
             * limit: the connection is closed, nothing of it is kept. */
            if (q->body_bytes > (uint64_t)s->opt.max_upload_bytes + UPLOAD_SLACK_BYTES)
                upload_fail(q, 413, 1, "the upload is larger than this server's limit of %lld MiB",
                            (long long)(s->opt.max_upload_bytes >> 20));
            if (!q->fail_status && MHD_post_process(q->pp, upload_data, n) != MHD_YES)
                upload_fail(q, 400, 0, "the multipart body is malformed");
            if (q->cut) {
                tmp_discard(q);
                logf_(s, 1, "upload cut off: %s", q->fail_msg);
                if (reply_error(c, (unsigned)q->fail_status, q->fail_msg) == MHD_YES)
                    return MHD_YES;
                return MHD_NO;
            }
            return MHD_YES;
        }
        if (q->body_len + n > JSON_BODY_MAX) {
            q->fail_status = 413;
            if (q->page)
                return (enum MHD_Result)gs_serve__page_error(s, c, 413, "the form is too large");
            return reply_error(c, 413, "the JSON body is too large") == MHD_YES ? MHD_YES
                                                                                 : MHD_NO;
        }
        char *b = realloc(q->body, q->body_len + n + 1);
        if (!b)
            return MHD_NO;
        memcpy(b + q->body_len, upload_data, n);
        q->body_len += n;
        b[q->body_len] = '\0';
        q->body = b;
        return MHD_YES;
    }
    if (q->upload) {
        if (q->cut)
            return MHD_NO;
        return upload_finish(q, c);
    }
    if (q->page)
        return (enum MHD_Result)gs_serve__page(s, c, method, url, q->body, q->body_len, q->addr);
    return handle(q, c);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    req *q = *con_cls;
    (void)cls, (void)c, (void)toe;
    if (!q)
        return;
    if (q->pp)
        MHD_destroy_post_processor(q->pp);
    tmp_discard(q); /* an upload that did not finish leaves nothing behind */
    gs_serve__fields_free(&q->fields);
    free(q->body);
    free(q);
    *con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    gs_serve *s = cls;
    char buf[512];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    size_t n = strlen(buf);
    while (n > 0 && buf[n - 1] == '\n')
        buf[--n] = '\0';
    if (s->opt.log)
        s->opt.log(s->opt.log_user, 1, buf);
}

/* ---- start and stop ---------------------------------------------------------------------- */

/* Removes what an earlier process left in DIR/tmp (uploads cut short by a kill). Only this
 * server writes there, and it is not running yet. */
static void sweep_tmp(gs_serve *s, size_t *removed)
{
    char dir[PATH_MAX];
    gs_error e = {0};
    *removed = 0;
    if (gs_store_tmp_path(s->dir, dir, sizeof(dir), &e) != GS_OK)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        char p[PATH_MAX];
        struct stat sb;
        if (de->d_name[0] == '.')
            continue;
        if (snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >= (int)sizeof(p))
            continue;
        if (lstat(p, &sb) == 0 && S_ISREG(sb.st_mode) && unlink(p) == 0)
            (*removed)++;
    }
    closedir(d);
}

static gs_status read_pem(const char *path, char **out, gs_error *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    gs_status rc = gs_file_read_max(path, 1 << 20, &data, &len, err);
    *out = (char *)data;
    return rc;
}

gs_status gs_serve_start(const gs_serve_options *opt, gs_serve **out, gs_error *err)
{
    gs_serve *s = NULL;
    gs_status rc;
    struct sockaddr_storage ss;
    socklen_t sl = 0;
    int port = 0;
    char msg[GS_SERVE__MSG];
    *out = NULL;
    if (!opt || !opt->data_dir || !opt->data_dir[0])
        return gs_fail(err, GS_ERR_ARG, "serve: --data DIR is required");
    if (!opt->tls_cert != !opt->tls_key)
        return gs_fail(err, GS_ERR_ARG, "serve: --tls-cert and --tls-key go together");
    if (gs_serve__listen_parse(opt->listen ? opt->listen : "127.0.0.1:8080", &ss, &sl, &port,
                               msg, sizeof(msg)) != 0)
        return gs_fail(err, GS_ERR_ARG, "%s", msg);
    if (sodium_init() < 0)
        return gs_fail(err, GS_ERR_INTERNAL, "serve: libsodium could not start");
    s = calloc(1, sizeof(*s));
    if (!s)
        return gs_fail(err, GS_ERR_NOMEM, "serve: out of memory");
    s->opt = *opt;
    if (!s->opt.max_upload_bytes)
        s->opt.max_upload_bytes = (int64_t)GS_SERVE_MAX_UPLOAD_MB_DEFAULT << 20;
    if (!s->opt.max_connections)
        s->opt.max_connections = GS_SERVE_MAX_CONNECTIONS_DEFAULT;
    if (!s->opt.per_ip_connections)
        s->opt.per_ip_connections = GS_SERVE_PER_IP_CONNECTIONS_DEFAULT;
    if (!s->opt.timeout_s)
        s->opt.timeout_s = GS_SERVE_TIMEOUT_S_DEFAULT;
    if (!s->opt.max_hashes)
        s->opt.max_hashes = GS_SERVE_MAX_HASHES_DEFAULT;
    if (snprintf(s->dir, sizeof(s->dir), "%s", opt->data_dir) >= (int)sizeof(s->dir)) {
        rc = gs_fail(err, GS_ERR_ARG, "serve: the data folder's path is too long");
        goto fail;
    }
    if (pthread_mutex_init(&s->pool_mu, NULL) != 0 || pthread_cond_init(&s->pool_cv, NULL) != 0 ||
        pthread_mutex_init(&s->lim_mu, NULL) != 0 ||
        sem_init(&s->hash_sem, 0, s->opt.max_hashes) != 0) {
        rc = gs_fail(err, GS_ERR_INTERNAL, "serve: cannot create locks");
        goto fail;
    }
    s->pool_mu_ok = s->lim_mu_ok = s->hash_sem_ok = 1;
    s->by_addr = malloc(sizeof(*s->by_addr));
    s->by_account = malloc(sizeof(*s->by_account));
    if (!s->by_addr || !s->by_account) {
        rc = gs_fail(err, GS_ERR_NOMEM, "serve: out of memory");
        goto fail;
    }
    gs_serve__limiter_init(s->by_addr, ADDR_BURST, ADDR_REFILL_S);
    gs_serve__limiter_init(s->by_account, ACCOUNT_BURST, ACCOUNT_REFILL_S);
    rc = gs_store_dirs_create(s->dir, err);
    if (rc != GS_OK)
        goto fail;
    for (int i = 0; i < POOL_SIZE; i++) {
        rc = gs_store_open(opt->db ? opt->db : s->dir, &s->pool[i], err);
        if (rc != GS_OK)
            goto fail;
    }
    {
        size_t n_tmp = 0, n_blobs = 0;
        sweep_tmp(s, &n_tmp);
        rc = gs_store_sweep_blobs(s->pool[0], s->dir, now_s(), 0, &n_blobs, err);
        if (rc != GS_OK)
            goto fail;
        if (n_tmp || n_blobs)
            logf_(s, 1, "removed %zu unfinished upload(s) and %zu unrecorded file(s)", n_tmp,
                  n_blobs);
    }
    {
        /* The dummy hash an unknown e-mail is checked against (h_signin). */
        uint8_t pw[32];
        char pwtext[65];
        randombytes_buf(pw, sizeof(pw));
        hex(pw, sizeof(pw), pwtext);
        if (crypto_pwhash_str(s->dummy_hash, pwtext, strlen(pwtext),
                              crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
            rc = gs_fail(err, GS_ERR_NOMEM, "serve: Argon2id needs 64 MiB and did not get it");
            goto fail;
        }
    }
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (opt->tls_cert) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            rc = gs_fail(err, GS_ERR_UNSUPPORTED, "serve: this libmicrohttpd has no TLS support");
            goto fail;
        }
        if ((rc = read_pem(opt->tls_cert, &s->cert_pem, err)) != GS_OK ||
            (rc = read_pem(opt->tls_key, &s->key_pem, err)) != GS_OK)
            goto fail;
        flags |= MHD_USE_TLS;
        s->tls = 1;
    }
    if (s->tls)
        s->d = MHD_start_daemon(
            flags, (uint16_t)port, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER,
            on_mhd_log, s, MHD_OPTION_SOCK_ADDR, &ss,
            MHD_OPTION_CONNECTION_LIMIT, s->opt.max_connections,
            MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->opt.per_ip_connections,
            MHD_OPTION_CONNECTION_TIMEOUT, s->opt.timeout_s, MHD_OPTION_NOTIFY_COMPLETED,
            on_completed, s,
            MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_HTTPS_MEM_CERT, s->cert_pem,
            MHD_OPTION_HTTPS_MEM_KEY, s->key_pem, MHD_OPTION_END);
    else
        s->d = MHD_start_daemon(
            flags, (uint16_t)port, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER,
            on_mhd_log, s, MHD_OPTION_SOCK_ADDR, &ss,
            MHD_OPTION_CONNECTION_LIMIT, s->opt.max_connections,
            MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->opt.per_ip_connections,
            MHD_OPTION_CONNECTION_TIMEOUT, s->opt.timeout_s, MHD_OPTION_NOTIFY_COMPLETED,
            on_completed, s,
            MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_END);
    if (!s->d) {
        rc = gs_fail(err, GS_ERR_IO, "serve: cannot listen on %s (in use, or not an address of "
                                     "this machine%s)",
                     opt->listen ? opt->listen : "127.0.0.1:8080",
                     s->tls ? ", or the certificate and key do not match" : "");
        goto fail;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : port;
    (void)sl;
    *out = s;
    return GS_OK;
fail:
    gs_serve_stop(&s);
    return rc;
}

int gs_serve_port(const gs_serve *s)
{
    return s ? s->port : 0;
}

void gs_serve_stop(gs_serve **sp)
{
    if (!sp || !*sp)
        return;
    gs_serve *s = *sp;
    if (s->d) {
        /* Stop accepting first, then let the connection threads end (MHD joins them). */
        MHD_socket ls = MHD_quiesce_daemon(s->d);
        MHD_stop_daemon(s->d);
        if (ls != MHD_INVALID_SOCKET)
            close(ls); /* after quiesce the listening socket is ours to close */
    }
    for (int i = 0; i < POOL_SIZE; i++)
        gs_store_close(&s->pool[i]);
    if (s->hash_sem_ok)
        sem_destroy(&s->hash_sem);
    if (s->pool_mu_ok) {
        pthread_mutex_destroy(&s->pool_mu);
        pthread_cond_destroy(&s->pool_cv);
    }
    if (s->lim_mu_ok)
        pthread_mutex_destroy(&s->lim_mu);
    free(s->by_addr);
    free(s->by_account);
    if (s->key_pem)
        sodium_memzero(s->key_pem, strlen(s->key_pem));
    free(s->key_pem);
    free(s->cert_pem);
    free(s);
    *sp = NULL;
}
