/*
 * Exports for other tools: OpenSim's marker-trajectory file (.trc) and per-stride metrics CSV.
 *
 * TRC layout (Motion Analysis "Track Row Column", as OpenSim reads it; e.g. OpenSim's
 * documentation "Marker (.trc) Files" and the header of its example subject01_walk1.trc):
 *   PathFileType  4  (X/Y/Z)  <file>
 *   DataRate CameraRate NumFrames NumMarkers Units OrigDataRate OrigDataStartFrame OrigNumFrames
 *   <values>
 *   Frame#  Time  <marker 1>  <tab> <tab> <marker 2> ...
 *          X1 Y1 Z1 X2 Y2 Z2 ...
 *   <blank line>, then one tab-separated row per frame, frames numbered from 1.
 * OpenSim needs a constant rate, so variable-rate tracks are resampled onto a uniform clock.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* Linear interpolation of landmark k at time t between the frames around it; 0 when either
 * frame has no person (the TRC row is then left empty for that marker). */
static int sample(const gs_pose_track *t, int32_t *cursor, double tt, int k, double *x, double *y)
{
    int32_t i = *cursor;
    while (i + 1 < t->n_frames && t->frames[i + 1].t_s <= tt)
        i++;
    *cursor = i;
    const gs_pose_frame *a = &t->frames[i];
    if (!a->has_kp)
        return 0;
    if (i + 1 >= t->n_frames || tt <= a->t_s) {
        *x = a->kp[k].x;
        *y = a->kp[k].y;
        return 1;
    }
    const gs_pose_frame *b = &t->frames[i + 1];
    if (!b->has_kp)
        return 0;
    double u = (tt - a->t_s) / (b->t_s - a->t_s);
    if (!(u >= 0 && u <= 1))
        u = 0;
    *x = a->kp[k].x + u * (b->kp[k].x - a->kp[k].x);
    *y = a->kp[k].y + u * (b->kp[k].y - a->kp[k].y);
    return 1;
}

gs_status gs_export_trc(const char *path, const gs_pose_track *t, double px_per_m, int facing,
                        double ground_angle_deg, double rate_hz, gs_error *err)
{
    if (!t || t->n_frames < 1)
        return gs_fail(err, GS_ERR_ARG, "%s: empty track", path);
    if (!(px_per_m > 0) || !isfinite(px_per_m))
        return gs_fail(err, GS_ERR_ARG, "%s: no scale (pixels per metre) for the TRC file", path);
    if (!(rate_hz > 0))
        rate_hz = t->fps > 0 ? t->fps : 30.0;
    double t0 = t->frames[0].t_s, t1 = t->frames[t->n_frames - 1].t_s;
    int64_t n = (int64_t)floor((t1 - t0) * rate_hz + 1e-6) + 1;
    char tmp[4200];
    FILE *f = gs_file_atomic_open(path, tmp, sizeof(tmp), err); /* complete or absent */
    if (!f)
        return err ? err->code : GS_ERR_IO;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    fprintf(f, "PathFileType\t4\t(X/Y/Z)\t%s\n", base);
    fprintf(f, "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\t"
               "OrigDataStartFrame\tOrigNumFrames\n");
    fprintf(f, "%.6g\t%.6g\t%lld\t%d\tm\t%.6g\t1\t%d\n", rate_hz, rate_hz, (long long)n,
            GS_POSE_NKP, t->fps > 0 ? t->fps : rate_hz, t->n_frames);
    fprintf(f, "Frame#\tTime");
    for (int k = 0; k < GS_POSE_NKP; k++)
        fprintf(f, "\t%s\t\t", gs_kp_name(k));
    fprintf(f, "\n\t");
    for (int k = 0; k < GS_POSE_NKP; k++)
        fprintf(f, "\tX%d\tY%d\tZ%d", k + 1, k + 1, k + 1);
    fprintf(f, "\n\n");
    /* Image -> lab: undo the ground tilt (rotate by -angle about the first frame's origin),
     * Y up (image y points down), X toward the direction of travel. */
    double ca = cos(ground_angle_deg * GS_PI / 180.0), sa = sin(ground_angle_deg * GS_PI / 180.0);
    double sx = facing < 0 ? -1.0 : 1.0;
    int32_t cursor = 0;
    for (int64_t i = 0; i < n; i++) {
        double tt = t0 + (double)i / rate_hz;
        fprintf(f, "%lld\t%.6f", (long long)(i + 1), tt - t0);
        for (int k = 0; k < GS_POSE_NKP; k++) {
            double x, y;
            int32_t c = cursor;
            if (!sample(t, &c, tt, k, &x, &y)) {
                fprintf(f, "\t\t\t");
                continue;
            }
            double xr = ca * x + sa * y, yr = -sa * x + ca * y; /* ground horizontal */
            fprintf(f, "\t%.5f\t%.5f\t%.5f", sx * xr / px_per_m, -yr / px_per_m, 0.0);
        }
        /* advance the shared cursor once per row */
        while (cursor + 1 < t->n_frames && t->frames[cursor + 1].t_s <= tt)
            cursor++;
        fputc('\n', f);
    }
    return gs_file_atomic_close(f, tmp, path, 1, err);
}

gs_status gs_export_metrics_csv(const char *path, const cJSON *analysis, gs_error *err)
{
    const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(analysis, "metrics"), *m;
    char tmp[4200];
    FILE *f = gs_file_atomic_open(path, tmp, sizeof(tmp), err); /* complete or absent */
    if (!f)
        return err ? err->code : GS_ERR_IO;
    fprintf(f, "metric,unit,side,stride,stride_start_t_s,value\n");
    cJSON_ArrayForEach(m, metrics)
    {
        const char *unit = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "unit"));
        static const char *sides[2] = {"left", "right"};
        for (int s = 0; s < 2; s++) {
            const cJSON *o = cJSON_GetObjectItemCaseSensitive(m, sides[s]);
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "values");
            const cJSON *ts = cJSON_GetObjectItemCaseSensitive(o, "t");
            int n = cJSON_GetArraySize(v);
            for (int i = 0; i < n; i++) {
                const cJSON *vi = cJSON_GetArrayItem(v, i), *ti = cJSON_GetArrayItem(ts, i);
                if (!cJSON_IsNumber(vi))
                    continue;
                fprintf(f, "%s,%s,%s,%d,", m->string ? m->string : "", unit ? unit : "",
                        sides[s], i + 1);
                if (cJSON_IsNumber(ti))
                    fprintf(f, "%.4f", ti->valuedouble);
                fprintf(f, ",%.6g\n", vi->valuedouble);
            }
        }
    }
    return gs_file_atomic_close(f, tmp, path, 1, err);
}
