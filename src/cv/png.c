/*
 * PNG output through stb_image_write (its callback API, so that I/O errors are seen), with
 * zlib doing the deflate. stb_image_write documents STBIW_ZLIB_COMPRESS for this: its own
 * compressor raises any level below 5 to 5 and was the slow part of a key frame; zlib at level 1
 * with run-length matching (Z_RLE), on rows stb has already filtered with the Paeth predictor
 * (PNG spec section 9.4, forced by gs_png_process_init), took 52 ms and 725 kB per 720x1280 key
 * frame where stb's compressor at level 5 took 198 ms and 994 kB (docs/benchmarks.md, issue 19).
 * The implementation of stb_image_write is compiled here, static to this file, so that the hook
 * applies; Debian's libstb-dev provides the header.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "cv.h"

/* stb's compressor hook: a zlib stream (PNG's IDAT format, RFC 1950) of data in memory from
 * malloc (stb frees it with free), or NULL, which stb reports as a failed encoding. */
static unsigned char *png_deflate(unsigned char *data, int data_len, int *out_len, int quality)
{
    z_stream zs;
    unsigned char *out = NULL;
    (void)quality; /* stb passes its own level; ours is fixed above */
    memset(&zs, 0, sizeof(zs));
    if (data_len < 0 || deflateInit2(&zs, 1, Z_DEFLATED, 15, 8, Z_RLE) != Z_OK)
        return NULL;
    uLong cap = deflateBound(&zs, (uLong)data_len);
    if (cap <= (uLong)0x7fffffff)
        out = malloc(cap);
    if (out) {
        zs.next_in = data;
        zs.avail_in = (uInt)data_len;
        zs.next_out = out;
        zs.avail_out = (uInt)cap;
        if (deflate(&zs, Z_FINISH) == Z_STREAM_END) {
            *out_len = (int)zs.total_out;
        } else {
            free(out);
            out = NULL;
        }
    }
    deflateEnd(&zs);
    return out;
}

#define STBIW_ZLIB_COMPRESS png_deflate
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#if defined(__GNUC__)
/* stb declares writers this file does not use (static here): for the whole file, as the
 * compiler reports them at its end */
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wshadow"
#endif
#include <stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

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
    /* the Paeth filter on every row instead of stb's trial of all five per row (30-40 % less
     * CPU for 2 % larger files, docs/benchmarks.md); a setting of stb's, set once */
    stbi_write_force_png_filter = 4;
}

gs_status gs_png_write_rgb(const char *path, const uint8_t *rgb, int32_t width, int32_t height,
                           int32_t stride, gs_error *err)
{
    if (!rgb || width <= 0 || height <= 0 || stride < 3 * width || width > 65535 ||
        height > 65535)
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
