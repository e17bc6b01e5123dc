/* gaitscope frames VIDEO --every N -o DIR: upright frames as PNG, for a first look at a clip. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cv.h"
#include "video.h"

static const char frames_usage[] =
    "usage: gaitscope frames VIDEO -o DIR [--every N] [--start S] [--end S] [--threads N]\n"
    "                        [--force] [--quiet]\n"
    "Writes every Nth decoded frame (default 10) as DIR/frame_NNNNNN.png, upright (phone\n"
    "rotation applied). The number is the frame's index in the clip. DIR must not exist or be\n"
    "empty unless --force is given.\n";

int gs_cli_frames(int argc, char **argv)
{
    const char *path = NULL, *outdir = NULL;
    int every = 10, force = 0, quiet = 0;
    gs_decoder_options opt = {0};
    gs_error err = {0};
    gs_decoder *dec = NULL;
    gs_cli_progress prog;
    int code = GS_EXIT_OK;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(frames_usage, stdout);
            return GS_EXIT_OK;
        } else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && i + 1 < argc) {
            outdir = argv[++i];
        } else if (!strcmp(a, "--every") && i + 1 < argc) {
            if (gs_cli_parse_int(a, argv[++i], &every))
                return GS_EXIT_USAGE;
            if (every < 1)
                return gs_cli_usage_error("--every: must be >= 1");
        } else if (!strcmp(a, "--start") && i + 1 < argc) {
            if (gs_cli_parse_double(a, argv[++i], &opt.start_s))
                return GS_EXIT_USAGE;
            if (opt.start_s < 0)
                return gs_cli_usage_error("--start: must be >= 0 seconds");
        } else if (!strcmp(a, "--end") && i + 1 < argc) {
            if (gs_cli_parse_double(a, argv[++i], &opt.end_s))
                return GS_EXIT_USAGE;
            if (opt.end_s <= 0)
                return gs_cli_usage_error("--end: must be > 0 seconds");
        } else if (!strcmp(a, "--threads") && i + 1 < argc) {
            if (gs_cli_parse_int(a, argv[++i], &opt.n_threads))
                return GS_EXIT_USAGE;
            if (opt.n_threads < 1)
                return gs_cli_usage_error("--threads: must be >= 1");
        } else if (!strcmp(a, "--force")) {
            force = 1;
        } else if (!strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            return gs_cli_usage_error("frames: unknown option '%s' (see gaitscope frames --help)",
                                      a);
        } else if (!path) {
            path = a;
        } else {
            return gs_cli_usage_error("frames: more than one video given");
        }
    }
    if (!path || !outdir)
        return gs_cli_usage_error("frames: need VIDEO and -o DIR (see gaitscope frames --help)");
    if (opt.end_s > 0 && opt.end_s <= opt.start_s)
        return gs_cli_usage_error("frames: --end must be after --start");

    if (gs_decoder_open(path, &opt, &dec, &err) != GS_OK)
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
                opt.start_s > 0 ? " in the given time range" : "");
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
