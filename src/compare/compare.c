/*
 * The comparison: comparability checks, one verdict per metric and side, the curves (SPM, in
 * compare_spm.c), and the findings resolved / persisting / new.
 *
 * Verdicts (docs/metrics.md "Before/after"):
 *   real           |after - before| >= the metric's minimal change (models/minimal_change.json)
 *                  AND the stride test (compare_stats.c) holds after Holm's correction over
 *                  every row tested in this comparison (Holm 1979, Scand J Statist 6:65; Holm,
 *                  not Benjamini-Hochberg, because the question "is any of these changes a false
 *                  alarm?" is a family-wise one: a therapist acts on each real verdict);
 *   noise          tested, and one of the two gates fails;
 *   not_comparable a session lacks the metric, a side has fewer strides than a stable mean needs
 *                  (7: Dingenen 2018, Phys Ther Sport 33:40, 6.3 +- 0.3 steps), the table has no
 *                  minimal change for it, or a comparability check that covers it failed.
 * The minimal change comes first and the stride test alone never decides: between-day spread of
 * 2D running angles is about three times the within-day spread (Damsted 2015, IJSPT 10:147,
 * 95 % prediction intervals 3-8 deg within a day, 9-14 deg between days), and the stride test
 * only sees the within-session spread.
 *
 * Comparability (each check keeps both values; a mismatch is a warning and turns the verdicts it
 * covers into not_comparable; view and activity refuse the comparison unless forced). Bands:
 *   frame rate      +-10 %: event times are known to about 1.5 frames (src/gait, methods), so
 *                   29.97 vs 30 fps is the same set-up and 30 vs 60 fps is not (timing only);
 *   resolution      width and height each within +-20 % (a re-framed or re-encoded clip);
 *   belt speed      +-5 % (the band; running kinematics change with speed), or the
 *                   measured speed when a scale is known; unknown when neither session has one;
 *   camera distance the apparent leg length as a fraction of the image height, +-15 %: moving the
 *                   camera by 15 % of its distance changes the segment lengths in pixels, and
 *                   with them the angle noise, by as much, and changes the perspective on the
 *                   far leg (Damsted 2015: the set-up dominates between-day error);
 *   camera tilt     the ground line's angle in the image, +-5 deg: angles are measured from the
 *                   fitted ground line so a roll cancels, but a different roll means the camera
 *                   was set up again. The band must exceed the fit's own spread: within 0.3 deg
 *                   on made clips (tests/test_gait.c), but 3.2 deg apart for the two halves of
 *                   one fixed-camera treadmill clip (run_side_treadmill_01, analysed
 *                   separately), which the minimal change of the angles against the ground line
 *                   already carries (models/minimal_change.json, own figures);
 *   strides         at least 7 per side in each session (Dingenen 2018).
 * Cadence is an outcome, never a check.
 */
#include "compare_impl.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_ALPHA       0.05
#define DEFAULT_PERM        5000
#define DEFAULT_SEED        0x6761697473636f70ULL /* "gaitscop" */
#define STABLE_MEAN_STRIDES 7                     /* Dingenen 2018 */
#define FPS_BAND            0.10                  /* relative */
#define RES_BAND            0.20                  /* relative, width and height each */
#define SPEED_BAND          0.05                  /* relative (issue 14) */
#define DISTANCE_BAND       0.15                  /* relative, leg length / image height */
#define TILT_BAND_DEG       5.0

const char *gs_compare_verdict_name(gs_compare_verdict v)
{
    switch (v) {
    case GS_COMPARE_VERDICT_REAL:
        return "real";
    case GS_COMPARE_VERDICT_NOISE:
        return "noise";
    case GS_COMPARE_VERDICT_CANNOT_TELL:
        return "cannot_tell";
    default:
        return "not_comparable";
    }
}

const char *gs_compare_side_name(gs_compare_side s)
{
    return s == GS_COMPARE_SIDE_LEFT ? "left" : s == GS_COMPARE_SIDE_RIGHT ? "right" : "all";
}

const char *gs_compare__keep(gs_comparison *c, const char *s)
{
    char *d;
    size_t n;
    if (!s)
        return NULL;
    if (c->n_strings == c->cap_strings) {
        int nc = c->cap_strings ? 2 * c->cap_strings : 64;
        char **ns = realloc(c->strings, sizeof(char *) * (size_t)nc);
        if (!ns)
            return NULL;
        c->strings = ns;
        c->cap_strings = nc;
    }
    n = strlen(s) + 1;
    d = malloc(n);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    c->strings[c->n_strings++] = d;
    return d;
}

static void sess_free(gs_compare__sess *s)
{
    free(s->path);
    free(s->clip);
    free(s->format);
    free(s->view);
    free(s->activity);
    free(s->setting);
}

void gs_comparison_free(gs_comparison **pc)
{
    gs_comparison *c;
    if (!pc || !*pc)
        return;
    c = *pc;
    sess_free(&c->sess[0]);
    sess_free(&c->sess[1]);
    free(c->checks);
    free(c->rows);
    free(c->curves);
    free(c->findings);
    free(c->homework); /* entries are in strings */
    for (int i = 0; i < c->n_strings; i++)
        free(c->strings[i]);
    free(c->strings);
    free(c);
    *pc = NULL;
}

static char *dup_or_null(const char *s)
{
    char *d;
    size_t n;
    if (!s)
        return NULL;
    n = strlen(s) + 1;
    d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static int copy_sess(gs_compare__sess *d, const gs_compare_session *s)
{
    d->path = dup_or_null(s->path ? s->path : "");
    d->clip = dup_or_null(s->clip);
    d->format = dup_or_null(s->format ? s->format : "");
    d->view = dup_or_null(s->view ? s->view : "unknown");
    d->activity = dup_or_null(s->activity ? s->activity : "unknown");
    d->setting = dup_or_null(s->setting ? s->setting : "unknown");
    d->fps = s->fps;
    d->width = s->width;
    d->height = s->height;
    d->belt_speed_m_s = s->belt_speed_m_s;
    /* the camera check's figure when the analysis has one (src/gait gs_gait_camera), else
     * the scale's leg length over the frame height */
    d->leg_fraction = isfinite(s->leg_length_frac) && s->leg_length_frac > 0 ? s->leg_length_frac
                      : s->height > 0 && s->leg_length_px > 0 ? s->leg_length_px / s->height
                                                              : NAN;
    d->ground_angle_deg = s->ground_fitted ? s->ground_angle_deg : NAN;
    d->strides_used[0] = s->strides_used[0];
    d->strides_used[1] = s->strides_used[1];
    d->metrics_revision = s->metrics_revision;
    for (int e = 0; e < 2; e++) {
        d->timed_image[e] = s->timed_image[e] > 0 ? s->timed_image[e] : 0;
        d->timed_of[e] = s->timed_of[e] > 0 ? s->timed_of[e] : 0;
    }
    return d->path && d->format && d->view && d->activity && d->setting && (d->clip || !s->clip);
}

/* ---- checks ---- */

const char *gs_compare_check_words(const char *name)
{
    static const char *const words[][2] = {
        {"frame_rate", "frame rate"},         {"belt_speed", "belt speed"},
        {"speed", "running speed"},           {"camera_distance", "camera distance"},
        {"camera_tilt", "camera tilt"},       {"strides_left", "strides used, left"},
        {"strides_right", "strides used, right"}, {"metrics_revision", "the metric's definition"},
        {"contact_timing", "contact timing"}, {"toe_off_timing", "toe-off timing"},
    };
    for (size_t i = 0; name && i < sizeof(words) / sizeof(words[0]); i++)
        if (!strcmp(words[i][0], name))
            return words[i][1];
    return name;
}

static gs_compare_check *add_check(gs_comparison *c, const char *name, gs_compare_scope scope,
                                   int blocking)
{
    gs_compare_check *k = &c->checks[c->n_checks++];
    memset(k, 0, sizeof(*k));
    k->name = name;
    k->scope = scope;
    k->blocking = blocking;
    k->before_v = k->after_v = NAN;
    k->state = GS_COMPARE_CHECK_OK;
    return k;
}

__attribute__((format(printf, 2, 3))) static void check_msg(gs_compare_check *k, const char *fmt,
                                                            ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->message, sizeof(k->message), fmt, ap);
    va_end(ap);
}

static void text_check(gs_comparison *c, const char *name, const char *b, const char *a)
{
    gs_compare_check *k = add_check(c, name, GS_COMPARE_SCOPE_ALL, 1);
    snprintf(k->before, sizeof(k->before), "%s", b);
    snprintf(k->after, sizeof(k->after), "%s", a);
    snprintf(k->band, sizeof(k->band), "the same");
    if (!strcmp(b, "unknown") || !strcmp(a, "unknown")) {
        k->state = GS_COMPARE_CHECK_UNKNOWN;
        check_msg(k, "%s not known in %s: cannot check", gs_compare_check_words(name),
                  !strcmp(b, "unknown") ? "BEFORE" : "AFTER");
    } else if (strcmp(b, a)) {
        k->state = GS_COMPARE_CHECK_MISMATCH;
        check_msg(k, "%s differs: %s before, %s after", gs_compare_check_words(name), b, a);
    }
}

/* Relative band check on two numbers (NAN = unknown). */
static void rel_check(gs_comparison *c, const char *name, gs_compare_scope scope, double b,
                      double a, double band, const char *unit, int dec, const char *why)
{
    gs_compare_check *k = add_check(c, name, scope, 0);
    k->before_v = b;
    k->after_v = a;
    if (isfinite(b))
        snprintf(k->before, sizeof(k->before), "%.*f%s%s", dec, b, unit[0] ? " " : "", unit);
    else
        snprintf(k->before, sizeof(k->before), "unknown");
    if (isfinite(a))
        snprintf(k->after, sizeof(k->after), "%.*f%s%s", dec, a, unit[0] ? " " : "", unit);
    else
        snprintf(k->after, sizeof(k->after), "unknown");
    snprintf(k->band, sizeof(k->band), "+-%.0f %%", band * 100);
    if (!isfinite(b) || !isfinite(a) || b <= 0) {
        k->state = GS_COMPARE_CHECK_UNKNOWN;
        check_msg(k, "%s not known for %s: not checked", gs_compare_check_words(name),
                  !isfinite(b) && !isfinite(a) ? "either clip"
                  : !isfinite(b)               ? "BEFORE"
                                               : "AFTER");
    } else if (fabs(a - b) / b > band + 1e-12) {
        k->state = GS_COMPARE_CHECK_MISMATCH;
        check_msg(k, "%s differs by %+.0f %% (%s before, %s after; band %s): %s",
                  gs_compare_check_words(name),
                  100 * (a - b) / b, k->before, k->after, k->band, why);
    }
}

/* 1 when key's definition changed between revisions a and b (gs_metric_info.revision). */
static int revised_between(const char *key, int a, int b)
{
    const gs_metric_info *m = key ? gs_metric_find(key) : NULL;
    int lo = a < b ? a : b, hi = a < b ? b : a;
    return m && a > 0 && b > 0 && m->revision > lo && m->revision <= hi;
}

/* 1 when the session has values of metric key. */
static int has_metric(const gs_compare_session *s, const char *key)
{
    for (int i = 0; s && i < s->n_metrics; i++)
        if (s->metrics[i].key && !strcmp(s->metrics[i].key, key))
            return 1;
    return 0;
}

/*
 * The advice when what ("contacts", "toe-offs", "contacts and toe-offs") was timed from the
 * picture in one session and from the landmarks in session lm (0 BEFORE, 1 AFTER): that session
 * is the one to analyse again (with --contact image when contacts are among them, which says
 * outright what auto does on side-view treadmill running, docs/metrics.md 10); gait on a
 * pose.json (no clip) cannot time from the picture.
 */
static void timing_msg(const gs_comparison *c, char *t, size_t n, const char *what, int lm,
                       int contacts)
{
    const char *ln = lm ? "AFTER" : "BEFORE", *pn = lm ? "BEFORE" : "AFTER";
    if (c->sess[lm].clip)
        snprintf(t, n,
                 "%s timed from the picture in %s, from the landmarks in %s: analyse %s again "
                 "from its video (Re-run, or gaitscope analyze%s), or both with --contact "
                 "landmarks --toe-off landmarks",
                 what, pn, ln, ln, contacts ? " --contact image" : "");
    else
        snprintf(t, n,
                 "%s timed from the picture in %s, from the landmarks in %s (gait on a pose.json "
                 "cannot use the picture): analyse both from their videos, or both with "
                 "--contact landmarks --toe-off landmarks",
                 what, pn, ln);
}

/*
 * How each analysis timed its contacts (e 0) or toe-offs (e 1): from the picture when
 * methods.contact_image / toe_off_image say it timed some there (src/analysis contact_image.c,
 * toe_image.c), else from the landmarks (gait, an older gaitscope, --contact / --toe-off
 * landmarks). Picture contacts come about a frame later than the landmarks' and picture toe-offs
 * about 0.7 frame later (docs/metrics.md 3a), so a pair timed differently shows a change in
 * contact and flight time, duty factor, step time and the angles read at those instants that is
 * the method, not the runner (hangs_on_event says which rows). Not blocking: the other rows
 * stay comparable.
 */
static void event_timing_check(gs_comparison *c, int e)
{
    const gs_compare__sess *b = &c->sess[0], *a = &c->sess[1];
    gs_compare_check *k = add_check(c, e ? "toe_off_timing" : "contact_timing",
                                    e ? GS_COMPARE_SCOPE_TOE_OFF : GS_COMPARE_SCOPE_CONTACT, 0);
    for (int s = 0; s < 2; s++) {
        const gs_compare__sess *d = &c->sess[s];
        char *t = s ? k->after : k->before;
        size_t n = s ? sizeof(k->after) : sizeof(k->before);
        if (d->timed_image[e] > 0 && d->timed_of[e] > 0)
            snprintf(t, n, "picture, %d of %d", d->timed_image[e], d->timed_of[e]);
        else if (d->timed_image[e] > 0)
            snprintf(t, n, "picture, %d", d->timed_image[e]);
        else
            snprintf(t, n, "landmarks");
    }
    k->before_v = b->timed_image[e];
    k->after_v = a->timed_image[e];
    snprintf(k->band, sizeof(k->band), "the same method");
    if ((b->timed_image[e] > 0) != (a->timed_image[e] > 0)) {
        k->state = GS_COMPARE_CHECK_MISMATCH;
        timing_msg(c, k->message, sizeof(k->message), e ? "toe-offs" : "contacts",
                   b->timed_image[e] > 0, !e);
    }
}

/*
 * When both the contacts and the toe-offs were timed differently, one line for readers that
 * names both (gs_comparison_check_alert): the two checks' own messages differ only in the event
 * type and would say the same advice twice. The same session timed both from the landmarks: that
 * one to analyse again. Each timed one from the picture: both.
 */
static void timing_note(gs_comparison *c)
{
    const gs_compare__sess *b = &c->sess[0];
    int lm[2], n = 0;
    for (int i = 0; i < c->n_checks; i++)
        n += (c->checks[i].scope == GS_COMPARE_SCOPE_CONTACT ||
              c->checks[i].scope == GS_COMPARE_SCOPE_TOE_OFF) &&
             c->checks[i].state == GS_COMPARE_CHECK_MISMATCH;
    if (n < 2)
        return;
    for (int e = 0; e < 2; e++)
        lm[e] = b->timed_image[e] > 0;
    if (lm[0] == lm[1])
        timing_msg(c, c->timing_note, sizeof(c->timing_note), "contacts and toe-offs", lm[0], 1);
    else
        snprintf(c->timing_note, sizeof(c->timing_note),
                 "contacts timed from the picture in %s, toe-offs in %s, each from the "
                 "landmarks in the other: analyse both again from their videos (Re-run, or "
                 "gaitscope analyze --contact image), or both with --contact landmarks "
                 "--toe-off landmarks",
                 lm[0] ? "BEFORE" : "AFTER", lm[0] ? "AFTER" : "BEFORE");
}

static void run_checks(gs_comparison *c, const gs_compare_session *sb, const gs_compare_session *sa,
                       int min_strides)
{
    const gs_compare__sess *b = &c->sess[0], *a = &c->sess[1];
    text_check(c, "view", b->view, a->view);
    text_check(c, "activity", b->activity, a->activity);
    rel_check(c, "frame_rate", GS_COMPARE_SCOPE_TIMING, b->fps, a->fps, FPS_BAND, "fps", 2,
              "event times are known to about 1.5 frames, so timing errors differ");
    {
        gs_compare_check *k = add_check(c, "resolution", GS_COMPARE_SCOPE_SPATIAL, 0);
        snprintf(k->band, sizeof(k->band), "width and height each +-%.0f %%", RES_BAND * 100);
        snprintf(k->before, sizeof(k->before), "%dx%d", (int)b->width, (int)b->height);
        snprintf(k->after, sizeof(k->after), "%dx%d", (int)a->width, (int)a->height);
        k->before_v = b->width > 0 ? (double)b->width * b->height : NAN;
        k->after_v = a->width > 0 ? (double)a->width * a->height : NAN;
        if (b->width <= 0 || b->height <= 0 || a->width <= 0 || a->height <= 0) {
            k->state = GS_COMPARE_CHECK_UNKNOWN;
            check_msg(k, "resolution not known for %s: not checked",
                      b->width <= 0 ? "BEFORE" : "AFTER");
        } else if (fabs((double)a->width / b->width - 1) > RES_BAND ||
                   fabs((double)a->height / b->height - 1) > RES_BAND) {
            k->state = GS_COMPARE_CHECK_MISMATCH;
            check_msg(k,
                      "resolution differs (%s before, %s after): landmark noise in degrees "
                      "depends on the body's size in pixels",
                      k->before, k->after);
        }
    }
    {
        /* belt speed, else the measured speed when a scale is known */
        double vb = b->belt_speed_m_s, va = a->belt_speed_m_s;
        const char *what = "belt_speed";
        if (!(isfinite(vb) && isfinite(va)) && isfinite(sb->speed_m_s) && isfinite(sa->speed_m_s)) {
            vb = sb->speed_m_s;
            va = sa->speed_m_s;
            what = "speed";
        }
        rel_check(c, what, GS_COMPARE_SCOPE_ALL, vb, va, SPEED_BAND, "m/s", 2,
                  "running kinematics change with speed");
        if (c->checks[c->n_checks - 1].state == GS_COMPARE_CHECK_UNKNOWN)
            check_msg(&c->checks[c->n_checks - 1],
                      "speed not known for %s (give --belt-speed on a treadmill): not checked",
                      !isfinite(vb) && !isfinite(va) ? "either clip"
                      : !isfinite(vb)                ? "BEFORE"
                                                     : "AFTER");
    }
    rel_check(c, "camera_distance", GS_COMPARE_SCOPE_SPATIAL, b->leg_fraction, a->leg_fraction,
              DISTANCE_BAND, "of image height", 3,
              "the camera stood at another distance (perspective and pixel size differ)");
    {
        gs_compare_check *k = add_check(c, "camera_tilt", GS_COMPARE_SCOPE_SPATIAL, 0);
        double gb = b->ground_angle_deg, ga = a->ground_angle_deg;
        k->before_v = gb;
        k->after_v = ga;
        snprintf(k->band, sizeof(k->band), "+-%.0f deg", TILT_BAND_DEG);
        if (isfinite(gb))
            snprintf(k->before, sizeof(k->before), "%.1f deg", gb);
        else
            snprintf(k->before, sizeof(k->before), "unknown");
        if (isfinite(ga))
            snprintf(k->after, sizeof(k->after), "%.1f deg", ga);
        else
            snprintf(k->after, sizeof(k->after), "unknown");
        if (!isfinite(gb) || !isfinite(ga)) {
            k->state = GS_COMPARE_CHECK_UNKNOWN;
            check_msg(k, "ground line not fitted in %s (image horizontal used): tilt not checked",
                      !isfinite(gb) && !isfinite(ga) ? "either clip"
                      : !isfinite(gb)                ? "BEFORE"
                                                     : "AFTER");
        } else if (fabs(ga - gb) > TILT_BAND_DEG) {
            k->state = GS_COMPARE_CHECK_MISMATCH;
            check_msg(k,
                      "camera tilt differs by %.1f deg (%s before, %s after; band %s): the "
                      "camera was set up differently",
                      ga - gb, k->before, k->after, k->band);
        }
    }
    for (int s = 0; s < 2; s++) {
        gs_compare_check *k = add_check(c, s ? "strides_right" : "strides_left",
                                        s ? GS_COMPARE_SCOPE_RIGHT : GS_COMPARE_SCOPE_LEFT, 0);
        k->before_v = b->strides_used[s];
        k->after_v = a->strides_used[s];
        snprintf(k->before, sizeof(k->before), "%d", b->strides_used[s]);
        snprintf(k->after, sizeof(k->after), "%d", a->strides_used[s]);
        snprintf(k->band, sizeof(k->band), "at least %d per side (Dingenen 2018)", min_strides);
        if (b->strides_used[s] < min_strides || a->strides_used[s] < min_strides) {
            k->state = GS_COMPARE_CHECK_MISMATCH;
            check_msg(k,
                      "%s side: %d strides before, %d after; a stable mean needs at least %d "
                      "(Dingenen 2018): film a longer clip",
                      s ? "right" : "left", b->strides_used[s], a->strides_used[s], min_strides);
        }
    }
    {
        /* an analysis made before a metric's definition changed (gait.h GS_METRICS_REVISION)
         * cannot show that metric's change: those rows are not comparable until the older one
         * is analysed again */
        gs_compare_check *k = add_check(c, "metrics_revision", GS_COMPARE_SCOPE_REVISED, 0);
        int rb = b->metrics_revision, ra = a->metrics_revision, n = 0;
        char names[192] = "";
        k->before_v = rb > 0 ? rb : NAN;
        k->after_v = ra > 0 ? ra : NAN;
        snprintf(k->band, sizeof(k->band), "the same");
        if (rb > 0)
            snprintf(k->before, sizeof(k->before), "revision %d", rb);
        else
            snprintf(k->before, sizeof(k->before), "unknown");
        if (ra > 0)
            snprintf(k->after, sizeof(k->after), "revision %d", ra);
        else
            snprintf(k->after, sizeof(k->after), "unknown");
        /* the revised metrics either analysis has, one name per label (cm and leg lengths) */
        for (size_t i = 0; i < gs_metric_count(); i++) {
            const gs_metric_info *m = gs_metric_at(i);
            size_t used = strlen(names);
            if (!revised_between(m->key, rb, ra) || strstr(names, m->label) ||
                (!has_metric(sb, m->key) && !has_metric(sa, m->key)))
                continue;
            snprintf(names + used, sizeof(names) - used, "%s%s", n++ ? ", " : "", m->label);
        }
        if (rb <= 0 || ra <= 0) {
            k->state = GS_COMPARE_CHECK_UNKNOWN;
            check_msg(k, "the metrics' definitions of %s are not known: not checked",
                      rb <= 0 && ra <= 0 ? "either analysis" : rb <= 0 ? "BEFORE" : "AFTER");
        } else if (n > 0) {
            k->state = GS_COMPARE_CHECK_MISMATCH;
            check_msg(k,
                      "%s comes from an older gaitscope (metrics revision %d, now %d) that "
                      "measured %s differently: analyse it again (Re-run, or gaitscope gait on "
                      "its pose.json) to compare %s",
                      rb < ra ? "BEFORE" : "AFTER", rb < ra ? rb : ra, rb < ra ? ra : rb, names,
                      n == 1 ? "it" : "them");
        }
    }
    for (int e = 0; e < 2; e++)
        event_timing_check(c, e);
    timing_note(c);
}

/* Timing metrics: their error comes from event times (frame rate), not image geometry. */
static int is_timing(const char *unit)
{
    return unit && (!strcmp(unit, "ms") || !strcmp(unit, "steps/min") ||
                    !strcmp(unit, "fraction") || !strcmp(unit, "%"));
}

/*
 * 1 when metric key (NULL: a curve) hangs on the contacts' times (e 0) or the toe-offs' (e 1)
 * (src/gait/gait_metrics.c stride_metrics). Both: the intervals between a contact and a toe-off
 * (contact and flight time, duty factor, stance, swing, double support). Contacts: the values
 * read at contact (the hip moves about 11 cm per frame at 3.5 m/s, so overstride moves with the
 * instant) and the curves (normalised from contact to contact: shifted by the offset). Toe-offs:
 * peak hip extension (its stance window ends at toe-off, where a runner's hip is most extended).
 * Left comparable: intervals between like events (cadence, step and stride time, and the lengths
 * made from them): a shift common to all contacts cancels, and where the picture timed a contact
 * and the landmarks the next, the stride that is a frame shorter is followed by one a frame
 * longer, so the mean barely moves; peaks inside a window (knee in stance and swing, ankle).
 */
static int hangs_on_event(const char *key, int e)
{
    static const char *const both[] = {"ground_contact_ms", "flight_ms", "duty_factor",
                                       "stance_pct",        "swing_pct", "double_support_pct"};
    static const char *const at_contact[] = {
        "knee_flexion_ic_deg", "knee_flexion_ic_3d_deg", "foot_strike_angle_deg",
        "shank_angle_ic_deg",  "overstride_deg",         "overstride_cm",
        "overstride_ll",
    };
    if (!key)
        return !e;
    for (size_t i = 0; i < sizeof(both) / sizeof(both[0]); i++)
        if (!strcmp(both[i], key))
            return 1;
    if (e)
        return !strcmp(key, "hip_extension_peak_deg");
    for (size_t i = 0; i < sizeof(at_contact) / sizeof(at_contact[0]); i++)
        if (!strcmp(at_contact[i], key))
            return 1;
    return 0;
}

/* The first failed check covering a row of this unit and side, or NULL. */
static const gs_compare_check *blocking_check(const gs_comparison *c, const char *unit,
                                              const char *key)
{
    for (int i = 0; i < c->n_checks; i++) {
        const gs_compare_check *k = &c->checks[i];
        if (k->state != GS_COMPARE_CHECK_MISMATCH)
            continue;
        switch (k->scope) {
        case GS_COMPARE_SCOPE_ALL:
            return k;
        case GS_COMPARE_SCOPE_TIMING:
            if (is_timing(unit))
                return k;
            break;
        case GS_COMPARE_SCOPE_SPATIAL:
            if (!is_timing(unit))
                return k;
            break;
        case GS_COMPARE_SCOPE_LEFT:
        case GS_COMPARE_SCOPE_RIGHT:
            break; /* stride counts are judged per row from the row's own n */
        case GS_COMPARE_SCOPE_REVISED:
            if (revised_between(key, (int)k->before_v, (int)k->after_v))
                return k;
            break;
        case GS_COMPARE_SCOPE_CONTACT:
        case GS_COMPARE_SCOPE_TOE_OFF:
            if (hangs_on_event(key, k->scope == GS_COMPARE_SCOPE_TOE_OFF))
                return k;
            break;
        }
    }
    return NULL;
}

/*
 * Why a row is not comparable when failed check k covers it (row_why). A row hanging on both
 * the contacts and the toe-offs (contact and flight time, duty factor...) when both were timed
 * differently gets one reason naming both, as the alert names both at once (timing_note):
 * "contact timing differs" alone would hide the toe-offs, and two reasons would say one thing
 * twice. The Comparability table keeps the counts of each.
 */
static void row_why(const gs_comparison *c, const gs_compare_check *k, const char *key, char *why,
                    size_t n)
{
    if (c->timing_note[0] && k->scope == GS_COMPARE_SCOPE_CONTACT && key &&
        hangs_on_event(key, 1)) {
        int pc = c->sess[0].timed_image[0] > 0, pt = c->sess[0].timed_image[1] > 0;
        if (pc == pt) /* one session timed both from the picture, the other from the landmarks */
            snprintf(why, n, "contacts and toe-offs timed differently (%s before, %s after)",
                     pc ? "picture" : "landmarks", pc ? "landmarks" : "picture");
        else
            snprintf(why, n,
                     "contacts and toe-offs timed differently (contacts from the picture %s, "
                     "toe-offs %s)",
                     pc ? "before" : "after", pc ? "after" : "before");
        return;
    }
    snprintf(why, n, "%s differs (%s before, %s after)", gs_compare_check_words(k->name), k->before,
             k->after);
}

/* ---- metric rows ---- */

static const gs_compare_metric *find_metric(const gs_compare_session *s, const char *key)
{
    for (int i = 0; i < s->n_metrics; i++)
        if (s->metrics[i].key && !strcmp(s->metrics[i].key, key))
            return &s->metrics[i];
    return NULL;
}

static void mean_sd(const double *v, int n, double *m, double *sd)
{
    double s = 0, q = 0;
    *m = *sd = NAN;
    if (!v || n <= 0)
        return;
    for (int i = 0; i < n; i++)
        s += v[i];
    *m = s / n;
    for (int i = 0; i < n; i++)
        q += (v[i] - *m) * (v[i] - *m);
    if (n > 1)
        *sd = sqrt(q / (n - 1));
}

static int finite_all(const double *v, int n)
{
    for (int i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

static gs_status metric_rows(gs_comparison *c, const gs_compare_session *sb,
                             const gs_compare_session *sa, const gs_compare_mc *mc,
                             gs_compare_rng *rng, gs_error *err)
{
    int cap = 3 * (sb->n_metrics + sa->n_metrics) + 1;
    double frame_s = 0;
    double *pv = NULL;
    gs_status rc;

    if (c->sess[0].fps > 0 && c->sess[1].fps > 0)
        frame_s = 1.0 / fmin(c->sess[0].fps, c->sess[1].fps);
    c->limit_fps = frame_s > 0 ? 1.0 / frame_s : 0;
    c->rows = calloc((size_t)cap, sizeof(*c->rows));
    if (!c->rows)
        return gs_fail(err, GS_ERR_NOMEM, "comparison: out of memory");
    /* BEFORE's metrics in its order, then those only AFTER has */
    for (int pass = 0; pass < 2; pass++) {
        const gs_compare_session *s = pass ? sa : sb;
        for (int i = 0; i < s->n_metrics; i++) {
            const gs_compare_metric *mb, *ma, *m = &s->metrics[i];
            if (!m->key || (pass == 1 && find_metric(sb, m->key)))
                continue;
            mb = find_metric(sb, m->key);
            ma = find_metric(sa, m->key);
            for (int side = 0; side < 3; side++) {
                gs_compare_side sd = side == 0 ? GS_COMPARE_SIDE_ALL : (gs_compare_side)(side - 1);
                int whole = (mb && mb->whole_body) || (ma && ma->whole_body);
                gs_compare_row *r;
                const double *vb = mb ? mb->values[sd] : NULL, *va = ma ? ma->values[sd] : NULL;
                int nb = vb && mb ? mb->n[sd] : 0, na = va && ma ? ma->n[sd] : 0;
                const gs_compare_check *k;
                gs_compare_mc_limit lim;
                if (sd == GS_COMPARE_SIDE_ALL && !whole)
                    continue;
                if (nb == 0 && na == 0)
                    continue;
                r = &c->rows[c->n_rows++];
                memset(r, 0, sizeof(*r));
                r->metric = gs_compare__keep(c, m->key);
                r->unit = gs_compare__keep(c, m->unit ? m->unit : "");
                r->label = gs_compare__keep(c, m->label ? m->label : m->key);
                r->positive = (mb && mb->positive) || (ma && ma->positive);
                if (!r->metric || !r->unit || !r->label)
                    return gs_fail(err, GS_ERR_NOMEM, "comparison: out of memory");
                r->side = sd;
                r->n_before = nb;
                r->n_after = na;
                mean_sd(vb, nb, &r->before, &r->sd_before);
                mean_sd(va, na, &r->after, &r->sd_after);
                r->change = r->after - r->before;
                r->change_pct = isfinite(r->before) && fabs(r->before) > 1e-9
                                    ? 100.0 * r->change / fabs(r->before)
                                    : NAN;
                r->t = r->hedges_g = r->p = r->p_holm = NAN;
                gs_compare_mc_limit_of(mc, m->key, r->before, frame_s, &lim);
                r->minimal_change = lim.minimal_change;
                r->mc_source = lim.source ? gs_compare__keep(c, lim.source) : NULL;
                r->realistic_change = lim.realistic;
                r->fps_needed = lim.fps_needed;
                r->exceeds_mc = isfinite(r->minimal_change) && isfinite(r->change) &&
                                fabs(r->change) >= r->minimal_change;
                r->verdict = GS_COMPARE_VERDICT_NOT_COMPARABLE;
                k = blocking_check(c, r->unit, m->key);
                if (nb == 0 || na == 0) {
                    snprintf(r->why, sizeof(r->why), "measured %s only", nb ? "before" : "after");
                } else if (nb < c->opt.min_strides || na < c->opt.min_strides) {
                    snprintf(r->why, sizeof(r->why),
                             "%d strides before, %d after: a stable mean needs %d (Dingenen "
                             "2018)",
                             nb, na, c->opt.min_strides);
                } else if (k) {
                    row_why(c, k, m->key, r->why, sizeof(r->why));
                } else if (!isfinite(r->minimal_change)) {
                    snprintf(r->why, sizeof(r->why),
                             "no minimal change for this metric in the table");
                } else if (!finite_all(vb, nb) || !finite_all(va, na)) {
                    snprintf(r->why, sizeof(r->why), "a stride value is not a number");
                } else {
                    gs_compare_test t;
                    rc = gs_compare_perm_test(vb, nb, va, na, c->opt.n_perm, rng, &t, err);
                    if (rc != GS_OK)
                        return rc;
                    r->t = t.t;
                    r->hedges_g = t.hedges_g;
                    r->p = t.p;
                    r->verdict = GS_COMPARE_VERDICT_NOISE; /* until the correction below */
                }
            }
        }
    }
    /* Holm over the rows tested */
    pv = malloc(sizeof(double) * (size_t)(c->n_rows + 1));
    if (!pv)
        return gs_fail(err, GS_ERR_NOMEM, "comparison: out of memory");
    for (int i = 0; i < c->n_rows; i++)
        pv[i] = c->rows[i].p;
    rc = gs_compare_holm(pv, c->n_rows, pv, err);
    if (rc != GS_OK) {
        free(pv);
        return rc;
    }
    for (int i = 0; i < c->n_rows; i++) {
        gs_compare_row *r = &c->rows[i];
        int test_holds;
        r->p_holm = pv[i];
        if (!isfinite(r->p))
            continue;
        test_holds = r->p_holm < c->opt.alpha;
        if ((r->exceeds_mc || c->opt.no_mc_gate) && test_holds) {
            r->verdict = GS_COMPARE_VERDICT_REAL;
            snprintf(r->why, sizeof(r->why),
                     "change %.3g %s %s the minimal change %.3g and the stride test holds (Holm "
                     "p %.3g < %.2g)",
                     r->change, r->unit, r->exceeds_mc ? "reaches" : "is below", r->minimal_change,
                     r->p_holm, c->opt.alpha);
        } else if (!r->exceeds_mc && !c->opt.no_mc_gate && frame_s > 0 &&
                   r->minimal_change > r->realistic_change * (1 + 1e-12)) {
            /* below a minimal change that no realistic intervention reaches at this rate: the
             * recordings cannot tell, which "noise" would hide */
            char from[48] = "no frame rate would";
            r->verdict = GS_COMPARE_VERDICT_CANNOT_TELL;
            if (isfinite(r->fps_needed) && r->fps_needed > 0)
                snprintf(from, sizeof(from), "from %.0f fps it could", ceil(r->fps_needed));
            snprintf(r->why, sizeof(r->why),
                     "at %.3g fps the minimal change %.3g %s exceeds what an intervention "
                     "realistically changes (%.3g %s): cannot tell; %s",
                     c->limit_fps, r->minimal_change, r->unit, r->realistic_change, r->unit, from);
        } else {
            r->verdict = GS_COMPARE_VERDICT_NOISE;
            if (!r->exceeds_mc && !test_holds)
                snprintf(r->why, sizeof(r->why),
                         "change %.3g %s is below the minimal change %.3g and within the "
                         "stride-to-stride spread (Holm p %.3g)",
                         r->change, r->unit, r->minimal_change, r->p_holm);
            else if (!r->exceeds_mc)
                snprintf(r->why, sizeof(r->why),
                         "change %.3g %s is below the minimal change %.3g (Holm p %.3g)", r->change,
                         r->unit, r->minimal_change, r->p_holm);
            else
                snprintf(r->why, sizeof(r->why),
                         "change %.3g %s reaches the minimal change %.3g but is within the "
                         "stride-to-stride spread (Holm p %.3g >= %.2g)",
                         r->change, r->unit, r->minimal_change, r->p_holm, c->opt.alpha);
        }
    }
    free(pv);
    return GS_OK;
}

/* ---- curve rows ---- */

static const gs_compare_curve *find_curve(const gs_compare_session *s, const char *angle,
                                          gs_compare_side side)
{
    for (int i = 0; i < s->n_curves; i++)
        if (s->curves[i].angle && !strcmp(s->curves[i].angle, angle) && s->curves[i].side == side)
            return &s->curves[i];
    return NULL;
}

static void curve_stats(const double *y, int n, double *mean, double *sd)
{
    for (int q = 0; q < GS_COMPARE_CURVE_N; q++) {
        double s = 0, ss = 0, m;
        for (int i = 0; i < n; i++)
            s += y[(size_t)i * GS_COMPARE_CURVE_N + q];
        m = n > 0 ? s / n : NAN;
        for (int i = 0; i < n; i++) {
            double d = y[(size_t)i * GS_COMPARE_CURVE_N + q] - m;
            ss += d * d;
        }
        mean[q] = m;
        sd[q] = n > 1 ? sqrt(ss / (n - 1)) : NAN;
    }
}

static gs_status curve_rows(gs_comparison *c, const gs_compare_session *sb,
                            const gs_compare_session *sa, const gs_compare_mc *mc,
                            gs_compare_rng *rng, gs_error *err)
{
    int cap = sb->n_curves + sa->n_curves + 1;
    const double **yb = NULL, **ya = NULL;
    gs_status rc = GS_OK;

    c->curves = calloc((size_t)cap, sizeof(*c->curves));
    yb = calloc((size_t)cap, sizeof(*yb));
    ya = calloc((size_t)cap, sizeof(*ya));
    if (!c->curves || !yb || !ya) {
        rc = gs_fail(err, GS_ERR_NOMEM, "comparison: out of memory");
        goto done;
    }
    for (int pass = 0; pass < 2; pass++) {
        const gs_compare_session *s = pass ? sa : sb;
        for (int i = 0; i < s->n_curves; i++) {
            const gs_compare_curve *cv = &s->curves[i], *cb, *ca;
            gs_compare_curve_row *r;
            const gs_compare_check *k;
            const char *src = NULL;
            if (!cv->angle || (pass == 1 && find_curve(sb, cv->angle, cv->side)))
                continue;
            cb = find_curve(sb, cv->angle, cv->side);
            ca = find_curve(sa, cv->angle, cv->side);
            r = &c->curves[c->n_curves];
            memset(r, 0, sizeof(*r));
            r->angle = gs_compare__keep(c, cv->angle);
            if (!r->angle) {
                rc = gs_fail(err, GS_ERR_NOMEM, "comparison: out of memory");
                goto done;
            }
            r->side = cv->side;
            r->n_before = cb && cb->strides ? cb->n : 0;
            r->n_after = ca && ca->strides ? ca->n : 0;
            yb[c->n_curves] = r->n_before ? cb->strides : NULL;
            ya[c->n_curves] = r->n_after ? ca->strides : NULL;
            curve_stats(yb[c->n_curves], r->n_before, r->mean_before, r->sd_before);
            curve_stats(ya[c->n_curves], r->n_after, r->mean_after, r->sd_after);
            for (int q = 0; q < GS_COMPARE_CURVE_N; q++)
                r->t[q] = NAN;
            r->minimal_change = gs_compare_mc_value(mc, 1, cv->angle, NAN, 0, &src);
            r->mc_source = src ? gs_compare__keep(c, src) : NULL;
            r->verdict = GS_COMPARE_VERDICT_NOT_COMPARABLE;
            k = blocking_check(c, "deg", NULL); /* angles' definitions have not changed */
            if (r->n_before == 0 || r->n_after == 0)
                snprintf(r->why, sizeof(r->why), "measured %s only",
                         r->n_before ? "before" : "after");
            else if (r->n_before < c->opt.min_strides || r->n_after < c->opt.min_strides)
                snprintf(r->why, sizeof(r->why),
                         "%d strides before, %d after: a stable mean needs %d (Dingenen 2018)",
                         r->n_before, r->n_after, c->opt.min_strides);
            else if (k)
                row_why(c, k, NULL, r->why, sizeof(r->why));
            else if (!isfinite(r->minimal_change))
                snprintf(r->why, sizeof(r->why), "no minimal change for this curve in the table");
            else if (!finite_all(yb[c->n_curves], r->n_before * GS_COMPARE_CURVE_N) ||
                     !finite_all(ya[c->n_curves], r->n_after * GS_COMPARE_CURVE_N))
                snprintf(r->why, sizeof(r->why), "a curve point is not a number");
            else
                r->verdict = GS_COMPARE_VERDICT_NOISE; /* tested below */
            c->n_curves++;
        }
    }
    if (!c->opt.no_spm)
        rc = gs_compare__spm(c, yb, ya, rng, err);
    else
        for (int i = 0; i < c->n_curves; i++)
            if (c->curves[i].verdict == GS_COMPARE_VERDICT_NOISE) {
                c->curves[i].verdict = GS_COMPARE_VERDICT_NOT_COMPARABLE;
                snprintf(c->curves[i].why, sizeof(c->curves[i].why), "curves not tested");
            }
done:
    free(yb);
    free(ya);
    return rc;
}

/* ---- findings ---- */

static const gs_compare_finding *find_finding(const gs_compare_session *s, const char *id)
{
    for (int i = 0; i < s->n_findings; i++)
        if (s->findings[i].id && !strcmp(s->findings[i].id, id))
            return &s->findings[i];
    return NULL;
}

static gs_status finding_rows(gs_comparison *c, const gs_compare_session *sb,
                              const gs_compare_session *sa, gs_error *err)
{
    int cap = sb->n_findings + sa->n_findings + 1, hcap = 0;
    c->findings = calloc((size_t)cap, sizeof(*c->findings));
    if (!c->findings)
        return gs_fail(err, GS_ERR_NOMEM, "comparison: out of memory");
    for (int pass = 0; pass < 2; pass++) {
        const gs_compare_session *s = pass ? sa : sb;
        for (int i = 0; i < s->n_findings; i++) {
            const gs_compare_finding *f = &s->findings[i], *fb, *fa;
            gs_compare_finding_row *r;
            if (!f->id || (pass == 1 && find_finding(sb, f->id)))
                continue;
            fb = find_finding(sb, f->id);
            fa = find_finding(sa, f->id);
            r = &c->findings[c->n_findings++];
            r->status = fb && fa ? GS_COMPARE_FINDING_PERSISTING
                        : fb     ? GS_COMPARE_FINDING_RESOLVED
                                 : GS_COMPARE_FINDING_NEW;
            /* the latest wording when the finding is still there */
            f = fa ? fa : fb;
            r->id = gs_compare__keep(c, f->id);
            r->rule = gs_compare__keep(c, f->rule ? f->rule : f->id);
            r->title = gs_compare__keep(c, f->title ? f->title : f->id);
            r->side = f->side ? gs_compare__keep(c, f->side) : NULL;
            if (!r->id || !r->rule || !r->title || (f->side && !r->side))
                return gs_fail(err, GS_ERR_NOMEM, "comparison: out of memory");
            r->severity_before = fb ? fb->severity : NAN;
            r->severity_after = fa ? fa->severity : NAN;
            r->confidence_before = fb ? fb->confidence : NAN;
            r->confidence_after = fa ? fa->confidence : NAN;
            if (r->status == GS_COMPARE_FINDING_PERSISTING)
                hcap += fa->n_homework;
        }
    }
    /* homework for the next session: what persists still needs work */
    c->homework = calloc((size_t)(hcap + 1), sizeof(char *));
    if (!c->homework)
        return gs_fail(err, GS_ERR_NOMEM, "comparison: out of memory");
    for (int i = 0; i < c->n_findings; i++) {
        const gs_compare_finding *fa;
        if (c->findings[i].status != GS_COMPARE_FINDING_PERSISTING)
            continue;
        fa = find_finding(sa, c->findings[i].id);
        for (int h = 0; fa && h < fa->n_homework; h++) {
            int dup = 0;
            if (!fa->homework[h])
                continue;
            for (int j = 0; j < c->n_homework && !dup; j++)
                dup = !strcmp(c->homework[j], fa->homework[h]);
            if (dup)
                continue;
            c->homework[c->n_homework] = (char *)gs_compare__keep(c, fa->homework[h]);
            if (!c->homework[c->n_homework])
                return gs_fail(err, GS_ERR_NOMEM, "comparison: out of memory");
            c->n_homework++;
        }
    }
    return GS_OK;
}

/* The common camera rate to suggest for a needed rate: phones film 60, 120 and 240 fps. */
static int camera_fps(double need)
{
    static const int rates[] = {60, 120, 240};
    for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
        if (need <= rates[i])
            return rates[i];
    return 0;
}

/* c->fps_note: which metrics this pair cannot judge at its frame rate and from what rate it
 * could, from the cannot_tell rows (one name per metric, the higher rate of its sides). */
static void build_fps_note(gs_comparison *c)
{
    enum { MAX_ITEMS = 16 };
    const char *key[MAX_ITEMS];
    char name[MAX_ITEMS][64], names[400] = "", rates[400] = "", film[480];
    double need[MAX_ITEMS], worst = 0;
    int n = 0, never = 0;
    c->fps_note[0] = '\0';
    for (int i = 0; i < c->n_rows; i++) {
        const gs_compare_row *r = &c->rows[i];
        int k = 0;
        if (r->verdict != GS_COMPARE_VERDICT_CANNOT_TELL)
            continue;
        while (k < n && strcmp(r->metric, key[k]))
            k++;
        if (k == n) {
            if (n == MAX_ITEMS)
                continue;
            key[n] = r->metric;
            snprintf(name[n], sizeof(name[n]), "%s", r->label);
            /* a label starts a sentence ("Ground contact time"): lower case inside one */
            if (name[n][1] && !isupper((unsigned char)name[n][1]))
                name[n][0] = (char)tolower((unsigned char)name[n][0]);
            need[n++] = r->fps_needed;
        } else {
            need[k] =
                isfinite(need[k]) && isfinite(r->fps_needed) ? fmax(need[k], r->fps_needed) : NAN;
        }
    }
    if (n == 0)
        return;
    for (int k = 0; k < n; k++) {
        size_t u = strlen(names);
        snprintf(names + u, sizeof(names) - u, "%s%s",
                 k == 0       ? ""
                 : k == n - 1 ? " or "
                              : ", ",
                 name[k]);
        u = strlen(rates);
        if (isfinite(need[k]) && need[k] > 0) {
            snprintf(rates + u, sizeof(rates) - u, "%s%s needs %.0f fps", u ? ", " : "", name[k],
                     ceil(need[k]));
            worst = fmax(worst, need[k]);
        } else {
            snprintf(rates + u, sizeof(rates) - u, "%s%s no frame rate", u ? ", " : "", name[k]);
            never = 1;
        }
    }
    if (worst <= 0)
        snprintf(film, sizeof(film),
                 "No frame rate would help: their minimal change is larger whatever the rate.");
    else if (camera_fps(ceil(worst)))
        snprintf(film, sizeof(film), "Film both sessions at %d fps to judge %s (%s).",
                 camera_fps(ceil(worst)),
                 never   ? "the others"
                 : n > 1 ? "them"
                         : "it",
                 rates);
    else
        snprintf(film, sizeof(film), "Judging %s needs a faster camera (%s).",
                 never   ? "the others"
                 : n > 1 ? "them"
                         : "it",
                 rates);
    snprintf(c->fps_note, sizeof(c->fps_note),
             "At %.3g fps these two recordings cannot tell whether %s changed: the smallest change "
             "they can detect is larger than what training or an intervention realistically "
             "changes. %s",
             c->limit_fps, names, film);
}

gs_status gs_compare_run(const gs_compare_session *before, const gs_compare_session *after,
                         const gs_compare_mc *mc, const gs_compare_options *opt,
                         gs_comparison **out, gs_error *err)
{
    gs_comparison *c = NULL;
    gs_compare_rng rng;
    gs_status rc;

    *out = NULL;
    if (!before || !after)
        return gs_fail(err, GS_ERR_ARG, "compare: missing BEFORE or AFTER");
    if (before->path && after->path && !strcmp(before->path, after->path))
        return gs_fail(err, GS_ERR_ARG,
                       "%s: BEFORE and AFTER are the same analysis (give two different sessions)",
                       before->path);
    if (!before->format || !after->format || strcmp(before->format, after->format))
        return gs_fail(err, GS_ERR_ARG,
                       "%s: format \"%s\" differs from %s's \"%s\" (re-analyse both with the "
                       "same gaitscope)",
                       after->path ? after->path : "AFTER", after->format ? after->format : "?",
                       before->path ? before->path : "BEFORE",
                       before->format ? before->format : "?");
    c = calloc(1, sizeof(*c));
    if (!c)
        return gs_fail(err, GS_ERR_NOMEM, "compare: out of memory");
    if (opt)
        c->opt = *opt;
    if (!(c->opt.alpha > 0 && c->opt.alpha < 1))
        c->opt.alpha = DEFAULT_ALPHA;
    if (c->opt.n_perm <= 0)
        c->opt.n_perm = DEFAULT_PERM;
    if (c->opt.seed == 0)
        c->opt.seed = DEFAULT_SEED;
    if (c->opt.min_strides <= 0)
        c->opt.min_strides = STABLE_MEAN_STRIDES;
    if (!copy_sess(&c->sess[0], before) || !copy_sess(&c->sess[1], after)) {
        rc = gs_fail(err, GS_ERR_NOMEM, "compare: out of memory");
        goto fail;
    }
    c->checks = calloc(16, sizeof(*c->checks));
    if (!c->checks) {
        rc = gs_fail(err, GS_ERR_NOMEM, "compare: out of memory");
        goto fail;
    }
    run_checks(c, before, after, c->opt.min_strides);
    for (int i = 0; i < c->n_checks; i++) {
        const gs_compare_check *k = &c->checks[i];
        if (k->blocking && k->state == GS_COMPARE_CHECK_MISMATCH && !c->opt.force) {
            rc = gs_fail(err, GS_ERR_ARG,
                         "%s: %s is %s, BEFORE's is %s: not comparable (--force compares anyway)",
                         after->path ? after->path : "AFTER", k->name, k->after, k->before);
            goto fail;
        }
    }
    gs_compare_rng_seed(&rng, c->opt.seed);
    if ((rc = metric_rows(c, before, after, mc, &rng, err)) != GS_OK ||
        (rc = curve_rows(c, before, after, mc, &rng, err)) != GS_OK ||
        (rc = finding_rows(c, before, after, err)) != GS_OK)
        goto fail;
    build_fps_note(c);
    *out = c;
    return GS_OK;
fail:
    gs_comparison_free(&c);
    return rc;
}

/* ---- accessors ---- */

int gs_comparison_n_checks(const gs_comparison *c)
{
    return c ? c->n_checks : 0;
}

const gs_compare_check *gs_comparison_check(const gs_comparison *c, int i)
{
    return c && i >= 0 && i < c->n_checks ? &c->checks[i] : NULL;
}

int gs_comparison_n_rows(const gs_comparison *c)
{
    return c ? c->n_rows : 0;
}

const gs_compare_row *gs_comparison_row(const gs_comparison *c, int i)
{
    return c && i >= 0 && i < c->n_rows ? &c->rows[i] : NULL;
}

const gs_compare_row *gs_comparison_find_row(const gs_comparison *c, const char *key,
                                             gs_compare_side side)
{
    for (int i = 0; c && key && i < c->n_rows; i++)
        if (c->rows[i].side == side && !strcmp(c->rows[i].metric, key))
            return &c->rows[i];
    return NULL;
}

int gs_comparison_n_curves(const gs_comparison *c)
{
    return c ? c->n_curves : 0;
}

const gs_compare_curve_row *gs_comparison_curve(const gs_comparison *c, int i)
{
    return c && i >= 0 && i < c->n_curves ? &c->curves[i] : NULL;
}

const gs_compare_curve_row *gs_comparison_find_curve(const gs_comparison *c, const char *angle,
                                                     gs_compare_side side)
{
    for (int i = 0; c && angle && i < c->n_curves; i++)
        if (c->curves[i].side == side && !strcmp(c->curves[i].angle, angle))
            return &c->curves[i];
    return NULL;
}

int gs_comparison_n_findings(const gs_comparison *c)
{
    return c ? c->n_findings : 0;
}

const gs_compare_finding_row *gs_comparison_finding(const gs_comparison *c, int i)
{
    return c && i >= 0 && i < c->n_findings ? &c->findings[i] : NULL;
}

int gs_comparison_n_homework(const gs_comparison *c)
{
    return c ? c->n_homework : 0;
}

const char *gs_comparison_homework(const gs_comparison *c, int i)
{
    return c && i >= 0 && i < c->n_homework ? c->homework[i] : NULL;
}

double gs_comparison_spm_threshold(const gs_comparison *c, int *n_perm)
{
    if (n_perm)
        *n_perm = c ? c->spm_perm : 0;
    return c ? c->spm_threshold : NAN;
}

const gs_compare_options *gs_comparison_options(const gs_comparison *c)
{
    return c ? &c->opt : NULL;
}

void gs_comparison_counts(const gs_comparison *c, int counts[GS_COMPARE_VERDICT_COUNT])
{
    for (int k = 0; k < GS_COMPARE_VERDICT_COUNT; k++)
        counts[k] = 0;
    for (int i = 0; c && i < c->n_rows; i++)
        counts[c->rows[i].verdict]++;
}

double gs_comparison_fps(const gs_comparison *c)
{
    return c ? c->limit_fps : 0;
}

const char *gs_comparison_check_alert(const gs_comparison *c, int i)
{
    const gs_compare_check *k = gs_comparison_check(c, i);
    if (!k)
        return "";
    if (c->timing_note[0] && !strcmp(k->name, "contact_timing"))
        return c->timing_note;
    if (c->timing_note[0] && !strcmp(k->name, "toe_off_timing"))
        return "";
    return k->message;
}

const char *gs_comparison_fps_note(const gs_comparison *c)
{
    return c ? c->fps_note : "";
}
