/*
 * Rules file loader and validator (format "gaitscope.rules/1", documented in docs/rules.md).
 *
 * Everything in the file is checked when it is loaded, so evaluation never meets a bad rule: an
 * unknown metric, a missing or mistyped field, a threshold on the wrong side of its "full" value,
 * an SI % threshold on an angle, an unknown history item, a placeholder other than {side},
 * {other}, {value}, {value*F}. Each error names the file, the rule id and the field path, the way
 * gguf.cpp names the offending value (STYLE.md rule 14), so a therapist editing the file finds
 * the line to fix. Keys starting with '_' are comments and ignored; any other unknown key is an
 * error (a misspelt "abvoe" must not silently disable a rule).
 */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nkt_impl.h"

/* Validation context: where we are, for messages. */
typedef struct vctx {
    const char *file; /* file name for messages */
    const char *rule; /* current rule id, or NULL */
    size_t index;     /* current rule index (when id is not known yet) */
    gs_error *err;
} vctx;

/* Formats "<file>: rule '<id>': <field>: <what>" into err. */
__attribute__((format(printf, 3, 4))) static gs_status vfail(vctx *c, const char *field,
                                                             const char *fmt, ...)
{
    char what[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (c->rule)
        return gs_fail(c->err, GS_ERR_FORMAT, "%s: rule '%s': %s: %s", c->file, c->rule, field,
                       what);
    if (c->index != (size_t)-1)
        return gs_fail(c->err, GS_ERR_FORMAT, "%s: rules[%zu]: %s: %s", c->file, c->index, field,
                       what);
    return gs_fail(c->err, GS_ERR_FORMAT, "%s: %s: %s", c->file, field, what);
}

static gs_status nomem(vctx *c)
{
    return gs_fail(c->err, GS_ERR_NOMEM, "%s: out of memory loading rules", c->file);
}

/* dst = a + sep + b, truncated to n bytes (field paths for messages; no snprintf, so the
 * compiler's truncation analysis of nested path buffers does not apply). */
static void join_path(char *dst, size_t n, const char *a, const char *sep, const char *b)
{
    size_t la = strlen(a), ls = strlen(sep), lb = strlen(b), o = 0;
    if (n == 0)
        return;
    for (size_t i = 0; i < la && o + 1 < n; i++)
        dst[o++] = a[i];
    for (size_t i = 0; i < ls && o + 1 < n; i++)
        dst[o++] = sep[i];
    for (size_t i = 0; i < lb && o + 1 < n; i++)
        dst[o++] = b[i];
    dst[o] = '\0';
}

/* ---- freeing ---- */

static void strlist_free(gs_nkt__strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static void tests_free(gs_nkt__test *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(t[i].test);
        free(t[i].how);
        for (size_t j = 0; j < t[i].n_localise; j++)
            free(t[i].localise[j]);
        free(t[i].localise);
    }
    free(t);
}

static void rule_free(gs_nkt__rule *r)
{
    free(r->id);
    free(r->title);
    free(r->source);
    free(r->threshold_note);
    free(r->evidence);
    free(r->muscles_evidence);
    free(r->note);
    for (size_t i = 0; i < r->n_conds; i++)
        free(r->conds[i].source);
    free(r->conds);
    strlist_free(&r->inhibited);
    strlist_free(&r->overworking);
    strlist_free(&r->homework);
    strlist_free(&r->suppressed_by);
    tests_free(r->tests, r->n_tests);
    for (size_t i = 0; i < r->n_hmods; i++) {
        gs_nkt__hmod *h = &r->hmods[i];
        free(h->when);
        strlist_free(&h->inhibited);
        strlist_free(&h->overworking);
        strlist_free(&h->raise);
        strlist_free(&h->homework);
        tests_free(h->tests, h->n_tests);
        free(h->note);
    }
    free(r->hmods);
}

void gs_nkt_rules_free(gs_nkt_rules **rules)
{
    if (!rules || !*rules)
        return;
    for (size_t i = 0; i < (*rules)->count; i++)
        rule_free(&(*rules)->rules[i]);
    free((*rules)->rules);
    free((*rules)->name);
    free(*rules);
    *rules = NULL;
}

size_t gs_nkt_rules_count(const gs_nkt_rules *rules)
{
    return rules ? rules->count : 0;
}

const char *gs_nkt_rules_id(const gs_nkt_rules *rules, size_t i)
{
    return rules && i < rules->count ? rules->rules[i].id : NULL;
}

/* ---- field readers ---- */

/* Rejects keys of obj not in allowed (NULL-terminated); '_'-prefixed keys are comments. */
static gs_status check_keys(vctx *c, const cJSON *obj, const char *path, const char *const *allowed)
{
    for (const cJSON *it = obj->child; it; it = it->next) {
        int ok = it->string && it->string[0] == '_';
        for (size_t i = 0; !ok && allowed[i]; i++)
            ok = it->string && !strcmp(it->string, allowed[i]);
        if (!ok) {
            char f[160];
            join_path(f, sizeof(f), path, path[0] ? "." : "", it->string ? it->string : "?");
            return vfail(c, f, "unknown field (misspelt? comments start with '_')");
        }
    }
    return GS_OK;
}

/* A required (or optional, when required == 0) non-empty string; *out NULL when absent. */
static gs_status get_str(vctx *c, const cJSON *obj, const char *key, const char *path, int required,
                         char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    char f[160];
    join_path(f, sizeof(f), path, path[0] ? "." : "", key);
    *out = NULL;
    if (!v) {
        if (required)
            return vfail(c, f, "missing");
        return GS_OK;
    }
    if (!cJSON_IsString(v) || !v->valuestring || !v->valuestring[0])
        return vfail(c, f, "must be a non-empty string");
    *out = strdup(v->valuestring);
    return *out ? GS_OK : nomem(c);
}

/* A number; *present says whether it was there (optional when present != NULL). */
static gs_status get_num(vctx *c, const cJSON *obj, const char *key, const char *path, double *out,
                         int *present)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    char f[160];
    join_path(f, sizeof(f), path, path[0] ? "." : "", key);
    if (present)
        *present = v != NULL;
    if (!v) {
        if (!present)
            return vfail(c, f, "missing");
        return GS_OK;
    }
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return vfail(c, f, "must be a finite number");
    *out = v->valuedouble;
    return GS_OK;
}

/* Checks a text's placeholders. */
static gs_status check_template(vctx *c, const char *field, const char *s)
{
    const char *why = gs_nkt__template_check(s);
    if (why)
        return vfail(c, field, "%s in \"%.60s\"", why, s);
    return GS_OK;
}

/* An array of strings (templates checked); required = array must be present. */
static gs_status get_strlist(vctx *c, const cJSON *obj, const char *key, const char *path,
                             int required, gs_nkt__strlist *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    char f[160];
    size_t n, i = 0;
    join_path(f, sizeof(f), path, path[0] ? "." : "", key);
    memset(out, 0, sizeof(*out));
    if (!v)
        return required ? vfail(c, f, "missing (use [] for none)") : GS_OK;
    if (!cJSON_IsArray(v))
        return vfail(c, f, "must be an array of strings");
    n = (size_t)cJSON_GetArraySize(v);
    if (n == 0)
        return GS_OK;
    out->v = calloc(n, sizeof(char *));
    if (!out->v)
        return nomem(c);
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        char fi[180];
        gs_status rc;
        snprintf(fi, sizeof(fi), "%s[%zu]", f, i);
        if (!cJSON_IsString(it) || !it->valuestring || !it->valuestring[0])
            return vfail(c, fi, "must be a non-empty string");
        rc = check_template(c, fi, it->valuestring);
        if (rc != GS_OK)
            return rc;
        out->v[i] = strdup(it->valuestring);
        if (!out->v[i])
            return nomem(c);
        out->n = i + 1;
    }
    return GS_OK;
}

static gs_status get_tests(vctx *c, const cJSON *obj, const char *key, const char *path,
                           int required, gs_nkt__test **out, size_t *n_out)
{
    static const char *const keys[] = {"test", "how", "localise", NULL};
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    char f[160];
    size_t n, i = 0;
    gs_status rc;
    join_path(f, sizeof(f), path, path[0] ? "." : "", key);
    *out = NULL;
    *n_out = 0;
    if (!v)
        return required ? vfail(c, f, "missing (use [] for none)") : GS_OK;
    if (!cJSON_IsArray(v))
        return vfail(c, f, "must be an array of {test, how, localise}");
    n = (size_t)cJSON_GetArraySize(v);
    if (n == 0)
        return GS_OK;
    *out = calloc(n, sizeof(**out));
    if (!*out)
        return nomem(c);
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        char fi[180];
        gs_nkt__test *t = &(*out)[i];
        gs_nkt__strlist loc;
        *n_out = i + 1;
        snprintf(fi, sizeof(fi), "%s[%zu]", f, i);
        if (!cJSON_IsObject(it))
            return vfail(c, fi, "must be an object {test, how, localise}");
        if ((rc = check_keys(c, it, fi, keys)) != GS_OK)
            return rc;
        if ((rc = get_str(c, it, "test", fi, 1, &t->test)) != GS_OK)
            return rc;
        if ((rc = check_template(c, fi, t->test)) != GS_OK)
            return rc;
        if ((rc = get_str(c, it, "how", fi, 0, &t->how)) != GS_OK)
            return rc;
        rc = get_strlist(c, it, "localise", fi, 1, &loc);
        t->localise = loc.v;
        t->n_localise = loc.n;
        if (rc != GS_OK)
            return rc;
    }
    return GS_OK;
}

/* ---- conditions ---- */

/* Reads one metric alternative of a level condition ({metric, above|below, full}). */
static gs_status get_level_alt(vctx *c, const cJSON *obj, const char *path, int *above,
                               gs_nkt__alt *a)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, "metric");
    const cJSON *ab = cJSON_GetObjectItemCaseSensitive(obj, "above");
    const cJSON *be = cJSON_GetObjectItemCaseSensitive(obj, "below");
    char f[180];
    int this_above;
    gs_status rc;

    join_path(f, sizeof(f), path, ".", "metric");
    if (!m)
        return vfail(c, f, "missing");
    if (!cJSON_IsString(m) || !m->valuestring)
        return vfail(c, f, "must be a string");
    a->metric = gs_nkt__metric_find(m->valuestring);
    if (a->metric < 0)
        return vfail(c, f, "unknown metric '%s' (see docs/rules.md for the keys)", m->valuestring);
    join_path(f, sizeof(f), path, ".", "above");
    if (ab && be)
        return vfail(c, f, "give either \"above\" or \"below\", not both");
    if (!ab && !be)
        return vfail(c, f, "missing (a level condition needs \"above\" or \"below\")");
    this_above = ab != NULL;
    if (*above >= 0 && this_above != *above)
        return vfail(c, f, "an \"else\" alternative must compare in the same direction");
    *above = this_above;
    rc = get_num(c, obj, this_above ? "above" : "below", path, &a->threshold, NULL);
    if (rc != GS_OK)
        return rc;
    rc = get_num(c, obj, "full", path, &a->full, NULL);
    if (rc != GS_OK)
        return rc;
    /* Severity grows from the threshold to "full": full must lie beyond the threshold. */
    join_path(f, sizeof(f), path, ".", "full");
    if (this_above ? !(a->full > a->threshold) : !(a->full < a->threshold))
        return vfail(c, f, "%g must be %s the threshold %g (severity grows from threshold to full)",
                     a->full, this_above ? "above" : "below", a->threshold);
    return GS_OK;
}

static gs_status get_cond(vctx *c, const gs_nkt_rules *rs, const cJSON *obj, const char *path,
                          int required, gs_nkt__scope scope, gs_nkt__cond *cd)
{
    static const char *const level_keys[] = {"metric",      "above",  "below", "full", "of",
                                             "persistence", "source", "else",  NULL};
    static const char *const else_keys[] = {"metric", "above", "below", "full", "else", NULL};
    static const char *const asym_keys[] = {"asymmetry", "flag",    "min_diff",  "full_diff",
                                            "min_si",    "full_si", "sd_factor", "persistence",
                                            "source",    NULL};
    char f[180];
    gs_status rc;
    int has;

    memset(cd, 0, sizeof(*cd));
    cd->required = required;
    if (!cJSON_IsObject(obj))
        return vfail(c, path, "must be an object");
    cd->persistence = 0.5;
    rc = get_num(c, obj, "persistence", path, &cd->persistence, &has);
    if (rc != GS_OK)
        return rc;
    join_path(f, sizeof(f), path, ".", "persistence");
    if (has && !(cd->persistence > 0.0 && cd->persistence <= 1.0))
        return vfail(c, f, "%g out of range (0, 1]: fraction of strides in which it must hold",
                     cd->persistence);
    rc = get_str(c, obj, "source", path, 0, &cd->source);
    if (rc != GS_OK)
        return rc;

    if (cJSON_GetObjectItemCaseSensitive(obj, "asymmetry")) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, "asymmetry");
        const cJSON *fl = cJSON_GetObjectItemCaseSensitive(obj, "flag");
        int has_d, has_s, has_fd, has_fs;
        const gs_nkt__metric *mt;
        if ((rc = check_keys(c, obj, path, asym_keys)) != GS_OK)
            return rc;
        cd->type = GS_NKT__C_ASYM;
        join_path(f, sizeof(f), path, ".", "asymmetry");
        if (!cJSON_IsString(m) || !m->valuestring)
            return vfail(c, f, "must be a metric key");
        cd->alt[0].metric = gs_nkt__metric_find(m->valuestring);
        if (cd->alt[0].metric < 0)
            return vfail(c, f, "unknown metric '%s' (see docs/rules.md for the keys)",
                         m->valuestring);
        cd->n_alt = 1;
        mt = gs_nkt__metric_at(cd->alt[0].metric);
        if (scope == GS_NKT__SCOPE_WHOLE)
            return vfail(c, f, "an asymmetry names a side: use \"scope\": \"side\"");
        join_path(f, sizeof(f), path, ".", "flag");
        if (!fl)
            return vfail(c, f, "missing (\"lower\" or \"higher\": which side the finding is on)");
        if (!cJSON_IsString(fl) || !fl->valuestring ||
            (strcmp(fl->valuestring, "lower") && strcmp(fl->valuestring, "higher")))
            return vfail(c, f, "must be \"lower\" or \"higher\"");
        cd->above = !strcmp(fl->valuestring, "higher");
        if ((rc = get_num(c, obj, "min_diff", path, &cd->alt[0].threshold, &has_d)) != GS_OK)
            return rc;
        if ((rc = get_num(c, obj, "min_si", path, &cd->alt[0].threshold, &has_s)) != GS_OK)
            return rc;
        join_path(f, sizeof(f), path, ".", "min_diff");
        if (has_d == has_s)
            return vfail(c, f, "give exactly one of \"min_diff\" (units) or \"min_si\" (%%)");
        cd->use_si = has_s;
        if (has_s && mt->kind != GS_METRIC_KIND_POSITIVE) {
            join_path(f, sizeof(f), path, ".", "min_si");
            return vfail(c, f,
                         "SI %% is only for strictly positive metrics; '%s' can be near zero "
                         "(use min_diff in %s against the stride SD)",
                         mt->key, mt->unit);
        }
        if ((rc = get_num(c, obj, "full_diff", path, &cd->alt[0].full, &has_fd)) != GS_OK)
            return rc;
        if ((rc = get_num(c, obj, "full_si", path, &cd->alt[0].full, &has_fs)) != GS_OK)
            return rc;
        join_path(f, sizeof(f), path, ".", has_s ? "full_si" : "full_diff");
        if (has_s ? (!has_fs || has_fd) : (!has_fd || has_fs))
            return vfail(c, f, "missing (pair min_diff with full_diff, min_si with full_si)");
        join_path(f, sizeof(f), path, ".", has_s ? "min_si" : "min_diff");
        if (!(cd->alt[0].threshold >= 0.0))
            return vfail(c, f, "%g must be >= 0 (a size of difference)", cd->alt[0].threshold);
        join_path(f, sizeof(f), path, ".", has_s ? "full_si" : "full_diff");
        if (!(cd->alt[0].full > cd->alt[0].threshold))
            return vfail(c, f, "%g must be above the minimum %g", cd->alt[0].full,
                         cd->alt[0].threshold);
        cd->sd_factor = 1.0;
        if ((rc = get_num(c, obj, "sd_factor", path, &cd->sd_factor, &has)) != GS_OK)
            return rc;
        join_path(f, sizeof(f), path, ".", "sd_factor");
        if (!(cd->sd_factor >= 0.0 && cd->sd_factor <= 10.0))
            return vfail(c, f, "%g out of range [0, 10]", cd->sd_factor);
        return GS_OK;
    }

    /* Level condition, with an optional "else" chain of alternative metrics. */
    {
        const cJSON *cur = obj;
        const cJSON *of = cJSON_GetObjectItemCaseSensitive(obj, "of");
        char p[180];
        int above = -1;
        cd->type = GS_NKT__C_LEVEL;
        if (!cJSON_GetObjectItemCaseSensitive(obj, "metric"))
            return vfail(c, path, "missing \"metric\" (or \"asymmetry\")");
        if ((rc = check_keys(c, obj, path, level_keys)) != GS_OK)
            return rc;
        join_path(p, sizeof(p), path, "", "");
        while (cur) {
            const cJSON *next = cJSON_GetObjectItemCaseSensitive(cur, "else");
            if (cd->n_alt == GS_NKT__MAX_ALT) {
                return vfail(c, p, "too many \"else\" alternatives (at most %d metrics)",
                             GS_NKT__MAX_ALT);
            }
            if (cur != obj) {
                if (!cJSON_IsObject(cur))
                    return vfail(c, p, "must be an object {metric, above|below, full}");
                if ((rc = check_keys(c, cur, p, else_keys)) != GS_OK)
                    return rc;
            }
            rc = get_level_alt(c, cur, p, &above, &cd->alt[cd->n_alt]);
            if (rc != GS_OK)
                return rc;
            if (scope == GS_NKT__SCOPE_SIDE &&
                gs_nkt__metric_at(cd->alt[cd->n_alt].metric)->whole_body) {
                char fm[200];
                join_path(fm, sizeof(fm), p, ".", "metric");
                return vfail(c, fm, "'%s' is whole-body: use \"scope\": \"whole\"",
                             gs_nkt__metric_at(cd->alt[cd->n_alt].metric)->key);
            }
            cd->n_alt++;
            if (next) {
                char q[180];
                join_path(q, sizeof(q), p, "", ".else");
                memcpy(p, q, sizeof(p));
            }
            cur = next;
        }
        cd->above = above;
        if (of) {
            join_path(f, sizeof(f), path, ".", "of");
            if (!cJSON_IsString(of) || !of->valuestring ||
                (strcmp(of->valuestring, "same") && strcmp(of->valuestring, "opposite")))
                return vfail(c, f, "must be \"same\" or \"opposite\" (which side's values)");
            cd->opposite = !strcmp(of->valuestring, "opposite");
            if (cd->opposite && scope == GS_NKT__SCOPE_WHOLE)
                return vfail(c, f, "\"opposite\" needs \"scope\": \"side\"");
        }
    }
    (void)rs;
    return GS_OK;
}

static gs_status get_conds(vctx *c, const gs_nkt_rules *rs, const cJSON *r, const char *key,
                           int required, gs_nkt__rule *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, key);
    size_t n, i = 0;
    gs_nkt__cond *nc;
    if (!v) {
        if (required)
            return vfail(c, key, "missing (at least one condition)");
        return GS_OK;
    }
    if (!cJSON_IsArray(v) || (required && cJSON_GetArraySize(v) == 0))
        return vfail(c, key,
                     required ? "must be a non-empty array of conditions"
                              : "must be an array of conditions");
    n = (size_t)cJSON_GetArraySize(v);
    if (n == 0)
        return GS_OK;
    nc = realloc(out->conds, (out->n_conds + n) * sizeof(*nc));
    if (!nc)
        return nomem(c);
    out->conds = nc;
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        char f[64];
        gs_status rc;
        snprintf(f, sizeof(f), "%s[%zu]", key, i);
        rc = get_cond(c, rs, it, f, required, out->scope, &out->conds[out->n_conds]);
        out->n_conds++;
        if (rc != GS_OK)
            return rc;
    }
    return GS_OK;
}

/* ---- history modifiers ---- */

static gs_status get_hmods(vctx *c, const cJSON *r, gs_nkt__rule *out)
{
    static const char *const keys[] = {"if",        "side",     "inhibited", "overworking", "raise",
                                       "nkt_tests", "homework", "note",      NULL};
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, "history");
    size_t n, i = 0;
    gs_status rc;
    if (!v)
        return GS_OK;
    if (!cJSON_IsArray(v))
        return vfail(c, "history", "must be an array of {if, side, inhibited, ...}");
    n = (size_t)cJSON_GetArraySize(v);
    if (n == 0)
        return GS_OK;
    out->hmods = calloc(n, sizeof(*out->hmods));
    if (!out->hmods)
        return nomem(c);
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        gs_nkt__hmod *h = &out->hmods[i];
        const cJSON *when, *side;
        char f[64], fi[96];
        size_t j = 0;
        out->n_hmods = i + 1;
        snprintf(f, sizeof(f), "history[%zu]", i);
        if (!cJSON_IsObject(it))
            return vfail(c, f, "must be an object");
        if ((rc = check_keys(c, it, f, keys)) != GS_OK)
            return rc;
        when = cJSON_GetObjectItemCaseSensitive(it, "if");
        join_path(fi, sizeof(fi), f, ".", "if");
        if (!when)
            return vfail(c, fi, "missing (the intake items this applies to)");
        if (!cJSON_IsArray(when) || cJSON_GetArraySize(when) == 0)
            return vfail(c, fi, "must be a non-empty array of items like \"scar:abdomen\"");
        h->when = calloc((size_t)cJSON_GetArraySize(when), sizeof(*h->when));
        if (!h->when)
            return nomem(c);
        for (const cJSON *w = when->child; w; w = w->next, j++) {
            snprintf(fi, sizeof(fi), "%s.if[%zu]", f, j);
            if (!cJSON_IsString(w) || !w->valuestring)
                return vfail(c, fi, "must be a string like \"injury:ankle\"");
            if (gs_nkt__hitem_parse(w->valuestring, 0, &h->when[j]) != 0)
                return vfail(c, fi,
                             "unknown item '%s' (in rules, write sided regions without left_/"
                             "right_ and set \"side\"; %s)",
                             w->valuestring, gs_nkt__history_accepted());
            h->n_when = j + 1;
        }
        h->side_rel = 0;
        side = cJSON_GetObjectItemCaseSensitive(it, "side");
        join_path(fi, sizeof(fi), f, ".", "side");
        if (side) {
            if (!cJSON_IsString(side) || !side->valuestring)
                return vfail(c, fi, "must be \"same\", \"opposite\" or \"any\"");
            if (!strcmp(side->valuestring, "any"))
                h->side_rel = 0;
            else if (!strcmp(side->valuestring, "same"))
                h->side_rel = 1;
            else if (!strcmp(side->valuestring, "opposite"))
                h->side_rel = 2;
            else
                return vfail(c, fi, "must be \"same\", \"opposite\" or \"any\", not '%s'",
                             side->valuestring);
        } else {
            /* A sided region without a side relation means the finding's own side. */
            for (size_t k = 0; k < h->n_when; k++)
                if (gs_nkt__region_sided(h->when[k].region))
                    h->side_rel = 1;
        }
        if (h->side_rel != 0 && out->scope == GS_NKT__SCOPE_WHOLE)
            return vfail(c, fi, "a whole-body rule has no side: use \"any\"");
        if ((rc = get_strlist(c, it, "inhibited", f, 0, &h->inhibited)) != GS_OK)
            return rc;
        if ((rc = get_strlist(c, it, "overworking", f, 0, &h->overworking)) != GS_OK)
            return rc;
        if ((rc = get_strlist(c, it, "raise", f, 0, &h->raise)) != GS_OK)
            return rc;
        if ((rc = get_strlist(c, it, "homework", f, 0, &h->homework)) != GS_OK)
            return rc;
        if ((rc = get_tests(c, it, "nkt_tests", f, 0, &h->tests, &h->n_tests)) != GS_OK)
            return rc;
        if ((rc = get_str(c, it, "note", f, 0, &h->note)) != GS_OK)
            return rc;
        /* "raise" moves a candidate to the front: it must name one the rule (or this
         * modifier) lists, or the edit did nothing. */
        for (size_t k = 0; k < h->raise.n; k++) {
            const char *s = h->raise.v[k];
            int found = 0;
            const gs_nkt__strlist *lists[4] = {&out->inhibited, &out->overworking, &h->inhibited,
                                               &h->overworking};
            for (int l = 0; l < 4 && !found; l++)
                for (size_t m = 0; m < lists[l]->n && !found; m++)
                    found = !strcmp(lists[l]->v[m], s);
            if (!found) {
                snprintf(fi, sizeof(fi), "%s.raise[%zu]", f, k);
                return vfail(c, fi, "'%s' is not among the rule's inhibited/overworking entries",
                             s);
            }
        }
        if (!h->inhibited.n && !h->overworking.n && !h->raise.n && !h->homework.n && !h->n_tests &&
            !h->note)
            return vfail(c, f,
                         "changes nothing (give inhibited, overworking, raise, nkt_tests, "
                         "homework or note)");
    }
    return GS_OK;
}

/* ---- one rule ---- */

static int valid_id(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
            return 0;
    return 1;
}

static gs_status get_level(vctx *c, const cJSON *r, const char *key, char **out)
{
    gs_status rc = get_str(c, r, key, "", 1, out);
    if (rc != GS_OK)
        return rc;
    if (strcmp(*out, "research") && strcmp(*out, "clinical") && strcmp(*out, "practitioner"))
        return vfail(c, key, "must be \"research\", \"clinical\" or \"practitioner\", not '%s'",
                     *out);
    return GS_OK;
}

static gs_status get_rule(vctx *c, const gs_nkt_rules *rs, const cJSON *r, gs_nkt__rule *out)
{
    static const char *const keys[] = {"id",
                                       "title",
                                       "activity",
                                       "views",
                                       "scope",
                                       "when",
                                       "supporting",
                                       "source",
                                       "threshold_note",
                                       "evidence",
                                       "muscles_evidence",
                                       "validity",
                                       "severity_max",
                                       "inhibited",
                                       "overworking",
                                       "nkt_tests",
                                       "homework",
                                       "history",
                                       "suppressed_by",
                                       "note",
                                       NULL};
    static const char *const view_names[GS_NKT__N_VIEWS] = {"side", "rear", "front"};
    const cJSON *v;
    gs_status rc;
    int has;

    if (!cJSON_IsObject(r))
        return vfail(c, "rule", "must be an object");
    v = cJSON_GetObjectItemCaseSensitive(r, "id");
    if (!v)
        return vfail(c, "id", "missing");
    if (!cJSON_IsString(v) || !valid_id(v->valuestring))
        return vfail(c, "id", "must be a string of a-z, 0-9 and _");
    out->id = strdup(v->valuestring);
    if (!out->id)
        return nomem(c);
    c->rule = out->id;
    if ((rc = check_keys(c, r, "", keys)) != GS_OK)
        return rc;
    if ((rc = get_str(c, r, "title", "", 1, &out->title)) != GS_OK)
        return rc;
    if ((rc = check_template(c, "title", out->title)) != GS_OK)
        return rc;

    /* activity: ["run"], ["walk"] or both */
    v = cJSON_GetObjectItemCaseSensitive(r, "activity");
    if (!v)
        return vfail(c, "activity", "missing ([\"run\"], [\"walk\"] or both)");
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
        return vfail(c, "activity", "must be a non-empty array of \"run\" / \"walk\"");
    for (const cJSON *it = v->child; it; it = it->next) {
        if (cJSON_IsString(it) && !strcmp(it->valuestring, "run"))
            out->activity[0] = 1;
        else if (cJSON_IsString(it) && !strcmp(it->valuestring, "walk"))
            out->activity[1] = 1;
        else
            return vfail(c, "activity", "unknown activity (use \"run\" or \"walk\")");
    }

    /* views: ["rear", "front"] (all suitability 1) or {"rear": 1.0, "front": 0.8} */
    v = cJSON_GetObjectItemCaseSensitive(r, "views");
    if (!v)
        return vfail(c, "views", "missing (views where the measure is valid)");
    if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
        int any = 0;
        for (const cJSON *it = v->child; it; it = it->next) {
            const char *name =
                cJSON_IsArray(v) ? (cJSON_IsString(it) ? it->valuestring : NULL) : it->string;
            double fit = 1.0;
            int k = -1;
            for (int j = 0; j < GS_NKT__N_VIEWS; j++)
                if (name && !strcmp(name, view_names[j]))
                    k = j;
            if (k < 0)
                return vfail(c, "views", "unknown view '%s' (use side, rear, front)",
                             name ? name : "?");
            if (cJSON_IsObject(v)) {
                if (!cJSON_IsNumber(it) || !(it->valuedouble > 0.0 && it->valuedouble <= 1.0))
                    return vfail(c, "views", "suitability of '%s' must be in (0, 1]", name);
                fit = it->valuedouble;
            }
            out->view_fit[k] = fit;
            any = 1;
        }
        if (!any)
            return vfail(c, "views", "must name at least one view");
    } else {
        return vfail(c, "views", "must be an array of views or an object view -> suitability");
    }

    v = cJSON_GetObjectItemCaseSensitive(r, "scope");
    if (!v)
        return vfail(c, "scope", "missing (\"side\" or \"whole\")");
    if (cJSON_IsString(v) && !strcmp(v->valuestring, "side"))
        out->scope = GS_NKT__SCOPE_SIDE;
    else if (cJSON_IsString(v) && !strcmp(v->valuestring, "whole"))
        out->scope = GS_NKT__SCOPE_WHOLE;
    else
        return vfail(c, "scope", "must be \"side\" or \"whole\"");

    if ((rc = get_conds(c, rs, r, "when", 1, out)) != GS_OK)
        return rc;
    if ((rc = get_conds(c, rs, r, "supporting", 0, out)) != GS_OK)
        return rc;
    if ((rc = get_str(c, r, "source", "", 1, &out->source)) != GS_OK)
        return rc;
    if ((rc = get_str(c, r, "threshold_note", "", 0, &out->threshold_note)) != GS_OK)
        return rc;
    if ((rc = get_level(c, r, "evidence", &out->evidence)) != GS_OK)
        return rc;
    if ((rc = get_level(c, r, "muscles_evidence", &out->muscles_evidence)) != GS_OK)
        return rc;
    out->validity = 1.0;
    if ((rc = get_num(c, r, "validity", "", &out->validity, &has)) != GS_OK)
        return rc;
    if (!(out->validity > 0.0 && out->validity <= 1.0))
        return vfail(c, "validity", "%g out of range (0, 1]", out->validity);
    out->severity_max = 1.0;
    if ((rc = get_num(c, r, "severity_max", "", &out->severity_max, &has)) != GS_OK)
        return rc;
    if (!(out->severity_max > rs->severity_floor && out->severity_max <= 1.0))
        return vfail(c, "severity_max", "%g out of range (severity_floor %g, 1]", out->severity_max,
                     rs->severity_floor);
    if ((rc = get_strlist(c, r, "inhibited", "", 1, &out->inhibited)) != GS_OK)
        return rc;
    if ((rc = get_strlist(c, r, "overworking", "", 1, &out->overworking)) != GS_OK)
        return rc;
    if ((rc = get_tests(c, r, "nkt_tests", "", 1, &out->tests, &out->n_tests)) != GS_OK)
        return rc;
    if ((rc = get_strlist(c, r, "homework", "", 1, &out->homework)) != GS_OK)
        return rc;
    if ((rc = get_strlist(c, r, "suppressed_by", "", 0, &out->suppressed_by)) != GS_OK)
        return rc;
    if ((rc = get_str(c, r, "note", "", 0, &out->note)) != GS_OK)
        return rc;
    if ((rc = get_hmods(c, r, out)) != GS_OK)
        return rc;
    return GS_OK;
}

/* ---- the file ---- */

gs_status gs_nkt_rules_from_json(const cJSON *root, const char *name, gs_nkt_rules **out,
                                 gs_error *err)
{
    static const char *const top_keys[] = {"format",   "version", "description",
                                           "defaults", "rules",   NULL};
    static const char *const def_keys[] = {"severity_floor", "strides_for_full_confidence",
                                           "min_strides", "far_side_factor", NULL};
    gs_status rc;
    gs_nkt_rules *rs = NULL;
    const cJSON *v, *rules, *defs;
    vctx c = {name ? name : "rules", NULL, (size_t)-1, err};
    size_t n, i = 0;
    int has;

    *out = NULL;
    rs = calloc(1, sizeof(*rs));
    if (!rs)
        return nomem(&c);
    rs->name = strdup(c.file);
    if (!rs->name) {
        rc = nomem(&c);
        goto fail;
    }
    if (!cJSON_IsObject(root)) {
        rc = vfail(&c, "top level", "must be a JSON object");
        goto fail;
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (!cJSON_IsString(v) || strcmp(v->valuestring, GS_NKT_RULES_FORMAT)) {
        rc = vfail(&c, "format", "must be \"%s\"%s", GS_NKT_RULES_FORMAT, v ? "" : " (missing)");
        goto fail;
    }
    if ((rc = check_keys(&c, root, "", top_keys)) != GS_OK)
        goto fail;

    /* Defaults (docs/rules.md): a finding just over its threshold gets severity_floor; 7 strides
     * per side for full confidence follows Dingenen 2018 (Phys Ther Sport 33:40), who found a
     * stable mean of 2D running angles needs about 7 steps. */
    rs->severity_floor = 0.2;
    rs->strides_full = 7.0;
    rs->min_strides = 3;
    /* In a side view the far leg is partly hidden by the near one (and by treadmill consoles):
     * pose models misplace its heel and toe (MediaPipe issue #3496, REFERENCES.md) and its
     * events are later/noisier (Young et al. 2023, Sensors 23:696: right-foot timing worse from
     * occlusion). Findings that rest on the far leg's numbers get this factor. */
    rs->far_side_factor = 0.7;
    defs = cJSON_GetObjectItemCaseSensitive(root, "defaults");
    if (defs) {
        double ms = 3.0;
        if (!cJSON_IsObject(defs)) {
            rc = vfail(&c, "defaults", "must be an object");
            goto fail;
        }
        if ((rc = check_keys(&c, defs, "defaults", def_keys)) != GS_OK)
            goto fail;
        if ((rc = get_num(&c, defs, "severity_floor", "defaults", &rs->severity_floor, &has)))
            goto fail;
        if (!(rs->severity_floor >= 0.0 && rs->severity_floor < 1.0)) {
            rc = vfail(&c, "defaults.severity_floor", "%g out of range [0, 1)", rs->severity_floor);
            goto fail;
        }
        if ((rc = get_num(&c, defs, "strides_for_full_confidence", "defaults", &rs->strides_full,
                          &has)))
            goto fail;
        if (!(rs->strides_full >= 1.0 && rs->strides_full <= 1000.0)) {
            rc = vfail(&c, "defaults.strides_for_full_confidence", "%g out of range [1, 1000]",
                       rs->strides_full);
            goto fail;
        }
        if ((rc = get_num(&c, defs, "far_side_factor", "defaults", &rs->far_side_factor, &has)))
            goto fail;
        if (!(rs->far_side_factor > 0.0 && rs->far_side_factor <= 1.0)) {
            rc = vfail(&c, "defaults.far_side_factor", "%g out of range (0, 1]",
                       rs->far_side_factor);
            goto fail;
        }
        if ((rc = get_num(&c, defs, "min_strides", "defaults", &ms, &has)))
            goto fail;
        if (!(ms >= 1.0 && ms <= 1000.0) || ms != floor(ms)) {
            rc = vfail(&c, "defaults.min_strides", "%g must be an integer in [1, 1000]", ms);
            goto fail;
        }
        rs->min_strides = (int)ms;
    }

    rules = cJSON_GetObjectItemCaseSensitive(root, "rules");
    if (!rules) {
        rc = vfail(&c, "rules", "missing");
        goto fail;
    }
    if (!cJSON_IsArray(rules)) {
        rc = vfail(&c, "rules", "must be an array");
        goto fail;
    }
    n = (size_t)cJSON_GetArraySize(rules);
    if (n) {
        rs->rules = calloc(n, sizeof(*rs->rules));
        if (!rs->rules) {
            rc = nomem(&c);
            goto fail;
        }
    }
    for (const cJSON *r = rules->child; r; r = r->next, i++) {
        c.rule = NULL;
        c.index = i;
        rs->count = i + 1;
        rc = get_rule(&c, rs, r, &rs->rules[i]);
        if (rc != GS_OK)
            goto fail;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(rs->rules[j].id, rs->rules[i].id)) {
                rc = vfail(&c, "id", "duplicate (also rules[%zu])", j);
                goto fail;
            }
    }
    /* suppressed_by must name rules of this file. */
    for (i = 0; i < rs->count; i++) {
        gs_nkt__rule *r = &rs->rules[i];
        c.rule = r->id;
        for (size_t k = 0; k < r->suppressed_by.n; k++) {
            int found = 0;
            for (size_t j = 0; j < rs->count && !found; j++)
                found = j != i && !strcmp(rs->rules[j].id, r->suppressed_by.v[k]);
            if (!found) {
                char f[48];
                snprintf(f, sizeof(f), "suppressed_by[%zu]", k);
                rc = vfail(&c, f, "no other rule has id '%s'", r->suppressed_by.v[k]);
                goto fail;
            }
        }
    }
    *out = rs;
    return GS_OK;
fail:
    gs_nkt_rules_free(&rs);
    return rc;
}

gs_status gs_nkt_rules_load(const char *path, gs_nkt_rules **out, gs_error *err)
{
    gs_status rc;
    uint8_t *data = NULL;
    size_t len = 0;
    cJSON *root = NULL;

    *out = NULL;
    rc = gs_file_read_all(path, &data, &len, err);
    if (rc != GS_OK)
        return rc;
    root = cJSON_ParseWithLength((const char *)data, len);
    if (!root) {
        /* Report the line of the parse error: cJSON_GetErrorPtr is process-global and not
         * thread-safe (STYLE.md, cJSON caution), so locate the error by re-parsing with
         * cJSON_ParseWithLengthOpts, which returns the end pointer through its argument. */
        const char *end = NULL;
        size_t line = 1;
        cJSON *again = cJSON_ParseWithLengthOpts((const char *)data, len, &end, 0);
        cJSON_Delete(again);
        if (end && end >= (const char *)data && end <= (const char *)data + len)
            for (const char *p = (const char *)data; p < end; p++)
                line += *p == '\n';
        rc = gs_fail(err, GS_ERR_FORMAT, "%s: not valid JSON (error near line %zu)", path, line);
        goto done;
    }
    rc = gs_nkt_rules_from_json(root, path, out, err);
done:
    cJSON_Delete(root);
    free(data);
    return rc;
}
