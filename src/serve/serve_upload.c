/*
 * gaitscope serve: an upload (POST /api/v1/athletes/{id}/sessions, and the upload page's XHR).
 * The body is streamed by libmicrohttpd's post processor into DIR/tmp/<random>, hashed (SHA-256)
 * as it arrives, and renamed into DIR/blobs/ only when complete and valid; an identical earlier
 * upload of the same account is reused instead. serve.c's completion callback removes whatever
 * a request left in DIR/tmp, whichever way it ended.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "serve_http_impl.h"

static void upload_fail(gs_serve__req *q, int status, int cut, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void upload_fail(gs_serve__req *q, int status, int cut, const char *fmt, ...)
{
    va_list ap;
    if (q->fail_status)
        return; /* the first error is the one reported */
    q->fail_status = status;
    q->cut = cut;
    va_start(ap, fmt);
    vsnprintf(q->fail_msg, sizeof(q->fail_msg), fmt, ap);
    va_end(ap);
}

void gs_serve__upload_discard(gs_serve__req *q)
{
    if (q->fd >= 0)
        close(q->fd);
    q->fd = -1;
    if (q->tmp_path[0])
        unlink(q->tmp_path);
    q->tmp_path[0] = '\0';
}

static int tmp_open(gs_serve__req *q)
{
    char dir[PATH_MAX];
    gs_store_id name;
    gs_error e = {0};
    if (gs_store_tmp_path(q->srv->dir, dir, sizeof(dir), &e) != GS_OK)
        return -1;
    gs_store_new_id(name);
    if (snprintf(q->tmp_path, sizeof(q->tmp_path), "%s/%s", dir, name) >= (int)sizeof(q->tmp_path))
        return -1;
    q->fd = open(q->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (q->fd < 0) {
        int en = errno;
        q->tmp_path[0] = '\0';
        errno = en;
        return -1;
    }
    crypto_hash_sha256_init(&q->sha);
    return 0;
}

static void video_write(gs_serve__req *q, const char *data, size_t size)
{
    gs_serve *s = q->srv;
    if ((uint64_t)size > (uint64_t)s->opt.max_upload_bytes - q->video_bytes) {
        upload_fail(q, 413, 1, "the video is larger than this server's limit of %lld MiB",
                    (long long)(s->opt.max_upload_bytes >> 20));
        return;
    }
    if (q->fd < 0 && tmp_open(q) != 0) {
        int en = errno;
        if (en == ENOSPC)
            upload_fail(q, 507, 0, "the server's disk is full; the upload was not stored");
        else
            upload_fail(q, 500, 0, "the server cannot store uploads now");
        gs_serve__logf(s, 2, "upload: cannot create a file in %s/tmp: %s", s->dir, strerror(en));
        return;
    }
    crypto_hash_sha256_update(&q->sha, (const unsigned char *)data, size);
    q->video_bytes += size;
    while (size > 0) {
        ssize_t w = write(q->fd, data, size);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int en = w < 0 ? errno : ENOSPC;
            if (en == ENOSPC || en == EDQUOT)
                upload_fail(q, 507, 0, "the server's disk is full; the upload was not stored");
            else
                upload_fail(q, 500, 0, "the server could not write the upload");
            gs_serve__logf(s, en == ENOSPC ? 1 : 2, "upload: %s: %s", q->tmp_path, strerror(en));
            gs_serve__upload_discard(q);
            return;
        }
        data += w;
        size -= (size_t)w;
    }
}

static enum MHD_Result on_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *filename, const char *content_type,
                                const char *transfer_encoding, const char *data, uint64_t off,
                                size_t size)
{
    gs_serve__req *q = cls;
    char msg[GS_SERVE__MSG];
    (void)kind, (void)filename, (void)content_type, (void)transfer_encoding;
    if (q->fail_status)
        return MHD_YES; /* the rest of the body is read and dropped */
    if (key && !strcmp(key, "video")) {
        if (off == 0 && (q->video_parts++ > 0))
            upload_fail(q, 400, 0, "one video per upload");
        else if (size > 0)
            video_write(q, data, size);
        return MHD_YES;
    }
    int st = gs_serve__fields_add(&q->fields, key, data, off, size, msg, sizeof(msg));
    if (st)
        upload_fail(q, st, 0, "%s", msg);
    return MHD_YES;
}

int gs_serve__upload_begin(gs_serve__req *q, struct MHD_Connection *c, char *msg, size_t n)
{
    gs_serve *s = q->srv;
    gs_error e = {0};
    gs_store_athlete a;
    int slot;
    gs_store *st = gs_serve__store_get(s, &slot);
    gs_status rc = gs_store_athlete_get(st, q->account, q->route.rid, &a, &e);
    gs_serve__store_put(s, slot);
    if (rc == GS_ERR_NOT_FOUND)
        return snprintf(msg, n, "no such athlete"), 404;
    if (rc != GS_OK)
        return snprintf(msg, n, "the server could not reach its records; try again"),
               rc == GS_ERR_IO ? 503 : 500;
    const char *cl =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    uint64_t len = 0;
    if (cl && gs_serve__content_length(cl, &len) == 0 &&
        len > (uint64_t)s->opt.max_upload_bytes + GS_SERVE__UPLOAD_SLACK_BYTES)
        return snprintf(msg, n,
                        "the upload (%llu bytes) is larger than this server's limit of "
                        "%lld MiB",
                        (unsigned long long)len, (long long)(s->opt.max_upload_bytes >> 20)),
               413;
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!ct || strncasecmp(ct, "multipart/form-data", 19) != 0)
        return snprintf(msg, n, "an upload is multipart/form-data with a 'video' file field"), 400;
    q->pp = MHD_create_post_processor(c, 64 * 1024, on_field, q);
    if (!q->pp)
        return snprintf(msg, n, "the multipart body has no boundary"), 400;
    q->upload = 1;
    return 0;
}

void gs_serve__upload_data(gs_serve__req *q, const char *data, size_t n)
{
    gs_serve *s = q->srv;
    /* A body without Content-Length (chunked) is cut off as soon as it passes the limit: the
     * connection is closed, nothing of it is kept. */
    if (q->body_bytes > (uint64_t)s->opt.max_upload_bytes + GS_SERVE__UPLOAD_SLACK_BYTES)
        upload_fail(q, 413, 1, "the upload is larger than this server's limit of %lld MiB",
                    (long long)(s->opt.max_upload_bytes >> 20));
    if (!q->fail_status && MHD_post_process(q->pp, data, n) != MHD_YES)
        upload_fail(q, 400, 0, "the multipart body is malformed");
}

/* Last call of an upload: validate the fields, keep the file (or the account's identical one),
 * record the session and its job. */
enum MHD_Result gs_serve__upload_finish(gs_serve__req *q, struct MHD_Connection *c)
{
    gs_serve *s = q->srv;
    char msg[GS_SERVE__MSG], options[GS_STORE_OPTIONS_MAX + 1], sha[65], path[PATH_MAX];
    const char *notes = "", *date = "";
    uint8_t digest[crypto_hash_sha256_BYTES];
    gs_error e = {0};
    gs_store_blob blob;
    gs_store_id blob_id, session, job;
    int slot = -1, dup = 0, fresh = 0;
    gs_store *st = NULL;
    enum MHD_Result r;
    gs_status rc;

    if (q->pp && MHD_destroy_post_processor(q->pp) != MHD_YES)
        upload_fail(q, 400, 0, "the multipart body is incomplete or malformed");
    q->pp = NULL;
    if (q->fail_status) {
        gs_serve__upload_discard(q);
        return gs_serve__reply_error(c, (unsigned)q->fail_status, q->fail_msg);
    }
    int st_opt = gs_serve__fields_options(&q->fields, options, sizeof(options), &notes, &date, msg,
                                          sizeof(msg));
    if (st_opt) {
        gs_serve__upload_discard(q);
        return gs_serve__reply_error(c, (unsigned)st_opt, msg);
    }
    if (q->video_bytes == 0 || q->fd < 0) {
        gs_serve__upload_discard(q);
        return gs_serve__reply_error(c, 400, "the upload needs a non-empty 'video' file field");
    }
    /* On disk before it is recorded: a record always has its whole file. */
    if (fsync(q->fd) != 0 || close(q->fd) != 0) {
        int en = errno;
        q->fd = -1;
        gs_serve__upload_discard(q);
        if (en == ENOSPC || en == EDQUOT)
            return gs_serve__reply_error(c, 507,
                                         "the server's disk is full; the upload was not stored");
        gs_serve__logf(s, 2, "upload: %s: %s", q->tmp_path, strerror(en));
        return gs_serve__reply_error(c, 500, "the server could not write the upload");
    }
    q->fd = -1;
    crypto_hash_sha256_final(&q->sha, digest);
    sodium_bin2hex(sha, sizeof(sha), digest, sizeof(digest));

    st = gs_serve__store_get(s, &slot);
    rc = gs_store_blob_find(st, q->account, sha, &blob, &e);
    if (rc == GS_OK) {
        dup = 1;
        memcpy(blob_id, blob.id, sizeof(blob_id));
        gs_serve__upload_discard(q);
    } else if (rc == GS_ERR_NOT_FOUND) {
        gs_store_new_id(blob_id);
        if (gs_store_blob_path(s->dir, blob_id, path, sizeof(path), &e) != GS_OK ||
            rename(q->tmp_path, path) != 0) {
            gs_serve__logf(s, 2, "upload: cannot move %s into blobs: %s", q->tmp_path,
                           strerror(errno));
            gs_serve__upload_discard(q);
            r = gs_serve__reply_error(c, 500, "the server could not store the upload");
            goto out;
        }
        q->tmp_path[0] = '\0';
        rc = gs_store_blob_add(st, q->account, blob_id, sha, (int64_t)q->video_bytes,
                               gs_serve__now_s(), &e);
        if (rc == GS_ERR_EXISTS) { /* the same file finished uploading in another request */
            unlink(path);
            rc = gs_store_blob_find(st, q->account, sha, &blob, &e);
            if (rc == GS_OK)
                memcpy(blob_id, blob.id, sizeof(blob_id)), dup = 1;
        } else if (rc == GS_OK) {
            fresh = 1;
        } else {
            unlink(path);
        }
        if (rc != GS_OK) {
            r = gs_serve__reply_store_error(s, c, rc, &e, "upload");
            goto out;
        }
    } else {
        gs_serve__upload_discard(q);
        r = gs_serve__reply_store_error(s, c, rc, &e, "upload");
        goto out;
    }
    rc = gs_store_session_add(st, q->account, q->route.rid, blob_id, options, notes, date,
                              gs_serve__now_s(), session, job, &e);
    if (rc != GS_OK) {
        if (fresh && gs_store_blob_delete_unused(st, q->account, blob_id, &e) == GS_OK &&
            gs_store_blob_path(s->dir, blob_id, path, sizeof(path), &e) == GS_OK)
            unlink(path);
        r = gs_serve__reply_store_error(s, c, rc, &e, "athlete");
        goto out;
    }
    cJSON *o = cJSON_CreateObject();
    if (o) {
        cJSON_AddStringToObject(o, "session", session);
        cJSON_AddStringToObject(o, "job", job);
        cJSON_AddStringToObject(o, "blob", blob_id);
        cJSON_AddStringToObject(o, "sha256", sha);
        cJSON_AddNumberToObject(o, "size_bytes", (double)q->video_bytes);
        /* The account sent this file before: the stored copy is used, and the client is told
         * which one so it can offer the earlier sessions of it. */
        if (dup)
            cJSON_AddStringToObject(o, "duplicate_of", blob_id);
    }
    gs_serve__logf(s, 0, "upload: %llu bytes, job queued%s", (unsigned long long)q->video_bytes,
                   dup ? " (a file this account uploaded before)" : "");
    r = gs_serve__reply_json(c, 202, o);
out:
    if (slot >= 0)
        gs_serve__store_put(s, slot);
    return r;
}
/* ---- a small multipart form read whole ---------------------------------------------------- */

typedef struct form_ctx {
    gs_serve__form *f;
    const char *file_field;
    size_t file_max;
    int status;
    char msg[GS_SERVE__MSG];
} form_ctx;

static enum MHD_Result form_fail(form_ctx *x, int status, const char *m)
{
    if (!x->status) {
        x->status = status;
        snprintf(x->msg, sizeof(x->msg), "%s", m);
    }
    return MHD_YES;
}

static enum MHD_Result on_form_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *filename, const char *content_type,
                                     const char *transfer_encoding, const char *data, uint64_t off,
                                     size_t size)
{
    form_ctx *x = cls;
    gs_serve__form *f = x->f;
    (void)kind, (void)content_type, (void)transfer_encoding;
    if (x->status || !key)
        return MHD_YES;
    if (!strcmp(key, x->file_field)) {
        if (off == 0 && f->file_parts++ > 0)
            return form_fail(x, 400, "one events file per re-run");
        if (size == 0 && off == 0 && (!filename || !filename[0]))
            return MHD_YES; /* a form's file input with no file chosen */
        if (size > x->file_max || f->file_len + size > x->file_max) {
            char m[GS_SERVE__MSG];
            snprintf(m, sizeof(m), "the %s file is larger than %zu KiB", x->file_field,
                     x->file_max >> 10);
            return form_fail(x, 413, m);
        }
        char *b = realloc(f->file, f->file_len + size + 1);
        if (!b)
            return form_fail(x, 500, "out of memory");
        memcpy(b + f->file_len, data, size);
        f->file_len += size;
        b[f->file_len] = '\0';
        f->file = b;
        return MHD_YES;
    }
    int i;
    for (i = 0; i < f->n; i++)
        if (!strcmp(f->key[i], key))
            break;
    if (i == f->n) {
        if (off != 0)
            return form_fail(x, 400, "the multipart body is malformed");
        if (f->n == GS_SERVE__FORM_FIELDS || strlen(key) >= sizeof(f->key[0]))
            return form_fail(x, 400, "too many or too long field names");
        snprintf(f->key[f->n++], sizeof(f->key[0]), "%s", key);
    } else if (off == 0) {
        char m[GS_SERVE__MSG];
        snprintf(m, sizeof(m), "field %.40s is given twice", key);
        return form_fail(x, 400, m);
    }
    if (off != f->len[i] || f->len[i] + size > GS_SERVE__FORM_VALUE_MAX) {
        char m[GS_SERVE__MSG];
        snprintf(m, sizeof(m), "field %.40s is longer than %d bytes", key,
                 GS_SERVE__FORM_VALUE_MAX);
        return form_fail(x, 400, m);
    }
    if (size && memchr(data, '\0', size))
        return form_fail(x, 400, "a field holds a NUL byte");
    char *v = realloc(f->val[i], f->len[i] + size + 1);
    if (!v)
        return form_fail(x, 500, "out of memory");
    memcpy(v + f->len[i], data, size);
    f->len[i] += size;
    v[f->len[i]] = '\0';
    f->val[i] = v;
    return MHD_YES;
}

int gs_serve__is_multipart(struct MHD_Connection *c)
{
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    return ct && strncasecmp(ct, "multipart/form-data", 19) == 0;
}

int gs_serve__form_parse(struct MHD_Connection *c, const char *body, size_t len,
                         const char *file_field, size_t file_max, gs_serve__form *f, char *msg,
                         size_t n)
{
    form_ctx x = {.f = f, .file_field = file_field, .file_max = file_max};
    memset(f, 0, sizeof(*f));
    struct MHD_PostProcessor *pp = MHD_create_post_processor(c, 64 * 1024, on_form_field, &x);
    if (!pp)
        return snprintf(msg, n, "the multipart body has no boundary"), 400;
    if (len && MHD_post_process(pp, body, len) != MHD_YES)
        form_fail(&x, 400, "the multipart body is malformed");
    if (MHD_destroy_post_processor(pp) != MHD_YES)
        form_fail(&x, 400, "the multipart body is incomplete or malformed");
    if (x.status)
        snprintf(msg, n, "%s", x.msg);
    return x.status;
}

const char *gs_serve__form_get(const gs_serve__form *f, const char *key)
{
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->key[i], key))
            return f->val[i] ? f->val[i] : "";
    return NULL;
}

void gs_serve__form_free(gs_serve__form *f)
{
    for (int i = 0; i < f->n; i++)
        free(f->val[i]);
    free(f->file);
    memset(f, 0, sizeof(*f));
}
