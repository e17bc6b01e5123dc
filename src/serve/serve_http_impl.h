/*
 * gaitscope serve internals shared by the server's own files (not the pure parsing layer of
 * serve_impl.h): the server and request structures and what each file gives the others.
 *   serve.c         HTTP plumbing: start/stop, the access handler, authentication, the store
 *                   pool, password hashing and rate limits
 *   serve_reply.c   every answer's bytes: JSON replies and errors, session files with Range
 *   serve_api.c     the JSON API's route handlers (accounts, athletes, sessions, jobs, shares)
 *   serve_upload.c  an upload streamed to DIR/tmp, hashed, kept and recorded
 */
#ifndef GS_SERVE_HTTP_IMPL_H
#define GS_SERVE_HTTP_IMPL_H

#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <sodium.h>

#include "serve.h"
#include "serve_impl.h"
#include "store.h"

/* Store handles shared by the request threads (each used by one thread at a time: store.h).
 * Eight is above the two cores' worth of concurrent SQLite work; more requests wait briefly. */
#define GS_SERVE__POOL_SIZE 8
/* JSON bodies are small (credentials, a name, a number of days). */
#define GS_SERVE__JSON_BODY_MAX (64 * 1024)
/* Room for the multipart framing and the text fields around the video (notes: 8000 bytes). */
#define GS_SERVE__UPLOAD_SLACK_BYTES (64 * 1024)
/* A re-run's multipart form: the edited events file, its text fields and the framing. */
#define GS_SERVE__RERUN_BODY_MAX (GS_STORE_EVENTS_MAX_BYTES + GS_SERVE__UPLOAD_SLACK_BYTES)
/* Slots of the access log's memory of embedded media (a direct-mapped table: a collision only
 * logs one entry more). */
#define GS_SERVE__SEEN_SLOTS 1024
/* Bearer tokens live 30 days; a sign-in from a phone should not need repeating daily. */
#define GS_SERVE__TOKEN_LIFETIME_S (30 * 86400)

struct gs_serve {
    gs_serve_options opt;
    char dir[PATH_MAX / 2];
    struct MHD_Daemon *d;
    int port, tls;
    char *cert_pem, *key_pem;
    pthread_mutex_t pool_mu;
    pthread_cond_t pool_cv;
    gs_store *pool[GS_SERVE__POOL_SIZE];
    int pool_busy[GS_SERVE__POOL_SIZE];
    sem_t hash_sem;
    int hash_sem_ok, pool_mu_ok;
    char dummy_hash[crypto_pwhash_STRBYTES];
    pthread_mutex_t lim_mu;
    int lim_mu_ok;
    gs_serve__limiter *by_addr, *by_account;
    /* the access log's recent embedded-media openings (serve_clinic.c), under lim_mu */
    struct {
        uint8_t key[16];
        int64_t t;
    } seen[GS_SERVE__SEEN_SLOTS];
    /* the retention sweep's thread (serve.c), woken early only to stop */
    pthread_t ret_th;
    pthread_mutex_t ret_mu;
    pthread_cond_t ret_cv;
    int ret_th_ok, ret_mu_ok, ret_stop;
    /* the zip downloads running (serve_export.c), under exp_mu: slot i's account ("" free), and
     * the bytes the exports being written now may still add to DIR/tmp */
    pthread_mutex_t exp_mu;
    int exp_mu_ok;
    gs_store_id *exp_account; /* opt.max_exports slots */
    uint64_t exp_reserved;
    char proxy[64]; /* opt.trusted_proxy as inet_ntop writes it ("": none) */
};

/* One request of the JSON API (or a page's upload). */
typedef struct gs_serve__req {
    gs_serve *srv;
    gs_serve__route route;
    gs_store_id account;                   /* the account (clinic) whose records it opens */
    gs_store_id user;                      /* who signed in (the token's user) */
    gs_store_role role;
    uint8_t digest[GS_STORE_DIGEST_BYTES]; /* of the bearer token */
    char addr[64];                         /* client address, for the rate limits */
    /* JSON body (or a page's form) */
    char *body;
    size_t body_len;
    size_t body_max; /* 0: GS_SERVE__JSON_BODY_MAX; a re-run's multipart form: more */
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
    int page; /* 1: a browser page (pages.c), not /api/ */
} gs_serve__req;

/* serve.c */
void gs_serve__logf(gs_serve *s, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int64_t gs_serve__now_s(void);

/* serve_reply.c: every answer. */
/**
 * Queues status with body (taken over, malloc'd; NULL: an empty body) of type ctype (NULL:
 * none), the headers every answer carries (nosniff, no-store, no-referrer) and the extra
 * (name, value) pairs of extra (NULL-terminated list, may be NULL).
 */
enum MHD_Result gs_serve__reply(struct MHD_Connection *c, unsigned status, const char *ctype,
                                char *body, const char *const *extra);
/** status with the JSON o (taken over and freed; NULL: no body). */
enum MHD_Result gs_serve__reply_json(struct MHD_Connection *c, unsigned status, cJSON *o);
/** {"error": msg} with status and one extra header (NULL: none). */
enum MHD_Result gs_serve__reply_error_h(struct MHD_Connection *c, unsigned status, const char *msg,
                                        const char *header, const char *value);
enum MHD_Result gs_serve__reply_error(struct MHD_Connection *c, unsigned status, const char *msg);
/** A store status: 404 for not-found whoever owns the id (store.h), 400, 409, 503, 500. */
enum MHD_Result gs_serve__reply_store_error(gs_serve *s, struct MHD_Connection *c, gs_status st,
                                            const gs_error *e, const char *what);
/** 429 with Retry-After. */
enum MHD_Result gs_serve__reply_429(struct MHD_Connection *c, double retry_s, const char *what);
/** The session's output folder + "/" + the table's name i: 0 or -1. */
int gs_serve__file_path(gs_serve *s, const char *session, int i, char *buf, size_t n);

/* serve_api.c */
/** Answers an API request whose route, token and body are all in. */
enum MHD_Result gs_serve__api_handle(gs_serve__req *q, struct MHD_Connection *c);
/** A new API token for user as {token, expires} with status. */
enum MHD_Result gs_serve__reply_token(gs_serve *s, struct MHD_Connection *c, gs_store *st,
                                      const char *user, unsigned status);

/* serve_api_account.c: the account's own routes (account, retention, users, invitations,
 * access log). */
enum MHD_Result gs_serve__api_account(gs_serve__req *q, struct MHD_Connection *c, gs_store *st);

/* serve_clinic.c: what the API and the pages both do beyond one reply */
#define GS_SERVE__URL_MAX 600
/** Deletes the athlete's sessions (with their files, shares, NKT records and the uploads no
 * other session uses), then the athlete. */
gs_status gs_serve__athlete_remove(gs_serve *s, gs_store *st, const char *account,
                                   const char *athlete, gs_error *e);
/** Deletes every athlete as above, then the account with its users, tokens, invitations and
 * access log, and the upload files left. */
gs_status gs_serve__account_remove(gs_serve *s, gs_store *st, const char *account, gs_error *e);
/** A link to path of ours: --public-url, else the request's Host (when plain), else localhost. */
void gs_serve__link(gs_serve *s, struct MHD_Connection *c, const char *path, char *out, size_t n);
/** A new invitation (user NULL) or password reset (user: a therapist) of the account: its
 * single-use link /invite/TOKEN in url and when it lapses. */
gs_status gs_serve__invite_new(gs_serve *s, gs_store *st, struct MHD_Connection *c,
                               const char *account, const char *email, const char *user,
                               char url[GS_SERVE__URL_MAX], int64_t *expires, gs_error *e);
/** Writes an access-log entry (a Range request past the start of a file is no new opening and is
 * not written). The store's status; its failure is logged. */
gs_status gs_serve__access(gs_serve *s, gs_store *st, struct MHD_Connection *c,
                           const char *account, const char *user, const char *athlete,
                           const char *session, const char *what, const char *addr);
/** One retention round at now: the due sessions' overlay clips and uploads deleted. The count. */
size_t gs_serve__retention_run(gs_serve *s, gs_store *st, int64_t now);

/* serve_upload.c */
/** First call of an upload: the account owns the athlete, the size is allowed, the body is
 * multipart. 0 or an HTTP status with msg. */
int gs_serve__upload_begin(gs_serve__req *q, struct MHD_Connection *c, char *msg, size_t n);
/** A piece of the body through the multipart parser (errors are kept in q->fail_*). */
void gs_serve__upload_data(gs_serve__req *q, const char *data, size_t n);
/** Last call: keeps the file (or the account's identical one), records session and job. */
enum MHD_Result gs_serve__upload_finish(gs_serve__req *q, struct MHD_Connection *c);
/** Removes the request's temporary file, if any. */
void gs_serve__upload_discard(gs_serve__req *q);

/* A small multipart/form-data body read whole (a re-run's form with its edited events file):
 * the text fields, and the bytes of one file field. */
#define GS_SERVE__FORM_FIELDS    24
#define GS_SERVE__FORM_VALUE_MAX 8192
typedef struct gs_serve__form {
    int n;
    char key[GS_SERVE__FORM_FIELDS][48];
    char *val[GS_SERVE__FORM_FIELDS]; /* NUL-terminated, malloc'd */
    size_t len[GS_SERVE__FORM_FIELDS];
    char *file; /* the file field's bytes (malloc'd, NUL after them), NULL when not sent */
    size_t file_len;
    int file_parts;
} gs_serve__form;
/**
 * Parses body (len bytes, the whole multipart/form-data body of connection c) into f (zeroed
 * first): text fields (at most GS_SERVE__FORM_FIELDS of GS_SERVE__FORM_VALUE_MAX bytes each) and
 * the file field named file_field (at most file_max bytes; a part with an empty file name and no
 * bytes, as a browser sends for no file chosen, is no file). 0, or 400 (malformed, a field twice,
 * too many or too long), 413 (the file over file_max), 500, with msg. Free with
 * gs_serve__form_free() either way.
 */
int gs_serve__form_parse(struct MHD_Connection *c, const char *body, size_t len,
                         const char *file_field, size_t file_max, gs_serve__form *f, char *msg,
                         size_t n);
/** The text field key's value, or NULL. */
const char *gs_serve__form_get(const gs_serve__form *f, const char *key);
void gs_serve__form_free(gs_serve__form *f);
/** 1 when the request's Content-Type is multipart/form-data. */
int gs_serve__is_multipart(struct MHD_Connection *c);

/* serve_api_compare.c: the comparison, re-run and download routes (GS_SERVE__R_SESSION_RERUN
 * to GS_SERVE__R_COMPARISON_FILE). */
enum MHD_Result gs_serve__api_compare(gs_serve__req *q, struct MHD_Connection *c, gs_store *st);

#endif /* GS_SERVE_HTTP_IMPL_H */
