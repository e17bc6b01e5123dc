/*
 * The therapist's test plan as plain text (gs_nkt_plan_format); rule texts are expanded in
 * nkt_template.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nkt_impl.h"

/* ---- the test plan ---- */

static double num_of(const cJSON *o, const char *k, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static const char *str_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* "a, b, c" from an array of strings. */
static void join_list(gs_html_buf *b, const cJSON *arr)
{
    int first = 1;
    for (const cJSON *it = arr ? arr->child : NULL; it; it = it->next) {
        if (!cJSON_IsString(it))
            continue;
        gs_html_printf(b, "%s%s", first ? "" : ", ", it->valuestring);
        first = 0;
    }
    if (first)
        gs_html_printf(b, "-");
}

static void plan_evidence(gs_html_buf *b, const cJSON *ev)
{
    const char *metric = str_of(ev, "metric"), *unit = str_of(ev, "unit");
    const char *cmp = str_of(ev, "comparison"), *side = str_of(ev, "side");
    const cJSON *strides = cJSON_GetObjectItemCaseSensitive(ev, "strides");
    const cJSON *times = cJSON_GetObjectItemCaseSensitive(ev, "times");
    double n = num_of(ev, "n", -1), holds = num_of(ev, "holds_in", -1);
    int asym = str_of(ev, "measure") && !strcmp(str_of(ev, "measure"), "asymmetry");
    int support = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "supporting"));

    gs_html_printf(b, "   - %s%s%s%s: ", support ? "(supporting) " : "", metric ? metric : "?",
              side ? " " : "", side ? side : "");
    if (asym) {
        gs_html_printf(b, "left ");
        gs_nkt__fmt_value(b, num_of(ev, "left", NAN));
        gs_html_printf(b, " vs right ");
        gs_nkt__fmt_value(b, num_of(ev, "right", NAN));
        gs_html_printf(b, " %s; difference ", unit ? unit : "");
        gs_nkt__fmt_value(b, num_of(ev, "value", NAN));
        gs_html_printf(b, " %s > ", str_of(ev, "value_unit") ? str_of(ev, "value_unit") : "");
        gs_nkt__fmt_value(b, num_of(ev, "threshold", NAN));
        gs_html_printf(b, " (pooled stride SD ");
        gs_nkt__fmt_value(b, num_of(ev, "pooled_sd", NAN));
        if (isfinite(num_of(ev, "event_mdc", NAN))) {
            gs_html_printf(b, "; events' uncertainty explains up to ");
            gs_nkt__fmt_value(b, num_of(ev, "event_mdc", NAN));
            gs_html_printf(b, " %s", unit ? unit : "");
        }
        gs_html_printf(b, ")");
    } else {
        gs_nkt__fmt_value(b, num_of(ev, "value", NAN));
        gs_html_printf(b, " %s, %s ", unit ? unit : "", cmp ? cmp : "vs");
        gs_nkt__fmt_value(b, num_of(ev, "threshold", NAN));
    }
    if (n > 0 && holds >= 0)
        gs_html_printf(b, "; holds in %.0f of %.0f strides", holds, n);
    if (cJSON_GetArraySize(strides) > 0) {
        int first = 1;
        gs_html_printf(b, "; strongest at stride");
        gs_html_printf(b, cJSON_GetArraySize(strides) > 1 ? "s " : " ");
        const cJSON *sides = cJSON_GetObjectItemCaseSensitive(ev, "stride_sides");
        int k = 0;
        for (const cJSON *it = strides->child; it; it = it->next, k++) {
            /* pooled whole-body evidence: strides are numbered per side, say which */
            const cJSON *sd = cJSON_GetArrayItem(sides, k);
            gs_html_printf(b, "%s%s%d", first ? "" : ", ",
                      cJSON_IsString(sd) ? (!strcmp(sd->valuestring, "left") ? "L" : "R") : "",
                      cJSON_IsNumber(it) ? it->valueint + 1 : 0);
            first = 0;
        }
        if (cJSON_GetArraySize(times) > 0) {
            first = 1;
            gs_html_printf(b, " (t = ");
            for (const cJSON *it = times->child; it; it = it->next) {
                gs_html_printf(b, "%s%.2f", first ? "" : ", ", cJSON_IsNumber(it) ? it->valuedouble : 0);
                first = 0;
            }
            gs_html_printf(b, " s)");
        }
    }
    gs_html_printf(b, "\n");
    if (str_of(ev, "source"))
        gs_html_printf(b, "     source: %s\n", str_of(ev, "source"));
}

gs_status gs_nkt_plan_format(const cJSON *findings, char **text, gs_error *err)
{
    gs_html_buf b = {0};
    int k = 0;

    *text = NULL;
    if (!cJSON_IsArray(findings))
        return gs_fail(err, GS_ERR_FORMAT, "findings: not an array");
    gs_html_printf(&b, "NKT test plan: hypotheses to test on the table, not a diagnosis.\n"
                  "Each finding is consistent with the candidates listed; test the inhibited "
                  "muscle, therapy-localise the candidate facilitators in order, release the one "
                  "that restores it, retest, then challenge.\n");
    if (cJSON_GetArraySize(findings) == 0)
        gs_html_printf(&b, "\nNo findings: no rule's threshold was exceeded consistently.\n");
    for (const cJSON *f = findings->child; f; f = f->next) {
        const cJSON *ev = cJSON_GetObjectItemCaseSensitive(f, "evidence");
        const cJSON *tests = cJSON_GetObjectItemCaseSensitive(f, "nkt_tests");
        const cJSON *hw = cJSON_GetObjectItemCaseSensitive(f, "homework");
        const cJSON *hist = cJSON_GetObjectItemCaseSensitive(f, "history");
        int t = 0;
        if (!cJSON_IsObject(f)) {
            free(b.p);
            return gs_fail(err, GS_ERR_FORMAT, "findings[%d]: not an object", k);
        }
        k++;
        gs_html_printf(&b, "\n%d. %s  [%s]\n", k, str_of(f, "title") ? str_of(f, "title") : "?",
                  str_of(f, "side") ? str_of(f, "side") : "?");
        gs_html_printf(&b,
                  "   severity %.2f, confidence %.2f; evidence level: %s (muscle hypotheses: "
                  "%s)\n",
                  num_of(f, "severity", 0), num_of(f, "confidence", 0),
                  str_of(f, "evidence_level") ? str_of(f, "evidence_level") : "?",
                  str_of(f, "muscles_evidence") ? str_of(f, "muscles_evidence") : "?");
        for (const cJSON *e = ev ? ev->child : NULL; e; e = e->next)
            plan_evidence(&b, e);
        gs_html_printf(&b, "   Candidate inhibited: ");
        join_list(&b, cJSON_GetObjectItemCaseSensitive(f, "inhibited"));
        gs_html_printf(&b, "\n   Candidate overworking / facilitating: ");
        join_list(&b, cJSON_GetObjectItemCaseSensitive(f, "overworking"));
        gs_html_printf(&b, "\n");
        if (cJSON_GetArraySize(hist) > 0) {
            gs_html_printf(&b, "   Intake items that changed this finding: ");
            join_list(&b, hist);
            gs_html_printf(&b, "\n");
        }
        if (cJSON_GetArraySize(tests) > 0)
            gs_html_printf(&b, "   Tests, in order:\n");
        for (const cJSON *te = tests ? tests->child : NULL; te; te = te->next) {
            const char *txt = cJSON_IsString(te) ? te->valuestring : str_of(te, "text");
            gs_html_printf(&b, "     %d.%d %s\n", k, ++t, txt ? txt : "?");
        }
        if (cJSON_GetArraySize(hw) > 0)
            gs_html_printf(&b, "   Homework:\n");
        for (const cJSON *h = hw ? hw->child : NULL; h; h = h->next)
            if (cJSON_IsString(h))
                gs_html_printf(&b, "     - %s\n", h->valuestring);
        if (str_of(f, "note"))
            gs_html_printf(&b, "   Note: %s\n", str_of(f, "note"));
    }
    if (b.oom) {
        free(b.p);
        return gs_fail(err, GS_ERR_NOMEM, "findings: out of memory formatting the plan");
    }
    *text = b.p;
    return GS_OK;
}
