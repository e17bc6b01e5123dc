/*
 * gaitscope store: the service's records and its job queue behind one interface.
 *
 * Every record the service keeps (accounts, token digests, athletes, uploaded videos, sessions,
 * jobs, shares) is read and written through these functions only, so the embedded SQLite back
 * end (a file in the data folder, the default) and the PostgreSQL back end (scale-out) are
 * interchangeable without touching the HTTP API, the pages or the workers.
 *
 * Rules every back end keeps:
 * - Bound parameters only; no request text is ever pasted into SQL.
 * - Ownership is part of every query: a function taking `account` finds only that account's
 *   rows, and another account's id gives GS_ERR_NOT_FOUND exactly as an id that never existed
 *   (the API turns both into 404, so ids cannot be probed).
 * - Ids are opaque: 128 random bits (libsodium randombytes) written as 22 characters of
 *   base64url without padding. They carry no order and no count.
 * - Each call is one transaction: it happens completely or not at all (a killed process leaves
 *   the state of before or after the call, never between).
 * - Times are Unix seconds passed in by the caller (`now`), so tests can move the clock.
 * - Schema versions: gs_store_open() applies the migrations the database lacks, in one
 *   transaction each, and refuses (GS_ERR_UNSUPPORTED, naming both versions) a database whose
 *   version is newer than this binary's GS_STORE_SCHEMA_VERSION.
 * - A handle is used by one thread at a time. Handles opened by several threads or processes on
 *   the same store may be used concurrently (SQLite: WAL journal and a busy timeout).
 * - Secrets never reach the store: passwords arrive as Argon2id strings (crypto_pwhash_str),
 *   bearer and share tokens as their 32-byte crypto_generichash digests.
 * - Files (uploaded videos, analysis outputs) live outside the store, named by record id; the
 *   store only says when a file has lost its last reference (see gs_store_session_delete()).
 *
 * Length limits below are the store's: longer text is refused with GS_ERR_ARG naming the field,
 * never cut. Two exceptions, both texts of our own code rather than of users: a job's error text
 * (gs_store_job_finish) and stage name (gs_store_job_heartbeat) are shortened to their limit, so
 * a long analysis message never keeps a job from ending.
 *
 * Ids passed in are checked first: anything that is not GS_STORE_ID_LEN base64url characters is
 * GS_ERR_NOT_FOUND ("session not found"), like an unknown id, so request text can be passed
 * straight in. Text fields may be NULL where the doc says so (session options, notes, date).
 */
#ifndef GS_STORE_H
#define GS_STORE_H

#include <stdint.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Schema version this binary writes; databases newer than it are refused at open. */
#define GS_STORE_SCHEMA_VERSION 4

#define GS_STORE_ID_LEN 22        /* characters of an id, without the NUL */
#define GS_STORE_EMAIL_MAX 254    /* RFC 5321's path limit */
#define GS_STORE_PWHASH_MAX 128   /* crypto_pwhash_STRBYTES */
#define GS_STORE_NAME_MAX 200     /* athlete name, bytes of UTF-8 */
#define GS_STORE_NOTES_MAX 8000   /* session notes, bytes */
#define GS_STORE_OPTIONS_MAX 4000 /* session analysis options, a JSON object as text */
#define GS_STORE_STAGE_MAX 32     /* job stage name ("pose", "overlay", ...) */
#define GS_STORE_ERROR_MAX 512    /* job error text */
#define GS_STORE_WORKER_MAX 128   /* job worker name, "HOST:PID" */
#define GS_STORE_DIGEST_BYTES 32  /* crypto_generichash_BYTES */

typedef char gs_store_id[GS_STORE_ID_LEN + 1];

typedef struct gs_store gs_store;

/**
 * Opens (creating when absent) a store. `location` is a directory for the SQLite back end (the
 * database is DIR/gaitscope.db, the directory must exist) or a "postgresql://..." (or
 * "postgres://") URI for the PostgreSQL back end, e.g.
 * "postgresql://gaitscope@db.example.org/gaitscope?sslmode=verify-full". The URI must not carry
 * a password (GS_ERR_ARG): libpq reads it from PGPASSFILE or ~/.pgpass. Applies missing
 * migrations (a PostgreSQL role without CREATE, such as the workers' role of
 * scripts/pg_worker_role.sql, can open a database that is up to date, not migrate one).
 * GS_ERR_IO (cannot open or connect, with the back end's message), GS_ERR_UNSUPPORTED (database
 * newer than this binary: "DB: schema version 3 is newer than this gaitscope's 1"),
 * GS_ERR_FORMAT (not a gaitscope database), GS_ERR_ARG (malformed URI), GS_ERR_NOMEM.
 *
 * PostgreSQL connections: a call that finds its connection broken (the server restarted)
 * reconnects once and runs; a connection that breaks during a call is reconnected and the call
 * run again when that cannot store anything twice (it broke before the commit was sent, or the
 * call is a read or a heartbeat). Otherwise, and while the database cannot be reached, the call
 * returns GS_ERR_IO saying so (the API answers 503); the next call tries again.
 */
gs_status gs_store_open(const char *location, gs_store **out, gs_error *err);

/** Closes and NULLs *s; NULL and *s == NULL are no-ops. */
void gs_store_close(gs_store **s);

/** "sqlite" or "postgresql". */
const char *gs_store_backend(const gs_store *s);

/** Schema version of the open database (equals GS_STORE_SCHEMA_VERSION after open). */
int gs_store_schema_version(const gs_store *s);

/** Fills id with a fresh random id (libsodium randombytes_buf). */
void gs_store_new_id(gs_store_id id);

/* ---- the data folder ----------------------------------------------------------------------- */

/*
 * Layout of a service's data folder DIR (`gaitscope serve --data DIR`, `gaitscope worker`):
 *   DIR/gaitscope.db              the SQLite store (gaitscope.db-wal and -shm beside it)
 *   DIR/blobs/<blob id>           uploaded videos: written under DIR/tmp/, renamed here, and only
 *                                 then recorded (gs_store_blob_add), so a record always has its
 *                                 file; a file without a record (an upload killed between the
 *                                 rename and the record) is removed by gs_store_sweep_blobs()
 *   DIR/sessions/<session id>/    a session's analysis outputs (analysis.json, report.html, ...),
 *                                 written by a worker in
 *                                 DIR/sessions/<session id>.staging-<host>-<pid> and renamed into
 *                                 place when the analysis ends
 *   DIR/sessions/<session id>.events.csv
 *                                 the gait events a coach edited for the session's re-runs
 *                                 (`gaitscope analyze --events`), written by the server (under
 *                                 DIR/tmp/, then renamed here); its SHA-256 is in the session's
 *                                 options ("events"), which the worker checks before using it
 *   DIR/comparisons/<id>/         a comparison's outputs (schema 4), published like a session's
 *   DIR/tmp/                      uploads being received, zips being built
 * Paths are built only by the helpers below, from ids that gs_store_id_valid() accepts (22
 * base64url characters), so no request text ever reaches a path.
 */

/** 1 when id is exactly GS_STORE_ID_LEN characters of [A-Za-z0-9_-], else 0 (NULL: 0). */
int gs_store_id_valid(const char *id);

/** Creates DIR/blobs, DIR/sessions, DIR/comparisons and DIR/tmp (and DIR) when absent. GS_ERR_IO. */
gs_status gs_store_dirs_create(const char *dir, gs_error *err);

/**
 * DIR/blobs/<id> into buf (size bytes). GS_ERR_ARG when id is not a valid id (the message does
 * not repeat it) or the path does not fit.
 */
gs_status gs_store_blob_path(const char *dir, const char *id, char *buf, size_t size,
                             gs_error *err);
/** DIR/sessions/<id> into buf, as gs_store_blob_path(). */
gs_status gs_store_session_path(const char *dir, const char *id, char *buf, size_t size,
                                gs_error *err);
/** The largest hand-edited events file a session keeps (the server refuses a larger upload): a
 * row "left,IC,12.3456" is ~20 bytes, so 1 MiB holds ~50000 events, hours of running. */
#define GS_STORE_EVENTS_MAX_BYTES ((size_t)1 << 20)
/** DIR/sessions/<id>.events.csv into buf, as gs_store_blob_path(). */
gs_status gs_store_session_events_path(const char *dir, const char *id, char *buf, size_t size,
                                       gs_error *err);
/** DIR/comparisons/<id> into buf, as gs_store_blob_path(). */
gs_status gs_store_comparison_path(const char *dir, const char *id, char *buf, size_t size,
                                   gs_error *err);
/** DIR/tmp into buf. GS_ERR_ARG when it does not fit. */
gs_status gs_store_tmp_path(const char *dir, char *buf, size_t size, gs_error *err);

/**
 * Start-up sweep of DIR/blobs: removes every file there that is not a recorded blob (any
 * account) and was last modified at least min_age_s seconds before now (an upload killed
 * between its rename and its record; the age keeps a file another process is about to record).
 * Names that are not ids are left alone. *removed (may be NULL) gets the count. GS_ERR_IO.
 */
gs_status gs_store_sweep_blobs(gs_store *s, const char *dir, int64_t now, int64_t min_age_s,
                               size_t *removed, gs_error *err);

/**
 * Start-up sweep of DIR/sessions and DIR/comparisons: removes each folder named by an id that is
 * no session (comparison) of any account, and each DIR/sessions/<id>.events.csv of no session:
 * what a process killed between deleting the record and its files left (a record is always made
 * before its folder and deleted before it, so such a folder has no owner). The folder is listed
 * before the records are read, so a session made meanwhile is in the records. Other names
 * (staging folders, which the workers sweep, and anything not named by an id) are left alone.
 * Trees are removed without following symlinks. *removed (may be NULL) gets the count. GS_ERR_IO.
 */
gs_status gs_store_sweep_folders(gs_store *s, const char *dir, size_t *removed, gs_error *err);

/* ---- accounts and tokens ------------------------------------------------------------------ */

/*
 * Accounts and their users (schema 3). An account is one clinic (or one coach): it owns the
 * athletes, uploads, sessions, jobs, shares, NKT records and access log, and every function
 * below taking `account` for those records takes the account's id. People sign in as users
 * (e-mail + password): the account's owner, whose user id is the account id itself (made by
 * gs_store_account_add), and therapists the owner invites (gs_store_invite_add/accept), whose
 * `account` field names the account they work in. A user's account never changes. Tokens
 * belong to users.
 */
typedef enum gs_store_role {
    GS_STORE_ROLE_OWNER = 0,     /* made the account; manages users, retention, the log */
    GS_STORE_ROLE_THERAPIST = 1  /* invited; works on the account's athletes */
} gs_store_role;

/** "owner", "therapist". */
const char *gs_store_role_name(gs_store_role r);

/** A user (sign-in) and what it may open. */
typedef struct gs_store_account {
    gs_store_id id;                        /* the user's id (an owner's: the account's id) */
    gs_store_id account;                   /* the account (clinic) whose records it works on */
    gs_store_role role;
    char email[GS_STORE_EMAIL_MAX + 1];    /* as stored: trimmed and lower-cased by the caller */
    char pwhash[GS_STORE_PWHASH_MAX + 1];  /* Argon2id string; "" while a reset is pending */
    int64_t created;
    int64_t password_changed;
    int retention_days;                    /* the account's (owner row): delete uploaded videos
                                              this many days after their session; 0 = keep */
} gs_store_account;

/**
 * New account with its owner (user id = account id). GS_ERR_EXISTS when the e-mail is taken;
 * GS_ERR_ARG on a field too long.
 */
gs_status gs_store_account_add(gs_store *s, const char *email, const char *pwhash, int64_t now,
                               gs_store_id id_out, gs_error *err);
/** The user with this e-mail (any account). GS_ERR_NOT_FOUND when none has it. */
gs_status gs_store_account_by_email(gs_store *s, const char *email, gs_store_account *out,
                                    gs_error *err);
/** The user with this id (for an owner, the account's id gives its owner). */
gs_status gs_store_account_get(gs_store *s, const char *account, gs_store_account *out,
                               gs_error *err);
/** Replaces the user's password hash and deletes every token of that user, in one transaction. */
gs_status gs_store_account_set_password(gs_store *s, const char *account, const char *pwhash,
                                        int64_t now, gs_error *err);

/** The account's users, the owner first, then by e-mail; free() *out (pwhash left ""). */
gs_status gs_store_user_list(gs_store *s, const char *account, gs_store_account **out, size_t *n,
                             gs_error *err);
/**
 * Removes a therapist of the account with its tokens and pending reset links. GS_ERR_NOT_FOUND
 * for an unknown user or another account's; GS_ERR_ARG for the owner (an owner goes only with
 * the account, gs_store_account_delete).
 */
gs_status gs_store_user_delete(gs_store *s, const char *account, const char *user, gs_error *err);
/** Sets the account's retention (days in [0, 3650]; 0 keeps videos). GS_ERR_ARG out of range. */
gs_status gs_store_account_set_retention(gs_store *s, const char *account, int days,
                                         gs_error *err);
/**
 * Deletes the account and everything of it: users, tokens, invitations, athletes, uploads'
 * records, sessions, jobs (a worker running one learns at its next heartbeat), shares, NKT
 * records and access log. *blobs gets the ids of the upload records deleted (the caller removes
 * their files; free() it, NULL when *n_blobs is 0); the caller removes the sessions' folders
 * first (gs_store_session_list per athlete).
 */
gs_status gs_store_account_delete(gs_store *s, const char *account, gs_store_id **blobs,
                                  size_t *n_blobs, gs_error *err);

/*
 * Invitations: single-use links the owner hands on. A new therapist's (user NULL) makes a user
 * with that e-mail when accepted; a password reset's (user = a therapist of the account)
 * empties the user's password and deletes its tokens and earlier reset links at once, and sets
 * the new password when accepted. The token is kept as its digest only.
 */
typedef struct gs_store_invite {
    gs_store_id id;
    gs_store_id account;
    gs_store_id user;                    /* "" for a new therapist, else the user to reset */
    char email[GS_STORE_EMAIL_MAX + 1];
    int64_t created, expires;
} gs_store_invite;

/**
 * GS_ERR_EXISTS (a new therapist's e-mail is already a user's), GS_ERR_NOT_FOUND (user is not a
 * therapist of the account). email is ignored for a reset (the user's is used).
 */
gs_status gs_store_invite_add(gs_store *s, const char *account, const char *email,
                              const char *user, const uint8_t digest[GS_STORE_DIGEST_BYTES],
                              int64_t now, int64_t expires, gs_store_id id_out, gs_error *err);
/** The live invitation of a token (not used, not expired at now); GS_ERR_NOT_FOUND otherwise. */
gs_status gs_store_invite_get(gs_store *s, const uint8_t digest[GS_STORE_DIGEST_BYTES],
                              int64_t now, gs_store_invite *out, gs_error *err);
/**
 * Uses a live invitation: makes the therapist (or sets the reset user's password hash) and
 * deletes the invitation, in one transaction; user_out gets the user's id. GS_ERR_NOT_FOUND
 * (unknown, used, expired), GS_ERR_EXISTS (the e-mail became a user's meanwhile).
 */
gs_status gs_store_invite_accept(gs_store *s, const uint8_t digest[GS_STORE_DIGEST_BYTES],
                                 int64_t now, const char *pwhash, gs_store_id user_out,
                                 gs_error *err);
/** The account's pending invitations (expired ones included), newest first; free() *out. */
gs_status gs_store_invite_list(gs_store *s, const char *account, gs_store_invite **out,
                               size_t *n, gs_error *err);
/** Withdraws one of the account's invitations. */
gs_status gs_store_invite_delete(gs_store *s, const char *account, const char *id,
                                 gs_error *err);

/**
 * Stores a bearer token's digest for account, valid while now < expires (Unix s); the account's
 * expired tokens are deleted in the same transaction. GS_ERR_NOT_FOUND (no such account),
 * GS_ERR_EXISTS (the digest is already stored).
 */
gs_status gs_store_token_add(gs_store *s, const char *account,
                             const uint8_t digest[GS_STORE_DIGEST_BYTES], int64_t now,
                             int64_t expires, gs_error *err);
/** The account of a live token (not expired at now). GS_ERR_NOT_FOUND otherwise. */
gs_status gs_store_token_account(gs_store *s, const uint8_t digest[GS_STORE_DIGEST_BYTES],
                                 int64_t now, gs_store_id account_out, gs_error *err);
/** Deletes one token (sign-out); GS_ERR_NOT_FOUND when absent. */
gs_status gs_store_token_delete(gs_store *s, const uint8_t digest[GS_STORE_DIGEST_BYTES],
                                gs_error *err);

/* ---- athletes ----------------------------------------------------------------------------- */

typedef struct gs_store_athlete {
    gs_store_id id;
    char name[GS_STORE_NAME_MAX + 1];
    double height_m; /* NAN when not given */
    int64_t created;
} gs_store_athlete;

gs_status gs_store_athlete_add(gs_store *s, const char *account, const char *name,
                               double height_m, int64_t now, gs_store_id id_out, gs_error *err);
gs_status gs_store_athlete_get(gs_store *s, const char *account, const char *id,
                               gs_store_athlete *out, gs_error *err);
/** The account's athletes by name; *out is freed with free() (NULL when *n == 0). */
gs_status gs_store_athlete_list(gs_store *s, const char *account, gs_store_athlete **out,
                                size_t *n, gs_error *err);
/**
 * Deletes the account's athlete once it has no sessions left (the caller deletes them first,
 * with their files): GS_ERR_EXISTS while one remains (an upload arrived meanwhile).
 */
gs_status gs_store_athlete_delete(gs_store *s, const char *account, const char *id,
                                  gs_error *err);

/* ---- uploaded videos (content-addressed per account, reference-counted) ------------------- */

typedef struct gs_store_blob {
    gs_store_id id;
    char sha256[65]; /* lower-case hex */
    int64_t size_bytes;
    int64_t refs;    /* sessions that use it */
    int64_t created;
} gs_store_blob;

/**
 * The account's upload with this SHA-256, if any (an identical upload is recognised; another
 * account's never is). GS_ERR_NOT_FOUND otherwise.
 */
gs_status gs_store_blob_find(gs_store *s, const char *account, const char *sha256,
                             gs_store_blob *out, gs_error *err);
/**
 * Records an upload whose file the caller has already put in place under id_in (chosen with
 * gs_store_new_id()); refs starts at 0 and a session takes the first reference. GS_ERR_EXISTS
 * when the account already has this SHA-256 (two uploads raced; use the other one).
 */
gs_status gs_store_blob_add(gs_store *s, const char *account, const char *id_in,
                            const char *sha256, int64_t size_bytes, int64_t now, gs_error *err);
/** Every blob id of every account (for the start-up sweep of orphan files); free() *out. */
gs_status gs_store_blob_ids(gs_store *s, gs_store_id **out, size_t *n, gs_error *err);
/** Deletes an unreferenced blob record (refs == 0); GS_ERR_EXISTS when it is referenced. */
gs_status gs_store_blob_delete_unused(gs_store *s, const char *account, const char *id,
                                      gs_error *err);

/* ---- sessions and jobs -------------------------------------------------------------------- */

typedef enum gs_store_job_status {
    GS_STORE_JOB_QUEUED = 0,
    GS_STORE_JOB_RUNNING = 1,
    GS_STORE_JOB_DONE = 2,
    GS_STORE_JOB_FAILED = 3,
    GS_STORE_JOB_CANCELLED = 4
} gs_store_job_status;

/** "queued", "running", "done", "failed", "cancelled". */
const char *gs_store_job_status_name(gs_store_job_status st);

typedef struct gs_store_session {
    gs_store_id id;
    gs_store_id athlete;
    gs_store_id blob;
    gs_store_id job;
    char options_json[GS_STORE_OPTIONS_MAX + 1]; /* the analysis options as a JSON object */
    char notes[GS_STORE_NOTES_MAX + 1];
    char date[11];                               /* "YYYY-MM-DD" or "" */
    int64_t created;
    int64_t video_deleted;                       /* when retention removed its video; 0 */
} gs_store_session;

/** What a job does (schema 4). Append-only. */
typedef enum gs_store_job_kind {
    GS_STORE_JOB_KIND_ANALYSIS = 0, /* analyse a session's upload into its folder */
    GS_STORE_JOB_KIND_COMPARE = 1   /* compare two sessions' analyses into a comparison folder */
} gs_store_job_kind;

/** "analysis", "compare". */
const char *gs_store_job_kind_name(gs_store_job_kind k);

typedef struct gs_store_job {
    gs_store_id id;
    gs_store_id session; /* analysis: the session; compare: the comparison (gs_store_comparison) */
    gs_store_job_kind kind;
    gs_store_id account;
    gs_store_job_status status;
    double progress;                      /* 0..1 */
    char stage[GS_STORE_STAGE_MAX + 1];
    char error[GS_STORE_ERROR_MAX + 1];   /* "" unless failed */
    int attempts;                         /* starts so far */
    char worker[GS_STORE_WORKER_MAX + 1]; /* "HOST:PID" of the last claim, "" before */
    int64_t lease_until;                  /* running only: claim lapses after this */
    int64_t created, started, finished;   /* 0 when not yet */
} gs_store_job;

/**
 * New session of the account's athlete on the account's blob, and its queued job, in one
 * transaction (the blob gains a reference). GS_ERR_NOT_FOUND when athlete or blob is not the
 * account's. options_json NULL or "" is "{}" (it must start with '{'; the worker parses it),
 * notes NULL is "", date NULL or "" is no date, otherwise a real calendar day "YYYY-MM-DD"
 * (GS_ERR_ARG). session_out and job_out may be NULL.
 */
gs_status gs_store_session_add(gs_store *s, const char *account, const char *athlete,
                               const char *blob, const char *options_json, const char *notes,
                               const char *date, int64_t now, gs_store_id session_out,
                               gs_store_id job_out, gs_error *err);
gs_status gs_store_session_get(gs_store *s, const char *account, const char *id,
                               gs_store_session *out, gs_error *err);
/** The athlete's sessions, newest first; free() *out. */
gs_status gs_store_session_list(gs_store *s, const char *account, const char *athlete,
                                gs_store_session **out, size_t *n, gs_error *err);
/**
 * Deletes a session: its job becomes cancelled (a worker running it learns so at its next
 * heartbeat), its shares go, the blob loses a reference. When that was the last reference the
 * blob record goes too and blob_gone gets its id (the caller removes the file); otherwise
 * blob_gone is "". The caller removes the session's output folder.
 */
gs_status gs_store_session_delete(gs_store *s, const char *account, const char *id,
                                  gs_store_id blob_gone, gs_error *err);

/** A session whose video the account's retention lets go (gs_store_retention_due). */
typedef struct gs_store_purge {
    gs_store_id account, session, blob;
} gs_store_purge;
/**
 * Sessions whose video is due for deletion at now: of accounts with retention_days > 0, made
 * at least that many days before now, video not yet deleted, job ended (done, failed,
 * cancelled). At most max of them, oldest first; free() *out.
 */
gs_status gs_store_retention_due(gs_store *s, int64_t now, size_t max, gs_store_purge **out,
                                 size_t *n, gs_error *err);
/**
 * Marks the session's video deleted at now. When no other session of the upload keeps its video,
 * the upload record is marked deleted too (it no longer matches an identical new upload) and
 * blob_gone gets its id (the caller removes the file); else blob_gone is "". The session and its
 * analysis stay.
 */
gs_status gs_store_session_video_deleted(gs_store *s, const char *account, const char *session,
                                         int64_t now, gs_store_id blob_gone, gs_error *err);

/** The account's job (account NULL: any account's, for workers). */
gs_status gs_store_job_get(gs_store *s, const char *account, const char *id, gs_store_job *out,
                           gs_error *err);
/**
 * Claims the next job for worker: the oldest queued one, or a running one whose lease has lapsed
 * (its worker died) when its attempts are below max_attempts. The claim sets status running,
 * attempts + 1, worker, started, lease_until = now + lease_s. A lapsed job that has used
 * max_attempts becomes failed ("the analysis stopped N times without finishing (last worker
 * HOST:PID)") instead. GS_ERR_NOT_FOUND when there is nothing to do.
 */
gs_status gs_store_job_claim(gs_store *s, const char *worker, int64_t now, int64_t lease_s,
                             int max_attempts, gs_store_job *out, gs_error *err);
/*
 * Fencing: a claim's attempt number (gs_store_job.attempts as the claim returned it) is its
 * fencing token. The *_fenced calls below act only while that attempt still holds the job, so a
 * worker that lost its lease (paused, partitioned) cannot renew, finish or release the next
 * holder's attempt even when both carry the same worker name (two containers with the same host
 * name and PID 1). The unfenced calls check the worker name only (they pass attempt 0).
 */

/**
 * Progress of a claimed job; renews the lease to now + lease_s. GS_ERR_CANCELLED when the job was
 * cancelled or deleted, or its lease passed to another worker: stop and discard the work.
 */
gs_status gs_store_job_heartbeat(gs_store *s, const char *id, const char *worker,
                                 double progress, const char *stage, int64_t now,
                                 int64_t lease_s, gs_error *err);
/** gs_store_job_heartbeat() for attempt `attempt` of the job only (>= 1; 0: any, GS_ERR_ARG < 0). */
gs_status gs_store_job_heartbeat_fenced(gs_store *s, const char *id, const char *worker,
                                        int attempt, double progress, const char *stage,
                                        int64_t now, int64_t lease_s, gs_error *err);
/**
 * Ends a claimed job as done (error NULL) or failed (error text). GS_ERR_CANCELLED as for the
 * heartbeat; then the result must not be published.
 * An analysis job ending done (a session's results were just published, e.g. a re-run's) gives,
 * in the same transaction, each comparison with that session as before or after a new queued
 * compare job (gs_store_comparison.job changes; its compare job when running is cancelled; one
 * still queued is left: it has not read the sessions yet), so no comparison stays computed from
 * results that no longer exist.
 */
gs_status gs_store_job_finish(gs_store *s, const char *id, const char *worker,
                              gs_store_job_status status, const char *error, int64_t now,
                              gs_error *err);
/** gs_store_job_finish() for attempt `attempt` of the job only (as the fenced heartbeat). */
gs_status gs_store_job_finish_fenced(gs_store *s, const char *id, const char *worker, int attempt,
                                     gs_store_job_status status, const char *error, int64_t now,
                                     gs_error *err);
/**
 * Gives a claimed job back to the queue because its worker is stopping (SIGTERM), not because
 * the job failed: status queued, the attempt it used is not counted (attempts - 1), progress 0.
 * GS_ERR_CANCELLED as for the heartbeat (then there is nothing to give back).
 */
gs_status gs_store_job_release(gs_store *s, const char *id, const char *worker, int64_t now,
                               gs_error *err);
/** gs_store_job_release() for attempt `attempt` of the job only (as the fenced heartbeat). */
gs_status gs_store_job_release_fenced(gs_store *s, const char *id, const char *worker,
                                      int attempt, int64_t now, gs_error *err);
/**
 * Waits up to timeout_ms (>= 0) for a job to be queued, so an idle worker neither spins nor
 * sleeps through new work; *woke (may be NULL) is 1 when one may be waiting, 0 on timeout.
 * Either way the caller then tries gs_store_job_claim() (another worker may have taken it; a
 * lapsed lease is never announced, so keep timeout_ms below the lease). PostgreSQL: LISTEN on
 * this handle's connection, woken by the NOTIFY each queued job sends at commit. SQLite: looks
 * for a queued job every 250 ms. GS_ERR_IO (connection lost), GS_ERR_ARG.
 */
gs_status gs_store_wait_for_job(gs_store *s, int timeout_ms, int *woke, gs_error *err);
/**
 * Cancels the account's queued or running job; done/failed/cancelled jobs are left as they are
 * (GS_OK). The job's finished time stays 0 (the call has no clock). GS_ERR_NOT_FOUND.
 */
gs_status gs_store_job_cancel(gs_store *s, const char *account, const char *id, gs_error *err);
/** Jobs by status, for the service's status page and tests. */
gs_status gs_store_job_counts(gs_store *s, int64_t counts[5], gs_error *err);

/* ---- shares (read-only links to one session) ---------------------------------------------- */

/** Stores a share token's digest for the account's session until expires. */
gs_status gs_store_share_add(gs_store *s, const char *account, const char *session,
                             const uint8_t digest[GS_STORE_DIGEST_BYTES], int64_t now,
                             int64_t expires, gs_store_id id_out, gs_error *err);
/**
 * The session (and its account) a live share token opens. GS_ERR_NOT_FOUND when unknown, expired
 * or its session was deleted.
 */
gs_status gs_store_share_session(gs_store *s, const uint8_t digest[GS_STORE_DIGEST_BYTES],
                                 int64_t now, gs_store_id account_out,
                                 gs_store_session *session_out, gs_error *err);
/**
 * Queues a new analysis of the account's session on its stored upload with options_json (as
 * gs_store_session_add; NULL or "" is "{}"), in one transaction: the session's options become
 * options_json, its job becomes the new queued one (job_out, may be NULL), and its previous job,
 * when still queued or running, is cancelled (its worker discards its work). The outputs already
 * in the session's folder stay until the new job's worker publishes its own. GS_ERR_NOT_FOUND.
 */
gs_status gs_store_session_rerun(gs_store *s, const char *account, const char *session,
                                 const char *options_json, int64_t now, gs_store_id job_out,
                                 gs_error *err);

/* ---- comparisons (schema 4): two sessions of one athlete, computed by a compare job ------- */

/*
 * A comparison's outputs (comparison.json, comparison.html, side_by_side.mp4) live in
 * DIR/comparisons/<comparison id>/ (gs_store_comparison_path), written by a worker as for a
 * session. A comparison goes with either of its sessions (gs_store_session_delete cancels its job;
 * the caller removes its folder: list them first with gs_store_comparison_list).
 */
typedef struct gs_store_comparison {
    gs_store_id id;
    gs_store_id athlete;
    gs_store_id before, after;                   /* the two sessions */
    gs_store_id job;                             /* its compare job */
    char options_json[GS_STORE_OPTIONS_MAX + 1]; /* e.g. {"force": true}; "{}" */
    int64_t created;
} gs_store_comparison;

/**
 * New comparison of two of the account's sessions (before != after, same athlete) and its queued
 * compare job, in one transaction. GS_ERR_NOT_FOUND when a session is not the account's;
 * GS_ERR_ARG when before == after or the sessions are of two athletes. id_out, job_out may be NULL.
 */
gs_status gs_store_comparison_add(gs_store *s, const char *account, const char *before,
                                  const char *after, const char *options_json, int64_t now,
                                  gs_store_id id_out, gs_store_id job_out, gs_error *err);
gs_status gs_store_comparison_get(gs_store *s, const char *account, const char *id,
                                  gs_store_comparison *out, gs_error *err);
/**
 * The account's comparisons of athlete (session NULL) or those with session as before or after
 * (athlete NULL), newest first; free() *out (NULL when *n == 0). GS_ERR_NOT_FOUND when the athlete
 * or session is not the account's; GS_ERR_ARG when both or neither are given.
 */
gs_status gs_store_comparison_list(gs_store *s, const char *account, const char *athlete,
                                   const char *session, gs_store_comparison **out, size_t *n,
                                   gs_error *err);
/** Deletes a comparison; its job, when queued or running, is cancelled. Caller removes the folder. */
gs_status gs_store_comparison_delete(gs_store *s, const char *account, const char *id,
                                     gs_error *err);

/** Revokes one of the account's shares. */
gs_status gs_store_share_delete(gs_store *s, const char *account, const char *id, gs_error *err);

/** A share as listed for its owner (the token itself is never stored). */
typedef struct gs_store_share {
    gs_store_id id;
    int64_t created, expires;
} gs_store_share;
/**
 * The account's shares of session, newest first, expired ones included (the caller tells them
 * apart by expires). Caller frees *out (NULL when n is 0). GS_ERR_NOT_FOUND for another
 * account's or an unknown session.
 */
gs_status gs_store_share_list(gs_store *s, const char *account, const char *session,
                              gs_store_share **out, size_t *n, gs_error *err);

/* ---- NKT records (schema 2): the therapist's record of one session ------------------------ */

#define GS_STORE_NKT_TEXT_MAX 4000 /* bytes of each field */

/** Free text the therapist writes; "" for a field not filled. */
typedef struct gs_store_nkt {
    char tests[GS_STORE_NKT_TEXT_MAX + 1];        /* muscle tests run and their results */
    char facilitators[GS_STORE_NKT_TEXT_MAX + 1]; /* facilitators found */
    char released[GS_STORE_NKT_TEXT_MAX + 1];     /* what was released */
    char activated[GS_STORE_NKT_TEXT_MAX + 1];    /* what was activated */
    char homework[GS_STORE_NKT_TEXT_MAX + 1];     /* homework given */
    int64_t updated;
} gs_store_nkt;

/**
 * Writes (creates or replaces) the NKT record of the account's session. GS_ERR_NOT_FOUND for
 * another account's or an unknown session; GS_ERR_ARG for a field over GS_STORE_NKT_TEXT_MAX.
 * The record goes with its session.
 */
gs_status gs_store_nkt_set(gs_store *s, const char *account, const char *session,
                           const gs_store_nkt *rec, int64_t now, gs_error *err);
/** The record of the account's session; GS_ERR_NOT_FOUND when none was written (or not ours). */
gs_status gs_store_nkt_get(gs_store *s, const char *account, const char *session,
                           gs_store_nkt *out, gs_error *err);

/* ---- access log (schema 3): who opened which athlete's data --------------------------------- */

#define GS_STORE_WHAT_MAX 64  /* "session page", "file report.html", ... */
#define GS_STORE_ADDR_MAX 64  /* client address */

typedef struct gs_store_access {
    int64_t at;
    gs_store_id user;                    /* "" for a share link's visitor */
    char email[GS_STORE_EMAIL_MAX + 1];  /* the user's now; "" when removed or a share */
    gs_store_id athlete;
    char athlete_name[GS_STORE_NAME_MAX + 1]; /* "" once the athlete is deleted */
    gs_store_id session;                 /* "" when the access was not to one session */
    char what[GS_STORE_WHAT_MAX + 1];
    char addr[GS_STORE_ADDR_MAX + 1];
} gs_store_access;

/**
 * Records that user (NULL or "": a share link's visitor) opened what of the account's athlete
 * (session may be NULL) from addr at now. The entries stay when the user or athlete goes (an
 * audit trail names ids, no health data); they go with the account.
 */
gs_status gs_store_access_add(gs_store *s, const char *account, const char *user,
                              const char *athlete, const char *session, const char *what,
                              const char *addr, int64_t now, gs_error *err);
/** The account's newest entries (at most max, skipping `skip`), newest first; free() *out. */
gs_status gs_store_access_list(gs_store *s, const char *account, size_t max, size_t skip,
                               gs_store_access **out, size_t *n, gs_error *err);
/**
 * Deletes the entries of every account dated before `before` (at < before), the first written
 * first and at most max of them, so that no one statement holds the database for long (the
 * caller repeats while *removed == max).
 */
gs_status gs_store_access_prune(gs_store *s, int64_t before, size_t max, size_t *removed,
                                gs_error *err);

#ifdef __cplusplus
}
#endif

#endif /* GS_STORE_H */
