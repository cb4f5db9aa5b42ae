"""``flask reminders``: evaluate the reminder rules now, deliver the outbox, list it."""


import click
from flask.cli import AppGroup

from tracker.audit.digest import queue_follow_digests
from tracker.core.dates import local_today
from tracker.core.digests import PlannedMessage
from tracker.core.outbox import deliver_due, outbox_listing
from tracker.reminders.rules import queue_weekly_summaries, run_rules

reminders_group = AppGroup("reminders", help="Reminder e-mails: rules and outbox.")


@reminders_group.command("run")
@click.option("--dry-run", is_flag=True, help="Print who would get what; write and send nothing.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Evaluate the rules as on this day (YYYY-MM-DD).")
@click.option("--weekly-summary", is_flag=True,
              help="Also queue the secretariat's summary and the auditors' follow digests.")
def run_command(dry_run: bool, today, weekly_summary: bool) -> None:
    """Queue the digests the rules call for today, then deliver the outbox."""
    day = today.date() if today else local_today()
    planned = run_rules(day, dry_run=dry_run)
    if weekly_summary:
        planned += queue_weekly_summaries(day, dry_run=dry_run)
        planned += queue_follow_digests(day, dry_run=dry_run)
    for message in planned:
        state = "would queue" if dry_run else ("queued" if message.queued else "already queued")
        cc = f" (cc {', '.join(message.cc)})" if message.cc else ""
        click.echo(f"{state}: {message.kind.value} {message.period} to {message.recipient}{cc}"
                   f"{_listed(message)}")
    if not planned:
        click.echo("No reminder is due.")
    if dry_run:
        return
    report = deliver_due()
    if report.busy:  # the scheduler's run, or another `reminders run`: one at a time
        click.echo("Another delivery is running; the messages will be sent by it.")
        return
    click.echo(f"Delivered: {len(report.sent)} sent, {len(report.retrying)} to retry, "
               f"{len(report.failed)} failed.")


@reminders_group.command("outbox")
def outbox_command() -> None:
    """List pending, in-flight and failed messages, with their last error."""
    messages = outbox_listing()
    for m in messages:
        click.echo(f"{m.status.value:8} {m.kind.value:15} {m.period:9} {m.recipient} "
                   f"attempts={m.attempts} next={m.next_attempt_at:%Y-%m-%d %H:%M}"
                   + (f"\n         error: {m.last_error}" if m.last_error else ""))
    if not messages:
        click.echo("The outbox is empty: everything was delivered.")


def _listed(message: PlannedMessage) -> str:
    """What a digest lists: ": 2 commitments A B; values due of 1 indicator C"."""
    commitments = [code for code in message.codes if code not in message.indicators]
    parts = [f"{len(codes)} {noun if len(codes) == 1 else noun + 's'} {' '.join(codes)}"
             for noun, codes in (("commitment", commitments), ("indicator", message.indicators))
             if codes]
    if message.indicators:
        parts[-1] = f"values due of {parts[-1]}"
    return f": {'; '.join(parts)}" if parts else ""
