/*
 * libFuzzer target for `gaitscope compare`'s inputs: two analysis.json documents, the BEFORE
 * one up to the first NUL byte and the AFTER one after it; or, when the first byte is 'M', a
 * minimal-change table (`compare --minimal-change FILE`, gs_compare_mc_load_default_keys). A
 * user can hand compare any two files (an analysis from an older or newer version, one edited by
 * hand, a truncated copy), so each goes through the analysis reader (gs_analysis_parse), the
 * session reader of compare (gs_compare_input_from_analysis), the comparison itself
 * (gs_compare_run: stride statistics, SPM, findings) and both writers (comparison.json and
 * comparison.html, to tmpfs files). Any input must end in GS_OK or a one-line error: no crash
 * (ASan, UBSan with the float checks), no hang, no leak. The comparisons use the shipped
 * minimal-change table, loaded once. Permutations are cut to 64 per test (the statistics' code
 * paths are the same; 5000 would make each input take seconds). Run e.g. `fuzz_compare
 * -max_total_time=60 tests/fuzz/corpus_compare` (scripts/fuzz.sh runs it).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis.h"
#include "compare.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The shipped minimal-change table, loaded once (the target's own cache, not library state). */
static const gs_compare_mc *shipped_mc(void)
{
    static gs_compare_mc *mc;
    if (!mc) {
        gs_error err = {0};
        if (gs_compare_mc_load_default_keys(GS_SOURCE_DIR "/models/minimal_change.json", &mc,
                                            &err) != GS_OK) {
            fprintf(stderr, "minimal_change.json: %s\n", err.msg);
            abort();
        }
    }
    return mc;
}

/* One side: the analysis reader, then compare's session reader. NULL when either refused. */
static gs_compare_input *open_side(const uint8_t *text, size_t len, const char *name)
{
    gs_analysis *a = NULL;
    gs_compare_input *in = NULL;
    gs_error err = {0};
    gs_status rc = gs_analysis_parse((const char *)text, len, name, &a, &err);
    fuzz_check_error(rc, &err);
    if (rc != GS_OK)
        return NULL;
    rc = gs_compare_input_from_analysis(&a, name, NULL, &in, &err);
    fuzz_check_error(rc, &err);
    gs_analysis_free(&a); /* taken over on success (NULL), ours on error */
    return rc == GS_OK ? in : NULL;
}

/* A minimal-change table through a tmpfs file, as --minimal-change reads one. */
static void minimal_change(const uint8_t *data, size_t size)
{
    char path[80];
    gs_compare_mc *mc = NULL;
    gs_error err = {0};
    if (fuzz_write_tmp("compare_mc", "json", data, size, path, sizeof(path)) != 0)
        return;
    gs_status rc = gs_compare_mc_load_default_keys(path, &mc, &err);
    fuzz_check_error(rc, &err);
    if (rc == GS_OK && gs_compare_mc_version(mc) < 1)
        abort(); /* the loader promises version >= 1 */
    gs_compare_mc_free(&mc);
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 1 && data[0] == 'M') {
        minimal_change(data + 1, size - 1);
        return 0;
    }
    const uint8_t *nul = memchr(data, 0, size);
    if (!nul)
        return 0;
    size_t n_before = (size_t)(nul - data);
    gs_compare_input *before = open_side(data, n_before, "before/analysis.json");
    gs_compare_input *after = open_side(nul + 1, size - n_before - 1, "after/analysis.json");
    if (before && after) {
        gs_compare_options o = {0};
        gs_comparison *c = NULL;
        gs_error err = {0};
        o.n_perm = 64;
        o.force = (int)(size & 1); /* half the inputs compare even a different view */
        gs_status rc = gs_compare_run(gs_compare_input_session(before),
                                      gs_compare_input_session(after), shipped_mc(), &o, &c, &err);
        fuzz_check_error(rc, &err);
        if (rc == GS_OK) {
            char path[80];
            gs_compare_output_info info = {.generated_by = "fuzz_compare"};
            snprintf(path, sizeof(path), "/dev/shm/fuzz_compare_%d.json", (int)getpid());
            rc = gs_comparison_write_json(path, c, &info, &err);
            fuzz_check_error(rc, &err);
            unlink(path);
            snprintf(path, sizeof(path), "/dev/shm/fuzz_compare_%d.html", (int)getpid());
            rc = gs_comparison_write_html(path, c, &info, &err);
            fuzz_check_error(rc, &err);
            unlink(path);
        }
        gs_comparison_free(&c);
    }
    gs_compare_input_free(&before);
    gs_compare_input_free(&after);
    return 0;
}
