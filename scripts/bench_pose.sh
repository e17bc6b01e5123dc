#!/bin/sh
# Pose tracking end to end (decode + detector + landmarks + whole-clip clean-up + pose.json):
# frames/s of `gaitscope pose` on the 1080p60 side-view clip, for each landmark model with 1 and
# 2 inference threads. Prints one table row per run (docs/benchmarks.md, "Pose tracking").
#
#   scripts/bench_pose.sh [GAITSCOPE_BIN] [CLIP]
set -eu
BIN=${1:-build/src/cli/gaitscope}
CLIP=${2:-../shared/datasets/run_side_treadmill_02_60fps.mp4}
OUT=${TMPDIR:-/tmp}/gs_bench_pose.json
echo "| model | threads | frames | wall s | frames/s | peak RSS MB | load avg (1 min) before |"
echo "|---|---|---|---|---|---|---|"
for m in lite full heavy; do
    for t in 1 2; do
        load=$(cut -d' ' -f1 /proc/loadavg)
        log=$( { /usr/bin/time -f "TIME %e %M" "$BIN" pose "$CLIP" -o "$OUT" --model "$m" \
                 --threads "$t" --force; } 2>&1 )
        frames=$(echo "$log" | sed -n 's/.*json: \([0-9]*\) frames.*/\1/p')
        wall=$(echo "$log" | sed -n 's/^TIME \([0-9.]*\) .*/\1/p')
        rss=$(echo "$log" | sed -n 's/^TIME [0-9.]* \([0-9]*\)/\1/p')
        fps=$(echo "$frames $wall" | awk '{ printf "%.1f", $1 / $2 }')
        echo "| $m | $t | $frames | $wall | $fps | $((rss / 1024)) | $load |"
    done
done
rm -f "$OUT"
