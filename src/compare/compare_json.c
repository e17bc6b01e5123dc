/*
 * comparison.json ("gaitscope.comparison/1"; docs/schemas/comparison.schema.json describes every
 * field). Numbers are rounded to 4 decimals (far below any measurement error); a value that does
 * not exist is null, never 0.
 */
#include "compare_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cJSON *num(double v)
{
    if (!isfinite(v))
        return cJSON_CreateNull();
    return cJSON_CreateNumber(round(v * 1e4) / 1e4);
}

static void put_num(cJSON *o, const char *k, double v)
{
    cJSON_AddItemToObject(o, k, num(v));
}

static void put_str(cJSON *o, const char *k, const char *s)
{
    if (s)
        cJSON_AddStringToObject(o, k, s);
    else
        cJSON_AddNullToObject(o, k);
}

static cJSON *sess_json(const gs_compare__sess *s)
{
    cJSON *o = cJSON_CreateObject(), *st;
    if (!o)
        return NULL;
    put_str(o, "path", s->path);
    put_str(o, "clip", s->clip);
    put_str(o, "format", s->format);
    put_str(o, "view", s->view);
    put_str(o, "activity", s->activity);
    put_str(o, "setting", s->setting);
    put_num(o, "fps", s->fps);
    if (s->width > 0 && s->height > 0) {
        cJSON_AddNumberToObject(o, "width", s->width);
        cJSON_AddNumberToObject(o, "height", s->height);
    } else {
        cJSON_AddNullToObject(o, "width");
        cJSON_AddNullToObject(o, "height");
    }
    st = cJSON_AddObjectToObject(o, "strides");
    if (st) {
        cJSON_AddNumberToObject(st, "left", s->strides_used[0]);
        cJSON_AddNumberToObject(st, "right", s->strides_used[1]);
    }
    return o;
}

static const char *scope_name(gs_compare_scope s)
{
    switch (s) {
    case GS_COMPARE_SCOPE_TIMING:
        return "timing";
    case GS_COMPARE_SCOPE_SPATIAL:
        return "spatial";
    case GS_COMPARE_SCOPE_LEFT:
        return "left";
    case GS_COMPARE_SCOPE_RIGHT:
        return "right";
    case GS_COMPARE_SCOPE_REVISED:
        return "revised";
    case GS_COMPARE_SCOPE_CONTACT:
        return "contact";
    case GS_COMPARE_SCOPE_TOE_OFF:
        return "toe_off";
    default:
        return "all";
    }
}

static cJSON *arr101(const double *v)
{
    cJSON *a = cJSON_CreateArray();
    for (int q = 0; a && q < GS_COMPARE_CURVE_N; q++)
        cJSON_AddItemToArray(a, num(v[q]));
    return a;
}

/* Symmetry before and after: SI % for strictly positive metrics, L - R for every metric
 * (DESIGN.md "Conventions"). */
static void add_symmetry(const gs_comparison *c, cJSON *root)
{
    cJSON *arr = cJSON_AddArrayToObject(root, "symmetry");
    for (int i = 0; arr && i < c->n_rows; i++) {
        const gs_compare_row *l = &c->rows[i], *r;
        cJSON *o, *b, *a;
        if (l->side != GS_COMPARE_SIDE_LEFT)
            continue;
        r = gs_comparison_find_row(c, l->metric, GS_COMPARE_SIDE_RIGHT);
        if (!r)
            continue;
        o = cJSON_CreateObject();
        if (!o)
            return;
        cJSON_AddStringToObject(o, "metric", l->metric);
        cJSON_AddStringToObject(o, "unit", l->unit);
        for (int k = 0; k < 2; k++) {
            double lv = k ? l->after : l->before, rv = k ? r->after : r->before;
            cJSON *s = cJSON_AddObjectToObject(o, k ? "after" : "before");
            if (!s)
                continue;
            put_num(s, "diff", lv - rv);
            put_num(s, "si",
                    l->positive && lv > 0 && rv > 0 ? 100 * (lv - rv) / (0.5 * (lv + rv)) : NAN);
        }
        b = cJSON_GetObjectItemCaseSensitive(o, "before");
        a = cJSON_GetObjectItemCaseSensitive(o, "after");
        put_num(o, "si_change",
                cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(b, "si")) &&
                        cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(a, "si"))
                    ? cJSON_GetObjectItemCaseSensitive(a, "si")->valuedouble -
                          cJSON_GetObjectItemCaseSensitive(b, "si")->valuedouble
                    : NAN);
        cJSON_AddItemToArray(arr, o);
    }
}

/* "frame_rate_limit": null, or the sentence and per metric what the frame rate keeps this pair
 * from judging (the cannot_tell rows; the higher rate needed of a metric's sides). */
static void add_frame_rate_limit(const gs_comparison *c, cJSON *root)
{
    cJSON *o, *arr;
    if (!c->fps_note[0]) {
        cJSON_AddNullToObject(root, "frame_rate_limit");
        return;
    }
    o = cJSON_AddObjectToObject(root, "frame_rate_limit");
    if (!o)
        return;
    put_num(o, "fps", c->limit_fps);
    cJSON_AddStringToObject(o, "message", c->fps_note);
    arr = cJSON_AddArrayToObject(o, "metrics");
    for (int i = 0; arr && i < c->n_rows; i++) {
        const gs_compare_row *r = &c->rows[i];
        const gs_compare_row *w = r;
        int seen = 0;
        cJSON *e;
        if (r->verdict != GS_COMPARE_VERDICT_CANNOT_TELL)
            continue;
        for (int j = 0; j < i && !seen; j++)
            seen = c->rows[j].verdict == GS_COMPARE_VERDICT_CANNOT_TELL &&
                   !strcmp(c->rows[j].metric, r->metric);
        if (seen)
            continue;
        /* the side that needs the higher rate (no rate at all counts as the highest) */
        for (int j = i + 1; j < c->n_rows; j++) {
            const gs_compare_row *q = &c->rows[j];
            if (q->verdict == GS_COMPARE_VERDICT_CANNOT_TELL && !strcmp(q->metric, r->metric) &&
                isfinite(w->fps_needed) &&
                (!isfinite(q->fps_needed) || q->fps_needed > w->fps_needed))
                w = q;
        }
        e = cJSON_CreateObject();
        if (!e)
            return;
        cJSON_AddStringToObject(e, "metric", w->metric);
        cJSON_AddStringToObject(e, "label", w->label);
        cJSON_AddStringToObject(e, "unit", w->unit);
        put_num(e, "minimal_change", w->minimal_change);
        put_num(e, "realistic", w->realistic_change);
        put_num(e, "fps_needed", w->fps_needed);
        cJSON_AddItemToArray(arr, e);
    }
}

cJSON *gs_comparison_to_json(const gs_comparison *c, const gs_compare_output_info *info)
{
    static const gs_compare_output_info none = {0};
    cJSON *root = cJSON_CreateObject(), *o, *a, *w;
    int counts[GS_COMPARE_VERDICT_COUNT];
    if (!root)
        return NULL;
    if (!info)
        info = &none;
    cJSON_AddStringToObject(root, "format", GS_COMPARE_FORMAT);
    put_str(root, "generated_by", info->generated_by);
    cJSON_AddItemToObject(root, "before", sess_json(&c->sess[0]));
    cJSON_AddItemToObject(root, "after", sess_json(&c->sess[1]));

    o = cJSON_AddObjectToObject(root, "method");
    if (o) {
        cJSON *mc, *spm;
        cJSON_AddStringToObject(
            o, "stride_test",
            "two-sample permutation test on Welch's t of the per-stride values (after vs before), "
            "two-sided; every relabeling when there are few, else random ones (Janssen 1997; "
            "Chung & Romano 2013; Phipson & Smyth 2010)");
        cJSON_AddStringToObject(o, "correction", "Holm 1979 over every metric row tested");
        cJSON_AddStringToObject(o, "effect_size", "Hedges' g (Hedges 1981)");
        cJSON_AddStringToObject(o, "verdict",
                                "real when |change| >= the minimal change AND the Holm-corrected "
                                "p < alpha; noise when tested and either fails; cannot_tell "
                                "when tested and below a minimal change that, at the coarser "
                                "clip's frame rate, exceeds what a realistic intervention "
                                "changes; not_comparable when data is missing, a side has too "
                                "few strides, or a comparability check covering it failed");
        put_num(o, "alpha", c->opt.alpha);
        cJSON_AddNumberToObject(o, "permutations", c->opt.n_perm);
        {
            char seed[32];
            snprintf(seed, sizeof(seed), "%llu", (unsigned long long)c->opt.seed);
            cJSON_AddStringToObject(o, "seed", seed);
        }
        cJSON_AddNumberToObject(o, "min_strides", c->opt.min_strides);
        cJSON_AddBoolToObject(o, "minimal_change_gate", !c->opt.no_mc_gate);
        mc = cJSON_AddObjectToObject(o, "minimal_change");
        if (mc) {
            put_str(mc, "file", info->mc_path);
            cJSON_AddNumberToObject(mc, "version", info->mc_version);
        }
        spm = cJSON_AddObjectToObject(o, "spm");
        if (spm) {
            cJSON_AddStringToObject(
                spm, "method",
                "nonparametric SPM{t}: Welch's t at every node of every curve, stride labels "
                "permuted, one family-wise maximum |t| over all nodes and curves (Nichols & "
                "Holmes 2002; Pataky, Vanrenterghem & Robinson 2015); a phase needs |t| above "
                "the threshold AND a mean change of at least the angle's minimal change");
            put_num(spm, "threshold_t", c->spm_threshold);
            cJSON_AddNumberToObject(spm, "permutations", c->spm_perm);
        }
    }

    a = cJSON_AddArrayToObject(root, "comparability");
    w = cJSON_AddArrayToObject(root, "warnings");
    for (int i = 0; a && i < c->n_checks; i++) {
        const gs_compare_check *k = &c->checks[i];
        cJSON *e = cJSON_CreateObject();
        if (!e)
            break;
        cJSON_AddStringToObject(e, "check", k->name);
        cJSON_AddStringToObject(e, "before", k->before);
        cJSON_AddStringToObject(e, "after", k->after);
        put_num(e, "before_value", k->before_v);
        put_num(e, "after_value", k->after_v);
        cJSON_AddStringToObject(e, "band", k->band);
        if (k->state == GS_COMPARE_CHECK_UNKNOWN)
            cJSON_AddNullToObject(e, "ok");
        else
            cJSON_AddBoolToObject(e, "ok", k->state == GS_COMPARE_CHECK_OK);
        cJSON_AddBoolToObject(e, "blocking", k->blocking);
        cJSON_AddStringToObject(e, "scope", scope_name(k->scope));
        put_str(e, "message", k->message[0] ? k->message : NULL);
        cJSON_AddItemToArray(a, e);
        if (w && gs_comparison_check_alert(c, i)[0]) /* both timings: one line */
            cJSON_AddItemToArray(w, cJSON_CreateString(gs_comparison_check_alert(c, i)));
    }
    if (w && info->side_by_side_why)
        cJSON_AddItemToArray(w, cJSON_CreateString(info->side_by_side_why));

    a = cJSON_AddArrayToObject(root, "metrics");
    for (int i = 0; a && i < c->n_rows; i++) {
        const gs_compare_row *r = &c->rows[i];
        cJSON *e = cJSON_CreateObject(), *t, *m;
        if (!e)
            break;
        cJSON_AddStringToObject(e, "metric", r->metric);
        cJSON_AddStringToObject(e, "unit", r->unit);
        cJSON_AddStringToObject(e, "side", gs_compare_side_name(r->side));
        put_num(e, "before", r->before);
        put_num(e, "after", r->after);
        put_num(e, "change", r->change);
        put_num(e, "change_pct", r->change_pct);
        put_num(e, "sd_before", r->sd_before);
        put_num(e, "sd_after", r->sd_after);
        cJSON_AddNumberToObject(e, "n_before", r->n_before);
        cJSON_AddNumberToObject(e, "n_after", r->n_after);
        cJSON_AddStringToObject(e, "verdict", gs_compare_verdict_name(r->verdict));
        cJSON_AddStringToObject(e, "why", r->why);
        t = cJSON_AddObjectToObject(e, "test");
        if (t) {
            cJSON_AddStringToObject(t, "name", "permutation test, Welch's t");
            put_num(t, "statistic", r->t);
            put_num(t, "p", r->p);
            put_num(t, "p_holm", r->p_holm);
            put_num(t, "hedges_g", r->hedges_g);
        }
        m = cJSON_AddObjectToObject(e, "minimal_change");
        if (m) {
            put_num(m, "value", r->minimal_change);
            put_str(m, "source", r->mc_source);
            cJSON_AddBoolToObject(m, "exceeded", r->exceeds_mc);
            put_num(m, "fps", c->limit_fps > 0 ? c->limit_fps : NAN);
            put_num(m, "realistic", r->realistic_change);
            put_num(m, "fps_needed", r->fps_needed);
        }
        cJSON_AddItemToArray(a, e);
    }
    add_symmetry(c, root);

    o = cJSON_AddObjectToObject(root, "curves");
    if (o) {
        put_num(o, "threshold_t", c->spm_threshold);
        cJSON_AddNumberToObject(o, "permutations", c->spm_perm);
        put_num(o, "alpha", c->opt.alpha);
        a = cJSON_AddArrayToObject(o, "items");
    } else {
        a = NULL;
    }
    for (int i = 0; a && i < c->n_curves; i++) {
        const gs_compare_curve_row *r = &c->curves[i];
        cJSON *e = cJSON_CreateObject(), *ph;
        if (!e)
            break;
        cJSON_AddStringToObject(e, "angle", r->angle);
        cJSON_AddStringToObject(e, "side", gs_compare_side_name(r->side));
        cJSON_AddNumberToObject(e, "n_before", r->n_before);
        cJSON_AddNumberToObject(e, "n_after", r->n_after);
        cJSON_AddStringToObject(e, "verdict", gs_compare_verdict_name(r->verdict));
        cJSON_AddStringToObject(e, "why", r->why);
        put_num(e, "minimal_change", r->minimal_change);
        put_str(e, "minimal_change_source", r->mc_source);
        ph = cJSON_AddArrayToObject(e, "phases");
        for (int k = 0; ph && k < r->n_phases; k++) {
            cJSON *p = cJSON_CreateObject();
            if (!p)
                break;
            cJSON_AddNumberToObject(p, "start_pct", r->phases[k].start_pct);
            cJSON_AddNumberToObject(p, "end_pct", r->phases[k].end_pct);
            put_num(p, "peak_t", r->phases[k].peak_t);
            put_num(p, "p", r->phases[k].p);
            put_num(p, "mean_change", r->phases[k].mean_diff);
            cJSON_AddItemToArray(ph, p);
        }
        cJSON_AddItemToObject(e, "mean_before", arr101(r->mean_before));
        cJSON_AddItemToObject(e, "sd_before", arr101(r->sd_before));
        cJSON_AddItemToObject(e, "mean_after", arr101(r->mean_after));
        cJSON_AddItemToObject(e, "sd_after", arr101(r->sd_after));
        cJSON_AddItemToObject(e, "t", arr101(r->t));
        cJSON_AddItemToArray(a, e);
    }

    o = cJSON_AddObjectToObject(root, "findings");
    for (int st = 0; o && st < 3; st++) {
        static const char *const names[3] = {"resolved", "persisting", "new"};
        cJSON *arr = cJSON_AddArrayToObject(o, names[st]);
        for (int i = 0; arr && i < c->n_findings; i++) {
            const gs_compare_finding_row *f = &c->findings[i];
            cJSON *e;
            if ((int)f->status != st)
                continue;
            e = cJSON_CreateObject();
            if (!e)
                break;
            cJSON_AddStringToObject(e, "id", f->id);
            cJSON_AddStringToObject(e, "rule", f->rule);
            cJSON_AddStringToObject(e, "title", f->title);
            put_str(e, "side", f->side);
            put_num(e, "severity_before", f->severity_before);
            put_num(e, "severity_after", f->severity_after);
            put_num(e, "severity_change", f->severity_after - f->severity_before);
            put_num(e, "confidence_before", f->confidence_before);
            put_num(e, "confidence_after", f->confidence_after);
            cJSON_AddItemToArray(arr, e);
        }
    }
    a = cJSON_AddArrayToObject(root, "homework");
    for (int i = 0; a && i < c->n_homework; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(c->homework[i]));

    gs_comparison_counts(c, counts);
    o = cJSON_AddObjectToObject(root, "summary");
    if (o) {
        cJSON_AddNumberToObject(o, "real", counts[GS_COMPARE_VERDICT_REAL]);
        cJSON_AddNumberToObject(o, "noise", counts[GS_COMPARE_VERDICT_NOISE]);
        cJSON_AddNumberToObject(o, "not_comparable", counts[GS_COMPARE_VERDICT_NOT_COMPARABLE]);
        cJSON_AddNumberToObject(o, "cannot_tell", counts[GS_COMPARE_VERDICT_CANNOT_TELL]);
    }
    add_frame_rate_limit(c, root);
    o = cJSON_AddObjectToObject(root, "side_by_side");
    if (o) {
        put_str(o, "file", info->side_by_side_file);
        put_str(o, "why_not", info->side_by_side_file ? NULL : info->side_by_side_why);
    }
    return root;
}

gs_status gs_comparison_write_json(const char *path, const gs_comparison *c,
                                   const gs_compare_output_info *info, gs_error *err)
{
    cJSON *j = gs_comparison_to_json(c, info);
    char *txt = j ? cJSON_Print(j) : NULL;
    gs_status rc;
    cJSON_Delete(j);
    if (!txt)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory building comparison.json", path);
    rc = gs_file_write_all(path, txt, strlen(txt), err);
    cJSON_free(txt);
    return rc;
}
