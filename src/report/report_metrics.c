/*
 * report.html's metric table: per group, each metric per side with its reference and traffic
 * light, the symmetry index and the left-right difference.
 */
#include "report_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * What the sign of a signed metric means (docs/metrics.md section 5), shown under its name: a
 * coach met 'Foot placement from midline -0.030' on run_rear_treadmill_01, or 'Knee flexion at
 * contact -3.0' on walk_side_overground_01, with nothing saying which way is which.
 */
static const struct {
    const char *key, *sign;
} metric_signs[] = {
    {"knee_flexion_ic_deg", "0 = straight, &minus; = hyperextended"},
    {"knee_flexion_ic_3d_deg", "0 = straight, &minus; = hyperextended"},
    {"foot_strike_angle_deg", "+ toes up at contact"},
    {"shank_angle_ic_deg", "+ ankle ahead of the knee"},
    {"overstride_deg", "+ heel ahead of the hip"},
    {"trunk_lean_deg", "+ forward"},
    {"trunk_lean_stance_deg", "+ forward"},
    {"pelvic_drop_deg", "+ the other hip drops"},
    {"hip_hike_deg", "+ the swing hip rises"},
    {"hip_adduction_peak_deg", "+ knee toward the midline"},
    {"trunk_lateral_lean_deg", "+ toward the stance leg"},
    {"foot_placement_ll", "+ outside the hip, &minus; across the midline"},
    {"foot_placement_cm", "+ outside the hip, &minus; across the midline"},
};

static const char *metric_sign(const char *key)
{
    for (size_t i = 0; i < sizeof(metric_signs) / sizeof(metric_signs[0]); i++)
        if (!strcmp(metric_signs[i].key, key))
            return metric_signs[i].sign;
    return NULL;
}

/*
 * The smallest L - R an event-timing metric's events cannot explain (gs_gait_event_mdc_ms).
 * Stance and swing % are the duty factor in percent (stance = 100 x contact / stride, swing =
 * 100 - stance), so they take its MDC x 100: on walk_front_cane_01 the duty factor's SI -28 %
 * read 'within event error' and the same difference as stance % a red -28 % two rows below.
 */
static double event_mdc(const cJSON *a, const char *key)
{
    if (!strcmp(key, "stance_pct") || !strcmp(key, "swing_pct"))
        return 100.0 * gs_gait_event_mdc_ms(a, "duty_factor");
    return gs_gait_event_mdc_ms(a, key);
}

static void write_side_cell(page *pg, const cJSON *s, const metric_ref *ref, int dec,
                            const char *unit, const char *sidename, const char *column)
{
    buf *b = &pg->b;
    char t1[32], t2[32];
    double mean = jnum(s, "mean"), sd = jnum(s, "sd"), n = jnum(s, "n");
    const char *u = gs_report__unit_text(unit);
    gs_html_printf(b, "<td data-l=\"%s\">", column);
    if (!s || !isfinite(mean)) {
        gs_html_puts(b, "&ndash;</td>");
        return;
    }
    gs_report__light_html(
        pg, pg->run || (ref && !ref->run_only) ? gs_report__light_of(ref, mean) : LIGHT_NONE,
        sidename);
    gs_html_puts(b, gs_html_num(t1, sizeof(t1), mean, dec));
    if (u)
        gs_html_puts(b, u);
    if (isfinite(sd))
        gs_html_printf(b, " &plusmn; %s", gs_html_num(t2, sizeof(t2), sd, dec));
    if (isfinite(n))
        gs_html_printf(b, " <small>(%.0f)</small>", n);
    gs_html_puts(b, "</td>");
}

static void write_metric_row(page *pg, const char *key, const cJSON *m)
{
    buf *b = &pg->b;
    const metric_info *info = gs_metric_find(key);
    const metric_ref *ref = gs_report__find_ref(key);
    const char *unit = jstr(m, "unit");
    const cJSON *l = jget(m, "left"), *r = jget(m, "right");
    int dec = info ? info->decimals : 2;
    double diff = jnum(m, "diff"), si = jnum(m, "si");
    char t1[32];

    gs_html_puts(b, "<tr><td>");
    gs_html_esc(b, info ? info->label : key);
    if (unit && !gs_report__unit_text(unit)) {
        gs_html_puts(b, " <span class=\"mu\">");
        gs_html_esc(b, unit);
        gs_html_puts(b, "</span>");
    }
    if (metric_sign(key))
        gs_html_printf(b, "<br><small class=\"sign\">%s</small>", metric_sign(key));
    if (!strcmp(key, "cadence_spm")) {
        const cJSON *all = jget(m, "all");
        if (isfinite(jnum(all, "mean")))
            gs_html_printf(b, "<br><small>both feet %s</small>",
                           gs_html_num(t1, sizeof(t1), jnum(all, "mean"), 1));
    }
    {
        /* link to the first finding whose evidence uses this metric */
        const cJSON *f, *e;
        int fi = 0, hit = -1;
        cJSON_ArrayForEach(f, jget(pg->a, "findings"))
        {
            cJSON_ArrayForEach(e, jget(f, "evidence"))
            {
                const char *mk = jstr(e, "metric");
                if (hit < 0 && mk && !strcmp(mk, key))
                    hit = fi;
            }
            fi++;
        }
        if (hit >= 0)
            gs_html_printf(b, " <a class=\"fl\" href=\"#f-%d\">finding &rsaquo;</a>", hit);
    }
    gs_html_puts(b, "</td>");
    write_side_cell(pg, l, ref, dec, unit, "left: ", pg->far == GS_GAIT_FAR_LEFT ? "Left (far leg)" : "Left");
    write_side_cell(pg, r, ref, dec, unit, "right: ", pg->far == GS_GAIT_FAR_RIGHT ? "Right (far leg)" : "Right");
    /* L - R: for angles flag a difference beyond 4 deg and beyond the pooled stride SD; a side
     * with one stride has no SD, so the other side's stands for both (the backlit pan's one
     * right stride flagged knee flexion at contact +7.8 deg, the left's own SD 8.4) */
    gs_html_puts(b, "<td data-l=\"L &minus; R\">");
    if (isfinite(diff)) {
        double sl = jnum(l, "sd"), sr = jnum(r, "sd");
        double pooled = isfinite(sl) && isfinite(sr) ? sqrt(0.5 * (sl * sl + sr * sr))
                        : isfinite(sl)               ? sl
                                                     : sr;
        int notable = unit && !strcmp(unit, "deg") && fabs(diff) > ANGLE_DIFF_NOTABLE_DEG &&
                      (!isfinite(pooled) || fabs(diff) > pooled);
        if (notable)
            gs_html_puts(
                b, "<span class=\"flag\" title=\"beyond 4 deg and the stride-to-stride SD\">");
        gs_html_puts(b, gs_html_num_signed(t1, sizeof(t1), diff, dec));
        if (gs_report__unit_text(unit))
            gs_html_puts(b, gs_report__unit_text(unit));
        if (notable) {
            gs_html_puts(b, "</span>");
            gs_report__cite(pg, SRC_DINGENEN);
        }
    } else {
        gs_html_puts(b, "&ndash;");
    }
    gs_html_puts(b, "</td><td data-l=\"SI\">");
    if (isfinite(si)) {
        /* an event-timing difference within what the events' uncertainty explains gets no
         * light: the 0-5-10 % colours would call it (docs/rules.md, gs_gait_event_mdc_ms) */
        double mdc = event_mdc(pg->a, key);
        int within = isfinite(mdc) && isfinite(diff) && fabs(diff) <= mdc;
        /* an amber or red SI whose L - R the strides' own scatter explains (within 1.96
         * standard errors of the difference of two means) is not called asymmetric either: on
         * run_rear_treadmill_01 step width 0.028 +- 0.022 vs 0.031 +- 0.024 leg lengths (21
         * strides each; 3.6 mm apart) read SI -11.7 %, red */
        light li = gs_report__light_of_si(si);
        double nl = jnum(l, "n"), nr = jnum(r, "n"), sl = jnum(l, "sd"), sr = jnum(r, "sd");
        double se = nl >= 2 && nr >= 2 && isfinite(sl) && isfinite(sr)
                        ? sqrt(sl * sl / nl + sr * sr / nr)
                        : NAN;
        int scatter = !within && li != LIGHT_GREEN && isfinite(se) && isfinite(diff) &&
                      fabs(diff) < 1.96 * se;
        if (!within && !scatter)
            gs_report__light_html(pg, li, "SI: ");
        gs_html_printf(b, "%s %%", gs_html_num_signed(t1, sizeof(t1), si, 1));
        if (within)
            gs_html_printf(b,
                           " <small title=\"the events' uncertainty explains a difference up to "
                           "%s%s (MDC95)\">within event error</small>",
                           gs_html_num(t1, sizeof(t1), mdc, dec),
                           unit && !strcmp(unit, "ms") ? " ms" : "");
        else if (scatter)
            gs_html_printf(b,
                           " <small title=\"the difference is within 1.96 standard errors (%s) "
                           "of the stride-to-stride scatter\">within stride scatter</small>",
                           gs_html_num(t1, sizeof(t1), 1.96 * se, dec));
    } else {
        gs_html_puts(b, "&ndash;");
    }
    gs_html_puts(b, "</td><td class=\"ref\" data-l=\"Reference\">");
    if (ref && (pg->run || !ref->run_only)) {
        gs_html_puts(b, ref->text);
        gs_html_printf(b, " <span class=\"nw\">%s", gs_report__sources[ref->src].cite);
        gs_report__cite(pg, ref->src);
        gs_html_puts(b, "</span>");
    }
    gs_html_puts(b, "</td></tr>\n");
}

void gs_report__write_metrics(page *pg)
{
    buf *b = &pg->b;
    const cJSON *ms = jget(pg->a, "metrics"), *m;
    int any_si = 0;

    gs_html_puts(b, "<section id=\"metrics\"><h2>Metrics per side</h2>\n");
    if (!cJSON_IsObject(ms) || !ms->child) {
        gs_html_puts(b, "<p>No metrics could be computed for this clip.</p></section>\n");
        return;
    }
    gs_html_puts(b,
                 "<p class=\"sub\">Mean &plusmn; SD over the usable strides (number of strides in "
                 "brackets). Reference values are published figures for healthy runners");
    if (!pg->run)
        gs_html_puts(b, "; this clip is not running, so they are not applied");
    gs_html_puts(b, ".");
    if (pg->far == GS_GAIT_FAR_LEFT || pg->far == GS_GAIT_FAR_RIGHT) {
        /* the far leg's landmarks and events are the less certain ones (SRC_FAR_LEG) */
        gs_html_printf(b,
                       " The camera sees the person&rsquo;s %s side: the <b>%s leg is the far "
                       "leg</b>, partly hidden behind the near one, so its values are less "
                       "certain; check a left-right difference on the overlay before reading it "
                       "as an asymmetry",
                       pg->far == GS_GAIT_FAR_RIGHT ? "left" : "right",
                       pg->far == GS_GAIT_FAR_RIGHT ? "right" : "left");
        gs_report__cite(pg, SRC_FAR_LEG);
        gs_html_puts(b, ".");
    } else if (pg->far == GS_GAIT_FAR_EACH) {
        gs_html_puts(b, " The person passes the camera both ways, so each leg is the <b>far "
                        "leg</b> (partly hidden behind the near one, its values less certain) "
                        "for part of the clip; check a left-right difference on the overlay "
                        "before reading it as an asymmetry");
        gs_report__cite(pg, SRC_FAR_LEG);
        gs_html_puts(b, ".");
    }
    gs_html_printf(b,
                   "</p>\n<div class=\"tw\"><table class=\"mt\">\n<thead><tr><th>Metric</th>"
                   "<th>Left%s</th><th>Right%s</th><th>L &minus; R</th><th>SI</th>"
                   "<th style=\"text-align:left\">Reference</th></tr></thead>\n<tbody>\n",
                   pg->far == GS_GAIT_FAR_LEFT ? " <small>far leg</small>" : "",
                   pg->far == GS_GAIT_FAR_RIGHT ? " <small>far leg</small>" : "");
    for (int g = 0; g < GRP_COUNT; g++) {
        int first = 1;
        /* known keys in table order, then the unknown ones (group "Other") */
        if (g != GRP_OTHER) {
            for (size_t i = 0; i < gs_metric_count(); i++) {
                if ((int)gs_metric_at(i)->group != g)
                    continue;
                m = jget(ms, gs_metric_at(i)->key);
                if (!cJSON_IsObject(m))
                    continue;
                if (first)
                    gs_html_printf(b, "<tr class=\"grp\"><td colspan=\"6\">%s</td></tr>\n",
                                   gs_report__group_names[g]);
                first = 0;
                any_si |= isfinite(jnum(m, "si"));
                write_metric_row(pg, gs_metric_at(i)->key, m);
            }
        } else {
            cJSON_ArrayForEach(m, ms)
            {
                if (!m->string || gs_metric_find(m->string) || !cJSON_IsObject(m))
                    continue;
                if (first)
                    gs_html_printf(b, "<tr class=\"grp\"><td colspan=\"6\">%s</td></tr>\n",
                                   gs_report__group_names[g]);
                first = 0;
                write_metric_row(pg, m->string, m);
            }
        }
    }
    gs_html_puts(b, "</tbody></table></div>\n<p class=\"legend\">");
    /* the reference lights' legend only when a metric has one: a walk gets SI lights only,
     * and the legend 'within the reference range' under 'this clip is not running, so they
     * are not applied' contradicted the sentence above the table (walk_side_overground_01) */
    if (pg->has_lights)
        gs_html_puts(b, "<span><span class=\"tl lg\"></span>within the reference range</span>"
                        "<span><span class=\"tl la\"></span>borderline</span>"
                        "<span><span class=\"tl lr\"></span>outside</span>");
    /* the SI's own key, shapes and all, beside the reference lights' too: a run's legend read
     * 'SI colours: 0-5-10 %', leaving a coach to guess which colour was which (the shapes
     * mean the same in both keys) */
    if (any_si && pg->has_si_lights) {
        gs_html_puts(b, "<span>SI: <span class=\"tl lg\"></span>within 5 % "
                        "<span class=\"tl la\"></span>5&ndash;10 % "
                        "<span class=\"tl lr\"></span>beyond 10 %");
        gs_report__cite(pg, SRC_SI);
        gs_html_puts(b, "</span>");
    }
    gs_html_puts(b, pg->run ? "<span>Metrics without a published range have no light.</span>"
                            : "<span>No reference lights: the published ranges are for "
                              "running.</span>");
    gs_html_puts(b, "</p>\n");
    {
        /* dropped strides, with the reasons */
        const cJSON *s;
        int nd = 0;
        cJSON_ArrayForEach(s, jget(pg->a, "strides")) nd += !cJSON_IsTrue(jget(s, "used"));
        if (nd > 0) {
            char t1[32];
            gs_html_printf(b, "<details><summary>%d stride%s not used, and why</summary><ul>\n", nd,
                           nd == 1 ? "" : "s");
            cJSON_ArrayForEach(s, jget(pg->a, "strides"))
            {
                if (cJSON_IsTrue(jget(s, "used")))
                    continue;
                gs_html_puts(b, "<li>");
                gs_html_esc(b, jstr(s, "side") ? jstr(s, "side") : "?");
                gs_html_printf(b,
                               " stride at %s s: ", gs_html_num(t1, sizeof(t1), jnum(s, "t0"), 2));
                gs_html_esc(b, jstr(s, "why") ? jstr(s, "why") : "not used");
                gs_html_puts(b, "</li>\n");
            }
            gs_html_puts(b, "</ul></details>\n");
        }
    }
    gs_html_puts(b, "</section>\n");
}
