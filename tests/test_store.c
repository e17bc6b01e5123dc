/*
 * test_store: the store interface, one suite for both back ends: every function with real
 * values, ownership (another account's ids are "not found" everywhere), the job queue (claim,
 * heartbeat, finish, lease expiry, attempts, cancel, the attempt as fencing token, waiting for a
 * job), two processes claiming from one queue, a newer schema refused, a process killed during
 * writes, blob reference counts, token and share expiry.
 *
 * `test_store SHARED SCRATCH` runs it on SQLite (a fresh folder per store under SCRATCH/store).
 * `test_store SHARED SCRATCH pg`, run by tests/pg_cluster.sh with a throw-away PostgreSQL
 * cluster, runs it on PostgreSQL (a fresh database per store), plus what only a server has: the
 * database restarted under an open store, and the workers' role (scripts/pg_worker_role.sql)
 * refused the accounts table.
 */
#include "gs_test.h"
#include "store.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

static char root[4096];
/* PostgreSQL mode: the cluster's socket folder and superuser (from tests/pg_cluster.sh). */
static int use_pg;
static const char *pg_host, *pg_user;

#define CHECK_OK(expr)                                                                         \
    do {                                                                                       \
        gs_error e_;                                                                           \
        gs_error_clear(&e_);                                                                   \
        gs_status r_ = (expr);                                                                 \
        CHECK_MSG(r_ == GS_OK, "%s -> %s (%s)", #expr, gs_strerror(r_), e_.msg);               \
    } while (0)

#define CHECK_RC(expr, want)                                                                   \
    do {                                                                                       \
        gs_status r_ = (expr);                                                                 \
        CHECK_MSG(r_ == (want), "%s -> %s, expected %s", #expr, gs_strerror(r_),               \
                  gs_strerror(want));                                                          \
    } while (0)

/* A fresh store folder root/name (removed first). */
static void fresh_dir(const char *name, char *dir, size_t n)
{
    char cmd[8300];
    snprintf(dir, n, "%s/%s", root, name);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    assert(system(cmd) == 0);
}

/*
 * A fresh, empty store named name: SQLite, the folder root/name; PostgreSQL, the database
 * gs_<name> (dropped first), as a URI without password (PGPASSFILE holds it). loc gets the
 * location for gs_store_open.
 */
static void fresh_store(const char *name, char *loc, size_t n)
{
    if (!use_pg) {
        fresh_dir(name, loc, n);
        return;
    }
    {
        char conninfo[600], sql[300];
        PGconn *c;
        PGresult *r;
        snprintf(conninfo, sizeof(conninfo), "postgresql:///postgres?host=%s&user=%s", pg_host,
                 pg_user);
        c = PQconnectdb(conninfo);
        if (PQstatus(c) != CONNECTION_OK) {
            fprintf(stderr, "admin connection: %s", PQerrorMessage(c));
            abort();
        }
        snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS gs_%s WITH (FORCE)", name);
        r = PQexec(c, sql);
        assert(PQresultStatus(r) == PGRES_COMMAND_OK);
        PQclear(r);
        snprintf(sql, sizeof(sql), "CREATE DATABASE gs_%s", name);
        r = PQexec(c, sql);
        assert(PQresultStatus(r) == PGRES_COMMAND_OK);
        PQclear(r);
        PQfinish(c);
        snprintf(loc, n, "postgresql:///gs_%s?host=%s&user=%s", name, pg_host, pg_user);
    }
}

/* Runs sql directly on the store at loc (not through the store's interface); with want_int the
 * first column of the first row, as an integer. */
static int64_t raw_sql(const char *loc, const char *sql, int want_int)
{
    int64_t v = 0;
    if (use_pg) {
        PGconn *c = PQconnectdb(loc);
        PGresult *r;
        assert(PQstatus(c) == CONNECTION_OK);
        r = PQexec(c, sql);
        if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
            fprintf(stderr, "%s: %s", sql, PQresultErrorMessage(r));
            abort();
        }
        if (want_int)
            v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        PQclear(r);
        PQfinish(c);
    } else {
        char db[4400];
        sqlite3 *h = NULL;
        sqlite3_stmt *st = NULL;
        snprintf(db, sizeof(db), "%s/gaitscope.db", loc);
        assert(sqlite3_open(db, &h) == SQLITE_OK);
        assert(sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK);
        int r = sqlite3_step(st);
        assert(r == SQLITE_ROW || r == SQLITE_DONE);
        if (want_int)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(h);
    }
    return v;
}

static gs_store *open_store(const char *dir)
{
    gs_store *s = NULL;
    gs_error err;
    gs_status rc = gs_store_open(dir, &s, &err);
    if (rc != GS_OK) {
        fprintf(stderr, "open %s: %s\n", dir, err.msg);
        abort();
    }
    return s;
}

static void digest_of(int k, uint8_t d[GS_STORE_DIGEST_BYTES])
{
    for (int i = 0; i < GS_STORE_DIGEST_BYTES; i++)
        d[i] = (uint8_t)(k * 31 + i * 7 + 1);
}

static const char *SHA_A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char *SHA_B = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void ids_are_22_base64url_and_distinct(void)
{
    gs_store_id a, b;
    gs_store_new_id(a);
    gs_store_new_id(b);
    CHECK_EQ_INT(strlen(a), GS_STORE_ID_LEN);
    CHECK(gs_store_id_valid(a));
    CHECK(gs_store_id_valid(b));
    CHECK(strcmp(a, b) != 0);
    CHECK(!gs_store_id_valid(NULL));
    CHECK(!gs_store_id_valid(""));
    CHECK(!gs_store_id_valid("../../../../etc/passwd"));
    CHECK(!gs_store_id_valid("AAAAAAAAAAAAAAAAAAAAA"));   /* 21 */
    CHECK(!gs_store_id_valid("AAAAAAAAAAAAAAAAAAAAAAA")); /* 23 */
    CHECK(!gs_store_id_valid("AAAAAAAAAA.AAAAAAAAAAA"));
    CHECK(gs_store_id_valid("AZaz09-_AZaz09-_AZaz09"));
}

static void paths_take_only_valid_ids(void)
{
    char buf[256];
    gs_error err;
    CHECK_OK(gs_store_blob_path("/d", "AZaz09-_AZaz09-_AZaz09", buf, sizeof(buf), &e_));
    CHECK(strcmp(buf, "/d/blobs/AZaz09-_AZaz09-_AZaz09") == 0);
    CHECK_OK(gs_store_session_path("/d", "AZaz09-_AZaz09-_AZaz09", buf, sizeof(buf), &e_));
    CHECK(strcmp(buf, "/d/sessions/AZaz09-_AZaz09-_AZaz09") == 0);
    CHECK_OK(gs_store_tmp_path("/d", buf, sizeof(buf), &e_));
    CHECK(strcmp(buf, "/d/tmp") == 0);
    CHECK_RC(gs_store_blob_path("/d", "../x", buf, sizeof(buf), &err), GS_ERR_ARG);
    CHECK_RC(gs_store_session_path("/d", "AAAAAAAAAAAAAAAAAAAA/.", buf, sizeof(buf), &err),
             GS_ERR_ARG);
    CHECK_RC(gs_store_blob_path("/d", "AZaz09-_AZaz09-_AZaz09", buf, 10, &err), GS_ERR_ARG);
}

static void open_creates_schema_and_reopens(void)
{
    char dir[4200], db[4300];
    gs_store *s;
    fresh_store("open", dir, sizeof(dir));
    s = open_store(dir);
    CHECK(strcmp(gs_store_backend(s), use_pg ? "postgresql" : "sqlite") == 0);
    CHECK_EQ_INT(gs_store_schema_version(s), GS_STORE_SCHEMA_VERSION);
    gs_store_close(&s);
    CHECK(s == NULL);
    gs_store_close(&s); /* NULL is a no-op */
    if (!use_pg) {
        snprintf(db, sizeof(db), "%s/gaitscope.db", dir);
        CHECK(gs_path_exists(db));
    }
    s = open_store(dir);
    CHECK_EQ_INT(gs_store_schema_version(s), GS_STORE_SCHEMA_VERSION);
    gs_store_close(&s);
}

static void open_refuses_bad_locations(void)
{
    char dir[4200], db[4300];
    gs_store *s = NULL;
    gs_error err;
    FILE *f;
    CHECK_RC(gs_store_open("/nonexistent/gaitscope/store", &s, &err), GS_ERR_IO);
    CHECK_STR_CONTAINS(err.msg, "does not exist");
    CHECK(s == NULL);
    /* PostgreSQL URIs: a password is refused before connecting, and not repeated; a server
     * that is not there is an I/O error naming the database. */
    CHECK_RC(gs_store_open("postgresql://ann:s3cr3t@localhost/x", &s, &err), GS_ERR_ARG);
    CHECK_STR_CONTAINS(err.msg, "password file");
    CHECK(strstr(err.msg, "s3cr3t") == NULL);
    CHECK_RC(gs_store_open("postgresql:///x?password=s3cr3t", &s, &err), GS_ERR_ARG);
    CHECK_RC(gs_store_open("postgresql://[::1/x", &s, &err), GS_ERR_ARG);
    CHECK_RC(gs_store_open("postgresql:///gsx?host=/nonexistent/socket/dir", &s, &err), GS_ERR_IO);
    CHECK_STR_CONTAINS(err.msg, "PostgreSQL database gsx");
    CHECK_STR_CONTAINS(err.msg, "cannot connect");
    CHECK(s == NULL);
    if (use_pg) {
        /* Another program's database, and one whose schema_version is not ours. */
        fresh_store("otherdb", dir, sizeof(dir));
        raw_sql(dir, "CREATE TABLE t(x int); INSERT INTO t VALUES(1)", 0);
        CHECK_RC(gs_store_open(dir, &s, &err), GS_ERR_FORMAT);
        CHECK_STR_CONTAINS(err.msg, "not a gaitscope database");
        CHECK(s == NULL);
        fresh_store("otherdb2", dir, sizeof(dir));
        raw_sql(dir, "CREATE TABLE schema_version(version int); INSERT INTO schema_version VALUES(1)",
                0);
        CHECK_RC(gs_store_open(dir, &s, &err), GS_ERR_FORMAT);
        CHECK_STR_CONTAINS(err.msg, "not a gaitscope database");
        return;
    }
    /* A file that is not SQLite. */
    fresh_dir("notdb", dir, sizeof(dir));
    snprintf(db, sizeof(db), "%s/gaitscope.db", dir);
    f = fopen(db, "wb");
    assert(f);
    for (int i = 0; i < 200; i++)
        fputs("this is not a database at all. ", f);
    assert(fclose(f) == 0);
    CHECK_RC(gs_store_open(dir, &s, &err), GS_ERR_FORMAT);
    CHECK_STR_CONTAINS(err.msg, "not a gaitscope database");
    CHECK(s == NULL);
    /* Another program's SQLite database. */
    fresh_dir("otherdb", dir, sizeof(dir));
    snprintf(db, sizeof(db), "%s/gaitscope.db", dir);
    {
        sqlite3 *h = NULL;
        assert(sqlite3_open(db, &h) == SQLITE_OK);
        assert(sqlite3_exec(h, "CREATE TABLE t(x); INSERT INTO t VALUES(1);", NULL, NULL, NULL) ==
               SQLITE_OK);
        sqlite3_close(h);
    }
    CHECK_RC(gs_store_open(dir, &s, &err), GS_ERR_FORMAT);
    CHECK_STR_CONTAINS(err.msg, "not a gaitscope database");
}

static void newer_schema_is_refused(void)
{
    char dir[4200];
    gs_store *s;
    gs_error err;
    fresh_store("newer", dir, sizeof(dir));
    s = open_store(dir);
    gs_store_close(&s);
    char sql[100], want[100];
    snprintf(sql, sizeof(sql), "UPDATE schema_version SET version = %d",
             GS_STORE_SCHEMA_VERSION + 1);
    snprintf(want, sizeof(want), "schema version %d is newer than this gaitscope's %d",
             GS_STORE_SCHEMA_VERSION + 1, GS_STORE_SCHEMA_VERSION);
    raw_sql(dir, sql, 0);
    CHECK_RC(gs_store_open(dir, &s, &err), GS_ERR_UNSUPPORTED);
    CHECK_STR_CONTAINS(err.msg, want);
    CHECK_STR_CONTAINS(err.msg, use_pg ? "PostgreSQL database gs_newer" : "gaitscope.db");
    CHECK(s == NULL);
}

/* Accounts, tokens, password change; the store's length limits. */
static void accounts_and_tokens(gs_store *s)
{
    gs_store_id a, b, got;
    gs_store_account acc;
    gs_error err;
    uint8_t t1[32], t2[32], t3[32];
    char longmail[GS_STORE_EMAIL_MAX + 2];

    CHECK_OK(gs_store_account_add(s, "ann@example.org", "$argon2id$v=19$ann", 1000, a, &e_));
    CHECK(gs_store_id_valid(a));
    CHECK_RC(gs_store_account_add(s, "ann@example.org", "$argon2id$x", 1001, b, &err),
             GS_ERR_EXISTS);
    CHECK_STR_CONTAINS(err.msg, "taken");
    memset(longmail, 'm', sizeof(longmail) - 1);
    longmail[sizeof(longmail) - 1] = '\0';
    CHECK_RC(gs_store_account_add(s, longmail, "$argon2id$x", 1001, b, &err), GS_ERR_ARG);
    CHECK_STR_CONTAINS(err.msg, "email");
    CHECK_OK(gs_store_account_add(s, "bob@example.org", "$argon2id$v=19$bob", 1002, b, &e_));

    CHECK_OK(gs_store_account_by_email(s, "ann@example.org", &acc, &e_));
    CHECK(strcmp(acc.id, a) == 0);
    CHECK(strcmp(acc.pwhash, "$argon2id$v=19$ann") == 0);
    CHECK_EQ_INT(acc.created, 1000);
    CHECK_EQ_INT(acc.password_changed, 1000);
    CHECK_RC(gs_store_account_by_email(s, "nobody@example.org", &acc, &err), GS_ERR_NOT_FOUND);
    CHECK_OK(gs_store_account_get(s, b, &acc, &e_));
    CHECK(strcmp(acc.email, "bob@example.org") == 0);
    CHECK_RC(gs_store_account_get(s, "AAAAAAAAAAAAAAAAAAAAAA", &acc, &err), GS_ERR_NOT_FOUND);
    CHECK_RC(gs_store_account_get(s, "bad id", &acc, &err), GS_ERR_NOT_FOUND);

    digest_of(1, t1);
    digest_of(2, t2);
    digest_of(3, t3);
    CHECK_OK(gs_store_token_add(s, a, t1, 1000, 2000, &e_));
    CHECK_OK(gs_store_token_add(s, a, t2, 1000, 5000, &e_));
    CHECK_OK(gs_store_token_add(s, b, t3, 1000, 5000, &e_));
    {
        uint8_t t9[32];
        digest_of(9, t9);
        CHECK_RC(gs_store_token_add(s, "AAAAAAAAAAAAAAAAAAAAAA", t9, 1000, 5000, &err),
                 GS_ERR_NOT_FOUND);
    }
    CHECK_OK(gs_store_token_account(s, t1, 1999, got, &e_));
    CHECK(strcmp(got, a) == 0);
    /* Expiry: valid strictly before expires. */
    CHECK_RC(gs_store_token_account(s, t1, 2000, got, &err), GS_ERR_NOT_FOUND);
    CHECK_OK(gs_store_token_account(s, t3, 1999, got, &e_));
    CHECK(strcmp(got, b) == 0);
    /* Sign-out. */
    CHECK_OK(gs_store_token_delete(s, t3, &e_));
    CHECK_RC(gs_store_token_account(s, t3, 1999, got, &err), GS_ERR_NOT_FOUND);
    CHECK_RC(gs_store_token_delete(s, t3, &err), GS_ERR_NOT_FOUND);
    /* Password change revokes every token of the account, and only of that account. */
    CHECK_OK(gs_store_token_add(s, b, t3, 1000, 5000, &e_));
    CHECK_OK(gs_store_account_set_password(s, a, "$argon2id$v=19$ann2", 3000, &e_));
    CHECK_RC(gs_store_token_account(s, t2, 3001, got, &err), GS_ERR_NOT_FOUND);
    CHECK_OK(gs_store_token_account(s, t3, 3001, got, &e_));
    CHECK_OK(gs_store_account_get(s, a, &acc, &e_));
    CHECK(strcmp(acc.pwhash, "$argon2id$v=19$ann2") == 0);
    CHECK_EQ_INT(acc.password_changed, 3000);
    CHECK_EQ_INT(acc.created, 1000);
    CHECK_RC(gs_store_account_set_password(s, "AAAAAAAAAAAAAAAAAAAAAA", "$x", 3000, &err),
             GS_ERR_NOT_FOUND);
}

typedef struct world {
    gs_store_id ann, bob;
    gs_store_id ath, bob_ath;
    gs_store_id blob, bob_blob;
} world;

static void make_world(gs_store *s, world *w)
{
    CHECK_OK(gs_store_account_add(s, "w-ann@example.org", "$argon2id$a", 10, w->ann, &e_));
    CHECK_OK(gs_store_account_add(s, "w-bob@example.org", "$argon2id$b", 10, w->bob, &e_));
    CHECK_OK(gs_store_athlete_add(s, w->ann, "Zoe Runner", 1.68, 11, w->ath, &e_));
    CHECK_OK(gs_store_athlete_add(s, w->bob, "Bob's athlete", NAN, 11, w->bob_ath, &e_));
    gs_store_new_id(w->blob);
    gs_store_new_id(w->bob_blob);
    CHECK_OK(gs_store_blob_add(s, w->ann, w->blob, SHA_A, 123456, 12, &e_));
    CHECK_OK(gs_store_blob_add(s, w->bob, w->bob_blob, SHA_A, 123456, 12, &e_));
}

static void athletes_blobs_sessions(gs_store *s)
{
    world w;
    gs_store_athlete at, *list = NULL;
    gs_store_blob bl;
    gs_store_session se, *sl = NULL;
    gs_store_job job;
    gs_store_id ath2, sess1, job1, sess2, job2, gone, other;
    size_t n = 0;
    gs_error err;

    make_world(s, &w);
    CHECK_OK(gs_store_athlete_add(s, w.ann, "Adam Walker", NAN, 13, ath2, &e_));
    CHECK_OK(gs_store_athlete_get(s, w.ann, w.ath, &at, &e_));
    CHECK(strcmp(at.name, "Zoe Runner") == 0);
    CHECK_NEAR(at.height_m, 1.68, 1e-12);
    CHECK_EQ_INT(at.created, 11);
    CHECK_OK(gs_store_athlete_get(s, w.ann, ath2, &at, &e_));
    CHECK(isnan(at.height_m));
    CHECK_RC(gs_store_athlete_add(s, w.ann, "", 1.7, 13, ath2, &err), GS_ERR_ARG);
    CHECK_RC(gs_store_athlete_add(s, w.ann, "X", -1.7, 13, ath2, &err), GS_ERR_ARG);
    CHECK_OK(gs_store_athlete_list(s, w.ann, &list, &n, &e_));
    CHECK_EQ_INT(n, 2);
    if (n == 2) { /* by name */
        CHECK(strcmp(list[0].name, "Adam Walker") == 0);
        CHECK(strcmp(list[1].name, "Zoe Runner") == 0);
    }
    free(list);

    /* Blobs: found by the owner's SHA-256 only. */
    CHECK_OK(gs_store_blob_find(s, w.ann, SHA_A, &bl, &e_));
    CHECK(strcmp(bl.id, w.blob) == 0);
    CHECK_EQ_INT(bl.size_bytes, 123456);
    CHECK_EQ_INT(bl.refs, 0);
    CHECK_RC(gs_store_blob_find(s, w.ann, SHA_B, &bl, &err), GS_ERR_NOT_FOUND);
    gs_store_new_id(other);
    CHECK_RC(gs_store_blob_add(s, w.ann, other, SHA_A, 1, 12, &err), GS_ERR_EXISTS);
    CHECK_RC(gs_store_blob_add(s, w.ann, "not-an-id", SHA_B, 1, 12, &err), GS_ERR_ARG);
    CHECK_RC(gs_store_blob_add(s, w.ann, other, "ABC", 1, 12, &err), GS_ERR_ARG);

    /* Sessions: the blob gains a reference per session. */
    CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, "{\"view\":\"side\",\"height\":1.68}",
                                  "first visit", "2026-03-01", 100, sess1, job1, &e_));
    CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, NULL, NULL, NULL, 200, sess2, job2,
                                  &e_));
    CHECK_OK(gs_store_blob_find(s, w.ann, SHA_A, &bl, &e_));
    CHECK_EQ_INT(bl.refs, 2);
    CHECK_RC(gs_store_blob_delete_unused(s, w.ann, w.blob, &err), GS_ERR_EXISTS);
    CHECK_OK(gs_store_session_get(s, w.ann, sess1, &se, &e_));
    CHECK(strcmp(se.athlete, w.ath) == 0);
    CHECK(strcmp(se.blob, w.blob) == 0);
    CHECK(strcmp(se.job, job1) == 0);
    CHECK(strcmp(se.options_json, "{\"view\":\"side\",\"height\":1.68}") == 0);
    CHECK(strcmp(se.notes, "first visit") == 0);
    CHECK(strcmp(se.date, "2026-03-01") == 0);
    CHECK_EQ_INT(se.created, 100);
    CHECK_OK(gs_store_session_get(s, w.ann, sess2, &se, &e_));
    CHECK(strcmp(se.options_json, "{}") == 0);
    CHECK(strcmp(se.date, "") == 0);
    CHECK_RC(gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", "", "2026-02-30", 1, sess2, job2,
                                  &err),
             GS_ERR_ARG);
    CHECK_STR_CONTAINS(err.msg, "date");
    CHECK_RC(gs_store_session_add(s, w.ann, w.ath, w.blob, "[1]", "", "", 1, sess2, job2, &err),
             GS_ERR_ARG);
    {
        char *notes = malloc(GS_STORE_NOTES_MAX + 2);
        memset(notes, 'n', GS_STORE_NOTES_MAX + 1);
        notes[GS_STORE_NOTES_MAX + 1] = '\0';
        CHECK_RC(gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", notes, "", 1, sess2, job2,
                                      &err),
                 GS_ERR_ARG);
        CHECK_STR_CONTAINS(err.msg, "notes");
        notes[GS_STORE_NOTES_MAX] = '\0'; /* exactly the limit: accepted, kept whole */
        {
            gs_store_id s3, j3;
            gs_store_session big;
            gs_store_id g3;
            CHECK_OK(gs_store_session_add(s, w.ann, ath2, w.blob, "{}", notes, "2024-02-29", 50, s3,
                                          j3, &e_));
            CHECK_OK(gs_store_session_get(s, w.ann, s3, &big, &e_));
            CHECK_EQ_INT(strlen(big.notes), GS_STORE_NOTES_MAX);
            CHECK_OK(gs_store_session_delete(s, w.ann, s3, g3, &e_));
            CHECK(g3[0] == '\0'); /* two references remain */
        }
        free(notes);
    }
    CHECK_OK(gs_store_session_list(s, w.ann, w.ath, &sl, &n, &e_));
    CHECK_EQ_INT(n, 2);
    if (n == 2) { /* newest first */
        CHECK(strcmp(sl[0].id, sess2) == 0);
        CHECK(strcmp(sl[1].id, sess1) == 0);
    }
    free(sl);
    CHECK_OK(gs_store_session_list(s, w.ann, ath2, &sl, &n, &e_));
    CHECK_EQ_INT(n, 0);
    CHECK(sl == NULL);

    /* The new job is queued. */
    CHECK_OK(gs_store_job_get(s, w.ann, job1, &job, &e_));
    CHECK_EQ_INT(job.status, GS_STORE_JOB_QUEUED);
    CHECK(strcmp(job.session, sess1) == 0);
    CHECK(strcmp(job.account, w.ann) == 0);
    CHECK_EQ_INT(job.attempts, 0);
    CHECK_EQ_INT(job.created, 100);
    CHECK(strcmp(job.worker, "") == 0);

    /* Delete: job cancelled, one reference less; the last delete gives the blob back. */
    CHECK_OK(gs_store_session_delete(s, w.ann, sess1, gone, &e_));
    CHECK(gone[0] == '\0');
    CHECK_RC(gs_store_session_get(s, w.ann, sess1, &se, &err), GS_ERR_NOT_FOUND);
    CHECK_OK(gs_store_job_get(s, w.ann, job1, &job, &e_));
    CHECK_EQ_INT(job.status, GS_STORE_JOB_CANCELLED);
    CHECK_OK(gs_store_blob_find(s, w.ann, SHA_A, &bl, &e_));
    CHECK_EQ_INT(bl.refs, 1);
    CHECK_OK(gs_store_session_delete(s, w.ann, sess2, gone, &e_));
    CHECK(strcmp(gone, w.blob) == 0);
    CHECK_RC(gs_store_blob_find(s, w.ann, SHA_A, &bl, &err), GS_ERR_NOT_FOUND);
    CHECK_RC(gs_store_session_delete(s, w.ann, sess2, gone, &err), GS_ERR_NOT_FOUND);
    /* Bob's identical file is his own and untouched. */
    CHECK_OK(gs_store_blob_find(s, w.bob, SHA_A, &bl, &e_));
    CHECK(strcmp(bl.id, w.bob_blob) == 0);
    /* An unused blob can be deleted. */
    gs_store_new_id(other);
    CHECK_OK(gs_store_blob_add(s, w.ann, other, SHA_B, 7, 20, &e_));
    CHECK_OK(gs_store_blob_delete_unused(s, w.ann, other, &e_));
    CHECK_RC(gs_store_blob_find(s, w.ann, SHA_B, &bl, &err), GS_ERR_NOT_FOUND);
    {
        gs_store_id *ids = NULL;
        CHECK_OK(gs_store_blob_ids(s, &ids, &n, &e_));
        int has_bob = 0;
        for (size_t i = 0; i < n; i++)
            has_bob |= strcmp(ids[i], w.bob_blob) == 0;
        CHECK(has_bob);
        free(ids);
    }
}

/* Every function that takes an account, given the other account's ids: not found. */
static void other_accounts_ids_are_not_found(gs_store *s)
{
    world w;
    gs_store_id sess, job, share, gone, x;
    gs_store_athlete at;
    gs_store_blob bl;
    gs_store_session se, *sl = NULL;
    gs_store_job jb;
    gs_store_athlete *al = NULL;
    uint8_t d[32];
    size_t n = 99;
    gs_error err;

    make_world(s, &w);
    CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", "", "", 30, sess, job, &e_));
    digest_of(40, d);
    CHECK_OK(gs_store_share_add(s, w.ann, sess, d, 30, 9999, share, &e_));

    CHECK_RC(gs_store_athlete_get(s, w.bob, w.ath, &at, &err), GS_ERR_NOT_FOUND);
    CHECK_OK(gs_store_athlete_list(s, w.bob, &al, &n, &e_));
    CHECK_EQ_INT(n, 1);
    if (n == 1)
        CHECK(strcmp(al[0].id, w.bob_ath) == 0);
    free(al);
    CHECK_RC(gs_store_blob_delete_unused(s, w.bob, w.blob, &err), GS_ERR_NOT_FOUND);
    CHECK_RC(gs_store_session_add(s, w.bob, w.ath, w.bob_blob, "{}", "", "", 31, x, x, &err),
             GS_ERR_NOT_FOUND); /* Ann's athlete */
    CHECK_RC(gs_store_session_add(s, w.bob, w.bob_ath, w.blob, "{}", "", "", 31, x, x, &err),
             GS_ERR_NOT_FOUND); /* Ann's blob */
    CHECK_OK(gs_store_blob_find(s, w.bob, SHA_A, &bl, &e_));
    CHECK_EQ_INT(bl.refs, 0); /* the refused session left no reference behind */
    CHECK_RC(gs_store_session_get(s, w.bob, sess, &se, &err), GS_ERR_NOT_FOUND);
    CHECK_RC(gs_store_session_list(s, w.bob, w.ath, &sl, &n, &err), GS_ERR_NOT_FOUND);
    CHECK_RC(gs_store_session_delete(s, w.bob, sess, gone, &err), GS_ERR_NOT_FOUND);
    CHECK_RC(gs_store_job_get(s, w.bob, job, &jb, &err), GS_ERR_NOT_FOUND);
    CHECK_RC(gs_store_job_cancel(s, w.bob, job, &err), GS_ERR_NOT_FOUND);
    digest_of(41, d);
    CHECK_RC(gs_store_share_add(s, w.bob, sess, d, 30, 9999, x, &err), GS_ERR_NOT_FOUND);
    CHECK_RC(gs_store_share_delete(s, w.bob, share, &err), GS_ERR_NOT_FOUND);
    /* ... and all of it still there for Ann. */
    CHECK_OK(gs_store_session_get(s, w.ann, sess, &se, &e_));
    CHECK_OK(gs_store_job_get(s, w.ann, job, &jb, &e_));
    CHECK_EQ_INT(jb.status, GS_STORE_JOB_QUEUED);
    CHECK_OK(gs_store_job_get(s, NULL, job, &jb, &e_)); /* a worker sees any job */
    CHECK_OK(gs_store_share_delete(s, w.ann, share, &e_));
    CHECK_OK(gs_store_job_cancel(s, w.ann, job, &e_));
}

static void shares_expire_and_go_with_their_session(gs_store *s)
{
    world w;
    gs_store_id sess, job, share, acc, gone;
    gs_store_session se;
    uint8_t d1[32], d2[32];
    gs_error err;

    make_world(s, &w);
    CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, "{\"view\":\"rear\"}", "n", "", 40,
                                  sess, job, &e_));
    digest_of(50, d1);
    digest_of(51, d2);
    CHECK_OK(gs_store_share_add(s, w.ann, sess, d1, 40, 1040, share, &e_));
    CHECK(gs_store_id_valid(share));
    CHECK_OK(gs_store_share_add(s, w.ann, sess, d2, 40, 5000, NULL, &e_));
    CHECK_OK(gs_store_share_session(s, d1, 1039, acc, &se, &e_));
    CHECK(strcmp(acc, w.ann) == 0);
    CHECK(strcmp(se.id, sess) == 0);
    CHECK(strcmp(se.options_json, "{\"view\":\"rear\"}") == 0);
    CHECK_RC(gs_store_share_session(s, d1, 1040, acc, &se, &err), GS_ERR_NOT_FOUND); /* expired */
    CHECK_OK(gs_store_share_delete(s, w.ann, share, &e_));
    CHECK_RC(gs_store_share_delete(s, w.ann, share, &err), GS_ERR_NOT_FOUND);
    CHECK_OK(gs_store_share_session(s, d2, 1039, acc, &se, &e_));
    CHECK_OK(gs_store_session_delete(s, w.ann, sess, gone, &e_));
    CHECK(strcmp(gone, w.blob) == 0);
    CHECK_RC(gs_store_share_session(s, d2, 1039, acc, &se, &err), GS_ERR_NOT_FOUND);
}

/* Schema 2: the NKT record of a session (written, replaced, read; another account's session is
 * not found; it goes with its session) and the list of a session's shares. */
static void nkt_records_and_share_list(gs_store *s)
{
    world w;
    gs_store_id sess, job, sh1, sh2, gone;
    gs_store_nkt rec, got;
    gs_store_share *list = NULL;
    size_t n = 99;
    uint8_t d[32];
    gs_error err;

    make_world(s, &w);
    CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", "", "", 60, sess, job, &e_));
    CHECK_RC(gs_store_nkt_get(s, w.ann, sess, &got, &err), GS_ERR_NOT_FOUND); /* none yet */
    memset(&rec, 0, sizeof(rec));
    snprintf(rec.tests, sizeof(rec.tests), "gluteus medius left: inhibited");
    snprintf(rec.facilitators, sizeof(rec.facilitators), "TFL left; scar abdomen");
    snprintf(rec.released, sizeof(rec.released), "TFL left");
    snprintf(rec.activated, sizeof(rec.activated), "gluteus medius left");
    snprintf(rec.homework, sizeof(rec.homework), "side-lying abduction 2x15 daily");
    CHECK_OK(gs_store_nkt_set(s, w.ann, sess, &rec, 61, &e_));
    CHECK_OK(gs_store_nkt_get(s, w.ann, sess, &got, &e_));
    CHECK(strcmp(got.tests, "gluteus medius left: inhibited") == 0);
    CHECK(strcmp(got.facilitators, "TFL left; scar abdomen") == 0);
    CHECK(strcmp(got.homework, "side-lying abduction 2x15 daily") == 0);
    CHECK_EQ_INT(got.updated, 61);
    /* replaced, not added */
    snprintf(rec.homework, sizeof(rec.homework), "walk 20 min");
    rec.released[0] = '\0';
    CHECK_OK(gs_store_nkt_set(s, w.ann, sess, &rec, 62, &e_));
    CHECK_OK(gs_store_nkt_get(s, w.ann, sess, &got, &e_));
    CHECK(strcmp(got.homework, "walk 20 min") == 0);
    CHECK(strcmp(got.released, "") == 0);
    CHECK_EQ_INT(got.updated, 62);
    /* another account: neither read nor written */
    CHECK_RC(gs_store_nkt_get(s, w.bob, sess, &got, &err), GS_ERR_NOT_FOUND);
    CHECK_RC(gs_store_nkt_set(s, w.bob, sess, &rec, 63, &err), GS_ERR_NOT_FOUND);
    CHECK_OK(gs_store_nkt_get(s, w.ann, sess, &got, &e_));
    CHECK_EQ_INT(got.updated, 62);
    /* a field over the bound */
    memset(rec.tests, 'x', GS_STORE_NKT_TEXT_MAX);
    rec.tests[GS_STORE_NKT_TEXT_MAX] = '\0';
    CHECK_OK(gs_store_nkt_set(s, w.ann, sess, &rec, 64, &e_)); /* exactly the bound */

    /* shares listed newest first, only to their owner */
    CHECK_OK(gs_store_share_list(s, w.ann, sess, &list, &n, &e_));
    CHECK_EQ_INT(n, 0);
    CHECK(list == NULL);
    digest_of(70, d);
    CHECK_OK(gs_store_share_add(s, w.ann, sess, d, 70, 1000, sh1, &e_));
    digest_of(71, d);
    CHECK_OK(gs_store_share_add(s, w.ann, sess, d, 80, 2000, sh2, &e_));
    CHECK_OK(gs_store_share_list(s, w.ann, sess, &list, &n, &e_));
    CHECK_EQ_INT(n, 2);
    if (n == 2) {
        CHECK(strcmp(list[0].id, sh2) == 0);
        CHECK_EQ_INT(list[0].created, 80);
        CHECK_EQ_INT(list[0].expires, 2000);
        CHECK(strcmp(list[1].id, sh1) == 0);
    }
    free(list);
    list = NULL;
    CHECK_RC(gs_store_share_list(s, w.bob, sess, &list, &n, &err), GS_ERR_NOT_FOUND);
    CHECK(list == NULL && n == 0);
    CHECK_OK(gs_store_share_delete(s, w.ann, sh1, &e_));
    CHECK_OK(gs_store_share_list(s, w.ann, sess, &list, &n, &e_));
    CHECK_EQ_INT(n, 1);
    free(list);
    list = NULL;

    /* the record goes with its session */
    CHECK_OK(gs_store_session_delete(s, w.ann, sess, gone, &e_));
    CHECK_RC(gs_store_nkt_get(s, w.ann, sess, &got, &err), GS_ERR_NOT_FOUND);
    CHECK_RC(gs_store_nkt_set(s, w.ann, sess, &rec, 65, &err), GS_ERR_NOT_FOUND);
    CHECK_RC(gs_store_share_list(s, w.ann, sess, &list, &n, &err), GS_ERR_NOT_FOUND);
}

/* Takes a schema-3 store back to schema 2 (what migration 3 added goes), for the migration
 * tests; one statement per call (raw_sql). */
/* Makes a schema-4 database (job kinds, comparisons) a schema-3 one again. */
static void undo_schema_4(const char *dir)
{
    raw_sql(dir, "DROP TABLE comparisons", 0);
    raw_sql(dir, "ALTER TABLE jobs DROP COLUMN kind", 0);
    raw_sql(dir, "UPDATE schema_version SET version = 3", 0);
}

static void undo_schema_3(const char *dir)
{
    static const char *const sql[] = {
        "DROP TABLE access_log", "DROP TABLE invites", "DROP INDEX accounts_by_clinic",
        "ALTER TABLE accounts DROP COLUMN clinic", "ALTER TABLE accounts DROP COLUMN role",
        "ALTER TABLE accounts DROP COLUMN retention_days",
        "ALTER TABLE sessions DROP COLUMN video_deleted",
        "UPDATE schema_version SET version = 2"};
    for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
        raw_sql(dir, sql[i], 0);
}

/* A schema-2 database (accounts of one user each, sessions) is brought to schema 3 at open:
 * every account is its own owner, with retention off; its records kept. */
static void schema_2_is_migrated(void)
{
    char dir[4200];
    gs_store *s;
    world w;
    gs_store_id sess, job, t;
    gs_store_account a;
    gs_store_session se;
    gs_store_access *log = NULL;
    size_t n = 9;
    uint8_t d[32];
    fresh_store("migrate2", dir, sizeof(dir));
    s = open_store(dir);
    make_world(s, &w);
    CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, NULL, "n", "2026-01-02", 20, sess,
                                  job, &e_));
    digest_of(7, d);
    CHECK_OK(gs_store_token_add(s, w.ann, d, 20, 5000, &e_));
    gs_store_close(&s);
    undo_schema_4(dir);
    undo_schema_3(dir);
    CHECK_EQ_INT(raw_sql(dir, "SELECT version FROM schema_version", 1), 2);
    s = open_store(dir);
    CHECK_EQ_INT(gs_store_schema_version(s), GS_STORE_SCHEMA_VERSION);
    CHECK_OK(gs_store_account_get(s, w.ann, &a, &e_));
    CHECK(strcmp(a.email, "w-ann@example.org") == 0);
    CHECK(strcmp(a.account, w.ann) == 0);
    CHECK_EQ_INT(a.role, GS_STORE_ROLE_OWNER);
    CHECK_EQ_INT(a.retention_days, 0);
    CHECK_OK(gs_store_token_account(s, d, 100, t, &e_));
    CHECK(strcmp(t, w.ann) == 0);
    CHECK_OK(gs_store_session_get(s, w.ann, sess, &se, &e_));
    CHECK_EQ_INT(se.video_deleted, 0);
    CHECK(strcmp(se.notes, "n") == 0);
    CHECK_OK(gs_store_access_list(s, w.ann, 10, 0, &log, &n, &e_));
    CHECK_EQ_INT(n, 0);
    free(log);
    gs_store_close(&s);
}

/* A schema-1 database is brought to schema 3 at open, its records kept. */
static void schema_1_is_migrated(void)
{
    char dir[4200];
    gs_store *s;
    gs_store_id acc;
    gs_store_account a;
    gs_store_nkt got;
    gs_error err;
    fresh_store("migrate1", dir, sizeof(dir));
    s = open_store(dir);
    CHECK_OK(gs_store_account_add(s, "m@example.org", "$argon2id$m", 10, acc, &e_));
    gs_store_close(&s);
    undo_schema_4(dir);
    undo_schema_3(dir);
    raw_sql(dir, "DROP TABLE nkt_records", 0);
    raw_sql(dir, "UPDATE schema_version SET version = 1", 0);
    s = open_store(dir);
    CHECK_EQ_INT(gs_store_schema_version(s), GS_STORE_SCHEMA_VERSION);
    CHECK_OK(gs_store_account_get(s, acc, &a, &e_));
    CHECK(strcmp(a.email, "m@example.org") == 0);
    CHECK_RC(gs_store_nkt_get(s, acc, "AAAAAAAAAAAAAAAAAAAAAA", &got, &err), GS_ERR_NOT_FOUND);
    gs_store_close(&s);
}

/* Users of an account: invitations (single use, expiry, one per address), therapists work on
 * the owner's records, password resets revoke at once, removal; other accounts see nothing. */
static void clinic_users_and_invitations(gs_store *s)
{
    gs_store_id own, other, ther, ther2, inv_id, got, t;
    gs_store_account a, *users = NULL;
    gs_store_invite v, *invs = NULL;
    size_t n = 0;
    uint8_t d1[32], d2[32], d3[32], d4[32], tk[32];
    gs_error err;
    CHECK_OK(gs_store_account_add(s, "owner@example.org", "$argon2id$o", 100, own, &e_));
    CHECK_OK(gs_store_account_add(s, "other@example.org", "$argon2id$x", 100, other, &e_));
    CHECK_OK(gs_store_account_get(s, own, &a, &e_));
    CHECK(strcmp(a.account, own) == 0);
    CHECK_EQ_INT(a.role, GS_STORE_ROLE_OWNER);
    digest_of(21, d1);
    digest_of(22, d2);
    digest_of(23, d3);
    digest_of(24, d4);
    /* an e-mail that is a user already (of any account) cannot be invited */
    CHECK_RC(gs_store_invite_add(s, own, "other@example.org", NULL, d1, 200, 900, inv_id, &err),
             GS_ERR_EXISTS);
    CHECK_RC(gs_store_invite_add(s, own, "t@example.org", NULL, d1, 200, 200, inv_id, &err),
             GS_ERR_ARG);
    /* a second invitation of one address replaces the first */
    CHECK_OK(gs_store_invite_add(s, own, "t@example.org", NULL, d1, 200, 900, inv_id, &e_));
    CHECK_OK(gs_store_invite_add(s, own, "t@example.org", NULL, d2, 201, 900, inv_id, &e_));
    CHECK_RC(gs_store_invite_get(s, d1, 300, &v, &err), GS_ERR_NOT_FOUND);
    CHECK_OK(gs_store_invite_get(s, d2, 300, &v, &e_));
    CHECK(strcmp(v.email, "t@example.org") == 0 && strcmp(v.account, own) == 0 && !v.user[0]);
    CHECK_RC(gs_store_invite_get(s, d2, 900, &v, &err), GS_ERR_NOT_FOUND); /* expired */
    CHECK_RC(gs_store_invite_accept(s, d2, 900, "$argon2id$t", ther, &err), GS_ERR_NOT_FOUND);
    CHECK_OK(gs_store_invite_list(s, own, &invs, &n, &e_));
    CHECK_EQ_INT(n, 1);
    free(invs);
    CHECK_OK(gs_store_invite_list(s, other, &invs, &n, &e_));
    CHECK_EQ_INT(n, 0);
    free(invs);
    CHECK_RC(gs_store_invite_delete(s, other, inv_id, &err), GS_ERR_NOT_FOUND);
    CHECK_OK(gs_store_invite_accept(s, d2, 300, "$argon2id$t", ther, &e_));
    CHECK_RC(gs_store_invite_accept(s, d2, 301, "$argon2id$t", got, &err), GS_ERR_NOT_FOUND);
    CHECK_OK(gs_store_account_get(s, ther, &a, &e_));
    CHECK(strcmp(a.account, own) == 0 && strcmp(a.email, "t@example.org") == 0);
    CHECK_EQ_INT(a.role, GS_STORE_ROLE_THERAPIST);
    CHECK_OK(gs_store_account_by_email(s, "t@example.org", &a, &e_));
    CHECK(strcmp(a.id, ther) == 0 && strcmp(a.pwhash, "$argon2id$t") == 0);
    /* a second therapist; the list: owner first, hashes left out */
    CHECK_OK(gs_store_invite_add(s, own, "u@example.org", NULL, d3, 400, 900, inv_id, &e_));
    CHECK_OK(gs_store_invite_accept(s, d3, 401, "$argon2id$u", ther2, &e_));
    CHECK_OK(gs_store_user_list(s, own, &users, &n, &e_));
    CHECK_EQ_INT(n, 3);
    if (n == 3) {
        CHECK(strcmp(users[0].id, own) == 0 && strcmp(users[1].id, ther) == 0 &&
              strcmp(users[2].id, ther2) == 0);
        CHECK(users[1].pwhash[0] == '\0');
    }
    free(users);
    CHECK_OK(gs_store_user_list(s, other, &users, &n, &e_));
    CHECK_EQ_INT(n, 1);
    free(users);
    /* a reset: password and tokens stop at once; the link sets the new password */
    CHECK_OK(gs_store_token_add(s, ther, d4, 500, 5000, &e_));
    CHECK_OK(gs_store_token_account(s, d4, 501, t, &e_));
    CHECK(strcmp(t, ther) == 0);
    CHECK_RC(gs_store_invite_add(s, other, NULL, ther, d1, 600, 900, inv_id, &err),
             GS_ERR_NOT_FOUND); /* another account's user */
    CHECK_RC(gs_store_invite_add(s, own, NULL, own, d1, 600, 900, inv_id, &err),
             GS_ERR_NOT_FOUND); /* the owner is no therapist */
    CHECK_OK(gs_store_invite_add(s, own, NULL, ther, d1, 600, 900, inv_id, &e_));
    CHECK_RC(gs_store_token_account(s, d4, 601, t, &err), GS_ERR_NOT_FOUND);
    CHECK_OK(gs_store_account_get(s, ther, &a, &e_));
    CHECK(a.pwhash[0] == '\0');
    CHECK_OK(gs_store_invite_get(s, d1, 601, &v, &e_));
    CHECK(strcmp(v.user, ther) == 0 && strcmp(v.email, "t@example.org") == 0);
    digest_of(25, tk);
    CHECK_OK(gs_store_invite_add(s, own, NULL, ther, tk, 602, 900, inv_id, &e_));
    CHECK_RC(gs_store_invite_get(s, d1, 603, &v, &err), GS_ERR_NOT_FOUND); /* replaced */
    CHECK_OK(gs_store_invite_accept(s, tk, 603, "$argon2id$t2", got, &e_));
    CHECK(strcmp(got, ther) == 0);
    CHECK_OK(gs_store_account_get(s, ther, &a, &e_));
    CHECK(strcmp(a.pwhash, "$argon2id$t2") == 0);
    CHECK_EQ_INT(a.password_changed, 603);
    /* removal: only a therapist, only by its own account; its tokens go */
    CHECK_RC(gs_store_user_delete(s, own, own, &err), GS_ERR_ARG);
    CHECK_RC(gs_store_user_delete(s, other, ther2, &err), GS_ERR_NOT_FOUND);
    CHECK_OK(gs_store_token_add(s, ther2, d4, 700, 5000, &e_));
    CHECK_OK(gs_store_user_delete(s, own, ther2, &e_));
    CHECK_RC(gs_store_token_account(s, d4, 701, t, &err), GS_ERR_NOT_FOUND);
    CHECK_RC(gs_store_account_get(s, ther2, &a, &err), GS_ERR_NOT_FOUND);
    CHECK_RC(gs_store_user_delete(s, own, ther2, &err), GS_ERR_NOT_FOUND);
    /* retention is the owner row's */
    CHECK_OK(gs_store_account_set_retention(s, own, 30, &e_));
    CHECK_RC(gs_store_account_set_retention(s, ther, 30, &err), GS_ERR_NOT_FOUND);
    CHECK_RC(gs_store_account_set_retention(s, own, 3651, &err), GS_ERR_ARG);
    CHECK_OK(gs_store_account_get(s, own, &a, &e_));
    CHECK_EQ_INT(a.retention_days, 30);
}

/* Deleting an athlete (only once its sessions are gone) and an account (everything, its users'
 * tokens too); retention marks videos deleted and retires the upload with its last session;
 * the access log keeps entries with names joined while they exist. */
static void deletes_retention_and_access_log(gs_store *s)
{
    world w;
    gs_store_id s1, j1, s2, j2, s3, j3, gone, ther, inv, t;
    gs_store_job job;
    gs_store_session se;
    gs_store_blob bl;
    gs_store_purge *due = NULL;
    gs_store_access *log = NULL;
    gs_store_id *blobs = NULL;
    gs_store_account a;
    gs_store_athlete at;
    size_t n = 0;
    uint8_t d1[32], d2[32];
    gs_error err;
    make_world(s, &w);
    digest_of(31, d1);
    digest_of(32, d2);
    CHECK_OK(gs_store_invite_add(s, w.ann, "w-t@example.org", NULL, d1, 10, 900, inv, &e_));
    CHECK_OK(gs_store_invite_accept(s, d1, 11, "$argon2id$t", ther, &e_));
    CHECK_OK(gs_store_token_add(s, ther, d2, 12, 5000, &e_));
    /* two sessions on one upload (days 1 and 5), one on another */
    CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, NULL, "", NULL, 86400, s1, j1, &e_));
    CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, NULL, "", NULL, 5 * 86400, s2, j2,
                                  &e_));
    CHECK_OK(gs_store_session_add(s, w.bob, w.bob_ath, w.bob_blob, NULL, "", NULL, 86400, s3, j3,
                                  &e_));
    /* retention off: nothing due however late */
    CHECK_OK(gs_store_retention_due(s, 1000 * 86400, 10, &due, &n, &e_));
    CHECK_EQ_INT(n, 0);
    free(due);
    CHECK_OK(gs_store_account_set_retention(s, w.ann, 3, &e_));
    CHECK_OK(gs_store_account_set_retention(s, w.bob, 3, &e_));
    /* queued or running jobs are not due */
    CHECK_OK(gs_store_retention_due(s, 100 * 86400, 10, &due, &n, &e_));
    CHECK_EQ_INT(n, 0);
    free(due);
    for (int k = 0; k < 3; k++) {
        CHECK_OK(gs_store_job_claim(s, "h:1", 6 * 86400, 60, 3, &job, &e_));
        CHECK_OK(gs_store_job_finish(s, job.id, "h:1", GS_STORE_JOB_DONE, NULL, 6 * 86400, &e_));
    }
    /* day 4: ann's first session (day 1 + 3) and bob's are due, ann's second not yet */
    CHECK_OK(gs_store_retention_due(s, 4 * 86400, 10, &due, &n, &e_));
    CHECK_EQ_INT(n, 2);
    for (size_t i = 0; i < n; i++)
        CHECK(!strcmp(due[i].session, s1) || !strcmp(due[i].session, s3));
    free(due);
    CHECK_OK(gs_store_retention_due(s, 4 * 86400, 1, &due, &n, &e_));
    CHECK_EQ_INT(n, 1);
    free(due);
    CHECK_RC(gs_store_session_video_deleted(s, w.bob, s1, 4 * 86400, gone, &err),
             GS_ERR_NOT_FOUND);
    CHECK_OK(gs_store_session_video_deleted(s, w.ann, s1, 4 * 86400, gone, &e_));
    CHECK(gone[0] == '\0'); /* s2 still keeps the upload's video */
    CHECK_OK(gs_store_session_get(s, w.ann, s1, &se, &e_));
    CHECK_EQ_INT(se.video_deleted, 4 * 86400);
    CHECK_OK(gs_store_blob_find(s, w.ann, SHA_A, &bl, &e_));
    CHECK_OK(gs_store_retention_due(s, 9 * 86400, 10, &due, &n, &e_));
    CHECK_EQ_INT(n, 2); /* s2 and bob's s3; s1 is done */
    free(due);
    CHECK_OK(gs_store_session_video_deleted(s, w.ann, s2, 9 * 86400, gone, &e_));
    CHECK(strcmp(gone, w.blob) == 0);
    CHECK_RC(gs_store_blob_find(s, w.ann, SHA_A, &bl, &err), GS_ERR_NOT_FOUND);
    CHECK_OK(gs_store_blob_find(s, w.bob, SHA_A, &bl, &e_)); /* bob's is his own */
    CHECK_OK(gs_store_session_video_deleted(s, w.ann, s2, 9 * 86400, gone, &e_));
    CHECK(gone[0] == '\0'); /* once only */

    /* the access log: a user's and a share visitor's entries, newest first, names joined */
    CHECK_OK(gs_store_access_add(s, w.ann, ther, w.ath, s1, "session page", "10.0.0.1", 50, &e_));
    CHECK_OK(gs_store_access_add(s, w.ann, NULL, w.ath, s1, "share page", "10.0.0.2", 60, &e_));
    CHECK_OK(gs_store_access_add(s, w.ann, w.ann, w.ath, NULL, "athlete page", "::1", 60, &e_));
    CHECK_RC(gs_store_access_add(s, w.ann, ther, "bad", s1, "x", "::1", 60, &err),
             GS_ERR_NOT_FOUND);
    CHECK_OK(gs_store_access_list(s, w.ann, 10, 0, &log, &n, &e_));
    CHECK_EQ_INT(n, 3);
    if (n == 3) {
        CHECK(!strcmp(log[0].what, "athlete page") && !strcmp(log[0].email, "w-ann@example.org"));
        CHECK(!strcmp(log[1].what, "share page") && !log[1].user[0] && !log[1].email[0]);
        CHECK(!strcmp(log[2].email, "w-t@example.org") && !strcmp(log[2].addr, "10.0.0.1") &&
              !strcmp(log[2].session, s1) && !strcmp(log[2].athlete_name, "Zoe Runner") &&
              log[2].at == 50);
    }
    free(log);
    CHECK_OK(gs_store_access_list(s, w.ann, 2, 2, &log, &n, &e_));
    CHECK_EQ_INT(n, 1);
    free(log);
    CHECK_OK(gs_store_access_list(s, w.bob, 10, 0, &log, &n, &e_));
    CHECK_EQ_INT(n, 0);
    free(log);

    /* an athlete goes only without sessions, and only by its own account */
    CHECK_RC(gs_store_athlete_delete(s, w.ann, w.ath, &err), GS_ERR_EXISTS);
    CHECK_RC(gs_store_athlete_delete(s, w.bob, w.ath, &err), GS_ERR_NOT_FOUND);
    CHECK_OK(gs_store_session_delete(s, w.ann, s1, gone, &e_));
    CHECK_OK(gs_store_session_delete(s, w.ann, s2, gone, &e_));
    CHECK_OK(gs_store_athlete_delete(s, w.ann, w.ath, &e_));
    CHECK_RC(gs_store_athlete_get(s, w.ann, w.ath, &at, &err), GS_ERR_NOT_FOUND);
    CHECK_OK(gs_store_access_list(s, w.ann, 10, 0, &log, &n, &e_));
    CHECK_EQ_INT(n, 3); /* the audit trail stays, without the name */
    if (n == 3)
        CHECK(log[2].athlete_name[0] == '\0' && !strcmp(log[2].athlete, w.ath));
    free(log);
    /* pruned: the entries before a time, the first written first, at most max a call */
    {
        size_t removed = 9;
        CHECK_OK(gs_store_access_add(s, w.ann, w.ann, w.ath, NULL, "athlete page", "::1", 55, &e_));
        CHECK_OK(gs_store_access_prune(s, 60, 1, &removed, &e_));
        CHECK_EQ_INT(removed, 1);
        CHECK_OK(gs_store_access_list(s, w.ann, 10, 0, &log, &n, &e_));
        CHECK(n == 3 && log[2].at == 55); /* the first written (50) went first */
        free(log);
        CHECK_OK(gs_store_access_prune(s, 60, 10, &removed, &e_));
        CHECK_EQ_INT(removed, 1); /* 55; the two at 60 stay */
        CHECK_OK(gs_store_access_prune(s, 60, 10, &removed, &e_));
        CHECK_EQ_INT(removed, 0);
        CHECK_OK(gs_store_access_list(s, w.ann, 10, 0, &log, &n, &e_));
        CHECK(n == 2 && log[0].at == 60 && log[1].at == 60);
        free(log);
    }

    /* the account: everything of it goes (bob's stays), its users' tokens die */
    CHECK_RC(gs_store_account_delete(s, ther, &blobs, &n, &err), GS_ERR_NOT_FOUND);
    CHECK_OK(gs_store_account_delete(s, w.ann, &blobs, &n, &e_));
    CHECK_EQ_INT(n, 0); /* the last session took ann's upload record with it */
    free(blobs);
    CHECK_RC(gs_store_account_get(s, w.ann, &a, &err), GS_ERR_NOT_FOUND);
    CHECK_RC(gs_store_account_get(s, ther, &a, &err), GS_ERR_NOT_FOUND);
    CHECK_RC(gs_store_account_by_email(s, "w-t@example.org", &a, &err), GS_ERR_NOT_FOUND);
    CHECK_RC(gs_store_token_account(s, d2, 100, t, &err), GS_ERR_NOT_FOUND);
    CHECK_OK(gs_store_access_list(s, w.ann, 10, 0, &log, &n, &e_));
    CHECK_EQ_INT(n, 0);
    free(log);
    CHECK_OK(gs_store_session_get(s, w.bob, s3, &se, &e_));
    /* an unused upload record goes with its account and is named for its file */
    gs_store_id b2;
    gs_store_new_id(b2);
    CHECK_OK(gs_store_blob_add(s, w.bob, b2, SHA_B, 5, 12, &e_));
    CHECK_OK(gs_store_session_delete(s, w.bob, s3, gone, &e_));
    CHECK_OK(gs_store_account_delete(s, w.bob, &blobs, &n, &e_));
    CHECK_EQ_INT(n, 1);
    if (n == 1)
        CHECK(strcmp(blobs[0], b2) == 0);
    free(blobs);
}

/* A schema-3 database (sessions, jobs, NKT records) is brought to schema 4 at open: its jobs
 * are analyses, its records kept, and comparisons can be added. */
static void schema_3_is_migrated(void)
{
    char dir[4200];
    gs_store *s;
    world w;
    gs_store_id s1, j1, s2, j2, cmp, cj;
    gs_store_job job;
    gs_store_nkt rec, got;
    fresh_store("migrate3", dir, sizeof(dir));
    s = open_store(dir);
    make_world(s, &w);
    CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, "{\"height\": 1.7}", "n", "", 20, s1,
                                  j1, &e_));
    CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", "", "", 21, s2, j2, &e_));
    memset(&rec, 0, sizeof(rec));
    snprintf(rec.homework, sizeof(rec.homework), "hops");
    CHECK_OK(gs_store_nkt_set(s, w.ann, s1, &rec, 22, &e_));
    gs_store_close(&s);
    undo_schema_4(dir);
    CHECK_EQ_INT(raw_sql(dir, "SELECT version FROM schema_version", 1), 3);
    s = open_store(dir);
    CHECK_EQ_INT(gs_store_schema_version(s), GS_STORE_SCHEMA_VERSION);
    CHECK_OK(gs_store_job_get(s, w.ann, j1, &job, &e_));
    CHECK_EQ_INT(job.kind, GS_STORE_JOB_KIND_ANALYSIS);
    CHECK(strcmp(job.session, s1) == 0);
    CHECK_OK(gs_store_nkt_get(s, w.ann, s1, &got, &e_));
    CHECK(strcmp(got.homework, "hops") == 0);
    CHECK_OK(gs_store_comparison_add(s, w.ann, s1, s2, NULL, 30, cmp, cj, &e_));
    CHECK_OK(gs_store_job_get(s, w.ann, cj, &job, &e_));
    CHECK_EQ_INT(job.kind, GS_STORE_JOB_KIND_COMPARE);
    CHECK(strcmp(job.session, cmp) == 0);
    gs_store_close(&s);
}

/* Schema 3: a re-run queues a new analysis job on the same session (the old one, still queued,
 * is cancelled; the options change); comparisons of two sessions of one athlete, their compare
 * jobs, lists by athlete and by session, other accounts never see them, and they go with either
 * session. */
static void reruns_and_comparisons(gs_store *s)
{
    world w;
    gs_store_id s1, j1, s2, j2, s3, j3, bs, bj, j1b, c1, cj1, c2, cj2, gone;
    gs_store_job job;
    gs_store_session se;
    gs_store_comparison c, *list = NULL;
    size_t n = 99;
    gs_error err;

    make_world(s, &w);
    CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, "{\"height\": 1.7}", "", "2026-01-02",
                                  40, s1, j1, &e_));
    CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", "", "2026-02-03", 41, s2, j2,
                                  &e_));
    CHECK_OK(gs_store_athlete_add(s, w.ann, "Other athlete", NAN, 42, se.athlete, &e_));
    CHECK_OK(gs_store_session_add(s, w.ann, se.athlete, w.blob, "{}", "", "", 43, s3, j3, &e_));
    CHECK_OK(gs_store_session_add(s, w.bob, w.bob_ath, w.bob_blob, "{}", "", "", 44, bs, bj, &e_));

    /* re-run: a new queued analysis job, the old one cancelled, the options replaced */
    CHECK_OK(gs_store_session_rerun(s, w.ann, s1, "{\"height\": 1.9, \"view\": \"side-left\"}",
                                    50, j1b, &e_));
    CHECK(strcmp(j1b, j1) != 0);
    CHECK_OK(gs_store_session_get(s, w.ann, s1, &se, &e_));
    CHECK(strcmp(se.job, j1b) == 0);
    CHECK(strcmp(se.options_json, "{\"height\": 1.9, \"view\": \"side-left\"}") == 0);
    CHECK_OK(gs_store_job_get(s, w.ann, j1, &job, &e_));
    CHECK_EQ_INT(job.status, GS_STORE_JOB_CANCELLED);
    CHECK_OK(gs_store_job_get(s, w.ann, j1b, &job, &e_));
    CHECK_EQ_INT(job.status, GS_STORE_JOB_QUEUED);
    CHECK_EQ_INT(job.kind, GS_STORE_JOB_KIND_ANALYSIS);
    CHECK(strcmp(job.session, s1) == 0);
    CHECK_RC(gs_store_session_rerun(s, w.bob, s1, "{}", 51, NULL, &err), GS_ERR_NOT_FOUND);
    CHECK_RC(gs_store_session_rerun(s, w.ann, s1, "[1]", 51, NULL, &err), GS_ERR_ARG);
    CHECK_OK(gs_store_session_get(s, w.ann, s1, &se, &e_));
    CHECK(strcmp(se.job, j1b) == 0); /* the refused calls changed nothing */

    /* comparisons */
    CHECK_OK(gs_store_comparison_add(s, w.ann, s1, s2, "{\"force\": true}", 60, c1, cj1, &e_));
    CHECK_OK(gs_store_comparison_get(s, w.ann, c1, &c, &e_));
    CHECK(strcmp(c.before, s1) == 0 && strcmp(c.after, s2) == 0);
    CHECK(strcmp(c.athlete, w.ath) == 0 && strcmp(c.job, cj1) == 0);
    CHECK(strcmp(c.options_json, "{\"force\": true}") == 0);
    CHECK_EQ_INT(c.created, 60);
    CHECK_OK(gs_store_job_get(s, w.ann, cj1, &job, &e_));
    CHECK_EQ_INT(job.kind, GS_STORE_JOB_KIND_COMPARE);
    CHECK_EQ_INT(job.status, GS_STORE_JOB_QUEUED);
    CHECK(strcmp(job.session, c1) == 0);
    CHECK_OK(gs_store_comparison_add(s, w.ann, s2, s1, NULL, 61, c2, cj2, &e_));
    CHECK_OK(gs_store_comparison_get(s, w.ann, c2, &c, &e_));
    CHECK(strcmp(c.options_json, "{}") == 0);
    /* refused: the same session twice, two athletes, another account's session */
    CHECK_RC(gs_store_comparison_add(s, w.ann, s1, s1, NULL, 62, NULL, NULL, &err), GS_ERR_ARG);
    CHECK_RC(gs_store_comparison_add(s, w.ann, s1, s3, NULL, 62, NULL, NULL, &err), GS_ERR_ARG);
    CHECK_STR_CONTAINS(err.msg, "two athletes");
    CHECK_RC(gs_store_comparison_add(s, w.ann, s1, bs, NULL, 62, NULL, NULL, &err),
             GS_ERR_NOT_FOUND);
    CHECK_RC(gs_store_comparison_add(s, w.bob, s1, s2, NULL, 62, NULL, NULL, &err),
             GS_ERR_NOT_FOUND);
    /* lists, newest first */
    CHECK_OK(gs_store_comparison_list(s, w.ann, w.ath, NULL, &list, &n, &e_));
    CHECK_EQ_INT(n, 2);
    if (n == 2)
        CHECK(strcmp(list[0].id, c2) == 0 && strcmp(list[1].id, c1) == 0);
    free(list);
    list = NULL;
    CHECK_OK(gs_store_comparison_list(s, w.ann, NULL, s2, &list, &n, &e_));
    CHECK_EQ_INT(n, 2);
    free(list);
    list = NULL;
    CHECK_OK(gs_store_comparison_list(s, w.ann, NULL, s3, &list, &n, &e_));
    CHECK_EQ_INT(n, 0);
    CHECK(list == NULL);
    CHECK_RC(gs_store_comparison_list(s, w.ann, w.ath, s1, &list, &n, &err), GS_ERR_ARG);
    /* another account sees none of it */
    CHECK_RC(gs_store_comparison_get(s, w.bob, c1, &c, &err), GS_ERR_NOT_FOUND);
    CHECK_RC(gs_store_comparison_list(s, w.bob, w.ath, NULL, &list, &n, &err), GS_ERR_NOT_FOUND);
    CHECK_RC(gs_store_comparison_list(s, w.bob, NULL, s1, &list, &n, &err), GS_ERR_NOT_FOUND);
    CHECK_RC(gs_store_comparison_delete(s, w.bob, c1, &err), GS_ERR_NOT_FOUND);
    CHECK_RC(gs_store_job_get(s, w.bob, cj1, &job, &err), GS_ERR_NOT_FOUND);
    /* delete one: its queued job is cancelled */
    CHECK_OK(gs_store_comparison_delete(s, w.ann, c2, &e_));
    CHECK_RC(gs_store_comparison_get(s, w.ann, c2, &c, &err), GS_ERR_NOT_FOUND);
    CHECK_OK(gs_store_job_get(s, w.ann, cj2, &job, &e_));
    CHECK_EQ_INT(job.status, GS_STORE_JOB_CANCELLED);
    /* a comparison goes with its session, its job cancelled */
    CHECK_OK(gs_store_session_delete(s, w.ann, s2, gone, &e_));
    CHECK_RC(gs_store_comparison_get(s, w.ann, c1, &c, &err), GS_ERR_NOT_FOUND);
    CHECK_OK(gs_store_job_get(s, w.ann, cj1, &job, &e_));
    CHECK_EQ_INT(job.status, GS_STORE_JOB_CANCELLED);
    CHECK_OK(gs_store_comparison_list(s, w.ann, NULL, s1, &list, &n, &e_));
    CHECK_EQ_INT(n, 0);
    free(list);
}

/* Claims the next job (it must be `want`) for worker "w:1" at now; ends it as `end` unless end
 * is GS_STORE_JOB_RUNNING (then it stays claimed). */
static void run_job(gs_store *s, const char *want, int64_t now, gs_store_job_status end)
{
    gs_store_job job;
    CHECK_OK(gs_store_job_claim(s, "w:1", now, 10000, 5, &job, &e_)); /* no lease lapses */
    CHECK_MSG(strcmp(job.id, want) == 0, "claimed %s, wanted %s", job.id, want);
    if (end != GS_STORE_JOB_RUNNING)
        CHECK_OK(gs_store_job_finish_fenced(s, job.id, "w:1", job.attempts, end,
                                            end == GS_STORE_JOB_FAILED ? "no person" : NULL,
                                            now + 1, &e_));
}

/* The job of comparison id now, and that job's status. */
static gs_store_job_status comparison_job(gs_store *s, const char *account, const char *id,
                                          gs_store_id job_out)
{
    gs_store_comparison c;
    gs_store_job job;
    CHECK_OK(gs_store_comparison_get(s, account, id, &c, &e_));
    memcpy(job_out, c.job, sizeof(gs_store_id));
    CHECK_OK(gs_store_job_get(s, account, c.job, &job, &e_));
    CHECK_EQ_INT(job.kind, GS_STORE_JOB_KIND_COMPARE);
    CHECK(strcmp(job.session, id) == 0);
    return job.status;
}

/* A re-run's analysis that is done (and only then) queues its session's comparisons again: a
 * done one and a running one (cancelled: its worker learns so) get a new queued compare job; one
 * still queued keeps its job (it reads the new results when it starts); comparisons without the
 * session, a failed re-run, a finish that lost its claim and a compare job's own end change
 * nothing. */
static void rerun_recomputes_comparisons(gs_store *s)
{
    world w;
    gs_store_id s1, j1, s2, j2, s4, j4, c1, cj1, c2, cj2, c3, cj3, c4, cj4, j1b, j1c, now1, now2,
        now3, now4, again;
    gs_store_job job;
    gs_error err;

    make_world(s, &w);
    CHECK_OK(
        gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", "", "2026-01-01", 20, s1, j1, &e_));
    CHECK_OK(
        gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", "", "2026-02-01", 21, s2, j2, &e_));
    CHECK_OK(
        gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", "", "2026-03-01", 22, s4, j4, &e_));
    run_job(s, j1, 100, GS_STORE_JOB_DONE);
    run_job(s, j2, 110, GS_STORE_JOB_DONE);
    run_job(s, j4, 120, GS_STORE_JOB_DONE);
    CHECK_OK(gs_store_comparison_add(s, w.ann, s1, s2, NULL, 200, c1, cj1, &e_));
    CHECK_OK(gs_store_comparison_add(s, w.ann, s4, s1, NULL, 201, c2, cj2, &e_));
    CHECK_OK(gs_store_comparison_add(s, w.ann, s2, s4, NULL, 202, c3, cj3, &e_));
    run_job(s, cj1, 300, GS_STORE_JOB_DONE);
    run_job(s, cj2, 310, GS_STORE_JOB_RUNNING); /* s1 is its AFTER session */
    run_job(s, cj3, 320, GS_STORE_JOB_DONE);

    /* a re-run that fails leaves the earlier results, so the comparisons stand */
    CHECK_OK(gs_store_session_rerun(s, w.ann, s1, "{\"height\": 1.8}", 400, j1b, &e_));
    run_job(s, j1b, 410, GS_STORE_JOB_FAILED);
    CHECK_EQ_INT(comparison_job(s, w.ann, c1, now1), GS_STORE_JOB_DONE);
    CHECK(strcmp(now1, cj1) == 0);
    CHECK_EQ_INT(comparison_job(s, w.ann, c2, now2), GS_STORE_JOB_RUNNING);
    CHECK(strcmp(now2, cj2) == 0);

    /* one that is done: */
    CHECK_OK(gs_store_session_rerun(s, w.ann, s1, "{\"height\": 1.9}", 500, j1c, &e_));
    CHECK_OK(gs_store_job_claim(s, "w:1", 510, 10000, 5, &job, &e_));
    CHECK(strcmp(job.id, j1c) == 0);
    CHECK_OK(gs_store_comparison_add(s, w.ann, s1, s4, NULL, 520, c4, cj4, &e_)); /* queued */
    /* a finish that lost its claim (a wrong attempt) is refused and queues nothing */
    CHECK_RC(gs_store_job_finish_fenced(s, j1c, "w:1", job.attempts + 1, GS_STORE_JOB_DONE, NULL,
                                        530, &err),
             GS_ERR_CANCELLED);
    CHECK_EQ_INT(comparison_job(s, w.ann, c1, now1), GS_STORE_JOB_DONE);
    CHECK(strcmp(now1, cj1) == 0);
    CHECK_OK(
        gs_store_job_finish_fenced(s, j1c, "w:1", job.attempts, GS_STORE_JOB_DONE, NULL, 540, &e_));
    /* c1 (done) and c2 (running) are queued again, in the same transaction as the finish */
    CHECK_EQ_INT(comparison_job(s, w.ann, c1, now1), GS_STORE_JOB_QUEUED);
    CHECK(strcmp(now1, cj1) != 0);
    CHECK_OK(gs_store_job_get(s, w.ann, now1, &job, &e_));
    CHECK_EQ_INT(job.created, 540);
    CHECK_EQ_INT(job.attempts, 0);
    CHECK_OK(gs_store_job_get(s, w.ann, cj1, &job, &e_));
    CHECK_EQ_INT(job.status, GS_STORE_JOB_DONE); /* the earlier job's record is left as it was */
    CHECK_EQ_INT(comparison_job(s, w.ann, c2, now2), GS_STORE_JOB_QUEUED);
    CHECK(strcmp(now2, cj2) != 0);
    CHECK_OK(gs_store_job_get(s, w.ann, cj2, &job, &e_));
    CHECK_EQ_INT(job.status, GS_STORE_JOB_CANCELLED);
    /* the worker computing c2 from the old results learns so at its next heartbeat */
    CHECK_RC(gs_store_job_heartbeat_fenced(s, cj2, "w:1", 1, 0.5, "side-by-side", 545, 10000, &err),
             GS_ERR_CANCELLED);
    CHECK_RC(gs_store_job_finish_fenced(s, cj2, "w:1", 1, GS_STORE_JOB_DONE, NULL, 545, &err),
             GS_ERR_CANCELLED);
    /* c3 has no s1; c4 was still queued: both keep their jobs */
    CHECK_EQ_INT(comparison_job(s, w.ann, c3, now3), GS_STORE_JOB_DONE);
    CHECK(strcmp(now3, cj3) == 0);
    CHECK_EQ_INT(comparison_job(s, w.ann, c4, now4), GS_STORE_JOB_QUEUED);
    CHECK(strcmp(now4, cj4) == 0);
    /* another account sees none of the new jobs */
    CHECK_RC(gs_store_job_get(s, w.bob, now1, &job, &err), GS_ERR_NOT_FOUND);
    /* the compare jobs ending queue nothing more (c4 first: it is the oldest queued) */
    run_job(s, cj4, 600, GS_STORE_JOB_DONE);
    run_job(s, now1, 610, GS_STORE_JOB_DONE);
    run_job(s, now2, 620, GS_STORE_JOB_DONE);
    CHECK_EQ_INT(comparison_job(s, w.ann, c1, again), GS_STORE_JOB_DONE);
    CHECK(strcmp(again, now1) == 0);
    CHECK_EQ_INT(comparison_job(s, w.ann, c4, again), GS_STORE_JOB_DONE);
    CHECK(strcmp(again, cj4) == 0);
    CHECK_RC(gs_store_job_claim(s, "w:1", 700, 60, 5, &job, &err), GS_ERR_NOT_FOUND);
    /* a comparison deleted, then its session re-run: nothing is queued for it */
    CHECK_OK(gs_store_comparison_delete(s, w.ann, c1, &e_));
    CHECK_OK(gs_store_session_rerun(s, w.ann, s2, "{}", 800, j1b, &e_));
    run_job(s, j1b, 810, GS_STORE_JOB_DONE);
    /* c3 (s2 before) is queued again; the deleted c1 is not */
    CHECK_EQ_INT(comparison_job(s, w.ann, c3, again), GS_STORE_JOB_QUEUED);
    CHECK_OK(gs_store_job_claim(s, "w:1", 820, 60, 5, &job, &e_));
    CHECK(strcmp(job.id, again) == 0);
    CHECK_RC(gs_store_job_claim(s, "w:1", 830, 60, 5, &job, &err), GS_ERR_NOT_FOUND);
}

/* Claim, heartbeat, finish, lease expiry and re-claim, attempts, give-up, cancel. */
static void job_queue_lifecycle(gs_store *s)
{
    world w;
    gs_store_id s1, j1, s2, j2, s3, j3;
    gs_store_job job;
    gs_error err;
    int64_t counts[5];

    make_world(s, &w);
    /* This store's earlier tests left only cancelled/ended jobs: the queue is this test's. */
    CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", "", "", 1000, s1, j1, &e_));
    CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", "", "", 1001, s2, j2, &e_));
    CHECK_OK(gs_store_session_add(s, w.bob, w.bob_ath, w.bob_blob, "{}", "", "", 1002, s3, j3,
                                  &e_));
    /* Oldest first. */
    CHECK_OK(gs_store_job_claim(s, "hostA:11", 2000, 60, 3, &job, &e_));
    CHECK(strcmp(job.id, j1) == 0);
    CHECK_EQ_INT(job.status, GS_STORE_JOB_RUNNING);
    CHECK_EQ_INT(job.attempts, 1);
    CHECK(strcmp(job.worker, "hostA:11") == 0);
    CHECK_EQ_INT(job.started, 2000);
    CHECK_EQ_INT(job.lease_until, 2060);
    CHECK(strcmp(job.session, s1) == 0);
    CHECK(strcmp(job.account, w.ann) == 0);

    CHECK_OK(gs_store_job_heartbeat(s, j1, "hostA:11", 0.25, "pose", 2030, 60, &e_));
    CHECK_OK(gs_store_job_get(s, w.ann, j1, &job, &e_));
    CHECK_NEAR(job.progress, 0.25, 1e-12);
    CHECK(strcmp(job.stage, "pose") == 0);
    CHECK_EQ_INT(job.lease_until, 2090);
    /* Another worker's heartbeat on it is refused. */
    CHECK_RC(gs_store_job_heartbeat(s, j1, "hostB:22", 0.3, "pose", 2031, 60, &err),
             GS_ERR_CANCELLED);
    CHECK_OK(gs_store_job_finish(s, j1, "hostA:11", GS_STORE_JOB_DONE, NULL, 2040, &e_));
    CHECK_OK(gs_store_job_get(s, w.ann, j1, &job, &e_));
    CHECK_EQ_INT(job.status, GS_STORE_JOB_DONE);
    CHECK_NEAR(job.progress, 1.0, 1e-12);
    CHECK_EQ_INT(job.finished, 2040);
    CHECK(strcmp(job.error, "") == 0);
    CHECK_RC(gs_store_job_finish(s, j1, "hostA:11", GS_STORE_JOB_DONE, NULL, 2041, &err),
             GS_ERR_CANCELLED);
    CHECK_RC(gs_store_job_cancel(s, w.ann, j1, &err), GS_OK); /* done stays done */
    CHECK_OK(gs_store_job_get(s, w.ann, j1, &job, &e_));
    CHECK_EQ_INT(job.status, GS_STORE_JOB_DONE);

    /* j2: a worker dies; after the lease another claims it (attempts 2), then it fails. */
    CHECK_OK(gs_store_job_claim(s, "hostA:12", 3000, 60, 2, &job, &e_));
    CHECK(strcmp(job.id, j2) == 0);
    CHECK_OK(gs_store_job_claim(s, "hostB:20", 3010, 60, 2, &job, &e_));
    CHECK(strcmp(job.id, j3) == 0); /* j2's lease holds until 3060 */
    CHECK_RC(gs_store_job_claim(s, "hostB:21", 3060, 60, 2, &job, &err), GS_ERR_NOT_FOUND);
    CHECK_OK(gs_store_job_claim(s, "hostB:21", 3061, 60, 2, &job, &e_));
    CHECK(strcmp(job.id, j2) == 0);
    CHECK_EQ_INT(job.attempts, 2);
    CHECK(strcmp(job.worker, "hostB:21") == 0);
    /* The first worker, back from the dead, is told to stop. */
    CHECK_RC(gs_store_job_heartbeat(s, j2, "hostA:12", 0.5, "pose", 3062, 60, &err),
             GS_ERR_CANCELLED);
    CHECK_RC(gs_store_job_finish(s, j2, "hostA:12", GS_STORE_JOB_DONE, NULL, 3062, &err),
             GS_ERR_CANCELLED);
    /* j3 failed by its worker, with the message. */
    CHECK_OK(gs_store_job_finish(s, j3, "hostB:20", GS_STORE_JOB_FAILED,
                                 "clip.mp4: not a video file", 3020, &e_));
    CHECK_OK(gs_store_job_get(s, w.bob, j3, &job, &e_));
    CHECK_EQ_INT(job.status, GS_STORE_JOB_FAILED);
    CHECK(strcmp(job.error, "clip.mp4: not a video file") == 0);
    CHECK_RC(gs_store_job_finish(s, j3, "hostB:20", GS_STORE_JOB_QUEUED, NULL, 3020, &err),
             GS_ERR_ARG);
    /* The second dies too: with max_attempts 2 the next claim ends it failed. */
    CHECK_RC(gs_store_job_claim(s, "hostC:30", 3200, 60, 2, &job, &err), GS_ERR_NOT_FOUND);
    CHECK_OK(gs_store_job_get(s, w.ann, j2, &job, &e_));
    CHECK_EQ_INT(job.status, GS_STORE_JOB_FAILED);
    CHECK_EQ_INT(job.attempts, 2);
    CHECK_EQ_INT(job.finished, 3200);
    CHECK_STR_CONTAINS(job.error, "the analysis stopped 2 times without finishing");
    CHECK_STR_CONTAINS(job.error, "hostB:21");

    /* Release (a worker stopping): back to the queue, the attempt not counted. */
    {
        gs_store_id s6, j6;
        CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", "", "", 3900, s6, j6, &e_));
        CHECK_OK(gs_store_job_claim(s, "hostA:16", 3901, 60, 3, &job, &e_));
        CHECK(strcmp(job.id, j6) == 0);
        CHECK_OK(gs_store_job_heartbeat(s, j6, "hostA:16", 0.4, "pose", 3902, 60, &e_));
        CHECK_RC(gs_store_job_release(s, j6, "hostB:99", 3903, &err), GS_ERR_CANCELLED);
        CHECK_OK(gs_store_job_release(s, j6, "hostA:16", 3903, &e_));
        CHECK_OK(gs_store_job_get(s, w.ann, j6, &job, &e_));
        CHECK_EQ_INT(job.status, GS_STORE_JOB_QUEUED);
        CHECK_EQ_INT(job.attempts, 0);
        CHECK_NEAR(job.progress, 0, 1e-12);
        CHECK_RC(gs_store_job_heartbeat(s, j6, "hostA:16", 0.5, "pose", 3904, 60, &err),
                 GS_ERR_CANCELLED);
        CHECK_OK(gs_store_job_claim(s, "hostA:17", 3905, 60, 3, &job, &e_));
        CHECK(strcmp(job.id, j6) == 0);
        CHECK_EQ_INT(job.attempts, 1);
        CHECK_OK(gs_store_job_finish(s, j6, "hostA:17", GS_STORE_JOB_DONE, NULL, 3906, &e_));
    }
    /* Cancel: seen by the heartbeat and the finish of the worker running it. */
    {
        gs_store_id s4, j4, s5, j5;
        CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", "", "", 4000, s4, j4, &e_));
        CHECK_OK(gs_store_job_claim(s, "hostA:13", 4001, 60, 3, &job, &e_));
        CHECK(strcmp(job.id, j4) == 0);
        CHECK_OK(gs_store_job_cancel(s, w.ann, j4, &e_));
        CHECK_RC(gs_store_job_heartbeat(s, j4, "hostA:13", 0.5, "pose", 4002, 60, &err),
                 GS_ERR_CANCELLED);
        CHECK_RC(gs_store_job_finish(s, j4, "hostA:13", GS_STORE_JOB_DONE, NULL, 4003, &err),
                 GS_ERR_CANCELLED);
        CHECK_OK(gs_store_job_get(s, w.ann, j4, &job, &e_));
        CHECK_EQ_INT(job.status, GS_STORE_JOB_CANCELLED);
        /* A cancelled queued job is never claimed; a deleted session's running job stops. */
        CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", "", "", 4100, s5, j5, &e_));
        CHECK_OK(gs_store_job_claim(s, "hostA:14", 4101, 60, 3, &job, &e_));
        CHECK(strcmp(job.id, j5) == 0);
        CHECK_OK(gs_store_session_delete(s, w.ann, s5, NULL, &e_));
        CHECK_RC(gs_store_job_heartbeat(s, j5, "hostA:14", 0.5, "pose", 4102, 60, &err),
                 GS_ERR_CANCELLED);
        CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", "", "", 4200, s5, j5, &e_));
        CHECK_OK(gs_store_job_cancel(s, w.ann, j5, &e_));
        CHECK_RC(gs_store_job_claim(s, "hostA:15", 4201, 60, 3, &job, &err), GS_ERR_NOT_FOUND);
    }
    CHECK_OK(gs_store_job_counts(s, counts, &e_));
    CHECK_EQ_INT(counts[GS_STORE_JOB_QUEUED], 0);
    CHECK_EQ_INT(counts[GS_STORE_JOB_RUNNING], 0);
    CHECK(counts[GS_STORE_JOB_DONE] >= 1);
    CHECK(counts[GS_STORE_JOB_FAILED] >= 2);
    CHECK(counts[GS_STORE_JOB_CANCELLED] >= 3);
}

/* Two processes claim from one queue of N jobs: each job exactly once. */
static void two_processes_claim_each_job_once(void)
{
    enum { N = 60, P = 2 };
    char dir[4200];
    gs_store *s;
    world w;
    gs_store_id jobs[N], x;
    int fds[P][2];
    pid_t pids[P];
    int seen[N] = {0}, total = 0;

    fresh_store("claim2", dir, sizeof(dir));
    s = open_store(dir);
    make_world(s, &w);
    for (int i = 0; i < N; i++)
        CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", "", "", 100 + i, x, jobs[i],
                                      &e_));
    gs_store_close(&s);
    for (int p = 0; p < P; p++) {
        assert(pipe(fds[p]) == 0);
        pids[p] = fork();
        assert(pids[p] >= 0);
        if (pids[p] == 0) {
            gs_store *c = NULL;
            gs_store_job job;
            gs_error err;
            char name[32];
            close(fds[p][0]);
            if (gs_store_open(dir, &c, &err) != GS_OK)
                _exit(3);
            snprintf(name, sizeof(name), "host:%d", (int)getpid());
            for (;;) {
                gs_status rc = gs_store_job_claim(c, name, 5000, 600, 3, &job, &err);
                if (rc == GS_ERR_NOT_FOUND)
                    break;
                if (rc != GS_OK)
                    _exit(4);
                if (gs_store_job_finish(c, job.id, name, GS_STORE_JOB_DONE, NULL, 5001, &err) !=
                    GS_OK)
                    _exit(5);
                if (write(fds[p][1], job.id, GS_STORE_ID_LEN) != GS_STORE_ID_LEN)
                    _exit(6);
            }
            gs_store_close(&c);
            _exit(0);
        }
        close(fds[p][1]);
    }
    for (int p = 0; p < P; p++) {
        char id[GS_STORE_ID_LEN + 1];
        int status = 0, mine = 0;
        while (read(fds[p][0], id, GS_STORE_ID_LEN) == GS_STORE_ID_LEN) {
            id[GS_STORE_ID_LEN] = '\0';
            mine++;
            total++;
            for (int i = 0; i < N; i++)
                if (strcmp(id, jobs[i]) == 0)
                    seen[i]++;
        }
        close(fds[p][0]);
        waitpid(pids[p], &status, 0);
        CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "claimer %d status %d", p, status);
        fprintf(stderr, "claimer %d took %d jobs\n", p, mine);
    }
    CHECK_EQ_INT(total, N);
    for (int i = 0; i < N; i++)
        CHECK_MSG(seen[i] == 1, "job %d claimed %d times", i, seen[i]);
    s = open_store(dir);
    {
        int64_t counts[5];
        gs_store_job job;
        CHECK_OK(gs_store_job_counts(s, counts, &e_));
        CHECK_EQ_INT(counts[GS_STORE_JOB_DONE], N);
        for (int i = 0; i < N; i++) {
            CHECK_OK(gs_store_job_get(s, NULL, jobs[i], &job, &e_));
            CHECK_EQ_INT(job.attempts, 1);
        }
    }
    gs_store_close(&s);
}

/* A child adds and deletes sessions without pause; kill -9 at several moments (SIGPIPE is not a
 * concern: the child is killed before the parent closes its end); each time the
 * reopened store is consistent: every blob's refs equals its sessions, every session has its
 * job, and nothing is half-written. */
static void kill_during_writes_leaves_before_or_after(void)
{
    char dir[4200];
    gs_store *s;
    world w;

    fresh_store("kill9", dir, sizeof(dir));
    s = open_store(dir);
    make_world(s, &w);
    gs_store_close(&s);
    for (int round = 0; round < 4; round++) {
        int fds[2];
        assert(pipe(fds) == 0);
        pid_t pid = fork();
        assert(pid >= 0);
        if (pid == 0) {
            gs_store *c = NULL;
            gs_error err;
            gs_store_id sid, jid, keep = "";
            close(fds[0]);
            if (gs_store_open(dir, &c, &err) != GS_OK)
                _exit(3);
            for (int64_t i = 0;; i++) {
                if (gs_store_session_add(c, w.ann, w.ath, w.blob, "{}", "", "", i, sid, jid,
                                         &err) != GS_OK)
                    _exit(4);
                if (keep[0] && gs_store_session_delete(c, w.ann, keep, NULL, &err) != GS_OK)
                    _exit(5);
                memcpy(keep, sid, sizeof(keep));
                if (write(fds[1], "x", 1) != 1)
                    _exit(6);
            }
        }
        close(fds[1]);
        /* Let the child complete 4 + 3 round add/delete pairs (so it really writes, however
         * loaded the machine), then kill it 0-9 ms later: somewhere inside its next writes. */
        {
            char b;
            for (int k = 0; k < 4 + 3 * round; k++)
                CHECK(read(fds[0], &b, 1) == 1);
            struct timespec ts = {0, (long)((round * 3) % 10) * 1000000L};
            nanosleep(&ts, NULL);
        }
        kill(pid, SIGKILL);
        close(fds[0]);
        int status = 0;
        waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

        s = open_store(dir);
        gs_store_close(&s);
        {
            char sql[300];
            int64_t refs, nsess, orphans, queued, total;
            snprintf(sql, sizeof(sql), "SELECT refs FROM blobs WHERE id = '%s'", w.blob);
            refs = raw_sql(dir, sql, 1);
            snprintf(sql, sizeof(sql), "SELECT count(*) FROM sessions WHERE blob = '%s'", w.blob);
            nsess = raw_sql(dir, sql, 1);
            orphans = raw_sql(dir,
                              "SELECT count(*) FROM sessions s LEFT JOIN jobs j ON j.id = s.job"
                              " WHERE j.id IS NULL",
                              1);
            queued = raw_sql(dir, "SELECT count(*) FROM jobs WHERE status = 0", 1);
            total = raw_sql(dir, "SELECT count(*) FROM jobs", 1);
            CHECK_EQ_INT(refs, nsess);
            CHECK_EQ_INT(orphans, 0);
            /* One live session's job queued at most (the others were cancelled by delete). */
            CHECK(queued == nsess);
            CHECK(total >= 4); /* the child really wrote */
            if (!use_pg) {
                char db[4300];
                sqlite3 *h = NULL;
                sqlite3_stmt *st = NULL;
                snprintf(db, sizeof(db), "%s/gaitscope.db", dir);
                assert(sqlite3_open(db, &h) == SQLITE_OK);
                assert(sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL) ==
                       SQLITE_OK);
                CHECK(sqlite3_step(st) == SQLITE_ROW);
                CHECK(strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0);
                sqlite3_finalize(st);
                sqlite3_close(h);
            }
            fprintf(stderr, "kill round %d: %lld jobs written, %lld live sessions\n", round,
                    (long long)total, (long long)nsess);
        }
    }
}

static void sweep_removes_unrecorded_blob_files(void)
{
    char dir[4200], path[4400];
    gs_store *s;
    world w;
    gs_store_id orphan, young;
    size_t removed = 99;
    FILE *f;

    fresh_dir("sweep", dir, sizeof(dir));
    CHECK_OK(gs_store_dirs_create(dir, &e_));
    if (use_pg) { /* the data folder and the database are apart */
        char loc[4200];
        fresh_store("sweep", loc, sizeof(loc));
        s = open_store(loc);
    } else {
        s = open_store(dir);
    }
    make_world(s, &w);
    gs_store_new_id(orphan);
    gs_store_new_id(young);
    const char *names[] = {w.blob, orphan, young, "README"};
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "%s/blobs/%s", dir, names[i]);
        f = fopen(path, "wb");
        assert(f && fputs("x", f) >= 0 && fclose(f) == 0);
    }
    /* With "now" 1000 s ahead every file is old: the two unrecorded ids go (orphan, young), the
     * recorded blob and the name that is not an id stay. */
    CHECK_OK(gs_store_sweep_blobs(s, dir, (int64_t)time(NULL) + 1000, 600, &removed, &e_));
    CHECK_EQ_INT(removed, 2);
    snprintf(path, sizeof(path), "%s/blobs/%s", dir, w.blob);
    CHECK(gs_path_exists(path));
    snprintf(path, sizeof(path), "%s/blobs/%s", dir, orphan);
    CHECK(!gs_path_exists(path));
    snprintf(path, sizeof(path), "%s/blobs/README", dir);
    CHECK(gs_path_exists(path));
    /* A file just written (an upload between its rename and its record) is kept. */
    snprintf(path, sizeof(path), "%s/blobs/%s", dir, young);
    f = fopen(path, "wb");
    assert(f && fputs("x", f) >= 0 && fclose(f) == 0);
    CHECK_OK(gs_store_sweep_blobs(s, dir, (int64_t)time(NULL), 600, &removed, &e_));
    CHECK_EQ_INT(removed, 0);
    CHECK(gs_path_exists(path));
    gs_store_close(&s);
}

/* The start-up sweep of session and comparison folders: a folder (and an edited-events file)
 * whose record is gone, as a kill between the record's delete and the folder's leaves, goes;
 * the folders of live sessions and comparisons, staging folders and other names stay. */
static void sweep_removes_folders_of_deleted_records(void)
{
    char dir[4200], path[4400];
    gs_store *s;
    world w;
    gs_store_id s1, j1, s2, j2, c1, cj, gone_s, gone_c, blob_gone;
    size_t removed = 99;
    FILE *f;

    fresh_dir("sweep-folders", dir, sizeof(dir));
    CHECK_OK(gs_store_dirs_create(dir, &e_));
    if (use_pg) {
        char loc[4200];
        fresh_store("sweepf", loc, sizeof(loc));
        s = open_store(loc);
    } else {
        s = open_store(dir);
    }
    make_world(s, &w);
    CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", "", "", 10, s1, j1, &e_));
    CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", "", "", 11, s2, j2, &e_));
    CHECK_OK(gs_store_comparison_add(s, w.ann, s1, s2, NULL, 12, c1, cj, &e_));
    /* a session deleted (the process killed before it removed the folder), and a comparison */
    CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", "", "", 13, gone_s, NULL, &e_));
    gs_store_new_id(gone_c);
    CHECK_OK(gs_store_session_delete(s, w.ann, gone_s, blob_gone, &e_));
    static const char *const pre[] = {"sessions/",   "sessions/",    "comparisons/",
                                       "comparisons/", "sessions/", "sessions/"};
    static const char *const post[] = {"/keyframes", "/keyframes", "", "", ".staging-host-1", ""};
    const char *ids[] = {s1, gone_s, c1, gone_c, gone_s, "notes"};
    for (int i = 0; i < 6; i++) {
        char cmd[9000];
        snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s%s%s' && echo x > '%s/%s%s%s/f'", dir, pre[i],
                 ids[i], post[i], dir, pre[i], ids[i], post[i]);
        assert(system(cmd) == 0);
    }
    const char *files[] = {s1, gone_s};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/sessions/%s.events.csv", dir, files[i]);
        f = fopen(path, "wb");
        assert(f && fputs("side,type,t_s\n", f) >= 0 && fclose(f) == 0);
    }
    /* a symlink inside an orphan folder: removed as a link, its target untouched */
    snprintf(path, sizeof(path), "%s/sessions/%s/link", dir, gone_s);
    char target[4400];
    snprintf(target, sizeof(target), "%s/sessions/%s/keyframes/f", dir, s1);
    assert(symlink(target, path) == 0);

    CHECK_OK(gs_store_sweep_folders(s, dir, &removed, &e_));
    CHECK_EQ_INT(removed, 3); /* gone_s's folder and events file, gone_c's folder */
    static const struct {
        const char *pre, *post;
        int which; /* 0 s1, 1 gone_s, 2 c1, 3 gone_c */
        int kept;
    } want[] = {{"sessions/", "/keyframes/f", 0, 1},     {"sessions/", ".events.csv", 0, 1},
                {"comparisons/", "/f", 2, 1},            {"sessions/", "", 1, 0},
                {"sessions/", ".events.csv", 1, 0},      {"comparisons/", "", 3, 0},
                {"sessions/", ".staging-host-1/f", 1, 1}};
    const char *by[] = {s1, gone_s, c1, gone_c};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s%s%s", dir, want[i].pre, by[want[i].which],
                 want[i].post);
        CHECK_MSG(gs_path_exists(path) == want[i].kept, "%s: %s", path,
                  want[i].kept ? "removed" : "kept");
    }
    snprintf(path, sizeof(path), "%s/sessions/notes/f", dir);
    CHECK(gs_path_exists(path)); /* not an id: left alone */
    CHECK_OK(gs_store_sweep_folders(s, dir, &removed, &e_));
    CHECK_EQ_INT(removed, 0);
    gs_store_close(&s);
}

/* The attempt as fencing token: two workers with one name (two containers with the same host
 * name, both PID 1); the one that lost its lease can neither renew, finish nor release. */
static void fenced_out_worker_cannot_finish(gs_store *s)
{
    world w;
    gs_store_id s1, j1;
    gs_store_job job;
    gs_error err;
    int a1, a2;

    make_world(s, &w);
    CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", "", "", 100, s1, j1, &e_));
    CHECK_OK(gs_store_job_claim(s, "box:1", 1000, 60, 5, &job, &e_));
    CHECK(strcmp(job.id, j1) == 0);
    a1 = job.attempts;
    CHECK_EQ_INT(a1, 1);
    CHECK_OK(gs_store_job_heartbeat_fenced(s, j1, "box:1", a1, 0.3, "pose", 1010, 60, &e_));
    /* The first stalls past its lease (1070); the second takes the job over. */
    CHECK_OK(gs_store_job_claim(s, "box:1", 1071, 60, 5, &job, &e_));
    CHECK(strcmp(job.id, j1) == 0);
    a2 = job.attempts;
    CHECK_EQ_INT(a2, 2);
    CHECK_OK(gs_store_job_heartbeat_fenced(s, j1, "box:1", a2, 0.1, "decode", 1072, 60, &e_));
    /* The first wakes up: fenced out. */
    CHECK_RC(gs_store_job_heartbeat_fenced(s, j1, "box:1", a1, 0.9, "overlay", 1080, 60, &err),
             GS_ERR_CANCELLED);
    CHECK_RC(gs_store_job_finish_fenced(s, j1, "box:1", a1, GS_STORE_JOB_DONE, NULL, 1081, &err),
             GS_ERR_CANCELLED);
    CHECK_STR_CONTAINS(err.msg, "claimed by another worker");
    CHECK_RC(gs_store_job_finish_fenced(s, j1, "box:1", a1, GS_STORE_JOB_FAILED, "x", 1081, &err),
             GS_ERR_CANCELLED);
    CHECK_RC(gs_store_job_release_fenced(s, j1, "box:1", a1, 1082, &err), GS_ERR_CANCELLED);
    CHECK_OK(gs_store_job_get(s, NULL, j1, &job, &e_));
    CHECK_EQ_INT(job.status, GS_STORE_JOB_RUNNING);
    CHECK_EQ_INT(job.attempts, 2);
    CHECK_NEAR(job.progress, 0.1, 1e-12);
    CHECK(strcmp(job.stage, "decode") == 0);
    CHECK_EQ_INT(job.lease_until, 1132);
    CHECK_RC(gs_store_job_finish_fenced(s, j1, "box:1", -1, GS_STORE_JOB_DONE, NULL, 1083, &err),
             GS_ERR_ARG);
    /* The holder finishes; its result is the one recorded, once. */
    CHECK_OK(gs_store_job_finish_fenced(s, j1, "box:1", a2, GS_STORE_JOB_DONE, NULL, 1090, &e_));
    CHECK_RC(gs_store_job_finish_fenced(s, j1, "box:1", a2, GS_STORE_JOB_DONE, NULL, 1091, &err),
             GS_ERR_CANCELLED);
    CHECK_OK(gs_store_job_get(s, NULL, j1, &job, &e_));
    CHECK_EQ_INT(job.status, GS_STORE_JOB_DONE);
    CHECK_EQ_INT(job.finished, 1090);
    CHECK_NEAR(job.progress, 1.0, 1e-12);
}

static int64_t ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (int64_t)(t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* An idle worker's wait: times out when nothing comes, wakes early when another process queues a
 * job (PostgreSQL: NOTIFY at commit; SQLite: the 250 ms look). */
static void wait_for_job_wakes_on_a_new_job(void)
{
    char dir[4200];
    gs_store *s;
    world w;
    gs_store_id x, j1, j2;
    gs_store_job job;
    struct timespec t0;
    int woke = -1, status = 0;
    int64_t ms;
    pid_t pid;

    fresh_store("wait", dir, sizeof(dir));
    s = open_store(dir);
    make_world(s, &w);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_OK(gs_store_wait_for_job(s, 400, &woke, &e_));
    ms = ms_since(&t0);
    CHECK_EQ_INT(woke, 0);
    CHECK_MSG(ms >= 380 && ms < 3000, "an empty queue's 400 ms wait took %lld ms", (long long)ms);
    CHECK_OK(gs_store_wait_for_job(s, 0, &woke, &e_));
    CHECK_EQ_INT(woke, 0);
    CHECK_RC(gs_store_wait_for_job(s, -1, &woke, NULL), GS_ERR_ARG);

    pid = fork();
    assert(pid >= 0);
    if (pid == 0) {
        gs_store *c = NULL;
        gs_error err;
        struct timespec ts = {0, 300 * 1000000L};
        if (gs_store_open(dir, &c, &err) != GS_OK)
            _exit(3);
        nanosleep(&ts, NULL);
        if (gs_store_session_add(c, w.ann, w.ath, w.blob, "{}", "", "", 500, x, j1, &err) != GS_OK)
            _exit(4);
        gs_store_close(&c);
        _exit(0);
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_OK(gs_store_wait_for_job(s, 20000, &woke, &e_));
    ms = ms_since(&t0);
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ_INT(woke, 1);
    CHECK_MSG(ms >= 250 && ms < 5000, "woken %lld ms into the wait (job queued at 300 ms)",
              (long long)ms);
    fprintf(stderr, "%s: woken %lld ms into the wait, the job queued at about 300 ms\n",
            gs_store_backend(s), (long long)ms);
    CHECK_OK(gs_store_job_claim(s, "w:1", 600, 6000, 3, &job, &e_));
    CHECK_EQ_INT(job.created, 500); /* the child's job */
    /* A job queued between two waits is seen by the next one at once. */
    CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", "", "", 700, x, j2, &e_));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_OK(gs_store_wait_for_job(s, 20000, &woke, &e_));
    CHECK_EQ_INT(woke, 1);
    CHECK(ms_since(&t0) < 2000);
    CHECK_OK(gs_store_job_claim(s, "w:1", 701, 60, 3, &job, &e_));
    CHECK(strcmp(job.id, j2) == 0);
    gs_store_close(&s);
}

/* ---- PostgreSQL only ---------------------------------------------------------------------- */

static void run_command(const char *env)
{
    const char *cmd = getenv(env);
    assert(cmd && "run through tests/pg_cluster.sh");
    if (system(cmd) != 0) {
        fprintf(stderr, "%s failed: %s\n", env, cmd);
        abort();
    }
}

/* Connects to loc and runs sql, which must fail; returns its SQLSTATE (static buffer). */
static const char *raw_sql_fails(const char *loc, const char *sql)
{
    static char state[8];
    PGconn *c = PQconnectdb(loc);
    PGresult *r;
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "%s: %s", loc, PQerrorMessage(c));
        abort();
    }
    r = PQexec(c, sql);
    snprintf(state, sizeof(state), "%s",
             PQresultStatus(r) == PGRES_FATAL_ERROR ? PQresultErrorField(r, PG_DIAG_SQLSTATE)
                                                    : "ok");
    PQclear(r);
    PQfinish(c);
    return state;
}

/* Child of the mid-call test: holds the job's row lock, kills the store's backend while it waits
 * for that lock, then lets go. */
static void kill_waiting_backend(const char *loc, const char *job_id, int ready_fd)
{
    PGconn *c = PQconnectdb(loc);
    PGresult *r;
    char sql[300];
    struct timespec ts = {0, 100 * 1000000L};
    int killed = 0;
    if (PQstatus(c) != CONNECTION_OK)
        _exit(3);
    PQclear(PQexec(c, "BEGIN"));
    snprintf(sql, sizeof(sql), "SELECT 1 FROM jobs WHERE id = '%s' FOR UPDATE", job_id);
    r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        _exit(4);
    PQclear(r);
    if (write(ready_fd, "L", 1) != 1)
        _exit(5);
    /* A second connection sees the waiter (this transaction must stay open). */
    PGconn *k = PQconnectdb(loc);
    for (int i = 0; i < 100 && !killed; i++) {
        nanosleep(&ts, NULL);
        r = PQexec(k, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                      " WHERE datname = current_database() AND wait_event_type = 'Lock'");
        killed = PQresultStatus(r) == PGRES_TUPLES_OK && atoi(PQgetvalue(r, 0, 0)) > 0;
        PQclear(r);
    }
    nanosleep(&ts, NULL);
    PQclear(PQexec(c, "COMMIT"));
    PQfinish(k);
    PQfinish(c);
    _exit(killed ? 0 : 6);
}

/* The database restarts under an open store: the next calls reconnect by themselves; while it
 * is down a call says so; a connection killed during a call is reconnected and the call run
 * again. */
static void pg_restart_reconnects(void)
{
    char loc[4200];
    gs_store *s;
    world w;
    gs_store_id x, j1, j2;
    gs_store_job job;
    gs_error err;
    int64_t counts[5];
    int woke = -1;

    fresh_store("restart", loc, sizeof(loc));
    s = open_store(loc);
    make_world(s, &w);
    CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", "", "", 100, x, j1, &e_));
    CHECK_OK(gs_store_wait_for_job(s, 0, &woke, &e_)); /* the connection now LISTENs */
    CHECK_EQ_INT(woke, 1);

    run_command("GS_TEST_PG_RESTART");
    CHECK_OK(gs_store_job_get(s, w.ann, j1, &job, &e_)); /* a read */
    CHECK_EQ_INT(job.status, GS_STORE_JOB_QUEUED);
    run_command("GS_TEST_PG_RESTART");
    CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", "", "", 200, x, j2, &e_));
    CHECK_OK(gs_store_job_counts(s, counts, &e_));
    CHECK_EQ_INT(counts[GS_STORE_JOB_QUEUED], 2); /* stored once */
    CHECK_OK(gs_store_job_claim(s, "w:1", 300, 60, 3, &job, &e_));
    CHECK(strcmp(job.id, j1) == 0);
    run_command("GS_TEST_PG_RESTART");
    CHECK_OK(gs_store_job_heartbeat_fenced(s, j1, "w:1", 1, 0.5, "pose", 310, 60, &e_));
    /* The wait listens again on the new connection (j2 is queued: it says so at once). */
    run_command("GS_TEST_PG_RESTART");
    CHECK_OK(gs_store_wait_for_job(s, 2000, &woke, &e_));
    CHECK_EQ_INT(woke, 1);

    /* Down: a clear error, no crash; back: the next call works. */
    run_command("GS_TEST_PG_STOP");
    CHECK_RC(gs_store_job_get(s, w.ann, j1, &job, &err), GS_ERR_IO);
    CHECK_STR_CONTAINS(err.msg, "cannot reach the database");
    CHECK_STR_CONTAINS(err.msg, "PostgreSQL database gs_restart");
    fprintf(stderr, "database down: %s\n", err.msg);
    CHECK_RC(gs_store_job_finish(s, j1, "w:1", GS_STORE_JOB_DONE, NULL, 320, &err), GS_ERR_IO);
    run_command("GS_TEST_PG_START");
    CHECK_OK(gs_store_job_get(s, w.ann, j1, &job, &e_));
    CHECK_EQ_INT(job.status, GS_STORE_JOB_RUNNING);
    CHECK_NEAR(job.progress, 0.5, 1e-12);

    /* Killed during a write (waiting for a row lock, before its commit): reconnected, run again,
     * stored once. */
    {
        int fds[2], status = 0;
        char c;
        pid_t pid;
        assert(pipe(fds) == 0);
        pid = fork();
        assert(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            kill_waiting_backend(loc, j1, fds[1]);
        }
        close(fds[1]);
        CHECK(read(fds[0], &c, 1) == 1);
        close(fds[0]);
        CHECK_OK(gs_store_job_finish_fenced(s, j1, "w:1", 1, GS_STORE_JOB_DONE, NULL, 330, &e_));
        waitpid(pid, &status, 0);
        CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "the lock holder did not see the waiting call (status %d)", status);
        CHECK_OK(gs_store_job_get(s, w.ann, j1, &job, &e_));
        CHECK_EQ_INT(job.status, GS_STORE_JOB_DONE);
        CHECK_EQ_INT(job.finished, 330);
    }
    gs_store_close(&s);
}

/* The workers' role (created by scripts/pg_worker_role.sql, its rights granted by the owner's
 * gs_store_open) takes and finishes jobs but cannot read accounts' password hashes or tokens,
 * nor change other records. */
static void pg_worker_role_cannot_read_accounts(void)
{
    char loc[4200], wloc[4300], path[4200], sql[200];
    char *text = NULL;
    size_t len = 0;
    gs_store *s, *ws = NULL;
    world w;
    gs_store_id x, j1;
    gs_store_job job;
    gs_store_session se;
    gs_store_athlete at;
    gs_store_account acc;
    gs_error err;
    uint8_t d[32];
    const char *pw = getenv("GS_TEST_PG_WORKER_PASSWORD");

    assert(pw);
    fresh_store("role", loc, sizeof(loc));
    s = open_store(loc); /* the owner creates the tables */
    make_world(s, &w);
    digest_of(7, d);
    CHECK_OK(gs_store_token_add(s, w.ann, d, 10, 99999, &e_));
    CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, "{\"view\":\"side\"}", "", "", 20, x,
                                  j1, &e_));
    snprintf(path, sizeof(path), "%s/scripts/pg_worker_role.sql", GS_SOURCE_DIR);
    CHECK_OK(gs_file_read_all(path, (uint8_t **)&text, &len, &e_));
    if (!text)
        return;
    text = realloc(text, len + 1);
    text[len] = '\0';
    raw_sql(loc, text, 0);
    raw_sql(loc, text, 0); /* safe to run again */
    free(text);
    /* Created after the owner's open: no rights yet (the password goes in through SQL here; the
     * store reads it from PGPASSFILE). */
    snprintf(sql, sizeof(sql), "ALTER ROLE gaitscope_worker PASSWORD '%s'", pw);
    raw_sql(loc, sql, 0);
    snprintf(wloc, sizeof(wloc), "postgresql:///gs_role?host=%s&user=gaitscope_worker", pg_host);
    CHECK(strcmp(raw_sql_fails(wloc, "SELECT count(*) FROM jobs"), "42501") == 0);
    /* The owner's next open (a server start) grants them; again is harmless, and a right given
     * by hand beyond them is taken back. */
    gs_store_close(&s);
    s = open_store(loc);
    raw_sql(loc, "GRANT SELECT ON accounts TO gaitscope_worker", 0);
    gs_store_close(&s);
    s = open_store(loc);
    CHECK_OK(gs_store_open(wloc, &ws, &e_));
    if (!ws)
        return;
    CHECK_OK(gs_store_job_claim(ws, "w:9", 30, 60, 3, &job, &e_));
    CHECK(strcmp(job.id, j1) == 0);
    CHECK_OK(gs_store_session_get(ws, job.account, job.session, &se, &e_));
    CHECK(strcmp(se.options_json, "{\"view\":\"side\"}") == 0);
    CHECK_OK(gs_store_athlete_get(ws, job.account, se.athlete, &at, &e_));
    CHECK_NEAR(at.height_m, 1.68, 1e-12);
    CHECK_OK(gs_store_job_heartbeat_fenced(ws, j1, "w:9", job.attempts, 0.5, "pose", 31, 60, &e_));
    CHECK_OK(gs_store_job_finish_fenced(ws, j1, "w:9", job.attempts, GS_STORE_JOB_DONE, NULL, 32,
                                        &e_));
    {
        int woke = -1;
        CHECK_OK(gs_store_wait_for_job(ws, 0, &woke, &e_));
    }
    /* Through the store: refused with the server's reason. */
    CHECK_RC(gs_store_account_get(ws, w.ann, &acc, &err), GS_ERR_IO);
    CHECK_STR_CONTAINS(err.msg, "permission denied");
    CHECK_RC(gs_store_account_by_email(ws, "w-ann@example.org", &acc, &err), GS_ERR_IO);
    CHECK_RC(gs_store_token_account(ws, d, 11, x, &err), GS_ERR_IO);
    CHECK_STR_CONTAINS(err.msg, "permission denied");
    CHECK_RC(gs_store_athlete_add(ws, w.ann, "Eve", 1.7, 40, x, &err), GS_ERR_IO);
    gs_store_close(&ws);
    /* Directly: 42501 insufficient_privilege. */
    CHECK(strcmp(raw_sql_fails(wloc, "SELECT pwhash FROM accounts"), "42501") == 0);
    CHECK(strcmp(raw_sql_fails(wloc, "SELECT count(*) FROM tokens"), "42501") == 0);
    CHECK(strcmp(raw_sql_fails(wloc, "SELECT count(*) FROM shares"), "42501") == 0);
    CHECK(strcmp(raw_sql_fails(wloc, "SELECT count(*) FROM nkt_records"), "42501") == 0);
    CHECK(strcmp(raw_sql_fails(wloc, "UPDATE jobs SET account = session"), "42501") == 0);
    CHECK(strcmp(raw_sql_fails(wloc, "DELETE FROM sessions"), "42501") == 0);
    CHECK(strcmp(raw_sql_fails(wloc, "UPDATE blobs SET refs = 0"), "42501") == 0);
    /* The owner still reads everything. */
    CHECK_OK(gs_store_account_get(s, w.ann, &acc, &e_));
    gs_store_close(&s);
}

/* The connection breaks while COMMIT is in flight (a deferred trigger makes the backend end
 * itself once at commit): a write says its outcome is unknown and is not repeated; a heartbeat,
 * harmless to repeat, is run again on a new connection and succeeds. */
static void pg_break_during_commit(void)
{
    char loc[4200];
    gs_store *s;
    world w;
    gs_store_id x, j1, j2;
    gs_store_job job;
    gs_error err;
    int64_t counts[5];

    fresh_store("commitbreak", loc, sizeof(loc));
    s = open_store(loc);
    make_world(s, &w);
    CHECK_OK(gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", "", "", 100, x, j1, &e_));
    CHECK_OK(gs_store_job_claim(s, "w:1", 200, 60, 3, &job, &e_));
    /* nextval is not rolled back with the dying transaction, so each trigger fires once. */
    raw_sql(loc,
            "CREATE SEQUENCE once_insert; CREATE SEQUENCE once_update;"
            "CREATE FUNCTION die_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            " IF nextval(TG_ARGV[0]) = 1 THEN PERFORM pg_terminate_backend(pg_backend_pid());"
            " PERFORM pg_sleep(5); END IF; RETURN NULL; END $$;"
            "CREATE CONSTRAINT TRIGGER die_on_insert AFTER INSERT ON jobs"
            " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION die_once('once_insert');"
            "CREATE CONSTRAINT TRIGGER die_on_update AFTER UPDATE ON jobs"
            " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION die_once('once_update')",
            0);
    CHECK_RC(gs_store_session_add(s, w.ann, w.ath, w.blob, "{}", "", "", 300, x, j2, &err),
             GS_ERR_IO);
    CHECK_STR_CONTAINS(err.msg, "while committing");
    CHECK_STR_CONTAINS(err.msg, "unknown");
    fprintf(stderr, "broken commit: %s\n", err.msg);
    CHECK_OK(gs_store_job_counts(s, counts, &e_)); /* reconnected; the write was not repeated */
    CHECK_EQ_INT(counts[GS_STORE_JOB_QUEUED] + counts[GS_STORE_JOB_RUNNING], 1);
    CHECK_OK(gs_store_job_heartbeat_fenced(s, j1, "w:1", 1, 0.75, "overlay", 210, 60, &e_));
    CHECK_OK(gs_store_job_get(s, NULL, j1, &job, &e_));
    CHECK_NEAR(job.progress, 0.75, 1e-12);
    CHECK_EQ_INT(job.lease_until, 270);
    CHECK_EQ_INT(raw_sql(loc, "SELECT last_value FROM once_update", 1), 2); /* ran twice */
    gs_store_close(&s);
}

int main(int argc, char **argv)
{
    char dir[4200];
    gs_store *s;
    const char *scratch = argc > 2 ? argv[2] : "/tmp";

    if (argc > 3 && strcmp(argv[3], "pg") == 0) {
        use_pg = 1;
        pg_host = getenv("GS_TEST_PG_HOST");
        pg_user = getenv("GS_TEST_PG_USER");
        if (!pg_host || !pg_user) {
            fprintf(stderr, "test_store pg: no cluster (run it through tests/pg_cluster.sh)\n");
            return 1;
        }
    }
    snprintf(root, sizeof(root), "%s/store%s", scratch, use_pg ? "-pg" : "");
    CHECK_OK(gs_mkdir_p(root, &e_));
    ids_are_22_base64url_and_distinct();
    paths_take_only_valid_ids();
    open_creates_schema_and_reopens();
    open_refuses_bad_locations();
    newer_schema_is_refused();

    fresh_store("records", dir, sizeof(dir));
    s = open_store(dir);
    accounts_and_tokens(s);
    gs_store_close(&s);
    /* Each world has accounts with fixed e-mails: one store each. */
    fresh_store("records2", dir, sizeof(dir));
    s = open_store(dir);
    athletes_blobs_sessions(s);
    gs_store_close(&s);
    fresh_store("records3", dir, sizeof(dir));
    s = open_store(dir);
    other_accounts_ids_are_not_found(s);
    gs_store_close(&s);
    fresh_store("records4", dir, sizeof(dir));
    s = open_store(dir);
    shares_expire_and_go_with_their_session(s);
    gs_store_close(&s);
    fresh_store("records6", dir, sizeof(dir));
    s = open_store(dir);
    nkt_records_and_share_list(s);
    gs_store_close(&s);
    schema_1_is_migrated();
    schema_2_is_migrated();
    schema_3_is_migrated();
    fresh_store("clinic", dir, sizeof(dir));
    s = open_store(dir);
    clinic_users_and_invitations(s);
    gs_store_close(&s);
    fresh_store("clinic2", dir, sizeof(dir));
    s = open_store(dir);
    deletes_retention_and_access_log(s);
    gs_store_close(&s);
    fresh_store("records7", dir, sizeof(dir));
    s = open_store(dir);
    reruns_and_comparisons(s);
    gs_store_close(&s);
    fresh_store("recompute", dir, sizeof(dir));
    s = open_store(dir);
    rerun_recomputes_comparisons(s);
    gs_store_close(&s);
    fresh_store("records5", dir, sizeof(dir));
    s = open_store(dir);
    job_queue_lifecycle(s);
    gs_store_close(&s);

    fresh_store("fence", dir, sizeof(dir));
    s = open_store(dir);
    fenced_out_worker_cannot_finish(s);
    gs_store_close(&s);

    two_processes_claim_each_job_once();
    wait_for_job_wakes_on_a_new_job();
    kill_during_writes_leaves_before_or_after();
    sweep_removes_unrecorded_blob_files();
    sweep_removes_folders_of_deleted_records();
    if (use_pg) {
        pg_worker_role_cannot_read_accounts();
        pg_restart_reconnects();
        pg_break_during_commit();
    }
    return gs_test_finish(use_pg ? "test_store (PostgreSQL)" : "test_store (SQLite)", 0);
}
