/* Kernels for the build's default target (any CPU). See kernels_body.h. */
#define GS_NN_KSUFFIX(name) name##_base
#include "kernels_body.h"
