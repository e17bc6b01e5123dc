/*
 * gaitscope serve, the browser pages: what pages.c (the frame: cookies, CSRF, forms, sign-in)
 * gives the page groups (pages_athletes.c, pages_session.c).
 *
 * Sessions: the sign-in issues a store token (256 random bits, stored as its digest, like the
 * API's bearer tokens) sent as the cookie gs_session (HttpOnly, SameSite=Lax, Secure over TLS).
 * The JSON API never reads cookies. CSRF: every form post carries csrf = keyed BLAKE2b of a
 * cookie's secret (the session token once signed in, else the random gs_csrf cookie), which a
 * page on another site can neither read nor compute; a missing or wrong one is refused 403.
 */
#ifndef GS_SERVE_PAGES_IMPL_H
#define GS_SERVE_PAGES_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "report.h"
#include "serve_impl.h"
#include "store.h"

/** One page request. */
typedef struct gs_page {
    gs_serve *s;
    struct MHD_Connection *c;
    gs_store *st;
    int post;                 /* 1: POST, 0: GET or HEAD */
    const char *url;
    const char *body;         /* urlencoded form (POST), may be NULL */
    size_t len;
    const char *addr;
    int signed_in;
    gs_store_id account;                   /* the account (clinic) whose records it opens */
    gs_store_id user;                      /* who signed in */
    gs_store_role role;
    char email[GS_STORE_EMAIL_MAX + 1];
    uint8_t digest[GS_STORE_DIGEST_BYTES]; /* of the session token */
    char csrf[GS_SERVE__TOKEN_LEN + 1];    /* what this page's forms carry */
    char cookie[2][200];                   /* Set-Cookie values to send */
    int n_cookie;
    char nonce[GS_SERVE__TOKEN_LEN + 1];   /* the script nonce of this answer */
    char head_extra[160];                  /* trusted markup for <head> (a refresh) */
    int bare;                              /* 1: no account links in the top bar (a share) */
    char retry_after[16];                  /* a Retry-After value to send ("": none) */
} gs_page;

/** Starts a page: doctype, head (report.html's stylesheet + the pages'), the top bar. */
void gs_page_head(gs_page *pg, gs_html_buf *b, const char *title);
/** Ends the page and sends it with status (the buffer is freed). An enum MHD_Result. */
int gs_page_send(gs_page *pg, gs_html_buf *b, unsigned status);
/** Sends the JSON text (taken over, malloc'd; NULL: out of memory) with status 200. */
int gs_page_json(gs_page *pg, char *text);
/** 303 See Other to a path of ours. */
int gs_page_redirect(gs_page *pg, const char *path);
/** A page saying msg with status. */
int gs_page_fail(gs_page *pg, unsigned status, const char *msg);
/** The hidden csrf field of a form. */
void gs_page_csrf_field(gs_page *pg, gs_html_buf *b);
/** POST only: 1 when the form's csrf is right; else answers 403 itself via *reply and 0. */
int gs_page_csrf_ok(gs_page *pg, int *reply);
/**
 * The urlencoded form field key, decoded into out (n bytes with the NUL). 0, -1 absent, -2
 * longer than n - 1 bytes or holding a NUL byte.
 */
int gs_page_form(const gs_page *pg, const char *key, char *out, size_t n);
/** The store failing: a 404 for not-found (whoever owns the id), else 500. */
int gs_page_store_fail(gs_page *pg, gs_status rc, const char *what);

/**
 * The access log's entry: the signed-in user (none on a share page) opened what of athlete
 * (session may be NULL). 0, or answers 500/503 itself via *reply and returns -1 (health data is
 * not shown unlogged).
 */
int gs_page_access(gs_page *pg, const char *athlete, const char *session, const char *what,
                   int *reply);
/** Signs user in: a new cookie token, then a redirect to to. */
int gs_page_sign_in(gs_page *pg, const char *user, const char *to);

/* The page groups: each answers the paths it knows and returns -1 for the others. */
int gs_pages_athletes(gs_page *pg, char **seg, int nseg);
int gs_pages_session(gs_page *pg, char **seg, int nseg);
/** /account (and its forms), /account/access, /invite/TOKEN (pages_account.c). */
int gs_pages_account(gs_page *pg, char **seg, int nseg);

/** The NKT record section of the owner's session page (pages_nkt.c); saved: say "Saved". */
void gs_pages_nkt_html(gs_page *pg, gs_html_buf *b, const gs_store_session *ss, int saved);
/** Stores the posted record (CSRF already checked): 0 (*saved = 1) or an HTTP status + err. */
int gs_pages_nkt_post(gs_page *pg, const char *session, int *saved, char *err, size_t n);

/* pages_compare.c: comparisons, downloads, re-runs. Answers /athletes/{id}/compare (POST),
 * /athletes/{id}/export, /sessions/{id}/zip, /sessions/{id}/rerun (POST), /comparisons/...;
 * -1 for other paths. */
int gs_pages_compare(gs_page *pg, char **seg, int nseg);
/** The comparison page's summary from its comparison.json: the verdict counts (cannot tell
 *  only when there are some, with the frame rate), the frame-rate box (frame_rate_limit's
 *  message), the real changes and the warnings. */
void gs_pages_comparison_summary_html(gs_html_buf *b, const cJSON *cj);
/** The account's comparisons of athlete (session NULL) or with session (athlete NULL). */
void gs_pages_comparisons_html(gs_page *pg, gs_html_buf *b, const char *athlete,
                               const char *session);
/** The athlete page's "compare two sessions" form (list oldest first) and comparisons. The
 *  form offers the sessions gs_serve__session_comparable accepts; an (may be NULL): the page's
 *  reads of their analysis.json, NULL where it is not a done analysis (gs_serve__analysis_done,
 *  that function's test), so that no folder is read twice. */
void gs_pages_compare_form_html(gs_page *pg, gs_html_buf *b, const char *athlete,
                                const gs_store_session *list, size_t n, const cJSON *const *an);
/** The session page's re-run form, prefilled from the session's options. */
void gs_pages_rerun_html(gs_page *pg, gs_html_buf *b, const gs_store_session *ss);

/** The accepted intake-history items under a form's history field (nkt's own list). */
void gs_page_history_help(gs_html_buf *b, const char *id);

/** A date of a record, "YYYY-MM-DD" from seconds since 1970 (UTC). */
void gs_page_day(int64_t t, char out[11]);

#endif /* GS_SERVE_PAGES_IMPL_H */
