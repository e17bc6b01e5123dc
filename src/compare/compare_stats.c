/*
 * The stride statistics of the comparison: a seeded generator, the two-sample permutation test on
 * Welch's t, Hedges' g, and Holm's correction.
 *
 * Why a permutation test on Welch's t. The per-stride values of one session are few (7-30 per
 * side), often skewed (a contact time cannot go below zero, a peak angle is a maximum) and their
 * spread can differ between sessions (a runner who changed form is often less consistent at
 * first). A t test with its t distribution assumes normal data; a permutation test assumes only
 * that, with no change, the stride labels "before" and "after" are exchangeable, and it is exact
 * then whatever the distribution (Fisher 1935; Good, Permutation Tests, 2nd ed. 2000). Using the
 * studentised statistic (Welch's t) rather than the raw mean difference keeps the test valid,
 * asymptotically, when the two spreads differ even though the labels are then not exchangeable
 * (Janssen 1997, Stat Probab Lett 36:9; Chung & Romano 2013, Ann Statist 41:484).
 * Strides of one session are serially correlated (stride-interval fractal dynamics: Hausdorff et
 * al. 1995, J Appl Physiol 78:349), which no stride test removes; that is one reason the minimal
 * change gate comes first (compare.c).
 *
 * Effect size: Hedges' g = (mean_b - mean_a) / pooled SD x J, J = 1 - 3 / (4 (na + nb) - 9)
 * (Hedges 1981, J Educ Stat 6:107), reported beside the test, not used in the verdict.
 */
#include "compare_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- generator: xoshiro256** seeded by splitmix64 (Blackman & Vigna 2021, ACM TOMS 47:36;
 * Steele, Lea & Flood 2014, OOPSLA "Fast splittable pseudorandom number generators") ---- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void gs_compare_rng_seed(gs_compare_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t next64(gs_compare_rng *r)
{
    uint64_t *s = r->s;
    uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return res;
}

uint32_t gs_compare_rng_below(gs_compare_rng *r, uint32_t n)
{
    /* Lemire 2019, "Fast random integer generation in an interval", ACM Trans Model Comput
     * Simul 29(1):3: the high
     * half of a 32x32 product, rejecting the few low halves that would bias it. */
    uint32_t x = (uint32_t)(next64(r) >> 32);
    uint64_t m = (uint64_t)x * n;
    uint32_t l = (uint32_t)m;
    if (l < n) {
        uint32_t th = (uint32_t)(-n) % n;
        while (l < th) {
            x = (uint32_t)(next64(r) >> 32);
            m = (uint64_t)x * n;
            l = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

void gs_compare__shuffle(gs_compare_rng *r, int *idx, int n)
{
    /* Fisher-Yates (Durstenfeld 1964) */
    for (int i = n - 1; i > 0; i--) {
        int j = (int)gs_compare_rng_below(r, (uint32_t)i + 1);
        int t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}

/* ---- Welch's t from sums ---- */

double gs_compare__welch_t(double sa, double qa, int na, double sb, double qb, int nb)
{
    double ma = sa / na, mb = sb / nb;
    double va = (qa - sa * ma) / (na - 1), vb = (qb - sb * mb) / (nb - 1);
    double se2, scale = 1.0 + fabs(ma) + fabs(mb);
    if (va < 0)
        va = 0; /* rounding of the one-pass formula */
    if (vb < 0)
        vb = 0;
    se2 = va / na + vb / nb;
    /* Identical values in both groups (e.g. a belt speed typed once): no spread at all. A floor
     * far below any real measurement keeps t finite and ordered. */
    if (se2 < 1e-24 * scale * scale)
        se2 = 1e-24 * scale * scale;
    return (mb - ma) / sqrt(se2);
}

static void mean_sd(const double *v, int n, double *m, double *sd)
{
    double s = 0, q = 0;
    for (int i = 0; i < n; i++)
        s += v[i];
    *m = n > 0 ? s / n : NAN;
    for (int i = 0; i < n; i++)
        q += (v[i] - *m) * (v[i] - *m);
    *sd = n > 1 ? sqrt(q / (n - 1)) : NAN;
}

/* log of n choose k (for deciding whether to enumerate). */
static double log_choose(int n, int k)
{
    return lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0);
}

gs_status gs_compare_perm_test(const double *a, int na, const double *b, int nb, int max_perm,
                               gs_compare_rng *rng, gs_compare_test *out, gs_error *err)
{
    int n = na + nb, hits = 0, total = 0;
    double *pool = NULL, sall = 0, qall = 0, sa = 0, qa = 0, t_obs, thr;
    int *idx = NULL;

    memset(out, 0, sizeof(*out));
    if (na < 2 || nb < 2)
        return gs_fail(err, GS_ERR_ARG, "stride test: needs 2 values per session (got %d, %d)", na,
                       nb);
    if (max_perm < 1)
        max_perm = 1;
    pool = malloc(sizeof(double) * (size_t)n);
    idx = malloc(sizeof(int) * (size_t)n);
    if (!pool || !idx) {
        free(pool);
        free(idx);
        return gs_fail(err, GS_ERR_NOMEM, "stride test: out of memory");
    }
    for (int i = 0; i < n; i++) {
        pool[i] = i < na ? a[i] : b[i - na];
        if (!isfinite(pool[i])) {
            free(pool);
            free(idx);
            return gs_fail(err, GS_ERR_ARG, "stride test: value %d is not finite", i);
        }
        sall += pool[i];
        qall += pool[i] * pool[i];
    }
    for (int i = 0; i < na; i++) {
        sa += a[i];
        qa += a[i] * a[i];
    }
    t_obs = gs_compare__welch_t(sa, qa, na, sall - sa, qall - qa, nb);
    /* ties: a relabeling whose |t| equals the observed one up to rounding counts as a hit */
    thr = fabs(t_obs) * (1 - 1e-9);

    if (log_choose(n, na) <= log((double)max_perm)) {
        /* every subset of na of the n values as "a": iterate combinations in lexicographic
         * order (idx[0..na-1] strictly increasing) */
        for (int i = 0; i < na; i++)
            idx[i] = i;
        for (;;) {
            double s = 0, q = 0;
            for (int i = 0; i < na; i++) {
                s += pool[idx[i]];
                q += pool[idx[i]] * pool[idx[i]];
            }
            double t = gs_compare__welch_t(s, q, na, sall - s, qall - q, nb);
            hits += fabs(t) >= thr;
            total++;
            int i = na - 1;
            while (i >= 0 && idx[i] == n - na + i)
                i--;
            if (i < 0)
                break;
            idx[i]++;
            for (int j = i + 1; j < na; j++)
                idx[j] = idx[j - 1] + 1;
        }
        out->exact = 1;
        out->p = (double)hits / total;
    } else {
        for (int i = 0; i < n; i++)
            idx[i] = i;
        for (int k = 0; k < max_perm; k++) {
            double s = 0, q = 0;
            /* a partial Fisher-Yates draws the na labels of group a */
            for (int i = 0; i < na; i++) {
                int j = i + (int)gs_compare_rng_below(rng, (uint32_t)(n - i));
                int tmp = idx[i];
                idx[i] = idx[j];
                idx[j] = tmp;
                s += pool[idx[i]];
                q += pool[idx[i]] * pool[idx[i]];
            }
            double t = gs_compare__welch_t(s, q, na, sall - s, qall - q, nb);
            hits += fabs(t) >= thr;
        }
        total = max_perm;
        /* the observed labeling is one of the permutations: never p = 0 (Phipson & Smyth 2010,
         * Stat Appl Genet Mol Biol 9:39) */
        out->p = (1.0 + hits) / (1.0 + max_perm);
    }
    out->n_perm = total;
    out->t = t_obs;
    mean_sd(a, na, &out->mean_a, &out->sd_a);
    mean_sd(b, nb, &out->mean_b, &out->sd_b);
    {
        double sp =
            sqrt(((na - 1) * out->sd_a * out->sd_a + (nb - 1) * out->sd_b * out->sd_b) / (n - 2));
        double j = 1.0 - 3.0 / (4.0 * n - 9.0);
        out->hedges_g = sp > 0 ? (out->mean_b - out->mean_a) / sp * j : NAN;
    }
    free(pool);
    free(idx);
    return GS_OK;
}

typedef struct pidx {
    double p;
    int i;
} pidx;

static int cmp_pidx(const void *x, const void *y)
{
    const pidx *a = x, *b = y;
    if (a->p < b->p)
        return -1;
    if (a->p > b->p)
        return 1;
    return a->i - b->i;
}

gs_status gs_compare_holm(const double *p, int n, double *adj, gs_error *err)
{
    int m = 0;
    pidx *v = malloc(sizeof(pidx) * (size_t)(n > 0 ? n : 1));
    double run = 0;
    if (!v)
        return gs_fail(err, GS_ERR_NOMEM, "Holm correction: out of memory");
    for (int i = 0; i < n; i++)
        if (isfinite(p[i]))
            v[m++] = (pidx){p[i], i};
    qsort(v, (size_t)m, sizeof(pidx), cmp_pidx);
    for (int i = 0; i < n; i++)
        if (!isfinite(p[i]))
            adj[i] = NAN;
    /* step-down: the k-th smallest p (k from 0) is multiplied by m - k, and the adjusted values
     * are made monotone by a running maximum */
    for (int k = 0; k < m; k++) {
        double a = (m - k) * v[k].p;
        if (a > 1)
            a = 1;
        if (a > run)
            run = a;
        adj[v[k].i] = run;
    }
    free(v);
    return GS_OK;
}
