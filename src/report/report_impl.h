/*
 * report.html's internals, shared by its parts: report_html.c (the page, its head, alerts,
 * summary, media and methods), report_refs.c (sources, reference ranges, labels), report_metrics.c
 * (the metric table), report_curves.c (the gait-cycle curves) and report_findings.c.
 */
#ifndef GS_REPORT_IMPL_H
#define GS_REPORT_IMPL_H

#include <math.h>

#include "report.h"

typedef gs_html_buf buf; /* html.h: shared with comparison.html and the service's pages */

/* JSON access (all tolerant: a missing or mistyped key reads as absent). */
static inline const cJSON *jget(const cJSON *o, const char *k)
{
    return o && cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

static inline double jnum(const cJSON *o, const char *k)
{
    const cJSON *v = jget(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static inline const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = jget(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- sources and reference ranges (report_refs.c; ../shared/REFERENCES.md section 5) ---- */

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
    SRC_FAR_LEG = 12,
    SRC_COUNT = 13
} src_id;

typedef struct ref_source {
    const char *cite; /* short form shown next to a number */
    const char *full; /* footnote text */
} ref_source;

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

typedef enum light { LIGHT_NONE = 0, LIGHT_GREEN = 1, LIGHT_AMBER = 2, LIGHT_RED = 3 } light;

/* The report's metric sections: gait.h's groups in their order, then "Other" for keys the metric
 * table does not know. */
#define GRP_OTHER ((int)GS_METRIC_GROUP_COUNT)
#define GRP_COUNT (GRP_OTHER + 1)

typedef gs_metric_info metric_info;

typedef struct curve_info {
    const char *key;
    const char *label;
    const char *sign; /* sign convention (DESIGN.md "Conventions") */
} curve_info;

/* Normative bands drawn on the curves (running only: the sources measured runners). */
typedef struct curve_band {
    const char *key;
    int in_stance;     /* 1: x0, x1 are fractions of stance (0 = contact, 1 = toe-off) */
    double x0, x1;     /* else % of stride */
    double lo, hi;     /* degrees */
    const char *label; /* HTML, trusted */
    src_id src;
} curve_band;

extern const ref_source gs_report__sources[SRC_COUNT];
/* Reference of a metric key, NULL when none is published. */
const metric_ref *gs_report__find_ref(const char *key);
/* Traffic light of value v against r's bands (LIGHT_NONE without bands). */
light gs_report__light_of(const metric_ref *r, double v);
/* SI bands 0-5-10 % (SRC_SI): a guide only. */
light gs_report__light_of_si(double si);

/* Left-right angle difference worth a look (SRC_DINGENEN; the nkt rules use the same 4 deg). */
#define ANGLE_DIFF_NOTABLE_DEG 4.0
/* Strides per side for a stable mean (Dingenen 2018: >= 7 steps). */
#define STABLE_MEAN_STRIDES 7

extern const char *const gs_report__group_names[GRP_COUNT];
/* Unit as shown: degrees as a symbol, fractions bare; NULL: the caller escapes the unit. */
const char *gs_report__unit_text(const char *unit);
extern const curve_info gs_report__curve_infos[];
extern const size_t gs_report__n_curve_infos;
extern const curve_band gs_report__curve_bands[];
extern const size_t gs_report__n_curve_bands;

/* ---- page state ---- */

typedef struct page {
    buf b;
    const cJSON *a;
    const gs_report_html_options *opt;
    int src_num[SRC_COUNT]; /* footnote number, 0 = not cited yet */
    int n_cited;
    int run; /* activity is running: reference ranges apply */
    gs_gait_far_leg far; /* side views: the far leg (gait.h gs_gait_analysis_far_leg) */
    int has_lights;    /* a metric's reference light was drawn */
    int has_si_lights; /* an SI's 0-5-10 % light was drawn */
} page;

/* Cites source s: a footnote link "[n]" (numbers in order of first use). */
void gs_report__cite(page *pg, src_id s);
/* A traffic light (nothing for LIGHT_NONE); what prefixes its tooltip. */
void gs_report__light_html(page *pg, light l, const char *what);
/* "Left", "Right", "Both sides"; "" for NULL; NULL for anything else. */
const char *gs_report__side_name(const char *side);
/* analysis.json's "error" (a string; docs/schemas/analysis.schema.json), or NULL; *code: NULL. */
const char *gs_report__error_message(const cJSON *a, const char **code);

/* ---- the sections, in page order ---- */

void gs_report__write_metrics(page *pg);  /* report_metrics.c */
void gs_report__write_curves(page *pg);   /* report_curves.c */
void gs_report__write_findings(page *pg); /* report_findings.c */

#endif /* GS_REPORT_IMPL_H */
