/*
 * gaitscope serve, the browser pages' frame: routing of every path outside /api/, the cookie
 * session and CSRF tokens (pages_impl.h says how), forms, and the sign-up / sign-in / sign-out
 * pages. The pages are server-rendered HTML in report.html's look (its stylesheet), usable on a
 * phone (one column under 700 px), with a nonce-bound script only where a page needs one.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>
#include <sodium.h>

#include "nkt.h"
#include "pages_impl.h"
#include "serve_http_impl.h"

#define SESSION_COOKIE "gs_session"
#define CSRF_COOKIE "gs_csrf"
#define SESSION_MAX_AGE_S (30 * 86400) /* as the API's tokens (serve.c TOKEN_LIFETIME_S) */

/* Pages may run their own nonce'd script, talk to us (the upload's XHR), show our images, video
 * and the report in a frame; nothing from elsewhere, no plugins, and they are never framed
 * (Content Security Policy Level 3, W3C). */
#define PAGE_CSP_FMT                                                                             \
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; media-src 'self'; "   \
    "frame-src 'self'; connect-src 'self'; script-src 'nonce-%s'; base-uri 'none'; "            \
    "form-action 'self'; frame-ancestors 'none'"

/* The pages' own styles on top of report.html's stylesheet (gs_report_css). */
static const char page_css[] =
    ".topnav{display:flex;gap:1em;align-items:center;flex-wrap:wrap;padding:.6em 0;"
    "border-bottom:1px solid #ccc;margin-bottom:1em}.topnav .brand{font-weight:700}"
    ".topnav .who{margin-left:auto;color:#555;overflow-wrap:anywhere}"
    ".topnav form{display:inline;margin:0}.topnav button{margin:0}"
    "form.card{max-width:28em}label{display:block;margin:.6em 0 .2em}"
    "input,select,textarea{font:inherit;padding:.35em;max-width:100%;box-sizing:border-box}"
    "input[type=text],input[type=email],input[type=password],input[type=number],"
    "input[type=date],textarea,select{width:100%}"
    "button,.button{font:inherit;padding:.4em 1em;margin:.6em .4em .6em 0;cursor:pointer}"
    ".danger{color:#a00}.muted{color:#666}.err{color:#a00;font-weight:600}"
    ".list button{white-space:nowrap}.nowrap{white-space:nowrap}"
    "table.list{border-collapse:collapse;width:100%}table.list td,table.list th"
    "{border-bottom:1px solid #ddd;padding:.35em;text-align:left;vertical-align:top;"
    "white-space:normal;min-width:0;max-width:none;position:static;background:none}"
    "iframe.report{width:100%;height:80vh;border:1px solid #ccc}"
    "video{max-width:100%;max-height:80vh}"
    /* key frames three to a row (contact, midstance, toe-off; a row per side) with their
     * captions; on a phone the rows scroll sideways together, a frame 72 % of the screen wide,
     * as report.html's (three in 390 px were 115 px tiles whose angles could not be read) */
    ".kframes{display:grid;grid-template-columns:repeat(3,1fr);gap:.5em}"
    ".kframes figure{margin:0;min-width:0}.kframes img{width:100%;height:auto;display:block}"
    ".kframes figcaption{font-size:.85em;color:#555}"
    "@media (max-width:600px){.kframes{grid-template-columns:repeat(3,72vw);overflow-x:auto;"
    "scroll-snap-type:x mandatory}.kframes figure{scroll-snap-align:start}}"
    /* a date stays on one line (at 390 px "2026-12-07" broke after its first hyphen) */
    "#sessions td:first-child,#comparisons td:nth-child(-n+2){white-space:nowrap}"
    "progress{width:100%;height:1.4em}"
    "code,dd,td,p{overflow-wrap:anywhere}.email,.words{overflow-wrap:normal;word-break:normal}"
    ".cols{display:flex;gap:1.5em;flex-wrap:wrap}.cols>div{flex:1 1 20em;min-width:0}"
    "@media (max-width:700px){main{padding:0 .6em}}"
    "@media (max-width:600px){table.list.mt td{border:0}}"; /* a card's lines: its row's */

/* ---- small helpers ------------------------------------------------------------------------ */

void gs_page_day(int64_t t, char out[11])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || strftime(out, 11, "%Y-%m-%d", &tm) == 0)
        snprintf(out, 11, "?");
}

void gs_page_history_help(gs_html_buf *b, const char *id)
{
    /* nkt's message for an item it does not know lists the kinds and regions it accepts: that
     * list, so that the form's never drifts from the parser's (the field gave one example and a
     * physiotherapist had to guess "belly" or "abdomen") */
    gs_nkt_history *h = NULL;
    gs_error e = {0};
    if (gs_nkt_history_parse("?:?", &h, &e) == GS_OK) {
        gs_nkt_history_free(&h);
        return;
    }
    const char *acc = strstr(e.msg, "accepted: ");
    if (!acc)
        return;
    gs_html_printf(b, "<small class=\"muted\" id=\"%s\">Items are kind:region, comma separated. "
                      "Accepted ",
                   id);
    gs_html_esc(b, acc + strlen("accepted: "));
    gs_html_puts(b, ".</small>");
}

/* The CSRF token bound to a 32-byte cookie secret: BLAKE2b keyed by the secret. */
static void csrf_of(const uint8_t key[GS_SERVE__TOKEN_BYTES], char out[GS_SERVE__TOKEN_LEN + 1])
{
    static const char what[] = "gaitscope csrf v1";
    uint8_t h[GS_SERVE__TOKEN_BYTES];
    crypto_generichash(h, sizeof(h), (const uint8_t *)what, sizeof(what) - 1, key,
                       GS_SERVE__TOKEN_BYTES);
    gs_serve__token_text(h, out);
}

static void add_cookie(gs_page *pg, const char *name, const char *value, int max_age_s)
{
    if (pg->n_cookie >= 2)
        return;
    snprintf(pg->cookie[pg->n_cookie++], sizeof(pg->cookie[0]),
             "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax%s", name, value, max_age_s,
             gs_serve__is_tls(pg->s) ? "; Secure" : "");
}

/* Queues a page's answer: body (taken over; NULL: empty) of type ctype, the page CSP with this
 * answer's script nonce, no framing, the cookies to set, and location (NULL: none). */
static int page_reply(gs_page *pg, unsigned status, const char *ctype, char *body,
                      const char *location)
{
    char csp[512];
    const char *extra[16];
    int k = 0;
    snprintf(csp, sizeof(csp), PAGE_CSP_FMT, pg->nonce);
    extra[k++] = "Content-Security-Policy";
    extra[k++] = csp;
    extra[k++] = "X-Frame-Options";
    extra[k++] = "DENY";
    for (int i = 0; i < pg->n_cookie; i++) {
        extra[k++] = MHD_HTTP_HEADER_SET_COOKIE;
        extra[k++] = pg->cookie[i];
    }
    if (location) {
        extra[k++] = MHD_HTTP_HEADER_LOCATION;
        extra[k++] = location;
    }
    if (pg->retry_after[0]) {
        extra[k++] = MHD_HTTP_HEADER_RETRY_AFTER;
        extra[k++] = pg->retry_after;
    }
    extra[k] = NULL;
    return gs_serve__reply(pg->c, status, ctype, body, extra);
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

int gs_page_form(const gs_page *pg, const char *key, char *out, size_t n)
{
    const char *p = pg->body, *end = pg->body ? pg->body + pg->len : NULL;
    size_t klen = strlen(key);
    while (p && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *fe = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(fe - p));
        if (eq && (size_t)(eq - p) == klen && !memcmp(p, key, klen)) {
            size_t o = 0;
            for (const char *v = eq + 1; v < fe; v++) {
                int ch = (unsigned char)*v;
                if (ch == '+')
                    ch = ' ';
                else if (ch == '%' && fe - v >= 3 && hexval(v[1]) >= 0 && hexval(v[2]) >= 0) {
                    ch = hexval(v[1]) * 16 + hexval(v[2]);
                    v += 2;
                }
                if (ch == 0 || o + 1 >= n)
                    return -2;
                out[o++] = (char)ch;
            }
            out[o] = '\0';
            return 0;
        }
        p = fe + 1;
    }
    if (n)
        out[0] = '\0';
    return -1;
}

/* ---- answers ------------------------------------------------------------------------------ */

void gs_page_head(gs_page *pg, gs_html_buf *b, const char *title)
{
    gs_html_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                    "<title>");
    gs_html_esc(b, title);
    gs_html_puts(b, " - gaitscope</title>");
    gs_html_puts(b, pg->head_extra);
    gs_html_puts(b, "<style>");
    gs_html_puts(b, gs_report_css());
    gs_html_puts(b, page_css);
    gs_html_puts(b, "</style></head><body><main>\n<nav class=\"topnav\"><span class=\"brand\">"
                    "gaitscope</span>");
    if (pg->signed_in) {
        gs_html_puts(b, "<a href=\"/athletes\">Athletes</a><a href=\"/account\">Account</a>"
                        "<span class=\"who\">");
        gs_html_esc(b, pg->email);
        gs_html_puts(b, "</span><form method=\"post\" action=\"/signout\">");
        gs_page_csrf_field(pg, b);
        gs_html_puts(b, "<button type=\"submit\">Sign out</button></form>");
    } else if (!pg->bare) {
        gs_html_puts(b, "<span class=\"who\"></span><a href=\"/signin\">Sign in</a>"
                        "<a href=\"/signup\">Sign up</a>");
    }
    gs_html_puts(b, "</nav>\n");
}

int gs_page_send(gs_page *pg, gs_html_buf *b, unsigned status)
{
    gs_html_puts(b, "</main></body></html>\n");
    char *body = b->p;
    b->p = NULL;
    if (b->oom) {
        free(body);
        return MHD_NO;
    }
    return page_reply(pg, status, "text/html; charset=utf-8", body, NULL);
}

int gs_page_json(gs_page *pg, char *text)
{
    if (!text)
        return MHD_NO;
    return page_reply(pg, 200, "application/json", text, NULL);
}

int gs_page_redirect(gs_page *pg, const char *path)
{
    return page_reply(pg, 303, NULL, NULL, path);
}

/* An error page's heading in words: a physiotherapist reads "Not found", not "404" (the number
 * follows, small, for whoever helps them). */
static const char *fail_heading(unsigned status)
{
    switch (status) {
    case 400:
        return "Please check what was entered";
    case 401:
        return "Not signed in";
    case 403:
        return "Not allowed";
    case 404:
        return "Not found";
    case 405:
        return "Not possible here";
    case 409:
        return "Already there";
    case 413:
        return "Too large";
    case 429:
        return "Too many attempts";
    case 503:
        return "The server is busy";
    case 507:
        return "The server's disk is full";
    default:
        return status >= 500 ? "Something went wrong on the server" : "Not possible";
    }
}

int gs_page_fail(gs_page *pg, unsigned status, const char *msg)
{
    gs_html_buf b = {0};
    const char *h = fail_heading(status);
    gs_page_head(pg, &b, h);
    gs_html_printf(&b, "<h1>%s</h1><p class=\"err\" id=\"fail\">", h);
    gs_html_esc(&b, msg);
    gs_html_printf(&b, "</p><p class=\"muted\">(error %u)</p><p><a href=\"/\">Back to the "
                       "start</a></p>",
                   status);
    return gs_page_send(pg, &b, status);
}

int gs_page_store_fail(gs_page *pg, gs_status rc, const char *what)
{
    char msg[128 + GS_STORE_EMAIL_MAX];
    if (rc == GS_ERR_NOT_FOUND) {
        /* signed in, a link from someone else is the likely way here (another account's records
         * are 404 for everyone): say which account is looking, without saying whether the id
         * exists elsewhere */
        if (pg->signed_in && (!strcmp(what, "athlete") || !strcmp(what, "session") ||
                              !strcmp(what, "job") || !strcmp(what, "comparison")))
            snprintf(msg, sizeof(msg), "No such %s in this account. If the link came from someone "
                     "else, it may be of another account's records: you are signed in as %s.",
                     what, pg->email);
        else
            snprintf(msg, sizeof(msg), "No such %s.", what);
        return gs_page_fail(pg, 404, msg);
    }
    gs_serve__log(pg->s, 2, "pages: the store failed");
    return gs_page_fail(pg, 500, "The server could not reach its records; try again.");
}

int gs_serve__page_error(gs_serve *s, struct MHD_Connection *c, unsigned status, const char *msg)
{
    gs_page pg = {0};
    pg.s = s;
    pg.c = c;
    return gs_page_fail(&pg, status, msg);
}

void gs_page_csrf_field(gs_page *pg, gs_html_buf *b)
{
    gs_html_printf(b, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", pg->csrf);
}

int gs_page_csrf_ok(gs_page *pg, int *reply)
{
    char got[GS_SERVE__TOKEN_LEN + 8];
    if (pg->csrf[0] && gs_page_form(pg, "csrf", got, sizeof(got)) == 0 &&
        strlen(got) == GS_SERVE__TOKEN_LEN &&
        sodium_memcmp(got, pg->csrf, GS_SERVE__TOKEN_LEN) == 0)
        return 1;
    *reply = gs_page_fail(pg, 403, "The form's security token is missing or wrong (was the page "
                                   "open too long, or sent from elsewhere?). Reload the page "
                                   "and try again.");
    return 0;
}

/* ---- the cookie session ------------------------------------------------------------------- */

/* Reads the session cookie: signed_in, account, email, digest and the csrf of its forms. For a
 * visitor, the csrf comes from the gs_csrf cookie (made and set now when absent and make). */
static void session_read(gs_page *pg, int make)
{
    uint8_t tok[GS_SERVE__TOKEN_BYTES];
    gs_error e = {0};
    const char *v = MHD_lookup_connection_value(pg->c, MHD_COOKIE_KIND, SESSION_COOKIE);
    if (v && gs_serve__token_decode(v, strlen(v), tok) == 0) {
        gs_store_account acc;
        gs_serve__token_digest(GS_SERVE__TOKEN_COOKIE, tok, pg->digest);
        if (gs_store_token_account(pg->st, pg->digest, (int64_t)time(NULL), pg->user, &e) ==
                GS_OK &&
            gs_store_account_get(pg->st, pg->user, &acc, &e) == GS_OK) {
            pg->signed_in = 1;
            memcpy(pg->account, acc.account, sizeof(pg->account));
            pg->role = acc.role;
            snprintf(pg->email, sizeof(pg->email), "%s", acc.email);
            csrf_of(tok, pg->csrf);
        }
        sodium_memzero(tok, sizeof(tok));
        if (pg->signed_in)
            return;
    }
    v = MHD_lookup_connection_value(pg->c, MHD_COOKIE_KIND, CSRF_COOKIE);
    if (v && gs_serve__token_decode(v, strlen(v), tok) == 0) {
        csrf_of(tok, pg->csrf);
    } else if (make) {
        char text[GS_SERVE__TOKEN_LEN + 1];
        randombytes_buf(tok, sizeof(tok));
        gs_serve__token_text(tok, text);
        add_cookie(pg, CSRF_COOKIE, text, SESSION_MAX_AGE_S);
        csrf_of(tok, pg->csrf);
    }
    sodium_memzero(tok, sizeof(tok));
}

/* ---- sign up, sign in, sign out ----------------------------------------------------------- */

/* Where a sign-in goes on to: a page of ours named by next (the sign-in form's query or field),
 * else the athletes. Only a path of our signed-in pages in id characters, so that no link can
 * send a signed-in user to another site ("//host", "/\\host") or to an action. */
static int next_ok(const char *next)
{
    static const char *const roots[] = {"/athletes", "/sessions/", "/jobs/", "/comparisons/",
                                        "/account"};
    size_t n = next ? strlen(next) : 0;
    if (n < 2 || n > 120 || next[0] != '/' || next[1] == '/' ||
        strspn(next, "/ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != n ||
        strstr(next, "//"))
        return 0;
    for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
        if (!strncmp(next, roots[i], strlen(roots[i])))
            return 1;
    return 0;
}

/* The page a signed-out request came from, to go back to after signing in ("" for the athletes,
 * where a sign-in goes anyway): a GET's own path; a form's page (the path's first two
 * segments: /sessions/ID for /sessions/ID/nkt). */
static void next_of(const gs_page *pg, char **seg, int nseg, char *out, size_t n)
{
    out[0] = '\0';
    if (nseg < 1)
        return;
    if (pg->post) {
        if (nseg >= 2 && strcmp(seg[0], "account") != 0)
            snprintf(out, n, "/%s/%s", seg[0], seg[1]);
        else
            snprintf(out, n, "/%s", seg[0]);
    } else if (snprintf(out, n, "%s", pg->url) >= (int)n) {
        out[0] = '\0';
    }
    if (!next_ok(out) || !strcmp(out, "/athletes"))
        out[0] = '\0';
}

/* A request of a signed-in page without a sign-in (none, or one that has ended: 30 days, Sign
 * out, a password change elsewhere): a GET goes to the sign-in form, which comes back to it; a
 * form sent says its content was not kept and links the same. */
static int signed_out(gs_page *pg, char **seg, int nseg)
{
    char next[128], to[160];
    next_of(pg, seg, nseg, next, sizeof(next));
    snprintf(to, sizeof(to), "/signin%s%s", next[0] ? "?next=" : "", next);
    if (!pg->post)
        return gs_page_redirect(pg, to);
    gs_html_buf b = {0};
    gs_page_head(pg, &b, "Signed out");
    gs_html_printf(&b, "<h1>You are signed out</h1><p class=\"err\" id=\"signed-out\">What "
                       "you sent was not saved: this browser's sign-in has ended (a sign-in lasts "
                       "30 days; Sign out, or a password change, ends it sooner).</p><p><a "
                       "class=\"button\" id=\"signin-again\" href=\"%s\">Sign in again</a> "
                       "and you are taken back to the page to enter it again.</p>",
                   to);
    return gs_page_send(pg, &b, 403);
}

/* The page a sign-in form goes on to (its query on GET, its field on POST), "" for none. */
static void form_next(gs_page *pg, char *out, size_t n)
{
    const char *q = MHD_lookup_connection_value(pg->c, MHD_GET_ARGUMENT_KIND, "next");
    out[0] = '\0';
    if (pg->post ? gs_page_form(pg, "next", out, n) != 0 : !q || snprintf(out, n, "%s", q) >= (int)n)
        out[0] = '\0';
    if (!next_ok(out))
        out[0] = '\0';
}

static int auth_form(gs_page *pg, int signup, unsigned status, const char *err, const char *email)
{
    char next[128];
    gs_html_buf b = {0};
    form_next(pg, next, sizeof(next));
    gs_page_head(pg, &b, signup ? "Sign up" : "Sign in");
    gs_html_printf(&b, "<h1>%s</h1>", signup ? "Create an account" : "Sign in");
    if (next[0] && !err)
        gs_html_puts(&b, "<p id=\"signin-next\">Sign in to open the page you asked for; you are "
                         "taken there next.</p>");
    if (err) {
        gs_html_puts(&b, "<p class=\"err\" id=\"form-error\">");
        gs_html_esc(&b, err);
        gs_html_puts(&b, "</p>");
    }
    gs_html_printf(&b, "<form class=\"card\" method=\"post\" action=\"/%s\">",
                   signup ? "signup" : "signin");
    gs_page_csrf_field(pg, &b);
    if (next[0] && !signup)
        gs_html_printf(&b, "<input type=\"hidden\" name=\"next\" value=\"%s\">", next);
    gs_html_puts(&b, "<label for=\"email\">E-mail</label><input type=\"email\" id=\"email\" "
                     "name=\"email\" required autocomplete=\"username\" value=\"");
    gs_html_esc(&b, email ? email : "");
    gs_html_printf(&b, "\"><label for=\"password\">Password%s</label><input type=\"password\" "
                       "id=\"password\" name=\"password\" required %s autocomplete=\"%s\">",
                   signup ? " (at least 10 characters)" : "", signup ? "minlength=\"10\"" : "",
                   signup ? "new-password" : "current-password");
    gs_html_printf(&b, "<button type=\"submit\">%s</button></form>",
                   signup ? "Create the account" : "Sign in");
    if (signup)
        gs_html_puts(&b, "<p class=\"muted\">Have an account? <a href=\"/signin\">Sign in</a>."
                         "</p>");
    else
        gs_html_puts(&b, "<p class=\"muted\">New here? <a href=\"/signup\">Create an account</a>."
                         "</p>");
    return gs_page_send(pg, &b, status);
}

int gs_page_sign_in(gs_page *pg, const char *user, const char *to)
{
    char text[GS_SERVE__TOKEN_LEN + 1];
    gs_error e = {0};
    gs_status rc = gs_serve__token_new(pg->st, user, GS_SERVE__TOKEN_COOKIE, text, &e);
    if (rc != GS_OK)
        return gs_page_store_fail(pg, rc, "account");
    add_cookie(pg, SESSION_COOKIE, text, SESSION_MAX_AGE_S);
    sodium_memzero(text, sizeof(text));
    return gs_page_redirect(pg, to);
}

static int sign_in_as(gs_page *pg, const char *user)
{
    return gs_page_sign_in(pg, user, "/athletes");
}

int gs_page_access(gs_page *pg, const char *athlete, const char *session, const char *what,
                   int *reply)
{
    gs_status rc = gs_serve__access(pg->s, pg->st, pg->c, pg->account,
                                    pg->signed_in ? pg->user : NULL, athlete, session, what,
                                    pg->addr);
    if (rc == GS_OK)
        return 0;
    *reply = gs_page_store_fail(pg, rc, "record");
    return -1;
}

static int p_auth(gs_page *pg, int signup)
{
    char email_in[GS_SERVE__EMAIL_MAX + 1], email[GS_SERVE__EMAIL_MAX + 1], msg[GS_SERVE__MSG];
    char pw[GS_SERVE__PASSWORD_MAX_BYTES + 1];
    double retry = 0;
    int reply;
    gs_error e = {0};
    if (signup && gs_serve__signup_closed(pg->s))
        return gs_page_fail(pg, 403, "Sign-up is closed on this server; ask its operator.");
    if (!pg->post) {
        char next[128];
        form_next(pg, next, sizeof(next));
        if (pg->signed_in)
            return gs_page_redirect(pg, next[0] ? next : "/athletes");
        return auth_form(pg, signup, 200, NULL, NULL);
    }
    if (!gs_page_csrf_ok(pg, &reply))
        return reply;
    if (gs_page_form(pg, "email", email_in, sizeof(email_in)) != 0 ||
        gs_serve__email_normalize(email_in, email, msg, sizeof(msg)) != 0)
        return auth_form(pg, signup, 400, "Enter an e-mail address.", NULL);
    if (gs_page_form(pg, "password", pw, sizeof(pw)) != 0)
        return auth_form(pg, signup, 400, "Enter a password (at most 1024 bytes).", email);
    if (!gs_serve__rate_ok(pg->s, 0, pg->addr, &retry) ||
        (!signup && !gs_serve__rate_ok(pg->s, 1, email, &retry))) {
        snprintf(msg, sizeof(msg), "Too many attempts; try again in %d s.", (int)retry + 1);
        sodium_memzero(pw, sizeof(pw));
        return auth_form(pg, signup, 429, msg, email);
    }
    if (signup) {
        char hash[GS_STORE_PWHASH_MAX + 1];
        gs_store_id id;
        if (gs_serve__password_check("password", pw, msg, sizeof(msg)) != 0) {
            sodium_memzero(pw, sizeof(pw));
            return auth_form(pg, 1, 400, "The password needs at least 10 characters.", email);
        }
        int hr = gs_serve__password_hash(pg->s, pw, hash);
        sodium_memzero(pw, sizeof(pw));
        if (hr != 0)
            return auth_form(pg, 1, 503, "The server is busy; try again.", email);
        gs_status rc = gs_store_account_add(pg->st, email, hash, (int64_t)time(NULL), id, &e);
        if (rc == GS_ERR_EXISTS)
            return auth_form(pg, 1, 409, "An account with this e-mail exists; sign in instead.",
                             email);
        if (rc != GS_OK)
            return gs_page_store_fail(pg, rc, "account");
        return sign_in_as(pg, id);
    }
    gs_store_account acc;
    gs_status rc = gs_store_account_by_email(pg->st, email, &acc, &e);
    if (rc != GS_OK && rc != GS_ERR_NOT_FOUND) {
        sodium_memzero(pw, sizeof(pw));
        return gs_page_store_fail(pg, rc, "account");
    }
    /* As the API: an unknown e-mail costs one Argon2 run too (no timing oracle). */
    int ok = gs_serve__password_verify(pg->s, rc == GS_OK ? acc.pwhash : NULL, pw);
    sodium_memzero(pw, sizeof(pw));
    if (ok < 0)
        return auth_form(pg, 0, 503, "The server is busy; try again.", email);
    if (!ok || rc != GS_OK)
        return auth_form(pg, 0, 401, "Wrong e-mail or password.", email);
    char next[128];
    form_next(pg, next, sizeof(next));
    return gs_page_sign_in(pg, acc.id, next[0] ? next : "/athletes");
}

static int p_signout(gs_page *pg)
{
    int reply;
    gs_error e = {0};
    if (!pg->post)
        return gs_page_fail(pg, 405, "Sign out with the button at the top of a page.");
    if (!pg->signed_in)
        return gs_page_redirect(pg, "/signin");
    if (!gs_page_csrf_ok(pg, &reply))
        return reply;
    gs_status rc = gs_store_token_delete(pg->st, pg->digest, &e);
    if (rc != GS_OK && rc != GS_ERR_NOT_FOUND)
        return gs_page_store_fail(pg, rc, "session");
    add_cookie(pg, SESSION_COOKIE, "", 0);
    return gs_page_redirect(pg, "/signin");
}

/* ---- routing ------------------------------------------------------------------------------ */

#define MAX_SEG 6

/* Splits path into at most MAX_SEG segments (in buf); -1 when there are more or it is too long. */
static int split(const char *url, char *buf, size_t n, char **seg)
{
    int k = 0;
    if (snprintf(buf, n, "%s", url) >= (int)n)
        return -1;
    for (char *p = buf; *p;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        if (k == MAX_SEG)
            return -1;
        seg[k++] = p;
        while (*p && *p != '/')
            p++;
        if (*p)
            *p++ = '\0';
    }
    return k;
}

int gs_serve__page_begin(gs_serve *s, struct MHD_Connection *c, const char *method,
                         const char *url, gs_store_id account, gs_store_id athlete, char *msg,
                         size_t n)
{
    char buf[256], *seg[MAX_SEG];
    int k = split(url, buf, sizeof(buf), seg);
    if (strcmp(method, "POST") != 0 || k != 3 || strcmp(seg[0], "athletes") != 0 ||
        strcmp(seg[2], "upload") != 0)
        return 0;
    if (!gs_serve__id_valid(seg[1], strlen(seg[1])))
        return snprintf(msg, n, "no such athlete"), 404;
    gs_page pg = {0};
    int slot;
    pg.s = s;
    pg.c = c;
    pg.st = gs_serve__store_get(s, &slot);
    session_read(&pg, 0);
    gs_serve__store_put(s, slot);
    if (!pg.signed_in)
        return snprintf(msg, n, "you are signed out (this browser's sign-in has ended): sign "
                                "in again in another tab, then send this form again"),
               401;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
    if (!h || strlen(h) != GS_SERVE__TOKEN_LEN ||
        sodium_memcmp(h, pg.csrf, GS_SERVE__TOKEN_LEN) != 0)
        return snprintf(msg, n, "the form's security token is missing or wrong; reload the page"),
               403;
    memcpy(account, pg.account, sizeof(gs_store_id));
    snprintf(athlete, GS_STORE_ID_LEN + 1, "%s", seg[1]);
    return 1;
}

int gs_serve__page(gs_serve *s, struct MHD_Connection *c, const char *method, const char *url,
                   const char *body, size_t len, const char *addr)
{
    char buf[256], *seg[MAX_SEG];
    gs_page pg = {0};
    int slot, r;
    uint8_t nb[GS_SERVE__TOKEN_BYTES];
    pg.s = s;
    pg.c = c;
    pg.url = url;
    pg.body = body;
    pg.len = len;
    pg.addr = addr;
    randombytes_buf(nb, sizeof(nb));
    gs_serve__token_text(nb, pg.nonce);
    if (!strcmp(method, "POST"))
        pg.post = 1;
    else if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return gs_page_fail(&pg, 405, "This page is read with GET and its forms sent with POST.");
    int k = split(url, buf, sizeof(buf), seg);
    pg.st = gs_serve__store_get(s, &slot);
    session_read(&pg, !pg.post);
    if (k < 0)
        r = gs_page_fail(&pg, 404, "No such page.");
    else if (k == 0)
        r = gs_page_redirect(&pg, pg.signed_in ? "/athletes" : "/signin");
    else if (k == 1 && !strcmp(seg[0], "signin"))
        r = p_auth(&pg, 0);
    else if (k == 1 && !strcmp(seg[0], "signup"))
        r = p_auth(&pg, 1);
    else if (k == 1 && !strcmp(seg[0], "signout"))
        r = p_signout(&pg);
    else if (!strcmp(seg[0], "s"))
        r = gs_pages_session(&pg, seg, k); /* share links: no account */
    else if (!strcmp(seg[0], "invite"))
        r = gs_pages_account(&pg, seg, k); /* invitation links: no account yet */
    else if (!pg.signed_in)
        r = signed_out(&pg, seg, k);
    else if ((r = gs_pages_compare(&pg, seg, k)) < 0 && (r = gs_pages_athletes(&pg, seg, k)) < 0 &&
             (r = gs_pages_session(&pg, seg, k)) < 0 && (r = gs_pages_account(&pg, seg, k)) < 0)
        r = gs_page_fail(&pg, 404, "No such page.");
    gs_serve__store_put(s, slot);
    return r;
}
