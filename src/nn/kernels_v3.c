/*
 * Kernels for x86-64-v3 (AVX2 + FMA), built with -march=x86-64-v3 (src/nn/CMakeLists.txt) and
 * used only when the CPU reports both (gs_nn__select_kernels). Without those flags (another
 * architecture, or a build that does not pass them) it forwards to the base kernels.
 */
#if defined(__AVX2__) && defined(__FMA__)
#define GS_NN_KSUFFIX(name) name##_v3
#include "kernels_body.h"

int gs_nn__have_v3(void)
{
    return 1;
}
#else
#include "kernels_impl.h"

void gs_nn__run_task_v3(void *job, int task, int thread)
{
    gs_nn__run_task_base(job, task, thread);
}

int gs_nn__have_v3(void)
{
    return 0;
}
#endif
