#!/bin/bash
# gaitscope set-up on Debian 12 (bookworm): installs the Debian packages needed to build and run
# (and with --test, to run the test suite), then fetches the BlazePose models from the npm
# package @mediapipe/pose, checks their sha256 and places them in models/. Safe to re-run: what
# is already there is left alone, so a second run takes a second or two.
#   scripts/setup.sh          build + run
#   scripts/setup.sh --test   also what the tests call (clang + libFuzzer, ffmpeg CLI, ...)
set -euo pipefail
cd "$(dirname "$0")/.."

WANT_TEST=0
for a in "$@"; do
    case "$a" in
    --test) WANT_TEST=1 ;;
    -h | --help)
        sed -n '2,7p' "$0"
        exit 0
        ;;
    *)
        echo "setup.sh: unknown option $a" >&2
        exit 2
        ;;
    esac
done

say() { echo "setup: $*" >&2; }

# --- Debian packages ---------------------------------------------------------------------------
PKGS=(build-essential cmake pkg-config git ca-certificates
    libavformat-dev libavcodec-dev libswscale-dev libavutil-dev
    libopenblas-dev libopencv-core-dev libopencv-imgproc-dev libopencv-calib3d-dev
    libstb-dev zlib1g-dev libcjson-dev libsqlite3-dev libsodium-dev libmicrohttpd-dev libpq-dev libzip-dev ffmpeg)
if [ "$WANT_TEST" = 1 ]; then
    # postgresql: the server binaries the store_pg test starts a throw-away cluster with
    # (tests/pg_cluster.sh); Debian's package also starts a cluster of its own, which is unused.
    PKGS+=(clang libclang-rt-14-dev chromium python3-jsonschema postgresql)
fi
# npm (with Debian's nodejs) only when no npm is on PATH: a machine with its own Node keeps it.
command -v npm >/dev/null 2>&1 || PKGS+=(nodejs npm)

missing=()
for p in "${PKGS[@]}"; do
    st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$st" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
        SUDO=sudo
    fi
    say "installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- the browser test's playwright-core (pinned in tests/browser/package-lock.json; it drives
# Debian's chromium, never a browser of its own) ---------------------------------------------------
if [ "$WANT_TEST" = 1 ] && [ ! -f tests/browser/node_modules/playwright-core/package.json ]; then
    say "installing playwright-core for tests/browser"
    (cd tests/browser && npm ci --no-audit --no-fund --silent)
fi

# --- models --------------------------------------------------------------------------------------
# sha256 of the files in @mediapipe/pose@0.5.1675469404 (Apache-2.0); pose_detection.tflite is that
# package's pose_solution_packed_assets.data (see ../shared/DESIGN.md and docs in README).
MP_PKG=@mediapipe/pose@0.5.1675469404
declare -A SUM=(
    [pose_detection.tflite]=a63c614bef30d35947f13be361820b1e4e3bec9cfeebf4d11216a18373108e85
    [pose_landmark_lite.tflite]=f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61
    [pose_landmark_full.tflite]=e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f
    [pose_landmark_heavy.tflite]=59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe
)
declare -A SRC=(
    [pose_detection.tflite]=pose_solution_packed_assets.data
    [pose_landmark_lite.tflite]=pose_landmark_lite.tflite
    [pose_landmark_full.tflite]=pose_landmark_full.tflite
    [pose_landmark_heavy.tflite]=pose_landmark_heavy.tflite
)
sum_of() { sha256sum "$1" | cut -d' ' -f1; }

need=0
for f in "${!SUM[@]}"; do
    if [ ! -f "models/$f" ] || [ "$(sum_of "models/$f")" != "${SUM[$f]}" ]; then
        need=1
    fi
done
if [ "$need" = 1 ]; then
    cache=models/.cache
    mkdir -p "$cache"
    tgz=$(ls "$cache"/mediapipe-pose-0.5.1675469404.tgz 2>/dev/null || true)
    if [ -z "$tgz" ]; then
        say "fetching $MP_PKG with npm pack"
        (cd "$cache" && npm pack --silent "$MP_PKG" >/dev/null)
        tgz="$cache/mediapipe-pose-0.5.1675469404.tgz"
    fi
    rm -rf "$cache/package"
    tar -xzf "$tgz" -C "$cache"
    bad=0
    for f in "${!SUM[@]}"; do
        src="$cache/package/${SRC[$f]}"
        if [ ! -f "$src" ]; then
            echo "setup: $MP_PKG has no ${SRC[$f]} (needed for models/$f)" >&2
            bad=1
            continue
        fi
        got=$(sum_of "$src")
        if [ "$got" != "${SUM[$f]}" ]; then
            echo "setup: models/$f: sha256 mismatch: expected ${SUM[$f]}, got $got (from ${SRC[$f]})" >&2
            bad=1
            continue
        fi
        cp "$src" "models/$f.tmp" && mv "models/$f.tmp" "models/$f"
    done
    rm -rf "$cache/package"
    if [ "$bad" = 1 ]; then
        rm -f "$tgz" # a bad download is not kept for the next run
        exit 1
    fi
    say "models in place: ${!SUM[*]}"
fi
exit 0
