#!/bin/bash
# The main job on the shipped running sample: sets up, builds, and runs the whole analysis of
# datasets/run_side_treadmill_01.mp4 into out/ (or the folder given as $1): report.html,
# overlay.mp4, key frames, analysis.json, pose.json, CSV and OpenSim .trc.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"${GS_JOBS:-2}"
OUT=${1:-out}
CLIP=datasets/run_side_treadmill_01.mp4
./build/src/cli/gaitscope analyze "$CLIP" -o "$OUT" --force
echo "demo: open $OUT/report.html (overlay: $OUT/overlay.mp4)" >&2
