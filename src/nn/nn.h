/*
 * gaitscope nn: a small neural-network runtime that loads TensorFlow Lite flatbuffers (.tflite)
 * directly and runs the MediaPipe BlazePose graphs (pose_detection, pose_landmark_{lite,full,
 * heavy}) in float32 on our own kernels: register-blocked GEMM micro-kernels on convolution
 * weights packed once at load, depthwise, sparse and direct convolution kernels, built for
 * AVX-512, AVX2+FMA and portable C and chosen at load from the CPU.
 *
 * Life cycle: gs_nn_model_load() parses and validates the file (every flatbuffer offset is
 * bounds-checked; a bad file is GS_ERR_FORMAT naming the item, an unsupported operator or option
 * is GS_ERR_UNSUPPORTED naming it), converts float16 weights once, folds DENSIFY, infers every
 * shape, packs weights and allocates one activation arena. Then, per frame: write the input
 * through gs_nn_input_data(), call gs_nn_run() (no allocation), read gs_nn_output_data().
 *
 * Threads: a model owns a small pool of n_threads - 1 worker threads; gs_nn_run() splits each
 * operator across them. Results are bit-identical for any thread count (work is split only
 * along independent output elements, never along a reduction). One model instance must be used
 * by one thread at a time; load two instances for two frames in flight (they may share packed
 * weights, see gs_nn_options.share_weights).
 */
#ifndef GS_NN_H
#define GS_NN_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Process-wide setup, called once by the program (not by any library) before the first
 * gs_nn_run(): sets OpenBLAS to one thread, because our pool splits every operator and calls
 * sgemm from inside its tasks. Without it results stay correct but OpenBLAS's own threads
 * oversubscribe the cores. Not thread-safe: call it from main before starting threads.
 */
void gs_nn_process_init(void);

/** A loaded model: weights, execution plan, activation arena and thread pool. Opaque. */
typedef struct gs_nn_model gs_nn_model;

/** Name and shape of a graph input or output tensor. */
typedef struct gs_nn_tensor_desc {
    const char *name; /* tensor name from the file ("input_1", "Identity_1"); valid while the
                         model lives */
    int32_t ndim;     /* number of dimensions, 0..4 */
    int32_t shape[4]; /* dimensions, outermost first (NHWC for images); unused entries 0 */
} gs_nn_tensor_desc;

/**
 * Allocator hook (for tests: a counting or failing allocator). alloc returns memory aligned to at
 * least 16 bytes (the runtime over-allocates and aligns to 64 itself) or NULL; free accepts NULL.
 * Both are called only from gs_nn_model_load() and gs_nn_model_free(), never from gs_nn_run().
 */
typedef struct gs_nn_allocator {
    void *(*alloc)(void *user, size_t size); /* like malloc(size) */
    void (*free)(void *user, void *ptr);     /* like free(ptr) */
    void *user;                              /* passed back to both */
} gs_nn_allocator;

/** Load options; a zeroed struct (or NULL) gives the defaults. */
typedef struct gs_nn_options {
    int n_threads; /* threads used by gs_nn_run(), 0 = 1; capped at 64 */
    const gs_nn_allocator *allocator; /* NULL = malloc/free; borrowed, must outlive the model */
    const gs_nn_model *share_weights; /* NULL, or a model loaded from the same file with the
                                         same no_sparse whose float32/packed weights this one
                                         reuses (read-only, so both may run at the same time);
                                         not reference counted: the donor must outlive it */
    int no_sparse;  /* 1 = run sparse (DENSIFY) 1x1 convolutions densely (for benchmarks) */
    int max_isa;    /* cap on the kernel instruction set, for tests and benchmarks: 0 = the best
                       this CPU has, 1 = portable C, 3 = x86-64-v3 (AVX2+FMA), 4 = x86-64-v4
                       (AVX-512); results may differ between levels in the last bits */
    const char *const *outputs; /* NULL = compute every output; else a NULL-terminated list of
                                   the names of the outputs the caller reads: gs_nn_run() then
                                   skips the operators that feed only the others (e.g. the
                                   landmark models' segmentation mask), whose
                                   gs_nn_output_data() is NULL; the outputs computed are
                                   bit-identical either way. Borrowed during the load only. */
} gs_nn_options;

/**
 * Loads a .tflite file and plans its execution. opt may be NULL. On success *out is a new model
 * that the caller frees with gs_nn_model_free(). Returns GS_OK, GS_ERR_IO (cannot read path),
 * GS_ERR_FORMAT (not a TFLite model, truncated or inconsistent; the message names the item),
 * GS_ERR_UNSUPPORTED (an operator, option or tensor type this runtime does not implement),
 * GS_ERR_ARG (bad options, e.g. share_weights from another file, or a name in outputs that is
 * no output of the model) or GS_ERR_NOMEM. On error *out
 * is NULL and err (may be NULL) says what and where, prefixed with path.
 */
gs_status gs_nn_model_load(const char *path, const gs_nn_options *opt, gs_nn_model **out,
                           gs_error *err);

/**
 * Same as gs_nn_model_load() from a buffer already in memory. data is only read during the call
 * (borrowed; nothing points into it afterwards, it may be freed). name is used in error messages
 * only.
 */
gs_status gs_nn_model_load_buffer(const void *data, size_t len, const char *name,
                                  const gs_nn_options *opt, gs_nn_model **out, gs_error *err);

/** Number of graph inputs (1 for every BlazePose model). */
int gs_nn_num_inputs(const gs_nn_model *m);

/** Number of graph outputs (2 for the detector, 5 for the landmark models). */
int gs_nn_num_outputs(const gs_nn_model *m);

/** Describes input i (0-based). GS_OK, or GS_ERR_ARG if i is out of range (d untouched). */
gs_status gs_nn_input_desc(const gs_nn_model *m, int i, gs_nn_tensor_desc *d);

/** Describes output i (0-based, file order). GS_OK, or GS_ERR_ARG if i is out of range. */
gs_status gs_nn_output_desc(const gs_nn_model *m, int i, gs_nn_tensor_desc *d);

/** Index of the output tensor called name (e.g. "Identity_1"), or -1 if there is none. */
int gs_nn_output_index(const gs_nn_model *m, const char *name);

/**
 * Writable float32 buffer of input i in the tensor's layout (NHWC for images), holding the
 * product of its shape elements; owned by the model, valid until gs_nn_model_free(). NULL if i is
 * out of range. The caller fills it before each gs_nn_run().
 */
float *gs_nn_input_data(gs_nn_model *m, int i);

/**
 * Float32 data of output i (row-major in the tensor's shape); owned by the model, valid until
 * the next gs_nn_run() or gs_nn_model_free(). NULL if i is out of range or not computed
 * (gs_nn_options.outputs).
 */
const float *gs_nn_output_data(const gs_nn_model *m, int i);

/**
 * Runs the graph on the current input. Performs no allocation. Returns GS_OK (the runtime has no
 * data-dependent failure once loaded) or GS_ERR_ARG if m is NULL.
 */
gs_status gs_nn_run(gs_nn_model *m, gs_error *err);

/** Multiply-accumulate count of one inference (convolutions, as planned, without the operators
 * skipped for gs_nn_options.outputs), for GFLOP/s reports. */
double gs_nn_macs(const gs_nn_model *m);

/** Bytes of memory the model holds: weights it owns (shared ones count in the donor), packed
 * and sparse copies, the activation arena and per-thread scratch. */
size_t gs_nn_memory_bytes(const gs_nn_model *m);

/** Frees the model and its threads; sets *m = NULL. NULL or *m == NULL is a no-op. */
void gs_nn_model_free(gs_nn_model **m);

#ifdef __cplusplus
}
#endif
#endif /* GS_NN_H */
