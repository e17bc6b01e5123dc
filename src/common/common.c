/* gaitscope common helpers: status text, error formatting, whole-file I/O, paths, clocks. */
#include "common.h"

#include <dirent.h>
#include <errno.h>
#include <ctype.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *gs_strerror(gs_status code)
{
    switch (code) {
#define GS_X_CASE(name, value, text) \
    case name:                       \
        return text;
        GS_STATUS_MAP(GS_X_CASE)
#undef GS_X_CASE
    }
    return "unknown status";
}

gs_status gs_fail(gs_error *err, gs_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
        /* Keep the message on one line whatever the caller formatted into it. */
        for (char *p = err->msg; *p; p++)
            if (*p == '\n' || *p == '\r')
                *p = ' ';
        err->code = code;
    }
    return code;
}

void gs_error_clear(gs_error *err)
{
    if (err) {
        err->code = GS_OK;
        err->msg[0] = '\0';
    }
}

/* What a non-regular file is, for the refusal message. */
static const char *file_kind(mode_t m)
{
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISFIFO(m))
        return "a FIFO (named pipe)";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    if (S_ISSOCK(m))
        return "a socket";
    return "not a regular file";
}

gs_status gs_file_read_max(const char *path, size_t max_bytes, uint8_t **data, size_t *len,
                           gs_error *err)
{
    gs_status rc = GS_OK;
    int fd = -1;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    struct stat st;

    *data = NULL;
    *len = 0;
    /* O_NONBLOCK so that opening a FIFO with no writer returns at once instead of waiting for
     * one; the descriptor is refused below before any read. */
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return gs_fail(err, GS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0) {
        rc = gs_fail(err, GS_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
        goto fail;
    }
    /* Only regular files: /dev/zero never ends (it grew the buffer to 4 GB), a FIFO or a socket
     * can stall forever, and none of them is a file a user means to analyse. */
    if (!S_ISREG(st.st_mode)) {
        rc = gs_fail(err, GS_ERR_IO, "%s: is %s, not a regular file", path, file_kind(st.st_mode));
        goto fail;
    }
    if ((uint64_t)st.st_size > (uint64_t)max_bytes) {
        rc = gs_fail(err, GS_ERR_FORMAT, "%s: too large (%lld bytes, the limit is %zu bytes)", path,
                     (long long)st.st_size, max_bytes);
        goto fail;
    }
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
        rc = gs_fail(err, GS_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
        goto fail;
    }
    /* The size from fstat sets the first allocation; the loop still checks the end of file and
     * the limit, as the file may change while it is read. */
    cap = (size_t)st.st_size + 1;
    buf = malloc(cap);
    if (!buf) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory reading %zu bytes", path, cap - 1);
        goto fail;
    }
    for (;;) {
        ssize_t got;
        if (n + 1 >= cap) {
            /* Full: one byte more tells the end of the file from growth, without doubling the
             * buffer for a file that was exactly as large as fstat said. */
            uint8_t probe;
            got = read(fd, &probe, 1);
            if (got < 0 && errno == EINTR)
                continue;
            if (got < 0) {
                rc = gs_fail(err, GS_ERR_IO, "%s: read error: %s", path, strerror(errno));
                goto fail;
            }
            if (got == 0)
                break;
            if (n + 1 > max_bytes) {
                rc = gs_fail(err, GS_ERR_FORMAT,
                             "%s: too large (more than %zu bytes, the limit; it grew while read)",
                             path, max_bytes);
                goto fail;
            }
            size_t ncap = cap < max_bytes / 2 ? cap * 2 : max_bytes + 1;
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) {
                rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory reading file", path);
                goto fail;
            }
            buf = nb;
            cap = ncap;
            buf[n++] = probe;
            continue;
        }
        got = read(fd, buf + n, cap - n - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = gs_fail(err, GS_ERR_IO, "%s: read error: %s", path, strerror(errno));
            goto fail;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    buf[n] = '\0';
    close(fd);
    *data = buf;
    *len = n;
    return GS_OK;
fail:
    free(buf);
    close(fd);
    return rc;
}

gs_status gs_file_read_all(const char *path, uint8_t **data, size_t *len, gs_error *err)
{
    return gs_file_read_max(path, GS_FILE_READ_MAX_BYTES, data, len, err);
}

gs_status gs_file_write_all(const char *path, const void *data, size_t len, gs_error *err)
{
    char tmp[4200];
    int k = snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid());
    if (k < 0 || (size_t)k >= sizeof(tmp))
        return gs_fail(err, GS_ERR_ARG, "%s: path too long", path);
    /* O_EXCL|O_NOFOLLOW: a file or link planted at the temporary name is never written through */
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0)
        return gs_fail(err, GS_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    const uint8_t *p = data;
    size_t left = len;
    int werr = 0;
    while (left > 0 && !werr) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            werr = w < 0 ? errno : EIO;
        else {
            p += w;
            left -= (size_t)w;
        }
    }
    if (!werr && fsync(fd) != 0)
        werr = errno;
    if (close(fd) != 0 && !werr)
        werr = errno ? errno : EIO;
    if (!werr && rename(tmp, path) != 0)
        werr = errno;
    if (werr) {
        unlink(tmp);
        return gs_fail(err, GS_ERR_IO, "%s: write failed: %s", path, strerror(werr));
    }
    return GS_OK;
}

FILE *gs_file_atomic_open(const char *path, char *tmp, size_t n, gs_error *err)
{
    int k = snprintf(tmp, n, "%s.tmp-%ld", path, (long)getpid());
    if (k < 0 || (size_t)k >= n) {
        gs_fail(err, GS_ERR_ARG, "%s: path too long", path);
        return NULL;
    }
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        gs_fail(err, GS_ERR_IO, "%s: cannot create: %s", path, strerror(e));
    }
    return f;
}

gs_status gs_file_atomic_close(FILE *f, const char *tmp, const char *path, int ok, gs_error *err)
{
    int e = 0;
    if (!f)
        return gs_fail(err, GS_ERR_ARG, "%s: no file", path);
    if (ok && (fflush(f) != 0 || ferror(f)))
        e = errno ? errno : EIO;
    if (ok && !e && fsync(fileno(f)) != 0)
        e = errno;
    if (fclose(f) != 0 && ok && !e)
        e = errno ? errno : EIO;
    if (ok && !e && rename(tmp, path) != 0)
        e = errno;
    if (!ok || e) {
        unlink(tmp);
        if (ok)
            return gs_fail(err, GS_ERR_IO, "%s: write failed: %s", path, strerror(e));
    }
    return GS_OK;
}

int gs_path_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static int remove_tree_at(int dirfd, const char *name, int depth)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? 0 : -1;
    if (S_ISDIR(st.st_mode) && depth < 16) {
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return -1;
        DIR *d = fdopendir(fd);
        if (!d) {
            close(fd);
            return -1;
        }
        struct dirent *e;
        int rc = 0;
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
                remove_tree_at(fd, e->d_name, depth + 1) != 0)
                rc = -1;
        closedir(d);
        if (rc != 0)
            return -1;
        return unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT ? 0 : -1;
    }
    return unlinkat(dirfd, name, 0) == 0 || errno == ENOENT ? 0 : -1;
}

int gs_remove_tree_at(int dirfd, const char *name)
{
    return remove_tree_at(dirfd, name, 0);
}

int gs_path_is_regular(const char *path, const char **kind)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    if (S_ISREG(st.st_mode))
        return 1;
    if (kind)
        *kind = file_kind(st.st_mode);
    return 0;
}

gs_status gs_mkdir_p(const char *path, gs_error *err)
{
    char buf[4096];
    size_t n = strlen(path);
    struct stat st;

    if (n == 0 || n >= sizeof(buf))
        return gs_fail(err, GS_ERR_ARG, "%s: invalid directory path", path);
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char c = buf[i];
        buf[i] = '\0';
        if (stat(buf, &st) != 0) {
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return gs_fail(err, GS_ERR_IO, "%s: cannot create directory: %s", path,
                               strerror(errno));
        } else if (!S_ISDIR(st.st_mode)) {
            return gs_fail(err, GS_ERR_IO, "%s: %s exists and is not a directory", path, buf);
        }
        buf[i] = c;
    }
    return GS_OK;
}

int gs_size_mul(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return -1;
    *out = a * b;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double gs_median(double *v, int n)
{
    if (n <= 0)
        return NAN;
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void gs_str_capitalize(char *s)
{
    if (s && s[0] >= 'a' && s[0] <= 'z')
        s[0] = (char)(s[0] - 'a' + 'A');
}

/* 1 when word occurs in s as a whole word, letters compared without case */
static int has_word(const char *s, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = s; n > 0 && *p; p++) {
        int starts = p == s || !isalpha((unsigned char)p[-1]);
        if (starts && strncasecmp(p, word, n) == 0 && !isalpha((unsigned char)p[n]))
            return 1;
    }
    return 0;
}

const char *gs_finding_label(char *dst, size_t n, const char *title, const char *side)
{
    if (!dst || n == 0)
        return dst;
    if (!title)
        title = "";
    if (side && (!strcmp(side, "left") || !strcmp(side, "right")) && !has_word(title, side))
        snprintf(dst, n, "%s (%s)", title, side);
    else
        snprintf(dst, n, "%s", title);
    return dst;
}

double gs_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double gs_thread_cpu_s(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double gs_process_cpu_s(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

size_t gs_peak_rss_bytes(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (size_t)ru.ru_maxrss * 1024u; /* Linux reports kilobytes */
}
