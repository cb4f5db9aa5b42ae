"""The scheduler: one acts at a time (real locks, real processes), its jobs and their defaults,
and a run missed while it was down runs once when it comes back."""

import datetime as dt
import pickle
import queue
import subprocess
import sys
import threading
import time

import pytest
import sqlalchemy as sa
import time_machine
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from conftest import ON_POSTGRES, REPO, make_config
from databases import DATABASE_URL
from factories import make_user

from tracker import create_app
from tracker.extensions import db
from tracker.reminders import scheduler as scheduler_module
from tracker.reminders.scheduler import SchedulerLock, build_scheduler

SCHEDULE = dict(REMINDER_HOUR=6, WEEKLY_SUMMARY_DAY="fri", OUTBOX_INTERVAL_SECONDS=30,
                SCHEDULER_MISFIRE_GRACE=3600, BABEL_DEFAULT_TIMEZONE="America/Guatemala")
on_postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="TEST_DATABASE_URL is not set")
HOLDER = """
import logging, sys, time
from tracker.reminders.scheduler import SchedulerLock
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s")
lock = SchedulerLock(sys.argv[1], sys.argv[2])  # a reference: collected, it would let go
lock.acquire(poll_seconds=0.2)
print("holding", flush=True)
time.sleep(600)
"""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def wait_until(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=on_postgres_only)])
def database_url(request, tmp_path):
    """A SQLite file (lock file in the instance folder) or the PostgreSQL test database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.db'}"
        return
    url = DATABASE_URL  # this worker's own database
    yield url
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS apscheduler_jobs"))
    engine.dispose()


class Holder:
    """Another Python process that takes the scheduler lock and keeps it until killed."""

    def __init__(self, url: str, instance):
        self.proc = subprocess.Popen([sys.executable, "-c", HOLDER, url, str(instance)],
                                     cwd=REPO, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.strip())

    def wait_for(self, text: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                if text in self.lines.get(timeout=left):
                    return
            except queue.Empty:
                break
        raise AssertionError(f"the lock holder never said {text!r}")

    def kill(self) -> None:
        self.proc.kill()  # SIGKILL: no clean-up code runs, only the OS (or PostgreSQL) frees
        self.proc.wait()


@pytest.fixture
def holders():
    started: list[Holder] = []
    yield lambda url, instance: started.append(Holder(url, instance)) or started[-1]
    for holder in started:
        holder.kill()


def test_one_lock_at_a_time_until_released(database_url, tmp_path):
    first, second = (SchedulerLock(database_url, tmp_path / "instance") for _ in range(2))
    assert first.acquire(blocking=False)
    assert not second.acquire(blocking=False)
    first.release()
    assert second.acquire(blocking=False)
    second.release()


def test_a_waiting_scheduler_takes_over_when_the_holder_is_killed(database_url, tmp_path,
                                                                   holders):
    instance = tmp_path / "instance"
    first = holders(database_url, instance)
    first.wait_for("holding")
    assert not SchedulerLock(database_url, instance).acquire(blocking=False)
    second = holders(database_url, instance)
    second.wait_for("another scheduler holds the lock; waiting")

    killed_at = time.monotonic()
    first.kill()
    second.wait_for("holding", timeout=10)
    assert time.monotonic() - killed_at < 5
    second.kill()
    last = SchedulerLock(database_url, instance)
    assert last.acquire(blocking=False)
    last.release()


@pytest.fixture
def file_app(tmp_path, database_url, monkeypatch):
    """An app on a database the scheduler's threads share (not SQLite in memory)."""
    app = create_app(make_config(tmp_path, SQLALCHEMY_DATABASE_URI=database_url, **SCHEDULE))
    with app.app_context():
        db.create_all()
    monkeypatch.setattr(scheduler_module, "_app", app)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_jobs_triggers_and_defaults(file_app):
    scheduler = build_scheduler(file_app, background=True)
    scheduler.start(paused=True)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown()
    assert set(jobs) == {"reminder-rules", "weekly-summary", "outbox-delivery", "housekeeping",
                         "reports"}
    for job in jobs.values():
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 3600)
    rules, weekly = jobs["reminder-rules"].trigger, jobs["weekly-summary"].trigger
    assert isinstance(rules, CronTrigger) and isinstance(weekly, CronTrigger)
    fields = {name: {f.name: str(f) for f in t.fields} for name, t in
              (("rules", rules), ("weekly", weekly))}
    assert (fields["rules"]["hour"], fields["rules"]["minute"]) == ("6", "0")
    assert fields["rules"]["day_of_week"] == "*"
    assert (fields["weekly"]["day_of_week"], fields["weekly"]["hour"]) == ("fri", "6")
    assert str(rules.timezone) == str(weekly.timezone) == "America/Guatemala"
    delivery = jobs["outbox-delivery"].trigger
    assert isinstance(delivery, IntervalTrigger)
    assert delivery.interval == dt.timedelta(seconds=30)
    assert jobs["housekeeping"].trigger.interval == dt.timedelta(hours=1)
    assert jobs["reports"].trigger.interval == dt.timedelta(seconds=30)  # REPORT_INTERVAL_SECONDS


def test_the_first_scheduler_on_a_database_runs_the_rules_at_once(file_app):
    """A new installation sees its first digests now, not at the next REMINDER_HOUR."""
    first = build_scheduler(file_app, background=True)
    first.start(paused=True)
    try:
        jobs = {job.id: job.next_run_time for job in first.get_jobs()}
    finally:
        first.shutdown(wait=False)
    assert jobs["reminder-rules"] <= utcnow()
    assert jobs["weekly-summary"] > utcnow()  # only the rules: the summary keeps its day


RUNS: list[dt.datetime] = []


def record_run() -> None:
    """A job the test can count (module-level, as a persistent job store requires)."""
    RUNS.append(utcnow())


def test_a_job_missed_for_thirty_periods_runs_once(file_app):
    RUNS.clear()
    scheduler = build_scheduler(file_app, background=True)
    scheduler.add_job(record_run, "interval", minutes=1, id="probe",
                      next_run_time=utcnow() - dt.timedelta(minutes=30))
    scheduler.start()
    try:
        # The scheduler is done with the missed runs once it ran the job and moved its next
        # run time on; the shutdown then waits for every run it had handed to its executor.
        wait_until(lambda: RUNS and scheduler.get_job("probe").next_run_time > utcnow())
        next_run = scheduler.get_job("probe").next_run_time
    finally:
        scheduler.shutdown()
    assert len(RUNS) == 1
    assert next_run > utcnow()


def store_as_missed(scheduler, url: str, job_id: str, when: dt.datetime) -> None:
    """Rewrite a stored job's next run time, as if no scheduler had been up since then."""
    store = SQLAlchemyJobStore(url=url)
    store.start(scheduler, "default")
    job = store.lookup_job(job_id)
    # Not scheduler.modify_job(): shutting down after it, APScheduler 3 would "run" the due job.
    job._modify(next_run_time=when)
    store.update_job(job)
    store.shutdown()


@pytest.mark.parametrize("late, outcome", [(dt.timedelta(minutes=50), EVENT_JOB_EXECUTED),
                                           (dt.timedelta(minutes=70), EVENT_JOB_MISSED)],
                         ids=["within-grace", "beyond-grace"])
# At 14:00 in Guatemala no daily run (06:00) lies between the missed one and now; at about
# 06:00-07:10 one would, and APScheduler would run that one, within its grace.
@time_machine.travel(dt.datetime(2026, 12, 3, 20, 0, tzinfo=dt.UTC), tick=True)
def test_a_restart_runs_a_missed_daily_run_once_within_the_grace(file_app, database_url, late,
                                                                  outcome):
    first = build_scheduler(file_app, background=True)
    first.start(paused=True)
    first.shutdown()
    missed = utcnow().replace(microsecond=0) - late  # the grace is one hour (SCHEDULE)
    store_as_missed(first, database_url, "reminder-rules", missed)

    events = []
    restarted = build_scheduler(file_app, background=True)
    restarted.add_listener(events.append, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    restarted.start(paused=True)
    assert restarted.get_job("reminder-rules").next_run_time == missed  # not reset by replace
    restarted.resume()
    try:
        # Done once the run is reported and the next one is set; the shutdown waits for the
        # executor, so no event of this restart can come after it.
        wait_until(lambda: events and restarted.get_job("reminder-rules").next_run_time > utcnow())
        next_run = restarted.get_job("reminder-rules").next_run_time
    finally:
        restarted.shutdown()
    assert [(e.job_id, e.code) for e in events] == [("reminder-rules", outcome)]
    assert events[0].retval is (True if outcome == EVENT_JOB_EXECUTED else None)
    assert next_run > utcnow() and next_run.hour == 6


def test_a_run_missed_across_an_upgrade_still_runs_once(file_app, database_url):
    """A job stored by the release before the domain packages names its function
    tracker.scheduler:reminder_rules_job, a module that no longer exists: its missed run
    still runs once, and the job is stored again under the new name."""
    first = build_scheduler(file_app, background=True)
    first.start(paused=True)
    first.shutdown()
    missed = utcnow().replace(microsecond=0) - dt.timedelta(minutes=50)
    store = SQLAlchemyJobStore(url=database_url)
    store.start(first, "default")
    job = store.lookup_job("reminder-rules")
    job._modify(next_run_time=missed)
    state = job.__getstate__()
    state["func"] = "tracker.scheduler:reminder_rules_job"  # how the old release stored it
    with store.engine.begin() as connection:
        connection.execute(store.jobs_t.update().where(store.jobs_t.c.id == "reminder-rules")
                           .values(job_state=pickle.dumps(state, store.pickle_protocol),
                                   next_run_time=missed.timestamp()))
    store.shutdown()

    events = []
    restarted = build_scheduler(file_app, background=True)
    restarted.add_listener(events.append, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    restarted.start(paused=True)
    assert restarted.get_job("reminder-rules").next_run_time == missed
    restarted.resume()
    try:
        wait_until(lambda: events and restarted.get_job("reminder-rules").next_run_time > utcnow())
    finally:
        restarted.shutdown()
    assert [(e.job_id, e.code) for e in events] == [("reminder-rules", EVENT_JOB_EXECUTED)]


def test_a_failing_job_is_logged_not_raised(app, monkeypatch, caplog):
    monkeypatch.setattr(scheduler_module, "_app", app)

    def broken(now=None):
        raise RuntimeError("mail server on fire")

    monkeypatch.setattr("tracker.core.outbox.deliver_due", broken)
    assert scheduler_module.deliver_outbox_job() is False
    assert "outbox delivery failed" in caplog.text and "mail server on fire" in caplog.text


def test_once_runs_every_job_and_twice_queues_nothing_new(app, runner, seeded, monkeypatch,
                                                         caplog):
    from tracker.models import OutboxMessage

    monkeypatch.setattr(scheduler_module, "_app", None)  # the command sets it; undo afterwards
    make_user("focal_point", country="MEX")
    make_user("secretariat", country=None)
    caplog.set_level("INFO", logger="tracker.reminders.scheduler")
    result = runner.invoke(args=["scheduler", "--once"])
    assert result.exit_code == 0, result.output + caplog.text
    for job in ("reminder rules:", "weekly summary:"):
        assert job in caplog.text
    queued = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    assert queued >= 1  # at least the secretariat's weekly summary
    assert runner.invoke(args=["scheduler", "--once"]).exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == queued


def test_once_leaves_the_work_to_the_scheduler_holding_the_lock(app, runner, monkeypatch):
    monkeypatch.setattr(scheduler_module, "_app", None)
    lock = SchedulerLock(app.config["SQLALCHEMY_DATABASE_URI"], app.instance_path)
    assert lock.acquire(blocking=False)
    try:
        result = runner.invoke(args=["scheduler", "--once"])
    finally:
        lock.release()
    assert result.exit_code == 0
    assert "another scheduler holds the lock" in result.output


def test_the_lock_key_is_the_one_every_release_used():
    """Schedulers of two releases must exclude each other during an upgrade: the advisory
    lock key is that of the first release, whatever derives it now."""
    from tracker.reminders.scheduler import LOCK_KEY

    assert LOCK_KEY == -3501906718160721599  # sha256(b"tracker.scheduler"), first 8 bytes


def test_housekeeping_forgets_old_api_answers_and_expired_previews(app, seeded, monkeypatch):
    """Kept answers older than a day and previews past their expiry go; the rest stays."""
    from tracker.accounts.api_tokens import create_token
    from tracker.core.time import utcnow
    from tracker.models import IdempotentRequest, SheetPreview
    from tracker.permissions import SYSTEM
    from tracker.reminders.scheduler import housekeeping_job

    user = make_user("focal_point", country="MEX")
    token, _ = create_token(SYSTEM, user, name="SIMORE", scopes=["status:write"])
    now = utcnow()
    for key, age in (("old", dt.timedelta(days=2)), ("new", dt.timedelta(hours=1))):
        db.session.add(IdempotentRequest(token_id=token.id, key=key, fingerprint="f",
                                         status=201, body="{}", created_at=now - age))
    for name, expiry in (("old", -dt.timedelta(minutes=1)), ("new", dt.timedelta(hours=1))):
        db.session.add(SheetPreview(id=name, user_id=user.id, filename="x.xlsx", rows=[],
                                    expires_at=now + expiry))
    db.session.commit()
    monkeypatch.setattr(scheduler_module, "_app", app)
    assert housekeeping_job() is True
    db.session.expire_all()
    assert db.session.scalars(sa.select(IdempotentRequest.key)).all() == ["new"]
    assert db.session.scalars(sa.select(SheetPreview.id)).all() == ["new"]
