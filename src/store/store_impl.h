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

/** The failure message of a lapsed job that used max_attempts (both back ends write the same). */
#define GS_STORE__GAVE_UP_FMT "the analysis stopped %d times without finishing (last worker %s)"

#endif /* GS_STORE_IMPL_H */
