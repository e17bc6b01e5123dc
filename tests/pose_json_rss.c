/*
 * gs_pose_json_rss: reads one pose.json with gs_pose_json_read() and prints the frame count, the
 * process's peak resident memory and the read time (scripts/bench_pose_json.sh).
 * usage: gs_pose_json_rss POSE.json
 */
#include <stdio.h>

#include "pose.h"

int main(int argc, char **argv)
{
    gs_pose_track *t = NULL;
    gs_error err;
    if (argc != 2) {
        fprintf(stderr, "usage: gs_pose_json_rss POSE.json\n");
        return 2;
    }
    double t0 = gs_now_s();
    gs_status rc = gs_pose_json_read(argv[1], &t, &err);
    double t1 = gs_now_s();
    if (rc != GS_OK) {
        fprintf(stderr, "gs_pose_json_rss: %s\n", err.msg);
        return 1;
    }
    printf("frames %d peak_rss_mb %.1f read_s %.2f\n", (int)t->n_frames,
           (double)gs_peak_rss_bytes() / 1048576.0, t1 - t0);
    gs_pose_track_free(&t);
    return 0;
}
