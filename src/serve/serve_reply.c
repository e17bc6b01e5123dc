/*
 * gaitscope serve: every answer's bytes. One helper (gs_serve__reply) queues a body with the
 * headers every answer carries; the JSON replies and errors of the API, the pages' HTML, JSON
 * and redirects (pages.c) and the session files (with Range, RFC 9110 section 14) go through it
 * or, for files, add the same headers to a file-backed response.
 */
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve_http_impl.h"

/* What every answer says: never sniff a type, never cache (health data and tokens), never send
 * our URLs (share tokens live in them) as a Referer. */
static void common_headers(struct MHD_Response *r, const char *cache)
{
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Cache-Control", cache);
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
}

enum MHD_Result gs_serve__reply(struct MHD_Connection *c, unsigned status, const char *ctype,
                                char *body, const char *const *extra)
{
    struct MHD_Response *r =
        body ? MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE)
             : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    if (ctype)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    common_headers(r, "no-store");
    for (int i = 0; extra && extra[i] && extra[i + 1]; i += 2)
        MHD_add_response_header(r, extra[i], extra[i + 1]);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result gs_serve__reply_json(struct MHD_Connection *c, unsigned status, cJSON *o)
{
    char *text = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (o && !text)
        return MHD_NO;
    return gs_serve__reply(c, status, text ? "application/json" : NULL, text, NULL);
}

enum MHD_Result gs_serve__reply_error_h(struct MHD_Connection *c, unsigned status, const char *msg,
                                        const char *header, const char *value)
{
    cJSON *o = cJSON_CreateObject();
    if (o)
        cJSON_AddStringToObject(o, "error", msg);
    char *text = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!text)
        return MHD_NO;
    const char *extra[] = {header, value, NULL};
    return gs_serve__reply(c, status, "application/json", text, header ? extra : NULL);
}

enum MHD_Result gs_serve__reply_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
    return gs_serve__reply_error_h(c, status, msg, NULL, NULL);
}

enum MHD_Result gs_serve__reply_store_error(gs_serve *s, struct MHD_Connection *c, gs_status st,
                                            const gs_error *e, const char *what)
{
    char msg[GS_SERVE__MSG];
    switch (st) {
    case GS_ERR_NOT_FOUND:
        snprintf(msg, sizeof(msg), "no such %s", what);
        return gs_serve__reply_error(c, 404, msg);
    case GS_ERR_ARG:
        return gs_serve__reply_error(c, 400, e->msg[0] ? e->msg : "invalid field");
    case GS_ERR_EXISTS:
        return gs_serve__reply_error(c, 409, e->msg[0] ? e->msg : "exists already");
    case GS_ERR_IO:
        /* The database cannot be reached (PostgreSQL down, a disk error): the store reconnects
         * on its next call, so the client is told to come back (RFC 9110 section 15.6.4). */
        gs_serve__logf(s, 2, "store: %s", e->msg[0] ? e->msg : gs_strerror(st));
        return gs_serve__reply_error_h(c, 503, "the server's database cannot be reached; try again",
                                       MHD_HTTP_HEADER_RETRY_AFTER, "5");
    default:
        gs_serve__logf(s, 2, "store: %s", e->msg[0] ? e->msg : gs_strerror(st));
        return gs_serve__reply_error(c, 500, "the server could not reach its records; try again");
    }
}

enum MHD_Result gs_serve__reply_429(struct MHD_Connection *c, double retry_s, const char *what)
{
    char v[32], msg[GS_SERVE__MSG];
    snprintf(v, sizeof(v), "%d", (int)ceil(retry_s < 1 ? 1 : retry_s));
    snprintf(msg, sizeof(msg), "too many attempts %s; try again in %s s", what, v);
    return gs_serve__reply_error_h(c, 429, msg, MHD_HTTP_HEADER_RETRY_AFTER, v);
}

int gs_serve__file_path(gs_serve *s, const char *session, int i, char *buf, size_t n)
{
    char dir[PATH_MAX];
    gs_error e = {0};
    if (gs_store_session_path(s->dir, session, dir, sizeof(dir), &e) != GS_OK)
        return -1;
    int k = snprintf(buf, n, "%s/%s", dir, gs_serve__file_name(i));
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

/* Serves file i of session (ids already checked against the account or the share) with the
 * Content-Security-Policy csp (NULL: none). */
int gs_serve__send_file(gs_serve *s, struct MHD_Connection *c, const gs_store_session *ss,
                        const gs_store_job *job, int i, const char *csp)
{
    char path[PATH_MAX], msg[GS_SERVE__MSG + GS_STORE_ERROR_MAX];
    if (gs_serve__file_path(s, ss->id, i, path, sizeof(path)) != 0)
        return gs_serve__reply_error(c, 404, "no such file");
    if (job && job->status != GS_STORE_JOB_DONE)
        snprintf(msg, sizeof(msg), "%s is not there: the job is %s%s%s", gs_serve__file_name(i),
                 gs_store_job_status_name(job->status), job->error[0] ? ": " : "", job->error);
    else
        snprintf(msg, sizeof(msg), "%s is not there for this session", gs_serve__file_name(i));
    return gs_serve__send_path(c, path, gs_serve__file_type(i), csp, msg);
}

int gs_serve__send_path(struct MHD_Connection *c, const char *path, const char *type,
                        const char *csp, const char *missing)
{
    /* O_NOFOLLOW: only what a worker wrote is served, never what a link points to. */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        if (fd >= 0)
            close(fd);
        return gs_serve__reply_error(c, 404, missing);
    }
    uint64_t size = (uint64_t)sb.st_size, first = 0, last = size ? size - 1 : 0;
    const char *range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_RANGE);
    int rs = gs_serve__range_parse(range, size, &first, &last);
    if (rs == 416) {
        char cr[64];
        close(fd);
        snprintf(cr, sizeof(cr), "bytes */%llu", (unsigned long long)size);
        return gs_serve__reply_error_h(c, 416, "the range is outside the file",
                                       MHD_HTTP_HEADER_CONTENT_RANGE, cr);
    }
    uint64_t len = rs == 206 ? last - first + 1 : size;
    struct MHD_Response *r =
        MHD_create_response_from_fd_at_offset64(len, fd, rs == 206 ? first : 0);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
    common_headers(r, "private, no-store");
    if (csp)
        MHD_add_response_header(r, "Content-Security-Policy", csp);
    if (rs == 206) {
        char cr[96];
        snprintf(cr, sizeof(cr), "bytes %llu-%llu/%llu", (unsigned long long)first,
                 (unsigned long long)last, (unsigned long long)size);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
    }
    enum MHD_Result ret = MHD_queue_response(c, rs == 206 ? 206 : 200, r);
    MHD_destroy_response(r);
    return ret;
}
