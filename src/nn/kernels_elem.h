/*
 * Pooling, bilinear resize, depth-to-space, pad, concatenation and the elementwise ops.
 * Part of kernels_body.h: included once per ISA, in its order, by that file only.
 */
static void maxpool_task(gs_nn_model *m, const gs_nn__op *op, int task)
{
    const float *in = m->tensors[op->in[0]].data;
    float *out = m->tensors[op->out].data;
    const int32_t C = op->ic, oy = task;
    for (int32_t ox = 0; ox < op->ow; ox++) {
        float *o = out + ((size_t)oy * op->ow + ox) * C;
        for (int32_t c = 0; c < C; c++)
            o[c] = -INFINITY;
        for (int32_t ky = 0; ky < op->kh; ky++) {
            int32_t iy = oy * op->sh - op->pad_t + ky;
            if (iy < 0 || iy >= op->ih)
                continue;
            for (int32_t kx = 0; kx < op->kw; kx++) {
                int32_t ix = ox * op->sw - op->pad_l + kx;
                if (ix < 0 || ix >= op->iw)
                    continue;
                const float *x = in + ((size_t)iy * op->iw + ix) * C;
                for (int32_t c = 0; c < C; c++)
                    o[c] = x[c] > o[c] ? x[c] : o[c];
            }
        }
        for (int32_t c = 0; c < C; c++)
            o[c] = act1(o[c], op->act);
    }
}

/* Source coordinate of output index o along an axis (TFLite resize_bilinear semantics). */
static void resize_coord(const gs_nn__op *op, int32_t o, int32_t in, int32_t out, int32_t *i0,
                         int32_t *i1, float *frac)
{
    float scale = (op->align_corners && out > 1) ? (float)(in - 1) / (float)(out - 1)
                                                 : (float)in / (float)out;
    float src = op->half_pixel ? ((float)o + 0.5f) * scale - 0.5f : (float)o * scale;
    float fl = floorf(src);
    int32_t a = (int32_t)fl;
    *frac = src - fl;
    *i0 = a < 0 ? 0 : (a > in - 1 ? in - 1 : a);
    *i1 = a + 1 < 0 ? 0 : (a + 1 > in - 1 ? in - 1 : a + 1);
}

/* One output row of RESIZE_BILINEAR, separably: the two source rows are blended once into a
 * row of per-thread scratch (iw x C), then each output pixel blends two pixels of it. The
 * per-pixel 4-tap form took 0.22 ms for the 256x256x8 upsampling of the landmark models'
 * segmentation branch. Same weights as TFLite's reference (1 - fy, fy; 1 - fx, fx), summed in
 * another order: results differ from the 4-tap form by float rounding only. */
static void resize_task(gs_nn_model *m, const gs_nn__op *op, int task, int thread)
{
    const float *in = m->tensors[op->in[0]].data;
    float *out = m->tensors[op->out].data;
    float *tmp = m->scratch + (size_t)thread * m->scratch_floats;
    const int32_t C = op->ic, oy = task;
    const size_t n = (size_t)op->iw * C;
    int32_t y0, y1;
    float fy;
    resize_coord(op, oy, op->ih, op->oh, &y0, &y1, &fy);
    const float *a = in + (size_t)y0 * n, *b = in + (size_t)y1 * n;
    {
        const float gy = 1.0f - fy;
        const v8 va = splat8(gy), vb = splat8(fy);
        size_t k = 0;
        for (; k + 8 <= n; k += 8)
            st8(tmp + k, ld8(a + k) * va + ld8(b + k) * vb);
        for (; k < n; k++)
            tmp[k] = a[k] * gy + b[k] * fy;
    }
    const int32_t *rx0 = op->rx, *rx1 = op->rx + op->ow;
    float *o = out + (size_t)oy * op->ow * C;
    for (int32_t ox = 0; ox < op->ow; ox++, o += C) {
        const float fx = op->rfx[ox], gx = 1.0f - fx;
        const float *p = tmp + (size_t)rx0[ox] * C, *q = tmp + (size_t)rx1[ox] * C;
        int32_t k = 0;
        const v8 vp = splat8(gx), vq = splat8(fx);
        for (; k + 8 <= C; k += 8)
            st8(o + k, ld8(p + k) * vp + ld8(q + k) * vq);
        for (; k < C; k++)
            o[k] = p[k] * gx + q[k] * fx;
    }
}

static void d2s_task(gs_nn_model *m, const gs_nn__op *op, int task)
{
    /* TFLite DEPTH_TO_SPACE (DCR order): out[y][x][c] = in[y/b][x/b][((y%b)*b + x%b)*oc + c] */
    const float *in = m->tensors[op->in[0]].data;
    float *out = m->tensors[op->out].data;
    const int32_t b = op->block, oy = task, iy = oy / b;
    for (int32_t ox = 0; ox < op->ow; ox++) {
        int32_t ix = ox / b;
        const float *src = in + ((size_t)iy * op->iw + ix) * op->ic +
                           (size_t)((oy % b) * b + ox % b) * op->oc;
        memcpy(out + ((size_t)oy * op->ow + ox) * op->oc, src, (size_t)op->oc * sizeof(float));
    }
}

static void pad_task(gs_nn_model *m, const gs_nn__op *op, int task)
{
    const float *in = m->tensors[op->in[0]].data;
    float *out = m->tensors[op->out].data;
    const int32_t *is = op->ishape, *os = op->oshape;
    int32_t n = task / os[1], h = task % os[1];
    size_t orow = (size_t)os[2] * os[3];
    float *o = out + ((size_t)n * os[1] + h) * orow;
    int32_t in_n = n - op->pads[0][0], in_h = h - op->pads[1][0];
    if (in_n < 0 || in_n >= is[0] || in_h < 0 || in_h >= is[1]) {
        memset(o, 0, orow * sizeof(float));
        return;
    }
    const float *x = in + ((size_t)in_n * is[1] + in_h) * is[2] * is[3];
    for (int32_t w = 0; w < os[2]; w++) {
        float *ow = o + (size_t)w * os[3];
        int32_t iw = w - op->pads[2][0];
        if (iw < 0 || iw >= is[2]) {
            memset(ow, 0, (size_t)os[3] * sizeof(float));
            continue;
        }
        memset(ow, 0, (size_t)op->pads[3][0] * sizeof(float));
        memcpy(ow + op->pads[3][0], x + (size_t)iw * is[3], (size_t)is[3] * sizeof(float));
        memset(ow + op->pads[3][0] + is[3], 0, (size_t)op->pads[3][1] * sizeof(float));
    }
}

static void concat_task(gs_nn_model *m, const gs_nn__op *op, int task)
{
    size_t total = 0, before = 0;
    for (int i = 0; i < op->n_in; i++) {
        if (i < task)
            before += op->inner[i];
        total += op->inner[i];
    }
    const float *x = m->tensors[op->in[task]].data;
    float *out = m->tensors[op->out].data;
    size_t inner = op->inner[task];
    for (size_t o = 0; o < op->outer; o++) {
        float *d = out + o * total + before;
        const float *s = x + o * inner;
        for (size_t k = 0; k < inner; k++)
            d[k] = act1(s[k], op->act);
    }
}

static void elem_task(gs_nn_model *m, const gs_nn__op *op, int task)
{
    const gs_nn__tensor *o = &m->tensors[op->out];
    size_t e0 = (size_t)task * GS_NN_ELEM_CHUNK;
    size_t e1 = e0 + GS_NN_ELEM_CHUNK < o->nelem ? e0 + GS_NN_ELEM_CHUNK : o->nelem;
    const float *restrict a = m->tensors[op->in[0]].data;
    float *restrict y = o->data;
    switch (op->kind) {
    case GS_NN_K_ADD: {
        const float *restrict b = m->tensors[op->in[1]].data;
        float lo, hi;
        act_range(op->act, &lo, &hi);
        for (size_t i = e0; i < e1; i++)
            y[i] = clampf(a[i] + b[i], lo, hi);
        break;
    }
    case GS_NN_K_LOGISTIC:
        for (size_t i = e0; i < e1; i++)
            y[i] = 1.0f / (1.0f + expf(-a[i]));
        break;
    default:
        memcpy(y + e0, a + e0, (e1 - e0) * sizeof(float));
        break;
    }
}
