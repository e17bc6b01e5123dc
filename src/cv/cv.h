/*
 * gaitscope cv: a thin C API over OpenCV (4.6) for image geometry and drawing. This folder is
 * the only place that includes OpenCV headers. Images are plain RGB8 or float buffers owned by
 * the caller; nothing here allocates per call except where stated.
 */
#ifndef GS_CV_H
#define GS_CV_H

#include <stdint.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A borrowed 8-bit RGB image: height rows of stride bytes, width*3 of them used. */
typedef struct gs_image {
    uint8_t *data;
    int32_t width, height; /* pixels */
    int32_t stride;        /* bytes per row, >= 3*width */
} gs_image;

/*
 * Coordinates are continuous pixels: pixel column i spans [i, i+1) and its centre is i + 0.5,
 * as MediaPipe's normalized coordinates multiplied by the image size.
 */

/** An RGB colour, 0..255 per channel. */
typedef struct gs_rgb {
    uint8_t r, g, b;
} gs_rgb;

/**
 * A rotated rectangle in image pixels: centre, size and rotation in radians (counter-clockwise
 * positive in the mathematical sense; with y down this turns the rectangle clockwise on screen,
 * as MediaPipe's NormalizedRect.rotation does).
 */
typedef struct gs_rot_rect {
    float cx, cy;        /* centre, pixels */
    float width, height; /* size, pixels */
    float rotation;      /* radians */
} gs_rot_rect;

/** Sets OpenCV's own worker-thread count (0 = no OpenCV threads) so it does not fight ours. */
void gs_cv_set_threads(int n);

/**
 * Samples the rotated rectangle r of src into a dst_w x dst_h float RGB crop (NHWC, values
 * src/255 * scale + offset, e.g. scale 1 offset 0 for [0,1], scale 2 offset -1 for [-1,1]), with
 * bilinear interpolation; outside the image: border replicate (border_zero = 0) or zero
 * (border_zero = 1, zero before scaling). If m_out is not NULL it receives the 2x3 affine matrix
 * mapping crop pixel (u, v) to image pixel (x, y): x = m[0]u + m[1]v + m[2], y = m[3]u + m[4]v +
 * m[5]. GS_ERR_ARG for empty sizes.
 */
gs_status gs_cv_warp_rect_to_float(const gs_image *src, const gs_rot_rect *r, int32_t dst_w,
                                   int32_t dst_h, float scale, float offset, int border_zero,
                                   float *dst, double m_out[6], gs_error *err);

/** Resizes src into dst (both allocated by the caller) with area/bilinear interpolation. */
gs_status gs_cv_resize(const gs_image *src, gs_image *dst, gs_error *err);

/**
 * Drawing on an RGB image, anti-aliased, with opacity alpha in [0, 1] (OpenCV 4.6 draws opaque
 * only, so alpha < 1 blends a drawn copy of the touched region back). Coordinates in pixels;
 * thickness in pixels. Text is ASCII, scale 1.0 about 22 px high, with one exception: the
 * degree sign GS_CV_DEGREE (U+00B0 in UTF-8, "\xc2\xb0"), which OpenCV's Hershey fonts lack, is
 * drawn as a ring at the top right of the text before it: its outer size about 0.4 of a digit's
 * height, its top at the digits' top, in the text's colour and thickness. gs_cv_text_size counts
 * the ring and the space after it in the width, so boxes measured with it hold the ring.
 */
#define GS_CV_DEGREE "\xc2\xb0"
void gs_cv_line(gs_image *img, float x0, float y0, float x1, float y1, gs_rgb c, int thickness,
                float alpha);
void gs_cv_circle(gs_image *img, float x, float y, float radius, gs_rgb c, int thickness_or_fill,
                  float alpha); /* thickness_or_fill < 0: filled */
void gs_cv_text(gs_image *img, const char *ascii, float x, float y, float scale, gs_rgb c,
                int thickness, float alpha); /* (x, y): bottom-left of the text */
void gs_cv_polygon_fill(gs_image *img, const float *xy, int n_points, gs_rgb c, float alpha);
void gs_cv_rect_fill(gs_image *img, float x0, float y0, float x1, float y1, gs_rgb c, float alpha);
/** Gaussian blur of an axis-aligned box (clipped to the image), for --blur-faces. */
void gs_cv_blur_box(gs_image *img, int32_t x0, int32_t y0, int32_t x1, int32_t y1);
/** Width and height in pixels that gs_cv_text would cover. */
void gs_cv_text_size(const char *ascii, float scale, int thickness, int32_t *w, int32_t *h);

/* ---- Camera calibration (OpenCV calib3d) ------------------------------------------------------
 *
 * Point arrays below use the continuous convention of this header (pixel i spans [i, i+1), its
 * centre is i + 0.5); the wrapper shifts by half a pixel on the way to and from OpenCV. Camera
 * matrices are in OpenCV's own convention (the centre of the top-left pixel is (0, 0)), so a
 * profile made here or by any OpenCV-based tool means the same thing: continuous x = OpenCV x +
 * 0.5.
 */

/** Lens model, as OpenCV names them. Values are stored in files: explicit and append-only. */
typedef enum gs_cv_lens {
    GS_CV_LENS_STANDARD =
        0,                 /* pinhole + Brown-Conrady (calib3d): k1 k2 p1 p2 [k3 [k4 k5 k6 ...]] */
    GS_CV_LENS_FISHEYE = 1 /* equidistant + polynomial in theta (calib3d fisheye): k1 k2 k3 k4 */
} gs_cv_lens;

/** Longest distortion vector OpenCV's standard model takes (k1..k6, p1 p2, s1..s4, tx ty). */
#define GS_CV_MAX_DIST 14

/** Camera intrinsics (a value type). */
typedef struct gs_cv_camera {
    gs_cv_lens lens;             /* distortion model */
    int32_t width, height;       /* image size the intrinsics belong to, pixels */
    double k[9];                 /* camera matrix, row-major [fx s cx; 0 fy cy; 0 0 1], pixels,
                                    OpenCV pixel convention (top-left pixel centre at 0, 0) */
    double dist[GS_CV_MAX_DIST]; /* distortion coefficients, n_dist of them used (unitless) */
    int32_t n_dist;              /* standard: 4, 5, 8, 12 or 14; fisheye: 4 */
} gs_cv_camera;

/**
 * Finds the inner corners of a chessboard with cols x rows inner corners (corners where four
 * squares meet; OpenCV's patternSize) and refines them to sub-pixel accuracy (cornerSubPix on
 * the full-resolution grey image; the search runs on a copy at most 1280 px wide for speed).
 * On success *found = 1 and xy receives cols*rows points (x, y pairs, continuous pixels) in
 * OpenCV's order (row by row along the board); *found = 0 when the board is not seen (GS_OK).
 * cols, rows >= 2. GS_ERR_ARG for empty images or sizes, GS_ERR_INTERNAL for an OpenCV failure,
 * GS_ERR_NOMEM. No allocation is kept.
 */
gs_status gs_cv_chessboard_find(const gs_image *img, int32_t cols, int32_t rows, double *xy,
                                int *found, gs_error *err);

/**
 * Mean absolute difference of two w x h boxes of 8-bit grey pixels whose rows lie stride bytes
 * apart (cv::norm with NORM_L1, divided by w h): the strip and ground comparisons of
 * gs_cv_tip_strip. NAN for an empty box or an OpenCV failure.
 */
double gs_cv_mean_absdiff_u8(const uint8_t *a, const uint8_t *b, int32_t stride, int32_t w,
                             int32_t h);

/**
 * Sharpness of an image region: the variance of the Laplacian of the grey image (Pech-Pacheco
 * et al. 2000, "Diatom autofocusing in brightfield microscopy", ICPR: the variance of the
 * Laplacian as a focus measure; motion blur lowers it). The box [x0, x1) x [y0, y1) in pixels is
 * clipped to the image; an empty box (x1 <= x0) means the whole image. Large regions are
 * measured on a copy at most 960 px wide, so values of one video compare with each other.
 * GS_ERR_ARG for an empty image or region.
 */
gs_status gs_cv_sharpness(const gs_image *img, int32_t x0, int32_t y0, int32_t x1, int32_t y1,
                          double *var_lap, gs_error *err);

/** Result of gs_cv_calibrate(). */
typedef struct gs_cv_calib_result {
    double rms_px;    /* RMS reprojection error over all points of all views, pixels */
    int32_t bad_view; /* on GS_ERR_FORMAT: the view OpenCV refused (ill-conditioned), else -1 */
} gs_cv_calib_result;

/**
 * Fits intrinsics and distortion of model lens to n_views views of one planar target:
 * obj_xyz holds n_points target points (x, y, z triples, any unit, z = 0 for a board) shared by
 * every view, img_xy holds n_views * n_points image points (x, y pairs, continuous pixels, view
 * by view). Standard: OpenCV calibrateCamera with k1 k2 p1 p2 k3 (5 coefficients); fisheye:
 * cv::fisheye::calibrate with skew fixed at 0, extrinsics recomputed and the condition check on
 * (OpenCV 4.6 throws on an ill-conditioned view; the exception is caught here). out receives the
 * camera (width, height set from the arguments); view_rms_px (may be NULL) receives n_views
 * per-view RMS reprojection errors in pixels.
 * Returns GS_OK; GS_ERR_FORMAT when OpenCV cannot fit the data (res->bad_view names the
 * ill-conditioned view when OpenCV said which, err carries OpenCV's reason); GS_ERR_ARG (fewer
 * than 2 views or 4 points, non-finite values); GS_ERR_NOMEM. No C++ exception escapes.
 */
gs_status gs_cv_calibrate(gs_cv_lens lens, int32_t width, int32_t height, int32_t n_views,
                          int32_t n_points, const double *obj_xyz, const double *img_xy,
                          gs_cv_camera *out, gs_cv_calib_result *res, double *view_rms_px,
                          gs_error *err);

/**
 * Reprojection error of one view with known intrinsics: the target's pose is solved from the
 * points (solvePnP, iterative, on the undistorted points for the fisheye model) and *rms_px is
 * the RMS distance in pixels between img_xy and the target projected with that pose and cam.
 * Used to score a model on views held out of its fit. GS_ERR_ARG (< 4 points), GS_ERR_FORMAT
 * when no pose is found.
 */
gs_status gs_cv_view_error(const gs_cv_camera *cam, int32_t n_points, const double *obj_xyz,
                           const double *img_xy, double *rms_px, gs_error *err);

/**
 * Removes lens distortion from n points in place (x, y pairs, continuous pixels): each point
 * moves to where an ideal pinhole camera with the same camera matrix would have seen it
 * (OpenCV undistortPoints with P = K; the iteration runs to 1e-9 or 100 steps). Non-finite
 * points are left as they are. GS_ERR_ARG for a camera with a bad matrix or model.
 */
gs_status gs_cv_undistort_points(const gs_cv_camera *cam, double *xy, int32_t n, gs_error *err);

/**
 * Projects n 3-D points (x, y, z triples, camera units) through a pose (Rodrigues rotation vector
 * rvec, translation tvec; NULL = identity) and the camera into img_xy (x, y pairs, continuous
 * pixels), distortion included: the forward model of gs_cv_undistort_points(), for tests and
 * rendering. GS_ERR_ARG for a bad camera.
 */
gs_status gs_cv_project_points(const gs_cv_camera *cam, const double rvec[3], const double tvec[3],
                               const double *obj_xyz, int32_t n, double *img_xy, gs_error *err);

/**
 * Process-wide PNG setting of stb_image_write (a global of the library): the Paeth filter on
 * every row instead of trying all five per row (30-40 % less CPU for 2 % larger files,
 * docs/benchmarks.md). Call once before any thread writes a PNG (gs_analyze_process_init does).
 */
void gs_png_process_init(void);

/**
 * Writes an 8-bit RGB image (height rows of stride bytes, at most 65535 px a side) as PNG to
 * path through stb_image_write, with zlib's deflate at level 1 and run-length matching in place
 * of stb's own compressor (png.c; about 4x faster than stb's at its lowest level, smaller files).
 * The file is complete or absent (written to a temporary name, then renamed). Every write and
 * the close are checked: GS_ERR_IO names the path and the reason; GS_ERR_ARG for an empty image;
 * GS_ERR_NOMEM when encoding fails.
 */
gs_status gs_png_write_rgb(const char *path, const uint8_t *rgb, int32_t width, int32_t height,
                           int32_t stride, gs_error *err);

/* ---- A running toe-off timed from the picture (tipstrip.c; docs/events-history.md)
 * ----------------
 *
 * A window of consecutive grey frames around one toe-off that the landmarks found: from a few
 * frames before it (the shoe still on the ground) to a frame after the foot has gone (the empty
 * ground). A thin strip just above the ground line at the shoe's tip is compared with the empty
 * ground in each frame; the toe-off is where it empties.
 */

/** Most frames one window may hold. */
#define GS_CV_TIP_MAX_FRAMES 64

/** One toe-off's frames and what the landmarks say about the foot (pixels of the bands). */
typedef struct gs_cv_tip_window {
    const uint8_t *const *frames; /* n grey bands, all w x h with row stride bytes; frames[0] has
                                     the foot on the ground, frames[n-1] the ground without it */
    int32_t n, w, h, stride;
    int32_t tail;               /* last frames that only serve as empty ground (not measured) */
    double tip_x, tip_y;        /* frames[0]: the tip estimate's x, and the foot index's y (row of
                                   the band) near which the ground line is searched */
    double foot_len_px;         /* heel to foot index, px */
    int facing;                 /* +1: the toe points to image-right, -1: image-left */
    double ground_px_per_frame; /* the stance foot's image x speed (belt or pan), px per frame */
    int moving_camera;          /* 1: the ground's motion is measured frame to frame in the band
                                   below the ground line (a panning camera); 0: the stance speed
                                   carries the strip and the empty ground stays where it is */
} gs_cv_tip_window;

/** Why a window gave no toe-off (values are stable). */
typedef enum gs_cv_tip_why {
    GS_CV_TIP_FOUND = 0,
    GS_CV_TIP_OUTSIDE = 1,    /* strip or ground line outside the picture */
    GS_CV_TIP_NO_SHOE = 2,    /* the strip differs too little from the ground (occluded, far
                                 foot, low contrast) */
    GS_CV_TIP_NOT_CLEARED = 3 /* the strip never emptied within the window */
} gs_cv_tip_why;

/** The measure of one window. */
typedef struct gs_cv_tip_result {
    int found; /* 1: toe_off is set */
    gs_cv_tip_why why;
    double toe_off;   /* frames after frames[0] (sub-frame: the crossing of the level
                         between the last full and first empty frame), NAN if not found */
    double level;     /* the strip's occupancy while the shoe stands (grey levels) */
    int32_t ground_y; /* ground line row of the band */
    int32_t n_occupancy;
    double occupancy[GS_CV_TIP_MAX_FRAMES]; /* mean grey difference per frame, NAN off-picture */
} gs_cv_tip_result;

/**
 * Times one toe-off from the picture. GS_OK with res->found 0 and res->why when the picture
 * cannot tell (the caller keeps the landmarks' toe-off); GS_ERR_ARG for a malformed window,
 * GS_ERR_NOMEM.
 */
gs_status gs_cv_tip_strip(const gs_cv_tip_window *win, gs_cv_tip_result *res, gs_error *err);

/** "found", "strip outside the picture", ... */
const char *gs_cv_tip_why_name(gs_cv_tip_why why);

/* ---- A treadmill running contact timed from the picture (contactstrip.c; docs/events-history.md)
 * --
 *
 * A window of consecutive grey frames around one contact that the landmarks found: two frames of
 * the empty belt before the foot arrives, the frames the foot comes down in, and frames of it
 * standing. A thin strip just above the belt line under the shoe's back half, carried with the
 * belt, is compared with the empty belt in each frame; the contact is where it fills.
 */

/** One contact's frames and what the landmarks say about the stance foot (pixels of the bands). */
typedef struct gs_cv_contact_window {
    const uint8_t *const *frames; /* n grey bands, all w x h with row stride bytes */
    int32_t n, w, h, stride;      /* n <= GS_CV_TIP_MAX_FRAMES */
    int32_t ref[2];               /* frames of the empty belt (the foot still ahead, in the air) */
    int32_t first;                /* first frame the contact may be in (after the references) */
    int32_t hold;                 /* the strip stands at its place of this frame before it */
    int32_t stance;               /* a frame the foot stands on the belt (the level is read at it
                                     and the frames either side; the belt line at it) */
    double heel_x, heel_y;        /* the heel's place at frame stance (band pixels) */
    double foot_len_px;           /* heel to foot index, px */
    int facing;                   /* +1: the toe points to image-right, -1: image-left */
    double belt_px_per_frame;     /* the stance foot's image x speed, px per frame */
    double belt_slope;            /* rows the belt line falls per column (0: level; at most
                                     GS_CV_BELT_SLOPE_MAX either way); the strip lies along it */
    double belt_search_fl;        /* the belt line is searched this many foot lengths under the
                                     heel's stance row (0: 0.4, session 17's) */
    int32_t parts;                /* 0 or 1: the contact is when the whole strip fills; 2 to
                                     GS_CV_CONTACT_MAX_PARTS: the strip is cut into that many
                                     equal parts along the sole and the contact is when the first
                                     of them fills (heel or sole, whichever touches first) */
    int moving_camera;            /* 0: a fixed camera (treadmill): the empty belt is where it
                                     was and the strip is carried with the belt from frame hold;
                                     1: the camera pans (and tilts) with an overground runner:
                                     the ground's shift from frame ref[1] to each frame is
                                     measured on the ground under the heel, the strip stays on
                                     the ground where the heel will stand and each frame is
                                     compared with the empty ground moved by that shift
                                     (belt_px_per_frame then predicts the shift's x) */
} gs_cv_contact_window;

/** Most parts a contact strip may be cut into. */
#define GS_CV_CONTACT_MAX_PARTS 8

/** Largest belt slope a window may give, rows per column. */
#define GS_CV_BELT_SLOPE_MAX 0.5

/** Why a window gave no contact (values are stable). */
typedef enum gs_cv_contact_why {
    GS_CV_CONTACT_FOUND = 0,
    GS_CV_CONTACT_OUTSIDE = 1,      /* strip or belt line outside the picture */
    GS_CV_CONTACT_NO_BELT_LINE = 2, /* the standing foot differs from the empty belt in no row */
    GS_CV_CONTACT_NO_SHOE = 3,      /* the strip differs too little from the belt while the foot
                                       stands (occluded, far foot, low contrast) */
    GS_CV_CONTACT_NOT_FILLED = 4    /* the strip never filled within the window */
} gs_cv_contact_why;

/** The measure of one window. */
typedef struct gs_cv_contact_result {
    int found; /* 1: contact is set */
    gs_cv_contact_why why;
    double contact; /* frames after frames[0] (sub-frame: the crossing of half the
                       level between the last empty and the first full frame), NAN if
                       not found */
    double level;   /* the strip's occupancy while the foot stands (grey levels) */
    double belt_y;  /* belt line of the band, rows (to a fraction: where the standing
                       foot's row difference crosses half its largest), NAN if not
                       found */
    int32_t part;   /* with parts: the part that filled first, counted from the strip's
                       image-left end; -1 when the whole strip timed the contact */
    int32_t n_occupancy;
    double occupancy[GS_CV_TIP_MAX_FRAMES]; /* mean grey difference per frame, NAN off-picture */
} gs_cv_contact_result;

/**
 * Times one running contact from the picture (a treadmill, or overground with moving_camera).
 * GS_OK with res->found 0 and res->why when the picture cannot tell (the caller keeps the
 * landmarks' contact); GS_ERR_ARG for a malformed window.
 */
gs_status gs_cv_contact_strip(const gs_cv_contact_window *win, gs_cv_contact_result *res,
                              gs_error *err);

/**
 * What one window says of the belt line's slope (session 18): *slope, the rows the standing
 * sole's lowest edge falls per column of its travel between two stance frames (searched 0.7 foot
 * lengths under the heel), NAN when either edge is not seen; *edge, the empty belt's own grey step
 * across that edge at the stance frame (mean of 3 rows above less 3 under, absolute), NAN when not
 * seen: a large step means the sole's lowest edge runs along an edge of the empty picture (a
 * camera at the belt's height sees the belt edge-on, the sole against its rail), so the stance
 * path measured on it is that edge's, not the belt's. The caller takes the clip's medians (one
 * window is noisy). GS_ERR_ARG for a malformed window.
 */
gs_status gs_cv_contact_slope(const gs_cv_contact_window *win, double *slope, double *edge,
                              gs_error *err);

/** "found", "strip outside the picture", ... */
const char *gs_cv_contact_why_name(gs_cv_contact_why why);

#ifdef __cplusplus
}
#endif
#endif /* GS_CV_H */
