/* gaitscope probe VIDEO [--json]: what the decoder sees in a clip. */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "opts.h"
#include "video.h"

typedef struct probe_args {
    const char *video;
    int json, quiet;
    gs_decoder_options dec;
} probe_args;

/* clang-format off */
static const gs_cli_opt probe_opts[] = {
    {.like = &gs_cli_opt_video, GS_CLI_AT(probe_args, video)},
    {.name = "--json", .kind = GS_CLI_FLAG, GS_CLI_AT(probe_args, json),
     .help = "print one JSON object instead of the text"},
    {.like = &gs_cli_opt_slowmo, GS_CLI_AT(probe_args, dec.slowmo)},
    {.like = &gs_cli_opt_capture_fps, GS_CLI_AT(probe_args, dec.capture_fps)},
    {.like = &gs_cli_opt_threads, GS_CLI_AT(probe_args, dec.n_threads), .help = "decoder threads"},
    {.like = &gs_cli_opt_quiet, GS_CLI_AT(probe_args, quiet), .help = "no progress bar"},
};
/* clang-format on */

static const gs_cli_spec probe_spec = GS_CLI_SPEC(
    "probe", probe_args, probe_opts,
    "Decodes the whole video stream and prints: codec, size as displayed (rotation applied),\n"
    "rotation (and mirroring), nominal and measured fps, VFR or not, frame count, stream duration, time scale.\n");

int gs_cli_probe(int argc, char **argv)
{
    probe_args a = {0};
    gs_error err = {0};
    gs_video_scan_result r;
    gs_cli_progress prog;
    int go = gs_cli_parse(&probe_spec, argc, argv, &a);
    if (go != GS_CLI_GO)
        return go;
    const char *path = a.video;
    gs_cli_progress_init(&prog, a.quiet);
    gs_status rc = gs_video_scan(path, &a.dec, &r, gs_cli_progress_cb, &prog, &err);
    gs_cli_progress_done(&prog);
    if (rc != GS_OK)
        return gs_cli_report(&err);
    const gs_video_info *in = &r.info;
    double dur = in->duration_s;
    if (a.json) {
        cJSON *o = cJSON_CreateObject();
        const char *slash = strrchr(path, '/');
        cJSON_AddStringToObject(o, "file", slash ? slash + 1 : path);
        cJSON_AddStringToObject(o, "codec", in->codec);
        cJSON_AddNumberToObject(o, "width", in->width);
        cJSON_AddNumberToObject(o, "height", in->height);
        cJSON_AddNumberToObject(o, "coded_width", in->coded_width);
        cJSON_AddNumberToObject(o, "coded_height", in->coded_height);
        cJSON_AddNumberToObject(o, "rotation_deg", in->rotation_deg);
        cJSON_AddBoolToObject(o, "mirrored", in->mirrored);
        cJSON_AddNumberToObject(o, "fps_nominal", in->fps_nominal);
        cJSON_AddNumberToObject(o, "fps_measured", r.fps_measured);
        cJSON_AddBoolToObject(o, "vfr", r.vfr);
        cJSON_AddNumberToObject(o, "min_interval_ms", 1000 * r.min_dt_s);
        cJSON_AddNumberToObject(o, "max_interval_ms", 1000 * r.max_dt_s);
        cJSON_AddNumberToObject(o, "frames", (double)r.frames);
        cJSON_AddNumberToObject(o, "duration_s", dur);
        cJSON_AddNumberToObject(o, "first_t_s", r.first_t_s);
        cJSON_AddNumberToObject(o, "last_t_s", r.last_t_s);
        cJSON_AddNumberToObject(o, "capture_fps", in->capture_fps);
        cJSON_AddNumberToObject(o, "time_scale", in->time_scale);
        cJSON_AddStringToObject(o, "time_scale_source", in->time_scale_source);
        cJSON_AddBoolToObject(o, "truncated", r.truncated);
        cJSON_AddNumberToObject(o, "dropped_timestamps", (double)r.decode.dropped_time);
        cJSON_AddNumberToObject(o, "segments", r.decode.segments);
        cJSON_AddNumberToObject(o, "segment_shift_s", r.decode.shift_s);
        cJSON_AddNumberToObject(o, "bad_packets", (double)r.decode.bad_packets);
        char *s = cJSON_Print(o);
        cJSON_Delete(o);
        if (!s) {
            gs_fail(&err, GS_ERR_NOMEM, "%s: out of memory", path);
            return gs_cli_report(&err);
        }
        puts(s);
        cJSON_free(s);
    } else {
        printf("file:        %s\n", path);
        printf("codec:       %s\n", in->codec);
        printf("size:        %dx%d as displayed (stored %dx%d, rotation %d deg%s)\n", in->width,
               in->height, in->coded_width, in->coded_height, in->rotation_deg,
               in->mirrored ? ", then mirrored" : "");
        printf("fps:         %.3f nominal, %.3f measured, %s (intervals %.1f-%.1f ms)\n",
               in->fps_nominal, r.fps_measured, r.vfr ? "variable (VFR)" : "constant",
               1000 * r.min_dt_s, 1000 * r.max_dt_s);
        printf("frames:      %lld\n", (long long)r.frames);
        printf("duration:    %.3f s (video stream)\n", dur);
        if (in->capture_fps > 0)
            printf("capture fps: %.3f (from file metadata)\n", in->capture_fps);
        printf("time scale:  %.4f (%s)\n", in->time_scale, in->time_scale_source);
        /* The decoder's timestamp policy (video.h): what every later stage will not see. */
        if (r.decode.dropped_time > 0)
            printf("timestamps:  %lld frames dropped (time not after the previous frame's)\n",
                   (long long)r.decode.dropped_time);
        if (r.decode.segments > 1)
            printf("segments:    %d (clock jumped back %d times; later frames shifted by "
                   "%+.3f s to continue)\n",
                   (int)r.decode.segments, (int)r.decode.segments - 1, r.decode.shift_s);
        if (r.decode.bad_packets > 0)
            printf("damaged:     %lld packets or frames skipped\n",
                   (long long)r.decode.bad_packets);
    }
    if (r.truncated) {
        /* What was decoded is described above; the damaged file is still an error. */
        if (in->frames_estimate > 0)
            gs_fail(&err, GS_ERR_FORMAT, "%s: truncated file: %lld of %lld frames decodable",
                    path, (long long)r.frames, (long long)in->frames_estimate);
        else
            gs_fail(&err, GS_ERR_FORMAT, "%s: truncated file: %lld frames decodable", path,
                    (long long)r.frames);
        return gs_cli_report(&err);
    }
    return GS_EXIT_OK;
}
