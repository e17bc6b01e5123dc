/*
 * The skeleton drawn over the 33 BlazePose landmarks: MediaPipe's POSE_CONNECTIONS (mediapipe
 * python/solutions/pose_connections.py, 35 connections: face 9, arms and hands 12, torso 4,
 * legs and feet 10; the picture is pose_landmark_full_body_topology.svg of the MediaPipe pose
 * docs), in that grouping, each with the side it belongs to and its part.
 */
#include "pose.h"

#define B(a, b, side, part) {GS_KP_##a, GS_KP_##b, side, GS_KP_PART_##part}

static const gs_kp_bone bones[] = {
    /* face: nose - eyes - ears, the mouth */
    B(NOSE, LEFT_EYE_INNER, 1, FACE),
    B(LEFT_EYE_INNER, LEFT_EYE, 1, FACE),
    B(LEFT_EYE, LEFT_EYE_OUTER, 1, FACE),
    B(LEFT_EYE_OUTER, LEFT_EAR, 1, FACE),
    B(NOSE, RIGHT_EYE_INNER, 2, FACE),
    B(RIGHT_EYE_INNER, RIGHT_EYE, 2, FACE),
    B(RIGHT_EYE, RIGHT_EYE_OUTER, 2, FACE),
    B(RIGHT_EYE_OUTER, RIGHT_EAR, 2, FACE),
    B(MOUTH_LEFT, MOUTH_RIGHT, 0, FACE),
    /* torso */
    B(LEFT_SHOULDER, RIGHT_SHOULDER, 0, BODY),
    B(LEFT_SHOULDER, LEFT_HIP, 1, BODY),
    B(RIGHT_SHOULDER, RIGHT_HIP, 2, BODY),
    B(LEFT_HIP, RIGHT_HIP, 0, BODY),
    /* left arm and hand */
    B(LEFT_SHOULDER, LEFT_ELBOW, 1, BODY),
    B(LEFT_ELBOW, LEFT_WRIST, 1, BODY),
    B(LEFT_WRIST, LEFT_PINKY, 1, HAND),
    B(LEFT_WRIST, LEFT_INDEX, 1, HAND),
    B(LEFT_WRIST, LEFT_THUMB, 1, HAND),
    B(LEFT_PINKY, LEFT_INDEX, 1, HAND),
    /* right arm and hand */
    B(RIGHT_SHOULDER, RIGHT_ELBOW, 2, BODY),
    B(RIGHT_ELBOW, RIGHT_WRIST, 2, BODY),
    B(RIGHT_WRIST, RIGHT_PINKY, 2, HAND),
    B(RIGHT_WRIST, RIGHT_INDEX, 2, HAND),
    B(RIGHT_WRIST, RIGHT_THUMB, 2, HAND),
    B(RIGHT_PINKY, RIGHT_INDEX, 2, HAND),
    /* left leg and foot */
    B(LEFT_HIP, LEFT_KNEE, 1, BODY),
    B(LEFT_KNEE, LEFT_ANKLE, 1, BODY),
    B(LEFT_ANKLE, LEFT_HEEL, 1, BODY),
    B(LEFT_HEEL, LEFT_FOOT_INDEX, 1, BODY),
    B(LEFT_ANKLE, LEFT_FOOT_INDEX, 1, BODY),
    /* right leg and foot */
    B(RIGHT_HIP, RIGHT_KNEE, 2, BODY),
    B(RIGHT_KNEE, RIGHT_ANKLE, 2, BODY),
    B(RIGHT_ANKLE, RIGHT_HEEL, 2, BODY),
    B(RIGHT_HEEL, RIGHT_FOOT_INDEX, 2, BODY),
    B(RIGHT_ANKLE, RIGHT_FOOT_INDEX, 2, BODY),
};
_Static_assert(sizeof(bones) / sizeof(bones[0]) == 35, "MediaPipe's POSE_CONNECTIONS has 35");

const gs_kp_bone *gs_kp_bones(int *n)
{
    *n = (int)(sizeof(bones) / sizeof(bones[0]));
    return bones;
}
