/* Frame-interval statistics: measured frame rate and variable-frame-rate detection. */
#include <stdlib.h>
#include <string.h>

#include "video_impl.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void gs_video__interval_stats(const double *t, size_t n, double tick_s, gs_video_scan_result *out)
{
    out->fps_measured = 0;
    out->min_dt_s = out->max_dt_s = 0;
    out->vfr = 0;
    if (n < 2)
        return;
    double span = t[n - 1] - t[0];
    if (span > 0)
        out->fps_measured = (double)(n - 1) / span;
    double *dt = malloc((n - 1) * sizeof(*dt));
    double lo = t[1] - t[0], hi = lo;
    for (size_t i = 1; i < n; i++) {
        double d = t[i] - t[i - 1];
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
        if (dt)
            dt[i - 1] = d;
    }
    out->min_dt_s = lo;
    out->max_dt_s = hi;
    if (!dt) {
        out->vfr = hi - lo > 1.5 * tick_s && hi > 1.005 * lo;
        return;
    }
    /* Variable frame rate: the intervals spread by more than a timestamp's rounding. A
     * constant-rate stream whose period is not a whole number of ticks (29.97 fps in a 1/1000
     * time base: 33 and 34 ms) spreads by one tick, so 1.5 ticks is the limit; 0.5 % of the
     * median covers writers that round to the finest ticks. */
    qsort(dt, n - 1, sizeof(*dt), cmp_double);
    double med = dt[(n - 1) / 2];
    double tol = 1.5 * tick_s > 0.005 * med ? 1.5 * tick_s : 0.005 * med;
    out->vfr = hi - lo > tol;
    free(dt);
}
