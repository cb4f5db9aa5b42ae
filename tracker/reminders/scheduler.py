"""The scheduler process (`flask scheduler`): reminder rules, weekly summary, outbox delivery.

It runs in its own process, never in the web app: the APScheduler FAQ says a job store cannot
be shared between processes, and gunicorn forks workers. Only one scheduler acts at a time;
others wait on SchedulerLock and take over when the holder dies. A scheduler whose database
goes away stops its jobs, waits for the database and takes the lock again (or waits its turn).
"""

import datetime as dt
import logging
import signal
import time
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

from tracker.core.dates import local_today
from tracker.core.errors import DATABASE_UNAVAILABLE, one_line
from tracker.core.time import utcnow
from tracker.reminders.scheduler_lock import LOCK_KEY, SchedulerLock  # noqa: F401 (its home)

log = logging.getLogger(__name__)
# How often the holder checks its lock's connection. A reset connection fails the check at
# once, a black-holed one within DATABASE_CONNECT_TIMEOUT (TCP user timeout): so a lost lock
# is noticed within LOCK_CHECK_SECONDS + that, 10 s with the defaults (the README's figure).
LOCK_CHECK_SECONDS = 5
_app: Flask | None = None  # set by the command; jobs must be module-level functions


# -- jobs ----------------------------------------------------------------------------

def _get_app() -> Flask:
    global _app
    if _app is None:
        from tracker import create_app

        _app = create_app()
    return _app


def _run(name: str, work) -> bool:
    """Run work(app) in an app context and log its outcome; never raise, so the scheduler lives."""
    app = _get_app()
    try:
        with app.app_context():
            outcome = work(app)
    except DATABASE_UNAVAILABLE as exc:  # an outage, not a bug: one line, no traceback
        log.error("%s failed: database unavailable (%s)", name, one_line(exc))
        return False
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

        planned = run_rules(local_today())
        return f"{sum(m.queued for m in planned)} of {len(planned)} digest(s) queued"
    return _run("reminder rules", work)


def weekly_summary_job() -> bool:
    """Queue the secretariat's weekly summary and the auditors' follow digests (once per
    ISO week)."""
    def work(app):
        from tracker.audit.digest import queue_follow_digests
        from tracker.reminders.rules import queue_weekly_summaries

        planned = queue_weekly_summaries(local_today())
        follows = queue_follow_digests(local_today())
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


def housekeeping_job() -> bool:
    """Forget what only serves for a while: the API's kept answers to retried requests
    (after a day) and the spreadsheet previews nobody applied (once expired)."""
    def work(app):
        from tracker.api.idempotency import forget_old_answers
        from tracker.commitments.sheets.preview import discard_expired
        from tracker.extensions import db

        answers, previews = forget_old_answers(), discard_expired()
        db.session.commit()
        return f"{answers} kept answer(s), {previews} preview(s) forgotten" \
            if answers or previews else None
    return _run("housekeeping", work)


def reports_job() -> bool:
    """Make the follow-up reports asked for on the site, one at a time (a country's can
    take minutes: here, never in a web worker)."""
    def work(app):
        from tracker.reports.requests import make_pending_reports

        outcomes = make_pending_reports()
        return ", ".join(f"{n} {outcome}" for outcome, n in outcomes.items()) or None
    return _run("reports", work)


RUN_AT_FIRST_START = {"reminder-rules"}  # idempotent: harmless to run on any day


def _jobs(config) -> list[tuple]:
    tz, hour = ZoneInfo(config["BABEL_DEFAULT_TIMEZONE"]), config["REMINDER_HOUR"]
    return [
        ("reminder-rules", reminder_rules_job, CronTrigger(hour=hour, minute=0, timezone=tz)),
        ("weekly-summary", weekly_summary_job, CronTrigger(
            day_of_week=config["WEEKLY_SUMMARY_DAY"], hour=hour, minute=0, timezone=tz)),
        ("outbox-delivery", deliver_outbox_job, IntervalTrigger(
            seconds=config["OUTBOX_INTERVAL_SECONDS"], timezone=tz)),
        ("housekeeping", housekeeping_job, IntervalTrigger(hours=1, timezone=tz)),
        ("reports", reports_job, IntervalTrigger(
            seconds=config["REPORT_INTERVAL_SECONDS"], timezone=tz)),
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
                               engine_options=dict(config["SQLALCHEMY_ENGINE_OPTIONS"]))
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
    """Mark the lock lost if its connection died (the database restarted or is unreachable):
    another scheduler may be acting now. The main thread then stops the jobs (not this
    worker thread: APScheduler 3 would run one more round of due jobs that cannot start, and
    record them as run, its issue #285) and waits to take the lock again."""
    if not lock.lost and not lock.held():
        lock.lost = True
        log.error("scheduler lock lost (its database connection failed): stopping the jobs")


# -- command -------------------------------------------------------------------------

# The signal that stops the scheduler, once one arrives. A handler that raised instead
# could be swallowed by APScheduler's `except BaseException` around a job's submission.
_stop_signals: list[str] = []


def _note_stop(signum, frame) -> None:
    _stop_signals.append(signal.Signals(signum).name)


def _stopping() -> bool:
    return bool(_stop_signals)


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run every job once now and exit (cron, tests).")
@with_appcontext
def scheduler_command(once: bool) -> None:
    """Run the reminder scheduler; one per deployment, a second one waits to take over."""
    global _app
    _app = current_app._get_current_object()  # type: ignore[attr-defined]
    # The logs are configured by the app (tracker.core.logs): stdout, text or JSON.
    lock = SchedulerLock(_app.config["SQLALCHEMY_DATABASE_URI"], _app.instance_path,
                         _app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("connect_args"))
    if once:
        _run_once(lock)
    else:
        _run_forever(lock)


def _run_once(lock: SchedulerLock) -> None:
    try:
        acquired = lock.acquire(blocking=False)
    except DATABASE_UNAVAILABLE as exc:
        raise click.ClickException(f"database unreachable ({one_line(exc)})") from None
    if not acquired:
        click.echo("another scheduler holds the lock; its jobs run there", err=True)
        return
    try:
        results = [job() for job in (reminder_rules_job, weekly_summary_job, deliver_outbox_job,
                                     housekeeping_job, reports_job)]
    finally:
        lock.release()
    if not all(results):
        raise click.ClickException("a job failed; see the log above")


def _run_forever(lock: SchedulerLock) -> None:
    """Hold the lock and run the jobs; when the lock is lost, stop them and wait for it
    again. Only SIGTERM or SIGINT ends it (running jobs finish first)."""
    _stop_signals.clear()
    signal.signal(signal.SIGTERM, _note_stop)
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # ignored in `make run`'s `&` job
        signal.signal(signal.SIGINT, _note_stop)
    while not _stopping() and lock.acquire(stop=_stopping):
        _run_while_held(lock)
        if not _stopping():
            log.warning("waiting to take the scheduler lock again")
    log.info("%s: shutting down", _stop_signals[0] if _stop_signals else "stopped")


def _run_while_held(lock: SchedulerLock) -> None:
    """Run the jobs until the lock is lost or a stop signal arrives; then let the lock go."""
    assert _app is not None  # set by scheduler_command before this runs
    scheduler = None
    try:
        scheduler = build_scheduler(_app, background=True, lock=lock)
        for job in scheduler.get_jobs():
            log.info("job %s: %s", job.id, job.trigger)
        scheduler.start()
        while not (lock.lost or _stopping()):
            time.sleep(0.5)
    except DATABASE_UNAVAILABLE as exc:  # lost between taking the lock and starting the jobs
        log.error("database unavailable while starting the jobs (%s)", one_line(exc))
    finally:
        if scheduler is not None and scheduler.running:
            scheduler.shutdown()  # waits for the jobs that are running
        lock.release()
