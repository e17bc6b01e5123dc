/*
 * PNG output on zlib, written by us: the PNG specification (W3C, 3rd edition; ISO/IEC 15948)
 * needs only the signature, an IHDR chunk (8-bit RGB, no interlace), the deflated rows each led
 * by its filter type in IDAT chunks, and IEND; every chunk ends with the CRC-32 of its type and
 * data (zlib's crc32). Every row uses the Paeth predictor (filter 4, section 9.4), deflated at
 * level 1 with zlib's run-length strategy (Z_RLE): a 720x1280 key frame took 52 ms and 725 kB
 * of thread CPU and file, where stb_image_write at its lowest level (5) with the same filter
 * took 198 ms and 994 kB (one frame, a development tool, load ~10; docs/benchmarks.md "CPU
 * budget per stage"). Output streams through a 64 kB buffer, one IDAT chunk per buffer, and
 * every write is checked (a full disk is an error, not a short file).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "cv.h"

#define ZBUF (64 * 1024) /* deflate output per IDAT chunk */

typedef struct png_sink {
    FILE *f;
    int failed; /* a short write happened */
    int err_no;
} png_sink;

static void sink_write(png_sink *s, const void *data, size_t n)
{
    if (s->failed || n == 0)
        return;
    if (fwrite(data, 1, n, s->f) != n) {
        s->failed = 1;
        s->err_no = errno;
    }
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* One chunk: length, type, data, CRC-32 of type and data (PNG spec section 5.3). */
static void write_chunk(png_sink *s, const char type[4], const uint8_t *data, size_t n)
{
    uint8_t h[8], t[4];
    uLong crc = crc32(0L, Z_NULL, 0);
    put_u32(h, (uint32_t)n);
    memcpy(h + 4, type, 4);
    crc = crc32(crc, (const Bytef *)type, 4);
    if (n > 0)
        crc = crc32(crc, data, (uInt)n);
    put_u32(t, (uint32_t)crc);
    sink_write(s, h, 8);
    sink_write(s, data, n);
    sink_write(s, t, 4);
}

/* The Paeth predictor of PNG spec section 9.4: of left a, up b and up-left c, the one nearest
 * to a + b - c (ties in that order). */
static int paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Row y of an RGB image as a filtered scanline: filter type 4, then each byte minus the
 * Paeth prediction from its left, upper and upper-left neighbours (0 outside the image). */
static void filter_row(uint8_t *out, const uint8_t *row, const uint8_t *up, size_t n)
{
    out[0] = 4;
    for (size_t x = 0; x < n; x++) {
        int a = x >= 3 ? row[x - 3] : 0, b = up ? up[x] : 0, c = up && x >= 3 ? up[x - 3] : 0;
        out[1 + x] = (uint8_t)(row[x] - paeth(a, b, c));
    }
}

gs_status gs_png_write_rgb(const char *path, const uint8_t *rgb, int32_t width, int32_t height,
                           int32_t stride, gs_error *err)
{
    if (!rgb || width <= 0 || height <= 0 || stride < 3 * width || width > 65535 ||
        height > 65535)
        return gs_fail(err, GS_ERR_ARG, "%s: empty image", path);
    static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    size_t row = (size_t)width * 3;
    uint8_t *line = malloc(row + 1), *zbuf = malloc(ZBUF);
    z_stream zs;
    int z_ok = 0;
    gs_status rc = GS_OK;
    char tmp[4200];
    png_sink s = {NULL, 0, 0};

    memset(&zs, 0, sizeof(zs));
    if (!line || !zbuf ||
        !(z_ok = deflateInit2(&zs, 1, Z_DEFLATED, 15, 8, Z_RLE) == Z_OK)) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    s.f = gs_file_atomic_open(path, tmp, sizeof(tmp), err);
    if (!s.f) {
        rc = err ? err->code : GS_ERR_IO;
        goto done;
    }
    uint8_t ihdr[13] = {0};
    put_u32(ihdr, (uint32_t)width);
    put_u32(ihdr + 4, (uint32_t)height);
    ihdr[8] = 8; /* bits per sample */
    ihdr[9] = 2; /* truecolour RGB; compression, filter method, interlace 0 */
    sink_write(&s, signature, sizeof(signature));
    write_chunk(&s, "IHDR", ihdr, sizeof(ihdr));
    zs.next_out = zbuf;
    zs.avail_out = ZBUF;
    for (int32_t y = 0; y < height && rc == GS_OK; y++) {
        const uint8_t *r = rgb + (size_t)y * (size_t)stride;
        filter_row(line, r, y > 0 ? r - stride : NULL, row);
        zs.next_in = line;
        zs.avail_in = (uInt)(row + 1);
        int flush = y == height - 1 ? Z_FINISH : Z_NO_FLUSH;
        for (;;) {
            int zr = deflate(&zs, flush);
            if (zr == Z_STREAM_ERROR) {
                rc = gs_fail(err, GS_ERR_INTERNAL, "%s: PNG compression failed", path);
                break;
            }
            if (zs.avail_out == 0) { /* a full buffer is one IDAT chunk */
                write_chunk(&s, "IDAT", zbuf, ZBUF);
                zs.next_out = zbuf;
                zs.avail_out = ZBUF;
                continue;
            }
            if (flush == Z_FINISH ? zr == Z_STREAM_END : zs.avail_in == 0)
                break;
        }
    }
    if (rc == GS_OK) {
        if (zs.avail_out < ZBUF)
            write_chunk(&s, "IDAT", zbuf, ZBUF - zs.avail_out);
        write_chunk(&s, "IEND", NULL, 0);
        if (s.failed)
            rc = gs_fail(err, GS_ERR_IO, "%s: write failed: %s", path, strerror(s.err_no));
    }
    if (rc == GS_OK)
        rc = gs_file_atomic_close(s.f, tmp, path, 1, err); /* complete or absent */
    else
        gs_file_atomic_close(s.f, tmp, path, 0, NULL);
done:
    if (z_ok)
        deflateEnd(&zs);
    free(line);
    free(zbuf);
    return rc;
}
