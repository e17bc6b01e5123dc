/*
 * gs_cv_contact_strip: one treadmill running contact timed from the picture
 * (docs/events-history.md, "Treadmill running contacts from the picture", session 17). Seen from
 * the side, a foot carried back with the belt 5-15 px above it moves as a standing foot does, so
 * the landmarks cannot tell touch from hanging just above the belt; the picture shows whether the
 * sole is down. The toe-off strip (tipstrip.c) in reverse: a thin strip just above the belt line
 * under the shoe's back half, carried with the belt, compared with the empty belt of two frames
 * before the foot arrived; the contact is the first frame that, with the next, holds at least half
 * the strip's stance level.
 *
 * On 8-bit grey bands (the decoder's luma plane); the box differences are OpenCV's
 * (gs_cv_mean_absdiff_u8).
 */
#include <math.h>
#include <string.h>

#include "cv.h"

/* The setting of session 17's spike (its ten one-step neighbours in docs/events-history.md): the
 * strip 0.04 foot lengths high (the written definition's "clearly above": 3-6 px, 0.035-0.04 foot
 * lengths on the labelled clips), from 0.1 foot lengths behind the heel to 0.5 ahead of it; the
 * contact at half the level, the level the median of the three frames around the stance frame. */
#define STRIP_H_FL    0.04
#define STRIP_BACK_FL 0.1
#define STRIP_FWD_FL  0.5
#define LEVEL_SHARE   0.5
/* the belt line is searched this far above and below the heel's stance row (the spike's; on the
 * sample the search ends inside the shoe in about half the landings: docs/events-history.md) */
#define BELT_SEARCH_FL 0.4
#define SHAKE_PX       3   /* the strip is compared at the best of +-3 px shifts (camera shake) */
#define MIN_LEVEL      6.0 /* mean grey difference below which the strip holds no shoe */

/* The strip's left edge at frame t (unrounded): the heel's stance place carried by the belt, held
 * at its place of frame win->hold before that (the foot still in the air, far ahead). */
static double strip_x(const gs_cv_contact_window *win, int32_t t)
{
    const double fl = win->foot_len_px;
    int32_t u = t < win->hold ? win->hold : t;
    double x = win->heel_x + win->belt_px_per_frame * (u - win->stance);
    return x + (win->facing > 0 ? -STRIP_BACK_FL * fl : -STRIP_FWD_FL * fl);
}

/* Mean |a - b| of two w x h boxes of frames fa and fb; NAN when either leaves the band. */
static double box(const gs_cv_contact_window *win, int32_t fa, int32_t xa, int32_t ya, int32_t fb,
                  int32_t xb, int32_t yb, int32_t w, int32_t h)
{
    if (xa < 0 || xb < 0 || ya < 0 || yb < 0 || xa + w > win->w || xb + w > win->w ||
        ya + h > win->h || yb + h > win->h)
        return NAN;
    return gs_cv_mean_absdiff_u8(win->frames[fa] + (size_t)ya * (size_t)win->stride + (size_t)xa,
                                 win->frames[fb] + (size_t)yb * (size_t)win->stride + (size_t)xb,
                                 win->stride, w, h);
}

/* The strip of frame fa at its place of frame t (rows ya..), against frame fb dx px aside (rows
 * yb..): the box difference at the columns either side of the unrounded place, mixed by its
 * fraction, so that the measure moves smoothly with the landmarks. */
static double strip_at(const gs_cv_contact_window *win, int32_t t, int32_t fa, int32_t ya,
                       int32_t fb, int32_t dx, int32_t yb, int32_t w, int32_t h)
{
    const double x = strip_x(win, t);
    const int32_t xi = (int32_t)floor(x);
    const double f = x - xi;
    double a = box(win, fa, xi, ya, fb, xi + dx, yb, w, h);
    return f > 0 ? (1 - f) * a + f * box(win, fa, xi + 1, ya, fb, xi + 1 + dx, yb, w, h) : a;
}

/* Lower median of up to three finite values; NAN when none. */
static double median3(const double *v, int n)
{
    double a[3];
    int k = 0;
    for (int i = 0; i < n && i < 3; i++)
        if (isfinite(v[i]))
            a[k++] = v[i];
    for (int i = 1; i < k; i++)
        for (int j = i; j > 0 && a[j - 1] > a[j]; j--) {
            double t = a[j];
            a[j] = a[j - 1];
            a[j - 1] = t;
        }
    return k == 0 ? NAN : k == 2 ? 0.5 * (a[0] + a[1]) : a[k / 2];
}

gs_status gs_cv_contact_strip(const gs_cv_contact_window *win, gs_cv_contact_result *res,
                              gs_error *err)
{
    const double fl = win ? win->foot_len_px : 0;
    if (!win || !res || !win->frames || win->n < 4 || win->n > GS_CV_TIP_MAX_FRAMES ||
        win->w <= 0 || win->h <= 0 || win->stride < win->w || !(fl > 4) || !isfinite(win->heel_x) ||
        !isfinite(win->heel_y) || !isfinite(win->belt_px_per_frame) ||
        (win->facing != 1 && win->facing != -1) || win->ref[0] < 0 || win->ref[1] < 0 ||
        win->ref[0] >= win->n || win->ref[1] >= win->n || win->first < 1 ||
        win->first >= win->n - 1 || win->stance < 1 || win->stance >= win->n - 1)
        return gs_fail(err, GS_ERR_ARG, "contact strip: bad window");
    memset(res, 0, sizeof(*res));
    res->contact = NAN;
    res->level = NAN;
    res->belt_y = NAN;
    for (int32_t i = 0; i < GS_CV_TIP_MAX_FRAMES; i++)
        res->occupancy[i] = NAN;

    /* the belt line: the lowest row near the heel's stance row where the standing foot differs
     * from both empty belts by more than half its largest row difference, to a fraction of a
     * row (where the row difference crosses the half) */
    const int32_t cw = (int32_t)lround((STRIP_BACK_FL + STRIP_FWD_FL) * fl);
    int32_t ya = (int32_t)(win->heel_y - BELT_SEARCH_FL * fl),
            yb = (int32_t)(win->heel_y + BELT_SEARCH_FL * fl);
    if (ya < 0)
        ya = 0;
    if (yb > win->h)
        yb = win->h;
    if (!isfinite(strip_at(win, win->stance, win->stance, ya, win->ref[0], 0, ya, cw, 1)) ||
        yb - ya < 2 || cw < 2) {
        res->why = GS_CV_CONTACT_OUTSIDE;
        return GS_OK;
    }
    double rows[4096], rmax = 0, gy = NAN;
    if (yb - ya > (int32_t)(sizeof(rows) / sizeof(rows[0])))
        yb = ya + (int32_t)(sizeof(rows) / sizeof(rows[0]));
    for (int32_t y = ya; y < yb; y++) {
        double a = strip_at(win, win->stance, win->stance, y, win->ref[0], 0, y, cw, 1),
               b = strip_at(win, win->stance, win->stance, y, win->ref[1], 0, y, cw, 1);
        rows[y - ya] = fmin(a, b);
        if (rows[y - ya] > rmax)
            rmax = rows[y - ya];
    }
    for (int32_t y = yb - 1; y >= ya; y--)
        if (rows[y - ya] > 0.5 * rmax) {
            /* the crossing of the half between row y and y + 1, half a row on (so that it is row
             * y + 1, the line under the last row over the half, in the middle of its range); a
             * foot still over the half at the search's end (the sample: its shoe's lower edge
             * 0.4-0.6 foot lengths under the heel landmark) puts the line at that end, as the
             * session 17 spike measured it, to a fraction of a row */
            if (y + 1 == yb) {
                gy = fmin(win->heel_y + BELT_SEARCH_FL * fl, (double)win->h);
            } else {
                double r0 = rows[y - ya], r1 = rows[y + 1 - ya];
                gy = y + 0.5 + (r0 > r1 ? (r0 - 0.5 * rmax) / (r0 - r1) : 0.5);
            }
            break;
        }
    int32_t hh = (int32_t)lround(STRIP_H_FL * fl);
    if (hh < 2)
        hh = 2;
    if (!isfinite(gy)) {
        res->why = GS_CV_CONTACT_NO_BELT_LINE;
        return GS_OK;
    }
    if (gy - hh < 0) {
        res->why = GS_CV_CONTACT_OUTSIDE;
        return GS_OK;
    }
    res->belt_y = gy;

    /* the strip's occupancy, frame by frame: the least difference from either empty belt, its
     * top at gy - hh mixed from the rows either side */
    const double top = gy - hh;
    const int32_t yt = (int32_t)floor(top);
    const double fy = top - yt;
    for (int32_t t = 0; t < win->n; t++) {
        double best = INFINITY;
        for (int q = 0; q < 2; q++)
            for (int dy = -SHAKE_PX; dy <= SHAKE_PX; dy++)
                for (int dx = -SHAKE_PX; dx <= SHAKE_PX; dx++) {
                    double d0 = strip_at(win, t, t, yt, win->ref[q], dx, yt + dy, cw, hh);
                    double d = d0;
                    if (fy > 0) {
                        double d1 =
                            strip_at(win, t, t, yt + 1, win->ref[q], dx, yt + 1 + dy, cw, hh);
                        d = (1 - fy) * d0 + fy * d1;
                    }
                    if (d < best)
                        best = d;
                }
        res->occupancy[t] = isfinite(best) ? best : NAN;
    }
    res->n_occupancy = win->n;
    res->level = median3(res->occupancy + win->stance - 1, 3);
    if (!isfinite(res->level) || res->level < MIN_LEVEL) {
        res->why = GS_CV_CONTACT_NO_SHOE;
        return GS_OK;
    }
    /* the strip must be in the picture while the foot comes (from the references to where it is
     * carried with the belt), or the picture cannot tell when it filled */
    for (int32_t i = win->first; i <= win->hold && i < win->n; i++)
        if (!isfinite(res->occupancy[i])) {
            res->why = GS_CV_CONTACT_OUTSIDE;
            return GS_OK;
        }
    const double lev = LEVEL_SHARE * res->level;
    for (int32_t i = win->first; i + 1 < win->n; i++) {
        if (!(res->occupancy[i] >= lev && res->occupancy[i + 1] >= lev))
            continue;
        /* the instant the strip's occupancy crossed the level, between frame i-1 and i */
        double a = res->occupancy[i - 1], b = res->occupancy[i];
        if (!isfinite(a)) {
            res->why = GS_CV_CONTACT_OUTSIDE; /* filled as it came into the picture */
            return GS_OK;
        }
        res->contact = a < lev && b > a ? i - 1 + (lev - a) / (b - a) : i - 0.5;
        res->found = 1;
        res->why = GS_CV_CONTACT_FOUND;
        return GS_OK;
    }
    res->why = GS_CV_CONTACT_NOT_FILLED;
    return GS_OK;
}

const char *gs_cv_contact_why_name(gs_cv_contact_why why)
{
    switch (why) {
    case GS_CV_CONTACT_FOUND:
        return "found";
    case GS_CV_CONTACT_OUTSIDE:
        return "strip outside the picture";
    case GS_CV_CONTACT_NO_BELT_LINE:
        return "belt line not seen";
    case GS_CV_CONTACT_NO_SHOE:
        return "no shoe in the strip";
    case GS_CV_CONTACT_NOT_FILLED:
        return "strip never filled";
    }
    return "unknown";
}
