/* PNG output through stb_image_write's callback API, so that I/O errors are seen. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <stb_image_write.h>

#include "cv.h"

typedef struct png_sink {
    FILE *f;
    int failed; /* a short write happened */
    int err_no;
} png_sink;

static void sink_write(void *ctx, void *data, int size)
{
    png_sink *s = ctx;
    if (s->failed || size <= 0)
        return;
    if (fwrite(data, 1, (size_t)size, s->f) != (size_t)size) {
        s->failed = 1;
        s->err_no = errno;
    }
}

void gs_png_process_init(void)
{
    /* stb_image_write.h: stbi_zlib_compress raises any level below 5 to 5 (its hash chains hold
     * 2 x level entries); filter 4 is PNG's Paeth predictor (PNG spec section 9.4) */
    stbi_write_png_compression_level = 5;
    stbi_write_force_png_filter = 4;
}

gs_status gs_png_write_rgb(const char *path, const uint8_t *rgb, int32_t width, int32_t height,
                           int32_t stride, gs_error *err)
{
    if (!rgb || width <= 0 || height <= 0 || stride < 3 * width)
        return gs_fail(err, GS_ERR_ARG, "%s: empty image", path);
    char tmp[4200];
    png_sink s = {gs_file_atomic_open(path, tmp, sizeof(tmp), err), 0, 0};
    if (!s.f)
        return err ? err->code : GS_ERR_IO;
    int ok = stbi_write_png_to_func(sink_write, &s, width, height, 3, rgb, stride);
    if (!ok || s.failed) {
        gs_file_atomic_close(s.f, tmp, path, 0, NULL);
        if (!ok)
            return gs_fail(err, GS_ERR_NOMEM, "%s: PNG encoding failed", path);
        return gs_fail(err, GS_ERR_IO, "%s: write failed: %s", path, strerror(s.err_no));
    }
    return gs_file_atomic_close(s.f, tmp, path, 1, err); /* complete or absent */
}
