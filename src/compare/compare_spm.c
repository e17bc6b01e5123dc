/*
 * Where in the gait cycle two sets of curves differ: nonparametric statistical parametric
 * mapping (SPM) with one family-wise maximum statistic over every node of every curve.
 *
 * Method (Nichols & Holmes 2002, Hum Brain Mapp 15:1, "Nonparametric permutation tests for
 * functional neuroimaging"; applied to gait curves by Pataky, Vanrenterghem & Robinson 2015,
 * J Biomech 48:1277, "Zero- vs. one-dimensional, parametric vs. non-parametric, and confidence
 * interval vs. hypothesis testing procedures in one-dimensional biomechanical trajectory
 * analysis"; spm1d is their reference implementation, read for the method only):
 *   1. at every node q (0..100 % of the stride) of every curve c (angle and side), the two-sample
 *      statistic t_c(q) of after against before over the strides (Welch's t, as the scalar test
 *      in compare_stats.c);
 *   2. relabel the strides at random (which strides are "before") B times; each relabeling gives
 *      M_b = max over all nodes and all curves of |t|. Curves of one side with the same stride
 *      counts are relabeled together (they are the same strides seen through different angles),
 *      which keeps their correlation in the null distribution;
 *   3. the critical threshold t* is the (1 - alpha) quantile of {M_b} (the observed labeling
 *      included): under the null hypothesis the chance that |t| exceeds t* anywhere, in any
 *      curve, is alpha. This one threshold replaces a correction per node and per curve;
 *   4. the phases shown are the runs of nodes where |t| > t* AND |mean after - mean before| is at
 *      least the angle's minimal change (models/minimal_change.json "curves"), the same two
 *      gates as the scalar verdicts. Each phase reports its peak |t| and the family-wise p of
 *      that peak, #{M_b >= peak} / (B + 1).
 * The generator is the caller's seeded one, so a comparison is reproducible.
 */
#include "compare_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N GS_COMPARE_CURVE_N

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Node-wise t of the labeling where pooled rows idx[0..nb-1] are "before". tot/totq are the
 * column sums over all rows; writes t[] and returns the largest |t|. */
static double curve_t(const double *pool, int nb, int na, const int *idx, const double *tot,
                      const double *totq, double *t)
{
    double s[N], q[N], best = 0;
    memset(s, 0, sizeof(s));
    memset(q, 0, sizeof(q));
    for (int i = 0; i < nb; i++) {
        const double *row = pool + (size_t)idx[i] * N;
        for (int k = 0; k < N; k++) {
            s[k] += row[k];
            q[k] += row[k] * row[k];
        }
    }
    for (int k = 0; k < N; k++) {
        double v = gs_compare__welch_t(s[k], q[k], nb, tot[k] - s[k], totq[k] - q[k], na);
        if (t)
            t[k] = v;
        if (fabs(v) > best)
            best = fabs(v);
    }
    return best;
}

typedef struct spm_curve {
    int row;   /* index in c->curves */
    int group; /* relabeling group */
    int nb, na;
    double *pool; /* (nb + na) x N: before rows then after rows */
    double tot[N], totq[N];
} spm_curve;

gs_status gs_compare__spm(gs_comparison *c, const double *const *yb, const double *const *ya,
                          gs_compare_rng *rng, gs_error *err)
{
    int nc = 0, ng = 0, B = c->opt.n_perm;
    spm_curve *cv = NULL;
    int *gside = NULL, *gnb = NULL, *gna = NULL, **gidx = NULL;
    double *maxima = NULL;
    gs_status rc = GS_OK;
    double alpha = c->opt.alpha;

    c->spm_threshold = NAN;
    c->spm_perm = 0;
    cv = calloc((size_t)(c->n_curves > 0 ? c->n_curves : 1), sizeof(*cv));
    gside = calloc((size_t)(c->n_curves > 0 ? c->n_curves : 1), sizeof(int));
    gnb = calloc((size_t)(c->n_curves > 0 ? c->n_curves : 1), sizeof(int));
    gna = calloc((size_t)(c->n_curves > 0 ? c->n_curves : 1), sizeof(int));
    gidx = calloc((size_t)(c->n_curves > 0 ? c->n_curves : 1), sizeof(int *));
    maxima = malloc(sizeof(double) * (size_t)(B + 1));
    if (!cv || !gside || !gnb || !gna || !gidx || !maxima) {
        rc = gs_fail(err, GS_ERR_NOMEM, "curves: out of memory");
        goto done;
    }
    for (int i = 0; i < c->n_curves; i++) {
        gs_compare_curve_row *r = &c->curves[i];
        spm_curve *s = &cv[nc];
        int g;
        if (r->verdict == GS_COMPARE_VERDICT_NOT_COMPARABLE || r->n_before < 2 || r->n_after < 2)
            continue;
        s->row = i;
        s->nb = r->n_before;
        s->na = r->n_after;
        s->pool = malloc(sizeof(double) * (size_t)(s->nb + s->na) * N);
        if (!s->pool) {
            rc = gs_fail(err, GS_ERR_NOMEM, "curves: out of memory");
            goto done;
        }
        memcpy(s->pool, yb[i], sizeof(double) * (size_t)s->nb * N);
        memcpy(s->pool + (size_t)s->nb * N, ya[i], sizeof(double) * (size_t)s->na * N);
        for (int k = 0; k < N; k++) {
            s->tot[k] = s->totq[k] = 0;
            for (int j = 0; j < s->nb + s->na; j++) {
                double v = s->pool[(size_t)j * N + k];
                s->tot[k] += v;
                s->totq[k] += v * v;
            }
        }
        for (g = 0; g < ng; g++)
            if (gside[g] == (int)r->side && gnb[g] == s->nb && gna[g] == s->na)
                break;
        if (g == ng) {
            gside[g] = (int)r->side;
            gnb[g] = s->nb;
            gna[g] = s->na;
            gidx[g] = malloc(sizeof(int) * (size_t)(s->nb + s->na));
            if (!gidx[g]) {
                rc = gs_fail(err, GS_ERR_NOMEM, "curves: out of memory");
                goto done;
            }
            ng++;
        }
        s->group = g;
        nc++;
    }
    if (nc == 0)
        goto done;

    /* observed labeling: rows 0..nb-1 are before */
    maxima[0] = 0;
    for (int g = 0; g < ng; g++)
        for (int j = 0; j < gnb[g] + gna[g]; j++)
            gidx[g][j] = j;
    for (int i = 0; i < nc; i++) {
        gs_compare_curve_row *r = &c->curves[cv[i].row];
        double m =
            curve_t(cv[i].pool, cv[i].nb, cv[i].na, gidx[cv[i].group], cv[i].tot, cv[i].totq, r->t);
        if (m > maxima[0])
            maxima[0] = m;
    }
    for (int b = 1; b <= B; b++) {
        double mb = 0;
        for (int g = 0; g < ng; g++)
            gs_compare__shuffle(rng, gidx[g], gnb[g] + gna[g]);
        for (int i = 0; i < nc; i++) {
            double m = curve_t(cv[i].pool, cv[i].nb, cv[i].na, gidx[cv[i].group], cv[i].tot,
                               cv[i].totq, NULL);
            if (m > mb)
                mb = m;
        }
        maxima[b] = mb;
    }
    {
        double *sorted = malloc(sizeof(double) * (size_t)(B + 1));
        int k;
        if (!sorted) {
            rc = gs_fail(err, GS_ERR_NOMEM, "curves: out of memory");
            goto done;
        }
        memcpy(sorted, maxima, sizeof(double) * (size_t)(B + 1));
        qsort(sorted, (size_t)(B + 1), sizeof(double), cmp_double);
        /* the smallest value exceeded by at most alpha of the maxima */
        k = (int)ceil((1.0 - alpha) * (B + 1)) - 1;
        if (k < 0)
            k = 0;
        if (k > B)
            k = B;
        c->spm_threshold = sorted[k];
        c->spm_perm = B;
        free(sorted);
    }

    for (int i = 0; i < nc; i++) {
        gs_compare_curve_row *r = &c->curves[cv[i].row];
        int q = 0;
        r->n_phases = 0;
        while (q < N) {
            int q0, q1;
            double peak = 0, sum = 0;
            if (!(fabs(r->t[q]) > c->spm_threshold &&
                  fabs(r->mean_after[q] - r->mean_before[q]) >= r->minimal_change)) {
                q++;
                continue;
            }
            q0 = q;
            while (q < N && fabs(r->t[q]) > c->spm_threshold &&
                   fabs(r->mean_after[q] - r->mean_before[q]) >= r->minimal_change) {
                peak = fmax(peak, fabs(r->t[q]));
                sum += r->mean_after[q] - r->mean_before[q];
                q++;
            }
            q1 = q - 1;
            if (r->n_phases < GS_COMPARE_MAX_PHASES) {
                gs_compare_phase *ph = &r->phases[r->n_phases++];
                int hits = 0;
                for (int b = 0; b <= B; b++)
                    hits += maxima[b] >= peak * (1 - 1e-12);
                ph->start_pct = q0;
                ph->end_pct = q1;
                ph->peak_t = peak;
                ph->p = (double)hits / (B + 1);
                ph->mean_diff = sum / (q1 - q0 + 1);
            }
        }
        r->verdict = r->n_phases > 0 ? GS_COMPARE_VERDICT_REAL : GS_COMPARE_VERDICT_NOISE;
        if (r->n_phases > 0)
            snprintf(r->why, sizeof(r->why),
                     "%d phase%s where |t| > %.2f and the mean change >= %.1f deg", r->n_phases,
                     r->n_phases == 1 ? "" : "s", c->spm_threshold, r->minimal_change);
        else
            snprintf(r->why, sizeof(r->why),
                     "no phase where |t| > %.2f and the mean change >= %.1f deg", c->spm_threshold,
                     r->minimal_change);
    }

done:
    for (int i = 0; cv && i < c->n_curves; i++)
        free(cv[i].pool);
    for (int g = 0; gidx && g < ng; g++)
        free(gidx[g]);
    free(cv);
    free(gside);
    free(gnb);
    free(gna);
    free(gidx);
    free(maxima);
    return rc;
}
