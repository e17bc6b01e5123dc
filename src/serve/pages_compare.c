/*
 * gaitscope serve, pages: comparisons of two sessions (the form on the athlete page, the
 * comparison page with the comparison's HTML in a sandboxed frame, its JSON and side-by-side
 * clip, the lists on the athlete and session pages), the zip downloads (a session; an athlete's
 * export with the NKT records) and the re-run of a session's analysis with changed options.
 *
 * A comparison is computed by a worker (a compare job, src/worker/worker_compare.c): it decodes
 * both overlay clips and encodes the side-by-side clip, and its permutation tests took 9.4 s and
 * 160 MB for two 5-s clips (`gaitscope compare`, /usr/bin/time, load ~5), so it never runs in
 * the server's process. The server only records the request and serves what the worker wrote.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "pages_impl.h"
#include "serve_compare.h"

/* comparison.html inside the comparison page's frame: as report.html (pages_session.c): no
 * script, no form, no navigation; same origin so its side-by-side clip loads with the cookie. */
#define COMPARISON_FRAME_CSP                                                               \
    "sandbox allow-same-origin; default-src 'none'; style-src 'unsafe-inline'; "           \
    "img-src 'self' data:; media-src 'self'; base-uri 'none'; form-action 'none'; "        \
    "frame-ancestors 'self'"
#define FILE_CSP "sandbox; default-src 'none'; frame-ancestors 'self'"
/* comparison.json read for the page's summary (two 5-s clips: ~60 kB). */
#define COMPARISON_JSON_MAX ((size_t)16 << 20)

static void day_of(const gs_store_session *ss, char out[11])
{
    if (ss->date[0])
        snprintf(out, 11, "%s", ss->date);
    else
        gs_page_day(ss->created, out);
}

/* ---- the lists and forms other pages show --------------------------------------------------- */

void gs_pages_comparisons_html(gs_page *pg, gs_html_buf *b, const char *athlete,
                               const char *session)
{
    gs_store_comparison *cl = NULL;
    size_t n = 0;
    gs_error e = {0};
    if (gs_store_comparison_list(pg->st, pg->account, athlete, session, &cl, &n, &e) != GS_OK ||
        n == 0) {
        free(cl);
        if (session)
            gs_html_puts(b, "<p class=\"muted\" id=\"comparisons\">No comparison with this "
                            "session yet (compare two sessions on the athlete's page).</p>");
        return;
    }
    gs_html_puts(b, "<table class=\"list\" id=\"comparisons\"><tr><th>Before</th><th>After</th>"
                    "<th>Status</th><th></th></tr>");
    for (size_t i = 0; i < n; i++) {
        gs_store_session sb, sa;
        gs_store_job j;
        char db[11] = "?", da[11] = "?";
        if (gs_store_session_get(pg->st, pg->account, cl[i].before, &sb, NULL) == GS_OK)
            day_of(&sb, db);
        if (gs_store_session_get(pg->st, pg->account, cl[i].after, &sa, NULL) == GS_OK)
            day_of(&sa, da);
        const char *st = gs_store_job_get(pg->st, pg->account, cl[i].job, &j, NULL) == GS_OK
                             ? gs_store_job_status_name(j.status)
                             : "unknown";
        gs_html_printf(b, "<tr><td><a href=\"/sessions/%s\">%s</a></td><td><a href=\"/sessions/"
                          "%s\">%s</a></td><td>%s</td><td><a href=\"/comparisons/%s\">Open the "
                          "comparison</a></td></tr>",
                       cl[i].before, db, cl[i].after, da, st, cl[i].id);
    }
    gs_html_puts(b, "</table>");
    free(cl);
}

void gs_pages_compare_form_html(gs_page *pg, gs_html_buf *b, const char *athlete,
                                const gs_store_session *list, size_t n, const cJSON *const *an)
{
    /* list is oldest first (the athlete page sorts it by day); only sessions with a done analysis
     * (gs_serve__session_comparable: never a failed run's partial outputs). */
    size_t *ok = calloc(n + 1, sizeof(*ok)), m = 0;
    gs_html_puts(b, "<h2>Compare two sessions</h2>");
    for (size_t i = 0; ok && i < n; i++)
        if (an ? an[i] != NULL : gs_serve__session_comparable(pg->s, list[i].id, NULL))
            ok[m++] = i;
    if (m < 2) {
        gs_html_puts(b, "<p class=\"muted\" id=\"compare-none\">Two analysed sessions are "
                        "needed for a comparison: upload another video of this athlete (after a "
                        "treatment, say) and compare the two here.</p>");
    } else {
        gs_html_printf(b, "<form class=\"card\" method=\"post\" id=\"compare-form\" "
                          "action=\"/athletes/%s/compare\">",
                       athlete);
        gs_page_csrf_field(pg, b);
        for (int k = 0; k < 2; k++) {
            gs_html_printf(b, "<label for=\"%s\">%s</label><select id=\"%s\" name=\"%s\">",
                           k ? "after" : "before", k ? "After (the later session)" : "Before",
                           k ? "after" : "before", k ? "after" : "before");
            for (size_t q = m; q-- > 0;) {
                const gs_store_session *ss = &list[ok[q]];
                char day[11], other[11];
                day_of(ss, day);
                /* default: the two newest, older one before */
                int sel = q == (k ? m - 1 : m - 2);
                /* the date, and the upload's time where another session has the same date (it
                 * showed the id's first letters, "2026-11-20 (SXjx2m)", which mean nothing to
                 * anyone) */
                int twin = 0;
                for (size_t r = 0; r < m && !twin; r++) {
                    day_of(&list[ok[r]], other);
                    twin = r != q && !strcmp(day, other);
                }
                gs_html_printf(b, "<option value=\"%s\"%s>%s", ss->id, sel ? " selected" : "",
                               day);
                if (twin) {
                    time_t t = (time_t)ss->created;
                    struct tm tm;
                    char hm[8] = "?";
                    if (gmtime_r(&t, &tm))
                        strftime(hm, sizeof(hm), "%H:%M", &tm);
                    gs_html_printf(b, ", uploaded %s UTC", hm);
                }
                gs_html_puts(b, "</option>");
            }
            gs_html_puts(b, "</select>");
        }
        gs_html_puts(b, "<label><input type=\"checkbox\" name=\"force\" value=\"1\"> Compare "
                        "even when the view or the activity differ (their rows are then marked "
                        "not comparable)</label><button type=\"submit\" id=\"compare-submit\">"
                        "Compare</button></form>");
    }
    free(ok);
    gs_pages_comparisons_html(pg, b, athlete, NULL);
}

/* The analysis options a re-run form shows, prefilled from options (the session's JSON). */
void gs_pages_rerun_html(gs_page *pg, gs_html_buf *b, const gs_store_session *ss)
{
    static const char *const views[] = {"side-left", "side-right", "rear", "front"};
    static const struct {
        const char *key, *label, *attrs;
    } nums[] = {
        {"height", "Body height, m", "step=\"0.01\" min=\"0.5\" max=\"2.6\""},
        {"belt_speed", "Treadmill belt speed, m/s", "step=\"0.01\" min=\"0\" max=\"12\""},
        {"start", "Start, s", "step=\"0.01\" min=\"0\""},
        {"end", "End, s", "step=\"0.01\" min=\"0\""},
        {"slowmo", "Slow motion factor (the clip plays N times slower)",
         "step=\"0.1\" min=\"1\" max=\"1000\""},
    };
    if (ss->video_deleted) {
        gs_html_puts(b, "<h2>Re-run the analysis</h2><p class=\"muted\" id=\"rerun-gone\">Not "
                        "possible: the uploaded video was deleted (retention).</p>");
        return;
    }
    cJSON *o = cJSON_Parse(ss->options_json);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "view");
    const char *view = cJSON_IsString(v) ? v->valuestring : "";
    gs_html_printf(b,
                   "<h2>Re-run the analysis</h2><p class=\"muted\">Analyses the stored video "
                   "again with these options; the results above stay until the new ones are "
                   "ready.</p><form class=\"card\" method=\"post\" id=\"rerun-form\" "
                   "action=\"/sessions/%s/rerun\" enctype=\"multipart/form-data\">",
                   ss->id);
    gs_page_csrf_field(pg, b);
    gs_html_puts(b, "<label for=\"rr-view\">View</label><select id=\"rr-view\" name=\"view\">"
                    "<option value=\"auto\">detect</option>");
    for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++)
        gs_html_printf(b, "<option value=\"%s\"%s>%s</option>", views[i],
                       !strcmp(view, views[i]) ? " selected" : "", views[i]);
    gs_html_puts(b, "</select>");
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, nums[i].key);
        char val[64] = "";
        if (cJSON_IsNumber(x))
            snprintf(val, sizeof(val), "%g", x->valuedouble);
        else if (cJSON_IsString(x))
            snprintf(val, sizeof(val), "%.60s", x->valuestring);
        gs_html_printf(b, "<label for=\"rr-%s\">%s</label><input type=\"number\" id=\"rr-%s\" "
                          "name=\"%s\" %s value=\"",
                       nums[i].key, nums[i].label, nums[i].key, nums[i].key, nums[i].attrs);
        gs_html_esc(b, val);
        gs_html_puts(b, "\">");
    }
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "person");
    char person[64] = "";
    if (cJSON_IsArray(p) && cJSON_GetArraySize(p) == 2 &&
        cJSON_IsNumber(cJSON_GetArrayItem(p, 0)) && cJSON_IsNumber(cJSON_GetArrayItem(p, 1)))
        snprintf(person, sizeof(person), "%g,%g", cJSON_GetArrayItem(p, 0)->valuedouble,
                 cJSON_GetArrayItem(p, 1)->valuedouble);
    gs_html_puts(b, "<label for=\"rr-person\">Person to follow: a point on them, X,Y in pixels "
                    "of the video (empty: the longest gait track)</label><input type=\"text\" "
                    "id=\"rr-person\" name=\"person\" maxlength=\"40\" value=\"");
    gs_html_esc(b, person);
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "history");
    gs_html_puts(b, "\"><label for=\"rr-history\">Intake history items (kind:region, comma "
                    "separated)</label><input type=\"text\" id=\"rr-history\" name=\"history\" "
                    "maxlength=\"2000\" value=\"");
    gs_html_esc(b, cJSON_IsString(h) ? h->valuestring : "");
    gs_html_puts(b, "\">");
    gs_page_history_help(b, "rr-history-help");
    const cJSON *bf = cJSON_GetObjectItemCaseSensitive(o, "blur_faces");
    gs_html_printf(b, "<label><input type=\"checkbox\" name=\"blur_faces\" value=\"1\"%s> "
                      "Blur faces in the overlay and key frames</label>",
                   cJSON_IsTrue(bf) || (cJSON_IsString(bf) && !strcmp(bf->valuestring, "1"))
                       ? " checked"
                       : "");
    const cJSON *sl = cJSON_GetObjectItemCaseSensitive(o, "swap_legs");
    gs_html_puts(b, "<label for=\"rr-swap-legs\">Legs the tracker labelled the wrong way round "
                    "(<code>all</code>, or seconds <code>T1-T2,T3-T4</code>; empty: none)</label>"
                    "<input type=\"text\" id=\"rr-swap-legs\" name=\"swap_legs\" "
                    "maxlength=\"255\" value=\"");
    gs_html_esc(b, cJSON_IsString(sl) ? sl->valuestring : "");
    gs_html_printf(b,
                   "\"><label for=\"rr-events\">Edited gait events: the session's "
                   "<a href=\"/sessions/%s/files/events.csv\" download>events.csv</a> with "
                   "rows added, deleted or moved (<code>side,type,t_s</code>; at most %zu "
                   "KiB)</label><input type=\"file\" id=\"rr-events\" name=\"events\" "
                   "accept=\".csv,text/csv\">",
                   ss->id, GS_STORE_EVENTS_MAX_BYTES >> 10);
    if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "events")))
        gs_html_puts(b, "<p class=\"muted\" id=\"rr-events-kept\">This session's events were "
                        "edited by hand; a re-run keeps them unless you send another file or "
                        "tick this:</p><label><input type=\"checkbox\" name=\"events_detected\" "
                        "value=\"1\"> Detect the events again</label>");
    gs_html_puts(b, "<button type=\"submit\" id=\"rerun-submit\">Re-run the analysis</button>"
                    "</form>");
    cJSON_Delete(o);
}

/* ---- actions ------------------------------------------------------------------------------ */

static int compare_post(gs_page *pg, const char *athlete)
{
    char before[64], after[64], force[8] = "";
    gs_store_id cid;
    gs_error e = {0};
    int reply;
    if (!gs_page_csrf_ok(pg, &reply))
        return reply;
    gs_store_athlete a;
    gs_status rc = gs_store_athlete_get(pg->st, pg->account, athlete, &a, &e);
    if (rc != GS_OK)
        return gs_page_store_fail(pg, rc, "athlete");
    if (gs_page_form(pg, "before", before, sizeof(before)) != 0 ||
        gs_page_form(pg, "after", after, sizeof(after)) != 0)
        return gs_page_fail(pg, 400, "Pick a session before and one after.");
    gs_page_form(pg, "force", force, sizeof(force));
    /* the sessions must be this athlete's (the store checks they are one athlete's) */
    gs_store_session sb;
    rc = gs_store_session_get(pg->st, pg->account, before, &sb, &e);
    if (rc != GS_OK)
        return gs_page_store_fail(pg, rc, "session");
    if (strcmp(sb.athlete, a.id) != 0)
        return gs_page_fail(pg, 400, "Those sessions are another athlete's.");
    char msg[200];
    int st = gs_serve__comparison_new(pg->s, pg->st, pg->account, before, after,
                                      !strcmp(force, "1"), cid, msg, sizeof(msg));
    if (st) { /* the API's words as a sentence */
        size_t len = strlen(msg);
        gs_str_capitalize(msg);
        if (len && len + 1 < sizeof(msg) && msg[len - 1] != '.')
            memcpy(msg + len, ".", 2);
        return gs_page_fail(pg, (unsigned)st, msg);
    }
    char to[64];
    snprintf(to, sizeof(to), "/comparisons/%s", cid);
    return gs_page_redirect(pg, to);
}

static int rerun_post(gs_page *pg, const char *session)
{
    static const char *const keys[] = {"view",   "height", "belt_speed", "start",      "end",
                                       "slowmo", "person", "history",    "blur_faces", "swap_legs"};
    char val[2048], msg[200];
    gs_store_id job;
    int reply;
    if (!gs_page_csrf_ok(pg, &reply))
        return reply;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return gs_page_fail(pg, 500, "Out of memory.");
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        int r = gs_page_form(pg, keys[i], val, sizeof(val));
        if (r == -2) {
            cJSON_Delete(o);
            return gs_page_fail(pg, 400, "A field is too long.");
        }
        if (r == 0 && val[0] && strcmp(val, "auto") != 0)
            cJSON_AddStringToObject(o, keys[i], val);
    }
    /* the edited events: a new file (the multipart form's, as events_file), or the session's
     * kept unless "detect again" is ticked */
    char *events = malloc(GS_STORE_EVENTS_MAX_BYTES + 2), detect[8] = "";
    int er = events ? gs_page_form(pg, "events_file", events, GS_STORE_EVENTS_MAX_BYTES + 2) : -3;
    if (er == -2 || er == -3) {
        free(events);
        cJSON_Delete(o);
        return gs_page_fail(pg, er == -2 ? 400 : 500,
                            er == -2 ? "The events file is too large or is not text."
                                     : "Out of memory.");
    }
    gs_page_form(pg, "events_detected", detect, sizeof(detect));
    if (er != 0 || !events[0]) {
        gs_store_session ss;
        gs_error e = {0};
        if (gs_store_session_get(pg->st, pg->account, session, &ss, &e) == GS_OK &&
            strcmp(detect, "1") != 0) {
            cJSON *so = cJSON_Parse(ss.options_json);
            const cJSON *ev = cJSON_GetObjectItemCaseSensitive(so, "events");
            if (cJSON_IsString(ev))
                cJSON_AddStringToObject(o, "events", ev->valuestring);
            cJSON_Delete(so);
        }
    }
    int has_file = er == 0 && events[0];
    int st =
        gs_serve__session_rerun(pg->s, pg->st, pg->account, session, o, has_file ? events : NULL,
                                has_file ? strlen(events) : 0, job, msg, sizeof(msg));
    free(events);
    cJSON_Delete(o);
    if (st)
        return gs_page_fail(pg, (unsigned)st, msg);
    char to[64];
    snprintf(to, sizeof(to), "/jobs/%s", job);
    return gs_page_redirect(pg, to);
}

/* ---- the comparison page ------------------------------------------------------------------ */

static cJSON *comparison_json_of(gs_page *pg, const char *id)
{
    char dir[PATH_MAX], path[PATH_MAX + 32];
    uint8_t *data = NULL;
    size_t len = 0;
    if (gs_store_comparison_path(gs_serve__dir(pg->s), id, dir, sizeof(dir), NULL) != GS_OK)
        return NULL;
    snprintf(path, sizeof(path), "%s/comparison.json", dir);
    if (gs_file_read_max(path, COMPARISON_JSON_MAX, &data, &len, NULL) != GS_OK)
        return NULL;
    cJSON *c = cJSON_ParseWithLength((const char *)data, len);
    free(data);
    return c;
}

/* A comparison's error or warning (src/compare's words, written for the command line) in the
 * pages' words: the sessions are "the before / after session", not BEFORE and AFTER; options
 * are named as the pages name them (a form's tick box, the upload's or Re-run's belt speed). */
static void compare_words_html(gs_html_buf *b, const char *text)
{
    static const struct {
        const char *from, *to;
    } words[] = {
        {" (--force compares anyway)", ""},
        {"give --belt-speed on a treadmill", "on a treadmill, give its belt speed in Re-run"},
        {"Re-run, or gaitscope gait on its pose.json", "Re-run on its session page"},
        /* event timing (src/compare timing_msg): Re-run times them as a new analysis does;
         * the pages cannot choose the method, so the command line's other way goes */
        {"(Re-run, or gaitscope analyze --contact image)", "(with Re-run)"},
        {"(Re-run, or gaitscope analyze)", "(with Re-run)"},
        {", or both with --contact landmarks --toe-off landmarks", ""},
        {"BEFORE's", "the before session's"},
        {"BEFORE", "the before session"},
        {"AFTER", "the after session"},
    };
    const size_t nw = sizeof(words) / sizeof(words[0]);
    /* rewritten into a growing buffer, then escaped: a fixed one cut a long warning (several
     * joined, or the one naming contacts and toe-offs) with no sign */
    gs_html_buf t = {0};
    const char *run = text;
    for (const char *p = text; p && *p;) {
        size_t i = 0;
        while (i < nw && strncmp(p, words[i].from, strlen(words[i].from)) != 0)
            i++;
        if (i == nw) {
            p++;
            continue;
        }
        gs_html_put(&t, run, (size_t)(p - run));
        gs_html_puts(&t, words[i].to);
        p += strlen(words[i].from);
        run = p;
    }
    if (run)
        gs_html_puts(&t, run);
    if (t.oom)
        b->oom = 1; /* as any write the page could not make: it fails whole, not cut */
    else if (t.p) {
        gs_str_capitalize(t.p);
        gs_html_esc(b, t.p);
        if (t.n && t.p[t.n - 1] != '.')
            gs_html_puts(b, ".");
    }
    free(t.p);
}

/*
 * Why no metric could be compared, from comparison.json's failed checks (`comparability`, "ok":
 * false): how the clips were filmed (their set-up, or too few strides), how the sessions were
 * analysed (the metrics' version, how contacts and toe-offs were timed), or both, and what
 * mends each: a difference in filming needs a new recording, one in analysis only analysing
 * again the same way (Re-run; src/compare's checks say which session). Saying "filmed" for an
 * analysis difference sent a clinic to film again for what a Re-run mends.
 */
static void none_compared_html(gs_html_buf *b, const cJSON *cj)
{
    /* the checks of src/compare/compare.c run_checks on the filming, in the pages' words; done:
     * what the athlete did, not the camera */
    static const struct {
        const char *check, *words;
        int done;
    } filmed[] = {
        {"view", "view", 0},
        {"activity", "activity", 1},
        {"frame_rate", "frame rate", 0},
        {"resolution", "resolution", 0},
        {"belt_speed", "belt speed", 1},
        {"speed", "running speed", 1},
        {"camera_distance", "camera distance", 0},
        {"camera_tilt", "camera tilt", 0},
    };
    enum { NF = sizeof(filmed) / sizeof(filmed[0]) };
    int failed[NF] = {0}, film = 0, done = 0, strides = 0, revision = 0, contact = 0, toe_off = 0;
    const cJSON *k;
    cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(cj, "comparability"))
    {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(k, "check"));
        if (!name || !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(k, "ok")))
            continue;
        strides |= !strcmp(name, "strides_left") || !strcmp(name, "strides_right");
        revision |= !strcmp(name, "metrics_revision");
        contact |= !strcmp(name, "contact_timing");
        toe_off |= !strcmp(name, "toe_off_timing");
        for (int i = 0; i < NF; i++)
            if (!strcmp(name, filmed[i].check) && !failed[i]) {
                failed[i] = 1;
                film++;
                done |= filmed[i].done;
            }
    }
    int analysis = revision || contact || toe_off, recording = film || strides;
    gs_html_puts(b, "<li class=\"err\" id=\"none-compared\">No metric could be compared");
    if (!recording && !analysis) { /* no check failed (or an older comparison.json) */
        gs_html_puts(b, " (each row says why in the comparison below).</li>");
        return;
    }
    if (film) {
        gs_html_printf(b, ": the two clips differ in how they were filmed%s (",
                       done ? " or what was done" : "");
        for (int i = 0, n = 0; i < NF; i++)
            if (failed[i])
                gs_html_printf(b, "%s%s", n++ ? ", " : "", filmed[i].words);
        gs_html_puts(b, ")");
    }
    if (strides)
        gs_html_printf(b, "%sa clip is too short (too few strides for a stable mean)",
                       film ? " and " : ": ");
    if (analysis) {
        gs_html_puts(b, recording ? ", and the two sessions were analysed differently ("
                                  : ": the two sessions were analysed differently (");
        if (revision)
            gs_html_printf(b, "one by an older version of the measures%s",
                           contact || toe_off ? "; " : "");
        if (contact || toe_off)
            gs_html_printf(b, "%s timed by different methods",
                           contact && toe_off ? "contacts and toe-offs"
                           : contact          ? "contacts"
                                              : "toe-offs");
        gs_html_puts(b, ")");
    }
    gs_html_puts(b, "; the reasons are listed below. ");
    if (!analysis && film)
        gs_html_printf(b,
                       "A difference could be the camera&#39;s and not the athlete&#39;s: "
                       "film both the same way%s to compare them. That needs a new "
                       "recording; analysing again cannot mend it.</li>",
                       strides ? ", and long enough," : "");
    else if (!analysis)
        gs_html_puts(b, "Film longer clips to compare them. That needs a new recording; "
                        "analysing again cannot mend it.</li>");
    else if (!recording)
        gs_html_puts(b, "A difference could be the method&#39;s and not the athlete&#39;s. The "
                        "clips need no new recording: analyse again as the warning below says, "
                        "with Re-run on that session&#39;s page.</li>");
    else
        gs_html_printf(b,
                       "%s; analysing again (Re-run) mends only the analysis, so it alone "
                       "is not enough.</li>",
                       film ? "The filming needs a new recording made the same way"
                            : "Longer clips need a new recording");
}

void gs_pages_comparison_summary_html(gs_html_buf *b, const cJSON *cj)
{
    const cJSON *sum = cJSON_GetObjectItemCaseSensitive(cj, "summary"), *m;
    const cJSON *lim = cJSON_GetObjectItemCaseSensitive(cj, "frame_rate_limit");
    const cJSON *lim_fps = cJSON_GetObjectItemCaseSensitive(lim, "fps");
    const cJSON *lim_msg = cJSON_GetObjectItemCaseSensitive(lim, "message");
    static const char *const keys[] = {"real", "noise", "cannot_tell", "not_comparable"};
    static const char *const words[] = {"real changes", "within noise", "cannot tell",
                                        "not comparable"};
    gs_html_puts(b, "<p id=\"comparison-summary\">");
    for (int k = 0, shown = 0; k < 4; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(sum, keys[k]);
        int n = cJSON_IsNumber(v) ? v->valueint : 0;
        if (k == 2 && n == 0) /* only a comparison limited by its frame rate has them */
            continue;
        gs_html_printf(b, "%s<strong>%d</strong> %s", shown++ ? ", " : "", n, words[k]);
        if (k == 2 && cJSON_IsNumber(lim_fps))
            gs_html_printf(b, " at %.4g fps", lim_fps->valuedouble);
    }
    gs_html_puts(b, ".</p>");
    /* what this pair cannot judge at its frame rate, before the list of real changes, so that
     * "no real change" is not read as "nothing changed" */
    if (cJSON_IsString(lim_msg) && lim_msg->valuestring[0]) {
        gs_html_puts(b, "<div class=\"alert warn\" id=\"frame-rate-limit\">");
        gs_html_esc(b, lim_msg->valuestring);
        gs_html_puts(b, "</div>");
    }
    gs_html_puts(b, "<ul id=\"real-changes\">");
    int any = 0;
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(cj, "metrics"))
    {
        const cJSON *verdict = cJSON_GetObjectItemCaseSensitive(m, "verdict");
        const cJSON *key = cJSON_GetObjectItemCaseSensitive(m, "metric");
        const cJSON *side = cJSON_GetObjectItemCaseSensitive(m, "side");
        const cJSON *bv = cJSON_GetObjectItemCaseSensitive(m, "before");
        const cJSON *av = cJSON_GetObjectItemCaseSensitive(m, "after");
        const cJSON *unit = cJSON_GetObjectItemCaseSensitive(m, "unit");
        if (!cJSON_IsString(verdict) || strcmp(verdict->valuestring, "real") != 0 ||
            !cJSON_IsString(key))
            continue;
        /* the metric as the report names it ("Knee flexion at contact, left"), not its key */
        const gs_metric_info *mi = gs_metric_find(key->valuestring);
        gs_html_puts(b, "<li>");
        gs_html_esc(b, mi ? mi->label : key->valuestring);
        if (cJSON_IsString(side) && strcmp(side->valuestring, "all") != 0) {
            gs_html_puts(b, ", ");
            gs_html_esc(b, side->valuestring);
        }
        if (cJSON_IsNumber(bv) && cJSON_IsNumber(av))
            gs_html_printf(b, ": %.1f &rarr; %.1f ", bv->valuedouble, av->valuedouble);
        if (cJSON_IsString(unit))
            gs_html_esc(b, unit->valuestring);
        gs_html_puts(b, "</li>");
        any = 1;
    }
    /* nothing real, within noise or beyond the frame rate: no metric was compared at all
     * (every row not comparable), which is no "nothing changed" */
    const cJSON *nr = cJSON_GetObjectItemCaseSensitive(sum, "real"),
                *nn = cJSON_GetObjectItemCaseSensitive(sum, "noise");
    const cJSON *nt = cJSON_GetObjectItemCaseSensitive(sum, "cannot_tell");
    int compared = (cJSON_IsNumber(nr) && nr->valueint > 0) ||
                   (cJSON_IsNumber(nn) && nn->valueint > 0) ||
                   (cJSON_IsNumber(nt) && nt->valueint > 0);
    if (!any && compared)
        gs_html_puts(b, "<li class=\"muted\">No metric changed beyond its minimal change and "
                        "the stride-to-stride variation.</li>");
    else if (!any)
        none_compared_html(b, cj);
    gs_html_puts(b, "</ul>");
    const cJSON *w;
    int nw = 0;
    cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(cj, "warnings"))
    {
        if (!cJSON_IsString(w))
            continue;
        gs_html_puts(b, nw++ ? "<li>" : "<ul class=\"muted\" id=\"comparison-warnings\"><li>");
        compare_words_html(b, w->valuestring);
        gs_html_puts(b, "</li>");
    }
    if (nw)
        gs_html_puts(b, "</ul>");
}

static int comparison_page(gs_page *pg, const char *id)
{
    gs_error e = {0};
    gs_store_comparison c;
    gs_store_session sb, sa;
    gs_store_athlete a;
    gs_store_job j;
    gs_status rc = gs_store_comparison_get(pg->st, pg->account, id, &c, &e);
    if (rc == GS_OK)
        rc = gs_store_athlete_get(pg->st, pg->account, c.athlete, &a, &e);
    if (rc == GS_OK)
        rc = gs_store_session_get(pg->st, pg->account, c.before, &sb, &e);
    if (rc == GS_OK)
        rc = gs_store_session_get(pg->st, pg->account, c.after, &sa, &e);
    if (rc != GS_OK)
        return gs_page_store_fail(pg, rc, "comparison");
    int reply;
    if (gs_page_access(pg, c.athlete, NULL, "comparison page", &reply) != 0)
        return reply;
    int has_job = gs_store_job_get(pg->st, pg->account, c.job, &j, &e) == GS_OK;
    int live = has_job && (j.status == GS_STORE_JOB_QUEUED || j.status == GS_STORE_JOB_RUNNING);
    char db[11], da[11];
    day_of(&sb, db);
    day_of(&sa, da);
    if (live) /* reloads itself every 2 s while the worker runs (as the job page) */
        snprintf(pg->head_extra, sizeof(pg->head_extra),
                 "<meta http-equiv=\"refresh\" content=\"2\">");
    gs_html_buf b = {0};
    gs_page_head(pg, &b, "Comparison");
    gs_html_printf(&b, "<p><a href=\"/athletes/%s\">&larr; ", a.id);
    gs_html_esc(&b, a.name);
    gs_html_puts(&b, "</a></p><h1>");
    gs_html_esc(&b, a.name);
    gs_html_printf(&b, ": %s &rarr; %s</h1><p>Before: <a href=\"/sessions/%s\">%s</a>, after: "
                       "<a href=\"/sessions/%s\">%s</a>.</p>",
                   db, da, sb.id, db, sa.id, da);
    /* a re-run of either session: the comparison is computed again when it is done */
    for (int k = 0; k < 2; k++) {
        gs_store_job sj;
        if (gs_store_job_get(pg->st, pg->account, k ? sa.job : sb.job, &sj, NULL) == GS_OK &&
            (sj.status == GS_STORE_JOB_QUEUED || sj.status == GS_STORE_JOB_RUNNING))
            gs_html_printf(&b,
                           "<p class=\"muted\" id=\"rerun-%s\">The %s session is being "
                           "analysed again; this comparison will be computed again from its "
                           "new results when that is done.</p>",
                           k ? "after" : "before", k ? "after" : "before");
    }
    if (live && j.created > c.created)
        gs_html_puts(&b, "<p id=\"recomputing\">Computing again: a session was analysed again "
                         "since the last comparison, whose results are withdrawn.</p>");
    if (live) {
        gs_html_printf(&b, "<p id=\"job-status\">Status: <strong>%s</strong>%s%s</p>"
                           "<progress id=\"job-progress\" max=\"1\" value=\"%.3f\"></progress>"
                           "<p class=\"muted\">This page updates itself.</p>",
                       gs_store_job_status_name(j.status), j.stage[0] ? ", stage " : "",
                       j.stage[0] ? j.stage : "", j.progress);
    } else if (!has_job || j.status != GS_STORE_JOB_DONE) {
        gs_html_printf(&b, "<p id=\"job-status\">Status: <strong>%s</strong></p>",
                       has_job ? gs_store_job_status_name(j.status) : "unknown");
        if (has_job && j.error[0]) {
            gs_html_puts(&b, "<p class=\"err\" id=\"job-error\">");
            compare_words_html(&b, j.error);
            gs_html_puts(&b, "</p>");
        }
        /* refused because the view or the activity differ (src/compare's blocking checks):
         * what the athlete page's tick box does, offered here as one button */
        if (has_job && j.status == GS_STORE_JOB_FAILED && strstr(j.error, "not comparable")) {
            gs_html_printf(&b, "<p id=\"compare-anyway-why\">The two clips were filmed from "
                               "another side or view, or show another activity, so their "
                               "numbers differ for that reason too. Compared anyway, the rows "
                               "this affects are marked not comparable.</p><form method=\"post\" "
                               "action=\"/athletes/%s/compare\" id=\"compare-anyway\">",
                           a.id);
            gs_page_csrf_field(pg, &b);
            gs_html_printf(&b, "<input type=\"hidden\" name=\"before\" value=\"%s\"><input "
                               "type=\"hidden\" name=\"after\" value=\"%s\"><input "
                               "type=\"hidden\" name=\"force\" value=\"1\"><button "
                               "type=\"submit\">Compare anyway</button></form>",
                           sb.id, sa.id);
        }
    } else {
        char base[80];
        cJSON *cj = comparison_json_of(pg, c.id);
        snprintf(base, sizeof(base), "/comparisons/%s/files", c.id);
        gs_html_puts(&b, "<h2>What changed</h2>");
        if (cj)
            gs_pages_comparison_summary_html(&b, cj);
        const cJSON *sbs = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cj, "side_by_side"), "file");
        char cdir[PATH_MAX], cpath[PATH_MAX + 32];
        struct stat csb;
        /* the clip may be gone since (retention deletes it with the video) */
        int has_sbs = cJSON_IsString(sbs) &&
                      gs_store_comparison_path(gs_serve__dir(pg->s), c.id, cdir, sizeof(cdir),
                                               NULL) == GS_OK &&
                      snprintf(cpath, sizeof(cpath), "%s/side_by_side.mp4", cdir) > 0 &&
                      lstat(cpath, &csb) == 0 && S_ISREG(csb.st_mode);
        if (has_sbs)
            gs_html_printf(&b, "<h2>Side by side</h2><video id=\"side-by-side\" controls "
                               "preload=\"metadata\" playsinline src=\"%s/side_by_side.mp4\">"
                               "</video>",
                           base);
        cJSON_Delete(cj);
        gs_html_printf(&b, "<h2>The comparison</h2><iframe class=\"report\" id=\"comparison\" "
                           "sandbox=\"allow-same-origin\" title=\"comparison\" "
                           "src=\"%s/comparison.html\"></iframe>"
                           "<h2>Downloads</h2><ul id=\"comparison-downloads\">",
                       base);
        for (int i = 0; i < GS_SERVE__N_COMPARISON_FILES; i++) {
            const char *name = gs_serve__comparison_file_name(i);
            if (!strcmp(name, "side_by_side.mp4") && !has_sbs)
                continue;
            gs_html_printf(&b, "<li><a href=\"%s/%s\" download>%s</a></li>", base, name, name);
        }
        gs_html_puts(&b, "</ul>");
    }
    gs_html_printf(&b, "<h2>Delete</h2><form method=\"post\" action=\"/comparisons/%s/delete\">",
                   c.id);
    gs_page_csrf_field(pg, &b);
    gs_html_puts(&b, "<button type=\"submit\" class=\"danger\">Delete the comparison</button>"
                     "</form>");
    return gs_page_send(pg, &b, 200);
}

static int comparison_file(gs_page *pg, const char *id, char **seg, int nseg)
{
    gs_error e = {0};
    gs_store_comparison c;
    char dir[PATH_MAX], path[PATH_MAX + 32];
    gs_status rc = gs_store_comparison_get(pg->st, pg->account, id, &c, &e);
    if (rc != GS_OK)
        return gs_page_store_fail(pg, rc, "comparison");
    int reply;
    if (gs_page_access(pg, c.athlete, NULL, "comparison file", &reply) != 0)
        return reply;
    int i = nseg == 4 ? gs_serve__comparison_file_index(seg[3]) : -1;
    if (i >= 0 && !gs_serve__comparison_current(pg->st, pg->account, &c))
        return gs_page_fail(pg, 404, "The comparison is being computed (again): see its page.");
    if (i < 0 || gs_store_comparison_path(gs_serve__dir(pg->s), c.id, dir, sizeof(dir), &e) != GS_OK)
        return gs_page_fail(pg, 404, "No such file.");
    snprintf(path, sizeof(path), "%s/%s", dir, gs_serve__comparison_file_name(i));
    return gs_serve__send_path(pg->c, path, gs_serve__comparison_file_type(i),
                               i == 0 ? COMPARISON_FRAME_CSP : FILE_CSP,
                               "the comparison has no such file (yet)");
}

/* A download refused for now: said plainly, with the way back to where it was asked. */
static int download_refused(gs_page *pg, unsigned status, int athlete, const char *id,
                            const gs_store_session *ss, const char *msg)
{
    gs_html_buf b = {0};
    gs_page_head(pg, &b, "Download not possible now");
    gs_html_puts(&b, "<h1>Download not possible now</h1><p class=\"err\" id=\"export-refused\">");
    char line[GS_SERVE__MSG];
    snprintf(line, sizeof(line), "%s", msg); /* the API's message, begun as a sentence */
    if (line[0] >= 'a' && line[0] <= 'z')
        line[0] = (char)(line[0] - 'a' + 'A');
    gs_html_esc(&b, line);
    gs_html_puts(&b, ".</p><p>Nothing was lost: the sessions and results are all still here.</p>");
    if (athlete)
        gs_html_printf(&b, "<p><a class=\"button\" href=\"/athletes/%s\">Back to the athlete</a>"
                           "</p>", id);
    else
        gs_html_printf(&b, "<p><a class=\"button\" href=\"/sessions/%s\">Back to the session</a>"
                           "</p>", ss->id);
    if (status != 507) /* a full disk waits for its administrator, not for a time */
        snprintf(pg->retry_after, sizeof(pg->retry_after), "%d", GS_SERVE__EXPORT_RETRY_S);
    return gs_page_send(pg, &b, status);
}

static int download(gs_page *pg, int athlete, const char *id)
{
    gs_serve__download d;
    gs_error e = {0};
    gs_store_session ss;
    gs_store_athlete a;
    char msg[GS_SERVE__MSG];
    int reply;
    gs_status rc = athlete ? gs_store_athlete_get(pg->st, pg->account, id, &a, &e)
                           : gs_store_session_get(pg->st, pg->account, id, &ss, &e);
    if (rc != GS_OK)
        return gs_page_store_fail(pg, rc, athlete ? "athlete" : "session");
    /* a slot before anything is written (docs/api.md "Limits") */
    int refused = gs_serve__export_slot(pg->s, pg->account, &d, msg, sizeof(msg));
    if (refused)
        return download_refused(pg, (unsigned)refused, athlete, id, &ss, msg);
    /* the access log first: health data is not handed out unlogged */
    if (gs_page_access(pg, athlete ? id : ss.athlete, athlete ? NULL : ss.id,
                       athlete ? "athlete export" : "session zip", &reply) != 0) {
        gs_serve__export_release(&d);
        return reply;
    }
    rc = athlete ? gs_serve__export_athlete(pg->s, pg->st, pg->account, id, &d, &e)
                 : gs_serve__export_session(pg->s, pg->st, pg->account, id, &d, &e);
    if (rc == GS_OK)
        return gs_serve__send_download(pg->c, &d);
    gs_serve__export_release(&d);
    if (d.nospace)
        return download_refused(pg, 507, athlete, id, &ss,
                                "The server's disk is too full to prepare this download now; "
                                "please tell the administrator");
    if (rc == GS_ERR_NOT_FOUND)
        return gs_page_fail(pg, 404, e.msg[0] && !athlete ? e.msg : "Not found.");
    gs_serve__log(pg->s, 2, e.msg);
    return gs_page_fail(pg, 500, "The download could not be made; try again.");
}

int gs_pages_compare(gs_page *pg, char **seg, int nseg)
{
    if (nseg < 2 || !gs_serve__id_valid(seg[1], strlen(seg[1])))
        return -1;
    if (!strcmp(seg[0], "athletes") && nseg == 3) {
        if (pg->post && !strcmp(seg[2], "compare"))
            return compare_post(pg, seg[1]);
        if (!pg->post && !strcmp(seg[2], "export"))
            return download(pg, 1, seg[1]);
        return -1;
    }
    if (!strcmp(seg[0], "sessions") && nseg == 3) {
        if (!pg->post && !strcmp(seg[2], "zip"))
            return download(pg, 0, seg[1]);
        if (pg->post && !strcmp(seg[2], "rerun"))
            return rerun_post(pg, seg[1]);
        return -1;
    }
    if (strcmp(seg[0], "comparisons") != 0)
        return -1;
    if (nseg == 2 && !pg->post)
        return comparison_page(pg, seg[1]);
    if (nseg == 3 && pg->post && !strcmp(seg[2], "delete")) {
        int reply;
        gs_error e = {0};
        gs_store_comparison c;
        char to[64];
        if (!gs_page_csrf_ok(pg, &reply))
            return reply;
        gs_status rc = gs_store_comparison_get(pg->st, pg->account, seg[1], &c, &e);
        if (rc == GS_OK)
            rc = gs_serve__comparison_remove(pg->s, pg->st, pg->account, c.id, &e);
        if (rc != GS_OK)
            return gs_page_store_fail(pg, rc, "comparison");
        snprintf(to, sizeof(to), "/athletes/%s", c.athlete);
        return gs_page_redirect(pg, to);
    }
    if (nseg >= 3 && !pg->post && !strcmp(seg[2], "files"))
        return comparison_file(pg, seg[1], seg, nseg);
    return gs_page_fail(pg, 404, "No such page.");
}
