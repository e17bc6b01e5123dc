/*
 * gaitscope serve: what the API and the pages both do to an account's records beyond one
 * request's reply: removing a session, an athlete or the whole account with their files,
 * invitation links, the access log, and the retention sweep that deletes uploaded videos past
 * their account's setting. Records through src/store only; files by id under the data folder.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve_compare.h"
#include "serve_http_impl.h"

/* Invitation and password-reset links last a week: long enough to reach a colleague on leave,
 * short enough that a forgotten link stops being a way in. */
#define INVITE_DAYS 7
/* Embedded media of one page view count once in this window. */
#define EMBED_WINDOW_S 600
/* Sessions whose video one retention round deletes at most (the next round takes the rest). */
#define RETENTION_BATCH 200
/* Access-log entries one statement of the pruning deletes (SQLite: ~20 ms a batch here). */
#define ACCESS_PRUNE_BATCH 5000

/* Removes a session's output folder (files and one level of folders, as analyze writes it);
 * symbolic links are removed, never followed. */
static void remove_tree(const char *path, int depth)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char p[PATH_MAX];
            struct stat sb;
            if (snprintf(p, sizeof(p), "%s/%s", path, e->d_name) >= (int)sizeof(p))
                continue;
            if (lstat(p, &sb) != 0)
                continue;
            if (S_ISDIR(sb.st_mode) && depth < 3)
                remove_tree(p, depth + 1);
            else
                unlink(p);
        }
        closedir(d);
    }
    rmdir(path);
}

gs_status gs_serve__session_remove(gs_serve *s, gs_store *st, const char *account,
                                   const char *session, gs_error *e)
{
    gs_store_id gone = "";
    char path[PATH_MAX];
    /* the comparisons go with the session (the store deletes their records) */
    gs_serve__comparison_folders_remove(s, st, account, session);
    gs_status rc = gs_store_session_delete(st, account, session, gone, e);
    if (rc != GS_OK)
        return rc;
    if (gs_store_session_path(s->dir, session, path, sizeof(path), e) == GS_OK)
        remove_tree(path, 0);
    if (gs_store_session_events_path(s->dir, session, path, sizeof(path), e) == GS_OK &&
        unlink(path) != 0 && errno != ENOENT) /* a coach's edited events, if any */
        gs_serve__logf(s, 1, "cannot remove %s: %s", path, strerror(errno));
    if (gone[0] && gs_store_blob_path(s->dir, gone, path, sizeof(path), e) == GS_OK &&
        unlink(path) != 0 && errno != ENOENT)
        gs_serve__logf(s, 1, "cannot remove %s: %s", path, strerror(errno));
    return GS_OK;
}

/* A blob's file, gone from the store: removed; a failure other than "already gone" is logged. */
static void blob_unlink(gs_serve *s, const char *blob)
{
    char path[PATH_MAX];
    gs_error e = {0};
    if (blob[0] && gs_store_blob_path(s->dir, blob, path, sizeof(path), &e) == GS_OK &&
        unlink(path) != 0 && errno != ENOENT)
        gs_serve__logf(s, 1, "cannot remove %s: %s", path, strerror(errno));
}

gs_status gs_serve__athlete_remove(gs_serve *s, gs_store *st, const char *account,
                                   const char *athlete, gs_error *e)
{
    gs_store_athlete a;
    gs_status rc = gs_store_athlete_get(st, account, athlete, &a, e);
    /* An upload may add a session between the listing and the delete (GS_ERR_EXISTS): the next
     * round takes it too. */
    for (int round = 0; rc == GS_OK && round < 5; round++) {
        gs_store_session *list = NULL;
        size_t n = 0;
        rc = gs_store_session_list(st, account, athlete, &list, &n, e);
        for (size_t i = 0; rc == GS_OK && i < n; i++) {
            rc = gs_serve__session_remove(s, st, account, list[i].id, e);
            if (rc == GS_ERR_NOT_FOUND) /* removed meanwhile by another request */
                rc = GS_OK;
        }
        free(list);
        if (rc != GS_OK)
            return rc;
        rc = gs_store_athlete_delete(st, account, athlete, e);
        if (rc != GS_ERR_EXISTS)
            return rc;
        rc = GS_OK;
    }
    return rc == GS_OK ? gs_fail(e, GS_ERR_EXISTS, "the athlete keeps getting new sessions")
                       : rc;
}

gs_status gs_serve__account_remove(gs_serve *s, gs_store *st, const char *account, gs_error *e)
{
    gs_store_athlete *list = NULL;
    size_t n = 0;
    gs_status rc = gs_store_athlete_list(st, account, &list, &n, e);
    for (size_t i = 0; rc == GS_OK && i < n; i++) {
        rc = gs_serve__athlete_remove(s, st, account, list[i].id, e);
        if (rc == GS_ERR_NOT_FOUND)
            rc = GS_OK;
    }
    free(list);
    if (rc != GS_OK)
        return rc;
    gs_store_id *blobs = NULL;
    size_t nb = 0;
    rc = gs_store_account_delete(st, account, &blobs, &nb, e);
    for (size_t i = 0; rc == GS_OK && i < nb; i++)
        blob_unlink(s, blobs[i]);
    free(blobs);
    return rc;
}

void gs_serve__link(gs_serve *s, struct MHD_Connection *c, const char *path, char *out, size_t n)
{
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (s->opt.public_url)
        snprintf(out, n, "%s%s", s->opt.public_url, path);
    else
        snprintf(out, n, "%s://%s%s", s->tls ? "https" : "http",
                 gs_serve__host_ok(host) ? host : "localhost", path);
}

gs_status gs_serve__invite_new(gs_serve *s, gs_store *st, struct MHD_Connection *c,
                               const char *account, const char *email, const char *user,
                               char url[GS_SERVE__URL_MAX], int64_t *expires, gs_error *e)
{
    uint8_t tok[GS_SERVE__TOKEN_BYTES], dg[GS_STORE_DIGEST_BYTES];
    char text[GS_SERVE__TOKEN_LEN + 1], path[64];
    gs_store_id id;
    randombytes_buf(tok, sizeof(tok));
    gs_serve__token_digest(GS_SERVE__TOKEN_INVITE, tok, dg);
    int64_t t = gs_serve__now_s();
    *expires = t + (int64_t)INVITE_DAYS * 86400;
    gs_status rc = gs_store_invite_add(st, account, email, user, dg, t, *expires, id, e);
    if (rc == GS_OK) {
        gs_serve__token_text(tok, text);
        snprintf(path, sizeof(path), "/invite/%s", text);
        gs_serve__link(s, c, path, url, GS_SERVE__URL_MAX);
        sodium_memzero(text, sizeof(text));
    }
    sodium_memzero(tok, sizeof(tok));
    return rc;
}

gs_status gs_serve__access(gs_serve *s, gs_store *st, struct MHD_Connection *c,
                           const char *account, const char *user, const char *athlete,
                           const char *session, const char *what, const char *addr)
{
    gs_error e = {0};
    /* A video being played or sought asks for many ranges: its first request is the opening. */
    const char *range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_RANGE);
    if (range && strncmp(range, "bytes=0-", 8) != 0)
        return GS_OK;
    /* A page's embedded media (its key frames, overlay, report frame: Sec-Fetch-Dest of the
     * Fetch Metadata spec) are one entry "page media" per user, session and address every
     * EMBED_WINDOW_S, beside the page's own entry; a download or an API fetch is always one. */
    const char *dest = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Dest");
    if (dest && (!strcmp(dest, "image") || !strcmp(dest, "video") || !strcmp(dest, "audio") ||
                 !strcmp(dest, "iframe") || !strcmp(dest, "track"))) {
        uint8_t key[16];
        crypto_generichash_state h;
        int64_t now = gs_serve__now_s();
        crypto_generichash_init(&h, NULL, 0, sizeof(key));
        crypto_generichash_update(&h, (const uint8_t *)(user ? user : ""), user ? strlen(user) : 0);
        crypto_generichash_update(&h, (const uint8_t *)"|", 1);
        crypto_generichash_update(&h, (const uint8_t *)(session ? session : ""),
                                  session ? strlen(session) : 0);
        crypto_generichash_update(&h, (const uint8_t *)"|", 1);
        crypto_generichash_update(&h, (const uint8_t *)addr, strlen(addr));
        crypto_generichash_final(&h, key, sizeof(key));
        size_t slot = ((size_t)key[0] << 8 | key[1]) % GS_SERVE__SEEN_SLOTS;
        pthread_mutex_lock(&s->lim_mu);
        int fresh = memcmp(s->seen[slot].key, key, sizeof(key)) == 0 &&
                    now - s->seen[slot].t < EMBED_WINDOW_S;
        if (!fresh) {
            memcpy(s->seen[slot].key, key, sizeof(key));
            s->seen[slot].t = now;
        }
        pthread_mutex_unlock(&s->lim_mu);
        if (fresh)
            return GS_OK;
        what = "page media";
        gs_status rc = gs_store_access_add(st, account, user, athlete, session, what, addr, now,
                                           &e);
        if (rc != GS_OK) { /* not written: the next one tries again */
            pthread_mutex_lock(&s->lim_mu);
            s->seen[slot].t = 0;
            pthread_mutex_unlock(&s->lim_mu);
            gs_serve__logf(s, 2, "access log: %s", e.msg);
        }
        return rc;
    }
    gs_status rc = gs_store_access_add(st, account, user, athlete, session, what, addr,
                                       gs_serve__now_s(), &e);
    if (rc != GS_OK)
        gs_serve__logf(s, 2, "access log: %s", e.msg);
    return rc;
}

/* Removes the overlay clips of a session's folder (overlay.mp4 and any overlay_slowN.mp4): they
 * are the athlete's video with the tracking drawn on, so they go with the upload (and so do the
 * side-by-side clips of its comparisons: gs_serve__comparison_clips_remove). Key frames
 * (stills the report shows) and the analysis stay. */
static void overlays_unlink(gs_serve *s, const char *session)
{
    char dir[PATH_MAX], p[PATH_MAX + 300];
    gs_error e = {0};
    if (gs_store_session_path(s->dir, session, dir, sizeof(dir), &e) != GS_OK)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (strncmp(de->d_name, "overlay", 7) != 0 || l < 11 ||
            strcmp(de->d_name + l - 4, ".mp4") != 0)
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        if (unlink(p) != 0 && errno != ENOENT)
            gs_serve__logf(s, 1, "retention: cannot remove %s: %s", p, strerror(errno));
    }
    closedir(d);
}

size_t gs_serve__retention_run(gs_serve *s, gs_store *st, int64_t now)
{
    gs_store_purge *due = NULL;
    size_t n = 0, done = 0;
    gs_error e = {0};
    if (gs_store_retention_due(st, now, RETENTION_BATCH, &due, &n, &e) != GS_OK) {
        gs_serve__logf(s, 1, "retention: %s", e.msg);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        gs_store_id gone = "";
        /* Files first: a crash before the record leaves the session due, and the next round
         * finds the files already gone. */
        overlays_unlink(s, due[i].session);
        gs_serve__comparison_clips_remove(s, st, due[i].account, due[i].session);
        if (gs_store_session_video_deleted(st, due[i].account, due[i].session, now, gone, &e) !=
            GS_OK) {
            gs_serve__logf(s, 1, "retention: %s", e.msg);
            continue;
        }
        blob_unlink(s, gone);
        done++;
    }
    free(due);
    if (done)
        gs_serve__logf(s, 0, "retention: deleted the video of %zu session(s)", done);
    if (s->opt.access_log_days) {
        /* in batches, so that requests writing entries meanwhile wait little */
        int64_t before = now - (int64_t)s->opt.access_log_days * 86400;
        size_t removed = 0, all = 0;
        do {
            if (gs_store_access_prune(st, before, ACCESS_PRUNE_BATCH, &removed, &e) != GS_OK) {
                gs_serve__logf(s, 1, "access log: %s", e.msg);
                break;
            }
            all += removed;
        } while (removed == ACCESS_PRUNE_BATCH);
        if (all)
            gs_serve__logf(s, 0, "access log: deleted %zu entr%s older than %u days", all,
                           all == 1 ? "y" : "ies", s->opt.access_log_days);
    }
    return done;
}
