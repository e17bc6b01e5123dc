/*
 * Landmark visibility per stride, for the confidence of findings (issue 7: "confidence from
 * landmark visibility on the frames involved"). BlazePose gives each landmark a visibility
 * probability (DESIGN.md pose.json); a stride where the leg was mostly hidden or guessed gives
 * less trustworthy angles, so its findings are less certain. The caller supplies per-frame
 * visibility (it owns the pose track); this file only averages it over each stride, so the
 * compensation detector stays independent of the pose and gait stages' C structs.
 */
#include <math.h>
#include <string.h>

#include "nkt_impl.h"

/* Mean of vis over frames with t0 <= t < t1 (binary search for the first); NAN if none. */
static double mean_over(const double *t, const double *vis, size_t n, double t0, double t1)
{
    size_t lo = 0, hi = n;
    double sum = 0;
    size_t cnt = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid] < t0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < n && t[i] < t1; i++) {
        if (!isfinite(vis[i]))
            continue;
        sum += vis[i] < 0 ? 0 : vis[i] > 1 ? 1 : vis[i];
        cnt++;
    }
    return cnt ? sum / (double)cnt : NAN;
}

static int annotate_one(cJSON *st, const double *t, const double *vl, const double *vr, size_t n)
{
    const cJSON *sd = cJSON_GetObjectItemCaseSensitive(st, "side");
    const cJSON *j0 = cJSON_GetObjectItemCaseSensitive(st, "t0");
    const cJSON *j1 = cJSON_GetObjectItemCaseSensitive(st, "t1");
    double v;
    if (!cJSON_IsObject(st) || !cJSON_IsString(sd) || !cJSON_IsNumber(j0) || !cJSON_IsNumber(j1))
        return 0;
    double t0 = j0->valuedouble, t1 = j1->valuedouble;
    if (!(t1 > t0) || (strcmp(sd->valuestring, "left") && strcmp(sd->valuestring, "right")))
        return 0;
    v = mean_over(t, !strcmp(sd->valuestring, "left") ? vl : vr, n, t0, t1);
    if (isnan(v))
        return 0;
    cJSON_DeleteItemFromObjectCaseSensitive(st, "visibility");
    return cJSON_AddNumberToObject(st, "visibility", round(v * 1e4) / 1e4) ? 0 : -1;
}

gs_status gs_nkt_annotate_visibility(cJSON *analysis, const double *t, const double *vis_left,
                                     const double *vis_right, size_t n, gs_error *err)
{
    cJSON *strides;
    int bad = 0;
    if (!analysis || !t || !vis_left || !vis_right || n == 0)
        return gs_fail(err, GS_ERR_ARG, "visibility: no frames given");
    if (!cJSON_IsObject(analysis))
        return gs_fail(err, GS_ERR_FORMAT, "analysis: not a JSON object");
    strides = cJSON_GetObjectItemCaseSensitive(analysis, "strides");
    for (cJSON *st = cJSON_IsArray(strides) ? strides->child : NULL; st; st = st->next)
        bad |= annotate_one(st, t, vis_left, vis_right, n);
    if (bad)
        return gs_fail(err, GS_ERR_NOMEM, "analysis: out of memory adding stride visibility");
    return GS_OK;
}
