/*
 * report.html's gait-cycle curves: per angle, left and right mean +- SD over the stride (html.h's
 * curve plot), the mean toe-off and, for runners, the published normative bands.
 */
#include "report_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Mean of the toe-off as % of stride for side (duty factor or stance %), NAN if unknown. */
static double toe_off_pct(const cJSON *a, const char *side)
{
    const cJSON *ms = jget(a, "metrics");
    double v = jnum(jget(jget(ms, "duty_factor"), side), "mean");
    if (isfinite(v))
        return 100.0 * v;
    return jnum(jget(jget(ms, "stance_pct"), side), "mean");
}

/* 1 when band cb is drawn on its curve's plot: for runners only, and a band placed within
 * stance needs a toe-off. */
static int band_drawn(const page *pg, const curve_band *cb)
{
    return pg->run && (!cb->in_stance || isfinite(toe_off_pct(pg->a, "left")) ||
                       isfinite(toe_off_pct(pg->a, "right")));
}

static int curve_len(const cJSON *side_obj)
{
    const cJSON *m = jget(side_obj, "mean");
    return cJSON_IsArray(m) ? cJSON_GetArraySize(m) : 0;
}

/* The first n entries of a JSON array as numbers (NAN where missing or not a number); NULL
 * sets the buffer's oom. */
static double *numbers(buf *b, const cJSON *arr, int n)
{
    double *v = malloc((size_t)(n > 0 ? n : 1) * sizeof(*v));
    const cJSON *it = cJSON_IsArray(arr) ? arr->child : NULL;
    if (!v) {
        b->oom = 1;
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        v[i] = it && cJSON_IsNumber(it) ? it->valuedouble : NAN;
        if (it)
            it = it->next;
    }
    return v;
}

static void write_plot(page *pg, const curve_info *ci, const cJSON *c)
{
    buf *b = &pg->b;
    static const char *const sides[2] = {"left", "right"};
    /* left orange, right blue: the same as the overlay clip and the pose previews (MediaPipe's
     * drawing convention), so a side is one colour everywhere a user looks */
    static const char *const colours[2] = {"#d55e00", "#0072b2"};
    double lo = INFINITY, hi = -INFINITY, band_lo = INFINITY, band_hi = -INFINITY, to[2];
    double *mean[2] = {NULL, NULL}, *sd[2] = {NULL, NULL};
    int n[2];
    char t1[32], t2[32], label[256];
    gs_html_plot p;

    for (int s = 0; s < 2; s++) {
        const cJSON *so = jget(c, sides[s]);
        n[s] = curve_len(so);
        mean[s] = numbers(b, jget(so, "mean"), n[s]);
        sd[s] = numbers(b, jget(so, "sd"), n[s]);
        if (!mean[s] || !sd[s])
            goto done;
        for (int i = 0; i < n[s]; i++) {
            double m = mean[s][i], d = sd[s][i];
            if (!isfinite(m))
                continue;
            if (!isfinite(d))
                d = 0;
            lo = fmin(lo, m - d);
            hi = fmax(hi, m + d);
        }
        to[s] = toe_off_pct(pg->a, sides[s]);
    }
    for (size_t k = 0; k < gs_report__n_curve_bands; k++)
        if (!strcmp(gs_report__curve_bands[k].key, ci->key) &&
            band_drawn(pg, &gs_report__curve_bands[k])) {
            band_lo = fmin(band_lo, gs_report__curve_bands[k].lo);
            band_hi = fmax(band_hi, gs_report__curve_bands[k].hi);
        }
    if (!gs_html_plot_fit(&p, lo, hi, band_lo, band_hi))
        goto done;

    gs_html_puts(b, "<figure class=\"plot\"><h3>");
    gs_html_puts(b, ci->label);
    gs_html_printf(b, " <span class=\"mu\">(&deg;, %s)</span></h3>\n", ci->sign);
    snprintf(label, sizeof(label), "%s: mean and SD over the gait cycle, left and right",
             ci->label);
    gs_html_plot_begin(b, &p, label);
    gs_html_plot_axes(b, &p);
    /* normative bands */
    for (size_t k = 0; k < gs_report__n_curve_bands; k++) {
        const curve_band *cb = &gs_report__curve_bands[k];
        double x0 = cb->x0, x1 = cb->x1, tom = NAN;
        if (strcmp(cb->key, ci->key) || !band_drawn(pg, cb))
            continue;
        if (cb->in_stance) {
            tom = isfinite(to[0]) && isfinite(to[1]) ? 0.5 * (to[0] + to[1])
                  : isfinite(to[0])                  ? to[0]
                                                     : to[1];
            if (!isfinite(tom))
                continue;
            x0 *= tom;
            x1 *= tom;
        }
        gs_html_printf(b,
                       "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                       "fill=\"#4daf4a\" fill-opacity=\"0.18\" stroke=\"#4daf4a\" "
                       "stroke-opacity=\"0.5\" stroke-dasharray=\"3 2\"/>\n",
                       gs_html_plot_x(&p, x0), gs_html_plot_y(&p, cb->hi),
                       gs_html_plot_x(&p, x1) - gs_html_plot_x(&p, x0),
                       gs_html_plot_y(&p, cb->lo) - gs_html_plot_y(&p, cb->hi));
    }
    /* toe-off lines */
    for (int s = 0; s < 2; s++)
        if (isfinite(to[s]) && to[s] > 0 && to[s] < 100 && n[s] > 0) {
            double x = gs_html_plot_x(&p, to[s]);
            gs_html_printf(b,
                           "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                           "stroke-dasharray=\"4 3\" stroke-width=\"1.2\"/><text x=\"%.1f\" "
                           "y=\"%.1f\" fill=\"%s\" font-size=\"11\" text-anchor=\"%s\">TO %s"
                           "</text>\n",
                           x, x, p.y_top, p.y_bottom, colours[s], x + (s ? 3 : -3),
                           p.y_top + 13 + 12 * s, colours[s], s ? "start" : "end", s ? "R" : "L");
        }
    /* SD bands, then the means on top */
    for (int s = 0; s < 2; s++)
        if (n[s] >= 2)
            gs_html_plot_band(b, &p, n[s], mean[s], sd[s], colours[s]);
    for (int s = 0; s < 2; s++)
        if (n[s] >= 2)
            gs_html_plot_line(b, &p, n[s], mean[s], colours[s],
                              s ? " stroke-dasharray=\"7 3\"" : "");
    gs_html_plot_end(b, &p);
    /* caption: strides per side, the bands and their sources */
    gs_html_printf(b,
                   "<figcaption><span class=\"sw l\"></span>left (%s strides) "
                   "<span class=\"sw r\"></span>right (%s strides), mean &plusmn; SD",
                   gs_html_num(t1, sizeof(t1), jnum(jget(c, "left"), "n"), 0),
                   gs_html_num(t2, sizeof(t2), jnum(jget(c, "right"), "n"), 0));
    for (size_t k = 0; k < gs_report__n_curve_bands; k++)
        if (!strcmp(gs_report__curve_bands[k].key, ci->key) &&
            band_drawn(pg, &gs_report__curve_bands[k])) {
            gs_html_printf(b, "; <span class=\"sw n\"></span>%s, %s",
                           gs_report__curve_bands[k].label,
                           gs_report__sources[gs_report__curve_bands[k].src].cite);
            gs_report__cite(pg, gs_report__curve_bands[k].src);
        }
    gs_html_puts(b, "</figcaption></figure>\n");
done:
    for (int s = 0; s < 2; s++) {
        free(mean[s]);
        free(sd[s]);
    }
}

void gs_report__write_curves(page *pg)
{
    buf *b = &pg->b;
    const cJSON *cs = jget(pg->a, "curves");
    int any = 0, any_band = 0;
    for (size_t i = 0; i < gs_report__n_curve_infos; i++) {
        const cJSON *c = jget(cs, gs_report__curve_infos[i].key);
        if (curve_len(jget(c, "left")) < 2 && curve_len(jget(c, "right")) < 2)
            continue;
        any = 1;
        for (size_t k = 0; k < gs_report__n_curve_bands; k++)
            any_band |= !strcmp(gs_report__curve_bands[k].key, gs_report__curve_infos[i].key) &&
                        band_drawn(pg, &gs_report__curve_bands[k]);
    }
    if (!any)
        return;
    gs_html_puts(b, "<section id=\"curves\"><h2>Gait-cycle curves</h2>\n<p class=\"sub\">Each "
                    "stride is time-normalised from one initial contact (0 %) to the next of the "
                    "same foot (100 %); the line is the mean, the shading &plusmn; 1 SD over "
                    "strides. Dashed vertical lines mark the mean toe-off (TO)");
    /* only when a plot has one: a rear view's curves (pelvis, hip adduction, knee, trunk)
     * have none, and the sentence sent a coach looking for boxes (run_rear_treadmill_01) */
    if (any_band)
        gs_html_puts(b, "; green boxes are published reference values for healthy runners");
    gs_html_puts(b, ".</p>\n<div class=\"plots\">\n");
    for (size_t i = 0; i < gs_report__n_curve_infos; i++) {
        const cJSON *c = jget(cs, gs_report__curve_infos[i].key);
        if (curve_len(jget(c, "left")) > 1 || curve_len(jget(c, "right")) > 1)
            write_plot(pg, &gs_report__curve_infos[i], c);
    }
    gs_html_puts(b, "</div>\n</section>\n");
}
