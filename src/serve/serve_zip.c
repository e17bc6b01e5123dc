/*
 * gaitscope serve: zip downloads (a session's files; an athlete's export) with libzip.
 *
 * Bounded memory: libzip writes the archive to a temporary file (it builds DIR/tmp/zip-XXXXXX
 * beside the name we give and renames it at zip_close), reading each member file from disk
 * while it writes, one at a time (zip_source_file opens a file only while its entry is written),
 * so a export of many sessions holds one deflate stream and one small buffer per text member
 * (the NKT record, the session's details) in memory, never the videos. The finished file is
 * opened, unlinked at once and sent from its descriptor (libmicrohttpd reads it as the client
 * takes it), so nothing is left in DIR/tmp once the answer is sent, and the start-up sweep of
 * DIR/tmp removes what a killed server left.
 *
 * Members already compressed (H.264 clips, PNG key frames) are stored, not deflated again: that
 * saves the CPU and gains nothing (deflate cannot shrink entropy-coded data).
 */
#define _GNU_SOURCE /* mkstemps */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zip.h>

#include "serve_zip.h"

struct gs_serve__zip {
    zip_t *za;
    char path[PATH_MAX]; /* the archive's name in DIR/tmp */
    int n;               /* members added */
    uint64_t bound;      /* gs_serve__zip_bound() */
};

/* A member's local header and central directory entry (30 + 46 bytes and the name twice) and
 * the ZIP64 extra fields and data descriptor libzip may add, with room to spare (APPNOTE.TXT
 * 4.3.7, 4.3.12, 4.5.3); and the end records (22, ZIP64: 56 + 20). */
#define MEMBER_OVERHEAD 192
#define END_OVERHEAD    128

static gs_status zfail(gs_serve__zip *z, gs_error *err, const char *what)
{
    return gs_fail(err, GS_ERR_IO, "zip: %s: %s", what,
                   z && z->za ? zip_strerror(z->za) : strerror(errno));
}

gs_status gs_serve__zip_open(const char *tmp_dir, gs_serve__zip **out, gs_error *err)
{
    gs_serve__zip *z = calloc(1, sizeof(*z));
    int fd, zerr = 0;
    *out = NULL;
    if (!z)
        return gs_fail(err, GS_ERR_NOMEM, "zip: out of memory");
    /* A fresh unique name (mkstemps makes it, libzip then replaces it with ZIP_TRUNCATE). */
    if (snprintf(z->path, sizeof(z->path), "%s/zip-XXXXXX.zip", tmp_dir) >= (int)sizeof(z->path)) {
        free(z);
        return gs_fail(err, GS_ERR_ARG, "zip: the data folder path is too long");
    }
    fd = mkstemps(z->path, 4);
    if (fd < 0) {
        free(z);
        return gs_fail(err, GS_ERR_IO, "zip: cannot create a temporary file: %s", strerror(errno));
    }
    close(fd);
    z->za = zip_open(z->path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (!z->za) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        gs_fail(err, GS_ERR_IO, "zip: cannot start the archive: %s", zip_error_strerror(&ze));
        zip_error_fini(&ze);
        unlink(z->path);
        free(z);
        return GS_ERR_IO;
    }
    z->bound = END_OVERHEAD;
    *out = z;
    return GS_OK;
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

/* Adds the source of size bytes as member name (taken over by libzip on success, freed here on
 * failure). */
static gs_status add_source(gs_serve__zip *z, zip_source_t *src, const char *name, uint64_t size,
                            gs_error *err)
{
    zip_int64_t idx = zip_file_add(z->za, name, src, ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
        zip_source_free(src);
        return zfail(z, err, name);
    }
    if ((ends_with(name, ".mp4") || ends_with(name, ".png")) &&
        zip_set_file_compression(z->za, (zip_uint64_t)idx, ZIP_CM_STORE, 0) != 0)
        return zfail(z, err, name);
    z->n++;
    /* deflate can grow incompressible data a little (5 bytes a 16 KiB block, RFC 1951 3.2.4) */
    z->bound += size + size / 1024 + MEMBER_OVERHEAD + 2 * strlen(name);
    return GS_OK;
}

gs_status gs_serve__zip_add_file(gs_serve__zip *z, const char *path, const char *name,
                                 int *added, gs_error *err)
{
    struct stat sb;
    zip_source_t *src;
    if (added)
        *added = 0;
    /* Only regular files a worker wrote: a symbolic link is never followed into the archive. */
    if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return GS_OK;
    src = zip_source_file(z->za, path, 0, -1);
    if (!src)
        return zfail(z, err, name);
    gs_status rc = add_source(z, src, name, (uint64_t)sb.st_size, err);
    if (rc == GS_OK && added)
        *added = 1;
    return rc;
}

gs_status gs_serve__zip_add_text(gs_serve__zip *z, const char *name, const char *text,
                                 gs_error *err)
{
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    zip_source_t *src;
    if (!copy)
        return gs_fail(err, GS_ERR_NOMEM, "zip: out of memory");
    memcpy(copy, text, len + 1);
    src = zip_source_buffer(z->za, copy, len, 1); /* libzip frees copy */
    if (!src) {
        free(copy);
        return zfail(z, err, name);
    }
    return add_source(z, src, name, len, err);
}

int gs_serve__zip_count(const gs_serve__zip *z)
{
    return z ? z->n : 0;
}

uint64_t gs_serve__zip_bound(const gs_serve__zip *z)
{
    return z ? z->bound : 0;
}

gs_status gs_serve__zip_finish(gs_serve__zip **zp, int *fd_out, uint64_t *size_out, int *nospace,
                               gs_error *err)
{
    gs_serve__zip *z = *zp;
    struct stat sb;
    int fd;
    *fd_out = -1;
    *size_out = 0;
    if (nospace)
        *nospace = 0;
    if (zip_close(z->za) != 0) {
        /* libzip wrote to its own temporary file beside z->path and removed it on failure */
        int sys = zip_error_code_system(zip_get_error(z->za));
        if (nospace && zip_error_system_type(zip_get_error(z->za)) == ZIP_ET_SYS &&
            (sys == ENOSPC || sys == EDQUOT))
            *nospace = 1;
        gs_status rc = zfail(z, err, "write the archive");
        zip_discard(z->za);
        z->za = NULL;
        gs_serve__zip_free(zp);
        return rc;
    }
    z->za = NULL;
    fd = open(z->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    unlink(z->path); /* the descriptor keeps the data until the answer is sent */
    z->path[0] = '\0';
    gs_serve__zip_free(zp);
    if (fd < 0 || fstat(fd, &sb) != 0) {
        if (fd >= 0)
            close(fd);
        return gs_fail(err, GS_ERR_IO, "zip: cannot read the archive back: %s", strerror(errno));
    }
    *fd_out = fd;
    *size_out = (uint64_t)sb.st_size;
    return GS_OK;
}

void gs_serve__zip_free(gs_serve__zip **zp)
{
    gs_serve__zip *z = zp ? *zp : NULL;
    if (!z)
        return;
    if (z->za)
        zip_discard(z->za);
    if (z->path[0])
        unlink(z->path);
    free(z);
    *zp = NULL;
}
