/*
 * gaitscope cv: a thin C API over OpenCV (4.6) for image geometry and drawing. This folder is
 * the only place that includes OpenCV headers. Images are plain RGB8 or float buffers owned by
 * the caller; nothing here allocates per call except where stated.
 */
#ifndef GS_CV_H
#define GS_CV_H

#include <stdint.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A borrowed 8-bit RGB image: height rows of stride bytes, width*3 of them used. */
typedef struct gs_image {
    uint8_t *data;
    int32_t width, height; /* pixels */
    int32_t stride;        /* bytes per row, >= 3*width */
} gs_image;

/*
 * Coordinates are continuous pixels: pixel column i spans [i, i+1) and its centre is i + 0.5,
 * as MediaPipe's normalized coordinates multiplied by the image size.
 */

/** An RGB colour, 0..255 per channel. */
typedef struct gs_rgb {
    uint8_t r, g, b;
} gs_rgb;

/**
 * A rotated rectangle in image pixels: centre, size and rotation in radians (counter-clockwise
 * positive in the mathematical sense; with y down this turns the rectangle clockwise on screen,
 * as MediaPipe's NormalizedRect.rotation does).
 */
typedef struct gs_rot_rect {
    float cx, cy;          /* centre, pixels */
    float width, height;   /* size, pixels */
    float rotation;        /* radians */
} gs_rot_rect;

/** Sets OpenCV's own worker-thread count (0 = no OpenCV threads) so it does not fight ours. */
void gs_cv_set_threads(int n);

/**
 * Samples the rotated rectangle r of src into a dst_w x dst_h float RGB crop (NHWC, values
 * src/255 * scale + offset, e.g. scale 1 offset 0 for [0,1], scale 2 offset -1 for [-1,1]), with
 * bilinear interpolation; outside the image: border replicate (border_zero = 0) or zero
 * (border_zero = 1, zero before scaling). If m_out is not NULL it receives the 2x3 affine matrix
 * mapping crop pixel (u, v) to image pixel (x, y): x = m[0]u + m[1]v + m[2], y = m[3]u + m[4]v +
 * m[5]. GS_ERR_ARG for empty sizes.
 */
gs_status gs_cv_warp_rect_to_float(const gs_image *src, const gs_rot_rect *r, int32_t dst_w,
                                   int32_t dst_h, float scale, float offset, int border_zero,
                                   float *dst, double m_out[6], gs_error *err);

/** Resizes src into dst (both allocated by the caller) with area/bilinear interpolation. */
gs_status gs_cv_resize(const gs_image *src, gs_image *dst, gs_error *err);

/**
 * Drawing on an RGB image, anti-aliased, with opacity alpha in [0, 1] (OpenCV 4.6 draws opaque
 * only, so alpha < 1 blends a drawn copy of the touched region back). Coordinates in pixels;
 * thickness in pixels. Text is ASCII (OpenCV's Hershey fonts have no degree sign); scale 1.0
 * is about 22 px high.
 */
void gs_cv_line(gs_image *img, float x0, float y0, float x1, float y1, gs_rgb c, int thickness,
                float alpha);
void gs_cv_circle(gs_image *img, float x, float y, float radius, gs_rgb c, int thickness_or_fill,
                  float alpha); /* thickness_or_fill < 0: filled */
void gs_cv_text(gs_image *img, const char *ascii, float x, float y, float scale, gs_rgb c,
                int thickness, float alpha); /* (x, y): bottom-left of the text */
void gs_cv_polygon_fill(gs_image *img, const float *xy, int n_points, gs_rgb c, float alpha);
void gs_cv_rect_fill(gs_image *img, float x0, float y0, float x1, float y1, gs_rgb c,
                     float alpha);
/** Gaussian blur of an axis-aligned box (clipped to the image), for --blur-faces. */
void gs_cv_blur_box(gs_image *img, int32_t x0, int32_t y0, int32_t x1, int32_t y1);
/** Width and height in pixels that gs_cv_text would cover. */
void gs_cv_text_size(const char *ascii, float scale, int thickness, int32_t *w, int32_t *h);

/**
 * Writes an 8-bit RGB image (height rows of stride bytes) as PNG to path through stb_image_write
 * (png.c). Every write and the close are checked: GS_ERR_IO names the path and the reason;
 * GS_ERR_NOMEM when encoding fails.
 */
gs_status gs_png_write_rgb(const char *path, const uint8_t *rgb, int32_t width, int32_t height,
                           int32_t stride, gs_error *err);

#ifdef __cplusplus
}
#endif
#endif /* GS_CV_H */
