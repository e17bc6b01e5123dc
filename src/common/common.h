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

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Status codes: 0 success, > 0 a non-error state, < 0 an error. Values are explicit and
 * append-only (they may be stored or compared by callers). One X-macro feeds both the enum and
 * gs_strerror(), so they cannot drift apart.
 */
#define GS_STATUS_MAP(X)                                      \
    X(GS_OK, 0, "success")                                    \
    X(GS_END, 1, "end of stream")                             \
    X(GS_ERR_NOMEM, -1, "out of memory")                      \
    X(GS_ERR_IO, -2, "input/output error")                    \
    X(GS_ERR_FORMAT, -3, "invalid or unsupported data")       \
    X(GS_ERR_ARG, -4, "invalid argument")                     \
    X(GS_ERR_UNSUPPORTED, -5, "unsupported feature")          \
    X(GS_ERR_EXISTS, -6, "output exists (use --force)")       \
    X(GS_ERR_NOT_FOUND, -7, "not found")                      \
    X(GS_ERR_INTERNAL, -8, "internal error")                  \
    X(GS_ERR_NO_PERSON, -9, "no person found")                \
    X(GS_ERR_TOO_FEW, -10, "too little data for the analysis")

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
 * Reads a whole file into a new buffer (NUL-terminated one byte past *len, for text parsers).
 * Caller frees *data with free(). GS_ERR_IO (cannot open/read, message names the path and the
 * OS reason), GS_ERR_NOMEM; on error *data is NULL.
 */
gs_status gs_file_read_all(const char *path, uint8_t **data, size_t *len, gs_error *err);

/**
 * Writes len bytes to path (created or truncated), checking every write and the close.
 * GS_ERR_IO with the path and the OS reason.
 */
gs_status gs_file_write_all(const char *path, const void *data, size_t len, gs_error *err);

/** 1 if path exists (any type), else 0. */
int gs_path_exists(const char *path);

/**
 * Creates directory path and its missing parents (mode 0777 & umask). An existing directory is
 * success. GS_ERR_IO when a component exists and is not a directory or cannot be created.
 */
gs_status gs_mkdir_p(const char *path, gs_error *err);

/** *out = a * b; returns 0 on success, -1 if the product overflows size_t. */
int gs_size_mul(size_t a, size_t b, size_t *out);

/** Monotonic clock in seconds (for progress and benchmarks, never for media time). */
double gs_now_s(void);

/** Peak resident set size of this process in bytes (Linux getrusage), 0 if unknown. */
size_t gs_peak_rss_bytes(void);

/**
 * Progress callback: stage names the work ("decode", "inference", ...), done and total count
 * units of it (total 0 = unknown). Called from the thread doing the work; user is the pointer
 * given alongside the callback. Library code reports progress only through this.
 */
typedef void (*gs_progress_fn)(void *user, const char *stage, int64_t done, int64_t total);

#define GS_PI 3.14159265358979323846

#ifdef __cplusplus
}
#endif
#endif /* GS_COMMON_H */
