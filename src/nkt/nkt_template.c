/*
 * Rule texts with placeholders: checked when the rules are loaded, expanded for a finding.
 *
 * Placeholders: {side} and {other} become "left"/"right" (so one rule text serves both sides:
 * "{side} gluteus medius"), {value} the finding's primary measured value and {value*F} that value
 * times F (homework such as "metronome at {value*1.05} steps/min", following the +5-10 % cadence
 * steps of Heiderscheit et al. 2011, Med Sci Sports Exerc 43:296).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nkt_impl.h"

const char *gs_nkt__side_name(gs_nkt__side s)
{
    return s == GS_NKT__SIDE_LEFT ? "left" : s == GS_NKT__SIDE_RIGHT ? "right" : "both";
}

gs_nkt__side gs_nkt__other_side(gs_nkt__side s)
{
    return s == GS_NKT__SIDE_LEFT    ? GS_NKT__SIDE_RIGHT
           : s == GS_NKT__SIDE_RIGHT ? GS_NKT__SIDE_LEFT
                                     : GS_NKT__SIDE_NONE;
}

/* Parses the placeholder body between '{' and '}' (len bytes); kind 1 side, 2 other, 3 value.
 * *factor gets F of {value*F}. Returns 0 or -1 when not a known placeholder. */
static int parse_placeholder(const char *p, size_t len, int *kind, double *factor)
{
    *factor = 1.0;
    if (len == 4 && !strncmp(p, "side", 4)) {
        *kind = 1;
        return 0;
    }
    if (len == 5 && !strncmp(p, "other", 5)) {
        *kind = 2;
        return 0;
    }
    if (len >= 5 && !strncmp(p, "value", 5)) {
        char num[32];
        char *end = NULL;
        *kind = 3;
        if (len == 5)
            return 0;
        if (p[5] != '*' || len - 6 == 0 || len - 6 >= sizeof(num))
            return -1;
        memcpy(num, p + 6, len - 6);
        num[len - 6] = '\0';
        errno = 0;
        *factor = strtod(num, &end);
        if (errno || *end || !(*factor > 0.0 && *factor < 100.0))
            return -1;
        return 0;
    }
    return -1;
}

const char *gs_nkt__template_check(const char *tmpl)
{
    for (const char *p = tmpl; *p; p++) {
        if (*p == '}')
            return "unmatched '}'";
        if (*p == '{') {
            const char *e = strchr(p, '}');
            int kind;
            double f;
            if (!e)
                return "unmatched '{'";
            if (parse_placeholder(p + 1, (size_t)(e - p - 1), &kind, &f) != 0)
                return "unknown placeholder (use {side}, {other}, {value}, {value*F})";
            p = e;
        }
    }
    return NULL;
}

/* Enough digits for the unit's scale: 172, 9.5, 0.12, 0.034 (leg lengths, fractions). */
void gs_nkt__fmt_value(gs_html_buf *b, double v)
{
    double a = fabs(v);
    if (a >= 20.0)
        gs_html_printf(b, "%.0f", v);
    else if (a >= 1.0 || a == 0.0)
        gs_html_printf(b, "%.1f", v);
    else if (a >= 0.1)
        gs_html_printf(b, "%.2f", v);
    else
        gs_html_printf(b, "%.3f", v);
}

char *gs_nkt__expand(const char *tmpl, gs_nkt__side side, double value)
{
    gs_html_buf b = {0};
    const char *p = tmpl;
    gs_html_puts(&b, ""); /* "" for an empty template, not NULL */
    while (*p) {
        const char *o = strchr(p, '{');
        const char *e = o ? strchr(o, '}') : NULL;
        int kind;
        double f;
        if (!o || !e) {
            gs_html_printf(&b, "%s", p);
            break;
        }
        gs_html_printf(&b, "%.*s", (int)(o - p), p);
        if (parse_placeholder(o + 1, (size_t)(e - o - 1), &kind, &f) != 0) {
            gs_html_printf(&b, "%.*s", (int)(e - o + 1), o); /* validated earlier: not reached */
        } else if (kind == 1) {
            gs_html_printf(&b, "%s",
                           side == GS_NKT__SIDE_NONE ? "left and right" : gs_nkt__side_name(side));
        } else if (kind == 2) {
            gs_html_printf(&b, "%s",
                           side == GS_NKT__SIDE_NONE
                               ? "left and right"
                               : gs_nkt__side_name(side == GS_NKT__SIDE_LEFT ? GS_NKT__SIDE_RIGHT
                                                                             : GS_NKT__SIDE_LEFT));
        } else {
            gs_nkt__fmt_value(&b, value * f);
        }
        p = e + 1;
    }
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}
