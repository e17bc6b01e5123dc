/*
 * Depthwise convolutions (3x3/5x5 unrolled, generic) and the fused depthwise + 1x1 of the
 * 8-channel layers.
 * Part of kernels_body.h: included once per ISA, in its order, by that file only.
 */
/* One output row of a depthwise convolution, channels % 8 == 0. Called with constant KH/KW
 * for 3x3 and 5x5 so the tap loops unroll and the weights stay in registers. Interior pixels go
 * four at a time (four independent accumulators); border pixels skip the taps that fall into
 * the padding. */
static inline __attribute__((always_inline)) void dw_row8(const gs_nn__op *op, const float *in,
                                                          float *orow, int32_t oy, int32_t ky0,
                                                          int32_t ky1, const int32_t KH,
                                                          const int32_t KW, float lo, float hi,
                                                          int32_t c0, int32_t c1)
{
    const int32_t C = op->ic, sw = op->sw, dw = op->dw, dh = op->dh;
    const v8 vlo = splat8(lo), vhi = splat8(hi);
    /* interior: every kx tap inside the input */
    int32_t ox_lo = 0, ox_hi = op->ow;
    while (ox_lo < op->ow && ox_lo * sw - op->pad_l < 0)
        ox_lo++;
    while (ox_hi > ox_lo && (ox_hi - 1) * sw - op->pad_l + (KW - 1) * dw >= op->iw)
        ox_hi--;
    for (int32_t cb = c0; cb < c1; cb += 8) {
        v8 wv[GS_NN_DW_MAX_TAPS];
        for (int t = 0; t < KH * KW; t++)
            wv[t] = ld8(op->w + (size_t)t * C + cb);
        const v8 b = op->bias ? ld8(op->bias + cb) : splat8(0.0f);
        int32_t ox = 0;
        for (; ox < op->ow; ox++) {
            if (ox >= ox_lo && ox + 4 <= ox_hi) {
                v8 a0 = b, a1 = b, a2 = b, a3 = b;
                const size_t step = (size_t)sw * C;
                for (int32_t ky = ky0; ky < ky1; ky++) {
                    int32_t iy = oy * op->sh - op->pad_t + ky * dh;
                    const float *xr =
                        in + ((size_t)iy * op->iw + (ox * sw - op->pad_l)) * C + cb;
                    for (int32_t kx = 0; kx < KW; kx++) {
                        const v8 w = wv[ky * KW + kx];
                        const float *x = xr + (size_t)kx * dw * C;
                        a0 += ld8(x) * w;
                        a1 += ld8(x + step) * w;
                        a2 += ld8(x + 2 * step) * w;
                        a3 += ld8(x + 3 * step) * w;
                    }
                }
                float *o = orow + (size_t)ox * C + cb;
                st8(o, clamp8(a0, vlo, vhi));
                st8(o + C, clamp8(a1, vlo, vhi));
                st8(o + 2 * C, clamp8(a2, vlo, vhi));
                st8(o + 3 * C, clamp8(a3, vlo, vhi));
                ox += 3;
                continue;
            }
            int32_t ix0 = ox * sw - op->pad_l;
            int32_t kx0 = 0, kx1 = KW;
            while (kx0 < kx1 && ix0 + kx0 * dw < 0)
                kx0++;
            while (kx1 > kx0 && ix0 + (kx1 - 1) * dw >= op->iw)
                kx1--;
            v8 acc = b;
            for (int32_t ky = ky0; ky < ky1; ky++) {
                int32_t iy = oy * op->sh - op->pad_t + ky * dh;
                const float *xr = in + (size_t)iy * op->iw * C + cb;
                for (int32_t kx = kx0; kx < kx1; kx++) /* ix0 + kx * dw is inside the row */
                    acc += ld8(xr + (size_t)(ix0 + kx * dw) * C) * wv[ky * KW + kx];
            }
            st8(orow + (size_t)ox * C + cb, clamp8(acc, vlo, vhi));
        }
    }
}

#if defined(__AVX512F__)
/* One output row of a depthwise convolution, channels % 16 == 0, 16-wide (AVX-512 build). Called with constant KH/KW
 * for 3x3 and 5x5 so the tap loops unroll and the weights stay in registers. Interior pixels go
 * four at a time (four independent accumulators); border pixels skip the taps that fall into
 * the padding. */
static inline __attribute__((always_inline)) void dw_row16(const gs_nn__op *op, const float *in,
                                                          float *orow, int32_t oy, int32_t ky0,
                                                          int32_t ky1, const int32_t KH,
                                                          const int32_t KW, float lo, float hi,
                                                          int32_t c0, int32_t c1)
{
    const int32_t C = op->ic, sw = op->sw, dw = op->dw, dh = op->dh;
    const v16 vlo = splat16(lo), vhi = splat16(hi);
    /* interior: every kx tap inside the input */
    int32_t ox_lo = 0, ox_hi = op->ow;
    while (ox_lo < op->ow && ox_lo * sw - op->pad_l < 0)
        ox_lo++;
    while (ox_hi > ox_lo && (ox_hi - 1) * sw - op->pad_l + (KW - 1) * dw >= op->iw)
        ox_hi--;
    for (int32_t cb = c0; cb < c1; cb += 16) {
        v16 wv[GS_NN_DW_MAX_TAPS];
        for (int t = 0; t < KH * KW; t++)
            wv[t] = ld16(op->w + (size_t)t * C + cb);
        const v16 b = op->bias ? ld16(op->bias + cb) : splat16(0.0f);
        int32_t ox = 0;
        for (; ox < op->ow; ox++) {
            if (ox >= ox_lo && ox + 4 <= ox_hi) {
                v16 a0 = b, a1 = b, a2 = b, a3 = b;
                const size_t step = (size_t)sw * C;
                for (int32_t ky = ky0; ky < ky1; ky++) {
                    int32_t iy = oy * op->sh - op->pad_t + ky * dh;
                    const float *xr =
                        in + ((size_t)iy * op->iw + (ox * sw - op->pad_l)) * C + cb;
                    for (int32_t kx = 0; kx < KW; kx++) {
                        const v16 w = wv[ky * KW + kx];
                        const float *x = xr + (size_t)kx * dw * C;
                        a0 += ld16(x) * w;
                        a1 += ld16(x + step) * w;
                        a2 += ld16(x + 2 * step) * w;
                        a3 += ld16(x + 3 * step) * w;
                    }
                }
                float *o = orow + (size_t)ox * C + cb;
                st16(o, clamp16(a0, vlo, vhi));
                st16(o + C, clamp16(a1, vlo, vhi));
                st16(o + 2 * C, clamp16(a2, vlo, vhi));
                st16(o + 3 * C, clamp16(a3, vlo, vhi));
                ox += 3;
                continue;
            }
            int32_t ix0 = ox * sw - op->pad_l;
            int32_t kx0 = 0, kx1 = KW;
            while (kx0 < kx1 && ix0 + kx0 * dw < 0)
                kx0++;
            while (kx1 > kx0 && ix0 + (kx1 - 1) * dw >= op->iw)
                kx1--;
            v16 acc = b;
            for (int32_t ky = ky0; ky < ky1; ky++) {
                int32_t iy = oy * op->sh - op->pad_t + ky * dh;
                const float *xr = in + (size_t)iy * op->iw * C + cb;
                for (int32_t kx = kx0; kx < kx1; kx++) /* ix0 + kx * dw is inside the row */
                    acc += ld16(xr + (size_t)(ix0 + kx * dw) * C) * wv[ky * KW + kx];
            }
            st16(orow + (size_t)ox * C + cb, clamp16(acc, vlo, vhi));
        }
    }
}

#endif

/* Depthwise convolution of one output row: out[ox][c] = bias[c] + sum over taps of
 * in[iy][ix][c] * w[ky][kx][c]. Channels % 8 == 0 (every BlazePose layer): per block of 8
 * channels the taps' weights stay in registers and each output pixel accumulates in one
 * register; consecutive pixels are independent, so the CPU overlaps them. Otherwise a plain loop
 * over contiguous channels. Only channels [c0, c1) are computed: multiples of 16 when the op is
 * split by channels (kernels.c gs_nn__op_prepare only does that when C % 16 == 0), else the
 * whole [0, C). */
static void dwconv_row(gs_nn_model *m, const gs_nn__op *op, int32_t oy, int32_t c0, int32_t c1)
{
    const float *in = m->tensors[op->in[0]].data;
    float *out = m->tensors[op->out].data;
    const int32_t C = op->ic, taps = op->kh * op->kw;
    float lo, hi;
    act_range(op->act, &lo, &hi);
    float *orow = out + (size_t)oy * op->ow * C;
    int32_t ky0 = 0, ky1 = op->kh;
    while (ky0 < ky1 && oy * op->sh - op->pad_t + ky0 * op->dh < 0)
        ky0++;
    while (ky1 > ky0 && oy * op->sh - op->pad_t + (ky1 - 1) * op->dh >= op->ih)
        ky1--;
#if defined(__AVX512F__)
    if (C % 16 == 0 && taps <= GS_NN_DW_MAX_TAPS) {
        if (op->kh == 3 && op->kw == 3)
            dw_row16(op, in, orow, oy, ky0, ky1, 3, 3, lo, hi, c0, c1);
        else if (op->kh == 5 && op->kw == 5)
            dw_row16(op, in, orow, oy, ky0, ky1, 5, 5, lo, hi, c0, c1);
        else
            dw_row16(op, in, orow, oy, ky0, ky1, op->kh, op->kw, lo, hi, c0, c1);
        return;
    }
#endif
    if (C % 8 == 0 && taps <= GS_NN_DW_MAX_TAPS) {
        if (op->kh == 3 && op->kw == 3)
            dw_row8(op, in, orow, oy, ky0, ky1, 3, 3, lo, hi, c0, c1);
        else if (op->kh == 5 && op->kw == 5)
            dw_row8(op, in, orow, oy, ky0, ky1, 5, 5, lo, hi, c0, c1);
        else
            dw_row8(op, in, orow, oy, ky0, ky1, op->kh, op->kw, lo, hi, c0, c1);
        return;
    }
    for (int32_t ox = 0; ox < op->ow; ox++) {
        float *restrict o = orow + (size_t)ox * C;
        if (op->bias)
            memcpy(o, op->bias, (size_t)C * sizeof(float));
        else
            memset(o, 0, (size_t)C * sizeof(float));
        for (int32_t ky = ky0; ky < ky1; ky++) {
            int32_t iy = oy * op->sh - op->pad_t + ky * op->dh;
            for (int32_t kx = 0; kx < op->kw; kx++) {
                int32_t ix = ox * op->sw - op->pad_l + kx * op->dw;
                if (ix < 0 || ix >= op->iw)
                    continue;
                const float *restrict x = in + ((size_t)iy * op->iw + ix) * C;
                const float *restrict w = op->w + ((size_t)ky * op->kw + kx) * C;
                for (int32_t c = 0; c < C; c++)
                    o[c] += x[c] * w[c];
            }
        }
        for (int32_t c = 0; c < C; c++)
            o[c] = clampf(o[c], lo, hi);
    }
}

/* DWPW8 (plan.c fuse_dw_pw), one output row: per pixel the 3x3 depthwise sum of its 8 channels
 * and the depthwise activation, then the 8 x 8 pointwise product, its activation and the
 * residual, with the depthwise result never leaving the registers. The AVX-512 build takes two
 * pixels per 16-float vector (NHWC with 8 channels: two neighbours are 16 consecutive floats)
 * and broadcasts each input channel within its half by a permute; border pixels (a tap in the
 * horizontal padding) and the portable builds go one pixel at a time. */
static inline __attribute__((always_inline)) v8 dwpw8_px(const gs_nn__op *op, const float *in,
                                                         int32_t oy, int32_t ox, int32_t ky0,
                                                         int32_t ky1, v8 dlo, v8 dhi, v8 plo,
                                                         v8 phi)
{
    const float *pw = op->wpack;
    v8 a = op->bias ? ld8(op->bias) : splat8(0.0f);
    for (int32_t ky = ky0; ky < ky1; ky++) {
        int32_t iy = oy - op->pad_t + ky;
        for (int32_t kx = 0; kx < 3; kx++) {
            int32_t ix = ox - op->pad_l + kx;
            if (ix < 0 || ix >= op->iw)
                continue;
            a += ld8(in + ((size_t)iy * op->iw + ix) * 8) * ld8(op->w + (ky * 3 + kx) * 8);
        }
    }
    a = clamp8(a, dlo, dhi);
    v8 y = ld8(pw + 8 * 16);
    for (int c = 0; c < 8; c++)
        y += splat8(a[c]) * ld8(pw + c * 16);
    return clamp8(y, plo, phi);
}

#if defined(__AVX512F__)
#define DWPW8_G 4 /* pixel pairs per step */
#if defined(__clang__)
#define DWPW8_BCAST(v, c)                                                                         \
    __builtin_shufflevector(v, v, c, c, c, c, c, c, c, c, c + 8, c + 8, c + 8, c + 8, c + 8,      \
                            c + 8, c + 8, c + 8)
#else
#define DWPW8_BCAST(v, c)                                                                         \
    __builtin_shuffle(v, (vi16){c, c, c, c, c, c, c, c, c + 8, c + 8, c + 8, c + 8, c + 8, c + 8, \
                                c + 8, c + 8})
#endif
#endif

static void dwpw8_task(gs_nn_model *m, const gs_nn__op *op, int task)
{
    const float *in = m->tensors[op->in[0]].data;
    float *out = m->tensors[op->out].data + (size_t)task * op->ow * 8;
    const float *res = op->res >= 0 ? m->tensors[op->res].data + (size_t)task * op->ow * 8 : NULL;
    const int32_t oy = task;
    float dl, dh, pl, ph, rl, rh;
    act_range(op->act, &dl, &dh);
    act_range(op->pw_act, &pl, &ph);
    act_range(op->res_act, &rl, &rh);
    int32_t ky0 = 0, ky1 = 3;
    while (ky0 < ky1 && oy - op->pad_t + ky0 < 0)
        ky0++;
    while (ky1 > ky0 && oy - op->pad_t + ky1 - 1 >= op->ih)
        ky1--;
    int32_t ox = 0;
#if defined(__AVX512F__)
    /* pixels whose three kx taps all lie inside the row */
    int32_t ox_lo = op->pad_l < op->ow ? op->pad_l : op->ow, ox_hi = op->iw - 2 + op->pad_l;
    if (ox_hi > op->ow)
        ox_hi = op->ow;
    const float *pw = op->wpack;
    v16 wd[9], pwc[8];
    for (int t = 0; t < 9; t++) {
        v8 w = ld8(op->w + t * 8);
        for (int k = 0; k < 8; k++)
            wd[t][k] = wd[t][k + 8] = w[k];
    }
    v16 bd = splat16(0.0f);
    for (int k = 0; k < 8 && op->bias; k++)
        bd[k] = bd[k + 8] = op->bias[k];
    for (int c = 0; c < 8; c++)
        pwc[c] = ld16(pw + c * 16);
    const v16 pb = ld16(pw + 8 * 16);
    const v16 dlo = splat16(dl), dhi = splat16(dh), plo = splat16(pl), phi = splat16(ph);
    const v16 rlo = splat16(rl), rhi = splat16(rh);
    for (; ox < ox_lo; ox++) {
        v8 y = dwpw8_px(op, in, oy, ox, ky0, ky1, splat8(dl), splat8(dh), splat8(pl), splat8(ph));
        if (res)
            y = clamp8(y + ld8(res + ox * 8), splat8(rl), splat8(rh));
        st8(out + ox * 8, y);
    }
    /* four pixel pairs at a time: independent chains hide the FMA latency (the depthwise and
     * pointwise sums of one pair are 9 + 8 dependent multiply-adds) */
    for (; ox + 2 * DWPW8_G <= ox_hi; ox += 2 * DWPW8_G) {
        v16 a[DWPW8_G];
        for (int g = 0; g < DWPW8_G; g++)
            a[g] = bd;
        for (int32_t ky = ky0; ky < ky1; ky++) {
            const float *x = in + ((size_t)(oy - op->pad_t + ky) * op->iw + ox - op->pad_l) * 8;
            const v16 w0 = wd[ky * 3], w1 = wd[ky * 3 + 1], w2 = wd[ky * 3 + 2];
            for (int g = 0; g < DWPW8_G; g++) {
                a[g] += ld16(x + 16 * g) * w0;
                a[g] += ld16(x + 16 * g + 8) * w1;
                a[g] += ld16(x + 16 * g + 16) * w2;
            }
        }
        for (int g = 0; g < DWPW8_G; g++) {
            const v16 d = clamp16(a[g], dlo, dhi);
            v16 y0 = pb, y1 = DWPW8_BCAST(d, 1) * pwc[1];
            y0 += DWPW8_BCAST(d, 0) * pwc[0];
            y1 += DWPW8_BCAST(d, 3) * pwc[3];
            y0 += DWPW8_BCAST(d, 2) * pwc[2];
            y1 += DWPW8_BCAST(d, 5) * pwc[5];
            y0 += DWPW8_BCAST(d, 4) * pwc[4];
            y1 += DWPW8_BCAST(d, 7) * pwc[7];
            y0 += DWPW8_BCAST(d, 6) * pwc[6];
            v16 y = clamp16(y0 + y1, plo, phi);
            if (res)
                y = clamp16(y + ld16(res + ox * 8 + 16 * g), rlo, rhi);
            st16(out + ox * 8 + 16 * g, y);
        }
    }
#endif
    const v8 dlo8 = splat8(dl), dhi8 = splat8(dh), plo8 = splat8(pl), phi8 = splat8(ph);
    const v8 rlo8 = splat8(rl), rhi8 = splat8(rh);
    for (; ox < op->ow; ox++) {
        v8 y = dwpw8_px(op, in, oy, ox, ky0, ky1, dlo8, dhi8, plo8, phi8);
        if (res)
            y = clamp8(y + ld8(res + ox * 8), rlo8, rhi8);
        st8(out + ox * 8, y);
    }
}
