/*
 * Installed data files (models/compensation_rules.json, models/minimal_change.json, the .tflite
 * models): one lookup for every command, with no build-tree path compiled in, so the same binary
 * works installed (cmake --install, a Debian package) and straight from a build folder.
 */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Relative path from the binary's folder to the installed data folder; CMake computes it from
 * GNUInstallDirs (CMAKE_INSTALL_BINDIR, CMAKE_INSTALL_DATADIR) so a packager's layout holds. */
#ifndef GS_INSTALL_DATA_REL
#define GS_INSTALL_DATA_REL "../share/gaitscope"
#endif

/* Folders of the source tree above the binary that are searched: a build folder inside the tree
 * puts the binary at build/src/cli/gaitscope, three levels below the tree's root. */
#define SOURCE_LEVELS 4

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* out = a/b/c (c may be NULL); 0, or -1 when it does not fit (a path that long is not used). */
static int join(char *out, size_t n, const char *a, const char *b, const char *c)
{
    int k = snprintf(out, n, "%s/%s%s%s", a, b, c ? "/" : "", c ? c : "");
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

/* Appends ", where" to the list of places tried (for the message; cut when it is full). */
static void tried_add(char *tried, size_t n, const char *where)
{
    size_t l = strlen(tried);
    if (l + 1 < n && snprintf(tried + l, n - l, "%s%s", l ? ", " : "", where) < 0)
        tried[l] = '\0';
}

gs_status gs_data_path_search(const char *rel, const char *data_dir, const char *exe_path,
                              char *buf, size_t n, gs_error *err)
{
    char path[4096], dir[4096], tried[1024] = "";

    if (!rel || !rel[0] || rel[0] == '/' || !buf || n == 0)
        return gs_fail(err, GS_ERR_ARG, "data file: invalid name '%s'", rel ? rel : "(null)");
    buf[0] = '\0';
    /* 1. $GAITSCOPE_DATA: the user's or the packager's choice wins */
    if (data_dir && data_dir[0]) {
        if (join(path, sizeof(path), data_dir, rel, NULL) == 0 && is_file(path))
            goto found;
        tried_add(tried, sizeof(tried), data_dir);
    }
    if (exe_path && exe_path[0] && strrchr(exe_path, '/')) {
        const char *slash = strrchr(exe_path, '/');
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - exe_path), exe_path);
        /* 2. installed: <prefix>/bin/gaitscope -> <prefix>/share/gaitscope/<rel> */
        if (join(path, sizeof(path), dir, GS_INSTALL_DATA_REL, rel) == 0 && is_file(path))
            goto found;
        if (join(path, sizeof(path), dir, GS_INSTALL_DATA_REL, NULL) == 0)
            tried_add(tried, sizeof(tried), path);
        /* 3. a build folder in the source tree: the first folder above the binary that holds the
         * project's CMakeLists.txt and the file */
        for (int up = 1; up <= SOURCE_LEVELS; up++) {
            char *s = strrchr(dir, '/');
            if (!s)
                break;
            *s = '\0';
            if (join(path, sizeof(path), dir, "CMakeLists.txt", NULL) != 0 || !is_file(path))
                continue;
            if (join(path, sizeof(path), dir, rel, NULL) == 0 && is_file(path))
                goto found;
            tried_add(tried, sizeof(tried), dir[0] ? dir : "/");
            break;
        }
    }
    return gs_fail(err, GS_ERR_NOT_FOUND, "%s: not found (looked in %s)", rel,
                   tried[0] ? tried : "no folder: neither $GAITSCOPE_DATA nor the binary's path");
found:
    if (strlen(path) >= n)
        return gs_fail(err, GS_ERR_ARG, "%s: path too long", path);
    memcpy(buf, path, strlen(path) + 1);
    return GS_OK;
}

gs_status gs_data_path(const char *rel, char *buf, size_t n, gs_error *err)
{
    char exe[4096];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[k > 0 ? k : 0] = '\0';
    return gs_data_path_search(rel, getenv("GAITSCOPE_DATA"), k > 0 ? exe : NULL, buf, n, err);
}
