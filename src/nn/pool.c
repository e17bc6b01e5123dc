/*
 * A small fork-join thread pool for gs_nn_run(): n - 1 workers plus the calling thread run the
 * tasks of the current job. An inference is ~100-700 short jobs, so:
 *  - each thread owns a contiguous range of the job's task indices (thread t: the t-th n-th) and
 *    runs it from the front; a thread that is done steals single tasks from the back of the
 *    others' ranges. Task indices run over output rows / pixel tiles, so a thread works on the
 *    same band of the image in consecutive operators and reads what it wrote itself: with
 *    interleaved claims from one shared counter, each task ran about twice as slowly with two
 *    threads as with one (input lines fetched from the other core's cache; measured in
 *    docs/benchmarks.md), and the second thread bought nothing;
 *  - a range is one 64-bit word (generation, next, end) on its own cache line, claimed by
 *    compare-and-swap: the owner's claims touch only its own line, and a late worker can never
 *    claim a task of a job that has moved on (the generation is part of the compared word);
 *  - each thread reports its finished tasks once per job (one atomic add, not one per task);
 *    the caller never waits for a worker to *join* a job, only for claimed tasks to finish (on a
 *    busy machine a descheduled worker then costs nothing: the caller steals its range);
 *  - workers spin briefly between jobs (a condition-variable wake-up costs tens of
 *    microseconds) and sleep when idle; the caller is only told to wake them if one sleeps.
 * Nothing here allocates after creation.
 */
#include <sched.h>
#include <string.h>

#include "nn_impl.h"

/* Spin iterations before a worker sleeps: ~370 us on this project's Zen 5 VM (18.5 ns per
 * pause, measured 2026-12-06), longer than any gap between two jobs of one inference. */
#define SPIN_ITERS 20000
/* Spin iterations of the caller waiting for claimed tasks before it yields the CPU. */
#define WAIT_SPINS 2000
#define CACHE_LINE 64

/* range word: generation (16 bits) | next task (24 bits) | end (24 bits, exclusive) */
#define RG_GEN(s)  ((unsigned)((s) >> 48))
#define RG_NEXT(s) ((int)(((s) >> 24) & 0xffffff))
#define RG_END(s)  ((int)((s)&0xffffff))
#define RG_MAKE(gen, next, end) \
    ((uint64_t)(gen) << 48 | (uint64_t)(next) << 24 | (uint64_t)(end))

/* A word alone on its cache line (the lines are aligned by hand: the allocator hook promises
 * only 16 bytes). */
typedef struct gs_nn__line {
    _Atomic uint64_t w;
    char pad[CACHE_LINE - sizeof(uint64_t)];
} gs_nn__line;
/* lines[0]: generation of the current job (written by the caller once per job, read by spinning
 * workers); lines[1]: tasks of the current job finished (added to by each thread once per job,
 * read by the waiting caller); lines[2 + t]: thread t's range of the current job */
#define GEN(p)      (&(p)->lines[0].w)
#define DONE(p)     (&(p)->lines[1].w)
#define RANGE(p, t) (&(p)->lines[2 + (t)].w)

struct gs_nn__pool {
    int n;                   /* threads including the caller */
    pthread_t *threads;      /* n - 1 workers */
    int started;             /* workers successfully created */
    pthread_mutex_t mu;
    pthread_cond_t cv;       /* a job was posted, or stop */
    gs_nn__task_fn fn;       /* current job (stable while any of its tasks is unfinished) */
    void *job;
    gs_nn__line *lines;      /* n + 2, see GEN; aligned inside lbuf */
    void *lbuf;
    atomic_int stop;
    atomic_int sleepers;     /* workers blocked on cv */
    struct gs_nn__worker {
        struct gs_nn__pool *pool;
        int id;
    } *workers;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Claims one task of generation gen from range r: the front if own, else the back. Returns the
 * task index, or -1 when the range is empty or belongs to another job. */
static int claim(_Atomic uint64_t *r, unsigned gen, int own)
{
    uint64_t s = atomic_load(r);
    for (;;) {
        int next = RG_NEXT(s), end = RG_END(s);
        if (RG_GEN(s) != gen || next >= end)
            return -1;
        uint64_t t = own ? RG_MAKE(gen, next + 1, end) : RG_MAKE(gen, next, end - 1);
        if (atomic_compare_exchange_weak(r, &s, t))
            return own ? next : end - 1;
    }
}

/* Runs tasks of generation gen (own range first, then the others' from the back) until none
 * is left, then reports how many it ran. */
static void do_tasks(gs_nn__pool *p, unsigned gen, int id)
{
    int ran = 0, t;
    while ((t = claim(RANGE(p, id), gen, 1)) >= 0) {
        p->fn(p->job, t, id);
        ran++;
    }
    for (int k = 1; k < p->n; k++) {
        _Atomic uint64_t *r = RANGE(p, (id + k) % p->n);
        while ((t = claim(r, gen, 0)) >= 0) {
            p->fn(p->job, t, id);
            ran++;
        }
    }
    if (ran)
        atomic_fetch_add(DONE(p), (uint64_t)ran);
}

static void *worker_main(void *arg)
{
    struct gs_nn__worker *w = arg;
    gs_nn__pool *p = w->pool;
    uint64_t seen = 0;
    for (;;) {
        int spins = 0;
        while (atomic_load(GEN(p)) == seen && !atomic_load(&p->stop)) {
            if (++spins < SPIN_ITERS) {
                cpu_relax();
                continue;
            }
            pthread_mutex_lock(&p->mu);
            atomic_fetch_add(&p->sleepers, 1);
            while (atomic_load(GEN(p)) == seen && !atomic_load(&p->stop))
                pthread_cond_wait(&p->cv, &p->mu);
            atomic_fetch_sub(&p->sleepers, 1);
            pthread_mutex_unlock(&p->mu);
        }
        if (atomic_load(&p->stop))
            break;
        seen = atomic_load(GEN(p));
        do_tasks(p, (unsigned)seen, w->id);
    }
    return NULL;
}

gs_status gs_nn__pool_create(int n_threads, const gs_nn_allocator *a, gs_nn__pool **out)
{
    gs_nn__pool *p;
    *out = NULL;
    if (n_threads < 1)
        n_threads = 1;
    p = a->alloc(a->user, sizeof(*p));
    if (!p)
        return GS_ERR_NOMEM;
    memset(p, 0, sizeof(*p));
    p->n = n_threads;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    atomic_init(&p->sleepers, 0);
    atomic_init(&p->stop, 0);
    p->lbuf = a->alloc(a->user, sizeof(gs_nn__line) * (size_t)(n_threads + 3));
    if (!p->lbuf) {
        gs_nn__pool_free(&p, a);
        return GS_ERR_NOMEM;
    }
    p->lines = (gs_nn__line *)(((uintptr_t)p->lbuf + CACHE_LINE - 1) &
                               ~(uintptr_t)(CACHE_LINE - 1));
    for (int i = 0; i < n_threads + 2; i++)
        atomic_init(&p->lines[i].w, 0);
    if (n_threads > 1) {
        p->threads = a->alloc(a->user, sizeof(pthread_t) * (size_t)(n_threads - 1));
        p->workers = a->alloc(a->user, sizeof(*p->workers) * (size_t)(n_threads - 1));
        if (!p->threads || !p->workers) {
            gs_nn__pool_free(&p, a);
            return GS_ERR_NOMEM;
        }
        for (int i = 0; i < n_threads - 1; i++) {
            p->workers[i].pool = p;
            p->workers[i].id = i + 1;
            if (pthread_create(&p->threads[i], NULL, worker_main, &p->workers[i]) != 0) {
                gs_nn__pool_free(&p, a);
                return GS_ERR_NOMEM;
            }
            p->started++;
        }
    }
    *out = p;
    return GS_OK;
}

void gs_nn__pool_run(gs_nn__pool *p, gs_nn__task_fn fn, void *job, int ntasks)
{
    if (ntasks <= 0)
        return;
    if (p->n == 1 || ntasks == 1 || ntasks > 0xffffff) {
        for (int t = 0; t < ntasks; t++)
            fn(job, t, 0);
        return;
    }
    p->fn = fn;
    p->job = job;
    atomic_store(DONE(p), 0);
    unsigned gen = (unsigned)(atomic_load(GEN(p)) + 1) & 0xffff;
    for (int i = 0; i < p->n; i++) {
        int lo = (int)((int64_t)ntasks * i / p->n), hi = (int)((int64_t)ntasks * (i + 1) / p->n);
        atomic_store(RANGE(p, i), RG_MAKE(gen, lo, hi));
    }
    atomic_store(GEN(p), gen);
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    do_tasks(p, gen, 0);
    int spins = 0;
    while (atomic_load(DONE(p)) < (uint64_t)ntasks) {
        if (++spins < WAIT_SPINS)
            cpu_relax();
        else
            sched_yield();
    }
}

void gs_nn__pool_free(gs_nn__pool **pp, const gs_nn_allocator *a)
{
    gs_nn__pool *p = pp ? *pp : NULL;
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->stop, 1);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->started; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    if (p->threads)
        a->free(a->user, p->threads);
    if (p->workers)
        a->free(a->user, p->workers);
    if (p->lbuf)
        a->free(a->user, p->lbuf);
    a->free(a->user, p);
    *pp = NULL;
}
