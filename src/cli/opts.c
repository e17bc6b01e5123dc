/*
 * The option-table parser (opts.h) and the rows several commands share.
 *
 * A command's table is checked on every call before argv is read (a number without a finite
 * upper bound, a destination of the wrong size or outside the struct, a repeated name): such a
 * table is a programmer error, reported as an internal error with exit 1, and test_cli runs
 * every command's --help, so a broken table fails the tests rather than a user.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gait.h"
#include "nkt.h"
#include "opts.h"

/*
 * Shared rows. Every number has an upper bound: a value far outside what a recording of a
 * person can mean is a typo, and letting it through reaches code that was never meant for it
 * (`pose --slowmo 1e300` made frame intervals of 1e-300 s, which crashed gait: issue 12).
 */

/* clang-format off */
/* (one row per option, fields in table order) */

/* More threads than cores only adds memory and contention; 64 is above any machine this runs
 * on and keeps a typo (6400) from allocating thousands of per-thread buffers. */
const gs_cli_opt gs_cli_opt_threads = {.name = "--threads", .kind = GS_CLI_INT,
    .lo = GS_CLI_THREADS_MIN, .hi = GS_CLI_THREADS_MAX, .value = "N",
    .help = "threads for decoding and inference"};

/* Times are seconds from the start of the clip; a day is longer than any gait recording, so a
 * larger value is a typo (or milliseconds given as seconds). */
const gs_cli_opt gs_cli_opt_start = {.name = "--start", .kind = GS_CLI_NUM, .lo = 0,
    .hi = 86400, .unit = "s", .value = "S", .help = "start at this time of the clip"};
const gs_cli_opt gs_cli_opt_end = {.name = "--end", .kind = GS_CLI_NUM, .lo = 0, .lo_open = 1,
    .hi = 86400, .after = "--start", .unit = "s", .value = "S",
    .help = "stop at this time of the clip"};

/*
 * Slow motion: the clip plays F times slower than it was filmed, so F >= 1 (1 = real time; a
 * sped-up clip has too few frames per real second for gait events). Phones film at most 960
 * frames/s, 32x at 30 frames/s playback; 1000 leaves room for laboratory high-speed cameras
 * and keeps frame intervals above 1e-5 s. The same reasoning bounds --capture-fps: at least 1
 * frame per real second, at most 100000 (1000x a 100 frames/s playback rate).
 */
const gs_cli_opt gs_cli_opt_slowmo = {.name = "--slowmo", .kind = GS_CLI_NUM, .lo = 1,
    .hi = 1000, .not_with = "--capture-fps", .value = "F",
    .help = "the clip plays F times slower than real time"};
const gs_cli_opt gs_cli_opt_capture_fps = {.name = "--capture-fps", .kind = GS_CLI_NUM,
    .lo = 1, .hi = 100000, .not_with = "--slowmo", .unit = "frames/s", .value = "N",
    .help = "the clip was filmed at N frames/s"};

const gs_cli_opt gs_cli_opt_force = {.name = "--force", .kind = GS_CLI_FLAG,
    .help = "overwrite existing outputs"};
const gs_cli_opt gs_cli_opt_quiet = {.name = "--quiet", .kind = GS_CLI_FLAG,
    .help = "no progress and no summary"};
const gs_cli_opt gs_cli_opt_models = {.name = "--models", .kind = GS_CLI_STR, .value = "DIR",
    .help = "folder of pose_detection.tflite and pose_landmark_*.tflite (default: "
            "$GAITSCOPE_MODELS, else the installed models, else the source tree's models/)"};
const gs_cli_opt gs_cli_opt_output = {.name = "-o", .alias = "--output", .kind = GS_CLI_STR,
    .value = "DIR", .help = "output folder (created if missing)"};
const gs_cli_opt gs_cli_opt_video = {.kind = GS_CLI_ARG, .required = 1, .value = "VIDEO",
    .help = "the clip"};

/* Every Nth frame: a day of 60 frames/s video is 5.2 million frames. */
const gs_cli_opt gs_cli_opt_every = {.name = "--every", .kind = GS_CLI_INT, .lo = 1,
    .hi = 5184000, .unit = "frames", .value = "N", .help = "every Nth frame"};

static const gs_cli_choice model_words[] = {{"lite", 0}, {"full", 1}, {"heavy", 2}, {NULL, 0}};
const gs_cli_opt gs_cli_opt_model = {.name = "--model", .kind = GS_CLI_WORD,
    .choices = model_words, .value = "M", .help = "BlazePose landmark model"};

/* A pixel position: MP4 stores a track's width and height as 16.16 fixed point (ISO/IEC
 * 14496-12, track header box), so no frame is wider or taller than 65535 pixels. */
const gs_cli_opt gs_cli_opt_person = {.name = "--person", .kind = GS_CLI_POINT, .lo = 0,
    .hi = 65535, .unit = "px", .value = "X,Y",
    .help = "a point on the wanted person in the first frame they are seen, instead of the "
            "person stepping for longest"};

/* Body height, children to the tallest adults: 0.5 m is below any child who can walk (median
 * length at 12 months is about 0.75 m, WHO Child Growth Standards, length-for-age), 2.6 m is
 * above the tallest living person (2.51 m, Guinness World Records). */
const gs_cli_opt gs_cli_opt_height = {.name = "--height", .kind = GS_CLI_NUM, .lo = 0.5,
    .hi = 2.6, .unit = "m", .value = "M",
    .help = "body height: lengths in cm instead of leg lengths"};

/* Treadmill belt speed: 12 m/s is above any human running speed (the 100 m world record,
 * 9.58 s, averages 10.4 m/s). */
const gs_cli_opt gs_cli_opt_belt_speed = {.name = "--belt-speed", .kind = GS_CLI_NUM, .lo = 0,
    .lo_open = 1, .hi = 12, .unit = "m/s", .value = "M_S",
    .help = "treadmill belt speed: step and stride length, speed"};

/* View, activity and setting words are those of analysis.json (gait's one name table). */
static const char *view_word(int v)
{
    return gs_gait_view_name((gs_gait_view_kind)v);
}
static const char *activity_word(int v)
{
    return gs_gait_activity_name((gs_gait_activity)v);
}
static const char *setting_word(int v)
{
    return gs_gait_setting_name((gs_gait_setting)v);
}
const gs_cli_opt gs_cli_opt_view = {.name = "--view", .kind = GS_CLI_CHOICE, .word = view_word,
    .lo = GS_GAIT_VIEW_SIDE_LEFT, .hi = GS_GAIT_VIEW_FRONT, .value = "V",
    .help = "camera view instead of detecting it; side-left = the camera sees the person's left "
            "side"};
const gs_cli_opt gs_cli_opt_activity = {.name = "--activity", .kind = GS_CLI_CHOICE,
    .word = activity_word, .lo = GS_GAIT_ACTIVITY_RUN, .hi = GS_GAIT_ACTIVITY_WALK, .value = "A",
    .help = "the activity, instead of detecting it (duty factor > 0.5 = walk)"};
const gs_cli_opt gs_cli_opt_setting = {.name = "--setting", .kind = GS_CLI_CHOICE,
    .word = setting_word, .lo = GS_GAIT_SETTING_TREADMILL, .hi = GS_GAIT_SETTING_OVERGROUND, .value = "S",
    .help = "the setting, instead of detecting it (a belt speed implies treadmill)"};

/* The intake is checked with the command line: a typo there is a usage error before any work. */
static int history_check(const char *value, char *msg, size_t n)
{
    gs_nkt_history *h = NULL;
    gs_error err = {0};
    int rc = gs_nkt_history_parse(value, &h, &err) == GS_OK ? 0 : -1;
    gs_nkt_history_free(&h);
    if (rc)
        snprintf(msg, n, "%s", err.msg);
    return rc;
}
const gs_cli_opt gs_cli_opt_history = {.name = "--history", .kind = GS_CLI_STR,
    .check = history_check, .value = "ITEMS", .help = "intake, comma-separated kind:region items, e.g. "
                              "scar:abdomen,injury:left_ankle (docs/rules.md)"};
const gs_cli_opt gs_cli_opt_rules = {.name = "--rules", .kind = GS_CLI_STR, .value = "FILE",
    .help = "compensation rules (default: the installed compensation_rules.json, else the "
            "source tree's models/)"};

/* clang-format on */

/* ---- the parser ---- */

#define MAX_ROWS 48

typedef struct parser {
    const gs_cli_spec *spec;
    char *args;
    size_t n;
    gs_cli_opt rows[MAX_ROWS]; /* the table with shared rows filled in */
    unsigned char given[MAX_ROWS];
} parser;

static int is_positional(gs_cli_kind k)
{
    return k == GS_CLI_ARG || k == GS_CLI_ARG_LIST;
}

static int is_number(gs_cli_kind k)
{
    return k == GS_CLI_INT || k == GS_CLI_NUM || k == GS_CLI_POINT || k == GS_CLI_INT_LIST;
}

static void resolve(const gs_cli_opt *row, gs_cli_opt *out)
{
    if (!row->like) {
        *out = *row;
        return;
    }
    *out = *row->like;
    out->like = NULL;
    out->at = row->at;
    out->size = row->size;
    out->at2 = row->at2;
    out->size2 = row->size2;
    out->flag_at = row->flag_at;
    out->flag_size = row->flag_size;
    out->required = row->required || row->like->required;
    if (row->value)
        out->value = row->value;
    if (row->help)
        out->help = row->help;
}

/* Values are copied with memcpy: destinations are int, float, double, enum or pointer fields of
 * another struct, and their size was checked against the kind. */
static void put_int(char *base, size_t at, int v)
{
    memcpy(base + at, &v, sizeof(v));
}

static int get_int(const char *base, size_t at)
{
    int v;
    memcpy(&v, base + at, sizeof(v));
    return v;
}

static void put_real(char *base, size_t at, size_t size, double v)
{
    if (size == sizeof(float)) {
        float f = (float)v;
        memcpy(base + at, &f, sizeof(f));
    } else {
        memcpy(base + at, &v, sizeof(v));
    }
}

static double get_real(const char *base, size_t at, size_t size)
{
    if (size == sizeof(float)) {
        float f;
        memcpy(&f, base + at, sizeof(f));
        return f;
    }
    double v;
    memcpy(&v, base + at, sizeof(v));
    return v;
}

static void put_str(char *base, size_t at, const char *s)
{
    memcpy(base + at, &s, sizeof(s));
}

static const char *get_str(const char *base, size_t at)
{
    const char *s;
    memcpy(&s, base + at, sizeof(s));
    return s;
}

/* The value of a number row as a double (for --end after --start). */
static double number_of(const parser *p, const gs_cli_opt *r)
{
    return r->kind == GS_CLI_INT ? get_int(p->args, r->at) : get_real(p->args, r->at, r->size);
}

static const char *row_name(const gs_cli_opt *r)
{
    return r->name ? r->name : r->value ? r->value : "(unnamed)";
}

static int table_error(const parser *p, const gs_cli_opt *r, const char *what)
{
    fprintf(stderr, "gaitscope: internal error: %s option table: %s: %s\n", p->spec->name,
            row_name(r), what);
    return -1;
}

static int fits(const parser *p, size_t at, size_t size)
{
    return size > 0 && at <= p->spec->args_size && size <= p->spec->args_size - at;
}

static int real_size(size_t size)
{
    return size == sizeof(float) || size == sizeof(double);
}

/* Checks one filled-in row; 0 or -1 after an internal-error line. */
static int check_row(const parser *p, size_t k)
{
    const gs_cli_opt *r = &p->rows[k];
    size_t want = 0;
    if (r->kind < GS_CLI_FLAG || r->kind > GS_CLI_ARG_LIST)
        return table_error(p, r, "no kind");
    if (!r->help || (r->kind != GS_CLI_FLAG && !r->value))
        return table_error(p, r, "no help text or value name");
    if (is_positional(r->kind) ? r->name != NULL : (!r->name || r->name[0] != '-'))
        return table_error(p, r, "options start with '-', positionals have no name");
    switch (r->kind) {
    case GS_CLI_FLAG:
    case GS_CLI_INT:
    case GS_CLI_CHOICE:
        want = r->size == sizeof(int);
        break;
    case GS_CLI_NUM:
        want = real_size(r->size);
        break;
    case GS_CLI_STR:
    case GS_CLI_WORD:
    case GS_CLI_ARG:
        want = r->size == sizeof(const char *);
        break;
    case GS_CLI_POINT:
        want = real_size(r->size) && real_size(r->size2) && fits(p, r->at2, r->size2);
        break;
    case GS_CLI_INT_LIST:
        want = r->max >= 1 && r->size == (size_t)r->max * sizeof(int) && r->size2 == sizeof(int) &&
               fits(p, r->at2, r->size2);
        break;
    case GS_CLI_ARG_LIST:
        want = r->max >= 1 && r->size == (size_t)r->max * sizeof(const char *) &&
               r->size2 == sizeof(int) && fits(p, r->at2, r->size2);
        break;
    }
    if (!want || !fits(p, r->at, r->size))
        return table_error(p, r, "destination of the wrong size or outside the struct");
    if (r->flag_size && (r->flag_size != sizeof(int) || !fits(p, r->flag_at, r->flag_size)))
        return table_error(p, r, "given-flag is not an int of the struct");
    if (is_number(r->kind) && !(isfinite(r->lo) && isfinite(r->hi) && r->lo <= r->hi))
        return table_error(p, r, "a number needs a finite range [lo, hi]");
    if ((r->kind == GS_CLI_INT || r->kind == GS_CLI_INT_LIST) &&
        (r->lo < INT_MIN || r->hi > INT_MAX))
        return table_error(p, r, "range does not fit an int");
    if ((r->kind == GS_CLI_CHOICE || r->kind == GS_CLI_WORD) && !(r->choices && r->choices->name) &&
        !(r->kind == GS_CLI_CHOICE && r->word && r->lo >= INT_MIN && r->hi <= INT_MAX &&
          r->lo <= r->hi && r->lo == floor(r->lo) && r->hi - r->lo < 64))
        return table_error(p, r, "no words to choose from");
    if (r->check && r->kind != GS_CLI_STR)
        return table_error(p, r, "'check' needs a string");
    if (r->after && r->kind != GS_CLI_NUM && r->kind != GS_CLI_INT)
        return table_error(p, r, "'after' needs a number");
    if (r->kind == GS_CLI_ARG_LIST)
        for (size_t j = k + 1; j < p->n; j++)
            if (is_positional(p->rows[j].kind))
                return table_error(p, r, "a positional list must be the last positional");
    for (size_t j = 0; j < k && r->name; j++) {
        const gs_cli_opt *o = &p->rows[j];
        const char *mine[2] = {r->name, r->alias}, *theirs[2] = {o->name, o->alias};
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++)
                if (mine[a] && theirs[b] && !strcmp(mine[a], theirs[b]))
                    return table_error(p, r, "name used twice");
    }
    if (!strcmp(row_name(r), "--help") || !strcmp(row_name(r), "-h"))
        return table_error(p, r, "--help is built in");
    return 0;
}

/* Fills in the shared rows and checks the table; 0 or -1 after an internal-error line. */
static int prepare(parser *p, const gs_cli_spec *spec, void *args)
{
    memset(p, 0, sizeof(*p));
    p->spec = spec;
    p->args = args;
    p->n = spec->n_opts;
    if (p->n > MAX_ROWS) {
        fprintf(stderr, "gaitscope: internal error: %s option table: more than %d rows\n",
                spec->name, MAX_ROWS);
        return -1;
    }
    for (size_t k = 0; k < p->n; k++)
        resolve(&spec->opts[k], &p->rows[k]);
    for (size_t k = 0; k < p->n; k++)
        if (check_row(p, k) != 0)
            return -1;
    return 0;
}

static int find(const parser *p, const char *name)
{
    for (size_t k = 0; k < p->n; k++) {
        const gs_cli_opt *r = &p->rows[k];
        if (r->name && (!strcmp(r->name, name) || (r->alias && !strcmp(r->alias, name))))
            return (int)k;
    }
    return -1;
}

/* An argument that is one of this command's options (so not the value of the one before). */
static int is_option(const parser *p, const char *a)
{
    char name[64];
    size_t len = strcspn(a, "=");
    if (a[0] != '-' || len >= sizeof(name))
        return 0;
    memcpy(name, a, len);
    name[len] = '\0';
    return find(p, name) >= 0 || !strcmp(name, "--help") || !strcmp(name, "-h");
}

static void range_text(const gs_cli_opt *r, char *buf, size_t n)
{
    snprintf(buf, n, "%s%.10g, %.10g]%s%s", r->lo_open ? "(" : "[", r->lo, r->hi,
             r->unit ? " " : "", r->unit ? r->unit : "");
}

static int in_range(const gs_cli_opt *r, double v)
{
    return (r->lo_open ? v > r->lo : v >= r->lo) && v <= r->hi;
}

/* The i-th accepted word of a CHOICE/WORD row and its value; NULL after the last. */
static const char *word_at(const gs_cli_opt *r, int i, int *value)
{
    if (r->choices) {
        *value = r->choices[i].value;
        return r->choices[i].name;
    }
    if (i > (int)(r->hi - r->lo))
        return NULL;
    *value = (int)r->lo + i;
    return r->word(*value);
}

/* The words of a CHOICE/WORD row: "a, b or c" (sep ", ", last " or ") or "a|b|c". */
static void words_text(const gs_cli_opt *r, char *buf, size_t n, const char *sep, const char *last)
{
    size_t used = 0;
    int v;
    buf[0] = '\0';
    for (int i = 0; word_at(r, i, &v) && used < n; i++) {
        const char *s = i == 0 ? "" : word_at(r, i + 1, &v) ? sep : last;
        int w = snprintf(buf + used, n - used, "%s%s", s, word_at(r, i, &v));
        used += w > 0 ? (size_t)w : 0;
    }
}

/* Reads one number of a row: 0, or -1 after the error line. */
static int read_number(const gs_cli_opt *r, const char *opt, const char *s, double *out)
{
    char *end = NULL;
    double v;
    errno = 0;
    if (r->kind == GS_CLI_INT || r->kind == GS_CLI_INT_LIST) {
        long l = strtol(s, &end, 10);
        if (!*s || end == s || *end != '\0' || errno != 0 || l < INT_MIN || l > INT_MAX)
            return gs_cli_usage_error("%s: expected an integer, got '%s'", opt, s), -1;
        v = (double)l;
    } else {
        v = strtod(s, &end);
        if (!*s || end == s || *end != '\0')
            return gs_cli_usage_error("%s: expected a number, got '%s'", opt, s), -1;
        if (!isfinite(v))
            return gs_cli_usage_error("%s: expected a finite number, got '%s'", opt, s), -1;
    }
    if (!in_range(r, v)) {
        char range[96];
        range_text(r, range, sizeof(range));
        return gs_cli_usage_error("%s: %s is outside %s", opt, s, range), -1;
    }
    *out = v;
    return 0;
}

/* X,Y: both numbers present, finite and in range. */
static int read_point(const gs_cli_opt *r, const char *opt, const char *s, double xy[2])
{
    char part[2][64];
    const char *comma = strchr(s, ',');
    size_t lx = comma ? (size_t)(comma - s) : 0;
    if (!comma || lx == 0 || lx >= sizeof(part[0]) || !comma[1] || strchr(comma + 1, ',') ||
        strlen(comma + 1) >= sizeof(part[1]))
        return gs_cli_usage_error("%s: expected %s (two numbers), got '%s'", opt, r->value, s), -1;
    memcpy(part[0], s, lx);
    part[0][lx] = '\0';
    snprintf(part[1], sizeof(part[1]), "%s", comma + 1);
    for (int i = 0; i < 2; i++)
        if (read_number(r, opt, part[i], &xy[i]) != 0)
            return -1;
    return 0;
}

/* A,B,C: at most r->max integers. */
static int read_int_list(parser *p, const gs_cli_opt *r, const char *opt, const char *s)
{
    int vals[64], n = 0;
    const char *q = s;
    if (r->max > 64)
        return table_error(p, r, "list longer than 64");
    for (;;) {
        char item[32];
        size_t len = strcspn(q, ",");
        double v;
        if (len == 0 || len >= sizeof(item))
            return gs_cli_usage_error("%s: expected integers separated by commas, got '%s'", opt,
                                      s),
                   -1;
        if (n == r->max)
            return gs_cli_usage_error("%s: at most %d values, got '%s'", opt, r->max, s), -1;
        memcpy(item, q, len);
        item[len] = '\0';
        if (read_number(r, opt, item, &v) != 0)
            return -1;
        vals[n++] = (int)v;
        if (!q[len])
            break;
        q += len + 1;
    }
    memcpy(p->args + r->at, vals, (size_t)n * sizeof(int));
    put_int(p->args, r->at2, n);
    return 0;
}

/* Stores the value of row k given as opt (the spelling used); 0 or -1 after the error line. */
static int store(parser *p, size_t k, const char *opt, const char *v)
{
    const gs_cli_opt *r = &p->rows[k];
    double num, xy[2];
    switch (r->kind) {
    case GS_CLI_FLAG:
        put_int(p->args, r->at, 1);
        break;
    case GS_CLI_INT:
    case GS_CLI_NUM:
        if (read_number(r, opt, v, &num) != 0)
            return -1;
        if (r->kind == GS_CLI_INT)
            put_int(p->args, r->at, (int)num);
        else
            put_real(p->args, r->at, r->size, num);
        break;
    case GS_CLI_STR: {
        char msg[512];
        if (r->check && r->check(v, msg, sizeof(msg)) != 0)
            return gs_cli_usage_error("%s: %s", opt, msg), -1;
        put_str(p->args, r->at, v);
        break;
    }
    case GS_CLI_CHOICE:
    case GS_CLI_WORD: {
        int i = 0, value = 0;
        const char *w;
        while ((w = word_at(r, i, &value)) && strcmp(w, v) != 0)
            i++;
        if (!w) {
            char words[256];
            words_text(r, words, sizeof(words), ", ", " or ");
            return gs_cli_usage_error("%s: expected %s, got '%s'", opt, words, v), -1;
        }
        if (r->kind == GS_CLI_CHOICE)
            put_int(p->args, r->at, value);
        else
            put_str(p->args, r->at, w); /* static: the table's word */
        break;
    }
    case GS_CLI_POINT:
        if (read_point(r, opt, v, xy) != 0)
            return -1;
        put_real(p->args, r->at, r->size, xy[0]);
        put_real(p->args, r->at2, r->size2, xy[1]);
        break;
    case GS_CLI_INT_LIST:
        if (read_int_list(p, r, opt, v) != 0)
            return -1;
        break;
    case GS_CLI_ARG:
    case GS_CLI_ARG_LIST:
        return -1; /* not reached: positionals go through positional() */
    }
    p->given[k] = 1;
    if (r->flag_size)
        put_int(p->args, r->flag_at, 1);
    return 0;
}

static int positional(parser *p, const char *a)
{
    for (size_t k = 0; k < p->n; k++) {
        const gs_cli_opt *r = &p->rows[k];
        if (r->kind == GS_CLI_ARG && !p->given[k]) {
            put_str(p->args, r->at, a);
            p->given[k] = 1;
            return 0;
        }
        if (r->kind == GS_CLI_ARG_LIST) {
            int n = get_int(p->args, r->at2);
            if (n < 0 || n >= r->max)
                return gs_cli_usage_error("%s: at most %d %s", p->spec->name, r->max, r->value), -1;
            put_str(p->args, r->at + (size_t)n * sizeof(const char *), a);
            put_int(p->args, r->at2, n + 1);
            p->given[k] = 1;
            return 0;
        }
    }
    return gs_cli_usage_error("%s: unexpected argument '%s' (see gaitscope %s --help)",
                              p->spec->name, a, p->spec->name),
           -1;
}

/* After argv: required arguments, --end after --start, options that exclude each other. */
static int finish(const parser *p)
{
    const char *cmd = p->spec->name;
    for (size_t k = 0; k < p->n; k++) {
        const gs_cli_opt *r = &p->rows[k];
        if (!r->required || p->given[k])
            continue;
        if (is_positional(r->kind))
            return gs_cli_usage_error("%s: no %s given (see gaitscope %s --help)", cmd, r->value,
                                      cmd),
                   -1;
        return gs_cli_usage_error("%s: %s %s is required (see gaitscope %s --help)", cmd, r->name,
                                  r->value, cmd),
               -1;
    }
    for (size_t k = 0; k < p->n; k++) {
        const gs_cli_opt *r = &p->rows[k];
        int j = r->after ? find(p, r->after) : -1;
        if (p->given[k] && j >= 0 && p->given[j] && !(number_of(p, r) > number_of(p, &p->rows[j])))
            return gs_cli_usage_error("%s: %.10g%s%s is not after %s (%.10g%s%s)", r->name,
                                      number_of(p, r), r->unit ? " " : "", r->unit ? r->unit : "",
                                      r->after, number_of(p, &p->rows[j]), r->unit ? " " : "",
                                      r->unit ? r->unit : ""),
                   -1;
        j = r->not_with ? find(p, r->not_with) : -1;
        if (p->given[k] && j >= 0 && p->given[j])
            return gs_cli_usage_error("%s: give either %s or %s, not both", r->name, r->name,
                                      r->not_with),
                   -1;
    }
    return 0;
}

int gs_cli_parse(const gs_cli_spec *spec, int argc, char **argv, void *args)
{
    parser p;
    int only_args = 0;
    if (prepare(&p, spec, args) != 0)
        return GS_EXIT_ERROR;
    /* --help wins over any mistake, and shows the defaults before anything is parsed. */
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            gs_cli_help(spec, args, stdout);
            return GS_EXIT_OK;
        }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        char name[64];
        if (!only_args && !strcmp(a, "--")) {
            only_args = 1;
            continue;
        }
        if (only_args || a[0] != '-' || a[1] == '\0') { /* "-" alone is a file name (stdin) */
            if (positional(&p, a) != 0)
                return GS_EXIT_USAGE;
            continue;
        }
        size_t len = a[1] == '-' ? strcspn(a, "=") : strlen(a);
        int k = len < sizeof(name) ? 0 : -1;
        if (k == 0) {
            memcpy(name, a, len);
            name[len] = '\0';
            k = find(&p, name);
        }
        if (k < 0)
            return gs_cli_usage_error("%s: unknown option '%.*s' (see gaitscope %s --help)",
                                      spec->name, (int)len, a, spec->name);
        if (a[len] == '=') {
            if (p.rows[k].kind == GS_CLI_FLAG)
                return gs_cli_usage_error("%s: takes no value", name);
            v = a + len + 1;
        } else if (p.rows[k].kind != GS_CLI_FLAG) {
            if (i + 1 >= argc || is_option(&p, argv[i + 1]))
                return gs_cli_usage_error("%s: needs a value", name);
            v = argv[++i];
        }
        if (store(&p, (size_t)k, name, v) != 0)
            return GS_EXIT_USAGE;
    }
    return finish(&p) != 0 ? GS_EXIT_USAGE : GS_CLI_GO;
}

/* ---- --help ---- */

#define HELP_WIDTH 100 /* STYLE.md's column limit, also a comfortable terminal width */
#define HELP_COL   24  /* where the descriptions start */

/* "  left" then text from HELP_COL, wrapped at spaces to HELP_WIDTH columns. */
static void help_line(FILE *f, const char *left, const char *text)
{
    int col = fprintf(f, "  %s", left);
    if (col >= HELP_COL - 1) {
        fputc('\n', f);
        col = 0;
    }
    fprintf(f, "%*s", HELP_COL - col, "");
    col = HELP_COL;
    while (*text) {
        size_t w = strcspn(text, " ");
        if (col > HELP_COL && col + 1 + (int)w > HELP_WIDTH) {
            fprintf(f, "\n%*s", HELP_COL, "");
            col = HELP_COL;
        } else if (col > HELP_COL) {
            fputc(' ', f);
            col++;
        }
        fprintf(f, "%.*s", (int)w, text);
        col += (int)w;
        text += w;
        while (*text == ' ')
            text++;
    }
    fputc('\n', f);
}

/* The default held in args, as text; 0 when there is none worth showing. */
static int default_text(const parser *p, const gs_cli_opt *r, char *buf, size_t n)
{
    const char *s;
    switch (r->kind) {
    case GS_CLI_INT:
        if (!in_range(r, get_int(p->args, r->at)))
            return 0;
        snprintf(buf, n, "%d", get_int(p->args, r->at));
        return 1;
    case GS_CLI_NUM:
        if (get_real(p->args, r->at, r->size) == 0 ||
            !in_range(r, get_real(p->args, r->at, r->size)))
            return 0;
        snprintf(buf, n, "%.10g", get_real(p->args, r->at, r->size));
        return 1;
    case GS_CLI_STR:
    case GS_CLI_WORD:
        s = get_str(p->args, r->at);
        if (!s)
            return 0;
        snprintf(buf, n, "%s", s);
        return 1;
    case GS_CLI_CHOICE: {
        int v;
        for (int i = 0; (s = word_at(r, i, &v)) != NULL; i++)
            if (v == get_int(p->args, r->at)) {
                snprintf(buf, n, "%s", s);
                return 1;
            }
        return 0;
    }
    case GS_CLI_INT_LIST: {
        int cnt = get_int(p->args, r->at2);
        size_t used = 0;
        buf[0] = '\0';
        for (int i = 0; i < cnt && i < r->max && used < n; i++) {
            int w = snprintf(buf + used, n - used, i ? ",%d" : "%d",
                             get_int(p->args, r->at + (size_t)i * sizeof(int)));
            used += w > 0 ? (size_t)w : 0;
        }
        return cnt > 0;
    }
    default:
        return 0;
    }
}

static void help_row(FILE *f, const parser *p, const gs_cli_opt *r)
{
    char left[128], text[1024], facts[512] = "", def[256];
    if (is_positional(r->kind))
        snprintf(left, sizeof(left), "%s%s", r->value, r->kind == GS_CLI_ARG_LIST ? " ..." : "");
    else
        snprintf(left, sizeof(left), "%s%s%s%s%s", r->name, r->alias ? ", " : "",
                 r->alias ? r->alias : "", r->value ? " " : "", r->value ? r->value : "");
    if (is_number(r->kind))
        range_text(r, facts, sizeof(facts));
    else if (r->kind == GS_CLI_CHOICE || r->kind == GS_CLI_WORD)
        words_text(r, facts, sizeof(facts), "|", "|");
    if (default_text(p, r, def, sizeof(def))) {
        size_t used = strlen(facts);
        snprintf(facts + used, sizeof(facts) - used, "%sdefault %s", used ? ", " : "", def);
    }
    if (r->not_with && find(p, r->not_with) >= 0) {
        size_t used = strlen(facts);
        snprintf(facts + used, sizeof(facts) - used, "%snot with %s", used ? "; " : "",
                 r->not_with);
    }
    snprintf(text, sizeof(text), "%s%s%s%s", r->help, facts[0] ? " (" : "", facts,
             facts[0] ? ")" : "");
    help_line(f, left, text);
}

void gs_cli_help(const gs_cli_spec *spec, const void *args, FILE *f)
{
    parser p;
    int any_arg = 0;
    if (prepare(&p, spec, (void *)args) != 0)
        return;
    int indent = fprintf(f, "usage: gaitscope %s", spec->name), col = indent;
    for (size_t k = 0; k <= p.n; k++) {
        const gs_cli_opt *r = k < p.n ? &p.rows[k] : NULL;
        char word[160] = "";
        if (!r)
            snprintf(word, sizeof(word), "[options]");
        else if (r->kind == GS_CLI_ARG_LIST)
            snprintf(word, sizeof(word), r->required ? "%s [%s ...]" : "[%s ...]", r->value,
                     r->value);
        else if (r->kind == GS_CLI_ARG)
            snprintf(word, sizeof(word), r->required ? "%s" : "[%s]", r->value);
        else if (r->required)
            snprintf(word, sizeof(word), "%s %s", r->name, r->value ? r->value : "");
        any_arg |= r && is_positional(r->kind);
        if (!word[0])
            continue;
        if (col + 1 + (int)strlen(word) > HELP_WIDTH) { /* usage lines wrap like the help */
            fprintf(f, "\n%*s", indent, "");
            col = indent;
        }
        col += fprintf(f, " %s", word);
    }
    fprintf(f, "\n%s", spec->about);
    if (any_arg) {
        fprintf(f, "\narguments:\n");
        for (size_t k = 0; k < p.n; k++)
            if (is_positional(p.rows[k].kind))
                help_row(f, &p, &p.rows[k]);
    }
    fprintf(f, "\noptions:\n");
    for (size_t k = 0; k < p.n; k++)
        if (!is_positional(p.rows[k].kind))
            help_row(f, &p, &p.rows[k]);
    help_line(f, "-h, --help", "this text");
    fprintf(f, "\nexit codes: 0 done, 1 failed, 2 wrong command line\n");
}
