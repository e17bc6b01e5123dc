#!/usr/bin/env python3
"""gaitscope serve's browser pages over loopback (issue 16), without a browser.

usage: test_serve_pages.py GAITSCOPE SOURCE_DIR SCRATCH

Signs up through the form, adds an athlete, uploads the sample (cut to 3 s) through the upload
form's route, waits on the job page, reads the session page, makes a share link and opens it
without an account, deletes the session. Checks on the way: cookie attributes; CSRF missing or
wrong -> 403 on every form (sign-in and sign-up included, and the upload's header); `<script>`
and quotes in every user field escaped on every page; another account's ids -> 404 on every
page route; the share page never shows the notes or the intake history; the API ignores the
cookie; session files carry CSP sandbox, nosniff and no-referrer; sign-out ends the session.
Then (issue 16 items 5, 7, 9): a re-run of the second session from its form with another view,
height and cut (the options reach the worker's analysis.json), a comparison of the two from the
athlete page's form (its page, sandboxed frame, files, lists on the three pages), the session's
zip and the athlete's export with the NKT record; CSRF and another account's 404 on each.
Then analyses that fail (0.4 s: the track is too short): a re-run over the done session (its
page and share page keep the earlier results and say the new analysis failed) and a first run
(its page says it failed, with no "earlier" analysis and no findings from the partial outputs;
its share page shows nothing); the cancelled session's page says so.
Then the clinic: an invitation through the pages, what a therapist sees and may not do (403),
another clinic's 404s, a reset and a removal ending the therapist's session, the access log,
deleting the athlete (folders gone) and the account (password again).
Every request goes to 127.0.0.1 only; every wait is bounded.
"""
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid

BIN, SRC, SCRATCH = sys.argv[1:4]
SAMPLE = os.path.join(SRC, "datasets", "run_side_treadmill_01.mp4")
MODELS = os.path.join(SRC, "models")
EVIL = "<script>alert(1)</script>\"'&x"
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print(f"FAIL: {what}", file=sys.stderr)
    return cond


def no_raw(html, what):
    """The page holds the user's text escaped, never raw."""
    check("<script>alert(1)" not in html, f"{what}: raw <script> on the page")
    check("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;x" in html or
          "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#x27;&amp;x" in html,
          f"{what}: the escaped text is not on the page")


class Browser:
    """A cookie jar and requests to one server."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def req(self, method, path, body=None, headers=None, raw=False):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if isinstance(body, dict):
            from urllib.parse import urlencode
            body = urlencode(body)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            c.request(method, path, body=body, headers=h)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused from its headers before the body was read: the answer is there
        r = c.getresponse()
        data = r.read()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, val = v.split(";", 1)[0].split("=", 1)
                if "Max-Age=0" in v:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = val
        c.close()
        return r.status, r, (data if raw else data.decode("utf-8", "replace"))

    def csrf(self, path):
        st, _, html = self.req("GET", path)
        m = re.search(r'name="csrf" value="([A-Za-z0-9_-]{43})"', html)
        check(st == 200 and m, f"GET {path}: a form with a csrf field ({st})")
        return m.group(1) if m else ""


def multipart(fields, video_path):
    b = "----gs" + uuid.uuid4().hex
    parts = []
    for k, v in fields.items():
        parts.append(f"--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                     .encode())
    with open(video_path, "rb") as f:
        vid = f.read()
    parts.append(f"--{b}\r\nContent-Disposition: form-data; name=\"video\"; "
                 f"filename=\"clip.mp4\"\r\nContent-Type: video/mp4\r\n\r\n".encode() + vid +
                 b"\r\n")
    parts.append(f"--{b}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={b}"


def multipart_file(fields, field, name, data):
    """multipart/form-data of text fields and one file field (bytes)."""
    b = "----gs" + uuid.uuid4().hex
    parts = [f"--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode()
             for k, v in fields.items()]
    parts.append(f"--{b}\r\nContent-Disposition: form-data; name=\"{field}\"; "
                 f"filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n".encode() + data +
                 b"\r\n")
    parts.append(f"--{b}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={b}"


def signup(port, email):
    br = Browser(port)
    tok = br.csrf("/signup")
    st, r, _ = br.req("POST", "/signup", {"csrf": tok, "email": email,
                                          "password": "correct horse battery"})
    check(st == 303 and r.getheader("Location") == "/athletes", f"sign-up -> 303 /athletes ({st})")
    return br


def clinic(port, data, a, b, athlete, session):
    """Clinic accounts through the pages: an invitation, what a therapist sees and may not do,
    another clinic's 404s, a reset, removal, the access log, deleting the athlete and the
    account. a owns the athlete (its name is EVIL) and session; b owns another account."""
    tok = a.csrf("/account")
    st, _, _ = a.req("POST", "/account/invite", {"email": "t@example.org"})
    check(st == 403, f"invite without csrf -> 403 ({st})")
    st, _, html = a.req("POST", "/account/invite", {"csrf": tok, "email": "t@example.org"})
    m = re.search(r'id="invite-url" href="http://[^/"]+(/invite/[A-Za-z0-9_-]{43})"', html)
    check(st == 201 and m, f"the invitation link is on the account page ({st})")
    link = m.group(1) if m else "/invite/none"
    t = Browser(port)
    ttok = t.csrf(link)
    st, _, html = t.req("GET", link)
    check("t@example.org" in html and "a@example.org" in html, "the invitation names both")
    st, _, _ = t.req("POST", link, {"password": "therapist password"})
    check(st == 403, f"the invitation's form without csrf -> 403 ({st})")
    st, _, _ = t.req("POST", link, {"csrf": ttok, "password": "short"})
    check(st == 400, f"a short password -> 400 ({st})")
    st, r, _ = t.req("POST", link, {"csrf": ttok, "password": "therapist password"})
    check(st == 303 and r.getheader("Location") == "/athletes" and "gs_session" in t.cookies,
          f"the invitation signs the therapist in ({st})")
    st, _, _ = Browser(port).req("GET", link)
    check(st == 404, f"a used invitation -> 404 ({st})")
    st, _, html = t.req("GET", "/athletes")
    check(st == 200 and f"/athletes/{athlete}" in html, "the therapist sees the clinic's athlete")
    for path in (f"/athletes/{athlete}", f"/sessions/{session}"):
        st, _, html = t.req("GET", path)
        check(st == 200, f"the therapist opens {path} ({st})")
        no_raw(html, f"therapist {path}")
    check('id="delete-athlete"' not in t.req("GET", f"/athletes/{athlete}")[2],
          "no delete-athlete form for a therapist")
    st, _, html = t.req("GET", "/account")
    check(st == 200 and 'id="users"' not in html and "/account/access" not in html and
          'id="delete-account"' not in html,
          "the therapist's account page has no owner sections")
    st, _, _ = t.req("GET", "/account/access")
    check(st == 403, f"the therapist reads no access log ({st})")
    st, _, html = a.req("GET", "/account")
    m = re.search(r'action="/account/users/([A-Za-z0-9_-]{22})/remove"', html)
    check(m and "t@example.org" in html, "the owner's account page lists the therapist")
    check(0 < html.find('id="password-form"') < html.find('id="delete-account"'),
          "the owner's account page ends with deleting the account, after the routine sections")
    tid = m.group(1) if m else "A" * 22
    ttok = t.csrf("/athletes")
    for path, form in (("/account/invite", {"email": "x@example.org"}),
                       ("/account/retention", {"days": "1"}),
                       ("/account/delete", {"password": "therapist password", "confirm": "1"}),
                       (f"/account/users/{tid}/reset", {}), (f"/account/users/{tid}/remove", {}),
                       (f"/athletes/{athlete}/delete", {"confirm": "1"})):
        st, _, _ = t.req("POST", path, dict(form, csrf=ttok))
        check(st == 403, f"therapist POST {path} -> 403 ({st})")
    # another clinic's owner: 404 for this clinic's users and athlete
    btok = b.csrf("/account")
    for path in (f"/account/users/{tid}/reset", f"/account/users/{tid}/remove",
                 f"/athletes/{athlete}/delete"):
        st, _, _ = b.req("POST", path, {"csrf": btok, "confirm": "1"})
        check(st == 404, f"other clinic POST {path} -> 404 ({st})")
    st, _, html = b.req("GET", "/account/access")
    check(st == 200 and "t@example.org" not in html and athlete not in html,
          "the other clinic's access log has nothing of this clinic")
    # the access log: the therapist's openings, the athlete's name escaped
    st, _, html = a.req("GET", "/account/access")
    check(st == 200 and re.search(r'<span class="email">t@<wbr>example<wbr>\.org</span></td>'
                                  r'<td data-l="Athlete"><a href="/athletes/' + athlete, html)
          and "session page" in html and "athlete page" in html and "127.0.0.1" in html
          and "saved NKT record" in html,
          "the owner's access log has the therapist's openings with the address")
    no_raw(html, "access log")
    # on a phone each row is a card (report.html's table.mt): every cell after the first names
    # its column
    rows = html.count('<td data-l="Who">')
    check('<table class="list mt" id="access"><thead>' in html and rows > 0 and
          html.count('<td data-l="Athlete">') == rows and
          html.count('<td class="words" data-l="What">') == rows,
          f"the access log's cells carry their column names ({rows} rows)")
    # a reset through the page: the therapist is signed out at once, the new link works
    tok = a.csrf("/account")
    st, _, html = a.req("POST", f"/account/users/{tid}/reset", {"csrf": tok})
    m = re.search(r'id="invite-url" href="http://[^/"]+(/invite/[A-Za-z0-9_-]{43})"', html)
    check(st == 201 and m, f"a reset link ({st})")
    st, r, _ = t.req("GET", "/athletes")
    check(st == 303 and r.getheader("Location") == "/signin", "the reset signs the therapist out")
    t2 = Browser(port)
    rl = m.group(1) if m else "/invite/none"
    st, r, _ = t2.req("POST", rl, {"csrf": t2.csrf(rl), "password": "another therapist pw"})
    check(st == 303 and t2.req("GET", "/athletes")[0] == 200, f"the new password is set ({st})")
    # the therapist changes their own password on the account page: signed out elsewhere,
    # this browser stays in, the old password stops working
    t3 = Browser(port)
    st, r, _ = t3.req("POST", "/signin", {"csrf": t3.csrf("/signin"), "email": "t@example.org",
                                          "password": "another therapist pw"})
    check(st == 303 and t3.req("GET", "/athletes")[0] == 200, f"a second browser signs in ({st})")
    st, _, html = t2.req("GET", "/account")
    check(st == 200 and 'id="password-form"' in html, "the therapist's account page has the "
          "password form")
    ptok = t2.csrf("/account")
    good = {"password": "another therapist pw", "new_password": "a third therapist pw",
            "new_password2": "a third therapist pw"}
    for form, want, what in ((good, 403, "no csrf"),
                             (dict(good, csrf=ptok, password="not the password"), 403,
                              "a wrong current password"),
                             (dict(good, csrf=ptok, new_password2="a third therapist pX"), 400,
                              "two different new passwords"),
                             (dict(good, csrf=ptok, new_password="short", new_password2="short"),
                              400, "a short new password")):
        st, _, html = t2.req("POST", "/account/password", form)
        check(st == want, f"password change with {what} -> {want} ({st})")
    check(t3.req("GET", "/athletes")[0] == 200, "the refused changes signed nobody out")
    st, r, _ = t2.req("POST", "/account/password", dict(good, csrf=ptok))
    check(st == 303 and r.getheader("Location") == "/account" and
          t2.req("GET", "/athletes")[0] == 200,
          f"the password changed, this browser still signed in ({st})")
    st, r, _ = t3.req("GET", "/athletes")
    check(st == 303 and r.getheader("Location") == "/signin",
          "the other browser is signed out by the change")
    t4 = Browser(port)
    st, _, _ = t4.req("POST", "/signin", {"csrf": t4.csrf("/signin"), "email": "t@example.org",
                                          "password": "another therapist pw"})
    check(st == 401, f"the old password no longer signs in ({st})")
    st, _, _ = t4.req("POST", "/signin", {"csrf": t4.csrf("/signin"), "email": "t@example.org",
                                          "password": "a third therapist pw"})
    check(st == 303, f"the new password signs in ({st})")
    # removal: the therapist's session ends
    st, _, _ = a.req("POST", f"/account/users/{tid}/remove", {"csrf": tok})
    check(st == 303, f"remove the therapist ({st})")
    st, r, _ = t2.req("GET", "/athletes")
    check(st == 303 and r.getheader("Location") == "/signin", "a removed therapist is signed out")
    # delete the athlete through the page: its sessions and folders go
    st, _, _ = a.req("POST", f"/athletes/{athlete}/delete", {"csrf": tok})
    check(st == 400, f"delete the athlete without the confirm box -> 400 ({st})")
    st, r, _ = a.req("POST", f"/athletes/{athlete}/delete", {"csrf": tok, "confirm": "1"})
    check(st == 303 and r.getheader("Location") == "/athletes", f"delete the athlete ({st})")
    for path in (f"/athletes/{athlete}", f"/sessions/{session}"):
        st, _, _ = a.req("GET", path)
        check(st == 404, f"after deleting the athlete {path} -> 404 ({st})")
    # (a worker still running a job of it removes its staging folder at its next heartbeat)
    deadline = time.time() + 30
    while time.time() < deadline and any(session in d for d, _, _ in
                                         os.walk(os.path.join(data, "sessions"))):
        time.sleep(0.5)
    check(not any(session in d for d, _, _ in os.walk(os.path.join(data, "sessions"))),
          "the athlete's session folders are gone")
    # delete the account through the page: the password again; then nothing opens
    st, _, html = a.req("POST", "/account/delete", {"csrf": tok, "confirm": "1",
                                                   "password": "wrong password!"})
    check(st == 403 and "nothing was deleted" in html, f"a wrong password deletes nothing ({st})")
    st, r, _ = a.req("POST", "/account/delete", {"csrf": tok, "confirm": "1",
                                                 "password": "correct horse battery"})
    check(st == 303 and r.getheader("Location") == "/signup", f"delete the account ({st})")
    st, r, _ = a.req("GET", "/athletes")
    check(st == 303 and r.getheader("Location") == "/signin", "the deleted account is signed out")
    st, _, _ = b.req("GET", "/athletes")
    check(st == 200, "the other account is untouched")


def wait_job(br, path):
    """The job page at path once the job has ended (bounded)."""
    deadline = time.time() + 600
    html = ""
    while time.time() < deadline:
        st, _, html = br.req("GET", path)
        if st != 200 or re.search(r"Status: <strong>(done|failed|cancelled)", html):
            break
        time.sleep(1)
    return html


def status_line(html):
    m = re.search(r'<p[^>]*id="analysis-status">(.*?)</p>', html)
    return m.group(1) if m else ""


def options_of(html):
    """The session page's options of the results on screen and of a pending/failed re-run."""
    m = re.search(r'<dd id="options">(.*?)</dd>', html)
    r = re.search(r'<dt>Options of the ([a-z]+) re-run</dt><dd id="rerun-options">(.*?)</dd>', html)
    return (m.group(1) if m else "", r.group(1) if r else "", r.group(2) if r else "")


def history_of(html):
    """The session page's intake history line."""
    m = re.search(r'<dd id="history">(.*?)</dd>', html)
    return m.group(1) if m else ""


def compare_form(html):
    """The athlete page's compare form ("" when there is none)."""
    m = re.search(r'<form[^>]*id="compare-form".*?</form>', html, re.S)
    return m.group(0) if m else ""


def session_row(html, session):
    """The athlete page's row of a session: [status, cadence, findings] cells."""
    m = re.search(r'<tr><td><a href="/sessions/' + session + r'">[^<]*</a></td><td>(.*?)</td>'
                  r'<td>(.*?)</td><td>(.*?)</td></tr>', html)
    return list(m.groups()) if m else ["", "", ""]


def failed_runs(a, loc, session, share, viewer):
    """Analyses that fail in the gait stage (0.4 s of the sample: the track is too short), as a
    coach sees them: a re-run over a done analysis keeps the earlier results and says the new
    one failed; a first run that failed says so, with no "earlier" analysis and no findings from
    its partial analysis.json; the share page of each."""
    # a re-run of the done session that fails: its results stay, the page says why
    tok = a.csrf(f"/sessions/{session}")
    st, r, _ = a.req("POST", f"/sessions/{session}/rerun", {"csrf": tok, "start": "1",
                                                            "end": "1.4"})
    rloc = r.getheader("Location") or ""
    check(st == 303 and rloc.startswith("/jobs/"), f"a re-run that will fail -> 303 ({st})")
    st, _, html = a.req("GET", f"/sessions/{session}")
    line = status_line(html)
    check(re.fullmatch(r'The new analysis (is <a href="/jobs/[^"]+">(queued|running)</a>|'
                       r'<a href="/jobs/[^"]+">failed</a>: .*)\. The results below are of the '
                       r'earlier analysis\.', line) and 'id="findings"' in html,
          f"during the re-run the page shows the earlier results and says so: {line!r}")
    opts, word, ropts = options_of(html)
    check("to 4 s" in opts and "1.4" not in opts and word in ("pending", "failed") and
          "from 1 s" in ropts and "to 1.4 s" in ropts,
          f"during the re-run: the results' options and the re-run's apart: {opts!r} {ropts!r}")
    # the intake history too: the results' (the upload's), the re-run's (its form sent none)
    # apart; the line followed the session's options, "none" over results weighed with it
    hist = history_of(html)
    check(hist == "scar:abdomen" and ropts.endswith(
        ' &middot; intake history: <span class="muted">none</span>'),
        f"during the re-run: the results' history and the re-run's apart: {hist!r} {ropts!r}")
    st, _, shtml = viewer.req("GET", share)
    check(st == 200 and 'id="findings"' in shtml and "not ready" not in shtml,
          f"during the re-run the share page shows the earlier results ({st}): "
          f"{status_line(shtml)!r}")
    # the athlete page lists the earlier results too, and the re-run beside them
    st, _, ahtml = a.req("GET", loc)
    row = session_row(ahtml, session)
    check(re.fullmatch(r'done; re-run <a href="/jobs/[^"]+">(queued|running|failed)</a>', row[0])
          and "steps/min" in row[1] and row[2],
          f"during the re-run the athlete page shows the earlier results: {row!r}")
    check(f'value="{session}"' in compare_form(ahtml),
          "during the re-run the earlier results are offered for comparison")
    html = wait_job(a, rloc)
    check("Status: <strong>failed" in html and "track too short" in html,
          f"the short re-run failed in the gait stage: {html[-300:]}")
    st, _, html = a.req("GET", f"/sessions/{session}")
    line = status_line(html)
    check(re.fullmatch(r'The new analysis <a href="/jobs/[^"]+">failed</a>: <span class="err">'
                       r'the uploaded video: track too short[^<]*</span>\. The results below are '
                       r'of the earlier analysis\.', line),
          f"a failed re-run over a done analysis: the status line {line!r}")
    check('id="findings"' in html and 'id="findings-none"' not in html and
          "keyframes/left_IC.png" in html and "<h2>Report</h2>" in html and
          "(incomplete)" not in html, "a failed re-run: the earlier results stay, complete")
    opts, word, ropts = options_of(html)
    check("to 4 s" in opts and "1.4" not in opts and word == "failed" and "to 1.4 s" in ropts,
          f"a failed re-run: the results' options and the failed re-run's: {opts!r} {ropts!r}")
    hist = history_of(html)
    check(hist == "scar:abdomen" and "intake history: " in ropts,
          f"a failed re-run: the results' history, the failed re-run's apart: {hist!r} {ropts!r}")
    st, _, shtml = viewer.req("GET", share)
    check(st == 200 and 'id="overlay"' in shtml and 'id="findings"' in shtml and
          'id="analysis-status"' not in shtml,
          f"a failed re-run: the share page shows the earlier results ({st}): "
          f"{status_line(shtml)!r}")
    st, _, ahtml = a.req("GET", loc)
    row = session_row(ahtml, session)
    check(re.fullmatch(r'done; re-run <a href="/jobs/[^"]+">failed</a>', row[0]) and
          "steps/min" in row[1] and row[2] and 'id="charts"' in ahtml,
          f"a failed re-run: the athlete page shows the earlier results: {row!r}")

    # a first run that fails: its partial outputs are no results
    tok = a.csrf(loc + "/upload")
    body, ctype = multipart({"start": "1", "end": "1.4", "date": "2026-12-15"}, SAMPLE)
    st, _, txt = a.req("POST", loc + "/upload", body, {"Content-Type": ctype,
                                                       "X-CSRF-Token": tok})
    up = json.loads(txt) if st == 202 else {}
    check(st == 202, f"upload of 0.4 s -> 202 ({st} {txt[:200]})")
    fs = up.get("session", "none")
    html = wait_job(a, f"/jobs/{up.get('job', 'none')}")
    check("Status: <strong>failed" in html, f"the 0.4 s analysis failed: {html[-300:]}")
    st, _, txt = a.req("GET", f"/sessions/{fs}/files/analysis.json")
    aj = json.loads(txt) if st == 200 else {}
    check(aj.get("status") == "failed",
          f"the failed first run published its partial analysis.json ({st})")
    # the clip is the uploaded video in what the run wrote, not the blob's id
    src = aj.get("source") or {}
    check(str(aj.get("error", "")).startswith("the uploaded video: track too short") and
          src.get("video") == "the uploaded video" and src.get("pose") == "the uploaded video",
          f"a failed run's analysis.json names the uploaded video: {aj.get('error')!r} {src!r}")
    st, _, rep = a.req("GET", f"/sessions/{fs}/files/report.html")
    check(st == 200 and "the uploaded video: track too short" in rep and
          not re.search(r"[A-Za-z0-9_-]{16,}: track too short", rep) and "/blobs/" not in rep,
          f"a failed run's report.html names the uploaded video ({st})")
    st, _, html = a.req("GET", f"/sessions/{fs}")
    line = status_line(html)
    check(re.fullmatch(r'The analysis <a href="/jobs/[^"]+">failed</a>: <span class="err">the '
                       r'uploaded video: track too short[^<]*</span>\. The files below are what a '
                       r'failed analysis wrote before it stopped; they are incomplete\. '
                       r'<a href="#rerun-form" id="rerun-hint">Re-run the analysis</a> \(below\) '
                       r'with other options, or delete the session\.', line),
          f"a failed first run: the status line {line!r}")
    check("earlier" not in html and " new " not in line and 'id="findings"' not in html and
          'id="findings-none"' in html and "No compensation pattern" not in html and
          "<h2>Report (incomplete)</h2>" in html and "<h2>Downloads (incomplete)</h2>" in html,
          "a failed first run: no earlier analysis, no findings, its files marked incomplete")
    st, _, ahtml = a.req("GET", loc)
    row = session_row(ahtml, fs)
    check(row == ["failed", "", ""], f"a failed first run on the athlete page: {row!r}")
    # a failed first run is not offered for comparison (its folder holds partial outputs); the
    # session whose re-run failed is (its earlier results stand), and a form sent by hand with
    # the failed one is refused with the reason
    form = compare_form(ahtml)
    check(form and f'value="{fs}"' not in form and f'value="{session}"' in form,
          "the compare form offers the failed re-run's session, not the failed first run")
    tok = a.csrf(loc)
    st, _, html = a.req("POST", loc + "/compare", {"csrf": tok, "before": session, "after": fs})
    check(st == 400 and "The after session cannot be compared: its analysis failed, its results "
          "are incomplete (re-run it first)." in html,
          f"compare with a failed first run -> 400 with the reason ({st}): "
          f"{re.findall(r'<p[^>]*>[^<]*cannot[^<]*</p>', html)}")
    st, _, ahtml = a.req("GET", loc)
    m = re.search(r'<table class="list" id="comparisons">.*?</table>', ahtml, re.S)
    check(m and f'/sessions/{fs}"' not in m.group(0),
          "no comparison recorded with the failed first run")
    tok = a.csrf(f"/sessions/{fs}")
    st, _, html = a.req("POST", f"/sessions/{fs}/shares", {"csrf": tok, "days": "1"})
    m = re.search(r'id="share-url" href="http://[^/"]+(/s/[A-Za-z0-9_-]{43})"', html)
    check(st == 201 and m, f"a share of the failed session ({st})")
    st, _, shtml = viewer.req("GET", m.group(1) if m else "/s/none")
    check(st == 200 and "could not be completed" in status_line(shtml) and
          'id="findings"' not in shtml and 'id="overlay"' not in shtml,
          f"a failed first run's share page: no results ({st}): {status_line(shtml)!r}")
    st, _, _ = a.req("POST", f"/sessions/{fs}/delete", {"csrf": tok, "confirm": "1"})
    check(st == 303, f"the failed session deleted ({st})")


def start_server(data, workers):
    """gaitscope serve on data (fresh) with workers: (process, port or None)."""
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(data)
    log = open(data + ".log", "w")
    p = subprocess.Popen([BIN, "serve", "--data", data, "--listen", "127.0.0.1:0", "--workers",
                          str(workers), "--models", MODELS], stdout=subprocess.PIPE, stderr=log,
                         text=True)
    m = re.search(r"localhost:(\d+)", p.stdout.readline())
    return p, int(m.group(1)) if m else None


def stop_server(p):
    p.terminate()
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def api(port, method, path, body, token, ctype="application/json"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    h = {"Content-Type": ctype}
    if token:
        h["Authorization"] = f"Bearer {token}"
    c.request(method, "/api/v1" + path, body=body, headers=h)
    r = c.getresponse()
    out = r.status, json.loads(r.read() or b"null")
    c.close()
    return out


def seed_history(data, port, email, n, analysis):
    """An athlete with n sessions, seeded cheaply: uploads of a few bytes (one stored file) to
    a server without workers, each session's job then marked done straight in its SQLite store
    and analysis(i) (a dict, or None for no folder) written as its folder's analysis.json: the
    athlete page reads records and folders, never the video. Session i is dated 2026-01-05 plus
    i weeks. (browser, athlete id, session ids oldest first)"""
    import datetime
    import sqlite3
    br = signup(port, email)
    st, tok = api(port, "POST", "/tokens", json.dumps({"email": email,
                                                      "password": "correct horse battery"}),
                  None)
    token = tok.get("token", "") if st == 201 else ""
    st, ath = api(port, "POST", "/athletes", json.dumps({"name": "Weekly"}), token)
    ath = ath.get("id", "none") if st == 201 else "none"
    sids = []
    for i in range(n):
        day = datetime.date(2026, 1, 5) + datetime.timedelta(weeks=i)
        body, ctype = multipart_file({"date": day.isoformat()}, "video", "clip.mp4",
                                     b"not a video, never analysed")
        st, up = api(port, "POST", f"/athletes/{ath}/sessions", body, token, ctype)
        if not check(st == 202, f"seed upload {i}: {st} {up}"):
            break
        sids.append(up["session"])
    db = sqlite3.connect(os.path.join(data, "gaitscope.db"), timeout=30)
    for i, sid in enumerate(sids):
        an = analysis(i)
        if an is None:
            continue
        os.makedirs(os.path.join(data, "sessions", sid), exist_ok=True)
        with open(os.path.join(data, "sessions", sid, "analysis.json"), "w") as f:
            json.dump(an, f)
        db.execute("UPDATE jobs SET status = ?, finished = created WHERE session = ?",
                   (2 if an.get("status") == "done" else 3, sid))
    db.commit()
    db.close()
    return br, ath, sids


def long_history():
    """An athlete seen weekly for most of a year (45 sessions, more than the 40 whose results
    the athlete page read until session 13): every row has its numbers, the oldest included;
    the charts and the compare form take every analysed session; a failed first run among the
    old ones shows no numbers and is not offered; the newest, still queued, neither."""
    n, failed, queued = 45, 2, 44

    def analysis(i):
        if i == queued:
            return None
        # the size of a real one comes from its curves (ignored by this page): a few hundred
        # numbers here, with brackets and quotes in strings the page's reader must step over
        curves = {"knee": {"left": {"mean": [i + k / 7 for k in range(300)],
                                    "note": "a \"quoted\" ] } [ text"}}}
        if i == failed:
            return {"status": "failed", "error": "track too short", "curves": curves,
                    "metrics": {"cadence_spm": {"all": {"mean": 999}}}}
        # no "format": these hold only what the page reads, and tests/validate_schemas.py checks
        # every gaitscope.analysis/1 file under the scratch tree against the full schema
        return {"curves": curves, "status": "done",
                "metrics": {"cadence_spm": {"all": {"mean": 150 + i}},
                            "ground_contact_ms": {"left": {"mean": 200 + i},
                                                  "right": {"mean": 210 + i}}},
                "findings": [{"title": f"Finding of week {i}"}]}

    data = os.path.join(SCRATCH, "pages_long")
    p, port = start_server(data, 0)
    try:
        if not check(port, "serve (no workers) started"):
            return
        br, ath, sids = seed_history(data, port, "w@example.org", n, analysis)
        if not check(len(sids) == n, f"{n} sessions seeded ({len(sids)})"):
            return
        t0 = time.time()
        st, _, html = br.req("GET", f"/athletes/{ath}")
        took = time.time() - t0
        print(f"athlete page with {n} sessions: {took * 1000:.0f} ms, {len(html)} bytes")
        check(st == 200, f"the athlete page ({st})")
        rows = re.findall(r'<tr><td><a href="/sessions/([A-Za-z0-9_-]{22})">', html)
        check(rows == sids[::-1], f"every session listed, newest first ({len(rows)} rows)")
        bad = []
        for i, sid in enumerate(sids):
            row = session_row(html, sid)
            if i == failed:
                ok = row == ["failed", "", ""]
            elif i == queued:
                ok = re.fullmatch(r'<a href="/jobs/[^"]+">queued</a>', row[0]) and \
                    row[1:] == ["", ""]
            else:
                ok = row == ["done", f"{150 + i} steps/min", f"Finding of week {i}"]
            if not ok:
                bad.append((i, row))
        check(not bad, f"each row's numbers are its session's, the oldest too: {bad[:3]}")
        m = re.search(r'id="charts-of">Means per session of the (\d+) analysed sessions', html)
        check(m and int(m.group(1)) == n - 2, f"the charts take every analysed session: "
              f"{m.group(0) if m else None}")
        # ... and only those: the failed and the queued session are no points and no dates on
        # the axis (the queued newest was its last date, the line ending short of it)
        import datetime
        cad = re.search(r'aria-label="Cadence across sessions".*?</svg>', html, re.S)
        cad = cad.group(0) if cad else ""
        dates = re.findall(r'>(\d{4}-\d\d-\d\d)</text>', cad)
        newest = (datetime.date(2026, 1, 5) + datetime.timedelta(weeks=queued - 1)).isoformat()
        check(cad.count("<circle") == n - 2 and dates and dates[-1] == newest and
              (datetime.date(2026, 1, 5) + datetime.timedelta(weeks=failed)).isoformat()
              not in dates, f"the cadence chart's points and dates are the analysed sessions': "
              f"{cad.count('<circle')} points, dates {dates}")
        form = compare_form(html)
        offered = re.findall(r'<select id="before".*?</select>', form, re.S)
        offered = re.findall(r'value="([A-Za-z0-9_-]{22})"', offered[0] if offered else "")
        want = [sid for i, sid in enumerate(sids) if i not in (failed, queued)][::-1]
        check(offered == want, f"the compare form offers every analysed session, newest first "
              f"({len(offered)} of {len(want)})")
        labels = re.findall(r'<option value="[A-Za-z0-9_-]{22}"[^>]*>([^<]*)</option>', form)
        check(labels and all(re.fullmatch(r"\d{4}-\d\d-\d\d", x) for x in labels),
              f"the compare form names sessions by their dates, no id letters: {labels[:3]}")
        # sessions without their job record (the service deletes none while the session
        # exists; a database edited or restored by hand): each row says what its folder holds,
        # as the API's session list does: done with no re-run (was "done; re-run failed"),
        # failed without results (a failed run's partial outputs, or no folder)
        import sqlite3
        gone = {10: ["done", "160 steps/min", "Finding of week 10"], failed: ["failed", "", ""],
                queued: ["failed", "", ""]}
        db = sqlite3.connect(os.path.join(data, "gaitscope.db"), timeout=30)
        with db:
            for i in gone:
                db.execute("DELETE FROM jobs WHERE session = ?", (sids[i],))
        db.close()
        st, _, html = br.req("GET", f"/athletes/{ath}")
        rows = {i: session_row(html, sids[i]) for i in gone}
        check(st == 200 and rows == gone, f"no job record: the rows say the folder's state: {rows}")
    finally:
        stop_server(p)


def clinic_day():
    """What a clinic meets on an ordinary day that the pages once said badly (session 16's walk
    through the service at 390 and 1280 px), on seeded sessions (no worker): a comparison refused
    because the views differ, and one where no metric could be compared."""
    import sqlite3
    data = os.path.join(SCRATCH, "pages_day")
    p, port = start_server(data, 0)
    try:
        if not check(port, "serve (no workers) started"):
            return
        done = {"status": "done", "activity": "walk",
                "metrics": {"cadence_spm": {"all": {"mean": 110}}},
                "findings": [{"title": "Less arm swing on the left"}]}
        br, ath, sids = seed_history(data, port, "day@example.org", 3, lambda i: done)
        if not check(len(sids) == 3, f"3 sessions seeded ({len(sids)})"):
            return
        db = sqlite3.connect(os.path.join(data, "gaitscope.db"), timeout=30)

        def compare(before, after):
            tok = br.csrf(f"/athletes/{ath}")
            st, r, _ = br.req("POST", f"/athletes/{ath}/compare",
                              {"csrf": tok, "before": before, "after": after})
            loc = r.getheader("Location") or ""
            check(st == 303 and loc.startswith("/comparisons/"), f"compare -> 303 ({st})")
            cid = loc.rsplit("/", 1)[-1]
            job = db.execute("SELECT job FROM comparisons WHERE id = ?", (cid,)).fetchone()
            return loc, cid, job[0] if job else ""

        # refused by src/compare because the views differ: the command line's words
        # ("BEFORE's", "--force") become the page's, and the tick box's choice is one button
        loc, cid, job = compare(sids[0], sids[1])
        with db:
            db.execute("UPDATE jobs SET status = 3, error = ? WHERE id = ?",
                       ("after 2026-01-12: view is side-right, BEFORE's is side-left: not "
                        "comparable (--force compares anyway)", job))
        st, _, html = br.req("GET", loc)
        m = re.search(r'<p class="err" id="job-error">(.*?)</p>', html)
        check(st == 200 and m and m.group(1) == "After 2026-01-12: view is side-right, the before "
              "session&#39;s is side-left: not comparable.",
              f"a refused comparison in the pages' words: {m and m.group(1)!r}")
        form = re.search(r'<form[^>]*id="compare-anyway".*?</form>', html, re.S)
        form = form.group(0) if form else ""
        check(f'action="/athletes/{ath}/compare"' in form and 'name="force" value="1"' in form
              and f'name="before" value="{sids[0]}"' in form and
              f'name="after" value="{sids[1]}"' in form and 'name="csrf"' in form,
              f"a refused comparison offers 'Compare anyway' with the same sessions: {form!r}")
        # done, with every row not comparable: no "nothing changed"; and a real change named
        # as the report names the metric
        for real, rows in ((0, []), (1, [{"metric": "knee_flexion_ic_deg", "side": "left",
                                          "unit": "deg", "before": 12.0, "after": 17.5,
                                          "verdict": "real"}])):
            loc, cid, job = compare(sids[1], sids[2])
            cdir = os.path.join(data, "comparisons", cid)
            os.makedirs(cdir, exist_ok=True)
            with open(os.path.join(cdir, "comparison.json"), "w") as f:
                # the two sessions' contacts and toe-offs timed by different methods, the
                # filming alike (src/compare's checks and one warning for both, session 18)
                json.dump({"summary": {"real": real, "noise": 0, "not_comparable": 47 - real},
                           "metrics": rows, "comparability": [
                               {"check": "view", "ok": True}, {"check": "speed", "ok": None},
                               {"check": "contact_timing", "ok": False},
                               {"check": "toe_off_timing", "ok": False}], "warnings": [
                               "speed not known for either clip (give --belt-speed on a "
                               "treadmill): not checked",
                               "contacts and toe-offs timed from the picture in BEFORE, from "
                               "the landmarks in AFTER: analyse AFTER again from its video "
                               "(Re-run, or gaitscope analyze --contact image), or both with "
                               "--contact landmarks --toe-off landmarks"]}, f)
            with db:
                db.execute("UPDATE jobs SET status = 2 WHERE id = ?", (job,))
            st, _, html = br.req("GET", loc)
            changes = re.search(r'<ul id="real-changes">(.*?)</ul>', html, re.S)
            changes = changes.group(1) if changes else ""
            warn = re.search(r'<ul class="muted" id="comparison-warnings">(.*?)</ul>', html)
            warn = warn.group(1) if warn else ""
            check("--" not in warn and "give its belt speed in Re-run" in warn and
                  "analyse the after session again from its video (with Re-run).</li>" in warn,
                  f"a comparison's warnings in the pages' words: {warn!r}")
            if real:
                check("<li>Knee flexion at contact, left: 12.0 &rarr; 17.5 deg</li>" in changes,
                      f"a real change is named as the report names it: {changes!r}")
            else:
                check('id="none-compared"' in changes and "No metric changed" not in changes,
                      f"nothing comparable is not 'nothing changed': {changes!r}")
                # only the analysis differs: a Re-run mends it, no new recording
                check("the two sessions were analysed differently (contacts and toe-offs "
                      "timed by different methods)" in changes and "filmed" not in changes and
                      "The clips need no new recording: analyse again as the warning below "
                      "says, with Re-run on that session&#39;s page." in changes,
                      f"no metric compared for the analysis alone says so: {changes!r}")
        db.close()

        # signed out (the cookie ended): a page's link goes to the sign-in and back to the page;
        # a form sent says it was not saved and links the same; a next that is not one of our
        # pages is dropped (no open redirect)
        out = Browser(port)
        page = f"/sessions/{sids[0]}"
        st, r, _ = out.req("GET", page)
        check(st == 303 and r.getheader("Location") == f"/signin?next={page}",
              f"signed out, a page's link -> sign-in with next ({st} {r.getheader('Location')})")
        st, _, html = out.req("GET", f"/signin?next={page}")
        check(f'<input type="hidden" name="next" value="{page}">' in html and
              'id="signin-next"' in html, "the sign-in form carries next and says so")
        st, _, html = out.req("POST", f"{page}/nkt", {"csrf": "E" * 43, "tests": "psoas"})
        check(st == 403 and 'id="signed-out"' in html and "was not saved" in html and
              f'id="signin-again" href="/signin?next={page}"' in html and "session has ended"
              not in html, f"a form sent signed out says so and links back ({st})")
        for nxt, want in ((page, page), ("//evil.example/x", "/athletes"),
                          ("/\\evil.example", "/athletes"), ("https://evil.example", "/athletes"),
                          ("/signout", "/athletes"), (f"{page}/../../x", "/athletes")):
            who = Browser(port)
            tok = who.csrf("/signin")
            st, r, _ = who.req("POST", "/signin", {"csrf": tok, "email": "day@example.org",
                                                   "password": "correct horse battery",
                                                   "next": nxt})
            check(st == 303 and r.getheader("Location") == want,
                  f"sign-in with next {nxt!r} -> {want} ({st} {r.getheader('Location')})")
        # the cadence axis spans at least 16 steps/min (twice its minimal change): three
        # sessions at 110 drew an axis of 109 to 111, where half a step a minute filled it
        st, _, html = br.req("GET", f"/athletes/{ath}")
        cad = re.search(r'aria-label="Cadence across sessions".*?</svg>', html, re.S)
        ticks = [float(v) for v in re.findall(r'text-anchor="end" fill="#5b6470">(-?\d+(?:\.\d+)?)</text>',
                                               cad.group(0) if cad else "")]
        check(ticks and max(ticks) - min(ticks) >= 16 and min(ticks) <= 110 <= max(ticks),
              f"the cadence axis spans at least 16 steps/min: {ticks}")
        # two sessions of one day in the compare form: told apart by their upload times
        tok = br.csrf(f"/athletes/{ath}/upload")
        body, ctype = multipart_file({"date": "2026-01-19"}, "video", "clip.mp4",
                                     b"another clip of the same day")
        st, _, txt = br.req("POST", f"/athletes/{ath}/upload", body,
                            {"Content-Type": ctype, "X-CSRF-Token": tok})
        twin = json.loads(txt).get("session", "none") if st == 202 else "none"
        os.makedirs(os.path.join(data, "sessions", twin), exist_ok=True)
        with open(os.path.join(data, "sessions", twin, "analysis.json"), "w") as f:
            json.dump(done, f)
        db4 = sqlite3.connect(os.path.join(data, "gaitscope.db"), timeout=30)
        with db4:
            db4.execute("UPDATE jobs SET status = 2 WHERE session = ?", (twin,))
        db4.close()
        st, _, html = br.req("GET", f"/athletes/{ath}")
        labels = re.findall(r'<option value="([A-Za-z0-9_-]{22})"[^>]*>([^<]*)</option>',
                            compare_form(html))
        days = {sid: lab for sid, lab in labels}
        check(re.fullmatch(r"2026-01-19, uploaded \d\d:\d\d UTC", days.get(twin, "")) and
              re.fullmatch(r"2026-01-19, uploaded \d\d:\d\d UTC", days.get(sids[2], "")) and
              days.get(sids[0]) == "2026-01-05",
              f"same-day sessions in the compare form carry their upload times: {labels[:4]}")
        # an athlete without sessions: no empty zip offered
        tok = br.csrf("/athletes")
        st, r, _ = br.req("POST", "/athletes", {"csrf": tok, "name": "New"})
        st, _, html = br.req("GET", r.getheader("Location") or "/none")
        check(st == 200 and 'id="export-link"' not in html and 'id="export-none"' in html,
              f"an athlete without sessions is offered no empty export ({st})")
        # notes and intake history: every user of the account sees them, not "only you"
        st, _, html = br.req("GET", page)
        st2, _, up = br.req("GET", f"/athletes/{ath}/upload")
        check("only you" not in (html + up).lower() and "account's users only" in html and
              "account's users only" in up,
              "notes are said to be for the account's users, not 'only you'")
        # the intake-history fields list what they accept (nkt's list, to its end)
        for form, hid in ((up, "history-help"), (html, "rr-history-help")):
            m = re.search(r'<small class="muted" id="' + hid + r'">(.*?)</small>', form)
            check(m and "kinds scar, injury, surgery, pain" in m.group(1) and
                  "hip, groin, shoulder" in m.group(1),
                  f"the history field lists the accepted items ({hid}): {m and m.group(1)!r}")
        # a job's page names whose clip of which day, its stage in words, and after a failure
        # the way on (seeded jobs: one running, one failed)
        db2 = sqlite3.connect(os.path.join(data, "gaitscope.db"), timeout=30)
        jobs = [db2.execute("SELECT job FROM sessions WHERE id = ?", (sid,)).fetchone()[0]
                for sid in sids[1:]]
        with db2:
            db2.execute("UPDATE jobs SET status = 1, stage = 'pose', progress = 0.4 WHERE id = ?",
                        (jobs[0],))
            db2.execute("UPDATE jobs SET status = 3, error = 'the uploaded video: track too "
                        "short: 1.10 s with a person, need at least 2.0 s' WHERE id = ?",
                        (jobs[1],))
        db2.close()
        st, _, html = br.req("GET", f"/jobs/{jobs[0]}")
        check(st == 200 and "<h1>Analysis of Weekly, 2026-01-12</h1>" in html and
              f'<a href="/athletes/{ath}">&larr; Weekly</a>' in html and
              "Status: <strong>running</strong>: finding the body&#39;s joints" not in html and
              "Status: <strong>running</strong>: finding the body's joints in each frame" in html
              and 'id="cancel-what"' in html and "the video stays stored" in html,
              f"a running job's page names the clip and its stage in words, and says what "
              f"cancelling does ({st})")
        st, _, html = br.req("GET", f"/jobs/{jobs[1]}")
        check(st == 200 and 'id="job-next"' in html and
              f'href="/sessions/{sids[2]}#rerun-form"' in html,
              f"a failed job's page says what to do next ({st})")
        # a walk's share page says walking (it said "Running analysis" for every clip)
        tok = br.csrf(page)
        st, _, html = br.req("POST", f"{page}/shares", {"csrf": tok, "days": "2"})
        m = re.search(r'id="share-url" href="http://[^/"]+(/s/[A-Za-z0-9_-]{43})"', html)
        st, _, html = Browser(port).req("GET", m.group(1) if m else "/s/none")
        check(st == 200 and "<h1>Walking analysis, 2026-01-05</h1>" in html and
              "Running" not in html, f"a walk's share page says walking ({st})")
        # the access log pages back on the page itself (it said to ask GET /api/v1/access)
        db3 = sqlite3.connect(os.path.join(data, "gaitscope.db"), timeout=30)
        acc, member = db3.execute("SELECT account, member FROM access_log WHERE member != '' "
                                  "LIMIT 1").fetchone()
        with db3:
            db3.executemany("INSERT INTO access_log (account, at, member, athlete, session, what, "
                            "addr) VALUES (?, ?, ?, ?, '', 'athlete page', '127.0.0.1')",
                            [(acc, 1700000000 + i, member, ath) for i in range(600)])
        total = db3.execute("SELECT COUNT(*) FROM access_log WHERE account = ?",
                            (acc,)).fetchone()[0]
        db3.close()
        st, _, html = br.req("GET", "/account/access")
        check(st == 200 and "/api/v1/access" not in html and
              'id="access-older" href="/account/access?skip=500"' in html and
              html.count('<td data-l="Who">') == 500 and "Entries 1 to 500." in html,
              f"the access log's first page links the older entries ({st})")
        st, _, html = br.req("GET", "/account/access?skip=500")
        rows = html.count('<td data-l="Who">')
        check(st == 200 and 'href="/account/access">&larr; Newer entries' in html and
              'id="access-older"' not in html and rows >= total - 500 - 2 and
              f"Entries 501 to {500 + rows}." in html,
              f"the access log's second page: the rest, a link back ({st}, {rows} of {total})")
        st, _, _ = br.req("GET", "/account/access?skip=-1")
        check(st == 400, f"a wrong skip -> 400 ({st})")
        # an error page's heading in words, the number after it
        st, _, html = br.req("GET", "/sessions/" + "x" * 22)
        check(st == 404 and "<h1>Not found</h1>" in html and "(error 404)" in html and
              "you are signed in as day@example.org" in html,
              f"a 404 page's heading in words, naming the account looking ({st})")
    finally:
        stop_server(p)


def main():
    if not os.path.exists(SAMPLE) or not os.path.exists(os.path.join(MODELS,
                                                                     "pose_landmark_full.tflite")):
        print("needs datasets/run_side_treadmill_01.mp4 and models/*.tflite", file=sys.stderr)
        return 77
    if os.environ.get("GS_PAGES_ONLY") in ("long", "day"):  # one part alone, for a quick look
        (long_history if os.environ["GS_PAGES_ONLY"] == "long" else clinic_day)()
        print("pages: %s" % ("ok" if failures == 0 else f"{failures} failure(s)"))
        return 1 if failures else 0
    data = os.path.join(SCRATCH, "pages_data")
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(data)
    log = open(data + ".log", "w")
    p = subprocess.Popen([BIN, "serve", "--data", data, "--listen", "127.0.0.1:0", "--workers",
                          "1", "--models", MODELS], stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        m = re.search(r"localhost:(\d+)", p.stdout.readline())
        if not m:
            print("serve did not start", file=sys.stderr)
            return 1
        return run(int(m.group(1)), data)
    finally:
        stop_server(p)


def run(port, data):
    # --- sign-up and sign-in forms: CSRF, cookies ---
    anon = Browser(port)
    st, r, _ = anon.req("GET", "/athletes")
    check(st == 303 and r.getheader("Location") == "/signin", f"signed out -> /signin ({st})")
    tok = anon.csrf("/signup")
    check("gs_csrf" in anon.cookies, "the sign-up page sets the gs_csrf cookie")
    form = {"email": "a@example.org", "password": "correct horse battery"}
    st, _, _ = anon.req("POST", "/signup", form)
    check(st == 403, f"sign-up without csrf -> 403 ({st})")
    st, _, _ = anon.req("POST", "/signup", dict(form, csrf="A" * 43))
    check(st == 403, f"sign-up with a wrong csrf -> 403 ({st})")
    st, r, _ = anon.req("POST", "/signup", dict(form, csrf=tok))
    check(st == 303 and r.getheader("Location") == "/athletes", f"sign-up -> 303 ({st})")
    sc = [v for k, v in r.getheaders() if k.lower() == "set-cookie" and v.startswith("gs_session=")]
    check(sc and "HttpOnly" in sc[0] and "SameSite=Lax" in sc[0] and "Secure" not in sc[0],
          f"session cookie HttpOnly, SameSite=Lax, no Secure over plain HTTP: {sc}")
    a = anon
    # the JSON API stays Bearer-only: the cookie opens nothing there
    st, _, _ = a.req("GET", "/api/v1/athletes")
    check(st == 401, f"API with the cookie only -> 401 ({st})")
    # sign out and in again through the forms
    st, _, _ = a.req("POST", "/signout", {"csrf": "B" * 43})
    check(st == 403, f"sign-out with a wrong csrf -> 403 ({st})")
    old = dict(a.cookies)
    tok = a.csrf("/athletes")
    st, r, _ = a.req("POST", "/signout", {"csrf": tok})
    check(st == 303 and "gs_session" not in a.cookies, f"sign-out -> 303, cookie cleared ({st})")
    stale = Browser(port)
    stale.cookies = old
    st, r, _ = stale.req("GET", "/athletes")
    check(st == 303 and r.getheader("Location") == "/signin", "the signed-out token opens nothing")
    tok = a.csrf("/signin")
    st, _, html = a.req("POST", "/signin", {"csrf": tok, "email": "a@example.org",
                                            "password": "wrong password!"})
    check(st == 401 and "Wrong e-mail or password" in html, f"wrong password -> 401 ({st})")
    st, _, _ = a.req("POST", "/signin", {"email": "a@example.org",
                                         "password": "correct horse battery"})
    check(st == 403, f"sign-in without csrf -> 403 ({st})")
    tok = a.csrf("/signin")
    st, r, _ = a.req("POST", "/signin", {"csrf": tok, "email": "A@Example.org ",
                                         "password": "correct horse battery"})
    check(st == 303 and "gs_session" in a.cookies, f"sign-in -> 303 with a session ({st})")
    check(a.cookies.get("gs_session") != old.get("gs_session"), "a new token at sign-in")
    # token kinds: the cookie's token is no bearer token, and a bearer token is no cookie
    st, _, _ = Browser(port).req("GET", "/api/v1/athletes",
                                 headers={"Authorization": f"Bearer {a.cookies['gs_session']}"})
    check(st == 401, f"the session cookie's token as a Bearer token -> 401 ({st})")
    st, _, txt = Browser(port).req("POST", "/api/v1/tokens", json.dumps(
        {"email": "a@example.org", "password": "correct horse battery"}),
        {"Content-Type": "application/json"})
    api_token = json.loads(txt).get("token", "") if st == 201 else ""
    check(st == 201 and len(api_token) == 43, f"an API token for the same account ({st})")
    st, _, _ = Browser(port).req("GET", "/api/v1/athletes",
                                 headers={"Authorization": f"Bearer {api_token}"})
    check(st == 200, f"the API token works as a Bearer token ({st})")
    as_cookie = Browser(port)
    as_cookie.cookies = {"gs_session": api_token}
    st, r, _ = as_cookie.req("GET", "/athletes")
    check(st == 303 and r.getheader("Location") == "/signin",
          f"the API token as the session cookie opens no page ({st})")

    # --- athlete with a hostile name ---
    tok = a.csrf("/athletes")
    st, _, _ = a.req("POST", "/athletes", {"name": EVIL, "height_m": "1.78"})
    check(st == 403, f"add athlete without csrf -> 403 ({st})")
    st, r, _ = a.req("POST", "/athletes", {"csrf": tok, "name": EVIL, "height_m": "1.78"})
    loc = r.getheader("Location") or ""
    check(st == 303 and re.fullmatch(r"/athletes/[A-Za-z0-9_-]{22}", loc), f"athlete added ({st})")
    athlete = loc.rsplit("/", 1)[-1]
    for path in ("/athletes", loc, loc + "/upload"):
        st, r, html = a.req("GET", path)
        check(st == 200, f"GET {path} ({st})")
        no_raw(html, path)
        csp = r.getheader("Content-Security-Policy") or ""
        check("frame-ancestors 'none'" in csp and "script-src 'nonce-" in csp,
              f"{path}: page CSP {csp!r}")

    # --- upload through the form's route (what its XHR sends) ---
    tok = a.csrf(loc + "/upload")
    body, ctype = multipart({"notes": EVIL, "history": "scar:abdomen", "start": "1",
                             "end": "4", "date": "2026-12-01"}, SAMPLE)
    st, _, _ = a.req("POST", loc + "/upload", body, {"Content-Type": ctype})
    check(st == 403, f"upload without the X-CSRF-Token header -> 403 ({st})")
    st, _, _ = a.req("POST", loc + "/upload", body, {"Content-Type": ctype,
                                                     "X-CSRF-Token": "C" * 43})
    check(st == 403, f"upload with a wrong X-CSRF-Token -> 403 ({st})")
    st, _, txt = a.req("POST", loc + "/upload", body, {"Content-Type": ctype,
                                                       "X-CSRF-Token": tok})
    check(st == 202, f"upload -> 202 ({st} {txt[:200]})")
    up = json.loads(txt) if st == 202 else {}
    job, session = up.get("job", ""), up.get("session", "")

    # --- the job page until done ---
    deadline = time.time() + 600
    html = ""
    while time.time() < deadline:
        st, _, html = a.req("GET", f"/jobs/{job}")
        if st != 200 or re.search(r"Status: <strong>(done|failed|cancelled)", html):
            break
        check('http-equiv="refresh"' in html and "<progress" in html,
              "a running job's page refreshes itself and shows a bar")
        time.sleep(2)
    check("Status: <strong>done" in html, f"the job ended done: {html[-400:]}")

    # --- the session page ---
    st, _, html = a.req("GET", f"/sessions/{session}")
    check(st == 200, f"session page ({st})")
    no_raw(html, "session page")
    check('<iframe class="report" id="report" sandbox="allow-same-origin"' in html,
          "the report sits in a sandboxed frame")
    check('id="overlay"' in html and "/overlay.mp4" in html, "the overlay video is on the page")
    check("keyframes/left_IC.png" in html, "key frames on the page")
    check(re.search(r'<figure><a href="/sessions/[^"]+/files/keyframes/left_IC\.png"><img [^>]*>'
                    r'</a><figcaption>left, initial contact</figcaption></figure>', html),
          "each key frame has its caption on the page and a link to its full size")
    check("scar:abdomen" in html, "the owner sees the intake history")
    dl = re.search(r'<ul id="downloads">(.*?)</ul>', html, re.S)
    dl = dl.group(1) if dl else ""
    check('download>pose.trc</a> <span class="muted">&ndash; the body points for OpenSim' in dl
          and dl.count("&ndash;") == 8, f"each download says what it is: {dl[:300]!r}")
    check(f'<a id="report-open" href="/sessions/{session}/files/report.html">' in html,
          "the report can be opened on its own page")
    m = re.search(r'<dd id="options">(.*?)</dd>', html)
    opts = m.group(1) if m else ""
    check("from 1 s" in opts and "to 4 s" in opts and "{" not in opts and "history" not in opts,
          f"the analysis options in words, not JSON: {opts!r}")
    for name in ("report.html", "overlay.mp4", "analysis.json"):
        st, r, _ = a.req("GET", f"/sessions/{session}/files/{name}", raw=True)
        csp = r.getheader("Content-Security-Policy") or ""
        check(st == 200 and csp.startswith("sandbox") and
              r.getheader("X-Content-Type-Options") == "nosniff" and
              r.getheader("Referrer-Policy") == "no-referrer",
              f"{name}: 200 with CSP sandbox, nosniff, no-referrer ({st}, {csp!r})")
    st, r, body = a.req("GET", f"/sessions/{session}/files/overlay.mp4",
                        headers={"Range": "bytes=100-199"}, raw=True)
    check(st == 206 and len(body) == 100, f"overlay Range -> 206, 100 bytes ({st})")
    st, _, athtml = a.req("GET", loc)
    check(f"/sessions/{session}" in athtml and 'id="charts"' in athtml and "<svg" in athtml,
          "the athlete page lists the session and draws the charts")

    # --- the upload form's duplicate check: the account's sessions of a SHA-256 ---
    import hashlib
    with open(SAMPLE, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    st, _, txt = a.req("GET", f"/uploads/{sha}")
    check(st == 200 and [x["session"] for x in json.loads(txt).get("sessions", [])] == [session],
          f"/uploads/SHA lists the earlier session ({st} {txt[:200]})")
    st, _, txt = a.req("GET", "/uploads/" + "0" * 64)
    check(st == 200 and json.loads(txt) == {"sessions": []}, "an unknown SHA-256: no sessions")

    # --- the NKT record ---
    tok = a.csrf(f"/sessions/{session}")
    nkt = {"tests": "gluteus medius left: inhibited " + EVIL, "facilitators": EVIL,
           "released": EVIL, "activated": EVIL, "homework": "HOMEWORK-1 " + EVIL}
    st, _, _ = a.req("POST", f"/sessions/{session}/nkt", nkt)
    check(st == 403, f"NKT record without csrf -> 403 ({st})")
    st, _, html = a.req("POST", f"/sessions/{session}/nkt", dict(nkt, csrf=tok))
    check(st == 200 and 'id="nkt-saved"' in html and "gluteus medius left: inhibited" in html,
          f"NKT record saved and shown ({st})")
    no_raw(html, "session page with the NKT record")
    # the next session (the same file again, a week later) shows it as "last time"
    tok = a.csrf(loc + "/upload")
    body2, ctype2 = multipart({"start": "1", "end": "4", "date": "2026-12-08"}, SAMPLE)
    st, _, txt = a.req("POST", loc + "/upload", body2, {"Content-Type": ctype2,
                                                        "X-CSRF-Token": tok})
    up2 = json.loads(txt) if st == 202 else {}
    check(st == 202 and up2.get("duplicate_of"), f"second upload of the same file ({st})")
    st, _, html = a.req("GET", f"/sessions/{up2.get('session')}")
    check(st == 200 and 'id="nkt-last"' in html and "Last time (2026-12-01)" in html and
          "HOMEWORK-1" in html, "the next session shows last time's record")
    no_raw(html, "next session page")
    tok = a.csrf(f"/sessions/{up2.get('session')}")
    st, _, html = a.req("POST", f"/jobs/{up2.get('job')}/cancel", {"csrf": tok})
    check(st == 303, f"cancel the second job ({st})")
    st, _, html = a.req("GET", f"/jobs/{up2.get('job')}")
    check("Status: <strong>cancelled" in html, "the job page says cancelled")
    # and what to do next: the video stays, re-run it from the session's page (it said nothing)
    s2 = up2.get("session")
    check('id="job-next"' in html and f'href="/sessions/{s2}#rerun-form"' in html and
          f'href="/sessions/{s2}">Open the session' in html and 'id="cancel-what"' not in html,
          "a cancelled job's page says what to do next")
    st, _, html = a.req("GET", f"/sessions/{up2.get('session')}")
    check(st == 200 and re.search(r'<p id="analysis-status">The analysis was <a href="/jobs/'
                                  r'[A-Za-z0-9_-]{22}">cancelled</a>\.</p>', html) and
          "earlier" not in html, f"the session page says the analysis was cancelled: "
          f"{re.findall(r'<p id=.analysis-status.>.*?</p>', html)}")

    # --- re-run the cancelled second session with other options (its form), then compare ---
    s2 = up2.get("session")
    tok = a.csrf(f"/sessions/{s2}")
    st, _, html = a.req("GET", f"/sessions/{s2}")
    check('id="rerun-form"' in html and 'name="height"' in html, "the re-run form")
    rerun = {"view": "side-left", "start": "4", "end": "8", "height": "1.81", "person": ""}
    st, _, _ = a.req("POST", f"/sessions/{s2}/rerun", rerun)
    check(st == 403, f"re-run without csrf -> 403 ({st})")
    st, _, html = a.req("POST", f"/sessions/{s2}/rerun", dict(rerun, csrf=tok, height="9"))
    check(st == 400 and "height" in html, f"re-run with height 9 -> 400 ({st})")
    st, r, _ = a.req("POST", f"/sessions/{s2}/rerun", dict(rerun, csrf=tok))
    loc2 = r.getheader("Location") or ""
    check(st == 303 and loc2.startswith("/jobs/"), f"re-run -> 303 to its job ({st} {loc2})")
    deadline = time.time() + 600
    while time.time() < deadline:
        st, _, html = a.req("GET", loc2)
        if st != 200 or re.search(r"Status: <strong>(done|failed|cancelled)", html):
            break
        time.sleep(2)
    check("Status: <strong>done" in html, f"the re-run ended done: {html[-300:]}")
    st, _, txt = a.req("GET", f"/sessions/{s2}/files/analysis.json")
    an2 = json.loads(txt) if st == 200 else {}
    check(an2.get("scale", {}).get("height_m") == 1.81 and
          an2.get("view", {}).get("kind") == "side-left",
          f"the re-run's options reached the worker: {an2.get('scale')} {an2.get('view')}")
    st, _, html = a.req("GET", f"/sessions/{s2}")
    opts, word, _ = options_of(html)
    check("from 4 s" in opts and "to 8 s" in opts and "1.81" in opts and not word,
          f"a done re-run: its options beside its results, none pending: {opts!r} {word!r}")
    st, _, athtml = a.req("GET", loc)
    check('id="compare-form"' in athtml and 'id="export-link"' in athtml,
          "the athlete page has the compare form and the export link")
    tok = a.csrf(loc)
    cform = {"before": session, "after": s2}
    st, _, _ = a.req("POST", loc + "/compare", cform)
    check(st == 403, f"compare without csrf -> 403 ({st})")
    st, _, html = a.req("POST", loc + "/compare", {"csrf": tok, "before": s2, "after": s2})
    check(st == 400, f"compare a session with itself -> 400 ({st})")
    st, r, _ = a.req("POST", loc + "/compare", dict(cform, csrf=tok))
    cloc = r.getheader("Location") or ""
    check(st == 303 and re.fullmatch(r"/comparisons/[A-Za-z0-9_-]{22}", cloc),
          f"compare -> 303 to the comparison ({st} {cloc})")
    deadline = time.time() + 600
    while time.time() < deadline:
        st, _, html = a.req("GET", cloc)
        if st != 200 or 'id="job-status"' not in html or re.search(
                r"Status: <strong>(failed|cancelled)", html):
            break
        check('http-equiv="refresh"' in html, "a running comparison's page refreshes itself")
        time.sleep(2)
    check(st == 200 and 'id="comparison-summary"' in html, f"the comparison page: {html[-400:]}")
    check('<iframe class="report" id="comparison" sandbox="allow-same-origin"' in html,
          "the comparison's HTML sits in a sandboxed frame")
    check('id="side-by-side"' in html and "comparison.json" in html,
          "the side-by-side clip and the JSON download")
    no_raw(html, "comparison page")
    for name in ("comparison.html", "comparison.json", "side_by_side.mp4"):
        st, r, _ = a.req("GET", f"{cloc}/files/{name}", raw=True)
        csp = r.getheader("Content-Security-Policy") or ""
        check(st == 200 and csp.startswith("sandbox") and
              r.getheader("X-Content-Type-Options") == "nosniff",
              f"{name}: 200 with CSP sandbox, nosniff ({st}, {csp!r})")
    for path in (loc, f"/sessions/{session}", f"/sessions/{s2}"):
        st, _, html = a.req("GET", path)
        check(f'href="{cloc}"' in html and 'id="comparisons"' in html,
              f"{path} lists the comparison")
    st, r, z = a.req("GET", f"/sessions/{session}/zip", raw=True)
    check(st == 200 and r.getheader("Content-Type") == "application/zip" and
          z[:2] == b"PK", f"the session's zip ({st})")
    import io
    import zipfile
    names = zipfile.ZipFile(io.BytesIO(z)).namelist() if st == 200 else []
    check("session-2026-12-01/analysis.json" in names and
          "session-2026-12-01/nkt.json" in names, f"session zip entries: {names}")
    st, r, z = a.req("GET", loc + "/export", raw=True)
    names = zipfile.ZipFile(io.BytesIO(z)).namelist() if st == 200 else []
    check(st == 200 and "nkt_records.csv" in names and
          f"2026-12-01_{session}/nkt.json" in names and
          f"comparisons/{cloc.rsplit('/', 1)[-1]}/comparison.json" in names,
          f"athlete export entries ({st}): {names[:20]}")
    if st == 200:
        rec = json.loads(zipfile.ZipFile(io.BytesIO(z)).read(f"2026-12-01_{session}/nkt.json"))
        check(rec["homework"].startswith("HOMEWORK-1") and
              rec["muscle_tests"].startswith("gluteus medius left: inhibited"),
              f"the NKT record in the export: {rec}")
    compared = cloc

    # --- a re-run of the after session: the comparison page says it will be computed again,
    # and it is (a new compare job queued as the re-run's results are published) ---
    # (sent as the page's form sends it: multipart, with an edited events.csv and a leg swap)
    st, _, html = a.req("GET", f"/sessions/{s2}")
    tok = a.csrf(f"/sessions/{s2}")
    check('enctype="multipart/form-data"' in html and 'name="events"' in html and
          'name="swap_legs"' in html and 'id="rr-events-kept"' not in html,
          "the re-run form takes an events file and a leg swap")
    st, _, ev = a.req("GET", f"/sessions/{s2}/files/events.csv")
    rows = ev.splitlines()
    edited = ("\n".join(rows[:2] + rows[3:]) + "\n").encode()  # the first event deleted
    body, ctype = multipart_file(dict(rerun, csrf=tok, height="1.79", swap_legs="4.5-5"),
                                 "events", "events.csv", edited)
    st, r, _ = a.req("POST", f"/sessions/{s2}/rerun", body, {"Content-Type": ctype})
    loc3 = r.getheader("Location") or ""
    check(st == 303 and loc3.startswith("/jobs/"), f"multipart re-run -> 303 ({st} {loc3})")
    body, ctype = multipart_file(dict(rerun, csrf="D" * 43), "events", "events.csv", edited)
    st, _, _ = a.req("POST", f"/sessions/{s2}/rerun", body, {"Content-Type": ctype})
    check(st == 403, f"multipart re-run without the right csrf -> 403 ({st})")
    st, _, html = a.req("GET", cloc)
    check(st == 200 and 'id="rerun-after"' in html and 'id="comparison-summary"' in html,
          f"while the after session is re-run, the comparison page says so: {html[-600:]}")
    deadline = time.time() + 600
    while time.time() < deadline:
        st, _, html = a.req("GET", loc3)
        if st != 200 or re.search(r"Status: <strong>(done|failed|cancelled)", html):
            break
        time.sleep(2)
    check("Status: <strong>done" in html, f"the second re-run ended done: {html[-300:]}")
    st, _, html = a.req("GET", cloc)
    check('id="recomputing"' in html or 'id="comparison-summary"' in html,
          f"the comparison after the re-run: computing again or done: {html[-600:]}")
    seen_recomputing = 'id="recomputing"' in html
    while time.time() < deadline:
        st, _, html = a.req("GET", cloc)
        if st != 200 or 'id="job-status"' not in html or re.search(
                r"Status: <strong>(failed|cancelled)", html):
            break
        seen_recomputing |= 'id="recomputing"' in html
        time.sleep(1)
    check(st == 200 and 'id="comparison-summary"' in html and 'id="rerun-after"' not in html,
          f"the comparison computed again: {html[-400:]}")
    print(f"comparison page showed 'computing again': {seen_recomputing}")
    st, _, txt = a.req("GET", f"{cloc}/files/comparison.json")
    cj = json.loads(txt) if st == 200 else {}
    st, _, txt = a.req("GET", f"/sessions/{s2}/files/analysis.json")
    an3 = json.loads(txt) if st == 200 else {}
    # the after values in cm scale with the height (1.81 -> 1.79): the comparison's must be
    # the re-run analysis's
    rows = [m for m in cj.get("metrics", []) if m.get("unit") == "cm" and
            m.get("side") in ("left", "right") and m.get("after") is not None]
    notes = " ".join(an3.get("notes", []))
    check("events edited by hand" in notes and "legs swapped by hand" in notes and
          len(an3.get("events", [])) == len(edited.splitlines()) - 1,
          f"the page's re-run used the edited events and the swap: {notes}")
    st, _, html = a.req("GET", f"/sessions/{s2}")
    check('id="rr-events-kept"' in html and 'name="events_detected"' in html and
          'value="4.5-5"' in html, "the re-run form says the edited events are kept")
    check(an3.get("scale", {}).get("height_m") == 1.79 and rows and all(
        abs(m["after"] - an3["metrics"][m["metric"]][m["side"]]["mean"]) < 1e-3 and
        abs(m["after"] - an2["metrics"][m["metric"]][m["side"]]["mean"]) > 1e-3 for m in rows),
        f"the recomputed comparison's cm rows are the re-run's: "
        f"{[(m['metric'], m['side'], m['after']) for m in rows]}")

    # --- share ---
    tok = a.csrf(f"/sessions/{session}")
    st, _, html = a.req("POST", f"/sessions/{session}/shares", {"csrf": tok, "days": "1"})
    m = re.search(r'id="share-url" href="http://[^/"]+(/s/[A-Za-z0-9_-]{43})"', html)
    first_share = m.group(1) if m else "/s/none"
    m = re.search(r'action="(/sessions/[^"]+/shares/[A-Za-z0-9_-]{22}/revoke)"', html)
    check(st == 201 and m and 'id="shares"' in html, "the share is listed with a revoke button")
    st, _, _ = Browser(port).req("GET", first_share)
    check(st == 200, f"the first share opens ({st})")
    revoke = m.group(1) if m else "/none"
    # the revoke form names the session: another session of the same account is refused
    wrong = revoke.replace(f"/sessions/{session}/", f"/sessions/{up2.get('session')}/")
    st, _, _ = a.req("POST", wrong, {"csrf": tok})
    check(st == 404, f"revoke through another session of the account -> 404 ({st})")
    st, _, _ = Browser(port).req("GET", first_share)
    check(st == 200, f"the share still opens after the refused revoke ({st})")
    st, _, _ = a.req("POST", revoke, {"csrf": "D" * 43})
    check(st == 403, f"revoke without the right csrf -> 403 ({st})")
    st, _, _ = a.req("POST", revoke, {"csrf": tok})
    check(st == 303, f"revoke -> 303 ({st})")
    st, _, _ = Browser(port).req("GET", first_share)
    check(st == 404, f"a revoked share -> 404 ({st})")
    st, _, _ = a.req("POST", f"/sessions/{session}/shares", {"days": "3"})
    check(st == 403, f"share without csrf -> 403 ({st})")
    st, _, html = a.req("POST", f"/sessions/{session}/shares", {"csrf": tok, "days": "3"})
    m = re.search(r'id="share-url" href="http://[^/"]+(/s/[A-Za-z0-9_-]{43})"', html)
    check(st == 201 and m, f"share created with its link on the page ({st})")
    share = m.group(1) if m else "/s/none"
    viewer = Browser(port)
    st, _, html = viewer.req("GET", share)
    check(st == 200 and 'id="overlay"' in html and 'id="findings"' in html,
          f"share page shows the overlay and findings ({st})")
    check("scar:abdomen" not in html and "alert(1)" not in html and "Intake" not in html and
          "Notes" not in html, "the share page shows no notes and no intake history")
    check("gluteus medius" not in html and "HOMEWORK-1" not in html and "NKT record" not in html,
          "the share page shows no NKT record")
    st, _, _ = viewer.req("GET", share + "/files/overlay.mp4", raw=True)
    check(st == 200, f"share: overlay 200 ({st})")
    for name in ("report.html", "analysis.json", "pose.json"):
        st, _, _ = viewer.req("GET", f"{share}/files/{name}", raw=True)
        check(st == 404, f"share: {name} is not offered (its findings carry the history) ({st})")

    failed_runs(a, loc, session, share, viewer)

    # --- another account: every page route with the first one's ids -> 404 ---
    b = signup(port, "b@example.org")
    btok = b.csrf("/athletes")
    gets = [f"/athletes/{athlete}", f"/athletes/{athlete}/upload", f"/jobs/{job}",
            f"/sessions/{session}", f"/sessions/{session}/files/overlay.mp4",
            f"/sessions/{session}/files/report.html", compared,
            f"{compared}/files/comparison.html", f"{compared}/files/comparison.json",
            f"{compared}/files/side_by_side.mp4", f"/sessions/{session}/zip",
            f"/athletes/{athlete}/export"]
    for path in gets:
        st, _, _ = b.req("GET", path, raw=True)
        check(st == 404, f"other account GET {path} -> 404 ({st})")
    for path in (f"/jobs/{job}/cancel", f"/sessions/{session}/shares",
                 f"/sessions/{session}/nkt", revoke, f"/sessions/{session}/delete",
                 f"/sessions/{session}/rerun", f"/athletes/{athlete}/compare",
                 f"{compared}/delete"):
        st, _, _ = b.req("POST", path, {"csrf": btok, "confirm": "1", "days": "2"})
        check(st == 404, f"other account POST {path} -> 404 ({st})")
    bst, br_, _ = b.req("POST", "/athletes", {"csrf": btok, "name": "B's"})
    bath = (br_.getheader("Location") or "/x").rsplit("/", 1)[-1]
    st, _, _ = b.req("POST", f"/athletes/{bath}/compare",
                     {"csrf": btok, "before": session, "after": s2})
    check(st == 404, f"other account compares the first one's sessions -> 404 ({st})")
    st, _, html = a.req("GET", compared)
    check(st == 200 and 'id="comparison-summary"' in html, "the comparison intact after B's tries")
    st, _, _ = b.req("POST", f"/athletes/{athlete}/upload", body,
                     {"Content-Type": ctype, "X-CSRF-Token": btok})
    check(st == 404, f"other account upload to the athlete -> 404 ({st})")
    st, _, txt = b.req("GET", f"/uploads/{sha}")
    check(st == 200 and json.loads(txt) == {"sessions": []},
          "another account's upload of the same file is not told")
    # a's csrf token is no good in b's session
    st, _, _ = b.req("POST", "/athletes", {"csrf": tok, "name": "x"})
    check(st == 403, f"another session's csrf -> 403 ({st})")

    # --- delete ---
    folder = os.path.join(data, "sessions", session)
    check(os.path.isdir(folder) or any(session in d for d, _, _ in os.walk(
        os.path.join(data, "sessions"))), "the session folder exists before the delete")
    tok = a.csrf(f"/sessions/{session}")
    st, r, _ = a.req("POST", f"/sessions/{session}/delete", {"csrf": tok, "confirm": "1"})
    check(st == 303 and r.getheader("Location") == loc, f"delete -> 303 to the athlete ({st})")
    st, _, _ = a.req("GET", f"/sessions/{session}")
    check(st == 404, f"the deleted session -> 404 ({st})")
    check(not any(session in d for d, _, _ in os.walk(os.path.join(data, "sessions"))),
          "the session folder is gone")
    st, _, _ = viewer.req("GET", share)
    check(st == 404, f"the share of a deleted session -> 404 ({st})")

    clinic(port, data, a, b, athlete, up2.get("session", ""))

    long_history()
    clinic_day()

    print("pages: %s" % ("ok" if failures == 0 else f"{failures} failure(s)"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
