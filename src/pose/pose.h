/*
 * gaitscope pose stage: the pose track (33 BlazePose landmarks per frame) and its file format,
 * pose.json ("gaitscope.pose/1", ../shared/DESIGN.md "Artifacts"). One reader/writer lives here
 * (pose_json.c) and every other stage uses it.
 */
#ifndef GS_POSE_H
#define GS_POSE_H

#include <stdint.h>

#include "common.h"

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
    GS_POSE_FLAG_SMOOTHED = 1 << 2    /* "smoothed": zero-phase low-pass applied */
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
    int32_t n_frames;      /* number of entries in frames */
    gs_pose_frame *frames; /* n_frames entries, owned by the track */
} gs_pose_track;

/**
 * Allocates a track with n_frames zeroed frames. Caller frees with gs_pose_track_free().
 * GS_ERR_NOMEM or GS_ERR_ARG (n_frames < 0).
 */
gs_status gs_pose_track_new(int32_t n_frames, gs_pose_track **out, gs_error *err);

/** Frees *t and sets it to NULL; NULL is a no-op. */
void gs_pose_track_free(gs_pose_track **t);

/**
 * Reads pose.json from path. Rejects malformed files with GS_ERR_FORMAT and a message naming the
 * path and the offending item (e.g. "frames[12].kp[3]: expected 4 numbers"); GS_ERR_IO when the
 * file cannot be read. Unknown keys are ignored. Caller frees *out with gs_pose_track_free().
 */
gs_status gs_pose_json_read(const char *path, gs_pose_track **out, gs_error *err);

/** Same as gs_pose_json_read() on an in-memory document; name is used in messages. */
gs_status gs_pose_json_parse(const char *text, size_t len, const char *name, gs_pose_track **out,
                             gs_error *err);

/** Writes the track as pose.json to path. GS_ERR_IO / GS_ERR_NOMEM. */
gs_status gs_pose_json_write(const char *path, const gs_pose_track *t, gs_error *err);

#ifdef __cplusplus
}
#endif
#endif /* GS_POSE_H */
