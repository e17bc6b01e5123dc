/*
 * gaitscope serve internals: comparisons, re-runs and downloads, shared by the pages
 * (pages_compare.c) and the JSON API (serve_compare.c). Not included outside src/serve.
 */
#ifndef GS_SERVE_COMPARE_H
#define GS_SERVE_COMPARE_H

#include <cjson/cJSON.h>

#include "serve_zip.h"

/** A JSON file of the session's folder (analysis.json, options.json), parsed; NULL when it is
 *  missing, unreadable, over 64 MB or not JSON. keys (NULL-terminated; NULL: the whole file):
 *  only those members of the file's object (gs_serve__json_pick: status, metrics and findings
 *  of an analysis.json cost a tenth of the whole). */
cJSON *gs_serve__session_json(gs_serve *s, const char *session, const char *name,
                              const char *const *keys);
/** 1 when an analysis.json (may be NULL) is a done analysis ("status": "done"), not the partial
 *  outputs a failed run leaves (any other status; a file without one is not taken as done). */
int gs_serve__analysis_done(const cJSON *an);
/**
 * analysis.json of the session's folder, parsed, when it holds the results on screen (the
 * session page's, the athlete page's, GET /sessions/{id}'s): the current job's once it is done
 * (whatever it holds, as before), or, while a re-run is queued or running and after one failed
 * or was cancelled, the earlier finished analysis ("status": "done"; a worker publishes a new
 * folder only when its job ends done, and a failed re-run over earlier results leaves them).
 * *earlier is 1 in the second case when a job is recorded (job not NULL). A first run that
 * failed has no results: its partial analysis.json is none; so is a partial one beside no job
 * record. NULL when there are none or the file is unreadable. keys: only those members
 * (gs_serve__session_json; NULL: the whole file). The one test of every view of a session.
 */
cJSON *gs_serve__analysis_read(gs_serve *s, const gs_store_session *ss, const gs_store_job *job,
                               const char *const *keys, int *earlier);
/** Adds "rerun" to o: the state of a re-run not done over earlier results (analysis_read's
 *  *earlier): its job id, status, options (the session's), error; as the session page shows it. */
void gs_serve__rerun_json(cJSON *o, const gs_store_session *ss, const gs_store_job *job);
/**
 * Adds the owner's view of the results on screen beside them: "analysis_options", the options
 * they were computed with (the worker's options.json; a folder from before that record: the
 * session's options when the results are the current job's, else null, not recorded), and
 * "rerun" (gs_serve__rerun_json) while they are earlier ones (earlier: analysis_read's).
 */
void gs_serve__results_json(gs_serve *s, cJSON *o, const gs_store_session *ss,
                            const gs_store_job *job, int earlier);
/**
 * The status of the session's results on screen, as the athlete's session list, the athlete
 * page and the athlete export say it: the job's, except done while a re-run not done leaves
 * the earlier analysis (*earlier 1: say the re-run's state with gs_serve__rerun_json). A done
 * job costs no file read; any other reads the folder's analysis.json status (analysis_read).
 * job NULL (no job record: none is deleted while its session exists, so only a database edited
 * or restored by hand lacks one): done when the folder holds a done analysis, else failed (no
 * results and no job to make them); never a re-run, as GET /sessions/{id} shows none.
 */
gs_store_job_status gs_serve__results_status(gs_serve *s, const gs_store_session *ss,
                                             const gs_store_job *job, int *earlier);
/**
 * The session's current job into job, *has_job 1; a missing job record (see
 * gs_serve__results_status) is GS_OK with *has_job 0. Other store errors (the database busy or
 * unreachable) are returned: a view fails rather than call the session's results failed.
 */
gs_status gs_serve__session_job(gs_store *st, const char *account, const gs_store_session *ss,
                                gs_store_job *job, int *has_job, gs_error *err);
/**
 * 1 when the session can be compared: its folder holds a done analysis (gs_serve__analysis_done,
 * the test the session and athlete pages show results by). During a re-run that is the earlier
 * analysis: a worker publishes a re-run's folder only when it is done. 0 otherwise, with *why
 * (why may be NULL) saying so in a coach's words ("it has no finished analysis yet", "its
 * analysis failed, ..."). The one test of the API, the pages' lists and forms; the worker checks
 * again when the job starts (the folder can change in between).
 */
int gs_serve__session_comparable(gs_serve *s, const char *session, const char **why);
/**
 * A new comparison of two of the account's sessions (BEFORE, AFTER; force: compare even when
 * view or activity differ) and its compare job for the workers. Both sessions must be
 * comparable (gs_serve__session_comparable). 0 with the id in cid, or 404 (a session is not the
 * account's), 400 (the same session twice, two athletes, a session without a done analysis:
 * "the before session cannot be compared: its analysis failed, ..."), 503/500 (the store), with
 * msg.
 */
int gs_serve__comparison_new(gs_serve *s, gs_store *st, const char *account, const char *before,
                             const char *after, int force, gs_store_id cid, char *msg, size_t n);
/**
 * 1 when the comparison's files are those of its current job: the job is done. A comparison is
 * computed again when one of its sessions is re-analysed (the store queues a new compare job as
 * the re-run ends; gs_store_job_finish); until that job is done the folder holds results of
 * analyses that no longer exist, so the files are not served, listed or exported.
 */
int gs_serve__comparison_current(gs_store *st, const char *account, const gs_store_comparison *c);
/** Deletes a comparison record (its job cancelled) and its folder. Store errors. */
gs_status gs_serve__comparison_remove(gs_serve *s, gs_store *st, const char *account,
                                      const char *id, gs_error *e);
/** Removes the folders of the comparisons of session (before the session is deleted). */
void gs_serve__comparison_folders_remove(gs_serve *s, gs_store *st, const char *account,
                                         const char *session);
/** Removes the side-by-side clips of the comparisons of session (retention: they show the
 * athlete's video); the comparisons' numbers stay. */
void gs_serve__comparison_clips_remove(gs_serve *s, gs_store *st, const char *account,
                                       const char *session);
/**
 * Re-runs the analysis of the account's session with the options in o (a JSON object of the
 * upload's analysis fields: view, height, belt_speed, history, start, end, slowmo, blur_faces,
 * person, swap_legs; numbers as numbers or text), checked as an upload's, and "events": the
 * SHA-256 of the session's stored edited events file to keep using it (as the session's options
 * name it). events (events_len bytes; NULL: none sent) is a new edited events.csv: checked (not
 * empty, at most GS_STORE_EVENTS_MAX_BYTES, text), stored as the session's events file and named
 * in the options; the worker's gait reader judges its rows (a bad row fails the job, naming the
 * line). Without "events" and a new file, the session's events file is removed once the re-run
 * is queued (the events are detected again). 0 with the new job in job, or 400 (a bad option,
 * named; a bad events file), 404, 409 (its video was deleted by retention; the kept events file
 * is gone), 413 (events file too large), 507, 503/500, with msg.
 */
int gs_serve__session_rerun(gs_serve *s, gs_store *st, const char *account, const char *session,
                            const cJSON *o, const char *events, size_t events_len, gs_store_id job,
                            char *msg, size_t n);

/* pages_compare.c, for the other pages: */
struct gs_page;
struct gs_html_buf;

#endif /* GS_SERVE_COMPARE_H */
