/*
 * Kernels for x86-64-v4 (AVX-512 F/BW/CD/DQ/VL + FMA), built with -march=x86-64-v4
 * (src/nn/CMakeLists.txt) and used only when the CPU reports all of them
 * (gs_nn__select_kernels). Without those flags it forwards to the base kernels.
 */
#if defined(__AVX512F__) && defined(__AVX512VL__) && defined(__FMA__)
#define GS_NN_KSUFFIX(name) name##_v4
#include "kernels_body.h"

int gs_nn__have_v4(void)
{
    return 1;
}
#else
#include "kernels_impl.h"

void gs_nn__run_task_v4(void *job, int task, int thread)
{
    gs_nn__run_task_base(job, task, thread);
}

int gs_nn__have_v4(void)
{
    return 0;
}
#endif
