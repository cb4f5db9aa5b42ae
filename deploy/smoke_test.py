"""Production smoke test: the tracker installed as an operator installs it, then used.

The wheel is built from this checkout and installed with requirements.lock into a fresh venv
in a temporary folder; everything then runs from another temporary folder, with the
environment of deploy/env.example (its CHANGE-ME values replaced) on a new PostgreSQL
database. gunicorn and the scheduler start from the ExecStart lines of deploy/'s units,
behind a private nginx running deploy/nginx.conf over HTTPS. Through it: readiness, a focal
point's login, status update and evidence upload, the API, a CSV export sent by nginx
from the app's file (X-Accel-Redirect), per-client login limits; then a
reminder mailed to a loopback SMTP server, and a clean stop. `make smoke` runs it; CI too.

Needs PostgreSQL on 127.0.0.1:5432 (SMOKE_PG_URL), Redis on 127.0.0.1:6379, nginx and
openssl; without nginx it talks to gunicorn directly, except under CI=true where it fails.
"""

import datetime as dt
import hashlib
import json
import os
import random
import re
import secrets
import shutil
import ssl
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from smoke_support import (
    STARTED,
    Browser,
    MailCatcher,
    Processes,
    Site,
    SmokeFailure,
    check,
    form_fields,
    free_port,
    minimal_path,
    read_env_file,
    step,
    substitute_once,
    unit_setting,
    wait_for,
)

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
PG_ADMIN_URL = os.environ.get("SMOKE_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SERVER_NAME = "tracker.example.org"  # nginx.conf's server_name and env.example's address
COUNTRY = "MEX"
FOCAL_POINT, SECRETARIAT = "fp.smoke@example.org", "secretariat.smoke@example.org"
# The smallest file the evidence checks accept as a PDF (by its magic number).
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
# The README's `python3 -m venv` on Debian 12 is its own python3 (3.11.2): install with that
# one where it is, as an operator would.
VENV_PYTHON = os.environ.get("SMOKE_PYTHON") or next(
    (p for p in ("/usr/bin/python3",) if Path(p).exists()), sys.executable)
# Left out of the copy the wheel is built from: local state, never part of a release.
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "instance", "*.egg-info",
                                    "__pycache__", ".*_cache", ".hypothesis", "*.mo")
# Every variable the installed tracker/config.py reads (no library's): the template needs all.
CONFIG_NAMES = """
import json, os, sys
seen = set()
class Recorder(dict):
    def get(self, key, default=None):
        if sys._getframe(1).f_code.co_filename.endswith("tracker/config.py"):
            seen.add(key)
        return super().get(key, default)
os.environ = Recorder()
import tracker.config
tracker.config.config_from_env()
print(json.dumps(sorted(seen)))
"""


class Smoke:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.venv, self.work, self.instance = tmp / "venv", tmp / "work", tmp / "instance"
        for folder in (self.work, tmp / "logs", tmp / "home"):
            folder.mkdir()
        base = {"PATH": f"{self.venv / 'bin'}{os.pathsep}{minimal_path()}",
                "HOME": str(tmp / "home"), "LANG": "C.UTF-8"}
        self.procs = Processes(tmp / "logs", self.work, base)
        self.database = f"crm_smoke_{os.getpid()}_{secrets.token_hex(3)}"
        self.site: Site | None = None
        self.created = False  # the database, to drop at the end
        self.restored: str | None = None  # the backup's restored copy, to drop too

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    # -- install --------------------------------------------------------------------

    def build_and_install(self) -> None:
        with step("build the wheel from the checkout"):
            shutil.copytree(ROOT, self.tmp / "src", ignore=NOT_SOURCE)
            self.procs.run("wheel", [sys.executable, "-m", "pip", "wheel", "--no-deps",
                                     "--no-build-isolation", "-q", "-w", str(self.tmp / "dist"),
                                     str(self.tmp / "src")], env=None)
            (wheel,) = (self.tmp / "dist").glob("crm_tracker-*.whl")
        with step(f"fresh venv ({VENV_PYTHON}), requirements.lock, then {wheel.name}"):
            self.procs.run("venv", [VENV_PYTHON, "-m", "venv", str(self.venv)], env=None)
            pip = [self.bin("python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
            self.procs.run("pip-lock", [*pip, "--require-hashes", "-r",
                                        str(ROOT / "requirements.lock")])
            self.procs.run("pip-wheel", [*pip, "--no-deps", str(wheel)])
            self.procs.run("pip-check", [self.bin("python"), "-m", "pip", "check"])

    def configure(self, smtp_port: int) -> None:
        with step("environment from deploy/env.example"):
            values, commented = read_env_file(DEPLOY / "env.example")
            read = json.loads(self.procs.run("config-names", [self.bin("python"), "-c",
                                                              CONFIG_NAMES]))
            missing = sorted(set(read) - set(values) - commented)
            check(not missing, f"env.example lacks variables config.py reads: {missing}")
            self.production_cache = (values.get("EXPORT_CACHE_DIR")
                                     or f"{values['TRACKER_INSTANCE_PATH']}/export_cache")
            self.accel = values.get("EXPORT_ACCEL_REDIRECT", "")
            check(self.accel == "/_exports/", f"EXPORT_ACCEL_REDIRECT is {self.accel!r}")
            values |= {"SECRET_KEY": secrets.token_hex(32),
                       "DATABASE_URL": f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{self.database}",
                       "TRACKER_INSTANCE_PATH": str(self.instance),
                       "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_port),
                       "MAIL_USE_TLS": "0"}  # the loopback server speaks no TLS
            left = [k for k, v in values.items() if "CHANGE-ME" in v]
            check(not left, f"placeholders left unreplaced: {left}")
            check(values["FLASK_CONFIG"] == "production", "env.example is not production")
            self.export_cache = self.instance / "export_cache"
            if "EXPORT_CACHE_DIR" in values:
                values["EXPORT_CACHE_DIR"] = str(self.export_cache)
            self.procs.env |= values
            self.login_limit = int(values["LOGIN_RATE_LIMIT"].split("/")[0].split()[0])
            print(f"  {len(read)} config variables, all in the template; database "
                  f"{self.database}")

    # -- database and release steps -------------------------------------------------

    def admin(self, sql: str) -> None:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql)

    def release(self) -> None:
        with step("create the database; flask db upgrade; flask seed"):
            self.admin(f'CREATE DATABASE "{self.database}"')
            self.created = True
            self.procs.run("db-upgrade", [self.bin("flask"), "db", "upgrade"])
            self.procs.run("seed", [self.bin("flask"), "seed"])
        with step("create a focal point and a secretariat account"):
            self.password = secrets.token_urlsafe(18)
            flask_users = [self.bin("flask"), "--app", "tracker", "users", "create"]
            self.procs.run("user-fp", [*flask_users, FOCAL_POINT, "--role", "focal_point",
                                       "--country", COUNTRY, "--password-stdin"],
                           stdin=self.password + "\n")
            self.procs.run("user-secretariat", [*flask_users, SECRETARIAT, "--role",
                                                "secretariat", "--password-stdin"],
                           stdin=secrets.token_urlsafe(18) + "\n")

    # -- services -------------------------------------------------------------------

    def exec_start(self, unit: str) -> list[str]:
        """A unit's ExecStart, with /opt/crm-tracker meaning the temporary venv."""
        line = unit_setting(DEPLOY / unit, "ExecStart")
        check(unit_setting(DEPLOY / unit, "EnvironmentFile") == "/etc/crm-tracker/env",
              f"{unit} does not read /etc/crm-tracker/env")
        return [arg.replace("/opt/crm-tracker", str(self.venv)) for arg in line.split()]

    def start_services(self) -> None:
        self.app_port = free_port()
        with step(f"gunicorn from crm-tracker-web.service (2 workers, 127.0.0.1:{self.app_port})"):
            argv = self.exec_start("crm-tracker-web.service")
            for option, value in (("--bind", f"127.0.0.1:{self.app_port}"), ("--workers", "2")):
                check(option in argv, f"crm-tracker-web.service's ExecStart has no {option}")
                argv[argv.index(option) + 1] = value
            self.procs.start("gunicorn", argv)
            direct = Browser(Site(self.app_port, SERVER_NAME, proxy_headers=True))
            wait_for("gunicorn's /healthz", lambda: direct.get("/healthz").status == 200)
        with step("scheduler from crm-tracker-scheduler.service"):
            self.procs.start("scheduler", self.exec_start("crm-tracker-scheduler.service"))
            wait_for("the scheduler to take its lock", lambda: "scheduler lock acquired" in
                     (self.tmp / "logs" / "scheduler.log").read_text()
                     or self.procs.running["scheduler"].poll() is not None)
            check(self.procs.running["scheduler"].poll() is None, "the scheduler exited")

    def check_prerequisites(self) -> None:
        """Fail before any work when something the test needs is missing."""
        self.nginx = shutil.which("nginx", path=minimal_path())
        check(self.nginx is not None or os.environ.get("CI") != "true",
              "nginx is not installed: CI must install it (apt-get install -y nginx)")
        check(self.nginx is None or shutil.which("openssl") is not None, "openssl is missing")
        try:
            self.admin("SELECT 1")
        except psycopg.OperationalError as exc:
            raise SmokeFailure(f"PostgreSQL does not answer at {PG_ADMIN_URL}: {exc}") from None

    def start_nginx(self) -> None:
        nginx = self.nginx
        if nginx is None:
            print("  nginx is not installed: talking to gunicorn directly, as its proxy would")
            self.site = Site(self.app_port, SERVER_NAME, proxy_headers=True)
            return
        with step("private nginx with deploy/nginx.conf, self-signed certificate"):
            prefix = self.tmp / "nginx"
            prefix.mkdir(mode=0o755)
            cert, key = prefix / "cert.pem", prefix / "key.pem"
            self.procs.run("openssl", [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                f"/CN={SERVER_NAME}", "-addext", f"subjectAltName=DNS:{SERVER_NAME},IP:127.0.0.1",
                "-keyout", str(key), "-out", str(cert)])
            self.https_port, self.http_port = free_port(), free_port()
            site = (DEPLOY / "nginx.conf").read_text()
            for old, new in (
                    ("listen 443 ssl;", f"listen 127.0.0.1:{self.https_port} ssl;"),
                    ("listen 80;", f"listen 127.0.0.1:{self.http_port};"),
                    (f"/etc/letsencrypt/live/{SERVER_NAME}/fullchain.pem", str(cert)),
                    (f"/etc/letsencrypt/live/{SERVER_NAME}/privkey.pem", str(key)),
                    ("proxy_pass http://127.0.0.1:8000;",
                     f"proxy_pass http://127.0.0.1:{self.app_port};"),
                    # the folder env.example's instance path gives EXPORT_CACHE_DIR
                    (f"alias {self.production_cache}/;", f"alias {self.export_cache}/;")):
                site = substitute_once(site, old, new, "deploy/nginx.conf")
            (prefix / "site.conf").write_text(site)
            # As the README's set-up: nginx's user may cross the instance folder, not list it.
            self.tmp.chmod(0o711)
            self.instance.chmod(0o751)
            main = prefix / "nginx.conf"
            main.write_text(self.nginx_main_conf(prefix))
            argv = [nginx, "-p", str(prefix), "-c", str(main), "-e", str(prefix / "error.log")]
            self.procs.run("nginx-t", [*argv, "-t"])
            self.procs.logs.append(prefix / "error.log")
            self.procs.start("nginx", argv)
            tls = ssl.create_default_context(cafile=str(cert))
            self.site = Site(self.https_port, SERVER_NAME, tls=tls)
            wait_for("nginx", lambda: Browser(self.site).get("/healthz").status == 200)

    @staticmethod
    def nginx_main_conf(prefix: Path) -> str:
        """nginx's main file for a private instance: in the foreground, all files here."""
        user = ""
        if os.geteuid() == 0:  # root's workers need a user; Debian has no group "nobody"
            import grp
            import pwd
            nobody = pwd.getpwnam("nobody")
            user = f"user nobody {grp.getgrgid(nobody.pw_gid).gr_name};"
        temp = "\n".join(f"    {kind}_temp_path {prefix / kind};"
                         for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        return (f"{user}\ndaemon off;\nworker_processes 1;\npid {prefix / 'nginx.pid'};\n"
                f"error_log {prefix / 'error.log'} notice;\nevents {{ worker_connections 256; }}\n"
                f"http {{\n    access_log {prefix / 'access.log'};\n{temp}\n"
                f"    include {prefix / 'site.conf'};\n}}\n")

    # -- through HTTP ---------------------------------------------------------------

    def browse(self) -> None:
        assert self.site is not None
        with step("/readyz" + ("; http:// redirects to https://" if self.site.tls else "")):
            ready = Browser(self.site).get("/readyz")
            check(ready.status == 200 and json.loads(ready.body)["status"] == "ready",
                  f"/readyz answered {ready.status}: {ready.text}")
            if self.site.tls is not None:
                plain = Browser(Site(self.http_port, SERVER_NAME)).get("/commitments?x=1")
                check(plain.status == 301 and plain.headers["Location"]
                      == f"https://{SERVER_NAME}/commitments?x=1",
                      f"http:// answered {plain.status} {plain.headers['Location']}")
        # Every client of this run on its own loopback /24: login limits from a previous
        # run (counted in the shared Redis for a minute) never meet this one's.
        net = f"127.{random.randint(1, 254)}.{random.randint(0, 255)}"
        self.addresses = [f"{net}.{host}" for host in range(2, 14)]
        focal_point = Browser(self.site, source=f"{net}.1")
        with step(f"log in as the focal point of {COUNTRY} through the form"):
            form = form_fields(focal_point.get("/login"), "")
            reply = focal_point.post_form("/login", {
                "csrf_token": form["csrf_token"], "email": FOCAL_POINT,
                "password": self.password}, referer="/login")
            check(reply.status == 302 and reply.headers["Location"].endswith("/my/commitments"),
                  f"login answered {reply.status} {reply.headers['Location']}: {reply.text[:300]}")
            check(all("Secure" in c for c in focal_point.set_cookie_headers),
                  f"a cookie without Secure: {focal_point.set_cookie_headers}")
            mine = focal_point.get("/my/commitments")
            codes = sorted(set(re.findall(rf'/commitments/([\w-]+-{COUNTRY})"', mine.text)))
            check(mine.status == 200 and bool(codes), f"no {COUNTRY} commitment listed")
            code = codes[0]
        self.report_and_upload(focal_point, code)

    def report_and_upload(self, focal_point: Browser, code: str) -> None:
        assert self.site is not None
        page_path = f"/commitments/{code}"
        with step(f"update the status of {code} through its form"):
            form = form_fields(focal_point.get(page_path), f"{page_path}/status")
            reply = focal_point.post_form(f"{page_path}/status", {
                "csrf_token": form["csrf_token"], "version": form["version"],
                "status": "in_progress", "progress": "40", "note": "Smoke test"},
                referer=page_path)
            check(reply.status == 302, f"status update answered {reply.status}: "
                  f"{reply.text[:500]}")
        with step("upload a PDF as public evidence through the evidence form"):
            form = form_fields(focal_point.get(page_path), f"{page_path}/evidence")
            reply = focal_point.post_multipart(f"{page_path}/evidence", {
                "csrf_token": form["csrf_token"], "title": "Smoke test report",
                "dated": dt.date.today().isoformat(), "visibility": "public", "url": ""},
                {"file": ("smoke-report.pdf", "application/pdf", PDF)}, referer=page_path)
            check(reply.status == 302, f"evidence upload answered {reply.status}: "
                  f"{reply.text[:500]}")
        with step("the API shows the status and the evidence; the file downloads intact"):
            public = Browser(self.site, source=self.addresses[-1])
            record = json.loads(public.get(f"/api/v1/commitments/{code}").body)
            check(record["status"] == "in_progress" and record["progress"] == 40,
                  f"API status {record['status']} {record['progress']}")
            (evidence,) = [e for e in record["evidence"] if e["title"] == "Smoke test report"]
            check(evidence["sha256"] == hashlib.sha256(PDF).hexdigest(), f"sha256 {evidence}")
            prefix = f"https://{SERVER_NAME}/"
            check(evidence["url"].startswith(prefix), f"evidence url {evidence['url']}")
            download = public.get("/" + evidence["url"][len(prefix):])
            check(download.status == 200 and download.body == PDF,
                  f"download answered {download.status}, {len(download.body)} bytes")

    def exports(self) -> None:
        """A CSV export through nginx: the app's file, sent by nginx, its headers kept."""
        assert self.site is not None
        path = "/export/history.csv"
        # Each worker reads the data version at most once per DATA_VERSION_TTL (1 s): after
        # the writes above, a worker may still answer for the version before, with its own
        # ETag and file. Past that second, both workers answer for the same version.
        time.sleep(1.5)
        with step(f"{path}: the app answers X-Accel-Redirect, nginx sends its file"):
            direct = Browser(Site(self.app_port, SERVER_NAME, proxy_headers=True),
                             source=self.addresses[-2]).get(path)
            target = direct.headers["X-Accel-Redirect"] or ""
            check(direct.status == 200 and target.startswith(self.accel) and not direct.body,
                  f"gunicorn answered {direct.status} {target!r}, {len(direct.body)} bytes")
            cached = (self.export_cache / target[len(self.accel):]).read_bytes()
            check(cached.startswith("\ufeff".encode()) and b"\n" in cached,
                  f"the cached file starts {cached[:40]!r}")
            if self.nginx is None:
                return
            client = Browser(self.site, source=self.addresses[-2])
            reply = client.get(path)
            check(reply.status == 200 and reply.body == cached,
                  f"nginx answered {reply.status}, {len(reply.body)} bytes, not the file's "
                  f"{len(cached)}")
            check(reply.headers["X-Accel-Redirect"] is None, "X-Accel-Redirect leaked")
            for name in ("Content-Type", "Content-Disposition", "ETag", "Cache-Control",
                         "Last-Modified", "X-Ledger-Head", "X-Content-Type-Options"):
                check(reply.headers[name] == direct.headers[name],
                      f"{name}: nginx {reply.headers[name]!r}, app {direct.headers[name]!r}")
            again = client.request("GET", path, headers={"If-None-Match": reply.headers["ETag"]})
            check(again.status == 304 and not again.body, f"If-None-Match: {again.status}")
            part = client.request("GET", path, headers={"Range": "bytes=3-99"})
            check(part.status == 206 and part.body == cached[3:100], f"Range: {part.status}")
            hidden = client.get(target)
            check(hidden.status == 404, f"{target} answered {hidden.status} to a client")
            print(f"  {len(cached)} bytes from {target[:24]}..., headers kept, 304, 206, "
                  "internal location 404")
        if self.nginx is None:
            return
        with step("/feed.atom: a translated export, sent by nginx with its Vary"):
            feed = Browser(self.site, source=self.addresses[-2]).get("/feed.atom")
            check(feed.status == 200 and b"<feed" in feed.body
                  and (feed.headers["Content-Type"] or "").startswith("application/atom+xml")
                  and "Accept-Language" in (feed.headers["Vary"] or ""),
                  f"answered {feed.status}, {feed.headers['Content-Type']!r}, "
                  f"Vary {feed.headers['Vary']!r}")

    def rate_limits(self) -> None:
        assert self.site is not None
        def bad_login(client: Browser) -> int:
            form = form_fields(client.get("/login"), "")
            return client.post_form("/login", {
                "csrf_token": form["csrf_token"], "email": "nobody@example.org",
                "password": "not-the-password"}, referer="/login").status

        clients = [Browser(self.site, source=address) for address in self.addresses]
        with step(f"login limits per client: one bad login from each of {len(clients)} "
                  "addresses"):
            statuses = [bad_login(c) for c in clients]
            check(statuses == [200] * len(clients), f"bad logins answered {statuses}")
        with step(f"more than {self.login_limit} from {self.addresses[0]}: 429 there only"):
            flood = [bad_login(clients[0]) for _ in range(self.login_limit)]
            check(flood == [200] * (self.login_limit - 1) + [429], f"answers {flood}")
            check(bad_login(clients[1]) == 200, "another address was limited too")

    # -- mail and stop --------------------------------------------------------------

    def reminder(self, mail: MailCatcher) -> None:
        # A commitment untouched for 90 days needs action: 100 days on, every seeded one.
        day = (dt.date.today() + dt.timedelta(days=100)).isoformat()
        with step(f"flask --app tracker reminders run --today {day}; mail arrives"):
            out = self.procs.run("reminders", [self.bin("flask"), "--app", "tracker",
                                               "reminders", "run", "--today", day])
            check(f"to {FOCAL_POINT}" in out, f"no reminder queued for the focal point: {out}")
            (message,) = wait_for("the reminder at the SMTP server", lambda: mail.to(FOCAL_POINT))
            print(f"  {message['Subject']!r} to {message['To']}")

    def backup(self) -> None:
        """The README's backup, restored into a new database: the same ledger, verified."""
        flask = [self.bin("flask"), "--app", "tracker"]
        folder = self.tmp / "backup"
        with step("flask backup create, while the site runs"):
            self.procs.run("backup-create", [*flask, "backup", "create", str(folder)])
            head = self.procs.run("ledger-head", [*flask, "ledger", "head"]).strip()
        restored = f"{self.database}_restored"
        with step(f"flask backup restore into a new database {restored}; same ledger head"):
            self.admin(f'CREATE DATABASE "{restored}"')
            self.restored = restored
            env = dict(self.procs.env, DATABASE_URL=self.procs.env["DATABASE_URL"]
                       .rsplit("/", 1)[0] + f"/{restored}")
            out = self.procs.run("backup-restore", [*flask, "backup", "restore", str(folder)],
                                 env=env)
            check(head in out, f"the restore does not report the head {head}: {out}")
            check(self.procs.run("restored-head", [*flask, "ledger", "head"], env=env).strip()
                  == head, "the restored database has another ledger head")
            self.procs.run("restored-verify", [*flask, "ledger", "verify"], env=env)
            print(f"  ledger head {head[:24]}... on both")

    def stop(self) -> None:
        with step("SIGTERM nginx, gunicorn, the scheduler: each exits 0"):
            for name in ("nginx", "gunicorn", "scheduler"):
                if name in self.procs.running:
                    status = self.procs.stop(name)
                    check(status == 0, f"{name} exited {status} after SIGTERM")
            app_log = (self.tmp / "logs" / "gunicorn.log").read_text(errors="replace")
            check(f" {self.addresses[0]} id=" in app_log,
                  "the app's access log does not show the client's own address")
            check('"GET /' not in app_log, "gunicorn writes an access log of its own too")
            for log in self.procs.logs:
                text = log.read_text(errors="replace") if log.exists() else ""
                check("Traceback" not in text, f"a traceback in {log.name}")

    def drop_database(self) -> None:
        for name in ([self.database] if self.created else []) + \
                ([self.restored] if self.restored else []):
            with step(f"drop database {name} WITH (FORCE)"):
                self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="crm-smoke-"))
    smoke, failed = Smoke(tmp), True
    try:
        smoke.check_prerequisites()
        smoke.build_and_install()
        smtp_port = free_port()
        with MailCatcher(smtp_port) as mail:
            smoke.configure(smtp_port)
            smoke.release()
            smoke.start_services()
            smoke.start_nginx()
            smoke.browse()
            smoke.exports()
            smoke.rate_limits()
            smoke.reminder(mail)
            smoke.backup()
            smoke.stop()
        failed = False
    except Exception as exc:  # whatever broke, show the processes' logs
        print(f"SMOKE TEST FAILED: {type(exc).__name__}: {exc}")
        smoke.procs.kill_all()
        smoke.procs.dump_logs()
    finally:
        smoke.procs.kill_all()
        try:
            smoke.drop_database()
        except psycopg.Error as exc:
            print(f"could not drop {smoke.database}: {exc}")
            failed = True
        if failed and os.environ.get("SMOKE_KEEP"):
            print(f"kept {tmp} for inspection")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(("SMOKE TEST FAILED" if failed else "smoke test passed")
          + f" in {time.monotonic() - STARTED:.0f}s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
