/*
 * Tests of src/cv (the OpenCV wrapper): the rotated-rectangle warp samples the right pixels and
 * returns the matching crop->image map, drawing blends with alpha, text and blur touch only
 * their box, and bad arguments are refused.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cv.h"
#include "gs_test.h"

enum { W = 64, H = 48 };

static void fill_ramp(uint8_t *img)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            uint8_t *p = img + ((size_t)y * W + x) * 3;
            p[0] = (uint8_t)(x * 4);
            p[1] = (uint8_t)(y * 5);
            p[2] = 100;
        }
}

static void identity_warp_reproduces_the_image(void)
{
    uint8_t img[W * H * 3];
    fill_ramp(img);
    gs_image src = {img, W, H, 3 * W};
    gs_rot_rect r = {W / 2.0f, H / 2.0f, (float)W, (float)H, 0.0f};
    float out[W * H * 3];
    double m[6];
    gs_error err;
    CHECK_EQ_INT(gs_cv_warp_rect_to_float(&src, &r, W, H, 1.0f, 0.0f, 0, out, m, &err), GS_OK);
    double worst = 0;
    for (int i = 0; i < W * H * 3; i++) {
        double d = fabs(out[i] - img[i] / 255.0);
        worst = d > worst ? d : worst;
    }
    CHECK_NEAR(worst, 0.0, 1e-6);
    CHECK_NEAR(m[0], 1.0, 1e-12);
    CHECK_NEAR(m[2], 0.0, 1e-12);
    CHECK_NEAR(m[5], 0.0, 1e-12);
}

static void rotated_warp_follows_the_rectangle(void)
{
    uint8_t img[W * H * 3];
    fill_ramp(img);
    gs_image src = {img, W, H, 3 * W};
    /* A 20x20 square centred at (30, 20) turned by 90 deg: crop pixel (u, v) centre maps to
     * image x = cx - (v + 0.5 - 10), y = cy + (u + 0.5 - 10), all pixel centres. */
    gs_rot_rect r = {30.0f, 20.0f, 20.0f, 20.0f, (float)(GS_PI / 2)};
    float out[20 * 20 * 3];
    double m[6];
    gs_error err;
    CHECK_EQ_INT(gs_cv_warp_rect_to_float(&src, &r, 20, 20, 2.0f, -1.0f, 0, out, m, &err), GS_OK);
    for (int v = 0; v < 20; v += 7)
        for (int u = 0; u < 20; u += 5) {
            double x = m[0] * (u + 0.5) + m[1] * (v + 0.5) + m[2];
            double y = m[3] * (u + 0.5) + m[4] * (v + 0.5) + m[5];
            CHECK_NEAR(x, 30.0 - (v + 0.5 - 10), 1e-4);
            CHECK_NEAR(y, 20.0 + (u + 0.5 - 10), 1e-4);
            /* Pixel centres land on pixel centres: the sample is the exact source pixel. */
            int ix = (int)floor(x), iy = (int)floor(y);
            const uint8_t *p = img + ((size_t)iy * W + ix) * 3;
            const float *o = out + ((size_t)v * 20 + u) * 3;
            CHECK_NEAR(o[0], p[0] / 255.0 * 2 - 1, 1e-5);
            CHECK_NEAR(o[1], p[1] / 255.0 * 2 - 1, 1e-5);
        }
    /* Outside the image with a zero border gives offset (black). */
    gs_rot_rect off = {-100.0f, -100.0f, 10.0f, 10.0f, 0.0f};
    CHECK_EQ_INT(gs_cv_warp_rect_to_float(&src, &off, 20, 20, 2.0f, -1.0f, 1, out, NULL, &err),
                 GS_OK);
    CHECK_NEAR(out[0], -1.0, 1e-6);
    gs_rot_rect bad = {1, 1, 0, 10, 0};
    CHECK_EQ_INT(gs_cv_warp_rect_to_float(&src, &bad, 20, 20, 1, 0, 0, out, NULL, &err),
                 GS_ERR_ARG);
}

static void drawing_blends_with_alpha_and_stays_in_its_box(void)
{
    static uint8_t img[W * H * 3];
    memset(img, 0, sizeof(img));
    gs_image im = {img, W, H, 3 * W};
    gs_rgb white = {255, 255, 255};
    gs_cv_rect_fill(&im, 10, 10, 30, 30, white, 0.5f);
    const uint8_t *mid = img + ((size_t)20 * W + 20) * 3;
    CHECK_NEAR(mid[0], 128, 2);
    CHECK_EQ_INT(img[((size_t)40 * W + 50) * 3], 0); /* untouched outside */
    gs_cv_circle(&im, 50, 10, 4, white, -1, 1.0f);
    CHECK_EQ_INT(img[((size_t)9 * W + 49) * 3], 255); /* centre pixel of the disc */
    gs_cv_line(&im, 2, 40, 60, 40, (gs_rgb){0, 255, 0}, 2, 1.0f);
    CHECK(img[((size_t)39 * W + 30) * 3 + 1] > 100 || img[((size_t)40 * W + 30) * 3 + 1] > 100);
    /* Off-image and non-finite coordinates are ignored, not a crash. */
    gs_cv_line(&im, -1e9f, 0, 1e9f, NAN, white, 3, 0.5f);
    gs_cv_circle(&im, 1e7f, 1e7f, 5, white, 1, 0.5f);
    int32_t tw = 0, th = 0;
    gs_cv_text_size("knee 42", 1.0f, 1, &tw, &th);
    CHECK(tw > 40 && th > 10);
    static uint8_t canvas[W * H * 3];
    memset(canvas, 0, sizeof(canvas));
    gs_image cv = {canvas, W, H, 3 * W};
    gs_cv_text(&cv, "42", 5, 30, 1.0f, white, 1, 1.0f);
    int lit = 0, lit_outside = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            if (canvas[((size_t)y * W + x) * 3] > 100) {
                lit++;
                if (y > 34 || x > 5 + tw + 2)
                    lit_outside++;
            }
    CHECK(lit > 20);
    CHECK_EQ_INT(lit_outside, 0);
    /* Blur: a sharp edge inside the box softens, pixels outside stay. */
    static uint8_t b[W * H * 3];
    for (int i = 0; i < W * H * 3; i++)
        b[i] = ((i / 3) % W) < W / 2 ? 0 : 255;
    gs_image bi = {b, W, H, 3 * W};
    gs_cv_blur_box(&bi, 16, 0, 48, 24);
    CHECK(b[((size_t)10 * W + 31) * 3] > 20);  /* left of the edge, now lighter */
    CHECK_EQ_INT(b[((size_t)40 * W + 31) * 3], 0); /* below the box: untouched */
}

/*
 * The degree sign (GS_CV_DEGREE) is a ring after the digits, at their top, inside the box
 * gs_cv_text_size measures. At the overlay's label sizes (scale 0.275 to 1.65, the line 1 px
 * below 0.9 and 2 px from there): the sign widens the text by the ring and its space and keeps
 * its height; all ink lies inside the measured width; the ring's ink (lit with the sign, dark
 * without it) lies right of the digits' ink and above their middle (plus the line's width),
 * and from scale 1.1 on it has a hole (a dark pixel with ring on either side on one row).
 */
static void degree_sign_is_a_ring_inside_the_measured_box(void)
{
    static const struct {
        float scale;
        int thick;
    } sizes[] = {{0.275f, 1}, {0.55f, 1}, {0.77f, 1}, {1.1f, 2}, {1.65f, 2}};
    static uint8_t plain[W * H * 3], deg[W * H * 3];
    gs_image ip = {plain, W, H, 3 * W}, id = {deg, W, H, 3 * W};
    const gs_rgb white = {255, 255, 255};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        float sc = sizes[i].scale, x0 = 2, y = 40;
        int thick = sizes[i].thick;
        int32_t w = 0, h = 0, w0 = 0, h0 = 0, wd = 0, hd = 0;
        gs_cv_text_size("14", sc, thick, &w0, &h0);
        gs_cv_text_size("14" GS_CV_DEGREE, sc, thick, &w, &h);
        gs_cv_text_size(GS_CV_DEGREE, sc, thick, &wd, &hd);
        CHECK_EQ_INT(h, h0);
        CHECK_MSG(w > w0 && w - w0 == wd - thick,
                  "scale %.3f: width %d, without the sign %d, the sign alone %d", sc, w, w0, wd);
        memset(plain, 0, sizeof(plain));
        memset(deg, 0, sizeof(deg));
        gs_cv_text(&ip, "14", x0, y, sc, white, thick, 1.0f);
        gs_cv_text(&id, "14" GS_CV_DEGREE, x0, y, sc, white, thick, 1.0f);
        int dx1 = -1, dy0 = H, dy1 = -1, rx0 = W, ry1 = -1, n_ring = 0, outside = 0;
        for (int yy = 0; yy < H; yy++)
            for (int xx = 0; xx < W; xx++) {
                int p = plain[((size_t)yy * W + xx) * 3] > 100,
                    d = deg[((size_t)yy * W + xx) * 3] > 100;
                if (p) {
                    dx1 = xx > dx1 ? xx : dx1;
                    dy0 = yy < dy0 ? yy : dy0;
                    dy1 = yy > dy1 ? yy : dy1;
                }
                outside += d && (xx < x0 - 1 || xx >= x0 + (float)w);
                if (d && !p) {
                    n_ring++;
                    rx0 = xx < rx0 ? xx : rx0;
                    ry1 = yy > ry1 ? yy : ry1;
                }
            }
        CHECK_MSG(outside == 0, "scale %.3f: %d px outside the width", sc, outside);
        CHECK_MSG(n_ring >= 3 && rx0 > dx1 && 2 * ry1 <= dy0 + dy1 + 2 * thick,
                  "scale %.3f line %d: ring %d px from x %d (digits to %d), down to y %d "
                  "(digits %d..%d)",
                  sc, thick, n_ring, rx0, dx1, ry1, dy0, dy1);
        if (sc < 1.0f)
            continue;
        int hole = 0;
        for (int yy = 0; yy < H && !hole; yy++)
            for (int xx = dx1 + 2; xx < W - 1 && !hole; xx++) {
                if (deg[((size_t)yy * W + xx) * 3] > 60)
                    continue;
                int l = 0, r = 0;
                for (int k = dx1 + 1; k < xx; k++)
                    l |= deg[((size_t)yy * W + k) * 3] > 150;
                for (int k = xx + 1; k < W; k++)
                    r |= deg[((size_t)yy * W + k) * 3] > 150;
                hole = l && r;
            }
        CHECK_MSG(hole, "scale %.3f: the ring has no hole", sc);
    }
}

/* issue 19: key frames are PNGs written on zlib (png.c). Lossless: ffmpeg's PNG decoder gives
 * back every byte of a made image (odd width, rows with padding, noise that defeats the
 * predictor, flat runs); a file that cannot be created is GS_ERR_IO naming it. */
static void png_files_decode_to_the_same_pixels(void)
{
    static const struct {
        int32_t w, h, stride;
    } sizes[] = {{37, 23, 37 * 3}, {301, 203, 301 * 3 + 17}};
    for (size_t c = 0; c < sizeof(sizes) / sizeof(sizes[0]); c++) {
        int32_t w = sizes[c].w, h = sizes[c].h, st = sizes[c].stride;
        uint8_t *img = calloc((size_t)st * (size_t)h, 1);
        uint8_t *back = malloc((size_t)w * (size_t)h * 3 + 1);
        uint32_t r = 12345;
        char png[256], raw[256], cmd[1024];
        gs_error err;
        if (!img || !back) {
            CHECK_MSG(0, "out of memory");
            free(img);
            free(back);
            return;
        }
        for (int32_t y = 0; y < h; y++)
            for (int32_t x = 0; x < w * 3; x++) {
                r = r * 1103515245u + 12345u;
                img[(size_t)y * st + x] = y < h / 3    ? (uint8_t)(r >> 24)        /* noise */
                                          : y < h / 2 ? 200                        /* flat */
                                                       : (uint8_t)(x * 7 + y * 3); /* ramp */
            }
        snprintf(png, sizeof(png), "/tmp/test_cv_%d_%d.png", (int)getpid(), (int)c);
        snprintf(raw, sizeof(raw), "/tmp/test_cv_%d_%d.rgb", (int)getpid(), (int)c);
        CHECK_EQ_INT(gs_png_write_rgb(png, img, w, h, st, &err), GS_OK);
        snprintf(cmd, sizeof(cmd),
                 "ffmpeg -v error -y -i '%s' -f rawvideo -pix_fmt rgb24 '%s'", png, raw);
        CHECK_MSG(gs_test_sh(cmd) == 0, "ffmpeg cannot read %s", png);
        FILE *f = fopen(raw, "rb");
        size_t n = f ? fread(back, 1, (size_t)w * (size_t)h * 3 + 1, f) : 0;
        if (f)
            fclose(f);
        CHECK_EQ_INT((int)n, w * h * 3);
        int same = n == (size_t)w * (size_t)h * 3;
        for (int32_t y = 0; same && y < h; y++)
            same = !memcmp(back + (size_t)y * w * 3, img + (size_t)y * st, (size_t)w * 3);
        CHECK_MSG(same, "%dx%d: decoded PNG differs from the image", w, h);
        remove(png);
        remove(raw);
        free(img);
        free(back);
    }
    uint8_t px[3 * 4] = {0};
    gs_error err;
    CHECK_EQ_INT(gs_png_write_rgb("/nonexistent-dir/x.png", px, 2, 2, 6, &err), GS_ERR_IO);
    CHECK(strstr(err.msg, "/nonexistent-dir/x.png") != NULL);
    CHECK_EQ_INT(gs_png_write_rgb("/tmp/x.png", px, 0, 2, 6, &err), GS_ERR_ARG);
}

int main(void)
{
    gs_cv_set_threads(1);
    identity_warp_reproduces_the_image();
    rotated_warp_follows_the_rectangle();
    drawing_blends_with_alpha_and_stays_in_its_box();
    degree_sign_is_a_ring_inside_the_measured_box();
    png_files_decode_to_the_same_pixels();
    return gs_test_finish("test_cv", 0);
}
