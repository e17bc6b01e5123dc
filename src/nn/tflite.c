/*
 * TFLite flatbuffer reader with a bounds check on every offset and count.
 *
 * FlatBuffers binary layout (flatbuffers.dev "FlatBuffers internals"): the file starts with a
 * uoffset_t (u32, little-endian) to the root table; a table starts with a soffset_t (i32) that
 * locates its vtable at table_pos - soffset; a vtable is u16 vtable_size, u16 table_size, then
 * one u16 per field giving the field's offset inside the table (0 = absent, use the default).
 * Reference fields (tables, vectors, strings) hold a u32 offset relative to the field itself.
 * Vectors and strings are a u32 element count followed by the elements (strings end with NUL).
 * Unions take two field slots: the type (u8) then the value (a table reference).
 *
 * Field numbers are those of tensorflow/lite/schema/schema.fbs: Model {0 version, 1
 * operator_codes, 2 subgraphs, 3 description, 4 buffers}, OperatorCode {0
 * deprecated_builtin_code (i8), 1 custom_code, 2 version, 3 builtin_code (i32)}, SubGraph {0
 * tensors, 1 inputs, 2 outputs, 3 operators, 4 name}, Tensor {0 shape, 1 type, 2 buffer, 3 name,
 * 4 quantization, 5 is_variable, 6 sparsity}, Buffer {0 data, 1 offset, 2 size}, Operator {0
 * opcode_index, 1 inputs, 2 outputs, 3 builtin_options_type, 4 builtin_options},
 * SparsityParameters {0 traversal_order, 1 block_map, 2 dim_metadata}, DimensionMetadata {0
 * format, 1 dense_size, 2/3 array_segments (type, value), 4/5 array_indices}, Int32Vector /
 * Uint16Vector / Uint8Vector {0 values}.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "nn_impl.h"

typedef struct fb {
    const uint8_t *b;
    size_t n;
    const char *path;
    gs_error *err;
} fb;

typedef struct fbt {
    size_t pos;      /* table start */
    size_t vt;       /* vtable start */
    uint32_t vtsize; /* vtable bytes */
    uint32_t tsize;  /* table bytes */
} fbt;

typedef struct fbv {
    size_t pos;     /* first element */
    uint32_t count; /* elements */
    int present;    /* field present */
} fbv;

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* 1 if [pos, pos + len) lies inside the buffer. */
static int in_bounds(const fb *f, size_t pos, size_t len)
{
    return pos <= f->n && len <= f->n - pos;
}

static gs_status bad(const fb *f, const char *what, const char *why)
{
    return gs_fail(f->err, GS_ERR_FORMAT, "%s: %s: %s", f->path, what, why);
}

/* Opens the table at pos. */
static gs_status table_at(const fb *f, size_t pos, const char *what, fbt *t)
{
    memset(t, 0, sizeof(*t));
    if (!in_bounds(f, pos, 4))
        return bad(f, what, "table offset out of range");
    int32_t so = (int32_t)rd32(f->b + pos);
    int64_t vt = (int64_t)pos - (int64_t)so;
    if (vt < 0 || (uint64_t)vt > f->n || !in_bounds(f, (size_t)vt, 4))
        return bad(f, what, "vtable offset out of range");
    t->pos = pos;
    t->vt = (size_t)vt;
    t->vtsize = rd16(f->b + t->vt);
    t->tsize = rd16(f->b + t->vt + 2);
    if (t->vtsize < 4 || (t->vtsize & 1) || !in_bounds(f, t->vt, t->vtsize))
        return bad(f, what, "vtable size invalid");
    if (t->tsize < 4 || !in_bounds(f, pos, t->tsize))
        return bad(f, what, "table size invalid");
    return GS_OK;
}

/* Offset of field id inside table t, 0 if absent; checks the field's size fits the table. */
static gs_status field(const fb *f, const fbt *t, int id, size_t size, const char *what,
                       size_t *pos)
{
    size_t slot = 4 + 2 * (size_t)id;
    *pos = 0;
    if (slot + 2 > t->vtsize)
        return GS_OK;
    uint16_t off = rd16(f->b + t->vt + slot);
    if (off == 0)
        return GS_OK;
    if (off < 4 || (size_t)off + size > t->tsize)
        return bad(f, what, "field outside its table");
    *pos = t->pos + off;
    return GS_OK;
}

static gs_status get_i32(const fb *f, const fbt *t, int id, int32_t def, const char *what,
                         int32_t *v)
{
    size_t p;
    gs_status rc = field(f, t, id, 4, what, &p);
    *v = p ? (int32_t)rd32(f->b + p) : def;
    return rc;
}

static gs_status get_u64(const fb *f, const fbt *t, int id, const char *what, uint64_t *v)
{
    size_t p;
    gs_status rc = field(f, t, id, 8, what, &p);
    *v = p ? ((uint64_t)rd32(f->b + p) | (uint64_t)rd32(f->b + p + 4) << 32) : 0;
    return rc;
}

static gs_status get_u8(const fb *f, const fbt *t, int id, int32_t def, const char *what,
                        int32_t *v)
{
    size_t p;
    gs_status rc = field(f, t, id, 1, what, &p);
    *v = p ? f->b[p] : def;
    return rc;
}

static gs_status get_i8(const fb *f, const fbt *t, int id, int32_t def, const char *what,
                        int32_t *v)
{
    size_t p;
    gs_status rc = field(f, t, id, 1, what, &p);
    *v = p ? (int8_t)f->b[p] : def;
    return rc;
}

/* Follows a reference field; *target = 0 if absent. */
static gs_status get_ref(const fb *f, const fbt *t, int id, const char *what, size_t *target)
{
    size_t p;
    gs_status rc = field(f, t, id, 4, what, &p);
    *target = 0;
    if (rc != GS_OK || !p)
        return rc;
    uint32_t rel = rd32(f->b + p);
    if (rel == 0 || rel > f->n - p)
        return bad(f, what, "reference out of range");
    *target = p + rel;
    return GS_OK;
}

/* Vector at an absolute position (its length word). */
static gs_status vec_at(const fb *f, size_t pos, size_t elem, const char *what, fbv *v)
{
    if (!in_bounds(f, pos, 4))
        return bad(f, what, "vector offset out of range");
    uint32_t count = rd32(f->b + pos);
    if ((size_t)count > (f->n - pos - 4) / (elem ? elem : 1))
        return bad(f, what, "vector length exceeds the file");
    v->pos = pos + 4;
    v->count = count;
    v->present = 1;
    return GS_OK;
}

static gs_status get_vec(const fb *f, const fbt *t, int id, size_t elem, const char *what,
                         fbv *v)
{
    size_t target;
    gs_status rc = get_ref(f, t, id, what, &target);
    memset(v, 0, sizeof(*v));
    if (rc != GS_OK || !target)
        return rc;
    return vec_at(f, target, elem, what, v);
}

/* Table element i of a vector of tables. */
static gs_status vec_table(const fb *f, const fbv *v, uint32_t i, const char *what, fbt *t)
{
    size_t p = v->pos + 4 * (size_t)i;
    uint32_t rel = rd32(f->b + p); /* in bounds: checked by vec_at */
    if (rel == 0 || rel > f->n - p)
        return bad(f, what, "table reference out of range");
    return table_at(f, p + rel, what, t);
}

/* A string field: position of its first byte (NUL-terminated inside the file), 0 if absent. */
static gs_status get_str(const fb *f, const fbt *t, int id, const char *what, size_t *pos)
{
    fbv v;
    gs_status rc = get_vec(f, t, id, 1, what, &v);
    *pos = 0;
    if (rc != GS_OK || !v.present)
        return rc;
    if (v.pos + v.count >= f->n || f->b[v.pos + v.count] != 0)
        return bad(f, what, "string not NUL-terminated");
    *pos = v.pos;
    return GS_OK;
}

static int32_t vec_i32(const fb *f, const fbv *v, uint32_t i)
{
    return (int32_t)rd32(f->b + v->pos + 4 * (size_t)i);
}

const char *gs_nn__tensor_name(const gs_nn_model *m, int t)
{
    if (!m->file || t < 0 || t >= m->n_tensors || !m->tensors[t].name_pos)
        return "";
    return (const char *)m->file + m->tensors[t].name_pos;
}

/* BuiltinOperator names 0..161 in schema.fbs order (for messages naming an unsupported op). */
static const char *const op_names[] = {
    "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "DEPTH_TO_SPACE",
    "DEQUANTIZE", "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED", "HASHTABLE_LOOKUP",
    "L2_NORMALIZATION", "L2_POOL_2D", "LOCAL_RESPONSE_NORMALIZATION", "LOGISTIC", "LSH_PROJECTION",
    "LSTM", "MAX_POOL_2D", "MUL", "RELU", "RELU_N1_TO_1", "RELU6", "RESHAPE", "RESIZE_BILINEAR",
    "RNN", "SOFTMAX", "SPACE_TO_DEPTH", "SVDF", "TANH", "CONCAT_EMBEDDINGS", "SKIP_GRAM", "CALL",
    "CUSTOM", "EMBEDDING_LOOKUP_SPARSE", "PAD", "UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER",
    "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND", "TRANSPOSE", "MEAN", "SUB", "DIV", "SQUEEZE",
    "UNIDIRECTIONAL_SEQUENCE_LSTM", "STRIDED_SLICE", "BIDIRECTIONAL_SEQUENCE_RNN", "EXP",
    "TOPK_V2", "SPLIT", "LOG_SOFTMAX", "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST", "PRELU",
    "MAXIMUM", "ARG_MAX", "MINIMUM", "LESS", "NEG", "PADV2", "GREATER", "GREATER_EQUAL",
    "LESS_EQUAL", "SELECT", "SLICE", "SIN", "TRANSPOSE_CONV", "SPARSE_TO_DENSE", "TILE",
    "EXPAND_DIMS", "EQUAL", "NOT_EQUAL", "LOG", "SUM", "SQRT", "RSQRT", "SHAPE", "POW", "ARG_MIN",
    "FAKE_QUANT", "REDUCE_PROD", "REDUCE_MAX", "PACK", "LOGICAL_OR", "ONE_HOT", "LOGICAL_AND",
    "LOGICAL_NOT", "UNPACK", "REDUCE_MIN", "FLOOR_DIV", "REDUCE_ANY", "SQUARE", "ZEROS_LIKE",
    "FILL", "FLOOR_MOD", "RANGE", "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE",
    "MIRROR_PAD", "ABS", "SPLIT_V", "UNIQUE", "CEIL", "REVERSE_V2", "ADD_N", "GATHER_ND", "COS",
    "WHERE", "RANK", "ELU", "REVERSE_SEQUENCE", "MATRIX_DIAG", "QUANTIZE", "MATRIX_SET_DIAG",
    "ROUND", "HARD_SWISH", "IF", "WHILE", "NON_MAX_SUPPRESSION_V4", "NON_MAX_SUPPRESSION_V5",
    "SCATTER_ND", "SELECT_V2", "DENSIFY", "SEGMENT_SUM", "BATCH_MATMUL",
    "PLACEHOLDER_FOR_GREATER_OP_CODES", "CUMSUM", "CALL_ONCE", "BROADCAST_TO", "RFFT2D", "CONV_3D",
    "IMAG", "REAL", "COMPLEX_ABS", "HASHTABLE", "HASHTABLE_FIND", "HASHTABLE_IMPORT",
    "HASHTABLE_SIZE", "REDUCE_ALL", "CONV_3D_TRANSPOSE", "VAR_HANDLE", "READ_VARIABLE",
    "ASSIGN_VARIABLE", "BROADCAST_ARGS", "RANDOM_STANDARD_NORMAL", "BUCKETIZE", "RANDOM_UNIFORM",
    "MULTINOMIAL", "GELU", "DYNAMIC_UPDATE_SLICE", "RELU_0_TO_1", "UNSORTED_SEGMENT_PROD",
    "UNSORTED_SEGMENT_MAX", "UNSORTED_SEGMENT_SUM", "ATAN2", "UNSORTED_SEGMENT_MIN", "SIGN",
    "BITCAST", "BITWISE_XOR", "RIGHT_SHIFT",
};

const char *gs_nn__op_name(int32_t code)
{
    if (code < 0 || (size_t)code >= sizeof(op_names) / sizeof(op_names[0]))
        return NULL;
    return op_names[code];
}

/* Option readers used by plan.c: the options table was validated at parse time. */
int32_t gs_nn__opt_i32(const gs_nn_model *m, const gs_nn__rawop *op, int id, int32_t def)
{
    fb f = {m->file, m->file_len, "", NULL};
    fbt t = {0, 0, 0, 0};
    int32_t v = def;
    if (!op->opt_pos || table_at(&f, op->opt_pos, "options", &t) != GS_OK)
        return def;
    if (get_i32(&f, &t, id, def, "options", &v) != GS_OK)
        return def;
    return v;
}

int gs_nn__opt_ivec(const gs_nn_model *m, const gs_nn__rawop *op, int id, int32_t *out, int max)
{
    fb f = {m->file, m->file_len, "", NULL};
    fbt t = {0, 0, 0, 0};
    fbv v;
    if (!op->opt_pos || table_at(&f, op->opt_pos, "options", &t) != GS_OK)
        return 0;
    if (get_vec(&f, &t, id, 4, "options", &v) != GS_OK)
        return -1;
    if (v.count > (uint32_t)max)
        return -1;
    for (uint32_t i = 0; i < v.count; i++)
        out[i] = vec_i32(&f, &v, i);
    return (int)v.count;
}

int32_t gs_nn__opt_u8(const gs_nn_model *m, const gs_nn__rawop *op, int id, int32_t def)
{
    fb f = {m->file, m->file_len, "", NULL};
    fbt t = {0, 0, 0, 0};
    int32_t v = def;
    if (!op->opt_pos || table_at(&f, op->opt_pos, "options", &t) != GS_OK)
        return def;
    if (get_u8(&f, &t, id, def, "options", &v) != GS_OK)
        return def;
    return v;
}

/* SparseIndexVector union value: returns its values vector. */
static gs_status sparse_index(const fb *f, const fbt *dm, int id_type, const char *what,
                              int32_t *type, size_t *pos, uint32_t *count)
{
    gs_status rc;
    size_t tp;
    fbt vt;
    fbv v;
    static const size_t esize[4] = {0, 4, 2, 1};
    *pos = 0;
    *count = 0;
    if ((rc = get_u8(f, dm, id_type, 0, what, type)) != GS_OK)
        return rc;
    if ((rc = get_ref(f, dm, id_type + 1, what, &tp)) != GS_OK)
        return rc;
    if (*type == 0 && !tp)
        return GS_OK;
    if (*type < 1 || *type > 3 || !tp)
        return bad(f, what, "bad sparse index vector type");
    if ((rc = table_at(f, tp, what, &vt)) != GS_OK)
        return rc;
    if ((rc = get_vec(f, &vt, 0, esize[*type], what, &v)) != GS_OK)
        return rc;
    *pos = v.pos;
    *count = v.count;
    return GS_OK;
}

static gs_status parse_sparsity(const fb *f, size_t pos, const char *what, gs_nn__sparsity *sp)
{
    gs_status rc;
    fbt t, dm;
    fbv order, bmap, dims;
    if ((rc = table_at(f, pos, what, &t)) != GS_OK)
        return rc;
    if ((rc = get_vec(f, &t, 0, 4, what, &order)) != GS_OK ||
        (rc = get_vec(f, &t, 1, 4, what, &bmap)) != GS_OK ||
        (rc = get_vec(f, &t, 2, 4, what, &dims)) != GS_OK)
        return rc;
    if (order.count == 0 || order.count > 8 || bmap.count > 4 || dims.count != order.count)
        return bad(f, what, "sparsity: traversal_order/dim_metadata counts invalid");
    sp->present = 1;
    sp->n_order = (int32_t)order.count;
    sp->n_block = (int32_t)bmap.count;
    for (uint32_t i = 0; i < order.count; i++)
        sp->order[i] = vec_i32(f, &order, i);
    for (uint32_t i = 0; i < bmap.count; i++)
        sp->block_map[i] = vec_i32(f, &bmap, i);
    for (uint32_t i = 0; i < dims.count; i++) {
        if ((rc = vec_table(f, &dims, i, what, &dm)) != GS_OK)
            return rc;
        if ((rc = get_i8(f, &dm, 0, 0, what, &sp->dim[i].format)) != GS_OK ||
            (rc = get_i32(f, &dm, 1, 0, what, &sp->dim[i].dense_size)) != GS_OK)
            return rc;
        if ((rc = sparse_index(f, &dm, 2, what, &sp->dim[i].seg_type, &sp->dim[i].seg_pos,
                               &sp->dim[i].seg_n)) != GS_OK ||
            (rc = sparse_index(f, &dm, 4, what, &sp->dim[i].idx_type, &sp->dim[i].idx_pos,
                               &sp->dim[i].idx_n)) != GS_OK)
            return rc;
    }
    return GS_OK;
}

gs_status gs_nn__parse(gs_nn_model *m, gs_error *err)
{
    fb f = {m->file, m->file_len, m->path, err};
    const fb *F = &f;
    gs_status rc;
    fbt model, sg, t;
    fbv opcodes, subgraphs, buffers, tensors, ops, ins, outs;
    int32_t *codes = NULL;
    char what[96];

    if (f.n < 8 || memcmp(f.b + 4, "TFL3", 4) != 0)
        return gs_fail(err, GS_ERR_FORMAT, "%s: not a TFLite model (no TFL3 identifier)", m->path);
    if ((rc = table_at(F, rd32(f.b), "model", &model)) != GS_OK)
        return rc;
    if ((rc = get_vec(F, &model, 1, 4, "model.operator_codes", &opcodes)) != GS_OK ||
        (rc = get_vec(F, &model, 2, 4, "model.subgraphs", &subgraphs)) != GS_OK ||
        (rc = get_vec(F, &model, 4, 4, "model.buffers", &buffers)) != GS_OK)
        return rc;
    if (subgraphs.count != 1)
        return gs_fail(err, GS_ERR_UNSUPPORTED, "%s: model.subgraphs: %u subgraphs, expected 1",
                       m->path, subgraphs.count);
    if ((rc = vec_table(F, &subgraphs, 0, "subgraph 0", &sg)) != GS_OK)
        return rc;
    if ((rc = get_vec(F, &sg, 0, 4, "subgraph.tensors", &tensors)) != GS_OK ||
        (rc = get_vec(F, &sg, 1, 4, "subgraph.inputs", &ins)) != GS_OK ||
        (rc = get_vec(F, &sg, 2, 4, "subgraph.outputs", &outs)) != GS_OK ||
        (rc = get_vec(F, &sg, 3, 4, "subgraph.operators", &ops)) != GS_OK)
        return rc;
    if (tensors.count == 0 || tensors.count > GS_NN_MAX_TENSORS)
        return gs_fail(err, GS_ERR_FORMAT, "%s: subgraph.tensors: count %u out of range",
                       m->path, tensors.count);
    if (ops.count == 0 || ops.count > GS_NN_MAX_OPS)
        return gs_fail(err, GS_ERR_FORMAT, "%s: subgraph.operators: count %u out of range",
                       m->path, ops.count);
    if (ins.count == 0 || ins.count > GS_NN_MAX_OP_IO || outs.count == 0 ||
        outs.count > GS_NN_MAX_OP_IO)
        return gs_fail(err, GS_ERR_FORMAT, "%s: subgraph inputs/outputs: counts %u/%u invalid",
                       m->path, ins.count, outs.count);

    /* operator codes: the builtin code is the larger of the deprecated i8 field and the i32
     * field (schema.fbs comment on OperatorCode: codes >= 127 only live in builtin_code). */
    codes = gs_nn__calloc(m, opcodes.count ? opcodes.count : 1, sizeof(*codes));
    if (!codes)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", m->path);
    for (uint32_t i = 0; i < opcodes.count; i++) {
        int32_t dep, code;
        snprintf(what, sizeof(what), "operator_codes[%u]", i);
        if ((rc = vec_table(F, &opcodes, i, what, &t)) != GS_OK ||
            (rc = get_i8(F, &t, 0, 0, what, &dep)) != GS_OK ||
            (rc = get_i32(F, &t, 3, 0, what, &code)) != GS_OK)
            goto fail;
        codes[i] = dep > code ? dep : code;
    }

    /* every buffer table is checked, even those no tensor uses */
    for (uint32_t i = 0; i < buffers.count; i++) {
        fbv data;
        snprintf(what, sizeof(what), "buffer %u", i);
        if ((rc = vec_table(F, &buffers, i, what, &t)) != GS_OK ||
            (rc = get_vec(F, &t, 0, 1, what, &data)) != GS_OK)
            goto fail;
    }

    m->n_tensors = (int32_t)tensors.count;
    m->tensors = gs_nn__calloc(m, tensors.count, sizeof(*m->tensors));
    m->n_rawops = (int32_t)ops.count;
    m->rawops = gs_nn__calloc(m, ops.count, sizeof(*m->rawops));
    m->n_inputs = (int32_t)ins.count;
    m->n_outputs = (int32_t)outs.count;
    m->inputs = gs_nn__calloc(m, ins.count + outs.count, sizeof(int32_t));
    if (!m->tensors || !m->rawops || !m->inputs) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", m->path);
        goto fail;
    }
    m->outputs = m->inputs + ins.count;

    for (uint32_t i = 0; i < tensors.count; i++) {
        gs_nn__tensor *x = &m->tensors[i];
        fbv shape;
        uint32_t bidx;
        int32_t bi;
        size_t sp_pos;
        snprintf(what, sizeof(what), "tensor %u", i);
        if ((rc = vec_table(F, &tensors, i, what, &t)) != GS_OK ||
            (rc = get_vec(F, &t, 0, 4, what, &shape)) != GS_OK ||
            (rc = get_i8(F, &t, 1, 0, what, &x->type)) != GS_OK ||
            (rc = get_i32(F, &t, 2, 0, what, &bi)) != GS_OK ||
            (rc = get_str(F, &t, 3, what, &x->name_pos)) != GS_OK ||
            (rc = get_ref(F, &t, 6, what, &sp_pos)) != GS_OK)
            goto fail;
        if (shape.count > 4) {
            rc = gs_fail(err, GS_ERR_UNSUPPORTED, "%s: tensor %u: %u dimensions (at most 4)",
                         m->path, i, shape.count);
            goto fail;
        }
        x->ndim = (int32_t)shape.count;
        x->nelem = 1;
        for (uint32_t d = 0; d < shape.count; d++) {
            int32_t s = vec_i32(F, &shape, d);
            if (s < 1 || s > GS_NN_MAX_DIM || x->nelem * (size_t)s > GS_NN_MAX_ELEMS) {
                rc = gs_fail(err, GS_ERR_FORMAT, "%s: tensor %u: dimension %u = %d invalid",
                             m->path, i, d, s);
                goto fail;
            }
            x->shape[d] = s;
            x->nelem *= (size_t)s;
        }
        bidx = (uint32_t)bi;
        if (bidx != 0) {
            fbt bt;
            fbv data;
            uint64_t boff, bsize;
            if (bidx >= buffers.count) {
                rc = gs_fail(err, GS_ERR_FORMAT, "%s: tensor %u: buffer index %u out of range",
                             m->path, i, bidx);
                goto fail;
            }
            snprintf(what, sizeof(what), "buffer %u", bidx);
            if ((rc = vec_table(F, &buffers, bidx, what, &bt)) != GS_OK ||
                (rc = get_vec(F, &bt, 0, 1, what, &data)) != GS_OK ||
                (rc = get_u64(F, &bt, 1, what, &boff)) != GS_OK ||
                (rc = get_u64(F, &bt, 2, what, &bsize)) != GS_OK)
                goto fail;
            if (data.present && data.count > 0) {
                x->data_pos = data.pos;
                x->data_len = data.count;
            } else if (boff > 1) {
                /* schema.fbs Buffer.offset: data outside the flatbuffer, from the file start */
                if (boff > f.n || bsize > f.n - boff) {
                    rc = bad(F, what, "offset/size outside the file");
                    goto fail;
                }
                x->data_pos = (size_t)boff;
                x->data_len = (size_t)bsize;
            }
        }
        if (sp_pos) {
            snprintf(what, sizeof(what), "tensor %u sparsity", i);
            if ((rc = parse_sparsity(F, sp_pos, what, &x->sp)) != GS_OK)
                goto fail;
        }
    }

    for (uint32_t i = 0; i < ins.count + outs.count; i++) {
        int32_t ti = i < ins.count ? vec_i32(F, &ins, i) : vec_i32(F, &outs, i - ins.count);
        if (ti < 0 || ti >= m->n_tensors) {
            rc = gs_fail(err, GS_ERR_FORMAT, "%s: subgraph %s %u: tensor index %d out of range",
                         m->path, i < ins.count ? "input" : "output",
                         i < ins.count ? i : i - ins.count, ti);
            goto fail;
        }
        m->inputs[i] = ti;
    }

    for (uint32_t i = 0; i < ops.count; i++) {
        gs_nn__rawop *op = &m->rawops[i];
        fbv oi, oo;
        int32_t idx;
        snprintf(what, sizeof(what), "operator %u", i);
        if ((rc = vec_table(F, &ops, i, what, &t)) != GS_OK ||
            (rc = get_i32(F, &t, 0, 0, what, &idx)) != GS_OK ||
            (rc = get_vec(F, &t, 1, 4, what, &oi)) != GS_OK ||
            (rc = get_vec(F, &t, 2, 4, what, &oo)) != GS_OK ||
            (rc = get_u8(F, &t, 3, 0, what, &op->opt_type)) != GS_OK ||
            (rc = get_ref(F, &t, 4, what, &op->opt_pos)) != GS_OK)
            goto fail;
        if (idx < 0 || (uint32_t)idx >= opcodes.count) {
            rc = gs_fail(err, GS_ERR_FORMAT, "%s: operator %u: opcode_index %d out of range",
                         m->path, i, idx);
            goto fail;
        }
        op->code = codes[idx];
        if (oi.count > GS_NN_MAX_OP_IO || oo.count == 0 || oo.count > GS_NN_MAX_OP_IO) {
            rc = gs_fail(err, GS_ERR_FORMAT, "%s: operator %u: %u inputs, %u outputs invalid",
                         m->path, i, oi.count, oo.count);
            goto fail;
        }
        op->n_in = (int32_t)oi.count;
        op->n_out = (int32_t)oo.count;
        for (uint32_t k = 0; k < oi.count + oo.count; k++) {
            int32_t ti = k < oi.count ? vec_i32(F, &oi, k) : vec_i32(F, &oo, k - oi.count);
            if (ti < -1 || ti >= m->n_tensors || (k >= oi.count && ti < 0)) {
                rc = gs_fail(err, GS_ERR_FORMAT, "%s: operator %u: tensor index %d out of range",
                             m->path, i, ti);
                goto fail;
            }
            if (k < oi.count)
                op->in[k] = ti;
            else
                op->out[k - oi.count] = ti;
        }
        if (op->opt_pos) {
            /* validate the options table once, so later reads cannot fail */
            fbt ot;
            snprintf(what, sizeof(what), "operator %u options", i);
            if ((rc = table_at(F, op->opt_pos, what, &ot)) != GS_OK)
                goto fail;
            for (int fid = 0; fid < 8; fid++) {
                size_t fp;
                /* every field we read is at most 4 bytes (or a reference checked on use) */
                if ((rc = field(F, &ot, fid, 1, what, &fp)) != GS_OK)
                    goto fail;
            }
        }
    }
    gs_nn__free(m, codes);
    return GS_OK;
fail:
    gs_nn__free(m, codes);
    return rc;
}
