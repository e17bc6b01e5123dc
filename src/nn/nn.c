/*
 * gaitscope nn: public API (load, describe, run, free) and the allocation hook.
 */
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "nn_impl.h"

static void *default_alloc(void *user, size_t size)
{
    (void)user;
    return malloc(size);
}

static void default_free(void *user, void *p)
{
    (void)user;
    free(p);
}

/* 64-byte aligned block through the hook; the raw pointer is kept just before it. */
void *gs_nn__alloc(gs_nn_model *m, size_t size)
{
    size_t total;
    if (size > SIZE_MAX - 64 - sizeof(void *))
        return NULL;
    total = size + 64 + sizeof(void *);
    uint8_t *raw = m->alloc.alloc(m->alloc.user, total);
    if (!raw)
        return NULL;
    uintptr_t a = ((uintptr_t)raw + sizeof(void *) + 63) & ~(uintptr_t)63;
    ((void **)a)[-1] = raw;
    return (void *)a;
}

void *gs_nn__calloc(gs_nn_model *m, size_t n, size_t size)
{
    size_t total;
    if (gs_size_mul(n, size, &total) != 0)
        return NULL;
    void *p = gs_nn__alloc(m, total);
    if (p)
        memset(p, 0, total);
    return p;
}

void gs_nn__free(gs_nn_model *m, void *p)
{
    if (p)
        m->alloc.free(m->alloc.user, ((void **)p)[-1]);
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

/* Marks the operators that feed none of the outputs named in names (NULL-terminated) as
 * skipped: walking the planned operators backwards from those outputs, an operator is needed
 * when a needed operator (or the caller) reads its output tensor. The arena and every kernel
 * stay as planned, so the outputs computed are the same bits as with all of them. */
static gs_status select_outputs(gs_nn_model *m, const char *const *names, gs_error *err)
{
    gs_status rc = GS_OK;
    uint8_t *live = NULL;
    if (!names)
        return GS_OK;
    m->out_skipped = gs_nn__calloc(m, (size_t)m->n_outputs + 1, 1);
    live = gs_nn__calloc(m, (size_t)m->n_tensors + 1, 1);
    if (!m->out_skipped || !live) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", m->path);
        goto done;
    }
    memset(m->out_skipped, 1, (size_t)m->n_outputs);
    for (int k = 0; names[k]; k++) {
        int i = gs_nn_output_index(m, names[k]);
        if (i < 0) {
            rc = gs_fail(err, GS_ERR_ARG, "%s: outputs: the model has no output '%.60s'",
                         m->path, names[k]);
            goto done;
        }
        m->out_skipped[i] = 0;
        live[m->outputs[i]] = 1;
    }
    for (int i = m->n_ops - 1; i >= 0; i--) {
        gs_nn__op *op = &m->ops[i];
        op->skip = !live[op->out];
        if (op->skip) {
            m->macs -= op->macs; /* gs_nn_macs(): what one run does */
            continue;
        }
        for (int k = 0; k < op->n_in; k++)
            if (op->in[k] >= 0)
                live[op->in[k]] = 1;
    }
done:
    gs_nn__free(m, live);
    return rc;
}

static gs_status finish_load(gs_nn_model *m, const gs_nn_options *opt, gs_error *err)
{
    gs_status rc;
    const gs_nn_model *share = opt ? opt->share_weights : NULL;

    if (share && (share->file_hash != m->file_hash || share->no_sparse != m->no_sparse))
        return gs_fail(err, GS_ERR_ARG, "%s: share_weights: the donor model was loaded from "
                                        "another file or with other options",
                       m->path);
    if ((rc = gs_nn__parse(m, err)) != GS_OK)
        return rc;
    if ((rc = gs_nn__plan(m, share, err)) != GS_OK)
        return rc;

    /* names of graph inputs/outputs outlive the file buffer */
    m->io_names = gs_nn__calloc(m, (size_t)(m->n_inputs + m->n_outputs), sizeof(char *));
    if (!m->io_names)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", m->path);
    for (int i = 0; i < m->n_inputs + m->n_outputs; i++) {
        const char *nm = gs_nn__tensor_name(m, m->inputs[i]);
        size_t len = strlen(nm);
        m->io_names[i] = gs_nn__alloc(m, len + 1);
        if (!m->io_names[i])
            return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", m->path);
        memcpy(m->io_names[i], nm, len + 1);
    }
    m->file = NULL; /* owned by the caller of finish_load */
    if ((rc = select_outputs(m, opt ? opt->outputs : NULL, err)) != GS_OK)
        return rc;

    m->inbuf = gs_nn__calloc(m, (size_t)m->n_inputs, sizeof(float *));
    if (!m->inbuf)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", m->path);
    for (int i = 0; i < m->n_inputs; i++) {
        gs_nn__tensor *t = &m->tensors[m->inputs[i]];
        m->inbuf[i] = gs_nn__calloc(m, t->nelem, sizeof(float));
        if (!m->inbuf[i])
            return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (input %d)", m->path, i);
        t->data = m->inbuf[i];
    }
    m->arena = gs_nn__calloc(m, m->arena_floats ? m->arena_floats : 1, sizeof(float));
    if (!m->arena)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (arena of %zu floats)", m->path,
                       m->arena_floats);
    for (int i = 0; i < m->n_tensors; i++) {
        gs_nn__tensor *t = &m->tensors[i];
        if (t->producer >= 0)
            t->data = m->arena + t->off;
    }
    if (m->scratch_floats) {
        size_t n;
        if (gs_size_mul(m->scratch_floats, (size_t)m->n_threads, &n) != 0 ||
            !(m->scratch = gs_nn__calloc(m, n, sizeof(float))))
            return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory (scratch)", m->path);
    }
    m->mem_bytes = (m->arena_floats + m->scratch_floats * (size_t)m->n_threads) * sizeof(float);
    for (int i = 0; i < m->n_tensors; i++)
        if (m->tensors[i].cval && m->tensors[i].cval_owned)
            m->mem_bytes += m->tensors[i].nelem * sizeof(float);
    for (int i = 0; i < m->n_ops; i++) {
        const gs_nn__op *op = &m->ops[i];
        if (op->sp_owned && op->sp_rowptr)
            m->mem_bytes += (size_t)op->sp_rowptr[op->oc] * 8;
        if (op->wpack_owned && op->wpack && op->kind == GS_NN_K_DWPW8)
            m->mem_bytes += 9 * 16 * sizeof(float);
        else if (op->wpack_owned && op->wpack)
            m->mem_bytes += ((size_t)op->kh * op->kw * op->ic + 1) * op->ocp * sizeof(float);
        if (op->gpack_owned && op->gpack)
            m->mem_bytes += ((size_t)op->kh * op->kw * op->ic + 1) *
                            (((size_t)op->oc + GS_NN_GEMM_PANEL - 1) / GS_NN_GEMM_PANEL) *
                            GS_NN_GEMM_PANEL * sizeof(float);
    }
    m->task_fn = gs_nn__select_kernels(m->max_isa);
    if (gs_nn__pool_create(m->n_threads, &m->alloc, &m->pool) != GS_OK)
        return gs_fail(err, GS_ERR_NOMEM, "%s: cannot start %d threads", m->path, m->n_threads);
    return GS_OK;
}

gs_status gs_nn_model_load_buffer(const void *data, size_t len, const char *name,
                                  const gs_nn_options *opt, gs_nn_model **out, gs_error *err)
{
    gs_nn_allocator al = {default_alloc, default_free, NULL};
    gs_nn_model *m = NULL;
    gs_status rc;

    if (!out)
        return gs_fail(err, GS_ERR_ARG, "%s: no output pointer", name ? name : "model");
    *out = NULL;
    if (!name)
        name = "model";
    if (!data && len)
        return gs_fail(err, GS_ERR_ARG, "%s: no data", name);
    if (opt && opt->allocator)
        al = *opt->allocator;
    if (opt && (opt->n_threads < 0 || opt->n_threads > GS_NN_MAX_THREADS))
        return gs_fail(err, GS_ERR_ARG, "%s: n_threads %d out of range 0..%d", name,
                       opt->n_threads, GS_NN_MAX_THREADS);
    m = al.alloc(al.user, sizeof(*m));
    if (!m)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", name);
    memset(m, 0, sizeof(*m));
    m->alloc = al;
    m->n_threads = opt && opt->n_threads > 0 ? opt->n_threads : 1;
    m->no_sparse = opt ? opt->no_sparse != 0 : 0;
    m->max_isa = opt ? opt->max_isa : 0;
    m->path = name;
    /* the caller's bytes are only read during the load (weights are converted to float32,
     * names of inputs/outputs copied), so no copy of the file is kept */
    m->file = data ? (const uint8_t *)data : (const uint8_t *)"";
    m->file_len = len;
    m->file_hash = fnv1a(m->file, len);
    rc = finish_load(m, opt, err);
    m->file = NULL;
    if (rc != GS_OK)
        goto fail;
    m->path = NULL;
    *out = m;
    return GS_OK;
fail:
    gs_nn_model_free(&m);
    return rc;
}

gs_status gs_nn_model_load(const char *path, const gs_nn_options *opt, gs_nn_model **out,
                           gs_error *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    gs_status rc;
    if (out)
        *out = NULL;
    if (!path || !out)
        return gs_fail(err, GS_ERR_ARG, "gs_nn_model_load: NULL argument");
    rc = gs_file_read_all(path, &data, &len, err);
    if (rc != GS_OK)
        return rc;
    rc = gs_nn_model_load_buffer(data, len, path, opt, out, err);
    free(data);
    return rc;
}

int gs_nn_num_inputs(const gs_nn_model *m)
{
    return m ? m->n_inputs : 0;
}

int gs_nn_num_outputs(const gs_nn_model *m)
{
    return m ? m->n_outputs : 0;
}

static void fill_desc(const gs_nn_model *m, int io, gs_nn_tensor_desc *d)
{
    const gs_nn__tensor *t = &m->tensors[m->inputs[io]];
    memset(d, 0, sizeof(*d));
    d->name = m->io_names[io];
    d->ndim = t->ndim;
    for (int i = 0; i < t->ndim; i++)
        d->shape[i] = t->shape[i];
}

gs_status gs_nn_input_desc(const gs_nn_model *m, int i, gs_nn_tensor_desc *d)
{
    if (!m || !d || i < 0 || i >= m->n_inputs)
        return GS_ERR_ARG;
    fill_desc(m, i, d);
    return GS_OK;
}

gs_status gs_nn_output_desc(const gs_nn_model *m, int i, gs_nn_tensor_desc *d)
{
    if (!m || !d || i < 0 || i >= m->n_outputs)
        return GS_ERR_ARG;
    fill_desc(m, m->n_inputs + i, d);
    return GS_OK;
}

int gs_nn_output_index(const gs_nn_model *m, const char *name)
{
    if (!m || !name)
        return -1;
    for (int i = 0; i < m->n_outputs; i++)
        if (strcmp(m->io_names[m->n_inputs + i], name) == 0)
            return i;
    return -1;
}

float *gs_nn_input_data(gs_nn_model *m, int i)
{
    if (!m || i < 0 || i >= m->n_inputs)
        return NULL;
    return m->inbuf[i];
}

const float *gs_nn_output_data(const gs_nn_model *m, int i)
{
    if (!m || i < 0 || i >= m->n_outputs || (m->out_skipped && m->out_skipped[i]))
        return NULL;
    return m->tensors[m->outputs[i]].data;
}

gs_status gs_nn_run(gs_nn_model *m, gs_error *err)
{
    if (!m)
        return gs_fail(err, GS_ERR_ARG, "gs_nn_run: no model");
    for (int i = 0; i < m->n_ops; i++)
        if (!m->ops[i].skip)
            gs_nn__run_op(m, &m->ops[i]);
    return GS_OK;
}

double gs_nn_macs(const gs_nn_model *m)
{
    return m ? m->macs : 0.0;
}

size_t gs_nn_memory_bytes(const gs_nn_model *m)
{
    return m ? m->mem_bytes : 0;
}

void gs_nn_model_free(gs_nn_model **pm)
{
    gs_nn_model *m = pm ? *pm : NULL;
    if (!m)
        return;
    gs_nn__pool_free(&m->pool, &m->alloc);
    if (m->tensors)
        for (int i = 0; i < m->n_tensors; i++)
            if (m->tensors[i].cval_owned)
                gs_nn__free(m, m->tensors[i].cval);
    if (m->ops)
        for (int i = 0; i < m->n_ops; i++)
        {
            if (m->ops[i].sp_owned) {
                gs_nn__free(m, m->ops[i].sp_rowptr);
                gs_nn__free(m, m->ops[i].sp_col);
                gs_nn__free(m, m->ops[i].sp_val);
            }
            if (m->ops[i].wpack_owned)
                gs_nn__free(m, m->ops[i].wpack);
            if (m->ops[i].gpack_owned)
                gs_nn__free(m, m->ops[i].gpack);
            gs_nn__free(m, m->ops[i].rx);
        }
    if (m->io_names)
        for (int i = 0; i < m->n_inputs + m->n_outputs; i++)
            gs_nn__free(m, m->io_names[i]);
    gs_nn__free(m, m->io_names);
    gs_nn__free(m, m->out_skipped);
    if (m->inbuf)
        for (int i = 0; i < m->n_inputs; i++)
            gs_nn__free(m, m->inbuf[i]);
    gs_nn__free(m, m->inbuf);
    gs_nn__free(m, m->scratch);
    gs_nn__free(m, m->arena);
    gs_nn__free(m, m->ops);
    gs_nn__free(m, m->tensors);
    gs_nn__free(m, m->rawops);
    gs_nn__free(m, m->inputs);
    gs_nn_allocator al = m->alloc;
    al.free(al.user, m);
    *pm = NULL;
}

void gs_nn_process_init(void)
{
    /* OpenBLAS runs single-threaded inside our tasks: its own threading is slow for these small
     * shapes and would oversubscribe the cores our pool already splits the work over. */
    openblas_set_num_threads(1);
}
