/*
 * A session's analysis options: the store's options_json -> gs_analyze_options, with the command
 * line's ranges (src/cli/opts.c cites the source of each bound: body height 0.5-2.6 m from the
 * WHO growth standards and the tallest living person, belt speed up to 12 m/s above the 100 m
 * record's mean speed, times up to a day, slow motion up to 1000x, pixel positions up to MP4's
 * 65535). Unknown keys are refused so a misspelt option never silently does nothing.
 */
#include "worker.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "gait.h"
#include "nkt.h"

/* A number given as a JSON number or as text holding one (form fields arrive as text). */
static gs_status num_of(const cJSON *v, const char *key, double lo, int lo_open, double hi,
                        const char *unit, double *out, gs_error *err)
{
    double x;
    if (cJSON_IsNumber(v)) {
        x = v->valuedouble;
    } else if (cJSON_IsString(v) && v->valuestring[0]) {
        char *end = NULL;
        x = strtod(v->valuestring, &end);
        while (end && (*end == ' ' || *end == '\t'))
            end++;
        if (!end || *end)
            return gs_fail(err, GS_ERR_ARG, "options: %s: '%.40s' is not a number", key,
                           v->valuestring);
    } else {
        return gs_fail(err, GS_ERR_ARG, "options: %s: needs a number", key);
    }
    if (!isfinite(x) || x > hi || (lo_open ? x <= lo : x < lo))
        return gs_fail(err, GS_ERR_ARG, "options: %s: %g is outside %c%g, %g] %s", key, x,
                       lo_open ? '(' : '[', lo, hi, unit);
    *out = x;
    return GS_OK;
}

static gs_status bool_of(const cJSON *v, const char *key, int *out, gs_error *err)
{
    static const char *const yes[] = {"1", "true", "on", "yes"};
    static const char *const no[] = {"0", "false", "off", "no", ""};
    if (cJSON_IsBool(v)) {
        *out = cJSON_IsTrue(v);
        return GS_OK;
    }
    if (cJSON_IsNumber(v) && (v->valuedouble == 0 || v->valuedouble == 1)) {
        *out = v->valuedouble == 1;
        return GS_OK;
    }
    if (cJSON_IsString(v)) {
        for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
            if (!strcmp(v->valuestring, yes[i])) {
                *out = 1;
                return GS_OK;
            }
        for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
            if (!strcmp(v->valuestring, no[i])) {
                *out = 0;
                return GS_OK;
            }
    }
    return gs_fail(err, GS_ERR_ARG, "options: %s: needs true or false", key);
}

/* "X,Y" or [X, Y], pixels in [0, 65535]. */
static gs_status point_of(const cJSON *v, float *x, float *y, gs_error *err)
{
    double p[2];
    gs_status rc;
    if (cJSON_IsArray(v) && cJSON_GetArraySize(v) == 2) {
        for (int i = 0; i < 2; i++) {
            rc = num_of(cJSON_GetArrayItem(v, i), "person", 0, 0, 65535, "px", &p[i], err);
            if (rc != GS_OK)
                return rc;
        }
    } else if (cJSON_IsString(v)) {
        char a[64], b[64];
        const char *comma = strchr(v->valuestring, ',');
        cJSON *ja, *jb;
        if (!comma || (size_t)(comma - v->valuestring) >= sizeof(a) ||
            strlen(comma + 1) >= sizeof(b))
            return gs_fail(err, GS_ERR_ARG, "options: person: needs X,Y in pixels");
        memcpy(a, v->valuestring, (size_t)(comma - v->valuestring));
        a[comma - v->valuestring] = '\0';
        snprintf(b, sizeof(b), "%s", comma + 1);
        ja = cJSON_CreateString(a);
        jb = cJSON_CreateString(b);
        if (!ja || !jb) {
            cJSON_Delete(ja);
            cJSON_Delete(jb);
            return gs_fail(err, GS_ERR_NOMEM, "options: out of memory");
        }
        rc = num_of(ja, "person", 0, 0, 65535, "px", &p[0], err);
        if (rc == GS_OK)
            rc = num_of(jb, "person", 0, 0, 65535, "px", &p[1], err);
        cJSON_Delete(ja);
        cJSON_Delete(jb);
        if (rc != GS_OK)
            return rc;
    } else {
        return gs_fail(err, GS_ERR_ARG, "options: person: needs X,Y in pixels");
    }
    *x = (float)p[0];
    *y = (float)p[1];
    return GS_OK;
}

/* "all", or 1-16 ranges "T1-T2" of seconds in [0, 86400] with T1 < T2, comma separated: the
 * syntax gs_gait_options.swap_legs takes (the gait stage checks it again). */
static gs_status swap_legs_of(const cJSON *v, char *out, size_t n, gs_error *err)
{
    const char *s, *p;
    int ranges = 0;
    if (!cJSON_IsString(v))
        return gs_fail(err, GS_ERR_ARG, "options: swap_legs: needs all or T1-T2[,T3-T4] seconds");
    s = v->valuestring;
    if (strlen(s) >= n)
        return gs_fail(err, GS_ERR_ARG, "options: swap_legs: longer than %zu bytes", n - 1);
    if (strcmp(s, "all") != 0)
        for (p = s;; p++) {
            char *end = NULL;
            double a = strtod(p, &end), b;
            if (end == p || *end != '-')
                break;
            p = end + 1;
            b = strtod(p, &end);
            if (end == p || !isfinite(a) || !isfinite(b) || a < 0 || b > 86400 || !(a < b) ||
                ++ranges > 16)
                break;
            p = end;
            if (*p == '\0') {
                ranges = -ranges; /* well formed to the end */
                break;
            }
            if (*p != ',')
                break;
        }
    if (strcmp(s, "all") != 0 && ranges >= 0)
        return gs_fail(err, GS_ERR_ARG,
                       "options: swap_legs: '%.60s' is not all or T1-T2[,T3-T4] (at most 16 "
                       "ranges of seconds, each start before its end)",
                       s);
    snprintf(out, n, "%s", s);
    return GS_OK;
}

gs_status gs_worker_session_options_parse(const char *options_json,
                                          gs_worker_session_options *out, gs_error *err)
{
    cJSON *root = NULL;
    const cJSON *v;
    gs_status rc = GS_OK;

    memset(out, 0, sizeof(*out));
    if (!options_json || !options_json[0])
        return GS_OK;
    root = cJSON_Parse(options_json);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return gs_fail(err, GS_ERR_FORMAT, "options: not a JSON object");
    }
    cJSON_ArrayForEach(v, root)
    {
        const char *k = v->string ? v->string : "";
        if (!strcmp(k, "view")) {
            if (!cJSON_IsString(v) || gs_gait_view_parse(v->valuestring, &out->view) != 0)
                rc = gs_fail(err, GS_ERR_ARG,
                             "options: view: needs side-left, side-right, rear or front");
        } else if (!strcmp(k, "height")) {
            rc = num_of(v, k, 0.5, 0, 2.6, "m", &out->height_m, err);
        } else if (!strcmp(k, "belt_speed")) {
            rc = num_of(v, k, 0, 1, 12, "m/s", &out->belt_speed_m_s, err);
        } else if (!strcmp(k, "start")) {
            rc = num_of(v, k, 0, 0, 86400, "s", &out->start_s, err);
        } else if (!strcmp(k, "end")) {
            rc = num_of(v, k, 0, 1, 86400, "s", &out->end_s, err);
        } else if (!strcmp(k, "slowmo")) {
            rc = num_of(v, k, 1, 0, 1000, "", &out->slowmo, err);
        } else if (!strcmp(k, "blur_faces")) {
            rc = bool_of(v, k, &out->blur_faces, err);
        } else if (!strcmp(k, "person")) {
            rc = point_of(v, &out->person_x, &out->person_y, err);
            out->has_person = rc == GS_OK;
        } else if (!strcmp(k, "history")) {
            gs_nkt_history *h = NULL;
            if (!cJSON_IsString(v))
                rc = gs_fail(err, GS_ERR_ARG, "options: history: needs kind:region items");
            else if (strlen(v->valuestring) >= sizeof(out->history))
                rc = gs_fail(err, GS_ERR_ARG, "options: history: longer than %zu bytes",
                             sizeof(out->history) - 1);
            else if ((rc = gs_nkt_history_parse(v->valuestring, &h, err)) == GS_OK)
                snprintf(out->history, sizeof(out->history), "%s", v->valuestring);
            else if (err) {
                char why[sizeof(err->msg)];
                snprintf(why, sizeof(why), "%s", err->msg);
                gs_fail(err, rc, "options: history: %.400s", why);
            }
            gs_nkt_history_free(&h);
        } else if (!strcmp(k, "swap_legs")) {
            rc = swap_legs_of(v, out->swap_legs, sizeof(out->swap_legs), err);
        } else if (!strcmp(k, "events")) {
            /* the SHA-256 of the edited events file the server stored for the session */
            const char *h = cJSON_IsString(v) ? v->valuestring : "";
            size_t i = 0;
            while (h[i] && ((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
                i++;
            if (i != 64 || h[i])
                rc = gs_fail(err, GS_ERR_ARG, "options: events: not a SHA-256 in hex");
            else
                snprintf(out->events_sha256, sizeof(out->events_sha256), "%s", h);
        } else if (!strcmp(k, "notes") || !strcmp(k, "date")) {
            /* session fields, not analysis options */
        } else {
            rc = gs_fail(err, GS_ERR_ARG, "options: unknown option '%.40s'", k);
        }
        if (rc != GS_OK)
            break;
    }
    if (rc == GS_OK && out->end_s > 0 && !(out->end_s > out->start_s))
        rc = gs_fail(err, GS_ERR_ARG, "options: end: %g s is not after start %g s", out->end_s,
                     out->start_s);
    cJSON_Delete(root);
    if (rc != GS_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

void gs_worker_session_options_apply(const gs_worker_session_options *so, gs_analyze_options *o)
{
    o->view = so->view;
    o->height_m = so->height_m;
    o->belt_speed_m_s = so->belt_speed_m_s;
    o->decode.start_s = so->start_s;
    o->decode.end_s = so->end_s;
    o->decode.slowmo = so->slowmo;
    o->blur_faces = so->blur_faces;
    o->has_person = so->has_person;
    o->person_x = so->person_x;
    o->person_y = so->person_y;
    o->history = so->history[0] ? so->history : NULL;
    o->swap_legs = so->swap_legs[0] ? so->swap_legs : NULL;
    /* events_csv: the worker sets it to the session's stored file once its hash is checked */
}
