/*
 * gaitscope serve --data DIR: the service's HTTP JSON API (src/serve, docs/api.md) and its
 * worker processes. Runs until SIGINT or SIGTERM, then stops accepting, lets running requests
 * end, stops the workers (a running job goes back to the queue) and exits 0.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "opts.h"
#include "serve.h"
#include "worker.h"

typedef struct serve_args {
    gs_serve_options o;
    int max_upload_mb;
    int workers;
    const char *models;
    const char *model; /* workers' --model */
    int lease_s;       /* workers' --lease */
    int retention_every_s;
    int retention_later_days; /* --retention-as-if-days-later (tests) */
    int max_exports, max_exports_per_account, export_min_free_mb, access_log_days;
} serve_args;

static const gs_cli_choice signup_words[] = {{"open", 0}, {"closed", 1}, {NULL, 0}};

/* A share link is this base + "/api/v1/shared/...": an http(s) URL without a trailing slash, and
 * without characters that would have to be escaped in a link or a JSON string. */
static int public_url_check(const char *v, char *msg, size_t n)
{
    size_t len = strlen(v);
    int scheme = !strncmp(v, "http://", 7) || !strncmp(v, "https://", 8);
    if (!scheme || len > 200 || (len && v[len - 1] == '/') || strpbrk(v, " \"'<>\\`")) {
        snprintf(msg, n, "'%.60s' is not an http:// or https:// URL without a trailing '/'", v);
        return -1;
    }
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7E) {
            snprintf(msg, n, "the URL has a control or non-ASCII character");
            return -1;
        }
    return 0;
}

/* clang-format off */
static const gs_cli_opt serve_opts[] = {
    {.name = "--data", .kind = GS_CLI_STR, GS_CLI_AT(serve_args, o.data_dir), .required = 1,
     .value = "DIR", .help = "data folder: gaitscope.db, uploads, analyses (created if missing)"},
    {.name = "--db", .kind = GS_CLI_STR, GS_CLI_AT(serve_args, o.db), .value = "URI",
     .help = "keep the records and the job queue in PostgreSQL (postgresql://USER@HOST/DB?"
     "sslmode=verify-full; password from PGPASSFILE or ~/.pgpass); files stay in DIR"},
    {.name = "--listen", .kind = GS_CLI_STR, GS_CLI_AT(serve_args, o.listen), .value = "ADDR:PORT",
     .help = "address and port to listen on ([::1]:8080 for IPv6; port 0: any free port)"},
    /* Each worker holds the models and one analysis (~1-2 GB at most, README "Service"); 64 is
     * above what one machine's memory holds. */
    {.name = "--workers", .kind = GS_CLI_INT, GS_CLI_AT(serve_args, workers), .lo = 0, .hi = 64,
     .value = "N", .help = "analysis worker processes to start (0: jobs wait for `gaitscope "
                           "worker` processes started elsewhere)"},
    {.like = &gs_cli_opt_models, GS_CLI_AT(serve_args, models)},
    {.like = &gs_cli_opt_model, GS_CLI_AT(serve_args, model), .help = "BlazePose landmark model "
     "the workers use (default: full)"},
    /* The worker's own bounds (gaitscope worker --lease). */
    {.name = "--lease", .kind = GS_CLI_INT, GS_CLI_AT(serve_args, lease_s), .lo = 2, .hi = 3600,
     .unit = "s", .value = "S", .help = "a job whose worker died runs again this long after its "
     "last sign of life (default: the worker's)"},
    /* 1 TiB: no phone clip comes near; the bound only catches a typo. */
    {.name = "--max-upload-mb", .kind = GS_CLI_INT, GS_CLI_AT(serve_args, max_upload_mb), .lo = 1,
     .hi = 1048576, .unit = "MiB", .value = "MB", .help = "largest video accepted"},
    {.name = "--signup", .kind = GS_CLI_CHOICE, GS_CLI_AT(serve_args, o.signup_closed),
     .choices = signup_words, .value = "open|closed",
     .help = "whether anyone may create an account (POST /api/v1/accounts)"},
    {.name = "--tls-cert", .kind = GS_CLI_STR, GS_CLI_AT(serve_args, o.tls_cert), .value = "PEM",
     .help = "serve HTTPS with this certificate chain (with --tls-key)"},
    {.name = "--tls-key", .kind = GS_CLI_STR, GS_CLI_AT(serve_args, o.tls_key), .value = "PEM",
     .help = "the certificate's private key"},
    /* Retention is set per account in days (the account page, POST /api/v1/account/retention);
     * these say when the server applies it. */
    {.name = "--retention-every", .kind = GS_CLI_INT, GS_CLI_AT(serve_args, retention_every_s),
     .lo = 1, .hi = 86400, .unit = "s", .value = "S", .help = "how often uploaded videos past "
     "their account's retention are deleted (default 3600)"},
    {.name = "--retention-as-if-days-later", .kind = GS_CLI_INT,
     GS_CLI_AT(serve_args, retention_later_days), .lo = 0, .hi = 3650, .value = "D",
     .help = "judge retention as if D days had passed (to test a retention setting)"},
    /* docs/api.md "Limits": a zip download holds a connection thread and its archive's disk
     * until it is sent; 64 is far above what one small machine's disk and threads serve. */
    {.name = "--max-exports", .kind = GS_CLI_INT, GS_CLI_AT(serve_args, max_exports), .lo = 1,
     .hi = 64, .value = "N", .help = "zip downloads (session zips, athlete exports) prepared or "
     "sent at once (default 4); one more answers 503"},
    {.name = "--max-exports-per-account", .kind = GS_CLI_INT,
     GS_CLI_AT(serve_args, max_exports_per_account), .lo = 1, .hi = 64, .value = "N",
     .help = "of them, one account's (default 2); one more answers 429"},
    {.name = "--export-min-free-mb", .kind = GS_CLI_INT, GS_CLI_AT(serve_args, export_min_free_mb),
     .lo = 1, .hi = 1048576, .unit = "MiB", .value = "MB", .help = "a zip download is refused "
     "(507) when writing it would leave less free disk under DIR (default 1024)"},
    /* An audit trail a clinic may have to keep for years (docs/api.md "Access log"): kept
     * unless asked; 100 years only catches a typo. */
    {.name = "--access-log-days", .kind = GS_CLI_INT, GS_CLI_AT(serve_args, access_log_days),
     .lo = 1, .hi = 36500, .value = "D", .help = "delete access-log entries older than D days "
     "(at each retention round; default: kept)"},
    {.name = "--trusted-proxy", .kind = GS_CLI_STR, GS_CLI_AT(serve_args, o.trusted_proxy),
     .value = "ADDR", .help = "the reverse proxy's IP address: for its requests the client "
     "address (access log, rate limits) is the last of X-Forwarded-For (default: the TCP peer)"},
    {.name = "--public-url", .kind = GS_CLI_STR, GS_CLI_AT(serve_args, o.public_url),
     .check = public_url_check, .value = "URL", .help = "base of share links (https://gait.example.org); default: from the "
                             "request's Host"},
};
/* clang-format on */

static const gs_cli_spec serve_spec = GS_CLI_SPEC(
    "serve", serve_args, serve_opts,
    "Runs the gaitscope service: the JSON API under /api/v1 (docs/api.md) over the data folder,\n"
    "and N analysis worker processes (gaitscope worker), restarted when they die. Stops on\n"
    "SIGINT or SIGTERM.\n");

static void worker_line(void *user, const char *line)
{
    (void)user;
    fprintf(stderr, "gaitscope serve: %s\n", line);
}

static void log_line(void *user, int level, const char *msg)
{
    (void)user;
    fprintf(stderr, "gaitscope serve: %s%s\n", level >= 2 ? "error: " : "", msg);
}

int gs_cli_serve(int argc, char **argv)
{
    serve_args a = {.max_upload_mb = GS_SERVE_MAX_UPLOAD_MB_DEFAULT, .workers = 1};
    gs_error err = {0};
    gs_serve *srv = NULL;
    gs_supervisor *sv = NULL;
    sigset_t set, old;
    const char *extra[8];
    char lease[16], models_dir[4096];
    int ne = 0;
    int go = gs_cli_parse(&serve_spec, argc, argv, &a);
    if (go != GS_CLI_GO)
        return go;
    a.o.max_upload_bytes = (int64_t)a.max_upload_mb << 20;
    a.o.log = log_line;
    a.o.retention_every_s = (unsigned)a.retention_every_s;
    a.o.clock_offset_s = (int64_t)a.retention_later_days * 86400;
    a.o.max_exports = (unsigned)a.max_exports;
    a.o.max_exports_per_account = (unsigned)a.max_exports_per_account;
    a.o.export_min_free_mb = (unsigned)a.export_min_free_mb;
    a.o.access_log_days = (unsigned)a.access_log_days;
    /* SIGINT and SIGTERM are taken with sigtimedwait() below: blocked before any thread starts,
     * so every thread inherits the mask and the signal reaches this loop. A client that goes
     * away mid-response must not kill the server (SIGPIPE). */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    signal(SIGPIPE, SIG_IGN);
    if (pthread_sigmask(SIG_BLOCK, &set, &old) != 0)
        return gs_cli_usage_error("serve: cannot block signals");
    gs_status rc = gs_serve_start(&a.o, &srv, &err);
    if (rc != GS_OK) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return gs_cli_report(&err);
    }
    /* Workers after the server: the data folder and the store's schema exist by now. */
    if (a.o.db)
        extra[ne++] = "--db", extra[ne++] = a.o.db;
    if (a.model)
        extra[ne++] = "--model", extra[ne++] = a.model;
    if (a.lease_s) {
        snprintf(lease, sizeof(lease), "%d", a.lease_s);
        extra[ne++] = "--lease", extra[ne++] = lease;
    }
    extra[ne] = NULL;
    gs_supervisor_options so = {.data_dir = a.o.data_dir,
                                .models_dir =
                                    gs_cli_models_dir(a.models, models_dir, sizeof(models_dir)),
                                .n_workers = a.workers,
                                .extra_args = extra,
                                .log = worker_line};
    rc = gs_supervisor_start(&so, &sv, &err);
    if (rc != GS_OK) {
        gs_serve_stop(&srv);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return gs_cli_report(&err);
    }
    printf("gaitscope serve: listening on %s://%s:%d (data %s, %d worker%s)\n",
           a.o.tls_cert ? "https" : "http", "localhost", gs_serve_port(srv), a.o.data_dir,
           a.workers, a.workers == 1 ? "" : "s");
    fflush(stdout);
    for (;;) {
        struct timespec ts = {1, 0};
        int sig = sigtimedwait(&set, NULL, &ts);
        if (sig == SIGINT || sig == SIGTERM) {
            fprintf(stderr, "gaitscope serve: %s: stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
            break;
        }
        gs_supervisor_poll(sv, NULL); /* reaps and restarts workers that died */
    }
    gs_serve_stop(&srv);
    gs_supervisor_stop(&sv); /* SIGTERM: a running job goes back to the queue */
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return GS_EXIT_OK;
}
