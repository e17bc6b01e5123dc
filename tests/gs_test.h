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
#include <string.h>
#include <sys/stat.h>

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
