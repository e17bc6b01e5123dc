/*
 * Rule evaluation on an analysis.json object (DESIGN.md "Artifacts").
 *
 * For each rule that suits the activity and the view, and each side (or once for whole-body
 * rules), every required condition is tested on the per-stride values of its metric:
 *  - level: the side's mean is beyond the threshold AND the condition holds in at least
 *    `persistence` of the strides (a single wild stride does not make a finding);
 *  - asymmetry: the side is the lower (or higher) one, and |L - R| exceeds both the rule's
 *    minimum (degrees, or SI % for strictly positive metrics) and sd_factor x the pooled
 *    stride-to-stride SD, i.e. more than stride variability explains (REFERENCES.md section 5:
 *    SI explodes near zero, so angles use degree differences); for a metric that is a difference
 *    of event times (contact, step, flight) |L - R| must also exceed the minimal detectable
 *    change that the events' stated uncertainty (events[].unc_frames) gives
 *    (gs_gait_event_mdc_ms).
 * Severity grows linearly from severity_floor at the threshold to severity_max at "full".
 * Confidence multiplies: view suitability of the rule x view.confidence of the analysis x the
 * rule's 2D validity x stride count (sqrt(n / strides_for_full_confidence), capped at 1; about
 * 7 steps give a stable 2D mean, Dingenen 2018 Phys Ther Sport 33:40) x consistency across
 * strides (0.5 + 0.5 x fraction of strides where it holds) x landmark visibility of the strides
 * involved when the analysis gives it (strides[].visibility, gs_nkt_annotate_visibility) x
 * far_side_factor when, in a side view, the finding rests on the leg away from the camera;
 * an unknown view or activity halves it.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nkt_impl.h"

#define N_STRONGEST 3 /* strides listed as "strongest" per evidence item */

/* Numbers of one side of one metric. */
typedef struct sidev {
    int present;         /* mean known */
    double mean, sd;     /* of the per-stride values */
    int n;               /* strides */
    const cJSON *values; /* values[] in stride order, or NULL */
    const cJSON *times;  /* t[]: start time of the stride of each value (gait stage), or NULL */
} sidev;

typedef struct ectx {
    const gs_nkt_rules *rules;
    const cJSON *analysis, *metrics, *strides, *events;
    const gs_nkt_history *history;
    gs_error *err;
    int oom;
    gs_gait_far_leg far; /* side views: the leg away from the camera, or each in turn */
} ectx;

static const cJSON *obj_get(const cJSON *o, const char *k)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

static int is_num(const cJSON *v)
{
    return cJSON_IsNumber(v) && isfinite(v->valuedouble);
}

/* Reads {mean, sd, n, values[]} of one side entry; values override a missing mean/sd/n. */
static void read_side(const cJSON *e, sidev *s)
{
    const cJSON *m = obj_get(e, "mean"), *sd = obj_get(e, "sd"), *n = obj_get(e, "n");
    const cJSON *vals = obj_get(e, "values");
    memset(s, 0, sizeof(*s));
    if (!cJSON_IsObject(e))
        return;
    if (cJSON_IsArray(vals)) {
        int cnt = 0;
        double sum = 0, ss = 0;
        for (const cJSON *it = vals->child; it; it = it->next)
            if (is_num(it)) {
                sum += it->valuedouble;
                cnt++;
            }
        if (cnt > 0) {
            double mu = sum / cnt;
            for (const cJSON *it = vals->child; it; it = it->next)
                if (is_num(it))
                    ss += (it->valuedouble - mu) * (it->valuedouble - mu);
            s->values = vals;
            s->times = cJSON_IsArray(obj_get(e, "t")) &&
                               cJSON_GetArraySize(obj_get(e, "t")) == cJSON_GetArraySize(vals)
                           ? obj_get(e, "t")
                           : NULL;
            s->n = cnt;
            s->mean = mu;
            s->sd = cnt > 1 ? sqrt(ss / (cnt - 1)) : 0.0;
            s->present = 1;
        }
    }
    if (is_num(m)) {
        s->mean = m->valuedouble;
        s->present = 1;
    }
    if (is_num(sd) && sd->valuedouble >= 0)
        s->sd = sd->valuedouble;
    /* a count beyond int is not a stride count; kept as INT_MAX rather than converted (an
     * out-of-range conversion is undefined) */
    if (!s->values && is_num(n) && n->valuedouble >= 0)
        s->n = n->valuedouble < (double)INT_MAX ? (int)n->valuedouble : INT_MAX;
}

static const char *side_key(gs_nkt__side s)
{
    return s == GS_NKT__SIDE_LEFT ? "left" : s == GS_NKT__SIDE_RIGHT ? "right" : "all";
}

/* The stride objects of a side that were used for metrics, in order (values[] index i is the
 * i-th used stride). analysis.json's "strides" is one array of objects, each with "side", "t0"
 * and "used" (src/gait/gait_output.c writes it; docs/schemas/analysis.schema.json). Returns the
 * i-th used stride object or NULL. */
static const cJSON *used_stride(const ectx *c, gs_nkt__side side, int idx)
{
    const cJSON *it;
    int k = 0;
    if (!cJSON_IsArray(c->strides) || side == GS_NKT__SIDE_NONE)
        return NULL;
    for (it = c->strides->child; it; it = it->next) {
        const cJSON *sd = obj_get(it, "side");
        if (!cJSON_IsObject(it) || !cJSON_IsString(sd) || strcmp(sd->valuestring, side_key(side)))
            continue;
        if (!cJSON_IsTrue(obj_get(it, "used")))
            continue;
        if (k++ == idx)
            return it;
    }
    return NULL;
}

static double stride_start(const cJSON *st)
{
    const cJSON *v = obj_get(st, "t0");
    return is_num(v) ? v->valuedouble : NAN;
}

/* Mean landmark visibility of a stride when the analysis gives one, else NAN. */
static double stride_visibility(const cJSON *st)
{
    const cJSON *v = obj_get(st, "visibility");
    return is_num(v) ? v->valuedouble : NAN;
}

static double clamp01(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* Picks up to N_STRONGEST indices of values with the largest score (score NAN = skip). */
static int strongest(const double *score, int n, int *idx)
{
    int k = 0;
    for (int r = 0; r < N_STRONGEST; r++) {
        int best = -1;
        for (int i = 0; i < n; i++) {
            int taken = 0;
            if (isnan(score[i]))
                continue;
            for (int j = 0; j < k; j++)
                taken |= idx[j] == i;
            if (!taken && (best < 0 || score[i] > score[best]))
                best = i;
        }
        if (best < 0)
            break;
        idx[k++] = best;
    }
    return k;
}

/*
 * The stride behind value i of a side: when the metric carries t[] (stride start times, as the
 * gait stage writes), the used stride starting at that time; else the i-th used stride. *t_out
 * gets the stride's start time (NAN if unknown); returns the stride index among the side's used
 * strides (i when no stride list matches) and the stride object in *st_out (may be NULL).
 */
static int stride_of_value(const ectx *c, gs_nkt__side side, const sidev *sv, int i, double *t_out,
                           const cJSON **st_out)
{
    const cJSON *tv = sv && sv->times ? cJSON_GetArrayItem(sv->times, i) : NULL;
    *st_out = NULL;
    *t_out = NAN;
    if (is_num(tv)) {
        *t_out = tv->valuedouble;
        for (int k = 0;; k++) {
            const cJSON *st = used_stride(c, side, k);
            if (!st)
                break;
            if (fabs(stride_start(st) - tv->valuedouble) < 1e-3) {
                *st_out = st;
                return k;
            }
        }
        return i;
    }
    *st_out = used_stride(c, side, i);
    if (*st_out)
        *t_out = stride_start(*st_out);
    return i;
}

/* Adds the (fractional) video frame of the initial contact that starts a stride at time t, from
 * analysis.json events[], so the overlay can jump to it; nothing when no event matches. */
static void add_frame(ectx *c, cJSON *frames, gs_nkt__side side, double t)
{
    const cJSON *ev;
    if (!cJSON_IsArray(c->events) || isnan(t))
        return;
    for (ev = c->events->child; ev; ev = ev->next) {
        const cJSON *sd = obj_get(ev, "side"), *ty = obj_get(ev, "type");
        const cJSON *et = obj_get(ev, "t"), *fr = obj_get(ev, "frame");
        if (cJSON_IsString(sd) && !strcmp(sd->valuestring, side_key(side)) && cJSON_IsString(ty) &&
            !strcmp(ty->valuestring, "IC") && is_num(et) && is_num(fr) &&
            fabs(et->valuedouble - t) < 2e-3) {
            if (!cJSON_AddItemToArray(frames, cJSON_CreateNumber(fr->valuedouble)))
                c->oom = 1;
            return;
        }
    }
}

/* Adds strides[] and times[] for the chosen value indices of a side. */
static void add_strides(ectx *c, cJSON *ev, gs_nkt__side side, const sidev *sv, const int *idx,
                        int k, double *vis_sum, int *vis_n)
{
    cJSON *st = cJSON_AddArrayToObject(ev, "strides");
    cJSON *tm = cJSON_AddArrayToObject(ev, "times");
    cJSON *fr = cJSON_AddArrayToObject(ev, "frames");
    if (!st || !tm || !fr) {
        c->oom = 1;
        return;
    }
    for (int i = 0; i < k; i++) {
        const cJSON *s;
        double t;
        int j = stride_of_value(c, side, sv, idx[i], &t, &s);
        double v = s ? stride_visibility(s) : NAN;
        if (!cJSON_AddItemToArray(st, cJSON_CreateNumber(j)))
            c->oom = 1;
        if (!isnan(t) && !cJSON_AddItemToArray(tm, cJSON_CreateNumber(t)))
            c->oom = 1;
        add_frame(c, fr, side, t);
        if (!isnan(v) && vis_sum) {
            *vis_sum += v;
            (*vis_n)++;
        }
    }
}

/*
 * Adds holds_strides[] and holds_times[]: every stride whose value meets the condition (score not
 * NAN), in stride order; for a whole-body value pooled from the two legs (sv2 not NULL: values
 * 0..nv-1 are sv's, the left leg's, then nv2 of sv2, the right's) the left strides first, and
 * holds_stride_sides[] says which leg each belongs to. The indices are those of strides[]; a
 * stride whose start is unknown has null in holds_times. Nothing when no stride has a value
 * (holds_in is then absent too: the mean alone decided).
 */
static void add_holds(ectx *c, cJSON *ev, gs_nkt__side side, const sidev *sv, const sidev *sv2,
                      const double *score, int nv, int nv2, int counted)
{
    cJSON *st, *tm, *ss = NULL;
    if (counted == 0)
        return;
    st = cJSON_AddArrayToObject(ev, "holds_strides");
    tm = cJSON_AddArrayToObject(ev, "holds_times");
    if (sv2)
        ss = cJSON_AddArrayToObject(ev, "holds_stride_sides");
    if (!st || !tm || (sv2 && !ss)) {
        c->oom = 1;
        return;
    }
    for (int i = 0; i < nv + nv2; i++) {
        gs_nkt__side sd = !sv2 ? side : i < nv ? GS_NKT__SIDE_LEFT : GS_NKT__SIDE_RIGHT;
        const cJSON *s;
        double t;
        int j;
        if (isnan(score[i]))
            continue;
        j = stride_of_value(c, sd, i < nv ? sv : sv2, i < nv ? i : i - nv, &t, &s);
        if (!cJSON_AddItemToArray(st, cJSON_CreateNumber(j)) ||
            !cJSON_AddItemToArray(tm, isnan(t) ? cJSON_CreateNull() : cJSON_CreateNumber(t)) ||
            (ss && !cJSON_AddItemToArray(ss, cJSON_CreateString(side_key(sd)))))
            c->oom = 1;
    }
}

/* Per-stride values of a side as doubles (NAN for non-numbers); returns count or -1 (oom). */
static int values_of(const sidev *s, double **out)
{
    int n = s->values ? cJSON_GetArraySize(s->values) : 0, i = 0;
    *out = NULL;
    if (n <= 0)
        return 0;
    *out = malloc((size_t)n * sizeof(double));
    if (!*out)
        return -1;
    for (const cJSON *it = s->values->child; it; it = it->next, i++)
        (*out)[i] = is_num(it) ? it->valuedouble : NAN;
    return n;
}

static const char *metric_unit(const cJSON *m, const gs_nkt__metric *mt)
{
    const cJSON *u = obj_get(m, "unit");
    return cJSON_IsString(u) && u->valuestring[0] ? u->valuestring : mt->unit;
}

/* Level condition on side (NONE = whole body). */
static void eval_level(ectx *c, const gs_nkt__rule *r, const gs_nkt__cond *cd, gs_nkt__side side,
                       gs_nkt__cres *res, double *vis_sum, int *vis_n)
{
    const gs_nkt__metric *mt = NULL;
    const cJSON *m = NULL;
    sidev sv, s2;
    gs_nkt__side src = cd->opposite ? gs_nkt__other_side(side) : side;
    double *vals = NULL, *vals2 = NULL, *score = NULL;
    int nv = 0, nv2 = 0, passing = 0, counted = 0, idx[N_STRONGEST], k;
    const gs_nkt__alt *a = NULL;
    int whole_split = 0; /* whole-body value built from the left and right entries */

    memset(res, 0, sizeof(*res));
    memset(&s2, 0, sizeof(s2));
    memset(&sv, 0, sizeof(sv));
    for (int i = 0; i < cd->n_alt && !a; i++) {
        mt = gs_nkt__metric_at(cd->alt[i].metric);
        m = obj_get(c->metrics, mt->key);
        if (!m)
            continue;
        read_side(obj_get(m, side_key(src)), &sv);
        if (src == GS_NKT__SIDE_NONE) {
            /* Whole body: use "all" when given, else pool the two sides; per-stride values
             * (for persistence) come from both feet when "all" has none. */
            sidev l, rr;
            read_side(obj_get(m, "left"), &l);
            read_side(obj_get(m, "right"), &rr);
            if (!sv.present && l.present && rr.present) {
                int nn = l.n + rr.n;
                sv.mean = nn > 0 ? (l.mean * l.n + rr.mean * rr.n) / nn : 0.5 * (l.mean + rr.mean);
                sv.n = nn;
                sv.present = 1;
            }
            if (sv.present && !sv.values && l.values && rr.values) {
                sv.values = l.values;
                sv.times = l.times;
                s2 = rr;
                whole_split = 1;
                if (sv.n == 0)
                    sv.n = l.n + rr.n;
            }
        }
        if (sv.present) {
            a = &cd->alt[i];
            res->alt = i;
        }
    }
    if (!a) {
        snprintf(res->reason, sizeof(res->reason), "%s not measured%s",
                 gs_nkt__metric_at(cd->alt[0].metric)->key,
                 cd->n_alt > 1 ? " (nor its alternatives)" : "");
        return;
    }
    if (sv.n < c->rules->min_strides) {
        snprintf(res->reason, sizeof(res->reason), "%s: %d strides, %d needed", mt->key, sv.n,
                 c->rules->min_strides);
        return;
    }
    res->state = 1;
    res->n = sv.n;
    res->value = sv.mean;
    if (cd->above) {
        res->frac = clamp01((sv.mean - a->threshold) / (a->full - a->threshold));
    } else {
        res->frac = clamp01((a->threshold - sv.mean) / (a->threshold - a->full));
    }
    nv = values_of(&sv, &vals);
    if (whole_split)
        nv2 = values_of(&s2, &vals2);
    if (nv < 0 || nv2 < 0) {
        c->oom = 1;
        goto done;
    }
    score = malloc((size_t)(nv + nv2 + 1) * sizeof(double));
    if (!score) {
        c->oom = 1;
        goto done;
    }
    for (int i = 0; i < nv + nv2; i++) {
        double v = i < nv ? vals[i] : vals2[i - nv];
        double ex = cd->above ? v - a->threshold : a->threshold - v;
        score[i] = NAN;
        if (isnan(v))
            continue;
        counted++;
        if (ex > 0) {
            passing++;
            score[i] = ex;
        }
    }
    /* Without per-stride values, consistency is unknown: the mean decides, consistency 0.5. */
    res->cons = counted > 0 ? (double)passing / counted : 0.5;
    res->holds = (cd->above ? sv.mean > a->threshold : sv.mean < a->threshold) &&
                 (counted == 0 || res->cons >= cd->persistence);

    res->evidence = cJSON_CreateObject();
    if (!res->evidence) {
        c->oom = 1;
        goto done;
    }
    {
        cJSON *ev = res->evidence;
        int ok = 1;
        ok &= cJSON_AddStringToObject(ev, "metric", mt->key) != NULL;
        ok &= cJSON_AddStringToObject(
                  ev, "side", side_key(src == GS_NKT__SIDE_NONE ? GS_NKT__SIDE_NONE : src)) != NULL;
        ok &= cJSON_AddStringToObject(ev, "measure", "level") != NULL;
        ok &= cJSON_AddStringToObject(ev, "comparison", cd->above ? "above" : "below") != NULL;
        ok &= cJSON_AddNumberToObject(ev, "value", sv.mean) != NULL;
        ok &= cJSON_AddNumberToObject(ev, "threshold", a->threshold) != NULL;
        ok &= cJSON_AddStringToObject(ev, "unit", metric_unit(m, mt)) != NULL;
        ok &= cJSON_AddStringToObject(ev, "source", cd->source ? cd->source : r->source) != NULL;
        ok &= cJSON_AddNumberToObject(ev, "n", sv.n) != NULL;
        if (counted > 0)
            ok &= cJSON_AddNumberToObject(ev, "holds_in", passing) != NULL;
        if (!cd->required)
            ok &= cJSON_AddBoolToObject(ev, "supporting", 1) != NULL;
        if (!ok)
            c->oom = 1;
        /* Strongest strides: in a whole-body pooled value, report the left side's strides
         * first; indices are per side, so "stride_sides" says which side each belongs to. */
        k = strongest(score, nv + nv2, idx);
        if (!whole_split) {
            add_strides(c, ev, src, &sv, idx, k, vis_sum, vis_n);
        } else {
            cJSON *st = cJSON_AddArrayToObject(ev, "strides");
            cJSON *tm = cJSON_AddArrayToObject(ev, "times");
            cJSON *ss = cJSON_AddArrayToObject(ev, "stride_sides");
            cJSON *fr = cJSON_AddArrayToObject(ev, "frames");
            if (!st || !tm || !ss || !fr) {
                c->oom = 1;
            } else {
                for (int i = 0; i < k; i++) {
                    gs_nkt__side sd = idx[i] < nv ? GS_NKT__SIDE_LEFT : GS_NKT__SIDE_RIGHT;
                    const cJSON *s;
                    double t;
                    int j = stride_of_value(c, sd, idx[i] < nv ? &sv : &s2,
                                            idx[i] < nv ? idx[i] : idx[i] - nv, &t, &s);
                    double vv = s ? stride_visibility(s) : NAN;
                    if (!cJSON_AddItemToArray(st, cJSON_CreateNumber(j)) ||
                        !cJSON_AddItemToArray(ss, cJSON_CreateString(side_key(sd))))
                        c->oom = 1;
                    if (!isnan(t) && !cJSON_AddItemToArray(tm, cJSON_CreateNumber(t)))
                        c->oom = 1;
                    add_frame(c, fr, sd, t);
                    if (!isnan(vv)) {
                        *vis_sum += vv;
                        (*vis_n)++;
                    }
                }
            }
        }
        add_holds(c, ev, src, &sv, whole_split ? &s2 : NULL, score, nv, nv2, counted);
    }
done:
    free(vals);
    free(vals2);
    free(score);
}

/* Asymmetry condition for side (which must be the flagged side for it to hold). */
static void eval_asym(ectx *c, const gs_nkt__rule *r, const gs_nkt__cond *cd, gs_nkt__side side,
                      gs_nkt__cres *res, double *vis_sum, int *vis_n)
{
    const gs_nkt__alt *a = &cd->alt[0];
    const gs_nkt__metric *mt = gs_nkt__metric_at(a->metric);
    const cJSON *m = obj_get(c->metrics, mt->key);
    sidev l, rr, *me, *ot;
    gs_nkt__side flagged;
    double diff, pooled, size, thr, si = NAN, mdc, *vals = NULL, *score = NULL;
    int nv, counted = 0, passing = 0, idx[N_STRONGEST], k;

    memset(res, 0, sizeof(*res));
    read_side(obj_get(m, "left"), &l);
    read_side(obj_get(m, "right"), &rr);
    if (!m || !l.present || !rr.present) {
        snprintf(res->reason, sizeof(res->reason), "%s not measured on both sides", mt->key);
        return;
    }
    if (l.n < c->rules->min_strides || rr.n < c->rules->min_strides) {
        snprintf(res->reason, sizeof(res->reason), "%s: %d left / %d right strides, %d needed",
                 mt->key, l.n, rr.n, c->rules->min_strides);
        return;
    }
    res->state = 1;
    res->n = side == GS_NKT__SIDE_LEFT ? l.n : rr.n;
    diff = l.mean - rr.mean;
    pooled = l.n + rr.n > 2
                 ? sqrt(((l.n - 1) * l.sd * l.sd + (rr.n - 1) * rr.sd * rr.sd) / (l.n + rr.n - 2))
                 : 0.0;
    if (diff == 0)
        flagged = GS_NKT__SIDE_NONE;
    else if (cd->above)
        flagged = diff > 0 ? GS_NKT__SIDE_LEFT : GS_NKT__SIDE_RIGHT;
    else
        flagged = diff < 0 ? GS_NKT__SIDE_LEFT : GS_NKT__SIDE_RIGHT;
    if (l.mean + rr.mean > 0 && mt->kind == GS_METRIC_KIND_POSITIVE)
        si = 100.0 * diff / (0.5 * (l.mean + rr.mean));
    if (cd->use_si) {
        if (isnan(si)) {
            res->state = 0;
            snprintf(res->reason, sizeof(res->reason), "%s: SI undefined (L + R <= 0)", mt->key);
            return;
        }
        size = fabs(si);
        thr = a->threshold;
    } else {
        size = fabs(diff);
        thr = fmax(a->threshold, cd->sd_factor * pooled);
    }
    res->value = size;
    res->frac = clamp01((size - a->threshold) / (a->full - a->threshold));
    /* Consistency: share of this side's strides beyond the other side's mean, in the flagged
     * direction ("in k of n strides the left hip extended less than the right on average"). */
    me = side == GS_NKT__SIDE_LEFT ? &l : &rr;
    ot = side == GS_NKT__SIDE_LEFT ? &rr : &l;
    nv = values_of(me, &vals);
    if (nv < 0 || !(score = malloc((size_t)(nv + 1) * sizeof(double)))) {
        c->oom = 1;
        goto done;
    }
    for (int i = 0; i < nv; i++) {
        double ex = cd->above ? vals[i] - ot->mean : ot->mean - vals[i];
        score[i] = NAN;
        if (isnan(vals[i]))
            continue;
        counted++;
        if (ex > 0) {
            passing++;
            score[i] = ex;
        }
    }
    res->cons = counted > 0 ? (double)passing / counted : 0.5;
    /* an event-timing difference must also exceed what the events' uncertainty explains */
    mdc = gs_gait_event_mdc_ms(c->analysis, mt->key);
    res->holds = flagged == side && size > thr &&
                 (cd->use_si ? fabs(diff) > cd->sd_factor * pooled : 1) &&
                 (counted == 0 || res->cons >= cd->persistence);
    if (res->holds && !isnan(mdc) && fabs(diff) <= mdc) {
        res->holds = 0;
        res->within_unc = 1;
        snprintf(res->reason, sizeof(res->reason),
                 "%s: left %.0f vs right %.0f ms, a difference within what the events' "
                 "uncertainty explains (%.0f ms, MDC95 of unc_frames)",
                 mt->key, l.mean, rr.mean, mdc);
    }
    res->evidence = cJSON_CreateObject();
    if (!res->evidence) {
        c->oom = 1;
        goto done;
    }
    {
        cJSON *ev = res->evidence;
        int ok = 1;
        ok &= cJSON_AddStringToObject(ev, "metric", mt->key) != NULL;
        ok &= cJSON_AddStringToObject(ev, "side", side_key(side)) != NULL;
        ok &= cJSON_AddStringToObject(ev, "measure", "asymmetry") != NULL;
        ok &= cJSON_AddStringToObject(ev, "comparison", cd->above ? "higher" : "lower") != NULL;
        ok &= cJSON_AddNumberToObject(ev, "value", size) != NULL;
        ok &= cJSON_AddStringToObject(ev, "value_unit",
                                      cd->use_si ? "% (SI)" : metric_unit(m, mt)) != NULL;
        ok &= cJSON_AddNumberToObject(ev, "threshold", thr) != NULL;
        ok &= cJSON_AddStringToObject(ev, "unit", metric_unit(m, mt)) != NULL;
        ok &= cJSON_AddStringToObject(ev, "source", cd->source ? cd->source : r->source) != NULL;
        ok &= cJSON_AddNumberToObject(ev, "left", l.mean) != NULL;
        ok &= cJSON_AddNumberToObject(ev, "right", rr.mean) != NULL;
        ok &= cJSON_AddNumberToObject(ev, "diff", diff) != NULL;
        if (isnan(si))
            ok &= cJSON_AddNullToObject(ev, "si") != NULL;
        else
            ok &= cJSON_AddNumberToObject(ev, "si", si) != NULL;
        ok &= cJSON_AddNumberToObject(ev, "pooled_sd", pooled) != NULL;
        if (!isnan(mdc))
            ok &= cJSON_AddNumberToObject(ev, "event_mdc", mdc) != NULL;
        ok &= cJSON_AddNumberToObject(ev, "n", me->n) != NULL;
        if (counted > 0)
            ok &= cJSON_AddNumberToObject(ev, "holds_in", passing) != NULL;
        if (!cd->required)
            ok &= cJSON_AddBoolToObject(ev, "supporting", 1) != NULL;
        if (!ok)
            c->oom = 1;
        k = strongest(score, nv, idx);
        add_strides(c, ev, side, me, idx, k, vis_sum, vis_n);
        add_holds(c, ev, side, me, NULL, score, nv, 0, counted);
    }
done:
    free(vals);
    free(score);
}

static int add_skip(ectx *c, cJSON *skipped, const char *rule, const char *reason)
{
    cJSON *o;
    if (!skipped)
        return 0;
    o = cJSON_CreateObject();
    if (!o || !cJSON_AddStringToObject(o, "rule", rule) ||
        !cJSON_AddStringToObject(o, "reason", reason) || !cJSON_AddItemToArray(skipped, o)) {
        cJSON_Delete(o);
        c->oom = 1;
        return -1;
    }
    return 0;
}

/* Evaluates rule r on side; appends a finding to out when it fires. */
static void eval_rule_side(ectx *c, const gs_nkt__rule *r, gs_nkt__side side, double view_fit,
                           double view_conf, cJSON *out, cJSON *skipped)
{
    gs_nkt__cres *res = calloc(r->n_conds ? r->n_conds : 1, sizeof(*res));
    double frac = 0, cons = 0, vis_sum = 0, severity, confidence, c_n;
    int nreq = 0, all = 1, vis_n = 0, nmin = 1 << 30, uses_far = 0;
    const gs_nkt__side far_side = c->far == GS_GAIT_FAR_LEFT    ? GS_NKT__SIDE_LEFT
                                  : c->far == GS_GAIT_FAR_RIGHT ? GS_NKT__SIDE_RIGHT
                                                                : GS_NKT__SIDE_NONE;
    const char *absent = NULL;

    if (!res) {
        c->oom = 1;
        return;
    }
    for (size_t i = 0; i < r->n_conds && !c->oom; i++) {
        const gs_nkt__cond *cd = &r->conds[i];
        double *vs = cd->required ? &vis_sum : NULL;
        int dummy_n = 0;
        if (cd->type == GS_NKT__C_LEVEL)
            eval_level(c, r, cd, side, &res[i], vs ? vs : &(double){0}, vs ? &vis_n : &dummy_n);
        else
            eval_asym(c, r, cd, side, &res[i], vs ? vs : &(double){0}, vs ? &vis_n : &dummy_n);
        if (!cd->required)
            continue;
        /* does this condition rest on the far leg? (asymmetries always use both legs; a
         * whole-body value pools both) */
        if (res[i].state != 0 && c->far != GS_GAIT_FAR_NONE &&
            (cd->type == GS_NKT__C_ASYM || side == GS_NKT__SIDE_NONE ||
             c->far == GS_GAIT_FAR_EACH || (cd->opposite ? gs_nkt__other_side(side) : side) == far_side))
            uses_far = 1;
        if (res[i].state == 0) {
            absent = res[i].reason;
            all = 0;
            break;
        }
        if (!res[i].holds)
            all = 0;
        nreq++;
        frac += res[i].frac;
        cons += res[i].cons;
        if (res[i].n < nmin)
            nmin = res[i].n;
    }
    if (!absent && !all && !c->oom) {
        /* every required condition holds but an asymmetry the events' uncertainty explains:
         * say so rather than dropping it silently */
        const char *why = NULL;
        int rest = 1;
        for (size_t i = 0; i < r->n_conds; i++) {
            if (!r->conds[i].required)
                continue;
            if (res[i].within_unc)
                why = why ? why : res[i].reason;
            else if (!res[i].holds)
                rest = 0;
        }
        if (why && rest)
            add_skip(c, skipped, r->id, why);
    }
    if (absent) {
        /* One entry per rule and reason (left and right often miss the same metric). */
        const cJSON *last =
            skipped ? cJSON_GetArrayItem(skipped, cJSON_GetArraySize(skipped) - 1) : NULL;
        const cJSON *lr = obj_get(last, "rule"), *lw = obj_get(last, "reason");
        if (!(lr && lw && !strcmp(lr->valuestring, r->id) && !strcmp(lw->valuestring, absent)))
            add_skip(c, skipped, r->id, absent);
    }
    if (all && nreq > 0 && !c->oom) {
        cJSON *f;
        frac /= nreq;
        cons /= nreq;
        severity = c->rules->severity_floor + (r->severity_max - c->rules->severity_floor) * frac;
        c_n = sqrt(fmin(1.0, nmin / c->rules->strides_full));
        confidence = view_fit * view_conf * r->validity * c_n * (0.5 + 0.5 * cons);
        if (vis_n > 0)
            confidence *= clamp01(vis_sum / vis_n);
        /* whole-body values pool both legs, and in a clip walked both ways each leg was the
         * far one for about half of it: half the far-leg penalty */
        if (uses_far)
            confidence *= side == GS_NKT__SIDE_NONE || c->far == GS_GAIT_FAR_EACH
                              ? 0.5 * (1.0 + c->rules->far_side_factor)
                              : c->rules->far_side_factor;
        confidence = clamp01(confidence);
        f = gs_nkt__make_finding(r, side, res, severity, confidence, c->history, &c->oom);
        if (f && !cJSON_AddItemToArray(out, f)) {
            cJSON_Delete(f);
            c->oom = 1;
        }
    }
    for (size_t i = 0; i < r->n_conds; i++)
        cJSON_Delete(res[i].evidence);
    free(res);
}

static double rank_of(const cJSON *f)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(f, "rank");
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static int cmp_findings(const void *a, const void *b)
{
    const cJSON *fa = *(const cJSON *const *)a, *fb = *(const cJSON *const *)b;
    double ra = rank_of(fa), rb = rank_of(fb);
    if (ra != rb)
        return ra > rb ? -1 : 1;
    return strcmp(cJSON_GetObjectItemCaseSensitive(fa, "id")->valuestring,
                  cJSON_GetObjectItemCaseSensitive(fb, "id")->valuestring);
}

/* 1 when evidence array ev already holds a condition on e's quantity: the same metric, side
 * and measure (level or asymmetry), whatever its threshold. */
static int has_quantity(const cJSON *ev, const cJSON *e)
{
    static const char *const keys[] = {"metric", "side", "measure"};
    const cJSON *x;
    cJSON_ArrayForEach(x, ev)
    {
        int same = 1;
        for (int k = 0; k < 3 && same; k++) {
            const char *a = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, keys[k]));
            const char *b = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, keys[k]));
            same = a && b && !strcmp(a, b);
        }
        if (same)
            return 1;
    }
    return 0;
}

/* Drops findings suppressed by another finding of the same side; their evidence joins the
 * suppressing finding (e.g. a hip-extension asymmetry inside a limited-hip-extension finding),
 * except a condition on a quantity the suppressing finding shows already: overstriding carries
 * its own knee flexion at contact (below 12 deg), and the extended knee it absorbs (the same
 * value below 10 deg) would list that knee condition a second time. */
static void apply_suppression(ectx *c, cJSON *arr)
{
    for (int i = cJSON_GetArraySize(arr) - 1; i >= 0; i--) {
        cJSON *f = cJSON_GetArrayItem(arr, i);
        const char *rule = cJSON_GetObjectItemCaseSensitive(f, "rule")->valuestring;
        const char *side = cJSON_GetObjectItemCaseSensitive(f, "side")->valuestring;
        const gs_nkt__rule *r = NULL;
        for (size_t k = 0; k < c->rules->count; k++)
            if (!strcmp(c->rules->rules[k].id, rule))
                r = &c->rules->rules[k];
        if (!r || !r->suppressed_by.n)
            continue;
        for (cJSON *g = arr->child; g; g = g->next) {
            const char *gr = cJSON_GetObjectItemCaseSensitive(g, "rule")->valuestring;
            const char *gs = cJSON_GetObjectItemCaseSensitive(g, "side")->valuestring;
            int sup = 0;
            if (g == f || strcmp(gs, side))
                continue;
            for (size_t k = 0; k < r->suppressed_by.n; k++)
                sup |= !strcmp(r->suppressed_by.v[k], gr);
            if (sup) {
                cJSON *d = cJSON_DetachItemFromArray(arr, i);
                cJSON *src = cJSON_GetObjectItemCaseSensitive(d, "evidence");
                cJSON *dst = cJSON_GetObjectItemCaseSensitive(g, "evidence");
                while (src && src->child) {
                    cJSON *e = cJSON_DetachItemViaPointer(src, src->child);
                    if (has_quantity(dst, e)) {
                        cJSON_Delete(e);
                        continue;
                    }
                    if (!cJSON_AddBoolToObject(e, "supporting", 1))
                        c->oom = 1;
                    cJSON_AddItemToArray(dst, e);
                }
                cJSON_Delete(d);
                break;
            }
        }
    }
}

gs_status gs_nkt_evaluate(const gs_nkt_rules *rules, const cJSON *analysis,
                          const gs_nkt_history *history, cJSON **findings, cJSON **skipped,
                          gs_error *err)
{
    static const char *const view_names[GS_NKT__N_VIEWS] = {"side", "rear", "front"};
    ectx c = {rules, analysis, NULL, NULL, NULL, history, err, 0, GS_GAIT_FAR_NONE};
    cJSON *out = NULL, *skip = NULL;
    const cJSON *fmt, *view, *act;
    int view_idx = -1, act_idx = -1;
    double view_conf = 1.0;
    char view_txt[32] = "unknown";
    gs_status rc;

    *findings = NULL;
    if (skipped)
        *skipped = NULL;
    if (!cJSON_IsObject(analysis))
        return gs_fail(err, GS_ERR_FORMAT, "analysis: not a JSON object");
    fmt = obj_get(analysis, "format");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "gaitscope.analysis/1"))
        return gs_fail(err, GS_ERR_FORMAT, "analysis: format is not \"gaitscope.analysis/1\"");
    c.metrics = obj_get(analysis, "metrics");
    if (!cJSON_IsObject(c.metrics))
        return gs_fail(err, GS_ERR_FORMAT, "analysis: \"metrics\" missing or not an object");
    c.strides = obj_get(analysis, "strides");
    c.events = obj_get(analysis, "events");

    /* View: "side-left" / "side-right" (and plain "side") count as side views. */
    view = obj_get(analysis, "view");
    if (cJSON_IsObject(view)) {
        const cJSON *k = obj_get(view, "kind"), *cf = obj_get(view, "confidence");
        gs_gait_view_kind vk = GS_GAIT_VIEW_UNKNOWN;
        if (cJSON_IsString(k)) {
            snprintf(view_txt, sizeof(view_txt), "%s", k->valuestring);
            gs_gait_view_parse(k->valuestring, &vk); /* the view names of gait_keys.c */
        }
        if (vk == GS_GAIT_VIEW_SIDE_LEFT || vk == GS_GAIT_VIEW_SIDE_RIGHT)
            view_idx = 0;
        else if (vk == GS_GAIT_VIEW_REAR)
            view_idx = 1;
        else if (vk == GS_GAIT_VIEW_FRONT)
            view_idx = 2;
        c.far = gs_gait_analysis_far_leg(analysis);
        if (is_num(cf))
            view_conf = clamp01(cf->valuedouble);
    }
    act = obj_get(analysis, "activity");
    gs_gait_activity ak = GS_GAIT_ACTIVITY_UNKNOWN;
    if (cJSON_IsString(act))
        gs_gait_activity_parse(act->valuestring, &ak);
    if (ak == GS_GAIT_ACTIVITY_RUN)
        act_idx = 0;
    else if (ak == GS_GAIT_ACTIVITY_WALK)
        act_idx = 1;

    out = cJSON_CreateArray();
    skip = cJSON_CreateArray();
    if (!out || !skip)
        goto oom;
    for (size_t i = 0; i < rules->count && !c.oom; i++) {
        const gs_nkt__rule *r = &rules->rules[i];
        double fit;
        if (act_idx >= 0 && !r->activity[act_idx]) {
            add_skip(&c, skip, r->id,
                     act_idx == 0 ? "walking rule, clip is running"
                                  : "running rule, clip is walking");
            continue;
        }
        /* Unknown view: evaluate what the metrics allow, at half confidence. */
        fit = view_idx >= 0 ? r->view_fit[view_idx] : 0.5;
        /* Unknown activity: running and walking rules both run, each at half confidence (one
         * of the two sets is the wrong reference). */
        if (act_idx < 0)
            fit *= 0.5;
        if (fit <= 0) {
            char why[96];
            snprintf(why, sizeof(why), "not measurable from a %s view (needs %s%s%s%s%s)",
                     view_names[view_idx], r->view_fit[0] > 0 ? "side" : "",
                     r->view_fit[0] > 0 && r->view_fit[1] + r->view_fit[2] > 0 ? " or " : "",
                     r->view_fit[1] > 0 ? "rear" : "",
                     r->view_fit[1] > 0 && r->view_fit[2] > 0 ? " or " : "",
                     r->view_fit[2] > 0 ? "front" : "");
            add_skip(&c, skip, r->id, why);
            continue;
        }
        (void)view_txt;
        if (r->scope == GS_NKT__SCOPE_WHOLE) {
            eval_rule_side(&c, r, GS_NKT__SIDE_NONE, fit, view_conf, out, skip);
        } else {
            eval_rule_side(&c, r, GS_NKT__SIDE_LEFT, fit, view_conf, out, skip);
            eval_rule_side(&c, r, GS_NKT__SIDE_RIGHT, fit, view_conf, out, skip);
        }
    }
    if (c.oom)
        goto oom;
    apply_suppression(&c, out);
    if (c.oom)
        goto oom;
    {
        /* Sort by severity x confidence (qsort on the item pointers, then relink). */
        int n = cJSON_GetArraySize(out), i = 0;
        cJSON **v = n ? malloc((size_t)n * sizeof(*v)) : NULL;
        if (n && !v)
            goto oom;
        while (out->child)
            v[i++] = cJSON_DetachItemViaPointer(out, out->child);
        if (n > 1)
            qsort(v, (size_t)n, sizeof(*v), cmp_findings);
        for (i = 0; i < n; i++)
            cJSON_AddItemToArray(out, v[i]);
        free(v);
    }
    *findings = out;
    if (skipped)
        *skipped = skip;
    else
        cJSON_Delete(skip);
    return GS_OK;
oom:
    rc = gs_fail(err, GS_ERR_NOMEM, "analysis: out of memory evaluating rules");
    cJSON_Delete(out);
    cJSON_Delete(skip);
    return rc;
}
