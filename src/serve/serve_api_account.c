/*
 * gaitscope serve: the JSON API's routes of the account itself (docs/api.md "Clinic accounts"):
 * who is signed in, the users of a clinic and their invitation and password-reset links,
 * retention, the access log, deleting the account. What a therapist may not do (manage users,
 * change retention, read the access log, delete the account or an athlete) is 403 with a
 * message: it is the therapist's own account, so nothing is hidden by a 404 there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_http_impl.h"

/* The access log's largest page (GET /access?skip=N pages further). */
#define ACCESS_PAGE 500

/* 1 for the account's owner; else answers 403 saying what only the owner may do. */
static int owner_only(gs_serve__req *q, struct MHD_Connection *c, const char *what,
                      enum MHD_Result *r)
{
    char msg[GS_SERVE__MSG];
    if (q->role == GS_STORE_ROLE_OWNER)
        return 1;
    snprintf(msg, sizeof(msg), "only the account's owner may %s", what);
    *r = gs_serve__reply_error(c, 403, msg);
    return 0;
}

static cJSON *user_json(const gs_store_account *u)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "id", u->id);
    cJSON_AddStringToObject(o, "email", u->email);
    cJSON_AddStringToObject(o, "role", gs_store_role_name(u->role));
    cJSON_AddNumberToObject(o, "created", (double)u->created);
    return o;
}

/* GET /account: who is signed in and in which account; DELETE /account {password}: the owner
 * deletes the account and everything in it. */
static enum MHD_Result h_account(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_serve *s = q->srv;
    gs_error e = {0};
    gs_store_account me, owner;
    enum MHD_Result r;
    gs_status rc = gs_store_account_get(st, q->user, &me, &e);
    if (rc == GS_OK)
        rc = gs_store_account_get(st, q->account, &owner, &e);
    if (rc != GS_OK)
        return gs_serve__reply_store_error(s, c, rc, &e, "account");
    if (q->route.method != GS_SERVE__DELETE) {
        cJSON *o = user_json(&me);
        if (o) {
            cJSON_AddStringToObject(o, "account", q->account);
            cJSON_AddNumberToObject(o, "retention_days", owner.retention_days);
        }
        return gs_serve__reply_json(c, 200, o);
    }
    if (!owner_only(q, c, "delete the account", &r))
        return r;
    static const char *const keys[] = {"password", NULL};
    char msg[GS_SERVE__MSG];
    const char *pw = NULL;
    int status;
    double retry = 0;
    cJSON *o = gs_serve__json_object(q->body, q->body_len, keys, &status, msg, sizeof(msg));
    if (!o)
        return gs_serve__reply_error(c, (unsigned)status, msg);
    if ((status = gs_serve__json_string(o, "password", &pw, msg, sizeof(msg))) != 0) {
        cJSON_Delete(o);
        return gs_serve__reply_error(c, (unsigned)status, msg);
    }
    /* The password again: a token left on a shared computer must not be enough to erase a
     * clinic's records. Counted like a sign-in. */
    if (!gs_serve__rate_ok(s, 1, me.email, &retry)) {
        cJSON_Delete(o);
        return gs_serve__reply_429(c, retry, "for this account");
    }
    int ok = gs_serve__password_verify(s, me.pwhash, pw);
    cJSON_Delete(o);
    if (ok < 0)
        return gs_serve__reply_error(c, 503, "the server is busy; try again");
    if (!ok)
        return gs_serve__reply_error(c, 403, "the password is wrong");
    rc = gs_serve__account_remove(s, st, q->account, &e);
    if (rc != GS_OK)
        return gs_serve__reply_store_error(s, c, rc, &e, "account");
    gs_serve__logf(s, 0, "account deleted");
    return gs_serve__reply_json(c, 204, NULL);
}

static enum MHD_Result h_retention(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    static const char *const keys[] = {"days", NULL};
    char msg[GS_SERVE__MSG];
    int status, days = 0;
    gs_error e = {0};
    enum MHD_Result r;
    if (!owner_only(q, c, "change the retention", &r))
        return r;
    cJSON *o = gs_serve__json_object(q->body, q->body_len, keys, &status, msg, sizeof(msg));
    if (!o)
        return gs_serve__reply_error(c, (unsigned)status, msg);
    status = gs_serve__retention_body(o, &days, msg, sizeof(msg));
    cJSON_Delete(o);
    if (status)
        return gs_serve__reply_error(c, (unsigned)status, msg);
    gs_status rc = gs_store_account_set_retention(st, q->account, days, &e);
    if (rc != GS_OK)
        return gs_serve__reply_store_error(q->srv, c, rc, &e, "account");
    cJSON *a = cJSON_CreateObject();
    if (a)
        cJSON_AddNumberToObject(a, "retention_days", days);
    return gs_serve__reply_json(c, 200, a);
}

static enum MHD_Result reply_link(struct MHD_Connection *c, const char *url, int64_t expires)
{
    cJSON *o = cJSON_CreateObject();
    if (o) {
        cJSON_AddStringToObject(o, "url", url);
        cJSON_AddNumberToObject(o, "expires", (double)expires);
    }
    return gs_serve__reply_json(c, 201, o);
}

/* GET /users: the account's users and pending invitations; POST /users {email}: invites a
 * therapist (the answer holds the single-use link, shown once). */
static enum MHD_Result h_users(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_serve *s = q->srv;
    gs_error e = {0};
    enum MHD_Result r;
    char msg[GS_SERVE__MSG];
    if (!owner_only(q, c, "manage the account's users", &r))
        return r;
    if (q->route.method == GS_SERVE__POST) {
        static const char *const keys[] = {"email", NULL};
        char email[GS_SERVE__EMAIL_MAX + 1], url[GS_SERVE__URL_MAX];
        const char *in = NULL;
        int status;
        int64_t expires = 0;
        cJSON *o = gs_serve__json_object(q->body, q->body_len, keys, &status, msg, sizeof(msg));
        if (!o)
            return gs_serve__reply_error(c, (unsigned)status, msg);
        if ((status = gs_serve__json_string(o, "email", &in, msg, sizeof(msg))) != 0 ||
            (status = gs_serve__email_normalize(in, email, msg, sizeof(msg))) != 0) {
            cJSON_Delete(o);
            return gs_serve__reply_error(c, (unsigned)status, msg);
        }
        cJSON_Delete(o);
        gs_status rc = gs_serve__invite_new(s, st, c, q->account, email, NULL, url, &expires, &e);
        if (rc == GS_ERR_EXISTS)
            return gs_serve__reply_error(c, 409, "a user with this e-mail exists");
        if (rc != GS_OK)
            return gs_serve__reply_store_error(s, c, rc, &e, "account");
        return reply_link(c, url, expires);
    }
    gs_store_account *users = NULL;
    gs_store_invite *inv = NULL;
    size_t nu = 0, ni = 0;
    gs_status rc = gs_store_user_list(st, q->account, &users, &nu, &e);
    if (rc == GS_OK)
        rc = gs_store_invite_list(st, q->account, &inv, &ni, &e);
    if (rc != GS_OK) {
        free(users);
        return gs_serve__reply_store_error(s, c, rc, &e, "account");
    }
    cJSON *o = cJSON_CreateObject();
    cJSON *ua = o ? cJSON_AddArrayToObject(o, "users") : NULL;
    cJSON *ia = o ? cJSON_AddArrayToObject(o, "invitations") : NULL;
    for (size_t i = 0; ua && i < nu; i++)
        cJSON_AddItemToArray(ua, user_json(&users[i]));
    for (size_t i = 0; ia && i < ni; i++) {
        cJSON *x = cJSON_CreateObject();
        if (!x)
            break;
        cJSON_AddStringToObject(x, "id", inv[i].id);
        cJSON_AddStringToObject(x, "email", inv[i].email);
        cJSON_AddStringToObject(x, "kind", inv[i].user[0] ? "password reset" : "invitation");
        cJSON_AddNumberToObject(x, "created", (double)inv[i].created);
        cJSON_AddNumberToObject(x, "expires", (double)inv[i].expires);
        cJSON_AddItemToArray(ia, x);
    }
    free(users);
    free(inv);
    return gs_serve__reply_json(c, 200, o);
}

/* DELETE /users/{id}: removes a therapist; POST /users/{id}/reset: a password-reset link (the
 * therapist's password and tokens stop working at once). */
static enum MHD_Result h_user(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_serve *s = q->srv;
    gs_error e = {0};
    enum MHD_Result r;
    if (!owner_only(q, c, "manage the account's users", &r))
        return r;
    if (!strcmp(q->route.rid, q->account))
        return gs_serve__reply_error(c, 400, q->route.id == GS_SERVE__R_USER
                                                 ? "the owner goes only with the account"
                                                 : "the owner changes the password with "
                                                   "POST /api/v1/password");
    if (q->route.id == GS_SERVE__R_USER) {
        gs_status rc = gs_store_user_delete(st, q->account, q->route.rid, &e);
        if (rc != GS_OK)
            return gs_serve__reply_store_error(s, c, rc, &e, "user");
        return gs_serve__reply_json(c, 204, NULL);
    }
    char url[GS_SERVE__URL_MAX];
    int64_t expires = 0;
    gs_status rc = gs_serve__invite_new(s, st, c, q->account, NULL, q->route.rid, url, &expires,
                                        &e);
    if (rc != GS_OK)
        return gs_serve__reply_store_error(s, c, rc, &e, "user");
    return reply_link(c, url, expires);
}

/* DELETE /invitations/{id}: withdraws a pending invitation or password-reset link (its id from
 * GET /users); the link then gives 404. */
static enum MHD_Result h_invitation(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_error e = {0};
    enum MHD_Result r;
    if (!owner_only(q, c, "manage the account's users", &r))
        return r;
    gs_status rc = gs_store_invite_delete(st, q->account, q->route.rid, &e);
    if (rc != GS_OK)
        return gs_serve__reply_store_error(q->srv, c, rc, &e, "invitation");
    return gs_serve__reply_json(c, 204, NULL);
}

/* GET /invites/{token}: what the link is for; POST {password}: uses it and signs in. No bearer
 * token: the link is the credential (256 random bits, single use, a week). */
static enum MHD_Result h_invite(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_serve *s = q->srv;
    gs_error e = {0};
    gs_store_invite inv;
    uint8_t dg[GS_STORE_DIGEST_BYTES];
    char msg[GS_SERVE__MSG], hash[crypto_pwhash_STRBYTES];
    double retry = 0;
    gs_serve__token_digest(GS_SERVE__TOKEN_INVITE, q->route.token, dg);
    gs_status rc = gs_store_invite_get(st, dg, gs_serve__now_s(), &inv, &e);
    if (rc != GS_OK)
        return gs_serve__reply_store_error(s, c, rc, &e, "invitation (used, expired or withdrawn)");
    if (q->route.method != GS_SERVE__POST) {
        cJSON *o = cJSON_CreateObject();
        if (o) {
            cJSON_AddStringToObject(o, "email", inv.email);
            cJSON_AddStringToObject(o, "kind", inv.user[0] ? "password reset" : "invitation");
            cJSON_AddNumberToObject(o, "expires", (double)inv.expires);
        }
        return gs_serve__reply_json(c, 200, o);
    }
    static const char *const keys[] = {"password", NULL};
    const char *pw = NULL;
    int status;
    if (!gs_serve__rate_ok(s, 0, q->addr, &retry))
        return gs_serve__reply_429(c, retry, "from this address");
    cJSON *o = gs_serve__json_object(q->body, q->body_len, keys, &status, msg, sizeof(msg));
    if (!o)
        return gs_serve__reply_error(c, (unsigned)status, msg);
    if ((status = gs_serve__json_string(o, "password", &pw, msg, sizeof(msg))) != 0 ||
        (status = gs_serve__password_check("password", pw, msg, sizeof(msg))) != 0) {
        cJSON_Delete(o);
        return gs_serve__reply_error(c, (unsigned)status, msg);
    }
    int hr = gs_serve__password_hash(s, pw, hash);
    cJSON_Delete(o);
    if (hr != 0)
        return gs_serve__reply_error(c, 503, "the server is busy; try again");
    gs_store_id user;
    rc = gs_store_invite_accept(st, dg, gs_serve__now_s(), hash, user, &e);
    if (rc == GS_ERR_EXISTS)
        return gs_serve__reply_error(c, 409, "a user with this e-mail exists; sign in instead");
    if (rc != GS_OK)
        return gs_serve__reply_store_error(s, c, rc, &e, "invitation (used, expired or withdrawn)");
    return gs_serve__reply_token(s, c, st, user, 201);
}

static enum MHD_Result h_access(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    gs_error e = {0};
    enum MHD_Result r;
    gs_store_access *list = NULL;
    size_t n = 0, skip = 0;
    if (!owner_only(q, c, "read the access log", &r))
        return r;
    const char *sk = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "skip");
    if (sk) {
        char *end = NULL;
        unsigned long long v = strtoull(sk, &end, 10);
        if (!sk[0] || *end || sk[0] == '-' || v > 100000000ULL)
            return gs_serve__reply_error(c, 400, "skip must be a whole number");
        skip = (size_t)v;
    }
    gs_status rc = gs_store_access_list(st, q->account, ACCESS_PAGE, skip, &list, &n, &e);
    if (rc != GS_OK)
        return gs_serve__reply_store_error(q->srv, c, rc, &e, "account");
    cJSON *o = cJSON_CreateObject();
    cJSON *a = o ? cJSON_AddArrayToObject(o, "entries") : NULL;
    for (size_t i = 0; a && i < n; i++) {
        cJSON *x = cJSON_CreateObject();
        if (!x)
            break;
        cJSON_AddNumberToObject(x, "at", (double)list[i].at);
        cJSON_AddStringToObject(x, "user", list[i].user);
        cJSON_AddStringToObject(x, "email", list[i].email);
        cJSON_AddStringToObject(x, "athlete", list[i].athlete);
        cJSON_AddStringToObject(x, "athlete_name", list[i].athlete_name);
        cJSON_AddStringToObject(x, "session", list[i].session);
        cJSON_AddStringToObject(x, "what", list[i].what);
        cJSON_AddStringToObject(x, "address", list[i].addr);
        cJSON_AddItemToArray(a, x);
    }
    free(list);
    return gs_serve__reply_json(c, 200, o);
}

enum MHD_Result gs_serve__api_account(gs_serve__req *q, struct MHD_Connection *c, gs_store *st)
{
    switch (q->route.id) {
    case GS_SERVE__R_ACCOUNT:
        return h_account(q, c, st);
    case GS_SERVE__R_RETENTION:
        return h_retention(q, c, st);
    case GS_SERVE__R_USERS:
        return h_users(q, c, st);
    case GS_SERVE__R_USER:
    case GS_SERVE__R_USER_RESET:
        return h_user(q, c, st);
    case GS_SERVE__R_INVITE:
        return h_invite(q, c, st);
    case GS_SERVE__R_INVITATION:
        return h_invitation(q, c, st);
    case GS_SERVE__R_ACCESS:
        return h_access(q, c, st);
    default:
        return gs_serve__reply_error(c, 404, "no such route");
    }
}
