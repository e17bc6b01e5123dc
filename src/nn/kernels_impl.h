/*
 * Shared between kernels.c (task split, ISA dispatch) and the three compilations of
 * kernels_body.h (kernels_base.c, kernels_v3.c, kernels_v4.c).
 */
#ifndef GS_NN_KERNELS_IMPL_H
#define GS_NN_KERNELS_IMPL_H

#include "nn_impl.h"

/* Pixels per GEMM convolution task: large enough to amortise each weight panel's trip through
 * the caches, small enough to give both threads work on the 64x64 and 32x32 layers. */
#define GS_NN_CONV_TILE_PIXELS 256
/* Elementwise chunk (floats). */
#define GS_NN_ELEM_CHUNK 16384
/* Sparse kernel: pixels transposed at once (the vector loop runs over them), pixels per task. */
#define GS_NN_SPARSE_SUB  64
#define GS_NN_SPARSE_TILE 128
/* Row-wise ops (depthwise, direct, resize, ...): work per task at least, in multiply-adds or
 * output values (about a microsecond). */
#define GS_NN_ROW_TASK_WORK 32768.0
/* Depthwise taps kept in registers (7x7); larger kernels take the generic loop. */
#define GS_NN_DW_MAX_TAPS 49

/** What a pool task of gs_nn__run_op() sees. */
typedef struct gs_nn__job {
    gs_nn_model *m;
    const gs_nn__op *op;
} gs_nn__job;

/* One task of the job's op (the pool's task function), per ISA. */
void gs_nn__run_task_base(void *job, int task, int thread);
void gs_nn__run_task_v3(void *job, int task, int thread);
void gs_nn__run_task_v4(void *job, int task, int thread);
/* 1 if kernels_v3.c / kernels_v4.c were compiled for their ISA (else they forward to base). */
int gs_nn__have_v3(void);
int gs_nn__have_v4(void);

#endif /* GS_NN_KERNELS_IMPL_H */
