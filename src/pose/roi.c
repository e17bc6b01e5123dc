/*
 * Region of interest for the landmark model, from the detector's alignment keypoints or from the
 * previous frame's auxiliary landmarks. Both follow the same MediaPipe rule:
 *
 * - mediapipe/modules/pose_landmark/pose_detection_to_roi.pbtxt (detection -> ROI) and
 *   pose_landmarks_to_roi.pbtxt (auxiliary landmarks 33, 34 -> ROI): AlignmentPointsRects with
 *   rotation_vector_start_keypoint_index 0, end 1, rotation_vector_target_angle_degrees 90, then
 *   RectTransformation scale_x = scale_y = 1.25, square_long: true.
 *   The 1.25 is the value of the v0.8.x/v0.9.x graphs shipped with @mediapipe/pose
 *   0.5.1675469404 (and still the repository's); the 2020 upper-body graphs used keypoints 2, 3
 *   and 1.5, which do not apply to these full-body models.
 * - AlignmentPointsRectsCalculator (detections_to_rects_calculator.cc): centre = point 0, box
 *   size = 2 x |p1 - p0| in pixels, rotation = normalise(target - atan2(-(y1 - y0), x1 - x0)).
 */
#include <math.h>

#include "pose_impl.h"

/* RectTransformationCalculatorOptions scale_x / scale_y of both ROI graphs. */
#define ROI_SCALE 1.25f

/* MediaPipe's NormalizeRadians: into [-pi, pi). */
static float normalize_radians(double a)
{
    return (float)(a - 2.0 * GS_PI * floor((a + GS_PI) / (2.0 * GS_PI)));
}

gs_rot_rect gs_pose__roi_from_points(float x0, float y0, float x1, float y1)
{
    gs_rot_rect r;
    double dx = (double)x1 - x0, dy = (double)y1 - y0;
    double box = 2.0 * sqrt(dx * dx + dy * dy);
    r.cx = x0;
    r.cy = y0;
    r.width = r.height = (float)(box * ROI_SCALE); /* square_long on a square: both sides */
    r.rotation = normalize_radians(GS_PI / 2.0 - atan2(-dy, dx));
    return r;
}

gs_rot_rect gs_pose__roi_from_det(const gs_pose__det *d, int32_t w, int32_t h)
{
    return gs_pose__roi_from_points(d->kp[0][0] * (float)w, d->kp[0][1] * (float)h,
                                    d->kp[1][0] * (float)w, d->kp[1][1] * (float)h);
}
