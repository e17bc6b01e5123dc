/*
 * Output folders: one policy for every command (common.h "output folders", README "Outputs").
 *
 * Why a staging folder inside DIR rather than a temporary name per file: the writers (FFmpeg's
 * muxer, PNG, CSV, HTML) each open their own path; giving them a path inside DIR/.gaitscope-
 * staging-PID keeps them unchanged, and rename(2) from there into DIR is atomic because both are
 * on the same file system. rename() replaces a symlink at the target instead of following it.
 *
 * The manifest is plain text, one item per line, so that this module needs no JSON parser:
 *     gaitscope-run 1
 *     command analyze
 *     pid 1234
 *     output analysis.json
 *     ...
 */
#include "common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define STAGING_PREFIX ".gaitscope-staging-"
#define MANIFEST_MAX   (1u << 20) /* an earlier run's manifest is a few hundred bytes */
#define PATH_N         4200

struct gs_outdir {
    char dir[4096];
    char stage[PATH_N];
    char **names;
    size_t n;
    unsigned char *staged; /* per name: 1 after gs_outdir_stage() */
};

static int join(char *buf, size_t n, const char *a, const char *b)
{
    int k = snprintf(buf, n, "%s/%s", a, b);
    return k >= 0 && (size_t)k < n ? 0 : -1;
}

/* A relative output name: no "..", not absolute, not hidden, at most one folder level. */
static int name_ok(const char *s)
{
    const char *slash = strchr(s, '/');
    if (!s[0] || s[0] == '/' || s[0] == '.' || strstr(s, "..") || strchr(s, '\\'))
        return 0;
    if (slash && (strchr(slash + 1, '/') || slash[1] == '\0' || slash[1] == '.'))
        return 0;
    return 1;
}

/* Removes path and, when it is a real folder, what it holds (depth-limited; never follows links). */
static void remove_tree(const char *path, int depth)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode) && depth > 0) {
        DIR *d = opendir(path);
        struct dirent *e;
        char sub[PATH_N];
        while (d && (e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            if (join(sub, sizeof(sub), path, e->d_name) == 0)
                remove_tree(sub, depth - 1);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* Staging folders whose run is gone (killed, crashed) are removed; live ones are left alone. */
static void remove_stale_staging(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char sub[PATH_N];
    size_t pl = strlen(STAGING_PREFIX);
    while (d && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, STAGING_PREFIX, pl) != 0)
            continue;
        char *end = NULL;
        long pid = strtol(e->d_name + pl, &end, 10);
        if (end == e->d_name + pl || *end != '\0' || pid <= 0)
            continue;
        if (pid != (long)getpid() && kill((pid_t)pid, 0) == 0)
            continue; /* a run in progress */
        if (join(sub, sizeof(sub), dir, e->d_name) == 0)
            remove_tree(sub, 3);
    }
    if (d)
        closedir(d);
}

/* The output names an earlier run listed (new array of strings), or none. */
static void read_manifest(const char *dir, char ***names, size_t *n)
{
    char path[PATH_N], line[1200];
    *names = NULL;
    *n = 0;
    if (join(path, sizeof(path), dir, GS_OUTDIR_MANIFEST) != 0)
        return;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat st;
    FILE *f = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > MANIFEST_MAX ||
        !(f = fdopen(fd, "r"))) {
        close(fd);
        return;
    }
    int first = 1;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (first) {
            first = 0;
            if (strcmp(line, "gaitscope-run 1") != 0)
                break; /* not ours: trust nothing in it */
            continue;
        }
        if (strncmp(line, "output ", 7) != 0 || !name_ok(line + 7))
            continue;
        char **nn = realloc(*names, sizeof(char *) * (*n + 1));
        if (!nn)
            break;
        *names = nn;
        if (((*names)[*n] = strdup(line + 7)) != NULL)
            (*n)++;
    }
    fclose(f);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static int listed(char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], s))
            return 1;
    return 0;
}

/* The folder part of "sub/name" checked: absent, or a real folder (never a symlink). */
static gs_status check_subdir(const char *dir, const char *name, int force, gs_error *err)
{
    const char *slash = strchr(name, '/');
    char sub[PATH_N], path[PATH_N];
    struct stat st;
    if (!slash)
        return GS_OK;
    snprintf(sub, sizeof(sub), "%.*s", (int)(slash - name), name);
    if (join(path, sizeof(path), dir, sub) != 0)
        return gs_fail(err, GS_ERR_ARG, "%s: path too long", dir);
    if (lstat(path, &st) != 0 || S_ISDIR(st.st_mode))
        return GS_OK;
    if (!force)
        return gs_fail(err, GS_ERR_EXISTS,
                       "%s: exists and is not a folder gaitscope made (use --force to replace it)",
                       path);
    if (unlink(path) != 0)
        return gs_fail(err, GS_ERR_IO, "%s: cannot remove: %s", path, strerror(errno));
    return GS_OK;
}

gs_status gs_outdir_open(const char *dir, const char *command, const char *const *outputs,
                         size_t n, int force, gs_outdir **out, gs_error *err)
{
    gs_status rc = GS_OK;
    gs_outdir *o = NULL;
    char **old = NULL, path[PATH_N], *man = NULL;
    size_t n_old = 0, man_len = 0, man_cap = 0;
    struct stat st;

    *out = NULL;
    if (!dir || !dir[0] || strlen(dir) >= sizeof(o->dir) - 64)
        return gs_fail(err, GS_ERR_ARG, "%s: invalid output folder", dir ? dir : "(null)");
    for (size_t i = 0; i < n; i++)
        if (!outputs[i] || !name_ok(outputs[i]))
            return gs_fail(err, GS_ERR_ARG, "%s: invalid output name '%s'", dir,
                           outputs[i] ? outputs[i] : "(null)");
    if ((rc = gs_mkdir_p(dir, err)) != GS_OK)
        return rc;
    o = calloc(1, sizeof(*o));
    if (!o || !(o->names = calloc(n ? n : 1, sizeof(char *))) ||
        !(o->staged = calloc(n ? n : 1, 1))) {
        rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", dir);
        goto fail;
    }
    snprintf(o->dir, sizeof(o->dir), "%s", dir);
    for (size_t i = 0; i < n; i++) {
        if (!(o->names[i] = strdup(outputs[i]))) {
            rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", dir);
            goto fail;
        }
        o->n = i + 1;
    }
    remove_stale_staging(dir);
    read_manifest(dir, &old, &n_old);

    /* 1. refuse before touching anything: foreign files at our names, links on our folders */
    for (size_t i = 0; i < n; i++) {
        if ((rc = check_subdir(dir, outputs[i], force, err)) != GS_OK)
            goto fail;
        if (join(path, sizeof(path), dir, outputs[i]) != 0) {
            rc = gs_fail(err, GS_ERR_ARG, "%s: path too long", dir);
            goto fail;
        }
        if (lstat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            rc = gs_fail(err, GS_ERR_EXISTS, "%s: is a folder where an output file goes", path);
            goto fail;
        }
        if (!force && !listed(old, n_old, outputs[i])) {
            rc = gs_fail(err, GS_ERR_EXISTS,
                         "%s: exists and was not written by gaitscope (use --force to replace it)",
                         path);
            goto fail;
        }
    }
    /* 2. an earlier run's outputs go, so the folder never mixes two runs nor looks complete */
    for (size_t i = 0; i < n_old; i++)
        if (join(path, sizeof(path), dir, old[i]) == 0 && lstat(path, &st) == 0 &&
            !S_ISDIR(st.st_mode))
            unlink(path);
    /* 3. the manifest first, then the staging folder */
    for (size_t i = 0; i < n + 3; i++) {
        char line[1200];
        int k = i == 0   ? snprintf(line, sizeof(line), "gaitscope-run 1\n")
                : i == 1 ? snprintf(line, sizeof(line), "command %s\n", command ? command : "")
                : i == 2 ? snprintf(line, sizeof(line), "pid %ld\n", (long)getpid())
                         : snprintf(line, sizeof(line), "output %s\n", outputs[i - 3]);
        if (k < 0 || (size_t)k >= sizeof(line))
            continue;
        if (man_len + (size_t)k + 1 > man_cap) {
            size_t nc = (man_cap + (size_t)k + 1) * 2;
            char *nm = realloc(man, nc);
            if (!nm) {
                rc = gs_fail(err, GS_ERR_NOMEM, "%s: out of memory", dir);
                goto fail;
            }
            man = nm;
            man_cap = nc;
        }
        memcpy(man + man_len, line, (size_t)k + 1);
        man_len += (size_t)k;
    }
    if (join(path, sizeof(path), dir, GS_OUTDIR_MANIFEST) != 0 ||
        (rc = gs_file_write_all(path, man ? man : "", man_len, err)) != GS_OK)
        goto fail;
    snprintf(o->stage, sizeof(o->stage), "%s/%s%ld", dir, STAGING_PREFIX, (long)getpid());
    remove_tree(o->stage, 3);
    if (mkdir(o->stage, 0700) != 0) {
        rc = gs_fail(err, GS_ERR_IO, "%s: cannot create: %s", o->stage, strerror(errno));
        o->stage[0] = '\0';
        goto fail;
    }
    free(man);
    free_names(old, n_old);
    *out = o;
    return GS_OK;
fail:
    free(man);
    free_names(old, n_old);
    gs_outdir_close(&o);
    return rc;
}

static long find(const gs_outdir *o, const char *name)
{
    for (size_t i = 0; o && name && i < o->n; i++)
        if (!strcmp(o->names[i], name))
            return (long)i;
    return -1;
}

gs_status gs_outdir_stage(gs_outdir *o, const char *name, char *buf, size_t n, gs_error *err)
{
    long i = find(o, name);
    if (i < 0)
        return gs_fail(err, GS_ERR_ARG, "%s: output '%s' was not declared", o ? o->dir : "",
                       name ? name : "(null)");
    if (join(buf, n, o->stage, name) != 0)
        return gs_fail(err, GS_ERR_ARG, "%s/%s: path too long", o->dir, name);
    const char *slash = strchr(name, '/');
    if (slash) {
        char sub[PATH_N];
        snprintf(sub, sizeof(sub), "%s", buf);
        sub[strlen(o->stage) + 1 + (size_t)(slash - name)] = '\0';
        if (mkdir(sub, 0700) != 0 && errno != EEXIST)
            return gs_fail(err, GS_ERR_IO, "%s: cannot create: %s", sub, strerror(errno));
    }
    unlink(buf);
    o->staged[i] = 1;
    return GS_OK;
}

int gs_outdir_staged(const gs_outdir *o, const char *name)
{
    char path[PATH_N];
    struct stat st;
    long i = find(o, name);
    return i >= 0 && o->staged[i] && join(path, sizeof(path), o->stage, name) == 0 &&
           lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int fsync_path(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    if (close(fd) != 0)
        r = -1;
    return r;
}

gs_status gs_outdir_commit(gs_outdir *o, const char *name, gs_error *err)
{
    char from[PATH_N], to[PATH_N];
    struct stat st;
    long i = find(o, name);
    if (i < 0)
        return gs_fail(err, GS_ERR_ARG, "%s: output '%s' was not declared", o ? o->dir : "",
                       name ? name : "(null)");
    if (join(from, sizeof(from), o->stage, name) != 0 || join(to, sizeof(to), o->dir, name) != 0)
        return gs_fail(err, GS_ERR_ARG, "%s/%s: path too long", o->dir, name);
    if (lstat(from, &st) != 0 || !S_ISREG(st.st_mode))
        return gs_fail(err, GS_ERR_NOT_FOUND, "%s: was not written", to);
    if (fsync_path(from, O_RDONLY) != 0)
        return gs_fail(err, GS_ERR_IO, "%s: cannot flush: %s", to, strerror(errno));
    const char *slash = strchr(name, '/');
    if (slash) {
        char sub[PATH_N];
        if (join(sub, sizeof(sub), o->dir, name) != 0)
            return gs_fail(err, GS_ERR_ARG, "%s/%s: path too long", o->dir, name);
        sub[strlen(o->dir) + 1 + (size_t)(slash - name)] = '\0';
        if (lstat(sub, &st) != 0) {
            if (mkdir(sub, 0777) != 0 && errno != EEXIST)
                return gs_fail(err, GS_ERR_IO, "%s: cannot create: %s", sub, strerror(errno));
        } else if (!S_ISDIR(st.st_mode)) {
            return gs_fail(err, GS_ERR_EXISTS, "%s: is not a folder", sub);
        }
    }
    if (rename(from, to) != 0)
        return gs_fail(err, GS_ERR_IO, "%s: cannot move into place: %s", to, strerror(errno));
    fsync_path(o->dir, O_RDONLY | O_DIRECTORY); /* best effort: the rename itself is durable */
    o->staged[i] = 0;
    return GS_OK;
}

void gs_outdir_final(const gs_outdir *o, const char *name, char *buf, size_t n)
{
    if (n > 0 && join(buf, n, o->dir, name) != 0)
        buf[0] = '\0';
}

const char *gs_outdir_dir(const gs_outdir *o)
{
    return o->dir;
}

void gs_outdir_close(gs_outdir **p)
{
    gs_outdir *o = p ? *p : NULL;
    if (!o)
        return;
    if (o->stage[0])
        remove_tree(o->stage, 3);
    free_names(o->names, o->n);
    free(o->staged);
    free(o);
    *p = NULL;
}
