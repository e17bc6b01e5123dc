/*
 * A small fork-join thread pool for gs_nn_run(): n - 1 workers plus the calling thread take
 * task indices from one atomic counter. An inference is ~100-700 short jobs, so workers spin
 * briefly between jobs (a condition-variable wake-up costs tens of microseconds) and sleep on a
 * condition variable when idle. Nothing here allocates after creation.
 */
#include <sched.h>
#include <string.h>

#include "nn_impl.h"

/* Spin iterations before sleeping (~50-100 us on current x86 with the pause hint). */
#define SPIN_ITERS 20000

struct gs_nn__pool {
    int n;                    /* threads including the caller */
    pthread_t *threads;       /* n - 1 workers */
    int started;              /* workers successfully created */
    pthread_mutex_t mu;
    pthread_cond_t cv_start;  /* job posted or stop */
    pthread_cond_t cv_done;   /* last worker finished */
    atomic_uint gen;          /* job generation, bumped per job */
    atomic_int next;          /* next task index */
    atomic_int pending;       /* workers not yet done with the current job */
    atomic_int stop;
    gs_nn__task_fn fn;
    void *job;
    int ntasks;
    struct worker {
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

static void do_tasks(gs_nn__pool *p, int id)
{
    int t;
    while ((t = atomic_fetch_add(&p->next, 1)) < p->ntasks)
        p->fn(p->job, t, id);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    gs_nn__pool *p = w->pool;
    unsigned seen = 0;
    for (;;) {
        int spins = 0;
        while (atomic_load(&p->gen) == seen && !atomic_load(&p->stop)) {
            if (++spins < SPIN_ITERS) {
                cpu_relax();
                continue;
            }
            pthread_mutex_lock(&p->mu);
            while (atomic_load(&p->gen) == seen && !atomic_load(&p->stop))
                pthread_cond_wait(&p->cv_start, &p->mu);
            pthread_mutex_unlock(&p->mu);
        }
        if (atomic_load(&p->stop))
            break;
        seen = atomic_load(&p->gen);
        do_tasks(p, w->id);
        if (atomic_fetch_sub(&p->pending, 1) == 1) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->cv_done);
            pthread_mutex_unlock(&p->mu);
        }
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
    pthread_cond_init(&p->cv_start, NULL);
    pthread_cond_init(&p->cv_done, NULL);
    atomic_init(&p->gen, 0);
    atomic_init(&p->next, 0);
    atomic_init(&p->pending, 0);
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
    if (p->n == 1 || ntasks == 1) {
        for (int t = 0; t < ntasks; t++)
            fn(job, t, 0);
        return;
    }
    p->fn = fn;
    p->job = job;
    p->ntasks = ntasks;
    atomic_store(&p->next, 0);
    atomic_store(&p->pending, p->n - 1);
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add(&p->gen, 1);
    pthread_cond_broadcast(&p->cv_start);
    pthread_mutex_unlock(&p->mu);
    do_tasks(p, 0);
    int spins = 0;
    while (atomic_load(&p->pending) > 0) {
        if (++spins < SPIN_ITERS) {
            cpu_relax();
            continue;
        }
        pthread_mutex_lock(&p->mu);
        while (atomic_load(&p->pending) > 0)
            pthread_cond_wait(&p->cv_done, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
}

void gs_nn__pool_free(gs_nn__pool **pp, const gs_nn_allocator *a)
{
    gs_nn__pool *p = pp ? *pp : NULL;
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->stop, 1);
    pthread_cond_broadcast(&p->cv_start);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->started; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->cv_done);
    pthread_cond_destroy(&p->cv_start);
    pthread_mutex_destroy(&p->mu);
    if (p->threads)
        a->free(a->user, p->threads);
    if (p->workers)
        a->free(a->user, p->workers);
    a->free(a->user, p);
    *pp = NULL;
}
