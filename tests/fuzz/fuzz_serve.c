/*
 * libFuzzer target for the server's request handling (src/serve/serve_parse.c): routes and path
 * parsing, JSON bodies (credentials, athlete, share), an upload's multipart text fields arriving
 * in pieces and their validation into options_json, and the Authorization, Content-Length,
 * Range and listen-address parsers. The first byte picks the parser; the rest is its input.
 * Everything must end in 0 or a 4xx/5xx status with a message, never a crash or a leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "serve_impl.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    return sodium_init() < 0;
}

static void check_status(int st)
{
    if (!(st == 0 || (st >= 400 && st < 600) || st == 200 || st == 206 || st == -1))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char msg[GS_SERVE__MSG];
    if (size < 1)
        return 0;
    uint8_t mode = data[0] % 6;
    data++, size--;
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    switch (mode) {
    case 0: { /* method NUL path */
        static const char *const methods[] = {"GET", "POST", "DELETE", "HEAD", "PUT", ""};
        gs_serve__route r;
        const char *m = methods[size ? data[0] % 6 : 0];
        int st = gs_serve__route_parse(m, size ? s + 1 : s, &r, msg, sizeof(msg));
        check_status(st);
        if (st == 0 && (r.id == GS_SERVE__R_SESSION_FILE || r.id == GS_SERVE__R_SHARED_FILE) &&
            !gs_serve__file_name(r.file))
            abort();
        break;
    }
    case 1: { /* JSON bodies through every body parser */
        static const char *const cred[] = {"email", "password", NULL};
        static const char *const ath[] = {"name", "height_m", NULL};
        static const char *const shr[] = {"days", NULL};
        char email[GS_SERVE__EMAIL_MAX + 1];
        const char *pw = NULL, *name = NULL;
        double h;
        int st, days;
        cJSON *o = gs_serve__json_object(s, size, cred, &st, msg, sizeof(msg));
        if (o) {
            check_status(gs_serve__credentials(o, email, &pw, size & 1, msg, sizeof(msg)));
            cJSON_Delete(o);
        }
        o = gs_serve__json_object(s, size, ath, &st, msg, sizeof(msg));
        if (o) {
            check_status(gs_serve__athlete_body(o, &name, &h, msg, sizeof(msg)));
            cJSON_Delete(o);
        }
        o = gs_serve__json_object(s, size, shr, &st, msg, sizeof(msg));
        if (o) {
            st = gs_serve__share_body(o, &days, msg, sizeof(msg));
            check_status(st);
            if (st == 0 && (days < 1 || days > 365))
                abort();
            cJSON_Delete(o);
        }
        /* the athlete page's reader of analysis.json members: only objects come out */
        static const char *const an[] = {"status", "metrics", "findings", NULL};
        o = gs_serve__json_pick(s, size, an);
        if (o && !cJSON_IsObject(o))
            abort();
        cJSON_Delete(o);
        break;
    }
    case 2: { /* multipart fields: records "key\x01value" split by \x02, each value in pieces */
        gs_serve__fields f = {0};
        char opts[4001];
        const char *notes, *date;
        char *save = NULL;
        for (char *rec = strtok_r(s, "\x02", &save); rec; rec = strtok_r(NULL, "\x02", &save)) {
            char *sep = strchr(rec, '\x01');
            if (!sep)
                continue;
            *sep = '\0';
            const char *v = sep + 1;
            size_t len = strlen(v), off = 0, piece = len % 7 + 1;
            while (off < len) {
                size_t k = len - off < piece ? len - off : piece;
                if (gs_serve__fields_add(&f, rec, v + off, off, k, msg, sizeof(msg)) != 0)
                    break;
                off += k;
            }
        }
        int st = gs_serve__fields_options(&f, opts, sizeof(opts), &notes, &date, msg,
                                          sizeof(msg));
        check_status(st);
        if (st == 0) {
            cJSON *o = cJSON_Parse(opts); /* what the store keeps is one JSON object */
            if (!cJSON_IsObject(o))
                abort();
            cJSON_Delete(o);
        }
        gs_serve__fields_free(&f);
        break;
    }
    case 3: { /* Range against a size taken from the first 8 bytes */
        uint64_t sz = 0, a = 0, b = 0;
        for (size_t i = 0; i < 8 && i < size; i++)
            sz = sz << 8 | data[i];
        const char *h = size > 8 ? s + 8 : "";
        int st = gs_serve__range_parse(h, sz, &a, &b);
        check_status(st);
        if (st == 206 && (a > b || b >= sz))
            abort();
        break;
    }
    case 4: { /* headers */
        uint8_t tok[GS_SERVE__TOKEN_BYTES];
        uint64_t v;
        check_status(gs_serve__bearer(s, tok, msg, sizeof(msg)));
        gs_serve__content_length(s, &v);
        struct sockaddr_storage ss;
        socklen_t sl;
        int port;
        gs_serve__listen_parse(s, &ss, &sl, &port, msg, sizeof(msg));
        break;
    }
    default: { /* e-mail and password rules */
        char email[GS_SERVE__EMAIL_MAX + 1];
        check_status(gs_serve__email_normalize(s, email, msg, sizeof(msg)));
        check_status(gs_serve__password_check("password", s, msg, sizeof(msg)));
        break;
    }
    }
    free(s);
    return 0;
}
