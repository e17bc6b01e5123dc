/*
 * Building a finding object from a rule that fired (docs/schemas/analysis.schema.json
 * "findings"): its id and title, the evidence of its conditions, the candidate inhibited and
 * overworking muscles, the NKT tests in order and the homework, each rule text expanded for the
 * side and the measured value, and the changes the intake history makes to them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nkt_impl.h"

static int add_expanded(int *oom, cJSON *arr, const char *tmpl, gs_nkt__side side, double value,
                        int front)
{
    char *s = gs_nkt__expand(tmpl, side, value);
    cJSON *item;
    if (!s) {
        *oom = 1;
        return -1;
    }
    /* No duplicates: history may add a candidate the rule already lists. */
    for (const cJSON *it = arr->child; it; it = it->next)
        if (cJSON_IsString(it) && !strcmp(it->valuestring, s)) {
            free(s);
            return 0;
        }
    item = cJSON_CreateString(s);
    free(s);
    if (!item) {
        *oom = 1;
        return -1;
    }
    if (front && arr->child)
        cJSON_InsertItemInArray(arr, 0, item);
    else
        cJSON_AddItemToArray(arr, item);
    return 0;
}

/* Moves the entry equal to the expansion of tmpl to the front of arr (if present). */
static void raise_in(int *oom, cJSON *arr, const char *tmpl, gs_nkt__side side, double value)
{
    char *s = gs_nkt__expand(tmpl, side, value);
    int i = 0;
    if (!s) {
        *oom = 1;
        return;
    }
    for (cJSON *it = arr->child; it; it = it->next, i++)
        if (cJSON_IsString(it) && !strcmp(it->valuestring, s)) {
            if (i > 0) {
                cJSON *d = cJSON_DetachItemFromArray(arr, i);
                cJSON_InsertItemInArray(arr, 0, d);
            }
            break;
        }
    free(s);
}

/* One NKT test object: {step, test, how, localise[], text}. extra_loc (may be NULL) are added
 * facilitators (from the history) that join the localise list. */
static cJSON *make_test(int *oom, const gs_nkt__test *t, gs_nkt__side side, double value,
                        const cJSON *extra_loc)
{
    cJSON *o = cJSON_CreateObject(), *loc;
    char *test = gs_nkt__expand(t->test, side, value);
    char *how = t->how ? gs_nkt__expand(t->how, side, value) : NULL;
    char text[1024];
    size_t tl;
    if (!o || !test || (t->how && !how))
        goto oom;
    if (!cJSON_AddStringToObject(o, "test", test))
        goto oom;
    if (how && !cJSON_AddStringToObject(o, "how", how))
        goto oom;
    loc = cJSON_AddArrayToObject(o, "localise");
    if (!loc)
        goto oom;
    for (size_t i = 0; i < t->n_localise; i++)
        if (add_expanded(oom, loc, t->localise[i], side, value, 0))
            goto oom;
    for (const cJSON *it = extra_loc ? extra_loc->child : NULL; it; it = it->next)
        if (cJSON_IsString(it) && add_expanded(oom, loc, it->valuestring, side, value, 0))
            goto oom;
    /* The sentence follows the NKT protocol as publicly described (Weinstock, neurokinetic
     * therapy.com "psoas muscle and its global relationships"): test, therapy-localise the
     * suspected facilitator and retest, release it, retest, then challenge. */
    snprintf(text, sizeof(text), "Test %s%s%s%s", test, how ? " (" : "", how ? how : "",
             how ? ")" : "");
    tl = strlen(text);
    if (cJSON_GetArraySize(loc) > 0) {
        snprintf(text + tl, sizeof(text) - tl, "; if weak, therapy-localise in turn ");
        for (const cJSON *it = loc->child; it; it = it->next) {
            tl = strlen(text);
            snprintf(text + tl, sizeof(text) - tl, "%s%s", it == loc->child ? "" : ", ",
                     it->valuestring);
        }
        tl = strlen(text);
        snprintf(text + tl, sizeof(text) - tl,
                 " and retest after each; release the one that restores strength, retest, then "
                 "challenge it");
    } else {
        snprintf(text + tl, sizeof(text) - tl, "; if weak, look for its facilitator and retest");
    }
    if (!cJSON_AddStringToObject(o, "text", text))
        goto oom;
    free(test);
    free(how);
    return o;
oom:
    *oom = 1;
    cJSON_Delete(o);
    free(test);
    free(how);
    return NULL;
}

/* 1 if history item it matches modifier item w for a finding on side. */
static int hist_match(const gs_nkt__hitem *it, const gs_nkt__hitem *w, int side_rel,
                      gs_nkt__side side)
{
    if (it->kind != w->kind || it->region != w->region)
        return 0;
    if (it->side == GS_NKT__SIDE_NONE || side_rel == 0)
        return 1;
    if (side_rel == 1)
        return it->side == side;
    return it->side == gs_nkt__other_side(side);
}

cJSON *gs_nkt__make_finding(const gs_nkt__rule *r, gs_nkt__side side, gs_nkt__cres *res,
                            double severity, double confidence, const gs_nkt_history *history,
                            int *oom)
{
    cJSON *f = cJSON_CreateObject();
    cJSON *ev, *inh, *ovw, *tests, *hw, *hist, *extra_loc = NULL;
    char id[160], *title = NULL;
    double value = 0;
    int ok = 1, step = 0;
    const gs_nkt__hmod **matched = NULL;
    size_t n_matched = 0;

    if (!f)
        goto oom;
    for (size_t i = 0; i < r->n_conds; i++)
        if (r->conds[i].required) {
            value = res[i].value;
            break;
        }
    snprintf(id, sizeof(id), "%s.%s", r->id, gs_nkt__side_name(side));
    title = gs_nkt__expand(r->title, side, value);
    if (!title)
        goto oom;
    ok &= cJSON_AddStringToObject(f, "id", id) != NULL;
    ok &= cJSON_AddStringToObject(f, "rule", r->id) != NULL;
    ok &= cJSON_AddStringToObject(f, "title", title) != NULL;
    ok &= cJSON_AddStringToObject(f, "side", gs_nkt__side_name(side)) != NULL;
    ok &= cJSON_AddNumberToObject(f, "severity", severity) != NULL;
    ok &= cJSON_AddNumberToObject(f, "confidence", confidence) != NULL;
    ok &= cJSON_AddNumberToObject(f, "rank", severity * confidence) != NULL;
    ok &= cJSON_AddStringToObject(f, "evidence_level", r->evidence) != NULL;
    ok &= cJSON_AddStringToObject(f, "muscles_evidence", r->muscles_evidence) != NULL;
    free(title);
    title = NULL;
    if (!ok)
        goto oom;
    ev = cJSON_AddArrayToObject(f, "evidence");
    if (!ev)
        goto oom;
    for (size_t i = 0; i < r->n_conds; i++) {
        /* Required conditions all hold here; supporting ones are shown when they hold. */
        if (res[i].evidence && (r->conds[i].required || res[i].holds)) {
            cJSON_AddItemToArray(ev, res[i].evidence);
            res[i].evidence = NULL;
        }
    }
    inh = cJSON_AddArrayToObject(f, "inhibited");
    ovw = cJSON_AddArrayToObject(f, "overworking");
    if (!inh || !ovw)
        goto oom;
    for (size_t i = 0; i < r->inhibited.n; i++)
        if (add_expanded(oom, inh, r->inhibited.v[i], side, value, 0))
            goto oom;
    for (size_t i = 0; i < r->overworking.n; i++)
        if (add_expanded(oom, ovw, r->overworking.v[i], side, value, 0))
            goto oom;

    /* History modifiers that match the intake. */
    hist = cJSON_AddArrayToObject(f, "history");
    if (!hist)
        goto oom;
    if (r->n_hmods && history && history->count) {
        matched = calloc(r->n_hmods, sizeof(*matched));
        extra_loc = cJSON_CreateArray();
        if (!matched || !extra_loc)
            goto oom;
    }
    for (size_t h = 0; matched && h < r->n_hmods; h++) {
        const gs_nkt__hmod *hm = &r->hmods[h];
        int hit = 0;
        for (size_t i = 0; i < history->count; i++)
            for (size_t w = 0; w < hm->n_when; w++)
                if (hist_match(&history->items[i], &hm->when[w], hm->side_rel, side)) {
                    char txt[64];
                    int dup = 0;
                    gs_nkt__hitem_format(&history->items[i], txt, sizeof(txt));
                    for (const cJSON *it = hist->child; it; it = it->next)
                        dup |= !strcmp(it->valuestring, txt);
                    if (!dup && !cJSON_AddItemToArray(hist, cJSON_CreateString(txt)))
                        goto oom;
                    hit = 1;
                }
        if (!hit)
            continue;
        matched[n_matched++] = hm;
        for (size_t i = 0; i < hm->inhibited.n; i++)
            if (add_expanded(oom, inh, hm->inhibited.v[i], side, value, 0))
                goto oom;
        for (size_t i = 0; i < hm->overworking.n; i++) {
            if (add_expanded(oom, ovw, hm->overworking.v[i], side, value, 0))
                goto oom;
            if (!cJSON_AddItemToArray(extra_loc, cJSON_CreateString(hm->overworking.v[i])))
                goto oom;
        }
        for (size_t i = 0; i < hm->raise.n; i++) {
            raise_in(oom, inh, hm->raise.v[i], side, value);
            raise_in(oom, ovw, hm->raise.v[i], side, value);
        }
    }

    /* NKT tests: those the history adds come first (the intake says where to look first),
     * then the rule's own; history facilitators join every test's localise list. */
    tests = cJSON_AddArrayToObject(f, "nkt_tests");
    if (!tests)
        goto oom;
    for (size_t h = 0; h < n_matched; h++)
        for (size_t i = 0; i < matched[h]->n_tests; i++) {
            cJSON *t = make_test(oom, &matched[h]->tests[i], side, value, NULL);
            if (!t || !cJSON_AddItemToArray(tests, t))
                goto oom;
        }
    for (size_t i = 0; i < r->n_tests; i++) {
        cJSON *t = make_test(oom, &r->tests[i], side, value, extra_loc);
        if (!t || !cJSON_AddItemToArray(tests, t))
            goto oom;
    }
    for (cJSON *t = tests->child; t; t = t->next) {
        /* a raised facilitator is also the first one to therapy-localise */
        cJSON *loc = cJSON_GetObjectItemCaseSensitive(t, "localise");
        for (size_t h = 0; h < n_matched && loc; h++)
            for (size_t i = 0; i < matched[h]->raise.n; i++)
                raise_in(oom, loc, matched[h]->raise.v[i], side, value);
        if (!cJSON_AddNumberToObject(t, "step", ++step))
            goto oom;
    }
    hw = cJSON_AddArrayToObject(f, "homework");
    if (!hw)
        goto oom;
    for (size_t i = 0; i < r->homework.n; i++)
        if (add_expanded(oom, hw, r->homework.v[i], side, value, 0))
            goto oom;
    for (size_t h = 0; h < n_matched; h++)
        for (size_t i = 0; i < matched[h]->homework.n; i++)
            if (add_expanded(oom, hw, matched[h]->homework.v[i], side, value, 0))
                goto oom;
    {
        /* note: the rule's, then the history notes */
        size_t len = r->note ? strlen(r->note) + 1 : 1;
        char *note;
        for (size_t h = 0; h < n_matched; h++)
            len += matched[h]->note ? strlen(matched[h]->note) + 1 : 0;
        note = calloc(1, len + 1);
        if (!note)
            goto oom;
        if (r->note)
            strcat(note, r->note);
        for (size_t h = 0; h < n_matched; h++)
            if (matched[h]->note) {
                if (note[0])
                    strcat(note, " ");
                strcat(note, matched[h]->note);
            }
        if (note[0] && !cJSON_AddStringToObject(f, "note", note)) {
            free(note);
            goto oom;
        }
        free(note);
    }
    cJSON_Delete(extra_loc);
    free(matched);
    return f;
oom:
    *oom = 1;
    free(title);
    cJSON_Delete(extra_loc);
    free(matched);
    cJSON_Delete(f);
    return NULL;
}
