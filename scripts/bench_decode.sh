#!/bin/bash
# Decode benchmark: frames/s to upright RGB and peak RSS for a long 1080p60 clip, 1 and 2 FFmpeg
# threads. The clip is made once by looping the 60 fps sample of ../shared 28 times without
# re-encoding (3 minutes, 10864 frames, 1080x1920 H.264).
#   scripts/bench_decode.sh [BUILD_DIR]   (default build)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
SRC=../shared/datasets/run_side_treadmill_02_60fps.mp4
CLIP=${GS_BENCH_DIR:-/tmp/gaitscope-bench}/long1080p60.mp4
mkdir -p "$(dirname "$CLIP")"
[ -f "$CLIP" ] || ffmpeg -v error -stream_loop 27 -i "$SRC" -an -c copy "$CLIP"
for t in 1 2; do
    rm -rf "$(dirname "$CLIP")/frames"
    /usr/bin/time -f "threads=$t wall_s=%e peak_rss_kb=%M" \
        "$B/src/cli/gaitscope" frames "$CLIP" --every 1000000 --threads $t \
        -o "$(dirname "$CLIP")/frames"
done
