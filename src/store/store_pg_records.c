/*
 * PostgreSQL back end: the records (accounts, tokens, athletes, uploads, sessions, shares, NKT
 * records) and the operations table. A call of one statement runs it in a transaction of its own
 * (gs_store__pg_do/_one/_all with PG_TX_WRITE or PG_TX_IDEMPOTENT); a call of several is one
 * PG_TRANSACTION whose statements run PG_IN_TX (store_pg_impl.h; store_pg.c says when a call is
 * run again after its connection broke).
 */
#include "store.h"
#include "store_pg_impl.h"

#include <stdlib.h>
#include <string.h>

typedef gs_store__pg pg;
typedef gs_store__pg_tx tx;
#define PG gs_store__pg_of

/* ---- accounts and tokens ------------------------------------------------------------------ */

static gs_status pg_account_add(gs_store *s, const char *email, const char *pwhash, int64_t now,
                                const char *id, gs_error *err)
{
    gs_status rc = gs_store__pg_do(
        PG(s), PG_TX_WRITE, "add account",
        "INSERT INTO accounts(id, email, pwhash, created, password_changed, clinic)"
        " VALUES($1, $2, $3, $4, $4, $1)",
        ARGS(ARG_T(id), ARG_T(email), ARG_T(pwhash), ARG_I(now)), NULL, err);
    if (rc == GS_ERR_EXISTS)
        gs_fail(err, rc, "account: the e-mail address is taken");
    return rc;
}

static gs_status pg_account_by_email(gs_store *s, const char *email, gs_store_account *out,
                                     gs_error *err)
{
    return gs_store__pg_one(PG(s), PG_TX_IDEMPOTENT, "account",
                            "SELECT " GS_STORE__ACCOUNT_COLS " FROM accounts WHERE email = $1",
                            ARGS(ARG_T(email)), gs_store__read_account, out, err);
}

static gs_status pg_account_get(gs_store *s, const char *account, gs_store_account *out,
                                gs_error *err)
{
    return gs_store__pg_one(PG(s), PG_TX_IDEMPOTENT, "account",
                            "SELECT " GS_STORE__ACCOUNT_COLS " FROM accounts WHERE id = $1",
                            ARGS(ARG_T(account)), gs_store__read_account, out, err);
}

static gs_status pg_account_set_password(gs_store *s, const char *account, const char *pwhash,
                                         int64_t now, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {PG_TX_WRITE, 0, 0, 0};
    PG_TRANSACTION(p, &t, &rc, err)
    {
        int changes = 0;
        rc = gs_store__pg_do(p, PG_IN_TX, "change password",
                             "UPDATE accounts SET pwhash = $1, password_changed = $2 WHERE id = $3",
                             ARGS(ARG_T(pwhash), ARG_I(now), ARG_T(account)), &changes, err);
        if (rc == GS_OK && changes == 0)
            rc = gs_fail(err, GS_ERR_NOT_FOUND, "account not found");
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "revoke tokens",
                                 "DELETE FROM tokens WHERE account = $1", ARGS(ARG_T(account)),
                                 NULL, err);
    }
    return rc;
}

static gs_status pg_token_add(gs_store *s, const char *account, const uint8_t *digest, int64_t now,
                              int64_t expires, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {PG_TX_WRITE, 0, 0, 0};
    PG_TRANSACTION(p, &t, &rc, err)
    {
        /* The account's expired tokens go with each new one (as in the SQLite back end). */
        rc = gs_store__pg_do(p, PG_IN_TX, "add token",
                             "DELETE FROM tokens WHERE account = $1 AND expires <= $2",
                             ARGS(ARG_T(account), ARG_I(now)), NULL, err);
        if (rc == GS_OK)
            rc = gs_store__pg_do(
                p, PG_IN_TX, "add token",
                "INSERT INTO tokens(digest, account, created, expires) VALUES($1, $2, $3, $4)",
                ARGS(ARG_G(digest), ARG_T(account), ARG_I(now), ARG_I(expires)), NULL, err);
        if (rc == GS_ERR_NOT_FOUND)
            gs_fail(err, rc, "account not found");
    }
    return rc;
}

static gs_status pg_token_account(gs_store *s, const uint8_t *digest, int64_t now,
                                  gs_store_id account_out, gs_error *err)
{
    return gs_store__pg_one(PG(s), PG_TX_IDEMPOTENT, "token",
                            "SELECT account FROM tokens WHERE digest = $1 AND expires > $2",
                            ARGS(ARG_G(digest), ARG_I(now)), gs_store__read_id, account_out, err);
}

static gs_status pg_token_delete(gs_store *s, const uint8_t *digest, gs_error *err)
{
    int changes = 0;
    gs_status rc =
        gs_store__pg_do(PG(s), PG_TX_WRITE, "delete token", "DELETE FROM tokens WHERE digest = $1",
                        ARGS(ARG_G(digest)), &changes, err);
    if (rc == GS_OK && changes == 0)
        rc = gs_fail(err, GS_ERR_NOT_FOUND, "token not found");
    return rc;
}

/* ---- athletes ----------------------------------------------------------------------------- */

static gs_status pg_athlete_add(gs_store *s, const char *account, const char *name, double height_m,
                                int64_t now, const char *id, gs_error *err)
{
    gs_status rc = gs_store__pg_do(
        PG(s), PG_TX_WRITE, "add athlete",
        "INSERT INTO athletes(id, account, name, height_m, created) VALUES($1, $2, $3, $4, $5)",
        ARGS(ARG_T(id), ARG_T(account), ARG_T(name), ARG_D(height_m), ARG_I(now)), NULL, err);
    if (rc == GS_ERR_NOT_FOUND)
        gs_fail(err, rc, "account not found");
    return rc;
}

static gs_status pg_athlete_get(gs_store *s, const char *account, const char *id,
                                gs_store_athlete *out, gs_error *err)
{
    return gs_store__pg_one(
        PG(s), PG_TX_IDEMPOTENT, "athlete",
        "SELECT " GS_STORE__ATHLETE_COLS " FROM athletes WHERE id = $1 AND account = $2",
        ARGS(ARG_T(id), ARG_T(account)), gs_store__read_athlete, out, err);
}

static gs_status pg_athlete_list(gs_store *s, const char *account, gs_store_athlete **out,
                                 size_t *n, gs_error *err)
{
    return gs_store__pg_all(PG(s), PG_TX_IDEMPOTENT, "list athletes",
                            "SELECT " GS_STORE__ATHLETE_COLS " FROM athletes WHERE account = $1"
                            " ORDER BY name, created, seq",
                            ARGS(ARG_T(account)), gs_store__read_athlete, sizeof(**out), out, n,
                            err);
}

/* ---- blobs -------------------------------------------------------------------------------- */

static gs_status pg_blob_find(gs_store *s, const char *account, const char *sha256,
                              gs_store_blob *out, gs_error *err)
{
    return gs_store__pg_one(
        PG(s), PG_TX_IDEMPOTENT, "upload",
        "SELECT " GS_STORE__BLOB_COLS " FROM blobs WHERE account = $1 AND sha256 = $2",
        ARGS(ARG_T(account), ARG_T(sha256)), gs_store__read_blob, out, err);
}

static gs_status pg_blob_add(gs_store *s, const char *account, const char *id, const char *sha256,
                             int64_t size_bytes, int64_t now, gs_error *err)
{
    gs_status rc = gs_store__pg_do(
        PG(s), PG_TX_WRITE, "record upload",
        "INSERT INTO blobs(id, account, sha256, size_bytes, refs, created)"
        " VALUES($1, $2, $3, $4, 0, $5)",
        ARGS(ARG_T(id), ARG_T(account), ARG_T(sha256), ARG_I(size_bytes), ARG_I(now)), NULL, err);
    if (rc == GS_ERR_EXISTS)
        gs_fail(err, rc, "upload: the account already has this file (sha256 %.12s...)", sha256);
    else if (rc == GS_ERR_NOT_FOUND)
        gs_fail(err, rc, "account not found");
    return rc;
}

static gs_status pg_blob_ids(gs_store *s, gs_store_id **out, size_t *n, gs_error *err)
{
    return gs_store__pg_all(PG(s), PG_TX_IDEMPOTENT, "list uploads", "SELECT id FROM blobs",
                            NO_ARGS, gs_store__read_id, sizeof(**out), out, n, err);
}

static gs_status pg_folder_ids(gs_store *s, int comparisons, gs_store_id **out, size_t *n,
                               gs_error *err)
{
    return gs_store__pg_all(PG(s), PG_TX_IDEMPOTENT,
                            comparisons ? "list comparisons" : "list sessions",
                            comparisons ? "SELECT id FROM comparisons" : "SELECT id FROM sessions",
                            NO_ARGS, gs_store__read_id, sizeof(**out), out, n, err);
}

static gs_status pg_blob_delete_unused(gs_store *s, const char *account, const char *id,
                                       gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {PG_TX_WRITE, 0, 0, 0};
    PG_TRANSACTION(p, &t, &rc, err)
    {
        int64_t refs = 0;
        /* FOR UPDATE: a session taking a reference meanwhile waits for this transaction. */
        rc = gs_store__pg_one(p, PG_IN_TX, "upload",
                              "SELECT refs FROM blobs WHERE id = $1 AND account = $2 FOR UPDATE",
                              ARGS(ARG_T(id), ARG_T(account)), gs_store__read_i64, &refs, err);
        if (rc == GS_OK && refs > 0)
            rc = gs_fail(err, GS_ERR_EXISTS, "upload is used by %lld session(s)", (long long)refs);
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "delete upload", "DELETE FROM blobs WHERE id = $1",
                                 ARGS(ARG_T(id)), NULL, err);
    }
    return rc;
}

/* The rows of sql (gs_store__pg_all) in one read transaction, after checking that the account
 * owns record id (owned: a PG_OWNED_*; a missing one is "<owner> not found"). */
static gs_status pg_owned_list(pg *p, const char *owned, const char *account, const char *id,
                               const char *owner, const char *what, const char *sql,
                               const gs_store__arg *a, int na, gs_store__read_fn read, size_t elem,
                               void *arr, size_t *n, gs_error *err)
{
    gs_status rc;
    tx t = {PG_TX_IDEMPOTENT, 0, 0, 0};
    *(void **)arr = NULL;
    *n = 0;
    PG_TRANSACTION(p, &t, &rc, err)
    {
        rc = gs_store__pg_owned(p, owned, account, id, owner, err);
        if (rc == GS_OK)
            rc = gs_store__pg_all(p, PG_IN_TX, what, sql, a, na, read, elem, arr, n, err);
    }
    if (rc != GS_OK) {
        free(*(void **)arr);
        *(void **)arr = NULL;
        *n = 0;
    }
    return rc;
}

/* ---- sessions ----------------------------------------------------------------------------- */

static gs_status pg_session_add(gs_store *s, const char *account, const char *athlete,
                                const char *blob, const char *options_json, const char *notes,
                                const char *date, int64_t now, const char *session_id,
                                const char *job_id, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {PG_TX_WRITE, 0, 0, 0};
    PG_TRANSACTION(p, &t, &rc, err)
    {
        int changes = 0;
        rc = gs_store__pg_owned(p, PG_OWNED_ATHLETE, account, athlete, "athlete", err);
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "reference upload",
                                 "UPDATE blobs SET refs = refs + 1 WHERE id = $1 AND account = $2",
                                 ARGS(ARG_T(blob), ARG_T(account)), &changes, err);
        if (rc == GS_OK && changes == 0)
            rc = gs_fail(err, GS_ERR_NOT_FOUND, "upload not found");
        if (rc == GS_OK)
            rc = gs_store__pg_do(
                p, PG_IN_TX, "queue job",
                "INSERT INTO jobs(id, session, account, status, created) VALUES($1, $2, $3, $4, $5)",
                ARGS(ARG_T(job_id), ARG_T(session_id), ARG_T(account),
                     ARG_I(GS_STORE_JOB_QUEUED), ARG_I(now)),
                NULL, err);
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "add session",
                                 "INSERT INTO sessions(" GS_STORE__SESSION_NEW_COLS ", account)"
                                 " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                                 ARGS(ARG_T(session_id), ARG_T(athlete), ARG_T(blob),
                                      ARG_T(job_id), ARG_T(options_json), ARG_T(notes),
                                      ARG_T(date), ARG_I(now), ARG_T(account)),
                                 NULL, err);
        /* Delivered to the listening workers when (and only if) this transaction commits. */
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "announce job",
                                 "NOTIFY " GS_STORE__PG_NOTIFY_CHANNEL, NO_ARGS, NULL, err);
    }
    return rc;
}

static gs_status pg_session_get(gs_store *s, const char *account, const char *id,
                                gs_store_session *out, gs_error *err)
{
    return gs_store__pg_one(
        PG(s), PG_TX_IDEMPOTENT, "session",
        "SELECT " GS_STORE__SESSION_COLS " FROM sessions WHERE id = $1 AND account = $2",
        ARGS(ARG_T(id), ARG_T(account)), gs_store__read_session, out, err);
}

static gs_status pg_session_list(gs_store *s, const char *account, const char *athlete,
                                 gs_store_session **out, size_t *n, gs_error *err)
{
    return pg_owned_list(PG(s), PG_OWNED_ATHLETE, account, athlete, "athlete", "list sessions",
                         "SELECT " GS_STORE__SESSION_COLS " FROM sessions"
                         " WHERE account = $1 AND athlete = $2"
                         " ORDER BY created DESC, seq DESC",
                         ARGS(ARG_T(account), ARG_T(athlete)), gs_store__read_session,
                         sizeof(**out), out, n, err);
}

static gs_status pg_session_delete(gs_store *s, const char *account, const char *id,
                                   gs_store_id blob_gone, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    gs_store_id row[2] = {"", ""}; /* the session's blob and job */
    int64_t refs = -1;
    tx t = {PG_TX_WRITE, 0, 0, 0};
    PG_TRANSACTION(p, &t, &rc, err)
    {
        refs = -1;
        rc = gs_store__pg_one(p, PG_IN_TX, "session",
                              "SELECT blob, job FROM sessions WHERE id = $1 AND account = $2"
                              " FOR UPDATE",
                              ARGS(ARG_T(id), ARG_T(account)), gs_store__read_id2, row, err);
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "cancel job",
                                 "UPDATE jobs SET status = $1, lease_until = 0"
                                 " WHERE id = $2 AND status IN ($3, $4)",
                                 ARGS(ARG_I(GS_STORE_JOB_CANCELLED), ARG_T(row[1]),
                                      ARG_I(GS_STORE_JOB_QUEUED), ARG_I(GS_STORE_JOB_RUNNING)),
                                 NULL, err);
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "delete shares",
                                 "DELETE FROM shares WHERE session = $1", ARGS(ARG_T(id)), NULL,
                                 err);
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "delete NKT record",
                                 "DELETE FROM nkt_records WHERE session = $1", ARGS(ARG_T(id)),
                                 NULL, err);
        /* Its comparisons go with it (schema 4); their running jobs learn so at a heartbeat. */
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "cancel comparisons",
                                 "UPDATE jobs SET status = $1, lease_until = 0"
                                 " WHERE status IN ($2, $3) AND id IN (SELECT job FROM comparisons"
                                 " WHERE before_session = $4 OR after_session = $4)",
                                 ARGS(ARG_I(GS_STORE_JOB_CANCELLED), ARG_I(GS_STORE_JOB_QUEUED),
                                      ARG_I(GS_STORE_JOB_RUNNING), ARG_T(id)),
                                 NULL, err);
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "delete comparisons",
                                 "DELETE FROM comparisons WHERE before_session = $1"
                                 " OR after_session = $1",
                                 ARGS(ARG_T(id)), NULL, err);
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "delete session", "DELETE FROM sessions WHERE id = $1",
                                 ARGS(ARG_T(id)), NULL, err);
        if (rc == GS_OK)
            rc = gs_store__pg_one(p, PG_IN_TX, "upload",
                                  "UPDATE blobs SET refs = refs - 1 WHERE id = $1 RETURNING refs",
                                  ARGS(ARG_T(row[0])), gs_store__read_i64, &refs, err);
        if (rc == GS_OK && refs == 0)
            rc = gs_store__pg_do(p, PG_IN_TX, "delete upload", "DELETE FROM blobs WHERE id = $1",
                                 ARGS(ARG_T(row[0])), NULL, err);
    }
    if (rc == GS_OK && refs == 0 && blob_gone)
        memcpy(blob_gone, row[0], sizeof(gs_store_id));
    return rc;
}

/* ---- shares ------------------------------------------------------------------------------- */

static gs_status pg_share_add(gs_store *s, const char *account, const char *session,
                              const uint8_t *digest, int64_t now, int64_t expires, const char *id,
                              gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {PG_TX_WRITE, 0, 0, 0};
    PG_TRANSACTION(p, &t, &rc, err)
    {
        rc = gs_store__pg_owned(p, PG_OWNED_SESSION, account, session, "session", err);
        if (rc == GS_OK)
            rc = gs_store__pg_do(
                p, PG_IN_TX, "add share",
                "INSERT INTO shares(id, account, session, digest, created, expires)"
                " VALUES($1, $2, $3, $4, $5, $6)",
                ARGS(ARG_T(id), ARG_T(account), ARG_T(session), ARG_G(digest), ARG_I(now),
                     ARG_I(expires)),
                NULL, err);
        /* A session deleted between the check and the insert: the foreign key says so. */
        if (rc == GS_ERR_NOT_FOUND)
            gs_fail(err, rc, "session not found");
    }
    return rc;
}

static gs_status pg_share_session(gs_store *s, const uint8_t *digest, int64_t now,
                                  gs_store_id account_out, gs_store_session *session_out,
                                  gs_error *err)
{
    gs_store__account_session x;
    gs_status rc = gs_store__pg_one(
        PG(s), PG_TX_IDEMPOTENT, "share",
        "SELECT " GS_STORE__ACCOUNT_SESSION_COLS " FROM shares AS h"
        " JOIN sessions AS s ON s.id = h.session WHERE h.digest = $1 AND h.expires > $2",
        ARGS(ARG_G(digest), ARG_I(now)), gs_store__read_account_session, &x, err);
    if (rc == GS_OK && account_out)
        memcpy(account_out, x.account, sizeof(gs_store_id));
    if (rc == GS_OK && session_out)
        *session_out = x.session;
    return rc;
}

static gs_status pg_share_delete(gs_store *s, const char *account, const char *id, gs_error *err)
{
    int changes = 0;
    gs_status rc = gs_store__pg_do(PG(s), PG_TX_WRITE, "delete share",
                                   "DELETE FROM shares WHERE id = $1 AND account = $2",
                                   ARGS(ARG_T(id), ARG_T(account)), &changes, err);
    if (rc == GS_OK && changes == 0)
        rc = gs_fail(err, GS_ERR_NOT_FOUND, "share not found");
    return rc;
}

static gs_status pg_share_list(gs_store *s, const char *account, const char *session,
                               gs_store_share **out, size_t *n, gs_error *err)
{
    return pg_owned_list(PG(s), PG_OWNED_SESSION, account, session, "session", "list shares",
                         "SELECT " GS_STORE__SHARE_COLS " FROM shares"
                         " WHERE session = $1 AND account = $2"
                         " ORDER BY created DESC, id DESC",
                         ARGS(ARG_T(session), ARG_T(account)), gs_store__read_share,
                         sizeof(**out), out, n, err);
}

/* ---- NKT records -------------------------------------------------------------------------- */

static gs_status pg_nkt_set(gs_store *s, const char *account, const char *session,
                            const gs_store_nkt *rec, int64_t now, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {PG_TX_WRITE, 0, 0, 0};
    PG_TRANSACTION(p, &t, &rc, err)
    {
        rc = gs_store__pg_owned(p, PG_OWNED_SESSION, account, session, "session", err);
        if (rc == GS_OK)
            rc = gs_store__pg_do(
                p, PG_IN_TX, "write NKT record",
                "INSERT INTO nkt_records(session, account, " GS_STORE__NKT_COLS ")"
                " VALUES($1, $2, $3, $4, $5, $6, $7, $8)"
                " ON CONFLICT(session) DO UPDATE SET tests = EXCLUDED.tests,"
                " facilitators = EXCLUDED.facilitators, released = EXCLUDED.released,"
                " activated = EXCLUDED.activated, homework = EXCLUDED.homework,"
                " updated = EXCLUDED.updated",
                ARGS(ARG_T(session), ARG_T(account), ARG_T(rec->tests), ARG_T(rec->facilitators),
                     ARG_T(rec->released), ARG_T(rec->activated), ARG_T(rec->homework),
                     ARG_I(now)),
                NULL, err);
        /* A session deleted between the check and the insert: the foreign key says so. */
        if (rc == GS_ERR_NOT_FOUND)
            gs_fail(err, rc, "session not found");
    }
    return rc;
}

static gs_status pg_nkt_get(gs_store *s, const char *account, const char *session,
                            gs_store_nkt *out, gs_error *err)
{
    return gs_store__pg_one(
        PG(s), PG_TX_IDEMPOTENT, "NKT record",
        "SELECT " GS_STORE__NKT_COLS " FROM nkt_records WHERE session = $1 AND account = $2",
        ARGS(ARG_T(session), ARG_T(account)), gs_store__read_nkt, out, err);
}

/* ---- re-runs and comparisons (schema 4) --------------------------------------------------- */

#define PG_CANCEL_LIVE_JOB                                                                     \
    "UPDATE jobs SET status = $1, lease_until = 0 WHERE id = $2 AND status IN ($3, $4)"

/* A queued job of kind for target (a session or a comparison), announced to the listening
 * workers when (and only if) the transaction commits. */
static gs_status queue_job(pg *p, const char *job_id, const char *target, const char *account,
                           gs_store_job_kind kind, int64_t now, gs_error *err)
{
    gs_status rc = gs_store__pg_do(p, PG_IN_TX, "queue job",
                                   "INSERT INTO jobs(id, session, account, status, created, kind)"
                                   " VALUES($1, $2, $3, $4, $5, $6)",
                                   ARGS(ARG_T(job_id), ARG_T(target), ARG_T(account),
                                        ARG_I(GS_STORE_JOB_QUEUED), ARG_I(now), ARG_I(kind)),
                                   NULL, err);
    if (rc == GS_OK)
        rc = gs_store__pg_do(p, PG_IN_TX, "announce job", "NOTIFY " GS_STORE__PG_NOTIFY_CHANNEL,
                             NO_ARGS, NULL, err);
    return rc;
}

static gs_status pg_session_rerun(gs_store *s, const char *account, const char *session,
                                  const char *options_json, int64_t now, const char *job_id,
                                  gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {PG_TX_WRITE, 0, 0, 0};
    PG_TRANSACTION(p, &t, &rc, err)
    {
        gs_store_id old = "";
        rc = gs_store__pg_one(p, PG_IN_TX, "session",
                              "SELECT job FROM sessions WHERE id = $1 AND account = $2 FOR UPDATE",
                              ARGS(ARG_T(session), ARG_T(account)), gs_store__read_id, old, err);
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "cancel job", PG_CANCEL_LIVE_JOB,
                                 ARGS(ARG_I(GS_STORE_JOB_CANCELLED), ARG_T(old),
                                      ARG_I(GS_STORE_JOB_QUEUED), ARG_I(GS_STORE_JOB_RUNNING)),
                                 NULL, err);
        if (rc == GS_OK)
            rc = queue_job(p, job_id, session, account, GS_STORE_JOB_KIND_ANALYSIS, now, err);
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "update session",
                                 "UPDATE sessions SET job = $1, options_json = $2"
                                 " WHERE id = $3 AND account = $4",
                                 ARGS(ARG_T(job_id), ARG_T(options_json), ARG_T(session),
                                      ARG_T(account)),
                                 NULL, err);
    }
    return rc;
}

static gs_status pg_comparison_add(gs_store *s, const char *account, const char *before,
                                   const char *after, const char *options_json, int64_t now,
                                   const char *id, const char *job_id, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {PG_TX_WRITE, 0, 0, 0};
    PG_TRANSACTION(p, &t, &rc, err)
    {
        gs_store_id ath[2] = {"", ""};
        for (int k = 0; k < 2 && rc == GS_OK; k++)
            rc = gs_store__pg_one(p, PG_IN_TX, "session",
                                  "SELECT athlete FROM sessions WHERE id = $1 AND account = $2"
                                  " FOR SHARE",
                                  ARGS(ARG_T(k ? after : before), ARG_T(account)),
                                  gs_store__read_id, ath[k], err);
        if (rc == GS_OK && strcmp(ath[0], ath[1]) != 0)
            rc = gs_fail(err, GS_ERR_ARG, "the two sessions are of two athletes");
        if (rc == GS_OK)
            rc = queue_job(p, job_id, id, account, GS_STORE_JOB_KIND_COMPARE, now, err);
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "add comparison",
                                 "INSERT INTO comparisons(" GS_STORE__COMPARISON_COLS ", account)"
                                 " VALUES($1, $2, $3, $4, $5, $6, $7, $8)",
                                 ARGS(ARG_T(id), ARG_T(ath[0]), ARG_T(before), ARG_T(after),
                                      ARG_T(job_id), ARG_T(options_json), ARG_I(now),
                                      ARG_T(account)),
                                 NULL, err);
    }
    return rc;
}

static gs_status pg_comparison_get(gs_store *s, const char *account, const char *id,
                                   gs_store_comparison *out, gs_error *err)
{
    return gs_store__pg_one(PG(s), PG_TX_IDEMPOTENT, "comparison",
                            "SELECT " GS_STORE__COMPARISON_COLS " FROM comparisons"
                            " WHERE id = $1 AND account = $2",
                            ARGS(ARG_T(id), ARG_T(account)), gs_store__read_comparison, out, err);
}

static gs_status pg_comparison_list(gs_store *s, const char *account, const char *athlete,
                                    const char *session, gs_store_comparison **out, size_t *n,
                                    gs_error *err)
{
    if (athlete)
        return pg_owned_list(PG(s), PG_OWNED_ATHLETE, account, athlete, "athlete",
                             "list comparisons",
                             "SELECT " GS_STORE__COMPARISON_COLS " FROM comparisons"
                             " WHERE account = $1 AND athlete = $2"
                             " ORDER BY created DESC, seq DESC",
                             ARGS(ARG_T(account), ARG_T(athlete)), gs_store__read_comparison,
                             sizeof(**out), out, n, err);
    return pg_owned_list(PG(s), PG_OWNED_SESSION, account, session, "session", "list comparisons",
                         "SELECT " GS_STORE__COMPARISON_COLS " FROM comparisons"
                         " WHERE account = $1 AND (before_session = $2 OR after_session = $2)"
                         " ORDER BY created DESC, seq DESC",
                         ARGS(ARG_T(account), ARG_T(session)), gs_store__read_comparison,
                         sizeof(**out), out, n, err);
}

static gs_status pg_comparison_delete(gs_store *s, const char *account, const char *id,
                                      gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {PG_TX_WRITE, 0, 0, 0};
    PG_TRANSACTION(p, &t, &rc, err)
    {
        gs_store_id job = "";
        rc = gs_store__pg_one(p, PG_IN_TX, "comparison",
                              "SELECT job FROM comparisons WHERE id = $1 AND account = $2"
                              " FOR UPDATE",
                              ARGS(ARG_T(id), ARG_T(account)), gs_store__read_id, job, err);
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "cancel job", PG_CANCEL_LIVE_JOB,
                                 ARGS(ARG_I(GS_STORE_JOB_CANCELLED), ARG_T(job),
                                      ARG_I(GS_STORE_JOB_QUEUED), ARG_I(GS_STORE_JOB_RUNNING)),
                                 NULL, err);
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "delete comparison",
                                 "DELETE FROM comparisons WHERE id = $1", ARGS(ARG_T(id)), NULL,
                                 err);
    }
    return rc;
}

const gs_store_ops gs_store__pg_ops = {
    .name = "postgresql",
    .close = gs_store__pg_close,
    .account_add = pg_account_add,
    .account_by_email = pg_account_by_email,
    .account_get = pg_account_get,
    .account_set_password = pg_account_set_password,
    .token_add = pg_token_add,
    .token_account = pg_token_account,
    .token_delete = pg_token_delete,
    .athlete_add = pg_athlete_add,
    .athlete_get = pg_athlete_get,
    .athlete_list = pg_athlete_list,
    .blob_find = pg_blob_find,
    .blob_add = pg_blob_add,
    .blob_ids = pg_blob_ids,
    .folder_ids = pg_folder_ids,
    .blob_delete_unused = pg_blob_delete_unused,
    .session_add = pg_session_add,
    .session_get = pg_session_get,
    .session_list = pg_session_list,
    .session_delete = pg_session_delete,
    .job_get = gs_store__pg_job_get,
    .job_claim = gs_store__pg_job_claim,
    .job_heartbeat = gs_store__pg_job_heartbeat,
    .job_finish = gs_store__pg_job_finish,
    .job_release = gs_store__pg_job_release,
    .job_cancel = gs_store__pg_job_cancel,
    .job_counts = gs_store__pg_job_counts,
    .wait_for_job = gs_store__pg_wait_for_job,
    .share_add = pg_share_add,
    .share_session = pg_share_session,
    .share_delete = pg_share_delete,
    .share_list = pg_share_list,
    .nkt_set = pg_nkt_set,
    .nkt_get = pg_nkt_get,
    .user_list = gs_store__pg_user_list,
    .user_delete = gs_store__pg_user_delete,
    .account_set_retention = gs_store__pg_account_set_retention,
    .account_delete = gs_store__pg_account_delete,
    .invite_add = gs_store__pg_invite_add,
    .invite_get = gs_store__pg_invite_get,
    .invite_accept = gs_store__pg_invite_accept,
    .invite_list = gs_store__pg_invite_list,
    .invite_delete = gs_store__pg_invite_delete,
    .athlete_delete = gs_store__pg_athlete_delete,
    .retention_due = gs_store__pg_retention_due,
    .session_video_deleted = gs_store__pg_session_video_deleted,
    .access_add = gs_store__pg_access_add,
    .access_list = gs_store__pg_access_list,
    .access_prune = gs_store__pg_access_prune,
    .session_rerun = pg_session_rerun,
    .comparison_add = pg_comparison_add,
    .comparison_get = pg_comparison_get,
    .comparison_list = pg_comparison_list,
    .comparison_delete = pg_comparison_delete,
};
