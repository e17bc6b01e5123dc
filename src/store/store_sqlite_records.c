/*
 * SQLite back end: the records (accounts, tokens, athletes, uploads, sessions, shares, NKT
 * records) and the operations table. One statement is one call of gs_store__sq_do/_one/_all
 * (store_sqlite.c); a call of several statements is one transaction (BEGIN IMMEDIATE for writes:
 * store_sqlite.c says why).
 */
#include "store.h"
#include "store_sqlite_impl.h"

#include <stdlib.h>
#include <string.h>

typedef gs_store__sq sq;
#define SQ gs_store__sq_of

/* ---- accounts and tokens ------------------------------------------------------------------ */

static gs_status sq_account_add(gs_store *s, const char *email, const char *pwhash, int64_t now,
                                const char *id, gs_error *err)
{
    gs_status rc = gs_store__sq_do(
        SQ(s), "add account",
        "INSERT INTO accounts(id, email, pwhash, created, password_changed, clinic)"
        " VALUES(?1, ?2, ?3, ?4, ?4, ?1)",
        ARGS(ARG_T(id), ARG_T(email), ARG_T(pwhash), ARG_I(now)), NULL, err);
    if (rc == GS_ERR_EXISTS)
        gs_fail(err, rc, "account: the e-mail address is taken");
    return rc;
}

static gs_status sq_account_by_email(gs_store *s, const char *email, gs_store_account *out,
                                     gs_error *err)
{
    return gs_store__sq_one(SQ(s), "account",
                            "SELECT " GS_STORE__ACCOUNT_COLS " FROM accounts WHERE email = ?",
                            ARGS(ARG_T(email)), gs_store__read_account, out, err);
}

static gs_status sq_account_get(gs_store *s, const char *account, gs_store_account *out,
                                gs_error *err)
{
    return gs_store__sq_one(SQ(s), "account",
                            "SELECT " GS_STORE__ACCOUNT_COLS " FROM accounts WHERE id = ?",
                            ARGS(ARG_T(account)), gs_store__read_account, out, err);
}

static gs_status sq_account_set_password(gs_store *s, const char *account, const char *pwhash,
                                         int64_t now, gs_error *err)
{
    sq *q = SQ(s);
    int changes = 0;
    gs_status rc = gs_store__sq_begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    rc = gs_store__sq_do(q, "change password",
                         "UPDATE accounts SET pwhash = ?, password_changed = ? WHERE id = ?",
                         ARGS(ARG_T(pwhash), ARG_I(now), ARG_T(account)), &changes, err);
    if (rc == GS_OK && changes == 0)
        rc = gs_fail(err, GS_ERR_NOT_FOUND, "account not found");
    if (rc == GS_OK)
        rc = gs_store__sq_do(q, "revoke tokens", "DELETE FROM tokens WHERE account = ?",
                             ARGS(ARG_T(account)), NULL, err);
    return gs_store__sq_end_tx(q, rc, err);
}

static gs_status sq_token_add(gs_store *s, const char *account, const uint8_t *digest,
                              int64_t now, int64_t expires, gs_error *err)
{
    sq *q = SQ(s);
    gs_status rc = gs_store__sq_begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    /* The account's expired tokens go at each new one, so the table stays the size of the live
     * sessions (bounded work: one account's rows, by index). */
    rc = gs_store__sq_do(q, "add token", "DELETE FROM tokens WHERE account = ? AND expires <= ?",
                         ARGS(ARG_T(account), ARG_I(now)), NULL, err);
    if (rc == GS_OK)
        rc = gs_store__sq_do(
            q, "add token",
            "INSERT INTO tokens(digest, account, created, expires) VALUES(?, ?, ?, ?)",
            ARGS(ARG_G(digest), ARG_T(account), ARG_I(now), ARG_I(expires)), NULL, err);
    if (rc == GS_ERR_NOT_FOUND)
        gs_fail(err, rc, "account not found");
    return gs_store__sq_end_tx(q, rc, err);
}

static gs_status sq_token_account(gs_store *s, const uint8_t *digest, int64_t now,
                                  gs_store_id account_out, gs_error *err)
{
    return gs_store__sq_one(SQ(s), "token",
                            "SELECT account FROM tokens WHERE digest = ? AND expires > ?",
                            ARGS(ARG_G(digest), ARG_I(now)), gs_store__read_id, account_out,
                            err);
}

static gs_status sq_token_delete(gs_store *s, const uint8_t *digest, gs_error *err)
{
    int changes = 0;
    gs_status rc = gs_store__sq_do(SQ(s), "delete token", "DELETE FROM tokens WHERE digest = ?",
                                   ARGS(ARG_G(digest)), &changes, err);
    if (rc == GS_OK && changes == 0)
        rc = gs_fail(err, GS_ERR_NOT_FOUND, "token not found");
    return rc;
}

/* ---- athletes ----------------------------------------------------------------------------- */

static gs_status sq_athlete_add(gs_store *s, const char *account, const char *name,
                                double height_m, int64_t now, const char *id, gs_error *err)
{
    gs_status rc = gs_store__sq_do(
        SQ(s), "add athlete",
        "INSERT INTO athletes(id, account, name, height_m, created) VALUES(?, ?, ?, ?, ?)",
        ARGS(ARG_T(id), ARG_T(account), ARG_T(name), ARG_D(height_m), ARG_I(now)), NULL, err);
    if (rc == GS_ERR_NOT_FOUND)
        gs_fail(err, rc, "account not found");
    return rc;
}

static gs_status sq_athlete_get(gs_store *s, const char *account, const char *id,
                                gs_store_athlete *out, gs_error *err)
{
    return gs_store__sq_one(
        SQ(s), "athlete",
        "SELECT " GS_STORE__ATHLETE_COLS " FROM athletes WHERE id = ? AND account = ?",
        ARGS(ARG_T(id), ARG_T(account)), gs_store__read_athlete, out, err);
}

static gs_status sq_athlete_list(gs_store *s, const char *account, gs_store_athlete **out,
                                 size_t *n, gs_error *err)
{
    *out = NULL;
    return gs_store__sq_all(SQ(s), "list athletes",
                            "SELECT " GS_STORE__ATHLETE_COLS " FROM athletes WHERE account = ?"
                            " ORDER BY name, created, rowid",
                            ARGS(ARG_T(account)), gs_store__read_athlete, sizeof(**out), out, n,
                            err);
}

/* ---- blobs -------------------------------------------------------------------------------- */

static gs_status sq_blob_find(gs_store *s, const char *account, const char *sha256,
                              gs_store_blob *out, gs_error *err)
{
    return gs_store__sq_one(
        SQ(s), "upload",
        "SELECT " GS_STORE__BLOB_COLS " FROM blobs WHERE account = ? AND sha256 = ?",
        ARGS(ARG_T(account), ARG_T(sha256)), gs_store__read_blob, out, err);
}

static gs_status sq_blob_add(gs_store *s, const char *account, const char *id, const char *sha256,
                             int64_t size_bytes, int64_t now, gs_error *err)
{
    gs_status rc = gs_store__sq_do(
        SQ(s), "record upload",
        "INSERT INTO blobs(id, account, sha256, size_bytes, refs, created)"
        " VALUES(?, ?, ?, ?, 0, ?)",
        ARGS(ARG_T(id), ARG_T(account), ARG_T(sha256), ARG_I(size_bytes), ARG_I(now)), NULL, err);
    if (rc == GS_ERR_EXISTS)
        gs_fail(err, rc, "upload: the account already has this file (sha256 %.12s...)", sha256);
    else if (rc == GS_ERR_NOT_FOUND)
        gs_fail(err, rc, "account not found");
    return rc;
}

static gs_status sq_blob_ids(gs_store *s, gs_store_id **out, size_t *n, gs_error *err)
{
    *out = NULL;
    return gs_store__sq_all(SQ(s), "list uploads", "SELECT id FROM blobs", NO_ARGS,
                            gs_store__read_id, sizeof(**out), out, n, err);
}

static gs_status sq_folder_ids(gs_store *s, int comparisons, gs_store_id **out, size_t *n,
                               gs_error *err)
{
    *out = NULL;
    return gs_store__sq_all(SQ(s), comparisons ? "list comparisons" : "list sessions",
                            comparisons ? "SELECT id FROM comparisons" : "SELECT id FROM sessions",
                            NO_ARGS, gs_store__read_id, sizeof(**out), out, n, err);
}

static gs_status sq_blob_delete_unused(gs_store *s, const char *account, const char *id,
                                       gs_error *err)
{
    sq *q = SQ(s);
    int64_t refs = 0;
    gs_status rc = gs_store__sq_begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    rc = gs_store__sq_one(q, "upload", "SELECT refs FROM blobs WHERE id = ? AND account = ?",
                          ARGS(ARG_T(id), ARG_T(account)), gs_store__read_i64, &refs, err);
    if (rc == GS_OK && refs > 0)
        rc = gs_fail(err, GS_ERR_EXISTS, "upload is used by %lld session(s)", (long long)refs);
    if (rc == GS_OK)
        rc = gs_store__sq_do(q, "delete upload", "DELETE FROM blobs WHERE id = ?",
                             ARGS(ARG_T(id)), NULL, err);
    return gs_store__sq_end_tx(q, rc, err);
}

/* ---- sessions ----------------------------------------------------------------------------- */

static gs_status sq_session_add(gs_store *s, const char *account, const char *athlete,
                                const char *blob, const char *options_json, const char *notes,
                                const char *date, int64_t now, const char *session_id,
                                const char *job_id, gs_error *err)
{
    sq *q = SQ(s);
    int changes = 0;
    gs_status rc = gs_store__sq_begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    rc = gs_store__sq_owned(q, SQ_OWNED_ATHLETE, account, athlete, "athlete", err);
    if (rc == GS_OK)
        rc = gs_store__sq_do(q, "reference upload",
                             "UPDATE blobs SET refs = refs + 1 WHERE id = ? AND account = ?",
                             ARGS(ARG_T(blob), ARG_T(account)), &changes, err);
    if (rc == GS_OK && changes == 0)
        rc = gs_fail(err, GS_ERR_NOT_FOUND, "upload not found");
    if (rc == GS_OK)
        rc = gs_store__sq_do(
            q, "queue job",
            "INSERT INTO jobs(id, session, account, status, created) VALUES(?, ?, ?, ?, ?)",
            ARGS(ARG_T(job_id), ARG_T(session_id), ARG_T(account), ARG_I(GS_STORE_JOB_QUEUED),
                 ARG_I(now)),
            NULL, err);
    if (rc == GS_OK)
        rc = gs_store__sq_do(q, "add session",
                             "INSERT INTO sessions(" GS_STORE__SESSION_NEW_COLS ", account)"
                             " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             ARGS(ARG_T(session_id), ARG_T(athlete), ARG_T(blob), ARG_T(job_id),
                                  ARG_T(options_json), ARG_T(notes), ARG_T(date), ARG_I(now),
                                  ARG_T(account)),
                             NULL, err);
    return gs_store__sq_end_tx(q, rc, err);
}

static gs_status sq_session_get(gs_store *s, const char *account, const char *id,
                                gs_store_session *out, gs_error *err)
{
    return gs_store__sq_one(
        SQ(s), "session",
        "SELECT " GS_STORE__SESSION_COLS " FROM sessions WHERE id = ? AND account = ?",
        ARGS(ARG_T(id), ARG_T(account)), gs_store__read_session, out, err);
}

static gs_status sq_session_list(gs_store *s, const char *account, const char *athlete,
                                 gs_store_session **out, size_t *n, gs_error *err)
{
    sq *q = SQ(s);
    gs_status rc;
    *out = NULL;
    *n = 0;
    rc = gs_store__sq_begin_read(q, err);
    if (rc != GS_OK)
        return rc;
    rc = gs_store__sq_owned(q, SQ_OWNED_ATHLETE, account, athlete, "athlete", err);
    if (rc == GS_OK)
        rc = gs_store__sq_all(q, "list sessions",
                              "SELECT " GS_STORE__SESSION_COLS " FROM sessions"
                              " WHERE account = ? AND athlete = ? ORDER BY created DESC, rowid DESC",
                              ARGS(ARG_T(account), ARG_T(athlete)), gs_store__read_session,
                              sizeof(**out), out, n, err);
    rc = gs_store__sq_end_tx(q, rc, err);
    if (rc != GS_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

static gs_status sq_session_delete(gs_store *s, const char *account, const char *id,
                                   gs_store_id blob_gone, gs_error *err)
{
    sq *q = SQ(s);
    gs_store_id row[2] = {"", ""}; /* the session's blob and job */
    int64_t refs = -1;
    gs_status rc = gs_store__sq_begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    rc = gs_store__sq_one(q, "session", "SELECT blob, job FROM sessions WHERE id = ? AND account = ?",
                          ARGS(ARG_T(id), ARG_T(account)), gs_store__read_id2, row, err);
    if (rc == GS_OK)
        rc = gs_store__sq_do(
            q, "cancel job",
            "UPDATE jobs SET status = ?, lease_until = 0 WHERE id = ? AND status IN (?, ?)",
            ARGS(ARG_I(GS_STORE_JOB_CANCELLED), ARG_T(row[1]), ARG_I(GS_STORE_JOB_QUEUED),
                 ARG_I(GS_STORE_JOB_RUNNING)),
            NULL, err);
    if (rc == GS_OK)
        rc = gs_store__sq_do(q, "delete shares", "DELETE FROM shares WHERE session = ?",
                             ARGS(ARG_T(id)), NULL, err);
    if (rc == GS_OK)
        rc = gs_store__sq_do(q, "delete NKT record", "DELETE FROM nkt_records WHERE session = ?",
                             ARGS(ARG_T(id)), NULL, err);
    /* Its comparisons go with it (schema 4); their running jobs learn so at a heartbeat. */
    if (rc == GS_OK)
        rc = gs_store__sq_do(q, "cancel comparisons",
                             "UPDATE jobs SET status = ?1, lease_until = 0 WHERE status IN (?2, ?3)"
                             " AND id IN (SELECT job FROM comparisons"
                             " WHERE before_session = ?4 OR after_session = ?4)",
                             ARGS(ARG_I(GS_STORE_JOB_CANCELLED), ARG_I(GS_STORE_JOB_QUEUED),
                                  ARG_I(GS_STORE_JOB_RUNNING), ARG_T(id)),
                             NULL, err);
    if (rc == GS_OK)
        rc = gs_store__sq_do(q, "delete comparisons",
                             "DELETE FROM comparisons WHERE before_session = ?1 OR after_session = ?1",
                             ARGS(ARG_T(id)), NULL, err);
    if (rc == GS_OK)
        rc = gs_store__sq_do(q, "delete session", "DELETE FROM sessions WHERE id = ?",
                             ARGS(ARG_T(id)), NULL, err);
    if (rc == GS_OK)
        rc = gs_store__sq_do(q, "release upload", "UPDATE blobs SET refs = refs - 1 WHERE id = ?",
                             ARGS(ARG_T(row[0])), NULL, err);
    if (rc == GS_OK)
        rc = gs_store__sq_one(q, "upload", "SELECT refs FROM blobs WHERE id = ?",
                              ARGS(ARG_T(row[0])), gs_store__read_i64, &refs, err);
    if (rc == GS_OK && refs == 0)
        rc = gs_store__sq_do(q, "delete upload", "DELETE FROM blobs WHERE id = ?",
                             ARGS(ARG_T(row[0])), NULL, err);
    rc = gs_store__sq_end_tx(q, rc, err);
    if (rc == GS_OK && refs == 0 && blob_gone)
        memcpy(blob_gone, row[0], sizeof(gs_store_id));
    return rc;
}

/* ---- shares ------------------------------------------------------------------------------- */

static gs_status sq_share_add(gs_store *s, const char *account, const char *session,
                              const uint8_t *digest, int64_t now, int64_t expires, const char *id,
                              gs_error *err)
{
    sq *q = SQ(s);
    gs_status rc = gs_store__sq_begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    rc = gs_store__sq_owned(q, SQ_OWNED_SESSION, account, session, "session", err);
    if (rc == GS_OK)
        rc = gs_store__sq_do(q, "add share",
                             "INSERT INTO shares(id, account, session, digest, created, expires)"
                             " VALUES(?, ?, ?, ?, ?, ?)",
                             ARGS(ARG_T(id), ARG_T(account), ARG_T(session), ARG_G(digest),
                                  ARG_I(now), ARG_I(expires)),
                             NULL, err);
    return gs_store__sq_end_tx(q, rc, err);
}

static gs_status sq_share_session(gs_store *s, const uint8_t *digest, int64_t now,
                                  gs_store_id account_out, gs_store_session *session_out,
                                  gs_error *err)
{
    gs_store__account_session x;
    gs_status rc = gs_store__sq_one(
        SQ(s), "share",
        "SELECT " GS_STORE__ACCOUNT_SESSION_COLS " FROM shares AS h"
        " JOIN sessions AS s ON s.id = h.session WHERE h.digest = ? AND h.expires > ?",
        ARGS(ARG_G(digest), ARG_I(now)), gs_store__read_account_session, &x, err);
    if (rc == GS_OK && account_out)
        memcpy(account_out, x.account, sizeof(gs_store_id));
    if (rc == GS_OK && session_out)
        *session_out = x.session;
    return rc;
}

static gs_status sq_share_delete(gs_store *s, const char *account, const char *id, gs_error *err)
{
    int changes = 0;
    gs_status rc = gs_store__sq_do(SQ(s), "delete share",
                                   "DELETE FROM shares WHERE id = ? AND account = ?",
                                   ARGS(ARG_T(id), ARG_T(account)), &changes, err);
    if (rc == GS_OK && changes == 0)
        rc = gs_fail(err, GS_ERR_NOT_FOUND, "share not found");
    return rc;
}

static gs_status sq_share_list(gs_store *s, const char *account, const char *session,
                               gs_store_share **out, size_t *n, gs_error *err)
{
    sq *q = SQ(s);
    gs_status rc = gs_store__sq_owned(q, SQ_OWNED_SESSION, account, session, "session", err);
    *out = NULL;
    *n = 0;
    if (rc != GS_OK)
        return rc;
    return gs_store__sq_all(q, "list shares",
                            "SELECT " GS_STORE__SHARE_COLS " FROM shares"
                            " WHERE session = ? AND account = ? ORDER BY created DESC, rowid DESC",
                            ARGS(ARG_T(session), ARG_T(account)), gs_store__read_share,
                            sizeof(**out), out, n, err);
}

/* ---- NKT records -------------------------------------------------------------------------- */

static gs_status sq_nkt_set(gs_store *s, const char *account, const char *session,
                            const gs_store_nkt *rec, int64_t now, gs_error *err)
{
    sq *q = SQ(s);
    gs_status rc = gs_store__sq_begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    rc = gs_store__sq_owned(q, SQ_OWNED_SESSION, account, session, "session", err);
    if (rc == GS_OK)
        rc = gs_store__sq_do(q, "write NKT record",
                             "INSERT INTO nkt_records(session, account, " GS_STORE__NKT_COLS ")"
                             " VALUES(?, ?, ?, ?, ?, ?, ?, ?)"
                             " ON CONFLICT(session) DO UPDATE SET tests = excluded.tests,"
                             " facilitators = excluded.facilitators, released = excluded.released,"
                             " activated = excluded.activated, homework = excluded.homework,"
                             " updated = excluded.updated",
                             ARGS(ARG_T(session), ARG_T(account), ARG_T(rec->tests),
                                  ARG_T(rec->facilitators), ARG_T(rec->released),
                                  ARG_T(rec->activated), ARG_T(rec->homework), ARG_I(now)),
                             NULL, err);
    return gs_store__sq_end_tx(q, rc, err);
}

static gs_status sq_nkt_get(gs_store *s, const char *account, const char *session,
                            gs_store_nkt *out, gs_error *err)
{
    return gs_store__sq_one(
        SQ(s), "NKT record",
        "SELECT " GS_STORE__NKT_COLS " FROM nkt_records WHERE session = ? AND account = ?",
        ARGS(ARG_T(session), ARG_T(account)), gs_store__read_nkt, out, err);
}

/* ---- re-runs and comparisons (schema 4) --------------------------------------------------- */

#define SQ_CANCEL_LIVE_JOB                                                                     \
    "UPDATE jobs SET status = ?, lease_until = 0 WHERE id = ? AND status IN (?, ?)"
#define SQ_QUEUE_JOB                                                                           \
    "INSERT INTO jobs(id, session, account, status, created, kind) VALUES(?, ?, ?, ?, ?, ?)"

static gs_status sq_session_rerun(gs_store *s, const char *account, const char *session,
                                  const char *options_json, int64_t now, const char *job_id,
                                  gs_error *err)
{
    sq *q = SQ(s);
    gs_store_id old = "";
    gs_status rc = gs_store__sq_begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    rc = gs_store__sq_one(q, "session", "SELECT job FROM sessions WHERE id = ? AND account = ?",
                          ARGS(ARG_T(session), ARG_T(account)), gs_store__read_id, old, err);
    if (rc == GS_OK)
        rc = gs_store__sq_do(q, "cancel job", SQ_CANCEL_LIVE_JOB,
                             ARGS(ARG_I(GS_STORE_JOB_CANCELLED), ARG_T(old),
                                  ARG_I(GS_STORE_JOB_QUEUED), ARG_I(GS_STORE_JOB_RUNNING)),
                             NULL, err);
    if (rc == GS_OK)
        rc = gs_store__sq_do(q, "queue job", SQ_QUEUE_JOB,
                             ARGS(ARG_T(job_id), ARG_T(session), ARG_T(account),
                                  ARG_I(GS_STORE_JOB_QUEUED), ARG_I(now),
                                  ARG_I(GS_STORE_JOB_KIND_ANALYSIS)),
                             NULL, err);
    if (rc == GS_OK)
        rc = gs_store__sq_do(q, "update session",
                             "UPDATE sessions SET job = ?, options_json = ? WHERE id = ? AND"
                             " account = ?",
                             ARGS(ARG_T(job_id), ARG_T(options_json), ARG_T(session),
                                  ARG_T(account)),
                             NULL, err);
    return gs_store__sq_end_tx(q, rc, err);
}

static gs_status sq_comparison_add(gs_store *s, const char *account, const char *before,
                                   const char *after, const char *options_json, int64_t now,
                                   const char *id, const char *job_id, gs_error *err)
{
    sq *q = SQ(s);
    gs_store_id ath[2] = {"", ""};
    gs_status rc = gs_store__sq_begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    for (int k = 0; k < 2 && rc == GS_OK; k++)
        rc = gs_store__sq_one(q, "session",
                              "SELECT athlete FROM sessions WHERE id = ? AND account = ?",
                              ARGS(ARG_T(k ? after : before), ARG_T(account)), gs_store__read_id,
                              ath[k], err);
    if (rc == GS_OK && strcmp(ath[0], ath[1]) != 0)
        rc = gs_fail(err, GS_ERR_ARG, "the two sessions are of two athletes");
    if (rc == GS_OK)
        rc = gs_store__sq_do(q, "queue job", SQ_QUEUE_JOB,
                             ARGS(ARG_T(job_id), ARG_T(id), ARG_T(account),
                                  ARG_I(GS_STORE_JOB_QUEUED), ARG_I(now),
                                  ARG_I(GS_STORE_JOB_KIND_COMPARE)),
                             NULL, err);
    if (rc == GS_OK)
        rc = gs_store__sq_do(q, "add comparison",
                             "INSERT INTO comparisons(" GS_STORE__COMPARISON_COLS ", account)"
                             " VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
                             ARGS(ARG_T(id), ARG_T(ath[0]), ARG_T(before), ARG_T(after),
                                  ARG_T(job_id), ARG_T(options_json), ARG_I(now), ARG_T(account)),
                             NULL, err);
    return gs_store__sq_end_tx(q, rc, err);
}

static gs_status sq_comparison_get(gs_store *s, const char *account, const char *id,
                                   gs_store_comparison *out, gs_error *err)
{
    return gs_store__sq_one(SQ(s), "comparison",
                            "SELECT " GS_STORE__COMPARISON_COLS " FROM comparisons"
                            " WHERE id = ? AND account = ?",
                            ARGS(ARG_T(id), ARG_T(account)), gs_store__read_comparison, out, err);
}

static gs_status sq_comparison_list(gs_store *s, const char *account, const char *athlete,
                                    const char *session, gs_store_comparison **out, size_t *n,
                                    gs_error *err)
{
    sq *q = SQ(s);
    gs_status rc;
    *out = NULL;
    *n = 0;
    rc = gs_store__sq_begin_read(q, err);
    if (rc != GS_OK)
        return rc;
    if (athlete) {
        rc = gs_store__sq_owned(q, SQ_OWNED_ATHLETE, account, athlete, "athlete", err);
        if (rc == GS_OK)
            rc = gs_store__sq_all(q, "list comparisons",
                                  "SELECT " GS_STORE__COMPARISON_COLS " FROM comparisons"
                                  " WHERE account = ? AND athlete = ?"
                                  " ORDER BY created DESC, rowid DESC",
                                  ARGS(ARG_T(account), ARG_T(athlete)), gs_store__read_comparison,
                                  sizeof(**out), out, n, err);
    } else {
        rc = gs_store__sq_owned(q, SQ_OWNED_SESSION, account, session, "session", err);
        if (rc == GS_OK)
            rc = gs_store__sq_all(q, "list comparisons",
                                  "SELECT " GS_STORE__COMPARISON_COLS " FROM comparisons"
                                  " WHERE account = ?1 AND (before_session = ?2 OR"
                                  " after_session = ?2) ORDER BY created DESC, rowid DESC",
                                  ARGS(ARG_T(account), ARG_T(session)), gs_store__read_comparison,
                                  sizeof(**out), out, n, err);
    }
    rc = gs_store__sq_end_tx(q, rc, err);
    if (rc != GS_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

static gs_status sq_comparison_delete(gs_store *s, const char *account, const char *id,
                                      gs_error *err)
{
    sq *q = SQ(s);
    gs_store_id job = "";
    gs_status rc = gs_store__sq_begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    rc = gs_store__sq_one(q, "comparison", "SELECT job FROM comparisons WHERE id = ? AND account = ?",
                          ARGS(ARG_T(id), ARG_T(account)), gs_store__read_id, job, err);
    if (rc == GS_OK)
        rc = gs_store__sq_do(q, "cancel job", SQ_CANCEL_LIVE_JOB,
                             ARGS(ARG_I(GS_STORE_JOB_CANCELLED), ARG_T(job),
                                  ARG_I(GS_STORE_JOB_QUEUED), ARG_I(GS_STORE_JOB_RUNNING)),
                             NULL, err);
    if (rc == GS_OK)
        rc = gs_store__sq_do(q, "delete comparison", "DELETE FROM comparisons WHERE id = ?",
                             ARGS(ARG_T(id)), NULL, err);
    return gs_store__sq_end_tx(q, rc, err);
}

const gs_store_ops gs_store__sqlite_ops = {
    .name = "sqlite",
    .close = gs_store__sq_close,
    .account_add = sq_account_add,
    .account_by_email = sq_account_by_email,
    .account_get = sq_account_get,
    .account_set_password = sq_account_set_password,
    .token_add = sq_token_add,
    .token_account = sq_token_account,
    .token_delete = sq_token_delete,
    .athlete_add = sq_athlete_add,
    .athlete_get = sq_athlete_get,
    .athlete_list = sq_athlete_list,
    .blob_find = sq_blob_find,
    .blob_add = sq_blob_add,
    .blob_ids = sq_blob_ids,
    .folder_ids = sq_folder_ids,
    .blob_delete_unused = sq_blob_delete_unused,
    .session_add = sq_session_add,
    .session_get = sq_session_get,
    .session_list = sq_session_list,
    .session_delete = sq_session_delete,
    .job_get = gs_store__sq_job_get,
    .job_claim = gs_store__sq_job_claim,
    .job_heartbeat = gs_store__sq_job_heartbeat,
    .job_finish = gs_store__sq_job_finish,
    .job_release = gs_store__sq_job_release,
    .job_cancel = gs_store__sq_job_cancel,
    .job_counts = gs_store__sq_job_counts,
    .wait_for_job = gs_store__sq_wait_for_job,
    .share_add = sq_share_add,
    .share_session = sq_share_session,
    .share_delete = sq_share_delete,
    .share_list = sq_share_list,
    .nkt_set = sq_nkt_set,
    .nkt_get = sq_nkt_get,
    .user_list = gs_store__sq_user_list,
    .user_delete = gs_store__sq_user_delete,
    .account_set_retention = gs_store__sq_account_set_retention,
    .account_delete = gs_store__sq_account_delete,
    .invite_add = gs_store__sq_invite_add,
    .invite_get = gs_store__sq_invite_get,
    .invite_accept = gs_store__sq_invite_accept,
    .invite_list = gs_store__sq_invite_list,
    .invite_delete = gs_store__sq_invite_delete,
    .athlete_delete = gs_store__sq_athlete_delete,
    .retention_due = gs_store__sq_retention_due,
    .session_video_deleted = gs_store__sq_session_video_deleted,
    .access_add = gs_store__sq_access_add,
    .access_list = gs_store__sq_access_list,
    .access_prune = gs_store__sq_access_prune,
    .session_rerun = sq_session_rerun,
    .comparison_add = sq_comparison_add,
    .comparison_get = sq_comparison_get,
    .comparison_list = sq_comparison_list,
    .comparison_delete = sq_comparison_delete,
};
