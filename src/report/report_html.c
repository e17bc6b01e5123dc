/*
 * report.html: the one self-contained page a coach or a therapist reads (issue 8, item 4).
 *
 * Everything is inline (CSS and SVG); the page needs no script and no network. The only links
 * are the relative ones the caller gives (overlay clip, key frames, contact sheet). Every string
 * taken from analysis.json is HTML-escaped, so a clip named "<script>" stays text.
 *
 * Reference ranges come from ../shared/REFERENCES.md (section 5); each carries its source, cited
 * next to the number and listed under "Sources" at the end. Traffic lights: green = inside the
 * published mean +- 1 SD (or the published "good" range), amber = within 2 SD (or the published
 * outer range), red = beyond. A metric without a published range gets the reference text (or
 * nothing) but no light. Ranges are for running: a walking clip gets no lights.
 */
#include "report_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------------------------------------
 * Sections
 * ------------------------------------------------------------------------------------------- */

static const char css[] =
    ":root{--l:#d55e00;--r:#0072b2;--ink:#1b1f24;--mute:#5b6470;--line:#d9dee4;--bg:#f6f7f9;"
    "--card:#fff;--g:#1a9850;--a:#e6a100;--x:#d73027}"
    "*{box-sizing:border-box}"
    "html{-webkit-text-size-adjust:100%}"
    "body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"
    "'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}"
    "main{max-width:1120px;margin:0 auto;padding:16px}"
    "header.top{background:#23303f;color:#fff;padding:18px 16px}"
    "header.top .in{max-width:1120px;margin:0 auto}"
    "header.top h1{margin:0 0 4px;font-size:1.5rem;line-height:1.25;word-break:break-word}"
    "header.top p{margin:0;color:#c9d3de;font-size:.9rem}"
    "section{background:var(--card);border:1px solid var(--line);border-radius:10px;"
    "padding:14px 16px;margin:14px 0}"
    "h2{font-size:1.2rem;margin:0 0 10px}"
    "h3{font-size:1.05rem;margin:0}"
    ".sub{color:var(--mute);font-size:.88rem}"
    ".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:10px;"
    "margin:0}"
    ".cards div{background:var(--bg);border-radius:8px;padding:8px 10px}"
    ".cards dt{font-size:.78rem;text-transform:uppercase;letter-spacing:.04em;color:var(--mute)}"
    ".cards dd{margin:2px 0 0;font-weight:600}"
    ".cards dd small{font-weight:400;color:var(--mute)}"
    ".units{margin:10px 0 0;font-size:.88rem;color:var(--mute)}"
    ".alert{border-radius:10px;padding:12px 16px;margin:14px 0;border:1px solid}"
    ".alert.err{background:#fdecea;border-color:#e8a39b;color:#6b1a12}"
    ".alert.err strong{font-size:1.1rem;display:block;margin-bottom:2px}"
    ".alert.warn{background:#fff7e0;border-color:#ecd08a;color:#4d3a00}"
    ".alert ul{margin:4px 0 0;padding-left:20px}"
    ".tw{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:0 -4px;padding:0 4px}"
    "table{border-collapse:collapse;width:100%;font-size:.9rem}"
    "th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:right;"
    "white-space:nowrap;vertical-align:top}"
    "th:first-child,td:first-child{text-align:left;white-space:normal;min-width:150px;"
    "position:sticky;left:0;background:var(--card)}"
    "thead th{font-size:.78rem;text-transform:uppercase;letter-spacing:.03em;color:var(--mute);"
    "border-bottom:2px solid var(--line)}"
    "tr.grp td{background:var(--bg);font-weight:600;text-align:left;color:#35404c}"
    "td.ref{text-align:left;color:var(--mute);font-size:.84rem}"
    "td small,.n{color:var(--mute);font-size:.8em}"
    "small.sign{font-weight:400}"
    ".mu{color:var(--mute);font-weight:400;font-size:.85em}"
    ".tl{display:inline-block;width:.8em;height:.8em;margin-right:6px;vertical-align:-.05em}"
    ".tl.lg{background:var(--g);border-radius:50%}"
    ".tl.la{background:var(--a);transform:rotate(45deg) scale(.85)}"
    ".tl.lr{background:var(--x);border-radius:2px}"
    ".flag{color:#a35a00;font-weight:600}"
    "a.fl{font-size:.75rem;white-space:nowrap;text-decoration:none;color:#9a3b12;"
    "background:#fbe5d8;border-radius:99px;padding:0 6px;margin-left:2px}"
    ".legend{font-size:.84rem;color:var(--mute);margin:8px 0 0}"
    ".legend>span{margin-right:14px;display:inline-block}"
    ".sw{display:inline-block;width:14px;height:4px;border-radius:2px;vertical-align:middle;"
    "margin-right:5px}"
    ".sw.l{background:var(--l)}.sw.r{background:var(--r)}"
    ".sw.n{background:#8fbf8f;height:10px;opacity:.6}"
    ".plots{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(400px,100%),1fr));"
    "gap:18px 22px}"
    "figure{margin:0}"
    ".plot h3{font-size:.98rem}"
    ".plot svg{width:100%;height:auto;display:block}"
    ".plot figcaption{font-size:.8rem;color:var(--mute)}"
    ".frames{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}"
    ".frames.by3{grid-template-columns:repeat(3,minmax(0,1fr))}"
    ".frames img,.sheet img{width:100%;height:auto;display:block;border-radius:6px;"
    "background:#e4e7eb}"
    ".frames figcaption{font-size:.82rem;color:var(--mute);margin-top:3px}"
    ".sheet{margin-top:12px}.sheet img{width:auto;max-width:100%;max-height:min(80vh,900px);"
    "margin:0 auto}"
    "video{width:100%;max-height:min(75vh,720px);background:#000;border-radius:8px}"
    ".finding{border-top:1px solid var(--line);padding:14px 0 4px}"
    ".finding:first-of-type{border-top:0;padding-top:2px}"
    ".fh{display:flex;flex-wrap:wrap;align-items:baseline;gap:6px 10px}"
    ".badge{font-size:.75rem;font-weight:600;padding:1px 8px;border-radius:99px;"
    "background:#e8ebef;color:#35404c}"
    ".badge.left{background:#fbe5d8;color:#7a3000}.badge.right{background:#dcebf7;color:#00466e}"
    ".meters{display:flex;flex-wrap:wrap;gap:4px 18px;margin:8px 0;font-size:.85rem}"
    ".meter{display:flex;align-items:center;gap:6px}"
    ".bar{display:inline-block;width:110px;height:8px;background:#e8ebef;border-radius:4px;"
    "overflow:hidden}"
    ".bar i{display:block;height:100%;background:#6b7c8f}"
    ".bar.sev i{background:#c2552d}"
    ".hyp{background:#f3f5f8;border-left:4px solid #6b7c8f;padding:8px 12px;margin:8px 0;"
    "border-radius:0 6px 6px 0}"
    ".finding h4{font-size:.82rem;text-transform:uppercase;letter-spacing:.04em;color:var(--mute);"
    "margin:12px 0 4px}"
    ".finding ul,.finding ol{margin:0;padding-left:22px}"
    ".finding li{margin:3px 0}"
    ".src{display:block;color:var(--mute);font-size:.8rem}"
    ".note{font-size:.85rem;color:var(--mute)}"
    ".note.far{color:#4d3a00;background:#fff7e0;border-left:4px solid #ecd08a;padding:6px 10px;"
    "border-radius:0 6px 6px 0}"
    "details{margin-top:8px}summary{cursor:pointer;color:#35404c}"
    "ol.refs{font-size:.84rem;padding-left:24px;margin:0}ol.refs li{margin:4px 0}"
    "a{color:#005a8c}a.fn{text-decoration:none;font-size:.78em;vertical-align:super;"
    "margin-left:2px}"
    "nav.toc{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:.88rem;margin:10px 0 0}"
    "nav.toc a{color:#c9e2f5;text-decoration:none}"
    ".top-f{margin:10px 0 0;padding-left:20px}.top-f li{margin:2px 0}"
    "footer{color:var(--mute);font-size:.8rem;text-align:center;padding:8px 16px 24px}"
    "@media (max-width:600px){body{font-size:14px}main{padding:8px}section{padding:12px;"
    "border-radius:8px}header.top h1{font-size:1.25rem}.cards{grid-template-columns:1fr 1fr}"
    ".frames{grid-template-columns:1fr 1fr}.bar{width:80px}"
    /* key frames three to a row (contact, midstance, toe-off per side) keep their columns on a
     * phone: the rows scroll sideways together, a frame 72 % of the screen wide (three in
     * 390 px were 110 px tiles whose angles could not be read) */
    ".frames.by3{grid-template-columns:repeat(3,72vw);overflow-x:auto;"
    "scroll-snap-type:x mandatory}.frames.by3 figure{scroll-snap-align:start}"
    "table{font-size:.84rem}th,td{padding:5px 5px}th:first-child,td:first-child{min-width:96px;"
    "max-width:130px}td small{display:block}"
    /* the metrics table as one card per metric: name, then left | right, L-R | SI, reference */
    "table.mt thead{display:none}"
    "table.mt tr{display:grid;grid-template-columns:1fr 1fr;column-gap:12px;"
    "border-bottom:1px solid var(--line);padding:6px 0}"
    "table.mt td{border:0;padding:1px 0;text-align:left;white-space:normal}"
    "table.mt td:first-child{grid-column:1/-1;position:static;max-width:none;min-width:0;"
    "font-weight:600;background:none}"
    "table.mt td[data-l]::before{content:attr(data-l);display:block;font-size:.7rem;"
    "font-weight:400;text-transform:uppercase;letter-spacing:.03em;color:var(--mute)}"
    "table.mt td.ref{grid-column:1/-1}table.mt td.ref:empty{display:none}"
    "table.mt td small{display:inline}"
    "table.mt tr.grp{display:block;padding:0;border:0}table.mt tr.grp td{padding:6px 4px}"
    ".plot svg{font-size:14px}}"
    "@media print{header.top{background:none;color:#000}header.top p{color:#333}"
    "section{break-inside:avoid}}";

static int count_used_strides(const cJSON *a, const char *side, int *dropped)
{
    const cJSON *s, *st = jget(a, "strides");
    int n = 0;
    if (dropped)
        *dropped = 0;
    cJSON_ArrayForEach(s, st)
    {
        const char *sd = jstr(s, "side");
        if (!sd || strcmp(sd, side))
            continue;
        if (cJSON_IsTrue(jget(s, "used")))
            n++;
        else if (dropped)
            (*dropped)++;
    }
    return n;
}

/* 1 when the analysis got as far as the gait stage (else only the error and media are shown). */
static int has_measurements(const cJSON *a)
{
    return a && (jget(a, "view") || jget(a, "metrics"));
}

static void write_head(page *pg)
{
    /* the caller's title, else the clip (or pose file) named in the analysis */
    const cJSON *src = jget(pg->a, "source");
    const char *title = pg->opt->title;
    if (!title)
        title = jstr(src, "video");
    if (!title)
        title = jstr(src, "pose");
    if (!title)
        title = "gait analysis";
    gs_html_puts(&pg->b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<meta name=\"color-scheme\" content=\"light\">\n<title>Gait report: ");
    gs_html_esc(&pg->b, title);
    gs_html_puts(&pg->b, "</title>\n<style>");
    gs_html_puts(&pg->b, css);
    gs_html_puts(&pg->b, "</style>\n</head>\n<body>\n<header class=\"top\"><div class=\"in\">\n<h1>");
    gs_html_esc(&pg->b, title);
    gs_html_puts(&pg->b, "</h1>\n<p>Gait analysis report");
    {
        char when[64] = "";
        time_t now = time(NULL);
        struct tm tmv;
        if (gmtime_r(&now, &tmv) && strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tmv))
            gs_html_printf(&pg->b, " &middot; %s", when);
    }
    if (pg->opt->generated_by) {
        gs_html_puts(&pg->b, " &middot; ");
        gs_html_esc(&pg->b, pg->opt->generated_by);
    }
    gs_html_puts(&pg->b, "</p>\n<nav class=\"toc\" aria-label=\"sections\">");
    if (has_measurements(pg->a)) {
        gs_html_puts(&pg->b, "<a href=\"#summary\">Summary</a><a href=\"#metrics\">Metrics</a>");
        if (cJSON_GetArraySize(jget(pg->a, "curves")) > 0)
            gs_html_puts(&pg->b, "<a href=\"#curves\">Curves</a>");
    }
    if (pg->opt->overlay_href)
        gs_html_puts(&pg->b, "<a href=\"#overlay\">Clip</a>");
    if (pg->opt->n_keyframes > 0 || pg->opt->contact_sheet_href)
        gs_html_puts(&pg->b, "<a href=\"#keyframes\">Key frames</a>");
    if (pg->a)
        gs_html_puts(&pg->b, "<a href=\"#findings\">Findings</a><a href=\"#methods\">Methods &amp; "
                       "sources</a>");
    gs_html_puts(&pg->b, "</nav>\n</div></header>\n<main>\n");
}

/* The analysis error: analysis.json's "error" is a string (docs/schemas/analysis.schema.json). */
const char *gs_report__error_message(const cJSON *a, const char **code)
{
    const cJSON *e = jget(a, "error");
    *code = NULL;
    return cJSON_IsString(e) ? e->valuestring : NULL;
}

static void warn_item(buf *b, const cJSON *w)
{
    const char *t = cJSON_IsString(w) ? w->valuestring : NULL; /* warnings are strings */
    if (!t)
        return;
    gs_html_puts(b, "<li>");
    gs_html_esc(b, t);
    gs_html_puts(b, "</li>\n");
}

/*
 * Event timing: video events are good to about +-1-2 frames (REFERENCES.md 3b: Stenum 2021,
 * Young 2023), so below ~50 frames/s the error is a tenth of a running contact time or more and
 * is worth a warning; above, it is a methods note.
 */
#define LOW_FPS 50.0

static int timing_is_low(const cJSON *a)
{
    double dur = jnum(jget(a, "source"), "duration_s");
    double frames = jnum(jget(a, "source"), "frames");
    return isfinite(dur) && dur > 0 && isfinite(frames) && frames > 1 &&
           (frames - 1) / dur < LOW_FPS;
}

/* The median of the events' stated uncertainties (events[].unc_frames: one SD, measured against
 * eye labels; docs/metrics.md 3a "Per-event uncertainty") of type ty ("IC", "TO"); NAN when none
 * states one (an analysis.json from before session 6). */
static double median_unc(const cJSON *a, const char *ty)
{
    const cJSON *e;
    int n = 0, cap = cJSON_GetArraySize(jget(a, "events"));
    double *v = cap > 0 ? malloc(sizeof(double) * (size_t)cap) : NULL, m = NAN;
    if (!v)
        return NAN;
    cJSON_ArrayForEach(e, jget(a, "events"))
    {
        const char *t = cJSON_GetStringValue(jget(e, "type"));
        const double u = jnum(e, "unc_frames");
        if (t && !strcmp(t, ty) && isfinite(u) && u > 0 && n < cap)
            v[n++] = u;
    }
    if (n > 0)
        m = gs_median(v, n);
    free(v);
    return m;
}

static void timing_note(buf *b, const cJSON *a)
{
    double dur = jnum(jget(a, "source"), "duration_s");
    double frames = jnum(jget(a, "source"), "frames");
    double ef = jnum(jget(a, "methods"), "expected_error_frames"), fps;
    char t1[32], t2[32], t3[32];
    if (!(isfinite(dur) && dur > 0 && isfinite(frames) && frames > 1))
        return;
    fps = (frames - 1) / dur;
    /* the errors this clip's events state (issue 13: the picture's contacts 0.4 frame, the
     * landmarks' toe-offs about 0.6-1 frame with the tracker's noise), rather than a figure from
     * the literature for all */
    const double uc = median_unc(a, "IC"), ut = median_unc(a, "TO");
    if (isfinite(uc) && isfinite(ut)) {
        char t4[32];
        gs_html_printf(b,
                       "<li>At %s frames/s, a contact is known to about &plusmn;%s ms and a "
                       "toe-off to about &plusmn;%s ms (one standard deviation, as measured "
                       "against frame-by-frame eye labels; each event's own in events.csv); "
                       "contact and flight times carry both.</li>\n",
                       gs_html_num(t1, sizeof(t1), fps, 0),
                       gs_html_num(t2, sizeof(t2), 1000.0 * uc / fps, 0),
                       gs_html_num(t4, sizeof(t4), 1000.0 * ut / fps, 0));
        return;
    }
    if (!isfinite(ef))
        ef = 1.5;
    gs_html_printf(b,
             "<li>At %s frames/s, contact and toe-off times are known to about &plusmn;%s ms "
             "(&plusmn;%s frames); contact and flight times carry that error.</li>\n",
             gs_html_num(t1, sizeof(t1), fps, 0), gs_html_num(t2, sizeof(t2), 1000.0 * ef / fps, 0),
             gs_html_num(t3, sizeof(t3), ef, 1));
}

/*
 * The quality notes in a coach's order: what limits the numbers first (the view, the frame rate,
 * too few strides, then the pipeline's and the gait stage's notes: feet out of the picture, a
 * lost foot, a following camera, a damaged file...), how lengths and toe-offs were measured
 * next, and notes about an exported file's format last. Warnings and notes are plain strings
 * (docs/schemas/analysis.schema.json), so the later two kinds are known by how their producers
 * start them; anything else limits the numbers.
 */
enum { NOTE_VIEW, NOTE_RATE, NOTE_STRIDES, NOTE_LIMIT, NOTE_METHOD, NOTE_FILE, NOTE_RANKS };

static int note_rank(const cJSON *w)
{
    static const struct {
        const char *start;
        int rank;
    } later[] = {
        {"no body height or other scale given", NOTE_METHOD}, /* gait_output.c: the units */
        {"toe-offs timed from the image", NOTE_METHOD},       /* analyze.c */
        {"--toe-off image: not used", NOTE_METHOD},           /* analyze.c */
        {"pose.trc", NOTE_FILE},                              /* analyze.c: the OpenSim export */
    };
    const char *t = cJSON_IsString(w) ? w->valuestring : "";
    for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++)
        if (!strncmp(t, later[i].start, strlen(later[i].start)))
            return later[i].rank;
    return NOTE_LIMIT;
}

/* The note that the view was hard to tell, naming the view taken: the notes stand above the
 * summary (it said "check the view line above", a line the command line prints and the page
 * does not have). */
static void view_note(buf *b, const cJSON *a, double conf)
{
    char t1[32];
    const char *k = jstr(jget(a, "view"), "kind");
    const char *taken = !k                         ? "not decided"
                        : !strcmp(k, "side-left")  ? "a side view, left side to camera"
                        : !strcmp(k, "side-right") ? "a side view, right side to camera"
                        : !strcmp(k, "rear")       ? "seen from behind"
                        : !strcmp(k, "front")      ? "seen from the front"
                                                   : k;
    if (k && gs_gait_analysis_far_leg(a) == GS_GAIT_FAR_EACH) /* as the Summary's card */
        taken = "a side view, passed both ways (each side to camera in turn)";
    gs_html_printf(b,
                   "<li>The camera view was hard to tell (confidence %s %%); it was taken as ",
                   gs_html_num(t1, sizeof(t1), 100 * conf, 0));
    gs_html_esc(b, taken);
    gs_html_puts(b, " (Summary, below). If that is wrong, analyse the clip again with the view "
                    "given (<code>--view</code>).</li>\n");
}

/* The quality block's own fields (not its warnings) as "name: value" items. */
static void quality_fields(buf *b, const cJSON *q)
{
    const cJSON *w;
    cJSON_ArrayForEach(w, q)
    {
        if (!w->string || !strcmp(w->string, "warnings"))
            continue;
        if (cJSON_IsString(w) || cJSON_IsNumber(w) || cJSON_IsBool(w)) {
            gs_html_puts(b, "<li>");
            gs_html_esc(b, w->string);
            gs_html_puts(b, ": ");
            if (cJSON_IsString(w))
                gs_html_esc(b, w->valuestring);
            else if (cJSON_IsBool(w))
                gs_html_puts(b, cJSON_IsTrue(w) ? "yes" : "no");
            else
                gs_html_printf(b, "%.4g", w->valuedouble);
            gs_html_puts(b, "</li>\n");
        }
    }
}

/* The string notes of one rank (NOTE_LIMIT and later): the pipeline's warnings, the quality
 * block's (and at NOTE_LIMIT its fields), then the gait stage's notes. */
static void string_notes(buf *b, const cJSON *a, int rank)
{
    const cJSON *w, *q = jget(a, "quality");
    cJSON_ArrayForEach(w, jget(a, "warnings"))
    {
        if (note_rank(w) == rank)
            warn_item(b, w);
    }
    cJSON_ArrayForEach(w, jget(q, "warnings"))
    {
        if (note_rank(w) == rank)
            warn_item(b, w);
    }
    if (rank == NOTE_LIMIT && cJSON_IsObject(q))
        quality_fields(b, q);
    cJSON_ArrayForEach(w, jget(a, "notes"))
    {
        if (note_rank(w) == rank)
            warn_item(b, w);
    }
}

static void write_alerts(page *pg)
{
    buf *b = &pg->b;
    const cJSON *a = pg->a;
    const char *code, *msg = gs_report__error_message(a, &code);
    int nl = count_used_strides(a, "left", NULL), nr = count_used_strides(a, "right", NULL);
    size_t mark;

    if (!a) {
        gs_html_puts(b, "<div class=\"alert err\" role=\"alert\"><strong>No analysis</strong>The "
                  "pipeline produced no analysis data for this clip.</div>\n");
        return;
    }
    if (msg) {
        gs_html_puts(b, "<div class=\"alert err\" role=\"alert\"><strong>The analysis could not be "
                  "completed</strong>");
        gs_html_esc(b, msg);
        if (code && strcmp(code, msg)) {
            gs_html_puts(b, " <span class=\"mu\">(");
            gs_html_esc(b, code);
            gs_html_puts(b, ")</span>");
        }
        if (has_measurements(a))
            gs_html_printf(b,
                     "<br>Strides usable: %d left, %d right. Whatever could be measured is shown "
                     "below; treat it as incomplete.</div>\n",
                     nl, nr);
        else
            gs_html_puts(b, "<br>Nothing could be measured from this clip.</div>\n");
    }

    /* Warnings: the pipeline's, the quality block's, the gait notes, and our own checks, in
     * the order a coach needs them (note_rank): the view, the frame rate, too few strides, then
     * the string notes rank by rank */
    mark = b->n;
    gs_html_puts(b, "<div class=\"alert warn\"><strong>Quality notes</strong><ul>\n");
    size_t body = b->n;
    double conf = jnum(jget(a, "view"), "confidence");
    if (isfinite(conf) && conf < 0.7)
        view_note(b, a, conf);
    if (timing_is_low(a))
        timing_note(b, a);
    if (!msg && (nl < STABLE_MEAN_STRIDES || nr < STABLE_MEAN_STRIDES) && nl + nr > 0) {
        gs_html_printf(b,
                       "<li>Only %d left and %d right strides were usable; means from fewer "
                       "than %d strides per side are less stable",
                       nl, nr, STABLE_MEAN_STRIDES);
        gs_report__cite(pg, SRC_DINGENEN);
        gs_html_puts(b, ". A longer clip helps.</li>\n");
    }
    for (int rank = NOTE_LIMIT; rank < NOTE_RANKS; rank++)
        string_notes(b, a, rank);
    if (b->n == body) {
        b->n = mark; /* nothing to say: drop the box */
        if (b->p)
            b->p[b->n] = '\0';
    } else {
        gs_html_puts(b, "</ul></div>\n");
    }
}

static const char *activity_text(const char *s)
{
    if (!s)
        return "unknown";
    if (!strcmp(s, "run"))
        return "running";
    if (!strcmp(s, "walk"))
        return "walking";
    return NULL;
}

static void write_summary(page *pg)
{
    buf *b = &pg->b;
    const cJSON *a = pg->a, *view = jget(a, "view"), *scale = jget(a, "scale");
    const cJSON *cad = jget(jget(jget(a, "metrics"), "cadence_spm"), "all");
    const char *kind = jstr(view, "kind");
    const char *act = jstr(a, "activity"), *setting = jstr(a, "setting");
    const char *lu = jstr(scale, "length_unit"), *code;
    double conf = jnum(view, "confidence"), h = jnum(scale, "height_m");
    double dur = jnum(jget(a, "source"), "duration_s");
    int dl, dr, nl = count_used_strides(a, "left", &dl), nr = count_used_strides(a, "right", &dr);
    char t1[32], t2[32];

    gs_html_puts(b, "<section id=\"summary\"><h2>Summary</h2>\n<dl class=\"cards\">\n");
    gs_html_puts(b, "<div><dt>View</dt><dd>");
    /* side views are named by the body side facing the camera (gait.h); a person who turned
     * round showed each side in turn, and the card said 'left side to camera' above the
     * metrics' 'each leg is the far leg for part of the clip' (walk_side_circumduction_01) */
    if (pg->far == GS_GAIT_FAR_EACH)
        gs_html_puts(b, "side <small>(passes both ways: each side to camera in turn)</small>");
    else if (kind && !strcmp(kind, "side-left"))
        gs_html_puts(b, "side <small>(left side to camera)</small>");
    else if (kind && !strcmp(kind, "side-right"))
        gs_html_puts(b, "side <small>(right side to camera)</small>");
    else if (kind && !strcmp(kind, "rear"))
        gs_html_puts(b, "from behind");
    else if (kind && !strcmp(kind, "front"))
        gs_html_puts(b, "from the front");
    else
        gs_html_esc(b, kind ? kind : "unknown");
    if (isfinite(conf))
        gs_html_printf(b, "<br><small>confidence %s %%</small>", gs_html_num(t1, sizeof(t1), 100 * conf, 0));
    gs_html_puts(b, "</dd></div>\n<div><dt>Activity</dt><dd>");
    if (activity_text(act))
        gs_html_puts(b, activity_text(act));
    else
        gs_html_esc(b, act);
    gs_html_puts(b, "</dd></div>\n<div><dt>Setting</dt><dd>");
    gs_html_esc(b, setting ? setting : "unknown");
    gs_html_puts(b, "</dd></div>\n");
    gs_html_printf(b, "<div><dt>Strides used</dt><dd>left %d &middot; right %d", nl, nr);
    if (dl + dr > 0)
        gs_html_printf(b, "<br><small>%d dropped (see below)</small>", dl + dr);
    gs_html_puts(b, "</dd></div>\n");
    if (cad) {
        /* mean, SD, then the unit: it read '171.1 steps/min +- 10.6' (run_rear_treadmill_01) */
        gs_html_printf(b, "<div><dt>Cadence</dt><dd>%s <small>",
                       gs_html_num(t1, sizeof(t1), jnum(cad, "mean"), 1));
        if (isfinite(jnum(cad, "sd")))
            gs_html_printf(b, "&plusmn; %s ", gs_html_num(t2, sizeof(t2), jnum(cad, "sd"), 1));
        gs_html_puts(b, "steps/min</small></dd></div>\n");
    }
    {
        /* foot strike class per side, from the strike angles (Altman & Davis 2012) */
        const cJSON *fsk = jget(a, "foot_strike");
        int shown = 0;
        for (int s = 0; s < 2 && cJSON_IsObject(fsk); s++) {
            const cJSON *so = jget(fsk, s ? "right" : "left");
            const char *cls = jstr(so, "class");
            double cnt = cls ? jnum(so, cls) : NAN;
            double tot = jnum(so, "rearfoot") + jnum(so, "midfoot") + jnum(so, "forefoot");
            if (!cls)
                continue;
            gs_html_puts(b, shown ? "<br>" : "<div><dt>Foot strike</dt><dd>");
            gs_html_printf(b, "%s ", s ? "right" : "left");
            gs_html_esc(b, cls);
            if (isfinite(cnt) && isfinite(tot) && tot > 0)
                gs_html_printf(b, " <small>(%.0f/%.0f)</small>", cnt, tot);
            shown = 1;
        }
        if (shown) {
            gs_report__cite(pg, SRC_ALTMAN);
            gs_html_puts(b, "</dd></div>\n");
        }
    }
    gs_html_puts(b, "<div><dt>Scale</dt><dd>");
    if (isfinite(h) && h > 0)
        gs_html_printf(b, "from height %s m <small>(&plusmn;%s %%)</small>", gs_html_num(t1, sizeof(t1), h, 2),
                 gs_html_num(t2, sizeof(t2), 100 * jnum(scale, "uncertainty"), 0));
    else if (lu && !strcmp(lu, "cm"))
        gs_html_puts(b, "metric");
    else
        gs_html_puts(b, "none <small>(lengths in leg lengths)</small>");
    gs_html_puts(b, "</dd></div>\n");
    if (isfinite(dur)) {
        /* real time; a slow-motion clip's video lasts longer (decode.decoded_s): the backlit
         * pan read with --slowmo 5 showed '3.5 s' for a clip that plays 17.4 s */
        double video_s = jnum(jget(jget(a, "source"), "decode"), "decoded_s");
        gs_html_printf(b, "<div><dt>Clip analysed</dt><dd>%s s <small>(%.0f frames",
                       gs_html_num(t1, sizeof(t1), dur, 1), jnum(jget(a, "source"), "frames"));
        if (isfinite(video_s) && video_s > 1.5 * dur)
            gs_html_printf(b, "; slow motion: %s s of video",
                           gs_html_num(t2, sizeof(t2), video_s, 1));
        gs_html_puts(b, ")</small></dd></div>\n");
    }
    gs_html_puts(b, "</dl>\n<p class=\"units\">Cadence = steps per minute, both feet (a stride is two "
              "steps). Angles in degrees; left and right are the person&rsquo;s own. ");
    if (lu && strcmp(lu, "cm"))
        gs_html_puts(b, "No body height was given, so lengths are in <b>leg lengths</b> "
                  "(hip&ndash;knee + knee&ndash;ankle); give <code>--height</code> for "
                  "centimetres. ");
    gs_html_puts(b, "SI = symmetry index, 100 &middot; (L &minus; R) / mean of L and R, positive when "
              "the left is larger.</p>\n");
    {
        const cJSON *fs = jget(a, "findings"), *f;
        int n = cJSON_IsArray(fs) ? cJSON_GetArraySize(fs) : -1, i = 0;
        if (n == 0 && !gs_report__error_message(a, &code))
            gs_html_puts(b, "<p><b>Findings:</b> none of the compensation rules fired.</p>\n");
        else if (n <= 0)
            gs_html_puts(b, "<p><b>Findings:</b> not evaluated, the analysis did not complete.</p>\n");
        if (n > 0) {
            gs_html_printf(b,
                     "<p style=\"margin:10px 0 0\"><b>Findings (%d)</b>, most severe &times; "
                     "most certain first; hypotheses to test, not a diagnosis:</p>"
                     "<ol class=\"top-f\">\n",
                     n);
            cJSON_ArrayForEach(f, fs)
            {
                const char *title = jstr(f, "title");
                if (i >= 3)
                    break;
                gs_html_printf(b, "<li><a href=\"#f-%d\">", i);
                gs_html_esc(b, title ? title : jstr(f, "id") ? jstr(f, "id") : "finding");
                gs_html_printf(b, "</a> <span class=\"mu\">severity %s, confidence %s</span></li>\n",
                         gs_html_num(t1, sizeof(t1), jnum(f, "severity"), 2),
                         gs_html_num(t2, sizeof(t2), jnum(f, "confidence"), 2));
                i++;
            }
            gs_html_puts(b, "</ol>\n");
            if (n > 3)
                gs_html_printf(b,
                         "<p class=\"sub\" style=\"margin:2px 0 0\"><a href=\"#findings\">"
                         "and %d more</a></p>\n",
                         n - 3);
        }
    }
    gs_html_puts(b, "</section>\n");
}

/* ---------------------------------------------------------------------------------------------
 * Media
 * ------------------------------------------------------------------------------------------- */

/* 1 for a rear or front view (frontal-plane angles on the overlay and key frames). */
static int frontal_view(const page *pg)
{
    const char *kind = jstr(jget(pg->a, "view"), "kind");
    return kind && (!strcmp(kind, "rear") || !strcmp(kind, "front"));
}

/*
 * What the overlay's and the key frames' labels mean (overlay.c draws them; gs_keyframe_caption
 * writes the key frames' captions). The clip showed 'FPPA', 'IC', 'TO' and a plot without a
 * legend, and the page explained none of it.
 */
static void label_legend(page *pg)
{
    buf *b = &pg->b;
    if (frontal_view(pg))
        gs_html_puts(b, "Numbers beside the joints are angles in degrees: <b>pelvis</b> = pelvic "
                        "obliquity (+ that side&rsquo;s hip higher), <b>hip add.</b> = hip "
                        "adduction (+ knee toward the midline), <b>FPPA</b> = the knee&rsquo;s "
                        "frontal-plane projection angle (+ knee toward the midline, valgus; a "
                        "rough 2D measure). ");
    else
        gs_html_puts(b, "Numbers beside the joints are angles in degrees: <b>knee</b> flexion (0 "
                        "= straight), <b>hip</b> flexion (+ thigh ahead of the trunk, &minus; "
                        "behind), <b>ankle</b> dorsiflexion (+ toes toward the shin), "
                        "<b>trunk</b> forward lean. ");
    gs_html_puts(b, "<b>IC</b> = initial contact (the foot lands), <b>TO</b> = toe-off (it "
                    "leaves the ground).");
}

/*
 * Which stride the key frames show (README, keyframes/): per side, one where the side's
 * highest-ranked finding (of that side, or both) holds, else the median stride. The page said
 * the first for every side, also of a side with no finding (walk_front_cane_01's left).
 */
static void keyframe_stride_note(page *pg)
{
    buf *b = &pg->b;
    const cJSON *f;
    int has[2] = {0, 0};
    cJSON_ArrayForEach(f, jget(pg->a, "findings"))
    {
        const char *side = jstr(f, "side");
        int both = side && !strcmp(side, "both");
        has[0] |= both || (side && !strcmp(side, "left"));
        has[1] |= both || (side && !strcmp(side, "right"));
    }
    if (!has[0] && !has[1]) {
        gs_html_puts(b, " Each side&rsquo;s frames are from its median stride (no finding "
                        "to show).");
        return;
    }
    gs_html_puts(b, " Each side&rsquo;s frames are from a stride where that side&rsquo;s "
                    "highest-ranked finding holds; the findings of that side that hold in it are "
                    "named in red.");
    if (!has[0] || !has[1])
        gs_html_printf(b, " The %s side has no finding: its frames are from its median stride.",
                       has[0] ? "right" : "left");
}

static void write_media(page *pg)
{
    buf *b = &pg->b;
    const gs_report_html_options *o = pg->opt;
    if (o->overlay_href) {
        gs_html_puts(b, "<section id=\"overlay\"><h2>Overlay clip</h2>\n<video controls "
                  "preload=\"metadata\" playsinline src=\"");
        gs_html_esc(b, o->overlay_href);
        gs_html_puts(b, "\">Your browser cannot play the clip here: <a href=\"");
        gs_html_esc(b, o->overlay_href);
        gs_html_puts(b, "\">open it</a>.</video>\n<p class=\"sub\">The person&rsquo;s left side "
                        "orange, right side blue, faded where the pose model is unsure. ");
        label_legend(pg);
        gs_html_printf(b,
                       " The small plot in a corner of the picture is the %s, left and right, "
                       "over 1.5 s either side of the frame shown (white line). A finding is "
                       "named in red at the top left, and the body parts it concerns drawn red, "
                       "while a stride of its side where it holds is in progress. <a href=\"",
                       frontal_view(pg) ? "pelvic obliquity" : "knee flexion");
        gs_html_esc(b, o->overlay_href);
        gs_html_puts(b, "\">Open the clip on its own</a>.</p>\n</section>\n");
    }
    if ((o->keyframe_hrefs && o->n_keyframes > 0) || o->contact_sheet_href) {
        gs_html_puts(b, "<section id=\"keyframes\"><h2>Key frames</h2>\n");
        if (o->keyframe_hrefs && o->n_keyframes > 0) {
            /* three to a row, one row per side, the phases in columns: six in one row left
             * the person a few pixels tall (a 1280x720 walk at 1280 px: 150 px wide tiles),
             * and portrait frames too (run_side_treadmill_01 at 1280 px: 167 px tiles, smaller
             * than a phone's, the angle labels unreadable) */
            gs_html_printf(b, "<div class=\"frames%s\">\n", o->n_keyframes % 3 ? "" : " by3");
            for (int i = 0; i < o->n_keyframes; i++) {
                const char *cap = o->keyframe_captions ? o->keyframe_captions[i] : NULL;
                if (!o->keyframe_hrefs[i])
                    continue;
                gs_html_puts(b, "<figure><a href=\"");
                gs_html_esc(b, o->keyframe_hrefs[i]);
                gs_html_puts(b, "\"><img loading=\"lazy\" src=\"");
                gs_html_esc(b, o->keyframe_hrefs[i]);
                gs_html_puts(b, "\" alt=\"");
                gs_html_esc(b, cap ? cap : "key frame");
                gs_html_puts(b, "\"></a>");
                if (cap) {
                    gs_html_puts(b, "<figcaption>");
                    gs_html_esc(b, cap);
                    gs_html_puts(b, "</figcaption>");
                }
                gs_html_puts(b, "</figure>\n");
            }
            gs_html_puts(b, "</div>\n<p class=\"sub\">");
            label_legend(pg);
            keyframe_stride_note(pg);
            gs_html_puts(b, "</p>\n");
        }
        if (o->contact_sheet_href) {
            gs_html_puts(b, "<figure class=\"sheet\"><a href=\"");
            gs_html_esc(b, o->contact_sheet_href);
            gs_html_puts(b, "\"><img loading=\"lazy\" src=\"");
            gs_html_esc(b, o->contact_sheet_href);
            gs_html_puts(b, "\" alt=\"contact sheet of the key frames with angles\"></a>"
                      "<figcaption class=\"sub\">Contact sheet: the key frames side by side, "
                      "annotated with the angles.</figcaption></figure>\n");
        }
        gs_html_puts(b, "</section>\n");
    }
}

/* ---------------------------------------------------------------------------------------------
 * Methods and sources
 * ------------------------------------------------------------------------------------------- */

static void write_methods(page *pg)
{
    buf *b = &pg->b;
    const cJSON *a = pg->a, *methods = jget(a, "methods"), *ground = jget(a, "ground");
    const char *ev = jstr(methods, "events"), *gs = jstr(ground, "source");
    double ga = jnum(ground, "angle_deg");
    char t1[32];

    gs_html_puts(b, "<section id=\"methods\"><h2>How this was measured</h2>\n<ul class=\"sub\">\n"
              "<li>Body landmarks from a single video with BlazePose; joint angles are 2D "
              "projections on the image plane (a side view for sagittal angles, a rear or front "
              "view for frontal ones). Single-camera angle errors of about 4&ndash;8&deg; are "
              "typical");
    gs_report__cite(pg, SRC_ACCURACY);
    gs_html_puts(b, ", so a change in the same person is more telling than one number against a "
              "norm.</li>\n");
    {
        const cJSON *src = jget(a, "source");
        const char *video = jstr(src, "video"), *model = jstr(src, "model");
        const char *rule = jstr(src, "person_rule");
        double fwp = jnum(src, "frames_with_person"), fr = jnum(src, "frames");
        if (video || model || rule || isfinite(fwp)) {
            gs_html_puts(b, "<li>Input: ");
            if (video) {
                gs_html_esc(b, video);
                gs_html_puts(b, "; ");
            }
            if (model) {
                gs_html_puts(b, "pose model BlazePose ");
                gs_html_esc(b, model);
                gs_html_puts(b, "; ");
            }
            if (rule) {
                /* the tracker's rule names (src/pose/track.c) in words: the page said 'person
                 * chosen by only-person' (run_side_treadmill_01) */
                static const struct {
                    const char *rule, *words;
                } rules[] = {
                    {"only-person", "the only person in the clip"},
                    {"longest-gait-track", "the one stepping longest of several people"},
                    {"largest-central", "the largest and most central of several people"},
                    {"user-point", "the point given (<code>--person</code>)"},
                };
                const char *words = NULL;
                for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
                    if (!strcmp(rule, rules[i].rule))
                        words = rules[i].words;
                gs_html_puts(b, "person tracked: ");
                if (words)
                    gs_html_puts(b, words);
                else
                    gs_html_esc(b, rule);
                gs_html_puts(b, "; ");
            }
            if (isfinite(fwp) && isfinite(fr))
                gs_html_printf(b, "person found in %.0f of %.0f frames", fwp, fr);
            gs_html_puts(b, ".</li>\n");
        }
    }
    if (ev) {
        gs_html_puts(b, "<li>Gait events: ");
        gs_html_esc(b, ev);
        gs_html_puts(b, ".</li>\n");
    }
    if (!timing_is_low(a))
        timing_note(b, a); /* else it is among the quality notes */
    if (gs) {
        gs_html_puts(b, "<li>Ground line: ");
        gs_html_esc(b, gs);
        if (isfinite(ga))
            gs_html_printf(b, " (%s&deg; in the image)", gs_html_num(t1, sizeof(t1), ga, 1));
        gs_html_puts(b, "; &ldquo;vertical&rdquo; is its normal.</li>\n");
    }
    gs_html_puts(b, "</ul>\n");
    if (pg->n_cited > 0) {
        gs_html_puts(b, "<h3 style=\"margin-top:12px\">Sources</h3>\n<ol class=\"refs\">\n");
        for (int k = 1; k <= pg->n_cited; k++)
            for (int s = 0; s < SRC_COUNT; s++)
                if (pg->src_num[s] == k)
                    gs_html_printf(b, "<li id=\"src-%d\">%s</li>\n", k, gs_report__sources[s].full);
        gs_html_puts(b, "</ol>\n");
    }
    gs_html_puts(b, "</section>\n");
}

gs_status gs_report_write_html(const char *path, const cJSON *analysis,
                               const gs_report_html_options *opt, gs_error *err)
{
    static const gs_report_html_options no_opt = {0};
    page pg;
    gs_status rc;
    const char *act = jstr(analysis, "activity");

    if (!path)
        return gs_fail(err, GS_ERR_ARG, "report.html: no output path");
    memset(&pg, 0, sizeof(pg));
    pg.a = cJSON_IsObject(analysis) ? analysis : NULL;
    pg.opt = opt ? opt : &no_opt;
    pg.run = act && !strcmp(act, "run");
    pg.far = gs_gait_analysis_far_leg(pg.a);

    write_head(&pg);
    write_alerts(&pg);
    if (has_measurements(pg.a)) {
        write_summary(&pg);
        gs_report__write_metrics(&pg);
        gs_report__write_curves(&pg);
    }
    write_media(&pg);
    if (pg.a) {
        gs_report__write_findings(&pg);
        write_methods(&pg);
    }
    gs_html_puts(&pg.b, "</main>\n<footer>");
    gs_html_esc(&pg.b, pg.opt->generated_by ? pg.opt->generated_by : "gaitscope");
    gs_html_puts(&pg.b, " &middot; findings are hypotheses to test, not a diagnosis &middot; this page "
                  "needs no network</footer>\n</body>\n</html>\n");
    if (pg.b.oom || !pg.b.p) {
        free(pg.b.p);
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory building the report", path);
    }
    rc = gs_file_write_all(path, pg.b.p, pg.b.n, err);
    free(pg.b.p);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * The stylesheet, shared with comparison.html and the service's pages (report.h)
 * ------------------------------------------------------------------------------------------- */

const char *gs_report_css(void)
{
    return css;
}
