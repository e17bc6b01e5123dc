/* gaitscope infer MODEL INPUT.bin OUTDIR: run one .tflite model on a raw float32 input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nn.h"

static const char infer_usage[] =
    "usage: gaitscope infer MODEL.tflite INPUT.bin OUTDIR [--threads N] [--force]\n"
    "Runs the model once. INPUT.bin holds the input tensor as raw little-endian float32 in its\n"
    "own layout (NHWC for images); each output is written to OUTDIR/<tensor name>.bin as raw\n"
    "float32, so the runtime can be compared with another engine element by element.\n";

int gs_cli_infer(int argc, char **argv)
{
    const char *pos[3] = {NULL, NULL, NULL};
    int npos = 0, force = 0;
    gs_nn_options opt = {0};
    gs_error err = {0};
    gs_nn_model *m = NULL;
    uint8_t *in = NULL;
    size_t in_len = 0;
    int ret = GS_EXIT_ERROR;
    char path[4096];

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(infer_usage, stdout);
            return GS_EXIT_OK;
        } else if (!strcmp(a, "--force")) {
            force = 1;
        } else if (!strcmp(a, "--threads") && i + 1 < argc) {
            if (gs_cli_parse_int(a, argv[++i], &opt.n_threads))
                return GS_EXIT_USAGE;
            if (opt.n_threads < 1 || opt.n_threads > 64)
                return gs_cli_usage_error("--threads: must be 1..64");
        } else if (a[0] == '-' && a[1]) {
            return gs_cli_usage_error("infer: unknown option '%s' (see gaitscope infer --help)", a);
        } else if (npos < 3) {
            pos[npos++] = a;
        } else {
            return gs_cli_usage_error("infer: too many arguments (see gaitscope infer --help)");
        }
    }
    if (npos != 3)
        return gs_cli_usage_error("infer: expected MODEL INPUT.bin OUTDIR (see gaitscope infer "
                                  "--help)");
    if (gs_nn_model_load(pos[0], &opt, &m, &err) != GS_OK)
        return gs_cli_report(&err);
    if (gs_file_read_all(pos[1], &in, &in_len, &err) != GS_OK)
        goto done_report;
    gs_nn_tensor_desc d;
    gs_nn_input_desc(m, 0, &d);
    size_t n = 1;
    for (int k = 0; k < d.ndim; k++)
        n *= (size_t)d.shape[k];
    if (in_len != n * sizeof(float)) {
        gs_fail(&err, GS_ERR_FORMAT, "%s: %zu bytes, the model input '%s' needs %zu (%zu float32)",
                pos[1], in_len, d.name, n * sizeof(float), n);
        goto done_report;
    }
    memcpy(gs_nn_input_data(m, 0), in, in_len); /* little-endian host (x86-64, arm64) */
    if (gs_nn_run(m, &err) != GS_OK || gs_mkdir_p(pos[2], &err) != GS_OK)
        goto done_report;
    for (int i = 0; i < gs_nn_num_outputs(m); i++) {
        gs_nn_output_desc(m, i, &d);
        n = 1;
        for (int k = 0; k < d.ndim; k++)
            n *= (size_t)d.shape[k];
        /* tensor names may contain '/' or ';' (TFLite graph names): keep them file-safe */
        char safe[256];
        snprintf(safe, sizeof(safe), "%s", d.name);
        for (char *c = safe; *c; c++)
            if (*c == '/' || *c == ';' || *c == ':' || *c == ' ')
                *c = '_';
        snprintf(path, sizeof(path), "%s/%s.bin", pos[2], safe);
        if (!force && gs_path_exists(path)) {
            gs_fail(&err, GS_ERR_EXISTS, "%s: exists (use --force)", path);
            goto done_report;
        }
        if (gs_file_write_all(path, gs_nn_output_data(m, i), n * sizeof(float), &err) != GS_OK)
            goto done_report;
        printf("%s [", path);
        for (int k = 0; k < d.ndim; k++)
            printf(k ? ",%d" : "%d", d.shape[k]);
        printf("]\n");
    }
    ret = GS_EXIT_OK;
    goto done;
done_report:
    ret = gs_cli_report(&err);
done:
    free(in);
    gs_nn_model_free(&m);
    return ret;
}
