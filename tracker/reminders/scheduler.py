"""The scheduler process (`flask scheduler`): reminder rules, weekly summary, outbox delivery.

It runs in its own process, never in the web app: the APScheduler FAQ says a job store cannot
be shared between processes, and gunicorn forks workers. Only one scheduler acts at a time;
others wait on SchedulerLock and take over when the holder dies.
"""

import datetime as dt
import fcntl
import hashlib
import logging
import os
import signal
import threading
import time
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

import click
import sqlalchemy as sa
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask, current_app
from flask.cli import with_appcontext

from tracker.core.time import utcnow

log = logging.getLogger(__name__)
# Every tracker scheduler agrees on this key; PostgreSQL advisory locks are per database.
# The name is the module's former one: a key that changed would let an old scheduler and a
# new one run side by side during an upgrade.
LOCK_KEY = int.from_bytes(hashlib.sha256(b"tracker.scheduler").digest()[:8], "big",
                          signed=True)
LOCK_CHECK_SECONDS = 10
_app: Flask | None = None  # set by the command; jobs must be module-level functions


class SchedulerLock:
    """Held by the one scheduler that acts; freed when its process (or connection) dies."""

    def __init__(self, database_url: str, instance_path: str | os.PathLike):
        self.on_postgres = sa.make_url(database_url).get_backend_name() == "postgresql"
        self.database_url = database_url
        self.path = Path(instance_path) / "scheduler.lock"
        self.lost = False
        self._handle: IO[str] | sa.Connection | None = None  # the lock file, or the connection

    def acquire(self, blocking: bool = True, poll_seconds: float = 5) -> bool:
        """Take the lock; while another scheduler holds it, wait (or return False)."""
        waiting = False
        while not self._try(blocking):
            if not blocking:
                return False
            if not waiting:
                log.info("another scheduler holds the lock; waiting")
                waiting = True
            time.sleep(poll_seconds)
        log.info("scheduler lock acquired (%s)",
                 f"advisory lock {LOCK_KEY}" if self.on_postgres else self.path)
        return True

    def _try(self, blocking: bool) -> bool:
        try:
            return self._try_advisory() if self.on_postgres else self._try_flock()
        except sa.exc.OperationalError:
            if not blocking:
                raise
            log.warning("database unreachable; will try the lock again", exc_info=True)
            return False

    def _try_advisory(self) -> bool:
        # AUTOCOMMIT: held open for the life of the process, never idle in a transaction.
        engine = sa.create_engine(self.database_url, poolclass=sa.NullPool,
                                  isolation_level="AUTOCOMMIT")
        conn = engine.connect()
        if conn.scalar(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}):
            self._handle = conn
            return True
        conn.close()
        return False

    def _try_flock(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")  # for whoever wonders which process holds it
        handle.flush()
        self._handle = handle
        return True

    def held(self) -> bool:
        """Whether the lock is still ours: the advisory lock dies with its connection."""
        if self._handle is None:
            return False
        if not isinstance(self._handle, sa.Connection):
            return True  # a lock file stays locked while it is open
        try:
            self._handle.execute(sa.text("SELECT 1"))
        except sa.exc.DBAPIError:
            return False
        return True

    def release(self) -> None:
        """Give the lock up: closing the connection or the file frees it."""
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.close()


# -- jobs ----------------------------------------------------------------------------

def _get_app() -> Flask:
    global _app
    if _app is None:
        from tracker import create_app

        _app = create_app()
    return _app


def _today(app: Flask) -> dt.date:
    return dt.datetime.now(ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def _run(name: str, work) -> bool:
    """Run work(app) in an app context and log its outcome; never raise, so the scheduler lives."""
    app = _get_app()
    try:
        with app.app_context():
            outcome = work(app)
    except Exception:
        log.exception("%s failed", name)
        return False
    if outcome:
        log.info("%s: %s", name, outcome)
    return True


def reminder_rules_job() -> bool:
    """Queue the reminder digests due today (a second run the same day queues nothing)."""
    def work(app):
        from tracker.reminders.rules import run_rules

        planned = run_rules(_today(app))
        return f"{sum(m.queued for m in planned)} of {len(planned)} digest(s) queued"
    return _run("reminder rules", work)


def weekly_summary_job() -> bool:
    """Queue the secretariat's weekly summary and the auditors' follow digests (once per
    ISO week)."""
    def work(app):
        from tracker.audit.digest import queue_follow_digests
        from tracker.reminders.rules import queue_weekly_summaries

        planned = queue_weekly_summaries(_today(app))
        follows = queue_follow_digests(_today(app))
        return (f"{sum(m.queued for m in planned)} of {len(planned)} summary(ies), "
                f"{sum(m.queued for m in follows)} of {len(follows)} follow digest(s) queued")
    return _run("weekly summary", work)


def deliver_outbox_job() -> bool:
    """Send the outbox messages that are due; retries are the outbox's business."""
    def work(app):
        from tracker.core.outbox import deliver_due

        report = deliver_due()
        counts = (len(report.sent), len(report.retrying), len(report.failed))
        return "%d sent, %d to retry, %d failed" % counts if any(counts) else None
    return _run("outbox delivery", work)


RUN_AT_FIRST_START = {"reminder-rules"}  # idempotent: harmless to run on any day


def _jobs(config) -> list[tuple]:
    tz, hour = ZoneInfo(config["BABEL_DEFAULT_TIMEZONE"]), config["REMINDER_HOUR"]
    return [
        ("reminder-rules", reminder_rules_job, CronTrigger(hour=hour, minute=0, timezone=tz)),
        ("weekly-summary", weekly_summary_job, CronTrigger(
            day_of_week=config["WEEKLY_SUMMARY_DAY"], hour=hour, minute=0, timezone=tz)),
        ("outbox-delivery", deliver_outbox_job, IntervalTrigger(
            seconds=config["OUTBOX_INTERVAL_SECONDS"], timezone=tz)),
    ]


def _first_run(store: SQLAlchemyJobStore, job_id: str) -> dt.datetime | None:
    """When a job should run first, if not at its trigger's next time: a stored run time that
    has passed (missed while no scheduler was up), or now for the rules on a database that
    never had a scheduler (so a new installation sees its first digests at once)."""
    now = utcnow()
    jobs = store.jobs_t
    try:
        jobs.create(store.engine, checkfirst=True)
        # The stored time, not the unpickled job: a job stored by an older release names its
        # function by a module path that may have moved (tracker.scheduler:...), and its
        # missed run must still run once.
        with store.engine.connect() as connection:
            row = connection.execute(sa.select(jobs.c.next_run_time)
                                     .where(jobs.c.id == job_id)).first()
    except sa.exc.SQLAlchemyError:
        log.warning("cannot read the stored job %s; scheduling it afresh", job_id, exc_info=True)
        return None
    if row is None:
        return now if job_id in RUN_AT_FIRST_START else None
    if row.next_run_time is not None:  # a POSIX timestamp (APScheduler's column)
        stored = dt.datetime.fromtimestamp(row.next_run_time, dt.timezone.utc)
        if stored <= now:
            return stored
    return None


def build_scheduler(app: Flask, *, background: bool = False, lock: SchedulerLock | None = None):
    """The scheduler with its persistent job store and the three jobs; not started."""
    config = app.config
    store = SQLAlchemyJobStore(url=config["SQLALCHEMY_DATABASE_URI"],
                               engine_options={"pool_pre_ping": True})
    scheduler = (BackgroundScheduler if background else BlockingScheduler)(
        jobstores={"default": store}, timezone=ZoneInfo(config["BABEL_DEFAULT_TIMEZONE"]),
        # APScheduler's default grace of 1 s would silently drop every run missed while down.
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": config["SCHEDULER_MISFIRE_GRACE"]})
    for job_id, func, trigger in _jobs(config):
        # replace_existing alone would reset a missed run to the next future one: keep it.
        first = _first_run(store, job_id)
        scheduler.add_job(func, trigger, id=job_id, name=job_id, replace_existing=True,
                          **({"next_run_time": first} if first else {}))
    if lock is not None:
        scheduler.add_jobstore(MemoryJobStore(), "local")
        scheduler.add_job(_check_lock, "interval", args=(lock,), id="lock-check",
                          name="lock-check", seconds=LOCK_CHECK_SECONDS, jobstore="local")
    return scheduler


def _check_lock(lock: SchedulerLock) -> None:
    """Stop if the lock was lost (database restarted): another scheduler may be acting now."""
    if not lock.held():
        log.error("scheduler lock lost; stopping (restart me to wait for it again)")
        lock.lost = True
        # Not scheduler.shutdown() from this worker thread: APScheduler 3 then runs one more
        # round of due jobs that cannot start, and records them as run (its issue #285).
        # The main thread must get the signal, or it only notices at its next wake-up.
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGTERM)


# -- command -------------------------------------------------------------------------

class _Stop(Exception):
    """SIGTERM or SIGINT arrived."""


def _raise_stop(signum, frame):
    raise _Stop(signal.Signals(signum).name)


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run every job once now and exit (cron, tests).")
@with_appcontext
def scheduler_command(once: bool) -> None:
    """Run the reminder scheduler; one per deployment, a second one waits to take over."""
    global _app
    _app = current_app._get_current_object()  # type: ignore[attr-defined]
    # The logs are configured by the app (tracker.core.logs): stdout, text or JSON.
    lock = SchedulerLock(_app.config["SQLALCHEMY_DATABASE_URI"], _app.instance_path)
    if once:
        _run_once(lock)
    else:
        _run_forever(lock)


def _run_once(lock: SchedulerLock) -> None:
    if not lock.acquire(blocking=False):
        click.echo("another scheduler holds the lock; its jobs run there", err=True)
        return
    try:
        results = [job() for job in (reminder_rules_job, weekly_summary_job, deliver_outbox_job)]
    finally:
        lock.release()
    if not all(results):
        raise click.ClickException("a job failed; see the log above")


def _run_forever(lock: SchedulerLock) -> None:
    signal.signal(signal.SIGTERM, _raise_stop)
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # ignored in `make run`'s `&` job
        signal.signal(signal.SIGINT, _raise_stop)
    scheduler = None
    try:
        lock.acquire()
        assert _app is not None  # set by scheduler_command before this runs
        scheduler = build_scheduler(_app, lock=lock)
        for job in scheduler.get_jobs():
            log.info("job %s: %s", job.id, job.trigger)
        scheduler.start()
    except _Stop as stop:
        log.info("%s: shutting down", stop)
    finally:
        if scheduler is not None and scheduler.running:
            scheduler.shutdown()
        lock.release()
    if lock.lost:
        raise click.ClickException("scheduler lock lost")
