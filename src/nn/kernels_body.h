/*
 * Kernel bodies, compiled three times: kernels_base.c (the build's default target),
 * kernels_v3.c (-march=x86-64-v3: AVX2 + FMA) and kernels_v4.c (-march=x86-64-v4: AVX-512),
 * chosen at load by CPU detection (gs_nn__select_kernels).
 * Function multiversioning (target_clones) was tried first: GCC lowered the vector helpers for
 * the default target before inlining them into the AVX clones (vinsertps chains instead of
 * vbroadcastss, no FMA), so each ISA gets its own translation unit instead.
 * GS_NN_KSUFFIX names the one exported entry point of each copy.
 */
#include <math.h>
#include <string.h>

/* -std=c11 makes GCC default to -ffp-contract=off whatever the command line says before it;
 * multiply-adds must fuse into FMA here (the sums are still evaluated in one fixed order). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=fast")
#endif

#include "kernels_impl.h"

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
    v8 v = {f};
#if defined(__clang__)
    return __builtin_shufflevector(v, v, 0, 0, 0, 0, 0, 0, 0, 0); /* vbroadcastss */
#else
    return __builtin_shuffle(v, (vi8){0, 0, 0, 0, 0, 0, 0, 0});
#endif
}
/* 16-float vectors: one AVX-512 register in the x86-64-v4 build, two AVX2 registers in v3. */
typedef float v16 __attribute__((vector_size(64)));
typedef int32_t vi16 __attribute__((vector_size(64)));
static inline __attribute__((always_inline)) v16 ld16(const float *p)
{
    v16 v;
    memcpy(&v, p, sizeof(v));
    return v;
}
static inline __attribute__((always_inline)) void st16(float *p, v16 v)
{
    memcpy(p, &v, sizeof(v));
}
static inline __attribute__((always_inline)) v16 splat16(float f)
{
    v16 v = {f};
#if defined(__clang__)
    return __builtin_shufflevector(v, v, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
#else
    return __builtin_shuffle(v, (vi16){0});
#endif
}
static inline __attribute__((always_inline)) v16 clamp16(v16 v, v16 lo, v16 hi)
{
    vi16 m = v < lo;
    v = (v16)(((vi16)lo & m) | ((vi16)v & ~m));
    m = v > hi;
    return (v16)(((vi16)hi & m) | ((vi16)v & ~m));
}
static inline __attribute__((always_inline)) v8 shuffle8(v8 a, v8 b, vi8 mask)
{
#if defined(__clang__)
    /* clang has no two-input variable-mask form; the masks used are constants, so spell it out
     * through element selects (clang folds them into shuffles) */
    v8 r;
    for (int i = 0; i < 8; i++)
        r[i] = mask[i] < 8 ? a[mask[i]] : b[mask[i] - 8];
    return r;
#else
    return __builtin_shuffle(a, b, mask);
#endif
}
static inline __attribute__((always_inline)) v8 clamp8(v8 v, v8 lo, v8 hi)
{
    vi8 m = v < lo; /* lanes -1 where true (C has no vector ?:) */
    v = (v8)(((vi8)lo & m) | ((vi8)v & ~m));
    m = v > hi;
    return (v8)(((vi8)hi & m) | ((vi8)v & ~m));
}


#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
/* x86-64-v4 = AVX-512 F/BW/DQ/VL (+ FMA), x86-64-v3 = AVX2 + FMA; a bare "avx512f" clone would
 * lack FMA. */
#define GS_NN_CLONES \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
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

/* GEMM convolution: C (pixels x oc) = A (pixels x K) * W^T + bias, then the activation and the
 * fused residual, with W packed at load into panels of GS_NN_GEMM_PANEL output channels
 * ([panel][K][16], plan.c make_gemm). The micro-kernel keeps GEMM_MR pixels x GEMM_NP panels of
 * accumulators in registers; per k it loads the panels' 16 weights once and broadcasts each of
 * the GEMM_MR input values against them. Every output sums its K products in order 0..K-1 in one
 * accumulator whatever tile it falls in, so the result depends on the shapes only. Sizes per ISA
 * fill the vector registers without spilling: AVX-512 8 x 48 (24 of 32 zmm), AVX2 6 x 16 (12 of
 * 16 ymm, the classic Haswell shape), portable 3 x 16 (12 of 16 xmm as 8-float halves). */
#if defined(__AVX512F__)
typedef v16 vg;
#define VG       16
#define ld_g     ld16
#define st_g     st16
#define splat_g  splat16
#define clamp_g  clamp16
#define GEMM_MR  8
#define GEMM_NP  3
#elif defined(__AVX2__)
typedef v8 vg;
#define VG       8
#define ld_g     ld8
#define st_g     st8
#define splat_g  splat8
#define clamp_g  clamp8
#define GEMM_MR  6
#define GEMM_NP  1
#else
typedef v8 vg;
#define VG       8
#define ld_g     ld8
#define st_g     st8
#define splat_g  splat8
#define clamp_g  clamp8
#define GEMM_MR  3
#define GEMM_NP  1
#endif
#define GEMM_PV (GS_NN_GEMM_PANEL / VG) /* vectors per panel */

/** What a GEMM micro-tile needs besides its position. */
typedef struct gemm_args {
    const float *a;    /* first pixel row of the tile's input, rows lda apart */
    size_t lda;        /* = K */
    int32_t K;         /* reduction length */
    const float *b;    /* first panel of the tile, panels K * 16 floats apart */
    const float *bias; /* padded bias of the tile's first channel */
    float *c;          /* output of the tile's first pixel and channel, rows ldc apart */
    const float *res;  /* residual at the same place as c, or NULL */
    size_t ldc;        /* = oc */
    int32_t ncols;     /* valid output channels of the tile (<= np * 16) */
    vg lo, hi, rlo, rhi; /* activation and residual-activation ranges */
} gemm_args;

static inline __attribute__((always_inline)) void gemm_tile(const gemm_args *g, const int MR,
                                                            const int NP)
{
    enum { NV = 16 / VG };
    vg acc[GEMM_MR][GEMM_NP * GEMM_PV];
    const float *a = g->a;
    const size_t lda = g->lda, pstride = (size_t)g->K * GS_NN_GEMM_PANEL;
    for (int r = 0; r < MR; r++)
        for (int v = 0; v < NP * GEMM_PV; v++)
            acc[r][v] = splat_g(0.0f);
    const float *b = g->b;
    for (int32_t k = 0; k < g->K; k++, b += GS_NN_GEMM_PANEL) {
        vg w[GEMM_NP * GEMM_PV];
        for (int p = 0; p < NP; p++) {
            /* weights 32 k ahead: on the 8x8 layers (1.7 MB of weights, each used by 64 pixels)
             * the hardware prefetcher alone left 6 % of the time on misses */
            __builtin_prefetch(b + p * pstride + 32 * GS_NN_GEMM_PANEL);
            for (int j = 0; j < GEMM_PV; j++)
                w[p * GEMM_PV + j] = ld_g(b + p * pstride + j * VG);
        }
        for (int r = 0; r < MR; r++) {
            const vg x = splat_g(a[r * lda + k]);
            for (int v = 0; v < NP * GEMM_PV; v++)
                acc[r][v] += x * w[v];
        }
    }
    (void)NV;
    for (int r = 0; r < MR; r++) {
        float *c = g->c + r * g->ldc;
        const float *res = g->res ? g->res + r * g->ldc : NULL;
        for (int v = 0; v < NP * GEMM_PV; v++) {
            const int32_t col = v * VG;
            vg y = clamp_g(acc[r][v] + ld_g(g->bias + col), g->lo, g->hi);
            if (col + VG <= g->ncols) {
                if (res)
                    y = clamp_g(y + ld_g(res + col), g->rlo, g->rhi);
                st_g(c + col, y);
            } else {
                for (int32_t j = 0; col + j < g->ncols; j++) {
                    float t = y[j];
                    if (res)
                        t = clampf(t + res[col + j], g->rlo[0], g->rhi[0]);
                    c[col + j] = t;
                }
            }
        }
    }
}

/* One micro-tile of mr <= GEMM_MR rows and np <= GEMM_NP panels: constant sizes for each case
 * so that the accumulators stay in registers. */
static void gemm_tile_any(const gemm_args *g, int mr, int np)
{
#define GS_NN_GEMM_CASE_NP(MR)                         \
    switch (np) {                                      \
    case 1: gemm_tile(g, MR, 1); return;               \
    case 2: gemm_tile(g, MR, GEMM_NP >= 2 ? 2 : 1); return; \
    default: gemm_tile(g, MR, GEMM_NP); return;        \
    }
    switch (mr) {
    case 1: GS_NN_GEMM_CASE_NP(1)
#if GEMM_MR >= 2
    case 2: GS_NN_GEMM_CASE_NP(2)
#endif
#if GEMM_MR >= 3
    case 3: GS_NN_GEMM_CASE_NP(3)
#endif
#if GEMM_MR >= 4
    case 4: GS_NN_GEMM_CASE_NP(4)
#endif
#if GEMM_MR >= 5
    case 5: GS_NN_GEMM_CASE_NP(5)
#endif
#if GEMM_MR >= 6
    case 6: GS_NN_GEMM_CASE_NP(6)
#endif
#if GEMM_MR >= 7
    case 7: GS_NN_GEMM_CASE_NP(7)
#endif
#if GEMM_MR >= 8
    case 8: GS_NN_GEMM_CASE_NP(8)
#endif
    default: break;
    }
#undef GS_NN_GEMM_CASE_NP
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
    const int32_t K = op->kh * op->kw * op->ic;
    const float *a;
    if (op->direct) {
        a = in + (size_t)p0 * op->ic;
    } else {
        float *col = m->scratch + (size_t)thread * m->scratch_floats;
        im2col(op, in, p0, np, col);
        a = col;
    }
    float lo, hi, rlo, rhi;
    act_range(op->act, &lo, &hi);
    act_range(op->res_act, &rlo, &rhi);
    const size_t W = GS_NN_GEMM_PANEL, npanels = ((size_t)op->oc + W - 1) / W;
    const float *res = op->res >= 0 ? m->tensors[op->res].data : NULL;
    gemm_args g;
    g.lda = (size_t)K;
    g.K = K;
    g.ldc = (size_t)op->oc;
    g.lo = splat_g(lo), g.hi = splat_g(hi), g.rlo = splat_g(rlo), g.rhi = splat_g(rhi);
    /* panel groups outer, pixel tiles inner: the group's weights (K x 48 floats) are read from
     * memory once and stay in L2 while the tiles' input rows stream past them */
    for (int32_t c0 = 0; c0 < nn; c0 += GEMM_NP * GS_NN_GEMM_PANEL) {
        int32_t nc = nn - c0 < GEMM_NP * GS_NN_GEMM_PANEL ? nn - c0 : GEMM_NP * GS_NN_GEMM_PANEL;
        int npan = (int)((nc + W - 1) / W);
        size_t col0 = (size_t)(n0 + c0);
        g.b = op->gpack + (col0 / W) * (size_t)K * W;
        g.bias = op->gpack + npanels * (size_t)K * W + col0;
        g.ncols = nc;
        for (int32_t r0 = 0; r0 < np; r0 += GEMM_MR) {
            int mr = np - r0 < GEMM_MR ? np - r0 : GEMM_MR;
            g.a = a + (size_t)r0 * K;
            g.c = out + (size_t)(p0 + r0) * op->oc + col0;
            g.res = res ? res + (size_t)(p0 + r0) * op->oc + col0 : NULL;
            gemm_tile_any(&g, mr, npan);
        }
    }
}

/* The sparse kernel's vector: 16 floats where AVX-512 is compiled in, else 8 (GCC splits a
 * 16-float vector badly on AVX2: measured 4x slower). */
#if defined(__AVX512F__)
typedef v16 vsp;
#define SPW 16
#define ld_sp    ld16
#define st_sp    st16
#define splat_sp splat16
#define clamp_sp clamp16
#else
typedef v8 vsp;
#define SPW 8
#define ld_sp    ld8
#define st_sp    st8
#define splat_sp splat8
#define clamp_sp clamp8
#endif

/* Sparse 1x1 convolution (XNNPACK-style SpMM on a pixel tile): GS_NN_SPARSE_SUB pixels are transposed
 * to (ic x GS_NN_SPARSE_SUB) so that each non-zero weight is one broadcast multiply-add over 64 pixels
 * held in 8 independent vector accumulators. */
/* In-register transpose of an 8x8 block (rows r[0..7]): three stages swapping 4-, 2- and 1-wide
 * sub-blocks between row pairs (two-input shuffles; one vpermt2ps each with AVX-512). */
static inline __attribute__((always_inline)) void transpose8(v8 r[8])
{
    static const vi8 lo4 = {0, 1, 2, 3, 8, 9, 10, 11}, hi4 = {4, 5, 6, 7, 12, 13, 14, 15};
    static const vi8 lo2 = {0, 1, 8, 9, 4, 5, 12, 13}, hi2 = {2, 3, 10, 11, 6, 7, 14, 15};
    static const vi8 lo1 = {0, 8, 2, 10, 4, 12, 6, 14}, hi1 = {1, 9, 3, 11, 5, 13, 7, 15};
    v8 t[8];
    for (int i = 0; i < 4; i++) {
        t[i] = shuffle8(r[i], r[i + 4], lo4);
        t[i + 4] = shuffle8(r[i], r[i + 4], hi4);
    }
    for (int i = 0; i < 8; i += 4)
        for (int k = 0; k < 2; k++) {
            r[i + k] = shuffle8(t[i + k], t[i + k + 2], lo2);
            r[i + k + 2] = shuffle8(t[i + k], t[i + k + 2], hi2);
        }
    for (int i = 0; i < 8; i += 2) {
        t[i] = shuffle8(r[i], r[i + 1], lo1);
        t[i + 1] = shuffle8(r[i], r[i + 1], hi1);
    }
    for (int i = 0; i < 8; i++)
        r[i] = t[i];
}

static void sparse_task(gs_nn_model *m, const gs_nn__op *op, int task, int thread)
{
    const float *in = m->tensors[op->in[0]].data;
    float *out = m->tensors[op->out].data;
    float *xt = m->scratch + (size_t)thread * m->scratch_floats;
    float *yt = xt + (size_t)op->ic * GS_NN_SPARSE_SUB; /* 8 output channels x SUB pixels */
    int32_t P = op->oh * op->ow;
    int32_t p0 = task * op->rows_per_task;
    int32_t p1 = p0 + op->rows_per_task < P ? p0 + op->rows_per_task : P;
    const int32_t ic = op->ic, oc = op->oc;
    const int vec_io = ic % 8 == 0 && oc % 8 == 0;
    float lo, hi;
    act_range(op->act, &lo, &hi);
    const vsp vlo = splat_sp(lo), vhi = splat_sp(hi);
    float rlo, rhi;
    act_range(op->res_act, &rlo, &rhi);
    const v8 rlo8 = splat8(rlo), rhi8 = splat8(rhi);
    const float *res = op->res >= 0 ? m->tensors[op->res].data : NULL;
    for (int32_t s = p0; s < p1; s += GS_NN_SPARSE_SUB) {
        int32_t ns = p1 - s < GS_NN_SPARSE_SUB ? p1 - s : GS_NN_SPARSE_SUB;
        const int full = vec_io && ns == GS_NN_SPARSE_SUB;
        /* input tile (ns pixels x ic) -> xt (ic x SUB) */
        if (full) {
            for (int32_t c0 = 0; c0 < ic; c0 += 8)
                for (int32_t q = 0; q < GS_NN_SPARSE_SUB; q += 8) {
                    v8 r[8];
                    for (int i = 0; i < 8; i++)
                        r[i] = ld8(in + (size_t)(s + q + i) * ic + c0);
                    transpose8(r);
                    for (int i = 0; i < 8; i++)
                        st8(xt + (size_t)(c0 + i) * GS_NN_SPARSE_SUB + q, r[i]);
                }
        } else {
            if (ns < GS_NN_SPARSE_SUB)
                memset(xt, 0, (size_t)ic * GS_NN_SPARSE_SUB * sizeof(float));
            for (int32_t i = 0; i < ns; i++) {
                const float *x = in + (size_t)(s + i) * ic;
                for (int32_t c = 0; c < ic; c++)
                    xt[(size_t)c * GS_NN_SPARSE_SUB + i] = x[c];
            }
        }
        for (int32_t o = 0; o < oc; o++) {
            vsp acc[GS_NN_SPARSE_SUB / SPW];
            const vsp b = splat_sp(op->bias ? op->bias[o] : 0.0f);
            for (int k = 0; k < GS_NN_SPARSE_SUB / SPW; k++)
                acc[k] = b;
            for (int32_t j = op->sp_rowptr[o]; j < op->sp_rowptr[o + 1]; j++) {
                const vsp w = splat_sp(op->sp_val[j]);
                const float *x = xt + (size_t)op->sp_col[j] * GS_NN_SPARSE_SUB;
                for (int k = 0; k < GS_NN_SPARSE_SUB / SPW; k++)
                    acc[k] += w * ld_sp(x + SPW * k);
            }
            float *y = yt + (size_t)(o % 8) * GS_NN_SPARSE_SUB;
            for (int k = 0; k < GS_NN_SPARSE_SUB / SPW; k++)
                st_sp(y + SPW * k, clamp_sp(acc[k], vlo, vhi));
            if (full) {
                if (o % 8 != 7)
                    continue;
                /* 8 channels done: yt (8 x SUB) -> out rows, 8 pixels at a time */
                int32_t o0 = o - 7;
                for (int32_t q = 0; q < GS_NN_SPARSE_SUB; q += 8) {
                    v8 r[8];
                    for (int i = 0; i < 8; i++)
                        r[i] = ld8(yt + (size_t)i * GS_NN_SPARSE_SUB + q);
                    transpose8(r);
                    for (int i = 0; i < 8; i++) {
                        size_t at = (size_t)(s + q + i) * oc + o0;
                        v8 v = r[i];
                        if (res)
                            v = clamp8(v + ld8(res + at), rlo8, rhi8);
                        st8(out + at, v);
                    }
                }
                continue;
            }
            float *dst = out + (size_t)s * oc + o;
            if (res) {
                const float *rr = res + (size_t)s * oc + o;
                for (int32_t i = 0; i < ns; i++)
                    dst[(size_t)i * oc] = clampf(y[i] + rr[(size_t)i * oc], rlo, rhi);
            } else {
                for (int32_t i = 0; i < ns; i++)
                    dst[(size_t)i * oc] = y[i];
            }
        }
    }
}

/* Direct convolution for few output channels (ocp = oc rounded to 8, at most 32): NV vector
 * accumulators per pixel, PB pixels at a time (independent chains), each input value broadcast
 * against the packed [kh][kw][ic][ocp] weights. Pixels whose taps all lie inside the input go
 * PB at a time, border pixels one by one with the padding taps skipped. */
/* Pixels per step of the direct kernel at most. */
#if defined(__AVX512F__)
#define DIRECT_MAX_PB 8
#else
#define DIRECT_MAX_PB 4
#endif
static inline __attribute__((always_inline)) void direct_px(const gs_nn__op *op, const float *in,
                                                            float *out, const float *res,
                                                            int32_t oy, int32_t ox, const int NV,
                                                            const int PB, v8 vlo, v8 vhi, v8 rlo,
                                                            v8 rhi)
{
    v8 acc[DIRECT_MAX_PB][4];
    const int32_t ic = op->ic, ocp = op->ocp;
    const float *bias = op->wpack + (size_t)op->kh * op->kw * ic * ocp; /* padded, 0 if none */
    for (int p = 0; p < PB; p++)
        for (int v = 0; v < NV; v++)
            acc[p][v] = ld8(bias + 8 * v);
    for (int32_t ky = 0; ky < op->kh; ky++) {
        int32_t iy = oy * op->sh - op->pad_t + ky * op->dh;
        if (iy < 0 || iy >= op->ih)
            continue;
        for (int32_t kx = 0; kx < op->kw; kx++) {
            int32_t ix = ox * op->sw - op->pad_l + kx * op->dw;
            if (PB == 1 && (ix < 0 || ix >= op->iw))
                continue;
            const float *x = in + ((size_t)iy * op->iw + ix) * ic;
            const float *w = op->wpack + ((size_t)ky * op->kw + kx) * ic * ocp;
            const size_t pstep = (size_t)op->sw * ic;
            for (int32_t c = 0; c < ic; c++) {
                v8 wv[4];
                for (int v = 0; v < NV; v++)
                    wv[v] = ld8(w + (size_t)c * ocp + 8 * v);
                for (int p = 0; p < PB; p++) {
                    const v8 xv = splat8(x[p * pstep + c]);
                    for (int v = 0; v < NV; v++)
                        acc[p][v] += xv * wv[v];
                }
            }
        }
    }
    for (int p = 0; p < PB; p++) {
        size_t at = ((size_t)oy * op->ow + ox + p) * op->oc;
        float *o = out + at;
        for (int v = 0; v < NV; v++) {
            v8 r = clamp8(acc[p][v], vlo, vhi);
            if (8 * v + 8 <= op->oc) {
                if (res)
                    r = clamp8(r + ld8(res + at + 8 * v), rlo, rhi);
                st8(o + 8 * v, r);
            } else {
                for (int k = 0; k < op->oc - 8 * v; k++) {
                    float y = r[k];
                    if (res)
                        y = clampf(y + res[at + 8 * v + k], rlo[0], rhi[0]);
                    o[8 * v + k] = y;
                }
            }
        }
    }
}

static inline __attribute__((always_inline)) void direct_row(const gs_nn__op *op, const float *in,
                                                             float *out, const float *res,
                                                             int32_t oy, const int NV, const int PB)
{
    float lo, hi, rl, rh;
    act_range(op->act, &lo, &hi);
    act_range(op->res_act, &rl, &rh);
    const v8 vlo = splat8(lo), vhi = splat8(hi), rlo = splat8(rl), rhi = splat8(rh);
    int32_t ox_lo = 0, ox_hi = op->ow;
    while (ox_lo < op->ow && ox_lo * op->sw - op->pad_l < 0)
        ox_lo++;
    while (ox_hi > ox_lo && (ox_hi - 1) * op->sw - op->pad_l + (op->kw - 1) * op->dw >= op->iw)
        ox_hi--;
    for (int32_t ox = 0; ox < op->ow;) {
        if (ox >= ox_lo && ox + PB <= ox_hi) {
            direct_px(op, in, out, res, oy, ox, NV, PB, vlo, vhi, rlo, rhi);
            ox += PB;
        } else {
            direct_px(op, in, out, res, oy, ox, NV, 1, vlo, vhi, rlo, rhi);
            ox++;
        }
    }
}

/* Few output channels (<= 4) over channels % 8 == 0: per output channel one vector
 * accumulator along the input channels, summed across lanes at the end. */
static inline __attribute__((always_inline)) void dot_row(const gs_nn__op *op, const float *in,
                                                         float *out, const float *res, int32_t oy,
                                                         const int32_t KH, const int32_t KW,
                                                         const int32_t IC)
{
    const int32_t ic = IC;
    const size_t K = (size_t)KH * KW * ic;
    const float *bias = op->wpack + K * (size_t)op->ocp;
    float lo, hi, rlo, rhi;
    act_range(op->act, &lo, &hi);
    act_range(op->res_act, &rlo, &rhi);
    int32_t ox_lo = 0, ox_hi = op->ow;
    while (ox_lo < op->ow && ox_lo * op->sw - op->pad_l < 0)
        ox_lo++;
    while (ox_hi > ox_lo && (ox_hi - 1) * op->sw - op->pad_l + (KW - 1) * op->dw >= op->iw)
        ox_hi--;
    for (int32_t ox = 0; ox < op->ow;) {
        if (ox >= ox_lo && ox + 8 <= ox_hi) {
            /* 8 interior pixels: per pixel a vector of partial sums over the channels, then
             * one 8x8 transpose turns the 8 horizontal sums into one vertical sum */
            for (int32_t o = 0; o < op->oc; o++) {
                const float *wo = op->wpack + (size_t)o * K;
                v8 acc[8];
                for (int p = 0; p < 8; p++)
                    acc[p] = splat8(0.0f);
                for (int32_t ky = 0; ky < KH; ky++) {
                    int32_t iy = oy * op->sh - op->pad_t + ky * op->dh;
                    if (iy < 0 || iy >= op->ih)
                        continue;
                    for (int32_t kx = 0; kx < KW; kx++) {
                        const float *x =
                            in + ((size_t)iy * op->iw + ox * op->sw - op->pad_l + kx * op->dw) * ic;
                        const float *w = wo + ((size_t)ky * KW + kx) * ic;
                        for (int32_t c = 0; c < ic; c += 8) {
                            const v8 wv = ld8(w + c);
                            for (int p = 0; p < 8; p++)
                                acc[p] += ld8(x + (size_t)p * op->sw * ic + c) * wv;
                        }
                    }
                }
                transpose8(acc);
                v8 sum = splat8(bias[o]);
                for (int k = 0; k < 8; k++)
                    sum += acc[k];
                for (int p = 0; p < 8; p++) {
                    size_t at = ((size_t)oy * op->ow + ox + p) * op->oc + o;
                    float v = clampf(sum[p], lo, hi);
                    out[at] = res ? clampf(v + res[at], rlo, rhi) : v;
                }
            }
            ox += 8;
            continue;
        }
        for (int32_t o = 0; o < op->oc; o++) {
            v8 acc = splat8(0.0f);
            const float *wo = op->wpack + (size_t)o * K;
            for (int32_t ky = 0; ky < KH; ky++) {
                int32_t iy = oy * op->sh - op->pad_t + ky * op->dh;
                if (iy < 0 || iy >= op->ih)
                    continue;
                for (int32_t kx = 0; kx < KW; kx++) {
                    int32_t ix = ox * op->sw - op->pad_l + kx * op->dw;
                    if (ix < 0 || ix >= op->iw)
                        continue;
                    const float *x = in + ((size_t)iy * op->iw + ix) * ic;
                    const float *w = wo + ((size_t)ky * KW + kx) * ic;
                    for (int32_t c = 0; c < ic; c += 8)
                        acc += ld8(x + c) * ld8(w + c);
                }
            }
            float sum = bias[o];
            for (int k = 0; k < 8; k++)
                sum += acc[k];
            size_t at = ((size_t)oy * op->ow + ox) * op->oc + o;
            float v = clampf(sum, lo, hi);
            out[at] = res ? clampf(v + res[at], rlo, rhi) : v;
        }
        ox++;
    }
}

static void direct_task(gs_nn_model *m, const gs_nn__op *op, int task, int thread)
{
    (void)thread;
    const float *in = m->tensors[op->in[0]].data;
    float *out = m->tensors[op->out].data;
    const float *res = op->res >= 0 ? m->tensors[op->res].data : NULL;
    if (op->dot) {
        /* constant sizes for the segmentation head (3x3, 8 -> 1): the tap loops unroll */
        if (op->kh == 3 && op->kw == 3 && op->ic == 8)
            dot_row(op, in, out, res, task, 3, 3, 8);
        else
            dot_row(op, in, out, res, task, op->kh, op->kw, op->ic);
        return;
    }
#if defined(__AVX512F__)
    /* 32 vector registers: twice the pixels in flight (the first 3x3 layer, K = 27, is bound by
     * the latency of its accumulator chains: 0.47 -> 0.39 ms at 128x128x24, thread CPU time) */
    switch (op->ocp / 8) {
    case 1: direct_row(op, in, out, res, task, 1, 8); break;
    case 2: direct_row(op, in, out, res, task, 2, 4); break;
    case 3: direct_row(op, in, out, res, task, 3, 4); break;
    default: direct_row(op, in, out, res, task, 4, 2); break;
    }
#else
    switch (op->ocp / 8) {
    case 1: direct_row(op, in, out, res, task, 1, 4); break;
    case 2: direct_row(op, in, out, res, task, 2, 2); break;
    case 3: direct_row(op, in, out, res, task, 3, 2); break;
    default: direct_row(op, in, out, res, task, 4, 1); break;
    }
#endif
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
        v8 wv[GS_NN_DW_MAX_TAPS];
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

#if defined(__AVX512F__)
/* One output row of a depthwise convolution, channels % 16 == 0, 16-wide (AVX-512 build). Called with constant KH/KW
 * for 3x3 and 5x5 so the tap loops unroll and the weights stay in registers. Interior pixels go
 * four at a time (four independent accumulators); border pixels skip the taps that fall into
 * the padding. */
static inline __attribute__((always_inline)) void dw_row16(const gs_nn__op *op, const float *in,
                                                          float *orow, int32_t oy, int32_t ky0,
                                                          int32_t ky1, const int32_t KH,
                                                          const int32_t KW, float lo, float hi)
{
    const int32_t C = op->ic, sw = op->sw, dw = op->dw, dh = op->dh;
    const v16 vlo = splat16(lo), vhi = splat16(hi);
    /* interior: every kx tap inside the input */
    int32_t ox_lo = 0, ox_hi = op->ow;
    while (ox_lo < op->ow && ox_lo * sw - op->pad_l < 0)
        ox_lo++;
    while (ox_hi > ox_lo && (ox_hi - 1) * sw - op->pad_l + (KW - 1) * dw >= op->iw)
        ox_hi--;
    for (int32_t cb = 0; cb < C; cb += 16) {
        v16 wv[GS_NN_DW_MAX_TAPS];
        for (int t = 0; t < KH * KW; t++)
            wv[t] = ld16(op->w + (size_t)t * C + cb);
        const v16 b = op->bias ? ld16(op->bias + cb) : splat16(0.0f);
        int32_t ox = 0;
        for (; ox < op->ow; ox++) {
            if (ox >= ox_lo && ox + 4 <= ox_hi) {
                v16 a0 = b, a1 = b, a2 = b, a3 = b;
                const size_t step = (size_t)sw * C;
                for (int32_t ky = ky0; ky < ky1; ky++) {
                    int32_t iy = oy * op->sh - op->pad_t + ky * dh;
                    const float *xr =
                        in + ((size_t)iy * op->iw + (ox * sw - op->pad_l)) * C + cb;
                    for (int32_t kx = 0; kx < KW; kx++) {
                        const v16 w = wv[ky * KW + kx];
                        const float *x = xr + (size_t)kx * dw * C;
                        a0 += ld16(x) * w;
                        a1 += ld16(x + step) * w;
                        a2 += ld16(x + 2 * step) * w;
                        a3 += ld16(x + 3 * step) * w;
                    }
                }
                float *o = orow + (size_t)ox * C + cb;
                st16(o, clamp16(a0, vlo, vhi));
                st16(o + C, clamp16(a1, vlo, vhi));
                st16(o + 2 * C, clamp16(a2, vlo, vhi));
                st16(o + 3 * C, clamp16(a3, vlo, vhi));
                ox += 3;
                continue;
            }
            int32_t ix0 = ox * sw - op->pad_l;
            int32_t kx0 = 0, kx1 = KW;
            while (kx0 < kx1 && ix0 + kx0 * dw < 0)
                kx0++;
            while (kx1 > kx0 && ix0 + (kx1 - 1) * dw >= op->iw)
                kx1--;
            v16 acc = b;
            for (int32_t ky = ky0; ky < ky1; ky++) {
                int32_t iy = oy * op->sh - op->pad_t + ky * dh;
                const float *xr = in + (size_t)iy * op->iw * C + cb;
                for (int32_t kx = kx0; kx < kx1; kx++) /* ix0 + kx * dw is inside the row */
                    acc += ld16(xr + (size_t)(ix0 + kx * dw) * C) * wv[ky * KW + kx];
            }
            st16(orow + (size_t)ox * C + cb, clamp16(acc, vlo, vhi));
        }
    }
}

#endif

/* Depthwise convolution of one output row: out[ox][c] = bias[c] + sum over taps of
 * in[iy][ix][c] * w[ky][kx][c]. Channels % 8 == 0 (every BlazePose layer): per block of 8
 * channels the taps' weights stay in registers and each output pixel accumulates in one
 * register; consecutive pixels are independent, so the CPU overlaps them. Otherwise a plain loop
 * over contiguous channels. */
static void dwconv_row(gs_nn_model *m, const gs_nn__op *op, int32_t oy)
{
    const float *in = m->tensors[op->in[0]].data;
    float *out = m->tensors[op->out].data;
    const int32_t C = op->ic, taps = op->kh * op->kw;
    float lo, hi;
    act_range(op->act, &lo, &hi);
    float *orow = out + (size_t)oy * op->ow * C;
    int32_t ky0 = 0, ky1 = op->kh;
    while (ky0 < ky1 && oy * op->sh - op->pad_t + ky0 * op->dh < 0)
        ky0++;
    while (ky1 > ky0 && oy * op->sh - op->pad_t + (ky1 - 1) * op->dh >= op->ih)
        ky1--;
#if defined(__AVX512F__)
    if (C % 16 == 0 && taps <= GS_NN_DW_MAX_TAPS) {
        if (op->kh == 3 && op->kw == 3)
            dw_row16(op, in, orow, oy, ky0, ky1, 3, 3, lo, hi);
        else if (op->kh == 5 && op->kw == 5)
            dw_row16(op, in, orow, oy, ky0, ky1, 5, 5, lo, hi);
        else
            dw_row16(op, in, orow, oy, ky0, ky1, op->kh, op->kw, lo, hi);
        return;
    }
#endif
    if (C % 8 == 0 && taps <= GS_NN_DW_MAX_TAPS) {
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

/* DWPW8 (plan.c fuse_dw_pw), one output row: per pixel the 3x3 depthwise sum of its 8 channels
 * and the depthwise activation, then the 8 x 8 pointwise product, its activation and the
 * residual, with the depthwise result never leaving the registers. The AVX-512 build takes two
 * pixels per 16-float vector (NHWC with 8 channels: two neighbours are 16 consecutive floats)
 * and broadcasts each input channel within its half by a permute; border pixels (a tap in the
 * horizontal padding) and the portable builds go one pixel at a time. */
static inline __attribute__((always_inline)) v8 dwpw8_px(const gs_nn__op *op, const float *in,
                                                         int32_t oy, int32_t ox, int32_t ky0,
                                                         int32_t ky1, v8 dlo, v8 dhi, v8 plo,
                                                         v8 phi)
{
    const float *pw = op->wpack;
    v8 a = op->bias ? ld8(op->bias) : splat8(0.0f);
    for (int32_t ky = ky0; ky < ky1; ky++) {
        int32_t iy = oy - op->pad_t + ky;
        for (int32_t kx = 0; kx < 3; kx++) {
            int32_t ix = ox - op->pad_l + kx;
            if (ix < 0 || ix >= op->iw)
                continue;
            a += ld8(in + ((size_t)iy * op->iw + ix) * 8) * ld8(op->w + (ky * 3 + kx) * 8);
        }
    }
    a = clamp8(a, dlo, dhi);
    v8 y = ld8(pw + 8 * 16);
    for (int c = 0; c < 8; c++)
        y += splat8(a[c]) * ld8(pw + c * 16);
    return clamp8(y, plo, phi);
}

#if defined(__AVX512F__)
#define DWPW8_G 4 /* pixel pairs per step */
#if defined(__clang__)
#define DWPW8_BCAST(v, c)                                                                         \
    __builtin_shufflevector(v, v, c, c, c, c, c, c, c, c, c + 8, c + 8, c + 8, c + 8, c + 8,      \
                            c + 8, c + 8, c + 8)
#else
#define DWPW8_BCAST(v, c)                                                                         \
    __builtin_shuffle(v, (vi16){c, c, c, c, c, c, c, c, c + 8, c + 8, c + 8, c + 8, c + 8, c + 8, \
                                c + 8, c + 8})
#endif
#endif

static void dwpw8_task(gs_nn_model *m, const gs_nn__op *op, int task)
{
    const float *in = m->tensors[op->in[0]].data;
    float *out = m->tensors[op->out].data + (size_t)task * op->ow * 8;
    const float *res = op->res >= 0 ? m->tensors[op->res].data + (size_t)task * op->ow * 8 : NULL;
    const int32_t oy = task;
    float dl, dh, pl, ph, rl, rh;
    act_range(op->act, &dl, &dh);
    act_range(op->pw_act, &pl, &ph);
    act_range(op->res_act, &rl, &rh);
    int32_t ky0 = 0, ky1 = 3;
    while (ky0 < ky1 && oy - op->pad_t + ky0 < 0)
        ky0++;
    while (ky1 > ky0 && oy - op->pad_t + ky1 - 1 >= op->ih)
        ky1--;
    int32_t ox = 0;
#if defined(__AVX512F__)
    /* pixels whose three kx taps all lie inside the row */
    int32_t ox_lo = op->pad_l < op->ow ? op->pad_l : op->ow, ox_hi = op->iw - 2 + op->pad_l;
    if (ox_hi > op->ow)
        ox_hi = op->ow;
    const float *pw = op->wpack;
    v16 wd[9], pwc[8];
    for (int t = 0; t < 9; t++) {
        v8 w = ld8(op->w + t * 8);
        for (int k = 0; k < 8; k++)
            wd[t][k] = wd[t][k + 8] = w[k];
    }
    v16 bd = splat16(0.0f);
    for (int k = 0; k < 8 && op->bias; k++)
        bd[k] = bd[k + 8] = op->bias[k];
    for (int c = 0; c < 8; c++)
        pwc[c] = ld16(pw + c * 16);
    const v16 pb = ld16(pw + 8 * 16);
    const v16 dlo = splat16(dl), dhi = splat16(dh), plo = splat16(pl), phi = splat16(ph);
    const v16 rlo = splat16(rl), rhi = splat16(rh);
    for (; ox < ox_lo; ox++) {
        v8 y = dwpw8_px(op, in, oy, ox, ky0, ky1, splat8(dl), splat8(dh), splat8(pl), splat8(ph));
        if (res)
            y = clamp8(y + ld8(res + ox * 8), splat8(rl), splat8(rh));
        st8(out + ox * 8, y);
    }
    /* four pixel pairs at a time: independent chains hide the FMA latency (the depthwise and
     * pointwise sums of one pair are 9 + 8 dependent multiply-adds) */
    for (; ox + 2 * DWPW8_G <= ox_hi; ox += 2 * DWPW8_G) {
        v16 a[DWPW8_G];
        for (int g = 0; g < DWPW8_G; g++)
            a[g] = bd;
        for (int32_t ky = ky0; ky < ky1; ky++) {
            const float *x = in + ((size_t)(oy - op->pad_t + ky) * op->iw + ox - op->pad_l) * 8;
            const v16 w0 = wd[ky * 3], w1 = wd[ky * 3 + 1], w2 = wd[ky * 3 + 2];
            for (int g = 0; g < DWPW8_G; g++) {
                a[g] += ld16(x + 16 * g) * w0;
                a[g] += ld16(x + 16 * g + 8) * w1;
                a[g] += ld16(x + 16 * g + 16) * w2;
            }
        }
        for (int g = 0; g < DWPW8_G; g++) {
            const v16 d = clamp16(a[g], dlo, dhi);
            v16 y0 = pb, y1 = DWPW8_BCAST(d, 1) * pwc[1];
            y0 += DWPW8_BCAST(d, 0) * pwc[0];
            y1 += DWPW8_BCAST(d, 3) * pwc[3];
            y0 += DWPW8_BCAST(d, 2) * pwc[2];
            y1 += DWPW8_BCAST(d, 5) * pwc[5];
            y0 += DWPW8_BCAST(d, 4) * pwc[4];
            y1 += DWPW8_BCAST(d, 7) * pwc[7];
            y0 += DWPW8_BCAST(d, 6) * pwc[6];
            v16 y = clamp16(y0 + y1, plo, phi);
            if (res)
                y = clamp16(y + ld16(res + ox * 8 + 16 * g), rlo, rhi);
            st16(out + ox * 8 + 16 * g, y);
        }
    }
#endif
    const v8 dlo8 = splat8(dl), dhi8 = splat8(dh), plo8 = splat8(pl), phi8 = splat8(ph);
    const v8 rlo8 = splat8(rl), rhi8 = splat8(rh);
    for (; ox < op->ow; ox++) {
        v8 y = dwpw8_px(op, in, oy, ox, ky0, ky1, dlo8, dhi8, plo8, phi8);
        if (res)
            y = clamp8(y + ld8(res + ox * 8), rlo8, rhi8);
        st8(out + ox * 8, y);
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

void GS_NN_KSUFFIX(gs_nn__run_task)(void *jp, int task, int thread)
{
    gs_nn__job *j = jp;
    const gs_nn__op *op = j->op;
    /* row-wise ops: output rows [y0, y1) (kernels.c gs_nn__op_prepare) */
    const int32_t y0 = task * op->rows_per_task;
    const int32_t y1 = y0 + op->rows_per_task < op->oh ? y0 + op->rows_per_task : op->oh;
    switch (op->kind) {
    case GS_NN_K_CONV: conv_task(j->m, op, task, thread); break;
    case GS_NN_K_CONV_SPARSE: sparse_task(j->m, op, task, thread); break;
    case GS_NN_K_CONV_DIRECT:
        for (int32_t y = y0; y < y1; y++)
            direct_task(j->m, op, y, thread);
        break;
    case GS_NN_K_DWCONV:
        for (int32_t y = y0; y < y1; y++)
            dwconv_row(j->m, op, y);
        break;
    case GS_NN_K_DWPW8:
        for (int32_t y = y0; y < y1; y++)
            dwpw8_task(j->m, op, y);
        break;
    case GS_NN_K_MAXPOOL:
        for (int32_t y = y0; y < y1; y++)
            maxpool_task(j->m, op, y);
        break;
    case GS_NN_K_RESIZE:
        for (int32_t y = y0; y < y1; y++)
            resize_task(j->m, op, y, thread);
        break;
    case GS_NN_K_D2S:
        for (int32_t y = y0; y < y1; y++)
            d2s_task(j->m, op, y);
        break;
    case GS_NN_K_PAD: pad_task(j->m, op, task); break;
    case GS_NN_K_CONCAT: concat_task(j->m, op, task); break;
    default: elem_task(j->m, op, task); break;
    }
}

