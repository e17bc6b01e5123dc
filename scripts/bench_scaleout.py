#!/usr/bin/env python3
"""K-upload benchmark of scale-out (issue 17), loopback only, bounded.

For each store (SQLite: DIR/gaitscope.db; PostgreSQL: a throw-away cluster) and each W in
--workers: `gaitscope serve --workers 0` takes K uploads at once from K client threads, and one
`gaitscope worker --concurrency W` (W worker processes, as on a worker machine) runs the jobs;
every job is polled to its end. The clips are K cuts of 3 s of the shipped sample
(datasets/run_side_treadmill_01.mp4, 720x1280, 30 frames/s) at 0, 0.5, 1, ... s, re-encoded so
each is a distinct upload. Prints per run: jobs/min, how long a job ran (finished - started, per
the store), how busy the W workers were (sum of run times / (W x wall)), how long the first job
waited for its claim, the largest gap between a worker's finish and its next claim, and the load
average; then the CPU count. docs/benchmarks.md, "Scale-out".

CPU: the server's and the workers' (user + system, from RUSAGE_CHILDREN), per job, and the
jobs/min all the machine's cores would give at that cost.

The PostgreSQL runs need a server: the script runs itself again under tests/pg_cluster.sh (a
cluster made for the run on a Unix socket, removed afterwards; as root, its server runs as the
postgres user).

    scripts/bench_scaleout.py [--bin build/src/cli/gaitscope] [--k 8] [--workers 1,2]
                              [--model lite] [--stores sqlite,pg]
"""
import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("--bin", default="build/src/cli/gaitscope")
ap.add_argument("--k", type=int, default=16, help="uploads per run (at most 18)")
ap.add_argument("--workers", default="1,2")
ap.add_argument("--model", default="lite")
ap.add_argument("--stores", default="sqlite,pg")
ap.add_argument("--limit-s", type=float, default=1800, help="give up on a run after this long")
args = ap.parse_args()
SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BIN = os.path.abspath(args.bin)

if "pg" in args.stores.split(",") and "GS_TEST_PG_HOST" not in os.environ:
    # Again, inside a throw-away cluster (its time limit: every run's plus a margin).
    env = dict(os.environ, GS_PG_TEST_TIMEOUT=str(int(args.limit_s * 4 * 2 + 600)))
    sys.exit(subprocess.run([os.path.join(SRC, "tests", "pg_cluster.sh"), sys.executable,
                             os.path.abspath(__file__), *sys.argv[1:]], env=env).returncode)

sys.path.insert(0, os.path.join(SRC, "tests"))
sys.argv = ["x", "bench", BIN, SRC, tempfile.gettempdir()]
import test_serve_api as t  # noqa: E402  (its Server, req, upload helpers)


def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def psql(uri, sql):
    subprocess.run([os.path.join(os.environ["GS_TEST_PG_BIN"], "psql"), "-q", "-v",
                    "ON_ERROR_STOP=1", "-d", uri, "-c", sql], check=True,
                   stderr=subprocess.DEVNULL)


def run(store, w, clips, work):
    name = f"{store}-w{w}"
    data = os.path.join(work, name)
    os.makedirs(data)
    wargs = [BIN, "worker", "--data", data, "--model", args.model, "--models", t.MODELS,
             "--concurrency", str(w), "--quiet"]
    if store == "pg":
        host, user = os.environ["GS_TEST_PG_HOST"], os.environ["GS_TEST_PG_USER"]
        admin = f"postgresql:///postgres?host={host}&user={user}"
        db = name.replace("-", "_")
        psql(admin, f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        psql(admin, f"CREATE DATABASE {db}")
        t.DB_OF[data] = f"postgresql:///{db}?host={host}&user={user}"
        wargs += ["--db", t.DB_OF[data]]
    load0 = loadavg()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    srv = t.Server(data, "--model", args.model, workers=0)
    tok = t.signup(srv, "bench@example.org")
    st, _, b = t.req(srv, "POST", "/athletes", {"name": "Bench"}, tok)
    ath = b["id"]
    wlog = open(data + ".worker.log", "w")
    workers = subprocess.Popen(wargs, stdout=wlog, stderr=wlog)
    time.sleep(3.0)  # the workers are up and idle (models loaded) before the uploads
    results = [None] * len(clips)

    def client(i):
        st, _, up = t.upload(srv, tok, ath, open(clips[i], "rb").read(), view="side-left")
        results[i] = (st, up)

    t0 = time.time()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(clips))]
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
                    ends[j] = b
        time.sleep(0.25)
    wall = time.time() - t0
    workers.send_signal(15)
    workers.wait(timeout=60)
    srv.stop()
    load1 = loadavg()
    # CPU of the server and the workers (reaped children and theirs; the PostgreSQL server's
    # own is not counted), per job.
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    done = [b for b in ends.values() if b["status"] == "done"]
    runs = [b["finished"] - b["started"] for b in ends.values()]
    # Whole seconds in the store: the claim's second minus the second the uploads began.
    first_claim = min(b["started"] for b in ends.values()) - int(t0) if ends else -1
    gaps = []
    for wk in {b["worker"] for b in ends.values()}:
        mine = sorted((b for b in ends.values() if b["worker"] == wk), key=lambda b: b["started"])
        gaps += [nx["started"] - pv["finished"] for pv, nx in zip(mine, mine[1:])]
    print(f"{store:6} W={w}: {len(jobs)}/{len(clips)} uploads accepted in {t_up:.1f} s; "
          f"{len(done)} done, {len(ends) - len(done)} other, {len(jobs) - len(ends)} unfinished; "
          f"{wall:.1f} s = {60 * len(ends) / wall:.2f} jobs/min; a job ran "
          f"{sum(runs) / max(len(runs), 1):.1f} s on average ({min(runs, default=0)}-"
          f"{max(runs, default=0)} s, whole seconds); workers busy "
          f"{100 * sum(runs) / (w * wall):.0f} %; first claim in second +{first_claim} of the "
          f"uploads; largest finish-to-next-claim gap {max(gaps, default=0)} s; "
          f"{len({b['worker'] for b in ends.values()})} worker processes took jobs; "
          f"attempts {sorted({b['attempts'] for b in ends.values()})}; CPU {cpu:.1f} s = "
          f"{cpu / max(len(ends), 1):.2f} s a job (at most {60 * (os.cpu_count() or 1) * len(ends) / cpu:.1f} "
          f"jobs/min on {os.cpu_count()} idle cores); load {load0} before, "
          f"{load1} after", flush=True)


work = tempfile.mkdtemp(prefix="gs_bench_scaleout_")
try:
    clips = []
    for i in range(args.k):
        c = os.path.join(work, f"clip{i}.mp4")
        subprocess.run(["ffmpeg", "-v", "error", "-ss", str(0.5 * i), "-t", "3", "-i",
                        t.SAMPLE, "-c:v", "libx264", "-preset", "ultrafast", "-an", c], check=True)
        clips.append(c)
    print(f"K={args.k} clips of 3 s, model {args.model}, {os.cpu_count()} CPUs, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", flush=True)
    for store in args.stores.split(","):
        for w in [int(x) for x in args.workers.split(",")]:
            run(store, w, clips, work)
finally:
    shutil.rmtree(work, ignore_errors=True)
