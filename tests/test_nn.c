/*
 * nn runtime: every operator against plain reference loops on random shapes (odd sizes, stride
 * 2, padding edges, channel counts that are not a multiple of the vector width), float16
 * weights behind DEQUANTIZE, DENSIFY-folded sparse weights (the sparse kernel), PAD fusion,
 * identical results for 1 and 3 threads; loader errors on broken files (each names the item);
 * load under allocation failure at every allocation index; no allocation during gs_nn_run().
 * Models are made with the small flatbuffer writer in nn_tflite_builder.h.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gs_test.h"
#include "nn.h"
#include "nn_tflite_builder.h"

/* ---------- process-wide malloc count (glibc interposition; not under ASan) ---------- */
#if !defined(__SANITIZE_ADDRESS__) && !defined(__clang__) && defined(__GLIBC__)
#define HAVE_MALLOC_COUNT 1
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t s);
void *__libc_realloc(void *p, size_t n);
void *__libc_memalign(size_t a, size_t n);
static atomic_long malloc_calls;
void *malloc(size_t n);
void *calloc(size_t n, size_t s);
void *realloc(void *p, size_t n);
void *malloc(size_t n)
{
    atomic_fetch_add(&malloc_calls, 1);
    return __libc_malloc(n);
}
void *calloc(size_t n, size_t s)
{
    atomic_fetch_add(&malloc_calls, 1);
    return __libc_calloc(n, s);
}
void *realloc(void *p, size_t n)
{
    atomic_fetch_add(&malloc_calls, 1);
    return __libc_realloc(p, n);
}
#else
#define HAVE_MALLOC_COUNT 0
#endif

/* ---------- counting / failing allocator (gs_nn_options.allocator) ---------- */
typedef struct counting {
    long calls;     /* alloc calls so far */
    long live;      /* blocks not yet freed */
    long fail_at;   /* fail the call with this index (-1 = never) */
} counting;

static void *count_alloc(void *user, size_t n)
{
    counting *c = user;
    if (c->calls++ == c->fail_at)
        return NULL;
    void *p = malloc(n);
    if (p)
        c->live++;
    return p;
}

static void count_free(void *user, void *p)
{
    counting *c = user;
    if (p) {
        c->live--;
        free(p);
    }
}

/* ---------- random numbers and float16 ---------- */
static uint32_t rng = 12345;
static float frand(void) /* [-1, 1) */
{
    rng = rng * 1664525u + 1013904223u;
    return (float)(rng >> 8) / 8388608.0f - 1.0f;
}
static int irand(int lo, int hi) /* [lo, hi] */
{
    rng = rng * 1664525u + 1013904223u;
    return lo + (int)((rng >> 8) % (uint32_t)(hi - lo + 1));
}

/* float -> IEEE half (round to nearest even; test values are normal and small). */
static uint16_t to_half(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000;
    int32_t exp = (int32_t)((x >> 23) & 0xff) - 127 + 15;
    uint32_t man = x & 0x7fffff;
    if (exp <= 0)
        return (uint16_t)sign;
    uint32_t h = sign | (uint32_t)exp << 10 | man >> 13;
    uint32_t rem = man & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
        h++;
    return (uint16_t)h;
}
static float from_half(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    uint32_t x = exp ? sign | (exp + 112) << 23 | man << 13 : sign;
    float f;
    memcpy(&f, &x, 4);
    return f;
}

static float act_ref(float v, int act)
{
    if (act == 1)
        return v < 0 ? 0 : v;
    if (act == 3)
        return v < 0 ? 0 : (v > 6 ? 6 : v);
    return v;
}

/* ---------- model runner: load with 1 and 3 threads, same input, outputs compared ---------- */
typedef struct run_result {
    float *out;   /* output 0 of the 1-thread run (malloc'd) */
    size_t n;
    int same_mt;  /* 3-thread output bit-identical */
} run_result;

/* Kernel instruction-set cap for the runs (0 = best available, 1 = portable C, 3 = AVX2). */
static int test_isa;

static int run_model(const uint8_t *buf, size_t len, const float *input, size_t nin,
                     run_result *r, const char *what)
{
    gs_nn_model *m1 = NULL, *m3 = NULL;
    gs_nn_options o1 = {0}, o3 = {0};
    gs_error err = {0};
    o3.n_threads = 3;
    o1.max_isa = o3.max_isa = test_isa;
    memset(r, 0, sizeof(*r));
    gs_status rc = gs_nn_model_load_buffer(buf, len, what, &o1, &m1, &err);
    CHECK_MSG(rc == GS_OK, "%s: %s", what, err.msg);
    if (rc != GS_OK)
        return -1;
    rc = gs_nn_model_load_buffer(buf, len, what, &o3, &m3, &err);
    CHECK_MSG(rc == GS_OK, "%s (3 threads): %s", what, err.msg);
    if (rc != GS_OK) {
        gs_nn_model_free(&m1);
        return -1;
    }
    gs_nn_tensor_desc d;
    gs_nn_input_desc(m1, 0, &d);
    size_t n = 1;
    for (int i = 0; i < d.ndim; i++)
        n *= (size_t)d.shape[i];
    CHECK_EQ_INT(n, nin);
    memcpy(gs_nn_input_data(m1, 0), input, nin * sizeof(float));
    memcpy(gs_nn_input_data(m3, 0), input, nin * sizeof(float));
    CHECK(gs_nn_run(m1, &err) == GS_OK);
    CHECK(gs_nn_run(m3, &err) == GS_OK);
    gs_nn_output_desc(m1, 0, &d);
    r->n = 1;
    for (int i = 0; i < d.ndim; i++)
        r->n *= (size_t)d.shape[i];
    r->out = malloc(r->n * sizeof(float));
    memcpy(r->out, gs_nn_output_data(m1, 0), r->n * sizeof(float));
    r->same_mt = memcmp(r->out, gs_nn_output_data(m3, 0), r->n * sizeof(float)) == 0;
    gs_nn_model_free(&m3);
    gs_nn_model_free(&m1);
    return 0;
}

static void compare(const char *what, const float *got, const float *ref, size_t n, double tol)
{
    double maxd = 0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - ref[i]) / (1.0 + fabs(ref[i]));
        if (!(d <= maxd)) {
            maxd = d;
            at = i;
        }
    }
    CHECK_MSG(maxd <= tol, "%s: element %zu = %.7g, reference %.7g (rel diff %.3g > %.3g)", what,
              at, got[at], ref[at], maxd, tol);
}

/* ---------- convolution (CONV_2D / DEPTHWISE_CONV_2D), optional PAD in front ---------- */
typedef struct convcase {
    int ih, iw, ic, oc, kh, kw, stride, padding /* 0 SAME 1 VALID */, dil, act, dw, half;
    int pre_pad; /* explicit PAD op of 1 (top/left) and 2 (bottom/right) before the conv */
} convcase;

static void out_geom(int in, int k, int s, int d, int padding, int *out, int *pad0)
{
    int ek = (k - 1) * d + 1;
    if (padding == 0) {
        *out = (in + s - 1) / s;
        int tot = (*out - 1) * s + ek - in;
        *pad0 = tot > 0 ? tot / 2 : 0;
    } else {
        *out = (in - ek) / s + 1;
        *pad0 = 0;
    }
}

static void conv_case(const convcase *c)
{
    char what[160];
    snprintf(what, sizeof(what),
             "%s %dx%dx%d->%d k%dx%d s%d %s d%d act%d fp16=%d prepad=%d", c->dw ? "dwconv" : "conv",
             c->ih, c->iw, c->ic, c->oc, c->kh, c->kw, c->stride, c->padding ? "VALID" : "SAME",
             c->dil, c->act, c->half, c->pre_pad);
    int ph = c->ih + (c->pre_pad ? 3 : 0), pw = c->iw + (c->pre_pad ? 3 : 0);
    int oh, ow, pt, pl;
    out_geom(ph, c->kh, c->stride, c->dil, c->padding, &oh, &pt);
    out_geom(pw, c->kw, c->stride, c->dil, c->padding, &ow, &pl);
    int oc = c->dw ? c->ic : c->oc;
    size_t nw = (size_t)(c->dw ? 1 : oc) * c->kh * c->kw * c->ic;
    size_t nin = (size_t)c->ih * c->iw * c->ic, nout = (size_t)oh * ow * oc;
    float *w = malloc(nw * sizeof(float)), *b = malloc((size_t)oc * sizeof(float));
    float *x = malloc(nin * sizeof(float)), *ref = calloc(nout, sizeof(float));
    uint16_t *wh = malloc(nw * 2);
    for (size_t i = 0; i < nw; i++) {
        w[i] = frand() * 0.5f;
        wh[i] = to_half(w[i]);
        if (c->half)
            w[i] = from_half(wh[i]);
    }
    for (int i = 0; i < oc; i++)
        b[i] = frand();
    for (size_t i = 0; i < nin; i++)
        x[i] = frand() * 2.0f;
    /* reference on the padded virtual input */
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
            for (int o = 0; o < oc; o++) {
                double acc = b[o];
                for (int ky = 0; ky < c->kh; ky++)
                    for (int kx = 0; kx < c->kw; kx++) {
                        int vy = oy * c->stride - pt + ky * c->dil;
                        int vx = ox * c->stride - pl + kx * c->dil;
                        int iy = vy - (c->pre_pad ? 1 : 0), ix = vx - (c->pre_pad ? 1 : 0);
                        if (vy < 0 || vy >= ph || vx < 0 || vx >= pw)
                            continue;
                        if (iy < 0 || iy >= c->ih || ix < 0 || ix >= c->iw)
                            continue;
                        const float *xp = x + ((size_t)iy * c->iw + ix) * c->ic;
                        if (c->dw) {
                            acc += (double)xp[o] * w[((size_t)ky * c->kw + kx) * c->ic + o];
                        } else {
                            for (int i = 0; i < c->ic; i++)
                                acc += (double)xp[i] *
                                       w[(((size_t)o * c->kh + ky) * c->kw + kx) * c->ic + i];
                        }
                    }
                ref[((size_t)oy * ow + ox) * oc + o] = act_ref((float)acc, c->act);
            }
    tfb f;
    tfb_init(&f);
    int32_t ishape[4] = {1, c->ih, c->iw, c->ic}, pshape[4] = {1, ph, pw, c->ic};
    int32_t wshape[4] = {c->dw ? 1 : oc, c->kh, c->kw, c->dw ? oc : c->ic};
    int32_t oshape[4] = {1, oh, ow, oc}, bshape[1] = {oc};
    int tin = tfb_tensor(&f, "input", 0, 4, ishape, NULL, 0, 0);
    int tconv_in = tin;
    if (c->pre_pad) {
        int32_t pads[8] = {0, 0, 1, 2, 1, 2, 0, 0}, padshape[2] = {4, 2};
        int tp = tfb_tensor(&f, "paddings", 2, 2, padshape, pads, sizeof(pads), 0);
        tconv_in = tfb_tensor(&f, "padded", 0, 4, pshape, NULL, 0, 0);
        int32_t in[2] = {tin, tp}, out[1] = {tconv_in};
        tfb_op(&f, 34, in, 2, out, 1, 22, tfb_table(&f, NULL, 0));
    }
    int tw;
    if (c->half) {
        int th = tfb_tensor(&f, "w16", 1, 4, wshape, wh, nw * 2, 0);
        tw = tfb_tensor(&f, "w", 0, 4, wshape, NULL, 0, 0);
        int32_t in[1] = {th}, out[1] = {tw};
        tfb_op(&f, 6, in, 1, out, 1, 0, 0);
    } else {
        tw = tfb_tensor(&f, "w", 0, 4, wshape, w, nw * 4, 0);
    }
    int tb = tfb_tensor(&f, "b", 0, 1, bshape, b, (size_t)oc * 4, 0);
    int tout = tfb_tensor(&f, "Identity", 0, 4, oshape, NULL, 0, 0);
    uint32_t opts;
    if (c->dw) {
        tfb_field fl[7] = {tfb_u8(0, c->padding), tfb_i32(1, c->stride), tfb_i32(2, c->stride),
                           tfb_i32(3, 1), tfb_u8(4, c->act), tfb_i32(5, c->dil),
                           tfb_i32(6, c->dil)};
        opts = tfb_table(&f, fl, 7);
    } else {
        tfb_field fl[6] = {tfb_u8(0, c->padding), tfb_i32(1, c->stride), tfb_i32(2, c->stride),
                           tfb_u8(3, c->act), tfb_i32(4, c->dil), tfb_i32(5, c->dil)};
        opts = tfb_table(&f, fl, 6);
    }
    int32_t in[3] = {tconv_in, tw, tb}, out[1] = {tout};
    tfb_op(&f, c->dw ? 4 : 3, in, 3, out, 1, c->dw ? 2 : 1, opts);
    const uint8_t *buf;
    int32_t gi[1] = {tin}, go[1] = {tout};
    size_t len = tfb_finish(&f, gi, 1, go, 1, &buf);
    run_result r;
    if (run_model(buf, len, x, nin, &r, what) == 0) {
        CHECK_EQ_INT(r.n, nout);
        if (r.n == nout)
            compare(what, r.out, ref, nout, 2e-5);
        CHECK_MSG(r.same_mt, "%s: 3-thread result differs from 1-thread", what);
        free(r.out);
    }
    tfb_free(&f);
    free(w);
    free(wh);
    free(b);
    free(x);
    free(ref);
}

static void conv_and_depthwise_match_reference_loops(void)
{
    static const convcase fixed[] = {
        /* ih iw ic oc kh kw s pad dil act dw half prepad */
        {17, 13, 5, 7, 1, 1, 1, 0, 1, 0, 0, 0, 0},   /* 1x1 direct sgemm, odd channels */
        {40, 40, 24, 70, 1, 1, 1, 1, 1, 3, 0, 1, 0}, /* 1x1, column tiles, fp16 weights */
        {33, 31, 3, 24, 3, 3, 2, 0, 1, 3, 0, 0, 0},  /* first layer of the models: 3x3 s2 */
        {29, 30, 3, 24, 3, 3, 2, 1, 1, 3, 0, 1, 1},  /* explicit PAD fused into VALID conv */
        {20, 21, 8, 1, 3, 3, 1, 0, 1, 0, 0, 0, 0},   /* segmentation head: 3x3 to 1 channel */
        {2, 2, 19, 5, 2, 2, 1, 1, 1, 0, 0, 0, 0},    /* 2x2 VALID to 1x1 (landmark heads) */
        {15, 16, 6, 9, 3, 3, 1, 0, 2, 1, 0, 0, 0},   /* dilation 2, RELU */
        {23, 19, 24, 24, 3, 3, 1, 0, 1, 3, 1, 1, 0}, /* depthwise 3x3 SAME, C % 8 == 0 */
        {23, 19, 13, 13, 3, 3, 2, 0, 1, 0, 1, 0, 0}, /* depthwise odd channels, stride 2 */
        {18, 18, 16, 16, 5, 5, 2, 1, 1, 3, 1, 0, 1}, /* depthwise 5x5 s2 after PAD */
        {9, 11, 40, 40, 5, 5, 1, 0, 1, 0, 1, 1, 0},  /* depthwise 5x5 SAME */
        {7, 7, 8, 8, 3, 3, 1, 0, 2, 3, 1, 0, 0},     /* depthwise dilation 2 */
        {6, 9, 16, 16, 7, 7, 1, 0, 1, 0, 1, 0, 0},   /* depthwise 7x7: generic tap loop */
        /* GEMM kernel (packed 16-channel panels; micro-tiles of 8 / 6 / 3 pixels by ISA):
         * out-channel counts off the panel and vector widths, 1 pixel, tile size + 1 pixels,
         * several pixel tiles and column tiles, im2col input */
        {1, 1, 33, 49, 1, 1, 1, 0, 1, 3, 0, 0, 0},   /* 1 pixel, 4 panels (3 + 1) */
        {3, 3, 7, 17, 1, 1, 1, 0, 1, 0, 0, 0, 0},    /* 9 pixels, last panel 1 channel */
        {9, 9, 40, 100, 1, 1, 1, 1, 1, 3, 0, 0, 0},  /* column tiles 48 + 48 + 4 */
        {20, 23, 13, 35, 1, 1, 1, 0, 1, 1, 0, 1, 0}, /* 460 pixels: two pixel tiles */
        {8, 8, 272, 24, 1, 1, 1, 0, 1, 3, 0, 0, 0},  /* long reduction */
        {5, 6, 11, 21, 3, 3, 2, 0, 1, 3, 0, 0, 0},   /* im2col, stride 2 */
        {7, 7, 9, 33, 3, 3, 1, 1, 1, 0, 0, 0, 1},    /* im2col after a fused PAD */
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        conv_case(&fixed[i]);
    for (int i = 0; i < 12; i++) { /* random shapes */
        convcase c;
        memset(&c, 0, sizeof(c));
        c.dw = i % 2;
        c.ih = irand(3, 24);
        c.iw = irand(3, 24);
        c.ic = c.dw ? 8 * irand(1, 4) + (i % 4 == 1 ? 3 : 0) : irand(1, 40);
        c.oc = c.dw ? c.ic : irand(1, 40);
        c.kh = c.kw = irand(0, 2) * 2 + 1;
        if (c.kh > c.ih || c.kh > c.iw)
            c.kh = c.kw = 1;
        c.stride = irand(1, 2);
        c.padding = irand(0, 1);
        c.dil = 1;
        c.act = irand(0, 1) ? 3 : 0;
        c.half = irand(0, 1);
        conv_case(&c);
    }
}

/* ---------- sparse (DENSIFY) 1x1 weights: the sparse kernel ---------- */
static void densified_sparse_weights_match_dense_reference(void)
{
    for (int it = 0; it < 3; it++) {
        int H = 9 + it, W = 11, C = 24 + 16 * it, O = it == 2 ? 12 : 40 + 3 * it; /* uint8 indices: < 256 */
        int itype = it + 1; /* int32, uint16, uint8 index vectors */
        size_t nw = (size_t)O * C, nin = (size_t)H * W * C;
        float *w = calloc(nw, sizeof(float)), *b = malloc((size_t)O * 4);
        float *x = malloc(nin * 4), *ref = malloc((size_t)H * W * O * 4);
        uint16_t vals[8192];
        int32_t seg[512], idx[8192];
        int nnz = 0, nseg = 0;
        seg[nseg++] = 0;
        for (int o = 0; o < O; o++) {
            for (int c = 0; c < C; c++)
                if (irand(0, 3) == 0) { /* 25 % non-zero, like the detector */
                    uint16_t h = to_half(frand());
                    w[(size_t)o * C + c] = from_half(h);
                    vals[nnz] = h;
                    idx[nnz++] = c;
                }
            seg[nseg++] = nnz;
        }
        for (int o = 0; o < O; o++)
            b[o] = frand();
        for (size_t i = 0; i < nin; i++)
            x[i] = frand();
        for (int p = 0; p < H * W; p++)
            for (int o = 0; o < O; o++) {
                double acc = b[o];
                for (int c = 0; c < C; c++)
                    acc += (double)x[(size_t)p * C + c] * w[(size_t)o * C + c];
                ref[(size_t)p * O + o] = act_ref((float)acc, 3);
            }
        tfb f;
        tfb_init(&f);
        int32_t ishape[4] = {1, H, W, C}, wshape[4] = {O, 1, 1, C}, oshape[4] = {1, H, W, O};
        int32_t bshape[1] = {O};
        int tin = tfb_tensor(&f, "input", 0, 4, ishape, NULL, 0, 0);
        uint32_t sp = tfb_sparsity_csr(&f, wshape, seg, nseg, idx, nnz, itype);
        int tsp = tfb_tensor(&f, "w_sparse", 1, 4, wshape, vals, (size_t)nnz * 2, sp);
        int tdense16 = tfb_tensor(&f, "w_dense16", 1, 4, wshape, NULL, 0, 0);
        int tw = tfb_tensor(&f, "w", 0, 4, wshape, NULL, 0, 0);
        int tb = tfb_tensor(&f, "b", 0, 1, bshape, b, (size_t)O * 4, 0);
        int tout = tfb_tensor(&f, "Identity", 0, 4, oshape, NULL, 0, 0);
        int32_t i1[1] = {tsp}, o1[1] = {tdense16}, i2[1] = {tdense16}, o2[1] = {tw};
        tfb_op(&f, 124, i1, 1, o1, 1, 0, 0); /* DENSIFY */
        tfb_op(&f, 6, i2, 1, o2, 1, 0, 0);   /* DEQUANTIZE */
        tfb_field fl[4] = {tfb_u8(0, 0), tfb_i32(1, 1), tfb_i32(2, 1), tfb_u8(3, 3)};
        uint32_t opts = tfb_table(&f, fl, 4);
        int32_t ci[3] = {tin, tw, tb}, co[1] = {tout};
        tfb_op(&f, 3, ci, 3, co, 1, 1, opts);
        const uint8_t *buf;
        int32_t gi[1] = {tin}, go[1] = {tout};
        size_t len = tfb_finish(&f, gi, 1, go, 1, &buf);
        char what[64];
        snprintf(what, sizeof(what), "densify %dx%d index type %d", O, C, itype);
        run_result r;
        if (run_model(buf, len, x, nin, &r, what) == 0) {
            compare(what, r.out, ref, (size_t)H * W * O, 2e-5);
            CHECK_MSG(r.same_mt, "%s: 3-thread result differs", what);
            free(r.out);
        }
        /* the dense path (no_sparse) gives the same values within rounding */
        gs_nn_options o = {0};
        gs_nn_model *m = NULL;
        gs_error err;
        o.no_sparse = 1;
        CHECK(gs_nn_model_load_buffer(buf, len, what, &o, &m, &err) == GS_OK);
        if (m) {
            memcpy(gs_nn_input_data(m, 0), x, nin * 4);
            gs_nn_run(m, &err);
            compare("densify (dense path)", gs_nn_output_data(m, 0), ref, (size_t)H * W * O,
                    2e-5);
            gs_nn_model_free(&m);
        }
        tfb_free(&f);
        free(w);
        free(b);
        free(x);
        free(ref);
    }
}

/* ---------- the other operators, one small graph each ---------- */
typedef struct simple {
    tfb f;
    int tin;
    const uint8_t *buf;
    size_t len;
} simple;

static void elementwise_and_layout_ops_match_reference(void)
{
    /* ADD (+RELU6) of two branches, LOGISTIC, RESHAPE, CONCATENATION, DEPTH_TO_SPACE, PAD of
     * channels, MAX_POOL_2D, RESIZE_BILINEAR: each on its own input, checked against loops. */
    int H = 7, W = 9, C = 12;
    size_t n = (size_t)H * W * C;
    float *x = malloc(n * 4);
    for (size_t i = 0; i < n; i++)
        x[i] = frand() * 8.0f;
    int32_t ishape[4] = {1, H, W, C};

    /* ADD with RELU6: x + x */
    {
        tfb f;
        tfb_init(&f);
        int tin = tfb_tensor(&f, "input", 0, 4, ishape, NULL, 0, 0);
        int tout = tfb_tensor(&f, "Identity", 0, 4, ishape, NULL, 0, 0);
        tfb_field fl[1] = {tfb_u8(0, 3)};
        int32_t in[2] = {tin, tin}, out[1] = {tout};
        tfb_op(&f, 0, in, 2, out, 1, 11, tfb_table(&f, fl, 1));
        const uint8_t *buf;
        size_t len = tfb_finish(&f, &tin, 1, &tout, 1, &buf);
        float *ref = malloc(n * 4);
        for (size_t i = 0; i < n; i++)
            ref[i] = act_ref(x[i] + x[i], 3);
        run_result r;
        if (run_model(buf, len, x, n, &r, "add relu6") == 0) {
            compare("add relu6", r.out, ref, n, 0);
            free(r.out);
        }
        free(ref);
        tfb_free(&f);
    }
    /* LOGISTIC then RESHAPE to [1, H*W, C] */
    {
        tfb f;
        tfb_init(&f);
        int32_t rshape[3] = {1, H * W, C}, rs[3] = {1, H * W, C}, one[1] = {3};
        int tin = tfb_tensor(&f, "input", 0, 4, ishape, NULL, 0, 0);
        int tl = tfb_tensor(&f, "sig", 0, 4, ishape, NULL, 0, 0);
        int tsh = tfb_tensor(&f, "shape", 2, 1, one, rs, sizeof(rs), 0);
        int tout = tfb_tensor(&f, "Identity", 0, 3, rshape, NULL, 0, 0);
        int32_t i1[1] = {tin}, o1[1] = {tl}, i2[2] = {tl, tsh}, o2[1] = {tout};
        tfb_op(&f, 14, i1, 1, o1, 1, 0, 0);
        tfb_field fl[1] = {tfb_obj(0, tfb_vec_i32(&f, rs, 3))};
        tfb_op(&f, 22, i2, 2, o2, 1, 17, tfb_table(&f, fl, 1));
        const uint8_t *buf;
        size_t len = tfb_finish(&f, &tin, 1, &tout, 1, &buf);
        float *ref = malloc(n * 4);
        for (size_t i = 0; i < n; i++)
            ref[i] = (float)(1.0 / (1.0 + exp(-(double)x[i])));
        run_result r;
        if (run_model(buf, len, x, n, &r, "logistic+reshape") == 0) {
            compare("logistic+reshape", r.out, ref, n, 1e-6);
            free(r.out);
        }
        free(ref);
        tfb_free(&f);
    }
    /* DEPTH_TO_SPACE block 2 (C = 12 -> 3), then CONCATENATION with itself on the channels */
    {
        tfb f;
        tfb_init(&f);
        int32_t dshape[4] = {1, 2 * H, 2 * W, C / 4}, cshape[4] = {1, 2 * H, 2 * W, C / 2};
        int tin = tfb_tensor(&f, "input", 0, 4, ishape, NULL, 0, 0);
        int td = tfb_tensor(&f, "d2s", 0, 4, dshape, NULL, 0, 0);
        int tout = tfb_tensor(&f, "Identity", 0, 4, cshape, NULL, 0, 0);
        tfb_field fd[1] = {tfb_i32(0, 2)};
        int32_t i1[1] = {tin}, o1[1] = {td}, i2[2] = {td, td}, o2[1] = {tout};
        tfb_op(&f, 5, i1, 1, o1, 1, 94, tfb_table(&f, fd, 1));
        tfb_field fc[2] = {tfb_i32(0, -1), tfb_u8(1, 0)};
        tfb_op(&f, 2, i2, 2, o2, 1, 10, tfb_table(&f, fc, 2));
        const uint8_t *buf;
        size_t len = tfb_finish(&f, &tin, 1, &tout, 1, &buf);
        size_t no = (size_t)4 * H * W * C / 2;
        float *ref = malloc(no * 4);
        for (int y = 0; y < 2 * H; y++)
            for (int xx = 0; xx < 2 * W; xx++)
                for (int k = 0; k < C / 2; k++) {
                    int c = k % (C / 4);
                    float v = x[((size_t)(y / 2) * W + xx / 2) * C +
                                (size_t)((y % 2) * 2 + xx % 2) * (C / 4) + c];
                    ref[((size_t)y * 2 * W + xx) * (C / 2) + k] = v;
                }
        run_result r;
        if (run_model(buf, len, x, n, &r, "depth_to_space+concat") == 0) {
            compare("depth_to_space+concat", r.out, ref, no, 0);
            free(r.out);
        }
        free(ref);
        tfb_free(&f);
    }
    /* PAD of channels (C -> C + 5, 2 before) then MAX_POOL_2D 2x2 s2 SAME (odd sizes: edge) */
    {
        tfb f;
        tfb_init(&f);
        int C2 = C + 5, oh = (H + 1) / 2, ow = (W + 1) / 2;
        int32_t pshape[4] = {1, H, W, C2}, oshape[4] = {1, oh, ow, C2};
        int32_t pads[8] = {0, 0, 0, 0, 0, 0, 2, 3}, padshape[2] = {4, 2};
        int tin = tfb_tensor(&f, "input", 0, 4, ishape, NULL, 0, 0);
        int tp = tfb_tensor(&f, "paddings", 2, 2, padshape, pads, sizeof(pads), 0);
        int tpad = tfb_tensor(&f, "padded", 0, 4, pshape, NULL, 0, 0);
        int tout = tfb_tensor(&f, "Identity", 0, 4, oshape, NULL, 0, 0);
        int32_t i1[2] = {tin, tp}, o1[1] = {tpad}, i2[1] = {tpad}, o2[1] = {tout};
        tfb_op(&f, 34, i1, 2, o1, 1, 22, tfb_table(&f, NULL, 0));
        tfb_field fm[6] = {tfb_u8(0, 0), tfb_i32(1, 2), tfb_i32(2, 2),
                           tfb_i32(3, 2), tfb_i32(4, 2), tfb_u8(5, 0)};
        tfb_op(&f, 17, i2, 1, o2, 1, 5, tfb_table(&f, fm, 6));
        const uint8_t *buf;
        size_t len = tfb_finish(&f, &tin, 1, &tout, 1, &buf);
        size_t no = (size_t)oh * ow * C2;
        float *ref = malloc(no * 4);
        for (int y = 0; y < oh; y++)
            for (int xx = 0; xx < ow; xx++)
                for (int c = 0; c < C2; c++) {
                    float best = -INFINITY;
                    for (int ky = 0; ky < 2; ky++)
                        for (int kx = 0; kx < 2; kx++) {
                            int iy = 2 * y + ky, ix = 2 * xx + kx; /* SAME: pad at the end */
                            if (iy >= H || ix >= W)
                                continue;
                            int sc = c - 2;
                            float v = (sc < 0 || sc >= C) ? 0.0f
                                                          : x[((size_t)iy * W + ix) * C + sc];
                            best = v > best ? v : best;
                        }
                    ref[((size_t)y * ow + xx) * C2 + c] = best;
                }
        run_result r;
        if (run_model(buf, len, x, n, &r, "pad channels+maxpool") == 0) {
            compare("pad channels+maxpool", r.out, ref, no, 0);
            free(r.out);
        }
        free(ref);
        tfb_free(&f);
    }
    /* RESIZE_BILINEAR: half-pixel x2 (the models), align_corners to 11x5, plain to 10x20 */
    for (int mode = 0; mode < 3; mode++) {
        int oh = mode == 0 ? 2 * H : (mode == 1 ? 11 : 10), ow = mode == 0 ? 2 * W : (mode == 1 ? 5 : 20);
        int align = mode == 1, half = mode == 0;
        tfb f;
        tfb_init(&f);
        int32_t oshape[4] = {1, oh, ow, C}, size[2] = {oh, ow}, two[1] = {2};
        int tin = tfb_tensor(&f, "input", 0, 4, ishape, NULL, 0, 0);
        int ts = tfb_tensor(&f, "size", 2, 1, two, size, sizeof(size), 0);
        int tout = tfb_tensor(&f, "Identity", 0, 4, oshape, NULL, 0, 0);
        tfb_field fr[2] = {tfb_u8(2, align), tfb_u8(3, half)};
        int32_t in[2] = {tin, ts}, out[1] = {tout};
        tfb_op(&f, 23, in, 2, out, 1, 15, tfb_table(&f, fr, 2));
        const uint8_t *buf;
        size_t len = tfb_finish(&f, &tin, 1, &tout, 1, &buf);
        size_t no = (size_t)oh * ow * C;
        float *ref = malloc(no * 4);
        for (int y = 0; y < oh; y++)
            for (int xx = 0; xx < ow; xx++) {
                double sy = align ? (double)(H - 1) / (oh - 1) : (double)H / oh;
                double sx = align ? (double)(W - 1) / (ow - 1) : (double)W / ow;
                double fy = half ? (y + 0.5) * sy - 0.5 : y * sy;
                double fx = half ? (xx + 0.5) * sx - 0.5 : xx * sx;
                int y0 = (int)floor(fy), x0 = (int)floor(fx);
                double ay = fy - y0, ax = fx - x0;
                int y0c = y0 < 0 ? 0 : (y0 > H - 1 ? H - 1 : y0);
                int y1c = y0 + 1 > H - 1 ? H - 1 : (y0 + 1 < 0 ? 0 : y0 + 1);
                int x0c = x0 < 0 ? 0 : (x0 > W - 1 ? W - 1 : x0);
                int x1c = x0 + 1 > W - 1 ? W - 1 : (x0 + 1 < 0 ? 0 : x0 + 1);
                for (int c = 0; c < C; c++) {
#define PX(yy, xq) x[((size_t)(yy)*W + (xq)) * C + c]
                    double v = PX(y0c, x0c) * (1 - ay) * (1 - ax) + PX(y0c, x1c) * (1 - ay) * ax +
                               PX(y1c, x0c) * ay * (1 - ax) + PX(y1c, x1c) * ay * ax;
#undef PX
                    ref[((size_t)y * ow + xx) * C + c] = (float)v;
                }
            }
        char what[48];
        snprintf(what, sizeof(what), "resize_bilinear mode %d", mode);
        run_result r;
        if (run_model(buf, len, x, n, &r, what) == 0) {
            compare(what, r.out, ref, no, 1e-5);
            CHECK_MSG(r.same_mt, "%s: 3-thread result differs", what);
            free(r.out);
        }
        free(ref);
        tfb_free(&f);
    }
    free(x);
}

/* ---------- CONV_2D followed by ADD of a skip tensor: the ADD folds into the conv ---------- */
static void conv_then_residual_add_matches_reference(void)
{
    /* 1x1 (direct / GEMM paths by channel count) and 3x3 (direct, GEMM on im2col), residual =
     * the block input */
    static const int cs[4][3] = {{11, 10, 8}, {9, 7, 40}, {12, 12, 24}, {5, 4, 20}}; /* H W C */
    for (int ci = 0; ci < 4; ci++) {
        int H = cs[ci][0], W = cs[ci][1], C = cs[ci][2], k = ci >= 2 ? 3 : 1;
        size_t n = (size_t)H * W * C, nw = (size_t)C * k * k * C;
        float *x = malloc(n * 4), *w = malloc(nw * 4), *b = malloc((size_t)C * 4);
        float *ref = malloc(n * 4);
        for (size_t i = 0; i < n; i++)
            x[i] = frand() * 3.0f;
        for (size_t i = 0; i < nw; i++)
            w[i] = frand() * 0.3f;
        for (int i = 0; i < C; i++)
            b[i] = frand();
        for (int y = 0; y < H; y++)
            for (int xx = 0; xx < W; xx++)
                for (int o = 0; o < C; o++) {
                    double acc = b[o];
                    for (int ky = 0; ky < k; ky++)
                        for (int kx = 0; kx < k; kx++) {
                            int iy = y + ky - k / 2, ix = xx + kx - k / 2;
                            if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                                continue;
                            for (int c = 0; c < C; c++)
                                acc += (double)x[((size_t)iy * W + ix) * C + c] *
                                       w[(((size_t)o * k + ky) * k + kx) * C + c];
                        }
                    size_t at = ((size_t)y * W + xx) * C + o;
                    ref[at] = act_ref((float)acc + x[at], 3); /* conv (no act) + x, RELU6 */
                }
        tfb f;
        tfb_init(&f);
        int32_t shape[4] = {1, H, W, C}, wshape[4] = {C, k, k, C}, bshape[1] = {C};
        int tin = tfb_tensor(&f, "input", 0, 4, shape, NULL, 0, 0);
        int tw = tfb_tensor(&f, "w", 0, 4, wshape, w, nw * 4, 0);
        int tb = tfb_tensor(&f, "b", 0, 1, bshape, b, (size_t)C * 4, 0);
        int tc = tfb_tensor(&f, "conv", 0, 4, shape, NULL, 0, 0);
        int tout = tfb_tensor(&f, "Identity", 0, 4, shape, NULL, 0, 0);
        tfb_field fc[4] = {tfb_u8(0, 0), tfb_i32(1, 1), tfb_i32(2, 1), tfb_u8(3, 0)};
        int32_t i1[3] = {tin, tw, tb}, o1[1] = {tc};
        tfb_op(&f, 3, i1, 3, o1, 1, 1, tfb_table(&f, fc, 4));
        tfb_field fa[1] = {tfb_u8(0, 3)};
        int32_t i2[2] = {ci == 1 ? tin : tc, ci == 1 ? tc : tin}, o2[1] = {tout};
        tfb_op(&f, 0, i2, 2, o2, 1, 11, tfb_table(&f, fa, 1));
        const uint8_t *buf;
        size_t len = tfb_finish(&f, &tin, 1, &tout, 1, &buf);
        char what[64];
        snprintf(what, sizeof(what), "conv%dx%d+add %dx%dx%d", k, k, H, W, C);
        run_result r;
        if (run_model(buf, len, x, n, &r, what) == 0) {
            compare(what, r.out, ref, n, 2e-5);
            CHECK_MSG(r.same_mt, "%s: 3-thread result differs", what);
            free(r.out);
        }
        tfb_free(&f);
        free(x);
        free(w);
        free(b);
        free(ref);
    }
}

/* ---------- 3x3 depthwise on 8 channels -> 1x1 8 -> 8 (-> ADD): the fused DWPW8 kernel ------ */
static void depthwise_then_pointwise_8ch_matches_reference(void)
{
    /* H, W, padding (0 SAME, 1 VALID), dw act, pw act, residual ADD of the input (SAME only);
     * widths 1-3 and odd ones leave border pixels and incomplete pixel-pair groups */
    static const int cs[][6] = {{5, 7, 0, 3, 0, 1},  {6, 2, 0, 0, 0, 1},  {3, 1, 0, 3, 1, 0},
                                {9, 12, 1, 0, 3, 0}, {17, 19, 0, 3, 1, 1}, {4, 3, 0, 0, 0, 0},
                                {2, 21, 0, 1, 0, 1}};
    for (size_t ci = 0; ci < sizeof(cs) / sizeof(cs[0]); ci++) {
        const int H = cs[ci][0], W = cs[ci][1], valid = cs[ci][2], dact = cs[ci][3];
        const int pact = cs[ci][4], resid = cs[ci][5], C = 8;
        const int OH = valid ? H - 2 : H, OW = valid ? W - 2 : W, pad = valid ? 0 : 1;
        size_t nin = (size_t)H * W * C, nout = (size_t)OH * OW * C;
        float x[21 * 21 * 8], wd[72], bd[8], wp[64], bp[8], ref[21 * 21 * 8], mid[21 * 21 * 8];
        for (size_t i = 0; i < nin; i++)
            x[i] = frand() * 3.0f;
        for (int i = 0; i < 72; i++)
            wd[i] = frand() * 0.5f;
        for (int i = 0; i < 64; i++)
            wp[i] = frand() * 0.5f;
        for (int i = 0; i < 8; i++)
            bd[i] = frand(), bp[i] = frand();
        for (int y = 0; y < OH; y++)
            for (int xx = 0; xx < OW; xx++)
                for (int c = 0; c < C; c++) {
                    double acc = bd[c];
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++) {
                            int iy = y + ky - pad, ix = xx + kx - pad;
                            if (iy >= 0 && iy < H && ix >= 0 && ix < W)
                                acc += (double)x[((size_t)iy * W + ix) * C + c] *
                                       wd[(ky * 3 + kx) * C + c];
                        }
                    mid[((size_t)y * OW + xx) * C + c] = act_ref((float)acc, dact);
                }
        for (size_t p = 0; p < (size_t)OH * OW; p++)
            for (int o = 0; o < C; o++) {
                double acc = bp[o];
                for (int c = 0; c < C; c++)
                    acc += (double)mid[p * C + c] * wp[o * C + c];
                float v = act_ref((float)acc, pact);
                ref[p * C + o] = resid ? act_ref(v + x[p * C + o], 3) : v;
            }
        tfb f;
        tfb_init(&f);
        int32_t ishape[4] = {1, H, W, C}, oshape[4] = {1, OH, OW, C};
        int32_t dshape[4] = {1, 3, 3, C}, pshape[4] = {C, 1, 1, C}, bshape[1] = {C};
        int tin = tfb_tensor(&f, "input", 0, 4, ishape, NULL, 0, 0);
        int twd = tfb_tensor(&f, "wd", 0, 4, dshape, wd, sizeof(wd), 0);
        int tbd = tfb_tensor(&f, "bd", 0, 1, bshape, bd, sizeof(bd), 0);
        int twp = tfb_tensor(&f, "wp", 0, 4, pshape, wp, sizeof(wp), 0);
        int tbp = tfb_tensor(&f, "bp", 0, 1, bshape, bp, sizeof(bp), 0);
        int tmid = tfb_tensor(&f, "dw", 0, 4, oshape, NULL, 0, 0);
        int tpw = tfb_tensor(&f, resid ? "pw" : "Identity", 0, 4, oshape, NULL, 0, 0);
        int tout = resid ? tfb_tensor(&f, "Identity", 0, 4, oshape, NULL, 0, 0) : tpw;
        tfb_field fd[7] = {tfb_u8(0, valid), tfb_i32(1, 1), tfb_i32(2, 1), tfb_i32(3, 1),
                           tfb_u8(4, dact),  tfb_i32(5, 1), tfb_i32(6, 1)};
        int32_t i1[3] = {tin, twd, tbd}, o1[1] = {tmid};
        tfb_op(&f, 4, i1, 3, o1, 1, 2, tfb_table(&f, fd, 7));
        tfb_field fc[4] = {tfb_u8(0, 0), tfb_i32(1, 1), tfb_i32(2, 1), tfb_u8(3, pact)};
        int32_t i2[3] = {tmid, twp, tbp}, o2[1] = {tpw};
        tfb_op(&f, 3, i2, 3, o2, 1, 1, tfb_table(&f, fc, 4));
        if (resid) {
            tfb_field fa[1] = {tfb_u8(0, 3)};
            int32_t i3[2] = {tpw, tin}, o3[1] = {tout};
            tfb_op(&f, 0, i3, 2, o3, 1, 11, tfb_table(&f, fa, 1));
        }
        const uint8_t *buf;
        size_t len = tfb_finish(&f, &tin, 1, &tout, 1, &buf);
        char what[96];
        snprintf(what, sizeof(what), "dw3x3+pw 8ch %dx%d %s act%d/%d res%d", H, W,
                 valid ? "VALID" : "SAME", dact, pact, resid);
        run_result r;
        if (run_model(buf, len, x, nin, &r, what) == 0) {
            CHECK_EQ_INT(r.n, nout);
            if (r.n == nout)
                compare(what, r.out, ref, nout, 2e-5);
            CHECK_MSG(r.same_mt, "%s: 3-thread result differs", what);
            free(r.out);
        }
        tfb_free(&f);
    }
}

/* ---------- a small model using every kind of allocation (for the OOM and malloc tests) ---- */
static size_t make_mixed_model(tfb *f, const uint8_t **buf)
{
    int H = 12, W = 12, C = 8, O = 16;
    int32_t ishape[4] = {1, H, W, 3}, c1shape[4] = {1, H / 2, W / 2, C};
    int32_t wshape[4] = {C, 3, 3, 3}, bshape[1] = {C}, dwshape[4] = {1, 3, 3, C};
    int32_t spshape[4] = {O, 1, 1, C}, oshape[4] = {1, H / 2, W / 2, O}, bo[1] = {O};
    int32_t rshape[4] = {1, H, W, O}, size[2] = {H, W}, two[1] = {2};
    float w[216], b[16], dw[72];
    uint16_t w16[216];
    for (int i = 0; i < 216; i++)
        w16[i] = to_half(w[i] = frand());
    for (int i = 0; i < 16; i++)
        b[i] = frand();
    for (int i = 0; i < 72; i++)
        dw[i] = frand();
    uint16_t vals[128];
    int32_t seg[17], idx[128];
    int nnz = 0;
    seg[0] = 0;
    for (int o = 0; o < O; o++) {
        for (int c = 0; c < C; c++)
            if ((o + c) % 4 == 0) {
                vals[nnz] = to_half(frand());
                idx[nnz++] = c;
            }
        seg[o + 1] = nnz;
    }
    tfb_init(f);
    int tin = tfb_tensor(f, "input_1", 0, 4, ishape, NULL, 0, 0);
    int tw16 = tfb_tensor(f, "w16", 1, 4, wshape, w16, sizeof(w16), 0);
    int tw = tfb_tensor(f, "w", 0, 4, wshape, NULL, 0, 0);
    int tb = tfb_tensor(f, "b", 0, 1, bshape, b, (size_t)C * 4, 0);
    int tc1 = tfb_tensor(f, "c1", 0, 4, c1shape, NULL, 0, 0);
    int tdw = tfb_tensor(f, "dw", 0, 4, dwshape, dw, sizeof(dw), 0);
    int td1 = tfb_tensor(f, "d1", 0, 4, c1shape, NULL, 0, 0);
    uint32_t sp = tfb_sparsity_csr(f, spshape, seg, O + 1, idx, nnz, 3);
    int tsp = tfb_tensor(f, "wsp", 1, 4, spshape, vals, (size_t)nnz * 2, sp);
    int tsp16 = tfb_tensor(f, "wsp16", 1, 4, spshape, NULL, 0, 0);
    int tsp32 = tfb_tensor(f, "wsp32", 0, 4, spshape, NULL, 0, 0);
    int tbo = tfb_tensor(f, "bo", 0, 1, bo, b, (size_t)O * 4, 0);
    int tc2 = tfb_tensor(f, "c2", 0, 4, oshape, NULL, 0, 0);
    int ts = tfb_tensor(f, "size", 2, 1, two, size, sizeof(size), 0);
    int tout = tfb_tensor(f, "Identity", 0, 4, rshape, NULL, 0, 0);
    int32_t a[3], o[1];
    a[0] = tw16, o[0] = tw;
    tfb_op(f, 6, a, 1, o, 1, 0, 0);
    tfb_field fc[4] = {tfb_u8(0, 0), tfb_i32(1, 2), tfb_i32(2, 2), tfb_u8(3, 3)};
    a[0] = tin, a[1] = tw, a[2] = tb, o[0] = tc1;
    tfb_op(f, 3, a, 3, o, 1, 1, tfb_table(f, fc, 4));
    tfb_field fd[5] = {tfb_u8(0, 0), tfb_i32(1, 1), tfb_i32(2, 1), tfb_i32(3, 1), tfb_u8(4, 3)};
    a[0] = tc1, a[1] = tdw, a[2] = tb, o[0] = td1;
    tfb_op(f, 4, a, 3, o, 1, 2, tfb_table(f, fd, 5));
    a[0] = tsp, o[0] = tsp16;
    tfb_op(f, 124, a, 1, o, 1, 0, 0);
    a[0] = tsp16, o[0] = tsp32;
    tfb_op(f, 6, a, 1, o, 1, 0, 0);
    tfb_field f1[4] = {tfb_u8(0, 0), tfb_i32(1, 1), tfb_i32(2, 1), tfb_u8(3, 0)};
    a[0] = td1, a[1] = tsp32, a[2] = tbo, o[0] = tc2;
    tfb_op(f, 3, a, 3, o, 1, 1, tfb_table(f, f1, 4));
    tfb_field fr[2] = {tfb_u8(2, 0), tfb_u8(3, 1)};
    a[0] = tc2, a[1] = ts, o[0] = tout;
    tfb_op(f, 23, a, 2, o, 1, 15, tfb_table(f, fr, 2));
    return tfb_finish(f, &tin, 1, &tout, 1, buf);
}

static void load_survives_allocation_failure_at_every_index(void)
{
    tfb f;
    const uint8_t *buf;
    size_t len = make_mixed_model(&f, &buf);
    counting c = {0, 0, -1};
    gs_nn_allocator al = {count_alloc, count_free, &c};
    gs_nn_options o = {0};
    gs_nn_model *m = NULL;
    gs_error err;
    o.n_threads = 2;
    o.allocator = &al;
    CHECK(gs_nn_model_load_buffer(buf, len, "mixed", &o, &m, &err) == GS_OK);
    long total = c.calls;
    gs_nn_model_free(&m);
    CHECK_EQ_INT(c.live, 0);
    CHECK(total > 10);
    int failures_ok = 1;
    for (long i = 0; i < total; i++) {
        c.calls = 0;
        c.live = 0;
        c.fail_at = i;
        err.msg[0] = 0;
        gs_status rc = gs_nn_model_load_buffer(buf, len, "mixed", &o, &m, &err);
        if (rc != GS_ERR_NOMEM || m != NULL || c.live != 0 || !strstr(err.msg, "mixed")) {
            fprintf(stderr, "allocation %ld of %ld failing: rc %d, model %p, %ld blocks leaked, "
                            "message '%s'\n",
                    i, total, (int)rc, (void *)m, c.live, err.msg);
            failures_ok = 0;
            gs_nn_model_free(&m);
        }
    }
    CHECK(failures_ok);
    tfb_free(&f);
}

static void run_does_not_allocate(void)
{
    tfb f;
    const uint8_t *buf;
    size_t len = make_mixed_model(&f, &buf);
    counting c = {0, 0, -1};
    gs_nn_allocator al = {count_alloc, count_free, &c};
    gs_nn_options o = {0};
    gs_nn_model *m = NULL;
    gs_error err;
    o.n_threads = 2;
    o.allocator = &al;
#if HAVE_MALLOC_COUNT
    long at_start = atomic_load(&malloc_calls);
#endif
    CHECK(gs_nn_model_load_buffer(buf, len, "mixed", &o, &m, &err) == GS_OK);
#if HAVE_MALLOC_COUNT
    CHECK(atomic_load(&malloc_calls) > at_start); /* the interposition does count */
#endif
    if (!m)
        goto done;
    gs_nn_run(m, &err); /* warm-up: OpenBLAS sets up its buffers on first use */
    long before = c.calls;
#if HAVE_MALLOC_COUNT
    long mb = atomic_load(&malloc_calls);
#endif
    for (int i = 0; i < 20; i++)
        CHECK(gs_nn_run(m, &err) == GS_OK);
    CHECK_EQ_INT(c.calls - before, 0);
#if HAVE_MALLOC_COUNT
    CHECK_EQ_INT(atomic_load(&malloc_calls) - mb, 0);
#else
    fprintf(stderr, "note: process-wide malloc count not available in this build (sanitizer)\n");
#endif
    gs_nn_model_free(&m);
    CHECK_EQ_INT(c.live, 0);
done:
    tfb_free(&f);
}

/* ---------- broken files: each one an error naming the item, never a crash ---------- */
static void expect_error(const uint8_t *buf, size_t len, gs_status code, const char *fragment,
                         const char *what)
{
    gs_nn_model *m = NULL;
    gs_error err = {0};
    gs_status rc = gs_nn_model_load_buffer(buf, len, "bad.tflite", NULL, &m, &err);
    CHECK_MSG(rc == code, "%s: status %d, expected %d (%s)", what, (int)rc, (int)code, err.msg);
    CHECK_MSG(m == NULL, "%s: model returned on error", what);
    CHECK_STR_CONTAINS(err.msg, "bad.tflite");
    if (fragment)
        CHECK_STR_CONTAINS(err.msg, fragment);
    gs_nn_model_free(&m);
}

static void broken_files_give_errors_naming_the_item(void)
{
    tfb f;
    const uint8_t *buf;
    size_t len = make_mixed_model(&f, &buf);
    uint8_t *copy = malloc(len);

    expect_error(buf, 3, GS_ERR_FORMAT, "not a TFLite model", "3 bytes");
    memcpy(copy, buf, len);
    copy[5] = 'X';
    expect_error(copy, len, GS_ERR_FORMAT, "TFL3", "wrong identifier");
    /* every truncation: an error (which one depends on where the cut falls) */
    int all_failed = 1;
    for (size_t cut = 0; cut < len; cut++) {
        gs_nn_model *m = NULL;
        gs_error err = {0};
        if (gs_nn_model_load_buffer(buf, cut, "cut", NULL, &m, &err) == GS_OK || !err.msg[0]) {
            fprintf(stderr, "truncated at %zu of %zu bytes: no error\n", cut, len);
            all_failed = 0;
        }
        gs_nn_model_free(&m);
    }
    CHECK(all_failed);
    /* single-byte corruption anywhere: never a crash (ASan/UBSan builds check the reads) */
    for (size_t i = 0; i < len; i++) {
        memcpy(copy, buf, len);
        copy[i] ^= (uint8_t)(1 + i % 251);
        gs_nn_model *m = NULL;
        gs_error err = {0};
        if (gs_nn_model_load_buffer(copy, len, "flip", NULL, &m, &err) == GS_OK) {
            memset(gs_nn_input_data(m, 0), 0, 12 * 12 * 3 * sizeof(float));
            gs_nn_run(m, &err);
        } else {
            CHECK_MSG(err.msg[0] != 0, "byte %zu flipped: error without message", i);
        }
        gs_nn_model_free(&m);
    }
    tfb_free(&f);
    free(copy);

    /* an operator this runtime does not implement (FULLY_CONNECTED = 9) */
    {
        int32_t s2[2] = {1, 4};
        tfb_init(&f);
        int a = tfb_tensor(&f, "in", 0, 2, s2, NULL, 0, 0);
        int b = tfb_tensor(&f, "out", 0, 2, s2, NULL, 0, 0);
        tfb_op(&f, 9, &a, 1, &b, 1, 0, 0);
        len = tfb_finish(&f, &a, 1, &b, 1, &buf);
        expect_error(buf, len, GS_ERR_UNSUPPORTED, "operator 0 (FULLY_CONNECTED)", "FULLY_CONNECTED");
        tfb_free(&f);
    }
    /* unsupported fused activation (TANH = 4) on ADD */
    {
        int32_t s4[4] = {1, 2, 2, 3};
        tfb_init(&f);
        int a = tfb_tensor(&f, "in", 0, 4, s4, NULL, 0, 0);
        int b = tfb_tensor(&f, "out", 0, 4, s4, NULL, 0, 0);
        tfb_field fl[1] = {tfb_u8(0, 4)};
        int32_t in[2] = {a, a};
        tfb_op(&f, 0, in, 2, &b, 1, 11, tfb_table(&f, fl, 1));
        len = tfb_finish(&f, &a, 1, &b, 1, &buf);
        expect_error(buf, len, GS_ERR_UNSUPPORTED, "fused activation 4 (TANH)", "TANH");
        tfb_free(&f);
    }
    /* declared output shape that does not follow from the op */
    {
        int32_t s4[4] = {1, 2, 2, 3}, s5[4] = {1, 2, 2, 4};
        tfb_init(&f);
        int a = tfb_tensor(&f, "in", 0, 4, s4, NULL, 0, 0);
        int b = tfb_tensor(&f, "out", 0, 4, s5, NULL, 0, 0);
        int32_t in[2] = {a, a};
        tfb_op(&f, 0, in, 2, &b, 1, 0, 0);
        len = tfb_finish(&f, &a, 1, &b, 1, &buf);
        expect_error(buf, len, GS_ERR_FORMAT, "shape differs", "shape mismatch");
        tfb_free(&f);
    }
    /* tensor index out of range in an operator */
    {
        int32_t s4[4] = {1, 2, 2, 3};
        tfb_init(&f);
        int a = tfb_tensor(&f, "in", 0, 4, s4, NULL, 0, 0);
        int b = tfb_tensor(&f, "out", 0, 4, s4, NULL, 0, 0);
        int32_t in[2] = {a, 7};
        tfb_op(&f, 0, in, 2, &b, 1, 0, 0);
        len = tfb_finish(&f, &a, 1, &b, 1, &buf);
        expect_error(buf, len, GS_ERR_FORMAT, "operator 0: tensor index 7 out of range",
                     "bad index");
        tfb_free(&f);
    }
    /* an operator reading a tensor nobody wrote */
    {
        int32_t s4[4] = {1, 2, 2, 3};
        tfb_init(&f);
        int a = tfb_tensor(&f, "in", 0, 4, s4, NULL, 0, 0);
        int c = tfb_tensor(&f, "ghost", 0, 4, s4, NULL, 0, 0);
        int b = tfb_tensor(&f, "out", 0, 4, s4, NULL, 0, 0);
        int32_t in[2] = {a, c};
        tfb_op(&f, 0, in, 2, &b, 1, 0, 0);
        len = tfb_finish(&f, &a, 1, &b, 1, &buf);
        expect_error(buf, len, GS_ERR_FORMAT, "'ghost' is read before it is written", "ghost");
        tfb_free(&f);
    }
    /* bad arguments */
    {
        gs_nn_model *m = NULL;
        gs_error err;
        gs_nn_options o = {0};
        o.n_threads = 1000;
        CHECK(gs_nn_model_load_buffer("x", 1, "opt", &o, &m, &err) == GS_ERR_ARG);
        CHECK(gs_nn_model_load("/nonexistent/model.tflite", NULL, &m, &err) == GS_ERR_IO);
        CHECK_STR_CONTAINS(err.msg, "/nonexistent/model.tflite");
        gs_nn_model_free(&m);
        gs_nn_model_free(NULL);
        CHECK(gs_nn_run(NULL, &err) == GS_ERR_ARG);
        CHECK(gs_nn_output_index(NULL, "Identity") == -1);
    }
}

/*
 * Issue 12 item 10: a model with NaN weights loaded, ran, and failed far away as "warp: empty
 * image, crop or rectangle" with no file named. A non-finite constant (float16 behind DEQUANTIZE,
 * or float32) is refused at load, naming the file, operator, tensor and element.
 */
static void non_finite_weights_are_refused_naming_the_model(void)
{
    for (int half = 0; half <= 1; half++) {
        tfb f;
        const uint8_t *buf;
        int32_t ishape[4] = {1, 2, 2, 3}, wshape[4] = {2, 1, 1, 3}, oshape[4] = {1, 2, 2, 2};
        int32_t bshape[1] = {2};
        float w[6] = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f}, b[2] = {0, 0};
        uint16_t wh[6];
        for (int i = 0; i < 6; i++)
            wh[i] = to_half(w[i]);
        wh[4] = 0x7e00; /* a float16 NaN */
        w[4] = INFINITY;
        tfb_init(&f);
        int tin = tfb_tensor(&f, "input", 0, 4, ishape, NULL, 0, 0);
        int tw;
        if (half) {
            int th = tfb_tensor(&f, "w16", 1, 4, wshape, wh, sizeof(wh), 0);
            tw = tfb_tensor(&f, "w", 0, 4, wshape, NULL, 0, 0);
            int32_t in[1] = {th}, out[1] = {tw};
            tfb_op(&f, 6, in, 1, out, 1, 0, 0);
        } else {
            tw = tfb_tensor(&f, "w", 0, 4, wshape, w, sizeof(w), 0);
        }
        int tb = tfb_tensor(&f, "b", 0, 1, bshape, b, sizeof(b), 0);
        int tout = tfb_tensor(&f, "Identity", 0, 4, oshape, NULL, 0, 0);
        tfb_field fl[6] = {tfb_u8(0, 0), tfb_i32(1, 1), tfb_i32(2, 1),
                           tfb_u8(3, 0), tfb_i32(4, 1), tfb_i32(5, 1)};
        uint32_t opts = tfb_table(&f, fl, 6);
        int32_t in[3] = {tin, tw, tb}, out[1] = {tout};
        tfb_op(&f, 3, in, 3, out, 1, 1, opts);
        int32_t gi[1] = {tin}, go[1] = {tout};
        size_t len = tfb_finish(&f, gi, 1, go, 1, &buf);
        expect_error(buf, len, GS_ERR_FORMAT,
                     half ? "(DEQUANTIZE): weight tensor 'w16' holds a non-finite value (nan) at "
                            "element 4: the model file is damaged"
                          : "(CONV_2D): weight tensor 'w' holds a non-finite value (inf) at "
                            "element 4",
                     half ? "NaN float16 weight" : "infinite float32 weight");
        tfb_free(&f);
    }
}

static void api_describes_inputs_and_outputs(void)
{
    tfb f;
    const uint8_t *buf;
    size_t len = make_mixed_model(&f, &buf);
    gs_nn_model *m = NULL;
    gs_error err;
    CHECK(gs_nn_model_load_buffer(buf, len, "mixed", NULL, &m, &err) == GS_OK);
    if (m) {
        gs_nn_tensor_desc d;
        CHECK_EQ_INT(gs_nn_num_inputs(m), 1);
        CHECK_EQ_INT(gs_nn_num_outputs(m), 1);
        CHECK(gs_nn_input_desc(m, 0, &d) == GS_OK);
        CHECK_STR_CONTAINS(d.name, "input_1");
        CHECK_EQ_INT(d.ndim, 4);
        CHECK_EQ_INT(d.shape[1], 12);
        CHECK_EQ_INT(d.shape[3], 3);
        CHECK(gs_nn_output_desc(m, 0, &d) == GS_OK);
        CHECK_STR_CONTAINS(d.name, "Identity");
        CHECK_EQ_INT(d.shape[3], 16);
        CHECK_EQ_INT(gs_nn_output_index(m, "Identity"), 0);
        CHECK_EQ_INT(gs_nn_output_index(m, "Identity_9"), -1);
        CHECK(gs_nn_input_desc(m, 1, &d) == GS_ERR_ARG);
        CHECK(gs_nn_output_desc(m, -1, &d) == GS_ERR_ARG);
        CHECK(gs_nn_input_data(m, 1) == NULL);
        CHECK(gs_nn_output_data(m, 1) == NULL);
        CHECK(gs_nn_macs(m) > 0);
        CHECK(gs_nn_memory_bytes(m) > 0);
    }
    /* gs_nn_options.outputs: naming the only output changes nothing (same bits, same
     * multiply-adds); a name that is no output is refused naming it */
    static const char *const only[] = {"Identity", NULL}, *const bad[] = {"Identity_9", NULL};
    gs_nn_options o = {0};
    gs_nn_model *m2 = NULL;
    o.outputs = only;
    CHECK(gs_nn_model_load_buffer(buf, len, "mixed", &o, &m2, &err) == GS_OK);
    if (m && m2) {
        for (int i = 0; i < 12 * 12 * 3; i++)
            gs_nn_input_data(m, 0)[i] = gs_nn_input_data(m2, 0)[i] = frand();
        CHECK(gs_nn_run(m, &err) == GS_OK && gs_nn_run(m2, &err) == GS_OK);
        CHECK(gs_nn_output_data(m2, 0) != NULL);
        CHECK(gs_nn_output_data(m2, 0) &&
              !memcmp(gs_nn_output_data(m, 0), gs_nn_output_data(m2, 0), 12 * 12 * 16 * 4));
        CHECK(gs_nn_macs(m2) == gs_nn_macs(m));
    }
    gs_nn_model_free(&m2);
    o.outputs = bad;
    CHECK(gs_nn_model_load_buffer(buf, len, "mixed", &o, &m2, &err) == GS_ERR_ARG);
    CHECK(m2 == NULL);
    CHECK_STR_CONTAINS(err.msg, "mixed");
    CHECK_STR_CONTAINS(err.msg, "Identity_9");
    gs_nn_model_free(&m);
    CHECK(m == NULL);
    tfb_free(&f);
}

/* Every non-convolution operator in one graph (a fuzz seed, and a smoke test): PAD of channels,
 * MAX_POOL_2D, RESIZE_BILINEAR, DEPTH_TO_SPACE, CONCATENATION, ADD, LOGISTIC, RESHAPE. */
static size_t make_zoo_model(tfb *f, const uint8_t **buf)
{
    int32_t s0[4] = {1, 8, 8, 8}, s1[4] = {1, 8, 8, 16}, s2[4] = {1, 4, 4, 16};
    int32_t s3[4] = {1, 8, 8, 16}, s4[4] = {1, 16, 16, 4}, s5[4] = {1, 16, 16, 8};
    int32_t s6[3] = {1, 256, 8}, pads[8] = {0, 0, 0, 0, 0, 0, 0, 8}, padshape[2] = {4, 2};
    int32_t size[2] = {8, 8}, two[1] = {2}, three[1] = {3};
    tfb_init(f);
    int t0 = tfb_tensor(f, "input_1", 0, 4, s0, NULL, 0, 0);
    int tp = tfb_tensor(f, "paddings", 2, 2, padshape, pads, sizeof(pads), 0);
    int t1 = tfb_tensor(f, "padded", 0, 4, s1, NULL, 0, 0);
    int t2 = tfb_tensor(f, "pooled", 0, 4, s2, NULL, 0, 0);
    int ts = tfb_tensor(f, "size", 2, 1, two, size, sizeof(size), 0);
    int t3 = tfb_tensor(f, "resized", 0, 4, s3, NULL, 0, 0);
    int t4 = tfb_tensor(f, "d2s", 0, 4, s4, NULL, 0, 0);
    int t5 = tfb_tensor(f, "concat", 0, 4, s5, NULL, 0, 0);
    int t6 = tfb_tensor(f, "sum", 0, 4, s5, NULL, 0, 0);
    int t7 = tfb_tensor(f, "sig", 0, 4, s5, NULL, 0, 0);
    int tr = tfb_tensor(f, "shape", 2, 1, three, s6, sizeof(s6), 0);
    int t8 = tfb_tensor(f, "Identity", 0, 3, s6, NULL, 0, 0);
    int32_t a[2], o[1];
    a[0] = t0, a[1] = tp, o[0] = t1;
    tfb_op(f, 34, a, 2, o, 1, 22, tfb_table(f, NULL, 0));
    tfb_field fm[6] = {tfb_u8(0, 1), tfb_i32(1, 2), tfb_i32(2, 2),
                       tfb_i32(3, 2), tfb_i32(4, 2), tfb_u8(5, 0)};
    a[0] = t1, o[0] = t2;
    tfb_op(f, 17, a, 1, o, 1, 5, tfb_table(f, fm, 6));
    tfb_field fr[2] = {tfb_u8(2, 0), tfb_u8(3, 1)};
    a[0] = t2, a[1] = ts, o[0] = t3;
    tfb_op(f, 23, a, 2, o, 1, 15, tfb_table(f, fr, 2));
    tfb_field fd[1] = {tfb_i32(0, 2)};
    a[0] = t3, o[0] = t4;
    tfb_op(f, 5, a, 1, o, 1, 94, tfb_table(f, fd, 1));
    tfb_field fc[2] = {tfb_i32(0, 3), tfb_u8(1, 0)};
    a[0] = t4, a[1] = t4, o[0] = t5;
    tfb_op(f, 2, a, 2, o, 1, 10, tfb_table(f, fc, 2));
    tfb_field fa[1] = {tfb_u8(0, 3)};
    a[0] = t5, a[1] = t5, o[0] = t6;
    tfb_op(f, 0, a, 2, o, 1, 11, tfb_table(f, fa, 1));
    a[0] = t6, o[0] = t7;
    tfb_op(f, 14, a, 1, o, 1, 0, 0);
    tfb_field fs[1] = {tfb_obj(0, tfb_vec_i32(f, s6, 3))};
    a[0] = t7, a[1] = tr, o[0] = t8;
    tfb_op(f, 22, a, 2, o, 1, 17, tfb_table(f, fs, 1));
    return tfb_finish(f, &t0, 1, &t8, 1, buf);
}

static void operator_zoo_loads_and_runs(void)
{
    tfb f;
    const uint8_t *buf;
    size_t len = make_zoo_model(&f, &buf);
    float x[512];
    for (int i = 0; i < 512; i++)
        x[i] = frand() * 4.0f;
    run_result r;
    if (run_model(buf, len, x, 512, &r, "zoo") == 0) {
        CHECK_EQ_INT(r.n, 256 * 8);
        int in_range = 1;
        for (size_t i = 0; i < r.n; i++)
            in_range &= r.out[i] >= 0.5f && r.out[i] <= 1.0f; /* sigmoid of a RELU6 output */
        CHECK(in_range);
        CHECK(r.same_mt);
        free(r.out);
    }
    tfb_free(&f);
}

/* Writes small valid models as the seed corpus of tests/fuzz/fuzz_tflite.c. */
static void write_corpus(const char *dir)
{
    tfb f;
    const uint8_t *buf;
    char path[1024];
    gs_error err;
    size_t len = make_mixed_model(&f, &buf);
    snprintf(path, sizeof(path), "%s/mixed.tflite", dir);
    CHECK(gs_file_write_all(path, buf, len, &err) == GS_OK);
    tfb_free(&f);
    len = make_zoo_model(&f, &buf);
    snprintf(path, sizeof(path), "%s/zoo.tflite", dir);
    CHECK(gs_file_write_all(path, buf, len, &err) == GS_OK);
    tfb_free(&f);
}

int main(int argc, char **argv)
{
    gs_nn_process_init(); /* process-wide OpenBLAS setting, as the gaitscope command does */
    if (argc > 4 && !strcmp(argv[3], "--write-corpus")) {
        write_corpus(argv[4]);
        return gs_test_finish("nn (corpus)", 0);
    }
    /* every kernel set this CPU can run: best (AVX-512 here), AVX2+FMA, portable C */
    static const int isas[3] = {0, 3, 1};
    for (int i = 0; i < 3; i++) {
        test_isa = isas[i];
        rng = 12345;
        conv_and_depthwise_match_reference_loops();
        densified_sparse_weights_match_dense_reference();
        elementwise_and_layout_ops_match_reference();
        conv_then_residual_add_matches_reference();
        depthwise_then_pointwise_8ch_matches_reference();
    }
    test_isa = 0;
    operator_zoo_loads_and_runs();
    api_describes_inputs_and_outputs();
    broken_files_give_errors_naming_the_item();
    non_finite_weights_are_refused_naming_the_model();
    load_survives_allocation_failure_at_every_index();
    run_does_not_allocate();
    return gs_test_finish("nn", 0);
}
