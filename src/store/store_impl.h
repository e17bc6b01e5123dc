/*
 * store internals: the back-end operations table. store.c checks every argument (ids, lengths,
 * dates, numbers) once for all back ends, then calls the back end through this table, so a back
 * end receives only valid ids and text that fits the store's limits. Not included outside
 * src/store.
 */
#ifndef GS_STORE_IMPL_H
#define GS_STORE_IMPL_H

#include "store.h"

typedef struct gs_store_ops {
    const char *name; /* "sqlite", "postgresql" */
    void (*close)(gs_store *s);
    gs_status (*account_add)(gs_store *s, const char *email, const char *pwhash, int64_t now,
                             const char *id, gs_error *err);
    gs_status (*account_by_email)(gs_store *s, const char *email, gs_store_account *out,
                                  gs_error *err);
    gs_status (*account_get)(gs_store *s, const char *account, gs_store_account *out,
                             gs_error *err);
    gs_status (*account_set_password)(gs_store *s, const char *account, const char *pwhash,
                                      int64_t now, gs_error *err);
    gs_status (*token_add)(gs_store *s, const char *account, const uint8_t *digest, int64_t now,
                           int64_t expires, gs_error *err);
    gs_status (*token_account)(gs_store *s, const uint8_t *digest, int64_t now,
                               gs_store_id account_out, gs_error *err);
    gs_status (*token_delete)(gs_store *s, const uint8_t *digest, gs_error *err);
    gs_status (*athlete_add)(gs_store *s, const char *account, const char *name, double height_m,
                             int64_t now, const char *id, gs_error *err);
    gs_status (*athlete_get)(gs_store *s, const char *account, const char *id,
                             gs_store_athlete *out, gs_error *err);
    gs_status (*athlete_list)(gs_store *s, const char *account, gs_store_athlete **out,
                              size_t *n, gs_error *err);
    gs_status (*blob_find)(gs_store *s, const char *account, const char *sha256,
                           gs_store_blob *out, gs_error *err);
    gs_status (*blob_add)(gs_store *s, const char *account, const char *id, const char *sha256,
                          int64_t size_bytes, int64_t now, gs_error *err);
    gs_status (*blob_ids)(gs_store *s, gs_store_id **out, size_t *n, gs_error *err);
    /* every session id (folder 0) or comparison id (1) of every account */
    gs_status (*folder_ids)(gs_store *s, int comparisons, gs_store_id **out, size_t *n,
                            gs_error *err);
    gs_status (*blob_delete_unused)(gs_store *s, const char *account, const char *id,
                                    gs_error *err);
    gs_status (*session_add)(gs_store *s, const char *account, const char *athlete,
                             const char *blob, const char *options_json, const char *notes,
                             const char *date, int64_t now, const char *session_id,
                             const char *job_id, gs_error *err);
    gs_status (*session_get)(gs_store *s, const char *account, const char *id,
                             gs_store_session *out, gs_error *err);
    gs_status (*session_list)(gs_store *s, const char *account, const char *athlete,
                              gs_store_session **out, size_t *n, gs_error *err);
    gs_status (*session_delete)(gs_store *s, const char *account, const char *id,
                                gs_store_id blob_gone, gs_error *err);
    gs_status (*job_get)(gs_store *s, const char *account, const char *id, gs_store_job *out,
                         gs_error *err);
    gs_status (*job_claim)(gs_store *s, const char *worker, int64_t now, int64_t lease_s,
                           int max_attempts, gs_store_job *out, gs_error *err);
    /* attempt: the claim's fencing token (its attempt number), or 0 for the worker's name only
     * (the unfenced public calls). */
    gs_status (*job_heartbeat)(gs_store *s, const char *id, const char *worker, int attempt,
                               double progress, const char *stage, int64_t now, int64_t lease_s,
                               gs_error *err);
    gs_status (*job_finish)(gs_store *s, const char *id, const char *worker, int attempt,
                            gs_store_job_status status, const char *error, int64_t now,
                            gs_error *err);
    gs_status (*job_release)(gs_store *s, const char *id, const char *worker, int attempt,
                             int64_t now, gs_error *err);
    gs_status (*job_cancel)(gs_store *s, const char *account, const char *id, gs_error *err);
    gs_status (*job_counts)(gs_store *s, int64_t counts[5], gs_error *err);
    gs_status (*wait_for_job)(gs_store *s, int timeout_ms, int *woke, gs_error *err);
    gs_status (*share_add)(gs_store *s, const char *account, const char *session,
                           const uint8_t *digest, int64_t now, int64_t expires, const char *id,
                           gs_error *err);
    gs_status (*share_session)(gs_store *s, const uint8_t *digest, int64_t now,
                               gs_store_id account_out, gs_store_session *session_out,
                               gs_error *err);
    gs_status (*share_delete)(gs_store *s, const char *account, const char *id, gs_error *err);
    gs_status (*share_list)(gs_store *s, const char *account, const char *session,
                            gs_store_share **out, size_t *n, gs_error *err);
    gs_status (*nkt_set)(gs_store *s, const char *account, const char *session,
                         const gs_store_nkt *rec, int64_t now, gs_error *err);
    gs_status (*nkt_get)(gs_store *s, const char *account, const char *session,
                         gs_store_nkt *out, gs_error *err);
    /* schema 3: users, invitations, deletes, retention, access log */
    gs_status (*user_list)(gs_store *s, const char *account, gs_store_account **out, size_t *n,
                           gs_error *err);
    gs_status (*user_delete)(gs_store *s, const char *account, const char *user, gs_error *err);
    gs_status (*account_set_retention)(gs_store *s, const char *account, int days,
                                       gs_error *err);
    gs_status (*account_delete)(gs_store *s, const char *account, gs_store_id **blobs,
                                size_t *n_blobs, gs_error *err);
    /* user NULL: a new therapist with email; else a reset of that user (email "") */
    gs_status (*invite_add)(gs_store *s, const char *account, const char *email,
                            const char *user, const uint8_t *digest, int64_t now,
                            int64_t expires, const char *id, gs_error *err);
    gs_status (*invite_get)(gs_store *s, const uint8_t *digest, int64_t now,
                            gs_store_invite *out, gs_error *err);
    /* new_id: the new therapist's id; user_out (in-out) gets the user's id */
    gs_status (*invite_accept)(gs_store *s, const uint8_t *digest, int64_t now,
                               const char *pwhash, gs_store_id user_out, gs_error *err);
    gs_status (*invite_list)(gs_store *s, const char *account, gs_store_invite **out, size_t *n,
                             gs_error *err);
    gs_status (*invite_delete)(gs_store *s, const char *account, const char *id, gs_error *err);
    gs_status (*athlete_delete)(gs_store *s, const char *account, const char *id,
                                gs_error *err);
    gs_status (*retention_due)(gs_store *s, int64_t now, size_t max, gs_store_purge **out,
                               size_t *n, gs_error *err);
    gs_status (*session_video_deleted)(gs_store *s, const char *account, const char *session,
                                       int64_t now, gs_store_id blob_gone, gs_error *err);
    /* user and session "" when none */
    gs_status (*access_add)(gs_store *s, const char *account, const char *user,
                            const char *athlete, const char *session, const char *what,
                            const char *addr, int64_t now, gs_error *err);
    gs_status (*access_list)(gs_store *s, const char *account, size_t max, size_t skip,
                             gs_store_access **out, size_t *n, gs_error *err);
    gs_status (*access_prune)(gs_store *s, int64_t before, size_t max, size_t *removed,
                              gs_error *err);
    /* schema 4: job kinds, comparisons, re-runs */
    gs_status (*session_rerun)(gs_store *s, const char *account, const char *session,
                               const char *options_json, int64_t now, const char *job_id,
                               gs_error *err);
    gs_status (*comparison_add)(gs_store *s, const char *account, const char *before,
                                const char *after, const char *options_json, int64_t now,
                                const char *id, const char *job_id, gs_error *err);
    gs_status (*comparison_get)(gs_store *s, const char *account, const char *id,
                                gs_store_comparison *out, gs_error *err);
    gs_status (*comparison_list)(gs_store *s, const char *account, const char *athlete,
                                 const char *session, gs_store_comparison **out, size_t *n,
                                 gs_error *err);
    gs_status (*comparison_delete)(gs_store *s, const char *account, const char *id,
                                   gs_error *err);
} gs_store_ops;

/** The handle every back end fills: its table, the schema version and its own state. */
struct gs_store {
    const gs_store_ops *ops;
    int schema_version;
    void *be; /* back end's state (sqlite: the connection) */
};

/**
 * SQLite back end: opens DIR/gaitscope.db into s (ops, schema_version and be set). Messages name
 * the database file.
 */
gs_status gs_store__sqlite_open(gs_store *s, const char *dir, gs_error *err);

/**
 * PostgreSQL back end: connects to the "postgresql://" URI into s (ops, schema_version and be
 * set). Messages name the database and host, never a password.
 */
gs_status gs_store__pg_open(gs_store *s, const char *uri, gs_error *err);

/* ---- statement arguments: one list type for both back ends -------------------------------- */

/*
 * A statement's bound values, in placeholder order, written at the call as
 *     ARGS(ARG_T(id), ARG_I(now), ARG_D(height_m), ARG_G(digest))
 * which gives the helpers (store_sqlite_impl.h, store_pg_impl.h) an array and its length.
 * ARG_I takes any integer (converted to int64_t by the compound literal, so an int or an enum
 * cannot be read with the wrong width), ARG_T NULL and ARG_D NAN are SQL NULL, ARG_G is a
 * GS_STORE_DIGEST_BYTES digest bound as a blob / binary bytea. NO_ARGS for none. Short names:
 * this header is included by src/store only.
 */
typedef struct gs_store__arg {
    char kind; /* 't', 'i', 'd', 'g' */
    const char *t;
    int64_t i;
    double d;
    const uint8_t *g;
} gs_store__arg;

#define ARG_T(x) ((gs_store__arg){.kind = 't', .t = (x)})
#define ARG_I(x) ((gs_store__arg){.kind = 'i', .i = (x)})
#define ARG_D(x) ((gs_store__arg){.kind = 'd', .d = (x)})
#define ARG_G(x) ((gs_store__arg){.kind = 'g', .g = (x)})
#define ARGS(...)                                                                              \
    (const gs_store__arg[]){__VA_ARGS__},                                                      \
        (int)(sizeof((const gs_store__arg[]){__VA_ARGS__}) / sizeof(gs_store__arg))
#define NO_ARGS NULL, 0

/* ---- rows: one reader per record for both back ends (store_rows.c) ------------------------ */

/*
 * One row of a result, as either back end sees it: res and row name it (a sqlite3_stmt on its
 * row, or a PGresult and a row number) and the four functions read column col of it. A back end
 * fills them once; the readers below then turn rows into records the same way for both, so the
 * column lists and the records' layout are written once.
 */
typedef struct gs_store__row gs_store__row;
struct gs_store__row {
    const void *res;
    int row;
    int (*is_null)(const gs_store__row *r, int col);
    const char *(*text)(const gs_store__row *r, int col); /* "" for NULL, never NULL */
    int64_t (*i64)(const gs_store__row *r, int col);      /* 0 for NULL */
    double (*dbl)(const gs_store__row *r, int col);       /* NAN for NULL */
};

/** Reads row r into *out, a record of the reader's type (gs_store_account for _account, ...). */
typedef void (*gs_store__read_fn)(const gs_store__row *r, void *out);

/* Column lists in the order the readers read them (the same tables in both back ends). */
#define GS_STORE__ACCOUNT_COLS                                                              \
    "id, email, pwhash, created, password_changed, clinic, role, retention_days"
#define GS_STORE__ATHLETE_COLS "id, name, height_m, created"
#define GS_STORE__BLOB_COLS    "id, sha256, size_bytes, refs, created"
#define GS_STORE__SESSION_COLS                                                              \
    "id, athlete, blob, job, options_json, notes, date, created, video_deleted"
/* What a new session's INSERT names (the rest keep their defaults), then its account. */
#define GS_STORE__SESSION_NEW_COLS "id, athlete, blob, job, options_json, notes, date, created"
/* The account, then the session columns, of sessions AS s (a share's join). */
#define GS_STORE__ACCOUNT_SESSION_COLS                                                      \
    "s.account, s.id, s.athlete, s.blob, s.job, s.options_json, s.notes, s.date, s.created, " \
    "s.video_deleted"
/* An invitation (gs_store_invite). */
#define GS_STORE__INVITE_COLS "id, account, COALESCE(reset_user, ''), email, created, expires"
/* An access-log entry of access_log AS a with the user's e-mail and athlete's name (LEFT JOINs
 * on accounts AS u and athletes AS t: both may be gone). */
#define GS_STORE__ACCESS_COLS                                                               \
    "a.at, a.member, COALESCE(u.email, ''), a.athlete, COALESCE(t.name, ''), a.session, "    \
    "a.what, a.addr"
/* A session due for retention (gs_store_purge) of sessions AS s. */
#define GS_STORE__PURGE_COLS "s.account, s.id, s.blob"
#define GS_STORE__JOB_COLS                                                                  \
    "id, session, account, status, progress, stage, error, attempts, worker, lease_until, " \
    "created, started, finished, kind"
/* Schema 4: a comparison of two sessions. */
#define GS_STORE__COMPARISON_COLS                                                           \
    "id, athlete, before_session, after_session, job, options_json, created"
#define GS_STORE__SHARE_COLS "id, created, expires"
#define GS_STORE__NKT_COLS   "tests, facilitators, released, activated, homework, updated"

/** A share's account and session (GS_STORE__ACCOUNT_SESSION_COLS). */
typedef struct gs_store__account_session {
    gs_store_id account;
    gs_store_session session;
} gs_store__account_session;

/** A (key, count) row: SELECT status, count(*) ... GROUP BY status. */
typedef struct gs_store__count {
    int64_t key, count;
} gs_store__count;

void gs_store__read_account(const gs_store__row *r, void *out);         /* gs_store_account */
void gs_store__read_athlete(const gs_store__row *r, void *out);         /* gs_store_athlete */
void gs_store__read_blob(const gs_store__row *r, void *out);            /* gs_store_blob */
void gs_store__read_session(const gs_store__row *r, void *out);         /* gs_store_session */
void gs_store__read_account_session(const gs_store__row *r, void *out); /* ..._account_session */
void gs_store__read_job(const gs_store__row *r, void *out);             /* gs_store_job */
void gs_store__read_share(const gs_store__row *r, void *out);            /* gs_store_share */
void gs_store__read_comparison(const gs_store__row *r, void *out);      /* gs_store_comparison */
void gs_store__read_nkt(const gs_store__row *r, void *out);             /* gs_store_nkt */
void gs_store__read_invite(const gs_store__row *r, void *out);          /* gs_store_invite */
void gs_store__read_access(const gs_store__row *r, void *out);          /* gs_store_access */
void gs_store__read_purge(const gs_store__row *r, void *out);           /* gs_store_purge */
void gs_store__read_id(const gs_store__row *r, void *out);              /* gs_store_id, column 0 */
void gs_store__read_id2(const gs_store__row *r, void *out);             /* gs_store_id[2], 0-1 */
void gs_store__read_i64(const gs_store__row *r, void *out);             /* int64_t, column 0 */
void gs_store__read_count(const gs_store__row *r, void *out);           /* gs_store__count */

/**
 * Grows *arr (elem bytes each, *cap of them) so that it holds at least n + 1; GS_ERR_NOMEM.
 * Lists are read with it row by row.
 */
gs_status gs_store__grow(void **arr, size_t *cap, size_t n, size_t elem, gs_error *err);

/** The failure message of a lapsed job that used max_attempts (both back ends write the same). */
#define GS_STORE__GAVE_UP_FMT "the analysis stopped %d times without finishing (last worker %s)"

#endif /* GS_STORE_IMPL_H */
