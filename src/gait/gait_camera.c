/*
 * Camera placement checks: how the camera saw the runner, from the landmarks themselves.
 *
 * A single camera measures sagittal angles well only when the runner moves in a plane parallel
 * to the image, the camera is far enough for perspective to be small, and the picture is level.
 * Damsted et al. 2015 (IJSPT) found the between-day spread of 2D running angles about three
 * times the within-day spread, which points at the set-up; so the figures below are measured
 * on every clip, written to analysis.json's "camera", and compared between sessions.
 *
 * - leg_length_frac: median leg length (hip-knee + knee-ankle, pixels) / image height. The leg
 *   is 0.491 of body height (Winter 2009, Fig. 4.1), so a whole body filling 90 % of the frame
 *   gives 0.44. Above 0.45 the head or the feet must leave the frame at times (cropped); below
 *   0.20 the runner is less than about 40 % of the frame height and the few-pixel landmark
 *   errors become degrees (a 3 px error across a 60 px shank is about 3 deg).
 * - leg_length_change_frac: (max - min) / median of the leg length's medians over 1.5 s windows
 *   (one or more strides each, so the gait cycle averages out). Apparent size goes as 1 / depth,
 *   so this is the change of distance to the camera over the clip: a runner drifting toward or
 *   away from the camera, or a path that is not parallel to the image. Above 0.10 a single
 *   pixel scale misstates lengths and speeds by more than the 5 % of the body-height scale.
 * - near_far_leg_ratio (side views): median of near-leg / far-leg length over frames where the
 *   far leg is seen (visibility >= 0.5). The legs are about 0.25 m apart in depth (hip joint
 *   centres ~0.18 m plus step width), and size goes as 1 / depth, so the ratio is
 *   (D + 0.25 m) / D for a camera D metres from the near leg: 1.08 means D ~ 3 m. Beyond that
 *   the two sides are measured at different scales and a left/right difference can be the
 *   camera's.
 * - tilt_deg: the fitted ground line's angle in the image (gait.c's stance-feet fit; NAN when
 *   there is no fit). Angles are levelled on this line, but a roll beyond 3 deg is about the
 *   between-session smallest detectable difference of 2D running angles (1.3 to 4.8 deg,
 *   Dingenen et al. 2018, Phys Ther Sport 33:40), so a level camera keeps sessions comparable
 *   even where the fit is poor (few stance frames, an inclined treadmill).
 * The thresholds are reasoned from these geometries, not from a published validation.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gait_impl.h"

#define WINDOW_S     1.5  /* window for the leg-length change */
#define FRAC_SMALL   0.20 /* leg_length_frac below: runner small in the frame */
#define FRAC_CROPPED 0.45 /* leg_length_frac above: body cannot fit the frame */
#define CHANGE_MAX   0.10 /* leg_length_change_frac above: depth changes over the clip */
#define NEAR_FAR_MAX 1.08 /* near/far leg ratio above: camera closer than ~3 m */
#define TILT_MAX_DEG 3.0  /* |tilt_deg| above: camera not level */
#define MIN_VIS      0.5f /* far-leg landmarks counted when this visible */

static double dist(const gs_kp *a, const gs_kp *b)
{
    return hypot((double)a->x - b->x, (double)a->y - b->y);
}

/* Leg length of side s (0 left, 1 right) in pixels; NAN if a point is missing. */
static double leg_px(const gs_pose_frame *f, int s, float min_vis)
{
    const gs_kp *h = &f->kp[GS_KP_LEFT_HIP + s], *k = &f->kp[GS_KP_LEFT_KNEE + s],
                *a = &f->kp[GS_KP_LEFT_ANKLE + s];
    if (h->vis < min_vis || k->vis < min_vis || a->vis < min_vis)
        return NAN;
    double l = dist(h, k) + dist(k, a);
    return isfinite(l) && l > 0 ? l : NAN;
}

const char *gs_gait_camera_flag_text(gs_gait_camera_flag f)
{
    switch (f) {
    case GS_GAIT_CAMERA_SMALL:
        return "the runner is small in the picture (legs under 20 % of its height): move closer "
               "or zoom so the body fills about two thirds of the frame";
    case GS_GAIT_CAMERA_CROPPED:
        return "the runner fills the frame (legs over 45 % of its height): head or feet leave the "
               "picture; step back or zoom out";
    case GS_GAIT_CAMERA_DEPTH_CHANGE:
        return "the runner's distance to the camera changes over the clip (apparent size changes "
               "by more than 10 %): film square to the direction of running, centred on the path";
    case GS_GAIT_CAMERA_TOO_CLOSE:
        return "the camera is close (near leg more than 8 % longer than the far leg, about 3 m "
               "or less): film from farther away and zoom in";
    case GS_GAIT_CAMERA_TILTED:
        return "the camera is tilted (ground line more than 3 deg from level): level the camera";
    }
    return "";
}

gs_status gs_gait_camera_check(const gs_pose_track *t, const gs_gait_result *r, gs_gait_camera *out,
                               gs_error *err)
{
    double *len = NULL, *win = NULL, *ratio = NULL;
    int n_len = 0, n_win = 0, n_ratio = 0, side_view, near = -1;
    if (!t || !r || !out || t->n_frames != r->n || (t->n_frames > 0 && !t->frames) ||
        t->height <= 0)
        return gs_fail(err, GS_ERR_ARG, "camera check: the track and the result do not match");
    memset(out, 0, sizeof(*out));
    out->leg_length_frac = out->leg_length_change_frac = NAN;
    out->near_far_leg_ratio = out->tilt_deg = NAN;
    side_view = gs_gait__is_side(r->view.kind);
    /* side-left: the camera sees the person's left side, so the left leg is the near one */
    if (side_view)
        near = r->view.kind == GS_GAIT_VIEW_SIDE_LEFT ? 0 : 1;
    size_t n1 = (size_t)(t->n_frames > 0 ? t->n_frames : 1);
    len = malloc(sizeof(double) * n1);
    win = malloc(sizeof(double) * n1);
    ratio = malloc(sizeof(double) * n1);
    if (!len || !win || !ratio) {
        free(len);
        free(win);
        free(ratio);
        return gs_fail(err, GS_ERR_NOMEM, "camera check: out of memory");
    }
    /* per-frame leg length: the near leg in side views, the mean of both otherwise */
    double *lt = malloc(sizeof(double) * n1);
    if (!lt) {
        free(len);
        free(win);
        free(ratio);
        return gs_fail(err, GS_ERR_NOMEM, "camera check: out of memory");
    }
    for (int32_t i = 0; i < t->n_frames; i++) {
        const gs_pose_frame *f = &t->frames[i];
        lt[i] = NAN;
        if (!r->valid[i] || !f->has_kp)
            continue;
        double l0 = leg_px(f, 0, 0), l1 = leg_px(f, 1, 0);
        double l = side_view ? (near ? l1 : l0) : 0.5 * (l0 + l1);
        if (isfinite(l)) {
            lt[i] = l;
            len[n_len++] = l;
        }
        if (side_view) {
            double ln = near ? l1 : l0, lf = leg_px(f, 1 - near, MIN_VIS);
            if (isfinite(ln) && isfinite(lf) && lf > 0)
                ratio[n_ratio++] = ln / lf;
        }
    }
    double med = gs_median(len, n_len);
    out->leg_length_frac = med / t->height;
    /* medians over consecutive windows of WINDOW_S */
    for (int32_t i = 0; i < t->n_frames;) {
        double t0 = t->frames[i].t_s;
        int m = 0;
        int32_t j = i;
        for (; j < t->n_frames && t->frames[j].t_s < t0 + WINDOW_S; j++)
            if (isfinite(lt[j]))
                len[m++] = lt[j];
        if (m >= 5) /* a window with a few frames only says little */
            win[n_win++] = gs_median(len, m);
        i = j > i ? j : i + 1;
    }
    if (n_win >= 2) {
        double lo = win[0], hi = win[0];
        for (int k = 1; k < n_win; k++) {
            lo = fmin(lo, win[k]);
            hi = fmax(hi, win[k]);
        }
        out->leg_length_change_frac = (hi - lo) / gs_median(win, n_win);
    }
    if (n_ratio >= 10)
        out->near_far_leg_ratio = gs_median(ratio, n_ratio);
    if (r->ground_points > 0)
        out->tilt_deg = -r->ground_phi * 180.0 / GS_PI;
    if (out->leg_length_frac < FRAC_SMALL)
        out->flags |= GS_GAIT_CAMERA_SMALL;
    if (out->leg_length_frac > FRAC_CROPPED)
        out->flags |= GS_GAIT_CAMERA_CROPPED;
    if (out->leg_length_change_frac > CHANGE_MAX)
        out->flags |= GS_GAIT_CAMERA_DEPTH_CHANGE;
    if (out->near_far_leg_ratio > NEAR_FAR_MAX)
        out->flags |= GS_GAIT_CAMERA_TOO_CLOSE;
    if (fabs(out->tilt_deg) > TILT_MAX_DEG)
        out->flags |= GS_GAIT_CAMERA_TILTED;
    free(lt);
    free(len);
    free(win);
    free(ratio);
    return GS_OK;
}

static void put(cJSON *o, const char *k, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, k, round(v * 1e4) / 1e4);
    else
        cJSON_AddNullToObject(o, k);
}

cJSON *gs_gait_camera_to_json(const gs_gait_camera *c)
{
    static const struct {
        gs_gait_camera_flag f;
        const char *name;
    } flags[] = {{GS_GAIT_CAMERA_SMALL, "small"},
                 {GS_GAIT_CAMERA_CROPPED, "cropped"},
                 {GS_GAIT_CAMERA_DEPTH_CHANGE, "depth_change"},
                 {GS_GAIT_CAMERA_TOO_CLOSE, "too_close"},
                 {GS_GAIT_CAMERA_TILTED, "tilted"}};
    cJSON *o = c ? cJSON_CreateObject() : NULL, *a, *w;
    if (!o)
        return NULL;
    put(o, "leg_length_frac", c->leg_length_frac);
    put(o, "leg_length_change_frac", c->leg_length_change_frac);
    put(o, "near_far_leg_ratio", c->near_far_leg_ratio);
    put(o, "tilt_deg", c->tilt_deg);
    a = cJSON_AddArrayToObject(o, "flags");
    w = cJSON_AddArrayToObject(o, "warnings");
    if (!a || !w) {
        cJSON_Delete(o);
        return NULL;
    }
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (c->flags & flags[i].f) {
            cJSON_AddItemToArray(a, cJSON_CreateString(flags[i].name));
            cJSON_AddItemToArray(w, cJSON_CreateString(gs_gait_camera_flag_text(flags[i].f)));
        }
    return o;
}
