/*
 * Scoring gait events against truth (issue 13): made truth from tests/gen_track.c, or frame
 * labels by eye (tests/data/labels/<clip>.<rater>.csv, header foot,event,frame,confidence,comment,
 * rows like left,contact,123,1,; event contact or swing; 0-based decoded frame index).
 *
 * Everything is in frames. A label is the FIRST frame that shows the state (contact, or the foot
 * clearly off for a swing), so the true instant lies between that frame and the previous one. A
 * detected event at fractional frame index f (gs_gait_event.frame) is turned into the frame a
 * rater would have written, ceil(f): errors against labels are integers, comparable with the
 * disagreement of two raters. Against made truth (exact times) the error is f - f_true.
 */
#ifndef GS_EVENT_SCORE_H
#define GS_EVENT_SCORE_H

/** One event: foot 0 left / 1 right, type 0 contact (IC) / 1 swing (TO), frame (fractional). */
typedef struct gs_evs_event {
    int foot, type;
    double frame;
    int confidence; /* labels: 1 clear, 2 probable, 3 guess; 0 unknown */
} gs_evs_event;

/** Errors of one event type (detected - truth, frames). */
typedef struct gs_evs_stats {
    int n_truth;   /* truth events */
    int matched;   /* truth events with a detected event within the tolerance */
    int missed;    /* n_truth - matched */
    int extra;     /* detected events inside labelled stretches that match nothing */
    double bias;   /* mean signed error */
    double mae;    /* mean absolute error */
    double worst;  /* largest absolute error */
} gs_evs_stats;

/**
 * Reads a label file (header foot,event,frame,confidence,comment). Returns the count (written up
 * to cap into ev), or -1 with a one-line message in msg (file, line, what is wrong).
 */
int gs_evs_read_labels(const char *path, gs_evs_event *ev, int cap, char *msg, int msg_len);

/**
 * Matches truth and detected events one to one (same foot and type, nearest first, within
 * tol_frames) and fills st[0] (IC) and st[1] (TO). quantize: 1 turns a detected frame f into
 * ceil(f) (labels), 0 uses it as is (exact made truth). Extras are counted only between two truth
 * events of the same foot and type that are at most 1.6 median intervals apart (stretches the
 * truth covers, so skipped ranges do not count).
 */
void gs_evs_score(const gs_evs_event *truth, int n_truth, const gs_evs_event *det, int n_det,
                  double tol_frames, int quantize, gs_evs_stats st[2]);

#endif /* GS_EVENT_SCORE_H */
