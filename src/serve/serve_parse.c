/*
 * The pure half of the server: routes, ids, the file table, headers (Authorization,
 * Content-Length, Range), JSON bodies, an upload's text fields, and the rate limiter. Nothing
 * here touches the network, the store or a file, so all of it is unit-tested and fuzzed
 * (tests/test_serve.c, tests/fuzz/fuzz_serve.c). Every refusal says what is wrong in one line.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "nkt.h"
#include "serve_impl.h"

#define FAIL(code, ...) (snprintf(msg, n, __VA_ARGS__), (code))

/* ---- routes ------------------------------------------------------------------------------ */

int gs_serve__id_valid(const char *s, size_t len)
{
    if (!s || len != GS_SERVE__ID_LEN)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isalnum(c) || c == '-' || c == '_') || c > 127)
            return 0;
    }
    return 1;
}

int gs_serve__token_decode(const char *s, size_t len, uint8_t token[GS_SERVE__TOKEN_BYTES])
{
    size_t bin_len = 0;
    if (len != GS_SERVE__TOKEN_LEN)
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isalnum(c) || c == '-' || c == '_') || c > 127)
            return -1;
    }
    if (sodium_base642bin(token, GS_SERVE__TOKEN_BYTES, s, len, NULL, &bin_len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        bin_len != GS_SERVE__TOKEN_BYTES)
        return -1;
    return 0;
}

void gs_serve__token_digest(gs_serve__token_kind kind, const uint8_t token[GS_SERVE__TOKEN_BYTES],
                            uint8_t digest[32])
{
    /* API bearer and share tokens: plain BLAKE2b (what the store held before the kinds; their
     * tables differ, so they cannot open each other). Cookies share the tokens table with the
     * bearer tokens, so theirs is keyed (BLAKE2b's key input as a domain separator). */
    static const char cookie_key[] = "gaitscope page session v1";
    static const char invite_key[] = "gaitscope invitation v1";
    const char *key = kind == GS_SERVE__TOKEN_COOKIE   ? cookie_key
                      : kind == GS_SERVE__TOKEN_INVITE ? invite_key
                                                       : NULL;
    crypto_generichash(digest, 32, token, GS_SERVE__TOKEN_BYTES, (const unsigned char *)key,
                       key ? strlen(key) : 0);
}

void gs_serve__token_text(const uint8_t token[GS_SERVE__TOKEN_BYTES],
                          char out[GS_SERVE__TOKEN_LEN + 1])
{
    sodium_bin2base64(out, GS_SERVE__TOKEN_LEN + 1, token, GS_SERVE__TOKEN_BYTES,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* The output files a session may have (src/analysis/analyze.c output_names(): the fixed part and
 * the key frames; overlay_slowN.mp4 is not offered, the service never asks for it). */
static const struct {
    const char *name, *type;
} files[GS_SERVE__N_FILES] = {
    {"analysis.json", "application/json"},
    {"report.html", "text/html; charset=utf-8"},
    {"overlay.mp4", "video/mp4"},
    {"angles.csv", "text/csv; charset=utf-8"},
    {"events.csv", "text/csv; charset=utf-8"},
    {"metrics.csv", "text/csv; charset=utf-8"},
    {"pose.trc", "text/plain; charset=utf-8"},
    {"pose.json", "application/json"},
    {"keyframes/left_IC.png", "image/png"},
    {"keyframes/left_MS.png", "image/png"},
    {"keyframes/left_TO.png", "image/png"},
    {"keyframes/right_IC.png", "image/png"},
    {"keyframes/right_MS.png", "image/png"},
    {"keyframes/right_TO.png", "image/png"},
    {"keyframes/contact_sheet.png", "image/png"},
};

int gs_serve__file_index(const char *name)
{
    for (int i = 0; i < GS_SERVE__N_FILES; i++)
        if (!strcmp(files[i].name, name))
            return i;
    return -1;
}

const char *gs_serve__file_name(int i)
{
    return i >= 0 && i < GS_SERVE__N_FILES ? files[i].name : NULL;
}

int gs_serve__file_shareable(int i)
{
    /* Pixels and the tracker's drawing only: report.html, analysis.json and pose.json carry the
     * findings, which quote the intake history; the CSVs and .trc are the analysis itself. */
    const char *n = gs_serve__file_name(i);
    return n && (!strcmp(n, "overlay.mp4") || !strncmp(n, "keyframes/", 10));
}

const char *gs_serve__file_type(int i)
{
    return i >= 0 && i < GS_SERVE__N_FILES ? files[i].type : "application/octet-stream";
}

/* Splits path after "/api/v1/" into at most 5 segments (pointers into buf). -1 when the path
 * is too long or has empty segments (a "//" or a trailing "/"). The file name of a files route
 * may hold one '/' (keyframes/x.png): segments past the 4th are joined back by the caller. */
#define MAX_SEGS 6
static int split(const char *path, char *buf, size_t size, char **seg, int *nseg)
{
    static const char prefix[] = "/api/v1/";
    size_t plen = sizeof(prefix) - 1, len = strlen(path);
    if (len < plen || memcmp(path, prefix, plen) != 0 || len - plen >= size)
        return -1;
    memcpy(buf, path + plen, len - plen + 1);
    *nseg = 0;
    char *p = buf;
    while (1) {
        char *slash = strchr(p, '/');
        if (*nseg == MAX_SEGS)
            return -1;
        seg[(*nseg)++] = p;
        if (!slash)
            break;
        *slash = '\0';
        p = slash + 1;
    }
    for (int i = 0; i < *nseg; i++)
        if (!seg[i][0])
            return -1;
    return 0;
}

static int method_of(const char *m)
{
    if (!strcmp(m, "GET"))
        return GS_SERVE__GET;
    if (!strcmp(m, "HEAD"))
        return GS_SERVE__HEAD;
    if (!strcmp(m, "POST"))
        return GS_SERVE__POST;
    if (!strcmp(m, "DELETE"))
        return GS_SERVE__DELETE;
    return 0;
}

static int take_id(gs_serve__route *r, const char *s, const char *what, char *msg, size_t n)
{
    if (!gs_serve__id_valid(s, strlen(s)))
        return FAIL(400, "the %s id must be 22 characters of A-Z a-z 0-9 - _", what);
    memcpy(r->rid, s, GS_SERVE__ID_LEN + 1);
    return 0;
}

/* The file name of a files route: one segment, or "keyframes/NAME". */
static int take_file(gs_serve__route *r, char **seg, int nseg, int from, char *msg, size_t n)
{
    char name[64];
    size_t a = strlen(seg[from]), b = nseg - from == 2 ? strlen(seg[from + 1]) : 0;
    if (nseg - from == 1 && a < sizeof(name)) {
        memcpy(name, seg[from], a + 1);
    } else if (nseg - from == 2 && a + b + 2 <= sizeof(name)) {
        memcpy(name, seg[from], a);
        name[a] = '/';
        memcpy(name + a + 1, seg[from + 1], b + 1);
    } else
        return FAIL(404, "no such file (docs/api.md lists the files of a session)");
    r->file = gs_serve__file_index(name);
    if (r->file < 0)
        return FAIL(404, "no such file '%.60s' (docs/api.md lists the files of a session)",
                    name);
    return 0;
}

static const struct {
    const char *name, *type;
} comparison_files[GS_SERVE__N_COMPARISON_FILES] = {
    {"comparison.html", "text/html; charset=utf-8"},
    {"comparison.json", "application/json"},
    {"side_by_side.mp4", "video/mp4"},
};

int gs_serve__comparison_file_index(const char *name)
{
    for (int i = 0; i < GS_SERVE__N_COMPARISON_FILES; i++)
        if (!strcmp(comparison_files[i].name, name))
            return i;
    return -1;
}

const char *gs_serve__comparison_file_name(int i)
{
    return comparison_files[i].name;
}

const char *gs_serve__comparison_file_type(int i)
{
    return comparison_files[i].type;
}

int gs_serve__route_parse(const char *method, const char *path, gs_serve__route *r, char *msg,
                          size_t n)
{
    char buf[256];
    char *seg[MAX_SEGS];
    int nseg = 0, allowed = 0, rc = 0;
    memset(r, 0, sizeof(*r));
    r->file = -1;
    r->needs_auth = 1;
    r->method = (gs_serve__method)method_of(method ? method : "");
    if (!path || split(path, buf, sizeof(buf), seg, &nseg) != 0)
        return FAIL(404, "no such route (the API is under /api/v1/, see docs/api.md)");
    const char *s0 = seg[0];
#define IS(i, w) (nseg > (i) && !strcmp(seg[i], (w)))
    if (nseg == 1 && IS(0, "health")) {
        r->id = GS_SERVE__R_HEALTH, allowed = GS_SERVE__GET, r->needs_auth = 0;
    } else if (nseg == 1 && IS(0, "accounts")) {
        r->id = GS_SERVE__R_ACCOUNTS, allowed = GS_SERVE__POST, r->needs_auth = 0;
    } else if (nseg == 1 && IS(0, "tokens")) {
        r->id = GS_SERVE__R_TOKENS, allowed = GS_SERVE__POST, r->needs_auth = 0;
    } else if (nseg == 2 && IS(0, "tokens") && IS(1, "current")) {
        r->id = GS_SERVE__R_TOKEN_CURRENT, allowed = GS_SERVE__DELETE;
    } else if (nseg == 1 && IS(0, "password")) {
        r->id = GS_SERVE__R_PASSWORD, allowed = GS_SERVE__POST;
    } else if (nseg == 1 && IS(0, "athletes")) {
        r->id = GS_SERVE__R_ATHLETES, allowed = GS_SERVE__GET | GS_SERVE__POST;
    } else if ((nseg == 2 || (nseg == 3 && IS(2, "sessions"))) && IS(0, "athletes")) {
        r->id = nseg == 2 ? GS_SERVE__R_ATHLETE : GS_SERVE__R_ATHLETE_SESSIONS;
        allowed = nseg == 2 ? GS_SERVE__GET | GS_SERVE__DELETE : GS_SERVE__GET | GS_SERVE__POST;
        rc = take_id(r, seg[1], "athlete", msg, n);
    } else if (nseg == 2 && IS(0, "jobs")) {
        r->id = GS_SERVE__R_JOB, allowed = GS_SERVE__GET | GS_SERVE__DELETE;
        rc = take_id(r, seg[1], "job", msg, n);
    } else if (nseg == 2 && IS(0, "sessions")) {
        r->id = GS_SERVE__R_SESSION, allowed = GS_SERVE__GET | GS_SERVE__DELETE;
        rc = take_id(r, seg[1], "session", msg, n);
    } else if (nseg == 3 && IS(0, "sessions") && IS(2, "shares")) {
        r->id = GS_SERVE__R_SESSION_SHARES, allowed = GS_SERVE__POST;
        rc = take_id(r, seg[1], "session", msg, n);
    } else if (nseg >= 4 && IS(0, "sessions") && IS(2, "files")) {
        r->id = GS_SERVE__R_SESSION_FILE, allowed = GS_SERVE__GET;
        rc = take_id(r, seg[1], "session", msg, n);
        if (!rc)
            rc = take_file(r, seg, nseg, 3, msg, n);
    } else if (nseg == 3 && IS(0, "sessions") && (IS(2, "rerun") || IS(2, "zip"))) {
        r->id = IS(2, "rerun") ? GS_SERVE__R_SESSION_RERUN : GS_SERVE__R_SESSION_ZIP;
        allowed = IS(2, "rerun") ? GS_SERVE__POST : GS_SERVE__GET;
        rc = take_id(r, seg[1], "session", msg, n);
    } else if (nseg == 3 && IS(0, "athletes") && (IS(2, "export") || IS(2, "comparisons"))) {
        r->id = IS(2, "export") ? GS_SERVE__R_ATHLETE_EXPORT : GS_SERVE__R_ATHLETE_COMPARISONS;
        allowed = IS(2, "export") ? GS_SERVE__GET : GS_SERVE__GET | GS_SERVE__POST;
        rc = take_id(r, seg[1], "athlete", msg, n);
    } else if (nseg == 2 && IS(0, "comparisons")) {
        r->id = GS_SERVE__R_COMPARISON, allowed = GS_SERVE__GET | GS_SERVE__DELETE;
        rc = take_id(r, seg[1], "comparison", msg, n);
    } else if (nseg == 4 && IS(0, "comparisons") && IS(2, "files")) {
        r->id = GS_SERVE__R_COMPARISON_FILE, allowed = GS_SERVE__GET;
        rc = take_id(r, seg[1], "comparison", msg, n);
        r->file = gs_serve__comparison_file_index(seg[3]);
        if (!rc && r->file < 0)
            rc = FAIL(404, "no such file '%.60s' (a comparison has comparison.html, "
                      "comparison.json, side_by_side.mp4)", seg[3]);
    } else if (nseg == 2 && IS(0, "shares")) {
        r->id = GS_SERVE__R_SHARE, allowed = GS_SERVE__DELETE;
        rc = take_id(r, seg[1], "share", msg, n);
    } else if ((nseg == 2 || (nseg >= 4 && IS(2, "files"))) && IS(0, "shared")) {
        r->id = nseg == 2 ? GS_SERVE__R_SHARED : GS_SERVE__R_SHARED_FILE;
        allowed = GS_SERVE__GET, r->needs_auth = 0;
        if (gs_serve__token_decode(seg[1], strlen(seg[1]), r->token) != 0)
            rc = FAIL(404, "no such share (a share token is 43 characters of base64url)");
        else if (nseg >= 4)
            rc = take_file(r, seg, nseg, 3, msg, n);
    } else if (nseg == 1 && IS(0, "account")) {
        r->id = GS_SERVE__R_ACCOUNT, allowed = GS_SERVE__GET | GS_SERVE__DELETE;
    } else if (nseg == 2 && IS(0, "account") && IS(1, "retention")) {
        r->id = GS_SERVE__R_RETENTION, allowed = GS_SERVE__POST;
    } else if (nseg == 1 && IS(0, "users")) {
        r->id = GS_SERVE__R_USERS, allowed = GS_SERVE__GET | GS_SERVE__POST;
    } else if ((nseg == 2 || (nseg == 3 && IS(2, "reset"))) && IS(0, "users")) {
        r->id = nseg == 2 ? GS_SERVE__R_USER : GS_SERVE__R_USER_RESET;
        allowed = nseg == 2 ? GS_SERVE__DELETE : GS_SERVE__POST;
        rc = take_id(r, seg[1], "user", msg, n);
    } else if (nseg == 2 && IS(0, "invitations")) {
        r->id = GS_SERVE__R_INVITATION, allowed = GS_SERVE__DELETE;
        rc = take_id(r, seg[1], "invitation", msg, n);
    } else if (nseg == 2 && IS(0, "invites")) {
        r->id = GS_SERVE__R_INVITE, allowed = GS_SERVE__GET | GS_SERVE__POST, r->needs_auth = 0;
        if (gs_serve__token_decode(seg[1], strlen(seg[1]), r->token) != 0)
            rc = FAIL(404, "no such invitation (its token is 43 characters of base64url)");
    } else if (nseg == 1 && IS(0, "access")) {
        r->id = GS_SERVE__R_ACCESS, allowed = GS_SERVE__GET;
    } else {
        (void)s0;
        return FAIL(404, "no such route (see docs/api.md)");
    }
#undef IS
    if (rc)
        return rc;
    /* HEAD is GET without a body wherever GET is allowed (RFC 9110 section 9.3.2). */
    int m = r->method == GS_SERVE__HEAD ? GS_SERVE__GET : (int)r->method;
    if (!(m & allowed))
        return FAIL(405, "method %.16s is not allowed here", method ? method : "?");
    return 0;
}

/* ---- headers ----------------------------------------------------------------------------- */

int gs_serve__bearer(const char *h, uint8_t token[GS_SERVE__TOKEN_BYTES], char *msg, size_t n)
{
    if (!h)
        return FAIL(401, "sign in first: send 'Authorization: Bearer TOKEN'");
    /* The scheme is case-insensitive (RFC 9110 section 11.1). */
    if (strncasecmp(h, "Bearer ", 7) != 0)
        return FAIL(401, "only 'Authorization: Bearer TOKEN' is accepted");
    h += 7;
    while (*h == ' ')
        h++;
    size_t len = strlen(h);
    while (len > 0 && h[len - 1] == ' ')
        len--;
    if (gs_serve__token_decode(h, len, token) != 0)
        return FAIL(401, "the token is not valid (43 characters of base64url)");
    return 0;
}

int gs_serve__content_length(const char *h, uint64_t *out)
{
    uint64_t v = 0;
    if (!h || !*h)
        return -1;
    for (; *h; h++) {
        if (*h < '0' || *h > '9')
            return -1;
        if (v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*h - '0');
    }
    *out = v;
    return 0;
}

/* Reads digits at *p into *v; 1 when at least one digit was read and no overflow. */
static int digits(const char **p, uint64_t *v)
{
    const char *s = *p;
    *v = 0;
    while (*s >= '0' && *s <= '9') {
        if (*v > (UINT64_MAX - 9) / 10)
            return 0;
        *v = *v * 10 + (uint64_t)(*s - '0');
        s++;
    }
    if (s == *p)
        return 0;
    *p = s;
    return 1;
}

int gs_serve__range_parse(const char *h, uint64_t size, uint64_t *first, uint64_t *last)
{
    uint64_t a = 0, b = 0;
    int has_a, has_b;
    if (!h)
        return 200;
    while (*h == ' ' || *h == '\t')
        h++;
    if (strncasecmp(h, "bytes", 5) != 0)
        return 200;
    h += 5;
    while (*h == ' ' || *h == '\t')
        h++;
    if (*h++ != '=')
        return 200;
    while (*h == ' ' || *h == '\t')
        h++;
    has_a = digits(&h, &a);
    if (*h++ != '-')
        return 200;
    has_b = digits(&h, &b);
    while (*h == ' ' || *h == '\t')
        h++;
    if (*h != '\0') /* several ranges or junk: the whole file */
        return 200;
    if (!has_a && !has_b)
        return 200;
    if (has_a && has_b && b < a)
        return 200; /* invalid range-spec: ignored (RFC 9110 section 14.1.1) */
    if (!has_a) { /* suffix: the last b bytes */
        if (b == 0 || size == 0)
            return 416;
        *first = b >= size ? 0 : size - b;
        *last = size - 1;
        return 206;
    }
    if (a >= size)
        return 416;
    *first = a;
    *last = has_b && b < size - 1 ? b : size - 1;
    return 206;
}

int gs_serve__listen_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len, int *port,
                           char *msg, size_t n)
{
    char host[64];
    const char *colon, *ps;
    memset(ss, 0, sizeof(*ss));
    if (!s || !*s)
        return FAIL(-1, "--listen: empty address");
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(host))
            return FAIL(-1, "--listen: '%.80s' is not [ADDR]:PORT", s);
        memcpy(host, s + 1, (size_t)(close - s - 1));
        host[close - s - 1] = '\0';
        ps = close + 2;
    } else {
        colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= sizeof(host))
            return FAIL(-1, "--listen: '%.80s' is not ADDR:PORT", s);
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
        ps = colon + 1;
    }
    uint64_t p = 0;
    if (gs_serve__content_length(ps, &p) != 0 || p > 65535)
        return FAIL(-1, "--listen: port '%.20s' is not a number in [0, 65535]", ps);
    *port = (int)p;
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)p);
        *len = sizeof(*a4);
    } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)p);
        *len = sizeof(*a6);
    } else {
        return FAIL(-1, "--listen: '%.60s' is not an IPv4 or IPv6 address", host);
    }
    return 0;
}

/* ---- members of a large JSON object ------------------------------------------------------ */

static size_t skip_ws(const char *t, size_t i, size_t len)
{
    while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
        i++;
    return i;
}

/* One past the closing quote of the string opening at t[i], or 0 (cut short, a raw control
 * character). */
static size_t string_end(const char *t, size_t i, size_t len)
{
    for (i++; i < len; i++) {
        if (t[i] == '\\')
            i++;
        else if (t[i] == '"')
            return i + 1;
        else if ((unsigned char)t[i] < 0x20)
            return 0;
    }
    return 0;
}

/* One past the value starting at t[i], or 0: strings and brackets are followed (each bracket
 * closed by its own kind, at most 1000 deep as cJSON), a number or literal runs to the next
 * delimiter; what is inside is not checked further. */
static size_t value_end(const char *t, size_t i, size_t len)
{
    char open[1000];
    size_t depth = 0;
    do {
        if (i >= len)
            return 0;
        char c = t[i];
        if (c == '"') {
            i = string_end(t, i, len);
            if (!i)
                return 0;
        } else if (c == '{' || c == '[') {
            if (depth == sizeof(open))
                return 0;
            open[depth++] = c;
            i++;
        } else if (c == '}' || c == ']') {
            if (!depth || open[depth - 1] != (c == '}' ? '{' : '['))
                return 0;
            depth--;
            i++;
        } else if (depth) {
            i++;
        } else { /* a number or literal at the top */
            size_t s = i;
            while (i < len && !strchr(",}] \t\r\n", t[i]))
                i++;
            if (i == s)
                return 0;
        }
    } while (depth);
    return i;
}

cJSON *gs_serve__json_pick(const char *text, size_t len, const char *const *keys)
{
    size_t nk = 0, i = skip_ws(text, 0, len);
    while (keys[nk])
        nk++;
    cJSON *out = cJSON_CreateObject();
    if (!out || i >= len || text[i] != '{')
        goto fail;
    i = skip_ws(text, i + 1, len);
    if (i < len && text[i] == '}')
        return out;
    for (;;) {
        if (i >= len || text[i] != '"')
            goto fail;
        size_t ks = i + 1, ke = string_end(text, i, len);
        if (!ke)
            goto fail;
        i = skip_ws(text, ke, len);
        if (i >= len || text[i] != ':')
            goto fail;
        size_t vs = skip_ws(text, i + 1, len), ve = value_end(text, vs, len);
        if (!ve)
            goto fail;
        for (size_t k = 0; k < nk; k++) {
            size_t kl = strlen(keys[k]);
            /* the first member of a name, as cJSON_GetObjectItemCaseSensitive finds it */
            if (ke - 1 - ks == kl && !memcmp(text + ks, keys[k], kl) &&
                !cJSON_GetObjectItemCaseSensitive(out, keys[k])) {
                cJSON *v = cJSON_ParseWithLength(text + vs, ve - vs);
                if (!v || !cJSON_AddItemToObject(out, keys[k], v)) {
                    cJSON_Delete(v);
                    goto fail;
                }
            }
        }
        i = skip_ws(text, ve, len);
        if (i < len && text[i] == ',') {
            i = skip_ws(text, i + 1, len);
            continue;
        }
        if (i < len && text[i] == '}')
            return out;
        goto fail;
    }
fail:
    cJSON_Delete(out);
    return NULL;
}

/* ---- JSON bodies ------------------------------------------------------------------------- */

cJSON *gs_serve__json_object(const char *body, size_t len, const char *const *allowed,
                             int *status, char *msg, size_t n)
{
    *status = 400;
    if (!body || len == 0) {
        snprintf(msg, n, "the request needs a JSON object body");
        return NULL;
    }
    cJSON *o = cJSON_ParseWithLength(body, len);
    if (!o) {
        snprintf(msg, n, "the body is not valid JSON");
        return NULL;
    }
    if (!cJSON_IsObject(o)) {
        snprintf(msg, n, "the body must be a JSON object");
        cJSON_Delete(o);
        return NULL;
    }
    for (const cJSON *c = o->child; c; c = c->next) {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = c->string && !strcmp(c->string, *a);
        if (!ok) {
            snprintf(msg, n, "unknown field '%.60s'", c->string ? c->string : "");
            cJSON_Delete(o);
            return NULL;
        }
        /* A key given twice would let two readers see different values. */
        for (const cJSON *d = c->next; d; d = d->next)
            if (d->string && c->string && !strcmp(c->string, d->string)) {
                snprintf(msg, n, "field '%.60s' is given twice", c->string);
                cJSON_Delete(o);
                return NULL;
            }
    }
    *status = 0;
    return o;
}

int gs_serve__email_normalize(const char *in, char out[GS_SERVE__EMAIL_MAX + 1], char *msg,
                              size_t n)
{
    size_t len, at = 0, ats = 0;
    while (*in == ' ' || *in == '\t')
        in++;
    len = strlen(in);
    while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\t'))
        len--;
    if (len == 0)
        return FAIL(400, "email is empty");
    if (len > GS_SERVE__EMAIL_MAX)
        return FAIL(400, "email is longer than %d characters", GS_SERVE__EMAIL_MAX);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c <= ' ' || c == 127)
            return FAIL(400, "email has a space or a control character");
        if (c == '@')
            ats++, at = i;
        out[i] = (char)tolower(c);
    }
    out[len] = '\0';
    if (ats != 1 || at == 0 || at == len - 1)
        return FAIL(400, "email must look like name@domain");
    return 0;
}

int gs_serve__password_check(const char *field, const char *pw, char *msg, size_t n)
{
    size_t bytes = strlen(pw), chars = 0;
    if (bytes > GS_SERVE__PASSWORD_MAX_BYTES)
        return FAIL(400, "%s is longer than %d bytes", field, GS_SERVE__PASSWORD_MAX_BYTES);
    for (size_t i = 0; i < bytes; i++)
        chars += ((unsigned char)pw[i] & 0xC0) != 0x80; /* UTF-8: count lead bytes */
    if (chars < GS_SERVE__PASSWORD_MIN_CHARS)
        return FAIL(400, "%s must have at least %d characters", field,
                    GS_SERVE__PASSWORD_MIN_CHARS);
    return 0;
}

int gs_serve__json_string(const cJSON *o, const char *key, const char **out, char *msg, size_t n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v)
        return FAIL(400, "%s is missing", key);
    if (!cJSON_IsString(v) || !v->valuestring)
        return FAIL(400, "%s must be a string", key);
    if (strlen(v->valuestring) > 65536)
        return FAIL(400, "%s is too long", key);
    *out = v->valuestring;
    return 0;
}

int gs_serve__credentials(const cJSON *o, char email[GS_SERVE__EMAIL_MAX + 1],
                          const char **password, int check_rule, char *msg, size_t n)
{
    const char *e = NULL;
    int rc = gs_serve__json_string(o, "email", &e, msg, n);
    if (!rc)
        rc = gs_serve__email_normalize(e, email, msg, n);
    if (!rc)
        rc = gs_serve__json_string(o, "password", password, msg, n);
    if (!rc && check_rule)
        rc = gs_serve__password_check("password", *password, msg, n);
    if (!rc && !check_rule && strlen(*password) > GS_SERVE__PASSWORD_MAX_BYTES)
        rc = FAIL(400, "password is longer than %d bytes", GS_SERVE__PASSWORD_MAX_BYTES);
    return rc;
}

/* Text a person typed: valid UTF-8 without control characters (tabs and newlines allowed when
 * multiline), so names and notes cannot break a page or a terminal that shows them. */
static int text_ok(const char *s, int multiline)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        int extra = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2
                                 : (c & 0xF8) == 0xF0 ? 3 : -1;
        if (extra < 0 || (c < 0x80 && c < 0x20 && !(multiline && (c == '\n' || c == '\t' ||
                                                                  c == '\r'))) ||
            c == 0x7F || c == 0xC0 || c == 0xC1 || c > 0xF4)
            return 0;
        for (int i = 1; i <= extra; i++)
            if ((p[i] & 0xC0) != 0x80)
                return 0;
        p += 1 + extra;
    }
    return 1;
}

/* Same bounds as the CLI's --height (src/cli/opts.c gives the sources). */
#define HEIGHT_MIN_M 0.5
#define HEIGHT_MAX_M 2.6
#define NAME_MAX_BYTES 200 /* store.h GS_STORE_NAME_MAX */

int gs_serve__athlete_body(const cJSON *o, const char **name, double *height_m, char *msg,
                           size_t n)
{
    int rc = gs_serve__json_string(o, "name", name, msg, n);
    if (rc)
        return rc;
    size_t len = strlen(*name);
    if (len == 0)
        return FAIL(400, "name is empty");
    if (len > NAME_MAX_BYTES)
        return FAIL(400, "name is longer than %d bytes", NAME_MAX_BYTES);
    if (!text_ok(*name, 0))
        return FAIL(400, "name must be UTF-8 text without control characters");
    *height_m = NAN;
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "height_m");
    if (h && !cJSON_IsNull(h)) {
        if (!cJSON_IsNumber(h) || !isfinite(h->valuedouble))
            return FAIL(400, "height_m must be a number (metres)");
        if (h->valuedouble < HEIGHT_MIN_M || h->valuedouble > HEIGHT_MAX_M)
            return FAIL(400, "height_m %g is outside [%g, %g] m", h->valuedouble, HEIGHT_MIN_M,
                        HEIGHT_MAX_M);
        *height_m = h->valuedouble;
    }
    return 0;
}

/* A share link lives at most a year: a link is a credential, and one forgotten in a message
 * should lapse (OpenCap's share tokens never do: REFERENCES.md section 8). */
#define SHARE_DAYS_MAX 365
#define SHARE_DAYS_DEFAULT 7

int gs_serve__share_body(const cJSON *o, int *days, char *msg, size_t n)
{
    const cJSON *d = o ? cJSON_GetObjectItemCaseSensitive(o, "days") : NULL;
    *days = SHARE_DAYS_DEFAULT;
    if (!d)
        return 0;
    if (!cJSON_IsNumber(d) || !isfinite(d->valuedouble) || d->valuedouble != floor(d->valuedouble))
        return FAIL(400, "days must be a whole number");
    if (d->valuedouble < 1 || d->valuedouble > SHARE_DAYS_MAX)
        return FAIL(400, "days %g is outside [1, %d]", d->valuedouble, SHARE_DAYS_MAX);
    *days = (int)d->valuedouble;
    return 0;
}

/* Retention: up to ten years; records a clinic must keep longer stay in the analysis, which
 * retention never deletes. */
#define RETENTION_DAYS_MAX 3650

int gs_serve__retention_body(const cJSON *o, int *days, char *msg, size_t n)
{
    const cJSON *d = o ? cJSON_GetObjectItemCaseSensitive(o, "days") : NULL;
    *days = 0;
    if (!d)
        return FAIL(400, "days is required (0 keeps the videos)");
    if (!cJSON_IsNumber(d) || !isfinite(d->valuedouble) || d->valuedouble != floor(d->valuedouble))
        return FAIL(400, "days must be a whole number");
    if (d->valuedouble < 0 || d->valuedouble > RETENTION_DAYS_MAX)
        return FAIL(400, "days %g is outside [0, %d]", d->valuedouble, RETENTION_DAYS_MAX);
    *days = (int)d->valuedouble;
    return 0;
}

/* ---- multipart fields -------------------------------------------------------------------- */

static const struct {
    const char *name;
    size_t max_bytes;
} fields[GS_SERVE__F_COUNT] = {
    [GS_SERVE__F_VIEW] = {"view", 32},
    [GS_SERVE__F_HEIGHT] = {"height", 32},
    [GS_SERVE__F_BELT_SPEED] = {"belt_speed", 32},
    [GS_SERVE__F_HISTORY] = {"history", 2000},
    [GS_SERVE__F_NOTES] = {"notes", 8000}, /* store.h GS_STORE_NOTES_MAX */
    [GS_SERVE__F_DATE] = {"date", 32},
    [GS_SERVE__F_START] = {"start", 32},
    [GS_SERVE__F_END] = {"end", 32},
    [GS_SERVE__F_SLOWMO] = {"slowmo", 32},
    [GS_SERVE__F_BLUR_FACES] = {"blur_faces", 32},
    [GS_SERVE__F_PERSON] = {"person", 64},
    [GS_SERVE__F_SWAP_LEGS] = {"swap_legs", 255}, /* worker.h gs_worker_session_options */
};

const char *gs_serve__field_name(gs_serve__field f)
{
    return (unsigned)f < GS_SERVE__F_COUNT ? fields[f].name : "?";
}

int gs_serve__fields_add(gs_serve__fields *f, const char *key, const char *data, uint64_t off,
                         size_t size, char *msg, size_t n)
{
    int i;
    for (i = 0; i < GS_SERVE__F_COUNT; i++)
        if (key && !strcmp(key, fields[i].name))
            break;
    if (i == GS_SERVE__F_COUNT)
        return FAIL(400, "unknown field '%.40s' (docs/api.md lists the upload fields)",
                    key ? key : "");
    if (off == 0 && f->val[i] && f->len[i] > 0)
        return FAIL(400, "field %s is given twice", fields[i].name);
    if (off != f->len[i])
        return FAIL(400, "field %s arrived out of order", fields[i].name);
    if (size > fields[i].max_bytes || f->len[i] + size > fields[i].max_bytes)
        return FAIL(400, "field %s is longer than %zu bytes", fields[i].name,
                    fields[i].max_bytes);
    if (size && memchr(data, '\0', size))
        return FAIL(400, "field %s holds a NUL byte", fields[i].name);
    char *v = realloc(f->val[i], f->len[i] + size + 1);
    if (!v)
        return FAIL(500, "out of memory");
    if (size)
        memcpy(v + f->len[i], data, size);
    f->len[i] += size;
    v[f->len[i]] = '\0';
    f->val[i] = v;
    return 0;
}

void gs_serve__fields_free(gs_serve__fields *f)
{
    for (int i = 0; i < GS_SERVE__F_COUNT; i++) {
        free(f->val[i]);
        f->val[i] = NULL;
        f->len[i] = 0;
    }
}

/* A finite number in [lo, hi] ((lo, hi] with lo_open), the whole text. */
static int number(const char *s, const char *name, double lo, int lo_open, double hi,
                  const char *unit, double *out, char *msg, size_t n)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    while (end && (*end == ' ' || *end == '\t'))
        end++;
    if (end == s || !end || *end || errno == ERANGE || !isfinite(v))
        return FAIL(400, "%s: '%.32s' is not a number", name, s);
    if (v > hi || v < lo || (lo_open && v == lo))
        return FAIL(400, "%s: %g is outside %c%g, %g] %s", name, v, lo_open ? '(' : '[', lo, hi,
                    unit);
    *out = v;
    return 0;
}

/* The view words of analysis.json (gait.h gs_gait_view_name; test_serve checks they agree). */
static const char *const view_words[] = {"side-left", "side-right", "rear", "front"};

/* YYYY-MM-DD, a day that exists in the proleptic Gregorian calendar, years 1900-2199. */
static int date_ok(const char *s)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

/* Bounds of the numbers: the CLI's shared rows (src/cli/opts.c says why each is what it is):
 * times within a day, slow motion 1-1000, belt speed (0, 12] m/s, a pixel within 65535. */
#define TIME_MAX_S 86400.0
#define SLOWMO_MAX 1000.0
#define BELT_MAX_M_S 12.0
#define PIXEL_MAX 65535.0

/* --swap-legs: "all", or 1-16 ranges "T1-T2" of seconds within a day, each T1 < T2, comma
 * separated (gait.h gs_gait_options.swap_legs; the worker and the gait stage check it again). */
static int swap_legs_ok(const char *s)
{
    int ranges = 0;
    if (!strcmp(s, "all"))
        return 1;
    for (const char *p = s;;) {
        char *end = NULL;
        if (!isdigit((unsigned char)*p))
            return 0;
        double a = strtod(p, &end);
        if (*end != '-' || !isdigit((unsigned char)end[1]))
            return 0;
        double b = strtod(end + 1, &end);
        if (!(a < b) || b > TIME_MAX_S || ++ranges > 16)
            return 0;
        if (*end == '\0')
            return 1;
        if (*end != ',')
            return 0;
        p = end + 1;
    }
}

int gs_serve__fields_options(const gs_serve__fields *f, char *options, size_t n_options,
                             const char **notes, const char **date, char *msg, size_t n)
{
    cJSON *o = cJSON_CreateObject();
    char *text = NULL;
    int rc = 0;
    double v, start_s = 0;
    const char *s;
    *notes = "";
    *date = "";
    if (!o)
        return FAIL(500, "out of memory");
#define GIVEN(i) (f->val[i] != NULL)
    if (GIVEN(GS_SERVE__F_VIEW) && strcmp(f->val[GS_SERVE__F_VIEW], "auto") != 0) {
        s = f->val[GS_SERVE__F_VIEW];
        int k = -1;
        for (int i = 0; i < 4; i++)
            if (!strcmp(s, view_words[i]))
                k = i;
        if (k < 0) {
            rc = FAIL(400, "view: '%.32s' is not one of side-left, side-right, rear, front, auto",
                      s);
            goto done;
        }
        cJSON_AddStringToObject(o, "view", view_words[k]);
    }
    if (GIVEN(GS_SERVE__F_HEIGHT)) {
        rc = number(f->val[GS_SERVE__F_HEIGHT], "height", HEIGHT_MIN_M, 0, HEIGHT_MAX_M, "m", &v,
                    msg, n);
        if (rc)
            goto done;
        cJSON_AddNumberToObject(o, "height", v);
    }
    if (GIVEN(GS_SERVE__F_BELT_SPEED)) {
        rc = number(f->val[GS_SERVE__F_BELT_SPEED], "belt_speed", 0, 1, BELT_MAX_M_S, "m/s", &v,
                    msg, n);
        if (rc)
            goto done;
        cJSON_AddNumberToObject(o, "belt_speed", v);
    }
    if (GIVEN(GS_SERVE__F_HISTORY) && f->val[GS_SERVE__F_HISTORY][0]) {
        gs_nkt_history *h = NULL;
        gs_error e = {0};
        if (gs_nkt_history_parse(f->val[GS_SERVE__F_HISTORY], &h, &e) != GS_OK) {
            /* nkt's message names the item and lists what is accepted: whole (cut at 200
             * bytes, the list lost its last regions and its end) */
            rc = FAIL(400, "%s%s", strncmp(e.msg, "history", 7) ? "history: " : "", e.msg);
            goto done;
        }
        gs_nkt_history_free(&h);
        cJSON_AddStringToObject(o, "history", f->val[GS_SERVE__F_HISTORY]);
    }
    if (GIVEN(GS_SERVE__F_START)) {
        rc = number(f->val[GS_SERVE__F_START], "start", 0, 0, TIME_MAX_S, "s", &start_s, msg, n);
        if (rc)
            goto done;
        cJSON_AddNumberToObject(o, "start", start_s);
    }
    if (GIVEN(GS_SERVE__F_END)) {
        rc = number(f->val[GS_SERVE__F_END], "end", 0, 1, TIME_MAX_S, "s", &v, msg, n);
        if (rc)
            goto done;
        if (v <= start_s) {
            rc = FAIL(400, "end: %g s is not after start (%g s)", v, start_s);
            goto done;
        }
        cJSON_AddNumberToObject(o, "end", v);
    }
    if (GIVEN(GS_SERVE__F_SLOWMO)) {
        rc = number(f->val[GS_SERVE__F_SLOWMO], "slowmo", 1, 0, SLOWMO_MAX, "", &v, msg, n);
        if (rc)
            goto done;
        cJSON_AddNumberToObject(o, "slowmo", v);
    }
    if (GIVEN(GS_SERVE__F_BLUR_FACES)) {
        s = f->val[GS_SERVE__F_BLUR_FACES];
        int b = !strcmp(s, "1") || !strcmp(s, "true") ? 1
                : !strcmp(s, "0") || !strcmp(s, "false") ? 0 : -1;
        if (b < 0) {
            rc = FAIL(400, "blur_faces: '%.32s' is not one of 1, 0, true, false", s);
            goto done;
        }
        cJSON_AddBoolToObject(o, "blur_faces", b);
    }
    if (GIVEN(GS_SERVE__F_PERSON)) {
        char buf[65], *comma;
        snprintf(buf, sizeof(buf), "%s", f->val[GS_SERVE__F_PERSON]);
        comma = strchr(buf, ',');
        double x, y;
        if (!comma) {
            rc = FAIL(400, "person: '%.32s' is not X,Y (pixels)", buf);
            goto done;
        }
        *comma = '\0';
        rc = number(buf, "person x", 0, 0, PIXEL_MAX, "px", &x, msg, n);
        if (!rc)
            rc = number(comma + 1, "person y", 0, 0, PIXEL_MAX, "px", &y, msg, n);
        if (rc)
            goto done;
        cJSON *a = cJSON_AddArrayToObject(o, "person");
        if (a) {
            cJSON_AddItemToArray(a, cJSON_CreateNumber(x));
            cJSON_AddItemToArray(a, cJSON_CreateNumber(y));
        }
    }
    if (GIVEN(GS_SERVE__F_SWAP_LEGS) && f->val[GS_SERVE__F_SWAP_LEGS][0]) {
        if (!swap_legs_ok(f->val[GS_SERVE__F_SWAP_LEGS])) {
            rc = FAIL(400,
                      "swap_legs: '%.60s' is not all or T1-T2[,T3-T4] (at most 16 ranges "
                      "of seconds, each start before its end)",
                      f->val[GS_SERVE__F_SWAP_LEGS]);
            goto done;
        }
        cJSON_AddStringToObject(o, "swap_legs", f->val[GS_SERVE__F_SWAP_LEGS]);
    }
    if (GIVEN(GS_SERVE__F_NOTES)) {
        if (!text_ok(f->val[GS_SERVE__F_NOTES], 1)) {
            rc = FAIL(400, "notes must be UTF-8 text without control characters");
            goto done;
        }
        *notes = f->val[GS_SERVE__F_NOTES];
    }
    if (GIVEN(GS_SERVE__F_DATE) && f->val[GS_SERVE__F_DATE][0]) {
        if (!date_ok(f->val[GS_SERVE__F_DATE])) {
            rc = FAIL(400, "date: '%.32s' is not a day as YYYY-MM-DD", f->val[GS_SERVE__F_DATE]);
            goto done;
        }
        *date = f->val[GS_SERVE__F_DATE];
    }
#undef GIVEN
    text = cJSON_PrintUnformatted(o);
    if (!text) {
        rc = FAIL(500, "out of memory");
        goto done;
    }
    if (strlen(text) + 1 > n_options) {
        rc = FAIL(400, "the options are longer than %zu bytes", n_options - 1);
        goto done;
    }
    memcpy(options, text, strlen(text) + 1);
done:
    cJSON_free(text);
    cJSON_Delete(o);
    return rc;
}

/* ---- rate limits ------------------------------------------------------------------------- */

void gs_serve__limiter_init(gs_serve__limiter *l, double capacity, double refill_s)
{
    memset(l, 0, sizeof(*l));
    l->capacity = capacity;
    l->refill_s = refill_s;
    randombytes_buf(l->hash_key, sizeof(l->hash_key));
}

static double refilled(const gs_serve__limiter *l, const gs_serve__bucket *b, double now_s)
{
    double dt = now_s - b->t_s;
    double t = b->tokens + (dt > 0 ? dt / l->refill_s : 0);
    return t > l->capacity ? l->capacity : t;
}

int gs_serve__limiter_take(gs_serve__limiter *l, const char *key, double now_s, double *retry_s)
{
    uint8_t h[16];
    /* A keyed hash: an attacker who cannot know the key cannot aim many keys at one slot. */
    crypto_generichash(h, sizeof(h), (const unsigned char *)key, strlen(key), l->hash_key,
                       sizeof(l->hash_key));
    uint32_t start = ((uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16) %
                     GS_SERVE__LIMIT_SLOTS;
    gs_serve__bucket *b = NULL, *spare = NULL;
    double spare_tokens = -1;
    for (uint32_t i = 0; i < GS_SERVE__LIMIT_PROBE && !b; i++) {
        gs_serve__bucket *c = &l->slot[(start + i) % GS_SERVE__LIMIT_SLOTS];
        if (c->used && !memcmp(c->key, h, sizeof(h))) {
            b = c;
        } else if (!c->used) {
            if (spare_tokens < l->capacity + 1)
                spare = c, spare_tokens = l->capacity + 1;
        } else {
            double t = refilled(l, c, now_s);
            if (t > spare_tokens)
                spare = c, spare_tokens = t;
        }
    }
    if (!b) {
        b = spare;
        memcpy(b->key, h, sizeof(h));
        b->used = 1;
        b->tokens = l->capacity;
        b->t_s = now_s;
    }
    b->tokens = refilled(l, b, now_s);
    b->t_s = now_s > b->t_s ? now_s : b->t_s;
    if (b->tokens >= 1) {
        b->tokens -= 1;
        return 1;
    }
    if (retry_s)
        *retry_s = (1 - b->tokens) * l->refill_s;
    return 0;
}

int gs_serve__host_ok(const char *h)
{
    if (!h || !*h || strlen(h) > 255)
        return 0;
    for (; *h; h++)
        if (!(('a' <= *h && *h <= 'z') || ('A' <= *h && *h <= 'Z') || ('0' <= *h && *h <= '9') ||
              strchr(".-:[]", *h)))
            return 0;
    return 1;
}
