/*
 * comparison.html: the before/after page a therapist reads after a session. Self-contained
 * (inline CSS and SVG, no script, no network), with report.html's stylesheet (report.h), so the
 * two pages look alike and read on a phone. Every string from the inputs is HTML-escaped.
 *
 * Order: what changed for real (the answer first), how to read the verdicts, comparability with
 * both values, the metric table, symmetry, the curves with the phases that differ shaded, the
 * findings resolved / persisting / new with the homework, the side-by-side clip, and the methods
 * with their sources.
 */
#include "compare_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "html.h"
#include "report.h"

/* Page-specific additions to report.html's stylesheet. */
static const char extra_css[] =
    ".nw{white-space:nowrap}"
    ".vd{display:inline-block;font-size:.75rem;font-weight:600;padding:1px 8px;"
    "border-radius:99px;white-space:nowrap}"
    ".vd.real{background:#1f6f43;color:#fff}"
    ".vd.noise{background:#e8ebef;color:#35404c}"
    ".vd.nc{background:#fff;color:#7a5b00;border:1px dashed #c9a227}"
    ".vd.ct{background:#fff;color:#5a3e8a;border:1px dashed #8c6bc8}"
    "tr.real td{background:#eef7f1}tr.real td:first-child{background:#eef7f1}"
    "table.mt tr.real{background:#eef7f1}"
    ".ok{color:#1a9850;font-weight:600}.bad{color:#b2182b;font-weight:600}"
    ".unk{color:#8a6d00}"
    ".sw.b{background:#6b7480}.sw.ph{background:#f2c94c;height:10px;opacity:.7}"
    ".two{display:grid;grid-template-columns:1fr 1fr;gap:10px}"
    "@media (max-width:600px){.two{grid-template-columns:1fr}table.mt td.band{grid-column:auto}}"
    ".big{font-size:1.6rem;font-weight:700;line-height:1.1}"
    "ul.chg{margin:6px 0 0;padding-left:20px}ul.chg li{margin:3px 0}"
    ".st-res{color:#1a9850}.st-new{color:#b2182b}.st-per{color:#8a5a00}"
    ".path{word-break:break-all}.cards dd{overflow-wrap:anywhere;min-width:0}"
    ".cards div{min-width:0}"
    ".alert.warn>strong{display:block;margin-bottom:2px}";

struct cpage;
typedef struct cpage {
    gs_html_buf b;
    const gs_comparison *c;
    const gs_compare_output_info *info;
} cpage;

#define P(...) gs_html_printf(&pg->b, __VA_ARGS__)
#define S(s)   gs_html_puts(&pg->b, s)
#define E(s)   gs_html_esc(&pg->b, s)

/* Decimals worth showing for a unit. */
static int decimals(const char *unit)
{
    if (!unit)
        return 2;
    if (!strcmp(unit, "ms"))
        return 0;
    if (!strcmp(unit, "fraction") || !strcmp(unit, "leg lengths"))
        return 3;
    if (!strcmp(unit, "m/s"))
        return 2;
    return 1;
}

static void unit_html(cpage *pg, const char *unit)
{
    if (!unit || !strcmp(unit, "fraction"))
        return;
    if (!strcmp(unit, "deg")) {
        S("&deg;");
        return;
    }
    S(" ");
    E(unit);
}

/* Curve names for people, with the sign convention (DESIGN.md "Conventions"). */
static const struct {
    const char *key, *label, *sign;
} curve_labels[] = {
    {"knee_flexion_deg", "Knee flexion", "+ flexed"},
    {"hip_flexion_deg", "Hip flexion", "+ flexion, &minus; extension"},
    {"thigh_angle_deg", "Thigh angle", "+ knee ahead of hip"},
    {"ankle_dorsiflexion_deg", "Ankle dorsiflexion", "+ dorsiflexed"},
    {"trunk_lean_deg", "Trunk forward lean", "+ forward"},
    {"foot_angle_deg", "Foot angle to ground", "+ toes up"},
    {"shank_angle_deg", "Shank angle", "+ ankle ahead of knee"},
    {"elbow_flexion_deg", "Elbow flexion", "+ flexed"},
    {"shoulder_flexion_deg", "Shoulder flexion", "+ elbow forward"},
    {"pelvic_obliquity_deg", "Pelvic obliquity", "+ this side&rsquo;s hip higher"},
    {"hip_adduction_deg", "Hip adduction", "+ knee toward midline"},
    {"knee_fppa_deg", "Knee frontal-plane angle", "+ medial (valgus)"},
    {"trunk_lateral_lean_deg", "Trunk lateral lean", "+ toward this side"},
    {"knee_flexion_3d_deg", "Knee flexion (3D estimate)", "+ flexed"},
    {"hip_flexion_3d_deg", "Hip flexion (3D estimate)", "+ flexion, &minus; extension"},
    {"elbow_flexion_3d_deg", "Elbow flexion (3D estimate)", "+ flexed"},
};

/* Writes the curve's label (escaped key when unknown); sign receives the convention or NULL. */
static void curve_label(struct cpage *pg, const char *key, const char **sign);

static const char *side_text(gs_compare_side s)
{
    return s == GS_COMPARE_SIDE_LEFT ? "left" : s == GS_COMPARE_SIDE_RIGHT ? "right" : "both";
}

/* "30 fps", "29.97 fps" */
static const char *fps_text(char *buf, size_t n, double fps)
{
    snprintf(buf, n, "%.4g fps", fps);
    return buf;
}

static void verdict_badge(cpage *pg, gs_compare_verdict v)
{
    char t[32];
    if (v == GS_COMPARE_VERDICT_REAL)
        S("<span class=\"vd real\">real</span>");
    else if (v == GS_COMPARE_VERDICT_NOISE)
        S("<span class=\"vd noise\">noise</span>");
    else if (v == GS_COMPARE_VERDICT_CANNOT_TELL)
        P("<span class=\"vd ct\">cannot tell at %s</span>",
          fps_text(t, sizeof(t), gs_comparison_fps(pg->c)));
    else
        S("<span class=\"vd nc\">not comparable</span>");
}

static const char *sess_name(const gs_compare__sess *s)
{
    const char *slash;
    if (s->clip && s->clip[0])
        return s->clip;
    slash = strrchr(s->path, '/');
    return slash && slash[1] ? slash + 1 : s->path;
}

static void curve_label(cpage *pg, const char *key, const char **sign)
{
    for (size_t i = 0; i < sizeof(curve_labels) / sizeof(curve_labels[0]); i++)
        if (!strcmp(curve_labels[i].key, key)) {
            S(curve_labels[i].label);
            if (sign)
                *sign = curve_labels[i].sign;
            return;
        }
    /* a curve this table does not know yet: its key in words, not "x_y_deg" */
    {
        char w[128];
        size_t n = 0;
        for (const char *p = key; *p && n + 1 < sizeof(w); p++)
            w[n++] = *p == '_' ? ' ' : *p;
        w[n] = '\0';
        if (n > 4 && !strcmp(w + n - 4, " deg"))
            w[n - 4] = '\0';
        gs_str_capitalize(w);
        E(w);
    }
    if (sign)
        *sign = NULL;
}

/* The n bytes at s, escaped: in pieces through a small buffer until all n are out, so a text of
 * any length is written whole (a fixed buffer cut a message longer than it, silently). */
static void esc_n(cpage *pg, const char *s, size_t n)
{
    char part[128];
    while (n > 0) {
        size_t k = n < sizeof(part) - 1 ? n : sizeof(part) - 1;
        memcpy(part, s, k);
        part[k] = '\0';
        E(part);
        s += k;
        n -= k;
    }
}

/* Text with "+-" written as a plus-minus sign (the checks' bands are ASCII for the JSON). */
static void esc_pm(cpage *pg, const char *s)
{
    const char *p;
    while (s && (p = strstr(s, "+-")) != NULL) {
        esc_n(pg, s, (size_t)(p - s));
        S("&plusmn;");
        s = p + 2;
    }
    if (s)
        E(s);
}

/* A check's message, with each command-line option ("--contact landmarks" keeps its word) on
 * one line: a phone's narrow column would break it after the dashes. */
static void esc_opts(cpage *pg, const char *s)
{
    const char *p;
    while (s && (p = strstr(s, "--")) != NULL) {
        const char *q = p + 2;
        esc_n(pg, s, (size_t)(p - s));
        while (*q && *q != ' ')
            q++;
        if (*q == ' ') /* the option's value, up to a space, a comma or a bracket */
            for (q++; *q && !strchr(" ,;)", *q);)
                q++;
        S("<span class=\"nw\">");
        esc_n(pg, p, (size_t)(q - p));
        S("</span>");
        s = q;
    }
    if (s)
        E(s);
}

/* A check's name for people, with what it measures when that is not obvious. */
static void check_name(cpage *pg, const char *name)
{
    const char *w = gs_compare_check_words(name);
    char first[2] = {w ? w[0] : 0, 0};
    if (!w || !w[0])
        return;
    gs_str_capitalize(first);
    E(first);
    E(w + 1);
    if (!strcmp(name, "camera_distance"))
        S("<br><small>the leg&rsquo;s length in the picture over the frame height</small>");
    else if (!strcmp(name, "camera_tilt"))
        S("<br><small>the ground line&rsquo;s angle in the picture</small>");
    else if (!strcmp(name, "contact_timing") || !strcmp(name, "toe_off_timing"))
        S("<br><small>from the picture, or from the landmarks</small>");
}

static void write_head(cpage *pg)
{
    const gs_comparison *c = pg->c;
    char when[64] = "";
    time_t now = time(NULL);
    struct tm tmv;
    S("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"color-scheme\" content=\"light\">\n<title>Before/after: ");
    E(sess_name(&c->sess[0]));
    S(" &rarr; ");
    E(sess_name(&c->sess[1]));
    S("</title>\n<style>");
    S(gs_report_css());
    S(extra_css);
    S("</style>\n</head>\n<body>\n<header class=\"top\"><div class=\"in\">\n<h1>Before &rarr; "
      "after</h1>\n<p>");
    E(sess_name(&c->sess[0]));
    S(" &rarr; ");
    E(sess_name(&c->sess[1]));
    if (gmtime_r(&now, &tmv) && strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tmv))
        P(" &middot; %s", when);
    if (pg->info->generated_by) {
        S(" &middot; ");
        E(pg->info->generated_by);
    }
    S("</p>\n<nav class=\"toc\" aria-label=\"sections\"><a href=\"#summary\">Summary</a>"
      "<a href=\"#setup\">Comparability</a><a href=\"#metrics\">Metrics</a>");
    if (c->n_curves > 0)
        S("<a href=\"#curves\">Curves</a>");
    S("<a href=\"#findings\">Findings</a><a href=\"#clip\">Clip</a><a href=\"#methods\">Methods"
      " &amp; sources</a></nav>\n</div></header>\n<main>\n");
}

static void write_alerts(cpage *pg)
{
    const gs_comparison *c = pg->c;
    int n = 0;
    if (gs_comparison_fps_note(c)[0]) {
        /* the frame rate limits what this pair can say: before the verdicts, so that "within
         * noise" is not read as "no change" */
        char t[32];
        P("<div class=\"alert warn\" id=\"frame-rate-limit\"><strong>What %s recordings "
          "cannot tell</strong>",
          fps_text(t, sizeof(t), gs_comparison_fps(c)));
        E(gs_comparison_fps_note(c));
        S("</div>\n");
    }
    int filming = 0;
    for (int i = 0; i < c->n_checks; i++)
        if (c->checks[i].state == GS_COMPARE_CHECK_MISMATCH) {
            n++;
            filming += c->checks[i].scope != GS_COMPARE_SCOPE_CONTACT &&
                       c->checks[i].scope != GS_COMPARE_SCOPE_TOE_OFF &&
                       c->checks[i].scope != GS_COMPARE_SCOPE_REVISED;
        }
    if (n == 0)
        return;
    /* the checks cover the filming (view, frame rate, distance, tilt) and the clips' length
     * (strides per side), so the title names neither; when only the events' timing or a
     * metric's definition (an older gaitscope) differs, the clips are fine and the analyses are
     * not */
    P("<div class=\"alert warn\" id=\"mismatch\"><strong>The two %s are not fully "
      "comparable</strong>Verdicts touched by these differences are <em>not comparable</em>:"
      "<ul>\n",
      filming ? "clips" : "analyses");
    for (int i = 0; i < c->n_checks; i++)
        if (c->checks[i].state == GS_COMPARE_CHECK_MISMATCH &&
            gs_comparison_check_alert(c, i)[0]) { /* both timings: one line */
            S("<li>");
            esc_opts(pg, gs_comparison_check_alert(c, i));
            S("</li>\n");
        }
    S("</ul></div>\n");
}

static void write_summary(cpage *pg)
{
    const gs_comparison *c = pg->c;
    int counts[GS_COMPARE_VERDICT_COUNT], shown = 0;
    char t1[32], t2[32], t3[32];
    gs_comparison_counts(c, counts);
    S("<section id=\"summary\"><h2>What changed</h2>\n<dl class=\"cards\">\n");
    for (int k = 0; k < 2; k++) {
        const gs_compare__sess *s = &c->sess[k];
        P("<div><dt>%s</dt><dd>", k ? "After" : "Before");
        E(sess_name(s));
        S("<br><small>");
        E(s->view);
        S(", ");
        E(s->activity);
        P(", %d + %d strides<br><span class=\"path\">", s->strides_used[0], s->strides_used[1]);
        E(s->path);
        S("</span>");
        S("</small></dd></div>\n");
    }
    P("<div><dt>Real changes</dt><dd class=\"big\">%d</dd></div>\n",
      counts[GS_COMPARE_VERDICT_REAL]);
    P("<div><dt>Within noise</dt><dd class=\"big\">%d</dd></div>\n",
      counts[GS_COMPARE_VERDICT_NOISE]);
    if (counts[GS_COMPARE_VERDICT_CANNOT_TELL] > 0)
        P("<div><dt>Cannot tell at %s</dt><dd class=\"big\">%d</dd></div>\n",
          fps_text(t1, sizeof(t1), gs_comparison_fps(c)), counts[GS_COMPARE_VERDICT_CANNOT_TELL]);
    P("<div><dt>Not comparable</dt><dd class=\"big\">%d</dd></div>\n",
      counts[GS_COMPARE_VERDICT_NOT_COMPARABLE]);
    S("</dl>\n");
    for (int i = 0; i < c->n_rows; i++) {
        const gs_compare_row *r = &c->rows[i];
        int dec = decimals(r->unit);
        if (r->verdict != GS_COMPARE_VERDICT_REAL)
            continue;
        if (!shown)
            S("<p style=\"margin:12px 0 0\"><b>Real changes</b> (beyond the minimal change and "
              "the runner&rsquo;s own stride-to-stride variation):</p><ul class=\"chg\">\n");
        shown = 1;
        S("<li><b>");
        E(r->label);
        P("</b>, %s: %s", side_text(r->side), gs_html_num(t1, sizeof(t1), r->before, dec));
        unit_html(pg, r->unit);
        P(" &rarr; %s", gs_html_num(t2, sizeof(t2), r->after, dec));
        unit_html(pg, r->unit);
        P(" <span class=\"mu\">(%s", gs_html_num_signed(t3, sizeof(t3), r->change, dec));
        unit_html(pg, r->unit);
        if (isfinite(r->change_pct))
            P(", %s %%", gs_html_num_signed(t1, sizeof(t1), r->change_pct, 0));
        S(")</span></li>\n");
    }
    if (shown)
        S("</ul>\n");
    else if (counts[GS_COMPARE_VERDICT_CANNOT_TELL] > 0)
        P("<p style=\"margin:12px 0 0\"><b>No change exceeded measurement error</b> among the "
          "measures these clips can judge. The %d marked <em>cannot tell at %s</em> are not "
          "among them: at this frame rate a realistic change would not show (box above).</p>\n",
          counts[GS_COMPARE_VERDICT_CANNOT_TELL], fps_text(t1, sizeof(t1), gs_comparison_fps(c)));
    else
        S("<p style=\"margin:12px 0 0\"><b>No change exceeded measurement error.</b> Differences "
          "between the two clips are within what filming the same runner twice would give.</p>\n");
    {
        int any = 0;
        for (int i = 0; i < c->n_curves; i++)
            if (c->curves[i].n_phases > 0) {
                const gs_compare_curve_row *r = &c->curves[i];
                if (!any)
                    S("<p style=\"margin:10px 0 0\"><b>Curves that differ</b> (phases of the "
                      "stride, 0 % = contact):</p><ul class=\"chg\">\n");
                any = 1;
                S("<li>");
                curve_label(pg, r->angle, NULL);
                P(", %s: ", side_text(r->side));
                for (int k = 0; k < r->n_phases; k++)
                    P("%s%d&ndash;%d %% (%s&deg;)", k ? ", " : "", r->phases[k].start_pct,
                      r->phases[k].end_pct,
                      gs_html_num_signed(t1, sizeof(t1), r->phases[k].mean_diff, 1));
                S("</li>\n");
            }
        if (any)
            S("</ul>\n");
    }
    S("<p class=\"units\"><b>How to read the verdicts.</b> <span class=\"vd real\">real</span> "
      "means the change is larger than the smallest change this measure can detect between "
      "two sessions (the <em>minimal change</em>, from published test&ndash;retest studies or "
      "gaitscope&rsquo;s own repeat clips) <em>and</em> larger than the runner&rsquo;s own "
      "stride-to-stride variation by a statistical test corrected for testing many measures at "
      "once. <span class=\"vd noise\">noise</span> means at least one of the two fails: the "
      "change may be chance or measurement error. <span class=\"vd ct\">cannot tell at N "
      "fps</span> means the change is below the minimal change, but at this frame rate that "
      "minimal change is larger than what training or an intervention realistically changes "
      "(event times are known to a few frames, so contact and flight times need a fast "
      "camera): the recordings cannot say whether it changed, and the box at the top says "
      "from what frame rate they could. <span class=\"vd nc\">not comparable</span> "
      "means the measure is missing in one clip, a side has fewer than 7 strides, or the clips "
      "were filmed (or their events timed) differently in a way that affects it. A real change "
      "says the gait changed, not whether that is good.</p>\n</section>\n");
}

static void write_checks(cpage *pg)
{
    const gs_comparison *c = pg->c;
    /* the checks cover the filming and the analysis (the metrics' revision, how the contacts
     * and toe-offs were timed): the second needs no new recording, so the opening says both */
    S("<section id=\"setup\"><h2>Comparability</h2>\n<p class=\"sub\">The two sessions can be "
      "compared only if they were <b>filmed the same way</b> (the same view, frame rate, camera "
      "distance and tilt, activity and speed, and enough strides: camera set-up dominates "
      "between-day error in 2D video, Damsted 2015) <b>and analysed the same way</b> (the same "
      "version of the measures, and the moments each foot lands and leaves the ground timed by "
      "the same method: from the picture or from the body landmarks). A difference in filming "
      "needs a new recording; a difference in analysis only needs analysing again the same way "
      "(the warning at the top says which session and how). Cadence is an outcome, never a "
      "check.</p>\n"
      "<div class=\"tw\"><table class=\"mt\">\n<thead><tr><th>Check</th><th>Before</th>"
      "<th>After</th>"
      "<th style=\"text-align:left\">Band</th><th>OK</th></tr></thead>\n<tbody>\n");
    for (int i = 0; i < c->n_checks; i++) {
        const gs_compare_check *k = &c->checks[i];
        S("<tr><td>");
        check_name(pg, k->name);
        S("</td><td data-l=\"Before\">");
        E(k->before);
        S("</td><td data-l=\"After\">");
        E(k->after);
        S("</td><td class=\"ref band\" data-l=\"Band\">");
        esc_pm(pg, k->band);
        S("</td><td data-l=\"OK\">");
        if (k->state == GS_COMPARE_CHECK_OK)
            S("<span class=\"ok\" title=\"within the band\">&#10003; yes</span>");
        else if (k->state == GS_COMPARE_CHECK_MISMATCH)
            S("<span class=\"bad\" title=\"outside the band\">&#10007; no</span>");
        else
            S("<span class=\"unk\" title=\"could not be checked\">? unknown</span>");
        S("</td></tr>\n");
    }
    S("</tbody></table></div>\n");
    {
        int any = 0;
        for (int i = 0; i < c->n_checks; i++)
            if (c->checks[i].state == GS_COMPARE_CHECK_UNKNOWN) {
                if (!any)
                    S("<ul class=\"sub\">\n");
                any = 1;
                S("<li>");
                E(c->checks[i].message);
                S("</li>\n");
            }
        if (any)
            S("</ul>\n");
    }
    S("</section>\n");
}

static void side_cell(cpage *pg, const char *column, double mean, double sd, int n, int dec,
                      const char *unit)
{
    char t1[32], t2[32];
    P("<td data-l=\"%s\">", column);
    if (!isfinite(mean) || n == 0) {
        S("&ndash;</td>");
        return;
    }
    S(gs_html_num(t1, sizeof(t1), mean, dec));
    if (unit && !strcmp(unit, "deg"))
        S("&deg;");
    if (isfinite(sd))
        P(" &plusmn; %s", gs_html_num(t2, sizeof(t2), sd, dec));
    P(" <small>(%d)</small></td>", n);
}

static void write_metrics(cpage *pg)
{
    const gs_comparison *c = pg->c;
    char t1[32], t2[32];
    S("<section id=\"metrics\"><h2>Metrics, before and after</h2>\n<p class=\"sub\">Mean "
      "&plusmn; SD over the usable strides (number in brackets). <b>Minimal change</b>: the "
      "smallest change the measure can detect between sessions (its source is in the "
      "tooltip and in comparison.json). <b>p</b>: the stride test after Holm&rsquo;s correction "
      "over every row tested.</p>\n<div class=\"tw\"><table class=\"mt\">\n<thead><tr>"
      "<th>Metric</th>"
      "<th>Before</th><th>After</th><th>Change</th><th>Minimal change</th><th>p</th>"
      "<th>Verdict</th></tr></thead>\n<tbody>\n");
    for (int i = 0; i < c->n_rows; i++) {
        const gs_compare_row *r = &c->rows[i];
        int dec = decimals(r->unit);
        P("<tr%s><td>", r->verdict == GS_COMPARE_VERDICT_REAL ? " class=\"real\"" : "");
        E(r->label);
        P(" <span class=\"mu\">%s", side_text(r->side));
        if (r->unit[0] && strcmp(r->unit, "deg") && strcmp(r->unit, "fraction")) {
            S(", ");
            E(r->unit);
        }
        S("</span></td>");
        side_cell(pg, "Before", r->before, r->sd_before, r->n_before, dec, r->unit);
        side_cell(pg, "After", r->after, r->sd_after, r->n_after, dec, r->unit);
        S("<td data-l=\"Change\">");
        if (isfinite(r->change)) {
            S(gs_html_num_signed(t1, sizeof(t1), r->change, dec));
            if (!strcmp(r->unit, "deg"))
                S("&deg;");
            if (isfinite(r->change_pct))
                P(" <small>%s %%</small>", gs_html_num_signed(t2, sizeof(t2), r->change_pct, 0));
        } else {
            S("&ndash;");
        }
        S("</td><td data-l=\"Minimal change\"");
        if (r->mc_source) {
            S(" title=\"");
            E(r->mc_source);
            S("\"");
        }
        S(">");
        if (isfinite(r->minimal_change)) {
            S(gs_html_num(t1, sizeof(t1), r->minimal_change, dec));
            if (!strcmp(r->unit, "deg"))
                S("&deg;");
        } else {
            S("&ndash;");
        }
        P("</td><td data-l=\"p\">%s</td><td data-l=\"Verdict\" title=\"",
          !isfinite(r->p_holm) ? "&ndash;"
          : r->p_holm < 0.001  ? "&lt;0.001"
                               : gs_html_num(t2, sizeof(t2), r->p_holm, 3));
        E(r->why);
        S("\">");
        verdict_badge(pg, r->verdict);
        S("</td></tr>\n");
    }
    S("</tbody></table></div>\n<details><summary>Why each verdict</summary><ul class=\"sub\">\n");
    for (int i = 0; i < c->n_rows; i++) {
        const gs_compare_row *r = &c->rows[i];
        S("<li>");
        E(r->label);
        /* the verdict in the table's words, not comparison.json's names */
        P(", %s: ", side_text(r->side));
        verdict_badge(pg, r->verdict);
        S(" &mdash; ");
        E(r->why);
        S("</li>\n");
    }
    S("</ul></details>\n");

    /* symmetry before and after */
    {
        int any = 0;
        for (int i = 0; i < c->n_rows; i++) {
            const gs_compare_row *l = &c->rows[i], *r;
            if (l->side != GS_COMPARE_SIDE_LEFT)
                continue;
            r = gs_comparison_find_row(c, l->metric, GS_COMPARE_SIDE_RIGHT);
            if (!r)
                continue;
            if (!any)
                S("<h3 style=\"margin:16px 0 6px\">Left&ndash;right symmetry</h3>\n<p "
                  "class=\"sub\">"
                  "SI = 100 &middot; (L &minus; R) / mean of L and R for strictly positive "
                  "measures; for angles the difference L &minus; R in degrees.</p>\n"
                  "<div class=\"tw\"><table>\n<thead><tr><th>Metric</th><th>Before</th>"
                  "<th>After</th></tr></thead>\n<tbody>\n");
            any = 1;
            S("<tr><td>");
            E(l->label);
            S("</td>");
            for (int k = 0; k < 2; k++) {
                double lv = k ? l->after : l->before, rv = k ? r->after : r->before;
                S("<td>");
                if (l->positive && lv > 0 && rv > 0)
                    P("SI %s %%",
                      gs_html_num_signed(t1, sizeof(t1), 100 * (lv - rv) / (0.5 * (lv + rv)), 1));
                else if (isfinite(lv - rv)) {
                    P("L&minus;R %s",
                      gs_html_num_signed(t1, sizeof(t1), lv - rv, decimals(l->unit)));
                    unit_html(pg, l->unit);
                } else
                    S("&ndash;");
                S("</td>");
            }
            S("</tr>\n");
        }
        if (any)
            S("</tbody></table></div>\n");
    }
    S("</section>\n");
}

/* ---- curves ---- */

static void write_plot(cpage *pg, const gs_compare_curve_row *r)
{
    /* after in the side's colour (left orange, right blue, as everywhere), before grey dashed */
    const char *col = r->side == GS_COMPARE_SIDE_LEFT ? "#d55e00" : "#0072b2", *grey = "#6b7480";
    double lo = INFINITY, hi = -INFINITY;
    const char *sign = NULL;
    char t1[32], label[256];
    gs_html_plot p;
    for (int q = 0; q < GS_COMPARE_CURVE_N; q++) {
        double v[4] = {r->mean_before[q] - (isfinite(r->sd_before[q]) ? r->sd_before[q] : 0),
                       r->mean_before[q] + (isfinite(r->sd_before[q]) ? r->sd_before[q] : 0),
                       r->mean_after[q] - (isfinite(r->sd_after[q]) ? r->sd_after[q] : 0),
                       r->mean_after[q] + (isfinite(r->sd_after[q]) ? r->sd_after[q] : 0)};
        for (int k = 0; k < 4; k++)
            if (isfinite(v[k])) {
                lo = fmin(lo, v[k]);
                hi = fmax(hi, v[k]);
            }
    }
    if (!gs_html_plot_fit(&p, lo, hi, INFINITY, -INFINITY))
        return;
    S("<figure class=\"plot\"><h3>");
    curve_label(pg, r->angle, &sign);
    P(" <span class=\"mu\">(&deg;%s%s), %s</span> ", sign ? ", " : "", sign ? sign : "",
      side_text(r->side));
    verdict_badge(pg, r->verdict);
    S("</h3>\n");
    snprintf(label, sizeof(label), "%s %s: before and after, mean and SD over the gait cycle",
             r->angle, side_text(r->side));
    gs_html_plot_begin(&pg->b, &p, label);
    /* phases first, under everything */
    for (int k = 0; k < r->n_phases; k++) {
        double x0 =
            gs_html_plot_x(&p, r->phases[k].start_pct - 0.5 < 0 ? 0 : r->phases[k].start_pct - 0.5);
        double x1 =
            gs_html_plot_x(&p, r->phases[k].end_pct + 0.5 > 100 ? 100 : r->phases[k].end_pct + 0.5);
        P("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#f2c94c\" "
          "fill-opacity=\"0.35\"><title>differs %d-%d %%: peak |t| %.1f, p %.4f</title></rect>\n",
          x0, p.y_top, x1 - x0, p.y_bottom - p.y_top, r->phases[k].start_pct, r->phases[k].end_pct,
          r->phases[k].peak_t, r->phases[k].p);
    }
    gs_html_plot_axes(&pg->b, &p);
    if (r->n_before > 1)
        gs_html_plot_band(&pg->b, &p, GS_COMPARE_CURVE_N, r->mean_before, r->sd_before, grey);
    if (r->n_after > 1)
        gs_html_plot_band(&pg->b, &p, GS_COMPARE_CURVE_N, r->mean_after, r->sd_after, col);
    gs_html_plot_line(&pg->b, &p, GS_COMPARE_CURVE_N, r->mean_before, grey,
                      " stroke-dasharray=\"6 3\"");
    gs_html_plot_line(&pg->b, &p, GS_COMPARE_CURVE_N, r->mean_after, col, "");
    gs_html_plot_end(&pg->b, &p);
    P("<figcaption><span class=\"sw b\"></span>before (%d strides, dashed) <span class=\"sw %s\">"
      "</span>after (%d), mean &plusmn; SD",
      r->n_before, r->side == GS_COMPARE_SIDE_LEFT ? "l" : "r", r->n_after);
    if (r->n_phases > 0)
        P("; <span class=\"sw ph\"></span>differs (|t| above the threshold and the mean change "
          "&ge; %s&deg;)",
          gs_html_num(t1, sizeof(t1), r->minimal_change, 1));
    else if (r->verdict == GS_COMPARE_VERDICT_NOT_COMPARABLE) {
        S("; not tested: ");
        E(r->why);
    }
    S("</figcaption></figure>\n");
}

static void write_curves(cpage *pg)
{
    const gs_comparison *c = pg->c;
    char t1[32];
    if (c->n_curves == 0)
        return;
    S("<section id=\"curves\"><h2>Gait-cycle curves</h2>\n<p class=\"sub\">Each stride runs "
      "from one contact (0 %) to the next of the same foot (100 %). Shaded: the phases where the "
      "two sessions differ by statistical parametric mapping (every stride relabelled at random, "
      "one threshold for all points of all curves");
    if (isfinite(c->spm_threshold))
        P(", |t| &gt; %s from %d permutations", gs_html_num(t1, sizeof(t1), c->spm_threshold, 2),
          c->spm_perm);
    S(") <em>and</em> the mean change is at least the angle&rsquo;s minimal change.</p>\n"
      "<div class=\"plots\">\n");
    for (int i = 0; i < c->n_curves; i++)
        write_plot(pg, &c->curves[i]);
    S("</div>\n</section>\n");
}

/* ---- findings, clip, methods ---- */

static void finding_li(cpage *pg, const gs_compare_finding_row *f)
{
    char t1[32], t2[32];
    S("<li><b>");
    E(f->title);
    S("</b>");
    if (f->side) {
        S(" <span class=\"mu\">(");
        E(f->side);
        S(")</span>");
    }
    if (f->status == GS_COMPARE_FINDING_PERSISTING)
        P(" &middot; severity %s &rarr; %s", gs_html_num(t1, sizeof(t1), f->severity_before, 2),
          gs_html_num(t2, sizeof(t2), f->severity_after, 2));
    else if (f->status == GS_COMPARE_FINDING_RESOLVED)
        P(" &middot; severity before %s", gs_html_num(t1, sizeof(t1), f->severity_before, 2));
    else
        P(" &middot; severity %s", gs_html_num(t1, sizeof(t1), f->severity_after, 2));
    S("</li>\n");
}

static void write_findings(cpage *pg)
{
    const gs_comparison *c = pg->c;
    static const char *const heads[3] = {"<h3 class=\"st-res\">Resolved</h3>",
                                         "<h3 class=\"st-per\">Persisting</h3>",
                                         "<h3 class=\"st-new\">New</h3>"};
    static const char *const none[3] = {"none", "none", "none"};
    S("<section id=\"findings\"><h2>Findings</h2>\n<p class=\"sub\">The compensation findings "
      "of each clip, matched by rule and side: resolved (before only), persisting (both, with "
      "the change in severity), new (after only). A finding is a hypothesis to test, not a "
      "diagnosis; with a change that is only noise, a finding can come and go by chance.</p>\n");
    for (int st = 0; st < 3; st++) {
        int n = 0;
        S(heads[st]);
        for (int i = 0; i < c->n_findings; i++)
            if ((int)c->findings[i].status == st) {
                if (!n)
                    S("<ul>\n");
                n++;
                finding_li(pg, &c->findings[i]);
            }
        if (n)
            S("</ul>\n");
        else
            P("<p class=\"sub\">%s</p>\n", none[st]);
    }
    S("<h3>Homework for the next session</h3>\n");
    if (c->n_homework == 0) {
        S("<p class=\"sub\">Nothing persists, so no homework carries over.</p>\n");
    } else {
        S("<p class=\"sub\">From the findings that persist:</p><ul>\n");
        for (int i = 0; i < c->n_homework; i++) {
            S("<li>");
            E(c->homework[i]);
            S("</li>\n");
        }
        S("</ul>\n");
    }
    S("</section>\n");
}

static void write_clip(cpage *pg)
{
    const gs_compare_output_info *in = pg->info;
    S("<section id=\"clip\"><h2>Side by side</h2>\n");
    if (in->side_by_side_file) {
        S("<video controls preload=\"metadata\" playsinline src=\"");
        E(in->side_by_side_file);
        S("\">Your browser cannot play the clip here: <a href=\"");
        E(in->side_by_side_file);
        S("\">open it</a>.</video>\n<p class=\"sub\">Before on the left, after on the right, "
          "both overlay clips at the same height and phase-locked on the left foot: stride k of "
          "before beside stride k of after. After is <b>time-warped</b> to before&rsquo;s strides, "
          "so a cadence change shows in the numbers under each half, not in the motion. <a "
          "href=\"");
        E(in->side_by_side_file);
        S("\">Open the clip on its own</a>.</p>\n");
    } else {
        S("<p>No side-by-side clip: ");
        E(in->side_by_side_why ? in->side_by_side_why : "not made");
        S(".</p>\n");
    }
    if (in->before_report || in->after_report) {
        S("<p class=\"sub\">The two analyses: ");
        if (in->before_report) {
            S("<a href=\"");
            E(in->before_report);
            S("\">before</a>");
        }
        if (in->after_report) {
            S(in->before_report ? ", <a href=\"" : "<a href=\"");
            E(in->after_report);
            S("\">after</a>");
        }
        S(".</p>\n");
    }
    S("</section>\n");
}

static void write_methods(cpage *pg)
{
    const gs_comparison *c = pg->c;
    char t1[32];
    S("<section id=\"methods\"><h2>How the verdicts are made</h2>\n<ul class=\"sub\">\n");
    P("<li><b>Stride test</b>: for each measure and side, a two-sample permutation test of the "
      "per-stride values on Welch&rsquo;s t (valid for any distribution and for unequal spreads; "
      "%d relabelings, or all of them when there are fewer), corrected for the number of "
      "measures tested by Holm&rsquo;s method at a family-wise %s %%.</li>\n",
      c->opt.n_perm, gs_html_num(t1, sizeof(t1), 100 * c->opt.alpha, 0));
    S("<li><b>Minimal change</b>: the larger of a published smallest detectable difference for "
      "2D running video and gaitscope&rsquo;s own figure from repeat clips; where nothing is "
      "published, a stated value with its reasoning");
    if (pg->info->mc_path) {
        S(" (");
        E(pg->info->mc_path);
        S(")");
    }
    S(". The stride test alone never makes a change real: between-day spread is about three "
      "times the within-day spread.</li>\n<li><b>Frame rate</b>: event times are known to a "
      "few frame intervals, so the minimal change of contact time, flight time, step time and "
      "duty factor shrinks as the frame rate rises. Where, at the coarser clip&rsquo;s rate, it "
      "exceeds what an intervention realistically changes (a step-rate change of 10 %, the "
      "largest studied (Heiderscheit 2011), or a quarter of the runners&rsquo; usual range), "
      "the verdict is <em>cannot tell</em>, with the frame rate that could.</li>\n"
      "<li><b>Curves</b>: nonparametric statistical parametric mapping, one maximum statistic "
      "over every point of every curve.</li>\n"
      "<li><b>Strides</b>: a side needs at least 7 strides in each clip for a stable mean.</li>\n"
      "</ul>\n<h3 style=\"margin-top:12px\">Sources</h3>\n<ol class=\"refs\">\n"
      "<li>Dingenen B et al. 2018, Test-retest reliability of two-dimensional video analysis "
      "during running. Phys Ther Sport 33:40 (smallest detectable differences 1.3&ndash;4.8&deg;; "
      "at least 7 steps for a stable mean).</li>\n"
      "<li>Damsted C, Nielsen RO, Larsen LH 2015, Reliability of video-based quantification of "
      "the knee- and hip angle at foot strike during running. Int J Sports Phys Ther 10:147 "
      "(95 % prediction intervals 3&ndash;8&deg; within a day, 9&ndash;14&deg; between "
      "days).</li>\n"
      "<li>Heiderscheit BC et al. 2011, Effects of step rate manipulation on joint mechanics "
      "during running. Med Sci Sports Exerc 43:296 (step rate +5 and +10 %).</li>\n"
      "<li>Holm S 1979, A simple sequentially rejective multiple test procedure. Scand J Statist "
      "6:65.</li>\n"
      "<li>Chung E, Romano JP 2013, Exact and asymptotically robust permutation tests. Ann "
      "Statist 41:484.</li>\n"
      "<li>Nichols TE, Holmes AP 2002, Nonparametric permutation tests for functional "
      "neuroimaging. Hum Brain Mapp 15:1.</li>\n"
      "<li>Pataky TC, Vanrenterghem J, Robinson MA 2015, Zero- vs. one-dimensional, parametric "
      "vs. non-parametric, and confidence interval vs. hypothesis testing procedures in "
      "one-dimensional biomechanical trajectory analysis. J Biomech 48:1277.</li>\n"
      "</ol>\n</section>\n");
}

gs_status gs_comparison_write_html(const char *path, const gs_comparison *c,
                                   const gs_compare_output_info *info, gs_error *err)
{
    static const gs_compare_output_info none = {0};
    cpage page;
    cpage *pg = &page;
    gs_status rc;
    if (!path || !c)
        return gs_fail(err, GS_ERR_ARG, "comparison.html: no output path or comparison");
    memset(&page, 0, sizeof(page));
    page.c = c;
    page.info = info ? info : &none;
    write_head(pg);
    write_alerts(pg);
    write_summary(pg);
    write_checks(pg);
    write_metrics(pg);
    write_curves(pg);
    write_findings(pg);
    write_clip(pg);
    write_methods(pg);
    S("</main>\n<footer>");
    E(page.info->generated_by ? page.info->generated_by : "gaitscope");
    S(" &middot; a real change says the gait changed, not whether that is good &middot; this page "
      "needs no network</footer>\n</body>\n</html>\n");
    if (page.b.oom || !page.b.p) {
        free(page.b.p);
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory building the page", path);
    }
    rc = gs_file_write_all(path, page.b.p, page.b.n, err);
    free(page.b.p);
    return rc;
}
