/*
 * nn runtime vs ../shared/golden: each of the four BlazePose models on the reference input, every
 * output within the tolerance golden.json records (suggested_abs_tolerance), with max-abs and
 * NMSE printed per output; the 2-thread run must equal the 1-thread run bit for bit.
 *
 * argv[1] = ../shared (skips with 77 when absent), models from GS_SOURCE_DIR/models (skip when
 * absent: scripts/setup.sh fetches them).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "gs_test.h"
#include "nn.h"

static float *read_floats(const char *path, size_t n)
{
    uint8_t *data = NULL;
    size_t len = 0;
    gs_error err;
    if (gs_file_read_all(path, &data, &len, &err) != GS_OK || len != n * sizeof(float)) {
        fprintf(stderr, "cannot read %s (%zu bytes, expected %zu)\n", path, len,
                n * sizeof(float));
        free(data);
        return NULL;
    }
    return (float *)data;
}

static size_t desc_elems(const gs_nn_tensor_desc *d)
{
    size_t n = 1;
    for (int i = 0; i < d->ndim; i++)
        n *= (size_t)d->shape[i];
    return n;
}

static void golden_model_outputs_match(const char *shared, const cJSON *model, const char *name,
                                       int isa)
{
    char path[1024];
    gs_error err;
    gs_nn_model *m1 = NULL, *m2 = NULL;
    gs_nn_options o1 = {0}, o2 = {0};
    float *input = NULL;

    snprintf(path, sizeof(path), "%s/models/%s.tflite", GS_SOURCE_DIR, name);
    o1.n_threads = 1;
    o2.n_threads = 2;
    o1.max_isa = o2.max_isa = isa; /* 0 = best kernels for this CPU, 1 = portable C */
    gs_status rc = gs_nn_model_load(path, &o1, &m1, &err);
    CHECK_MSG(rc == GS_OK, "%s: %s", name, err.msg);
    if (rc != GS_OK)
        return;
    o2.share_weights = m1; /* also exercises weight sharing */
    rc = gs_nn_model_load(path, &o2, &m2, &err);
    CHECK_MSG(rc == GS_OK, "%s (2 threads, shared weights): %s", name, err.msg);
    if (rc != GS_OK)
        goto done;

    gs_nn_tensor_desc in;
    CHECK(gs_nn_input_desc(m1, 0, &in) == GS_OK);
    const cJSON *jin = cJSON_GetObjectItemCaseSensitive(model, "input");
    const cJSON *jfile = cJSON_GetObjectItemCaseSensitive(jin, "file");
    CHECK_STR_CONTAINS(in.name, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(jin, "name")));
    snprintf(path, sizeof(path), "%s/golden/%s", shared, cJSON_GetStringValue(jfile));
    input = read_floats(path, desc_elems(&in));
    CHECK(input != NULL);
    if (!input)
        goto done;
    memcpy(gs_nn_input_data(m1, 0), input, desc_elems(&in) * sizeof(float));
    memcpy(gs_nn_input_data(m2, 0), input, desc_elems(&in) * sizeof(float));
    CHECK(gs_nn_run(m1, &err) == GS_OK);
    CHECK(gs_nn_run(m2, &err) == GS_OK);

    const cJSON *outs = cJSON_GetObjectItemCaseSensitive(model, "outputs"), *jo;
    cJSON_ArrayForEach(jo, outs)
    {
        const char *oname = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(jo, "name"));
        double tol = cJSON_GetNumberValue(
            cJSON_GetObjectItemCaseSensitive(jo, "suggested_abs_tolerance"));
        int idx = gs_nn_output_index(m1, oname);
        CHECK_MSG(idx >= 0, "%s: no output %s", name, oname);
        if (idx < 0)
            continue;
        gs_nn_tensor_desc od;
        CHECK(gs_nn_output_desc(m1, idx, &od) == GS_OK);
        const cJSON *shape = cJSON_GetObjectItemCaseSensitive(jo, "shape");
        CHECK_EQ_INT(od.ndim, cJSON_GetArraySize(shape));
        for (int d = 0; d < od.ndim && d < 4; d++)
            CHECK_EQ_INT(od.shape[d], cJSON_GetNumberValue(cJSON_GetArrayItem(shape, d)));
        size_t n = desc_elems(&od);
        snprintf(path, sizeof(path), "%s/golden/%s", shared,
                 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(jo, "file")));
        float *ref = read_floats(path, n);
        CHECK(ref != NULL);
        if (!ref)
            continue;
        const float *y = gs_nn_output_data(m1, idx), *y2 = gs_nn_output_data(m2, idx);
        double maxabs = 0, se = 0, ss = 0;
        for (size_t i = 0; i < n; i++) {
            double d = (double)y[i] - ref[i];
            if (!(fabs(d) <= maxabs))
                maxabs = fabs(d);
            se += d * d;
            ss += (double)ref[i] * ref[i];
        }
        double nmse = ss > 0 ? se / ss : se;
        printf("golden %-20s %-10s %s n=%-7zu max_abs=%.3g (tol %.3g) nmse=%.3g\n", name, oname,
               isa == 1 ? "C   " : "best", n, maxabs, tol, nmse);
        CHECK_MSG(maxabs <= tol, "%s %s: max-abs %.6g > tolerance %.3g", name, oname, maxabs,
                  tol);
        CHECK_MSG(memcmp(y, y2, n * sizeof(float)) == 0,
                  "%s %s: 2-thread output differs from 1-thread output", name, oname);
        free(ref);
    }
done:
    free(input);
    gs_nn_model_free(&m2);
    gs_nn_model_free(&m1);
}

/* A landmark model loaded for the outputs the pose tracker reads (gs_nn_options.outputs, all
 * but the segmentation mask Identity_2) gives those outputs bit for bit as the model computing
 * all of them, on the golden input, with its own weights and with the other's; the mask is not
 * computed (NULL) and one run costs fewer multiply-adds. A name that is no output is refused. */
static void unread_outputs_are_skipped(const char *shared, const char *name)
{
    static const char *const sel[] = {"Identity", "Identity_1", "Identity_3", "Identity_4", NULL};
    static const char *const bad[] = {"Identity", "Identity_7", NULL};
    char path[1024];
    gs_error err;
    gs_nn_model *all = NULL, *part = NULL, *part_shared = NULL, *none = NULL;
    gs_nn_options oa = {0}, op = {0}, os = {0}, ob = {0};
    float *input = NULL;
    gs_nn_tensor_desc in;

    snprintf(path, sizeof(path), "%s/models/%s.tflite", GS_SOURCE_DIR, name);
    oa.n_threads = op.n_threads = 1;
    os.n_threads = 2;
    op.outputs = os.outputs = sel;
    CHECK(gs_nn_model_load(path, &oa, &all, &err) == GS_OK);
    CHECK(gs_nn_model_load(path, &op, &part, &err) == GS_OK);
    os.share_weights = all;
    CHECK(gs_nn_model_load(path, &os, &part_shared, &err) == GS_OK);
    ob.outputs = bad;
    CHECK(gs_nn_model_load(path, &ob, &none, &err) == GS_ERR_ARG);
    CHECK(none == NULL);
    CHECK_STR_CONTAINS(err.msg, "Identity_7");
    if (!all || !part || !part_shared)
        goto done;
    CHECK(gs_nn_input_desc(all, 0, &in) == GS_OK);
    snprintf(path, sizeof(path), "%s/golden/landmark_input_messi5.bin", shared);
    input = read_floats(path, desc_elems(&in));
    CHECK_MSG(input != NULL, "%s", path);
    if (!input)
        goto done;
    gs_nn_model *ms[3] = {all, part, part_shared};
    for (int k = 0; k < 3; k++) {
        memcpy(gs_nn_input_data(ms[k], 0), input, desc_elems(&in) * sizeof(float));
        CHECK(gs_nn_run(ms[k], &err) == GS_OK);
    }
    CHECK_EQ_INT(gs_nn_num_outputs(part), gs_nn_num_outputs(all));
    for (int i = 0; i < gs_nn_num_outputs(all); i++) {
        gs_nn_tensor_desc od;
        CHECK(gs_nn_output_desc(all, i, &od) == GS_OK);
        const float *y = gs_nn_output_data(all, i);
        CHECK(y != NULL);
        if (!strcmp(od.name, "Identity_2")) {
            CHECK_MSG(gs_nn_output_data(part, i) == NULL, "%s: mask computed", name);
            CHECK(gs_nn_output_data(part_shared, i) == NULL);
            continue;
        }
        for (int k = 1; k < 3; k++) {
            const float *z = gs_nn_output_data(ms[k], i);
            CHECK_MSG(z && y && !memcmp(y, z, desc_elems(&od) * sizeof(float)),
                      "%s %s: differs when the mask is skipped (%s weights)", name, od.name,
                      k == 1 ? "own" : "shared");
        }
    }
    printf("%s: %.1f -> %.1f M multiply-adds without the mask\n", name, gs_nn_macs(all) / 1e6,
           gs_nn_macs(part) / 1e6);
    CHECK(gs_nn_macs(part) < gs_nn_macs(all));
    CHECK(gs_nn_macs(part_shared) == gs_nn_macs(part));
done:
    free(input);
    gs_nn_model_free(&part_shared);
    gs_nn_model_free(&part);
    gs_nn_model_free(&all);
}

/* Two instances (shared weights, 2 pool threads each) running at the same time on two threads,
 * as the pose stage does with two frames in flight: outputs equal the serial run bit for bit. */
typedef struct concurrent_run {
    gs_nn_model *m;
    int ok;
} concurrent_run;

static void *run_repeatedly(void *arg)
{
    concurrent_run *r = arg;
    gs_error err;
    r->ok = 1;
    for (int i = 0; i < 5; i++)
        if (gs_nn_run(r->m, &err) != GS_OK)
            r->ok = 0;
    return NULL;
}

static void two_instances_run_concurrently(const char *shared)
{
    char path[1024];
    gs_error err;
    gs_nn_model *a = NULL, *b = NULL;
    gs_nn_options oa = {0}, ob = {0};
    float *input = NULL, *serial = NULL;
    snprintf(path, sizeof(path), "%s/models/pose_landmark_lite.tflite", GS_SOURCE_DIR);
    oa.n_threads = ob.n_threads = 2;
    CHECK(gs_nn_model_load(path, &oa, &a, &err) == GS_OK);
    ob.share_weights = a;
    CHECK(gs_nn_model_load(path, &ob, &b, &err) == GS_OK);
    snprintf(path, sizeof(path), "%s/golden/landmark_input_messi5.bin", shared);
    input = read_floats(path, 256 * 256 * 3);
    if (!a || !b || !input)
        goto done;
    int seg = gs_nn_output_index(a, "Identity_2");
    size_t n = 256 * 256;
    memcpy(gs_nn_input_data(a, 0), input, 256 * 256 * 3 * sizeof(float));
    memcpy(gs_nn_input_data(b, 0), input, 256 * 256 * 3 * sizeof(float));
    CHECK(gs_nn_run(a, &err) == GS_OK);
    serial = malloc(n * sizeof(float));
    memcpy(serial, gs_nn_output_data(a, seg), n * sizeof(float));
    concurrent_run ra = {a, 0}, rb = {b, 0};
    pthread_t ta, tb;
    CHECK(pthread_create(&ta, NULL, run_repeatedly, &ra) == 0);
    CHECK(pthread_create(&tb, NULL, run_repeatedly, &rb) == 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    CHECK(ra.ok && rb.ok);
    CHECK_MSG(memcmp(serial, gs_nn_output_data(a, seg), n * sizeof(float)) == 0,
              "instance A differs after concurrent runs");
    CHECK_MSG(memcmp(serial, gs_nn_output_data(b, seg), n * sizeof(float)) == 0,
              "instance B differs after concurrent runs");
done:
    free(serial);
    free(input);
    gs_nn_model_free(&b);
    gs_nn_model_free(&a);
}

/* `gaitscope infer` on the detector writes Identity.bin / Identity_1.bin equal to golden. */
static void infer_command_writes_raw_outputs(const char *shared, const char *scratch)
{
    const char *bin = getenv("GAITSCOPE_BIN");
    char cmd[4096], path[1024];
    if (!bin || !gs_path_exists(bin) || !scratch) {
        fprintf(stderr, "note: GAITSCOPE_BIN not set, infer command not checked\n");
        return;
    }
    snprintf(cmd, sizeof(cmd),
             "'%s' infer '%s/models/pose_detection.tflite' '%s/golden/pose_detection_input_messi5.bin' "
             "'%s/nn_infer' --force --threads 2 > /dev/null",
             bin, GS_SOURCE_DIR, shared, scratch);
    CHECK_EQ_INT(system(cmd), 0);
    static const char *outs[2] = {"Identity", "Identity_1"};
    static const size_t n[2] = {2254 * 12, 2254};
    static const double tol[2] = {0.02, 0.004}; /* golden.json suggested_abs_tolerance */
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/nn_infer/%s.bin", scratch, outs[i]);
        float *got = read_floats(path, n[i]);
        snprintf(path, sizeof(path), "%s/golden/pose_detection.%s.bin", shared, outs[i]);
        float *ref = read_floats(path, n[i]);
        CHECK(got && ref);
        double maxabs = 0;
        for (size_t k = 0; got && ref && k < n[i]; k++)
            if (fabs((double)got[k] - ref[k]) > maxabs)
                maxabs = fabs((double)got[k] - ref[k]);
        CHECK_MSG(maxabs <= tol[i], "infer %s: max-abs %.3g", outs[i], maxabs);
        free(got);
        free(ref);
    }
    /* an existing output is not overwritten without --force */
    snprintf(cmd, sizeof(cmd),
             "'%s' infer '%s/models/pose_detection.tflite' '%s/golden/pose_detection_input_messi5.bin' "
             "'%s/nn_infer' 2> /dev/null",
             bin, GS_SOURCE_DIR, shared, scratch);
    CHECK(system(cmd) != 0);
}

int main(int argc, char **argv)
{
    gs_nn_process_init(); /* process-wide OpenBLAS setting, as the gaitscope command does */
    char path[1024];
    uint8_t *text = NULL;
    size_t len = 0;
    gs_error err;
    static const char *models[] = {"pose_detection", "pose_landmark_lite", "pose_landmark_full",
                                   "pose_landmark_heavy"};

    if (argc < 2 || !gs_test_dir_exists(argv[1])) {
        fprintf(stderr, "skip: no ../shared, golden checks not run\n");
        return gs_test_finish("nn_golden", 1);
    }
    snprintf(path, sizeof(path), "%s/models/pose_detection.tflite", GS_SOURCE_DIR);
    if (!gs_path_exists(path)) {
        fprintf(stderr, "skip: models/ not fetched (scripts/setup.sh), golden checks not run\n");
        return gs_test_finish("nn_golden", 1);
    }
    snprintf(path, sizeof(path), "%s/golden/golden.json", argv[1]);
    CHECK(gs_file_read_all(path, &text, &len, &err) == GS_OK);
    cJSON *root = text ? cJSON_ParseWithLength((const char *)text, len) : NULL;
    CHECK(root != NULL);
    const cJSON *jm = cJSON_GetObjectItemCaseSensitive(root, "models");
    for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
        const cJSON *model = cJSON_GetObjectItemCaseSensitive(jm, models[i]);
        CHECK_MSG(model != NULL, "golden.json has no %s", models[i]);
        if (model) {
            golden_model_outputs_match(argv[1], model, models[i], 0);
            golden_model_outputs_match(argv[1], model, models[i], 1);
        }
    }
    unread_outputs_are_skipped(argv[1], "pose_landmark_lite");
    unread_outputs_are_skipped(argv[1], "pose_landmark_full");
    two_instances_run_concurrently(argv[1]);
    infer_command_writes_raw_outputs(argv[1], argc > 2 ? argv[2] : NULL);
    cJSON_Delete(root);
    free(text);
    return gs_test_finish("nn_golden", 0);
}
