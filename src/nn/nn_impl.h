/*
 * gaitscope nn internals: the parsed TFLite graph, the execution plan, kernels and the thread
 * pool. Only the .c files of src/nn and the module's own tests include this header.
 */
#ifndef GS_NN_IMPL_H
#define GS_NN_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "nn.h"

/* Limits that keep a hostile file from asking for absurd allocations (the BlazePose models have
 * at most 1406 tensors and 691 operators; pose_landmark_heavy.tflite). */
#define GS_NN_MAX_TENSORS 200000
#define GS_NN_MAX_OPS     100000
#define GS_NN_MAX_OP_IO   16      /* inputs or outputs of one operator */
#define GS_NN_MAX_DIM     1000000 /* one dimension */
#define GS_NN_MAX_ELEMS   (1u << 28) /* elements of one tensor (1 GiB of float32) */
#define GS_NN_MAX_THREADS 64
/* Output channels per packed weight panel of the GEMM convolution kernel: one AVX-512 vector,
 * two AVX2 vectors; every ISA's micro-kernel reads the same layout, so models loaded with
 * different max_isa can share packed weights. */
#define GS_NN_GEMM_PANEL 16

/* TFLite enums used here: tensorflow/lite/schema/schema.fbs (TensorType, BuiltinOperator,
 * ActivationFunctionType, Padding, DimensionType, SparseIndexVector). */
enum {
    GS_NN_TT_FLOAT32 = 0,
    GS_NN_TT_FLOAT16 = 1,
    GS_NN_TT_INT32 = 2,
};
enum {
    GS_NN_BOP_ADD = 0,
    GS_NN_BOP_CONCATENATION = 2,
    GS_NN_BOP_CONV_2D = 3,
    GS_NN_BOP_DEPTHWISE_CONV_2D = 4,
    GS_NN_BOP_DEPTH_TO_SPACE = 5,
    GS_NN_BOP_DEQUANTIZE = 6,
    GS_NN_BOP_LOGISTIC = 14,
    GS_NN_BOP_MAX_POOL_2D = 17,
    GS_NN_BOP_RESHAPE = 22,
    GS_NN_BOP_RESIZE_BILINEAR = 23,
    GS_NN_BOP_PAD = 34,
    GS_NN_BOP_DENSIFY = 124,
};
enum { GS_NN_ACT_NONE = 0, GS_NN_ACT_RELU = 1, GS_NN_ACT_RELU_N1_TO_1 = 2, GS_NN_ACT_RELU6 = 3 };
enum { GS_NN_PAD_SAME = 0, GS_NN_PAD_VALID = 1 };

/** Per-dimension sparse metadata (schema.fbs DimensionMetadata), positions into the file. */
typedef struct gs_nn__dimmeta {
    int32_t format;             /* 0 DENSE, 1 SPARSE_CSR */
    int32_t dense_size;         /* size of a DENSE dimension */
    int32_t seg_type, idx_type; /* SparseIndexVector: 1 int32, 2 uint16, 3 uint8 */
    size_t seg_pos, idx_pos;    /* file offsets of the first element */
    uint32_t seg_n, idx_n;      /* element counts */
} gs_nn__dimmeta;

/** Sparsity of a constant tensor (schema.fbs SparsityParameters). */
typedef struct gs_nn__sparsity {
    int present;           /* 1 if the tensor has sparsity parameters */
    int32_t n_order;       /* entries of traversal_order (= n dims + k block dims) */
    int32_t order[8];      /* traversal_order */
    int32_t n_block;       /* entries of block_map */
    int32_t block_map[4];  /* block_map */
    gs_nn__dimmeta dim[8]; /* dim_metadata in traversal order */
} gs_nn__sparsity;

/** One tensor of the graph. */
typedef struct gs_nn__tensor {
    size_t name_pos;     /* offset of the NUL-terminated name in the file buffer (0 = none) */
    int32_t type;        /* TFLite TensorType */
    int32_t ndim;        /* 0..4 */
    int32_t shape[4];    /* dimensions */
    size_t nelem;        /* product of shape (1 for scalars) */
    size_t data_pos;     /* constant data: offset in the file buffer; 0 if none */
    size_t data_len;     /* its length in bytes */
    gs_nn__sparsity sp;  /* sparsity parameters of constant data */
    int is_const;        /* constant (file data or folded); never written at run time */
    float *cval;         /* constant values as float32 (after folding), NULL for activations */
    int cval_owned;      /* cval allocated by this model (else shared) */
    int from_densify;    /* constant produced by folding DENSIFY (sparse weights) */
    int producer;        /* plan op writing it, -1 if none */
    int first, last;     /* plan op indices of the first write and the last read */
    int is_io;           /* graph input (1) or output (2) */
    size_t off;          /* arena offset in floats */
    float *data;         /* activation storage: arena + off */
} gs_nn__tensor;

/** A parsed TFLite operator (before planning). */
typedef struct gs_nn__rawop {
    int32_t code;                   /* BuiltinOperator */
    int32_t n_in, n_out;            /* counts */
    int32_t in[GS_NN_MAX_OP_IO];    /* tensor indices, -1 = optional absent */
    int32_t out[GS_NN_MAX_OP_IO];   /* tensor indices */
    int32_t opt_type;               /* BuiltinOptions union type (0 = none) */
    size_t opt_pos;                 /* table position of the options, 0 if none */
} gs_nn__rawop;

/** Kinds of planned (executed) operations. */
typedef enum gs_nn__kind {
    GS_NN_K_CONV = 0,    /* CONV_2D, optionally with a fused PAD: our GEMM on packed weights
                            (+ im2col) */
    GS_NN_K_CONV_SPARSE, /* 1x1 CONV_2D with a mostly-zero weight: our sparse kernel */
    GS_NN_K_DWCONV,      /* DEPTHWISE_CONV_2D, optionally with a fused PAD */
    GS_NN_K_ADD,         /* elementwise ADD of equal shapes */
    GS_NN_K_PAD,         /* zero PAD on any dims */
    GS_NN_K_MAXPOOL,     /* MAX_POOL_2D */
    GS_NN_K_RESIZE,      /* RESIZE_BILINEAR */
    GS_NN_K_COPY,        /* RESHAPE */
    GS_NN_K_LOGISTIC,    /* LOGISTIC */
    GS_NN_K_D2S,         /* DEPTH_TO_SPACE */
    GS_NN_K_CONCAT,      /* CONCATENATION */
    GS_NN_K_CONV_DIRECT, /* CONV_2D with few output channels: direct kernel on packed weights */
    GS_NN_K_DWPW8,       /* DEPTHWISE_CONV_2D 3x3 stride 1 on 8 channels fused with the 1x1
                            8 -> 8 CONV_2D (and ADD) reading it: one pass, no intermediate */
    GS_NN_K_COUNT
} gs_nn__kind;

/** One planned operation: everything a kernel needs, resolved at load. */
typedef struct gs_nn__op {
    gs_nn__kind kind;
    int src_op;                 /* index of the TFLite operator (for messages) */
    int n_in;                   /* activation inputs */
    int in[GS_NN_MAX_OP_IO];    /* tensor indices */
    int out;                    /* output tensor */
    int act;                    /* fused activation GS_NN_ACT_* */
    /* convolution / pooling geometry (NHWC, batch 1) */
    int32_t ih, iw, ic;         /* input */
    int32_t oh, ow, oc;         /* output */
    int32_t kh, kw;             /* kernel */
    int32_t sh, sw;             /* strides */
    int32_t dh, dw;             /* dilations */
    int32_t pad_t, pad_l;       /* implicit zero padding at top / left */
    const float *w;             /* weights: conv [oc][kh][kw][ic], dw [kh][kw][c] */
    const float *bias;          /* oc floats or NULL */
    /* sparse 1x1 weights: for each output channel a run of (input channel, weight) */
    int32_t *sp_rowptr;         /* oc + 1 */
    int32_t *sp_col;            /* nnz input channels */
    float *sp_val;              /* nnz weights */
    int sp_owned;               /* sp_* allocated by this model (else shared) */
    float *wpack;               /* direct conv: weights as [kh][kw][ic][ocp], zero-padded */
    int32_t ocp;                /* direct conv: oc rounded up to 8 */
    int dot;                    /* direct conv: oc <= 4, ic % 8 == 0: wpack is [oc][kh][kw][ic]
                                   (dot products over channels) */
    int wpack_owned;            /* wpack allocated by this model (else shared) */
    float *gpack;               /* GEMM conv: weights in panels of GS_NN_GEMM_PANEL output
                                   channels, [oc/16 rounded up][kh*kw*ic][16], zero-padded,
                                   then the bias padded the same way (zeros if none) */
    int gpack_owned;            /* gpack allocated by this model (else shared) */
    /* DWPW8: the depthwise part uses w, bias, act; the pointwise part pw_w / pw_bias (until
     * packed into wpack as [8 in][16: the 8 out twice] + the bias twice) and pw_act; res as for
     * a conv */
    const float *pw_w, *pw_bias;
    int pw_act;
    int pw_src_op;              /* DWPW8: TFLite index of the fused pointwise operator */
    int32_t *rx;                /* resize: x0[ow], x1[ow] (owned) */
    float *rfx;                 /* resize: x fraction[ow] (inside the rx block) */
    int dead;                   /* removed by fusion */
    int skip;                   /* feeds no output the caller reads (gs_nn_options.outputs):
                                   not run */
    int res;                    /* conv: tensor added after the activation (a fused ADD whose
                                   other input is this conv's output), -1 if none; also in[1] */
    int res_act;                /* conv: the fused ADD's activation */
    /* PAD */
    int32_t pads[4][2];         /* before/after per dim (4D) */
    int32_t ishape[4], oshape[4]; /* 4D shapes (leading 1s) */
    /* RESIZE_BILINEAR */
    int align_corners, half_pixel;
    /* DEPTH_TO_SPACE */
    int32_t block;
    /* CONCATENATION: outer count, per-input inner sizes */
    size_t outer;
    size_t inner[GS_NN_MAX_OP_IO];
    /* work split: ntasks independent tasks, fixed from the shapes (never from the thread count,
     * so results do not depend on it) */
    int32_t ntasks;
    int32_t rows_per_task;      /* conv: output pixels per task; others: rows/elements */
    int32_t cols_per_task;      /* conv: output channels per task */
    int32_t mtiles;             /* conv: pixel tiles (tasks = mtiles * column tiles) */
    int direct;                 /* conv: 1x1 stride 1 unpadded, the GEMM reads the input as is */
    double macs;                /* multiply-accumulates (for GFLOP/s) */
} gs_nn__op;

/** Thread pool: n - 1 workers plus the caller. */
typedef struct gs_nn__pool gs_nn__pool;
/** A job: fn(job, task, thread) for task in [0, ntasks). */
typedef void (*gs_nn__task_fn)(void *job, int task, int thread);
gs_status gs_nn__pool_create(int n_threads, const gs_nn_allocator *a, gs_nn__pool **out);
void gs_nn__pool_run(gs_nn__pool *p, gs_nn__task_fn fn, void *job, int ntasks);
void gs_nn__pool_free(gs_nn__pool **p, const gs_nn_allocator *a);

struct gs_nn_model {
    gs_nn_allocator alloc;      /* hook or malloc/free */
    int n_threads;
    const char *path;           /* during load only (messages) */
    /* file (kept only while loading) */
    const uint8_t *file;
    size_t file_len;
    uint64_t file_hash;         /* FNV-1a of the file (weight sharing check) */
    /* graph */
    int32_t n_tensors;
    gs_nn__tensor *tensors;
    int32_t n_rawops;
    gs_nn__rawop *rawops;
    int32_t n_inputs, n_outputs;
    int32_t *inputs, *outputs;  /* tensor indices */
    char **io_names;            /* n_inputs + n_outputs names (one allocation each) */
    /* plan */
    int32_t n_ops;
    gs_nn__op *ops;
    float *arena;               /* activations, 64-byte aligned */
    size_t arena_floats;
    float *scratch;             /* per-thread im2col / sparse scratch */
    size_t scratch_floats;      /* per thread */
    float **inbuf;              /* graph input buffers (separate from the arena) */
    double macs;
    size_t mem_bytes;
    int no_sparse;
    int max_isa;                /* gs_nn_options.max_isa */
    uint8_t *out_skipped;       /* n_outputs flags: 1 = not computed (gs_nn_options.outputs);
                                   NULL = every output computed */
    gs_nn__pool *pool;
    gs_nn__task_fn task_fn;     /* kernels for this CPU (gs_nn__select_kernels) */
};

/* Allocation through the model's hook; 64-byte aligned; NULL on failure. */
void *gs_nn__alloc(gs_nn_model *m, size_t size);
void *gs_nn__calloc(gs_nn_model *m, size_t n, size_t size);
void gs_nn__free(gs_nn_model *m, void *p);

/* tflite.c: parse m->file into tensors, rawops, inputs, outputs (every offset checked). */
gs_status gs_nn__parse(gs_nn_model *m, gs_error *err);
/* Name of tensor t ("" if none); valid while m->file lives. */
const char *gs_nn__tensor_name(const gs_nn_model *m, int t);
/* Reads the options table field id of rawop op as int32 (def if absent). */
int32_t gs_nn__opt_i32(const gs_nn_model *m, const gs_nn__rawop *op, int id, int32_t def);
/* Reads a u8 field (padding, activation, bools) of the options table (def if absent). */
int32_t gs_nn__opt_u8(const gs_nn_model *m, const gs_nn__rawop *op, int id, int32_t def);
/* Reads a vector-of-int32 field of the options table; returns count (<= max), -1 if invalid. */
int gs_nn__opt_ivec(const gs_nn_model *m, const gs_nn__rawop *op, int id, int32_t *out, int max);
/* Name of a builtin operator code ("CONV_2D") or NULL if unknown to us. */
const char *gs_nn__op_name(int32_t code);

/* plan.c: fold constants, infer shapes, fuse, assign the arena, pack weights. */
gs_status gs_nn__plan(gs_nn_model *m, const gs_nn_model *share, gs_error *err);

/* kernels.c: the best kernel set this CPU runs, capped at max_isa (0 = no cap, 1 = base,
 * 3 = x86-64-v3 AVX2+FMA, 4 = x86-64-v4 AVX-512). */
gs_nn__task_fn gs_nn__select_kernels(int max_isa);
/* kernels.c: run one planned op with the pool. */
void gs_nn__run_op(gs_nn_model *m, const gs_nn__op *op);
/* Task counts and scratch needs of an op (set op->ntasks etc.); returns scratch floats/thread. */
size_t gs_nn__op_prepare(gs_nn__op *op);

/* IEEE half -> float (all cases: subnormal, inf, NaN). */
float gs_nn__half_to_float(uint16_t h);

#endif /* GS_NN_IMPL_H */
