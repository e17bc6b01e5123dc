/*
 * PostgreSQL back end: the records of clinic accounts (schema 3), as store_sqlite_clinic.c.
 * A call of one statement runs it in a transaction of its own; a call of several is one
 * PG_TRANSACTION whose body may run again after a reconnect (store_pg.c), so it starts from
 * its inputs each time.
 */
#include "store.h"
#include "store_pg_impl.h"

#include <stdlib.h>
#include <string.h>

typedef gs_store__pg pg;
typedef gs_store__pg_tx tx;
#define PG gs_store__pg_of

#define OWNER_ROW "SELECT 1 FROM accounts WHERE id = $1 AND clinic = id"

gs_status gs_store__pg_user_list(gs_store *s, const char *account, gs_store_account **out,
                                 size_t *n, gs_error *err)
{
    return gs_store__pg_all(PG(s), PG_TX_IDEMPOTENT, "list users",
                            "SELECT " GS_STORE__ACCOUNT_COLS " FROM accounts WHERE clinic = $1"
                            " ORDER BY role, email",
                            ARGS(ARG_T(account)), gs_store__read_account, sizeof(**out), out, n,
                            err);
}

gs_status gs_store__pg_user_delete(gs_store *s, const char *account, const char *user,
                                   gs_error *err)
{
    int changes = 0;
    gs_status rc = gs_store__pg_do(
        PG(s), PG_TX_WRITE, "remove user",
        "DELETE FROM accounts WHERE id = $1 AND clinic = $2 AND role = $3",
        ARGS(ARG_T(user), ARG_T(account), ARG_I(GS_STORE_ROLE_THERAPIST)), &changes, err);
    if (rc == GS_OK && changes == 0)
        rc = gs_fail(err, GS_ERR_NOT_FOUND, "user not found");
    return rc;
}

gs_status gs_store__pg_account_set_retention(gs_store *s, const char *account, int days,
                                             gs_error *err)
{
    int changes = 0;
    gs_status rc = gs_store__pg_do(
        PG(s), PG_TX_WRITE, "set retention",
        "UPDATE accounts SET retention_days = $1 WHERE id = $2 AND clinic = id",
        ARGS(ARG_I(days), ARG_T(account)), &changes, err);
    if (rc == GS_OK && changes == 0)
        rc = gs_fail(err, GS_ERR_NOT_FOUND, "account not found");
    return rc;
}

gs_status gs_store__pg_account_delete(gs_store *s, const char *account, gs_store_id **blobs,
                                      size_t *n_blobs, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {PG_TX_WRITE, 0, 0, 0};
    PG_TRANSACTION(p, &t, &rc, err)
    {
        rc = gs_store__pg_one(p, PG_IN_TX, "account", OWNER_ROW " FOR UPDATE",
                              ARGS(ARG_T(account)), NULL, NULL, err);
        if (rc == GS_OK)
            rc = gs_store__pg_all(p, PG_IN_TX, "list uploads",
                                  "SELECT id FROM blobs WHERE account = $1", ARGS(ARG_T(account)),
                                  gs_store__read_id, sizeof(**blobs), blobs, n_blobs, err);
        /* as in the SQLite back end: the records cascade from the owner's row */
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "delete account",
                                 "DELETE FROM accounts WHERE clinic = $1 AND id <> $1",
                                 ARGS(ARG_T(account)), NULL, err);
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "delete account",
                                 "DELETE FROM accounts WHERE id = $1", ARGS(ARG_T(account)), NULL,
                                 err);
    }
    if (rc != GS_OK) {
        free(*blobs);
        *blobs = NULL;
        *n_blobs = 0;
    }
    return rc;
}

gs_status gs_store__pg_invite_add(gs_store *s, const char *account, const char *email,
                                  const char *user, const uint8_t *digest, int64_t now,
                                  int64_t expires, const char *id, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    gs_store_account u;
    tx t = {PG_TX_WRITE, 0, 0, 0};
    PG_TRANSACTION(p, &t, &rc, err)
    {
        const char *to = email;
        rc = gs_store__pg_one(p, PG_IN_TX, "account", OWNER_ROW, ARGS(ARG_T(account)), NULL, NULL,
                              err);
        if (rc == GS_OK && user) {
            rc = gs_store__pg_one(p, PG_IN_TX, "user",
                                  "SELECT " GS_STORE__ACCOUNT_COLS " FROM accounts"
                                  " WHERE id = $1 AND clinic = $2 AND role = $3 FOR UPDATE",
                                  ARGS(ARG_T(user), ARG_T(account),
                                       ARG_I(GS_STORE_ROLE_THERAPIST)),
                                  gs_store__read_account, &u, err);
            if (rc == GS_OK)
                rc = gs_store__pg_do(p, PG_IN_TX, "reset password",
                                     "UPDATE accounts SET pwhash = '', password_changed = $1"
                                     " WHERE id = $2",
                                     ARGS(ARG_I(now), ARG_T(user)), NULL, err);
            if (rc == GS_OK)
                rc = gs_store__pg_do(p, PG_IN_TX, "revoke tokens",
                                     "DELETE FROM tokens WHERE account = $1", ARGS(ARG_T(user)),
                                     NULL, err);
            if (rc == GS_OK)
                rc = gs_store__pg_do(p, PG_IN_TX, "replace reset link",
                                     "DELETE FROM invites WHERE reset_user = $1",
                                     ARGS(ARG_T(user)), NULL, err);
            to = u.email;
        } else if (rc == GS_OK) {
            rc = gs_store__pg_one(p, PG_IN_TX, "user", "SELECT 1 FROM accounts WHERE email = $1",
                                  ARGS(ARG_T(email)), NULL, NULL, err);
            if (rc == GS_OK)
                rc = gs_fail(err, GS_ERR_EXISTS, "user: the e-mail address is taken");
            else if (rc == GS_ERR_NOT_FOUND)
                rc = gs_store__pg_do(p, PG_IN_TX, "replace invitation",
                                     "DELETE FROM invites WHERE account = $1 AND email = $2"
                                     " AND reset_user IS NULL",
                                     ARGS(ARG_T(account), ARG_T(email)), NULL, err);
        }
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "add invitation",
                                 "INSERT INTO invites(id, account, reset_user, email, digest,"
                                 " created, expires) VALUES($1, $2, $3, $4, $5, $6, $7)",
                                 ARGS(ARG_T(id), ARG_T(account), ARG_T(user), ARG_T(to),
                                      ARG_G(digest), ARG_I(now), ARG_I(expires)),
                                 NULL, err);
    }
    return rc;
}

gs_status gs_store__pg_invite_get(gs_store *s, const uint8_t *digest, int64_t now,
                                  gs_store_invite *out, gs_error *err)
{
    return gs_store__pg_one(PG(s), PG_TX_IDEMPOTENT, "invitation",
                            "SELECT " GS_STORE__INVITE_COLS " FROM invites"
                            " WHERE digest = $1 AND expires > $2",
                            ARGS(ARG_G(digest), ARG_I(now)), gs_store__read_invite, out, err);
}

gs_status gs_store__pg_invite_accept(gs_store *s, const uint8_t *digest, int64_t now,
                                     const char *pwhash, gs_store_id user_io, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    gs_store_invite v;
    gs_store_id new_id;
    tx t = {PG_TX_WRITE, 0, 0, 0};
    memcpy(new_id, user_io, sizeof(new_id));
    PG_TRANSACTION(p, &t, &rc, err)
    {
        rc = gs_store__pg_one(p, PG_IN_TX, "invitation",
                              "SELECT " GS_STORE__INVITE_COLS " FROM invites"
                              " WHERE digest = $1 AND expires > $2 FOR UPDATE",
                              ARGS(ARG_G(digest), ARG_I(now)), gs_store__read_invite, &v, err);
        if (rc == GS_OK && v.user[0]) {
            rc = gs_store__pg_do(p, PG_IN_TX, "set password",
                                 "UPDATE accounts SET pwhash = $1, password_changed = $2"
                                 " WHERE id = $3",
                                 ARGS(ARG_T(pwhash), ARG_I(now), ARG_T(v.user)), NULL, err);
        } else if (rc == GS_OK) {
            rc = gs_store__pg_do(p, PG_IN_TX, "add user",
                                 "INSERT INTO accounts(id, email, pwhash, created,"
                                 " password_changed, clinic, role)"
                                 " VALUES($1, $2, $3, $4, $4, $5, $6)",
                                 ARGS(ARG_T(new_id), ARG_T(v.email), ARG_T(pwhash), ARG_I(now),
                                      ARG_T(v.account), ARG_I(GS_STORE_ROLE_THERAPIST)),
                                 NULL, err);
            if (rc == GS_ERR_EXISTS)
                gs_fail(err, rc, "user: the e-mail address is taken");
        }
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "use invitation", "DELETE FROM invites WHERE id = $1",
                                 ARGS(ARG_T(v.id)), NULL, err);
    }
    if (rc == GS_OK)
        memcpy(user_io, v.user[0] ? v.user : new_id, sizeof(gs_store_id));
    return rc;
}

gs_status gs_store__pg_invite_list(gs_store *s, const char *account, gs_store_invite **out,
                                   size_t *n, gs_error *err)
{
    return gs_store__pg_all(PG(s), PG_TX_IDEMPOTENT, "list invitations",
                            "SELECT " GS_STORE__INVITE_COLS " FROM invites WHERE account = $1"
                            " ORDER BY created DESC, id DESC",
                            ARGS(ARG_T(account)), gs_store__read_invite, sizeof(**out), out, n,
                            err);
}

gs_status gs_store__pg_invite_delete(gs_store *s, const char *account, const char *id,
                                     gs_error *err)
{
    int changes = 0;
    gs_status rc = gs_store__pg_do(PG(s), PG_TX_WRITE, "withdraw invitation",
                                   "DELETE FROM invites WHERE id = $1 AND account = $2",
                                   ARGS(ARG_T(id), ARG_T(account)), &changes, err);
    if (rc == GS_OK && changes == 0)
        rc = gs_fail(err, GS_ERR_NOT_FOUND, "invitation not found");
    return rc;
}

gs_status gs_store__pg_athlete_delete(gs_store *s, const char *account, const char *id,
                                      gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {PG_TX_WRITE, 0, 0, 0};
    PG_TRANSACTION(p, &t, &rc, err)
    {
        /* FOR UPDATE: a session_add for this athlete waits, then finds it gone */
        rc = gs_store__pg_one(p, PG_IN_TX, "athlete",
                              "SELECT 1 FROM athletes WHERE id = $1 AND account = $2 FOR UPDATE",
                              ARGS(ARG_T(id), ARG_T(account)), NULL, NULL, err);
        if (rc == GS_OK) {
            rc = gs_store__pg_one(p, PG_IN_TX, "session",
                                  "SELECT 1 FROM sessions WHERE athlete = $1 LIMIT 1",
                                  ARGS(ARG_T(id)), NULL, NULL, err);
            if (rc == GS_OK)
                rc = gs_fail(err, GS_ERR_EXISTS, "athlete: sessions remain; delete them first");
            else if (rc == GS_ERR_NOT_FOUND)
                rc = gs_store__pg_do(p, PG_IN_TX, "delete athlete",
                                     "DELETE FROM athletes WHERE id = $1", ARGS(ARG_T(id)), NULL,
                                     err);
        }
    }
    return rc;
}

gs_status gs_store__pg_retention_due(gs_store *s, int64_t now, size_t max, gs_store_purge **out,
                                     size_t *n, gs_error *err)
{
    return gs_store__pg_all(
        PG(s), PG_TX_IDEMPOTENT, "list sessions due for retention",
        "SELECT " GS_STORE__PURGE_COLS " FROM sessions AS s"
        " JOIN accounts AS a ON a.id = s.account JOIN jobs AS j ON j.id = s.job"
        " WHERE a.retention_days > 0 AND s.video_deleted = 0"
        " AND s.created <= $1 - a.retention_days * 86400::BIGINT AND j.status IN ($2, $3, $4)"
        " ORDER BY s.created, s.id LIMIT $5",
        ARGS(ARG_I(now), ARG_I(GS_STORE_JOB_DONE), ARG_I(GS_STORE_JOB_FAILED),
             ARG_I(GS_STORE_JOB_CANCELLED), ARG_I(max)),
        gs_store__read_purge, sizeof(**out), out, n, err);
}

gs_status gs_store__pg_session_video_deleted(gs_store *s, const char *account,
                                             const char *session, int64_t now,
                                             gs_store_id blob_gone, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    gs_store_id blob = "";
    int64_t keep = 0;
    int changes = 0;
    tx t = {PG_TX_WRITE, 0, 0, 0};
    PG_TRANSACTION(p, &t, &rc, err)
    {
        keep = 0;
        changes = 0;
        /* the upload's row first: two sessions of one upload end one after the other */
        rc = gs_store__pg_one(p, PG_IN_TX, "session",
                              "SELECT blob FROM sessions WHERE id = $1 AND account = $2",
                              ARGS(ARG_T(session), ARG_T(account)), gs_store__read_id, blob, err);
        if (rc == GS_OK)
            rc = gs_store__pg_one(p, PG_IN_TX, "upload",
                                  "SELECT 1 FROM blobs WHERE id = $1 FOR UPDATE",
                                  ARGS(ARG_T(blob)), NULL, NULL, err);
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "mark video deleted",
                                 "UPDATE sessions SET video_deleted = $1"
                                 " WHERE id = $2 AND video_deleted = 0",
                                 ARGS(ARG_I(now), ARG_T(session)), NULL, err);
        if (rc == GS_OK)
            rc = gs_store__pg_one(p, PG_IN_TX, "upload",
                                  "SELECT count(*) FROM sessions"
                                  " WHERE blob = $1 AND video_deleted = 0",
                                  ARGS(ARG_T(blob)), gs_store__read_i64, &keep, err);
        if (rc == GS_OK && keep == 0)
            rc = gs_store__pg_do(p, PG_IN_TX, "retire upload",
                                 "UPDATE blobs SET sha256 = 'deleted:' || id"
                                 " WHERE id = $1 AND sha256 NOT LIKE 'deleted:%'",
                                 ARGS(ARG_T(blob)), &changes, err);
    }
    if (rc == GS_OK && keep == 0 && changes == 1) /* retired by this call */
        memcpy(blob_gone, blob, sizeof(gs_store_id));
    return rc;
}

gs_status gs_store__pg_access_add(gs_store *s, const char *account, const char *user,
                                  const char *athlete, const char *session, const char *what,
                                  const char *addr, int64_t now, gs_error *err)
{
    gs_status rc = gs_store__pg_do(PG(s), PG_TX_WRITE, "log access",
                                   "INSERT INTO access_log(account, at, member, athlete, session,"
                                   " what, addr) VALUES($1, $2, $3, $4, $5, $6, $7)",
                                   ARGS(ARG_T(account), ARG_I(now), ARG_T(user), ARG_T(athlete),
                                        ARG_T(session), ARG_T(what), ARG_T(addr)),
                                   NULL, err);
    if (rc == GS_ERR_NOT_FOUND)
        gs_fail(err, rc, "account not found");
    return rc;
}

gs_status gs_store__pg_access_prune(gs_store *s, int64_t before, size_t max, size_t *removed,
                                   gs_error *err)
{
    int changes = 0;
    gs_status rc = gs_store__pg_do(PG(s), PG_TX_WRITE, "prune the access log",
                                   "DELETE FROM access_log WHERE seq IN (SELECT seq FROM access_log"
                                   " WHERE at < $1 ORDER BY seq LIMIT $2)",
                                   ARGS(ARG_I(before), ARG_I(max)), &changes, err);
    *removed = rc == GS_OK && changes > 0 ? (size_t)changes : 0;
    return rc;
}

gs_status gs_store__pg_access_list(gs_store *s, const char *account, size_t max, size_t skip,
                                   gs_store_access **out, size_t *n, gs_error *err)
{
    return gs_store__pg_all(
        PG(s), PG_TX_IDEMPOTENT, "read the access log",
        "SELECT " GS_STORE__ACCESS_COLS " FROM access_log AS a"
        " LEFT JOIN accounts AS u ON u.id = a.member AND u.clinic = a.account"
        " LEFT JOIN athletes AS t ON t.id = a.athlete AND t.account = a.account"
        " WHERE a.account = $1 ORDER BY a.at DESC, a.seq DESC LIMIT $2 OFFSET $3",
        ARGS(ARG_T(account), ARG_I(max), ARG_I(skip)), gs_store__read_access, sizeof(**out), out,
        n, err);
}
