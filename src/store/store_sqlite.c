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
 * Every value goes through sqlite3_bind_*; no SQL text is built from data.
 */
#include "store.h"
#include "store_impl.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#define APP_ID 0x47534350 /* "GSCP" */
#define BUSY_TIMEOUT_MS 10000

typedef struct sq {
    sqlite3 *db;
    char path[4096]; /* DIR/gaitscope.db, for messages */
} sq;

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
};
_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == GS_STORE_SCHEMA_VERSION,
               "one migration per schema version");

/* ---- helpers ------------------------------------------------------------------------------ */

static sq *SQ(gs_store *s)
{
    return (sq *)s->be;
}

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

/*
 * Prepares sql and binds the arguments described by fmt, one character each:
 * 't' const char * (text), 'i' int64_t, 'n' int, 'd' double (NAN stored as NULL),
 * 'g' const uint8_t * (a GS_STORE_DIGEST_BYTES digest, as a blob).
 */
static gs_status prep(sq *q, sqlite3_stmt **st, const char *what, gs_error *err, const char *sql,
                      const char *fmt, ...)
{
    va_list ap;
    int r = sqlite3_prepare_v2(q->db, sql, -1, st, NULL);
    if (r != SQLITE_OK) {
        *st = NULL;
        return sq_fail(q, r, what, err);
    }
    va_start(ap, fmt);
    for (int i = 0; fmt[i] && r == SQLITE_OK; i++) {
        int k = i + 1;
        switch (fmt[i]) {
        case 't':
            r = sqlite3_bind_text(*st, k, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
            break;
        case 'i':
            r = sqlite3_bind_int64(*st, k, (sqlite3_int64)va_arg(ap, int64_t));
            break;
        case 'n':
            r = sqlite3_bind_int(*st, k, va_arg(ap, int));
            break;
        case 'd': {
            double v = va_arg(ap, double);
            r = isnan(v) ? sqlite3_bind_null(*st, k) : sqlite3_bind_double(*st, k, v);
            break;
        }
        case 'g':
            r = sqlite3_bind_blob(*st, k, va_arg(ap, const uint8_t *), GS_STORE_DIGEST_BYTES,
                                  SQLITE_TRANSIENT);
            break;
        default:
            r = SQLITE_MISUSE;
        }
    }
    va_end(ap);
    if (r != SQLITE_OK) {
        gs_status rc = sq_fail(q, r, what, err);
        sqlite3_finalize(*st);
        *st = NULL;
        return rc;
    }
    return GS_OK;
}

/* Steps a prepared statement to its end and finalizes it; *changes (may be NULL) gets the rows
 * it changed. Constraint failures: GS_ERR_EXISTS for UNIQUE/PRIMARY KEY, GS_ERR_NOT_FOUND for a
 * foreign key (the row it points to is gone). */
static gs_status run(sq *q, sqlite3_stmt *st, const char *what, int *changes, gs_error *err)
{
    int r = sqlite3_step(st);
    gs_status rc = GS_OK;
    if (r == SQLITE_ROW)
        r = SQLITE_DONE; /* statements run for effect (RETURNING is not used) */
    if (r != SQLITE_DONE) {
        if (r == SQLITE_CONSTRAINT_UNIQUE || r == SQLITE_CONSTRAINT_PRIMARYKEY)
            rc = gs_fail(NULL, GS_ERR_EXISTS, "exists");
        else if (r == SQLITE_CONSTRAINT_FOREIGNKEY)
            rc = gs_fail(NULL, GS_ERR_NOT_FOUND, "not found");
        else
            rc = sq_fail(q, r, what, err);
        if (rc == GS_ERR_EXISTS || rc == GS_ERR_NOT_FOUND)
            gs_fail(err, rc, "%s: %s", what, rc == GS_ERR_EXISTS ? "already exists" : "not found");
    }
    if (changes)
        *changes = sqlite3_changes(q->db);
    sqlite3_finalize(st);
    return rc;
}

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

static gs_status begin_write(sq *q, gs_error *err)
{
    return exec_sql(q, "BEGIN IMMEDIATE", "begin transaction", err);
}

static gs_status begin_read(sq *q, gs_error *err)
{
    return exec_sql(q, "BEGIN", "begin transaction", err);
}

/* Commits when rc is GS_OK (a failed commit becomes the result), otherwise rolls back. */
static gs_status end_tx(sq *q, gs_status rc, gs_error *err)
{
    if (rc == GS_OK)
        rc = exec_sql(q, "COMMIT", "commit", err);
    if (rc != GS_OK && !sqlite3_get_autocommit(q->db))
        sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static void col_text(sqlite3_stmt *st, int col, char *dst, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(dst, size, "%s", t ? (const char *)t : "");
}

/* One row expected: GS_OK with the statement on it, GS_ERR_NOT_FOUND (message "what not found")
 * when there is none. The caller finalizes. */
static gs_status step_row(sq *q, sqlite3_stmt *st, const char *what, gs_error *err)
{
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        return GS_OK;
    if (r == SQLITE_DONE)
        return gs_fail(err, GS_ERR_NOT_FOUND, "%s not found", what);
    return sq_fail(q, r, what, err);
}

/* ---- row readers (column lists kept beside them) ------------------------------------------ */

#define ACCOUNT_COLS "id, email, pwhash, created, password_changed"
static void read_account(sqlite3_stmt *st, gs_store_account *a)
{
    memset(a, 0, sizeof(*a));
    col_text(st, 0, a->id, sizeof(a->id));
    col_text(st, 1, a->email, sizeof(a->email));
    col_text(st, 2, a->pwhash, sizeof(a->pwhash));
    a->created = sqlite3_column_int64(st, 3);
    a->password_changed = sqlite3_column_int64(st, 4);
}

#define ATHLETE_COLS "id, name, height_m, created"
static void read_athlete(sqlite3_stmt *st, gs_store_athlete *a)
{
    memset(a, 0, sizeof(*a));
    col_text(st, 0, a->id, sizeof(a->id));
    col_text(st, 1, a->name, sizeof(a->name));
    a->height_m = sqlite3_column_type(st, 2) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 2);
    a->created = sqlite3_column_int64(st, 3);
}

#define BLOB_COLS "id, sha256, size_bytes, refs, created"
static void read_blob(sqlite3_stmt *st, gs_store_blob *b)
{
    memset(b, 0, sizeof(*b));
    col_text(st, 0, b->id, sizeof(b->id));
    col_text(st, 1, b->sha256, sizeof(b->sha256));
    b->size_bytes = sqlite3_column_int64(st, 2);
    b->refs = sqlite3_column_int64(st, 3);
    b->created = sqlite3_column_int64(st, 4);
}

#define SESSION_COLS "id, athlete, blob, job, options_json, notes, date, created"
/* The same columns of table alias s (for joins). */
#define SESSION_COLS_S "s.id, s.athlete, s.blob, s.job, s.options_json, s.notes, s.date, s.created"
static void read_session(sqlite3_stmt *st, int c0, gs_store_session *x)
{
    memset(x, 0, sizeof(*x));
    col_text(st, c0 + 0, x->id, sizeof(x->id));
    col_text(st, c0 + 1, x->athlete, sizeof(x->athlete));
    col_text(st, c0 + 2, x->blob, sizeof(x->blob));
    col_text(st, c0 + 3, x->job, sizeof(x->job));
    col_text(st, c0 + 4, x->options_json, sizeof(x->options_json));
    col_text(st, c0 + 5, x->notes, sizeof(x->notes));
    col_text(st, c0 + 6, x->date, sizeof(x->date));
    x->created = sqlite3_column_int64(st, c0 + 7);
}

#define JOB_COLS                                                                                \
    "id, session, account, status, progress, stage, error, attempts, worker, lease_until, "   \
    "created, started, finished"
static void read_job(sqlite3_stmt *st, gs_store_job *j)
{
    int status;
    memset(j, 0, sizeof(*j));
    col_text(st, 0, j->id, sizeof(j->id));
    col_text(st, 1, j->session, sizeof(j->session));
    col_text(st, 2, j->account, sizeof(j->account));
    status = sqlite3_column_int(st, 3);
    j->status = status >= 0 && status <= 4 ? (gs_store_job_status)status : GS_STORE_JOB_FAILED;
    j->progress = sqlite3_column_double(st, 4);
    col_text(st, 5, j->stage, sizeof(j->stage));
    col_text(st, 6, j->error, sizeof(j->error));
    j->attempts = sqlite3_column_int(st, 7);
    col_text(st, 8, j->worker, sizeof(j->worker));
    j->lease_until = sqlite3_column_int64(st, 9);
    j->created = sqlite3_column_int64(st, 10);
    j->started = sqlite3_column_int64(st, 11);
    j->finished = sqlite3_column_int64(st, 12);
}

/* ---- open, schema ------------------------------------------------------------------------- */

/* The database's schema version: 0 for a new empty file; GS_ERR_FORMAT when the file holds
 * something that is not a gaitscope store. */
static gs_status read_version(sq *q, int *version, gs_error *err)
{
    sqlite3_stmt *st = NULL;
    gs_status rc;
    int app_id, tables, has_version;

    rc = prep(q, &st, "read the database header", err,
              "SELECT (SELECT application_id FROM pragma_application_id),"
              " (SELECT count(*) FROM sqlite_master),"
              " (SELECT count(*) FROM sqlite_master WHERE type='table' AND name='schema_version')",
              "");
    if (rc != GS_OK)
        return rc;
    rc = step_row(q, st, "database header", err);
    if (rc != GS_OK) {
        sqlite3_finalize(st);
        return rc == GS_ERR_NOT_FOUND ? gs_fail(err, GS_ERR_INTERNAL, "%s: no header", q->path)
                                      : rc;
    }
    app_id = sqlite3_column_int(st, 0);
    tables = sqlite3_column_int(st, 1);
    has_version = sqlite3_column_int(st, 2);
    sqlite3_finalize(st);
    if (app_id == 0 && tables == 0) {
        *version = 0;
        return GS_OK;
    }
    if (app_id != APP_ID || !has_version)
        return gs_fail(err, GS_ERR_FORMAT, "%s: not a gaitscope database", q->path);
    rc = prep(q, &st, "read the schema version", err, "SELECT max(version) FROM schema_version",
              "");
    if (rc != GS_OK)
        return rc;
    rc = step_row(q, st, "schema version", err);
    if (rc == GS_OK) {
        if (sqlite3_column_type(st, 0) == SQLITE_NULL)
            rc = gs_fail(err, GS_ERR_FORMAT, "%s: schema_version is empty", q->path);
        else
            *version = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
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
        sqlite3_stmt *st = NULL;
        rc = begin_write(q, err);
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
                rc = prep(q, &st, what, err, "INSERT INTO schema_version(version) VALUES(?)", "n",
                          version + 1);
            if (rc == GS_OK)
                rc = run(q, st, what, NULL, err);
            if (rc == GS_OK)
                version++;
        }
        rc = end_tx(q, rc, err);
        if (rc != GS_OK)
            return rc;
    }
    *version_out = version;
    return GS_OK;
}
_Static_assert(APP_ID == 1196639056, "the PRAGMA text above spells APP_ID in decimal");

static void sq_close(gs_store *s)
{
    sq *q = SQ(s);
    if (!q)
        return;
    sqlite3_close_v2(q->db);
    free(q);
    s->be = NULL;
}

static const gs_store_ops sqlite_ops;

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
    s->ops = &sqlite_ops;
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
    sq_close(s);
    s->ops = NULL;
    return rc;
}

/* ---- accounts and tokens ------------------------------------------------------------------ */

static gs_status sq_account_add(gs_store *s, const char *email, const char *pwhash, int64_t now,
                                const char *id, gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    gs_status rc = prep(q, &st, "add account", err,
                        "INSERT INTO accounts(" ACCOUNT_COLS ") VALUES(?1, ?2, ?3, ?4, ?4)", "ttti",
                        id, email, pwhash, now);
    if (rc == GS_OK)
        rc = run(q, st, "add account", NULL, err);
    if (rc == GS_ERR_EXISTS)
        gs_fail(err, rc, "account: the e-mail address is taken");
    return rc;
}

static gs_status sq_account_by_email(gs_store *s, const char *email, gs_store_account *out,
                                     gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    gs_status rc = prep(q, &st, "find account", err,
                        "SELECT " ACCOUNT_COLS " FROM accounts WHERE email = ?", "t", email);
    if (rc != GS_OK)
        return rc;
    rc = step_row(q, st, "account", err);
    if (rc == GS_OK && out)
        read_account(st, out);
    sqlite3_finalize(st);
    return rc;
}

static gs_status sq_account_get(gs_store *s, const char *account, gs_store_account *out,
                                gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    gs_status rc = prep(q, &st, "read account", err,
                        "SELECT " ACCOUNT_COLS " FROM accounts WHERE id = ?", "t", account);
    if (rc != GS_OK)
        return rc;
    rc = step_row(q, st, "account", err);
    if (rc == GS_OK && out)
        read_account(st, out);
    sqlite3_finalize(st);
    return rc;
}

static gs_status sq_account_set_password(gs_store *s, const char *account, const char *pwhash,
                                         int64_t now, gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    int changes = 0;
    gs_status rc = begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    rc = prep(q, &st, "change password", err,
              "UPDATE accounts SET pwhash = ?, password_changed = ? WHERE id = ?", "tit", pwhash,
              now, account);
    if (rc == GS_OK)
        rc = run(q, st, "change password", &changes, err);
    if (rc == GS_OK && changes == 0)
        rc = gs_fail(err, GS_ERR_NOT_FOUND, "account not found");
    if (rc == GS_OK)
        rc = prep(q, &st, "revoke tokens", err, "DELETE FROM tokens WHERE account = ?", "t",
                  account);
    if (rc == GS_OK)
        rc = run(q, st, "revoke tokens", NULL, err);
    return end_tx(q, rc, err);
}

static gs_status sq_token_add(gs_store *s, const char *account, const uint8_t *digest,
                              int64_t now, int64_t expires, gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    gs_status rc = begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    /* The account's expired tokens go at each new one, so the table stays the size of the live
     * sessions (bounded work: one account's rows, by index). */
    rc = prep(q, &st, "add token", err, "DELETE FROM tokens WHERE account = ? AND expires <= ?",
              "ti", account, now);
    if (rc == GS_OK)
        rc = run(q, st, "add token", NULL, err);
    if (rc == GS_OK)
        rc = prep(q, &st, "add token", err,
                  "INSERT INTO tokens(digest, account, created, expires) VALUES(?, ?, ?, ?)",
                  "gtii", digest, account, now, expires);
    if (rc == GS_OK)
        rc = run(q, st, "add token", NULL, err);
    if (rc == GS_ERR_NOT_FOUND)
        gs_fail(err, rc, "account not found");
    return end_tx(q, rc, err);
}

static gs_status sq_token_account(gs_store *s, const uint8_t *digest, int64_t now,
                                  gs_store_id account_out, gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    gs_status rc = prep(q, &st, "look up token", err,
                        "SELECT account FROM tokens WHERE digest = ? AND expires > ?", "gi",
                        digest, now);
    if (rc != GS_OK)
        return rc;
    rc = step_row(q, st, "token", err);
    if (rc == GS_OK && account_out)
        col_text(st, 0, account_out, sizeof(gs_store_id));
    sqlite3_finalize(st);
    return rc;
}

static gs_status sq_token_delete(gs_store *s, const uint8_t *digest, gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    int changes = 0;
    gs_status rc = prep(q, &st, "delete token", err, "DELETE FROM tokens WHERE digest = ?", "g",
                        digest);
    if (rc == GS_OK)
        rc = run(q, st, "delete token", &changes, err);
    if (rc == GS_OK && changes == 0)
        rc = gs_fail(err, GS_ERR_NOT_FOUND, "token not found");
    return rc;
}

/* ---- athletes ----------------------------------------------------------------------------- */

static gs_status sq_athlete_add(gs_store *s, const char *account, const char *name,
                                double height_m, int64_t now, const char *id, gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    gs_status rc = prep(q, &st, "add athlete", err,
                        "INSERT INTO athletes(id, account, name, height_m, created)"
                        " VALUES(?, ?, ?, ?, ?)",
                        "tttdi", id, account, name, height_m, now);
    if (rc == GS_OK)
        rc = run(q, st, "add athlete", NULL, err);
    if (rc == GS_ERR_NOT_FOUND)
        gs_fail(err, rc, "account not found");
    return rc;
}

static gs_status sq_athlete_get(gs_store *s, const char *account, const char *id,
                                gs_store_athlete *out, gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    gs_status rc = prep(q, &st, "read athlete", err,
                        "SELECT " ATHLETE_COLS " FROM athletes WHERE id = ? AND account = ?", "tt",
                        id, account);
    if (rc != GS_OK)
        return rc;
    rc = step_row(q, st, "athlete", err);
    if (rc == GS_OK && out)
        read_athlete(st, out);
    sqlite3_finalize(st);
    return rc;
}

/* Grows *arr (of elem bytes each) to hold one more than *n; GS_ERR_NOMEM. */
static gs_status grow(void **arr, size_t *cap, size_t n, size_t elem, gs_error *err)
{
    size_t ncap, bytes;
    void *p;
    if (n < *cap)
        return GS_OK;
    ncap = *cap ? *cap * 2 : 16;
    if (gs_size_mul(ncap, elem, &bytes) != 0 || !(p = realloc(*arr, bytes)))
        return gs_fail(err, GS_ERR_NOMEM, "store: out of memory for %zu rows", ncap);
    *arr = p;
    *cap = ncap;
    return GS_OK;
}

static gs_status sq_athlete_list(gs_store *s, const char *account, gs_store_athlete **out,
                                 size_t *n, gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    gs_store_athlete *arr = NULL;
    size_t cap = 0, cnt = 0;
    int r;
    gs_status rc = prep(q, &st, "list athletes", err,
                        "SELECT " ATHLETE_COLS " FROM athletes WHERE account = ?"
                        " ORDER BY name, created, rowid",
                        "t", account);
    if (rc != GS_OK)
        return rc;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        rc = grow((void **)&arr, &cap, cnt, sizeof(*arr), err);
        if (rc != GS_OK)
            break;
        read_athlete(st, &arr[cnt++]);
    }
    if (rc == GS_OK && r != SQLITE_DONE)
        rc = sq_fail(q, r, "list athletes", err);
    sqlite3_finalize(st);
    if (rc != GS_OK || cnt == 0) {
        free(arr);
        arr = NULL;
        cnt = 0;
    }
    *out = arr;
    *n = cnt;
    return rc;
}

/* ---- blobs -------------------------------------------------------------------------------- */

static gs_status sq_blob_find(gs_store *s, const char *account, const char *sha256,
                              gs_store_blob *out, gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    gs_status rc = prep(q, &st, "find upload", err,
                        "SELECT " BLOB_COLS " FROM blobs WHERE account = ? AND sha256 = ?", "tt",
                        account, sha256);
    if (rc != GS_OK)
        return rc;
    rc = step_row(q, st, "upload", err);
    if (rc == GS_OK && out)
        read_blob(st, out);
    sqlite3_finalize(st);
    return rc;
}

static gs_status sq_blob_add(gs_store *s, const char *account, const char *id, const char *sha256,
                             int64_t size_bytes, int64_t now, gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    gs_status rc = prep(q, &st, "record upload", err,
                        "INSERT INTO blobs(id, account, sha256, size_bytes, refs, created)"
                        " VALUES(?, ?, ?, ?, 0, ?)",
                        "tttii", id, account, sha256, size_bytes, now);
    if (rc == GS_OK)
        rc = run(q, st, "record upload", NULL, err);
    if (rc == GS_ERR_EXISTS)
        gs_fail(err, rc, "upload: the account already has this file (sha256 %.12s...)", sha256);
    else if (rc == GS_ERR_NOT_FOUND)
        gs_fail(err, rc, "account not found");
    return rc;
}

static gs_status sq_blob_ids(gs_store *s, gs_store_id **out, size_t *n, gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    gs_store_id *arr = NULL;
    size_t cap = 0, cnt = 0;
    int r;
    gs_status rc = prep(q, &st, "list uploads", err, "SELECT id FROM blobs", "");
    if (rc != GS_OK)
        return rc;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        rc = grow((void **)&arr, &cap, cnt, sizeof(*arr), err);
        if (rc != GS_OK)
            break;
        col_text(st, 0, arr[cnt++], sizeof(gs_store_id));
    }
    if (rc == GS_OK && r != SQLITE_DONE)
        rc = sq_fail(q, r, "list uploads", err);
    sqlite3_finalize(st);
    if (rc != GS_OK || cnt == 0) {
        free(arr);
        arr = NULL;
        cnt = 0;
    }
    *out = arr;
    *n = cnt;
    return rc;
}

static gs_status sq_blob_delete_unused(gs_store *s, const char *account, const char *id,
                                       gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    int64_t refs = 0;
    gs_status rc = begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    rc = prep(q, &st, "read upload", err, "SELECT refs FROM blobs WHERE id = ? AND account = ?",
              "tt", id, account);
    if (rc == GS_OK) {
        rc = step_row(q, st, "upload", err);
        if (rc == GS_OK)
            refs = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    if (rc == GS_OK && refs > 0)
        rc = gs_fail(err, GS_ERR_EXISTS, "upload is used by %lld session(s)", (long long)refs);
    if (rc == GS_OK)
        rc = prep(q, &st, "delete upload", err, "DELETE FROM blobs WHERE id = ?", "t", id);
    if (rc == GS_OK)
        rc = run(q, st, "delete upload", NULL, err);
    return end_tx(q, rc, err);
}

/* ---- sessions ----------------------------------------------------------------------------- */

/* GS_OK when the account has a row id in table (a fixed name from this file, never data). */
static gs_status owned(sq *q, const char *sql, const char *account, const char *id,
                       const char *what, gs_error *err)
{
    sqlite3_stmt *st;
    gs_status rc = prep(q, &st, what, err, sql, "tt", id, account);
    if (rc != GS_OK)
        return rc;
    rc = step_row(q, st, what, err);
    sqlite3_finalize(st);
    return rc;
}
#define OWNED_ATHLETE "SELECT 1 FROM athletes WHERE id = ? AND account = ?"
#define OWNED_SESSION "SELECT 1 FROM sessions WHERE id = ? AND account = ?"

static gs_status sq_session_add(gs_store *s, const char *account, const char *athlete,
                                const char *blob, const char *options_json, const char *notes,
                                const char *date, int64_t now, const char *session_id,
                                const char *job_id, gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    int changes = 0;
    gs_status rc = begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    rc = owned(q, OWNED_ATHLETE, account, athlete, "athlete", err);
    if (rc == GS_OK)
        rc = prep(q, &st, "reference upload", err,
                  "UPDATE blobs SET refs = refs + 1 WHERE id = ? AND account = ?", "tt", blob,
                  account);
    if (rc == GS_OK)
        rc = run(q, st, "reference upload", &changes, err);
    if (rc == GS_OK && changes == 0)
        rc = gs_fail(err, GS_ERR_NOT_FOUND, "upload not found");
    if (rc == GS_OK)
        rc = prep(q, &st, "queue job", err,
                  "INSERT INTO jobs(id, session, account, status, created) VALUES(?, ?, ?, ?, ?)",
                  "tttni", job_id, session_id, account, (int)GS_STORE_JOB_QUEUED, now);
    if (rc == GS_OK)
        rc = run(q, st, "queue job", NULL, err);
    if (rc == GS_OK)
        rc = prep(q, &st, "add session", err,
                  "INSERT INTO sessions(" SESSION_COLS ", account)"
                  " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  "tttttttit", session_id, athlete, blob, job_id, options_json, notes, date, now,
                  account);
    if (rc == GS_OK)
        rc = run(q, st, "add session", NULL, err);
    return end_tx(q, rc, err);
}

static gs_status sq_session_get(gs_store *s, const char *account, const char *id,
                                gs_store_session *out, gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    gs_status rc = prep(q, &st, "read session", err,
                        "SELECT " SESSION_COLS " FROM sessions WHERE id = ? AND account = ?", "tt",
                        id, account);
    if (rc != GS_OK)
        return rc;
    rc = step_row(q, st, "session", err);
    if (rc == GS_OK && out)
        read_session(st, 0, out);
    sqlite3_finalize(st);
    return rc;
}

static gs_status sq_session_list(gs_store *s, const char *account, const char *athlete,
                                 gs_store_session **out, size_t *n, gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st = NULL;
    gs_store_session *arr = NULL;
    size_t cap = 0, cnt = 0;
    int r;
    gs_status rc = begin_read(q, err);
    if (rc != GS_OK)
        return rc;
    rc = owned(q, OWNED_ATHLETE, account, athlete, "athlete", err);
    if (rc == GS_OK)
        rc = prep(q, &st, "list sessions", err,
                  "SELECT " SESSION_COLS " FROM sessions WHERE account = ? AND athlete = ?"
                  " ORDER BY created DESC, rowid DESC",
                  "tt", account, athlete);
    if (rc == GS_OK) {
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            rc = grow((void **)&arr, &cap, cnt, sizeof(*arr), err);
            if (rc != GS_OK)
                break;
            read_session(st, 0, &arr[cnt++]);
        }
        if (rc == GS_OK && r != SQLITE_DONE)
            rc = sq_fail(q, r, "list sessions", err);
        sqlite3_finalize(st);
    }
    rc = end_tx(q, rc, err);
    if (rc != GS_OK || cnt == 0) {
        free(arr);
        arr = NULL;
        cnt = 0;
    }
    *out = arr;
    *n = cnt;
    return rc;
}

static gs_status sq_session_delete(gs_store *s, const char *account, const char *id,
                                   gs_store_id blob_gone, gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    gs_store_id blob = "", job = "";
    int64_t refs = -1;
    gs_status rc = begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    rc = prep(q, &st, "read session", err,
              "SELECT blob, job FROM sessions WHERE id = ? AND account = ?", "tt", id, account);
    if (rc == GS_OK) {
        rc = step_row(q, st, "session", err);
        if (rc == GS_OK) {
            col_text(st, 0, blob, sizeof(blob));
            col_text(st, 1, job, sizeof(job));
        }
        sqlite3_finalize(st);
    }
    if (rc == GS_OK)
        rc = prep(q, &st, "cancel job", err,
                  "UPDATE jobs SET status = ?, lease_until = 0 WHERE id = ? AND status IN (?, ?)",
                  "ntnn", (int)GS_STORE_JOB_CANCELLED, job, (int)GS_STORE_JOB_QUEUED,
                  (int)GS_STORE_JOB_RUNNING);
    if (rc == GS_OK)
        rc = run(q, st, "cancel job", NULL, err);
    if (rc == GS_OK)
        rc = prep(q, &st, "delete shares", err, "DELETE FROM shares WHERE session = ?", "t", id);
    if (rc == GS_OK)
        rc = run(q, st, "delete shares", NULL, err);
    if (rc == GS_OK)
        rc = prep(q, &st, "delete NKT record", err, "DELETE FROM nkt_records WHERE session = ?",
                  "t", id);
    if (rc == GS_OK)
        rc = run(q, st, "delete NKT record", NULL, err);
    if (rc == GS_OK)
        rc = prep(q, &st, "delete session", err, "DELETE FROM sessions WHERE id = ?", "t", id);
    if (rc == GS_OK)
        rc = run(q, st, "delete session", NULL, err);
    if (rc == GS_OK)
        rc = prep(q, &st, "release upload", err,
                  "UPDATE blobs SET refs = refs - 1 WHERE id = ?", "t", blob);
    if (rc == GS_OK)
        rc = run(q, st, "release upload", NULL, err);
    if (rc == GS_OK) {
        rc = prep(q, &st, "read upload", err, "SELECT refs FROM blobs WHERE id = ?", "t", blob);
        if (rc == GS_OK) {
            rc = step_row(q, st, "upload", err);
            if (rc == GS_OK)
                refs = sqlite3_column_int64(st, 0);
            sqlite3_finalize(st);
        }
    }
    if (rc == GS_OK && refs == 0) {
        rc = prep(q, &st, "delete upload", err, "DELETE FROM blobs WHERE id = ?", "t", blob);
        if (rc == GS_OK)
            rc = run(q, st, "delete upload", NULL, err);
    }
    rc = end_tx(q, rc, err);
    if (rc == GS_OK && refs == 0 && blob_gone)
        memcpy(blob_gone, blob, sizeof(gs_store_id));
    return rc;
}

/* ---- jobs --------------------------------------------------------------------------------- */

static gs_status sq_job_get(gs_store *s, const char *account, const char *id, gs_store_job *out,
                            gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    gs_status rc = account ? prep(q, &st, "read job", err,
                                  "SELECT " JOB_COLS " FROM jobs WHERE id = ? AND account = ?",
                                  "tt", id, account)
                           : prep(q, &st, "read job", err,
                                  "SELECT " JOB_COLS " FROM jobs WHERE id = ?", "t", id);
    if (rc != GS_OK)
        return rc;
    rc = step_row(q, st, "job", err);
    if (rc == GS_OK && out)
        read_job(st, out);
    sqlite3_finalize(st);
    return rc;
}

static gs_status sq_job_claim(gs_store *s, const char *worker, int64_t now, int64_t lease_s,
                              int max_attempts, gs_store_job *out, gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    gs_store_id id = "";
    gs_status rc = begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    /* Lapsed jobs that used every attempt end failed first, so they are never claimed again.
     * The message is GS_STORE__GAVE_UP_FMT, spelt in SQLite's printf. */
    rc = prep(q, &st, "end abandoned jobs", err,
              "UPDATE jobs SET status = ?1, finished = ?2, lease_until = 0,"
              " error = printf('the analysis stopped %d times without finishing"
              " (last worker %s)', attempts, worker)"
              " WHERE status = ?3 AND lease_until < ?2 AND attempts >= ?4",
              "ninn", (int)GS_STORE_JOB_FAILED, now, (int)GS_STORE_JOB_RUNNING, max_attempts);
    if (rc == GS_OK)
        rc = run(q, st, "end abandoned jobs", NULL, err);
    if (rc == GS_OK)
        rc = prep(q, &st, "find a job", err,
                  "SELECT id FROM jobs WHERE status = ?1 OR (status = ?2 AND lease_until < ?3)"
                  " ORDER BY created, rowid LIMIT 1",
                  "nni", (int)GS_STORE_JOB_QUEUED, (int)GS_STORE_JOB_RUNNING, now);
    if (rc == GS_OK) {
        rc = step_row(q, st, "queued job", err);
        if (rc == GS_OK)
            col_text(st, 0, id, sizeof(id));
        sqlite3_finalize(st);
    }
    if (rc == GS_OK)
        rc = prep(q, &st, "claim job", err,
                  "UPDATE jobs SET status = ?, attempts = attempts + 1, worker = ?, started = ?,"
                  " lease_until = ?, progress = 0, stage = '', error = '' WHERE id = ?",
                  "ntiit", (int)GS_STORE_JOB_RUNNING, worker, now, now + lease_s, id);
    if (rc == GS_OK)
        rc = run(q, st, "claim job", NULL, err);
    if (rc == GS_OK) {
        rc = prep(q, &st, "read job", err, "SELECT " JOB_COLS " FROM jobs WHERE id = ?", "t", id);
        if (rc == GS_OK) {
            rc = step_row(q, st, "job", err);
            if (rc == GS_OK && out)
                read_job(st, out);
            sqlite3_finalize(st);
        }
    }
    /* "Nothing to do" still commits the abandoned jobs' failure. */
    if (rc == GS_ERR_NOT_FOUND) {
        gs_status c = end_tx(q, GS_OK, err);
        return c != GS_OK ? c : gs_fail(err, GS_ERR_NOT_FOUND, "no job to do");
    }
    return end_tx(q, rc, err);
}

static gs_status sq_job_heartbeat(gs_store *s, const char *id, const char *worker, int attempt,
                                  double progress, const char *stage, int64_t now,
                                  int64_t lease_s, gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    int changes = 0;
    gs_status rc = prep(q, &st, "job heartbeat", err,
                        "UPDATE jobs SET progress = ?, stage = ?, lease_until = ?"
                        " WHERE id = ? AND worker = ? AND status = ? AND (?7 = 0 OR attempts = ?7)",
                        "dtittnn", progress, stage, now + lease_s, id, worker,
                        (int)GS_STORE_JOB_RUNNING, attempt);
    if (rc == GS_OK)
        rc = run(q, st, "job heartbeat", &changes, err);
    if (rc == GS_OK && changes == 0)
        rc = gs_fail(err, GS_ERR_CANCELLED,
                     "job %s: cancelled, deleted or claimed by another worker", id);
    return rc;
}

static gs_status sq_job_finish(gs_store *s, const char *id, const char *worker, int attempt,
                               gs_store_job_status status, const char *error, int64_t now,
                               gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    int changes = 0;
    gs_status rc = prep(q, &st, "finish job", err,
                        "UPDATE jobs SET status = ?1, error = ?2, finished = ?3, lease_until = 0,"
                        " progress = CASE WHEN ?1 = ?4 THEN 1.0 ELSE progress END"
                        " WHERE id = ?5 AND worker = ?6 AND status = ?7"
                        " AND (?8 = 0 OR attempts = ?8)",
                        "ntinttnn", (int)status, error, now, (int)GS_STORE_JOB_DONE, id, worker,
                        (int)GS_STORE_JOB_RUNNING, attempt);
    if (rc == GS_OK)
        rc = run(q, st, "finish job", &changes, err);
    if (rc == GS_OK && changes == 0)
        rc = gs_fail(err, GS_ERR_CANCELLED,
                     "job %s: cancelled, deleted or claimed by another worker", id);
    return rc;
}

static gs_status sq_job_release(gs_store *s, const char *id, const char *worker, int attempt,
                                int64_t now, gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    int changes = 0;
    gs_status rc;
    (void)now; /* nothing records the release time */
    rc = prep(q, &st, "release job", err,
              "UPDATE jobs SET status = ?, attempts = max(attempts - 1, 0), lease_until = 0,"
              " progress = 0, stage = '' WHERE id = ? AND worker = ? AND status = ?"
              " AND (?5 = 0 OR attempts = ?5)",
              "nttnn", (int)GS_STORE_JOB_QUEUED, id, worker, (int)GS_STORE_JOB_RUNNING, attempt);
    if (rc == GS_OK)
        rc = run(q, st, "release job", &changes, err);
    if (rc == GS_OK && changes == 0)
        rc = gs_fail(err, GS_ERR_CANCELLED,
                     "job %s: cancelled, deleted or claimed by another worker", id);
    return rc;
}

static gs_status sq_job_cancel(gs_store *s, const char *account, const char *id, gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    int changes = 0;
    gs_status rc = begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    rc = owned(q, "SELECT 1 FROM jobs WHERE id = ? AND account = ?", account, id, "job", err);
    if (rc == GS_OK)
        rc = prep(q, &st, "cancel job", err,
                  "UPDATE jobs SET status = ?, lease_until = 0 WHERE id = ? AND status IN (?, ?)",
                  "ntnn", (int)GS_STORE_JOB_CANCELLED, id, (int)GS_STORE_JOB_QUEUED,
                  (int)GS_STORE_JOB_RUNNING);
    if (rc == GS_OK)
        rc = run(q, st, "cancel job", &changes, err);
    return end_tx(q, rc, err);
}

/*
 * SQLite has no notifications between processes: the wait looks for a queued job every
 * WAIT_POLL_MS (one indexed read; jobs_by_status) until one is there or the time is up.
 */
#define WAIT_POLL_MS 250
static gs_status sq_wait_for_job(gs_store *s, int timeout_ms, int *woke, gs_error *err)
{
    sq *q = SQ(s);
    int waited = 0;
    for (;;) {
        sqlite3_stmt *st;
        gs_status rc = prep(q, &st, "look for queued jobs", err,
                            "SELECT EXISTS(SELECT 1 FROM jobs WHERE status = ?)", "n",
                            (int)GS_STORE_JOB_QUEUED);
        if (rc != GS_OK)
            return rc;
        rc = step_row(q, st, "queued jobs", err);
        if (rc == GS_OK)
            *woke = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        if (rc != GS_OK || *woke || waited >= timeout_ms)
            return rc;
        {
            int step = timeout_ms - waited < WAIT_POLL_MS ? timeout_ms - waited : WAIT_POLL_MS;
            struct timespec ts = {step / 1000, (long)(step % 1000) * 1000000L};
            nanosleep(&ts, NULL);
            waited += step;
        }
    }
}

static gs_status sq_job_counts(gs_store *s, int64_t counts[5], gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    int r;
    gs_status rc = prep(q, &st, "count jobs", err,
                        "SELECT status, count(*) FROM jobs GROUP BY status", "");
    if (rc != GS_OK)
        return rc;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        int k = sqlite3_column_int(st, 0);
        if (k >= 0 && k < 5)
            counts[k] = sqlite3_column_int64(st, 1);
    }
    if (r != SQLITE_DONE)
        rc = sq_fail(q, r, "count jobs", err);
    sqlite3_finalize(st);
    return rc;
}

/* ---- shares ------------------------------------------------------------------------------- */

static gs_status sq_share_add(gs_store *s, const char *account, const char *session,
                              const uint8_t *digest, int64_t now, int64_t expires, const char *id,
                              gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    gs_status rc = begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    rc = owned(q, OWNED_SESSION, account, session, "session", err);
    if (rc == GS_OK)
        rc = prep(q, &st, "add share", err,
                  "INSERT INTO shares(id, account, session, digest, created, expires)"
                  " VALUES(?, ?, ?, ?, ?, ?)",
                  "tttgii", id, account, session, digest, now, expires);
    if (rc == GS_OK)
        rc = run(q, st, "add share", NULL, err);
    return end_tx(q, rc, err);
}

static gs_status sq_share_session(gs_store *s, const uint8_t *digest, int64_t now,
                                  gs_store_id account_out, gs_store_session *session_out,
                                  gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    gs_status rc = prep(q, &st, "open share", err,
                        "SELECT s.account, " SESSION_COLS_S " FROM shares AS h"
                        " JOIN sessions AS s ON s.id = h.session"
                        " WHERE h.digest = ? AND h.expires > ?",
                        "gi", digest, now);
    if (rc != GS_OK)
        return rc;
    rc = step_row(q, st, "share", err);
    if (rc == GS_OK) {
        if (account_out)
            col_text(st, 0, account_out, sizeof(gs_store_id));
        if (session_out)
            read_session(st, 1, session_out);
    }
    sqlite3_finalize(st);
    return rc;
}

static gs_status sq_share_delete(gs_store *s, const char *account, const char *id, gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    int changes = 0;
    gs_status rc = prep(q, &st, "delete share", err,
                        "DELETE FROM shares WHERE id = ? AND account = ?", "tt", id, account);
    if (rc == GS_OK)
        rc = run(q, st, "delete share", &changes, err);
    if (rc == GS_OK && changes == 0)
        rc = gs_fail(err, GS_ERR_NOT_FOUND, "share not found");
    return rc;
}

static gs_status sq_share_list(gs_store *s, const char *account, const char *session,
                               gs_store_share **out, size_t *n, gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    gs_store_share *arr = NULL;
    size_t cap = 0, cnt = 0;
    int r;
    gs_status rc = owned(q, OWNED_SESSION, account, session, "session", err);
    if (rc == GS_OK)
        rc = prep(q, &st, "list shares", err,
                  "SELECT id, created, expires FROM shares WHERE session = ? AND account = ?"
                  " ORDER BY created DESC, rowid DESC",
                  "tt", session, account);
    if (rc != GS_OK)
        return rc;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        rc = grow((void **)&arr, &cap, cnt, sizeof(*arr), err);
        if (rc != GS_OK)
            break;
        col_text(st, 0, arr[cnt].id, sizeof(arr[cnt].id));
        arr[cnt].created = sqlite3_column_int64(st, 1);
        arr[cnt].expires = sqlite3_column_int64(st, 2);
        cnt++;
    }
    if (rc == GS_OK && r != SQLITE_DONE)
        rc = sq_fail(q, r, "list shares", err);
    sqlite3_finalize(st);
    if (rc != GS_OK || cnt == 0) {
        free(arr);
        arr = NULL;
        cnt = 0;
    }
    *out = arr;
    *n = cnt;
    return rc;
}

static gs_status sq_nkt_set(gs_store *s, const char *account, const char *session,
                            const gs_store_nkt *rec, int64_t now, gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    gs_status rc = begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    rc = owned(q, OWNED_SESSION, account, session, "session", err);
    if (rc == GS_OK)
        rc = prep(q, &st, "write NKT record", err,
                  "INSERT INTO nkt_records(session, account, tests, facilitators, released,"
                  " activated, homework, updated) VALUES(?, ?, ?, ?, ?, ?, ?, ?)"
                  " ON CONFLICT(session) DO UPDATE SET tests = excluded.tests,"
                  " facilitators = excluded.facilitators, released = excluded.released,"
                  " activated = excluded.activated, homework = excluded.homework,"
                  " updated = excluded.updated",
                  "ttttttti", session, account, rec->tests, rec->facilitators, rec->released,
                  rec->activated, rec->homework, now);
    if (rc == GS_OK)
        rc = run(q, st, "write NKT record", NULL, err);
    return end_tx(q, rc, err);
}

static gs_status sq_nkt_get(gs_store *s, const char *account, const char *session,
                            gs_store_nkt *out, gs_error *err)
{
    sq *q = SQ(s);
    sqlite3_stmt *st;
    gs_status rc = prep(q, &st, "read NKT record", err,
                        "SELECT tests, facilitators, released, activated, homework, updated"
                        " FROM nkt_records WHERE session = ? AND account = ?",
                        "tt", session, account);
    if (rc != GS_OK)
        return rc;
    rc = step_row(q, st, "NKT record", err);
    if (rc == GS_OK && out) {
        col_text(st, 0, out->tests, sizeof(out->tests));
        col_text(st, 1, out->facilitators, sizeof(out->facilitators));
        col_text(st, 2, out->released, sizeof(out->released));
        col_text(st, 3, out->activated, sizeof(out->activated));
        col_text(st, 4, out->homework, sizeof(out->homework));
        out->updated = sqlite3_column_int64(st, 5);
    }
    sqlite3_finalize(st);
    return rc;
}

static const gs_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
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
    .blob_delete_unused = sq_blob_delete_unused,
    .session_add = sq_session_add,
    .session_get = sq_session_get,
    .session_list = sq_session_list,
    .session_delete = sq_session_delete,
    .job_get = sq_job_get,
    .job_claim = sq_job_claim,
    .job_heartbeat = sq_job_heartbeat,
    .job_finish = sq_job_finish,
    .job_release = sq_job_release,
    .job_cancel = sq_job_cancel,
    .job_counts = sq_job_counts,
    .wait_for_job = sq_wait_for_job,
    .share_add = sq_share_add,
    .share_session = sq_share_session,
    .share_delete = sq_share_delete,
    .share_list = sq_share_list,
    .nkt_set = sq_nkt_set,
    .nkt_get = sq_nkt_get,
};
