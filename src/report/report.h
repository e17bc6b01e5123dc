/*
 * gaitscope report stage: what people look at. So far: PNG output of RGB images through
 * stb_image_write (with checked I/O, which stbi_write_png itself does not do).
 */
#ifndef GS_REPORT_H
#define GS_REPORT_H

#include <stdint.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Writes an 8-bit RGB image (height rows of stride bytes) as PNG to path. Every write and the
 * close are checked: GS_ERR_IO names the path and the reason; GS_ERR_NOMEM when encoding fails.
 */
gs_status gs_png_write_rgb(const char *path, const uint8_t *rgb, int32_t width, int32_t height,
                           int32_t stride, gs_error *err);

#ifdef __cplusplus
}
#endif
#endif /* GS_REPORT_H */
