#!/usr/bin/env python3
"""gaitscope serve over loopback: the API end to end and the promises of issue 15.

usage: test_serve_api.py PART GAITSCOPE SOURCE_DIR SCRATCH
  PART  clinic    clinic accounts: invitations, resets, removal, what a therapist may not do,
                  isolation between clinics, access log, retention, deleting athlete and account
        api       sign up/in, athlete, upload the sample (cut to 3 s), poll, files with Range,
                  share, delete; the same file twice; a non-video; isolation (a second account
                  tries every route with the first one's ids: all 404); tokens revoked on
                  sign-out and password change; wrong password 401, rate limit 429
        limits    413 from Content-Length before the body, a chunked body over the limit cut
                  off, malformed requests 4xx with a message, nothing left in tmp/; HTTPS with
                  --tls-cert/--tls-key
        restart   kill -9 of the server and its workers mid-upload and mid-job, restart: the
                  completed upload is there, nothing half-stored, the job runs again and ends
        diskfull  an upload onto a full disk (a 6 MiB tmpfs) -> 507 and nothing stored
                  (needs mount: exit 77 with a message when it is not permitted)
        exports   zip downloads capped (--max-exports 3, --max-exports-per-account 2): two of
                  one account held open by slow readers, a third 429 and a second account's
                  second 503 (Retry-After, a JSON error); a client gone mid-download frees its
                  slot and the next export is whole; nothing left in tmp/ nor held open by the
                  server; --export-min-free-mb above the free disk: 507, nothing written
        accesslog --access-log-days: entries older than D days deleted by the retention
                  round (judged days later), newer ones kept; --trusted-proxy: from that
                  address the entry names the last X-Forwarded-For (a bad one, or from any
                  other address, the TCP peer); a bad --trusted-proxy refused
        compare   two sessions (two parts of the sample) compared by a worker's compare job:
                  the comparison's JSON and files; refusals; a session's zip and an athlete's
                  export list the expected entries; a re-run with a changed height reaches the
                  worker while the earlier results stay readable; GET /sessions/ID keeps the
                  earlier results with their options during a re-run and after a failed or
                  cancelled one, the re-run's state apart ("rerun"; a failed first run has no
                  results), and so do GET /athletes/ID/sessions (status "done" and the
                  re-run's state in "rerun") and the athlete's export (its session.json; the
                  session's folder there holds the earlier results, nothing of the failed
                  re-run); a second account gets 404 on every new route (the session's too);
                  a comparison goes with its session; a session whose job record was deleted
                  by hand is done (a done analysis) or failed (none) in every view, no re-run
Every request goes to 127.0.0.1 only; every wait is bounded.
Run through tests/pg_cluster.sh (GS_TEST_PG_HOST set), each data folder's records and queue go
to a fresh PostgreSQL database instead (serve --db, passed on to the workers).
"""
import hashlib
import http.client
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
import zipfile
import io

PART, BIN, SRC, SCRATCH = sys.argv[1:5]
SAMPLE = os.path.join(SRC, "datasets", "run_side_treadmill_01.mp4")
MODELS = os.path.join(SRC, "models")
failures = 0
# Straight to loopback: no proxy from the environment.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print(f"FAIL: {what}", file=sys.stderr)
    return cond


class Server:
    def __init__(self, data, *args, workers=0, log=None):
        self.data = data
        os.makedirs(data, exist_ok=True)
        # The log sits beside the data folder (outside a tmpfs data folder, so it can unmount).
        self.log = open(log or data.rstrip("/") + ".log", "a")
        cmd = [BIN, "serve", "--data", data, "--listen", "127.0.0.1:0",
               "--workers", str(workers), "--models", MODELS, *args]
        db = DB_OF.get(data) or DB_OF.get(os.path.dirname(data))
        if db:
            cmd += ["--db", db]
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.p.stdout.readline()  # "listening on http://localhost:PORT ..."
        m = re.search(r"localhost:(\d+)", line)
        if not m:
            self.p.kill()
            raise SystemExit(f"serve did not start: {line!r} (log: {self.log.name})")
        self.port = int(m.group(1))
        self.base = f"http://127.0.0.1:{self.port}/api/v1"

    def children(self):
        try:
            with open(f"/proc/{self.p.pid}/task/{self.p.pid}/children") as f:
                return [int(x) for x in f.read().split()]
        except OSError:
            return []

    def kill9(self):
        kids = self.children()
        self.p.kill()
        for k in kids:
            try:
                os.kill(k, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.p.wait(timeout=30)
        return kids

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                return self.p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
                return None
            finally:
                self.log.close()
        self.log.close()
        return self.p.returncode


def req(srv, method, path, body=None, token=None, headers=None, raw=False):
    """Returns (status, headers, parsed JSON or bytes)."""
    h = dict(headers or {})
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    if token:
        h["Authorization"] = f"Bearer {token}"
    url = path if path.startswith("http") else srv.base + path
    r = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with OPENER.open(r, timeout=120) as resp:
            status, hdrs, content = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        status, hdrs, content = e.code, e.headers, e.read()
    if raw:
        return status, hdrs, content
    try:
        return status, hdrs, json.loads(content) if content else None
    except ValueError:
        return status, hdrs, content


def headers_only(srv, method, path, token, ctype, length):
    """Sends the request line and headers of a body of length bytes, no body: the server must
    answer from the headers alone (and close). Returns (status, JSON)."""
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    c.putrequest(method, "/api/v1" + path)
    c.putheader("Authorization", f"Bearer {token}")
    c.putheader("Content-Type", ctype)
    c.putheader("Content-Length", str(length))
    c.endheaders()
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, json.loads(body) if body else None


def multipart(fields, video=None, name="clip.mp4", field="video"):
    boundary = uuid.uuid4().hex
    out = []
    for k, v in fields.items():
        out.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n"
                   f"{v}\r\n".encode())
    if video is not None:
        out.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; "
                   f"filename=\"{name}\"\r\nContent-Type: video/mp4\r\n\r\n".encode())
        out.append(video)
        out.append(b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def rerun_events(srv, token, session, events, **fields):
    """A re-run as multipart/form-data with an edited events.csv (bytes) and text fields."""
    body, ctype = multipart({k: str(v) for k, v in fields.items()}, events, "events.csv",
                            "events")
    return req(srv, "POST", f"/sessions/{session}/rerun", body, token, {"Content-Type": ctype})


def upload(srv, token, athlete, video, **fields):
    body, ctype = multipart({k: str(v) for k, v in fields.items()}, video)
    return req(srv, "POST", f"/athletes/{athlete}/sessions", body, token,
               {"Content-Type": ctype})


def signup(srv, email, pw="correct horse battery"):
    st, _, b = req(srv, "POST", "/accounts", {"email": email, "password": pw})
    check(st == 201 and b and len(b.get("token", "")) == 43, f"sign up {email}: {st} {b}")
    return b["token"]


def wait_job(srv, token, job, until=("done", "failed", "cancelled"), limit_s=600):
    t0 = time.time()
    while time.time() - t0 < limit_s:
        st, _, b = req(srv, "GET", f"/jobs/{job}", token=token)
        if st != 200:
            return b
        if b["status"] in until:
            return b
        time.sleep(0.5)
    check(False, f"job {job} did not reach {until} in {limit_s} s: {b}")
    return b


def tmp_files(data):
    d = os.path.join(data, "tmp")
    return os.listdir(d) if os.path.isdir(d) else []


def blob_files(data):
    d = os.path.join(data, "blobs")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


# PostgreSQL mode: data folder -> its database URI (no password: PGPASSFILE holds it).
PG_HOST = os.environ.get("GS_TEST_PG_HOST")
DB_OF = {}


def fresh_db(d, name):
    """A fresh database gs_api_NAME for data folder d (PostgreSQL mode only)."""
    db = "gs_api_" + re.sub(r"[^a-z0-9_]", "_", name.lower())
    psql = os.path.join(os.environ["GS_TEST_PG_BIN"], "psql")
    admin = f"postgresql:///postgres?host={PG_HOST}&user={os.environ['GS_TEST_PG_USER']}"
    for sql in (f"DROP DATABASE IF EXISTS {db} WITH (FORCE)", f"CREATE DATABASE {db}"):
        subprocess.run([psql, "-q", "-v", "ON_ERROR_STOP=1", "-d", admin, "-c", sql], check=True,
                       stderr=subprocess.DEVNULL)
    DB_OF[d] = f"postgresql:///{db}?host={PG_HOST}&user={os.environ['GS_TEST_PG_USER']}"


def db_exec(srv, sql):
    """Runs sql on srv's records, as an operator editing the database by hand would."""
    if PG_HOST:
        psql = os.path.join(os.environ["GS_TEST_PG_BIN"], "psql")
        subprocess.run([psql, "-q", "-v", "ON_ERROR_STOP=1", "-d", DB_OF[srv.data], "-c", sql],
                       check=True, stderr=subprocess.DEVNULL)
    else:
        import sqlite3
        con = sqlite3.connect(os.path.join(srv.data, "gaitscope.db"), timeout=30)
        with con:
            con.execute(sql)
        con.close()


def fresh(name):
    d = os.path.join(SCRATCH, "serve_api" + ("_pg" if PG_HOST else ""), name)
    if PG_HOST:
        fresh_db(d, name)
    if os.path.ismount(d):  # left by an interrupted disk-full run
        subprocess.run(["umount", d])
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.dirname(d), exist_ok=True)
    return d


# ---------------------------------------------------------------------------------------------

def part_api():
    video = open(SAMPLE, "rb").read()
    srv = Server(fresh("api"), "--model", "lite", workers=1)
    try:
        st, _, b = req(srv, "GET", "/health")
        check(st == 200 and b == {"status": "ok"}, f"health {st} {b}")
        # sign-up and sign-in
        ta = signup(srv, "Ann@Example.org")
        st, _, b = req(srv, "POST", "/accounts", {"email": "x@example.org", "password": "short"})
        check(st == 400 and "at least 10" in b["error"], f"short password: {st} {b}")
        st, _, b = req(srv, "POST", "/accounts",
                       {"email": "ann@example.org", "password": "another long one"})
        check(st == 409, f"same e-mail twice: {st} {b}")
        st, _, b = req(srv, "POST", "/tokens", {"email": "ann@example.org", "password": "nope nope"})
        check(st == 401 and "wrong" in b["error"], f"wrong password: {st} {b}")
        st, _, b = req(srv, "POST", "/tokens", {"email": "nobody@example.org", "password": "x" * 12})
        check(st == 401 and "wrong" in b["error"], f"unknown e-mail: {st} {b}")
        st, _, b = req(srv, "GET", "/athletes")
        check(st == 401, f"no token: {st} {b}")
        st, _, b = req(srv, "GET", "/athletes", token="A" * 43)
        check(st == 401, f"made-up token: {st} {b}")
        # athlete, upload (3 s of the sample), the same file again, a non-video
        st, _, b = req(srv, "POST", "/athletes", {"name": "Ann", "height_m": 1.68}, ta)
        check(st == 201, f"athlete: {st} {b}")
        ath = b["id"]
        st, _, b = req(srv, "POST", "/athletes", {"name": "Ann", "height_m": 7}, ta)
        check(st == 400 and "height_m" in b["error"], f"athlete height 7: {st} {b}")
        st, _, up = upload(srv, ta, ath, video, start=1, end=4, notes="first visit",
                           date="2026-12-05", history="scar:abdomen")
        check(st == 202 and "session" in up and "job" in up and "duplicate_of" not in up,
              f"upload: {st} {up}")
        st, _, up2 = upload(srv, ta, ath, video, start=1, end=4)
        check(st == 202 and up2.get("duplicate_of") == up["blob"],
              f"the same file twice is recognised: {st} {up2}")
        check(len(blob_files(srv.data)) == 1, f"one stored copy: {blob_files(srv.data)}")
        # the duplicate's session is deleted while queued: its job is cancelled, the blob stays
        st, _, b = req(srv, "DELETE", f"/sessions/{up2['session']}", token=ta)
        check(st == 204, f"delete queued session: {st} {b}")
        st, _, b = req(srv, "GET", f"/jobs/{up2['job']}", token=ta)
        check(st == 404, f"the job of a deleted session: {st} {b}")
        check(len(blob_files(srv.data)) == 1, "blob kept while another session uses it")
        st, _, bad = upload(srv, ta, ath, os.urandom(50000))
        check(st == 202, f"non-video upload is queued (the worker's probe judges it): {st} {bad}")
        st, _, b = upload(srv, ta, ath, video, height="3")
        check(st == 400 and "height" in b["error"], f"height=3: {st} {b}")
        st, _, b = upload(srv, ta, ath, video, view="upside-down")
        check(st == 400 and "view" in b["error"], f"view: {st} {b}")
        st, _, b = upload(srv, ta, ath, video, start=5, end=2)
        check(st == 400 and "end" in b["error"], f"end before start: {st} {b}")
        st, _, b = upload(srv, ta, ath, None, view="rear")
        check(st == 400 and "video" in b["error"], f"no video: {st} {b}")
        # the job ends
        job = wait_job(srv, ta, up["job"])
        check(job["status"] == "done", f"job done: {job}")
        check(job["attempts"] >= 1 and ":" in job["worker"], f"attempts and worker: {job}")
        badjob = wait_job(srv, ta, bad["job"])
        check(badjob["status"] == "failed" and badjob.get("error"),
              f"a non-video fails with an error: {badjob}")
        print(f"non-video: {badjob.get('error')}", file=sys.stderr)
        # the session and its files
        sid = up["session"]
        st, _, s = req(srv, "GET", f"/sessions/{sid}", token=ta)
        check(st == 200 and s["job"]["status"] == "done" and "analysis" in s,
              f"session with analysis: {st} {str(s)[:300]}")
        check(s.get("notes") == "first visit" and s.get("date") == "2026-12-05",
              f"notes and date kept: {s.get('notes')} {s.get('date')}")
        check("overlay.mp4" in s.get("files", []), f"files: {s.get('files')}")
        st, h, a = req(srv, "GET", f"/sessions/{sid}/files/analysis.json", token=ta)
        check(st == 200 and a.get("status") == "done", f"analysis.json: {st}")
        check(h.get("Content-Type") == "application/json", f"type {h.get('Content-Type')}")
        st, h, html = req(srv, "GET", f"/sessions/{sid}/files/report.html", token=ta, raw=True)
        check(st == 200 and b"<html" in html[:500].lower(), f"report.html: {st}")
        check("default-src 'none'" in (h.get("Content-Security-Policy") or ""),
              f"report CSP: {h.get('Content-Security-Policy')}")
        st, h, full = req(srv, "GET", f"/sessions/{sid}/files/overlay.mp4", token=ta, raw=True)
        check(st == 200 and len(full) > 1000 and h.get("Accept-Ranges") == "bytes",
              f"overlay: {st} {len(full)}")
        st, h, part = req(srv, "GET", f"/sessions/{sid}/files/overlay.mp4", token=ta,
                          headers={"Range": "bytes=100-199"}, raw=True)
        check(st == 206 and part == full[100:200] and
              h.get("Content-Range") == f"bytes 100-199/{len(full)}",
              f"Range: {st} {h.get('Content-Range')} {len(part)}")
        st, h, part = req(srv, "GET", f"/sessions/{sid}/files/overlay.mp4", token=ta,
                          headers={"Range": "bytes=-50"}, raw=True)
        check(st == 206 and part == full[-50:], f"suffix Range: {st} {len(part)}")
        st, h, b = req(srv, "GET", f"/sessions/{sid}/files/overlay.mp4", token=ta,
                       headers={"Range": f"bytes={len(full)}-"})
        check(st == 416 and h.get("Content-Range") == f"bytes */{len(full)}",
              f"416: {st} {h.get('Content-Range')}")
        for name in ("angles.csv", "events.csv", "metrics.csv", "pose.trc", "pose.json"):
            st, h, body = req(srv, "GET", f"/sessions/{sid}/files/{name}", token=ta, raw=True)
            check(st == 200 and len(body) > 0, f"{name}: {st}")
        st, _, b = req(srv, "GET", f"/sessions/{sid}/files/gaitscope.db", token=ta)
        check(st == 404 and "error" in b, f"a name outside the table: {st} {b}")
        st, _, b = req(srv, "GET", f"/sessions/{sid}/files/..%2F..%2Fgaitscope.db", token=ta)
        check(st == 404, f"encoded traversal: {st} {b}")
        st, _, b = req(srv, "GET", f"/athletes/{ath}/sessions", token=ta)
        check(st == 200 and [x["id"] for x in b["sessions"]].count(sid) == 1,
              f"athlete's sessions: {b}")
        # share: the link is the share page; the API's shared routes give what that page shows
        # (overlay, key frames, findings' titles) and nothing holding the intake history, the
        # notes or the NKT record
        # The owner's session holds the history (its options); whether report.html quotes it
        # depends on which findings the tracker gives on this cut, so it is not a precondition:
        # the shared routes below refuse report.html and analysis.json whatever they hold.
        st, _, own = req(srv, "GET", f"/sessions/{sid}", token=ta)
        check(st == 200 and "abdomen" in json.dumps(own.get("options")),
              f"the owner's session holds the intake history: {st} {str(own)[:300]}")
        st, _, sh = req(srv, "POST", f"/sessions/{sid}/shares", {"days": 1}, ta)
        check(st == 201 and len(sh.get("token", "")) == 43 and
              sh["url"].endswith(f"/s/{sh['token']}"), f"share: {st} {sh}")
        st, _, page = req(srv, "GET", sh["url"].replace("localhost", "127.0.0.1"), raw=True)
        check(st == 200 and b'id="findings"' in page and b"abdomen" not in page,
              f"the share link opens the share page without the history: {st}")
        for name in ("report.html", "analysis.json", "pose.json", "angles.csv", "metrics.csv",
                     "events.csv", "pose.trc"):
            st, _, b = req(srv, "GET", f"/shared/{sh['token']}/files/{name}")
            check(st == 404 and "overlay" in b.get("error", ""),
                  f"shared {name} is not served: {st} {b}")
        st, _, shs = req(srv, "GET", f"/shared/{sh['token']}")
        check(st == 200 and "id" not in shs and "athlete" not in shs and "notes" not in shs
              and "options" not in shs and "analysis" not in shs,
              f"shared session without ids, options, notes or analysis: {st} {str(shs)[:300]}")
        check(shs.get("findings") and all(set(f) <= {"title", "side"} for f in shs["findings"]),
              f"shared findings: titles only: {shs.get('findings')}")
        check("abdomen" not in json.dumps(shs) and "first visit" not in json.dumps(shs),
              "the shared JSON holds neither the intake history nor the notes")
        check(set(shs.get("files", [])) <= {"overlay.mp4"} | {
            f"keyframes/{k}.png" for k in ("left_IC", "left_MS", "left_TO", "right_IC",
                                           "right_MS", "right_TO", "contact_sheet")} and
              "overlay.mp4" in shs.get("files", []), f"shared files: {shs.get('files')}")
        for name in shs.get("files", []):
            st, _, body = req(srv, "GET", f"/shared/{sh['token']}/files/{name}", raw=True)
            check(st == 200 and b"abdomen" not in body, f"shared {name}: 200, no history")
        st, _, part = req(srv, "GET", f"/shared/{sh['token']}/files/overlay.mp4",
                          headers={"Range": "bytes=0-9"}, raw=True)
        check(st == 206 and part == full[:10], f"shared Range: {st}")
        st, _, b = req(srv, "POST", f"/shared/{sh['token']}/files/report.html", b"x")
        check(st == 405, f"shared is read-only: {st} {b}")
        st, _, b = req(srv, "GET", f"/shared/{'B' * 43}/files/overlay.mp4")
        check(st == 404, f"unknown share: {st} {b}")
        st, _, b = req(srv, "POST", f"/sessions/{sid}/shares", {"days": 400}, ta)
        check(st == 400 and "days" in b["error"], f"share days 400: {st} {b}")
        st, _, sh2 = req(srv, "POST", f"/sessions/{sid}/shares", {}, ta)
        check(st == 201, f"second share: {st} {sh2}")
        st, _, b = req(srv, "DELETE", f"/shares/{sh2['id']}", token=ta)
        check(st == 204, f"revoke share: {st} {b}")
        st, _, b = req(srv, "GET", f"/shared/{sh2['token']}")
        check(st == 404, f"revoked share: {st} {b}")

        # isolation: every route with A's ids from account B
        tb = signup(srv, "bob@example.org")
        st, _, b = req(srv, "POST", "/athletes", {"name": "Bob"}, tb)
        bath = b["id"]
        st, _, b = req(srv, "GET", "/athletes", token=tb)
        check(st == 200 and [x["id"] for x in b["athletes"]] == [bath], f"B sees only his: {b}")
        tries = [
            ("GET", f"/athletes/{ath}", None), ("GET", f"/athletes/{ath}/sessions", None),
            ("GET", f"/jobs/{up['job']}", None), ("DELETE", f"/jobs/{up['job']}", None),
            ("GET", f"/sessions/{sid}", None),
            ("GET", f"/sessions/{sid}/files/report.html", None),
            ("GET", f"/sessions/{sid}/files/overlay.mp4", None),
            ("POST", f"/sessions/{sid}/shares", {"days": 1}),
            ("DELETE", f"/shares/{sh['id']}", None), ("DELETE", f"/sessions/{sid}", None),
        ]
        for m, p, body in tries:
            st, _, b = req(srv, m, p, body, tb)
            check(st == 404 and "error" in b, f"B {m} {p}: {st} {b}")
        st, b = headers_only(srv, "POST", f"/athletes/{ath}/sessions", tb,
                             "multipart/form-data; boundary=x", len(video))
        check(st == 404, f"B uploads to A's athlete (answered before the body): {st} {b}")
        st, _, b = upload(srv, tb, bath, video, start=1, end=2)
        check(st == 202 and "duplicate_of" not in b, f"B's same file is not matched to A's: {b}")
        req(srv, "DELETE", f"/sessions/{b['session']}", token=tb)
        st, _, s2 = req(srv, "GET", f"/sessions/{sid}", token=ta)
        check(st == 200 and s2["job"]["status"] == "done", "A's session intact after B's tries")
        st, _, b = req(srv, "GET", f"/shared/{sh['token']}")
        check(st == 200, "A's share intact after B's tries")

        # tokens: sign-out revokes that token only; a password change revokes them all
        st, _, b = req(srv, "POST", "/tokens", {"email": "ann@example.org",
                                                 "password": "correct horse battery"})
        check(st == 201, f"sign in: {st} {b}")
        ta2 = b["token"]
        st, _, b = req(srv, "DELETE", "/tokens/current", token=ta2)
        check(st == 204, f"sign out: {st} {b}")
        st, _, b = req(srv, "GET", "/athletes", token=ta2)
        check(st == 401, f"signed-out token: {st} {b}")
        st, _, b = req(srv, "GET", "/athletes", token=ta)
        check(st == 200, f"other token still valid: {st}")
        st, _, b = req(srv, "POST", "/password", {"password": "wrong one here",
                                                   "new_password": "a new long password"}, ta)
        check(st == 403, f"password change with a wrong password: {st} {b}")
        st, _, b = req(srv, "POST", "/password", {"password": "correct horse battery",
                                                   "new_password": "short"}, ta)
        check(st == 400 and "new_password" in b["error"], f"short new password: {st} {b}")
        st, _, b = req(srv, "POST", "/password", {"password": "correct horse battery",
                                                   "new_password": "a new long password"}, ta)
        check(st == 200 and len(b.get("token", "")) == 43, f"password change: {st} {b}")
        ta3 = b["token"]
        st, _, b = req(srv, "GET", "/athletes", token=ta)
        check(st == 401, f"old token after password change: {st}")
        st, _, b = req(srv, "GET", "/athletes", token=ta3)
        check(st == 200, f"new token: {st}")
        st, _, b = req(srv, "POST", "/tokens", {"email": "ann@example.org",
                                                 "password": "correct horse battery"})
        check(st == 401, f"old password: {st}")
        st, _, b = req(srv, "POST", "/tokens", {"email": "ann@example.org",
                                                 "password": "a new long password"})
        check(st == 201, f"new password: {st}")

        # rate limit per account: 10 attempts at once, then one a minute
        signup(srv, "carol@example.org")
        codes = [req(srv, "POST", "/tokens", {"email": "carol@example.org",
                                               "password": f"guess {i:06d}"})[0]
                 for i in range(11)]
        check(codes[:10] == [401] * 10 and codes[10] == 429, f"rate limit: {codes}")
        st, h, b = req(srv, "POST", "/tokens", {"email": "carol@example.org",
                                                 "password": "correct horse battery"})
        check(st == 429 and int(h.get("Retry-After", "0")) >= 1 and "error" in b,
              f"429 even with the right password, Retry-After: {st} {h.get('Retry-After')}")

        # delete: the id then gives 404, its files are gone, the blob too (last reference)
        st, _, b = req(srv, "DELETE", f"/sessions/{sid}", token=ta3)
        check(st == 204, f"delete: {st} {b}")
        for p in (f"/sessions/{sid}", f"/sessions/{sid}/files/report.html", f"/jobs/{up['job']}"):
            st, _, b = req(srv, "GET", p, token=ta3)
            check(st == 404, f"after delete {p}: {st} {b}")
        st, _, b = req(srv, "GET", f"/shared/{sh['token']}")
        check(st == 404, f"share of a deleted session: {st}")
        check(not os.path.exists(os.path.join(srv.data, "sessions", sid)), "session folder gone")
        check(up["blob"] not in blob_files(srv.data), f"blob removed: {blob_files(srv.data)}")
        check(tmp_files(srv.data) == [], f"tmp empty: {tmp_files(srv.data)}")
    finally:
        rc = srv.stop()
    check(rc == 0, f"serve exits 0 on SIGTERM: {rc}")


def invite_token(url):
    m = re.search(r"/invite/([A-Za-z0-9_-]{43})$", url or "")
    check(m, f"an invitation link /invite/TOKEN: {url}")
    return m.group(1) if m else "A" * 43


def part_clinic():
    """Clinic accounts: owner and therapists, invitations, resets, removal, what a therapist may
    not do, isolation between clinics (404), the access log, retention, deleting an athlete and
    the account. The server judges retention as if 2 days later, every second."""
    video = open(SAMPLE, "rb").read()
    srv = Server(fresh("clinic"), "--model", "lite", "--retention-every", "1",
                 "--retention-as-if-days-later", "2", workers=1)
    try:
        ta = signup(srv, "owner-a@example.org")
        tb = signup(srv, "owner-b@example.org")
        st, _, me = req(srv, "GET", "/account", token=ta)
        check(st == 200 and me.get("role") == "owner" and me.get("retention_days") == 0 and
              me.get("account") == me.get("id"), f"the owner's account: {st} {me}")
        # invitations: single use, a password rule, signs the therapist in
        st, _, b = req(srv, "POST", "/users", {"email": "owner-b@example.org"}, ta)
        check(st == 409, f"inviting another clinic's user's e-mail: {st} {b}")
        st, _, inv = req(srv, "POST", "/users", {"email": "Therapist@Example.org"}, ta)
        check(st == 201 and inv.get("expires", 0) > time.time() + 6 * 86400,
              f"invite: {st} {inv}")
        tok = invite_token(inv.get("url"))
        st, _, b = req(srv, "GET", f"/invites/{tok}")
        check(st == 200 and b.get("email") == "therapist@example.org" and
              b.get("kind") == "invitation", f"the invitation: {st} {b}")
        st, _, b = req(srv, "POST", f"/invites/{tok}", {"password": "short"})
        check(st == 400, f"a short password: {st} {b}")
        st, _, b = req(srv, "POST", f"/invites/{tok}", {"password": "therapist pass 1"})
        check(st == 201 and len(b.get("token", "")) == 43, f"invitation used: {st} {b}")
        tt = b.get("token")
        st, _, b = req(srv, "POST", f"/invites/{tok}", {"password": "therapist pass 2"})
        check(st == 404, f"an invitation works once: {st} {b}")
        st, _, me = req(srv, "GET", "/account", token=tt)
        check(st == 200 and me.get("role") == "therapist" and me.get("email") ==
              "therapist@example.org", f"the therapist: {st} {me}")
        therapist = me.get("id", "")
        st, _, b = req(srv, "POST", "/users", {"email": "tb@example.org"}, tb)
        st, _, b = req(srv, "POST", f"/invites/{invite_token(b.get('url'))}",
                       {"password": "therapist b pass"})
        tu = b.get("token")
        # clinic A's records: the owner's uploads, the therapist sees and opens them
        st, _, b = req(srv, "POST", "/athletes", {"name": "Clinic A athlete"}, ta)
        ath = b["id"]
        st, _, up = upload(srv, ta, ath, video, start=1, end=4, history="scar:abdomen")
        check(st == 202, f"upload: {st} {up}")
        st, _, b = req(srv, "POST", "/athletes", {"name": "Clinic B athlete"}, tb)
        bath = b["id"]
        st, _, upb = upload(srv, tb, bath, video, start=1, end=4)
        job = wait_job(srv, ta, up["job"])
        jobb = wait_job(srv, tb, upb["job"])
        check(job["status"] == "done" and jobb["status"] == "done", f"jobs: {job} {jobb}")
        sid = up["session"]
        st, _, b = req(srv, "GET", "/athletes", token=tt)
        check(st == 200 and [x["id"] for x in b["athletes"]] == [ath],
              f"the therapist sees the clinic's athletes: {b}")
        st, _, b = req(srv, "GET", f"/sessions/{sid}", token=tt)
        check(st == 200 and "analysis" in b, f"the therapist opens the session: {st}")
        st, _, rep = req(srv, "GET", f"/sessions/{sid}/files/report.html", token=tt, raw=True)
        check(st == 200, f"the therapist downloads the report: {st}")
        st, _, b = req(srv, "POST", f"/athletes/{ath}/sessions", b"x", tt,
                       {"Content-Type": "text/plain"})
        check(st == 400, f"the therapist may upload for the clinic's athlete (form checked): {st}")
        # isolation: clinic B's owner and therapist get 404 for everything of clinic A
        tries = [("GET", f"/athletes/{ath}", None), ("DELETE", f"/athletes/{ath}", None),
                 ("GET", f"/athletes/{ath}/sessions", None), ("GET", f"/jobs/{up['job']}", None),
                 ("GET", f"/sessions/{sid}", None),
                 ("GET", f"/sessions/{sid}/files/report.html", None),
                 ("POST", f"/sessions/{sid}/shares", {}), ("DELETE", f"/sessions/{sid}", None),
                 ("DELETE", f"/users/{therapist}", None),
                 ("POST", f"/users/{therapist}/reset", None)]
        for who, tok_ in (("B's owner", tb), ("B's therapist", tu)):
            st, _, b = req(srv, "GET", "/athletes", token=tok_)
            check(st == 200 and [x["id"] for x in b["athletes"]] == [bath],
                  f"{who} sees only clinic B's athletes: {b}")
            for m, p, body in tries:
                if who == "B's therapist" and p.startswith("/users"):
                    continue  # a therapist gets 403 there before any lookup
                st, _, b = req(srv, m, p, body, tok_)
                check(st == 404, f"{who} {m} {p}: {st} {b}")
        # what a therapist may not do: 403 with a message
        for m, p, body in (("DELETE", "/account", {"password": "therapist pass 1"}),
                           ("POST", "/account/retention", {"days": 1}), ("GET", "/users", None),
                           ("POST", "/users", {"email": "x@example.org"}),
                           ("DELETE", f"/users/{therapist}", None),
                           ("POST", f"/users/{therapist}/reset", None), ("GET", "/access", None),
                           ("DELETE", f"/athletes/{ath}", None)):
            st, _, b = req(srv, m, p, body, tt)
            check(st == 403 and "owner" in b.get("error", ""), f"therapist {m} {p}: {st} {b}")
        st, _, b = req(srv, "GET", "/users", token=ta)
        check(st == 200 and [(u["email"], u["role"]) for u in b["users"]] ==
              [("owner-a@example.org", "owner"), ("therapist@example.org", "therapist")],
              f"the owner lists the users: {b}")
        # withdrawing a pending invitation: the owner's only, clinic B gets 404, the link dies
        st, _, inv2 = req(srv, "POST", "/users", {"email": "pending@example.org"}, ta)
        st, _, b = req(srv, "GET", "/users", token=ta)
        pend = [i for i in b.get("invitations", []) if i["email"] == "pending@example.org"]
        check(st == 200 and len(pend) == 1, f"the pending invitation is listed: {b}")
        pid = pend[0]["id"] if pend else "A" * 22
        for who, tok_, want in (("B's owner", tb, 404), ("B's therapist", tu, 403),
                                ("A's therapist", tt, 403)):
            st, _, b = req(srv, "DELETE", f"/invitations/{pid}", token=tok_)
            check(st == want and "error" in (b or {}), f"{who} withdraws A's invitation: {st} {b}")
        st, _, b = req(srv, "GET", f"/invites/{invite_token(inv2.get('url'))}")
        check(st == 200, f"the invitation still works after the refused withdrawals: {st} {b}")
        st, _, b = req(srv, "DELETE", "/invitations/not-an-id", token=ta)
        check(st == 400, f"withdraw with a malformed id: {st} {b}")
        st, _, b = req(srv, "DELETE", f"/invitations/{pid}", token=ta)
        check(st == 204, f"the owner withdraws the invitation: {st} {b}")
        st, _, b = req(srv, "GET", f"/invites/{invite_token(inv2.get('url'))}")
        check(st == 404, f"a withdrawn invitation's link: {st} {b}")
        st, _, b = req(srv, "POST", f"/invites/{invite_token(inv2.get('url'))}",
                       {"password": "pending person pass"})
        check(st == 404, f"a withdrawn invitation cannot be used: {st} {b}")
        st, _, b = req(srv, "DELETE", f"/invitations/{pid}", token=ta)
        check(st == 404, f"withdrawing it twice: {st} {b}")
        st, _, b = req(srv, "GET", "/users", token=ta)
        check(not any(i["email"] == "pending@example.org" for i in b.get("invitations", [])),
              f"no longer listed: {b}")
        # the access log: who opened what, from where; the owner's only, per clinic
        st, _, log = req(srv, "GET", "/access", token=ta)
        ent = log.get("entries", []) if st == 200 else []
        mine = [(e["email"], e["what"]) for e in ent]
        check(("therapist@example.org", "api session") in mine and
              ("therapist@example.org", "api report.html") in mine and
              ("therapist@example.org", "api session list") not in mine,
              f"the therapist's openings are logged: {mine}")
        check(all(e["address"] == "127.0.0.1" and e["athlete"] == ath and e["at"] > 0
                  for e in ent), f"entries name the address and athlete: {ent[:2]}")
        check(ent and ent[0]["athlete_name"] == "Clinic A athlete", f"names joined: {ent[:1]}")
        check(all(e["email"] != "owner-b@example.org" and e["email"] != "tb@example.org"
                  for e in ent), "clinic B's refused tries are not in A's log")
        st, _, logb = req(srv, "GET", "/access", token=tb)
        check(st == 200 and all(e["athlete"] == bath for e in logb["entries"]),
              f"B's log has only B's athlete: {logb}")
        st, _, b = req(srv, "GET", "/access?skip=x", token=ta)
        check(st == 400, f"access skip=x: {st}")
        # a password reset: the therapist's token and password stop at once; the link sets one
        st, _, rs = req(srv, "POST", f"/users/{therapist}/reset", None, ta)
        check(st == 201, f"reset: {st} {rs}")
        st, _, b = req(srv, "GET", "/athletes", token=tt)
        check(st == 401, f"the therapist's token after the reset: {st}")
        st, _, b = req(srv, "POST", "/tokens", {"email": "therapist@example.org",
                                                 "password": "therapist pass 1"})
        check(st == 401, f"the old password after the reset: {st}")
        rtok = invite_token(rs.get("url"))
        st, _, b = req(srv, "GET", f"/invites/{rtok}")
        check(st == 200 and b.get("kind") == "password reset", f"the reset link: {st} {b}")
        st, _, b = req(srv, "POST", f"/invites/{rtok}", {"password": "therapist pass 3"})
        check(st == 201, f"the new password: {st} {b}")
        st, _, b = req(srv, "POST", "/tokens", {"email": "therapist@example.org",
                                                 "password": "therapist pass 3"})
        check(st == 201, f"sign in with the new password: {st}")
        tt = b.get("token")
        st, _, b = req(srv, "POST", f"/users/{me['account']}/reset", None, ta)
        check(st == 400, f"the owner resets no owner: {st} {b}")
        # removing a therapist: its tokens die
        st, _, b = req(srv, "POST", "/users", {"email": "t2@example.org"}, ta)
        st, _, b = req(srv, "POST", f"/invites/{invite_token(b.get('url'))}",
                       {"password": "therapist two pass"})
        tt2 = b.get("token")
        st, _, me2 = req(srv, "GET", "/account", token=tt2)
        st, _, b = req(srv, "DELETE", f"/users/{me2['id']}", token=ta)
        check(st == 204, f"remove a therapist: {st} {b}")
        st, _, b = req(srv, "GET", "/athletes", token=tt2)
        check(st == 401, f"a removed therapist's token: {st}")
        st, _, b = req(srv, "DELETE", f"/users/{me['account']}", token=ta)
        check(st == 400, f"the owner cannot be removed: {st} {b}")

        # retention: the clinic's videos and overlay clips go, the analysis stays; B keeps his
        folder = os.path.join(srv.data, "sessions", sid)
        bfolder = os.path.join(srv.data, "sessions", upb["session"])
        check(os.path.exists(os.path.join(folder, "overlay.mp4")) and
              up["blob"] in blob_files(srv.data), "before retention: overlay and video there")
        st, _, b = req(srv, "POST", "/account/retention", {"days": 4000}, ta)
        check(st == 400, f"retention 4000 days: {st} {b}")
        st, _, b = req(srv, "POST", "/account/retention", {"days": 1}, ta)
        check(st == 200 and b.get("retention_days") == 1, f"retention 1 day: {st} {b}")
        t0 = time.time()
        while time.time() - t0 < 30 and up["blob"] in blob_files(srv.data):
            time.sleep(0.5)
        check(up["blob"] not in blob_files(srv.data), "the clinic's video is deleted")
        check(not os.path.exists(os.path.join(folder, "overlay.mp4")), "its overlay is deleted")
        for name in ("analysis.json", "report.html", "metrics.csv", "keyframes/left_IC.png"):
            check(os.path.exists(os.path.join(folder, name)), f"{name} is kept")
        check(os.path.exists(os.path.join(bfolder, "overlay.mp4")) and
              upb["blob"] in blob_files(srv.data), "clinic B (retention off) keeps its video")
        st, _, s = req(srv, "GET", f"/sessions/{sid}", token=ta)
        check(st == 200 and "analysis" in s and "overlay.mp4" not in s.get("files", []),
              f"the session after retention: {st} {s.get('files')}")
        st, _, up2 = upload(srv, ta, ath, video, start=1, end=2)
        check(st == 202 and "duplicate_of" not in up2 and up2["blob"] in blob_files(srv.data),
              f"the same file again is stored anew, not matched to the deleted one: {up2}")
        req(srv, "DELETE", f"/jobs/{up2['job']}", token=ta)

        # deleting the athlete: every session, file and share of it
        st, _, sh = req(srv, "POST", f"/sessions/{sid}/shares", {}, ta)
        st, _, b = req(srv, "DELETE", f"/athletes/{ath}", token=ta)
        check(st == 204, f"delete the athlete: {st} {b}")
        for p in (f"/athletes/{ath}", f"/sessions/{sid}", f"/sessions/{up2['session']}"):
            st, _, b = req(srv, "GET", p, token=ta)
            check(st == 404, f"after deleting the athlete {p}: {st}")
        st, _, b = req(srv, "GET", f"/shared/{sh.get('token')}")
        check(st == 404, f"the share of a deleted athlete's session: {st}")
        check(not os.path.exists(folder) and
              not os.path.exists(os.path.join(srv.data, "sessions", up2["session"])),
              "the athlete's session folders are gone")
        check(up2["blob"] not in blob_files(srv.data), "the athlete's video is gone")
        st, _, log = req(srv, "GET", "/access", token=ta)
        check(st == 200 and any(e["what"] == "deleted athlete" and e["athlete_name"] == ""
                                for e in log["entries"]),
              "the log keeps the deletion, without the name")

        # deleting the account: owner only, password again, everything gone, tokens dead
        st, _, b = req(srv, "POST", "/athletes", {"name": "Another"}, ta)
        ath2 = b["id"]
        st, _, up3 = upload(srv, ta, ath2, video, start=1, end=2)
        st, _, b = req(srv, "DELETE", "/account", {"password": "wrong password!"}, ta)
        check(st == 403, f"delete the account with a wrong password: {st} {b}")
        st, _, b = req(srv, "DELETE", "/account", None, ta)
        check(st == 400, f"delete the account without a password: {st} {b}")
        st, _, b = req(srv, "DELETE", "/account", {"password": "correct horse battery"}, ta)
        check(st == 204, f"delete the account: {st} {b}")
        for tok_ in (ta, tt):
            st, _, b = req(srv, "GET", "/athletes", token=tok_)
            check(st == 401, f"a token of the deleted account: {st}")
        for email, pw in (("owner-a@example.org", "correct horse battery"),
                          ("therapist@example.org", "therapist pass 3")):
            st, _, b = req(srv, "POST", "/tokens", {"email": email, "password": pw})
            check(st == 401, f"sign-in to the deleted account ({email}): {st}")
        check(not os.path.exists(os.path.join(srv.data, "sessions", up3["session"])) and
              up3["blob"] not in blob_files(srv.data), "the account's files are gone")
        # a worker still running the deleted account's job learns at its next heartbeat (job
        # gone) and removes its staging folder
        t0 = time.time()
        while time.time() - t0 < 30 and any(".staging-" in d for d in
                                            os.listdir(os.path.join(srv.data, "sessions"))):
            time.sleep(0.5)
        check(sorted(os.listdir(os.path.join(srv.data, "sessions"))) == [upb["session"]] and
              blob_files(srv.data) == [upb["blob"]], "only clinic B's files are left: "
              f"{os.listdir(os.path.join(srv.data, 'sessions'))} {blob_files(srv.data)}")
        st, _, b = req(srv, "GET", f"/sessions/{upb['session']}", token=tb)
        check(st == 200, f"clinic B is untouched: {st}")
        st, _, b = req(srv, "POST", "/accounts", {"email": "owner-a@example.org",
                                                   "password": "a fresh start!"})
        check(st == 201, f"the e-mail is free again: {st}")
    finally:
        rc = srv.stop()
    check(rc == 0, f"serve exits 0 on SIGTERM: {rc}")


def part_limits():
    srv = Server(fresh("limits"), "--max-upload-mb", "1", workers=0)
    try:
        t = signup(srv, "lim@example.org")
        st, _, b = req(srv, "POST", "/athletes", {"name": "L"}, t)
        ath = b["id"]
        # 413 from Content-Length: the headers alone get the answer, no body is sent
        st, b = headers_only(srv, "POST", f"/athletes/{ath}/sessions", t,
                             "multipart/form-data; boundary=x", 50 << 20)
        check(st == 413 and "limit" in b["error"], f"413 before the body: {st} {b}")
        # a chunked body over the limit is cut off: 413 or the connection closed, nothing kept
        body, ctype = multipart({}, os.urandom(3 << 20))

        def chunks():
            for i in range(0, len(body), 65536):
                yield body[i:i + 65536]
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        outcome = "?"
        try:
            c.request("POST", f"/api/v1/athletes/{ath}/sessions", body=chunks(),
                      headers={"Authorization": f"Bearer {t}", "Content-Type": ctype},
                      encode_chunked=True)
            r = c.getresponse()
            outcome = r.status
        except (ConnectionError, http.client.HTTPException, OSError) as e:
            outcome = type(e).__name__
        c.close()
        check(outcome in (413, "ConnectionResetError", "BrokenPipeError", "RemoteDisconnected"),
              f"chunked over the limit: {outcome}")
        time.sleep(0.5)
        check(tmp_files(srv.data) == [] and blob_files(srv.data) == [],
              f"nothing kept: tmp {tmp_files(srv.data)} blobs {blob_files(srv.data)}")
        st, _, b = req(srv, "GET", "/health")
        check(st == 200, "server alive after the cut")
        # a chunked body under the limit is taken
        small = open(os.path.join(SRC, "datasets", "run_side_overground_01.mp4"), "rb").read()
        body, ctype = multipart({"view": "side-right"}, small)
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        c.request("POST", f"/api/v1/athletes/{ath}/sessions", body=iter([body[:1000], body[1000:]]),
                  headers={"Authorization": f"Bearer {t}", "Content-Type": ctype},
                  encode_chunked=True)
        r = c.getresponse()
        b = json.loads(r.read())
        check(r.status == 202 and b.get("size_bytes") == len(small), f"chunked upload: {r.status} {b}")
        c.close()
        # malformed requests: 4xx with a JSON message, never a crash
        bad = [
            ("POST", "/accounts", b"{not json"), ("POST", "/accounts", b"[]"),
            ("POST", "/accounts", b'{"email": 5, "password": "0123456789"}'),
            ("POST", "/tokens", b'{"email": "a@b", "password": "0123456789", "x": 1}'),
            ("POST", "/athletes", b'{"name": ""}'), ("POST", "/athletes", b""),
            ("GET", "/sessions/short", None), ("GET", "/nothing", None),
            ("PATCH", "/athletes", None), ("GET", "/jobs/" + "A" * 21 + "!", None),
            ("POST", "/athletes", b"x" * (70 * 1024)),
        ]
        for m, p, body in bad:
            st, _, b = req(srv, m, p, body, t)
            check(400 <= st < 500 and isinstance(b, dict) and b.get("error"),
                  f"malformed {m} {p}: {st} {b}")
        body, ctype = multipart({}, b"x" * 100)
        st, _, b = req(srv, "POST", f"/athletes/{ath}/sessions", body[:-30], t,
                       {"Content-Type": ctype})
        check(st == 400 and "incomplete" in b["error"], f"truncated multipart: {st} {b}")
        check(tmp_files(srv.data) == [], f"a truncated upload leaves nothing: {tmp_files(srv.data)}")
        st, _, b = req(srv, "GET", "/health")
        check(st == 200, "server alive after the malformed requests")
        # rate limit per address: 30 attempts at once (whatever the e-mail, malformed ones too),
        # then 1 every 2 s; fast malformed attempts so that little refills meanwhile
        codes = []
        while len(codes) < 45 and 429 not in codes:
            codes.append(req(srv, "POST", "/tokens", {"email": f"u{len(codes)}@example.org"})[0])
        check(set(codes[:-1]) == {400} and codes[-1] == 429 and 20 <= len(codes) - 1 <= 40,
              f"per-address limit after ~30 (this server used 5 before; + refills): {codes}")
        st, h, b = req(srv, "POST", "/accounts", {"email": "new@example.org",
                                                   "password": "0123456789"})
        check(st == 429 and "address" in b["error"], f"sign-up counted too: {st} {b}")
        # connections: 16 per client address; the 17th is closed without an answer
        import socket
        held = [socket.create_connection(("127.0.0.1", srv.port), timeout=10) for _ in range(16)]
        time.sleep(0.5)
        extra = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        try:
            extra.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = extra.recv(100)
        except OSError:
            answer = b""
        check(answer == b"", f"the 17th connection from one address is refused: {answer[:40]}")
        for h_ in held + [extra]:
            h_.close()
        time.sleep(0.5)
        st, _, b = req(srv, "GET", "/health")
        check(st == 200, f"answered again once the connections closed: {st}")
        # SIGTERM while an upload is half in: the server stops, the half upload is removed
        body, ctype = multipart({}, small)
        half = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        half.putrequest("POST", f"/api/v1/athletes/{ath}/sessions")
        half.putheader("Authorization", f"Bearer {t}")
        half.putheader("Content-Type", ctype)
        half.putheader("Content-Length", str(len(body)))
        half.endheaders()
        half.send(body[:len(body) // 2])
        time.sleep(1.0)
        check(len(tmp_files(srv.data)) == 1, f"the half upload is in tmp: {tmp_files(srv.data)}")
    finally:
        t0 = time.time()
        rc = srv.stop()
    check(rc == 0 and time.time() - t0 < 20, f"serve exits 0 on SIGTERM: {rc}, "
          f"{time.time() - t0:.1f} s")
    half.close()
    check(tmp_files(srv.data) == [], f"tmp empty at the end: {tmp_files(srv.data)}")
    part_tls()


def part_tls():
    """--tls-cert/--tls-key: HTTPS with a made certificate (openssl), verified against it."""
    import ssl
    d = fresh("tls")
    os.makedirs(d)
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    if shutil.which("openssl") is None:
        print("note: no openssl command, the TLS check is not run", file=sys.stderr)
        return
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "2", "-subj", "/CN=localhost"], capture_output=True)
    check(r.returncode == 0, "openssl made a certificate")
    srv = Server(os.path.join(d, "data"), "--tls-cert", cert, "--tls-key", key, workers=0)
    try:
        ctx = ssl.create_default_context(cafile=cert)
        ctx.check_hostname = False
        c = http.client.HTTPSConnection("127.0.0.1", srv.port, timeout=30, context=ctx)
        c.request("GET", "/api/v1/health")
        r = c.getresponse()
        check(r.status == 200 and json.loads(r.read()) == {"status": "ok"}, "health over TLS")
        c.close()
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        try:
            c.request("GET", "/api/v1/health")
            st = c.getresponse().status
        except (ConnectionError, http.client.HTTPException, OSError):
            st = "refused"
        check(st != 200, f"plain HTTP is not answered on the TLS port: {st}")
        c.close()
    finally:
        check(srv.stop() == 0, "serve (TLS) exits 0")


def part_restart():
    video = open(SAMPLE, "rb").read()
    data = fresh("restart")
    srv = Server(data, "--model", "lite", "--lease", "4", workers=1)
    t = signup(srv, "r@example.org")
    st, _, b = req(srv, "POST", "/athletes", {"name": "R"}, t)
    ath = b["id"]
    st, _, up = upload(srv, t, ath, video, start=0, end=3)
    check(st == 202, f"upload: {st} {up}")
    # an upload left half-sent
    body, ctype = multipart({"view": "side-left"}, open(os.path.join(
        SRC, "datasets", "walk_side_overground_01.mp4"), "rb").read())
    half = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    half.putrequest("POST", f"/api/v1/athletes/{ath}/sessions")
    half.putheader("Authorization", f"Bearer {t}")
    half.putheader("Content-Type", ctype)
    half.putheader("Content-Length", str(len(body)))
    half.endheaders()
    half.send(body[:len(body) // 2])
    # kill -9 while the job runs and the upload is half in
    job = wait_job(srv, t, up["job"], until=("running", "done", "failed"), limit_s=120)
    check(job["status"] == "running", f"job running before the kill: {job}")
    time.sleep(1.0)
    check(len(tmp_files(data)) == 1, f"the half upload is in tmp: {tmp_files(data)}")
    kids = srv.kill9()
    check(len(kids) >= 1, f"the server had worker children: {kids}")
    half.close()
    time.sleep(0.5)
    srv = Server(data, "--model", "lite", "--lease", "4", workers=1)
    try:
        check(tmp_files(data) == [], f"no half upload after restart: {tmp_files(data)}")
        check(blob_files(data) == [up["blob"]], f"only the completed upload: {blob_files(data)}")
        st, _, b = req(srv, "GET", f"/sessions/{up['session']}", token=t)
        check(st == 200, f"the completed upload's session is there: {st}")
        st, _, b = req(srv, "GET", f"/athletes/{ath}/sessions", token=t)
        check(st == 200 and len(b["sessions"]) == 1, f"one session, not two: {b}")
        job = wait_job(srv, t, up["job"], limit_s=600)
        check(job["status"] == "done" and job["attempts"] >= 2,
              f"the killed job ran again and ended: {job}")
        st, _, a = req(srv, "GET", f"/sessions/{up['session']}/files/analysis.json", token=t)
        check(st == 200 and a.get("status") == "done", f"its analysis: {st}")
        staging = [d for d in os.listdir(os.path.join(data, "sessions")) if "staging" in d]
        check(staging == [], f"no staging folder left: {staging}")
    finally:
        rc = srv.stop()
    check(rc == 0, f"serve exits 0: {rc}")


def part_diskfull():
    mnt = fresh("diskfull")
    os.makedirs(mnt)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", mnt],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print(f"skip: cannot mount a tmpfs for the disk-full test ({r.stderr.strip()})",
              file=sys.stderr)
        sys.exit(77)
    srv = None
    try:
        data = os.path.join(mnt, "data")
        srv = Server(data, workers=0, log=mnt + ".log")
        t = signup(srv, "full@example.org")
        st, _, b = req(srv, "POST", "/athletes", {"name": "F"}, t)
        ath = b["id"]
        # fill the disk to ~1 MiB free, then send the 1.9 MB sample
        st_ = os.statvfs(mnt)
        free = st_.f_bavail * st_.f_frsize
        with open(os.path.join(mnt, "filler"), "wb") as f:
            f.write(b"\0" * max(0, free - (1 << 20)))
        st, _, b = upload(srv, t, ath, open(SAMPLE, "rb").read())
        check(st == 507 and "disk" in b["error"], f"disk full: {st} {b}")
        check(tmp_files(data) == [] and blob_files(data) == [],
              f"nothing half-stored: {tmp_files(data)} {blob_files(data)}")
        os.unlink(os.path.join(mnt, "filler"))
        st, _, b = upload(srv, t, ath, open(SAMPLE, "rb").read())
        check(st == 202, f"after space is freed the upload works: {st} {b}")
    finally:
        if srv:
            srv.stop()
        r = subprocess.run(["umount", mnt], capture_output=True, text=True)
        check(r.returncode == 0, f"umount {mnt}: {r.stderr.strip()}")


def held_download(srv, token, path):
    """A GET whose client reads the answer's headers and stops reading (a small receive window),
    so the server is left sending. Returns (socket, status, headers text)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(60)
    s.connect(("127.0.0.1", srv.port))
    s.sendall(f"GET /api/v1{path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              f"Authorization: Bearer {token}\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        got = s.recv(1024)
        if not got:
            break
        head += got
    text = head.split(b"\r\n\r\n")[0].decode("latin-1")
    m = re.match(r"HTTP/1\.1 (\d+)", text)
    return s, int(m.group(1)) if m else 0, text


def server_tmp_fds(srv):
    """The server's open descriptors on files of DIR/tmp (an unlinked archive is one)."""
    out = []
    d = f"/proc/{srv.p.pid}/fd"
    for fd in os.listdir(d):
        try:
            target = os.readlink(os.path.join(d, fd))
        except OSError:
            continue
        if os.path.join(srv.data, "tmp") in target:
            out.append(target)
    return out


def page_get(srv, path, cookies, body=None):
    """A browser page (not /api/): (status, headers, text); cookies (a dict) is updated."""
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
    h = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
    if body is not None:
        from urllib.parse import urlencode
        body = urlencode(body)
        h["Content-Type"] = "application/x-www-form-urlencoded"
    c.request("POST" if body is not None else "GET", path, body=body, headers=h)
    r = c.getresponse()
    text = r.read().decode("utf-8", "replace")
    for k, v in r.getheaders():
        if k.lower() == "set-cookie":
            name, val = v.split(";", 1)[0].split("=", 1)
            cookies[name] = val
    c.close()
    return r.status, r, text


def page_sign_in(srv, email):
    cookies = {}
    st, _, html = page_get(srv, "/signin", cookies)
    m = re.search(r'name="csrf" value="([A-Za-z0-9_-]{43})"', html)
    st, _, _ = page_get(srv, "/signin", cookies, {"csrf": m.group(1) if m else "", "email": email,
                                                  "password": "correct horse battery"})
    check(st == 303, f"page sign-in: {st}")
    return cookies


def part_exports():
    data = fresh("exports")
    srv = Server(data, "--max-exports", "3", "--max-exports-per-account", "2", workers=0)
    try:
        small = open(os.path.join(SRC, "datasets", "run_side_overground_01.mp4"), "rb").read()
        ta, tb = signup(srv, "exp-a@example.org"), signup(srv, "exp-b@example.org")
        ids = {}
        for t in (ta, tb):
            st, _, b = req(srv, "POST", "/athletes", {"name": "E"}, t)
            ath = b["id"]
            st, _, u = upload(srv, t, ath, small, view="side-right")
            check(st == 202, f"upload: {st} {u}")
            # a 12 MiB result (random: stored, not deflated) makes each zip outrun the socket
            # buffers, so a client that stops reading holds its export open
            sdir = os.path.join(data, "sessions", u["session"])  # a worker would make it
            os.makedirs(sdir, exist_ok=True)
            with open(os.path.join(sdir, "overlay.mp4"), "wb") as f:
                f.write(os.urandom(12 << 20))
            ids[t] = (ath, u["session"])
        a_exp = f"/athletes/{ids[ta][0]}/export"
        held = []
        for t, path in ((ta, a_exp), (ta, f"/sessions/{ids[ta][1]}/zip"), (tb, f"/athletes/{ids[tb][0]}/export")):
            s, st, head = held_download(srv, t, path)
            check(st == 200 and "application/zip" in head, f"held export {path}: {st} {head!r}")
            held.append(s)
        # the account's third: 429; the other account's second, the service's fourth: 503
        st, h, b = req(srv, "GET", a_exp, token=ta)
        check(st == 429 and h.get("Retry-After") == "30" and "at most 2 at a time" in (b or {}).get("error", ""),
              f"a third export of one account: {st} {h.get('Retry-After')} {b}")
        st, h, b = req(srv, "GET", f"/athletes/{ids[tb][0]}/export", token=tb)
        check(st == 503 and h.get("Retry-After") == "30" and "at most 3 at a time" in (b or {}).get("error", ""),
              f"a fourth export of the service: {st} {h.get('Retry-After')} {b}")
        st, _, b = req(srv, "GET", "/health")
        check(st == 200, f"the service answers while exports are held: {st}")
        # the athlete page's link refused: a page that says so and leads back, no JSON
        cookies = page_sign_in(srv, "exp-a@example.org")
        st, h, html = page_get(srv, a_exp.replace("/export", "") + "/export", cookies)
        check(st == 429 and h.getheader("Retry-After") == "30" and "text/html" in
              h.getheader("Content-Type", "") and "Download not possible now" in html and
              f'href="/athletes/{ids[ta][0]}"' in html and '{"error"' not in html,
              f"the page's export refused: {st} {html[-400:]!r}")
        # a refused export is no opening of the athlete's data: not in the access log
        st, _, b = req(srv, "GET", "/access", token=ta)
        n_exports = sum(1 for x in (b or {}).get("entries", []) if x.get("what") == "athlete export")
        check(st == 200 and n_exports == 1, f"access log: one athlete export of A: {st} {n_exports}")
        # the client of A's first goes away mid-download: its slot is free, A's next is whole
        held[0].close()
        held = held[1:]
        t0, st = time.time(), 0
        while time.time() - t0 < 20:
            st, _, z = req(srv, "GET", a_exp, token=ta, raw=True)
            if st != 429:
                break
            time.sleep(0.2)
        ok = st == 200
        if ok:
            zf = zipfile.ZipFile(io.BytesIO(z))
            big = [i for i in zf.infolist() if i.filename.endswith("/overlay.mp4")]
            ok = zf.testzip() is None and len(big) == 1 and big[0].file_size == 12 << 20
        check(ok, f"after a client left mid-download, a new export is whole: {st} "
                  f"({time.time() - t0:.1f} s)")
        for s in held:
            s.close()
        t0 = time.time()
        while time.time() - t0 < 20 and (tmp_files(data) or server_tmp_fds(srv)):
            time.sleep(0.2)
        check(tmp_files(data) == [] and server_tmp_fds(srv) == [],
              f"nothing left in tmp/ nor held open: {tmp_files(data)} {server_tmp_fds(srv)}")
        # every slot back: three at once again
        for t, path in ((ta, a_exp), (ta, a_exp), (tb, f"/athletes/{ids[tb][0]}/export")):
            s, st, _ = held_download(srv, t, path)
            check(st == 200, f"all slots free again: {path} {st}")
            held.append(s)
        for s in held:
            s.close()
    finally:
        rc = srv.stop()
    check(rc == 0, f"serve exits 0: {rc}")
    # a disk floor above the free space: 507 with a message, nothing written
    srv = Server(data, "--export-min-free-mb", "1048576", workers=0)
    try:
        st, _, b = req(srv, "POST", "/tokens", {"email": "exp-a@example.org",
                                                "password": "correct horse battery"})
        ta = (b or {}).get("token")
        st, h, b = req(srv, "GET", f"/athletes/{ids[list(ids)[0]][0]}/export", token=ta)
        check(st == 507 and "disk" in (b or {}).get("error", ""), f"export over the disk floor: {st} {b}")
        cookies = page_sign_in(srv, "exp-a@example.org")
        st, h, html = page_get(srv, f"/athletes/{ids[list(ids)[0]][0]}/export", cookies)
        check(st == 507 and "Download not possible now" in html and "disk is too full" in html
              and h.getheader("Retry-After") is None, f"the page's export over the floor: {st}")
        check(tmp_files(data) == [], f"nothing written: {tmp_files(data)}")
    finally:
        rc = srv.stop()
    check(rc == 0, f"serve exits 0: {rc}")


def part_accesslog():
    data = fresh("accesslog")

    def entries(srv, t):
        st, _, b = req(srv, "GET", "/access", token=t)
        return [(x["what"], x["address"]) for x in (b or {}).get("entries", [])] if st == 200 else None

    srv = Server(data, workers=0)
    try:
        t = signup(srv, "log@example.org")
        st, _, b = req(srv, "POST", "/athletes", {"name": "L"}, t)
        ath = b["id"]
        # no --trusted-proxy: the header is anyone's to send, the TCP peer is named
        req(srv, "GET", f"/athletes/{ath}", token=t, headers={"X-Forwarded-For": "203.0.113.9"})
        check(entries(srv, t) == [("api athlete", "127.0.0.1")], f"the TCP peer: {entries(srv, t)}")
    finally:
        srv.stop()
    # kept while younger than D days (a round judged 31 days later, D = 32), whatever the rounds
    srv = Server(data, "--access-log-days", "32", "--retention-every", "1",
                 "--retention-as-if-days-later", "31", workers=0)
    try:
        t = req(srv, "POST", "/tokens", {"email": "log@example.org",
                                         "password": "correct horse battery"})[2]["token"]
        time.sleep(3.5)  # the first round after 1 s, then every second
        check(len(entries(srv, t)) == 1, f"younger than D days: kept ({entries(srv, t)})")
    finally:
        srv.stop()
    srv = Server(data, "--access-log-days", "30", "--retention-every", "1",
                 "--retention-as-if-days-later", "31", workers=0)
    try:
        t = req(srv, "POST", "/tokens", {"email": "log@example.org",
                                         "password": "correct horse battery"})[2]["token"]
        t0 = time.time()
        while time.time() - t0 < 15 and entries(srv, t):
            time.sleep(0.3)
        check(entries(srv, t) == [], f"older than D days: deleted ({entries(srv, t)})")
    finally:
        srv.stop()
    srv = Server(data, "--trusted-proxy", "127.0.0.1", workers=0)
    try:
        t = req(srv, "POST", "/tokens", {"email": "log@example.org",
                                         "password": "correct horse battery"})[2]["token"]
        # from the trusted proxy: the last X-Forwarded-For, if it is an address
        for xff, want in (("203.0.113.9, 198.51.100.7", "198.51.100.7"),
                          ("2001:db8::1", "2001:db8::1"), ("198.51.100.7, evil", "127.0.0.1"),
                          ("", "127.0.0.1"), ("1.2.3.4 5.6.7.8", "127.0.0.1")):
            h = {"X-Forwarded-For": xff} if xff else {}
            req(srv, "GET", f"/athletes/{ath}", token=t, headers=h)
            got = entries(srv, t)
            check(got and got[0] == ("api athlete", want), f"X-Forwarded-For {xff!r}: {got[:1]} (want {want})")
    finally:
        srv.stop()
    # not an address: refused at start
    p = subprocess.run([BIN, "serve", "--data", data, "--listen", "127.0.0.1:0", "--workers", "0",
                        "--trusted-proxy", "proxy.local"], capture_output=True, text=True, timeout=60)
    check(p.returncode != 0 and "not an IP address" in p.stderr, f"a bad --trusted-proxy: {p.returncode} {p.stderr!r}")


def part_compare():
    video = open(SAMPLE, "rb").read()
    srv = Server(fresh("compare"), "--model", "lite", "--retention-every", "1",
                 "--retention-as-if-days-later", "2", workers=1)
    try:
        ta = signup(srv, "ann@example.org")
        st, _, b = req(srv, "POST", "/athletes", {"name": "Ann"}, ta)
        ath = b["id"]
        st, _, b = req(srv, "POST", "/athletes", {"name": "Other"}, ta)
        ath2 = b["id"]
        st, _, u1 = upload(srv, ta, ath, video, start=1, end=5, view="side-left",
                           date="2026-11-01")
        st, _, u2 = upload(srv, ta, ath, video, start=5, end=9, view="side-left",
                           date="2026-12-01")
        st, _, u3 = upload(srv, ta, ath2, video, start=1, end=5)
        st, _, ubad = upload(srv, ta, ath, os.urandom(40000), date="2026-12-02")
        # a first run that fails in the gait stage (0.4 s: the track is too short): its folder
        # holds the partial outputs, an analysis.json with "status": "failed"
        st, _, ufail = upload(srv, ta, ath, video, start=1, end=1.4, date="2026-12-03")
        for u in (u1, u2, u3, ubad, ufail):
            wait_job(srv, ta, u["job"])
        # a first run that failed has no results through the API: only its job's error
        st, _, s = req(srv, "GET", f"/sessions/{ufail['session']}", token=ta)
        check(st == 200 and s["job"]["status"] == "failed" and s["job"].get("error") and
              not {"analysis", "analysis_options", "rerun"} & set(s),
              f"a failed first run: its error, no results: {sorted(s)} {s['job']}")
        st, _, b = req(srv, "GET", f"/athletes/{ath}/sessions", token=ta)
        lf = next((x for x in b.get("sessions", []) if x["id"] == ufail["session"]), {})
        check(lf.get("status") == "failed" and "rerun" not in lf,
              f"a failed first run lists as failed, no rerun: {lf}")
        s1, s2 = u1["session"], u2["session"]
        for u in (u1, u2):
            st, _, b = req(srv, "GET", f"/jobs/{u['job']}", token=ta)
            check(b["status"] == "done" and b["kind"] == "analysis", f"analysis job: {b}")

        # refusals
        for body, want, what in (
                ({"before": s1, "after": s1}, 400, "the same session twice"),
                ({"before": s1, "after": u3["session"]}, 400, "another athlete's session"),
                ({"before": s1, "after": ubad["session"]}, 400, "a session without analysis"),
                ({"before": s1}, 400, "no after"),
                ({"before": s1, "after": s2, "force": "yes"}, 400, "force not a bool"),
                ({"before": s1, "after": s2, "x": 1}, 400, "unknown key"),
                ({"before": "A" * 22, "after": s2}, 404, "unknown session")):
            st, _, b = req(srv, "POST", f"/athletes/{ath}/comparisons", body, ta)
            check(st == want and "error" in (b or {}), f"comparison with {what}: {st} {b}")
        # a failed first run cannot be compared: one clear reason, nothing recorded or queued
        st, _, an = req(srv, "GET", f"/sessions/{ufail['session']}/files/analysis.json", token=ta)
        check(st == 200 and an.get("status") == "failed",
              f"the failed first run's partial analysis.json: {st} {an.get('status')}")
        for body, which in (({"before": s1, "after": ufail["session"]}, "after"),
                            ({"before": ufail["session"], "after": s2}, "before")):
            st, _, b = req(srv, "POST", f"/athletes/{ath}/comparisons", body, ta)
            check(st == 400 and b == {"error": f"the {which} session cannot be compared: its "
                                               "analysis failed, its results are incomplete "
                                               "(re-run it first)"},
                  f"comparison with a failed first run as {which}: {st} {b}")
        st, _, b = req(srv, "POST", f"/athletes/{ath}/comparisons",
                       {"before": s1, "after": ubad["session"]}, ta)
        check(st == 400 and b == {"error": "the after session cannot be compared: it has no "
                                           "finished analysis yet"},
              f"comparison with a session without analysis.json: {st} {b}")
        st, _, b = req(srv, "GET", f"/athletes/{ath}/comparisons", token=ta)
        check(st == 200 and b["comparisons"] == [], f"no comparison recorded: {st} {b}")
        st, _, _ = req(srv, "DELETE", f"/sessions/{ufail['session']}", token=ta)
        check(st == 204, f"the failed first run deleted: {st}")
        # the comparison, by a worker
        st, _, c = req(srv, "POST", f"/athletes/{ath}/comparisons", {"before": s1, "after": s2}, ta)
        check(st == 201 and c["before"] == s1 and c["after"] == s2 and c["status"] == "queued",
              f"comparison: {st} {c}")
        cid = c["id"]
        job = wait_job(srv, ta, c["job"])
        check(job["status"] == "done" and job["kind"] == "compare" and job["comparison"] == cid,
              f"compare job: {job}")
        st, _, c = req(srv, "GET", f"/comparisons/{cid}", token=ta)
        check(st == 200 and c["status"] == "done" and
              sorted(c["files"]) == ["comparison.html", "comparison.json", "side_by_side.mp4"],
              f"comparison done with its files: {st} {str(c)[:300]}")
        cj = c.get("comparison", {})
        check(cj.get("format") == "gaitscope.comparison/1" and "summary" in cj
              and cj["before"]["path"] == "before 2026-11-01"
              and cj["after"]["path"] == "after 2026-12-01",
              f"comparison.json: {str(cj)[:300]}")
        check(srv.data not in json.dumps(cj), "no server path in comparison.json")
        # 4 s halves of the 30 fps sample: fewer than 7 strides a side, so no row is tested
        # and nothing is "cannot tell"; the keys are there all the same
        check("cannot_tell" in cj.get("summary", {}) and "frame_rate_limit" in cj and
              (cj["frame_rate_limit"] is None) == (cj["summary"]["cannot_tell"] == 0),
              f"comparison.json's frame-rate keys: {cj.get('summary')} "
              f"{str(cj.get('frame_rate_limit'))[:200]}")
        st, h, html = req(srv, "GET", f"/comparisons/{cid}/files/comparison.html", token=ta,
                          raw=True)
        check(st == 200 and b"<html" in html[:500].lower() and
              (h.get("Content-Security-Policy") or "").startswith("sandbox"),
              f"comparison.html: {st} {h.get('Content-Security-Policy')}")
        st, h, part = req(srv, "GET", f"/comparisons/{cid}/files/side_by_side.mp4", token=ta,
                          headers={"Range": "bytes=4-11"}, raw=True)
        check(st == 206 and part[:4] == b"ftyp",
              f"side_by_side.mp4 Range: {st} {part[:8]}")
        st, _, b = req(srv, "GET", f"/comparisons/{cid}/files/gaitscope.db", token=ta)
        check(st == 404, f"a name outside the comparison's files: {st} {b}")
        st, _, b = req(srv, "GET", f"/athletes/{ath}/comparisons", token=ta)
        check(st == 200 and [x["id"] for x in b["comparisons"]] == [cid],
              f"athlete's comparisons: {st} {b}")

        # the session's zip
        st, h, z = req(srv, "GET", f"/sessions/{s1}/zip", token=ta, raw=True)
        check(st == 200 and h.get("Content-Type") == "application/zip" and
              "attachment" in (h.get("Content-Disposition") or ""), f"session zip: {st} {h}")
        names = set(zipfile.ZipFile(io.BytesIO(z)).namelist()) if st == 200 else set()
        want = {f"session-2026-11-01/{n}" for n in (
            "analysis.json", "report.html", "overlay.mp4", "angles.csv", "events.csv",
            "metrics.csv", "pose.trc", "pose.json", "keyframes/left_IC.png",
            "keyframes/right_TO.png")}
        check(want <= names, f"session zip lists {sorted(want - names)} missing; has {sorted(names)}")
        if st == 200:
            zf = zipfile.ZipFile(io.BytesIO(z))
            check(zf.testzip() is None, "session zip CRCs")
            a = json.loads(zf.read("session-2026-11-01/analysis.json"))
            check(a.get("status") == "done", "analysis.json inside the zip")
            check(zf.getinfo("session-2026-11-01/overlay.mp4").compress_type == zipfile.ZIP_STORED,
                  "the video is stored, not deflated")
        st, _, b = req(srv, "GET", f"/sessions/{ubad['session']}/zip", token=ta)
        check(st == 404 and "no results" in b.get("error", ""), f"zip of a failed session: {st} {b}")
        # the athlete's export
        st, h, z = req(srv, "GET", f"/athletes/{ath}/export", token=ta, raw=True)
        check(st == 200 and h.get("Content-Type") == "application/zip", f"export: {st}")
        names = set(zipfile.ZipFile(io.BytesIO(z)).namelist()) if st == 200 else set()
        want = {"athlete.json", "nkt_records.csv", f"2026-11-01_{s1}/session.json",
                f"2026-11-01_{s1}/analysis.json", f"2026-12-01_{s2}/overlay.mp4",
                f"2026-12-02_{ubad['session']}/session.json",
                f"comparisons/{cid}/comparison.json", f"comparisons/{cid}/comparison.html"}
        check(want <= names, f"export lists {sorted(want - names)} missing")
        if st == 200:
            zf = zipfile.ZipFile(io.BytesIO(z))
            aj = json.loads(zf.read("athlete.json"))
            check(aj["name"] == "Ann" and len(aj["sessions"]) == 3, f"athlete.json: {aj}")
            sj = json.loads(zf.read(f"2026-12-02_{ubad['session']}/session.json"))
            check(sj["status"] == "failed" and sj.get("error"), f"failed session.json: {sj}")
        check(tmp_files(srv.data) == [], f"no zip left in tmp: {tmp_files(srv.data)}")

        # re-run with a changed height: the earlier results stay until the new ones are there
        st, _, b = req(srv, "POST", f"/sessions/{s1}/rerun", {"height": 3}, ta)
        check(st == 400 and "height" in b["error"], f"re-run height 3: {st} {b}")
        st, _, b = req(srv, "POST", f"/sessions/{s1}/rerun", {"speed": 3}, ta)
        check(st == 400 and "speed" in b["error"], f"re-run unknown option: {st} {b}")
        st, _, rr = req(srv, "POST", f"/sessions/{s1}/rerun", {"height": 1.93}, ta)
        check(st == 202 and rr["session"] == s1 and rr["job"] != u1["job"], f"re-run: {st} {rr}")
        st, _, a = req(srv, "GET", f"/sessions/{s1}/files/analysis.json", token=ta)
        check(st == 200 and a["scale"]["height_m"] is None,
              f"the earlier analysis while the re-run waits: {st}")
        # the session resource carries the results on screen and, apart, the pending re-run
        st, _, s = req(srv, "GET", f"/sessions/{s1}", token=ta)
        if s["job"]["status"] in ("queued", "running"):
            an, ao, rn = s.get("analysis") or {}, s.get("analysis_options") or {}, s.get("rerun")
            check(an.get("status") == "done" and an["scale"]["height_m"] is None and
                  "height" not in ao and ao.get("view") == "side-left" and ao.get("end") == 5 and
                  s["options"].get("height") == 1.93 and rn and rn["job"] == rr["job"] and
                  rn["status"] == s["job"]["status"] and rn["options"].get("height") == 1.93 and
                  "error" not in rn,
                  f"during a re-run the API keeps the earlier results with their options, the "
                  f"re-run apart: {an.get('status')} {ao} {rn}")
        else:  # the re-run already done: its results, no re-run pending
            check(s["job"]["status"] == "done" and "rerun" not in s and
                  s["analysis"]["scale"]["height_m"] == 1.93, f"re-run done at once: {s['job']}")
        job = wait_job(srv, ta, rr["job"])
        check(job["status"] == "done", f"re-run done: {job}")
        st, _, s = req(srv, "GET", f"/sessions/{s1}", token=ta)
        check(s["options"].get("height") == 1.93 and s["options"].get("view") == "side-left"
              and s["options"].get("start") == 1 and s["job"]["id"] == rr["job"],
              f"options merged: {s['options']}")
        check(s["analysis"]["scale"]["height_m"] == 1.93 and
              s["analysis"]["scale"]["source"] == "height",
              f"the new height reached the worker: {s['analysis']['scale']}")
        # the comparison of s1 was computed again by a new compare job queued as the re-run
        # ended (its earlier results described an analysis that no longer exists)
        st, _, c2 = req(srv, "GET", f"/comparisons/{cid}", token=ta)
        check(st == 200 and c2["job"] != c["job"], f"a new compare job after the re-run: {c2}")
        cjob = wait_job(srv, ta, c2["job"])
        check(cjob["kind"] == "compare" and cjob["comparison"] == cid and
              cjob["status"] == "done" and cjob["created"] >= job["finished"],
              f"the comparison computed again after the re-run: {cjob} (re-run {job})")
        st, _, b = req(srv, "GET", f"/jobs/{c['job']}", token=ta)
        check(b["status"] == "done", f"the first compare job's record stays: {b}")
        st, _, rr2 = req(srv, "POST", f"/sessions/{s1}/rerun", {"view": "side-right",
                                                                 "height": None}, ta)
        job = wait_job(srv, ta, rr2["job"])
        st, _, s = req(srv, "GET", f"/sessions/{s1}", token=ta)
        check(s["analysis"]["view"]["kind"] == "side-right" and "height" not in s["options"],
              f"view changed, height removed: {s['analysis']['view']} {s['options']}")
        # now the views differ: computed again, the comparison fails (no force), and its old
        # files (side-left before) are withheld: not listed, not served, not exported
        st, _, c3 = req(srv, "GET", f"/comparisons/{cid}", token=ta)
        check(c3["job"] != c2["job"], f"another compare job after the second re-run: {c3}")
        cjob = wait_job(srv, ta, c3["job"])
        st, _, c3 = req(srv, "GET", f"/comparisons/{cid}", token=ta)
        check(cjob["status"] == "failed" and "view" in cjob.get("error", "") and
              c3["status"] == "failed" and c3["files"] == [] and "comparison" not in c3,
              f"the comparison after the view changed: {cjob} {c3}")
        check(os.path.exists(os.path.join(srv.data, "comparisons", cid, "comparison.json")),
              "the earlier comparison.json is still in the folder (so the 404s below mean it)")
        for name in ("comparison.json", "comparison.html", "side_by_side.mp4"):
            st, _, b = req(srv, "GET", f"/comparisons/{cid}/files/{name}", token=ta)
            check(st == 404 and "computed" in b.get("error", ""),
                  f"{name} of a comparison whose job failed after a re-run: {st} {b}")
        st, _, z = req(srv, "GET", f"/athletes/{ath}/export", token=ta, raw=True)
        names = set(zipfile.ZipFile(io.BytesIO(z)).namelist()) if st == 200 else {"?"}
        check(not any(n.startswith("comparisons/") for n in names),
              f"the export leaves out the withdrawn comparison: {sorted(names)[:8]}")
        # back to side-left: computed again, done
        st, _, rr3 = req(srv, "POST", f"/sessions/{s1}/rerun", {"view": "side-left"}, ta)
        job = wait_job(srv, ta, rr3["job"])
        check(job["status"] == "done", f"third re-run: {job}")
        st, _, c4 = req(srv, "GET", f"/comparisons/{cid}", token=ta)
        cjob = wait_job(srv, ta, c4["job"])
        check(c4["job"] != c3["job"] and cjob["status"] == "done",
              f"the comparison after the view is back: {cjob}")

        # --- re-run with an edited events file and a leg swap (gaitscope analyze --events,
        # --swap-legs): the coach deletes one contact from the session's events.csv ---
        st, _, ev = req(srv, "GET", f"/sessions/{s1}/files/events.csv", token=ta, raw=True)
        lines = ev.decode().splitlines()
        check(st == 200 and lines[0].startswith("side,type,t_s") and len(lines) > 8,
              f"the session's events.csv: {st} {lines[:3]}")
        ic = [i for i, l in enumerate(lines) if l.startswith("left,IC,")]
        edited_lines = [l for i, l in enumerate(lines) if i != ic[len(ic) // 2]]
        edited = ("\n".join(edited_lines) + "\n").encode()
        events_path = os.path.join(srv.data, "sessions", f"{s1}.events.csv")
        for body, extra, want, what in (
                (b"", {}, 400, "empty"),
                (b"side,type,t_s\n".ljust((1 << 20) + 1, b"\n"), {}, 413, "1 MiB + 1 byte"),
                (b"side,type\0,t_s\n", {}, 400, "a NUL byte"),
                (edited, {"swap_legs": "3-2"}, 400, "swap_legs backwards"),
                (edited, {"swap_legs": "1-2,"}, 400, "swap_legs trailing comma"),
                (edited, {"height": "9"}, 400, "a bad option beside the file")):
            st, _, b = rerun_events(srv, ta, s1, body, **extra)
            check(st == want and "error" in (b or {}), f"re-run with events {what}: {st} {b}")
        st, b = headers_only(srv, "POST", f"/sessions/{s1}/rerun", ta,
                             "multipart/form-data; boundary=x", 3 << 20)
        check(st == 413 and "error" in (b or {}), f"a 3 MiB re-run form, from its headers: {st} {b}")
        check(not os.path.exists(events_path), "no events file kept from the refused re-runs")
        st, _, b = req(srv, "POST", f"/sessions/{s1}/rerun", {"events": "x" * 64}, ta)
        check(st == 400 and "events" in b.get("error", ""), f"JSON events text: {st} {b}")
        st, _, rr4 = rerun_events(srv, ta, s1, edited, swap_legs="1.5-2")
        check(st == 202, f"re-run with an edited events file: {st} {rr4}")
        st, _, s = req(srv, "GET", f"/sessions/{s1}", token=ta)
        check(s["options"].get("events") == hashlib.sha256(edited).hexdigest() and
              s["options"].get("swap_legs") == "1.5-2" and s["options"].get("view") == "side-left",
              f"the options name the events file by its hash: {s['options']}")
        check(open(events_path, "rb").read() == edited, "the events file is stored with the session")
        job = wait_job(srv, ta, rr4["job"])
        check(job["status"] == "done", f"the edited re-run: {job}")
        st, _, s = req(srv, "GET", f"/sessions/{s1}", token=ta)
        notes = " | ".join(s["analysis"].get("notes", []))
        check("events edited by hand" in notes and "legs swapped by hand" in notes,
              f"analysis.json says the events were edited and legs swapped: {notes}")
        check(len(s["analysis"]["events"]) == len(edited_lines) - 1,
              f"the analysis used the edited events: {len(s['analysis']['events'])} "
              f"vs {len(edited_lines) - 1} rows")
        st, _, rep = req(srv, "GET", f"/sessions/{s1}/files/report.html", token=ta, raw=True)
        check(b"edited by hand" in rep, "report.html says the events were edited by hand")
        st, _, an_raw = req(srv, "GET", f"/sessions/{s1}/files/analysis.json", token=ta, raw=True)
        check(st == 200 and srv.data.encode() not in an_raw and srv.data.encode() not in rep,
              "analysis.json and report.html do not show where the server stores files")
        st, _, c5 = req(srv, "GET", f"/comparisons/{cid}", token=ta)
        wait_job(srv, ta, c5["job"])
        # a re-run without a new file keeps the edited events
        st, _, rr5 = req(srv, "POST", f"/sessions/{s1}/rerun", {"height": 1.9}, ta)
        job = wait_job(srv, ta, rr5["job"])
        st, _, s = req(srv, "GET", f"/sessions/{s1}", token=ta)
        check(job["status"] == "done" and s["options"].get("events") and
              "events edited by hand" in " ".join(s["analysis"].get("notes", [])),
              f"a later re-run keeps the edited events: {job} {s['options']}")
        st, _, c5 = req(srv, "GET", f"/comparisons/{cid}", token=ta)
        wait_job(srv, ta, c5["job"])
        # a file the gait reader refuses: the job fails naming the line, no server path, and
        # the session keeps its earlier (edited) results
        bad = edited_lines[:3] + ["left,XX,1.0"] + edited_lines[3:]
        st, _, rr6 = rerun_events(srv, ta, s1, ("\n".join(bad) + "\n").encode())
        job = wait_job(srv, ta, rr6["job"])
        err = job.get("error", "")
        check(job["status"] == "failed" and "the edited events file:4:" in err and
              srv.data not in err and "left|right,IC|TO" in err,
              f"a bad events row fails the job with the reader's error: {job}")
        st, _, an = req(srv, "GET", f"/sessions/{s1}/files/analysis.json", token=ta)
        check(st == 200 and "events edited by hand" in " ".join(an.get("notes", [])) and
              an["scale"]["height_m"] == 1.9, "the failed re-run left the earlier results")
        # ... and the session resource shows them (with the options they were computed with)
        # and, apart, the failed re-run: its job, status, options (the bad file's hash), error
        st, _, s = req(srv, "GET", f"/sessions/{s1}", token=ta)
        an, ao, rn = s.get("analysis") or {}, s.get("analysis_options") or {}, s.get("rerun") or {}
        bad_sha = hashlib.sha256(("\n".join(bad) + "\n").encode()).hexdigest()
        check(st == 200 and an.get("status") == "done" and an["scale"]["height_m"] == 1.9 and
              "events edited by hand" in " ".join(an.get("notes", [])) and
              ao.get("height") == 1.9 and ao.get("events") == hashlib.sha256(edited).hexdigest(),
              f"a failed re-run: the API keeps the earlier results and their options: "
              f"{an.get('status')} {ao}")
        check(s["job"]["id"] == rr6["job"] and s["job"]["status"] == "failed" and
              rn.get("job") == rr6["job"] and rn.get("status") == "failed" and
              "the edited events file:4:" in rn.get("error", "") and
              rn.get("options", {}).get("events") == bad_sha and s["options"] == rn["options"],
              f"a failed re-run: its state apart from the results: {rn}")
        # the athlete's session list says the same: s1 done (the results on screen), the
        # failed re-run apart; a done session has no rerun; a failed first run stays failed
        st, _, b = req(srv, "GET", f"/athletes/{ath}/sessions", token=ta)
        ls = {x["id"]: x for x in b.get("sessions", [])}
        l1, lrn = ls.get(s1, {}), ls.get(s1, {}).get("rerun") or {}
        check(st == 200 and l1.get("status") == "done" and l1.get("job") == rr6["job"] and
              lrn.get("job") == rr6["job"] and lrn.get("status") == "failed" and
              lrn.get("error") == rn.get("error") and lrn.get("options") == rn.get("options"),
              f"a failed re-run: the session list shows the results done, the re-run failed: "
              f"{l1}")
        check(ls.get(s2, {}).get("status") == "done" and "rerun" not in ls.get(s2, {}),
              f"the session list: a done session has no rerun: {ls.get(s2)}")
        # ... and so does the athlete's export: s1's session.json is done with the results'
        # options and the failed re-run apart (rerun as GET /sessions/{id} gives it), and its
        # folder holds exactly the results on screen: the files that resource lists, the
        # earlier analysis.json byte for byte, nothing of the failed run
        st, _, z = req(srv, "GET", f"/athletes/{ath}/export", token=ta, raw=True)
        zf = zipfile.ZipFile(io.BytesIO(z)) if st == 200 else None
        pre = f"2026-11-01_{s1}/"
        sj = json.loads(zf.read(pre + "session.json")) if zf else {}
        check(st == 200 and sj.get("status") == "done" and "error" not in sj and
              sj.get("rerun") == rn and sj.get("analysis_options") == ao and
              sj.get("options") == s["options"],
              f"a failed re-run exports as done, the re-run apart: {st} {sj}")
        held = {n[len(pre):] for n in (zf.namelist() if zf else []) if n.startswith(pre)}
        st, _, anb = req(srv, "GET", f"/sessions/{s1}/files/analysis.json", token=ta, raw=True)
        check(held - {"session.json", "nkt.json"} == set(s["files"]) and
              zf.read(pre + "analysis.json") == anb and
              json.loads(anb)["scale"]["height_m"] == 1.9,
              f"a failed re-run: the export holds the results on screen: {sorted(held)} "
              f"against {sorted(s['files'])}")
        # another account cannot export it
        tb = signup(srv, "bob@example.org")
        st, _, b = req(srv, "GET", f"/athletes/{ath}/export", token=tb)
        check(st == 404 and "error" in (b or {}), f"B exports A's athlete: {st} {b}")
        # a share of it shows the earlier findings, as the share page does, and nothing more
        st, _, sh = req(srv, "POST", f"/sessions/{s1}/shares", {"days": 1}, ta)
        st, _, shs = req(srv, "GET", f"/shared/{sh.get('token', 'none')}")
        check(st == 200 and isinstance(shs.get("findings"), list) and
              not {"analysis", "analysis_options", "rerun", "options"} & set(shs) and
              "error" not in shs.get("job", {}),
              f"a failed re-run: the shared JSON lists the earlier findings only: {shs}")
        # events detected again: {"events": null}; the file goes
        st, _, rr7 = req(srv, "POST", f"/sessions/{s1}/rerun",
                         {"events": None, "swap_legs": None}, ta)
        check(st == 202 and not os.path.exists(events_path),
              f"events null: 202 and the events file removed: {st} {rr7}")
        job = wait_job(srv, ta, rr7["job"])
        st, _, s = req(srv, "GET", f"/sessions/{s1}", token=ta)
        check(job["status"] == "done" and "events" not in s["options"] and
              "by hand" not in " ".join(s["analysis"].get("notes", [])),
              f"the events detected again: {job} {s['options']}")
        st, _, c5 = req(srv, "GET", f"/comparisons/{cid}", token=ta)
        wait_job(srv, ta, c5["job"])
        # a cancelled re-run (its options those of the results): the results stay, it is apart
        st, _, rr8 = req(srv, "POST", f"/sessions/{s1}/rerun", {"height": 1.9}, ta)
        req(srv, "DELETE", f"/jobs/{rr8['job']}", token=ta)
        job = wait_job(srv, ta, rr8["job"])
        st, _, s = req(srv, "GET", f"/sessions/{s1}", token=ta)
        rn = s.get("rerun") or {}
        check(job["status"] == "cancelled" and (s.get("analysis") or {}).get("status") == "done"
              and s.get("analysis_options") == s["options"] and rn.get("job") == rr8["job"] and
              rn.get("status") == "cancelled" and rn.get("options") == s["options"],
              f"a cancelled re-run: the results stay, the re-run apart: {job['status']} {rn}")
        st, _, b = req(srv, "GET", f"/athletes/{ath}/sessions", token=ta)
        l1 = next((x for x in b.get("sessions", []) if x["id"] == s1), {})
        check(l1.get("status") == "done" and (l1.get("rerun") or {}).get("status") == "cancelled"
              and l1["rerun"].get("job") == rr8["job"],
              f"a cancelled re-run in the session list: {l1}")
        rr3 = rr8
        # the after session gets an edited events file too (s1's events lie outside its times,
        # so that re-run fails; the file is kept all the same), removed with the session below
        st, _, b = rerun_events(srv, ta, s2, edited)
        check(st == 202 and os.path.exists(os.path.join(srv.data, "sessions",
                                                        f"{s2}.events.csv")),
              f"the after session's events file: {st} {b}")
        wait_job(srv, ta, b["job"])
        st, _, c5 = req(srv, "GET", f"/comparisons/{cid}", token=ta)
        wait_job(srv, ta, c5["job"])

        # another account (tb, signed up above): 404 on every new route with A's ids
        st, _, b = req(srv, "POST", "/athletes", {"name": "Bob"}, tb)
        bath = b["id"]
        for m, p, body in (
                ("GET", f"/athletes/{ath}/comparisons", None),
                ("POST", f"/athletes/{ath}/comparisons", {"before": s1, "after": s2}),
                ("POST", f"/athletes/{bath}/comparisons", {"before": s1, "after": s2}),
                ("GET", f"/comparisons/{cid}", None), ("DELETE", f"/comparisons/{cid}", None),
                ("GET", f"/comparisons/{cid}/files/comparison.html", None),
                ("GET", f"/comparisons/{cid}/files/comparison.json", None),
                ("GET", f"/comparisons/{cid}/files/side_by_side.mp4", None),
                ("GET", f"/jobs/{c['job']}", None),
                ("GET", f"/sessions/{s1}/zip", None), ("GET", f"/athletes/{ath}/export", None),
                ("POST", f"/sessions/{s1}/rerun", {"height": 1.8}),
                ("GET", f"/sessions/{s1}", None), ("GET", f"/sessions/{s2}", None),
                ("GET", f"/athletes/{ath}/sessions", None)):
            st, _, b = req(srv, m, p, body, tb)
            check(st == 404 and "error" in (b or {}), f"B {m} {p}: {st} {b}")
        st, _, b = rerun_events(srv, tb, s1, edited)
        check(st == 404 and "error" in (b or {}), f"B's re-run of A's session with events: {st} {b}")
        st, _, c2 = req(srv, "GET", f"/comparisons/{cid}", token=ta)
        check(st == 200 and c2["status"] == "done", "A's comparison intact after B's tries")
        st, _, s = req(srv, "GET", f"/sessions/{s1}", token=ta)
        check(s["job"]["id"] == rr3["job"], "B's re-run did nothing")

        # retention: the videos go, and with them the comparison's side-by-side clip (the
        # athlete's video); the comparison's numbers stay; a re-run has nothing to analyse
        check("side_by_side.mp4" in c2["files"], "the clip before retention")
        st, _, b = req(srv, "POST", "/account/retention", {"days": 1}, ta)
        check(st == 200, f"retention 1 day: {st} {b}")
        deadline = time.time() + 60
        while time.time() < deadline:
            st, _, c3 = req(srv, "GET", f"/comparisons/{cid}", token=ta)
            if st != 200 or "side_by_side.mp4" not in c3.get("files", []):
                break
            time.sleep(0.5)
        check(st == 200 and c3.get("files") == ["comparison.html", "comparison.json"] and
              c3.get("comparison", {}).get("format") == "gaitscope.comparison/1",
              f"after retention: the clip gone, the comparison kept: {st} {c3.get('files')}")
        st, _, b = req(srv, "GET", f"/comparisons/{cid}/files/side_by_side.mp4", token=ta)
        check(st == 404, f"the side-by-side clip after retention: {st}")
        st, _, b = req(srv, "POST", f"/sessions/{s1}/rerun", {"height": 1.8}, ta)
        check(st == 409 and "retention" in b.get("error", ""), f"re-run without a video: {st} {b}")

        # a comparison goes with its session (record and folder)
        check(os.path.isdir(os.path.join(srv.data, "comparisons", cid)), "comparison folder")
        st, _, b = req(srv, "DELETE", f"/sessions/{s2}", token=ta)
        check(st == 204, f"delete the after session: {st}")
        st, _, b = req(srv, "GET", f"/comparisons/{cid}", token=ta)
        check(st == 404, f"its comparison is gone: {st} {b}")
        check(not os.path.exists(os.path.join(srv.data, "comparisons", cid)),
              "comparison folder gone")
        check(not os.path.exists(os.path.join(srv.data, "sessions", f"{s2}.events.csv")),
              "the deleted session's events file is gone")

        # a session without its job record: the store deletes none while its session exists
        # (session and job are written in one transaction; a deleted session's job stays), so
        # only a database edited or restored by hand lacks one. Every view then says what the
        # folder holds: a done analysis is done with no re-run, none (an upload that was no
        # video) is failed; the resource shows no job; no store error
        for u, want in ((u3, "done"), (ubad, "failed")):
            db_exec(srv, f"DELETE FROM jobs WHERE id = '{u['job']}'")
            st, _, s = req(srv, "GET", f"/sessions/{u['session']}", token=ta)
            check(st == 200 and "job" not in s and "rerun" not in s and
                  ("analysis" in s) == (want == "done") and
                  (s.get("analysis") or {"status": "done"})["status"] == "done",
                  f"no job record, {want}: the session resource: {st} {sorted(s or {})}")
            athl = ath2 if u is u3 else ath
            st, _, b = req(srv, "GET", f"/athletes/{athl}/sessions", token=ta)
            lx = next((x for x in b.get("sessions", []) if x["id"] == u["session"]), {})
            check(st == 200 and lx.get("status") == want and "rerun" not in lx,
                  f"no job record, {want}: the session list: {st} {lx}")
            st, _, z = req(srv, "GET", f"/athletes/{athl}/export", token=ta, raw=True)
            zf = zipfile.ZipFile(io.BytesIO(z)) if st == 200 else None
            sjn = [n for n in (zf.namelist() if zf else [])
                   if n.endswith(f"_{u['session']}/session.json")]
            sj = json.loads(zf.read(sjn[0])) if sjn else {}
            check(st == 200 and sj.get("status") == want and "rerun" not in sj and
                  "error" not in sj and ("analysis_options" in sj) == (want == "done"),
                  f"no job record, {want}: the export's session.json: {st} {sj}")
    finally:
        rc = srv.stop()
    check(rc == 0, f"serve exits 0 on SIGTERM: {rc}")


if __name__ == "__main__":
    if not os.path.exists(SAMPLE):
        print(f"skip: {SAMPLE} is missing", file=sys.stderr)
        sys.exit(77)
    if PART in ("api", "restart", "clinic", "compare") and not os.path.exists(os.path.join(MODELS, "pose_detection.tflite")):
        print(f"skip: no models in {MODELS} (scripts/setup.sh fetches them)", file=sys.stderr)
        sys.exit(77)
    {"api": part_api, "clinic": part_clinic, "limits": part_limits, "restart": part_restart,
     "diskfull": part_diskfull, "compare": part_compare, "exports": part_exports,
     "accesslog": part_accesslog}[PART]()
    print(f"serve_api {PART}: {'FAILED' if failures else 'ok'} ({failures} failures)",
          file=sys.stderr)
    sys.exit(1 if failures else 0)
