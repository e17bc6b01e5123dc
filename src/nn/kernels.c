/*
 * Kernels of the planned operations (NHWC float32, batch 1).
 *
 * Every op is cut into ntasks independent tasks fixed by its shapes only (gs_nn__op_prepare),
 * never by the thread count, and each task writes a disjoint part of the output computed in the
 * same order whoever runs it: results are bit-identical for 1 and N threads.
 *
 * Convolutions: 1x1 stride-1 convolutions are one sgemm on the NHWC input seen as a
 * (pixels x in-channels) matrix times the (out-channels x in-channels) weight transposed; other
 * convolutions build an im2col tile (pixels x kh*kw*ic, the weight's own [oc][kh][kw][ic] order)
 * in per-thread scratch, zero where the (fused) padding lies. Bias and the fused activation run
 * as an epilogue on the tile while it is in cache. OpenBLAS is called single-threaded; our pool
 * runs the tiles in parallel.
 */
#include <math.h>
#include <string.h>

#include <cblas.h>

/* -std=c11 makes GCC default to -ffp-contract=off whatever the command line says before it;
 * multiply-adds must fuse into FMA here (the sums are still evaluated in one fixed order). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=fast")
#endif

#include "nn_impl.h"

/* 8-float vectors (GCC/Clang vector extension): AVX/AVX2 registers, two SSE registers, or an
 * AVX-512 half register; the kernels below are written on them so any x86-64 or arm64 build
 * gets SIMD code. Loads/stores go through memcpy (unaligned vmovups). */
typedef float v8 __attribute__((vector_size(32)));
typedef int32_t vi8 __attribute__((vector_size(32)));
static inline __attribute__((always_inline)) v8 ld8(const float *p)
{
    v8 v;
    memcpy(&v, p, sizeof(v));
    return v;
}
static inline __attribute__((always_inline)) void st8(float *p, v8 v)
{
    memcpy(p, &v, sizeof(v));
}
static inline __attribute__((always_inline)) v8 splat8(float f)
{
    v8 v = {f, f, f, f, f, f, f, f};
    return v;
}
static inline __attribute__((always_inline)) v8 clamp8(v8 v, v8 lo, v8 hi)
{
    vi8 m = v < lo; /* lanes -1 where true (C has no vector ?:) */
    v = (v8)(((vi8)lo & m) | ((vi8)v & ~m));
    m = v > hi;
    return (v8)(((vi8)hi & m) | ((vi8)v & ~m));
}

/* Pixels per sgemm tile: large enough for sgemm to reach its speed, small enough to give both
 * threads work on the 64x64 and 32x32 layers. */
#define CONV_TILE_PIXELS 256
/* Elementwise chunk (floats). */
#define ELEM_CHUNK 16384
/* Sparse kernel: pixels transposed at once (the vector loop runs over them). */
#define SPARSE_SUB   64
#define SPARSE_TILE  128
/* Depthwise taps kept in registers (7x7); larger kernels take the generic loop. */
#define DW_MAX_TAPS 49

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define GS_NN_CLONES __attribute__((target_clones("avx512f", "avx2,fma", "default")))
#else
#define GS_NN_CLONES
#endif

static inline float act1(float v, int act)
{
    switch (act) {
    case GS_NN_ACT_RELU: return v < 0.0f ? 0.0f : v;
    case GS_NN_ACT_RELU6: return v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v);
    case GS_NN_ACT_RELU_N1_TO_1: return v < -1.0f ? -1.0f : (v > 1.0f ? 1.0f : v);
    default: return v;
    }
}

/* Clamp written as compares so that it vectorises to min/max instructions (fminf/fmaxf have
 * NaN rules that keep GCC from inlining them without -ffinite-math-only). */
static inline float clampf(float v, float lo, float hi)
{
    v = v < lo ? lo : v;
    return v > hi ? hi : v;
}

/* Activation range as (lo, hi) so loops vectorise to min/max. */
static void act_range(int act, float *lo, float *hi)
{
    *lo = -INFINITY;
    *hi = INFINITY;
    if (act == GS_NN_ACT_RELU)
        *lo = 0.0f;
    else if (act == GS_NN_ACT_RELU6)
        *lo = 0.0f, *hi = 6.0f;
    else if (act == GS_NN_ACT_RELU_N1_TO_1)
        *lo = -1.0f, *hi = 1.0f;
}

size_t gs_nn__op_prepare(gs_nn__op *op)
{
    size_t scratch = 0;
    switch (op->kind) {
    case GS_NN_K_CONV: {
        int32_t P = op->oh * op->ow;
        int32_t tm = P < CONV_TILE_PIXELS ? P : CONV_TILE_PIXELS;
        int32_t mt = (P + tm - 1) / tm, nt = 1;
        /* few pixel tiles: split the output channels too (in multiples of 16) */
        if (mt < 8 && op->oc >= 64) {
            nt = (8 + mt - 1) / mt;
            int32_t maxnt = op->oc / 32;
            if (nt > maxnt)
                nt = maxnt;
        }
        int32_t cols = (op->oc + nt - 1) / nt;
        cols = (cols + 15) & ~15;
        nt = (op->oc + cols - 1) / cols;
        op->rows_per_task = tm;
        op->cols_per_task = cols;
        op->mtiles = mt;
        op->ntasks = mt * nt;
        op->direct = op->kh == 1 && op->kw == 1 && op->sh == 1 && op->sw == 1 && !op->pad_t &&
                     !op->pad_l && op->ih == op->oh && op->iw == op->ow;
        if (!op->direct)
            scratch = (size_t)tm * op->kh * op->kw * op->ic;
        break;
    }
    case GS_NN_K_CONV_SPARSE: {
        int32_t P = op->oh * op->ow;
        op->rows_per_task = SPARSE_TILE;
        op->ntasks = (P + SPARSE_TILE - 1) / SPARSE_TILE;
        scratch = (size_t)op->ic * SPARSE_SUB;
        break;
    }
    case GS_NN_K_DWCONV:
    case GS_NN_K_MAXPOOL:
    case GS_NN_K_RESIZE:
    case GS_NN_K_D2S:
        op->rows_per_task = 1;
        op->ntasks = op->oh;
        break;
    case GS_NN_K_PAD:
        op->ntasks = op->oshape[0] * op->oshape[1];
        break;
    case GS_NN_K_CONCAT:
        op->ntasks = op->n_in;
        break;
    default: /* elementwise */
        op->ntasks = 0; /* set from the element count by the caller at run (see below) */
        break;
    }
    return scratch;
}

typedef struct job {
    gs_nn_model *m;
    const gs_nn__op *op;
} job;

/* im2col rows [p0, p0 + np) of a convolution into col (np x kh*kw*ic). */
static void im2col(const gs_nn__op *op, const float *in, int32_t p0, int32_t np, float *col)
{
    const size_t K = (size_t)op->kh * op->kw * op->ic;
    const size_t crow = (size_t)op->kw * op->ic;
    for (int32_t i = 0; i < np; i++) {
        int32_t p = p0 + i, oy = p / op->ow, ox = p % op->ow;
        float *dst = col + (size_t)i * K;
        int32_t iy0 = oy * op->sh - op->pad_t, ix0 = ox * op->sw - op->pad_l;
        for (int32_t ky = 0; ky < op->kh; ky++) {
            int32_t iy = iy0 + ky * op->dh;
            float *d = dst + (size_t)ky * crow;
            if (iy < 0 || iy >= op->ih) {
                memset(d, 0, crow * sizeof(float));
                continue;
            }
            const float *srow = in + (size_t)iy * op->iw * op->ic;
            if (op->dw == 1 && ix0 >= 0 && ix0 + op->kw <= op->iw) {
                memcpy(d, srow + (size_t)ix0 * op->ic, crow * sizeof(float));
                continue;
            }
            for (int32_t kx = 0; kx < op->kw; kx++) {
                int32_t ix = ix0 + kx * op->dw;
                if (ix < 0 || ix >= op->iw)
                    memset(d + (size_t)kx * op->ic, 0, (size_t)op->ic * sizeof(float));
                else
                    memcpy(d + (size_t)kx * op->ic, srow + (size_t)ix * op->ic,
                           (size_t)op->ic * sizeof(float));
            }
        }
    }
}

static void conv_task(gs_nn_model *m, const gs_nn__op *op, int task, int thread)
{
    const float *in = m->tensors[op->in[0]].data;
    float *out = m->tensors[op->out].data;
    int32_t mt = task % op->mtiles, ntile = task / op->mtiles;
    int32_t P = op->oh * op->ow;
    int32_t p0 = mt * op->rows_per_task;
    int32_t np = P - p0 < op->rows_per_task ? P - p0 : op->rows_per_task;
    int32_t n0 = ntile * op->cols_per_task;
    int32_t nn = op->oc - n0 < op->cols_per_task ? op->oc - n0 : op->cols_per_task;
    const int K = op->kh * op->kw * op->ic;
    const float *a;
    if (op->direct) {
        a = in + (size_t)p0 * op->ic;
    } else {
        float *col = m->scratch + (size_t)thread * m->scratch_floats;
        im2col(op, in, p0, np, col);
        a = col;
    }
    float *c = out + (size_t)p0 * op->oc + n0;
    if (np == 1) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, nn, K, 1.0f, op->w + (size_t)n0 * K, K, a, 1,
                    0.0f, c, 1);
    } else {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, np, nn, K, 1.0f, a, K,
                    op->w + (size_t)n0 * K, K, 0.0f, c, op->oc);
    }
    float lo, hi;
    act_range(op->act, &lo, &hi);
    const float *bias = op->bias ? op->bias + n0 : NULL;
    for (int32_t i = 0; i < np; i++) {
        float *row = c + (size_t)i * op->oc;
        if (bias)
            for (int32_t j = 0; j < nn; j++)
                row[j] += bias[j];
        if (op->act != GS_NN_ACT_NONE)
            for (int32_t j = 0; j < nn; j++)
                row[j] = clampf(row[j], lo, hi);
    }
}

/* Sparse 1x1 convolution (XNNPACK-style SpMM on a pixel tile): SPARSE_SUB pixels are transposed
 * to (ic x SPARSE_SUB) so that each non-zero weight is one broadcast multiply-add over 64 pixels
 * held in 8 independent vector accumulators. */
GS_NN_CLONES
static void sparse_task(gs_nn_model *m, const gs_nn__op *op, int task, int thread)
{
    const float *in = m->tensors[op->in[0]].data;
    float *out = m->tensors[op->out].data;
    float *xt = m->scratch + (size_t)thread * m->scratch_floats;
    int32_t P = op->oh * op->ow;
    int32_t p0 = task * op->rows_per_task;
    int32_t p1 = p0 + op->rows_per_task < P ? p0 + op->rows_per_task : P;
    const int32_t ic = op->ic, oc = op->oc;
    float lo, hi;
    act_range(op->act, &lo, &hi);
    const v8 vlo = splat8(lo), vhi = splat8(hi);
    for (int32_t s = p0; s < p1; s += SPARSE_SUB) {
        int32_t ns = p1 - s < SPARSE_SUB ? p1 - s : SPARSE_SUB;
        if (ns < SPARSE_SUB)
            memset(xt, 0, (size_t)ic * SPARSE_SUB * sizeof(float));
        for (int32_t i = 0; i < ns; i++) {
            const float *x = in + (size_t)(s + i) * ic;
            for (int32_t c = 0; c < ic; c++)
                xt[(size_t)c * SPARSE_SUB + i] = x[c];
        }
        for (int32_t o = 0; o < oc; o++) {
            v8 acc[SPARSE_SUB / 8];
            const v8 b = splat8(op->bias ? op->bias[o] : 0.0f);
            for (int k = 0; k < SPARSE_SUB / 8; k++)
                acc[k] = b;
            for (int32_t j = op->sp_rowptr[o]; j < op->sp_rowptr[o + 1]; j++) {
                const v8 w = splat8(op->sp_val[j]);
                const float *x = xt + (size_t)op->sp_col[j] * SPARSE_SUB;
                for (int k = 0; k < SPARSE_SUB / 8; k++)
                    acc[k] += w * ld8(x + 8 * k);
            }
            float y[SPARSE_SUB];
            for (int k = 0; k < SPARSE_SUB / 8; k++)
                st8(y + 8 * k, clamp8(acc[k], vlo, vhi));
            float *dst = out + (size_t)s * oc + o;
            for (int32_t i = 0; i < ns; i++)
                dst[(size_t)i * oc] = y[i];
        }
    }
}

/* One output row of a depthwise convolution, channels % 8 == 0. Called with constant KH/KW
 * for 3x3 and 5x5 so the tap loops unroll and the weights stay in registers. Interior pixels go
 * four at a time (four independent accumulators); border pixels skip the taps that fall into
 * the padding. */
static inline __attribute__((always_inline)) void dw_row8(const gs_nn__op *op, const float *in,
                                                          float *orow, int32_t oy, int32_t ky0,
                                                          int32_t ky1, const int32_t KH,
                                                          const int32_t KW, float lo, float hi)
{
    const int32_t C = op->ic, sw = op->sw, dw = op->dw, dh = op->dh;
    const v8 vlo = splat8(lo), vhi = splat8(hi);
    /* interior: every kx tap inside the input */
    int32_t ox_lo = 0, ox_hi = op->ow;
    while (ox_lo < op->ow && ox_lo * sw - op->pad_l < 0)
        ox_lo++;
    while (ox_hi > ox_lo && (ox_hi - 1) * sw - op->pad_l + (KW - 1) * dw >= op->iw)
        ox_hi--;
    for (int32_t cb = 0; cb < C; cb += 8) {
        v8 wv[DW_MAX_TAPS];
        for (int t = 0; t < KH * KW; t++)
            wv[t] = ld8(op->w + (size_t)t * C + cb);
        const v8 b = op->bias ? ld8(op->bias + cb) : splat8(0.0f);
        int32_t ox = 0;
        for (; ox < op->ow; ox++) {
            if (ox >= ox_lo && ox + 4 <= ox_hi) {
                v8 a0 = b, a1 = b, a2 = b, a3 = b;
                const size_t step = (size_t)sw * C;
                for (int32_t ky = ky0; ky < ky1; ky++) {
                    int32_t iy = oy * op->sh - op->pad_t + ky * dh;
                    const float *xr =
                        in + ((size_t)iy * op->iw + (ox * sw - op->pad_l)) * C + cb;
                    for (int32_t kx = 0; kx < KW; kx++) {
                        const v8 w = wv[ky * KW + kx];
                        const float *x = xr + (size_t)kx * dw * C;
                        a0 += ld8(x) * w;
                        a1 += ld8(x + step) * w;
                        a2 += ld8(x + 2 * step) * w;
                        a3 += ld8(x + 3 * step) * w;
                    }
                }
                float *o = orow + (size_t)ox * C + cb;
                st8(o, clamp8(a0, vlo, vhi));
                st8(o + C, clamp8(a1, vlo, vhi));
                st8(o + 2 * C, clamp8(a2, vlo, vhi));
                st8(o + 3 * C, clamp8(a3, vlo, vhi));
                ox += 3;
                continue;
            }
            int32_t ix0 = ox * sw - op->pad_l;
            int32_t kx0 = 0, kx1 = KW;
            while (kx0 < kx1 && ix0 + kx0 * dw < 0)
                kx0++;
            while (kx1 > kx0 && ix0 + (kx1 - 1) * dw >= op->iw)
                kx1--;
            v8 acc = b;
            for (int32_t ky = ky0; ky < ky1; ky++) {
                int32_t iy = oy * op->sh - op->pad_t + ky * dh;
                const float *xr = in + (size_t)iy * op->iw * C + cb;
                for (int32_t kx = kx0; kx < kx1; kx++) /* ix0 + kx * dw is inside the row */
                    acc += ld8(xr + (size_t)(ix0 + kx * dw) * C) * wv[ky * KW + kx];
            }
            st8(orow + (size_t)ox * C + cb, clamp8(acc, vlo, vhi));
        }
    }
}

/* Depthwise convolution of one output row: out[ox][c] = bias[c] + sum over taps of
 * in[iy][ix][c] * w[ky][kx][c]. Channels % 8 == 0 (every BlazePose layer): per block of 8
 * channels the taps' weights stay in registers and each output pixel accumulates in one
 * register; consecutive pixels are independent, so the CPU overlaps them. Otherwise a plain loop
 * over contiguous channels. */
GS_NN_CLONES
static void dwconv_task(gs_nn_model *m, const gs_nn__op *op, int task, int thread)
{
    (void)thread;
    const float *in = m->tensors[op->in[0]].data;
    float *out = m->tensors[op->out].data;
    const int32_t C = op->ic, oy = task, taps = op->kh * op->kw;
    float lo, hi;
    act_range(op->act, &lo, &hi);
    float *orow = out + (size_t)oy * op->ow * C;
    int32_t ky0 = 0, ky1 = op->kh;
    while (ky0 < ky1 && oy * op->sh - op->pad_t + ky0 * op->dh < 0)
        ky0++;
    while (ky1 > ky0 && oy * op->sh - op->pad_t + (ky1 - 1) * op->dh >= op->ih)
        ky1--;
    if (C % 8 == 0 && taps <= DW_MAX_TAPS) {
        if (op->kh == 3 && op->kw == 3)
            dw_row8(op, in, orow, oy, ky0, ky1, 3, 3, lo, hi);
        else if (op->kh == 5 && op->kw == 5)
            dw_row8(op, in, orow, oy, ky0, ky1, 5, 5, lo, hi);
        else
            dw_row8(op, in, orow, oy, ky0, ky1, op->kh, op->kw, lo, hi);
        return;
    }
    for (int32_t ox = 0; ox < op->ow; ox++) {
        float *restrict o = orow + (size_t)ox * C;
        if (op->bias)
            memcpy(o, op->bias, (size_t)C * sizeof(float));
        else
            memset(o, 0, (size_t)C * sizeof(float));
        for (int32_t ky = ky0; ky < ky1; ky++) {
            int32_t iy = oy * op->sh - op->pad_t + ky * op->dh;
            for (int32_t kx = 0; kx < op->kw; kx++) {
                int32_t ix = ox * op->sw - op->pad_l + kx * op->dw;
                if (ix < 0 || ix >= op->iw)
                    continue;
                const float *restrict x = in + ((size_t)iy * op->iw + ix) * C;
                const float *restrict w = op->w + ((size_t)ky * op->kw + kx) * C;
                for (int32_t c = 0; c < C; c++)
                    o[c] += x[c] * w[c];
            }
        }
        for (int32_t c = 0; c < C; c++)
            o[c] = clampf(o[c], lo, hi);
    }
}

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

static void resize_task(gs_nn_model *m, const gs_nn__op *op, int task)
{
    const float *in = m->tensors[op->in[0]].data;
    float *out = m->tensors[op->out].data;
    const int32_t C = op->ic, oy = task;
    int32_t y0, y1;
    float fy;
    resize_coord(op, oy, op->ih, op->oh, &y0, &y1, &fy);
    for (int32_t ox = 0; ox < op->ow; ox++) {
        int32_t x0, x1;
        float fx;
        resize_coord(op, ox, op->iw, op->ow, &x0, &x1, &fx);
        const float *a = in + ((size_t)y0 * op->iw + x0) * C;
        const float *b = in + ((size_t)y0 * op->iw + x1) * C;
        const float *c = in + ((size_t)y1 * op->iw + x0) * C;
        const float *d = in + ((size_t)y1 * op->iw + x1) * C;
        float *o = out + ((size_t)oy * op->ow + ox) * C;
        const float w00 = (1 - fy) * (1 - fx), w01 = (1 - fy) * fx, w10 = fy * (1 - fx),
                    w11 = fy * fx;
        for (int32_t k = 0; k < C; k++)
            o[k] = a[k] * w00 + b[k] * w01 + c[k] * w10 + d[k] * w11;
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
    size_t e0 = (size_t)task * ELEM_CHUNK;
    size_t e1 = e0 + ELEM_CHUNK < o->nelem ? e0 + ELEM_CHUNK : o->nelem;
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

static void run_task(void *jp, int task, int thread)
{
    job *j = jp;
    const gs_nn__op *op = j->op;
    switch (op->kind) {
    case GS_NN_K_CONV: conv_task(j->m, op, task, thread); break;
    case GS_NN_K_CONV_SPARSE: sparse_task(j->m, op, task, thread); break;
    case GS_NN_K_DWCONV: dwconv_task(j->m, op, task, thread); break;
    case GS_NN_K_MAXPOOL: maxpool_task(j->m, op, task); break;
    case GS_NN_K_RESIZE: resize_task(j->m, op, task); break;
    case GS_NN_K_D2S: d2s_task(j->m, op, task); break;
    case GS_NN_K_PAD: pad_task(j->m, op, task); break;
    case GS_NN_K_CONCAT: concat_task(j->m, op, task); break;
    default: elem_task(j->m, op, task); break;
    }
}

void gs_nn__run_op(gs_nn_model *m, const gs_nn__op *op)
{
    job j = {m, op};
    int ntasks = op->ntasks;
    if (op->kind == GS_NN_K_ADD || op->kind == GS_NN_K_LOGISTIC || op->kind == GS_NN_K_COPY)
        ntasks = (int)((m->tensors[op->out].nelem + ELEM_CHUNK - 1) / ELEM_CHUNK);
    gs_nn__pool_run(m->pool, run_task, &j, ntasks);
}
