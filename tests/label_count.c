#include "label_count.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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
        int n = gs_overlay_frame_labels(g, f, pf->t_s, kp, s, W, H, lab, GS_OVERLAY_MAX_LABELS);
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
