/*
 * Convolutions: im2col + register-tiled GEMM, the sparse 1x1 kernel, and the direct kernels
 * for the small first layers and the segmentation head.
 * Part of kernels_body.h: included once per ISA, in its order, by that file only.
 */
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
    /* pixel tiles outer: a contiguous range of tasks (what the pool gives one thread) is a band
     * of the image, the band the same thread wrote in the layer before */
    int32_t ctiles = op->ntasks / op->mtiles;
    int32_t mt = task / ctiles, ntile = task % ctiles;
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
