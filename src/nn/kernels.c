/*
 * Kernels of the planned operations (NHWC float32, batch 1).
 *
 * Every op is cut into ntasks independent tasks fixed by its shapes only (gs_nn__op_prepare),
 * never by the thread count, and each task writes a disjoint part of the output computed in the
 * same order whoever runs it: results are bit-identical for 1 and N threads.
 *
 * Convolutions: 1x1 stride-1 convolutions are one GEMM on the NHWC input seen as a
 * (pixels x in-channels) matrix times the weights packed at load (kernels_body.h conv_task);
 * other convolutions first build an im2col tile (pixels x kh*kw*ic, the weight's own
 * [oc][kh][kw][ic] order) in per-thread scratch, zero where the (fused) padding lies. Bias, the
 * fused activation and the fused residual ADD run as the micro-kernel's epilogue on its
 * registers. Tasks are tiles of pixels x output channels, run in parallel by our pool.
 */
#include <string.h>

#include "nn_impl.h"
#include "kernels_impl.h"

size_t gs_nn__op_prepare(gs_nn__op *op)
{
    size_t scratch = 0;
    switch (op->kind) {
    case GS_NN_K_CONV: {
        /* Tiles of pixels x output channels. Each output is computed the same way in any tile
         * (kernels_body.h conv_task), so the split only balances the work: at least 4 pixel
         * tiles on layers of 128 pixels and more, up to 8 tasks with column tiles of >= 32
         * channels, and an even task count when there are few (3 or 5 tasks left one of two
         * threads idle for a third or a fifth of the 8x8 and 16x16 layers). */
        int32_t P = op->oh * op->ow;
        int32_t tm = P;
        if (P >= 4 * GS_NN_CONV_TILE_PIXELS)
            tm = GS_NN_CONV_TILE_PIXELS;
        else if (P >= 128)
            tm = ((P + 3) / 4 + 7) & ~7;
        int32_t mt = (P + tm - 1) / tm, nt = 1;
        if (mt < 8 && op->oc >= 64) {
            nt = (8 + mt - 1) / mt;
            int32_t maxnt = op->oc / 32;
            if (nt > maxnt)
                nt = maxnt;
        }
        int32_t cols = (op->oc + nt - 1) / nt;
        cols = (cols + 15) & ~15;
        nt = (op->oc + cols - 1) / cols;
        while ((mt * nt) % 2 && mt * nt < 8 && tm >= 16) {
            tm = ((tm + 1) / 2 + 7) & ~7;
            mt = (P + tm - 1) / tm;
        }
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
        op->rows_per_task = GS_NN_SPARSE_TILE;
        op->ntasks = (P + GS_NN_SPARSE_TILE - 1) / GS_NN_SPARSE_TILE;
        scratch = ((size_t)op->ic + 8) * GS_NN_SPARSE_SUB;
        break;
    }
    case GS_NN_K_DWCONV:
        /* Inputs of fewer than 128 pixels come from convolutions split by output channels
         * (one pixel tile, column tiles: see GS_NN_K_CONV above), so with several threads each
         * holds a group of channels in its cache; the depthwise layer is split the same way
         * (groups of 16-multiples, >= GS_NN_ROW_TASK_WORK multiply-adds each, up to 8): with
         * row bands each thread read half of its input from the other core (the 8x8x1632 5x5
         * layers of the heavy model took twice as long with two threads as with one). Each
         * output value is computed the same way in any group. */
        if (op->ih * op->iw < 128 && op->ic % 16 == 0) {
            int32_t g = (int32_t)(op->macs / GS_NN_ROW_TASK_WORK);
            if (g > 8)
                g = 8;
            if (g > op->ic / 16)
                g = op->ic / 16;
            if (g >= 2) {
                int32_t cols = ((op->ic + g - 1) / g + 15) & ~15;
                op->cols_per_task = cols;
                op->rows_per_task = op->oh;
                op->mtiles = 1;
                op->ntasks = (op->ic + cols - 1) / cols;
                break;
            }
        }
        op->cols_per_task = op->ic; /* one channel group: whole rows per task, as below */
        /* fall through */
    case GS_NN_K_RESIZE:
    case GS_NN_K_CONV_DIRECT:
    case GS_NN_K_DWPW8:
    case GS_NN_K_MAXPOOL:
    case GS_NN_K_D2S: {
        /* whole output rows per task, at least GS_NN_ROW_TASK_WORK multiply-adds (or output
         * values, for the ops without arithmetic) each: the 4x4 and 2x2 layers and the small
         * resizes take a few microseconds, less than handing rows one by one between threads */
        double row = op->macs > 0 ? op->macs / op->oh : (double)op->ow * op->oc;
        int32_t r = row >= GS_NN_ROW_TASK_WORK ? 1 : (int32_t)(GS_NN_ROW_TASK_WORK / row) + 1;
        op->rows_per_task = r < op->oh ? r : op->oh;
        op->ntasks = (op->oh + op->rows_per_task - 1) / op->rows_per_task;
        op->mtiles = op->ntasks;
        if (op->kind == GS_NN_K_RESIZE)
            scratch = (size_t)op->iw * op->ic; /* the vertically blended source row */
        break;
    }
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

gs_nn__task_fn gs_nn__select_kernels(int max_isa)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    if (max_isa == 0)
        max_isa = 4;
    /* x86-64-v4: AVX-512 F, BW, CD, DQ, VL (the -march=x86-64-v4 baseline) */
    if (max_isa >= 4 && gs_nn__have_v4() && __builtin_cpu_supports("avx512f") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512cd") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        return gs_nn__run_task_v4;
    if (max_isa >= 3 && gs_nn__have_v3() && __builtin_cpu_supports("avx2") &&
        __builtin_cpu_supports("fma"))
        return gs_nn__run_task_v3;
#else
    (void)max_isa;
#endif
    return gs_nn__run_task_base;
}

void gs_nn__run_op(gs_nn_model *m, const gs_nn__op *op)
{
    gs_nn__job j = {m, op};
    int ntasks = op->ntasks;
    if (op->kind == GS_NN_K_ADD || op->kind == GS_NN_K_LOGISTIC || op->kind == GS_NN_K_COPY)
        ntasks = (int)((m->tensors[op->out].nelem + GS_NN_ELEM_CHUNK - 1) / GS_NN_ELEM_CHUNK);
    gs_nn__pool_run(m->pool, m->task_fn, &j, ntasks);
}
