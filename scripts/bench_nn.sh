#!/bin/bash
# scripts/bench_nn.sh: the nn runtime vs ONNX Runtime on the four BlazePose models, same machine,
# same run, alternating engines over several rounds (ORT's 2-thread times vary by +-30 % here).
# Ours is measured twice: with the environment as set (OPENBLAS_CORETYPE=Haswell in this
# project's environment) and with `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE` (what a user's
# machine gets). ORT does not use OpenBLAS and is measured once per round.
#
# Needs: a build (gaitscope), ../shared/bench (tflite2onnx.py, ort_run.js), Debian's
# python3-numpy + python3-onnx, and `npm install --ignore-scripts onnxruntime-node@1.30.0` in
# $GS_ORT_DIR (default /work/ort; outside the repository, nothing of it is copied in).
#
# usage: scripts/bench_nn.sh [ROUNDS]      (default 5; each round: warm-up 10, 30 timed runs)
#   GS_BUILD=build  GS_SHARED=../shared  GS_ORT_DIR=/work/ort  GS_BENCH_DIR=build/bench-nn
# Prints a markdown table (median over rounds of each round's median ms) and writes the raw
# JSON lines to $GS_BENCH_DIR/raw.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
BUILD=${GS_BUILD:-build}
SHARED=${GS_SHARED:-../shared}
ORT_DIR=${GS_ORT_DIR:-/work/ort}
OUT=${GS_BENCH_DIR:-$BUILD/bench-nn}
WARMUP=10
RUNS=30
BIN="$BUILD/src/cli/gaitscope"
MODELS="pose_detection pose_landmark_lite pose_landmark_full pose_landmark_heavy"

[ -x "$BIN" ] || { echo "bench_nn: no $BIN (build first)" >&2; exit 1; }
[ -f "$SHARED/bench/ort_run.js" ] || { echo "bench_nn: no $SHARED/bench" >&2; exit 1; }
[ -d "$ORT_DIR/node_modules/onnxruntime-node" ] ||
    { echo "bench_nn: no onnxruntime-node in $ORT_DIR (see the header)" >&2; exit 1; }
mkdir -p "$OUT"
for m in $MODELS; do
    if [ ! -f "$OUT/$m.onnx" ]; then
        /usr/bin/python3 "$SHARED/bench/tflite2onnx.py" "models/$m.tflite" "$OUT/$m.onnx" >/dev/null
    fi
done

RAW="$OUT/raw.jsonl"
: >"$RAW"
ours() { # env-mode model threads
    local mode=$1 m=$2 t=$3 line
    if [ "$mode" = unset ]; then
        line=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$BIN" bench "models/$m.tflite" \
            --threads "$t" --warmup $WARMUP --runs $RUNS --json)
    else
        line=$("$BIN" bench "models/$m.tflite" --threads "$t" --warmup $WARMUP --runs $RUNS --json)
    fi
    echo "{\"engine\": \"ours-$mode\", \"round\": $r, \"data\": $line}" >>"$RAW"
}
ort() {
    local m=$1 t=$2 line
    line=$(NODE_PATH="$ORT_DIR/node_modules" node "$SHARED/bench/ort_run.js" bench \
        "$OUT/$m.onnx" "$t" $WARMUP $RUNS)
    echo "{\"engine\": \"ort\", \"round\": $r, \"data\": $line}" >>"$RAW"
}
for r in $(seq 1 "$ROUNDS"); do
    echo "bench_nn: round $r of $ROUNDS" >&2
    for m in $MODELS; do
        for t in 1 2; do
            # alternate the order between rounds so neither engine always runs first
            if [ $((r % 2)) = 1 ]; then
                ours set "$m" "$t"; ort "$m" "$t"; ours unset "$m" "$t"
            else
                ours unset "$m" "$t"; ort "$m" "$t"; ours set "$m" "$t"
            fi
        done
    done
done

/usr/bin/python3 - "$RAW" <<'PY'
import json, os, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
med, mins = {}, {}
for r in rows:
    d = r["data"]
    model = d["model"].replace(".onnx", "").replace(".tflite", "")
    k = (model, d["threads"], r["engine"])
    med.setdefault(k, []).append(d["median_ms"])
    mins.setdefault(k, []).append(d["min_ms"])
def m(tab, k, f):
    v = tab.get(k)
    return f(v) if v else float("nan")
models = ["pose_detection", "pose_landmark_lite", "pose_landmark_full", "pose_landmark_heavy"]
print("Median ms per inference (median over rounds):\n")
print("| model | threads | ours, env as set | ours, OPENBLAS_* unset | ORT 1.30 | ratio as set | ratio unset |")
print("|---|---|---|---|---|---|---|")
for model in models:
    for t in (1, 2):
        a, b, o = (m(med, (model, t, e), statistics.median) for e in ("ours-set", "ours-unset", "ort"))
        print(f"| {model} | {t} | {a:.2f} | {b:.2f} | {o:.2f} | {a/o:.2f} | {b/o:.2f} |")
print("\nFastest single inference (min over all rounds; least disturbed by other load):\n")
print("| model | threads | ours, env as set | ours, OPENBLAS_* unset | ORT 1.30 | ratio as set | ratio unset |")
print("|---|---|---|---|---|---|---|")
for model in models:
    for t in (1, 2):
        a, b, o = (m(mins, (model, t, e), min) for e in ("ours-set", "ours-unset", "ort"))
        print(f"| {model} | {t} | {a:.2f} | {b:.2f} | {o:.2f} | {a/o:.2f} | {b/o:.2f} |")
n = len({r["round"] for r in rows})
print(f"\n{n} rounds; each round: 10 warm-up + 30 timed inferences per engine, model and thread "
      f"count; load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
PY
