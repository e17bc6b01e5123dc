/*
 * gaitscope serve internals: zip archives built in DIR/tmp with libzip and sent from an unlinked
 * file (serve_zip.c), and the two downloads made of them (serve_export.c). Not included outside
 * src/serve.
 */
#ifndef GS_SERVE_ZIP_H
#define GS_SERVE_ZIP_H

#include <stdint.h>

#include "common.h"
#include "serve_impl.h"
#include "store.h"

/** An archive being written (opaque). */
typedef struct gs_serve__zip gs_serve__zip;

/** Starts an archive in tmp_dir (DIR/tmp). Free with gs_serve__zip_free() unless finished.
 * GS_ERR_IO, GS_ERR_ARG (path too long), GS_ERR_NOMEM. */
gs_status gs_serve__zip_open(const char *tmp_dir, gs_serve__zip **out, gs_error *err);
/**
 * Adds the regular file path as member name (read when the archive is written); a missing file or
 * anything but a regular file (a symbolic link) is skipped: *added (may be NULL) says which.
 * GS_ERR_IO.
 */
gs_status gs_serve__zip_add_file(gs_serve__zip *z, const char *path, const char *name,
                                 int *added, gs_error *err);
/** Adds text (copied) as member name. GS_ERR_IO, GS_ERR_NOMEM. */
gs_status gs_serve__zip_add_text(gs_serve__zip *z, const char *name, const char *text,
                                 gs_error *err);
/** Members added so far. */
int gs_serve__zip_count(const gs_serve__zip *z);
/**
 * The most the archive's file can take: its members' sizes as they are now (stored, not
 * deflated) plus each member's headers, plus the end record.
 */
uint64_t gs_serve__zip_bound(const gs_serve__zip *z);
/**
 * Writes the archive (at least one member), opens it, unlinks it and frees *z (NULL after, on
 * error too): *fd_out reads the archive (caller closes it, or hands it to the HTTP library),
 * *size_out is its size. GS_ERR_IO; *nospace (may be NULL) is 1 when the disk was full or the
 * quota reached (ENOSPC, EDQUOT).
 */
gs_status gs_serve__zip_finish(gs_serve__zip **z, int *fd_out, uint64_t *size_out, int *nospace,
                               gs_error *err);
/** Discards an unfinished archive (its file removed) and NULLs *z; NULL is a no-op. */
void gs_serve__zip_free(gs_serve__zip **z);

/**
 * A download: its export slot (gs_serve__export_slot), then the finished archive's descriptor,
 * size and the file name to offer. The slot and the descriptor go together: released by
 * gs_serve__export_release() when no answer is sent, else by the answer when libmicrohttpd is
 * done with it (sent, the client gone mid-way, the server stopping).
 */
typedef struct gs_serve__download {
    gs_serve *srv;
    int slot; /* -1: none */
    int fd;
    uint64_t size;
    int nospace; /* 1: refused or failed for want of disk (answer 507) */
    char filename[96]; /* ASCII [A-Za-z0-9._-] only, for Content-Disposition */
} gs_serve__download;

/** Seconds a refused export is told to wait (Retry-After). */
#define GS_SERVE__EXPORT_RETRY_S 30
/**
 * Takes an export slot for account into *d (initialised here): 0, or 429 when the account has
 * max_exports_per_account running, 503 when the service has max_exports running, with msg.
 */
int gs_serve__export_slot(gs_serve *s, const char *account, gs_serve__download *d, char *msg,
                          size_t n);
/** Closes the descriptor and frees the slot of a download not handed to an answer; a no-op for
 * what is already released. */
void gs_serve__export_release(gs_serve__download *d);

/**
 * A zip of one of the account's sessions: every output file of the fixed table that is there
 * (analysis.json, CSVs, pose.trc, pose.json, report.html, overlay.mp4, key frames) under
 * "session-DATE/", plus nkt.json (the NKT record) when one was written.
 * GS_ERR_NOT_FOUND (not the account's session, or no output yet), store errors, GS_ERR_IO.
 */
gs_status gs_serve__export_session(gs_serve *s, gs_store *st, const char *account,
                                   const char *session, gs_serve__download *out, gs_error *err);
/**
 * An export of one of the account's athletes: athlete.json, nkt_records.csv (one row per session
 * with a record), and per session DATE_ID/ with session.json (date, notes, options, status),
 * nkt.json (when written) and its output files; per comparison comparisons/ID/ with its files.
 * GS_ERR_NOT_FOUND (not the account's athlete), store errors, GS_ERR_IO.
 */
gs_status gs_serve__export_athlete(gs_serve *s, gs_store *st, const char *account,
                                   const char *athlete, gs_serve__download *out, gs_error *err);
/** Sends a download (200, application/zip, attachment) and takes over its descriptor and slot
 * (on failure too). */
int gs_serve__send_download(struct MHD_Connection *c, gs_serve__download *d);

#endif /* GS_SERVE_ZIP_H */
