/*
 * gs_cv_tip_strip: one running toe-off timed from the picture (docs/events-history.md, "Toe-off from
 * the image", sessions 10 and 11). BlazePose's foot index sits 0.13-0.35 foot lengths behind the
 * shoe's tip, and as the shoe pitches onto its tip the point rises 35-40 ms before the tip leaves
 * the ground; the picture shows the tip itself. The measure: a thin strip just above the ground
 * line at the tip, carried with the ground (belt or panning camera), compared with the empty
 * ground of a frame after the foot has gone; the toe-off is the first frame that, with the next,
 * keeps less than a share of the strip's level during the push-off.
 *
 * On 8-bit grey bands (the decoder's luma plane); the box differences are OpenCV's
 * (gs_cv_mean_absdiff_u8).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cv.h"

/* The setting measured in session 11 (docs/events-history.md; its neighbours there): strip 0.05 foot
 * lengths high, from 0.2 behind to 0.1 ahead of the tip estimate, the tip estimate 0.15 foot
 * lengths ahead of the foot index along heel -> foot index; toe-off below 30 % of the level over
 * the window's first three frames. */
#define STRIP_H_FL    0.05
#define STRIP_BACK_FL 0.2
#define STRIP_FWD_FL  0.1
#define LEVEL_SHARE   0.3
#define SHAKE_PX                                                                           \
    3                 /* the strip is compared at the best of +-3 px shifts (camera shake) \
                       * that stay inside the band */
#define MIN_LEVEL 6.0 /* mean grey difference below which the strip holds no shoe */

/* The empty ground as frame t would see it: the last frame moved by the ground's motion between
 * them (columns that come from outside the band are 0, as a missing picture). */
static void ground_at(const gs_cv_tip_window *win, const double *gdx, int32_t t, uint8_t *out)
{
    const int32_t last = win->n - 1;
    double sh = 0;
    long s;
    if (win->moving_camera)
        for (int32_t u = t + 1; u <= last; u++)
            sh += gdx[u];
    s = lround(-sh);
    for (int32_t y = 0; y < win->h; y++) {
        const uint8_t *src = win->frames[last] + (size_t)y * (size_t)win->stride;
        uint8_t *dst = out + (size_t)y * (size_t)win->stride;
        for (int32_t x = 0; x < win->w; x++) {
            long sx = (long)x - s;
            dst[x] = sx >= 0 && sx < win->w ? src[sx] : 0;
        }
    }
}

/* Ground motion from frame u-1 to u (px, image x): the shift of the band just below the ground
 * line that best matches; NAN when the band does not fit the picture. */
static double ground_shift(const gs_cv_tip_window *win, int32_t u, double xt0, int32_t gy)
{
    const double fl = win->foot_len_px;
    int32_t gx0 = (int32_t)(xt0 - fl), gx1 = (int32_t)(xt0 + fl);
    int32_t ga = gy + 2, gb = gy + 2 + (int32_t)(0.25 * fl);
    int32_t r = (int32_t)fabs(win->ground_px_per_frame) + 10, best_dx = 0;
    double best = INFINITY;
    if (gb > win->h)
        gb = win->h;
    if (gx0 - r < 0 || gx1 + r > win->w || gb - ga < 3)
        return NAN;
    for (int32_t dx = -r; dx <= r; dx++) {
        const uint8_t *a = win->frames[u - 1] + (size_t)ga * (size_t)win->stride + (size_t)gx0;
        const uint8_t *b = win->frames[u] + (size_t)ga * (size_t)win->stride + (size_t)(gx0 + dx);
        double d = gs_cv_mean_absdiff_u8(a, b, win->stride, gx1 - gx0, gb - ga);
        if (d < best) {
            best = d;
            best_dx = dx;
        }
    }
    return best_dx;
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

gs_status gs_cv_tip_strip(const gs_cv_tip_window *win, gs_cv_tip_result *res, gs_error *err)
{
    const double fl = win ? win->foot_len_px : 0;
    uint8_t *bg = NULL;
    double *gdx = NULL;
    gs_status rc = GS_OK;
    if (!win || !res || win->n < 6 || win->n > GS_CV_TIP_MAX_FRAMES || win->w <= 0 || win->h <= 0 ||
        win->stride < win->w || !(fl > 4) || !isfinite(win->tip_x) || !isfinite(win->tip_y) ||
        !isfinite(win->ground_px_per_frame) || (win->facing != 1 && win->facing != -1) ||
        win->tail < 0 || win->tail >= win->n)
        return gs_fail(err, GS_ERR_ARG, "tip strip: bad window");
    memset(res, 0, sizeof(*res));
    res->toe_off = NAN;
    res->level = NAN;
    for (int32_t i = 0; i < GS_CV_TIP_MAX_FRAMES; i++)
        res->occupancy[i] = NAN;
    bg = malloc((size_t)win->stride * (size_t)win->h);
    gdx = malloc(sizeof(*gdx) * (size_t)win->n);
    if (!bg || !gdx) {
        rc = gs_fail(err, GS_ERR_NOMEM, "tip strip: out of memory");
        goto done;
    }
    for (int32_t u = 0; u < win->n; u++)
        gdx[u] = win->ground_px_per_frame;

    /* ground line: the lowest row, near the tip's height in the first frame, where the foot
     * differs from the empty ground by more than half its largest row difference */
    const double s = win->facing, xt0 = win->tip_x;
    int32_t xa = (int32_t)(xt0 - s * 0.5 * fl), xb = (int32_t)(xt0 + s * 0.1 * fl);
    if (xa > xb) {
        int32_t t = xa;
        xa = xb;
        xb = t;
    }
    int32_t ya = (int32_t)(win->tip_y - 0.4 * fl), yb = (int32_t)(win->tip_y + 0.4 * fl);
    if (ya < 0)
        ya = 0;
    if (yb > win->h)
        yb = win->h;
    if (xa < 0 || xb > win->w || yb - ya < 2) {
        res->why = GS_CV_TIP_OUTSIDE;
        goto done;
    }
    ground_at(win, gdx, 0, bg);
    double rmax = 0;
    int32_t gy = -1;
    double rows[4096];
    if (yb - ya > (int32_t)(sizeof(rows) / sizeof(rows[0])))
        yb = ya + (int32_t)(sizeof(rows) / sizeof(rows[0]));
    for (int32_t y = ya; y < yb; y++) {
        rows[y - ya] =
            gs_cv_mean_absdiff_u8(win->frames[0] + (size_t)y * (size_t)win->stride + (size_t)xa,
                     bg + (size_t)y * (size_t)win->stride + (size_t)xa, win->stride, xb - xa, 1);
        if (rows[y - ya] > rmax)
            rmax = rows[y - ya];
    }
    for (int32_t y = ya; y < yb; y++)
        if (rows[y - ya] > 0.5 * rmax)
            gy = y + 1;
    int32_t hh = (int32_t)(STRIP_H_FL * fl);
    if (hh < 2)
        hh = 2;
    if (gy < 0 || gy - hh < 0) {
        res->why = GS_CV_TIP_OUTSIDE;
        goto done;
    }
    res->ground_y = gy;
    if (win->moving_camera)
        for (int32_t u = 1; u < win->n; u++) {
            double d = ground_shift(win, u, xt0, gy);
            if (isfinite(d))
                gdx[u] = d;
        }

    /* the strip's occupancy, frame by frame, until the last frames (the empty ground itself) */
    const int32_t n_occ = win->n - win->tail;
    double xt = xt0;
    for (int32_t t = 0; t < n_occ; t++) {
        if (t > 0)
            xt += gdx[t];
        int32_t x0 = (int32_t)(xt - s * STRIP_BACK_FL * fl),
                x1 = (int32_t)(xt + s * STRIP_FWD_FL * fl);
        if (x0 > x1) {
            int32_t q = x0;
            x0 = x1;
            x1 = q;
        }
        if (x0 < SHAKE_PX || x1 > win->w - SHAKE_PX || x1 - x0 < 2)
            continue; /* NAN: off the picture */
        ground_at(win, gdx, t, bg);
        double best = INFINITY;
        for (int dy = -SHAKE_PX; dy <= SHAKE_PX; dy++)
            for (int dx = -SHAKE_PX; dx <= SHAKE_PX && gy - hh + dy >= 0 && gy + dy <= win->h;
                 dx++) {
                const uint8_t *a =
                    win->frames[t] + (size_t)(gy - hh) * (size_t)win->stride + (size_t)x0;
                const uint8_t *b =
                    bg + (size_t)(gy - hh + dy) * (size_t)win->stride + (size_t)(x0 + dx);
                double d = gs_cv_mean_absdiff_u8(a, b, win->stride, x1 - x0, hh);
                if (d < best)
                    best = d;
            }
        res->occupancy[t] = best;
    }
    res->n_occupancy = n_occ;
    res->level = median3(res->occupancy, n_occ);
    if (!isfinite(res->level) || res->level < MIN_LEVEL) {
        res->why = GS_CV_TIP_NO_SHOE;
        goto done;
    }
    const double lev = LEVEL_SHARE * res->level;
    for (int32_t i = 1; i + 1 < n_occ; i++) {
        if (!(res->occupancy[i] < lev && res->occupancy[i + 1] < lev))
            continue;
        /* the instant the strip's occupancy crossed the level, between frame i-1 and i */
        double a = res->occupancy[i - 1], b = res->occupancy[i];
        res->toe_off = isfinite(a) && a > lev && a > b ? i - 1 + (a - lev) / (a - b) : i - 0.5;
        res->found = 1;
        res->why = GS_CV_TIP_FOUND;
        goto done;
    }
    res->why = GS_CV_TIP_NOT_CLEARED;
done:
    free(bg);
    free(gdx);
    return rc;
}

const char *gs_cv_tip_why_name(gs_cv_tip_why why)
{
    switch (why) {
    case GS_CV_TIP_FOUND:
        return "found";
    case GS_CV_TIP_OUTSIDE:
        return "strip outside the picture";
    case GS_CV_TIP_NO_SHOE:
        return "no shoe in the strip";
    case GS_CV_TIP_NOT_CLEARED:
        return "strip never cleared";
    }
    return "unknown";
}
