/*
 * gaitscope serve internals. The parsing functions here are pure (no daemon, no store, no files),
 * so tests/test_serve.c checks them on made input and tests/fuzz/fuzz_serve.c fuzzes them.
 * Each returns 0 on success or an HTTP status (400, 404, 405, 413, 416) with a one-line message
 * in msg for the JSON {"error": ...} body.
 */
#ifndef GS_SERVE_IMPL_H
#define GS_SERVE_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>

#include "store.h"

#define GS_SERVE__ID_LEN 22     /* store.h GS_STORE_ID_LEN: 128 random bits in base64url */
#define GS_SERVE__TOKEN_BYTES 32 /* bearer and share tokens: 256 random bits */
#define GS_SERVE__TOKEN_LEN 43  /* their base64url text without padding */
#define GS_SERVE__EMAIL_MAX 254 /* store.h GS_STORE_EMAIL_MAX (RFC 5321 path limit) */
/* Passwords: at least 10 characters and nothing else (NIST SP 800-63B section 5.1.1.2 asks for a
 * length rule only, no composition rules); at most 1024 bytes so a request cannot make the
 * server hash megabytes (Argon2 reads the whole password). */
#define GS_SERVE__PASSWORD_MIN_CHARS 10
#define GS_SERVE__PASSWORD_MAX_BYTES 1024
/* An error message for a client: room for the longest the service passes on whole (a wrong
 * intake-history item and nkt's list of the accepted kinds and regions: 214 bytes + the item). */
#define GS_SERVE__MSG 384

/* ---- routes ------------------------------------------------------------------------------ */

typedef enum gs_serve__route_id {
    GS_SERVE__R_NONE = 0,
    GS_SERVE__R_HEALTH = 1,           /* GET    /api/v1/health */
    GS_SERVE__R_ACCOUNTS = 2,         /* POST   /api/v1/accounts */
    GS_SERVE__R_TOKENS = 3,           /* POST   /api/v1/tokens */
    GS_SERVE__R_TOKEN_CURRENT = 4,    /* DELETE /api/v1/tokens/current */
    GS_SERVE__R_PASSWORD = 5,         /* POST   /api/v1/password */
    GS_SERVE__R_ATHLETES = 6,         /* GET, POST /api/v1/athletes */
    GS_SERVE__R_ATHLETE = 7,          /* GET, DELETE /api/v1/athletes/{id} */
    GS_SERVE__R_ATHLETE_SESSIONS = 8, /* GET, POST /api/v1/athletes/{id}/sessions */
    GS_SERVE__R_JOB = 9,              /* GET, DELETE /api/v1/jobs/{id} */
    GS_SERVE__R_SESSION = 10,         /* GET, DELETE /api/v1/sessions/{id} */
    GS_SERVE__R_SESSION_FILE = 11,    /* GET    /api/v1/sessions/{id}/files/{name} */
    GS_SERVE__R_SESSION_SHARES = 12,  /* POST   /api/v1/sessions/{id}/shares */
    GS_SERVE__R_SHARE = 13,           /* DELETE /api/v1/shares/{id} */
    GS_SERVE__R_SHARED = 14,          /* GET    /api/v1/shared/{token} */
    GS_SERVE__R_SHARED_FILE = 15,     /* GET    /api/v1/shared/{token}/files/{name} */
    GS_SERVE__R_ACCOUNT = 16,         /* GET, DELETE /api/v1/account */
    GS_SERVE__R_RETENTION = 17,       /* POST   /api/v1/account/retention */
    GS_SERVE__R_USERS = 18,           /* GET, POST /api/v1/users */
    GS_SERVE__R_USER = 19,            /* DELETE /api/v1/users/{id} */
    GS_SERVE__R_USER_RESET = 20,      /* POST   /api/v1/users/{id}/reset */
    GS_SERVE__R_INVITE = 21,          /* GET, POST /api/v1/invites/{token} */
    GS_SERVE__R_ACCESS = 22,          /* GET    /api/v1/access */
    GS_SERVE__R_SESSION_RERUN = 23,   /* POST   /api/v1/sessions/{id}/rerun */
    GS_SERVE__R_SESSION_ZIP = 24,     /* GET    /api/v1/sessions/{id}/zip */
    GS_SERVE__R_ATHLETE_EXPORT = 25,  /* GET    /api/v1/athletes/{id}/export */
    GS_SERVE__R_ATHLETE_COMPARISONS = 26, /* GET, POST /api/v1/athletes/{id}/comparisons */
    GS_SERVE__R_COMPARISON = 27,      /* GET, DELETE /api/v1/comparisons/{id} */
    GS_SERVE__R_COMPARISON_FILE = 28, /* GET    /api/v1/comparisons/{id}/files/{name} */
    GS_SERVE__R_INVITATION = 29,      /* DELETE /api/v1/invitations/{id} */
    GS_SERVE__R_COUNT = 30
} gs_serve__route_id;

typedef enum gs_serve__method {
    GS_SERVE__GET = 1,
    GS_SERVE__POST = 2,
    GS_SERVE__DELETE = 4,
    GS_SERVE__HEAD = 8 /* answered as GET without a body */
} gs_serve__method;

/** A parsed request line. */
typedef struct gs_serve__route {
    gs_serve__route_id id;
    gs_serve__method method;
    char rid[GS_SERVE__ID_LEN + 1];  /* the {id} of the path, checked: 22 base64url characters */
    uint8_t token[GS_SERVE__TOKEN_BYTES]; /* the {token} of a shared or invite route */
    int file;                        /* file routes: index in the file table */
    int needs_auth;                  /* 1: a bearer token is required */
} gs_serve__route;

/**
 * Parses method and path (query already removed by the HTTP library). 0, or 404 (no such
 * route, also an unknown file name), 405 (the route exists without this method), 400 (an id or
 * token of the wrong form).
 */
int gs_serve__route_parse(const char *method, const char *path, gs_serve__route *r, char *msg,
                          size_t n);

/** 1 when s is exactly 22 characters of [A-Za-z0-9_-]. */
int gs_serve__id_valid(const char *s, size_t len);

/* ---- the fixed table of output files ------------------------------------------------------ */

#define GS_SERVE__N_FILES 15
/** Index of name in the table, or -1. */
int gs_serve__file_index(const char *name);
const char *gs_serve__file_name(int i);
const char *gs_serve__file_type(int i); /* Content-Type */
/**
 * 1 when a share link may serve file i: the overlay and the key frames only. Every other file
 * holds the findings (which quote the intake history) or the analysis behind them.
 */
int gs_serve__file_shareable(int i);

/* The files of a comparison (DIR/comparisons/{id}/): "comparison.html", "comparison.json",
 * "side_by_side.mp4". */
#define GS_SERVE__N_COMPARISON_FILES 3
/** Index of name in the comparison files, or -1. */
int gs_serve__comparison_file_index(const char *name);
const char *gs_serve__comparison_file_name(int i);
const char *gs_serve__comparison_file_type(int i); /* Content-Type */

/* ---- headers ----------------------------------------------------------------------------- */

/**
 * "Bearer <43 base64url chars>" into token. 0, or 401 with msg.
 */
int gs_serve__bearer(const char *header, uint8_t token[GS_SERVE__TOKEN_BYTES], char *msg,
                     size_t n);
/** A token's base64url text (44 bytes with the NUL). */
void gs_serve__token_text(const uint8_t token[GS_SERVE__TOKEN_BYTES],
                          char out[GS_SERVE__TOKEN_LEN + 1]);
/**
 * Token kinds. A token is 256 random bits; the store keeps a digest, and the digest of a page
 * session's cookie is keyed differently from an API bearer token's, so a cookie copied into an
 * Authorization header (or a bearer token into a cookie) matches no stored digest.
 */
typedef enum gs_serve__token_kind {
    GS_SERVE__TOKEN_API = 0,    /* Authorization: Bearer (POST /api/v1/tokens) */
    GS_SERVE__TOKEN_COOKIE = 1, /* the pages' gs_session cookie */
    GS_SERVE__TOKEN_SHARE = 2,  /* share links */
    GS_SERVE__TOKEN_INVITE = 3  /* a clinic's invitation and password-reset links */
} gs_serve__token_kind;
/** The store's digest of a token of kind. */
void gs_serve__token_digest(gs_serve__token_kind kind, const uint8_t token[GS_SERVE__TOKEN_BYTES],
                            uint8_t digest[32]);
/** Decodes 43 base64url characters; 0 or -1. */
int gs_serve__token_decode(const char *s, size_t len, uint8_t token[GS_SERVE__TOKEN_BYTES]);

/** Content-Length: digits only, no overflow; 0 or -1. */
int gs_serve__content_length(const char *h, uint64_t *out);

/* 1 when a Host header holds only characters we may repeat in a link (RFC 3986 reg-name, IPv6
 * brackets, a port) and at most 255 of them; share links and redirects use it. */
int gs_serve__host_ok(const char *h);

/**
 * A Range header against a file of size bytes (RFC 9110 section 14): one "bytes=A-B", "A-" or
 * "-N" range. Returns 206 with [*first, *last] (inclusive) set, 416 when it cannot be satisfied
 * (starts at or past the end, a zero suffix, an empty file), or 200 (serve the whole file: no
 * header, another unit, several ranges, a syntax error; RFC 9110 section 14.2 lets a server
 * ignore a Range it does not support).
 */
int gs_serve__range_parse(const char *h, uint64_t size, uint64_t *first, uint64_t *last);

/** "ADDR:PORT" / "[ADDR6]:PORT" into a socket address. 0 or -1 with msg. */
int gs_serve__listen_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len, int *port,
                           char *msg, size_t n);

/* ---- members of a large JSON object ------------------------------------------------------ */

/**
 * The members named in keys (NULL-terminated) of the JSON object text, as a new object (in
 * file order; the first member of a name when it repeats; absent ones left out), without
 * building the others: an analysis.json is ~450 kB, nine tenths of it the curves, and the
 * athlete page wants its status, metrics and findings only. The members not picked are followed
 * through their strings and brackets only. NULL when text is not an object, or a picked value
 * is not JSON (cJSON), or out of memory. Caller frees with cJSON_Delete.
 */
cJSON *gs_serve__json_pick(const char *text, size_t len, const char *const *keys);

/* ---- JSON bodies ------------------------------------------------------------------------- */

/**
 * body as a JSON object whose keys are all in allowed (NULL-terminated). Caller frees with
 * cJSON_Delete. NULL with 400 in *status and msg naming the problem (not JSON, not an object,
 * unknown key).
 */
cJSON *gs_serve__json_object(const char *body, size_t len, const char *const *allowed,
                             int *status, char *msg, size_t n);

/** The string field key of o (at most 64 KiB): 0, or 400 (missing, not a string). */
int gs_serve__json_string(const cJSON *o, const char *key, const char **out, char *msg, size_t n);

/** Trims, lower-cases and checks an e-mail address (one '@', no spaces or controls). 0 or 400. */
int gs_serve__email_normalize(const char *in, char out[GS_SERVE__EMAIL_MAX + 1], char *msg,
                              size_t n);
/** The length rule (in UTF-8 characters) and the byte bound. 0 or 400 naming field. */
int gs_serve__password_check(const char *field, const char *pw, char *msg, size_t n);

/** {email, password}: 0 or 400. password points into o (valid while o lives). */
int gs_serve__credentials(const cJSON *o, char email[GS_SERVE__EMAIL_MAX + 1],
                          const char **password, int check_rule, char *msg, size_t n);
/** {name, height_m?}: 0 or 400; *height_m is NAN when absent or null. */
int gs_serve__athlete_body(const cJSON *o, const char **name, double *height_m, char *msg,
                           size_t n);
/** {days?}: whole days in [1, 365], 7 when absent; 0 or 400. */
int gs_serve__share_body(const cJSON *o, int *days, char *msg, size_t n);
/** {days}: whole days of the retention setting in [0, 3650] (0: keep videos); 0 or 400. */
int gs_serve__retention_body(const cJSON *o, int *days, char *msg, size_t n);

/* ---- multipart fields of an upload ------------------------------------------------------- */

typedef enum gs_serve__field {
    GS_SERVE__F_VIEW = 0,
    GS_SERVE__F_HEIGHT = 1,
    GS_SERVE__F_BELT_SPEED = 2,
    GS_SERVE__F_HISTORY = 3,
    GS_SERVE__F_NOTES = 4,
    GS_SERVE__F_DATE = 5,
    GS_SERVE__F_START = 6,
    GS_SERVE__F_END = 7,
    GS_SERVE__F_SLOWMO = 8,
    GS_SERVE__F_BLUR_FACES = 9,
    GS_SERVE__F_PERSON = 10,
    GS_SERVE__F_SWAP_LEGS = 11,
    GS_SERVE__F_COUNT = 12
} gs_serve__field;

/** The text fields of an upload as they arrive (a value may come in several pieces). */
typedef struct gs_serve__fields {
    char *val[GS_SERVE__F_COUNT]; /* NUL-terminated, malloc'd; NULL when not given */
    size_t len[GS_SERVE__F_COUNT];
} gs_serve__fields;

/** Name of a field ("belt_speed"). */
const char *gs_serve__field_name(gs_serve__field f);

/**
 * Appends size bytes at offset off of field key. 0, or 400 (unknown field, a field over its
 * length bound, a piece that does not continue the value, a NUL byte), 500 when out of memory.
 */
int gs_serve__fields_add(gs_serve__fields *f, const char *key, const char *data, uint64_t off,
                         size_t size, char *msg, size_t n);

/**
 * Checks every given field (numbers finite and in range, view from the fixed set, date a real
 * day, history items known) and writes the analysis options as a JSON object into options
 * (at most n_options bytes with the NUL), the store's options_json that the workers read
 * (worker.h gs_worker_session_options_parse): keys "view", "height" (m), "belt_speed" (m/s),
 * "history", "start", "end" (s), "slowmo", "blur_faces" (bool), "person" ([x, y] px),
 * "swap_legs" ("all" or "T1-T2[,T3-T4...]" s, at most 16 ranges; "" is none), only those
 * given ("view": "auto" is left out: detected). notes and
 * date point into f (NULL when absent: ""). 0, or 400 naming the field.
 */
int gs_serve__fields_options(const gs_serve__fields *f, char *options, size_t n_options,
                             const char **notes, const char **date, char *msg, size_t n);

void gs_serve__fields_free(gs_serve__fields *f);

/* ---- rate limits (token buckets, in memory) ---------------------------------------------- */

#define GS_SERVE__LIMIT_SLOTS 4096
#define GS_SERVE__LIMIT_PROBE 8

typedef struct gs_serve__bucket {
    uint8_t key[16]; /* keyed hash of "a:" address or "e:" e-mail */
    double tokens;
    double t_s;      /* when tokens was last brought up to date */
    int used;
} gs_serve__bucket;

/**
 * capacity requests at once, then one per refill_s seconds. A fixed table: when the slots a key
 * may use are all taken, the fullest bucket (the one furthest from limiting anybody) is reused,
 * so memory stays bounded under a flood of addresses. Not thread-safe: the caller locks.
 */
typedef struct gs_serve__limiter {
    double capacity, refill_s;
    uint8_t hash_key[32];
    gs_serve__bucket slot[GS_SERVE__LIMIT_SLOTS];
} gs_serve__limiter;

/** Sets the numbers and a random hash key; clears the slots. */
void gs_serve__limiter_init(gs_serve__limiter *l, double capacity, double refill_s);
/**
 * Takes one token for key at time now_s. 1 allowed; 0 refused, *retry_s (may be NULL) = seconds
 * until the next token.
 */
int gs_serve__limiter_take(gs_serve__limiter *l, const char *key, double now_s, double *retry_s);

/* ---- the browser pages (pages*.c) and what they use of the server (serve.c) --------------- */

struct MHD_Connection;
typedef struct gs_serve gs_serve;

/* serve.c, for the pages: */
gs_store *gs_serve__store_get(gs_serve *s, int *slot);
void gs_serve__store_put(gs_serve *s, int slot);
const char *gs_serve__dir(const gs_serve *s);
int gs_serve__is_tls(const gs_serve *s);
int gs_serve__signup_closed(const gs_serve *s);
/** Argon2id under the server's cap: 0, -1 no slot in time, -2 failed. */
int gs_serve__password_hash(gs_serve *s, const char *pw, char *out /* 128 bytes */);
/** 1 match, 0 no, -1 no slot; hash NULL checks against the dummy hash (an unknown e-mail). */
int gs_serve__password_verify(gs_serve *s, const char *hash, const char *pw);
/** The sign-in rate limits: per_account 1 keys by e-mail, 0 by client address. 1 allowed. */
int gs_serve__rate_ok(gs_serve *s, int per_account, const char *key, double *retry_s);
/** A new token of kind (API or COOKIE) for account (its digest stored by gs_store_token_add). */
gs_status gs_serve__token_new(gs_store *st, const char *account, gs_serve__token_kind kind,
                              char text[GS_SERVE__TOKEN_LEN + 1], gs_error *e);
void gs_serve__log(gs_serve *s, int level, const char *msg);
/** Deletes a session record and its files (the API's DELETE /sessions/{id}). */
gs_status gs_serve__session_remove(gs_serve *s, gs_store *st, const char *account,
                                   const char *session, gs_error *e);
/** Sends file i of the table for ss (already checked) with Range support; csp may be NULL.
 * An enum MHD_Result. */
int gs_serve__send_file(gs_serve *s, struct MHD_Connection *c, const gs_store_session *ss,
                        const gs_store_job *job, int i, const char *csp);
/** Sends the regular file path (never through a symbolic link) as type with Range support;
 * csp may be NULL; a missing file is 404 with the JSON error missing. An enum MHD_Result. */
int gs_serve__send_path(struct MHD_Connection *c, const char *path, const char *type,
                        const char *csp, const char *missing);

/* pages.c, for serve.c: */
/**
 * First call of a page request (headers only). 0: a page, its form body follows; 1: the upload
 * form's XHR (POST /athletes/{id}/upload with the session cookie and an X-CSRF-Token header):
 * account and athlete are set and serve.c runs the API's upload; else an HTTP status with msg.
 */
int gs_serve__page_begin(gs_serve *s, struct MHD_Connection *c, const char *method,
                         const char *url, gs_store_id account, gs_store_id athlete, char *msg,
                         size_t n);
/** Answers a page request (body: the urlencoded form, may be NULL). An enum MHD_Result. */
int gs_serve__page(gs_serve *s, struct MHD_Connection *c, const char *method, const char *url,
                   const char *body, size_t len, const char *addr);
/** An HTML error page with status. An enum MHD_Result. */
int gs_serve__page_error(gs_serve *s, struct MHD_Connection *c, unsigned status,
                         const char *msg);

#endif /* GS_SERVE_IMPL_H */
