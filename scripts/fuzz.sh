#!/bin/bash
# scripts/fuzz.sh [SECONDS]: builds every libFuzzer target through CMake (-DGS_FUZZ=ON with
# clang, in its own build folder: every library instrumented, -fsanitize=fuzzer plus the
# sanitizer set of the GS_SANITIZE build) and runs each for SECONDS (default 30). The targets and
# their seed corpora come from the build's fuzz_targets.txt (tests/fuzz/CMakeLists.txt, one
# gs_fuzz() line per tests/fuzz/fuzz_NAME.c), so a module's new source files need no change here.
# New inputs go to a scratch corpus under the build dir; the seed corpus in the tree is only
# read. Exit status non-zero if a target fails to build or the fuzzer finds a crash/leak.
# Every target is built first; then GS_JOBS fuzzers run at a time, each a single process for
# SECONDS of wall time (libFuzzer's -max_total_time), so on an otherwise idle machine each still
# has a core to itself for its SECONDS and the whole run takes about targets/GS_JOBS x SECONDS.
#   GS_FUZZ_DIR=dir   build + scratch dir (default build-fuzz)
#   GS_FUZZ_ONLY=name run only this target
#   GS_FUZZ_CC, GS_FUZZ_CXX   the compilers (default clang, clang++)
#   GS_JOBS=n         build jobs and fuzzers run at a time (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-30}
OUT=${GS_FUZZ_DIR:-build-fuzz}

mkdir -p "$OUT"
cmake -S . -B "$OUT" -DGS_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER="${GS_FUZZ_CC:-clang}" -DCMAKE_CXX_COMPILER="${GS_FUZZ_CXX:-clang++}" \
    >"$OUT/configure.log" 2>&1 || {
    cat "$OUT/configure.log" >&2
    echo "fuzz: configure failed" >&2
    exit 1
}
JOBS=${GS_JOBS:-2}
status=0
names=()
seeds_of=()
while IFS='|' read -r name seeds; do
    [ -n "$name" ] || continue
    if [ -n "${GS_FUZZ_ONLY:-}" ] && [ "$GS_FUZZ_ONLY" != "$name" ]; then
        continue
    fi
    log="$OUT/fuzz_$name.build.log"
    if ! cmake --build "$OUT" -j"$JOBS" --target "fuzz_$name" >"$log" 2>&1; then
        tail -30 "$log" >&2
        echo "fuzz: $name: build failed, see $log" >&2
        status=1
        continue
    fi
    names+=("$name")
    seeds_of+=("$seeds")
done <"$OUT/fuzz_targets.txt"

# One fuzzer: its log in $OUT/fuzz_NAME.log, its exit status in $OUT/fuzz_NAME.rc.
run_one() {
    local name=$1 seeds=$2 bin rc=0
    bin=$(find "$OUT/tests/fuzz" -maxdepth 1 -name "fuzz_$name" -type f -perm -u+x | head -1)
    mkdir -p "$OUT/corpus_$name"
    local dirs=("$OUT/corpus_$name")
    [ -d "$seeds" ] && dirs+=("$seeds")
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
        "$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$OUT/crash_${name}_" "${dirs[@]}" \
        >"$OUT/fuzz_$name.log" 2>&1 || rc=$?
    echo "$rc" >"$OUT/fuzz_$name.rc"
}

for i in "${!names[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
        wait -n || true
    done
    echo "fuzz: ${names[$i]} for ${SECS} s (seeds: ${seeds_of[$i]})" >&2
    rm -f "$OUT/fuzz_${names[$i]}.rc"
    run_one "${names[$i]}" "${seeds_of[$i]}" &
done
wait

for name in "${names[@]}"; do
    if [ "$(cat "$OUT/fuzz_$name.rc" 2>/dev/null || echo missing)" != 0 ]; then
        echo "fuzz: $name: FAILED, see $OUT/fuzz_$name.log and $OUT/crash_${name}_*" >&2
        tail -40 "$OUT/fuzz_$name.log" >&2
        status=1
    else
        grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$OUT/fuzz_$name.log" |
            sed "s/^/fuzz: $name: /" >&2 || true
    fi
done
exit $status
