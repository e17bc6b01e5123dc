/*
 * Minimal test helpers (header-only): checks that print file:line, both values and the
 * tolerance, a failure counter, and the ../shared skip convention (exit 77, SKIP_RETURN_CODE).
 */
#ifndef GS_TEST_H
#define GS_TEST_H

#undef NDEBUG /* asserts stay on in tests (STYLE.md rule 16) */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int gs_test__failures;
static int gs_test__checks;

static inline int gs_test_failures(void)
{
    return gs_test__failures;
}

#define CHECK(cond)                                                                  \
    do {                                                                             \
        gs_test__checks++;                                                           \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            gs_test__failures++;                                                     \
        }                                                                            \
    } while (0)

#define CHECK_MSG(cond, ...)                                                         \
    do {                                                                             \
        gs_test__checks++;                                                           \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                            \
            fputc('\n', stderr);                                                     \
            gs_test__failures++;                                                     \
        }                                                                            \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                   \
    do {                                                                                     \
        long long gs__a = (long long)(a), gs__b = (long long)(b);                            \
        gs_test__checks++;                                                                   \
        if (gs__a != gs__b) {                                                                \
            fprintf(stderr, "%s:%d: CHECK_EQ_INT failed: %s = %lld, %s = %lld\n", __FILE__, \
                    __LINE__, #a, gs__a, #b, gs__b);                                         \
            gs_test__failures++;                                                             \
        }                                                                                    \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                               \
    do {                                                                                    \
        double gs__a = (double)(a), gs__b = (double)(b), gs__t = (double)(tol);             \
        gs_test__checks++;                                                                  \
        if (!(fabs(gs__a - gs__b) <= gs__t)) {                                              \
            fprintf(stderr, "%s:%d: CHECK_NEAR failed: %s = %.9g, %s = %.9g, tol %.3g\n", \
                    __FILE__, __LINE__, #a, gs__a, #b, gs__b, gs__t);                       \
            gs_test__failures++;                                                            \
        }                                                                                   \
    } while (0)

#define CHECK_STR_CONTAINS(hay, needle)                                                   \
    do {                                                                                  \
        const char *gs__h = (hay), *gs__n = (needle);                                     \
        gs_test__checks++;                                                                \
        if (!gs__h || !strstr(gs__h, gs__n)) {                                            \
            fprintf(stderr, "%s:%d: CHECK_STR_CONTAINS failed: '%s' does not contain '%s'\n", \
                    __FILE__, __LINE__, gs__h ? gs__h : "(null)", gs__n);                 \
            gs_test__failures++;                                                          \
        }                                                                                 \
    } while (0)

static inline int gs_test_dir_exists(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The whole file as a NUL-terminated string (caller frees); NULL if it cannot be read. */
static inline char *gs_test_read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *s = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (s = malloc((size_t)n + 1)) != NULL) {
        if (fread(s, 1, (size_t)n, f) == (size_t)n) {
            s[n] = '\0';
        } else {
            free(s);
            s = NULL;
        }
    }
    fclose(f);
    return s;
}

/* Up to cap - 1 bytes of the file into buf, NUL-terminated ("" when it cannot be read). */
static inline void gs_test_read_into(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
}

/* Runs cmd through the shell: its exit status, 128 + the signal that ended it, or -1 when it
 * could not be run. */
static inline int gs_test_sh(const char *cmd)
{
    int st = system(cmd);
    if (st == -1)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* One named check of a test written as a spec: main() runs a table of them in order. */
typedef struct gs_test_spec {
    const char *name; /* reads as a sentence: "probe_names_an_unreadable_file" */
    void (*run)(void);
} gs_test_spec;

/* Runs the specs in order, printing each name with the failures it added. */
static inline void gs_test_run_specs(const gs_test_spec *specs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int before = gs_test__failures;
        specs[i].run();
        fprintf(stderr, "%s: %s\n", specs[i].name,
                gs_test__failures == before ? "ok" : "FAILED");
    }
}

/* Prints the closing summary and returns the process exit code (skipped: 77 if nothing failed). */
static inline int gs_test_finish(const char *name, int skipped)
{
    fprintf(stderr, "%s: %d checks, %d failed%s\n", name, gs_test__checks, gs_test__failures,
            skipped ? " (shared-data checks skipped)" : "");
    if (gs_test__failures)
        return 1;
    return skipped ? 77 : 0;
}

#endif /* GS_TEST_H */
