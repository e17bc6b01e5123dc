/*
 * gs_label_count: overlapping overlay labels over a whole clip (tests/label_count.h).
 *
 * usage: gs_label_count POSE.json[.gz: gunzip first] [--height H]
 *
 * Places every frame's labels as the overlay does, on a picture of the track's size (or H px
 * high, the width in proportion, as `gaitscope analyze --overlay-height H`), and prints one table
 * row: frames, labels, overlapping pairs (all; angle-angle, angle-IC/TO, IC/TO-IC/TO), frames
 * with one, pairs within 2 px that do not overlap, labels covering a labelled point, the worst
 * frame, labels outside the picture, leader lines, jumps (a label's place beside its point moving
 * more than half a label height from one frame to the next), and the mean and largest
 * distance of a label's box from its point; --list first prints the labels of every frame with a
 * pair that overlaps or touches or a leader line (--all: of every frame). Exit 0 when it ran, 1 on
 * bad input, 2 on usage.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "label_count.h"

int main(int argc, char **argv)
{
    const char *pose = NULL;
    int32_t want_h = 0;
    int list = 0, header = 0;
    gs_error err = {0};
    gs_pose_track *t = NULL;
    gs_gait_result *r = NULL;
    gs_gait_options opt;
    gs_lc_stats st;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--list"))
            list = list ? list : 1;
        else if (!strcmp(argv[i], "--header"))
            header = 1;
        else if (!strcmp(argv[i], "--all"))
            list = 2;
        else if (!strcmp(argv[i], "--height") && i + 1 < argc)
            want_h = (int32_t)atoi(argv[++i]);
        else if (!pose)
            pose = argv[i];
        else {
            fprintf(stderr,
                    "usage: gs_label_count POSE.json [--height H] [--list] [--all] [--header]\n");
            return 2;
        }
    }
    if (!pose) {
        fprintf(stderr,
                "usage: gs_label_count POSE.json [--height H] [--list] [--all] [--header]\n");
        return 2;
    }
    memset(&opt, 0, sizeof(opt));
    opt.min_strides = 1; /* a short walk's few strides still draw their labels */
    /* a track too short for statistics still has its angles and events, which the overlay
     * draws (gaitscope analyze keeps a failed result) */
    if (gs_pose_json_read(pose, &t, &err) != GS_OK ||
        (gs_gait_analyze(t, &opt, &r, &err) != GS_OK && !r)) {
        fprintf(stderr, "gs_label_count: %s\n", err.msg);
        gs_pose_track_free(&t);
        return 1;
    }
    int32_t W = t->width, H = t->height;
    if (want_h > 0 && want_h < H) {
        /* as the decoder scales (video/decode.c out_size): the nearest even width */
        W = 2 * (int32_t)lround((double)W * want_h / H / 2);
        H = want_h;
    }
    gs_lc_count_list(t, r, W, H, list, &st);
    if (header)
        printf("| clip | size | frames | labels | overlapping pairs | angle-angle angle-IC/TO "
               "IC/TO-IC/TO | frames with one | pairs within 2 px | labels over a labelled point "
               "| worst frame (pairs) | outside | leaders | jumps | mean / max px from its point "
               "| label-ring pairs | labels over a joint (a free spot within reach) | bone px "
               "under labels |\n");
    printf(
        "| %-32s | %4dx%-4d | %4lld | %5lld | %4lld | %3lld %3lld %3lld | %4lld | %4lld | %4lld "
        "| %5lld (%d) | %3lld | %4lld | %4lld | %5.1f | %5.1f | %4lld | %4lld (%lld) | %7.0f |\n",
        t->source, W, H, (long long)st.frames, (long long)st.labels, (long long)st.pairs,
        (long long)st.pairs_kind[0], (long long)st.pairs_kind[1], (long long)st.pairs_kind[2],
        (long long)st.frames_hit, (long long)st.touching, (long long)st.covering,
        (long long)st.worst_frame, st.worst_pairs, (long long)st.outside, (long long)st.leaders,
        (long long)st.jumps, st.labels ? st.moved_sum_px / (double)st.labels : 0.0, st.moved_max_px,
        (long long)st.ring_pairs, (long long)st.joint_labels, (long long)st.joint_free, st.bone_px);
    gs_gait_result_free(&r);
    gs_pose_track_free(&t);
    return 0;
}
