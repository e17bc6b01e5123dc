/*
 * Execution planning: constant folding (plan_fold.c: DEQUANTIZE of float16 weights, DENSIFY of
 * sparse weights), shape inference and checking against the shapes the file declares, PAD fusion into
 * the following convolution, the sparse path for mostly-zero 1x1 convolutions, and one
 * activation arena with buffers reused by lifetime.
 *
 * Operator semantics follow the TFLite reference kernels' documented behaviour
 * (tensorflow/lite/kernels/internal/reference and the op docs at tensorflow.org/mlir/tfl_ops):
 * SAME padding puts the extra row/column at the bottom/right; RESIZE_BILINEAR maps output pixel
 * x to input (x + 0.5) * in/out - 0.5 with half_pixel_centers and clamps at the border.
 */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_impl.h"
#include "plan_impl.h"

/* A 1x1 convolution whose folded DENSIFY weight has at most this fraction of non-zeros runs on
 * the sparse kernel (the detector's are 25 % dense, DESIGN.md; measured break-even vs sgemm on
 * this machine is near 40 %). */
#define SPARSE_MAX_DENSITY 0.40

typedef gs_nn__planner planner;

gs_status gs_nn__plan_err(gs_nn__planner *p, int oi, gs_status code, const char *fmt, ...)
{
    const gs_nn__rawop *op = &p->m->rawops[oi];
    const char *name = gs_nn__op_name(op->code);
    char buf[32], what[256];
    va_list ap;
    if (!name) {
        snprintf(buf, sizeof(buf), "builtin %d", (int)op->code);
        name = buf;
    }
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return gs_fail(p->err, code, "%s: operator %d (%s): %s", p->m->path, oi, name, what);
}

/* Float32 values of a constant tensor used as weight or bias (converted lazily if raw). */
static gs_status const_floats(planner *p, int oi, int ti, const float **v)
{
    gs_nn_model *m = p->m;
    gs_nn__tensor *t = &m->tensors[ti];
    if (t->cval) {
        *v = t->cval;
        return GS_OK;
    }
    if (!t->is_const || t->type != GS_NN_TT_FLOAT32 || t->data_len != t->nelem * 4)
        return gs_nn__plan_err(p, oi, GS_ERR_UNSUPPORTED,
                               "weight/bias '%s' is not a float constant",
                               gs_nn__tensor_name(m, ti));
    t->cval = gs_nn__alloc(m, t->nelem * sizeof(float));
    if (!t->cval)
        return gs_fail(p->err, GS_ERR_NOMEM, "%s: out of memory", m->path);
    t->cval_owned = 1;
    for (size_t i = 0; i < t->nelem; i++)
        t->cval[i] = gs_nn__raw_value(m->file + t->data_pos, GS_NN_TT_FLOAT32, i);
    *v = t->cval;
    return gs_nn__plan_check_finite(p, oi, ti, t->cval, t->nelem);
}

/* int32 constant vector (paddings, shapes, sizes). */
static gs_status const_ints(planner *p, int oi, int ti, int32_t *v, size_t n)
{
    gs_nn_model *m = p->m;
    const gs_nn__tensor *t = &m->tensors[ti];
    if (t->type != GS_NN_TT_INT32 || !t->data_pos || t->nelem != n || t->data_len != 4 * n)
        return gs_nn__plan_err(p, oi, GS_ERR_UNSUPPORTED, "'%s' is not the expected int32 constant",
                               gs_nn__tensor_name(m, ti));
    for (size_t i = 0; i < n; i++)
        v[i] = (int32_t)gs_nn__rd32le(m->file + t->data_pos + 4 * i);
    return GS_OK;
}

/* Checks that an activation input is float32, written before this op, 4D when needed. */
static gs_status act_input(planner *p, int oi, int ti, int need4d)
{
    gs_nn_model *m = p->m;
    if (ti < 0)
        return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "missing input");
    const gs_nn__tensor *t = &m->tensors[ti];
    if (t->is_const)
        return gs_nn__plan_err(p, oi, GS_ERR_UNSUPPORTED, "constant data input '%s' not supported",
                               gs_nn__tensor_name(m, ti));
    if (t->type != GS_NN_TT_FLOAT32)
        return gs_nn__plan_err(p, oi, GS_ERR_UNSUPPORTED, "input '%s' is not float32",
                               gs_nn__tensor_name(m, ti));
    if (t->is_io != 1 && t->producer < 0)
        return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "input '%s' is read before it is written",
                               gs_nn__tensor_name(m, ti));
    if (need4d && (t->ndim != 4 || t->shape[0] != 1))
        return gs_nn__plan_err(p, oi, GS_ERR_UNSUPPORTED, "input '%s' is not 1xHxWxC",
                               gs_nn__tensor_name(m, ti));
    return GS_OK;
}

static gs_status check_out_shape(planner *p, int oi, int ti, int nd, const int32_t *shape)
{
    gs_nn_model *m = p->m;
    const gs_nn__tensor *t = &m->tensors[ti];
    int ok = t->ndim == nd;
    for (int i = 0; ok && i < nd; i++)
        ok = t->shape[i] == shape[i];
    if (!ok) {
        char buf[160];
        snprintf(buf, sizeof(buf), "output '%.60s' shape differs from the inferred [%d,%d,%d,%d]",
                 gs_nn__tensor_name(m, ti), shape[0], nd > 1 ? shape[1] : 0,
                 nd > 2 ? shape[2] : 0, nd > 3 ? shape[3] : 0);
        return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "%s", buf);
    }
    return GS_OK;
}

static gs_status check_act(planner *p, int oi, int32_t act)
{
    if (act != GS_NN_ACT_NONE && act != GS_NN_ACT_RELU && act != GS_NN_ACT_RELU6 &&
        act != GS_NN_ACT_RELU_N1_TO_1) {
        static const char *const acts[] = {"NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH",
                                           "SIGN_BIT"}; /* schema.fbs ActivationFunctionType */
        char buf[64];
        snprintf(buf, sizeof(buf), "fused activation %d (%s) not supported", (int)act,
                 act >= 0 && act < 6 ? acts[act] : "unknown");
        return gs_nn__plan_err(p, oi, GS_ERR_UNSUPPORTED, "%s", buf);
    }
    return GS_OK;
}

/* Output size and leading pad of a window op along one axis (TFLite padding.h semantics). */
static gs_status window(planner *p, int oi, int32_t padding, int32_t in, int32_t k, int32_t s,
                        int32_t dil, int32_t *out, int32_t *pad0)
{
    if (s < 1 || s > 1024 || dil < 1 || dil > 1024 || k < 1 || k > 1024)
        return gs_nn__plan_err(p, oi, GS_ERR_UNSUPPORTED, "stride/dilation/kernel out of range");
    int64_t ek = (int64_t)(k - 1) * dil + 1;
    if (padding == GS_NN_PAD_SAME) {
        *out = (int32_t)((in + s - 1) / s);
        int64_t total = (int64_t)(*out - 1) * s + ek - in;
        *pad0 = total > 0 ? (int32_t)(total / 2) : 0;
    } else if (padding == GS_NN_PAD_VALID) {
        if (ek > in)
            return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "kernel larger than the input");
        *out = (int32_t)((in - ek) / s + 1);
        *pad0 = 0;
    } else {
        return gs_nn__plan_err(p, oi, GS_ERR_UNSUPPORTED, "padding type unknown");
    }
    return GS_OK;
}

static gs_status expect_opts(planner *p, int oi, int32_t type)
{
    const gs_nn__rawop *op = &p->m->rawops[oi];
    if (op->opt_type != 0 && op->opt_type != type) {
        char buf[64];
        snprintf(buf, sizeof(buf), "builtin_options type %d, expected %d", (int)op->opt_type,
                 (int)type);
        return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "%s", buf);
    }
    return GS_OK;
}

/* Plans one TFLite operator into m->ops[m->n_ops]. */
static gs_status plan_op(planner *p, int oi)
{
    gs_nn_model *m = p->m;
    const gs_nn__rawop *ro = &m->rawops[oi];
    gs_nn__op *op = &m->ops[m->n_ops];
    gs_status rc;
    int32_t shape[4];

    memset(op, 0, sizeof(*op));
    op->src_op = oi;
    op->res = -1;
    if (ro->n_out != 1)
        return gs_nn__plan_err(p, oi, GS_ERR_UNSUPPORTED, "more than one output");
    op->out = ro->out[0];
    gs_nn__tensor *out = &m->tensors[op->out];
    if (out->is_const || out->is_io == 1 || out->producer >= 0 || out->type != GS_NN_TT_FLOAT32)
        return gs_nn__plan_err(p, oi, GS_ERR_FORMAT,
                               "output '%s' is constant, an input, written twice "
                               "or not float32",
                               gs_nn__tensor_name(m, op->out));

    switch (ro->code) {
    case GS_NN_BOP_CONV_2D:
    case GS_NN_BOP_DEPTHWISE_CONV_2D: {
        int dw = ro->code == GS_NN_BOP_DEPTHWISE_CONV_2D;
        if (ro->n_in < 2 || ro->n_in > 3)
            return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "expects 2 or 3 inputs");
        if ((rc = expect_opts(p, oi, dw ? 2 : 1)) != GS_OK ||
            (rc = act_input(p, oi, ro->in[0], 1)) != GS_OK)
            return rc;
        const gs_nn__tensor *x = &m->tensors[ro->in[0]];
        if (ro->in[1] < 0 || !m->tensors[ro->in[1]].is_const)
            return gs_nn__plan_err(p, oi, GS_ERR_UNSUPPORTED, "weights are not constant");
        const gs_nn__tensor *w = &m->tensors[ro->in[1]];
        if (w->ndim != 4)
            return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "weights are not 4D");
        int32_t padding = gs_nn__opt_u8(m, ro, 0, 0);
        op->sw = gs_nn__opt_i32(m, ro, 1, 1);
        op->sh = gs_nn__opt_i32(m, ro, 2, 1);
        op->act = gs_nn__opt_u8(m, ro, dw ? 4 : 3, 0);
        op->dw = gs_nn__opt_i32(m, ro, dw ? 5 : 4, 1);
        op->dh = gs_nn__opt_i32(m, ro, dw ? 6 : 5, 1);
        op->ih = x->shape[1];
        op->iw = x->shape[2];
        op->ic = x->shape[3];
        op->kh = w->shape[1];
        op->kw = w->shape[2];
        if (dw) {
            op->kind = GS_NN_K_DWCONV;
            op->oc = w->shape[3];
            if (w->shape[0] != 1 || op->oc != op->ic)
                return gs_nn__plan_err(p, oi, GS_ERR_UNSUPPORTED,
                                       "depth multiplier other than 1 not supported");
        } else {
            op->kind = GS_NN_K_CONV;
            op->oc = w->shape[0];
            if (w->shape[3] != op->ic)
                return gs_nn__plan_err(p, oi, GS_ERR_FORMAT,
                                       "weight input channels differ from the "
                                       "input");
        }
        if ((rc = check_act(p, oi, op->act)) != GS_OK)
            return rc;
        if ((rc = window(p, oi, padding, op->ih, op->kh, op->sh, op->dh, &op->oh, &op->pad_t)) !=
                GS_OK ||
            (rc = window(p, oi, padding, op->iw, op->kw, op->sw, op->dw, &op->ow, &op->pad_l)) !=
                GS_OK)
            return rc;
        /* with shared weights the donor's (possibly repacked) arrays are copied later */
        if (!p->share && (rc = const_floats(p, oi, ro->in[1], &op->w)) != GS_OK)
            return rc;
        if (ro->n_in == 3 && ro->in[2] >= 0) {
            const gs_nn__tensor *b = &m->tensors[ro->in[2]];
            if (!b->is_const || b->nelem != (size_t)op->oc)
                return gs_nn__plan_err(p, oi, GS_ERR_UNSUPPORTED,
                                       "bias is not a constant of size "
                                       "out-channels");
            if ((rc = const_floats(p, oi, ro->in[2], &op->bias)) != GS_OK)
                return rc;
        }
        op->n_in = 1;
        op->in[0] = ro->in[0];
        shape[0] = 1, shape[1] = op->oh, shape[2] = op->ow, shape[3] = op->oc;
        if ((rc = check_out_shape(p, oi, op->out, 4, shape)) != GS_OK)
            return rc;
        op->macs = (double)op->oh * op->ow * op->oc * op->kh * op->kw * (dw ? 1 : op->ic);
        break;
    }
    case GS_NN_BOP_ADD:
        if (ro->n_in != 2)
            return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "expects 2 inputs");
        if ((rc = expect_opts(p, oi, 11)) != GS_OK ||
            (rc = act_input(p, oi, ro->in[0], 0)) != GS_OK ||
            (rc = act_input(p, oi, ro->in[1], 0)) != GS_OK)
            return rc;
        op->kind = GS_NN_K_ADD;
        op->act = gs_nn__opt_u8(m, ro, 0, 0);
        if ((rc = check_act(p, oi, op->act)) != GS_OK)
            return rc;
        {
            const gs_nn__tensor *a = &m->tensors[ro->in[0]], *b = &m->tensors[ro->in[1]];
            int same = a->ndim == b->ndim;
            for (int i = 0; same && i < a->ndim; i++)
                same = a->shape[i] == b->shape[i];
            if (!same)
                return gs_nn__plan_err(p, oi, GS_ERR_UNSUPPORTED, "broadcasting ADD not supported");
            if ((rc = check_out_shape(p, oi, op->out, a->ndim, a->shape)) != GS_OK)
                return rc;
        }
        op->n_in = 2;
        op->in[0] = ro->in[0];
        op->in[1] = ro->in[1];
        break;
    case GS_NN_BOP_PAD: {
        int32_t pads[8];
        if (ro->n_in != 2 || ro->in[1] < 0)
            return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "expects 2 inputs");
        if ((rc = expect_opts(p, oi, 22)) != GS_OK ||
            (rc = act_input(p, oi, ro->in[0], 0)) != GS_OK)
            return rc;
        const gs_nn__tensor *x = &m->tensors[ro->in[0]];
        if (x->ndim < 1)
            return gs_nn__plan_err(p, oi, GS_ERR_UNSUPPORTED, "scalar input");
        if ((rc = const_ints(p, oi, ro->in[1], pads, 2 * (size_t)x->ndim)) != GS_OK)
            return rc;
        op->kind = GS_NN_K_PAD;
        int lead = 4 - x->ndim;
        for (int i = 0; i < 4; i++) {
            int s = i - lead;
            op->ishape[i] = s < 0 ? 1 : x->shape[s];
            op->pads[i][0] = s < 0 ? 0 : pads[2 * s];
            op->pads[i][1] = s < 0 ? 0 : pads[2 * s + 1];
            if (op->pads[i][0] < 0 || op->pads[i][1] < 0 || op->pads[i][0] > GS_NN_MAX_DIM ||
                op->pads[i][1] > GS_NN_MAX_DIM)
                return gs_nn__plan_err(p, oi, GS_ERR_UNSUPPORTED, "negative or huge padding");
            op->oshape[i] = op->ishape[i] + op->pads[i][0] + op->pads[i][1];
        }
        if ((rc = check_out_shape(p, oi, op->out, x->ndim, op->oshape + lead)) != GS_OK)
            return rc;
        op->n_in = 1;
        op->in[0] = ro->in[0];
        break;
    }
    case GS_NN_BOP_MAX_POOL_2D: {
        if (ro->n_in != 1)
            return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "expects 1 input");
        if ((rc = expect_opts(p, oi, 5)) != GS_OK || (rc = act_input(p, oi, ro->in[0], 1)) != GS_OK)
            return rc;
        const gs_nn__tensor *x = &m->tensors[ro->in[0]];
        int32_t padding = gs_nn__opt_u8(m, ro, 0, 0);
        op->kind = GS_NN_K_MAXPOOL;
        op->sw = gs_nn__opt_i32(m, ro, 1, 1);
        op->sh = gs_nn__opt_i32(m, ro, 2, 1);
        op->kw = gs_nn__opt_i32(m, ro, 3, 1);
        op->kh = gs_nn__opt_i32(m, ro, 4, 1);
        op->act = gs_nn__opt_u8(m, ro, 5, 0);
        op->ih = x->shape[1], op->iw = x->shape[2], op->ic = op->oc = x->shape[3];
        if ((rc = check_act(p, oi, op->act)) != GS_OK ||
            (rc = window(p, oi, padding, op->ih, op->kh, op->sh, 1, &op->oh, &op->pad_t)) !=
                GS_OK ||
            (rc = window(p, oi, padding, op->iw, op->kw, op->sw, 1, &op->ow, &op->pad_l)) !=
                GS_OK)
            return rc;
        op->dh = op->dw = 1;
        shape[0] = 1, shape[1] = op->oh, shape[2] = op->ow, shape[3] = op->oc;
        if ((rc = check_out_shape(p, oi, op->out, 4, shape)) != GS_OK)
            return rc;
        op->n_in = 1;
        op->in[0] = ro->in[0];
        break;
    }
    case GS_NN_BOP_RESIZE_BILINEAR: {
        int32_t size[2];
        if (ro->n_in != 2 || ro->in[1] < 0)
            return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "expects 2 inputs");
        if ((rc = expect_opts(p, oi, 15)) != GS_OK ||
            (rc = act_input(p, oi, ro->in[0], 1)) != GS_OK ||
            (rc = const_ints(p, oi, ro->in[1], size, 2)) != GS_OK)
            return rc;
        const gs_nn__tensor *x = &m->tensors[ro->in[0]];
        op->kind = GS_NN_K_RESIZE;
        op->align_corners = gs_nn__opt_u8(m, ro, 2, 0) != 0;
        op->half_pixel = gs_nn__opt_u8(m, ro, 3, 0) != 0;
        if (op->align_corners && op->half_pixel)
            return gs_nn__plan_err(p, oi, GS_ERR_UNSUPPORTED,
                                   "align_corners together with half_pixel_centers");
        if (size[0] < 1 || size[1] < 1 || size[0] > GS_NN_MAX_DIM || size[1] > GS_NN_MAX_DIM)
            return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "output size invalid");
        op->ih = x->shape[1], op->iw = x->shape[2], op->ic = op->oc = x->shape[3];
        op->oh = size[0], op->ow = size[1];
        shape[0] = 1, shape[1] = op->oh, shape[2] = op->ow, shape[3] = op->oc;
        if ((rc = check_out_shape(p, oi, op->out, 4, shape)) != GS_OK)
            return rc;
        op->n_in = 1;
        op->in[0] = ro->in[0];
        break;
    }
    case GS_NN_BOP_RESHAPE:
    case GS_NN_BOP_LOGISTIC: {
        if (ro->n_in < 1 || ro->n_in > 2 || (ro->code == GS_NN_BOP_LOGISTIC && ro->n_in != 1))
            return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "wrong input count");
        if ((rc = expect_opts(p, oi, ro->code == GS_NN_BOP_RESHAPE ? 17 : 0)) != GS_OK ||
            (rc = act_input(p, oi, ro->in[0], 0)) != GS_OK)
            return rc;
        const gs_nn__tensor *x = &m->tensors[ro->in[0]];
        if (x->nelem != out->nelem)
            return gs_nn__plan_err(p, oi, GS_ERR_FORMAT,
                                   "element counts of input and output differ");
        if (ro->code == GS_NN_BOP_LOGISTIC &&
            (rc = check_out_shape(p, oi, op->out, x->ndim, x->shape)) != GS_OK)
            return rc;
        op->kind = ro->code == GS_NN_BOP_RESHAPE ? GS_NN_K_COPY : GS_NN_K_LOGISTIC;
        op->n_in = 1;
        op->in[0] = ro->in[0];
        break;
    }
    case GS_NN_BOP_DEPTH_TO_SPACE: {
        if (ro->n_in != 1)
            return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "expects 1 input");
        if ((rc = expect_opts(p, oi, 94)) != GS_OK ||
            (rc = act_input(p, oi, ro->in[0], 1)) != GS_OK)
            return rc;
        const gs_nn__tensor *x = &m->tensors[ro->in[0]];
        op->kind = GS_NN_K_D2S;
        op->block = gs_nn__opt_i32(m, ro, 0, 0);
        if (op->block < 1 || op->block > 64 || x->shape[3] % (op->block * op->block))
            return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "block_size invalid for the input depth");
        op->ih = x->shape[1], op->iw = x->shape[2], op->ic = x->shape[3];
        op->oh = op->ih * op->block, op->ow = op->iw * op->block;
        op->oc = op->ic / (op->block * op->block);
        shape[0] = 1, shape[1] = op->oh, shape[2] = op->ow, shape[3] = op->oc;
        if ((rc = check_out_shape(p, oi, op->out, 4, shape)) != GS_OK)
            return rc;
        op->n_in = 1;
        op->in[0] = ro->in[0];
        break;
    }
    case GS_NN_BOP_CONCATENATION: {
        if (ro->n_in < 1)
            return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "no inputs");
        if ((rc = expect_opts(p, oi, 10)) != GS_OK)
            return rc;
        int32_t axis = gs_nn__opt_i32(m, ro, 0, 0);
        op->act = gs_nn__opt_u8(m, ro, 1, 0);
        if ((rc = check_act(p, oi, op->act)) != GS_OK)
            return rc;
        const gs_nn__tensor *x0 = NULL;
        int32_t total = 0;
        for (int i = 0; i < ro->n_in; i++) {
            if ((rc = act_input(p, oi, ro->in[i], 0)) != GS_OK)
                return rc;
            const gs_nn__tensor *x = &m->tensors[ro->in[i]];
            if (!x0) {
                x0 = x;
                if (axis < 0)
                    axis += x->ndim;
                if (axis < 0 || axis >= x->ndim)
                    return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "axis out of range");
            }
            if (x->ndim != x0->ndim)
                return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "inputs of different rank");
            for (int d = 0; d < x->ndim; d++)
                if (d != axis && x->shape[d] != x0->shape[d])
                    return gs_nn__plan_err(p, oi, GS_ERR_FORMAT,
                                           "input shapes differ off the axis");
            total += x->shape[axis];
            if (total > GS_NN_MAX_DIM)
                return gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "concatenated size too large");
            size_t inner = 1;
            for (int d = axis; d < x->ndim; d++)
                inner *= (size_t)x->shape[d];
            op->inner[i] = inner;
            op->in[i] = ro->in[i];
        }
        op->outer = 1;
        for (int d = 0; d < axis; d++)
            op->outer *= (size_t)x0->shape[d];
        for (int d = 0; d < x0->ndim; d++)
            shape[d] = d == axis ? total : x0->shape[d];
        if ((rc = check_out_shape(p, oi, op->out, x0->ndim, shape)) != GS_OK)
            return rc;
        op->kind = GS_NN_K_CONCAT;
        op->n_in = ro->n_in;
        break;
    }
    default: {
        const char *name = gs_nn__op_name(ro->code);
        char buf[64];
        snprintf(buf, sizeof(buf), "operator %s not supported", name ? name : "(unknown)");
        return gs_nn__plan_err(p, oi, GS_ERR_UNSUPPORTED, "%s", buf);
    }
    }
    out->producer = m->n_ops;
    m->n_ops++;
    return GS_OK;
}

/* Folds PAD ops (spatial only, zero batch/channel padding) into the single convolution that
 * reads them: the convolution then reads zeros outside the real input. */
static void fuse_pads(planner *p)
{
    gs_nn_model *m = p->m;
    for (int i = 0; i < m->n_ops; i++) {
        gs_nn__op *c = &m->ops[i];
        if (c->kind != GS_NN_K_CONV && c->kind != GS_NN_K_DWCONV)
            continue;
        gs_nn__tensor *t = &m->tensors[c->in[0]];
        if (t->producer < 0 || t->is_io || p->consumers[c->in[0]] != 1)
            continue;
        gs_nn__op *pad = &m->ops[t->producer];
        if (pad->kind != GS_NN_K_PAD || pad->dead || pad->pads[0][0] || pad->pads[0][1] ||
            pad->pads[3][0] || pad->pads[3][1] || pad->ishape[0] != 1)
            continue;
        if (m->tensors[pad->in[0]].ndim != 4)
            continue;
        c->in[0] = pad->in[0];
        c->ih = pad->ishape[1];
        c->iw = pad->ishape[2];
        c->pad_t += pad->pads[1][0];
        c->pad_l += pad->pads[2][0];
        pad->dead = 1;
        t->producer = -1;
    }
}

/* Folds an ADD into the convolution producing one of its inputs, when that convolution output
 * feeds nothing else: the convolution's epilogue adds the other input (already computed: it is
 * produced earlier or is a graph input) and applies the ADD's activation, saving one pass over
 * the tensor (the residual connections of the BlazePose blocks). */
static void fuse_adds(planner *p)
{
    gs_nn_model *m = p->m;
    for (int i = 0; i < m->n_ops; i++) {
        gs_nn__op *a = &m->ops[i];
        if (a->kind != GS_NN_K_ADD || a->dead)
            continue;
        for (int k = 0; k < 2; k++) {
            int t = a->in[k], s = a->in[1 - k];
            gs_nn__tensor *x = &m->tensors[t];
            if (x->producer < 0 || x->is_io || p->consumers[t] != 1 || t == s)
                continue;
            gs_nn__op *c = &m->ops[x->producer];
            if (c->kind != GS_NN_K_CONV || c->dead || c->res >= 0)
                continue;
            int sp = m->tensors[s].producer;
            if (!(m->tensors[s].is_io == 1 || (sp >= 0 && sp < x->producer)))
                continue;
            c->res = s;
            c->res_act = a->act;
            c->in[1] = s;
            c->n_in = 2;
            c->out = a->out;
            a->dead = 1;
            x->producer = -1;
            m->tensors[a->out].producer = (int)(c - m->ops);
            break;
        }
    }
}

/* Fuses a 3x3 stride-1 depthwise convolution on 8 channels with the 1x1 8 -> 8 convolution
 * that alone reads it (and that convolution's fused residual ADD): the segmentation branches of
 * the landmark models run two such pairs at 128x128 and two at 256x256, where each pass over an
 * 8-channel tensor costs more in memory traffic and per-pixel overhead than in arithmetic
 * (2 MB written and read back per pair at 256x256). */
static void fuse_dw_pw(planner *p)
{
    gs_nn_model *m = p->m;
    for (int i = 0; i < m->n_ops; i++) {
        gs_nn__op *d = &m->ops[i];
        if (d->kind != GS_NN_K_DWCONV || d->dead || d->ic != 8 || d->kh != 3 || d->kw != 3 ||
            d->sh != 1 || d->sw != 1 || d->dh != 1 || d->dw != 1)
            continue;
        int t = d->out;
        if (m->tensors[t].is_io || p->consumers[t] != 1)
            continue;
        gs_nn__op *c = NULL;
        for (int j = i + 1; j < m->n_ops && !c; j++)
            if (!m->ops[j].dead && m->ops[j].in[0] == t)
                c = &m->ops[j];
        if (!c || c->kind != GS_NN_K_CONV || c->kh != 1 || c->kw != 1 || c->sh != 1 ||
            c->sw != 1 || c->pad_t || c->pad_l || c->ic != 8 || c->oc != 8)
            continue;
        if (c->res >= 0) {
            int rp = m->tensors[c->res].producer;
            if (!(m->tensors[c->res].is_io == 1 || (rp >= 0 && rp < i)))
                continue;
        }
        d->kind = GS_NN_K_DWPW8;
        d->pw_w = c->w;
        d->pw_bias = c->bias;
        d->pw_act = c->act;
        d->pw_src_op = c->src_op;
        d->res = c->res;
        d->res_act = c->res_act;
        if (c->res >= 0) {
            d->in[1] = c->res;
            d->n_in = 2;
        }
        d->out = c->out;
        d->macs += c->macs;
        m->tensors[t].producer = -1;
        m->tensors[c->out].producer = i;
        c->dead = 1;
    }
}

/* Packs the pointwise half of a DWPW8 op: [8 in][16] (the 8 outputs for the even and again for
 * the odd pixel of a pair), then the bias the same way. */
static gs_status make_dwpw8(planner *p, gs_nn__op *op)
{
    gs_nn_model *m = p->m;
    if (!op->pw_w)
        return GS_OK;
    op->wpack = gs_nn__calloc(m, 9 * 16, sizeof(float));
    if (!op->wpack)
        return gs_fail(p->err, GS_ERR_NOMEM, "%s: out of memory", m->path);
    op->wpack_owned = 1;
    for (int c = 0; c < 8; c++)
        for (int o = 0; o < 8; o++)
            op->wpack[c * 16 + o] = op->wpack[c * 16 + 8 + o] = op->pw_w[o * 8 + c];
    for (int o = 0; o < 8 && op->pw_bias; o++)
        op->wpack[8 * 16 + o] = op->wpack[8 * 16 + 8 + o] = op->pw_bias[o];
    op->pw_w = op->pw_bias = NULL; /* the tensors are freed with the other unused constants */
    return GS_OK;
}

/* Converts mostly-zero 1x1 convolution weights (from DENSIFY) to per-channel runs. */
static gs_status make_sparse(planner *p, gs_nn__op *op, int w_tensor)
{
    gs_nn_model *m = p->m;
    const gs_nn__tensor *w = &m->tensors[w_tensor];
    size_t k = (size_t)op->ic, nnz = 0;
    if (!w->from_densify || op->kh != 1 || op->kw != 1 || op->sh != 1 || op->sw != 1 ||
        op->pad_t || op->pad_l || op->oh != op->ih || op->ow != op->iw || !op->w)
        return GS_OK;
    for (size_t i = 0; i < (size_t)op->oc * k; i++)
        nnz += op->w[i] != 0.0f;
    if ((double)nnz > SPARSE_MAX_DENSITY * (double)op->oc * (double)k)
        return GS_OK;
    op->sp_rowptr = gs_nn__alloc(m, ((size_t)op->oc + 1) * sizeof(int32_t));
    op->sp_col = gs_nn__alloc(m, (nnz + 1) * sizeof(int32_t));
    op->sp_val = gs_nn__alloc(m, (nnz + 1) * sizeof(float));
    op->sp_owned = 1;
    if (!op->sp_rowptr || !op->sp_col || !op->sp_val)
        return gs_fail(p->err, GS_ERR_NOMEM, "%s: out of memory", m->path);
    nnz = 0;
    for (int32_t o = 0; o < op->oc; o++) {
        op->sp_rowptr[o] = (int32_t)nnz;
        for (size_t c = 0; c < k; c++) {
            float v = op->w[(size_t)o * k + c];
            if (v != 0.0f) {
                op->sp_col[nnz] = (int32_t)c;
                op->sp_val[nnz] = v;
                nnz++;
            }
        }
    }
    op->sp_rowptr[op->oc] = (int32_t)nnz;
    op->kind = GS_NN_K_CONV_SPARSE;
    return GS_OK;
}

/* Few output channels and a short reduction: a direct kernel (one vector accumulator per 8
 * output channels, input values broadcast) beats the GEMM kernel for spatial kernels (no im2col
 * copy: the models' first 3x3 conv 3 -> 24 and the 3x3 8 -> 1 segmentation head at 256x256) and
 * ties with it on 1x1s to 8 channels, whose 16-wide panels would be half empty. Larger 1x1s run
 * 2-3.5x faster on the GEMM (thread CPU time per layer, AVX-512: 64x64 192 -> 32 28 vs 98
 * GMAC/s, 128x128 24 -> 16 23 vs 60). */
#define DIRECT_MAX_OCP 32
#define DIRECT_MAX_K   288

static gs_status make_direct(planner *p, gs_nn__op *op)
{
    gs_nn_model *m = p->m;
    int32_t ocp = (op->oc + 7) & ~7;
    size_t K = (size_t)op->kh * op->kw * op->ic;
    if (!op->w || ocp > DIRECT_MAX_OCP || K > DIRECT_MAX_K || op->oh * op->ow < 64 ||
        (op->kh * op->kw == 1 && op->oc > 8))
        return GS_OK;
    op->wpack = gs_nn__calloc(m, (K + 1) * (size_t)ocp, sizeof(float)); /* + padded bias */
    if (!op->wpack)
        return gs_fail(p->err, GS_ERR_NOMEM, "%s: out of memory", m->path);
    op->wpack_owned = 1;
    op->ocp = ocp;
    /* one or a few output channels over >= 8 input channels: dot products along the channels
     * (the 3x3 8 -> 1 segmentation head) instead of 8-wide output vectors mostly unused */
    op->dot = op->oc <= 4 && op->ic % 8 == 0;
    for (int32_t o = 0; o < op->oc; o++)
        for (size_t k = 0; k < K; k++) {
            if (op->dot)
                op->wpack[(size_t)o * K + k] = op->w[(size_t)o * K + k];
            else
                op->wpack[k * (size_t)ocp + (size_t)o] = op->w[(size_t)o * K + k];
        }
    for (int32_t o = 0; o < op->oc && op->bias; o++)
        op->wpack[K * (size_t)ocp + (size_t)o] = op->bias[o];
    op->kind = GS_NN_K_CONV_DIRECT;
    return GS_OK;
}

/* Weights of the remaining (GEMM) convolutions packed once at load into the panels the
 * micro-kernels read (nn_impl.h gpack): OpenBLAS sgemm repacked the weight matrix on every
 * call, about a third of the 1x1 layers' time on the landmark models. */
static gs_status make_gemm(planner *p, gs_nn__op *op)
{
    gs_nn_model *m = p->m;
    const size_t K = (size_t)op->kh * op->kw * op->ic, W = GS_NN_GEMM_PANEL;
    const size_t np = ((size_t)op->oc + W - 1) / W;
    size_t n;
    if (!op->w)
        return GS_OK;
    if (gs_size_mul(np * W, K + 1, &n) != 0 ||
        !(op->gpack = gs_nn__calloc(m, n, sizeof(float))))
        return gs_fail(p->err, GS_ERR_NOMEM, "%s: out of memory", m->path);
    op->gpack_owned = 1;
    for (size_t o = 0; o < (size_t)op->oc; o++) {
        float *dst = op->gpack + (o / W) * K * W + o % W;
        const float *src = op->w + o * K;
        for (size_t k = 0; k < K; k++)
            dst[k * W] = src[k];
    }
    for (int32_t o = 0; o < op->oc && op->bias; o++)
        op->gpack[np * K * W + (size_t)o] = op->bias[o];
    return GS_OK;
}

/* Frees the float32 weights of a convolution once its kernel has them in its own packed form
 * (sp_*, wpack or gpack), if no other operator reads them: the load then peaks near one copy of
 * the weights instead of two (heavy: 173 -> 124 MB peak RSS). */
static void release_weight(planner *p, gs_nn__op *op, const int *wreaders)
{
    gs_nn_model *m = p->m;
    const gs_nn__rawop *ro = &m->rawops[op->src_op];
    if (ro->n_in < 2 || ro->in[1] < 0 || wreaders[ro->in[1]] != 1)
        return;
    gs_nn__tensor *t = &m->tensors[ro->in[1]];
    if (t->cval == op->w && t->cval_owned) {
        gs_nn__free(m, t->cval);
        t->cval = NULL;
        t->cval_owned = 0;
    }
    op->w = NULL;
}

/* Source columns and weights of RESIZE_BILINEAR, once per op (same formula as the kernel's
 * rows: TFLite resize_bilinear with align_corners / half_pixel_centers). */
static gs_status make_resize_table(planner *p, gs_nn__op *op)
{
    gs_nn_model *m = p->m;
    size_t n = (size_t)op->ow;
    op->rx = gs_nn__alloc(m, n * (2 * sizeof(int32_t) + sizeof(float)));
    if (!op->rx)
        return gs_fail(p->err, GS_ERR_NOMEM, "%s: out of memory", m->path);
    op->rfx = (float *)(op->rx + 2 * n);
    float scale = (op->align_corners && op->ow > 1) ? (float)(op->iw - 1) / (float)(op->ow - 1)
                                                     : (float)op->iw / (float)op->ow;
    for (int32_t x = 0; x < op->ow; x++) {
        float src = op->half_pixel ? ((float)x + 0.5f) * scale - 0.5f : (float)x * scale;
        float fl = floorf(src);
        int32_t a = (int32_t)fl;
        op->rfx[x] = src - fl;
        op->rx[x] = a < 0 ? 0 : (a > op->iw - 1 ? op->iw - 1 : a);
        op->rx[n + (size_t)x] = a + 1 < 0 ? 0 : (a + 1 > op->iw - 1 ? op->iw - 1 : a + 1);
    }
    return GS_OK;
}

typedef struct span {
    int t;
    size_t size;
} span;

static int span_cmp(const void *a, const void *b)
{
    const span *x = a, *y = b;
    if (x->size != y->size)
        return x->size < y->size ? 1 : -1;
    return x->t - y->t;
}

/* Greedy arena assignment: largest tensors first, each at the lowest offset that does not
 * overlap a placed tensor alive at the same time. */
static gs_status assign_arena(planner *p)
{
    gs_nn_model *m = p->m;
    span *s = NULL;
    int *placed = NULL;
    int n = 0, np = 0;
    gs_status rc = GS_OK;
    size_t total = 0;

    s = gs_nn__calloc(m, (size_t)m->n_tensors + 1, sizeof(*s));
    placed = gs_nn__calloc(m, (size_t)m->n_tensors + 1, sizeof(*placed));
    if (!s || !placed) {
        rc = gs_fail(p->err, GS_ERR_NOMEM, "%s: out of memory", m->path);
        goto done;
    }
    for (int t = 0; t < m->n_tensors; t++) {
        gs_nn__tensor *x = &m->tensors[t];
        if (x->producer < 0)
            continue;
        s[n].t = t;
        s[n].size = (x->nelem + 15) & ~(size_t)15;
        n++;
    }
    qsort(s, (size_t)n, sizeof(*s), span_cmp);
    for (int i = 0; i < n; i++) {
        gs_nn__tensor *x = &m->tensors[s[i].t];
        size_t off = 0;
        int moved = 1;
        while (moved) {
            moved = 0;
            for (int j = 0; j < np; j++) {
                gs_nn__tensor *y = &m->tensors[placed[j]];
                if (y->last < x->first || x->last < y->first)
                    continue;
                size_t ysz = (y->nelem + 15) & ~(size_t)15;
                if (off < y->off + ysz && y->off < off + s[i].size) {
                    off = y->off + ysz;
                    moved = 1;
                }
            }
        }
        x->off = off;
        placed[np++] = s[i].t;
        if (off + s[i].size > total)
            total = off + s[i].size;
    }
    m->arena_floats = total;
done:
    gs_nn__free(m, s);
    gs_nn__free(m, placed);
    return rc;
}

gs_status gs_nn__plan(gs_nn_model *m, const gs_nn_model *share, gs_error *err)
{
    planner pl = {m, share, err, NULL};
    planner *p = &pl;
    gs_status rc = GS_OK;
    size_t scratch = 0;
    int *wreaders = NULL;

    for (int i = 0; i < m->n_tensors; i++) {
        gs_nn__tensor *t = &m->tensors[i];
        t->producer = -1;
        t->first = INT_MAX;
        t->last = -1;
        t->is_const = t->data_pos != 0;
    }
    for (int i = 0; i < m->n_inputs; i++) {
        gs_nn__tensor *t = &m->tensors[m->inputs[i]];
        if (t->is_const || t->type != GS_NN_TT_FLOAT32)
            return gs_fail(err, GS_ERR_UNSUPPORTED, "%s: input %d ('%s') is not a float32 "
                                                    "activation",
                           m->path, i, gs_nn__tensor_name(m, m->inputs[i]));
        t->is_io = 1;
    }
    for (int i = 0; i < m->n_outputs; i++) {
        gs_nn__tensor *t = &m->tensors[m->outputs[i]];
        if (t->is_io == 1 || t->is_const)
            return gs_fail(err, GS_ERR_UNSUPPORTED, "%s: output %d is an input or a constant",
                           m->path, i);
        t->is_io = 2;
    }
    if (share)
        for (int i = 0; i < m->n_tensors; i++)
            m->tensors[i].cval = share->tensors[i].cval; /* not owned */
    m->ops = gs_nn__calloc(m, (size_t)m->n_rawops, sizeof(*m->ops));
    pl.consumers = gs_nn__calloc(m, (size_t)m->n_tensors, sizeof(int));
    if (!m->ops || !pl.consumers) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", m->path);
        goto done;
    }

    for (int oi = 0; oi < m->n_rawops; oi++) {
        gs_nn__rawop *ro = &m->rawops[oi];
        if (ro->code == GS_NN_BOP_DEQUANTIZE || ro->code == GS_NN_BOP_DENSIFY) {
            if (ro->n_in != 1 || ro->n_out != 1 || ro->in[0] < 0) {
                rc = gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "expects 1 input and 1 output");
                goto done;
            }
            gs_nn__tensor *in = &m->tensors[ro->in[0]], *out = &m->tensors[ro->out[0]];
            if (!in->is_const) {
                rc = gs_nn__plan_err(p, oi, GS_ERR_UNSUPPORTED,
                                     "only constant inputs are supported");
                goto done;
            }
            if (out->is_const || out->is_io || out->producer >= 0) {
                rc = gs_nn__plan_err(p, oi, GS_ERR_FORMAT, "output written twice");
                goto done;
            }
            rc = ro->code == GS_NN_BOP_DENSIFY ? gs_nn__fold_densify(p, oi, in, out)
                                               : gs_nn__fold_dequantize(p, oi, in, out);
            if (rc != GS_OK)
                goto done;
            continue;
        }
        if ((rc = plan_op(p, oi)) != GS_OK)
            goto done;
    }
    for (int i = 0; i < m->n_ops; i++)
        for (int k = 0; k < m->ops[i].n_in; k++)
            pl.consumers[m->ops[i].in[k]]++;
    fuse_pads(p);
    fuse_adds(p);
    fuse_dw_pw(p);
    for (int i = 0; i < m->n_outputs; i++)
        if (m->tensors[m->outputs[i]].producer < 0) {
            rc = gs_fail(err, GS_ERR_FORMAT, "%s: output %d ('%s') is never written", m->path, i,
                         gs_nn__tensor_name(m, m->outputs[i]));
            goto done;
        }
    /* compact: drop fused ops, renumber producers */
    {
        int n = 0;
        for (int i = 0; i < m->n_ops; i++) {
            if (m->ops[i].dead)
                continue;
            if (n != i)
                m->ops[n] = m->ops[i];
            m->tensors[m->ops[n].out].producer = n;
            n++;
        }
        m->n_ops = n;
    }
    if (share) {
        /* weights come from the donor (same file, checked by the caller) */
        for (int i = 0; i < m->n_ops; i++) {
            gs_nn__op *op = &m->ops[i];
            const gs_nn__op *d = &share->ops[i];
            if ((op->kind == GS_NN_K_CONV || op->kind == GS_NN_K_DWCONV ||
                 op->kind == GS_NN_K_DWPW8) &&
                i < share->n_ops && d->src_op == op->src_op) {
                op->w = d->w;
                op->bias = d->bias;
                op->kind = d->kind;
                op->sp_rowptr = d->sp_rowptr;
                op->sp_col = d->sp_col;
                op->sp_val = d->sp_val;
                op->wpack = d->wpack;
                op->gpack = d->gpack;
                op->ocp = d->ocp;
                op->dot = d->dot;
            }
        }
    }
    /* readers of each weight tensor, so that a packed one can be freed at once */
    wreaders = gs_nn__calloc(m, (size_t)m->n_tensors, sizeof(int));
    if (!wreaders) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", m->path);
        goto done;
    }
    for (int i = 0; i < m->n_ops; i++) {
        const gs_nn__rawop *ro = &m->rawops[m->ops[i].src_op];
        if ((m->ops[i].kind == GS_NN_K_CONV || m->ops[i].kind == GS_NN_K_DWCONV ||
             m->ops[i].kind == GS_NN_K_DWPW8) &&
            ro->n_in > 1 && ro->in[1] >= 0)
            wreaders[ro->in[1]]++;
    }
    m->macs = 0;
    for (int i = 0; i < m->n_ops; i++) {
        gs_nn__op *op = &m->ops[i];
        if (op->kind == GS_NN_K_CONV && !m->no_sparse && !share &&
            (rc = make_sparse(p, op, m->rawops[op->src_op].in[1])) != GS_OK)
            goto done;
        if (op->kind == GS_NN_K_CONV && !share && (rc = make_direct(p, op)) != GS_OK)
            goto done;
        if (op->kind == GS_NN_K_CONV && !share && (rc = make_gemm(p, op)) != GS_OK)
            goto done;
        if (op->kind != GS_NN_K_DWCONV && op->kind != GS_NN_K_DWPW8 && op->w && !share)
            release_weight(p, op, wreaders);
        if (op->kind == GS_NN_K_DWPW8 && !share && (rc = make_dwpw8(p, op)) != GS_OK)
            goto done;
        if (op->kind == GS_NN_K_RESIZE && (rc = make_resize_table(p, op)) != GS_OK)
            goto done;
        size_t s = gs_nn__op_prepare(op);
        if (s > scratch)
            scratch = s;
        m->macs += op->macs;
        gs_nn__tensor *o = &m->tensors[op->out];
        if (i < o->first)
            o->first = i;
        if (o->is_io == 2)
            o->last = INT_MAX;
        for (int k = 0; k < op->n_in; k++) {
            gs_nn__tensor *x = &m->tensors[op->in[k]];
            if (i > x->last)
                x->last = i;
        }
    }
    for (int i = 0; i < m->n_tensors; i++) {
        gs_nn__tensor *t = &m->tensors[i];
        if (t->producer >= 0 && t->last < t->first)
            t->last = t->first; /* written, never read: still needs its own space */
    }
    if ((rc = assign_arena(p)) != GS_OK)
        goto done;
    m->scratch_floats = (scratch + 15) & ~(size_t)15;
    /* constants no planned op reads are not needed any more */
    if (!share) {
        char *used = (char *)pl.consumers; /* reuse: mark weights in use */
        memset(used, 0, (size_t)m->n_tensors * sizeof(int));
        for (int i = 0; i < m->n_ops; i++) {
            const gs_nn__rawop *ro = &m->rawops[m->ops[i].src_op];
            if (m->ops[i].kind == GS_NN_K_DWCONV || m->ops[i].kind == GS_NN_K_DWPW8)
                for (int k = 1; k < ro->n_in; k++)
                    if (ro->in[k] >= 0)
                        used[ro->in[k]] = 1;
            /* a fused pointwise bias stays: a model sharing these weights plans it again */
            if (m->ops[i].kind == GS_NN_K_DWPW8) {
                const gs_nn__rawop *pr = &m->rawops[m->ops[i].pw_src_op];
                if (pr->n_in > 2 && pr->in[2] >= 0)
                    used[pr->in[2]] = 1;
            }
            if ((m->ops[i].kind == GS_NN_K_CONV_SPARSE ||
                 m->ops[i].kind == GS_NN_K_CONV_DIRECT || m->ops[i].kind == GS_NN_K_CONV) &&
                ro->n_in > 2 && ro->in[2] >= 0)
                used[ro->in[2]] = 1;
        }
        for (int i = 0; i < m->n_tensors; i++) {
            gs_nn__tensor *t = &m->tensors[i];
            if (t->cval && t->cval_owned && !used[i]) {
                gs_nn__free(m, t->cval);
                t->cval = NULL;
                t->cval_owned = 0;
            }
        }
        for (int i = 0; i < m->n_ops; i++)
            if (m->ops[i].kind != GS_NN_K_DWCONV && m->ops[i].kind != GS_NN_K_DWPW8)
                m->ops[i].w = NULL; /* freed above; these kernels read sp_* / wpack / gpack */
    }
done:
    gs_nn__free(m, wreaders);
    gs_nn__free(m, pl.consumers);
    return rc;
}
