/*
 * Preview PNGs of a pose track: every Nth frame of the video with the skeleton drawn, the
 * person's left side orange and right side blue, the raw landmarks as thin grey lines where the
 * whole-clip clean-up moved them. For checking by eye that the skeleton sits on the body.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cv.h"
#include "pose_impl.h"

/* The skeleton of pose.h gs_kp_bones, coloured by side (0 centre, 1 left, 2 right). */
static void draw_skeleton(gs_image *img, const gs_kp *kp, int thick, int raw)
{
    const gs_rgb col[3] = {{235, 235, 235}, {255, 140, 0}, {30, 144, 255}};
    const gs_rgb grey = {150, 150, 150};
    int n_bones;
    const gs_kp_bone *bones = gs_kp_bones(&n_bones);
    for (int i = 0; i < n_bones; i++) {
        const gs_kp *a = &kp[bones[i].a], *b = &kp[bones[i].b];
        gs_cv_line(img, a->x, a->y, b->x, b->y, raw ? grey : col[bones[i].side],
                   raw ? (thick + 1) / 2 : thick, raw ? 0.8f : 1.0f);
    }
    if (raw)
        return;
    for (int i = 0; i < GS_POSE_NKP; i++) {
        int side =
            i == 0 ? 0
                   : (i <= 10 ? ((i >= 1 && i <= 3) || i == 7 || i == 9 ? 1 : 2) : (i % 2 ? 1 : 2));
        gs_cv_circle(img, kp[i].x, kp[i].y, (float)thick * 1.2f, col[side], -1, 1.0f);
    }
    /* letters at the ankles make a left/right mix-up obvious */
    gs_cv_text(img, "L", kp[GS_KP_LEFT_ANKLE].x + 2.0f * (float)thick, kp[GS_KP_LEFT_ANKLE].y,
               0.4f * (float)thick, col[1], thick > 1 ? thick / 2 : 1, 1.0f);
    gs_cv_text(img, "R", kp[GS_KP_RIGHT_ANKLE].x + 2.0f * (float)thick, kp[GS_KP_RIGHT_ANKLE].y,
               0.4f * (float)thick, col[2], thick > 1 ? thick / 2 : 1, 1.0f);
}

static int moved(const gs_pose_frame *f)
{
    if (!f->has_raw)
        return 0;
    for (int i = 0; i < GS_POSE_NKP; i++)
        if (fabsf(f->raw[i].x - f->kp[i].x) > 2.0f || fabsf(f->raw[i].y - f->kp[i].y) > 2.0f)
            return 1;
    return 0;
}

gs_status gs_pose_preview_write(const char *video, const gs_pose_track *t, const char *dir,
                                int every, const gs_decoder_options *dec, int *n_written,
                                gs_error *err)
{
    gs_status rc;
    gs_decoder *d = NULL;
    uint8_t *buf = NULL;
    size_t cap = 0;
    gs_frame fr;
    int written = 0;
    char path[1200], label[160];

    if (n_written)
        *n_written = 0;
    if (every <= 0)
        every = 10;
    rc = gs_mkdir_p(dir, err);
    if (rc != GS_OK)
        return rc;
    rc = gs_decoder_open(video, dec, &d, err);
    if (rc != GS_OK)
        return rc;
    for (;;) {
        rc = gs_decoder_next(d, &fr, err);
        if (rc == GS_END) {
            rc = GS_OK;
            break;
        }
        if (rc != GS_OK)
            goto done;
        if (fr.index % every != 0)
            continue;
        size_t row = (size_t)fr.width * 3, need = row * (size_t)fr.height;
        if (need > cap) {
            uint8_t *p = realloc(buf, need);
            if (!p) {
                rc = gs_fail(err, GS_ERR_NOMEM, "preview: out of memory");
                goto done;
            }
            buf = p;
            cap = need;
        }
        for (int32_t y = 0; y < fr.height; y++)
            memcpy(buf + (size_t)y * row, fr.rgb + (size_t)y * (size_t)fr.stride, row);
        gs_image img = {buf, fr.width, fr.height, (int32_t)row};
        int32_t m = fr.width < fr.height ? fr.width : fr.height;
        int thick = m / 250 > 2 ? m / 250 : 2;
        const gs_pose_frame *f = fr.index < t->n_frames ? &t->frames[fr.index] : NULL;
        if (f && f->has_kp) {
            if (moved(f))
                draw_skeleton(&img, f->raw, thick, 1);
            draw_skeleton(&img, f->kp, thick, 0);
        }
        snprintf(label, sizeof(label), "frame %lld  t %.3f s  score %.2f%s%s%s",
                 (long long)fr.index, fr.t_s, f ? (double)f->score : 0.0,
                 f && (f->flags & GS_POSE_FLAG_SWAP_FIXED) ? "  swap-fixed" : "",
                 f && (f->flags & GS_POSE_FLAG_GAP_FILLED) ? "  gap-filled" : "",
                 f && !f->has_kp ? "  no person" : "");
        float ts = (float)m / 900.0f;
        if (ts < 0.45f)
            ts = 0.45f;
        gs_cv_rect_fill(&img, 0, 0, (float)fr.width, 30.0f * ts + 8, (gs_rgb){0, 0, 0}, 0.5f);
        gs_cv_text(&img, label, 6, 24.0f * ts + 4, ts, (gs_rgb){255, 255, 255}, 1, 1.0f);
        snprintf(path, sizeof(path), "%s/frame_%06lld.png", dir, (long long)fr.index);
        rc = gs_png_write_rgb(path, buf, fr.width, fr.height, (int32_t)row, err);
        if (rc != GS_OK)
            goto done;
        written++;
    }
done:
    if (n_written)
        *n_written = written;
    free(buf);
    gs_decoder_free(&d);
    return rc;
}
