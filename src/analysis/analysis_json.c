/*
 * analysis.json: completing the writer's object (status, time, producer) and the one reader into
 * a typed struct (analysis.h). The reader reads exactly the documented keys
 * (docs/schemas/analysis.schema.json): a required key that is missing or of the wrong type is an
 * error naming the key path and the file; keys it does not know are ignored (DESIGN.md
 * "Artifacts"), so newer files and other tools' analyses still load.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis.h"

/* Largest analysis.json read back: a 30-minute clip at 60 frames/s has ~3000 strides; with
 * per-stride curves that is ~25 MB of text. */
#define ANALYSIS_MAX_BYTES (256u << 20)

static cJSON *replace(cJSON *o, const char *key, cJSON *item)
{
    if (!item)
        return NULL;
    cJSON_DeleteItemFromObjectCaseSensitive(o, key);
    cJSON_AddItemToObject(o, key, item);
    return item;
}

static void utc_now(char *buf, size_t n)
{
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
    else
        snprintf(buf, n, "unknown");
}

int gs_analysis_json_finish(cJSON *a, int done, const char *error, const char *generated_by)
{
    char now[32];
    utc_now(now, sizeof(now));
    if (!replace(a, "status", cJSON_CreateString(done ? "done" : "failed")) ||
        !replace(a, "created", cJSON_CreateString(now)) ||
        !replace(a, "generated_by", cJSON_CreateString(generated_by ? generated_by : "gaitscope")))
        return -1;
    if (error && !replace(a, "error", cJSON_CreateString(error)))
        return -1;
    return 0;
}

cJSON *gs_analysis_json_failed(const char *error, const char *generated_by)
{
    cJSON *a = cJSON_CreateObject(), *v;
    /* the required keys, empty: readers need not special-case a run that stopped early */
    if (!a || !cJSON_AddStringToObject(a, "format", GS_ANALYSIS_FORMAT) ||
        !(v = cJSON_AddObjectToObject(a, "view")) || !cJSON_AddStringToObject(v, "kind", "unknown") ||
        !cJSON_AddNumberToObject(v, "confidence", 0) || !cJSON_AddArrayToObject(a, "events") ||
        !cJSON_AddArrayToObject(a, "strides") ||
        gs_analysis_json_finish(a, 0, error ? error : "failed", generated_by)) {
        cJSON_Delete(a);
        return NULL;
    }
    return a;
}

int gs_analysis_json_add_calibration(cJSON *j, const cJSON *profile_json, const char *profile_path,
                                     const double *line_px, double line_metres)
{
    cJSON *c;
    if (profile_json) {
        if (!(c = cJSON_Duplicate(profile_json, 1)))
            return -1;
        if (!cJSON_AddStringToObject(c, "file", profile_path ? profile_path : "") ||
            !replace(j, "calibration", c)) {
            cJSON_Delete(c);
            return -1;
        }
    }
    if (line_px) {
        cJSON *sc = cJSON_GetObjectItemCaseSensitive(j, "scale");
        if (!sc || !(c = cJSON_CreateObject()))
            return -1;
        if (!cJSON_AddItemToObject(c, "points_px", cJSON_CreateDoubleArray(line_px, 4)) ||
            !cJSON_AddNumberToObject(c, "metres", line_metres) || !replace(sc, "line", c)) {
            cJSON_Delete(c);
            return -1;
        }
    }
    return 0;
}

/* ---- reader ---- */

typedef struct rd {
    const char *name; /* file name for messages */
    gs_error *err;
    gs_status rc;
} rd;

static int fail(rd *r, gs_status code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(rd *r, gs_status code, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (r->rc == GS_OK)
        r->rc = gs_fail(r->err, code, "%s: %s", r->name, what);
    return -1;
}

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* A required member of type want (cJSON_Object, ...); NULL and an error naming path.key. */
static const cJSON *need(rd *r, const cJSON *o, const char *path, const char *k, int want)
{
    char full[200];
    const cJSON *v = get(o, k);
    snprintf(full, sizeof(full), "%s%s%s", path, path[0] ? "." : "", k);
    if (!v) {
        fail(r, GS_ERR_FORMAT, "missing required key '%s'", full);
        return NULL;
    }
    if ((v->type & 0xFF) != want && !(want == cJSON_True && cJSON_IsBool(v))) {
        fail(r, GS_ERR_FORMAT, "key '%s' has the wrong type", full);
        return NULL;
    }
    return v;
}

/* A number or null (NAN); absent = NAN. */
static double num_or_nan(const cJSON *v)
{
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* A whole number within [lo, hi], or def when absent, not a number or out of range (checked
 * before the conversion: a NaN or huge double converted to int is undefined behaviour). */
static int32_t int_in(const cJSON *v, double lo, double hi, int32_t def)
{
    double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    return d >= lo && d <= hi ? (int32_t)d : def;
}

static void copy_str(char *dst, size_t n, const cJSON *v)
{
    snprintf(dst, n, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

static int side_of(const char *s)
{
    return !s                    ? -1
           : !strcmp(s, "left")  ? GS_GAIT_SIDE_LEFT
           : !strcmp(s, "right") ? GS_GAIT_SIDE_RIGHT
                                 : -1;
}

/* n numbers of array v into a new buffer (null -> NAN); -1 on a non-number or no memory. */
static int numbers(rd *r, const cJSON *v, const char *path, double **out, int *n_out)
{
    int n = cJSON_GetArraySize(v), i = 0;
    *out = NULL;
    *n_out = 0;
    if (!cJSON_IsArray(v))
        return fail(r, GS_ERR_FORMAT, "key '%s' is not an array", path);
    if (n == 0)
        return 0;
    *out = malloc(sizeof(double) * (size_t)n);
    if (!*out)
        return fail(r, GS_ERR_NOMEM, "out of memory reading '%s'", path);
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        if (!cJSON_IsNumber(e) && !cJSON_IsNull(e))
            return fail(r, GS_ERR_FORMAT, "key '%s' holds a non-number", path);
        (*out)[i] = num_or_nan(e);
    }
    *n_out = n;
    return 0;
}

static int read_stats(rd *r, const cJSON *o, const char *path, gs_analysis_stats *s, int per_stride)
{
    char p[200];
    const cJSON *n;
    s->present = 1;
    s->mean = s->sd = NAN;
    const cJSON *mv = get(o, "mean"); /* a number, or null when no stride gave a value */
    if (!mv)
        return fail(r, GS_ERR_FORMAT, "missing required key '%s.mean'", path);
    if (!cJSON_IsNumber(mv) && !cJSON_IsNull(mv))
        return fail(r, GS_ERR_FORMAT, "key '%s.mean' has the wrong type", path);
    s->mean = num_or_nan(mv);
    s->sd = num_or_nan(get(o, "sd"));
    if (!(n = need(r, o, path, "n", cJSON_Number)))
        return -1;
    s->n = n->valuedouble >= 0 && n->valuedouble < 1e7 ? (int)n->valuedouble : 0;
    if (per_stride && get(o, "values")) {
        int nv = 0, nt = 0;
        snprintf(p, sizeof(p), "%s.values", path);
        if (numbers(r, get(o, "values"), p, &s->values, &nv))
            return -1;
        snprintf(p, sizeof(p), "%s.t", path);
        if (get(o, "t") && numbers(r, get(o, "t"), p, &s->t, &nt))
            return -1;
        if (nv != s->n || (s->t && nt != nv))
            return fail(r, GS_ERR_FORMAT, "'%s': values and n disagree", path);
    }
    return 0;
}

static int read_metric(rd *r, const cJSON *m, gs_analysis_metric *out)
{
    char path[120];
    const cJSON *u;
    snprintf(out->key, sizeof(out->key), "%s", m->string);
    snprintf(path, sizeof(path), "metrics.%s", m->string);
    out->info = gs_metric_find(m->string);
    out->diff = num_or_nan(get(m, "diff"));
    out->si = num_or_nan(get(m, "si"));
    out->sd_pooled = num_or_nan(get(m, "sd_pooled"));
    if (!cJSON_IsObject(m))
        return fail(r, GS_ERR_FORMAT, "key '%s' is not an object", path);
    if (!(u = need(r, m, path, "unit", cJSON_String)))
        return -1;
    copy_str(out->unit, sizeof(out->unit), u);
    for (int s = 0; s < 2; s++) {
        char sp[140];
        const cJSON *so = need(r, m, path, s ? "right" : "left", cJSON_Object);
        if (!so)
            return -1;
        snprintf(sp, sizeof(sp), "%s.%s", path, s ? "right" : "left");
        if (read_stats(r, so, sp, &out->side[s], 1))
            return -1;
    }
    if (get(m, "all")) {
        char sp[140];
        snprintf(sp, sizeof(sp), "%s.all", path);
        if (!cJSON_IsObject(get(m, "all")))
            return fail(r, GS_ERR_FORMAT, "key '%s' is not an object", sp);
        if (read_stats(r, get(m, "all"), sp, &out->all, 1))
            return -1;
    }
    return 0;
}

static int read_curve(rd *r, const cJSON *c, gs_analysis_curve *out)
{
    char path[120];
    snprintf(out->angle, sizeof(out->angle), "%s", c->string);
    for (int s = 0; s < 2; s++) {
        const cJSON *so = get(c, s ? "right" : "left");
        gs_analysis_curve_side *cs = &out->side[s];
        char p[160];
        double *v = NULL;
        int n = 0;
        snprintf(path, sizeof(path), "curves.%s.%s", c->string, s ? "right" : "left");
        if (!cJSON_IsObject(so))
            continue;
        cs->n = int_in(get(so, "n"), 0, 1e7, 0);
        for (int k = 0; k < 2 && cs->n > 0; k++) {
            snprintf(p, sizeof(p), "%s.%s", path, k ? "sd" : "mean");
            if (numbers(r, get(so, k ? "sd" : "mean"), p, &v, &n))
                return free(v), -1;
            if (n != GS_ANALYSIS_CURVE_N) {
                free(v);
                return fail(r, GS_ERR_FORMAT, "'%s' does not have 101 points", p);
            }
            memcpy(k ? cs->sd : cs->mean, v, sizeof(cs->mean));
            free(v);
            v = NULL;
        }
        const cJSON *per = get(so, "strides");
        if (cJSON_IsArray(per)) {
            int ns = cJSON_GetArraySize(per), i = 0, nt = 0;
            size_t bytes;
            snprintf(p, sizeof(p), "%s.t0", path);
            if (get(so, "t0") && numbers(r, get(so, "t0"), p, &cs->t0, &nt))
                return -1;
            if (ns > 0 && (gs_size_mul((size_t)ns * GS_ANALYSIS_CURVE_N, sizeof(double), &bytes) ||
                           !(cs->strides = malloc(bytes))))
                return fail(r, GS_ERR_NOMEM, "out of memory reading '%s'", path);
            for (const cJSON *row = per->child; row; row = row->next, i++) {
                snprintf(p, sizeof(p), "%s.strides[%d]", path, i);
                if (numbers(r, row, p, &v, &n))
                    return free(v), -1;
                if (n != GS_ANALYSIS_CURVE_N) {
                    free(v);
                    return fail(r, GS_ERR_FORMAT, "'%s' does not have 101 points", p);
                }
                memcpy(cs->strides + (size_t)i * GS_ANALYSIS_CURVE_N, v, sizeof(cs->mean));
                free(v);
                v = NULL;
            }
            cs->n_strides = ns;
            if (cs->t0 && nt != ns)
                return fail(r, GS_ERR_FORMAT, "'%s': strides and t0 disagree", path);
        }
    }
    return 0;
}

static int read_all(rd *r, const cJSON *root, gs_analysis *a)
{
    const cJSON *f, *v, *e;
    int i;
    if (!cJSON_IsObject(root))
        return fail(r, GS_ERR_FORMAT, "not a JSON object");
    if (!(f = need(r, root, "", "format", cJSON_String)))
        return -1;
    if (strcmp(f->valuestring, GS_ANALYSIS_FORMAT) != 0) {
        if (!strncmp(f->valuestring, "gaitscope.analysis/", 19))
            return fail(r, GS_ERR_FORMAT, "format '%s' is not supported (this build reads %s)",
                        f->valuestring, GS_ANALYSIS_FORMAT);
        return fail(r, GS_ERR_FORMAT, "format '%s' is not %s", f->valuestring, GS_ANALYSIS_FORMAT);
    }
    copy_str(a->status, sizeof(a->status), get(root, "status"));
    if ((v = get(root, "error")) != NULL) {
        if (!cJSON_IsString(v))
            return fail(r, GS_ERR_FORMAT, "key 'error' is not a string");
        copy_str(a->error, sizeof(a->error), v);
    }
    a->fps = a->duration_s = a->px_per_m = a->leg_length_px = a->ground_angle_deg = NAN;
    const cJSON *src = get(root, "source");
    copy_str(a->video, sizeof(a->video), get(src, "video"));
    a->frames = int_in(get(src, "frames"), 0, 1e8, 0);
    a->width = int_in(get(src, "width"), 1, 1e5, 0);
    a->height = int_in(get(src, "height"), 1, 1e5, 0);
    if (!a->width || !a->height)
        a->width = a->height = 0;
    a->fps = num_or_nan(get(src, "fps"));
    a->duration_s = num_or_nan(get(src, "duration_s"));
    copy_str(a->scale_source, sizeof(a->scale_source), get(get(root, "scale"), "source"));
    a->px_per_m = num_or_nan(get(get(root, "scale"), "px_per_m"));
    a->leg_length_px = num_or_nan(get(get(root, "scale"), "leg_length_px"));
    a->ground_angle_deg = num_or_nan(get(get(root, "ground"), "angle_deg"));

    /* view: required, kind required */
    const cJSON *view = need(r, root, "", "view", cJSON_Object), *k;
    if (!view || !(k = need(r, view, "view", "kind", cJSON_String)))
        return -1;
    if (strcmp(k->valuestring, "unknown") && gs_gait_view_parse(k->valuestring, &a->view.kind))
        return fail(r, GS_ERR_FORMAT, "view.kind '%s' is not a view", k->valuestring);
    const char *facing = cJSON_GetStringValue(get(view, "facing"));
    a->view.facing = facing && !strcmp(facing, "right") ? 1 : facing && !strcmp(facing, "left") ? -1 : 0;
    a->view.confidence = num_or_nan(get(view, "confidence"));
    v = get(root, "activity");
    if (cJSON_IsString(v))
        gs_gait_activity_parse(v->valuestring, &a->activity);
    v = get(root, "setting");
    if (cJSON_IsString(v))
        gs_gait_setting_parse(v->valuestring, &a->setting);

    /* events, strides: required arrays */
    const cJSON *ev = need(r, root, "", "events", cJSON_Array);
    const cJSON *st = need(r, root, "", "strides", cJSON_Array);
    if (!ev || !st)
        return -1;
    a->events = calloc((size_t)cJSON_GetArraySize(ev) + 1, sizeof(*a->events));
    a->strides = calloc((size_t)cJSON_GetArraySize(st) + 1, sizeof(*a->strides));
    if (!a->events || !a->strides)
        return fail(r, GS_ERR_NOMEM, "out of memory");
    i = 0;
    cJSON_ArrayForEach(e, ev)
    {
        char p[64];
        gs_gait_event *o = &a->events[i];
        const char *sd = cJSON_GetStringValue(get(e, "side"));
        const char *ty = cJSON_GetStringValue(get(e, "type"));
        snprintf(p, sizeof(p), "events[%d]", i);
        if (!need(r, e, p, "t", cJSON_Number) || !need(r, e, p, "frame", cJSON_Number))
            return -1;
        if (side_of(sd) < 0 || !ty || (strcmp(ty, "IC") && strcmp(ty, "TO")))
            return fail(r, GS_ERR_FORMAT, "'%s' needs side left/right and type IC/TO", p);
        o->side = (gs_gait_side)side_of(sd);
        o->type = !strcmp(ty, "IC") ? GS_GAIT_EVENT_IC : GS_GAIT_EVENT_TO;
        o->t_s = get(e, "t")->valuedouble;
        o->frame = get(e, "frame")->valuedouble;
        /* optional (issue 13): absent or null in older files */
        const cJSON *u = get(e, "unc_frames");
        o->unc_frames = cJSON_IsNumber(u) && isfinite(u->valuedouble) ? u->valuedouble : NAN;
        i++;
    }
    a->n_events = i;
    i = 0;
    cJSON_ArrayForEach(e, st)
    {
        char p[64];
        gs_gait_stride *o = &a->strides[i];
        const char *sd = cJSON_GetStringValue(get(e, "side"));
        snprintf(p, sizeof(p), "strides[%d]", i);
        if (!need(r, e, p, "t0", cJSON_Number) || !need(r, e, p, "t1", cJSON_Number) ||
            !need(r, e, p, "used", cJSON_True))
            return -1;
        if (side_of(sd) < 0)
            return fail(r, GS_ERR_FORMAT, "'%s.side' is not left or right", p);
        o->side = (gs_gait_side)side_of(sd);
        o->t0_s = get(e, "t0")->valuedouble;
        o->t1_s = get(e, "t1")->valuedouble;
        o->to_s = num_or_nan(get(e, "to"));
        o->used = cJSON_IsTrue(get(e, "used"));
        copy_str(o->why, sizeof(o->why), get(e, "why"));
        i++;
    }
    a->n_strides = i;

    /* metrics: required unless the analysis failed with an error */
    const cJSON *ms = get(root, "metrics");
    if (!ms && !a->error[0])
        return need(r, root, "", "metrics", cJSON_Object) ? 0 : -1;
    if (ms) {
        if (!cJSON_IsObject(ms))
            return fail(r, GS_ERR_FORMAT, "key 'metrics' is not an object");
        a->metrics = calloc((size_t)cJSON_GetArraySize(ms) + 1, sizeof(*a->metrics));
        if (!a->metrics)
            return fail(r, GS_ERR_NOMEM, "out of memory");
        cJSON_ArrayForEach(e, ms)
        {
            if (read_metric(r, e, &a->metrics[a->n_metrics++]))
                return -1;
        }
    }
    const cJSON *cs = get(root, "curves");
    if (cJSON_IsObject(cs)) {
        a->curves = calloc((size_t)cJSON_GetArraySize(cs) + 1, sizeof(*a->curves));
        if (!a->curves)
            return fail(r, GS_ERR_NOMEM, "out of memory");
        cJSON_ArrayForEach(e, cs)
        {
            if (cJSON_IsObject(e) && read_curve(r, e, &a->curves[a->n_curves++]))
                return -1;
        }
    }
    const cJSON *fs = get(root, "findings");
    if (cJSON_IsArray(fs)) {
        a->findings = calloc((size_t)cJSON_GetArraySize(fs) + 1, sizeof(*a->findings));
        if (!a->findings)
            return fail(r, GS_ERR_NOMEM, "out of memory");
        i = 0;
        cJSON_ArrayForEach(e, fs)
        {
            char p[64];
            gs_analysis_finding *o = &a->findings[i];
            snprintf(p, sizeof(p), "findings[%d]", i);
            if (!need(r, e, p, "id", cJSON_String) || !need(r, e, p, "side", cJSON_String))
                return -1;
            copy_str(o->id, sizeof(o->id), get(e, "id"));
            copy_str(o->rule, sizeof(o->rule), get(e, "rule"));
            copy_str(o->title, sizeof(o->title), get(e, "title"));
            copy_str(o->side, sizeof(o->side), get(e, "side"));
            o->severity = num_or_nan(get(e, "severity"));
            o->confidence = num_or_nan(get(e, "confidence"));
            i++;
        }
        a->n_findings = i;
    }
    const cJSON *ws = get(root, "warnings");
    if (cJSON_IsArray(ws)) {
        a->warnings = calloc((size_t)cJSON_GetArraySize(ws) + 1, sizeof(char *));
        if (!a->warnings)
            return fail(r, GS_ERR_NOMEM, "out of memory");
        cJSON_ArrayForEach(e, ws)
        {
            if (cJSON_IsString(e) && !(a->warnings[a->n_warnings++] = strdup(e->valuestring)))
                return fail(r, GS_ERR_NOMEM, "out of memory");
        }
    }
    return 0;
}

gs_status gs_analysis_from_json(cJSON **json, const char *name, gs_analysis **out, gs_error *err)
{
    rd r = {name ? name : "analysis.json", err, GS_OK};
    gs_analysis *a;
    *out = NULL;
    if (!json || !*json)
        return gs_fail(err, GS_ERR_ARG, "%s: no analysis", r.name);
    a = calloc(1, sizeof(*a));
    if (!a)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", r.name);
    a->json = *json;
    *json = NULL;
    if (read_all(&r, a->json, a) != 0 || r.rc != GS_OK) {
        gs_status rc = r.rc != GS_OK ? r.rc : GS_ERR_FORMAT;
        gs_analysis_free(&a);
        return rc;
    }
    *out = a;
    return GS_OK;
}

gs_status gs_analysis_parse(const char *text, size_t len, const char *name, gs_analysis **out,
                            gs_error *err)
{
    const char *nm = name ? name : "analysis.json";
    cJSON *j;
    *out = NULL;
    j = cJSON_ParseWithLength(text, len);
    if (!j)
        return gs_fail(err, GS_ERR_FORMAT, "%s: not valid JSON", nm);
    gs_status rc = gs_analysis_from_json(&j, nm, out, err);
    cJSON_Delete(j);
    return rc;
}

gs_status gs_analysis_read(const char *path, gs_analysis **out, gs_error *err)
{
    uint8_t *text = NULL;
    size_t len = 0;
    *out = NULL;
    gs_status rc = gs_file_read_all(path, &text, &len, err);
    if (rc != GS_OK)
        return rc;
    if (len > ANALYSIS_MAX_BYTES)
        rc = gs_fail(err, GS_ERR_IO, "%s: too large for an analysis.json (%zu bytes)", path, len);
    else
        rc = gs_analysis_parse((const char *)text, len, path, out, err);
    free(text);
    return rc;
}

void gs_analysis_free(gs_analysis **pa)
{
    gs_analysis *a = pa ? *pa : NULL;
    if (!a)
        return;
    for (int i = 0; i < a->n_metrics; i++)
        for (int s = 0; s < 3; s++) {
            gs_analysis_stats *st = s < 2 ? &a->metrics[i].side[s] : &a->metrics[i].all;
            free(st->values);
            free(st->t);
        }
    for (int i = 0; i < a->n_curves; i++)
        for (int s = 0; s < 2; s++) {
            free(a->curves[i].side[s].strides);
            free(a->curves[i].side[s].t0);
        }
    for (int i = 0; i < a->n_warnings; i++)
        free(a->warnings[i]);
    free(a->warnings);
    free(a->metrics);
    free(a->curves);
    free(a->findings);
    free(a->events);
    free(a->strides);
    cJSON_Delete(a->json);
    free(a);
    *pa = NULL;
}

const gs_analysis_metric *gs_analysis_metric_find(const gs_analysis *a, const char *key)
{
    for (int i = 0; a && key && i < a->n_metrics; i++)
        if (!strcmp(a->metrics[i].key, key))
            return &a->metrics[i];
    return NULL;
}

const gs_analysis_curve *gs_analysis_curve_find(const gs_analysis *a, const char *angle)
{
    for (int i = 0; a && angle && i < a->n_curves; i++)
        if (!strcmp(a->curves[i].angle, angle))
            return &a->curves[i];
    return NULL;
}
