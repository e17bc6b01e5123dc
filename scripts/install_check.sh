#!/bin/bash
# scripts/install_check.sh [BUILD_DIR]: `cmake --install` of a configured and built BUILD_DIR
# (default build) into a temporary prefix, then runs the installed binary from a folder outside
# the source tree on 4 s of the shipped sample (datasets/run_side_treadmill_01.mp4) with neither
# GAITSCOPE_DATA nor GAITSCOPE_MODELS set: it must find its rules, minimal-change table and models
# in <prefix>/share/gaitscope alone. Also checks that no path of the source or build tree is
# compiled into the binary's read-only data. Exit 0 when all holds, 77 when the BlazePose models
# were never fetched (scripts/setup.sh), 1 otherwise, naming what failed.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "${1:-$SRC/build}" && pwd)
if ! ls "$SRC"/models/pose_landmark_lite.tflite "$SRC"/models/pose_detection.tflite >/dev/null 2>&1; then
    echo "install_check: models/*.tflite missing (run scripts/setup.sh): skipped" >&2
    exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() {
    echo "install_check: $*" >&2
    exit 1
}

cmake --install "$B" --prefix "$T/prefix" >"$T/install.log" || fail "cmake --install failed: $(cat "$T/install.log")"
BIN="$T/prefix/bin/gaitscope"
DATA="$T/prefix/share/gaitscope/models"
for f in "$BIN" "$DATA/compensation_rules.json" "$DATA/minimal_change.json" \
    "$DATA/pose_detection.tflite" "$DATA/pose_landmark_lite.tflite" "$T/prefix/share/doc/gaitscope/LICENSE"; do
    [ -s "$f" ] || fail "$f: not installed"
done

# No build-tree path in the binary's constants (debug info may name the sources; it is not read).
# A sanitizer build keeps every check's source file name in .rodata for its reports, so there
# the check says so and is left to the release build (.ci/run installs that one too).
if grep -q '^GS_SANITIZE:BOOL=ON' "$B/CMakeCache.txt" 2>/dev/null; then
    echo "install_check: sanitizer build: its reports name source files, path check left to the release build" >&2
else
    objcopy -O binary --only-section=.rodata "$BIN" "$T/rodata.bin"
    for p in "$SRC" "$B"; do
        if grep -qaF "$p" "$T/rodata.bin"; then
            fail "$BIN: the path $p is compiled in"
        fi
    done
fi

mkdir "$T/work"
cp "$SRC/datasets/run_side_treadmill_01.mp4" "$T/work/clip.mp4"
cd "$T/work"
env -u GAITSCOPE_DATA -u GAITSCOPE_MODELS "$BIN" analyze clip.mp4 -o out --start 2 --end 6 \
    --model lite --no-overlay --quiet >"$T/analyze.log" 2>&1 ||
    fail "installed gaitscope analyze failed: $(cat "$T/analyze.log")"
python3 -c 'import json, sys; sys.exit(json.load(open("out/analysis.json"))["status"] != "done")' ||
    fail "out/analysis.json does not say done"
for f in report.html metrics.csv pose.json; do
    [ -s "out/$f" ] || fail "out/$f: not written"
done
env -u GAITSCOPE_DATA -u GAITSCOPE_MODELS "$BIN" findings out/analysis.json >"$T/findings.log" 2>&1 ||
    fail "installed gaitscope findings failed: $(cat "$T/findings.log")"
echo "install_check: installed into $T/prefix; analyze + findings on the sample from $T/work: ok" >&2
