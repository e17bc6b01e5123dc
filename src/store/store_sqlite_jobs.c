/*
 * SQLite back end: the job queue. The claim is one BEGIN IMMEDIATE transaction (the select and
 * the update under one write lock, so two workers never claim the same job); the fenced calls
 * change a row only while the named attempt holds it (store.h, "Fencing").
 */
#include "store.h"
#include "store_sqlite_impl.h"

#include <stdlib.h>
#include <time.h>

typedef gs_store__sq sq;
#define SQ gs_store__sq_of

/* The claim a fenced call names: the job (?1), its worker (?2), running (?3) and, when the
 * attempt (?4) is not 0, that attempt. */
#define CLAIM_WHERE " WHERE id = ?1 AND worker = ?2 AND status = ?3 AND (?4 = 0 OR attempts = ?4)"
#define CLAIM_ARGS(id, worker, attempt)                                                       \
    ARG_T(id), ARG_T(worker), ARG_I(GS_STORE_JOB_RUNNING), ARG_I(attempt)

/* A fenced call that changed no row: the claim is no longer this attempt's. */
static gs_status lost_claim(const char *id, gs_error *err)
{
    return gs_fail(err, GS_ERR_CANCELLED, "job %s: cancelled, deleted or claimed by another worker",
                   id);
}

gs_status gs_store__sq_job_get(gs_store *s, const char *account, const char *id,
                               gs_store_job *out, gs_error *err)
{
    if (account)
        return gs_store__sq_one(
            SQ(s), "job", "SELECT " GS_STORE__JOB_COLS " FROM jobs WHERE id = ? AND account = ?",
            ARGS(ARG_T(id), ARG_T(account)), gs_store__read_job, out, err);
    return gs_store__sq_one(SQ(s), "job", "SELECT " GS_STORE__JOB_COLS " FROM jobs WHERE id = ?",
                            ARGS(ARG_T(id)), gs_store__read_job, out, err);
}

gs_status gs_store__sq_job_claim(gs_store *s, const char *worker, int64_t now, int64_t lease_s,
                                 int max_attempts, gs_store_job *out, gs_error *err)
{
    sq *q = SQ(s);
    gs_store_id id = "";
    gs_status rc = gs_store__sq_begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    /* Lapsed jobs that used every attempt end failed first, so they are never claimed again.
     * The message is GS_STORE__GAVE_UP_FMT, spelt in SQLite's printf. */
    rc = gs_store__sq_do(q, "end abandoned jobs",
                         "UPDATE jobs SET status = ?1, finished = ?2, lease_until = 0,"
                         " error = printf('the analysis stopped %d times without finishing"
                         " (last worker %s)', attempts, worker)"
                         " WHERE status = ?3 AND lease_until < ?2 AND attempts >= ?4",
                         ARGS(ARG_I(GS_STORE_JOB_FAILED), ARG_I(now), ARG_I(GS_STORE_JOB_RUNNING),
                              ARG_I(max_attempts)),
                         NULL, err);
    if (rc == GS_OK)
        rc = gs_store__sq_one(
            q, "queued job",
            "SELECT id FROM jobs WHERE status = ?1 OR (status = ?2 AND lease_until < ?3)"
            " ORDER BY created, rowid LIMIT 1",
            ARGS(ARG_I(GS_STORE_JOB_QUEUED), ARG_I(GS_STORE_JOB_RUNNING), ARG_I(now)),
            gs_store__read_id, id, err);
    if (rc == GS_OK)
        rc = gs_store__sq_do(q, "claim job",
                             "UPDATE jobs SET status = ?, attempts = attempts + 1, worker = ?,"
                             " started = ?, lease_until = ?, progress = 0, stage = '', error = ''"
                             " WHERE id = ?",
                             ARGS(ARG_I(GS_STORE_JOB_RUNNING), ARG_T(worker), ARG_I(now),
                                  ARG_I(now + lease_s), ARG_T(id)),
                             NULL, err);
    if (rc == GS_OK)
        rc = gs_store__sq_one(q, "job", "SELECT " GS_STORE__JOB_COLS " FROM jobs WHERE id = ?",
                              ARGS(ARG_T(id)), gs_store__read_job, out, err);
    /* "Nothing to do" still commits the abandoned jobs' failure. */
    if (rc == GS_ERR_NOT_FOUND) {
        gs_status c = gs_store__sq_end_tx(q, GS_OK, err);
        return c != GS_OK ? c : gs_fail(err, GS_ERR_NOT_FOUND, "no job to do");
    }
    return gs_store__sq_end_tx(q, rc, err);
}

gs_status gs_store__sq_job_heartbeat(gs_store *s, const char *id, const char *worker,
                                     int attempt, double progress, const char *stage, int64_t now,
                                     int64_t lease_s, gs_error *err)
{
    int changes = 0;
    gs_status rc = gs_store__sq_do(
        SQ(s), "job heartbeat",
        "UPDATE jobs SET progress = ?5, stage = ?6, lease_until = ?7" CLAIM_WHERE,
        ARGS(CLAIM_ARGS(id, worker, attempt), ARG_D(progress), ARG_T(stage), ARG_I(now + lease_s)),
        &changes, err);
    return rc == GS_OK && changes == 0 ? lost_claim(id, err) : rc;
}

/*
 * The comparisons to compute again once analysis job `job` is done (?1; ?2 analysis, ?3 queued):
 * those with the job's session as before or after, unless their compare job is still queued (it
 * has not read the sessions yet, and will read the results just published). Both back ends run
 * this in the finish's transaction (store.h, gs_store_job_finish).
 */
#define STALE_COMPARISONS                                                     \
    "SELECT c.id FROM comparisons c JOIN jobs a ON a.id = ?1 AND a.kind = ?2" \
    " AND (c.before_session = a.session OR c.after_session = a.session)"      \
    " LEFT JOIN jobs j ON j.id = c.job WHERE j.status IS NULL OR j.status <> ?3"

/* Gives each comparison of the finished analysis job's session a new queued compare job (its
 * running one cancelled): the comparison is computed again from the new results. */
static gs_status requeue_comparisons(sq *q, const char *job, int64_t now, gs_error *err)
{
    gs_store_id *ids = NULL;
    size_t n = 0;
    gs_status rc = gs_store__sq_all(
        q, "comparisons of the session", STALE_COMPARISONS,
        ARGS(ARG_T(job), ARG_I(GS_STORE_JOB_KIND_ANALYSIS), ARG_I(GS_STORE_JOB_QUEUED)),
        gs_store__read_id, sizeof(*ids), &ids, &n, err);
    for (size_t i = 0; i < n && rc == GS_OK; i++) {
        gs_store_id nj;
        gs_store_new_id(nj);
        rc = gs_store__sq_do(
            q, "cancel compare job",
            "UPDATE jobs SET status = ?1, lease_until = 0 WHERE id ="
            " (SELECT job FROM comparisons WHERE id = ?2) AND status = ?3",
            ARGS(ARG_I(GS_STORE_JOB_CANCELLED), ARG_T(ids[i]), ARG_I(GS_STORE_JOB_RUNNING)), NULL,
            err);
        if (rc == GS_OK)
            rc = gs_store__sq_do(q, "queue compare job",
                                 "INSERT INTO jobs(id, session, account, status, created, kind)"
                                 " SELECT ?1, id, account, ?2, ?3, ?4 FROM comparisons"
                                 " WHERE id = ?5",
                                 ARGS(ARG_T(nj), ARG_I(GS_STORE_JOB_QUEUED), ARG_I(now),
                                      ARG_I(GS_STORE_JOB_KIND_COMPARE), ARG_T(ids[i])),
                                 NULL, err);
        if (rc == GS_OK)
            rc = gs_store__sq_do(q, "update comparison",
                                 "UPDATE comparisons SET job = ?1 WHERE id = ?2",
                                 ARGS(ARG_T(nj), ARG_T(ids[i])), NULL, err);
    }
    free(ids);
    return rc;
}

gs_status gs_store__sq_job_finish(gs_store *s, const char *id, const char *worker, int attempt,
                                  gs_store_job_status status, const char *error, int64_t now,
                                  gs_error *err)
{
    sq *q = SQ(s);
    int changes = 0;
    gs_status rc = gs_store__sq_begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    rc = gs_store__sq_do(q, "finish job",
                         "UPDATE jobs SET status = ?5, error = ?6, finished = ?7, lease_until = 0,"
                         " progress = CASE WHEN ?5 = ?8 THEN 1.0 ELSE progress END" CLAIM_WHERE,
                         ARGS(CLAIM_ARGS(id, worker, attempt), ARG_I(status), ARG_T(error),
                              ARG_I(now), ARG_I(GS_STORE_JOB_DONE)),
                         &changes, err);
    if (rc == GS_OK && changes == 0)
        rc = lost_claim(id, err);
    if (rc == GS_OK && status == GS_STORE_JOB_DONE)
        rc = requeue_comparisons(q, id, now, err);
    return gs_store__sq_end_tx(q, rc, err);
}

gs_status gs_store__sq_job_release(gs_store *s, const char *id, const char *worker, int attempt,
                                   int64_t now, gs_error *err)
{
    int changes = 0;
    gs_status rc;
    (void)now; /* nothing records the release time */
    rc = gs_store__sq_do(SQ(s), "release job",
                         "UPDATE jobs SET status = ?5, attempts = max(attempts - 1, 0),"
                         " lease_until = 0, progress = 0, stage = ''" CLAIM_WHERE,
                         ARGS(CLAIM_ARGS(id, worker, attempt), ARG_I(GS_STORE_JOB_QUEUED)),
                         &changes, err);
    return rc == GS_OK && changes == 0 ? lost_claim(id, err) : rc;
}

gs_status gs_store__sq_job_cancel(gs_store *s, const char *account, const char *id,
                                  gs_error *err)
{
    sq *q = SQ(s);
    gs_status rc = gs_store__sq_begin_write(q, err);
    if (rc != GS_OK)
        return rc;
    rc = gs_store__sq_owned(q, SQ_OWNED_JOB, account, id, "job", err);
    if (rc == GS_OK)
        rc = gs_store__sq_do(
            q, "cancel job",
            "UPDATE jobs SET status = ?, lease_until = 0 WHERE id = ? AND status IN (?, ?)",
            ARGS(ARG_I(GS_STORE_JOB_CANCELLED), ARG_T(id), ARG_I(GS_STORE_JOB_QUEUED),
                 ARG_I(GS_STORE_JOB_RUNNING)),
            NULL, err);
    return gs_store__sq_end_tx(q, rc, err);
}

/*
 * SQLite has no notifications between processes: the wait looks for a queued job every
 * WAIT_POLL_MS (one indexed read; jobs_by_status) until one is there or the time is up.
 */
#define WAIT_POLL_MS 250
gs_status gs_store__sq_wait_for_job(gs_store *s, int timeout_ms, int *woke, gs_error *err)
{
    int waited = 0;
    for (;;) {
        int64_t found = 0;
        gs_status rc = gs_store__sq_one(SQ(s), "queued jobs",
                                        "SELECT EXISTS(SELECT 1 FROM jobs WHERE status = ?)",
                                        ARGS(ARG_I(GS_STORE_JOB_QUEUED)), gs_store__read_i64,
                                        &found, err);
        *woke = found != 0;
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

gs_status gs_store__sq_job_counts(gs_store *s, int64_t counts[5], gs_error *err)
{
    gs_store__count *rows = NULL;
    size_t n = 0;
    gs_status rc = gs_store__sq_all(SQ(s), "count jobs",
                                    "SELECT status, count(*) FROM jobs GROUP BY status", NO_ARGS,
                                    gs_store__read_count, sizeof(*rows), &rows, &n, err);
    for (size_t i = 0; i < n; i++)
        if (rows[i].key >= 0 && rows[i].key < 5)
            counts[rows[i].key] = rows[i].count;
    free(rows);
    return rc;
}
