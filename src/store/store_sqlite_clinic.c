/*
 * SQLite back end: the records of clinic accounts (schema 3): users of an account, invitations
 * and password-reset links, deleting an athlete or the account, retention, the access log. One
 * statement is one call of gs_store__sq_do/_one/_all; a call of several is one transaction.
 */
#include "store.h"
#include "store_sqlite_impl.h"

#include <stdlib.h>
#include <string.h>

typedef gs_store__sq sq;
#define SQ gs_store__sq_of

/* The owner's row of account: GS_OK, GS_ERR_NOT_FOUND ("account not found"). */
static gs_status owner_row(sq *q, const char *account, gs_error *err)
{
    return gs_store__sq_one(q, "account", "SELECT 1 FROM accounts WHERE id = ? AND clinic = id",
                            ARGS(ARG_T(account)), NULL, NULL, err);
}

gs_status gs_store__sq_user_list(gs_store *s, const char *account, gs_store_account **out,
                                 size_t *n, gs_error *err)
{
    return gs_store__sq_all(SQ(s), "list users",
                            "SELECT " GS_STORE__ACCOUNT_COLS " FROM accounts WHERE clinic = ?"
                            " ORDER BY role, email",
                            ARGS(ARG_T(account)), gs_store__read_account, sizeof(**out), out, n,
                            err);
}

gs_status gs_store__sq_user_delete(gs_store *s, const char *account, const char *user,
                                   gs_error *err)
{
    int changes = 0;
    /* tokens and reset links go by their foreign keys */
    gs_status rc = gs_store__sq_do(
        SQ(s), "remove user", "DELETE FROM accounts WHERE id = ? AND clinic = ? AND role = ?",
        ARGS(ARG_T(user), ARG_T(account), ARG_I(GS_STORE_ROLE_THERAPIST)), &changes, err);
    if (rc == GS_OK && changes == 0)
        rc = gs_fail(err, GS_ERR_NOT_FOUND, "user not found");
    return rc;
}

gs_status gs_store__sq_account_set_retention(gs_store *s, const char *account, int days,
                                             gs_error *err)
{
    int changes = 0;
    gs_status rc =
        gs_store__sq_do(SQ(s), "set retention",
                        "UPDATE accounts SET retention_days = ? WHERE id = ? AND clinic = id",
                        ARGS(ARG_I(days), ARG_T(account)), &changes, err);
    if (rc == GS_OK && changes == 0)
        rc = gs_fail(err, GS_ERR_NOT_FOUND, "account not found");
    return rc;
}

gs_status gs_store__sq_account_delete(gs_store *s, const char *account, gs_store_id **blobs,
                                      size_t *n_blobs, gs_error *err)
{
    sq *q = SQ(s);
    gs_status rc = gs_store__sq_begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    rc = owner_row(q, account, err);
    if (rc == GS_OK)
        rc = gs_store__sq_all(q, "list uploads", "SELECT id FROM blobs WHERE account = ?",
                              ARGS(ARG_T(account)), gs_store__read_id, sizeof(**blobs), blobs,
                              n_blobs, err);
    /* The records hang on the owner's row by foreign keys (ON DELETE CASCADE): athletes,
     * uploads, sessions, jobs, shares, NKT records, tokens, invitations, the access log. The
     * therapists' rows name it by clinic only. */
    if (rc == GS_OK)
        rc = gs_store__sq_do(q, "delete account",
                             "DELETE FROM accounts WHERE clinic = ?1 AND id <> ?1",
                             ARGS(ARG_T(account)), NULL, err);
    if (rc == GS_OK)
        rc = gs_store__sq_do(q, "delete account", "DELETE FROM accounts WHERE id = ?",
                             ARGS(ARG_T(account)), NULL, err);
    rc = gs_store__sq_end_tx(q, rc, err);
    if (rc != GS_OK) {
        free(*blobs);
        *blobs = NULL;
        *n_blobs = 0;
    }
    return rc;
}

gs_status gs_store__sq_invite_add(gs_store *s, const char *account, const char *email,
                                  const char *user, const uint8_t *digest, int64_t now,
                                  int64_t expires, const char *id, gs_error *err)
{
    sq *q = SQ(s);
    gs_store_account u;
    gs_status rc = gs_store__sq_begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    rc = owner_row(q, account, err);
    if (rc == GS_OK && user) {
        /* A reset: the password stops working and the user is signed out at once; one live
         * reset link at a time. */
        rc = gs_store__sq_one(q, "user",
                              "SELECT " GS_STORE__ACCOUNT_COLS " FROM accounts"
                              " WHERE id = ? AND clinic = ? AND role = ?",
                              ARGS(ARG_T(user), ARG_T(account), ARG_I(GS_STORE_ROLE_THERAPIST)),
                              gs_store__read_account, &u, err);
        if (rc == GS_OK)
            rc = gs_store__sq_do(
                q, "reset password",
                "UPDATE accounts SET pwhash = '', password_changed = ? WHERE id = ?",
                ARGS(ARG_I(now), ARG_T(user)), NULL, err);
        if (rc == GS_OK)
            rc = gs_store__sq_do(q, "revoke tokens", "DELETE FROM tokens WHERE account = ?",
                                 ARGS(ARG_T(user)), NULL, err);
        if (rc == GS_OK)
            rc =
                gs_store__sq_do(q, "replace reset link", "DELETE FROM invites WHERE reset_user = ?",
                                ARGS(ARG_T(user)), NULL, err);
        email = u.email;
    } else if (rc == GS_OK) {
        rc = gs_store__sq_one(q, "user", "SELECT 1 FROM accounts WHERE email = ?",
                              ARGS(ARG_T(email)), NULL, NULL, err);
        if (rc == GS_OK)
            rc = gs_fail(err, GS_ERR_EXISTS, "user: the e-mail address is taken");
        else if (rc == GS_ERR_NOT_FOUND) /* one live invitation per address */
            rc = gs_store__sq_do(q, "replace invitation",
                                 "DELETE FROM invites WHERE account = ? AND email = ?"
                                 " AND reset_user IS NULL",
                                 ARGS(ARG_T(account), ARG_T(email)), NULL, err);
    }
    if (rc == GS_OK)
        rc = gs_store__sq_do(q, "add invitation",
                             "INSERT INTO invites(id, account, reset_user, email, digest, created,"
                             " expires) VALUES(?, ?, ?, ?, ?, ?, ?)",
                             ARGS(ARG_T(id), ARG_T(account), ARG_T(user), ARG_T(email),
                                  ARG_G(digest), ARG_I(now), ARG_I(expires)),
                             NULL, err);
    return gs_store__sq_end_tx(q, rc, err);
}

gs_status gs_store__sq_invite_get(gs_store *s, const uint8_t *digest, int64_t now,
                                  gs_store_invite *out, gs_error *err)
{
    return gs_store__sq_one(SQ(s), "invitation",
                            "SELECT " GS_STORE__INVITE_COLS " FROM invites"
                            " WHERE digest = ? AND expires > ?",
                            ARGS(ARG_G(digest), ARG_I(now)), gs_store__read_invite, out, err);
}

gs_status gs_store__sq_invite_accept(gs_store *s, const uint8_t *digest, int64_t now,
                                     const char *pwhash, gs_store_id user_io, gs_error *err)
{
    sq *q = SQ(s);
    gs_store_invite v;
    gs_status rc = gs_store__sq_begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    rc = gs_store__sq_one(q, "invitation",
                          "SELECT " GS_STORE__INVITE_COLS " FROM invites"
                          " WHERE digest = ? AND expires > ?",
                          ARGS(ARG_G(digest), ARG_I(now)), gs_store__read_invite, &v, err);
    if (rc == GS_OK && v.user[0]) {
        rc = gs_store__sq_do(q, "set password",
                             "UPDATE accounts SET pwhash = ?, password_changed = ? WHERE id = ?",
                             ARGS(ARG_T(pwhash), ARG_I(now), ARG_T(v.user)), NULL, err);
        if (rc == GS_OK)
            memcpy(user_io, v.user, sizeof(gs_store_id));
    } else if (rc == GS_OK) {
        rc = gs_store__sq_do(q, "add user",
                             "INSERT INTO accounts(id, email, pwhash, created, password_changed,"
                             " clinic, role) VALUES(?1, ?2, ?3, ?4, ?4, ?5, ?6)",
                             ARGS(ARG_T(user_io), ARG_T(v.email), ARG_T(pwhash), ARG_I(now),
                                  ARG_T(v.account), ARG_I(GS_STORE_ROLE_THERAPIST)),
                             NULL, err);
        if (rc == GS_ERR_EXISTS)
            gs_fail(err, rc, "user: the e-mail address is taken");
    }
    if (rc == GS_OK)
        rc = gs_store__sq_do(q, "use invitation", "DELETE FROM invites WHERE id = ?",
                             ARGS(ARG_T(v.id)), NULL, err);
    return gs_store__sq_end_tx(q, rc, err);
}

gs_status gs_store__sq_invite_list(gs_store *s, const char *account, gs_store_invite **out,
                                   size_t *n, gs_error *err)
{
    return gs_store__sq_all(SQ(s), "list invitations",
                            "SELECT " GS_STORE__INVITE_COLS " FROM invites WHERE account = ?"
                            " ORDER BY created DESC, rowid DESC",
                            ARGS(ARG_T(account)), gs_store__read_invite, sizeof(**out), out, n,
                            err);
}

gs_status gs_store__sq_invite_delete(gs_store *s, const char *account, const char *id,
                                     gs_error *err)
{
    int changes = 0;
    gs_status rc = gs_store__sq_do(SQ(s), "withdraw invitation",
                                   "DELETE FROM invites WHERE id = ? AND account = ?",
                                   ARGS(ARG_T(id), ARG_T(account)), &changes, err);
    if (rc == GS_OK && changes == 0)
        rc = gs_fail(err, GS_ERR_NOT_FOUND, "invitation not found");
    return rc;
}

gs_status gs_store__sq_athlete_delete(gs_store *s, const char *account, const char *id,
                                      gs_error *err)
{
    sq *q = SQ(s);
    gs_status rc = gs_store__sq_begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    rc = gs_store__sq_owned(q, SQ_OWNED_ATHLETE, account, id, "athlete", err);
    if (rc == GS_OK) {
        rc = gs_store__sq_one(q, "session", "SELECT 1 FROM sessions WHERE athlete = ? LIMIT 1",
                              ARGS(ARG_T(id)), NULL, NULL, err);
        if (rc == GS_OK)
            rc = gs_fail(err, GS_ERR_EXISTS, "athlete: sessions remain; delete them first");
        else if (rc == GS_ERR_NOT_FOUND)
            rc = gs_store__sq_do(q, "delete athlete", "DELETE FROM athletes WHERE id = ?",
                                 ARGS(ARG_T(id)), NULL, err);
    }
    return gs_store__sq_end_tx(q, rc, err);
}

gs_status gs_store__sq_retention_due(gs_store *s, int64_t now, size_t max, gs_store_purge **out,
                                     size_t *n, gs_error *err)
{
    return gs_store__sq_all(
        SQ(s), "list sessions due for retention",
        "SELECT " GS_STORE__PURGE_COLS " FROM sessions AS s"
        " JOIN accounts AS a ON a.id = s.account JOIN jobs AS j ON j.id = s.job"
        " WHERE a.retention_days > 0 AND s.video_deleted = 0"
        " AND s.created <= ? - a.retention_days * 86400 AND j.status IN (?, ?, ?)"
        " ORDER BY s.created, s.rowid LIMIT ?",
        ARGS(ARG_I(now), ARG_I(GS_STORE_JOB_DONE), ARG_I(GS_STORE_JOB_FAILED),
             ARG_I(GS_STORE_JOB_CANCELLED), ARG_I(max)),
        gs_store__read_purge, sizeof(**out), out, n, err);
}

gs_status gs_store__sq_session_video_deleted(gs_store *s, const char *account, const char *session,
                                             int64_t now, gs_store_id blob_gone, gs_error *err)
{
    sq *q = SQ(s);
    gs_store_id blob = "";
    int64_t keep = 0;
    int changes = 0;
    gs_status rc = gs_store__sq_begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    rc = gs_store__sq_one(q, "session", "SELECT blob FROM sessions WHERE id = ? AND account = ?",
                          ARGS(ARG_T(session), ARG_T(account)), gs_store__read_id, blob, err);
    if (rc == GS_OK)
        rc = gs_store__sq_do(
            q, "mark video deleted",
            "UPDATE sessions SET video_deleted = ? WHERE id = ? AND video_deleted = 0",
            ARGS(ARG_I(now), ARG_T(session)), NULL, err);
    if (rc == GS_OK)
        rc = gs_store__sq_one(q, "upload",
                              "SELECT count(*) FROM sessions WHERE blob = ? AND video_deleted = 0",
                              ARGS(ARG_T(blob)), gs_store__read_i64, &keep, err);
    /* The last session that kept the video: the upload's hash is retired, so an identical new
     * upload is stored again instead of pointing at the deleted file. */
    if (rc == GS_OK && keep == 0)
        rc = gs_store__sq_do(q, "retire upload",
                             "UPDATE blobs SET sha256 = 'deleted:' || id"
                             " WHERE id = ? AND sha256 NOT LIKE 'deleted:%'",
                             ARGS(ARG_T(blob)), &changes, err);
    rc = gs_store__sq_end_tx(q, rc, err);
    if (rc == GS_OK && keep == 0 && changes == 1) /* retired by this call */
        memcpy(blob_gone, blob, sizeof(gs_store_id));
    return rc;
}

gs_status gs_store__sq_access_add(gs_store *s, const char *account, const char *user,
                                  const char *athlete, const char *session, const char *what,
                                  const char *addr, int64_t now, gs_error *err)
{
    gs_status rc = gs_store__sq_do(SQ(s), "log access",
                                   "INSERT INTO access_log(account, at, member, athlete, session,"
                                   " what, addr) VALUES(?, ?, ?, ?, ?, ?, ?)",
                                   ARGS(ARG_T(account), ARG_I(now), ARG_T(user), ARG_T(athlete),
                                        ARG_T(session), ARG_T(what), ARG_T(addr)),
                                   NULL, err);
    if (rc == GS_ERR_NOT_FOUND)
        gs_fail(err, rc, "account not found");
    return rc;
}

gs_status gs_store__sq_access_prune(gs_store *s, int64_t before, size_t max, size_t *removed,
                                   gs_error *err)
{
    int changes = 0;
    gs_status rc = gs_store__sq_do(SQ(s), "prune the access log",
                                   "DELETE FROM access_log WHERE seq IN (SELECT seq FROM access_log"
                                   " WHERE at < ? ORDER BY seq LIMIT ?)",
                                   ARGS(ARG_I(before), ARG_I(max)), &changes, err);
    *removed = rc == GS_OK && changes > 0 ? (size_t)changes : 0;
    return rc;
}

gs_status gs_store__sq_access_list(gs_store *s, const char *account, size_t max, size_t skip,
                                   gs_store_access **out, size_t *n, gs_error *err)
{
    return gs_store__sq_all(SQ(s), "read the access log",
                            "SELECT " GS_STORE__ACCESS_COLS " FROM access_log AS a"
                            " LEFT JOIN accounts AS u ON u.id = a.member AND u.clinic = a.account"
                            " LEFT JOIN athletes AS t ON t.id = a.athlete AND t.account = a.account"
                            " WHERE a.account = ? ORDER BY a.at DESC, a.seq DESC LIMIT ? OFFSET ?",
                            ARGS(ARG_T(account), ARG_I(max), ARG_I(skip)), gs_store__read_access,
                            sizeof(**out), out, n, err);
}
