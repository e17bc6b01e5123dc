#!/usr/bin/env python3
"""Load benchmark of the service (issue 15), loopback only, bounded.

K short clips (3 s cut from the shipped sample at different offsets, re-encoded so each is a
distinct file) are uploaded at once by K client threads to `gaitscope serve --workers W`; every
job is polled to its end. Then the same clips go through `gaitscope analyze`, one after another.
Prints jobs per minute for both, the counts (uploads accepted, jobs done, sessions listed) and the
load average before and after (docs/benchmarks.md, "Service").

    scripts/bench_serve.py [--bin build/src/cli/gaitscope] [--k 8] [--workers 2] [--model lite]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

ap = argparse.ArgumentParser()
ap.add_argument("--bin", default="build/src/cli/gaitscope")
ap.add_argument("--k", type=int, default=8)
ap.add_argument("--workers", type=int, default=2)
ap.add_argument("--model", default="lite")
ap.add_argument("--limit-s", type=float, default=1800, help="give up after this long")
args = ap.parse_args()
SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BIN = os.path.abspath(args.bin)
sys.argv = ["x", "bench", BIN, SRC, tempfile.gettempdir()]
import test_serve_api as t  # noqa: E402  (its Server, req, upload helpers)


def loadavg():
    return open("/proc/loadavg").read().split()[:3]


work = tempfile.mkdtemp(prefix="gs_bench_serve_")
try:
    clips = []
    for i in range(args.k):
        c = os.path.join(work, f"clip{i}.mp4")
        subprocess.run(["ffmpeg", "-v", "error", "-ss", str(0.5 * i), "-t", "3", "-i",
                        t.SAMPLE, "-c:v", "libx264", "-preset", "ultrafast", "-an", c], check=True)
        clips.append(c)
    load0 = loadavg()
    srv = t.Server(os.path.join(work, "data"), "--model", args.model, workers=args.workers)
    tok = t.signup(srv, "bench@example.org")
    st, _, b = t.req(srv, "POST", "/athletes", {"name": "Bench"}, tok)
    ath = b["id"]
    results = [None] * args.k

    def client(i):
        st, _, up = t.upload(srv, tok, ath, open(clips[i], "rb").read(), view="side-left")
        results[i] = (st, up)

    t0 = time.time()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.k)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    t_up = time.time() - t0
    jobs = [up["job"] for st, up in results if st == 202]
    ends = {}
    while len(ends) < len(jobs) and time.time() - t0 < args.limit_s:
        for j in jobs:
            if j not in ends:
                st, _, b = t.req(srv, "GET", f"/jobs/{j}", token=tok)
                if b["status"] in ("done", "failed", "cancelled"):
                    ends[j] = b["status"]
        time.sleep(0.5)
    t_serve = time.time() - t0
    st, _, b = t.req(srv, "GET", f"/athletes/{ath}/sessions", token=tok)
    n_sessions = len(b["sessions"])
    srv.stop()
    load1 = loadavg()
    done = sum(1 for s in ends.values() if s == "done")
    print(f"serve: {len(jobs)}/{args.k} uploads accepted in {t_up:.1f} s, {done} done, "
          f"{len(ends) - done} other, {n_sessions} sessions listed; all ended after "
          f"{t_serve:.1f} s = {60 * len(ends) / t_serve:.2f} jobs/min "
          f"(load {' '.join(load0)} before, {' '.join(load1)} after)")
    t0 = time.time()
    ok = 0
    for i, c in enumerate(clips):
        r = subprocess.run([BIN, "analyze", c, "-o", os.path.join(work, f"out{i}"), "--model",
                            args.model, "--view", "side-left", "--quiet"],
                           capture_output=True, text=True)
        ok += r.returncode == 0
    t_cli = time.time() - t0
    print(f"analyze one after another: {ok}/{args.k} done in {t_cli:.1f} s = "
          f"{60 * args.k / t_cli:.2f} jobs/min (load {' '.join(loadavg())} after)")
finally:
    shutil.rmtree(work, ignore_errors=True)
