/*
 * gaitscope report stage: what people look at. So far: PNG output of RGB images through
 * stb_image_write (with checked I/O, which stbi_write_png itself does not do).
 */
#ifndef GS_REPORT_H
#define GS_REPORT_H

#include <stdint.h>

#include <cjson/cJSON.h>

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

/* --- report.html (report_html.c) --- */

/** What report.html links to and says about itself; all fields optional (zero = none). */
typedef struct gs_report_html_options {
    const char *title;                     /* heading and <title>, e.g. the clip name */
    const char *overlay_href;              /* relative link to overlay.mp4; NULL = no clip */
    const char *const *keyframe_hrefs;     /* relative PNG paths, in display order */
    const char *const *keyframe_captions;  /* one per key frame (entries may be NULL); or NULL */
    int n_keyframes;                       /* entries in keyframe_hrefs (and captions) */
    const char *contact_sheet_href;        /* relative PNG path; NULL = none */
    const char *generated_by;              /* e.g. "gaitscope 0.1.0" */
} gs_report_html_options;

/**
 * Writes report.html to path: one self-contained page (inline CSS and SVG, no script, no
 * network) with the summary and quality warnings, the metrics per side with symmetry index and
 * cited reference ranges (traffic lights), the gait-cycle curves (mean +- SD per side over the
 * published normative bands), the overlay clip and key frames (relative links from opt), the
 * findings with their evidence, candidate muscles, NKT tests and homework, and the sources.
 *
 * analysis is the analysis.json object ("gaitscope.analysis/1", borrowed). It may carry an
 * "error" (string or {code, message}), "warnings" (strings or {message}) and "quality" keys:
 * the page then says prominently what went wrong and shows what could be measured. A NULL or
 * non-object analysis still gives a page saying there is no analysis. Every string from the
 * JSON and from opt is HTML-escaped. opt may be NULL (no links, default title).
 *
 * Returns GS_OK, GS_ERR_ARG (path NULL), GS_ERR_IO (cannot write; the message names the path),
 * GS_ERR_NOMEM.
 */
gs_status gs_report_write_html(const char *path, const cJSON *analysis,
                               const gs_report_html_options *opt, gs_error *err);

#ifdef __cplusplus
}
#endif
#endif /* GS_REPORT_H */
