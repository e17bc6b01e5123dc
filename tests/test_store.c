/*
 * test_store: the store interface on its SQLite back end, in a fresh folder under the scratch
 * directory: every function with real values, ownership (another account's ids are "not found"
 * everywhere), the job queue (claim, heartbeat, finish, lease expiry, attempts, cancel), two
 * processes claiming from one queue, a newer schema refused, a process killed during writes, blob
 * reference counts, token and share expiry.
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

#include <sqlite3.h>

static char root[4096];

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
    fresh_dir("open", dir, sizeof(dir));
    s = open_store(dir);
    CHECK(strcmp(gs_store_backend(s), "sqlite") == 0);
    CHECK_EQ_INT(gs_store_schema_version(s), GS_STORE_SCHEMA_VERSION);
    gs_store_close(&s);
    CHECK(s == NULL);
    gs_store_close(&s); /* NULL is a no-op */
    snprintf(db, sizeof(db), "%s/gaitscope.db", dir);
    CHECK(gs_path_exists(db));
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
    CHECK_RC(gs_store_open("postgresql://localhost/x", &s, &err), GS_ERR_UNSUPPORTED);
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
    char dir[4200], db[4300];
    gs_store *s;
    gs_error err;
    sqlite3 *h = NULL;
    fresh_dir("newer", dir, sizeof(dir));
    s = open_store(dir);
    gs_store_close(&s);
    snprintf(db, sizeof(db), "%s/gaitscope.db", dir);
    assert(sqlite3_open(db, &h) == SQLITE_OK);
    assert(sqlite3_exec(h, "UPDATE schema_version SET version = 3", NULL, NULL, NULL) ==
           SQLITE_OK);
    sqlite3_close(h);
    CHECK_RC(gs_store_open(dir, &s, &err), GS_ERR_UNSUPPORTED);
    CHECK_STR_CONTAINS(err.msg, "schema version 3 is newer than this gaitscope's 1");
    CHECK_STR_CONTAINS(err.msg, "gaitscope.db");
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

    fresh_dir("claim2", dir, sizeof(dir));
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

/* A child adds and deletes sessions without pause; kill -9 at several moments; each time the
 * reopened store is consistent: every blob's refs equals its sessions, every session has its
 * job, and nothing is half-written. */
static void kill_during_writes_leaves_before_or_after(void)
{
    char dir[4200], db[4300];
    gs_store *s;
    world w;

    fresh_dir("kill9", dir, sizeof(dir));
    snprintf(db, sizeof(db), "%s/gaitscope.db", dir);
    s = open_store(dir);
    make_world(s, &w);
    gs_store_close(&s);
    for (int round = 0; round < 4; round++) {
        pid_t pid = fork();
        assert(pid >= 0);
        if (pid == 0) {
            gs_store *c = NULL;
            gs_error err;
            gs_store_id sid, jid, keep = "";
            if (gs_store_open(dir, &c, &err) != GS_OK)
                _exit(3);
            for (int64_t i = 0;; i++) {
                if (gs_store_session_add(c, w.ann, w.ath, w.blob, "{}", "", "", i, sid, jid,
                                         &err) != GS_OK)
                    _exit(4);
                if (keep[0] && gs_store_session_delete(c, w.ann, keep, NULL, &err) != GS_OK)
                    _exit(5);
                memcpy(keep, sid, sizeof(keep));
            }
        }
        /* 150 ms to 450 ms: well inside the loop of writes. */
        struct timespec ts = {0, (150 + 100 * round) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

        s = open_store(dir);
        gs_store_close(&s);
        {
            sqlite3 *h = NULL;
            sqlite3_stmt *st = NULL;
            assert(sqlite3_open(db, &h) == SQLITE_OK);
            assert(sqlite3_prepare_v2(
                       h,
                       "SELECT (SELECT refs FROM blobs WHERE id = ?1),"
                       " (SELECT count(*) FROM sessions WHERE blob = ?1),"
                       " (SELECT count(*) FROM sessions s LEFT JOIN jobs j ON j.id = s.job"
                       "   WHERE j.id IS NULL),"
                       " (SELECT count(*) FROM jobs WHERE status = 0),"
                       " (SELECT count(*) FROM jobs),"
                       " (SELECT integrity_check FROM pragma_integrity_check)",
                       -1, &st, NULL) == SQLITE_OK);
            sqlite3_bind_text(st, 1, w.blob, -1, SQLITE_STATIC);
            CHECK(sqlite3_step(st) == SQLITE_ROW);
            int64_t refs = sqlite3_column_int64(st, 0), nsess = sqlite3_column_int64(st, 1);
            CHECK_EQ_INT(refs, nsess);
            CHECK_EQ_INT(sqlite3_column_int64(st, 2), 0);
            /* One live session's job queued at most (the others were cancelled by delete). */
            CHECK(sqlite3_column_int64(st, 3) == nsess);
            CHECK(sqlite3_column_int64(st, 4) > 3); /* the child really wrote */
            CHECK(strcmp((const char *)sqlite3_column_text(st, 5), "ok") == 0);
            fprintf(stderr, "kill round %d: %lld jobs written, %lld live sessions\n", round,
                    (long long)sqlite3_column_int64(st, 4), (long long)nsess);
            sqlite3_finalize(st);
            sqlite3_close(h);
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
    s = open_store(dir);
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

int main(int argc, char **argv)
{
    char dir[4200];
    gs_store *s;
    const char *scratch = argc > 2 ? argv[2] : "/tmp";

    snprintf(root, sizeof(root), "%s/store", scratch);
    CHECK_OK(gs_mkdir_p(root, &e_));
    ids_are_22_base64url_and_distinct();
    paths_take_only_valid_ids();
    open_creates_schema_and_reopens();
    open_refuses_bad_locations();
    newer_schema_is_refused();

    fresh_dir("records", dir, sizeof(dir));
    s = open_store(dir);
    accounts_and_tokens(s);
    gs_store_close(&s);
    /* Each world has accounts with fixed e-mails: one store each. */
    fresh_dir("records2", dir, sizeof(dir));
    s = open_store(dir);
    athletes_blobs_sessions(s);
    gs_store_close(&s);
    fresh_dir("records3", dir, sizeof(dir));
    s = open_store(dir);
    other_accounts_ids_are_not_found(s);
    gs_store_close(&s);
    fresh_dir("records4", dir, sizeof(dir));
    s = open_store(dir);
    shares_expire_and_go_with_their_session(s);
    gs_store_close(&s);
    fresh_dir("records5", dir, sizeof(dir));
    s = open_store(dir);
    job_queue_lifecycle(s);
    gs_store_close(&s);

    two_processes_claim_each_job_once();
    kill_during_writes_leaves_before_or_after();
    sweep_removes_unrecorded_blob_files();
    return gs_test_finish("test_store", 0);
}
