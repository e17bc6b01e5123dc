/*
 * A metric across sessions as an SVG line chart in report.html's look (its figure.plot class,
 * the overlay's side colours), for the service's athlete page.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "html.h"

/* A step of 1, 2 or 5 times a power of ten giving about five grid lines over range. */
static double step_of(double range)
{
    double raw = range / 5.0, p = pow(10.0, floor(log10(raw))), m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

void gs_html_series_svg(gs_html_buf *b, const char *title, const char *unit, int n,
                        const char *const *labels, const double *left, const double *right)
{
    gs_html_series_svg_span(b, title, unit, n, labels, left, right, 0);
}

void gs_html_series_svg_span(gs_html_buf *b, const char *title, const char *unit, int n,
                             const char *const *labels, const double *left,
                             const double *right, double min_span)
{
    /* left orange, right blue as in report.html and the overlay; one series (right NULL) in
     * the page's dark grey */
    static const char *const colours[2] = {"#d55e00", "#0072b2"};
    const double W = 640, H = 220, L = 48, R = 12, T = 12, B = 34;
    double lo = INFINITY, hi = -INFINITY;
    const double *ser[2] = {left, right};
    for (int s = 0; s < 2; s++)
        for (int i = 0; ser[s] && i < n; i++)
            if (isfinite(ser[s][i])) {
                lo = fmin(lo, ser[s][i]);
                hi = fmax(hi, ser[s][i]);
            }
    gs_html_puts(b, "<figure class=\"plot\"><h3>");
    gs_html_esc(b, title);
    gs_html_puts(b, " <span class=\"mu\">(");
    gs_html_esc(b, unit);
    gs_html_puts(b, ")</span></h3>\n");
    if (!(lo <= hi) || hi - lo > 1e6) {
        gs_html_puts(b, "<p class=\"mu\">Not measured in these sessions.</p></figure>\n");
        return;
    }
    if (min_span > 0 && hi - lo < min_span) {
        double mid = 0.5 * (lo + hi);
        int positive = lo >= 0;
        lo = mid - 0.5 * min_span;
        hi = mid + 0.5 * min_span;
        if (positive && lo < 0) {
            hi -= lo;
            lo = 0;
        }
    }
    if (hi - lo < 1e-9) {
        lo -= 1;
        hi += 1;
    }
    double step = step_of(hi - lo);
    lo = floor(lo / step) * step;
    hi = ceil(hi / step) * step;
#define XS(i) (n > 1 ? L + (double)(i) / (n - 1) * (W - L - R) : 0.5 * (L + W - R))
#define YS(v) (T + (hi - (v)) / (hi - lo) * (H - T - B))
    gs_html_printf(b, "<svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"", W, H);
    gs_html_esc(b, title);
    gs_html_puts(b,
                 " across sessions\" font-size=\"12.5\" font-family=\"system-ui,sans-serif\">\n");
    for (double v = lo; v <= hi + 1e-9 * step; v += step)
        gs_html_printf(b,
                       "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e6ea\"/>"
                       "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#5b6470\">%.*f"
                       "</text>\n",
                       L, W - R, YS(v), YS(v), L - 5, YS(v) + 4, step < 1 ? 1 : 0, v);
    for (int i = 0; i < n; i++) {
        /* at most about eight date labels, the last always; the last ends at the plot's
         * right edge (centred there, a date ran past the SVG and was cut off); a label of the
         * eight closer to it than 110 units (half a date, a date and a space at 12.5 px) is
         * left out: at 40 and 45 sessions the two ran into each other */
        if (labels && labels[i] &&
            (i == n - 1 ||
             (i % ((n + 7) / 8) == 0 && (double)(n - 1 - i) / (n - 1) * (W - L - R) >= 110))) {
            gs_html_printf(b,
                           "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" "
                           "fill=\"#5b6470\">",
                           XS(i), H - 12, n > 1 && i == n - 1 ? "end" : "middle");
            gs_html_esc(b, labels[i]);
            gs_html_puts(b, "</text>\n");
        }
    }
    for (int s = 0; s < 2; s++) {
        if (!ser[s])
            continue;
        const char *col = right ? colours[s] : "#333";
        int open = 0;
        for (int i = 0; i < n; i++) {
            if (!isfinite(ser[s][i])) {
                if (open)
                    gs_html_puts(b, "\"/>\n");
                open = 0;
                continue;
            }
            if (!open)
                gs_html_printf(b,
                               "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                               "points=\"",
                               col);
            gs_html_printf(b, "%.1f,%.1f ", XS(i), YS(ser[s][i]));
            open = 1;
        }
        if (open)
            gs_html_puts(b, "\"/>\n");
        for (int i = 0; i < n; i++)
            if (isfinite(ser[s][i]))
                gs_html_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n",
                               XS(i), YS(ser[s][i]), col);
    }
#undef XS
#undef YS
    gs_html_puts(b, "</svg>");
    if (right)
        gs_html_printf(b,
                       "<figcaption><span style=\"color:%s\">&#9679; left</span> "
                       "<span style=\"color:%s\">&#9679; right</span></figcaption>",
                       colours[0], colours[1]);
    gs_html_puts(b, "</figure>\n");
}
