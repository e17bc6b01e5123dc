/*
 * Pixels per metre: the candidates and the one lengths use.
 *
 * Three sources can give a scale, each with a relative 1-SD uncertainty:
 * - a known distance in the frame (--scale-line, computed by src/calib on the same undistorted
 *   coordinates as the landmarks): the uncertainty of the clicked end points, given;
 * - the body height (--height): leg length (hip-knee + knee-ankle) = 0.491 of height, thigh
 *   0.245 H + leg 0.246 H (Winter 2009, "Biomechanics and Motor Control of Human Movement", 4th
 *   ed., Fig. 4.1, after Drillis & Contini); segment-to-height ratios vary by a few percent
 *   between people, 5 %;
 * - the treadmill belt speed (--belt-speed): during mid-stance the foot rides the belt, so its
 *   speed in px/s over the belt speed in m/s is px/m. Measured on the foot's middle (heel and
 *   toe mean) from 20 to 60 % of each used stride's stance (after the heel-to-flat roll of a
 *   rearfoot strike, before heel rise); the uncertainty is the standard error of the per-stride
 *   values combined with a 3 % floor: belts run at about 98 to 103 % of the set speed on average
 *   and slow by more than 5 % during the braking part of stance (Willwacher et al., Sci Rep, "A
 *   new method for measuring treadmill belt velocity fluctuations: effects of treadmill type,
 *   body mass and locomotion speed").
 * The one used is the first present of line, height, belt: a measured distance in the picture
 * beats a population ratio, which beats a speed set point. All candidates and the agreement of
 * each pair (src/calib gs_calib_scale_agreement) go to analysis.json's "scale".
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gait_impl.h"

#define BELT_FLOOR 0.03 /* relative 1-SD floor of the belt scale (see above) */

double gs_gait__stance_foot_speed(const gs_gait_result *r, int side, double t_ic, double t_to)
{
    int he = GS_KP_LEFT_HEEL + side, to = GS_KP_LEFT_FOOT_INDEX + side;
    if (!isfinite(t_ic) || !isfinite(t_to) || !(t_to > t_ic))
        return NAN;
    double ta = t_ic + 0.2 * (t_to - t_ic), tb = t_ic + 0.6 * (t_to - t_ic);
    double xa = 0.5 * (gs_gait__p_at(r, he, 0, ta) + gs_gait__p_at(r, to, 0, ta));
    double xb = 0.5 * (gs_gait__p_at(r, he, 0, tb) + gs_gait__p_at(r, to, 0, tb));
    return -(xb - xa) / (tb - ta);
}

/* Stance foot speed in canonical px/s over the used strides; 0 when fewer than 2 strides. */
static void belt_scale(gs_gait_result *r)
{
    double v[256];
    int n = 0;
    for (int i = 0; i < r->n_st && n < 256; i++) {
        const gs_gait_stride *s = &r->st[i];
        if (!s->used)
            continue;
        double sp = fabs(gs_gait__stance_foot_speed(r, (int)s->side, s->t0_s, s->to_s));
        if (isfinite(sp) && sp > 0)
            v[n++] = sp;
    }
    r->belt_strides = n;
    if (n < 2)
        return;
    /* median and a robust spread (1.4826 MAD ~ SD for normal data), so one mistracked stance
     * does not move the scale */
    double d[256];
    double med = gs_median(v, n);
    for (int i = 0; i < n; i++)
        d[i] = fabs(v[i] - med);
    double mad = 1.4826 * gs_median(d, n);
    double se = mad / med / sqrt((double)n);
    r->scale[GS_CALIB_SCALE_BELT].source = GS_CALIB_SCALE_BELT;
    r->scale[GS_CALIB_SCALE_BELT].px_per_m = med / r->belt_m_s;
    r->scale[GS_CALIB_SCALE_BELT].uncertainty = sqrt(se * se + BELT_FLOOR * BELT_FLOOR);
}

void gs_gait__scale(gs_gait_result *r)
{
    memset(r->scale, 0, sizeof(r->scale));
    r->belt_strides = 0;
    if (r->line_px_per_m > 0) {
        r->scale[GS_CALIB_SCALE_LINE].source = GS_CALIB_SCALE_LINE;
        r->scale[GS_CALIB_SCALE_LINE].px_per_m = r->line_px_per_m;
        r->scale[GS_CALIB_SCALE_LINE].uncertainty = r->line_unc;
    }
    if (r->height_m > 0 && r->len_px > 0) {
        r->scale[GS_CALIB_SCALE_HEIGHT].source = GS_CALIB_SCALE_HEIGHT;
        r->scale[GS_CALIB_SCALE_HEIGHT].px_per_m = r->len_px / (0.491 * r->height_m);
        r->scale[GS_CALIB_SCALE_HEIGHT].uncertainty = 0.05;
    }
    if (r->belt_m_s > 0 && r->setting != GS_GAIT_SETTING_OVERGROUND &&
        gs_gait__is_side(r->view.kind))
        belt_scale(r);
    static const gs_calib_scale_source order[3] = {GS_CALIB_SCALE_LINE, GS_CALIB_SCALE_HEIGHT,
                                                   GS_CALIB_SCALE_BELT};
    r->scale_source = GS_CALIB_SCALE_NONE;
    r->px_per_m = 0;
    for (int i = 0; i < 3; i++)
        if (r->scale[order[i]].px_per_m > 0) {
            r->scale_source = order[i];
            r->px_per_m = r->scale[order[i]].px_per_m;
            break;
        }
}
