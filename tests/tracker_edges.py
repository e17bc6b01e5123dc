#!/usr/bin/env python3
"""A person entering or leaving the picture gets no skeleton lying across the body.

With a body cut by the picture's edge the detector lays its region on its side (94 deg for
walk_side_overground_04's walker entering at the left edge, -107..-119 deg for the backlit pan's
runner leaving at the right), the landmark model then draws a person lying across the region, a
third of its usual size, over the arm and the bag, and the track stayed on it: walk_04's frames
20-27 had trunk leans of 75-93 deg and the pan's 359-389 of -92..-111 deg (until 372 over empty
sky), feeding angles, events and the first stride. The tracker now turns such a region upright
and starts a track only from a whole person's answer (src/pose/track.c, START_MAX_TILT).

Asserted on the real clips (../shared/datasets): on every frame with landmarks the trunk
(mid-shoulder to mid-hip) leans less than 45 deg from upright and is at least 0.6 of the track's
median length (the walkers and runners here lean within 20 deg); walk_04's walker is tracked from
frame 21 on (upright, he is found from frame 20; main's lying track began at 20, the refusal of
it alone at 25); the pan's track ends by frame 365 (the runner is half out at 358, gone at 372).

usage: tracker_edges.py GAITSCOPE SOURCE_DIR SHARED_DIR SCRATCH_DIR
Exit 0 pass, 1 fail, 77 skip (no models or no ../shared clips).
"""
import json
import math
import os
import subprocess
import sys


def trunk(kp):
    sx, sy = 0.5 * (kp[11][0] + kp[12][0]), 0.5 * (kp[11][1] + kp[12][1])
    hx, hy = 0.5 * (kp[23][0] + kp[24][0]), 0.5 * (kp[23][1] + kp[24][1])
    return math.hypot(sx - hx, sy - hy), math.degrees(math.atan2(sx - hx, hy - sy))


def pose(gs, clip, out, env, extra):
    cmd = [gs, "pose", clip, "-o", out, "--quiet", "--force", "--threads", "2"] + extra
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        print("FAIL: %s exited %d: %s" % (" ".join(cmd), p.returncode, p.stderr.strip()))
        sys.exit(1)
    with open(out) as f:
        return json.load(f)


def check(name, track, first_by, last_by, offset):
    fails = 0
    frames = [(i + offset, f["kp"]) for i, f in enumerate(track["frames"]) if f.get("kp")]
    if not frames:
        print("FAIL: %s: no person" % name)
        return 1
    lengths = sorted(trunk(kp)[0] for _, kp in frames)
    med = lengths[len(lengths) // 2]
    bad = []
    for i, kp in frames:
        length, lean = trunk(kp)
        if abs(lean) >= 45 or length < 0.6 * med:
            bad.append("%d (%.0f px, %.0f deg)" % (i, length, lean))
    first, last = frames[0][0], frames[-1][0]
    print("%s: person on frames %d-%d, %d frames; trunk median %.0f px; lying or short on %d"
          % (name, first, last, len(frames), med, len(bad)))
    if bad:
        print("FAIL: %s: trunk lying or short (limit 45 deg, 0.6 of %.0f px) on frames %s"
              % (name, med, ", ".join(bad[:12])))
        fails += 1
    if first_by is not None and first > first_by:
        print("FAIL: %s: the person is tracked from frame %d (limit %d)" % (name, first, first_by))
        fails += 1
    if last_by is not None and last > last_by:
        print("FAIL: %s: the track lasts to frame %d (limit %d)" % (name, last, last_by))
        fails += 1
    return fails


def main():
    if len(sys.argv) != 5:
        print(__doc__)
        return 2
    gs, src, shared, scratch = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    models = os.path.join(src, "models")
    for m in ("pose_detection.tflite", "pose_landmark_full.tflite"):
        if not os.path.exists(os.path.join(models, m)):
            print("skip: %s not in %s (models are not committed)" % (m, models))
            return 77
    w4 = os.path.join(shared, "datasets", "walk_side_overground_04.mp4")
    pan = os.path.join(shared, "datasets", "run_side_overground_02_backlit_pan.mp4")
    if not (os.path.exists(w4) and os.path.exists(pan)):
        print("skip: %s or %s absent (../shared is not committed)" % (w4, pan))
        return 77
    os.makedirs(scratch, exist_ok=True)
    env = dict(os.environ, GAITSCOPE_MODELS=models)
    fails = 0
    t = pose(gs, w4, os.path.join(scratch, "tracker_edges_w4.pose.json"), env, [])
    fails += check("walk_side_overground_04", t, 21, None, 0)
    # the pan from 12 s (frame 288 at 23.976 fps): the runner leaves at the right edge
    t = pose(gs, pan, os.path.join(scratch, "tracker_edges_pan.pose.json"), env,
             ["--start", "12"])
    off = round(12 * 24000 / 1001)
    fails += check("run_side_overground_02_backlit_pan from 12 s", t, None, 365, off)
    print("tracker_edges: %s" % ("FAIL" if fails else "ok"))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
