/*
 * Tests of src/compare: the stride statistics against hand-computed values and their null
 * calibration, the minimal-change table validator, SPM on made curves with a known difference,
 * and the verdict logic on made sessions.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/wait.h>

#include "analysis.h"
#include "compare.h"
#include "compare_impl.h"
#include "cv.h"
#include "gait.h"
#include "gen_track.h"
#include "gs_test.h"
#include "nkt.h"

/* ---- helpers ---- */

static double uniform01(gs_compare_rng *r)
{
    /* 32 random bits -> (0, 1) */
    return (gs_compare_rng_below(r, 4294967295u) + 0.5) / 4294967296.0;
}

static double gauss(gs_compare_rng *r)
{
    /* Box-Muller */
    double u = uniform01(r), v = uniform01(r);
    return sqrt(-2.0 * log(u)) * cos(2 * GS_PI * v);
}

/* ---- statistics ---- */

static void perm_test_exact_p_of_separated_samples(void)
{
    /* 3 vs 3, fully separated: of the 20 relabelings only the observed one and its mirror reach
     * the observed |t|, so p = 2/20 */
    const double a[3] = {1, 2, 3}, b[3] = {4, 5, 6};
    gs_compare_rng r;
    gs_compare_test t;
    gs_compare_rng_seed(&r, 1);
    CHECK_EQ_INT(gs_compare_perm_test(a, 3, b, 3, 1000, &r, &t, NULL), GS_OK);
    CHECK_EQ_INT(t.exact, 1);
    CHECK_EQ_INT(t.n_perm, 20);
    CHECK_NEAR(t.p, 0.1, 1e-12);
    /* Welch t = 3 / sqrt(1/3 + 1/3) = 3.674; Hedges g = 3 / 1 * (1 - 3/15) = 2.4 */
    CHECK_NEAR(t.t, 3.0 / sqrt(2.0 / 3.0), 1e-9);
    CHECK_NEAR(t.hedges_g, 2.4, 1e-9);
    CHECK_NEAR(t.mean_a, 2, 1e-12);
    CHECK_NEAR(t.sd_b, 1, 1e-12);
}

static void perm_test_random_agrees_with_exact(void)
{
    /* 10 vs 10 (184756 relabelings): 5000 random ones give the exact p within its binomial
     * error (3 SD of sqrt(p(1-p)/5000)) */
    double a[10], b[10];
    gs_compare_rng r;
    gs_compare_test ex, rn;
    gs_compare_rng_seed(&r, 7);
    for (int i = 0; i < 10; i++) {
        a[i] = gauss(&r);
        b[i] = gauss(&r) + 0.8;
    }
    CHECK_EQ_INT(gs_compare_perm_test(a, 10, b, 10, 200000, &r, &ex, NULL), GS_OK);
    CHECK_EQ_INT(ex.exact, 1);
    CHECK_EQ_INT(ex.n_perm, 184756);
    CHECK_EQ_INT(gs_compare_perm_test(a, 10, b, 10, 5000, &r, &rn, NULL), GS_OK);
    CHECK_EQ_INT(rn.exact, 0);
    fprintf(stderr, "perm test 10 vs 10: exact p %.4f, 5000 random %.4f\n", ex.p, rn.p);
    CHECK_NEAR(rn.p, ex.p, 3 * sqrt(ex.p * (1 - ex.p) / 5000) + 1e-4);
    CHECK(ex.p > 0.001 && ex.p < 0.5); /* a real, moderate difference */
}

static void perm_test_rejects_at_the_nominal_rate_under_the_null(void)
{
    /* 1000 pairs of samples from one distribution, unequal sizes and spreads (the case Welch's
     * statistic is for): p < 0.05 in 5 % of them, within 3 binomial SDs (+-2.1 %) */
    gs_compare_rng r, pr;
    int hits = 0, n = 1000;
    gs_compare_rng_seed(&r, 11);
    gs_compare_rng_seed(&pr, 12);
    for (int k = 0; k < n; k++) {
        double a[9], b[14];
        gs_compare_test t;
        for (int i = 0; i < 9; i++)
            a[i] = 10 + gauss(&r);
        for (int i = 0; i < 14; i++)
            b[i] = 10 + 2.0 * gauss(&r);
        CHECK_EQ_INT(gs_compare_perm_test(a, 9, b, 14, 999, &pr, &t, NULL), GS_OK);
        hits += t.p < 0.05;
    }
    fprintf(stderr, "perm test null rejection rate: %.3f (nominal 0.05)\n", (double)hits / n);
    CHECK_NEAR((double)hits / n, 0.05, 0.021);
}

static void perm_test_refuses_too_few_or_bad_values(void)
{
    const double a[3] = {1, 2, NAN}, b[2] = {1, 2};
    gs_compare_rng r;
    gs_compare_test t;
    gs_error err = {0};
    gs_compare_rng_seed(&r, 1);
    CHECK_EQ_INT(gs_compare_perm_test(a, 1, b, 2, 100, &r, &t, &err), GS_ERR_ARG);
    CHECK_STR_CONTAINS(err.msg, "needs 2 values");
    CHECK_EQ_INT(gs_compare_perm_test(a, 3, b, 2, 100, &r, &t, &err), GS_ERR_ARG);
    CHECK_STR_CONTAINS(err.msg, "not finite");
}

static void holm_matches_hand_computation(void)
{
    /* sorted 0.005 x4 = 0.02, 0.01 x3 = 0.03, 0.03 x2 = 0.06, 0.04 x1 = 0.04 -> max 0.06 */
    double p[5] = {0.01, 0.04, NAN, 0.03, 0.005}, adj[5];
    CHECK_EQ_INT(gs_compare_holm(p, 5, adj, NULL), GS_OK);
    CHECK_NEAR(adj[0], 0.03, 1e-12);
    CHECK_NEAR(adj[1], 0.06, 1e-12);
    CHECK(isnan(adj[2]));
    CHECK_NEAR(adj[3], 0.06, 1e-12);
    CHECK_NEAR(adj[4], 0.02, 1e-12);
    /* in place, capped at 1 */
    double q[2] = {0.6, 0.7};
    CHECK_EQ_INT(gs_compare_holm(q, 2, q, NULL), GS_OK);
    CHECK_NEAR(q[0], 1.0, 1e-12);
    CHECK_NEAR(q[1], 1.0, 1e-12);
}

static void rng_is_deterministic_and_unbiased(void)
{
    gs_compare_rng a, b;
    int counts[6] = {0};
    gs_compare_rng_seed(&a, 42);
    gs_compare_rng_seed(&b, 42);
    for (int i = 0; i < 100; i++)
        CHECK_EQ_INT(gs_compare_rng_below(&a, 1000), gs_compare_rng_below(&b, 1000));
    for (int i = 0; i < 60000; i++)
        counts[gs_compare_rng_below(&a, 6)]++;
    for (int k = 0; k < 6; k++)
        CHECK_NEAR(counts[k], 10000, 400); /* 4 binomial SDs */
}

/* ---- minimal-change table ---- */

static const char *const mkeys[] = {"cadence_spm", "knee_flexion_ic_deg", "ground_contact_ms",
                                    "pelvic_drop_deg"};
static const char *const munits[] = {"steps/min", "deg", "ms", "deg"};
static const char *const ckeys[] = {"knee_flexion_deg", "pelvic_obliquity_deg"};

static const char good_mc[] =
    "{\"format\": \"gaitscope.minimal_change/1\", \"version\": 1, \"method\": \"m\","
    " \"metrics\": {"
    "  \"_comment\": \"ignored\","
    "  \"cadence_spm\": {\"value\": 3, \"unit\": \"%\", \"stated\": 3, \"source\": \"s\","
    "    \"reasoning\": \"r\"},"
    "  \"knee_flexion_ic_deg\": {\"value\": 7, \"unit\": \"deg\", \"published_sdd\": 7,"
    "    \"own_sdd\": 2.5, \"source\": \"Damsted 2015\", \"reasoning\": \"r\"},"
    "  \"ground_contact_ms\": {\"value\": 15, \"unit\": \"ms\", \"stated\": 15, \"min_frames\": 1,"
    "    \"source\": \"s\", \"reasoning\": \"r\"}},"
    " \"curves\": {\"knee_flexion_deg\": {\"value\": 3.8, \"unit\": \"deg\", \"stated\": 3.8,"
    "    \"source\": \"s\", \"reasoning\": \"r\"}}}";

static gs_status load_mc_text(const char *text, gs_compare_mc **mc, gs_error *err)
{
    cJSON *j = cJSON_Parse(text);
    gs_status rc;
    CHECK_MSG(j != NULL, "test JSON does not parse: %s", text);
    rc = gs_compare_mc_from_json(j, "mc.json", mkeys, munits, 4, ckeys, 2, mc, err);
    cJSON_Delete(j);
    return rc;
}

static void mc_table_loads_and_gives_values(void)
{
    gs_compare_mc *mc = NULL;
    gs_error err = {0};
    const char *src = NULL;
    CHECK_EQ_INT(load_mc_text(good_mc, &mc, &err), GS_OK);
    CHECK_EQ_INT(gs_compare_mc_version(mc), 1);
    /* relative: 3 % of BEFORE's 170 steps/min */
    CHECK_NEAR(gs_compare_mc_value(mc, 0, "cadence_spm", 170, 0, NULL), 5.1, 1e-12);
    CHECK_NEAR(gs_compare_mc_value(mc, 0, "knee_flexion_ic_deg", 12, 0, &src), 7, 1e-12);
    CHECK_STR_CONTAINS(src, "Damsted");
    /* timing: at least one frame of the coarser clip (30 fps: 33.3 ms > 15 ms) */
    CHECK_NEAR(gs_compare_mc_value(mc, 0, "ground_contact_ms", 250, 1.0 / 30, NULL), 1000.0 / 30,
               1e-9);
    CHECK_NEAR(gs_compare_mc_value(mc, 0, "ground_contact_ms", 250, 1.0 / 120, NULL), 15, 1e-12);
    CHECK_NEAR(gs_compare_mc_value(mc, 1, "knee_flexion_deg", NAN, 0, NULL), 3.8, 1e-12);
    CHECK(isnan(gs_compare_mc_value(mc, 0, "pelvic_drop_deg", 5, 0, NULL))); /* no entry */
    gs_compare_mc_free(&mc);
    CHECK(mc == NULL);
    gs_compare_mc_free(&mc); /* NULL is a no-op */
}

/* Replaces the first occurrence of what in good_mc by with, loads it, expects GS_ERR_FORMAT and
 * a message containing msg. */
static void mc_bad(const char *what, const char *with, const char *msg)
{
    char text[4096];
    const char *p = strstr(good_mc, what);
    gs_compare_mc *mc = NULL;
    gs_error err = {0};
    CHECK_MSG(p != NULL, "'%s' not in the good table", what);
    if (!p)
        return;
    snprintf(text, sizeof(text), "%.*s%s%s", (int)(p - good_mc), good_mc, with, p + strlen(what));
    CHECK_EQ_INT(load_mc_text(text, &mc, &err), GS_ERR_FORMAT);
    CHECK(mc == NULL);
    CHECK_STR_CONTAINS(err.msg, msg);
    CHECK_STR_CONTAINS(err.msg, "mc.json");
}

static void mc_table_validation_names_the_problem(void)
{
    mc_bad("\"cadence_spm\": {", "\"cadense_spm\": {", "metrics.cadense_spm: unknown metric");
    mc_bad("\"knee_flexion_deg\": {", "\"knee_flex_deg\": {",
           "curves.knee_flex_deg: unknown curve");
    mc_bad("\"stated\": 3, \"source\": \"s\",", "\"stated\": 3,",
           "metrics.cadence_spm.source: missing");
    mc_bad("\"reasoning\": \"r\"},", "\"reasoning\": \"\"},",
           "metrics.cadence_spm.reasoning: must be a non-empty string");
    mc_bad("{\"value\": 3,", "{\"valeu\": 3,", "metrics.cadence_spm.valeu: unknown field");
    mc_bad("{\"value\": 3,", "{\"value\": -3,", "metrics.cadence_spm.value: must be a positive");
    mc_bad("\"value\": 7,", "\"value\": 6,",
           "metrics.knee_flexion_ic_deg.value: 6 is not the larger of published_sdd 7 and "
           "own_sdd 2.5");
    mc_bad("\"published_sdd\": 7,", "\"published_sdd\": 7, \"stated\": 7,",
           "metrics.knee_flexion_ic_deg.stated: give published_sdd or stated, not both");
    mc_bad("\"stated\": 15,", "", "metrics.ground_contact_ms.published_sdd: missing");
    mc_bad("\"value\": 7, \"unit\": \"deg\"", "\"value\": 7, \"unit\": \"cm\"",
           "metrics.knee_flexion_ic_deg.unit: 'cm' is not the metric's unit 'deg'");
    mc_bad("{\"value\": 3, \"unit\": \"%\", \"stated\": 3,",
           "{\"value\": 3, \"unit\": \"%\", \"stated\": 3, \"min_frames\": 2,",
           "metrics.cadence_spm.min_frames: only for metrics in ms");
    /* stride_ms: min_frames as points of a stride, for a metric in % of the stride only */
    mc_bad("\"min_frames\": 1,", "\"min_frames\": 1, \"stride_ms\": 1100,",
           "metrics.ground_contact_ms.stride_ms: only with min_frames, for a metric in percent "
           "of the stride");
    mc_bad("{\"value\": 3, \"unit\": \"%\", \"stated\": 3,",
           "{\"value\": 3, \"unit\": \"%\", \"stated\": 3, \"min_frames\": 1, "
           "\"stride_ms\": 1100,",
           "metrics.cadence_spm.stride_ms: only with min_frames");
    mc_bad("\"own_sdd\": 2.5,", "\"own_sdd\": 2.5, \"stride_ms\": 1100,",
           "metrics.knee_flexion_ic_deg.stride_ms: only with min_frames");
    /* the frame-rate fields: own_fps (an own figure measured at that rate), realistic */
    mc_bad("\"min_frames\": 1,", "\"min_frames\": 1, \"own_fps\": 30,",
           "metrics.ground_contact_ms.own_fps: not with min_frames");
    mc_bad("\"stated\": 3, \"source\"", "\"stated\": 3, \"own_fps\": 30, \"source\"",
           "metrics.cadence_spm.own_fps: needs own_sdd");
    mc_bad("\"own_sdd\": 2.5,", "\"own_sdd\": 2.5, \"realistic\": 5,",
           "metrics.knee_flexion_ic_deg.realistic_unit: missing");
    mc_bad("\"own_sdd\": 2.5,", "\"own_sdd\": 2.5, \"realistic\": 5, \"realistic_unit\": \"cm\",",
           "metrics.knee_flexion_ic_deg.realistic_unit: 'cm' is not '%' or the metric's unit "
           "'deg'");
    mc_bad("\"own_sdd\": 2.5,", "\"own_sdd\": 2.5, \"realistic\": 5, \"realistic_unit\": \"deg\",",
           "metrics.knee_flexion_ic_deg.realistic_source: missing");
    mc_bad("\"own_sdd\": 2.5,", "\"own_sdd\": 2.5, \"realistic_unit\": \"deg\",",
           "metrics.knee_flexion_ic_deg.realistic_unit: only with realistic");
    mc_bad("\"own_sdd\": 2.5,", "\"own_sdd\": 2.5, \"realistic\": 0,",
           "metrics.knee_flexion_ic_deg.realistic: must be a positive number");
    mc_bad("gaitscope.minimal_change/1", "gaitscope.minimal_change/2", "format: expected");
    mc_bad("\"version\": 1", "\"version\": 2", "version: expected 1");
    mc_bad("\"method\": \"m\",", "\"methd\": \"m\",", "methd: unknown field");
    mc_bad("\"curves\": {\"knee_flexion_deg\": {\"value\": 3.8, \"unit\": \"deg\"",
           "\"curves\": {\"knee_flexion_deg\": {\"value\": 3.8, \"unit\": \"%\"",
           "curves.knee_flexion_deg: unit must be 'deg'");
    /* a missing file and a file that is not JSON */
    {
        gs_compare_mc *mc = NULL;
        gs_error err = {0};
        CHECK_EQ_INT(
            gs_compare_mc_load("/nonexistent/mc.json", mkeys, munits, 4, ckeys, 2, &mc, &err),
            GS_ERR_IO);
        CHECK_STR_CONTAINS(err.msg, "/nonexistent/mc.json");
    }
}

/* The shipped table loads against the pipeline's own key lists and covers every metric and
 * every curve, so no metric is left not_comparable for want of an entry. */
static void shipped_table_covers_every_metric(void)
{
    const char *mk[128], *mu[128], *ck[GS_ANGLE_COUNT];
    int nm = 0, nc = 0;
    gs_compare_mc *mc = NULL;
    gs_error err = {0};
    for (size_t i = 0; i < gs_nkt_metric_count() && nm < 128; i++) {
        /* units by the key's suffix (DESIGN.md: units in names) */
        static const char *const suf[][2] = {{"_deg", "deg"},        {"_ms", "ms"},
                                             {"_spm", "steps/min"},  {"_cm", "cm"},
                                             {"_ll", "leg lengths"}, {"_m_s", "m/s"},
                                             {"_pct", "%"},          {"duty_factor", "fraction"}};
        const char *k = gs_nkt_metric_key(i);
        mu[nm] = NULL;
        for (size_t j = 0; j < sizeof(suf) / sizeof(suf[0]); j++)
            if (strlen(k) >= strlen(suf[j][0]) &&
                !strcmp(k + strlen(k) - strlen(suf[j][0]), suf[j][0]))
                mu[nm] = suf[j][1];
        mk[nm++] = k;
    }
    for (int a = 0; a < GS_ANGLE_COUNT; a++)
        ck[nc++] = gs_angle_name((gs_angle)a);
    CHECK_EQ_INT(gs_compare_mc_load(GS_SOURCE_DIR "/models/minimal_change.json", mk, mu, nm, ck, nc,
                                    &mc, &err),
                 GS_OK);
    if (!mc) {
        fprintf(stderr, "minimal_change.json: %s\n", err.msg);
        return;
    }
    for (int i = 0; i < nm; i++)
        CHECK_MSG(isfinite(gs_compare_mc_value(mc, 0, mk[i], 100, 1.0 / 30, NULL)),
                  "no minimal change for metric %s", mk[i]);
    for (int i = 0; i < nc; i++)
        CHECK_MSG(isfinite(gs_compare_mc_value(mc, 1, ck[i], NAN, 0, NULL)),
                  "no minimal change for curve %s", ck[i]);
    /* a few values with their reasons (docs/metrics.md lists them all) */
    CHECK_NEAR(gs_compare_mc_value(mc, 0, "pelvic_drop_deg", 5, 0, NULL), 2.8, 1e-12);
    /* gaitscope's own repeat figure is the larger here (two separate analyses of one clip) */
    CHECK_NEAR(gs_compare_mc_value(mc, 0, "knee_flexion_ic_deg", 10, 0, NULL), 16.808, 1e-12);
    CHECK_NEAR(gs_compare_mc_value(mc, 0, "cadence_spm", 170, 0, NULL), 0.0473 * 170, 1e-9);
    /* contact time: 15 ms, or 4.95 frames of the coarser clip (165 ms at 30 fps) */
    CHECK_NEAR(gs_compare_mc_value(mc, 0, "ground_contact_ms", 250, 1.0 / 30, NULL),
               4.95 * 1000.0 / 30, 1e-9);
    gs_compare_mc_free(&mc);
}

/* ---- SPM and verdicts on made sessions ---- */

/* A made session: per-stride values of one metric per side and one curve per side. */
typedef struct made {
    double v[2][40];
    double cv[2][40 * GS_COMPARE_CURVE_N];
    gs_compare_metric m[1];
    gs_compare_curve c[2];
    gs_compare_session s;
} made;

/* n strides per side; metric mean mu (SD 1); curve = 20 sin + noise (SD 2), plus a bump of
 * height bump over 40-60 % of the cycle. */
static void make_session(made *d, const char *path, int n, double mu, double bump, uint64_t seed)
{
    gs_compare_rng r;
    gs_compare_rng_seed(&r, seed);
    memset(d, 0, sizeof(*d));
    for (int s = 0; s < 2; s++) {
        for (int i = 0; i < n; i++) {
            d->v[s][i] = mu + gauss(&r);
            for (int q = 0; q < GS_COMPARE_CURVE_N; q++) {
                double x = q / 100.0;
                double b = x >= 0.4 && x <= 0.6 ? bump * sin(GS_PI * (x - 0.4) / 0.2) : 0;
                d->cv[s][i * GS_COMPARE_CURVE_N + q] = 20 * sin(2 * GS_PI * x) + b + 2 * gauss(&r);
            }
        }
        d->m[0].values[s] = d->v[s];
        d->m[0].n[s] = n;
        d->c[s].angle = "knee_flexion_deg";
        d->c[s].side = (gs_compare_side)s;
        d->c[s].strides = d->cv[s];
        d->c[s].n = n;
    }
    d->m[0].key = "knee_flexion_ic_deg";
    d->m[0].unit = "deg";
    d->m[0].label = "Knee flexion at contact";
    d->s.path = path;
    d->s.format = "gaitscope.analysis/1";
    d->s.view = "side-left";
    d->s.activity = "run";
    d->s.setting = "treadmill";
    d->s.fps = 60;
    d->s.width = 1920;
    d->s.height = 1080;
    d->s.belt_speed_m_s = 3.2;
    d->s.speed_m_s = NAN;
    d->s.leg_length_px = 430;
    d->s.leg_length_frac = NAN;
    d->s.ground_angle_deg = 0.5;
    d->s.ground_fitted = 1;
    d->s.strides_used[0] = d->s.strides_used[1] = n;
    d->s.metrics = d->m;
    d->s.n_metrics = 1;
    d->s.curves = d->c;
    d->s.n_curves = 2;
}

static void verdicts_need_both_gates(void)
{
    static made b, a;
    gs_compare_mc *mc = NULL;
    gs_comparison *c = NULL;
    gs_error err = {0};
    const gs_compare_row *r;
    CHECK_EQ_INT(load_mc_text(good_mc, &mc, &err), GS_OK);

    /* +10 deg with SD 1 over 15 strides: beyond the 7 deg minimal change and the stride test */
    make_session(&b, "/x/before", 15, 10, 0, 1);
    make_session(&a, "/x/after", 15, 20, 0, 2);
    CHECK_EQ_INT(gs_compare_run(&b.s, &a.s, mc, NULL, &c, &err), GS_OK);
    r = gs_comparison_find_row(c, "knee_flexion_ic_deg", GS_COMPARE_SIDE_LEFT);
    CHECK(r != NULL);
    if (r) {
        CHECK_EQ_INT(r->verdict, GS_COMPARE_VERDICT_REAL);
        CHECK_NEAR(r->change, r->after - r->before, 1e-12);
        CHECK_NEAR(r->minimal_change, 7, 1e-12);
        CHECK(r->p_holm < 0.05);
        CHECK_EQ_INT(r->n_before, 15);
    }
    CHECK(gs_comparison_find_row(c, "knee_flexion_ic_deg", GS_COMPARE_SIDE_ALL) == NULL);
    gs_comparison_free(&c);

    /* +3 deg with SD 1: the stride test holds, the minimal change (7) does not: noise */
    make_session(&a, "/x/after", 15, 13, 0, 3);
    CHECK_EQ_INT(gs_compare_run(&b.s, &a.s, mc, NULL, &c, &err), GS_OK);
    r = gs_comparison_find_row(c, "knee_flexion_ic_deg", GS_COMPARE_SIDE_RIGHT);
    if (r) {
        CHECK_EQ_INT(r->verdict, GS_COMPARE_VERDICT_NOISE);
        CHECK(r->p_holm < 0.05);
        CHECK(!r->exceeds_mc);
        CHECK_STR_CONTAINS(r->why, "below the minimal change");
    }
    gs_comparison_free(&c);
    /* ... and without the gate (the false-positive measurement's second figure) it is real */
    {
        gs_compare_options o = {0};
        o.no_mc_gate = 1;
        CHECK_EQ_INT(gs_compare_run(&b.s, &a.s, mc, &o, &c, &err), GS_OK);
        r = gs_comparison_find_row(c, "knee_flexion_ic_deg", GS_COMPARE_SIDE_RIGHT);
        CHECK(r && r->verdict == GS_COMPARE_VERDICT_REAL);
        gs_comparison_free(&c);
    }

    /* 6 strides: not comparable, whatever the change */
    make_session(&a, "/x/after", 6, 25, 0, 4);
    a.s.strides_used[0] = a.s.strides_used[1] = 6;
    CHECK_EQ_INT(gs_compare_run(&b.s, &a.s, mc, NULL, &c, &err), GS_OK);
    r = gs_comparison_find_row(c, "knee_flexion_ic_deg", GS_COMPARE_SIDE_LEFT);
    if (r) {
        CHECK_EQ_INT(r->verdict, GS_COMPARE_VERDICT_NOT_COMPARABLE);
        CHECK_STR_CONTAINS(r->why, "needs 7");
    }
    CHECK_EQ_INT(gs_comparison_check(c, 7)->state, GS_COMPARE_CHECK_MISMATCH); /* strides_left */
    gs_comparison_free(&c);

    /* camera moved (leg length 430 -> 300 px of 1080): angles not comparable, checks say why */
    make_session(&a, "/x/after", 15, 20, 0, 2);
    a.s.leg_length_px = 300;
    CHECK_EQ_INT(gs_compare_run(&b.s, &a.s, mc, NULL, &c, &err), GS_OK);
    r = gs_comparison_find_row(c, "knee_flexion_ic_deg", GS_COMPARE_SIDE_LEFT);
    if (r) {
        CHECK_EQ_INT(r->verdict, GS_COMPARE_VERDICT_NOT_COMPARABLE);
        CHECK_STR_CONTAINS(r->why, "camera distance differs");
    }
    {
        const gs_compare_check *k = gs_comparison_check(c, 5);
        CHECK(k && !strcmp(k->name, "camera_distance") && k->state == GS_COMPARE_CHECK_MISMATCH);
        if (k) {
            CHECK_NEAR(k->before_v, 430.0 / 1080, 1e-9);
            CHECK_NEAR(k->after_v, 300.0 / 1080, 1e-9);
            CHECK_STR_CONTAINS(k->message, "-30 %");
        }
    }
    gs_comparison_free(&c);

    /* a different view refuses, naming both; --force compares with everything not comparable */
    make_session(&a, "/x/after", 15, 20, 0, 2);
    a.s.view = "rear";
    CHECK_EQ_INT(gs_compare_run(&b.s, &a.s, mc, NULL, &c, &err), GS_ERR_ARG);
    CHECK(c == NULL);
    CHECK_STR_CONTAINS(err.msg, "view is rear, BEFORE's is side-left");
    {
        gs_compare_options o = {0};
        int counts[GS_COMPARE_VERDICT_COUNT];
        o.force = 1;
        CHECK_EQ_INT(gs_compare_run(&b.s, &a.s, mc, &o, &c, &err), GS_OK);
        gs_comparison_counts(c, counts);
        CHECK_EQ_INT(counts[GS_COMPARE_VERDICT_NOT_COMPARABLE], gs_comparison_n_rows(c));
        gs_comparison_free(&c);
    }
    /* the same path twice, and different format versions */
    CHECK_EQ_INT(gs_compare_run(&b.s, &b.s, mc, NULL, &c, &err), GS_ERR_ARG);
    CHECK_STR_CONTAINS(err.msg, "same analysis");
    make_session(&a, "/x/after", 15, 20, 0, 2);
    a.s.format = "gaitscope.analysis/2";
    CHECK_EQ_INT(gs_compare_run(&b.s, &a.s, mc, NULL, &c, &err), GS_ERR_ARG);
    CHECK_STR_CONTAINS(err.msg, "gaitscope.analysis/2");
    gs_compare_mc_free(&mc);
}

/* The comparison's page written to dir/name (generated_by "test") and read back; NULL (a failed
 * check) when either fails. Caller frees. */
static char *page_of(const gs_comparison *c, const char *dir, const char *name)
{
    gs_compare_output_info info = {0};
    gs_error err = {0};
    char path[1400];
    info.generated_by = "test";
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    CHECK_EQ_INT(gs_comparison_write_html(path, c, &info, &err), GS_OK);
    char *html = gs_test_read_text(path);
    CHECK(html != NULL);
    return html;
}

/* An analysis from before a metric's definition changed (gait.h GS_METRICS_REVISION: vertical
 * oscillation and rear/front lengths in revision 2) does not compare on that metric: the
 * metrics_revision check names it and its rows are not comparable; the other rows keep their
 * verdicts, and two analyses of one revision compare as before. */
static void older_metric_definitions_are_not_compared(const char *dir)
{
    static made b, a;
    static double vo[2][2][15];
    gs_compare_metric mb[2], ma[2];
    gs_compare_mc *mc = NULL;
    gs_comparison *c = NULL;
    gs_error err = {0};
    CHECK_EQ_INT(load_mc_text(good_mc, &mc, &err), GS_OK);
    make_session(&b, "/x/before", 15, 10, 0, 1);
    make_session(&a, "/x/after", 15, 20, 0, 2);
    for (int w = 0; w < 2; w++) {
        gs_compare_metric *m = w ? ma : mb;
        m[0] = (w ? a.m : b.m)[0];
        memset(&m[1], 0, sizeof(m[1]));
        m[1].key = "vertical_oscillation_ll";
        m[1].unit = "leg lengths";
        m[1].label = "Vertical oscillation";
        m[1].positive = 1;
        for (int s = 0; s < 2; s++) {
            for (int i = 0; i < 15; i++)
                vo[w][s][i] = (w ? 0.09 : 0.15) + 0.001 * i;
            m[1].values[s] = vo[w][s];
            m[1].n[s] = 15;
        }
    }
    b.s.metrics = mb;
    a.s.metrics = ma;
    b.s.n_metrics = a.s.n_metrics = 2;
    for (int pass = 0; pass < 3; pass++) {
        /* 1 -> 2: revised; 2 -> 2: the same; 0 (a session built without it): not checked */
        b.s.metrics_revision = pass == 0 ? 1 : pass == 1 ? GS_METRICS_REVISION : 0;
        a.s.metrics_revision = pass == 2 ? 0 : GS_METRICS_REVISION;
        CHECK_EQ_INT(gs_compare_run(&b.s, &a.s, mc, NULL, &c, &err), GS_OK);
        if (!c)
            continue;
        const gs_compare_check *k = NULL;
        for (int i = 0; i < gs_comparison_n_checks(c); i++)
            if (!strcmp(gs_comparison_check(c, i)->name, "metrics_revision"))
                k = gs_comparison_check(c, i);
        CHECK(k != NULL);
        const gs_compare_row *vr =
            gs_comparison_find_row(c, "vertical_oscillation_ll", GS_COMPARE_SIDE_LEFT);
        const gs_compare_row *kr =
            gs_comparison_find_row(c, "knee_flexion_ic_deg", GS_COMPARE_SIDE_LEFT);
        CHECK(vr != NULL && kr != NULL);
        if (k && vr && kr) {
            CHECK_EQ_INT(kr->verdict, GS_COMPARE_VERDICT_REAL); /* untouched by the revision */
            CHECK_EQ_INT(vr->verdict, GS_COMPARE_VERDICT_NOT_COMPARABLE);
            if (pass == 0) {
                CHECK_EQ_INT(k->state, GS_COMPARE_CHECK_MISMATCH);
                CHECK_STR_CONTAINS(k->message, "BEFORE comes from an older gaitscope (metrics "
                                               "revision 1, now 2) that measured Vertical "
                                               "oscillation differently");
                CHECK_STR_CONTAINS(vr->why, "the metric's definition differs (revision 1 "
                                            "before, revision 2 after)");
                /* the page: an older analysis, not other clips; the verdict list in the
                 * table's words (it showed "not_comparable" and "real") */
                char *html = page_of(c, dir, "revision.html");
                if (html) {
                    CHECK_STR_CONTAINS(html, "<strong>The two analyses are not fully "
                                             "comparable</strong>");
                    const char *why = strstr(html, "Why each verdict");
                    CHECK(why != NULL);
                    if (why) {
                        CHECK(strstr(why, "not_comparable") == NULL);
                        CHECK_STR_CONTAINS(why, "Vertical oscillation, left: <span class=\"vd "
                                                "nc\">not comparable</span> &mdash; ");
                        CHECK_STR_CONTAINS(why, "<span class=\"vd real\">real</span> &mdash; ");
                    }
                    free(html);
                }
            } else {
                CHECK_EQ_INT(k->state, pass == 1 ? GS_COMPARE_CHECK_OK : GS_COMPARE_CHECK_UNKNOWN);
                CHECK(strstr(vr->why, "definition") == NULL); /* no minimal change in good_mc */
            }
        }
        gs_comparison_free(&c);
    }
    gs_compare_mc_free(&mc);
}

static void spm_shades_where_made_curves_differ(void)
{
    static made b, a;
    gs_compare_mc *mc = NULL;
    gs_comparison *c = NULL;
    gs_error err = {0};
    CHECK_EQ_INT(load_mc_text(good_mc, &mc, &err), GS_OK);
    /* a 12 deg bump over 40-60 % of the cycle, on top of 2 deg noise; 15 strides */
    make_session(&b, "/x/before", 15, 10, 0, 21);
    make_session(&a, "/x/after", 15, 10, 12, 22);
    CHECK_EQ_INT(gs_compare_run(&b.s, &a.s, mc, NULL, &c, &err), GS_OK);
    for (int s = 0; s < 2; s++) {
        const gs_compare_curve_row *r =
            gs_comparison_find_curve(c, "knee_flexion_deg", (gs_compare_side)s);
        CHECK(r != NULL);
        if (!r)
            continue;
        CHECK_EQ_INT(r->verdict, GS_COMPARE_VERDICT_REAL);
        CHECK_EQ_INT(r->n_phases, 1);
        /* the bump exceeds the 3.8 deg minimal change where sin > 3.8/12, i.e. from 42 to 58 %
         * of the cycle; the shading must sit inside the bump and cover most of that */
        fprintf(stderr, "SPM %s: phase %d-%d %%, peak t %.1f, p %.4f (threshold %.2f)\n",
                s ? "right" : "left", r->phases[0].start_pct, r->phases[0].end_pct,
                r->phases[0].peak_t, r->phases[0].p, gs_comparison_spm_threshold(c, NULL));
        CHECK(r->phases[0].start_pct >= 40 && r->phases[0].start_pct <= 45);
        CHECK(r->phases[0].end_pct >= 55 && r->phases[0].end_pct <= 60);
        CHECK(r->phases[0].p < 0.05);
        CHECK(r->phases[0].mean_diff > 3.8);
    }
    gs_comparison_free(&c);
    /* no bump: no phase anywhere (threshold from 5000 permutations, one family) */
    make_session(&a, "/x/after", 15, 10, 0, 23);
    CHECK_EQ_INT(gs_compare_run(&b.s, &a.s, mc, NULL, &c, &err), GS_OK);
    for (int s = 0; s < 2; s++) {
        const gs_compare_curve_row *r =
            gs_comparison_find_curve(c, "knee_flexion_deg", (gs_compare_side)s);
        CHECK(r && r->n_phases == 0 && r->verdict == GS_COMPARE_VERDICT_NOISE);
    }
    /* a family-wise threshold over 202 nodes lies well above the single-node 2.05 */
    CHECK(gs_comparison_spm_threshold(c, NULL) > 2.8 && gs_comparison_spm_threshold(c, NULL) < 6);
    gs_comparison_free(&c);
    gs_compare_mc_free(&mc);
}

/* Validates a comparison.json against docs/schemas/comparison.schema.json with Python's
 * jsonschema when it is installed (the check is skipped, with a message, when it is not). */
static void schema_valid(const char *json_path)
{
    char cmd[2400];
    if (system("python3 -c 'import jsonschema' >/dev/null 2>&1") != 0) {
        fprintf(stderr,
                "skip: python3 jsonschema not installed; %s not checked against the "
                "schema\n",
                json_path);
        return;
    }
    snprintf(cmd, sizeof(cmd),
             "python3 -c 'import json,sys,jsonschema; s=json.load(open(sys.argv[1])); "
             "jsonschema.Draft202012Validator.check_schema(s); "
             "jsonschema.Draft202012Validator(s).validate(json.load(open(sys.argv[2])))' "
             "'%s/docs/schemas/comparison.schema.json' '%s'",
             GS_SOURCE_DIR, json_path);
    CHECK_MSG(system(cmd) == 0, "%s does not follow docs/schemas/comparison.schema.json",
              json_path);
}

static int count_in(const char *h, const char *needle)
{
    int n = 0;
    for (const char *p = h; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* comparison.json and comparison.html of made sessions with findings and hostile names */
static void outputs_of_made_sessions(const char *dir)
{
    static made b, a;
    static const char *const hw1[] = {"side-lying hip abduction <3x10>", "single-leg squats"};
    static const char *const hw2[] = {"single-leg squats", "calf raises"};
    gs_compare_finding fb[2] = {
        {"pelvic_drop.left", "pelvic_drop", "Pelvic drop <left>", "left", 0.8, 0.7, hw1, 2},
        {"overstride.both", "overstride", "Overstride", "both", 0.4, 0.6, NULL, 0}};
    gs_compare_finding fa[2] = {
        {"pelvic_drop.left", "pelvic_drop", "Pelvic drop <left>", "left", 0.5, 0.7, hw2, 2},
        {"trunk_upright.both", "trunk_upright", "Upright trunk", "both", 0.3, 0.5, NULL, 0}};
    gs_compare_output_info info = {0};
    gs_compare_mc *mc = NULL;
    gs_comparison *c = NULL;
    gs_error err = {0};
    char path[1200];
    cJSON *j;
    char *html;

    CHECK_EQ_INT(load_mc_text(good_mc, &mc, &err), GS_OK);
    make_session(&b, "/x/<script>alert(1)</script>", 15, 10, 0, 31);
    make_session(&a, "/x/after", 15, 20, 12, 32);
    b.s.clip = "before<b>.mp4";
    b.s.findings = fb;
    b.s.n_findings = 2;
    a.s.findings = fa;
    a.s.n_findings = 2;
    CHECK_EQ_INT(gs_compare_run(&b.s, &a.s, mc, NULL, &c, &err), GS_OK);
    /* findings: resolved, persisting (severity 0.8 -> 0.5), new; homework from what persists */
    CHECK_EQ_INT(gs_comparison_n_findings(c), 3);
    CHECK_EQ_INT(gs_comparison_finding(c, 0)->status, GS_COMPARE_FINDING_PERSISTING);
    CHECK_NEAR(gs_comparison_finding(c, 0)->severity_before, 0.8, 1e-12);
    CHECK_NEAR(gs_comparison_finding(c, 0)->severity_after, 0.5, 1e-12);
    CHECK_EQ_INT(gs_comparison_finding(c, 1)->status, GS_COMPARE_FINDING_RESOLVED);
    CHECK_EQ_INT(gs_comparison_finding(c, 2)->status, GS_COMPARE_FINDING_NEW);
    CHECK_EQ_INT(gs_comparison_n_homework(c), 2); /* after's list of the persisting finding */
    CHECK_STR_CONTAINS(gs_comparison_homework(c, 0), "single-leg squats");

    info.generated_by = "gaitscope test";
    info.mc_path = "mc.json";
    info.mc_version = 1;
    info.side_by_side_why = "BEFORE is a gait folder (analysis.json only): no overlay clip";
    snprintf(path, sizeof(path), "%s/made_comparison.json", dir);
    CHECK_EQ_INT(gs_comparison_write_json(path, c, &info, &err), GS_OK);
    html = gs_test_read_text(path);
    j = html ? cJSON_Parse(html) : NULL;
    free(html);
    CHECK(j != NULL);
    if (j) {
        const cJSON *m, *e;
        int n_metrics = 0, real = 0;
        CHECK_STR_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItem(j, "format")),
                           "gaitscope.comparison/1");
        CHECK_STR_CONTAINS(
            cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "before"), "path")),
            "<script>");
        cJSON_ArrayForEach(m, cJSON_GetObjectItem(j, "metrics"))
        {
            const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(m, "verdict"));
            n_metrics++;
            CHECK(cJSON_IsNumber(cJSON_GetObjectItem(m, "before")));
            CHECK(cJSON_IsNumber(cJSON_GetObjectItem(m, "change")));
            CHECK(cJSON_IsNumber(cJSON_GetObjectItem(cJSON_GetObjectItem(m, "test"), "p_holm")));
            CHECK(cJSON_IsNumber(
                cJSON_GetObjectItem(cJSON_GetObjectItem(m, "minimal_change"), "value")));
            real += v && !strcmp(v, "real");
        }
        CHECK_EQ_INT(n_metrics, 2);
        CHECK_EQ_INT(real, 2);
        e = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "curves"), "items");
        CHECK_EQ_INT(cJSON_GetArraySize(e), 2);
        e = cJSON_GetArrayItem(e, 0);
        CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(e, "mean_after")), 101);
        CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(e, "phases")), 1);
        e = cJSON_GetObjectItem(j, "findings");
        CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(e, "persisting")), 1);
        CHECK_NEAR(
            cJSON_GetNumberValue(cJSON_GetObjectItem(
                cJSON_GetArrayItem(cJSON_GetObjectItem(e, "persisting"), 0), "severity_change")),
            -0.3, 1e-9);
        CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(j, "comparability")),
                     12); /* 9 + metrics_revision, contact_timing, toe_off_timing */
        CHECK(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "side_by_side"), "file")));
        CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(j, "symmetry")), 1);
        cJSON_Delete(j);
    }
    schema_valid(path);
    snprintf(path, sizeof(path), "%s/made_comparison.html", dir);
    CHECK_EQ_INT(gs_comparison_write_html(path, c, &info, &err), GS_OK);
    html = gs_test_read_text(path);
    CHECK(html != NULL);
    if (html) {
        CHECK_STR_CONTAINS(html, "&lt;script&gt;alert(1)&lt;/script&gt;");
        CHECK(strstr(html, "<script") == NULL);
        CHECK_STR_CONTAINS(html, "before&lt;b&gt;.mp4");
        /* homework comes from what persists, in AFTER's words: before's list is gone */
        CHECK(strstr(html, "side-lying hip abduction") == NULL);
        CHECK_STR_CONTAINS(html, "calf raises");
        CHECK_STR_CONTAINS(html, "<svg");
        CHECK_STR_CONTAINS(html, "fill=\"#f2c94c\""); /* a shaded phase */
        CHECK_STR_CONTAINS(html, "BEFORE is a gait folder");
        CHECK_STR_CONTAINS(html, "How to read the verdicts");
        /* on a phone the two tables become one card per row: every value cell carries its
           column's name, which the card shows above the value (the verdict too) */
        CHECK_EQ_INT(count_in(html, "<td data-l=\"Verdict\""), gs_comparison_n_rows(c));
        CHECK_EQ_INT(count_in(html, "<td data-l=\"Minimal change\""), gs_comparison_n_rows(c));
        CHECK_EQ_INT(count_in(html, "<td data-l=\"Before\">"),
                     gs_comparison_n_rows(c) + gs_comparison_n_checks(c));
        CHECK_EQ_INT(count_in(html, "<td data-l=\"OK\">"), gs_comparison_n_checks(c));
        CHECK(gs_comparison_n_rows(c) > 0 && gs_comparison_n_checks(c) > 0);
        CHECK_EQ_INT(count_in(html, "<table class=\"mt\">"), 2);
        CHECK(strstr(html, "id=\"mismatch\"") == NULL); /* 15 strides a side, same filming */
        /* the checks in words, not their JSON keys; bands with a plus-minus sign */
        CHECK_STR_CONTAINS(html, "<tr><td>Frame rate</td>");
        CHECK_STR_CONTAINS(html, "<tr><td>Camera distance<br><small>the leg&rsquo;s length");
        CHECK_STR_CONTAINS(html, "<tr><td>Strides used, left</td>");
        CHECK_STR_CONTAINS(html, ">&plusmn;10 %</td>");
        CHECK(strstr(html, "<td>frame_rate") == NULL &&
              strstr(html, "<td>camera_distance") == NULL);
        CHECK(strstr(html, "+-") == NULL);
        free(html);
    }
    {
        /* the side-by-side clip's key numbers name the metric for people */
        char lines[3][96];
        int nl = gs_compare__key_lines(c, 0, lines);
        CHECK(nl >= 1);
        for (int i = 0; i < nl; i++)
            CHECK_MSG(!strstr(lines[i], "_deg"), "key line reads as code: %s", lines[i]);
        CHECK_MSG(nl >= 1 && !strncmp(lines[0], "Knee flexion at contact L ", 26), "key line: %s",
                  nl >= 1 ? lines[0] : "");
        /* degrees with the degree sign (drawn as a ring), not " deg" */
        CHECK_MSG(nl >= 1 && strstr(lines[0], GS_CV_DEGREE " R ") && !strstr(lines[0], " deg"),
                  "key line: %s", nl >= 1 ? lines[0] : "");
    }
    {
        /* curves are titled for people: the 3D estimates (on comparison.html of two real clips
           they read "knee_flexion_3d_deg"), and an angle no table knows yet in words */
        static const char *const angles[2] = {"knee_flexion_3d_deg", "mystery_angle_deg"};
        gs_comparison *c2 = NULL;
        for (int s = 0; s < 2; s++)
            b.c[s].angle = a.c[s].angle = angles[s];
        CHECK_EQ_INT(gs_compare_run(&b.s, &a.s, mc, NULL, &c2, &err), GS_OK);
        snprintf(path, sizeof(path), "%s/made_comparison_3d.html", dir);
        CHECK_EQ_INT(gs_comparison_write_html(path, c2, &info, &err), GS_OK);
        html = gs_test_read_text(path);
        CHECK_STR_CONTAINS(html, "<h3>Knee flexion (3D estimate) ");
        CHECK_STR_CONTAINS(html, "<h3>Mystery angle ");
        CHECK(html && !strstr(html, "<h3>knee_flexion_3d_deg") && !strstr(html, "<h3>mystery"));
        free(html);
        gs_comparison_free(&c2);
        for (int s = 0; s < 2; s++)
            b.c[s].angle = a.c[s].angle = "knee_flexion_deg";
    }
    snprintf(path, sizeof(path), "%s/no/such/dir/comparison.html", dir);
    CHECK_EQ_INT(gs_comparison_write_html(path, c, &info, &err), GS_ERR_IO);
    CHECK_STR_CONTAINS(err.msg, "no/such/dir");
    gs_comparison_free(&c);
    /* 6 strides a side after: the warning names what differs, which here is not the filming
       (its title said "not filmed the same way" for a short clip), under its own line */
    make_session(&a, "/x/after", 6, 20, 12, 32);
    a.s.strides_used[0] = a.s.strides_used[1] = 6;
    CHECK_EQ_INT(gs_compare_run(&b.s, &a.s, mc, NULL, &c, &err), GS_OK);
    snprintf(path, sizeof(path), "%s/made_comparison_short.html", dir);
    CHECK_EQ_INT(gs_comparison_write_html(path, c, &info, &err), GS_OK);
    html = gs_test_read_text(path);
    CHECK(html != NULL);
    if (html) {
        CHECK_STR_CONTAINS(html, "<div class=\"alert warn\" id=\"mismatch\"><strong>The two "
                                 "clips are not fully comparable</strong>");
        CHECK_STR_CONTAINS(html, ".alert.warn>strong{display:block");
        CHECK_STR_CONTAINS(html, "a stable mean needs at least 7");
        free(html);
    }
    gs_comparison_free(&c);
    gs_compare_mc_free(&mc);
}

/* ---- side-by-side clip on made clips whose frames carry their own index ---- */

/* A clip of n frames, w x h, each showing its index as 8 black/white squares of side sq px along
 * the top (white = bit set), on grey. */
static int write_index_clip(const char *path, int w, int h, int sq, int n, double fps)
{
    gs_encoder *enc = NULL;
    gs_encoder_options eo = {0};
    uint8_t *rgb = malloc((size_t)w * h * 3);
    int ok = rgb != NULL;
    eo.fps_hint = fps;
    eo.crf = 18;
    if (ok && gs_encoder_open(path, w, h, &eo, &enc, NULL) != GS_OK)
        ok = 0;
    for (int i = 0; ok && i < n; i++) {
        memset(rgb, 128, (size_t)w * h * 3);
        for (int b = 0; b < 8; b++) {
            uint8_t v = (i >> b) & 1 ? 255 : 0;
            int x0 = sq / 3 + b * (sq + sq / 6), y0 = sq / 3;
            for (int y = y0; y < y0 + sq; y++)
                memset(rgb + ((size_t)y * w + x0) * 3, v, (size_t)sq * 3);
        }
        ok = gs_encoder_write(enc, rgb, w * 3, i / fps, NULL) == GS_OK;
    }
    if (enc && gs_encoder_close(enc, NULL) != GS_OK)
        ok = 0;
    gs_encoder_free(&enc);
    free(rgb);
    return ok;
}

/* Reads the index back from a half of an output frame (squares of side sq px there). */
static int read_index(const gs_frame *f, int x0, int y0, int sq)
{
    int v = 0;
    for (int b = 0; b < 8; b++) {
        int cx = x0 + sq / 3 + b * (sq + sq / 6) + sq / 2, cy = y0 + sq / 3 + sq / 2;
        const uint8_t *p = f->rgb + (size_t)cy * f->stride + (size_t)cx * 3;
        if (p[1] > 128)
            v |= 1 << b;
    }
    return v;
}

static void side_by_side_locks_strides_and_counts_frames(const char *dir)
{
    /* BEFORE 320x240 (squares 30 px), AFTER 480x360 (45 px: 30 px once scaled to 240) */
    static const double bs[6] = {10.3, 31.7, 31.7, 52.9, 52.9, 74.2};
    static const double as[8] = {5.6, 25.1, 25.1, 45.0, 45.0, 64.8, 64.8, 84.4};
    char pb[1200], pa[1200], out[1200], cmd[4000];
    gs_compare_session b = {0}, a = {0};
    gs_compare_video_stats st;
    gs_error err = {0};
    gs_decoder *dec = NULL;
    int64_t expect_frames = 0, j_out = 0, bad_b = 0, bad_a = 0, checked = 0;
    snprintf(pb, sizeof(pb), "%s/index_before.mp4", dir);
    snprintf(pa, sizeof(pa), "%s/index_after.mp4", dir);
    snprintf(out, sizeof(out), "%s/side_by_side_made.mp4", dir);
    CHECK(write_index_clip(pb, 320, 240, 30, 90, 30));
    CHECK(write_index_clip(pa, 480, 360, 45, 90, 30));
    b.path = "before";
    a.path = "after";
    b.clip = "index_before.mp4";
    a.clip = "index_after.mp4";
    b.fps = a.fps = 30;
    b.overlay_path = pb;
    a.overlay_path = pa;
    b.left_strides = bs;
    b.n_left_strides = 3;
    a.left_strides = as;
    a.n_left_strides = 4;
    CHECK_EQ_INT(gs_compare_side_by_side(&b, &a, NULL, out, NULL, &st, &err), GS_OK);
    for (int k = 0; k < 3; k++)
        expect_frames += (int64_t)ceil(bs[2 * k + 1]) - (int64_t)ceil(bs[2 * k]);
    CHECK_EQ_INT(expect_frames, 64); /* 11..31, 32..52, 53..74 */
    CHECK_EQ_INT(st.frames, expect_frames);
    CHECK_EQ_INT(st.strides, 3);
    CHECK_EQ_INT(st.half_h, 240);
    CHECK_EQ_INT(st.half_w[1], 320);
    CHECK_NEAR(st.duration_s, 64.0 / 30, 1e-9);
    /* every output frame: BEFORE shows frame j, AFTER the frame at the same stride fraction */
    CHECK_EQ_INT(gs_decoder_open(out, NULL, &dec, &err), GS_OK);
    for (int k = 0; k < 3 && dec; k++)
        for (int64_t j = (int64_t)ceil(bs[2 * k]); j < (int64_t)ceil(bs[2 * k + 1]); j++) {
            gs_frame f;
            double phi = (j - bs[2 * k]) / (bs[2 * k + 1] - bs[2 * k]);
            int64_t ai = llround(as[2 * k] + phi * (as[2 * k + 1] - as[2 * k]));
            if (gs_decoder_next(dec, &f, &err) != GS_OK)
                break;
            bad_b += read_index(&f, st.half_x[0], st.half_y, 30) != j;
            bad_a += read_index(&f, st.half_x[1], st.half_y, 30) != ai;
            if (j == (int64_t)ceil(bs[2 * k]))
                fprintf(stderr,
                        "side-by-side frame %lld: BEFORE %d (contact at %.1f), AFTER %d "
                        "(contact at %.1f)\n",
                        (long long)j_out, read_index(&f, st.half_x[0], st.half_y, 30), bs[2 * k],
                        read_index(&f, st.half_x[1], st.half_y, 30), as[2 * k]);
            checked++;
            j_out++;
        }
    gs_decoder_free(&dec);
    CHECK_EQ_INT(checked, 64);
    CHECK_EQ_INT(bad_b, 0);
    CHECK_EQ_INT(bad_a, 0);
    /* ffprobe agrees on frames and duration */
    snprintf(cmd, sizeof(cmd),
             "ffprobe -v error -count_frames -select_streams v:0 -show_entries "
             "stream=nb_read_frames,duration -of default=nw=1 '%s' > '%s/ffprobe.txt' 2>&1",
             out, dir);
    if (system("command -v ffprobe >/dev/null 2>&1") == 0) {
        char path[1200], *txt;
        CHECK_EQ_INT(system(cmd), 0);
        snprintf(path, sizeof(path), "%s/ffprobe.txt", dir);
        txt = gs_test_read_text(path);
        CHECK_STR_CONTAINS(txt, "nb_read_frames=64");
        if (txt && strstr(txt, "duration="))
            CHECK_NEAR(strtod(strstr(txt, "duration=") + 9, NULL), 64.0 / 30, 0.034);
        free(txt);
    }
    /* no overlay clip: a clear error */
    b.overlay_path = NULL;
    CHECK_EQ_INT(gs_compare_side_by_side(&b, &a, NULL, out, NULL, &st, &err), GS_ERR_ARG);
    CHECK_STR_CONTAINS(err.msg, "no overlay clip");
}

/* ---- headless Chromium (as tests/test_report_html.c) ---- */

static int png_size(const char *path, uint32_t *w, uint32_t *h, long *bytes)
{
    uint8_t hd[24];
    FILE *f = fopen(path, "rb");
    size_t n;
    *w = *h = 0;
    *bytes = 0;
    if (!f)
        return 0;
    n = fread(hd, 1, sizeof(hd), f);
    if (fseek(f, 0, SEEK_END) == 0)
        *bytes = ftell(f);
    fclose(f);
    if (n < 24 || memcmp(hd, "\x89PNG\r\n\x1a\n", 8) != 0 || memcmp(hd + 12, "IHDR", 4) != 0)
        return 0;
    *w = (uint32_t)hd[16] << 24 | (uint32_t)hd[17] << 16 | (uint32_t)hd[18] << 8 | hd[19];
    *h = (uint32_t)hd[20] << 24 | (uint32_t)hd[21] << 16 | (uint32_t)hd[22] << 8 | hd[23];
    return 1;
}

static int run_chromium(const char *dir, const char *args, const char *page, const char *out,
                        const char *errf)
{
    char cmd[8192];
    snprintf(cmd, sizeof(cmd),
             "prof=$(mktemp -d) && timeout 120 chromium --headless --no-sandbox --disable-gpu "
             "--disable-quic --no-first-run --disable-background-networking "
             "--disable-component-update --disable-sync --user-data-dir=\"$prof\" %s "
             "'file://%s' >'%s/%s' 2>'%s/%s'; rc=$?; rm -rf \"$prof\"; exit $rc",
             args, page, dir, out, dir, errf);
    return system(cmd);
}

/* Renders page at 1280 and 390 px: DOM without scripts or console messages, screenshots
 * comparison_1280.png and comparison_390.png in dir (looked at by a person, see the note). */
static void chromium_shots(const char *dir, const char *page)
{
    static const int widths[2] = {1280, 390};
    char path[1200], args[2400], *dom;
    if (system("command -v chromium >/dev/null 2>&1") != 0) {
        fprintf(stderr, "skip: chromium not installed: comparison.html not rendered\n");
        return;
    }
    CHECK_EQ_INT(run_chromium(dir, "--enable-logging=stderr --v=0 --dump-dom", page, "cmp_dom.html",
                              "cmp_dom.log"),
                 0);
    snprintf(path, sizeof(path), "%s/cmp_dom.html", dir);
    dom = gs_test_read_text(path);
    CHECK_STR_CONTAINS(dom, "What changed");
    CHECK_STR_CONTAINS(dom, "<svg");
    CHECK(dom && strstr(dom, "<script") == NULL);
    free(dom);
    snprintf(path, sizeof(path), "%s/cmp_dom.log", dir);
    dom = gs_test_read_text(path);
    CHECK(dom && strstr(dom, ":CONSOLE") == NULL);
    free(dom);
    for (int k = 0; k < 2; k++) {
        uint32_t w, h;
        long bytes;
        snprintf(path, sizeof(path), "%s/comparison_%d.png", dir, widths[k]);
        remove(path);
        snprintf(args, sizeof(args), "--hide-scrollbars --screenshot='%s' --window-size=%d,2400",
                 path, widths[k]);
        CHECK_EQ_INT(run_chromium(dir, args, page, "cmp_shot.out", "cmp_shot.log"), 0);
        CHECK_MSG(png_size(path, &w, &h, &bytes), "%s is not a PNG", path);
        CHECK_EQ_INT(w, widths[k]);
        CHECK_MSG(bytes > 40000, "%s: only %ld bytes, the page looks empty", path, bytes);
        fprintf(stderr, "chromium: %s %ux%u, %ld bytes\n", path, w, h, bytes);
    }
}

/* ---- made tracks (tests/gen_track.h) through the gait stage and analysis.json ---- */

/* One session from made parameters: track -> gait -> analysis.json object -> the reader ->
 * the comparison's input. path names it (different per session). */
static gs_compare_input *made_input(const gs_gen_params *p, const char *path)
{
    gs_pose_track *t = NULL;
    gs_gait_result *r = NULL;
    gs_analysis *a = NULL;
    gs_compare_input *in = NULL;
    gs_gait_options o = {0};
    gs_error err = {0};
    cJSON *j;
    if (gs_gen_track(p, &t, &err) != GS_OK) {
        CHECK_MSG(0, "gen_track: %s", err.msg);
        return NULL;
    }
    o.name = path;
    o.belt_speed_m_s = p->treadmill && p->view == GS_GEN_SIDE ? p->speed_m_s : 0;
    CHECK_EQ_INT(gs_gait_analyze(t, &o, &r, &err), GS_OK);
    gs_pose_track_free(&t);
    if (!r)
        return NULL;
    j = gs_gait_result_to_json(r);
    gs_gait_result_free(&r);
    CHECK(j != NULL);
    if (!j)
        return NULL;
    if (gs_analysis_json_finish(j, 1, NULL, "test") != 0 ||
        gs_analysis_from_json(&j, path, &a, &err) != GS_OK) {
        CHECK_MSG(0, "%s: %s", path, err.msg);
        cJSON_Delete(j);
        return NULL;
    }
    CHECK_EQ_INT(gs_compare_input_from_analysis(&a, path, NULL, &in, &err), GS_OK);
    gs_analysis_free(&a);
    return in;
}

/*
 * The table for made tracks: the shipped one with gaitscope's own repeat figures left out (value
 * = the published or stated base, no min_frames or stride_ms). The own figures measure what a
 * 30 frames/s phone clip does to the pose (knee at contact moved 16 deg between two analyses of
 * one run);
 * the made tracks have 2 px of noise at 60 frames/s and none of that, so they test the gates and
 * the statistics against the base figures. What the shipped table says of them is printed.
 */
static gs_compare_mc *made_mc(void)
{
    gs_compare_mc *mc = NULL;
    gs_error err = {0};
    char *txt = gs_test_read_text(GS_SOURCE_DIR "/models/minimal_change.json");
    cJSON *j = txt ? cJSON_Parse(txt) : NULL, *e;
    const char *mk[256], *mu[256], *ck[GS_ANGLE_COUNT];
    int nm = 0;
    free(txt);
    CHECK(j != NULL);
    if (!j)
        return NULL;
    for (int t = 0; t < 2; t++)
        cJSON_ArrayForEach(e, cJSON_GetObjectItem(j, t ? "curves" : "metrics"))
        {
            cJSON *b = cJSON_GetObjectItem(e, "published_sdd");
            if (!b)
                b = cJSON_GetObjectItem(e, "stated");
            if (!cJSON_IsNumber(b))
                continue;
            cJSON_SetNumberValue(cJSON_GetObjectItem(e, "value"), b->valuedouble);
            cJSON_DeleteItemFromObject(e, "own_sdd");
            cJSON_DeleteItemFromObject(e, "own_fps");
            cJSON_DeleteItemFromObject(e, "min_frames");
            cJSON_DeleteItemFromObject(e, "stride_ms");
        }
    for (size_t i = 0; i < gs_metric_count() && nm < 256; i++) {
        mk[nm] = gs_metric_at(i)->key;
        mu[nm++] = gs_metric_at(i)->unit;
    }
    for (int a = 0; a < GS_ANGLE_COUNT; a++)
        ck[a] = gs_angle_name((gs_angle)a);
    CHECK_EQ_INT(gs_compare_mc_from_json(j, "minimal_change.json (base figures)", mk, mu, nm, ck,
                                         GS_ANGLE_COUNT, &mc, &err),
                 GS_OK);
    cJSON_Delete(j);
    return mc;
}

static gs_compare_mc *shipped_mc(void)
{
    gs_compare_mc *mc = NULL;
    gs_error err = {0};
    CHECK_EQ_INT(
        gs_compare_mc_load_default_keys(GS_SOURCE_DIR "/models/minimal_change.json", &mc, &err),
        GS_OK);
    return mc;
}

/* A metric/side allowed to be real in a made case: the change made, or one that follows from it
 * by definition. */
typedef struct allowed {
    const char *metric;
    int side; /* gs_compare_side, or -1 for any */
    int must; /* 1: must be real */
} allowed;

static int is_allowed(const allowed *al, int n, const gs_compare_row *r)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(al[i].metric, r->metric) && (al[i].side < 0 || al[i].side == (int)r->side))
            return 1;
    return 0;
}

/* Runs a made pair and checks: every must-real row is real, every real row is allowed; prints the
 * verdicts. Returns the comparison (caller frees). */
static gs_comparison *made_pair(const char *name, const gs_gen_params *pb, const gs_gen_params *pa,
                                const allowed *al, int n_al, const gs_compare_mc *mc)
{
    gs_compare_input *ib, *ia;
    gs_comparison *c = NULL;
    gs_error err = {0};
    char nb[96], na[96];
    snprintf(nb, sizeof(nb), "made/%s/before", name);
    snprintf(na, sizeof(na), "made/%s/after", name);
    ib = made_input(pb, nb);
    ia = made_input(pa, na);
    if (!ib || !ia)
        goto done;
    CHECK_EQ_INT(gs_compare_run(gs_compare_input_session(ib), gs_compare_input_session(ia), mc,
                                NULL, &c, &err),
                 GS_OK);
    if (!c)
        goto done;
    for (int i = 0; i < n_al; i++)
        if (al[i].must) {
            const gs_compare_row *r =
                gs_comparison_find_row(c, al[i].metric, (gs_compare_side)al[i].side);
            CHECK_MSG(r && r->verdict == GS_COMPARE_VERDICT_REAL, "%s: %s %s should be real (%s)",
                      name, al[i].metric, gs_compare_side_name((gs_compare_side)al[i].side),
                      r ? r->why : "absent");
        }
    for (int i = 0; i < gs_comparison_n_rows(c); i++) {
        const gs_compare_row *r = gs_comparison_row(c, i);
        if (r->verdict == GS_COMPARE_VERDICT_REAL) {
            fprintf(stderr, "  %s: real %-28s %-5s %8.2f -> %8.2f (min %.3g, Holm p %.4f)\n", name,
                    r->metric, gs_compare_side_name(r->side), r->before, r->after,
                    r->minimal_change, r->p_holm);
            CHECK_MSG(is_allowed(al, n_al, r), "%s: %s %s called real (%.3g -> %.3g): %s", name,
                      r->metric, gs_compare_side_name(r->side), r->before, r->after, r->why);
        }
        /* a made pair is filmed the same way: nothing is not comparable for the set-up */
        CHECK_MSG(r->verdict != GS_COMPARE_VERDICT_NOT_COMPARABLE || strstr(r->why, "only"),
                  "%s: %s not comparable: %s", name, r->metric, r->why);
    }
    {
        /* what the shipped table (with gaitscope's own real-clip repeat figures) says */
        gs_compare_mc *shipped = shipped_mc();
        gs_comparison *cs = NULL;
        if (shipped && gs_compare_run(gs_compare_input_session(ib), gs_compare_input_session(ia),
                                      shipped, NULL, &cs, &err) == GS_OK) {
            fprintf(stderr, "  %s, shipped table: real:", name);
            for (int i = 0; i < gs_comparison_n_rows(cs); i++)
                if (gs_comparison_row(cs, i)->verdict == GS_COMPARE_VERDICT_REAL)
                    fprintf(stderr, " %s/%s", gs_comparison_row(cs, i)->metric,
                            gs_compare_side_name(gs_comparison_row(cs, i)->side));
            fprintf(stderr, "\n");
        }
        gs_comparison_free(&cs);
        gs_compare_mc_free(&shipped);
    }
done:
    gs_compare_input_free(&ib);
    gs_compare_input_free(&ia);
    return c;
}

/* True angle curve of side over the mean stride (101 points), from the generator's truth. */
static void true_curve(const gs_gen_params *p, int side, int which, double out[101])
{
    gs_gen_event ev[400];
    int n = gs_gen_events(p, ev, 400), k = 0;
    double t0 = NAN, t1 = NAN;
    for (int i = 0; i < n && i < 400; i++)
        if (ev[i].side == side && ev[i].type == 0) {
            if (k == 2)
                t0 = ev[i].t_s;
            if (k == 3)
                t1 = ev[i].t_s;
            k++;
        }
    for (int q = 0; q < 101; q++) {
        gs_gen_angles g;
        gs_gen_truth(p, t0 + (t1 - t0) * q / 100.0, side, &g);
        out[q] = which == 0 ? g.knee_flexion : g.pelvic_drop;
    }
}

/* True knee flexion at contact of side, mean over the clip's contacts. */
static double true_knee_ic(const gs_gen_params *p, int side)
{
    gs_gen_event ev[400];
    int n = gs_gen_events(p, ev, 400), k = 0;
    double s = 0;
    for (int i = 0; i < n && i < 400; i++)
        if (ev[i].side == side && ev[i].type == 0) {
            gs_gen_angles g;
            gs_gen_truth(p, ev[i].t_s, side, &g);
            s += g.knee_flexion;
            k++;
        }
    return k ? s / k : NAN;
}

/* Shading covers the points where the true curves differ clearly (>= 1.5 minimal changes) and
 * lies only where they differ (>= half a minimal change). */
static void check_shading(const gs_comparison *c, const char *name, const char *angle, int side,
                          const double *tb, const double *ta, int sign)
{
    const gs_compare_curve_row *r = gs_comparison_find_curve(c, angle, (gs_compare_side)side);
    int shaded[101] = {0}, clear = 0, covered = 0, wrong = 0;
    CHECK_MSG(r != NULL, "%s: no %s curve", name, angle);
    if (!r)
        return;
    for (int k = 0; k < r->n_phases; k++)
        for (int q = r->phases[k].start_pct; q <= r->phases[k].end_pct; q++)
            shaded[q] = 1;
    for (int q = 0; q < 101; q++) {
        double d = sign * (ta[q] - tb[q]);
        if (fabs(d) >= 1.5 * r->minimal_change) {
            clear++;
            covered += shaded[q];
        }
        if (shaded[q] && fabs(d) < 0.5 * r->minimal_change)
            wrong++;
    }
    fprintf(stderr,
            "  %s: %s %s: %d phase(s); true difference >= 1.5 x %.1f deg on %d points, "
            "%d of them shaded; %d shaded points where it is < half\n",
            name, angle, side ? "right" : "left", r->n_phases, r->minimal_change, clear, covered,
            wrong);
    CHECK(clear > 0);
    CHECK_MSG(covered >= 0.7 * clear, "%s: %s shading covers %d of %d points", name, angle, covered,
              clear);
    CHECK_EQ_INT(wrong, 0);
}

static void made_pairs_call_exactly_the_made_changes_real(void)
{
    gs_compare_mc *mc = made_mc();
    gs_gen_params b, a;
    gs_comparison *c;
    if (!mc)
        return;

    /* 1. rear view: left pelvic drop 9 -> 3 deg. Follows by definition: the left hip's
     * adduction (thigh against the pelvis, which tilts with the drop). */
    {
        static const allowed al[] = {{"pelvic_drop_deg", GS_COMPARE_SIDE_LEFT, 1},
                                     {"hip_adduction_peak_deg", GS_COMPARE_SIDE_LEFT, 0}};
        double tb[101], ta[101];
        gs_gen_defaults(&b);
        b.view = GS_GEN_REAR;
        b.noise_px = 2;
        b.pelvic_drop_deg[0] = 9;
        b.pelvic_drop_deg[1] = 3;
        b.seed = 101;
        a = b;
        a.pelvic_drop_deg[0] = 3;
        a.seed = 102;
        c = made_pair("pelvic drop", &b, &a, al, 2, mc);
        /* the obliquity curve: + this side's hip higher, so the left curve shows the drop of
         * the right hip during left stance (sign +1 against the truth's drop) */
        true_curve(&b, 0, 1, tb);
        true_curve(&a, 0, 1, ta);
        if (c)
            check_shading(c, "pelvic drop", "pelvic_obliquity_deg", 0, tb, ta, 1);
        gs_comparison_free(&c);
    }

    /* 2. side view: cadence +5 % at the same belt speed and duty factor. Follows by definition:
     * stride, step, contact and flight times (all scale with 1/cadence), step and stride length
     * (belt speed x time), and the peak hip extension (the stance foot travels speed x contact
     * time, 5 % less, so it leaves the ground less far behind the hip). */
    {
        static const allowed al[] = {{"cadence_spm", GS_COMPARE_SIDE_ALL, 1},
                                     {"cadence_spm", GS_COMPARE_SIDE_LEFT, 1},
                                     {"cadence_spm", GS_COMPARE_SIDE_RIGHT, 1},
                                     {"stride_time_ms", GS_COMPARE_SIDE_LEFT, 1},
                                     {"stride_time_ms", GS_COMPARE_SIDE_RIGHT, 1},
                                     {"step_time_ms", -1, 0},
                                     {"ground_contact_ms", -1, 0},
                                     {"flight_ms", -1, 0},
                                     {"step_length_cm", -1, 0},
                                     {"stride_length_cm", -1, 0},
                                     {"hip_extension_peak_deg", -1, 0}};
        gs_gen_defaults(&b);
        b.noise_px = 2;
        b.seed = 201;
        a = b;
        a.cadence_spm *= 1.05;
        a.contact_ms[0] /= 1.05;
        a.contact_ms[1] /= 1.05;
        a.seed = 202;
        c = made_pair("cadence +5 %", &b, &a, al, sizeof(al) / sizeof(al[0]), mc);
        if (c) {
            const gs_compare_row *r = gs_comparison_find_row(c, "cadence_spm", GS_COMPARE_SIDE_ALL);
            if (r)
                CHECK_NEAR(r->change_pct, 5.0, 1.0);
        }
        gs_comparison_free(&c);
    }

    /* 3. side view: right knee flexion at contact 11.5 -> 26.2 deg (true; the generator's
     * straightest knee is 11.5 deg, its leg never reaches more than 99.5 % of its length, so
     * the issue's 10 deg is the nearest it can make) by landing the right foot 9 cm closer under
     * the hip. Follows by definition, right side only: the 3D knee estimate at contact, the
     * shank and the hip-to-heel line at contact (overstride), and, the contact time and belt
     * speed being the same, a toe-off 9 cm further back (peak hip extension up, peak hip
     * flexion and the knee's stance and swing peaks moved). */
    {
        static const allowed al[] = {{"knee_flexion_ic_deg", GS_COMPARE_SIDE_RIGHT, 1},
                                     {"knee_flexion_ic_3d_deg", GS_COMPARE_SIDE_RIGHT, 0},
                                     {"shank_angle_ic_deg", GS_COMPARE_SIDE_RIGHT, 0},
                                     {"overstride_deg", GS_COMPARE_SIDE_RIGHT, 0},
                                     {"overstride_ll", GS_COMPARE_SIDE_RIGHT, 0},
                                     {"overstride_cm", GS_COMPARE_SIDE_RIGHT, 0},
                                     {"hip_extension_peak_deg", GS_COMPARE_SIDE_RIGHT, 0},
                                     {"hip_flexion_peak_deg", GS_COMPARE_SIDE_RIGHT, 0},
                                     {"knee_flexion_peak_stance_deg", GS_COMPARE_SIDE_RIGHT, 0},
                                     {"knee_flexion_peak_stance_3d_deg", GS_COMPARE_SIDE_RIGHT, 0},
                                     {"knee_flexion_peak_swing_deg", GS_COMPARE_SIDE_RIGHT, 0}};
        double tb[101], ta[101];
        gs_gen_defaults(&b);
        b.noise_px = 2;
        b.crouch_m = 0;
        b.ic_ahead_m[0] = b.ic_ahead_m[1] = 0.24;
        b.seed = 301;
        a = b;
        a.ic_ahead_m[1] = 0.178;
        a.seed = 302;
        c = made_pair("knee at contact", &b, &a, al, sizeof(al) / sizeof(al[0]), mc);
        true_curve(&b, 1, 0, tb);
        true_curve(&a, 1, 0, ta);
        fprintf(stderr,
                "  knee at contact: true right knee flexion at contact %.1f -> %.1f deg (mean "
                "over the contacts)\n",
                true_knee_ic(&b, 1), true_knee_ic(&a, 1));
        if (c)
            check_shading(c, "knee at contact", "knee_flexion_deg", 1, tb, ta, 1);
        gs_comparison_free(&c);
    }
    gs_compare_mc_free(&mc);
}

/* No change: pairs of made tracks with the same parameters and different noise seeds. Counts
 * the pairs with any metric called real, with and without the minimal-change gate. */
static void no_change_false_positive_rate(void)
{
    gs_compare_mc *mc = made_mc();
    int pairs = 0, fp_gate = 0, fp_nogate = 0;
    if (!mc)
        return;
    for (int view = 0; view < 2; view++)
        for (int k = 0; k < 30; k++) {
            gs_gen_params b, a;
            gs_compare_input *ib, *ia;
            gs_compare_options o = {0};
            gs_comparison *c = NULL;
            gs_error err = {0};
            int counts[GS_COMPARE_VERDICT_COUNT];
            gs_gen_defaults(&b);
            b.noise_px = 2;
            b.view = view ? GS_GEN_REAR : GS_GEN_SIDE;
            b.seed = 1000 + 2 * (unsigned)k + 100 * (unsigned)view;
            a = b;
            a.seed = b.seed + 1;
            ib = made_input(&b, "made/null/before");
            ia = made_input(&a, "made/null/after");
            if (!ib || !ia) {
                gs_compare_input_free(&ib);
                gs_compare_input_free(&ia);
                continue;
            }
            o.no_spm = 1;
            o.n_perm = 2000;
            o.seed = 7 + (uint64_t)k;
            for (int gate = 0; gate < 2; gate++) {
                o.no_mc_gate = !gate;
                CHECK_EQ_INT(gs_compare_run(gs_compare_input_session(ib),
                                            gs_compare_input_session(ia), mc, &o, &c, &err),
                             GS_OK);
                gs_comparison_counts(c, counts);
                if (counts[GS_COMPARE_VERDICT_REAL] > 0) {
                    if (gate)
                        fp_gate++;
                    else
                        fp_nogate++;
                }
                gs_comparison_free(&c);
            }
            pairs++;
            gs_compare_input_free(&ib);
            gs_compare_input_free(&ia);
        }
    fprintf(stderr,
            "no-change pairs: %d (30 side, 30 rear view); pairs with any metric called real: "
            "%d (%.1f %%) with the minimal-change gate, %d (%.1f %%) with the stride test alone\n",
            pairs, fp_gate, 100.0 * fp_gate / pairs, fp_nogate, 100.0 * fp_nogate / pairs);
    CHECK(pairs >= 50);
    CHECK_MSG(fp_gate <= 0.05 * pairs, "%d of %d no-change pairs had a real change", fp_gate,
              pairs);
    gs_compare_mc_free(&mc);
}

/* ---- the command line on made analysis folders: a gait folder pair and bad input ---- */

/* Writes DIR/analysis.json of made parameters (a gait output folder: analysis.json only). */
static int made_folder(const gs_gen_params *p, const char *dir)
{
    gs_pose_track *t = NULL;
    gs_gait_result *r = NULL;
    gs_gait_options o = {0};
    char path[2600], *txt;
    cJSON *j;
    int ok;
    if (gs_mkdir_p(dir, NULL) != GS_OK || gs_gen_track(p, &t, NULL) != GS_OK)
        return 0;
    o.name = dir;
    gs_gait_analyze(t, &o, &r, NULL);
    gs_pose_track_free(&t);
    j = r ? gs_gait_result_to_json(r) : NULL;
    gs_gait_result_free(&r);
    if (!j || gs_analysis_json_finish(j, 1, NULL, "test") != 0) {
        cJSON_Delete(j);
        return 0;
    }
    txt = cJSON_Print(j);
    cJSON_Delete(j);
    snprintf(path, sizeof(path), "%s/analysis.json", dir);
    ok = txt && gs_file_write_all(path, txt, strlen(txt), NULL) == GS_OK;
    cJSON_free(txt);
    return ok;
}

/* Runs the gaitscope binary with args; returns its exit code, stderr in *errtxt (caller frees). */
static int run_cli(const char *dir, const char *args, char **errtxt)
{
    const char *bin = getenv("GAITSCOPE_BIN");
    char cmd[8000], path[2600];
    int rc;
    snprintf(path, sizeof(path), "%s/cli_stderr.txt", dir);
    snprintf(cmd, sizeof(cmd), "'%s' compare %s >/dev/null 2>'%s'", bin ? bin : "gaitscope", args,
             path);
    rc = system(cmd);
    *errtxt = gs_test_read_text(path);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static int n_lines(const char *s)
{
    int n = 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

static void cli_compares_gait_folders_and_refuses_bad_input(const char *dir)
{
    gs_gen_params b, a;
    char db[1300], da[1300], out[1300], args[8000], path[2600], *e = NULL;
    if (!getenv("GAITSCOPE_BIN")) {
        fprintf(stderr, "skip: GAITSCOPE_BIN not set (ctest sets it); CLI not checked\n");
        return;
    }
    gs_gen_defaults(&b);
    b.noise_px = 2;
    b.seed = 11;
    a = b;
    a.seed = 12;
    a.cadence_spm *= 1.05;
    snprintf(db, sizeof(db), "%s/gait_before", dir);
    snprintf(da, sizeof(da), "%s/gait_after", dir);
    snprintf(out, sizeof(out), "%s/cli_out", dir);
    CHECK(made_folder(&b, db));
    CHECK(made_folder(&a, da));

    /* two gait folders: compared, no clip, the page says why */
    snprintf(args, sizeof(args), "'%s' '%s' -o '%s' --force --quiet --permutations 1000", db, da,
             out);
    CHECK_EQ_INT(run_cli(dir, args, &e), 0);
    free(e);
    snprintf(path, sizeof(path), "%s/comparison.json", out);
    CHECK(gs_path_exists(path));
    schema_valid(path);
    snprintf(path, sizeof(path), "%s/side_by_side.mp4", out);
    CHECK(!gs_path_exists(path));
    snprintf(path, sizeof(path), "%s/comparison.html", out);
    e = gs_test_read_text(path);
    CHECK_STR_CONTAINS(e, "has no overlay.mp4");
    free(e);
    /* again without --force: the outputs exist... and are gaitscope's, so they are replaced */
    snprintf(args, sizeof(args), "'%s' '%s' -o '%s' --quiet --permutations 1000", db, da, out);
    CHECK_EQ_INT(run_cli(dir, args, &e), 0);
    free(e);

    /* a folder without analysis.json */
    snprintf(path, sizeof(path), "%s/empty_folder", dir);
    gs_mkdir_p(path, NULL);
    snprintf(args, sizeof(args), "'%s' '%s' -o '%s' --force", path, da, out);
    CHECK_EQ_INT(run_cli(dir, args, &e), 1);
    CHECK_STR_CONTAINS(e, "empty_folder: no analysis.json");
    CHECK_EQ_INT(n_lines(e), 1);
    free(e);
    /* an analysis that failed */
    {
        char fdir[1300];
        cJSON *j = gs_analysis_json_failed("clip.mp4: no person found", "test");
        char *txt = j ? cJSON_Print(j) : NULL;
        snprintf(fdir, sizeof(fdir), "%s/failed_folder", dir);
        gs_mkdir_p(fdir, NULL);
        snprintf(path, sizeof(path), "%s/analysis.json", fdir);
        CHECK(txt && gs_file_write_all(path, txt, strlen(txt), NULL) == GS_OK);
        cJSON_free(txt);
        cJSON_Delete(j);
        snprintf(args, sizeof(args), "'%s' '%s' -o '%s' --force", db, fdir, out);
        CHECK_EQ_INT(run_cli(dir, args, &e), 1);
        CHECK_STR_CONTAINS(e, "the analysis failed");
        CHECK_STR_CONTAINS(e, "no person found");
        CHECK_EQ_INT(n_lines(e), 1);
        free(e);
    }
    /* different format versions */
    {
        char vdir[1300], *txt, *p;
        snprintf(vdir, sizeof(vdir), "%s/v2_folder", dir);
        gs_mkdir_p(vdir, NULL);
        snprintf(path, sizeof(path), "%s/analysis.json", da);
        txt = gs_test_read_text(path);
        p = txt ? strstr(txt, "gaitscope.analysis/1") : NULL;
        CHECK(p != NULL);
        if (p) {
            p[strlen("gaitscope.analysis/")] = '2';
            snprintf(path, sizeof(path), "%s/analysis.json", vdir);
            CHECK(gs_file_write_all(path, txt, strlen(txt), NULL) == GS_OK);
        }
        free(txt);
        snprintf(args, sizeof(args), "'%s' '%s' -o '%s' --force", db, vdir, out);
        CHECK_EQ_INT(run_cli(dir, args, &e), 1);
        CHECK_STR_CONTAINS(e, "gaitscope.analysis/2");
        CHECK_EQ_INT(n_lines(e), 1);
        free(e);
    }
    /* the same folder twice (also by another spelling) */
    snprintf(args, sizeof(args), "'%s' '%s/../gait_before/' -o '%s' --force", db, db, out);
    CHECK_EQ_INT(run_cli(dir, args, &e), 1);
    CHECK_STR_CONTAINS(e, "BEFORE and AFTER are the same");
    CHECK_EQ_INT(n_lines(e), 1);
    free(e);
    /* a mistyped path: nothing is written */
    snprintf(args, sizeof(args), "'%s/nope' '%s' -o '%s/never'", dir, da, dir);
    CHECK_EQ_INT(run_cli(dir, args, &e), 1);
    CHECK_STR_CONTAINS(e, "nope: no such file or folder");
    free(e);
    snprintf(path, sizeof(path), "%s/never", dir);
    CHECK(!gs_path_exists(path));
}

/* ---- the real pair: first and second half of one treadmill clip (same runner, session) ---- */

static int run_bin(const char *cmdargs, const char *log)
{
    const char *bin = getenv("GAITSCOPE_BIN");
    char cmd[12000];
    int rc;
    snprintf(cmd, sizeof(cmd), "'%s' %s >'%s' 2>&1", bin ? bin : "gaitscope", cmdargs, log);
    rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Mean absolute difference of half h of output frame f against source frame src (resized). */
static double half_mad(const gs_frame *f, const gs_compare_video_stats *st, int h,
                       const uint8_t *src, int32_t sw, int32_t sh)
{
    size_t n = (size_t)st->half_w[h] * st->half_h * 3;
    uint8_t *tmp = malloc(n), *cpy = malloc((size_t)sw * sh * 3);
    double s = 0;
    gs_image a, d;
    if (!tmp || !cpy) {
        free(tmp);
        free(cpy);
        return NAN;
    }
    memcpy(cpy, src, (size_t)sw * sh * 3);
    a = (gs_image){cpy, sw, sh, sw * 3};
    d = (gs_image){tmp, st->half_w[h], st->half_h, st->half_w[h] * 3};
    gs_cv_resize(&a, &d, NULL);
    for (int32_t y = 0; y < st->half_h; y++) {
        const uint8_t *o =
            f->rgb + (size_t)(st->half_y + y) * f->stride + (size_t)st->half_x[h] * 3;
        const uint8_t *p = tmp + (size_t)y * st->half_w[h] * 3;
        for (int32_t x = 0; x < st->half_w[h] * 3; x++)
            s += abs((int)o[x] - (int)p[x]);
    }
    free(tmp);
    free(cpy);
    return s / (double)n;
}

/* Frame index i of clip path, copied into *rgb (caller frees). */
static int grab(const char *path, int64_t i, uint8_t **rgb, int32_t *w, int32_t *h)
{
    gs_decoder *dec = NULL;
    gs_frame f;
    int ok = 0;
    *rgb = NULL;
    if (gs_decoder_open(path, NULL, &dec, NULL) != GS_OK)
        return 0;
    while (gs_decoder_next(dec, &f, NULL) == GS_OK)
        if (f.index == i) {
            *w = f.width;
            *h = f.height;
            *rgb = malloc((size_t)f.width * f.height * 3);
            for (int32_t y = 0; *rgb && y < f.height; y++)
                memcpy(*rgb + (size_t)y * f.width * 3, f.rgb + (size_t)y * f.stride,
                       (size_t)f.width * 3);
            ok = *rgb != NULL;
            break;
        }
    gs_decoder_free(&dec);
    return ok;
}

/*
 * run_side_treadmill_01: 12 s at 30 fps; the two 6 s halves have 7-8 strides per side, the
 * smallest count the comparison accepts (Dingenen 2018). The longer lab clip gives no strides
 * (docs/metrics.md section 8), so this is the only usable pair, and it is also the material of
 * gaitscope's own repeat figures in models/minimal_change.json (scripts/minimal_change_own.sh on
 * these two analyses). So this checks the whole command on real video (reading, checks,
 * verdict counts, the clip, the page), not an independent calibration: the no-change pairs of
 * made tracks above are the independent false-positive check.
 */
/* gs_compare_input_open_json (the worker's compare job: analysis.json parsed once) gives the
 * session gs_compare_input_open gives, refuses what it refuses with the same message, and takes
 * the document over on every path. Needs the made folder of the CLI check. */
static void input_open_json_matches_open(const char *dir)
{
    char db[1300], path[1400], missing[1300];
    gs_compare_input *in[2] = {NULL, NULL};
    gs_error e1 = {0}, e2 = {0};
    snprintf(db, sizeof(db), "%s/gait_before", dir);
    snprintf(path, sizeof(path), "%s/analysis.json", db);
    if (!gs_path_exists(path)) {
        fprintf(stderr, "skip: no %s: gs_compare_input_open_json not checked\n", path);
        return;
    }
    char *txt = gs_test_read_text(path);
    cJSON *doc = txt ? cJSON_Parse(txt) : NULL;
    free(txt);
    CHECK(doc != NULL);
    CHECK_EQ_INT(gs_compare_input_open(db, &in[0], &e1), GS_OK);
    CHECK_EQ_INT(gs_compare_input_open_json(db, &doc, &in[1], &e2), GS_OK);
    CHECK(doc == NULL);
    if (in[0] && in[1]) {
        const gs_compare_session *a = gs_compare_input_session(in[0]);
        const gs_compare_session *b = gs_compare_input_session(in[1]);
        CHECK(a->path && b->path && !strcmp(a->path, b->path));
        CHECK(a->view && b->view && !strcmp(a->view, b->view));
        CHECK(a->overlay_path == NULL && b->overlay_path == NULL);
        CHECK_EQ_INT(a->n_left_strides, b->n_left_strides);
        CHECK_EQ_INT(a->n_metrics, b->n_metrics);
        CHECK_EQ_INT(a->n_curves, b->n_curves);
        CHECK_EQ_INT(a->n_findings, b->n_findings);
        for (int i = 0; i < a->n_left_strides * 2 && i < b->n_left_strides * 2; i++)
            CHECK_NEAR(a->left_strides[i], b->left_strides[i], 0);
    }
    gs_compare_input_free(&in[0]);
    gs_compare_input_free(&in[1]);
    /* a folder that is not there: the same refusal, the document freed all the same */
    snprintf(missing, sizeof(missing), "%s/no_such_folder", dir);
    txt = gs_test_read_text(path);
    doc = txt ? cJSON_Parse(txt) : NULL;
    free(txt);
    CHECK_EQ_INT(gs_compare_input_open(missing, &in[0], &e1), GS_ERR_NOT_FOUND);
    CHECK_EQ_INT(gs_compare_input_open_json(missing, &doc, &in[1], &e2), GS_ERR_NOT_FOUND);
    CHECK_MSG(!strcmp(e1.msg, e2.msg), "'%s' against '%s'", e1.msg, e2.msg);
    CHECK(doc == NULL && in[0] == NULL && in[1] == NULL);
    CHECK_EQ_INT(gs_compare_input_open_json(db, NULL, &in[1], &e2), GS_ERR_ARG);
    CHECK(in[1] == NULL);
}

/* Reads dir/analysis.json, lets edit() change it, writes it to out/analysis.json. */
static int edited_folder(const char *dir, const char *out, void (*edit)(cJSON *, int), int arg)
{
    char path[8200], *txt;
    cJSON *j;
    int ok;
    snprintf(path, sizeof(path), "%s/analysis.json", dir);
    txt = gs_test_read_text(path);
    j = txt ? cJSON_Parse(txt) : NULL;
    free(txt);
    if (!j || gs_mkdir_p(out, NULL) != GS_OK) {
        cJSON_Delete(j);
        return 0;
    }
    edit(j, arg);
    txt = cJSON_Print(j);
    cJSON_Delete(j);
    snprintf(path, sizeof(path), "%s/analysis.json", out);
    ok = txt && gs_file_write_all(path, txt, strlen(txt), NULL) == GS_OK;
    cJSON_free(txt);
    return ok;
}

/* arg bit 1: contacts, 2: toe-offs timed from the picture (all but two, as analyze writes it:
 * methods.contact_image / toe_off_image); 4: the video's name in source; 8: contacts marked
 * timed_by image on the events only (no methods entry). */
static void picture_timed(cJSON *j, int arg)
{
    cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "methods"), *src, *ev;
    int n[2] = {0, 0};
    cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(j, "events"))
    {
        const char *ty = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "type"));
        int e = ty && !strcmp(ty, "TO");
        n[e]++;
        if ((arg & 8) && !e && n[0] > 2)
            cJSON_AddStringToObject(ev, "timed_by", "image");
    }
    if (!m)
        m = cJSON_AddObjectToObject(j, "methods");
    for (int e = 0; e < 2; e++) {
        if (!(arg & (1 << e)))
            continue;
        cJSON *p = cJSON_AddObjectToObject(m, e ? "toe_off_image" : "contact_image");
        cJSON_AddNumberToObject(p, e ? "toe_offs" : "contacts", n[e]);
        cJSON_AddNumberToObject(p, "timed_from_image", n[e] - 2);
    }
    if (arg & 4) {
        src = cJSON_GetObjectItemCaseSensitive(j, "source");
        if (!src)
            src = cJSON_AddObjectToObject(j, "source");
        cJSON_DeleteItemFromObjectCaseSensitive(src, "video");
        cJSON_AddStringToObject(src, "video", "run.mp4");
    }
}

static const gs_compare_check *check_named(const gs_comparison *c, const char *name)
{
    for (int i = 0; i < gs_comparison_n_checks(c); i++)
        if (!strcmp(gs_comparison_check(c, i)->name, name))
            return gs_comparison_check(c, i);
    return NULL;
}

/*
 * Both the contacts and the toe-offs timed differently: the two checks keep their own messages
 * (comparison.json comparability), but a reader is told once: one line in the page's alert, in
 * comparison.json warnings and in the command's printed warnings, naming both and saying which
 * session to analyse again and how (want). The page's Comparability section says it covers the
 * filming and the analysis. cli: the two folders, for the command (NULL: not run).
 */
static void timing_told_once(const gs_comparison *c, const char *dir, const char *tag,
                             const char *want, const char *want_html, const char *cli)
{
    const gs_compare_check *kc = check_named(c, "contact_timing");
    const gs_compare_check *kt = check_named(c, "toe_off_timing");
    gs_compare_output_info info = {0};
    gs_error err = {0};
    char path[1400], *txt;
    int alerts = 0;
    CHECK(kc && kt);
    if (!kc || !kt)
        return;
    CHECK_STR_CONTAINS(kc->message, "contacts timed from the picture");
    CHECK_STR_CONTAINS(kt->message, "toe-offs timed from the picture");
    for (int i = 0; i < gs_comparison_n_checks(c); i++)
        if (strstr(gs_comparison_check_alert(c, i), "timed from the picture")) {
            alerts++;
            CHECK_STR_CONTAINS(gs_comparison_check_alert(c, i), want);
        }
    CHECK_EQ_INT(alerts, 1);
    info.generated_by = "test";
    snprintf(path, sizeof(path), "%s/%s.html", dir, tag);
    CHECK_EQ_INT(gs_comparison_write_html(path, c, &info, &err), GS_OK);
    txt = gs_test_read_text(path);
    CHECK(txt != NULL);
    if (txt) {
        const char *al = strstr(txt, "id=\"mismatch\""), *end = al ? strstr(al, "</div>") : NULL;
        CHECK(al && end);
        if (al && end) {
            char box[4096];
            snprintf(box, sizeof(box), "%.*s", (int)(end - al), al);
            CHECK_EQ_INT(count_in(box, "<li>"), 1);
            CHECK_EQ_INT(count_in(box, "timed from the picture"), 1);
            CHECK_STR_CONTAINS(box, want_html);
        }
        /* the section covers how the sessions were filmed and how they were analysed */
        CHECK_STR_CONTAINS(txt, "<p class=\"sub\">The two sessions can be compared only if they "
                                "were <b>filmed the same way</b>");
        CHECK_STR_CONTAINS(txt, "<b>and analysed the same way</b> (the same version of the "
                                "measures, and the moments each foot lands and leaves the "
                                "ground timed by the same method: from the picture or from the "
                                "body landmarks). A difference in filming needs a new "
                                "recording; a difference in analysis only needs analysing "
                                "again the same way (the warning at the top says which "
                                "session and how).");
        CHECK(strstr(txt, "must be filmed the same way") == NULL);
        free(txt);
    }
    snprintf(path, sizeof(path), "%s/%s.json", dir, tag);
    CHECK_EQ_INT(gs_comparison_write_json(path, c, &info, &err), GS_OK);
    schema_valid(path);
    txt = gs_test_read_text(path);
    {
        cJSON *j = txt ? cJSON_Parse(txt) : NULL, *x;
        int nw = 0, nm = 0;
        CHECK(j != NULL);
        cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(j, "warnings"))
        {
            nw += cJSON_IsString(x) && strstr(x->valuestring, "timed from the picture") != NULL;
        }
        cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(j, "comparability"))
        {
            const char *m = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "message"));
            nm += m && strstr(m, "timed from the picture") != NULL;
        }
        CHECK_EQ_INT(nw, 1);
        CHECK_EQ_INT(nm, 2);
        cJSON_Delete(j);
        free(txt);
    }
    if (cli && getenv("GAITSCOPE_BIN")) {
        char cmd[9000];
        snprintf(path, sizeof(path), "%s/%s_cli.txt", dir, tag);
        snprintf(cmd, sizeof(cmd),
                 "'%s' compare %s -o '%s/%s_cli' --force --no-video --permutations 200 "
                 ">'%s' 2>&1",
                 getenv("GAITSCOPE_BIN"), cli, dir, tag, path);
        CHECK_EQ_INT(system(cmd), 0);
        txt = gs_test_read_text(path);
        CHECK(txt != NULL);
        if (txt) {
            CHECK_EQ_INT(count_in(txt, "timed from the picture"), 1);
            CHECK_STR_CONTAINS(txt, want);
            free(txt);
        }
    }
}

/*
 * The rows that hang on both the contacts and the toe-offs (contact and flight time, duty
 * factor, stance, swing, double support) when both were timed differently: one reason naming
 * both, want, as the single alert does, not "contact timing differs" (which hid the toe-offs);
 * in the page's "Why each verdict" list too. Rows hanging on one event keep that event's reason.
 */
static void rows_on_both_events_say_both_once(const gs_comparison *c, const char *dir,
                                              const char *tag, const char *want)
{
    static const char *const both[] = {"ground_contact_ms", "flight_ms", "duty_factor",
                                       "stance_pct",        "swing_pct", "double_support_pct"};
    gs_compare_output_info info = {0};
    gs_error err = {0};
    char path[1400], *txt;
    int n = 0;
    for (int i = 0; i < gs_comparison_n_rows(c); i++) {
        const gs_compare_row *r = gs_comparison_row(c, i);
        int on_both = 0;
        for (size_t k = 0; k < sizeof(both) / sizeof(both[0]); k++)
            on_both |= !strcmp(r->metric, both[k]);
        if (!on_both || r->verdict != GS_COMPARE_VERDICT_NOT_COMPARABLE)
            continue;
        n++;
        CHECK_MSG(!strcmp(r->why, want), "%s %s: '%s', want '%s'", tag, r->metric, r->why, want);
    }
    CHECK_MSG(n >= 2, "%s: %d rows on both events", tag, n);
    info.generated_by = "test";
    snprintf(path, sizeof(path), "%s/%s_rows.html", dir, tag);
    CHECK_EQ_INT(gs_comparison_write_html(path, c, &info, &err), GS_OK);
    txt = gs_test_read_text(path);
    CHECK(txt != NULL);
    if (txt) {
        char li[512];
        snprintf(li, sizeof(li),
                 "Ground contact time, left: <span class=\"vd nc\">not comparable</span> &mdash; "
                 "%s</li>",
                 want);
        CHECK_STR_CONTAINS(txt, li);
        free(txt);
    }
}

/*
 * An alert longer than any fixed buffer before its first option (a 400-character text, then
 * "--contact landmarks") is on the page whole: the page's writer copied the text before each
 * "--" into 256 bytes and cut the rest silently.
 */
static void long_alert_is_written_whole(gs_comparison *c, const char *dir)
{
    gs_compare_output_info info = {0};
    gs_error err = {0};
    char text[440], path[1400], *txt;
    size_t n = 0;
    while (n < 400) /* "word000 word001 ..." so any cut shows */
        n += (size_t)snprintf(text + n, sizeof(text) - n, "word%03zu ", n / 8);
    text[n - 1] = '\0'; /* 399 characters */
    CHECK(strlen(text) > 300);
    CHECK(sizeof(c->timing_note) > strlen(text) + 30);
    snprintf(c->timing_note, sizeof(c->timing_note),
             "%s: analyse both with --contact landmarks "
             "--toe-off landmarks",
             text);
    info.generated_by = "test";
    snprintf(path, sizeof(path), "%s/evt_long_alert.html", dir);
    CHECK_EQ_INT(gs_comparison_write_html(path, c, &info, &err), GS_OK);
    txt = gs_test_read_text(path);
    CHECK(txt != NULL);
    if (txt) {
        char want[600];
        snprintf(want, sizeof(want),
                 "<li>%s: analyse both with <span class=\"nw\">--contact "
                 "landmarks</span> <span class=\"nw\">--toe-off "
                 "landmarks</span></li>",
                 text);
        CHECK_STR_CONTAINS(txt, want);
        free(txt);
    }
}

/*
 * A pair whose analyses timed contacts or toe-offs differently (one from the picture,
 * methods.contact_image / toe_off_image, one from the landmarks) is not comparable on what hangs
 * on those events, and says which session to analyse again and how; the other rows keep their
 * verdicts, and two analyses timed the same way compare as before.
 */
static void event_timing_is_checked(const char *dir)
{
    gs_gen_params p;
    char base[1300], d[6][1300];
    /* BEFORE as made (landmarks, from a pose track); AFTER's variants */
    static const int edits[6] = {0, 1, 2, 4, 1 | 2, 8};
    gs_compare_input *in[6] = {NULL};
    gs_compare_mc *mc = shipped_mc();
    gs_error err = {0};
    gs_gen_defaults(&p);
    p.noise_px = 1;
    p.seed = 31;
    snprintf(base, sizeof(base), "%s/evt_made", dir);
    CHECK(made_folder(&p, base));
    for (int i = 0; i < 6; i++) {
        snprintf(d[i], sizeof(d[i]), "%s/evt_%d", dir, edits[i]);
        CHECK(edited_folder(base, d[i], picture_timed, edits[i]));
        CHECK_EQ_INT(gs_compare_input_open(d[i], &in[i], &err), GS_OK);
    }
    for (int i = 0; i < 6; i++)
        if (!in[i]) {
            for (int k = 0; k < 6; k++)
                gs_compare_input_free(&in[k]);
            gs_compare_mc_free(&mc);
            return;
        }
    {
        const gs_compare_session *s1 = gs_compare_input_session(in[1]);
        CHECK(s1->timed_image[0] > 10 && s1->timed_of[0] == s1->timed_image[0] + 2);
        CHECK_EQ_INT(s1->timed_image[1], 0);
        /* no methods entry: the events' timed_by counted */
        CHECK_EQ_INT(gs_compare_input_session(in[5])->timed_image[0], s1->timed_image[0]);
        CHECK_EQ_INT(gs_compare_input_session(in[5])->timed_of[0], s1->timed_of[0]);
    }
    /* cases: before, after, contacts differ, toe-offs differ */
    static const int cases[][4] = {{0, 1, 1, 0}, {3, 2, 0, 1}, {4, 2, 1, 0}, {1, 5, 0, 0},
                                   {0, 3, 0, 0}, {4, 3, 1, 1}, {1, 2, 1, 1}};
    for (size_t q = 0; q < sizeof(cases) / sizeof(cases[0]); q++) {
        gs_comparison *c = NULL;
        CHECK_EQ_INT(gs_compare_run(gs_compare_input_session(in[cases[q][0]]),
                                    gs_compare_input_session(in[cases[q][1]]), mc, NULL, &c, &err),
                     GS_OK);
        if (!c)
            continue;
        const gs_compare_check *kc = check_named(c, "contact_timing");
        const gs_compare_check *kt = check_named(c, "toe_off_timing");
        const gs_compare_row *gc =
            gs_comparison_find_row(c, "ground_contact_ms", GS_COMPARE_SIDE_LEFT);
        const gs_compare_row *ki =
            gs_comparison_find_row(c, "knee_flexion_ic_deg", GS_COMPARE_SIDE_LEFT);
        const gs_compare_row *tl =
            gs_comparison_find_row(c, "trunk_lean_deg", GS_COMPARE_SIDE_LEFT);
        CHECK(kc && kt && gc && ki && tl);
        if (!kc || !kt || !gc || !ki || !tl) {
            gs_comparison_free(&c);
            continue;
        }
        CHECK_EQ_INT(kc->blocking, 0);
        CHECK_EQ_INT(kc->state, cases[q][2] ? GS_COMPARE_CHECK_MISMATCH : GS_COMPARE_CHECK_OK);
        CHECK_EQ_INT(kt->state, cases[q][3] ? GS_COMPARE_CHECK_MISMATCH : GS_COMPARE_CHECK_OK);
        /* intervals between like events (a common shift cancels) and a spatial value read
         * over the stride: never touched */
        for (int r = 0; r < 3; r++) {
            static const char *const keep[] = {"cadence_spm", "stride_time_ms", "step_time_ms"};
            const gs_compare_row *kr = gs_comparison_find_row(c, keep[r], GS_COMPARE_SIDE_LEFT);
            CHECK(kr != NULL);
            if (kr)
                CHECK_MSG(strstr(kr->why, "timing") == NULL, "%s: %s", keep[r], kr->why);
        }
        CHECK(tl->verdict != GS_COMPARE_VERDICT_NOT_COMPARABLE);
        CHECK_MSG(strstr(tl->why, "timing") == NULL, "%s", tl->why);
        if (cases[q][2] && cases[q][3]) {
            /* both: one reason naming both (rows_on_both_events_say_both_once) */
            CHECK_EQ_INT(gc->verdict, GS_COMPARE_VERDICT_NOT_COMPARABLE);
            CHECK_STR_CONTAINS(gc->why, "contacts and toe-offs timed differently");
            CHECK_MSG(strstr(gc->why, "timing differs") == NULL, "%s", gc->why);
        } else if (cases[q][2] || cases[q][3]) {
            CHECK_EQ_INT(gc->verdict, GS_COMPARE_VERDICT_NOT_COMPARABLE);
            CHECK_STR_CONTAINS(gc->why,
                               cases[q][2] ? "contact timing differs" : "toe-off timing differs");
        } else {
            CHECK(gc->verdict != GS_COMPARE_VERDICT_NOT_COMPARABLE);
            CHECK_MSG(strstr(gc->why, "timing") == NULL, "%s", gc->why);
        }
        {
            /* peak hip extension ends its window at toe-off */
            const gs_compare_row *he =
                gs_comparison_find_row(c, "hip_extension_peak_deg", GS_COMPARE_SIDE_LEFT);
            CHECK(he != NULL);
            if (he)
                CHECK_EQ_INT(strstr(he->why, "toe-off timing differs") != NULL, cases[q][3]);
        }
        /* the knee at contact hangs on the contacts, not on the toe-offs */
        CHECK_EQ_INT(ki->verdict == GS_COMPARE_VERDICT_NOT_COMPARABLE, cases[q][2]);
        CHECK_EQ_INT(strstr(ki->why, "contact timing differs") != NULL, cases[q][2]);
        CHECK_MSG(strstr(ki->why, "toe-off timing") == NULL, "%s", ki->why);
        if (q == 0) {
            /* BEFORE from a pose track (no video): gait cannot use the picture */
            CHECK_STR_CONTAINS(kc->before, "landmarks");
            CHECK_STR_CONTAINS(kc->after, "picture, ");
            CHECK_STR_CONTAINS(kc->message, "contacts timed from the picture in AFTER, from the "
                                            "landmarks in BEFORE (gait on a pose.json cannot "
                                            "use the picture): analyse both from their videos, "
                                            "or both with --contact landmarks --toe-off "
                                            "landmarks");
            CHECK_STR_CONTAINS(gc->why, "(landmarks before, picture, ");
            /* the curves run from contact to contact */
            CHECK(gs_comparison_n_curves(c) > 0);
            if (gs_comparison_n_curves(c) > 0)
                CHECK_STR_CONTAINS(gs_comparison_curve(c, 0)->why, "contact timing differs");
            /* the page: the analyses differ, not the clips; an option never broken at its
             * dashes; comparison.json as the schema says */
            gs_compare_output_info info = {0};
            char path[1400], *html = page_of(c, dir, "evt_comparison.html");
            info.generated_by = "test";
            if (html) {
                CHECK_STR_CONTAINS(html, "<strong>The two analyses are not fully "
                                         "comparable</strong>");
                CHECK_STR_CONTAINS(html, "or both with <span class=\"nw\">--contact "
                                         "landmarks</span> <span class=\"nw\">--toe-off "
                                         "landmarks</span></li>");
                CHECK_STR_CONTAINS(html, "Contact timing<br><small>from the picture, or from "
                                         "the landmarks</small>");
                free(html);
            }
            snprintf(path, sizeof(path), "%s/evt_comparison.json", dir);
            CHECK_EQ_INT(gs_comparison_write_json(path, c, &info, &err), GS_OK);
            schema_valid(path);
        }
        if (q == 1) {
            /* BEFORE has its video: analyse it again */
            CHECK_STR_CONTAINS(kt->message, "toe-offs timed from the picture in AFTER, from the "
                                            "landmarks in BEFORE: analyse BEFORE again from its "
                                            "video (Re-run, or gaitscope analyze), or both with "
                                            "--contact landmarks --toe-off landmarks");
        }
        if (q == 5) {
            char cli[2700];
            CHECK_STR_CONTAINS(kc->message, "contacts timed from the picture in BEFORE, from the "
                                            "landmarks in AFTER: analyse AFTER again from its "
                                            "video (Re-run, or gaitscope analyze --contact "
                                            "image)");
            /* both timed from the landmarks in AFTER: one line names both, AFTER to analyse */
            snprintf(cli, sizeof(cli), "'%s' '%s'", d[4], d[3]);
            timing_told_once(c, dir, "evt_both",
                             "contacts and toe-offs timed from the picture in BEFORE, from the "
                             "landmarks in AFTER: analyse AFTER again from its video (Re-run, "
                             "or gaitscope analyze --contact image), or both with --contact "
                             "landmarks --toe-off landmarks",
                             "<li>contacts and toe-offs timed from the picture in BEFORE, from "
                             "the landmarks in AFTER: analyse AFTER again from its video "
                             "(Re-run, or gaitscope analyze <span class=\"nw\">--contact "
                             "image</span>), or both with",
                             cli);
            rows_on_both_events_say_both_once(c, dir, "evt_both",
                                              "contacts and toe-offs timed differently "
                                              "(picture before, landmarks after)");
            long_alert_is_written_whole(c, dir);
        }
        if (q == 6)
            /* contacts from the picture in BEFORE, toe-offs in AFTER: both to analyse again */
            timing_told_once(c, dir, "evt_crossed",
                             "contacts timed from the picture in BEFORE, toe-offs in AFTER, each "
                             "from the landmarks in the other: analyse both again from their "
                             "videos (Re-run, or gaitscope analyze --contact image), or both "
                             "with --contact landmarks --toe-off landmarks",
                             "<li>contacts timed from the picture in BEFORE, toe-offs in AFTER, "
                             "each from the landmarks in the other: analyse both again from "
                             "their videos",
                             NULL);
        if (q == 6)
            rows_on_both_events_say_both_once(c, dir, "evt_crossed",
                                              "contacts and toe-offs timed differently "
                                              "(contacts from the picture before, toe-offs "
                                              "after)");
        if (q < 5) {
            /* one check alone keeps its own message, on the page and in warnings */
            const gs_compare_check *k1 = cases[q][2] ? kc : cases[q][3] ? kt : NULL;
            for (int i = 0; k1 && i < gs_comparison_n_checks(c); i++)
                if (gs_comparison_check(c, i) == k1)
                    CHECK_MSG(!strcmp(gs_comparison_check_alert(c, i), k1->message), "%s",
                              gs_comparison_check_alert(c, i));
        }
        gs_comparison_free(&c);
    }
    for (int i = 0; i < 6; i++)
        gs_compare_input_free(&in[i]);
    gs_compare_mc_free(&mc);
}

static void real_pair(const char *shared, const char *dir)
{
    char clip[1300], hb[1300], ha[1300], out[1300], args[8000], log[1300], path[2600];
    char *txt;
    cJSON *j;
    gs_compare_input *in[2] = {NULL, NULL};
    snprintf(clip, sizeof(clip), "%s/datasets/run_side_treadmill_01.mp4", shared);
    if (!gs_path_exists(clip) || !getenv("GAITSCOPE_BIN")) {
        fprintf(stderr, "skip: %s or GAITSCOPE_BIN missing: real pair not checked\n", clip);
        return;
    }
    snprintf(hb, sizeof(hb), "%s/real_first_half", dir);
    snprintf(ha, sizeof(ha), "%s/real_second_half", dir);
    snprintf(out, sizeof(out), "%s/real_comparison", dir);
    snprintf(log, sizeof(log), "%s/real_log.txt", dir);
    snprintf(args, sizeof(args), "analyze '%s' -o '%s' --end 6 --force --quiet --threads 2", clip,
             hb);
    CHECK_EQ_INT(run_bin(args, log), 0);
    snprintf(args, sizeof(args), "analyze '%s' -o '%s' --start 6 --force --quiet --threads 2", clip,
             ha);
    CHECK_EQ_INT(run_bin(args, log), 0);
    snprintf(args, sizeof(args), "compare '%s' '%s' -o '%s' --force", hb, ha, out);
    CHECK_EQ_INT(run_bin(args, log), 0);
    txt = gs_test_read_text(log);
    if (txt)
        fprintf(stderr, "real pair, gaitscope compare:\n%s", txt);
    free(txt);
    snprintf(path, sizeof(path), "%s/comparison.json", out);
    schema_valid(path);
    txt = gs_test_read_text(path);
    j = txt ? cJSON_Parse(txt) : NULL;
    free(txt);
    CHECK(j != NULL);
    if (j) {
        const cJSON *s = cJSON_GetObjectItem(j, "summary");
        int real = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(s, "real"));
        int noise = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(s, "noise"));
        int nc = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(s, "not_comparable"));
        int ct = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(s, "cannot_tell"));
        const cJSON *m;
        fprintf(stderr, "real pair: %d real, %d noise, %d cannot tell, %d not comparable\n", real,
                noise, ct, nc);
        CHECK_MSG(real <= 1, "%d real changes between two halves of one clip", real);
        CHECK_MSG(real + noise > nc + ct, "most metrics should be judged: %d judged, %d not",
                  real + noise, nc + ct);
        /* 30 fps: contact and flight time cannot be told (their minimal changes, 165 and 169
         * ms, are about five times what an intervention moves them), cadence can */
        cJSON_ArrayForEach(m, cJSON_GetObjectItem(j, "metrics"))
        {
            const char *k = cJSON_GetStringValue(cJSON_GetObjectItem(m, "metric"));
            const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(m, "verdict"));
            if (!strcmp(k, "ground_contact_ms") || !strcmp(k, "flight_ms"))
                CHECK_MSG(v && !strcmp(v, "cannot_tell"), "%s: %s, expected cannot_tell", k, v);
            else if (!strcmp(k, "cadence_spm"))
                CHECK_MSG(v && strcmp(v, "cannot_tell") && strcmp(v, "not_comparable"),
                          "%s: %s, expected a verdict", k, v);
        }
        CHECK_STR_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItem(
                               cJSON_GetObjectItem(j, "frame_rate_limit"), "message")),
                           "At 30 fps these two recordings cannot tell");
        cJSON_Delete(j);
    }
    txt = gs_test_read_text(log);
    CHECK_STR_CONTAINS(txt, "cannot tell at 30 fps");
    CHECK_STR_CONTAINS(txt, "  At 30 fps these two recordings cannot tell whether");
    free(txt);
    snprintf(path, sizeof(path), "%s/comparison.html", out);
    txt = gs_test_read_text(path);
    CHECK_STR_CONTAINS(txt, "id=\"frame-rate-limit\"");
    CHECK_STR_CONTAINS(txt, "Film both sessions at 240 fps");
    free(txt);
    /* the clip: frames and duration (ffprobe), and the halves at each stride's first frame */
    CHECK_EQ_INT(gs_compare_input_open(hb, &in[0], NULL), GS_OK);
    CHECK_EQ_INT(gs_compare_input_open(ha, &in[1], NULL), GS_OK);
    if (in[0] && in[1]) {
        const gs_compare_session *sb = gs_compare_input_session(in[0]);
        const gs_compare_session *sa = gs_compare_input_session(in[1]);
        int K = sb->n_left_strides < sa->n_left_strides ? sb->n_left_strides : sa->n_left_strides;
        int64_t expect = 0, j_out = 0;
        gs_compare_video_stats st;
        gs_decoder *dec = NULL;
        char sbs[2600], cmd[8000];
        snprintf(sbs, sizeof(sbs), "%s/side_by_side.mp4", out);
        for (int k = 0; k < K; k++)
            expect += (int64_t)ceil(sb->left_strides[2 * k + 1] - 1e-9) -
                      (int64_t)ceil(sb->left_strides[2 * k] - 1e-9);
        snprintf(cmd, sizeof(cmd),
                 "ffprobe -v error -count_frames -select_streams v:0 -show_entries "
                 "stream=nb_read_frames,duration -of default=nw=1 '%s' > '%s/real_ffprobe.txt'",
                 sbs, dir);
        CHECK_EQ_INT(system(cmd), 0);
        snprintf(path, sizeof(path), "%s/real_ffprobe.txt", dir);
        txt = gs_test_read_text(path);
        fprintf(stderr,
                "side_by_side.mp4: %d stride pairs, %lld frames expected at %.3f fps; "
                "ffprobe: %s",
                K, (long long)expect, sb->fps, txt ? txt : "?\n");
        if (txt && strstr(txt, "nb_read_frames="))
            CHECK_EQ_INT(strtoll(strstr(txt, "nb_read_frames=") + 15, NULL, 10), expect);
        if (txt && strstr(txt, "duration="))
            CHECK_NEAR(strtod(strstr(txt, "duration=") + 9, NULL), expect / sb->fps, 1.5 / sb->fps);
        free(txt);
        /* layout as the writer makes it (same inputs, same sizes) */
        memset(&st, 0, sizeof(st));
        snprintf(path, sizeof(path), "%s/real_layout.mp4", dir);
        {
            gs_compare_session one_b = *sb, one_a = *sa;
            one_b.n_left_strides = one_a.n_left_strides = 1;
            CHECK_EQ_INT(gs_compare_side_by_side(&one_b, &one_a, NULL, path, NULL, &st, NULL),
                         GS_OK);
        }
        /* at each stride's first output frame both halves show their left foot's contact
         * frame: the left half matches BEFORE's frame at the contact better than 4 frames
         * later, the right half AFTER's likewise */
        CHECK_EQ_INT(gs_decoder_open(sbs, NULL, &dec, NULL), GS_OK);
        for (int k = 0; k < K && dec; k++) {
            /* the frames the writer shows (compare_video.c): BEFORE's first whole frame of the
             * stride and AFTER's frame at the same phase of its stride */
            double b0 = sb->left_strides[2 * k], b1 = sb->left_strides[2 * k + 1];
            double a0 = sa->left_strides[2 * k], a1 = sa->left_strides[2 * k + 1];
            int64_t jb = (int64_t)ceil(b0 - 1e-9);
            int64_t ja = llround(a0 + (jb - b0) / (b1 - b0) * (a1 - a0));
            int64_t first = j_out;
            gs_frame f;
            j_out += (int64_t)ceil(sb->left_strides[2 * k + 1] - 1e-9) - jb;
            for (int64_t i = first; i <= first; i++) {
                uint8_t *pb = NULL, *pa = NULL, *pb4 = NULL, *pa4 = NULL;
                int32_t w0, h0, w1, h1;
                while (gs_decoder_next(dec, &f, NULL) == GS_OK && f.index < first)
                    ;
                if (f.index != first)
                    break;
                if (grab(sb->overlay_path, jb, &pb, &w0, &h0) &&
                    grab(sb->overlay_path, jb + 4, &pb4, &w0, &h0) &&
                    grab(sa->overlay_path, ja, &pa, &w1, &h1) &&
                    grab(sa->overlay_path, ja + 4, &pa4, &w1, &h1)) {
                    double mb = half_mad(&f, &st, 0, pb, w0, h0),
                           mb4 = half_mad(&f, &st, 0, pb4, w0, h0);
                    double ma = half_mad(&f, &st, 1, pa, w1, h1),
                           ma4 = half_mad(&f, &st, 1, pa4, w1, h1);
                    if (k == 0)
                        fprintf(stderr,
                                "stride 1 contact frame: left half differs from BEFORE's "
                                "contact frame by %.1f (4 frames later %.1f), right half from "
                                "AFTER's by %.1f (%.1f)\n",
                                mb, mb4, ma, ma4);
                    CHECK(mb < mb4);
                    CHECK(ma < ma4);
                }
                free(pb);
                free(pa);
                free(pb4);
                free(pa4);
            }
        }
        gs_decoder_free(&dec);
    }
    gs_compare_input_free(&in[0]);
    gs_compare_input_free(&in[1]);
    /* the page in a browser, phone and desktop widths */
    snprintf(path, sizeof(path), "%s/comparison.html", out);
    chromium_shots(dir, path);
}

/* ---- what a frame rate can tell ---- */

/* A made running session with the event-timing metrics: contact, flight, step time, duty factor
 * and cadence, n strides per side with the given means (contact SD 8 ms, the others in
 * proportion), filmed at fps. */
typedef struct timing_made {
    double v[5][3][40];
    gs_compare_metric m[5];
    gs_compare_session s;
} timing_made;

static void make_timing(timing_made *d, const char *path, double fps, double contact_ms,
                        double flight_ms, uint64_t seed)
{
    static const char *const keys[5] = {"ground_contact_ms", "flight_ms", "step_time_ms",
                                        "duty_factor", "cadence_spm"};
    static const char *const units[5] = {"ms", "ms", "ms", "fraction", "steps/min"};
    static const char *const labels[5] = {"Ground contact time", "Flight time", "Step time",
                                          "Duty factor", "Cadence"};
    const int n = 15;
    gs_compare_rng r;
    gs_compare_rng_seed(&r, seed);
    memset(d, 0, sizeof(*d));
    for (int s = 0; s < 3; s++)
        for (int i = 0; i < n; i++) {
            double c = contact_ms + 8 * gauss(&r), f = flight_ms + 6 * gauss(&r);
            d->v[0][s][i] = c;
            d->v[1][s][i] = f;
            d->v[2][s][i] = c + f;
            d->v[3][s][i] = c / (2 * (c + f));
            d->v[4][s][i] = 60000.0 / (c + f);
        }
    for (int k = 0; k < 5; k++) {
        d->m[k].key = keys[k];
        d->m[k].unit = units[k];
        d->m[k].label = labels[k];
        d->m[k].positive = k != 1;
        d->m[k].whole_body = k == 4;
        for (int s = 0; s < 3; s++) {
            if (s == GS_COMPARE_SIDE_ALL && k != 4)
                continue;
            d->m[k].values[s] = d->v[k][s];
            d->m[k].n[s] = n;
        }
    }
    d->s.path = path;
    d->s.format = "gaitscope.analysis/1";
    d->s.view = "side-left";
    d->s.activity = "run";
    d->s.setting = "treadmill";
    d->s.fps = fps;
    d->s.width = 1920;
    d->s.height = 1080;
    d->s.belt_speed_m_s = 3.2;
    d->s.speed_m_s = NAN;
    d->s.leg_length_px = 430;
    d->s.leg_length_frac = NAN;
    d->s.ground_angle_deg = 0.5;
    d->s.ground_fitted = 1;
    d->s.strides_used[0] = d->s.strides_used[1] = n;
    d->s.metrics = d->m;
    d->s.n_metrics = 5;
}

static gs_compare_verdict verdict_of(const gs_comparison *c, const char *key, gs_compare_side s)
{
    const gs_compare_row *r = gs_comparison_find_row(c, key, s);
    CHECK_MSG(r != NULL, "no row %s", key);
    return r ? r->verdict : GS_COMPARE_VERDICT_COUNT;
}

/* One call gives a row's minimal change, its source and the realistic bound (session 17: the
 * rows computed the minimal change twice, once for the value and again inside the bound): for
 * every shipped metric, at several rates and BEFORE means, gs_compare_mc_limit_of's minimal
 * change and source are gs_compare_mc_value's; no entry gives NAN and no source; a relative
 * entry without a BEFORE mean gives NAN and no bound. */
static void mc_limit_gives_value_and_source_in_one_call(void)
{
    static const double rates[] = {0, 1.0 / 25, 1.0 / 30, 1.0 / 60, 1.0 / 240};
    static const double means[] = {0.4, 62, 280, 170};
    gs_compare_mc *mc = shipped_mc();
    gs_compare_mc_limit lim;
    int n = 0;
    if (!mc)
        return;
    for (size_t i = 0; i < gs_metric_count(); i++) {
        const char *key = gs_metric_at(i)->key;
        for (size_t f = 0; f < sizeof(rates) / sizeof(rates[0]); f++)
            for (size_t b = 0; b < sizeof(means) / sizeof(means[0]); b++) {
                const char *src = NULL;
                double v = gs_compare_mc_value(mc, 0, key, means[b], rates[f], &src);
                gs_compare_mc_limit_of(mc, key, means[b], rates[f], &lim);
                CHECK_MSG(v == lim.minimal_change || (isnan(v) && isnan(lim.minimal_change)),
                          "%s at %g s, mean %g: %.17g and %.17g", key, rates[f], means[b], v,
                          lim.minimal_change);
                CHECK(src == lim.source);
                n += src != NULL;
            }
    }
    CHECK(n > 100);
    CHECK_EQ_INT(gs_compare_mc_limit_of(mc, "no_such_metric", 1, 1.0 / 30, &lim), 0);
    CHECK(isnan(lim.minimal_change) && isnan(lim.realistic) && isnan(lim.fps_needed));
    CHECK(lim.source == NULL && lim.realistic_source == NULL);
    CHECK_EQ_INT(gs_compare_mc_limit_of(mc, "step_time_ms", NAN, 1.0 / 30, &lim), 0);
    CHECK(isnan(lim.minimal_change) && isnan(lim.realistic) && isnan(lim.fps_needed));
    CHECK_STR_CONTAINS(lim.source, "Heiderscheit");
    CHECK_EQ_INT(gs_compare_mc_limit_of(mc, "ground_contact_ms", 280, 1.0 / 30, &lim), 1);
    CHECK_STR_CONTAINS(lim.source, "Young 2023");
    gs_compare_mc_free(&mc);
}

/* Walking stance, swing and double support in % of the stride (session 17): a stated 1.4 points
 * and one frame interval of a 1.1 s stride, the larger wins (3.03 points at 30 fps, 1.52 at 60,
 * 1.4 from 65 fps on); before, a fixed 3 points at every rate. A made walk whose stance moves by
 * 2 points (15 strides, SD 1) is noise at 30 fps and real at 60; double support, which moves by
 * 4, is real at both. */
static void walking_percentages_scale_with_frame_rate(void)
{
    static const char *const keys[3] = {"stance_pct", "swing_pct", "double_support_pct"};
    static const char *const labels[3] = {"Stance", "Swing", "Double support"};
    static double v[2][3][2][15];
    static gs_compare_metric m[2][3];
    static gs_compare_session ss[2];
    gs_compare_mc *mc = shipped_mc();
    gs_compare_rng r;
    if (!mc)
        return;
    CHECK_NEAR(gs_compare_mc_value(mc, 0, "stance_pct", 62, 1.0 / 30, NULL), 100000.0 / 1100 / 30,
               1e-9);
    CHECK_NEAR(gs_compare_mc_value(mc, 0, "swing_pct", 38, 1.0 / 60, NULL), 100000.0 / 1100 / 60,
               1e-9);
    CHECK_NEAR(gs_compare_mc_value(mc, 0, "double_support_pct", 24, 1.0 / 240, NULL), 1.4, 1e-12);
    CHECK_NEAR(gs_compare_mc_value(mc, 0, "stance_pct", 62, 0, NULL), 1.4, 1e-12);
    gs_compare_rng_seed(&r, 71);
    for (int k = 0; k < 2; k++) {
        double stance = k ? 64 : 62;
        for (int side = 0; side < 2; side++)
            for (int i = 0; i < 15; i++) {
                double st = stance + gauss(&r);
                v[k][0][side][i] = st;
                v[k][1][side][i] = 100 - st;
                v[k][2][side][i] = 2 * (st - 50);
            }
        for (int q = 0; q < 3; q++) {
            m[k][q].key = keys[q];
            m[k][q].unit = "%";
            m[k][q].label = labels[q];
            m[k][q].positive = 1;
            for (int side = 0; side < 2; side++) {
                m[k][q].values[side] = v[k][q][side];
                m[k][q].n[side] = 15;
            }
        }
        memset(&ss[k], 0, sizeof(ss[k]));
        ss[k].path = k ? "/x/walk_after" : "/x/walk_before";
        ss[k].format = "gaitscope.analysis/1";
        ss[k].view = "side-left";
        ss[k].activity = "walk";
        ss[k].setting = "overground";
        ss[k].width = 1920;
        ss[k].height = 1080;
        ss[k].belt_speed_m_s = NAN;
        ss[k].speed_m_s = NAN;
        ss[k].leg_length_px = 430;
        ss[k].leg_length_frac = NAN;
        ss[k].ground_angle_deg = 0.5;
        ss[k].ground_fitted = 1;
        ss[k].strides_used[0] = ss[k].strides_used[1] = 15;
        ss[k].metrics = m[k];
        ss[k].n_metrics = 3;
    }
    for (int f = 0; f < 2; f++) {
        gs_comparison *c = NULL;
        gs_error err = {0};
        ss[0].fps = ss[1].fps = f ? 60 : 30;
        CHECK_EQ_INT(gs_compare_run(&ss[0], &ss[1], mc, NULL, &c, &err), GS_OK);
        if (!c)
            continue;
        for (int side = 0; side < 2; side++) {
            const gs_compare_row *row =
                gs_comparison_find_row(c, "stance_pct", (gs_compare_side)side);
            CHECK_EQ_INT(verdict_of(c, "stance_pct", (gs_compare_side)side),
                         f ? GS_COMPARE_VERDICT_REAL : GS_COMPARE_VERDICT_NOISE);
            CHECK_EQ_INT(verdict_of(c, "swing_pct", (gs_compare_side)side),
                         f ? GS_COMPARE_VERDICT_REAL : GS_COMPARE_VERDICT_NOISE);
            CHECK_EQ_INT(verdict_of(c, "double_support_pct", (gs_compare_side)side),
                         GS_COMPARE_VERDICT_REAL);
            if (row)
                CHECK_NEAR(row->minimal_change, 100000.0 / 1100 / (f ? 60 : 30), 1e-9);
        }
        CHECK(gs_comparison_fps_note(c)[0] == '\0'); /* no realistic bound: never cannot tell */
        gs_comparison_free(&c);
    }
    gs_compare_mc_free(&mc);
}

/* The angles read at the contact instant (knee, shank and foot at contact, overstride): their own
 * minimal changes at 30 fps (17-30 deg, 0.36 leg lengths) exceed what retraining is thought to
 * change, but no published intervention effect with its size was found to bound them (session
 * 17), so they carry no realistic bound, are never cannot_tell, and each entry's reasoning says
 * why (a reader of the table should not take the missing bound for an oversight). */
static void contact_angles_say_why_they_have_no_bound(void)
{
    static const char *const keys[] = {"knee_flexion_ic_deg", "shank_angle_ic_deg",
                                       "foot_strike_angle_deg", "overstride_deg", "overstride_ll"};
    gs_compare_mc *mc = shipped_mc();
    char *txt = gs_test_read_text(GS_SOURCE_DIR "/models/minimal_change.json");
    cJSON *j = txt ? cJSON_Parse(txt) : NULL;
    const cJSON *m = cJSON_GetObjectItem(j, "metrics");
    free(txt);
    CHECK(cJSON_IsObject(m));
    for (size_t i = 0; mc && i < sizeof(keys) / sizeof(keys[0]); i++) {
        const cJSON *e = cJSON_GetObjectItem(m, keys[i]);
        const char *why = cJSON_GetStringValue(cJSON_GetObjectItem(e, "reasoning"));
        gs_compare_mc_limit lim;
        CHECK_EQ_INT(gs_compare_mc_limit_of(mc, keys[i], 20, 1.0 / 30, &lim), 0);
        CHECK_MSG(isnan(lim.realistic), "%s has a realistic bound", keys[i]);
        CHECK_MSG(why && strstr(why, "No realistic bound") && strstr(why, "session 17"),
                  "%s: the reasoning does not say why it has no realistic bound", keys[i]);
        CHECK(cJSON_GetObjectItem(e, "realistic") == NULL);
    }
    cJSON_Delete(j);
    gs_compare_mc_free(&mc);
}

/* The shipped table at 30, 60 and 240 fps: a realistic contact-time change (-12 ms, flight +12)
 * cannot be told at 30 or 60 fps (contact's minimal change 4.95 frames: 165 and 83 ms, against
 * 35 ms a realistic intervention moves it), and the page, the JSON and the CLI's sentence say so
 * and from what rate it could (141.4 fps for contact, 144.9 for flight, 109.5 for duty factor);
 * cadence stays judged at every rate. At 240 fps the same change is judged (noise: below 20.6 ms)
 * and a 40 ms change is real; at 30 fps a change beyond the minimal change is still real. */
static void frame_rate_decides_what_a_pair_can_tell(const char *dir)
{
    static timing_made b, a;
    gs_compare_mc *mc = shipped_mc();
    gs_comparison *c = NULL;
    gs_compare_mc_limit lim;
    gs_error err = {0};
    int counts[GS_COMPARE_VERDICT_COUNT];
    if (!mc)
        return;
    /* the table's rule: minimal change and the rate from which it falls under the bound */
    CHECK_EQ_INT(gs_compare_mc_limit_of(mc, "ground_contact_ms", 280, 1.0 / 30, &lim), 1);
    CHECK_NEAR(lim.minimal_change, 165, 1e-9);
    CHECK_NEAR(lim.realistic, 35, 1e-12);
    CHECK_NEAR(lim.fps_needed, 4950.0 / 35, 1e-9);
    CHECK_STR_CONTAINS(lim.realistic_source, "180-320 ms");
    CHECK_EQ_INT(gs_compare_mc_limit_of(mc, "ground_contact_ms", 280, 1.0 / 240, &lim), 0);
    CHECK_NEAR(lim.minimal_change, 4.95 * 1000 / 240, 1e-9);
    /* duty factor: its own figure (0.219 at 30 fps) scales with the frame interval */
    CHECK_EQ_INT(gs_compare_mc_limit_of(mc, "duty_factor", 0.4, 1.0 / 60, &lim), 1);
    CHECK_NEAR(lim.minimal_change, 0.219 / 2, 1e-12);
    CHECK_NEAR(lim.fps_needed, 0.219 * 30 / 0.06, 1e-9);
    CHECK_NEAR(gs_compare_mc_value(mc, 0, "duty_factor", 0.4, 1.0 / 30, NULL), 0.219, 1e-12);
    CHECK_NEAR(gs_compare_mc_value(mc, 0, "duty_factor", 0.4, 1.0 / 1000, NULL), 0.02, 1e-12);
    CHECK_NEAR(gs_compare_mc_value(mc, 0, "duty_factor", 0.4, 0, NULL), 0.219, 1e-12);
    /* step time: 10 % of BEFORE's mean, 3.09 frames: judged from 3090 / 35 = 88.3 fps */
    CHECK_EQ_INT(gs_compare_mc_limit_of(mc, "step_time_ms", 350, 1.0 / 60, &lim), 1);
    CHECK_NEAR(lim.realistic, 35, 1e-9);
    CHECK_NEAR(lim.fps_needed, 3090.0 / 35, 1e-9);
    /* cadence: 4.73 % of BEFORE's mean is below the 10 % bound at any rate */
    CHECK_EQ_INT(gs_compare_mc_limit_of(mc, "cadence_spm", 170, 1.0 / 30, &lim), 0);
    CHECK_NEAR(lim.fps_needed, 0, 1e-12);
    /* a knee angle has no realistic figure: never cannot_tell */
    CHECK_EQ_INT(gs_compare_mc_limit_of(mc, "knee_flexion_ic_deg", 20, 1.0 / 30, &lim), 0);
    CHECK(isnan(lim.realistic) && isnan(lim.fps_needed));

    for (int k = 0; k < 2; k++) {
        double fps = k ? 60 : 30;
        char path[1300], want[64];
        char *txt;
        make_timing(&b, "/x/before", fps, 280, 75, 51);
        make_timing(&a, "/x/after", fps, 268, 87, 52);
        CHECK_EQ_INT(gs_compare_run(&b.s, &a.s, mc, NULL, &c, &err), GS_OK);
        if (!c)
            continue;
        for (int s = 0; s < 2; s++) {
            CHECK_EQ_INT(verdict_of(c, "ground_contact_ms", (gs_compare_side)s),
                         GS_COMPARE_VERDICT_CANNOT_TELL);
            CHECK_EQ_INT(verdict_of(c, "flight_ms", (gs_compare_side)s),
                         GS_COMPARE_VERDICT_CANNOT_TELL);
            CHECK_EQ_INT(verdict_of(c, "duty_factor", (gs_compare_side)s),
                         GS_COMPARE_VERDICT_CANNOT_TELL);
            CHECK_EQ_INT(verdict_of(c, "step_time_ms", (gs_compare_side)s),
                         GS_COMPARE_VERDICT_CANNOT_TELL);
            CHECK_EQ_INT(verdict_of(c, "cadence_spm", (gs_compare_side)s),
                         GS_COMPARE_VERDICT_NOISE);
        }
        CHECK_EQ_INT(verdict_of(c, "cadence_spm", GS_COMPARE_SIDE_ALL), GS_COMPARE_VERDICT_NOISE);
        {
            const gs_compare_row *r =
                gs_comparison_find_row(c, "ground_contact_ms", GS_COMPARE_SIDE_LEFT);
            if (r) {
                CHECK_NEAR(r->minimal_change, 4950.0 / fps, 1e-9);
                CHECK_NEAR(r->fps_needed, 4950.0 / 35, 1e-9);
                CHECK_STR_CONTAINS(r->why, "from 142 fps it could");
            }
        }
        gs_comparison_counts(c, counts);
        CHECK_EQ_INT(counts[GS_COMPARE_VERDICT_CANNOT_TELL], 8);
        CHECK_NEAR(gs_comparison_fps(c), fps, 1e-12);
        snprintf(want, sizeof(want), "At %g fps these two recordings cannot tell", fps);
        CHECK_STR_CONTAINS(gs_comparison_fps_note(c), want);
        CHECK_STR_CONTAINS(gs_comparison_fps_note(c),
                           "ground contact time, flight time, step time or duty factor changed");
        CHECK_STR_CONTAINS(gs_comparison_fps_note(c), "Film both sessions at 240 fps");
        CHECK_STR_CONTAINS(gs_comparison_fps_note(c), "ground contact time needs 142 fps");
        CHECK_STR_CONTAINS(gs_comparison_fps_note(c), "flight time needs 145 fps");
        CHECK_STR_CONTAINS(gs_comparison_fps_note(c), "duty factor needs 110 fps");
        CHECK(strstr(gs_comparison_fps_note(c), "adence") == NULL);
        /* the JSON: the verdict, the figures and the sentence */
        snprintf(path, sizeof(path), "%s/fps%d_comparison.json", dir, (int)fps);
        CHECK_EQ_INT(gs_comparison_write_json(path, c, NULL, &err), GS_OK);
        schema_valid(path);
        txt = gs_test_read_text(path);
        {
            cJSON *j = txt ? cJSON_Parse(txt) : NULL;
            const cJSON *lj = cJSON_GetObjectItem(j, "frame_rate_limit"), *m;
            int n = 0;
            CHECK(cJSON_IsObject(lj));
            CHECK_NEAR(cJSON_GetNumberValue(cJSON_GetObjectItem(lj, "fps")), fps, 1e-12);
            CHECK_STR_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItem(lj, "message")), want);
            CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(lj, "metrics")), 4);
            CHECK_EQ_INT((int)cJSON_GetNumberValue(
                             cJSON_GetObjectItem(cJSON_GetObjectItem(j, "summary"), "cannot_tell")),
                         8);
            cJSON_ArrayForEach(m, cJSON_GetObjectItem(j, "metrics"))
            {
                const cJSON *mc_o = cJSON_GetObjectItem(m, "minimal_change");
                if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(m, "metric")),
                           "ground_contact_ms"))
                    continue;
                n++;
                CHECK_STR_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItem(m, "verdict")),
                                   "cannot_tell");
                CHECK_NEAR(cJSON_GetNumberValue(cJSON_GetObjectItem(mc_o, "realistic")), 35, 1e-9);
                CHECK_NEAR(cJSON_GetNumberValue(cJSON_GetObjectItem(mc_o, "fps_needed")), 141.4286,
                           1e-4);
                CHECK_NEAR(cJSON_GetNumberValue(cJSON_GetObjectItem(mc_o, "fps")), fps, 1e-12);
            }
            CHECK_EQ_INT(n, 2);
            cJSON_Delete(j);
        }
        free(txt);
        /* the page: the sentence in a box before the verdicts, the badge, the count */
        snprintf(path, sizeof(path), "%s/fps%d_comparison.html", dir, (int)fps);
        CHECK_EQ_INT(gs_comparison_write_html(path, c, NULL, &err), GS_OK);
        txt = gs_test_read_text(path);
        if (txt) {
            const char *box = strstr(txt, "id=\"frame-rate-limit\"");
            CHECK(box != NULL);
            CHECK(box && strstr(txt, "id=\"summary\"") && box < strstr(txt, "id=\"summary\""));
            CHECK_STR_CONTAINS(box, want);
            snprintf(want, sizeof(want), ">cannot tell at %g fps</span>", fps);
            CHECK_EQ_INT(count_in(txt, want), 16); /* 8 rows: the table and "Why each verdict" */
            snprintf(want, sizeof(want), "<dt>Cannot tell at %g fps</dt>", fps);
            CHECK_STR_CONTAINS(txt, want);
        }
        free(txt);
        gs_comparison_free(&c);
    }

    /* 240 fps: the same change is judged (below the 20.6 ms minimal change: noise), and a
     * 40 ms change with flight +40 is real; no sentence */
    make_timing(&b, "/x/before", 240, 280, 75, 51);
    make_timing(&a, "/x/after", 240, 268, 87, 52);
    CHECK_EQ_INT(gs_compare_run(&b.s, &a.s, mc, NULL, &c, &err), GS_OK);
    if (c) {
        gs_comparison_counts(c, counts);
        CHECK_EQ_INT(counts[GS_COMPARE_VERDICT_CANNOT_TELL], 0);
        CHECK_EQ_INT(verdict_of(c, "ground_contact_ms", GS_COMPARE_SIDE_LEFT),
                     GS_COMPARE_VERDICT_NOISE);
        CHECK(gs_comparison_fps_note(c) && gs_comparison_fps_note(c)[0] == '\0');
        gs_comparison_free(&c);
    }
    make_timing(&a, "/x/after", 240, 240, 115, 53);
    CHECK_EQ_INT(gs_compare_run(&b.s, &a.s, mc, NULL, &c, &err), GS_OK);
    if (c) {
        for (int s = 0; s < 2; s++) {
            CHECK_EQ_INT(verdict_of(c, "ground_contact_ms", (gs_compare_side)s),
                         GS_COMPARE_VERDICT_REAL);
            CHECK_EQ_INT(verdict_of(c, "flight_ms", (gs_compare_side)s), GS_COMPARE_VERDICT_REAL);
        }
        gs_comparison_free(&c);
    }
    /* 30 fps, contact -200 ms (beyond the 165 ms minimal change): real, not "cannot tell" */
    make_timing(&b, "/x/before", 30, 480, 75, 51);
    make_timing(&a, "/x/after", 30, 280, 75, 54);
    CHECK_EQ_INT(gs_compare_run(&b.s, &a.s, mc, NULL, &c, &err), GS_OK);
    if (c) {
        CHECK_EQ_INT(verdict_of(c, "ground_contact_ms", GS_COMPARE_SIDE_LEFT),
                     GS_COMPARE_VERDICT_REAL);
        CHECK(strstr(gs_comparison_fps_note(c), "ground contact") == NULL);
        gs_comparison_free(&c);
    }
    /* different frame rates (30 and 60 fps): timing is not comparable, never "cannot tell" */
    make_timing(&b, "/x/before", 30, 280, 75, 51);
    make_timing(&a, "/x/after", 60, 268, 87, 52);
    CHECK_EQ_INT(gs_compare_run(&b.s, &a.s, mc, NULL, &c, &err), GS_OK);
    if (c) {
        gs_comparison_counts(c, counts);
        CHECK_EQ_INT(counts[GS_COMPARE_VERDICT_CANNOT_TELL], 0);
        CHECK_EQ_INT(verdict_of(c, "ground_contact_ms", GS_COMPARE_SIDE_LEFT),
                     GS_COMPARE_VERDICT_NOT_COMPARABLE);
        gs_comparison_free(&c);
    }
    gs_compare_mc_free(&mc);
}

int main(int argc, char **argv)
{
    char dir[1024], cwd[512] = "";
    const char *scratch = argc > 2 ? argv[2] : "/tmp";
    /* absolute, so that the file:// URLs given to Chromium are valid */
    if (scratch[0] != '/' && !getcwd(cwd, sizeof(cwd))) {
        fprintf(stderr, "getcwd failed\n");
        return 1;
    }
    snprintf(dir, sizeof(dir), "%s%s%.400s/compare", cwd, cwd[0] ? "/" : "", scratch);
    if (gs_mkdir_p(dir, NULL) != GS_OK) {
        fprintf(stderr, "cannot create %s\n", dir);
        return 1;
    }
    rng_is_deterministic_and_unbiased();
    perm_test_exact_p_of_separated_samples();
    perm_test_random_agrees_with_exact();
    perm_test_rejects_at_the_nominal_rate_under_the_null();
    perm_test_refuses_too_few_or_bad_values();
    holm_matches_hand_computation();
    mc_table_loads_and_gives_values();
    mc_table_validation_names_the_problem();
    shipped_table_covers_every_metric();
    verdicts_need_both_gates();
    older_metric_definitions_are_not_compared(dir);
    spm_shades_where_made_curves_differ();
    outputs_of_made_sessions(dir);
    frame_rate_decides_what_a_pair_can_tell(dir);
    contact_angles_say_why_they_have_no_bound();
    walking_percentages_scale_with_frame_rate();
    mc_limit_gives_value_and_source_in_one_call();
    side_by_side_locks_strides_and_counts_frames(dir);
    made_pairs_call_exactly_the_made_changes_real();
    no_change_false_positive_rate();
    cli_compares_gait_folders_and_refuses_bad_input(dir);
    input_open_json_matches_open(dir);
    event_timing_is_checked(dir);
    if (argc < 2 || !gs_test_dir_exists(argv[1])) {
        fprintf(stderr, "skip: no ../shared: the real pair (a treadmill clip) is not checked\n");
        return gs_test_finish("compare", 1);
    }
    real_pair(argv[1], dir);
    return gs_test_finish("compare", 0);
}
