/*
 * SQLite back end of the store: DIR/gaitscope.db.
 *
 * Settings, and why (SQLite documentation, sqlite.org/wal.html, pragma.html, lang_transaction.html):
 * - journal_mode=WAL: readers do not block the writer nor the writer the readers, so the server's
 *   requests and the workers' heartbeats go on together; the WAL survives a killed process (the
 *   next open replays committed transactions and drops the torn one).
 * - synchronous=FULL: in WAL mode NORMAL may lose the last commits on power loss (never
 *   consistency); an upload the API answered 202 for must survive, so FULL.
 * - a busy timeout (10 s): a writer waits for another process's write instead of failing.
 * - every write transaction starts with BEGIN IMMEDIATE: a deferred transaction that reads and
 *   then writes can get SQLITE_BUSY at once when another connection wrote in between (a WAL
 *   snapshot cannot be upgraded), and the busy handler does not help there; IMMEDIATE takes the
 *   write lock first, where the busy timeout applies. The job claim relies on it: the select and
 *   the update happen under one write lock, so two workers never claim the same job.
 * - foreign_keys=ON (off by default in SQLite, and per connection).
 * - application_id 0x47534350 ("GSCP") marks the file as ours, so another program's database is
 *   refused instead of being migrated.
 * Every value goes through sqlite3_bind_* (gs_store__sq_do/_one/_all below); no SQL text is built
 * from data. The records are in store_sqlite_records.c, the job queue in store_sqlite_jobs.c.
 */
#include "store.h"
#include "store_sqlite_impl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define APP_ID 0x47534350 /* "GSCP" */
#define BUSY_TIMEOUT_MS 10000

typedef gs_store__sq sq;

/* ---- migrations --------------------------------------------------------------------------- */

/*
 * migrations[i] brings a database from version i to version i + 1, in one transaction with the
 * version update. Append only: a released migration is never edited, a change is a new one.
 * Jobs keep no foreign key to their session: a deleted session's job stays, cancelled, so a
 * worker that still runs it learns so and the job id keeps answering.
 */
static const char *const migrations[] = {
    /* 0 -> 1: the first schema */
    "CREATE TABLE schema_version(version INTEGER NOT NULL);"
    "CREATE TABLE accounts("
    " id TEXT PRIMARY KEY NOT NULL,"
    " email TEXT NOT NULL UNIQUE,"
    " pwhash TEXT NOT NULL,"
    " created INTEGER NOT NULL,"
    " password_changed INTEGER NOT NULL);"
    "CREATE TABLE tokens("
    " digest BLOB PRIMARY KEY NOT NULL,"
    " account TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL);"
    "CREATE INDEX tokens_by_account ON tokens(account);"
    "CREATE TABLE athletes("
    " id TEXT PRIMARY KEY NOT NULL,"
    " account TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL,"
    " height_m REAL,"
    " created INTEGER NOT NULL);"
    "CREATE INDEX athletes_by_account ON athletes(account, name);"
    "CREATE TABLE blobs("
    " id TEXT PRIMARY KEY NOT NULL,"
    " account TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " sha256 TEXT NOT NULL,"
    " size_bytes INTEGER NOT NULL,"
    " refs INTEGER NOT NULL DEFAULT 0 CHECK (refs >= 0),"
    " created INTEGER NOT NULL,"
    " UNIQUE(account, sha256));"
    "CREATE TABLE sessions("
    " id TEXT PRIMARY KEY NOT NULL,"
    " account TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " athlete TEXT NOT NULL REFERENCES athletes(id) ON DELETE CASCADE,"
    " blob TEXT NOT NULL REFERENCES blobs(id),"
    " job TEXT NOT NULL,"
    " options_json TEXT NOT NULL,"
    " notes TEXT NOT NULL,"
    " date TEXT NOT NULL,"
    " created INTEGER NOT NULL);"
    "CREATE INDEX sessions_by_athlete ON sessions(account, athlete, created);"
    "CREATE TABLE jobs("
    " id TEXT PRIMARY KEY NOT NULL,"
    " session TEXT NOT NULL,"
    " account TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " status INTEGER NOT NULL,"
    " progress REAL NOT NULL DEFAULT 0,"
    " stage TEXT NOT NULL DEFAULT '',"
    " error TEXT NOT NULL DEFAULT '',"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " worker TEXT NOT NULL DEFAULT '',"
    " lease_until INTEGER NOT NULL DEFAULT 0,"
    " created INTEGER NOT NULL,"
    " started INTEGER NOT NULL DEFAULT 0,"
    " finished INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX jobs_by_status ON jobs(status, created);"
    "CREATE TABLE shares("
    " id TEXT PRIMARY KEY NOT NULL,"
    " account TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " session TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    " digest BLOB NOT NULL UNIQUE,"
    " created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL);"
    "CREATE INDEX shares_by_session ON shares(session);",
    /* 1 -> 2: the therapist's NKT record of a session (issue 16) */
    "CREATE TABLE nkt_records("
    " session TEXT PRIMARY KEY NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    " account TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " tests TEXT NOT NULL,"
    " facilitators TEXT NOT NULL,"
    " released TEXT NOT NULL,"
    " activated TEXT NOT NULL,"
    " homework TEXT NOT NULL,"
    " updated INTEGER NOT NULL);",
    /* 2 -> 3: clinic accounts (issue 16). A row of accounts is a user now: clinic names the
     * account (its owner's row) whose records the user works on, its own id for an owner; role
     * 0 owner, 1 therapist; retention_days is the account's (owner row). No foreign key on
     * clinic (SQLite adds none by ALTER TABLE with a default): gs_store_account_delete removes
     * the users by it. Invitations and password-reset links; the video a retention removed;
     * the access log (member: the user, "" for a share's visitor; kept when user or athlete
     * goes). */
    "ALTER TABLE accounts ADD COLUMN clinic TEXT NOT NULL DEFAULT '';"
    "UPDATE accounts SET clinic = id;"
    "ALTER TABLE accounts ADD COLUMN role INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE accounts ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX accounts_by_clinic ON accounts(clinic);"
    "ALTER TABLE sessions ADD COLUMN video_deleted INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE invites("
    " id TEXT PRIMARY KEY NOT NULL,"
    " account TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " reset_user TEXT REFERENCES accounts(id) ON DELETE CASCADE,"
    " email TEXT NOT NULL,"
    " digest BLOB NOT NULL UNIQUE,"
    " created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL);"
    "CREATE INDEX invites_by_account ON invites(account);"
    "CREATE TABLE access_log("
    " seq INTEGER PRIMARY KEY,"
    " account TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " at INTEGER NOT NULL,"
    " member TEXT NOT NULL,"
    " athlete TEXT NOT NULL,"
    " session TEXT NOT NULL,"
    " what TEXT NOT NULL,"
    " addr TEXT NOT NULL);"
    "CREATE INDEX access_by_account ON access_log(account, at);",
    /* 3 -> 4: job kinds and comparisons of two sessions (issue 16 item 7) */
    "ALTER TABLE jobs ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE comparisons("
    " id TEXT PRIMARY KEY NOT NULL,"
    " account TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " athlete TEXT NOT NULL REFERENCES athletes(id) ON DELETE CASCADE,"
    " before_session TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    " after_session TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    " job TEXT NOT NULL,"
    " options_json TEXT NOT NULL,"
    " created INTEGER NOT NULL);"
    "CREATE INDEX comparisons_by_athlete ON comparisons(account, athlete, created);"
    "CREATE INDEX comparisons_by_before ON comparisons(before_session);"
    "CREATE INDEX comparisons_by_after ON comparisons(after_session);",
};
_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == GS_STORE_SCHEMA_VERSION,
               "one migration per schema version");


/* ---- statements --------------------------------------------------------------------------- */

/* A SQLite result code as our status, with the library's message and what we were doing. */
static gs_status sq_fail(sq *q, int r, const char *what, gs_error *err)
{
    const char *msg = q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(r);
    switch (r & 0xff) {
    case SQLITE_NOMEM:
        return gs_fail(err, GS_ERR_NOMEM, "%s: %s: out of memory", q->path, what);
    case SQLITE_NOTADB:
        return gs_fail(err, GS_ERR_FORMAT, "%s: not a gaitscope database (%s)", q->path, msg);
    case SQLITE_FULL:
        return gs_fail(err, GS_ERR_IO, "%s: %s: disk full", q->path, what);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return gs_fail(err, GS_ERR_IO, "%s: %s: database busy for over %d s (%s)", q->path, what,
                       BUSY_TIMEOUT_MS / 1000, msg);
    default:
        return gs_fail(err, GS_ERR_IO, "%s: %s: %s", q->path, what, msg);
    }
}

/* Prepares sql and binds a[0..na) to its parameters 1..na. */
static gs_status prep(sq *q, sqlite3_stmt **st, const char *what, const char *sql,
                      const gs_store__arg *a, int na, gs_error *err)
{
    int r = sqlite3_prepare_v2(q->db, sql, -1, st, NULL);
    if (r != SQLITE_OK) {
        *st = NULL;
        return sq_fail(q, r, what, err);
    }
    for (int i = 0; i < na && r == SQLITE_OK; i++) {
        int k = i + 1;
        switch (a[i].kind) {
        case 't':
            r = sqlite3_bind_text(*st, k, a[i].t, -1, SQLITE_TRANSIENT);
            break;
        case 'i':
            r = sqlite3_bind_int64(*st, k, (sqlite3_int64)a[i].i);
            break;
        case 'd':
            r = isnan(a[i].d) ? sqlite3_bind_null(*st, k) : sqlite3_bind_double(*st, k, a[i].d);
            break;
        case 'g':
            r = sqlite3_bind_blob(*st, k, a[i].g, GS_STORE_DIGEST_BYTES, SQLITE_TRANSIENT);
            break;
        default:
            r = SQLITE_MISUSE;
        }
    }
    if (r != SQLITE_OK) {
        gs_status rc = sq_fail(q, r, what, err);
        sqlite3_finalize(*st);
        *st = NULL;
        return rc;
    }
    return GS_OK;
}

/* Constraint failures as the store's codes: GS_ERR_EXISTS for UNIQUE/PRIMARY KEY,
 * GS_ERR_NOT_FOUND for a foreign key (the row it points to is gone); others via sq_fail. */
static gs_status step_fail(sq *q, int r, const char *what, gs_error *err)
{
    if (r == SQLITE_CONSTRAINT_UNIQUE || r == SQLITE_CONSTRAINT_PRIMARYKEY)
        return gs_fail(err, GS_ERR_EXISTS, "%s: already exists", what);
    if (r == SQLITE_CONSTRAINT_FOREIGNKEY)
        return gs_fail(err, GS_ERR_NOT_FOUND, "%s: not found", what);
    return sq_fail(q, r, what, err);
}

/* Column accessors of gs_store__row over a statement standing on a row. */
static int row_null(const gs_store__row *r, int col)
{
    return sqlite3_column_type((sqlite3_stmt *)r->res, col) == SQLITE_NULL;
}

static const char *row_text(const gs_store__row *r, int col)
{
    const unsigned char *t = sqlite3_column_text((sqlite3_stmt *)r->res, col);
    return t ? (const char *)t : "";
}

static int64_t row_i64(const gs_store__row *r, int col)
{
    return (int64_t)sqlite3_column_int64((sqlite3_stmt *)r->res, col);
}

static double row_dbl(const gs_store__row *r, int col)
{
    return row_null(r, col) ? NAN : sqlite3_column_double((sqlite3_stmt *)r->res, col);
}

gs_status gs_store__sq_do(sq *q, const char *what, const char *sql, const gs_store__arg *a,
                          int na, int *changes, gs_error *err)
{
    sqlite3_stmt *st;
    gs_status rc = prep(q, &st, what, sql, a, na, err);
    int r;
    if (changes)
        *changes = 0;
    if (rc != GS_OK)
        return rc;
    r = sqlite3_step(st);
    if (r != SQLITE_DONE && r != SQLITE_ROW) /* run for effect: a row (RETURNING) is not read */
        rc = step_fail(q, r, what, err);
    else if (changes)
        *changes = sqlite3_changes(q->db);
    sqlite3_finalize(st);
    return rc;
}

gs_status gs_store__sq_one(sq *q, const char *what, const char *sql, const gs_store__arg *a,
                           int na, gs_store__read_fn read, void *out, gs_error *err)
{
    sqlite3_stmt *st;
    gs_status rc = prep(q, &st, what, sql, a, na, err);
    int r;
    if (rc != GS_OK)
        return rc;
    r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        gs_store__row row = {st, 0, row_null, row_text, row_i64, row_dbl};
        if (read && out)
            read(&row, out);
    } else if (r == SQLITE_DONE) {
        rc = gs_fail(err, GS_ERR_NOT_FOUND, "%s not found", what);
    } else {
        rc = step_fail(q, r, what, err);
    }
    sqlite3_finalize(st);
    return rc;
}

gs_status gs_store__sq_all(sq *q, const char *what, const char *sql, const gs_store__arg *a,
                           int na, gs_store__read_fn read, size_t elem, void *arr, size_t *n,
                           gs_error *err)
{
    void **rows = arr;
    size_t cap = 0, cnt = 0;
    sqlite3_stmt *st;
    gs_status rc;
    int r;
    free(*rows);
    *rows = NULL;
    *n = 0;
    rc = prep(q, &st, what, sql, a, na, err);
    if (rc != GS_OK)
        return rc;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        gs_store__row row = {st, 0, row_null, row_text, row_i64, row_dbl};
        rc = gs_store__grow(rows, &cap, cnt, elem, err);
        if (rc != GS_OK)
            break;
        read(&row, (char *)*rows + cnt * elem);
        cnt++;
    }
    if (rc == GS_OK && r != SQLITE_DONE)
        rc = step_fail(q, r, what, err);
    sqlite3_finalize(st);
    if (rc != GS_OK || cnt == 0) {
        free(*rows);
        *rows = NULL;
        cnt = 0;
    }
    *n = cnt;
    return rc;
}

gs_status gs_store__sq_owned(sq *q, const char *sql, const char *account, const char *id,
                             const char *what, gs_error *err)
{
    return gs_store__sq_one(q, what, sql, ARGS(ARG_T(id), ARG_T(account)), NULL, NULL, err);
}

/* SQL text of our own (migrations, pragmas, transaction control), without parameters. */
static gs_status exec_sql(sq *q, const char *sql, const char *what, gs_error *err)
{
    char *msg = NULL;
    int r = sqlite3_exec(q->db, sql, NULL, NULL, &msg);
    if (r != SQLITE_OK) {
        gs_status rc = (r & 0xff) == SQLITE_NOTADB
                           ? gs_fail(err, GS_ERR_FORMAT, "%s: not a gaitscope database (%s)",
                                     q->path, msg ? msg : sqlite3_errstr(r))
                           : sq_fail(q, r, what, err);
        sqlite3_free(msg);
        return rc;
    }
    return GS_OK;
}

gs_status gs_store__sq_begin_write(sq *q, gs_error *err)
{
    return exec_sql(q, "BEGIN IMMEDIATE", "begin transaction", err);
}

gs_status gs_store__sq_begin_read(sq *q, gs_error *err)
{
    return exec_sql(q, "BEGIN", "begin transaction", err);
}

gs_status gs_store__sq_end_tx(sq *q, gs_status rc, gs_error *err)
{
    if (rc == GS_OK)
        rc = exec_sql(q, "COMMIT", "commit", err);
    if (rc != GS_OK && !sqlite3_get_autocommit(q->db))
        sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* ---- open, schema ------------------------------------------------------------------------- */

/* The header row of read_version: application id, objects, and whether schema_version exists. */
static void read_header(const gs_store__row *r, void *out)
{
    int64_t *h = out;
    for (int i = 0; i < 3; i++)
        h[i] = r->i64(r, i);
}

/* max(version), -1 when the table is empty (NULL). */
static void read_version_row(const gs_store__row *r, void *out)
{
    *(int64_t *)out = r->is_null(r, 0) ? -1 : r->i64(r, 0);
}

/* The database's schema version: 0 for a new empty file; GS_ERR_FORMAT when the file holds
 * something that is not a gaitscope store. */
static gs_status read_version(sq *q, int *version, gs_error *err)
{
    int64_t h[3] = {0, 0, 0}, v = -1;
    gs_status rc;

    rc = gs_store__sq_one(q, "database header",
                          "SELECT (SELECT application_id FROM pragma_application_id),"
                          " (SELECT count(*) FROM sqlite_master),"
                          " (SELECT count(*) FROM sqlite_master WHERE type='table'"
                          " AND name='schema_version')",
                          NO_ARGS, read_header, h, err);
    if (rc != GS_OK)
        return rc == GS_ERR_NOT_FOUND ? gs_fail(err, GS_ERR_INTERNAL, "%s: no header", q->path)
                                      : rc;
    if (h[0] == 0 && h[1] == 0) {
        *version = 0;
        return GS_OK;
    }
    if (h[0] != APP_ID || !h[2])
        return gs_fail(err, GS_ERR_FORMAT, "%s: not a gaitscope database", q->path);
    rc = gs_store__sq_one(q, "schema version", "SELECT max(version) FROM schema_version", NO_ARGS,
                          read_version_row, &v, err);
    if (rc == GS_OK && v < 0)
        rc = gs_fail(err, GS_ERR_FORMAT, "%s: schema_version is empty", q->path);
    if (rc == GS_OK)
        *version = (int)v;
    return rc;
}

static gs_status refuse_newer(sq *q, int version, gs_error *err)
{
    return gs_fail(err, GS_ERR_UNSUPPORTED,
                   "%s: schema version %d is newer than this gaitscope's %d (run a newer "
                   "gaitscope, or restore a backup made by this one)",
                   q->path, version, GS_STORE_SCHEMA_VERSION);
}

/* Applies the missing migrations, each in its own write transaction. The version is read again
 * inside the transaction: another process opening the same store may have migrated meanwhile. */
static gs_status migrate(sq *q, int *version_out, gs_error *err)
{
    gs_status rc;
    int version = 0;

    rc = read_version(q, &version, err);
    if (rc != GS_OK)
        return rc;
    if (version > GS_STORE_SCHEMA_VERSION)
        return refuse_newer(q, version, err);
    while (version < GS_STORE_SCHEMA_VERSION) {
        char what[64];
        rc = gs_store__sq_begin_write(q, err);
        if (rc != GS_OK)
            return rc;
        rc = read_version(q, &version, err);
        if (rc == GS_OK && version > GS_STORE_SCHEMA_VERSION)
            rc = refuse_newer(q, version, err);
        if (rc == GS_OK && version < GS_STORE_SCHEMA_VERSION) {
            snprintf(what, sizeof(what), "migration to schema version %d", version + 1);
            rc = exec_sql(q, migrations[version], what, err);
            if (rc == GS_OK && version == 0)
                rc = exec_sql(q, "PRAGMA application_id = 1196639056", what, err); /* APP_ID */
            if (rc == GS_OK)
                rc = exec_sql(q, "DELETE FROM schema_version", what, err);
            if (rc == GS_OK)
                rc = gs_store__sq_do(q, what, "INSERT INTO schema_version(version) VALUES(?)",
                                     ARGS(ARG_I(version + 1)), NULL, err);
            if (rc == GS_OK)
                version++;
        }
        rc = gs_store__sq_end_tx(q, rc, err);
        if (rc != GS_OK)
            return rc;
    }
    *version_out = version;
    return GS_OK;
}
_Static_assert(APP_ID == 1196639056, "the PRAGMA text above spells APP_ID in decimal");

void gs_store__sq_close(gs_store *s)
{
    sq *q = gs_store__sq_of(s);
    if (!q)
        return;
    sqlite3_close_v2(q->db);
    free(q);
    s->be = NULL;
}

gs_status gs_store__sqlite_open(gs_store *s, const char *dir, gs_error *err)
{
    sq *q;
    struct stat stt;
    gs_status rc;
    int r, n;

    if (stat(dir, &stt) != 0 || !S_ISDIR(stt.st_mode))
        return gs_fail(err, GS_ERR_IO, "%s: the data folder %s", dir,
                       errno == ENOENT ? "does not exist" : "is not a readable folder");
    q = calloc(1, sizeof(*q));
    if (!q)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", dir);
    n = snprintf(q->path, sizeof(q->path), "%s/gaitscope.db", dir);
    if (n < 0 || (size_t)n >= sizeof(q->path)) {
        free(q);
        return gs_fail(err, GS_ERR_ARG, "%s: data folder path too long", dir);
    }
    s->be = q;
    s->ops = &gs_store__sqlite_ops;
    r = sqlite3_open_v2(q->path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (r != SQLITE_OK) {
        rc = gs_fail(err, GS_ERR_IO, "%s: cannot open: %s", q->path,
                     q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(r));
        goto fail;
    }
    sqlite3_extended_result_codes(q->db, 1);
    sqlite3_busy_timeout(q->db, BUSY_TIMEOUT_MS);
    /* The header check first: a file that is not SQLite fails here with SQLITE_NOTADB, before
     * any pragma could try to write to it. */
    {
        int version_probe = 0;
        rc = read_version(q, &version_probe, err);
        if (rc != GS_OK)
            goto fail;
    }
    rc = exec_sql(q, "PRAGMA journal_mode=WAL", "switch to WAL", err);
    if (rc == GS_OK)
        rc = exec_sql(q, "PRAGMA synchronous=FULL", "set synchronous", err);
    if (rc == GS_OK)
        rc = exec_sql(q, "PRAGMA foreign_keys=ON", "enable foreign keys", err);
    if (rc == GS_OK)
        rc = migrate(q, &s->schema_version, err);
    if (rc != GS_OK)
        goto fail;
    return GS_OK;
fail:
    gs_store__sq_close(s);
    s->ops = NULL;
    return rc;
}

