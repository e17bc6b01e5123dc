/*
 * gaitscope serve: the service's HTTP JSON API (docs/api.md) on libmicrohttpd.
 *
 * The server keeps no records of its own: accounts, tokens, athletes, uploads, sessions, jobs and
 * shares are read and written through src/store (store.h) only. Analysis never runs in this
 * process: uploads become queued jobs that `gaitscope worker` processes take from the store.
 * The server only receives files, answers JSON and serves the outputs the workers wrote under
 * DIR/sessions/<session id>/, found by database id and a fixed table of names (no request text
 * ever reaches a path).
 *
 * Threads: libmicrohttpd runs one thread per connection (bounded by max_connections); each
 * request borrows a store handle from a small pool, so the store's one-thread-per-handle rule
 * holds. Password hashing (Argon2id, 64 MiB each) is capped at max_hashes at a time.
 */
#ifndef GS_SERVE_H
#define GS_SERVE_H

#include <stdint.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Limits and defaults (docs/api.md "Limits" says why each is what it is). */
#define GS_SERVE_MAX_UPLOAD_MB_DEFAULT 1024 /* --max-upload-mb */
#define GS_SERVE_MAX_CONNECTIONS_DEFAULT 128
#define GS_SERVE_PER_IP_CONNECTIONS_DEFAULT 16
#define GS_SERVE_TIMEOUT_S_DEFAULT 60
#define GS_SERVE_MAX_HASHES_DEFAULT 2
#define GS_SERVE_RETENTION_EVERY_S_DEFAULT 3600 /* retention is in days: hourly is prompt */
#define GS_SERVE_MAX_EXPORTS_DEFAULT 4              /* zips being built or sent at once */
#define GS_SERVE_MAX_EXPORTS_PER_ACCOUNT_DEFAULT 2  /* of them, one account's */
#define GS_SERVE_EXPORT_MIN_FREE_MB_DEFAULT 1024    /* disk an export leaves free under DIR */

/** A message for the program's log (the CLI prints it); level 0 info, 1 warning, 2 error. */
typedef void (*gs_serve_log_fn)(void *user, int level, const char *msg);

/** Options of gs_serve_start(); zero means the default where one is given. */
typedef struct gs_serve_options {
    const char *data_dir;         /* DIR: gaitscope.db, blobs/, sessions/, tmp/ (required) */
    const char *db;               /* the store: a "postgresql://" URI (gs_store_open); NULL =
                                     DIR/gaitscope.db. Files stay in DIR either way */
    const char *listen;           /* "ADDR:PORT" ("[::1]:8080" for IPv6); NULL = 127.0.0.1:8080;
                                     port 0 = any free port (gs_serve_port() tells which) */
    int64_t max_upload_bytes;     /* largest video; 0 = GS_SERVE_MAX_UPLOAD_MB_DEFAULT MiB */
    int signup_closed;            /* 1: POST /api/v1/accounts answers 403 */
    const char *tls_cert;         /* PEM certificate chain: serve HTTPS (with tls_key) */
    const char *tls_key;          /* PEM private key */
    const char *public_url;       /* base of share links ("https://gait.example.org"); NULL =
                                     http(s)://<Host header of the request> */
    unsigned max_connections;     /* 0 = GS_SERVE_MAX_CONNECTIONS_DEFAULT */
    unsigned per_ip_connections;  /* 0 = GS_SERVE_PER_IP_CONNECTIONS_DEFAULT */
    unsigned timeout_s;           /* idle connection timeout; 0 = GS_SERVE_TIMEOUT_S_DEFAULT */
    unsigned max_hashes;          /* concurrent Argon2id runs; 0 = GS_SERVE_MAX_HASHES_DEFAULT */
    unsigned retention_every_s;   /* how often videos past their account's retention are
                                     deleted; 0 = GS_SERVE_RETENTION_EVERY_S_DEFAULT */
    int64_t clock_offset_s;       /* added to the clock of that sweep (tests move time with it;
                                     0 in service) */
    unsigned max_exports;         /* zip downloads (a session's, an athlete's export) being built
                                     or sent at once; 0 = GS_SERVE_MAX_EXPORTS_DEFAULT */
    unsigned max_exports_per_account; /* of them, one account's (clinic's); 0 =
                                     GS_SERVE_MAX_EXPORTS_PER_ACCOUNT_DEFAULT */
    unsigned export_min_free_mb;  /* an export is refused when writing it would leave less free
                                     under DIR/tmp; 0 = GS_SERVE_EXPORT_MIN_FREE_MB_DEFAULT */
    unsigned access_log_days;     /* access-log entries older than this are deleted by the
                                     retention sweep; 0 = kept */
    const char *trusted_proxy;    /* the reverse proxy's address: from it, the client address is
                                     the last one of X-Forwarded-For; NULL = the TCP peer always */
    gs_serve_log_fn log;          /* may be NULL */
    void *log_user;
} gs_serve_options;

/** A running server. */
typedef struct gs_serve gs_serve;

/**
 * Opens the store in data_dir (creating the folders), removes what an earlier process left
 * half-done (files in DIR/tmp, blob files without a record), and starts listening. Returns at
 * once; the server runs on its own threads until gs_serve_stop(). GS_ERR_ARG (bad listen
 * address, missing data_dir, only one of tls_cert/tls_key), GS_ERR_IO (cannot bind, cannot read
 * the certificate, the store cannot open), GS_ERR_UNSUPPORTED (libmicrohttpd without TLS when
 * TLS is asked for, a store newer than this binary), GS_ERR_NOMEM. *out is NULL on error.
 */
gs_status gs_serve_start(const gs_serve_options *opt, gs_serve **out, gs_error *err);

/** The TCP port the server listens on (the chosen one when listen asked for port 0). */
int gs_serve_port(const gs_serve *s);

/**
 * Stops accepting, lets running requests end (an upload cut short leaves nothing stored),
 * closes the store and frees *s; NULL-safe, sets *s = NULL.
 */
void gs_serve_stop(gs_serve **s);

#ifdef __cplusplus
}
#endif

#endif /* GS_SERVE_H */
