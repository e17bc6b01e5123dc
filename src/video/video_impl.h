/* Internals of src/video shared between its files; not for use outside src/video. */
#ifndef GS_VIDEO_IMPL_H
#define GS_VIDEO_IMPL_H

#include <stddef.h>

#include <libavutil/error.h>

#include "video.h"

/* Opens a decoder; no_rgb = 1 skips colour conversion (timestamps only). */
gs_status gs_video__open(const char *path, const gs_decoder_options *opt, int no_rgb,
                         gs_decoder **out, gs_error *err);

/* FFmpeg's error text for e in buf (av_err2str is a compound-literal macro); returns buf. */
const char *gs_video__averr(int e, char buf[AV_ERROR_MAX_STRING_SIZE]);

/* Fills fps_measured, min_dt_s, max_dt_s and vfr of out from n presentation times (seconds,
 * increasing); tick_s is the stream's time base in seconds (timestamp resolution). */
void gs_video__interval_stats(const double *t, size_t n, double tick_s,
                              gs_video_scan_result *out);

#endif
