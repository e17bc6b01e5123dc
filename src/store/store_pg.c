/*
 * PostgreSQL back end of the store (scale-out: one database, a server and workers on many
 * machines), through libpq.
 *
 * What it keeps identical to the SQLite back end: ids (made by store.c), every function's
 * results and error codes, the orders of lists (a `seq` identity column plays SQLite's rowid, and
 * names sort with COLLATE "C", SQLite's byte order), the schema versions (one migration per
 * version, the version in schema_version, a newer database refused).
 *
 * How, and why (PostgreSQL 15 documentation, www.postgresql.org/docs/15/):
 * - Bound parameters only: every value goes through PQexecParams (libpq-exec.html), digests as
 *   binary bytea parameters; no SQL text is built from data.
 * - Each call is one explicit transaction (BEGIN ... COMMIT) at READ COMMITTED. The job claim
 *   picks its row with SELECT ... FOR UPDATE SKIP LOCKED (sql-select.html, "The Locking
 *   Clause"): two workers claiming at once lock different rows instead of waiting for each
 *   other, and a row is claimed by exactly one of them.
 * - A queued job is announced with NOTIFY gaitscope_jobs inside the inserting transaction, so it
 *   is delivered at commit (sql-notify.html); gs_store_wait_for_job() LISTENs on the worker's own
 *   connection. Listening is started lazily: a connection that LISTENs but never reads holds the
 *   server's notification queue back (sql-notify.html: "a session that is listening ... and
 *   stays in one transaction for a very long time"), and the API server's connections never
 *   wait.
 * - Reconnection: each call first checks its connection (PQconsumeInput reads a pending close:
 *   a restarted server has already sent "terminating connection" and closed the socket) and
 *   reconnects with PQreset. A connection that breaks during the call is reconnected once and the
 *   whole transaction run again when nothing can have been committed (the break came before
 *   COMMIT was sent: the server rolls back a transaction whose client is gone), or when the call
 *   changes nothing or the same thing again (reads, heartbeats). A break while COMMIT was in
 *   flight leaves the outcome unknown: GS_ERR_IO saying so, never a silent second write.
 * - Credentials never appear in the location: a URI with a password is refused; libpq reads the
 *   password from PGPASSFILE or ~/.pgpass (libpq-pgpass.html).
 * - The schema is marked as ours by a comment on schema_version, so another program's database
 *   (which may well have a table of that common name) is refused instead of migrated.
 * - Migrations run under a transaction-level advisory lock, so processes starting together
 *   apply each migration once.
 */
#include "store.h"
#include "store_impl.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#define SCHEMA_MARK    "gaitscope store"
#define NOTIFY_CHANNEL "gaitscope_jobs"
/* Key of the advisory lock taken while migrating: "GSCP", the SQLite back end's application id. */
#define MIGRATE_LOCK_KEY 1196639056
#define MAX_PARAMS       12

typedef struct pg {
    PGconn *conn;
    char where[320]; /* "PostgreSQL database DB on HOST", for messages (never the password) */
    int listening;   /* LISTEN issued on the current connection */
    int broken;      /* the last statement failed because the connection broke */
    int in_commit;   /* ... and that statement was COMMIT */
} pg;

static pg *PG(gs_store *s)
{
    return (pg *)s->be;
}

/* ---- migrations --------------------------------------------------------------------------- */

/*
 * pg_migrations[i] brings a database from version i to i + 1; the PostgreSQL spelling of the
 * SQLite back end's migrations[i] (same tables, columns, constraints and meaning). Append only.
 * SQLite's INTEGER is 64-bit, hence BIGINT; REAL is double precision; BLOB is bytea.
 */
static const char *const pg_migrations[] = {
    /* 0 -> 1: the first schema */
    "CREATE TABLE schema_version(version INTEGER NOT NULL);"
    "COMMENT ON TABLE schema_version IS '" SCHEMA_MARK "';"
    "CREATE TABLE accounts("
    " id TEXT PRIMARY KEY,"
    " email TEXT NOT NULL UNIQUE,"
    " pwhash TEXT NOT NULL,"
    " created BIGINT NOT NULL,"
    " password_changed BIGINT NOT NULL);"
    "CREATE TABLE tokens("
    " digest BYTEA PRIMARY KEY,"
    " account TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " created BIGINT NOT NULL,"
    " expires BIGINT NOT NULL);"
    "CREATE INDEX tokens_by_account ON tokens(account);"
    "CREATE TABLE athletes("
    " seq BIGINT GENERATED ALWAYS AS IDENTITY,"
    " id TEXT PRIMARY KEY,"
    " account TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " name TEXT COLLATE \"C\" NOT NULL,"
    " height_m DOUBLE PRECISION,"
    " created BIGINT NOT NULL);"
    "CREATE INDEX athletes_by_account ON athletes(account, name);"
    "CREATE TABLE blobs("
    " id TEXT PRIMARY KEY,"
    " account TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " sha256 TEXT NOT NULL,"
    " size_bytes BIGINT NOT NULL,"
    " refs BIGINT NOT NULL DEFAULT 0 CHECK (refs >= 0),"
    " created BIGINT NOT NULL,"
    " UNIQUE(account, sha256));"
    "CREATE TABLE sessions("
    " seq BIGINT GENERATED ALWAYS AS IDENTITY,"
    " id TEXT PRIMARY KEY,"
    " account TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " athlete TEXT NOT NULL REFERENCES athletes(id) ON DELETE CASCADE,"
    " blob TEXT NOT NULL REFERENCES blobs(id),"
    " job TEXT NOT NULL,"
    " options_json TEXT NOT NULL,"
    " notes TEXT NOT NULL,"
    " date TEXT NOT NULL,"
    " created BIGINT NOT NULL);"
    "CREATE INDEX sessions_by_athlete ON sessions(account, athlete, created);"
    "CREATE TABLE jobs("
    " seq BIGINT GENERATED ALWAYS AS IDENTITY,"
    " id TEXT PRIMARY KEY,"
    " session TEXT NOT NULL,"
    " account TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " status INTEGER NOT NULL,"
    " progress DOUBLE PRECISION NOT NULL DEFAULT 0,"
    " stage TEXT NOT NULL DEFAULT '',"
    " error TEXT NOT NULL DEFAULT '',"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " worker TEXT NOT NULL DEFAULT '',"
    " lease_until BIGINT NOT NULL DEFAULT 0,"
    " created BIGINT NOT NULL,"
    " started BIGINT NOT NULL DEFAULT 0,"
    " finished BIGINT NOT NULL DEFAULT 0);"
    "CREATE INDEX jobs_by_status ON jobs(status, created, seq);"
    "CREATE TABLE shares("
    " id TEXT PRIMARY KEY,"
    " account TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " session TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    " digest BYTEA NOT NULL UNIQUE,"
    " created BIGINT NOT NULL,"
    " expires BIGINT NOT NULL);"
    "CREATE INDEX shares_by_session ON shares(session);",
    /* 1 -> 2: the therapist's NKT record of a session (issue 16). Not granted to the worker
     * role (scripts/pg_worker_role.sql): workers never read it. */
    "CREATE TABLE nkt_records("
    " session TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,"
    " account TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " tests TEXT NOT NULL,"
    " facilitators TEXT NOT NULL,"
    " released TEXT NOT NULL,"
    " activated TEXT NOT NULL,"
    " homework TEXT NOT NULL,"
    " updated BIGINT NOT NULL);",
};
_Static_assert(sizeof(pg_migrations) / sizeof(pg_migrations[0]) == GS_STORE_SCHEMA_VERSION,
               "one PostgreSQL migration per schema version");

/* ---- statements --------------------------------------------------------------------------- */

/* Parameters of one statement: text values (NULL is SQL NULL) and binary digests. */
typedef struct params {
    int n;
    const char *v[MAX_PARAMS];
    int len[MAX_PARAMS];
    int fmt[MAX_PARAMS];
    char num[MAX_PARAMS][40];
} params;

static void p_text(params *a, const char *t)
{
    assert(a->n < MAX_PARAMS);
    a->v[a->n] = t;
    a->len[a->n] = 0;
    a->fmt[a->n] = 0;
    a->n++;
}

static void p_i64(params *a, int64_t x)
{
    assert(a->n < MAX_PARAMS);
    snprintf(a->num[a->n], sizeof(a->num[0]), "%lld", (long long)x);
    p_text(a, a->num[a->n]);
}

/* NAN is stored as NULL (an athlete without a height), as in the SQLite back end. %.17g writes
 * every double so that it reads back to the same value. */
static void p_dbl(params *a, double d)
{
    assert(a->n < MAX_PARAMS);
    if (isnan(d)) {
        p_text(a, NULL);
        return;
    }
    snprintf(a->num[a->n], sizeof(a->num[0]), "%.17g", d);
    p_text(a, a->num[a->n]);
}

static void p_digest(params *a, const uint8_t *d)
{
    assert(a->n < MAX_PARAMS);
    a->v[a->n] = (const char *)d;
    a->len[a->n] = GS_STORE_DIGEST_BYTES;
    a->fmt[a->n] = 1; /* binary: bytea's binary form is the bytes themselves */
    a->n++;
}

/* The first line of libpq's message (they end with a newline and may add DETAIL lines). */
static const char *first_line(const char *m, char *buf, size_t size)
{
    size_t k = 0;
    if (!m)
        m = "";
    while (m[k] && m[k] != '\n' && k + 1 < size) {
        buf[k] = m[k];
        k++;
    }
    buf[k] = '\0';
    return buf;
}

/*
 * Runs sql with params a (may be NULL). *res (may be NULL: cleared here) gets the result of a
 * statement that succeeded. Failures: GS_ERR_EXISTS (unique violation), GS_ERR_NOT_FOUND
 * (foreign key violation: the row pointed to is gone), GS_ERR_IO otherwise, with libpq's message;
 * a broken connection sets p->broken (and p->in_commit for COMMIT).
 */
static gs_status run(pg *p, const char *what, const char *sql, const params *a, PGresult **res,
                     gs_error *err)
{
    PGresult *r;
    ExecStatusType st;
    char line[256];

    if (res)
        *res = NULL;
    p->broken = 0;
    r = PQexecParams(p->conn, sql, a ? a->n : 0, NULL, a ? a->v : NULL, a ? a->len : NULL,
                     a ? a->fmt : NULL, 0);
    st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        if (res)
            *res = r;
        else
            PQclear(r);
        return GS_OK;
    }
    if (PQstatus(p->conn) == CONNECTION_BAD) {
        p->broken = 1;
        p->in_commit = strcmp(sql, "COMMIT") == 0;
        PQclear(r);
        return gs_fail(err, GS_ERR_IO, "%s: %s: connection lost: %s", p->where, what,
                       first_line(PQerrorMessage(p->conn), line, sizeof(line)));
    }
    {
        const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        gs_status rc;
        /* SQLSTATE classes (errcodes-appendix.html): 23505 unique_violation, 23503
         * foreign_key_violation. */
        if (state && strcmp(state, "23505") == 0)
            rc = gs_fail(err, GS_ERR_EXISTS, "%s: already exists", what);
        else if (state && strcmp(state, "23503") == 0)
            rc = gs_fail(err, GS_ERR_NOT_FOUND, "%s: not found", what);
        else
            rc = gs_fail(err, GS_ERR_IO, "%s: %s: %s", p->where, what,
                         first_line(r ? PQresultErrorMessage(r) : PQerrorMessage(p->conn), line,
                                    sizeof(line)));
        PQclear(r);
        return rc;
    }
}

/* Runs a statement that changes rows; *changes gets how many. */
static gs_status run_n(pg *p, const char *what, const char *sql, const params *a, int *changes,
                       gs_error *err)
{
    PGresult *r = NULL;
    gs_status rc = run(p, what, sql, a, &r, err);
    *changes = rc == GS_OK ? atoi(PQcmdTuples(r)) : 0;
    PQclear(r);
    return rc;
}

/* One row expected: GS_OK with *res on it, GS_ERR_NOT_FOUND ("what not found") when none. */
static gs_status run_row(pg *p, const char *what, const char *sql, const params *a, PGresult **res,
                         gs_error *err)
{
    gs_status rc = run(p, what, sql, a, res, err);
    if (rc == GS_OK && PQntuples(*res) < 1) {
        PQclear(*res);
        *res = NULL;
        return gs_fail(err, GS_ERR_NOT_FOUND, "%s not found", what);
    }
    return rc;
}

static void col_text(const PGresult *r, int row, int col, char *dst, size_t size)
{
    snprintf(dst, size, "%s", PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

static int64_t col_i64(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : (int64_t)strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* ---- connection and transactions ---------------------------------------------------------- */

/* libpq prints notices and a server's asynchronous messages (a restart's "terminating
 * connection") on stderr by default; library code never prints (STYLE rule 3), and the failure
 * that follows is reported through gs_error. */
static void quiet_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Sets p->where from the connection's database and host (never its password). */
static void name_connection(pg *p)
{
    const char *db = p->conn ? PQdb(p->conn) : NULL;
    const char *host = p->conn ? PQhost(p->conn) : NULL;
    snprintf(p->where, sizeof(p->where), "PostgreSQL database %s on %s", db && db[0] ? db : "?",
             host && host[0] ? host : "the default socket");
}

/*
 * A live connection before a call: reads what the server may have sent while we were idle (a
 * restarted server's goodbye and close) and reconnects a broken connection once. GS_ERR_IO
 * when the database cannot be reached.
 */
static gs_status ready(pg *p, gs_error *err)
{
    char line[256];
    /* Twice: the first read may take the server's "terminating connection" message, only the
     * second sees the end of the stream behind it. Neither blocks. */
    if (PQstatus(p->conn) == CONNECTION_OK && PQconsumeInput(p->conn) && PQconsumeInput(p->conn) &&
        PQstatus(p->conn) == CONNECTION_OK) {
        /* Notifications read here stay queued in libpq for gs_store_wait_for_job. */
        return GS_OK;
    }
    p->listening = 0;
    PQreset(p->conn);
    PQsetNoticeProcessor(p->conn, quiet_notices, NULL);
    if (PQstatus(p->conn) != CONNECTION_OK)
        return gs_fail(err, GS_ERR_IO, "%s: cannot reach the database: %s", p->where,
                       first_line(PQerrorMessage(p->conn), line, sizeof(line)));
    return GS_OK;
}

/* How a call may be run again after its connection broke. */
enum {
    TX_WRITE = 0,     /* again only when the break came before COMMIT was sent */
    TX_IDEMPOTENT = 1 /* again in any case: a read, or a write whose repetition is harmless */
};

/*
 * One call's transaction, run again after a reconnect when that is safe:
 *     tx t = {TX_WRITE};
 *     for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
 *         if (rc == GS_OK) rc = ...;   // the body: statements chained on rc, no break/return
 *     }
 * tx_begin checks the connection and sends BEGIN (rc = GS_OK) and returns 1 to run the body,
 * 0 when done; tx_end commits when rc is GS_OK (or commit_anyway), otherwise rolls back, and
 * decides whether to run again.
 */
typedef struct tx {
    int kind;          /* TX_WRITE or TX_IDEMPOTENT */
    int commit_anyway; /* set by a body whose failure result still commits (the claim) */
    int tries;         /* runs after a reconnect so far */
    int done;
} tx;

/* After a failed run: reconnect and run again (1) or give up with rc (0). */
static int tx_again(pg *p, tx *t, gs_status *rc, gs_error *err)
{
    if (!p->broken || t->tries >= 1)
        return 0;
    if (p->in_commit && t->kind != TX_IDEMPOTENT) {
        *rc = gs_fail(err, GS_ERR_IO,
                      "%s: the connection broke while committing; whether the change was "
                      "stored is unknown (check before repeating it)",
                      p->where);
        return 0;
    }
    t->tries++;
    p->broken = p->in_commit = 0;
    return 1;
}

static int tx_begin(pg *p, tx *t, gs_status *rc, gs_error *err)
{
    while (!t->done) {
        *rc = ready(p, err);
        if (*rc != GS_OK) {
            t->done = 1; /* unreachable: ready() already tried to reconnect */
            return 0;
        }
        *rc = run(p, "begin transaction", "BEGIN", NULL, NULL, err);
        if (*rc == GS_OK) {
            t->commit_anyway = 0;
            return 1;
        }
        if (!tx_again(p, t, rc, err))
            t->done = 1;
    }
    return 0;
}

static void tx_end(pg *p, tx *t, gs_status *rc, gs_error *err)
{
    if (*rc == GS_OK || t->commit_anyway) {
        gs_error cerr;
        gs_status c = run(p, "commit", "COMMIT", NULL, NULL, &cerr);
        if (c != GS_OK) {
            *rc = c;
            if (err)
                *err = cerr;
        }
    } else if (!p->broken) {
        /* A failed statement aborted the transaction; the rollback ends it. Its own failure
         * changes nothing for the caller (the connection check of the next call sees it). */
        PGresult *r = PQexec(p->conn, "ROLLBACK");
        PQclear(r);
    }
    if (*rc != GS_OK && !(t->commit_anyway && !p->broken) && tx_again(p, t, rc, err))
        return; /* run again */
    t->done = 1;
}

/* ---- row readers (column lists beside them) ----------------------------------------------- */

#define ACCOUNT_COLS "id, email, pwhash, created, password_changed"
static void read_account(const PGresult *r, int row, gs_store_account *a)
{
    memset(a, 0, sizeof(*a));
    col_text(r, row, 0, a->id, sizeof(a->id));
    col_text(r, row, 1, a->email, sizeof(a->email));
    col_text(r, row, 2, a->pwhash, sizeof(a->pwhash));
    a->created = col_i64(r, row, 3);
    a->password_changed = col_i64(r, row, 4);
}

#define ATHLETE_COLS "id, name, height_m, created"
static void read_athlete(const PGresult *r, int row, gs_store_athlete *a)
{
    memset(a, 0, sizeof(*a));
    col_text(r, row, 0, a->id, sizeof(a->id));
    col_text(r, row, 1, a->name, sizeof(a->name));
    a->height_m = PQgetisnull(r, row, 2) ? NAN : strtod(PQgetvalue(r, row, 2), NULL);
    a->created = col_i64(r, row, 3);
}

#define BLOB_COLS "id, sha256, size_bytes, refs, created"
static void read_blob(const PGresult *r, int row, gs_store_blob *b)
{
    memset(b, 0, sizeof(*b));
    col_text(r, row, 0, b->id, sizeof(b->id));
    col_text(r, row, 1, b->sha256, sizeof(b->sha256));
    b->size_bytes = col_i64(r, row, 2);
    b->refs = col_i64(r, row, 3);
    b->created = col_i64(r, row, 4);
}

#define SESSION_COLS   "id, athlete, blob, job, options_json, notes, date, created"
#define SESSION_COLS_S "s.id, s.athlete, s.blob, s.job, s.options_json, s.notes, s.date, s.created"
static void read_session(const PGresult *r, int row, int c0, gs_store_session *x)
{
    memset(x, 0, sizeof(*x));
    col_text(r, row, c0 + 0, x->id, sizeof(x->id));
    col_text(r, row, c0 + 1, x->athlete, sizeof(x->athlete));
    col_text(r, row, c0 + 2, x->blob, sizeof(x->blob));
    col_text(r, row, c0 + 3, x->job, sizeof(x->job));
    col_text(r, row, c0 + 4, x->options_json, sizeof(x->options_json));
    col_text(r, row, c0 + 5, x->notes, sizeof(x->notes));
    col_text(r, row, c0 + 6, x->date, sizeof(x->date));
    x->created = col_i64(r, row, c0 + 7);
}

#define JOB_COLS                                                                            \
    "id, session, account, status, progress, stage, error, attempts, worker, lease_until, " \
    "created, started, finished"
static void read_job(const PGresult *r, int row, gs_store_job *j)
{
    int64_t status;
    memset(j, 0, sizeof(*j));
    col_text(r, row, 0, j->id, sizeof(j->id));
    col_text(r, row, 1, j->session, sizeof(j->session));
    col_text(r, row, 2, j->account, sizeof(j->account));
    status = col_i64(r, row, 3);
    j->status = status >= 0 && status <= 4 ? (gs_store_job_status)status : GS_STORE_JOB_FAILED;
    j->progress = strtod(PQgetvalue(r, row, 4), NULL);
    col_text(r, row, 5, j->stage, sizeof(j->stage));
    col_text(r, row, 6, j->error, sizeof(j->error));
    j->attempts = (int)col_i64(r, row, 7);
    col_text(r, row, 8, j->worker, sizeof(j->worker));
    j->lease_until = col_i64(r, row, 9);
    j->created = col_i64(r, row, 10);
    j->started = col_i64(r, row, 11);
    j->finished = col_i64(r, row, 12);
}

/* Grows *arr (elem bytes each) to hold n rows; GS_ERR_NOMEM. */
static gs_status alloc_rows(void **arr, size_t n, size_t elem, gs_error *err)
{
    size_t bytes;
    *arr = NULL;
    if (n == 0)
        return GS_OK;
    if (gs_size_mul(n, elem, &bytes) != 0 || !(*arr = malloc(bytes)))
        return gs_fail(err, GS_ERR_NOMEM, "store: out of memory for %zu rows", n);
    return GS_OK;
}

/* ---- open, schema ------------------------------------------------------------------------- */

/* The schema version: 0 for a database without our tables; GS_ERR_FORMAT for another program's
 * database (tables, but no schema_version carrying our mark). */
static gs_status read_version(pg *p, int *version, gs_error *err)
{
    PGresult *r = NULL;
    gs_status rc;
    rc = run_row(p, "read the schema version",
                 "SELECT to_regclass('schema_version') IS NOT NULL,"
                 " coalesce(obj_description(to_regclass('schema_version'), 'pg_class'), ''),"
                 " (SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema())",
                 NULL, &r, err);
    if (rc != GS_OK)
        return rc;
    {
        int has = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
        int marked = strcmp(PQgetvalue(r, 0, 1), SCHEMA_MARK) == 0;
        int64_t tables = col_i64(r, 0, 2);
        PQclear(r);
        if (!has && tables == 0) {
            *version = 0;
            return GS_OK;
        }
        if (!has || !marked)
            return gs_fail(err, GS_ERR_FORMAT,
                           "%s: not a gaitscope database (it has %lld other table(s))", p->where,
                           (long long)tables);
    }
    rc = run_row(p, "read the schema version", "SELECT max(version) FROM schema_version", NULL, &r,
                 err);
    if (rc != GS_OK)
        return rc;
    if (PQgetisnull(r, 0, 0))
        rc = gs_fail(err, GS_ERR_FORMAT, "%s: schema_version is empty", p->where);
    else
        *version = (int)col_i64(r, 0, 0);
    PQclear(r);
    return rc;
}

static gs_status refuse_newer(pg *p, int version, gs_error *err)
{
    return gs_fail(err, GS_ERR_UNSUPPORTED,
                   "%s: schema version %d is newer than this gaitscope's %d (run a newer "
                   "gaitscope, or restore a backup made by this one)",
                   p->where, version, GS_STORE_SCHEMA_VERSION);
}

/* Applies the missing migrations, one transaction each under the advisory lock; the version is
 * read again under the lock (another process may have migrated meanwhile). A worker's role,
 * which may not create tables, only ever reads the version here. */
static gs_status migrate(pg *p, int *version_out, gs_error *err)
{
    gs_status rc;
    int version = 0;
    rc = read_version(p, &version, err);
    if (rc != GS_OK)
        return rc;
    if (version > GS_STORE_SCHEMA_VERSION)
        return refuse_newer(p, version, err);
    while (version < GS_STORE_SCHEMA_VERSION) {
        char what[64];
        params a = {0};
        tx t = {TX_WRITE, 0, 0, 0};
        for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
            a.n = 0;
            p_i64(&a, MIGRATE_LOCK_KEY);
            rc = run(p, "lock for migration", "SELECT pg_advisory_xact_lock($1)", &a, NULL, err);
            if (rc == GS_OK)
                rc = read_version(p, &version, err);
            if (rc == GS_OK && version > GS_STORE_SCHEMA_VERSION)
                rc = refuse_newer(p, version, err);
            if (rc == GS_OK && version < GS_STORE_SCHEMA_VERSION) {
                PGresult *r;
                snprintf(what, sizeof(what), "migration to schema version %d", version + 1);
                /* The migration is our own SQL text (several statements), so PQexec. */
                r = PQexec(p->conn, pg_migrations[version]);
                if (PQresultStatus(r) != PGRES_COMMAND_OK) {
                    char line[256];
                    p->broken = PQstatus(p->conn) == CONNECTION_BAD;
                    rc = gs_fail(err, GS_ERR_IO, "%s: %s: %s", p->where, what,
                                 first_line(PQresultErrorMessage(r), line, sizeof(line)));
                }
                PQclear(r);
                if (rc == GS_OK)
                    rc = run(p, what, "DELETE FROM schema_version", NULL, NULL, err);
                if (rc == GS_OK) {
                    a.n = 0;
                    p_i64(&a, version + 1);
                    rc = run(p, what, "INSERT INTO schema_version(version) VALUES($1)", &a, NULL,
                             err);
                }
            }
        }
        if (rc != GS_OK)
            return rc;
        rc = read_version(p, &version, err);
        if (rc != GS_OK)
            return rc;
    }
    *version_out = version;
    return GS_OK;
}

static void pg_close(gs_store *s)
{
    pg *p = PG(s);
    if (!p)
        return;
    PQfinish(p->conn);
    free(p);
    s->be = NULL;
}

static const gs_store_ops pg_ops;

gs_status gs_store__pg_open(gs_store *s, const char *uri, gs_error *err)
{
    pg *p = NULL;
    PQconninfoOption *opts = NULL;
    char *perr = NULL;
    char line[256];
    gs_status rc;

    /* Parse first: a malformed URI is named without connecting, and a password in it refused
     * (a command line is readable by every user of the machine through ps and /proc). */
    opts = PQconninfoParse(uri, &perr);
    if (!opts) {
        rc = gs_fail(err, GS_ERR_ARG, "database URI: %s",
                     perr ? first_line(perr, line, sizeof(line)) : "out of memory");
        PQfreemem(perr);
        return rc;
    }
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (strcmp(o->keyword, "password") == 0 && o->val && o->val[0]) {
            PQconninfoFree(opts);
            return gs_fail(err, GS_ERR_ARG,
                           "database URI: it carries a password; put the password in a "
                           "password file (PGPASSFILE or ~/.pgpass) instead");
        }
    }
    PQconninfoFree(opts);

    p = calloc(1, sizeof(*p));
    if (!p)
        return gs_fail(err, GS_ERR_NOMEM, "store: out of memory");
    s->be = p;
    s->ops = &pg_ops;
    {
        /* Defaults the URI may override (later values win: libpq-connect.html,
         * PQconnectdbParams with expand_dbname): a database host that does not answer fails a
         * connection attempt after 10 s instead of the system's TCP timeout (minutes), so a
         * request meanwhile gets an error rather than hanging; and TCP keepalives (idle 30 s,
         * then 3 probes 10 s apart) notice a dead peer within about a minute instead of the
         * system's two hours. Unix-socket connections ignore the keepalives. */
        static const char *const keys[] = {"connect_timeout", "keepalives_idle",
                                           "keepalives_interval", "keepalives_count", "dbname",
                                           NULL};
        const char *vals[] = {"10", "30", "10", "3", uri, NULL};
        p->conn = PQconnectdbParams(keys, vals, 1);
    }
    name_connection(p);
    if (!p->conn) {
        rc = gs_fail(err, GS_ERR_NOMEM, "store: out of memory");
        goto fail;
    }
    PQsetNoticeProcessor(p->conn, quiet_notices, NULL);
    if (PQstatus(p->conn) != CONNECTION_OK) {
        rc = gs_fail(err, GS_ERR_IO, "%s: cannot connect: %s", p->where,
                     first_line(PQerrorMessage(p->conn), line, sizeof(line)));
        goto fail;
    }
    rc = migrate(p, &s->schema_version, err);
    if (rc != GS_OK)
        goto fail;
    return GS_OK;
fail:
    pg_close(s);
    s->ops = NULL;
    return rc;
}

/* ---- accounts and tokens ------------------------------------------------------------------ */

static gs_status pg_account_add(gs_store *s, const char *email, const char *pwhash, int64_t now,
                                const char *id, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {TX_WRITE, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        p_text(&a, id);
        p_text(&a, email);
        p_text(&a, pwhash);
        p_i64(&a, now);
        rc =
            run(p, "add account",
                "INSERT INTO accounts(" ACCOUNT_COLS ") VALUES($1, $2, $3, $4, $4)", &a, NULL, err);
        if (rc == GS_ERR_EXISTS)
            gs_fail(err, rc, "account: the e-mail address is taken");
    }
    return rc;
}

static gs_status account_where(gs_store *s, const char *sql, const char *key, gs_store_account *out,
                               gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {TX_IDEMPOTENT, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        PGresult *r = NULL;
        p_text(&a, key);
        rc = run_row(p, "account", sql, &a, &r, err);
        if (rc == GS_OK && out)
            read_account(r, 0, out);
        PQclear(r);
    }
    return rc;
}

static gs_status pg_account_by_email(gs_store *s, const char *email, gs_store_account *out,
                                     gs_error *err)
{
    return account_where(s, "SELECT " ACCOUNT_COLS " FROM accounts WHERE email = $1", email, out,
                         err);
}

static gs_status pg_account_get(gs_store *s, const char *account, gs_store_account *out,
                                gs_error *err)
{
    return account_where(s, "SELECT " ACCOUNT_COLS " FROM accounts WHERE id = $1", account, out,
                         err);
}

static gs_status pg_account_set_password(gs_store *s, const char *account, const char *pwhash,
                                         int64_t now, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {TX_WRITE, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        int changes = 0;
        p_text(&a, pwhash);
        p_i64(&a, now);
        p_text(&a, account);
        rc = run_n(p, "change password",
                   "UPDATE accounts SET pwhash = $1, password_changed = $2 WHERE id = $3", &a,
                   &changes, err);
        if (rc == GS_OK && changes == 0)
            rc = gs_fail(err, GS_ERR_NOT_FOUND, "account not found");
        if (rc == GS_OK) {
            a.n = 0;
            p_text(&a, account);
            rc = run(p, "revoke tokens", "DELETE FROM tokens WHERE account = $1", &a, NULL, err);
        }
    }
    return rc;
}

static gs_status pg_token_add(gs_store *s, const char *account, const uint8_t *digest, int64_t now,
                              int64_t expires, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {TX_WRITE, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        p_text(&a, account);
        p_i64(&a, now);
        /* The account's expired tokens go with each new one (as in the SQLite back end). */
        rc = run(p, "add token", "DELETE FROM tokens WHERE account = $1 AND expires <= $2", &a,
                 NULL, err);
        if (rc == GS_OK) {
            a.n = 0;
            p_digest(&a, digest);
            p_text(&a, account);
            p_i64(&a, now);
            p_i64(&a, expires);
            rc = run(p, "add token",
                     "INSERT INTO tokens(digest, account, created, expires) VALUES($1, $2, $3, $4)",
                     &a, NULL, err);
        }
        if (rc == GS_ERR_NOT_FOUND)
            gs_fail(err, rc, "account not found");
    }
    return rc;
}

static gs_status pg_token_account(gs_store *s, const uint8_t *digest, int64_t now,
                                  gs_store_id account_out, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {TX_IDEMPOTENT, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        PGresult *r = NULL;
        p_digest(&a, digest);
        p_i64(&a, now);
        rc = run_row(p, "token", "SELECT account FROM tokens WHERE digest = $1 AND expires > $2",
                     &a, &r, err);
        if (rc == GS_OK && account_out)
            col_text(r, 0, 0, account_out, sizeof(gs_store_id));
        PQclear(r);
    }
    return rc;
}

static gs_status pg_token_delete(gs_store *s, const uint8_t *digest, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {TX_WRITE, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        int changes = 0;
        p_digest(&a, digest);
        rc = run_n(p, "delete token", "DELETE FROM tokens WHERE digest = $1", &a, &changes, err);
        if (rc == GS_OK && changes == 0)
            rc = gs_fail(err, GS_ERR_NOT_FOUND, "token not found");
    }
    return rc;
}

/* ---- athletes ----------------------------------------------------------------------------- */

static gs_status pg_athlete_add(gs_store *s, const char *account, const char *name, double height_m,
                                int64_t now, const char *id, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {TX_WRITE, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        p_text(&a, id);
        p_text(&a, account);
        p_text(&a, name);
        p_dbl(&a, height_m);
        p_i64(&a, now);
        rc = run(p, "add athlete",
                 "INSERT INTO athletes(id, account, name, height_m, created)"
                 " VALUES($1, $2, $3, $4, $5)",
                 &a, NULL, err);
        if (rc == GS_ERR_NOT_FOUND)
            gs_fail(err, rc, "account not found");
    }
    return rc;
}

static gs_status pg_athlete_get(gs_store *s, const char *account, const char *id,
                                gs_store_athlete *out, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {TX_IDEMPOTENT, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        PGresult *r = NULL;
        p_text(&a, id);
        p_text(&a, account);
        rc = run_row(p, "athlete",
                     "SELECT " ATHLETE_COLS " FROM athletes WHERE id = $1 AND account = $2", &a, &r,
                     err);
        if (rc == GS_OK && out)
            read_athlete(r, 0, out);
        PQclear(r);
    }
    return rc;
}

static gs_status pg_athlete_list(gs_store *s, const char *account, gs_store_athlete **out,
                                 size_t *n, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    gs_store_athlete *arr = NULL;
    size_t cnt = 0;
    tx t = {TX_IDEMPOTENT, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        PGresult *r = NULL;
        p_text(&a, account);
        free(arr);
        arr = NULL;
        cnt = 0;
        rc = run(p, "list athletes",
                 "SELECT " ATHLETE_COLS " FROM athletes WHERE account = $1"
                 " ORDER BY name, created, seq",
                 &a, &r, err);
        if (rc == GS_OK) {
            cnt = (size_t)PQntuples(r);
            rc = alloc_rows((void **)&arr, cnt, sizeof(*arr), err);
            for (size_t i = 0; rc == GS_OK && i < cnt; i++)
                read_athlete(r, (int)i, &arr[i]);
        }
        PQclear(r);
    }
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

static gs_status pg_blob_find(gs_store *s, const char *account, const char *sha256,
                              gs_store_blob *out, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {TX_IDEMPOTENT, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        PGresult *r = NULL;
        p_text(&a, account);
        p_text(&a, sha256);
        rc = run_row(p, "upload",
                     "SELECT " BLOB_COLS " FROM blobs WHERE account = $1 AND sha256 = $2", &a, &r,
                     err);
        if (rc == GS_OK && out)
            read_blob(r, 0, out);
        PQclear(r);
    }
    return rc;
}

static gs_status pg_blob_add(gs_store *s, const char *account, const char *id, const char *sha256,
                             int64_t size_bytes, int64_t now, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {TX_WRITE, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        p_text(&a, id);
        p_text(&a, account);
        p_text(&a, sha256);
        p_i64(&a, size_bytes);
        p_i64(&a, now);
        rc = run(p, "record upload",
                 "INSERT INTO blobs(id, account, sha256, size_bytes, refs, created)"
                 " VALUES($1, $2, $3, $4, 0, $5)",
                 &a, NULL, err);
        if (rc == GS_ERR_EXISTS)
            gs_fail(err, rc, "upload: the account already has this file (sha256 %.12s...)", sha256);
        else if (rc == GS_ERR_NOT_FOUND)
            gs_fail(err, rc, "account not found");
    }
    return rc;
}

static gs_status pg_blob_ids(gs_store *s, gs_store_id **out, size_t *n, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    gs_store_id *arr = NULL;
    size_t cnt = 0;
    tx t = {TX_IDEMPOTENT, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        PGresult *r = NULL;
        free(arr);
        arr = NULL;
        cnt = 0;
        rc = run(p, "list uploads", "SELECT id FROM blobs", NULL, &r, err);
        if (rc == GS_OK) {
            cnt = (size_t)PQntuples(r);
            rc = alloc_rows((void **)&arr, cnt, sizeof(*arr), err);
            for (size_t i = 0; rc == GS_OK && i < cnt; i++)
                col_text(r, (int)i, 0, arr[i], sizeof(gs_store_id));
        }
        PQclear(r);
    }
    if (rc != GS_OK || cnt == 0) {
        free(arr);
        arr = NULL;
        cnt = 0;
    }
    *out = arr;
    *n = cnt;
    return rc;
}

static gs_status pg_blob_delete_unused(gs_store *s, const char *account, const char *id,
                                       gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {TX_WRITE, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        PGresult *r = NULL;
        int64_t refs = 0;
        p_text(&a, id);
        p_text(&a, account);
        /* FOR UPDATE: a session taking a reference meanwhile waits for this transaction. */
        rc =
            run_row(p, "upload", "SELECT refs FROM blobs WHERE id = $1 AND account = $2 FOR UPDATE",
                    &a, &r, err);
        if (rc == GS_OK)
            refs = col_i64(r, 0, 0);
        PQclear(r);
        if (rc == GS_OK && refs > 0)
            rc = gs_fail(err, GS_ERR_EXISTS, "upload is used by %lld session(s)", (long long)refs);
        if (rc == GS_OK) {
            a.n = 0;
            p_text(&a, id);
            rc = run(p, "delete upload", "DELETE FROM blobs WHERE id = $1", &a, NULL, err);
        }
    }
    return rc;
}

/* ---- sessions ----------------------------------------------------------------------------- */

/* GS_OK when the account has row id in the table the fixed query sql names. */
static gs_status owned(pg *p, const char *sql, const char *account, const char *id,
                       const char *what, gs_error *err)
{
    params a = {0};
    PGresult *r = NULL;
    gs_status rc;
    p_text(&a, id);
    p_text(&a, account);
    rc = run_row(p, what, sql, &a, &r, err);
    PQclear(r);
    return rc;
}
#define OWNED_ATHLETE "SELECT 1 FROM athletes WHERE id = $1 AND account = $2"
#define OWNED_SESSION "SELECT 1 FROM sessions WHERE id = $1 AND account = $2"

static gs_status pg_session_add(gs_store *s, const char *account, const char *athlete,
                                const char *blob, const char *options_json, const char *notes,
                                const char *date, int64_t now, const char *session_id,
                                const char *job_id, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {TX_WRITE, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        int changes = 0;
        rc = owned(p, OWNED_ATHLETE, account, athlete, "athlete", err);
        if (rc == GS_OK) {
            p_text(&a, blob);
            p_text(&a, account);
            rc = run_n(p, "reference upload",
                       "UPDATE blobs SET refs = refs + 1 WHERE id = $1 AND account = $2", &a,
                       &changes, err);
        }
        if (rc == GS_OK && changes == 0)
            rc = gs_fail(err, GS_ERR_NOT_FOUND, "upload not found");
        if (rc == GS_OK) {
            a.n = 0;
            p_text(&a, job_id);
            p_text(&a, session_id);
            p_text(&a, account);
            p_i64(&a, GS_STORE_JOB_QUEUED);
            p_i64(&a, now);
            rc = run(p, "queue job",
                     "INSERT INTO jobs(id, session, account, status, created)"
                     " VALUES($1, $2, $3, $4, $5)",
                     &a, NULL, err);
        }
        if (rc == GS_OK) {
            a.n = 0;
            p_text(&a, session_id);
            p_text(&a, athlete);
            p_text(&a, blob);
            p_text(&a, job_id);
            p_text(&a, options_json);
            p_text(&a, notes);
            p_text(&a, date);
            p_i64(&a, now);
            p_text(&a, account);
            rc = run(p, "add session",
                     "INSERT INTO sessions(" SESSION_COLS ", account)"
                     " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                     &a, NULL, err);
        }
        /* Delivered to the listening workers when (and only if) this transaction commits. */
        if (rc == GS_OK)
            rc = run(p, "announce job", "NOTIFY " NOTIFY_CHANNEL, NULL, NULL, err);
    }
    return rc;
}

static gs_status pg_session_get(gs_store *s, const char *account, const char *id,
                                gs_store_session *out, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {TX_IDEMPOTENT, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        PGresult *r = NULL;
        p_text(&a, id);
        p_text(&a, account);
        rc = run_row(p, "session",
                     "SELECT " SESSION_COLS " FROM sessions WHERE id = $1 AND account = $2", &a, &r,
                     err);
        if (rc == GS_OK && out)
            read_session(r, 0, 0, out);
        PQclear(r);
    }
    return rc;
}

static gs_status pg_session_list(gs_store *s, const char *account, const char *athlete,
                                 gs_store_session **out, size_t *n, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    gs_store_session *arr = NULL;
    size_t cnt = 0;
    tx t = {TX_IDEMPOTENT, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        PGresult *r = NULL;
        free(arr);
        arr = NULL;
        cnt = 0;
        rc = owned(p, OWNED_ATHLETE, account, athlete, "athlete", err);
        if (rc == GS_OK) {
            p_text(&a, account);
            p_text(&a, athlete);
            rc = run(p, "list sessions",
                     "SELECT " SESSION_COLS " FROM sessions WHERE account = $1 AND athlete = $2"
                     " ORDER BY created DESC, seq DESC",
                     &a, &r, err);
        }
        if (rc == GS_OK) {
            cnt = (size_t)PQntuples(r);
            rc = alloc_rows((void **)&arr, cnt, sizeof(*arr), err);
            for (size_t i = 0; rc == GS_OK && i < cnt; i++)
                read_session(r, (int)i, 0, &arr[i]);
        }
        PQclear(r);
    }
    if (rc != GS_OK || cnt == 0) {
        free(arr);
        arr = NULL;
        cnt = 0;
    }
    *out = arr;
    *n = cnt;
    return rc;
}

static gs_status pg_session_delete(gs_store *s, const char *account, const char *id,
                                   gs_store_id blob_gone, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    gs_store_id blob = "";
    int64_t refs = -1;
    tx t = {TX_WRITE, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        PGresult *r = NULL;
        gs_store_id job = "";
        refs = -1;
        p_text(&a, id);
        p_text(&a, account);
        rc = run_row(p, "session",
                     "SELECT blob, job FROM sessions WHERE id = $1 AND account = $2 FOR UPDATE", &a,
                     &r, err);
        if (rc == GS_OK) {
            col_text(r, 0, 0, blob, sizeof(blob));
            col_text(r, 0, 1, job, sizeof(job));
        }
        PQclear(r);
        if (rc == GS_OK) {
            a.n = 0;
            p_i64(&a, GS_STORE_JOB_CANCELLED);
            p_text(&a, job);
            p_i64(&a, GS_STORE_JOB_QUEUED);
            p_i64(&a, GS_STORE_JOB_RUNNING);
            rc = run(p, "cancel job",
                     "UPDATE jobs SET status = $1, lease_until = 0"
                     " WHERE id = $2 AND status IN ($3, $4)",
                     &a, NULL, err);
        }
        if (rc == GS_OK) {
            a.n = 0;
            p_text(&a, id);
            rc = run(p, "delete shares", "DELETE FROM shares WHERE session = $1", &a, NULL, err);
            if (rc == GS_OK)
                rc = run(p, "delete NKT record", "DELETE FROM nkt_records WHERE session = $1", &a,
                         NULL, err);
            if (rc == GS_OK)
                rc = run(p, "delete session", "DELETE FROM sessions WHERE id = $1", &a, NULL, err);
        }
        if (rc == GS_OK) {
            a.n = 0;
            p_text(&a, blob);
            rc = run_row(p, "upload",
                         "UPDATE blobs SET refs = refs - 1 WHERE id = $1 RETURNING refs", &a, &r,
                         err);
            if (rc == GS_OK)
                refs = col_i64(r, 0, 0);
            PQclear(r);
        }
        if (rc == GS_OK && refs == 0)
            rc = run(p, "delete upload", "DELETE FROM blobs WHERE id = $1", &a, NULL, err);
    }
    if (rc == GS_OK && refs == 0 && blob_gone)
        memcpy(blob_gone, blob, sizeof(gs_store_id));
    return rc;
}

/* ---- jobs --------------------------------------------------------------------------------- */

static gs_status pg_job_get(gs_store *s, const char *account, const char *id, gs_store_job *out,
                            gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {TX_IDEMPOTENT, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        PGresult *r = NULL;
        p_text(&a, id);
        if (account)
            p_text(&a, account);
        rc = run_row(p, "job",
                     account ? "SELECT " JOB_COLS " FROM jobs WHERE id = $1 AND account = $2"
                             : "SELECT " JOB_COLS " FROM jobs WHERE id = $1",
                     &a, &r, err);
        if (rc == GS_OK && out)
            read_job(r, 0, out);
        PQclear(r);
    }
    return rc;
}

static gs_status pg_job_claim(gs_store *s, const char *worker, int64_t now, int64_t lease_s,
                              int max_attempts, gs_store_job *out, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {TX_WRITE, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        PGresult *r = NULL;
        /* Lapsed jobs that used every attempt end failed first (GS_STORE__GAVE_UP_FMT, spelt
         * in PostgreSQL's format()); rows another claimer holds are skipped, not waited for. */
        p_i64(&a, GS_STORE_JOB_FAILED);
        p_i64(&a, now);
        p_i64(&a, GS_STORE_JOB_RUNNING);
        p_i64(&a, max_attempts);
        rc = run(p, "end abandoned jobs",
                 "UPDATE jobs SET status = $1, finished = $2, lease_until = 0,"
                 " error = format('the analysis stopped %s times without finishing"
                 " (last worker %s)', attempts, worker)"
                 " WHERE id IN (SELECT id FROM jobs WHERE status = $3 AND lease_until < $2"
                 " AND attempts >= $4 FOR UPDATE SKIP LOCKED)",
                 &a, NULL, err);
        if (rc == GS_OK) {
            a.n = 0;
            p_i64(&a, GS_STORE_JOB_RUNNING);
            p_text(&a, worker);
            p_i64(&a, now);
            p_i64(&a, now + lease_s);
            p_i64(&a, GS_STORE_JOB_QUEUED);
            /* Oldest first, as the SQLite back end (created, then insertion order). */
            rc = run_row(p, "queued job",
                         "UPDATE jobs SET status = $1, attempts = attempts + 1, worker = $2,"
                         " started = $3, lease_until = $4, progress = 0, stage = '', error = ''"
                         " WHERE id = (SELECT id FROM jobs WHERE status = $5"
                         " OR (status = $1 AND lease_until < $3)"
                         " ORDER BY created, seq LIMIT 1 FOR UPDATE SKIP LOCKED)"
                         " RETURNING " JOB_COLS,
                         &a, &r, err);
        }
        if (rc == GS_OK && out)
            read_job(r, 0, out);
        PQclear(r);
        /* "Nothing to do" still commits the abandoned jobs' failure. */
        if (rc == GS_ERR_NOT_FOUND) {
            t.commit_anyway = 1;
            gs_fail(err, rc, "no job to do");
        }
    }
    return rc;
}

/* The claim a fenced call names: the job, its worker, running, and (attempt > 0) the attempt. */
#define CLAIM_WHERE                                                                      \
    " WHERE id = $1 AND worker = $2 AND status = $3 AND ($4::integer = 0 OR attempts = " \
    "$4::integer)"

static void claim_params(params *a, const char *id, const char *worker, int attempt)
{
    p_text(a, id);
    p_text(a, worker);
    p_i64(a, GS_STORE_JOB_RUNNING);
    p_i64(a, attempt);
}

static gs_status pg_job_heartbeat(gs_store *s, const char *id, const char *worker, int attempt,
                                  double progress, const char *stage, int64_t now, int64_t lease_s,
                                  gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    /* Idempotent: the same progress and lease written twice are the same state. */
    tx t = {TX_IDEMPOTENT, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        int changes = 0;
        claim_params(&a, id, worker, attempt);
        p_dbl(&a, progress);
        p_text(&a, stage);
        p_i64(&a, now + lease_s);
        rc = run_n(p, "job heartbeat",
                   "UPDATE jobs SET progress = $5, stage = $6, lease_until = $7" CLAIM_WHERE, &a,
                   &changes, err);
        if (rc == GS_OK && changes == 0)
            rc = gs_fail(err, GS_ERR_CANCELLED,
                         "job %s: cancelled, deleted or claimed by another worker", id);
    }
    return rc;
}

static gs_status pg_job_finish(gs_store *s, const char *id, const char *worker, int attempt,
                               gs_store_job_status status, const char *error, int64_t now,
                               gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {TX_WRITE, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        int changes = 0;
        claim_params(&a, id, worker, attempt);
        p_i64(&a, status);
        p_text(&a, error);
        p_i64(&a, now);
        p_i64(&a, GS_STORE_JOB_DONE);
        rc = run_n(p, "finish job",
                   "UPDATE jobs SET status = $5, error = $6, finished = $7, lease_until = 0,"
                   " progress = CASE WHEN $5::integer = $8::integer THEN 1.0 ELSE progress "
                   "END" CLAIM_WHERE,
                   &a, &changes, err);
        if (rc == GS_OK && changes == 0)
            rc = gs_fail(err, GS_ERR_CANCELLED,
                         "job %s: cancelled, deleted or claimed by another worker", id);
    }
    return rc;
}

static gs_status pg_job_release(gs_store *s, const char *id, const char *worker, int attempt,
                                int64_t now, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {TX_WRITE, 0, 0, 0};
    (void)now; /* nothing records the release time (as in the SQLite back end) */
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        int changes = 0;
        claim_params(&a, id, worker, attempt);
        p_i64(&a, GS_STORE_JOB_QUEUED);
        rc = run_n(p, "release job",
                   "UPDATE jobs SET status = $5, attempts = greatest(attempts - 1, 0),"
                   " lease_until = 0, progress = 0, stage = ''" CLAIM_WHERE,
                   &a, &changes, err);
        if (rc == GS_OK && changes == 0)
            rc = gs_fail(err, GS_ERR_CANCELLED,
                         "job %s: cancelled, deleted or claimed by another worker", id);
        /* The job is queued again: wake a waiting worker. */
        if (rc == GS_OK)
            rc = run(p, "announce job", "NOTIFY " NOTIFY_CHANNEL, NULL, NULL, err);
    }
    return rc;
}

static gs_status pg_job_cancel(gs_store *s, const char *account, const char *id, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {TX_WRITE, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        rc = owned(p, "SELECT 1 FROM jobs WHERE id = $1 AND account = $2", account, id, "job", err);
        if (rc == GS_OK) {
            p_i64(&a, GS_STORE_JOB_CANCELLED);
            p_text(&a, id);
            p_i64(&a, GS_STORE_JOB_QUEUED);
            p_i64(&a, GS_STORE_JOB_RUNNING);
            rc = run(p, "cancel job",
                     "UPDATE jobs SET status = $1, lease_until = 0"
                     " WHERE id = $2 AND status IN ($3, $4)",
                     &a, NULL, err);
        }
    }
    return rc;
}

static gs_status pg_job_counts(gs_store *s, int64_t counts[5], gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {TX_IDEMPOTENT, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        PGresult *r = NULL;
        rc = run(p, "count jobs", "SELECT status, count(*) FROM jobs GROUP BY status", NULL, &r,
                 err);
        for (int i = 0; rc == GS_OK && i < PQntuples(r); i++) {
            int64_t k = col_i64(r, i, 0);
            if (k >= 0 && k < 5)
                counts[k] = col_i64(r, i, 1);
        }
        PQclear(r);
    }
    return rc;
}

/* Waits for NOTIFY gaitscope_jobs on this connection, or for timeout_ms. */
static gs_status pg_wait_for_job(gs_store *s, int timeout_ms, int *woke, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    PGnotify *nf;
    struct timespec t0, t1;
    int found = 0;

    *woke = 0;
    rc = ready(p, err); /* a dead connection is replaced (and listens again) before the wait */
    if (rc != GS_OK)
        return rc;
    for (int tries = 0; !p->listening; tries++) {
        /* A job queued before this connection listened sends no notification to it: look once
         * after LISTEN (a job queued later is announced to us). */
        PGresult *r = NULL;
        params a = {0};
        rc = ready(p, err);
        if (rc != GS_OK)
            return rc;
        rc = run(p, "listen for jobs", "LISTEN " NOTIFY_CHANNEL, NULL, NULL, err);
        if (rc != GS_OK && p->broken && tries == 0)
            continue; /* reconnect (ready) and listen on the new connection */
        if (rc != GS_OK)
            return rc;
        p->listening = 1;
        p_i64(&a, GS_STORE_JOB_QUEUED);
        rc = run(p, "look for queued jobs", "SELECT EXISTS(SELECT 1 FROM jobs WHERE status = $1)",
                 &a, &r, err);
        if (rc == GS_OK)
            found = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
        PQclear(r);
        if (rc != GS_OK || found) {
            *woke = found;
            return rc;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct pollfd pfd;
        int64_t left_ms;
        while ((nf = PQnotifies(p->conn)) != NULL) {
            found = 1; /* drain them all: one claim attempt answers every announcement so far */
            PQfreemem(nf);
        }
        if (found) {
            *woke = 1;
            return GS_OK;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        left_ms = (int64_t)timeout_ms -
                  ((int64_t)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
        if (left_ms <= 0)
            return GS_OK;
        pfd.fd = PQsocket(p->conn);
        pfd.events = POLLIN;
        pfd.revents = 0;
        if (pfd.fd < 0)
            return gs_fail(err, GS_ERR_IO, "%s: wait for jobs: no connection", p->where);
        if (poll(&pfd, 1, (int)left_ms) < 0 && errno != EINTR)
            return gs_fail(err, GS_ERR_IO, "%s: wait for jobs: %s", p->where, strerror(errno));
        if (pfd.revents && (!PQconsumeInput(p->conn) || PQstatus(p->conn) == CONNECTION_BAD)) {
            char line[256];
            p->listening = 0;
            return gs_fail(err, GS_ERR_IO, "%s: wait for jobs: connection lost: %s", p->where,
                           first_line(PQerrorMessage(p->conn), line, sizeof(line)));
        }
    }
}

/* ---- shares ------------------------------------------------------------------------------- */

static gs_status pg_share_add(gs_store *s, const char *account, const char *session,
                              const uint8_t *digest, int64_t now, int64_t expires, const char *id,
                              gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {TX_WRITE, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        rc = owned(p, OWNED_SESSION, account, session, "session", err);
        if (rc == GS_OK) {
            p_text(&a, id);
            p_text(&a, account);
            p_text(&a, session);
            p_digest(&a, digest);
            p_i64(&a, now);
            p_i64(&a, expires);
            rc = run(p, "add share",
                     "INSERT INTO shares(id, account, session, digest, created, expires)"
                     " VALUES($1, $2, $3, $4, $5, $6)",
                     &a, NULL, err);
        }
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
    pg *p = PG(s);
    gs_status rc;
    tx t = {TX_IDEMPOTENT, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        PGresult *r = NULL;
        p_digest(&a, digest);
        p_i64(&a, now);
        rc = run_row(p, "share",
                     "SELECT s.account, " SESSION_COLS_S " FROM shares AS h"
                     " JOIN sessions AS s ON s.id = h.session"
                     " WHERE h.digest = $1 AND h.expires > $2",
                     &a, &r, err);
        if (rc == GS_OK) {
            if (account_out)
                col_text(r, 0, 0, account_out, sizeof(gs_store_id));
            if (session_out)
                read_session(r, 0, 1, session_out);
        }
        PQclear(r);
    }
    return rc;
}

static gs_status pg_share_list(gs_store *s, const char *account, const char *session,
                               gs_store_share **out, size_t *n, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    gs_store_share *arr = NULL;
    size_t cnt = 0;
    tx t = {TX_IDEMPOTENT, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        PGresult *r = NULL;
        free(arr);
        arr = NULL;
        cnt = 0;
        rc = owned(p, OWNED_SESSION, account, session, "session", err);
        if (rc != GS_OK)
            continue;
        p_text(&a, session);
        p_text(&a, account);
        rc = run(p, "list shares",
                 "SELECT id, created, expires FROM shares WHERE session = $1 AND account = $2"
                 " ORDER BY created DESC, id DESC",
                 &a, &r, err);
        if (rc == GS_OK) {
            cnt = (size_t)PQntuples(r);
            rc = alloc_rows((void **)&arr, cnt, sizeof(*arr), err);
            for (size_t i = 0; rc == GS_OK && i < cnt; i++) {
                col_text(r, (int)i, 0, arr[i].id, sizeof(arr[i].id));
                arr[i].created = col_i64(r, (int)i, 1);
                arr[i].expires = col_i64(r, (int)i, 2);
            }
        }
        PQclear(r);
    }
    if (rc != GS_OK || cnt == 0) {
        free(arr);
        arr = NULL;
        cnt = 0;
    }
    *out = arr;
    *n = cnt;
    return rc;
}

static gs_status pg_nkt_set(gs_store *s, const char *account, const char *session,
                            const gs_store_nkt *rec, int64_t now, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {TX_WRITE, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        rc = owned(p, OWNED_SESSION, account, session, "session", err);
        if (rc == GS_OK) {
            p_text(&a, session);
            p_text(&a, account);
            p_text(&a, rec->tests);
            p_text(&a, rec->facilitators);
            p_text(&a, rec->released);
            p_text(&a, rec->activated);
            p_text(&a, rec->homework);
            p_i64(&a, now);
            rc = run(p, "write NKT record",
                     "INSERT INTO nkt_records(session, account, tests, facilitators, released,"
                     " activated, homework, updated) VALUES($1, $2, $3, $4, $5, $6, $7, $8)"
                     " ON CONFLICT(session) DO UPDATE SET tests = EXCLUDED.tests,"
                     " facilitators = EXCLUDED.facilitators, released = EXCLUDED.released,"
                     " activated = EXCLUDED.activated, homework = EXCLUDED.homework,"
                     " updated = EXCLUDED.updated",
                     &a, NULL, err);
        }
        /* A session deleted between the check and the insert: the foreign key says so. */
        if (rc == GS_ERR_NOT_FOUND)
            gs_fail(err, rc, "session not found");
    }
    return rc;
}

static gs_status pg_nkt_get(gs_store *s, const char *account, const char *session,
                            gs_store_nkt *out, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {TX_IDEMPOTENT, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        PGresult *r = NULL;
        p_text(&a, session);
        p_text(&a, account);
        rc = run_row(p, "NKT record",
                     "SELECT tests, facilitators, released, activated, homework, updated"
                     " FROM nkt_records WHERE session = $1 AND account = $2",
                     &a, &r, err);
        if (rc == GS_OK && out) {
            col_text(r, 0, 0, out->tests, sizeof(out->tests));
            col_text(r, 0, 1, out->facilitators, sizeof(out->facilitators));
            col_text(r, 0, 2, out->released, sizeof(out->released));
            col_text(r, 0, 3, out->activated, sizeof(out->activated));
            col_text(r, 0, 4, out->homework, sizeof(out->homework));
            out->updated = col_i64(r, 0, 5);
        }
        PQclear(r);
    }
    return rc;
}

static gs_status pg_share_delete(gs_store *s, const char *account, const char *id, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {TX_WRITE, 0, 0, 0};
    for (; tx_begin(p, &t, &rc, err); tx_end(p, &t, &rc, err)) {
        params a = {0};
        int changes = 0;
        p_text(&a, id);
        p_text(&a, account);
        rc = run_n(p, "delete share", "DELETE FROM shares WHERE id = $1 AND account = $2", &a,
                   &changes, err);
        if (rc == GS_OK && changes == 0)
            rc = gs_fail(err, GS_ERR_NOT_FOUND, "share not found");
    }
    return rc;
}

static const gs_store_ops pg_ops = {
    .name = "postgresql",
    .close = pg_close,
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
    .blob_delete_unused = pg_blob_delete_unused,
    .session_add = pg_session_add,
    .session_get = pg_session_get,
    .session_list = pg_session_list,
    .session_delete = pg_session_delete,
    .job_get = pg_job_get,
    .job_claim = pg_job_claim,
    .job_heartbeat = pg_job_heartbeat,
    .job_finish = pg_job_finish,
    .job_release = pg_job_release,
    .job_cancel = pg_job_cancel,
    .job_counts = pg_job_counts,
    .wait_for_job = pg_wait_for_job,
    .share_add = pg_share_add,
    .share_session = pg_share_session,
    .share_delete = pg_share_delete,
    .share_list = pg_share_list,
    .nkt_set = pg_nkt_set,
    .nkt_get = pg_nkt_get,
};
