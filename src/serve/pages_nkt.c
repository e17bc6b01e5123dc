/*
 * gaitscope serve, pages: the therapist's NKT record of a session (muscle tests and results,
 * facilitators found, what was released and activated, homework) on the session page, with
 * "last time" from the athlete's previous session that has one. Never on a share page.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pages_impl.h"
#include "serve_http_impl.h"

static const struct {
    const char *key, *label, *hint;
    size_t off;
} fields[] = {
    {"tests", "Muscle tests and results", "e.g. gluteus medius left: inhibited",
     offsetof(gs_store_nkt, tests)},
    {"facilitators", "Facilitators found", "e.g. TFL left; scar abdomen",
     offsetof(gs_store_nkt, facilitators)},
    {"released", "Released", "", offsetof(gs_store_nkt, released)},
    {"activated", "Activated", "", offsetof(gs_store_nkt, activated)},
    {"homework", "Homework", "", offsetof(gs_store_nkt, homework)},
};
#define N_FIELDS ((int)(sizeof(fields) / sizeof(fields[0])))

/* The day a session is filed under: its date, else the day it was uploaded. */
static void day_of(const gs_store_session *ss, char out[11])
{
    if (ss->date[0])
        snprintf(out, 11, "%s", ss->date);
    else
        gs_page_day(ss->created, out);
}

/* 1 when a comes before b (by day, then upload time). */
static int before(const gs_store_session *a, const gs_store_session *b)
{
    char da[11], db[11];
    day_of(a, da);
    day_of(b, db);
    int c = strcmp(da, db);
    return c < 0 || (c == 0 && a->created < b->created);
}

/* The record of the athlete's latest session before ss that has one: 0 found (rec, day). */
static int last_time(gs_page *pg, const gs_store_session *ss, gs_store_nkt *rec, char day[11])
{
    gs_store_session *list = NULL;
    size_t n = 0;
    gs_error e = {0};
    int found = 0;
    const gs_store_session *best = NULL;
    if (gs_store_session_list(pg->st, pg->account, ss->athlete, &list, &n, &e) != GS_OK)
        return -1;
    /* the candidates, latest first: at most a few store reads for a long history */
    for (int tries = 0; tries < 50 && !found; tries++) {
        best = NULL;
        for (size_t i = 0; i < n; i++)
            if (strcmp(list[i].id, ss->id) != 0 && before(&list[i], ss) &&
                (!best || before(best, &list[i])) && list[i].id[0])
                best = &list[i];
        if (!best)
            break;
        if (gs_store_nkt_get(pg->st, pg->account, best->id, rec, &e) == GS_OK) {
            found = 1;
            day_of(best, day);
        } else {
            ((gs_store_session *)best)->id[0] = '\0'; /* no record: not a candidate again */
        }
    }
    free(list);
    return found ? 0 : -1;
}

static void record_dl(gs_html_buf *b, const gs_store_nkt *rec)
{
    gs_html_puts(b, "<dl>");
    for (int i = 0; i < N_FIELDS; i++) {
        const char *v = (const char *)rec + fields[i].off;
        if (!v[0])
            continue;
        gs_html_printf(b, "<dt>%s</dt><dd>", fields[i].label);
        gs_html_esc(b, v);
        gs_html_puts(b, "</dd>");
    }
    gs_html_puts(b, "</dl>");
}

void gs_pages_nkt_html(gs_page *pg, gs_html_buf *b, const gs_store_session *ss, int saved)
{
    gs_store_nkt rec, prev;
    gs_error e = {0};
    char day[11];
    int has = gs_store_nkt_get(pg->st, pg->account, ss->id, &rec, &e) == GS_OK;
    if (!has)
        memset(&rec, 0, sizeof(rec));
    gs_html_puts(b, "<section id=\"nkt\"><h2>NKT record</h2>");
    if (last_time(pg, ss, &prev, day) == 0) {
        gs_html_printf(b, "<div class=\"alert\" id=\"nkt-last\"><strong>Last time (%s):</strong>",
                       day);
        record_dl(b, &prev);
        gs_html_puts(b, "</div>");
    }
    if (saved)
        gs_html_puts(b, "<p id=\"nkt-saved\"><strong>Saved.</strong></p>");
    else if (has) {
        char up[11];
        gs_page_day(rec.updated, up);
        gs_html_printf(b, "<p class=\"muted\">Last written %s.</p>", up);
    }
    gs_html_printf(b, "<form method=\"post\" action=\"/sessions/%s/nkt\">", ss->id);
    gs_page_csrf_field(pg, b);
    for (int i = 0; i < N_FIELDS; i++) {
        gs_html_printf(b, "<label for=\"nkt-%s\">%s</label><textarea id=\"nkt-%s\" name=\"%s\" "
                          "rows=\"2\" maxlength=\"%d\" placeholder=\"%s\">",
                       fields[i].key, fields[i].label, fields[i].key, fields[i].key,
                       GS_STORE_NKT_TEXT_MAX, fields[i].hint);
        gs_html_esc(b, (const char *)&rec + fields[i].off);
        gs_html_puts(b, "</textarea>");
    }
    gs_html_puts(b, "<button type=\"submit\">Save the record</button></form></section>");
}

int gs_pages_nkt_post(gs_page *pg, const char *session, int *saved, char *err, size_t n)
{
    gs_store_nkt *rec = calloc(1, sizeof(*rec));
    gs_error e = {0};
    *saved = 0;
    if (!rec)
        return snprintf(err, n, "out of memory"), 500;
    for (int i = 0; i < N_FIELDS; i++) {
        char *dst = (char *)rec + fields[i].off;
        if (gs_page_form(pg, fields[i].key, dst, GS_STORE_NKT_TEXT_MAX + 1) == -2) {
            free(rec);
            return snprintf(err, n, "%s is longer than %d bytes.", fields[i].label,
                            GS_STORE_NKT_TEXT_MAX),
                   400;
        }
    }
    gs_status rc = gs_store_nkt_set(pg->st, pg->account, session, rec, (int64_t)time(NULL), &e);
    free(rec);
    if (rc == GS_ERR_NOT_FOUND)
        return snprintf(err, n, "No such session."), 404;
    if (rc != GS_OK)
        return snprintf(err, n, "The server could not store the record; try again."), 500;
    *saved = 1;
    /* a write of the athlete's record is in the access log too */
    gs_store_session ss;
    if (gs_store_session_get(pg->st, pg->account, session, &ss, &e) == GS_OK &&
        gs_serve__access(pg->s, pg->st, pg->c, pg->account, pg->user, ss.athlete, ss.id,
                         "saved NKT record", pg->addr) != GS_OK)
        return snprintf(err, n, "The record was saved but not logged; tell the operator."), 500;
    return 0;
}
