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
#include <string.h>

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

/*
 * The tracked region from one frame to the next (gs_pose__roi_steady). MediaPipe makes frame
 * t+1's region from frame t's auxiliary landmarks as they are. The landmark model answers a
 * region moved by 0.001 px with landmarks 0.1 px away on average and a foot several pixels away
 * on one frame in ten, 1 px away with landmarks 5 px away (run_side_treadmill_01, 1-6 s,
 * measured): fed back raw, a difference in the last bits of one frame's landmarks (another
 * build of the nn) grew within a few frames into another track altogether, with other lost
 * feet, other events and the sample's left contact time 295 or 339 ms. So the region is made a
 * piecewise-constant function of the landmarks, which such a difference does not move:
 *
 * - each of centre x, centre y, log side and rotation is the Theil-Sen line (the median of the
 *   pairwise slopes, then the median intercept: H. Theil 1950, Proc. KNAW 53:386; P. K. Sen
 *   1968, J. Am. Stat. Assoc. 63:1379) through the last ROI_FIT raw regions, evaluated at the
 *   newest: a constant speed gives no lag, and one or two glitch frames among the five do not
 *   move it (breakdown point 29 %);
 * - then snapped to a grid: centre to ROI_CELL of the side, side to ROI_LOG_STEP in log,
 *   rotation to ROI_ROT_STEP. A change of the landmarks by d moves the region only when the
 *   estimate lies within d of a cell boundary: for d = 0.01 px about one frame in a thousand
 *   per coordinate; the tracks meet again bit for bit once the different frame has left the
 *   fit. A person off-centre by half a cell (1/64 of the side) or a side 2.5 % off is well
 *   within what the model meets from the detector's regions.
 * - The grid's offset moves on every frame along the R4 quasirandom sequence (M. Roberts 2018,
 *   "The unreasonable effectiveness of quasirandom sequences": x_n = frac(n alpha_k), alpha_k =
 *   phi^-k with phi = 1.1673039783 the root of x^5 = x + 1), so consecutive frames see the
 *   person framed a little differently, as the raw regions did: on one fixed grid a runner on
 *   a treadmill stays in one cell and any error of that one framing repeats on every stride
 *   (the sample's 1-6 s cut had its left contacts 4.9 frames late on average on a fixed grid,
 *   1.7-1.9 with three other grid offsets and with the moving one).
 */
#define ROI_FIT      5           /* frames in the Theil-Sen fit */
#define ROI_CELL     (1.0f / 32) /* centre grid, fraction of the side */
#define ROI_LOG_STEP 0.05f       /* side grid, natural log (5 %) */
#define ROI_ROT_STEP 0.05f       /* rotation grid, radians (2.9 deg) */

_Static_assert(ROI_FIT <= GS_POSE__ROI_HIST, "the fit needs ROI_FIT regions of history");

static float median_of(float *v, int n)
{
    for (int i = 1; i < n; i++) { /* insertion sort: n is at most ROI_FIT (ROI_FIT - 1) / 2 */
        float x = v[i];
        int j = i - 1;
        while (j >= 0 && v[j] > x) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = x;
    }
    return n % 2 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
}

/* Theil-Sen line through v[0..n) at unit spacing, evaluated at the last point. */
static float theil_sen_last(const float *v, int n)
{
    float sl[ROI_FIT * (ROI_FIT - 1) / 2], ic[ROI_FIT];
    int m = 0;
    if (n < 3)
        return v[n - 1];
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            sl[m++] = (v[j] - v[i]) / (float)(j - i);
    float b = median_of(sl, m);
    for (int i = 0; i < n; i++)
        ic[i] = v[i] + b * (float)(n - 1 - i);
    return median_of(ic, n);
}

/* v snapped to the grid of the given step whose offset is phase (0..1) of a step. */
static float snap(float v, float step, float phase)
{
    return step * (roundf(v / step - phase) + phase);
}

gs_rot_rect gs_pose__roi_steady(gs_pose__roi_hist *h, gs_rot_rect raw, int32_t frame)
{
    /* R4 sequence constants phi^-1 .. phi^-4 (see above) */
    static const double alpha[4] = {0.8566748839, 0.7338918566, 0.6287067210, 0.5385972572};
    if (h->n == GS_POSE__ROI_HIST) {
        memmove(h->v[0], h->v[1], sizeof(h->v[0]) * (GS_POSE__ROI_HIST - 1));
        h->n--;
    }
    h->v[h->n][0] = raw.cx;
    h->v[h->n][1] = raw.cy;
    h->v[h->n][2] = logf(raw.width);
    h->v[h->n][3] = raw.rotation;
    h->n++;
    int k = h->n < ROI_FIT ? h->n : ROI_FIT;
    float est[4], tmp[ROI_FIT], phase[4];
    for (int c = 0; c < 4; c++) {
        for (int i = 0; i < k; i++) {
            float v = h->v[h->n - k + i][c];
            if (c == 3) /* angles as the nearest turn to the newest */
                v = raw.rotation + normalize_radians((double)v - raw.rotation);
            tmp[i] = v;
        }
        est[c] = theil_sen_last(tmp, k);
        double x = (double)frame * alpha[c];
        phase[c] = (float)(x - floor(x));
    }
    gs_rot_rect r;
    r.width = r.height = expf(snap(est[2], ROI_LOG_STEP, phase[2]));
    r.cx = snap(est[0], ROI_CELL * r.width, phase[0]);
    r.cy = snap(est[1], ROI_CELL * r.width, phase[1]);
    r.rotation = normalize_radians(snap(est[3], ROI_ROT_STEP, phase[3]));
    return r;
}
