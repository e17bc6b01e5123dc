/*
 * gaitscope serve: the HTTP server (libmicrohttpd, one thread per connection): start and stop,
 * the access handler that routes each request to the JSON API (serve_api.c), an upload
 * (serve_upload.c) or a page (pages.c), bearer authentication, the store pool, password hashing
 * and rate limits. Records go through src/store only; files are found under the data folder by
 * database id and the fixed name table of serve_parse.c (serve_http_impl.h lists the files).
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

#include "serve_http_impl.h"

/* Rate limits (docs/api.md "Limits"): per client address 30 sign-in/sign-up/password attempts at
 * once, then one every 2 s (30 a minute); per account (e-mail) 10 at once, then one a minute,
 * so a guesser gets about 1440 tries a day per account however many addresses it has, and a
 * person who mistypes a few times is never stopped. */
#define ADDR_BURST       30
#define ADDR_REFILL_S    2.0
#define ACCOUNT_BURST    10
#define ACCOUNT_REFILL_S 60.0
/* Waiting for a password-hash slot longer than this answers 503. */
#define HASH_WAIT_S 30

void gs_serve__logf(gs_serve *s, int level, const char *fmt, ...)
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

int64_t gs_serve__now_s(void)
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

gs_store *gs_serve__store_get(gs_serve *s, int *slot)
{
    pthread_mutex_lock(&s->pool_mu);
    for (;;) {
        for (int i = 0; i < GS_SERVE__POOL_SIZE; i++)
            if (!s->pool_busy[i]) {
                s->pool_busy[i] = 1;
                *slot = i;
                pthread_mutex_unlock(&s->pool_mu);
                return s->pool[i];
            }
        pthread_cond_wait(&s->pool_cv, &s->pool_mu);
    }
}

void gs_serve__store_put(gs_serve *s, int slot)
{
    pthread_mutex_lock(&s->pool_mu);
    s->pool_busy[slot] = 0;
    pthread_cond_signal(&s->pool_cv);
    pthread_mutex_unlock(&s->pool_mu);
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

/* ---- what the pages (pages*.c) use of the server ----------------------------------------- */

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

gs_status gs_serve__token_new(gs_store *st, const char *account, gs_serve__token_kind kind,
                              char text[GS_SERVE__TOKEN_LEN + 1], gs_error *e)
{
    /* 256 random bits to the client, their digest of this kind to the store. */
    uint8_t tok[GS_SERVE__TOKEN_BYTES], dg[GS_STORE_DIGEST_BYTES];
    randombytes_buf(tok, sizeof(tok));
    gs_serve__token_digest(kind, tok, dg);
    int64_t t = gs_serve__now_s();
    gs_status rc = gs_store_token_add(st, account, dg, t, t + GS_SERVE__TOKEN_LIFETIME_S, e);
    if (rc == GS_OK)
        gs_serve__token_text(tok, text);
    sodium_memzero(tok, sizeof(tok));
    return rc;
}

void gs_serve__log(gs_serve *s, int level, const char *msg)
{
    gs_serve__logf(s, level, "%s", msg);
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

/* libmicrohttpd's header walk: keeps the value of the last X-Forwarded-For line. */
static enum MHD_Result last_forwarded(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    (void)kind;
    if (key && value && !strcasecmp(key, "X-Forwarded-For"))
        *(const char **)cls = value;
    return MHD_YES;
}

/* From the trusted proxy: the address it says it saw, the last of the last X-Forwarded-For (the
 * earlier ones came from the client and prove nothing), when it is an IP address; else out stays
 * the proxy's. */
static void forwarded_addr(struct MHD_Connection *c, char *out, size_t n)
{
    const char *v = NULL, *p;
    char a[64];
    unsigned char bin[sizeof(struct in6_addr)];
    MHD_get_connection_values(c, MHD_HEADER_KIND, last_forwarded, (void *)&v);
    if (!v)
        return;
    p = strrchr(v, ',');
    p = p ? p + 1 : v;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t len = strcspn(p, " \t");
    if (len == 0 || len >= sizeof(a) || p[len + strspn(p + len, " \t")] != '\0')
        return;
    memcpy(a, p, len);
    a[len] = '\0';
    if (inet_pton(AF_INET, a, bin) == 1)
        inet_ntop(AF_INET, bin, out, (socklen_t)n);
    else if (inet_pton(AF_INET6, a, bin) == 1)
        inet_ntop(AF_INET6, bin, out, (socklen_t)n);
}

static int authenticate(gs_serve__req *q, struct MHD_Connection *c, char *msg, size_t n)
{
    uint8_t tok[GS_SERVE__TOKEN_BYTES];
    gs_error e = {0};
    int slot;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    int st = gs_serve__bearer(h, tok, msg, n);
    if (st)
        return st;
    gs_serve__token_digest(GS_SERVE__TOKEN_API, tok, q->digest);
    sodium_memzero(tok, sizeof(tok));
    gs_store *s = gs_serve__store_get(q->srv, &slot);
    gs_store_account u;
    gs_status rc = gs_store_token_account(s, q->digest, gs_serve__now_s(), q->user, &e);
    if (rc == GS_OK) /* the user's account (clinic) owns the records; its role limits it */
        rc = gs_store_account_get(s, q->user, &u, &e);
    gs_serve__store_put(q->srv, slot);
    if (rc == GS_OK) {
        memcpy(q->account, u.account, sizeof(q->account));
        q->role = u.role;
    }
    if (rc == GS_ERR_NOT_FOUND)
        return snprintf(msg, n, "the token is not valid (signed out, expired or revoked)"), 401;
    if (rc != GS_OK) {
        gs_serve__logf(q->srv, 2, "store: %s", e.msg);
        return snprintf(msg, n, "the server could not reach its records; try again"),
               rc == GS_ERR_IO ? 503 : 500;
    }
    return 0;
}

/* A page's re-run form: /sessions/<id>/rerun. */
static int rerun_url(const char *url)
{
    return !strncmp(url, "/sessions/", 10) && strlen(url) == 10 + GS_STORE_ID_LEN + 6 &&
           !strcmp(url + 10 + GS_STORE_ID_LEN, "/rerun");
}

/* Appends key=value, percent-encoded (application/x-www-form-urlencoded), to *out. */
static int form_append(char **out, size_t *len, size_t *cap, const char *key, const char *v,
                       size_t vlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t need = *len + strlen(key) + 3 * vlen + 3;
    if (need > *cap) {
        char *b = realloc(*out, need);
        if (!b)
            return -1;
        *out = b;
        *cap = need;
    }
    char *p = *out + *len;
    if (*len)
        *p++ = '&';
    p += sprintf(p, "%s=", key);
    for (size_t i = 0; i < vlen; i++) {
        unsigned char ch = (unsigned char)v[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || ch == '.') {
            *p++ = (char)ch;
        } else {
            *p++ = '%';
            *p++ = hex[ch >> 4];
            *p++ = hex[ch & 15];
        }
    }
    *p = '\0';
    *len = (size_t)(p - *out);
    return 0;
}

/* A page's re-run form as multipart/form-data (it carries an edited events file): its text
 * fields and the file (as the field events_file) become the urlencoded form the pages read. */
static enum MHD_Result page_multipart(gs_serve__req *q, struct MHD_Connection *c,
                                      const char *method, const char *url)
{
    gs_serve__form f;
    char msg[GS_SERVE__MSG], *body = NULL;
    size_t len = 0, cap = 0;
    int st = gs_serve__form_parse(c, q->body, q->body_len, "events", GS_STORE_EVENTS_MAX_BYTES, &f,
                                  msg, sizeof(msg));
    for (int i = 0; !st && i < f.n; i++)
        if (form_append(&body, &len, &cap, f.key[i], f.val[i] ? f.val[i] : "", f.len[i]) != 0)
            st = 500, snprintf(msg, sizeof(msg), "out of memory");
    if (!st && f.file && form_append(&body, &len, &cap, "events_file", f.file, f.file_len) != 0)
        st = 500, snprintf(msg, sizeof(msg), "out of memory");
    gs_serve__form_free(&f);
    if (st) {
        free(body);
        return (enum MHD_Result)gs_serve__page_error(q->srv, c, (unsigned)st, msg);
    }
    enum MHD_Result r = (enum MHD_Result)gs_serve__page(q->srv, c, method, url, body, len, q->addr);
    free(body);
    return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    gs_serve *s = cls;
    gs_serve__req *q = *con_cls;
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
        if (s->proxy[0] && !strcmp(q->addr, s->proxy))
            forwarded_addr(c, q->addr, sizeof(q->addr));
        if (strncmp(url, "/api/", 5) != 0) {
            /* A browser page (pages.c). Its upload is the API's upload with the account taken
             * from the cookie and a CSRF header; every other page has a small form body. */
            q->page = 1;
            st =
                gs_serve__page_begin(s, c, method, url, q->account, q->route.rid, msg, sizeof(msg));
            if (st == 1) {
                q->route.id = GS_SERVE__R_ATHLETE_SESSIONS;
                q->route.method = GS_SERVE__POST;
                st = gs_serve__upload_begin(q, c, msg, sizeof(msg));
            } else if (!st) {
                const char *cl =
                    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
                uint64_t len = 0;
                /* the re-run form carries an edited events file */
                if (rerun_url(url) && gs_serve__is_multipart(c))
                    q->body_max = GS_SERVE__RERUN_BODY_MAX;
                size_t max = q->body_max ? q->body_max : GS_SERVE__JSON_BODY_MAX;
                if (cl && gs_serve__content_length(cl, &len) == 0 && len > max)
                    st = 413, snprintf(msg, sizeof(msg), "a form is at most %zu bytes", max);
            }
            if (st) {
                q->fail_status = st;
                if (q->route.id == GS_SERVE__R_ATHLETE_SESSIONS)
                    return gs_serve__reply_error(c, (unsigned)st, msg);
                return (enum MHD_Result)gs_serve__page_error(s, c, (unsigned)st, msg);
            }
            return MHD_YES;
        }
        st = gs_serve__route_parse(method, url, &q->route, msg, sizeof(msg));
        if (!st && q->route.needs_auth)
            st = authenticate(q, c, msg, sizeof(msg));
        if (!st && q->route.id == GS_SERVE__R_ATHLETE_SESSIONS && q->route.method == GS_SERVE__POST)
            st = gs_serve__upload_begin(q, c, msg, sizeof(msg));
        if (!st && !q->upload && q->route.method == GS_SERVE__POST) {
            const char *cl =
                MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
            uint64_t len = 0;
            /* a re-run may send its edited events file as multipart/form-data */
            if (q->route.id == GS_SERVE__R_SESSION_RERUN && gs_serve__is_multipart(c))
                q->body_max = GS_SERVE__RERUN_BODY_MAX;
            size_t max = q->body_max ? q->body_max : GS_SERVE__JSON_BODY_MAX;
            if (cl && gs_serve__content_length(cl, &len) == 0 && len > max)
                st = 413,
                snprintf(msg, sizeof(msg), "a request body here is at most %zu bytes", max);
        }
        if (st) {
            q->fail_status = st; /* answered; anything after is dropped */
            return gs_serve__reply_error(c, (unsigned)st, msg);
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
            gs_serve__upload_data(q, upload_data, n);
            if (q->cut) {
                gs_serve__upload_discard(q);
                gs_serve__logf(s, 1, "upload cut off: %s", q->fail_msg);
                if (gs_serve__reply_error(c, (unsigned)q->fail_status, q->fail_msg) == MHD_YES)
                    return MHD_YES;
                return MHD_NO;
            }
            return MHD_YES;
        }
        if (q->body_len + n > (q->body_max ? q->body_max : GS_SERVE__JSON_BODY_MAX)) {
            q->fail_status = 413;
            if (q->page)
                return (enum MHD_Result)gs_serve__page_error(s, c, 413, "the form is too large");
            return gs_serve__reply_error(c, 413, "the JSON body is too large") == MHD_YES ? MHD_YES
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
        return gs_serve__upload_finish(q, c);
    }
    if (q->page && q->body_max && gs_serve__is_multipart(c))
        return page_multipart(q, c, method, url);
    if (q->page)
        return (enum MHD_Result)gs_serve__page(s, c, method, url, q->body, q->body_len, q->addr);
    return gs_serve__api_handle(q, c);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    gs_serve__req *q = *con_cls;
    (void)cls, (void)c, (void)toe;
    if (!q)
        return;
    if (q->pp)
        MHD_destroy_post_processor(q->pp);
    gs_serve__upload_discard(q); /* an upload that did not finish leaves nothing behind */
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

/* Applies every account's retention now and then every retention_every_s, until stopped. The
 * first round waits a few seconds so a starting server answers first. */
static void *retention_thread(void *arg)
{
    gs_serve *s = arg;
    unsigned every = s->opt.retention_every_s ? s->opt.retention_every_s
                                              : GS_SERVE_RETENTION_EVERY_S_DEFAULT;
    unsigned wait_s = every < 5 ? every : 5;
    for (;;) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += wait_s;
        pthread_mutex_lock(&s->ret_mu);
        while (!s->ret_stop && pthread_cond_timedwait(&s->ret_cv, &s->ret_mu, &ts) == 0)
            ;
        int stop = s->ret_stop;
        pthread_mutex_unlock(&s->ret_mu);
        if (stop)
            return NULL;
        int slot;
        gs_store *st = gs_serve__store_get(s, &slot);
        gs_serve__retention_run(s, st, gs_serve__now_s() + s->opt.clock_offset_s);
        gs_serve__store_put(s, slot);
        wait_s = every;
    }
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
    if (gs_serve__listen_parse(opt->listen ? opt->listen : "127.0.0.1:8080", &ss, &sl, &port, msg,
                               sizeof(msg)) != 0)
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
    if (!s->opt.max_exports)
        s->opt.max_exports = GS_SERVE_MAX_EXPORTS_DEFAULT;
    if (!s->opt.max_exports_per_account)
        s->opt.max_exports_per_account = GS_SERVE_MAX_EXPORTS_PER_ACCOUNT_DEFAULT;
    if (!s->opt.export_min_free_mb)
        s->opt.export_min_free_mb = GS_SERVE_EXPORT_MIN_FREE_MB_DEFAULT;
    if (opt->trusted_proxy && opt->trusted_proxy[0]) {
        unsigned char bin[sizeof(struct in6_addr)];
        int v4 = inet_pton(AF_INET, opt->trusted_proxy, bin) == 1;
        if (!v4 && inet_pton(AF_INET6, opt->trusted_proxy, bin) != 1) {
            rc = gs_fail(err, GS_ERR_ARG, "serve: --trusted-proxy '%.60s' is not an IP address",
                         opt->trusted_proxy);
            goto fail;
        }
        inet_ntop(v4 ? AF_INET : AF_INET6, bin, s->proxy, sizeof(s->proxy));
    }
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
    if (pthread_mutex_init(&s->exp_mu, NULL) != 0) {
        rc = gs_fail(err, GS_ERR_INTERNAL, "serve: cannot create locks");
        goto fail;
    }
    s->exp_mu_ok = 1;
    s->exp_account = calloc(s->opt.max_exports, sizeof(*s->exp_account));
    if (!s->exp_account) {
        rc = gs_fail(err, GS_ERR_NOMEM, "serve: out of memory");
        goto fail;
    }
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
    for (int i = 0; i < GS_SERVE__POOL_SIZE; i++) {
        rc = gs_store_open(opt->db ? opt->db : s->dir, &s->pool[i], err);
        if (rc != GS_OK)
            goto fail;
    }
    {
        size_t n_tmp = 0, n_blobs = 0;
        sweep_tmp(s, &n_tmp);
        rc = gs_store_sweep_blobs(s->pool[0], s->dir, gs_serve__now_s(), 0, &n_blobs, err);
        if (rc != GS_OK)
            goto fail;
        size_t n_folders = 0;
        /* what a kill between a record's delete and its folder's left behind */
        rc = gs_store_sweep_folders(s->pool[0], s->dir, &n_folders, err);
        if (rc != GS_OK)
            goto fail;
        if (n_tmp || n_blobs || n_folders)
            gs_serve__logf(s, 1,
                           "removed %zu unfinished upload(s), %zu unrecorded file(s) and %zu "
                           "folder(s) of deleted sessions or comparisons",
                           n_tmp, n_blobs, n_folders);
    }
    {
        /* The dummy hash an unknown e-mail is checked against (h_signin). */
        uint8_t pw[32];
        char pwtext[65];
        randombytes_buf(pw, sizeof(pw));
        sodium_bin2hex(pwtext, sizeof(pwtext), pw, sizeof(pw));
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
            on_mhd_log, s, MHD_OPTION_SOCK_ADDR, &ss, MHD_OPTION_CONNECTION_LIMIT,
            s->opt.max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->opt.per_ip_connections,
            MHD_OPTION_CONNECTION_TIMEOUT, s->opt.timeout_s, MHD_OPTION_NOTIFY_COMPLETED,
            on_completed, s, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_HTTPS_MEM_CERT,
            s->cert_pem, MHD_OPTION_HTTPS_MEM_KEY, s->key_pem, MHD_OPTION_END);
    else
        s->d = MHD_start_daemon(
            flags, (uint16_t)port, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER,
            on_mhd_log, s, MHD_OPTION_SOCK_ADDR, &ss, MHD_OPTION_CONNECTION_LIMIT,
            s->opt.max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->opt.per_ip_connections,
            MHD_OPTION_CONNECTION_TIMEOUT, s->opt.timeout_s, MHD_OPTION_NOTIFY_COMPLETED,
            on_completed, s, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_END);
    if (!s->d) {
        rc = gs_fail(err, GS_ERR_IO,
                     "serve: cannot listen on %s (in use, or not an address of "
                     "this machine%s)",
                     opt->listen ? opt->listen : "127.0.0.1:8080",
                     s->tls ? ", or the certificate and key do not match" : "");
        goto fail;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : port;
    (void)sl;
    if (pthread_mutex_init(&s->ret_mu, NULL) != 0 || pthread_cond_init(&s->ret_cv, NULL) != 0) {
        rc = gs_fail(err, GS_ERR_INTERNAL, "serve: cannot create locks");
        goto fail;
    }
    s->ret_mu_ok = 1;
    if (pthread_create(&s->ret_th, NULL, retention_thread, s) != 0) {
        rc = gs_fail(err, GS_ERR_INTERNAL, "serve: cannot start the retention thread");
        goto fail;
    }
    s->ret_th_ok = 1;
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
    if (s->ret_th_ok) {
        pthread_mutex_lock(&s->ret_mu);
        s->ret_stop = 1;
        pthread_cond_signal(&s->ret_cv);
        pthread_mutex_unlock(&s->ret_mu);
        pthread_join(s->ret_th, NULL);
    }
    if (s->ret_mu_ok) {
        pthread_mutex_destroy(&s->ret_mu);
        pthread_cond_destroy(&s->ret_cv);
    }
    if (s->d) {
        /* Stop accepting first, then let the connection threads end (MHD joins them). */
        MHD_socket ls = MHD_quiesce_daemon(s->d);
        MHD_stop_daemon(s->d);
        if (ls != MHD_INVALID_SOCKET)
            close(ls); /* after quiesce the listening socket is ours to close */
    }
    for (int i = 0; i < GS_SERVE__POOL_SIZE; i++)
        gs_store_close(&s->pool[i]);
    /* after the daemon: its answers' free callbacks (serve_export.c) take exp_mu */
    if (s->exp_mu_ok)
        pthread_mutex_destroy(&s->exp_mu);
    free(s->exp_account);
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
