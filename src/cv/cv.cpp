// gaitscope cv: the C API of cv.h implemented on OpenCV 4.6. The only OpenCV user in the tree.
// C++ is confined to this file; every entry point catches exceptions so none crosses into C.
#include "cv.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <opencv2/calib3d.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace {

cv::Mat wrap(const gs_image *img)
{
    return cv::Mat(img->height, img->width, CV_8UC3, img->data, (size_t)img->stride);
}

cv::Scalar colour(gs_rgb c)
{
    return cv::Scalar(c.r, c.g, c.b); // our buffers are RGB; OpenCV only sees channels
}

// Blending for alpha < 1: OpenCV 4.6 drawing is opaque, so draw on a copy of the bounding box
// and mix it back with addWeighted. The box is clipped to the image; empty boxes do nothing.
template <typename Draw> void draw_alpha(gs_image *img, cv::Rect box, float alpha, Draw draw)
{
    if (!img || !img->data || img->width <= 0 || img->height <= 0)
        return;
    cv::Mat m = wrap(img);
    if (alpha >= 0.999f) {
        draw(m, cv::Point(0, 0));
        return;
    }
    if (alpha <= 0.0f)
        return;
    box &= cv::Rect(0, 0, img->width, img->height);
    if (box.width <= 0 || box.height <= 0)
        return;
    cv::Mat roi = m(box);
    cv::Mat copy = roi.clone();
    draw(copy, cv::Point(-box.x, -box.y));
    cv::addWeighted(copy, alpha, roi, 1.0 - alpha, 0.0, roi);
}

// Drawing functions take integer points; shift 4 gives 1/16 px sub-pixel precision.
const int kShift = 4;
cv::Point fixpt(float x, float y, cv::Point off)
{
    return cv::Point((int)std::lround((x - 0.5f + off.x) * (1 << kShift)),
                     (int)std::lround((y - 0.5f + off.y) * (1 << kShift)));
}

cv::Rect bbox(float x0, float y0, float x1, float y1, float pad)
{
    float lx = std::min(x0, x1) - pad, ly = std::min(y0, y1) - pad;
    float hx = std::max(x0, x1) + pad, hy = std::max(y0, y1) + pad;
    if (!std::isfinite(lx) || !std::isfinite(ly) || !std::isfinite(hx) || !std::isfinite(hy))
        return cv::Rect();
    lx = std::max(lx, -1e6f);
    ly = std::max(ly, -1e6f);
    hx = std::min(hx, 1e6f);
    hy = std::min(hy, 1e6f);
    return cv::Rect(cv::Point((int)std::floor(lx), (int)std::floor(ly)),
                    cv::Point((int)std::ceil(hx) + 1, (int)std::ceil(hy) + 1));
}

bool finite_pts(const float *v, int n)
{
    for (int i = 0; i < n; i++)
        if (!std::isfinite(v[i]) || std::fabs(v[i]) > 1e6f)
            return false;
    return true;
}

// ---- calibration helpers ----

// Our point arrays are continuous pixels (centre of pixel i at i + 0.5); OpenCV puts the centre
// at i. These two convert on the way in and out.
const double kHalf = 0.5;

bool camera_ok(const gs_cv_camera *c)
{
    if (!c || c->width <= 0 || c->height <= 0)
        return false;
    for (int i = 0; i < 9; i++)
        if (!std::isfinite(c->k[i]))
            return false;
    if (!(c->k[0] > 0) || !(c->k[4] > 0))
        return false;
    if (c->lens == GS_CV_LENS_FISHEYE)
        return c->n_dist == 4;
    if (c->lens != GS_CV_LENS_STANDARD)
        return false;
    return c->n_dist == 4 || c->n_dist == 5 || c->n_dist == 8 || c->n_dist == 12 || c->n_dist == 14;
}

cv::Mat camera_matrix(const gs_cv_camera *c)
{
    cv::Mat K(3, 3, CV_64F);
    for (int i = 0; i < 9; i++)
        K.at<double>(i / 3, i % 3) = c->k[i];
    return K;
}

cv::Mat dist_vector(const gs_cv_camera *c)
{
    cv::Mat D(c->n_dist, 1, CV_64F);
    for (int i = 0; i < c->n_dist; i++)
        D.at<double>(i) = std::isfinite(c->dist[i]) ? c->dist[i] : 0.0;
    return D;
}

// Distorts normalised pinhole coordinates (x/z, y/z) into OpenCV pixels with the camera model.
void distort_normalised(const gs_cv_camera *c, const std::vector<cv::Point3d> &rays,
                        std::vector<cv::Point2d> &px)
{
    cv::Mat K = camera_matrix(c), D = dist_vector(c);
    cv::Mat zero = cv::Mat::zeros(3, 1, CV_64F);
    if (c->lens == GS_CV_LENS_FISHEYE)
        cv::fisheye::projectPoints(rays, px, zero, zero, K, D);
    else
        cv::projectPoints(rays, zero, zero, K, D, px);
}

double rms_of(const std::vector<cv::Point2f> &a, const std::vector<cv::Point2d> &b)
{
    double s = 0;
    for (size_t i = 0; i < a.size(); i++) {
        double dx = a[i].x - b[i].x, dy = a[i].y - b[i].y;
        s += dx * dx + dy * dy;
    }
    return a.empty() ? 0.0 : std::sqrt(s / (double)a.size());
}

void project_view(const gs_cv_camera *c, const std::vector<cv::Point3f> &obj, const cv::Mat &rvec,
                  const cv::Mat &tvec, std::vector<cv::Point2d> &px)
{
    std::vector<cv::Point3d> o(obj.begin(), obj.end());
    cv::Mat K = camera_matrix(c), D = dist_vector(c);
    if (c->lens == GS_CV_LENS_FISHEYE)
        cv::fisheye::projectPoints(o, px, rvec, tvec, K, D);
    else
        cv::projectPoints(o, rvec, tvec, K, D, px);
}

bool finite_d(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!std::isfinite(v[i]) || std::fabs(v[i]) > 1e9)
            return false;
    return true;
}

} // namespace

extern "C" {

void gs_cv_set_threads(int n)
{
    try {
        cv::setNumThreads(n < 0 ? 0 : n);
    } catch (...) {
    }
}

gs_status gs_cv_warp_rect_to_float(const gs_image *src, const gs_rot_rect *r, int32_t dst_w,
                                   int32_t dst_h, float scale, float offset, int border_zero,
                                   float *dst, double m_out[6], gs_error *err)
{
    if (!src || !src->data || src->width <= 0 || src->height <= 0 || !r || dst_w <= 0 ||
        dst_h <= 0 || !dst || !(r->width > 0) || !(r->height > 0) || !std::isfinite(r->cx) ||
        !std::isfinite(r->cy) || !std::isfinite(r->rotation))
        return gs_fail(err, GS_ERR_ARG, "warp: empty image, crop or rectangle");
    try {
        // Crop pixel (u, v) -> image: the crop's centre (dst_w/2, dst_h/2) lands on (cx, cy),
        // its axes are the rectangle's axes rotated by r->rotation and scaled to its size.
        double c = std::cos(r->rotation), s = std::sin(r->rotation);
        double sx = r->width / dst_w, sy = r->height / dst_h;
        double m[6];
        m[0] = c * sx;
        m[1] = -s * sy;
        m[3] = s * sx;
        m[4] = c * sy;
        m[2] = r->cx - (m[0] * dst_w * 0.5 + m[1] * dst_h * 0.5);
        m[5] = r->cy - (m[3] * dst_w * 0.5 + m[4] * dst_h * 0.5);
        if (m_out)
            std::memcpy(m_out, m, sizeof(m));
        // OpenCV samples integer pixel centres; our coordinates are continuous (pixel i spans
        // [i, i+1)), so shift by half a pixel on both sides of the map.
        double mc[6] = {m[0], m[1], m[2] + 0.5 * (m[0] + m[1]) - 0.5,
                        m[3], m[4], m[5] + 0.5 * (m[3] + m[4]) - 0.5};
        cv::Mat M(2, 3, CV_64F, mc);
        cv::Mat out8;
        cv::warpAffine(wrap(src), out8, M, cv::Size(dst_w, dst_h),
                       cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                       border_zero ? cv::BORDER_CONSTANT : cv::BORDER_REPLICATE, cv::Scalar());
        cv::Mat outf(dst_h, dst_w, CV_32FC3, dst);
        out8.convertTo(outf, CV_32F, scale / 255.0, offset);
    } catch (const cv::Exception &e) {
        return gs_fail(err, GS_ERR_INTERNAL, "warp: OpenCV: %s", e.what());
    } catch (...) {
        return gs_fail(err, GS_ERR_NOMEM, "warp: out of memory");
    }
    return GS_OK;
}

gs_status gs_cv_resize(const gs_image *src, gs_image *dst, gs_error *err)
{
    if (!src || !dst || !src->data || !dst->data || src->width <= 0 || src->height <= 0 ||
        dst->width <= 0 || dst->height <= 0)
        return gs_fail(err, GS_ERR_ARG, "resize: empty image");
    try {
        cv::Mat d = wrap(dst);
        bool shrink = dst->width < src->width && dst->height < src->height;
        cv::resize(wrap(src), d, d.size(), 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
    } catch (const cv::Exception &e) {
        return gs_fail(err, GS_ERR_INTERNAL, "resize: OpenCV: %s", e.what());
    } catch (...) {
        return gs_fail(err, GS_ERR_NOMEM, "resize: out of memory");
    }
    return GS_OK;
}

void gs_cv_line(gs_image *img, float x0, float y0, float x1, float y1, gs_rgb c, int thickness,
                float alpha)
{
    const float v[4] = {x0, y0, x1, y1};
    if (!finite_pts(v, 4) || thickness <= 0)
        return;
    try {
        draw_alpha(img, bbox(x0, y0, x1, y1, (float)thickness + 2), alpha,
                   [&](cv::Mat &m, cv::Point off) {
                       cv::line(m, fixpt(x0, y0, off), fixpt(x1, y1, off), colour(c), thickness,
                                cv::LINE_AA, kShift);
                   });
    } catch (...) {
    }
}

void gs_cv_circle(gs_image *img, float x, float y, float radius, gs_rgb c, int thickness_or_fill,
                  float alpha)
{
    const float v[3] = {x, y, radius};
    if (!finite_pts(v, 3) || radius < 0)
        return;
    try {
        float pad = radius + (float)std::max(thickness_or_fill, 1) + 2;
        draw_alpha(img, bbox(x, y, x, y, pad), alpha, [&](cv::Mat &m, cv::Point off) {
            cv::circle(m, fixpt(x, y, off), (int)std::lround(radius * (1 << kShift)), colour(c),
                       thickness_or_fill < 0 ? cv::FILLED : thickness_or_fill, cv::LINE_AA,
                       kShift);
        });
    } catch (...) {
    }
}

} // extern "C"

namespace {

const cv::HersheyFonts kFont = cv::FONT_HERSHEY_SIMPLEX;

/* The degree sign: the text is cut at each GS_CV_DEGREE and a ring drawn there (the Hershey
 * fonts have no glyph for it). */
bool is_degree(const char *p)
{
    return (unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xB0;
}

/*
 * The ring of one degree sign after text of cap height h (getTextSize's height, the digits'
 * height) drawn with line thickness th: radius 0.17 h, so that its outer size is about 0.4 of a
 * digit's height, as a degree sign in printed type; its top at the digits' top; 0.1 h of space
 * before it (the Hershey digits' own space after them is under a pixel at small sizes) and
 * 0.15 h after it.
 */
struct ring_metrics {
    double r, before, adv;
};

ring_metrics ring_of(int h, int th)
{
    ring_metrics m;
    m.r = std::max(0.17 * h, 1.2);
    m.before = std::max(0.1 * h, 1.0);
    m.adv = m.before + 2 * m.r + th + 0.15 * h;
    return m;
}

/* Walks the text's ASCII runs and degree signs from x: run(seg, x) for each run and ring(cx)
 * for each sign; returns the pen's end (the advance, without the stroke's thickness). */
template <typename Run, typename Ring>
double text_walk(const char *t, double fs, int th, Run run, Ring ring)
{
    int base = 0;
    int h = cv::getTextSize("0", kFont, fs, th, &base).height;
    ring_metrics rm = ring_of(h, th);
    double x = 0;
    std::string seg;
    for (const char *p = t;; p++) {
        bool deg = *p && is_degree(p);
        if (*p && !deg) {
            seg.push_back(*p);
            continue;
        }
        if (!seg.empty()) {
            run(seg, x);
            x += cv::getTextSize(seg, kFont, fs, th, &base).width - th;
            seg.clear();
        }
        if (!*p)
            break;
        ring(x + rm.before + 0.5 * th + rm.r, rm.r, h);
        x += rm.adv;
        p++; /* the sign's second byte */
    }
    return x;
}

} // namespace

extern "C" {

void gs_cv_text_size(const char *ascii, float scale, int thickness, int32_t *w, int32_t *h)
{
    int base = 0;
    cv::Size s(0, 0);
    try {
        int th = std::max(thickness, 1);
        double fs = scale * 0.75;
        s = cv::getTextSize("", kFont, fs, th, &base);
        double adv = text_walk(
            ascii ? ascii : "", fs, th, [](const std::string &, double) {},
            [](double, double, int) {});
        s.width = (int)std::lround(adv + th);
    } catch (...) {
    }
    if (w)
        *w = s.width;
    if (h)
        *h = s.height + base;
}

void gs_cv_text(gs_image *img, const char *ascii, float x, float y, float scale, gs_rgb c,
                int thickness, float alpha)
{
    const float v[3] = {x, y, scale};
    if (!ascii || !finite_pts(v, 3) || scale <= 0)
        return;
    try {
        int32_t w = 0, h = 0;
        int th = std::max(thickness, 1);
        double fs = scale * 0.75;
        gs_cv_text_size(ascii, scale, thickness, &w, &h);
        draw_alpha(img, bbox(x, y - (float)h, x + (float)w, y + (float)h * 0.5f, 4), alpha,
                   [&](cv::Mat &m, cv::Point off) {
                       text_walk(
                           ascii, fs, th,
                           [&](const std::string &seg, double dx) {
                               cv::putText(m, seg,
                                           cv::Point((int)std::lround(x + dx + off.x),
                                                     (int)std::lround(y + off.y)),
                                           kFont, fs, colour(c), th, cv::LINE_AA);
                           },
                           [&](double dx, double r, int cap) {
                               /* the ring's top at the digits' top (the stroke inside it) */
                               float cx = x + (float)dx + 0.5f,
                                     cy = y - (float)cap + (float)r + 0.5f * th + 0.5f;
                               cv::circle(m, fixpt(cx, cy, off),
                                          (int)std::lround(r * (1 << kShift)), colour(c), th,
                                          cv::LINE_AA, kShift);
                           });
                   });
    } catch (...) {
    }
}

void gs_cv_polygon_fill(gs_image *img, const float *xy, int n_points, gs_rgb c, float alpha)
{
    if (!xy || n_points < 3 || n_points > 4096 || !finite_pts(xy, 2 * n_points))
        return;
    try {
        float lx = xy[0], hx = xy[0], ly = xy[1], hy = xy[1];
        for (int i = 1; i < n_points; i++) {
            lx = std::min(lx, xy[2 * i]);
            hx = std::max(hx, xy[2 * i]);
            ly = std::min(ly, xy[2 * i + 1]);
            hy = std::max(hy, xy[2 * i + 1]);
        }
        draw_alpha(img, bbox(lx, ly, hx, hy, 2), alpha, [&](cv::Mat &m, cv::Point off) {
            std::vector<cv::Point> pts((size_t)n_points);
            for (int i = 0; i < n_points; i++)
                pts[(size_t)i] = fixpt(xy[2 * i], xy[2 * i + 1], off);
            cv::fillPoly(m, std::vector<std::vector<cv::Point>>{pts}, colour(c), cv::LINE_AA,
                         kShift);
        });
    } catch (...) {
    }
}

void gs_cv_rect_fill(gs_image *img, float x0, float y0, float x1, float y1, gs_rgb c,
                     float alpha)
{
    const float p[8] = {x0, y0, x1, y0, x1, y1, x0, y1};
    gs_cv_polygon_fill(img, p, 4, c, alpha);
}

void gs_cv_blur_box(gs_image *img, int32_t x0, int32_t y0, int32_t x1, int32_t y1)
{
    if (!img || !img->data)
        return;
    try {
        cv::Rect box = cv::Rect(cv::Point(std::min(x0, x1), std::min(y0, y1)),
                                cv::Point(std::max(x0, x1), std::max(y0, y1))) &
                       cv::Rect(0, 0, img->width, img->height);
        if (box.width < 2 || box.height < 2)
            return;
        cv::Mat roi = wrap(img)(box);
        // A kernel about a third of the box wipes out facial features at any size.
        int k = std::max(3, (std::min(box.width, box.height) / 3) | 1);
        cv::GaussianBlur(roi, roi, cv::Size(k, k), 0);
    } catch (...) {
    }
}

gs_status gs_cv_chessboard_find(const gs_image *img, int32_t cols, int32_t rows, double *xy,
                                int *found, gs_error *err)
{
    if (found)
        *found = 0;
    if (!img || !img->data || img->width <= 0 || img->height <= 0 || cols < 2 || rows < 2 ||
        cols > 1000 || rows > 1000 || !xy || !found)
        return gs_fail(err, GS_ERR_ARG, "chessboard: empty image or board size");
    try {
        cv::Mat grey;
        cv::cvtColor(wrap(img), grey, cv::COLOR_RGB2GRAY);
        // The corner search is the slow part and does not need full resolution: run it on a copy
        // at most 1280 px wide, then refine on the full image.
        double s = grey.cols > 1280 ? 1280.0 / grey.cols : 1.0;
        cv::Mat small = grey;
        if (s < 1.0)
            cv::resize(grey, small, cv::Size(), s, s, cv::INTER_AREA);
        std::vector<cv::Point2f> c;
        // ADAPTIVE_THRESH + NORMALIZE_IMAGE are OpenCV's defaults (uneven light on a screen or
        // paper); FAST_CHECK returns quickly on frames without a board, most of a video.
        bool ok = cv::findChessboardCorners(
            small, cv::Size(cols, rows), c,
            cv::CALIB_CB_ADAPTIVE_THRESH | cv::CALIB_CB_NORMALIZE_IMAGE | cv::CALIB_CB_FAST_CHECK);
        if (!ok || c.size() != (size_t)cols * (size_t)rows)
            return GS_OK;
        for (auto &p : c) {
            p.x = (float)((p.x + kHalf) / s - kHalf);
            p.y = (float)((p.y + kHalf) / s - kHalf);
        }
        // Refinement window: cornerSubPix fits the saddle point from the gradients inside it, so
        // it must stay clear of the neighbouring corners: 0.4 of the shortest corner spacing,
        // at most 11 (OpenCV's calibration sample uses an 11 px half-window).
        double dmin = 1e30;
        for (int r = 0; r < rows; r++)
            for (int q = 0; q < cols; q++) {
                const cv::Point2f &p = c[(size_t)r * cols + q];
                if (q + 1 < cols)
                    dmin = std::min(dmin, (double)cv::norm(p - c[(size_t)r * cols + q + 1]));
                if (r + 1 < rows)
                    dmin = std::min(dmin, (double)cv::norm(p - c[(size_t)(r + 1) * cols + q]));
            }
        int w = (int)std::floor(0.4 * dmin);
        w = std::max(2, std::min(11, w));
        cv::cornerSubPix(
            grey, c, cv::Size(w, w), cv::Size(-1, -1),
            cv::TermCriteria(cv::TermCriteria::EPS + cv::TermCriteria::COUNT, 50, 1e-3));
        for (size_t i = 0; i < c.size(); i++) {
            xy[2 * i] = c[i].x + kHalf;
            xy[2 * i + 1] = c[i].y + kHalf;
        }
        *found = 1;
    } catch (const cv::Exception &e) {
        return gs_fail(err, GS_ERR_INTERNAL, "chessboard: OpenCV: %s", e.what());
    } catch (...) {
        return gs_fail(err, GS_ERR_NOMEM, "chessboard: out of memory");
    }
    return GS_OK;
}

double gs_cv_mean_absdiff_u8(const uint8_t *a, const uint8_t *b, int32_t stride, int32_t w,
                             int32_t h)
{
    if (!a || !b || w <= 0 || h <= 0 || stride < w)
        return NAN;
    try {
        const cv::Mat ma(h, w, CV_8UC1, const_cast<uint8_t *>(a), (size_t)stride);
        const cv::Mat mb(h, w, CV_8UC1, const_cast<uint8_t *>(b), (size_t)stride);
        return cv::norm(ma, mb, cv::NORM_L1) / ((double)w * (double)h);
    } catch (...) {
        return NAN;
    }
}

gs_status gs_cv_sharpness(const gs_image *img, int32_t x0, int32_t y0, int32_t x1, int32_t y1,
                          double *var_lap, gs_error *err)
{
    if (!img || !img->data || img->width <= 0 || img->height <= 0 || !var_lap)
        return gs_fail(err, GS_ERR_ARG, "sharpness: empty image");
    try {
        cv::Rect box = x1 > x0 && y1 > y0 ? cv::Rect(cv::Point(x0, y0), cv::Point(x1, y1))
                                          : cv::Rect(0, 0, img->width, img->height);
        box &= cv::Rect(0, 0, img->width, img->height);
        if (box.width < 3 || box.height < 3)
            return gs_fail(err, GS_ERR_ARG, "sharpness: empty region");
        cv::Mat grey;
        cv::cvtColor(wrap(img)(box), grey, cv::COLOR_RGB2GRAY);
        // Measured at one scale (the full frame reduced to <= 960 px wide) so that regions of
        // different frames of a video compare; box sizes do not change the pixel scale.
        double s = img->width > 960 ? 960.0 / img->width : 1.0;
        if (s < 1.0 && grey.cols * s >= 3 && grey.rows * s >= 3)
            cv::resize(grey, grey, cv::Size(), s, s, cv::INTER_AREA);
        cv::Mat lap;
        cv::Laplacian(grey, lap, CV_64F);
        cv::Scalar mean, sd;
        cv::meanStdDev(lap, mean, sd);
        *var_lap = sd[0] * sd[0];
    } catch (const cv::Exception &e) {
        return gs_fail(err, GS_ERR_INTERNAL, "sharpness: OpenCV: %s", e.what());
    } catch (...) {
        return gs_fail(err, GS_ERR_NOMEM, "sharpness: out of memory");
    }
    return GS_OK;
}

gs_status gs_cv_calibrate(gs_cv_lens lens, int32_t width, int32_t height, int32_t n_views,
                          int32_t n_points, const double *obj_xyz, const double *img_xy,
                          gs_cv_camera *out, gs_cv_calib_result *res, double *view_rms_px,
                          gs_error *err)
{
    gs_cv_calib_result r0;
    if (!res)
        res = &r0;
    res->rms_px = NAN;
    res->bad_view = -1;
    if (width <= 0 || height <= 0 || n_views < 2 || n_points < 4 || !obj_xyz || !img_xy || !out ||
        (lens != GS_CV_LENS_STANDARD && lens != GS_CV_LENS_FISHEYE))
        return gs_fail(err, GS_ERR_ARG, "calibrate: need at least 2 views of 4 points");
    if (!finite_d(obj_xyz, (size_t)n_points * 3) ||
        !finite_d(img_xy, (size_t)n_views * (size_t)n_points * 2))
        return gs_fail(err, GS_ERR_ARG, "calibrate: non-finite point");
    try {
        std::vector<cv::Point3f> board((size_t)n_points);
        for (int32_t i = 0; i < n_points; i++)
            board[(size_t)i] = cv::Point3f((float)obj_xyz[3 * i], (float)obj_xyz[3 * i + 1],
                                           (float)obj_xyz[3 * i + 2]);
        std::vector<std::vector<cv::Point3f>> obj((size_t)n_views, board);
        std::vector<std::vector<cv::Point2f>> img((size_t)n_views);
        for (int32_t v = 0; v < n_views; v++) {
            img[(size_t)v].resize((size_t)n_points);
            for (int32_t i = 0; i < n_points; i++) {
                const double *p = img_xy + ((size_t)v * (size_t)n_points + (size_t)i) * 2;
                img[(size_t)v][(size_t)i] =
                    cv::Point2f((float)(p[0] - kHalf), (float)(p[1] - kHalf));
            }
        }
        cv::Mat K, D;
        std::vector<cv::Mat> rv, tv;
        cv::TermCriteria crit(cv::TermCriteria::COUNT + cv::TermCriteria::EPS, 100, DBL_EPSILON);
        gs_cv_camera cam;
        std::memset(&cam, 0, sizeof(cam));
        cam.lens = lens;
        cam.width = width;
        cam.height = height;
        if (lens == GS_CV_LENS_FISHEYE) {
            K = cv::Mat::eye(3, 3, CV_64F);
            D = cv::Mat::zeros(4, 1, CV_64F);
            int flags = cv::fisheye::CALIB_RECOMPUTE_EXTRINSIC | cv::fisheye::CALIB_CHECK_COND |
                        cv::fisheye::CALIB_FIX_SKEW;
            try {
                cv::fisheye::calibrate(obj, img, cv::Size(width, height), K, D, rv, tv, flags,
                                       crit);
            } catch (const cv::Exception &e) {
                // OpenCV 4.6 (fisheye.cpp CalibrateExtrinsics) reports a view whose Jacobian is
                // ill-conditioned as "CALIB_CHECK_COND - Ill-conditioned matrix for input array
                // %d": keep the index so the caller can drop that view and fit again.
                const char *m = std::strstr(e.what(), "input array ");
                if (m)
                    res->bad_view = (int32_t)std::atoi(m + std::strlen("input array "));
                if (res->bad_view < 0 || res->bad_view >= n_views)
                    res->bad_view = -1;
                const char *msg = e.err.empty() ? e.what() : e.err.c_str();
                return gs_fail(err, GS_ERR_FORMAT, "calibrate (fisheye): %s", msg);
            }
            cam.n_dist = 4;
        } else {
            cv::calibrateCamera(obj, img, cv::Size(width, height), K, D, rv, tv, 0, crit);
            cam.n_dist = (int32_t)std::min<size_t>(D.total(), GS_CV_MAX_DIST);
        }
        K.convertTo(K, CV_64F);
        D.convertTo(D, CV_64F);
        for (int i = 0; i < 9; i++)
            cam.k[i] = K.at<double>(i / 3, i % 3);
        for (int i = 0; i < cam.n_dist; i++)
            cam.dist[i] = D.at<double>(i);
        if (!camera_ok(&cam) || rv.size() != (size_t)n_views || tv.size() != (size_t)n_views)
            return gs_fail(err, GS_ERR_FORMAT, "calibrate: the fit gave no valid camera");
        // RMS recomputed the same way for both models (OpenCV's two functions report it
        // differently), from the fitted poses.
        double sum = 0;
        for (int32_t v = 0; v < n_views; v++) {
            std::vector<cv::Point2d> px;
            project_view(&cam, board, rv[(size_t)v], tv[(size_t)v], px);
            double e = rms_of(img[(size_t)v], px);
            if (view_rms_px)
                view_rms_px[v] = e;
            sum += e * e * n_points;
        }
        res->rms_px = std::sqrt(sum / ((double)n_views * n_points));
        *out = cam;
    } catch (const cv::Exception &e) {
        const char *msg = e.err.empty() ? e.what() : e.err.c_str();
        return gs_fail(err, GS_ERR_FORMAT, "calibrate: %s", msg);
    } catch (...) {
        return gs_fail(err, GS_ERR_NOMEM, "calibrate: out of memory");
    }
    return GS_OK;
}

gs_status gs_cv_view_error(const gs_cv_camera *cam, int32_t n_points, const double *obj_xyz,
                           const double *img_xy, double *rms_px, gs_error *err)
{
    if (!camera_ok(cam) || n_points < 4 || !obj_xyz || !img_xy || !rms_px)
        return gs_fail(err, GS_ERR_ARG, "view error: bad camera or fewer than 4 points");
    if (!finite_d(obj_xyz, (size_t)n_points * 3) || !finite_d(img_xy, (size_t)n_points * 2))
        return gs_fail(err, GS_ERR_ARG, "view error: non-finite point");
    try {
        std::vector<cv::Point3f> obj((size_t)n_points);
        std::vector<cv::Point2f> img((size_t)n_points);
        for (int32_t i = 0; i < n_points; i++) {
            obj[(size_t)i] = cv::Point3f((float)obj_xyz[3 * i], (float)obj_xyz[3 * i + 1],
                                         (float)obj_xyz[3 * i + 2]);
            img[(size_t)i] =
                cv::Point2f((float)(img_xy[2 * i] - kHalf), (float)(img_xy[2 * i + 1] - kHalf));
        }
        cv::Mat K = camera_matrix(cam), D = dist_vector(cam), rvec, tvec;
        bool ok;
        if (cam->lens == GS_CV_LENS_FISHEYE) {
            // solvePnP has no fisheye model: solve on normalised undistorted points instead.
            std::vector<cv::Point2f> und;
            cv::fisheye::undistortPoints(img, und, K, D);
            ok = cv::solvePnP(obj, und, cv::Mat::eye(3, 3, CV_64F), cv::noArray(), rvec, tvec,
                              false, cv::SOLVEPNP_ITERATIVE);
        } else {
            ok = cv::solvePnP(obj, img, K, D, rvec, tvec, false, cv::SOLVEPNP_ITERATIVE);
        }
        if (!ok)
            return gs_fail(err, GS_ERR_FORMAT, "view error: no pose found for the view");
        std::vector<cv::Point2d> px;
        project_view(cam, obj, rvec, tvec, px);
        *rms_px = rms_of(img, px);
    } catch (const cv::Exception &e) {
        const char *msg = e.err.empty() ? e.what() : e.err.c_str();
        return gs_fail(err, GS_ERR_FORMAT, "view error: %s", msg);
    } catch (...) {
        return gs_fail(err, GS_ERR_NOMEM, "view error: out of memory");
    }
    return GS_OK;
}

gs_status gs_cv_undistort_points(const gs_cv_camera *cam, double *xy, int32_t n, gs_error *err)
{
    if (!camera_ok(cam) || n < 0 || (n > 0 && !xy))
        return gs_fail(err, GS_ERR_ARG, "undistort: bad camera (model, matrix or coefficients)");
    if (n == 0)
        return GS_OK;
    try {
        std::vector<cv::Point2d> src, dst;
        std::vector<int32_t> idx;
        for (int32_t i = 0; i < n; i++)
            if (std::isfinite(xy[2 * i]) && std::isfinite(xy[2 * i + 1])) {
                src.emplace_back(xy[2 * i] - kHalf, xy[2 * i + 1] - kHalf);
                idx.push_back(i);
            }
        if (src.empty())
            return GS_OK;
        cv::Mat K = camera_matrix(cam), D = dist_vector(cam);
        cv::TermCriteria crit(cv::TermCriteria::COUNT + cv::TermCriteria::EPS, 100, 1e-9);
        std::vector<cv::Point2d> norm;
        // Normalised coordinates first (P empty), so that the result can be checked by
        // distorting it again: OpenCV's iteration can stop short for points far outside the
        // calibrated field, and such a point must not pass as corrected.
        if (cam->lens == GS_CV_LENS_FISHEYE)
            cv::fisheye::undistortPoints(src, norm, K, D, cv::noArray(), cv::noArray(), crit);
        else
            cv::undistortPoints(src, norm, K, D, cv::noArray(), cv::noArray(), crit);
        std::vector<cv::Point3d> rays(norm.size());
        for (size_t i = 0; i < norm.size(); i++)
            rays[i] = cv::Point3d(norm[i].x, norm[i].y, 1.0);
        std::vector<cv::Point2d> back;
        distort_normalised(cam, rays, back);
        const double fx = cam->k[0], s = cam->k[1], cx = cam->k[2], fy = cam->k[4], cy = cam->k[5];
        for (size_t j = 0; j < norm.size(); j++) {
            double *p = xy + 2 * (size_t)idx[j];
            double bx = back[j].x - src[j].x, by = back[j].y - src[j].y;
            // 0.01 px: far below landmark noise; a failed iteration misses by pixels or more.
            if (!std::isfinite(norm[j].x) || !std::isfinite(norm[j].y) ||
                std::sqrt(bx * bx + by * by) > 0.01) {
                p[0] = p[1] = NAN;
                continue;
            }
            p[0] = fx * norm[j].x + s * norm[j].y + cx + kHalf;
            p[1] = fy * norm[j].y + cy + kHalf;
        }
    } catch (const cv::Exception &e) {
        const char *msg = e.err.empty() ? e.what() : e.err.c_str();
        return gs_fail(err, GS_ERR_INTERNAL, "undistort: OpenCV: %s", msg);
    } catch (...) {
        return gs_fail(err, GS_ERR_NOMEM, "undistort: out of memory");
    }
    return GS_OK;
}

gs_status gs_cv_project_points(const gs_cv_camera *cam, const double rvec[3], const double tvec[3],
                               const double *obj_xyz, int32_t n, double *img_xy, gs_error *err)
{
    if (!camera_ok(cam) || n < 0 || (n > 0 && (!obj_xyz || !img_xy)))
        return gs_fail(err, GS_ERR_ARG, "project: bad camera (model, matrix or coefficients)");
    if (n == 0)
        return GS_OK;
    try {
        std::vector<cv::Point3d> obj((size_t)n);
        for (int32_t i = 0; i < n; i++)
            obj[(size_t)i] = cv::Point3d(obj_xyz[3 * i], obj_xyz[3 * i + 1], obj_xyz[3 * i + 2]);
        cv::Mat r = cv::Mat::zeros(3, 1, CV_64F), t = cv::Mat::zeros(3, 1, CV_64F);
        for (int i = 0; i < 3; i++) {
            if (rvec)
                r.at<double>(i) = rvec[i];
            if (tvec)
                t.at<double>(i) = tvec[i];
        }
        std::vector<cv::Point2d> px;
        cv::Mat K = camera_matrix(cam), D = dist_vector(cam);
        if (cam->lens == GS_CV_LENS_FISHEYE)
            cv::fisheye::projectPoints(obj, px, r, t, K, D);
        else
            cv::projectPoints(obj, r, t, K, D, px);
        for (int32_t i = 0; i < n; i++) {
            img_xy[2 * i] = px[(size_t)i].x + kHalf;
            img_xy[2 * i + 1] = px[(size_t)i].y + kHalf;
        }
    } catch (const cv::Exception &e) {
        const char *msg = e.err.empty() ? e.what() : e.err.c_str();
        return gs_fail(err, GS_ERR_INTERNAL, "project: OpenCV: %s", msg);
    } catch (...) {
        return gs_fail(err, GS_ERR_NOMEM, "project: out of memory");
    }
    return GS_OK;
}

} // extern "C"
