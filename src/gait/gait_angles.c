/*
 * Per-frame joint angles in the canonical frame (gait.h): X forward (side views) or toward the
 * person's right (rear/front views), Y up = normal to the ground line. Definitions and signs are
 * DESIGN.md's "Conventions"; docs/metrics.md explains each one.
 *
 * Sagittal angles are signed differences of segment angles measured from the vertical, so they
 * never wrap at 0 (e.g. a knee that hyperextends reads slightly negative instead of folding the
 * noise around 0, which 180 - |included angle| would do).
 */
#include "gait_impl.h"

#include <math.h>

#define R2D (180.0 / GS_PI)

/* Angle of vector (dx, dy) from the vertical (up), positive toward +X, degrees. */
static double from_vertical_up(double dx, double dy)
{
    return atan2(dx, dy) * R2D;
}

/* Wraps degrees into (-180, 180]. */
static double wrap(double a)
{
    while (a > 180)
        a -= 360;
    while (a <= -180)
        a += 360;
    return a;
}

double gs_gait_knee_flexion_deg(gs_pt2 hip, gs_pt2 knee, gs_pt2 ankle)
{
    /* thigh and shank angles from the downward vertical, positive when the distal point is ahead */
    double thigh = from_vertical_up(knee.x - hip.x, hip.y - knee.y);
    double shank = from_vertical_up(ankle.x - knee.x, knee.y - ankle.y);
    return wrap(thigh - shank);
}

/* 180 - included angle at b of points a, b, c (any dimension up to 3). */
static double flexion3(const double *a, const double *b, const double *c, int dim)
{
    double u[3] = {0, 0, 0}, v[3] = {0, 0, 0}, dot = 0, nu = 0, nv = 0;
    for (int i = 0; i < dim; i++) {
        u[i] = a[i] - b[i];
        v[i] = c[i] - b[i];
        dot += u[i] * v[i];
        nu += u[i] * u[i];
        nv += v[i] * v[i];
    }
    if (nu <= 0 || nv <= 0)
        return NAN;
    double cs = dot / sqrt(nu * nv);
    cs = cs > 1 ? 1 : cs < -1 ? -1 : cs;
    return 180.0 - acos(cs) * R2D;
}

static void sagittal(gs_gait_result *r, int32_t i)
{
    const double *lh = gs_gait__p(r, i, GS_KP_LEFT_HIP), *rh = gs_gait__p(r, i, GS_KP_RIGHT_HIP);
    const double *ls = gs_gait__p(r, i, GS_KP_LEFT_SHOULDER);
    const double *rs = gs_gait__p(r, i, GS_KP_RIGHT_SHOULDER);
    double mh[2] = {0.5 * (lh[0] + rh[0]), 0.5 * (lh[1] + rh[1])};
    double ms[2] = {0.5 * (ls[0] + rs[0]), 0.5 * (ls[1] + rs[1])};
    double trunk = from_vertical_up(ms[0] - mh[0], ms[1] - mh[1]);

    for (int s = 0; s < 2; s++) {
        const double *H = gs_gait__p(r, i, GS_KP_LEFT_HIP + s);
        const double *K = gs_gait__p(r, i, GS_KP_LEFT_KNEE + s);
        const double *A = gs_gait__p(r, i, GS_KP_LEFT_ANKLE + s);
        const double *E = gs_gait__p(r, i, GS_KP_LEFT_HEEL + s);
        const double *T = gs_gait__p(r, i, GS_KP_LEFT_FOOT_INDEX + s);
        const double *S = gs_gait__p(r, i, GS_KP_LEFT_SHOULDER + s);
        const double *B = gs_gait__p(r, i, GS_KP_LEFT_ELBOW + s);
        const double *W = gs_gait__p(r, i, GS_KP_LEFT_WRIST + s);
        double thigh = from_vertical_up(K[0] - H[0], H[1] - K[1]);
        double shank = from_vertical_up(A[0] - K[0], K[1] - A[1]);
        double foot = atan2(T[1] - E[1], T[0] - E[0]) * R2D;
        double arm = from_vertical_up(B[0] - S[0], S[1] - B[1]);

        *gs_gait__ang(r, i, s, GS_ANGLE_TRUNK_LEAN) = (float)trunk;
        *gs_gait__ang(r, i, s, GS_ANGLE_THIGH) = (float)thigh;
        *gs_gait__ang(r, i, s, GS_ANGLE_SHANK) = (float)shank;
        *gs_gait__ang(r, i, s, GS_ANGLE_KNEE_FLEXION) = (float)wrap(thigh - shank);
        *gs_gait__ang(r, i, s, GS_ANGLE_HIP_FLEXION) = (float)wrap(thigh + trunk);
        *gs_gait__ang(r, i, s, GS_ANGLE_FOOT) = (float)foot;
        *gs_gait__ang(r, i, s, GS_ANGLE_ANKLE_DORSIFLEXION) = (float)wrap(foot - shank);
        *gs_gait__ang(r, i, s, GS_ANGLE_ELBOW_FLEXION) = (float)flexion3(S, B, W, 2);
        *gs_gait__ang(r, i, s, GS_ANGLE_SHOULDER_FLEXION) = (float)wrap(arm + trunk);
    }
}

static void frontal(gs_gait_result *r, int32_t i)
{
    const double *lh = gs_gait__p(r, i, GS_KP_LEFT_HIP), *rh = gs_gait__p(r, i, GS_KP_RIGHT_HIP);
    const double *ls = gs_gait__p(r, i, GS_KP_LEFT_SHOULDER);
    const double *rs = gs_gait__p(r, i, GS_KP_RIGHT_SHOULDER);
    double mh[2] = {0.5 * (lh[0] + rh[0]), 0.5 * (lh[1] + rh[1])};
    double ms[2] = {0.5 * (ls[0] + rs[0]), 0.5 * (ls[1] + rs[1])};

    for (int s = 0; s < 2; s++) {
        double sg = s == 0 ? -1 : 1; /* the person's left is -X in the canonical frontal frame */
        const double *H = gs_gait__p(r, i, GS_KP_LEFT_HIP + s);
        const double *O = gs_gait__p(r, i, GS_KP_LEFT_HIP + (1 - s));
        const double *K = gs_gait__p(r, i, GS_KP_LEFT_KNEE + s);
        const double *A = gs_gait__p(r, i, GS_KP_LEFT_ANKLE + s);
        /* medial coordinate of this leg: toward the body's midline */
        double tx = -sg * (K[0] - H[0]), ty = K[1] - H[1];
        double sx = -sg * (A[0] - K[0]), sy = A[1] - K[1];
        double thigh = atan2(tx, -ty) * R2D, shank = atan2(sx, -sy) * R2D;
        /* pelvis normal (pointing down), in the same medial coordinate */
        double px = -sg * (O[0] - H[0]), py = O[1] - H[1], nx = py, ny = -px;
        if (ny > 0) {
            nx = -nx;
            ny = -ny;
        }
        *gs_gait__ang(r, i, s, GS_ANGLE_PELVIC_OBLIQUITY) =
            (float)(atan2(H[1] - O[1], fabs(H[0] - O[0])) * R2D);
        *gs_gait__ang(r, i, s, GS_ANGLE_HIP_ADDUCTION) =
            (float)wrap(thigh - atan2(nx, -ny) * R2D);
        *gs_gait__ang(r, i, s, GS_ANGLE_KNEE_FPPA) = (float)wrap(thigh - shank);
        *gs_gait__ang(r, i, s, GS_ANGLE_TRUNK_LATERAL) =
            (float)(atan2(sg * (ms[0] - mh[0]), ms[1] - mh[1]) * R2D);
    }
}

/* 3D angles from BlazePose world landmarks (hip-centred metres): included angles only, so they
 * need no frame convention; a secondary estimate (DESIGN.md). */
static void world(gs_gait_result *r, int32_t i)
{
    const double *W = &r->W[(size_t)i * GS_POSE_NKP * 3];
    double mh[3], ms[3];
    for (int c = 0; c < 3; c++) {
        mh[c] = 0.5 * (W[GS_KP_LEFT_HIP * 3 + c] + W[GS_KP_RIGHT_HIP * 3 + c]);
        ms[c] = 0.5 * (W[GS_KP_LEFT_SHOULDER * 3 + c] + W[GS_KP_RIGHT_SHOULDER * 3 + c]);
    }
    for (int s = 0; s < 2; s++) {
        const double *H = &W[(GS_KP_LEFT_HIP + s) * 3], *K = &W[(GS_KP_LEFT_KNEE + s) * 3];
        const double *A = &W[(GS_KP_LEFT_ANKLE + s) * 3];
        const double *S = &W[(GS_KP_LEFT_SHOULDER + s) * 3], *B = &W[(GS_KP_LEFT_ELBOW + s) * 3];
        const double *Wr = &W[(GS_KP_LEFT_WRIST + s) * 3];
        double below[3]; /* the trunk line extended below the hip: hip + (mid-hip - mid-shoulder) */
        for (int c = 0; c < 3; c++)
            below[c] = H[c] + (mh[c] - ms[c]);
        *gs_gait__ang(r, i, s, GS_ANGLE_KNEE_FLEXION_3D) = (float)flexion3(H, K, A, 3);
        /* hip flexion = angle between the thigh and the trunk line continued downward */
        *gs_gait__ang(r, i, s, GS_ANGLE_HIP_FLEXION_3D) = (float)(180.0 - flexion3(below, H, K, 3));
        *gs_gait__ang(r, i, s, GS_ANGLE_ELBOW_FLEXION_3D) = (float)flexion3(S, B, Wr, 3);
    }
}

void gs_gait__angles(gs_gait_result *r)
{
    int side = gs_gait__is_side(r->view.kind);
    int front = r->view.kind == GS_GAIT_VIEW_REAR || r->view.kind == GS_GAIT_VIEW_FRONT;
    for (int32_t i = 0; i < r->n; i++) {
        for (int s = 0; s < 2; s++)
            for (int a = 0; a < GS_ANGLE_COUNT; a++)
                *gs_gait__ang(r, i, s, a) = NAN;
        if (!r->valid[i])
            continue;
        if (side)
            sagittal(r, i);
        else if (front)
            frontal(r, i);
        if (r->W && r->wvalid[i])
            world(r, i);
    }
}
