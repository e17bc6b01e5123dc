/*
 * test_serve: the pure request handling of src/serve (serve_parse.c) on made input: routes and
 * ids, the file table, Authorization/Content-Length/Range headers, the listen address, JSON
 * bodies, an upload's text fields (split pieces, bounds, every refusal naming its field), and
 * the rate limiter on a made clock. The HTTP server itself is tested end to end over loopback
 * by tests/test_serve_api.py.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "gait.h"
#include "gs_test.h"
#include "pages_impl.h"
#include "serve_impl.h"

static char msg[GS_SERVE__MSG];

#define ID "AAAAAAAAAAAAAAAAAAAAAA"
#define TOKEN43 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static int route(const char *m, const char *p, gs_serve__route *r)
{
    msg[0] = '\0';
    return gs_serve__route_parse(m, p, r, msg, sizeof(msg));
}

static void routes_parse_to_their_ids_and_methods(void)
{
    gs_serve__route r;
    CHECK_EQ_INT(route("GET", "/api/v1/health", &r), 0);
    CHECK_EQ_INT(r.id, GS_SERVE__R_HEALTH);
    CHECK_EQ_INT(r.needs_auth, 0);
    CHECK_EQ_INT(route("POST", "/api/v1/accounts", &r), 0);
    CHECK_EQ_INT(r.needs_auth, 0);
    CHECK_EQ_INT(route("DELETE", "/api/v1/tokens/current", &r), 0);
    CHECK_EQ_INT(r.id, GS_SERVE__R_TOKEN_CURRENT);
    CHECK_EQ_INT(r.needs_auth, 1);
    CHECK_EQ_INT(route("POST", "/api/v1/athletes/" ID "/sessions", &r), 0);
    CHECK_EQ_INT(r.id, GS_SERVE__R_ATHLETE_SESSIONS);
    CHECK(!strcmp(r.rid, ID));
    CHECK_EQ_INT(route("GET", "/api/v1/sessions/" ID "/files/keyframes/left_IC.png", &r), 0);
    CHECK_EQ_INT(r.id, GS_SERVE__R_SESSION_FILE);
    CHECK(!strcmp(gs_serve__file_name(r.file), "keyframes/left_IC.png"));
    CHECK_EQ_INT(route("HEAD", "/api/v1/sessions/" ID "/files/overlay.mp4", &r), 0);
    CHECK_EQ_INT(route("DELETE", "/api/v1/jobs/" ID, &r), 0);
    CHECK_EQ_INT(route("DELETE", "/api/v1/shares/" ID, &r), 0);
    /* wrong method: 405 naming it */
    CHECK_EQ_INT(route("PUT", "/api/v1/athletes", &r), 405);
    CHECK(strstr(msg, "PUT") != NULL);
    CHECK_EQ_INT(route("PUT", "/api/v1/athletes/" ID, &r), 405);
    /* the clinic routes (issue 16) */
    CHECK_EQ_INT(route("DELETE", "/api/v1/athletes/" ID, &r), 0);
    CHECK_EQ_INT(r.id, GS_SERVE__R_ATHLETE);
    CHECK_EQ_INT(route("DELETE", "/api/v1/account", &r), 0);
    CHECK_EQ_INT(r.id, GS_SERVE__R_ACCOUNT);
    CHECK_EQ_INT(r.needs_auth, 1);
    CHECK_EQ_INT(route("POST", "/api/v1/account/retention", &r), 0);
    CHECK_EQ_INT(r.id, GS_SERVE__R_RETENTION);
    CHECK_EQ_INT(route("POST", "/api/v1/users", &r), 0);
    CHECK_EQ_INT(r.id, GS_SERVE__R_USERS);
    CHECK_EQ_INT(route("DELETE", "/api/v1/users/" ID, &r), 0);
    CHECK_EQ_INT(r.id, GS_SERVE__R_USER);
    CHECK_EQ_INT(route("POST", "/api/v1/users/" ID "/reset", &r), 0);
    CHECK_EQ_INT(r.id, GS_SERVE__R_USER_RESET);
    CHECK(!strcmp(r.rid, ID));
    CHECK_EQ_INT(route("GET", "/api/v1/users/" ID "/reset", &r), 405);
    CHECK_EQ_INT(route("GET", "/api/v1/access", &r), 0);
    CHECK_EQ_INT(r.id, GS_SERVE__R_ACCESS);
    CHECK_EQ_INT(route("DELETE", "/api/v1/access", &r), 405);
    CHECK_EQ_INT(route("POST", "/api/v1/invites/" TOKEN43, &r), 0);
    CHECK_EQ_INT(r.id, GS_SERVE__R_INVITE);
    CHECK_EQ_INT(r.needs_auth, 0);
    CHECK_EQ_INT(route("GET", "/api/v1/invites/" ID, &r), 404);
    CHECK_EQ_INT(route("DELETE", "/api/v1/invitations/" ID, &r), 0);
    CHECK_EQ_INT(r.id, GS_SERVE__R_INVITATION);
    CHECK_EQ_INT(r.needs_auth, 1);
    CHECK(!strcmp(r.rid, ID));
    CHECK_EQ_INT(route("GET", "/api/v1/invitations/" ID, &r), 405);
    CHECK_EQ_INT(route("DELETE", "/api/v1/invitations/" TOKEN43, &r), 400);
    /* unknown paths, empty segments, traversal: 404 */
    CHECK_EQ_INT(route("GET", "/api/v2/health", &r), 404);
    CHECK_EQ_INT(route("GET", "/api/v1/health/", &r), 404);
    CHECK_EQ_INT(route("GET", "/api/v1//health", &r), 404);
    CHECK_EQ_INT(route("GET", "/api/v1/sessions/" ID "/files/../gaitscope.db", &r), 404);
    CHECK_EQ_INT(route("GET", "/api/v1/sessions/" ID "/files/keyframes/../../x", &r), 404);
    CHECK_EQ_INT(route("GET", "/api/v1/sessions/" ID "/files/input.mp4", &r), 404);
    CHECK(strstr(msg, "input.mp4") != NULL);
    CHECK_EQ_INT(route("GET", "/", &r), 404);
    CHECK_EQ_INT(route("GET", "", &r), 404);
    CHECK_EQ_INT(route(NULL, NULL, &r), 404);
    /* ids: exactly 22 base64url characters */
    CHECK_EQ_INT(route("GET", "/api/v1/sessions/AAAAAAAAAAAAAAAAAAAAA", &r), 400);
    CHECK(strstr(msg, "session id") != NULL);
    CHECK_EQ_INT(route("GET", "/api/v1/sessions/AAAAAAAAAAAAAAAAAAAAAAA", &r), 400);
    CHECK_EQ_INT(route("GET", "/api/v1/jobs/AAAAAAAAAAAAAAAAAAAA.A", &r), 400);
    CHECK_EQ_INT(route("GET", "/api/v1/athletes/AAAAAAAAAAAAAAAAAAAA%2F", &r), 400);
    /* a long path is refused, not copied past its buffer */
    char longp[2000] = "/api/v1/";
    memset(longp + 8, 'a', sizeof(longp) - 9);
    longp[sizeof(longp) - 1] = '\0';
    CHECK_EQ_INT(route("GET", longp, &r), 404);
}

static void shared_routes_decode_the_token(void)
{
    gs_serve__route r;
    uint8_t tok[GS_SERVE__TOKEN_BYTES], back[GS_SERVE__TOKEN_BYTES];
    char text[GS_SERVE__TOKEN_LEN + 1], path[200];
    for (int i = 0; i < GS_SERVE__TOKEN_BYTES; i++)
        tok[i] = (uint8_t)(i * 37 + 5);
    gs_serve__token_text(tok, text);
    CHECK_EQ_INT(strlen(text), GS_SERVE__TOKEN_LEN);
    CHECK_EQ_INT(gs_serve__token_decode(text, strlen(text), back), 0);
    CHECK(!memcmp(tok, back, sizeof(tok)));
    snprintf(path, sizeof(path), "/api/v1/shared/%s/files/report.html", text);
    CHECK_EQ_INT(route("GET", path, &r), 0);
    CHECK_EQ_INT(r.id, GS_SERVE__R_SHARED_FILE);
    CHECK_EQ_INT(r.needs_auth, 0);
    CHECK(!memcmp(r.token, tok, sizeof(tok)));
    snprintf(path, sizeof(path), "/api/v1/shared/%s", text);
    CHECK_EQ_INT(route("GET", path, &r), 0);
    CHECK_EQ_INT(r.id, GS_SERVE__R_SHARED);
    CHECK_EQ_INT(route("POST", path, &r), 405);
    CHECK_EQ_INT(route("GET", "/api/v1/shared/short/files/report.html", &r), 404);
}

static void the_file_table_is_fixed(void)
{
    CHECK_EQ_INT(gs_serve__file_index("analysis.json"), 0);
    CHECK(gs_serve__file_index("overlay.mp4") >= 0);
    CHECK(!strcmp(gs_serve__file_type(gs_serve__file_index("overlay.mp4")), "video/mp4"));
    CHECK(!strncmp(gs_serve__file_type(gs_serve__file_index("report.html")), "text/html", 9));
    CHECK_EQ_INT(gs_serve__file_index("gaitscope.db"), -1);
    CHECK_EQ_INT(gs_serve__file_index(""), -1);
    CHECK(gs_serve__file_name(GS_SERVE__N_FILES) == NULL);
    CHECK(gs_serve__file_name(-1) == NULL);
    for (int i = 0; i < GS_SERVE__N_FILES; i++) {
        const char *n = gs_serve__file_name(i);
        CHECK_MSG(n && !strstr(n, "..") && n[0] != '/', "file %d", i);
    }
}

static void shares_serve_pixels_only_and_token_kinds_differ(void)
{
    int n_share = 0;
    for (int i = 0; i < GS_SERVE__N_FILES; i++)
        n_share += gs_serve__file_shareable(i);
    CHECK(n_share == 8); /* overlay.mp4 and the 7 key-frame images */
    CHECK(gs_serve__file_shareable(gs_serve__file_index("overlay.mp4")));
    CHECK(gs_serve__file_shareable(gs_serve__file_index("keyframes/right_TO.png")));
    CHECK(!gs_serve__file_shareable(gs_serve__file_index("report.html")));
    CHECK(!gs_serve__file_shareable(gs_serve__file_index("analysis.json")));
    CHECK(!gs_serve__file_shareable(gs_serve__file_index("pose.json")));
    CHECK(!gs_serve__file_shareable(-1));
    uint8_t tok[GS_SERVE__TOKEN_BYTES], api[32], cookie[32], share[32], invite[32];
    for (int i = 0; i < GS_SERVE__TOKEN_BYTES; i++)
        tok[i] = (uint8_t)(i * 7 + 1);
    gs_serve__token_digest(GS_SERVE__TOKEN_API, tok, api);
    gs_serve__token_digest(GS_SERVE__TOKEN_COOKIE, tok, cookie);
    gs_serve__token_digest(GS_SERVE__TOKEN_SHARE, tok, share);
    gs_serve__token_digest(GS_SERVE__TOKEN_INVITE, tok, invite);
    CHECK(memcmp(api, cookie, 32) != 0); /* the same bits as a cookie and as a bearer token */
    CHECK(memcmp(invite, cookie, 32) != 0 && memcmp(invite, api, 32) != 0);
    CHECK(memcmp(api, share, 32) == 0); /* separate tables; the digests stored before stay */
}

static void headers_are_parsed_strictly(void)
{
    uint8_t tok[GS_SERVE__TOKEN_BYTES];
    uint64_t v = 0;
    char good[80];
    memset(tok, 7, sizeof(tok));
    char text[GS_SERVE__TOKEN_LEN + 1];
    gs_serve__token_text(tok, text);
    snprintf(good, sizeof(good), "Bearer %s", text);
    CHECK_EQ_INT(gs_serve__bearer(good, tok, msg, sizeof(msg)), 0);
    snprintf(good, sizeof(good), "bearer   %s  ", text);
    CHECK_EQ_INT(gs_serve__bearer(good, tok, msg, sizeof(msg)), 0);
    CHECK_EQ_INT(gs_serve__bearer(NULL, tok, msg, sizeof(msg)), 401);
    CHECK_EQ_INT(gs_serve__bearer("Basic YWxhZGRpbjpvcGVuc2VzYW1l", tok, msg, sizeof(msg)), 401);
    CHECK(strstr(msg, "Bearer") != NULL);
    CHECK_EQ_INT(gs_serve__bearer("Bearer abc", tok, msg, sizeof(msg)), 401);
    CHECK_EQ_INT(gs_serve__content_length("1234", &v), 0);
    CHECK_EQ_INT(v, 1234);
    CHECK_EQ_INT(gs_serve__content_length("18446744073709551615", &v), -1); /* overflow guard */
    CHECK_EQ_INT(gs_serve__content_length("99999999999999999999999", &v), -1);
    CHECK_EQ_INT(gs_serve__content_length("-1", &v), -1);
    CHECK_EQ_INT(gs_serve__content_length("12 ", &v), -1);
    CHECK_EQ_INT(gs_serve__content_length("", &v), -1);
}

static void ranges_follow_rfc_9110(void)
{
    uint64_t a = 0, b = 0;
    CHECK_EQ_INT(gs_serve__range_parse("bytes=0-99", 1000, &a, &b), 206);
    CHECK_EQ_INT(a, 0);
    CHECK_EQ_INT(b, 99);
    CHECK_EQ_INT(gs_serve__range_parse("bytes=500-", 1000, &a, &b), 206);
    CHECK_EQ_INT(a, 500);
    CHECK_EQ_INT(b, 999);
    CHECK_EQ_INT(gs_serve__range_parse("bytes=-100", 1000, &a, &b), 206);
    CHECK_EQ_INT(a, 900);
    CHECK_EQ_INT(b, 999);
    CHECK_EQ_INT(gs_serve__range_parse("bytes=-5000", 1000, &a, &b), 206); /* whole file */
    CHECK_EQ_INT(a, 0);
    CHECK_EQ_INT(gs_serve__range_parse("bytes=900-5000", 1000, &a, &b), 206); /* clipped */
    CHECK_EQ_INT(b, 999);
    CHECK_EQ_INT(gs_serve__range_parse("bytes=1000-", 1000, &a, &b), 416);
    CHECK_EQ_INT(gs_serve__range_parse("bytes=2000-3000", 1000, &a, &b), 416);
    CHECK_EQ_INT(gs_serve__range_parse("bytes=-0", 1000, &a, &b), 416);
    CHECK_EQ_INT(gs_serve__range_parse("bytes=0-", 0, &a, &b), 416);
    CHECK_EQ_INT(gs_serve__range_parse(NULL, 1000, &a, &b), 200);
    CHECK_EQ_INT(gs_serve__range_parse("bytes=0-1,5-6", 1000, &a, &b), 200); /* several */
    CHECK_EQ_INT(gs_serve__range_parse("items=0-1", 1000, &a, &b), 200);
    CHECK_EQ_INT(gs_serve__range_parse("bytes=9-3", 1000, &a, &b), 200);
    CHECK_EQ_INT(gs_serve__range_parse("bytes=-", 1000, &a, &b), 200);
    CHECK_EQ_INT(gs_serve__range_parse("bytes=99999999999999999999999-", 1000, &a, &b), 200);
}

static void listen_addresses(void)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int port = -1;
    CHECK_EQ_INT(gs_serve__listen_parse("127.0.0.1:8080", &ss, &len, &port, msg, sizeof(msg)), 0);
    CHECK_EQ_INT(port, 8080);
    CHECK_EQ_INT(ss.ss_family, AF_INET);
    CHECK_EQ_INT(gs_serve__listen_parse("[::1]:0", &ss, &len, &port, msg, sizeof(msg)), 0);
    CHECK_EQ_INT(ss.ss_family, AF_INET6);
    CHECK_EQ_INT(port, 0);
    CHECK_EQ_INT(gs_serve__listen_parse("localhost:80", &ss, &len, &port, msg, sizeof(msg)), -1);
    CHECK(strstr(msg, "localhost") != NULL);
    CHECK_EQ_INT(gs_serve__listen_parse("127.0.0.1:70000", &ss, &len, &port, msg, sizeof(msg)),
                 -1);
    CHECK_EQ_INT(gs_serve__listen_parse("127.0.0.1", &ss, &len, &port, msg, sizeof(msg)), -1);
}

static void json_bodies(void)
{
    static const char *const keys[] = {"email", "password", NULL};
    char email[GS_SERVE__EMAIL_MAX + 1];
    const char *pw = NULL, *name = NULL;
    double h = 0;
    int st = 0, days = 0;
    const char *b = "{\"email\":\"  Ann@Example.ORG \",\"password\":\"0123456789\"}";
    cJSON *o = gs_serve__json_object(b, strlen(b), keys, &st, msg, sizeof(msg));
    CHECK(o != NULL);
    CHECK_EQ_INT(gs_serve__credentials(o, email, &pw, 1, msg, sizeof(msg)), 0);
    CHECK(!strcmp(email, "ann@example.org"));
    cJSON_Delete(o);
    b = "{\"email\":\"a@b\",\"password\":\"short\"}";
    o = gs_serve__json_object(b, strlen(b), keys, &st, msg, sizeof(msg));
    CHECK_EQ_INT(gs_serve__credentials(o, email, &pw, 1, msg, sizeof(msg)), 400);
    CHECK(strstr(msg, "at least 10") != NULL);
    CHECK_EQ_INT(gs_serve__credentials(o, email, &pw, 0, msg, sizeof(msg)), 0); /* sign-in */
    cJSON_Delete(o);
    /* ten characters of UTF-8 are ten characters, not their bytes */
    CHECK_EQ_INT(gs_serve__password_check("p", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", msg,
                                          sizeof(msg)), 400);
    CHECK_EQ_INT(gs_serve__password_check("p", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                               "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", msg,
                                          sizeof(msg)), 0);
    char *huge = malloc(2000);
    memset(huge, 'x', 1999);
    huge[1999] = '\0';
    CHECK_EQ_INT(gs_serve__password_check("password", huge, msg, sizeof(msg)), 400);
    CHECK(strstr(msg, "1024") != NULL);
    free(huge);
    /* refusals name the problem */
    CHECK(gs_serve__json_object("{", 1, keys, &st, msg, sizeof(msg)) == NULL);
    CHECK_EQ_INT(st, 400);
    CHECK(gs_serve__json_object("[1]", 3, keys, &st, msg, sizeof(msg)) == NULL);
    CHECK(strstr(msg, "object") != NULL);
    b = "{\"email\":\"a@b\",\"pasword\":\"x\"}";
    CHECK(gs_serve__json_object(b, strlen(b), keys, &st, msg, sizeof(msg)) == NULL);
    CHECK(strstr(msg, "pasword") != NULL);
    b = "{\"email\":\"a@b\",\"email\":\"c@d\"}";
    CHECK(gs_serve__json_object(b, strlen(b), keys, &st, msg, sizeof(msg)) == NULL);
    CHECK(strstr(msg, "twice") != NULL);
    CHECK(gs_serve__json_object(NULL, 0, keys, &st, msg, sizeof(msg)) == NULL);
    CHECK_EQ_INT(gs_serve__email_normalize("no-at-sign", email, msg, sizeof(msg)), 400);
    CHECK_EQ_INT(gs_serve__email_normalize("a@@b", email, msg, sizeof(msg)), 400);
    CHECK_EQ_INT(gs_serve__email_normalize("a b@c", email, msg, sizeof(msg)), 400);
    CHECK_EQ_INT(gs_serve__email_normalize("@c", email, msg, sizeof(msg)), 400);
    /* athletes */
    static const char *const akeys[] = {"name", "height_m", NULL};
    b = "{\"name\":\"Ann\",\"height_m\":1.7}";
    o = gs_serve__json_object(b, strlen(b), akeys, &st, msg, sizeof(msg));
    CHECK_EQ_INT(gs_serve__athlete_body(o, &name, &h, msg, sizeof(msg)), 0);
    CHECK_NEAR(h, 1.7, 0);
    cJSON_Delete(o);
    b = "{\"name\":\"Ann\",\"height_m\":3.1}";
    o = gs_serve__json_object(b, strlen(b), akeys, &st, msg, sizeof(msg));
    CHECK_EQ_INT(gs_serve__athlete_body(o, &name, &h, msg, sizeof(msg)), 400);
    CHECK(strstr(msg, "height_m") != NULL);
    cJSON_Delete(o);
    b = "{\"name\":\"Ann\\u0007\"}";
    o = gs_serve__json_object(b, strlen(b), akeys, &st, msg, sizeof(msg));
    CHECK_EQ_INT(gs_serve__athlete_body(o, &name, &h, msg, sizeof(msg)), 400);
    cJSON_Delete(o);
    b = "{\"name\":\"Ann\"}";
    o = gs_serve__json_object(b, strlen(b), akeys, &st, msg, sizeof(msg));
    CHECK_EQ_INT(gs_serve__athlete_body(o, &name, &h, msg, sizeof(msg)), 0);
    CHECK(isnan(h));
    cJSON_Delete(o);
    /* shares */
    CHECK_EQ_INT(gs_serve__share_body(NULL, &days, msg, sizeof(msg)), 0);
    CHECK_EQ_INT(days, 7);
    static const char *const skeys[] = {"days", NULL};
    const char *bad[] = {"{\"days\":0}", "{\"days\":366}", "{\"days\":1.5}", "{\"days\":\"3\"}",
                         "{\"days\":1e400}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        o = gs_serve__json_object(bad[i], strlen(bad[i]), skeys, &st, msg, sizeof(msg));
        CHECK_MSG(o && gs_serve__share_body(o, &days, msg, sizeof(msg)) == 400, "%s", bad[i]);
        cJSON_Delete(o);
    }
    /* retention: whole days in [0, 3650], required */
    CHECK_EQ_INT(gs_serve__retention_body(NULL, &days, msg, sizeof(msg)), 400);
    const char *rbad[] = {"{\"days\":-1}", "{\"days\":3651}", "{\"days\":0.5}",
                          "{\"days\":null}", "{}"};
    for (size_t i = 0; i < sizeof(rbad) / sizeof(rbad[0]); i++) {
        o = gs_serve__json_object(rbad[i], strlen(rbad[i]), skeys, &st, msg, sizeof(msg));
        CHECK_MSG(o && gs_serve__retention_body(o, &days, msg, sizeof(msg)) == 400, "%s", rbad[i]);
        cJSON_Delete(o);
    }
    const char *rgood[] = {"{\"days\":0}", "{\"days\":30}", "{\"days\":3650}"};
    const int rdays[] = {0, 30, 3650};
    for (size_t i = 0; i < 3; i++) {
        o = gs_serve__json_object(rgood[i], strlen(rgood[i]), skeys, &st, msg, sizeof(msg));
        CHECK_MSG(o && gs_serve__retention_body(o, &days, msg, sizeof(msg)) == 0 &&
                      days == rdays[i],
                  "%s", rgood[i]);
        cJSON_Delete(o);
    }
}

static int add(gs_serve__fields *f, const char *k, const char *v)
{
    return gs_serve__fields_add(f, k, v, 0, strlen(v), msg, sizeof(msg));
}

/* gs_serve__json_pick gives the members cJSON gives from the whole text: on an analysis
 * (tests/data, 130 kB) and on made texts whose other members hold the picked names, brackets
 * and quotes in strings; NULL where the text is not an object or a picked value not JSON. */
static void picked_members_are_those_of_the_whole_parse(void)
{
    static const char *const keys[] = {"status", "metrics", "findings", NULL};
    char *text = gs_test_read_text(GS_SOURCE_DIR "/tests/data/baseline_sample_full.json");
    CHECK(text != NULL);
    cJSON *whole = cJSON_Parse(text ? text : "");
    cJSON *p = text ? gs_serve__json_pick(text, strlen(text), keys) : NULL;
    CHECK(p != NULL && cJSON_GetArraySize(p) == 2); /* no "status" in that file */
    for (int k = 0; keys[k]; k++)
        CHECK_MSG(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(whole, keys[k]),
                                cJSON_GetObjectItemCaseSensitive(p, keys[k]), 1) ||
                      (!cJSON_GetObjectItemCaseSensitive(whole, keys[k]) &&
                       !cJSON_GetObjectItemCaseSensitive(p, keys[k])),
                  "member %s differs", keys[k]);
    cJSON_Delete(p);
    cJSON_Delete(whole);
    free(text);

    const char *made[] = {
        " {\"curves\": {\"status\": \"failed\", \"x\": [1, 2.5e3, [\"]}\\\"{\", {}]]},\n"
        "  \"findings\": [{\"title\": \"a \\\"quoted\\\" {title}\"}], \"n\": -1, \"t\": true,"
        "  \"status\": \"done\", \"status\": \"failed\", \"metrics\": null } ",
        "{}",
        "{\"status\":\"done\"}",
    };
    for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
        whole = cJSON_Parse(made[i]);
        p = gs_serve__json_pick(made[i], strlen(made[i]), keys);
        CHECK_MSG(whole && p, "made text %zu", i);
        for (int k = 0; whole && p && keys[k]; k++) {
            const cJSON *w = cJSON_GetObjectItemCaseSensitive(whole, keys[k]);
            const cJSON *q = cJSON_GetObjectItemCaseSensitive(p, keys[k]);
            CHECK_MSG((!w && !q) || cJSON_Compare(w, q, 1), "made text %zu: member %s", i,
                      keys[k]);
        }
        cJSON_Delete(p);
        cJSON_Delete(whole);
    }
    p = gs_serve__json_pick(made[0], strlen(made[0]), keys);
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(p, "status");
    CHECK(cJSON_IsString(st) && !strcmp(st->valuestring, "done")); /* the first of two */
    CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(p, "metrics")));
    CHECK(!cJSON_GetObjectItemCaseSensitive(p, "curves"));
    cJSON_Delete(p);

    const char *bad[] = {
        "",
        "[]",
        "\"status\"",
        "{\"status\": \"done\"",                      /* cut short */
        "{\"curves\": [1, 2}, \"status\": \"done\"}", /* brackets of two kinds */
        "{\"curves\": \"open, \"status\": \"done\"}",  /* a string never closed */
        "{\"status\": \"done\" \"metrics\": 1}",        /* no comma */
        "{\"metrics\": {\"a\": }, \"status\": \"done\"}", /* a picked value not JSON */
        "{\"status\": }",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        p = gs_serve__json_pick(bad[i], strlen(bad[i]), keys);
        CHECK_MSG(p == NULL, "bad text %zu: %s", i, bad[i]);
        cJSON_Delete(p);
    }
}

static void upload_fields_are_checked_and_named(void)
{
    gs_serve__fields f = {0};
    char opts[4001];
    const char *notes, *date;
    /* a value arriving in pieces */
    CHECK_EQ_INT(gs_serve__fields_add(&f, "height", "1.", 0, 2, msg, sizeof(msg)), 0);
    CHECK_EQ_INT(gs_serve__fields_add(&f, "height", "75", 2, 2, msg, sizeof(msg)), 0);
    CHECK_EQ_INT(gs_serve__fields_add(&f, "height", "9", 9, 1, msg, sizeof(msg)), 400);
    CHECK_EQ_INT(add(&f, "view", "side-right"), 0);
    CHECK_EQ_INT(add(&f, "start", "1.5"), 0);
    CHECK_EQ_INT(add(&f, "end", "4"), 0);
    CHECK_EQ_INT(add(&f, "person", "320,200"), 0);
    CHECK_EQ_INT(add(&f, "blur_faces", "true"), 0);
    CHECK_EQ_INT(add(&f, "history", "scar:abdomen"), 0);
    CHECK_EQ_INT(add(&f, "notes", "line 1\nline 2"), 0);
    CHECK_EQ_INT(add(&f, "date", "2024-02-29"), 0);
    CHECK_EQ_INT(gs_serve__fields_options(&f, opts, sizeof(opts), &notes, &date, msg, sizeof(msg)),
                 0);
    CHECK_MSG(!strcmp(opts, "{\"view\":\"side-right\",\"height\":1.75,\"history\":\"scar:abdomen\","
                            "\"start\":1.5,\"end\":4,\"blur_faces\":true,\"person\":[320,200]}"),
              "%s", opts);
    CHECK(!strcmp(notes, "line 1\nline 2"));
    CHECK(!strcmp(date, "2024-02-29"));
    gs_serve__fields_free(&f);

    /* each refusal names its field */
    static const struct {
        const char *key, *value, *needle;
    } bad[] = {
        {"height", "3", "height"},
        {"height", "nan", "height"},
        {"height", "1e999", "height"},
        {"height", "1.7m", "height"},
        {"belt_speed", "0", "belt_speed"},
        {"belt_speed", "13", "belt_speed"},
        {"view", "top", "view"},
        {"start", "-1", "start"},
        {"end", "0", "end"},
        {"slowmo", "0.5", "slowmo"},
        {"slowmo", "inf", "slowmo"},
        {"blur_faces", "yes", "blur_faces"},
        {"person", "12", "person"},
        {"person", "1,70000", "person y"},
        {"date", "2023-02-29", "date"},
        {"date", "24-01-01", "date"},
        {"history", "scar:elbow", "history"},
        {"notes", "bell\a", "notes"},
        {"swap_legs", "3-2", "swap_legs"},
        {"swap_legs", "1-2,", "swap_legs"},
        {"swap_legs", "left", "swap_legs"},
        {"swap_legs", "-1-2", "swap_legs"},
        {"swap_legs", "1-90000", "swap_legs"},
        {"swap_legs",
         "0-1,1-2,2-3,3-4,4-5,5-6,6-7,7-8,8-9,9-10,10-11,11-12,12-13,13-14,14-15,15-16,16-17",
         "swap_legs"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        gs_serve__fields g = {0};
        CHECK_EQ_INT(add(&g, bad[i].key, bad[i].value), 0);
        int st = gs_serve__fields_options(&g, opts, sizeof(opts), &notes, &date, msg,
                                          sizeof(msg));
        CHECK_MSG(st == 400 && strstr(msg, bad[i].needle), "%s=%s: %d '%s'", bad[i].key,
                  bad[i].value, st, msg);
        gs_serve__fields_free(&g);
    }
    /* a wrong intake-history item: nkt's message whole, the accepted list to its end (the
     * upload form showed it cut after "hip, ") */
    {
        gs_serve__fields g = {0};
        CHECK_EQ_INT(add(&g, "history", "scar:belly"), 0);
        int st = gs_serve__fields_options(&g, opts, sizeof(opts), &notes, &date, msg,
                                          sizeof(msg));
        CHECK_MSG(st == 400 && strstr(msg, "history item 'scar:belly' not understood") == msg &&
                      strstr(msg, "hip, groin, shoulder"),
                  "%d '%s'", st, msg);
        gs_serve__fields_free(&g);
    }
    /* swap_legs as gaitscope analyze --swap-legs takes it: all, or up to 16 ranges */
    static const char *const swaps[] = {"all", "1.5-2", "0-1,2.25-3.5", "10-20,30-40,50-60"};
    for (size_t i = 0; i < sizeof(swaps) / sizeof(swaps[0]); i++) {
        gs_serve__fields g = {0};
        char want[128];
        CHECK_EQ_INT(add(&g, "swap_legs", swaps[i]), 0);
        CHECK_EQ_INT(
            gs_serve__fields_options(&g, opts, sizeof(opts), &notes, &date, msg, sizeof(msg)), 0);
        snprintf(want, sizeof(want), "{\"swap_legs\":\"%s\"}", swaps[i]);
        CHECK_MSG(!strcmp(opts, want), "swap_legs %s: %s", swaps[i], opts);
        gs_serve__fields_free(&g);
    }
    {
        gs_serve__fields g = {0};
        add(&g, "start", "5");
        add(&g, "end", "4");
        CHECK_EQ_INT(gs_serve__fields_options(&g, opts, sizeof(opts), &notes, &date, msg,
                                              sizeof(msg)), 400);
        CHECK(strstr(msg, "after start") != NULL);
        gs_serve__fields_free(&g);
    }
    gs_serve__fields g = {0};
    CHECK_EQ_INT(add(&g, "colour", "red"), 400);
    CHECK(strstr(msg, "colour") != NULL);
    CHECK_EQ_INT(add(&g, "view", "rear"), 0);
    CHECK_EQ_INT(add(&g, "view", "rear"), 400); /* given twice */
    char big[9000];
    memset(big, 'n', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    CHECK_EQ_INT(add(&g, "notes", big), 400);
    CHECK(strstr(msg, "8000") != NULL);
    CHECK_EQ_INT(gs_serve__fields_add(&g, "date", "20\0", 0, 3, msg, sizeof(msg)), 400);
    gs_serve__fields_free(&g);
    /* "auto" and nothing at all mean: detect everything */
    gs_serve__fields e = {0};
    add(&e, "view", "auto");
    CHECK_EQ_INT(gs_serve__fields_options(&e, opts, sizeof(opts), &notes, &date, msg, sizeof(msg)),
                 0);
    CHECK(!strcmp(opts, "{}"));
    gs_serve__fields_free(&e);
}

static void view_words_are_the_gait_names(void)
{
    /* serve_parse.c keeps its own copy (the fuzz target does not link gait); they must agree. */
    const char *words[] = {"side-left", "side-right", "rear", "front"};
    for (int v = GS_GAIT_VIEW_SIDE_LEFT; v <= GS_GAIT_VIEW_FRONT; v++)
        CHECK_MSG(!strcmp(gs_gait_view_name((gs_gait_view_kind)v), words[v - 1]), "%d: %s", v,
                  gs_gait_view_name((gs_gait_view_kind)v));
}

static void the_rate_limiter_allows_a_burst_then_one_per_period(void)
{
    gs_serve__limiter *l = malloc(sizeof(*l));
    double retry = 0;
    gs_serve__limiter_init(l, 5, 60);
    for (int i = 0; i < 5; i++)
        CHECK_MSG(gs_serve__limiter_take(l, "e:a@b", 1000.0, &retry) == 1, "take %d", i);
    CHECK_EQ_INT(gs_serve__limiter_take(l, "e:a@b", 1000.0, &retry), 0);
    CHECK_NEAR(retry, 60, 1e-9);
    CHECK_EQ_INT(gs_serve__limiter_take(l, "e:c@d", 1000.0, &retry), 1); /* another key */
    CHECK_EQ_INT(gs_serve__limiter_take(l, "e:a@b", 1030.0, &retry), 0);
    CHECK_NEAR(retry, 30, 1e-9);
    CHECK_EQ_INT(gs_serve__limiter_take(l, "e:a@b", 1060.0, &retry), 1);
    CHECK_EQ_INT(gs_serve__limiter_take(l, "e:a@b", 1060.0, &retry), 0);
    /* a flood of other keys cannot grow memory, and an exhausted bucket is not the one reused
     * while fuller ones exist */
    char k[32];
    for (int i = 0; i < 100000; i++) {
        snprintf(k, sizeof(k), "a:10.0.%d.%d", i / 256, i % 256);
        gs_serve__limiter_take(l, k, 1060.0, NULL);
    }
    CHECK_EQ_INT(gs_serve__limiter_take(l, "e:a@b", 1060.0, &retry), 0);
    free(l);
}

/* Host headers repeated in share links: only name, address and port characters, bounded. */
static void hosts_repeated_in_links_are_plain(void)
{
    CHECK_EQ_INT(gs_serve__host_ok("127.0.0.1:8080"), 1);
    CHECK_EQ_INT(gs_serve__host_ok("clinic.example.org"), 1);
    CHECK_EQ_INT(gs_serve__host_ok("[::1]:8443"), 1);
    CHECK_EQ_INT(gs_serve__host_ok(""), 0);
    CHECK_EQ_INT(gs_serve__host_ok(NULL), 0);
    CHECK_EQ_INT(gs_serve__host_ok("evil.example/\"><script>"), 0);
    CHECK_EQ_INT(gs_serve__host_ok("a b"), 0);
    CHECK_EQ_INT(gs_serve__host_ok("user@host"), 0);
    char longhost[300];
    memset(longhost, 'a', sizeof(longhost) - 1);
    longhost[sizeof(longhost) - 1] = 0;
    CHECK_EQ_INT(gs_serve__host_ok(longhost), 0);
    longhost[255] = 0;
    CHECK_EQ_INT(gs_serve__host_ok(longhost), 1);
}

/* The comparison page's summary says what the pair's frame rate cannot tell (comparison.json
 * "frame_rate_limit"), escaped, before the real changes; without it (or from an older
 * comparison.json without the key) it shows three counts as before. */
static void comparison_summary_says_what_the_frame_rate_cannot_tell(void)
{
    cJSON *cj = cJSON_Parse(
        "{\"summary\": {\"real\": 1, \"noise\": 30, \"not_comparable\": 2, \"cannot_tell\": 8},"
        " \"frame_rate_limit\": {\"fps\": 30, \"message\": \"At 30 fps these two recordings "
        "cannot tell whether ground contact time <changed>.\", \"metrics\": []},"
        " \"metrics\": [{\"metric\": \"cadence_spm\", \"side\": \"all\", \"verdict\": "
        "\"real\", \"before\": 160, \"after\": 170, \"unit\": \"steps/min\"}]}");
    gs_html_buf b = {0};
    CHECK(cj != NULL);
    gs_pages_comparison_summary_html(&b, cj);
    CHECK(b.p != NULL && !b.oom);
    if (b.p) {
        const char *box = strstr(b.p, "<div class=\"alert warn\" id=\"frame-rate-limit\">");
        CHECK_STR_CONTAINS(b.p, "<strong>8</strong> cannot tell at 30 fps, <strong>2</strong> "
                                "not comparable.");
        CHECK(box != NULL);
        CHECK_STR_CONTAINS(box, "At 30 fps these two recordings cannot tell whether ground "
                                "contact time &lt;changed&gt;.");
        CHECK(box && strstr(b.p, "id=\"real-changes\"") > box);
    }
    free(b.p);
    cJSON_Delete(cj);
    cj = cJSON_Parse("{\"summary\": {\"real\": 0, \"noise\": 3, \"not_comparable\": 1}, "
                     "\"metrics\": []}");
    memset(&b, 0, sizeof(b));
    gs_pages_comparison_summary_html(&b, cj);
    if (b.p) {
        CHECK_STR_CONTAINS(b.p, "<strong>0</strong> real changes, <strong>3</strong> within "
                                "noise, <strong>1</strong> not comparable.");
        CHECK(strstr(b.p, "frame-rate-limit") == NULL && strstr(b.p, "cannot tell") == NULL);
    }
    free(b.p);
    cJSON_Delete(cj);
}

/* The summary of a comparison.json with no metric compared, failed and passed checks checks and
 * warnings warnings (JSON arrays written with ' for "; NULL: no key): its "none-compared" line
 * ("" when absent), into out. */
static void none_compared_of(const char *checks, const char *warnings, char *out, size_t n)
{
    char j[2048];
    gs_html_buf b = {0};
    const char *li, *end;
    int len = snprintf(j, sizeof(j),
                       "{'summary': {'real': 0, 'noise': 0, 'not_comparable': 12}, 'metrics': []"
                       "%s%s%s%s}",
                       checks ? ", 'comparability': " : "", checks ? checks : "",
                       warnings ? ", 'warnings': " : "", warnings ? warnings : "");
    CHECK(len > 0 && (size_t)len < sizeof(j));
    for (char *p = j; *p; p++)
        if (*p == '\'')
            *p = '"';
    cJSON *cj = cJSON_Parse(j);
    out[0] = '\0';
    CHECK(cj != NULL);
    gs_pages_comparison_summary_html(&b, cj);
    CHECK(b.p != NULL && !b.oom);
    li = b.p ? strstr(b.p, "<li class=\"err\" id=\"none-compared\">") : NULL;
    end = li ? strstr(li, "</li>") : NULL;
    CHECK(li && end);
    if (li && end)
        snprintf(out, n, "%.*s", (int)(end - li), li);
    free(b.p);
    cJSON_Delete(cj);
}

/*
 * No metric compared: the page says what differs from the failed checks (comparison.json
 * `comparability`, "ok": false), the filming, the analysis or both, and what mends it: a new
 * recording, or analysing again with Re-run. It said "the two clips differ in how they were
 * filmed" when only the contacts' and toe-offs' timing differed, and sent a clinic to film
 * again for what a Re-run mends.
 */
static void none_compared_says_whether_filming_or_analysis_differs(void)
{
    char li[2048];
    /* the contacts and toe-offs timed differently, nothing else: analysis only */
    none_compared_of("[{'check': 'view', 'ok': true}, {'check': 'speed', 'ok': null}, "
                     "{'check': 'strides_left', 'ok': true}, "
                     "{'check': 'contact_timing', 'ok': false}, "
                     "{'check': 'toe_off_timing', 'ok': false}]",
                     "['contacts and toe-offs timed from the picture in BEFORE, from the "
                     "landmarks in AFTER: analyse AFTER again from its video (Re-run, or "
                     "gaitscope analyze --contact image), or both with --contact landmarks "
                     "--toe-off landmarks']",
                     li, sizeof(li));
    CHECK_STR_CONTAINS(li, "No metric could be compared: the two sessions were analysed "
                           "differently (contacts and toe-offs timed by different methods); the "
                           "reasons are listed below. A difference could be the method&#39;s "
                           "and not the athlete&#39;s. The clips need no new recording: analyse "
                           "again as the warning below says, with Re-run on that session&#39;s "
                           "page.");
    CHECK_MSG(strstr(li, "filmed") == NULL, "%s", li);
    /* the warning under it in the pages' words: Re-run, no command-line options */
    {
        cJSON *cj = cJSON_Parse(
            "{\"summary\": {\"real\": 0, \"noise\": 0, \"not_comparable\": 12}, \"metrics\": [], "
            "\"warnings\": [\"toe-offs timed from the picture in AFTER, from the landmarks in "
            "BEFORE: analyse BEFORE again from its video (Re-run, or gaitscope analyze), or both "
            "with --contact landmarks --toe-off landmarks\"]}");
        gs_html_buf b = {0};
        gs_pages_comparison_summary_html(&b, cj);
        CHECK(b.p != NULL);
        if (b.p) {
            CHECK_STR_CONTAINS(b.p, "<li>Toe-offs timed from the picture in the after session, "
                                    "from the landmarks in the before session: analyse the "
                                    "before session again from its video (with Re-run).</li>");
            CHECK(strstr(b.p, "--") == NULL);
        }
        free(b.p);
        cJSON_Delete(cj);
    }
    /* one event type, and the metrics' version: analysis only */
    none_compared_of("[{'check': 'metrics_revision', 'ok': false}, "
                     "{'check': 'toe_off_timing', 'ok': false}]",
                     NULL, li, sizeof(li));
    CHECK_STR_CONTAINS(li, ": the two sessions were analysed differently (one by an older "
                           "version of the measures; toe-offs timed by different methods); ");
    CHECK_STR_CONTAINS(li, "The clips need no new recording");
    /* the filming only: a new recording */
    none_compared_of("[{'check': 'camera_distance', 'ok': false}, "
                     "{'check': 'frame_rate', 'ok': false}, "
                     "{'check': 'contact_timing', 'ok': true}]",
                     NULL, li, sizeof(li));
    CHECK_STR_CONTAINS(li, "No metric could be compared: the two clips differ in how they were "
                           "filmed (frame rate, camera distance); the reasons are listed below. "
                           "A difference could be the camera&#39;s and not the athlete&#39;s: "
                           "film both the same way to compare them. That needs a new "
                           "recording; analysing again cannot mend it.");
    CHECK_MSG(strstr(li, "analysed differently") == NULL, "%s", li);
    /* what was done, and too few strides */
    none_compared_of("[{'check': 'speed', 'ok': false}, {'check': 'strides_right', 'ok': false}]",
                     NULL, li, sizeof(li));
    CHECK_STR_CONTAINS(li, ": the two clips differ in how they were filmed or what was done "
                           "(running speed) and a clip is too short (too few strides for a "
                           "stable mean); ");
    CHECK_STR_CONTAINS(li, "film both the same way, and long enough, to compare them");
    none_compared_of("[{'check': 'strides_left', 'ok': false}]", NULL, li, sizeof(li));
    CHECK_STR_CONTAINS(li, "compared: a clip is too short (too few strides for a stable mean); "
                           "the reasons are listed below. Film longer clips to compare them.");
    /* both: the filming needs a new recording, a Re-run alone is not enough */
    none_compared_of("[{'check': 'view', 'ok': false}, {'check': 'contact_timing', 'ok': false}]",
                     NULL, li, sizeof(li));
    CHECK_STR_CONTAINS(li, ": the two clips differ in how they were filmed (view), and the two "
                           "sessions were analysed differently (contacts timed by different "
                           "methods); the reasons are listed below. The filming needs a new "
                           "recording made the same way; analysing again (Re-run) mends only "
                           "the analysis, so it alone is not enough.");
    none_compared_of("[{'check': 'strides_left', 'ok': false}, "
                     "{'check': 'toe_off_timing', 'ok': false}]",
                     NULL, li, sizeof(li));
    CHECK_STR_CONTAINS(li, "Longer clips need a new recording; analysing again (Re-run) mends "
                           "only the analysis");
    /* no failed check named (an older comparison.json): no cause made up */
    none_compared_of(NULL, NULL, li, sizeof(li));
    CHECK_STR_CONTAINS(li, "No metric could be compared (each row says why in the comparison "
                           "below).");
    CHECK_MSG(strstr(li, "filmed") == NULL && strstr(li, "analysed") == NULL, "%s", li);
}

/*
 * A comparison's warning of any length is on the page whole, in the pages' words. The rewrite
 * into those words went through a fixed buffer (GS_STORE_ERROR_MAX * 2 + 64 = 1088 bytes) and
 * stopped when it was full: a long warning (several joined) lost its end with no sign.
 */
static void comparison_warnings_of_any_length_are_written_whole(void)
{
    gs_html_buf warn = {0}, want = {0}, b = {0};
    gs_html_puts(&warn, "contacts timed from the picture in BEFORE, from the landmarks in AFTER:");
    gs_html_puts(&want, "<ul class=\"muted\" id=\"comparison-warnings\"><li>Contacts timed from "
                        "the picture in the before session, from the landmarks in the after "
                        "session:");
    for (int i = 0; i < 300; i++) { /* 1500 bytes, the session words rewritten all along */
        gs_html_printf(&warn, " w%03d%s", i, i % 30 ? "" : " BEFORE");
        gs_html_printf(&want, " w%03d%s", i, i % 30 ? "" : " the before session");
    }
    gs_html_puts(&warn, ": analyse AFTER again (Re-run, or gaitscope analyze) endmarker");
    gs_html_puts(&want, ": analyse the after session again (with Re-run) endmarker.</li></ul>");
    CHECK(!warn.oom && !want.oom && warn.n > 1500);
    cJSON *cj = cJSON_CreateObject(), *ws = cJSON_AddArrayToObject(cj, "warnings");
    cJSON *sum = cJSON_AddObjectToObject(cj, "summary");
    cJSON_AddNumberToObject(sum, "real", 0);
    cJSON_AddNumberToObject(sum, "noise", 3);
    cJSON_AddItemToObject(cj, "metrics", cJSON_CreateArray());
    cJSON_AddItemToArray(ws, cJSON_CreateString(warn.p ? warn.p : ""));
    gs_pages_comparison_summary_html(&b, cj);
    CHECK(b.p != NULL && !b.oom);
    if (b.p && want.p) {
        const char *li = strstr(b.p, "id=\"comparison-warnings\"");
        const char *end = li ? strstr(li, "</ul>") : NULL;
        CHECK_MSG(strstr(b.p, want.p) != NULL,
                  "the %zu-byte warning is not on the page whole; the page's ends: ...%.80s",
                  warn.n, end && end - li > 80 ? end - 75 : "(no warnings list)");
    }
    cJSON_Delete(cj);
    free(warn.p);
    free(want.p);
    free(b.p);
}

int main(int argc, char **argv)
{
    (void)argc, (void)argv;
    if (sodium_init() < 0)
        return 1;
    routes_parse_to_their_ids_and_methods();
    shared_routes_decode_the_token();
    the_file_table_is_fixed();
    shares_serve_pixels_only_and_token_kinds_differ();
    headers_are_parsed_strictly();
    ranges_follow_rfc_9110();
    listen_addresses();
    json_bodies();
    picked_members_are_those_of_the_whole_parse();
    upload_fields_are_checked_and_named();
    view_words_are_the_gait_names();
    the_rate_limiter_allows_a_burst_then_one_per_period();
    hosts_repeated_in_links_are_plain();
    comparison_summary_says_what_the_frame_rate_cannot_tell();
    none_compared_says_whether_filming_or_analysis_differs();
    comparison_warnings_of_any_length_are_written_whole();
    return gs_test_failures() ? 1 : 0;
}
