/* gaitscope frames VIDEO --every N -o DIR: upright frames as PNG, for a first look at a clip. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cv.h"
#include "opts.h"
#include "video.h"

typedef struct frames_args {
    const char *video, *outdir;
    int every, force, quiet;
    gs_decoder_options dec;
} frames_args;

/* clang-format off */
static const gs_cli_opt frames_opts[] = {
    {.like = &gs_cli_opt_video, GS_CLI_AT(frames_args, video)},
    {.like = &gs_cli_opt_output, GS_CLI_AT(frames_args, outdir), .required = 1,
     .help = "folder for the PNGs (created if missing)"},
    {.like = &gs_cli_opt_every, GS_CLI_AT(frames_args, every), .help = "write every Nth frame"},
    {.like = &gs_cli_opt_start, GS_CLI_AT(frames_args, dec.start_s)},
    {.like = &gs_cli_opt_end, GS_CLI_AT(frames_args, dec.end_s)},
    {.like = &gs_cli_opt_threads, GS_CLI_AT(frames_args, dec.n_threads), .help = "decoder threads"},
    {.like = &gs_cli_opt_force, GS_CLI_AT(frames_args, force), .help = "overwrite existing PNGs"},
    {.like = &gs_cli_opt_quiet, GS_CLI_AT(frames_args, quiet)},
};
/* clang-format on */

static const gs_cli_spec frames_spec = GS_CLI_SPEC(
    "frames", frames_args, frames_opts,
    "Writes every Nth decoded frame upright (phone rotation applied) as DIR/frame_NNNNNN.png,\n"
    "NNNNNN the frame's index in the clip, or, with --start, counted from the first frame at or\n"
    "after S (the decoder seeks, so earlier frames are not counted; the same numbering as\n"
    "`gaitscope pose --start S`); existing frames are kept unless --force is given.\n");

int gs_cli_frames(int argc, char **argv)
{
    frames_args a = {.every = 10};
    gs_error err = {0};
    gs_decoder *dec = NULL;
    gs_cli_progress prog;
    int code = GS_EXIT_OK;
    int go = gs_cli_parse(&frames_spec, argc, argv, &a);
    if (go != GS_CLI_GO)
        return go;
    const char *path = a.video, *outdir = a.outdir;
    const int every = a.every, force = a.force, quiet = a.quiet;

    if (gs_decoder_open(path, &a.dec, &dec, &err) != GS_OK)
        return gs_cli_report(&err);
    char first[4200];
    snprintf(first, sizeof(first), "%s/frame_%06d.png", outdir, 0);
    if (!force && gs_path_exists(first)) {
        gs_fail(&err, GS_ERR_EXISTS, "%s: output exists (use --force to overwrite)", outdir);
        code = gs_cli_report(&err);
        goto done;
    }
    if (gs_mkdir_p(outdir, &err) != GS_OK) {
        code = gs_cli_report(&err);
        goto done;
    }
    gs_cli_progress_init(&prog, quiet);
    const gs_video_info *in = gs_decoder_info(dec);
    int64_t written = 0, decoded = 0;
    double t0 = gs_now_s();
    gs_frame f;
    gs_status rc;
    while ((rc = gs_decoder_next(dec, &f, &err)) == GS_OK) {
        decoded++;
        gs_cli_progress_cb(&prog, "frames", decoded, in->frames_estimate > 0 ? in->frames_estimate : 0);
        if (f.index % every)
            continue;
        char png[4200];
        snprintf(png, sizeof(png), "%s/frame_%06lld.png", outdir, (long long)f.index);
        if (!force && gs_path_exists(png)) {
            gs_fail(&err, GS_ERR_EXISTS, "%s: output exists (use --force to overwrite)", png);
            rc = GS_ERR_EXISTS;
            break;
        }
        rc = gs_png_write_rgb(png, f.rgb, f.width, f.height, f.stride, &err);
        if (rc != GS_OK)
            break;
        written++;
    }
    gs_cli_progress_done(&prog);
    if (rc != GS_END) {
        code = gs_cli_report(&err);
        goto done;
    }
    if (decoded == 0) {
        gs_fail(&err, GS_ERR_FORMAT, "%s: no frames decoded%s", path,
                a.dec.start_s > 0 ? " in the given time range" : "");
        code = gs_cli_report(&err);
        goto done;
    }
    if (gs_decoder_truncated(dec)) {
        /* The frames that could be decoded are written; the damaged file is still an error. */
        gs_fail(&err, GS_ERR_FORMAT, "%s: truncated file: %lld frames decodable, %lld PNGs written",
                path, (long long)decoded, (long long)written);
        code = gs_cli_report(&err);
        goto done;
    }
    if (!quiet) {
        double el = gs_now_s() - t0;
        fprintf(stderr, "gaitscope: wrote %lld PNG frames of %lld (%dx%d) to %s; %.1f frames/s\n",
                (long long)written, (long long)decoded, in->width, in->height, outdir,
                el > 0 ? (double)decoded / el : 0.0);
    }
done:
    gs_decoder_free(&dec);
    return code;
}
