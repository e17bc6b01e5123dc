#include "label_count.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const int gs_lc_joints[GS_LC_N_JOINTS] = {11, 12, 13, 14, 15, 16, 23, 24,
                                          25, 26, 27, 28, 29, 30, 31, 32};

double gs_lc_segment_in_box(float ax, float ay, float bx, float by, const gs_label_box *b, float e)
{
    /* Liang-Barsky: the part t0..t1 of a + t (b - a) inside the box */
    double t0 = 0, t1 = 1, dx = (double)bx - ax, dy = (double)by - ay;
    const double p[4] = {-dx, dx, -dy, dy};
    const double q[4] = {(double)ax - (b->x0 - e), (double)(b->x1 + e) - ax,
                         (double)ay - (b->y0 - e), (double)(b->y1 + e) - ay};
    if (!isfinite(dx) || !isfinite(dy))
        return 0;
    for (int k = 0; k < 4; k++) {
        if (p[k] == 0) {
            if (q[k] < 0)
                return 0;
            continue;
        }
        double r = q[k] / p[k];
        if (p[k] < 0)
            t0 = r > t0 ? r : t0;
        else
            t1 = r < t1 ? r : t1;
    }
    return t1 > t0 ? (t1 - t0) * hypot(dx, dy) : 0;
}

/* Distance from the point x, y to the box b (0 inside it). */
static float box_dist(const gs_label_box *b, float x, float y)
{
    float dx = x < b->x0 ? b->x0 - x : x > b->x1 ? x - b->x1 : 0;
    float dy = y < b->y0 ? b->y0 - y : y > b->y1 ? y - b->y1 : 0;
    return hypotf(dx, dy);
}

/* The overlay's drawing sizes at size scale s (overlay.c draw_thickness, draw_skeleton's dots,
 * draw_labels' rings). */
typedef struct marks {
    float thick, dot_r, ring_r;
    float ring[8][2]; /* the rings' centres this frame */
    int n_ring;
} marks;

/* 1 when label i of lab could sit somewhere free within its reach (gs_lc_stats.joint_free): its
 * box moved on a grid of step px, with a margin of a step on every rule. */
static int free_spot_within_reach(const gs_overlay_label *lab, int n, int i, const gs_kp *kp,
                                  const marks *mk, const float area[4], float step)
{
    const gs_overlay_label *l = &lab[i];
    const float pad = 2 + step, m = step;
    float bw = l->box.x1 - l->box.x0, bh = l->box.y1 - l->box.y0;
    int nx = (int)ceilf((bw + 2 * l->reach) / step), ny = (int)ceilf((bh + 2 * l->reach) / step);
    for (int iy = -ny; iy <= ny; iy++)
        for (int ix = -nx; ix <= nx; ix++) {
            gs_label_box b = l->box;
            float dx = (float)ix * step, dy = (float)iy * step;
            b.x0 += dx;
            b.x1 += dx;
            b.y0 += dy;
            b.y1 += dy;
            int ok = b.x0 >= area[0] + m && b.y0 >= area[1] + m && b.x1 <= area[2] - m &&
                     b.y1 <= area[3] - m && box_dist(&b, l->ax, l->ay) <= l->reach - m;
            for (int j = 0; ok && j < n; j++)
                ok = j == i || !(b.x0 < lab[j].box.x1 + pad && lab[j].box.x0 < b.x1 + pad &&
                                 b.y0 < lab[j].box.y1 + pad && lab[j].box.y0 < b.y1 + pad);
            for (int j = 0; ok && j < mk->n_ring; j++)
                ok = box_dist(&b, mk->ring[j][0], mk->ring[j][1]) >= mk->ring_r + pad;
            for (int j = 0; ok && j < GS_LC_N_JOINTS; j++)
                ok = box_dist(&b, kp[gs_lc_joints[j]].x, kp[gs_lc_joints[j]].y) >= mk->dot_r + m;
            if (ok)
                return 1;
        }
    return 0;
}

int gs_lc_boxes_meet(const gs_label_box *a, const gs_label_box *b)
{
    return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 && b->y0 < a->y1;
}

/* 1 when a and b are the same label on two frames: kind, side and name (the text's first word) */
static int same_label(const gs_overlay_label *a, const gs_overlay_label *b)
{
    size_t n = strcspn(a->txt, " ");
    return a->kind == b->kind && a->colour == b->colour && strncmp(a->txt, b->txt, n) == 0 &&
           (b->txt[n] == ' ' || b->txt[n] == 0);
}

/* x of l's box side nearer its point, relative to the point */
static float near_side(const gs_overlay_label *l)
{
    float c = 0.5f * (l->box.x0 + l->box.x1);
    return (l->ax >= c ? l->box.x1 : l->box.x0) - l->ax;
}

static int kind_pair(const gs_overlay_label *a, const gs_overlay_label *b)
{
    return (a->kind == GS_OVERLAY_LABEL_EVENT) + (b->kind == GS_OVERLAY_LABEL_EVENT);
}

void gs_lc_count(const gs_pose_track *t, const gs_gait_result *g, int32_t W, int32_t H,
                 gs_lc_stats *st)
{
    gs_lc_count_list(t, g, W, H, 0, st);
}

void gs_lc_count_list(const gs_pose_track *t, const gs_gait_result *g, int32_t W, int32_t H,
                      int list, gs_lc_stats *st)
{
    memset(st, 0, sizeof(*st));
    st->worst_frame = -1;
    if (!t || !g || W <= 0 || H <= 0 || t->width <= 0 || t->height <= 0)
        return;
    /* the overlay's size scale (overlay.c draw_scale): 1 at 720 px on the short side, >= 0.5 */
    float s = (float)(W < H ? W : H) / 720.0f;
    s = s < 0.5f ? 0.5f : s;
    float sx = (float)W / (float)t->width, sy = (float)H / (float)t->height;
    marks mk;
    mk.thick = lroundf(3 * s) < 2 ? 2.0f : (float)lroundf(3 * s);
    mk.dot_r = 1.4f * mk.thick;
    mk.ring_r = 14 * s + 0.5f * mk.thick;
    const float step = fmaxf(1.0f, roundf(s));
    int n_bones = 0, n_ev = 0;
    const gs_kp_bone *bones = gs_kp_bones(&n_bones);
    const gs_gait_event *ev = gs_gait_result_events(g, &n_ev);
    gs_overlay_label prev[GS_OVERLAY_MAX_LABELS];
    int n_prev = 0;
    int64_t prev_f = -2;
    for (int64_t f = 0; f < t->n_frames; f++) {
        const gs_pose_frame *pf = &t->frames[f];
        if (!pf->has_kp)
            continue;
        gs_kp kp[GS_POSE_NKP];
        for (int k = 0; k < GS_POSE_NKP; k++) {
            kp[k] = pf->kp[k];
            kp[k].x *= sx;
            kp[k].y *= sy;
        }
        gs_overlay_label lab[GS_OVERLAY_MAX_LABELS];
        /* the frame before's labels, as the overlay's pass keeps them */
        int n = gs_overlay_frame_labels(g, f, pf->t_s, 0, kp, s, W, H, prev,
                                        f == prev_f + 1 ? n_prev : 0, lab, GS_OVERLAY_MAX_LABELS);
        float area[4];
        gs_overlay_label_area(kp, s, W, H, area);
        /* the rings: at the heel for 0.25 s after a contact, at the toe after a toe-off
         * (overlay.c draw_labels) */
        mk.n_ring = 0;
        for (int i = 0; i < n_ev && mk.n_ring < 8; i++) {
            if (gs_overlay_event_shown(&ev[i], f, pf->t_s, 0) <= 0)
                continue;
            int left = ev[i].side == GS_GAIT_SIDE_LEFT;
            int k = ev[i].type == GS_GAIT_EVENT_IC ? (left ? 29 : 30) : (left ? 31 : 32);
            mk.ring[mk.n_ring][0] = kp[k].x;
            mk.ring[mk.n_ring][1] = kp[k].y;
            mk.n_ring++;
        }
        for (int i = 0; i < n && f == prev_f + 1; i++)
            for (int j = 0; j < n_prev; j++)
                if (same_label(&lab[i], &prev[j])) {
                    /* the box's side toward its point (a left label's right end: a number
                     * gaining a minus sign widens it leftward, which is no jump) and its
                     * middle height, relative to the point */
                    float h = lab[i].box.y1 - lab[i].box.y0;
                    float dx = near_side(&lab[i]) - near_side(&prev[j]);
                    float dy = (0.5f * (lab[i].box.y0 + lab[i].box.y1) - lab[i].ay) -
                               (0.5f * (prev[j].box.y0 + prev[j].box.y1) - prev[j].ay);
                    st->jumps += hypotf(dx, dy) > 0.5f * h;
                    break;
                }
        int hit = 0, near = 0, lead = 0;
        st->frames++;
        st->labels += n;
        for (int i = 0; i < n; i++) {
            const gs_label_box *b = &lab[i].box;
            st->outside += b->x0 < 0 || b->y0 < 0 || b->x1 > (float)W || b->y1 > (float)H;
            st->leaders += lab[i].leader;
            float dx = lab[i].ax < b->x0   ? b->x0 - lab[i].ax
                       : lab[i].ax > b->x1 ? lab[i].ax - b->x1
                                           : 0;
            float dy = lab[i].ay < b->y0   ? b->y0 - lab[i].ay
                       : lab[i].ay > b->y1 ? lab[i].ay - b->y1
                                           : 0;
            double d = hypot(dx, dy);
            st->moved_sum_px += d;
            st->moved_max_px = d > st->moved_max_px ? d : st->moved_max_px;
            for (int j = 0; j < i; j++) {
                gs_label_box g2 = lab[j].box;
                if (gs_lc_boxes_meet(b, &g2)) {
                    hit++;
                    st->pairs_kind[kind_pair(&lab[i], &lab[j])]++;
                    continue;
                }
                /* 2 px less a rounding error: the placement keeps labels 2 px apart */
                g2.x0 -= 1.99f;
                g2.y0 -= 1.99f;
                g2.x1 += 1.99f;
                g2.y1 += 1.99f;
                near += gs_lc_boxes_meet(b, &g2);
            }
            int cover = 0;
            for (int j = 0; j < n; j++)
                cover |= lab[j].ax > b->x0 && lab[j].ax < b->x1 && lab[j].ay > b->y0 &&
                         lab[j].ay < b->y1;
            st->covering += cover;
            for (int j = 0; j < mk.n_ring; j++)
                st->ring_pairs += box_dist(b, mk.ring[j][0], mk.ring[j][1]) < mk.ring_r;
            int joint = 0;
            for (int j = 0; j < GS_LC_N_JOINTS; j++)
                joint |= box_dist(b, kp[gs_lc_joints[j]].x, kp[gs_lc_joints[j]].y) < mk.dot_r;
            st->joint_labels += joint;
            if (joint && free_spot_within_reach(lab, n, i, kp, &mk, area, step)) {
                st->joint_free++;
                if (list)
                    printf("frame %lld: '%s' covers a joint, a free spot was within reach\n",
                           (long long)f, lab[i].txt);
            }
            for (int j = 0; j < n_bones; j++)
                if (bones[j].part != GS_KP_PART_HAND)
                    st->bone_px +=
                        gs_lc_segment_in_box(kp[bones[j].a].x, kp[bones[j].a].y, kp[bones[j].b].x,
                                             kp[bones[j].b].y, b, 0.5f * mk.thick);
        }
        st->touching += near;
        for (int i = 0; i < n; i++)
            lead |= lab[i].leader;
        if (list > 1 || (list && (hit || near || lead))) {
            printf("frame %lld (t %.3f s): %d overlapping, %d within 2 px\n", (long long)f, pf->t_s,
                   hit, near);
            for (int i = 0; i < n; i++)
                printf("  %-14s point %6.1f %6.1f  box %7.1f %7.1f %7.1f %7.1f%s\n", lab[i].txt,
                       lab[i].ax, lab[i].ay, lab[i].box.x0, lab[i].box.y0, lab[i].box.x1,
                       lab[i].box.y1, lab[i].leader ? "  leader" : "");
        }
        memcpy(prev, lab, (size_t)n * sizeof(*lab));
        n_prev = n;
        prev_f = f;
        st->pairs += hit;
        st->frames_hit += hit > 0;
        if (hit > st->worst_pairs) {
            st->worst_pairs = hit;
            st->worst_frame = f;
        }
    }
}
