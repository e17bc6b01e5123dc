#!/bin/bash
# scripts/fuzz.sh [SECONDS]: builds every libFuzzer target with clang straight from the sources
# (-fsanitize=fuzzer,address,undefined, no CMake needed) and runs each for SECONDS (default 30).
# New inputs go to a scratch corpus under the build dir; the seed corpus in the tree is only
# read. Exit status non-zero if a target fails to build or the fuzzer finds a crash/leak.
#   GS_FUZZ_DIR=dir   build + scratch dir (default build-fuzz)
#   GS_FUZZ_ONLY=name run only this target
# To add a target, add one line to TARGETS below:
#   name | sources (space separated) | include dirs | pkg-config modules | seed corpus dir
#        [| extra link flags]
# C++ sources (.cpp, the OpenCV wrapper) are compiled with clang++ and linked in.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-30}
OUT=${GS_FUZZ_DIR:-build-fuzz}
CC=${GS_FUZZ_CC:-clang}
TARGETS=(
    "tflite|tests/fuzz/fuzz_tflite.c src/nn/nn.c src/nn/tflite.c src/nn/plan.c src/nn/kernels.c src/nn/kernels_base.c src/nn/kernels_v3.c src/nn/kernels_v4.c src/nn/pool.c src/common/common.c|src/nn src/common|openblas|tests/fuzz/corpus_tflite"
    "pose_json|tests/fuzz/fuzz_pose_json.c src/pose/pose_json.c src/common/common.c|src/pose src/common src/video src/nn|libcjson|tests/fuzz/corpus_pose_json"
    "nkt|tests/fuzz/fuzz_nkt.c src/nkt/nkt_eval.c src/nkt/nkt_history.c src/nkt/nkt_metrics.c src/nkt/nkt_rules.c src/nkt/nkt_text.c src/nkt/nkt_vis.c src/gait/gait_keys.c src/common/common.c|src/nkt src/gait src/calib src/cv src/pose src/video src/nn src/common|libcjson|tests/fuzz/corpus_nkt"
    "serve|tests/fuzz/fuzz_serve.c src/serve/serve_parse.c src/nkt/nkt_history.c src/common/common.c|src/serve src/store src/nkt src/gait src/calib src/cv src/pose src/video src/nn src/common|libcjson libsodium|tests/fuzz/corpus_serve"
    "gait|tests/fuzz/fuzz_gait.c tests/gen_track.c $(echo src/gait/*.c) src/calib/undistort.c src/calib/profile.c src/pose/pose_json.c src/common/common.c src/cv/cv.cpp|src/gait src/calib src/cv src/pose src/common src/video src/nn tests /usr/include/opencv4|libcjson|tests/fuzz/corpus_gait|-lopencv_core -lopencv_imgproc -lopencv_calib3d -lstdc++"
)
CXX=${GS_FUZZ_CXX:-clang++}
# The sanitizer set of the GS_SANITIZE build (CMakeLists.txt): "undefined" leaves out the
# float-to-int overflow and float division by zero checks.
SAN=address,undefined,float-cast-overflow,float-divide-by-zero
CFLAGS=(-std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -fno-omit-frame-pointer -Wno-psabi
        -fsanitize=fuzzer,$SAN -fno-sanitize-recover=all)
# C++ objects: instrumented for the fuzzer, linked by the C driver (no vptr check: its runtime is
# the C++ one).
CXXFLAGS=(-std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,$SAN
          -fno-sanitize=vptr -fno-sanitize-recover=all)

mkdir -p "$OUT"
status=0
for t in "${TARGETS[@]}"; do
    IFS='|' read -r name srcs incs pkgs seeds libs <<<"$t"
    if [ -n "${GS_FUZZ_ONLY:-}" ] && [ "$GS_FUZZ_ONLY" != "$name" ]; then
        continue
    fi
    inc=()
    for d in $incs; do inc+=("-I$d"); done
    csrcs=()
    objs=()
    cxx_ok=1
    for f in $srcs; do
        case $f in
        *.cpp)
            o="$OUT/obj_${name}_$(basename "$f" .cpp).o"
            "$CXX" "${CXXFLAGS[@]}" "${inc[@]}" -c "$f" -o "$o" || cxx_ok=0
            objs+=("$o")
            ;;
        *) csrcs+=("$f") ;;
        esac
    done
    # shellcheck disable=SC2086
    if [ "$cxx_ok" != 1 ] || ! "$CC" "${CFLAGS[@]}" "${inc[@]}" $(pkg-config --cflags $pkgs) \
        "${csrcs[@]}" "${objs[@]}" -o "$OUT/fuzz_$name" $(pkg-config --libs $pkgs) $libs \
        -lpthread -lm; then
        echo "fuzz: $name: build failed" >&2
        status=1
        continue
    fi
    mkdir -p "$OUT/corpus_$name"
    dirs=("$OUT/corpus_$name")
    [ -d "$seeds" ] && dirs+=("$seeds")
    echo "fuzz: $name for ${SECS} s (seeds: $seeds)" >&2
    if ! ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
        "$OUT/fuzz_$name" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$OUT/crash_${name}_" "${dirs[@]}" \
        >"$OUT/fuzz_$name.log" 2>&1; then
        echo "fuzz: $name: FAILED, see $OUT/fuzz_$name.log and $OUT/crash_${name}_*" >&2
        tail -40 "$OUT/fuzz_$name.log" >&2
        status=1
    else
        grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$OUT/fuzz_$name.log" |
            sed "s/^/fuzz: $name: /" >&2 || true
    fi
done
exit $status
