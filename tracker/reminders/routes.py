"""Reminder views: the one-click unsubscribe link of every digest, a user's own mail
preferences, and the secretariat's rules with the outbox."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required

from tracker.accounts.tokens import user_for_unsubscribe
from tracker.core.forms import refuse, render_form
from tracker.core.outbox import outbox_listing
from tracker.extensions import csrf
from tracker.models import DigestFrequency
from tracker.permissions import is_auditor, secretariat_required
from tracker.reminders.forms import PreferencesForm, ReminderSettingsForm
from tracker.reminders.preferences import save_preferences, unsubscribe as stop_digests
from tracker.reminders.rules import reminder_settings
from tracker.reminders.settings import SettingsRefused, save_reminder_settings, sent_recently

bp = Blueprint("reminders", __name__)


def masked(email: str) -> str:
    """'maria@example.org' -> 'm***@example.org': recognisable to its owner only."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def _invalid_link():
    """A link that was not signed by us (mistyped, cut, forged): a 404, nothing changed."""
    return render_template("reminders/link_invalid.html"), 404


def _whose(user) -> dict:
    """What the unsubscribe pages say about the link's user: the country, never the e-mail."""
    return dict(country=user.country.name(str(get_locale())) if user.country else None,
                email=masked(user.email), auditor=is_auditor(user),
                stopped=user.digest_frequency == DigestFrequency.NONE)


@bp.after_request
def _private(response):
    """Pages about one person (even anonymous ones, via a link) are never stored by caches."""
    response.headers.setdefault("Cache-Control", "private, no-store")
    return response


@bp.get("/unsubscribe/<token>")
def unsubscribe(token: str):
    """Whose digests the link stops, and one button to stop them."""
    user = user_for_unsubscribe(token)
    if user is None:
        return _invalid_link()
    return render_template("reminders/unsubscribe.html", token=token, **_whose(user))


# RFC 8058 one-click: mail clients POST "List-Unsubscribe=One-Click" with no cookie and no
# CSRF token. The signed token is the authorisation, and all it can do is stop digests.
@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe_now(token: str):
    """Stop the digests of the link's user (the page's button, or a mail client)."""
    user = user_for_unsubscribe(token)
    if user is None:
        return _invalid_link()
    stop_digests(user)
    return render_template("reminders/unsubscribed.html", **_whose(user))


@bp.route("/account/reminders", methods=["GET", "POST"])
@login_required
def preferences():
    """One's mail language, and (focal points, auditors) whether and how often the digest
    comes."""
    user = current_user
    form = PreferencesForm(data={"digest_frequency": user.digest_frequency.value,
                                 "language": user.language}).fit_to(user)
    if form.validate_on_submit():
        frequency = form.digest_frequency.data if form.digest_frequency else None
        save_preferences(user, frequency, form.language.data)
        flash(_("Your e-mail preferences are saved."))
        return redirect(url_for("reminders.preferences"))
    return render_template("reminders/preferences.html", form=form)


@bp.route("/admin/reminders", methods=["GET", "POST"])
@secretariat_required
def settings():
    """The reminder rules, and the messages not yet delivered."""
    current = reminder_settings()
    form = ReminderSettingsForm(data=dict(
        due_soon_days=",".join(map(str, current.due_soon)), stale_days=current.stale_days,
        escalate_after_days=current.escalate_after_days))
    if form.validate_on_submit():
        try:
            changes = save_reminder_settings(current_user, **form.values())
        except SettingsRefused as exc:
            refuse(form, exc)
        else:
            flash(_("The reminder rules are saved.") if changes else _("Nothing changed."))
            return redirect(url_for("reminders.settings"))
    return render_form("reminders/settings.html", form=form, messages=outbox_listing(),
                       sent_last_week=sent_recently(7))
