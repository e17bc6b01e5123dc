/*
 * gaitscope serve, pages: a job's progress, a session (the report in a sandboxed frame, the
 * overlay, key frames, downloads, shares, delete) and the share page an athlete opens without
 * an account.
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
#include <sodium.h>

#include "pages_impl.h"
#include "serve_compare.h"
#include "serve_http_impl.h"

/* report.html inside the session page's frame: no script, no plugin, no form, no navigation of
 * the page around it (CSP "sandbox" without allow-scripts), but it keeps our origin so the
 * overlay and key frames it links load with the session cookie; framed by our pages only. */
#define REPORT_FRAME_CSP                                                                   \
    "sandbox allow-same-origin; default-src 'none'; style-src 'unsafe-inline'; "           \
    "img-src 'self' data:; media-src 'self'; base-uri 'none'; form-action 'none'; "        \
    "frame-ancestors 'self'"
/* Every other session file (video, images, CSV, JSON): nothing in it may run. */
#define FILE_CSP "sandbox; default-src 'none'; frame-ancestors 'self'"
/* Share links last this many days unless the form says otherwise (the API's default). */
#define SHARE_DAYS_DEFAULT 7
#define SHARE_DAYS_MAX 365

static const char *const keyframe_names[] = {
    "keyframes/left_IC.png",  "keyframes/left_MS.png",  "keyframes/left_TO.png",
    "keyframes/right_IC.png", "keyframes/right_MS.png", "keyframes/right_TO.png"};
/* What each download is, for someone who has not read the README (the list showed bare file
 * names: pose.trc, analysis.json). NULL: the name alone. */
static const char *download_words(const char *name)
{
    static const struct {
        const char *name, *words;
    } table[] = {
        {"report.html", "the report on its own, to print or keep"},
        {"overlay.mp4", "the clip with the tracking and angles drawn on"},
        {"metrics.csv", "every measure of every stride, for a spreadsheet"},
        {"angles.csv", "the joint angles in every frame, for a spreadsheet"},
        {"events.csv", "each foot's contacts and toe-offs; edit it and send it with Re-run "
                       "to correct them"},
        {"analysis.json", "all the results, for programs"},
        {"pose.json", "the tracked body points in every frame, for programs"},
        {"pose.trc", "the body points for OpenSim (musculoskeletal modelling)"},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (!strcmp(name, table[i].name))
            return table[i].words;
    return NULL;
}

static const char *const keyframe_captions[] = {"left, initial contact", "left, midstance",
                                                "left, toe-off",         "right, initial contact",
                                                "right, midstance",      "right, toe-off"};

/* 1 when the session's output folder holds file name (a regular file). */
static int has_file(gs_page *pg, const char *session, const char *name)
{
    char dir[PATH_MAX], path[PATH_MAX + 64];
    struct stat sb;
    gs_error e = {0};
    if (gs_store_session_path(gs_serve__dir(pg->s), session, dir, sizeof(dir), &e) != GS_OK)
        return 0;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return lstat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* The file name of segments seg[from..nseg-1] joined by '/', checked against the table. */
static int file_of(char **seg, int nseg, int from)
{
    char name[128] = "";
    for (int i = from; i < nseg; i++) {
        size_t l = strlen(name);
        if (snprintf(name + l, sizeof(name) - l, "%s%s", i > from ? "/" : "", seg[i]) >=
            (int)(sizeof(name) - l))
            return -1;
    }
    return gs_serve__file_index(name);
}

/* ---- a job -------------------------------------------------------------------------------- */

/* A job's stage (the worker's and the analysis's progress names) in words; NULL for a name this
 * table lacks, which is then not shown. */
static const char *stage_words(const char *stage)
{
    static const struct {
        const char *name, *words;
    } stages[] = {
        {"probe", "reading the video"},
        {"start", "reading the video"},
        {"scan", "reading the video"},
        {"pose", "finding the body's joints in each frame"},
        {"gait", "finding the steps and measuring them"},
        {"findings", "checking the patterns (findings)"},
        {"files", "writing the files"},
        {"overlay", "drawing the overlay clip and key frames"},
        {"report", "writing the report"},
        {"done", "finishing"},
        {"compare", "comparing the two sessions"},
        {"side-by-side", "making the side-by-side clip"},
    };
    for (size_t i = 0; i < sizeof(stages) / sizeof(stages[0]); i++)
        if (!strcmp(stage, stages[i].name))
            return stages[i].words;
    return NULL;
}

static int job_page(gs_page *pg, const char *id, int cancel)
{
    gs_error e = {0};
    gs_store_job j;
    gs_store_session ss;
    int reply;
    gs_status rc = gs_store_job_get(pg->st, pg->account, id, &j, &e);
    if (rc == GS_OK && j.kind == GS_STORE_JOB_KIND_COMPARE && !cancel) {
        /* a compare job shows its progress on the comparison's page */
        char to[64];
        gs_store_comparison cmp;
        rc = gs_store_comparison_get(pg->st, pg->account, j.session, &cmp, &e);
        if (rc != GS_OK)
            return gs_page_store_fail(pg, rc, "job");
        snprintf(to, sizeof(to), "/comparisons/%s", cmp.id);
        return gs_page_redirect(pg, to);
    }
    if (rc == GS_OK) /* a deleted session's job went with it, as in the API */
        rc = gs_store_session_get(pg->st, pg->account, j.session, &ss, &e);
    if (rc != GS_OK)
        return gs_page_store_fail(pg, rc, "job");
    if (cancel) {
        if (!gs_page_csrf_ok(pg, &reply))
            return reply;
        rc = gs_store_job_cancel(pg->st, pg->account, id, &e);
        if (rc != GS_OK)
            return gs_page_store_fail(pg, rc, "job");
        char to[64];
        snprintf(to, sizeof(to), "/jobs/%s", id);
        return gs_page_redirect(pg, to);
    }
    int live = j.status == GS_STORE_JOB_QUEUED || j.status == GS_STORE_JOB_RUNNING;
    gs_html_buf b = {0};
    if (live) /* the page reloads itself every 2 s while the job runs (HTML "refresh" pragma) */
        snprintf(pg->head_extra, sizeof(pg->head_extra),
                 "<meta http-equiv=\"refresh\" content=\"2\">");
    else if (j.status == GS_STORE_JOB_DONE)
        snprintf(pg->head_extra, sizeof(pg->head_extra),
                 "<meta http-equiv=\"refresh\" content=\"1; url=/sessions/%s\">", ss.id);
    /* whose clip of which day: the page named neither ("<- Athlete", "Analysis") */
    gs_store_athlete a;
    if (gs_store_athlete_get(pg->st, pg->account, ss.athlete, &a, &e) != GS_OK)
        snprintf(a.name, sizeof(a.name), "Athlete");
    char day[11];
    if (ss.date[0])
        snprintf(day, sizeof(day), "%s", ss.date);
    else
        gs_page_day(ss.created, day);
    gs_page_head(pg, &b, "Analysis");
    gs_html_printf(&b, "<p><a href=\"/athletes/%s\">&larr; ", ss.athlete);
    gs_html_esc(&b, a.name);
    gs_html_puts(&b, "</a></p><h1>Analysis of ");
    gs_html_esc(&b, a.name);
    gs_html_printf(&b, ", %s</h1><p id=\"job-status\">Status: <strong>%s</strong>", day,
                   gs_store_job_status_name(j.status));
    const char *sw = live && j.stage[0] ? stage_words(j.stage) : NULL;
    if (sw)
        gs_html_printf(&b, ": %s", sw);
    gs_html_puts(&b, "</p>");
    if (live)
        gs_html_printf(&b, "<progress id=\"job-progress\" max=\"1\" value=\"%.3f\"></progress>"
                           "<p>%.0f %%. This page updates itself; you may also leave it, the "
                           "analysis goes on.</p>",
                       j.progress, 100.0 * j.progress);
    if (j.status == GS_STORE_JOB_FAILED) {
        gs_html_puts(&b, "<p class=\"err\" id=\"job-error\">");
        gs_html_esc(&b, j.error[0] ? j.error : "the analysis failed");
        gs_html_puts(&b, "</p>");
    }
    /* after a failure or a cancel: what to do next (a cancelled job's page said nothing) */
    if ((j.status == GS_STORE_JOB_FAILED || j.status == GS_STORE_JOB_CANCELLED) &&
        !ss.video_deleted)
        gs_html_printf(&b, "<p id=\"job-next\">The video stays stored: on the session's page, "
                           "<a href=\"/sessions/%s#rerun-form\">Re-run the analysis</a>%s, or "
                           "delete the session and upload another clip.</p>",
                       ss.id,
                       j.status == GS_STORE_JOB_FAILED
                           ? " with other options (the seconds to analyse, the view, the "
                             "slow-motion factor)"
                           : "");
    if (j.status == GS_STORE_JOB_DONE || j.status == GS_STORE_JOB_FAILED ||
        j.status == GS_STORE_JOB_CANCELLED)
        gs_html_printf(&b, "<p><a class=\"button\" href=\"/sessions/%s\">Open the session</a></p>",
                       ss.id);
    if (live) {
        /* the page has no script (CSP) for a confirmation: the button says what it does */
        gs_html_printf(&b, "<form method=\"post\" action=\"/jobs/%s/cancel\">", j.id);
        gs_page_csrf_field(pg, &b);
        gs_html_puts(&b, "<p class=\"muted\" id=\"cancel-what\">Cancelling stops this analysis; "
                         "the video stays stored and can be analysed again from the session's "
                         "page.</p><button type=\"submit\" class=\"danger\">Cancel the "
                         "analysis</button></form>");
    }
    return gs_page_send(pg, &b, 200);
}

/* ---- a session ---------------------------------------------------------------------------- */

static void findings_html(gs_html_buf *b, const cJSON *a)
{
    const cJSON *f;
    int nf = 0;
    gs_html_puts(b, "<h2>Findings</h2><ul id=\"findings\">");
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(a, "findings"))
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(f, "title");
        if (!cJSON_IsString(t))
            continue;
        gs_html_puts(b, "<li>");
        gs_html_esc(b, t->valuestring);
        gs_html_puts(b, "</li>");
        nf++;
    }
    if (!nf)
        gs_html_puts(b, "<li class=\"muted\">No compensation pattern found in this clip.</li>");
    gs_html_puts(b, "</ul>");
}

/* The intake history items of options (a string "kind:region,..." or an array of them), or
 * "none". */
static void history_html(gs_html_buf *b, const cJSON *opts)
{
    const cJSON *hist = cJSON_GetObjectItemCaseSensitive(opts, "history"), *h;
    int k = 0;
    if (cJSON_IsString(hist) && hist->valuestring[0]) {
        gs_html_esc(b, hist->valuestring);
        return;
    }
    if (!cJSON_IsArray(hist))
        hist = NULL;
    cJSON_ArrayForEach(h, hist) if (cJSON_IsString(h))
    {
        gs_html_puts(b, k++ ? ", " : "");
        gs_html_esc(b, h->valuestring);
    }
    if (!k)
        gs_html_puts(b, "<span class=\"muted\">none</span>");
}

/* The session's analysis options in words ("body height 1.7 m · from 1 s · to 6 s"), not as
 * its stored JSON (whose edited events would be a whole CSV file). The intake history is shown
 * on its own line above; a key the page does not know is shown as key and value. */
static void options_html(gs_html_buf *b, const cJSON *opts)
{
    static const struct {
        const char *key, *before, *after;
    } known[] = {
        {"view", "view ", ""},          {"height", "body height ", " m"},
        {"belt_speed", "belt ", " m/s"}, {"start", "from ", " s"},
        {"end", "to ", " s"},           {"slowmo", "slow motion &times;", ""},
        {"swap_legs", "legs swapped: ", ""}, {"person", "following the person at ", " px"},
    };
    const cJSON *o;
    int k = 0;
    cJSON_ArrayForEach(o, opts)
    {
        const char *key = o->string, *before = NULL, *after = "";
        char num[32];
        if (!key || !strcmp(key, "history"))
            continue;
        gs_html_puts(b, k++ ? " &middot; " : "");
        if (!strcmp(key, "events")) {
            gs_html_puts(b, "gait events edited by hand");
            continue;
        }
        if (!strcmp(key, "blur_faces")) {
            gs_html_puts(b, cJSON_IsTrue(o) || (cJSON_IsString(o) && !strcmp(o->valuestring, "1"))
                                ? "faces blurred"
                                : "faces not blurred");
            continue;
        }
        if (!strcmp(key, "person") && cJSON_GetArraySize(o) == 2 &&
            cJSON_IsNumber(cJSON_GetArrayItem(o, 0)) && cJSON_IsNumber(cJSON_GetArrayItem(o, 1))) {
            gs_html_printf(b, "following the person at x %g, y %g px",
                           cJSON_GetArrayItem(o, 0)->valuedouble,
                           cJSON_GetArrayItem(o, 1)->valuedouble);
            continue;
        }
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
            if (!strcmp(key, known[i].key)) {
                before = known[i].before;
                after = known[i].after;
            }
        if (before)
            gs_html_puts(b, before);
        else {
            gs_html_esc(b, key);
            gs_html_puts(b, " ");
        }
        if (cJSON_IsNumber(o)) {
            snprintf(num, sizeof(num), "%g", o->valuedouble);
            gs_html_puts(b, num);
        } else if (cJSON_IsString(o)) {
            gs_html_esc(b, o->valuestring);
        } else {
            char *t = cJSON_PrintUnformatted(o);
            gs_html_esc(b, t ? t : "?");
            free(t);
        }
        gs_html_puts(b, after);
    }
    if (!k)
        gs_html_puts(b, "<span class=\"muted\">none: view detected, the whole clip</span>");
}

static cJSON *analysis_of(gs_page *pg, const char *session)
{
    return gs_serve__session_json(pg->s, session, "analysis.json", NULL);
}

/* The overlay and key frames of session under base ("/sessions/ID/files" or "/s/TOKEN/files"). */
static void media_html(gs_page *pg, gs_html_buf *b, const char *session, const char *base)
{
    if (has_file(pg, session, "overlay.mp4"))
        gs_html_printf(b, "<h2>Overlay</h2><video id=\"overlay\" controls preload=\"metadata\" "
                          "playsinline src=\"%s/overlay.mp4\"></video>",
                       base);
    int any = 0;
    for (int i = 0; i < 6; i++) {
        if (!has_file(pg, session, keyframe_names[i]))
            continue;
        if (!any)
            gs_html_puts(b, "<h2>Key frames</h2><div class=\"kframes\" id=\"keyframes\">");
        any = 1;
        /* each with its caption on the page (a title shows on no phone) and a link to the
         * whole image: the strip at the bottom of a frame names the angles */
        gs_html_printf(b, "<figure><a href=\"%s/%s\"><img src=\"%s/%s\" alt=\"%s\" "
                          "loading=\"lazy\"></a><figcaption>%s</figcaption></figure>",
                       base, keyframe_names[i], base, keyframe_names[i], keyframe_captions[i],
                       keyframe_captions[i]);
    }
    if (any)
        gs_html_puts(b, "</div><p class=\"muted\" id=\"keyframes-how\">Open a frame for its "
                        "full size; on a phone the rows scroll sideways.</p>");
}

/* What a session folder's analysis.json is: none, complete ("status": "done") or the partial
 * outputs of a run that failed (any other status). */
enum { AN_NONE, AN_DONE, AN_PARTIAL };

static int analysis_state(const cJSON *an)
{
    if (!an)
        return AN_NONE;
    return gs_serve__analysis_done(an) ? AN_DONE : AN_PARTIAL;
}

/* The session page's status line (id "analysis-status") in plain words, from the current job
 * (NULL: none recorded) and the folder's analysis: "new" and "earlier" only when a done
 * analysis is on the page while the job is not done. Nothing when the job is done and so is
 * the analysis. */
static void analysis_status_html(gs_html_buf *b, const gs_store_job *j, const cJSON *an,
                                 int an_state)
{
    if (!j || j->status == GS_STORE_JOB_DONE) {
        if (an_state != AN_PARTIAL)
            return;
        /* a done job beside a failed analysis.json: not written by this worker; its own word */
        const cJSON *er = cJSON_GetObjectItemCaseSensitive(an, "error");
        gs_html_puts(b, "<p id=\"analysis-status\">The analysis failed");
        if (cJSON_IsString(er) && er->valuestring[0]) {
            gs_html_puts(b, ": <span class=\"err\">");
            gs_html_esc(b, er->valuestring);
            gs_html_puts(b, "</span>");
        }
        gs_html_puts(b, ". What it wrote before it stopped is below; it is incomplete.</p>");
        return;
    }
    /* "is queued", "is running", "failed", "was cancelled" */
    const char *verb = j->status == GS_STORE_JOB_FAILED      ? ""
                       : j->status == GS_STORE_JOB_CANCELLED ? "was "
                                                             : "is ";
    gs_html_printf(b, "<p id=\"analysis-status\">%s analysis %s<a href=\"/jobs/%s\">%s</a>",
                   an_state == AN_DONE ? "The new" : "The", verb, j->id,
                   gs_store_job_status_name(j->status));
    if (j->status == GS_STORE_JOB_FAILED && j->error[0]) {
        gs_html_puts(b, ": <span class=\"err\">");
        gs_html_esc(b, j->error);
        gs_html_puts(b, "</span>");
    }
    if (an_state == AN_DONE)
        gs_html_puts(b, ". The results below are of the earlier analysis.</p>");
    else if (an_state == AN_PARTIAL && j->status == GS_STORE_JOB_FAILED)
        gs_html_puts(b, ". The files below are what a failed analysis wrote before it stopped; "
                        "they are incomplete. <a href=\"#rerun-form\" id=\"rerun-hint\">Re-run "
                        "the analysis</a> (below) with other options, or delete the session.</p>");
    else if (an_state == AN_PARTIAL)
        gs_html_puts(b, ". The files below are of an earlier analysis that failed; they are "
                        "incomplete.</p>");
    else
        gs_html_puts(b, ".</p>");
}

static int session_page(gs_page *pg, const char *id, unsigned status, const char *share_url,
                        const char *err, int nkt_saved)
{
    gs_error e = {0};
    gs_store_session ss;
    gs_store_athlete a;
    gs_store_job j;
    gs_status rc = gs_store_session_get(pg->st, pg->account, id, &ss, &e);
    if (rc == GS_OK)
        rc = gs_store_athlete_get(pg->st, pg->account, ss.athlete, &a, &e);
    if (rc != GS_OK)
        return gs_page_store_fail(pg, rc, "session");
    int reply;
    if (gs_page_access(pg, ss.athlete, ss.id, "session page", &reply) != 0)
        return reply;
    int has_job;
    rc = gs_serve__session_job(pg->st, pg->account, &ss, &j, &has_job, &e);
    if (rc != GS_OK)
        return gs_page_store_fail(pg, rc, "session");
    char day[11], base[64];
    if (ss.date[0])
        snprintf(day, sizeof(day), "%s", ss.date);
    else
        gs_page_day(ss.created, day);
    snprintf(base, sizeof(base), "/sessions/%s/files", ss.id);
    gs_html_buf b = {0};
    gs_page_head(pg, &b, "Session");
    gs_html_printf(&b, "<p><a href=\"/athletes/%s\">&larr; ", a.id);
    gs_html_esc(&b, a.name);
    gs_html_puts(&b, "</a></p><h1>");
    gs_html_esc(&b, a.name);
    gs_html_printf(&b, ", %s</h1>", day);
    if (err) {
        gs_html_puts(&b, "<p class=\"err\">");
        gs_html_esc(&b, err);
        gs_html_puts(&b, "</p>");
    }
    /* The folder's analysis.json is shown whatever the current job, by its own "status": the
     * worker publishes a run's folder when it ends done, or failed with no folder there yet (the
     * partial outputs of a failed first run); a failed or cancelled re-run leaves the folder as
     * it was. So a "done" analysis.json beside a job that is not done is an earlier analysis,
     * and a "failed" one is never results, whichever job wrote it. */
    cJSON *an = analysis_of(pg, ss.id);
    int an_state = analysis_state(an);
    analysis_status_html(&b, has_job ? &j : NULL, an, an_state);
    if (ss.video_deleted) {
        char gone[11];
        gs_page_day(ss.video_deleted, gone);
        gs_html_printf(&b, "<p class=\"muted\" id=\"video-deleted\">The uploaded video and the "
                           "overlay clip were deleted on %s (the account's retention setting); "
                           "the analysis is kept.</p>",
                       gone);
    }
    gs_html_puts(&b, "<div class=\"cols\"><div>");
    media_html(pg, &b, ss.id, base);
    gs_html_puts(&b, "</div><div>");
    if (an_state == AN_DONE)
        findings_html(&b, an);
    else if (an_state == AN_PARTIAL)
        gs_html_puts(&b, "<h2>Findings</h2><p class=\"muted\" id=\"findings-none\">None: the "
                         "analysis stopped before the findings were evaluated.</p>");
    gs_pages_nkt_html(pg, &b, &ss, nkt_saved);
    /* not "only you": every user of the account (the owner and the therapists invited) sees
     * them, as they see the NKT record */
    gs_html_puts(&b, "<h2>Intake and notes</h2><p class=\"muted\" id=\"private-who\">For your "
                     "account's users only (you and the colleagues invited on Account); a share "
                     "link never shows them.</p><dl id=\"private\">");
    /* The options of the results on the page: those the worker recorded in the folder
     * (options.json) when it published them; the session's own are a pending re-run's while its
     * job is not done. A folder from before that record: the session's options, which are the
     * results' unless a re-run is pending ("not recorded" then). The intake history is one of
     * them (the findings weigh it), so its line follows the same rule. */
    cJSON *opts = cJSON_Parse(ss.options_json);
    cJSON *ran = an ? gs_serve__session_json(pg->s, ss.id, "options.json", NULL) : NULL;
    int pending = has_job && j.status != GS_STORE_JOB_DONE && an_state != AN_NONE;
    const cJSON *shown = ran ? ran : pending ? NULL : opts;
    gs_html_puts(&b, "<dt>History</dt><dd id=\"history\">");
    if (shown)
        history_html(&b, shown);
    else
        gs_html_puts(&b, "<span class=\"muted\">not recorded</span>");
    gs_html_puts(&b, "</dd><dt>Notes</dt><dd>");
    if (ss.notes[0])
        gs_html_esc(&b, ss.notes);
    else
        gs_html_puts(&b, "<span class=\"muted\">none</span>");
    gs_html_puts(&b, "</dd><dt>Analysis options</dt><dd id=\"options\">");
    if (shown)
        options_html(&b, shown);
    else
        gs_html_puts(&b, "<span class=\"muted\">not recorded</span>");
    gs_html_puts(&b, "</dd>");
    if (pending && (!ran || !cJSON_Compare(ran, opts, 1))) {
        gs_html_printf(&b, "<dt>Options of the %s re-run</dt><dd id=\"rerun-options\">",
                       j.status == GS_STORE_JOB_FAILED      ? "failed"
                       : j.status == GS_STORE_JOB_CANCELLED ? "cancelled"
                                                            : "pending");
        options_html(&b, opts);
        const cJSON *hr = cJSON_GetObjectItemCaseSensitive(ran, "history"),
                    *ho = cJSON_GetObjectItemCaseSensitive(opts, "history");
        if (!ran || !((!hr && !ho) || cJSON_Compare(hr, ho, 1))) {
            gs_html_puts(&b, " &middot; intake history: ");
            history_html(&b, opts);
        }
        gs_html_puts(&b, "</dd>");
    }
    gs_html_puts(&b, "</dl>");
    cJSON_Delete(ran);
    cJSON_Delete(opts);
    gs_html_puts(&b, "</div></div>");
    if (has_file(pg, ss.id, "report.html"))
        gs_html_printf(&b, "<h2>Report%s</h2><p><a id=\"report-open\" href=\"%s/report.html\">"
                           "Open the report on its own page</a> (easier on a phone: the frame "
                           "below scrolls inside the page)</p><iframe class=\"report\" "
                           "id=\"report\" sandbox=\"allow-same-origin\" title=\"report\" "
                           "src=\"%s/report.html\"></iframe>",
                       an_state == AN_PARTIAL ? " (incomplete)" : "", base, base);
    gs_html_printf(&b, "<h2>Downloads%s</h2><ul id=\"downloads\">",
                   an_state == AN_PARTIAL ? " (incomplete)" : "");
    for (int i = 0; i < GS_SERVE__N_FILES; i++) {
        const char *name = gs_serve__file_name(i);
        if (!strncmp(name, "keyframes/", 10) || !has_file(pg, ss.id, name))
            continue;
        const char *words = download_words(name);
        gs_html_printf(&b, "<li><a href=\"%s/%s\" download>%s</a>%s%s</li>", base, name, name,
                       words ? " <span class=\"muted\">&ndash; " : "",
                       words ? words : "");
        if (words)
            gs_html_puts(&b, "</span>");
    }
    if (an)
        gs_html_printf(&b, "<li><a id=\"session-zip\" href=\"/sessions/%s/zip\">All files "
                           "(zip)</a></li>",
                       ss.id);
    gs_html_puts(&b, "</ul>");
    cJSON_Delete(an);
    gs_html_puts(&b, "<h2>Comparisons</h2>");
    gs_pages_comparisons_html(pg, &b, NULL, ss.id);
    gs_pages_rerun_html(pg, &b, &ss);

    gs_html_puts(&b, "<h2>Share</h2><p>A read-only link to the overlay, key frames and "
                     "findings for someone without an account; it never shows the NKT record, "
                     "the notes or the intake history.</p>");
    if (share_url) {
        gs_html_puts(&b, "<p>New link (copy it now, it is shown once): <a id=\"share-url\" "
                         "href=\"");
        gs_html_esc(&b, share_url);
        gs_html_puts(&b, "\">");
        gs_html_esc(&b, share_url);
        gs_html_puts(&b, "</a></p>");
    }
    {
        gs_store_share *sh = NULL;
        size_t nsh = 0;
        int64_t now = (int64_t)time(NULL);
        if (gs_store_share_list(pg->st, pg->account, ss.id, &sh, &nsh, &e) == GS_OK && nsh) {
            gs_html_puts(&b, "<table class=\"list\" id=\"shares\"><tr><th>Created</th>"
                             "<th>Expires</th><th></th></tr>");
            for (size_t i = 0; i < nsh; i++) {
                char c1[11], c2[11];
                gs_page_day(sh[i].created, c1);
                gs_page_day(sh[i].expires, c2);
                gs_html_printf(&b, "<tr><td>%s</td><td>%s%s</td><td><form method=\"post\" "
                                   "action=\"/sessions/%s/shares/%s/revoke\">",
                               c1, c2, sh[i].expires <= now ? " (expired)" : "", ss.id, sh[i].id);
                gs_page_csrf_field(pg, &b);
                gs_html_puts(&b, "<button type=\"submit\">Revoke</button></form></td></tr>");
            }
            gs_html_puts(&b, "</table>");
        }
        free(sh);
    }
    gs_html_printf(&b, "<form method=\"post\" action=\"/sessions/%s/shares\">", ss.id);
    gs_page_csrf_field(pg, &b);
    gs_html_printf(&b, "<label for=\"days\">Valid for days</label><input type=\"number\" "
                       "id=\"days\" name=\"days\" min=\"1\" max=\"%d\" value=\"%d\" "
                       "style=\"width:6em\"> <button type=\"submit\">Create a link</button>"
                       "</form>",
                   SHARE_DAYS_MAX, SHARE_DAYS_DEFAULT);

    gs_html_printf(&b, "<h2>Delete</h2><form method=\"post\" action=\"/sessions/%s/delete\">",
                   ss.id);
    gs_page_csrf_field(pg, &b);
    gs_html_puts(&b, "<label><input type=\"checkbox\" name=\"confirm\" value=\"1\" required> "
                     "Delete this session, its video (unless another session uses it), its "
                     "results and its share links</label><button type=\"submit\" "
                     "class=\"danger\">Delete the session</button></form>");
    return gs_page_send(pg, &b, status);
}

static int session_delete(gs_page *pg, const char *id)
{
    gs_error e = {0};
    gs_store_session ss;
    char confirm[8], to[64];
    int reply;
    if (!gs_page_csrf_ok(pg, &reply))
        return reply;
    gs_status rc = gs_store_session_get(pg->st, pg->account, id, &ss, &e);
    if (rc != GS_OK)
        return gs_page_store_fail(pg, rc, "session");
    if (gs_page_form(pg, "confirm", confirm, sizeof(confirm)) != 0 || strcmp(confirm, "1") != 0)
        return session_page(pg, id, 400, NULL, "Tick the box to confirm the deletion.", 0);
    if (gs_page_access(pg, ss.athlete, ss.id, "deleted session", &reply) != 0)
        return reply;
    rc = gs_serve__session_remove(pg->s, pg->st, pg->account, id, &e);
    if (rc != GS_OK)
        return gs_page_store_fail(pg, rc, "session");
    snprintf(to, sizeof(to), "/athletes/%s", ss.athlete);
    return gs_page_redirect(pg, to);
}


static int share_add(gs_page *pg, const char *id)
{
    gs_error e = {0};
    char ds[16], text[GS_SERVE__TOKEN_LEN + 1], url[600];
    int reply, days = SHARE_DAYS_DEFAULT;
    if (!gs_page_csrf_ok(pg, &reply))
        return reply;
    if (gs_page_form(pg, "days", ds, sizeof(ds)) == 0 && ds[0]) {
        char *end = NULL;
        long v = strtol(ds, &end, 10);
        if (!end || *end || v < 1 || v > SHARE_DAYS_MAX)
            return session_page(pg, id, 400, NULL, "A link lasts 1 to 365 days.", 0);
        days = (int)v;
    }
    uint8_t tok[GS_SERVE__TOKEN_BYTES], dg[GS_STORE_DIGEST_BYTES];
    gs_store_id sid;
    randombytes_buf(tok, sizeof(tok));
    gs_serve__token_digest(GS_SERVE__TOKEN_SHARE, tok, dg);
    int64_t t = (int64_t)time(NULL);
    gs_status rc = gs_store_share_add(pg->st, pg->account, id, dg, t, t + (int64_t)days * 86400,
                                      sid, &e);
    if (rc != GS_OK)
        return gs_page_store_fail(pg, rc, "session");
    gs_serve__token_text(tok, text);
    sodium_memzero(tok, sizeof(tok));
    const char *host = MHD_lookup_connection_value(pg->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    snprintf(url, sizeof(url), "%s://%s/s/%s", gs_serve__is_tls(pg->s) ? "https" : "http",
             gs_serve__host_ok(host) ? host : "localhost", text);
    return session_page(pg, id, 201, url, NULL, 0);
}

static int session_file(gs_page *pg, const gs_store_session *ss, const gs_store_job *job, int i)
{
    char what[GS_STORE_WHAT_MAX + 1];
    int reply;
    if (i < 0)
        return gs_page_fail(pg, 404, "No such file.");
    const char *name = gs_serve__file_name(i);
    snprintf(what, sizeof(what), "file %s", name);
    if (gs_page_access(pg, ss->athlete, ss->id, what, &reply) != 0)
        return reply;
    return gs_serve__send_file(pg->s, pg->c, ss, job, i,
                               !strcmp(name, "report.html") ? REPORT_FRAME_CSP : FILE_CSP);
}

/* ---- a share link (no account) ------------------------------------------------------------ */

static int share_page(gs_page *pg, char **seg, int nseg)
{
    uint8_t tok[GS_SERVE__TOKEN_BYTES], dg[GS_STORE_DIGEST_BYTES];
    gs_store_session ss;
    gs_store_id account;
    gs_error e = {0};
    if (nseg < 2 || pg->post || gs_serve__token_decode(seg[1], strlen(seg[1]), tok) != 0)
        return gs_page_fail(pg, 404, "No such share (or it has expired).");
    gs_serve__token_digest(GS_SERVE__TOKEN_SHARE, tok, dg);
    gs_status rc = gs_store_share_session(pg->st, dg, (int64_t)time(NULL), account, &ss, &e);
    if (rc != GS_OK)
        return gs_page_store_fail(pg, rc, "share (or it has expired)");
    gs_store_job j;
    int has_job = gs_store_job_get(pg->st, account, ss.job, &j, &e) == GS_OK;
    /* The account's access log has a share's visitors too, without a user. */
    memcpy(pg->account, account, sizeof(pg->account));
    pg->signed_in = 0;
    int reply;
    if (nseg >= 4 && !strcmp(seg[2], "files")) {
        int i = file_of(seg, nseg, 3);
        char what[GS_STORE_WHAT_MAX + 1];
        if (i < 0 || !gs_serve__file_shareable(i))
            return gs_page_fail(pg, 404, "No such file.");
        snprintf(what, sizeof(what), "share %s", gs_serve__file_name(i));
        if (gs_page_access(pg, ss.athlete, ss.id, what, &reply) != 0)
            return reply;
        return gs_serve__send_file(pg->s, pg->c, &ss, has_job ? &j : NULL, i, FILE_CSP);
    }
    if (nseg != 2)
        return gs_page_fail(pg, 404, "No such page.");
    if (gs_page_access(pg, ss.athlete, ss.id, "share page", &reply) != 0)
        return reply;
    char base[128], day[11];
    snprintf(base, sizeof(base), "/s/%s/files", seg[1]);
    if (ss.date[0])
        snprintf(day, sizeof(day), "%s", ss.date);
    else
        gs_page_day(ss.created, day);
    gs_html_buf b = {0};
    gs_page head = *pg;
    head.signed_in = 0; /* a share page shows nothing of the viewer's own account */
    head.bare = 1;
    gs_page_head(&head, &b, "Shared session");
    /* A done analysis is shown whatever the current job (a re-run leaves it until its own is
     * published); a failed run's partial outputs are not shown to someone without an account. */
    cJSON *an = analysis_of(pg, ss.id);
    /* the heading names what the clip shows (a walker's share said "Running analysis") */
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(an, "activity");
    const char *what = analysis_state(an) == AN_DONE && cJSON_IsString(act)
                           ? (!strcmp(act->valuestring, "run")    ? "Running analysis"
                              : !strcmp(act->valuestring, "walk") ? "Walking analysis"
                                                                  : "Gait analysis")
                           : "Gait analysis";
    gs_html_printf(&b, "<h1>%s, %s</h1>", what, day);
    if (analysis_state(an) != AN_DONE) {
        cJSON_Delete(an);
        if (has_job && j.status == GS_STORE_JOB_FAILED)
            gs_html_puts(&b, "<p id=\"analysis-status\">The analysis of this clip could not be "
                             "completed; there are no results to show.</p>");
        else if (has_job && j.status == GS_STORE_JOB_CANCELLED)
            gs_html_puts(&b, "<p id=\"analysis-status\">The analysis of this clip was "
                             "cancelled; there are no results to show.</p>");
        else
            gs_html_puts(&b, "<p id=\"analysis-status\">The analysis is not ready yet; open "
                             "this link again later.</p>");
        return gs_page_send(pg, &b, 200);
    }
    if (has_job && (j.status == GS_STORE_JOB_QUEUED || j.status == GS_STORE_JOB_RUNNING))
        gs_html_puts(&b, "<p class=\"muted\" id=\"analysis-status\">A new analysis of this "
                         "clip is under way; until it is ready, this is the earlier one.</p>");
    gs_html_puts(&b, "<div class=\"cols\"><div>");
    media_html(pg, &b, ss.id, base);
    gs_html_puts(&b, "</div><div>");
    findings_html(&b, an);
    cJSON_Delete(an);
    gs_html_puts(&b, "</div></div><p class=\"muted\">Shared read-only from gaitscope.</p>");
    return gs_page_send(pg, &b, 200);
}

int gs_pages_session(gs_page *pg, char **seg, int nseg)
{
    if (!strcmp(seg[0], "s"))
        return share_page(pg, seg, nseg);
    if (nseg < 2 || (strcmp(seg[0], "jobs") != 0 && strcmp(seg[0], "sessions") != 0))
        return -1;
    if (!gs_serve__id_valid(seg[1], strlen(seg[1])))
        return gs_page_fail(pg, 404, "No such page.");
    if (!strcmp(seg[0], "jobs")) {
        if (nseg == 2 && !pg->post)
            return job_page(pg, seg[1], 0);
        if (nseg == 3 && pg->post && !strcmp(seg[2], "cancel"))
            return job_page(pg, seg[1], 1);
        return gs_page_fail(pg, 404, "No such page.");
    }
    if (nseg == 2 && !pg->post)
        return session_page(pg, seg[1], 200, NULL, NULL, 0);
    if (nseg == 3 && pg->post && !strcmp(seg[2], "delete"))
        return session_delete(pg, seg[1]);
    if (nseg == 3 && pg->post && !strcmp(seg[2], "shares"))
        return share_add(pg, seg[1]);
    if (nseg == 3 && pg->post && !strcmp(seg[2], "nkt")) {
        int reply, saved = 0;
        char msg[160];
        if (!gs_page_csrf_ok(pg, &reply))
            return reply;
        int st = gs_pages_nkt_post(pg, seg[1], &saved, msg, sizeof(msg));
        if (st == 404 || st == 500)
            return gs_page_fail(pg, (unsigned)st, msg);
        return session_page(pg, seg[1], st ? (unsigned)st : 200, NULL, st ? msg : NULL, saved);
    }
    if (nseg == 5 && pg->post && !strcmp(seg[2], "shares") && !strcmp(seg[4], "revoke")) {
        int reply;
        gs_error e = {0};
        gs_store_session ss;
        char to[64];
        if (!gs_page_csrf_ok(pg, &reply))
            return reply;
        if (!gs_serve__id_valid(seg[3], strlen(seg[3])))
            return gs_page_fail(pg, 404, "No such share.");
        gs_status rc = gs_store_session_get(pg->st, pg->account, seg[1], &ss, &e);
        if (rc == GS_OK) {
            /* The share must be one of this session's (a share's session never changes), not
             * merely one of the account's: the form names both. */
            gs_store_share *sh = NULL;
            size_t nsh = 0, k = 0;
            rc = gs_store_share_list(pg->st, pg->account, ss.id, &sh, &nsh, &e);
            while (rc == GS_OK && k < nsh && strcmp(sh[k].id, seg[3]) != 0)
                k++;
            free(sh);
            if (rc == GS_OK && k == nsh)
                rc = GS_ERR_NOT_FOUND;
        }
        if (rc == GS_OK)
            rc = gs_store_share_delete(pg->st, pg->account, seg[3], &e);
        if (rc != GS_OK)
            return gs_page_store_fail(pg, rc, "share");
        snprintf(to, sizeof(to), "/sessions/%s#shares", ss.id);
        return gs_page_redirect(pg, to);
    }
    if (nseg >= 4 && !pg->post && !strcmp(seg[2], "files")) {
        gs_error e = {0};
        gs_store_session ss;
        gs_store_job j;
        gs_status rc = gs_store_session_get(pg->st, pg->account, seg[1], &ss, &e);
        if (rc != GS_OK)
            return gs_page_store_fail(pg, rc, "session");
        int has_job = gs_store_job_get(pg->st, pg->account, ss.job, &j, &e) == GS_OK;
        return session_file(pg, &ss, has_job ? &j : NULL, file_of(seg, nseg, 3));
    }
    return gs_page_fail(pg, 404, "No such page.");
}
