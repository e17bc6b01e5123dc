/*
 * PostgreSQL back end internals, shared by its three files: store_pg.c (connection,
 * reconnection, transactions, statement helpers, schema, open, LISTEN), store_pg_records.c
 * (accounts ... NKT records, and the operations table), store_pg_jobs.c (the job queue).
 * Included by those files only.
 */
#ifndef GS_STORE_PG_IMPL_H
#define GS_STORE_PG_IMPL_H

#include <libpq-fe.h>

#include "store_impl.h"

#define GS_STORE__PG_NOTIFY_CHANNEL "gaitscope_jobs"

typedef struct gs_store__pg {
    PGconn *conn;
    char where[320]; /* "PostgreSQL database DB on HOST", for messages (never the password) */
    int listening;   /* LISTEN issued on the current connection */
    int broken;      /* the last statement failed because the connection broke */
    int in_commit;   /* ... and that statement was COMMIT */
} gs_store__pg;

/* The back end's state of an open store. */
static inline gs_store__pg *gs_store__pg_of(gs_store *s)
{
    return (gs_store__pg *)s->be;
}

/*
 * Where a statement runs, and how a call is run again after its connection broke:
 * PG_IN_TX: inside the caller's transaction (gs_store__pg_tx_begin/_end below);
 * PG_TX_WRITE: in a transaction of its own, run again only when the break came before COMMIT was
 * sent (nothing can have been stored);
 * PG_TX_IDEMPOTENT: in a transaction of its own, run again in any case (a read, or a write whose
 * repetition is harmless: a heartbeat).
 */
enum { PG_TX_WRITE = 0, PG_TX_IDEMPOTENT = 1, PG_IN_TX = 2 };

/*
 * Statement helpers: bind the arguments (ARGS(...) of store_impl.h; text in text format, digests
 * as binary bytea), run with PQexecParams, read the result. `what` names the operation in
 * messages ("add athlete"; for _one, the record: "athlete" gives "athlete not found").
 * SQLSTATE 23505 (unique violation) is GS_ERR_EXISTS ("what: already exists"), 23503 (foreign
 * key) GS_ERR_NOT_FOUND; others GS_ERR_IO with the server's first line and the database.
 */
/** Runs for effect; *changes (may be NULL) gets the rows changed (PQcmdTuples). */
gs_status gs_store__pg_do(gs_store__pg *p, int tx, const char *what, const char *sql,
                          const gs_store__arg *a, int na, int *changes, gs_error *err);
/** One row: read into out (out NULL: only whether there is one); GS_ERR_NOT_FOUND when none. */
gs_status gs_store__pg_one(gs_store__pg *p, int tx, const char *what, const char *sql,
                           const gs_store__arg *a, int na, gs_store__read_fn read, void *out,
                           gs_error *err);
/**
 * Every row, read into a malloc'd array (*(T **)arr, elem bytes a row) with *n rows; on failure
 * or no rows *(T **)arr is NULL and *n 0. PG_IN_TX: *(T **)arr must be NULL or an earlier try's
 * rows (freed first), so a transaction run again does not leak them.
 */
gs_status gs_store__pg_all(gs_store__pg *p, int tx, const char *what, const char *sql,
                           const gs_store__arg *a, int na, gs_store__read_fn read, size_t elem,
                           void *arr, size_t *n, gs_error *err);

/*
 * A call of several statements is one transaction, run again after a reconnect when its kind
 * allows (PG_TX_WRITE or PG_TX_IDEMPOTENT):
 *     gs_store__pg_tx t = {PG_TX_WRITE, 0, 0, 0};
 *     PG_TRANSACTION(p, &t, &rc, err) {
 *         rc = ...;   // statements with PG_IN_TX chained on rc; no break or return
 *     }
 * Each pass checks the connection and sends BEGIN; the end commits when rc is GS_OK (or
 * commit_anyway), otherwise rolls back, and decides whether to run the body again.
 */
typedef struct gs_store__pg_tx {
    int kind;          /* PG_TX_WRITE or PG_TX_IDEMPOTENT */
    int commit_anyway; /* set by a body whose failure result still commits (the claim) */
    int tries;         /* runs after a reconnect so far */
    int done;
} gs_store__pg_tx;

int gs_store__pg_tx_begin(gs_store__pg *p, gs_store__pg_tx *t, gs_status *rc, gs_error *err);
void gs_store__pg_tx_end(gs_store__pg *p, gs_store__pg_tx *t, gs_status *rc, gs_error *err);
#define PG_TRANSACTION(p, t, rc, err)                                                         \
    for (; gs_store__pg_tx_begin((p), (t), (rc), (err)); gs_store__pg_tx_end((p), (t), (rc), (err)))

/* GS_OK when the account has row id (inside the caller's transaction); sql is a PG_OWNED_*. */
gs_status gs_store__pg_owned(gs_store__pg *p, const char *sql, const char *account,
                             const char *id, const char *what, gs_error *err);
#define PG_OWNED_ATHLETE "SELECT 1 FROM athletes WHERE id = $1 AND account = $2"
#define PG_OWNED_SESSION "SELECT 1 FROM sessions WHERE id = $1 AND account = $2"
#define PG_OWNED_JOB     "SELECT 1 FROM jobs WHERE id = $1 AND account = $2"

/* The operations table (store_pg_records.c) and its entries from the other files. */
extern const gs_store_ops gs_store__pg_ops;
void gs_store__pg_close(gs_store *s);
gs_status gs_store__pg_wait_for_job(gs_store *s, int timeout_ms, int *woke, gs_error *err);
gs_status gs_store__pg_job_get(gs_store *s, const char *account, const char *id,
                               gs_store_job *out, gs_error *err);
gs_status gs_store__pg_job_claim(gs_store *s, const char *worker, int64_t now, int64_t lease_s,
                                 int max_attempts, gs_store_job *out, gs_error *err);
gs_status gs_store__pg_job_heartbeat(gs_store *s, const char *id, const char *worker,
                                     int attempt, double progress, const char *stage, int64_t now,
                                     int64_t lease_s, gs_error *err);
gs_status gs_store__pg_job_finish(gs_store *s, const char *id, const char *worker, int attempt,
                                  gs_store_job_status status, const char *error, int64_t now,
                                  gs_error *err);
gs_status gs_store__pg_job_release(gs_store *s, const char *id, const char *worker, int attempt,
                                   int64_t now, gs_error *err);
gs_status gs_store__pg_job_cancel(gs_store *s, const char *account, const char *id,
                                  gs_error *err);
gs_status gs_store__pg_job_counts(gs_store *s, int64_t counts[5], gs_error *err);

/* store_pg_clinic.c (schema 3) */
gs_status gs_store__pg_user_list(gs_store *s, const char *account, gs_store_account **out, size_t *n,
                                 gs_error *err);
gs_status gs_store__pg_user_delete(gs_store *s, const char *account, const char *user,
                                   gs_error *err);
gs_status gs_store__pg_account_set_retention(gs_store *s, const char *account, int days,
                                             gs_error *err);
gs_status gs_store__pg_account_delete(gs_store *s, const char *account, gs_store_id **blobs,
                                      size_t *n_blobs, gs_error *err);
gs_status gs_store__pg_invite_add(gs_store *s, const char *account, const char *email,
                                  const char *user, const uint8_t *digest, int64_t now,
                                  int64_t expires, const char *id, gs_error *err);
gs_status gs_store__pg_invite_get(gs_store *s, const uint8_t *digest, int64_t now,
                                  gs_store_invite *out, gs_error *err);
gs_status gs_store__pg_invite_accept(gs_store *s, const uint8_t *digest, int64_t now,
                                     const char *pwhash, gs_store_id user_io, gs_error *err);
gs_status gs_store__pg_invite_list(gs_store *s, const char *account, gs_store_invite **out,
                                   size_t *n, gs_error *err);
gs_status gs_store__pg_invite_delete(gs_store *s, const char *account, const char *id,
                                     gs_error *err);
gs_status gs_store__pg_athlete_delete(gs_store *s, const char *account, const char *id,
                                      gs_error *err);
gs_status gs_store__pg_retention_due(gs_store *s, int64_t now, size_t max, gs_store_purge **out,
                                     size_t *n, gs_error *err);
gs_status gs_store__pg_session_video_deleted(gs_store *s, const char *account, const char *session,
                                             int64_t now, gs_store_id blob_gone, gs_error *err);
gs_status gs_store__pg_access_add(gs_store *s, const char *account, const char *user,
                                  const char *athlete, const char *session, const char *what,
                                  const char *addr, int64_t now, gs_error *err);
gs_status gs_store__pg_access_list(gs_store *s, const char *account, size_t max, size_t skip,
                                   gs_store_access **out, size_t *n, gs_error *err);
gs_status gs_store__pg_access_prune(gs_store *s, int64_t before, size_t max, size_t *removed,
                                   gs_error *err);

#endif /* GS_STORE_PG_IMPL_H */
