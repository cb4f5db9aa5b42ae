"""Fault injection: PostgreSQL unreachable for a while under a steady stream of requests to a
production gunicorn; see bench/README.md. Prints the status codes seen in each phase, the log
lines per second during the outage and the time to recover after it."""

import argparse
import collections
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from live_gunicorn import BIN, Client, Gunicorn, production_env  # noqa: E402
from tcp_proxy import TCPProxy  # noqa: E402

EMAIL = "focal.outage@example.org"
# What each stream asks for: an anonymous page, a logged-in focal point's page, the API.
STREAMS = {"anonymous /commitments": ("/commitments", False, {}),
           "logged-in /my/commitments": ("/my/commitments", True, {}),
           "API /api/v1/commitments": ("/api/v1/commitments", False,
                                       {"Accept": "application/json"})}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test",
                   help="server where the bench database is created and dropped")
    p.add_argument("--database", default="outage_bench", help="its name (dropped first!)")
    p.add_argument("--outage", type=float, default=20, help="seconds PostgreSQL is cut")
    p.add_argument("--before", type=float, default=5, help="seconds of traffic before")
    p.add_argument("--after", type=float, default=15, help="seconds of traffic after")
    p.add_argument("--mode", choices=("cut", "black-hole"), default="cut",
                   help="cut: connections reset and refused; black-hole: never answered")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--pause", type=float, default=0.05, help="seconds between two requests")
    return p.parse_args()


def run(cmd, env, stdin=None):
    done = subprocess.run(cmd, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout}{done.stderr}")


def pg_admin(pg_url, sql):
    import psycopg
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql)


def prepare(env, password):
    """Migrate, seed and create the focal point whose session the logged-in stream uses."""
    flask = [str(BIN / "flask"), "--app", "tracker"]
    run(flask + ["db", "upgrade"], env)
    run(flask + ["seed"], env)
    run(flask + ["users", "create", EMAIL, "--role", "focal_point", "--country", "MEX",
                 "--password-stdin"], env, stdin=password + "\n")


class Stream(threading.Thread):
    """One client asking for one page again and again; every answer kept with its time."""

    def __init__(self, name, port, password, stop, pause):
        super().__init__(daemon=True)
        self.name, self.stop, self.pause = name, stop, pause
        self.path, logged_in, self.headers = STREAMS[name]
        self.client = Client(port, timeout=60)
        if logged_in:
            self.client.login(EMAIL, password)
        # sent, answered, status (or the error), Retry-After
        self.seen: list[tuple[float, float, int | str, str | None]] = []

    def run(self):
        while not self.stop.is_set():
            sent = time.monotonic()
            try:
                reply = self.client.get(self.path, **self.headers)
                status, retry = reply.status, reply.headers.get("Retry-After")
            except OSError as exc:
                status, retry = type(exc).__name__, None
            self.seen.append((sent, time.monotonic(), status, retry))
            time.sleep(self.pause)


def phase_of(sent, cut_at, restored_at):
    return "before" if sent < cut_at else "outage" if sent < restored_at else "after"


def report(streams, cut_at, restored_at, log_counts, args):
    print(f"\nstatus codes seen ({args.mode}, {args.outage:.0f} s, {args.workers} workers):")
    print(f"  {'stream':<28}{'before':<22}{'outage':<34}after")
    slowest = 0.0
    for stream in streams:
        by_phase = collections.defaultdict(collections.Counter)
        for sent, done, status, _ in stream.seen:
            by_phase[phase_of(sent, cut_at, restored_at)][status] += 1
            if cut_at <= sent < restored_at:
                slowest = max(slowest, done - sent)
        cells = [", ".join(f"{code}x{n}" for code, n in sorted(
            by_phase[p].items(), key=str)) or "-" for p in ("before", "outage", "after")]
        print(f"  {stream.name:<28}{cells[0]:<22}{cells[1]:<34}{cells[2]}")
    print(f"slowest answer during the outage: {slowest:.2f} s")

    outage_lines = log_counts["restored"] - log_counts["cut"]
    failed = sum(1 for s in streams for sent, _, status, _ in s.seen
                 if cut_at <= sent < restored_at and status != 200)
    print(f"log lines during the outage: {outage_lines} in {restored_at - cut_at:.1f} s = "
          f"{outage_lines / (restored_at - cut_at):.1f} lines/s, for {failed} failed requests "
          f"({outage_lines / max(failed, 1):.1f} lines per failed request)")

    recovered = []
    for stream in streams:
        after = [(sent, done, status) for sent, done, status, _ in stream.seen
                 if sent >= restored_at]
        bad = [i for i, (_, _, status) in enumerate(after) if status != 200]
        first_good = (bad[-1] + 1) if bad else 0
        if first_good >= len(after):
            print(f"  {stream.name}: NOT recovered {args.after:.0f} s after the restore")
            return False
        recovered.append(after[first_good][1] - restored_at)
    print(f"recovery: every stream answers 200 again {max(recovered):.2f} s after the restore "
          f"(and keeps doing so)")
    unavailable = [retry for s in streams for _, _, status, retry in s.seen if status == 503]
    if unavailable:
        print(f"Retry-After on {sum(r is not None for r in unavailable)} of "
              f"{len(unavailable)} 503 answers ({', '.join(sorted(set(map(str, unavailable))))})")
    return True


def main():
    args = parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="db_outage_"))
    password = secrets.token_urlsafe(18)
    database_url = urlunsplit(urlsplit(args.pg_url)._replace(path="/" + args.database))
    pg_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    pg_admin(args.pg_url, f'CREATE DATABASE "{args.database}"')
    proxy, server = TCPProxy(), None
    try:
        print(f"preparing database {args.database} (migrate, seed, one focal point) ...",
              flush=True)
        prepare(production_env(database_url, tmp / "instance"), password)
        proxy.start()
        env = production_env(proxy.url(database_url), tmp / "instance")
        server = Gunicorn(env, tmp / "gunicorn.log", workers=args.workers)
        stop = threading.Event()
        streams = [Stream(name, server.port, password, stop, args.pause) for name in STREAMS]
        for stream in streams:
            stream.start()
        time.sleep(args.before)
        log_counts = {"cut": len(server.log_lines())}
        cut_at = time.monotonic()
        (proxy.cut if args.mode == "cut" else proxy.black_hole)()
        print(f"PostgreSQL {args.mode} for {args.outage:.0f} s ...", flush=True)
        time.sleep(args.outage)
        log_counts["restored"] = len(server.log_lines())
        restored_at = time.monotonic()
        proxy.restore()
        print("restored; watching the recovery ...", flush=True)
        time.sleep(args.after)
        stop.set()
        for stream in streams:
            stream.join(timeout=70)
        ok = report(streams, cut_at, restored_at, log_counts, args)
        outage_log = server.log_lines()[log_counts["cut"]:log_counts["restored"]]
        tracebacks = sum(1 for line in outage_log if line.startswith("Traceback"))
        print(f"tracebacks in the log during the outage: {tracebacks}")
        print("a few of its lines:")
        for line in [ln for ln in outage_log if not re.match(r"\s", ln)][:6]:
            print("  " + line[:160])
    finally:
        if server is not None:
            server.stop()
        proxy.stop()
        pg_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        if os.environ.get("KEEP_LOG"):
            print(f"gunicorn's log kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
