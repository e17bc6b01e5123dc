/*
 * Event scoring (see event_score.h).
 */
#include "event_score.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gs_evs_read_labels(const char *path, gs_evs_event *ev, int cap, char *msg, int msg_len)
{
    FILE *f = fopen(path, "r");
    char line[512];
    int n = 0, ln = 0;
    if (!f) {
        snprintf(msg, (size_t)msg_len, "%s: cannot open", path);
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        char foot[16], type[16];
        int frame, conf = 0;
        ln++;
        if (ln == 1) {
            if (strncmp(line, "foot,event,frame", 16) != 0) {
                snprintf(msg, (size_t)msg_len, "%s:1: header must start foot,event,frame", path);
                fclose(f);
                return -1;
            }
            continue;
        }
        if (line[0] == '\n' || line[0] == '\r' || line[0] == '#')
            continue;
        if (sscanf(line, "%15[^,],%15[^,],%d,%d", foot, type, &frame, &conf) < 3 ||
            (strcmp(foot, "left") && strcmp(foot, "right")) ||
            (strcmp(type, "contact") && strcmp(type, "swing")) || frame < 0) {
            snprintf(msg, (size_t)msg_len, "%s:%d: expected left|right,contact|swing,FRAME,...",
                     path, ln);
            fclose(f);
            return -1;
        }
        if (n < cap) {
            ev[n].foot = strcmp(foot, "right") == 0;
            ev[n].type = strcmp(type, "swing") == 0;
            ev[n].frame = frame;
            ev[n].confidence = conf;
        }
        n++;
    }
    fclose(f);
    return n;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void gs_evs_score(const gs_evs_event *truth, int n_truth, const gs_evs_event *det, int n_det,
                  double tol_frames, int quantize, gs_evs_stats st[2])
{
    int *tm = calloc((size_t)n_truth + 1, sizeof(int)), *dm = calloc((size_t)n_det + 1, sizeof(int));
    double *gap = malloc(sizeof(double) * ((size_t)n_truth + 1));
    memset(st, 0, 2 * sizeof(*st));
    if (!tm || !dm || !gap)
        goto out;
    /* greedy one-to-one matching, smallest distance first */
    for (;;) {
        int bi = -1, bj = -1;
        double bd = tol_frames;
        for (int i = 0; i < n_truth; i++) {
            if (tm[i])
                continue;
            for (int j = 0; j < n_det; j++) {
                if (dm[j] || det[j].foot != truth[i].foot || det[j].type != truth[i].type)
                    continue;
                double f = quantize ? ceil(det[j].frame - 1e-9) : det[j].frame;
                double d = fabs(f - truth[i].frame);
                if (d <= bd) {
                    bd = d;
                    bi = i;
                    bj = j;
                }
            }
        }
        if (bi < 0)
            break;
        tm[bi] = bj + 1;
        dm[bj] = bi + 1;
    }
    for (int type = 0; type < 2; type++) {
        gs_evs_stats *s = &st[type];
        double sum = 0, sabs = 0;
        for (int i = 0; i < n_truth; i++) {
            if (truth[i].type != type)
                continue;
            s->n_truth++;
            if (!tm[i])
                continue;
            double f = det[tm[i] - 1].frame;
            double e = (quantize ? ceil(f - 1e-9) : f) - truth[i].frame;
            s->matched++;
            sum += e;
            sabs += fabs(e);
            s->worst = fmax(s->worst, fabs(e));
        }
        s->missed = s->n_truth - s->matched;
        s->bias = s->matched ? sum / s->matched : NAN;
        s->mae = s->matched ? sabs / s->matched : NAN;
        /* extras: unmatched detections inside a covered stretch of the same foot and type */
        for (int foot = 0; foot < 2; foot++) {
            int ng = 0;
            double med;
            for (int i = 0; i < n_truth; i++)
                if (truth[i].type == type && truth[i].foot == foot)
                    gap[ng++] = truth[i].frame;
            qsort(gap, (size_t)ng, sizeof(double), cmp_dbl);
            if (ng < 2)
                continue;
            double *iv = malloc(sizeof(double) * (size_t)ng);
            if (!iv)
                continue;
            for (int i = 1; i < ng; i++)
                iv[i - 1] = gap[i] - gap[i - 1];
            qsort(iv, (size_t)(ng - 1), sizeof(double), cmp_dbl);
            med = iv[(ng - 1) / 2];
            free(iv);
            for (int j = 0; j < n_det; j++) {
                if (dm[j] || det[j].foot != foot || det[j].type != type)
                    continue;
                for (int i = 1; i < ng; i++)
                    if (det[j].frame > gap[i - 1] - tol_frames &&
                        det[j].frame < gap[i] + tol_frames && gap[i] - gap[i - 1] <= 1.6 * med) {
                        s->extra++;
                        break;
                    }
            }
        }
    }
out:
    free(tm);
    free(dm);
    free(gap);
}
