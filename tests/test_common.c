/* Tests of src/common: status texts, error formatting, file round trip, mkdir -p, overflow. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "gs_test.h"

static void strerror_covers_every_code(void)
{
    CHECK(!strcmp(gs_strerror(GS_OK), "success"));
    CHECK(!strcmp(gs_strerror(GS_ERR_NOMEM), "out of memory"));
    CHECK(!strcmp(gs_strerror((gs_status)-999), "unknown status"));
}

static void fail_formats_one_line(void)
{
    gs_error e;
    gs_status rc = gs_fail(&e, GS_ERR_FORMAT, "%s: bad\nitem %d", "f.json", 3);
    CHECK_EQ_INT(rc, GS_ERR_FORMAT);
    CHECK_EQ_INT(e.code, GS_ERR_FORMAT);
    CHECK(!strcmp(e.msg, "f.json: bad item 3"));
    CHECK_EQ_INT(gs_fail(NULL, GS_ERR_IO, "x"), GS_ERR_IO);
}

static void file_round_trip_and_missing_file(const char *scratch)
{
    char path[1200], dir[1024];
    gs_error e;
    uint8_t *data = NULL;
    size_t len = 0;
    snprintf(dir, sizeof(dir), "%s/common/a/b", scratch);
    CHECK_EQ_INT(gs_mkdir_p(dir, &e), GS_OK);
    CHECK_EQ_INT(gs_mkdir_p(dir, &e), GS_OK); /* existing dir is fine */
    snprintf(path, sizeof(path), "%s/x.bin", dir);
    static const char payload[] = "hello\0world";
    CHECK_EQ_INT(gs_file_write_all(path, payload, sizeof(payload), &e), GS_OK);
    CHECK_EQ_INT(gs_file_read_all(path, &data, &len, &e), GS_OK);
    CHECK_EQ_INT(len, sizeof(payload));
    CHECK(data && !memcmp(data, payload, sizeof(payload)) && data[len] == 0);
    free(data);
    /* a file where a directory is wanted */
    char sub[1300];
    snprintf(sub, sizeof(sub), "%s/sub", path);
    CHECK_EQ_INT(gs_mkdir_p(sub, &e), GS_ERR_IO);
    CHECK_STR_CONTAINS(e.msg, "not a directory");
    CHECK_EQ_INT(gs_file_read_all("/nonexistent/gs.bin", &data, &len, &e), GS_ERR_IO);
    CHECK_STR_CONTAINS(e.msg, "/nonexistent/gs.bin: cannot open");
    CHECK(data == NULL);
}

/*
 * Issue 12 item 6: `gaitscope gait /dev/zero` grew a buffer to 4 GB and a FIFO with no writer
 * hung. Whole-file reads take regular files only, refused before any read, and stop at a limit
 * with a "too large" message naming the size and the limit. alarm() turns a hang into a failure.
 */
static void whole_file_reads_are_capped_and_regular_files_only(const char *scratch)
{
    char path[1100], fifo[1100];
    gs_error e;
    uint8_t *data = NULL;
    size_t len = 0;
    char buf[1000];

    alarm(20);
    memset(buf, 'a', sizeof(buf));
    snprintf(path, sizeof(path), "%s/common_1000.bin", scratch);
    CHECK_EQ_INT(gs_file_write_all(path, buf, sizeof(buf), &e), GS_OK);
    CHECK_EQ_INT(gs_file_read_max(path, 999, &data, &len, &e), GS_ERR_FORMAT);
    CHECK_STR_CONTAINS(e.msg, "common_1000.bin: too large (1000 bytes, the limit is 999 bytes)");
    CHECK(data == NULL);
    CHECK_EQ_INT(gs_file_read_max(path, 1000, &data, &len, &e), GS_OK);
    CHECK_EQ_INT(len, 1000);
    CHECK(data && data[999] == 'a' && data[1000] == 0);
    free(data);
    data = NULL;
    CHECK_EQ_INT(gs_file_write_all(path, "", 0, &e), GS_OK);
    CHECK_EQ_INT(gs_file_read_all(path, &data, &len, &e), GS_OK);
    CHECK_EQ_INT(len, 0);
    CHECK(data && data[0] == 0);
    free(data);
    data = NULL;

    CHECK_EQ_INT(gs_file_read_all("/dev/zero", &data, &len, &e), GS_ERR_IO);
    CHECK_STR_CONTAINS(e.msg, "/dev/zero: is a character device, not a regular file");
    CHECK(data == NULL);
    CHECK_EQ_INT(gs_file_read_all(scratch, &data, &len, &e), GS_ERR_IO);
    CHECK_STR_CONTAINS(e.msg, "is a directory, not a regular file");
    snprintf(fifo, sizeof(fifo), "%s/common_fifo", scratch);
    unlink(fifo);
    CHECK(mkfifo(fifo, 0600) == 0);
    CHECK_EQ_INT(gs_file_read_all(fifo, &data, &len, &e), GS_ERR_IO);
    CHECK_STR_CONTAINS(e.msg, "common_fifo: is a FIFO (named pipe), not a regular file");
    unlink(fifo);
    alarm(0);
}

static void size_mul_detects_overflow(void)
{
    size_t r = 0;
    CHECK_EQ_INT(gs_size_mul(3, 5, &r), 0);
    CHECK_EQ_INT(r, 15);
    CHECK_EQ_INT(gs_size_mul(SIZE_MAX / 2, 3, &r), -1);
}

static void capitalize_touches_only_a_lower_case_ascii_first_letter(void)
{
    char a[] = "its analysis failed", b[] = "Already", c[] = "\xc3\xa9tape", d[] = "", e[] = "1 km";
    gs_str_capitalize(a);
    gs_str_capitalize(b);
    gs_str_capitalize(c);
    gs_str_capitalize(d);
    gs_str_capitalize(e);
    gs_str_capitalize(NULL);
    CHECK(!strcmp(a, "Its analysis failed"));
    CHECK(!strcmp(b, "Already"));
    CHECK(!strcmp(c, "\xc3\xa9tape")); /* a UTF-8 letter is left as it is */
    CHECK(!strcmp(d, ""));
    CHECK(!strcmp(e, "1 km"));
}

/* the command line's summary and the overlay's banners printed "Less arm swing on the right
 * (right)" and "... on the right - right" (session 15 audit) */
static void finding_label_names_the_side_once(void)
{
    char b[64];
    CHECK(!strcmp(gs_finding_label(b, sizeof(b), "Less arm swing on the right", "right"),
                  "Less arm swing on the right"));
    CHECK(!strcmp(gs_finding_label(b, sizeof(b), "Left knee stiff", "left"), "Left knee stiff"));
    CHECK(!strcmp(gs_finding_label(b, sizeof(b), "Stiff knee", "left"), "Stiff knee (left)"));
    /* "leftward" and "brighter" are not the side */
    CHECK(
        !strcmp(gs_finding_label(b, sizeof(b), "Drift leftward", "left"), "Drift leftward (left)"));
    CHECK(!strcmp(gs_finding_label(b, sizeof(b), "A brighter shoe", "right"),
                  "A brighter shoe (right)"));
    CHECK(!strcmp(gs_finding_label(b, sizeof(b), "High vertical oscillation", "both"),
                  "High vertical oscillation"));
    CHECK(!strcmp(gs_finding_label(b, sizeof(b), "Low cadence", NULL), "Low cadence"));
    CHECK(!strcmp(gs_finding_label(b, 8, "Stiff knee", "left"), "Stiff k"));
    CHECK(!strcmp(gs_finding_label(b, sizeof(b), NULL, "right"), " (right)"));
}

static void data_path_finds_installed_then_source_tree(const char *scratch)
{
    char buf[1024], dir[800], exe[900], file[900], root[600];
    gs_error err = {0};
    /* installed layout: <prefix>/bin/gaitscope -> <prefix>/share/gaitscope/models/ */
    snprintf(dir, sizeof(dir), "%s/data_prefix/share/gaitscope/models", scratch);
    CHECK_EQ_INT(gs_mkdir_p(dir, &err), GS_OK);
    snprintf(file, sizeof(file), "%s/compensation_rules.json", dir);
    CHECK_EQ_INT(gs_file_write_all(file, "{}", 2, &err), GS_OK);
    snprintf(exe, sizeof(exe), "%s/data_prefix/bin", scratch);
    CHECK_EQ_INT(gs_mkdir_p(exe, &err), GS_OK); /* bin/.. resolves only when bin exists */
    snprintf(exe, sizeof(exe), "%s/data_prefix/bin/gaitscope", scratch);
    CHECK_EQ_INT(
        gs_data_path_search("models/compensation_rules.json", NULL, exe, buf, sizeof(buf), &err),
        GS_OK);
    CHECK_STR_CONTAINS(buf, "data_prefix/bin/../share/gaitscope/models/compensation_rules.json");
    /* $GAITSCOPE_DATA comes first */
    snprintf(dir, sizeof(dir), "%s/data_env/models", scratch);
    CHECK_EQ_INT(gs_mkdir_p(dir, &err), GS_OK);
    snprintf(file, sizeof(file), "%s/compensation_rules.json", dir);
    CHECK_EQ_INT(gs_file_write_all(file, "{}", 2, &err), GS_OK);
    snprintf(dir, sizeof(dir), "%s/data_env", scratch);
    CHECK_EQ_INT(
        gs_data_path_search("models/compensation_rules.json", dir, exe, buf, sizeof(buf), &err),
        GS_OK);
    CHECK_STR_CONTAINS(buf, "data_env/models/compensation_rules.json");
    /* a build folder inside a source tree: the tree's root holds CMakeLists.txt */
    snprintf(root, sizeof(root), "%s/data_tree", scratch);
    snprintf(dir, sizeof(dir), "%s/build/src/cli", root);
    CHECK_EQ_INT(gs_mkdir_p(dir, &err), GS_OK);
    snprintf(dir, sizeof(dir), "%s/models", root);
    CHECK_EQ_INT(gs_mkdir_p(dir, &err), GS_OK);
    snprintf(file, sizeof(file), "%s/models/minimal_change.json", root);
    CHECK_EQ_INT(gs_file_write_all(file, "{}", 2, &err), GS_OK);
    snprintf(file, sizeof(file), "%s/CMakeLists.txt", root);
    CHECK_EQ_INT(gs_file_write_all(file, "#", 1, &err), GS_OK);
    snprintf(exe, sizeof(exe), "%s/build/src/cli/gaitscope", root);
    CHECK_EQ_INT(
        gs_data_path_search("models/minimal_change.json", NULL, exe, buf, sizeof(buf), &err),
        GS_OK);
    CHECK_STR_CONTAINS(buf, "data_tree/models/minimal_change.json");
    /* nowhere: the message names the file and the folders tried */
    CHECK_EQ_INT(gs_data_path_search("models/none.json", NULL, exe, buf, sizeof(buf), &err),
                 GS_ERR_NOT_FOUND);
    CHECK_STR_CONTAINS(err.msg, "models/none.json: not found (looked in ");
    CHECK_STR_CONTAINS(err.msg, "share/gaitscope");
    CHECK_STR_CONTAINS(err.msg, "data_tree");
    CHECK_EQ_INT(gs_data_path_search("/abs.json", NULL, exe, buf, sizeof(buf), &err), GS_ERR_ARG);
    /* the running test binary sits in the build folder of this source tree */
    CHECK_EQ_INT(gs_data_path("models/compensation_rules.json", buf, sizeof(buf), &err), GS_OK);
}

int main(int argc, char **argv)
{
    const char *scratch = argc > 2 ? argv[2] : "/tmp";
    strerror_covers_every_code();
    fail_formats_one_line();
    file_round_trip_and_missing_file(scratch);
    size_mul_detects_overflow();
    capitalize_touches_only_a_lower_case_ascii_first_letter();
    whole_file_reads_are_capped_and_regular_files_only(scratch);
    finding_label_names_the_side_once();
    data_path_finds_installed_then_source_tree(scratch);
    CHECK(gs_peak_rss_bytes() > 0);
    return gs_test_finish("test_common", 0);
}
