/*
 * gaitscope common: status codes, the error type, and small helpers every stage shares.
 *
 * Every fallible public function of gaitscope returns a gs_status and fills an optional
 * gs_error with one line naming the file, the item and the offending value. Library code never
 * prints and never exits; only src/cli turns a gs_error into a message and an exit code.
 */
#ifndef GS_COMMON_H
#define GS_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Status codes: 0 success, > 0 a non-error state, < 0 an error. Values are explicit and
 * append-only (they may be stored or compared by callers). One X-macro feeds both the enum and
 * gs_strerror(), so they cannot drift apart.
 */
#define GS_STATUS_MAP(X)                                       \
    X(GS_OK, 0, "success")                                     \
    X(GS_END, 1, "end of stream")                              \
    X(GS_ERR_NOMEM, -1, "out of memory")                       \
    X(GS_ERR_IO, -2, "input/output error")                     \
    X(GS_ERR_FORMAT, -3, "invalid or unsupported data")        \
    X(GS_ERR_ARG, -4, "invalid argument")                      \
    X(GS_ERR_UNSUPPORTED, -5, "unsupported feature")           \
    X(GS_ERR_EXISTS, -6, "output exists")                      \
    X(GS_ERR_NOT_FOUND, -7, "not found")                       \
    X(GS_ERR_INTERNAL, -8, "internal error")                   \
    X(GS_ERR_NO_PERSON, -9, "no person found")                 \
    X(GS_ERR_TOO_FEW, -10, "too little data for the analysis") \
    X(GS_ERR_CANCELLED, -11, "cancelled")

typedef enum gs_status {
#define GS_X_ENUM(name, value, text) name = value,
    GS_STATUS_MAP(GS_X_ENUM)
#undef GS_X_ENUM
} gs_status;

/** An error report: the code and one line of text (no newline) naming file, item and value. */
typedef struct gs_error {
    gs_status code; /* the status that was returned with this message */
    char msg[512];  /* one line, NUL-terminated, no trailing newline */
} gs_error;

/** Static text for a status code; never NULL (unknown codes give "unknown status"). */
const char *gs_strerror(gs_status code);

/**
 * Stores code and the printf-formatted message in err (err may be NULL) and returns code, so a
 * failing function can `return gs_fail(err, GS_ERR_IO, "%s: ...", path);`.
 */
gs_status gs_fail(gs_error *err, gs_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Clears err to GS_OK with an empty message; NULL is a no-op. */
void gs_error_clear(gs_error *err);

/**
 * Limit of gs_file_read_all(), bytes: 256 MiB, ten times the largest file it reads (the heavy
 * landmark model, 27 MB). Readers of bigger files call gs_file_read_max() with their own limit.
 */
#define GS_FILE_READ_MAX_BYTES ((size_t)256 << 20)

/**
 * Reads a whole regular file of at most max_bytes into a new buffer (NUL-terminated one byte past
 * *len, for text parsers). Caller frees *data with free(). Refuses at once, before reading, a
 * path that is not a regular file (a FIFO, /dev/zero, a directory: GS_ERR_IO, the message says
 * which) and a file larger than max_bytes (GS_ERR_FORMAT, "too large", naming the size and the
 * limit). GS_ERR_IO (cannot open/read, message names the path and the OS reason),
 * GS_ERR_NOMEM; on error *data is NULL.
 */
gs_status gs_file_read_max(const char *path, size_t max_bytes, uint8_t **data, size_t *len,
                           gs_error *err);

/** gs_file_read_max() with max_bytes = GS_FILE_READ_MAX_BYTES. */
gs_status gs_file_read_all(const char *path, uint8_t **data, size_t *len, gs_error *err);

/**
 * Writes len bytes to path so that the file appears complete or not at all: the bytes go to a
 * temporary file in the same folder (created exclusively), are flushed to disk (fsync), and the
 * temporary is renamed over path. A symlink at path is replaced, never followed. Every write,
 * the fsync and the close are checked; on failure the temporary is removed and path is left as
 * it was. GS_ERR_IO with the path and the OS reason.
 */
gs_status gs_file_write_all(const char *path, const void *data, size_t len, gs_error *err);

/**
 * Streaming writes that appear complete or not at all: opens a new temporary file beside path
 * (created exclusively, never through a symlink); tmp (n bytes) receives its name. NULL and
 * GS_ERR_IO naming path on failure.
 */
FILE *gs_file_atomic_open(const char *path, char *tmp, size_t n, gs_error *err);

/**
 * Ends a gs_file_atomic_open() write: when ok and every write succeeded (ferror), flushes, fsyncs
 * and renames tmp over path (a symlink at path is replaced, not followed); otherwise, or when any
 * of that fails, removes tmp and leaves path as it was. Returns GS_OK, or GS_ERR_IO naming path
 * when ok was set but the file could not be completed; GS_OK with ok == 0 means "discarded".
 */
gs_status gs_file_atomic_close(FILE *f, const char *tmp, const char *path, int ok, gs_error *err);

/**
 * Finds an installed data file, rel being its path inside the data folder
 * ("models/compensation_rules.json"). Looks, in this order, in $GAITSCOPE_DATA; in
 * <folder of this binary>/../share/gaitscope (the installed layout; the binary from
 * /proc/self/exe); and, for a binary in a build folder of the source tree, in the first folder
 * above the binary that holds CMakeLists.txt (the tree's root). No path is compiled in.
 * buf (n bytes) receives the path. GS_OK; GS_ERR_NOT_FOUND naming rel and the folders tried;
 * GS_ERR_ARG (an empty or absolute rel, a path longer than n).
 */
gs_status gs_data_path(const char *rel, char *buf, size_t n, gs_error *err);

/**
 * gs_data_path() with the two inputs given: data_dir stands for $GAITSCOPE_DATA (NULL or "":
 * unset), exe_path for the running binary (NULL: none). For tests and for callers that know
 * better.
 */
gs_status gs_data_path_search(const char *rel, const char *data_dir, const char *exe_path,
                              char *buf, size_t n, gs_error *err);

/** 1 if path exists (any type), else 0. */
int gs_path_exists(const char *path);

/**
 * 1 if path is a regular file (symlinks followed), 0 if it exists but is not one (*kind, if not
 * NULL, then names what it is for a message: "a FIFO (named pipe)", "a directory", "a character
 * device", ...), -1 if it cannot be examined (errno says why).
 */
int gs_path_is_regular(const char *path, const char **kind);

/**
 * Creates directory path and its missing parents (mode 0777 & umask). An existing directory is
 * success. GS_ERR_IO when a component exists and is not a directory or cannot be created.
 */
gs_status gs_mkdir_p(const char *path, gs_error *err);

/**
 * Removes name (relative to dirfd, or a path with AT_FDCWD) and, when it is a folder, everything
 * in it, never following a symbolic link (fstatat AT_SYMLINK_NOFOLLOW, openat O_NOFOLLOW,
 * unlinkat; links are removed themselves), at most 16 folders deep. A missing name is success.
 * Returns 0, or -1 with errno.
 */
int gs_remove_tree_at(int dirfd, const char *name);

/** *out = a * b; returns 0 on success, -1 if the product overflows size_t. */
int gs_size_mul(size_t a, size_t b, size_t *out);

/** Median of v[0..n-1], sorting v in place (the mean of the middle two for an even n); NAN when
 * n <= 0. The values must not be NAN. */
double gs_median(double *v, int n);

/** Upper-cases s's first character in place when it is an ASCII lower-case letter (a message or
 *  a label made the start of a sentence; unlike toupper() it ignores the locale and any byte of
 *  a UTF-8 sequence). NULL and "" are no-ops. */
void gs_str_capitalize(char *s);

/** A finding's title for a line of its own (the command line's summary, an overlay banner):
 *  the title, with " (left)" / " (right)" added only when side is one of those and the title does
 *  not name it already as a word (the rules' titles say "on the {side}"; a rule file of one's own
 *  may not); "both" or no side adds nothing. Cut at n - 1 bytes; returns dst. */
const char *gs_finding_label(char *dst, size_t n, const char *title, const char *side);

/** Monotonic clock in seconds (for progress and benchmarks, never for media time). */
double gs_now_s(void);

/**
 * CPU time consumed so far by the calling thread, seconds (CLOCK_THREAD_CPUTIME_ID), 0 if the
 * clock is unavailable. Unlike wall time it does not grow while the thread waits for a core, so
 * a stage's cost measured with it stays meaningful on a shared, loaded machine.
 */
double gs_thread_cpu_s(void);

/** CPU time consumed so far by all threads of the process, seconds (0 if unavailable). */
double gs_process_cpu_s(void);

/** Peak resident set size of this process in bytes (Linux getrusage), 0 if unknown. */
size_t gs_peak_rss_bytes(void);

/**
 * Progress callback: stage names the work ("decode", "inference", ...), done and total count
 * units of it (total 0 = unknown). Called from the thread doing the work; user is the pointer
 * given alongside the callback. Library code reports progress only through this. Returns 0 to go
 * on; non-zero asks the work to stop, which it does at its next check (within about a second)
 * returning GS_ERR_CANCELLED.
 */
typedef int (*gs_progress_fn)(void *user, const char *stage, int64_t done, int64_t total);

/* ---- output folders (outdir.c): every output complete or absent, runs that never block ---- */

/** Name of the manifest a run writes first into its output folder. */
#define GS_OUTDIR_MANIFEST ".gaitscope-run"

/**
 * An output folder being written by one run (opaque). The policy (README "Outputs"):
 * - the run first writes DIR/.gaitscope-run listing the outputs it will write;
 * - an existing file at an output name is replaced only when an earlier gaitscope run listed it
 *   in its .gaitscope-run, or with force; anything else the user put there is refused;
 * - outputs are written into a staging folder inside DIR (same file system) and renamed into
 *   place one by one when the run commits them: each appears complete or not at all, and a
 *   symlink at an output name is replaced, never followed;
 * - the caller commits its status file (analysis.json) last, so a folder is complete exactly when
 *   that file says so. Outputs of an earlier run that this run does not write are removed at open,
 *   and so is the earlier status file, so a killed run never leaves a folder that looks complete.
 */
typedef struct gs_outdir gs_outdir;

/**
 * Opens dir (created with its parents) for a run named command ("analyze", ...) that will write
 * the n relative output names of outputs ("report.html", "keyframes/left_ic.png"; at most one
 * folder level). Removes staging folders left by runs that no longer exist. Caller frees *out
 * with gs_outdir_close(). GS_ERR_EXISTS when an output name holds a file no gaitscope run wrote
 * (the message names it) and force is 0, or when a folder on an output path is a symlink;
 * GS_ERR_IO, GS_ERR_ARG (a name with "..", an absolute name), GS_ERR_NOMEM.
 */
gs_status gs_outdir_open(const char *dir, const char *command, const char *const *outputs,
                         size_t n, int force, gs_outdir **out, gs_error *err);

/**
 * Path where the run writes output name before committing it (inside the staging folder; the
 * folder of a "sub/name" output is created). buf gets the path. GS_ERR_ARG (name not declared
 * at open, path too long), GS_ERR_IO.
 */
gs_status gs_outdir_stage(gs_outdir *o, const char *name, char *buf, size_t n, gs_error *err);

/**
 * Moves the staged output name into place (fsync, then rename). A name that was declared but
 * never staged is an error: GS_ERR_NOT_FOUND; GS_ERR_IO.
 */
gs_status gs_outdir_commit(gs_outdir *o, const char *name, gs_error *err);

/** 1 when output name has a staged file waiting to be committed. */
int gs_outdir_staged(const gs_outdir *o, const char *name);

/** Final path of output name in the folder (buf; "" when it does not fit). */
void gs_outdir_final(const gs_outdir *o, const char *name, char *buf, size_t n);

/** The folder. Valid while o lives. */
const char *gs_outdir_dir(const gs_outdir *o);

/**
 * Removes the staging folder (and what was never committed) and frees *o; sets it NULL. NULL is a
 * no-op. The manifest stays: it tells the next run which files are gaitscope's.
 */
void gs_outdir_close(gs_outdir **o);

#define GS_PI 3.14159265358979323846

#ifdef __cplusplus
}
#endif
#endif /* GS_COMMON_H */
