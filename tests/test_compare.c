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

#include "compare.h"
#include "gait.h"
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
    CHECK_NEAR(gs_compare_mc_value(mc, 0, "knee_flexion_ic_deg", 10, 0, NULL), 16.196, 1e-12);
    CHECK_NEAR(gs_compare_mc_value(mc, 0, "cadence_spm", 170, 0, NULL), 5.1, 1e-9);
    /* contact time: 15 ms, or 5.08 frames of the coarser clip (169 ms at 30 fps) */
    CHECK_NEAR(gs_compare_mc_value(mc, 0, "ground_contact_ms", 250, 1.0 / 30, NULL),
               5.08 * 1000.0 / 30, 1e-9);
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
    r = gs_comparison_find_row(c, "knee_flexion_ic_deg", GS_COMPARE_LEFT);
    CHECK(r != NULL);
    if (r) {
        CHECK_EQ_INT(r->verdict, GS_VERDICT_REAL);
        CHECK_NEAR(r->change, r->after - r->before, 1e-12);
        CHECK_NEAR(r->minimal_change, 7, 1e-12);
        CHECK(r->p_holm < 0.05);
        CHECK_EQ_INT(r->n_before, 15);
    }
    CHECK(gs_comparison_find_row(c, "knee_flexion_ic_deg", GS_COMPARE_ALL) == NULL);
    gs_comparison_free(&c);

    /* +3 deg with SD 1: the stride test holds, the minimal change (7) does not: noise */
    make_session(&a, "/x/after", 15, 13, 0, 3);
    CHECK_EQ_INT(gs_compare_run(&b.s, &a.s, mc, NULL, &c, &err), GS_OK);
    r = gs_comparison_find_row(c, "knee_flexion_ic_deg", GS_COMPARE_RIGHT);
    if (r) {
        CHECK_EQ_INT(r->verdict, GS_VERDICT_NOISE);
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
        r = gs_comparison_find_row(c, "knee_flexion_ic_deg", GS_COMPARE_RIGHT);
        CHECK(r && r->verdict == GS_VERDICT_REAL);
        gs_comparison_free(&c);
    }

    /* 6 strides: not comparable, whatever the change */
    make_session(&a, "/x/after", 6, 25, 0, 4);
    a.s.strides_used[0] = a.s.strides_used[1] = 6;
    CHECK_EQ_INT(gs_compare_run(&b.s, &a.s, mc, NULL, &c, &err), GS_OK);
    r = gs_comparison_find_row(c, "knee_flexion_ic_deg", GS_COMPARE_LEFT);
    if (r) {
        CHECK_EQ_INT(r->verdict, GS_VERDICT_NOT_COMPARABLE);
        CHECK_STR_CONTAINS(r->why, "needs 7");
    }
    CHECK_EQ_INT(gs_comparison_check(c, 7)->state, GS_CHECK_MISMATCH); /* strides_left */
    gs_comparison_free(&c);

    /* camera moved (leg length 430 -> 300 px of 1080): angles not comparable, checks say why */
    make_session(&a, "/x/after", 15, 20, 0, 2);
    a.s.leg_length_px = 300;
    CHECK_EQ_INT(gs_compare_run(&b.s, &a.s, mc, NULL, &c, &err), GS_OK);
    r = gs_comparison_find_row(c, "knee_flexion_ic_deg", GS_COMPARE_LEFT);
    if (r) {
        CHECK_EQ_INT(r->verdict, GS_VERDICT_NOT_COMPARABLE);
        CHECK_STR_CONTAINS(r->why, "camera_distance");
    }
    {
        const gs_compare_check *k = gs_comparison_check(c, 5);
        CHECK(k && !strcmp(k->name, "camera_distance") && k->state == GS_CHECK_MISMATCH);
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
        int counts[3];
        o.force = 1;
        CHECK_EQ_INT(gs_compare_run(&b.s, &a.s, mc, &o, &c, &err), GS_OK);
        gs_comparison_counts(c, counts);
        CHECK_EQ_INT(counts[GS_VERDICT_NOT_COMPARABLE], gs_comparison_n_rows(c));
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
        CHECK_EQ_INT(r->verdict, GS_VERDICT_REAL);
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
        CHECK(r && r->n_phases == 0 && r->verdict == GS_VERDICT_NOISE);
    }
    /* a family-wise threshold over 202 nodes lies well above the single-node 2.05 */
    CHECK(gs_comparison_spm_threshold(c, NULL) > 2.8 && gs_comparison_spm_threshold(c, NULL) < 6);
    gs_comparison_free(&c);
    gs_compare_mc_free(&mc);
}

static char *read_text(const char *path)
{
    uint8_t *d = NULL;
    size_t n = 0;
    if (gs_file_read_all(path, &d, &n, NULL) != GS_OK)
        return NULL;
    return (char *)d;
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
    CHECK_EQ_INT(gs_comparison_finding(c, 0)->status, GS_FINDING_PERSISTING);
    CHECK_NEAR(gs_comparison_finding(c, 0)->severity_before, 0.8, 1e-12);
    CHECK_NEAR(gs_comparison_finding(c, 0)->severity_after, 0.5, 1e-12);
    CHECK_EQ_INT(gs_comparison_finding(c, 1)->status, GS_FINDING_RESOLVED);
    CHECK_EQ_INT(gs_comparison_finding(c, 2)->status, GS_FINDING_NEW);
    CHECK_EQ_INT(gs_comparison_n_homework(c), 2); /* after's list of the persisting finding */
    CHECK_STR_CONTAINS(gs_comparison_homework(c, 0), "single-leg squats");

    info.generated_by = "gaitscope test";
    info.mc_path = "mc.json";
    info.mc_version = 1;
    info.side_by_side_why = "BEFORE is a gait folder (analysis.json only): no overlay clip";
    snprintf(path, sizeof(path), "%s/made_comparison.json", dir);
    CHECK_EQ_INT(gs_comparison_write_json(path, c, &info, &err), GS_OK);
    html = read_text(path);
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
        CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(j, "comparability")), 9);
        CHECK(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "side_by_side"), "file")));
        CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(j, "symmetry")), 1);
        cJSON_Delete(j);
    }
    schema_valid(path);
    snprintf(path, sizeof(path), "%s/made_comparison.html", dir);
    CHECK_EQ_INT(gs_comparison_write_html(path, c, &info, &err), GS_OK);
    html = read_text(path);
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
        free(html);
    }
    snprintf(path, sizeof(path), "%s/no/such/dir/comparison.html", dir);
    CHECK_EQ_INT(gs_comparison_write_html(path, c, &info, &err), GS_ERR_IO);
    CHECK_STR_CONTAINS(err.msg, "no/such/dir");
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
        txt = read_text(path);
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

int main(int argc, char **argv)
{
    char dir[1024];
    const char *scratch = argc > 2 ? argv[2] : "/tmp";
    snprintf(dir, sizeof(dir), "%.900s/compare", scratch);
    if (gs_mkdir_p(dir, NULL) != GS_OK) {
        fprintf(stderr, "cannot create %s\n", dir);
        return 1;
    }
    outputs_of_made_sessions(dir);
    side_by_side_locks_strides_and_counts_frames(dir);
    mc_table_loads_and_gives_values();
    mc_table_validation_names_the_problem();
    shipped_table_covers_every_metric();
    verdicts_need_both_gates();
    spm_shades_where_made_curves_differ();
    rng_is_deterministic_and_unbiased();
    perm_test_exact_p_of_separated_samples();
    perm_test_random_agrees_with_exact();
    perm_test_rejects_at_the_nominal_rate_under_the_null();
    perm_test_refuses_too_few_or_bad_values();
    holm_matches_hand_computation();
    return gs_test_finish("compare", 0);
}
