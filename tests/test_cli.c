/*
 * The gaitscope command on bad input: each case runs the real binary and asserts the exit code
 * and the one-line message (Redis corrupt-dump style). The corpus is made here at test time:
 * a missing file, a text file renamed .mp4, a truncated MP4, an audio-only file, a zero-byte
 * file, an unwritable output directory, an existing output without --force, bad options.
 * Every command's option table is exercised (src/cli/opts.c): --help exits 0, a missing value,
 * a value out of range, a non-finite number and an unknown option each exit 2 with one line in
 * the shared style. Results that cannot be written to stdout (/dev/full) exit 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gs_test.h"

static const char *bin;
static const char *scratch = "/tmp";
static char clip[1024]; /* 2 s of ffmpeg's test pattern (made_clip_is_probed) */

/* Runs `bin args`, returns the exit code; stderr's text in err_out, stdout's in out (each may
 * be NULL; cut at its capacity). */
static int run_cli(const char *args, char *err_out, size_t cap, char *out, size_t out_cap)
{
    char cmd[8192], ef[1024], of[1024];
    snprintf(ef, sizeof(ef), "%s/cli_stderr.txt", scratch);
    snprintf(of, sizeof(of), "%s/cli_stdout.txt", scratch);
    snprintf(cmd, sizeof(cmd), "'%s' %s </dev/null >'%s' 2>'%s'", bin, args, of, ef);
    int code = gs_test_sh(cmd);
    if (err_out)
        gs_test_read_into(ef, err_out, cap);
    if (out)
        gs_test_read_into(of, out, out_cap);
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

/* The commands with an option table; each one's --help is generated from it. */
static const char *const commands[] = {"analyze", "probe", "gait",  "findings",  "frames", "pose",
                                       "infer",   "bench", "compare", "calibrate", "serve",  "worker"};

/* Command-line mistakes, one per row: exit 2 and this fragment of the single stderr line.
 * File names need not exist: the command line is checked before any file is opened. */
static const struct {
    const char *args, *fragment;
} usage_cases[] = {
    {"analyze", "gaitscope: analyze: no VIDEO given (see gaitscope analyze --help)"},
    {"analyze v.mp4", "gaitscope: analyze: -o DIR is required"},
    {"analyze v.mp4 -o d --height", "gaitscope: --height: needs a value"},
    {"analyze v.mp4 -o d --height 2.55 --height 0.4",
     "gaitscope: --height: 0.4 is outside [0.5, 2.6] m"},
    {"analyze v.mp4 -o d --person 10,", "gaitscope: --person: expected X,Y (two numbers)"},
    {"analyze v.mp4 -o d --person inf,inf", "gaitscope: --person: expected a finite number"},
    {"analyze v.mp4 -o d --person 5,nan", "gaitscope: --person: expected a finite number"},
    {"analyze v.mp4 -o d --slowmo 1001", "gaitscope: --slowmo: 1001 is outside [1, 1000]"},
    {"analyze v.mp4 -o d --slow-copy 1", "gaitscope: --slow-copy: 1 is outside [2, 64]"},
    {"analyze v.mp4 -o d --start 1e7", "gaitscope: --start: 1e7 is outside [0, 86400] s"},
    {"analyze v.mp4 -o d --history scar:belly", "gaitscope: --history: history item 'scar:belly'"},
    {"analyze v.mp4 -o d --setting moon", "gaitscope: --setting: expected treadmill or overground"},
    {"analyze v.mp4 -o d --foo",
     "gaitscope: analyze: unknown option '--foo' (see gaitscope analyze --help)"},
    {"worker", "gaitscope: worker: --data DIR is required"},
    {"worker --data d --lease 1", "gaitscope: --lease: 1 is outside [2, 3600] s"},
    {"worker --data d --memory-mb 100", "gaitscope: --memory-mb: 100 is outside [256, 1048576] MiB"},
    {"probe", "gaitscope: probe: no VIDEO given (see gaitscope probe --help)"},
    {"probe a.mp4 b.mp4", "gaitscope: probe: unexpected argument 'b.mp4'"},
    {"probe v.mp4 --threads", "gaitscope: --threads: needs a value"},
    {"probe v.mp4 --threads 0", "gaitscope: --threads: 0 is outside [1, 64]"},
    {"probe v.mp4 --slowmo 1e300", "gaitscope: --slowmo: 1e300 is outside [1, 1000]"},
    {"probe v.mp4 --slowmo nan", "gaitscope: --slowmo: expected a finite number, got 'nan'"},
    {"probe v.mp4 --capture-fps=-30", "gaitscope: --capture-fps: -30 is outside [1, 100000]"},
    {"probe v.mp4 --slowmo 8 --capture-fps 240",
     "gaitscope: --slowmo: give either --slowmo or --capture-fps, not both"},
    {"probe v.mp4 --json=1", "gaitscope: --json: takes no value"},
    {"probe v.mp4 --foo", "gaitscope: probe: unknown option '--foo' (see gaitscope probe --help)"},
    {"frames v.mp4", "gaitscope: frames: -o DIR is required"},
    {"frames v.mp4 -o", "gaitscope: -o: needs a value"},
    {"frames v.mp4 -o --quiet", "gaitscope: -o: needs a value"},
    {"frames v.mp4 -o d --every 0", "gaitscope: --every: 0 is outside [1, 5184000] frames"},
    {"frames v.mp4 -o d --every 2.5", "gaitscope: --every: expected an integer, got '2.5'"},
    {"frames v.mp4 -o d --start -1", "gaitscope: --start: -1 is outside [0, 86400] s"},
    {"frames v.mp4 -o d --end 0", "gaitscope: --end: 0 is outside (0, 86400] s"},
    {"frames v.mp4 -o d --start 5 --end 2", "gaitscope: --end: 2 s is not after --start (5 s)"},
    {"frames v.mp4 -o d --bogus", "gaitscope: frames: unknown option '--bogus'"},
    {"pose v.mp4 -o p.json --model", "gaitscope: --model: needs a value"},
    {"pose v.mp4 -o p.json --model huge",
     "gaitscope: --model: expected lite, full or heavy, got 'huge'"},
    {"pose v.mp4 -o p.json --person 10,", "gaitscope: --person: expected X,Y (two numbers)"},
    {"pose v.mp4 -o p.json --person ,10", "gaitscope: --person: expected X,Y (two numbers)"},
    {"pose v.mp4 -o p.json --person inf,inf",
     "gaitscope: --person: expected a finite number, got 'inf'"},
    {"pose v.mp4 -o p.json --person 70000,5",
     "gaitscope: --person: 70000 is outside [0, 65535] px"},
    {"pose v.mp4 -o p.json --slowmo 0.5", "gaitscope: --slowmo: 0.5 is outside [1, 1000]"},
    {"pose v.mp4 -o p.json --threads 65", "gaitscope: --threads: 65 is outside [1, 64]"},
    {"pose v.mp4 -o p.json --quite", "gaitscope: pose: unknown option '--quite'"},
    {"gait p.json -o d --height", "gaitscope: --height: needs a value"},
    {"gait p.json -o d --height 3", "gaitscope: --height: 3 is outside [0.5, 2.6] m"},
    {"gait p.json -o d --height inf", "gaitscope: --height: expected a finite number"},
    {"gait p.json -o d --belt-speed 0", "gaitscope: --belt-speed: 0 is outside (0, 12] m/s"},
    {"gait p.json -o d --view top",
     "gaitscope: --view: expected side-left, side-right, rear or front, got 'top'"},
    {"gait p.json -o d --activity swim", "gaitscope: --activity: expected run or walk"},
    {"gait p.json --output", "gaitscope: --output: needs a value"},
    {"gait p.json -o d --foo",
     "gaitscope: gait: unknown option '--foo' (see gaitscope gait --help)"},
    {"findings", "gaitscope: findings: no ANALYSIS.json given"},
    {"findings a.json --rules", "gaitscope: --rules: needs a value"},
    {"findings a.json --write", "gaitscope: --write: needs a value"},
    {"findings a.json --history scar:elbow", "gaitscope: --history: history item 'scar:elbow'"},
    {"findings a.json --jsn", "gaitscope: findings: unknown option '--jsn'"},
    {"infer m.tflite in.bin", "gaitscope: infer: no OUTDIR given"},
    {"infer m.tflite in.bin out --threads", "gaitscope: --threads: needs a value"},
    {"infer m.tflite in.bin out --threads 100", "gaitscope: --threads: 100 is outside [1, 64]"},
    {"infer m.tflite in.bin out extra", "gaitscope: infer: unexpected argument 'extra'"},
    {"infer m.tflite in.bin out --fast", "gaitscope: infer: unknown option '--fast'"},
    {"calibrate b.mp4 --chessboard", "gaitscope: --chessboard: needs a value"},
    {"calibrate b.mp4 --chessboard 9x6 --square 25", "gaitscope: calibrate: -o FILE is required"},
    {"calibrate b.mp4 --chessboard 9x6 --square 0 -o c.json",
     "gaitscope: --square: 0 is outside [1, 1000] mm"},
    {"calibrate b.mp4 --chessboard 9x6 --square 25 -o c.json --fast",
     "gaitscope: calibrate: unknown option '--fast'"},
    {"bench --runs", "gaitscope: --runs: needs a value"},
    {"bench --runs 0", "gaitscope: --runs: 0 is outside [1, 100000]"},
    {"bench --warmup -1", "gaitscope: --warmup: -1 is outside [0, 10000]"},
    {"bench --threads 0", "gaitscope: --threads: 0 is outside [1, 64]"},
    {"bench --threads 1,,2", "gaitscope: --threads: expected integers separated by commas"},
    {"bench --threads 1,2,3,4,5,6,7,8,9", "gaitscope: --threads: at most 8 values"},
    {"bench --fast", "gaitscope: bench: unknown option '--fast'"},
};

static void every_command_has_help_and_one_error_style(void)
{
    char out[16384], a[256];
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        char usage[64];
        snprintf(a, sizeof(a), "%s --help", commands[i]);
        CHECK_MSG(run_cli(a, NULL, 0, out, sizeof(out)) == 0, "gaitscope %s", a);
        snprintf(usage, sizeof(usage), "usage: gaitscope %s ", commands[i]);
        CHECK_STR_CONTAINS(out, usage);
        CHECK_STR_CONTAINS(out, "exit codes: 0 done, 1 failed, 2 wrong command line");
        /* an option's row (its line and the indented lines under it) says its default once:
         * a hand-written "(default X)" beside the table's own "default Y" read as two defaults
         * (analyze's --overlay-height said 1280 and 0) */
        for (const char *row = strstr(out, "\n  -"); row; row = strstr(row + 1, "\n  -")) {
            const char *end = strstr(row + 1, "\n  -"), *d = row;
            int n = 0;
            while ((d = strstr(d + 1, "default")) != NULL && (!end || d < end))
                n++;
            CHECK_MSG(n <= 1, "gaitscope %s --help: an option row says 'default' %d times: %.80s",
                      commands[i], n, row + 1);
        }
        /* -h is the same, and --help wins over a mistake elsewhere on the line */
        snprintf(a, sizeof(a), "%s --threads 0 --bogus -h", commands[i]);
        CHECK_MSG(run_cli(a, NULL, 0, out, sizeof(out)) == 0, "gaitscope %s", a);
        CHECK_STR_CONTAINS(out, usage);
    }
    /* the generated help shows ranges and defaults from the table */
    CHECK_EQ_INT(run_cli("gait --help", NULL, 0, out, sizeof(out)), 0);
    CHECK_STR_CONTAINS(out, "--height M");
    CHECK_STR_CONTAINS(out, "[0.5, 2.6] m");
    CHECK_EQ_INT(run_cli("pose --help", NULL, 0, out, sizeof(out)), 0);
    CHECK_STR_CONTAINS(out, "lite|full|heavy, default full");
    CHECK_STR_CONTAINS(out, "[1, 64], default 2");
    CHECK_EQ_INT(run_cli("analyze --help", NULL, 0, out, sizeof(out)), 0);
    CHECK_STR_CONTAINS(out, "default 1280)"); /* --overlay-height, GS_ANALYZE_OVERLAY_HEIGHT */
    for (size_t i = 0; i < sizeof(usage_cases) / sizeof(usage_cases[0]); i++)
        expect_error(usage_cases[i].args, 2, usage_cases[i].fragment);
}

/* Runs `bin args >/dev/full`; the exit code, stderr in err. */
static int run_to_full_disk(const char *args, char *err, size_t cap)
{
    char cmd[8192], ef[1024];
    snprintf(ef, sizeof(ef), "%s/cli_full_stderr.txt", scratch);
    snprintf(cmd, sizeof(cmd), "'%s' %s </dev/null >/dev/full 2>'%s'", bin, args, ef);
    int code = gs_test_sh(cmd);
    gs_test_read_into(ef, err, cap);
    return code;
}

/* Issue 12 item 8: results that never reached stdout are a failure, exit 1, one line. */
static void failed_stdout_write_is_an_error(void)
{
    char a[4096], err[4096], out[8192], pose[1024], dir[1024], cmd[8192];
    const char *gen = getenv("GS_GEN_TRACK");
    snprintf(a, sizeof(a), "probe --json '%s'", clip);
    CHECK_EQ_INT(run_to_full_disk(a, err, sizeof(err)), 1);
    CHECK_STR_CONTAINS(err, "gaitscope: stdout: No space left on device");
    CHECK_EQ_INT(count_lines(err), 1);
    CHECK_EQ_INT(run_to_full_disk("--help", err, sizeof(err)), 1);
    CHECK_STR_CONTAINS(err, "gaitscope: stdout: ");
    CHECK_EQ_INT(run_to_full_disk("gait --help", err, sizeof(err)), 1);
    CHECK_STR_CONTAINS(err, "gaitscope: stdout: ");

    /* gait's summary and findings' plan on a made track with known gait */
    CHECK_MSG(gen && access(gen, X_OK) == 0, "GS_GEN_TRACK not set to gs_gen_track");
    if (!gen)
        return;
    snprintf(pose, sizeof(pose), "%s/cli_gen_pose.json", scratch);
    snprintf(dir, sizeof(dir), "%s/cli_gait", scratch);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' && '%s' -o '%s' --duration 8", dir, gen, pose);
    CHECK(gs_test_sh(cmd) == 0);
    snprintf(a, sizeof(a), "gait '%s' -o '%s'", pose, dir);
    CHECK_EQ_INT(run_to_full_disk(a, err, sizeof(err)), 1);
    CHECK_STR_CONTAINS(err, "gaitscope: stdout: No space left on device");
    snprintf(a, sizeof(a), "findings '%s/analysis.json'", dir);
    CHECK_EQ_INT(run_cli(a, NULL, 0, out, sizeof(out)), 0); /* the same command to a file */
    CHECK_MSG(strlen(out) > 20, "findings printed '%s'", out);
    CHECK_EQ_INT(run_to_full_disk(a, err, sizeof(err)), 1);
    CHECK_STR_CONTAINS(err, "gaitscope: stdout: No space left on device");
    CHECK_EQ_INT(count_lines(err), 1);

    /* an analysis whose metrics are malformed is refused naming the key (issue 12 item 10:
     * it printed "No findings" as for a healthy clip); one without metrics names the key */
    snprintf(cmd, sizeof(cmd),
             "sed 's/\"cadence_spm\":[[:space:]]*{/\"cadence_spm\": 7, \"was\": {/' '%s/analysis.json' "
             "> '%s/bad_metrics.bad.json' && grep -q '\"cadence_spm\": 7' '%s/bad_metrics.bad.json'",
             dir, scratch, scratch);
    CHECK(gs_test_sh(cmd) == 0);
    snprintf(a, sizeof(a), "findings '%s/bad_metrics.bad.json'", scratch);
    expect_error(a, 1, "bad_metrics.bad.json: key 'metrics.cadence_spm' is not an object");
    snprintf(cmd, sizeof(cmd), "printf '{\"format\": \"gaitscope.analysis/1\"}' > '%s/no_keys.bad.json'",
             scratch);
    CHECK(gs_test_sh(cmd) == 0);
    snprintf(a, sizeof(a), "findings '%s/no_keys.bad.json'", scratch);
    expect_error(a, 1, "no_keys.bad.json: missing required key");

    /* an existing --write target is a failed run (1), like every other existing output */
    snprintf(a, sizeof(a), "findings '%s/analysis.json' --write '%s/angles.csv'", dir, dir);
    expect_error(a, 1, "angles.csv: output exists (use --force");
}

static void help_and_version_say_what_the_tool_is(void)
{
    char out[8192];
    CHECK_EQ_INT(run_cli("--help", NULL, 0, out, sizeof(out)), 0);
    CHECK_STR_CONTAINS(out, "probe");
    CHECK_STR_CONTAINS(out, "frames");
    CHECK_EQ_INT(run_cli("--version", NULL, 0, out, sizeof(out)), 0);
    CHECK_STR_CONTAINS(out, "gaitscope ");
}

/* Makes the small real clip the later specs work on: 2 s of ffmpeg's test pattern, 30 fps. */
static void made_clip_is_probed(void)
{
    char cmd[8192], a[4096], out[8192];
    snprintf(clip, sizeof(clip), "%s/cli_ok.mp4", scratch);
    snprintf(cmd, sizeof(cmd),
             "ffmpeg -v error -y -f lavfi -i testsrc=size=160x120:rate=30:duration=2 "
             "-pix_fmt yuv420p -c:v libx264 -movflags +faststart '%s'",
             clip);
    CHECK(gs_test_sh(cmd) == 0);
    snprintf(a, sizeof(a), "probe --json '%s'", clip);
    CHECK_EQ_INT(run_cli(a, NULL, 0, out, sizeof(out)), 0);
    CHECK_STR_CONTAINS(out, "\"frames\":\t60");
    CHECK_STR_CONTAINS(out, "\"width\":\t160");
    snprintf(a, sizeof(a), "probe -- '%s'", clip); /* after --, a file name */
    CHECK_EQ_INT(run_cli(a, NULL, 0, out, sizeof(out)), 0);
}

/* probe says what the decoder's timestamp policy drops (issue 12 item 2): frames 31..34 given
 * frame 30's time (Matroska keeps exact duplicates; no B-frames, so N is display order) */
static void probe_counts_dropped_timestamps(void)
{
    char cmd[8192], a[4096], out[8192], p[1024];
    snprintf(p, sizeof(p), "%s/cli_dup.mkv", scratch);
    snprintf(cmd, sizeof(cmd),
             "ffmpeg -v error -y -f lavfi -i testsrc=size=160x120:rate=30:duration=2 -bf 0 "
             "-pix_fmt yuv420p -c:v libx264 '%s.base.mkv' && "
             "ffmpeg -v error -y -i '%s.base.mkv' -c copy -bsf:v "
             "'setts=ts=if(between(N\\,31\\,34)\\,PREV_OUTPTS\\,PTS)' '%s'",
             p, p, p);
    CHECK(gs_test_sh(cmd) == 0);
    snprintf(a, sizeof(a), "probe '%s'", p);
    CHECK_EQ_INT(run_cli(a, NULL, 0, out, sizeof(out)), 0);
    CHECK_STR_CONTAINS(out, "frames:      56\n");
    CHECK_STR_CONTAINS(out, "timestamps:  4 frames dropped (time not after the previous frame's)");
    snprintf(a, sizeof(a), "probe --json '%s'", p);
    CHECK_EQ_INT(run_cli(a, NULL, 0, out, sizeof(out)), 0);
    CHECK_STR_CONTAINS(out, "\"dropped_timestamps\":\t4");
    CHECK_STR_CONTAINS(out, "\"segments\":\t1");

}

/* Unreadable clips, each named in one line: missing, text renamed .mp4, empty, audio only,
 * truncated (the moov-at-end layout loses its index; faststart loses frames and says so). */
static void probe_names_an_unreadable_clip(void)
{
    char cmd[8192], a[4096], p[1024];
    expect_error("probe /nonexistent/run.mp4", 1, "/nonexistent/run.mp4: cannot open");
    snprintf(p, sizeof(p), "%s/renamed.mp4", scratch);
    snprintf(cmd, sizeof(cmd), "echo 'just text, renamed to look like a video' > '%s'", p);
    CHECK(gs_test_sh(cmd) == 0);
    snprintf(a, sizeof(a), "probe '%s'", p);
    expect_error(a, 1, "renamed.mp4: not a readable video file");

    snprintf(p, sizeof(p), "%s/empty.mp4", scratch);
    snprintf(cmd, sizeof(cmd), ": > '%s'", p);
    CHECK(gs_test_sh(cmd) == 0);
    snprintf(a, sizeof(a), "probe '%s'", p);
    expect_error(a, 1, "empty.mp4: ");

    snprintf(p, sizeof(p), "%s/audio_only.m4a", scratch);
    snprintf(cmd, sizeof(cmd),
             "ffmpeg -v error -y -f lavfi -i sine=frequency=440:duration=1 -c:a aac '%s'", p);
    CHECK(gs_test_sh(cmd) == 0);
    snprintf(a, sizeof(a), "probe '%s'", p);
    expect_error(a, 1, "audio_only.m4a: no video stream");

    snprintf(p, sizeof(p), "%s/cut_index.mp4", scratch);
    snprintf(cmd, sizeof(cmd),
             "ffmpeg -v error -y -f lavfi -i testsrc=size=160x120:rate=30:duration=2 "
             "-pix_fmt yuv420p -c:v libx264 -f mp4 '%s.full' && "
             "head -c $(($(stat -c %%s '%s.full') / 2)) '%s.full' > '%s'",
             p, p, p, p);
    CHECK(gs_test_sh(cmd) == 0);
    snprintf(a, sizeof(a), "probe '%s'", p);
    expect_error(a, 1, "cut_index.mp4: ");
    snprintf(p, sizeof(p), "%s/cut_data.mp4", scratch);
    snprintf(cmd, sizeof(cmd), "head -c $(($(stat -c %%s '%s') * 6 / 10)) '%s' > '%s'", clip,
             clip, p);
    CHECK(gs_test_sh(cmd) == 0);
    snprintf(a, sizeof(a), "probe '%s'", p);
    expect_error(a, 1, "cut_data.mp4: truncated");

}

static void output_folder_problems_are_errors(void)
{
    char cmd[8192], a[4096], p[1024];
    snprintf(a, sizeof(a), "frames '%s' --every 30 -o /proc/gaitscope_no/frames", clip);
    expect_error(a, 1, "cannot create directory");
    snprintf(p, sizeof(p), "%s/frames_out", scratch);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p);
    CHECK(gs_test_sh(cmd) == 0);
    snprintf(a, sizeof(a), "frames '%s' --every 30 -o '%s' --quiet", clip, p);
    CHECK_EQ_INT(run_cli(a, NULL, 0, NULL, 0), 0);
    snprintf(cmd, sizeof(cmd), "%s/frame_000030.png", p);
    CHECK(access(cmd, R_OK) == 0);
    expect_error(a, 1, "output exists (use --force");
    snprintf(a, sizeof(a), "frames '%s' --every 30 -o '%s' --quiet --force", clip, p);
    CHECK_EQ_INT(run_cli(a, NULL, 0, NULL, 0), 0);

    snprintf(a, sizeof(a), "frames '%s' -o '%s' --every zero", clip, p);
    expect_error(a, 2, "--every: expected an integer");
}

static void command_line_mistakes_exit_2_with_one_line(void)
{
    char a[4096];
    expect_error("probe", 2, "no VIDEO given");
    expect_error("nosuchcommand", 2, "unknown command 'nosuchcommand'");
    snprintf(a, sizeof(a), "probe '%s' --bogus", clip);
    expect_error(a, 2, "unknown option '--bogus'");
}

/* Every command that reads a file names it in one line and exits 1 when the file is missing or
 * is not what it should be ("%M": a path that does not exist, "%G": a text file of garbage
 * named for the role; both under the scratch folder). */
static const struct {
    const char *args;
    const char *fragment;
} bad_inputs[] = {
    {"analyze %M/v.mp4 -o %S/o_an1", "v.mp4: cannot open"},
    {"analyze %G.mp4 -o %S/o_an2", "bad.mp4: not a readable video file"},
    {"analyze %G.mp4 -o %S/o_an3 --rules %G.json", "bad.json: not valid JSON"},
    {"analyze %G.mp4 -o %S/o_an4 --calib %M/c.json", "c.json: cannot open"},
    {"probe %M/v.mp4", "v.mp4: cannot open"},
    {"frames %M/v.mp4 -o %S/o_fr", "v.mp4: cannot open"},
    {"frames %G.mp4 -o %S/o_fr2", "bad.mp4: not a readable video file"},
    {"pose %M/v.mp4 -o %S/o_pose.json", "v.mp4: cannot open"},
    {"pose %G.mp4 -o %S/o_pose2.json", "bad.mp4: not a readable video file"},
    {"gait %M/p.json -o %S/o_gait", "p.json: cannot open"},
    {"gait %G.json -o %S/o_gait2", "bad.json: not valid JSON"},
    {"findings %M/a.json", "a.json: cannot open"},
    {"findings %G.json", "bad.json: not valid JSON"},
    {"compare %M/a %M/b -o %S/o_cmp --no-video", "/a: no such file or folder"},
    {"compare %G.json %G2.json -o %S/o_cmp2 --no-video", "bad.json: not valid JSON"},
    {"infer %M/m.tflite %G.bin %S/o_inf", "m.tflite: cannot open"},
    {"infer %G.tflite %G.bin %S/o_inf2", "bad.tflite: not a TFLite model"},
    {"bench %G.tflite", "bad.tflite: not a TFLite model"},
    {"bench --models %M", "pose_detection.tflite: cannot open"},
    {"calibrate %M/b.mp4 --chessboard 9x6 --square 25 -o %S/o_cal.json", "b.mp4: cannot open"},
    {"calibrate %G.mp4 --chessboard 9x6 --square 25 -o %S/o_cal2.json",
     "bad.mp4: not a readable video file"},
    {"serve --data /proc/gaitscope_no/data --listen 127.0.0.1:0", "cannot create directory"},
    {"worker --data /proc/gaitscope_no/data", "cannot create directory"},
};

/* Replaces %M (missing folder), %G (garbage file stem) and %S (scratch) in t. */
static void expand_paths(const char *t, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (; *t && n + 1 < cap; t++) {
        const char *rep = NULL;
        char tmp[1200];
        if (t[0] == '%' && (t[1] == 'M' || t[1] == 'G' || t[1] == 'S')) {
            snprintf(tmp, sizeof(tmp), "%s/%s", scratch,
                     t[1] == 'M' ? "cli_missing" : t[1] == 'G' ? "cli_bad/bad" : "cli_out");
            if (t[1] == 'S')
                snprintf(tmp, sizeof(tmp), "%s", scratch);
            rep = tmp;
            t++;
        }
        n += (size_t)snprintf(out + n, cap - n, "%s", rep ? rep : (char[2]){*t, 0});
    }
}

static void every_command_names_a_bad_input_file(void)
{
    char cmd[4096], a[4096];
    snprintf(cmd, sizeof(cmd),
             "rm -rf '%s/cli_missing' '%s/cli_bad' && mkdir -p '%s/cli_bad' && cd '%s/cli_bad' && "
             "for f in bad.mp4 bad.json bad2.json bad.tflite bad.bin; do "
             "echo 'garbage, not what the name says' > $f; done",
             scratch, scratch, scratch, scratch);
    CHECK(gs_test_sh(cmd) == 0);
    for (size_t i = 0; i < sizeof(bad_inputs) / sizeof(bad_inputs[0]); i++) {
        expand_paths(bad_inputs[i].args, a, sizeof(a));
        expect_error(a, 1, bad_inputs[i].fragment);
    }
}

/* analyze's summary as a coach reads it (session 15 audit): it printed analysis.json keys
 * (knee_flexion_ic_deg), "nan" for a side without strides, "Less arm swing on the right (right)",
 * and on a failed run "no findings above the rules' thresholds", which reads as a clean result
 * while the report says the findings were not evaluated. */
static void analyze_summary_reads_as_words(void)
{
    const char *gen = getenv("GS_GEN_TRACK");
    char cmd[8192], a[4096], out[8192], err[4096], pose[1024], shortp[1024], dir[1024];
    CHECK_MSG(gen && access(gen, X_OK) == 0, "GS_GEN_TRACK not set to gs_gen_track");
    if (!gen)
        return;
    snprintf(pose, sizeof(pose), "%s/cli_sum_pose.json", scratch);
    snprintf(shortp, sizeof(shortp), "%s/cli_sum_short.json", scratch);
    snprintf(dir, sizeof(dir), "%s/cli_sum", scratch);
    snprintf(
        cmd, sizeof(cmd),
        "rm -rf '%s' '%s_l' '%s_s' && '%s' -o '%s' --duration 8 && '%s' -o '%s' --duration 1.2",
        dir, dir, dir, gen, pose, gen, shortp);
    CHECK(gs_test_sh(cmd) == 0);

    snprintf(a, sizeof(a), "analyze '%s' -o '%s'", pose, dir);
    CHECK_EQ_INT(run_cli(a, err, sizeof(err), out, sizeof(out)), 0);
    CHECK_STR_CONTAINS(out, "Knee flexion at contact ");
    CHECK_STR_CONTAINS(out, "steps/min (both feet)");
    CHECK_MSG(!strstr(out, "_deg") && !strstr(out, "cadence_spm"), "keys in the summary: %s", out);

    /* the left side's events after 0.9 s deleted: that side has no stride, said with a dash */
    snprintf(
        cmd, sizeof(cmd),
        "awk -F, 'NR == 1 || $1 != \"left\" || $3 < 0.9' '%s/events.csv' > '%s/cli_sum_right.csv'",
        dir, scratch);
    CHECK(gs_test_sh(cmd) == 0);
    snprintf(a, sizeof(a), "analyze '%s' -o '%s_l' --events '%s/cli_sum_right.csv'", pose, dir,
             scratch);
    CHECK_EQ_INT(run_cli(a, err, sizeof(err), out, sizeof(out)), 1);
    CHECK_STR_CONTAINS(out, "Knee flexion at contact ");
    CHECK_STR_CONTAINS(out, " L       -  R ");
    CHECK_MSG(!strstr(out, "nan"), "nan in the summary: %s", out);
    CHECK_STR_CONTAINS(out, "findings not evaluated: the analysis did not complete");
    CHECK_MSG(!strstr(out, "no findings above"), "a failed run reads as clean: %s", out);

    /* too short: the same */
    snprintf(a, sizeof(a), "analyze '%s' -o '%s_s'", shortp, dir);
    CHECK_EQ_INT(run_cli(a, err, sizeof(err), out, sizeof(out)), 1);
    CHECK_STR_CONTAINS(err, "track too short");
    CHECK_STR_CONTAINS(out, "findings not evaluated: the analysis did not complete");
    CHECK_MSG(!strstr(out, "no findings above") && !strstr(out, "unknown,"), "summary: %s", out);

    /* a failed run whose other side had strides enough lists that side's findings: it said
     * "findings not evaluated" under them (walk_front_cane_01); a rear-view run with pelvic
     * drop, the left's events after 2 s deleted (2 left strides, 3 right) */
    snprintf(cmd, sizeof(cmd),
             "rm -rf '%s_p' '%s_q' && '%s' -o '%s' --duration 8 --view rear --pelvic-drop 9,9 && "
             "'%s' analyze '%s' -o '%s_p' --quiet >/dev/null 2>&1; awk -F, 'NR == 1 || $1 != "
             "\"left\" || $3 < 2.0' '%s_p/events.csv' > '%s/cli_sum_pd.csv'",
             dir, dir, gen, pose, bin, pose, dir, dir, scratch);
    CHECK(gs_test_sh(cmd) == 0);
    snprintf(a, sizeof(a), "analyze '%s' -o '%s_q' --events '%s/cli_sum_pd.csv'", pose, dir,
             scratch);
    CHECK_EQ_INT(run_cli(a, err, sizeof(err), out, sizeof(out)), 1);
    CHECK_STR_CONTAINS(out, "finding: Contralateral pelvic drop in right stance");
    CHECK_STR_CONTAINS(out, "the analysis did not complete: these findings rest on the strides");
    CHECK_MSG(!strstr(out, "findings not evaluated"), "listed findings said not evaluated: %s",
              out);
}

/* A failed run's summary says it failed, and why, before any number, and labels its metrics with
 * the strides they rest on: run_front_overground_01 (2.8 s, 0 left and 1 right usable stride)
 * printed cadence 61 and a 1040 ms contact bare, as if they were results. A 2 s front-view track
 * fails the same way (too few strides per side). */
static void failed_run_summary_says_so_before_its_numbers(void)
{
    const char *gen = getenv("GS_GEN_TRACK");
    char cmd[4096], a[4096], out[8192], err[4096], pose[1024], want[256];
    const char *found, *failed, *label, *first;
    int nl = -1, nr = -1;
    CHECK_MSG(gen && access(gen, X_OK) == 0, "GS_GEN_TRACK not set to gs_gen_track");
    if (!gen)
        return;
    snprintf(pose, sizeof(pose), "%s/cli_fail_pose.json", scratch);
    snprintf(cmd, sizeof(cmd),
             "rm -rf '%s/cli_fail' && '%s' -o '%s' --duration 2.0 --view front --overground",
             scratch, gen, pose);
    CHECK(gs_test_sh(cmd) == 0);
    snprintf(a, sizeof(a), "analyze '%s' -o '%s/cli_fail'", pose, scratch);
    CHECK_EQ_INT(run_cli(a, err, sizeof(err), out, sizeof(out)), 1);
    /* the stride counts as the gait stage's error gives them */
    found = strstr(err, "too few strides for statistics: found ");
    CHECK_MSG(found && sscanf(found, "too few strides for statistics: found %d left and %d right",
                              &nl, &nr) == 2,
              "not the too-few-strides error: %s", err);
    if (nl < 0 || nr < 0)
        return;
    failed = strstr(out, "gaitscope: analysis failed: ");
    snprintf(want, sizeof(want),
             "  the values below rest on the strides it had (%d left, %d right usable): "
             "incomplete, not results\n",
             nl, nr);
    label = strstr(out, want);
    first = strstr(out, "  Cadence ");
    CHECK_MSG(failed && strstr(failed, "too few strides for statistics: found"),
              "the summary does not say the run failed and why: %s", out);
    CHECK_MSG(label, "no label '%s' on the metrics: %s", want, out);
    CHECK_MSG(first, "no metrics in the summary: %s", out);
    CHECK_MSG(failed && label && first && failed < label && label < first,
              "a number before the failure and its label: %s", out);
    CHECK_STR_CONTAINS(out, "findings not evaluated: the analysis did not complete");
}

/* A real-time clip given a slow-motion factor it does not have said only "track too short: 0.80 s
 * with a person" for 8 s of video (session 15 audit: run_side_treadmill_01 with --slowmo 10);
 * now it says how the clip was read. */
static void wrong_slowmo_says_how_the_clip_was_read(void)
{
    const char *gen = getenv("GS_GEN_TRACK");
    char cmd[4096], a[4096], err[4096], pose[1024];
    CHECK_MSG(gen && access(gen, X_OK) == 0, "GS_GEN_TRACK not set to gs_gen_track");
    if (!gen)
        return;
    snprintf(pose, sizeof(pose), "%s/cli_slow_pose.json", scratch);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s/cli_slow' && '%s' -o '%s' --duration 8", scratch, gen,
             pose);
    CHECK(gs_test_sh(cmd) == 0);
    snprintf(a, sizeof(a), "analyze '%s' -o '%s/cli_slow' --slowmo 10", pose, scratch);
    CHECK_EQ_INT(run_cli(a, err, sizeof(err), NULL, 0), 1);
    CHECK_STR_CONTAINS(err, "track too short");
    CHECK_STR_CONTAINS(err, "; the clip was read as 10 times slower than real (the slow-motion "
                            "factor given): 8.0 s of video, 0.80 s of real time; check that factor");
    CHECK_EQ_INT(count_lines(err), 1);
}

static const gs_test_spec specs[] = {
    {"wrong_slowmo_says_how_the_clip_was_read", wrong_slowmo_says_how_the_clip_was_read},
    {"analyze_summary_reads_as_words", analyze_summary_reads_as_words},
    {"failed_run_summary_says_so_before_its_numbers",
     failed_run_summary_says_so_before_its_numbers},
    {"help_and_version_say_what_the_tool_is", help_and_version_say_what_the_tool_is},
    {"made_clip_is_probed", made_clip_is_probed},
    {"probe_counts_dropped_timestamps", probe_counts_dropped_timestamps},
    {"probe_names_an_unreadable_clip", probe_names_an_unreadable_clip},
    {"output_folder_problems_are_errors", output_folder_problems_are_errors},
    {"command_line_mistakes_exit_2_with_one_line", command_line_mistakes_exit_2_with_one_line},
    {"every_command_has_help_and_one_error_style", every_command_has_help_and_one_error_style},
    {"every_command_names_a_bad_input_file", every_command_names_a_bad_input_file},
    {"failed_stdout_write_is_an_error", failed_stdout_write_is_an_error},
};

int main(int argc, char **argv)
{
    if (argc > 2)
        scratch = argv[2];
    bin = getenv("GAITSCOPE_BIN");
    if (!bin || access(bin, X_OK) != 0) {
        fprintf(stderr, "test_cli: GAITSCOPE_BIN not set to the gaitscope binary\n");
        return 1;
    }
    gs_test_run_specs(specs, sizeof(specs) / sizeof(specs[0]));
    return gs_test_finish("test_cli", 0);
}
