/*
 * pose.json reader and writer ("gaitscope.pose/1", ../shared/DESIGN.md "Artifacts").
 *
 * Reading validates every item it uses; a malformed file is rejected with one line naming the
 * file and the JSON path of the offending item ("frames[12].kp[3]: expected 4 numbers"). Unknown
 * keys are ignored, so later format additions do not break old readers. The document is not
 * turned into one cJSON tree: a tree costs about 20 times the text (a 30-minute clip's 343 MB
 * pose.json needed 4.4 GB). A small scanner finds the extent of each top-level member and of each
 * frame in the text, and cJSON parses one frame at a time, which is freed before the next; the
 * peak is the text plus the track (about 1.4 times the file).
 *
 * Writing streams one frame at a time (a long clip has tens of thousands of frames; a cJSON tree
 * of all of them would cost hundreds of MB). Numbers are written with the fewest digits that
 * read back as the same float, so a written track reads back bit-exactly.
 */
#include "pose.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORMAT_ID "gaitscope.pose/1"

/*
 * Largest |coordinate| accepted. Landmarks may lie outside the frame (BlazePose extrapolates
 * hidden points), but not by more than the largest frame this reader accepts (1e6 px, see
 * video.width): a value like 1e308 is a broken file, and it made metric means of 1e308 that
 * printed as 309-digit numbers. World landmarks are hip-centred metres (a person is ~2 m), so
 * 1e4 m is already far beyond any body.
 */
#define MAX_PX 1e6
#define MAX_M  1e4

/*
 * Largest pose.json read, bytes: 2 GiB, about 2.5 hours at 60 fps with raw and world landmarks
 * (343 MB per 30 minutes). The reader holds the text and the track (about 1.4 times this).
 */
#define MAX_FILE_BYTES ((size_t)2 << 30)

/* cJSON's default nesting limit (CJSON_NESTING_LIMIT), kept by the scanner too. */
#define MAX_DEPTH 1000

/* BlazePose landmark names in model order (MediaPipe pose landmark model card). */
static const char *const kp_names[GS_POSE_NKP] = {
    "nose",           "left_eye_inner", "left_eye",        "left_eye_outer",
    "right_eye_inner", "right_eye",     "right_eye_outer", "left_ear",
    "right_ear",      "mouth_left",     "mouth_right",     "left_shoulder",
    "right_shoulder", "left_elbow",     "right_elbow",     "left_wrist",
    "right_wrist",    "left_pinky",     "right_pinky",     "left_index",
    "right_index",    "left_thumb",     "right_thumb",     "left_hip",
    "right_hip",      "left_knee",      "right_knee",      "left_ankle",
    "right_ankle",    "left_heel",      "right_heel",      "left_foot_index",
    "right_foot_index"};
_Static_assert(GS_KP_COUNT == GS_POSE_NKP, "landmark enum and count agree");

static const struct {
    uint32_t bit;
    const char *name;
} flag_names[] = {
    {GS_POSE_FLAG_SWAP_FIXED, "swap_fixed"},
    {GS_POSE_FLAG_GAP_FILLED, "gap_filled"},
    {GS_POSE_FLAG_SMOOTHED, "smoothed"},
    {GS_POSE_FLAG_FOOT_FIXED, "foot_fixed"},
};

const char *gs_kp_name(int i)
{
    return i >= 0 && i < GS_POSE_NKP ? kp_names[i] : NULL;
}

gs_status gs_pose_track_new(int32_t n_frames, gs_pose_track **out, gs_error *err)
{
    gs_pose_track *t;

    *out = NULL;
    if (n_frames < 0)
        return gs_fail(err, GS_ERR_ARG, "pose track: negative frame count %d", (int)n_frames);
    t = calloc(1, sizeof(*t));
    if (!t)
        return gs_fail(err, GS_ERR_NOMEM, "pose track: out of memory");
    t->second_looks = -1; /* not recorded */
    if (n_frames > 0) {
        t->frames = calloc((size_t)n_frames, sizeof(*t->frames));
        if (!t->frames) {
            free(t);
            return gs_fail(err, GS_ERR_NOMEM, "pose track: out of memory for %d frames",
                           (int)n_frames);
        }
    }
    t->n_frames = n_frames;
    *out = t;
    return GS_OK;
}

gs_status gs_pose_track_copy(const gs_pose_track *t, gs_pose_track **out, gs_error *err)
{
    gs_status rc = gs_pose_track_new(t->n_frames, out, err);
    if (rc != GS_OK)
        return rc;
    gs_pose_frame *frames = (*out)->frames; /* the only member the track owns */
    **out = *t;
    (*out)->frames = frames;
    if (t->n_frames > 0)
        memcpy(frames, t->frames, (size_t)t->n_frames * sizeof(*frames));
    return GS_OK;
}

void gs_pose_track_free(gs_pose_track **t)
{
    if (!t || !*t)
        return;
    free((*t)->frames);
    free(*t);
    *t = NULL;
}

/* 1 when s is one of the sources pose.schema.json's video.time_scale_source allows; the reader
 * refuses others, so every consumer of the field sees one of these or "" (not recorded). */
static int known_time_source(const char *s)
{
    static const char *const sources[] = {"none", "slowmo-option", "capture-fps-option",
                                          "metadata"};
    for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
        if (!strcmp(s, sources[i]))
            return 1;
    return 0;
}

int gs_pose_track_time_stated(const gs_pose_track *t)
{
    return t && known_time_source(t->time_scale_source) &&
           strcmp(t->time_scale_source, "none") != 0;
}

gs_status gs_pose_track_set_time_scale(gs_pose_track *t, double slowmo, double capture_fps,
                                       const char *name, gs_error *err)
{
    double f;
    if (!t)
        return gs_fail(err, GS_ERR_ARG, "%s: no pose track", name);
    if (!(slowmo > 0) && !(capture_fps > 0))
        return GS_OK;
    if (slowmo > 0 && capture_fps > 0)
        return gs_fail(err, GS_ERR_ARG, "%s: give --slowmo or --capture-fps, not both", name);
    if (gs_pose_track_time_stated(t))
        return gs_fail(err, GS_ERR_ARG,
                       "%s: its times are already real time (scaled by %g, %s, when it was "
                       "made): drop --slowmo / --capture-fps",
                       name, t->time_scale, t->time_scale_source);
    if (slowmo > 0) {
        f = 1.0 / slowmo;
    } else {
        if (!(t->fps > 0))
            return gs_fail(err, GS_ERR_ARG,
                           "%s: --capture-fps needs the track's frame rate (video.fps)", name);
        f = t->fps / capture_fps;
    }
    for (int32_t i = 0; i < t->n_frames; i++)
        t->frames[i].t_s *= f;
    t->time_scale = f;
    snprintf(t->time_scale_source, sizeof(t->time_scale_source), "%s",
             slowmo > 0 ? "slowmo-option" : "capture-fps-option");
    return GS_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Reading                                                                                    */

/* Context of one parse: the name used in messages. */
typedef struct rd {
    const char *name;
    gs_error *err;
} rd;

static gs_status bad(rd *r, const char *fmt_item, const char *what)
{
    return gs_fail(r->err, GS_ERR_FORMAT, "%s: %s: %s", r->name, fmt_item, what);
}

/* Reads a finite number; returns 0 if item is not one. */
static int get_num(const cJSON *item, double *v)
{
    if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble))
        return 0;
    *v = item->valuedouble;
    return 1;
}

/* Fills n doubles from a JSON array of exactly n finite numbers. */
static int get_nums(const cJSON *arr, double *dst, int n)
{
    const cJSON *e;
    int i = 0;

    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) != n)
        return 0;
    cJSON_ArrayForEach(e, arr)
    {
        if (!get_num(e, &dst[i++]))
            return 0;
    }
    return 1;
}

/* The error for coordinate c (0 x, 1 y, 2 z) of value v beyond limit (unit "" or " m"). */
static gs_status implausible(rd *r, const char *item, int c, double v, double limit,
                             const char *unit, const char *kind)
{
    char what[160];
    snprintf(what, sizeof(what),
             "%c = %g%s is not a plausible %s coordinate (|%c| must be <= %g%s)", "xyz"[c], v, unit,
             kind, "xyz"[c], limit, unit);
    return bad(r, item, what);
}

/* Reads a 33 x 4 landmark array ("kp" or "raw") into dst; key names the item in messages. */
static gs_status read_kp(rd *r, const cJSON *arr, gs_kp *dst, int frame, const char *key)
{
    char item[64];
    const cJSON *e;
    int i = 0;

    snprintf(item, sizeof(item), "frames[%d].%s", frame, key);
    if (!cJSON_IsArray(arr))
        return bad(r, item, "expected an array of 33 landmarks or null");
    if (cJSON_GetArraySize(arr) != GS_POSE_NKP) {
        char what[64];
        snprintf(what, sizeof(what), "expected 33 landmarks, got %d", cJSON_GetArraySize(arr));
        return bad(r, item, what);
    }
    cJSON_ArrayForEach(e, arr)
    {
        double v[4];
        snprintf(item, sizeof(item), "frames[%d].%s[%d]", frame, key, i);
        if (!get_nums(e, v, 4))
            return bad(r, item, "expected 4 numbers [x, y, z, visibility]");
        if (v[3] < 0.0 || v[3] > 1.0)
            return bad(r, item, "visibility outside 0..1");
        for (int c = 0; c < 3; c++)
            if (fabs(v[c]) > MAX_PX)
                return implausible(r, item, c, v[c], MAX_PX, "", "pixel");
        dst[i].x = (float)v[0];
        dst[i].y = (float)v[1];
        dst[i].z = (float)v[2];
        dst[i].vis = (float)v[3];
        i++;
    }
    return GS_OK;
}

static gs_status read_frame(rd *r, const cJSON *fr, gs_pose_frame *f, int i, double t_prev)
{
    char item[64];
    const cJSON *e;
    double v;
    gs_status rc;

    snprintf(item, sizeof(item), "frames[%d]", i);
    if (!cJSON_IsObject(fr))
        return bad(r, item, "expected an object");

    snprintf(item, sizeof(item), "frames[%d].t", i);
    e = cJSON_GetObjectItemCaseSensitive(fr, "t");
    if (!e)
        return bad(r, item, "missing");
    if (!get_num(e, &v))
        return bad(r, item, "expected a number (seconds)");
    if (i > 0 && !(v > t_prev)) {
        char what[96];
        snprintf(what, sizeof(what), "%.6f is not after the previous frame's %.6f", v, t_prev);
        return bad(r, item, what);
    }
    f->t_s = v;

    snprintf(item, sizeof(item), "frames[%d].score", i);
    e = cJSON_GetObjectItemCaseSensitive(fr, "score");
    if (!e)
        return bad(r, item, "missing");
    if (!get_num(e, &v) || v < 0.0 || v > 1.0)
        return bad(r, item, "expected a probability 0..1");
    f->score = (float)v;

    snprintf(item, sizeof(item), "frames[%d].kp", i);
    e = cJSON_GetObjectItemCaseSensitive(fr, "kp");
    if (!e)
        return bad(r, item, "missing (use null when no person)");
    if (!cJSON_IsNull(e)) {
        rc = read_kp(r, e, f->kp, i, "kp");
        if (rc != GS_OK)
            return rc;
        f->has_kp = 1;
    }

    e = cJSON_GetObjectItemCaseSensitive(fr, "raw");
    if (e && !cJSON_IsNull(e)) {
        rc = read_kp(r, e, f->raw, i, "raw");
        if (rc != GS_OK)
            return rc;
        f->has_raw = 1;
    }

    e = cJSON_GetObjectItemCaseSensitive(fr, "world");
    if (e && !cJSON_IsNull(e)) {
        const cJSON *w;
        int k = 0;
        snprintf(item, sizeof(item), "frames[%d].world", i);
        if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != GS_POSE_NKP)
            return bad(r, item, "expected 33 x [x_m, y_m, z_m]");
        cJSON_ArrayForEach(w, e)
        {
            double wv[3];
            snprintf(item, sizeof(item), "frames[%d].world[%d]", i, k);
            if (!get_nums(w, wv, 3))
                return bad(r, item, "expected 3 numbers [x_m, y_m, z_m]");
            for (int c = 0; c < 3; c++) {
                if (fabs(wv[c]) > MAX_M)
                    return implausible(r, item, c, wv[c], MAX_M, " m", "world");
                f->world[k][c] = (float)wv[c];
            }
            k++;
        }
        f->has_world = 1;
    }

    e = cJSON_GetObjectItemCaseSensitive(fr, "flags");
    if (e && !cJSON_IsNull(e)) {
        const cJSON *s;
        snprintf(item, sizeof(item), "frames[%d].flags", i);
        if (!cJSON_IsArray(e))
            return bad(r, item, "expected a list of strings");
        cJSON_ArrayForEach(s, e)
        {
            if (!cJSON_IsString(s))
                return bad(r, item, "expected a list of strings");
            /* Unknown flag names are ignored like unknown keys. */
            for (size_t k = 0; k < sizeof(flag_names) / sizeof(flag_names[0]); k++)
                if (!strcmp(s->valuestring, flag_names[k].name))
                    f->flags |= flag_names[k].bit;
        }
    }
    return GS_OK;
}

/* Copies an optional string member into dst; error if present and not a string. */
static gs_status get_str(rd *r, const cJSON *obj, const char *key, const char *item, char *dst,
                         size_t cap)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!e || cJSON_IsNull(e))
        return GS_OK;
    if (!cJSON_IsString(e))
        return bad(r, item, "expected a string");
    snprintf(dst, cap, "%s", e->valuestring);
    return GS_OK;
}

/* Line and column (1-based) of byte offset off in text, for JSON syntax errors (64-bit: one
 * line of a 2 GB file has more columns than an int counts). */
static void line_col(const char *text, size_t off, int64_t *line, int64_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* The error for a syntax error at byte off of text (len bytes). */
static gs_status syntax_error(rd *r, const char *text, size_t len, size_t off)
{
    int64_t line, col;
    if (off >= len)
        return gs_fail(r->err, GS_ERR_FORMAT, "%s: not valid JSON (truncated at byte %zu)", r->name,
                       len);
    line_col(text, off, &line, &col);
    return gs_fail(r->err, GS_ERR_FORMAT, "%s: not valid JSON at line %lld, column %lld", r->name,
                   (long long)line, (long long)col);
}

/*
 * The scanner: positions in the text, the extent of one JSON value without building it. It only
 * counts brackets and skips strings; the content of each extent is checked when cJSON parses it,
 * and the punctuation between extents here, so every syntax error is still found.
 */
typedef struct scan {
    const char *s; /* the text */
    size_t n;      /* its length */
    size_t i;      /* current position */
} scan;

static void skip_ws(scan *c)
{
    while (c->i < c->n &&
           (c->s[c->i] == ' ' || c->s[c->i] == '\t' || c->s[c->i] == '\n' || c->s[c->i] == '\r'))
        c->i++;
}

/* At a '"': moves past the closing quote. 0 when the text ends first. */
static int skip_string(scan *c)
{
    for (c->i++; c->i < c->n;) {
        char ch = c->s[c->i++];
        if (ch == '\\')
            c->i++; /* the escaped character, whatever it is (cJSON checks the escape) */
        else if (ch == '"')
            return 1;
    }
    c->i = c->n;
    return 0;
}

/* 1 for a character that ends a number or a literal. */
static int is_delim(char ch)
{
    return ch == ',' || ch == ']' || ch == '}' || ch == ':' || ch == ' ' || ch == '\t' ||
           ch == '\n' || ch == '\r' || ch == '"' || ch == '[' || ch == '{';
}

/*
 * At the first character of a value: moves past it. An object or array ends where its brackets
 * balance (at most MAX_DEPTH deep, iteratively, so no input can exhaust the stack); a number or
 * literal at the next delimiter. 0 when the text ends first, the nesting is too deep, or there is
 * no value here.
 */
static int skip_value(scan *c)
{
    int depth = 0;
    if (c->i >= c->n)
        return 0;
    if (c->s[c->i] == '"')
        return skip_string(c);
    if (c->s[c->i] != '{' && c->s[c->i] != '[') {
        size_t i0 = c->i;
        while (c->i < c->n && !is_delim(c->s[c->i]))
            c->i++;
        return c->i > i0;
    }
    while (c->i < c->n) {
        char ch = c->s[c->i];
        if (ch == '"') {
            if (!skip_string(c))
                return 0;
            continue;
        }
        c->i++;
        if (ch == '{' || ch == '[') {
            if (++depth > MAX_DEPTH)
                return 0;
        } else if ((ch == '}' || ch == ']') && --depth == 0) {
            return 1;
        }
    }
    return 0;
}

/* Parses text[a, b) as exactly one JSON value; NULL (and *rc set, the position named in the
 * whole text) when it is not one. Caller frees with cJSON_Delete(). */
static cJSON *parse_extent(rd *r, const char *text, size_t len, size_t a, size_t b, gs_status *rc)
{
    const char *end = NULL;
    cJSON *v = cJSON_ParseWithLengthOpts(text + a, b - a, &end, 0);
    size_t off;
    if (v && end == text + b)
        return v;
    off = end && end >= text + a && end <= text + b ? (size_t)(end - text) : b;
    cJSON_Delete(v);
    *rc = syntax_error(r, text, len, off);
    return NULL;
}

/* Members of the document read into the small header tree; "frames" stays in the text. */
static int header_key(const char *k)
{
    static const char *const keys[] = {"format", "video", "landmarks", "model", "person",
                                      "second_looks"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (!strcmp(k, keys[i]))
            return 1;
    return 0;
}

/*
 * Walks the elements of the array whose '[' is at c->i. For each element calls fn(user, index,
 * start, end) unless fn is NULL; counts them into *n. Stops at the first error (syntax, or fn's).
 */
typedef gs_status (*element_fn)(void *user, int32_t index, size_t a, size_t b);

static gs_status walk_array(rd *r, scan *c, int32_t *n, element_fn fn, void *user)
{
    gs_status rc;
    *n = 0;
    c->i++; /* '[' */
    skip_ws(c);
    if (c->i < c->n && c->s[c->i] == ']') {
        c->i++;
        return GS_OK;
    }
    for (;;) {
        size_t a;
        skip_ws(c);
        a = c->i;
        if (!skip_value(c))
            return syntax_error(r, c->s, c->n, c->i);
        if (*n == INT32_MAX)
            return bad(r, "frames", "too many frames");
        if (fn && (rc = fn(user, *n, a, c->i)) != GS_OK)
            return rc;
        (*n)++;
        skip_ws(c);
        if (c->i < c->n && c->s[c->i] == ',') {
            c->i++;
            continue;
        }
        if (c->i < c->n && c->s[c->i] == ']') {
            c->i++;
            return GS_OK;
        }
        return syntax_error(r, c->s, c->n, c->i);
    }
}

/* State of the frame pass: one frame parsed, read into the track and freed at a time. */
typedef struct frame_pass {
    rd *r;
    const char *text;
    size_t len;
    gs_pose_track *t;
} frame_pass;

static gs_status read_one_frame(void *user, int32_t i, size_t a, size_t b)
{
    frame_pass *fp = user;
    gs_status rc = GS_OK;
    cJSON *fr = parse_extent(fp->r, fp->text, fp->len, a, b, &rc);
    if (!fr)
        return rc;
    rc = read_frame(fp->r, fr, &fp->t->frames[i], i, i > 0 ? fp->t->frames[i - 1].t_s : 0.0);
    cJSON_Delete(fr);
    return rc;
}

gs_status gs_pose_json_parse(const char *text, size_t len, const char *name, gs_pose_track **out,
                             gs_error *err)
{
    gs_status rc = GS_OK;
    cJSON *doc = NULL, *key = NULL, *val = NULL;
    const cJSON *e, *video;
    gs_pose_track *t = NULL;
    rd r = {name ? name : "pose.json", err};
    scan c = {text, len, 0};
    size_t frames_at = 0;
    int has_frames = 0;
    double v;
    int32_t n = 0, i;

    *out = NULL;
    doc = cJSON_CreateObject();
    if (!doc) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", r.name);
        goto fail;
    }
    skip_ws(&c);
    if (c.i >= len || text[c.i] != '{') {
        /* not an object: say whether it is JSON at all */
        size_t a = c.i;
        if (!skip_value(&c)) {
            rc = syntax_error(&r, text, len, c.i);
            goto fail;
        }
        if (!(val = parse_extent(&r, text, len, a, c.i, &rc)))
            goto fail;
        rc = bad(&r, "document", "expected a JSON object");
        goto fail;
    }
    /* The top-level members: their extents, the small ones parsed into doc. */
    c.i++;
    skip_ws(&c);
    if (c.i < len && text[c.i] == '}')
        c.i++;
    else
        for (;;) {
            size_t ka, va;
            skip_ws(&c);
            ka = c.i;
            if (c.i >= len || text[c.i] != '"' || !skip_string(&c)) {
                rc = syntax_error(&r, text, len, c.i);
                goto fail;
            }
            if (!(key = parse_extent(&r, text, len, ka, c.i, &rc)))
                goto fail;
            skip_ws(&c);
            if (c.i >= len || text[c.i] != ':') {
                rc = syntax_error(&r, text, len, c.i);
                goto fail;
            }
            c.i++;
            skip_ws(&c);
            va = c.i;
            if (!skip_value(&c)) {
                rc = syntax_error(&r, text, len, c.i);
                goto fail;
            }
            /* A repeated key: the first one counts (as with cJSON_GetObjectItem); a repeat must
             * still be JSON. The frames array is checked by the frame passes below. */
            if (!strcmp(key->valuestring, "frames") && !has_frames) {
                has_frames = 1;
                frames_at = va;
            } else if (strcmp(key->valuestring, "frames") != 0) {
                if (!(val = parse_extent(&r, text, len, va, c.i, &rc)))
                    goto fail;
                if (header_key(key->valuestring) &&
                    !cJSON_GetObjectItemCaseSensitive(doc, key->valuestring)) {
                    if (!cJSON_AddItemToObject(doc, key->valuestring, val)) {
                        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", r.name);
                        goto fail;
                    }
                    val = NULL; /* owned by doc */
                }
                cJSON_Delete(val);
                val = NULL;
            }
            cJSON_Delete(key);
            key = NULL;
            skip_ws(&c);
            if (c.i < len && text[c.i] == ',') {
                c.i++;
                continue;
            }
            if (c.i < len && text[c.i] == '}') {
                c.i++;
                break;
            }
            rc = syntax_error(&r, text, len, c.i);
            goto fail;
        }
    skip_ws(&c);
    if (c.i < len) {
        rc = syntax_error(&r, text, len, c.i); /* something after the document */
        goto fail;
    }

    e = cJSON_GetObjectItemCaseSensitive(doc, "format");
    if (!cJSON_IsString(e)) {
        rc = bad(&r, "format", "missing (expected \"" FORMAT_ID "\")");
        goto fail;
    }
    if (strcmp(e->valuestring, FORMAT_ID) != 0) {
        char what[160];
        snprintf(what, sizeof(what), "\"%.60s\" is not supported (expected \"" FORMAT_ID "\")",
                 e->valuestring);
        rc = bad(&r, "format", what);
        goto fail;
    }

    /* landmarks: must name BlazePose's 33 points in order, or every index would be misread. */
    e = cJSON_GetObjectItemCaseSensitive(doc, "landmarks");
    if (e) {
        const cJSON *s;
        i = 0;
        if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != GS_POSE_NKP) {
            rc = bad(&r, "landmarks", "expected the 33 BlazePose landmark names");
            goto fail;
        }
        cJSON_ArrayForEach(s, e)
        {
            if (!cJSON_IsString(s) || strcmp(s->valuestring, kp_names[i]) != 0) {
                char item[32], what[96];
                snprintf(item, sizeof(item), "landmarks[%d]", (int)i);
                snprintf(what, sizeof(what), "expected \"%s\" (BlazePose order)", kp_names[i]);
                rc = bad(&r, item, what);
                goto fail;
            }
            i++;
        }
    }

    if (!has_frames) {
        rc = bad(&r, "frames", "missing");
        goto fail;
    }
    if (text[frames_at] != '[') {
        rc = bad(&r, "frames", "expected an array");
        goto fail;
    }
    /* First pass: count the frames (nothing is built), so the track is allocated once. */
    c.i = frames_at;
    rc = walk_array(&r, &c, &n, NULL, NULL);
    if (rc != GS_OK)
        goto fail;
    rc = gs_pose_track_new(n, &t, err);
    if (rc != GS_OK)
        goto fail;

    video = cJSON_GetObjectItemCaseSensitive(doc, "video");
    if (!cJSON_IsObject(video)) {
        rc = bad(&r, "video", video ? "expected an object" : "missing");
        goto fail;
    }
    e = cJSON_GetObjectItemCaseSensitive(video, "width");
    if (!get_num(e, &v) || v < 1 || v > 1e6 || v != floor(v)) {
        rc = bad(&r, "video.width", "expected a positive integer (pixels)");
        goto fail;
    }
    t->width = (int32_t)v;
    e = cJSON_GetObjectItemCaseSensitive(video, "height");
    if (!get_num(e, &v) || v < 1 || v > 1e6 || v != floor(v)) {
        rc = bad(&r, "video.height", "expected a positive integer (pixels)");
        goto fail;
    }
    t->height = (int32_t)v;
    e = cJSON_GetObjectItemCaseSensitive(video, "fps");
    if (e && !cJSON_IsNull(e)) {
        if (!get_num(e, &v) || v < 0 || v > 100000) {
            rc = bad(&r, "video.fps", "expected a frame rate >= 0");
            goto fail;
        }
        t->fps = v;
    }
    e = cJSON_GetObjectItemCaseSensitive(video, "frames");
    if (e && !cJSON_IsNull(e)) {
        if (!get_num(e, &v) || v != (double)n) {
            char what[96];
            snprintf(what, sizeof(what), "says %.0f frames but the frames list has %d",
                     get_num(e, &v) ? v : -1.0, (int)n);
            rc = bad(&r, "video.frames", what);
            goto fail;
        }
    }
    rc = get_str(&r, video, "source", "video.source", t->source, sizeof(t->source));
    if (rc != GS_OK)
        goto fail;
    /* optional: how the times relate to real time (written since issue 13's slow-motion check) */
    e = cJSON_GetObjectItemCaseSensitive(video, "time_scale");
    if (e && !cJSON_IsNull(e)) {
        if (!get_num(e, &v) || !(v > 0) || v > 1e6) {
            rc = bad(&r, "video.time_scale", "expected a positive factor");
            goto fail;
        }
        t->time_scale = v;
        rc = get_str(&r, video, "time_scale_source", "video.time_scale_source",
                     t->time_scale_source, sizeof(t->time_scale_source));
        if (rc != GS_OK)
            goto fail;
        if (t->time_scale_source[0] && !known_time_source(t->time_scale_source)) {
            rc = bad(&r, "video.time_scale_source",
                     "expected none, slowmo-option, capture-fps-option or metadata");
            goto fail;
        }
    }
    rc = get_str(&r, doc, "model", "model", t->model, sizeof(t->model));
    if (rc != GS_OK)
        goto fail;
    e = cJSON_GetObjectItemCaseSensitive(doc, "person");
    if (e && !cJSON_IsNull(e)) {
        if (!cJSON_IsObject(e)) {
            rc = bad(&r, "person", "expected an object");
            goto fail;
        }
        rc = get_str(&r, e, "rule", "person.rule", t->person_rule, sizeof(t->person_rule));
        if (rc != GS_OK)
            goto fail;
    }
    /* optional: the tracker's second looks at the person (written since issue 13 item 1) */
    e = cJSON_GetObjectItemCaseSensitive(doc, "second_looks");
    if (e && !cJSON_IsNull(e)) {
        if (!get_num(e, &v) || v < 0 || v > (double)n || v != floor(v)) {
            rc = bad(&r, "second_looks", "expected a frame count, at most the frames listed");
            goto fail;
        }
        t->second_looks = (int32_t)v;
    }

    /* Second pass: each frame parsed, read and freed in turn. */
    {
        frame_pass fp = {&r, text, len, t};
        int32_t n2;
        c.i = frames_at;
        rc = walk_array(&r, &c, &n2, read_one_frame, &fp);
        if (rc != GS_OK)
            goto fail;
    }
    cJSON_Delete(doc);
    *out = t;
    return GS_OK;
fail:
    cJSON_Delete(val);
    cJSON_Delete(key);
    cJSON_Delete(doc);
    gs_pose_track_free(&t);
    return rc;
}

gs_status gs_pose_json_read(const char *path, gs_pose_track **out, gs_error *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    gs_status rc;

    *out = NULL;
    rc = gs_file_read_max(path, MAX_FILE_BYTES, &data, &len, err);
    if (rc != GS_OK)
        return rc;
    rc = gs_pose_json_parse((const char *)data, len, path, out, err);
    free(data);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Writing                                                                                    */

/* Writer state: the open file and the first write error (checked once at the end). */
typedef struct wr {
    FILE *f;
    int failed;
} wr;

static void put(wr *w, const char *s)
{
    if (!w->failed && fputs(s, w->f) == EOF)
        w->failed = 1;
}

/* Shortest decimal that reads back as the same float (at most 9 significant digits). */
static void put_float(wr *w, float v)
{
    char buf[32];
    if (!isfinite(v))
        v = 0.0f; /* JSON has no NaN/Inf; the reader rejects them, so never write them */
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(buf, sizeof(buf), "%.*g", prec, (double)v);
        if (strtof(buf, NULL) == v)
            break;
    }
    put(w, buf);
}

static void put_double(wr *w, double v)
{
    char buf[40];
    if (!isfinite(v))
        v = 0.0;
    for (int prec = 9; prec <= 17; prec++) {
        snprintf(buf, sizeof(buf), "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    put(w, buf);
}

/* A JSON string literal via cJSON, so escaping is the library's. */
static void put_string(wr *w, const char *s)
{
    cJSON *str = cJSON_CreateString(s);
    char *txt = str ? cJSON_PrintUnformatted(str) : NULL;
    if (!txt)
        w->failed = 1;
    else
        put(w, txt);
    cJSON_free(txt);
    cJSON_Delete(str);
}

static void put_kp(wr *w, const gs_kp *kp)
{
    put(w, "[");
    for (int k = 0; k < GS_POSE_NKP; k++) {
        put(w, k ? ",[" : "[");
        put_float(w, kp[k].x);
        put(w, ",");
        put_float(w, kp[k].y);
        put(w, ",");
        put_float(w, kp[k].z);
        put(w, ",");
        put_float(w, kp[k].vis);
        put(w, "]");
    }
    put(w, "]");
}

gs_status gs_pose_json_write(const char *path, const gs_pose_track *t, gs_error *err)
{
    wr w = {NULL, 0};
    char buf[64], tmp[4200];

    if (!t || t->n_frames < 0 || (t->n_frames > 0 && !t->frames))
        return gs_fail(err, GS_ERR_ARG, "%s: invalid pose track", path);
    /* a temporary renamed into place: pose.json appears complete or not at all */
    w.f = gs_file_atomic_open(path, tmp, sizeof(tmp), err);
    if (!w.f)
        return err ? err->code : GS_ERR_IO;

    put(&w, "{\n\"format\": \"" FORMAT_ID "\",\n\"video\": {\"width\": ");
    snprintf(buf, sizeof(buf), "%d, \"height\": %d, \"fps\": ", (int)t->width, (int)t->height);
    put(&w, buf);
    put_double(&w, t->fps);
    snprintf(buf, sizeof(buf), ", \"frames\": %d, \"source\": ", (int)t->n_frames);
    put(&w, buf);
    put_string(&w, t->source);
    if (t->time_scale_source[0] && t->time_scale > 0) {
        put(&w, ", \"time_scale\": ");
        put_double(&w, t->time_scale);
        put(&w, ", \"time_scale_source\": ");
        put_string(&w, t->time_scale_source);
    }
    put(&w, "},\n\"model\": ");
    put_string(&w, t->model);
    put(&w, ",\n\"person\": {\"rule\": ");
    put_string(&w, t->person_rule);
    put(&w, "},\n");
    if (t->second_looks >= 0) {
        snprintf(buf, sizeof(buf), "\"second_looks\": %d,\n", (int)t->second_looks);
        put(&w, buf);
    }
    put(&w, "\"landmarks\": [");
    for (int k = 0; k < GS_POSE_NKP; k++) {
        put(&w, k ? ", \"" : "\"");
        put(&w, kp_names[k]);
        put(&w, "\"");
    }
    put(&w, "],\n\"frames\": [");
    for (int32_t i = 0; i < t->n_frames; i++) {
        const gs_pose_frame *f = &t->frames[i];
        put(&w, i ? ",\n{\"t\": " : "\n{\"t\": ");
        put_double(&w, f->t_s);
        put(&w, ", \"score\": ");
        put_float(&w, f->score);
        put(&w, ", \"kp\": ");
        if (f->has_kp)
            put_kp(&w, f->kp);
        else
            put(&w, "null");
        if (f->has_world) {
            put(&w, ", \"world\": [");
            for (int k = 0; k < GS_POSE_NKP; k++) {
                put(&w, k ? ",[" : "[");
                for (int c = 0; c < 3; c++) {
                    if (c)
                        put(&w, ",");
                    put_float(&w, f->world[k][c]);
                }
                put(&w, "]");
            }
            put(&w, "]");
        }
        if (f->has_raw) {
            put(&w, ", \"raw\": ");
            put_kp(&w, f->raw);
        }
        if (f->flags) {
            int first = 1;
            put(&w, ", \"flags\": [");
            for (size_t k = 0; k < sizeof(flag_names) / sizeof(flag_names[0]); k++) {
                if (f->flags & flag_names[k].bit) {
                    put(&w, first ? "\"" : ", \"");
                    put(&w, flag_names[k].name);
                    put(&w, "\"");
                    first = 0;
                }
            }
            put(&w, "]");
        }
        put(&w, "}");
    }
    put(&w, "\n]\n}\n");
    if (w.failed) {
        gs_file_atomic_close(w.f, tmp, path, 0, NULL);
        return gs_fail(err, GS_ERR_IO, "%s: write failed: %s", path, strerror(errno));
    }
    return gs_file_atomic_close(w.f, tmp, path, 1, err);
}
