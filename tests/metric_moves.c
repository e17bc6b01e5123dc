/* Metric moves against a tenth of their minimal change (metric_moves.h). */
#include "metric_moves.h"
#include "gs_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gs_metric_moves(const gs_gait_result *r0, const gs_gait_result *r1, const char *what,
                    gs_metric_moves_result *res)
{
    char *txt = gs_test_read_text(GS_SOURCE_DIR "/models/minimal_change.json");
    cJSON *mc = txt ? cJSON_Parse(txt) : NULL;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(mc, "metrics"), *it;
    memset(res, 0, sizeof(*res));
    free(txt);
    if (!cJSON_IsObject(m)) {
        cJSON_Delete(mc);
        return -1;
    }
    cJSON_ArrayForEach(it, m)
    {
        const cJSON *val = cJSON_GetObjectItemCaseSensitive(it, "value");
        const cJSON *unit = cJSON_GetObjectItemCaseSensitive(it, "unit");
        if (!cJSON_IsNumber(val) || !cJSON_IsString(unit))
            continue;
        for (int side = -1; side < 2; side++) {
            double a = NAN, b = NAN, sd;
            int na = 0, nb = 0;
            gs_gait_result_metric(r0, it->string, side, &a, &sd, &na);
            gs_gait_result_metric(r1, it->string, side, &b, &sd, &nb);
            if (!isfinite(a) || !isfinite(b) || na == 0 || nb == 0)
                continue;
            const gs_metric_info *info = gs_metric_find(it->string);
            double d = fabs(b - a), lim = 0.1 * val->valuedouble;
            /* '%' is a percentage of the value, as compare reads it, unless the metric is itself
             * in % (walking stance, swing, double support: percentage points) */
            if (!strcmp(unit->valuestring, "%") && !(info && !strcmp(info->unit, "%")))
                d = 100 * d / fabs(a);
            res->compared++;
            if (!(d < lim)) {
                res->over++;
                fprintf(stderr,
                        "%s: %s side %d: %.4g -> %.4g (change %.3g, a tenth of the "
                        "minimal change %.3g %s)\n",
                        what, it->string, side, a, b, d, lim, unit->valuestring);
            }
        }
    }
    cJSON_Delete(mc);
    return 0;
}
