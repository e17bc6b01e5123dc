/*
 * analysis.json (gait part, "gaitscope.analysis/1", DESIGN.md "Artifacts"), angles.csv and
 * events.csv.
 */
#include "gait_impl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Foot strike classes from the strike angle (foot vs ground at IC, + toes up): rearfoot above
 * 8.0 deg, forefoot below -1.6 deg, midfoot between (Altman & Davis 2012, Gait Posture 35:298,
 * "A kinematic method for footstrike pattern detection in barefoot and shod runners"; their angle
 * is relative to the standing foot, ours to the ground line, see docs/metrics.md).
 */
#define FSA_REARFOOT_DEG 8.0
#define FSA_FOREFOOT_DEG (-1.6)

/* A number rounded to 4 decimals (readable files; far below any measurement error), or null. */
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

/* {mean, sd, n, values[], t[]} of values v[0..n-1] (t = stride start times). */
static cJSON *stats(const double *v, const double *t, int n, double *mean_out)
{
    cJSON *o = cJSON_CreateObject(), *vals, *ts;
    double s = 0, ss = 0, m = NAN;
    if (!o)
        return NULL;
    for (int i = 0; i < n; i++)
        s += v[i];
    if (n > 0)
        m = s / n;
    for (int i = 0; i < n; i++)
        ss += (v[i] - m) * (v[i] - m);
    put_num(o, "mean", m);
    put_num(o, "sd", n > 1 ? sqrt(ss / (n - 1)) : NAN);
    cJSON_AddNumberToObject(o, "n", n);
    vals = cJSON_AddArrayToObject(o, "values");
    ts = cJSON_AddArrayToObject(o, "t");
    for (int i = 0; i < n && vals && ts; i++) {
        cJSON_AddItemToArray(vals, num(v[i]));
        cJSON_AddItemToArray(ts, num(t[i]));
    }
    if (mean_out)
        *mean_out = m;
    return o;
}

static cJSON *metric_json(const gs_gait__metric *m)
{
    cJSON *o = cJSON_CreateObject();
    double ml = NAN, mr = NAN;
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "unit", m->unit);
    if (m->whole_body) {
        int n = m->n[0] + m->n[1], k = 0;
        double *v = malloc(sizeof(double) * (size_t)(n + 1)), *t = malloc(sizeof(double) * (size_t)(n + 1));
        if (v && t) {
            for (int s = 0; s < 2; s++)
                for (int i = 0; i < m->n[s]; i++) {
                    v[k] = m->v[s][i];
                    t[k++] = m->t[s][i];
                }
            /* pooled values (left strides then right ones) are kept: the comparison tests them */
            cJSON_AddItemToObject(o, "all", stats(v, t, n, NULL));
        }
        free(v);
        free(t);
    }
    cJSON_AddItemToObject(o, "left", stats(m->v[0], m->t[0], m->n[0], &ml));
    cJSON_AddItemToObject(o, "right", stats(m->v[1], m->t[1], m->n[1], &mr));
    put_num(o, "diff", ml - mr);
    {
        /* pooled stride-to-stride SD: the yardstick for diff (DESIGN.md "Conventions") */
        double sl = 0, sr = 0;
        int nl = m->n[0], nr = m->n[1];
        for (int i = 0; i < nl; i++)
            sl += (m->v[0][i] - ml) * (m->v[0][i] - ml);
        for (int i = 0; i < nr; i++)
            sr += (m->v[1][i] - mr) * (m->v[1][i] - mr);
        put_num(o, "sd_pooled", nl + nr > 2 && nl > 0 && nr > 0 ? sqrt((sl + sr) / (nl + nr - 2)) : NAN);
    }
    /* SI only for strictly positive quantities (DESIGN.md: angles use diff vs the stride SD) */
    if (m->positive && ml > 0 && mr > 0)
        put_num(o, "si", 100.0 * (ml - mr) / (0.5 * (ml + mr)));
    else
        cJSON_AddNullToObject(o, "si");
    return o;
}

/* scale.candidates (every scale that could be computed) and scale.agreement (each pair) */
static void add_scale_candidates(cJSON *o, const gs_gait_result *r)
{
    cJSON *cand = cJSON_AddArrayToObject(o, "candidates"), *agr;
    for (int s = 1; cand && s < 4; s++) {
        cJSON *c;
        if (!(r->scale[s].px_per_m > 0) || !(c = cJSON_CreateObject()))
            continue;
        cJSON_AddStringToObject(c, "source", gs_calib_scale_source_name(r->scale[s].source));
        put_num(c, "px_per_m", r->scale[s].px_per_m);
        put_num(c, "uncertainty", r->scale[s].uncertainty);
        if (s == GS_CALIB_SCALE_BELT)
            cJSON_AddNumberToObject(c, "strides", r->belt_strides);
        cJSON_AddItemToArray(cand, c);
    }
    agr = cJSON_AddArrayToObject(o, "agreement");
    for (int a = 1; agr && a < 4; a++)
        for (int b = a + 1; b < 4; b++) {
            gs_calib_agreement g;
            cJSON *c;
            if (gs_calib_scale_agreement(&r->scale[a], &r->scale[b], &g, NULL) != GS_OK ||
                !(c = cJSON_CreateObject()))
                continue;
            cJSON_AddStringToObject(c, "a", gs_calib_scale_source_name(r->scale[a].source));
            cJSON_AddStringToObject(c, "b", gs_calib_scale_source_name(r->scale[b].source));
            put_num(c, "ratio", g.ratio);
            put_num(c, "diff_frac", g.diff_frac);
            put_num(c, "z", g.z);
            cJSON_AddBoolToObject(c, "agree", g.agree);
            cJSON_AddItemToArray(agr, c);
        }
}

cJSON *gs_gait_result_to_json(const gs_gait_result *r)
{
    cJSON *root = cJSON_CreateObject(), *o, *a;
    int side_view = gs_gait__is_side(r->view.kind);
    if (!root)
        return NULL;
    cJSON_AddStringToObject(root, "format", "gaitscope.analysis/1");
    o = cJSON_AddObjectToObject(root, "source");
    if (o) {
        cJSON_AddStringToObject(o, "pose", r->name);
        cJSON_AddNumberToObject(o, "frames", r->n);
        put_num(o, "duration_s", r->n > 1 ? r->t[r->n - 1] - r->t[0] : 0);
        cJSON_AddNumberToObject(o, "width", r->width);
        cJSON_AddNumberToObject(o, "height", r->height);
        put_num(o, "fps", r->fps);
        if (r->second_looks >= 0) {
            /* frames the tracker looked at again (legs jumping), and their share of the
             * person's frames: above pose.h GS_POSE_SECOND_LOOK_WARN the notes warn */
            cJSON_AddNumberToObject(o, "second_looks", r->second_looks);
            put_num(o, "second_look_rate",
                    r->person_frames > 0 ? (double)r->second_looks / r->person_frames : NAN);
        }
    }
    o = cJSON_AddObjectToObject(root, "view");
    if (o) {
        cJSON_AddStringToObject(o, "kind", gs_gait_view_name(r->view.kind));
        cJSON_AddStringToObject(o, "facing",
                                side_view ? (r->view.facing > 0 ? "right" : "left")
                                : r->view.kind == GS_GAIT_VIEW_REAR  ? "away"
                                : r->view.kind == GS_GAIT_VIEW_FRONT ? "toward"
                                                                     : "unknown");
        put_num(o, "confidence", r->view.confidence);
        cJSON_AddNumberToObject(o, "passes", r->view.passes);
        cJSON_AddNumberToObject(o, "turns", r->view.turns);
    }
    cJSON_AddStringToObject(root, "activity", gs_gait_activity_name(r->activity));
    cJSON_AddStringToObject(root, "setting", gs_gait_setting_name(r->setting));
    o = cJSON_AddObjectToObject(root, "scale");
    if (o) {
        cJSON_AddStringToObject(o, "source", gs_calib_scale_source_name(r->scale_source));
        put_num(o, "px_per_m", r->px_per_m > 0 ? r->px_per_m : NAN);
        /* relative 1-SD uncertainty of px_per_m, a fraction (gait_scale.c says where each
         * candidate's comes from) */
        put_num(o, "uncertainty", r->px_per_m > 0 ? r->scale[r->scale_source].uncertainty : NAN);
        put_num(o, "leg_length_px", r->len_px);
        cJSON_AddStringToObject(o, "length_unit", r->px_per_m > 0 ? "cm" : "leg lengths");
        put_num(o, "height_m", r->height_m > 0 ? r->height_m : NAN);
        put_num(o, "belt_speed_m_s", r->belt_m_s > 0 ? r->belt_m_s : NAN);
        add_scale_candidates(o, r);
    }
    o = cJSON_AddObjectToObject(root, "ground");
    if (o) {
        put_num(o, "angle_deg", -r->ground_phi * 180.0 / GS_PI);
        cJSON_AddStringToObject(o, "source",
                                r->ground_points > 0 ? "stance feet" : "image horizontal");
        cJSON_AddNumberToObject(o, "points", r->ground_points);
        put_num(o, "x0_px", r->gx0);
        put_num(o, "y0_px", r->gy0);
        /* overground side views: the ground's median backward speed in the picture on the
         * feet in stance (gait_metrics.c camera_motion) and whether the camera follows */
        put_num(o, "speed_ll_s", r->cam_med_ll_s);
        cJSON_AddBoolToObject(o, "camera_follows", r->cam_follows);
    }
    o = cJSON_AddObjectToObject(root, "methods");
    if (o) {
        cJSON_AddStringToObject(
            o, "events",
            !side_view ? "foot height: the lowest of heel and toe against the fitted ground "
                         "level; IC and TO where the descending/rising lines meet it (sub-frame)"
            : r->walk_events
                ? "Zeni 2008 (most anterior heel, most posterior toe, relative to the mid-hip) "
                  "to find each event, then the foot: IC where it comes to rest on its "
                  "footprint, TO where the lowest of heel and toe leaves its stance level "
                  "(sub-frame)"
            : r->belt_ic > 0
                ? "Zeni 2008 (most anterior heel, most posterior toe, relative to the mid-hip) "
                  "to find each event, then the foot: IC where it moves back with the treadmill "
                  "belt (half the belt's image speed) after its fall and forward motion end, TO "
                  "at the change point of a level stance and a rising toe (sub-frame)"
                : "Zeni 2008 (most anterior heel, most posterior toe, relative to the mid-hip) "
                  "to find each event, then the foot: IC where its fall and its forward motion "
                  "end, TO at the change point of a level stance and a rising toe (sub-frame)");
        if (r->belt_ic > 0)
            cJSON_AddNumberToObject(o, "contacts_at_belt_uptake", r->belt_ic);
        cJSON_AddNumberToObject(o, "metrics_revision", GS_METRICS_REVISION);
        put_num(o, "expected_error_frames", 1.5);
        cJSON_AddBoolToObject(o, "events_edited", r->events_edited);
        cJSON_AddStringToObject(
            o, "event_uncertainty",
            "events[].unc_frames: standard uncertainty (1 SD) in frames from the error "
            "measured against eye labels of real clips, landmark noise over "
            "the foot's vertical speed, and the frame quantum "
            "(docs/metrics.md 3a)");
        cJSON_AddStringToObject(o, "cadence",
                                "steps per minute, both feet (a stride is two steps)");
        put_num(o, "contact_threshold_px", r->kappa_px);
        put_num(o, "noise_px", r->noise_px);
        if (isfinite(r->pelvis_ref_deg) &&
            (r->view.kind == GS_GAIT_VIEW_REAR || r->view.kind == GS_GAIT_VIEW_FRONT))
            put_num(o, "pelvis_level_deg", r->pelvis_ref_deg);
    }
    a = cJSON_AddArrayToObject(root, "events");
    int timed = 0; /* "timed_by" only when something other than the landmark rules timed one */
    for (int i = 0; i < r->n_ev; i++)
        timed |= r->ev[i].timed_by != GS_GAIT_TIMED_LANDMARKS;
    for (int i = 0; a && i < r->n_ev; i++) {
        cJSON *e = cJSON_CreateObject();
        if (!e)
            break;
        cJSON_AddStringToObject(e, "side", gs_gait_side_name(r->ev[i].side));
        cJSON_AddStringToObject(e, "type", gs_gait_event_name(r->ev[i].type));
        put_num(e, "t", r->ev[i].t_s);
        put_num(e, "frame", r->ev[i].frame);
        put_num(e, "unc_frames", r->ev[i].unc_frames);
        if (timed)
            cJSON_AddStringToObject(e, "timed_by", gs_gait_timing_name(r->ev[i].timed_by));
        cJSON_AddItemToArray(a, e);
    }
    a = cJSON_AddArrayToObject(root, "strides");
    for (int i = 0; a && i < r->n_st; i++) {
        const gs_gait_stride *s = &r->st[i];
        cJSON *e = cJSON_CreateObject();
        if (!e)
            break;
        cJSON_AddStringToObject(e, "side", gs_gait_side_name(s->side));
        put_num(e, "t0", s->t0_s);
        put_num(e, "t1", s->t1_s);
        put_num(e, "to", s->to_s);
        cJSON_AddBoolToObject(e, "used", s->used);
        if (s->used)
            cJSON_AddNullToObject(e, "why");
        else
            cJSON_AddStringToObject(e, "why", s->why);
        cJSON_AddItemToArray(a, e);
    }
    o = cJSON_AddObjectToObject(root, "metrics");
    for (int i = 0; o && i < r->n_m; i++)
        if (r->m[i].n[0] + r->m[i].n[1] > 0)
            cJSON_AddItemToObject(o, r->m[i].key, metric_json(&r->m[i]));
    /* foot strike class per side from the per-stride strike angles */
    for (int i = 0; i < r->n_m; i++) {
        const gs_gait__metric *m = &r->m[i];
        if (strcmp(m->key, "foot_strike_angle_deg") != 0)
            continue;
        o = cJSON_AddObjectToObject(root, "foot_strike");
        for (int s = 0; o && s < 2; s++) {
            int c[3] = {0, 0, 0};
            cJSON *so = cJSON_AddObjectToObject(o, s ? "right" : "left");
            for (int j = 0; j < m->n[s]; j++)
                c[m->v[s][j] > FSA_REARFOOT_DEG ? 0 : m->v[s][j] < FSA_FOREFOOT_DEG ? 2 : 1]++;
            if (!so)
                continue;
            int best = c[0] >= c[1] && c[0] >= c[2] ? 0 : c[1] >= c[2] ? 1 : 2;
            static const char *const cls[3] = {"rearfoot", "midfoot", "forefoot"};
            if (m->n[s] > 0)
                cJSON_AddStringToObject(so, "class", cls[best]);
            else
                cJSON_AddNullToObject(so, "class");
            for (int k = 0; k < 3; k++)
                cJSON_AddNumberToObject(so, cls[k], c[k]);
        }
        if (o) {
            cJSON *th = cJSON_AddObjectToObject(o, "thresholds_deg");
            if (th) {
                put_num(th, "rearfoot_above", FSA_REARFOOT_DEG);
                put_num(th, "forefoot_below", FSA_FOREFOOT_DEG);
            }
            cJSON_AddStringToObject(o, "source", "Altman & Davis 2012, Gait Posture 35:298");
        }
    }
    o = cJSON_AddObjectToObject(root, "curves");
    for (int i = 0; o && i < r->n_cv; i++) {
        const gs_gait__curve *c = &r->cv[i];
        cJSON *co = cJSON_AddObjectToObject(o, gs_angle_name(c->a));
        for (int s = 0; co && s < 2; s++) {
            cJSON *so = cJSON_AddObjectToObject(co, s ? "right" : "left"), *mm, *sd;
            if (!so)
                continue;
            cJSON_AddNumberToObject(so, "n", c->n[s]);
            /* a side without strides has no mean curve (the schema's mean and sd are 101
             * points when present): n 0 says so */
            mm = c->n[s] > 0 ? cJSON_AddArrayToObject(so, "mean") : NULL;
            sd = c->n[s] > 0 ? cJSON_AddArrayToObject(so, "sd") : NULL;
            for (int p = 0; p < GS_GAIT__CURVE_N && mm && sd; p++) {
                cJSON_AddItemToArray(mm, num(c->mean[s][p]));
                cJSON_AddItemToArray(sd, num(c->sd[s][p]));
            }
            /* each used stride's own curve, by time, with its start (initial contact) */
            cJSON *per = cJSON_AddArrayToObject(so, "strides");
            cJSON *t0 = cJSON_AddArrayToObject(so, "t0");
            for (int k = 0; per && t0 && k < c->n[s]; k++) {
                cJSON *row = cJSON_CreateArray();
                for (int p = 0; row && p < GS_GAIT__CURVE_N; p++)
                    cJSON_AddItemToArray(row, num(c->per[s][(size_t)k * GS_GAIT__CURVE_N + p]));
                cJSON_AddItemToArray(per, row);
                cJSON_AddItemToArray(t0, num(c->t0[s][k]));
            }
        }
    }
    a = cJSON_AddArrayToObject(root, "notes");
    if (a && r->px_per_m <= 0)
        cJSON_AddItemToArray(
            a, cJSON_CreateString("no body height or other scale given, so lengths are in "
                                  "leg lengths (thigh + shank, hip to ankle) rather than "
                                  "centimetres; give the body height (the athlete's record, or "
                                  "--height) for centimetres"));
    for (int i = 0; a && i < r->n_notes; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(r->notes[i]));
    return root;
}

gs_status gs_gait_write_analysis_json(const char *path, const gs_gait_result *r, gs_error *err)
{
    cJSON *j = gs_gait_result_to_json(r);
    char *txt = j ? cJSON_Print(j) : NULL;
    gs_status rc;
    cJSON_Delete(j);
    if (!txt)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory building analysis.json", path);
    rc = gs_file_write_all(path, txt, strlen(txt), err);
    cJSON_free(txt);
    return rc;
}

/* fprintf that remembers a failure. */
#define OUT(...)                                \
    do {                                        \
        if (fprintf(f, __VA_ARGS__) < 0)        \
            bad = 1;                            \
    } while (0)

gs_status gs_gait_write_angles_csv(const char *path, const gs_gait_result *r, gs_error *err)
{
    int present[GS_ANGLE_COUNT] = {0}, bad = 0;
    FILE *f;
    for (int32_t i = 0; i < r->n; i++)
        for (int a = 0; a < GS_ANGLE_COUNT; a++)
            if (!present[a] && (isfinite(*gs_gait__ang(r, i, 0, a)) ||
                                isfinite(*gs_gait__ang(r, i, 1, a))))
                present[a] = 1;
    char tmp[4200];
    f = gs_file_atomic_open(path, tmp, sizeof(tmp), err); /* complete or absent */
    if (!f)
        return err ? err->code : GS_ERR_IO;
    OUT("frame,t_s");
    for (int a = 0; a < GS_ANGLE_COUNT; a++)
        if (present[a])
            OUT(",left_%s,right_%s", gs_angle_name((gs_angle)a), gs_angle_name((gs_angle)a));
    OUT("\n");
    for (int32_t i = 0; i < r->n && !bad; i++) {
        OUT("%d,%.6f", (int)i, r->t[i]);
        for (int a = 0; a < GS_ANGLE_COUNT; a++) {
            if (!present[a])
                continue;
            for (int s = 0; s < 2; s++) {
                double v = *gs_gait__ang(r, i, s, a);
                if (isfinite(v))
                    OUT(",%.3f", v);
                else
                    OUT(",");
            }
        }
        OUT("\n");
    }
    return gs_file_atomic_close(f, tmp, path, !bad, err) == GS_OK && !bad
               ? GS_OK
               : gs_fail(err, GS_ERR_IO, "%s: write failed: %s", path, strerror(errno ? errno : EIO));
}

gs_status gs_gait_write_events_csv(const char *path, const gs_gait_result *r, gs_error *err)
{
    int bad = 0;
    char tmp[4200];
    FILE *f = gs_file_atomic_open(path, tmp, sizeof(tmp), err); /* complete or absent */
    if (!f)
        return err ? err->code : GS_ERR_IO;
    /* a sixth column only when something other than the landmark rules timed an event, so the
     * usual file stays as it was */
    int timed = 0;
    for (int i = 0; i < r->n_ev; i++)
        timed |= r->ev[i].timed_by != GS_GAIT_TIMED_LANDMARKS;
    OUT("side,type,t_s,frame,unc_frames%s\n", timed ? ",timed_by" : "");
    for (int i = 0; i < r->n_ev && !bad; i++) {
        OUT("%s,%s,%.6f,%.3f,%.2f", gs_gait_side_name(r->ev[i].side),
            gs_gait_event_name(r->ev[i].type), r->ev[i].t_s, r->ev[i].frame,
            r->ev[i].unc_frames);
        if (timed)
            OUT(",%s", gs_gait_timing_name(r->ev[i].timed_by));
        OUT("\n");
    }
    return gs_file_atomic_close(f, tmp, path, !bad, err) == GS_OK && !bad
               ? GS_OK
               : gs_fail(err, GS_ERR_IO, "%s: write failed: %s", path, strerror(errno ? errno : EIO));
}

gs_status gs_gait__read_events_csv(gs_gait_result *r, const char *path, gs_error *err)
{
    FILE *f = fopen(path, "r");
    char line[512];
    int ln = 0;
    gs_status rc = GS_OK;
    if (!f)
        return gs_fail(err, GS_ERR_IO, "%s: cannot open the edited events: %s", path,
                       strerror(errno));
    r->n_ev = 0;
    while (fgets(line, sizeof(line), f)) {
        char side[16], type[16];
        double t;
        ln++;
        if (ln == 1) {
            if (strncmp(line, "side,type,t_s", 13) != 0) {
                rc = gs_fail(err, GS_ERR_FORMAT, "%s:1: header must start side,type,t_s", path);
                break;
            }
            continue;
        }
        if (line[0] == '\n' || line[0] == '\r')
            continue;
        if (sscanf(line, "%15[^,],%15[^,],%lf", side, type, &t) != 3 ||
            (strcmp(side, "left") && strcmp(side, "right")) ||
            (strcmp(type, "IC") && strcmp(type, "TO")) || !isfinite(t) || r->n <= 0 ||
            t < r->t[0] - 1.0 || t > r->t[r->n - 1] + 1.0) {
            rc = gs_fail(err, GS_ERR_FORMAT,
                         "%s:%d: expected left|right,IC|TO,T_S within the track's times", path, ln);
            break;
        }
        rc = gs_gait__add_event(r, strcmp(side, "right") == 0, strcmp(type, "TO") == 0, t, err);
        if (rc != GS_OK)
            break;
        r->ev[r->n_ev - 1].timed_by = GS_GAIT_TIMED_HAND;
    }
    fclose(f);
    if (rc == GS_OK)
        gs_gait__sort_events(r);
    return rc;
}

/* analysis.json readers for gs_gait_event_mdc_ms and gs_gait_analysis_far_leg (an object's
 * member; a finite number). */
static const cJSON *obj_get(const cJSON *o, const char *k)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

static int is_num(const cJSON *v)
{
    return cJSON_IsNumber(v) && isfinite(v->valuedouble);
}

/* Event-timing metrics: each side's value is a difference of event times, so an error in the
 * events moves it. coef[side][foot][type]: how a side's value takes the mean time of foot's
 * events of type (IC, TO); gait_metrics.c stride_metrics: contact = TO - IC of the same foot,
 * step time = this foot's IC - the other's, flight = the other foot's IC - this foot's TO. */
static const struct timing_metric {
    const char *key;
    int coef[2][2][2];
} timing_metrics[] = {
    {"ground_contact_ms", {{{-1, 1}, {0, 0}}, {{0, 0}, {-1, 1}}}},
    {"step_time_ms", {{{1, 0}, {-1, 0}}, {{-1, 0}, {1, 0}}}},
    {"flight_ms", {{{0, -1}, {1, 0}}, {{1, 0}, {0, -1}}}},
};

/* One foot's events of one type that state an uncertainty. */
static int unc_event(const cJSON *e, const char *foot, const char *type)
{
    const cJSON *sd = obj_get(e, "side"), *ty = obj_get(e, "type");
    return cJSON_IsString(sd) && !strcmp(sd->valuestring, foot) && cJSON_IsString(ty) &&
           !strcmp(ty->valuestring, type) && is_num(obj_get(e, "unc_frames"));
}

/* Median unc_frames of the events of one foot and type (analysis.json events[]), NAN when none
 * states one: the lower median, found by counting (no allocation; a few hundred events). */
static double median_unc(const cJSON *events, const char *foot, const char *type)
{
    double best = NAN;
    int n = 0;
    if (!cJSON_IsArray(events))
        return NAN;
    for (const cJSON *e = events->child; e; e = e->next)
        n += unc_event(e, foot, type);
    for (const cJSON *e = events->child; e; e = e->next) {
        double u;
        int below = 0, above = 0;
        if (!unc_event(e, foot, type))
            continue;
        u = obj_get(e, "unc_frames")->valuedouble;
        for (const cJSON *f = events->child; f; f = f->next) {
            if (!unc_event(f, foot, type))
                continue;
            below += obj_get(f, "unc_frames")->valuedouble < u;
            above += obj_get(f, "unc_frames")->valuedouble > u;
        }
        if (below <= (n - 1) / 2 && above <= n / 2 && (isnan(best) || u < best))
            best = u;
    }
    return best;
}

/* The smallest L - R difference of an event-timing metric (in ms) that the events' stated
 * uncertainty cannot explain (gait.h), or NAN for other metrics or when the analysis states no
 * unc_frames or source.fps. Each foot's events may share one error: on run_rear_treadmill_01
 * the left contacts are +1.0 frame late against rater a with an MAE of 1.0 (every error the
 * same sign) and the right ones -0.2 (docs/events-history.md), so a per-foot bias does not average
 * out over the strides, and unc_frames (1 SD of one event, docs/metrics.md section 3) is taken
 * as the SD of the mean of that foot's events. The difference's SD is then
 * sqrt(sum (coef_L - coef_R)^2 u^2) frames, and the minimal detectable change is 1.96 x that SD
 * (MDC95 = 1.96 x SD_diff, Weir 2005, J Strength Cond Res 19:231; REFERENCES.md section 7). */
double gs_gait_event_mdc_ms(const cJSON *analysis, const char *key)
{
    const cJSON *fps = obj_get(obj_get(analysis, "source"), "fps");
    const cJSON *events = obj_get(analysis, "events");
    static const char *const feet[2] = {"left", "right"}, *const types[2] = {"IC", "TO"};
    double var = 0;
    size_t i;
    if (key && !strcmp(key, "duty_factor")) {
        /* contact / stride time: the contact time's error over the stride (the stride's own
         * error, IC to IC of one foot, is shared by both of its ends and is left out) */
        const cJSON *st = obj_get(obj_get(analysis, "metrics"), "stride_time_ms");
        const cJSON *l = obj_get(obj_get(st, "left"), "mean");
        const cJSON *r = obj_get(obj_get(st, "right"), "mean");
        double mdc = gs_gait_event_mdc_ms(analysis, "ground_contact_ms");
        if (!is_num(l) || !is_num(r) || l->valuedouble + r->valuedouble <= 0)
            return NAN;
        return mdc / (0.5 * (l->valuedouble + r->valuedouble));
    }
    for (i = 0; i < sizeof(timing_metrics) / sizeof(timing_metrics[0]); i++)
        if (key && !strcmp(timing_metrics[i].key, key))
            break;
    if (i == sizeof(timing_metrics) / sizeof(timing_metrics[0]) || !is_num(fps) ||
        fps->valuedouble <= 0)
        return NAN;
    for (int f = 0; f < 2; f++)
        for (int t = 0; t < 2; t++) {
            int d = timing_metrics[i].coef[0][f][t] - timing_metrics[i].coef[1][f][t];
            double u;
            if (!d)
                continue;
            u = median_unc(events, feet[f], types[t]);
            if (isnan(u))
                return NAN;
            var += d * d * u * u;
        }
    return 1.96 * sqrt(var) * 1000.0 / fps->valuedouble;
}

gs_gait_far_leg gs_gait_analysis_far_leg(const cJSON *analysis)
{
    const cJSON *view = obj_get(analysis, "view"), *kind = obj_get(view, "kind");
    const cJSON *turns = obj_get(view, "turns");
    gs_gait_view_kind vk = GS_GAIT_VIEW_UNKNOWN;
    if (!cJSON_IsString(kind) || gs_gait_view_parse(kind->valuestring, &vk) != 0 ||
        (vk != GS_GAIT_VIEW_SIDE_LEFT && vk != GS_GAIT_VIEW_SIDE_RIGHT))
        return GS_GAIT_FAR_NONE;
    if (is_num(turns) && turns->valuedouble > 0)
        return GS_GAIT_FAR_EACH;
    /* side-left: the camera sees the person's left side, so the right leg is the far one */
    return vk == GS_GAIT_VIEW_SIDE_LEFT ? GS_GAIT_FAR_RIGHT : GS_GAIT_FAR_LEFT;
}
