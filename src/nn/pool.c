/*
 * A small fork-join thread pool for gs_nn_run(): n - 1 workers plus the calling thread claim task
 * indices of the current job from one atomic word. An inference is ~100-700 short jobs, so:
 *  - the caller never waits for a worker to *join* a job, only for claimed tasks to finish (on a
 *    busy machine a descheduled worker then costs nothing: the caller runs its share);
 *  - the word packs (generation, ntasks, next) so a late worker can never claim a task of a job
 *    that has moved on (compare-and-swap on the whole word);
 *  - workers spin briefly between jobs (a condition-variable wake-up costs tens of
 *    microseconds) and sleep when idle; the caller is only told to wake them if one sleeps.
 * Nothing here allocates after creation.
 */
#include <sched.h>
#include <string.h>

#include "nn_impl.h"

/* Spin iterations before a worker sleeps (~50-100 us with the pause hint). */
#define SPIN_ITERS 20000
/* Spin iterations of the caller waiting for claimed tasks before it yields the CPU. */
#define WAIT_SPINS 2000

/* state word: generation (16 bits) | ntasks (24 bits) | next task (24 bits) */
#define ST_GEN(s)    ((unsigned)((s) >> 48))
#define ST_NTASKS(s) ((int)(((s) >> 24) & 0xffffff))
#define ST_NEXT(s)   ((int)((s)&0xffffff))

struct gs_nn__pool {
    int n;                   /* threads including the caller */
    pthread_t *threads;      /* n - 1 workers */
    int started;             /* workers successfully created */
    pthread_mutex_t mu;
    pthread_cond_t cv;       /* a job was posted, or stop */
    _Atomic uint64_t state;  /* see ST_* */
    atomic_int done;         /* tasks of the current job finished */
    atomic_int sleepers;     /* workers blocked on cv */
    atomic_int stop;
    gs_nn__task_fn fn;       /* current job (stable while any of its tasks is unfinished) */
    void *job;
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

/* Claims and runs tasks of generation gen until none is left. */
static void do_tasks(gs_nn__pool *p, unsigned gen, int id)
{
    for (;;) {
        uint64_t s = atomic_load(&p->state);
        if (ST_GEN(s) != gen || ST_NEXT(s) >= ST_NTASKS(s))
            return;
        if (!atomic_compare_exchange_weak(&p->state, &s, s + 1))
            continue;
        p->fn(p->job, ST_NEXT(s), id);
        atomic_fetch_add(&p->done, 1);
    }
}

static void *worker_main(void *arg)
{
    struct gs_nn__worker *w = arg;
    gs_nn__pool *p = w->pool;
    unsigned seen = 0;
    for (;;) {
        int spins = 0;
        while (ST_GEN(atomic_load(&p->state)) == seen && !atomic_load(&p->stop)) {
            if (++spins < SPIN_ITERS) {
                cpu_relax();
                continue;
            }
            pthread_mutex_lock(&p->mu);
            atomic_fetch_add(&p->sleepers, 1);
            while (ST_GEN(atomic_load(&p->state)) == seen && !atomic_load(&p->stop))
                pthread_cond_wait(&p->cv, &p->mu);
            atomic_fetch_sub(&p->sleepers, 1);
            pthread_mutex_unlock(&p->mu);
        }
        if (atomic_load(&p->stop))
            break;
        seen = ST_GEN(atomic_load(&p->state));
        do_tasks(p, seen, w->id);
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
    atomic_init(&p->state, 0);
    atomic_init(&p->done, 0);
    atomic_init(&p->sleepers, 0);
    atomic_init(&p->stop, 0);
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
    atomic_store(&p->done, 0);
    uint64_t s = atomic_load(&p->state);
    unsigned gen = (ST_GEN(s) + 1) & 0xffff;
    atomic_store(&p->state, (uint64_t)gen << 48 | (uint64_t)ntasks << 24);
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    do_tasks(p, gen, 0);
    int spins = 0;
    while (atomic_load(&p->done) < ntasks) {
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
    a->free(a->user, p);
    *pp = NULL;
}
