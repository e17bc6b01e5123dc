/*
 * report.html: the one self-contained page a coach or a therapist reads (issue 8, item 4).
 *
 * Everything is inline (CSS and SVG); the page needs no script and no network. The only links
 * are the relative ones the caller gives (overlay clip, key frames, contact sheet). Every string
 * taken from analysis.json is HTML-escaped, so a clip named "<script>" stays text.
 *
 * Reference ranges come from ../shared/REFERENCES.md (section 5); each carries its source, cited
 * next to the number and listed under "Sources" at the end. Traffic lights: green = inside the
 * published mean +- 1 SD (or the published "good" range), amber = within 2 SD (or the published
 * outer range), red = beyond. A metric without a published range gets the reference text (or
 * nothing) but no light. Ranges are for running: a walking clip gets no lights.
 */
#include "report.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------------------------------------
 * Output buffer
 * ------------------------------------------------------------------------------------------- */

typedef gs_html_buf buf; /* report.h: shared with comparison.html */

static void b_put(buf *b, const char *s, size_t len)
{
    if (b->oom)
        return;
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        char *p;
        while (cap < b->n + len + 1)
            cap *= 2;
        p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

static void b_puts(buf *b, const char *s)
{
    b_put(b, s, strlen(s));
}

static void b_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void b_printf(buf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    int k;
    va_start(ap, fmt);
    k = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (k < 0)
        return;
    if ((size_t)k < sizeof(tmp)) {
        b_put(b, tmp, (size_t)k);
        return;
    }
    {
        char *big = malloc((size_t)k + 1);
        if (!big) {
            b->oom = 1;
            return;
        }
        va_start(ap, fmt);
        vsnprintf(big, (size_t)k + 1, fmt, ap);
        va_end(ap);
        b_put(b, big, (size_t)k);
        free(big);
    }
}

/* Text (or an attribute value) with the five HTML-special characters escaped. */
static void b_esc(buf *b, const char *s)
{
    const char *run = s;
    if (!s)
        return;
    for (; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            break;
        }
        if (rep) {
            b_put(b, run, (size_t)(s - run));
            b_puts(b, rep);
            run = s + 1;
        }
    }
    b_put(b, run, (size_t)(s - run));
}

/* ---------------------------------------------------------------------------------------------
 * JSON access (all tolerant: a missing or mistyped key reads as absent)
 * ------------------------------------------------------------------------------------------- */

static const cJSON *jget(const cJSON *o, const char *k)
{
    return o && cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

static double jnum(const cJSON *o, const char *k)
{
    const cJSON *v = jget(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = jget(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Formats v with dec decimals ("-" for a missing value), avoiding "-0.0". */
static const char *fmt(char *dst, size_t n, double v, int dec)
{
    if (!isfinite(v)) {
        snprintf(dst, n, "&ndash;");
        return dst;
    }
    if (fabs(v) < 0.5 * pow(10.0, -dec))
        v = 0.0;
    snprintf(dst, n, "%.*f", dec, v);
    return dst;
}

/* As fmt(), with a "+" in front of a positive value that does not round to zero. */
static const char *fmt_signed(char *dst, size_t n, double v, int dec)
{
    fmt(dst + 1, n - 1, v, dec);
    if (isfinite(v) && v > 0 && strtod(dst + 1, NULL) != 0.0) {
        dst[0] = '+';
        return dst;
    }
    return dst + 1;
}

/* ---------------------------------------------------------------------------------------------
 * Sources and reference ranges (../shared/REFERENCES.md section 5)
 * ------------------------------------------------------------------------------------------- */

typedef enum src_id {
    SRC_HEIDERSCHEIT = 0,
    SRC_CADENCE_IJSPT = 1,
    SRC_TENG = 2,
    SRC_SOUZA = 3,
    SRC_VO = 4,
    SRC_DF = 5,
    SRC_ALTMAN = 6,
    SRC_BRAMAH = 7,
    SRC_FPPA = 8,
    SRC_SI = 9,
    SRC_DINGENEN = 10,
    SRC_ACCURACY = 11,
    SRC_COUNT = 12
} src_id;

typedef struct ref_source {
    const char *cite; /* short form shown next to a number */
    const char *full; /* footnote text */
} ref_source;

static const ref_source sources[SRC_COUNT] = {
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
};
_Static_assert(sizeof(sources) / sizeof(sources[0]) == SRC_COUNT, "one entry per src_id");

/* A reference for one metric key. */
typedef struct metric_ref {
    const char *key;
    int run_only;      /* the source measured runners */
    int banded;        /* 1: traffic light from the bands below */
    double g_lo, g_hi; /* green: inside [g_lo, g_hi] */
    double a_lo, a_hi; /* amber: inside [a_lo, a_hi]; red beyond */
    const char *text;  /* reference column text (HTML, trusted) */
    src_id src;
} metric_ref;

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

static const metric_ref *find_ref(const char *key)
{
    for (size_t i = 0; i < sizeof(metric_refs) / sizeof(metric_refs[0]); i++)
        if (!strcmp(metric_refs[i].key, key))
            return &metric_refs[i];
    return NULL;
}

typedef enum light { LIGHT_NONE = 0, LIGHT_GREEN = 1, LIGHT_AMBER = 2, LIGHT_RED = 3 } light;

static light light_of(const metric_ref *r, double v)
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
static light light_of_si(double si)
{
    if (!isfinite(si))
        return LIGHT_NONE;
    si = fabs(si);
    return si <= 5.0 ? LIGHT_GREEN : si <= 10.0 ? LIGHT_AMBER : LIGHT_RED;
}

/* Left-right angle difference worth a look (SRC_DINGENEN; the nkt rules use the same 4 deg). */
#define ANGLE_DIFF_NOTABLE_DEG 4.0
/* Strides per side for a stable mean (Dingenen 2018: >= 7 steps). */
#define STABLE_MEAN_STRIDES 7

/* ---------------------------------------------------------------------------------------------
 * Metric and curve labels
 * ------------------------------------------------------------------------------------------- */

typedef enum metric_group {
    GRP_TIMING = 0,
    GRP_SAGITTAL = 1,
    GRP_FRONTAL = 2,
    GRP_LENGTH = 3,
    GRP_ARMS = 4,
    GRP_3D = 5,
    GRP_OTHER = 6,
    GRP_COUNT = 7
} metric_group;

static const char *const group_names[GRP_COUNT] = {"Timing",
                                                   "Side-view angles",
                                                   "Rear/front-view angles",
                                                   "Lengths and speed",
                                                   "Arms",
                                                   "3D estimates (secondary, from world landmarks)",
                                                   "Other"};

/* Labels, groups and decimals come from the one metric table (gait.h gs_metric_info); the
 * report's groups are its groups in the same order, plus "Other" for keys it does not know. */
_Static_assert((int)GRP_TIMING == (int)GS_METRIC_GROUP_TIMING && (int)GRP_3D == (int)GS_METRIC_GROUP_3D &&
                   (int)GRP_OTHER == (int)GS_METRIC_GROUP_COUNT,
               "report groups follow gs_metric_group");
typedef gs_metric_info metric_info;

static const metric_info *find_info(const char *key)
{
    return gs_metric_find(key);
}

/* Unit as shown: degrees as a symbol, fractions bare. */
static const char *unit_text(const char *unit)
{
    if (!unit || !strcmp(unit, "fraction"))
        return "";
    if (!strcmp(unit, "deg"))
        return "&deg;";
    return NULL; /* caller escapes and prints the unit itself */
}

typedef struct curve_info {
    const char *key;
    const char *label;
    const char *sign; /* sign convention (DESIGN.md "Conventions") */
} curve_info;

static const curve_info curve_infos[] = {
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

/* Normative bands drawn on the curves (running only: the sources measured runners). */
typedef struct curve_band {
    const char *key;
    int in_stance;     /* 1: x0, x1 are fractions of stance (0 = contact, 1 = toe-off) */
    double x0, x1;     /* else % of stride */
    double lo, hi;     /* degrees */
    const char *label; /* HTML, trusted */
    src_id src;
} curve_band;

static const curve_band curve_bands[] = {
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

/* ---------------------------------------------------------------------------------------------
 * Page state
 * ------------------------------------------------------------------------------------------- */

typedef struct page {
    buf b;
    const cJSON *a;
    const gs_report_html_options *opt;
    int src_num[SRC_COUNT]; /* footnote number, 0 = not cited yet */
    int n_cited;
    int run; /* activity is running: reference ranges apply */
    int has_lights;
} page;

/* Cites source s: a footnote link "[n]" (numbers in order of first use). */
static void cite(page *pg, src_id s)
{
    if (!pg->src_num[s])
        pg->src_num[s] = ++pg->n_cited;
    b_printf(&pg->b, "<a class=\"fn\" href=\"#src-%d\" title=\"%s\">[%d]</a>", pg->src_num[s],
             sources[s].cite, pg->src_num[s]);
}

static void light_html(page *pg, light l, const char *what)
{
    static const char *const cls[4] = {"", "lg", "la", "lr"};
    static const char *const name[4] = {"", "within range", "borderline", "outside range"};
    if (l == LIGHT_NONE)
        return;
    pg->has_lights = 1;
    b_printf(&pg->b, "<span class=\"tl %s\" title=\"%s%s\" role=\"img\" aria-label=\"%s\"></span>",
             cls[l], what ? what : "", name[l], name[l]);
}

static const char *side_name(const char *side)
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

/* ---------------------------------------------------------------------------------------------
 * Sections
 * ------------------------------------------------------------------------------------------- */

static const char css[] =
    ":root{--l:#d55e00;--r:#0072b2;--ink:#1b1f24;--mute:#5b6470;--line:#d9dee4;--bg:#f6f7f9;"
    "--card:#fff;--g:#1a9850;--a:#e6a100;--x:#d73027}"
    "*{box-sizing:border-box}"
    "html{-webkit-text-size-adjust:100%}"
    "body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"
    "'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}"
    "main{max-width:1120px;margin:0 auto;padding:16px}"
    "header.top{background:#23303f;color:#fff;padding:18px 16px}"
    "header.top .in{max-width:1120px;margin:0 auto}"
    "header.top h1{margin:0 0 4px;font-size:1.5rem;line-height:1.25;word-break:break-word}"
    "header.top p{margin:0;color:#c9d3de;font-size:.9rem}"
    "section{background:var(--card);border:1px solid var(--line);border-radius:10px;"
    "padding:14px 16px;margin:14px 0}"
    "h2{font-size:1.2rem;margin:0 0 10px}"
    "h3{font-size:1.05rem;margin:0}"
    ".sub{color:var(--mute);font-size:.88rem}"
    ".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:10px;"
    "margin:0}"
    ".cards div{background:var(--bg);border-radius:8px;padding:8px 10px}"
    ".cards dt{font-size:.78rem;text-transform:uppercase;letter-spacing:.04em;color:var(--mute)}"
    ".cards dd{margin:2px 0 0;font-weight:600}"
    ".cards dd small{font-weight:400;color:var(--mute)}"
    ".units{margin:10px 0 0;font-size:.88rem;color:var(--mute)}"
    ".alert{border-radius:10px;padding:12px 16px;margin:14px 0;border:1px solid}"
    ".alert.err{background:#fdecea;border-color:#e8a39b;color:#6b1a12}"
    ".alert.err strong{font-size:1.1rem;display:block;margin-bottom:2px}"
    ".alert.warn{background:#fff7e0;border-color:#ecd08a;color:#4d3a00}"
    ".alert ul{margin:4px 0 0;padding-left:20px}"
    ".tw{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:0 -4px;padding:0 4px}"
    "table{border-collapse:collapse;width:100%;font-size:.9rem}"
    "th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:right;"
    "white-space:nowrap;vertical-align:top}"
    "th:first-child,td:first-child{text-align:left;white-space:normal;min-width:150px;"
    "position:sticky;left:0;background:var(--card)}"
    "thead th{font-size:.78rem;text-transform:uppercase;letter-spacing:.03em;color:var(--mute);"
    "border-bottom:2px solid var(--line)}"
    "tr.grp td{background:var(--bg);font-weight:600;text-align:left;color:#35404c}"
    "td.ref{text-align:left;color:var(--mute);font-size:.84rem}"
    "td small,.n{color:var(--mute);font-size:.8em}"
    ".mu{color:var(--mute);font-weight:400;font-size:.85em}"
    ".tl{display:inline-block;width:.8em;height:.8em;margin-right:6px;vertical-align:-.05em}"
    ".tl.lg{background:var(--g);border-radius:50%}"
    ".tl.la{background:var(--a);transform:rotate(45deg) scale(.85)}"
    ".tl.lr{background:var(--x);border-radius:2px}"
    ".flag{color:#a35a00;font-weight:600}"
    "a.fl{font-size:.75rem;white-space:nowrap;text-decoration:none;color:#9a3b12;"
    "background:#fbe5d8;border-radius:99px;padding:0 6px;margin-left:2px}"
    ".legend{font-size:.84rem;color:var(--mute);margin:8px 0 0}"
    ".legend>span{margin-right:14px;display:inline-block}"
    ".sw{display:inline-block;width:14px;height:4px;border-radius:2px;vertical-align:middle;"
    "margin-right:5px}"
    ".sw.l{background:var(--l)}.sw.r{background:var(--r)}"
    ".sw.n{background:#8fbf8f;height:10px;opacity:.6}"
    ".plots{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(400px,100%),1fr));"
    "gap:18px 22px}"
    "figure{margin:0}"
    ".plot h3{font-size:.98rem}"
    ".plot svg{width:100%;height:auto;display:block}"
    ".plot figcaption{font-size:.8rem;color:var(--mute)}"
    ".frames{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}"
    ".frames.by3{grid-template-columns:repeat(3,minmax(0,1fr))}"
    "@media (min-width:900px){.frames.by6{grid-template-columns:repeat(6,minmax(0,1fr))}}"
    ".frames img,.sheet img{width:100%;height:auto;display:block;border-radius:6px;"
    "background:#e4e7eb}"
    ".frames figcaption{font-size:.82rem;color:var(--mute);margin-top:3px}"
    ".sheet{margin-top:12px}.sheet img{width:auto;max-width:100%;max-height:min(80vh,900px);"
    "margin:0 auto}"
    "video{width:100%;max-height:min(75vh,720px);background:#000;border-radius:8px}"
    ".finding{border-top:1px solid var(--line);padding:14px 0 4px}"
    ".finding:first-of-type{border-top:0;padding-top:2px}"
    ".fh{display:flex;flex-wrap:wrap;align-items:baseline;gap:6px 10px}"
    ".badge{font-size:.75rem;font-weight:600;padding:1px 8px;border-radius:99px;"
    "background:#e8ebef;color:#35404c}"
    ".badge.left{background:#fbe5d8;color:#7a3000}.badge.right{background:#dcebf7;color:#00466e}"
    ".meters{display:flex;flex-wrap:wrap;gap:4px 18px;margin:8px 0;font-size:.85rem}"
    ".meter{display:flex;align-items:center;gap:6px}"
    ".bar{display:inline-block;width:110px;height:8px;background:#e8ebef;border-radius:4px;"
    "overflow:hidden}"
    ".bar i{display:block;height:100%;background:#6b7c8f}"
    ".bar.sev i{background:#c2552d}"
    ".hyp{background:#f3f5f8;border-left:4px solid #6b7c8f;padding:8px 12px;margin:8px 0;"
    "border-radius:0 6px 6px 0}"
    ".finding h4{font-size:.82rem;text-transform:uppercase;letter-spacing:.04em;color:var(--mute);"
    "margin:12px 0 4px}"
    ".finding ul,.finding ol{margin:0;padding-left:22px}"
    ".finding li{margin:3px 0}"
    ".src{display:block;color:var(--mute);font-size:.8rem}"
    ".note{font-size:.85rem;color:var(--mute)}"
    "details{margin-top:8px}summary{cursor:pointer;color:#35404c}"
    "ol.refs{font-size:.84rem;padding-left:24px;margin:0}ol.refs li{margin:4px 0}"
    "a{color:#005a8c}a.fn{text-decoration:none;font-size:.78em;vertical-align:super;"
    "margin-left:2px}"
    "nav.toc{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:.88rem;margin:10px 0 0}"
    "nav.toc a{color:#c9e2f5;text-decoration:none}"
    ".top-f{margin:10px 0 0;padding-left:20px}.top-f li{margin:2px 0}"
    "footer{color:var(--mute);font-size:.8rem;text-align:center;padding:8px 16px 24px}"
    "@media (max-width:600px){body{font-size:14px}main{padding:8px}section{padding:12px;"
    "border-radius:8px}header.top h1{font-size:1.25rem}.cards{grid-template-columns:1fr 1fr}"
    ".frames{grid-template-columns:1fr 1fr}.bar{width:80px}"
    "table{font-size:.84rem}th,td{padding:5px 5px}th:first-child,td:first-child{min-width:96px;"
    "max-width:130px}td small{display:block}"
    ".plot svg{font-size:14px}}"
    "@media print{header.top{background:none;color:#000}header.top p{color:#333}"
    "section{break-inside:avoid}}";

static int count_used_strides(const cJSON *a, const char *side, int *dropped)
{
    const cJSON *s, *st = jget(a, "strides");
    int n = 0;
    if (dropped)
        *dropped = 0;
    cJSON_ArrayForEach(s, st)
    {
        const char *sd = jstr(s, "side");
        if (!sd || strcmp(sd, side))
            continue;
        if (cJSON_IsTrue(jget(s, "used")))
            n++;
        else if (dropped)
            (*dropped)++;
    }
    return n;
}

/* 1 when the analysis got as far as the gait stage (else only the error and media are shown). */
static int has_measurements(const cJSON *a)
{
    return a && (jget(a, "view") || jget(a, "metrics"));
}

static void write_head(page *pg)
{
    /* the caller's title, else the clip (or pose file) named in the analysis */
    const cJSON *src = jget(pg->a, "source");
    const char *title = pg->opt->title;
    if (!title)
        title = jstr(src, "video");
    if (!title)
        title = jstr(src, "pose");
    if (!title)
        title = "gait analysis";
    b_puts(&pg->b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<meta name=\"color-scheme\" content=\"light\">\n<title>Gait report: ");
    b_esc(&pg->b, title);
    b_puts(&pg->b, "</title>\n<style>");
    b_puts(&pg->b, css);
    b_puts(&pg->b, "</style>\n</head>\n<body>\n<header class=\"top\"><div class=\"in\">\n<h1>");
    b_esc(&pg->b, title);
    b_puts(&pg->b, "</h1>\n<p>Gait analysis report");
    {
        char when[64] = "";
        time_t now = time(NULL);
        struct tm tmv;
        if (gmtime_r(&now, &tmv) && strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tmv))
            b_printf(&pg->b, " &middot; %s", when);
    }
    if (pg->opt->generated_by) {
        b_puts(&pg->b, " &middot; ");
        b_esc(&pg->b, pg->opt->generated_by);
    }
    b_puts(&pg->b, "</p>\n<nav class=\"toc\" aria-label=\"sections\">");
    if (has_measurements(pg->a)) {
        b_puts(&pg->b, "<a href=\"#summary\">Summary</a><a href=\"#metrics\">Metrics</a>");
        if (cJSON_GetArraySize(jget(pg->a, "curves")) > 0)
            b_puts(&pg->b, "<a href=\"#curves\">Curves</a>");
    }
    if (pg->opt->overlay_href)
        b_puts(&pg->b, "<a href=\"#overlay\">Clip</a>");
    if (pg->opt->n_keyframes > 0 || pg->opt->contact_sheet_href)
        b_puts(&pg->b, "<a href=\"#keyframes\">Key frames</a>");
    if (pg->a)
        b_puts(&pg->b, "<a href=\"#findings\">Findings</a><a href=\"#methods\">Methods &amp; "
                       "sources</a>");
    b_puts(&pg->b, "</nav>\n</div></header>\n<main>\n");
}

/* The analysis error: analysis.json's "error" is a string (docs/schemas/analysis.schema.json). */
static const char *error_message(const cJSON *a, const char **code)
{
    const cJSON *e = jget(a, "error");
    *code = NULL;
    return cJSON_IsString(e) ? e->valuestring : NULL;
}

static void warn_item(buf *b, const cJSON *w)
{
    const char *t = cJSON_IsString(w) ? w->valuestring : NULL; /* warnings are strings */
    if (!t)
        return;
    b_puts(b, "<li>");
    b_esc(b, t);
    b_puts(b, "</li>\n");
}

/*
 * Event timing: video events are good to about +-1-2 frames (REFERENCES.md 3b: Stenum 2021,
 * Young 2023), so below ~50 frames/s the error is a tenth of a running contact time or more and
 * is worth a warning; above, it is a methods note.
 */
#define LOW_FPS 50.0

static int timing_is_low(const cJSON *a)
{
    double dur = jnum(jget(a, "source"), "duration_s");
    double frames = jnum(jget(a, "source"), "frames");
    return isfinite(dur) && dur > 0 && isfinite(frames) && frames > 1 &&
           (frames - 1) / dur < LOW_FPS;
}

static void timing_note(buf *b, const cJSON *a)
{
    double dur = jnum(jget(a, "source"), "duration_s");
    double frames = jnum(jget(a, "source"), "frames");
    double ef = jnum(jget(a, "methods"), "expected_error_frames"), fps;
    char t1[32], t2[32], t3[32];
    if (!(isfinite(dur) && dur > 0 && isfinite(frames) && frames > 1))
        return;
    fps = (frames - 1) / dur;
    if (!isfinite(ef))
        ef = 1.5;
    b_printf(b,
             "<li>At %s frames/s, contact and toe-off times are known to about &plusmn;%s ms "
             "(&plusmn;%s frames); contact and flight times carry that error.</li>\n",
             fmt(t1, sizeof(t1), fps, 0), fmt(t2, sizeof(t2), 1000.0 * ef / fps, 0),
             fmt(t3, sizeof(t3), ef, 1));
}

static void write_alerts(page *pg)
{
    buf *b = &pg->b;
    const cJSON *a = pg->a, *w, *q = jget(pg->a, "quality");
    const char *code, *msg = error_message(a, &code);
    int nl = count_used_strides(a, "left", NULL), nr = count_used_strides(a, "right", NULL);
    size_t mark;
    char t1[32];

    if (!a) {
        b_puts(b, "<div class=\"alert err\" role=\"alert\"><strong>No analysis</strong>The "
                  "pipeline produced no analysis data for this clip.</div>\n");
        return;
    }
    if (msg) {
        b_puts(b, "<div class=\"alert err\" role=\"alert\"><strong>The analysis could not be "
                  "completed</strong>");
        b_esc(b, msg);
        if (code && strcmp(code, msg)) {
            b_puts(b, " <span class=\"mu\">(");
            b_esc(b, code);
            b_puts(b, ")</span>");
        }
        if (has_measurements(a))
            b_printf(b,
                     "<br>Strides usable: %d left, %d right. Whatever could be measured is shown "
                     "below; treat it as incomplete.</div>\n",
                     nl, nr);
        else
            b_puts(b, "<br>Nothing could be measured from this clip.</div>\n");
    }

    /* Warnings: the pipeline's, the quality block's, the gait notes, and our own checks. */
    mark = b->n;
    b_puts(b, "<div class=\"alert warn\"><strong>Quality notes</strong><ul>\n");
    {
        size_t body = b->n;
        double conf = jnum(jget(a, "view"), "confidence");
        cJSON_ArrayForEach(w, jget(a, "warnings")) warn_item(b, w);
        cJSON_ArrayForEach(w, jget(q, "warnings")) warn_item(b, w);
        if (cJSON_IsObject(q)) {
            cJSON_ArrayForEach(w, q)
            {
                if (!w->string || !strcmp(w->string, "warnings"))
                    continue;
                if (cJSON_IsString(w) || cJSON_IsNumber(w) || cJSON_IsBool(w)) {
                    b_puts(b, "<li>");
                    b_esc(b, w->string);
                    b_puts(b, ": ");
                    if (cJSON_IsString(w))
                        b_esc(b, w->valuestring);
                    else if (cJSON_IsBool(w))
                        b_puts(b, cJSON_IsTrue(w) ? "yes" : "no");
                    else
                        b_printf(b, "%.4g", w->valuedouble);
                    b_puts(b, "</li>\n");
                }
            }
        }
        cJSON_ArrayForEach(w, jget(a, "notes")) warn_item(b, w);
        if (isfinite(conf) && conf < 0.7)
            b_printf(b,
                     "<li>The camera view was hard to tell (confidence %s %%): check the view "
                     "line above and rerun with <code>--view</code> if it is wrong.</li>\n",
                     fmt(t1, sizeof(t1), 100 * conf, 0));
        if (!msg && (nl < STABLE_MEAN_STRIDES || nr < STABLE_MEAN_STRIDES) && nl + nr > 0) {
            b_printf(b,
                     "<li>Only %d left and %d right strides were usable; means from fewer than "
                     "%d strides per side are less stable",
                     nl, nr, STABLE_MEAN_STRIDES);
            cite(pg, SRC_DINGENEN);
            b_puts(b, ". A longer clip helps.</li>\n");
        }
        if (timing_is_low(a))
            timing_note(b, a);
        if (b->n == body) {
            b->n = mark; /* nothing to say: drop the box */
            if (b->p)
                b->p[b->n] = '\0';
        } else {
            b_puts(b, "</ul></div>\n");
        }
    }
}

static const char *activity_text(const char *s)
{
    if (!s)
        return "unknown";
    if (!strcmp(s, "run"))
        return "running";
    if (!strcmp(s, "walk"))
        return "walking";
    return NULL;
}

static void write_summary(page *pg)
{
    buf *b = &pg->b;
    const cJSON *a = pg->a, *view = jget(a, "view"), *scale = jget(a, "scale");
    const cJSON *cad = jget(jget(jget(a, "metrics"), "cadence_spm"), "all");
    const char *kind = jstr(view, "kind");
    const char *act = jstr(a, "activity"), *setting = jstr(a, "setting");
    const char *lu = jstr(scale, "length_unit"), *code;
    double conf = jnum(view, "confidence"), h = jnum(scale, "height_m");
    double dur = jnum(jget(a, "source"), "duration_s");
    int dl, dr, nl = count_used_strides(a, "left", &dl), nr = count_used_strides(a, "right", &dr);
    char t1[32], t2[32];

    b_puts(b, "<section id=\"summary\"><h2>Summary</h2>\n<dl class=\"cards\">\n");
    b_puts(b, "<div><dt>View</dt><dd>");
    /* side views are named by the body side facing the camera (gait.h) */
    if (kind && !strcmp(kind, "side-left"))
        b_puts(b, "side <small>(left side to camera)</small>");
    else if (kind && !strcmp(kind, "side-right"))
        b_puts(b, "side <small>(right side to camera)</small>");
    else if (kind && !strcmp(kind, "rear"))
        b_puts(b, "from behind");
    else if (kind && !strcmp(kind, "front"))
        b_puts(b, "from the front");
    else
        b_esc(b, kind ? kind : "unknown");
    if (isfinite(conf))
        b_printf(b, "<br><small>confidence %s %%</small>", fmt(t1, sizeof(t1), 100 * conf, 0));
    b_puts(b, "</dd></div>\n<div><dt>Activity</dt><dd>");
    if (activity_text(act))
        b_puts(b, activity_text(act));
    else
        b_esc(b, act);
    b_puts(b, "</dd></div>\n<div><dt>Setting</dt><dd>");
    b_esc(b, setting ? setting : "unknown");
    b_puts(b, "</dd></div>\n");
    b_printf(b, "<div><dt>Strides used</dt><dd>left %d &middot; right %d", nl, nr);
    if (dl + dr > 0)
        b_printf(b, "<br><small>%d dropped (see below)</small>", dl + dr);
    b_puts(b, "</dd></div>\n");
    if (cad) {
        b_printf(b, "<div><dt>Cadence</dt><dd>%s <small>steps/min",
                 fmt(t1, sizeof(t1), jnum(cad, "mean"), 1));
        if (isfinite(jnum(cad, "sd")))
            b_printf(b, " &plusmn; %s", fmt(t2, sizeof(t2), jnum(cad, "sd"), 1));
        b_puts(b, "</small></dd></div>\n");
    }
    {
        /* foot strike class per side, from the strike angles (Altman & Davis 2012) */
        const cJSON *fsk = jget(a, "foot_strike");
        int shown = 0;
        for (int s = 0; s < 2 && cJSON_IsObject(fsk); s++) {
            const cJSON *so = jget(fsk, s ? "right" : "left");
            const char *cls = jstr(so, "class");
            double cnt = cls ? jnum(so, cls) : NAN;
            double tot = jnum(so, "rearfoot") + jnum(so, "midfoot") + jnum(so, "forefoot");
            if (!cls)
                continue;
            b_puts(b, shown ? "<br>" : "<div><dt>Foot strike</dt><dd>");
            b_printf(b, "%s ", s ? "right" : "left");
            b_esc(b, cls);
            if (isfinite(cnt) && isfinite(tot) && tot > 0)
                b_printf(b, " <small>(%.0f/%.0f)</small>", cnt, tot);
            shown = 1;
        }
        if (shown) {
            cite(pg, SRC_ALTMAN);
            b_puts(b, "</dd></div>\n");
        }
    }
    b_puts(b, "<div><dt>Scale</dt><dd>");
    if (isfinite(h) && h > 0)
        b_printf(b, "from height %s m <small>(&plusmn;%s %%)</small>", fmt(t1, sizeof(t1), h, 2),
                 fmt(t2, sizeof(t2), 100 * jnum(scale, "uncertainty"), 0));
    else if (lu && !strcmp(lu, "cm"))
        b_puts(b, "metric");
    else
        b_puts(b, "none <small>(lengths in leg lengths)</small>");
    b_puts(b, "</dd></div>\n");
    if (isfinite(dur))
        b_printf(b, "<div><dt>Clip analysed</dt><dd>%s s <small>(%.0f frames)</small></dd></div>\n",
                 fmt(t1, sizeof(t1), dur, 1), jnum(jget(a, "source"), "frames"));
    b_puts(b, "</dl>\n<p class=\"units\">Cadence = steps per minute, both feet (a stride is two "
              "steps). Angles in degrees; left and right are the person&rsquo;s own. ");
    if (lu && strcmp(lu, "cm"))
        b_puts(b, "No body height was given, so lengths are in <b>leg lengths</b> "
                  "(hip&ndash;knee + knee&ndash;ankle); give <code>--height</code> for "
                  "centimetres. ");
    b_puts(b, "SI = symmetry index, 100 &middot; (L &minus; R) / mean of L and R, positive when "
              "the left is larger.</p>\n");
    {
        const cJSON *fs = jget(a, "findings"), *f;
        int n = cJSON_IsArray(fs) ? cJSON_GetArraySize(fs) : -1, i = 0;
        if (n == 0 && !error_message(a, &code))
            b_puts(b, "<p><b>Findings:</b> none of the compensation rules fired.</p>\n");
        else if (n <= 0)
            b_puts(b, "<p><b>Findings:</b> not evaluated, the analysis did not complete.</p>\n");
        if (n > 0) {
            b_printf(b,
                     "<p style=\"margin:10px 0 0\"><b>Findings (%d)</b>, most severe &times; "
                     "most certain first; hypotheses to test, not a diagnosis:</p>"
                     "<ol class=\"top-f\">\n",
                     n);
            cJSON_ArrayForEach(f, fs)
            {
                const char *title = jstr(f, "title");
                if (i >= 3)
                    break;
                b_printf(b, "<li><a href=\"#f-%d\">", i);
                b_esc(b, title ? title : jstr(f, "id") ? jstr(f, "id") : "finding");
                b_printf(b, "</a> <span class=\"mu\">severity %s, confidence %s</span></li>\n",
                         fmt(t1, sizeof(t1), jnum(f, "severity"), 2),
                         fmt(t2, sizeof(t2), jnum(f, "confidence"), 2));
                i++;
            }
            b_puts(b, "</ol>\n");
            if (n > 3)
                b_printf(b,
                         "<p class=\"sub\" style=\"margin:2px 0 0\"><a href=\"#findings\">"
                         "and %d more</a></p>\n",
                         n - 3);
        }
    }
    b_puts(b, "</section>\n");
}

static void write_side_cell(page *pg, const cJSON *s, const metric_ref *ref, int dec,
                            const char *unit, const char *sidename)
{
    buf *b = &pg->b;
    char t1[32], t2[32];
    double mean = jnum(s, "mean"), sd = jnum(s, "sd"), n = jnum(s, "n");
    const char *u = unit_text(unit);
    b_puts(b, "<td>");
    if (!s || !isfinite(mean)) {
        b_puts(b, "&ndash;</td>");
        return;
    }
    light_html(pg, pg->run || (ref && !ref->run_only) ? light_of(ref, mean) : LIGHT_NONE, sidename);
    b_puts(b, fmt(t1, sizeof(t1), mean, dec));
    if (u)
        b_puts(b, u);
    if (isfinite(sd))
        b_printf(b, " &plusmn; %s", fmt(t2, sizeof(t2), sd, dec));
    if (isfinite(n))
        b_printf(b, " <small>(%.0f)</small>", n);
    b_puts(b, "</td>");
}

static void write_metric_row(page *pg, const char *key, const cJSON *m)
{
    buf *b = &pg->b;
    const metric_info *info = find_info(key);
    const metric_ref *ref = find_ref(key);
    const char *unit = jstr(m, "unit");
    const cJSON *l = jget(m, "left"), *r = jget(m, "right");
    int dec = info ? info->decimals : 2;
    double diff = jnum(m, "diff"), si = jnum(m, "si");
    char t1[32];

    b_puts(b, "<tr><td>");
    b_esc(b, info ? info->label : key);
    if (unit && !unit_text(unit)) {
        b_puts(b, " <span class=\"mu\">");
        b_esc(b, unit);
        b_puts(b, "</span>");
    }
    if (!strcmp(key, "cadence_spm")) {
        const cJSON *all = jget(m, "all");
        if (isfinite(jnum(all, "mean")))
            b_printf(b, "<br><small>both feet %s</small>",
                     fmt(t1, sizeof(t1), jnum(all, "mean"), 1));
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
            b_printf(b, " <a class=\"fl\" href=\"#f-%d\">finding &rsaquo;</a>", hit);
    }
    b_puts(b, "</td>");
    write_side_cell(pg, l, ref, dec, unit, "left: ");
    write_side_cell(pg, r, ref, dec, unit, "right: ");
    /* L - R: for angles flag a difference beyond 4 deg and beyond the pooled stride SD */
    b_puts(b, "<td>");
    if (isfinite(diff)) {
        double sl = jnum(l, "sd"), sr = jnum(r, "sd");
        double pooled = isfinite(sl) && isfinite(sr) ? sqrt(0.5 * (sl * sl + sr * sr)) : NAN;
        int notable = unit && !strcmp(unit, "deg") && fabs(diff) > ANGLE_DIFF_NOTABLE_DEG &&
                      (!isfinite(pooled) || fabs(diff) > pooled);
        if (notable)
            b_puts(b, "<span class=\"flag\" title=\"beyond 4 deg and the stride-to-stride SD\">");
        b_puts(b, fmt_signed(t1, sizeof(t1), diff, dec));
        if (unit_text(unit))
            b_puts(b, unit_text(unit));
        if (notable) {
            b_puts(b, "</span>");
            cite(pg, SRC_DINGENEN);
        }
    } else {
        b_puts(b, "&ndash;");
    }
    b_puts(b, "</td><td>");
    if (isfinite(si)) {
        light_html(pg, light_of_si(si), "SI: ");
        b_printf(b, "%s %%", fmt_signed(t1, sizeof(t1), si, 1));
    } else {
        b_puts(b, "&ndash;");
    }
    b_puts(b, "</td><td class=\"ref\">");
    if (ref && (pg->run || !ref->run_only)) {
        b_puts(b, ref->text);
        b_printf(b, " <span class=\"nw\">%s", sources[ref->src].cite);
        cite(pg, ref->src);
        b_puts(b, "</span>");
    }
    b_puts(b, "</td></tr>\n");
}

static void write_metrics(page *pg)
{
    buf *b = &pg->b;
    const cJSON *ms = jget(pg->a, "metrics"), *m;
    int any_si = 0;

    b_puts(b, "<section id=\"metrics\"><h2>Metrics per side</h2>\n");
    if (!cJSON_IsObject(ms) || !ms->child) {
        b_puts(b, "<p>No metrics could be computed for this clip.</p></section>\n");
        return;
    }
    b_puts(b, "<p class=\"sub\">Mean &plusmn; SD over the usable strides (number of strides in "
              "brackets). Reference values are published figures for healthy runners");
    if (!pg->run)
        b_puts(b, "; this clip is not running, so they are not applied");
    b_puts(b, ".</p>\n<div class=\"tw\"><table>\n<thead><tr><th>Metric</th><th>Left</th>"
              "<th>Right</th><th>L &minus; R</th><th>SI</th><th style=\"text-align:left\">"
              "Reference</th></tr></thead>\n<tbody>\n");
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
                    b_printf(b, "<tr class=\"grp\"><td colspan=\"6\">%s</td></tr>\n",
                             group_names[g]);
                first = 0;
                any_si |= isfinite(jnum(m, "si"));
                write_metric_row(pg, gs_metric_at(i)->key, m);
            }
        } else {
            cJSON_ArrayForEach(m, ms)
            {
                if (!m->string || find_info(m->string) || !cJSON_IsObject(m))
                    continue;
                if (first)
                    b_printf(b, "<tr class=\"grp\"><td colspan=\"6\">%s</td></tr>\n",
                             group_names[g]);
                first = 0;
                write_metric_row(pg, m->string, m);
            }
        }
    }
    b_puts(b, "</tbody></table></div>\n<p class=\"legend\">");
    if (pg->has_lights)
        b_puts(b, "<span><span class=\"tl lg\"></span>within the reference range</span>"
                  "<span><span class=\"tl la\"></span>borderline</span>"
                  "<span><span class=\"tl lr\"></span>outside</span>");
    if (any_si) {
        b_puts(b, "<span>SI colours: 0&ndash;5&ndash;10 %");
        cite(pg, SRC_SI);
        b_puts(b, "</span>");
    }
    b_puts(b, "<span>Metrics without a published range have no light.</span></p>\n");
    {
        /* dropped strides, with the reasons */
        const cJSON *s;
        int nd = 0;
        cJSON_ArrayForEach(s, jget(pg->a, "strides")) nd += !cJSON_IsTrue(jget(s, "used"));
        if (nd > 0) {
            char t1[32];
            b_printf(b, "<details><summary>%d stride%s not used, and why</summary><ul>\n", nd,
                     nd == 1 ? "" : "s");
            cJSON_ArrayForEach(s, jget(pg->a, "strides"))
            {
                if (cJSON_IsTrue(jget(s, "used")))
                    continue;
                b_puts(b, "<li>");
                b_esc(b, jstr(s, "side") ? jstr(s, "side") : "?");
                b_printf(b, " stride at %s s: ", fmt(t1, sizeof(t1), jnum(s, "t0"), 2));
                b_esc(b, jstr(s, "why") ? jstr(s, "why") : "not used");
                b_puts(b, "</li>\n");
            }
            b_puts(b, "</ul></details>\n");
        }
    }
    b_puts(b, "</section>\n");
}

/* ---------------------------------------------------------------------------------------------
 * Curves (inline SVG)
 * ------------------------------------------------------------------------------------------- */

/* Plot geometry in SVG user units; the viewBox scales with the page width. */
#define PW 420.0
#define PH 230.0
#define PL 40.0 /* left margin (y labels) */
#define PR 14.0 /* right margin (room for "100") */
#define PT 10.0 /* top margin */
#define PB 30.0 /* bottom margin (x labels) */

static double nice_step(double range)
{
    double raw = range / 5.0, p = pow(10.0, floor(log10(raw))), f = raw / p;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
}

/* Mean of the toe-off as % of stride for side (duty factor or stance %), NAN if unknown. */
static double toe_off_pct(const cJSON *a, const char *side)
{
    const cJSON *ms = jget(a, "metrics");
    double v = jnum(jget(jget(ms, "duty_factor"), side), "mean");
    if (isfinite(v))
        return 100.0 * v;
    return jnum(jget(jget(ms, "stance_pct"), side), "mean");
}

static int curve_len(const cJSON *side_obj)
{
    const cJSON *m = jget(side_obj, "mean");
    return cJSON_IsArray(m) ? cJSON_GetArraySize(m) : 0;
}

static double arr_num(const cJSON *arr, int i)
{
    const cJSON *v = cJSON_GetArrayItem(arr, i);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void write_plot(page *pg, const curve_info *ci, const cJSON *c)
{
    buf *b = &pg->b;
    static const char *const sides[2] = {"left", "right"};
    /* left orange, right blue: the same as the overlay clip and the pose previews (MediaPipe's
     * drawing convention), so a side is one colour everywhere a user looks */
    static const char *const colours[2] = {"#d55e00", "#0072b2"};
    double lo = INFINITY, hi = -INFINITY, to[2];
    int n[2];
    char t1[32], t2[32];

    for (int s = 0; s < 2; s++) {
        const cJSON *so = jget(c, sides[s]);
        const cJSON *mean = jget(so, "mean"), *sd = jget(so, "sd");
        n[s] = curve_len(so);
        for (int i = 0; i < n[s]; i++) {
            double m = arr_num(mean, i), d = arr_num(sd, i);
            if (!isfinite(m))
                continue;
            if (!isfinite(d))
                d = 0;
            lo = fmin(lo, m - d);
            hi = fmax(hi, m + d);
        }
        to[s] = toe_off_pct(pg->a, sides[s]);
    }
    /* angles live within a few hundred degrees; anything else is corrupt data, not a plot */
    if (!(lo <= hi) || !isfinite(lo) || !isfinite(hi) || hi - lo > 1e4)
        return;
    if (pg->run)
        for (size_t k = 0; k < sizeof(curve_bands) / sizeof(curve_bands[0]); k++)
            if (!strcmp(curve_bands[k].key, ci->key)) {
                lo = fmin(lo, curve_bands[k].lo);
                hi = fmax(hi, curve_bands[k].hi);
            }
    if (hi - lo < 4) {
        double mid = 0.5 * (hi + lo);
        lo = mid - 2;
        hi = mid + 2;
    }
    {
        double step = nice_step(hi - lo);
        lo = floor(lo / step) * step;
        hi = ceil(hi / step) * step;

#define XS(p) (PL + (p) / 100.0 * (PW - PL - PR))
#define YS(v) (PT + (hi - (v)) / (hi - lo) * (PH - PT - PB))

        b_puts(b, "<figure class=\"plot\"><h3>");
        b_puts(b, ci->label);
        b_printf(b, " <span class=\"mu\">(&deg;, %s)</span></h3>\n", ci->sign);
        b_printf(b,
                 "<svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"%s: mean and SD "
                 "over the gait cycle, left and right\" font-size=\"12.5\" "
                 "font-family=\"system-ui,sans-serif\">\n",
                 PW, PH, ci->label);
        /* grid and y labels */
        for (double v = lo; v <= hi + 1e-9; v += step) {
            b_printf(b,
                     "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
                     "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#5b6470\">%s"
                     "</text>\n",
                     XS(0), XS(100), YS(v), YS(v), fabs(v) < 1e-9 ? "#9aa3ad" : "#e4e7eb", PL - 5,
                     YS(v) + 4, fmt(t1, sizeof(t1), v, step < 1 ? 1 : 0));
        }
        for (int p = 0; p <= 100; p += 20)
            b_printf(b,
                     "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#5b6470\">%d"
                     "</text>\n",
                     XS(p), PH - PB + 15, p);
        b_printf(b,
                 "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#5b6470\">%% of "
                 "stride (contact to contact)</text>\n",
                 XS(50), PH - 2);
        /* normative bands */
        if (pg->run)
            for (size_t k = 0; k < sizeof(curve_bands) / sizeof(curve_bands[0]); k++) {
                const curve_band *cb = &curve_bands[k];
                double x0 = cb->x0, x1 = cb->x1, tom = NAN;
                if (strcmp(cb->key, ci->key))
                    continue;
                if (cb->in_stance) {
                    tom = isfinite(to[0]) && isfinite(to[1]) ? 0.5 * (to[0] + to[1])
                          : isfinite(to[0])                  ? to[0]
                                                             : to[1];
                    if (!isfinite(tom))
                        continue;
                    x0 *= tom;
                    x1 *= tom;
                }
                b_printf(b,
                         "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                         "fill=\"#4daf4a\" fill-opacity=\"0.18\" stroke=\"#4daf4a\" "
                         "stroke-opacity=\"0.5\" stroke-dasharray=\"3 2\"/>\n",
                         XS(x0), YS(cb->hi), XS(x1) - XS(x0), YS(cb->lo) - YS(cb->hi));
            }
        /* toe-off lines */
        for (int s = 0; s < 2; s++)
            if (isfinite(to[s]) && to[s] > 0 && to[s] < 100 && n[s] > 0)
                b_printf(b,
                         "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                         "stroke-dasharray=\"4 3\" stroke-width=\"1.2\"/><text x=\"%.1f\" "
                         "y=\"%.1f\" fill=\"%s\" font-size=\"11\" text-anchor=\"%s\">TO %s"
                         "</text>\n",
                         XS(to[s]), XS(to[s]), PT, PH - PB, colours[s], XS(to[s]) + (s ? 3 : -3),
                         PT + 13 + 12 * s, colours[s], s ? "start" : "end", s ? "R" : "L");
        /* SD bands, then the means on top */
        for (int pass = 0; pass < 2; pass++)
            for (int s = 0; s < 2; s++) {
                const cJSON *so = jget(c, sides[s]);
                const cJSON *mean = jget(so, "mean"), *sd = jget(so, "sd");
                int first = 1;
                if (n[s] < 2)
                    continue;
                if (pass == 0) {
                    b_printf(b, "<path fill=\"%s\" fill-opacity=\"0.16\" d=\"", colours[s]);
                    for (int i = 0; i < n[s]; i++) {
                        double m = arr_num(mean, i), d = arr_num(sd, i);
                        if (!isfinite(m) || !isfinite(d))
                            continue;
                        b_printf(b, "%c%.1f %.1f", first ? 'M' : 'L', XS(100.0 * i / (n[s] - 1)),
                                 YS(m + d));
                        first = 0;
                    }
                    for (int i = n[s] - 1; i >= 0 && !first; i--) {
                        double m = arr_num(mean, i), d = arr_num(sd, i);
                        if (!isfinite(m) || !isfinite(d))
                            continue;
                        b_printf(b, "L%.1f %.1f", XS(100.0 * i / (n[s] - 1)), YS(m - d));
                    }
                    b_puts(b, first ? "\"/>\n" : "Z\"/>\n");
                } else {
                    b_printf(b,
                             "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2.2\" "
                             "stroke-linejoin=\"round\"%s d=\"",
                             colours[s], s ? " stroke-dasharray=\"7 3\"" : "");
                    for (int i = 0; i < n[s]; i++) {
                        double m = arr_num(mean, i);
                        if (!isfinite(m)) {
                            first = 1;
                            continue;
                        }
                        b_printf(b, "%c%.1f %.1f", first ? 'M' : 'L', XS(100.0 * i / (n[s] - 1)),
                                 YS(m));
                        first = 0;
                    }
                    b_puts(b, "\"/>\n");
                }
            }
        b_printf(b,
                 "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
                 "stroke=\"#c5ccd4\"/>\n</svg>\n",
                 XS(0), PT, XS(100) - XS(0), PH - PT - PB);
#undef XS
#undef YS
    }
    /* caption: strides per side, the bands and their sources */
    b_printf(b,
             "<figcaption><span class=\"sw l\"></span>left (%s strides) "
             "<span class=\"sw r\"></span>right (%s strides), mean &plusmn; SD",
             fmt(t1, sizeof(t1), jnum(jget(c, "left"), "n"), 0),
             fmt(t2, sizeof(t2), jnum(jget(c, "right"), "n"), 0));
    if (pg->run)
        for (size_t k = 0; k < sizeof(curve_bands) / sizeof(curve_bands[0]); k++)
            if (!strcmp(curve_bands[k].key, ci->key)) {
                b_printf(b, "; <span class=\"sw n\"></span>%s, %s", curve_bands[k].label,
                         sources[curve_bands[k].src].cite);
                cite(pg, curve_bands[k].src);
            }
    b_puts(b, "</figcaption></figure>\n");
}

static void write_curves(page *pg)
{
    buf *b = &pg->b;
    const cJSON *cs = jget(pg->a, "curves");
    int any = 0;
    for (size_t i = 0; i < sizeof(curve_infos) / sizeof(curve_infos[0]); i++) {
        const cJSON *c = jget(cs, curve_infos[i].key);
        if (curve_len(jget(c, "left")) > 1 || curve_len(jget(c, "right")) > 1)
            any = 1;
    }
    if (!any)
        return;
    b_puts(b, "<section id=\"curves\"><h2>Gait-cycle curves</h2>\n<p class=\"sub\">Each stride is "
              "time-normalised from one initial contact (0 %) to the next of the same foot "
              "(100 %); the line is the mean, the shading &plusmn; 1 SD over strides. Dashed "
              "vertical lines mark the mean toe-off (TO)");
    if (pg->run)
        b_puts(b, "; green boxes are published reference values for healthy runners");
    b_puts(b, ".</p>\n<div class=\"plots\">\n");
    for (size_t i = 0; i < sizeof(curve_infos) / sizeof(curve_infos[0]); i++) {
        const cJSON *c = jget(cs, curve_infos[i].key);
        if (curve_len(jget(c, "left")) > 1 || curve_len(jget(c, "right")) > 1)
            write_plot(pg, &curve_infos[i], c);
    }
    b_puts(b, "</div>\n</section>\n");
}

/* ---------------------------------------------------------------------------------------------
 * Media
 * ------------------------------------------------------------------------------------------- */

static void write_media(page *pg)
{
    buf *b = &pg->b;
    const gs_report_html_options *o = pg->opt;
    if (o->overlay_href) {
        b_puts(b, "<section id=\"overlay\"><h2>Overlay clip</h2>\n<video controls "
                  "preload=\"metadata\" playsinline src=\"");
        b_esc(b, o->overlay_href);
        b_puts(b, "\">Your browser cannot play the clip here: <a href=\"");
        b_esc(b, o->overlay_href);
        b_puts(b, "\">open it</a>.</video>\n<p class=\"sub\">Skeleton with left (orange) and right "
                  "(blue) sides, live joint angles, contact and toe-off markers, and each "
                  "finding highlighted on the frames where it shows. <a href=\"");
        b_esc(b, o->overlay_href);
        b_puts(b, "\">Open the clip on its own</a>.</p>\n</section>\n");
    }
    if ((o->keyframe_hrefs && o->n_keyframes > 0) || o->contact_sheet_href) {
        b_puts(b, "<section id=\"keyframes\"><h2>Key frames</h2>\n");
        if (o->keyframe_hrefs && o->n_keyframes > 0) {
            b_printf(b, "<div class=\"frames%s\">\n",
                     o->n_keyframes % 3    ? ""
                     : o->n_keyframes == 6 ? " by3 by6"
                                           : " by3");
            for (int i = 0; i < o->n_keyframes; i++) {
                const char *cap = o->keyframe_captions ? o->keyframe_captions[i] : NULL;
                if (!o->keyframe_hrefs[i])
                    continue;
                b_puts(b, "<figure><a href=\"");
                b_esc(b, o->keyframe_hrefs[i]);
                b_puts(b, "\"><img loading=\"lazy\" src=\"");
                b_esc(b, o->keyframe_hrefs[i]);
                b_puts(b, "\" alt=\"");
                b_esc(b, cap ? cap : "key frame");
                b_puts(b, "\"></a>");
                if (cap) {
                    b_puts(b, "<figcaption>");
                    b_esc(b, cap);
                    b_puts(b, "</figcaption>");
                }
                b_puts(b, "</figure>\n");
            }
            b_puts(b, "</div>\n");
        }
        if (o->contact_sheet_href) {
            b_puts(b, "<figure class=\"sheet\"><a href=\"");
            b_esc(b, o->contact_sheet_href);
            b_puts(b, "\"><img loading=\"lazy\" src=\"");
            b_esc(b, o->contact_sheet_href);
            b_puts(b, "\" alt=\"contact sheet of the key frames with angles\"></a>"
                      "<figcaption class=\"sub\">Contact sheet: the key frames side by side, "
                      "annotated with the angles.</figcaption></figure>\n");
        }
        b_puts(b, "</section>\n");
    }
}

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
            b_puts(b, i == n - 1 ? last_sep : sep);
        b_esc(b, v->valuestring);
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
    b_printf(b,
             "<span class=\"meter\">%s <span class=\"bar %s\" role=\"img\" aria-label=\"%s "
             "%s of 1\"><i style=\"width:%.0f%%\"></i></span> %s</span>",
             name, cls, name, fmt(t1, sizeof(t1), v, 2), 100 * v, t1);
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
    b_puts(b, fmt(t, sizeof(t), v, dec));
    if (unit_text(unit)) {
        b_puts(b, unit_text(unit));
    } else if (unit) {
        b_puts(b, " ");
        b_esc(b, unit);
    }
}

static void write_evidence(page *pg, const cJSON *ev)
{
    buf *b = &pg->b;
    const char *metric = jstr(ev, "metric"), *unit = jstr(ev, "unit");
    const char *measure = jstr(ev, "measure"), *cmp = jstr(ev, "comparison");
    const char *side = jstr(ev, "side"), *src = jstr(ev, "source");
    const metric_info *info = metric ? find_info(metric) : NULL;
    const char *vu = jstr(ev, "value_unit");
    int dec = info ? info->decimals : 2;
    int asym = measure && !strcmp(measure, "asymmetry");
    double value = jnum(ev, "value"), thr = jnum(ev, "threshold");
    double n = jnum(ev, "n"), holds = jnum(ev, "holds_in");
    char t1[32];
    const cJSON *times = jget(ev, "times");

    if (!vu || (unit && !strcmp(vu, unit)))
        vu = unit;
    b_puts(b, "<li><b>");
    b_esc(b, info ? info->label : metric ? metric : "measure");
    b_puts(b, "</b>");
    if (asym)
        b_puts(b, " (left vs right)");
    else if (side && (!strcmp(side, "left") || !strcmp(side, "right"))) {
        b_puts(b, ", ");
        b_puts(b, side);
    }
    /* value and threshold are in value_unit when given (e.g. "% (SI)" for an asymmetry of
     * contact times), else in the metric's unit */
    b_puts(b, ": <b>");
    put_value(b, value, vu == unit ? dec : 1, vu);
    b_puts(b, "</b>");
    if (asym && isfinite(jnum(ev, "left")) && isfinite(jnum(ev, "right"))) {
        b_puts(b, " <span class=\"mu\">(left ");
        put_value(b, jnum(ev, "left"), dec, unit);
        b_puts(b, ", right ");
        put_value(b, jnum(ev, "right"), dec, unit);
        if (isfinite(jnum(ev, "pooled_sd"))) {
            b_puts(b, "; stride SD ");
            put_value(b, jnum(ev, "pooled_sd"), dec, unit);
        }
        b_puts(b, ")</span>");
    }
    if (isfinite(thr)) {
        b_puts(b, " &middot; ");
        if (comparison_text(cmp))
            b_puts(b, comparison_text(cmp));
        else
            b_esc(b, cmp);
        b_puts(b, " ");
        put_value(b, thr, vu == unit ? dec : 1, vu);
    }
    if (isfinite(n) && isfinite(holds))
        b_printf(b, " &middot; holds in %.0f of %.0f strides", holds, n);
    if (cJSON_GetArraySize(times) > 0) {
        const cJSON *t;
        int i = 0;
        b_puts(b, " &middot; clearest at ");
        cJSON_ArrayForEach(t, times)
        {
            if (!cJSON_IsNumber(t))
                continue;
            if (i++)
                b_puts(b, ", ");
            if (pg->opt->overlay_href) {
                /* media fragment: opens the clip at that time (no script needed) */
                b_puts(b, "<a href=\"");
                b_esc(b, pg->opt->overlay_href);
                b_printf(b, "#t=%.2f\">%s s</a>", t->valuedouble,
                         fmt(t1, sizeof(t1), t->valuedouble, 2));
            } else {
                b_printf(b, "%s s", fmt(t1, sizeof(t1), t->valuedouble, 2));
            }
        }
    }
    if (src) {
        b_puts(b, "<span class=\"src\">Source: ");
        b_esc(b, src);
        b_puts(b, "</span>");
    }
    b_puts(b, "</li>\n");
}

static void write_test(buf *b, const cJSON *t)
{
    const char *test = jstr(t, "test"), *how = jstr(t, "how"), *text = jstr(t, "text");
    const cJSON *loc = jget(t, "localise");
    b_puts(b, "<li>");
    if (cJSON_IsString(t)) {
        b_esc(b, t->valuestring);
    } else if (test) {
        b_puts(b, "Test <b>");
        b_esc(b, test);
        b_puts(b, "</b>");
        if (how) {
            b_puts(b, " (");
            b_esc(b, how);
            b_puts(b, ")");
        }
        b_puts(b, ".");
        if (n_strings(loc) > 0) {
            b_puts(b, " If it tests weak, therapy-localise in turn: ");
            esc_list(b, loc, ", ", ", then ");
            b_puts(b, "; retest after each, release the one that restores strength, retest, "
                      "then challenge it.");
        }
    } else if (text) {
        b_esc(b, text);
    }
    b_puts(b, "</li>\n");
}

/* Rules that could not be evaluated (analysis "findings_skipped": [{rule, reason}]). */
static void write_skipped(buf *b, const cJSON *sk)
{
    const cJSON *r;
    int n = cJSON_IsArray(sk) ? cJSON_GetArraySize(sk) : 0;
    if (n <= 0)
        return;
    b_printf(b, "<details><summary>%d rule%s not evaluated for this clip, and why</summary><ul>\n",
             n, n == 1 ? "" : "s");
    cJSON_ArrayForEach(r, sk)
    {
        const char *rule = jstr(r, "rule"), *why = jstr(r, "reason");
        b_puts(b, "<li>");
        b_esc(b, rule ? rule : "rule");
        if (why) {
            b_puts(b, ": ");
            b_esc(b, why);
        }
        b_puts(b, "</li>\n");
    }
    b_puts(b, "</ul></details>\n");
}

static void write_findings(page *pg)
{
    buf *b = &pg->b;
    const cJSON *fs = jget(pg->a, "findings"), *f;
    int n = cJSON_IsArray(fs) ? cJSON_GetArraySize(fs) : 0, fi = 0;

    b_puts(b, "<section id=\"findings\"><h2>Findings</h2>\n<p class=\"sub\">Each finding is a "
              "deviation in this clip with its numbers, what it is <em>consistent with</em>, and "
              "the Neurokinetic Therapy muscle tests that would confirm or reject it. gaitscope "
              "does not diagnose: every finding is a hypothesis to test, not a diagnosis.</p>\n");
    if (!cJSON_IsArray(fs)) {
        b_puts(b, "<p>The compensation rules were not evaluated for this clip.</p></section>\n");
        return;
    }
    if (n == 0) {
        const char *code;
        b_puts(b, error_message(pg->a, &code)
                      ? "<p>Not evaluated: the analysis did not complete.</p>\n"
                      : "<p>No deviation crossed its threshold in this clip.</p>\n");
        write_skipped(b, jget(pg->a, "findings_skipped"));
        b_puts(b, "</section>\n");
        return;
    }
    cJSON_ArrayForEach(f, fs)
    {
        const char *title = jstr(f, "title"), *side = jstr(f, "side");
        const char *lvl = jstr(f, "evidence_level"), *note = jstr(f, "note");
        const cJSON *inh = jget(f, "inhibited"), *ovr = jget(f, "overworking"), *e;
        int ni = n_strings(inh), no = n_strings(ovr);

        b_printf(b, "<article class=\"finding\" id=\"f-%d\"><div class=\"fh\"><h3>", fi++);
        b_esc(b, title ? title : jstr(f, "id") ? jstr(f, "id") : "finding");
        b_puts(b, "</h3>");
        if (side) {
            b_puts(b, "<span class=\"badge ");
            b_esc(b, side);
            b_puts(b, "\">");
            if (side_name(side))
                b_puts(b, side_name(side));
            else
                b_esc(b, side);
            b_puts(b, "</span>");
        }
        b_puts(b, "</div>\n<div class=\"meters\">");
        meter(b, "Severity", jnum(f, "severity"), "sev");
        meter(b, "Confidence", jnum(f, "confidence"), "conf");
        if (lvl) {
            b_puts(b, "<span class=\"meter\">Evidence: ");
            b_esc(b, lvl);
            b_puts(b, "</span>");
        }
        b_puts(b, "</div>\n<p class=\"hyp\">Consistent with ");
        if (ni > 0) {
            b_puts(b, "an inhibited (under-working) <b>");
            esc_list(b, inh, ", ", " or ");
            b_puts(b, "</b>");
        }
        if (no > 0) {
            b_puts(b, ni > 0 ? ", compensated by overworking (facilitated) <b>"
                             : "overworking (facilitated) <b>");
            esc_list(b, ovr, ", ", " or ");
            b_puts(b, "</b>");
        }
        if (ni == 0 && no == 0)
            b_puts(b, "a movement pattern rather than a single muscle");
        b_puts(b, " &mdash; a hypothesis to test, not a diagnosis.</p>\n");
        if (cJSON_GetArraySize(jget(f, "evidence")) > 0) {
            b_puts(b, "<h4>Evidence</h4><ul>\n");
            cJSON_ArrayForEach(e, jget(f, "evidence")) write_evidence(pg, e);
            b_puts(b, "</ul>\n");
        }
        if (cJSON_GetArraySize(jget(f, "nkt_tests")) > 0) {
            b_puts(b, "<h4>NKT tests, in order</h4><ol>\n");
            cJSON_ArrayForEach(e, jget(f, "nkt_tests")) write_test(b, e);
            b_puts(b, "</ol>\n");
        }
        if (n_strings(jget(f, "homework")) > 0) {
            b_puts(b, "<h4>Homework ideas</h4><ul>\n");
            cJSON_ArrayForEach(e, jget(f, "homework"))
            {
                if (!cJSON_IsString(e))
                    continue;
                b_puts(b, "<li>");
                b_esc(b, e->valuestring);
                b_puts(b, "</li>\n");
            }
            b_puts(b, "</ul>\n");
        }
        if (n_strings(jget(f, "history")) > 0) {
            b_puts(b, "<p class=\"note\">From the intake: ");
            esc_list(b, jget(f, "history"), ", ", ", ");
            b_puts(b, "</p>\n");
        }
        if (note) {
            b_puts(b, "<p class=\"note\">");
            b_esc(b, note);
            b_puts(b, "</p>\n");
        }
        b_puts(b, "</article>\n");
    }
    write_skipped(b, jget(pg->a, "findings_skipped"));
    b_puts(b, "</section>\n");
}

/* ---------------------------------------------------------------------------------------------
 * Methods and sources
 * ------------------------------------------------------------------------------------------- */

static void write_methods(page *pg)
{
    buf *b = &pg->b;
    const cJSON *a = pg->a, *methods = jget(a, "methods"), *ground = jget(a, "ground");
    const char *ev = jstr(methods, "events"), *gs = jstr(ground, "source");
    double ga = jnum(ground, "angle_deg");
    char t1[32];

    b_puts(b, "<section id=\"methods\"><h2>How this was measured</h2>\n<ul class=\"sub\">\n"
              "<li>Body landmarks from a single video with BlazePose; joint angles are 2D "
              "projections on the image plane (a side view for sagittal angles, a rear or front "
              "view for frontal ones). Single-camera angle errors of about 4&ndash;8&deg; are "
              "typical");
    cite(pg, SRC_ACCURACY);
    b_puts(b, ", so a change in the same person is more telling than one number against a "
              "norm.</li>\n");
    {
        const cJSON *src = jget(a, "source");
        const char *video = jstr(src, "video"), *model = jstr(src, "model");
        const char *rule = jstr(src, "person_rule");
        double fwp = jnum(src, "frames_with_person"), fr = jnum(src, "frames");
        if (video || model || rule || isfinite(fwp)) {
            b_puts(b, "<li>Input: ");
            if (video) {
                b_esc(b, video);
                b_puts(b, "; ");
            }
            if (model) {
                b_puts(b, "pose model ");
                b_esc(b, model);
                b_puts(b, "; ");
            }
            if (rule) {
                b_puts(b, "person chosen by ");
                b_esc(b, rule);
                b_puts(b, "; ");
            }
            if (isfinite(fwp) && isfinite(fr))
                b_printf(b, "person found in %.0f of %.0f frames", fwp, fr);
            b_puts(b, ".</li>\n");
        }
    }
    if (ev) {
        b_puts(b, "<li>Gait events: ");
        b_esc(b, ev);
        b_puts(b, ".</li>\n");
    }
    if (!timing_is_low(a))
        timing_note(b, a); /* else it is among the quality notes */
    if (gs) {
        b_puts(b, "<li>Ground line: ");
        b_esc(b, gs);
        if (isfinite(ga))
            b_printf(b, " (%s&deg; in the image)", fmt(t1, sizeof(t1), ga, 1));
        b_puts(b, "; &ldquo;vertical&rdquo; is its normal.</li>\n");
    }
    b_puts(b, "</ul>\n");
    if (pg->n_cited > 0) {
        b_puts(b, "<h3 style=\"margin-top:12px\">Sources</h3>\n<ol class=\"refs\">\n");
        for (int k = 1; k <= pg->n_cited; k++)
            for (int s = 0; s < SRC_COUNT; s++)
                if (pg->src_num[s] == k)
                    b_printf(b, "<li id=\"src-%d\">%s</li>\n", k, sources[s].full);
        b_puts(b, "</ol>\n");
    }
    b_puts(b, "</section>\n");
}

gs_status gs_report_write_html(const char *path, const cJSON *analysis,
                               const gs_report_html_options *opt, gs_error *err)
{
    static const gs_report_html_options no_opt = {0};
    page pg;
    gs_status rc;
    const char *act = jstr(analysis, "activity");

    if (!path)
        return gs_fail(err, GS_ERR_ARG, "report.html: no output path");
    memset(&pg, 0, sizeof(pg));
    pg.a = cJSON_IsObject(analysis) ? analysis : NULL;
    pg.opt = opt ? opt : &no_opt;
    pg.run = act && !strcmp(act, "run");

    write_head(&pg);
    write_alerts(&pg);
    if (has_measurements(pg.a)) {
        write_summary(&pg);
        write_metrics(&pg);
        write_curves(&pg);
    }
    write_media(&pg);
    if (pg.a) {
        write_findings(&pg);
        write_methods(&pg);
    }
    b_puts(&pg.b, "</main>\n<footer>");
    b_esc(&pg.b, pg.opt->generated_by ? pg.opt->generated_by : "gaitscope");
    b_puts(&pg.b, " &middot; findings are hypotheses to test, not a diagnosis &middot; this page "
                  "needs no network</footer>\n</body>\n</html>\n");
    if (pg.b.oom || !pg.b.p) {
        free(pg.b.p);
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory building the report", path);
    }
    rc = gs_file_write_all(path, pg.b.p, pg.b.n, err);
    free(pg.b.p);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Building blocks shared with comparison.html (report.h)
 * ------------------------------------------------------------------------------------------- */

const char *gs_report_css(void)
{
    return css;
}

void gs_html_put(gs_html_buf *b, const char *s, size_t len)
{
    b_put(b, s, len);
}

void gs_html_puts(gs_html_buf *b, const char *s)
{
    b_puts(b, s);
}

void gs_html_printf(gs_html_buf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    int k;
    va_start(ap, fmt);
    k = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (k < 0)
        return;
    if ((size_t)k < sizeof(tmp)) {
        b_put(b, tmp, (size_t)k);
        return;
    }
    {
        char *big = malloc((size_t)k + 1);
        if (!big) {
            b->oom = 1;
            return;
        }
        va_start(ap, fmt);
        vsnprintf(big, (size_t)k + 1, fmt, ap);
        va_end(ap);
        b_put(b, big, (size_t)k);
        free(big);
    }
}

void gs_html_esc(gs_html_buf *b, const char *s)
{
    b_esc(b, s);
}
