/*
 * libFuzzer target for our side of video decoding (src/video): a clip a user uploads can be any
 * bytes, and FFmpeg's demuxers and decoders hand our wrapper whatever timestamps, sizes,
 * rotations and damage they find. The input is written to a tmpfs file and read as analyze
 * reads a clip: gs_decoder_open (at most 64 px tall, as a small overlay pass), up to 24 frames
 * with gs_decoder_next, a seek back to 0.1 s and one frame more; then gs_video_scan over the
 * whole file (timestamps only, as the probe does). Only our code is instrumented (ASan, UBSan
 * with the float checks); FFmpeg is Debian's.
 * Invariants: GS_OK, GS_END or a one-line error naming the file; frame times finite and
 * strictly increasing; a returned frame has a positive size within 64 px of height and a
 * picture; the scan's counts agree with themselves.
 * Run e.g. `fuzz_video -max_total_time=60 tests/fuzz/corpus_video` (scripts/fuzz.sh runs it).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "video.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_frame(const gs_frame *f, double *last_t)
{
    if (!isfinite(f->t_s) || f->t_s <= *last_t || !f->rgb || f->width <= 0 || f->height <= 0 ||
        f->height > 64 || f->stride < 3 * f->width) {
        fprintf(stderr, "frame %lld: t %g (last %g), %dx%d, stride %d\n", (long long)f->index,
                f->t_s, *last_t, (int)f->width, (int)f->height, (int)f->stride);
        abort();
    }
    *last_t = f->t_s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    if (fuzz_write_tmp("video", "bin", data, size, path, sizeof(path)) != 0)
        return 0;
    gs_decoder_options o = {0};
    gs_decoder *dec = NULL;
    gs_error err = {0};
    gs_frame f;
    o.n_threads = 1;
    o.max_height = 64;
    gs_status rc = gs_decoder_open(path, &o, &dec, &err);
    fuzz_check_error(rc, &err);
    if (rc == GS_OK) {
        double last = -INFINITY;
        for (int i = 0; i < 24; i++) {
            rc = gs_decoder_next(dec, &f, &err);
            fuzz_check_error(rc == GS_END ? GS_OK : rc, &err);
            if (rc != GS_OK)
                break;
            check_frame(&f, &last);
        }
        rc = gs_decoder_seek(dec, 0.1, &err);
        fuzz_check_error(rc, &err);
        if (rc == GS_OK) {
            last = -INFINITY;
            rc = gs_decoder_next(dec, &f, &err);
            fuzz_check_error(rc == GS_END ? GS_OK : rc, &err);
            if (rc == GS_OK)
                check_frame(&f, &last);
        }
    }
    gs_decoder_free(&dec);
    gs_video_scan_result s;
    gs_decoder_options so = {0};
    so.n_threads = 1;
    memset(&err, 0, sizeof(err));
    rc = gs_video_scan(path, &so, &s, NULL, NULL, &err);
    fuzz_check_error(rc, &err);
    if (rc == GS_OK && (s.frames < 0 || (s.frames >= 2 && !(s.last_t_s >= s.first_t_s)))) {
        fprintf(stderr, "scan: %lld frames, first %g, last %g\n", (long long)s.frames, s.first_t_s,
                s.last_t_s);
        abort();
    }
    unlink(path);
    return 0;
}
