/*
 * Shared between plan.c (shapes, fusions, kernels, arena) and plan_fold.c (constant folding).
 */
#ifndef GS_NN_PLAN_IMPL_H
#define GS_NN_PLAN_IMPL_H

#include "nn_impl.h"

/* One planning run of gs_nn__plan(). */
typedef struct gs_nn__planner {
    gs_nn_model *m;
    const gs_nn_model *share;
    gs_error *err;
    int *consumers; /* per tensor: number of planned ops reading it */
} gs_nn__planner;

/* Fails operator oi of the model being planned: "<file>: operator <oi> (<name>): <message>". */
gs_status gs_nn__plan_err(gs_nn__planner *p, int oi, gs_status code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* GS_ERR_FORMAT naming tensor ti of operator oi when one of v[0..n) is not finite. */
gs_status gs_nn__plan_check_finite(gs_nn__planner *p, int oi, int ti, const float *v, size_t n);
/* Folds a DENSIFY (sparse constant in -> dense floats out) or a DEQUANTIZE (float16 -> float). */
gs_status gs_nn__fold_densify(gs_nn__planner *p, int oi, gs_nn__tensor *in, gs_nn__tensor *out);
gs_status gs_nn__fold_dequantize(gs_nn__planner *p, int oi, gs_nn__tensor *in, gs_nn__tensor *out);

/* Little-endian 32-bit word at p. */
static inline uint32_t gs_nn__rd32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
/* Constant element i of a raw float16/float32 buffer (bounds checked by the caller). */
float gs_nn__raw_value(const uint8_t *d, int32_t type, size_t i);

#endif /* GS_NN_PLAN_IMPL_H */
