#!/usr/bin/env python3
"""Scale-out on PostgreSQL (issue 17): one server without workers, separate worker processes.

usage: pg_cluster.sh python3 test_scaleout.py GAITSCOPE SOURCE_DIR SCRATCH

`gaitscope serve --workers 0 --db URI` takes the uploads; two `gaitscope worker --db URI`
processes, started on their own as on two machines sharing the data folder and connected as
the workers' role gaitscope_worker (rights granted by the server's open), run the jobs.
- 12 uploads of the sample (cut to 3 s as in test_serve_api, lite model): all jobs end done, both workers took jobs, and
  the database shows one committed attempt per job (status done, attempts 1, the worker that
  finished it named); each session folder holds its analysis once, no staging folder is left.
- kill -9 of the worker running a job: after its lease the other worker takes the job over
  (attempts 2) and finishes it; the outputs are there once; a replacement worker (as systemd
  would start) removes the dead one's staging folder.
Every request goes to 127.0.0.1 only; every wait is bounded.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

BIN, SRC, SCRATCH = sys.argv[1:4]
SAMPLE = os.path.join(SRC, "datasets", "run_side_treadmill_01.mp4")
MODELS = os.path.join(SRC, "models")
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
N_JOBS = 12
LEASE_S = 6
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print(f"FAIL: {what}", file=sys.stderr)
    return cond


def psql(uri, sql):
    """Runs sql with psql; returns its unaligned output rows as lists of fields."""
    exe = os.path.join(os.environ["GS_TEST_PG_BIN"], "psql")
    out = subprocess.run([exe, "-q", "-At", "-F", "|", "-v", "ON_ERROR_STOP=1", "-d", uri,
                          "-c", sql], check=True, capture_output=True, text=True).stdout
    return [line.split("|") for line in out.splitlines() if line]


def req(base, method, path, body=None, token=None, ctype=None):
    h = {}
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    if ctype:
        h["Content-Type"] = ctype
    if token:
        h["Authorization"] = f"Bearer {token}"
    r = urllib.request.Request(base + path, data=body, method=method, headers=h)
    try:
        with OPENER.open(r, timeout=120) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def multipart(fields, video):
    b = uuid.uuid4().hex
    out = [f"--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode()
           for k, v in fields.items()]
    out += [f"--{b}\r\nContent-Disposition: form-data; name=\"video\"; filename=\"c.mp4\"\r\n"
            f"Content-Type: video/mp4\r\n\r\n".encode(), video, f"\r\n--{b}--\r\n".encode()]
    return b"".join(out), f"multipart/form-data; boundary={b}"


def start_worker(data, db, log):
    return subprocess.Popen([BIN, "worker", "--data", data, "--db", db, "--models", MODELS,
                             "--model", "lite", "--lease", str(LEASE_S)],
                            stdout=log, stderr=log)


def stop(p, what):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    check(p.returncode == 0, f"{what} exits 0 on SIGTERM: {p.returncode}")


def wait_jobs(base, token, jobs, until, limit_s):
    t0 = time.time()
    states = {}
    while time.time() - t0 < limit_s:
        for j in jobs:
            st, b = req(base, "GET", f"/jobs/{j}", token=token)
            states[j] = b if st == 200 else {"status": f"HTTP {st}"}
        if all(s["status"] in until for s in states.values()):
            return states
        time.sleep(0.5)
    check(False, f"jobs did not reach {until} in {limit_s} s: "
          f"{[s['status'] for s in states.values()]}")
    return states


def staging(data):
    return sorted(d for d in os.listdir(os.path.join(data, "sessions")) if "." in d)


def main():
    host = os.environ.get("GS_TEST_PG_HOST")
    if not host:
        print("test_scaleout: run it through tests/pg_cluster.sh", file=sys.stderr)
        return 1
    if not os.path.exists(SAMPLE) or not os.path.exists(os.path.join(MODELS,
                                                                     "pose_landmark_lite.tflite")):
        print(f"skip: {SAMPLE} or the models in {MODELS} are missing", file=sys.stderr)
        return 77
    user = os.environ["GS_TEST_PG_USER"]
    admin = f"postgresql:///postgres?host={host}&user={user}"
    psql(admin, "DROP DATABASE IF EXISTS gs_scaleout WITH (FORCE)")
    psql(admin, "CREATE DATABASE gs_scaleout")
    db = f"postgresql:///gs_scaleout?host={host}&user={user}"
    # The workers connect as the workers' role, as README "Scale-out" sets them up: created by
    # scripts/pg_worker_role.sql (here, before the server starts), its rights granted by the
    # server's open of the database; so every worker call below runs with those rights only.
    subprocess.run([os.path.join(os.environ["GS_TEST_PG_BIN"], "psql"), "-q", "-v",
                    "ON_ERROR_STOP=1", "-d", db, "-f",
                    os.path.join(SRC, "scripts", "pg_worker_role.sql")], check=True)
    psql(db, "ALTER ROLE gaitscope_worker PASSWORD '%s'"
         % os.environ["GS_TEST_PG_WORKER_PASSWORD"])
    wdb = f"postgresql:///gs_scaleout?host={host}&user=gaitscope_worker"
    root = os.path.join(SCRATCH, "scaleout_pg")
    shutil.rmtree(root, ignore_errors=True)
    data = os.path.join(root, "data")
    os.makedirs(data)
    log = open(os.path.join(root, "log"), "w")
    video = open(SAMPLE, "rb").read()

    srv = subprocess.Popen([BIN, "serve", "--data", data, "--db", db, "--listen", "127.0.0.1:0",
                            "--workers", "0"], stdout=subprocess.PIPE, stderr=log, text=True)
    m = re.search(r"localhost:(\d+)", srv.stdout.readline())
    if not m:
        srv.kill()
        print(f"serve did not start (log {log.name})", file=sys.stderr)
        return 1
    base = f"http://127.0.0.1:{m.group(1)}/api/v1"
    workers = [start_worker(data, wdb, log), start_worker(data, wdb, log)]
    try:
        st, b = req(base, "POST", "/accounts", {"email": "s@example.org",
                                                 "password": "correct horse battery"})
        token = b["token"]
        st, b = req(base, "POST", "/athletes", {"name": "S"}, token)
        ath = b["id"]
        jobs, sessions = [], []
        for _ in range(N_JOBS):
            body, ctype = multipart({"start": "0", "end": "3"}, video)
            st, b = req(base, "POST", f"/athletes/{ath}/sessions", body, token, ctype)
            check(st == 202, f"upload: {st} {b}")
            jobs.append(b["job"])
            sessions.append(b["session"])
        t0 = time.time()
        states = wait_jobs(base, token, jobs, ("done", "failed", "cancelled"), 900)
        took = time.time() - t0
        check(all(s["status"] == "done" for s in states.values()),
              f"all {N_JOBS} done: {[s.get('error') or s['status'] for s in states.values()]}")
        # In the database: one committed attempt per job, and both workers worked.
        rows = psql(db, "SELECT id, status, attempts, worker FROM jobs ORDER BY created, seq")
        check(len(rows) == N_JOBS, f"{N_JOBS} job rows: {len(rows)}")
        check(all(r[1] == "2" and r[2] == "1" for r in rows),
              f"each job done after one attempt: {[(r[1], r[2]) for r in rows]}")
        names = {r[3] for r in rows}
        per = {n: sum(r[3] == n for r in rows) for n in names}
        check(len(names) == 2, f"both workers took jobs: {per}")
        print(f"scaleout: {N_JOBS} jobs in {took:.0f} s, per worker {per}", file=sys.stderr)
        # Published once each.
        for sid in sessions:
            f = os.path.join(data, "sessions", sid, "analysis.json")
            check(os.path.isfile(f) and "format" in json.load(open(f)),
                  f"session {sid} has its analysis.json")
        check(staging(data) == [], f"no staging folder left: {staging(data)}")

        # kill -9 of the worker running a job: the other takes it over after the lease.
        body, ctype = multipart({"start": "0", "end": "4"}, video)
        st, b = req(base, "POST", f"/athletes/{ath}/sessions", body, token, ctype)
        job, sid = b["job"], b["session"]
        s = wait_jobs(base, token, [job], ("running", "done", "failed"), 120)[job]
        check(s["status"] == "running", f"the job runs before the kill: {s}")
        time.sleep(1.0)
        pid = int(s["worker"].rsplit(":", 1)[1])
        victim = [w for w in workers if w.pid == pid]
        check(len(victim) == 1, f"the job's worker {s['worker']} is one of ours")
        if victim:
            victim[0].kill()
            victim[0].wait()
            workers.remove(victim[0])
        t0 = time.time()
        s = wait_jobs(base, token, [job], ("done", "failed", "cancelled"), 600)[job]
        check(s["status"] == "done" and s["attempts"] == 2 and s["worker"] != f"{pid}"
              and not s["worker"].endswith(f":{pid}"),
              f"taken over after the lease and done: {s}")
        print(f"scaleout: killed worker {pid}; job done by {s['worker']} after "
              f"{time.time() - t0:.0f} s (lease {LEASE_S} s)", file=sys.stderr)
        rows = psql(db, f"SELECT status, attempts FROM jobs WHERE id = '{job}'")
        check(rows == [["2", "2"]], f"in the database: done after 2 attempts: {rows}")
        out = os.listdir(os.path.join(data, "sessions", sid))
        check("analysis.json" in out, f"the taken-over job's outputs: {out}")
        # The claim of the second attempt removed the killed attempt's staging folder (the store
        # fences that attempt out).
        check(staging(data) == [], f"the killed attempt's staging folder removed: {staging(data)}")
        # A replacement worker removes, at start, folders left by processes that no longer exist:
        # one named after the killed (and reaped) worker's pid.
        # Named as the worker names it: HOST-PID, the host in [A-Za-z0-9._-] ('_' for others).
        host = re.sub(r"[^A-Za-z0-9._-]", "_", socket.gethostname())
        left = os.path.join(data, "sessions", f"{sid}.staging-{host}-{pid}")
        os.makedirs(os.path.join(left, "keyframes"))
        rlog_path = os.path.join(root, "replacement.log")
        with open(rlog_path, "w") as rlog:
            workers.append(start_worker(data, wdb, rlog))
        t0 = time.time()
        while time.time() - t0 < 60 and "ready" not in open(rlog_path).read():
            time.sleep(0.2)
        check("ready" in open(rlog_path).read(), "the replacement worker says it is ready")
        check(not os.path.exists(left) and staging(data) == [],
              f"the dead worker's staging folder removed at start: {staging(data)}")
    finally:
        for w in workers:
            stop(w, "worker")
        stop(srv, "serve")
        log.close()
    print(f"test_scaleout: {'FAILED' if failures else 'ok'} ({failures} failures)",
          file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
