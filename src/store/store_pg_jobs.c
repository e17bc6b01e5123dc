/*
 * PostgreSQL back end: the job queue. The claim picks its row with SELECT ... FOR UPDATE SKIP
 * LOCKED (PostgreSQL 15 documentation, sql-select.html, "The Locking Clause"): two workers
 * claiming at once lock different rows instead of waiting for each other. The fenced calls change
 * a row only while the named attempt holds it (store.h, "Fencing"). A job queued again (release)
 * is announced with NOTIFY, delivered at commit (sql-notify.html).
 */
#include "store.h"
#include "store_pg_impl.h"

#include <stdlib.h>

typedef gs_store__pg pg;
typedef gs_store__pg_tx tx;
#define PG gs_store__pg_of

/* The claim a fenced call names: the job ($1), its worker ($2), running ($3) and, when the
 * attempt ($4) is not 0, that attempt. */
#define CLAIM_WHERE                                                                      \
    " WHERE id = $1 AND worker = $2 AND status = $3 AND ($4::integer = 0 OR attempts = " \
    "$4::integer)"
#define CLAIM_ARGS(id, worker, attempt)                                                       \
    ARG_T(id), ARG_T(worker), ARG_I(GS_STORE_JOB_RUNNING), ARG_I(attempt)

/* A fenced call that changed no row: the claim is no longer this attempt's. */
static gs_status lost_claim(const char *id, gs_error *err)
{
    return gs_fail(err, GS_ERR_CANCELLED, "job %s: cancelled, deleted or claimed by another worker",
                   id);
}

gs_status gs_store__pg_job_get(gs_store *s, const char *account, const char *id,
                               gs_store_job *out, gs_error *err)
{
    if (account)
        return gs_store__pg_one(
            PG(s), PG_TX_IDEMPOTENT, "job",
            "SELECT " GS_STORE__JOB_COLS " FROM jobs WHERE id = $1 AND account = $2",
            ARGS(ARG_T(id), ARG_T(account)), gs_store__read_job, out, err);
    return gs_store__pg_one(PG(s), PG_TX_IDEMPOTENT, "job",
                            "SELECT " GS_STORE__JOB_COLS " FROM jobs WHERE id = $1",
                            ARGS(ARG_T(id)), gs_store__read_job, out, err);
}

gs_status gs_store__pg_job_claim(gs_store *s, const char *worker, int64_t now, int64_t lease_s,
                                 int max_attempts, gs_store_job *out, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {PG_TX_WRITE, 0, 0, 0};
    PG_TRANSACTION(p, &t, &rc, err)
    {
        /* Lapsed jobs that used every attempt end failed first (GS_STORE__GAVE_UP_FMT, spelt
         * in PostgreSQL's format()); rows another claimer holds are skipped, not waited for. */
        rc = gs_store__pg_do(p, PG_IN_TX, "end abandoned jobs",
                             "UPDATE jobs SET status = $1, finished = $2, lease_until = 0,"
                             " error = format('the analysis stopped %s times without finishing"
                             " (last worker %s)', attempts, worker)"
                             " WHERE id IN (SELECT id FROM jobs WHERE status = $3"
                             " AND lease_until < $2 AND attempts >= $4 FOR UPDATE SKIP LOCKED)",
                             ARGS(ARG_I(GS_STORE_JOB_FAILED), ARG_I(now),
                                  ARG_I(GS_STORE_JOB_RUNNING), ARG_I(max_attempts)),
                             NULL, err);
        /* Oldest first, as the SQLite back end (created, then insertion order). */
        if (rc == GS_OK)
            rc = gs_store__pg_one(
                p, PG_IN_TX, "queued job",
                "UPDATE jobs SET status = $1, attempts = attempts + 1, worker = $2,"
                " started = $3, lease_until = $4, progress = 0, stage = '', error = ''"
                " WHERE id = (SELECT id FROM jobs WHERE status = $5"
                " OR (status = $1 AND lease_until < $3)"
                " ORDER BY created, seq LIMIT 1 FOR UPDATE SKIP LOCKED)"
                " RETURNING " GS_STORE__JOB_COLS,
                ARGS(ARG_I(GS_STORE_JOB_RUNNING), ARG_T(worker), ARG_I(now), ARG_I(now + lease_s),
                     ARG_I(GS_STORE_JOB_QUEUED)),
                gs_store__read_job, out, err);
        /* "Nothing to do" still commits the abandoned jobs' failure. */
        if (rc == GS_ERR_NOT_FOUND) {
            t.commit_anyway = 1;
            gs_fail(err, rc, "no job to do");
        }
    }
    return rc;
}

gs_status gs_store__pg_job_heartbeat(gs_store *s, const char *id, const char *worker,
                                     int attempt, double progress, const char *stage, int64_t now,
                                     int64_t lease_s, gs_error *err)
{
    int changes = 0;
    /* Idempotent: the same progress and lease written twice are the same state. */
    gs_status rc = gs_store__pg_do(
        PG(s), PG_TX_IDEMPOTENT, "job heartbeat",
        "UPDATE jobs SET progress = $5, stage = $6, lease_until = $7" CLAIM_WHERE,
        ARGS(CLAIM_ARGS(id, worker, attempt), ARG_D(progress), ARG_T(stage), ARG_I(now + lease_s)),
        &changes, err);
    return rc == GS_OK && changes == 0 ? lost_claim(id, err) : rc;
}

/*
 * Gives each comparison of the finished analysis job's session a new queued compare job (its
 * running one cancelled), so the comparison is computed again from the results just published,
 * unless its compare job is still queued (it has not read the sessions yet). Each comparison row
 * is locked and its job read again under the lock: two analyses (before and after) ending at
 * once queue one job, not two.
 */
static gs_status requeue_comparisons(pg *p, const char *job, int64_t now, gs_error *err)
{
    gs_store_id *ids = NULL;
    size_t n = 0;
    int queued = 0;
    gs_status rc =
        gs_store__pg_all(p, PG_IN_TX, "comparisons of the session",
                         "SELECT c.id FROM comparisons c JOIN jobs a ON a.id = $1 AND a.kind = $2"
                         " AND (c.before_session = a.session OR c.after_session = a.session)",
                         ARGS(ARG_T(job), ARG_I(GS_STORE_JOB_KIND_ANALYSIS)), gs_store__read_id,
                         sizeof(*ids), &ids, &n, err);
    for (size_t i = 0; i < n && rc == GS_OK; i++) {
        gs_store_id old = "", nj;
        int64_t st = -1;
        rc = gs_store__pg_one(p, PG_IN_TX, "comparison",
                              "SELECT job FROM comparisons WHERE id = $1 FOR UPDATE",
                              ARGS(ARG_T(ids[i])), gs_store__read_id, old, err);
        if (rc == GS_ERR_NOT_FOUND) { /* deleted meanwhile */
            rc = GS_OK;
            continue;
        }
        if (rc == GS_OK) {
            rc = gs_store__pg_one(p, PG_IN_TX, "compare job",
                                  "SELECT status FROM jobs WHERE id = $1", ARGS(ARG_T(old)),
                                  gs_store__read_i64, &st, err);
            if (rc == GS_ERR_NOT_FOUND)
                rc = GS_OK, st = -1;
        }
        if (rc != GS_OK || st == GS_STORE_JOB_QUEUED)
            continue;
        gs_store_new_id(nj);
        rc = gs_store__pg_do(
            p, PG_IN_TX, "cancel compare job",
            "UPDATE jobs SET status = $1, lease_until = 0"
            " WHERE id = $2 AND status = $3",
            ARGS(ARG_I(GS_STORE_JOB_CANCELLED), ARG_T(old), ARG_I(GS_STORE_JOB_RUNNING)), NULL,
            err);
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "queue compare job",
                                 "INSERT INTO jobs(id, session, account, status, created, kind)"
                                 " SELECT $1, id, account, $2, $3, $4 FROM comparisons"
                                 " WHERE id = $5",
                                 ARGS(ARG_T(nj), ARG_I(GS_STORE_JOB_QUEUED), ARG_I(now),
                                      ARG_I(GS_STORE_JOB_KIND_COMPARE), ARG_T(ids[i])),
                                 NULL, err);
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "update comparison",
                                 "UPDATE comparisons SET job = $1 WHERE id = $2",
                                 ARGS(ARG_T(nj), ARG_T(ids[i])), NULL, err);
        queued += rc == GS_OK;
    }
    free(ids);
    /* wake a waiting worker (delivered at commit) */
    if (rc == GS_OK && queued)
        rc = gs_store__pg_do(p, PG_IN_TX, "announce job", "NOTIFY " GS_STORE__PG_NOTIFY_CHANNEL,
                             NO_ARGS, NULL, err);
    return rc;
}

gs_status gs_store__pg_job_finish(gs_store *s, const char *id, const char *worker, int attempt,
                                  gs_store_job_status status, const char *error, int64_t now,
                                  gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {PG_TX_WRITE, 0, 0, 0};
    PG_TRANSACTION(p, &t, &rc, err)
    {
        int changes = 0;
        rc = gs_store__pg_do(
            p, PG_IN_TX, "finish job",
            "UPDATE jobs SET status = $5, error = $6, finished = $7, lease_until = 0,"
            " progress = CASE WHEN $5::integer = $8::integer THEN 1.0 ELSE progress "
            "END" CLAIM_WHERE,
            ARGS(CLAIM_ARGS(id, worker, attempt), ARG_I(status), ARG_T(error), ARG_I(now),
                 ARG_I(GS_STORE_JOB_DONE)),
            &changes, err);
        if (rc == GS_OK && changes == 0)
            rc = lost_claim(id, err);
        if (rc == GS_OK && status == GS_STORE_JOB_DONE)
            rc = requeue_comparisons(p, id, now, err);
    }
    return rc;
}

gs_status gs_store__pg_job_release(gs_store *s, const char *id, const char *worker, int attempt,
                                   int64_t now, gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {PG_TX_WRITE, 0, 0, 0};
    (void)now; /* nothing records the release time (as in the SQLite back end) */
    PG_TRANSACTION(p, &t, &rc, err)
    {
        int changes = 0;
        rc = gs_store__pg_do(p, PG_IN_TX, "release job",
                             "UPDATE jobs SET status = $5, attempts = greatest(attempts - 1, 0),"
                             " lease_until = 0, progress = 0, stage = ''" CLAIM_WHERE,
                             ARGS(CLAIM_ARGS(id, worker, attempt), ARG_I(GS_STORE_JOB_QUEUED)),
                             &changes, err);
        if (rc == GS_OK && changes == 0)
            rc = lost_claim(id, err);
        /* The job is queued again: wake a waiting worker. */
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "announce job",
                                 "NOTIFY " GS_STORE__PG_NOTIFY_CHANNEL, NO_ARGS, NULL, err);
    }
    return rc;
}

gs_status gs_store__pg_job_cancel(gs_store *s, const char *account, const char *id,
                                  gs_error *err)
{
    pg *p = PG(s);
    gs_status rc;
    tx t = {PG_TX_WRITE, 0, 0, 0};
    PG_TRANSACTION(p, &t, &rc, err)
    {
        rc = gs_store__pg_owned(p, PG_OWNED_JOB, account, id, "job", err);
        if (rc == GS_OK)
            rc = gs_store__pg_do(p, PG_IN_TX, "cancel job",
                                 "UPDATE jobs SET status = $1, lease_until = 0"
                                 " WHERE id = $2 AND status IN ($3, $4)",
                                 ARGS(ARG_I(GS_STORE_JOB_CANCELLED), ARG_T(id),
                                      ARG_I(GS_STORE_JOB_QUEUED), ARG_I(GS_STORE_JOB_RUNNING)),
                                 NULL, err);
    }
    return rc;
}

gs_status gs_store__pg_job_counts(gs_store *s, int64_t counts[5], gs_error *err)
{
    gs_store__count *rows = NULL;
    size_t n = 0;
    gs_status rc = gs_store__pg_all(PG(s), PG_TX_IDEMPOTENT, "count jobs",
                                    "SELECT status, count(*) FROM jobs GROUP BY status", NO_ARGS,
                                    gs_store__read_count, sizeof(*rows), &rows, &n, err);
    for (size_t i = 0; i < n; i++)
        if (rows[i].key >= 0 && rows[i].key < 5)
            counts[rows[i].key] = rows[i].count;
    free(rows);
    return rc;
}
