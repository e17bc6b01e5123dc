/*
 * gaitscope serve, pages: the account page (who is signed in; for the owner the users, their
 * invitation and password-reset links, retention, the access log and deleting the account),
 * the access log page, and the invitation page a new therapist (or one whose password was
 * reset) opens from the owner's link. A therapist may not manage users, change retention, read
 * the access log or delete the account or an athlete: those forms are not shown and their
 * posts answer 403.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>
#include <sodium.h>

#include "pages_impl.h"
#include "serve_http_impl.h"

/* The access log page shows this many entries, the newest first; ?skip=N pages further back
 * (as GET /api/v1/access). */
#define ACCESS_ROWS 500
#define ACCESS_SKIP_MAX 100000000ULL /* the API's bound */

/* 1 for the account's owner; else answers 403 via *reply. */
static int owner_only(gs_page *pg, int *reply)
{
    if (pg->role == GS_STORE_ROLE_OWNER)
        return 1;
    *reply = gs_page_fail(pg, 403, "Only the account's owner may do this.");
    return 0;
}

static void time_text(int64_t t, char out[24])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || strftime(out, 24, "%Y-%m-%d %H:%M", &tm) == 0)
        snprintf(out, 24, "?");
}

/* A post button in a table cell: action, label, class (may be ""). */
static void post_button(gs_page *pg, gs_html_buf *b, const char *action, const char *label,
                        const char *cls)
{
    gs_html_printf(b, "<form method=\"post\" action=\"%s\" style=\"display:inline\">", action);
    gs_page_csrf_field(pg, b);
    gs_html_printf(b, "<button type=\"submit\" class=\"%s\">%s</button></form>", cls, label);
}

/* The owner's part of the account page. link: a new invitation or reset link to show once. */
static void owner_sections(gs_page *pg, gs_html_buf *b, const gs_store_account *owner,
                           const char *link, const char *link_what)
{
    gs_error e = {0};
    gs_store_account *users = NULL;
    gs_store_invite *inv = NULL;
    size_t nu = 0, ni = 0;
    char when[24], action[96];
    int64_t now = (int64_t)time(NULL);
    gs_html_puts(b, "<h2>Users</h2>");
    if (link) {
        gs_html_printf(b, "<p id=\"invite-link\">%s link (copy it now, it is shown once; it "
                          "works once, for 7 days): <a id=\"invite-url\" href=\"",
                       link_what);
        gs_html_esc(b, link);
        gs_html_puts(b, "\">");
        gs_html_esc(b, link);
        gs_html_puts(b, "</a></p>");
    }
    if (gs_store_user_list(pg->st, pg->account, &users, &nu, &e) == GS_OK) {
        gs_html_puts(b, "<table class=\"list\" id=\"users\"><tr><th>E-mail</th><th>Role</th>"
                        "<th>Since</th><th></th></tr>");
        for (size_t i = 0; i < nu; i++) {
            gs_page_day(users[i].created, when);
            gs_html_puts(b, "<tr><td>");
            gs_html_esc(b, users[i].email);
            gs_html_printf(b, "</td><td>%s</td><td>%s</td><td>",
                           gs_store_role_name(users[i].role), when);
            if (users[i].role == GS_STORE_ROLE_THERAPIST) {
                snprintf(action, sizeof(action), "/account/users/%s/reset", users[i].id);
                post_button(pg, b, action, "Reset password", "");
                snprintf(action, sizeof(action), "/account/users/%s/remove", users[i].id);
                post_button(pg, b, action, "Remove", "danger");
            }
            gs_html_puts(b, "</td></tr>");
        }
        gs_html_puts(b, "</table>");
    }
    free(users);
    gs_html_puts(b, "<p class=\"muted\">A password reset stops the therapist's password and "
                    "signs them out everywhere at once; the new link lets them set another.</p>");
    if (gs_store_invite_list(pg->st, pg->account, &inv, &ni, &e) == GS_OK && ni) {
        gs_html_puts(b, "<h3>Pending links</h3><table class=\"list\" id=\"invites\"><tr>"
                        "<th>E-mail</th><th>Expires</th><th></th></tr>");
        for (size_t i = 0; i < ni; i++) {
            gs_page_day(inv[i].expires, when);
            gs_html_puts(b, "<tr><td>");
            gs_html_esc(b, inv[i].email);
            gs_html_printf(b, "<br><span class=\"muted\">%s</span></td><td>%s%s</td><td>",
                           inv[i].user[0] ? "password reset" : "invitation", when,
                           inv[i].expires <= now ? " (expired)" : "");
            snprintf(action, sizeof(action), "/account/invites/%s/withdraw", inv[i].id);
            post_button(pg, b, action, "Withdraw", "");
            gs_html_puts(b, "</td></tr>");
        }
        gs_html_puts(b, "</table>");
    }
    free(inv);
    gs_html_puts(b, "<form class=\"card\" method=\"post\" action=\"/account/invite\">");
    gs_page_csrf_field(pg, b);
    gs_html_puts(b, "<label for=\"invite-email\">Invite a therapist (e-mail)</label><input "
                    "type=\"email\" id=\"invite-email\" name=\"email\" required><button "
                    "type=\"submit\">Make an invitation link</button></form>");

    gs_html_puts(b, "<h2>Retention</h2><p>Uploaded videos and their overlay clips are deleted "
                    "this many days after their session; the analysis, report, key frames and "
                    "NKT records are kept. 0 keeps the videos.</p>");
    gs_html_puts(b, "<form class=\"card\" method=\"post\" action=\"/account/retention\">");
    gs_page_csrf_field(pg, b);
    gs_html_printf(b, "<label for=\"days\">Delete videos after (days)</label><input "
                      "type=\"number\" id=\"days\" name=\"days\" min=\"0\" max=\"3650\" "
                      "value=\"%d\" style=\"width:8em\"> <button type=\"submit\">Save</button>"
                      "</form>",
                   owner->retention_days);

    gs_html_puts(b, "<h2>Access log</h2><p>Who opened which athlete's data, when and from where "
                    "(pages, downloads, the API and share links). <a id=\"access-link\" "
                    "href=\"/account/access\">Open the access log</a>.</p>");
}

/* The owner's deletion of the whole account: the page's last section, after the routine ones
 * (it sat above "Your password"). */
static void delete_account_section(gs_page *pg, gs_html_buf *b)
{
    gs_html_puts(b, "<h2>Delete the account</h2><form class=\"card\" method=\"post\" "
                    "action=\"/account/delete\">");
    gs_page_csrf_field(pg, b);
    gs_html_puts(b, "<label for=\"delete-password\">Your password</label><input "
                    "type=\"password\" id=\"delete-password\" name=\"password\" required "
                    "autocomplete=\"current-password\"><label><input type=\"checkbox\" "
                    "name=\"confirm\" value=\"1\" required> Delete this account with every "
                    "user, athlete, video, result, NKT record, share link and the access log. "
                    "This cannot be undone.</label><button type=\"submit\" class=\"danger\" "
                    "id=\"delete-account\">Delete the account</button></form>");
}

static int account_page(gs_page *pg, unsigned status, const char *err, const char *link,
                        const char *link_what)
{
    gs_error e = {0};
    gs_store_account me, owner;
    gs_status rc = gs_store_account_get(pg->st, pg->user, &me, &e);
    if (rc == GS_OK)
        rc = gs_store_account_get(pg->st, pg->account, &owner, &e);
    if (rc != GS_OK)
        return gs_page_store_fail(pg, rc, "account");
    gs_html_buf b = {0};
    gs_page_head(pg, &b, "Account");
    gs_html_puts(&b, "<h1>Account</h1>");
    if (err) {
        gs_html_puts(&b, "<p class=\"err\" id=\"form-error\">");
        gs_html_esc(&b, err);
        gs_html_puts(&b, "</p>");
    }
    gs_html_puts(&b, "<p id=\"who\">Signed in as <strong>");
    gs_html_esc(&b, me.email);
    gs_html_printf(&b, "</strong>, %s", gs_store_role_name(me.role));
    if (me.role == GS_STORE_ROLE_OWNER) {
        gs_html_puts(&b, " of this account.</p>");
        owner_sections(pg, &b, &owner, link, link_what);
    } else {
        gs_html_puts(&b, " in the account of ");
        gs_html_esc(&b, owner.email);
        gs_html_puts(&b, ".</p><p class=\"muted\">The account's owner manages its users, the "
                         "retention of videos and the access log, and may delete athletes or "
                         "the account.</p>");
    }
    /* everyone's own password (owner and therapist alike) */
    gs_html_puts(&b, "<h2>Your password</h2><form class=\"card\" method=\"post\" "
                     "id=\"password-form\" action=\"/account/password\">");
    gs_page_csrf_field(pg, &b);
    gs_html_puts(&b, "<label for=\"pw-current\">Current password</label><input type=\"password\" "
                     "id=\"pw-current\" name=\"password\" required "
                     "autocomplete=\"current-password\"><label for=\"pw-new\">New password (at "
                     "least 10 characters)</label><input type=\"password\" id=\"pw-new\" "
                     "name=\"new_password\" required minlength=\"10\" "
                     "autocomplete=\"new-password\"><label for=\"pw-new2\">The new password "
                     "again</label><input type=\"password\" id=\"pw-new2\" "
                     "name=\"new_password2\" required minlength=\"10\" "
                     "autocomplete=\"new-password\"><button type=\"submit\">Change the "
                     "password</button></form><p class=\"muted\">Changing it signs you out "
                     "everywhere else (other browsers, API tokens); this browser stays signed "
                     "in.</p>");
    if (me.role == GS_STORE_ROLE_OWNER)
        delete_account_section(pg, &b);
    return gs_page_send(pg, &b, status);
}

/* POST /account/password: a user (owner or therapist) changes their own password, as
 * POST /api/v1/password: the current one checked (rate-limited per address and per e-mail),
 * every token and cookie session of the user revoked, this browser signed in again. */
static int password_post(gs_page *pg)
{
    char pw[GS_SERVE__PASSWORD_MAX_BYTES + 1], npw[GS_SERVE__PASSWORD_MAX_BYTES + 1];
    char npw2[GS_SERVE__PASSWORD_MAX_BYTES + 1], msg[GS_SERVE__MSG];
    char hash[GS_STORE_PWHASH_MAX + 1];
    gs_store_account me;
    gs_error e = {0};
    double retry = 0;
    int st = 0, ok;
    const char *why = NULL;
    if (gs_page_form(pg, "password", pw, sizeof(pw)) != 0 ||
        gs_page_form(pg, "new_password", npw, sizeof(npw)) != 0 ||
        gs_page_form(pg, "new_password2", npw2, sizeof(npw2)) != 0)
        st = 400, why = "Fill in the current password and the new one twice.";
    else if (strcmp(npw, npw2) != 0)
        st = 400, why = "The two new passwords differ.";
    else if (gs_serve__password_check("new_password", npw, msg, sizeof(msg)) != 0)
        st = 400, why = "The new password needs at least 10 characters (at most 1024 bytes).";
    gs_status rc = st ? GS_OK : gs_store_account_get(pg->st, pg->user, &me, &e);
    if (!st && rc != GS_OK) {
        sodium_memzero(pw, sizeof(pw));
        sodium_memzero(npw, sizeof(npw));
        sodium_memzero(npw2, sizeof(npw2));
        return gs_page_store_fail(pg, rc, "account");
    }
    if (!st && (!gs_serve__rate_ok(pg->s, 0, pg->addr, &retry) ||
                !gs_serve__rate_ok(pg->s, 1, me.email, &retry))) {
        snprintf(msg, sizeof(msg), "Too many attempts; try again in %d s.", (int)retry + 1);
        st = 429, why = msg;
    }
    if (!st) {
        ok = gs_serve__password_verify(pg->s, me.pwhash, pw);
        if (ok < 0)
            st = 503, why = "The server is busy; try again.";
        else if (!ok)
            st = 403, why = "The current password is wrong; nothing was changed.";
        else if (gs_serve__password_hash(pg->s, npw, hash) != 0)
            st = 503, why = "The server is busy; try again.";
    }
    sodium_memzero(pw, sizeof(pw));
    sodium_memzero(npw, sizeof(npw));
    sodium_memzero(npw2, sizeof(npw2));
    if (st)
        return account_page(pg, (unsigned)st, why, NULL, NULL);
    rc = gs_store_account_set_password(pg->st, pg->user, hash, (int64_t)time(NULL), &e);
    sodium_memzero(hash, sizeof(hash));
    if (rc != GS_OK)
        return gs_page_store_fail(pg, rc, "account");
    gs_serve__log(pg->s, 0, "password changed (pages)");
    return gs_page_sign_in(pg, pg->user, "/account");
}

/* The owner's forms on the account page (CSRF already checked). */
static int account_post(gs_page *pg, char **seg, int nseg)
{
    gs_error e = {0};
    char msg[GS_SERVE__MSG];
    gs_status rc;
    if (nseg == 2 && !strcmp(seg[1], "invite")) {
        char in[GS_SERVE__EMAIL_MAX + 1], email[GS_SERVE__EMAIL_MAX + 1], url[GS_SERVE__URL_MAX];
        int64_t expires = 0;
        if (gs_page_form(pg, "email", in, sizeof(in)) != 0 ||
            gs_serve__email_normalize(in, email, msg, sizeof(msg)) != 0)
            return account_page(pg, 400, "Enter the therapist's e-mail address.", NULL, NULL);
        rc = gs_serve__invite_new(pg->s, pg->st, pg->c, pg->account, email, NULL, url, &expires,
                                  &e);
        if (rc == GS_ERR_EXISTS)
            return account_page(pg, 409, "A user with this e-mail exists already.", NULL, NULL);
        if (rc != GS_OK)
            return gs_page_store_fail(pg, rc, "account");
        return account_page(pg, 201, NULL, url, "Invitation");
    }
    if (nseg == 2 && !strcmp(seg[1], "retention")) {
        char ds[16], *end = NULL;
        long v = -1;
        if (gs_page_form(pg, "days", ds, sizeof(ds)) == 0 && ds[0])
            v = strtol(ds, &end, 10);
        if (v < 0 || v > 3650 || !end || *end)
            return account_page(pg, 400, "Retention is a whole number of days, 0 to 3650.", NULL,
                                NULL);
        rc = gs_store_account_set_retention(pg->st, pg->account, (int)v, &e);
        if (rc != GS_OK)
            return gs_page_store_fail(pg, rc, "account");
        return gs_page_redirect(pg, "/account");
    }
    if (nseg == 2 && !strcmp(seg[1], "delete")) {
        char pw[GS_SERVE__PASSWORD_MAX_BYTES + 1], confirm[8];
        gs_store_account me;
        double retry = 0;
        if (gs_page_form(pg, "confirm", confirm, sizeof(confirm)) != 0 || strcmp(confirm, "1"))
            return account_page(pg, 400, "Tick the box to confirm the deletion.", NULL, NULL);
        if (gs_page_form(pg, "password", pw, sizeof(pw)) != 0)
            return account_page(pg, 400, "Enter your password.", NULL, NULL);
        rc = gs_store_account_get(pg->st, pg->user, &me, &e);
        if (rc != GS_OK) {
            sodium_memzero(pw, sizeof(pw));
            return gs_page_store_fail(pg, rc, "account");
        }
        if (!gs_serve__rate_ok(pg->s, 1, me.email, &retry)) {
            sodium_memzero(pw, sizeof(pw));
            snprintf(msg, sizeof(msg), "Too many attempts; try again in %d s.", (int)retry + 1);
            return account_page(pg, 429, msg, NULL, NULL);
        }
        int ok = gs_serve__password_verify(pg->s, me.pwhash, pw);
        sodium_memzero(pw, sizeof(pw));
        if (ok < 0)
            return account_page(pg, 503, "The server is busy; try again.", NULL, NULL);
        if (!ok)
            return account_page(pg, 403, "The password is wrong; nothing was deleted.", NULL,
                                NULL);
        rc = gs_serve__account_remove(pg->s, pg->st, pg->account, &e);
        if (rc != GS_OK)
            return gs_page_store_fail(pg, rc, "account");
        gs_serve__log(pg->s, 0, "account deleted");
        return gs_page_redirect(pg, "/signup");
    }
    if (nseg == 4 && !strcmp(seg[1], "users") && gs_serve__id_valid(seg[2], strlen(seg[2])) &&
        strcmp(seg[2], pg->account) != 0) {
        if (!strcmp(seg[3], "remove")) {
            rc = gs_store_user_delete(pg->st, pg->account, seg[2], &e);
            if (rc != GS_OK)
                return gs_page_store_fail(pg, rc, "user");
            return gs_page_redirect(pg, "/account");
        }
        if (!strcmp(seg[3], "reset")) {
            char url[GS_SERVE__URL_MAX];
            int64_t expires = 0;
            rc = gs_serve__invite_new(pg->s, pg->st, pg->c, pg->account, NULL, seg[2], url,
                                      &expires, &e);
            if (rc != GS_OK)
                return gs_page_store_fail(pg, rc, "user");
            return account_page(pg, 201, NULL, url, "Password reset");
        }
    }
    if (nseg == 4 && !strcmp(seg[1], "invites") && !strcmp(seg[3], "withdraw") &&
        gs_serve__id_valid(seg[2], strlen(seg[2]))) {
        rc = gs_store_invite_delete(pg->st, pg->account, seg[2], &e);
        if (rc != GS_OK)
            return gs_page_store_fail(pg, rc, "invitation");
        return gs_page_redirect(pg, "/account");
    }
    return gs_page_fail(pg, 404, "No such page.");
}

/* An e-mail address that a narrow column wraps only at its natural joints (after the '@',
 * before a '.'; a '-' breaks by itself), never mid-word as td's overflow-wrap:anywhere would
 * (pages.c page_css, .email). */
static void email_html(gs_html_buf *b, const char *email)
{
    char one[2] = "";
    gs_html_puts(b, "<span class=\"email\">");
    for (const char *p = email; *p; p++) {
        if (*p == '.' && p != email)
            gs_html_puts(b, "<wbr>");
        one[0] = *p;
        gs_html_esc(b, one);
        if (*p == '@')
            gs_html_puts(b, "<wbr>");
    }
    gs_html_puts(b, "</span>");
}

static int access_page(gs_page *pg)
{
    gs_error e = {0};
    gs_store_access *list = NULL;
    size_t n = 0;
    char when[24];
    size_t skip = 0;
    /* ?skip=N: the entries after the newest N (the page said to ask the API for them) */
    const char *sk = MHD_lookup_connection_value(pg->c, MHD_GET_ARGUMENT_KIND, "skip");
    if (sk) {
        char *end = NULL;
        unsigned long long v = strtoull(sk, &end, 10);
        if (!sk[0] || *end || sk[0] == '-' || v > ACCESS_SKIP_MAX)
            return gs_page_fail(pg, 400, "No such page of the access log.");
        skip = (size_t)v;
    }
    /* one more than shown: whether there are older entries to link */
    gs_status rc =
        gs_store_access_list(pg->st, pg->account, ACCESS_ROWS + 1, skip, &list, &n, &e);
    if (rc != GS_OK)
        return gs_page_store_fail(pg, rc, "account");
    int older = n > ACCESS_ROWS;
    if (older)
        n = ACCESS_ROWS;
    gs_html_buf b = {0};
    gs_page_head(pg, &b, "Access log");
    gs_html_puts(&b, "<p><a href=\"/account\">&larr; Account</a></p><h1>Access log</h1><p>"
                     "Who opened which athlete's data, newest first (times in UTC).");
    if (skip || older)
        gs_html_printf(&b, " Entries %zu to %zu.", skip + (n ? 1 : 0), skip + n);
    gs_html_puts(&b, "</p>");
    /* class mt: on a phone one card per row (report.html's stylesheet), each cell under its
     * column's name (data-l): four columns wrapped names and e-mails letter by letter at 390 px */
    gs_html_puts(&b, "<table class=\"list mt\" id=\"access\"><thead><tr><th>When, from</th>"
                     "<th>Who</th><th>Athlete</th><th>What</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        const gs_store_access *x = &list[i];
        time_text(x->at, when);
        gs_html_printf(&b, "<tr><td><span class=\"nowrap\">%s</span><br><span class=\"muted\">", when);
        gs_html_esc(&b, x->addr);
        gs_html_puts(&b, "</span></td><td data-l=\"Who\">");
        if (!x->user[0])
            gs_html_puts(&b, "<em>share link</em>");
        else if (x->email[0])
            email_html(&b, x->email);
        else
            gs_html_puts(&b, "<em>removed user</em>");
        gs_html_puts(&b, "</td><td data-l=\"Athlete\">");
        if (x->athlete_name[0]) {
            gs_html_printf(&b, "<a href=\"/athletes/%s\">", x->athlete);
            gs_html_esc(&b, x->athlete_name);
            gs_html_puts(&b, "</a>");
        } else
            gs_html_puts(&b, "<em>deleted athlete</em>");
        gs_html_puts(&b, "</td><td class=\"words\" data-l=\"What\">"); /* whole words */
        if (x->session[0] && x->athlete_name[0])
            gs_html_printf(&b, "<a href=\"/sessions/%s\">", x->session);
        gs_html_esc(&b, x->what);
        if (x->session[0] && x->athlete_name[0])
            gs_html_puts(&b, "</a>");
        gs_html_puts(&b, "</td></tr>");
    }
    if (!n)
        gs_html_puts(&b, "<tr><td colspan=\"4\" class=\"muted\">Nothing yet.</td></tr>");
    gs_html_puts(&b, "</tbody></table>");
    free(list);
    if (skip || older) {
        gs_html_puts(&b, "<p id=\"access-pages\">");
        if (skip > ACCESS_ROWS)
            gs_html_printf(&b, "<a class=\"button\" href=\"/account/access?skip=%zu\">&larr; "
                               "Newer entries</a> ",
                           skip - ACCESS_ROWS);
        else if (skip)
            gs_html_puts(&b, "<a class=\"button\" href=\"/account/access\">&larr; Newer "
                             "entries</a> ");
        if (older)
            gs_html_printf(&b, "<a class=\"button\" id=\"access-older\" "
                               "href=\"/account/access?skip=%zu\">Older entries &rarr;</a>",
                           skip + ACCESS_ROWS);
        gs_html_puts(&b, "</p>");
    }
    return gs_page_send(pg, &b, 200);
}

/* /invite/TOKEN: a new therapist sets a password (or a therapist whose password was reset sets
 * a new one), and is signed in. */
static int invite_page(gs_page *pg, const char *token)
{
    uint8_t tok[GS_SERVE__TOKEN_BYTES], dg[GS_STORE_DIGEST_BYTES];
    gs_store_invite inv;
    gs_store_account owner;
    gs_error e = {0};
    char msg[GS_SERVE__MSG], path[64];
    const char *err = NULL;
    unsigned status = 200;
    int reply;
    if (gs_serve__token_decode(token, strlen(token), tok) != 0)
        return gs_page_fail(pg, 404, "No such invitation (or it was used, or it expired).");
    gs_serve__token_digest(GS_SERVE__TOKEN_INVITE, tok, dg);
    sodium_memzero(tok, sizeof(tok));
    gs_status rc = gs_store_invite_get(pg->st, dg, (int64_t)time(NULL), &inv, &e);
    if (rc == GS_OK)
        rc = gs_store_account_get(pg->st, inv.account, &owner, &e);
    if (rc != GS_OK)
        return gs_page_store_fail(pg, rc, "invitation (or it was used, or it expired)");
    if (pg->post) {
        char pw[GS_SERVE__PASSWORD_MAX_BYTES + 1], hash[GS_STORE_PWHASH_MAX + 1];
        double retry = 0;
        gs_store_id user;
        if (!gs_page_csrf_ok(pg, &reply))
            return reply;
        if (gs_page_form(pg, "password", pw, sizeof(pw)) != 0 ||
            gs_serve__password_check("password", pw, msg, sizeof(msg)) != 0) {
            err = "The password needs at least 10 characters (at most 1024 bytes).";
            status = 400;
        } else if (!gs_serve__rate_ok(pg->s, 0, pg->addr, &retry)) {
            snprintf(msg, sizeof(msg), "Too many attempts; try again in %d s.", (int)retry + 1);
            err = msg;
            status = 429;
        } else if (gs_serve__password_hash(pg->s, pw, hash) != 0) {
            err = "The server is busy; try again.";
            status = 503;
        } else {
            sodium_memzero(pw, sizeof(pw));
            rc = gs_store_invite_accept(pg->st, dg, (int64_t)time(NULL), hash, user, &e);
            if (rc == GS_OK)
                return gs_page_sign_in(pg, user, "/athletes");
            if (rc == GS_ERR_EXISTS) {
                err = "A user with this e-mail exists already; sign in instead.";
                status = 409;
            } else
                return gs_page_store_fail(pg, rc, "invitation (or it was used, or it expired)");
        }
        sodium_memzero(pw, sizeof(pw));
    }
    gs_html_buf b = {0};
    gs_page_head(pg, &b, inv.user[0] ? "New password" : "Invitation");
    if (inv.user[0])
        gs_html_puts(&b, "<h1>Set a new password</h1><p>For ");
    else
        gs_html_puts(&b, "<h1>Join as a therapist</h1><p>");
    if (!inv.user[0]) {
        gs_html_esc(&b, owner.email);
        gs_html_puts(&b, " invites you to their gaitscope account as ");
    }
    gs_html_puts(&b, "<strong id=\"invite-email\">");
    gs_html_esc(&b, inv.email);
    gs_html_puts(&b, "</strong>.</p>");
    if (err) {
        gs_html_puts(&b, "<p class=\"err\" id=\"form-error\">");
        gs_html_esc(&b, err);
        gs_html_puts(&b, "</p>");
    }
    snprintf(path, sizeof(path), "/invite/%s", token);
    gs_html_printf(&b, "<form class=\"card\" method=\"post\" action=\"%s\">", path);
    gs_page_csrf_field(pg, &b);
    gs_html_puts(&b, "<label for=\"password\">Password (at least 10 characters)</label><input "
                     "type=\"password\" id=\"password\" name=\"password\" required "
                     "minlength=\"10\" autocomplete=\"new-password\"><button type=\"submit\">"
                     "Set the password and sign in</button></form><p class=\"muted\">The link "
                     "works once.</p>");
    return gs_page_send(pg, &b, status);
}

int gs_pages_account(gs_page *pg, char **seg, int nseg)
{
    int reply;
    if (!strcmp(seg[0], "invite")) {
        if (nseg != 2)
            return gs_page_fail(pg, 404, "No such page.");
        return invite_page(pg, seg[1]);
    }
    if (strcmp(seg[0], "account") != 0)
        return -1;
    if (nseg == 1 && !pg->post)
        return account_page(pg, 200, NULL, NULL, NULL);
    if (nseg == 2 && !strcmp(seg[1], "access") && !pg->post)
        return owner_only(pg, &reply) ? access_page(pg) : reply;
    if (!pg->post)
        return gs_page_fail(pg, 404, "No such page.");
    if (!gs_page_csrf_ok(pg, &reply))
        return reply;
    if (nseg == 2 && !strcmp(seg[1], "password"))
        return password_post(pg);
    if (!owner_only(pg, &reply))
        return reply;
    return account_post(pg, seg, nseg);
}
