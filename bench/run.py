"""Throughput and latency of the public pages at two data sizes; see bench/README.md."""

import argparse
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import proxy  # noqa: E402
import scenarios  # noqa: E402

from tracker.config import Config  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".venv", "bin")
LUA = os.path.join(ROOT, "bench", "latency.lua")
STATIC, API = "/static/css/tracker.css", "/api/v1/commitments"
SEARCHES = ["/commitments?q=ninez", "/commitments?q=agua"]
EXPORTS = ["/export/history.csv", "/export/commitments.csv", "/calendar.ics", "/feed.atom"]
LOADED = "/api/v1/countries"  # measured alone, then while the exports download


class BenchError(Exception):
    """A reason to stop: the numbers would be meaningless."""


def debug_off_app():
    """Gunicorn factory for SQLite runs: DevelopmentConfig, but without debug mode."""
    from tracker import create_app
    app = create_app()
    app.debug = False  # also turns off template auto-reload, as in production
    return app


def parse_args():
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--sizes", default="1000,100000", help="commitment counts, smallest first")
    p.add_argument("--sqlite", action="store_true", help="temporary SQLite file, not PostgreSQL")
    p.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test",
                   help="server where the bench databases are created and dropped")
    p.add_argument("--seed-only", action="store_true",
                   help="load seed_data/ (flask seed), not demo-data; sizes are then labels")
    p.add_argument("--duration", type=int, default=10, help="seconds of wrk per URL")
    p.add_argument("--connections", type=int, default=4)
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    p.add_argument("--warmup", type=int, default=20, help="warm-up requests per URL per worker")
    p.add_argument("--posts", type=int, default=30, help="sequential status-update POSTs")
    p.add_argument("--json", metavar="FILE", help="also write the results here")
    args = p.parse_args()
    if args.threads > args.connections:
        p.error("wrk needs at least as many connections as threads")
    args.sizes = [int(s) for s in args.sizes.split(",")]
    return args


def run(cmd, env):
    """Run a command in the repository; on failure raise with its output."""
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        output = "".join((done.stdout + done.stderr).splitlines(True)[-25:])
        raise BenchError(f"{' '.join(cmd)} exited {done.returncode}; its last lines:\n{output}")
    return done.stdout


def pg_admin(pg_url, sql):
    """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
    import psycopg
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql)


def child_env(args, tmp, db_url):
    """Environment for flask and gunicorn, the app to serve, and which config that is."""
    env = dict(os.environ, TRACKER_INSTANCE_PATH=os.path.join(tmp, "instance"),
               SECRET_KEY=secrets.token_hex(32), FLASK_CONFIG="production", DATABASE_URL=db_url,
               API_WRITE_RATE_LIMIT="100000 per minute",
               EXPORT_RATE_LIMIT="100000 per minute", PUBLIC_BASE_URL="https://bench.invalid",
               # as deploy/ does: nginx (bench/proxy.py) sends the cached exports
               EXPORT_CACHE_DIR=os.path.join(tmp, "export_cache"),
               EXPORT_ACCEL_REDIRECT=proxy.ACCEL)
    probe = subprocess.run([f"{BIN}/python", "-c", "import tracker; tracker.create_app()"],
                           cwd=ROOT, env=env, capture_output=True, text=True)
    if probe.returncode == 0:
        return env, "tracker:create_app()", "ProductionConfig"
    if not args.sqlite:
        raise BenchError(f"ProductionConfig does not start:\n{probe.stderr}")
    env["FLASK_CONFIG"] = "development"
    return env, "bench.run:debug_off_app()", \
        "DevelopmentConfig with debug OFF (ProductionConfig refuses SQLite)"


def load_data(env, size, seed_only):
    """Migrate, then fill the database; return the number of commitments stored."""
    flask = [f"{BIN}/flask", "--app", "tracker"]
    if not seed_only and "demo-data" not in run(flask + ["--help"], env):
        raise BenchError("`flask --app tracker demo-data` is not a known command (tracker/"
                         "importer/cli.py not there yet?). Use --seed-only to bench the seed data.")
    run(flask + ["db", "upgrade"], env)
    run(flask + (["seed"] if seed_only else ["demo-data", "--commitments", str(size)]), env)
    url = env["DATABASE_URL"]
    import psycopg
    with sqlite3.connect(url[10:]) if url.startswith("sqlite:///") else psycopg.connect(url) as c:
        return c.execute("SELECT count(*) FROM commitment").fetchone()[0]


def get(port, path, timeout=300, headers=None):
    """Status of one GET, redirects not followed."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def tail(path, lines=30):
    """The end of the gunicorn log."""
    with open(path, errors="replace") as f:
        return "".join(f.readlines()[-lines:])


def serve(env, app_spec, workers, log_path):
    """Start gunicorn on a free port and wait until it answers; return (process, port)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [f"{BIN}/gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", app_spec]
    with open(log_path, "w") as log:
        # Own session: Ctrl-C reaches only us, and we stop gunicorn in order.
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=log,
                                start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            get(port, STATIC, timeout=2)
            return proc, port
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise BenchError(f"gunicorn did not come up:\n{tail(log_path)}")


def stop(proc):
    """Stop gunicorn gracefully, then by force."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def warm_up(port, path, args, log_path, headers=None):
    """Fill every worker's caches; return False if the API does not exist yet (404)."""
    # As many clients as workers: a busy sync worker cannot take the next request, so
    # each worker gets its share (one sequential client may hit only one of them).
    try:
        with ThreadPoolExecutor(args.workers) as pool:
            statuses = set(pool.map(lambda _: get(port, path, headers=headers),
                                    range(args.warmup * args.workers)))
    except OSError as exc:  # e.g. a worker killed by gunicorn's 30 s timeout
        raise BenchError(f"warm-up GET {path} failed: {exc!r}\n{tail(log_path)}") from None
    if max(statuses) >= 400:
        raise BenchError(f"warm-up GET {path} answered {statuses}:\n{tail(log_path)}")
    return True


def wrk(port, path, args, cookie=None):
    """One wrk run against a URL; the numbers from latency.lua, times in ms."""
    cmd = ["wrk", "-t", str(args.threads), "-c", str(args.connections),
           "-d", f"{args.duration}s", "-s", LUA, f"http://127.0.0.1:{port}{path}"]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = next((row for row in out.splitlines() if row.startswith("BENCH ")), None)
    if line is None:
        raise BenchError(f"no BENCH line in wrk output:\n{out}")
    r = json.loads(line[len("BENCH "):])
    return {"rps": r["requests"] / (r["duration_us"] / 1e6), "p50_ms": r["p50_us"] / 1000,
            "p95_ms": r["p95_us"] / 1000, "requests": r["requests"],
            "failed": r["status_errors"], "timeouts": r["timeouts"],
            "socket_errors": r["connect_errors"] + r["read_errors"] + r["write_errors"]}


def bench_size(size, args):
    """Create, fill, serve and measure one database; always clean up after."""
    tmp = tempfile.mkdtemp(prefix=f"bench_{size}_")
    log_path, proc, db_name = os.path.join(tmp, "gunicorn.log"), None, None
    nginx = None
    try:
        if args.sqlite:
            db_url = f"sqlite:///{tmp}/bench_{size}.db"
        else:
            db_name = f"bench_{size}_{os.getpid()}"
            pg_admin(args.pg_url, f'CREATE DATABASE "{db_name}"')
            db_url = urlunsplit(urlsplit(args.pg_url)._replace(path="/" + db_name))
        env, app_spec, config = child_env(args, tmp, db_url)
        print(f"[{size:,}] {config}; loading data ...", flush=True)
        started = time.monotonic()
        count = load_data(env, size, args.seed_only)
        print(f"[{size:,}] {count:,} commitments in {time.monotonic() - started:.0f}s", flush=True)
        proc, port = serve(env, app_spec, args.workers, log_path)
        flask = [f"{BIN}/flask", "--app", "tracker"]
        code, iso3 = scenarios.commitments(port)[0]
        email, token = scenarios.make_focal_point(run, flask, env, iso3)
        cookie = scenarios.login(port, email)
        pages = ["/", "/commitments", f"/commitments/{code}", "/matrix", f"/countries/{iso3}",
                 API, f"{API}/{code}", "/api/v1/countries", f"/api/v1/countries/{iso3}",
                 "/api/v1/themes", "/api/v1/meetings", "/api/v1/recommendations",
                 "/api/v1/stats", "/api/v1/ledger"]
        plan = ([("anon", p, None) for p in [STATIC] + pages + SEARCHES]
                + [("fp", p, cookie) for p in pages + ["/my/commitments"] + SEARCHES])
        results = {}
        for who, path, ck in plan:
            key = f"{who} {path}"
            warm_up(port, path, args, log_path, {"Cookie": ck} if ck else None)
            results[key] = wrk(port, path, args, ck)
            if results[key]["failed"]:
                results[key]["log_tail"] = tail(log_path)
            print(f"[{size:,}] {key}: {fmt(results[key]['rps'])} req/s", flush=True)
        # Through nginx, as in production: unloaded, then while 4 clients read exports.
        nginx = proxy.start(tmp, port, env["EXPORT_CACHE_DIR"])
        if nginx is None:
            raise BenchError("nginx is not installed (apt-get install -y nginx)")
        for path in EXPORTS:  # each file written once: what is measured is the reading
            scenarios.request(nginx[1], "GET", path)
        results["nginx " + LOADED] = wrk(nginx[1], LOADED, args)
        results["export-load " + LOADED] = scenarios.under_export_load(
            nginx[1], EXPORTS, lambda: wrk(nginx[1], LOADED, args))
        # the production DATA_VERSION_TTL: a GET that waits it out after a write is the
        # first to see the new version in whichever worker answers it, so it renders
        settle = float(env.get("DATA_VERSION_TTL", Config.DATA_VERSION_TTL)) + 0.1
        posts, reads = scenarios.posts_and_first_reads(port, code, token, args.posts, settle)
        results["POST status update"] = posts
        results["anon / first after write"] = reads
        reminders = scenarios.time_reminders(flask, env)
        print(f"[{size:,}] reminder rules (dry run): {reminders['seconds']:.1f}s, "
              f"{reminders['planned']} e-mails planned", flush=True)
        reminders["sizes"] = scenarios.reminder_sizes(flask, env)
        print(f"[{size:,}] {len(reminders['sizes'])} reminder e-mails, the largest "
              f"{max(reminders['sizes'], default=0):,} bytes", flush=True)
        return {"commitments": count, "config": config, "urls": results,
                "reminders": reminders}
    finally:
        if nginx:
            stop(nginx[0])
        if proc:
            stop(proc)
        if db_name:
            pg_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


def ratio(a, b):
    """a/b, or None when either side is missing."""
    return a / b if a is not None and b else None


def fmt(value, spec=".1f"):
    """A number, or n/a."""
    return "n/a" if value is None else format(value, spec)


def summarise(runs, sizes):
    """Ratios to the static file, and PASS/FAIL targets at the largest size."""
    big = runs[sizes[-1]]["urls"]
    static = big["anon " + STATIC]
    ratios = {s: {k: {q: ratio(r.get(q), runs[s]["urls"]["anon " + STATIC][q])
                      for q in ("p50_ms", "p95_ms")} for k, r in runs[s]["urls"].items()}
              for s in sizes}
    targets = {}
    pages = [k for k in big if k.split()[0] in ("anon", "fp") and k != "anon " + STATIC
             and "?q=" not in k] + ["anon / first after write"]
    for k in pages:
        r = ratios[sizes[-1]][k]
        targets[f"{k}: p50 x{fmt(r['p50_ms'], '.2f')} <= 3, p95 x{fmt(r['p95_ms'], '.2f')}"
                " <= 5 static"] = r["p50_ms"] <= 3 and r["p95_ms"] <= 5
    for q in SEARCHES:  # logged in: never from the page cache
        for who in ("anon", "fp"):
            r = ratios[sizes[-1]][f"{who} {q}"]["p50_ms"]
            targets[f"{who} search {q}: p50 x{fmt(r, '.2f')} <= 3 static"] = r <= 3
    r = ratios[sizes[-1]]["POST status update"]["p50_ms"]
    targets[f"status update POST: p50 x{fmt(r, '.2f')} <= 5 static"] = r <= 5
    loaded = big["export-load " + LOADED]  # no answer at all (workers all busy) is a miss
    r = ratio(loaded["p95_ms"], big["nginx " + LOADED]["p95_ms"]) if loaded["requests"] \
        else float("inf")
    targets[f"{LOADED} p95 under 4 slow exports: x{fmt(r, '.2f')} <= 3 unloaded"] = r <= 3
    largest = max(runs[sizes[-1]]["reminders"]["sizes"], default=0)
    targets[f"largest reminder e-mail {largest:,} bytes < 100 KB"] = largest < 100_000
    growth = {}
    if len(sizes) > 1:  # uncached: the first anonymous GET / after a write
        for k in pages:
            growth[k] = ratio(big[k]["p50_ms"], runs[sizes[0]]["urls"][k]["p50_ms"])
            targets[f"{k}: p50 {sizes[-1]:,}/{sizes[0]:,} x{fmt(growth[k], '.2f')} <= 1.5"] = \
                growth[k] <= 1.5
    return {"static_p50_ms": static["p50_ms"], "ratios_to_static": ratios,
            "latency_growth": growth, "targets": targets}


def print_report(runs, sizes, summary):
    """The table per size, targets and any failed requests; (any failed, any missed)."""
    print()
    for s in sizes:
        rem = runs[s]["reminders"]
        print(f"{s:,}: {runs[s]['commitments']:,} commitments loaded, {runs[s]['config']}; "
              f"reminder rules {rem['seconds']:.1f}s for {rem['planned']} e-mails")
        print(f"  {'measurement':<44}   p50 ms  p95 ms  p50/st  p95/st")
        for key, r in runs[s]["urls"].items():
            q = summary["ratios_to_static"][s][key]
            print(f"  {key:<44} {r['p50_ms']:8.2f} {r['p95_ms']:7.2f} "
                  f"{fmt(q['p50_ms'], '.2f'):>7} {fmt(q['p95_ms'], '.2f'):>7}")
    print(f"\ntargets at {sizes[-1]:,}:")
    for name, ok in summary["targets"].items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    sys.stdout.flush()
    measured = [(s, p, r) for s in sizes for p, r in runs[s]["urls"].items() if "failed" in r]
    for s, p, r in measured:
        if r["socket_errors"] or r["timeouts"]:  # wrk counts these apart from status codes
            print(f"warning: {p} at {s:,}: {r['socket_errors']} socket errors, "
                  f"{r['timeouts']} timeouts", file=sys.stderr)
    bad = [(s, p, r) for s, p, r in measured if r["failed"]]
    for s, p, r in bad:
        print(f"\n!!!!! {r['failed']} of {r['requests']} requests to {p} at {s:,} FAILED "
              f"(status >= 400): these numbers are WORTHLESS !!!!!", file=sys.stderr)
        print(f"end of gunicorn's log:\n{r.get('log_tail', '')}", file=sys.stderr)
    return bool(bad), not all(summary["targets"].values())


def main():
    """Bench every size, print the report, write JSON; exit 2 if any request failed."""
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so finally blocks clean up
    if not shutil.which("wrk"):
        sys.exit("wrk is not on PATH; install it with: sudo apt-get install -y wrk")
    if not os.path.isfile(os.path.join(ROOT, "tracker", STATIC.lstrip("/"))):
        sys.exit(f"{STATIC} does not exist under the repository")
    began = time.monotonic()
    load = os.getloadavg()[0]
    print(f"load average {load:.2f} on {os.cpu_count()} CPUs"
          + (" -- the machine is busy, expect noisy numbers" if load > 0.5 else ""))
    try:
        runs = {size: bench_size(size, args) for size in args.sizes}
    except (BenchError, RuntimeError, subprocess.CalledProcessError) as exc:
        sys.exit(f"benchmark stopped: {exc}")
    except KeyboardInterrupt:
        sys.exit("interrupted; gunicorn stopped, databases and temp files removed")
    summary = summarise(runs, args.sizes)
    failed, missed = print_report(runs, args.sizes, summary)
    print(f"elapsed {time.monotonic() - began:.0f}s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "load_average": load, "runs": runs, **summary,
                       "any_failed_requests": failed}, f, indent=2)
    if missed:
        print("TARGETS MISSED", file=sys.stderr)
    sys.exit(2 if failed else 1 if missed else 0)


if __name__ == "__main__":
    main()
