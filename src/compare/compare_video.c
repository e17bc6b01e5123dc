/*
 * side_by_side.mp4: BEFORE and AFTER overlay clips side by side, phase-locked on the left foot.
 *
 * Kinovea and Dartfish synchronise two clips on one shared event and then play both in real
 * time, so the clips drift apart within a stride or two when the cadence differs (REFERENCES.md
 * section 7). Here every stride is locked: output frame j is BEFORE's frame j inside its left
 * stride k, and AFTER shows the frame at the same fraction phi of its own left stride k:
 *     phi = (j - b0_k) / (b1_k - b0_k),   a = a0_k + phi (a1_k - a0_k),   AFTER frame = round(a)
 * with b0_k, b1_k (a0_k, a1_k) the stride's first and next left contacts as fractional frame
 * indices of the clip (the gait stage's sub-frame events). So a contact of BEFORE's left foot is
 * shown beside a contact of AFTER's left foot, and everything between at the same phase. AFTER
 * is time-warped: a cadence change is read from the numbers under each half, not from the
 * motion, and the caption says so. Frames are mapped by index (the overlay clip has exactly the
 * analysed frames, one to one); on a variable-frame-rate clip the fraction is one of frames, not
 * of seconds, which differs by at most the rate's variation within one stride.
 *
 * Both halves are scaled to the same height. Frames are streamed: each decoder keeps the current
 * frame only.
 */
#include "compare_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cv.h"

#define MAX_HALF_HEIGHT 720 /* px: enough to see a runner's joints, a light clip to share */

/* Sequential reader of one clip by frame index. */
typedef struct reader {
    gs_decoder *dec;
    uint8_t *rgb; /* current frame, width*3 per row */
    int32_t w, h;
    int64_t index; /* index of the frame in rgb, -1 none */
    int ended;
} reader;

static gs_status reader_open(reader *r, const char *path, gs_error *err)
{
    const gs_video_info *in;
    gs_status rc;
    memset(r, 0, sizeof(*r));
    r->index = -1;
    gs_decoder_options o = {0};
    o.ignore_capture_metadata = 1; /* the overlay's frames, as they are */
    rc = gs_decoder_open(path, &o, &r->dec, err);
    if (rc != GS_OK)
        return rc;
    in = gs_decoder_info(r->dec);
    r->w = in->width;
    r->h = in->height;
    r->rgb = malloc((size_t)r->w * (size_t)r->h * 3);
    if (!r->rgb)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", path);
    return GS_OK;
}

/* Advances to frame index i (or the last frame when the clip ends first). */
static gs_status reader_goto(reader *r, int64_t i, gs_error *err)
{
    while (!r->ended && r->index < i) {
        gs_frame f;
        gs_status rc = gs_decoder_next(r->dec, &f, err);
        if (rc == GS_END) {
            r->ended = 1;
            break;
        }
        if (rc != GS_OK)
            return rc;
        if (f.width != r->w || f.height != r->h)
            continue; /* a size change mid-stream: keep the last good frame */
        for (int32_t y = 0; y < r->h; y++)
            memcpy(r->rgb + (size_t)y * r->w * 3, f.rgb + (size_t)y * f.stride, (size_t)r->w * 3);
        r->index = f.index;
    }
    return r->index >= 0 ? GS_OK : gs_fail(err, GS_ERR_FORMAT, "clip has no frames");
}

static void reader_close(reader *r)
{
    gs_decoder_free(&r->dec);
    free(r->rgb);
    r->rgb = NULL;
}

/* Up to 3 lines of key numbers of one session (0 before, 1 after), ASCII. */
int gs_compare__key_lines(const gs_comparison *c, int k, char lines[3][96])
{
    int n = 0;
    const gs_compare_row *cad;
    if (!c)
        return 0;
    cad = gs_comparison_find_row(c, "cadence_spm", GS_COMPARE_SIDE_ALL);
    if (cad && isfinite(k ? cad->after : cad->before))
        snprintf(lines[n++], sizeof(lines[0]), "cadence %.1f steps/min",
                 k ? cad->after : cad->before);
    /* the real changes first, then the contact knee angle as a landmark of form */
    for (int pass = 0; pass < 2 && n < 3; pass++)
        for (int i = 0; i < gs_comparison_n_rows(c) && n < 3; i++) {
            const gs_compare_row *r = gs_comparison_row(c, i), *o;
            double vl, vr;
            const char *u;
            if (r->side != GS_COMPARE_SIDE_LEFT || !strcmp(r->metric, "cadence_spm"))
                continue;
            if (pass == 0 && r->verdict != GS_COMPARE_VERDICT_REAL) {
                o = gs_comparison_find_row(c, r->metric, GS_COMPARE_SIDE_RIGHT);
                if (!o || o->verdict != GS_COMPARE_VERDICT_REAL)
                    continue;
            }
            if (pass == 1 && strcmp(r->metric, "knee_flexion_ic_deg") &&
                strcmp(r->metric, "pelvic_drop_deg"))
                continue;
            /* skip a metric already listed in pass 0 */
            {
                int dup = 0;
                for (int j = 0; j < n; j++)
                    dup |= !strncmp(lines[j], r->label, strlen(r->label));
                if (dup)
                    continue;
            }
            o = gs_comparison_find_row(c, r->metric, GS_COMPARE_SIDE_RIGHT);
            vl = k ? r->after : r->before;
            vr = o ? (k ? o->after : o->before) : NAN;
            u = r->unit;
            /* the metric's name for people ("knee_flexion_ic_deg" read as code under the clip);
             * degrees with the degree sign (the ring gs_cv_text draws) */
            if (!strcmp(u, "deg"))
                snprintf(lines[n++], sizeof(lines[0]),
                         "%s L %.1f" GS_CV_DEGREE " R %.1f" GS_CV_DEGREE, r->label, vl, vr);
            else
                snprintf(lines[n++], sizeof(lines[0]), "%s L %.1f R %.1f %s", r->label, vl, vr, u);
        }
    return n;
}

/* The largest scale <= start (down to 0.35) at which ascii fits in max_w pixels. */
static float fit_scale(const char *ascii, float start, int32_t max_w)
{
    float sc = start;
    for (;;) {
        int32_t w = 0, h = 0;
        gs_cv_text_size(ascii, sc, 1, &w, &h);
        if (w <= max_w || sc <= 0.35f)
            return sc;
        sc *= 0.92f;
    }
}

static int even(double v)
{
    int i = (int)lround(v);
    return i & 1 ? i + 1 : i;
}

gs_status gs_compare_side_by_side(const gs_compare_session *before, const gs_compare_session *after,
                                  const gs_comparison *c, const char *path,
                                  const gs_compare_video_options *opt_in,
                                  gs_compare_video_stats *stats, gs_error *err)
{
    gs_compare_video_options opt = {0};
    gs_compare_video_stats st;
    reader rd[2];
    gs_encoder *enc = NULL;
    uint8_t *canvas = NULL, *scaled = NULL;
    int32_t H, W, cap_h, band_h, gap = 8;
    int K;
    int64_t total = 0, done = 0;
    gs_status rc = GS_OK;
    char lines[2][3][96];
    int n_lines[2];
    const gs_compare_session *s[2] = {before, after};
    double fps;

    memset(&st, 0, sizeof(st));
    memset(rd, 0, sizeof(rd));
    rd[0].index = rd[1].index = -1;
    if (opt_in)
        opt = *opt_in;
    for (int k = 0; k < 2; k++) {
        if (!s[k]->overlay_path)
            return gs_fail(err, GS_ERR_ARG, "%s: no overlay clip (analysis.json only)",
                           s[k]->path ? s[k]->path : (k ? "AFTER" : "BEFORE"));
        if (s[k]->n_left_strides < 1 || !s[k]->left_strides)
            return gs_fail(err, GS_ERR_ARG, "%s: no usable left stride to lock on",
                           s[k]->path ? s[k]->path : (k ? "AFTER" : "BEFORE"));
    }
    fps = before->fps > 0 ? before->fps : 30;
    K = before->n_left_strides < after->n_left_strides ? before->n_left_strides
                                                       : after->n_left_strides;
    for (int k = 0; k < K; k++) {
        double b0 = before->left_strides[2 * k], b1 = before->left_strides[2 * k + 1];
        if (!(b1 > b0) || b0 < 0)
            return gs_fail(err, GS_ERR_ARG, "%s: left stride %d has no extent (%g to %g)",
                           before->path ? before->path : "BEFORE", k, b0, b1);
        total += (int64_t)ceil(b1 - 1e-9) - (int64_t)ceil(b0 - 1e-9);
    }
    for (int k = 0; k < 2; k++)
        if ((rc = reader_open(&rd[k], s[k]->overlay_path, err)) != GS_OK)
            goto done;

    /* layout: caption band on top, the two pictures, a band of numbers under each */
    H = rd[0].h < rd[1].h ? rd[0].h : rd[1].h;
    if (opt.max_height > 0 && H > opt.max_height)
        H = opt.max_height;
    if (opt.max_height <= 0 && H > MAX_HALF_HEIGHT)
        H = MAX_HALF_HEIGHT;
    H = even(H);
    for (int k = 0; k < 2; k++) {
        st.half_w[k] = even((double)rd[k].w * H / rd[k].h);
        if (st.half_w[k] < 2)
            st.half_w[k] = 2;
    }
    cap_h = even(fmax(48, 0.1 * H));
    band_h = even(fmax(72, 0.22 * H));
    W = st.half_w[0] + gap + st.half_w[1];
    st.half_x[0] = 0;
    st.half_x[1] = st.half_w[0] + gap;
    st.half_y = cap_h;
    st.half_h = H;
    st.width = W;
    st.height = cap_h + H + band_h;
    st.fps = fps;
    canvas = malloc((size_t)st.width * st.height * 3);
    scaled = malloc((size_t)(st.half_w[0] > st.half_w[1] ? st.half_w[0] : st.half_w[1]) * H * 3);
    if (!canvas || !scaled) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    for (int k = 0; k < 2; k++)
        n_lines[k] = gs_compare__key_lines(c, k, lines[k]);
    opt.encode.fps_hint = fps;
    if ((rc = gs_encoder_open(path, st.width, st.height, &opt.encode, &enc, err)) != GS_OK)
        goto done;

    for (int k = 0; k < K && rc == GS_OK; k++) {
        double b0 = before->left_strides[2 * k], b1 = before->left_strides[2 * k + 1];
        double a0 = after->left_strides[2 * k], a1 = after->left_strides[2 * k + 1];
        for (int64_t j = (int64_t)ceil(b0 - 1e-9); j < (int64_t)ceil(b1 - 1e-9); j++) {
            double phi = (j - b0) / (b1 - b0);
            int64_t ai = (int64_t)llround(a0 + phi * (a1 - a0));
            int64_t want[2] = {j, ai < 0 ? 0 : ai};
            gs_image img = {canvas, st.width, st.height, st.width * 3};
            memset(canvas, 24, (size_t)st.width * st.height * 3);
            for (int h = 0; h < 2; h++) {
                gs_image src, dst;
                if ((rc = reader_goto(&rd[h], want[h], err)) != GS_OK)
                    goto done;
                src = (gs_image){rd[h].rgb, rd[h].w, rd[h].h, rd[h].w * 3};
                dst = (gs_image){scaled, st.half_w[h], H, st.half_w[h] * 3};
                if ((rc = gs_cv_resize(&src, &dst, err)) != GS_OK)
                    goto done;
                for (int32_t y = 0; y < H; y++)
                    memcpy(canvas + ((size_t)(st.half_y + y) * st.width + st.half_x[h]) * 3,
                           scaled + (size_t)y * st.half_w[h] * 3, (size_t)st.half_w[h] * 3);
                {
                    /* name, stride counter and the key numbers under the picture: 4 lines in
                     * the band, each scaled to fit the half's width */
                    char t[160];
                    const char *name = s[h]->clip ? s[h]->clip : s[h]->path;
                    float x = (float)st.half_x[h] + 6, lh = (float)band_h / 4.3f;
                    float y = (float)(cap_h + H) + lh;
                    float sc0 = lh / 26.0f;
                    snprintf(t, sizeof(t), "%s %.40s  stride %d/%d", h ? "AFTER" : "BEFORE",
                             name ? name : "", k + 1, K);
                    gs_cv_text(&img, t, x, y, fit_scale(t, sc0, st.half_w[h] - 12),
                               (gs_rgb){255, 255, 255}, 1, 1.0f);
                    for (int l = 0; l < n_lines[h]; l++)
                        gs_cv_text(&img, lines[h][l], x, y + (float)(l + 1) * lh,
                                   fit_scale(lines[h][l], sc0, st.half_w[h] - 12),
                                   (gs_rgb){230, 230, 140}, 1, 1.0f);
                }
            }
            {
                static const char *const cap[2] = {
                    "AFTER is time-warped to BEFORE's strides (left-foot contacts):",
                    "read cadence from the numbers, not from the motion"};
                float lh = (float)cap_h / 2.2f;
                for (int l = 0; l < 2; l++)
                    gs_cv_text(&img, cap[l], 8, lh * (float)(l + 1) - 2,
                               fit_scale(cap[0], lh / 24.0f, st.width - 16),
                               (gs_rgb){255, 255, 255}, 1, 1.0f);
            }
            rc = gs_encoder_write(enc, canvas, st.width * 3, (double)st.frames / fps, err);
            if (rc != GS_OK)
                goto done;
            st.frames++;
            done++;
            if (opt.progress && opt.progress(opt.progress_user, "side-by-side", done, total)) {
                rc = gs_fail(err, GS_ERR_CANCELLED, "%s: cancelled", path);
                goto done;
            }
        }
        st.strides++;
    }
    rc = gs_encoder_close(enc, err);
done:
    gs_encoder_free(&enc);
    reader_close(&rd[0]);
    reader_close(&rd[1]);
    free(canvas);
    free(scaled);
    st.duration_s = st.frames / fps;
    if (stats)
        *stats = st;
    return rc;
}
