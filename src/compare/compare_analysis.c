/*
 * The adapter from src/analysis (the one reader of analysis.json) to the comparison's plain
 * session struct: every array points into the gs_analysis, which the input owns.
 */
#define _XOPEN_SOURCE 700 /* realpath() */

#include "compare_impl.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct gs_compare_input {
    gs_analysis *a;
    char *path, *overlay;
    gs_compare_session s;
    gs_compare_metric *metrics;
    gs_compare_curve *curves;
    gs_compare_finding *findings;
    const char **homework; /* all findings' homework strings, pointing into a->json */
    double *left_strides;
};

void gs_compare_input_free(gs_compare_input **pin)
{
    gs_compare_input *in;
    if (!pin || !*pin)
        return;
    in = *pin;
    gs_analysis_free(&in->a);
    free(in->path);
    free(in->overlay);
    free(in->metrics);
    free(in->curves);
    free(in->findings);
    free(in->homework);
    free(in->left_strides);
    free(in);
    *pin = NULL;
}

const gs_compare_session *gs_compare_input_session(const gs_compare_input *in)
{
    return in ? &in->s : NULL;
}

const gs_analysis *gs_compare_input_analysis(const gs_compare_input *in)
{
    return in ? in->a : NULL;
}

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Fractional frame index of left-foot contact time t: the IC event at that time, else the
 * nearest event moved by the frame rate. */
static double ic_frame(const gs_analysis *a, double t)
{
    int best = -1;
    for (int i = 0; i < a->n_events; i++) {
        const gs_gait_event *e = &a->events[i];
        if (best < 0 || fabs(e->t_s - t) < fabs(a->events[best].t_s - t))
            best = i;
    }
    if (best < 0)
        return NAN;
    if (fabs(a->events[best].t_s - t) < 1e-4 || !(a->fps > 0))
        return a->events[best].frame;
    return a->events[best].frame + (t - a->events[best].t_s) * a->fps;
}

static gs_status build(gs_compare_input *in, gs_error *err)
{
    gs_analysis *a = in->a;
    gs_compare_session *s = &in->s;
    const cJSON *root = a->json, *scale, *ground, *fa;
    int nh = 0, kh = 0;

    memset(s, 0, sizeof(*s));
    s->path = in->path;
    s->clip = a->video[0] ? a->video : NULL;
    s->format = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "format"));
    s->view = gs_gait_view_name(a->view.kind);
    s->activity = gs_gait_activity_name(a->activity);
    s->setting = gs_gait_setting_name(a->setting);
    s->fps = a->fps;
    s->width = a->width;
    s->height = a->height;
    scale = cJSON_GetObjectItemCaseSensitive(root, "scale");
    {
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(scale, "belt_speed_m_s");
        s->belt_speed_m_s = cJSON_IsNumber(b) && b->valuedouble > 0 ? b->valuedouble : NAN;
    }
    s->speed_m_s = NAN;
    if (isfinite(a->px_per_m)) {
        const gs_analysis_metric *m = gs_analysis_metric_find(a, "speed_m_s");
        if (m && m->side[0].present && m->side[1].present)
            s->speed_m_s = 0.5 * (m->side[0].mean + m->side[1].mean);
    }
    s->leg_length_px = a->leg_length_px;
    s->ground_angle_deg = a->ground_angle_deg;
    {
        /* an analysis before methods.metrics_revision existed has revision 1 */
        const cJSON *rev = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(root, "methods"), "metrics_revision");
        s->metrics_revision = cJSON_IsNumber(rev) && rev->valuedouble >= 1 ? (int)rev->valuedouble : 1;
    }
    {
        /* how the contacts and toe-offs were timed: the picture passes' counts (analyze), else
         * the events' own timed_by; neither (gait, an older gaitscope) = the landmarks */
        static const char *const pass[2][2] = {{"contact_image", "contacts"},
                                               {"toe_off_image", "toe_offs"}};
        const cJSON *methods = cJSON_GetObjectItemCaseSensitive(root, "methods"), *ev;
        for (int e = 0; e < 2; e++) {
            const cJSON *pj = cJSON_GetObjectItemCaseSensitive(methods, pass[e][0]);
            const cJSON *ni = cJSON_GetObjectItemCaseSensitive(pj, "timed_from_image");
            const cJSON *nt = cJSON_GetObjectItemCaseSensitive(pj, pass[e][1]);
            if (cJSON_IsNumber(ni)) {
                s->timed_image[e] = ni->valuedouble > 0 ? (int)ni->valuedouble : 0;
                s->timed_of[e] =
                    cJSON_IsNumber(nt) && nt->valuedouble > 0 ? (int)nt->valuedouble : 0;
                continue;
            }
            cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(root, "events"))
            {
                const char *ty = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "type"));
                const char *by =
                    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "timed_by"));
                if (!ty || strcmp(ty, e ? "TO" : "IC"))
                    continue;
                s->timed_of[e]++;
                s->timed_image[e] += by && !strcmp(by, "image");
            }
            if (!s->timed_image[e])
                s->timed_of[e] = 0;
        }
    }
    ground = cJSON_GetObjectItemCaseSensitive(root, "ground");
    {
        const char *src = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ground, "source"));
        s->ground_fitted = src && !strcmp(src, "stance feet") && isfinite(a->ground_angle_deg);
    }
    s->leg_length_frac = NAN;
    {
        /* the camera placement figures of the gait stage (gs_gait_camera), read rather than
         * computed twice: leg length / frame height and the fitted ground line's tilt */
        const cJSON *cam = cJSON_GetObjectItemCaseSensitive(root, "camera");
        const cJSON *lf = cJSON_GetObjectItemCaseSensitive(cam, "leg_length_frac");
        const cJSON *tl = cJSON_GetObjectItemCaseSensitive(cam, "tilt_deg");
        if (cJSON_IsNumber(lf) && lf->valuedouble > 0)
            s->leg_length_frac = lf->valuedouble;
        if (cJSON_IsObject(cam)) {
            s->ground_fitted = cJSON_IsNumber(tl);
            s->ground_angle_deg = cJSON_IsNumber(tl) ? tl->valuedouble : NAN;
        }
    }
    in->left_strides = malloc(sizeof(double) * 2 * (size_t)(a->n_strides + 1));
    in->metrics = calloc((size_t)a->n_metrics + 1, sizeof(*in->metrics));
    in->curves = calloc(2 * (size_t)a->n_curves + 1, sizeof(*in->curves));
    in->findings = calloc((size_t)a->n_findings + 1, sizeof(*in->findings));
    fa = cJSON_GetObjectItemCaseSensitive(root, "findings");
    {
        const cJSON *f;
        cJSON_ArrayForEach(f, fa)
        {
            nh += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(f, "homework"));
        }
    }
    in->homework = calloc((size_t)nh + 1, sizeof(char *));
    if (!in->left_strides || !in->metrics || !in->curves || !in->findings || !in->homework)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", in->path);

    for (int i = 0; i < a->n_strides; i++) {
        const gs_gait_stride *st = &a->strides[i];
        if (!st->used)
            continue;
        s->strides_used[st->side == GS_GAIT_SIDE_LEFT ? 0 : 1]++;
        if (st->side == GS_GAIT_SIDE_LEFT) {
            double f0 = ic_frame(a, st->t0_s), f1 = ic_frame(a, st->t1_s);
            if (isfinite(f0) && isfinite(f1) && f1 > f0) {
                in->left_strides[2 * s->n_left_strides] = f0;
                in->left_strides[2 * s->n_left_strides + 1] = f1;
                s->n_left_strides++;
            }
        }
    }
    s->left_strides = in->left_strides;

    for (int i = 0; i < a->n_metrics; i++) {
        const gs_analysis_metric *am = &a->metrics[i];
        gs_compare_metric *m = &in->metrics[s->n_metrics++];
        m->key = am->key;
        m->unit = am->unit;
        m->label = am->info ? am->info->label : NULL;
        m->whole_body = am->info ? am->info->whole_body : am->all.present;
        m->positive = am->info && am->info->kind == GS_METRIC_KIND_POSITIVE;
        for (int sd = 0; sd < 2; sd++)
            if (am->side[sd].present && am->side[sd].values) {
                m->values[sd] = am->side[sd].values;
                m->n[sd] = am->side[sd].n;
            }
        if (am->all.present && am->all.values) {
            m->values[GS_COMPARE_SIDE_ALL] = am->all.values;
            m->n[GS_COMPARE_SIDE_ALL] = am->all.n;
        }
    }
    s->metrics = in->metrics;

    for (int i = 0; i < a->n_curves; i++)
        for (int sd = 0; sd < 2; sd++) {
            const gs_analysis_curve_side *cs = &a->curves[i].side[sd];
            gs_compare_curve *c;
            if (cs->n_strides <= 0 || !cs->strides)
                continue;
            c = &in->curves[s->n_curves++];
            c->angle = a->curves[i].angle;
            c->side = (gs_compare_side)sd;
            c->strides = cs->strides;
            c->n = cs->n_strides;
        }
    s->curves = in->curves;

    for (int i = 0; i < a->n_findings; i++) {
        const gs_analysis_finding *af = &a->findings[i];
        gs_compare_finding *f = &in->findings[s->n_findings++];
        const cJSON *jf, *h;
        f->id = af->id;
        f->rule = af->rule;
        f->title = af->title;
        f->side = af->side[0] ? af->side : NULL;
        f->severity = af->severity;
        f->confidence = af->confidence;
        /* homework lives in the document only: the finding of the same id */
        f->homework = in->homework + kh;
        cJSON_ArrayForEach(jf, fa)
        {
            const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(jf, "id"));
            if (!id || strcmp(id, af->id))
                continue;
            cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(jf, "homework"))
            {
                if (cJSON_IsString(h) && kh < nh) {
                    in->homework[kh++] = h->valuestring;
                    f->n_homework++;
                }
            }
            break;
        }
    }
    s->findings = in->findings;
    s->overlay_path = in->overlay;
    return GS_OK;
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* gs_compare_input_open(), or with doc (not NULL) gs_compare_input_open_json(): the analysis
 * taken over from *doc instead of read from the file. */
static gs_status input_open(const char *arg, cJSON **doc, gs_compare_input **out, gs_error *err)
{
    gs_compare_input *in = NULL;
    char json[PATH_MAX + 32], ovl[PATH_MAX + 32], real[PATH_MAX];
    gs_status rc;
    int dir;

    *out = NULL;
    if (!arg || !arg[0])
        return gs_fail(err, GS_ERR_ARG, "compare: empty path");
    if (!gs_path_exists(arg))
        return gs_fail(err, GS_ERR_NOT_FOUND, "%s: no such file or folder", arg);
    dir = is_dir(arg);
    if (dir) {
        snprintf(json, sizeof(json), "%s/analysis.json", arg);
        snprintf(ovl, sizeof(ovl), "%s/overlay.mp4", arg);
        if (!gs_path_exists(json))
            return gs_fail(err, GS_ERR_NOT_FOUND,
                           "%s: no analysis.json (not a gaitscope analyze or gait output folder)",
                           arg);
    } else {
        snprintf(json, sizeof(json), "%s", arg);
        ovl[0] = '\0';
    }
    in = calloc(1, sizeof(*in));
    if (!in)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", arg);
    /* the canonical path: the same folder given twice (or by two spellings) is caught */
    in->path = dup(realpath(dir ? arg : json, real) ? real : arg);
    in->overlay = dir && gs_path_exists(ovl) ? dup(ovl) : NULL;
    if (!in->path || (dir && gs_path_exists(ovl) && !in->overlay)) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", arg);
        goto fail;
    }
    rc = doc ? gs_analysis_from_json(doc, json, &in->a, err) : gs_analysis_read(json, &in->a, err);
    if (rc != GS_OK)
        goto fail;
    if (!strcmp(in->a->status, "failed") || in->a->error[0]) {
        rc = gs_fail(err, GS_ERR_FORMAT, "%s: the analysis failed (%s): nothing to compare", json,
                     in->a->error[0] ? in->a->error : "status \"failed\"");
        goto fail;
    }
    rc = build(in, err);
    if (rc != GS_OK)
        goto fail;
    *out = in;
    return GS_OK;
fail:
    gs_compare_input_free(&in);
    return rc;
}

gs_status gs_compare_input_open(const char *arg, gs_compare_input **out, gs_error *err)
{
    return input_open(arg, NULL, out, err);
}

gs_status gs_compare_input_open_json(const char *dir, cJSON **json, gs_compare_input **out,
                                     gs_error *err)
{
    cJSON *none = NULL;
    gs_status rc = input_open(dir, json ? json : &none, out, err);
    if (json) { /* not taken over when the folder was refused first */
        cJSON_Delete(*json);
        *json = NULL;
    }
    return rc;
}

gs_status gs_compare_input_from_analysis(gs_analysis **a, const char *path, const char *overlay,
                                         gs_compare_input **out, gs_error *err)
{
    gs_compare_input *in;
    gs_status rc;
    *out = NULL;
    in = calloc(1, sizeof(*in));
    if (!in)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", path ? path : "analysis");
    in->a = *a;
    *a = NULL;
    in->path = dup(path ? path : "analysis");
    in->overlay = overlay ? dup(overlay) : NULL;
    if (!in->path || (overlay && !in->overlay)) {
        gs_compare_input_free(&in);
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", path ? path : "analysis");
    }
    rc = build(in, err);
    if (rc != GS_OK) {
        gs_compare_input_free(&in);
        return rc;
    }
    *out = in;
    return GS_OK;
}

gs_status gs_compare_mc_load_default_keys(const char *path, gs_compare_mc **out, gs_error *err)
{
    const char *mk[256], *mu[256], *ck[GS_ANGLE_COUNT];
    int nm = 0, nc = 0;
    for (size_t i = 0; i < gs_metric_count() && nm < 256; i++) {
        const gs_metric_info *m = gs_metric_at(i);
        mk[nm] = m->key;
        mu[nm++] = m->unit;
    }
    for (int i = 0; i < GS_ANGLE_COUNT; i++)
        ck[nc++] = gs_angle_name((gs_angle)i);
    return gs_compare_mc_load(path, mk, mu, nm, ck, nc, out, err);
}
