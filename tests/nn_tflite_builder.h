/*
 * Test helper: a minimal TFLite flatbuffer writer, so tests and the fuzz corpus can make small
 * models with exactly the operators, options and broken fields they need.
 *
 * It builds back to front like the FlatBuffers builder (flatbuffers.dev, "FlatBuffers
 * internals"): children are written before the tables that reference them, so every uoffset
 * points forward. Field numbers follow tensorflow/lite/schema/schema.fbs. No alignment padding
 * (the gaitscope reader does not need it; this is not a general writer).
 */
#ifndef NN_TFLITE_BUILDER_H
#define NN_TFLITE_BUILDER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct tfb {
    uint8_t *b;   /* data lives at b + cap - size */
    size_t cap;
    size_t size;
    /* model being built */
    uint32_t tensors[256];
    int nt;
    uint32_t buffers[256];
    int nb;
    uint32_t ops[256];
    int nops;
    int32_t opcodes[32];
    int nopc;
} tfb;

typedef struct tfb_field {
    int id;      /* field number in the table */
    int is_ref;  /* 1: reference to obj; 0: scalar bytes */
    uint32_t obj;
    uint8_t bytes[8];
    int len;
} tfb_field;

static void tfb_pre(tfb *f, const void *p, size_t n)
{
    if (f->size + n > f->cap) {
        size_t nc = (f->cap + n) * 2;
        uint8_t *nb = malloc(nc);
        memcpy(nb + nc - f->size, f->b + f->cap - f->size, f->size);
        free(f->b);
        f->b = nb;
        f->cap = nc;
    }
    f->size += n;
    memcpy(f->b + f->cap - f->size, p, n);
}

static void tfb_patch32(tfb *f, uint32_t dist, uint32_t v)
{
    uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    memcpy(f->b + f->cap - dist, le, 4);
}

static void tfb_u32(tfb *f, uint32_t v)
{
    uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    tfb_pre(f, le, 4);
}

/* A reference written now to an object written earlier. */
static void tfb_ref(tfb *f, uint32_t obj)
{
    tfb_u32(f, 0);
    tfb_patch32(f, (uint32_t)f->size, (uint32_t)f->size - obj);
}

static uint32_t tfb_vec_bytes(tfb *f, const void *p, size_t n, size_t esize)
{
    tfb_pre(f, p, n * esize);
    tfb_u32(f, (uint32_t)n);
    return (uint32_t)f->size;
}

static uint32_t tfb_vec_i32(tfb *f, const int32_t *v, int n)
{
    for (int i = n - 1; i >= 0; i--)
        tfb_u32(f, (uint32_t)v[i]);
    tfb_u32(f, (uint32_t)n);
    return (uint32_t)f->size;
}

static uint32_t tfb_string(tfb *f, const char *s)
{
    uint8_t z = 0;
    tfb_pre(f, &z, 1);
    tfb_pre(f, s, strlen(s));
    tfb_u32(f, (uint32_t)strlen(s));
    return (uint32_t)f->size;
}

static uint32_t tfb_vec_ref(tfb *f, const uint32_t *objs, int n)
{
    for (int i = n - 1; i >= 0; i--)
        tfb_ref(f, objs[i]);
    tfb_u32(f, (uint32_t)n);
    return (uint32_t)f->size;
}

static uint32_t tfb_table(tfb *f, const tfb_field *fs, int n)
{
    uint32_t dist[32];
    int maxid = -1;
    uint32_t start = (uint32_t)f->size;
    for (int i = n - 1; i >= 0; i--) {
        if (fs[i].is_ref)
            tfb_ref(f, fs[i].obj);
        else
            tfb_pre(f, fs[i].bytes, (size_t)fs[i].len);
        dist[i] = (uint32_t)f->size;
        if (fs[i].id > maxid)
            maxid = fs[i].id;
    }
    tfb_u32(f, 0); /* soffset to the vtable, patched below */
    uint32_t T = (uint32_t)f->size;
    uint16_t vt[40];
    int nv = maxid + 1;
    vt[0] = (uint16_t)(4 + 2 * nv);
    vt[1] = (uint16_t)(T - start);
    for (int i = 0; i < nv; i++)
        vt[2 + i] = 0;
    for (int i = 0; i < n; i++)
        vt[2 + fs[i].id] = (uint16_t)(T - dist[i]);
    for (int i = 1 + nv; i >= 0; i--) {
        uint8_t le[2] = {(uint8_t)vt[i], (uint8_t)(vt[i] >> 8)};
        tfb_pre(f, le, 2);
    }
    uint32_t V = (uint32_t)f->size;
    tfb_patch32(f, T, V - T); /* vtable = table - soffset, vtable lies before the table */
    return T;
}

static tfb_field tfb_i32(int id, int32_t v)
{
    tfb_field x;
    memset(&x, 0, sizeof(x));
    x.id = id;
    x.len = 4;
    for (int i = 0; i < 4; i++)
        x.bytes[i] = (uint8_t)((uint32_t)v >> (8 * i));
    return x;
}

static tfb_field tfb_u8(int id, int v)
{
    tfb_field x;
    memset(&x, 0, sizeof(x));
    x.id = id;
    x.len = 1;
    x.bytes[0] = (uint8_t)v;
    return x;
}

static tfb_field tfb_obj(int id, uint32_t obj)
{
    tfb_field x;
    memset(&x, 0, sizeof(x));
    x.id = id;
    x.is_ref = 1;
    x.obj = obj;
    return x;
}

static void tfb_init(tfb *f)
{
    memset(f, 0, sizeof(*f));
    f->cap = 1024;
    f->b = malloc(f->cap);
    /* buffer 0: the empty buffer every TFLite model starts with */
    f->buffers[f->nb++] = tfb_table(f, NULL, 0);
}

static void tfb_free(tfb *f)
{
    free(f->b);
    memset(f, 0, sizeof(*f));
}

/* TensorType: 0 float32, 1 float16, 2 int32. data may be NULL (activation). sparsity = 0 or an
 * object from tfb_sparsity(). Returns the tensor index. */
static int tfb_tensor(tfb *f, const char *name, int type, int ndim, const int32_t *shape,
                      const void *data, size_t len, uint32_t sparsity)
{
    int bidx = 0;
    if (data) {
        uint32_t v = tfb_vec_bytes(f, data, len, 1);
        tfb_field bf[1] = {tfb_obj(0, v)};
        bidx = f->nb;
        f->buffers[f->nb++] = tfb_table(f, bf, 1);
    }
    uint32_t sh = tfb_vec_i32(f, shape, ndim);
    uint32_t nm = tfb_string(f, name);
    tfb_field tf[5];
    int n = 0;
    tf[n++] = tfb_obj(0, sh);
    tf[n++] = tfb_u8(1, type);
    tf[n++] = tfb_i32(2, bidx);
    tf[n++] = tfb_obj(3, nm);
    if (sparsity)
        tf[n++] = tfb_obj(6, sparsity);
    f->tensors[f->nt] = tfb_table(f, tf, n);
    return f->nt++;
}

/* Sparse index vector table (type 1 int32, 2 uint16, 3 uint8) holding v[0..n). */
static uint32_t tfb_index_vec(tfb *f, int type, const int32_t *v, int n)
{
    uint32_t vec;
    if (type == 1) {
        vec = tfb_vec_i32(f, v, n);
    } else {
        uint8_t tmp[4096];
        size_t es = type == 2 ? 2 : 1;
        for (int i = 0; i < n; i++) {
            tmp[i * es] = (uint8_t)v[i];
            if (es == 2)
                tmp[i * es + 1] = (uint8_t)(v[i] >> 8);
        }
        vec = tfb_vec_bytes(f, tmp, (size_t)n, es);
    }
    tfb_field fl[1] = {tfb_obj(0, vec)};
    return tfb_table(f, fl, 1);
}

/* SparsityParameters for a [d0, 1, 1, d3] weight: traversal 0..3, dims 0-2 dense, dim 3 CSR. */
static uint32_t tfb_sparsity_csr(tfb *f, const int32_t *shape, const int32_t *seg, int nseg,
                                 const int32_t *idx, int nidx, int itype)
{
    uint32_t dims[4];
    for (int d = 0; d < 3; d++) {
        tfb_field fl[2] = {tfb_u8(0, 0), tfb_i32(1, shape[d])};
        dims[d] = tfb_table(f, fl, 2);
    }
    uint32_t s = tfb_index_vec(f, itype, seg, nseg);
    uint32_t ix = tfb_index_vec(f, itype, idx, nidx);
    tfb_field fl[5] = {tfb_u8(0, 1), tfb_i32(1, 0), tfb_u8(2, itype), tfb_obj(3, s),
                       tfb_u8(4, itype)};
    tfb_field all[6];
    for (int i = 0; i < 5; i++)
        all[i] = fl[i];
    all[5] = tfb_obj(5, ix);
    dims[3] = tfb_table(f, all, 6);
    int32_t order[4] = {0, 1, 2, 3};
    uint32_t ord = tfb_vec_i32(f, order, 4);
    uint32_t dm = tfb_vec_ref(f, dims, 4);
    tfb_field sp[2] = {tfb_obj(0, ord), tfb_obj(2, dm)};
    return tfb_table(f, sp, 2);
}

/* Operator with builtin code, inputs/outputs, options table (0 = none) of union type opt_type. */
static void tfb_op(tfb *f, int code, const int32_t *in, int nin, const int32_t *out, int nout,
                   int opt_type, uint32_t opts)
{
    int oc = -1;
    for (int i = 0; i < f->nopc; i++)
        if (f->opcodes[i] == code)
            oc = i;
    if (oc < 0) {
        oc = f->nopc;
        f->opcodes[f->nopc++] = code;
    }
    uint32_t vi = tfb_vec_i32(f, in, nin);
    uint32_t vo = tfb_vec_i32(f, out, nout);
    tfb_field fl[5];
    int n = 0;
    fl[n++] = tfb_i32(0, oc);
    fl[n++] = tfb_obj(1, vi);
    fl[n++] = tfb_obj(2, vo);
    if (opts) {
        fl[n++] = tfb_u8(3, opt_type);
        fl[n++] = tfb_obj(4, opts);
    }
    f->ops[f->nops++] = tfb_table(f, fl, n);
}

/* Finishes the model; *out points into f (valid until tfb_free), returns its length. */
static size_t tfb_finish(tfb *f, const int32_t *inputs, int nin, const int32_t *outputs,
                         int nout, const uint8_t **out)
{
    uint32_t codes[32];
    for (int i = 0; i < f->nopc; i++) {
        int c = f->opcodes[i];
        tfb_field fl[3] = {tfb_u8(0, c < 127 ? c : 127), tfb_i32(2, 1), tfb_i32(3, c)};
        codes[i] = tfb_table(f, fl, 3);
    }
    uint32_t vt = tfb_vec_ref(f, f->tensors, f->nt);
    uint32_t vi = tfb_vec_i32(f, inputs, nin);
    uint32_t vo = tfb_vec_i32(f, outputs, nout);
    uint32_t vops = tfb_vec_ref(f, f->ops, f->nops);
    tfb_field sg[4] = {tfb_obj(0, vt), tfb_obj(1, vi), tfb_obj(2, vo), tfb_obj(3, vops)};
    uint32_t sgt = tfb_table(f, sg, 4);
    uint32_t vsg = tfb_vec_ref(f, &sgt, 1);
    uint32_t vcodes = tfb_vec_ref(f, codes, f->nopc);
    uint32_t vbuf = tfb_vec_ref(f, f->buffers, f->nb);
    tfb_field mf[4] = {tfb_i32(0, 3), tfb_obj(1, vcodes), tfb_obj(2, vsg), tfb_obj(4, vbuf)};
    uint32_t root = tfb_table(f, mf, 4);
    tfb_pre(f, "TFL3", 4);
    tfb_ref(f, root);
    *out = f->b + f->cap - f->size;
    return f->size;
}

#endif /* NN_TFLITE_BUILDER_H */
