/*
 * What several libFuzzer targets share (header only: each target is one translation unit, so
 * the static caches below are that target's own, not library state).
 */
#ifndef GS_FUZZ_UTIL_H
#define GS_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

/* A failed call must leave one line naming what it refused; a positive status other than GS_OK
 * is one the call does not return (a reader's GS_END is the caller's to accept). */
static inline void fuzz_check_error(gs_status rc, const gs_error *err)
{
    if (rc != GS_OK && (rc > 0 || !err->msg[0] || strchr(err->msg, '\n'))) {
        fprintf(stderr, "status %d, message '%s'\n", (int)rc, err->msg);
        abort();
    }
}

/* Writes data to a tmpfs file /dev/shm/fuzz_<name>_<pid>.<ext> (path, n bytes), as a user's
 * file is read from disk. 0 when written whole; -1 otherwise (nothing left behind). */
static inline int fuzz_write_tmp(const char *name, const char *ext, const uint8_t *data,
                                 size_t size, char *path, size_t n)
{
    FILE *f;
    snprintf(path, n, "/dev/shm/fuzz_%s_%d.%s", name, (int)getpid(), ext);
    if (!(f = fopen(path, "wb")))
        return -1;
    size_t w = fwrite(data, 1, size, f);
    if (fclose(f) != 0 || w != size) {
        unlink(path);
        return -1;
    }
    return 0;
}

#endif /* GS_FUZZ_UTIL_H */
