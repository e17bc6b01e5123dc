/*
 * gaitscope nkt internals: the in-memory rule set and helpers shared by the .c files of this
 * folder. Never included from outside src/nkt (STYLE.md rule 2).
 */
#ifndef GS_NKT_IMPL_H
#define GS_NKT_IMPL_H

#include <stddef.h>

#include "gait.h"
#include "html.h"
#include "nkt.h"

/* The metric table is the gait stage's (gait.h gs_metric_info, gait_keys.c): one list of
 * analysis.json keys for every module. */
typedef gs_metric_info gs_nkt__metric;

/* Index of key in the metric table, or -1. */
int gs_nkt__metric_find(const char *key);
const gs_nkt__metric *gs_nkt__metric_at(int i);

/* History vocabulary (one table, nkt_history.c). */
typedef enum gs_nkt__hkind {
    GS_NKT__HK_SCAR = 0,
    GS_NKT__HK_INJURY = 1,
    GS_NKT__HK_SURGERY = 2,
    GS_NKT__HK_PAIN = 3,
    GS_NKT__HK_COUNT = 4
} gs_nkt__hkind;

/* Side of a history item or finding. */
typedef enum gs_nkt__side {
    GS_NKT__SIDE_NONE = 0, /* unsided region (abdomen) or whole-body finding */
    GS_NKT__SIDE_LEFT = 1,
    GS_NKT__SIDE_RIGHT = 2
} gs_nkt__side;

/* One parsed history item: kind, region index, side. */
typedef struct gs_nkt__hitem {
    int kind;          /* gs_nkt__hkind */
    int region;        /* index in the region table */
    gs_nkt__side side; /* LEFT/RIGHT for sided regions, NONE otherwise */
} gs_nkt__hitem;

struct gs_nkt_history {
    gs_nkt__hitem *items; /* count entries */
    size_t count;
};

/* Parses "kind:region" without side prefix allowed (rules file) or with (intake).
 * Returns 0 and fills it, else -1. */
int gs_nkt__hitem_parse(const char *s, int allow_side, gs_nkt__hitem *it);
/* 1 if region index r needs a side (knee, ankle, ...). */
int gs_nkt__region_sided(int r);
/* Writes the canonical text of an item ("injury:left_ankle") into buf. */
void gs_nkt__hitem_format(const gs_nkt__hitem *it, char *buf, size_t n);
/* The accepted-items text for error messages. */
const char *gs_nkt__history_accepted(void);

/* ---- rules ---- */

#define GS_NKT__MAX_ALT 3 /* metric alternatives in one condition ("else" chain) */

typedef enum gs_nkt__ctype {
    GS_NKT__C_LEVEL = 0, /* a side's (or the whole body's) value against a threshold */
    GS_NKT__C_ASYM = 1   /* left vs right difference against threshold and stride SD */
} gs_nkt__ctype;

/* One metric alternative of a condition. */
typedef struct gs_nkt__alt {
    int metric;       /* index in the metric table */
    double threshold; /* level: the cut-off; asym: min |diff| (units) or min |SI| (%) */
    double full;      /* value of the same measure at which severity reaches its maximum */
} gs_nkt__alt;

typedef struct gs_nkt__cond {
    gs_nkt__ctype type;
    int above;          /* level: 1 = holds when value > threshold, 0 = when value < threshold;
                           asym: 1 = flags the side with the higher value, 0 = the lower */
    int opposite;       /* level: read the other side's values (e.g. hip hiking) */
    int use_si;         /* asym: thresholds are SI % (strictly positive metrics only) */
    double sd_factor;   /* asym: |diff| must also exceed sd_factor * pooled stride SD */
    double persistence; /* fraction 0-1 of strides in which it must hold */
    int required;       /* 0: supporting evidence only */
    char *source;       /* citation for this threshold (NULL: the rule's source) */
    gs_nkt__alt alt[GS_NKT__MAX_ALT];
    int n_alt;
} gs_nkt__cond;

/* A text that may contain {side}, {other}, {value}, {value*F}; and an NKT test. */
typedef struct gs_nkt__test {
    char *test;      /* muscle to test */
    char *how;       /* test position / notes (may be NULL) */
    char **localise; /* facilitators to therapy-localise / challenge, in order */
    size_t n_localise;
} gs_nkt__test;

typedef struct gs_nkt__strlist {
    char **v;
    size_t n;
} gs_nkt__strlist;

/* A history modifier of a rule. */
typedef struct gs_nkt__hmod {
    gs_nkt__hitem *when; /* items (region without side) */
    size_t n_when;
    int side_rel; /* 0 any, 1 same side as the finding, 2 opposite */
    gs_nkt__strlist inhibited, overworking, raise, homework;
    gs_nkt__test *tests;
    size_t n_tests;
    char *note;
} gs_nkt__hmod;

typedef enum gs_nkt__scope {
    GS_NKT__SCOPE_SIDE = 0, /* evaluated for the left and the right side separately */
    GS_NKT__SCOPE_WHOLE = 1 /* one whole-body finding (side "both") */
} gs_nkt__scope;

#define GS_NKT__N_VIEWS 3 /* side, rear, front */
#define GS_NKT__N_ACT   2 /* run, walk */

typedef struct gs_nkt__rule {
    char *id, *title, *source, *threshold_note, *evidence, *muscles_evidence, *note;
    int activity[GS_NKT__N_ACT];      /* 1 when the rule applies to run / walk */
    double view_fit[GS_NKT__N_VIEWS]; /* suitability 0-1 per view, 0 = not evaluated */
    double validity;                  /* how well the 2D measure tracks what it names, 0-1 */
    double severity_max;              /* cap of severity (patterns rather than deviations) */
    gs_nkt__scope scope;
    gs_nkt__cond *conds;
    size_t n_conds;
    gs_nkt__strlist inhibited, overworking, homework, suppressed_by;
    gs_nkt__test *tests;
    size_t n_tests;
    gs_nkt__hmod *hmods;
    size_t n_hmods;
} gs_nkt__rule;

struct gs_nkt_rules {
    char *name;             /* file name for messages */
    double severity_floor;  /* severity of a finding just over its threshold */
    double strides_full;    /* strides per side for full confidence on stride count */
    double far_side_factor; /* confidence factor for the leg away from a side-view camera */
    int min_strides;        /* fewer strides on the side: the rule is not evaluated */
    gs_nkt__rule *rules;
    size_t count;
};

/* Side names (nkt_template.c). */
const char *gs_nkt__side_name(gs_nkt__side s);
/* The other side; NONE stays NONE. */
gs_nkt__side gs_nkt__other_side(gs_nkt__side s);

/*
 * Expands a rule text: {side} -> "left"/"right" ("left and right" for whole-body), {other} ->
 * the other side, {value} and {value*F} -> the finding's primary value (times F), rounded.
 * Returns a new string (caller frees) or NULL on out of memory.
 */
char *gs_nkt__expand(const char *tmpl, gs_nkt__side side, double value);

/* Checks a template's placeholders; returns NULL if fine, else a static description. */
const char *gs_nkt__template_check(const char *tmpl);

/* Appends v with enough digits for its scale: 172, 9.5, 0.12, 0.034 (as {value} expands). */
void gs_nkt__fmt_value(gs_html_buf *b, double v);

/* ---- evaluation (nkt_eval.c) and the finding it builds (nkt_finding.c) ---- */

/* Result of one condition on one side. */
typedef struct gs_nkt__cres {
    int state;    /* 0 absent (metric missing / too few strides), 1 evaluated */
    int holds;    /* condition met */
    double frac;  /* severity fraction 0-1 */
    double cons;  /* fraction of strides in which it holds */
    int n;        /* strides used */
    int alt;      /* metric alternative used */
    double value; /* primary value (mean, or |diff| / |SI| for asymmetry) */
    int within_unc; /* an asymmetry that would hold but for the events' uncertainty (reason) */
    char reason[160];
    cJSON *evidence; /* built evidence item (owned until attached) */
} gs_nkt__cres;

/*
 * The finding object of rule r firing on side with the conditions' results res (their evidence
 * items are moved into it), severity and confidence; history (may be NULL) adds and raises
 * candidates. NULL on out of memory (*oom set).
 */
cJSON *gs_nkt__make_finding(const gs_nkt__rule *r, gs_nkt__side side, gs_nkt__cres *res,
                            double severity, double confidence, const gs_nkt_history *history,
                            int *oom);

#endif /* GS_NKT_IMPL_H */
