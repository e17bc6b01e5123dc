/*
 * Intake history: structured items `kind:region` such as scar:abdomen, injury:left_ankle,
 * surgery:right_knee, pain:low_back. In NKT practice the history steers which facilitators a
 * therapist checks first (a scar is therapy-localised by touching it and retesting; an old
 * sprain or an operated knee changes the pattern); the rules file says, per rule, which
 * candidates an item adds or raises (docs/rules.md).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nkt_impl.h"

static const char *const kinds[GS_NKT__HK_COUNT] = {"scar", "injury", "surgery", "pain"};
_Static_assert(sizeof(kinds) / sizeof(kinds[0]) == GS_NKT__HK_COUNT, "history kinds table");

/* Regions; sided ones take a left_/right_ prefix in the intake. */
static const struct {
    const char *name;
    int sided;
} regions[] = {
    {"abdomen", 0},   {"low_back", 0}, {"neck", 0},  {"pelvis", 0},   {"foot", 1},
    {"ankle", 1},     {"calf", 1},     {"shin", 1},  {"knee", 1},     {"thigh", 1},
    {"hamstring", 1}, {"hip", 1},      {"groin", 1}, {"shoulder", 1},
};
#define N_REGIONS (sizeof(regions) / sizeof(regions[0]))

const char *gs_nkt__history_accepted(void)
{
    return "kinds scar, injury, surgery, pain; regions abdomen, low_back, neck, pelvis, or "
           "left_/right_ + foot, ankle, calf, shin, knee, thigh, hamstring, hip, groin, shoulder "
           "(e.g. scar:abdomen, injury:left_ankle)";
}

int gs_nkt__region_sided(int r)
{
    return r >= 0 && (size_t)r < N_REGIONS && regions[r].sided;
}

int gs_nkt__hitem_parse(const char *s, int allow_side, gs_nkt__hitem *it)
{
    const char *colon = strchr(s, ':');
    const char *reg;
    size_t klen;

    memset(it, 0, sizeof(*it));
    it->kind = -1;
    it->region = -1;
    if (!colon)
        return -1;
    klen = (size_t)(colon - s);
    for (int k = 0; k < GS_NKT__HK_COUNT; k++)
        if (strlen(kinds[k]) == klen && !strncmp(kinds[k], s, klen))
            it->kind = k;
    if (it->kind < 0)
        return -1;
    reg = colon + 1;
    it->side = GS_NKT__SIDE_NONE;
    if (allow_side && !strncmp(reg, "left_", 5)) {
        it->side = GS_NKT__SIDE_LEFT;
        reg += 5;
    } else if (allow_side && !strncmp(reg, "right_", 6)) {
        it->side = GS_NKT__SIDE_RIGHT;
        reg += 6;
    }
    for (size_t r = 0; r < N_REGIONS; r++)
        if (!strcmp(regions[r].name, reg))
            it->region = (int)r;
    if (it->region < 0)
        return -1;
    /* In the intake a sided region must say which side; an unsided one must not. In the rules
     * file the side is relative to the finding ("side": "same"), so no prefix is allowed. */
    if (allow_side && regions[it->region].sided != (it->side != GS_NKT__SIDE_NONE))
        return -1;
    return 0;
}

void gs_nkt__hitem_format(const gs_nkt__hitem *it, char *buf, size_t n)
{
    const char *k = it->kind >= 0 && it->kind < GS_NKT__HK_COUNT ? kinds[it->kind] : "?";
    const char *r =
        it->region >= 0 && (size_t)it->region < N_REGIONS ? regions[it->region].name : "?";
    const char *p = it->side == GS_NKT__SIDE_LEFT    ? "left_"
                    : it->side == GS_NKT__SIDE_RIGHT ? "right_"
                                                     : "";
    snprintf(buf, n, "%s:%s%s", k, p, r);
}

gs_status gs_nkt_history_parse(const char *items, gs_nkt_history **out, gs_error *err)
{
    gs_status rc = GS_OK;
    gs_nkt_history *h = NULL;
    char *copy = NULL, *save = NULL;
    size_t cap = 0;

    *out = NULL;
    h = calloc(1, sizeof(*h));
    copy = strdup(items ? items : "");
    if (!h || !copy) {
        rc = gs_fail(err, GS_ERR_NOMEM, "history: out of memory");
        goto fail;
    }
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *end;
        gs_nkt__hitem it;
        while (isspace((unsigned char)*tok))
            tok++;
        end = tok + strlen(tok);
        while (end > tok && isspace((unsigned char)end[-1]))
            *--end = '\0';
        if (!*tok)
            continue;
        for (char *p = tok; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        if (gs_nkt__hitem_parse(tok, 1, &it) != 0) {
            rc = gs_fail(err, GS_ERR_ARG, "history item '%s' not understood; accepted: %s", tok,
                         gs_nkt__history_accepted());
            goto fail;
        }
        if (h->count == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            gs_nkt__hitem *nv = realloc(h->items, ncap * sizeof(*nv));
            if (!nv) {
                rc = gs_fail(err, GS_ERR_NOMEM, "history: out of memory");
                goto fail;
            }
            h->items = nv;
            cap = ncap;
        }
        h->items[h->count++] = it;
    }
    free(copy);
    *out = h;
    return GS_OK;
fail:
    free(copy);
    gs_nkt_history_free(&h);
    return rc;
}

void gs_nkt_history_free(gs_nkt_history **h)
{
    if (!h || !*h)
        return;
    free((*h)->items);
    free(*h);
    *h = NULL;
}

size_t gs_nkt_history_count(const gs_nkt_history *h)
{
    return h ? h->count : 0;
}
