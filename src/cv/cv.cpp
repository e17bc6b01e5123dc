// gaitscope cv: the C API of cv.h implemented on OpenCV 4.6. The only OpenCV user in the tree.
// C++ is confined to this file; every entry point catches exceptions so none crosses into C.
#include "cv.h"

#include <algorithm>
#include <cmath>
#include <cstring>

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

void gs_cv_text_size(const char *ascii, float scale, int thickness, int32_t *w, int32_t *h)
{
    int base = 0;
    cv::Size s(0, 0);
    try {
        s = cv::getTextSize(ascii ? ascii : "", cv::FONT_HERSHEY_SIMPLEX, scale * 0.75,
                            std::max(thickness, 1), &base);
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
        gs_cv_text_size(ascii, scale, thickness, &w, &h);
        draw_alpha(img, bbox(x, y - (float)h, x + (float)w, y + (float)h * 0.5f, 4), alpha,
                   [&](cv::Mat &m, cv::Point off) {
                       cv::putText(m, ascii,
                                   cv::Point((int)std::lround(x + off.x),
                                             (int)std::lround(y + off.y)),
                                   cv::FONT_HERSHEY_SIMPLEX, scale * 0.75, colour(c),
                                   std::max(thickness, 1), cv::LINE_AA);
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

} // extern "C"
