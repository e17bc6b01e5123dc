#!/bin/sh
# pose.json read-back memory: makes a 30-minute 60 fps track with gs_gen_track (kp and world
# landmarks), adds a "raw" copy of kp to every frame as `gaitscope pose` writes it, and reads it
# back with gs_pose_json_rss (peak RSS and read time). docs/benchmarks.md, "pose.json reading".
#
#   scripts/bench_pose_json.sh [BUILD_DIR] [MINUTES]
set -eu
BUILD=${1:-build}
MIN=${2:-30}
OUT=${TMPDIR:-/tmp}/gs_bench_pose_json
mkdir -p "$OUT"
"$BUILD/tests/gs_gen_track" -o "$OUT/kp.json" --duration $((MIN * 60)) --fps 60
# kp arrays hold no quotes, so the first [^"]* run up to ', "world"' is exactly the kp array
sed -E 's/"kp": (\[[^"]*\]), "world"/"kp": \1, "raw": \1, "world"/' "$OUT/kp.json" >"$OUT/pose.json"
rm -f "$OUT/kp.json"
size=$(stat -c %s "$OUT/pose.json")
echo "file $((size / 1048576)) MB, load avg $(cut -d' ' -f1-3 /proc/loadavg)"
"$BUILD/tests/gs_pose_json_rss" "$OUT/pose.json"
rm -rf "$OUT"
