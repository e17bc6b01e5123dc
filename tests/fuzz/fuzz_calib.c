/*
 * libFuzzer target for the camera profile a user passes with --camera (gs_calib_profile_parse)
 * and the --scale-line value (gs_calib_scale_line_parse). A profile that parses is applied as
 * analyze applies it: written back and read again (gs_calib_profile_write / _read must agree),
 * then a made 1 s track of the profile's frame size is undistorted with it
 * (gs_calib_undistort_track: OpenCV's iterative undistortion on any coefficients the reader
 * lets through) and a scale is taken from a line across the picture (gs_calib_scale_from_line).
 * The first byte picks the input: 'L' a scale line (the rest, up to a NUL), else a profile.
 * Any input must end in GS_OK or a one-line error: no crash (ASan, UBSan with the float checks),
 * no hang, no leak, no landmark made non-finite by the undistortion.
 * Run e.g. `fuzz_calib -max_total_time=60 tests/fuzz/corpus_calib` (scripts/fuzz.sh runs it).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calib.h"
#include "fuzz_util.h"
#include "gen_track.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A made 1 s track, generated once (the target's own cache, not library state). */
static const gs_pose_track *base_track(void)
{
    static gs_pose_track *base;
    if (!base) {
        gs_gen_params p;
        gs_error err;
        gs_gen_defaults(&p);
        p.fps = 10;
        p.duration_s = 1;
        if (gs_gen_track(&p, &base, &err) != GS_OK)
            abort();
    }
    return base;
}

/* The made track moved into a w x h picture and undistorted with profile p. */
static void undistort(const gs_calib_profile *p)
{
    const gs_pose_track *b = base_track();
    gs_pose_track *t = NULL;
    gs_error err = {0};
    int32_t failed = 0;
    if (gs_pose_track_copy(b, &t, &err) != GS_OK)
        return;
    t->width = p->cam.width;
    t->height = p->cam.height;
    double sx = (double)t->width / (b->width > 0 ? b->width : 1);
    double sy = (double)t->height / (b->height > 0 ? b->height : 1);
    for (int32_t i = 0; i < t->n_frames; i++)
        for (int k = 0; k < GS_POSE_NKP; k++) {
            t->frames[i].kp[k].x = (float)(t->frames[i].kp[k].x * sx);
            t->frames[i].kp[k].y = (float)(t->frames[i].kp[k].y * sy);
        }
    gs_status rc = gs_calib_undistort_track(t, p, "fuzz.json", &failed, &err);
    fuzz_check_error(rc, &err);
    for (int32_t i = 0; rc == GS_OK && i < t->n_frames; i++)
        for (int k = 0; t->frames[i].has_kp && k < GS_POSE_NKP; k++)
            if (!isfinite(t->frames[i].kp[k].x) || !isfinite(t->frames[i].kp[k].y)) {
                fprintf(stderr, "frame %d landmark %d not finite after undistortion\n", (int)i, k);
                abort();
            }
    gs_pose_track_free(&t);
}

static void profile(const uint8_t *data, size_t size)
{
    gs_calib_profile p, back;
    gs_error err = {0};
    char path[64];
    gs_status rc = gs_calib_profile_parse((const char *)data, size, "fuzz.json", &p, &err);
    fuzz_check_error(rc, &err);
    if (rc != GS_OK)
        return;
    snprintf(path, sizeof(path), "/dev/shm/fuzz_calib_%d.json", (int)getpid());
    rc = gs_calib_profile_write(path, &p, &err);
    fuzz_check_error(rc, &err);
    if (rc == GS_OK) {
        rc = gs_calib_profile_read(path, &back, &err);
        if (rc != GS_OK) { /* what the writer wrote, the reader must take */
            fprintf(stderr, "profile written, not read back: %s\n", err.msg);
            abort();
        }
    }
    unlink(path);
    undistort(&p);
    /* a 1 m line across the middle of the picture, as --scale-line gives one */
    gs_calib_scale_line line = {0.1 * p.cam.width, 0.5 * p.cam.height, 0.9 * p.cam.width,
                                0.5 * p.cam.height, 1.0};
    gs_calib_scale scale;
    rc = gs_calib_scale_from_line(&line, p.cam.width, p.cam.height, &p, 0, &scale, &err);
    fuzz_check_error(rc, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 1 && data[0] == 'L') {
        char s[256];
        size_t n = size - 1 < sizeof(s) - 1 ? size - 1 : sizeof(s) - 1;
        gs_calib_scale_line line;
        gs_error err = {0};
        memcpy(s, data + 1, n);
        s[n] = '\0';
        fuzz_check_error(gs_calib_scale_line_parse(s, &line, &err), &err);
        return 0;
    }
    profile(data, size);
    return 0;
}
