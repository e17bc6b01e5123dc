#!/bin/bash
# The main job on the shipped running sample: sets up, builds, and runs gaitscope on
# datasets/run_side_treadmill_01.mp4, writing into out/ (or the folder given as $1).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"${GS_JOBS:-2}"
OUT=${1:-out}
CLIP=datasets/run_side_treadmill_01.mp4
./build/src/cli/gaitscope probe "$CLIP"
./build/src/cli/gaitscope frames "$CLIP" --every 30 -o "$OUT/frames" --force
echo "demo: upright frames of $CLIP in $OUT/frames/" >&2
