/*
 * report.html (src/report/report_html.c): made analysis objects, and one written by the gait
 * stage's own writer from a made track -> the page says the right things (formatted metric
 * values, SI, traffic lights with their sources, findings text, escaping of hostile strings,
 * the failure report, every metric and curve the gait stage writes), then, when Debian's
 * chromium is installed, the page is rendered headless at desktop (1280 px) and phone (390 px)
 * widths: screenshots must be non-trivial PNGs of the right width, the DOM must hold the
 * content, and the console must stay silent. Without chromium that part is skipped (exit 77
 * when nothing else failed).
 */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "gait.h"
#include "gen_track.h"
#include "label_count.h"
#include "gs_test.h"
#include "html.h"
#include "cv.h"
#include "report.h"

/* A running side view: 13 strides per side, a few metrics with known numbers, two findings
 * (one with a hostile title), plus curves added by add_curves(). */
static const char side_run_json[] =
    "{\"format\":\"gaitscope.analysis/1\","
    "\"source\":{\"pose\":\"pose.json\",\"frames\":601,\"duration_s\":10.0},"
    "\"view\":{\"kind\":\"side-right\",\"facing\":\"right\",\"confidence\":0.93,\"passes\":1},"
    "\"activity\":\"run\",\"setting\":\"treadmill\","
    "\"scale\":{\"source\":\"height\",\"px_per_m\":496.0,\"uncertainty\":0.05,"
    "\"length_unit\":\"cm\",\"height_m\":1.78},"
    "\"ground\":{\"angle_deg\":1.2,\"source\":\"stance feet\"},"
    "\"methods\":{\"events\":\"foot height against the fitted ground level\","
    "\"expected_error_frames\":1.5},"
    "\"strides\":[{\"side\":\"left\",\"t0\":0.5,\"t1\":1.2,\"used\":true,\"why\":null},"
    "{\"side\":\"left\",\"t0\":1.2,\"t1\":1.5,\"used\":false,"
    "\"why\":\"implausible duration 300 ms <median 707 ms>\"},"
    "{\"side\":\"right\",\"t0\":0.8,\"t1\":1.5,\"used\":true,\"why\":null}],"
    "\"metrics\":{"
    "\"cadence_spm\":{\"unit\":\"steps/min\",\"all\":{\"mean\":170.04,\"sd\":2.31,\"n\":26},"
    "\"left\":{\"mean\":170.81,\"sd\":2.42,\"n\":13},"
    "\"right\":{\"mean\":169.27,\"sd\":2.01,\"n\":13},\"diff\":1.54,\"si\":0.9039},"
    "\"ground_contact_ms\":{\"unit\":\"ms\",\"left\":{\"mean\":257.54,\"sd\":4.1,\"n\":13},"
    "\"right\":{\"mean\":232.43,\"sd\":3.9,\"n\":13},\"diff\":25.11,\"si\":10.248},"
    "\"knee_flexion_peak_stance_deg\":{\"unit\":\"deg\","
    "\"left\":{\"mean\":46.04,\"sd\":1.2,\"n\":13},\"right\":{\"mean\":36.02,\"sd\":1.5,\"n\":13},"
    "\"diff\":10.02,\"si\":null},"
    "\"trunk_lean_deg\":{\"unit\":\"deg\",\"left\":{\"mean\":13.73,\"sd\":0.1,\"n\":13},"
    "\"right\":{\"mean\":13.71,\"sd\":0.1,\"n\":13},\"diff\":0.02,\"si\":null},"
    "\"duty_factor\":{\"unit\":\"fraction\",\"left\":{\"mean\":0.365,\"sd\":0.004,\"n\":13},"
    "\"right\":{\"mean\":0.329,\"sd\":0.006,\"n\":13},\"diff\":0.036,\"si\":10.41},"
    "\"step_width_ll\":{\"unit\":\"leg lengths\",\"left\":{\"mean\":0.028,\"sd\":0.022,"
    "\"n\":21},\"right\":{\"mean\":0.031,\"sd\":0.024,\"n\":21},\"diff\":-0.003,"
    "\"si\":-10.17},"
    "\"mystery_metric_x\":{\"unit\":\"<b>u</b>\",\"left\":{\"mean\":1.5,\"sd\":0.25,\"n\":3},"
    "\"right\":{\"mean\":1.25,\"sd\":null,\"n\":1},\"diff\":0.25,\"si\":null}},"
    "\"notes\":[\"ground line fitted to 212 stance points\"],"
    "\"findings_skipped\":[{\"rule\":\"pelvic_drop\",\"reason\":\"needs a rear or front view\"}],"
    "\"findings\":[{\"id\":\"knee_flexion_asymmetry.right\",\"title\":"
    "\"Less knee flexion in stance on the right\",\"side\":\"right\",\"severity\":0.62,"
    "\"confidence\":0.8,\"evidence_level\":\"research\","
    "\"evidence\":[{\"metric\":\"knee_flexion_peak_stance_deg\",\"side\":\"right\","
    "\"measure\":\"level\",\"comparison\":\"below\",\"value\":36.02,\"threshold\":40,"
    "\"unit\":\"deg\",\"source\":\"Souza 2016: below 40 deg may go with PFP\",\"n\":13,"
    "\"holds_in\":12,\"strides\":[3,5],\"times\":[2.5,3.9]},"
    "{\"metric\":\"ground_contact_ms\",\"side\":\"right\",\"measure\":\"asymmetry\","
    "\"comparison\":\"lower\",\"value\":10.248,\"value_unit\":\"% (SI)\",\"threshold\":6,"
    "\"unit\":\"ms\",\"left\":257.54,\"right\":232.43,\"pooled_sd\":3.87,\"n\":13,"
    "\"holds_in\":13}],"
    "\"inhibited\":[\"right quadriceps\"],\"overworking\":[\"right soleus\"],"
    "\"nkt_tests\":[{\"step\":1,\"test\":\"right quadriceps\",\"how\":\"seated knee extension\","
    "\"localise\":[\"right soleus\",\"right hamstrings\"],\"text\":\"...\"}],"
    "\"homework\":[\"Release right calf: 2 x 30 s\",\"Activate right quadriceps: wall sit\"],"
    "\"note\":\"clinical model\"},"
    "{\"id\":\"x.left\",\"title\":\"<img src=x onerror=alert(1)> pattern\",\"side\":\"left\","
    "\"severity\":0.2,\"confidence\":0.5,\"evidence\":[],\"inhibited\":[],"
    "\"overworking\":[],\"nkt_tests\":[\"Test <glute> & retest\"],\"homework\":[]}]}";

/* A failed analysis: too few strides, nothing measured. */
static const char too_few_json[] =
    "{\"format\":\"gaitscope.analysis/1\","
    "\"view\":{\"kind\":\"rear\",\"facing\":\"away\",\"confidence\":0.41},"
    "\"activity\":\"unknown\",\"setting\":\"treadmill\","
    "\"scale\":{\"source\":\"none\",\"length_unit\":\"leg lengths\"},"
    "\"strides\":[{\"side\":\"left\",\"t0\":0.2,\"t1\":0.9,\"used\":true,\"why\":null}],"
    "\"metrics\":{},\"curves\":{},"
    "\"warnings\":[\"person lost for 40 % of the clip\",\"low light\"],"
    "\"quality\":{\"mean_visibility\":0.42},"
    "\"error\":\"run.mp4: too few strides: 1 left and 0 right found, 3 per side needed\"}";

/* 1x1 grey PNG, so the key frame links resolve in the browser test. */
static const uint8_t tiny_png[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
    0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00,
    0x00, 0x3a, 0x7e, 0x9b, 0x55, 0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78,
    0x9c, 0x63, 0x68, 0x00, 0x00, 0x00, 0x82, 0x00, 0x81, 0x77, 0xcd, 0x72, 0xb6, 0x00,
    0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

static const char *const kf_hrefs[] = {"keyframes/left_ic.png", "keyframes/left_ms.png",
                                       "keyframes/left_to.png"};
static const char *const kf_caps[] = {"Left initial contact: knee 21\xc2\xb0", "Left midstance",
                                      "Left <toe-off>"};

/* Adds knee_flexion_deg and trunk_lean_deg curves (101 points per side) to analysis a. */
static void add_curves(cJSON *a)
{
    cJSON *cs = cJSON_AddObjectToObject(a, "curves");
    const char *names[2] = {"knee_flexion_deg", "trunk_lean_deg"};
    for (int k = 0; k < 2; k++) {
        cJSON *c = cJSON_AddObjectToObject(cs, names[k]);
        for (int s = 0; s < 2; s++) {
            cJSON *so = cJSON_AddObjectToObject(c, s ? "right" : "left");
            cJSON *m = cJSON_AddArrayToObject(so, "mean"), *sd = cJSON_AddArrayToObject(so, "sd");
            cJSON_AddNumberToObject(so, "n", 13);
            for (int i = 0; i <= 100; i++) {
                double p = i / 100.0;
                double v = k == 0 ? 20 + 50 * (1 - cos(2 * GS_PI * p)) + 5 * s : 7 + s;
                cJSON_AddItemToArray(m, cJSON_CreateNumber(v));
                cJSON_AddItemToArray(sd, cJSON_CreateNumber(3.0));
            }
        }
    }
}

/* CHECK that html contains needle, printing only the needle on failure (pages are long). */
#define HAS(html, needle) CHECK_MSG((html) && strstr((html), (needle)), "page lacks: %s", (needle))
#define LACKS(html, needle) \
    CHECK_MSG((html) && !strstr((html), (needle)), "page must not contain: %s", (needle))

static int count_of(const char *h, const char *needle)
{
    int n = 0;
    for (const char *p = h; p && (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static cJSON *side_run_analysis(void)
{
    cJSON *a = cJSON_Parse(side_run_json);
    CHECK(a != NULL);
    if (a)
        add_curves(a);
    return a;
}

static void write_side_run(const char *path, cJSON *a)
{
    gs_report_html_options o = {0};
    gs_error err = {0};
    o.title = "<script>alert(1)</script> & clip.mp4";
    o.overlay_href = "overlay.mp4";
    o.keyframe_hrefs = kf_hrefs;
    o.keyframe_captions = kf_caps;
    o.n_keyframes = 3;
    o.contact_sheet_href = "keyframes/contact_sheet.png";
    o.generated_by = "gaitscope 0.1.0";
    CHECK_EQ_INT(gs_report_write_html(path, a, &o, &err), GS_OK);
}

/* The contact-time SI (+10.2 %, 25 ms) is coloured only when it exceeds what the events' stated
 * uncertainty explains (gs_gait_event_mdc_ms: 162 ms at 30 fps with unc_frames 1.5 / 0.9 for
 * IC / TO, 20 ms at 240 fps); without unc_frames (the other tests) it is coloured as before.
 * The duty factor (contact over stride: L - R 0.036, SI +10.4 %) likewise, against the contact's
 * MDC over the 707 ms stride: 0.229 at 30 fps, 0.029 at 240 fps. */
static void report_si_light_within_event_uncertainty(const char *dir)
{
    static const double fps[] = {30, 240};
    char path[2048];
    for (int k = 0; k < 2; k++) {
        cJSON *a = side_run_analysis(), *src, *evs;
        char *h;
        if (!a)
            return;
        src = cJSON_GetObjectItem(a, "source");
        cJSON_AddNumberToObject(src, "fps", fps[k]);
        cJSON_AddItemToObject(
            cJSON_GetObjectItem(a, "metrics"), "stride_time_ms",
            cJSON_Parse("{\"unit\":\"ms\",\"left\":{\"mean\":706,\"sd\":9,\"n\":13},"
                        "\"right\":{\"mean\":708,\"sd\":8,\"n\":13},\"diff\":-2,\"si\":-0.3}"));
        /* the duty factor in percent: stance and swing take its MDC x 100 */
        cJSON_AddItemToObject(
            cJSON_GetObjectItem(a, "metrics"), "stance_pct",
            cJSON_Parse("{\"unit\":\"%\",\"left\":{\"mean\":36.5,\"sd\":0.4,\"n\":13},"
                        "\"right\":{\"mean\":32.9,\"sd\":0.6,\"n\":13},\"diff\":3.6,"
                        "\"si\":10.41}"));
        cJSON_AddItemToObject(
            cJSON_GetObjectItem(a, "metrics"), "swing_pct",
            cJSON_Parse("{\"unit\":\"%\",\"left\":{\"mean\":63.5,\"sd\":0.4,\"n\":13},"
                        "\"right\":{\"mean\":67.1,\"sd\":0.6,\"n\":13},\"diff\":-3.6,"
                        "\"si\":-5.51}"));
        evs = cJSON_AddArrayToObject(a, "events");
        for (int e = 0; e < 8; e++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "side", e & 1 ? "right" : "left");
            cJSON_AddStringToObject(o, "type", e & 2 ? "TO" : "IC");
            cJSON_AddNumberToObject(o, "t", 0.1 * e);
            cJSON_AddNumberToObject(o, "frame", 0.1 * e * fps[k]);
            cJSON_AddNumberToObject(o, "unc_frames", e & 2 ? 0.9 : 1.5);
            cJSON_AddItemToArray(evs, o);
        }
        snprintf(path, sizeof(path), "%s/report_event_unc.html", dir);
        write_side_run(path, a);
        h = gs_test_read_text(path);
        HAS(h, "+10.2 %");
        HAS(h, "+10.4 %");
        /* the timing note states the events' own uncertainties (medians: 1.5 and 0.9 frames at
         * the clip's 60 frames/s), not the literature's 1.5 frames for both */
        HAS(h, "At 60 frames/s, a contact is known to about &plusmn;25 ms and a toe-off to about "
               "&plusmn;15 ms (one standard deviation");
        LACKS(h, "contact and toe-off times are known to about");
        if (k == 0) {
            /* contact, duty factor, stance and swing: the same difference four ways (stance
             * read a red +10.4 % under the duty factor's 'within event error') */
            CHECK_EQ_INT(count_of(h, "within event error"), 4);
            HAS(h, "up to 162 ms (MDC95)");
            HAS(h, "up to 0.229 (MDC95)");
            CHECK_EQ_INT(count_of(h, "up to 22.9 (MDC95)"), 2);
        } else {
            LACKS(h, "within event error");
            CHECK_EQ_INT(count_of(h, "title=\"SI: outside range\""), 3);
            CHECK_EQ_INT(count_of(h, "title=\"SI: borderline\""), 1); /* swing -5.5 % */
        }
        free(h);
        cJSON_Delete(a);
    }
}

static void report_shows_metrics_si_lights_and_sources(const char *dir)
{
    char path[2048];
    cJSON *a = side_run_analysis();
    char *h;
    snprintf(path, sizeof(path), "%s/report.html", dir);
    write_side_run(path, a);
    h = gs_test_read_text(path);
    CHECK(h != NULL);
    /* cadence per side, mean +- sd (n), and both feet */
    HAS(h, "170.8 &plusmn; 2.4 <small>(13)</small>");
    HAS(h, "169.3 &plusmn; 2.0 <small>(13)</small>");
    HAS(h, "both feet 170.0");
    /* the clip's real time and frames */
    HAS(h, "<dt>Clip analysed</dt><dd>10.0 s <small>(601 frames)</small></dd>");
    /* the summary's cadence: mean, SD, unit */
    HAS(h, "<dt>Cadence</dt><dd>170.0 <small>&plusmn; 2.3 steps/min</small></dd>");
    HAS(h, "steps per minute, both feet");
    /* contact time: ms without decimals, L-R and SI with sign; SI above 10 % is red */
    HAS(h, "258 &plusmn; 4");
    HAS(h, "+25");
    HAS(h, "+10.2 %");
    HAS(h, "title=\"SI: outside range\"");
    /* traffic lights from Heiderscheit's 46.3 +- 4.5: 46.0 green, 36.0 red; trunk 13.7 amber */
    HAS(h, "title=\"left: within range\"");
    HAS(h, "title=\"right: outside range\"");
    HAS(h, "title=\"left: borderline\"");
    HAS(h, "46.3 &plusmn; 4.5&deg;");
    HAS(h, "<a class=\"fl\" href=\"#f-0\">finding"); /* the knee row links to its finding */
    HAS(h, "Heiderscheit 2011");
    HAS(h, "Med Sci Sports Exerc 43:296"); /* the footnote itself */
    HAS(h, "7.3 &plusmn; 3.6&deg;");
    HAS(h, "Teng &amp; Powers 2014");
    /* angle L-R of 10 deg beyond the stride SD is flagged */
    HAS(h, "<span class=\"flag\"");
    HAS(h, "+10.0&deg;");
    /* on a phone the table's header is hidden and each metric is a card: every value cell
       carries its column's name, which the card shows above the value */
    HAS(h, "table.mt thead{display:none}");
    {
        int rows = count_of(h, "<tr><td>");
        CHECK(rows >= 5);
        /* side-right: the camera sees the right side, the left leg is the far one (marked in
           the header, on every phone card and in one sentence with its source) */
        CHECK_EQ_INT(count_of(h, "<td data-l=\"Left (far leg)\">"), rows);
        CHECK_EQ_INT(count_of(h, "<td data-l=\"Right\">"), rows);
        HAS(h, "<th>Left <small>far leg</small></th><th>Right</th>");
        HAS(h, "person&rsquo;s right side: the <b>left leg is the far leg</b>");
        HAS(h, "Young 2023; MediaPipe #3496");
        HAS(h, "Sensors 23:696");
        CHECK_EQ_INT(count_of(h, "<td data-l=\"L &minus; R\">"), rows);
        CHECK_EQ_INT(count_of(h, "<td data-l=\"SI\">"), rows);
        CHECK_EQ_INT(count_of(h, "<td class=\"ref\" data-l=\"Reference\">"), rows);
    }
    {
        /* a side view walked both ways (a turn; view.passes alone, which also counts stretches
           walked backwards, is not enough): each leg is the far one in turn, so no column is
           marked and the sentence says so */
        char *h2;
        cJSON *b = side_run_analysis();
        cJSON *view = cJSON_GetObjectItemCaseSensitive(b, "view");
        cJSON_ReplaceItemInObjectCaseSensitive(view, "passes", cJSON_CreateNumber(2));
        cJSON_AddNumberToObject(view, "turns", 1);
        snprintf(path, sizeof(path), "%s/report_passes.html", dir);
        write_side_run(path, b);
        h2 = gs_test_read_text(path);
        CHECK(h2 != NULL);
        if (h2) {
            HAS(h2, "passes the camera both ways, so each leg is the <b>far leg</b>");
            LACKS(h2, "far leg)\"");
            LACKS(h2, "<small>far leg</small>");
            HAS(h2, "Young 2023; MediaPipe #3496");
        }
        free(h2);
        cJSON_Delete(b);
    }
    {
        /* a rear view sees both legs alike: no far leg */
        char *h2;
        cJSON *b = side_run_analysis();
        cJSON *view = cJSON_GetObjectItemCaseSensitive(b, "view");
        cJSON_ReplaceItemInObjectCaseSensitive(view, "kind", cJSON_CreateString("rear"));
        snprintf(path, sizeof(path), "%s/report_rear.html", dir);
        write_side_run(path, b);
        h2 = gs_test_read_text(path);
        CHECK(h2 != NULL);
        if (h2) {
            LACKS(h2, "far leg");
            CHECK(count_of(h2, "<td data-l=\"Left\">") >= 5);
        }
        free(h2);
        cJSON_Delete(b);
    }
    /* step width's SI of -10.2 % (red by the 0-5-10 % bands) is 0.003 leg lengths against a
       stride SD of 0.022-0.024 over 21 strides: within the strides' scatter, so no light (the
       1.96 standard errors of the difference, 0.014, in its title); contact time's +25 ms over
       SDs of 4 keeps its red (checked above) */
    CHECK_EQ_INT(count_of(h, "within stride scatter</small>"), 1);
    HAS(h, "title=\"the difference is within 1.96 standard errors (0.014) of the stride-to-stride "
           "scatter\"");
    /* duty factor has no light and 3 decimals */
    HAS(h, "0.365 &plusmn; 0.004");
    /* an unknown metric is listed under its key, its unit escaped */
    HAS(h, "mystery_metric_x");
    HAS(h, "&lt;b&gt;u&lt;/b&gt;");
    /* summary */
    HAS(h, "side <small>(right side to camera)</small>");
    HAS(h, "<title>Gait report: &lt;script&gt;");
    HAS(h, "confidence 93 %");
    HAS(h, "left 1 &middot; right 1");
    HAS(h, "from height 1.78 m");
    HAS(h, "implausible duration 300 ms &lt;median 707 ms&gt;");
    HAS(h, "ground line fitted to 212 stance points");
    /* curves: one SVG per curve, with the normative bands and their sources */
    CHECK_EQ_INT(count_of(h, "<svg "), 2);
    HAS(h, "contact 17.8 &plusmn; 4.0&deg;");
    HAS(h, "self-selected 7.3 &plusmn; 3.6&deg;");
    /* media, relative links only */
    HAS(h, "<video controls");
    HAS(h, "src=\"overlay.mp4\"");
    HAS(h, "src=\"keyframes/left_ms.png\"");
    HAS(h, "Left &lt;toe-off&gt;");
    HAS(h, "src=\"keyframes/contact_sheet.png\"");
    LACKS(h, "src=\"http");
    LACKS(h, "<link");
    free(h);
    cJSON_Delete(a);
}

static void report_shows_findings_as_hypotheses(const char *dir)
{
    char path[2048];
    cJSON *a = side_run_analysis();
    char *h;
    snprintf(path, sizeof(path), "%s/report_findings.html", dir);
    write_side_run(path, a);
    h = gs_test_read_text(path);
    HAS(h, "Less knee flexion in stance on the right");
    HAS(h, "Consistent with an inhibited (under-working) <b>right quadriceps</b>, compensated by "
           "overworking (facilitated) <b>right soleus</b>");
    HAS(h, "a hypothesis to test, not a diagnosis");
    HAS(h, "36.0&deg;</b>");
    HAS(h, "flagged below 40.0&deg;");
    HAS(h, "holds in 12 of 13 strides");
    /* an SI asymmetry: value and threshold in % (SI), the sides in ms */
    HAS(h, "Ground contact time</b> (left vs right): <b>10.2 % (SI)</b>");
    HAS(h, "(left 258 ms, right 232 ms; stride SD 4 ms)");
    HAS(h, "by more than 6.0 % (SI)");
    HAS(h, "<a href=\"overlay.mp4#t=2.50\">2.50 s</a>");
    HAS(h, "Source: Souza 2016: below 40 deg may go with PFP");
    HAS(h, "Test <b>right quadriceps</b> (seated knee extension)");
    HAS(h, "therapy-localise in turn: right soleus, then right hamstrings");
    HAS(h, "Release right calf: 2 x 30 s");
    HAS(h, "Severity");
    HAS(h, "width:62%");
    HAS(h, "Test &lt;glute&gt; &amp; retest");
    HAS(h, "1 rule not evaluated for this clip");
    HAS(h, "pelvic_drop: needs a rear or front view");
    /* 60 frames/s: the event timing error is a methods note, not a warning */
    HAS(h, "At 60 frames/s, contact and toe-off times are known to about &plusmn;25 ms");
    HAS(h, "Stenum 2021");
    LACKS(h, "Source: as above");
    free(h);
    cJSON_Delete(a);

    /* a source repeated word for word by the next line of the same finding is written once
     * (session 15 audit: the overstriding finding's 60-word source three times a side) */
    a = side_run_analysis();
    cJSON *ev = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
                                       cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(a, "findings"), 0),
                                       "evidence"),
                                   1);
    CHECK(ev != NULL);
    cJSON_DeleteItemFromObjectCaseSensitive(ev, "source");
    cJSON_AddStringToObject(ev, "source", "Souza 2016: below 40 deg may go with PFP");
    snprintf(path, sizeof(path), "%s/report_findings_same_source.html", dir);
    write_side_run(path, a);
    h = gs_test_read_text(path);
    CHECK_EQ_INT(count_of(h, "Source: Souza 2016: below 40 deg may go with PFP"), 1);
    CHECK_EQ_INT(count_of(h, "Source: as above."), 1);
    free(h);
    cJSON_Delete(a);
}

/* A finding on the far side of a side view, or one comparing the two sides, says so beside its
 * numbers (the metrics table alone did; a coach reads a finding on its own). side_run is
 * side-right: the left leg is far. Finding 0 is on the right (near) with an asymmetry in its
 * evidence, finding 1 on the left. */
static void findings_on_the_far_side_say_so(const char *dir)
{
    char path[2048];
    cJSON *a = side_run_analysis();
    cJSON *f0 = cJSON_GetArrayItem(cJSON_GetObjectItem(a, "findings"), 0);
    char *h;
    snprintf(path, sizeof(path), "%s/report_far.html", dir);
    write_side_run(path, a);
    h = gs_test_read_text(path);
    CHECK_EQ_INT(count_of(h, "<p class=\"note far\">"), 2);
    HAS(h, "the camera sees the person&rsquo;s right side, so the <b>left leg and arm</b> are "
           "partly hidden");
    HAS(h, "Check this finding on the overlay clip at the times below");
    HAS(h, "<dt>View</dt><dd>side <small>(right side to camera)</small>");
    free(h);
    /* near side, no asymmetry: no note */
    cJSON_DeleteItemFromArray(cJSON_GetObjectItem(f0, "evidence"), 1);
    write_side_run(path, a);
    h = gs_test_read_text(path);
    CHECK_EQ_INT(count_of(h, "<p class=\"note far\">"), 1);
    free(h);
    /* a turn: each side far in turn, every sided finding gets the note */
    cJSON_AddNumberToObject(cJSON_GetObjectItem(a, "view"), "turns", 1);
    write_side_run(path, a);
    h = gs_test_read_text(path);
    CHECK_EQ_INT(count_of(h, "<p class=\"note far\">"), 2);
    HAS(h, "so each side was the far side");
    /* and the Summary's view card does not name one side to the camera (it said 'right side
     * to camera' above 'each leg is the far leg', walk_side_circumduction_01), nor the view's
     * quality note when the view was hard to tell */
    HAS(h, "<dt>View</dt><dd>side <small>(passes both ways: each side to camera in turn)");
    LACKS(h, "right side to camera");
    free(h);
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(a, "view"), "confidence",
                              cJSON_CreateNumber(0.55));
    write_side_run(path, a);
    h = gs_test_read_text(path);
    HAS(h, "it was taken as a side view, passed both ways (each side to camera in turn)");
    LACKS(h, "right side to camera");
    free(h);
    /* a rear view sees both sides alike */
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(a, "view"), "kind", cJSON_CreateString("rear"));
    write_side_run(path, a);
    h = gs_test_read_text(path);
    LACKS(h, "note far");
    free(h);
    cJSON_Delete(a);
}

/* The overlay's and key frames' labels are explained beside them (IC, TO, FPPA, the plot), per
 * view; six landscape key frames go three to a row, one row per side. */
static void media_labels_are_explained(const char *dir)
{
    static const char *const hrefs[6] = {"a.png", "b.png", "c.png", "d.png", "e.png", "f.png"};
    char path[2048];
    cJSON *a = side_run_analysis();
    cJSON *src = cJSON_GetObjectItem(a, "source");
    gs_report_html_options o = {0};
    gs_error err = {0};
    char *h;
    snprintf(path, sizeof(path), "%s/report_media.html", dir);
    o.overlay_href = "overlay.mp4";
    o.keyframe_hrefs = hrefs;
    o.n_keyframes = 6;
    cJSON_AddNumberToObject(src, "width", 720);
    cJSON_AddNumberToObject(src, "height", 1280);
    CHECK_EQ_INT(gs_report_write_html(path, a, &o, &err), GS_OK);
    h = gs_test_read_text(path);
    /* under the clip and under the key frames */
    CHECK_EQ_INT(count_of(h, "<b>IC</b> = initial contact (the foot lands), <b>TO</b> = toe-off"),
                 2);
    HAS(h, "<b>knee</b> flexion (0 = straight)");
    HAS(h, "The small plot in a corner of the picture is the knee flexion, left and right");
    /* portrait frames too go three to a row on a wide screen: six in a row at 1280 px were
     * 167 px tiles, smaller than on a phone and their angle labels unreadable
     * (run_side_treadmill_01) */
    HAS(h, "<div class=\"frames by3\">");
    LACKS(h, "by6");
    {
        /* on a phone the rows of three scroll sideways, a frame 72 % of the screen wide (the
         * phone rule's two columns lost to .frames.by3's three: 110 px tiles at 390 px) */
        const char *phone = strstr(h, "@media (max-width:600px)");
        CHECK(phone != NULL);
        CHECK(phone && strstr(phone, ".frames.by3{grid-template-columns:repeat(3,72vw);"
                                     "overflow-x:auto;") != NULL);
    }
    LACKS(h, "FPPA");
    free(h);
    cJSON_ReplaceItemInObject(src, "width", cJSON_CreateNumber(1280));
    cJSON_ReplaceItemInObject(src, "height", cJSON_CreateNumber(720));
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(a, "view"), "kind", cJSON_CreateString("rear"));
    CHECK_EQ_INT(gs_report_write_html(path, a, &o, &err), GS_OK);
    h = gs_test_read_text(path);
    HAS(h, "<b>FPPA</b> = the knee&rsquo;s frontal-plane projection angle (+ knee toward the "
           "midline, valgus");
    HAS(h, "<b>pelvis</b> = pelvic obliquity");
    HAS(h, "The small plot in a corner of the picture is the pelvic obliquity, left and right");
    HAS(h, "<div class=\"frames by3\">"); /* landscape: three to a row */
    free(h);
    cJSON_Delete(a);
}

/* A signed metric says which way is positive under its name (trunk lean in side_run; foot
 * placement added), an unsigned one does not (cadence). */
static void signed_metrics_say_which_way_is_plus(const char *dir)
{
    char path[2048];
    cJSON *a = side_run_analysis();
    char *h;
    cJSON *fp = cJSON_Parse("{\"unit\":\"leg lengths\",\"left\":{\"mean\":-0.03,\"sd\":0.02,"
                            "\"n\":21},\"right\":{\"mean\":0.042,\"sd\":0.015,\"n\":21},"
                            "\"diff\":-0.072,\"si\":null}");
    cJSON_AddItemToObject(cJSON_GetObjectItem(a, "metrics"), "foot_placement_ll", fp);
    snprintf(path, sizeof(path), "%s/report_signs.html", dir);
    write_side_run(path, a);
    h = gs_test_read_text(path);
    HAS(h, "Foot placement from midline <span class=\"mu\">leg lengths</span><br><small "
           "class=\"sign\">+ outside the hip, &minus; across the midline</small>");
    HAS(h, "Trunk forward lean<br><small class=\"sign\">+ forward</small>");
    CHECK_EQ_INT(count_of(h, "<small class=\"sign\">"), 2);
    free(h);
    cJSON_Delete(a);
}

/* A walk gets no reference lights, so no legend for them: only the SI's colours, explained
 * (the legend read 'within the reference range' under 'not applied'); a run keeps both, the
 * SI's spelt out too (it read 'SI colours: 0-5-10 %', which colour meaning what unsaid). */
static void walk_legend_has_no_reference_lights(const char *dir)
{
    char path[2048];
    cJSON *a = side_run_analysis();
    char *h;
    snprintf(path, sizeof(path), "%s/report_walk_legend.html", dir);
    write_side_run(path, a);
    h = gs_test_read_text(path);
    HAS(h, "within the reference range");
    HAS(h, "<span>SI: <span class=\"tl lg\"></span>within 5 % <span class=\"tl la\"></span>"
           "5&ndash;10 % <span class=\"tl lr\"></span>beyond 10 %");
    LACKS(h, "SI colours");
    free(h);
    cJSON_ReplaceItemInObject(a, "activity", cJSON_CreateString("walk"));
    write_side_run(path, a);
    h = gs_test_read_text(path);
    HAS(h, "this clip is not running, so they are not applied");
    LACKS(h, "within the reference range");
    HAS(h, "<span>SI: <span class=\"tl lg\"></span>within 5 % ");
    HAS(h, "No reference lights: the published ranges are for running.");
    free(h);
    cJSON_Delete(a);
}

/* The curves' intro speaks of green reference boxes only when a plot draws one: a run seen
 * from behind (pelvic obliquity and the other frontal curves, which have no published band)
 * was told to read green boxes that were nowhere (run_rear_treadmill_01). */
static void curves_mention_reference_boxes_only_when_drawn(const char *dir)
{
    char path[2048];
    cJSON *a = side_run_analysis(), *cs;
    char *h;
    if (!a)
        return;
    snprintf(path, sizeof(path), "%s/report_curve_boxes.html", dir);
    write_side_run(path, a);
    h = gs_test_read_text(path);
    HAS(h, "green boxes are published reference values");
    /* knee flexion at contact and in stance (placed by the duty factor), trunk lean */
    CHECK_EQ_INT(count_of(h, "fill=\"#4daf4a\""), 3);
    free(h);
    /* the same curves under the rear view's names */
    cs = cJSON_GetObjectItem(a, "curves");
    cJSON_AddItemToObject(cs, "pelvic_obliquity_deg",
                          cJSON_DetachItemFromObject(cs, "knee_flexion_deg"));
    cJSON_AddItemToObject(cs, "trunk_lateral_lean_deg",
                          cJSON_DetachItemFromObject(cs, "trunk_lean_deg"));
    write_side_run(path, a);
    h = gs_test_read_text(path);
    HAS(h, "Pelvic obliquity <span class=\"mu\">");
    HAS(h, "Trunk lateral lean <span class=\"mu\">");
    LACKS(h, "fill=\"#4daf4a\"");
    LACKS(h, "green boxes");
    free(h);
    cJSON_Delete(a);
}

/* The methods' input line names how the person was chosen in words, not the tracker's rule
 * name ('person chosen by only-person', run_side_treadmill_01); a rule it does not know is shown
 * as it is, escaped. */
static void methods_say_how_the_person_was_chosen(const char *dir)
{
    char path[2048];
    cJSON *a = side_run_analysis(), *src;
    char *h;
    if (!a)
        return;
    src = cJSON_GetObjectItem(a, "source");
    cJSON_AddStringToObject(src, "model", "full");
    cJSON_AddStringToObject(src, "person_rule", "only-person");
    snprintf(path, sizeof(path), "%s/report_person_rule.html", dir);
    write_side_run(path, a);
    h = gs_test_read_text(path);
    HAS(h, "<li>Input: pose model BlazePose full; person tracked: the only person in the clip; ");
    LACKS(h, "only-person");
    free(h);
    cJSON_ReplaceItemInObject(src, "person_rule", cJSON_CreateString("longest-gait-track"));
    write_side_run(path, a);
    h = gs_test_read_text(path);
    HAS(h, "person tracked: the one stepping longest of several people; ");
    free(h);
    cJSON_ReplaceItemInObject(src, "person_rule", cJSON_CreateString("new<rule>"));
    write_side_run(path, a);
    h = gs_test_read_text(path);
    HAS(h, "person tracked: new&lt;rule&gt;; ");
    free(h);
    cJSON_Delete(a);
}

/* An angle's L - R is marked when beyond 4 deg and beyond the strides' scatter; a side with one
 * stride has no SD, and the other side's stands for it (the backlit pan, one right stride:
 * knee flexion at contact +7.8 deg was marked though the left's own SD was 8.4). */
static void angle_difference_with_one_stride_uses_the_other_sides_sd(const char *dir)
{
    char path[2048];
    cJSON *a = side_run_analysis(), *ms;
    char *h;
    if (!a)
        return;
    ms = cJSON_GetObjectItem(a, "metrics");
    cJSON_AddItemToObject(ms, "knee_flexion_ic_deg",
                          cJSON_Parse("{\"unit\":\"deg\",\"left\":{\"mean\":12.3,\"sd\":8.4,"
                                      "\"n\":2},\"right\":{\"mean\":4.5,\"sd\":null,\"n\":1},"
                                      "\"diff\":7.8,\"si\":null}"));
    cJSON_AddItemToObject(ms, "hip_flexion_peak_deg",
                          cJSON_Parse("{\"unit\":\"deg\",\"left\":{\"mean\":58.6,\"sd\":1.0,"
                                      "\"n\":2},\"right\":{\"mean\":66.6,\"sd\":null,\"n\":1},"
                                      "\"diff\":-8.0,\"si\":null}"));
    snprintf(path, sizeof(path), "%s/report_one_stride.html", dir);
    write_side_run(path, a);
    h = gs_test_read_text(path);
    HAS(h, "<td data-l=\"L &minus; R\">+7.8&deg;</td>");
    HAS(h, "<td data-l=\"L &minus; R\"><span class=\"flag\" title=\"beyond 4 deg and the "
           "stride-to-stride SD\">-8.0&deg;</span>");
    free(h);
    cJSON_Delete(a);
}

/* The key frames' note says which stride each side shows: one where its highest-ranked finding
 * holds, or, on a side with no finding, its median stride (README, keyframes/); it claimed the
 * first for a side with none (walk_front_cane_01's left). */
static void keyframe_note_says_which_stride_each_side_shows(const char *dir)
{
    char path[2048];
    cJSON *a = side_run_analysis(), *fs;
    char *h;
    if (!a)
        return;
    snprintf(path, sizeof(path), "%s/report_kf_strides.html", dir);
    write_side_run(path, a); /* a right and a left finding */
    h = gs_test_read_text(path);
    HAS(h, "Each side&rsquo;s frames are from a stride where that side&rsquo;s highest-ranked "
           "finding holds");
    LACKS(h, "median stride");
    free(h);
    fs = cJSON_GetObjectItem(a, "findings");
    cJSON_DeleteItemFromArray(fs, 1); /* the left one */
    write_side_run(path, a);
    h = gs_test_read_text(path);
    HAS(h, "highest-ranked finding holds; the findings of that side that hold in it are named in "
           "red. The left side has no finding: its frames are from its median stride.</p>");
    free(h);
    /* a finding of both sides counts for each */
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(fs, 0), "side", cJSON_CreateString("both"));
    write_side_run(path, a);
    h = gs_test_read_text(path);
    LACKS(h, "median stride");
    free(h);
    cJSON_DeleteItemFromArray(fs, 0);
    write_side_run(path, a);
    h = gs_test_read_text(path);
    HAS(h, "Each side&rsquo;s frames are from its median stride (no finding to show).</p>");
    LACKS(h, "highest-ranked finding holds");
    free(h);
    cJSON_Delete(a);
}

/* A slow-motion clip's card gives the real time analysed and how long the video plays: the
 * backlit pan read with --slowmo 5 said '3.5 s' for a clip of 17.4 s. */
static void slow_motion_clip_says_how_long_the_video_plays(const char *dir)
{
    char path[2048];
    cJSON *a = side_run_analysis(), *dec;
    char *h;
    if (!a)
        return;
    dec = cJSON_AddObjectToObject(cJSON_GetObjectItem(a, "source"), "decode");
    cJSON_AddNumberToObject(dec, "decoded_s", 10.05); /* real time: no note */
    snprintf(path, sizeof(path), "%s/report_slowmo.html", dir);
    write_side_run(path, a);
    h = gs_test_read_text(path);
    HAS(h, "<dt>Clip analysed</dt><dd>10.0 s <small>(601 frames)</small></dd>");
    free(h);
    cJSON_ReplaceItemInObject(dec, "decoded_s", cJSON_CreateNumber(50.1));
    write_side_run(path, a);
    h = gs_test_read_text(path);
    HAS(h, "<dt>Clip analysed</dt><dd>10.0 s <small>(601 frames; slow motion: 50.1 s of "
           "video)</small></dd>");
    free(h);
    cJSON_Delete(a);
}

static void hostile_strings_are_escaped(const char *dir)
{
    char path[2048];
    cJSON *a = side_run_analysis();
    char *h;
    snprintf(path, sizeof(path), "%s/report_escape.html", dir);
    write_side_run(path, a);
    h = gs_test_read_text(path);
    HAS(h, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; clip.mp4");
    HAS(h, "&lt;img src=x onerror=alert(1)&gt; pattern");
    LACKS(h, "<img src=x");
    /* no script element at all, in any case */
    for (const char *p = h; p && *p; p++)
        if (*p == '<' && !strncasecmp(p + 1, "script", 6)) {
            CHECK_MSG(0, "page contains a <script element at offset %ld", (long)(p - h));
            break;
        }
    free(h);
    cJSON_Delete(a);
}

static void failed_analysis_still_gives_a_report_that_says_why(const char *dir)
{
    char path[2048];
    cJSON *a = cJSON_Parse(too_few_json);
    gs_error err = {0};
    char *h;
    snprintf(path, sizeof(path), "%s/report_failed.html", dir);
    CHECK(a != NULL);
    CHECK_EQ_INT(gs_report_write_html(path, a, NULL, &err), GS_OK);
    h = gs_test_read_text(path);
    HAS(h, "The analysis could not be completed");
    HAS(h, "<title>Gait report: gait analysis</title>"); /* no title, no source in the JSON */
    HAS(h, "run.mp4: too few strides: 1 left and 0 right found, 3 per side needed");
    HAS(h, "role=\"alert\"");
    HAS(h, "person lost for 40 % of the clip");
    HAS(h, "low light");
    HAS(h, "mean_visibility: 0.42");
    HAS(h, "confidence 41 %");
    /* the notes come before the summary: no "view line above" (session 15 audit) */
    HAS(h, "hard to tell (confidence 41 %); it was taken as seen from behind (Summary, below)");
    LACKS(h, "view line above");
    HAS(h, "No metrics could be computed");
    HAS(h, "leg lengths");
    LACKS(h, "<svg ");
    LACKS(h, "<video");
    free(h);
    cJSON_Delete(a);

    /* the pipeline stopped before the gait stage: only an error string */
    snprintf(path, sizeof(path), "%s/report_noperson.html", dir);
    a = cJSON_Parse("{\"format\":\"gaitscope.analysis/1\","
                    "\"error\":\"run.mp4: no person found in 300 frames\"}");
    CHECK_EQ_INT(gs_report_write_html(path, a, NULL, &err), GS_OK);
    h = gs_test_read_text(path);
    HAS(h, "run.mp4: no person found in 300 frames");
    HAS(h, "Nothing could be measured from this clip");
    LACKS(h, "Metrics per side");
    LACKS(h, "href=\"#metrics\"");
    free(h);
    cJSON_Delete(a);

    /* no analysis at all */
    snprintf(path, sizeof(path), "%s/report_none.html", dir);
    CHECK_EQ_INT(gs_report_write_html(path, NULL, NULL, &err), GS_OK);
    h = gs_test_read_text(path);
    HAS(h, "No analysis");
    HAS(h, "</html>");
    free(h);
}

/*
 * The fixture the gait stage itself writes: a made running track (gen_track.h) through
 * gs_gait_analyze and gs_gait_write_analysis_json, read back from the file as the CLI reads it.
 * The report must show every metric the gait stage writes under its label with the numbers of
 * the file, draw every curve it writes, and count its strides: a renamed key, a new metric or
 * curve the report does not know, or a changed layout fails here. (The hand-made analyses above
 * pin values at the reference ranges' edges and hostile strings, which no writer produces.)
 */
static void report_reads_what_the_gait_stage_writes(const char *dir)
{
    char path[2048], html[2048], want[256], t1[32], t2[32];
    gs_gen_params p;
    gs_pose_track *t = NULL;
    gs_gait_result *r = NULL;
    gs_gait_options opt = {0};
    gs_error err = {0};
    cJSON *a = NULL;
    char *txt = NULL, *h = NULL;
    int n_curves = 0, used[2] = {0, 0};

    gs_gen_defaults(&p);
    CHECK_EQ_INT(gs_gen_track(&p, &t, &err), GS_OK);
    if (t)
        CHECK_MSG(gs_gait_analyze(t, &opt, &r, &err) == GS_OK, "gait: %s", err.msg);
    snprintf(path, sizeof(path), "%s/gait_written_analysis.json", dir);
    if (r)
        CHECK_MSG(gs_gait_write_analysis_json(path, r, &err) == GS_OK, "%s", err.msg);
    txt = gs_test_read_text(path);
    a = txt ? cJSON_Parse(txt) : NULL;
    CHECK_MSG(a != NULL, "%s: not written or not JSON", path);
    snprintf(html, sizeof(html), "%s/gait_written_report.html", dir);
    CHECK_EQ_INT(gs_report_write_html(html, a, NULL, &err), GS_OK);
    h = gs_test_read_text(html);
    CHECK(h != NULL);
    if (!a || !h)
        goto done;

    /* every metric, each side: known to the one metric table, its label, mean +- SD (n) with
     * the table's decimals, as the report's side cells print them */
    const cJSON *m;
    int n_metrics = 0;
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(a, "metrics"))
    {
        const gs_metric_info *info = gs_metric_find(m->string);
        n_metrics++;
        CHECK_MSG(info != NULL, "gait writes metric '%s' that the report does not know",
                  m->string);
        if (!info)
            continue;
        HAS(h, info->label);
        for (int s = 0; s < 2; s++) {
            const cJSON *so = cJSON_GetObjectItemCaseSensitive(m, s ? "right" : "left");
            double mean = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(so, "mean"));
            double sd = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(so, "sd"));
            double n = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(so, "n"));
            if (!so || !isfinite(mean) || !isfinite(sd) || !isfinite(n))
                continue;
            snprintf(want, sizeof(want), "%s%s &plusmn; %s <small>(%.0f)</small>",
                     gs_html_num(t1, sizeof(t1), mean, info->decimals),
                     !strcmp(info->unit, "deg") ? "&deg;" : "",
                     gs_html_num(t2, sizeof(t2), sd, info->decimals), n);
            HAS(h, want);
        }
    }
    CHECK_MSG(n_metrics >= 10, "gait wrote only %d metrics for a made running track", n_metrics);
    /* cadence is the made track's (gen_track.h), both feet */
    double cad = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(a, "metrics"),
                                             "cadence_spm"),
            "all"),
        "mean"));
    CHECK_NEAR(cad, p.cadence_spm, 0.02 * p.cadence_spm);
    snprintf(want, sizeof(want), "both feet %s", gs_html_num(t1, sizeof(t1), cad, 1));
    HAS(h, want);
    /* the side view's six sagittal curves are written by the gait stage and each drawn once
     * (gait also writes thigh, arm and 3D curves, which the report leaves out by design) */
    static const char *const drawn[][2] = {{"knee_flexion_deg", "Knee flexion"},
                                           {"hip_flexion_deg", "Hip flexion"},
                                           {"ankle_dorsiflexion_deg", "Ankle dorsiflexion"},
                                           {"trunk_lean_deg", "Trunk forward lean"},
                                           {"foot_angle_deg", "Foot angle to ground"},
                                           {"shank_angle_deg", "Shank angle"}};
    const cJSON *cs = cJSON_GetObjectItemCaseSensitive(a, "curves");
    for (size_t i = 0; i < sizeof(drawn) / sizeof(drawn[0]); i++) {
        CHECK_MSG(cJSON_GetObjectItemCaseSensitive(cs, drawn[i][0]) != NULL,
                  "gait no longer writes curve %s", drawn[i][0]);
        snprintf(want, sizeof(want), "<figure class=\"plot\"><h3>%s <span", drawn[i][1]);
        HAS(h, want);
        n_curves++;
    }
    CHECK_EQ_INT(count_of(h, "<svg "), n_curves);
    /* the used strides per side, as the summary counts them */
    const cJSON *st;
    cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(a, "strides"))
    {
        const char *side = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "side"));
        if (side && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "used")))
            used[strcmp(side, "left") ? 1 : 0]++;
    }
    CHECK(used[0] >= 3 && used[1] >= 3);
    snprintf(want, sizeof(want), "left %d &middot; right %d", used[0], used[1]);
    HAS(h, want);
done:
    free(h);
    free(txt);
    cJSON_Delete(a);
    gs_gait_result_free(&r);
    gs_pose_track_free(&t);
}

/*
 * A key frame's caption (the strip on its PNG) gives the angles its view measures: the rear
 * treadmill clip's key frames read "knee nan  hip nan  ankle nan" (sagittal angles are not
 * measured from behind). Made side and rear runners: every angle a number, none "nan".
 */
static int boxes_meet(const gs_label_box *a, const gs_label_box *b)
{
    return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 && b->y0 < a->y1;
}

static int box_inside(const gs_label_box *b, int32_t W, int32_t H)
{
    return b->x0 >= 0 && b->y0 >= 0 && b->x1 <= (float)W && b->y1 <= (float)H;
}

/*
 * The overlay's angle and IC/TO labels (gs_overlay_place_angle_labels, ..._event_label), on made
 * landmarks of a 1280x720 frame (scale 1): the two knees 5 px apart in either order, crossed so
 * that the old places (left label left of its knee, right one right of its own) overlapped, at
 * the picture's edges and corners: the two boxes never meet and lie inside the picture; a knee
 * sliding past the other in 0.25 px steps moves no label by more than 1.5 px a step (no jump
 * when the knees pass each other); a foot at the edge keeps its IC/TO label inside.
 */
static void overlay_labels_stay_apart_and_inside(void)
{
    const int32_t W = 1280, H = 720;
    const float s = 1.0f;
    gs_label_box b[2];
    int32_t tw = 0, th = 0;
    /* the box is the drawn text's size (the drawing's own font metrics) plus its margins */
    gs_overlay_place_angle_labels("knee 14", 600, 400, "knee 12", 595, 400, s, W, H, b);
    gs_cv_text_size("knee 14", 0.55f * s, 1, &tw, &th);
    CHECK_NEAR(b[0].x1 - b[0].x0, (float)tw + 6, 1e-3);
    CHECK_NEAR(b[0].y1 - b[0].y0, (float)th + 4, 1e-3);
    CHECK(!boxes_meet(&b[0], &b[1]));
    /* crossed 40 px: the old places overlapped sideways; now one is under the other */
    gs_overlay_place_angle_labels("knee 14", 640, 400, "knee 12", 600, 402, s, W, H, b);
    CHECK(b[0].x0 < b[1].x1 && b[1].x0 < b[0].x1);
    CHECK(!boxes_meet(&b[0], &b[1]));
    CHECK(b[1].y0 >= b[0].y1); /* the right one, lower, goes under */
    int bad = 0, outside = 0, jumps = 0;
    /* knees anywhere in a band, also over the edges and corners of the picture */
    static const float cx[] = {2, 30, 640, W - 30, W - 2}, cy[] = {2, 20, 360, H - 20, H - 2};
    for (size_t i = 0; i < sizeof(cx) / sizeof(cx[0]); i++)
        for (size_t j = 0; j < sizeof(cy) / sizeof(cy[0]); j++)
            for (float dy = -30; dy <= 30; dy += 1.5f) {
                gs_label_box prev[2];
                for (float dx = -120; dx <= 120; dx += 0.25f) {
                    float lx = cx[i] + 0.5f * dx, rx = cx[i] - 0.5f * dx;
                    gs_overlay_place_angle_labels("knee 14", lx, cy[j] + 0.5f * dy, "knee 1", rx,
                                                  cy[j] - 0.5f * dy, s, W, H, b);
                    bad += boxes_meet(&b[0], &b[1]);
                    outside += !box_inside(&b[0], W, H) + !box_inside(&b[1], W, H);
                    if (dx > -120)
                        for (int k = 0; k < 2; k++)
                            jumps += fabsf(b[k].x - prev[k].x) > 1.5f ||
                                     fabsf(b[k].y - prev[k].y) > 1.5f;
                    prev[0] = b[0];
                    prev[1] = b[1];
                }
            }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(outside, 0);
    CHECK_EQ_INT(jumps, 0);
    /* one side alone: placed, the other zeroed */
    gs_overlay_place_angle_labels(NULL, 0, 0, "hip 20", W - 1, 300, s, W, H, b);
    CHECK(box_inside(&b[1], W, H) && b[1].x1 > b[1].x0);
    CHECK(b[0].x0 == 0 && b[0].x1 == 0);
}

/* A label of txt at scale ts for the point ax, ay with its box at the text origin x, y (as the
 * overlay measures it: the text's size, 3 px each side, 4 under the baseline). */
static gs_overlay_label made_label(gs_overlay_label_kind kind, const char *txt, float ts, float ax,
                                   float ay, float x, float y)
{
    gs_overlay_label l;
    int32_t w = 0, h = 0;
    memset(&l, 0, sizeof(l));
    l.kind = kind;
    snprintf(l.txt, sizeof(l.txt), "%s", txt);
    l.scale = ts;
    l.ax = ax;
    l.ay = ay;
    gs_cv_text_size(txt, ts, 1, &w, &h);
    l.box = (gs_label_box){x, y, x - 3, y - (float)h, x + (float)w + 3, y + 4};
    return l;
}

/* An IC/TO label at its own place: 16 s right of the foot point, baseline 26 s under it, and
 * further right until its box's top left corner is 2.5 px clear of the mark's ring (radius 14 s
 * to the middle of a line max(2, round(3 s)) px wide). */
static gs_overlay_label made_event(const char *txt, float fx, float fy, float s)
{
    gs_overlay_label l =
        made_label(GS_OVERLAY_LABEL_EVENT, txt, 0.7f * s, fx, fy, fx + 16 * s, fy + 26 * s);
    float thick = lroundf(3 * s) < 2 ? 2.0f : (float)lroundf(3 * s);
    float r = 14 * s + 0.5f * thick + 2.5f, dx = l.box.x0 - fx, dy = l.box.y0 - fy;
    if (dy < r && hypotf(dx, dy) < r) {
        float x = (dy > 0 ? sqrtf(r * r - dy * dy) : r) - dx;
        return made_label(GS_OVERLAY_LABEL_EVENT, txt, 0.7f * s, fx, fy, fx + 16 * s + x,
                          fy + 26 * s);
    }
    return l;
}

/* An angle label at its own place: left labels 10 s left of the joint, right ones 10 s right. */
static gs_overlay_label made_angle(const char *txt, int left, float jx, float jy, float s)
{
    gs_overlay_label l = made_label(GS_OVERLAY_LABEL_ANGLE, txt, 0.55f * s, jx, jy, 0, 0);
    float w = l.box.x1 - l.box.x0 - 6, x = left ? jx - w - 10 * s : jx + 10 * s;
    return made_label(GS_OVERLAY_LABEL_ANGLE, txt, 0.55f * s, jx, jy, x, jy + 5 * s);
}

/* n labels pairwise 2 px apart (pad), inside the box r: the count of pairs and boxes that fail */
static int labels_bad(const gs_overlay_label *l, int n, const float r[4])
{
    int bad = 0;
    for (int i = 0; i < n; i++) {
        bad += l[i].box.x0 < r[0] || l[i].box.y0 < r[1] || l[i].box.x1 > r[2] || l[i].box.y1 > r[3];
        for (int j = 0; j < i; j++) {
            gs_label_box g = l[j].box;
            g.x0 -= 1.99f; /* 2 px less a rounding error */
            g.y0 -= 1.99f;
            g.x1 += 1.99f;
            g.y1 += 1.99f;
            bad += gs_lc_boxes_meet(&l[i].box, &g);
        }
    }
    return bad;
}

/* Distance from x, y to box b (0 inside). */
static float dist_to_box(const gs_label_box *b, float x, float y)
{
    float dx = x < b->x0 ? b->x0 - x : x > b->x1 ? x - b->x1 : 0;
    float dy = y < b->y0 ? b->y0 - y : y > b->y1 ? y - b->y1 : 0;
    return hypotf(dx, dy);
}

/*
 * gs_overlay_place_labels with a skeleton, on a 1280x720 frame (scale 1: lines 3 px, joint dots
 * of radius 4.2, rings of radius 14 to the line's middle): a side view's legs crossed, the right
 * knee's dot 30 px left of the left knee, where the left knee's label sits: the label moves off
 * the dot without a leader line; with the far leg's ankle and heel also near, and a contact's
 * ring at the left heel next to the left ankle's label: neither the knee's nor the ankle's label
 * covers a dot or meets the ring, the contact's label is clear of them all; a lone label with a
 * shank running through its place glides off the line by less than half its height a frame
 * (given where it sat on the frame before), and covers less of the line than at its place.
 */
static void overlay_labels_clear_the_skeleton_and_rings(void)
{
    const int32_t W = 1280, H = 720;
    const float s = 1.0f, dot = 4.2f, ring = 15.5f;
    gs_kp kp[GS_POSE_NKP];
    gs_overlay_label l[4];
    memset(kp, 0, sizeof(kp));
    for (int k = 0; k < GS_POSE_NKP; k++)
        kp[k] = (gs_kp){640, 200, 0, 1}; /* the head and arms: up and out of the way */
    kp[23] = (gs_kp){620, 300, 0, 1};    /* left hip, knee, ankle, heel, toe */
    kp[25] = (gs_kp){600, 400, 0, 1};
    kp[27] = (gs_kp){600, 500, 0, 1};
    kp[29] = (gs_kp){590, 512, 0, 1};
    kp[31] = (gs_kp){560, 515, 0, 1};
    kp[24] = (gs_kp){625, 300, 0, 1}; /* right leg, crossed: its knee left of the left one */
    kp[26] = (gs_kp){570, 402, 0, 1};
    kp[28] = (gs_kp){520, 470, 0, 1};
    kp[30] = (gs_kp){510, 480, 0, 1};
    kp[32] = (gs_kp){490, 500, 0, 1};
    l[0] = made_angle("knee 40" GS_CV_DEGREE, 1, 600, 400, s);
    CHECK(dist_to_box(&l[0].box, 570, 402) < dot); /* its own place covers the right knee */
    gs_overlay_place_labels(l, 1, s, W, H, NULL, kp, NULL, 0);
    CHECK(dist_to_box(&l[0].box, 570, 402) >= dot);
    CHECK_EQ_INT(l[0].leader, 0);
    CHECK(dist_to_box(&l[0].box, 600, 400) <= l[0].reach);
    /* the knee, the ankle and a contact at the left heel */
    l[0] = made_angle("knee 40" GS_CV_DEGREE, 1, 600, 400, s);
    l[1] = made_angle("ankle 5" GS_CV_DEGREE, 1, 600, 500, s);
    l[2] = made_event("IC L", 590, 512, s);
    CHECK(dist_to_box(&l[1].box, 590, 512) < ring); /* the ankle's own place meets the ring */
    gs_overlay_place_labels(l, 3, s, W, H, NULL, kp, NULL, 0);
    CHECK_EQ_INT(labels_bad(l, 3, (const float[4]){0, 0, (float)W, (float)H}), 0);
    for (int i = 0; i < 3; i++) {
        CHECK_MSG(dist_to_box(&l[i].box, 590, 512) >= ring + 2, "'%s' meets the ring", l[i].txt);
        for (int k = 11; k < GS_POSE_NKP; k++)
            if (k < 17 || k > 22)
                CHECK_MSG(dist_to_box(&l[i].box, kp[k].x, kp[k].y) >= dot, "'%s' covers joint %d",
                          l[i].txt, k);
    }
    /* a shank through a lone label's place: it glides off, a bit each frame */
    {
        gs_kp one[GS_POSE_NKP];
        for (int k = 0; k < GS_POSE_NKP; k++)
            one[k] = (gs_kp){100, 100, 0, 1};
        one[24] = (gs_kp){950, 250, 0, 1}; /* a right hip-knee line down through the label */
        one[26] = (gs_kp){950, 420, 0, 1};
        gs_overlay_label was = made_angle("hip 20" GS_CV_DEGREE, 0, 900, 330, s), now;
        float h = was.box.y1 - was.box.y0;
        double cover0 = 0;
        /* the thigh's line crosses the label's own place */
        CHECK(was.box.x0 < 950 && was.box.x1 > 950);
        for (int f = 0; f < 8; f++) {
            now = made_angle("hip 20" GS_CV_DEGREE, 0, 900, 330, s);
            if (f == 0)
                cover0 = gs_lc_segment_in_box(950, 250, 950, 420, &now.box, 1.5f);
            gs_overlay_place_labels(&now, 1, s, W, H, NULL, one, f ? &was : NULL, f ? 1 : 0);
            if (f)
                CHECK_MSG(fabsf(now.box.x0 - was.box.x0) <= 0.45f * h + 1e-3 &&
                              fabsf(now.box.y0 - was.box.y0) <= 0.45f * h + 1e-3,
                          "frame %d: moved %.1f, %.1f px (label %.0f px high)", f,
                          now.box.x0 - was.box.x0, now.box.y0 - was.box.y0, h);
            was = now;
        }
        CHECK(gs_lc_segment_in_box(950, 250, 950, 420, &now.box, 1.5f) < 0.5 * cover0);
    }
}

/*
 * gs_overlay_place_labels on made labels of a 1280x720 frame (scale 1): a label whose place is
 * free stays there (an IC/TO label 16 px right of its foot point, baseline 26 px under); ones at
 * the picture's edges move in; run_side_overground_01's first frames (a runner half out of the
 * picture: the ankle's angle label and the foot's contact and toe-off labels all at the left
 * edge) come apart; a stack of six ankle labels 8 px apart and 40 labels thrown at random round
 * one point come apart inside the picture and the body's box, those moved far joined to their
 * point by a line; a moved label covers no labelled point where there is room.
 */
static void overlay_labels_all_clear_each_other(void)
{
    const int32_t W = 1280, H = 720;
    const float s = 1.0f, pic[4] = {0, 0, (float)W, (float)H};
    gs_overlay_label l[GS_OVERLAY_MAX_LABELS * 2];
    /* free: where it was (16 px right of its foot and 2.6 px more, clear of its ring) */
    l[0] = made_event("TO L", 400, 300, s);
    gs_overlay_place_labels(l, 1, s, W, H, NULL, NULL, NULL, 0);
    CHECK_NEAR(l[0].box.x, 418.59, 0.01);
    CHECK_NEAR(l[0].box.y, 326, 1e-3);
    CHECK_EQ_INT(l[0].leader, 0);
    /* under a foot at the bottom right corner, and one off the picture: moved in */
    l[0] = made_event("IC R", W - 3, H - 3, s);
    l[1] = made_event("TO L", -20, H + 15, s);
    gs_overlay_place_labels(l, 2, s, W, H, NULL, NULL, NULL, 0);
    CHECK_EQ_INT(labels_bad(l, 2, pic), 0);
    /* the ankle's label and the contact and toe-off labels of one foot at the left edge */
    l[0] = made_angle("ankle -4" GS_CV_DEGREE, 1, 5, H - 60, s);
    l[1] = made_event("IC L", 0, H - 75, s);
    l[2] = made_event("TO L", 12, H - 62, s);
    gs_overlay_place_labels(l, 3, s, W, H, NULL, NULL, NULL, 0);
    CHECK_EQ_INT(labels_bad(l, 3, pic), 0);
    /* a stack: the first keeps its place, the others clear it and each other inside the box */
    {
        const float keep[4] = {300, 100, 600, 500};
        for (int i = 0; i < 6; i++)
            l[i] = made_angle("ankle -4" GS_CV_DEGREE, 1, 430, 330 - 8.0f * (float)i, s);
        gs_label_box first = l[0].box;
        gs_overlay_place_labels(l, 6, s, W, H, keep, NULL, NULL, 0);
        CHECK_EQ_INT(labels_bad(l, 6, keep), 0);
        CHECK_NEAR(l[0].box.x, first.x, 1e-3);
        CHECK_NEAR(l[0].box.y, first.y, 1e-3);
    }
    /* clutter: 40 labels round one point of a small body's box, seeded; every one placed apart
     * and inside, the leader flag set exactly on those gone a label height past their place */
    {
        const float keep[4] = {500, 200, 800, 560};
        unsigned seed = 12345;
        int bad = 0, leaders = 0, covering = 0;
        for (int round = 0; round < 20; round++) {
            int n = GS_OVERLAY_MAX_LABELS;
            for (int i = 0; i < n; i++) {
                seed = seed * 1103515245u + 12345u;
                float jx = 560 + (float)((seed >> 8) % 180), jy = 260 + (float)((seed >> 16) % 240);
                l[i] = i % 3 == 2
                           ? made_event(i % 2 ? "IC L" : "TO R", jx, jy, s)
                           : made_angle(i % 2 ? "knee 123" GS_CV_DEGREE : "hip -5" GS_CV_DEGREE,
                                        i % 2, jx, jy, s);
            }
            gs_overlay_place_labels(l, n, s, W, H, keep, NULL, NULL, 0);
            bad += labels_bad(l, n, keep);
            for (int i = 0; i < n; i++) {
                leaders += l[i].leader;
                for (int j = 0; j < n; j++)
                    covering += l[i].leader && l[j].ax > l[i].box.x0 && l[j].ax < l[i].box.x1 &&
                                l[j].ay > l[i].box.y0 && l[j].ay < l[i].box.y1;
            }
        }
        CHECK_EQ_INT(bad, 0);
        CHECK(leaders > 0);
        fprintf(stderr, "clutter: %d leaders, %d moved labels over a point\n", leaders, covering);
    }
    overlay_labels_clear_the_skeleton_and_rings();
}

/* Every frame's labels of track t (gait result g) at W x H: pairs apart, all inside. */
static void track_labels_apart(const char *name, const gs_pose_track *t, const gs_gait_result *g,
                               int32_t W, int32_t H)
{
    gs_lc_stats st;
    gs_lc_count(t, g, W, H, &st);
    fprintf(stderr,
            "labels %-40s %4dx%-4d: %lld frames, %lld labels, %lld overlapping pairs, %lld "
            "within 2 px, %lld outside, %lld leaders, %lld over a ring, %lld over a joint (%lld "
            "with a free spot), %.0f px of bone under labels, %lld jumps\n",
            name, W, H, (long long)st.frames, (long long)st.labels, (long long)st.pairs,
            (long long)st.touching, (long long)st.outside, (long long)st.leaders,
            (long long)st.ring_pairs, (long long)st.joint_labels, (long long)st.joint_free,
            st.bone_px, (long long)st.jumps);
    CHECK(st.frames > 0 && st.labels > st.frames);
    CHECK_MSG(st.pairs == 0, "%s %dx%d: %lld overlapping label pairs (worst frame %lld: %d)", name,
              W, H, (long long)st.pairs, (long long)st.worst_frame, st.worst_pairs);
    CHECK_MSG(st.touching == 0, "%s: %lld label pairs within 2 px", name, (long long)st.touching);
    CHECK_MSG(st.outside == 0, "%s: %lld labels outside the picture", name, (long long)st.outside);
    CHECK_MSG(st.ring_pairs == 0, "%s %dx%d: %lld labels meet an IC/TO ring", name, W, H,
              (long long)st.ring_pairs);
    CHECK_MSG(st.joint_free == 0,
              "%s %dx%d: %lld labels cover a joint with a free spot within reach (%lld over one)",
              name, W, H, (long long)st.joint_free, (long long)st.joint_labels);
    /* the key frames: every label inside the cropped picture */
    gs_keyframe kf[6];
    gs_keyframe_crop cr[6];
    int n = gs_keyframes_choose(g, t, kf, 6), cut = 0;
    float sx = (float)W / (float)t->width, sy = (float)H / (float)t->height;
    float s = fmaxf(0.5f, (float)(W < H ? W : H) / 720.0f);
    gs_keyframe_crops(t, kf, n, W, H, 0, cr);
    for (int i = 0; i < n; i++) {
        const gs_pose_frame *pf = &t->frames[kf[i].frame];
        gs_overlay_label lab[GS_OVERLAY_MAX_LABELS];
        gs_kp kp[GS_POSE_NKP];
        if (!pf->has_kp)
            continue;
        for (int k = 0; k < GS_POSE_NKP; k++) {
            kp[k] = pf->kp[k];
            kp[k].x *= sx;
            kp[k].y *= sy;
        }
        int nl = gs_overlay_frame_labels(g, kf[i].frame, pf->t_s, 1, kp, s, W, H, NULL, 0, lab,
                                         GS_OVERLAY_MAX_LABELS);
        /* a key frame, looked at alone, marks its own event and nothing older: the contact on
         * the initial-contact frame, the toe-off on the toe-off frame, no mark at midstance
         * (before, every event of the last 0.25 s: the sample's left midstance showed IC L and
         * TO R, and its left toe-off frame, 0.05 frame before the event, no TO) */
        char own[8] = "";
        if (strcmp(kf[i].phase, "midstance"))
            snprintf(own, sizeof(own), "%s %s", strcmp(kf[i].phase, "toe-off") ? "IC" : "TO",
                     kf[i].side == GS_GAIT_SIDE_LEFT ? "L" : "R");
        int n_ev = 0, has_own = 0;
        for (int j = 0; j < nl; j++)
            if (lab[j].kind == GS_OVERLAY_LABEL_EVENT) {
                n_ev++;
                has_own += !strcmp(lab[j].txt, own);
            }
        CHECK_MSG(own[0] ? has_own == 1 && n_ev <= 2 : n_ev == 0,
                  "%s key frame %d (%s %s, frame %lld): %d event marks, own '%s' %s", name, i,
                  kf[i].side == GS_GAIT_SIDE_LEFT ? "left" : "right", kf[i].phase,
                  (long long)kf[i].frame, n_ev, own, has_own ? "shown" : "missing");
        if (cr[i].whole)
            continue;
        for (int j = 0; j < nl; j++) {
            const gs_label_box *b = &lab[j].box;
            if (lab[j].kind != GS_OVERLAY_LABEL_EVENT) {
                /* an angle ends in the degree sign, and the box holds its ring: the text's
                 * measured width (ring included) and 3 px each side */
                size_t len = strlen(lab[j].txt), dl = strlen(GS_CV_DEGREE);
                int32_t tw = 0, th = 0;
                gs_cv_text_size(lab[j].txt, lab[j].scale, 1, &tw, &th);
                CHECK_MSG(len > dl && !strcmp(lab[j].txt + len - dl, GS_CV_DEGREE),
                          "label '%s' has no degree sign", lab[j].txt);
                CHECK_NEAR(b->x1 - b->x0, (float)tw + 6, 1e-3);
            }
            int out = b->x0 < (float)cr[i].x0 || b->y0 < (float)cr[i].y0 ||
                      b->x1 > (float)(cr[i].x0 + cr[i].w) || b->y1 > (float)(cr[i].y0 + cr[i].h);
            cut += out;
            if (out)
                fprintf(stderr,
                        "  key frame %d (frame %lld): '%s' %.0f,%.0f-%.0f,%.0f outside the "
                        "crop %d,%d %dx%d\n",
                        i, (long long)kf[i].frame, lab[j].txt, b->x0, b->y0, b->x1, b->y1, cr[i].x0,
                        cr[i].y0, cr[i].w, cr[i].h);
        }
    }
    CHECK_MSG(cut == 0, "%s: %d labels cut by the key frames' crops", name, cut);
}

/*
 * Whole tracks, every frame, as the overlay draws them: made runners and walkers from the side,
 * behind and in front (landscape, portrait, a small 480x352 picture, far figures a quarter of the
 * picture tall) and the stored real tracks
 * (tests/data/labels/pose) at their own size and at 720 px high (--overlay-height 720), each
 * frame placed after the one before as the overlay's pass does: no two labels overlap or come
 * within 2 px, none leaves the picture, none meets an IC/TO mark's ring, none covers a joint's
 * dot where a free spot lay within its reach, and none is cut by the crop of a key frame; there
 * every angle ends in the degree sign inside its box's measured width. Before every label
 * avoided every other (session 15), 20 pairs met on run_side_overground_01's 33 frames, 88 on the
 * backlit pan; before the rings and dots were avoided (session 16), 6-691 labels a stored track met
 * a ring and 90-2561 covered a dot (gs_label_count; docs in README's limits).
 */
static void overlay_labels_apart_on_whole_tracks(const char *scratch)
{
    /* far: the person a quarter of the picture's short side tall (crowded labels), else 0.7 */
    static const struct {
        gs_gen_view view;
        int walk, w, h, far;
    } made[] = {{GS_GEN_SIDE, 0, 1280, 720, 0}, {GS_GEN_SIDE, 1, 1280, 720, 0},
                {GS_GEN_SIDE, 0, 720, 1280, 0}, {GS_GEN_SIDE, 0, 480, 352, 0},
                {GS_GEN_SIDE, 0, 1280, 720, 1}, {GS_GEN_SIDE, 1, 720, 1280, 1},
                {GS_GEN_REAR, 0, 720, 1280, 0}, {GS_GEN_FRONT, 1, 1280, 720, 0},
                {GS_GEN_REAR, 0, 1280, 720, 1}};
    for (size_t c = 0; c < sizeof(made) / sizeof(made[0]); c++) {
        gs_gen_params p;
        gs_pose_track *t = NULL;
        gs_gait_result *r = NULL;
        gs_gait_options opt = {0};
        gs_error err = {0};
        char name[64];
        gs_gen_defaults_for(&p, made[c].walk);
        p.view = made[c].view;
        p.width = made[c].w;
        p.height = made[c].h;
        p.px_per_m = (made[c].far ? 0.15 : 0.4) * (made[c].h < made[c].w ? made[c].h : made[c].w);
        CHECK_EQ_INT(gs_gen_track(&p, &t, &err), GS_OK);
        if (t)
            gs_gait_analyze(t, &opt, &r, &err);
        CHECK_MSG(r != NULL, "made case %zu: %s", c, err.msg);
        snprintf(name, sizeof(name), "made view %d walk %d far %d", (int)made[c].view,
                 made[c].walk, made[c].far);
        if (r)
            track_labels_apart(name, t, r, made[c].w, made[c].h);
        gs_gait_result_free(&r);
        gs_pose_track_free(&t);
    }
    static const char *clips[] = {"run_rear_treadmill_01",    "run_side_overground_02_backlit_pan",
                                  "run_side_treadmill_01",    "run_side_treadmill_02_60fps",
                                  "run_side_treadmill_04",    "walk_side_circumduction_01",
                                  "walk_side_multiperson_01", "walk_side_overground_01",
                                  "walk_side_overground_04"};
    for (size_t c = 0; c < sizeof(clips) / sizeof(clips[0]); c++) {
        char path[1024], cmd[4096];
        gs_pose_track *t = NULL;
        gs_gait_result *r = NULL;
        gs_gait_options opt = {0};
        gs_error err = {0};
        snprintf(path, sizeof(path), "%s/labels_%s.pose.json", scratch, clips[c]);
        snprintf(cmd, sizeof(cmd), "gzip -dc '%s/tests/data/labels/pose/%s.pose.json.gz' > '%s'",
                 GS_SOURCE_DIR, clips[c], path);
        CHECK_EQ_INT(system(cmd), 0);
        CHECK_MSG(gs_pose_json_read(path, &t, &err) == GS_OK, "%s: %s", path, err.msg);
        remove(path);
        if (!t)
            continue;
        opt.min_strides = 1; /* a short walk's labels are drawn all the same */
        gs_gait_analyze(t, &opt, &r, &err);
        CHECK_MSG(r != NULL, "%s: %s", clips[c], err.msg);
        if (r) {
            int32_t W = t->width, H = t->height;
            track_labels_apart(clips[c], t, r, W, H);
            if (H > 720)
                track_labels_apart(clips[c], t, r, 2 * (int32_t)lround((double)W * 360 / H), 720);
        }
        gs_gait_result_free(&r);
        gs_pose_track_free(&t);
    }
}

static void keyframe_captions_give_the_views_angles(void)
{
    static const struct {
        gs_gen_view view;
        const char *angles[3];
    } cases[] = {{GS_GEN_SIDE, {"  knee ", "  hip ", "  ankle "}},
                 {GS_GEN_REAR, {"  pelvis ", "  hip add. ", "  knee FPPA "}},
                 {GS_GEN_FRONT, {"  pelvis ", "  hip add. ", "  knee FPPA "}}};
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        gs_gen_params p;
        gs_pose_track *t = NULL;
        gs_gait_result *r = NULL;
        gs_gait_options opt = {0};
        gs_error err = {0};
        gs_keyframe kf[6];
        char cap[160];
        int n = 0;
        gs_gen_defaults(&p);
        p.view = cases[c].view;
        CHECK_EQ_INT(gs_gen_track(&p, &t, &err), GS_OK);
        if (t)
            CHECK_MSG(gs_gait_analyze(t, &opt, &r, &err) == GS_OK, "gait: %s", err.msg);
        if (r)
            n = gs_keyframes_choose(r, t, kf, 6);
        CHECK_MSG(n == 6, "view %d: %d key frames", (int)cases[c].view, n);
        for (int i = 0; i < n; i++) {
            gs_keyframe_caption(r, &kf[i], cap, sizeof(cap));
            fprintf(stderr, "key frame caption, made view %d: %s\n", (int)cases[c].view, cap);
            CHECK_MSG(!strncmp(cap, kf[i].side == GS_GAIT_SIDE_LEFT ? "LEFT " : "RIGHT ",
                               kf[i].side == GS_GAIT_SIDE_LEFT ? 5 : 6),
                      "caption '%s'", cap);
            CHECK_STR_CONTAINS(cap, kf[i].phase);
            CHECK_MSG(strstr(cap, "nan") == NULL, "caption '%s'", cap);
            for (int a = 0; a < 3; a++) {
                const char *at = strstr(cap, cases[c].angles[a]);
                const char *v = at ? at + strlen(cases[c].angles[a]) : NULL;
                CHECK_MSG(v && (isdigit((unsigned char)*v) ||
                                (*v == '-' && isdigit((unsigned char)v[1]))),
                          "caption '%s': no number after '%s'", cap, cases[c].angles[a]);
                while (v && (*v == '-' || isdigit((unsigned char)*v)))
                    v++;
                CHECK_MSG(v && !strncmp(v, GS_CV_DEGREE, strlen(GS_CV_DEGREE)),
                          "caption '%s': no degree sign after '%s'", cap, cases[c].angles[a]);
            }
        }
        gs_gait_result_free(&r);
        gs_pose_track_free(&t);
    }
}

/* The service's across-sessions chart: every date label inside the 640-wide SVG (the last one,
   centred on the plot's right edge at x 628, ran 30 px past it and was cut off), a gap in a
   series splits its line, and the title is escaped. */
/* The findings' banner on the overlay and the key frames is white on a solid red band, drawn
 * over the knee plot: red text on the angle labels' translucent black could not be read
 * (run_rear_treadmill_01's 464 px wide overlay), and where the knee plot took the top-left
 * corner it covered the banner. A made side-view run over a grey clip, one finding shown at the
 * left contact's key frame. That key frame is now the box around the body (the runner is 875 px
 * tall in a 1920 px wide frame), with the banner written again at its top left: the knee plot's
 * corner no longer shows in it. */
static int png_size(const char *path, uint32_t *w, uint32_t *h, long *bytes);

static void finding_banner_is_white_on_red(const char *dir)
{
    gs_gen_params p;
    gs_pose_track *t = NULL;
    gs_gait_result *r = NULL;
    gs_gait_options gopt = {0};
    gs_overlay_options oo = {0};
    gs_error err = {0};
    gs_keyframe kf[6];
    char clip[1200], cmd[3000], raw[1200], kdir[1200];
    int n = 0;
    gs_gen_defaults(&p);
    p.duration_s = 4.0;
    snprintf(clip, sizeof(clip), "%s/grey.mp4", dir);
    snprintf(cmd, sizeof(cmd),
             "ffmpeg -v error -y -f lavfi -i color=c=0x808080:s=%dx%d:r=%g:d=%g -c:v libx264 "
             "-preset ultrafast -pix_fmt yuv420p '%s'",
             p.width, p.height, p.fps, p.duration_s, clip);
    if (gs_test_sh(cmd) != 0) {
        CHECK_MSG(0, "ffmpeg CLI (lavfi, libx264; scripts/setup.sh installs it) needed to make "
                     "the grey clip");
        return;
    }
    CHECK_EQ_INT(gs_gen_track(&p, &t, &err), GS_OK);
    if (t)
        CHECK_MSG(gs_gait_analyze(t, &gopt, &r, &err) == GS_OK, "gait: %s", err.msg);
    if (r)
        n = gs_keyframes_choose(r, t, kf, 1);
    CHECK_EQ_INT(n, 1);
    if (n == 1) {
        char fj[512];
        cJSON *fs;
        /* and a right finding at the same time: the left key frame does not name it (it did
         * when a banner matched the time alone: 2 banner lines) */
        snprintf(fj, sizeof(fj),
                 "[{\"title\":\"Test finding\",\"side\":\"left\",\"evidence\":"
                 "[{\"metric\":\"knee_flexion_peak_stance_deg\",\"times\":[%.4f]}]},"
                 "{\"title\":\"Right finding\",\"side\":\"right\",\"evidence\":"
                 "[{\"metric\":\"knee_flexion_peak_stance_deg\",\"times\":[%.4f]}]}]",
                 t->frames[kf[0].frame].t_s - 0.05, t->frames[kf[0].frame].t_s - 0.05);
        fs = cJSON_Parse(fj);
        snprintf(kdir, sizeof(kdir), "%s/banner_keyframes", dir);
        oo.keyframes = kf;
        oo.n_keyframes = 1;
        oo.keyframe_dir = kdir;
        CHECK_MSG(gs_overlay_render(clip, t, r, fs, &oo, NULL, &err) == GS_OK, "overlay: %s",
                  err.msg);
        cJSON_Delete(fs);
        snprintf(raw, sizeof(raw), "%s/banner.rgb", dir);
        snprintf(cmd, sizeof(cmd), "ffmpeg -v error -y -i '%s' -pix_fmt rgb24 -f rawvideo '%s'",
                 kf[0].path, raw);
        CHECK_EQ_INT(gs_test_sh(cmd), 0);
        {
            /* the banner: a band of the red, at least 150 x 15 px; the old red text on a
             * darkened box, drawn under the knee plot, had none. The key frame is the box
             * around the body (gs_keyframe_crops, one banner line), and the banner lies on the
             * strip below the picture, after the caption's line, where it hides no face */
            gs_keyframe_crop cr;
            uint32_t kw = 0, kh = 0;
            long bytes = 0;
            gs_keyframe_crops(t, kf, 1, p.width, p.height, 1, &cr);
            CHECK_EQ_INT(cr.whole, 0);
            CHECK(png_size(kf[0].path, &kw, &kh, &bytes));
            CHECK_EQ_INT((int32_t)kw, cr.png_w);
            CHECK_EQ_INT((int32_t)kh, cr.png_h);
            FILE *f = fopen(raw, "rb");
            size_t npx = (size_t)kw * (size_t)kh;
            uint8_t *px = malloc(npx * 3 + 1);
            long red = 0, red_picture = 0;
            int32_t line = (cr.png_h - cr.out_h) / 2;
            CHECK(f != NULL && px != NULL);
            if (f && px && fread(px, 3, npx, f) == npx)
                for (uint32_t y = 0; y < kh; y++)
                    for (uint32_t x = 0; x < kw; x++) {
                        const uint8_t *q = px + ((size_t)y * (size_t)kw + (size_t)x) * 3;
                        int is_red = q[0] > 150 && q[1] < 70 && q[2] < 70;
                        red += is_red && (int32_t)y >= cr.out_h + line;
                        red_picture += is_red && (int32_t)y < cr.out_h;
                    }
            /* the banner's band fills its line; on the picture only the finding's red thigh
             * (highlight) remains, far less than a band */
            CHECK_MSG(red > (long)kw * (line - 4), "the finding's banner has %ld red pixels", red);
            CHECK_MSG(red_picture < red / 2, "%ld red pixels on the picture", red_picture);
            free(px);
            if (f)
                fclose(f);
        }
    }
    gs_gait_result_free(&r);
    gs_pose_track_free(&t);
}

/* Strides of side (0 left, 1 right) of analysis a that are used; their starts into t0[]. */
static int used_starts(const cJSON *a, int side, double *t0, int max)
{
    int n = 0;
    const cJSON *st;
    cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(a, "strides"))
    {
        const char *sd = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "side"));
        if (sd && !strcmp(sd, side ? "right" : "left") &&
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "used")) && n < max)
            t0[n++] = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(st, "t0"));
    }
    return n;
}

/*
 * The shipped sample (its stored track, tests/data/baseline_sample_pose.json.gz, through the gait
 * stage; its findings from the shipped analysis, tests/data/baseline_sample_full.json): each
 * side's key frames show that side's highest-ranked finding, first, and no key frame names a
 * finding of the other side. Session 15's audit: the left key frames (the stride of median length)
 * named "Limited ankle dorsiflexion in left stance" (rank 7) and not the top finding, "Little
 * knee flexion in left stance", which holds in 16 of 16 strides but whose 3 clearest strides did
 * not include the key frames'; a banner matched a time, not a side.
 */
static void sample_key_frames_show_their_sides_findings(const char *scratch)
{
    char path[1024], cmd[4096];
    gs_pose_track *t = NULL;
    gs_gait_result *r = NULL;
    gs_gait_options opt = {0};
    gs_error err = {0};
    uint8_t *data = NULL;
    size_t len = 0;
    cJSON *a = NULL;
    snprintf(path, sizeof(path), "%s/keyfind_sample.pose.json", scratch);
    snprintf(cmd, sizeof(cmd), "gzip -dc '%s/tests/data/baseline_sample_pose.json.gz' > '%s'",
             GS_SOURCE_DIR, path);
    CHECK_EQ_INT(system(cmd), 0);
    CHECK_MSG(gs_pose_json_read(path, &t, &err) == GS_OK, "%s: %s", path, err.msg);
    remove(path);
    if (t)
        CHECK_MSG(gs_gait_analyze(t, &opt, &r, &err) == GS_OK, "gait: %s", err.msg);
    CHECK_EQ_INT(
        gs_file_read_all(GS_SOURCE_DIR "/tests/data/baseline_sample_full.json", &data, &len, &err),
        GS_OK);
    if (data)
        a = cJSON_ParseWithLength((const char *)data, len);
    free(data);
    CHECK(a != NULL);
    if (r && a) {
        const cJSON *findings = cJSON_GetObjectItemCaseSensitive(a, "findings");
        gs_keyframe kf[6];
        int ns = 0;
        const gs_gait_stride *st = gs_gait_result_strides(r, &ns);
        /* the track gives the shipped analysis's strides (its findings' stride times hold) */
        for (int side = 0; side < 2; side++) {
            double t0[64];
            int n = used_starts(a, side, t0, 64), k = 0;
            for (int i = 0; i < ns; i++)
                if ((int)st[i].side == side && st[i].used) {
                    CHECK_MSG(k < n && fabs(st[i].t0_s - t0[k]) < 1e-3,
                              "side %d stride %d at %.4f s, the analysis's at %.4f", side, k,
                              st[i].t0_s, k < n ? t0[k] : NAN);
                    k++;
                }
            CHECK_EQ_INT(k, n);
        }
        int n = gs_keyframes_choose_for(r, t, findings, kf, 6);
        CHECK_EQ_INT(n, 6);
        for (int i = 0; i < n; i++) {
            const cJSON *shown[3], *top = NULL, *f;
            const char *own = kf[i].side == GS_GAIT_SIDE_LEFT ? "left" : "right";
            int k = gs_keyframe_findings(r, t, findings, &kf[i], shown, 3);
            cJSON_ArrayForEach(f, findings)
            {
                const char *fs = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "side"));
                if (!top && (!strcmp(fs, own) || !strcmp(fs, "both")))
                    top = f;
            }
            CHECK_MSG(k >= 1 && shown[0] == top, "%s %s: names %s, not its side's top finding %s",
                      own, kf[i].phase,
                      k ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(shown[0], "id"))
                        : "nothing",
                      top ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(top, "id"))
                          : "-");
            for (int j = 0; j < k; j++) {
                const char *fs =
                    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(shown[j], "side"));
                CHECK_MSG(!strcmp(fs, own) || !strcmp(fs, "both"), "%s %s key frame names %s", own,
                          kf[i].phase,
                          cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(shown[j], "id")));
            }
            if (kf[i].side == GS_GAIT_SIDE_LEFT)
                CHECK_STR_CONTAINS(
                    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(shown[0], "id")),
                    "stiff_knee_stance.left");
        }
        /* a left finding resting on the right leg's values (a rule's "of": "opposite") holds in
         * a left stride when it holds in the right stride in progress at its middle */
        if (n == 6 && kf[0].stride >= 0 && kf[0].stride < ns) {
            double mid = 0.5 * (st[kf[0].stride].t0_s + st[kf[0].stride].t1_s);
            int in = -1, out = -1;
            for (int i = 0; i < ns; i++)
                if (st[i].side == GS_GAIT_SIDE_RIGHT && st[i].used) {
                    if (st[i].t0_s <= mid && mid < st[i].t1_s)
                        in = i;
                    else if (out < 0)
                        out = i;
                }
            CHECK(in >= 0 && out >= 0);
            for (int c = 0; c < 2 && in >= 0 && out >= 0; c++) {
                char fj[400];
                const cJSON *sh[3];
                snprintf(fj, sizeof(fj),
                         "[{\"id\":\"o.left\",\"title\":\"O\",\"side\":\"left\","
                         "\"evidence\":[{\"metric\":\"pelvic_drop_deg\",\"side\":\"right\","
                         "\"holds_in\":1,\"holds_strides\":[0],\"holds_times\":[%.4f]}]}]",
                         st[c ? out : in].t0_s);
                cJSON *o = cJSON_Parse(fj);
                int k = gs_keyframe_findings(r, t, o, &kf[0], sh, 3);
                CHECK_MSG(k == (c ? 0 : 1), "opposite-leg finding, right stride %s: %d shown",
                          c ? "elsewhere" : "in progress", k);
                cJSON_Delete(o);
            }
        }
        /* a key frame made by hand (stride -1) finds its stride from its frame's time */
        if (n == 6) {
            gs_keyframe h = kf[3];
            const cJSON *s1[3], *s2[3];
            h.stride = -1;
            int k1 = gs_keyframe_findings(r, t, findings, &kf[3], s1, 3);
            int k2 = gs_keyframe_findings(r, t, findings, &h, s2, 3);
            CHECK_EQ_INT(k2, k1);
            for (int j = 0; j < k1 && j < k2; j++)
                CHECK(s1[j] == s2[j]);
        }
    }
    cJSON_Delete(a);
    gs_gait_result_free(&r);
    gs_pose_track_free(&t);
}

static void series_chart_keeps_its_dates_inside(void)
{
    static const char *const dates[3] = {"2026-12-01", "2026-12-08", "2026-12-15"};
    const double left[3] = {250, NAN, 240}, right[3] = {260, 255, 250};
    gs_html_buf b = {0};
    gs_html_series_svg(&b, "Contact <time>", "ms", 3, dates, left, right);
    CHECK(b.p != NULL && !b.oom);
    if (!b.p)
        return;
    HAS(b.p, "Contact &lt;time&gt;");
    LACKS(b.p, "<time>");
    /* the first date centred on x 48 (35 px either side fits), the last ending at x 628 */
    HAS(b.p, "<text x=\"48.0\" y=\"208.0\" text-anchor=\"middle\" fill=\"#5b6470\">"
             "2026-12-01</text>");
    HAS(b.p, "<text x=\"628.0\" y=\"208.0\" text-anchor=\"end\" fill=\"#5b6470\">"
             "2026-12-15</text>");
    CHECK_EQ_INT(count_of(b.p, "text-anchor=\"middle\""), 2);
    /* left has a gap: two one-point polylines; right one line through three points */
    CHECK_EQ_INT(count_of(b.p, "<polyline"), 3);
    CHECK_EQ_INT(count_of(b.p, "<circle"), 5);
    free(b.p);
    /* 45 sessions: every sixth date and the last, none within 110 units of the last (the
     * 43rd, centred at x 601.6, ran into the last one, which ends at x 628) */
    char days[45][11];
    const char *dl[45];
    double v[45];
    for (int i = 0; i < 45; i++) {
        snprintf(days[i], sizeof(days[i]), "2026-%02d-%02d", 1 + i / 4, 1 + i % 4 * 7);
        dl[i] = days[i];
        v[i] = 150 + i % 9;
    }
    gs_html_buf c = {0};
    gs_html_series_svg(&c, "Cadence", "steps/min", 45, dl, v, NULL);
    CHECK(c.p != NULL && !c.oom);
    if (!c.p)
        return;
    CHECK_EQ_INT(count_of(c.p, "text-anchor=\"middle\""), 6); /* sessions 1, 7, ..., 31 */
    HAS(c.p, ">2026-08-15</text>");                             /* the 31st, x 443.5 */
    LACKS(c.p, ">2026-10-01</text>");                            /* the 37th, x 522.5 */
    LACKS(c.p, ">2026-11-15</text>");                            /* the 43rd */
    HAS(c.p, "text-anchor=\"end\" fill=\"#5b6470\">2026-12-01</text>");
    free(c.p);
}

/*
 * The curve plots' two rows of text under the plot area, the x labels (0 ... 100) and the axis
 * title, and the lowest y label, stay a line apart at the phone stylesheet's plot font (read
 * from the CSS, ".plot svg{font-size:...}"): at 390 px the title ran into the labels and the
 * lowest y label ("-10") met the "0" in the corner (walk_front_cane_01, every clip's curves).
 */
static void curve_plot_text_rows_clear_each_other_at_phone_font(void)
{
    const char *css = gs_report_css(), *q = strstr(css, ".plot svg{font-size:"), *t;
    double font = q ? atof(q + strlen(".plot svg{font-size:")) : NAN;
    double vb_w = NAN, vb_h = NAN, x_row = NAN, title = NAN, y_low = -INFINITY;
    int n_x = 0, n_title = 0;
    gs_html_plot p;
    gs_html_buf b = {0};
    CHECK_MSG(isfinite(font) && font >= 12, "phone plot font %g", font);
    CHECK(gs_html_plot_fit(&p, -8.7, 83.4, INFINITY, -INFINITY)); /* -20 ... 100 by 20 */
    gs_html_plot_begin(&b, &p, "knee flexion");
    gs_html_plot_axes(&b, &p);
    gs_html_plot_end(&b, &p);
    CHECK(b.p != NULL && !b.oom);
    if (!b.p || !isfinite(font))
        return;
    CHECK(sscanf(b.p, "<svg viewBox=\"0 0 %lf %lf\"", &vb_w, &vb_h) == 2);
    for (t = b.p; (t = strstr(t, "<text x=\"")); t++) {
        double x, y;
        char anchor[16], body[64];
        if (sscanf(t, "<text x=\"%lf\" y=\"%lf\" text-anchor=\"%15[a-z]\" fill=\"#5b6470\">%63[^<]",
                   &x, &y, anchor, body) != 4)
            continue;
        if (!strcmp(anchor, "end")) {
            y_low = fmax(y_low, y);
        } else if (!strncmp(body, "% of stride", 11)) {
            title = y;
            n_title++;
        } else {
            CHECK_MSG(n_x == 0 || y == x_row, "x label %s at y %g, others at %g", body, y, x_row);
            x_row = y;
            n_x++;
        }
    }
    CHECK_EQ_INT(n_x, 6);
    CHECK_EQ_INT(n_title, 1);
    CHECK_NEAR(y_low, p.y_bottom + 4, 1e-9); /* the "-10" */
    /* the x labels' tops (about 0.75 font above the baseline) below the plot area; a line
     * (1.2 font) from the labels to the title; the title's descenders inside the picture */
    CHECK_MSG(x_row - 0.75 * font > p.y_bottom, "x labels %g, axis %g", x_row, p.y_bottom);
    CHECK_MSG(title - x_row >= 1.2 * font, "title %g, x labels %g, font %g", title, x_row, font);
    CHECK_MSG(title + 0.25 * font <= vb_h, "title %g, picture %g", title, vb_h);
    /* the corner: the "0" under the "-10" by a font's height */
    CHECK_MSG(x_row - y_low >= font, "x labels %g, lowest y label %g, font %g", x_row, y_low, font);
    free(b.p);
}

static void unwritable_path_is_an_io_error_naming_it(const char *dir)
{
    char path[2048];
    gs_error err = {0};
    cJSON *a = cJSON_Parse(too_few_json);
    snprintf(path, sizeof(path), "%s/no/such/dir/report.html", dir);
    CHECK_EQ_INT(gs_report_write_html(path, a, NULL, &err), GS_ERR_IO);
    CHECK_MSG(strstr(err.msg, "no/such/dir/report.html") != NULL, "message: %s", err.msg);
    CHECK_EQ_INT(gs_report_write_html(NULL, a, NULL, &err), GS_ERR_ARG);
    cJSON_Delete(a);
}

/* ---- headless Chromium ---- */

static int have_chromium(void)
{
    return system("command -v chromium >/dev/null 2>&1") == 0;
}

/* Width and height from a PNG's IHDR; 0 when the file is not a PNG. */
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

/* ---- key frames cropped around the body ---- */

/* A made runner (treadmill: it stays near the picture's centre) px_per_m px per metre on a w x h
 * frame, analysed, with its six key frames; 0 when that fails. */
static int made_keyframes(double px_per_m, int w, int h, double duration_s, gs_pose_track **t,
                          gs_gait_result **r, gs_keyframe kf[6])
{
    gs_gen_params p;
    gs_gait_options gopt = {0};
    gs_error err = {0};
    gs_gen_defaults(&p);
    p.px_per_m = px_per_m;
    p.width = w;
    p.height = h;
    p.duration_s = duration_s;
    *t = NULL;
    *r = NULL;
    CHECK_EQ_INT(gs_gen_track(&p, t, &err), GS_OK);
    if (*t)
        CHECK_MSG(gs_gait_analyze(*t, &gopt, r, &err) == GS_OK, "gait: %s", err.msg);
    int n = *r ? gs_keyframes_choose(*r, *t, kf, 6) : 0;
    CHECK_EQ_INT(n, 6);
    return n == 6;
}

/* Moves every landmark of t by (dx, dy) px. */
static void shift_track(gs_pose_track *t, float dx, float dy)
{
    for (int32_t f = 0; f < t->n_frames; f++)
        for (int k = 0; k < GS_POSE_NKP; k++) {
            t->frames[f].kp[k].x += dx;
            t->frames[f].kp[k].y += dy;
        }
}

/* The landmarks' box of frame f: x0, y0, x1, y1. */
static void landmark_box(const gs_pose_frame *f, float b[4])
{
    b[0] = b[1] = 1e30f;
    b[2] = b[3] = -1e30f;
    for (int k = 0; k < GS_POSE_NKP; k++) {
        b[0] = fminf(b[0], f->kp[k].x);
        b[1] = fminf(b[1], f->kp[k].y);
        b[2] = fmaxf(b[2], f->kp[k].x);
        b[3] = fmaxf(b[3], f->kp[k].y);
    }
}

/*
 * The box a key frame shows (gs_keyframe_crops), on made runners on a 1920x1080 frame (drawing
 * scale 1.5). A far runner (150 px/m, 262 px tall): every key frame cropped, one box size for all
 * six, under a third of the frame's width and half its height, each box centred on its body and
 * holding every landmark with room for a real angle label beside it ("ankle -12", 10 px per
 * scale unit from the joint: 137 px here), for the hair above the eyes (7 % of the landmarks'
 * height) and for the IC/TO label under the foot (26 px per scale unit + its box); scaled up 2x
 * with the caption strip below. Moved against the left, right and bottom edges: the boxes are
 * clamped there and still hold the body. A frame without landmarks keeps the whole frame, the
 * others their box. A near runner (500 px/m, 875 px of 1080) keeps the whole frame.
 */
static void keyframe_crop_boxes_fit_the_body(void)
{
    const int32_t W = 1920, H = 1080;
    const float s = 1.5f;
    int32_t lw = 0, lh = 0;
    gs_cv_text_size("ankle -12", 0.55f * s, 1, &lw, &lh);
    const float side = (float)lw + 10 * s + 3, below = 26 * s + 4;
    for (int c = 0; c < 4; c++) {
        gs_pose_track *t = NULL;
        gs_gait_result *r = NULL;
        gs_keyframe kf[6];
        gs_keyframe_crop cr[6];
        if (!made_keyframes(150, W, H, 10, &t, &r, kf)) {
            gs_gait_result_free(&r);
            gs_pose_track_free(&t);
            return;
        }
        float all[4] = {1e30f, 1e30f, -1e30f, -1e30f}, b[4];
        for (int32_t f = 0; f < t->n_frames; f++) {
            landmark_box(&t->frames[f], b);
            all[0] = fminf(all[0], b[0]);
            all[1] = fminf(all[1], b[1]);
            all[2] = fmaxf(all[2], b[2]);
            all[3] = fmaxf(all[3], b[3]);
        }
        /* 0 centred, 1 against the left edge, 2 against the right and bottom edges, 3 centred
         * with no landmarks on the third key frame */
        if (c == 1)
            shift_track(t, 4 - all[0], 0);
        if (c == 2)
            shift_track(t, (float)W - 4 - all[2], (float)H - 4 - all[3]);
        if (c == 3)
            t->frames[kf[2].frame].has_kp = 0;
        gs_keyframe_crops(t, kf, 6, W, H, 0, cr);
        int at_left = 0, at_right = 0, at_bottom = 0;
        for (int i = 0; i < 6; i++) {
            fprintf(stderr,
                    "crop case %d key frame %d: whole %d box %d,%d %dx%d -> %dx%d, png %dx%d\n", c,
                    i, cr[i].whole, cr[i].x0, cr[i].y0, cr[i].w, cr[i].h, cr[i].out_w, cr[i].out_h,
                    cr[i].png_w, cr[i].png_h);
            if (c == 3 && i == 2) {
                CHECK_EQ_INT(cr[i].whole, 1);
                CHECK(cr[i].x0 == 0 && cr[i].y0 == 0 && cr[i].w == W && cr[i].h == H);
                CHECK(cr[i].png_w == W && cr[i].png_h == H);
                continue;
            }
            CHECK_EQ_INT(cr[i].whole, 0);
            /* one size for all six */
            CHECK_EQ_INT(cr[i].w, cr[0].w);
            CHECK_EQ_INT(cr[i].h, cr[0].h);
            CHECK_MSG(cr[i].w < W / 3 && cr[i].h < H / 2,
                      "box %dx%d is not much smaller than %dx%d", cr[i].w, cr[i].h, W, H);
            CHECK_MSG(cr[i].w >= 0.75 * cr[i].h - 1 && cr[i].h >= 0.75 * cr[i].w - 1,
                      "box %dx%d: aspect beyond 3:4..4:3", cr[i].w, cr[i].h);
            CHECK(cr[i].x0 >= 0 && cr[i].y0 >= 0 && cr[i].x0 + cr[i].w <= W &&
                  cr[i].y0 + cr[i].h <= H);
            /* scaled up 2x; the caption strip below */
            CHECK_EQ_INT(cr[i].out_w, 2 * cr[i].w);
            CHECK_EQ_INT(cr[i].out_h, 2 * cr[i].h);
            CHECK_EQ_INT(cr[i].png_w, cr[i].out_w);
            CHECK_MSG(cr[i].png_h - cr[i].out_h >= 30 && cr[i].png_h - cr[i].out_h <= 80,
                      "caption strip %d px", cr[i].png_h - cr[i].out_h);
            landmark_box(&t->frames[kf[i].frame], b);
            float bh = b[3] - b[1];
            if (c == 0 || c == 3) {
                /* room for a label on either side, the hair above, the IC/TO label below */
                CHECK_MSG(b[0] - (float)cr[i].x0 >= side &&
                              (float)(cr[i].x0 + cr[i].w) - b[2] >= side,
                          "key frame %d: landmarks %.0f..%.0f in box %d..%d, labels need %.0f px",
                          i, b[0], b[2], cr[i].x0, cr[i].x0 + cr[i].w, side);
                CHECK_MSG(b[1] - (float)cr[i].y0 >= 0.07f * bh &&
                              (float)(cr[i].y0 + cr[i].h) - b[3] >= below,
                          "key frame %d: landmarks %.0f..%.0f in box %d..%d", i, b[1], b[3],
                          cr[i].y0, cr[i].y0 + cr[i].h);
                /* centred on its own body */
                CHECK_NEAR(cr[i].x0 + 0.5 * cr[i].w, 0.5 * (b[0] + b[2]), 1.0);
            } else {
                /* clamped: the body is still inside */
                CHECK(b[0] >= (float)cr[i].x0 && b[2] <= (float)(cr[i].x0 + cr[i].w));
                CHECK(b[1] >= (float)cr[i].y0 && b[3] <= (float)(cr[i].y0 + cr[i].h));
            }
            at_left += cr[i].x0 == 0;
            at_right += cr[i].x0 + cr[i].w == W;
            at_bottom += cr[i].y0 + cr[i].h == H;
        }
        if (c == 1)
            CHECK_MSG(at_left == 6, "%d of 6 boxes clamped at the left edge", at_left);
        if (c == 2)
            CHECK_MSG(at_right == 6 && at_bottom == 6, "%d, %d of 6 boxes at the right, bottom",
                      at_right, at_bottom);
        gs_gait_result_free(&r);
        gs_pose_track_free(&t);
    }
    for (int c = 0; c < 2; c++) {
        /* 0: a near runner on the landscape frame (500 px/m, 875 px of 1080): a box of under
         * half the frame's width, scaled up to the frame's area (2x would be larger);
         * 1: a treadmill runner filling a portrait phone picture (900 px/m on 1080x1920) */
        gs_pose_track *t = NULL;
        gs_gait_result *r = NULL;
        gs_keyframe kf[6];
        gs_keyframe_crop cr[6];
        const int32_t w = c ? H : W, h = c ? W : H;
        if (made_keyframes(c ? 900 : 500, w, h, 10, &t, &r, kf)) {
            gs_keyframe_crops(t, kf, 6, w, h, 0, cr);
            for (int i = 0; i < 6; i++) {
                fprintf(stderr,
                        "near case %d key frame %d: whole %d box %d,%d %dx%d -> %dx%d, png %dx%d\n",
                        c, i, cr[i].whole, cr[i].x0, cr[i].y0, cr[i].w, cr[i].h, cr[i].out_w,
                        cr[i].out_h, cr[i].png_w, cr[i].png_h);
                if (c == 0) {
                    float b[4];
                    landmark_box(&t->frames[kf[i].frame], b);
                    CHECK_EQ_INT(cr[i].whole, 0);
                    CHECK(cr[i].w < W / 2 && cr[i].h <= H);
                    CHECK(b[0] >= (float)cr[i].x0 && b[2] <= (float)(cr[i].x0 + cr[i].w));
                    CHECK(b[1] >= (float)cr[i].y0 && b[3] <= (float)(cr[i].y0 + cr[i].h));
                    CHECK(2 * cr[i].w > cr[i].out_w && cr[i].out_h <= W);
                    CHECK((double)cr[i].out_w * cr[i].out_h <= (double)W * H);
                    CHECK((double)cr[i].out_w * cr[i].out_h >= 0.99 * W * H);
                    continue;
                }
                CHECK_EQ_INT(cr[i].whole, 1);
                CHECK(cr[i].x0 == 0 && cr[i].y0 == 0 && cr[i].w == w && cr[i].h == h);
                CHECK(cr[i].out_w == w && cr[i].out_h == h && cr[i].png_w == w && cr[i].png_h == h);
            }
        }
        gs_gait_result_free(&r);
        gs_pose_track_free(&t);
    }
}

/* 1 if a pixel within 3 px of (x, y) of rgb (w x h) is coloured (the skeleton's orange or blue,
 * also where a label's translucent box lies over it; the made clip is grey). */
static int coloured_near(const uint8_t *rgb, int32_t w, int32_t h, float x, float y)
{
    for (int dy = -3; dy <= 3; dy++)
        for (int dx = -3; dx <= 3; dx++) {
            int32_t px = (int32_t)lroundf(x) + dx, py = (int32_t)lroundf(y) + dy;
            if (px < 0 || py < 0 || px >= w || py >= h)
                continue;
            const uint8_t *q = rgb + ((size_t)py * (size_t)w + (size_t)px) * 3;
            int mx = q[0] > q[1] ? (q[0] > q[2] ? q[0] : q[2]) : (q[1] > q[2] ? q[1] : q[2]);
            int mn = q[0] < q[1] ? (q[0] < q[2] ? q[0] : q[2]) : (q[1] < q[2] ? q[1] : q[2]);
            if (mx - mn > 60) /* 60: a line under a label's translucent box */
                return 1;
        }
    return 0;
}

/*
 * The key frames written for a far runner over a grey clip (1920x1080): each PNG has the crop's
 * size (the box scaled 2x plus the caption strip); the skeleton sits where the landmarks map
 * (the middle of each thigh and shank, moved by the box and scaled, is on a coloured line);
 * nothing drawn is cut at the picture's edges (its outer 2 px are the clip's grey: the margins
 * hold the labels and marks); the strip below is black with white text; the contact sheet is
 * three tiles 360 px high per row.
 */
static void keyframe_pngs_show_the_cropped_body(const char *dir)
{
    gs_pose_track *t = NULL;
    gs_gait_result *r = NULL;
    gs_keyframe kf[6];
    gs_keyframe_crop cr[6];
    gs_overlay_options oo = {0};
    gs_error err = {0};
    char clip[1200], cmd[3000], raw[1200], kdir[1200], sheet[1300];
    const int32_t W = 1920, H = 1080;
    snprintf(clip, sizeof(clip), "%s/grey_crop.mp4", dir);
    snprintf(cmd, sizeof(cmd),
             "ffmpeg -v error -y -f lavfi -i color=c=0x808080:s=%dx%d:r=60:d=4 -c:v libx264 "
             "-preset ultrafast -pix_fmt yuv420p '%s'",
             W, H, clip);
    if (gs_test_sh(cmd) != 0) {
        CHECK_MSG(0, "ffmpeg CLI (lavfi, libx264; scripts/setup.sh installs it) needed to make "
                     "the grey clip");
        return;
    }
    if (!made_keyframes(150, W, H, 4, &t, &r, kf))
        goto done;
    gs_keyframe_crops(t, kf, 6, W, H, 0, cr);
    snprintf(kdir, sizeof(kdir), "%s/crop_keyframes", dir);
    snprintf(sheet, sizeof(sheet), "%s/contact_sheet.png", kdir);
    oo.keyframes = kf;
    oo.n_keyframes = 6;
    oo.keyframe_dir = kdir;
    oo.contact_sheet_path = sheet;
    CHECK_MSG(gs_overlay_render(clip, t, r, NULL, &oo, NULL, &err) == GS_OK, "overlay: %s",
              err.msg);
    snprintf(raw, sizeof(raw), "%s/crop.rgb", dir);
    for (int i = 0; i < 6; i++) {
        uint32_t pw = 0, ph = 0;
        long bytes = 0;
        CHECK_EQ_INT(cr[i].whole, 0);
        CHECK_MSG(png_size(kf[i].path, &pw, &ph, &bytes), "%s is not a PNG", kf[i].path);
        CHECK_EQ_INT((int32_t)pw, cr[i].png_w);
        CHECK_EQ_INT((int32_t)ph, cr[i].png_h);
        snprintf(cmd, sizeof(cmd), "ffmpeg -v error -y -i '%s' -pix_fmt rgb24 -f rawvideo '%s'",
                 kf[i].path, raw);
        CHECK_EQ_INT(gs_test_sh(cmd), 0);
        size_t npx = (size_t)pw * (size_t)ph;
        uint8_t *px = malloc(npx * 3);
        FILE *f = fopen(raw, "rb");
        int ok = f && px && fread(px, 3, npx, f) == npx && (int32_t)pw == cr[i].png_w &&
                 (int32_t)ph == cr[i].png_h;
        if (f)
            fclose(f);
        CHECK_MSG(ok, "%s: cannot read its pixels", kf[i].path);
        if (ok) {
            const gs_kp *kp = t->frames[kf[i].frame].kp;
            const double z = (double)cr[i].out_w / cr[i].w;
            long edge = 0, white = 0;
            double strip_sum = 0;
            /* thigh (hip-knee) and shank (knee-ankle), both sides */
            static const int seg[4][2] = {{23, 25}, {24, 26}, {25, 27}, {26, 28}};
            for (int k = 0; k < 4; k++) {
                float x = (float)((0.5 * (kp[seg[k][0]].x + kp[seg[k][1]].x) - cr[i].x0) * z);
                float y = (float)((0.5 * (kp[seg[k][0]].y + kp[seg[k][1]].y) - cr[i].y0) * z);
                CHECK_MSG(coloured_near(px, (int32_t)pw, (int32_t)ph, x, y),
                          "%s: no skeleton at (%.0f, %.0f), the middle of segment %d-%d",
                          kf[i].path, x, y, seg[k][0], seg[k][1]);
            }
            for (int32_t y = 0; y < cr[i].out_h; y++)
                for (int32_t x = 0; x < cr[i].out_w; x++) {
                    if (x >= 2 && y >= 2 && x < cr[i].out_w - 2 && y < cr[i].out_h - 2)
                        continue;
                    const uint8_t *q = px + ((size_t)y * pw + (size_t)x) * 3;
                    edge += abs(q[0] - 128) > 24 || abs(q[1] - 128) > 24 || abs(q[2] - 128) > 24;
                }
            CHECK_MSG(edge == 0, "%s: %ld drawn pixels on the picture's edge (cut by the box)",
                      kf[i].path, edge);
            for (size_t j = (size_t)cr[i].out_h * pw; j < npx; j++) {
                const uint8_t *q = px + j * 3;
                strip_sum += (q[0] + q[1] + q[2]) / 3.0;
                white += q[0] > 200 && q[1] > 200 && q[2] > 200;
            }
            strip_sum /= (double)(npx - (size_t)cr[i].out_h * pw);
            CHECK_MSG(strip_sum < 40 && white > 300,
                      "%s: caption strip mean %.0f, %ld white pixels", kf[i].path, strip_sum,
                      white);
        }
        free(px);
    }
    {
        uint32_t sw = 0, sh = 0;
        long bytes = 0;
        int32_t tw = (int32_t)lround(360.0 * cr[0].png_w / cr[0].png_h) & ~1;
        CHECK_MSG(png_size(sheet, &sw, &sh, &bytes), "%s is not a PNG", sheet);
        CHECK_EQ_INT((int32_t)sw, 3 * tw + 16);
        CHECK_EQ_INT((int32_t)sh, 2 * 360 + 12);
    }
done:
    gs_gait_result_free(&r);
    gs_pose_track_free(&t);
}

/* Runs chromium headless on file url with extra args; stdout/stderr to the given files. */
static int run_chromium(const char *dir, const char *args, const char *url, const char *out,
                        const char *errf)
{
    char cmd[8192];
    snprintf(cmd, sizeof(cmd),
             "prof=$(mktemp -d) && timeout 120 chromium --headless --no-sandbox --disable-gpu "
             "--disable-quic --no-first-run --disable-background-networking "
             "--disable-component-update --disable-sync --user-data-dir=\"$prof\" %s "
             "'file://%s' >'%s/%s' 2>'%s/%s'; rc=$?; rm -rf \"$prof\"; exit $rc",
             args, url, dir, out, dir, errf);
    return system(cmd);
}

static void chromium_renders_the_report(const char *dir)
{
    char page[2048], path[2048], args[2400];
    const int widths[2] = {1280, 390};
    cJSON *a = side_run_analysis();
    char *dom, *log;

    snprintf(path, sizeof(path), "%s/keyframes", dir);
    CHECK_EQ_INT(gs_mkdir_p(path, NULL), GS_OK);
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, kf_hrefs[i]);
        CHECK_EQ_INT(gs_file_write_all(path, tiny_png, sizeof(tiny_png), NULL), GS_OK);
    }
    snprintf(path, sizeof(path), "%s/keyframes/contact_sheet.png", dir);
    CHECK_EQ_INT(gs_file_write_all(path, tiny_png, sizeof(tiny_png), NULL), GS_OK);
    snprintf(page, sizeof(page), "%s/report_browser.html", dir);
    write_side_run(page, a);
    cJSON_Delete(a);

    /* the DOM as Chromium parsed it, and its console (any message is a fault: no scripts) */
    CHECK_EQ_INT(run_chromium(dir, "--enable-logging=stderr --v=0 --dump-dom", page,
                              "chromium_dom.html", "chromium_dom.log"),
                 0);
    snprintf(path, sizeof(path), "%s/chromium_dom.html", dir);
    dom = gs_test_read_text(path);
    HAS(dom, "Metrics per side");
    HAS(dom, "Less knee flexion in stance on the right");
    HAS(dom, "<svg");
    LACKS(dom, "<script");
    free(dom);
    snprintf(path, sizeof(path), "%s/chromium_dom.log", dir);
    log = gs_test_read_text(path);
    LACKS(log, ":CONSOLE");
    free(log);

    for (int k = 0; k < 2; k++) {
        uint32_t w, h;
        long bytes;
        char shot[64];
        snprintf(shot, sizeof(shot), "report_%d.png", widths[k]);
        snprintf(path, sizeof(path), "%s/%s", dir, shot);
        remove(path);
        snprintf(args, sizeof(args), "--hide-scrollbars --screenshot='%s' --window-size=%d,2000",
                 path, widths[k]);
        CHECK_EQ_INT(run_chromium(dir, args, page, "chromium_shot.out", "chromium_shot.log"), 0);
        CHECK_MSG(png_size(path, &w, &h, &bytes), "%s is not a PNG", path);
        CHECK_EQ_INT(w, widths[k]);
        CHECK_EQ_INT(h, 2000);
        /* a blank 1280x2000 page compresses to a few kB; the report is far larger */
        CHECK_MSG(bytes > 40000, "%s: only %ld bytes, the page looks empty", path, bytes);
        fprintf(stderr, "chromium: %s %ux%u, %ld bytes\n", path, w, h, bytes);
    }
}

/* The quality notes in a coach's order: the view, the frame rate, too few strides, then what
 * else limits the numbers (a damaged file, feet out of the picture, in the producers' order),
 * how lengths were measured, and the OpenSim file's note last (it opened the list before). */
static void quality_notes_put_what_limits_the_numbers_first(const char *dir)
{
    static const char *const order[] = {
        "The camera view was hard to tell",
        "At 30 frames/s, contact and toe-off times",
        "Only 1 left and 1 right strides were usable",
        "truncated video: 8.00 s decodable",
        "feet out of the picture (past its edge)",
        "the tracker lost a foot on 21 of 301 frames",
        "no body height or other scale given",
        "pose.trc (for OpenSim): no body height given",
    };
    cJSON *a = side_run_analysis(), *src, *w, *n;
    char path[2048];
    char *h;
    const char *box, *end, *prev = NULL;
    if (!a)
        return;
    src = cJSON_GetObjectItem(a, "source");
    cJSON_ReplaceItemInObject(src, "frames", cJSON_CreateNumber(301)); /* 30 fps over 10 s */
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(a, "view"), "confidence",
                              cJSON_CreateNumber(0.55));
    /* the producers' order: the OpenSim note first (analyze.c adds it before others) */
    w = cJSON_AddArrayToObject(a, "warnings");
    cJSON_AddItemToArray(w, cJSON_CreateString("pose.trc (for OpenSim): no body height given, its "
                                               "metres assume 1.70 m"));
    cJSON_AddItemToArray(w, cJSON_CreateString("truncated video: 8.00 s decodable of the 10.00 s "
                                               "the file states"));
    n = cJSON_GetObjectItem(a, "notes");
    cJSON_DeleteItemFromArray(n, 0);
    cJSON_AddItemToArray(n, cJSON_CreateString("no body height or other scale given, so lengths "
                                               "are in leg lengths"));
    cJSON_AddItemToArray(n, cJSON_CreateString("feet out of the picture (past its edge) from frame "
                                               "40: left on 12, right on 9 frames"));
    cJSON_AddItemToArray(n, cJSON_CreateString("the tracker lost a foot on 21 of 301 frames"));
    snprintf(path, sizeof(path), "%s/report_note_order.html", dir);
    write_side_run(path, a);
    h = gs_test_read_text(path);
    box = h ? strstr(h, "<strong>Quality notes</strong>") : NULL;
    end = box ? strstr(box, "</ul></div>") : NULL;
    CHECK(box != NULL && end != NULL);
    for (size_t i = 0; box && end && i < sizeof(order) / sizeof(order[0]); i++) {
        const char *at = strstr(box, order[i]);
        CHECK_MSG(at && at < end, "quality notes lack: %s", order[i]);
        CHECK_MSG(!at || !prev || at > prev, "quality note out of order: %s", order[i]);
        if (at)
            prev = at;
    }
    free(h);
    cJSON_Delete(a);
}

int main(int argc, char **argv)
{
    char dir[1024];
    const char *scratch = argc > 2 ? argv[2] : "/tmp";
    char cwd[512] = "";
    /* absolute, so that the file:// URLs given to Chromium are valid */
    if (scratch[0] != '/' && !getcwd(cwd, sizeof(cwd))) {
        fprintf(stderr, "getcwd failed\n");
        return 1;
    }
    snprintf(dir, sizeof(dir), "%s%s%.400s/report_html", cwd, cwd[0] ? "/" : "", scratch);
    if (gs_mkdir_p(dir, NULL) != GS_OK) {
        fprintf(stderr, "cannot create %s\n", dir);
        return 1;
    }
    report_shows_metrics_si_lights_and_sources(dir);
    report_si_light_within_event_uncertainty(dir);
    report_shows_findings_as_hypotheses(dir);
    findings_on_the_far_side_say_so(dir);
    media_labels_are_explained(dir);
    signed_metrics_say_which_way_is_plus(dir);
    walk_legend_has_no_reference_lights(dir);
    curves_mention_reference_boxes_only_when_drawn(dir);
    methods_say_how_the_person_was_chosen(dir);
    angle_difference_with_one_stride_uses_the_other_sides_sd(dir);
    keyframe_note_says_which_stride_each_side_shows(dir);
    slow_motion_clip_says_how_long_the_video_plays(dir);
    hostile_strings_are_escaped(dir);
    failed_analysis_still_gives_a_report_that_says_why(dir);
    quality_notes_put_what_limits_the_numbers_first(dir);
    report_reads_what_the_gait_stage_writes(dir);
    keyframe_captions_give_the_views_angles();
    overlay_labels_stay_apart_and_inside();
    overlay_labels_all_clear_each_other();
    overlay_labels_apart_on_whole_tracks(scratch);
    finding_banner_is_white_on_red(dir);
    sample_key_frames_show_their_sides_findings(scratch);
    keyframe_crop_boxes_fit_the_body();
    keyframe_pngs_show_the_cropped_body(dir);
    series_chart_keeps_its_dates_inside();
    curve_plot_text_rows_clear_each_other_at_phone_font();
    unwritable_path_is_an_io_error_naming_it(dir);
    if (!have_chromium()) {
        fprintf(stderr, "skip: chromium not installed (scripts/setup.sh --test installs it); "
                        "browser rendering not checked\n");
        return gs_test_finish("report_html", 1);
    }
    chromium_renders_the_report(dir);
    return gs_test_finish("report_html", 0);
}
