/*
 * Constant folding at plan time: DEQUANTIZE of float16 weights and DENSIFY of sparse weights
 * (TFLite's SparsityParameters: traversal order, block map, dense and CSR dimensions), with
 * every folded value checked to be finite.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_impl.h"
#include "plan_impl.h"

float gs_nn__half_to_float(uint16_t h)
{
    /* IEEE 754 binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits. */
    uint32_t sign = (uint32_t)(h >> 15) << 31;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t man = h & 0x3ff;
    uint32_t bits;
    float f;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { /* subnormal: value = man * 2^-24 */
            f = (float)man * 5.9604644775390625e-8f;
            return sign ? -f : f;
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (man << 13);
    } else {
        bits = sign | ((exp + 112) << 23) | (man << 13);
    }
    memcpy(&f, &bits, 4);
    return f;
}

/* Reads constant element i of a raw float16/float32 buffer (bounds checked by the caller). */
float gs_nn__raw_value(const uint8_t *d, int32_t type, size_t i)
{
    if (type == GS_NN_TT_FLOAT16)
        return gs_nn__half_to_float((uint16_t)(d[2 * i] | d[2 * i + 1] << 8));
    uint32_t b = gs_nn__rd32le(d + 4 * i);
    float f;
    memcpy(&f, &b, 4);
    return f;
}

static uint32_t sparse_idx(const uint8_t *file, int32_t type, size_t pos, uint32_t i)
{
    switch (type) {
    case 1:
        return gs_nn__rd32le(file + pos + 4 * (size_t)i);
    case 2:
        return (uint32_t)(file[pos + 2 * (size_t)i] | file[pos + 2 * (size_t)i + 1] << 8);
    default:
        return file[pos + i];
    }
}

typedef struct densify {
    const uint8_t *file;
    const gs_nn__tensor *t;
    const gs_nn__sparsity *sp;
    int32_t n;             /* original dims */
    int32_t block_size[4]; /* per block dim */
    int32_t idx[8];        /* current coordinates in traversal order */
    size_t next_value;     /* values consumed */
    size_t n_values;
    float *out;
    int bad; /* set on any inconsistency */
} densify;

static void densify_level(densify *d, int level, uint32_t prev)
{
    const gs_nn__sparsity *sp = d->sp;
    if (d->bad)
        return;
    if (level == sp->n_order) {
        int32_t re[8], orig[4];
        size_t flat = 0;
        for (int i = 0; i < sp->n_order; i++)
            re[sp->order[i]] = d->idx[i];
        for (int i = 0; i < d->n; i++)
            orig[i] = re[i];
        for (int i = 0; i < sp->n_block; i++) {
            int od = sp->block_map[i];
            orig[od] = orig[od] * d->block_size[i] + re[d->n + i];
        }
        for (int i = 0; i < d->n; i++) {
            if (orig[i] < 0 || orig[i] >= d->t->shape[i]) {
                d->bad = 1;
                return;
            }
            flat = flat * (size_t)d->t->shape[i] + (size_t)orig[i];
        }
        if (d->next_value >= d->n_values) {
            d->bad = 1;
            return;
        }
        d->out[flat] = gs_nn__raw_value(d->file + d->t->data_pos, d->t->type, d->next_value++);
        return;
    }
    if (sp->dim[level].format == 0) {
        int32_t size = sp->dim[level].dense_size;
        for (int32_t i = 0; i < size && !d->bad; i++) {
            d->idx[level] = i;
            densify_level(d, level + 1, prev * (uint32_t)size + (uint32_t)i);
        }
    } else {
        const gs_nn__dimmeta *dm = &sp->dim[level];
        if (prev + 1 >= dm->seg_n) {
            d->bad = 1;
            return;
        }
        uint32_t a = sparse_idx(d->file, dm->seg_type, dm->seg_pos, prev);
        uint32_t b = sparse_idx(d->file, dm->seg_type, dm->seg_pos, prev + 1);
        if (a > b || b > dm->idx_n) {
            d->bad = 1;
            return;
        }
        for (uint32_t j = a; j < b && !d->bad; j++) {
            d->idx[level] = (int32_t)sparse_idx(d->file, dm->idx_type, dm->idx_pos, j);
            densify_level(d, level + 1, j);
        }
    }
}

/*
 * A constant with a NaN or an infinity: every output it reaches is NaN, and the first sign was
 * far away ("warp: empty image, crop or rectangle" from a region computed from NaN landmarks,
 * with no file named). No trained weight is non-finite, so the file is damaged; it is refused
 * at load, naming the file, the operator, the tensor and the element.
 */
gs_status gs_nn__plan_check_finite(gs_nn__planner *p, int oi, int ti, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return gs_nn__plan_err(
                p, oi, GS_ERR_FORMAT,
                "weight tensor '%s' holds a non-finite value (%g) at element %zu: the "
                "model file is damaged",
                gs_nn__tensor_name(p->m, ti), (double)v[i], i);
    return GS_OK;
}

/* DENSIFY at load: TFLite's sparse format (schema.fbs SparsityParameters, a TACO-style CSR per
 * dimension in traversal order, optional blocks) expanded into a dense float32 array. */
gs_status gs_nn__fold_densify(gs_nn__planner *p, int oi, gs_nn__tensor *in, gs_nn__tensor *out)
{
    gs_nn_model *m = p->m;
    const gs_nn__sparsity *sp = &in->sp;
    densify d;
    size_t esize = in->type == GS_NN_TT_FLOAT16 ? 2 : 4;
    int seen[8] = {0};

    if (!sp->present)
        return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "input has no sparsity parameters");
    if (in->type != GS_NN_TT_FLOAT16 && in->type != GS_NN_TT_FLOAT32)
        return gs_nn__plan_err(p, oi, GS_ERR_UNSUPPORTED, "sparse tensor type not float16/float32");
    if (in->ndim != out->ndim || in->ndim < 1 || sp->n_order != in->ndim + sp->n_block)
        return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "sparsity: traversal_order size mismatch");
    for (int i = 0; i < in->ndim; i++)
        if (in->shape[i] != out->shape[i])
            return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "output shape differs from input");
    memset(&d, 0, sizeof(d));
    d.n = in->ndim;
    for (int i = 0; i < sp->n_order; i++) {
        int32_t o = sp->order[i];
        if (o < 0 || o >= sp->n_order || seen[o] || (i < d.n) != (o < d.n))
            return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "sparsity: traversal_order invalid");
        seen[o] = 1;
    }
    for (int i = 0; i < sp->n_block; i++) {
        if (sp->block_map[i] < 0 || sp->block_map[i] >= d.n)
            return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "sparsity: block_map invalid");
        d.block_size[i] = 0;
    }
    /* expected size of each level: bounds the traversal by the dense element count */
    for (int l = 0; l < sp->n_order; l++) {
        int32_t o = sp->order[l], expect;
        if (o >= d.n) {
            expect = sp->dim[l].dense_size;
            if (sp->dim[l].format != 0 || expect < 1)
                return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "sparsity: block dimension not dense");
            d.block_size[o - d.n] = expect;
        }
    }
    for (int l = 0; l < sp->n_order; l++) {
        int32_t o = sp->order[l], expect = 0;
        if (o < d.n) {
            expect = in->shape[o];
            for (int b = 0; b < sp->n_block; b++)
                if (sp->block_map[b] == o) {
                    if (d.block_size[b] < 1 || in->shape[o] % d.block_size[b])
                        return gs_nn__plan_err(p, oi, GS_ERR_FORMAT,
                                               "sparsity: block size invalid");
                    expect = in->shape[o] / d.block_size[b];
                }
            if (sp->dim[l].format == 0 && sp->dim[l].dense_size != expect)
                return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "sparsity: dense_size mismatch");
        }
        if (sp->dim[l].format != 0 && sp->dim[l].format != 1)
            return gs_nn__plan_err(p, oi, GS_ERR_UNSUPPORTED, "sparsity: dimension format unknown");
        if (sp->dim[l].format == 1 && (sp->dim[l].seg_type == 0 || sp->dim[l].idx_type == 0))
            return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "sparsity: CSR dimension without arrays");
    }
    d.file = m->file;
    d.t = in;
    d.sp = sp;
    d.n_values = in->data_len / esize;
    if (out->nelem > 1024 * (d.n_values + 64))
        return gs_nn__plan_err(p, oi, GS_ERR_FORMAT,
                               "dense size implausible for the stored values");
    if (!p->share) {
        d.out = gs_nn__calloc(m, out->nelem, sizeof(float));
        if (!d.out)
            return gs_fail(p->err, GS_ERR_NOMEM, "%s: out of memory", m->path);
        densify_level(&d, 0, 0);
        if (d.bad) {
            gs_nn__free(m, d.out);
            return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "sparse index data out of range");
        }
        out->cval = d.out;
        out->cval_owned = 1;
        if (gs_nn__plan_check_finite(p, oi, (int)(in - m->tensors), d.out, out->nelem) != GS_OK)
            return GS_ERR_FORMAT; /* d.out is owned by out now */
    }
    out->is_const = 1;
    out->from_densify = 1;
    return GS_OK;
}

/* DEQUANTIZE (float16 -> float32) or a plain float32 constant, at load. */
gs_status gs_nn__fold_dequantize(gs_nn__planner *p, int oi, gs_nn__tensor *in, gs_nn__tensor *out)
{
    gs_nn_model *m = p->m;
    if (in->nelem != out->nelem)
        return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "input and output sizes differ");
    if (in->type != GS_NN_TT_FLOAT16 && !(in->cval && in->type == GS_NN_TT_FLOAT32))
        return gs_nn__plan_err(p, oi, GS_ERR_UNSUPPORTED, "input type is not float16");
    if (!in->cval && in->data_len != in->nelem * 2 && !p->share)
        return gs_nn__plan_err(p, oi, GS_ERR_FORMAT,
                               "constant buffer size does not match its shape");
    out->is_const = 1;
    out->from_densify = in->from_densify;
    if (p->share)
        return GS_OK;
    out->cval = gs_nn__alloc(m, out->nelem * sizeof(float));
    if (!out->cval)
        return gs_fail(p->err, GS_ERR_NOMEM, "%s: out of memory", m->path);
    out->cval_owned = 1;
    if (in->cval)
        memcpy(out->cval, in->cval, out->nelem * sizeof(float));
    else
        for (size_t i = 0; i < out->nelem; i++)
            out->cval[i] = gs_nn__raw_value(m->file + in->data_pos, GS_NN_TT_FLOAT16, i);
    return gs_nn__plan_check_finite(p, oi, (int)(in - m->tensors), out->cval, out->nelem);
}
