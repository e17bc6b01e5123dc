/*
 * libFuzzer target for the TFLite loader (src/nn/tflite.c + plan.c): any byte string must load
 * or fail with a one-line message naming the file; a model that loads is run once when it is
 * small, so the planned kernels see hostile-but-valid shapes too. Allocations go through the
 * gs_nn allocator hook and are capped at 64 MiB each (a file may legally declare a huge tensor;
 * that must be GS_ERR_NOMEM, not a fuzzer out-of-memory report).
 * scripts/fuzz.sh builds it with clang -fsanitize=fuzzer,address,undefined; seeds in
 * tests/fuzz/corpus_tflite/ (small models written by tests/test_nn.c --write-corpus).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void *capped_alloc(void *user, size_t n)
{
    (void)user;
    return n > ((size_t)64 << 20) ? NULL : malloc(n);
}

static void capped_free(void *user, void *p)
{
    (void)user;
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gs_nn_allocator al = {capped_alloc, capped_free, NULL};
    gs_nn_options opt;
    gs_nn_model *m = NULL;
    gs_error err;
    memset(&opt, 0, sizeof(opt));
    opt.allocator = &al;
    opt.n_threads = size % 2 ? 2 : 1;
    err.msg[0] = '\0';
    gs_status rc = gs_nn_model_load_buffer(data, size, "fuzz.tflite", &opt, &m, &err);
    if (rc != GS_OK) {
        if (m || err.msg[0] == '\0' || strchr(err.msg, '\n') || !strstr(err.msg, "fuzz.tflite"))
            abort();
        return 0;
    }
    if (!m || gs_nn_num_inputs(m) < 1 || gs_nn_num_outputs(m) < 1)
        abort();
    if (gs_nn_macs(m) < 2e7 && gs_nn_memory_bytes(m) < ((size_t)256 << 20)) {
        for (int i = 0; i < gs_nn_num_inputs(m); i++) {
            gs_nn_tensor_desc d;
            if (gs_nn_input_desc(m, i, &d) != GS_OK)
                abort();
            size_t n = 1;
            for (int k = 0; k < d.ndim; k++)
                n *= (size_t)d.shape[k];
            memset(gs_nn_input_data(m, i), 0, n * sizeof(float));
        }
        if (gs_nn_run(m, &err) != GS_OK)
            abort();
    }
    gs_nn_model_free(&m);
    return 0;
}
