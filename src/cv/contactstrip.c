/*
 * gs_cv_contact_strip: one running contact timed from the picture, on a treadmill (session 17) or
 * overground (session 20; docs/events-history.md, "Treadmill running contacts from the picture"
 * and "Overground running contacts from the picture"). Seen from the side, a foot carried back
 * with the belt 5-15 px above it moves as a standing foot does, so the landmarks cannot tell touch
 * from hanging just above the belt; the picture shows whether the sole is down. The toe-off strip (tipstrip.c) in reverse: a thin strip just above the belt line
 * under the shoe's back half, carried with the belt, compared with the empty belt of two frames
 * before the foot arrived; the contact is the first frame that, with the next, holds at least half
 * the strip's stance level.
 *
 * The strip lies along the belt line, which the caller gives sloped (session 18): where the
 * camera looks down on a belt seen at an angle, the belt's surface falls across the picture (the
 * sample: 0.12-0.15 rows per column, both raters' stance line) and a level strip 0.04 foot
 * lengths high under a 0.6 foot length shoe half lies partly inside the belt and partly above
 * it. gs_cv_contact_slope measures, per window, the stance path's slope (the sole's lowest edge
 * over the stance frames) and whether that edge is an edge of the empty picture (a camera at the
 * belt's height sees the belt edge-on and the soles against its rail); the caller takes the
 * clip's medians.
 *
 * Session 19: where the caller asks for parts (the sole seen on the belt) the strip is cut into
 * that many parts along the sole and the first part to fill times the contact (heel or sole,
 * whichever touches first); and the standing level is the median over the window's standing
 * frames.
 *
 * Session 20, overground (moving_camera): a camera that pans and tilts with the runner moves the
 * ground and everything behind the strip in the picture. The ground's shift is measured frame to
 * frame on the ground under the heel (ground_measure); the strip stays on the ground where the
 * heel will stand, and each frame is compared with the empty ground moved by that shift.
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
 * contact at half the level (the level: standing_level below). */
#define STRIP_H_FL    0.04
#define STRIP_BACK_FL 0.1
#define STRIP_FWD_FL  0.5
#define LEVEL_SHARE   0.5
/* the belt line is searched this far above and below the heel's stance row (the spike's; on the
 * sample the search ends inside the shoe in about half the landings: docs/events-history.md) */
#define BELT_SEARCH_FL 0.4
/* ... and this far below it when the strip follows a sloped belt (the sample's sole lies 0.5-0.6
 * foot lengths under the heel landmark: docs/events-history.md, session 17's note) */
#define BELT_DEEP_FL 0.7
#define EDGE_ROWS    3   /* rows either side of the belt line for the empty picture's own edge */
#define SHAKE_PX     3   /* the strip is compared at the best of +-3 px shifts (camera shake) */
#define MIN_LEVEL    6.0 /* mean grey difference below which the strip holds no shoe */
/* a part of the strip counts when its standing level is at least this share of the whole
 * strip's: it lies under the shoe while the foot stands */
#define PART_MIN 0.5
/* A moving camera's ground (ground_measure, session 20): a box from 0.35 to 0.9 foot lengths under
 * the heel's stance row (the sole's lowest edge lies 0.25-0.32 under it on the backlit pan; the
 * picture's lower edge leaves 8-30 rows of ground there), at least 4 rows, 4 foot lengths wide
 * (GROUND_HALF_FL either side; the pan's grass is blurred across: the wider box holds more of its
 * texture; 2 foot lengths give the same contacts within 0.1 frame);
 * each frame's step searched +-4 px across and +-1 row down around the last step (the pan's speed
 * changes by at most 1 px a frame and its tilt is 0-1.2 rows a frame) */
#define GROUND_TOP_FL   0.35
#define GROUND_BOT_FL   0.9
#define GROUND_MIN_ROWS 4
#define GROUND_HALF_FL  2.0
#define GROUND_SEARCH_X 4
#define GROUND_SEARCH_Y 1

/* The ground's motion in the picture (moving_camera, session 20): dx[t], dy[t], the whole pixels
 * frame t's ground lies right of and below frame ref[1]'s; all 0 with a fixed camera. */
typedef struct ground {
    int32_t dx[GS_CV_TIP_MAX_FRAMES], dy[GS_CV_TIP_MAX_FRAMES];
} ground;

/* The strip's left edge at frame t (unrounded). A fixed camera: the heel's stance place carried
 * by the belt, held at its place of frame win->hold before that (the foot still in the air, far
 * ahead). A moving camera: the ground where the heel stands, wherever the camera has moved it. */
static double strip_x(const gs_cv_contact_window *win, const ground *gr, int32_t t)
{
    const double fl = win->foot_len_px;
    double x;
    if (win->moving_camera) {
        x = win->heel_x + gr->dx[t] - gr->dx[win->stance];
    } else {
        int32_t u = t < win->hold ? win->hold : t;
        x = win->heel_x + win->belt_px_per_frame * (u - win->stance);
    }
    return x + (win->facing > 0 ? -STRIP_BACK_FL * fl : -STRIP_FWD_FL * fl);
}

/* Rows frame t's ground lies below the stance frame's (0 with a fixed camera). */
static int32_t ground_rows(const gs_cv_contact_window *win, const ground *gr, int32_t t)
{
    return gr->dy[t] - gr->dy[win->stance];
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

/* The level a strip holds while the foot stands: the median of its finite occupancies from the
 * frame before the stance frame to the window's end (session 19; the three frames around the
 * stance frame before, which on a belt seen edge-on catch the shoe's outline passing the rail's
 * top at its peak: docs/events-history.md). NAN when none. */
static double standing_level(const gs_cv_contact_window *win, const double *occ)
{
    double a[GS_CV_TIP_MAX_FRAMES];
    int k = 0;
    for (int32_t i = win->stance - 1; i < win->n; i++)
        if (isfinite(occ[i]))
            a[k++] = occ[i];
    for (int i = 1; i < k; i++)
        for (int j = i; j > 0 && a[j - 1] > a[j]; j--) {
            double t = a[j];
            a[j] = a[j - 1];
            a[j - 1] = t;
        }
    return k == 0 ? NAN : k % 2 ? a[k / 2] : 0.5 * (a[k / 2 - 1] + a[k / 2]);
}

/* Mean |a - b| of a strip cw x hh of frame fa whose left edge is at column x (unrounded), its top
 * at row ytop there and falling k rows per column, against frame fb dx, dy px aside. Blocks of
 * BLOCK columns each take their rows at the block's middle; every box is mixed from the columns
 * and rows either side of its unrounded place, so the measure moves smoothly with x, ytop and k.
 * NAN when any part leaves the band. k = 0 is the level strip (session 17's measure). */
#define BLOCK 4
static double strip_sloped(const gs_cv_contact_window *win, double x, double ytop, double k,
                           int32_t fa, int32_t fb, int32_t dx, int32_t dy, int32_t cw, int32_t hh)
{
    const int32_t xi = (int32_t)floor(x);
    const double fx = x - xi;
    /* a level strip is one block (the mean of the blocks' means, weighted by their widths) */
    const int32_t block = k == 0 ? cw : BLOCK;
    double sum = 0;
    for (int32_t c0 = 0; c0 < cw; c0 += block) {
        const int32_t bw = c0 + block <= cw ? block : cw - c0, xc = xi + c0;
        const double yt = ytop + k * (c0 + 0.5 * bw - fx);
        const int32_t yi = (int32_t)floor(yt);
        const double fy = yt - yi;
        const double d00 = box(win, fa, xc, yi, fb, xc + dx, yi + dy, bw, hh);
        const double d10 =
            fx > 0 ? box(win, fa, xc + 1, yi, fb, xc + 1 + dx, yi + dy, bw, hh) : d00;
        const double d01 =
            fy > 0 ? box(win, fa, xc, yi + 1, fb, xc + dx, yi + 1 + dy, bw, hh) : d00;
        const double d11 = fx > 0 && fy > 0
                               ? box(win, fa, xc + 1, yi + 1, fb, xc + 1 + dx, yi + 1 + dy, bw, hh)
                           : fx > 0 ? d10
                                    : d01;
        const double d =
            (1 - fx) * (1 - fy) * d00 + fx * (1 - fy) * d10 + (1 - fx) * fy * d01 + fx * fy * d11;
        if (!isfinite(d))
            return NAN;
        sum += d * bw;
    }
    return sum / cw;
}

/* The belt line under the strip at frame t (its place of frame t, falling k rows per column):
 * the lowest row of [ya, yb) where frame t differs from both empty belts by more than half its
 * largest row difference, to a fraction of a row (where the row difference crosses the half,
 * half a row on: the line under the last row over the half, in the middle of its range). NAN when
 * no row is over the half or a row leaves the band; *at_end 1 when the foot is still over the half
 * at the search's end (the line is then put at that end). Rows of the stance frame's ground: the
 * line is returned in them. */
static double belt_line(const gs_cv_contact_window *win, const ground *gr, int32_t t, double k,
                        int32_t ya, int32_t yb, int32_t cw, int *at_end)
{
    double rows[4096], rmax = 0;
    const double x = strip_x(win, gr, t);
    const int32_t oy = ground_rows(win, gr, t);
    const int32_t dx0 = gr->dx[win->ref[0]] - gr->dx[t], dy0 = gr->dy[win->ref[0]] - gr->dy[t];
    const int32_t dx1 = gr->dx[win->ref[1]] - gr->dx[t], dy1 = gr->dy[win->ref[1]] - gr->dy[t];
    *at_end = 0;
    if (yb - ya > (int32_t)(sizeof(rows) / sizeof(rows[0])))
        yb = ya + (int32_t)(sizeof(rows) / sizeof(rows[0]));
    if (yb - ya < 2)
        return NAN;
    for (int32_t y = ya; y < yb; y++) {
        double a = strip_sloped(win, x, y + oy, k, t, win->ref[0], dx0, dy0, cw, 1),
               b = strip_sloped(win, x, y + oy, k, t, win->ref[1], dx1, dy1, cw, 1);
        if (!isfinite(a) || !isfinite(b))
            return NAN;
        rows[y - ya] = fmin(a, b);
        if (rows[y - ya] > rmax)
            rmax = rows[y - ya];
    }
    for (int32_t y = yb - 1; y >= ya; y--)
        if (rows[y - ya] > 0.5 * rmax) {
            if (y + 1 == yb) {
                *at_end = 1;
                return yb;
            }
            double r0 = rows[y - ya], r1 = rows[y + 1 - ya];
            return y + 0.5 + (r0 > r1 ? (r0 - 0.5 * rmax) / (r0 - r1) : 0.5);
        }
    return NAN;
}

/* The search rows for the belt line: depth_fl foot lengths under the heel's stance row, 0.4
 * above it, within the band. */
static void search_rows(const gs_cv_contact_window *win, double depth_fl, int32_t *ya, int32_t *yb)
{
    const double fl = win->foot_len_px;
    *ya = (int32_t)(win->heel_y - BELT_SEARCH_FL * fl);
    *yb = (int32_t)(win->heel_y + depth_fl * fl);
    if (*ya < 0)
        *ya = 0;
    if (*yb > win->h)
        *yb = win->h;
}

static int window_ok(const gs_cv_contact_window *win)
{
    const double fl = win ? win->foot_len_px : 0;
    return win && win->frames && win->n >= 4 && win->n <= GS_CV_TIP_MAX_FRAMES && win->w > 0 &&
           win->h > 0 && win->stride >= win->w && fl > 4 && isfinite(win->heel_x) &&
           isfinite(win->heel_y) && isfinite(win->belt_px_per_frame) &&
           (win->facing == 1 || win->facing == -1) && win->ref[0] >= 0 && win->ref[1] >= 0 &&
           win->ref[0] < win->n && win->ref[1] < win->n && win->first >= 1 &&
           win->first < win->n - 1 && win->stance >= 1 && win->stance < win->n - 1 &&
           isfinite(win->belt_slope) && fabs(win->belt_slope) <= GS_CV_BELT_SLOPE_MAX &&
           win->belt_search_fl >= 0 && win->belt_search_fl <= 2 && win->parts >= 0 &&
           win->parts <= GS_CV_CONTACT_MAX_PARTS &&
           (win->moving_camera == 0 || win->moving_camera == 1);
}

/* Where the least of three costs at -1, 0, +1 lies, to a fraction (a parabola through them). */
static double vertex(double a, double b, double c)
{
    const double d = a - 2 * b + c;
    return isfinite(d) && d > 0 ? 0.5 * (a - c) / d : 0;
}

/* The ground's shift from frame ref[1] to every frame (moving_camera; all 0 with a fixed camera).
 * Measured on a box of ground under the heel's stance row (GROUND_TOP_FL to GROUND_BOT_FL foot
 * lengths under it, 2 GROUND_HALF_FL foot lengths wide around where the heel will stand), from
 * frame to frame outwards from ref[1]: the box follows its piece of ground across, each step is the
 * shift of least mean grey difference from the frame before (searched GROUND_SEARCH_X / _Y px
 * around the last step, the stance foot's speed for the first) to a fraction of a pixel, and the
 * steps add up. Frame to frame the ground looks alike, blur and all (the backlit pan's grass under
 * a 10 px-a-frame pan: against ref[1] directly the match wandered by 100 px), and a tilt's rows
 * add up from their fractions. 0 when the box leaves the band or the picture (a foot at the
 * picture's lower edge). */
static int ground_measure(const gs_cv_contact_window *win, ground *gr)
{
    double gx[GS_CV_TIP_MAX_FRAMES], gy[GS_CV_TIP_MAX_FRAMES];
    memset(gr, 0, sizeof(*gr));
    if (!win->moving_camera)
        return 1;
    const double fl = win->foot_len_px, v = win->belt_px_per_frame;
    const int32_t r = win->ref[1];
    const int32_t ya = (int32_t)lround(win->heel_y + GROUND_TOP_FL * fl),
                  yf = (int32_t)lround(win->heel_y + GROUND_BOT_FL * fl),
                  yb = yf < win->h ? yf : win->h;
    const double cx = win->heel_x - v * (win->stance - r);
    const int32_t xa = (int32_t)lround(cx - GROUND_HALF_FL * fl),
                  bw = (int32_t)lround(2 * GROUND_HALF_FL * fl);
    /* the box with its search inside the band, however far it moves */
    int32_t bh = yb - ya - 2 * GROUND_SEARCH_Y;
    if (bh < GROUND_MIN_ROWS || bw < 2)
        return 0;
    gx[r] = gy[r] = 0;
    for (int dir = 1; dir >= -1; dir -= 2)
        for (int32_t t = r + dir; t >= 0 && t < win->n; t += dir) {
            const int32_t u = t - dir;
            const double step = u == r ? dir * v : gx[u] - gx[u - dir];
            /* the box follows its ground across, not down: a tilt would take it off the
             * picture's lower edge, and any rows of ground serve to match */
            const int32_t ix = xa + (int32_t)lround(gx[u]), iy = ya + GROUND_SEARCH_Y;
            const int32_t p = (int32_t)lround(step);
            double cost[2 * GROUND_SEARCH_Y + 1][2 * GROUND_SEARCH_X + 1], best = INFINITY;
            int32_t bx = 0, by = 0;
            for (int32_t dy = -GROUND_SEARCH_Y; dy <= GROUND_SEARCH_Y; dy++)
                for (int32_t dx = -GROUND_SEARCH_X; dx <= GROUND_SEARCH_X; dx++) {
                    const double d = box(win, u, ix, iy, t, ix + p + dx, iy + dy, bw, bh);
                    cost[dy + GROUND_SEARCH_Y][dx + GROUND_SEARCH_X] = d;
                    if (d < best) {
                        best = d;
                        bx = dx;
                        by = dy;
                    }
                }
            if (!isfinite(best))
                return 0;
            const double *row = cost[by + GROUND_SEARCH_Y];
            const int32_t cx0 = bx + GROUND_SEARCH_X, cy0 = by + GROUND_SEARCH_Y;
            const double fx = cx0 > 0 && cx0 < 2 * GROUND_SEARCH_X
                                  ? vertex(row[cx0 - 1], row[cx0], row[cx0 + 1])
                                  : 0;
            const double fy = cy0 > 0 && cy0 < 2 * GROUND_SEARCH_Y
                                  ? vertex(cost[cy0 - 1][cx0], cost[cy0][cx0], cost[cy0 + 1][cx0])
                                  : 0;
            gx[t] = gx[u] + p + bx + fx;
            gy[t] = gy[u] + by + fy;
        }
    for (int32_t t = 0; t < win->n; t++) {
        gr->dx[t] = (int32_t)lround(gx[t]);
        gr->dy[t] = (int32_t)lround(gy[t]);
    }
    return 1;
}

/* The occupancy of the strip's part from off to off + pw columns (the whole strip: 0, cw),
 * frame by frame: the least difference from either empty belt, its top hh rows above the belt
 * line gy at its place of that frame (the line is fixed in the picture, falling k rows per
 * column; the strip slides along it with the belt; with a moving camera line and strip move with
 * the ground, and each empty ground is compared where the ground has moved it), NAN where it
 * leaves the band. */
static void occupancy(const gs_cv_contact_window *win, const ground *gr, double gy, double k,
                      int32_t hh, int32_t off, int32_t pw, double *occ)
{
    const double xs = strip_x(win, gr, win->stance);
    for (int32_t t = 0; t < win->n; t++) {
        const double x = strip_x(win, gr, t),
                     top = gy + ground_rows(win, gr, t) + k * (x - xs) - hh;
        double best = INFINITY;
        for (int q = 0; q < 2; q++) {
            /* where the ground of frame t lies in the empty frame */
            const int32_t gx = gr->dx[win->ref[q]] - gr->dx[t],
                          gyq = gr->dy[win->ref[q]] - gr->dy[t];
            for (int dy = -SHAKE_PX; dy <= SHAKE_PX; dy++)
                for (int dx = -SHAKE_PX; dx <= SHAKE_PX; dx++) {
                    double d = strip_sloped(win, x + off, top + k * off, k, t, win->ref[q], gx + dx,
                                            gyq + dy, pw, hh);
                    if (d < best)
                        best = d;
                }
        }
        occ[t] = isfinite(best) ? best : NAN;
    }
}

/* The first frame from win->first on that, with the next, holds lev: *contact, the instant the
 * occupancy crossed lev between that frame and the one before (to a fraction). NOT_FILLED when
 * none; OUTSIDE when it filled as it came into the picture. */
static gs_cv_contact_why filled(const gs_cv_contact_window *win, const double *occ, double lev,
                                double *contact)
{
    for (int32_t i = win->first; i + 1 < win->n; i++) {
        if (!(occ[i] >= lev && occ[i + 1] >= lev))
            continue;
        const double a = occ[i - 1], b = occ[i];
        if (!isfinite(a))
            return GS_CV_CONTACT_OUTSIDE;
        *contact = a < lev && b > a ? i - 1 + (lev - a) / (b - a) : i - 0.5;
        return GS_CV_CONTACT_FOUND;
    }
    return GS_CV_CONTACT_NOT_FILLED;
}

gs_status gs_cv_contact_slope(const gs_cv_contact_window *win, double *slope, double *edge,
                              gs_error *err)
{
    if (!window_ok(win) || !slope || !edge)
        return gs_fail(err, GS_ERR_ARG, "contact slope: bad window");
    *slope = NAN;
    *edge = NAN;
    const double fl = win->foot_len_px;
    const int32_t cw = (int32_t)lround((STRIP_BACK_FL + STRIP_FWD_FL) * fl);
    int32_t ya, yb;
    search_rows(win, BELT_DEEP_FL, &ya, &yb);
    if (cw < 2)
        return GS_OK;
    /* the sole's lowest edge (a level search) from the stance frame to the window's end, where
     * the foot stands flat (the frame after the landmarks' contact is left out: they come up to
     * 1.6 frames early, so the sole may still be coming down in it), and the least-squares slope
     * of its rows over the strip's places */
    double px[GS_CV_TIP_MAX_FRAMES], py[GS_CV_TIP_MAX_FRAMES], mx = 0, my = 0, sxx = 0, sxy = 0;
    double ls = NAN; /* the edge at the stance frame, for the empty picture's step below */
    int np = 0;
    ground gr;
    if (!ground_measure(win, &gr))
        return GS_OK;
    /* with a moving camera the standing foot stays on its place of the ground: there is no
     * stance path, only the edge at the stance frame */
    const int32_t t_end = win->moving_camera ? win->stance + 1 : win->n;
    for (int32_t t = win->stance; t < t_end; t++) {
        int e;
        const double l = belt_line(win, &gr, t, 0, ya, yb, cw, &e);
        if (t == win->stance && !e)
            ls = l;
        if (isfinite(l) && !e) {
            px[np] = strip_x(win, &gr, t);
            py[np++] = l;
        }
    }
    for (int i = 0; i < np; i++) {
        mx += px[i] / np;
        my += py[i] / np;
    }
    for (int i = 0; i < np; i++) {
        sxx += (px[i] - mx) * (px[i] - mx);
        sxy += (px[i] - mx) * (py[i] - my);
    }
    if (np >= 2 && sxx >= 1)
        *slope = sxy / sxx;
    /* the empty belt's own edge across the standing foot's lowest edge: the mean grey of the
     * EDGE_ROWS rows above it less that of the rows under it, at the strip's stance place */
    const int32_t xi = (int32_t)lround(strip_x(win, &gr, win->stance)) + gr.dx[win->ref[0]] -
                       gr.dx[win->stance],
                  yi = isfinite(ls) ? (int32_t)lround(ls) + gr.dy[win->ref[0]] - gr.dy[win->stance]
                                    : -1; /* -1: not seen */
    if (xi >= 0 && xi + cw <= win->w && yi - EDGE_ROWS >= 0 && yi + EDGE_ROWS <= win->h) {
        double up = 0, dn = 0;
        const uint8_t *f = win->frames[win->ref[0]];
        for (int32_t y = 0; y < EDGE_ROWS; y++)
            for (int32_t x = 0; x < cw; x++) {
                up += f[(size_t)(yi - 1 - y) * (size_t)win->stride + (size_t)(xi + x)];
                dn += f[(size_t)(yi + y) * (size_t)win->stride + (size_t)(xi + x)];
            }
        *edge = fabs(up - dn) / (EDGE_ROWS * (double)cw);
    }
    return GS_OK;
}

gs_status gs_cv_contact_strip(const gs_cv_contact_window *win, gs_cv_contact_result *res,
                              gs_error *err)
{
    if (!window_ok(win) || !res)
        return gs_fail(err, GS_ERR_ARG, "contact strip: bad window");
    const double fl = win->foot_len_px, k = win->belt_slope;
    memset(res, 0, sizeof(*res));
    res->part = -1;
    res->contact = NAN;
    res->level = NAN;
    res->belt_y = NAN;
    for (int32_t i = 0; i < GS_CV_TIP_MAX_FRAMES; i++)
        res->occupancy[i] = NAN;

    /* the belt line at the strip's stance place (its left edge), along the belt's slope */
    const int32_t cw = (int32_t)lround((STRIP_BACK_FL + STRIP_FWD_FL) * fl);
    int32_t ya, yb;
    ground gr;
    search_rows(win, win->belt_search_fl > 0 ? win->belt_search_fl : BELT_SEARCH_FL, &ya, &yb);
    if (cw < 2 || yb - ya < 2 || !ground_measure(win, &gr) ||
        !isfinite(strip_sloped(win, strip_x(win, &gr, win->stance), ya, k, win->stance, win->ref[0],
                               gr.dx[win->ref[0]] - gr.dx[win->stance],
                               gr.dy[win->ref[0]] - gr.dy[win->stance], cw, 1))) {
        res->why = GS_CV_CONTACT_OUTSIDE;
        return GS_OK;
    }
    /* a foot still over the half at the search's end (the sample with the 0.4 search: its
     * shoe's lower edge 0.5-0.6 foot lengths under the heel landmark) puts the line at that end,
     * as session 17's spike measured it */
    const double depth = win->belt_search_fl > 0 ? win->belt_search_fl : BELT_SEARCH_FL;
    int at_end;
    double gy = belt_line(win, &gr, win->stance, k, ya, yb, cw, &at_end);
    if (at_end)
        gy = fmin(win->heel_y + depth * fl, (double)win->h);
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

    /* the strip's occupancy, frame by frame */
    occupancy(win, &gr, gy, k, hh, 0, cw, res->occupancy);
    res->n_occupancy = win->n;
    res->level = standing_level(win, res->occupancy);
    if (!isfinite(res->level) || res->level < MIN_LEVEL) {
        res->why = GS_CV_CONTACT_NO_SHOE;
        return GS_OK;
    }
    /* the strip must be in the picture while the foot comes (from the references to where it is
     * carried with the belt; with a moving camera, to the stance frame), or the picture cannot
     * tell when it filled */
    const int32_t held = win->moving_camera ? win->stance : win->hold;
    for (int32_t i = win->first; i <= held && i < win->n; i++)
        if (!isfinite(res->occupancy[i])) {
            res->why = GS_CV_CONTACT_OUTSIDE;
            return GS_OK;
        }
    res->why = filled(win, res->occupancy, LEVEL_SHARE * res->level, &res->contact);
    if (res->why != GS_CV_CONTACT_FOUND) {
        res->contact = NAN;
        return GS_OK;
    }
    res->found = 1;
    /* heel or sole, whichever touches first (the written definition): the strip cut into parts
     * along the sole, each timed against its own standing level; the earliest part whose level
     * is at least PART_MIN of the whole strip's (a part under the shoe while it stands) times the
     * contact. A part whose occupancy left the picture, or never filled, gives none; where no
     * part gives one, the whole strip's stays. */
    if (win->parts > 1) {
        const int32_t pw = cw / win->parts;
        double occ[GS_CV_TIP_MAX_FRAMES], first = INFINITY;
        for (int32_t j = 0; pw >= 2 && j < win->parts; j++) {
            double c;
            occupancy(win, &gr, gy, k, hh, j * pw, pw, occ);
            const double lj = standing_level(win, occ);
            if (!(lj >= PART_MIN * res->level) ||
                filled(win, occ, LEVEL_SHARE * lj, &c) != GS_CV_CONTACT_FOUND)
                continue;
            if (c < first) {
                first = c;
                res->part = j;
            }
        }
        if (res->part >= 0)
            res->contact = first;
    }
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
