/*
 * Row readers shared by the back ends: a result row (gs_store__row, filled by store_sqlite.c or
 * store_pg.c over its own result type) becomes a record here, column by column in the order of
 * the GS_STORE__*_COLS lists in store_impl.h. Written once so the two back ends cannot read a
 * record differently.
 */
#include "store.h"
#include "store_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void text(const gs_store__row *r, int col, char *dst, size_t size)
{
    snprintf(dst, size, "%s", r->text(r, col));
}

void gs_store__read_account(const gs_store__row *r, void *out)
{
    gs_store_account *a = out;
    memset(a, 0, sizeof(*a));
    text(r, 0, a->id, sizeof(a->id));
    text(r, 1, a->email, sizeof(a->email));
    text(r, 2, a->pwhash, sizeof(a->pwhash));
    a->created = r->i64(r, 3);
    a->password_changed = r->i64(r, 4);
    text(r, 5, a->account, sizeof(a->account));
    /* A role this binary does not know (a newer writer) reads as the least rights. */
    a->role = r->i64(r, 6) == GS_STORE_ROLE_OWNER ? GS_STORE_ROLE_OWNER : GS_STORE_ROLE_THERAPIST;
    a->retention_days = (int)r->i64(r, 7);
}

void gs_store__read_athlete(const gs_store__row *r, void *out)
{
    gs_store_athlete *a = out;
    memset(a, 0, sizeof(*a));
    text(r, 0, a->id, sizeof(a->id));
    text(r, 1, a->name, sizeof(a->name));
    a->height_m = r->dbl(r, 2); /* NULL (no height) reads as NAN */
    a->created = r->i64(r, 3);
}

void gs_store__read_blob(const gs_store__row *r, void *out)
{
    gs_store_blob *b = out;
    memset(b, 0, sizeof(*b));
    text(r, 0, b->id, sizeof(b->id));
    text(r, 1, b->sha256, sizeof(b->sha256));
    b->size_bytes = r->i64(r, 2);
    b->refs = r->i64(r, 3);
    b->created = r->i64(r, 4);
}

static void session_at(const gs_store__row *r, int c0, gs_store_session *x)
{
    memset(x, 0, sizeof(*x));
    text(r, c0 + 0, x->id, sizeof(x->id));
    text(r, c0 + 1, x->athlete, sizeof(x->athlete));
    text(r, c0 + 2, x->blob, sizeof(x->blob));
    text(r, c0 + 3, x->job, sizeof(x->job));
    text(r, c0 + 4, x->options_json, sizeof(x->options_json));
    text(r, c0 + 5, x->notes, sizeof(x->notes));
    text(r, c0 + 6, x->date, sizeof(x->date));
    x->created = r->i64(r, c0 + 7);
    x->video_deleted = r->i64(r, c0 + 8);
}

void gs_store__read_session(const gs_store__row *r, void *out)
{
    session_at(r, 0, out);
}

void gs_store__read_account_session(const gs_store__row *r, void *out)
{
    gs_store__account_session *x = out;
    text(r, 0, x->account, sizeof(x->account));
    session_at(r, 1, &x->session);
}

void gs_store__read_job(const gs_store__row *r, void *out)
{
    gs_store_job *j = out;
    int64_t status;
    memset(j, 0, sizeof(*j));
    text(r, 0, j->id, sizeof(j->id));
    text(r, 1, j->session, sizeof(j->session));
    text(r, 2, j->account, sizeof(j->account));
    status = r->i64(r, 3);
    /* A status this binary does not know (a newer writer) reads as failed, never out of range. */
    j->status = status >= 0 && status <= 4 ? (gs_store_job_status)status : GS_STORE_JOB_FAILED;
    j->progress = r->dbl(r, 4);
    text(r, 5, j->stage, sizeof(j->stage));
    text(r, 6, j->error, sizeof(j->error));
    j->attempts = (int)r->i64(r, 7);
    text(r, 8, j->worker, sizeof(j->worker));
    j->lease_until = r->i64(r, 9);
    j->created = r->i64(r, 10);
    j->started = r->i64(r, 11);
    j->finished = r->i64(r, 12);
    /* Schema 4: 1 is a compare job; 0 (the default of older rows) an analysis. */
    j->kind = r->i64(r, 13) == 1 ? GS_STORE_JOB_KIND_COMPARE : GS_STORE_JOB_KIND_ANALYSIS;
}

void gs_store__read_comparison(const gs_store__row *r, void *out)
{
    gs_store_comparison *x = out;
    memset(x, 0, sizeof(*x));
    text(r, 0, x->id, sizeof(x->id));
    text(r, 1, x->athlete, sizeof(x->athlete));
    text(r, 2, x->before, sizeof(x->before));
    text(r, 3, x->after, sizeof(x->after));
    text(r, 4, x->job, sizeof(x->job));
    text(r, 5, x->options_json, sizeof(x->options_json));
    x->created = r->i64(r, 6);
}

void gs_store__read_share(const gs_store__row *r, void *out)
{
    gs_store_share *h = out;
    memset(h, 0, sizeof(*h));
    text(r, 0, h->id, sizeof(h->id));
    h->created = r->i64(r, 1);
    h->expires = r->i64(r, 2);
}

void gs_store__read_nkt(const gs_store__row *r, void *out)
{
    gs_store_nkt *n = out;
    memset(n, 0, sizeof(*n));
    text(r, 0, n->tests, sizeof(n->tests));
    text(r, 1, n->facilitators, sizeof(n->facilitators));
    text(r, 2, n->released, sizeof(n->released));
    text(r, 3, n->activated, sizeof(n->activated));
    text(r, 4, n->homework, sizeof(n->homework));
    n->updated = r->i64(r, 5);
}

void gs_store__read_invite(const gs_store__row *r, void *out)
{
    gs_store_invite *v = out;
    memset(v, 0, sizeof(*v));
    text(r, 0, v->id, sizeof(v->id));
    text(r, 1, v->account, sizeof(v->account));
    text(r, 2, v->user, sizeof(v->user));
    text(r, 3, v->email, sizeof(v->email));
    v->created = r->i64(r, 4);
    v->expires = r->i64(r, 5);
}

void gs_store__read_access(const gs_store__row *r, void *out)
{
    gs_store_access *a = out;
    memset(a, 0, sizeof(*a));
    a->at = r->i64(r, 0);
    text(r, 1, a->user, sizeof(a->user));
    text(r, 2, a->email, sizeof(a->email));
    text(r, 3, a->athlete, sizeof(a->athlete));
    text(r, 4, a->athlete_name, sizeof(a->athlete_name));
    text(r, 5, a->session, sizeof(a->session));
    text(r, 6, a->what, sizeof(a->what));
    text(r, 7, a->addr, sizeof(a->addr));
}

void gs_store__read_purge(const gs_store__row *r, void *out)
{
    gs_store_purge *p = out;
    memset(p, 0, sizeof(*p));
    text(r, 0, p->account, sizeof(p->account));
    text(r, 1, p->session, sizeof(p->session));
    text(r, 2, p->blob, sizeof(p->blob));
}

void gs_store__read_id(const gs_store__row *r, void *out)
{
    text(r, 0, out, sizeof(gs_store_id));
}

void gs_store__read_id2(const gs_store__row *r, void *out)
{
    gs_store_id *ids = out;
    text(r, 0, ids[0], sizeof(gs_store_id));
    text(r, 1, ids[1], sizeof(gs_store_id));
}

void gs_store__read_i64(const gs_store__row *r, void *out)
{
    *(int64_t *)out = r->i64(r, 0);
}

void gs_store__read_count(const gs_store__row *r, void *out)
{
    gs_store__count *c = out;
    c->key = r->i64(r, 0);
    c->count = r->i64(r, 1);
}

gs_status gs_store__grow(void **arr, size_t *cap, size_t n, size_t elem, gs_error *err)
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
