/*
 * The gaitscope command on bad input: each case runs the real binary and asserts the exit code
 * and the one-line message (Redis corrupt-dump style). The corpus is made here at test time:
 * a missing file, a text file renamed .mp4, a truncated MP4, an audio-only file, a zero-byte
 * file, an unwritable output directory, an existing output without --force, bad options.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gs_test.h"

static const char *bin;
static const char *scratch = "/tmp";

/* Runs `bin args`, returns the exit code; stderr's text in err_out (first 4 KiB). */
static int run_cli(const char *args, char *err_out, size_t cap, char *out, size_t out_cap)
{
    char cmd[8192], ef[1024], of[1024];
    snprintf(ef, sizeof(ef), "%s/cli_stderr.txt", scratch);
    snprintf(of, sizeof(of), "%s/cli_stdout.txt", scratch);
    snprintf(cmd, sizeof(cmd), "'%s' %s </dev/null >'%s' 2>'%s'", bin, args, of, ef);
    int st = system(cmd);
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    const char *files[2] = {ef, of};
    char *bufs[2] = {err_out, out};
    size_t caps[2] = {cap, out_cap};
    for (int i = 0; i < 2; i++) {
        if (!bufs[i])
            continue;
        bufs[i][0] = '\0';
        FILE *f = fopen(files[i], "r");
        if (f) {
            size_t n = fread(bufs[i], 1, caps[i] - 1, f);
            bufs[i][n] = '\0';
            fclose(f);
        }
    }
    return code;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* One case: exit code and a fragment of the single stderr line. */
static void expect_error(const char *args, int code, const char *fragment)
{
    char err[4096];
    int rc = run_cli(args, err, sizeof(err), NULL, 0);
    CHECK_MSG(rc == code, "gaitscope %s: exit %d, expected %d (stderr: %s)", args, rc, code, err);
    CHECK_MSG(strncmp(err, "gaitscope: ", 11) == 0, "gaitscope %s: stderr '%s'", args, err);
    CHECK_STR_CONTAINS(err, fragment);
    CHECK_MSG(count_lines(err) == 1, "gaitscope %s: %d lines on stderr: %s", args,
              count_lines(err), err);
}

static int sh(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "command failed: %s\n", cmd);
    return rc;
}

int main(int argc, char **argv)
{
    char cmd[8192], a[4096], p[1024], clip[1024];
    if (argc > 2)
        scratch = argv[2];
    bin = getenv("GAITSCOPE_BIN");
    if (!bin || access(bin, X_OK) != 0) {
        fprintf(stderr, "test_cli: GAITSCOPE_BIN not set to the gaitscope binary\n");
        return 1;
    }

    /* help and version work and say what the tool is */
    char out[8192];
    CHECK_EQ_INT(run_cli("--help", NULL, 0, out, sizeof(out)), 0);
    CHECK_STR_CONTAINS(out, "probe");
    CHECK_STR_CONTAINS(out, "frames");
    CHECK_EQ_INT(run_cli("--version", NULL, 0, out, sizeof(out)), 0);
    CHECK_STR_CONTAINS(out, "gaitscope ");

    /* a small real clip to work on: 2 s of ffmpeg's test pattern, 30 fps */
    snprintf(clip, sizeof(clip), "%s/cli_ok.mp4", scratch);
    snprintf(cmd, sizeof(cmd),
             "ffmpeg -v error -y -f lavfi -i testsrc=size=160x120:rate=30:duration=2 "
             "-pix_fmt yuv420p -c:v libx264 -movflags +faststart '%s'",
             clip);
    CHECK(sh(cmd) == 0);
    snprintf(a, sizeof(a), "probe --json '%s'", clip);
    CHECK_EQ_INT(run_cli(a, NULL, 0, out, sizeof(out)), 0);
    CHECK_STR_CONTAINS(out, "\"frames\":\t60");
    CHECK_STR_CONTAINS(out, "\"width\":\t160");

    expect_error("probe /nonexistent/run.mp4", 1, "/nonexistent/run.mp4: cannot open");
    snprintf(p, sizeof(p), "%s/renamed.mp4", scratch);
    snprintf(cmd, sizeof(cmd), "echo 'just text, renamed to look like a video' > '%s'", p);
    CHECK(sh(cmd) == 0);
    snprintf(a, sizeof(a), "probe '%s'", p);
    expect_error(a, 1, "renamed.mp4: not a readable video file");

    snprintf(p, sizeof(p), "%s/empty.mp4", scratch);
    snprintf(cmd, sizeof(cmd), ": > '%s'", p);
    CHECK(sh(cmd) == 0);
    snprintf(a, sizeof(a), "probe '%s'", p);
    expect_error(a, 1, "empty.mp4: ");

    snprintf(p, sizeof(p), "%s/audio_only.m4a", scratch);
    snprintf(cmd, sizeof(cmd),
             "ffmpeg -v error -y -f lavfi -i sine=frequency=440:duration=1 -c:a aac '%s'", p);
    CHECK(sh(cmd) == 0);
    snprintf(a, sizeof(a), "probe '%s'", p);
    expect_error(a, 1, "audio_only.m4a: no video stream");

    /* Truncated: the moov-at-end layout loses its index (not readable); the faststart layout
     * loses frames (decodes what is there, then says the file ends early). */
    snprintf(p, sizeof(p), "%s/cut_index.mp4", scratch);
    snprintf(cmd, sizeof(cmd),
             "ffmpeg -v error -y -f lavfi -i testsrc=size=160x120:rate=30:duration=2 "
             "-pix_fmt yuv420p -c:v libx264 -f mp4 '%s.full' && "
             "head -c $(($(stat -c %%s '%s.full') / 2)) '%s.full' > '%s'",
             p, p, p, p);
    CHECK(sh(cmd) == 0);
    snprintf(a, sizeof(a), "probe '%s'", p);
    expect_error(a, 1, "cut_index.mp4: ");
    snprintf(p, sizeof(p), "%s/cut_data.mp4", scratch);
    snprintf(cmd, sizeof(cmd), "head -c $(($(stat -c %%s '%s') * 6 / 10)) '%s' > '%s'", clip,
             clip, p);
    CHECK(sh(cmd) == 0);
    snprintf(a, sizeof(a), "probe '%s'", p);
    expect_error(a, 1, "cut_data.mp4: truncated");

    /* Output directory problems. */
    snprintf(a, sizeof(a), "frames '%s' --every 30 -o /proc/gaitscope_no/frames", clip);
    expect_error(a, 1, "cannot create directory");
    snprintf(p, sizeof(p), "%s/frames_out", scratch);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p);
    CHECK(sh(cmd) == 0);
    snprintf(a, sizeof(a), "frames '%s' --every 30 -o '%s' --quiet", clip, p);
    CHECK_EQ_INT(run_cli(a, NULL, 0, NULL, 0), 0);
    snprintf(cmd, sizeof(cmd), "%s/frame_000030.png", p);
    CHECK(access(cmd, R_OK) == 0);
    expect_error(a, 1, "output exists (use --force");
    snprintf(a, sizeof(a), "frames '%s' --every 30 -o '%s' --quiet --force", clip, p);
    CHECK_EQ_INT(run_cli(a, NULL, 0, NULL, 0), 0);

    /* Command-line mistakes: exit 2 with one line. */
    expect_error("probe", 2, "no video given");
    expect_error("nosuchcommand", 2, "unknown command 'nosuchcommand'");
    snprintf(a, sizeof(a), "frames '%s' -o '%s' --every zero", clip, p);
    expect_error(a, 2, "--every: expected an integer");
    snprintf(a, sizeof(a), "probe '%s' --bogus", clip);
    expect_error(a, 2, "unknown option '--bogus'");
    return gs_test_finish("test_cli", 0);
}
