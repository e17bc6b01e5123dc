/*
 * report.html's sources, reference ranges and labels: what each number is compared with and
 * where that comes from (../shared/REFERENCES.md section 5), and the page helpers that cite them.
 */
#include "report_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * Sources and reference ranges (../shared/REFERENCES.md section 5)
 * ------------------------------------------------------------------------------------------- */

const ref_source gs_report__sources[SRC_COUNT] = {
    {"Heiderscheit 2011",
     "Heiderscheit BC et al. 2011, Effects of step rate manipulation on joint mechanics during "
     "running. Med Sci Sports Exerc 43:296 (Table 3, 45 runners at their preferred step rate, 3D "
     "motion capture)."},
    {"IJSPT 2018",
     "Int J Sports Phys Ther 2018, cadence of injured vs uninjured runners, Table 2 "
     "(pmc.ncbi.nlm.nih.gov/articles/PMC6044588): uninjured men 171.0 &plusmn; 7.9 steps/min. "
     "&ldquo;180&rdquo; is not an evidence-based target; cadence rises with speed."},
    {"Teng &amp; Powers 2014",
     "Teng HL, Powers CM 2014, J Orthop Sports Phys Ther: self-selected trunk flexion in running "
     "7.3 &plusmn; 3.6&deg; (flexed 14.1&deg;, extended 4.0&deg; change patellofemoral joint "
     "stress)."},
    {"Souza 2016",
     "Souza RB 2016, An evidence-based videotaped running biomechanics analysis. Phys Med Rehabil "
     "Clin N Am 27:217: peak hip extension about 10&deg;; peak stance knee flexion about 45&deg; "
     "(below 40&deg; may go with patellofemoral pain); overstride and shank angle have no "
     "cut-offs (sliding scale)."},
    {"Heiderscheit via Runner&rsquo;s World; Stryd",
     "Vertical oscillation: 3&ndash;15 cm typical (Stryd support pages); below 5 cm or above "
     "10&ndash;12 cm &ldquo;can be very inefficient&rdquo; (Heiderscheit quoted by Runner&rsquo;s "
     "World). Clinical opinion; evidence on running economy is mixed (Van Hooren 2024, Sports "
     "Med)."},
    {"running textbook",
     "Ankle dorsiflexion peaks at about 25&ndash;30&deg; by midstance in running (textbook "
     "chapter, "
     "doi 10.4324/9780203488300-34; physioinfo.co.za). No spread given, so no traffic light."},
    {"Altman &amp; Davis 2012",
     "Altman AR, Davis IS 2012, A kinematic method for footstrike pattern detection in barefoot "
     "and shod runners. Gait Posture 35:298: rearfoot above 8.0&deg;, forefoot below "
     "&minus;1.6&deg;, midfoot between (their angle is relative to standing; ours to the ground "
     "line). A classification, not a norm: no traffic light."},
    {"Bramah 2018",
     "Bramah C et al. 2018, Is there a pathological gait associated with common soft tissue "
     "running injuries? Am J Sports Med 46:3023: each extra degree of contralateral pelvic drop "
     "went with about 80 % higher odds of being injured (retrospective). No normative cut-off; "
     "smallest detectable difference 2.7&ndash;2.8&deg; (Dingenen 2018)."},
    {"Straub &amp; Powers 2022",
     "2D knee frontal-plane projection angle agrees poorly with 3D knee valgus (limits of "
     "agreement &minus;30 to +17&deg;; Straub &amp; Powers 2022, Int J Sports Phys Ther, "
     "PMC9718689) and is not related to 3D knee abduction in running. Read with low "
     "confidence."},
    {"Herzog 1989; 0-5-10 % bands",
     "Symmetry index SI = 100 &middot; (L &minus; R) / (0.5 &middot; (L + R)) (Herzog 1989, Med "
     "Sci Sports Exerc 21:110; here left minus right). The 10 % cut-off is arbitrary (set for "
     "ground reaction forces); the 0&ndash;5&ndash;10 % colour bands are a commercial convention "
     "(runfisix.com), shown as a guide only."},
    {"Dingenen 2018",
     "Dingenen B et al. 2018, Phys Ther Sport 33:40: 2D running angles, smallest detectable "
     "difference 1.3&ndash;4.8&deg; (hip and knee 2.3&ndash;3.8&deg;); a stable mean needs at "
     "least 7 steps. Left-right angle differences beyond 4&deg; and beyond the stride-to-stride "
     "SD are marked."},
    {"Stenum 2021; Van Hooren 2023",
     "Single-camera 2D pose against marker-based motion capture: walking, mean absolute error hip "
     "4.0&deg;, knee 5.6&deg; (Stenum J et al. 2021, PLOS Comput Biol 17:e1008935); treadmill "
     "running, RMSE 5&ndash;8&deg; after removing a constant offset (Van Hooren B et al. 2023, "
     "Scand J Med Sci Sports 33:966)."},
    {"Young 2023; MediaPipe #3496",
     "In a side view the far leg is partly hidden behind the near one: BlazePose's event timing "
     "against Vicon in running was worse for the far foot, from occlusion (Young C et al. 2023, "
     "Sensors 23:696), and users report its heel and toe misplaced on treadmills (MediaPipe "
     "issue #3496). Far-leg values are marked; a left-right difference that rests on them wants "
     "a look at the overlay, or a rear or front view, which sees both legs alike."},
};
_Static_assert(sizeof(gs_report__sources) / sizeof(gs_report__sources[0]) == SRC_COUNT,
               "one entry per src_id");

static const metric_ref metric_refs[] = {
    /* mean +- 1 SD green, +- 2 SD amber (published mean and SD) */
    {"cadence_spm", 1, 1, 163.1, 178.9, 155.2, 186.8, "171.0 &plusmn; 7.9", SRC_CADENCE_IJSPT},
    {"knee_flexion_ic_deg", 1, 1, 13.8, 21.8, 9.8, 25.8, "17.8 &plusmn; 4.0&deg;",
     SRC_HEIDERSCHEIT},
    {"knee_flexion_peak_stance_deg", 1, 1, 41.8, 50.8, 37.3, 55.3, "46.3 &plusmn; 4.5&deg;",
     SRC_HEIDERSCHEIT},
    {"trunk_lean_deg", 1, 1, 3.7, 10.9, 0.1, 14.5, "7.3 &plusmn; 3.6&deg;", SRC_TENG},
    {"trunk_lean_stance_deg", 1, 1, 3.7, 10.9, 0.1, 14.5, "7.3 &plusmn; 3.6&deg;", SRC_TENG},
    /* published good range 5-10 cm, outer 3-12 cm */
    {"vertical_oscillation_cm", 1, 1, 5.0, 10.0, 3.0, 12.0, "5&ndash;10 cm", SRC_VO},
    /* text only: a typical value without spread, a classification, or no cut-off */
    {"hip_extension_peak_deg", 1, 0, 0, 0, 0, 0, "&asymp; 10&deg; at toe-off", SRC_SOUZA},
    {"ankle_dorsiflexion_peak_deg", 1, 0, 0, 0, 0, 0, "&asymp; 25&ndash;30&deg;", SRC_DF},
    {"foot_strike_angle_deg", 1, 0, 0, 0, 0, 0, "RFS &gt; 8&deg;, FFS &lt; &minus;1.6&deg;",
     SRC_ALTMAN},
    {"overstride_deg", 1, 0, 0, 0, 0, 0, "no cut-off", SRC_SOUZA},
    {"shank_angle_ic_deg", 1, 0, 0, 0, 0, 0, "no cut-off", SRC_SOUZA},
    {"pelvic_drop_deg", 1, 0, 0, 0, 0, 0, "no norm; less is safer", SRC_BRAMAH},
    {"knee_fppa_deg", 0, 0, 0, 0, 0, 0, "low validity in 2D", SRC_FPPA},
};

const metric_ref *gs_report__find_ref(const char *key)
{
    for (size_t i = 0; i < sizeof(metric_refs) / sizeof(metric_refs[0]); i++)
        if (!strcmp(metric_refs[i].key, key))
            return &metric_refs[i];
    return NULL;
}

light gs_report__light_of(const metric_ref *r, double v)
{
    if (!r || !r->banded || !isfinite(v))
        return LIGHT_NONE;
    if (v >= r->g_lo && v <= r->g_hi)
        return LIGHT_GREEN;
    if (v >= r->a_lo && v <= r->a_hi)
        return LIGHT_AMBER;
    return LIGHT_RED;
}

/* SI bands 0-5-10 % (SRC_SI): a guide only. */
light gs_report__light_of_si(double si)
{
    if (!isfinite(si))
        return LIGHT_NONE;
    si = fabs(si);
    return si <= 5.0 ? LIGHT_GREEN : si <= 10.0 ? LIGHT_AMBER : LIGHT_RED;
}

/* ---------------------------------------------------------------------------------------------
 * Metric and curve labels
 * ------------------------------------------------------------------------------------------- */

const char *const gs_report__group_names[] = {
    "Timing",
    "Side-view angles",
    "Rear/front-view angles",
    "Lengths and speed",
    "Arms",
    "3D estimates (secondary, from world landmarks)",
    "Other"};

/* Labels, groups and decimals come from the one metric table (gait.h gs_metric_info); the
 * report's groups are its groups in the same order, plus "Other" for keys it does not know. */
_Static_assert(sizeof(gs_report__group_names) / sizeof(gs_report__group_names[0]) == GRP_COUNT,
               "one name per gait.h group, and Other");

const char *gs_report__unit_text(const char *unit)
{
    if (!unit || !strcmp(unit, "fraction"))
        return "";
    if (!strcmp(unit, "deg"))
        return "&deg;";
    return NULL; /* caller escapes and prints the unit itself */
}

const curve_info gs_report__curve_infos[] = {
    {"knee_flexion_deg", "Knee flexion", "+ flexed"},
    {"hip_flexion_deg", "Hip flexion", "+ flexion, &minus; extension"},
    {"ankle_dorsiflexion_deg", "Ankle dorsiflexion", "+ dorsiflexed, &minus; plantarflexed"},
    {"trunk_lean_deg", "Trunk forward lean", "+ forward"},
    {"foot_angle_deg", "Foot angle to ground", "+ toes up"},
    {"shank_angle_deg", "Shank angle", "+ ankle ahead of knee"},
    {"pelvic_obliquity_deg", "Pelvic obliquity", "+ this side&rsquo;s hip higher"},
    {"hip_adduction_deg", "Hip adduction", "+ knee toward midline"},
    {"knee_fppa_deg", "Knee frontal-plane angle", "+ medial (valgus)"},
    {"trunk_lateral_lean_deg", "Trunk lateral lean", "+ toward this side"},
};
const size_t gs_report__n_curve_infos =
    sizeof(gs_report__curve_infos) / sizeof(gs_report__curve_infos[0]);

const curve_band gs_report__curve_bands[] = {
    /* Heiderscheit 2011 Table 3: knee flexion at IC 17.8 +- 4.0, peak stance 46.3 +- 4.5 (mean
     * +- 1 SD); the stance peak sits near midstance, drawn over 30-70 % of stance. */
    {"knee_flexion_deg", 0, 0, 4, 13.8, 21.8, "contact 17.8 &plusmn; 4.0&deg;", SRC_HEIDERSCHEIT},
    {"knee_flexion_deg", 1, 0.3, 0.7, 41.8, 50.8, "stance peak 46.3 &plusmn; 4.5&deg;",
     SRC_HEIDERSCHEIT},
    /* Heiderscheit 2011 Table 3: peak hip flexion in loading 26.7 +- 5.5 deg; drawn over the
     * first 20 % of stance (loading response). */
    {"hip_flexion_deg", 1, 0, 0.2, 21.2, 32.2, "loading peak 26.7 &plusmn; 5.5&deg;",
     SRC_HEIDERSCHEIT},
    /* Teng & Powers 2014: self-selected trunk flexion 7.3 +- 3.6 deg. */
    {"trunk_lean_deg", 0, 0, 100, 3.7, 10.9, "self-selected 7.3 &plusmn; 3.6&deg;", SRC_TENG},
    /* textbook: peak dorsiflexion ~25-30 deg by midstance. */
    {"ankle_dorsiflexion_deg", 1, 0.3, 0.7, 25.0, 30.0, "typical stance peak 25&ndash;30&deg;",
     SRC_DF},
};
const size_t gs_report__n_curve_bands =
    sizeof(gs_report__curve_bands) / sizeof(gs_report__curve_bands[0]);

/* ---------------------------------------------------------------------------------------------
 * Page helpers
 * ------------------------------------------------------------------------------------------- */

void gs_report__cite(page *pg, src_id s)
{
    if (!pg->src_num[s])
        pg->src_num[s] = ++pg->n_cited;
    gs_html_printf(&pg->b, "<a class=\"fn\" href=\"#src-%d\" title=\"%s\">[%d]</a>", pg->src_num[s],
                   gs_report__sources[s].cite, pg->src_num[s]);
}

void gs_report__light_html(page *pg, light l, const char *what)
{
    static const char *const cls[4] = {"", "lg", "la", "lr"};
    static const char *const name[4] = {"", "within range", "borderline", "outside range"};
    if (l == LIGHT_NONE)
        return;
    if (what && !strncmp(what, "SI", 2))
        pg->has_si_lights = 1;
    else
        pg->has_lights = 1;
    gs_html_printf(&pg->b,
                   "<span class=\"tl %s\" title=\"%s%s\" role=\"img\" aria-label=\"%s\"></span>",
                   cls[l], what ? what : "", name[l], name[l]);
}

const char *gs_report__side_name(const char *side)
{
    if (!side)
        return "";
    if (!strcmp(side, "left"))
        return "Left";
    if (!strcmp(side, "right"))
        return "Right";
    if (!strcmp(side, "both"))
        return "Both sides";
    return NULL;
}
