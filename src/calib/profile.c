/*
 * Camera profiles, "gaitscope.camera/1" (calib/README.md, docs/schemas/camera.schema.json).
 *
 * The reader checks everything it uses, because a profile is typed or copied by hand and a wrong
 * matrix silently bends every angle: an unknown format version, a missing key, a matrix of the
 * wrong shape, a principal point outside the image or a distortion vector of a length the model
 * does not have is an error naming the file and the key. Keys it does not know are ignored
 * (DESIGN.md: readers ignore unknown keys), so later versions can add fields.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"

const char *gs_calib_model_name(gs_cv_lens lens)
{
    switch (lens) {
    case GS_CV_LENS_STANDARD:
        return "standard";
    case GS_CV_LENS_FISHEYE:
        return "fisheye";
    }
    return "unknown";
}

/* "<name>: <key>: <what>" */
__attribute__((format(printf, 4, 5))) static gs_status bad(gs_error *err, const char *name,
                                                           const char *key, const char *fmt, ...)
{
    char what[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return gs_fail(err, GS_ERR_FORMAT, "%s: %s: %s", name, key, what);
}

static const cJSON *need(const cJSON *root, const char *key, const char *name, gs_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v)
        gs_fail(err, GS_ERR_FORMAT, "%s: missing key \"%s\"", name, key);
    return v;
}

/* A finite JSON number, else 0 with *ok = 0. */
static double number(const cJSON *v, int *ok)
{
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
        *ok = 0;
        return 0;
    }
    return v->valuedouble;
}

/* A JSON integer in [lo, hi], else *ok = 0. */
static int32_t integer(const cJSON *v, double lo, double hi, int *ok)
{
    double d = number(v, ok);
    if (!*ok || d != floor(d) || d < lo || d > hi) {
        *ok = 0;
        return 0;
    }
    return (int32_t)d;
}

static gs_status parse_matrix(const cJSON *m, const char *name, gs_calib_profile *p, gs_error *err)
{
    const char *key = "camera_matrix";
    int ok = 1;
    if (!cJSON_IsArray(m) || cJSON_GetArraySize(m) != 3)
        return bad(err, name, key, "expected 3 rows of 3 numbers, got %s",
                   cJSON_IsArray(m) ? "another number of rows" : "no array");
    for (int r = 0; r < 3; r++) {
        const cJSON *row = cJSON_GetArrayItem(m, r);
        if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != 3)
            return bad(err, name, key, "row %d: expected 3 numbers", r);
        for (int c = 0; c < 3; c++) {
            p->cam.k[r * 3 + c] = number(cJSON_GetArrayItem(row, c), &ok);
            if (!ok)
                return bad(err, name, key, "row %d, column %d: expected a finite number", r, c);
        }
    }
    const double *k = p->cam.k;
    if (!(k[0] > 0) || !(k[4] > 0))
        return bad(err, name, key, "focal lengths fx = %g, fy = %g must be positive", k[0], k[4]);
    /* OpenCV's camera matrix has this shape (calib3d.hpp, "Camera intrinsic matrix"). */
    if (k[3] != 0 || k[6] != 0 || k[7] != 0 || fabs(k[8] - 1) > 1e-9)
        return bad(err, name, key, "expected rows [fx, s, cx], [0, fy, cy], [0, 0, 1]");
    /* A principal point outside the image means a matrix of another image size or a typo. */
    if (!(k[2] > 0 && k[2] < p->cam.width && k[5] > 0 && k[5] < p->cam.height))
        return bad(err, name, key, "principal point (%g, %g) is outside the %dx%d image", k[2],
                   k[5], (int)p->cam.width, (int)p->cam.height);
    return GS_OK;
}

/*
 * The distorted radius as a function of the ideal one, along a ray from the principal point
 * (normalised units; radial terms only: tangential, thin-prism and tilt terms are small in a
 * real fit). Standard model (OpenCV calib3d "Detailed description"): r (1 + k1 r^2 + k2 r^4 +
 * k3 r^6) / (1 + k4 r^2 + k5 r^4 + k6 r^6); fisheye (cv::fisheye): theta (1 + k1 theta^2 + ... +
 * k4 theta^8) with theta = atan r. *den_ok is 0 where the rational denominator is not positive.
 */
static double distorted_radius(const gs_cv_camera *c, double r, int *den_ok)
{
    const double *d = c->dist;
    *den_ok = 1;
    if (c->lens == GS_CV_LENS_FISHEYE) {
        double th = atan(r), t2 = th * th;
        return th * (1 + t2 * (d[0] + t2 * (d[1] + t2 * (d[2] + t2 * d[3]))));
    }
    double r2 = r * r, k3 = c->n_dist > 4 ? d[4] : 0;
    double num = 1 + r2 * (d[0] + r2 * (d[1] + r2 * k3)), den = 1;
    if (c->n_dist >= 8)
        den = 1 + r2 * (d[5] + r2 * (d[6] + r2 * d[7]));
    *den_ok = den > 0;
    return r * num / den;
}

/* calib.h. Steps of 1/400 of the corner's radius from the principal point; a distortion that
 * has not reached the corner 100 radii out is not called turning (no claim either way). */
double gs_calib_turns_back_at(const gs_cv_camera *c)
{
    const double fx = c->k[0], fy = c->k[4], cx = c->k[2], cy = c->k[5];
    double corner = 0;
    for (int i = 0; i < 4; i++) {
        double dx = ((i & 1) ? c->width : 0) - cx, dy = ((i & 2) ? c->height : 0) - cy;
        double r = sqrt((dx / fx) * (dx / fx) + (dy / fy) * (dy / fy));
        corner = r > corner ? r : corner;
    }
    double prev = 0, step = corner / 400;
    int den_ok;
    /* at most 100 corner radii out (40,000 steps): a profile with a tiny corner radius (a huge
     * focal length) must not make the reader walk to r = 50 in steps of it */
    for (int i = 1; i <= 40000 && (double)i * step <= 50; i++) {
        double g = distorted_radius(c, (double)i * step, &den_ok);
        if (!den_ok || !isfinite(g) || g <= prev)
            return prev / corner;
        if (g >= corner)
            return -1;
        prev = g;
    }
    return -1;
}

static gs_status parse_dist(const cJSON *d, const char *name, gs_calib_profile *p, gs_error *err)
{
    const char *key = "dist_coeffs";
    int n = cJSON_IsArray(d) ? cJSON_GetArraySize(d) : -1, ok = 1;
    if (n < 0)
        return bad(err, name, key, "expected an array of numbers");
    if (p->cam.lens == GS_CV_LENS_FISHEYE && n != 4)
        return bad(err, name, key, "the fisheye model has 4 coefficients (k1..k4), got %d", n);
    /* OpenCV's standard model takes 4, 5, 8, 12 or 14 (calib3d.hpp, distCoeffs). */
    if (p->cam.lens == GS_CV_LENS_STANDARD && n != 4 && n != 5 && n != 8 && n != 12 && n != 14)
        return bad(err, name, key,
                   "the standard model has 4, 5, 8, 12 or 14 coefficients (k1 k2 p1 p2 [k3 ...]), "
                   "got %d",
                   n);
    for (int i = 0; i < n; i++) {
        p->cam.dist[i] = number(cJSON_GetArrayItem(d, i), &ok);
        if (!ok)
            return bad(err, name, key, "item %d: expected a finite number", i);
    }
    p->cam.n_dist = n;
    double at = gs_calib_turns_back_at(&p->cam);
    if (at >= 0)
        return bad(err, name, key,
                   "the distortion turns back at %.0f %% of the way to the picture's corner, "
                   "which no lens does (a fit beyond its views); calibrate again with the board "
                   "in the corners",
                   100 * at);
    return GS_OK;
}

static gs_status parse_optional(const cJSON *root, const char *name, gs_calib_profile *p,
                                gs_error *err)
{
    const cJSON *v;
    int ok = 1;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "coverage")) != NULL) {
        p->coverage = number(v, &ok);
        if (!ok || p->coverage < 0 || p->coverage > 1)
            return bad(err, name, "coverage", "expected a fraction between 0 and 1");
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "holdout_error_px")) != NULL) {
        static const char *models[2] = {"standard", "fisheye"};
        if (!cJSON_IsObject(v))
            return bad(err, name, "holdout_error_px",
                       "expected {\"standard\": px, \"fisheye\": px}");
        for (int m = 0; m < 2; m++) {
            const cJSON *e = cJSON_GetObjectItemCaseSensitive(v, models[m]);
            if (!e || cJSON_IsNull(e))
                continue;
            p->holdout_error_px[m] = number(e, &ok);
            if (!ok || p->holdout_error_px[m] < 0)
                return bad(err, name, "holdout_error_px", "%s: expected a number >= 0", models[m]);
        }
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "board")) != NULL) {
        if (!cJSON_IsObject(v))
            return bad(err, name, "board", "expected {\"cols\", \"rows\", \"square_mm\"}");
        p->board.cols = integer(cJSON_GetObjectItemCaseSensitive(v, "cols"), 2, 1000, &ok);
        p->board.rows = integer(cJSON_GetObjectItemCaseSensitive(v, "rows"), 2, 1000, &ok);
        p->board.square_mm = number(cJSON_GetObjectItemCaseSensitive(v, "square_mm"), &ok);
        if (!ok || !(p->board.square_mm > 0))
            return bad(err, name, "board", "expected integer cols, rows >= 2 and square_mm > 0");
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "name")) != NULL) {
        if (!cJSON_IsString(v))
            return bad(err, name, "name", "expected a string");
        snprintf(p->name, sizeof(p->name), "%s", v->valuestring);
    }
    return GS_OK;
}

gs_status gs_calib_profile_parse(const char *text, size_t len, const char *name,
                                 gs_calib_profile *out, gs_error *err)
{
    gs_status rc = GS_OK;
    gs_calib_profile p;
    cJSON *root = NULL;
    const cJSON *v;
    int ok = 1;

    if (!name)
        name = "camera profile";
    if (!text || !out)
        return gs_fail(err, GS_ERR_ARG, "%s: no text", name);
    memset(&p, 0, sizeof(p));
    p.coverage = NAN;
    p.holdout_error_px[0] = p.holdout_error_px[1] = NAN;
    /* ParseWithLengthOpts hands back the error position itself (cJSON_GetErrorPtr is a global) */
    const char *at = NULL;
    root = cJSON_ParseWithLengthOpts(text, len, &at, 0);
    if (!root) {
        long off = at && at >= text && at <= text + len ? (long)(at - text) : -1;
        return gs_fail(err, GS_ERR_FORMAT, "%s: not valid JSON (error near byte %ld)", name, off);
    }
    if (!cJSON_IsObject(root)) {
        rc = gs_fail(err, GS_ERR_FORMAT, "%s: expected a JSON object", name);
        goto done;
    }
    if (!(v = need(root, "format", name, err))) {
        rc = GS_ERR_FORMAT;
        goto done;
    }
    if (!cJSON_IsString(v) || strcmp(v->valuestring, GS_CALIB_FORMAT) != 0) {
        rc = bad(err, name, "format", "expected \"%s\", got %s%s%s", GS_CALIB_FORMAT,
                 cJSON_IsString(v) ? "\"" : "", cJSON_IsString(v) ? v->valuestring : "a non-string",
                 cJSON_IsString(v) ? "\"" : "");
        goto done;
    }
    if (!(v = need(root, "model", name, err))) {
        rc = GS_ERR_FORMAT;
        goto done;
    }
    if (cJSON_IsString(v) && !strcmp(v->valuestring, "standard"))
        p.cam.lens = GS_CV_LENS_STANDARD;
    else if (cJSON_IsString(v) && !strcmp(v->valuestring, "fisheye"))
        p.cam.lens = GS_CV_LENS_FISHEYE;
    else {
        rc = bad(err, name, "model", "expected \"standard\" or \"fisheye\", got %s",
                 cJSON_IsString(v) ? v->valuestring : "a non-string");
        goto done;
    }
    if (!(v = need(root, "image_size", name, err))) {
        rc = GS_ERR_FORMAT;
        goto done;
    }
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2) {
        rc = bad(err, name, "image_size", "expected [width, height]");
        goto done;
    }
    p.cam.width = integer(cJSON_GetArrayItem(v, 0), 1, 65536, &ok);
    p.cam.height = integer(cJSON_GetArrayItem(v, 1), 1, 65536, &ok);
    if (!ok) {
        rc = bad(err, name, "image_size", "expected [width, height] as integers 1..65536");
        goto done;
    }
    if (!(v = need(root, "camera_matrix", name, err))) {
        rc = GS_ERR_FORMAT;
        goto done;
    }
    if ((rc = parse_matrix(v, name, &p, err)) != GS_OK)
        goto done;
    if (!(v = need(root, "dist_coeffs", name, err))) {
        rc = GS_ERR_FORMAT;
        goto done;
    }
    if ((rc = parse_dist(v, name, &p, err)) != GS_OK)
        goto done;
    if (!(v = need(root, "reprojection_error_px", name, err))) {
        rc = GS_ERR_FORMAT;
        goto done;
    }
    p.reprojection_error_px = number(v, &ok);
    if (!ok || p.reprojection_error_px < 0) {
        rc = bad(err, name, "reprojection_error_px", "expected a number >= 0");
        goto done;
    }
    if (!(v = need(root, "views_used", name, err))) {
        rc = GS_ERR_FORMAT;
        goto done;
    }
    p.views_used = integer(v, 1, 1e6, &ok);
    if (!ok) {
        rc = bad(err, name, "views_used", "expected an integer >= 1");
        goto done;
    }
    if ((rc = parse_optional(root, name, &p, err)) != GS_OK)
        goto done;
    *out = p;
done:
    cJSON_Delete(root);
    return rc;
}

gs_status gs_calib_profile_read(const char *path, gs_calib_profile *out, gs_error *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    gs_status rc = gs_file_read_all(path, &data, &len, err);
    if (rc != GS_OK)
        return rc;
    rc = gs_calib_profile_parse((const char *)data, len, path, out, err);
    free(data);
    return rc;
}

/* Adds a number, rounded to 10 significant digits so that files diff cleanly. */
static int put(cJSON *o, const char *key, double v)
{
    char s[32];
    snprintf(s, sizeof(s), "%.10g", v);
    return cJSON_AddItemToObject(o, key, cJSON_CreateNumber(strtod(s, NULL))) ? 0 : -1;
}

static cJSON *num(double v)
{
    char s[32];
    snprintf(s, sizeof(s), "%.10g", v);
    return cJSON_CreateNumber(strtod(s, NULL));
}

cJSON *gs_calib_profile_to_json(const gs_calib_profile *p)
{
    cJSON *root = cJSON_CreateObject(), *a, *row, *o;
    int e = 0;
    if (!root || !p)
        goto fail;
    e |= !cJSON_AddStringToObject(root, "format", GS_CALIB_FORMAT);
    if (p->name[0])
        e |= !cJSON_AddStringToObject(root, "name", p->name);
    e |= !cJSON_AddStringToObject(root, "model", gs_calib_model_name(p->cam.lens));
    a = cJSON_AddArrayToObject(root, "image_size");
    e |= !a || !cJSON_AddItemToArray(a, cJSON_CreateNumber(p->cam.width)) ||
         !cJSON_AddItemToArray(a, cJSON_CreateNumber(p->cam.height));
    a = cJSON_AddArrayToObject(root, "camera_matrix");
    e |= !a;
    for (int r = 0; a && r < 3; r++) {
        row = cJSON_CreateArray();
        e |= !row || !cJSON_AddItemToArray(a, row);
        for (int c = 0; row && c < 3; c++)
            e |= !cJSON_AddItemToArray(row, num(p->cam.k[r * 3 + c]));
    }
    a = cJSON_AddArrayToObject(root, "dist_coeffs");
    e |= !a;
    for (int i = 0; a && i < p->cam.n_dist && i < GS_CV_MAX_DIST; i++)
        e |= !cJSON_AddItemToArray(a, num(p->cam.dist[i]));
    e |= put(root, "reprojection_error_px", p->reprojection_error_px);
    e |= !cJSON_AddNumberToObject(root, "views_used", p->views_used);
    if (isfinite(p->coverage))
        e |= put(root, "coverage", p->coverage);
    if (isfinite(p->holdout_error_px[0]) || isfinite(p->holdout_error_px[1])) {
        o = cJSON_AddObjectToObject(root, "holdout_error_px");
        e |= !o;
        for (int m = 0; o && m < 2; m++)
            if (isfinite(p->holdout_error_px[m]))
                e |= put(o, m ? "fisheye" : "standard", p->holdout_error_px[m]);
    }
    if (p->board.cols > 0 && p->board.rows > 0) {
        o = cJSON_AddObjectToObject(root, "board");
        e |= !o || !cJSON_AddNumberToObject(o, "cols", p->board.cols) ||
             !cJSON_AddNumberToObject(o, "rows", p->board.rows) ||
             put(o, "square_mm", p->board.square_mm);
    }
    if (e)
        goto fail;
    return root;
fail:
    cJSON_Delete(root);
    return NULL;
}

gs_status gs_calib_profile_write(const char *path, const gs_calib_profile *p, gs_error *err)
{
    cJSON *j = gs_calib_profile_to_json(p);
    char *txt = j ? cJSON_Print(j) : NULL;
    gs_status rc;
    cJSON_Delete(j);
    if (!txt)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory writing the profile", path);
    size_t n = strlen(txt);
    txt[n] = '\n'; /* cJSON_Print's terminator becomes the final newline */
    rc = gs_file_write_all(path, txt, n + 1, err);
    cJSON_free(txt);
    return rc;
}

gs_status gs_calib_check_size(const gs_calib_profile *p, const char *profile_name, int32_t width,
                              int32_t height, gs_error *err)
{
    const char *name = profile_name && profile_name[0] ? profile_name : "camera profile";
    if (!p || width <= 0 || height <= 0)
        return gs_fail(err, GS_ERR_ARG, "%s: no profile or no frame size", name);
    if (p->cam.width == width && p->cam.height == height)
        return GS_OK;
#define ORIENT(w, h) ((w) > (h) ? "landscape" : (w) < (h) ? "portrait" : "square")
    const char *po = ORIENT(p->cam.width, p->cam.height), *vo = ORIENT(width, height);
#undef ORIENT
    if (strcmp(po, vo) != 0)
        return gs_fail(err, GS_ERR_ARG,
                       "%s: made for %dx%d frames (%s), the video is %dx%d (%s): calibrate in "
                       "the orientation and resolution you film in",
                       name, (int)p->cam.width, (int)p->cam.height, po, (int)width, (int)height,
                       vo);
    return gs_fail(err, GS_ERR_ARG,
                   "%s: made for %dx%d frames, the video is %dx%d: calibrate at the resolution you "
                   "film in (phones crop the sensor differently per video mode)",
                   name, (int)p->cam.width, (int)p->cam.height, (int)width, (int)height);
}
