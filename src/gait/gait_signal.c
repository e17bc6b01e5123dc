/*
 * Signal helpers of the gait stage: sorting and medians, continuous segments, a local quadratic
 * smoother on irregular timestamps, line fits and kink times, the step period from the pelvis
 * bounce, and the windowed extremum test.
 */
#include "gait_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gs_gait__cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Frames i and j belong to one continuous segment (valid, same pass, no invalid in between is
 * checked by the caller walking frame by frame). */
int gs_gait__same_seg(const gs_gait_result *r, int32_t i, int32_t j)
{
    return i >= 0 && j >= 0 && i < r->n && j < r->n && r->valid[i] && r->valid[j] &&
           r->pass[i] == r->pass[j];
}

/*
 * Local quadratic regression over +-h seconds inside the frame's segment (a Savitzky-Golay
 * smoother that works on irregular timestamps), evaluated at the frame.
 */
void gs_gait__smooth(const gs_gait_result *r, const double *y, double *out, double h)
{
    for (int32_t i = 0; i < r->n; i++) {
        double S[5] = {0, 0, 0, 0, 0}, Ty[3] = {0, 0, 0};
        int cnt = 0;
        out[i] = y[i];
        if (!r->valid[i])
            continue;
        for (int dir = -1; dir <= 1; dir += 2) {
            for (int32_t j = dir < 0 ? i : i + 1; j >= 0 && j < r->n; j += dir) {
                if (!gs_gait__same_seg(r, i, j) || fabs(r->t[j] - r->t[i]) > h)
                    break;
                double d = r->t[j] - r->t[i], p = 1;
                for (int k = 0; k < 5; k++) {
                    S[k] += p;
                    if (k < 3)
                        Ty[k] += p * y[j];
                    p *= d;
                }
                cnt++;
            }
        }
        if (cnt < 4)
            continue;
        /* Solve the 3x3 normal equations for the value at d = 0 (Cramer's rule). */
        double a = S[0], b = S[1], c = S[2], d = S[3], e = S[4];
        double det = a * (c * e - d * d) - b * (b * e - c * d) + c * (b * d - c * c);
        if (fabs(det) < 1e-18)
            continue;
        double det0 = Ty[0] * (c * e - d * d) - b * (Ty[1] * e - d * Ty[2]) +
                      c * (Ty[1] * d - c * Ty[2]);
        out[i] = det0 / det;
    }
}

/* Least-squares line through (t[j], y[j]) for j in idx[0..m-1]: y = a + b (t - t0). */
int gs_gait__fit_line(const gs_gait_result *r, const int32_t *idx, int m, const double *y,
                      double t0, double *a, double *b)
{
    double st = 0, sy = 0, stt = 0, sty = 0;
    if (m < 2)
        return 0;
    for (int k = 0; k < m; k++) {
        double tt = r->t[idx[k]] - t0;
        st += tt;
        sy += y[idx[k]];
        stt += tt * tt;
        sty += tt * y[idx[k]];
    }
    double den = m * stt - st * st;
    if (fabs(den) < 1e-18)
        return 0;
    *b = (m * sty - st * sy) / den;
    *a = (sy - *b * st) / m;
    return 1;
}

/*
 * Sub-frame time of a kink-shaped extremum at frame i of y: the intersection of the line through
 * the k samples before i and the line through the k samples after i. For a smooth peak it lands
 * on the vertex; for a kink (a foot that stops on the ground) on the kink, wherever it falls
 * between frames. Falls back to frame i when the lines do not meet near it.
 */
double gs_gait__kink_time(const gs_gait_result *r, const double *y, int32_t i, int k)
{
    int32_t L[8], R[8];
    int nl = 0, nr = 0;
    double a1, b1, a2, b2, t0 = r->t[i], tk;
    for (int32_t j = i - 1; j >= 0 && nl < k && gs_gait__same_seg(r, i, j); j--)
        L[nl++] = j;
    for (int32_t j = i + 1; j < r->n && nr < k && gs_gait__same_seg(r, i, j); j++)
        R[nr++] = j;
    if (nl < 2 || nr < 2 || !gs_gait__fit_line(r, L, nl, y, t0, &a1, &b1) ||
        !gs_gait__fit_line(r, R, nr, y, t0, &a2, &b2) || fabs(b1 - b2) < 1e-12)
        return t0;
    tk = (a2 - a1) / (b1 - b2) + t0;
    if (tk < r->t[L[0]] || tk > r->t[R[0]])
        return t0;
    return tk;
}

/*
 * Step time (s) from the mid-hip's vertical bounce, which repeats every step in walking and
 * running and does not care about left/right labels: the lag of the highest normalised
 * autocorrelation between 0.22 s (270 steps/min) and 1.2 s (50 steps/min), on the signal minus
 * its +-0.75 s moving mean. Lags are in frames of the median interval (VFR is close enough for a
 * window size). 0.5 s when there is no clear period. scratch needs r->n doubles.
 */
double gs_gait__step_period(const gs_gait_result *r, double *scratch)
{
    double dt = r->n > 1 ? (r->t[r->n - 1] - r->t[0]) / (r->n - 1) : 1.0 / 30, best = 0.3;
    int32_t best_lag = 0;
    double *y = scratch;
    if (!(dt > 0))
        return 0.5;
    for (int32_t i = 0; i < r->n; i++) {
        double s = 0;
        int c = 0;
        y[i] = NAN;
        if (!r->valid[i])
            continue;
        for (int32_t j = i; j >= 0 && r->t[i] - r->t[j] <= 0.75; j--)
            if (r->valid[j]) {
                s += gs_gait__p(r, j, GS_KP_LEFT_HIP)[1] + gs_gait__p(r, j, GS_KP_RIGHT_HIP)[1];
                c++;
            }
        for (int32_t j = i + 1; j < r->n && r->t[j] - r->t[i] <= 0.75; j++)
            if (r->valid[j]) {
                s += gs_gait__p(r, j, GS_KP_LEFT_HIP)[1] + gs_gait__p(r, j, GS_KP_RIGHT_HIP)[1];
                c++;
            }
        y[i] = gs_gait__p(r, i, GS_KP_LEFT_HIP)[1] + gs_gait__p(r, i, GS_KP_RIGHT_HIP)[1] - s / c;
    }
    /* The lag range in frames, bounded by the track before it becomes an integer: frames
     * 1e-10 s apart make 0.22 / dt = 2.2e9, beyond int32_t (the conversion is undefined; it
     * gave a negative lag and a read before the buffer). */
    double lag_lo = 0.22 / dt, lag_hi = 1.2 / dt;
    if (!(lag_lo < (double)r->n))
        return 0.5; /* the track is shorter than the shortest step time */
    int32_t lag_max = lag_hi < (double)(r->n - 1) ? (int32_t)lag_hi : r->n - 1;
    for (int32_t lag = (int32_t)lag_lo; lag <= lag_max; lag++) {
        double sxy = 0, sxx = 0, syy = 0;
        for (int32_t i = 0; i + lag < r->n; i++) {
            if (!isfinite(y[i]) || !isfinite(y[i + lag]))
                continue;
            sxy += y[i] * y[i + lag];
            sxx += y[i] * y[i];
            syy += y[i + lag] * y[i + lag];
        }
        double c = sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : 0;
        if (c > best) {
            best = c;
            best_lag = lag;
        } else if (best > 0.5 && c < best - 0.05) {
            break; /* past the first strong peak: the step, not a multiple of it */
        }
    }
    return best_lag > 0 ? best_lag * dt : 0.5;
}

int gs_gait__window_ext(const gs_gait_result *r, const double *y, int32_t i, double win_s,
                        int sign)
{
    if (!r->valid[i])
        return 0;
    for (int32_t j = i - 1; j >= 0 && r->t[i] - r->t[j] <= win_s; j--)
        if (gs_gait__same_seg(r, i, j) && sign * y[j] > sign * y[i])
            return 0;
    for (int32_t j = i + 1; j < r->n && r->t[j] - r->t[i] <= win_s; j++)
        if (gs_gait__same_seg(r, i, j) && sign * y[j] >= sign * y[i])
            return 0;
    return 1;
}

/* Least squares of y on the first p (<= 4) basis columns of X (m rows); residual sum of squares, or INFINITY
 * when singular. Normal equations solved by Gaussian elimination with partial pivoting. */
static double ls_fit(const double X[][4], const double *y, int m, int p, double *coef)
{
    double A[4][5] = {{0}};
    for (int i = 0; i < m; i++)
        for (int a = 0; a < p; a++) {
            for (int b = 0; b < p; b++)
                A[a][b] += X[i][a] * X[i][b];
            A[a][p] += X[i][a] * y[i];
        }
    for (int c = 0; c < p; c++) {
        int piv = c;
        for (int rr = c + 1; rr < p; rr++)
            if (fabs(A[rr][c]) > fabs(A[piv][c]))
                piv = rr;
        if (fabs(A[piv][c]) < 1e-12)
            return INFINITY;
        for (int q = 0; q <= p; q++) {
            double tmp = A[c][q];
            A[c][q] = A[piv][q];
            A[piv][q] = tmp;
        }
        for (int rr = 0; rr < p; rr++) {
            if (rr == c)
                continue;
            double f = A[rr][c] / A[c][c];
            for (int q = c; q <= p; q++)
                A[rr][q] -= f * A[c][q];
        }
    }
    double rss = 0;
    for (int i = 0; i < m; i++) {
        double fit = 0;
        for (int a = 0; a < p; a++)
            fit += X[i][a] * A[a][p] / A[a][a];
        rss += (y[i] - fit) * (y[i] - fit);
    }
    if (coef)
        for (int a = 0; a < p; a++)
            coef[a] = A[a][p] / A[a][a];
    return rss;
}

static double ls_rss(const double X[][4], const double *y, int m, int p)
{
    return ls_fit(X, y, m, p, NULL);
}

/*
 * Change point t0 in [ta, tb] of y at idx[0..m-1] on a grid of 81 t0, refined by a parabola
 * through the residuals: the model is a level, a line and a parabola in h = t - t0 (turn: a line
 * before t0 and a parabola with slope 0 after it, each sample weighted by w; else a hinge: a level
 * on one side of t0 and a parabola in max(0, dir h) on the other, unweighted). NAN when no t0
 * gives a finite residual.
 */
static double grid_change_point(const gs_gait_result *r, const double *y, const int32_t *idx,
                                const double *w, int m, double ta, double tb, int turn, int dir)
{
    double X[GS_GAIT_HINGE_MAX][4], yy[GS_GAIT_HINGE_MAX], best = INFINITY, tbest = NAN, rss[81];
    const int steps = 80;
    for (int g = 0; g <= steps; g++) {
        double t0 = ta + (tb - ta) * g / steps;
        for (int i = 0; i < m; i++) {
            double h = r->t[idx[i]] - t0, sq = w ? sqrt(w[i]) : 1.0;
            if (turn) {
                X[i][0] = sq;
                X[i][1] = sq * fmin(0.0, h);
                X[i][2] = h > 0 ? sq * h * h : 0;
            } else {
                double u = fmax(0.0, dir * h);
                X[i][0] = 1;
                X[i][1] = u;
                X[i][2] = u * u;
            }
            X[i][3] = 0;
            yy[i] = sq * y[idx[i]];
        }
        rss[g] = ls_rss((const double(*)[4])X, yy, m, 3);
        if (rss[g] < best) {
            best = rss[g];
            tbest = t0;
        }
    }
    if (!isfinite(best))
        return NAN;
    /* sub-step: the vertex of the parabola through the best grid point and its neighbours */
    int g = (int)lround((tbest - ta) / (tb - ta) * steps);
    if (g > 0 && g < steps && isfinite(rss[g - 1]) && isfinite(rss[g + 1])) {
        double den = rss[g - 1] - 2 * rss[g] + rss[g + 1];
        if (den > 0)
            tbest += 0.5 * (rss[g - 1] - rss[g + 1]) / den * (tb - ta) / steps;
    }
    return tbest;
}

double gs_gait__turn_time(const gs_gait_result *r, const double *y, const int32_t *idx,
                          const double *w, int m, double ta, double tb)
{
    if (m < 5 || m > GS_GAIT_HINGE_MAX || !(tb > ta))
        return NAN;
    return grid_change_point(r, y, idx, w, m, ta, tb, 1, 0);
}

double gs_gait__landing_time(const gs_gait_result *r, const double *y, double ta, double tb,
                             double frac)
{
    int32_t i0 = gs_gait__frame_at(r, ta), pk = -1;
    double vpk = 0;
    /* the steepest fall between consecutive frames in [ta, tb] */
    for (int32_t i = i0; i + 1 < r->n && r->t[i] <= tb; i++) {
        if (r->t[i] < ta || !r->valid[i] || !r->valid[i + 1] || !gs_gait__same_seg(r, i, i + 1) ||
            !(r->t[i + 1] > r->t[i]) || !isfinite(y[i]) || !isfinite(y[i + 1]))
            continue;
        double v = (y[i + 1] - y[i]) / (r->t[i + 1] - r->t[i]);
        if (v < vpk) {
            vpk = v;
            pk = i;
        }
    }
    if (pk < 0)
        return NAN;
    /* then the first interval falling at less than frac of that speed; the crossing between the
     * two intervals' mid-times */
    double tp = 0.5 * (r->t[pk] + r->t[pk + 1]), vp = vpk;
    for (int32_t i = pk + 1; i + 1 < r->n && gs_gait__same_seg(r, pk, i + 1); i++) {
        if (!r->valid[i] || !r->valid[i + 1] || !(r->t[i + 1] > r->t[i]) || !isfinite(y[i + 1]))
            return NAN;
        double v = (y[i + 1] - y[i]) / (r->t[i + 1] - r->t[i]), tm = 0.5 * (r->t[i] + r->t[i + 1]);
        if (v > frac * vpk)
            return tp + (tm - tp) * (vp - frac * vpk) / (vp - v);
        tp = tm;
        vp = v;
    }
    return NAN;
}

double gs_gait__hinge_time(const gs_gait_result *r, const double *y, const int32_t *idx, int m,
                           double ta, double tb, int dir)
{
    if (m < 6 || m > GS_GAIT_HINGE_MAX || !(tb > ta))
        return NAN;
    return grid_change_point(r, y, idx, NULL, m, ta, tb, 0, dir);
}
