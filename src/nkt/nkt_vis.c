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

static double num_key(const cJSON *o, const char *const *keys, size_t nk)
{
    for (size_t i = 0; i < nk; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, keys[i]);
        if (cJSON_IsNumber(v) && isfinite(v->valuedouble))
            return v->valuedouble;
    }
    return NAN;
}

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

static int annotate_one(cJSON *st, const char *side, const double *t, const double *vl,
                        const double *vr, size_t n)
{
    static const char *const k0[] = {"t0", "start", "start_t", "t_start"};
    static const char *const k1[] = {"t1", "end", "end_t", "t_end"};
    const cJSON *sd = cJSON_GetObjectItemCaseSensitive(st, "side");
    double t0 = num_key(st, k0, 4), t1 = num_key(st, k1, 4), v;
    if (!cJSON_IsObject(st))
        return 0;
    if (!side && cJSON_IsString(sd))
        side = sd->valuestring;
    if (!side || isnan(t0) || isnan(t1) || !(t1 > t0))
        return 0;
    if (strcmp(side, "left") && strcmp(side, "right"))
        return 0;
    v = mean_over(t, !strcmp(side, "left") ? vl : vr, n, t0, t1);
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
    if (cJSON_IsArray(strides)) {
        for (cJSON *st = strides->child; st; st = st->next)
            bad |= annotate_one(st, NULL, t, vis_left, vis_right, n);
    } else if (cJSON_IsObject(strides)) {
        static const char *const sides[2] = {"left", "right"};
        for (int s = 0; s < 2; s++) {
            cJSON *arr = cJSON_GetObjectItemCaseSensitive(strides, sides[s]);
            for (cJSON *st = cJSON_IsArray(arr) ? arr->child : NULL; st; st = st->next)
                bad |= annotate_one(st, sides[s], t, vis_left, vis_right, n);
        }
    }
    if (bad)
        return gs_fail(err, GS_ERR_NOMEM, "analysis: out of memory adding stride visibility");
    return GS_OK;
}
