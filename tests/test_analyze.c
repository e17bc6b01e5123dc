/*
 * End to end: `gaitscope analyze` on the shipped running sample (always) and on the clips of
 * ../shared/datasets (skipped when absent). Every artifact must be written and valid: the
 * overlay has the source's frame count and duration (per ffprobe), analysis.json has its format
 * and the keys the other stages read, the CSVs and the TRC have their headers and rows, the HTML
 * report renders in headless Chromium. Failure paths (no person, too few strides) still write a
 * report saying what went wrong. Under the sanitizers the sample runs with the lite model on its
 * first 5 s to keep CI time bounded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "gs_test.h"

static const char *bin, *scratch = "/tmp", *shared;
static char sample[2048]; /* the shipped running sample */
static int skipped;       /* a check could not run: the test exits 77 when nothing failed */
#ifdef GS_SANITIZED
static const int sanitized = 1; /* lite model, first 5 s, no dataset runs */
#else
static const int sanitized = 0;
#endif

/* ffprobe's decoded frame count and stream duration of a clip. */
static int probe(const char *clip, long *frames, double *dur)
{
    char cmd[4096], out[1024];
    snprintf(cmd, sizeof(cmd),
             "ffprobe -v error -count_frames -select_streams v:0 -show_entries "
             "stream=nb_read_frames,duration -of csv=p=0 '%s' > '%s/probe.txt'",
             clip, scratch);
    if (gs_test_sh(cmd) != 0)
        return -1;
    snprintf(out, sizeof(out), "%s/probe.txt", scratch);
    char *s = gs_test_read_text(out);
    int ok = s && sscanf(s, "%lf,%ld", dur, frames) == 2;
    free(s);
    return ok ? 0 : -1;
}

static int count_lines(const char *path)
{
    char *s = gs_test_read_text(path);
    int n = 0;
    for (char *p = s; p && *p; p++)
        n += *p == '\n';
    free(s);
    return n;
}

/* Runs analyze on clip into dir; returns the exit code. */
static int analyze(const char *clip, const char *dir, const char *extra)
{
    char cmd[16384];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' && '%s' analyze '%s' -o '%s' --quiet %s 2>'%s.err'",
             dir, bin, clip, dir, extra ? extra : "", dir);
    return gs_test_sh(cmd);
}

static void check_artifacts(const char *clip, const char *dir, int expect_overlay, double start,
                            double end, int check_frames)
{
    char p[4200];
    /* analysis.json: format, view, metrics with the DESIGN layout, findings array */
    snprintf(p, sizeof(p), "%s/analysis.json", dir);
    char *txt = gs_test_read_text(p);
    cJSON *a = txt ? cJSON_Parse(txt) : NULL;
    CHECK_MSG(a != NULL, "%s: analysis.json missing or not JSON", clip);
    free(txt);
    if (a) {
        CHECK(!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(a, "format")),
                      "gaitscope.analysis/1"));
        const cJSON *m = cJSON_GetObjectItem(a, "metrics");
        const cJSON *cad = cJSON_GetObjectItem(m, "cadence_spm");
        CHECK_MSG(cad != NULL, "%s: no cadence", clip);
        double c = cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(cad, "all"), "mean"));
        CHECK_MSG(c > 60 && c < 240, "%s: cadence %.1f steps/min is implausible", clip, c);
        CHECK(!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(cad, "unit")), "steps/min"));
        CHECK(cJSON_IsArray(cJSON_GetObjectItem(a, "findings")));
        CHECK(cJSON_IsArray(cJSON_GetObjectItem(a, "events")));
        CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(a, "view"), "kind") != NULL);
        cJSON_Delete(a);
    }
    snprintf(p, sizeof(p), "%s/pose.json", dir);
    txt = gs_test_read_text(p);
    CHECK_MSG(txt && strstr(txt, "\"gaitscope.pose/1\""), "%s: pose.json", clip);
    free(txt);
    static const char *csvs[4][2] = {{"angles.csv", "frame"},
                                     {"events.csv", "side"},
                                     {"metrics.csv", "metric,unit,side,stride"},
                                     {"pose.trc", "PathFileType\t4\t(X/Y/Z)"}};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, csvs[i][0]);
        txt = gs_test_read_text(p);
        CHECK_MSG(txt && strncmp(txt, csvs[i][1], strlen(csvs[i][1])) == 0, "%s: %s header",
                  clip, csvs[i][0]);
        free(txt);
        CHECK_MSG(count_lines(p) > 5, "%s: %s has no rows", clip, csvs[i][0]);
    }
    snprintf(p, sizeof(p), "%s/keyframes/contact_sheet.png", dir);
    CHECK_MSG(access(p, R_OK) == 0, "%s: no contact sheet", clip);
    snprintf(p, sizeof(p), "%s/keyframes/left_IC.png", dir);
    CHECK_MSG(access(p, R_OK) == 0, "%s: no left IC key frame", clip);
    snprintf(p, sizeof(p), "%s/report.html", dir);
    txt = gs_test_read_text(p);
    CHECK_MSG(txt && strstr(txt, "<html") && (!expect_overlay || strstr(txt, "overlay.mp4")),
              "%s: report.html", clip);
    free(txt);
    if (expect_overlay) {
        long fs = 0, fo = 0;
        double ds = 0, dov = 0;
        snprintf(p, sizeof(p), "%s/overlay.mp4", dir);
        CHECK_MSG(probe(p, &fo, &dov) == 0, "%s: overlay.mp4 not readable", clip);
        if (check_frames && probe(clip, &fs, &ds) == 0) {
            if (end > 0 || start > 0) {
                double span = (end > 0 ? end : ds) - start;
                CHECK_MSG(fabs(dov - span) < 0.1, "%s: overlay lasts %.3f s, range %.3f s", clip,
                          dov, span);
            } else {
                CHECK_MSG(fo == fs, "%s: overlay %ld frames, source %ld", clip, fo, fs);
                CHECK_MSG(fabs(dov - ds) < 0.05, "%s: overlay %.3f s, source %.3f s", clip, dov,
                          ds);
            }
        }
    }
}

/* Headless Chromium loads the report without console errors. Returns 1 when it rendered (or
 * failed a check), 0 when Chromium is not installed: the caller counts that as a skip, so the
 * test exits 77 instead of passing without the check. */
static int report_renders(const char *dir)
{
    char cmd[16384], log[4200];
    if (gs_test_sh("command -v chromium >/dev/null 2>&1") != 0) {
        fprintf(stderr, "skip: chromium not installed, report.html not rendered\n");
        return 0;
    }
    snprintf(log, sizeof(log), "%s/chromium.log", dir);
    snprintf(cmd, sizeof(cmd),
             "d=$(mktemp -d) && timeout 60 chromium --headless --no-sandbox --disable-gpu "
             "--disable-quic --no-first-run --disable-background-networking "
             "--disable-component-update --disable-sync --user-data-dir=$d --hide-scrollbars "
             "--enable-logging=stderr --v=0 --window-size=390,2000 --screenshot='%s/report.png' "
             "'file://%s/report.html' 2>'%s'; rc=$?; rm -rf $d; exit $rc",
             dir, dir, log);
    int rc = gs_test_sh(cmd);
    CHECK_MSG(rc == 0, "chromium failed on %s/report.html (%d)", dir, rc);
    char *l = gs_test_read_text(log);
    /* console messages are logged as CONSOLE(...) lines */
    CHECK_MSG(!l || !strstr(l, "CONSOLE"), "console output rendering the report: %s", l);
    free(l);
    char png[4200];
    snprintf(png, sizeof(png), "%s/report.png", dir);
    CHECK_MSG(access(png, R_OK) == 0, "no screenshot of the report");
    return 1;
}

/* ---- specs ---- */

/* 1. the shipped sample: the README's main job */
static void sample_run_writes_every_artifact(void)
{
    char dir[2048], cmd[9000];
    snprintf(dir, sizeof(dir), "%s/analyze_sample", scratch);
    int rc = analyze(sample, dir, sanitized ? "--model lite --end 5 --slow-copy 2" : "--slow-copy 2");
    CHECK_MSG(rc == 0, "analyze on the sample exited %d", rc);
    check_artifacts(sample, dir, 1, 0, sanitized ? 5 : 0, 1);
    snprintf(cmd, sizeof(cmd), "%s/overlay_slow2.mp4", dir);
    long fo = 0;
    double dov = 0;
    CHECK_MSG(probe(cmd, &fo, &dov) == 0 && dov > (sanitized ? 9.5 : 23.5),
              "slow copy lasts %.2f s", dov);
}

/* The sample is tracked well: no warning that the landmark model struggled (pose.h
 * gs_pose_second_look_warning; 32 second looks of 360 frames, the threshold 30 %), but the
 * count is recorded in analysis.json's source. test_second_look has the lab clip that warns.
 * Not under the sanitizers (lite model, 5 s: not the case measured). */
static void sample_has_no_model_warning(void)
{
    char dir[2048], p[2200];
    if (sanitized)
        return;
    snprintf(dir, sizeof(dir), "%s/analyze_sample", scratch);
    snprintf(p, sizeof(p), "%s/analysis.json", dir);
    char *txt = gs_test_read_text(p);
    cJSON *a = txt ? cJSON_Parse(txt) : NULL;
    free(txt);
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(a, "source");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(src, "second_looks");
    const cJSON *rate = cJSON_GetObjectItemCaseSensitive(src, "second_look_rate");
    CHECK_MSG(cJSON_IsNumber(n) && n->valuedouble >= 1, "%s: source.second_looks missing", p);
    CHECK_MSG(cJSON_IsNumber(rate) && rate->valuedouble < 0.15, "%s: second_look_rate %.3f", p,
              cJSON_IsNumber(rate) ? rate->valuedouble : -1.0);
    cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(a, "notes"))
    {
        CHECK_MSG(!cJSON_IsString(n) || !strstr(n->valuestring, "landmark model struggled"),
                  "%s: %s", p, n->valuestring);
    }
    cJSON_Delete(a);
    snprintf(p, sizeof(p), "%s.err", dir);
    txt = gs_test_read_text(p);
    CHECK_MSG(!txt || !strstr(txt, "landmark model struggled"), "%s: %s", p, txt);
    free(txt);
}

/* The sample's key frames name their own side's findings (analysis.json keyframes[].findings,
 * the banners' ids): the left ones "Little knee flexion in left stance" first, the sample's
 * top-ranked finding, which session 15's audit found on no key frame; each side's first is that
 * side's highest-ranked finding; none names the other side's. Not under the sanitizers (lite
 * model, 5 s: other findings). */
static void sample_key_frames_name_their_sides_findings(void)
{
    char p[2200];
    const cJSON *k, *f;
    if (sanitized)
        return;
    snprintf(p, sizeof(p), "%s/analyze_sample/analysis.json", scratch);
    char *txt = gs_test_read_text(p);
    cJSON *a = txt ? cJSON_Parse(txt) : NULL;
    free(txt);
    const cJSON *findings = cJSON_GetObjectItemCaseSensitive(a, "findings");
    int n = 0;
    CHECK_MSG(a != NULL, "%s missing", p);
    cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(a, "keyframes"))
    {
        const char *side = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(k, "side"));
        const cJSON *ids = cJSON_GetObjectItemCaseSensitive(k, "findings"), *id;
        const char *top = NULL;
        n++;
        cJSON_ArrayForEach(f, findings)
        {
            const char *fs = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "side"));
            if (!top && fs && (!strcmp(fs, side) || !strcmp(fs, "both")))
                top = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "id"));
        }
        CHECK_MSG(cJSON_GetArraySize(ids) >= 1 && top &&
                      !strcmp(cJSON_GetStringValue(cJSON_GetArrayItem(ids, 0)), top),
                  "%s %s key frame: first finding %s, the side's top %s", side,
                  cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(k, "phase")),
                  cJSON_GetStringValue(cJSON_GetArrayItem(ids, 0)), top ? top : "-");
        if (!strcmp(side, "left"))
            CHECK_STR_CONTAINS(cJSON_GetStringValue(cJSON_GetArrayItem(ids, 0)),
                               "stiff_knee_stance.left");
        cJSON_ArrayForEach(id, ids)
        {
            const char *s = cJSON_GetStringValue(id);
            const char *other = !strcmp(side, "left") ? ".right" : ".left";
            CHECK_MSG(s && strlen(s) > strlen(other) &&
                          strcmp(s + strlen(s) - strlen(other), other),
                      "%s key frame names %s", side, s);
        }
    }
    CHECK_EQ_INT(n, 6);
    cJSON_Delete(a);
}

static void sample_report_renders_in_chromium(void)
{
    char dir[2048];
    snprintf(dir, sizeof(dir), "%s/analyze_sample", scratch);
    if (!report_renders(dir))
        skipped = 1;
}

/* A file the user put at an output name is not replaced without --force (README "Outputs"; an
 * earlier gaitscope run's outputs are: test_analysis checks both). */
static void a_users_file_is_not_replaced_without_force(void)
{
    char dir[2048], cmd[9000];
    snprintf(dir, sizeof(dir), "%s/analyze_sample", scratch);
    snprintf(cmd, sizeof(cmd),
             "mkdir -p '%s_mine' && echo mine > '%s_mine/report.html' && "
             "'%s' analyze '%s' -o '%s_mine' --quiet 2>/dev/null",
             dir, dir, bin, sample, dir);
    CHECK_EQ_INT(gs_test_sh(cmd), 1);
    snprintf(cmd, sizeof(cmd), "grep -qx mine '%s_mine/report.html'", dir);
    CHECK_EQ_INT(gs_test_sh(cmd), 0);
}

/* 1b. issue 19: overlapping decode, inference, drawing and encoding changes no output
 * (pose.json and overlay.mp4 byte for byte against --sequential), nor does the thread count
 * (the sequential run has --threads 3: two inference threads against one), and --overlay-height
 * scales the clip (720x1280 -> 360x640) and the key frames */
static void pipelined_run_equals_sequential_and_scales_the_overlay(void)
{
    char dir[2048], cmd[9000], dir2[1100];
    const char *clip = sample;
    snprintf(dir, sizeof(dir), "%s/analyze_piped", scratch);
    snprintf(dir2, sizeof(dir2), "%s/analyze_seq", scratch);
    CHECK_EQ_INT(analyze(clip, dir, "--model lite --end 5 --overlay-height 640"), 0);
    CHECK_EQ_INT(analyze(clip, dir2,
                         "--model lite --end 5 --overlay-height 640 --sequential --threads 3"),
                 0);
    snprintf(cmd, sizeof(cmd), "cmp -s '%s/pose.json' '%s/pose.json'", dir, dir2);
    CHECK_MSG(gs_test_sh(cmd) == 0,
              "pose.json differs between pipelined (--threads 2) and sequential (--threads 3) runs");
    snprintf(cmd, sizeof(cmd), "cmp -s '%s/overlay.mp4' '%s/overlay.mp4'", dir, dir2);
    CHECK_MSG(gs_test_sh(cmd) == 0, "overlay.mp4 differs between pipelined and sequential runs");
    snprintf(cmd, sizeof(cmd),
             "ffprobe -v error -select_streams v:0 -show_entries stream=width,height "
             "-of csv=p=0 '%s/overlay.mp4' > '%s/size.txt'",
             dir, scratch);
    CHECK_EQ_INT(gs_test_sh(cmd), 0);
    snprintf(cmd, sizeof(cmd), "%s/size.txt", scratch);
    char *sz = gs_test_read_text(cmd);
    CHECK_MSG(sz && !strncmp(sz, "360,640", 7), "overlay size %s, not 360,640", sz ? sz : "?");
    free(sz);
    /* a key frame scales with the overlay: the box around the runner (who spans about half
     * the picture's height) scaled up to the 360x640 frame's area (415 px wide in session 14),
     * plus the strip below it with the caption and the findings' banners (up to 4 lines of
     * under 50 px); width and height at bytes 16-23 (IHDR) */
    snprintf(cmd, sizeof(cmd), "%s/keyframes/left_IC.png", dir);
    FILE *kf = fopen(cmd, "rb");
    unsigned char h[24] = {0};
    CHECK_MSG(kf && fread(h, 1, 24, kf) == 24, "%s missing", cmd);
    if (kf)
        fclose(kf);
    {
        long kw = h[16] << 24 | h[17] << 16 | h[18] << 8 | h[19];
        long kh = h[20] << 24 | h[21] << 16 | h[22] << 8 | h[23];
        CHECK_MSG(kw > 360 && kw <= 640 && kh > 400 && kh <= 640 + 4 * 50 &&
                      kw * kh >= 360 * 640,
                  "key frame %ldx%ld: not the runner's box scaled to the 360x640 overlay", kw, kh);
    }
    /* the budget is printed and adds up to the process's CPU */
    snprintf(cmd, sizeof(cmd),
             "'%s' analyze '%s' -o '%s' --quiet --force --model lite --end 5 --timings "
             "2> '%s/timings.txt'",
             bin, clip, dir, scratch);
    CHECK_EQ_INT(gs_test_sh(cmd), 0);
    snprintf(cmd, sizeof(cmd), "%s/timings.txt", scratch);
    char *tm = gs_test_read_text(cmd);
    CHECK_STR_CONTAINS(tm, "landmarks");
    CHECK_STR_CONTAINS(tm, "encoding");
    CHECK_STR_CONTAINS(tm, "process CPU");
    free(tm);
}

/* 2. failure paths still write a report that says what went wrong: 2.4 s of the sample is
 * about three strides in all, fewer than the 3 per side statistics need */
static void too_few_strides_is_an_error_with_a_report_saying_why(void)
{
    char dir[2048], cmd[9000];
    snprintf(dir, sizeof(dir), "%s/analyze_short", scratch);
    int rc = analyze(sample, dir, "--model lite --end 2.4 --no-overlay");
    CHECK_EQ_INT(rc, 1);
    snprintf(cmd, sizeof(cmd), "%s.err", dir);
    char *e = gs_test_read_text(cmd);
    CHECK_STR_CONTAINS(e, "gaitscope: ");
    CHECK_STR_CONTAINS(e, "too few strides");
    free(e);
    snprintf(cmd, sizeof(cmd), "%s/report.html", dir);
    e = gs_test_read_text(cmd);
    CHECK_MSG(e && strstr(e, "too few strides"), "too-few-strides report does not say why");
    free(e);
}

static void a_clip_without_a_person_is_an_error_with_a_report(void)
{
    char dir[2048], cmd[9000], clip[2048];
    char *e;
    int rc;
    snprintf(clip, sizeof(clip), "%s/nobody.mp4", scratch);
    snprintf(cmd, sizeof(cmd),
             "ffmpeg -v error -y -f lavfi -i testsrc2=size=320x240:rate=30:duration=2 "
             "-pix_fmt yuv420p -c:v libx264 '%s'",
             clip);
    CHECK(gs_test_sh(cmd) == 0);
    snprintf(dir, sizeof(dir), "%s/analyze_nobody", scratch);
    rc = analyze(clip, dir, "--model lite");
    CHECK_EQ_INT(rc, 1);
    snprintf(cmd, sizeof(cmd), "%s.err", dir);
    e = gs_test_read_text(cmd);
    CHECK_STR_CONTAINS(e, "nobody.mp4");
    CHECK_STR_CONTAINS(e, "person");
    free(e);
    snprintf(cmd, sizeof(cmd), "%s/report.html", dir);
    CHECK_MSG(access(cmd, R_OK) == 0, "no report for the no-person clip");
}

/* Whether the end-to-end runs on ../shared's clips can run here: no when ../shared is absent
 * (the test then exits 77 if nothing failed) or under the sanitizers (minutes of inference; the
 * release build runs them); says why on stderr. */
static int dataset_runs(const char *what)
{
    if (!gs_test_dir_exists(shared)) {
        fprintf(stderr, "skip: no ../shared: %s not run\n", what);
        skipped = 1;
        return 0;
    }
    if (sanitized) {
        fprintf(stderr, "skip: sanitizer build: dataset end-to-end runs are in the release build\n");
        return 0;
    }
    return 1;
}

/* A running side view at 60 fps: by default its toe-offs are timed from the picture
 * (src/analysis/toe_image.c; 17 of its 18 in tests/test_toe_image.c), which analysis.json says
 * in methods.toe_off_image and per event (timed_by), with no warning. */
static void toe_offs_from_the_picture_by_default(const char *dir)
{
    char path[2100];
    snprintf(path, sizeof(path), "%s/analysis.json", dir);
    char *e = gs_test_read_text(path);
    cJSON *j = e ? cJSON_Parse(e) : NULL;
    const cJSON *ti = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(j, "methods"), "toe_off_image");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(ti, "timed_from_image");
    const cJSON *it;
    int by_image = 0, warned = 0;
    CHECK_MSG(cJSON_IsNumber(n) && n->valueint >= 12, "%s: methods.toe_off_image.timed_from_image "
              "%d (want >= 12 of the clip's ~20)", path,
              cJSON_IsNumber(n) ? n->valueint : -1);
    /* contacts from the picture, the default for side-view treadmill running since session 17
     * (analyze.c CONTACT_AUTO_IMAGE; 15 of the clip's 18 in tests/test_contact_image.c): counted
     * apart, as methods.contact_image says */
    const cJSON *nc = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "methods"),
                                         "contact_image"),
        "timed_from_image");
    CHECK_MSG(cJSON_IsNumber(nc) && nc->valueint >= 12,
              "%s: methods.contact_image.timed_from_image %d (want >= 12 of the clip's 18)", path,
              cJSON_IsNumber(nc) ? nc->valueint : -1);
    /* one decoding for both passes (analyze.c, src/analysis/picture_pass.c): the contact
     * windows, planned on the landmark contacts, are filled by the toe-off pass's decoding and
     * the contact pass decodes nothing (270 frames and 2.1 s of the run before session 18) */
    const cJSON *cfd = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "methods"),
                                         "contact_image"),
        "frames_decoded");
    const cJSON *tfd = cJSON_GetObjectItemCaseSensitive(ti, "frames_decoded");
    CHECK_MSG(cJSON_IsNumber(cfd) && cfd->valueint == 0 && cJSON_IsNumber(tfd) && tfd->valueint > 0,
              "%s: the contact pass decoded %d frames, the toe-off pass %d (want 0: one decoding "
              "for both)",
              path, cJSON_IsNumber(cfd) ? cfd->valueint : -1,
              cJSON_IsNumber(tfd) ? tfd->valueint : -1);
    int ic_by_image = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "events"))
    {
        const cJSON *tb = cJSON_GetObjectItemCaseSensitive(it, "timed_by");
        const cJSON *ty = cJSON_GetObjectItemCaseSensitive(it, "type");
        int img = cJSON_IsString(tb) && !strcmp(tb->valuestring, "image");
        int ic = cJSON_IsString(ty) && !strcmp(ty->valuestring, "IC");
        by_image += img && !ic;
        ic_by_image += img && ic;
    }
    CHECK_MSG(cJSON_IsNumber(n) && by_image == n->valueint,
              "%s: %d toe-offs timed_by image, methods says %d", path, by_image,
              cJSON_IsNumber(n) ? n->valueint : -1);
    CHECK_MSG(ic_by_image == (cJSON_IsNumber(nc) ? nc->valueint : 0),
              "%s: %d contacts timed_by image, methods.contact_image says %d", path, ic_by_image,
              cJSON_IsNumber(nc) ? nc->valueint : 0);
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "warnings"))
        warned += cJSON_IsString(it) && strstr(it->valuestring, "toe-off") != NULL;
    CHECK_MSG(warned == 0, "%s: a toe-off warning although the picture was used", path);
    cJSON_Delete(j);
    free(e);
}

/* 3. the shared clips (release build only: minutes of inference) */
static void shared_clips_write_every_artifact(void)
{
    char dir[2048], clip[2048];
    int rc;
    if (dataset_runs("dataset end-to-end runs")) {
        /* Treadmill side views, where enough strides are certain: a 60 fps portrait clip and a
         * variable-frame-rate .mov. (Every clip's pose and gait are checked by test_pose and
         * test_gait; this checks the artifacts of the whole pipeline on other inputs.) The 60 fps
         * clip with the default (full) model: the lite one exchanges the legs' labels on most
         * frames of it, and which of two continuous labellings the clean-up's swap fix keeps is
         * a toss (main at 3f8f2a0 kept the right one by chance, with contacts of 303 and 400 ms;
         * the tracker's second look at frames 142 and 144, issue 13, tipped it to the wrong one
         * over frames 134-141 and cadence read 243 steps/min). */
        static const struct {
            const char *file, *extra;
        } clips[] = {
            {"run_side_treadmill_02_60fps.mp4", ""},
            {"run_side_treadmill_04.mov", "--model lite --no-overlay"},
        };
        for (size_t i = 0; i < sizeof(clips) / sizeof(clips[0]); i++) {
            snprintf(clip, sizeof(clip), "%s/datasets/%s", shared, clips[i].file);
            snprintf(dir, sizeof(dir), "%s/analyze_%zu", scratch, i);
            rc = analyze(clip, dir, clips[i].extra);
            CHECK_MSG(rc == 0, "analyze %s exited %d", clips[i].file, rc);
            check_artifacts(clip, dir, strstr(clips[i].extra, "--no-overlay") == NULL, 0, 0, 1);
            if (i == 0)
                toe_offs_from_the_picture_by_default(dir);
        }
    }
}

/* 4. issue 13 item 5: the backlit pan (23.976 fps playback of a slow-motion capture) read as a
 * walk or with one stride; played as filmed the analysis now stops and says why, and with its
 * factor stated it is a run (5 x: a 120 fps capture; its cadence 165 steps/min then). Its
 * camera cuts the runner's feet off at the bottom of the picture from frame 162 (left) / 194
 * (right) and loses the runner at the right edge at the end: the events there are BlazePose's
 * guesses of feet it cannot see and are dropped, and so are the strides across those frames
 * (gait.c foot_out_of_picture). Three strides per side passed before only with those junk
 * strides (two of the three right ones); one per side is seen, so the analysis stops at too few
 * strides, still writing analysis.json with the activity and a note naming the first frame. */
static void slow_motion_is_refused_until_its_factor_is_given(void)
{
    char dir[2048], clip[2048], path[2100];
    char *e;
    if (!dataset_runs("slow-motion clip"))
        return;
    snprintf(clip, sizeof(clip), "%s/datasets/run_side_overground_02_backlit_pan.mp4", shared);
    snprintf(dir, sizeof(dir), "%s/analyze_slowmo", scratch);
    CHECK_EQ_INT(analyze(clip, dir, "--no-overlay"), 1);
    snprintf(path, sizeof(path), "%s.err", dir);
    e = gs_test_read_text(path);
    CHECK_STR_CONTAINS(e, "slow-motion");
    CHECK_STR_CONTAINS(e, "--slowmo F");
    CHECK_MSG(e && count_lines(path) == 1, "more than one error line: %s", e ? e : "");
    free(e);
    snprintf(dir, sizeof(dir), "%s/analyze_slowmo5", scratch);
    CHECK_EQ_INT(analyze(clip, dir, "--no-overlay --slowmo 5"), 1); /* too few strides */
    snprintf(path, sizeof(path), "%s/analysis.json", dir);
    e = gs_test_read_text(path);
    cJSON *j = e ? cJSON_Parse(e) : NULL;
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(j, "activity");
    CHECK_MSG(cJSON_IsString(act) && !strcmp(act->valuestring, "run"), "%s: activity %s", path,
              cJSON_IsString(act) ? act->valuestring : "missing");
    {
        /* one note on the feet out of the picture, and strides unused for it on both sides */
        int notes = 0, out[2] = {0, 0};
        const cJSON *it;
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "notes"))
            notes += cJSON_IsString(it) && strstr(it->valuestring, "feet out of the picture") &&
                     strstr(it->valuestring, "from frame 1");
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "strides"))
        {
            const cJSON *why = cJSON_GetObjectItemCaseSensitive(it, "why");
            const cJSON *side = cJSON_GetObjectItemCaseSensitive(it, "side");
            if (cJSON_IsString(why) && strstr(why->valuestring, "foot out of the picture") &&
                cJSON_IsString(side))
                out[strcmp(side->valuestring, "right") == 0]++;
        }
        CHECK_MSG(notes == 1, "%s: %d notes on feet out of the picture (want 1)", path, notes);
        /* the left strides across 162-171 and 242-262 (its events on either side are seen);
         * the right foot's events are all dropped after 191, so it has no stride to explain */
        CHECK_MSG(out[0] >= 1, "%s: strides unused for a foot out of the picture: left %d, "
                  "right %d", path, out[0], out[1]);
        /* the junk events of the end (two 0.1 s "stances" at 359-362 as the runner leaves at
         * the right edge, both ankles past it from 357) are gone */
        int late = 0;
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "events"))
        {
            const cJSON *fr = cJSON_GetObjectItemCaseSensitive(it, "frame");
            late += cJSON_IsNumber(fr) && fr->valuedouble > 340;
        }
        CHECK_MSG(late == 0, "%s: %d events after frame 340, where no foot is seen", path, late);
    }
    cJSON_Delete(j);
    free(e);
}

/* 4b. issue 13: a 10 s slow-motion burst, the length coaches film on a phone: the lab clip's first
 * 10 s (about 10 x, 300 frames: one leg cycle and a half of ~6.8 s) hold too few cycles for the
 * 3-30 s cycle search, so the analysis went on to "too few strides" with no hint. Half a cycle
 * (each foot where the other was, 2.6-3.5 s of playback) now stops it with the same one line. */
static void slow_motion_burst_of_10_s_is_refused(void)
{
    char dir[2048], clip[2048], path[2100];
    char *e;
    if (!dataset_runs("10 s slow-motion burst"))
        return;
    snprintf(clip, sizeof(clip), "%s/datasets/run_side_treadmill_03_lab.mp4", shared);
    snprintf(dir, sizeof(dir), "%s/analyze_slowmo_burst", scratch);
    CHECK_EQ_INT(analyze(clip, dir, "--no-overlay --end 10"), 1);
    snprintf(path, sizeof(path), "%s.err", dir);
    e = gs_test_read_text(path);
    fprintf(stderr, "10 s burst: %s", e ? e : "(no error text)\n");
    CHECK_STR_CONTAINS(e, "slow-motion");
    CHECK_STR_CONTAINS(e, "--slowmo F");
    CHECK_STR_CONTAINS(e, "--capture-fps N");
    CHECK_MSG(e && !strstr(e, "too few strides"), "too few strides instead of the hint: %s",
              e ? e : "");
    CHECK_MSG(e && count_lines(path) == 1, "more than one error line: %s", e ? e : "");
    free(e);
}

/* 5. issue 13 item 5: a walker seen from the front has a foot on the ground at every instant.
 * walk_front_cane_01 (a man with a white cane walking towards the camera; its licence is unknown,
 * so neither the clip nor a track made from it is committed: this runs the whole pipeline on the
 * shared copy, 4.8 s) read as a run with contacts L 290 / R 643 ms: the pelvis-anchored events
 * took the pelvis's lowest point for mid-stance. Its analysis stops at too few strides (2 left),
 * but analysis.json still carries the activity. */
static void cane_walk_seen_from_the_front_is_a_walk(void)
{
    char dir[2048], clip[2048], path[2100];
    char *e;
    if (!dataset_runs("front-view cane walk"))
        return;
    snprintf(clip, sizeof(clip), "%s/datasets/walk_front_cane_01.mp4", shared);
    snprintf(dir, sizeof(dir), "%s/analyze_cane", scratch);
    CHECK_EQ_INT(analyze(clip, dir, "--no-overlay"), 1); /* too few strides (2 left) */
    snprintf(path, sizeof(path), "%s/analysis.json", dir);
    e = gs_test_read_text(path);
    cJSON *j = e ? cJSON_Parse(e) : NULL;
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(j, "activity");
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(j, "view"), "kind");
    CHECK_MSG(cJSON_IsString(act) && !strcmp(act->valuestring, "walk"), "%s: activity %s", path,
              cJSON_IsString(act) ? act->valuestring : "missing");
    CHECK_MSG(cJSON_IsString(kind) && !strcmp(kind->valuestring, "front"), "%s: view %s", path,
              cJSON_IsString(kind) ? kind->valuestring : "missing");
    cJSON_Delete(j);
    free(e);
}

static const gs_test_spec specs[] = {
    {"sample_run_writes_every_artifact", sample_run_writes_every_artifact},
    {"sample_has_no_model_warning", sample_has_no_model_warning},
    {"sample_key_frames_name_their_sides_findings", sample_key_frames_name_their_sides_findings},
    {"sample_report_renders_in_chromium", sample_report_renders_in_chromium},
    {"a_users_file_is_not_replaced_without_force", a_users_file_is_not_replaced_without_force},
    {"pipelined_run_equals_sequential_and_scales_the_overlay",
     pipelined_run_equals_sequential_and_scales_the_overlay},
    {"too_few_strides_is_an_error_with_a_report_saying_why",
     too_few_strides_is_an_error_with_a_report_saying_why},
    {"a_clip_without_a_person_is_an_error_with_a_report",
     a_clip_without_a_person_is_an_error_with_a_report},
    {"shared_clips_write_every_artifact", shared_clips_write_every_artifact},
    {"slow_motion_is_refused_until_its_factor_is_given",
     slow_motion_is_refused_until_its_factor_is_given},
    {"slow_motion_burst_of_10_s_is_refused", slow_motion_burst_of_10_s_is_refused},
    {"cane_walk_seen_from_the_front_is_a_walk", cane_walk_seen_from_the_front_is_a_walk},
};

int main(int argc, char **argv)
{
    shared = argc > 1 ? argv[1] : NULL;
    if (argc > 2)
        scratch = argv[2];
    bin = getenv("GAITSCOPE_BIN");
    if (!bin || access(bin, X_OK) != 0) {
        fprintf(stderr, "test_analyze: GAITSCOPE_BIN not set\n");
        return 1;
    }
    if (access(GS_SOURCE_DIR "/models/pose_landmark_full.tflite", R_OK) != 0) {
        fprintf(stderr, "test_analyze: models missing: run scripts/setup.sh; skipped\n");
        return 77;
    }
    snprintf(sample, sizeof(sample), "%s/datasets/run_side_treadmill_01.mp4", GS_SOURCE_DIR);
    gs_test_run_specs(specs, sizeof(specs) / sizeof(specs[0]));
    return gs_test_finish("test_analyze", skipped);
}
