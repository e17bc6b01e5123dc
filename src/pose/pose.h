/*
 * gaitscope pose stage: the pose track (33 BlazePose landmarks per frame) and its file format,
 * pose.json ("gaitscope.pose/1", ../shared/DESIGN.md "Artifacts"). One reader/writer lives here
 * (pose_json.c) and every other stage uses it.
 */
#ifndef GS_POSE_H
#define GS_POSE_H

#include <stdint.h>

#include "common.h"
#include "video.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Number of body landmarks BlazePose reports (its 33 named points, in BlazePose order). */
#define GS_POSE_NKP 33

/** BlazePose landmark indices (MediaPipe pose landmark model card / pose_landmark.h order). */
typedef enum gs_kp_id {
    GS_KP_NOSE = 0,
    GS_KP_LEFT_EYE_INNER = 1,
    GS_KP_LEFT_EYE = 2,
    GS_KP_LEFT_EYE_OUTER = 3,
    GS_KP_RIGHT_EYE_INNER = 4,
    GS_KP_RIGHT_EYE = 5,
    GS_KP_RIGHT_EYE_OUTER = 6,
    GS_KP_LEFT_EAR = 7,
    GS_KP_RIGHT_EAR = 8,
    GS_KP_MOUTH_LEFT = 9,
    GS_KP_MOUTH_RIGHT = 10,
    GS_KP_LEFT_SHOULDER = 11,
    GS_KP_RIGHT_SHOULDER = 12,
    GS_KP_LEFT_ELBOW = 13,
    GS_KP_RIGHT_ELBOW = 14,
    GS_KP_LEFT_WRIST = 15,
    GS_KP_RIGHT_WRIST = 16,
    GS_KP_LEFT_PINKY = 17,
    GS_KP_RIGHT_PINKY = 18,
    GS_KP_LEFT_INDEX = 19,
    GS_KP_RIGHT_INDEX = 20,
    GS_KP_LEFT_THUMB = 21,
    GS_KP_RIGHT_THUMB = 22,
    GS_KP_LEFT_HIP = 23,
    GS_KP_RIGHT_HIP = 24,
    GS_KP_LEFT_KNEE = 25,
    GS_KP_RIGHT_KNEE = 26,
    GS_KP_LEFT_ANKLE = 27,
    GS_KP_RIGHT_ANKLE = 28,
    GS_KP_LEFT_HEEL = 29,
    GS_KP_RIGHT_HEEL = 30,
    GS_KP_LEFT_FOOT_INDEX = 31,
    GS_KP_RIGHT_FOOT_INDEX = 32,
    GS_KP_COUNT = 33
} gs_kp_id;

/** Snake-case name of landmark i as written in pose.json ("left_heel"); NULL if out of range. */
const char *gs_kp_name(int i);

/** Which part of the body a bone belongs to (drawings may leave the small hand bones out). */
typedef enum gs_kp_part { GS_KP_PART_BODY = 0, GS_KP_PART_FACE = 1, GS_KP_PART_HAND = 2 } gs_kp_part;

/** One bone of the skeleton: landmarks a and b (gs_kp_id), side 0 centre, 1 left, 2 right. */
typedef struct gs_kp_bone {
    uint8_t a, b;
    uint8_t side;
    uint8_t part; /* gs_kp_part */
} gs_kp_bone;

/**
 * The skeleton of the 33 BlazePose landmarks, the 35 bones of MediaPipe's POSE_CONNECTIONS
 * (skeleton.c), the one list every drawing uses; *n gets the count.
 */
const gs_kp_bone *gs_kp_bones(int *n);

/** One landmark in frame pixels. */
typedef struct gs_kp {
    float x, y; /* pixels in the displayed (rotation-applied) frame, x right, y down */
    float z;    /* BlazePose relative depth, same pixel scale as x; smaller = nearer camera */
    float vis;  /* visibility probability 0..1 (sigmoid applied) */
} gs_kp;

/** Bit flags of a frame, written as the pose.json "flags" list. */
typedef enum gs_pose_flag {
    GS_POSE_FLAG_SWAP_FIXED = 1 << 0, /* "swap_fixed": left/right assignment corrected */
    GS_POSE_FLAG_GAP_FILLED = 1 << 1, /* "gap_filled": landmarks interpolated over a gap */
    GS_POSE_FLAG_SMOOTHED = 1 << 2,   /* "smoothed": zero-phase low-pass applied */
    GS_POSE_FLAG_FOOT_FIXED = 1 << 3  /* "foot_fixed": a foot the tracker lost for a few frames
                                         (off its path and back) was interpolated; its
                                         visibility is at most 0.5 there */
} gs_pose_flag;

/** One decoded frame of the track. */
typedef struct gs_pose_frame {
    double t_s;                  /* presentation time minus stream start, seconds */
    float score;                 /* pose presence probability 0..1; 0 when no person */
    int has_kp;                  /* 0: "kp": null (no person on this frame) */
    gs_kp kp[GS_POSE_NKP];       /* cleaned landmarks (valid when has_kp) */
    int has_world;               /* 1 when world[] holds values */
    float world[GS_POSE_NKP][3]; /* hip-centred metres (BlazePose world landmarks) */
    int has_raw;                 /* 1 when raw[] holds values */
    gs_kp raw[GS_POSE_NKP];      /* landmarks before whole-clip cleaning */
    uint32_t flags;              /* gs_pose_flag bits */
} gs_pose_frame;

/** A whole pose track: what pose.json holds. */
typedef struct gs_pose_track {
    int32_t width, height; /* displayed frame size in pixels (rotation applied) */
    double fps;            /* nominal frame rate of the source */
    char source[256];      /* source video file name (no directories) */
    char model[32];        /* landmark model used: "lite", "full", "heavy" or another tool */
    char person_rule[64];  /* rule that chose the tracked person ("longest-gait-track", ...) */
    double time_scale;     /* factor the frames' times were scaled by from the file's playback
                              time to real time (slow motion); 0 when not recorded */
    char time_scale_source[32]; /* why: "none" (playback is taken as real), "slowmo-option",
                                   "capture-fps-option", "metadata"; "" when not recorded */
    int32_t second_looks;  /* frames of the tracked person whose legs jumped where no leg can
                              and that the tracker looked at again (gs_pose_stats
                              recheck_frames, this person's share); -1 when not recorded */
    int32_t n_frames;      /* number of entries in frames */
    gs_pose_frame *frames; /* n_frames entries, owned by the track */
} gs_pose_track;

/**
 * Allocates a track with n_frames zeroed frames. Caller frees with gs_pose_track_free().
 * GS_ERR_NOMEM or GS_ERR_ARG (n_frames < 0).
 */
gs_status gs_pose_track_new(int32_t n_frames, gs_pose_track **out, gs_error *err);

/**
 * A copy of t (its fields and its frames) in *out. Caller frees with gs_pose_track_free().
 * GS_ERR_NOMEM.
 */
gs_status gs_pose_track_copy(const gs_pose_track *t, gs_pose_track **out, gs_error *err);

/** Frees *t and sets it to NULL; NULL is a no-op. */
void gs_pose_track_free(gs_pose_track **t);

/**
 * 1 when the track's times were scaled by a stated factor (time_scale_source "slowmo-option",
 * "capture-fps-option" or "metadata": the times are real time and trusted as such), 0 when its
 * playback was taken as real time ("none") or the source is not recorded ("").
 */
int gs_pose_track_time_stated(const gs_pose_track *t);

/**
 * Rescales a track's times from playback to real time for a slow-motion clip whose pose.json was
 * made without the factor: times / slowmo (slowmo > 0), or times * fps / capture_fps (capture_fps
 * > 0, with the track's nominal fps); records it in time_scale and time_scale_source
 * ("slowmo-option", "capture-fps-option"). Both 0: nothing. GS_ERR_ARG, naming the track, when
 * both are given, when capture_fps is given and the track has no frame rate, or when the track's
 * times are already scaled by a stated factor (its time_scale_source is an option or metadata).
 */
gs_status gs_pose_track_set_time_scale(gs_pose_track *t, double slowmo, double capture_fps,
                                       const char *name, gs_error *err);

/**
 * Reads pose.json from path. Rejects malformed files with GS_ERR_FORMAT and a message naming the
 * path and the offending item (e.g. "frames[12].kp[3]: expected 4 numbers"), and files over
 * 2 GiB ("too large"); GS_ERR_IO when the file cannot be read or is not a regular file (a FIFO,
 * /dev/zero). Unknown keys are ignored. Memory: the text plus the track (about 1.4 times the
 * file; one frame is parsed at a time). Caller frees *out with gs_pose_track_free().
 */
gs_status gs_pose_json_read(const char *path, gs_pose_track **out, gs_error *err);

/** Same as gs_pose_json_read() on an in-memory document; name is used in messages. */
gs_status gs_pose_json_parse(const char *text, size_t len, const char *name, gs_pose_track **out,
                             gs_error *err);

/** Writes the track as pose.json to path. GS_ERR_IO / GS_ERR_NOMEM. */
gs_status gs_pose_json_write(const char *path, const gs_pose_track *t, gs_error *err);

/* ---- pose tracking from video (track.c, clean.c, pose_preview.c; the pose engineer's) ---- */

/** What the whole-clip clean-up did (gs_pose_clean()). */
typedef struct gs_pose_clean_report {
    int32_t swap_fixed_legs;  /* frames whose leg labels were swapped back */
    int32_t swap_fixed_arms;  /* frames whose arm labels were swapped back */
    int32_t facing_fixed;     /* frames where every left/right pair was swapped (rear/front) */
    int32_t view;             /* facing decision: 0 side view (no facing fix), 1 front, 2 rear */
    int32_t gap_filled;       /* frames filled by interpolation */
    int32_t outliers;         /* one-frame landmark spikes replaced by their neighbours' mean */
    int32_t foot_fixed;       /* frames where a lost foot was interpolated (foot_fixed flag) */
    int32_t foot_swapped;     /* frames where the two feet alone were swapped back */
    double max_gap_s;         /* longest gap that is filled, seconds */
    double stride_hz;         /* stride frequency found (one foot's cycle), 0 if none */
    double cutoff_hz;         /* low-pass cutoff used, 0 if not smoothed */
} gs_pose_clean_report;

/**
 * Whole-clip clean-up of a track in place: rear/front facing fix, left/right swap fix of legs
 * and arms, one-frame spikes, feet lost for up to 0.1 s (interpolated, flagged foot_fixed), gap
 * filling, zero-phase low-pass smoothing. Keeps the input landmarks as raw[] (if
 * not there yet) and sets the frames' flags. rep may be NULL. GS_OK or GS_ERR_NOMEM.
 */
gs_status gs_pose_clean(gs_pose_track *t, gs_pose_clean_report *rep, gs_error *err);

/**
 * Share of the tracked person's frames above which the landmark model is said to have struggled
 * with a clip: so many frames whose legs jumped where no leg can that the tracker ran the model
 * again (second looks, recheck.c). With the full model the 14 clips of ../shared/datasets gave
 * 0-9 % but for run_side_overground_01 (21 %: 7 of its 33 frames) and the lab clip whose legs
 * the model puts 10-70 px off (41 %; lite 36 %, heavy, which tracks it, 3 %); 0.30 lies about
 * midway, 9 points above the highest good clip (docs/events-history.md has the table).
 */
#define GS_POSE_SECOND_LOOK_WARN 0.30
/** Fewest person frames the share is judged on (one or two jumps on a short clip say little). */
#define GS_POSE_SECOND_LOOK_MIN_FRAMES 30

/**
 * Frames of t with the person's own landmarks (has_kp, not gap_filled): what second_looks counts
 * within. *rate (may be NULL) gets second_looks over them, -1 when t->second_looks is not
 * recorded (< 0) or there are none.
 */
int32_t gs_pose_second_look_frames(const gs_pose_track *t, double *rate);

/**
 * The warning line for a clip the landmark model struggled with: second_looks of person_frames
 * above GS_POSE_SECOND_LOOK_WARN (person_frames at least GS_POSE_SECOND_LOOK_MIN_FRAMES).
 * model (may be NULL) is the landmark model used: the line suggests --model heavy unless it was
 * heavy. Writes the line to out (n bytes) and returns 1; else out "" and 0, also when
 * second_looks < 0 (not recorded).
 */
int gs_pose_second_look_warning(int32_t second_looks, int32_t person_frames, const char *model,
                                char *out, size_t n);

/**
 * Period (s) of the legs' cycle (one stride: a left-right ankle offset's autocorrelation, first
 * clear peak above 0.3) between min_s and max_s, 0 when there is none; *corr (may be NULL) gets
 * that peak's autocorrelation, or the largest one in the range when there is no peak. On the
 * longest run of frames with landmarks; the cycle must fit twice into it.
 */
double gs_pose_leg_cycle_s(const gs_pose_track *t, double min_s, double max_s, double *corr);

/**
 * Half the legs' cycle (s): the first lag at which the left-right ankle offset's autocorrelation
 * has a clear local minimum (below -0.3), where each foot is where the other was, half a stride
 * later; searched from 2 frames up to 0.6 of the longest run of frames with landmarks and at most
 * 15 s, so it needs a run of about 0.85 of one cycle (gs_pose_leg_cycle_s needs two). 0 when there is
 * none, or when the offset's RMS is under a tenth of the median hip-ankle distance (feet that do
 * not step). *corr (may be NULL) gets that minimum's autocorrelation, 0 when none.
 */
double gs_pose_leg_half_cycle_s(const gs_pose_track *t, double *corr);

/**
 * Loaded BlazePose models: the detector and one landmark model, with their planned arenas and
 * thread pools (opaque). Load once and pass to every gs_pose_track_video() through
 * gs_pose_options.models, so a process analysing many clips (a service worker) parses and
 * converts the weights once. One run at a time may use a handle (the arenas are reused).
 */
typedef struct gs_pose_models gs_pose_models;

/**
 * Loads dir/pose_detection.tflite and dir/pose_landmark_<model>.tflite (model "lite", "full" or
 * "heavy"; NULL = "full"; dir NULL = "models") for n_threads inference threads (0 = 1). Caller
 * frees *out with gs_pose_models_free(). GS_ERR_ARG (unknown model), GS_ERR_IO / GS_ERR_FORMAT
 * naming the model file, GS_ERR_NOMEM; on error *out is NULL.
 */
gs_status gs_pose_models_load(const char *dir, const char *model, int n_threads,
                              gs_pose_models **out, gs_error *err);

/** Frees *m and sets it NULL; NULL is a no-op. */
void gs_pose_models_free(gs_pose_models **m);

/** The landmark model's name ("lite", "full", "heavy"); a static string. */
const char *gs_pose_models_name(const gs_pose_models *m);

/** Options of gs_pose_track_video(); a zeroed struct gives the defaults. */
typedef struct gs_pose_options {
    gs_pose_models *models;    /* loaded models to use (borrowed); NULL = load from model_dir
                                  for this run only */
    const char *model_dir;     /* folder with pose_detection.tflite, pose_landmark_*.tflite;
                                  NULL = "models" (ignored with models) */
    const char *model;         /* landmark model "lite", "full" or "heavy"; NULL = "full" (with
                                  models: must match it, or NULL) */
    int n_threads;             /* inference threads, 0 = 1 (with models: the handle's) */
    int has_person_point;      /* 1: choose the person under (person_x, person_y) */
    float person_x, person_y;  /* pixels, on the first frame where the wanted person is seen */
    gs_decoder_options decode; /* time range, slow motion, decoder threads (borrowed) */
    float min_detection_score; /* 0 = 0.5 (pose_detection_cpu.pbtxt min_score_thresh) */
    int max_people;            /* people tracked at once while searching, 0 = 3 */
    int no_clean;              /* 1: skip gs_pose_clean() (kp = raw landmarks) */
    int sequential;            /* 1: decode in the calling thread, one frame at a time (no decode
                                  thread); the landmarks are the same bit for bit (a test checks
                                  it), only the overlap of decoding and inference is lost */
    gs_progress_fn progress;   /* may be NULL; stage "pose", done/total frames */
    void *progress_user;       /* passed to progress */
    float test_nudge_px;       /* tests only, 0 in real use: each frame's two auxiliary points
                                  (the next region's) move by up to this many pixels in a fixed
                                  pseudo-random pattern before the region is made, as another
                                  build of the nn changes them in their last bits */
} gs_pose_options;

/** One candidate person seen while tracking (gs_pose_stats.people). */
typedef struct gs_pose_person_summary {
    int32_t first_frame, last_frame; /* frames [first, last] where the person was tracked */
    int32_t frames;                  /* frames with landmarks */
    double gait_s;                   /* seconds spent stepping (left/right feet alternating) */
    double size;                     /* mean region side / shorter frame side */
    double central;                  /* 1 at the frame centre, 0 at a corner */
} gs_pose_person_summary;

/** Counters of one gs_pose_track_video() run. */
typedef struct gs_pose_stats {
    int64_t frames;             /* frames decoded */
    int64_t frames_with_person; /* frames where the chosen person was found (before gap fill) */
    int64_t detector_runs;      /* detector inferences */
    int64_t landmark_runs;      /* landmark-model inferences (all candidate people) */
    int64_t recheck_frames;     /* tracked frames whose legs jumped, looked at again with more
                                   regions (each adds up to 5 landmark runs) */
    int32_t candidates;         /* candidate people seen over the clip */
    gs_pose_person_summary people[8]; /* the first 8 of them, in order of appearance */
    int32_t chosen;             /* index of the chosen person in people[] (-1: none) */
    int32_t cuts;               /* scene cuts found (tracking restarted from the detector) */
    int32_t starts_turned;      /* detections leaning far from upright (a body cut by the
                                   picture's edge) whose region was turned upright to start a
                                   track (track.c START_MAX_TILT) */
    int32_t starts_refused;     /* of those, the ones whose answer upright was no whole person
                                   (mid-hip outside the picture, trunk lying or too short): no
                                   track started, the detector runs again */
    double wait_s;              /* time inference waited for decoded frames, seconds */
    double detect_s;            /* time in the detector (letterbox warp + inference + NMS) */
    double landmark_s;          /* time in the landmark model (crop warp + inference + decode) */
    double clean_s;             /* time in the whole-clip clean-up */
    /* Thread CPU time (common.h gs_thread_cpu_s) of each part, seconds: what each costs
     * whatever the load. FFmpeg's and the inference pool's own worker threads are not in them
     * (with n_threads 1 and decode.n_threads 1 there are none). */
    double decode_cpu_s;        /* decoding + RGB conversion + copy into the queue */
    double detect_cpu_s;        /* detector runs (calling thread's share) */
    double landmark_cpu_s;      /* landmark-model runs (calling thread's share) */
    double clean_cpu_s;         /* whole-clip clean-up */
    double track_cpu_s;         /* the calling thread over the whole run (includes the three
                                   above and the clean-up, plus person choice, scene-cut test) */
    double wall_s;              /* wall time of the whole run, seconds */
    gs_pose_clean_report clean; /* what the clean-up did */
    gs_decode_stats decode;     /* the decoder's: frames dropped for their timestamps, segments
                                   joined, truncated, decodable vs stated duration (video.h) */
} gs_pose_stats;

/**
 * Runs BlazePose over a video: a decode thread feeds inference through a bounded queue (frames
 * are never kept), candidate people are tracked over the whole clip, the person is chosen over
 * the whole clip (t->person_rule says which rule chose), then gs_pose_clean() runs unless
 * opt->no_clean. opt may be NULL. Caller frees *out with gs_pose_track_free().
 * Returns GS_OK; GS_ERR_NO_PERSON when nobody is found (*out NULL) or when the person is found on
 * fewer than half the frames (*out holds the partial track, meaningful to write);
 * GS_ERR_IO / GS_ERR_FORMAT for the video or a model file (message names the file),
 * GS_ERR_NOMEM.
 */
gs_status gs_pose_track_video(const char *path, const gs_pose_options *opt, gs_pose_track **out,
                              gs_pose_stats *stats, gs_error *err);

/**
 * Writes dir/frame_NNNNNN.png every `every` frames (0 = 10) of the video with the track's
 * skeleton drawn (person's left orange, right blue, raw landmarks thin grey where cleaning
 * moved them). dec must be the decode options used for the track so frame indices match (NULL
 * = defaults). *n_written (may be NULL) gets the number of PNGs. GS_ERR_IO naming the file.
 */
gs_status gs_pose_preview_write(const char *video, const gs_pose_track *t, const char *dir,
                                int every, const gs_decoder_options *dec, int *n_written,
                                gs_error *err);

#ifdef __cplusplus
}
#endif
#endif /* GS_POSE_H */
