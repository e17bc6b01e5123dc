/*
 * Kernel bodies (this file and the parts it includes: kernels_conv.h, kernels_dw.h,
 * kernels_elem.h), compiled three times: kernels_base.c (the build's default target),
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

/* The kernels, in this order (each part uses the helpers above and the parts before it). */
#include "kernels_conv.h"
#include "kernels_dw.h"
#include "kernels_elem.h"

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
    case GS_NN_K_DWCONV: {
        /* tasks: channel group outer, row band inner (kernels.c gs_nn__op_prepare) */
        const int32_t band = task % op->mtiles, g = task / op->mtiles;
        const int32_t r0 = band * op->rows_per_task;
        const int32_t r1 = r0 + op->rows_per_task < op->oh ? r0 + op->rows_per_task : op->oh;
        const int32_t c0 = g * op->cols_per_task;
        const int32_t c1 = c0 + op->cols_per_task < op->ic ? c0 + op->cols_per_task : op->ic;
        for (int32_t y = r0; y < r1; y++)
            dwconv_row(j->m, op, y, c0, c1);
        break;
    }
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


