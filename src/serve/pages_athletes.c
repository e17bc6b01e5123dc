/*
 * gaitscope serve, pages: the athletes list, an athlete's page (sessions over time, key metrics
 * across sessions as charts, findings per session) and the upload form.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "pages_impl.h"
#include "serve_compare.h"
#include "serve_http_impl.h"

/* ---- athletes list ------------------------------------------------------------------------ */

static int athletes_list(gs_page *pg, unsigned status, const char *err)
{
    gs_error e = {0};
    gs_store_athlete *list = NULL;
    size_t n = 0;
    gs_status rc = gs_store_athlete_list(pg->st, pg->account, &list, &n, &e);
    if (rc != GS_OK)
        return gs_page_store_fail(pg, rc, "account");
    gs_html_buf b = {0};
    gs_page_head(pg, &b, "Athletes");
    gs_html_puts(&b, "<h1>Athletes</h1>");
    if (n == 0)
        gs_html_puts(&b, "<p class=\"muted\">No athletes yet: add the first one below, then "
                         "upload a video of them.</p>");
    else
        gs_html_puts(&b, "<table class=\"list\" id=\"athletes\"><tr><th>Name</th>"
                         "<th>Height</th><th>Added</th></tr>");
    for (size_t i = 0; i < n; i++) {
        char day[11];
        gs_page_day(list[i].created, day);
        gs_html_printf(&b, "<tr><td><a href=\"/athletes/%s\">", list[i].id);
        gs_html_esc(&b, list[i].name);
        gs_html_puts(&b, "</a></td><td>");
        if (isfinite(list[i].height_m))
            gs_html_printf(&b, "%.2f m", list[i].height_m);
        gs_html_printf(&b, "</td><td>%s</td></tr>", day);
    }
    if (n)
        gs_html_puts(&b, "</table>");
    free(list);
    gs_html_puts(&b, "<h2>Add an athlete</h2>");
    if (err) {
        gs_html_puts(&b, "<p class=\"err\">");
        gs_html_esc(&b, err);
        gs_html_puts(&b, "</p>");
    }
    gs_html_puts(&b, "<form class=\"card\" method=\"post\" action=\"/athletes\">");
    gs_page_csrf_field(pg, &b);
    gs_html_puts(&b, "<label for=\"name\">Name</label><input type=\"text\" id=\"name\" "
                     "name=\"name\" required maxlength=\"200\">"
                     "<label for=\"height_m\">Height in metres (optional: gives results in cm "
                     "and m/s)</label><input type=\"number\" id=\"height_m\" name=\"height_m\" "
                     "step=\"0.01\" min=\"0.5\" max=\"2.5\">"
                     "<button type=\"submit\">Add</button></form>");
    return gs_page_send(pg, &b, status);
}

static int athlete_add(gs_page *pg)
{
    char name[GS_STORE_NAME_MAX + 1], hs[32];
    double h = NAN;
    gs_store_id id;
    gs_error e = {0};
    int reply;
    if (!gs_page_csrf_ok(pg, &reply))
        return reply;
    if (gs_page_form(pg, "name", name, sizeof(name)) != 0 || !name[0])
        return athletes_list(pg, 400, "Give a name (at most 200 bytes).");
    if (gs_page_form(pg, "height_m", hs, sizeof(hs)) == 0 && hs[0]) {
        char *end = NULL;
        h = strtod(hs, &end);
        /* the API's bound (serve_parse.c gs_serve__athlete_body) */
        if (!end || *end || !isfinite(h) || h < 0.5 || h > 2.5)
            return athletes_list(pg, 400, "The height is in metres, between 0.5 and 2.5.");
    }
    gs_status rc = gs_store_athlete_add(pg->st, pg->account, name, h, (int64_t)time(NULL), id, &e);
    if (rc == GS_ERR_ARG)
        return athletes_list(pg, 400, e.msg);
    if (rc != GS_OK)
        return gs_page_store_fail(pg, rc, "account");
    char to[64];
    snprintf(to, sizeof(to), "/athletes/%s", id);
    return gs_page_redirect(pg, to);
}

/* ---- an athlete's page -------------------------------------------------------------------- */

/* The chart rows: metric key, title, unit, what is plotted, and the smallest span of its value
 * axis: about twice the metric's minimal change (models/minimal_change.json: cadence 4.73 % of
 * about 170 steps/min, contact time 15 ms, knee flexion at contact 7 deg published, pelvic drop
 * 2.8 deg; 20 points of symmetry index hold the report's 5 and 10 % bands), so that noise looks
 * like noise: fitted to the values, two sessions 0.5 steps/min apart drew a line from the
 * chart's bottom to its top. */
typedef enum { V_ALL, V_SIDES, V_SI } val_kind;
static const struct {
    const char *key, *title, *unit;
    val_kind kind;
    double min_span;
} chart_rows[] = {
    {"cadence_spm", "Cadence", "steps/min", V_ALL, 16},
    {"ground_contact_ms", "Ground contact time", "ms", V_SIDES, 30},
    {"knee_flexion_ic_deg", "Knee flexion at initial contact", "deg", V_SIDES, 14},
    {"pelvic_drop_deg", "Pelvic drop (rear view)", "deg", V_SIDES, 6},
    {"ground_contact_ms", "Contact time asymmetry", "symmetry index, %", V_SI, 20},
    {"knee_flexion_ic_deg", "Knee flexion at contact asymmetry", "symmetry index, %", V_SI, 20},
};
#define N_ROWS ((int)(sizeof(chart_rows) / sizeof(chart_rows[0])))

static double mean_of(const cJSON *m, const char *part)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(m, part);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, "mean");
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* Deletes the members of o not named in keep (NULL-terminated). */
static void keep_only(cJSON *o, const char *const *keep)
{
    cJSON *c = o ? o->child : NULL;
    while (c) {
        cJSON *next = c->next;
        int k = 0;
        while (keep[k] && (!c->string || strcmp(c->string, keep[k]) != 0))
            k++;
        if (!keep[k])
            cJSON_Delete(cJSON_DetachItemViaPointer(o, c));
        c = next;
    }
}

/* The session folder's analysis.json when it is a done analysis (NULL when none, or a failed
 * run's partial outputs): results whatever the session's current job, as on the session page
 * (a failed or cancelled re-run leaves the earlier folder as it was). Only what the page shows
 * is read (status, metrics, findings: a tenth of the file, the curves never built) and kept
 * (the charts' metrics, the findings' titles: a few kB a session). Every session is read, so a
 * long history (a patient seen weekly for years) keeps its numbers: with 200 sessions of the
 * sample's analysis.json (447 kB) one view took 0.27-0.29 s on 2 cores at load 5 (session 13),
 * where reading the newest 40 in full took 0.35-0.42 s; with 40 sessions, 0.05 s against 0.4. */
static cJSON *analysis_load(gs_page *pg, const char *session)
{
    static const char *const keys[] = {"status", "metrics", "findings", NULL};
    static const char *const metrics[] = {"cadence_spm", "ground_contact_ms", /* chart_rows' */
                                          "knee_flexion_ic_deg", "pelvic_drop_deg", NULL};
    static const char *const finding[] = {"title", NULL};
    cJSON *a = gs_serve__session_json(pg->s, session, "analysis.json", keys);
    if (!gs_serve__analysis_done(a)) {
        cJSON_Delete(a);
        return NULL;
    }
    cJSON *f;
    keep_only(cJSON_GetObjectItemCaseSensitive(a, "metrics"), metrics);
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(a, "findings"))
    {
        keep_only(f, finding);
    }
    return a;
}

/* Oldest first: by the session's date (its upload day when it has none), then upload time. */
static int by_day(const void *pa, const void *pb)
{
    const gs_store_session *a = pa, *b = pb;
    char da[11], db[11];
    if (a->date[0])
        snprintf(da, sizeof(da), "%s", a->date);
    else
        gs_page_day(a->created, da);
    if (b->date[0])
        snprintf(db, sizeof(db), "%s", b->date);
    else
        gs_page_day(b->created, db);
    int c = strcmp(da, db);
    return c ? c : (a->created > b->created) - (a->created < b->created);
}

static int athlete_page(gs_page *pg, const char *id)
{
    gs_error e = {0};
    gs_store_athlete a;
    gs_store_session *list = NULL;
    size_t n = 0;
    gs_status rc = gs_store_athlete_get(pg->st, pg->account, id, &a, &e);
    if (rc == GS_OK)
        rc = gs_store_session_list(pg->st, pg->account, a.id, &list, &n, &e);
    if (rc != GS_OK)
        return gs_page_store_fail(pg, rc, "athlete");
    int reply;
    if (gs_page_access(pg, a.id, NULL, "athlete page", &reply) != 0) {
        free(list);
        return reply;
    }
    if (n > 1)
        qsort(list, n, sizeof(*list), by_day);
    /* status[i]: the session's job's; without a job record (gs_serve__results_status: only a
     * database edited or restored by hand lacks one) done when a done analysis is there, else
     * failed, never a re-run, as the API says it (set below). A store error fails the page. */
    gs_store_job_status *status = calloc(n + 1, sizeof(*status));
    char *has_job = calloc(n + 1, 1);
    for (size_t i = 0; i < n && status && has_job && rc == GS_OK; i++) {
        gs_store_job j;
        int has;
        rc = gs_serve__session_job(pg->st, pg->account, &list[i], &j, &has, &e);
        has_job[i] = (char)has;
        status[i] = has ? j.status : GS_STORE_JOB_FAILED;
    }
    if (rc != GS_OK) {
        free(status);
        free(has_job);
        free(list);
        return gs_page_store_fail(pg, rc, "athlete");
    }
    gs_html_buf b = {0};
    gs_page_head(pg, &b, a.name);
    gs_html_puts(&b, "<p><a href=\"/athletes\">&larr; Athletes</a></p><h1>");
    gs_html_esc(&b, a.name);
    gs_html_puts(&b, "</h1><p>");
    if (isfinite(a.height_m))
        gs_html_printf(&b, "Height %.2f m. ", a.height_m);
    gs_html_printf(&b, "<a class=\"button\" id=\"upload-link\" href=\"/athletes/%s/upload\">"
                       "Upload a video</a></p>", a.id);

    /* Every session's analysis: the table lists them newest first, the charts oldest first. */
    int nc = (int)n;
    cJSON **an = calloc((size_t)nc + 1, sizeof(*an));
    char (*labels)[11] = calloc((size_t)nc + 1, sizeof(*labels));
    const char **lp = calloc((size_t)nc + 1, sizeof(*lp));
    double *vl = calloc((size_t)nc + 1, sizeof(double)), *vr = calloc((size_t)nc + 1, sizeof(double));
    int statuses_ok = an && labels && lp && vl && vr;
    int n_done = 0;
    for (int k = 0; k < nc && statuses_ok && status; k++) {
        const gs_store_session *ss = &list[k];
        an[k] = analysis_load(pg, ss->id);
        n_done += an[k] != NULL;
        if (has_job && !has_job[k])
            status[k] = an[k] ? GS_STORE_JOB_DONE : GS_STORE_JOB_FAILED;
        if (ss->date[0])
            snprintf(labels[k], 11, "%s", ss->date);
        else
            gs_page_day(ss->created, labels[k]);
    }

    gs_html_puts(&b, "<h2>Sessions</h2>");
    if (n == 0)
        gs_html_puts(&b, "<p class=\"muted\">No sessions yet: upload a video.</p>");
    else
        gs_html_puts(&b, "<table class=\"list\" id=\"sessions\"><tr><th>Date</th><th>Status</th>"
                         "<th>Cadence</th><th>Findings</th></tr>");
    for (size_t i = n; i-- > 0;) {
        const gs_store_session *ss = &list[i];
        char day[11];
        const cJSON *an_i = statuses_ok ? an[i] : NULL;
        if (ss->date[0])
            snprintf(day, sizeof(day), "%s", ss->date);
        else
            gs_page_day(ss->created, day);
        gs_store_job_status js = status ? status[i] : GS_STORE_JOB_FAILED;
        gs_html_printf(&b, "<tr><td><a href=\"/sessions/%s\">%s</a></td><td>", ss->id, day);
        /* a done analysis beside a job that is not done: the results shown are the earlier
         * analysis's, and the job is a re-run (the session page's words) */
        if (an_i && js != GS_STORE_JOB_DONE)
            gs_html_puts(&b, "done; re-run ");
        if (js == GS_STORE_JOB_QUEUED || js == GS_STORE_JOB_RUNNING ||
            (an_i && js != GS_STORE_JOB_DONE))
            gs_html_printf(&b, "<a href=\"/jobs/%s\">%s</a>", ss->job,
                           gs_store_job_status_name(js));
        else
            gs_html_puts(&b, gs_store_job_status_name(js));
        gs_html_puts(&b, "</td><td>");
        double cad = mean_of(cJSON_GetObjectItemCaseSensitive(
                                 cJSON_GetObjectItemCaseSensitive(an_i, "metrics"), "cadence_spm"),
                             "all");
        if (isfinite(cad))
            gs_html_printf(&b, "%.0f steps/min", cad);
        gs_html_puts(&b, "</td><td>");
        const cJSON *f;
        int nf = 0;
        cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(an_i, "findings"))
        {
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(f, "title");
            if (cJSON_IsString(t) && nf < 4) {
                gs_html_puts(&b, nf ? "<br>" : "");
                gs_html_esc(&b, t->valuestring);
            }
            nf++;
        }
        if (nf > 4)
            gs_html_printf(&b, "<br><span class=\"muted\">and %d more</span>", nf - 4);
        if (an_i && !nf)
            gs_html_puts(&b, "<span class=\"muted\">none</span>");
        gs_html_puts(&b, "</td></tr>");
    }
    if (n)
        gs_html_puts(&b, "</table>");
    gs_pages_compare_form_html(pg, &b, a.id, list, n,
                               statuses_ok && status ? (const cJSON *const *)an : NULL);
    if (n)
        gs_html_printf(&b, "<h2>Export</h2><p><a class=\"button\" id=\"export-link\" "
                           "href=\"/athletes/%s/export\">Download all sessions (zip)</a> with "
                           "their results, notes, options and NKT records.</p>",
                       a.id);
    else /* an empty archive is no download to offer */
        gs_html_puts(&b, "<h2>Export</h2><p class=\"muted\" id=\"export-none\">Nothing to "
                         "download yet: the sessions' files can be downloaded once a video is "
                         "uploaded.</p>");

    if (n_done >= 1 && statuses_ok) {
        gs_html_printf(&b, "<h2>Across sessions</h2><p class=\"muted\" id=\"charts-of\">Means "
                           "per session of the %d analysed session%s.</p>"
                           "<div class=\"cols\" id=\"charts\">",
                       n_done, n_done == 1 ? "" : "s");
        /* the charts' points are the analysed sessions only: a failed, queued or running one
         * has no numbers, and as an empty date on the axis it cut the line short and stretched
         * the dates apart (two uploads that failed on one day read as a date twice) */
        int np = 0;
        for (int k = 0; k < nc; k++)
            if (an[k])
                lp[np++] = labels[k];
        for (int r = 0; r < N_ROWS; r++) {
            for (int k = 0, q = 0; k < nc; k++) {
                if (!an[k])
                    continue;
                const cJSON *m = cJSON_GetObjectItemCaseSensitive(
                    cJSON_GetObjectItemCaseSensitive(an[k], "metrics"), chart_rows[r].key);
                const cJSON *si = cJSON_GetObjectItemCaseSensitive(m, "si");
                switch (chart_rows[r].kind) {
                case V_ALL:
                    vl[q] = mean_of(m, "all");
                    break;
                case V_SIDES:
                    vl[q] = mean_of(m, "left");
                    vr[q] = mean_of(m, "right");
                    break;
                case V_SI:
                    vl[q] = cJSON_IsNumber(si) ? si->valuedouble : NAN;
                    break;
                }
                q++;
            }
            gs_html_puts(&b, "<div>");
            gs_html_series_svg_span(&b, chart_rows[r].title, chart_rows[r].unit, np, lp, vl,
                                    chart_rows[r].kind == V_SIDES ? vr : NULL,
                                    chart_rows[r].min_span);
            gs_html_puts(&b, "</div>");
        }
        gs_html_puts(&b, "</div>");
    }
    for (int k = 0; an && k < nc; k++)
        cJSON_Delete(an[k]);
    free(an);
    free(labels);
    free(lp);
    free(vl);
    free(vr);
    free(status);
    free(has_job);
    free(list);
    if (pg->role == GS_STORE_ROLE_OWNER) {
        gs_html_printf(&b, "<h2>Delete the athlete</h2><form method=\"post\" "
                           "action=\"/athletes/%s/delete\">",
                       a.id);
        gs_page_csrf_field(pg, &b);
        gs_html_puts(&b, "<label><input type=\"checkbox\" name=\"confirm\" value=\"1\" "
                         "required> Delete this athlete with every session: videos, results, "
                         "NKT records and share links. This cannot be undone.</label><button "
                         "type=\"submit\" class=\"danger\" id=\"delete-athlete\">Delete the "
                         "athlete</button></form>");
    }
    return gs_page_send(pg, &b, 200);
}

/* Deletes the athlete with every session and file (the account's owner only). */
static int athlete_delete(gs_page *pg, const char *id)
{
    gs_error e = {0};
    gs_store_athlete a;
    char confirm[8];
    int reply;
    if (!gs_page_csrf_ok(pg, &reply))
        return reply;
    gs_status rc = gs_store_athlete_get(pg->st, pg->account, id, &a, &e);
    if (rc != GS_OK)
        return gs_page_store_fail(pg, rc, "athlete");
    if (pg->role != GS_STORE_ROLE_OWNER)
        return gs_page_fail(pg, 403, "Only the account's owner may delete an athlete.");
    if (gs_page_form(pg, "confirm", confirm, sizeof(confirm)) != 0 || strcmp(confirm, "1") != 0)
        return gs_page_fail(pg, 400, "Tick the box to confirm the deletion.");
    if (gs_page_access(pg, a.id, NULL, "deleted athlete", &reply) != 0)
        return reply;
    rc = gs_serve__athlete_remove(pg->s, pg->st, pg->account, a.id, &e);
    if (rc != GS_OK)
        return gs_page_store_fail(pg, rc, "athlete");
    return gs_page_redirect(pg, "/athletes");
}

/* ---- the upload form ---------------------------------------------------------------------- */

/* The form's script: sends the form with XMLHttpRequest so the bar can show the upload's
 * progress (XMLHttpRequest Living Standard, upload "progress" events), the CSRF token in a
 * header, then goes to the job's page (or offers the earlier sessions of the same file). */
static const char upload_js[] =
    "(function(){var f=document.getElementById('upload');var bar=document.getElementById('bar');"
    "var msg=document.getElementById('msg');var force=false;"
    /* The SHA-256 of the file first (Web Crypto, in secure contexts: HTTPS or this machine;
     * files up to 512 MiB, read whole): an earlier upload of it is offered, not analysed again
     * unless asked. */
    "function esc(t){var d=document.createElement('span');d.textContent=t;return d.innerHTML;}"
    "function check(file){if(force||!window.crypto||!crypto.subtle||file.size>536870912)"
    "return Promise.resolve([]);msg.textContent='Checking whether you uploaded this video before...';"
    "return file.arrayBuffer().then(function(b){return crypto.subtle.digest('SHA-256',b);})"
    ".then(function(h){var x=Array.from(new Uint8Array(h)).map(function(v){return "
    "('0'+v.toString(16)).slice(-2);}).join('');return fetch('/uploads/'+x,"
    "{credentials:'same-origin'});}).then(function(r){return r.ok?r.json():{sessions:[]};})"
    ".then(function(j){return j.sessions||[];}).catch(function(){return [];});}"
    /* A file the browser knows is no video (a PDF, a photo, a text: its type from its name) is
     * refused here: sent, it became a session whose analysis failed ("not a readable video
     * file"), to be deleted by hand. A type the browser does not know ("") is sent. */
    "f.addEventListener('submit',function(ev){ev.preventDefault();"
    "var file=f.elements.video.files[0];"
    "if(file&&file.type&&file.type.indexOf('video/')!==0){msg.textContent='This file is not a "
    "video (its type is '+file.type+'): pick the clip itself, e.g. an MP4 or MOV from the "
    "phone.';return;}"
    "check(file).then(function(prev){if(prev.length){"
    "msg.innerHTML='You uploaded this video before: '+prev.map(function(p){return '<a href=\\'/sessions/'"
    "+esc(p.session)+'\\'>'+esc(p.athlete)+', '+esc(p.date)+'</a>';}).join(', ')+"
    "'. Open that session, or press the button again to analyse it anew with these options.';"
    "force=true;return;}send();});});"
    "function send(){var fd=new FormData(f);fd.delete('csrf');"
    "['height','belt_speed','start','end','slowmo','history','notes','date']"
    ".forEach(function(k){if(fd.get(k)==='')fd.delete(k);});"
    "if(fd.get('view')==='auto')fd.delete('view');if(!fd.get('blur_faces'))fd.delete('blur_faces');"
    "var x=new XMLHttpRequest();x.open('POST',f.action);"
    "x.setRequestHeader('X-CSRF-Token',f.elements.csrf.value);bar.hidden=false;bar.value=0;"
    "msg.textContent='Uploading...';"
    "x.upload.onprogress=function(e){if(e.lengthComputable){bar.value=e.loaded/e.total;"
    "msg.textContent='Uploading: '+Math.round(100*e.loaded/e.total)+' %';}};"
    "x.onload=function(){var r={};try{r=JSON.parse(x.responseText);}catch(e){}"
    "if(x.status===202&&r.job){if(r.duplicate_of){msg.textContent='You uploaded this video "
    "before; it is analysed again with these options.';}"
    "location.href='/jobs/'+r.job;}else{bar.hidden=true;msg.textContent='The upload failed: '+"
    "(r.error||('HTTP '+x.status));}};"
    "x.onerror=function(){bar.hidden=true;msg.textContent='The upload failed: the connection "
    "broke.';};x.send(fd);}})();";

static int upload_form(gs_page *pg, const char *id)
{
    gs_error e = {0};
    gs_store_athlete a;
    gs_status rc = gs_store_athlete_get(pg->st, pg->account, id, &a, &e);
    if (rc != GS_OK)
        return gs_page_store_fail(pg, rc, "athlete");
    char today[11];
    gs_page_day((int64_t)time(NULL), today);
    gs_html_buf b = {0};
    gs_page_head(pg, &b, "Upload");
    gs_html_printf(&b, "<p><a href=\"/athletes/%s\">&larr; ", a.id);
    gs_html_esc(&b, a.name);
    gs_html_puts(&b, "</a></p><h1>Upload a video of ");
    gs_html_esc(&b, a.name);
    gs_html_printf(&b, "</h1><form class=\"card\" id=\"upload\" method=\"post\" "
                       "action=\"/athletes/%s/upload\" enctype=\"multipart/form-data\">",
                   a.id);
    gs_page_csrf_field(pg, &b);
    gs_html_puts(&b, "<label for=\"video\">Video (a phone clip of at least a few strides)</label>"
                     "<input type=\"file\" id=\"video\" name=\"video\" accept=\"video/*\" "
                     "required>");
    gs_html_printf(&b, "<label for=\"date\">Date</label><input type=\"date\" id=\"date\" "
                       "name=\"date\" value=\"%s\">", today);
    gs_html_puts(&b, "<label for=\"view\">Camera view</label><select id=\"view\" name=\"view\">"
                     "<option value=\"auto\">detect</option><option value=\"side-left\">side, "
                     "runner facing left</option><option value=\"side-right\">side, runner "
                     "facing right</option><option value=\"rear\">from behind</option>"
                     "<option value=\"front\">from the front</option></select>");
    gs_html_puts(&b, "<label for=\"height\">Height in metres</label><input type=\"number\" "
                     "id=\"height\" name=\"height\" step=\"0.01\" min=\"0.5\" max=\"2.5\" value=\"");
    if (isfinite(a.height_m))
        gs_html_printf(&b, "%.2f", a.height_m);
    gs_html_puts(&b, "\"><label for=\"belt_speed\">Treadmill belt speed, m/s (optional)</label>"
                     "<input type=\"number\" id=\"belt_speed\" name=\"belt_speed\" step=\"0.01\" "
                     "min=\"0\" max=\"12\">"
                     "<label for=\"start\">Analyse from second (optional)</label><input "
                     "type=\"number\" id=\"start\" name=\"start\" step=\"0.1\" min=\"0\">"
                     "<label for=\"end\">to second (optional)</label><input type=\"number\" "
                     "id=\"end\" name=\"end\" step=\"0.1\" min=\"0\">"
                     "<label for=\"slowmo\">Slow motion factor (e.g. 4 for a 120 fps clip "
                     "played at 30; optional)</label><input type=\"number\" id=\"slowmo\" "
                     "name=\"slowmo\" step=\"any\" min=\"1\">"
                     "<label><input type=\"checkbox\" name=\"blur_faces\" value=\"1\"> Blur "
                     "faces in the overlay and key frames</label>"
                     "<label for=\"history\">Intake history (optional, e.g. "
                     "<code>scar:abdomen,injury:left_ankle</code>)</label><input type=\"text\" "
                     "id=\"history\" name=\"history\" maxlength=\"2000\">");
    gs_page_history_help(&b, "history-help");
    gs_html_puts(&b, "<label for=\"notes\">Notes (for your account's users only; never on a "
                     "share link)</label><textarea "
                     "id=\"notes\" name=\"notes\" rows=\"3\" maxlength=\"8000\"></textarea>"
                     "<button type=\"submit\">Upload and analyse</button>"
                     "<progress id=\"bar\" max=\"1\" value=\"0\" hidden></progress>"
                     "<p id=\"msg\" role=\"status\"></p></form>");
    gs_html_printf(&b, "<script nonce=\"%s\">%s</script>", pg->nonce, upload_js);
    return gs_page_send(pg, &b, 200);
}

/* GET /uploads/SHA256: the account's sessions of a file with that SHA-256 (the upload form asks
 * before sending a video, so that an earlier upload is offered instead of analysed again). */
static int upload_lookup(gs_page *pg, const char *sha)
{
    gs_error e = {0};
    gs_store_blob blob;
    if (strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64)
        return gs_page_fail(pg, 404, "No such upload.");
    cJSON *o = cJSON_CreateObject();
    cJSON *arr = o ? cJSON_AddArrayToObject(o, "sessions") : NULL;
    if (gs_store_blob_find(pg->st, pg->account, sha, &blob, &e) == GS_OK && arr) {
        gs_store_athlete *al = NULL;
        size_t na = 0;
        if (gs_store_athlete_list(pg->st, pg->account, &al, &na, &e) == GS_OK)
            for (size_t i = 0; i < na; i++) {
                gs_store_session *sl = NULL;
                size_t ns = 0;
                if (gs_store_session_list(pg->st, pg->account, al[i].id, &sl, &ns, &e) != GS_OK)
                    continue;
                for (size_t k = 0; k < ns; k++) {
                    if (strcmp(sl[k].blob, blob.id) != 0)
                        continue;
                    char day[11];
                    cJSON *x = cJSON_CreateObject();
                    if (!x)
                        break;
                    if (sl[k].date[0])
                        snprintf(day, sizeof(day), "%s", sl[k].date);
                    else
                        gs_page_day(sl[k].created, day);
                    cJSON_AddStringToObject(x, "session", sl[k].id);
                    cJSON_AddStringToObject(x, "date", day);
                    cJSON_AddStringToObject(x, "athlete", al[i].name);
                    cJSON_AddItemToArray(arr, x);
                }
                free(sl);
            }
        free(al);
    }
    char *text = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    return gs_page_json(pg, text);
}

int gs_pages_athletes(gs_page *pg, char **seg, int nseg)
{
    if (nseg == 2 && !strcmp(seg[0], "uploads") && !pg->post)
        return upload_lookup(pg, seg[1]);
    if (strcmp(seg[0], "athletes") != 0)
        return -1;
    if (nseg == 1)
        return pg->post ? athlete_add(pg) : athletes_list(pg, 200, NULL);
    if (!gs_serve__id_valid(seg[1], strlen(seg[1])))
        return gs_page_fail(pg, 404, "No such athlete.");
    if (nseg == 2 && !pg->post)
        return athlete_page(pg, seg[1]);
    if (nseg == 3 && !strcmp(seg[2], "upload") && !pg->post)
        return upload_form(pg, seg[1]);
    if (nseg == 3 && !strcmp(seg[2], "delete") && pg->post)
        return athlete_delete(pg, seg[1]);
    return gs_page_fail(pg, 404, "No such page.");
}
