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
 * This file holds the connection, transactions, statement helpers (store_pg_impl.h), schema and
 * LISTEN; the records are in store_pg_records.c, the job queue in store_pg_jobs.c.
 */
#include "store.h"
#include "store_pg_impl.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SCHEMA_MARK "gaitscope store"
/* Key of the advisory lock taken while migrating: "GSCP", the SQLite back end's application id. */
#define MIGRATE_LOCK_KEY 1196639056
#define MAX_PARAMS       12

typedef gs_store__pg pg;
typedef gs_store__pg_tx tx;

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
    /* 2 -> 3: clinic accounts (issue 16), as the SQLite back end's migration 3 says. Not
     * granted to the worker role: workers read none of it. */
    "ALTER TABLE accounts ADD COLUMN clinic TEXT NOT NULL DEFAULT '';"
    "UPDATE accounts SET clinic = id;"
    "ALTER TABLE accounts ADD COLUMN role INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE accounts ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX accounts_by_clinic ON accounts(clinic);"
    "ALTER TABLE sessions ADD COLUMN video_deleted BIGINT NOT NULL DEFAULT 0;"
    "CREATE TABLE invites("
    " id TEXT PRIMARY KEY,"
    " account TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " reset_user TEXT REFERENCES accounts(id) ON DELETE CASCADE,"
    " email TEXT NOT NULL,"
    " digest BYTEA NOT NULL UNIQUE,"
    " created BIGINT NOT NULL,"
    " expires BIGINT NOT NULL);"
    "CREATE INDEX invites_by_account ON invites(account);"
    "CREATE TABLE access_log("
    " seq BIGSERIAL PRIMARY KEY,"
    " account TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " at BIGINT NOT NULL,"
    " member TEXT NOT NULL,"
    " athlete TEXT NOT NULL,"
    " session TEXT NOT NULL,"
    " what TEXT NOT NULL,"
    " addr TEXT NOT NULL);"
    "CREATE INDEX access_by_account ON access_log(account, at);",
    /* 3 -> 4: job kinds and comparisons of two sessions (issue 16 item 7). Workers read
     * comparisons (scripts/pg_worker_role.sql grants SELECT). */
    "ALTER TABLE jobs ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE comparisons("
    " seq BIGINT GENERATED ALWAYS AS IDENTITY,"
    " id TEXT PRIMARY KEY,"
    " account TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " athlete TEXT NOT NULL REFERENCES athletes(id) ON DELETE CASCADE,"
    " before_session TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    " after_session TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    " job TEXT NOT NULL,"
    " options_json TEXT NOT NULL,"
    " created BIGINT NOT NULL);"
    "CREATE INDEX comparisons_by_athlete ON comparisons(account, athlete, created);"
    "CREATE INDEX comparisons_by_before ON comparisons(before_session);"
    "CREATE INDEX comparisons_by_after ON comparisons(after_session);",
};
_Static_assert(sizeof(pg_migrations) / sizeof(pg_migrations[0]) == GS_STORE_SCHEMA_VERSION,
               "one PostgreSQL migration per schema version");/* ---- statements --------------------------------------------------------------------------- */

/* Parameters of one statement in libpq's form: text values (NULL is SQL NULL) and binary
 * digests. */
typedef struct params {
    int n;
    const char *v[MAX_PARAMS];
    int len[MAX_PARAMS];
    int fmt[MAX_PARAMS];
    char num[MAX_PARAMS][40];
} params;

/* a[0..na) as libpq parameters. NAN is stored as NULL (an athlete without a height), as in the
 * SQLite back end; %.17g writes every double so that it reads back to the same value. */
static void bind_args(params *ps, const gs_store__arg *a, int na)
{
    assert(na <= MAX_PARAMS);
    ps->n = 0;
    for (int i = 0; i < na && i < MAX_PARAMS; i++) {
        const char *v = NULL;
        ps->len[i] = 0;
        ps->fmt[i] = 0;
        switch (a[i].kind) {
        case 't':
            v = a[i].t;
            break;
        case 'i':
            snprintf(ps->num[i], sizeof(ps->num[0]), "%lld", (long long)a[i].i);
            v = ps->num[i];
            break;
        case 'd':
            if (!isnan(a[i].d)) {
                snprintf(ps->num[i], sizeof(ps->num[0]), "%.17g", a[i].d);
                v = ps->num[i];
            }
            break;
        case 'g':
            v = (const char *)a[i].g;
            ps->len[i] = GS_STORE_DIGEST_BYTES;
            ps->fmt[i] = 1; /* binary: bytea's binary form is the bytes themselves */
            break;
        default:
            assert(!"unknown argument kind");
        }
        ps->v[i] = v;
        ps->n++;
    }
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
 * Runs sql with arguments a[0..na). *res (may be NULL: cleared here) gets the result of a
 * statement that succeeded. Failures: GS_ERR_EXISTS (unique violation), GS_ERR_NOT_FOUND
 * (foreign key violation: the row pointed to is gone), GS_ERR_IO otherwise, with libpq's message;
 * a broken connection sets p->broken (and p->in_commit for COMMIT).
 */
static gs_status run(pg *p, const char *what, const char *sql, const gs_store__arg *a, int na,
                     PGresult **res, gs_error *err)
{
    PGresult *r;
    ExecStatusType st;
    params ps;
    char line[256];

    if (res)
        *res = NULL;
    p->broken = 0;
    bind_args(&ps, a, na);
    r = PQexecParams(p->conn, sql, ps.n, NULL, ps.v, ps.len, ps.fmt, 0);
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

/* Column accessors of gs_store__row over a PGresult's row (values in text format). */
static int row_null(const gs_store__row *r, int col)
{
    return PQgetisnull(r->res, r->row, col);
}

static const char *row_text(const gs_store__row *r, int col)
{
    return row_null(r, col) ? "" : PQgetvalue(r->res, r->row, col);
}

static int64_t row_i64(const gs_store__row *r, int col)
{
    return row_null(r, col) ? 0 : (int64_t)strtoll(PQgetvalue(r->res, r->row, col), NULL, 10);
}

static double row_dbl(const gs_store__row *r, int col)
{
    return row_null(r, col) ? NAN : strtod(PQgetvalue(r->res, r->row, col), NULL);
}

/* What a statement gives back: the rows changed, one row, or every row. */
typedef struct sink {
    int *changes;
    gs_store__read_fn read;
    void *one;  /* _one: the record (NULL: only whether there is a row) */
    int is_one; /* 1: exactly one row expected */
    void *all;  /* _all: T ** */
    size_t elem;
    size_t *n;
} sink;

/* One statement into k. */
static gs_status stmt(pg *p, const char *what, const char *sql, const gs_store__arg *a, int na,
                      const sink *k, gs_error *err)
{
    PGresult *r = NULL;
    gs_status rc;
    if (k->changes)
        *k->changes = 0;
    if (k->all) {
        free(*(void **)k->all);
        *(void **)k->all = NULL;
        *k->n = 0;
    }
    rc = run(p, what, sql, a, na, &r, err);
    if (rc == GS_OK && k->changes)
        *k->changes = atoi(PQcmdTuples(r));
    if (rc == GS_OK && k->is_one) {
        if (PQntuples(r) < 1) {
            rc = gs_fail(err, GS_ERR_NOT_FOUND, "%s not found", what);
        } else if (k->read && k->one) {
            gs_store__row row = {r, 0, row_null, row_text, row_i64, row_dbl};
            k->read(&row, k->one);
        }
    }
    if (rc == GS_OK && k->all) {
        size_t cnt = (size_t)PQntuples(r), bytes;
        char *arr = NULL;
        if (cnt > 0 && (gs_size_mul(cnt, k->elem, &bytes) != 0 || !(arr = malloc(bytes))))
            rc = gs_fail(err, GS_ERR_NOMEM, "store: out of memory for %zu rows", cnt);
        for (size_t i = 0; rc == GS_OK && i < cnt; i++) {
            gs_store__row row = {r, (int)i, row_null, row_text, row_i64, row_dbl};
            k->read(&row, arr + i * k->elem);
        }
        *(void **)k->all = rc == GS_OK ? arr : NULL;
        *k->n = rc == GS_OK ? cnt : 0;
    }
    PQclear(r);
    return rc;
}

/* One statement inside the caller's transaction (PG_IN_TX) or in a transaction of its own. */
static gs_status stmt_tx(pg *p, int kind, const char *what, const char *sql,
                         const gs_store__arg *a, int na, const sink *k, gs_error *err)
{
    gs_status rc;
    tx t = {kind, 0, 0, 0};
    if (kind == PG_IN_TX)
        return stmt(p, what, sql, a, na, k, err);
    PG_TRANSACTION(p, &t, &rc, err)
    {
        rc = stmt(p, what, sql, a, na, k, err);
    }
    if (rc != GS_OK && k->all) {
        free(*(void **)k->all);
        *(void **)k->all = NULL;
        *k->n = 0;
    }
    return rc;
}

gs_status gs_store__pg_do(pg *p, int kind, const char *what, const char *sql,
                          const gs_store__arg *a, int na, int *changes, gs_error *err)
{
    sink k = {changes, NULL, NULL, 0, NULL, 0, NULL};
    return stmt_tx(p, kind, what, sql, a, na, &k, err);
}

gs_status gs_store__pg_one(pg *p, int kind, const char *what, const char *sql,
                           const gs_store__arg *a, int na, gs_store__read_fn read, void *out,
                           gs_error *err)
{
    sink k = {NULL, read, out, 1, NULL, 0, NULL};
    return stmt_tx(p, kind, what, sql, a, na, &k, err);
}

gs_status gs_store__pg_all(pg *p, int kind, const char *what, const char *sql,
                           const gs_store__arg *a, int na, gs_store__read_fn read, size_t elem,
                           void *arr, size_t *n, gs_error *err)
{
    sink k = {NULL, read, NULL, 0, arr, elem, n};
    if (kind != PG_IN_TX) /* in the caller's transaction, stmt() frees an earlier try's rows */
        *(void **)arr = NULL;
    return stmt_tx(p, kind, what, sql, a, na, &k, err);
}

gs_status gs_store__pg_owned(pg *p, const char *sql, const char *account, const char *id,
                             const char *what, gs_error *err)
{
    return gs_store__pg_one(p, PG_IN_TX, what, sql, ARGS(ARG_T(id), ARG_T(account)), NULL, NULL,
                            err);
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

/* Transactions (store_pg_impl.h, PG_TRANSACTION). After a failed run: reconnect and run again (1) or give up with rc (0). */
static int tx_again(pg *p, tx *t, gs_status *rc, gs_error *err)
{
    if (!p->broken || t->tries >= 1)
        return 0;
    if (p->in_commit && t->kind != PG_TX_IDEMPOTENT) {
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

int gs_store__pg_tx_begin(pg *p, tx *t, gs_status *rc, gs_error *err)
{
    while (!t->done) {
        *rc = ready(p, err);
        if (*rc != GS_OK) {
            t->done = 1; /* unreachable: ready() already tried to reconnect */
            return 0;
        }
        *rc = run(p, "begin transaction", "BEGIN", NO_ARGS, NULL, err);
        if (*rc == GS_OK) {
            t->commit_anyway = 0;
            return 1;
        }
        if (!tx_again(p, t, rc, err))
            t->done = 1;
    }
    return 0;
}

void gs_store__pg_tx_end(pg *p, tx *t, gs_status *rc, gs_error *err)
{
    if (*rc == GS_OK || t->commit_anyway) {
        gs_error cerr;
        gs_status c = run(p, "commit", "COMMIT", NO_ARGS, NULL, &cerr);
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

/* ---- open, schema ------------------------------------------------------------------------- */

/* What the database holds: whether schema_version exists, its comment, and how many tables. */
typedef struct probe {
    int64_t has;
    char mark[64];
    int64_t tables;
} probe;

static void read_probe(const gs_store__row *r, void *out)
{
    probe *b = out;
    b->has = r->i64(r, 0);
    snprintf(b->mark, sizeof(b->mark), "%s", r->text(r, 1));
    b->tables = r->i64(r, 2);
}

/* max(version), -1 when the table is empty (NULL). */
static void read_version_row(const gs_store__row *r, void *out)
{
    *(int64_t *)out = r->is_null(r, 0) ? -1 : r->i64(r, 0);
}

/* The schema version: 0 for a database without our tables; GS_ERR_FORMAT for another program's
 * database (tables, but no schema_version carrying our mark). Inside the caller's transaction
 * or none (autocommit). */
static gs_status read_version(pg *p, int *version, gs_error *err)
{
    probe b = {0, "", 0};
    int64_t v = -1;
    gs_status rc;
    rc = gs_store__pg_one(
        p, PG_IN_TX, "read the schema version",
        "SELECT (to_regclass('schema_version') IS NOT NULL)::int,"
        " coalesce(obj_description(to_regclass('schema_version'), 'pg_class'), ''),"
        " (SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema())",
        NO_ARGS, read_probe, &b, err);
    if (rc != GS_OK)
        return rc;
    if (!b.has && b.tables == 0) {
        *version = 0;
        return GS_OK;
    }
    if (!b.has || strcmp(b.mark, SCHEMA_MARK) != 0)
        return gs_fail(err, GS_ERR_FORMAT,
                       "%s: not a gaitscope database (it has %lld other table(s))", p->where,
                       (long long)b.tables);
    rc = gs_store__pg_one(p, PG_IN_TX, "read the schema version",
                          "SELECT max(version) FROM schema_version", NO_ARGS, read_version_row,
                          &v, err);
    if (rc == GS_OK && v < 0)
        rc = gs_fail(err, GS_ERR_FORMAT, "%s: schema_version is empty", p->where);
    if (rc == GS_OK)
        *version = (int)v;
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
        tx t = {PG_TX_WRITE, 0, 0, 0};
        PG_TRANSACTION(p, &t, &rc, err)
        {
            rc = gs_store__pg_do(p, PG_IN_TX, "lock for migration",
                                 "SELECT pg_advisory_xact_lock($1)", ARGS(ARG_I(MIGRATE_LOCK_KEY)),
                                 NULL, err);
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
                    rc = gs_store__pg_do(p, PG_IN_TX, what, "DELETE FROM schema_version",
                                         NO_ARGS, NULL, err);
                if (rc == GS_OK)
                    rc = gs_store__pg_do(p, PG_IN_TX, what,
                                         "INSERT INTO schema_version(version) VALUES($1)",
                                         ARGS(ARG_I(version + 1)), NULL, err);
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

/*
 * The workers' role (README "Scale-out"): gaitscope_worker can take jobs, report progress and
 * record results, and read the sessions, athletes and uploads a job needs; nothing else, so no
 * worker machine can read accounts (password hashes), tokens, shares, users or NKT records, nor
 * change any record but a job's claim columns. Applied at every open by the tables' owner when
 * the role exists, in one transaction under the migration lock (two GRANTs at once on one table
 * can fail with "tuple concurrently updated"), so a schema version that adds tables is covered
 * the moment the server that migrated it is up, and grants made by hand to the role are taken
 * back. Every table of the schema is revoked first (a REVOKE on a table also revokes its column
 * privileges: sql-revoke.html), then the list below granted. The role itself is created once
 * by an administrator (scripts/pg_worker_role.sql: the service's own role has no CREATEROLE).
 */
#define WORKER_ROLE "gaitscope_worker"
static const char worker_grants[] =
    "DO $$ DECLARE t text; BEGIN"
    " FOR t IN SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"
    " LOOP EXECUTE format('REVOKE ALL ON %I FROM " WORKER_ROLE "', t); END LOOP;"
    /* USAGE on the schema where we may give it (public's is PUBLIC's already in PG 15). */
    " IF has_schema_privilege(current_schema(), 'USAGE WITH GRANT OPTION') THEN"
    " EXECUTE format('GRANT USAGE ON SCHEMA %I TO " WORKER_ROLE "', current_schema());"
    " END IF; END $$;"
    /* gs_store_open reads the schema version. */
    "GRANT SELECT ON schema_version TO " WORKER_ROLE ";"
    /* A job's inputs: its session (blob id, analysis options), the athlete (height), the
     * upload; a compare job's comparison (schema 4: its two sessions). */
    "GRANT SELECT ON sessions, athletes, blobs, comparisons TO " WORKER_ROLE ";"
    /* The queue: claim (SELECT ... FOR UPDATE SKIP LOCKED), heartbeat, finish, release; only the
     * columns a claim's life changes (a job's session, account and creation stay as queued). */
    "GRANT SELECT ON jobs TO " WORKER_ROLE ";"
    "GRANT UPDATE (status, progress, stage, error, attempts, worker, lease_until, started,"
    " finished) ON jobs TO " WORKER_ROLE ";";

/* Whether the role exists and this connection's user owns the schema (may grant on it). */
static void read_can_grant(const gs_store__row *r, void *out)
{
    int *can = out;
    *can = r->i64(r, 0) != 0 && r->i64(r, 1) != 0;
}

/* Applies worker_grants when the role exists and this connection owns the tables; otherwise (a
 * worker's own connection, a database without the role) nothing. */
static gs_status grant_worker_role(pg *p, gs_error *err)
{
    gs_status rc;
    int can = 0;
    tx t = {PG_TX_WRITE, 0, 0, 0};
    rc = gs_store__pg_one(p, PG_TX_IDEMPOTENT, "check the workers' role",
                          "SELECT EXISTS(SELECT 1 FROM pg_catalog.pg_roles"
                          " WHERE rolname = '" WORKER_ROLE "')::int,"
                          " pg_has_role(current_user, (SELECT relowner FROM pg_catalog.pg_class"
                          " WHERE oid = to_regclass('schema_version')), 'USAGE')::int",
                          NO_ARGS, read_can_grant, &can, err);
    if (rc != GS_OK || !can)
        return rc;
    PG_TRANSACTION(p, &t, &rc, err)
    {
        rc = gs_store__pg_do(p, PG_IN_TX, "lock for the workers' grants",
                             "SELECT pg_advisory_xact_lock($1)", ARGS(ARG_I(MIGRATE_LOCK_KEY)),
                             NULL, err);
        if (rc == GS_OK) {
            /* Our own SQL text of several statements, so PQexec. */
            PGresult *r = PQexec(p->conn, worker_grants);
            if (PQresultStatus(r) != PGRES_COMMAND_OK) {
                char line[256];
                p->broken = PQstatus(p->conn) == CONNECTION_BAD;
                rc = gs_fail(err, GS_ERR_IO, "%s: grant the workers' role its rights: %s",
                             p->where, first_line(PQresultErrorMessage(r), line, sizeof(line)));
            }
            PQclear(r);
        }
    }
    return rc;
}

void gs_store__pg_close(gs_store *s)
{
    pg *p = gs_store__pg_of(s);
    if (!p)
        return;
    PQfinish(p->conn);
    free(p);
    s->be = NULL;
}

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
    s->ops = &gs_store__pg_ops;
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
    if (rc == GS_OK)
        rc = grant_worker_role(p, err);
    if (rc != GS_OK)
        goto fail;
    return GS_OK;
fail:
    gs_store__pg_close(s);
    s->ops = NULL;
    return rc;
}
/* ---- waiting for work ----------------------------------------------------------------------- */

/* Waits for NOTIFY gaitscope_jobs on this connection, or for timeout_ms. */
gs_status gs_store__pg_wait_for_job(gs_store *s, int timeout_ms, int *woke, gs_error *err)
{
    pg *p = gs_store__pg_of(s);
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
        int64_t queued = 0;
        rc = ready(p, err);
        if (rc != GS_OK)
            return rc;
        rc = run(p, "listen for jobs", "LISTEN " GS_STORE__PG_NOTIFY_CHANNEL, NO_ARGS, NULL, err);
        if (rc != GS_OK && p->broken && tries == 0)
            continue; /* reconnect (ready) and listen on the new connection */
        if (rc != GS_OK)
            return rc;
        p->listening = 1;
        rc = gs_store__pg_one(p, PG_IN_TX, "look for queued jobs",
                              "SELECT EXISTS(SELECT 1 FROM jobs WHERE status = $1)::int",
                              ARGS(ARG_I(GS_STORE_JOB_QUEUED)), gs_store__read_i64, &queued, err);
        found = rc == GS_OK && queued != 0;
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
