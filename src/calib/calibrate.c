/*
 * Chessboard calibration: frames in, a camera profile out.
 *
 * Method. Zhang's plane-based calibration as OpenCV implements it (Zhang 2000, "A flexible new
 * technique for camera calibration", IEEE TPAMI 22:1330; calib3d calibrateCamera and
 * fisheye::calibrate): several views of a flat board of known square size fix the focal
 * lengths, principal point and lens distortion. What decides the quality is which views go in:
 *
 * 1. Sharpness. A phone moved by hand blurs many frames. Each video is cut into windows of
 *    window_s (0.5 s) and only the sharpest frame of a window is searched for the board (variance
 *    of the Laplacian, Pech-Pacheco et al. 2000); that also spreads the views over the clip.
 *    After detection, a board whose own sharpness (inside its box) is below 0.3 x the median of
 *    all boards is dropped: the focus measure falls several-fold under motion blur while focus
 *    and lighting changes between good views stay within a factor of about two, so 0.3 keeps
 *    the good ones (a reasoned threshold, not a published one).
 * 2. Near-duplicates. A phone held still gives many copies of one view, which weigh that pose
 *    without adding information. A board whose corners lie on average within 1 % of the image
 *    diagonal of a sharper kept board's corners is dropped (22 px on a 1920x1080 frame: many
 *    times the corner noise and hand tremor, below the change between deliberate poses; two
 *    tilts of a board at one place already differ by more).
 * 3. Coverage. Distortion is only measured where board corners were seen; beyond that it is
 *    extrapolated from a polynomial, which diverges quickly. Views are taken greedily by the
 *    cells of a 10x10 grid over the image that their corners add; once no view adds a cell, by
 *    distance to the views taken (variety of pose, which fixes the focal length; Zhang 2000
 *    shows the fit degenerates when all boards are parallel). At most max_views (40): more
 *    adds time, not accuracy (OpenCV's tutorial asks for at least 10 views).
 * 4. Model. The standard model (Brown-Conrady radial + tangential, 5 coefficients) and the
 *    fisheye model (4 coefficients) are each fitted on 4/5 of the views and scored on the
 *    held-out 1/5 (5 folds), where the error of an over-fitted model shows; the standard model
 *    is kept unless the fisheye's held-out error is below 0.9 x the standard's, since the
 *    standard model is defined and invertible over the whole frame of an ordinary phone lens.
 *    OpenCV 4.6's fisheye fit throws on an ill-conditioned view (CALIB_CHECK_COND); the wrapper
 *    returns that view and it is dropped from the fit, which is then repeated.
 *
 * Refusals are separate because each has its own fix: the board never seen (framing, light,
 * board size), seen only with another corner count (the user counted squares), too few views
 * left (film more poses, move slower).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "video.h"

#define GRID        10   /* coverage grid cells per image side */
#define N_PROBE     4    /* frames kept to diagnose a wrong board size */
#define N_FOLDS     5    /* held-out folds for the model choice */
#define MAX_DROPS   10   /* ill-conditioned views dropped per fisheye fit before giving up */
#define BLUR_FRAC   0.3  /* board sharpness below this x the median: blurred (see above) */
#define DUP_FRAC    0.01 /* mean corner distance below this x the diagonal: duplicate */
#define FISHEYE_WIN 0.9  /* fisheye must beat the standard held-out error by 10 % */

typedef struct view {
    double *xy;                /* npts x (x, y), continuous pixels */
    double sharp;              /* variance of the Laplacian inside the board's box */
    int32_t source;            /* index into sources */
    double t_s;                /* time in the source */
    uint8_t cell[GRID * GRID]; /* 1 where a corner falls */
    int dropped;               /* refused by a fisheye fit (ill-conditioned) */
} view;

struct gs_calib {
    gs_calib_options o;
    int32_t npts;
    double *obj;           /* npts x (x, y, 0) in mm */
    int32_t width, height; /* frame size (0 before the first frame) */
    char (*src)[256];      /* source names */
    int32_t n_src, cap_src;
    int32_t cur_src;   /* source of the current window, -1 none */
    long long cur_win; /* window index in the current source */
    uint8_t *best;     /* copy of the sharpest frame of the current window */
    double best_sharp, best_t;
    int have_best;
    uint8_t *probe[N_PROBE]; /* sharpest searched frames without a board (while none found) */
    double probe_sharp[N_PROBE];
    int n_probe;
    view *v;
    int32_t n_v, cap_v;
    int32_t frames, searched, found;
};

static size_t frame_bytes(const gs_calib *c)
{
    return (size_t)c->width * (size_t)c->height * 3;
}

void gs_calib_free(gs_calib **pc)
{
    gs_calib *c = pc ? *pc : NULL;
    if (!c)
        return;
    for (int32_t i = 0; i < c->n_v; i++)
        free(c->v[i].xy);
    free(c->v);
    for (int i = 0; i < N_PROBE; i++)
        free(c->probe[i]);
    free(c->best);
    free(c->src);
    free(c->obj);
    free(c);
    *pc = NULL;
}

gs_status gs_calib_new(const gs_calib_options *opt, gs_calib **out, gs_error *err)
{
    gs_calib *c;
    *out = NULL;
    if (!opt || opt->cols < 2 || opt->rows < 2 || opt->cols > 200 || opt->rows > 200)
        return gs_fail(err, GS_ERR_ARG,
                       "--chessboard: expected COLSxROWS inner corners, each 2..200 (e.g. 9x6)");
    if (!(opt->square_mm > 0) || !isfinite(opt->square_mm))
        return gs_fail(err, GS_ERR_ARG, "--square: expected the square size in mm (> 0)");
    c = calloc(1, sizeof(*c));
    if (!c)
        return gs_fail(err, GS_ERR_NOMEM, "calibrate: out of memory");
    c->o = *opt;
    if (c->o.min_views <= 0)
        c->o.min_views = 8;
    if (c->o.max_views <= 0)
        c->o.max_views = 40;
    if (c->o.max_views < c->o.min_views)
        c->o.max_views = c->o.min_views;
    if (!(c->o.window_s > 0))
        c->o.window_s = 0.5;
    c->npts = opt->cols * opt->rows;
    c->cur_src = -1;
    c->obj = malloc(sizeof(double) * 3 * (size_t)c->npts);
    if (!c->obj) {
        gs_calib_free(&c);
        return gs_fail(err, GS_ERR_NOMEM, "calibrate: out of memory");
    }
    /* OpenCV returns the corners row by row, cols per row (calib3d findChessboardCorners). */
    for (int32_t r = 0; r < opt->rows; r++)
        for (int32_t q = 0; q < opt->cols; q++) {
            double *p = c->obj + 3 * ((size_t)r * opt->cols + q);
            p[0] = q * opt->square_mm;
            p[1] = r * opt->square_mm;
            p[2] = 0;
        }
    *out = c;
    return GS_OK;
}

static gs_image image_of(const gs_calib *c, uint8_t *data)
{
    gs_image im = {data, c->width, c->height, c->width * 3};
    return im;
}

/* Keeps a searched frame without a board as a probe for the wrong-size diagnosis. */
static void keep_probe(gs_calib *c)
{
    int slot = -1;
    if (c->found > 0)
        return;
    if (c->n_probe < N_PROBE) {
        c->probe[c->n_probe] = malloc(frame_bytes(c));
        if (!c->probe[c->n_probe])
            return; /* only a diagnosis: without memory it is skipped */
        slot = c->n_probe++;
    } else {
        for (int i = 0; i < N_PROBE; i++)
            if (c->probe_sharp[i] < c->best_sharp &&
                (slot < 0 || c->probe_sharp[i] < c->probe_sharp[slot]))
                slot = i;
        if (slot < 0)
            return;
    }
    memcpy(c->probe[slot], c->best, frame_bytes(c));
    c->probe_sharp[slot] = c->best_sharp;
}

/* Searches the held frame of the window that just ended. */
static gs_status flush(gs_calib *c, gs_error *err)
{
    gs_status rc;
    int found = 0;
    view *nv;
    double *xy = NULL;
    if (!c->have_best)
        return GS_OK;
    c->have_best = 0;
    c->searched++;
    gs_image im = image_of(c, c->best);
    xy = malloc(sizeof(double) * 2 * (size_t)c->npts);
    if (!xy)
        return gs_fail(err, GS_ERR_NOMEM, "calibrate: out of memory");
    rc = gs_cv_chessboard_find(&im, c->o.cols, c->o.rows, xy, &found, err);
    if (rc != GS_OK || !found) {
        free(xy);
        if (rc == GS_OK)
            keep_probe(c);
        return rc;
    }
    if (c->n_v == c->cap_v) {
        int32_t cap = c->cap_v ? 2 * c->cap_v : 64;
        nv = realloc(c->v, sizeof(view) * (size_t)cap);
        if (!nv) {
            free(xy);
            return gs_fail(err, GS_ERR_NOMEM, "calibrate: out of memory");
        }
        c->v = nv;
        c->cap_v = cap;
    }
    view *v = &c->v[c->n_v];
    memset(v, 0, sizeof(*v));
    v->xy = xy;
    v->source = c->cur_src;
    v->t_s = c->best_t;
    double x0 = 1e30, y0 = 1e30, x1 = -1e30, y1 = -1e30;
    for (int32_t i = 0; i < c->npts; i++) {
        double x = xy[2 * i], y = xy[2 * i + 1];
        x0 = fmin(x0, x);
        x1 = fmax(x1, x);
        y0 = fmin(y0, y);
        y1 = fmax(y1, y);
        int gx = (int)floor(x / c->width * GRID), gy = (int)floor(y / c->height * GRID);
        if (gx >= 0 && gx < GRID && gy >= 0 && gy < GRID)
            v->cell[gy * GRID + gx] = 1;
    }
    rc = gs_cv_sharpness(&im, (int32_t)floor(x0), (int32_t)floor(y0), (int32_t)ceil(x1) + 1,
                         (int32_t)ceil(y1) + 1, &v->sharp, err);
    if (rc != GS_OK) {
        free(xy);
        return rc;
    }
    c->n_v++;
    c->found++;
    return GS_OK;
}

gs_status gs_calib_add_frame(gs_calib *c, const gs_image *img, const char *source, double t_s,
                             gs_error *err)
{
    gs_status rc;
    double sharp = 0;
    const char *name = source && source[0] ? source : "frame";
    if (!c || !img || !img->data || img->width <= 0 || img->height <= 0 ||
        img->stride < 3 * img->width)
        return gs_fail(err, GS_ERR_ARG, "%s: empty frame", name);
    if (c->width == 0) {
        size_t n;
        if (gs_size_mul((size_t)img->width * 3, (size_t)img->height, &n))
            return gs_fail(err, GS_ERR_ARG, "%s: frame too large", name);
        c->width = img->width;
        c->height = img->height;
        c->best = malloc(n);
        if (!c->best)
            return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", name);
    } else if (img->width != c->width || img->height != c->height) {
        return gs_fail(err, GS_ERR_ARG,
                       "%s: frames are %dx%d, the earlier ones %dx%d (%s): calibrate one "
                       "resolution and orientation at a time",
                       name, (int)img->width, (int)img->height, (int)c->width, (int)c->height,
                       c->n_src > 0 ? c->src[0] : "first input");
    }
    c->frames++;
    /* a new source or a new window of this source: search the frame held for the last one */
    int new_src = c->cur_src < 0 || strcmp(c->src[c->cur_src], name) != 0;
    long long win = (long long)floor((isfinite(t_s) ? t_s : 0) / c->o.window_s);
    if (new_src || win != c->cur_win) {
        rc = flush(c, err);
        if (rc != GS_OK)
            return rc;
    }
    if (new_src) {
        if (c->n_src == c->cap_src) {
            int32_t cap = c->cap_src ? 2 * c->cap_src : 8;
            char(*ns)[256] = realloc(c->src, sizeof(*ns) * (size_t)cap);
            if (!ns)
                return gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", name);
            c->src = ns;
            c->cap_src = cap;
        }
        snprintf(c->src[c->n_src], sizeof(c->src[0]), "%s", name);
        c->cur_src = c->n_src++;
    }
    c->cur_win = win;
    rc = gs_cv_sharpness(img, 0, 0, 0, 0, &sharp, err);
    if (rc != GS_OK)
        return rc;
    if (!c->have_best || sharp > c->best_sharp) {
        for (int32_t y = 0; y < img->height; y++)
            memcpy(c->best + (size_t)y * c->width * 3, img->data + (size_t)y * img->stride,
                   (size_t)c->width * 3);
        c->best_sharp = sharp;
        c->best_t = t_s;
        c->have_best = 1;
    }
    return GS_OK;
}

/* Mean distance between the corners of two views, in either corner order (a board turned by
 * half a turn is found with its corners reversed). */
static double view_dist(const gs_calib *c, const view *a, const view *b)
{
    double s0 = 0, s1 = 0;
    int32_t n = c->npts;
    for (int32_t i = 0; i < n; i++) {
        const double *p = a->xy + 2 * i, *q = b->xy + 2 * i, *r = b->xy + 2 * (n - 1 - i);
        s0 += hypot(p[0] - q[0], p[1] - q[1]);
        s1 += hypot(p[0] - r[0], p[1] - r[1]);
    }
    return fmin(s0, s1) / n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Fills sel with the views to fit (indices into c->v), returns how many; counts drops in rep. */
static int32_t select_views(gs_calib *c, int32_t *sel, gs_calib_report *rep)
{
    int32_t n = c->n_v, n_ok = 0, n_keep = 0, n_sel = 0;
    double med = 0;
    double diag = hypot(c->width, c->height);
    double *sh = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
    int32_t *ord = malloc(sizeof(int32_t) * (size_t)(n > 0 ? n : 1));
    int32_t *keep = malloc(sizeof(int32_t) * (size_t)(n > 0 ? n : 1));
    uint8_t *taken = calloc((size_t)(n > 0 ? n : 1), 1);
    uint8_t covered[GRID * GRID] = {0};
    if (!sh || !ord || !keep || !taken) {
        n_sel = -1;
        goto done;
    }
    for (int32_t i = 0; i < n; i++)
        sh[i] = c->v[i].sharp;
    qsort(sh, (size_t)n, sizeof(double), cmp_double);
    med = n > 0 ? sh[n / 2] : 0;
    /* sharpest first, so that of two near-duplicates the sharper one stays */
    for (int32_t i = 0; i < n; i++)
        ord[i] = i;
    for (int32_t i = 1; i < n; i++)
        for (int32_t j = i; j > 0 && c->v[ord[j]].sharp > c->v[ord[j - 1]].sharp; j--) {
            int32_t t = ord[j];
            ord[j] = ord[j - 1];
            ord[j - 1] = t;
        }
    for (int32_t k = 0; k < n; k++) {
        const view *v = &c->v[ord[k]];
        int dup = 0;
        if (v->sharp < BLUR_FRAC * med) {
            rep->blurred++;
            continue;
        }
        n_ok++;
        for (int32_t j = 0; j < n_keep && !dup; j++)
            dup = view_dist(c, v, &c->v[keep[j]]) < DUP_FRAC * diag;
        if (dup) {
            rep->duplicates++;
            continue;
        }
        keep[n_keep++] = ord[k];
    }
    /* greedy coverage, then pose variety */
    while (n_sel < n_keep && n_sel < c->o.max_views) {
        int32_t best = -1, best_new = 0;
        for (int32_t j = 0; j < n_keep; j++) {
            int32_t nw = 0;
            if (taken[j])
                continue;
            for (int g = 0; g < GRID * GRID; g++)
                nw += c->v[keep[j]].cell[g] && !covered[g];
            if (nw > best_new) { /* keep[] is sharpest first: ties go to the sharper */
                best_new = nw;
                best = j;
            }
        }
        if (best < 0)
            break;
        taken[best] = 1;
        sel[n_sel++] = keep[best];
        for (int g = 0; g < GRID * GRID; g++)
            covered[g] |= c->v[keep[best]].cell[g];
    }
    while (n_sel < n_keep && n_sel < c->o.max_views) {
        int32_t best = -1;
        double best_d = -1;
        for (int32_t j = 0; j < n_keep; j++) {
            double d = 1e30;
            if (taken[j])
                continue;
            for (int32_t s = 0; s < n_sel; s++)
                d = fmin(d, view_dist(c, &c->v[keep[j]], &c->v[sel[s]]));
            if (d > best_d) {
                best_d = d;
                best = j;
            }
        }
        if (best < 0)
            break;
        taken[best] = 1;
        sel[n_sel++] = keep[best];
    }
done:
    free(sh);
    free(ord);
    free(keep);
    free(taken);
    return n_sel;
}

static double coverage_of(const gs_calib *c, const int32_t *idx, int32_t n)
{
    uint8_t cov[GRID * GRID] = {0};
    int k = 0;
    for (int32_t i = 0; i < n; i++)
        for (int g = 0; g < GRID * GRID; g++)
            cov[g] |= c->v[idx[i]].cell[g];
    for (int g = 0; g < GRID * GRID; g++)
        k += cov[g];
    return k / (double)(GRID * GRID);
}

/*
 * Fits lens on views idx[0..n) (copied to work); fisheye views OpenCV refuses are dropped and the
 * fit repeated. On success *n_used is the number of views in the fit and used[] (may be NULL)
 * their indices.
 */
static gs_status fit(gs_calib *c, gs_cv_lens lens, const int32_t *idx, int32_t n, double *pts,
                     gs_cv_camera *cam, double *rms, int32_t *used, int32_t *n_used, gs_error *err)
{
    int32_t *work = malloc(sizeof(int32_t) * (size_t)(n > 0 ? n : 1));
    gs_status rc = GS_ERR_FORMAT;
    int32_t m = n;
    if (!work)
        return gs_fail(err, GS_ERR_NOMEM, "calibrate: out of memory");
    memcpy(work, idx, sizeof(int32_t) * (size_t)n);
    for (int attempt = 0; attempt <= MAX_DROPS; attempt++) {
        gs_cv_calib_result res;
        if (m < 4) {
            rc = gs_fail(err, GS_ERR_FORMAT,
                         "calibrate (%s): fewer than 4 views left after dropping ill-conditioned "
                         "ones",
                         gs_calib_model_name(lens));
            break;
        }
        for (int32_t i = 0; i < m; i++)
            memcpy(pts + (size_t)i * 2 * c->npts, c->v[work[i]].xy,
                   sizeof(double) * 2 * (size_t)c->npts);
        rc = gs_cv_calibrate(lens, c->width, c->height, m, c->npts, c->obj, pts, cam, &res, NULL,
                             err);
        if (rc == GS_OK) {
            *rms = res.rms_px;
            if (used)
                memcpy(used, work, sizeof(int32_t) * (size_t)m);
            *n_used = m;
            break;
        }
        if (rc != GS_ERR_FORMAT || res.bad_view < 0)
            break;
        c->v[work[res.bad_view]].dropped = 1;
        memmove(work + res.bad_view, work + res.bad_view + 1,
                sizeof(int32_t) * (size_t)(m - res.bad_view - 1));
        m--;
    }
    free(work);
    return rc;
}

/* Held-out RMS of lens over N_FOLDS folds of sel; NAN when a fold cannot be fitted. */
static gs_status holdout(gs_calib *c, gs_cv_lens lens, const int32_t *sel, int32_t n, double *pts,
                         double *out, int *fits_done, int fits_total, gs_error *err)
{
    int32_t *train = malloc(sizeof(int32_t) * (size_t)n);
    double sum = 0;
    int32_t cnt = 0;
    gs_status rc = GS_OK;
    *out = NAN;
    if (!train)
        return gs_fail(err, GS_ERR_NOMEM, "calibrate: out of memory");
    int folds = n < N_FOLDS ? n : N_FOLDS;
    for (int f = 0; f < folds; f++) {
        int32_t nt = 0, nu = 0;
        gs_cv_camera cam;
        double rms;
        gs_error e2;
        for (int32_t i = 0; i < n; i++)
            if (i % folds != f)
                train[nt++] = sel[i];
        rc = fit(c, lens, train, nt, pts, &cam, &rms, NULL, &nu, &e2);
        if (c->o.progress && c->o.progress(c->o.progress_user, "fit", ++*fits_done, fits_total)) {
            rc = gs_fail(err, GS_ERR_CANCELLED, "calibrate: cancelled");
            goto done;
        }
        if (rc == GS_ERR_NOMEM) {
            if (err)
                *err = e2;
            goto done;
        }
        if (rc != GS_OK) {
            rc = GS_OK; /* this model cannot be fitted here: no held-out score */
            cnt = 0;
            goto done;
        }
        for (int32_t i = f; i < n; i += folds) {
            double e;
            if (gs_cv_view_error(&cam, c->npts, c->obj, c->v[sel[i]].xy, &e, &e2) != GS_OK) {
                cnt = 0; /* no pose for a held-out view: the model does not describe it */
                goto done;
            }
            sum += e * e;
            cnt++;
        }
    }
done:
    if (cnt > 0)
        *out = sqrt(sum / cnt);
    free(train);
    return rc;
}

/* The board was never found: does it show with another corner count? Returns 1 and the size. */
static int probe_sizes(gs_calib *c, int32_t *pc, int32_t *pr, int *hits)
{
    const int32_t C = c->o.cols, R = c->o.rows;
    /* counted squares instead of inner corners (+1 each), or one side miscounted */
    const int32_t cand[][2] = {{C - 1, R - 1}, {C + 1, R + 1}, {C - 1, R},    {C, R - 1},
                               {C + 1, R},     {C, R + 1},     {C - 2, R - 2}};
    double *xy = NULL;
    for (size_t k = 0; k < sizeof(cand) / sizeof(cand[0]); k++) {
        int32_t cc = cand[k][0], rr = cand[k][1];
        if (cc < 2 || rr < 2)
            continue;
        free(xy);
        xy = malloc(sizeof(double) * 2 * (size_t)cc * (size_t)rr);
        if (!xy)
            return 0;
        *hits = 0;
        for (int i = 0; i < c->n_probe; i++) {
            gs_image im = image_of(c, c->probe[i]);
            int found = 0;
            if (gs_cv_chessboard_find(&im, cc, rr, xy, &found, NULL) == GS_OK && found)
                (*hits)++;
        }
        if (*hits > 0) {
            free(xy);
            *pc = cc;
            *pr = rr;
            return 1;
        }
    }
    free(xy);
    return 0;
}

static const char *src_name(const gs_calib *c)
{
    if (c->n_src == 0)
        return "input";
    return c->n_src == 1 ? c->src[0] : "the inputs";
}

gs_status gs_calib_finish(gs_calib *c, gs_calib_profile *out, gs_calib_report *rep, gs_error *err)
{
    gs_calib_report r0;
    gs_status rc;
    int32_t *sel = NULL, *used = NULL, n_sel, n_used = 0;
    double *pts = NULL;
    double hold[2] = {NAN, NAN}, rms[2] = {NAN, NAN};
    gs_cv_camera cams[2];
    gs_calib_profile p;
    int fits_done = 0, fits_total;

    if (!rep)
        rep = &r0;
    memset(rep, 0, sizeof(*rep));
    rep->coverage = NAN;
    rep->rms_px[0] = rep->rms_px[1] = rep->holdout_px[0] = rep->holdout_px[1] = NAN;
    if (!c || !out)
        return gs_fail(err, GS_ERR_ARG, "calibrate: no collector");
    rc = flush(c, err);
    if (rc != GS_OK)
        return rc;
    rep->frames = c->frames;
    rep->searched = c->searched;
    rep->found = c->found;
    rep->width = c->width;
    rep->height = c->height;
    if (c->frames == 0)
        return gs_fail(err, GS_ERR_NOT_FOUND, "calibrate: no frames in %s", src_name(c));
    if (c->found == 0) {
        int32_t pc = 0, pr = 0;
        int hits = 0;
        if (probe_sizes(c, &pc, &pr, &hits))
            return gs_fail(err, GS_ERR_NOT_FOUND,
                           "%s: no %dx%d chessboard found, but a %dx%d board was (in %d of %d "
                           "frames tried): --chessboard counts the inner corners where four "
                           "squares meet, not the squares; use --chessboard %dx%d",
                           src_name(c), (int)c->o.cols, (int)c->o.rows, (int)pc, (int)pr, hits,
                           c->n_probe, (int)pc, (int)pr);
        return gs_fail(err, GS_ERR_NOT_FOUND,
                       "%s: no %dx%d chessboard found in %d frames searched: show the whole board "
                       "(with its white border) flat, lit and in focus, and check --chessboard: "
                       "COLSxROWS counts inner corners where four squares meet (a board of 10x7 "
                       "squares is 9x6)",
                       src_name(c), (int)c->o.cols, (int)c->o.rows, (int)c->searched);
    }
    sel = malloc(sizeof(int32_t) * (size_t)c->n_v);
    used = malloc(sizeof(int32_t) * 2 * (size_t)c->n_v);
    pts = malloc(sizeof(double) * 2 * (size_t)c->npts * (size_t)c->n_v);
    if (!sel || !used || !pts) {
        rc = gs_fail(err, GS_ERR_NOMEM, "calibrate: out of memory");
        goto done;
    }
    n_sel = select_views(c, sel, rep);
    if (n_sel < 0) {
        rc = gs_fail(err, GS_ERR_NOMEM, "calibrate: out of memory");
        goto done;
    }
    if (n_sel < c->o.min_views) {
        rc = gs_fail(err, GS_ERR_TOO_FEW,
                     "%s: only %d usable views of the board (%d found in %d frames searched, %d "
                     "blurred, %d near-duplicates), need at least %d: film the board from more "
                     "positions and angles (corners and edges of the picture too), moving the "
                     "phone slowly",
                     src_name(c), (int)n_sel, (int)c->found, (int)c->searched, (int)rep->blurred,
                     (int)rep->duplicates, (int)c->o.min_views);
        goto done;
    }

    /* model choice on held-out views */
    int want[2] = {c->o.model != GS_CALIB_MODEL_FISHEYE, c->o.model != GS_CALIB_MODEL_STANDARD};
    int folds = n_sel < N_FOLDS ? n_sel : N_FOLDS;
    fits_total = (want[0] + want[1]) * (folds + 1);
    for (int m = 0; m < 2; m++) {
        if (!want[m])
            continue;
        rc = holdout(c, (gs_cv_lens)m, sel, n_sel, pts, &hold[m], &fits_done, fits_total, err);
        if (rc != GS_OK)
            goto done;
    }
    /* final fits on every selected view */
    gs_status frc[2] = {GS_ERR_FORMAT, GS_ERR_FORMAT};
    gs_error ferr[2];
    int32_t nu[2] = {0, 0};
    for (int m = 0; m < 2; m++) {
        gs_error_clear(&ferr[m]);
        if (!want[m])
            continue;
        frc[m] = fit(c, (gs_cv_lens)m, sel, n_sel, pts, &cams[m], &rms[m],
                     used + (size_t)m * (size_t)c->n_v, &nu[m], &ferr[m]);
        if (c->o.progress && c->o.progress(c->o.progress_user, "fit", ++fits_done, fits_total)) {
            rc = gs_fail(err, GS_ERR_CANCELLED, "calibrate: cancelled");
            goto done;
        }
        if (frc[m] == GS_ERR_NOMEM) {
            rc = gs_fail(err, GS_ERR_NOMEM, "calibrate: out of memory");
            goto done;
        }
        if (frc[m] != GS_OK)
            rms[m] = hold[m] = NAN;
    }
    for (int32_t i = 0; i < c->n_v; i++)
        rep->ill_conditioned += c->v[i].dropped;
    int chosen;
    if (c->o.model == GS_CALIB_MODEL_STANDARD || c->o.model == GS_CALIB_MODEL_FISHEYE) {
        chosen = c->o.model == GS_CALIB_MODEL_FISHEYE;
        snprintf(rep->reason, sizeof(rep->reason), "%s model as asked",
                 gs_calib_model_name((gs_cv_lens)chosen));
    } else if (frc[0] != GS_OK && frc[1] != GS_OK) {
        chosen = 0;
    } else if (frc[0] != GS_OK) {
        chosen = 1;
        snprintf(rep->reason, sizeof(rep->reason),
                 "fisheye: the standard model could not be fitted");
    } else if (frc[1] == GS_OK && isfinite(hold[1]) &&
               (!isfinite(hold[0]) || hold[1] < FISHEYE_WIN * hold[0])) {
        chosen = 1;
        snprintf(rep->reason, sizeof(rep->reason),
                 "fisheye: held-out error %.3f px vs standard %.3f px (needs < 0.9x)", hold[1],
                 hold[0]);
    } else {
        chosen = 0;
        if (frc[1] != GS_OK || !isfinite(hold[1]))
            snprintf(rep->reason, sizeof(rep->reason),
                     "standard: held-out error %.3f px; the fisheye model could not be fitted",
                     hold[0]);
        else
            snprintf(rep->reason, sizeof(rep->reason),
                     "standard: held-out error %.3f px vs fisheye %.3f px (fisheye needs < 0.9x)",
                     hold[0], hold[1]);
    }
    /* A fit that turns back inside the picture would be refused when read (profile.c); the
     * other model, when it fitted and does not turn, is the better answer for this lens. */
    double turn = frc[chosen] == GS_OK ? gs_calib_turns_back_at(&cams[chosen]) : -1;
    if (turn >= 0 && c->o.model == GS_CALIB_MODEL_AUTO && frc[!chosen] == GS_OK &&
        gs_calib_turns_back_at(&cams[!chosen]) < 0) {
        snprintf(rep->reason, sizeof(rep->reason),
                 "%s: the %s fit's distortion turns back at %.0f %% of the way to the corner",
                 gs_calib_model_name((gs_cv_lens)!chosen), gs_calib_model_name((gs_cv_lens)chosen),
                 100 * turn);
        chosen = !chosen;
    } else if (turn >= 0) {
        rc = gs_fail(err, GS_ERR_FORMAT,
                     "%s: the %s model's distortion turns back at %.0f %% of the way to the "
                     "picture's corner (the board did not reach the edges): film the board in the "
                     "corners and along the edges too",
                     src_name(c), gs_calib_model_name((gs_cv_lens)chosen), 100 * turn);
        goto done;
    }
    if (frc[chosen] != GS_OK) {
        rc = gs_fail(err, GS_ERR_FORMAT, "%s: the %s model could not be fitted to %d views (%s)",
                     src_name(c), gs_calib_model_name((gs_cv_lens)chosen), (int)n_sel,
                     ferr[chosen].msg);
        goto done;
    }
    n_used = nu[chosen];
    const int32_t *used_c = used + (size_t)chosen * (size_t)c->n_v;
    memset(&p, 0, sizeof(p));
    p.cam = cams[chosen];
    p.reprojection_error_px = rms[chosen];
    p.views_used = n_used;
    p.coverage = coverage_of(c, used_c, n_used);
    p.holdout_error_px[0] = hold[0];
    p.holdout_error_px[1] = hold[1];
    p.board.cols = c->o.cols;
    p.board.rows = c->o.rows;
    p.board.square_mm = c->o.square_mm;
    rep->views_used = n_used;
    rep->coverage = p.coverage;
    rep->rms_px[0] = rms[0];
    rep->rms_px[1] = rms[1];
    rep->holdout_px[0] = hold[0];
    rep->holdout_px[1] = hold[1];
    rep->chosen = (gs_cv_lens)chosen;
    /* Warnings: 0.5 coverage leaves whole edges unmeasured, where phone lenses bend most; 1 px
     * RMS is several times what a sharp, flat board gives (OpenCV's sample data fit to ~0.4 px). */
    if (p.coverage < 0.5)
        snprintf(rep->warning, sizeof(rep->warning),
                 "the board covered only %.0f %% of the picture: distortion near the edges is "
                 "extrapolated; film the board in the corners and along the edges too",
                 100 * p.coverage);
    else if (p.reprojection_error_px > 1.0)
        snprintf(rep->warning, sizeof(rep->warning),
                 "reprojection error %.2f px is high: blurred frames, a board that is not flat, "
                 "or fast moves (rolling shutter); film again more slowly",
                 p.reprojection_error_px);
    *out = p;
    rc = GS_OK;
done:
    free(sel);
    free(used);
    free(pts);
    return rc;
}

gs_status gs_calib_run(const char *const *paths, int32_t n_paths, const gs_calib_options *opt,
                       gs_calib_profile *out, gs_calib_report *rep, gs_error *err)
{
    gs_calib *c = NULL;
    gs_decoder *dec = NULL;
    gs_status rc;
    int64_t done = 0;
    gs_decoder_options dopt;
    if (!paths || n_paths <= 0)
        return gs_fail(err, GS_ERR_ARG, "calibrate: no video or images given");
    rc = gs_calib_new(opt, &c, err);
    if (rc != GS_OK)
        return rc;
    memset(&dopt, 0, sizeof(dopt));
    dopt.n_threads = opt->n_threads;
    for (int32_t i = 0; i < n_paths; i++) {
        gs_frame f;
        rc = gs_decoder_open(paths[i], &dopt, &dec, err);
        if (rc != GS_OK)
            goto done;
        while ((rc = gs_decoder_next(dec, &f, err)) == GS_OK) {
            gs_image im = {(uint8_t *)f.rgb, f.width, f.height, f.stride};
            rc = gs_calib_add_frame(c, &im, paths[i], f.t_s, err);
            if (rc != GS_OK)
                goto done;
            if (opt->progress && opt->progress(opt->progress_user, "decode", ++done, 0)) {
                rc = gs_fail(err, GS_ERR_CANCELLED, "calibrate: cancelled");
                goto done;
            }
        }
        if (rc != GS_END)
            goto done;
        gs_decoder_free(&dec);
    }
    rc = gs_calib_finish(c, out, rep, err);
done:
    gs_decoder_free(&dec);
    gs_calib_free(&c);
    return rc;
}
