/*
 * gaitscope calibrate --chessboard COLSxROWS --square MM VIDEO_OR_IMAGES... -o calib/NAME.json:
 * a camera profile (gaitscope.camera/1, calib/README.md) from a video or still images of a
 * chessboard. The work is src/calib's (frame choice, both lens models, the choice on held-out
 * views, the refusals); this file parses, calls it, prints the result and writes the profile.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "cli.h"
#include "opts.h"

#define MAX_INPUTS 512 /* a few hundred stills is already more views than the fit uses */

typedef struct calib_args {
    const char *inputs[MAX_INPUTS];
    int n_inputs;
    const char *board; /* COLSxROWS */
    double square_mm;
    const char *out;
    int model;
    int min_views;
    int n_threads;
    int force, quiet;
} calib_args;

static const gs_cli_choice model_words[] = {{"auto", GS_CALIB_MODEL_AUTO},
                                            {"standard", GS_CALIB_MODEL_STANDARD},
                                            {"fisheye", GS_CALIB_MODEL_FISHEYE},
                                            {NULL, 0}};

/* clang-format off */
static const gs_cli_opt calib_opts[] = {
    {.kind = GS_CLI_ARG_LIST, GS_CLI_AT(calib_args, inputs), GS_CLI_AT2(calib_args, n_inputs),
     .max = MAX_INPUTS, .required = 1, .value = "VIDEO_OR_IMAGES",
     .help = "a video of the board, or still images of it (one size and orientation)"},
    {.name = "--chessboard", .kind = GS_CLI_STR, GS_CLI_AT(calib_args, board), .required = 1,
     .value = "COLSxROWS",
     .help = "inner corners of the board, where four squares meet (10x7 squares = 9x6)"},
    /* 1 mm: a phone screen's squares; 1 m: a board on a wall seen from across a hall */
    {.name = "--square", .kind = GS_CLI_NUM, GS_CLI_AT(calib_args, square_mm), .required = 1,
     .lo = 1, .hi = 1000, .unit = "mm", .value = "MM",
     .help = "side of one square as shown or printed, millimetres"},
    {.like = &gs_cli_opt_output, GS_CLI_AT(calib_args, out), .required = 1, .value = "FILE",
     .help = "the profile to write, e.g. calib/NAME.json"},
    {.name = "--model", .kind = GS_CLI_CHOICE, GS_CLI_AT(calib_args, model),
     .choices = model_words, .value = "M",
     .help = "lens model: auto fits both and keeps the better on held-out views"},
    /* 4: the fewest views OpenCV's fit takes with held-out folds; 1000: far beyond use */
    {.name = "--min-views", .kind = GS_CLI_INT, GS_CLI_AT(calib_args, min_views), .lo = 4,
     .hi = 1000, .unit = "views", .value = "N",
     .help = "usable board views needed before fitting"},
    {.like = &gs_cli_opt_threads, GS_CLI_AT(calib_args, n_threads), .help = "video decoding threads"},
    {.like = &gs_cli_opt_force, GS_CLI_AT(calib_args, force)},
    {.like = &gs_cli_opt_quiet, GS_CLI_AT(calib_args, quiet), .help = "no summary on stdout"},
};
/* clang-format on */

static const gs_cli_spec calib_spec = GS_CLI_SPEC(
    "calibrate", calib_args, calib_opts,
    "Camera profile (lens distortion and focal length) from a chessboard filmed while the\n"
    "phone moves, or from still images of it: the board flat, whole and sharp in every view,\n"
    "filling the corners and edges of the picture over the clip. Film in the resolution and\n"
    "orientation you will film runs in, with video stabilisation off. calib/README.md says how.\n");

/* "9x6" -> 9, 6; 0 on a malformed value. */
static int parse_board(const char *s, int *cols, int *rows)
{
    char *end = NULL;
    long c = strtol(s, &end, 10), r;
    if (end == s || (*end != 'x' && *end != 'X'))
        return 0;
    s = end + 1;
    r = strtol(s, &end, 10);
    if (end == s || *end != '\0' || c < 2 || r < 2 || c > 200 || r > 200)
        return 0;
    *cols = (int)c;
    *rows = (int)r;
    return 1;
}

/* Profile name from the file name: "calib/pixel7_1080p60.json" -> "pixel7_1080p60". */
static void name_of(const char *path, char *buf, size_t n)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t len = strlen(b);
    if (len > 5 && !strcmp(b + len - 5, ".json"))
        len -= 5;
    snprintf(buf, n, "%.*s", (int)len, b);
}

int gs_cli_calibrate(int argc, char **argv)
{
    calib_args a = {0};
    gs_calib_options o = {0};
    gs_calib_profile p;
    gs_calib_report rep;
    gs_cli_progress prog;
    gs_error err = {0};
    gs_status rc;
    int go;

    a.min_views = 8;
    go = gs_cli_parse(&calib_spec, argc, argv, &a);
    if (go != GS_CLI_GO)
        return go;
    if (!parse_board(a.board, &o.cols, &o.rows))
        return gs_cli_usage_error("--chessboard: expected COLSxROWS inner corners such as 9x6 "
                                  "(each 2..200), got '%s'",
                                  a.board);
    if (!a.force && gs_path_exists(a.out)) {
        gs_fail(&err, GS_ERR_EXISTS, "%s: output exists (use --force to overwrite)", a.out);
        return gs_cli_report(&err);
    }
    o.square_mm = a.square_mm;
    o.model = (gs_calib_model_choice)a.model;
    o.min_views = a.min_views;
    o.n_threads = a.n_threads;
    gs_cli_progress_init(&prog, a.quiet);
    o.progress = gs_cli_progress_cb;
    o.progress_user = &prog;
    rc = gs_calib_run(a.inputs, a.n_inputs, &o, &p, &rep, &err);
    gs_cli_progress_done(&prog);
    if (rc != GS_OK)
        return gs_cli_report(&err);
    name_of(a.out, p.name, sizeof(p.name));
    {
        /* the profile's folder (calib/) may not exist yet in a fresh checkout or elsewhere */
        char dir[4096];
        const char *slash = strrchr(a.out, '/');
        if (slash && slash > a.out && (size_t)(slash - a.out) < sizeof(dir)) {
            snprintf(dir, sizeof(dir), "%.*s", (int)(slash - a.out), a.out);
            if (gs_mkdir_p(dir, &err) != GS_OK)
                return gs_cli_report(&err);
        }
    }
    rc = gs_calib_profile_write(a.out, &p, &err);
    if (rc != GS_OK)
        return gs_cli_report(&err);
    if (!a.quiet) {
        const double *k = p.cam.k;
        printf("calibrate: %dx%d frames: %d given, %d searched, %d boards found (%d blurred, %d "
               "near-duplicates), %d views used, coverage %.0f %% of the picture\n",
               (int)rep.width, (int)rep.height, (int)rep.frames, (int)rep.searched, (int)rep.found,
               (int)rep.blurred, (int)rep.duplicates, (int)rep.views_used, 100 * rep.coverage);
        printf("model %s: reprojection error %.3f px (%s)\n", gs_calib_model_name(p.cam.lens),
               p.reprojection_error_px, rep.reason);
        if (rep.ill_conditioned > 0)
            printf("%d views dropped from the fisheye fit as ill-conditioned\n",
                   (int)rep.ill_conditioned);
        printf("fx %.2f  fy %.2f  cx %.2f  cy %.2f px; distortion", k[0], k[4], k[2], k[5]);
        for (int i = 0; i < p.cam.n_dist; i++)
            printf(" %.5g", p.cam.dist[i]);
        printf("\n");
        printf("wrote %s\n", a.out);
    }
    if (rep.warning[0]) /* the profile is written, but the user should know */
        fprintf(stderr, "gaitscope: %s: warning: %s\n", a.out, rep.warning);
    return GS_EXIT_OK;
}
