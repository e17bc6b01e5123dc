/*
 * The minimal-change table (models/minimal_change.json, format "gaitscope.minimal_change/1"):
 * loader and strict validator.
 *
 * Each entry says how large a change of one metric (or of one curve, node by node) must be
 * before gaitscope may call it real, with the number's source and reasoning, so the verdicts can
 * be checked by a reader of the file. Like the rules file (src/nkt/nkt_rules.c), the table is
 * validated in full on load: an unknown metric, a missing field, a misspelt field or a value that
 * is not the larger of its published and own figures is an error naming the file, the key and
 * the field. Keys starting with '_' are comments.
 */
#include "compare_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct vctx {
    const char *file;
    gs_error *err;
} vctx;

__attribute__((format(printf, 4, 5))) static gs_status vfail(vctx *c, const char *where,
                                                             const char *key, const char *fmt, ...)
{
    char what[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (key)
        return gs_fail(c->err, GS_ERR_FORMAT, "%s: %s.%s: %s", c->file, where, key, what);
    return gs_fail(c->err, GS_ERR_FORMAT, "%s: %s: %s", c->file, where, what);
}

static void entry_free(gs_compare__mc_entry *e)
{
    free(e->key);
    free(e->unit);
    free(e->source);
    free(e->reasoning);
    free(e->realistic_source);
}

void gs_compare_mc_free(gs_compare_mc **mc)
{
    if (!mc || !*mc)
        return;
    for (int i = 0; i < (*mc)->n_metrics; i++)
        entry_free(&(*mc)->metrics[i]);
    for (int i = 0; i < (*mc)->n_curves; i++)
        entry_free(&(*mc)->curves[i]);
    free((*mc)->metrics);
    free((*mc)->curves);
    free(*mc);
    *mc = NULL;
}

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static int find_key(const char *const *keys, int n, const char *k)
{
    for (int i = 0; i < n; i++)
        if (keys[i] && !strcmp(keys[i], k))
            return i;
    return -1;
}

/* A non-empty string field; GS_OK with *out = copy. */
static gs_status str_field(vctx *c, const char *where, const char *key, const cJSON *e,
                           const char *name, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, name);
    char field[96];
    snprintf(field, sizeof(field), "%s.%s", key, name);
    if (!v)
        return vfail(c, where, field, "missing (a non-empty string)");
    if (!cJSON_IsString(v) || !v->valuestring[0])
        return vfail(c, where, field, "must be a non-empty string");
    *out = dup(v->valuestring);
    if (!*out)
        return gs_fail(c->err, GS_ERR_NOMEM, "%s: out of memory", c->file);
    return GS_OK;
}

/* An optional number-or-null field; *out NAN when null or absent. */
static gs_status opt_num(vctx *c, const char *where, const char *key, const cJSON *e,
                         const char *name, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, name);
    char field[96];
    *out = NAN;
    if (!v || cJSON_IsNull(v))
        return GS_OK;
    snprintf(field, sizeof(field), "%s.%s", key, name);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble <= 0)
        return vfail(c, where, field, "must be a positive number or null");
    *out = v->valuedouble;
    return GS_OK;
}

static gs_status parse_entry(vctx *c, const char *where, const cJSON *e, const char *unit_expected,
                             gs_compare__mc_entry *out)
{
    static const char *const known[] = {"value",           "unit",    "source",    "reasoning",
                                        "published_sdd",   "stated",  "own_sdd",   "min_frames",
                                        "stride_ms",       "own_fps", "realistic", "realistic_unit",
                                        "realistic_source"};
    const char *key = e->string;
    const cJSON *v, *f;
    char field[96];
    double pub, stated, own, mf, sms, ofps, real, base;
    gs_status rc;

    memset(out, 0, sizeof(*out));
    out->key = dup(key);
    if (!out->key)
        return gs_fail(c->err, GS_ERR_NOMEM, "%s: out of memory", c->file);
    if (!cJSON_IsObject(e))
        return vfail(c, where, key, "must be an object");
    cJSON_ArrayForEach(f, e)
    {
        size_t i;
        if (f->string[0] == '_')
            continue;
        for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
            if (!strcmp(f->string, known[i]))
                break;
        if (i == sizeof(known) / sizeof(known[0])) {
            snprintf(field, sizeof(field), "%s.%s", key, f->string);
            return vfail(c, where, field,
                         "unknown field (expected value, unit, source, reasoning, published_sdd "
                         "or stated, own_sdd, min_frames, stride_ms, own_fps, realistic, "
                         "realistic_unit, realistic_source)");
        }
    }
    v = cJSON_GetObjectItemCaseSensitive(e, "value");
    snprintf(field, sizeof(field), "%s.value", key);
    if (!v)
        return vfail(c, where, field, "missing (a positive number)");
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble <= 0)
        return vfail(c, where, field, "must be a positive number");
    out->value = v->valuedouble;
    if ((rc = str_field(c, where, key, e, "unit", &out->unit)) != GS_OK ||
        (rc = str_field(c, where, key, e, "source", &out->source)) != GS_OK ||
        (rc = str_field(c, where, key, e, "reasoning", &out->reasoning)) != GS_OK)
        return rc;
    out->relative = !strcmp(out->unit, "%") && !(unit_expected && !strcmp(unit_expected, "%"));
    if (unit_expected && !out->relative && strcmp(out->unit, unit_expected)) {
        snprintf(field, sizeof(field), "%s.unit", key);
        return vfail(c, where, field, "'%s' is not the metric's unit '%s' (or '%%' for relative)",
                     out->unit, unit_expected);
    }
    if ((rc = opt_num(c, where, key, e, "published_sdd", &pub)) != GS_OK ||
        (rc = opt_num(c, where, key, e, "stated", &stated)) != GS_OK ||
        (rc = opt_num(c, where, key, e, "own_sdd", &own)) != GS_OK ||
        (rc = opt_num(c, where, key, e, "min_frames", &mf)) != GS_OK ||
        (rc = opt_num(c, where, key, e, "stride_ms", &sms)) != GS_OK ||
        (rc = opt_num(c, where, key, e, "own_fps", &ofps)) != GS_OK ||
        (rc = opt_num(c, where, key, e, "realistic", &real)) != GS_OK)
        return rc;
    /* The rule of the table: a base figure, published (a smallest detectable difference) or,
     * where nothing is published, stated with its reasoning; the value is the larger of the base
     * and gaitscope's own repeat figure (own_sdd, same unit), so a stale edit cannot slip in. */
    if (isfinite(pub) == isfinite(stated)) {
        snprintf(field, sizeof(field), "%s.%s", key, isfinite(pub) ? "stated" : "published_sdd");
        return vfail(c, where, field,
                     isfinite(pub) ? "give published_sdd or stated, not both"
                                   : "missing (published_sdd, or stated when nothing is "
                                     "published)");
    }
    base = isfinite(pub) ? pub : stated;
    {
        double larger = isfinite(own) ? fmax(base, own) : base;
        if (fabs(out->value - larger) > 1e-9 * fmax(1.0, larger)) {
            snprintf(field, sizeof(field), "%s.value", key);
            return vfail(c, where, field, "%g is not the larger of %s %g and own_sdd %g (%g)",
                         out->value, isfinite(pub) ? "published_sdd" : "stated", base, own, larger);
        }
    }
    /* min_frames: frame intervals are times, so a metric in ms; or a percentage of the stride
     * (a walking stance %), where stride_ms says of what stride the frames are a part */
    if (isfinite(sms) && (!isfinite(mf) || out->relative || strcmp(out->unit, "%"))) {
        snprintf(field, sizeof(field), "%s.stride_ms", key);
        return vfail(c, where, field,
                     "only with min_frames, for a metric in percent of the stride (unit '%%')");
    }
    if (isfinite(mf) && !isfinite(sms) && strcmp(unit_expected ? unit_expected : out->unit, "ms")) {
        snprintf(field, sizeof(field), "%s.min_frames", key);
        return vfail(c, where, field,
                     "only for metrics in ms (frame intervals are times), or with stride_ms");
    }
    out->min_frames = isfinite(mf) ? mf : 0;
    out->stride_ms = isfinite(sms) ? sms : 0;
    out->base = base;
    out->own = own;
    /* own_fps: the own figure is a frame-interval figure of a metric that is a ratio of event
     * times (duty factor: contact time / stride time), so it scales with the frame interval */
    if (isfinite(ofps) && (!isfinite(own) || isfinite(mf))) {
        snprintf(field, sizeof(field), "%s.own_fps", key);
        return vfail(c, where, field,
                     isfinite(mf) ? "not with min_frames (one frame-rate rule per entry)"
                                  : "needs own_sdd (the figure measured at that frame rate)");
    }
    out->own_fps = isfinite(ofps) ? ofps : 0;
    /* realistic: the largest change a realistic intervention makes, in realistic_unit (the
     * metric's unit, or '%' of BEFORE's mean), with its source; a minimal change above it
     * means the recordings cannot tell */
    out->realistic = real;
    {
        const cJSON *ru = cJSON_GetObjectItemCaseSensitive(e, "realistic_unit");
        const cJSON *rs = cJSON_GetObjectItemCaseSensitive(e, "realistic_source");
        const char *own_unit = unit_expected ? unit_expected : out->unit;
        if (!isfinite(real)) {
            if (ru || rs) {
                snprintf(field, sizeof(field), "%s.%s", key,
                         ru ? "realistic_unit" : "realistic_source");
                return vfail(c, where, field, "only with realistic");
            }
            return GS_OK;
        }
        snprintf(field, sizeof(field), "%s.realistic_unit", key);
        if (!cJSON_IsString(ru))
            return vfail(c, where, field, "missing ('%%' or the metric's unit '%s')", own_unit);
        if (strcmp(ru->valuestring, "%") && strcmp(ru->valuestring, own_unit))
            return vfail(c, where, field, "'%s' is not '%%' or the metric's unit '%s'",
                         ru->valuestring, own_unit);
        out->realistic_relative = !strcmp(ru->valuestring, "%") && strcmp(own_unit, "%");
        if ((rc = str_field(c, where, key, e, "realistic_source", &out->realistic_source)) != GS_OK)
            return rc;
    }
    return GS_OK;
}

static gs_status parse_table(vctx *c, const cJSON *root, const char *where, const char *const *keys,
                             const char *const *units, int n_keys, gs_compare__mc_entry **out,
                             int *n_out)
{
    const cJSON *tab = cJSON_GetObjectItemCaseSensitive(root, where), *e;
    int n = 0;
    *out = NULL;
    *n_out = 0;
    if (!tab)
        return vfail(c, where, NULL, "missing (an object of entries)");
    if (!cJSON_IsObject(tab))
        return vfail(c, where, NULL, "must be an object");
    cJSON_ArrayForEach(e, tab) n++;
    *out = calloc((size_t)(n > 0 ? n : 1), sizeof(**out));
    if (!*out)
        return gs_fail(c->err, GS_ERR_NOMEM, "%s: out of memory", c->file);
    cJSON_ArrayForEach(e, tab)
    {
        int k;
        gs_status rc;
        if (e->string[0] == '_')
            continue;
        k = find_key(keys, n_keys, e->string);
        if (k < 0)
            return vfail(c, where, e->string, "unknown %s",
                         strcmp(where, "curves") ? "metric" : "curve");
        for (int j = 0; j < *n_out; j++)
            if (!strcmp((*out)[j].key, e->string))
                return vfail(c, where, e->string, "given twice");
        rc = parse_entry(c, where, e, units ? units[k] : NULL, &(*out)[*n_out]);
        (*n_out)++; /* counted even on failure, so the partial entry is freed */
        if (rc != GS_OK)
            return rc;
    }
    return GS_OK;
}

gs_status gs_compare_mc_from_json(const cJSON *root, const char *name,
                                  const char *const *metric_keys, const char *const *metric_units,
                                  int n_metric_keys, const char *const *curve_keys,
                                  int n_curve_keys, gs_compare_mc **out, gs_error *err)
{
    vctx c = {name ? name : "minimal_change", err};
    gs_compare_mc *mc = NULL;
    const cJSON *f, *v;
    gs_status rc;

    *out = NULL;
    if (!cJSON_IsObject(root))
        return vfail(&c, "(top)", NULL, "not a JSON object");
    cJSON_ArrayForEach(f, root)
    {
        if (f->string[0] == '_' || !strcmp(f->string, "format") || !strcmp(f->string, "version") ||
            !strcmp(f->string, "metrics") || !strcmp(f->string, "curves") ||
            !strcmp(f->string, "method"))
            continue;
        return vfail(&c, f->string, NULL,
                     "unknown field (expected format, version, method, metrics, curves)");
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (!cJSON_IsString(v) || strcmp(v->valuestring, GS_COMPARE_MC_FORMAT))
        return vfail(&c, "format", NULL, "expected \"%s\", got %s%s%s", GS_COMPARE_MC_FORMAT,
                     cJSON_IsString(v) ? "\"" : "",
                     cJSON_IsString(v) ? v->valuestring : "nothing usable",
                     cJSON_IsString(v) ? "\"" : "");
    v = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (!cJSON_IsNumber(v) || v->valuedouble != 1)
        return vfail(&c, "version", NULL, "expected 1 (the version this gaitscope reads)");
    v = cJSON_GetObjectItemCaseSensitive(root, "method");
    if (v && !cJSON_IsString(v))
        return vfail(&c, "method", NULL, "must be a string");
    mc = calloc(1, sizeof(*mc));
    if (!mc)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", c.file);
    mc->version = 1;
    rc = parse_table(&c, root, "metrics", metric_keys, metric_units, n_metric_keys, &mc->metrics,
                     &mc->n_metrics);
    if (rc == GS_OK)
        rc = parse_table(&c, root, "curves", curve_keys, NULL, n_curve_keys, &mc->curves,
                         &mc->n_curves);
    if (rc == GS_OK) {
        for (int i = 0; i < mc->n_curves; i++)
            if (mc->curves[i].relative) {
                rc = vfail(&c, "curves", mc->curves[i].key,
                           "unit must be 'deg' (curves are "
                           "angles)");
                break;
            } else if (strcmp(mc->curves[i].unit, "deg")) {
                rc = vfail(&c, "curves", mc->curves[i].key, "unit '%s' is not 'deg'",
                           mc->curves[i].unit);
                break;
            }
    }
    if (rc != GS_OK) {
        gs_compare_mc_free(&mc);
        return rc;
    }
    *out = mc;
    return GS_OK;
}

gs_status gs_compare_mc_load(const char *path, const char *const *metric_keys,
                             const char *const *metric_units, int n_metric_keys,
                             const char *const *curve_keys, int n_curve_keys, gs_compare_mc **out,
                             gs_error *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    cJSON *root;
    gs_status rc;
    *out = NULL;
    rc = gs_file_read_all(path, &data, &len, err);
    if (rc != GS_OK)
        return rc;
    root = cJSON_ParseWithLength((const char *)data, len);
    free(data);
    if (!root)
        return gs_fail(err, GS_ERR_FORMAT, "%s: not valid JSON", path);
    rc = gs_compare_mc_from_json(root, path, metric_keys, metric_units, n_metric_keys, curve_keys,
                                 n_curve_keys, out, err);
    cJSON_Delete(root);
    return rc;
}

static const gs_compare__mc_entry *find_entry(const gs_compare__mc_entry *v, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(v[i].key, key))
            return &v[i];
    return NULL;
}

/* x in the metric's unit: as it is, or, when relative, x percent of BEFORE's mean (NAN without
 * one) */
static double in_unit(double x, int relative, double before_mean)
{
    if (!relative)
        return x;
    return isfinite(before_mean) ? x / 100.0 * fabs(before_mean) : NAN;
}

/* An entry's minimal change at frame interval frame_s (0: the rate is unknown) in the metric's
 * unit, with its frame-free part *v0 and its per-frame-interval coefficient *a (a * frame_s, same
 * unit; 0 when the entry does not scale with the frame rate): value = max(v0, a * frame_s). NAN
 * (and NAN *v0) when a relative entry has no BEFORE mean. */
static double entry_value(const gs_compare__mc_entry *e, double before_mean, double frame_s,
                          double *v0, double *a)
{
    if (e->own_fps > 0) {
        /* the own figure was measured at own_fps: own x own_fps x frame_s at another rate */
        *v0 = in_unit(e->base, e->relative, before_mean);
        *a = in_unit(e->own, e->relative, before_mean) * e->own_fps;
        if (!(frame_s > 0)) /* rate unknown: the figure as measured */
            return in_unit(e->value, e->relative, before_mean);
    } else {
        *v0 = in_unit(e->value, e->relative, before_mean);
        /* event timing is known to about a frame or two (REFERENCES.md 3b): a timing change
         * must also exceed min_frames frame intervals of the coarser clip, in ms, or in
         * percentage points of a stride of stride_ms */
        *a = e->min_frames > 0 ? e->min_frames * 1000.0 : 0;
        if (e->stride_ms > 0)
            *a *= 100.0 / e->stride_ms;
    }
    if (*a > 0 && frame_s > 0 && isfinite(*v0))
        return fmax(*v0, *a * frame_s);
    return *v0;
}

double gs_compare_mc_value(const gs_compare_mc *mc, int curves, const char *key, double before_mean,
                           double frame_s, const char **source)
{
    const gs_compare__mc_entry *e;
    double v0, a;
    if (source)
        *source = NULL;
    if (!mc || !key)
        return NAN;
    e = curves ? find_entry(mc->curves, mc->n_curves, key)
               : find_entry(mc->metrics, mc->n_metrics, key);
    if (!e)
        return NAN;
    if (source)
        *source = e->source;
    return entry_value(e, before_mean, frame_s, &v0, &a);
}

int gs_compare_mc_limit_of(const gs_compare_mc *mc, const char *key, double before_mean,
                           double frame_s, gs_compare_mc_limit *out)
{
    const gs_compare__mc_entry *e = mc && key ? find_entry(mc->metrics, mc->n_metrics, key) : NULL;
    double v0, a, real;
    out->minimal_change = out->realistic = out->fps_needed = NAN;
    out->source = out->realistic_source = NULL;
    if (!e)
        return 0;
    out->minimal_change = entry_value(e, before_mean, frame_s, &v0, &a);
    out->source = e->source;
    real = in_unit(e->realistic, e->realistic_relative, before_mean);
    if (!isfinite(real) || !isfinite(out->minimal_change))
        return 0;
    out->realistic = real;
    out->realistic_source = e->realistic_source;
    /* the lowest rate at which max(v0, a / fps) <= real: none when v0 alone is above it */
    if (isfinite(v0) && v0 <= real)
        out->fps_needed = a > 0 ? a / real : 0;
    return out->minimal_change > real * (1 + 1e-12);
}

int gs_compare_mc_version(const gs_compare_mc *mc)
{
    return mc ? mc->version : 0;
}
