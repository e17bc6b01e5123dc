#!/bin/bash
# Sets up (Debian packages + models), builds and runs the whole test suite twice: a normal
# optimised build with -Werror, and an ASan+UBSan build (no recovery); the fuzz targets run for
# a bounded time in between. Tests that need ../shared (golden outputs, real clips) skip with a
# message when it is absent. Exit status: non-zero if anything failed.
#   GS_FUZZ_SECONDS=N   seconds per fuzz target (default 30; 0 skips fuzzing)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test

JOBS=${GS_JOBS:-2}
FUZZ_S=${GS_FUZZ_SECONDS:-30}

echo "== build (release, -Werror)" >&2
cmake -S . -B build -DGS_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$JOBS"
echo "== tests (release)" >&2
ctest --test-dir build --output-on-failure -j"$JOBS"

echo "== build (ASan + UBSan)" >&2
cmake -S . -B build-asan -DGS_WERROR=ON -DGS_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-asan -j"$JOBS"

if [ "$FUZZ_S" != 0 ] && [ -x scripts/fuzz.sh ]; then
    echo "== fuzz (${FUZZ_S} s per target)" >&2
    scripts/fuzz.sh "$FUZZ_S"
fi

echo "== tests (ASan + UBSan)" >&2
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    ctest --test-dir build-asan --output-on-failure -j"$JOBS"
