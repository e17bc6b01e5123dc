/*
 * The overlay clip and the key frames: a second decoding pass over the source draws the cleaned
 * track (person's left orange, right blue, faded where BlazePose's visibility is low), the live
 * joint angles next to the joints, a marker and label at every initial contact and toe-off, a
 * running knee-angle plot with the current time, and the findings' evidence on the strides where
 * they show. Frames are streamed: one RGB copy is drawn on and encoded, nothing accumulates but
 * the small contact-sheet tiles.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cv.h"
#include "report.h"

/* by bone side (pose.h gs_kp_bones): centre, left, right */
static const gs_rgb colours[3] = {{240, 240, 240}, {255, 140, 0}, {30, 144, 255}};
static const gs_rgb red = {235, 40, 40}, white = {255, 255, 255}, black = {0, 0, 0};
/* the findings' banner: white on this red (red text on the angle labels' translucent black
 * could not be read, least of all on run_rear_treadmill_01's 464 px wide clip) */
static const gs_rgb banner_red = {190, 25, 25};

typedef struct draw_ctx {
    gs_image img;
    float s;      /* size scale: 1 at 720 px on the short side */
    int thick;    /* line thickness, px */
    float sx, sy; /* image px per track px (< 1 when the clip is scaled down) */
    /* the labels drawn on frame prev_index (the overlay's pass draws frames in order; a label
     * glides from where it was instead of jumping, gs_overlay_frame_labels) */
    gs_overlay_label prev[GS_OVERLAY_MAX_LABELS];
    int n_prev;
    int64_t prev_index;
    int still; /* 1: a key frame (gs_overlay_event_shown) */
} draw_ctx;

/* How long the overlay clip shows an IC/TO mark after its event, s (fading) */
#define EVENT_MARK_S 0.25

static float vis_alpha(float v)
{
    /* Low-visibility points fade but never vanish: a therapist should see that they are
     * guesses, not lose them. */
    float a = (v - 0.3f) / 0.5f;
    a = a < 0 ? 0 : (a > 1 ? 1 : a);
    return 0.25f + 0.75f * a;
}

/* The drawing's size scale of a frame: 1 at 720 px on the short side, at least 0.5. */
static float draw_scale(int32_t w, int32_t h)
{
    float s = (float)(w < h ? w : h) / 720.0f;
    return s < 0.5f ? 0.5f : s;
}

static int draw_thickness(float s)
{
    return (int)lroundf(3 * s) < 2 ? 2 : (int)lroundf(3 * s);
}

/* A joint dot's radius (draw_skeleton) and an IC/TO mark's ring's to its line's outer edge
 * (draw_labels), px at size scale s. */
static float dot_radius(float s)
{
    return 1.4f * (float)draw_thickness(s);
}

static float ring_radius(float s)
{
    return 14 * s + 0.5f * (float)draw_thickness(s);
}

/* From a joint to the text of its angle label, px sideways: 10 s, and at least so much that the
 * label's box (3 px wider) keeps 1 px clear of the joint's dot (at small sizes 10 s did not). */
static float angle_gap(float s)
{
    return fmaxf(10 * s, dot_radius(s) + 4);
}

/* The box label() draws behind txt written from x, y (baseline) at scale. */
static gs_label_box box_at(const char *txt, float scale, float x, float y)
{
    int32_t w = 0, h = 0;
    gs_cv_text_size(txt, scale, 1, &w, &h);
    return (gs_label_box){x, y, x - 3, y - (float)h, x + (float)w + 3, y + 4};
}

static void box_move(gs_label_box *b, float dx, float dy)
{
    b->x += dx;
    b->x0 += dx;
    b->x1 += dx;
    b->y += dy;
    b->y0 += dy;
    b->y1 += dy;
}

/* Moves b in from the edges of a W x H picture (a box larger than the picture keeps its top
 * left corner inside). */
static void box_clamp(gs_label_box *b, int32_t W, int32_t H)
{
    float dx = b->x1 > (float)W ? (float)W - b->x1 : 0,
          dy = b->y1 > (float)H ? (float)H - b->y1 : 0;
    if (b->x0 + dx < 0)
        dx = -b->x0;
    if (b->y0 + dy < 0)
        dy = -b->y0;
    box_move(b, dx, dy);
}

static void label_in(draw_ctx *c, const char *txt, const gs_label_box *b, float scale, gs_rgb col)
{
    gs_cv_rect_fill(&c->img, b->x0, b->y0, b->x1, b->y1, black, 0.55f);
    gs_cv_text(&c->img, txt, b->x, b->y, scale, col, scale > 0.9f ? 2 : 1, 1.0f);
}

static void label(draw_ctx *c, const char *txt, float x, float y, float scale, gs_rgb col)
{
    gs_label_box b = box_at(txt, scale, x, y);
    label_in(c, txt, &b, scale, col);
}

void gs_overlay_place_angle_labels(const char *txt_left, float lx, float ly, const char *txt_right,
                                   float rx, float ry, float s, int32_t frame_w, int32_t frame_h,
                                   gs_label_box out[2])
{
    const float ts = 0.55f * s, pad = 2, ramp = 10 * s;
    memset(out, 0, 2 * sizeof(*out));
    if (txt_left) {
        /* left of the joint: measured first so that its text ends angle_gap from the joint */
        gs_label_box b = box_at(txt_left, ts, 0, 0);
        out[0] = box_at(txt_left, ts, lx - (b.x1 - 3) - angle_gap(s), ly + 5 * s);
        box_clamp(&out[0], frame_w, frame_h);
    }
    if (txt_right) {
        out[1] = box_at(txt_right, ts, rx + angle_gap(s), ry + 5 * s);
        box_clamp(&out[1], frame_w, frame_h);
    }
    if (!txt_left || !txt_right)
        return;
    gs_label_box *L = &out[0], *R = &out[1];
    /* how far the boxes (plus pad) overlap sideways: > 0 they would touch; the vertical move
     * reaches its full size there and fades to none ramp px before */
    float ox = fminf(L->x1, R->x1) - fmaxf(L->x0, R->x0) + pad;
    float f = fminf(fmaxf((ox + ramp) / ramp, 0), 1);
    float need_r = L->y1 + pad - R->y0; /* the right one below the left one */
    float need_l = R->y1 + pad - L->y0; /* the left one below the right one */
    if (f <= 0 || need_r <= 0 || need_l <= 0)
        return; /* apart sideways or up and down */
    gs_label_box *below = need_r <= need_l ? R : L, *above = below == R ? L : R;
    float d = 0.5f * f * fminf(need_r, need_l);
    box_move(below, 0, d);
    box_move(above, 0, -d);
    /* back inside together, so that they stay apart */
    if (below->y1 > (float)frame_h) {
        float e = below->y1 - (float)frame_h;
        box_move(below, 0, -e);
        box_move(above, 0, -e);
    }
    if (above->y0 < 0) {
        float e = -above->y0;
        box_move(below, 0, e);
        box_move(above, 0, e);
    }
}

/* An IC/TO mark's label's place before the picture's edges: 16 s right of the foot point and
 * its baseline 26 s under it, further right where its box's top left corner would come within
 * 2.5 px of the mark's ring (2 px apart, as labels are, and a rounding margin: the corner was
 * 0.3 px clear of the line at 720 px and inside the ring on smaller pictures). */
static gs_label_box event_box(const char *txt, float fx, float fy, float s)
{
    gs_label_box b = box_at(txt, 0.7f * s, fx + 16 * s, fy + 26 * s);
    float r = ring_radius(s) + 2.5f, dx = b.x0 - fx, dy = b.y0 - fy;
    if (dy < r && hypotf(dx, dy) < r)
        box_move(&b, (dy > 0 ? sqrtf(r * r - dy * dy) : r) - dx, 0);
    return b;
}

/* An IC/TO mark's label's own place: event_box moved in from the picture's edges. */
static gs_label_box event_home(const char *txt, float fx, float fy, float s, int32_t W, int32_t H)
{
    gs_label_box b = event_box(txt, fx, fy, s);
    box_clamp(&b, W, H);
    return b;
}

/* Moves b in from the edges of the box r = {x0, y0, x1, y1} (a box larger than r keeps its top
 * left corner inside). */
static void box_clamp_to(gs_label_box *b, const float r[4])
{
    float dx = b->x1 > r[2] ? r[2] - b->x1 : 0, dy = b->y1 > r[3] ? r[3] - b->y1 : 0;
    if (b->x0 + dx < r[0])
        dx = r[0] - b->x0;
    if (b->y0 + dy < r[1])
        dy = r[1] - b->y0;
    box_move(b, dx, dy);
}

/* Distance from the point x, y to the box b (0 inside it). */
static float box_dist(const gs_label_box *b, float x, float y)
{
    float dx = x < b->x0 ? b->x0 - x : x > b->x1 ? x - b->x1 : 0;
    float dy = y < b->y0 ? b->y0 - y : y > b->y1 ? y - b->y1 : 0;
    return hypotf(dx, dy);
}

/* Length of the segment a-b inside the box x0, y0, x1, y1 (Liang-Barsky clipping), px. */
static float segment_in_box(const float seg[4], float x0, float y0, float x1, float y1)
{
    float t0 = 0, t1 = 1, dx = seg[2] - seg[0], dy = seg[3] - seg[1];
    const float p[4] = {-dx, dx, -dy, dy};
    const float q[4] = {seg[0] - x0, x1 - seg[0], seg[1] - y0, y1 - seg[1]};
    for (int k = 0; k < 4; k++) {
        if (p[k] == 0) {
            if (q[k] < 0)
                return 0;
            continue;
        }
        float r = q[k] / p[k];
        if (p[k] < 0)
            t0 = fmaxf(t0, r);
        else
            t1 = fminf(t1, r);
    }
    return t1 > t0 ? (t1 - t0) * hypotf(dx, dy) : 0;
}

/* What a label being placed keeps clear of and pays for covering (gs_overlay_place_labels):
 * the labels placed before it, the IC/TO marks' rings, the skeleton's joint dots and bone lines,
 * only those near enough to matter. */
typedef struct place_ctx {
    float pad;        /* px kept between labels, and round a ring */
    float ring_r;     /* a ring's radius to its line's outer edge */
    float dot_r;      /* a joint dot's radius */
    float half_thick; /* half a bone line's width */
    const gs_label_box *box[GS_OVERLAY_MAX_LABELS];
    int n_box;
    float ring[GS_OVERLAY_MAX_LABELS][2];
    int n_ring;
    float joint[GS_POSE_NKP][2];
    int n_joint;
    float bone[64][4];
    int n_bone;
} place_ctx;

/* The skeleton's joint dots (draw_skeleton): shoulders, elbows, wrists and the legs' points. */
static int is_dot(int k)
{
    return k >= 11 && k < GS_POSE_NKP && !(k >= 17 && k <= 22);
}

/* Fills c with what lies within the box w = {x0, y0, x1, y1} (grown by what reaches into it):
 * labels lab[0..n_placed), the rings of the IC/TO labels among lab[0..n), kp's dots and bones. */
static void place_ctx_near(place_ctx *c, const gs_overlay_label *lab, int n_placed, int n,
                           const gs_kp *kp, const float w[4])
{
    float g = c->pad + c->ring_r;
    c->n_box = c->n_ring = c->n_joint = c->n_bone = 0;
    for (int j = 0; j < n_placed; j++) {
        const gs_label_box *b = &lab[j].box;
        if (b->x1 + c->pad > w[0] && b->x0 - c->pad < w[2] && b->y1 + c->pad > w[1] &&
            b->y0 - c->pad < w[3])
            c->box[c->n_box++] = b;
    }
    for (int j = 0; j < n; j++)
        if (lab[j].kind == GS_OVERLAY_LABEL_EVENT && lab[j].ax + g > w[0] && lab[j].ax - g < w[2] &&
            lab[j].ay + g > w[1] && lab[j].ay - g < w[3]) {
            c->ring[c->n_ring][0] = lab[j].ax;
            c->ring[c->n_ring][1] = lab[j].ay;
            c->n_ring++;
        }
    if (!kp)
        return;
    for (int k = 0; k < GS_POSE_NKP; k++)
        if (is_dot(k) && kp[k].x + c->dot_r > w[0] && kp[k].x - c->dot_r < w[2] &&
            kp[k].y + c->dot_r > w[1] && kp[k].y - c->dot_r < w[3]) {
            c->joint[c->n_joint][0] = kp[k].x;
            c->joint[c->n_joint][1] = kp[k].y;
            c->n_joint++;
        }
    int n_bones;
    const gs_kp_bone *bones = gs_kp_bones(&n_bones);
    for (int i = 0; i < n_bones && c->n_bone < 64; i++) {
        const gs_kp *a = &kp[bones[i].a], *b = &kp[bones[i].b];
        float e = c->half_thick;
        if (bones[i].part == GS_KP_PART_HAND || !isfinite(a->x + a->y + b->x + b->y) ||
            fmaxf(a->x, b->x) + e <= w[0] || fminf(a->x, b->x) - e >= w[2] ||
            fmaxf(a->y, b->y) + e <= w[1] || fminf(a->y, b->y) - e >= w[3])
            continue;
        float *sg = c->bone[c->n_bone++];
        sg[0] = a->x;
        sg[1] = a->y;
        sg[2] = b->x;
        sg[3] = b->y;
    }
}

/* What a label pays for sitting at b (px of moving), INFINITY when b meets a placed label:
 * move px from its own place, PLACE_BONE px per px of bone line under it (its line's width
 * included) and, so that any place without them is cheaper, PLACE_COVER for each joint dot it
 * covers or for a place needing a leader line (further than reach from the label's point ax,
 * ay), PLACE_RING for each ring it meets. */
#define PLACE_BONE  2.0f
#define PLACE_COVER 1e4f
#define PLACE_RING  1e6f
/* A label moves at most PLACE_GLIDE label heights from one frame to the next, relative to its
 * point, unless a place further is cheaper by PLACE_JUMP label heights (gs_label_count counts a
 * move over half a height as a jump): covering a joint or a ring costs more, so it jumps clear
 * of them; bone lines it leaves by gliding. */
#define PLACE_GLIDE 0.45f
#define PLACE_JUMP  8.0f
static float place_cost(const place_ctx *c, const gs_label_box *b, float move, float ax, float ay,
                        float reach)
{
    float p = c->pad, e = c->half_thick, cost = move;
    for (int j = 0; j < c->n_box; j++) {
        const gs_label_box *t = c->box[j];
        if (b->x0 < t->x1 + p && t->x0 < b->x1 + p && b->y0 < t->y1 + p && t->y0 < b->y1 + p)
            return INFINITY;
    }
    for (int j = 0; j < c->n_ring; j++)
        cost += PLACE_RING * (box_dist(b, c->ring[j][0], c->ring[j][1]) < c->ring_r + p);
    for (int j = 0; j < c->n_joint; j++)
        cost += PLACE_COVER * (box_dist(b, c->joint[j][0], c->joint[j][1]) < c->dot_r);
    cost += PLACE_COVER * (box_dist(b, ax, ay) > reach);
    for (int j = 0; j < c->n_bone; j++)
        cost += PLACE_BONE * segment_in_box(c->bone[j], b->x0 - e, b->y0 - e, b->x1 + e, b->y1 + e);
    return cost;
}

static int box_within(const gs_label_box *b, const float r[4])
{
    return b->x0 >= r[0] && b->y0 >= r[1] && b->x1 <= r[2] && b->y1 <= r[3];
}

/* Where a label sits beside its point, as gs_overlay_label's jumps are measured: its box's side
 * toward the point and its middle height, relative to the point. */
static void label_offset(const gs_label_box *b, float ax, float ay, float off[2])
{
    off[0] = (ax >= 0.5f * (b->x0 + b->x1) ? b->x1 : b->x0) - ax;
    off[1] = 0.5f * (b->y0 + b->y1) - ay;
}

/* The cheapest place (place_cost, and PLACE_JUMP more for a place further than PLACE_GLIDE label
 * heights from where the label sat on the frame before, was: NULL none) for label l whose own
 * place is home among home's offsets on a grid of step px within rx sideways and ry up and down,
 * inside r: the grid's squares round home, nearest first, until none can be cheaper than the
 * best found (a square k steps out is moved at least k steps). *best (INFINITY: none found
 * yet) and *out are kept when nothing cheaper is found. */
static void cheapest_place(const place_ctx *c, const gs_overlay_label *l, const gs_label_box *home,
                           const float *was, const float r[4], float step, float rx, float ry,
                           float *best, gs_label_box *out)
{
    float bh = home->y1 - home->y0;
    int nx = (int)(rx / step), ny = (int)(ry / step), nk = nx > ny ? nx : ny;
    for (int k = 0; k <= nk && (float)k * step < *best; k++)
        for (int iy = -k; iy <= k; iy++) {
            if (iy < -ny || iy > ny)
                continue;
            /* the square's edge: its top and bottom rows whole, the rows between at both ends */
            int edge = iy == -k || iy == k;
            for (int ix = -k; ix <= k; ix += edge ? 1 : 2 * k) {
                if (ix < -nx || ix > nx)
                    continue;
                float dx = (float)ix * step, dy = (float)iy * step, move = hypotf(dx, dy);
                if (move >= *best)
                    continue;
                gs_label_box b = *home;
                box_move(&b, dx, dy);
                if (!box_within(&b, r))
                    continue;
                float cost = place_cost(c, &b, move, l->ax, l->ay, l->reach);
                if (was && cost < *best) {
                    float off[2];
                    label_offset(&b, l->ax, l->ay, off);
                    if (hypotf(off[0] - was[0], off[1] - was[1]) > PLACE_GLIDE * bh)
                        cost += PLACE_JUMP * bh;
                }
                if (cost < *best) {
                    *best = cost;
                    *out = b;
                }
                if (k == 0)
                    break;
            }
        }
}

/* 1 when a and b are the same label on two frames: kind, colour and name (the text's first
 * word). */
static int same_label(const gs_overlay_label *a, const gs_overlay_label *b)
{
    size_t n = strcspn(a->txt, " ");
    return a->kind == b->kind && a->colour == b->colour && strncmp(a->txt, b->txt, n) == 0 &&
           (b->txt[n] == ' ' || b->txt[n] == 0);
}

void gs_overlay_place_labels(gs_overlay_label *lab, int n, float s, int32_t W, int32_t H,
                             const float keep[4], const gs_kp *kp, const gs_overlay_label *prev,
                             int n_prev)
{
    const float step = fmaxf(1.0f, roundf(s));
    float pic[4] = {0, 0, (float)W, (float)H}, r[4] = {0, 0, (float)W, (float)H};
    place_ctx c;
    c.pad = 2;
    c.ring_r = ring_radius(s);
    c.dot_r = dot_radius(s);
    c.half_thick = 0.5f * (float)draw_thickness(s);
    if (keep) {
        r[0] = fmaxf(r[0], keep[0]);
        r[1] = fmaxf(r[1], keep[1]);
        r[2] = fminf(r[2], keep[2]);
        r[3] = fminf(r[3], keep[3]);
    }
    for (int i = 0; i < n; i++) {
        gs_label_box home = lab[i].box, b = home;
        float bw = home.x1 - home.x0, bh = home.y1 - home.y0, best = INFINITY;
        lab[i].reach = box_dist(&home, lab[i].ax, lab[i].ay) + bh;
        box_clamp(&home, W, H);
        if (bw <= r[2] - r[0] && bh <= r[3] - r[1])
            box_clamp_to(&home, r);
        /* near its own place: every place needing no leader line, on a grid of 1 s px (at least
         * 1), cheapest first; a place clear of the other labels, the rings and the joints is
         * always taken before one that is not, when there is one */
        float rx = bw + 2 * lab[i].reach + step, ry = bh + 2 * lab[i].reach + step;
        float w[4] = {home.x0 - rx, home.y0 - ry, home.x1 + rx, home.y1 + ry};
        float was[2], *wp = NULL;
        for (int j = 0; j < n_prev && prev && !wp; j++)
            if (same_label(&lab[i], &prev[j])) {
                label_offset(&prev[j].box, prev[j].ax, prev[j].ay, was);
                wp = was;
            }
        place_ctx_near(&c, lab, i, n, kp, w);
        cheapest_place(&c, &lab[i], &home, wp, r, step, rx, ry, &best, &b);
        if (best >= PLACE_COVER) {
            /* none: anywhere inside the body's box, then the picture, on a grid of half a
             * label height, covering a joint or needing a leader line as the costs weigh it */
            place_ctx_near(&c, lab, i, n, kp, pic);
            cheapest_place(&c, &lab[i], &home, wp, r, 0.5f * bh, r[2] - r[0], r[3] - r[1], &best,
                           &b);
            if (!isfinite(best))
                cheapest_place(&c, &lab[i], &home, wp, pic, 0.5f * bh, (float)W, (float)H, &best,
                               &b);
        }
        /* where nothing is free it stays at its own place, meeting another */
        lab[i].box = isfinite(best) ? b : home;
        /* a label further from its point than its reach is joined to the point by a line */
        lab[i].leader = box_dist(&lab[i].box, lab[i].ax, lab[i].ay) > lab[i].reach;
    }
}

static void draw_skeleton(draw_ctx *c, const gs_kp *kp)
{
    int n_bones;
    const gs_kp_bone *bones = gs_kp_bones(&n_bones);
    for (int i = 0; i < n_bones; i++) {
        const gs_kp *a = &kp[bones[i].a], *b = &kp[bones[i].b];
        float al = vis_alpha(a->vis < b->vis ? a->vis : b->vis);
        if (bones[i].part == GS_KP_PART_HAND)
            continue; /* hand points clutter the picture */
        gs_cv_line(&c->img, a->x, a->y, b->x, b->y, colours[bones[i].side], c->thick, al);
    }
    for (int i = 11; i < GS_POSE_NKP; i++) {
        if (i >= 17 && i <= 22)
            continue; /* hand points clutter the picture */
        int side = i % 2 ? 1 : 2;
        gs_cv_circle(&c->img, kp[i].x, kp[i].y, 1.4f * (float)c->thick, colours[side], -1,
                     vis_alpha(kp[i].vis));
    }
}

/* The head box used for --blur-faces: the face points widened to cover hair and chin. */
static void blur_head(gs_image *img, const gs_kp *kp)
{
    float x0 = 1e9f, y0 = 1e9f, x1 = -1e9f, y1 = -1e9f;
    for (int i = 0; i <= 10; i++) {
        x0 = fminf(x0, kp[i].x);
        x1 = fmaxf(x1, kp[i].x);
        y0 = fminf(y0, kp[i].y);
        y1 = fmaxf(y1, kp[i].y);
    }
    float sw = hypotf(kp[11].x - kp[12].x, kp[11].y - kp[12].y);
    float neck = hypotf(kp[0].x - 0.5f * (kp[11].x + kp[12].x), kp[0].y - 0.5f * (kp[11].y + kp[12].y));
    /* A side view shows one ear: the face points then span little, so the box is at least the
     * nose-to-shoulders distance wide and tall. */
    float size = fmaxf(fmaxf(x1 - x0, y1 - y0), fmaxf(0.5f * sw, 0.9f * neck)) * 1.6f;
    float cx = 0.5f * (x0 + x1), cy = 0.5f * (y0 + y1);
    if (!isfinite(size) || !isfinite(cx) || !isfinite(cy))
        return;
    gs_cv_blur_box(img, (int32_t)(cx - size / 2), (int32_t)(cy - size / 2),
                   (int32_t)(cx + size / 2), (int32_t)(cy + size / 2));
}


/*
 * A cropped key frame's own scale for what is written on it (the time stamp, the findings'
 * banners, the caption): the overlay's rule on the picture's size, but at least 1, so that a
 * small picture (a far figure scaled up 2x, 500-600 px wide) keeps text of the clip's size.
 */
static float crop_text_scale(int32_t out_w, int32_t out_h)
{
    float s = draw_scale(out_w, out_h);
    return s < 1.0f ? 1.0f : s;
}

/* Height of a cropped key frame's caption strip: two text heights of the caption's size. */
static int32_t crop_strip_h(float ts)
{
    int32_t w = 0, h = 0;
    gs_cv_text_size("LEFT initial contact", 0.7f * ts, 1, &w, &h);
    return 2 * h + 4;
}

/* The largest a crop is scaled up: linear interpolation beyond 2x only makes pixels bigger. */
#define CROP_MAX_ZOOM 2.0
/* Below this gain the whole frame is kept: its knee plot and surroundings are worth more than a
 * body shown at most 1.25 times larger. The gain is the frame's width over the box's: the report
 * shows every key frame at its column's width (report_html.c .frames), so a box half as wide as
 * the frame shows the body twice as large there, whatever the box's height. */
#define CROP_MIN_GAIN 1.25

/* The margins around the landmarks that keep what is drawn near the body inside a crop. */
typedef struct crop_margin {
    float side;        /* left and right, px */
    float bottom;      /* below the lowest landmark, px */
    float bottom_frac; /* and a fraction of the landmarks' height */
    float top;         /* above the highest, as a fraction of the landmarks' height */
    float top_px;      /* and px */
} crop_margin;

static crop_margin crop_margins(float s)
{
    crop_margin m;
    int32_t lw = 0, lh = 0;
    int thick = draw_thickness(s);
    /* Sideways: an angle label sits angle_gap (10 s) beside its joint, left labels left of it
     * and right ones right (gs_overlay_place_angle_labels), and a joint can be the body's
     * outermost point (a knee in front at contact, a hip from behind); the widest label is a
     * 6-letter name and a 4-character angle with its degree sign ("pelvis -100" and the ring) in
     * its box (3 px each side); a label moved clear of others stays inside this box too
     * (gs_overlay_place_labels). The IC/TO mark's label starts 16 s right of the heel or toe
     * (event_box). */
    gs_cv_text_size("pelvis -100" GS_CV_DEGREE, 0.55f * s, 1, &lw, &lh);
    m.side = fmaxf((float)lw + angle_gap(s) + 3, event_box("TO R", 0, 0, s).x1);
    /* Below the lowest landmark (a heel or toe): the IC/TO label's baseline is 26 s under it,
     * its box 4 px lower; the mark's ring has radius 14 s plus its line. And 4 % of the
     * landmarks' height of air, for the shoe's sole below the heel and toe points and so that
     * the label does not touch the picture's edge. */
    m.bottom = fmaxf(26 * s + 4, 14 * s + (float)thick);
    m.bottom_frac = 0.04f;
    /* Above: BlazePose's highest points are the eyes and ears. The eyes lie about half-way
     * down the head and a head is about an eighth of the stature (the figure-drawing canon), so
     * the crown is some 7 % of the eye-to-heel height above them; twice that leaves air for hair
     * and a head held forward (looked at on the team's clips: every head inside), plus a joint
     * dot's radius. */
    m.top = 0.14f;
    m.top_px = 1.4f * (float)thick;
    return m;
}

/* The box around landmarks kp (n of them, scaled by sx, sy into a W x H picture) with the
 * margins m: what a key frame's crop keeps of the drawing near the body. 0 when none is finite. */
static int body_box(const gs_kp *kp, int n, int32_t W, int32_t H, float sx, float sy,
                    const crop_margin *m, float box[4])
{
    float x0 = 1e30f, y0 = 1e30f, x1 = -1e30f, y1 = -1e30f;
    for (int k = 0; k < n; k++) {
        float x = kp[k].x * sx, y = kp[k].y * sy;
        if (!isfinite(x) || !isfinite(y))
            continue;
        /* a guessed point off the picture cannot be shown: the box stays inside the frame */
        x = fminf(fmaxf(x, 0), (float)W);
        y = fminf(fmaxf(y, 0), (float)H);
        x0 = fminf(x0, x);
        x1 = fmaxf(x1, x);
        y0 = fminf(y0, y);
        y1 = fmaxf(y1, y);
    }
    if (!(x1 >= x0 && y1 >= y0))
        return 0;
    box[0] = x0 - m->side;
    box[1] = y0 - m->top * (y1 - y0) - m->top_px;
    box[2] = x1 + m->side;
    box[3] = y1 + m->bottom + m->bottom_frac * (y1 - y0);
    return 1;
}

/* The box a key frame of landmarks p needs: 0 when there are none. */
static int crop_need(const gs_pose_frame *p, int32_t W, int32_t H, float sx, float sy,
                     const crop_margin *m, float box[4])
{
    if (!p || !p->has_kp)
        return 0;
    return body_box(p->kp, GS_POSE_NKP, W, H, sx, sy, m, box);
}

typedef struct angle_label {
    gs_angle angle;
    int kp_left, kp_right; /* where to write it */
    const char *abbr;
} angle_label;

double gs_overlay_event_shown(const gs_gait_event *e, int64_t frame, double t_s, int still)
{
    if (still) /* the frame nearest the event by time, as key frames are chosen */
        return fabs(e->frame - (double)frame) <= 0.5 ? 1.0 : 0.0;
    double age = t_s - e->t_s;
    if (age < -1e-6 || age > EVENT_MARK_S)
        return 0.0;
    return 1.0 - age / (EVENT_MARK_S + 0.05); /* fading, still visible at its last frame */
}

/* Appends a label to out[*n] (room for max): the box is where it is drawn. */
static void push_label(gs_overlay_label *out, int *n, int max, gs_overlay_label_kind kind,
                       const char *txt, float scale, int colour, float ax, float ay,
                       const gs_label_box *b)
{
    if (*n >= max)
        return;
    gs_overlay_label *l = &out[(*n)++];
    memset(l, 0, sizeof(*l));
    l->kind = kind;
    snprintf(l->txt, sizeof(l->txt), "%s", txt);
    l->scale = scale;
    l->colour = colour;
    l->ax = ax;
    l->ay = ay;
    l->box = *b;
}

int gs_overlay_frame_labels(const gs_gait_result *g, int64_t fi, double t_s, int still,
                            const gs_kp *kp, float s, int32_t W, int32_t H,
                            const gs_overlay_label *prev, int n_prev, gs_overlay_label *out,
                            int max)
{
    static const angle_label sag[] = {
        {GS_ANGLE_KNEE_FLEXION, 25, 26, "knee"},
        {GS_ANGLE_HIP_FLEXION, 23, 24, "hip"},
        {GS_ANGLE_ANKLE_DORSIFLEXION, 27, 28, "ankle"},
        {GS_ANGLE_KNEE_FPPA, 25, 26, "FPPA"},
        {GS_ANGLE_PELVIC_OBLIQUITY, 23, 24, "pelvis"},
    };
    float ts = 0.55f * s;
    int n = 0;
    if (!g || !kp || !out || max <= 0)
        return 0;
    for (size_t i = 0; i < sizeof(sag) / sizeof(sag[0]); i++) {
        char txt[2][48];
        const char *has[2] = {NULL, NULL};
        float px[2] = {0, 0}, py[2] = {0, 0};
        for (int side = 0; side < 2; side++) {
            double v = gs_gait_result_angle(g, (int32_t)fi, (gs_gait_side)side, sag[i].angle);
            const gs_kp *p = &kp[side == 0 ? sag[i].kp_left : sag[i].kp_right];
            if (!isfinite(v) || p->vis < 0.2f)
                continue;
            v = round(v) + 0.0; /* whole degrees, and no "-0" */
            snprintf(txt[side], sizeof(txt[side]), "%s %.0f" GS_CV_DEGREE, sag[i].abbr, v);
            has[side] = txt[side];
            px[side] = p->x;
            py[side] = p->y;
        }
        /* left labels to the left of the joint, right ones to the right, so the two legs'
         * numbers do not sit on each other in a side view; apart up and down when the legs
         * cross, and inside the picture */
        gs_label_box b[2];
        gs_overlay_place_angle_labels(has[0], px[0], py[0], has[1], px[1], py[1], s, W, H, b);
        for (int side = 0; side < 2; side++)
            if (has[side])
                push_label(out, &n, max, GS_OVERLAY_LABEL_ANGLE, has[side], ts, 1 + side, px[side],
                           py[side], &b[side]);
    }
    double trunk = gs_gait_result_angle(g, (int32_t)fi, GS_GAIT_SIDE_LEFT, GS_ANGLE_TRUNK_LEAN);
    if (isfinite(trunk)) {
        char txt[48];
        snprintf(txt, sizeof(txt), "trunk %.0f" GS_CV_DEGREE, round(trunk) + 0.0);
        float ax = 0.5f * (kp[11].x + kp[12].x), ay = 0.5f * (kp[11].y + kp[12].y);
        gs_label_box b = box_at(txt, ts, ax + angle_gap(s) + 2 * s, ay);
        box_clamp(&b, W, H);
        push_label(out, &n, max, GS_OVERLAY_LABEL_TRUNK, txt, ts, 0, ax, ay, &b);
    }
    int n_ev = 0;
    const gs_gait_event *ev = gs_gait_result_events(g, &n_ev);
    for (int i = 0; i < n_ev; i++) {
        if (gs_overlay_event_shown(&ev[i], fi, t_s, still) <= 0)
            continue;
        int left = ev[i].side == GS_GAIT_SIDE_LEFT;
        int k = ev[i].type == GS_GAIT_EVENT_IC ? (left ? 29 : 30) : (left ? 31 : 32);
        char txt[16];
        snprintf(txt, sizeof(txt), "%s %s", ev[i].type == GS_GAIT_EVENT_IC ? "IC" : "TO",
                 left ? "L" : "R");
        gs_label_box b = event_home(txt, kp[k].x, kp[k].y, s, W, H);
        push_label(out, &n, max, GS_OVERLAY_LABEL_EVENT, txt, 0.7f * s, left ? 1 : 2, kp[k].x,
                   kp[k].y, &b);
    }
    /* every label clear of every other, inside the box a key frame's crop keeps */
    float area[4];
    gs_overlay_place_labels(out, n, s, W, H, gs_overlay_label_area(kp, s, W, H, area) ? area : NULL,
                            kp, prev, n_prev);
    return n;
}

int gs_overlay_label_area(const gs_kp *kp, float s, int32_t W, int32_t H, float area[4])
{
    crop_margin m = crop_margins(s);
    float keep[4];
    area[0] = 0;
    area[1] = 0;
    area[2] = (float)W;
    area[3] = (float)H;
    if (!kp || !body_box(kp, GS_POSE_NKP, W, H, 1, 1, &m, keep))
        return 0;
    /* 2 px inside the crop's box, as labels keep from each other: a label's edge drawn on the
     * crop's edge was cut */
    area[0] = fmaxf(area[0], keep[0] + 2);
    area[1] = fmaxf(area[1], keep[1] + 2);
    area[2] = fminf(area[2], keep[2] - 2);
    area[3] = fminf(area[3], keep[3] - 2);
    return 1;
}

/* Draws one label: its leader line (when it sits far from its point), box and text. */
static void draw_label(draw_ctx *c, const gs_overlay_label *l)
{
    if (l->leader) {
        /* from the point to the nearest point of the box */
        float x = fminf(fmaxf(l->ax, l->box.x0), l->box.x1),
              y = fminf(fmaxf(l->ay, l->box.y0), l->box.y1);
        gs_cv_line(&c->img, l->ax, l->ay, x, y, colours[l->colour], 1, 0.8f);
    }
    label_in(c, l->txt, &l->box, l->scale, colours[l->colour]);
}

/* The angle and trunk labels, the IC/TO marks (a ring at the heel at contact, at the toe at
 * toe-off: in the clip for 0.25 s after it, fading; on a key frame only the events of that
 * frame, gs_overlay_event_shown) and their labels, in that order (placed clear of each
 * other: gs_overlay_frame_labels); the labels of the frame drawn before, when it was fi - 1,
 * are where they glide from. */
static void draw_labels(draw_ctx *c, const gs_gait_result *g, int64_t fi, double t, const gs_kp *kp)
{
    gs_overlay_label lab[GS_OVERLAY_MAX_LABELS];
    int n_lab = gs_overlay_frame_labels(g, fi, t, c->still, kp, c->s, c->img.width,
                                        c->img.height, c->prev,
                                        fi == c->prev_index + 1 ? c->n_prev : 0, lab,
                                        GS_OVERLAY_MAX_LABELS);
    memcpy(c->prev, lab, (size_t)n_lab * sizeof(*lab));
    c->n_prev = n_lab;
    c->prev_index = fi;
    for (int i = 0; i < n_lab; i++)
        if (lab[i].kind != GS_OVERLAY_LABEL_EVENT)
            draw_label(c, &lab[i]);
    int n = 0;
    const gs_gait_event *ev = gs_gait_result_events(g, &n);
    for (int i = 0; i < n; i++) {
        float a = (float)gs_overlay_event_shown(&ev[i], fi, t, c->still);
        if (a <= 0)
            continue;
        int left = ev[i].side == GS_GAIT_SIDE_LEFT;
        int k = ev[i].type == GS_GAIT_EVENT_IC ? (left ? 29 : 30) : (left ? 31 : 32);
        gs_cv_circle(&c->img, kp[k].x, kp[k].y, ring_radius(c->s) - 0.5f * (float)c->thick,
                     colours[left ? 1 : 2], c->thick, a);
    }
    for (int i = 0; i < n_lab; i++)
        if (lab[i].kind == GS_OVERLAY_LABEL_EVENT)
            draw_label(c, &lab[i]);
}

/* Size of the knee plot panel for an image. */
static void plot_size(const draw_ctx *c, float *pw, float *ph)
{
    float W = (float)c->img.width, H = (float)c->img.height;
    *pw = 0.42f * W;
    *ph = 0.14f * H;
    if (*ph > 0.6f * *pw)
        *ph = 0.6f * *pw;
}

/*
 * The corner for the knee plot that hides the least of the person: the panel's overlap with the
 * body's box, summed over the clip, for each corner (top-right, top-left, bottom-right,
 * bottom-left, in that order of preference). A plot over the landing foot would hide what the
 * coach came to see.
 */
static void choose_plot_corner(const draw_ctx *c, const gs_pose_track *t, float *x0, float *y0)
{
    float W = (float)c->img.width, H = (float)c->img.height, pw, ph, m = 8 * c->s;
    plot_size(c, &pw, &ph);
    const float cx[4] = {W - pw - m, m, W - pw - m, m}, cy[4] = {m + 40 * c->s, m + 40 * c->s,
                                                                   H - ph - m, H - ph - m};
    double cost[4] = {0, 0, 0, 0};
    for (int32_t f = 0; f < t->n_frames; f++) {
        const gs_pose_frame *p = &t->frames[f];
        if (!p->has_kp)
            continue;
        float bx0 = 1e9f, by0 = 1e9f, bx1 = -1e9f, by1 = -1e9f;
        for (int k = 0; k < GS_POSE_NKP; k++) {
            bx0 = fminf(bx0, p->kp[k].x * c->sx);
            bx1 = fmaxf(bx1, p->kp[k].x * c->sx);
            by0 = fminf(by0, p->kp[k].y * c->sy);
            by1 = fmaxf(by1, p->kp[k].y * c->sy);
        }
        for (int i = 0; i < 4; i++) {
            float ix = fminf(bx1, cx[i] + pw) - fmaxf(bx0, cx[i]);
            float iy = fminf(by1, cy[i] + ph) - fmaxf(by0, cy[i]);
            if (ix > 0 && iy > 0)
                cost[i] += (double)ix * iy;
        }
    }
    int best = 0;
    for (int i = 1; i < 4; i++)
        if (cost[i] < cost[best] * 0.999)
            best = i;
    *x0 = cx[best];
    *y0 = cy[best];
}

/*
 * The running plot: the last and next 1.5 s, both sides, a cursor at now. Knee flexion in side
 * views; pelvic obliquity in rear/front views, where knee flexion cannot be seen.
 */
static void draw_knee_plot(draw_ctx *c, const gs_gait_result *g, const gs_pose_track *t,
                           int64_t fi, float x0, float y0)
{
    gs_gait_view_kind vk = gs_gait_result_view(g).kind;
    int frontal = vk == GS_GAIT_VIEW_REAR || vk == GS_GAIT_VIEW_FRONT;
    gs_angle which = frontal ? GS_ANGLE_PELVIC_OBLIQUITY : GS_ANGLE_KNEE_FLEXION;
    float pw, ph;
    plot_size(c, &pw, &ph);
    gs_cv_rect_fill(&c->img, x0, y0, x0 + pw, y0 + ph, black, 0.55f);
    double now = t->frames[fi].t_s, span = 1.5;
    /* knee flexion range of running; pelvic obliquity of +-15 deg covers a marked drop */
    const double lo = frontal ? -15 : -10, hi = frontal ? 15 : 130;
    /* frames are in time order: start at the first one inside the window */
    int32_t k0 = (int32_t)fi;
    while (k0 > 0 && t->frames[k0 - 1].t_s >= now - span)
        k0--;
    for (int side = 0; side < 2; side++) {
        float px = NAN, py = NAN;
        for (int32_t k = k0; k < t->n_frames; k++) {
            double dt = t->frames[k].t_s - now;
            if (dt > span)
                break;
            double v = gs_gait_result_angle(g, k, (gs_gait_side)side, which);
            float x = x0 + (float)((dt + span) / (2 * span)) * pw;
            float y = isfinite(v) ? y0 + ph - (float)((v - lo) / (hi - lo)) * ph : NAN;
            if (isfinite(px) && isfinite(py) && isfinite(y))
                gs_cv_line(&c->img, px, py, x, y, colours[1 + side], c->thick > 2 ? 2 : 1, 1.0f);
            px = x;
            py = y;
        }
    }
    gs_cv_line(&c->img, x0 + 0.5f * pw, y0, x0 + 0.5f * pw, y0 + ph, white, 1, 0.9f);
    label(c,
          frontal ? "pelvic obliquity (" GS_CV_DEGREE "), +-1.5 s"
                  : "knee flexion (" GS_CV_DEGREE "), +-1.5 s",
          x0 + 4, y0 + 16 * c->s, 0.45f * c->s, white);
}

/* Segments a finding is about, from its metric key. */
static void highlight(draw_ctx *c, const char *metric, const char *side, const gs_kp *kp)
{
    int sides[2] = {0, 0};
    if (!side || !strcmp(side, "left") || !strcmp(side, "both"))
        sides[0] = 1;
    if (!side || !strcmp(side, "right") || !strcmp(side, "both"))
        sides[1] = 1;
    int w = c->thick * 2 + 2;
    if (strstr(metric, "pelvic") || strstr(metric, "trendelenburg")) {
        gs_cv_line(&c->img, kp[23].x, kp[23].y, kp[24].x, kp[24].y, red, w, 0.9f);
        return;
    }
    if (strstr(metric, "trunk")) {
        gs_cv_line(&c->img, 0.5f * (kp[11].x + kp[12].x), 0.5f * (kp[11].y + kp[12].y),
                   0.5f * (kp[23].x + kp[24].x), 0.5f * (kp[23].y + kp[24].y), red, w, 0.9f);
        return;
    }
    for (int s = 0; s < 2; s++) {
        if (!sides[s])
            continue;
        int hip = 23 + s, knee = 25 + s, ankle = 27 + s, heel = 29 + s, toe = 31 + s;
        int thigh = 0, shank = 0, foot = 0;
        if (strstr(metric, "fppa") || strstr(metric, "valgus") || strstr(metric, "knee"))
            thigh = shank = 1;
        if (strstr(metric, "overstride") || strstr(metric, "shank") || strstr(metric, "strike"))
            shank = foot = 1;
        if (strstr(metric, "hip"))
            thigh = 1;
        if (strstr(metric, "ankle") || strstr(metric, "foot") || strstr(metric, "circumduction"))
            shank = foot = 1;
        if (thigh)
            gs_cv_line(&c->img, kp[hip].x, kp[hip].y, kp[knee].x, kp[knee].y, red, w, 0.85f);
        if (shank)
            gs_cv_line(&c->img, kp[knee].x, kp[knee].y, kp[ankle].x, kp[ankle].y, red, w, 0.85f);
        if (foot)
            gs_cv_line(&c->img, kp[heel].x, kp[heel].y, kp[toe].x, kp[toe].y, red, w, 0.85f);
    }
}

/* ---- which findings a frame shows ---- */

static const char *jstr_of(const cJSON *o, const char *k)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* 0 left, 1 right, -1 neither ("all", "both", absent) */
static int side_index(const char *s)
{
    return !s ? -1 : !strcmp(s, "left") ? 0 : !strcmp(s, "right") ? 1 : -1;
}

/* 1 when finding f belongs to a stride of side s: its own side, or "both" */
static int finding_on_side(const cJSON *f, int s)
{
    int fs = side_index(jstr_of(f, "side"));
    return fs < 0 || fs == s;
}

/*
 * 1 when evidence item e holds in stride st (of the strides all[0..ns-1]): its holds_times
 * (every stride where the condition holds, nkt.h) list st's start on st's side. A condition on the
 * other leg's strides (a rule's "of": "opposite") holds in st when it holds in that leg's stride in
 * progress at st's middle. Without per-stride values (no holds_in) the mean decided: it holds in
 * every stride. An analysis written before holds_times gives only its clearest strides (times).
 */
static int item_holds(const cJSON *e, const gs_gait_stride *st, const gs_gait_stride *all, int ns)
{
    const cJSON *tl = cJSON_GetObjectItemCaseSensitive(e, "holds_times");
    const cJSON *sl = cJSON_GetObjectItemCaseSensitive(e, "holds_stride_sides"), *tt;
    int es = side_index(jstr_of(e, "side")), i = 0;
    double mid = 0.5 * (st->t0_s + st->t1_s);
    if (!cJSON_IsArray(tl)) {
        if (!cJSON_GetObjectItemCaseSensitive(e, "holds_in"))
            return 1;
        tl = cJSON_GetObjectItemCaseSensitive(e, "times");
        sl = cJSON_GetObjectItemCaseSensitive(e, "stride_sides");
    }
    cJSON_ArrayForEach(tt, tl)
    {
        int s =
            cJSON_IsArray(sl) ? side_index(cJSON_GetStringValue(cJSON_GetArrayItem(sl, i))) : es;
        i++;
        if (!cJSON_IsNumber(tt))
            continue;
        if (s < 0 || s == (int)st->side) {
            if (fabs(tt->valuedouble - st->t0_s) < 2e-3)
                return 1;
        } else if (!cJSON_IsArray(sl)) {
            for (int k = 0; k < ns; k++)
                if ((int)all[k].side == s && fabs(all[k].t0_s - tt->valuedouble) < 2e-3 &&
                    all[k].t0_s <= mid && mid < all[k].t1_s)
                    return 1;
        }
    }
    return 0;
}

/* 1 when finding f holds in stride st: every required (not "supporting") evidence item holds
 * there; a finding without evidence holds nowhere. */
static int finding_holds(const cJSON *f, const gs_gait_stride *st, const gs_gait_stride *all,
                         int ns)
{
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(f, "evidence"), *e;
    int required = 0;
    cJSON_ArrayForEach(e, ev)
    {
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "supporting")))
            continue;
        required++;
        if (!item_holds(e, st, all, ns))
            return 0;
    }
    if (required > 0)
        return 1;
    /* only supporting items (a hand-made finding): any of them */
    cJSON_ArrayForEach(e, ev)
    {
        if (item_holds(e, st, all, ns))
            return 1;
    }
    return 0;
}

/* The stride key frame kf shows: kf->stride when it is one of kf's side, else the used stride of
 * that side in progress at the frame's time t (a key frame made by hand). NULL when none. */
static const gs_gait_stride *keyframe_stride(const gs_gait_result *g, const gs_keyframe *kf,
                                             double t)
{
    int ns = 0;
    const gs_gait_stride *st = g ? gs_gait_result_strides(g, &ns) : NULL;
    if (!st || !kf)
        return NULL;
    if (kf->stride >= 0 && kf->stride < ns && st[kf->stride].side == kf->side)
        return &st[kf->stride];
    /* the latest to start by t (a contact's nearest frame may come just before it) */
    const gs_gait_stride *best = NULL;
    for (int i = 0; i < ns; i++)
        if (st[i].side == kf->side && st[i].used && st[i].t0_s - 0.05 <= t && t < st[i].t1_s &&
            (!best || st[i].t0_s > best->t0_s))
            best = &st[i];
    return best;
}

/*
 * The findings a frame at time t shows, highest rank first (the array's order), at most max, into
 * out; returns their count. A key frame (kf not NULL): the findings of kf's side (or "both") that
 * hold in its stride. The clip (kf NULL): a finding while a stride of its side (either, for
 * "both") where it holds is in progress. Without the gait result's strides (g NULL), as before
 * evidence strides were listed in full: while one of a finding's clearest strides (times[], each
 * lasting stride_s) is in progress, whatever its side.
 */
static int shown_findings(const cJSON *findings, const gs_gait_result *g, const gs_keyframe *kf,
                          double t, double stride_s, const cJSON **out, int max)
{
    int n = 0, ns = 0;
    const gs_gait_stride *all = g ? gs_gait_result_strides(g, &ns) : NULL;
    const gs_gait_stride *ks = kf ? keyframe_stride(g, kf, t) : NULL;
    const cJSON *f;
    cJSON_ArrayForEach(f, findings)
    {
        int shown = 0;
        if (n >= max)
            break;
        if (kf && ks) {
            shown = finding_on_side(f, (int)kf->side) && finding_holds(f, ks, all, ns);
        } else if (all && ns > 0) {
            for (int i = 0; i < ns && !shown; i++)
                shown = all[i].t0_s <= t && t < all[i].t1_s &&
                        finding_on_side(f, (int)all[i].side) && (!kf || all[i].side == kf->side) &&
                        finding_holds(f, &all[i], all, ns);
        } else {
            const cJSON *e, *tt;
            cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(f, "evidence"))
            {
                cJSON_ArrayForEach(tt, cJSON_GetObjectItemCaseSensitive(e, "times"))
                {
                    shown |= cJSON_IsNumber(tt) && t >= tt->valuedouble &&
                             t <= tt->valuedouble + stride_s;
                }
            }
        }
        if (shown)
            out[n++] = f;
    }
    return n;
}

#define MAX_SHOWN 32 /* findings one frame draws (their body segments); banners: the first 3 */

/* The findings one frame shows (shown_findings), highest rank first. */
typedef struct shown_list {
    const cJSON *f[MAX_SHOWN];
    int n;
} shown_list;

/*
 * Draws the findings list[0..n-1] (shown_findings). banners 0: their body segments drawn red
 * (under the skeleton); 1: the titles of the first 3, white on a red band from the top left,
 * starting at y0 (drawn last, so neither the skeleton nor the knee plot covers them), or with
 * line_h > 0 on bands the picture's width and line_h high from y0 down (a cropped key frame's
 * strip).
 */
static void draw_findings(draw_ctx *c, const cJSON *const *list, int n, const gs_kp *kp,
                          int banners, float y0, float line_h)
{
    int row = 0;
    for (int i = 0; i < n; i++) {
        const cJSON *f = list[i], *e;
        const char *side = jstr_of(f, "side");
        const char *title = jstr_of(f, "title");
        if (!banners) {
            cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(f, "evidence"))
            {
                const char *metric = jstr_of(e, "metric");
                if (metric)
                    highlight(c, metric, side, kp);
            }
            continue;
        }
        if (title && row < 3) {
            char txt[200];
            float x = 10 * c->s, y = y0 + 30 * (float)row * c->s, sc = 0.6f * c->s;
            int32_t w = 0, h = 0;
            gs_finding_label(txt, sizeof(txt), title, side); /* "... on the right", not
                                                               "... on the right - right" */
            for (char *p = txt; *p; p++)
                if ((unsigned char)*p > 126)
                    *p = '?'; /* Hershey fonts are ASCII only */
            gs_cv_text_size(txt, sc, 1, &w, &h);
            if ((float)w > (float)c->img.width - 2 * x && w > 0) {
                /* a long title on a narrow picture (a key frame's crop, a 464 px wide clip):
                 * smaller, rather than cut at the right edge */
                sc *= ((float)c->img.width - 2 * x) / (float)w;
                gs_cv_text_size(txt, sc, 1, &w, &h);
            }
            if (line_h > 0) {
                float top = y0 + line_h * (float)row;
                y = top + 0.5f * line_h + 0.3f * (float)h;
                gs_cv_rect_fill(&c->img, 0, top + 1, (float)c->img.width, top + line_h - 1,
                                banner_red, 1.0f);
            } else {
                gs_cv_rect_fill(&c->img, x - 3, y - (float)h - 2, x + (float)w + 3, y + 5,
                                banner_red, 0.9f);
            }
            gs_cv_text(&c->img, txt, x, y, sc, white, sc > 0.9f ? 2 : 1, 1.0f);
            row++;
        }
    }
}

/* Lines the banners of list[0..n-1] take: those with a title, at most 3. */
static int banner_count(const cJSON *const *list, int n)
{
    int k = 0;
    for (int i = 0; i < n && k < 3; i++)
        k += jstr_of(list[i], "title") != NULL;
    return k;
}

static double median_stride_s(const gs_gait_result *g)
{
    double mean = NAN, sd;
    int n;
    if (g && gs_gait_result_metric(g, "stride_time_ms", GS_GAIT_SIDE_LEFT, &mean, &sd, &n) && n > 0)
        return mean / 1000.0;
    if (g && gs_gait_result_metric(g, "stride_time_ms", GS_GAIT_SIDE_RIGHT, &mean, &sd, &n) &&
        n > 0)
        return mean / 1000.0;
    return 0.8; /* a typical running stride when no stride was measured */
}

int gs_keyframe_findings(const gs_gait_result *g, const gs_pose_track *t, const cJSON *findings,
                         const gs_keyframe *kf, const cJSON **out, int max)
{
    if (!t || !kf || !out || max <= 0 || kf->frame < 0 || kf->frame >= t->n_frames)
        return 0;
    return shown_findings(findings, g, kf, t->frames[kf->frame].t_s, median_stride_s(g), out, max);
}

static const char *phase_short(const char *phase)
{
    return !strcmp(phase, "initial contact") ? "IC" : !strcmp(phase, "toe-off") ? "TO" : "MS";
}

/* The used stride of side (with a toe-off) whose duration is closest to med, among those where
 * finding f holds (f NULL: among all); -1 when none. */
static int closest_stride(const gs_gait_stride *st, int ns, gs_gait_side side, double med,
                          const cJSON *f)
{
    int best = -1;
    for (int i = 0; i < ns; i++)
        if (st[i].side == side && st[i].used && isfinite(st[i].to_s) &&
            (best < 0 ||
             fabs(st[i].t1_s - st[i].t0_s - med) < fabs(st[best].t1_s - st[best].t0_s - med)) &&
            (!f || finding_holds(f, &st[i], st, ns)))
            best = i;
    return best;
}

int gs_keyframes_choose_for(const gs_gait_result *g, const gs_pose_track *t, const cJSON *findings,
                            gs_keyframe *out, int max)
{
    int n = 0, ns = 0;
    if (!g || !t || max <= 0)
        return 0;
    const gs_gait_stride *st = gs_gait_result_strides(g, &ns);
    for (int side = 0; side < 2; side++) {
        double d[256];
        int k = 0;
        for (int i = 0; i < ns && k < 256; i++)
            if (st[i].side == (gs_gait_side)side && st[i].used && isfinite(st[i].to_s))
                d[k++] = st[i].t1_s - st[i].t0_s;
        if (k == 0)
            continue;
        /* median duration, then the stride closest to it: among the strides where the side's
         * highest-ranked finding holds, when one does, else among all */
        for (int i = 1; i < k; i++)
            for (int j = i; j > 0 && d[j - 1] > d[j]; j--) {
                double x = d[j];
                d[j] = d[j - 1];
                d[j - 1] = x;
            }
        double med = d[k / 2];
        int best = -1;
        const cJSON *f;
        cJSON_ArrayForEach(f, findings)
        {
            if (finding_on_side(f, side) &&
                (best = closest_stride(st, ns, (gs_gait_side)side, med, f)) >= 0)
                break;
        }
        if (best < 0) /* no finding holds on this side */
            best = closest_stride(st, ns, (gs_gait_side)side, med, NULL);
        double times[3] = {st[best].t0_s, 0.5 * (st[best].t0_s + st[best].to_s), st[best].to_s};
        static const char *phases[3] = {"initial contact", "midstance", "toe-off"};
        for (int p = 0; p < 3 && n < max; p++) {
            /* nearest frame by timestamp (VFR-safe) */
            int32_t bf = 0;
            for (int32_t fi = 1; fi < t->n_frames; fi++)
                if (fabs(t->frames[fi].t_s - times[p]) < fabs(t->frames[bf].t_s - times[p]))
                    bf = fi;
            out[n].frame = bf;
            out[n].side = (gs_gait_side)side;
            out[n].phase = phases[p];
            out[n].stride = best;
            out[n].path[0] = '\0';
            n++;
        }
    }
    return n;
}

int gs_keyframes_choose(const gs_gait_result *g, const gs_pose_track *t, gs_keyframe *out, int max)
{
    return gs_keyframes_choose_for(g, t, NULL, out, max);
}

static void keyframe_crops(const gs_pose_track *t, const gs_keyframe *kf, int n, int32_t W,
                           int32_t H, float sx, float sy, int banner_lines, gs_keyframe_crop *out)
{
    crop_margin m = crop_margins(draw_scale(W, H));
    float cw = 0, ch = 0, box[4];
    for (int i = 0; i < n; i++) {
        const gs_pose_frame *p =
            kf[i].frame >= 0 && kf[i].frame < t->n_frames ? &t->frames[kf[i].frame] : NULL;
        out[i] = (gs_keyframe_crop){1, 0, 0, W, H, W, H, W, H};
        if (crop_need(p, W, H, sx, sy, &m, box)) {
            cw = fmaxf(cw, box[2] - box[0]);
            ch = fmaxf(ch, box[3] - box[1]);
        }
    }
    if (cw <= 0 || ch <= 0)
        return;
    /* an aspect between 3:4 and 4:3: a walker with the labels either side is about square, a
     * runner seen from behind tall and narrow; nothing longer than the frame */
    cw = fminf(fmaxf(cw, 0.75f * ch), (float)W);
    ch = fminf(fmaxf(ch, 0.75f * cw), (float)H);
    if ((float)W / cw < CROP_MIN_GAIN)
        return;
    int32_t w = (int32_t)lroundf(cw), h = (int32_t)lroundf(ch);
    /* scaled up at most 2x, to at most the frame's longer side and the frame's area: no key
     * frame is larger to write or to send than the whole frame was */
    double zoom = (double)(W > H ? W : H) / (double)(w > h ? w : h);
    double zoom_area = sqrt((double)W * (double)H / ((double)w * (double)h));
    zoom = zoom_area < zoom ? zoom_area : zoom;
    zoom = zoom > CROP_MAX_ZOOM ? CROP_MAX_ZOOM : zoom < 1 ? 1 : zoom;
    int32_t ow = (int32_t)floor(w * zoom), oh = (int32_t)floor(h * zoom);
    int32_t strip = crop_strip_h(crop_text_scale(ow, oh)) * (1 + banner_lines);
    for (int i = 0; i < n; i++) {
        const gs_pose_frame *p =
            kf[i].frame >= 0 && kf[i].frame < t->n_frames ? &t->frames[kf[i].frame] : NULL;
        if (!crop_need(p, W, H, sx, sy, &m, box))
            continue;
        /* centred on this frame's own body, clamped at the picture's edges */
        int32_t x0 = (int32_t)lroundf(0.5f * (box[0] + box[2]) - 0.5f * (float)w);
        int32_t y0 = (int32_t)lroundf(0.5f * (box[1] + box[3]) - 0.5f * (float)h);
        x0 = x0 < 0 ? 0 : x0 > W - w ? W - w : x0;
        y0 = y0 < 0 ? 0 : y0 > H - h ? H - h : y0;
        out[i] = (gs_keyframe_crop){0, x0, y0, w, h, ow, oh, ow, oh + strip};
    }
}

void gs_keyframe_crops(const gs_pose_track *t, const gs_keyframe *kf, int n, int32_t frame_w,
                       int32_t frame_h, int banner_lines, gs_keyframe_crop *out)
{
    if (!t || !kf || !out || n <= 0 || frame_w <= 0 || frame_h <= 0)
        return;
    banner_lines = banner_lines < 0 ? 0 : banner_lines > 3 ? 3 : banner_lines;
    keyframe_crops(t, kf, n, frame_w, frame_h,
                   t->width > 0 ? (float)frame_w / (float)t->width : 1.0f,
                   t->height > 0 ? (float)frame_h / (float)t->height : 1.0f, banner_lines, out);
}

typedef struct tile {
    uint8_t *rgb; /* th rows of tw*3 */
    int32_t tw, th;
    int used;
} tile;

static gs_status write_contact_sheet(const char *path, tile *tiles, const gs_keyframe *kf, int n,
                                     gs_error *err)
{
    /* the widest tile sets the columns: a key frame without landmarks keeps the whole frame
     * when the others are cropped, and sits centred in its column */
    int32_t tw = 0, th = 0;
    for (int i = 0; i < n; i++)
        if (tiles[i].used) {
            tw = tiles[i].tw > tw ? tiles[i].tw : tw;
            th = tiles[i].th;
        }
    if (tw == 0)
        return GS_OK;
    /* 3 columns (contact, midstance, toe-off) x 2 rows (left, right), 4 px gaps */
    int32_t W = 3 * tw + 4 * 4, Hh = 2 * th + 3 * 4;
    uint8_t *sheet = calloc((size_t)W * (size_t)Hh * 3, 1);
    if (!sheet)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", path);
    for (int i = 0; i < n; i++) {
        if (!tiles[i].used)
            continue;
        int col = !strcmp(kf[i].phase, "initial contact") ? 0 : !strcmp(kf[i].phase, "midstance") ? 1 : 2;
        int row = kf[i].side == GS_GAIT_SIDE_LEFT ? 0 : 1;
        int32_t w = tiles[i].tw;
        int32_t ox = 4 + col * (tw + 4) + (tw - w) / 2, oy = 4 + row * (th + 4);
        for (int32_t y = 0; y < th; y++)
            memcpy(sheet + ((size_t)(oy + y) * (size_t)W + (size_t)ox) * 3,
                   tiles[i].rgb + (size_t)y * (size_t)w * 3, (size_t)w * 3);
    }
    gs_status rc = gs_png_write_rgb(path, sheet, W, Hh, W * 3, err);
    free(sheet);
    return rc;
}

/* ---- the pass: decode -> draw -> encode ---- */

/*
 * Three threads joined by a ring of OVL_SLOTS frames: the decoder fills slot (decoded % N), the
 * calling thread draws slot (drawn % N) in place, the encoder thread converts and encodes slot
 * (encoded % N) and so frees it. decoded >= drawn >= encoded; a slot is free when its frame is
 * encoded (without a clip, drawn). Four slots let each stage run one frame ahead of the next
 * and absorb a slow frame (a key frame's PNG) without stalling the other two; each slot is one
 * RGB frame (6.2 MB at 1080x1920, 4.9 MB at the default --overlay-height 1280 of a 4000x4000
 * source) and, with a clip, its copy before drawing and its YUV planes (2.5 times the RGB in
 * all: 6.9 MB at 720x1280), so the queue's memory is bounded by 10 RGB frames of the clip's
 * size.
 */
#define OVL_SLOTS 4

typedef struct ovl_slot {
    uint8_t *rgb; /* h rows of w*3 bytes */
    size_t cap;
    /* With a clip: the decoder's YUV planes travel with the frame to the encoder, and only the
     * pixels the drawing changed (found against ref) are converted back (gs_video_yuv_update):
     * libswscale's RGB24 -> YUV 4:2:0 has no vector path here and cost ~6 ms per 1080x1920
     * frame (docs/benchmarks.md). */
    uint8_t *ref; /* the picture before drawing, as rgb */
    size_t ref_cap;
    uint8_t *yuv; /* the three planes, packed: plane[i] points into it */
    size_t yuv_cap;
    uint8_t *plane[3];
    int32_t plane_stride[3];
    int32_t w, h;
    double t_s;
    int64_t index;
} ovl_slot;

typedef struct ovl_pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* any counter or flag below changed */
    ovl_slot s[OVL_SLOTS];
    int64_t decoded, drawn, encoded;
    int dec_done, draw_done, stop;
    gs_status dec_rc, enc_rc;
    gs_error dec_err, enc_err;
    gs_decoder *dec;
    gs_encoder *enc, *slow;
    int slow_factor;
    int64_t last_frame; /* key frames only: decoding stops after this index (-1: to the end) */
    const gs_keyframe *kf; /* key frames only (no clip): the frames converted, the rest skipped */
    int n_kf;
    int64_t next_index; /* index of the frame the decoder returns next */
    const gs_pose_track *t; /* the frames' times, for seeking */
    int may_seek;           /* key frames only, opt->seek_ok */
    double start_s;         /* the decode options' start (where frame 0 is) */
    int64_t seek_check;     /* index of the frame a seek must land on, -1 when none */
    int32_t seeks;
    double dec_cpu_s, enc_cpu_s;
} ovl_pipe;

/* 1 if frame index is drawn: every frame when a clip is written, else the key frames only. */
static int wanted(const ovl_pipe *p, int64_t index)
{
    if (p->enc)
        return 1;
    for (int i = 0; i < p->n_kf; i++)
        if (p->kf[i].frame == index)
            return 1;
    return 0;
}

/*
 * Key frames only: when a key frame of the stream (where decoding can start) lies more than
 * SEEK_MIN_FRAMES frames after the next frame and before the next wanted one, seek there
 * instead of decoding the frames in between. An H.264 camera clip has a key frame every 1-10 s
 * (x264's default: every 250 frames), and the analysis's key frames are in one or two strides
 * anywhere in the clip: without seeking, a 5-minute clip is decoded up to its middle or end.
 * Below SEEK_MIN_FRAMES the decoder's flush and restart (its frame threads refill) cost about
 * what is saved.
 */
#define SEEK_MIN_FRAMES 16

static gs_status maybe_seek(ovl_pipe *p, gs_error *err)
{
    int64_t want = -1, n = p->t->n_frames;
    for (int i = 0; i < p->n_kf; i++)
        if (p->kf[i].frame >= p->next_index && (want < 0 || p->kf[i].frame < want))
            want = p->kf[i].frame;
    if (want < 0 || want >= n || p->next_index >= n || want - p->next_index <= SEEK_MIN_FRAMES)
        return GS_OK;
    double scale = gs_decoder_info(p->dec)->time_scale > 0 ? gs_decoder_info(p->dec)->time_scale
                                                           : 1.0;
    double src_want = p->t->frames[want].t_s / scale;
    double src_next = p->t->frames[p->next_index].t_s / scale;
    double step = (src_want - src_next) / (double)(want - p->next_index); /* mean interval */
    double kt = gs_decoder_keyframe_before(p->dec, src_want);
    if (kt < 0 || kt <= src_next + SEEK_MIN_FRAMES * step)
        return GS_OK;
    gs_status rc = gs_decoder_seek_index(p->dec, src_want, want, err);
    if (rc == GS_OK) {
        p->next_index = want;
        p->seek_check = want;
        p->seeks++;
    }
    return rc;
}

/* Decodes the next drawn frame into slot sl; frames not drawn are decoded without their RGB
 * conversion (gs_decoder_skip). GS_OK, GS_END (also past last_frame) or an error. */
static gs_status decode_one(ovl_pipe *p, ovl_slot *sl, gs_error *err)
{
    gs_frame fr;
    for (;;) {
        if (p->last_frame >= 0 && p->next_index > p->last_frame)
            return GS_END;
        gs_status rc = p->may_seek ? maybe_seek(p, err) : GS_OK;
        if (rc != GS_OK)
            return rc;
        rc = wanted(p, p->next_index) ? gs_decoder_next(p->dec, &fr, err)
                                      : gs_decoder_skip(p->dec, &fr, err);
        if (rc != GS_OK)
            return rc;
        if (p->seek_check >= 0) {
            /* the frame landed on must be the one the track has at that index; if not (an
             * index that does not match the stream), start again from the first frame and
             * decode forward */
            int ok = fr.index == p->seek_check && fr.index < p->t->n_frames &&
                     fabs(fr.t_s - p->t->frames[fr.index].t_s) <= 1e-6;
            p->seek_check = -1;
            if (!ok) {
                p->may_seek = 0;
                rc = gs_decoder_seek_index(p->dec, p->start_s, 0, err);
                if (rc != GS_OK)
                    return rc;
                p->next_index = 0;
                continue;
            }
        }
        p->next_index = fr.index + 1;
        if (fr.rgb)
            break;
    }
    size_t row = (size_t)fr.width * 3, need = row * (size_t)fr.height;
    if (need > sl->cap) {
        uint8_t *q = realloc(sl->rgb, need);
        if (!q)
            return gs_fail(err, GS_ERR_NOMEM, "overlay: out of memory");
        sl->rgb = q;
        sl->cap = need;
    }
    for (int32_t y = 0; y < fr.height; y++)
        memcpy(sl->rgb + (size_t)y * row, fr.rgb + (size_t)y * (size_t)fr.stride, row);
    if (fr.yuv[0]) {
        size_t cw = ((size_t)fr.width + 1) / 2, ch = ((size_t)fr.height + 1) / 2;
        size_t yn = (size_t)fr.width * (size_t)fr.height, yneed = yn + 2 * cw * ch;
        if (need > sl->ref_cap) {
            uint8_t *q = realloc(sl->ref, need);
            if (!q)
                return gs_fail(err, GS_ERR_NOMEM, "overlay: out of memory");
            sl->ref = q;
            sl->ref_cap = need;
        }
        if (yneed > sl->yuv_cap) {
            uint8_t *q = realloc(sl->yuv, yneed);
            if (!q)
                return gs_fail(err, GS_ERR_NOMEM, "overlay: out of memory");
            sl->yuv = q;
            sl->yuv_cap = yneed;
        }
        memcpy(sl->ref, sl->rgb, need);
        sl->plane[0] = sl->yuv;
        sl->plane[1] = sl->yuv + yn;
        sl->plane[2] = sl->yuv + yn + cw * ch;
        for (int i = 0; i < 3; i++) {
            size_t w = i ? cw : (size_t)fr.width, h = i ? ch : (size_t)fr.height;
            sl->plane_stride[i] = (int32_t)w;
            for (size_t y = 0; y < h; y++)
                memcpy(sl->plane[i] + y * w, fr.yuv[i] + y * (size_t)fr.yuv_stride[i], w);
        }
    } else {
        sl->plane[0] = NULL;
    }
    sl->w = fr.width;
    sl->h = fr.height;
    sl->t_s = fr.t_s;
    sl->index = fr.index;
    return GS_OK;
}

static gs_status encode_one(ovl_pipe *p, const ovl_slot *sl, gs_error *err)
{
    const uint8_t *const *yuv = (const uint8_t *const *)sl->plane;
    gs_status rc = sl->plane[0]
                       ? gs_encoder_write_yuv(p->enc, yuv, sl->plane_stride, sl->t_s, err)
                       : gs_encoder_write(p->enc, sl->rgb, sl->w * 3, sl->t_s, err);
    if (rc == GS_OK && p->slow)
        rc = sl->plane[0] ? gs_encoder_write_yuv(p->slow, yuv, sl->plane_stride,
                                                 sl->t_s * p->slow_factor, err)
                          : gs_encoder_write(p->slow, sl->rgb, sl->w * 3,
                                             sl->t_s * p->slow_factor, err);
    return rc;
}

static void *decode_thread(void *arg)
{
    ovl_pipe *p = arg;
    double cpu0 = gs_thread_cpu_s();
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->decoded - p->encoded >= OVL_SLOTS && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        int stop = p->stop;
        ovl_slot *sl = &p->s[p->decoded % OVL_SLOTS];
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        /* the slot at decoded % N is this thread's until decoded is raised */
        gs_status rc = decode_one(p, sl, &p->dec_err);
        pthread_mutex_lock(&p->mu);
        if (rc == GS_OK)
            p->decoded++;
        else {
            p->dec_done = 1;
            p->dec_rc = rc == GS_END ? GS_OK : rc;
        }
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (rc != GS_OK)
            break;
    }
    p->dec_cpu_s = gs_thread_cpu_s() - cpu0;
    return NULL;
}

static void *encode_thread(void *arg)
{
    ovl_pipe *p = arg;
    double cpu0 = gs_thread_cpu_s();
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->encoded == p->drawn && !p->draw_done && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        int go = p->encoded < p->drawn && !p->stop;
        ovl_slot *sl = &p->s[p->encoded % OVL_SLOTS];
        pthread_mutex_unlock(&p->mu);
        if (!go)
            break;
        gs_status rc = encode_one(p, sl, &p->enc_err);
        pthread_mutex_lock(&p->mu);
        if (rc == GS_OK)
            p->encoded++;
        else {
            p->enc_rc = rc;
            p->stop = 1; /* the decoder may wait for a slot: let it go */
        }
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (rc != GS_OK)
            break;
    }
    p->enc_cpu_s = gs_thread_cpu_s() - cpu0;
    return NULL;
}

/* Draws what belongs to the body on c->img (a slot), track coordinates scaled to it: the
 * blurred head, the findings' segments, the skeleton, the angles and the event marks. */
static void draw_body(draw_ctx *c, const gs_pose_track *t, const gs_gait_result *g,
                      const shown_list *sh, const gs_overlay_options *opt, int64_t index,
                      double t_s)
{
    const gs_pose_frame *pf = index < t->n_frames ? &t->frames[index] : NULL;
    if (pf && pf->has_kp) {
        gs_kp kp[GS_POSE_NKP];
        for (int k = 0; k < GS_POSE_NKP; k++) {
            kp[k] = pf->kp[k];
            kp[k].x *= c->sx;
            kp[k].y *= c->sy;
        }
        if (opt->blur_faces)
            blur_head(&c->img, kp);
        if (sh->n > 0)
            draw_findings(c, sh->f, sh->n, kp, 0, 0, 0);
        draw_skeleton(c, kp);
        if (g)
            draw_labels(c, g, index, t_s, kp);
    }
}

/* The time stamp at the top left of c->img. */
static void draw_stamp(draw_ctx *c, int64_t index, double t_s)
{
    char stamp[64];
    snprintf(stamp, sizeof(stamp), "gaitscope  t %.2f s  frame %lld", t_s, (long long)index);
    label(c, stamp, 10 * c->s, 26 * c->s, 0.55f * c->s, white);
}

/* Draws what belongs to the frame on c->img after draw_body: the knee plot in its corner, the
 * findings' banners and the time stamp. */
static void draw_frame_marks(draw_ctx *c, const gs_pose_track *t, const gs_gait_result *g,
                             const shown_list *sh, float plot_x, float plot_y, int64_t index,
                             double t_s)
{
    const gs_pose_frame *pf = index < t->n_frames ? &t->frames[index] : NULL;
    if (g && pf)
        draw_knee_plot(c, g, t, index, plot_x, plot_y);
    if (sh->n > 0 && pf && pf->has_kp) {
        /* the banners under the time stamp; below the knee plot when that took the top-left
         * corner (it covered them: a made run whose body keeps to the right) */
        float pw, ph, y0 = 62 * c->s;
        plot_size(c, &pw, &ph);
        if (g && plot_x < 0.5f * (float)c->img.width && plot_y < 0.5f * (float)c->img.height)
            y0 = plot_y + ph + 26 * c->s;
        draw_findings(c, sh->f, sh->n, NULL, 1, y0, 0);
    }
    draw_stamp(c, index, t_s);
}

void gs_keyframe_caption(const gs_gait_result *g, const gs_keyframe *k, char *out, size_t cap)
{
    /* a rear/front view reads the frontal angles (gait.h), a side view the sagittal ones; the
     * other plane's are not measured there (NAN) */
    static const struct {
        const char *name;
        gs_angle a;
    } side[] = {{"knee", GS_ANGLE_KNEE_FLEXION},
                {"hip", GS_ANGLE_HIP_FLEXION},
                {"ankle", GS_ANGLE_ANKLE_DORSIFLEXION}},
      frontal[] = {{"pelvis", GS_ANGLE_PELVIC_OBLIQUITY},
                   {"hip add.", GS_ANGLE_HIP_ADDUCTION},
                   {"knee FPPA", GS_ANGLE_KNEE_FPPA}};
    gs_gait_view_kind vk = g ? gs_gait_result_view(g).kind : GS_GAIT_VIEW_UNKNOWN;
    int fr = vk == GS_GAIT_VIEW_REAR || vk == GS_GAIT_VIEW_FRONT;
    size_t n;
    if (!out || cap == 0)
        return;
    n = (size_t)snprintf(out, cap, "%s %s", k->side == GS_GAIT_SIDE_LEFT ? "LEFT" : "RIGHT",
                         k->phase ? k->phase : "");
    for (int i = 0; i < 3 && n < cap; i++) {
        double v = g ? gs_gait_result_angle(g, (int32_t)k->frame, k->side,
                                            fr ? frontal[i].a : side[i].a)
                     : NAN;
        const char *name = fr ? frontal[i].name : side[i].name;
        if (isfinite(v))
            n += (size_t)snprintf(out + n, cap - n, "  %s %.0f" GS_CV_DEGREE, name, round(v) + 0.0);
        else
            n += (size_t)snprintf(out + n, cap - n, "  %s -", name);
    }
}

/* The contact sheet's tile of a key frame's picture (rgb, w x h): 360 px high. */
static void make_tile(const gs_image *img, tile *tl, gs_error *err)
{
    int32_t th = 360, tw = (int32_t)lround(360.0 * img->width / img->height) & ~1;
    if (tl->used || tw <= 0)
        return;
    tl->rgb = malloc((size_t)tw * (size_t)th * 3);
    if (tl->rgb) {
        gs_image dst = {tl->rgb, tw, th, tw * 3};
        if (gs_cv_resize(img, &dst, err) == GS_OK) {
            tl->tw = tw;
            tl->th = th;
            tl->used = 1;
        }
    }
}

/*
 * A cropped key frame: the box cr of body (the frame with only the body's drawing on it: the knee
 * plot, banners and stamp of the clip are in the frame's corners, outside the box or cut by it),
 * scaled up into out, the time stamp written again at the picture's size, and below the picture
 * a strip with the caption and the findings' banners: there they hide no foot and no face (on
 * the picture, a crop's top left is next to the head).
 */
static gs_status draw_cropped(const draw_ctx *c, const uint8_t *body, const gs_keyframe_crop *cr,
                              const shown_list *sh, int64_t index, double t_s, const char *cap,
                              uint8_t *out, gs_error *err)
{
    size_t row = (size_t)c->img.width * 3;
    gs_image src = {(uint8_t *)body + (size_t)cr->y0 * row + (size_t)cr->x0 * 3, cr->w, cr->h,
                    (int32_t)row};
    draw_ctx kc;
    kc.img = (gs_image){out, cr->out_w, cr->out_h, cr->png_w * 3};
    kc.s = crop_text_scale(cr->out_w, cr->out_h);
    kc.thick = draw_thickness(kc.s);
    kc.sx = kc.sy = 1;
    gs_status rc = gs_cv_resize(&src, &kc.img, err);
    if (rc != GS_OK)
        return rc;
    draw_stamp(&kc, index, t_s);
    /* the strip: the caption at the clip's caption size (smaller if it would not fit), then
     * the findings' banners, one line each */
    int32_t strip = cr->png_h - cr->out_h, line = crop_strip_h(kc.s), tw = 0, th = 0;
    uint8_t *s0 = out + (size_t)cr->out_h * (size_t)cr->png_w * 3;
    memset(s0, 0, (size_t)strip * (size_t)cr->png_w * 3);
    kc.img = (gs_image){s0, cr->png_w, strip, cr->png_w * 3};
    float sc = 0.7f * kc.s, x = 10 * kc.s, avail = (float)cr->png_w - 2 * x;
    gs_cv_text_size(cap, sc, 1, &tw, &th);
    if ((float)tw > avail && tw > 0) {
        sc *= avail / (float)tw;
        gs_cv_text_size(cap, sc, 1, &tw, &th);
    }
    gs_cv_text(&kc.img, cap, x, 0.5f * (float)line + 0.3f * (float)th, sc, white,
               kc.s > 1.2f ? 2 : 1, 1.0f);
    if (sh->n > 0 && strip >= 2 * line)
        draw_findings(&kc, sh->f, sh->n, NULL, 1, (float)line, (float)line);
    return GS_OK;
}

/*
 * Saves key frame k and its sheet tile: the whole drawn frame (c->img) with a caption strip over
 * its bottom, or (cr not whole) the box cr of body scaled up with the strip below it. kbuf holds
 * the larger of the frame and the PNG.
 */
static gs_status save_keyframe(const draw_ctx *c, const gs_gait_result *g, const shown_list *sh,
                               const gs_overlay_options *opt, gs_keyframe *k,
                               const gs_keyframe_crop *cr, const uint8_t *body, int64_t index,
                               double t_s, tile *tl, uint8_t *kbuf, gs_error *err)
{
    int32_t W = c->img.width, H = c->img.height;
    size_t row = (size_t)W * 3;
    char cap[160];
    gs_status rc;
    gs_keyframe_caption(g, k, cap, sizeof(cap));
    snprintf(k->path, sizeof(k->path), "%s/%s_%s.png",
             opt->keyframe_dir ? opt->keyframe_dir : ".",
             k->side == GS_GAIT_SIDE_LEFT ? "left" : "right", phase_short(k->phase));
    if (!cr->whole) {
        rc = draw_cropped(c, body, cr, sh, index, t_s, cap, kbuf, err);
        if (rc == GS_OK)
            rc = gs_png_write_rgb(k->path, kbuf, cr->png_w, cr->png_h, cr->png_w * 3, err);
        if (rc == GS_OK) {
            gs_image img = {kbuf, cr->png_w, cr->png_h, cr->png_w * 3};
            make_tile(&img, tl, err);
        }
        return rc;
    }
    /* the caption goes on a strip at the bottom of the key frame only (the clip's frame is
     * already drawn) */
    memcpy(kbuf, c->img.data, row * (size_t)H);
    draw_ctx kc = *c;
    kc.img.data = kbuf;
    kc.img.stride = (int32_t)row;
    float bh = 40 * c->s;
    gs_cv_rect_fill(&kc.img, 0, (float)H - bh, (float)W, (float)H, black, 0.7f);
    gs_cv_text(&kc.img, cap, 10 * c->s, (float)H - 12 * c->s, 0.7f * c->s, white,
               c->s > 1.2f ? 2 : 1, 1.0f);
    rc = gs_png_write_rgb(k->path, kbuf, W, H, (int32_t)row, err);
    if (rc == GS_OK)
        make_tile(&kc.img, tl, err);
    return rc;
}

gs_status gs_overlay_render(const char *video, const gs_pose_track *t, const gs_gait_result *g,
                            const cJSON *findings, const gs_overlay_options *opt,
                            gs_overlay_stats *stats, gs_error *err)
{
    gs_status rc;
    ovl_pipe p;
    uint8_t *kbuf = NULL, *body = NULL, *kraw = NULL;
    tile *tiles = NULL;
    gs_keyframe_crop *crops = NULL;
    char slow_path[1100];
    int n_kf = opt->keyframes ? opt->n_keyframes : 0;
    int p_init = 0, dec_started = 0, enc_started = 0;
    pthread_t dec_th, enc_th;
    double t0 = gs_now_s(), main_kf_cpu = 0, main_enc_cpu = 0, main_dec_cpu = 0;
    double cpu_main0 = gs_thread_cpu_s();
    gs_overlay_stats st = {0};

    memset(&p, 0, sizeof(p));
    p.last_frame = -1;
    p.seek_check = -1;
    p.t = t;
    p.start_s = opt->decode.start_s;
    gs_decoder_options dopt = opt->decode;
    dopt.max_height = opt->max_height;
    dopt.keep_yuv = opt->overlay_path != NULL; /* the encoder takes the decoder's planes */
    rc = gs_decoder_open(video, &dopt, &p.dec, err);
    if (rc != GS_OK)
        return rc;
    const gs_video_info *in = gs_decoder_info(p.dec);
    int32_t W = in->out_width, H = in->out_height;
    /* yuv420p needs even sizes: an odd source loses its last column/row in the clip only. */
    int32_t ew = W & ~1, eh = H & ~1;
    gs_encoder_options eo = opt->encode;
    if (eo.fps_hint <= 0)
        eo.fps_hint = in->fps_nominal > 0 ? in->fps_nominal * (1.0 / in->time_scale) : 30;
    if (opt->overlay_path) {
        rc = gs_encoder_open(opt->overlay_path, ew, eh, &eo, &p.enc, err);
        if (rc != GS_OK)
            goto done;
        if (opt->slow_copy > 1) {
            size_t L = strlen(opt->overlay_path);
            const char *dot = strrchr(opt->overlay_path, '.');
            int stem = dot ? (int)(dot - opt->overlay_path) : (int)L;
            snprintf(slow_path, sizeof(slow_path), "%.*s_slow%d.mp4", stem, opt->overlay_path,
                     opt->slow_copy);
            gs_encoder_options so = eo;
            so.fps_hint = eo.fps_hint / opt->slow_copy;
            rc = gs_encoder_open(slow_path, ew, eh, &so, &p.slow, err);
            if (rc != GS_OK)
                goto done;
            p.slow_factor = opt->slow_copy;
        }
    }
    if (n_kf > 0) {
        /* what each key frame shows: the whole frame, or a box around the body (one size for
         * all) in a buffer of its own, with the body drawn and the frame's marks not */
        size_t kbuf_px = (size_t)W * (size_t)H;
        tiles = calloc((size_t)n_kf, sizeof(*tiles));
        crops = calloc((size_t)n_kf, sizeof(*crops));
        if (!tiles || !crops) {
            rc = gs_fail(err, GS_ERR_NOMEM, "overlay: out of memory");
            goto done;
        }
        /* the strip under a cropped picture holds the findings' banners too: as many lines
         * as the key frame that shows most, so that all six have one size */
        int lines = 0;
        for (int i = 0; i < n_kf && findings; i++) {
            shown_list sh;
            sh.n = gs_keyframe_findings(g, t, findings, &opt->keyframes[i], sh.f, MAX_SHOWN);
            int k = banner_count(sh.f, sh.n);
            lines = k > lines ? k : lines;
        }
        keyframe_crops(t, opt->keyframes, n_kf, W, H,
                       in->width > 0 ? (float)W / (float)in->width : 1.0f,
                       in->height > 0 ? (float)H / (float)in->height : 1.0f, lines, crops);
        for (int i = 0; i < n_kf; i++)
            if (!crops[i].whole) {
                size_t px = (size_t)crops[i].png_w * (size_t)crops[i].png_h;
                kbuf_px = px > kbuf_px ? px : kbuf_px;
            }
        /* a key frame is drawn on its own copy of the frame (body; kraw keeps the frame as
         * decoded): it names its own side's findings, the clip those of either leg */
        kbuf = malloc(kbuf_px * 3);
        body = malloc((size_t)W * 3 * (size_t)H);
        kraw = malloc((size_t)W * 3 * (size_t)H);
        if (!kbuf || !body || !kraw) {
            rc = gs_fail(err, GS_ERR_NOMEM, "overlay: out of memory");
            goto done;
        }
        if (opt->keyframe_dir) {
            rc = gs_mkdir_p(opt->keyframe_dir, err);
            if (rc != GS_OK)
                goto done;
        }
    }
    if (!p.enc) { /* key frames only: convert and draw those, stop after the last one */
        p.kf = opt->keyframes;
        p.n_kf = n_kf;
        p.may_seek = opt->seek_ok;
        for (int i = 0; i < n_kf; i++)
            p.last_frame = opt->keyframes[i].frame > p.last_frame ? opt->keyframes[i].frame
                                                                  : p.last_frame;
        if (p.last_frame < 0)
            goto finish; /* nothing to draw */
    }
    double stride_s = median_stride_s(g);
    draw_ctx c;
    c.img = (gs_image){NULL, W, H, W * 3};
    c.s = draw_scale(W, H);
    c.thick = draw_thickness(c.s);
    c.sx = in->width > 0 ? (float)W / (float)in->width : 1.0f;
    c.sy = in->height > 0 ? (float)H / (float)in->height : 1.0f;
    c.n_prev = 0;
    c.prev_index = -2;
    int64_t total = t->n_frames;
    float plot_x = 0, plot_y = 0;
    choose_plot_corner(&c, t, &plot_x, &plot_y);

    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    p_init = 1;
    if (!opt->sequential) {
        if (pthread_create(&dec_th, NULL, decode_thread, &p) != 0) {
            rc = gs_fail(err, GS_ERR_INTERNAL, "overlay: cannot start the decode thread");
            goto done;
        }
        dec_started = 1;
        if (p.enc) {
            if (pthread_create(&enc_th, NULL, encode_thread, &p) != 0) {
                rc = gs_fail(err, GS_ERR_INTERNAL, "overlay: cannot start the encoder thread");
                goto done;
            }
            enc_started = 1;
        }
    }
    for (;;) {
        ovl_slot *sl = &p.s[p.drawn % OVL_SLOTS];
        if (opt->sequential) {
            double c0 = gs_thread_cpu_s();
            gs_status r = decode_one(&p, sl, &p.dec_err);
            main_dec_cpu += gs_thread_cpu_s() - c0;
            if (r == GS_END)
                break;
            if (r != GS_OK) {
                rc = r;
                *err = p.dec_err;
                goto done;
            }
            p.decoded++;
        } else {
            pthread_mutex_lock(&p.mu);
            while (p.drawn == p.decoded && !p.dec_done && p.enc_rc == GS_OK)
                pthread_cond_wait(&p.cv, &p.mu);
            int have = p.drawn < p.decoded && p.enc_rc == GS_OK;
            pthread_mutex_unlock(&p.mu);
            if (!have)
                break; /* the end, or a failure the checks after the loop report */
        }
        if (sl->w != W || sl->h != H) {
            rc = gs_fail(err, GS_ERR_FORMAT, "%s: frame size changes mid-stream", video);
            goto done;
        }
        c.img.data = sl->rgb;
        for (int i = 0; i < n_kf; i++)
            if (opt->keyframes[i].frame == sl->index) {
                memcpy(kraw, sl->rgb, (size_t)W * 3 * (size_t)H); /* before any drawing */
                break;
            }
        shown_list sh = {{0}, 0};
        if (findings)
            sh.n = shown_findings(findings, g, NULL, sl->t_s, stride_s, sh.f, MAX_SHOWN);
        draw_body(&c, t, g, &sh, opt, sl->index, sl->t_s);
        draw_frame_marks(&c, t, g, &sh, plot_x, plot_y, sl->index, sl->t_s);
        if (p.enc && sl->plane[0]) { /* what was drawn, into the planes the encoder takes */
            double c0 = gs_thread_cpu_s();
            gs_video_yuv_update(sl->plane, sl->plane_stride, sl->rgb, sl->ref, W * 3, W, H);
            main_enc_cpu += gs_thread_cpu_s() - c0;
        }
        for (int i = 0; i < n_kf; i++) {
            if (opt->keyframes[i].frame != sl->index)
                continue;
            double c0 = gs_thread_cpu_s();
            /* the key frame's own drawing: the body (kept for a crop), then the frame's marks
             * when it shows the whole frame */
            draw_ctx kc = c;
            kc.still = 1;
            shown_list ks = {{0}, 0};
            if (findings)
                ks.n = gs_keyframe_findings(g, t, findings, &opt->keyframes[i], ks.f, MAX_SHOWN);
            memcpy(body, kraw, (size_t)W * 3 * (size_t)H);
            kc.img.data = body;
            draw_body(&kc, t, g, &ks, opt, sl->index, sl->t_s);
            if (crops[i].whole)
                draw_frame_marks(&kc, t, g, &ks, plot_x, plot_y, sl->index, sl->t_s);
            rc = save_keyframe(&kc, g, &ks, opt, &opt->keyframes[i], &crops[i], body, sl->index,
                               sl->t_s, &tiles[i], kbuf, err);
            main_kf_cpu += gs_thread_cpu_s() - c0;
            if (rc != GS_OK)
                goto done;
        }
        if (opt->sequential) {
            if (p.enc) {
                double c0 = gs_thread_cpu_s();
                rc = encode_one(&p, sl, err);
                main_enc_cpu += gs_thread_cpu_s() - c0;
                if (rc != GS_OK)
                    goto done;
            }
            p.drawn++;
            p.encoded++;
        } else {
            pthread_mutex_lock(&p.mu);
            p.drawn++;
            if (!p.enc)
                p.encoded = p.drawn; /* no clip: drawn frames free their slots */
            pthread_cond_broadcast(&p.cv);
            pthread_mutex_unlock(&p.mu);
        }
        st.frames++;
        if (opt->progress && (!p.enc || (sl->index % 8) == 0) &&
            opt->progress(opt->progress_user, "overlay", sl->index + 1, total) != 0) {
            rc = gs_fail(err, GS_ERR_CANCELLED, "%s: cancelled", video);
            goto done;
        }
    }
    /* the encoder drains what is drawn, then stops */
    pthread_mutex_lock(&p.mu);
    p.draw_done = 1;
    pthread_cond_broadcast(&p.cv);
    pthread_mutex_unlock(&p.mu);
    if (enc_started) {
        pthread_join(enc_th, NULL);
        enc_started = 0;
    }
    if (p.enc_rc != GS_OK) {
        rc = p.enc_rc;
        *err = p.enc_err;
        goto done;
    }
    if (dec_started) {
        pthread_mutex_lock(&p.mu);
        p.stop = 1; /* key frames only: the decoder may be ahead of the last one */
        pthread_cond_broadcast(&p.cv);
        pthread_mutex_unlock(&p.mu);
        pthread_join(dec_th, NULL);
        dec_started = 0;
    }
    if (p.dec_rc != GS_OK) {
        rc = p.dec_rc;
        *err = p.dec_err;
        goto done;
    }
finish:
    rc = GS_OK;
    {
        double c0 = gs_thread_cpu_s();
        if (p.enc)
            rc = gs_encoder_close(p.enc, err);
        if (rc == GS_OK && p.slow)
            rc = gs_encoder_close(p.slow, err);
        main_enc_cpu += gs_thread_cpu_s() - c0;
    }
    if (rc == GS_OK && n_kf > 0 && opt->contact_sheet_path) {
        double c0 = gs_thread_cpu_s();
        rc = write_contact_sheet(opt->contact_sheet_path, tiles, opt->keyframes, n_kf, err);
        main_kf_cpu += gs_thread_cpu_s() - c0;
    }
done:
    if (p_init) {
        pthread_mutex_lock(&p.mu);
        p.stop = 1;
        p.draw_done = 1;
        pthread_cond_broadcast(&p.cv);
        pthread_mutex_unlock(&p.mu);
    }
    if (enc_started)
        pthread_join(enc_th, NULL);
    if (dec_started)
        pthread_join(dec_th, NULL);
    if (p_init) {
        pthread_mutex_destroy(&p.mu);
        pthread_cond_destroy(&p.cv);
    }
    st.width = W;
    st.height = H;
    st.decode_cpu_s = p.dec_cpu_s + main_dec_cpu;
    st.encode_cpu_s = p.enc_cpu_s + main_enc_cpu;
    st.keyframe_cpu_s = main_kf_cpu;
    st.seeks = p.seeks;
    st.draw_cpu_s = gs_thread_cpu_s() - cpu_main0 - main_dec_cpu - main_enc_cpu - main_kf_cpu;
    st.wall_s = gs_now_s() - t0;
    if (stats)
        *stats = st;
    if (tiles)
        for (int i = 0; i < n_kf; i++)
            free(tiles[i].rgb);
    free(tiles);
    free(crops);
    free(kbuf);
    free(body);
    free(kraw);
    for (int i = 0; i < OVL_SLOTS; i++) {
        free(p.s[i].rgb);
        free(p.s[i].ref);
        free(p.s[i].yuv);
    }
    gs_encoder_free(&p.enc);
    gs_encoder_free(&p.slow);
    gs_decoder_free(&p.dec);
    return rc;
}
