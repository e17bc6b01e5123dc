/*
 * gs_event_score: the gait stage's events on a real clip's pose.json against eye labels, and two
 * raters against each other (issue 13).
 *
 * usage: gs_event_score POSE.json[.gz: gunzip first] LABELS.csv [OTHER_RATER.csv]
 *        [--view side-left|side-right|rear|front] [--activity run|walk] [--tol FRAMES]
 *
 * Prints one table row per event type: labels, matched, missed, extra, bias, MAE, worst (frames;
 * a detected event at fractional frame f counts as frame ceil(f), the first frame at or after it,
 * as a rater would mark it), then the same for rater 2 against rater 1 when given, then the
 * detector's activity and median contact times. Exit 0 when it ran, 1 on bad input, 2 on usage.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_score.h"
#include "gait.h"
#include "pose.h"

#define CAP 4096

static void row(const char *who, const char *name, const gs_evs_stats *s)
{
    static const char *tn[2] = {"contact", "swing"};
    for (int t = 0; t < 2; t++)
        printf("| %-8s | %-36s | %-7s | %3d | %3d | %3d | %3d | %+5.2f | %4.2f | %4.1f |\n", who,
               name, tn[t], s[t].n_truth, s[t].matched, s[t].missed, s[t].extra, s[t].bias,
               s[t].mae, s[t].worst);
}

int main(int argc, char **argv)
{
    const char *pose = NULL, *lab[2] = {NULL, NULL};
    gs_gait_options opt;
    double tol = 6;
    static gs_evs_event la[CAP], lb[CAP], det[CAP];
    char msg[512];
    gs_error err = {0};
    gs_pose_track *t = NULL;
    gs_gait_result *r = NULL;
    gs_evs_stats st[2];
    int na, nb = 0, nl = 0, nd, nev;

    memset(&opt, 0, sizeof(opt));
    opt.min_strides = 1; /* events are scored even when too few strides make statistics */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--view") && i + 1 < argc) {
            const char *v = argv[++i];
            opt.view = !strcmp(v, "side-left")    ? GS_GAIT_VIEW_SIDE_LEFT
                       : !strcmp(v, "side-right") ? GS_GAIT_VIEW_SIDE_RIGHT
                       : !strcmp(v, "rear")       ? GS_GAIT_VIEW_REAR
                       : !strcmp(v, "front")      ? GS_GAIT_VIEW_FRONT
                                                  : GS_GAIT_VIEW_UNKNOWN;
        } else if (!strcmp(a, "--activity") && i + 1 < argc) {
            const char *v = argv[++i];
            opt.activity = !strcmp(v, "run") ? GS_GAIT_ACTIVITY_RUN : GS_GAIT_ACTIVITY_WALK;
        } else if (!strcmp(a, "--tol") && i + 1 < argc) {
            tol = atof(argv[++i]);
        } else if (a[0] == '-') {
            fprintf(stderr, "gs_event_score: unknown option %s\n", a);
            return 2;
        } else if (!pose) {
            pose = a;
        } else if (nl < 2) {
            lab[nl++] = a;
        }
    }
    if (!pose || nl == 0) {
        fprintf(stderr, "usage: gs_event_score POSE.json LABELS.csv [OTHER.csv] [--view V] "
                        "[--activity run|walk] [--tol FRAMES]\n");
        return 2;
    }
    na = gs_evs_read_labels(lab[0], la, CAP, msg, sizeof(msg));
    if (na < 0 || (nl > 1 && (nb = gs_evs_read_labels(lab[1], lb, CAP, msg, sizeof(msg))) < 0)) {
        fprintf(stderr, "gs_event_score: %s\n", msg);
        return 1;
    }
    if (gs_pose_json_read(pose, &t, &err) == GS_OK && gs_gait_analyze(t, &opt, &r, &err) != GS_OK)
        fprintf(stderr, "gs_event_score: %s (events scored anyway)\n", err.msg);
    if (!r) {
        fprintf(stderr, "gs_event_score: %s\n", err.msg);
        gs_pose_track_free(&t);
        gs_gait_result_free(&r);
        return 1;
    }
    const gs_gait_event *ev = gs_gait_result_events(r, &nev);
    nd = 0;
    for (int i = 0; i < nev && nd < CAP; i++) {
        det[nd].foot = ev[i].side == GS_GAIT_SIDE_RIGHT;
        det[nd].type = ev[i].type == GS_GAIT_EVENT_TO;
        det[nd].frame = ev[i].frame;
        det[nd].confidence = 0;
        nd++;
    }
    const char *base = strrchr(lab[0], '/') ? strrchr(lab[0], '/') + 1 : lab[0];
    printf("| who      | labels                               | event   | n   | hit | mis | ext | bias  | MAE  | wrst |\n");
    gs_evs_score(la, na < CAP ? na : CAP, det, nd, tol, 1, st);
    row("detector", base, st);
    if (nl > 1) {
        const char *b2 = strrchr(lab[1], '/') ? strrchr(lab[1], '/') + 1 : lab[1];
        gs_evs_score(lb, nb < CAP ? nb : CAP, det, nd, tol, 1, st);
        row("detector", b2, st);
        gs_evs_score(la, na < CAP ? na : CAP, lb, nb < CAP ? nb : CAP, tol, 0, st);
        row("raters", "second vs first", st);
    }
    {
        double v[2] = {NAN, NAN}, sd;
        int n;
        for (int s = 0; s < 2; s++)
            gs_gait_result_metric(r, "ground_contact_ms", s, &v[s], &sd, &n);
        printf("activity %s, contact L/R %.0f/%.0f ms, %d events\n",
               gs_gait_result_activity(r) == GS_GAIT_ACTIVITY_RUN    ? "run"
               : gs_gait_result_activity(r) == GS_GAIT_ACTIVITY_WALK ? "walk"
                                                               : "unknown",
               v[0], v[1], nd);
    }
    gs_gait_result_free(&r);
    gs_pose_track_free(&t);
    return 0;
}
