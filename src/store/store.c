/*
 * store front: argument checks shared by every back end, dispatch through the back end's table,
 * ids, and the data folder's paths.
 *
 * Every id that arrives from outside is checked here to be 22 base64url characters before any
 * back end sees it; a malformed id is GS_ERR_NOT_FOUND exactly as an unknown one (the API answers
 * 404 for both, so a caller learns nothing from the shape of what it sent). Text longer than the
 * store's limits is refused with GS_ERR_ARG naming the field, never cut.
 */
#include "store.h"
#include "store_impl.h"

#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

/* ---- ids ---------------------------------------------------------------------------------- */

void gs_store_new_id(gs_store_id id)
{
    /* 16 random bytes are 128 bits; base64url without padding writes them in 22 characters
     * (ceil(128 / 6)), sodium_base64_ENCODED_LEN gives 23 with the NUL. randombytes_buf reads
     * the kernel's generator (getrandom) and needs no sodium_init() for that, but sodium_init()
     * is called anyway as libsodium's documentation asks (it is idempotent and thread-safe). */
    unsigned char raw[16];
    if (sodium_init() < 0) {
        /* libsodium could not initialise: randombytes_buf still falls back to /dev/urandom. */
    }
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(id, GS_STORE_ID_LEN + 1, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
}

int gs_store_id_valid(const char *id)
{
    if (!id)
        return 0;
    for (int i = 0; i < GS_STORE_ID_LEN; i++) {
        char c = id[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_';
        if (!ok)
            return 0; /* also stops at an early NUL */
    }
    return id[GS_STORE_ID_LEN] == '\0';
}

/* ---- data folder paths -------------------------------------------------------------------- */

static gs_status path_join(const char *dir, const char *sub, const char *id, char *buf,
                           size_t size, gs_error *err)
{
    int n;
    if (!dir || !buf || size == 0)
        return gs_fail(err, GS_ERR_ARG, "store path: no folder or buffer");
    if (id && !gs_store_id_valid(id))
        return gs_fail(err, GS_ERR_ARG, "store path: not a valid id");
    n = id ? snprintf(buf, size, "%s/%s/%s", dir, sub, id) : snprintf(buf, size, "%s/%s", dir, sub);
    if (n < 0 || (size_t)n >= size) {
        buf[0] = '\0';
        return gs_fail(err, GS_ERR_ARG, "%s: data folder path too long", dir);
    }
    return GS_OK;
}

gs_status gs_store_blob_path(const char *dir, const char *id, char *buf, size_t size,
                             gs_error *err)
{
    if (!id)
        return gs_fail(err, GS_ERR_ARG, "store path: no id");
    return path_join(dir, "blobs", id, buf, size, err);
}

gs_status gs_store_session_path(const char *dir, const char *id, char *buf, size_t size,
                                gs_error *err)
{
    if (!id)
        return gs_fail(err, GS_ERR_ARG, "store path: no id");
    return path_join(dir, "sessions", id, buf, size, err);
}

gs_status gs_store_session_events_path(const char *dir, const char *id, char *buf, size_t size,
                                       gs_error *err)
{
    gs_status rc;
    if (!id)
        return gs_fail(err, GS_ERR_ARG, "store path: no id");
    rc = path_join(dir, "sessions", id, buf, size, err);
    if (rc == GS_OK && strlen(buf) + sizeof(".events.csv") > size) {
        buf[0] = '\0';
        return gs_fail(err, GS_ERR_ARG, "%s: data folder path too long", dir);
    }
    if (rc == GS_OK)
        strcat(buf, ".events.csv");
    return rc;
}

gs_status gs_store_comparison_path(const char *dir, const char *id, char *buf, size_t size,
                                   gs_error *err)
{
    if (!id)
        return gs_fail(err, GS_ERR_ARG, "store path: no id");
    return path_join(dir, "comparisons", id, buf, size, err);
}

gs_status gs_store_tmp_path(const char *dir, char *buf, size_t size, gs_error *err)
{
    return path_join(dir, "tmp", NULL, buf, size, err);
}

gs_status gs_store_dirs_create(const char *dir, gs_error *err)
{
    static const char *const subs[] = {"blobs", "sessions", "comparisons", "tmp"};
    char path[4096];
    gs_status rc = gs_mkdir_p(dir, err);
    if (rc != GS_OK)
        return rc;
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        rc = path_join(dir, subs[i], NULL, path, sizeof(path), err);
        if (rc == GS_OK)
            rc = gs_mkdir_p(path, err);
        if (rc != GS_OK)
            return rc;
    }
    return GS_OK;
}

static int cmp_id(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

gs_status gs_store_sweep_blobs(gs_store *s, const char *dir, int64_t now, int64_t min_age_s,
                               size_t *removed, gs_error *err)
{
    gs_store_id *ids = NULL;
    size_t n = 0, count = 0;
    char folder[4096], path[4096];
    DIR *d = NULL;
    struct dirent *e;
    gs_status rc;

    if (removed)
        *removed = 0;
    rc = path_join(dir, "blobs", NULL, folder, sizeof(folder), err);
    if (rc != GS_OK)
        return rc;
    /* The listing is read before the folder: a blob recorded after it has a file older than the
     * listing too, which the age test protects (callers pass an age well above an upload's
     * rename-to-record gap). */
    rc = gs_store_blob_ids(s, &ids, &n, err);
    if (rc != GS_OK)
        return rc;
    if (n > 1)
        qsort(ids, n, sizeof(ids[0]), cmp_id);
    d = opendir(folder);
    if (!d) {
        rc = errno == ENOENT ? GS_OK
                             : gs_fail(err, GS_ERR_IO, "%s: cannot list: %s", folder, strerror(errno));
        goto done;
    }
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (!gs_store_id_valid(e->d_name))
            continue; /* not ours: left alone */
        if (n && bsearch(e->d_name, ids, n, sizeof(ids[0]), cmp_id))
            continue;
        if (path_join(dir, "blobs", e->d_name, path, sizeof(path), NULL) != GS_OK)
            continue;
        if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if ((int64_t)st.st_mtime > now - min_age_s)
            continue;
        if (unlink(path) != 0 && errno != ENOENT) {
            rc = gs_fail(err, GS_ERR_IO, "%s: cannot remove: %s", path, strerror(errno));
            goto done;
        }
        count++;
    }
    rc = GS_OK;
done:
    if (d)
        closedir(d);
    free(ids);
    if (removed)
        *removed = count;
    return rc;
}

/* The entries of DIR/sub that name an id (a folder) or, with events, <id>.events.csv: their
 * names into *names (malloc'd, 64 bytes each). */
static gs_status list_named(const char *folder, int events, char (**names)[64], size_t *n,
                            gs_error *err)
{
    size_t cap = 0;
    struct dirent *e;
    DIR *d = opendir(folder);
    *names = NULL;
    *n = 0;
    if (!d)
        return errno == ENOENT ? GS_OK
                               : gs_fail(err, GS_ERR_IO, "%s: cannot list: %s", folder,
                                         strerror(errno));
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        char id[GS_STORE_ID_LEN + 1];
        if (l < GS_STORE_ID_LEN || l >= 64)
            continue;
        memcpy(id, e->d_name, GS_STORE_ID_LEN);
        id[GS_STORE_ID_LEN] = '\0';
        if (!gs_store_id_valid(id) ||
            !(l == GS_STORE_ID_LEN ||
              (events && !strcmp(e->d_name + GS_STORE_ID_LEN, ".events.csv"))))
            continue;
        if (gs_store__grow((void **)names, &cap, *n, sizeof(**names), err) != GS_OK) {
            closedir(d);
            free(*names);
            *names = NULL;
            *n = 0;
            return GS_ERR_NOMEM;
        }
        snprintf((*names)[(*n)++], 64, "%s", e->d_name);
    }
    closedir(d);
    return GS_OK;
}

gs_status gs_store_sweep_folders(gs_store *s, const char *dir, size_t *removed, gs_error *err)
{
    static const char *const subs[2] = {"sessions", "comparisons"};
    size_t count = 0;
    gs_status rc = GS_OK;
    if (removed)
        *removed = 0;
    for (int k = 0; k < 2 && rc == GS_OK; k++) {
        char folder[4096];
        char(*names)[64] = NULL;
        gs_store_id *ids = NULL;
        size_t nn = 0, n = 0;
        rc = path_join(dir, subs[k], NULL, folder, sizeof(folder), err);
        /* the folder first, then the records (gs_store_sweep_folders in store.h says why) */
        if (rc == GS_OK)
            rc = list_named(folder, k == 0, &names, &nn, err);
        if (rc == GS_OK && nn)
            rc = s->ops->folder_ids(s, k, &ids, &n, err);
        if (rc == GS_OK && n > 1)
            qsort(ids, n, sizeof(ids[0]), cmp_id);
        int fd = rc == GS_OK && nn ? open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
        for (size_t i = 0; fd >= 0 && i < nn && rc == GS_OK; i++) {
            char id[GS_STORE_ID_LEN + 1];
            memcpy(id, names[i], GS_STORE_ID_LEN);
            id[GS_STORE_ID_LEN] = '\0';
            if (n && bsearch(id, ids, n, sizeof(ids[0]), cmp_id))
                continue;
            if (gs_remove_tree_at(fd, names[i]) != 0)
                rc = gs_fail(err, GS_ERR_IO, "%s/%s: cannot remove: %s", folder, names[i],
                             strerror(errno));
            else
                count++;
        }
        if (fd >= 0)
            close(fd);
        free(names);
        free(ids);
    }
    if (removed)
        *removed = count;
    return rc;
}

/* ---- argument checks ---------------------------------------------------------------------- */

/* An id from outside: malformed is "not found", as an unknown one. */
static gs_status need_id(const char *id, const char *what, gs_error *err)
{
    if (!gs_store_id_valid(id))
        return gs_fail(err, GS_ERR_NOT_FOUND, "%s not found", what);
    return GS_OK;
}

static gs_status need_text(const char *text, size_t max, const char *field, gs_error *err)
{
    size_t len;
    if (!text)
        return gs_fail(err, GS_ERR_ARG, "%s: missing", field);
    len = strlen(text);
    if (len > max)
        return gs_fail(err, GS_ERR_ARG, "%s: %zu bytes, longer than the store's limit of %zu",
                       field, len, max);
    return GS_OK;
}

static gs_status need_digest(const uint8_t *digest, gs_error *err)
{
    if (!digest)
        return gs_fail(err, GS_ERR_ARG, "token digest: missing");
    return GS_OK;
}

/* "YYYY-MM-DD" with a real month and day (leap years counted), or "". */
static gs_status need_date(const char *date, gs_error *err)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d;
    if (!date || !date[0])
        return GS_OK;
    for (int i = 0; i < 10; i++) {
        int digit = date[i] >= '0' && date[i] <= '9';
        if ((i == 4 || i == 7) ? date[i] != '-' : !digit)
            return gs_fail(err, GS_ERR_ARG, "date: not YYYY-MM-DD");
    }
    if (date[10] != '\0')
        return gs_fail(err, GS_ERR_ARG, "date: not YYYY-MM-DD");
    y = atoi(date);
    m = atoi(date + 5);
    d = atoi(date + 8);
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
        (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)))
        return gs_fail(err, GS_ERR_ARG, "date: %s is not a day of the calendar", date);
    return GS_OK;
}

static int is_hex64(const char *h)
{
    if (!h)
        return 0;
    for (int i = 0; i < 64; i++)
        if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
            return 0;
    return h[64] == '\0';
}

/* ---- open / close ------------------------------------------------------------------------- */

gs_status gs_store_open(const char *location, gs_store **out, gs_error *err)
{
    gs_store *s;
    gs_status rc;

    if (!out)
        return gs_fail(err, GS_ERR_ARG, "store: no result pointer");
    *out = NULL;
    if (!location || !location[0])
        return gs_fail(err, GS_ERR_ARG, "store: no location");
    if (sodium_init() < 0)
        return gs_fail(err, GS_ERR_INTERNAL, "store: libsodium could not initialise");
    s = calloc(1, sizeof(*s));
    if (!s)
        return gs_fail(err, GS_ERR_NOMEM, "store: out of memory");
    /* libpq's two URI prefixes (libpq-connect.html, "Connection URIs"). */
    if (strncmp(location, "postgresql://", 13) == 0 || strncmp(location, "postgres://", 11) == 0)
        rc = gs_store__pg_open(s, location, err);
    else
        rc = gs_store__sqlite_open(s, location, err);
    if (rc != GS_OK) {
        free(s);
        return rc;
    }
    *out = s;
    return GS_OK;
}

void gs_store_close(gs_store **s)
{
    if (!s || !*s)
        return;
    if ((*s)->ops)
        (*s)->ops->close(*s);
    free(*s);
    *s = NULL;
}

const char *gs_store_backend(const gs_store *s)
{
    return s && s->ops ? s->ops->name : "";
}

int gs_store_schema_version(const gs_store *s)
{
    return s ? s->schema_version : 0;
}

const char *gs_store_job_status_name(gs_store_job_status st)
{
    switch (st) {
    case GS_STORE_JOB_QUEUED:
        return "queued";
    case GS_STORE_JOB_RUNNING:
        return "running";
    case GS_STORE_JOB_DONE:
        return "done";
    case GS_STORE_JOB_FAILED:
        return "failed";
    case GS_STORE_JOB_CANCELLED:
        return "cancelled";
    }
    return "unknown";
}

const char *gs_store_job_kind_name(gs_store_job_kind k)
{
    switch (k) {
    case GS_STORE_JOB_KIND_ANALYSIS:
        return "analysis";
    case GS_STORE_JOB_KIND_COMPARE:
        return "compare";
    }
    return "unknown";
}

/* ---- accounts and tokens ------------------------------------------------------------------ */

gs_status gs_store_account_add(gs_store *s, const char *email, const char *pwhash, int64_t now,
                               gs_store_id id_out, gs_error *err)
{
    gs_status rc;
    gs_store_id id;
    if ((rc = need_text(email, GS_STORE_EMAIL_MAX, "email", err)) != GS_OK ||
        (rc = need_text(pwhash, GS_STORE_PWHASH_MAX, "password hash", err)) != GS_OK)
        return rc;
    if (!email[0] || !pwhash[0])
        return gs_fail(err, GS_ERR_ARG, "%s: empty", !email[0] ? "email" : "password hash");
    gs_store_new_id(id);
    rc = s->ops->account_add(s, email, pwhash, now, id, err);
    if (rc == GS_OK && id_out)
        memcpy(id_out, id, sizeof(gs_store_id));
    return rc;
}

gs_status gs_store_account_by_email(gs_store *s, const char *email, gs_store_account *out,
                                    gs_error *err)
{
    if (!email || strlen(email) > GS_STORE_EMAIL_MAX)
        return gs_fail(err, GS_ERR_NOT_FOUND, "account not found");
    return s->ops->account_by_email(s, email, out, err);
}

gs_status gs_store_account_get(gs_store *s, const char *account, gs_store_account *out,
                               gs_error *err)
{
    gs_status rc = need_id(account, "account", err);
    return rc != GS_OK ? rc : s->ops->account_get(s, account, out, err);
}

gs_status gs_store_account_set_password(gs_store *s, const char *account, const char *pwhash,
                                        int64_t now, gs_error *err)
{
    gs_status rc;
    if ((rc = need_id(account, "account", err)) != GS_OK ||
        (rc = need_text(pwhash, GS_STORE_PWHASH_MAX, "password hash", err)) != GS_OK)
        return rc;
    if (!pwhash[0])
        return gs_fail(err, GS_ERR_ARG, "password hash: empty");
    return s->ops->account_set_password(s, account, pwhash, now, err);
}

gs_status gs_store_token_add(gs_store *s, const char *account,
                             const uint8_t digest[GS_STORE_DIGEST_BYTES], int64_t now,
                             int64_t expires, gs_error *err)
{
    gs_status rc;
    if ((rc = need_id(account, "account", err)) != GS_OK || (rc = need_digest(digest, err)) != GS_OK)
        return rc;
    return s->ops->token_add(s, account, digest, now, expires, err);
}

gs_status gs_store_token_account(gs_store *s, const uint8_t digest[GS_STORE_DIGEST_BYTES],
                                 int64_t now, gs_store_id account_out, gs_error *err)
{
    gs_status rc = need_digest(digest, err);
    return rc != GS_OK ? rc : s->ops->token_account(s, digest, now, account_out, err);
}

gs_status gs_store_token_delete(gs_store *s, const uint8_t digest[GS_STORE_DIGEST_BYTES],
                                gs_error *err)
{
    gs_status rc = need_digest(digest, err);
    return rc != GS_OK ? rc : s->ops->token_delete(s, digest, err);
}

/* ---- athletes ----------------------------------------------------------------------------- */

gs_status gs_store_athlete_add(gs_store *s, const char *account, const char *name,
                               double height_m, int64_t now, gs_store_id id_out, gs_error *err)
{
    gs_status rc;
    gs_store_id id;
    if ((rc = need_id(account, "account", err)) != GS_OK ||
        (rc = need_text(name, GS_STORE_NAME_MAX, "athlete name", err)) != GS_OK)
        return rc;
    if (!name[0])
        return gs_fail(err, GS_ERR_ARG, "athlete name: empty");
    if (!isnan(height_m) && !(isfinite(height_m) && height_m > 0))
        return gs_fail(err, GS_ERR_ARG, "athlete height_m: %g is not a positive number", height_m);
    gs_store_new_id(id);
    rc = s->ops->athlete_add(s, account, name, height_m, now, id, err);
    if (rc == GS_OK && id_out)
        memcpy(id_out, id, sizeof(gs_store_id));
    return rc;
}

gs_status gs_store_athlete_get(gs_store *s, const char *account, const char *id,
                               gs_store_athlete *out, gs_error *err)
{
    gs_status rc;
    if ((rc = need_id(account, "account", err)) != GS_OK ||
        (rc = need_id(id, "athlete", err)) != GS_OK)
        return rc;
    return s->ops->athlete_get(s, account, id, out, err);
}

gs_status gs_store_athlete_list(gs_store *s, const char *account, gs_store_athlete **out,
                                size_t *n, gs_error *err)
{
    gs_status rc;
    *out = NULL;
    *n = 0;
    if ((rc = need_id(account, "account", err)) != GS_OK)
        return rc;
    return s->ops->athlete_list(s, account, out, n, err);
}

/* ---- blobs -------------------------------------------------------------------------------- */

gs_status gs_store_blob_find(gs_store *s, const char *account, const char *sha256,
                             gs_store_blob *out, gs_error *err)
{
    gs_status rc;
    if ((rc = need_id(account, "account", err)) != GS_OK)
        return rc;
    if (!is_hex64(sha256))
        return gs_fail(err, GS_ERR_ARG, "sha256: not 64 lower-case hex digits");
    return s->ops->blob_find(s, account, sha256, out, err);
}

gs_status gs_store_blob_add(gs_store *s, const char *account, const char *id_in,
                            const char *sha256, int64_t size_bytes, int64_t now, gs_error *err)
{
    gs_status rc;
    if ((rc = need_id(account, "account", err)) != GS_OK)
        return rc;
    if (!gs_store_id_valid(id_in))
        return gs_fail(err, GS_ERR_ARG, "blob id: not a store id (use gs_store_new_id)");
    if (!is_hex64(sha256))
        return gs_fail(err, GS_ERR_ARG, "sha256: not 64 lower-case hex digits");
    if (size_bytes < 0)
        return gs_fail(err, GS_ERR_ARG, "blob size: %lld bytes", (long long)size_bytes);
    return s->ops->blob_add(s, account, id_in, sha256, size_bytes, now, err);
}

gs_status gs_store_blob_ids(gs_store *s, gs_store_id **out, size_t *n, gs_error *err)
{
    *out = NULL;
    *n = 0;
    return s->ops->blob_ids(s, out, n, err);
}

gs_status gs_store_blob_delete_unused(gs_store *s, const char *account, const char *id,
                                      gs_error *err)
{
    gs_status rc;
    if ((rc = need_id(account, "account", err)) != GS_OK || (rc = need_id(id, "blob", err)) != GS_OK)
        return rc;
    return s->ops->blob_delete_unused(s, account, id, err);
}

/* ---- sessions and jobs -------------------------------------------------------------------- */

gs_status gs_store_session_add(gs_store *s, const char *account, const char *athlete,
                               const char *blob, const char *options_json, const char *notes,
                               const char *date, int64_t now, gs_store_id session_out,
                               gs_store_id job_out, gs_error *err)
{
    gs_status rc;
    gs_store_id sid, jid;
    if (!options_json || !options_json[0])
        options_json = "{}";
    if (!notes)
        notes = "";
    if (!date)
        date = "";
    if ((rc = need_id(account, "account", err)) != GS_OK ||
        (rc = need_id(athlete, "athlete", err)) != GS_OK ||
        (rc = need_id(blob, "blob", err)) != GS_OK ||
        (rc = need_text(options_json, GS_STORE_OPTIONS_MAX, "analysis options", err)) != GS_OK ||
        (rc = need_text(notes, GS_STORE_NOTES_MAX, "notes", err)) != GS_OK ||
        (rc = need_date(date, err)) != GS_OK)
        return rc;
    if (options_json[0] != '{')
        return gs_fail(err, GS_ERR_ARG, "analysis options: not a JSON object");
    gs_store_new_id(sid);
    gs_store_new_id(jid);
    rc = s->ops->session_add(s, account, athlete, blob, options_json, notes, date, now, sid, jid,
                             err);
    if (rc == GS_OK) {
        if (session_out)
            memcpy(session_out, sid, sizeof(gs_store_id));
        if (job_out)
            memcpy(job_out, jid, sizeof(gs_store_id));
    }
    return rc;
}

gs_status gs_store_session_get(gs_store *s, const char *account, const char *id,
                               gs_store_session *out, gs_error *err)
{
    gs_status rc;
    if ((rc = need_id(account, "account", err)) != GS_OK ||
        (rc = need_id(id, "session", err)) != GS_OK)
        return rc;
    return s->ops->session_get(s, account, id, out, err);
}

gs_status gs_store_session_list(gs_store *s, const char *account, const char *athlete,
                                gs_store_session **out, size_t *n, gs_error *err)
{
    gs_status rc;
    *out = NULL;
    *n = 0;
    if ((rc = need_id(account, "account", err)) != GS_OK ||
        (rc = need_id(athlete, "athlete", err)) != GS_OK)
        return rc;
    return s->ops->session_list(s, account, athlete, out, n, err);
}

gs_status gs_store_session_delete(gs_store *s, const char *account, const char *id,
                                  gs_store_id blob_gone, gs_error *err)
{
    gs_status rc;
    if (blob_gone)
        blob_gone[0] = '\0';
    if ((rc = need_id(account, "account", err)) != GS_OK ||
        (rc = need_id(id, "session", err)) != GS_OK)
        return rc;
    return s->ops->session_delete(s, account, id, blob_gone, err);
}

gs_status gs_store_job_get(gs_store *s, const char *account, const char *id, gs_store_job *out,
                           gs_error *err)
{
    gs_status rc;
    if ((account && (rc = need_id(account, "account", err)) != GS_OK) ||
        (rc = need_id(id, "job", err)) != GS_OK)
        return rc;
    return s->ops->job_get(s, account, id, out, err);
}

gs_status gs_store_job_claim(gs_store *s, const char *worker, int64_t now, int64_t lease_s,
                             int max_attempts, gs_store_job *out, gs_error *err)
{
    gs_status rc;
    if ((rc = need_text(worker, GS_STORE_WORKER_MAX, "worker name", err)) != GS_OK)
        return rc;
    if (!worker[0] || lease_s <= 0 || max_attempts < 1)
        return gs_fail(err, GS_ERR_ARG, "job claim: worker '%s', lease %lld s, max attempts %d",
                       worker, (long long)lease_s, max_attempts);
    return s->ops->job_claim(s, worker, now, lease_s, max_attempts, out, err);
}

gs_status gs_store_job_heartbeat_fenced(gs_store *s, const char *id, const char *worker,
                                        int attempt, double progress, const char *stage,
                                        int64_t now, int64_t lease_s, gs_error *err)
{
    gs_status rc;
    char stage_cut[GS_STORE_STAGE_MAX + 1];
    if ((rc = need_id(id, "job", err)) != GS_OK ||
        (rc = need_text(worker, GS_STORE_WORKER_MAX, "worker name", err)) != GS_OK)
        return rc;
    if (lease_s <= 0 || attempt < 0)
        return gs_fail(err, GS_ERR_ARG, "job heartbeat: lease %lld s, attempt %d",
                       (long long)lease_s, attempt);
    /* A stage name is a label from our own code, not user text: a long one is shortened rather
     * than losing the heartbeat (the lease matters more than the label). */
    snprintf(stage_cut, sizeof(stage_cut), "%s", stage ? stage : "");
    if (!(progress >= 0))
        progress = 0;
    if (progress > 1)
        progress = 1;
    return s->ops->job_heartbeat(s, id, worker, attempt, progress, stage_cut, now, lease_s, err);
}

gs_status gs_store_job_heartbeat(gs_store *s, const char *id, const char *worker,
                                 double progress, const char *stage, int64_t now,
                                 int64_t lease_s, gs_error *err)
{
    return gs_store_job_heartbeat_fenced(s, id, worker, 0, progress, stage, now, lease_s, err);
}

gs_status gs_store_job_finish_fenced(gs_store *s, const char *id, const char *worker, int attempt,
                                     gs_store_job_status status, const char *error, int64_t now,
                                     gs_error *err)
{
    gs_status rc;
    char error_cut[GS_STORE_ERROR_MAX + 1];
    if ((rc = need_id(id, "job", err)) != GS_OK ||
        (rc = need_text(worker, GS_STORE_WORKER_MAX, "worker name", err)) != GS_OK)
        return rc;
    if (attempt < 0)
        return gs_fail(err, GS_ERR_ARG, "job finish: attempt %d", attempt);
    if (status != GS_STORE_JOB_DONE && status != GS_STORE_JOB_FAILED)
        return gs_fail(err, GS_ERR_ARG, "job finish: status must be done or failed, not %s",
                       gs_store_job_status_name(status));
    if (status == GS_STORE_JOB_FAILED && (!error || !error[0]))
        error = "the analysis failed";
    if (status == GS_STORE_JOB_DONE)
        error = "";
    /* An analysis message can be longer than the column (paths in it); the job still has to
     * end, so the text is shortened here (at a UTF-8 character boundary), the one exception to
     * "never cut". */
    snprintf(error_cut, sizeof(error_cut), "%s", error);
    if (strlen(error) > GS_STORE_ERROR_MAX) {
        size_t k = GS_STORE_ERROR_MAX;
        while (k > 0 && ((unsigned char)error_cut[k] & 0xC0) == 0x80)
            k--;
        error_cut[k] = '\0';
    }
    return s->ops->job_finish(s, id, worker, attempt, status, error_cut, now, err);
}

gs_status gs_store_job_finish(gs_store *s, const char *id, const char *worker,
                              gs_store_job_status status, const char *error, int64_t now,
                              gs_error *err)
{
    return gs_store_job_finish_fenced(s, id, worker, 0, status, error, now, err);
}

gs_status gs_store_job_release_fenced(gs_store *s, const char *id, const char *worker,
                                      int attempt, int64_t now, gs_error *err)
{
    gs_status rc;
    if ((rc = need_id(id, "job", err)) != GS_OK ||
        (rc = need_text(worker, GS_STORE_WORKER_MAX, "worker name", err)) != GS_OK)
        return rc;
    if (attempt < 0)
        return gs_fail(err, GS_ERR_ARG, "job release: attempt %d", attempt);
    return s->ops->job_release(s, id, worker, attempt, now, err);
}

gs_status gs_store_job_release(gs_store *s, const char *id, const char *worker, int64_t now,
                               gs_error *err)
{
    return gs_store_job_release_fenced(s, id, worker, 0, now, err);
}

gs_status gs_store_wait_for_job(gs_store *s, int timeout_ms, int *woke, gs_error *err)
{
    int dummy;
    if (!woke)
        woke = &dummy;
    *woke = 0;
    if (timeout_ms < 0)
        return gs_fail(err, GS_ERR_ARG, "wait for job: timeout %d ms", timeout_ms);
    return s->ops->wait_for_job(s, timeout_ms, woke, err);
}

gs_status gs_store_job_cancel(gs_store *s, const char *account, const char *id, gs_error *err)
{
    gs_status rc;
    if ((rc = need_id(account, "account", err)) != GS_OK || (rc = need_id(id, "job", err)) != GS_OK)
        return rc;
    return s->ops->job_cancel(s, account, id, err);
}

gs_status gs_store_job_counts(gs_store *s, int64_t counts[5], gs_error *err)
{
    for (int i = 0; i < 5; i++)
        counts[i] = 0;
    return s->ops->job_counts(s, counts, err);
}

/* ---- shares ------------------------------------------------------------------------------- */

gs_status gs_store_share_add(gs_store *s, const char *account, const char *session,
                             const uint8_t digest[GS_STORE_DIGEST_BYTES], int64_t now,
                             int64_t expires, gs_store_id id_out, gs_error *err)
{
    gs_status rc;
    gs_store_id id;
    if ((rc = need_id(account, "account", err)) != GS_OK ||
        (rc = need_id(session, "session", err)) != GS_OK || (rc = need_digest(digest, err)) != GS_OK)
        return rc;
    gs_store_new_id(id);
    rc = s->ops->share_add(s, account, session, digest, now, expires, id, err);
    if (rc == GS_OK && id_out)
        memcpy(id_out, id, sizeof(gs_store_id));
    return rc;
}

gs_status gs_store_share_session(gs_store *s, const uint8_t digest[GS_STORE_DIGEST_BYTES],
                                 int64_t now, gs_store_id account_out,
                                 gs_store_session *session_out, gs_error *err)
{
    gs_status rc = need_digest(digest, err);
    return rc != GS_OK ? rc : s->ops->share_session(s, digest, now, account_out, session_out, err);
}

gs_status gs_store_share_delete(gs_store *s, const char *account, const char *id, gs_error *err)
{
    gs_status rc;
    if ((rc = need_id(account, "account", err)) != GS_OK ||
        (rc = need_id(id, "share", err)) != GS_OK)
        return rc;
    return s->ops->share_delete(s, account, id, err);
}

gs_status gs_store_share_list(gs_store *s, const char *account, const char *session,
                              gs_store_share **out, size_t *n, gs_error *err)
{
    gs_status rc;
    *out = NULL;
    *n = 0;
    if ((rc = need_id(account, "account", err)) != GS_OK ||
        (rc = need_id(session, "session", err)) != GS_OK)
        return rc;
    return s->ops->share_list(s, account, session, out, n, err);
}

gs_status gs_store_nkt_set(gs_store *s, const char *account, const char *session,
                           const gs_store_nkt *rec, int64_t now, gs_error *err)
{
    gs_status rc;
    if ((rc = need_id(account, "account", err)) != GS_OK ||
        (rc = need_id(session, "session", err)) != GS_OK)
        return rc;
    if (!rec)
        return gs_fail(err, GS_ERR_ARG, "store: no NKT record given");
    if ((rc = need_text(rec->tests, GS_STORE_NKT_TEXT_MAX, "tests", err)) != GS_OK ||
        (rc = need_text(rec->facilitators, GS_STORE_NKT_TEXT_MAX, "facilitators", err)) != GS_OK ||
        (rc = need_text(rec->released, GS_STORE_NKT_TEXT_MAX, "released", err)) != GS_OK ||
        (rc = need_text(rec->activated, GS_STORE_NKT_TEXT_MAX, "activated", err)) != GS_OK ||
        (rc = need_text(rec->homework, GS_STORE_NKT_TEXT_MAX, "homework", err)) != GS_OK)
        return rc;
    return s->ops->nkt_set(s, account, session, rec, now, err);
}

gs_status gs_store_nkt_get(gs_store *s, const char *account, const char *session,
                           gs_store_nkt *out, gs_error *err)
{
    gs_status rc;
    if ((rc = need_id(account, "account", err)) != GS_OK ||
        (rc = need_id(session, "session", err)) != GS_OK)
        return rc;
    return s->ops->nkt_get(s, account, session, out, err);
}

/* ---- users, invitations, retention, access log (schema 3) --------------------------------- */

const char *gs_store_role_name(gs_store_role r)
{
    return r == GS_STORE_ROLE_OWNER ? "owner" : r == GS_STORE_ROLE_THERAPIST ? "therapist" : "?";
}

gs_status gs_store_user_list(gs_store *s, const char *account, gs_store_account **out, size_t *n,
                             gs_error *err)
{
    *out = NULL;
    *n = 0;
    gs_status rc = need_id(account, "account", err);
    if (rc != GS_OK)
        return rc;
    rc = s->ops->user_list(s, account, out, n, err);
    for (size_t i = 0; rc == GS_OK && i < *n; i++)
        (*out)[i].pwhash[0] = '\0'; /* nobody listing users needs their hashes */
    return rc;
}

gs_status gs_store_user_delete(gs_store *s, const char *account, const char *user, gs_error *err)
{
    gs_status rc;
    if ((rc = need_id(account, "account", err)) != GS_OK ||
        (rc = need_id(user, "user", err)) != GS_OK)
        return rc;
    if (!strcmp(account, user))
        return gs_fail(err, GS_ERR_ARG, "the owner goes only with the account");
    return s->ops->user_delete(s, account, user, err);
}

gs_status gs_store_account_set_retention(gs_store *s, const char *account, int days,
                                         gs_error *err)
{
    gs_status rc = need_id(account, "account", err);
    if (rc != GS_OK)
        return rc;
    if (days < 0 || days > 3650)
        return gs_fail(err, GS_ERR_ARG, "retention: %d days is outside [0, 3650]", days);
    return s->ops->account_set_retention(s, account, days, err);
}

gs_status gs_store_account_delete(gs_store *s, const char *account, gs_store_id **blobs,
                                  size_t *n_blobs, gs_error *err)
{
    *blobs = NULL;
    *n_blobs = 0;
    gs_status rc = need_id(account, "account", err);
    return rc != GS_OK ? rc : s->ops->account_delete(s, account, blobs, n_blobs, err);
}

gs_status gs_store_invite_add(gs_store *s, const char *account, const char *email,
                              const char *user, const uint8_t digest[GS_STORE_DIGEST_BYTES],
                              int64_t now, int64_t expires, gs_store_id id_out, gs_error *err)
{
    gs_status rc;
    gs_store_id id;
    if ((rc = need_id(account, "account", err)) != GS_OK || (rc = need_digest(digest, err)) != GS_OK)
        return rc;
    if (user && user[0]) {
        if ((rc = need_id(user, "user", err)) != GS_OK)
            return rc;
        email = "";
    } else {
        user = NULL;
        if ((rc = need_text(email, GS_STORE_EMAIL_MAX, "email", err)) != GS_OK)
            return rc;
        if (!email[0])
            return gs_fail(err, GS_ERR_ARG, "email: empty");
    }
    if (expires <= now)
        return gs_fail(err, GS_ERR_ARG, "an invitation must expire after it is made");
    gs_store_new_id(id);
    rc = s->ops->invite_add(s, account, email, user, digest, now, expires, id, err);
    if (rc == GS_OK && id_out)
        memcpy(id_out, id, sizeof(gs_store_id));
    return rc;
}

gs_status gs_store_invite_get(gs_store *s, const uint8_t digest[GS_STORE_DIGEST_BYTES],
                              int64_t now, gs_store_invite *out, gs_error *err)
{
    gs_status rc = need_digest(digest, err);
    return rc != GS_OK ? rc : s->ops->invite_get(s, digest, now, out, err);
}

gs_status gs_store_invite_accept(gs_store *s, const uint8_t digest[GS_STORE_DIGEST_BYTES],
                                 int64_t now, const char *pwhash, gs_store_id user_out,
                                 gs_error *err)
{
    gs_status rc;
    gs_store_id id;
    if ((rc = need_digest(digest, err)) != GS_OK ||
        (rc = need_text(pwhash, GS_STORE_PWHASH_MAX, "password hash", err)) != GS_OK)
        return rc;
    if (!pwhash[0])
        return gs_fail(err, GS_ERR_ARG, "password hash: empty");
    gs_store_new_id(id); /* the new therapist's id; a reset keeps the user's */
    rc = s->ops->invite_accept(s, digest, now, pwhash, id, err);
    if (rc == GS_OK && user_out)
        memcpy(user_out, id, sizeof(gs_store_id));
    return rc;
}

gs_status gs_store_invite_list(gs_store *s, const char *account, gs_store_invite **out,
                               size_t *n, gs_error *err)
{
    *out = NULL;
    *n = 0;
    gs_status rc = need_id(account, "account", err);
    return rc != GS_OK ? rc : s->ops->invite_list(s, account, out, n, err);
}

gs_status gs_store_invite_delete(gs_store *s, const char *account, const char *id, gs_error *err)
{
    gs_status rc;
    if ((rc = need_id(account, "account", err)) != GS_OK ||
        (rc = need_id(id, "invitation", err)) != GS_OK)
        return rc;
    return s->ops->invite_delete(s, account, id, err);
}

gs_status gs_store_athlete_delete(gs_store *s, const char *account, const char *id, gs_error *err)
{
    gs_status rc;
    if ((rc = need_id(account, "account", err)) != GS_OK ||
        (rc = need_id(id, "athlete", err)) != GS_OK)
        return rc;
    return s->ops->athlete_delete(s, account, id, err);
}

gs_status gs_store_retention_due(gs_store *s, int64_t now, size_t max, gs_store_purge **out,
                                 size_t *n, gs_error *err)
{
    *out = NULL;
    *n = 0;
    if (max == 0)
        return GS_OK;
    return s->ops->retention_due(s, now, max, out, n, err);
}

gs_status gs_store_session_video_deleted(gs_store *s, const char *account, const char *session,
                                         int64_t now, gs_store_id blob_gone, gs_error *err)
{
    gs_status rc;
    blob_gone[0] = '\0';
    if ((rc = need_id(account, "account", err)) != GS_OK ||
        (rc = need_id(session, "session", err)) != GS_OK)
        return rc;
    return s->ops->session_video_deleted(s, account, session, now, blob_gone, err);
}

gs_status gs_store_access_add(gs_store *s, const char *account, const char *user,
                              const char *athlete, const char *session, const char *what,
                              const char *addr, int64_t now, gs_error *err)
{
    gs_status rc;
    if ((rc = need_id(account, "account", err)) != GS_OK ||
        (rc = need_id(athlete, "athlete", err)) != GS_OK)
        return rc;
    if (user && user[0] && (rc = need_id(user, "user", err)) != GS_OK)
        return rc;
    if (session && session[0] && (rc = need_id(session, "session", err)) != GS_OK)
        return rc;
    if ((rc = need_text(what, GS_STORE_WHAT_MAX, "what", err)) != GS_OK ||
        (rc = need_text(addr ? addr : "", GS_STORE_ADDR_MAX, "address", err)) != GS_OK)
        return rc;
    return s->ops->access_add(s, account, user && user[0] ? user : "", athlete,
                              session && session[0] ? session : "", what, addr ? addr : "", now,
                              err);
}

gs_status gs_store_access_list(gs_store *s, const char *account, size_t max, size_t skip,
                               gs_store_access **out, size_t *n, gs_error *err)
{
    *out = NULL;
    *n = 0;
    gs_status rc = need_id(account, "account", err);
    if (rc != GS_OK || max == 0)
        return rc;
    return s->ops->access_list(s, account, max, skip, out, n, err);
}

gs_status gs_store_access_prune(gs_store *s, int64_t before, size_t max, size_t *removed,
                                gs_error *err)
{
    *removed = 0;
    return max ? s->ops->access_prune(s, before, max, removed, err) : GS_OK;
}

/* ---- re-runs and comparisons (schema 4) --------------------------------------------------- */

gs_status gs_store_session_rerun(gs_store *s, const char *account, const char *session,
                                 const char *options_json, int64_t now, gs_store_id job_out,
                                 gs_error *err)
{
    gs_status rc;
    gs_store_id jid;
    if (!options_json || !options_json[0])
        options_json = "{}";
    if ((rc = need_id(account, "account", err)) != GS_OK ||
        (rc = need_id(session, "session", err)) != GS_OK ||
        (rc = need_text(options_json, GS_STORE_OPTIONS_MAX, "analysis options", err)) != GS_OK)
        return rc;
    if (options_json[0] != '{')
        return gs_fail(err, GS_ERR_ARG, "analysis options: not a JSON object");
    gs_store_new_id(jid);
    rc = s->ops->session_rerun(s, account, session, options_json, now, jid, err);
    if (rc == GS_OK && job_out)
        memcpy(job_out, jid, sizeof(gs_store_id));
    return rc;
}

gs_status gs_store_comparison_add(gs_store *s, const char *account, const char *before,
                                  const char *after, const char *options_json, int64_t now,
                                  gs_store_id id_out, gs_store_id job_out, gs_error *err)
{
    gs_status rc;
    gs_store_id cid, jid;
    if (!options_json || !options_json[0])
        options_json = "{}";
    if ((rc = need_id(account, "account", err)) != GS_OK ||
        (rc = need_id(before, "session", err)) != GS_OK ||
        (rc = need_id(after, "session", err)) != GS_OK ||
        (rc = need_text(options_json, GS_STORE_OPTIONS_MAX, "comparison options", err)) != GS_OK)
        return rc;
    if (options_json[0] != '{')
        return gs_fail(err, GS_ERR_ARG, "comparison options: not a JSON object");
    if (!strcmp(before, after))
        return gs_fail(err, GS_ERR_ARG, "before and after are the same session");
    gs_store_new_id(cid);
    gs_store_new_id(jid);
    rc = s->ops->comparison_add(s, account, before, after, options_json, now, cid, jid, err);
    if (rc == GS_OK) {
        if (id_out)
            memcpy(id_out, cid, sizeof(gs_store_id));
        if (job_out)
            memcpy(job_out, jid, sizeof(gs_store_id));
    }
    return rc;
}

gs_status gs_store_comparison_get(gs_store *s, const char *account, const char *id,
                                  gs_store_comparison *out, gs_error *err)
{
    gs_status rc;
    if ((rc = need_id(account, "account", err)) != GS_OK ||
        (rc = need_id(id, "comparison", err)) != GS_OK)
        return rc;
    return s->ops->comparison_get(s, account, id, out, err);
}

gs_status gs_store_comparison_list(gs_store *s, const char *account, const char *athlete,
                                   const char *session, gs_store_comparison **out, size_t *n,
                                   gs_error *err)
{
    gs_status rc;
    *out = NULL;
    *n = 0;
    if (!athlete == !session)
        return gs_fail(err, GS_ERR_ARG, "comparison list: give an athlete or a session");
    if ((rc = need_id(account, "account", err)) != GS_OK ||
        (athlete && (rc = need_id(athlete, "athlete", err)) != GS_OK) ||
        (session && (rc = need_id(session, "session", err)) != GS_OK))
        return rc;
    return s->ops->comparison_list(s, account, athlete, session, out, n, err);
}

gs_status gs_store_comparison_delete(gs_store *s, const char *account, const char *id,
                                     gs_error *err)
{
    gs_status rc;
    if ((rc = need_id(account, "account", err)) != GS_OK ||
        (rc = need_id(id, "comparison", err)) != GS_OK)
        return rc;
    return s->ops->comparison_delete(s, account, id, err);
}
