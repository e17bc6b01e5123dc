/*
 * Tests of src/calib (and the calibration part of src/cv) on made data with known truth:
 * chessboard views rendered at test time through a known camera (standard and fisheye lens:
 * board corners projected with known K and distortion, squares filled as anti-aliased polygons
 * whose edges follow the lens), the calibration recovering that camera, the refusals, the
 * profile reader's bad-input corpus, a synthetic runner seen through a distorting lens, and the
 * scale helpers.
 */
#include <math.h>
#include <stdint.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "cv.h"
#include "gait.h"
#include "gen_track.h"
#include "gs_test.h"
#include "video.h"

enum { W = 1280, H = 720 };

/* Board: 9x6 inner corners, 30 mm squares (10x7 squares), white border one square wide. */
enum { COLS = 9, ROWS = 6 };
#define SQ_MM 30.0

static gs_cv_camera standard_camera(void)
{
    gs_cv_camera c;
    memset(&c, 0, sizeof(c));
    c.lens = GS_CV_LENS_STANDARD;
    c.width = W;
    c.height = H;
    /* a wide phone lens: about 65 deg across, 13 % barrel at the corners */
    double k[9] = {1000.0, 0, 652.3, 0, 1004.0, 354.1, 0, 0, 1};
    memcpy(c.k, k, sizeof(k));
    double d[5] = {-0.30, 0.12, 0.0008, -0.0006, -0.02};
    memcpy(c.dist, d, sizeof(d));
    c.n_dist = 5;
    return c;
}

static gs_cv_camera fisheye_camera(void)
{
    gs_cv_camera c;
    memset(&c, 0, sizeof(c));
    c.lens = GS_CV_LENS_FISHEYE;
    c.width = W;
    c.height = H;
    /* an action-camera lens: about 140 deg across at the frame edge */
    double k[9] = {520.0, 0, 641.7, 0, 521.5, 362.4, 0, 0, 1};
    memcpy(c.k, k, sizeof(k));
    double d[4] = {0.06, -0.02, 0.004, -0.001};
    memcpy(c.dist, d, sizeof(d));
    c.n_dist = 4;
    return c;
}

/* Rodrigues: rotation matrix of rotation vector r. */
static void rodrigues(const double r[3], double R[9])
{
    double th = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
    double kx = th > 0 ? r[0] / th : 1, ky = th > 0 ? r[1] / th : 0, kz = th > 0 ? r[2] / th : 0;
    double c = cos(th), s = sin(th), v = 1 - c;
    R[0] = c + kx * kx * v;
    R[1] = kx * ky * v - kz * s;
    R[2] = kx * kz * v + ky * s;
    R[3] = ky * kx * v + kz * s;
    R[4] = c + ky * ky * v;
    R[5] = ky * kz * v - kx * s;
    R[6] = kz * kx * v - ky * s;
    R[7] = kz * ky * v + kx * s;
    R[8] = c + kz * kz * v;
}

/* Projects board-plane points (x, y in mm, z = 0) through the pose; 1 if all land inside the
 * image with a margin of m px and in front of the camera. */
static int project_board(const gs_cv_camera *cam, const double rv[3], const double tv[3],
                         const double *bxy, int n, double *img, double m)
{
    double *obj = malloc(sizeof(double) * 3 * (size_t)n);
    int ok = obj != NULL;
    double R[9];
    rodrigues(rv, R);
    for (int i = 0; ok && i < n; i++) {
        obj[3 * i] = bxy[2 * i];
        obj[3 * i + 1] = bxy[2 * i + 1];
        obj[3 * i + 2] = 0;
        double zc = R[6] * bxy[2 * i] + R[7] * bxy[2 * i + 1] + tv[2];
        if (zc < 50)
            ok = 0;
    }
    if (ok && gs_cv_project_points(cam, rv, tv, obj, n, img, NULL) != GS_OK)
        ok = 0;
    for (int i = 0; ok && i < n; i++)
        if (!(img[2 * i] > m && img[2 * i] < W - m && img[2 * i + 1] > m && img[2 * i + 1] < H - m))
            ok = 0;
    free(obj);
    return ok;
}

/* Fills the board-plane quad (x0, y0)-(x1, y1) in mm, each side cut in SUB pieces so that the
 * drawn edges follow the lens's curves, on an image SS times the frame size (supersampled).
 * Returns 0 when a point leaves the image. */
enum { SUB = 8, SS = 4 };
static int fill_quad(gs_image *big, const gs_cv_camera *cam, const double rv[3], const double tv[3],
                     double x0, double y0, double x1, double y1, gs_rgb col)
{
    double b[4 * SUB * 2], px[4 * SUB * 2];
    float f[4 * SUB * 2];
    const double cx[4] = {x0, x1, x1, x0}, cy[4] = {y0, y0, y1, y1};
    int n = 0;
    for (int s = 0; s < 4; s++)
        for (int j = 0; j < SUB; j++) {
            double a = j / (double)SUB;
            b[2 * n] = cx[s] + a * (cx[(s + 1) % 4] - cx[s]);
            b[2 * n + 1] = cy[s] + a * (cy[(s + 1) % 4] - cy[s]);
            n++;
        }
    if (!project_board(cam, rv, tv, b, n, px, 0))
        return 0;
    for (int i = 0; i < 2 * n; i++)
        f[i] = (float)(px[i] * SS); /* continuous coordinates scale exactly */
    gs_cv_polygon_fill(big, f, n, col, 1.0f);
    return 1;
}

/* The supersampled canvas render_board draws on: (W x SS) x (H x SS) RGB, 44 MB. One is made
 * per loop of renders and reused: a fresh 44 MB block is a fresh mmap whose every page faults
 * when it is cleared (release build: a quarter of this test's CPU time in perf; ASan build: most
 * of its 61 s of system time). NULL when out of memory; free() it. */
static uint8_t *canvas_new(void)
{
    return malloc((size_t)W * SS * 3 * (size_t)H * SS);
}

/* Renders the board seen with pose (rv, tv) on a grey background into im (W x H) by way of
 * canvas (canvas_new(); its contents are overwritten): squares are anti-aliased polygons drawn
 * at SS x the size, then area-averaged down, so each pixel gets its covered fraction (OpenCV's
 * anti-aliased fill alone misplaces edges by up to ~0.3 px). */
static int render_board(gs_image *im, uint8_t *canvas, const gs_cv_camera *cam, const double rv[3],
                        const double tv[3], int cols, int rows)
{
    const gs_rgb white = {235, 235, 235}, black = {20, 20, 20};
    gs_image big = {canvas, im->width * SS, im->height * SS, im->width * SS * 3};
    int ok = 0;
    if (!big.data || im->width != W || im->height != H)
        return 0;
    memset(big.data, 110, (size_t)big.stride * (size_t)big.height);
    /* one square of white border beyond the outer squares */
    if (!fill_quad(&big, cam, rv, tv, -2 * SQ_MM, -2 * SQ_MM, (cols + 1) * SQ_MM,
                   (rows + 1) * SQ_MM, white))
        goto done;
    for (int j = -1; j < rows; j++)
        for (int i = -1; i < cols; i++)
            if (((i + j) & 1) == 0 && !fill_quad(&big, cam, rv, tv, i * SQ_MM, j * SQ_MM,
                                                 (i + 1) * SQ_MM, (j + 1) * SQ_MM, black))
                goto done;
    ok = gs_cv_resize(&big, im, NULL) == GS_OK;
done:
    return ok;
}

/* Pose that puts the board centre on image point (u, v) at depth z, tilted by rv. */
static void pose_for(const gs_cv_camera *cam, double u, double v, double z, const double rv[3],
                     double tv[3], int cols, int rows)
{
    double R[9], c[2] = {(cols - 1) * SQ_MM / 2, (rows - 1) * SQ_MM / 2};
    rodrigues(rv, R);
    double X = (u - cam->k[2]) / cam->k[0] * z, Y = (v - cam->k[5]) / cam->k[4] * z;
    if (cam->lens == GS_CV_LENS_FISHEYE) {
        /* aim along the ray of (u, v) roughly: an equidistant lens sees angle r / f */
        double dx = (u - cam->k[2]) / cam->k[0], dy = (v - cam->k[5]) / cam->k[4];
        double th = sqrt(dx * dx + dy * dy), sc = th > 1e-9 ? tan(fmin(th, 1.2)) / th : 1;
        X = dx * sc * z;
        Y = dy * sc * z;
    }
    tv[0] = X - (R[0] * c[0] + R[1] * c[1]);
    tv[1] = Y - (R[3] * c[0] + R[4] * c[1]);
    tv[2] = z - (R[6] * c[0] + R[7] * c[1]);
}

typedef struct views {
    int n;
    double rv[64][3], tv[64][3];
} views;

/* A set of board poses covering the image: a 4x3 grid of targets (corners and edges included),
 * each tilted one of four ways about the board's axes, plus a few frontal and turned views. */
static void make_views(const gs_cv_camera *cam, views *vs, int cols, int rows, double z0)
{
    static const double tilt[6][3] = {{0.45, 0.0, 0.05}, {0.0, 0.45, -0.05}, {-0.4, 0.1, 0.0},
                                      {0.1, -0.45, 0.1}, {0.3, 0.3, 0.3},    {-0.3, -0.25, -0.3}};
    static const double fu[4] = {0.16, 0.39, 0.61, 0.84}, fv[3] = {0.2, 0.5, 0.8};
    double *bxy = malloc(sizeof(double) * 2 * 4), img[8];
    int k = 0;
    vs->n = 0;
    for (int gy = 0; gy < 3; gy++)
        for (int gx = 0; gx < 4; gx++) {
            for (int rep = 0; rep < 2 && vs->n < 64; rep++) {
                const double *rv = tilt[(k++) % 6];
                double tv[3];
                /* shrink toward the camera's view until the whole board with its border fits */
                for (double z = z0; z < 4 * z0; z *= 1.15) {
                    pose_for(cam, fu[gx] * W, fv[gy] * H, z, rv, tv, cols, rows);
                    double corners[8] = {-2 * SQ_MM, -2 * SQ_MM,         (cols + 1) * SQ_MM,
                                         -2 * SQ_MM, (cols + 1) * SQ_MM, (rows + 1) * SQ_MM,
                                         -2 * SQ_MM, (rows + 1) * SQ_MM};
                    memcpy(bxy, corners, sizeof(corners));
                    if (project_board(cam, rv, tv, bxy, 4, img, 3)) {
                        memcpy(vs->rv[vs->n], rv, sizeof(double) * 3);
                        memcpy(vs->tv[vs->n], tv, sizeof(tv));
                        vs->n++;
                        break;
                    }
                }
            }
        }
    free(bxy);
}

typedef struct calib_run {
    gs_status rc;
    gs_calib_profile prof;
    gs_calib_report rep;
    gs_error err;
    int rendered;
} calib_run;

/* Renders the views and feeds them to a collector as still images (one source each). */
static void run_calibration(const gs_cv_camera *cam, const views *vs, int cols, int rows,
                            const gs_calib_options *o, int copies, calib_run *out)
{
    gs_calib *c = NULL;
    uint8_t *px = malloc((size_t)W * H * 3), *canvas = canvas_new();
    gs_image im = {px, W, H, 3 * W};
    memset(out, 0, sizeof(*out));
    out->rc = gs_calib_new(o, &c, &out->err);
    if (out->rc != GS_OK || !px || !canvas) {
        gs_calib_free(&c);
        free(px);
        free(canvas);
        return;
    }
    for (int i = 0; i < vs->n; i++) {
        char name[32];
        if (!render_board(&im, canvas, cam, vs->rv[i], vs->tv[i], cols, rows))
            continue;
        out->rendered++;
        for (int k = 0; k < copies; k++) {
            snprintf(name, sizeof(name), "view%02d_%d.png", i, k);
            out->rc = gs_calib_add_frame(c, &im, name, 0.0, &out->err);
            if (out->rc != GS_OK)
                goto done;
        }
    }
    out->rc = gs_calib_finish(c, &out->prof, &out->rep, &out->err);
done:
    gs_calib_free(&c);
    free(px);
    free(canvas);
}

/* The recovered-parameter table of the report: true vs recovered. */
static void print_table(const char *what, const gs_cv_camera *t, const calib_run *r)
{
    const gs_cv_camera *e = &r->prof.cam;
    static const char *sn[5] = {"k1", "k2", "p1", "p2", "k3"}, *fn[4] = {"k1", "k2", "k3", "k4"};
    fprintf(stderr, "%s camera: %d views rendered, %d used, model %s (%s)\n", what, r->rendered,
            (int)r->prof.views_used, gs_calib_model_name(e->lens), r->rep.reason);
    fprintf(stderr, "  searched %d, found %d, blurred %d, duplicates %d, ill-conditioned %d\n",
            (int)r->rep.searched, (int)r->rep.found, (int)r->rep.blurred, (int)r->rep.duplicates,
            (int)r->rep.ill_conditioned);
    fprintf(stderr, "  %-4s %12s %12s\n", "", "true", "recovered");
    const char *kn[4] = {"fx", "fy", "cx", "cy"};
    const int ki[4] = {0, 4, 2, 5};
    for (int i = 0; i < 4; i++)
        fprintf(stderr, "  %-4s %12.3f %12.3f\n", kn[i], t->k[ki[i]], e->k[ki[i]]);
    for (int i = 0; i < t->n_dist && i < 5; i++)
        fprintf(stderr, "  %-4s %12.5f %12.5f\n", t->lens == GS_CV_LENS_FISHEYE ? fn[i] : sn[i],
                t->dist[i], e->lens == t->lens ? e->dist[i] : NAN);
    fprintf(stderr,
            "  reprojection error %.4f px; held-out standard %.4f px, fisheye %.4f px; coverage "
            "%.2f\n",
            r->prof.reprojection_error_px, r->prof.holdout_error_px[0], r->prof.holdout_error_px[1],
            r->prof.coverage);
}

/* the recovered cameras [standard, fisheye], for the track test */
static gs_calib_profile g_profile[2];
static int g_profile_ok[2];

static void recovers_camera(const gs_cv_camera *truth, const char *what, double z0)
{
    views vs;
    calib_run r;
    gs_calib_options o = {0};
    make_views(truth, &vs, COLS, ROWS, z0);
    CHECK_MSG(vs.n >= 16, "%s: only %d board poses fit the image", what, vs.n);
    o.cols = COLS;
    o.rows = ROWS;
    o.square_mm = SQ_MM;
    run_calibration(truth, &vs, COLS, ROWS, &o, 1, &r);
    CHECK_MSG(r.rc == GS_OK, "%s: %s", what, r.err.msg);
    if (r.rc != GS_OK)
        return;
    print_table(what, truth, &r);
    CHECK_EQ_INT(r.prof.cam.lens, truth->lens);
    CHECK_EQ_INT(r.prof.cam.width, W);
    CHECK_EQ_INT(r.prof.cam.height, H);
    CHECK_NEAR(r.prof.cam.k[0], truth->k[0], 0.01 * truth->k[0]); /* fx within 1 % */
    CHECK_NEAR(r.prof.cam.k[4], truth->k[4], 0.01 * truth->k[4]); /* fy */
    CHECK_NEAR(r.prof.cam.k[2], truth->k[2], 0.01 * truth->k[2]); /* cx */
    CHECK_NEAR(r.prof.cam.k[5], truth->k[5], 0.01 * truth->k[5]); /* cy */
    CHECK_MSG(r.prof.reprojection_error_px < 0.3, "%s: reprojection error %.3f px", what,
              r.prof.reprojection_error_px);
    CHECK(r.prof.views_used >= 8);
    CHECK(r.rep.found >= r.prof.views_used);
    CHECK(r.prof.coverage > 0.6);
    g_profile[truth->lens] = r.prof; /* for the track test */
    g_profile_ok[truth->lens] = 1;
}

static void undistortion_inverts_projection(void)
{
    gs_cv_camera cams[2] = {standard_camera(), fisheye_camera()};
    for (int m = 0; m < 2; m++) {
        double worst = 0;
        for (int gy = 0; gy <= 8; gy++)
            for (int gx = 0; gx <= 12; gx++) {
                double u = 40 + gx * (W - 80) / 12.0, v = 30 + gy * (H - 60) / 8.0;
                double ray[3] = {(u - 0.5 - cams[m].k[2]) / cams[m].k[0],
                                 (v - 0.5 - cams[m].k[5]) / cams[m].k[4], 1};
                double d[2];
                CHECK_EQ_INT(gs_cv_project_points(&cams[m], NULL, NULL, ray, 1, d, NULL), GS_OK);
                CHECK_EQ_INT(gs_cv_undistort_points(&cams[m], d, 1, NULL), GS_OK);
                worst = fmax(worst, hypot(d[0] - u, d[1] - v));
            }
        CHECK_MSG(worst < 1e-3, "model %d: project -> undistort misses by %.2g px", m, worst);
    }
    /* missing points stay missing; a bad camera is refused */
    gs_cv_camera c = standard_camera();
    double p[4] = {NAN, NAN, 100, 100};
    CHECK_EQ_INT(gs_cv_undistort_points(&c, p, 2, NULL), GS_OK);
    CHECK(isnan(p[0]) && isfinite(p[2]));
    c.k[0] = 0;
    gs_error err;
    CHECK_EQ_INT(gs_cv_undistort_points(&c, p, 2, &err), GS_ERR_ARG);
}

static void chessboard_corners_are_subpixel_exact(void)
{
    /* a frontal board without distortion: corners at known continuous positions */
    gs_cv_camera c = standard_camera();
    memset(c.dist, 0, sizeof(c.dist));
    double rv[3] = {0.05, -0.08, 0.03}, tv[3];
    uint8_t *px = malloc((size_t)W * H * 3), *canvas = canvas_new();
    gs_image im = {px, W, H, 3 * W};
    double xy[2 * COLS * ROWS], obj[3 * COLS * ROWS], truth[2 * COLS * ROWS];
    int found = 0;
    if (!px || !canvas) {
        free(px);
        free(canvas);
        return;
    }
    pose_for(&c, 0.5 * W, 0.5 * H, 700, rv, tv, COLS, ROWS);
    CHECK(render_board(&im, canvas, &c, rv, tv, COLS, ROWS));
    free(canvas);
    for (int r = 0; r < ROWS; r++)
        for (int q = 0; q < COLS; q++) {
            double *o = obj + 3 * (r * COLS + q);
            o[0] = q * SQ_MM;
            o[1] = r * SQ_MM;
            o[2] = 0;
        }
    CHECK_EQ_INT(gs_cv_project_points(&c, rv, tv, obj, COLS * ROWS, truth, NULL), GS_OK);
    CHECK_EQ_INT(gs_cv_chessboard_find(&im, COLS, ROWS, xy, &found, NULL), GS_OK);
    CHECK(found);
    if (found) {
        double worst = 0;
        for (int i = 0; i < COLS * ROWS; i++) {
            /* OpenCV may start from either end of a board turned by half a turn */
            double a = hypot(xy[2 * i] - truth[2 * i], xy[2 * i + 1] - truth[2 * i + 1]);
            int j = COLS * ROWS - 1 - i;
            double b = hypot(xy[2 * i] - truth[2 * j], xy[2 * i + 1] - truth[2 * j + 1]);
            worst = fmax(worst, fmin(a, b));
            if (getenv("CALIB_DEBUG"))
                fprintf(stderr, "corner %d: found %.3f %.3f truth %.3f %.3f rev %.3f %.3f\n", i,
                        xy[2 * i], xy[2 * i + 1], truth[2 * i], truth[2 * i + 1], truth[2 * j],
                        truth[2 * j + 1]);
        }
        CHECK_MSG(worst < 0.25, "corner off by %.3f px", worst);
    }
    /* a transposed size finds the same board (OpenCV searches both orientations) */
    double xy2[2 * COLS * ROWS];
    CHECK_EQ_INT(gs_cv_chessboard_find(&im, ROWS, COLS, xy2, &found, NULL), GS_OK);
    CHECK(found);
    /* a wrong count does not */
    double xy3[2 * 10 * 7];
    CHECK_EQ_INT(gs_cv_chessboard_find(&im, 10, 7, xy3, &found, NULL), GS_OK);
    CHECK(!found);
    free(px);
}

/* OpenCV 4.6's fisheye fit throws on an ill-conditioned view (CALIB_CHECK_COND); the wrapper
 * catches it and says which view. Degenerate input to either model never throws through C. */
static void ill_conditioned_fisheye_view_is_named(void)
{
    enum { N = COLS * ROWS, V = 6 };
    gs_cv_camera cam = fisheye_camera(), out;
    gs_cv_calib_result res;
    gs_error err;
    double obj[3 * N], img[V * 2 * N];
    static const double rv[V][3] = {{0.3, 0, 0},      {0, 0.3, 0},   {-0.3, 0.1, 0},
                                    {0.1, -0.3, 0.2}, {0.2, 0.2, 0}, {0.25, -0.2, 0.1}};
    for (int r = 0; r < ROWS; r++)
        for (int q = 0; q < COLS; q++) {
            obj[3 * (r * COLS + q)] = q * SQ_MM;
            obj[3 * (r * COLS + q) + 1] = r * SQ_MM;
            obj[3 * (r * COLS + q) + 2] = 0;
        }
    for (int v = 0; v < V; v++) {
        double tv[3] = {-120 + v * 10, -75, 500};
        CHECK_EQ_INT(gs_cv_project_points(&cam, rv[v], tv, obj, N, img + v * 2 * N, NULL), GS_OK);
    }
    CHECK_EQ_INT(gs_cv_calibrate(GS_CV_LENS_FISHEYE, W, H, V, N, obj, img, &out, &res, NULL, &err),
                 GS_OK);
    /* view 3 seen edge-on: its corners on one line */
    for (int i = 0; i < N; i++) {
        img[3 * 2 * N + 2 * i] = 300 + 0.5 * i;
        img[3 * 2 * N + 2 * i + 1] = 300;
    }
    CHECK_EQ_INT(gs_cv_calibrate(GS_CV_LENS_FISHEYE, W, H, V, N, obj, img, &out, &res, NULL, &err),
                 GS_ERR_FORMAT);
    CHECK_EQ_INT(res.bad_view, 3);
    CHECK_STR_CONTAINS(err.msg, "Ill-conditioned matrix for input array 3");
    /* every view collapsed to one point: refused by both models, no exception */
    for (int i = 0; i < V * N; i++) {
        img[2 * i] = 640;
        img[2 * i + 1] = 360;
    }
    for (int m = 0; m < 2; m++) {
        gs_status rc = gs_cv_calibrate((gs_cv_lens)m, W, H, V, N, obj, img, &out, &res, NULL, &err);
        CHECK_MSG(rc == GS_ERR_FORMAT, "model %d: status %d (%s)", m, (int)rc, err.msg);
    }
    CHECK_EQ_INT(gs_cv_calibrate(GS_CV_LENS_STANDARD, W, H, 1, N, obj, img, &out, &res, NULL, &err),
                 GS_ERR_ARG);
}

/* ---- refusals ---- */

static void refuses_wrong_board_size(void)
{
    gs_cv_camera cam = standard_camera();
    views vs;
    calib_run r;
    gs_calib_options o = {0};
    make_views(&cam, &vs, COLS, ROWS, 650);
    vs.n = 6;
    o.cols = COLS + 1; /* counted squares: 10x7 */
    o.rows = ROWS + 1;
    o.square_mm = SQ_MM;
    run_calibration(&cam, &vs, COLS, ROWS, &o, 1, &r);
    CHECK_EQ_INT(r.rc, GS_ERR_NOT_FOUND);
    CHECK_STR_CONTAINS(r.err.msg, "no 10x7 chessboard found, but a 9x6 board was");
    CHECK_STR_CONTAINS(r.err.msg, "use --chessboard 9x6");
}

static void refuses_when_the_board_is_never_found(void)
{
    gs_calib *c = NULL;
    gs_calib_options o = {0};
    gs_error err;
    uint8_t *px = malloc((size_t)W * H * 3);
    gs_image im = {px, W, H, 3 * W};
    gs_calib_profile p;
    if (!px)
        return;
    o.cols = COLS;
    o.rows = ROWS;
    o.square_mm = SQ_MM;
    CHECK_EQ_INT(gs_calib_new(&o, &c, &err), GS_OK);
    /* a video of 3 s of a scene without a board: noise and stripes */
    uint32_t s = 12345;
    for (int f = 0; f < 30 && c; f++) {
        for (size_t i = 0; i < (size_t)W * H * 3; i++) {
            s = s * 1664525u + 1013904223u;
            px[i] = (uint8_t)(((i / 3 / 40) % 2 ? 180 : 60) + (s >> 28));
        }
        CHECK_EQ_INT(gs_calib_add_frame(c, &im, "empty.mp4", f / 10.0, &err), GS_OK);
    }
    CHECK_EQ_INT(gs_calib_finish(c, &p, NULL, &err), GS_ERR_NOT_FOUND);
    CHECK_STR_CONTAINS(err.msg, "empty.mp4: no 9x6 chessboard found in 6 frames searched");
    CHECK_STR_CONTAINS(err.msg, "inner corners");
    gs_calib_free(&c);
    CHECK(c == NULL);
    free(px);
}

static void refuses_too_few_usable_views(void)
{
    gs_cv_camera cam = standard_camera();
    views vs;
    calib_run r;
    gs_calib_options o = {0};
    make_views(&cam, &vs, COLS, ROWS, 650);
    vs.n = 5;
    o.cols = COLS;
    o.rows = ROWS;
    o.square_mm = SQ_MM;
    /* each view three times (a phone held still): duplicates are dropped */
    run_calibration(&cam, &vs, COLS, ROWS, &o, 3, &r);
    CHECK_EQ_INT(r.rc, GS_ERR_TOO_FEW);
    CHECK_STR_CONTAINS(r.err.msg, "only 5 usable views of the board (15 found");
    CHECK_STR_CONTAINS(r.err.msg, "10 near-duplicates), need at least 8");
}

static void refuses_bad_options_and_mixed_frame_sizes(void)
{
    gs_calib *c = NULL;
    gs_calib_options o = {0};
    gs_error err;
    uint8_t px[64 * 48 * 3] = {0};
    gs_image a = {px, 64, 48, 64 * 3}, b = {px, 48, 64, 48 * 3};
    o.cols = 9;
    CHECK_EQ_INT(gs_calib_new(&o, &c, &err), GS_ERR_ARG);
    CHECK_STR_CONTAINS(err.msg, "--chessboard");
    o.rows = 6;
    CHECK_EQ_INT(gs_calib_new(&o, &c, &err), GS_ERR_ARG);
    CHECK_STR_CONTAINS(err.msg, "--square");
    o.square_mm = 25;
    CHECK_EQ_INT(gs_calib_new(&o, &c, &err), GS_OK);
    CHECK_EQ_INT(gs_calib_add_frame(c, &a, "a.png", 0, &err), GS_OK);
    CHECK_EQ_INT(gs_calib_add_frame(c, &b, "b.png", 0, &err), GS_ERR_ARG);
    CHECK_STR_CONTAINS(err.msg, "b.png: frames are 48x64, the earlier ones 64x48 (a.png)");
    gs_calib_free(&c);
}

/* ---- profiles ---- */

static const char good_profile[] =
    "{\"format\": \"gaitscope.camera/1\", \"model\": \"standard\", \"image_size\": [1280, 720],"
    " \"camera_matrix\": [[1000, 0, 652.3], [0, 1004, 354.1], [0, 0, 1]],"
    " \"dist_coeffs\": [-0.3, 0.12, 0.0008, -0.0006, -0.02], \"reprojection_error_px\": 0.12,"
    " \"views_used\": 20, \"coverage\": 0.8, \"future_key\": {\"ignored\": true}}";

static void profile_round_trips(const char *scratch)
{
    gs_calib_profile p, q;
    gs_error err;
    char path[1024];
    CHECK_EQ_INT(gs_calib_profile_parse(good_profile, strlen(good_profile), "good.json", &p, &err),
                 GS_OK);
    CHECK_EQ_INT(p.cam.lens, GS_CV_LENS_STANDARD);
    CHECK_NEAR(p.cam.k[2], 652.3, 1e-12);
    CHECK_EQ_INT(p.cam.n_dist, 5);
    CHECK_NEAR(p.coverage, 0.8, 1e-12);
    CHECK(isnan(p.holdout_error_px[0]));
    p.holdout_error_px[0] = 0.2;
    p.board.cols = 9;
    p.board.rows = 6;
    p.board.square_mm = 30;
    snprintf(p.name, sizeof(p.name), "test phone");
    snprintf(path, sizeof(path), "%s/calib_roundtrip.json", scratch);
    CHECK_EQ_INT(gs_calib_profile_write(path, &p, &err), GS_OK);
    CHECK_EQ_INT(gs_calib_profile_read(path, &q, &err), GS_OK);
    CHECK(memcmp(&p.cam, &q.cam, sizeof(p.cam)) == 0);
    CHECK_NEAR(q.reprojection_error_px, 0.12, 0);
    CHECK_EQ_INT(q.views_used, 20);
    CHECK_NEAR(q.holdout_error_px[0], 0.2, 0);
    CHECK(isnan(q.holdout_error_px[1]));
    CHECK_EQ_INT(q.board.cols, 9);
    CHECK_STR_CONTAINS(q.name, "test phone");
    /* the shipped example (calib/README.md): made by calibrate on these rendered boards */
    CHECK_EQ_INT(
        gs_calib_profile_read(GS_SOURCE_DIR "/calib/example_rendered_1280x720.json", &q, &err),
        GS_OK);
    CHECK_NEAR(q.cam.k[0], 1000.0, 10.0);
    CHECK_NEAR(q.cam.dist[0], -0.30, 0.01);
    CHECK_EQ_INT(q.cam.width, 1280);
    CHECK_EQ_INT(gs_calib_profile_read("/nonexistent/x.json", &q, &err), GS_ERR_IO);
    CHECK_STR_CONTAINS(err.msg, "/nonexistent/x.json");
}

/* Replaces the first occurrence of `from` in the good profile by `to`. */
static void variant(char *out, size_t n, const char *from, const char *to)
{
    const char *at = strstr(good_profile, from);
    assert(at);
    snprintf(out, n, "%.*s%s%s", (int)(at - good_profile), good_profile, to, at + strlen(from));
}

static void profile_reader_refuses_bad_input(void)
{
    static const struct {
        const char *from, *to; /* edit of the good profile; from NULL: `to` is the whole text */
        const char *msg;       /* expected message fragment */
    } corpus[] = {
        {NULL, "", "bad.json: not valid JSON"},
        {NULL, "[1, 2]", "bad.json: expected a JSON object"},
        {NULL, "{\"model\": \"standard\"}", "bad.json: missing key \"format\""},
        {"gaitscope.camera/1", "gaitscope.camera/2",
         "bad.json: format: expected \"gaitscope.camera/1\", got \"gaitscope.camera/2\""},
        {"\"format\": \"gaitscope.camera/1\"", "\"format\": 1", "format: expected"},
        {"\"model\": \"standard\",", "", "bad.json: missing key \"model\""},
        {"\"standard\"", "\"pinhole\"", "model: expected \"standard\" or \"fisheye\", got pinhole"},
        {"\"image_size\": [1280, 720]", "\"image_size\": [1280]",
         "image_size: expected [width, height]"},
        {"[1280, 720]", "[1280.5, 720]", "image_size: expected [width, height] as integers"},
        {"[1280, 720]", "[0, 720]", "image_size: expected [width, height] as integers"},
        {" \"camera_matrix\": [[1000, 0, 652.3], [0, 1004, 354.1], [0, 0, 1]],", "",
         "missing key \"camera_matrix\""},
        {"[[1000, 0, 652.3], [0, 1004, 354.1], [0, 0, 1]]", "[[1000, 0, 652.3], [0, 1004, 354.1]]",
         "camera_matrix: expected 3 rows of 3 numbers"},
        {"[0, 1004, 354.1]", "[0, 1004]", "camera_matrix: row 1: expected 3 numbers"},
        {"[0, 1004, 354.1]", "[0, \"1004\", 354.1]",
         "camera_matrix: row 1, column 1: expected a finite number"},
        {"[[1000,", "[[-1000,", "camera_matrix: focal lengths fx = -1000"},
        {"[0, 0, 1]]", "[0, 0, 2]]",
         "camera_matrix: expected rows [fx, s, cx], [0, fy, cy], [0, 0, 1]"},
        {"652.3", "1652.3",
         "camera_matrix: principal point (1652.3, 354.1) is outside the 1280x720"},
        {" \"dist_coeffs\": [-0.3, 0.12, 0.0008, -0.0006, -0.02],", "",
         "missing key \"dist_coeffs\""},
        {"[-0.3, 0.12, 0.0008, -0.0006, -0.02]", "[-0.3, 0.12, 0.0008]",
         "dist_coeffs: the standard model has 4, 5, 8, 12 or 14 coefficients"},
        {"\"standard\"", "\"fisheye\"",
         "dist_coeffs: the fisheye model has 4 coefficients (k1..k4), got 5"},
        {"-0.02]", "null]", "dist_coeffs: item 4: expected a finite number"},
        {"\"dist_coeffs\": [-0.3, 0.12, 0.0008, -0.0006, -0.02]", "\"dist_coeffs\": 3",
         "dist_coeffs: expected an array of numbers"},
        {" \"reprojection_error_px\": 0.12,", "", "missing key \"reprojection_error_px\""},
        {"\"reprojection_error_px\": 0.12", "\"reprojection_error_px\": -1",
         "reprojection_error_px: expected a number >= 0"},
        {" \"views_used\": 20,", "", "missing key \"views_used\""},
        {"\"views_used\": 20", "\"views_used\": 2.5", "views_used: expected an integer >= 1"},
        {"\"coverage\": 0.8", "\"coverage\": 1.5", "coverage: expected a fraction between 0 and 1"},
        {"\"coverage\": 0.8", "\"coverage\": 0.8, \"board\": {\"cols\": 9}",
         "board: expected integer cols, rows >= 2 and square_mm > 0"},
        {"\"coverage\": 0.8", "\"coverage\": 0.8, \"holdout_error_px\": {\"standard\": \"x\"}",
         "holdout_error_px: standard: expected a number >= 0"},
        {"\"coverage\": 0.8", "\"coverage\": 0.8, \"name\": 5", "name: expected a string"},
    };
    for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
        char text[2048];
        gs_calib_profile p;
        gs_error err;
        if (corpus[i].from)
            variant(text, sizeof(text), corpus[i].from, corpus[i].to);
        else
            snprintf(text, sizeof(text), "%s", corpus[i].to);
        gs_error_clear(&err);
        gs_status rc = gs_calib_profile_parse(text, strlen(text), "bad.json", &p, &err);
        CHECK_MSG(rc == GS_ERR_FORMAT, "corpus %zu: status %d", i, (int)rc);
        CHECK_STR_CONTAINS(err.msg, corpus[i].msg);
        CHECK_STR_CONTAINS(err.msg, "bad.json");
    }
}

/* ---- tracks through a lens ---- */

/* Pushes every landmark of t (an ideal pinhole image) through the lens of cam. */
static void distort_track(gs_pose_track *t, const gs_cv_camera *cam)
{
    for (int32_t i = 0; i < t->n_frames; i++) {
        gs_pose_frame *f = &t->frames[i];
        if (!f->has_kp)
            continue;
        for (int k = 0; k < GS_POSE_NKP; k++) {
            double ray[3] = {(f->kp[k].x - 0.5 - cam->k[2]) / cam->k[0],
                             (f->kp[k].y - 0.5 - cam->k[5]) / cam->k[4], 1},
                   d[2];
            gs_cv_project_points(cam, NULL, NULL, ray, 1, d, NULL);
            f->kp[k].x = (float)d[0];
            f->kp[k].y = (float)d[1];
        }
    }
}

static gs_pose_track *copy_track(const gs_pose_track *t)
{
    gs_pose_track *c = NULL;
    return gs_pose_track_copy(t, &c, NULL) == GS_OK ? c : NULL;
}

static void undistorted_track_gives_true_angles(gs_cv_lens which)
{
    static const gs_angle angs[] = {GS_ANGLE_KNEE_FLEXION, GS_ANGLE_HIP_FLEXION,
                                    GS_ANGLE_TRUNK_LEAN,   GS_ANGLE_SHANK,
                                    GS_ANGLE_THIGH,        GS_ANGLE_ANKLE_DORSIFLEXION};
    gs_gen_params p;
    gs_pose_track *truth = NULL, *dist = NULL, *und = NULL;
    gs_gait_result *r[3] = {NULL, NULL, NULL};
    gs_gait_options o = {0};
    gs_error err;
    int32_t failed = -1;
    gs_cv_camera lens = which == GS_CV_LENS_FISHEYE ? fisheye_camera() : standard_camera();
    const gs_calib_profile *prof = g_profile_ok[which] ? &g_profile[which] : NULL;
    CHECK_MSG(prof != NULL, "no recovered %s profile (calibration test failed)",
              gs_calib_model_name(which));
    if (!prof)
        return;
    gs_gen_defaults(&p);
    p.width = W;
    p.height = H;
    p.px_per_m = 350; /* the runner fills the height */
    p.duration_s = 6;
    CHECK_EQ_INT(gs_gen_track(&p, &truth, &err), GS_OK);
    if (!truth)
        return;
    /* the runner on the left third of the picture, where the lens bends most */
    for (int32_t i = 0; i < truth->n_frames; i++)
        for (int k = 0; k < GS_POSE_NKP && truth->frames[i].has_kp; k++)
            truth->frames[i].kp[k].x -= 390;
    dist = copy_track(truth);
    und = copy_track(truth);
    if (!dist || !und)
        goto done;
    distort_track(dist, &lens);
    distort_track(und, &lens);
    CHECK_EQ_INT(gs_calib_undistort_track(und, prof, "recovered.json", &failed, &err), GS_OK);
    CHECK_EQ_INT(failed, 0);
    gs_pose_track *ts[3] = {truth, dist, und};
    /* the camera saw the distorted landmarks: the feet-out-of-the-picture check reads those for
     * all three (gs_gait_options.picture); the true and the undistorted feet of this runner, who
     * fills the frame's height, reach past its edge, where the lens's barrel pulls the seen ones
     * back in (without it, tracks 0 and 2 lose every stride) */
    o.picture = dist;
    for (int k = 0; k < 3; k++) {
        gs_status rc = gs_gait_analyze(ts[k], &o, &r[k], &err);
        CHECK_MSG(rc == GS_OK, "track %d: %s", k, err.msg);
        if (!r[k])
            goto done;
    }
    for (size_t a = 0; a < sizeof(angs) / sizeof(angs[0]); a++) {
        double worst_u = 0, worst_d = 0;
        for (int32_t i = 0; i < truth->n_frames; i++)
            for (int s = 0; s < 2; s++) {
                double t0 = gs_gait_result_angle(r[0], i, (gs_gait_side)s, angs[a]);
                double d = gs_gait_result_angle(r[1], i, (gs_gait_side)s, angs[a]);
                double u = gs_gait_result_angle(r[2], i, (gs_gait_side)s, angs[a]);
                if (isfinite(t0) && isfinite(u))
                    worst_u = fmax(worst_u, fabs(u - t0));
                if (isfinite(t0) && isfinite(d))
                    worst_d = fmax(worst_d, fabs(d - t0));
            }
        fprintf(stderr, "  %s lens, %-24s worst error: distorted %.2f deg, undistorted %.3f deg\n",
                gs_calib_model_name(which), gs_angle_name(angs[a]), worst_d, worst_u);
        CHECK_MSG(worst_u < 1.0, "%s: undistorted off by %.3f deg", gs_angle_name(angs[a]),
                  worst_u);
        if (angs[a] == GS_ANGLE_KNEE_FLEXION || angs[a] == GS_ANGLE_SHANK)
            CHECK_MSG(worst_d > 2.0, "%s: the lens should bend it (%.3f deg)",
                      gs_angle_name(angs[a]), worst_d);
    }
done:
    for (int k = 0; k < 3; k++)
        gs_gait_result_free(&r[k]);
    gs_pose_track_free(&truth);
    gs_pose_track_free(&dist);
    gs_pose_track_free(&und);
}

static void undistort_refuses_other_frame_sizes(void)
{
    gs_calib_profile p;
    gs_pose_track *t = NULL;
    gs_error err;
    CHECK_EQ_INT(gs_calib_profile_parse(good_profile, strlen(good_profile), "good.json", &p, &err),
                 GS_OK);
    CHECK_EQ_INT(gs_pose_track_new(2, &t, &err), GS_OK);
    if (!t)
        return;
    t->width = 720;
    t->height = 1280;
    t->frames[0].has_kp = 1;
    t->frames[0].kp[0].x = 100;
    CHECK_EQ_INT(gs_calib_undistort_track(t, &p, "phone.json", NULL, &err), GS_ERR_ARG);
    CHECK_STR_CONTAINS(err.msg, "phone.json: made for 1280x720 frames (landscape), the video is "
                                "720x1280 (portrait)");
    CHECK_NEAR(t->frames[0].kp[0].x, 100, 0); /* nothing changed */
    t->width = 1920;
    t->height = 1080;
    CHECK_EQ_INT(gs_calib_undistort_track(t, &p, "phone.json", NULL, &err), GS_ERR_ARG);
    CHECK_STR_CONTAINS(err.msg, "made for 1280x720 frames, the video is 1920x1080");
    gs_pose_track_free(&t);
}

/*
 * A rational model (k4, k6 > 0 with k3 = 0) that turns back: the distorted radius r f(r) falls
 * again before the picture's corner, so a picture point has a second, far ideal point, and
 * OpenCV's iteration lands on it for some points (fuzz_calib: frame 9's left heel of this made
 * track went to infinity as a float). The reader refuses such a profile, naming where it turns;
 * a camera that reaches the undistortion anyway (a profile made in memory) keeps such points
 * where they were with visibility 0, as points that do not converge.
 */
static const char rational_profile[] =
    "{\"format\": \"gaitscope.camera/1\", \"model\": \"standard\", \"image_size\": [1080, 1920],"
    " \"camera_matrix\": [[999.3769331, 0, 540], [0, 1003.617816, 960], [0, 0, 1]],"
    " \"dist_coeffs\": [-0.2999358662, 0.118304284, 0.000829182257677, 0.0, 0.0, 0.24, 0.0, 0.5,"
    " 0.0, 0.0, 0.0, 0.0], \"reprojection_error_px\": 0.076, \"views_used\": 22}";

static void distortion_that_turns_back_is_refused(void)
{
    gs_calib_profile p;
    gs_pose_track *t = NULL;
    gs_gen_params g;
    gs_error err;
    int32_t failed = -1;
    CHECK_EQ_INT(gs_calib_profile_parse(rational_profile, strlen(rational_profile),
                                        "rational.json", &p, &err),
                 GS_ERR_FORMAT);
    CHECK_STR_CONTAINS(err.msg, "rational.json: dist_coeffs: the distortion turns back at");
    CHECK_STR_CONTAINS(err.msg, "of the way to the picture's corner");
    printf("reader: %s\n", err.msg);
    /* the same camera made in memory: the undistortion's own guard */
    CHECK_EQ_INT(gs_calib_profile_parse(good_profile, strlen(good_profile), "good.json", &p, &err),
                 GS_OK);
    static const double k[9] = {999.3769331, 0, 540, 0, 1003.617816, 960, 0, 0, 1};
    static const double d[12] = {-0.2999358662, 0.118304284, 0.000829182257677, 0, 0, 0.24, 0,
                                 0.5};
    memcpy(p.cam.k, k, sizeof(k));
    memcpy(p.cam.dist, d, sizeof(d));
    p.cam.n_dist = 12;
    p.cam.width = 1080;
    p.cam.height = 1920;
    gs_gen_defaults(&g);
    g.fps = 10;
    g.duration_s = 1;
    CHECK_EQ_INT(gs_gen_track(&g, &t, &err), GS_OK);
    if (!t)
        return;
    double sx = 1080.0 / t->width, sy = 1920.0 / t->height;
    t->width = 1080;
    t->height = 1920;
    for (int32_t i = 0; i < t->n_frames; i++)
        for (int j = 0; j < GS_POSE_NKP; j++) {
            t->frames[i].kp[j].x = (float)(t->frames[i].kp[j].x * sx);
            t->frames[i].kp[j].y = (float)(t->frames[i].kp[j].y * sy);
        }
    CHECK(t->n_frames > 9);
    float x29 = t->n_frames > 9 ? t->frames[9].kp[29].x : 0;
    CHECK_EQ_INT(gs_calib_undistort_track(t, &p, "rational.json", &failed, &err), GS_OK);
    int bad = 0;
    for (int32_t i = 0; i < t->n_frames; i++)
        for (int j = 0; j < GS_POSE_NKP; j++)
            bad += !isfinite(t->frames[i].kp[j].x) || !isfinite(t->frames[i].kp[j].y) ||
                   fabsf(t->frames[i].kp[j].x) > 16 * 1920 || fabsf(t->frames[i].kp[j].y) > 16 * 1920;
    CHECK_EQ_INT(bad, 0);
    CHECK(failed >= 1);
    if (t->n_frames > 9) {
        CHECK_NEAR(t->frames[9].kp[29].vis, 0, 0);
        CHECK_NEAR(t->frames[9].kp[29].x, x29, 0); /* kept where it was */
    }
    printf("the same camera in memory: %d of %d landmarks not corrected\n", (int)failed,
           (int)(t->n_frames * GS_POSE_NKP));
    gs_pose_track_free(&t);
}

/* ---- scale ---- */

static void scale_from_a_line(void)
{
    gs_calib_scale_line l;
    gs_calib_scale s, h, a2;
    gs_calib_agreement ag;
    gs_error err;
    CHECK_EQ_INT(gs_calib_scale_line_parse("100,600,900,600,2.0", &l, &err), GS_OK);
    CHECK_EQ_INT(gs_calib_scale_from_line(&l, W, H, NULL, 0, &s, &err), GS_OK);
    CHECK_EQ_INT(s.source, GS_CALIB_SCALE_LINE);
    CHECK_NEAR(s.px_per_m, 400, 1e-9);
    CHECK_NEAR(s.uncertainty, sqrt(2.0) / 800, 1e-12); /* +-1 px clicks on an 800 px line */
    CHECK_EQ_INT(gs_calib_scale_from_line(&l, W, H, NULL, 2.0, &s, &err), GS_OK);
    CHECK_NEAR(s.uncertainty, 2 * sqrt(2.0) / 800, 1e-12);

    /* through a lens: a 2 m tape seen with barrel distortion is shorter in the picture; with the
     * profile the scale is the pinhole one */
    gs_cv_camera cam = standard_camera();
    gs_calib_profile p;
    memset(&p, 0, sizeof(p));
    p.cam = cam;
    double ray[6] = {(100 - 0.5 - cam.k[2]) / cam.k[0],  (650 - 0.5 - cam.k[5]) / cam.k[4], 1,
                     (1100 - 0.5 - cam.k[2]) / cam.k[0], (650 - 0.5 - cam.k[5]) / cam.k[4], 1};
    double d[4];
    CHECK_EQ_INT(gs_cv_project_points(&cam, NULL, NULL, ray, 2, d, NULL), GS_OK);
    l.x1 = d[0];
    l.y1 = d[1];
    l.x2 = d[2];
    l.y2 = d[3];
    l.metres = 2.5;
    CHECK_EQ_INT(gs_calib_scale_from_line(&l, W, H, NULL, 0, &s, &err), GS_OK);
    CHECK(s.px_per_m < 0.95 * 400); /* bent: too small without the profile */
    CHECK_EQ_INT(gs_calib_scale_from_line(&l, W, H, &p, 0, &s, &err), GS_OK);
    CHECK_NEAR(s.px_per_m, 400, 0.01);

    /* agreement: height scale 5 % vs the line */
    h.source = GS_CALIB_SCALE_HEIGHT;
    h.px_per_m = 410;
    h.uncertainty = 0.05;
    CHECK_EQ_INT(gs_calib_scale_agreement(&s, &h, &ag, &err), GS_OK);
    CHECK_NEAR(ag.ratio, 400 / 410.0, 1e-4);
    CHECK_NEAR(ag.diff_frac, -10 / 405.0, 1e-4);
    CHECK_NEAR(ag.z, 10 / sqrt(pow(410 * 0.05, 2) + pow(400 * s.uncertainty, 2)), 1e-3);
    CHECK(ag.agree);
    h.px_per_m = 480; /* 20 % off: disagrees */
    CHECK_EQ_INT(gs_calib_scale_agreement(&s, &h, &ag, &err), GS_OK);
    CHECK(!ag.agree);
    CHECK(ag.z > 2);
    a2 = s;
    a2.px_per_m = 0;
    CHECK_EQ_INT(gs_calib_scale_agreement(&s, &a2, &ag, &err), GS_ERR_ARG);

    /* refusals */
    static const struct {
        const char *s, *msg;
    } bad[] = {{"1,2,3,4", "METRES is missing"},
               {"1,2,x,4,5", "x2 is missing or not a number"},
               {"1;2;3;4;5", "expected 5 comma-separated numbers"},
               {"1,2,3,4,5,6", "expected 5 comma-separated numbers"},
               {"1,2,3,4,0", "the distance must be > 0 metres"}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_EQ_INT(gs_calib_scale_line_parse(bad[i].s, &l, &err), GS_ERR_ARG);
        CHECK_STR_CONTAINS(err.msg, bad[i].msg);
    }
    CHECK_EQ_INT(gs_calib_scale_line_parse("10,10,20,10,1", &l, &err), GS_OK);
    CHECK_EQ_INT(gs_calib_scale_from_line(&l, W, H, NULL, 0, &s, &err), GS_ERR_ARG);
    CHECK_STR_CONTAINS(err.msg, "the line is 10.0 px long");
    CHECK_EQ_INT(gs_calib_scale_line_parse("10,10,2000,10,1", &l, &err), GS_OK);
    CHECK_EQ_INT(gs_calib_scale_from_line(&l, W, H, NULL, 0, &s, &err), GS_ERR_ARG);
    CHECK_STR_CONTAINS(err.msg, "end point (2000, 10) is outside the 1280x720 frame");
}

/* The gait stage's scale: every candidate, the one used, their agreement (analysis.json). */
static void gait_reports_every_scale_and_their_agreement(void)
{
    gs_gen_params p;
    gs_pose_track *t = NULL;
    gs_gait_result *r = NULL;
    gs_gait_options o = {0};
    gs_error err;
    gs_gen_defaults(&p); /* 500 px/m, treadmill at 3.2 m/s */
    p.duration_s = 6;
    CHECK_EQ_INT(gs_gen_track(&p, &t, &err), GS_OK);
    if (!t)
        return;
    for (int variant = 0; variant < 2; variant++) {
        memset(&o, 0, sizeof(o));
        o.belt_speed_m_s = p.speed_m_s;
        if (variant == 0) {
            o.height_m = p.height_m;
            o.line_px_per_m = 501; /* a tape on the belt, clicked: 0.2 % */
            o.line_uncertainty = 0.002;
        }
        CHECK_EQ_INT(gs_gait_analyze(t, &o, &r, &err), GS_OK);
        if (!r)
            break;
        cJSON *j = gs_gait_result_to_json(r);
        cJSON *sc = cJSON_GetObjectItem(j, "scale");
        cJSON *cand = cJSON_GetObjectItem(sc, "candidates");
        cJSON *agr = cJSON_GetObjectItem(sc, "agreement");
        double belt = NAN, height = NAN, belt_u = NAN;
        for (int i = 0; i < cJSON_GetArraySize(cand); i++) {
            cJSON *c = cJSON_GetArrayItem(cand, i);
            const char *src = cJSON_GetStringValue(cJSON_GetObjectItem(c, "source"));
            double v = cJSON_GetNumberValue(cJSON_GetObjectItem(c, "px_per_m"));
            if (src && !strcmp(src, "belt")) {
                belt = v;
                belt_u = cJSON_GetNumberValue(cJSON_GetObjectItem(c, "uncertainty"));
            }
            if (src && !strcmp(src, "height"))
                height = v;
        }
        fprintf(stderr, "  scale variant %d: belt %.1f px/m (+-%.1f %%), height %.1f px/m\n",
                variant, belt, 100 * belt_u, height);
        CHECK_NEAR(belt, p.px_per_m, 0.03 * p.px_per_m); /* the stance foot rides the belt */
        CHECK(belt_u >= 0.03 && belt_u < 0.05);
        if (variant == 0) {
            CHECK_STR_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItem(sc, "source")), "line");
            CHECK_NEAR(cJSON_GetNumberValue(cJSON_GetObjectItem(sc, "px_per_m")), 501, 1e-9);
            CHECK_NEAR(cJSON_GetNumberValue(cJSON_GetObjectItem(sc, "uncertainty")), 0.002, 1e-12);
            CHECK_EQ_INT(cJSON_GetArraySize(cand), 3);
            CHECK_NEAR(height, p.px_per_m, 0.05 * p.px_per_m);
            CHECK_EQ_INT(cJSON_GetArraySize(agr), 3); /* height-line, height-belt, line-belt */
            for (int i = 0; i < cJSON_GetArraySize(agr); i++)
                CHECK(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(agr, i), "agree")));
        } else {
            CHECK_STR_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItem(sc, "source")), "belt");
            CHECK_EQ_INT(cJSON_GetArraySize(agr), 0);
            /* lengths in cm from the belt scale */
            cJSON *vo = cJSON_GetObjectItem(
                cJSON_GetObjectItem(cJSON_GetObjectItem(j, "metrics"), "vertical_oscillation_cm"),
                "left");
            CHECK_NEAR(cJSON_GetNumberValue(cJSON_GetObjectItem(vo, "mean")), 100 * p.vert_osc_m,
                       0.1 * 100 * p.vert_osc_m);
        }
        cJSON_Delete(j);
        gs_gait_result_free(&r);
    }
    /* a line that disagrees with the height by 20 % is reported as disagreeing */
    memset(&o, 0, sizeof(o));
    o.height_m = p.height_m;
    o.line_px_per_m = 600;
    o.line_uncertainty = 0.002;
    CHECK_EQ_INT(gs_gait_analyze(t, &o, &r, &err), GS_OK);
    if (r) {
        cJSON *j = gs_gait_result_to_json(r);
        cJSON *a0 = cJSON_GetArrayItem(
            cJSON_GetObjectItem(cJSON_GetObjectItem(j, "scale"), "agreement"), 0);
        CHECK(cJSON_IsFalse(cJSON_GetObjectItem(a0, "agree")));
        CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(a0, "z")) > 2);
        cJSON_Delete(j);
        gs_gait_result_free(&r);
    }
    gs_pose_track_free(&t);
}

/* ---- camera placement ---- */

typedef enum { CAM_PLAIN, CAM_ROLL, CAM_APPROACH, CAM_CLOSE, CAM_SMALL, CAM_CROPPED } cam_case;

/* Runs the camera check on a made runner changed as the case says; returns the flags. */
static uint32_t camera_case(cam_case k, gs_gait_camera *cam)
{
    gs_gen_params p;
    gs_pose_track *t = NULL;
    gs_gait_result *r = NULL;
    gs_gait_options o = {0};
    gs_error err;
    uint32_t flags = 0xffffffffu;
    gs_gen_defaults(&p); /* side view, right side to the camera, 1920x1080, 500 px/m */
    p.duration_s = 8;
    if (k == CAM_ROLL)
        p.roll_deg = 6;
    if (k == CAM_SMALL)
        p.px_per_m = 200;
    if (k == CAM_CROPPED) {
        p.px_per_m = 600;
        p.height = 720;
    }
    if (gs_gen_track(&p, &t, &err) != GS_OK)
        return flags;
    for (int32_t i = 0; i < t->n_frames; i++) {
        gs_pose_frame *f = &t->frames[i];
        if (!f->has_kp)
            continue;
        if (k == CAM_APPROACH) {
            /* walking toward the camera: the picture grows by 25 % over the clip */
            double g = 1 + 0.25 * f->t_s / p.duration_s;
            for (int j = 0; j < GS_POSE_NKP; j++) {
                f->kp[j].x = (float)(p.width / 2.0 + g * (f->kp[j].x - p.width / 2.0));
                f->kp[j].y = (float)(p.height / 2.0 + g * (f->kp[j].y - p.height / 2.0));
            }
        }
        if (k == CAM_CLOSE) {
            /* perspective: the far (left) leg 15 % smaller, about its hip */
            static const int far[] = {GS_KP_LEFT_KNEE, GS_KP_LEFT_ANKLE, GS_KP_LEFT_HEEL,
                                      GS_KP_LEFT_FOOT_INDEX};
            const gs_kp hip = f->kp[GS_KP_LEFT_HIP];
            for (size_t j = 0; j < sizeof(far) / sizeof(far[0]); j++) {
                gs_kp *q = &f->kp[far[j]];
                q->x = hip.x + 0.85f * (q->x - hip.x);
                q->y = hip.y + 0.85f * (q->y - hip.y);
            }
        }
    }
    gs_status rc = gs_gait_analyze(t, &o, &r, &err);
    CHECK_MSG(r != NULL, "camera case %d: %s", (int)k, err.msg);
    (void)rc;
    if (r && gs_gait_camera_check(t, r, cam, &err) == GS_OK)
        flags = cam->flags;
    fprintf(stderr,
            "  camera case %d: leg %.3f of height, change %.3f, near/far %.3f, tilt %.2f deg, "
            "flags 0x%x\n",
            (int)k, cam->leg_length_frac, cam->leg_length_change_frac, cam->near_far_leg_ratio,
            cam->tilt_deg, (unsigned)cam->flags);
    gs_gait_result_free(&r);
    gs_pose_track_free(&t);
    return flags;
}

static void camera_placement_is_measured(void)
{
    gs_gait_camera c;
    /* a good set-up: nothing flagged, the figures as made */
    CHECK_EQ_INT(camera_case(CAM_PLAIN, &c), 0);
    CHECK_NEAR(c.leg_length_frac, 0.491 * 1.75 * 500 / 1080, 0.03);
    CHECK(c.leg_length_change_frac < 0.03);
    CHECK_NEAR(c.near_far_leg_ratio, 1.0, 0.02);
    CHECK_NEAR(c.tilt_deg, 0.0, 0.5);
    cJSON *j = gs_gait_camera_to_json(&c);
    CHECK(cJSON_IsNumber(cJSON_GetObjectItem(j, "leg_length_frac")));
    CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(j, "flags")), 0);
    cJSON_Delete(j);
    /* each problem flagged, alone */
    CHECK_EQ_INT(camera_case(CAM_ROLL, &c), GS_GAIT_CAMERA_TILTED);
    CHECK_NEAR(fabs(c.tilt_deg), 6.0, 0.5);
    CHECK_EQ_INT(camera_case(CAM_APPROACH, &c), GS_GAIT_CAMERA_DEPTH_CHANGE);
    CHECK_NEAR(c.leg_length_change_frac, 0.25 / 1.125, 0.04);
    CHECK_EQ_INT(camera_case(CAM_CLOSE, &c), GS_GAIT_CAMERA_TOO_CLOSE);
    CHECK_NEAR(c.near_far_leg_ratio, 1 / 0.85, 0.02);
    CHECK_EQ_INT(camera_case(CAM_SMALL, &c), GS_GAIT_CAMERA_SMALL);
    CHECK_EQ_INT(camera_case(CAM_CROPPED, &c), GS_GAIT_CAMERA_CROPPED);
    j = gs_gait_camera_to_json(&c);
    CHECK_STR_CONTAINS(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "flags"), 0)),
                       "cropped");
    CHECK_STR_CONTAINS(
        cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "warnings"), 0)),
        "step back");
    cJSON_Delete(j);
}

/* ---- the video path and the command line ---- */

/* Exit status of a shell command (-1 when it did not run). */
static int run(const char *cmd)
{
    int rc = system(cmd);
    return rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Renders the standard camera's views once: n images of W x H RGB (caller frees each). */
static int render_views(uint8_t **img, int cap)
{
    gs_cv_camera cam = standard_camera();
    views vs;
    int n = 0;
    uint8_t *canvas = canvas_new();
    make_views(&cam, &vs, COLS, ROWS, 650);
    for (int i = 0; i < vs.n && n < cap; i++) {
        img[n] = malloc((size_t)W * H * 3);
        gs_image im = {img[n], W, H, 3 * W};
        if (img[n] && render_board(&im, canvas, &cam, vs.rv[i], vs.tv[i], COLS, ROWS))
            n++;
        else
            free(img[n]);
    }
    free(canvas);
    return n;
}

/* A phone video: each board pose held 0.5 s at 30 frames/s, its first 10 frames blurred (the
 * phone moving); the sharpest frame of each 0.5 s window must be the one searched. */
static void calibrates_from_a_video(const char *scratch, uint8_t **img, int n)
{
    char path[1024];
    gs_encoder *enc = NULL;
    gs_encoder_options eo = {0};
    gs_error err;
    uint8_t *blur = malloc((size_t)W * H * 3);
    snprintf(path, sizeof(path), "%s/calib_boards.mp4", scratch);
    eo.crf = 16;
    CHECK_EQ_INT(gs_encoder_open(path, W, H, &eo, &enc, &err), GS_OK);
    for (int v = 0; v < n && enc && blur; v++)
        for (int f = 0; f < 15; f++) {
            const uint8_t *src = img[v];
            if (f < 10) {
                memcpy(blur, img[v], (size_t)W * H * 3);
                gs_image b = {blur, W, H, 3 * W};
                gs_cv_blur_box(&b, 0, 0, W / 4 + 20 * f, H / 4 + 10 * f);
                gs_cv_blur_box(&b, W / 3, H / 3, W, H);
                src = blur;
            }
            CHECK_EQ_INT(gs_encoder_write(enc, src, 3 * W, (15 * v + f) / 30.0, &err), GS_OK);
        }
    if (enc)
        CHECK_EQ_INT(gs_encoder_close(enc, &err), GS_OK);
    gs_encoder_free(&enc);
    free(blur);

    gs_calib_options o = {0};
    gs_calib_profile p;
    gs_calib_report rep;
    const char *paths[1] = {path};
    gs_cv_camera truth = standard_camera();
    o.cols = COLS;
    o.rows = ROWS;
    o.square_mm = SQ_MM;
    o.model = GS_CALIB_MODEL_STANDARD; /* the choice is tested on stills */
    gs_status rc = gs_calib_run(paths, 1, &o, &p, &rep, &err);
    CHECK_MSG(rc == GS_OK, "%s", err.msg);
    CHECK_EQ_INT(rep.frames, 15 * n);
    CHECK_EQ_INT(rep.searched, n); /* one frame per 0.5 s window */
    CHECK(rep.found >= n - 1);     /* the sharp frame of each window, not a blurred one */
    if (rc == GS_OK) {
        fprintf(stderr,
                "  video: %d frames, %d searched, %d found, %d used, fx %.2f, rms %.3f px\n",
                (int)rep.frames, (int)rep.searched, (int)rep.found, (int)p.views_used, p.cam.k[0],
                p.reprojection_error_px);
        CHECK_NEAR(p.cam.k[0], truth.k[0], 0.01 * truth.k[0]);
        CHECK_NEAR(p.cam.k[5], truth.k[5], 0.01 * truth.k[5]);
        CHECK(p.reprojection_error_px < 0.3);
    }
    /* a missing file is named */
    const char *missing[1] = {"/nonexistent/board.mp4"};
    CHECK(gs_calib_run(missing, 1, &o, &p, &rep, &err) != GS_OK);
    CHECK_STR_CONTAINS(err.msg, "/nonexistent/board.mp4");
}

/* Writes the track of a runner on the left of a 1280x720 picture, seen through the standard
 * lens, as pose.json. */
static int write_distorted_runner(const char *path)
{
    gs_gen_params p;
    gs_pose_track *t = NULL;
    gs_error err;
    gs_cv_camera lens = standard_camera();
    gs_gen_defaults(&p);
    p.width = W;
    p.height = H;
    p.px_per_m = 350;
    p.duration_s = 6;
    if (gs_gen_track(&p, &t, &err) != GS_OK)
        return 0;
    for (int32_t i = 0; i < t->n_frames; i++)
        for (int k = 0; k < GS_POSE_NKP && t->frames[i].has_kp; k++)
            t->frames[i].kp[k].x -= 390;
    distort_track(t, &lens);
    gs_status rc = gs_pose_json_write(path, t, &err);
    gs_pose_track_free(&t);
    return rc == GS_OK;
}

static int cli_calibrate_and_gait(const char *scratch, uint8_t **img, int n)
{
    const char *bin = getenv("GAITSCOPE_BIN");
    char dir[600], prof[700], log[700], cmd[16384], msg[4096], path[800];
    gs_error err;
    if (!bin || !bin[0]) {
        fprintf(stderr, "test_calib: GAITSCOPE_BIN not set, command-line checks not run\n");
        return 1;
    }
    snprintf(dir, sizeof(dir), "%s/calib_cli", scratch);
    CHECK_EQ_INT(gs_mkdir_p(dir, &err), GS_OK);
    snprintf(prof, sizeof(prof), "%s/profiles/phone.json", dir);
    snprintf(log, sizeof(log), "%s/log.txt", dir);
    int len = snprintf(cmd, sizeof(cmd), "'%s' calibrate --chessboard 9x6 --square 30", bin);
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/board_%02d.png", dir, i);
        CHECK_EQ_INT(gs_png_write_rgb(path, img[i], W, H, 3 * W, &err), GS_OK);
        len += snprintf(cmd + len, sizeof(cmd) - (size_t)len, " '%s'", path);
    }
    snprintf(cmd + len, sizeof(cmd) - (size_t)len, " -o '%s' --force > '%s' 2>&1", prof, log);
    CHECK_EQ_INT(run(cmd), 0);
    gs_test_read_into(log, msg, sizeof(msg));
    CHECK_STR_CONTAINS(msg, "model standard: reprojection error");
    CHECK_STR_CONTAINS(msg, "wrote ");
    gs_calib_profile p;
    gs_cv_camera truth = standard_camera();
    CHECK_EQ_INT(gs_calib_profile_read(prof, &p, &err), GS_OK);
    CHECK_NEAR(p.cam.k[0], truth.k[0], 0.01 * truth.k[0]);
    CHECK_STR_CONTAINS(p.name, "phone");
    /* the output exists: refused without --force, one line, exit 1 */
    snprintf(cmd, sizeof(cmd),
             "'%s' calibrate --chessboard 9x6 --square 30 '%s/board_00.png' -o '%s' > '%s' 2>&1",
             bin, dir, prof, log);
    CHECK_EQ_INT(run(cmd), 1);
    gs_test_read_into(log, msg, sizeof(msg));
    CHECK_STR_CONTAINS(msg, "output exists (use --force to overwrite)");
    CHECK(strchr(msg, '\n') == strrchr(msg, '\n'));
    /* squares counted instead of corners */
    snprintf(cmd, sizeof(cmd),
             "'%s' calibrate --chessboard 10x7 --square 30 '%s/board_00.png' '%s/board_01.png' -o "
             "'%s/x.json' > '%s' 2>&1",
             bin, dir, dir, dir, log);
    CHECK_EQ_INT(run(cmd), 1);
    gs_test_read_into(log, msg, sizeof(msg));
    CHECK_STR_CONTAINS(msg, "gaitscope: the inputs: no 10x7 chessboard found, but a 9x6 board was");
    /* a malformed board size is a command-line error */
    snprintf(cmd, sizeof(cmd),
             "'%s' calibrate --chessboard 9-6 --square 30 a.png -o '%s/x.json' > '%s' 2>&1", bin,
             dir, log);
    CHECK_EQ_INT(run(cmd), 2);
    gs_test_read_into(log, msg, sizeof(msg));
    CHECK_STR_CONTAINS(msg, "--chessboard: expected COLSxROWS inner corners such as 9x6");

    /* gait --calib --scale-line on a runner seen through that lens */
    char pose[700], out[700];
    snprintf(pose, sizeof(pose), "%s/runner_pose.json", dir);
    snprintf(out, sizeof(out), "%s/gait_out", dir);
    CHECK(write_distorted_runner(pose));
    /* a 2.5714 m tape on the floor, 900 px in the pinhole picture at 350 px/m, as clicked on the
     * (distorted) video */
    double ray[6] = {
        (200 - 0.5 - truth.k[2]) / truth.k[0],  (690 - 0.5 - truth.k[5]) / truth.k[4], 1,
        (1100 - 0.5 - truth.k[2]) / truth.k[0], (690 - 0.5 - truth.k[5]) / truth.k[4], 1};
    double d[4];
    CHECK_EQ_INT(gs_cv_project_points(&truth, NULL, NULL, ray, 2, d, NULL), GS_OK);
    snprintf(cmd, sizeof(cmd),
             "'%s' gait '%s' -o '%s' --force --calib '%s' --scale-line %.3f,%.3f,%.3f,%.3f,%.6f > "
             "'%s' 2>&1",
             bin, pose, out, prof, d[0], d[1], d[2], d[3], 900 / 350.0, log);
    CHECK_EQ_INT(run(cmd), 0);
    snprintf(path, sizeof(path), "%s/analysis.json", out);
    {
        uint8_t *data = NULL;
        size_t n_data = 0;
        CHECK_EQ_INT(gs_file_read_all(path, &data, &n_data, &err), GS_OK);
        cJSON *j = data ? cJSON_Parse((const char *)data) : NULL;
        free(data);
        cJSON *cal = cJSON_GetObjectItem(j, "calibration"), *sc = cJSON_GetObjectItem(j, "scale");
        CHECK_STR_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItem(cal, "file")), "phone.json");
        CHECK_STR_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItem(cal, "format")),
                           "gaitscope.camera/1");
        CHECK_STR_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItem(sc, "source")), "line");
        CHECK_NEAR(cJSON_GetNumberValue(cJSON_GetObjectItem(sc, "px_per_m")), 350, 0.01 * 350);
        CHECK_EQ_INT(
            cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(sc, "line"), "points_px")),
            4);
        cJSON_Delete(j);
    }
    /* a portrait profile on a landscape track: refused with both sizes */
    char portrait[700];
    snprintf(portrait, sizeof(portrait), "%s/portrait.json", dir);
    static const char ptext[] =
        "{\"format\": \"gaitscope.camera/1\", \"model\": \"standard\", \"image_size\": [720, 1280],"
        " \"camera_matrix\": [[1000, 0, 360], [0, 1000, 640], [0, 0, 1]],"
        " \"dist_coeffs\": [-0.3, 0.1, 0, 0, 0], \"reprojection_error_px\": 0.2, \"views_used\": "
        "12}";
    CHECK_EQ_INT(gs_file_write_all(portrait, ptext, strlen(ptext), &err), GS_OK);
    snprintf(cmd, sizeof(cmd), "'%s' gait '%s' -o '%s' --force --calib '%s' > '%s' 2>&1", bin, pose,
             out, portrait, log);
    CHECK_EQ_INT(run(cmd), 1);
    gs_test_read_into(log, msg, sizeof(msg));
    CHECK_STR_CONTAINS(msg, "portrait.json: made for 720x1280 frames (portrait), the video is "
                            "1280x720 (landscape)");
    /* a bad --scale-line is a command-line error */
    snprintf(cmd, sizeof(cmd), "'%s' gait '%s' -o '%s' --force --scale-line 1,2,3 > '%s' 2>&1", bin,
             pose, out, log);
    CHECK_EQ_INT(run(cmd), 2);
    gs_test_read_into(log, msg, sizeof(msg));
    CHECK_STR_CONTAINS(msg, "--scale-line '1,2,3': y2 is missing");
    return 0;
}

int main(int argc, char **argv)
{
    const char *scratch = argc > 2 ? argv[2] : "/tmp";
    gs_cv_camera std_cam = standard_camera(), fish_cam = fisheye_camera();
    undistortion_inverts_projection();
    chessboard_corners_are_subpixel_exact();
    ill_conditioned_fisheye_view_is_named();
    profile_round_trips(scratch);
    profile_reader_refuses_bad_input();
    undistort_refuses_other_frame_sizes();
    distortion_that_turns_back_is_refused();
    scale_from_a_line();
    gait_reports_every_scale_and_their_agreement();
    camera_placement_is_measured();
    refuses_bad_options_and_mixed_frame_sizes();
    refuses_when_the_board_is_never_found();
    refuses_wrong_board_size();
    refuses_too_few_usable_views();
    recovers_camera(&std_cam, "standard", 650);
    recovers_camera(&fish_cam, "fisheye", 380);
    undistorted_track_gives_true_angles(GS_CV_LENS_STANDARD);
    undistorted_track_gives_true_angles(GS_CV_LENS_FISHEYE);
    uint8_t *img[64];
    int n = render_views(img, 64);
    CHECK(n >= 16);
    calibrates_from_a_video(scratch, img, n);
    int skipped = cli_calibrate_and_gait(scratch, img, n);
    for (int i = 0; i < n; i++)
        free(img[i]);
    return gs_test_finish("test_calib", skipped);
}
