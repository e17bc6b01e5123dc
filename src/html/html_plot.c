/*
 * A curve over the gait cycle as inline SVG (html.h): the axes and the mean +- SD drawing that
 * report.html (left and right) and comparison.html (before and after) share.
 */
#include "html.h"

#include <math.h>
#include <stdio.h>

/*
 * Plot geometry in SVG user units; the viewBox scales with the page width. The bottom margin
 * holds two rows of text, the x labels and the axis title, sized for the phone stylesheet's
 * 14-unit plot font (report_html.c, ".plot svg{font-size:14px}"): with 30 units and the rows 13
 * apart, the title ran into the labels at 390 px, and the lowest y label met the "0" in the
 * corner.
 */
#define PW       420.0
#define PH       240.0
#define PL       40.0 /* left margin (y labels) */
#define PR       14.0 /* right margin (room for "100") */
#define PT       10.0 /* top margin */
#define PB       40.0 /* bottom margin (x labels, then the axis title) */
#define PX_LABEL 18.0 /* x labels' baseline below the plot area */
#define PX_TITLE 4.0  /* axis title's baseline above the bottom edge */

/* A step of 1, 2 or 5 times a power of ten giving about five grid lines over range. */
static double nice_step(double range)
{
    double raw = range / 5.0, p = pow(10.0, floor(log10(raw))), f = raw / p;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
}

int gs_html_plot_fit(gs_html_plot *p, double lo, double hi, double with_lo, double with_hi)
{
    /* angles live within a few hundred degrees; anything else is corrupt data, not a plot */
    if (!(lo <= hi) || !isfinite(lo) || !isfinite(hi) || hi - lo > 1e4)
        return 0;
    lo = fmin(lo, with_lo);
    hi = fmax(hi, with_hi);
    if (hi - lo < 4) {
        double mid = 0.5 * (hi + lo);
        lo = mid - 2;
        hi = mid + 2;
    }
    p->step = nice_step(hi - lo);
    p->lo = floor(lo / p->step) * p->step;
    p->hi = ceil(hi / p->step) * p->step;
    p->y_top = PT;
    p->y_bottom = PH - PB;
    return 1;
}

double gs_html_plot_x(const gs_html_plot *p, double pct)
{
    (void)p;
    return PL + pct / 100.0 * (PW - PL - PR);
}

double gs_html_plot_y(const gs_html_plot *p, double v)
{
    return PT + (p->hi - v) / (p->hi - p->lo) * (PH - PT - PB);
}

void gs_html_plot_begin(gs_html_buf *b, const gs_html_plot *p, const char *label)
{
    (void)p;
    gs_html_printf(b, "<svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"", PW, PH);
    gs_html_esc(b, label);
    gs_html_puts(b, "\" font-size=\"12.5\" font-family=\"system-ui,sans-serif\">\n");
}

void gs_html_plot_axes(gs_html_buf *b, const gs_html_plot *p)
{
    char t[32];
    double x0 = gs_html_plot_x(p, 0), x100 = gs_html_plot_x(p, 100);
    for (double v = p->lo; v <= p->hi + 1e-9; v += p->step) {
        double y = gs_html_plot_y(p, v);
        gs_html_printf(b,
                       "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
                       "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#5b6470\">%s"
                       "</text>\n",
                       x0, x100, y, y, fabs(v) < 1e-9 ? "#9aa3ad" : "#e4e7eb", PL - 5, y + 4,
                       gs_html_num(t, sizeof(t), v, p->step < 1 ? 1 : 0));
    }
    for (int pct = 0; pct <= 100; pct += 20)
        gs_html_printf(b,
                       "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#5b6470\">%d"
                       "</text>\n",
                       gs_html_plot_x(p, pct), PH - PB + PX_LABEL, pct);
    gs_html_printf(b,
                   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#5b6470\">%% of "
                   "stride (contact to contact)</text>\n",
                   gs_html_plot_x(p, 50), PH - PX_TITLE);
}

/* x of point i of n spread evenly over 0-100 %. */
static double point_x(const gs_html_plot *p, int i, int n)
{
    return gs_html_plot_x(p, n > 1 ? 100.0 * i / (n - 1) : 0.0);
}

void gs_html_plot_band(gs_html_buf *b, const gs_html_plot *p, int n, const double *mean,
                       const double *sd, const char *colour)
{
    int first = 1;
    gs_html_printf(b, "<path fill=\"%s\" fill-opacity=\"0.16\" d=\"", colour);
    for (int i = 0; i < n; i++) {
        if (!isfinite(mean[i]) || !isfinite(sd[i]))
            continue;
        gs_html_printf(b, "%c%.1f %.1f", first ? 'M' : 'L', point_x(p, i, n),
                       gs_html_plot_y(p, mean[i] + sd[i]));
        first = 0;
    }
    for (int i = n - 1; i >= 0 && !first; i--) {
        if (!isfinite(mean[i]) || !isfinite(sd[i]))
            continue;
        gs_html_printf(b, "L%.1f %.1f", point_x(p, i, n), gs_html_plot_y(p, mean[i] - sd[i]));
    }
    gs_html_puts(b, first ? "\"/>\n" : "Z\"/>\n");
}

void gs_html_plot_line(gs_html_buf *b, const gs_html_plot *p, int n, const double *v,
                       const char *colour, const char *attrs)
{
    int first = 1;
    gs_html_printf(b,
                   "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2.2\" "
                   "stroke-linejoin=\"round\"%s d=\"",
                   colour, attrs);
    for (int i = 0; i < n; i++) {
        if (!isfinite(v[i])) {
            first = 1;
            continue;
        }
        gs_html_printf(b, "%c%.1f %.1f", first ? 'M' : 'L', point_x(p, i, n),
                       gs_html_plot_y(p, v[i]));
        first = 0;
    }
    gs_html_puts(b, "\"/>\n");
}

void gs_html_plot_end(gs_html_buf *b, const gs_html_plot *p)
{
    double x0 = gs_html_plot_x(p, 0), x100 = gs_html_plot_x(p, 100);
    gs_html_printf(b,
                   "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
                   "stroke=\"#c5ccd4\"/>\n</svg>\n",
                   x0, PT, x100 - x0, PH - PT - PB);
}
