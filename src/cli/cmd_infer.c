/* gaitscope infer MODEL INPUT.bin OUTDIR: run one .tflite model on a raw float32 input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nn.h"
#include "opts.h"

typedef struct infer_args {
    const char *model, *input, *outdir;
    int force;
    gs_nn_options opt;
} infer_args;

/* clang-format off */
static const gs_cli_opt infer_opts[] = {
    {.kind = GS_CLI_ARG, GS_CLI_AT(infer_args, model), .required = 1, .value = "MODEL.tflite",
     .help = "the model"},
    {.kind = GS_CLI_ARG, GS_CLI_AT(infer_args, input), .required = 1, .value = "INPUT.bin",
     .help = "the input tensor as raw little-endian float32 in its own layout (NHWC for images)"},
    {.kind = GS_CLI_ARG, GS_CLI_AT(infer_args, outdir), .required = 1, .value = "OUTDIR",
     .help = "folder for OUTDIR/<tensor name>.bin, one per output, raw float32"},
    {.like = &gs_cli_opt_threads, GS_CLI_AT(infer_args, opt.n_threads), .help = "inference threads"},
    {.like = &gs_cli_opt_force, GS_CLI_AT(infer_args, force)},
};
/* clang-format on */

static const gs_cli_spec infer_spec =
    GS_CLI_SPEC("infer", infer_args, infer_opts,
                "Runs the model once and writes every output, so the runtime can be compared with "
                "another\nengine element by element.\n");

int gs_cli_infer(int argc, char **argv)
{
    infer_args a = {0};
    gs_error err = {0};
    gs_nn_model *m = NULL;
    uint8_t *in = NULL;
    size_t in_len = 0;
    int ret = GS_EXIT_ERROR;
    char path[4096];
    int go = gs_cli_parse(&infer_spec, argc, argv, &a);
    if (go != GS_CLI_GO)
        return go;
    const char *pos[3] = {a.model, a.input, a.outdir};
    const int force = a.force;

    if (gs_nn_model_load(pos[0], &a.opt, &m, &err) != GS_OK)
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
