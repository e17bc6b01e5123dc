/*
 * gaitscope html: the building blocks of the self-contained pages (report.html, comparison.html,
 * the service's pages) and of the plain-text plan: a growing text buffer, HTML escaping, number
 * formatting, and inline SVG charts (a curve over the gait cycle, a metric across sessions).
 *
 * It depends on nothing but libc and libm, so every module that writes text can use it without
 * taking on the pipeline (nkt, report, compare, serve all do).
 */
#ifndef GS_HTML_H
#define GS_HTML_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- text buffer (html.c) ---- */

/** A growing text buffer. Zero-initialise; the caller frees p with free(). */
typedef struct gs_html_buf {
    char *p;       /* NUL-terminated text, n bytes (NULL until the first write) */
    size_t n, cap; /* bytes used and allocated */
    int oom;       /* set once an allocation failed; later writes are dropped */
} gs_html_buf;

/** Appends len bytes of s (sets oom on out of memory). */
void gs_html_put(gs_html_buf *b, const char *s, size_t len);
/** Appends the string s as it is (trusted HTML, or plain text). */
void gs_html_puts(gs_html_buf *b, const char *s);
/** Appends printf-formatted text as it is (trusted HTML, or plain text). */
void gs_html_printf(gs_html_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Appends s with the five HTML-special characters escaped (text or attribute value). */
void gs_html_esc(gs_html_buf *b, const char *s);

/**
 * Formats v with dec decimals into dst (n bytes) and returns dst: "&ndash;" for a value that is
 * not finite, and no "-0.0" (a value that rounds to zero prints as zero).
 */
const char *gs_html_num(char *dst, size_t n, double v, int dec);
/** As gs_html_num(), with a "+" in front of a positive value that does not round to zero. */
const char *gs_html_num_signed(char *dst, size_t n, double v, int dec);

/* ---- a curve over the gait cycle (html_plot.c) ---- */

/**
 * The axes of one curve plot: x is 0-100 % of the stride, y is lo..hi in steps of step (degrees
 * for the angle curves). Geometry in SVG user units (a 420 x 230 viewBox that scales with the
 * page); y_top and y_bottom are the plot area's edges, for callers drawing their own marks.
 */
typedef struct gs_html_plot {
    double lo, hi, step;
    double y_top, y_bottom;
} gs_html_plot;

/**
 * Sets the y axis for data spanning [lo, hi] widened to take in [with_lo, with_hi] (pass
 * INFINITY, -INFINITY for nothing): at least 4 units, rounded out to a step of 1, 2 or 5 times
 * a power of ten giving about five grid lines. Returns 0 when lo..hi is empty, not finite or
 * wider than 1e4 (corrupt data, not a plot: draw nothing), else 1.
 */
int gs_html_plot_fit(gs_html_plot *p, double lo, double hi, double with_lo, double with_hi);
/** SVG x of pct % of the stride. */
double gs_html_plot_x(const gs_html_plot *p, double pct);
/** SVG y of value v. */
double gs_html_plot_y(const gs_html_plot *p, double v);
/** Opens the <svg> element; label (escaped here) is its accessible name. */
void gs_html_plot_begin(gs_html_buf *b, const gs_html_plot *p, const char *label);
/** The grid with the y labels, the x labels every 20 % and the x axis title. */
void gs_html_plot_axes(gs_html_buf *b, const gs_html_plot *p);
/**
 * A shaded band mean +- sd over n points spread evenly over 0-100 % (points where either is
 * not finite are left out), in colour at 16 % opacity.
 */
void gs_html_plot_band(gs_html_buf *b, const gs_html_plot *p, int n, const double *mean,
                       const double *sd, const char *colour);
/**
 * The line through n points spread evenly over 0-100 % (broken where a value is not finite);
 * attrs (trusted, may be "") is added to the path, e.g. " stroke-dasharray=\"6 3\"".
 */
void gs_html_plot_line(gs_html_buf *b, const gs_html_plot *p, int n, const double *v,
                       const char *colour, const char *attrs);
/** The plot area's frame and the closing </svg>. */
void gs_html_plot_end(gs_html_buf *b, const gs_html_plot *p);

/* ---- a metric across sessions (html_series.c) ---- */

/**
 * Appends an SVG line chart of one metric over n sessions: labels[i] under point i (may be
 * NULL), left and right per-side series (NAN = not measured); right NULL draws left as one
 * series. Text is escaped.
 */
void gs_html_series_svg(gs_html_buf *b, const char *title, const char *unit, int n,
                        const char *const *labels, const double *left, const double *right);
/**
 * As gs_html_series_svg, with a value axis at least min_span wide (centred on the values, not
 * below 0 when none is): a change far smaller than the metric's minimal change then looks small
 * instead of filling the chart. min_span <= 0: the axis fits the values.
 */
void gs_html_series_svg_span(gs_html_buf *b, const char *title, const char *unit, int n,
                             const char *const *labels, const double *left,
                             const double *right, double min_span);

#ifdef __cplusplus
}
#endif
#endif /* GS_HTML_H */
