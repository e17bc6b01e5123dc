/*
 * Pose-track undistortion and the metric scale helpers.
 *
 * Landmarks are undistorted as points, not frames: BlazePose runs on the original frames (its
 * crops are affine warps of them) and the overlay draws on them, while angles and lengths need
 * the ideal pinhole image. Points keep the profile's camera matrix (OpenCV undistortPoints with
 * P = K), so pixel units and the image centre's scale do not change and a scale measured on the
 * undistorted image applies to the undistorted landmarks.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"

gs_status gs_calib_undistort_track(gs_pose_track *t, const gs_calib_profile *p,
                                   const char *profile_name, int32_t *n_failed, gs_error *err)
{
    gs_status rc;
    double *xy = NULL;
    int32_t failed = 0;

    if (n_failed)
        *n_failed = 0;
    if (!t || !p || t->n_frames < 0 || (t->n_frames > 0 && !t->frames))
        return gs_fail(err, GS_ERR_ARG, "undistort: no track or no profile");
    rc = gs_calib_check_size(p, profile_name, t->width, t->height, err);
    if (rc != GS_OK)
        return rc;
    /* An undistorted point this far from the picture is the model's, not the lens's: a
     * coefficient set whose rational term (k4-k6) nearly vanishes inside the frame sends a point
     * there and back within the round trip's 0.01 px, or out of float's range (found by
     * fuzz_calib). A real lens moves an edge point by a fraction of the frame. */
    const double far = 16.0 * (double)(t->width > t->height ? t->width : t->height);
    xy = malloc(sizeof(double) * 2 * 2 * GS_POSE_NKP);
    if (!xy)
        return gs_fail(err, GS_ERR_NOMEM, "undistort: out of memory");
    for (int32_t i = 0; i < t->n_frames; i++) {
        gs_pose_frame *f = &t->frames[i];
        gs_kp *sets[2] = {f->has_kp ? f->kp : NULL, f->has_raw ? f->raw : NULL};
        for (int s = 0; s < 2; s++) {
            gs_kp *kp = sets[s];
            if (!kp)
                continue;
            for (int k = 0; k < GS_POSE_NKP; k++) {
                xy[2 * k] = kp[k].x;
                xy[2 * k + 1] = kp[k].y;
            }
            rc = gs_cv_undistort_points(&p->cam, xy, GS_POSE_NKP, err);
            if (rc != GS_OK)
                goto done;
            for (int k = 0; k < GS_POSE_NKP; k++) {
                if (!isfinite(kp[k].x) || !isfinite(kp[k].y))
                    continue; /* a missing point stays missing */
                if (!isfinite(xy[2 * k]) || !isfinite(xy[2 * k + 1]) || fabs(xy[2 * k]) > far ||
                    fabs(xy[2 * k + 1]) > far) {
                    kp[k].vis = 0; /* not corrected: keep it, but do not trust it */
                    failed++;
                    continue;
                }
                kp[k].x = (float)xy[2 * k];
                kp[k].y = (float)xy[2 * k + 1];
            }
        }
    }
    if (n_failed)
        *n_failed = failed;
    rc = GS_OK;
done:
    free(xy);
    return rc;
}

/* ---- scale ---- */

const char *gs_calib_scale_source_name(gs_calib_scale_source s)
{
    switch (s) {
    case GS_CALIB_SCALE_NONE:
        return "none";
    case GS_CALIB_SCALE_HEIGHT:
        return "height";
    case GS_CALIB_SCALE_LINE:
        return "line";
    case GS_CALIB_SCALE_BELT:
        return "belt";
    }
    return "unknown";
}

gs_status gs_calib_scale_line_parse(const char *s, gs_calib_scale_line *out, gs_error *err)
{
    static const char *names[5] = {"x1", "y1", "x2", "y2", "METRES"};
    double v[5];
    const char *p = s;
    if (!s || !out)
        return gs_fail(err, GS_ERR_ARG, "--scale-line: expected x1,y1,x2,y2,METRES");
    for (int i = 0; i < 5; i++) {
        char *end = NULL;
        errno = 0;
        v[i] = strtod(p, &end);
        if (end == p || errno != 0 || !isfinite(v[i]))
            return gs_fail(err, GS_ERR_ARG,
                           "--scale-line '%s': %s is missing or not a number (expected "
                           "x1,y1,x2,y2,METRES, pixels and metres)",
                           s, names[i]);
        p = end;
        if (i < 4) {
            if (*p == '\0')
                return gs_fail(err, GS_ERR_ARG,
                               "--scale-line '%s': %s is missing (expected x1,y1,x2,y2,METRES, "
                               "pixels and metres)",
                               s, names[i + 1]);
            if (*p != ',')
                return gs_fail(err, GS_ERR_ARG,
                               "--scale-line '%s': expected 5 comma-separated numbers "
                               "x1,y1,x2,y2,METRES",
                               s);
            p++;
        }
    }
    if (*p != '\0')
        return gs_fail(err, GS_ERR_ARG,
                       "--scale-line '%s': expected 5 comma-separated numbers x1,y1,x2,y2,METRES",
                       s);
    if (!(v[4] > 0))
        return gs_fail(err, GS_ERR_ARG, "--scale-line '%s': the distance must be > 0 metres", s);
    out->x1 = v[0];
    out->y1 = v[1];
    out->x2 = v[2];
    out->y2 = v[3];
    out->metres = v[4];
    return GS_OK;
}

gs_status gs_calib_scale_from_line(const gs_calib_scale_line *l, int32_t width, int32_t height,
                                   const gs_calib_profile *p, double click_px, gs_calib_scale *out,
                                   gs_error *err)
{
    double xy[4];
    gs_status rc;
    if (!l || !out || width <= 0 || height <= 0 || !(l->metres > 0))
        return gs_fail(err, GS_ERR_ARG, "--scale-line: no line, distance or frame size");
    xy[0] = l->x1;
    xy[1] = l->y1;
    xy[2] = l->x2;
    xy[3] = l->y2;
    for (int i = 0; i < 2; i++)
        if (!(xy[2 * i] >= 0 && xy[2 * i] <= width && xy[2 * i + 1] >= 0 &&
              xy[2 * i + 1] <= height))
            return gs_fail(err, GS_ERR_ARG,
                           "--scale-line: end point (%g, %g) is outside the %dx%d frame", xy[2 * i],
                           xy[2 * i + 1], (int)width, (int)height);
    if (p) {
        rc = gs_calib_check_size(p, p->name[0] ? p->name : NULL, width, height, err);
        if (rc != GS_OK)
            return rc;
        rc = gs_cv_undistort_points(&p->cam, xy, 2, err);
        if (rc != GS_OK)
            return rc;
        if (!isfinite(xy[0]) || !isfinite(xy[2]))
            return gs_fail(err, GS_ERR_ARG,
                           "--scale-line: an end point cannot be undistorted with the profile");
    }
    double len = hypot(xy[2] - xy[0], xy[3] - xy[1]);
    /* 20 px: at a 1 px click error that is already a 7 % scale uncertainty. */
    if (!(len >= 20))
        return gs_fail(err, GS_ERR_ARG,
                       "--scale-line: the line is %.1f px long; mark a distance of at least 20 px "
                       "(longer is better: the error is about 1.4 px / length)",
                       len);
    double c = click_px > 0 ? click_px : 1.0;
    out->source = GS_CALIB_SCALE_LINE;
    out->px_per_m = len / l->metres;
    /* Each end point's error along the line has SD c; the length is their difference. */
    out->uncertainty = sqrt(2.0) * c / len;
    return GS_OK;
}

gs_status gs_calib_scale_agreement(const gs_calib_scale *a, const gs_calib_scale *b,
                                   gs_calib_agreement *out, gs_error *err)
{
    if (!a || !b || !out || !(a->px_per_m > 0) || !(b->px_per_m > 0))
        return gs_fail(err, GS_ERR_ARG, "scale agreement: both scales must be > 0 px/m");
    double sa = a->px_per_m * (a->uncertainty > 0 ? a->uncertainty : 0);
    double sb = b->px_per_m * (b->uncertainty > 0 ? b->uncertainty : 0);
    double d = a->px_per_m - b->px_per_m, s = sqrt(sa * sa + sb * sb);
    out->ratio = a->px_per_m / b->px_per_m;
    out->diff_frac = d / (0.5 * (a->px_per_m + b->px_per_m));
    out->z = s > 0 ? fabs(d) / s : (d == 0 ? 0 : INFINITY);
    /* z <= 2: within about two combined standard deviations (95 % for normal errors). */
    out->agree = out->z <= 2.0;
    return GS_OK;
}
