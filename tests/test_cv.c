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
    png_files_decode_to_the_same_pixels();
    return gs_test_finish("test_cv", 0);
}
