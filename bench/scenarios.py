"""The bench's non-wrk measurements: a focal point's login, status-update POSTs, the first
anonymous GET after each write, exports read slowly under load, the reminder rules."""

import http.client
import json
import re
import statistics
import subprocess
import threading
import time

PASSWORD = "Walrus-Tangerine-Oboe-4417-Quiet"  # a throwaway account in a throwaway database
STATUSES = ["in_progress", "not_started"]  # neither needs a note, so every POST is valid


def request(port, method, path, body=None, headers=None):
    """One request; (status, headers, body bytes), redirects not followed."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read()
    finally:
        conn.close()


def commitments(port):
    """(code, country iso3) of some commitments, from the public API."""
    _, _, body = request(port, "GET", "/api/v1/commitments")
    found = []

    def walk(node):
        if isinstance(node, dict):
            country = node.get("country")
            iso3 = country.get("iso3") if isinstance(country, dict) else country
            if isinstance(node.get("code"), str) and isinstance(iso3, str):
                found.append((node["code"], iso3))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(json.loads(body))
    return found


def make_focal_point(run, flask, env, iso3):
    """A focal point of iso3 and a status:write token; return (email, token)."""
    email = f"bench-{iso3.lower()}@example.org"
    done = subprocess.run(flask + ["users", "create", email, "--role", "focal_point",
                                   "--country", iso3, "--name", "Bench", "--password-stdin"],
                          input=PASSWORD + "\n", env=env, text=True, capture_output=True)
    if done.returncode:
        raise RuntimeError(f"flask users create failed: {done.stderr[-500:]}")
    token = run(flask + ["tokens", "create", email, "--name", "bench", "--scope", "status:write"],
                env).strip().splitlines()[-1]
    return email, token


def login(port, email):
    """Log in through the /login form; return the Cookie header value."""
    status, headers, body = request(port, "GET", "/login")
    cookie = "; ".join(v.split(";")[0] for k, v in headers if k.lower() == "set-cookie")
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
    if status != 200 or not match:
        raise RuntimeError(f"GET /login answered {status} without a CSRF token")
    form = f"csrf_token={match.group(1).decode()}&email={email}&password={PASSWORD}"
    status, headers, _ = request(port, "POST", "/login", form, {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    cookies = [v.split(";")[0] for k, v in headers if k.lower() == "set-cookie"]
    if status != 302 or not cookies:
        raise RuntimeError(f"POST /login answered {status}: wrong password or form fields?")
    return "; ".join(cookies)


def pct(values, q):
    """The q-th percentile (nearest rank) of a list of milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def summary(values):
    """p50/p95 of a list of milliseconds."""
    return {"p50_ms": statistics.median(values), "p95_ms": pct(values, 95), "n": len(values)}


def posts_and_first_reads(port, code, token, count, settle):
    """`count` sequential status updates of one commitment, alternating statuses, each
    followed, `settle` seconds later (past DATA_VERSION_TTL, when every worker has read the
    new data version), by one timed anonymous GET /: the first to see that version, so
    rendered, not cached."""
    posts, reads = [], []
    for i in range(count):
        _, _, body = request(port, "GET", f"/api/v1/commitments/{code}")
        version = json.loads(body).get("version")
        payload = json.dumps({"status": STATUSES[i % 2], "note": f"bench {i}",
                              "version": version})
        started = time.perf_counter()
        status, _, answer = request(port, "POST", f"/api/v1/commitments/{code}/updates", payload,
                                    {"Content-Type": "application/json",
                                     "Authorization": f"Bearer {token}"})
        posts.append((time.perf_counter() - started) * 1000)
        if status not in (200, 201):
            raise RuntimeError(f"status update answered {status}: {answer[:300]!r}")
        time.sleep(settle)
        started = time.perf_counter()
        status, _, _ = request(port, "GET", "/")
        reads.append((time.perf_counter() - started) * 1000)
    return summary(posts), summary(reads)


def slow_reader(port, path, stop):
    """Download path again and again, 8 KB every 50 ms, until stop is set."""
    while not stop.is_set():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            while not stop.is_set() and resp.read(8192):
                time.sleep(0.05)
        finally:
            conn.close()


def under_export_load(port, paths, measure):
    """Run measure() while len(paths) clients read the exports slowly."""
    stop = threading.Event()
    readers = [threading.Thread(target=slow_reader, args=(port, p, stop), daemon=True)
               for p in paths]
    for t in readers:
        t.start()
    time.sleep(1)
    try:
        return measure()
    finally:
        stop.set()
        for t in readers:
            t.join(timeout=10)


def time_reminders(flask, env):
    """Seconds of `flask reminders run --dry-run --weekly-summary` and its planned lines."""
    started = time.monotonic()
    done = subprocess.run(flask + ["reminders", "run", "--dry-run", "--weekly-summary"],
                          env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if done.returncode:
        raise RuntimeError(f"reminders dry run exited {done.returncode}: {done.stderr[-500:]}")
    return {"seconds": elapsed, "planned": sum("would queue" in r for r in
                                               done.stdout.splitlines())}


REMINDER_SIZES = """
import datetime as dt, json
import sqlalchemy as sa
from tracker import create_app
from tracker.extensions import db
from tracker.models import OutboxMessage
from tracker.reminders.rules import queue_weekly_summaries, run_rules
app = create_app()
with app.app_context():
    today = dt.date.today()
    run_rules(today)
    queue_weekly_summaries(today)
    sizes = [len((m.subject + m.body).encode()) for m in db.session.scalars(
        sa.select(OutboxMessage))]
    print("SIZES " + json.dumps(sizes))
"""


def reminder_sizes(flask, env):
    """Bytes of every digest and summary the rules queue today (a secretariat account is
    added so that the weekly summary is written too); run last: it queues them for real."""
    subprocess.run(flask + ["users", "create", "bench-sec@example.org", "--role",
                            "secretariat", "--name", "Bench", "--password-stdin"],
                   input=PASSWORD + "\n", env=env, text=True, capture_output=True, check=True)
    done = subprocess.run([flask[0].replace("/flask", "/python"), "-c", REMINDER_SIZES],
                          env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"reminder sizes: {done.stderr[-500:]}")
    line = next(r for r in done.stdout.splitlines() if r.startswith("SIZES "))
    return json.loads(line[len("SIZES "):])
