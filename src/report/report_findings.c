/*
 * report.html's findings: each NKT finding with its evidence, candidate muscles, tests and
 * homework, and the rules that could not be evaluated.
 */
#include "report_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * Findings
 * ------------------------------------------------------------------------------------------- */

static void esc_list(buf *b, const cJSON *arr, const char *sep, const char *last_sep)
{
    int n = cJSON_GetArraySize(arr), i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, arr)
    {
        if (!cJSON_IsString(v))
            continue;
        if (i > 0)
            gs_html_puts(b, i == n - 1 ? last_sep : sep);
        gs_html_esc(b, v->valuestring);
        i++;
    }
}

static int n_strings(const cJSON *arr)
{
    const cJSON *v;
    int n = 0;
    cJSON_ArrayForEach(v, arr) n += cJSON_IsString(v);
    return n;
}

static void meter(buf *b, const char *name, double v, const char *cls)
{
    char t1[32];
    if (!isfinite(v))
        return;
    v = fmin(1.0, fmax(0.0, v));
    gs_html_printf(b,
                   "<span class=\"meter\">%s <span class=\"bar %s\" role=\"img\" aria-label=\"%s "
                   "%s of 1\"><i style=\"width:%.0f%%\"></i></span> %s</span>",
                   name, cls, name, gs_html_num(t1, sizeof(t1), v, 2), 100 * v, t1);
}

static const char *comparison_text(const char *c)
{
    if (!c)
        return "threshold";
    if (!strcmp(c, "below"))
        return "flagged below";
    if (!strcmp(c, "above"))
        return "flagged above";
    if (!strcmp(c, "lower"))
        return "flagged when lower than the other side by more than";
    if (!strcmp(c, "higher"))
        return "flagged when higher than the other side by more than";
    return NULL;
}

/* A number with its unit: degrees as a symbol, other units after a space (escaped). */
static void put_value(buf *b, double v, int dec, const char *unit)
{
    char t[32];
    gs_html_puts(b, gs_html_num(t, sizeof(t), v, dec));
    if (gs_report__unit_text(unit)) {
        gs_html_puts(b, gs_report__unit_text(unit));
    } else if (unit) {
        gs_html_puts(b, " ");
        gs_html_esc(b, unit);
    }
}

/* One evidence line. said: 1 when an earlier line of the same finding gave the same source word
 * for word, which is then "as above" (the overstriding finding printed one 60-word
 * Souza/Heiderscheit paragraph under two of its lines: a wall of text on a phone). */
static void write_evidence(page *pg, const cJSON *ev, int said)
{
    buf *b = &pg->b;
    const char *metric = jstr(ev, "metric"), *unit = jstr(ev, "unit");
    const char *measure = jstr(ev, "measure"), *cmp = jstr(ev, "comparison");
    const char *side = jstr(ev, "side"), *src = jstr(ev, "source");
    const metric_info *info = metric ? gs_metric_find(metric) : NULL;
    const char *vu = jstr(ev, "value_unit");
    int dec = info ? info->decimals : 2;
    int asym = measure && !strcmp(measure, "asymmetry");
    double value = jnum(ev, "value"), thr = jnum(ev, "threshold");
    double n = jnum(ev, "n"), holds = jnum(ev, "holds_in");
    char t1[32];
    const cJSON *times = jget(ev, "times");

    if (!vu || (unit && !strcmp(vu, unit)))
        vu = unit;
    gs_html_puts(b, "<li><b>");
    gs_html_esc(b, info ? info->label : metric ? metric : "measure");
    gs_html_puts(b, "</b>");
    if (asym)
        gs_html_puts(b, " (left vs right)");
    else if (side && (!strcmp(side, "left") || !strcmp(side, "right"))) {
        gs_html_puts(b, ", ");
        gs_html_puts(b, side);
    }
    /* value and threshold are in value_unit when given (e.g. "% (SI)" for an asymmetry of
     * contact times), else in the metric's unit */
    gs_html_puts(b, ": <b>");
    put_value(b, value, vu == unit ? dec : 1, vu);
    gs_html_puts(b, "</b>");
    if (asym && isfinite(jnum(ev, "left")) && isfinite(jnum(ev, "right"))) {
        gs_html_puts(b, " <span class=\"mu\">(left ");
        put_value(b, jnum(ev, "left"), dec, unit);
        gs_html_puts(b, ", right ");
        put_value(b, jnum(ev, "right"), dec, unit);
        if (isfinite(jnum(ev, "pooled_sd"))) {
            gs_html_puts(b, "; stride SD ");
            put_value(b, jnum(ev, "pooled_sd"), dec, unit);
        }
        if (isfinite(jnum(ev, "event_mdc"))) {
            gs_html_puts(b, "; events' uncertainty ");
            put_value(b, jnum(ev, "event_mdc"), dec, unit);
        }
        gs_html_puts(b, ")</span>");
    }
    if (isfinite(thr)) {
        gs_html_puts(b, " &middot; ");
        if (comparison_text(cmp))
            gs_html_puts(b, comparison_text(cmp));
        else
            gs_html_esc(b, cmp);
        gs_html_puts(b, " ");
        put_value(b, thr, vu == unit ? dec : 1, vu);
    }
    if (isfinite(n) && isfinite(holds))
        gs_html_printf(b, " &middot; holds in %.0f of %.0f strides", holds, n);
    if (cJSON_GetArraySize(times) > 0) {
        const cJSON *t;
        int i = 0;
        gs_html_puts(b, " &middot; clearest at ");
        cJSON_ArrayForEach(t, times)
        {
            if (!cJSON_IsNumber(t))
                continue;
            if (i++)
                gs_html_puts(b, ", ");
            if (pg->opt->overlay_href) {
                /* media fragment: opens the clip at that time (no script needed) */
                gs_html_puts(b, "<a href=\"");
                gs_html_esc(b, pg->opt->overlay_href);
                gs_html_printf(b, "#t=%.2f\">%s s</a>", t->valuedouble,
                               gs_html_num(t1, sizeof(t1), t->valuedouble, 2));
            } else {
                gs_html_printf(b, "%s s", gs_html_num(t1, sizeof(t1), t->valuedouble, 2));
            }
        }
    }
    if (src && said) {
        gs_html_puts(b, "<span class=\"src\">Source: as above.</span>");
    } else if (src) {
        gs_html_puts(b, "<span class=\"src\">Source: ");
        gs_html_esc(b, src);
        gs_html_puts(b, "</span>");
    }
    gs_html_puts(b, "</li>\n");
}

static void write_test(buf *b, const cJSON *t)
{
    const char *test = jstr(t, "test"), *how = jstr(t, "how"), *text = jstr(t, "text");
    const cJSON *loc = jget(t, "localise");
    gs_html_puts(b, "<li>");
    if (cJSON_IsString(t)) {
        gs_html_esc(b, t->valuestring);
    } else if (test) {
        gs_html_puts(b, "Test <b>");
        gs_html_esc(b, test);
        gs_html_puts(b, "</b>");
        if (how) {
            gs_html_puts(b, " (");
            gs_html_esc(b, how);
            gs_html_puts(b, ")");
        }
        gs_html_puts(b, ".");
        if (n_strings(loc) > 0) {
            gs_html_puts(b, " If it tests weak, therapy-localise in turn: ");
            esc_list(b, loc, ", ", ", then ");
            gs_html_puts(b, "; retest after each, release the one that restores strength, retest, "
                            "then challenge it.");
        }
    } else if (text) {
        gs_html_esc(b, text);
    }
    gs_html_puts(b, "</li>\n");
}

/* Rules that could not be evaluated (analysis "findings_skipped": [{rule, reason}]). */
static void write_skipped(buf *b, const cJSON *sk)
{
    const cJSON *r;
    int n = cJSON_IsArray(sk) ? cJSON_GetArraySize(sk) : 0;
    if (n <= 0)
        return;
    gs_html_printf(
        b, "<details><summary>%d rule%s not evaluated for this clip, and why</summary><ul>\n", n,
        n == 1 ? "" : "s");
    cJSON_ArrayForEach(r, sk)
    {
        const char *rule = jstr(r, "rule"), *why = jstr(r, "reason");
        gs_html_puts(b, "<li>");
        gs_html_esc(b, rule ? rule : "rule");
        if (why) {
            gs_html_puts(b, ": ");
            gs_html_esc(b, why);
        }
        gs_html_puts(b, "</li>\n");
    }
    gs_html_puts(b, "</ul></details>\n");
}

/*
 * 1 when a finding rests on the far side of a side view: its side is the far one, or it compares
 * the two sides (an asymmetry), or the person passed both ways so each side was far in turn.
 * The metrics table says which leg is far; a finding read on its own must say it too (on
 * run_side_treadmill_04, side-right, the top findings were 'Little knee flexion in left stance'
 * and 'Less arm swing on the left', both on the far side, with nothing saying so).
 */
static int rests_on_far_side(const page *pg, const cJSON *f)
{
    const char *side = jstr(f, "side");
    const cJSON *e;
    int lr = side && (!strcmp(side, "left") || !strcmp(side, "right"));
    if (pg->far == GS_GAIT_FAR_EACH)
        return lr;
    if (pg->far != GS_GAIT_FAR_LEFT && pg->far != GS_GAIT_FAR_RIGHT)
        return 0;
    if (lr && !strcmp(side, pg->far == GS_GAIT_FAR_LEFT ? "left" : "right"))
        return 1;
    cJSON_ArrayForEach(e, jget(f, "evidence"))
    {
        const char *m = jstr(e, "measure");
        if (m && !strcmp(m, "asymmetry"))
            return 1;
    }
    return 0;
}

static void far_side_note(page *pg)
{
    buf *b = &pg->b;
    if (pg->far == GS_GAIT_FAR_EACH) {
        gs_html_puts(b, "<p class=\"note far\"><b>Far side:</b> the person passes the camera both "
                        "ways, so each side was the far side, partly hidden behind the near one, "
                        "for part of the clip, and its values are less certain");
    } else {
        const char *far = pg->far == GS_GAIT_FAR_LEFT ? "left" : "right";
        gs_html_printf(b,
                       "<p class=\"note far\"><b>Far side:</b> the camera sees the person&rsquo;s "
                       "%s side, so the <b>%s leg and arm</b> are partly hidden behind the near "
                       "ones and their values are less certain",
                       pg->far == GS_GAIT_FAR_LEFT ? "right" : "left", far);
    }
    gs_report__cite(pg, SRC_FAR_LEG);
    gs_html_puts(b, ". Check this finding on the overlay clip at the times below, or film from "
                    "behind, before testing.</p>\n");
}

void gs_report__write_findings(page *pg)
{
    buf *b = &pg->b;
    const cJSON *fs = jget(pg->a, "findings"), *f;
    int n = cJSON_IsArray(fs) ? cJSON_GetArraySize(fs) : 0, fi = 0;

    gs_html_puts(
        b, "<section id=\"findings\"><h2>Findings</h2>\n<p class=\"sub\">Each finding is a "
           "deviation in this clip with its numbers, what it is <em>consistent with</em>, and "
           "the Neurokinetic Therapy muscle tests that would confirm or reject it. gaitscope "
           "does not diagnose: every finding is a hypothesis to test, not a diagnosis.</p>\n");
    if (!cJSON_IsArray(fs)) {
        gs_html_puts(b,
                     "<p>The compensation rules were not evaluated for this clip.</p></section>\n");
        return;
    }
    if (n == 0) {
        const char *code;
        gs_html_puts(b, gs_report__error_message(pg->a, &code)
                            ? "<p>Not evaluated: the analysis did not complete.</p>\n"
                            : "<p>No deviation crossed its threshold in this clip.</p>\n");
        write_skipped(b, jget(pg->a, "findings_skipped"));
        gs_html_puts(b, "</section>\n");
        return;
    }
    cJSON_ArrayForEach(f, fs)
    {
        const char *title = jstr(f, "title"), *side = jstr(f, "side");
        const char *lvl = jstr(f, "evidence_level"), *note = jstr(f, "note");
        const cJSON *inh = jget(f, "inhibited"), *ovr = jget(f, "overworking"), *e;
        int ni = n_strings(inh), no = n_strings(ovr);

        gs_html_printf(b, "<article class=\"finding\" id=\"f-%d\"><div class=\"fh\"><h3>", fi++);
        gs_html_esc(b, title ? title : jstr(f, "id") ? jstr(f, "id") : "finding");
        gs_html_puts(b, "</h3>");
        if (side) {
            gs_html_puts(b, "<span class=\"badge ");
            gs_html_esc(b, side);
            gs_html_puts(b, "\">");
            if (gs_report__side_name(side))
                gs_html_puts(b, gs_report__side_name(side));
            else
                gs_html_esc(b, side);
            gs_html_puts(b, "</span>");
        }
        gs_html_puts(b, "</div>\n<div class=\"meters\">");
        meter(b, "Severity", jnum(f, "severity"), "sev");
        meter(b, "Confidence", jnum(f, "confidence"), "conf");
        if (lvl) {
            gs_html_puts(b, "<span class=\"meter\">Evidence: ");
            gs_html_esc(b, lvl);
            gs_html_puts(b, "</span>");
        }
        gs_html_puts(b, "</div>\n<p class=\"hyp\">Consistent with ");
        if (ni > 0) {
            gs_html_puts(b, "an inhibited (under-working) <b>");
            esc_list(b, inh, ", ", " or ");
            gs_html_puts(b, "</b>");
        }
        if (no > 0) {
            gs_html_puts(b, ni > 0 ? ", compensated by overworking (facilitated) <b>"
                                   : "overworking (facilitated) <b>");
            esc_list(b, ovr, ", ", " or ");
            gs_html_puts(b, "</b>");
        }
        if (ni == 0 && no == 0)
            gs_html_puts(b, "a movement pattern rather than a single muscle");
        gs_html_puts(b, " &mdash; a hypothesis to test, not a diagnosis.</p>\n");
        if (rests_on_far_side(pg, f))
            far_side_note(pg);
        if (cJSON_GetArraySize(jget(f, "evidence")) > 0) {
            gs_html_puts(b, "<h4>Evidence</h4><ul>\n");
            cJSON_ArrayForEach(e, jget(f, "evidence"))
            {
                const char *src = jstr(e, "source");
                int said = 0;
                for (const cJSON *p = jget(f, "evidence")->child; src && p && p != e; p = p->next)
                    said |= jstr(p, "source") && !strcmp(jstr(p, "source"), src);
                write_evidence(pg, e, said);
            }
            gs_html_puts(b, "</ul>\n");
        }
        if (cJSON_GetArraySize(jget(f, "nkt_tests")) > 0) {
            gs_html_puts(b, "<h4>NKT tests, in order</h4><ol>\n");
            cJSON_ArrayForEach(e, jget(f, "nkt_tests")) write_test(b, e);
            gs_html_puts(b, "</ol>\n");
        }
        if (n_strings(jget(f, "homework")) > 0) {
            gs_html_puts(b, "<h4>Homework ideas</h4><ul>\n");
            cJSON_ArrayForEach(e, jget(f, "homework"))
            {
                if (!cJSON_IsString(e))
                    continue;
                gs_html_puts(b, "<li>");
                gs_html_esc(b, e->valuestring);
                gs_html_puts(b, "</li>\n");
            }
            gs_html_puts(b, "</ul>\n");
        }
        if (n_strings(jget(f, "history")) > 0) {
            gs_html_puts(b, "<p class=\"note\">From the intake: ");
            esc_list(b, jget(f, "history"), ", ", ", ");
            gs_html_puts(b, "</p>\n");
        }
        if (note) {
            gs_html_puts(b, "<p class=\"note\">");
            gs_html_esc(b, note);
            gs_html_puts(b, "</p>\n");
        }
        gs_html_puts(b, "</article>\n");
    }
    write_skipped(b, jget(pg->a, "findings_skipped"));
    gs_html_puts(b, "</section>\n");
}
