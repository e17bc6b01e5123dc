/*
 * gs_analyze_run: the whole pipeline (DESIGN.md "Pipeline"), moved out of the command line so the
 * comparison and the service's workers run exactly what `gaitscope analyze` runs.
 *
 * Order of work and why:
 * 1. everything that can be checked cheaply is checked before the output folder is touched
 *    (options, intake history, rules file, the input's existence), so a typo costs nothing;
 * 2. the folder is opened under the output policy (common.h gs_outdir), then the stages run and
 *    each output is staged and committed as soon as it is complete;
 * 3. report.html, then analysis.json last: the folder is complete exactly when analysis.json says
 *    "status": "done". A failure after the track exists still writes what is meaningful
 *    (DESIGN.md "Bad input and errors") and an analysis.json that says "failed".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis.h"
#include "analysis_impl.h"
#include "calib.h"
#include "cv.h"
#include "nkt.h"
#include "nn.h"
#include "report.h"

/* Fractions of the whole run given to each stage, from the measured split on the 1080p sample
 * (docs/benchmarks.md "Whole pipeline": pose ~60 %, overlay pass ~35 %, the rest ~5 %). */
#define FRAC_POSE    0.60
#define FRAC_GAIT    0.62
#define FRAC_FILES   0.64
#define FRAC_OVERLAY 0.97

/* 1: the default (GS_CONTACT_AUTO) times side-view running contacts from the picture
 * (contact_image.c) since session 17 (treadmills; overground since session 20), when a second
 * labelling with the written definition (labels/b.md "Session 17") agreed with the first: against
 * both raters the picture's contacts beat the landmarks' on all three labelled clips
 * (docs/metrics.md 3a); 0: from the landmarks. */
#define CONTACT_AUTO_IMAGE 1

#define NKF 6 /* key frames: 3 phases x 2 sides (report.h gs_keyframes_choose) */

int gs_analyze_inference_threads(int cores)
{
    if (cores <= 0)
        cores = 1;
    return cores == 1 ? 1 : cores - 1;
}

void gs_analyze_process_init(void)
{
    gs_nn_process_init();
    gs_cv_set_threads(0);
    gs_png_process_init();
}

typedef struct run {
    const gs_analyze_options *o;
    gs_outdir *od;
    double frac;     /* last fraction reported */
    double base, span; /* the current stage's share of the run */
    int cancelled;
    char path[4200]; /* scratch for staged paths */
} run;

static int report_progress(run *r, const char *stage, double frac, const char *msg)
{
    if (frac < r->frac)
        frac = r->frac;
    r->frac = frac;
    if (r->o->progress && !r->cancelled && r->o->progress(r->o->progress_user, stage, frac, msg))
        r->cancelled = 1;
    return r->cancelled;
}

/* gs_progress_fn of the pose and overlay stages mapped onto the run's fraction. */
static int stage_progress(void *user, const char *stage, int64_t done, int64_t total)
{
    run *r = user;
    double f = total > 0 ? (double)done / (double)total : 0.0;
    return report_progress(r, stage, r->base + r->span * (f > 1 ? 1 : f), stage);
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Every needle in msg (at most n bytes with its NUL) becomes repl; the end is cut if the
 * result is longer. */
static void replace_all(char *msg, size_t n, const char *needle, const char *repl)
{
    char out[sizeof(((gs_error *)0)->msg)];
    size_t nl = strlen(needle), rl = strlen(repl), k = 0;
    const char *p = msg;
    if (!nl || !strstr(msg, needle))
        return;
    while (*p && k + 1 < sizeof(out)) {
        if (!strncmp(p, needle, nl)) {
            size_t c = rl < sizeof(out) - 1 - k ? rl : sizeof(out) - 1 - k;
            memcpy(out + k, repl, c);
            k += c;
            p += nl;
        } else {
            out[k++] = *p++;
        }
    }
    out[k] = '\0';
    snprintf(msg, n, "%s", out);
}

/* A message of the run names the clip as clip_name (gs_analyze_options.clip_name) instead of
 * its path (the decoder's messages) or its file name (the gait stage's) */
static void name_clip(char *msg, size_t n, const char *input, const char *clip_name)
{
    if (!clip_name)
        return;
    replace_all(msg, n, input, clip_name);
    replace_all(msg, n, base_name(input), clip_name);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

static void add_warning(cJSON *analysis, const char *text)
{
    cJSON *w = cJSON_GetObjectItemCaseSensitive(analysis, "warnings");
    if (!w)
        w = cJSON_AddArrayToObject(analysis, "warnings");
    if (w)
        cJSON_AddItemToArray(w, cJSON_CreateString(text));
}

/* Stages output name; returns its staging path in r->path, or NULL (err set). */
static const char *stage(run *r, const char *name, gs_error *err)
{
    return gs_outdir_stage(r->od, name, r->path, sizeof(r->path), err) == GS_OK ? r->path : NULL;
}

static gs_status write_json_output(run *r, const char *name, const cJSON *o, gs_error *err)
{
    const char *p = stage(r, name, err);
    char *s;
    gs_status rc;
    if (!p)
        return err ? err->code : GS_ERR_IO;
    s = cJSON_Print(o);
    if (!s)
        return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", name);
    rc = gs_file_write_all(p, s, strlen(s), err);
    cJSON_free(s);
    return rc == GS_OK ? gs_outdir_commit(r->od, name, err) : rc;
}

/* report.html with relative links to what exists in the folder (so it can be moved). */
static gs_status write_report(run *r, const char *title, const cJSON *analysis,
                              const gs_keyframe *kf, int nkf, int with_overlay, gs_error *err)
{
    const char *hrefs[NKF], *caps[NKF];
    char capbuf[NKF][96];
    gs_report_html_options ro = {0};
    ro.title = title;
    ro.generated_by = r->o->generated_by;
    ro.overlay_href = with_overlay ? "overlay.mp4" : NULL;
    for (int i = 0; i < nkf && i < NKF; i++) {
        const char *rel = strstr(kf[i].path, "keyframes/");
        hrefs[i] = rel ? rel : kf[i].path;
        snprintf(capbuf[i], sizeof(capbuf[i]), "%s %s",
                 kf[i].side == GS_GAIT_SIDE_LEFT ? "Left" : "Right", kf[i].phase);
        caps[i] = capbuf[i];
    }
    ro.keyframe_hrefs = nkf > 0 ? hrefs : NULL;
    ro.keyframe_captions = nkf > 0 ? caps : NULL;
    ro.n_keyframes = nkf < NKF ? nkf : NKF;
    ro.contact_sheet_href = nkf > 0 && gs_outdir_staged(r->od, "keyframes/contact_sheet.png")
                                ? "keyframes/contact_sheet.png"
                                : NULL;
    const char *p = stage(r, "report.html", err);
    if (!p)
        return err ? err->code : GS_ERR_IO;
    gs_status rc = gs_report_write_html(p, analysis, &ro, err);
    return rc == GS_OK ? gs_outdir_commit(r->od, "report.html", err) : rc;
}

/* Commits every staged key frame (the overlay pass wrote those it found frames for). */
static gs_status commit_keyframes(run *r, gs_error *err)
{
    static const char *const names[] = {"keyframes/left_IC.png",  "keyframes/left_MS.png",
                                        "keyframes/left_TO.png",  "keyframes/right_IC.png",
                                        "keyframes/right_MS.png", "keyframes/right_TO.png",
                                        "keyframes/contact_sheet.png"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!gs_outdir_staged(r->od, names[i]))
            continue;
        gs_status rc = gs_outdir_commit(r->od, names[i], err);
        if (rc != GS_OK)
            return rc;
    }
    return GS_OK;
}

gs_status gs_analysis_leg_visibility(const gs_pose_track *t, double **buf, gs_error *err)
{
    /* hip, knee, ankle, heel, foot index of each leg (pose.h gs_kp_id) */
    static const int legs[2][5] = {
        {GS_KP_LEFT_HIP, GS_KP_LEFT_KNEE, GS_KP_LEFT_ANKLE, GS_KP_LEFT_HEEL, GS_KP_LEFT_FOOT_INDEX},
        {GS_KP_RIGHT_HIP, GS_KP_RIGHT_KNEE, GS_KP_RIGHT_ANKLE, GS_KP_RIGHT_HEEL,
         GS_KP_RIGHT_FOOT_INDEX}};
    size_t n, bytes;
    *buf = NULL;
    if (!t || t->n_frames <= 0)
        return gs_fail(err, GS_ERR_ARG, "visibility: empty track");
    n = (size_t)t->n_frames;
    if (gs_size_mul(3 * n, sizeof(double), &bytes) || !(*buf = malloc(bytes)))
        return gs_fail(err, GS_ERR_NOMEM, "visibility: out of memory");
    for (size_t f = 0; f < n; f++) {
        const gs_pose_frame *fr = &t->frames[f];
        (*buf)[f] = fr->t_s;
        for (int s = 0; s < 2; s++) {
            double v = 0;
            for (int k = 0; k < 5 && fr->has_kp; k++)
                v += fr->kp[legs[s][k]].vis / 5.0;
            (*buf)[(size_t)(1 + s) * n + f] = v;
        }
    }
    return GS_OK;
}

/* The outputs a run declares (gs_outdir_open): all it may write; key frames it cannot find a
 * frame for and the overlay without a video are simply never committed. */
static size_t output_names(const gs_analyze_options *o, int video, char slow[32],
                           const char **names)
{
    static const char *const always[] = {"analysis.json", "pose.json",  "angles.csv",
                                         "events.csv",    "metrics.csv", "pose.trc",
                                         "report.html"};
    static const char *const kf[] = {"keyframes/left_IC.png",  "keyframes/left_MS.png",
                                     "keyframes/left_TO.png",  "keyframes/right_IC.png",
                                     "keyframes/right_MS.png", "keyframes/right_TO.png",
                                     "keyframes/contact_sheet.png"};
    size_t n = 0;
    for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
        names[n++] = always[i];
    if (video) {
        if (!o->no_overlay) {
            names[n++] = "overlay.mp4";
            if (o->slow_copy > 1) {
                snprintf(slow, 32, "overlay_slow%d.mp4", o->slow_copy);
                names[n++] = slow;
            }
        }
        for (size_t i = 0; i < sizeof(kf) / sizeof(kf[0]); i++)
            names[n++] = kf[i];
    }
    return n;
}

static gs_status check_options(const gs_analyze_options *o, const char *input, gs_error *err)
{
    /* the command line checks these with messages of its own; a library caller (the service)
     * gets the same limits here */
    if (!(o->height_m == 0 || (o->height_m >= 0.5 && o->height_m <= 2.6)))
        return gs_fail(err, GS_ERR_ARG, "%s: height %g m is outside [0.5, 2.6]", input, o->height_m);
    if (!(o->belt_speed_m_s == 0 || (o->belt_speed_m_s > 0 && o->belt_speed_m_s <= 12)))
        return gs_fail(err, GS_ERR_ARG, "%s: belt speed %g m/s is outside (0, 12]", input,
                       o->belt_speed_m_s);
    /* below 144 px (the smallest common video height) the skeleton's labels are unreadable */
    if (o->overlay_height > 16384 || (o->overlay_height > 0 && o->overlay_height < 144))
        return gs_fail(err, GS_ERR_ARG, "%s: overlay height %d px is outside [144, 16384]", input,
                       (int)o->overlay_height);
    if (o->slow_copy < 0 || o->slow_copy > 64)
        return gs_fail(err, GS_ERR_ARG, "%s: slow copy factor %d is outside [2, 64]", input,
                       o->slow_copy);
    if (o->has_person && !(isfinite(o->person_x) && isfinite(o->person_y) && o->person_x >= 0 &&
                           o->person_y >= 0 && o->person_x < 1e5 && o->person_y < 1e5))
        return gs_fail(err, GS_ERR_ARG, "%s: person point must be two pixel coordinates", input);
    return GS_OK;
}

/* Recomputes *g from events ev, timed elsewhere (the picture's toe-offs or contacts: an automatic
 * edit, as an edited events.csv is), with note saying so: *g is replaced when the recompute gives
 * a result (*rc then its status, and *err its error). 0 when it gives none (*g stays). */
static int recompute_with(const gs_pose_track *t, gs_gait_options *go, const gs_gait_event *ev,
                          int nev, const char *note, gs_gait_result **g, gs_status *rc,
                          gs_error *err)
{
    gs_gait_result *g2 = NULL;
    gs_error e2 = {0};
    go->events = ev;
    go->n_events = nev;
    go->events_note = note;
    gs_status rc2 = gs_gait_analyze(t, go, &g2, &e2);
    go->events = NULL;
    go->n_events = 0;
    go->events_note = NULL;
    if (!g2)
        return 0;
    gs_gait_result_free(g);
    *g = g2;
    *rc = rc2;
    if (rc2 != GS_OK)
        *err = e2;
    return 1;
}

/* A track too short or too few strides on a clip read as slow motion (a factor given, or the
 * file's own): a wrong factor is the likeliest cause, and the message alone showed only the
 * real-time seconds ("track too short: 1.20 s with a person" for 12 s of a real-time run given
 * --slowmo 10; session 15 audit), so it says how the clip was read. */
static void slow_motion_hint(gs_error *e, const gs_pose_track *t)
{
    size_t len = strlen(e->msg);
    if (e->code != GS_ERR_TOO_FEW || !t || t->n_frames < 2 || !(t->time_scale > 0) ||
        fabs(t->time_scale - 1.0) < 1e-9)
        return;
    double real = t->frames[t->n_frames - 1].t_s - t->frames[0].t_s;
    snprintf(e->msg + len, sizeof(e->msg) - len,
             "; the clip was read as %.3g times slower than real (%s): %.1f s of video, %.2f s "
             "of real time; check that factor",
             1.0 / t->time_scale,
             !strcmp(t->time_scale_source, "metadata") ? "the file says so"
                                                       : "the slow-motion factor given",
             real / t->time_scale, real);
}

/* What a picture pass (toe_image.c, contact_image.c) did, as analysis.json methods.<key>: how
 * many events of its kind there were and how many it timed, why it was not used (why; NULL when
 * it was), its decoding cost (the toe-off pass's decoding also fills the contact pass's windows,
 * whose count is then only what it decoded itself: 0 when it took every window); and, when asked
 * for by option (`--toe-off image`, `--contact image`; NULL for the default) and it timed none, a
 * warning naming what stays from the landmarks. Returns methods.<key> (NULL when analysis has no
 * methods), for what the pass adds of its own. */
static cJSON *picture_pass_note(cJSON *analysis, const char *key, const char *count_key, int n,
                                int n_image, const char *why, int frames_decoded, int seeks,
                                double wall_s, double cpu_s, const char *option, const char *what)
{
    cJSON *mj = cJSON_GetObjectItemCaseSensitive(analysis, "methods");
    cJSON *j = mj ? cJSON_AddObjectToObject(mj, key) : NULL;
    if (j) {
        cJSON_AddNumberToObject(j, count_key, n);
        cJSON_AddNumberToObject(j, "timed_from_image", n_image);
        if (why)
            cJSON_AddStringToObject(j, "not_used", why);
        cJSON_AddNumberToObject(j, "frames_decoded", frames_decoded);
        cJSON_AddNumberToObject(j, "seeks", seeks);
        cJSON_AddNumberToObject(j, "wall_s", wall_s);
        cJSON_AddNumberToObject(j, "cpu_s", cpu_s);
    }
    if (n_image == 0 && option) {
        char w[240];
        snprintf(w, sizeof(w), "%s: not used (%s); %s from the landmarks", option,
                 why ? why : "nothing timed", what);
        add_warning(analysis, w);
    }
    return j;
}

gs_status gs_analyze_run(const char *input, const char *outdir, const gs_analyze_options *opt,
                         gs_analyze_result **out, gs_error *err)
{
    gs_analyze_options o0 = {0};
    const gs_analyze_options *o = opt ? opt : &o0;
    gs_analyze_result *res = NULL;
    gs_pose_track *track = NULL;
    gs_gait_result *g = NULL;
    gs_nkt_rules *rules = NULL;
    gs_nkt_history *hist = NULL;
    cJSON *analysis = NULL;
    gs_pose_track *gtrack = NULL; /* the track the gait stage sees (undistorted with a profile) */
    gs_calib_profile prof;
    gs_calib_scale_line line;
    gs_keyframe kf[NKF];
    int nkf = 0, video, failed = 0;
    gs_error ferr = {0}, local;
    gs_status rc = GS_OK;
    run r = {0};
    const char *names[24];
    char slow[32] = "";
    struct stat st;
    double t_start = gs_now_s(), proc0 = gs_process_cpu_s(), c0;
    gs_analyze_budget *bud = NULL;

    if (!err)
        err = &local;
    if (out)
        *out = NULL;
    r.o = o;
    if (!input || !outdir)
        return gs_fail(err, GS_ERR_ARG, "analyze: need an input and an output folder");
    video = !ends_with(input, ".json");
    const char *clip = o->clip_name ? o->clip_name : base_name(input);
    const char *title = o->title ? o->title : clip;

    /* 1. cheap checks before the folder is touched */
    if ((rc = check_options(o, input, err)) != GS_OK)
        return rc;
    if (stat(input, &st) != 0)
        return gs_fail(err, GS_ERR_IO, "%s: cannot open: no such file", input);
    if (S_ISDIR(st.st_mode))
        return gs_fail(err, GS_ERR_ARG, "%s: is a folder, not a video or pose.json", input);
    if (o->history && (rc = gs_nkt_history_parse(o->history, &hist, err)) != GS_OK)
        goto done;
    if (o->rules_path && (rc = gs_nkt_rules_load(o->rules_path, &rules, err)) != GS_OK)
        goto done;
    if (o->scale_line && (rc = gs_calib_scale_line_parse(o->scale_line, &line, err)) != GS_OK)
        goto done;
    if (o->calib_path && (rc = gs_calib_profile_read(o->calib_path, &prof, err)) != GS_OK)
        goto done;
    if (!video) {
        /* read before the folder is opened: the pose.json may live in that folder */
        if ((rc = gs_pose_json_read(input, &track, err)) != GS_OK)
            goto done;
        /* a track made without its slow-motion factor: the factor given now (issue 13) */
        if ((rc = gs_pose_track_set_time_scale(track, o->decode.slowmo, o->decode.capture_fps,
                                               input, err)) != GS_OK)
            goto done;
    }
    res = calloc(1, sizeof(*res));
    if (!res) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", input);
        goto done;
    }
    res->from_pose_json = !video;
    bud = &res->budget;
    size_t n_names = output_names(o, video, slow, names);
    if ((rc = gs_outdir_open(outdir, "analyze", names, n_names, o->force, &r.od, err)) != GS_OK)
        goto done;
    report_progress(&r, "start", 0.0, title);

    /* 2. pose */
    if (video) {
        gs_pose_options po = {0};
        po.models = o->models;
        po.model_dir = o->models_dir;
        po.model = o->model;
        po.n_threads = gs_analyze_inference_threads(o->n_threads);
        po.decode = o->decode;
        if (po.decode.n_threads <= 0)
            po.decode.n_threads = 1; /* the decode thread is one stage of two: one core */
        po.has_person_point = o->has_person;
        po.person_x = o->person_x;
        po.person_y = o->person_y;
        po.progress = stage_progress;
        po.progress_user = &r;
        po.sequential = o->sequential;
        po.test_nudge_px = o->test_nudge_px;
        r.base = 0;
        r.span = FRAC_POSE;
        double t0 = gs_now_s();
        rc = gs_pose_track_video(input, &po, &track, &res->pose, err);
        res->pose_s = gs_now_s() - t0;
        bud->decode_s = res->pose.decode_cpu_s;
        bud->detector_s = res->pose.detect_cpu_s;
        bud->landmarks_s = res->pose.landmark_cpu_s;
        bud->cleanup_s = res->pose.clean_cpu_s;
        bud->tracking_s = res->pose.track_cpu_s - res->pose.detect_cpu_s -
                          res->pose.landmark_cpu_s - res->pose.clean_cpu_s -
                          (o->sequential ? res->pose.decode_cpu_s : 0);
        bud->pose_wall_s = res->pose_s;
        bud->frames = res->pose.frames;
        if (rc == GS_ERR_CANCELLED || r.cancelled)
            goto cancelled;
        if (rc != GS_OK && !track)
            goto fail_no_analysis; /* nobody found, unreadable video, bad model */
        if (rc != GS_OK) {
            failed = 1; /* partial track: keep going, report the problem at the end */
            ferr = *err;
        }
    }
    c0 = gs_thread_cpu_s();
    if ((rc = stage(&r, "pose.json", err) ? GS_OK : err->code) != GS_OK ||
        (rc = gs_pose_json_write(r.path, track, err)) != GS_OK ||
        (rc = gs_outdir_commit(r.od, "pose.json", err)) != GS_OK)
        goto fail_io;
    bud->files_s += gs_thread_cpu_s() - c0;
    c0 = gs_thread_cpu_s();

    /* 3. gait, on undistorted landmarks when a camera profile is given (points, not frames:
     * pose.json and the overlay keep the pixels as decoded) */
    if (report_progress(&r, "gait", FRAC_POSE, "angles, events, strides, metrics"))
        goto cancelled;
    gs_gait_options go = {0};
    if (o->calib_path) {
        if ((rc = gs_pose_track_new(track->n_frames, &gtrack, err)) != GS_OK)
            goto fail_io;
        gs_pose_frame *keep = gtrack->frames;
        *gtrack = *track;
        gtrack->frames = keep;
        memcpy(gtrack->frames, track->frames, sizeof(*track->frames) * (size_t)track->n_frames);
        if ((rc = gs_calib_undistort_track(gtrack, &prof, o->calib_path, NULL, err)) != GS_OK)
            goto fail_no_analysis; /* wrong size or orientation: both sizes in the message */
    }
    if (o->scale_line) {
        gs_calib_scale sc;
        if ((rc = gs_calib_scale_from_line(&line, track->width, track->height,
                                           o->calib_path ? &prof : NULL, 0, &sc, err)) != GS_OK)
            goto fail_no_analysis;
        go.line_px_per_m = sc.px_per_m;
        go.line_uncertainty = sc.uncertainty;
    }
    go.view = o->view;
    go.activity = o->activity;
    go.setting = o->setting;
    go.height_m = o->height_m;
    go.belt_speed_m_s = o->belt_speed_m_s;
    go.events_csv = o->events_csv;
    go.swap_legs = o->swap_legs;
    go.picture = gtrack ? track : NULL; /* undistorted landmarks can lie past the frame's edge */
    if (go.belt_speed_m_s > 0 && go.setting == GS_GAIT_SETTING_UNKNOWN)
        go.setting = GS_GAIT_SETTING_TREADMILL; /* a belt speed says it is a treadmill */
    go.name = clip; /* source.pose: the file's name, not where it is stored (a service's blob
                       path is none of the reader's business) */
    rc = gs_gait_analyze(gtrack ? gtrack : track, &go, &g, err);
    gs_toe_image_stats tis = {0};
    gs_contact_image_stats cis = {0};
    int tis_ran = 0, cis_ran = 0;
    char note[400] = "";
    int may_seek = video && res->pose.decode.dropped_time == 0 && res->pose.decode.segments == 1 &&
                   res->pose.decode.bad_packets == 0 && !res->pose.decode.truncated;
    const int toe_pass = o->toe_off != GS_TOE_OFF_LANDMARKS && video && g && !o->events_csv;
    const int contact_pass =
        (o->contact == GS_CONTACT_IMAGE || (o->contact == GS_CONTACT_AUTO && CONTACT_AUTO_IMAGE)) &&
        video && g && !o->events_csv;
    /* one decoding for both passes: the contact pass's windows hang on the landmark contacts
     * and the track alone (contact_image.c window_setup), which the toe-off pass and its
     * recompute do not move, so they are planned now and their bands filled by the toe-off
     * pass's decoding (picture_pass.c); a window the recompute did move after all is decoded by
     * the contact pass itself, and every result is the same either way. Without the plan (out of
     * memory) the contact pass decodes its own. */
    gs_analysis__band_share cshare = {0};
    if (toe_pass && contact_pass) {
        gs_error perr = {0};
        (void)gs_analysis__contact_image_plan(track, g, &cshare, &perr);
    }
    if (toe_pass) {
        /* running toe-offs timed from the picture (toe_image.c): an automatic edit of the
         * toe-offs, recomputed as an edited events.csv is; the first result stands if the
         * pass or the recompute fails */
        gs_gait_event *tev = NULL;
        int ntev = 0;
        gs_error terr = {0};
        tis_ran = 1;
        if (gs_analysis__toe_off_image_also(input, &o->decode, may_seek, track, g, &cshare, &tev,
                                            &ntev, &tis, &terr) == GS_OK &&
            tev) {
            snprintf(note, sizeof(note),
                     "toe-offs timed from the image: %d of %d, where the shoe's tip leaves the "
                     "ground; the others from the landmarks",
                     tis.n_image, tis.n_to);
            if (!recompute_with(gtrack ? gtrack : track, &go, tev, ntev, note, &g, &rc, err)) {
                tis.n_image = 0;
                tis.skipped = "the recompute failed";
                note[0] = '\0';
            }
        } else if (!tis.skipped) {
            tis.skipped = terr.msg[0] ? "the pass failed" : "nothing timed";
        }
        free(tev);
    }
    if (contact_pass) {
        /* side-view running contacts timed from the picture (contact_image.c), after the
         * toe-offs (kept as they are, the picture's included): recomputed the same way. g is
         * set: contact_pass asked for it, and recompute_with only ever replaces it by another */
        gs_gait_event *cev = NULL;
        int ncev = 0;
        gs_error cerr = {0};
        cis_ran = 1;
        if (gs_analysis__contact_image_from(input, &o->decode, may_seek, track, g, &cshare, &cev,
                                            &ncev, &cis, &cerr) == GS_OK &&
            cev) {
            char cnote[sizeof(note)];
            snprintf(cnote, sizeof(cnote),
                     "%s%scontacts timed from the image: %d of %d, where the sole comes "
                     "down on the %s; the others from the landmarks",
                     note, note[0] ? "; " : "", cis.n_image, cis.n_ic,
                     cis.moving_camera ? "ground" : "belt");
            if (!recompute_with(gtrack ? gtrack : track, &go, cev, ncev, cnote, &g, &rc, err)) {
                cis.n_image = 0;
                cis.skipped = "the recompute failed";
            }
        } else if (!cis.skipped) {
            cis.skipped = cerr.msg[0] ? "the pass failed" : "nothing timed";
        }
        free(cev);
    }
    gs_analysis__band_share_free(&cshare);
    if (rc != GS_OK && !g)
        goto fail_no_analysis;
    if (rc != GS_OK && !failed) {
        failed = 1;
        ferr = *err;
        slow_motion_hint(&ferr, track);
    }
    analysis = gs_gait_result_to_json(g);
    if (!analysis) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", input);
        goto fail_io;
    }
    if (o->toe_off == GS_TOE_OFF_IMAGE ||
        (o->toe_off == GS_TOE_OFF_AUTO && tis.applies && tis.n_to > 0)) {
        /* what the picture did for the toe-offs: methods.toe_off_image wherever it was tried
         * (by default: running side views at >= 50 fps), and a warning when `--toe-off image`
         * asked for it and it was not used */
        picture_pass_note(analysis, "toe_off_image", "toe_offs", tis.n_to, tis.n_image,
                          !video     ? "needs the video"
                          : !tis_ran ? "events edited by hand"
                                     : tis.skipped,
                          tis.frames_decoded, tis.seeks, tis.wall_s, tis.cpu_s,
                          o->toe_off == GS_TOE_OFF_IMAGE ? "--toe-off image" : NULL, "toe-offs");
    }
    if (o->contact == GS_CONTACT_IMAGE ||
        (o->contact == GS_CONTACT_AUTO && CONTACT_AUTO_IMAGE && cis.applies && cis.n_ic > 0)) {
        /* what the picture did for the running contacts: methods.contact_image wherever it
         * was tried, and a warning when `--contact image` asked for it and it was not used */
        cJSON *cj = picture_pass_note(analysis, "contact_image", "contacts", cis.n_ic, cis.n_image,
                                      !video     ? "needs the video"
                                      : !cis_ran ? "events edited by hand"
                                                 : cis.skipped,
                                      cis.frames_decoded, cis.seeks, cis.wall_s, cis.cpu_s,
                                      o->contact == GS_CONTACT_IMAGE ? "--contact image" : NULL,
                                      "contacts");
        /* the belt line the strips followed (contact_image.c: sloped, or level where the soles'
         * lowest edge runs along a rail: a belt seen edge-on) */
        if (cj && cis_ran && cis.n_image > 0) {
            cJSON_AddNumberToObject(cj, "belt_slope", cis.belt_slope);
            cJSON_AddBoolToObject(cj, "sole_hidden", cis.sole_hidden);
            cJSON_AddNumberToObject(cj, "strip_parts", cis.strip_parts);
            cJSON_AddBoolToObject(cj, "moving_camera", cis.moving_camera);
        }
    }
    if (video) {
        /* what the decoder met (issue 12 items 2 and 5): said in analysis.json, the report's
         * quality warnings and, by the command line, on stderr */
        const gs_decode_stats *ds = &res->pose.decode;
        char w[320];
        if (ds->truncated) {
            snprintf(w, sizeof(w),
                     "truncated video: %.2f s decodable of the %.2f s the file states; the "
                     "analysis covers the decodable part",
                     ds->decoded_s, ds->stated_s);
            add_warning(analysis, w);
        }
        if (ds->dropped_time > 0) {
            snprintf(w, sizeof(w),
                     "%lld frames dropped: their timestamps did not increase (duplicate or "
                     "backward times in the file)",
                     (long long)ds->dropped_time);
            add_warning(analysis, w);
        }
        if (ds->segments > 1) {
            snprintf(w, sizeof(w),
                     "the clock of the video jumped back %d times (joined recordings); later "
                     "parts were shifted by %.2f s to continue",
                     ds->segments - 1, ds->shift_s);
            add_warning(analysis, w);
        }
        cJSON *src0 = cJSON_GetObjectItemCaseSensitive(analysis, "source");
        if (src0) {
            cJSON *d = cJSON_AddObjectToObject(src0, "decode");
            if (d) {
                cJSON_AddBoolToObject(d, "truncated", ds->truncated);
                cJSON_AddNumberToObject(d, "decoded_s", ds->decoded_s);
                cJSON_AddNumberToObject(d, "stated_s", ds->stated_s);
                cJSON_AddNumberToObject(d, "dropped_time", (double)ds->dropped_time);
                cJSON_AddNumberToObject(d, "segments", ds->segments);
            }
        }
    }
    if (o->calib_path || o->scale_line) {
        cJSON *pj = o->calib_path ? gs_calib_profile_to_json(&prof) : NULL;
        const double lp[4] = {line.x1, line.y1, line.x2, line.y2};
        int bad = (o->calib_path && !pj) ||
                  gs_analysis_json_add_calibration(analysis, pj, o->calib_path,
                                                   o->scale_line ? lp : NULL,
                                                   o->scale_line ? line.metres : 0);
        cJSON_Delete(pj);
        if (bad) {
            rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", input);
            goto fail_io;
        }
    }
    {
        /* camera placement (gait_camera.c) on the track the gait stage saw; the comparison reads
         * it for its distance and tilt checks */
        gs_gait_camera cam;
        cJSON *cj;
        if (gs_gait_camera_check(gtrack ? gtrack : track, g, &cam, err) == GS_OK &&
            (cj = gs_gait_camera_to_json(&cam)) != NULL)
            cJSON_AddItemToObject(analysis, "camera", cj);
        else
            add_warning(analysis, "camera placement could not be checked");
    }
    cJSON *src = cJSON_GetObjectItemCaseSensitive(analysis, "source");
    if (src) {
        if (video) {
            cJSON_AddStringToObject(src, "video", clip);
            cJSON_AddNumberToObject(src, "frames_with_person",
                                    (double)res->pose.frames_with_person);
        }
        cJSON_AddStringToObject(src, "model", track->model[0] ? track->model : "unknown");
        cJSON_AddStringToObject(src, "person_rule",
                                track->person_rule[0] ? track->person_rule : "unknown");
    }

    /* 4. findings; per-stride leg visibility first, so poorly seen strides weigh less */
    if (report_progress(&r, "findings", FRAC_GAIT, "compensation rules"))
        goto cancelled;
    {
        double *tv = NULL;
        size_t n = (size_t)track->n_frames;
        if (gs_analysis_leg_visibility(track, &tv, err) != GS_OK ||
            gs_nkt_annotate_visibility(analysis, tv, tv + n, tv + 2 * n, n, err) != GS_OK)
            add_warning(analysis, err->msg);
        free(tv);
    }
    cJSON *findings = NULL, *skipped = NULL;
    if (!rules) {
        add_warning(analysis, "no rules file given: findings were not evaluated");
        cJSON_AddItemToObject(analysis, "findings", cJSON_CreateArray());
    } else if (gs_nkt_evaluate(rules, analysis, hist, &findings, &skipped, err) == GS_OK) {
        cJSON_AddItemToObject(analysis, "findings", findings);
        cJSON_AddItemToObject(analysis, "findings_skipped", skipped);
    } else {
        add_warning(analysis, err->msg);
        cJSON_AddItemToObject(analysis, "findings", cJSON_CreateArray());
    }

    bud->gait_s = gs_thread_cpu_s() - c0;

    /* 5. tables and markers */
    if (report_progress(&r, "files", FRAC_GAIT, "CSV and TRC files"))
        goto cancelled;
    c0 = gs_thread_cpu_s();
    if (!stage(&r, "angles.csv", err) || (rc = gs_gait_write_angles_csv(r.path, g, err)) ||
        (rc = gs_outdir_commit(r.od, "angles.csv", err)) || !stage(&r, "events.csv", err) ||
        (rc = gs_gait_write_events_csv(r.path, g, err)) ||
        (rc = gs_outdir_commit(r.od, "events.csv", err)) || !stage(&r, "metrics.csv", err) ||
        (rc = gs_export_metrics_csv(r.path, analysis, err)) ||
        (rc = gs_outdir_commit(r.od, "metrics.csv", err))) {
        if (rc == GS_OK)
            rc = err->code;
        goto fail_io;
    }
    {
        /* OpenSim wants metres: from the height, else an assumed 1.70 m body whose hip-to-ankle
         * length is 0.491 of height (Winter, Biomechanics and Motor Control of Human Movement,
         * 4th ed. 2009, segment lengths: thigh 0.245 H + leg 0.246 H). */
        const cJSON *sc = cJSON_GetObjectItemCaseSensitive(analysis, "scale");
        double ppm = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sc, "px_per_m"));
        double llpx = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sc, "leg_length_px"));
        if (!(ppm > 0) && llpx > 0) {
            ppm = llpx / (0.491 * 1.70);
            add_warning(analysis, "pose.trc (for OpenSim): no body height given, its metres assume 1.70 m");
        }
        gs_gait_view v = gs_gait_result_view(g);
        double gx, gy, gang;
        gs_gait_result_ground(g, &gx, &gy, &gang);
        if (ppm > 0) {
            if (!stage(&r, "pose.trc", err) ||
                gs_export_trc(r.path, track, ppm, v.facing, gang, 0, err) != GS_OK ||
                gs_outdir_commit(r.od, "pose.trc", err) != GS_OK)
                add_warning(analysis, err->msg);
        }
    }

    bud->files_s += gs_thread_cpu_s() - c0;

    /* 6. overlay + key frames (second decoding pass) */
    double t_ovl0 = gs_now_s();
    if (video) {
        /* each side's stride shows its highest-ranked finding where that holds */
        nkf = gs_keyframes_choose_for(
            g, track, cJSON_GetObjectItemCaseSensitive(analysis, "findings"), kf, NKF);
        if (!o->no_overlay || nkf > 0) {
            char kdir[4200], sheet[4200], ovl[4200];
            gs_overlay_options oo = {0};
            if (!stage(&r, "keyframes/contact_sheet.png", err)) {
                rc = err->code;
                goto fail_io;
            }
            snprintf(sheet, sizeof(sheet), "%s", r.path);
            snprintf(kdir, sizeof(kdir), "%s", r.path);
            *strrchr(kdir, '/') = '\0';
            for (int i = 0; i < nkf; i++) { /* the names overlay.c gives them */
                char nm[64];
                snprintf(nm, sizeof(nm), "keyframes/%s_%s.png",
                         kf[i].side == GS_GAIT_SIDE_LEFT ? "left" : "right",
                         !strcmp(kf[i].phase, "initial contact") ? "IC"
                         : !strcmp(kf[i].phase, "toe-off")       ? "TO"
                                                                 : "MS");
                if (!stage(&r, nm, err)) {
                    rc = err->code;
                    goto fail_io;
                }
            }
            if (!o->no_overlay) {
                if (!stage(&r, "overlay.mp4", err)) {
                    rc = err->code;
                    goto fail_io;
                }
                snprintf(ovl, sizeof(ovl), "%s", r.path);
                if (o->slow_copy > 1 && !stage(&r, slow, err)) {
                    rc = err->code;
                    goto fail_io;
                }
            }
            oo.overlay_path = o->no_overlay ? NULL : ovl;
            oo.slow_copy = o->slow_copy;
            oo.blur_faces = o->blur_faces;
            oo.decode = o->decode;
            /* Without the clip the pass only decodes (up to the last key frame) while nothing
             * else runs: every core decodes. With it, decoding is one of three stages beside
             * x264's threads. */
            if (oo.decode.n_threads <= 0)
                oo.decode.n_threads = o->no_overlay ? (o->n_threads > 0 ? o->n_threads : 1) : 1;
            oo.keyframes = nkf > 0 ? kf : NULL;
            oo.n_keyframes = nkf;
            oo.keyframe_dir = kdir;
            oo.contact_sheet_path = nkf > 0 ? sheet : NULL;
            oo.progress = stage_progress;
            oo.progress_user = &r;
            oo.encode = o->encode;
            oo.max_height = o->overlay_height == 0  ? GS_ANALYZE_OVERLAY_HEIGHT
                            : o->overlay_height < 0 ? 0
                                                    : o->overlay_height;
            oo.sequential = o->sequential;
            oo.seek_ok = res->pose.decode.dropped_time == 0 && res->pose.decode.segments == 1 &&
                         res->pose.decode.bad_packets == 0 && !res->pose.decode.truncated;
            r.base = FRAC_FILES;
            r.span = FRAC_OVERLAY - FRAC_FILES;
            gs_overlay_stats os = {0};
            rc = gs_overlay_render(input, track, g,
                                   cJSON_GetObjectItemCaseSensitive(analysis, "findings"), &oo,
                                   &os, err);
            bud->overlay_decode_s = os.decode_cpu_s;
            bud->drawing_s = os.draw_cpu_s;
            bud->encoding_s = os.encode_cpu_s;
            bud->keyframes_s = os.keyframe_cpu_s;
            bud->overlay_wall_s = os.wall_s;
            if (!o->no_overlay) {
                bud->overlay_width = os.width;
                bud->overlay_height = os.height;
            }
            if (rc == GS_ERR_CANCELLED || r.cancelled)
                goto cancelled;
            if (rc != GS_OK)
                goto fail_io;
            if ((!o->no_overlay && (rc = gs_outdir_commit(r.od, "overlay.mp4", err)) != GS_OK) ||
                (o->slow_copy > 1 && !o->no_overlay &&
                 (rc = gs_outdir_commit(r.od, slow, err)) != GS_OK) ||
                (rc = commit_keyframes(&r, err)) != GS_OK)
                goto fail_io;
        }
    }
    res->overlay_s = gs_now_s() - t_ovl0;
    cJSON *timing = cJSON_AddObjectToObject(analysis, "timing");
    if (timing) {
        cJSON_AddNumberToObject(timing, "pose_s", res->pose_s);
        cJSON_AddNumberToObject(timing, "overlay_s", res->overlay_s);
        cJSON_AddNumberToObject(timing, "pose_fps",
                                res->pose_s > 0 ? (double)res->pose.frames / res->pose_s : 0);
        /* thread CPU seconds per stage so far (gs_analyze_budget; the report's own cost comes
         * after this file is made and is only in the run's result) */
        cJSON *cpu = cJSON_AddObjectToObject(timing, "cpu_s");
        const struct {
            const char *k;
            double v;
        } parts[] = {{"decode", bud->decode_s},       {"detector", bud->detector_s},
                     {"landmarks", bud->landmarks_s}, {"cleanup", bud->cleanup_s},
                     {"tracking", bud->tracking_s},   {"gait", bud->gait_s},
                     {"files", bud->files_s},         {"overlay_decode", bud->overlay_decode_s},
                     {"drawing", bud->drawing_s},     {"encoding", bud->encoding_s},
                     {"keyframes", bud->keyframes_s}};
        for (size_t i = 0; cpu && i < sizeof(parts) / sizeof(parts[0]); i++)
            cJSON_AddNumberToObject(cpu, parts[i].k, parts[i].v);
        if (cpu)
            cJSON_AddNumberToObject(cpu, "process", gs_process_cpu_s() - proc0);
    }
    cJSON *kfj = cJSON_AddArrayToObject(analysis, "keyframes");
    for (int i = 0; kfj && i < nkf; i++) {
        cJSON *k = cJSON_CreateObject();
        const char *rel = strstr(kf[i].path, "keyframes/");
        cJSON_AddStringToObject(k, "file", rel ? rel : kf[i].path);
        cJSON_AddStringToObject(k, "side", gs_gait_side_name(kf[i].side));
        cJSON_AddStringToObject(k, "phase", kf[i].phase);
        cJSON_AddNumberToObject(k, "frame", (double)kf[i].frame);
        cJSON_AddNumberToObject(k, "t", track->frames[kf[i].frame].t_s);
        {
            /* the findings its banners name (report.h gs_keyframe_findings), by id */
            const cJSON *shown[3];
            int ns = gs_keyframe_findings(
                g, track, cJSON_GetObjectItemCaseSensitive(analysis, "findings"), &kf[i], shown, 3);
            cJSON *ids = cJSON_AddArrayToObject(k, "findings");
            for (int j = 0; ids && j < ns; j++)
                cJSON_AddItemToArray(ids, cJSON_CreateString(cJSON_GetStringValue(
                                              cJSON_GetObjectItemCaseSensitive(shown[j], "id"))));
        }
        cJSON_AddItemToArray(kfj, k);
    }

    /* 7. report, then analysis.json last */
    if (report_progress(&r, "report", FRAC_OVERLAY, "report.html and analysis.json"))
        goto cancelled;
    if (failed)
        name_clip(ferr.msg, sizeof(ferr.msg), input, o->clip_name);
    if (gs_analysis_json_finish(analysis, !failed, failed ? ferr.msg : NULL, o->generated_by)) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", input);
        goto fail_io;
    }
    c0 = gs_thread_cpu_s();
    if ((rc = write_report(&r, title, analysis, kf, nkf, video && !o->no_overlay, err)) != GS_OK ||
        (rc = write_json_output(&r, "analysis.json", analysis, err)) != GS_OK)
        goto fail_io;
    bud->report_s = gs_thread_cpu_s() - c0;
    res->status = failed ? GS_ANALYZE_FAILED : GS_ANALYZE_DONE;
    if (failed) {
        snprintf(res->error, sizeof(res->error), "%s", ferr.msg);
        *err = ferr;
        rc = ferr.code;
    } else {
        rc = GS_OK;
    }
    {
        gs_error rerr;
        cJSON *copy = cJSON_Duplicate(analysis, 1);
        if (copy && gs_analysis_from_json(&copy, outdir, &res->analysis, &rerr) != GS_OK)
            res->analysis = NULL; /* cannot happen for our own writer; the run still stands */
        cJSON_Delete(copy);
    }
    report_progress(&r, "done", 1.0, failed ? res->error : "done");
    goto done;

cancelled:
    rc = gs_fail(err, GS_ERR_CANCELLED, "%s: cancelled", input);
    res->status = GS_ANALYZE_CANCELLED;
    goto write_failed;
fail_no_analysis:
    res->status = GS_ANALYZE_FAILED;
    goto write_failed;
fail_io:
    res->status = GS_ANALYZE_FAILED;
write_failed:
    /* Whatever happened, the folder must not look complete: analysis.json says failed, with a
     * report saying why (best effort: the original error is what the caller gets). */
    name_clip(err->msg, sizeof(err->msg), input, o->clip_name);
    snprintf(res->error, sizeof(res->error), "%s", err->msg);
    if (r.od) {
        gs_error ignored;
        cJSON *fa = analysis ? analysis : gs_analysis_json_failed(err->msg, o->generated_by);
        if (fa && fa == analysis)
            gs_analysis_json_finish(fa, 0, err->msg, o->generated_by);
        if (fa && rc != GS_ERR_CANCELLED)
            write_report(&r, title, fa, NULL, 0, 0, &ignored);
        if (fa)
            write_json_output(&r, "analysis.json", fa, &ignored);
        if (fa != analysis)
            cJSON_Delete(fa);
    }
done:
    if (res) {
        gs_analyze_budget *b = &res->budget;
        res->total_s = gs_now_s() - t_start;
        b->wall_s = res->total_s;
        b->process_s = gs_process_cpu_s() - proc0;
        b->helpers_s = b->process_s - (b->decode_s + b->detector_s + b->landmarks_s +
                                       b->cleanup_s + b->tracking_s + b->gait_s + b->files_s +
                                       b->overlay_decode_s + b->drawing_s + b->encoding_s +
                                       b->keyframes_s + b->report_s);
        if (b->helpers_s < 0)
            b->helpers_s = 0; /* clock granularity */
    }
    gs_outdir_close(&r.od);
    cJSON_Delete(analysis);
    gs_gait_result_free(&g);
    gs_pose_track_free(&gtrack);
    gs_pose_track_free(&track);
    gs_nkt_rules_free(&rules);
    gs_nkt_history_free(&hist);
    if (res && out && (rc == GS_OK || res->status != GS_ANALYZE_DONE || res->analysis))
        *out = res;
    else
        gs_analyze_result_free(&res);
    return rc;
}

void gs_analyze_result_free(gs_analyze_result **r)
{
    if (!r || !*r)
        return;
    gs_analysis_free(&(*r)->analysis);
    free(*r);
    *r = NULL;
}
