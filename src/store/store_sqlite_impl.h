/*
 * SQLite back end internals, shared by its three files: store_sqlite.c (connection, statement
 * helpers, transactions, schema, open), store_sqlite_records.c (accounts ... NKT records, and the
 * operations table), store_sqlite_jobs.c (the job queue). Included by those files only.
 */
#ifndef GS_STORE_SQLITE_IMPL_H
#define GS_STORE_SQLITE_IMPL_H

#include <sqlite3.h>

#include "store_impl.h"

typedef struct gs_store__sq {
    sqlite3 *db;
    char path[4096]; /* DIR/gaitscope.db, for messages */
} gs_store__sq;

/* The back end's state of an open store. */
static inline gs_store__sq *gs_store__sq_of(gs_store *s)
{
    return (gs_store__sq *)s->be;
}

/*
 * Statement helpers: prepare sql, bind the arguments (ARGS(...) of store_impl.h), step, finalize.
 * `what` names the operation in messages ("add athlete"; for _one, the record: "athlete" gives
 * "athlete not found"). Constraint failures are GS_ERR_EXISTS (UNIQUE, PRIMARY KEY, "what:
 * already exists") and GS_ERR_NOT_FOUND (a foreign key: the row pointed to is gone); others
 * GS_ERR_IO with SQLite's message and the database path.
 */
/** Runs for effect; *changes (may be NULL) gets the rows changed. */
gs_status gs_store__sq_do(gs_store__sq *q, const char *what, const char *sql,
                          const gs_store__arg *a, int na, int *changes, gs_error *err);
/** One row: read into out (out NULL: only whether there is one); GS_ERR_NOT_FOUND when none. */
gs_status gs_store__sq_one(gs_store__sq *q, const char *what, const char *sql,
                           const gs_store__arg *a, int na, gs_store__read_fn read, void *out,
                           gs_error *err);
/**
 * Every row, each read into a malloc'd array (*(T **)arr, elem bytes a row, freed and NULLed
 * first) with *n rows; on failure or no rows *(T **)arr is NULL and *n 0.
 */
gs_status gs_store__sq_all(gs_store__sq *q, const char *what, const char *sql,
                           const gs_store__arg *a, int na, gs_store__read_fn read, size_t elem,
                           void *arr, size_t *n, gs_error *err);

/* Transactions: a write starts with BEGIN IMMEDIATE (store_sqlite.c says why). end_tx commits
 * when rc is GS_OK (a failed commit becomes the result), otherwise rolls back; returns rc. */
gs_status gs_store__sq_begin_write(gs_store__sq *q, gs_error *err);
gs_status gs_store__sq_begin_read(gs_store__sq *q, gs_error *err);
gs_status gs_store__sq_end_tx(gs_store__sq *q, gs_status rc, gs_error *err);

/* GS_OK when the account has row id; sql is one of the fixed OWNED_* queries. */
gs_status gs_store__sq_owned(gs_store__sq *q, const char *sql, const char *account,
                             const char *id, const char *what, gs_error *err);
#define SQ_OWNED_ATHLETE "SELECT 1 FROM athletes WHERE id = ? AND account = ?"
#define SQ_OWNED_SESSION "SELECT 1 FROM sessions WHERE id = ? AND account = ?"
#define SQ_OWNED_JOB     "SELECT 1 FROM jobs WHERE id = ? AND account = ?"

/* The operations table (store_sqlite_records.c) and its entries from the other files. */
extern const gs_store_ops gs_store__sqlite_ops;
void gs_store__sq_close(gs_store *s);
gs_status gs_store__sq_job_get(gs_store *s, const char *account, const char *id,
                               gs_store_job *out, gs_error *err);
gs_status gs_store__sq_job_claim(gs_store *s, const char *worker, int64_t now, int64_t lease_s,
                                 int max_attempts, gs_store_job *out, gs_error *err);
gs_status gs_store__sq_job_heartbeat(gs_store *s, const char *id, const char *worker,
                                     int attempt, double progress, const char *stage, int64_t now,
                                     int64_t lease_s, gs_error *err);
gs_status gs_store__sq_job_finish(gs_store *s, const char *id, const char *worker, int attempt,
                                  gs_store_job_status status, const char *error, int64_t now,
                                  gs_error *err);
gs_status gs_store__sq_job_release(gs_store *s, const char *id, const char *worker, int attempt,
                                   int64_t now, gs_error *err);
gs_status gs_store__sq_job_cancel(gs_store *s, const char *account, const char *id,
                                  gs_error *err);
gs_status gs_store__sq_job_counts(gs_store *s, int64_t counts[5], gs_error *err);
gs_status gs_store__sq_wait_for_job(gs_store *s, int timeout_ms, int *woke, gs_error *err);

/* store_sqlite_clinic.c (schema 3) */
gs_status gs_store__sq_user_list(gs_store *s, const char *account, gs_store_account **out,
                                 size_t *n, gs_error *err);
gs_status gs_store__sq_user_delete(gs_store *s, const char *account, const char *user,
                                   gs_error *err);
gs_status gs_store__sq_account_set_retention(gs_store *s, const char *account, int days,
                                             gs_error *err);
gs_status gs_store__sq_account_delete(gs_store *s, const char *account, gs_store_id **blobs,
                                      size_t *n_blobs, gs_error *err);
gs_status gs_store__sq_invite_add(gs_store *s, const char *account, const char *email,
                                  const char *user, const uint8_t *digest, int64_t now,
                                  int64_t expires, const char *id, gs_error *err);
gs_status gs_store__sq_invite_get(gs_store *s, const uint8_t *digest, int64_t now,
                                  gs_store_invite *out, gs_error *err);
gs_status gs_store__sq_invite_accept(gs_store *s, const uint8_t *digest, int64_t now,
                                     const char *pwhash, gs_store_id user_io, gs_error *err);
gs_status gs_store__sq_invite_list(gs_store *s, const char *account, gs_store_invite **out,
                                   size_t *n, gs_error *err);
gs_status gs_store__sq_invite_delete(gs_store *s, const char *account, const char *id,
                                     gs_error *err);
gs_status gs_store__sq_athlete_delete(gs_store *s, const char *account, const char *id,
                                      gs_error *err);
gs_status gs_store__sq_retention_due(gs_store *s, int64_t now, size_t max, gs_store_purge **out,
                                     size_t *n, gs_error *err);
gs_status gs_store__sq_session_video_deleted(gs_store *s, const char *account, const char *session,
                                             int64_t now, gs_store_id blob_gone, gs_error *err);
gs_status gs_store__sq_access_add(gs_store *s, const char *account, const char *user,
                                  const char *athlete, const char *session, const char *what,
                                  const char *addr, int64_t now, gs_error *err);
gs_status gs_store__sq_access_list(gs_store *s, const char *account, size_t max, size_t skip,
                                   gs_store_access **out, size_t *n, gs_error *err);
gs_status gs_store__sq_access_prune(gs_store *s, int64_t before, size_t max, size_t *removed,
                                   gs_error *err);

#endif /* GS_STORE_SQLITE_IMPL_H */
