"""Forms of the reminder pages."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError

from tracker.core.forms import TrackerForm
from tracker.core.labels import FOLLOW_DIGEST_LABELS, FREQUENCY_LABELS, LANGUAGE_LABELS
from tracker.permissions import digest_choices, is_auditor
from tracker.reminders.settings import BAD_DAYS, DAYS_RANGE, SettingsRefused, parse_due_soon


class PreferencesForm(TrackerForm):
    """Digest frequency and language; the view fits the first to the person's role."""

    digest_frequency = RadioField(
        _l("How often the digest of your country's commitments comes"),
        choices=[SelectChoice(f.value, label) for f, label in FREQUENCY_LABELS.items()],
        validators=[InputRequired()])
    language = RadioField(_l("Language of the e-mails you receive"),
                          choices=[SelectChoice(code, label)
                                   for code, label in LANGUAGE_LABELS.items()],
                          validators=[InputRequired()])

    def fit_to(self, user) -> "PreferencesForm":
        """Offer the frequencies the person may choose (none: no field), in their words."""
        choices = digest_choices(user)
        if not choices:
            del self.digest_frequency
            return self
        labels = FREQUENCY_LABELS
        if is_auditor(user):
            labels = FOLLOW_DIGEST_LABELS
            self.digest_frequency.label.text = _l(
                "The weekly digest of the countries and themes you follow")
        self.digest_frequency.choices = [SelectChoice(f.value, labels[f]) for f in choices]
        return self


def _due_soon_list(form, field) -> None:
    try:
        field.parsed = parse_due_soon(field.data)
    except SettingsRefused as exc:
        raise ValidationError(str(exc)) from exc


def _days_field(label):
    low, high = DAYS_RANGE
    return IntegerField(label, validators=[InputRequired(message=BAD_DAYS),
                                           NumberRange(min=low, max=high, message=BAD_DAYS)])


class ReminderSettingsForm(TrackerForm):
    due_soon_days = StringField(_l("Due-soon reminders, in days before the due date"),
                                validators=[InputRequired(), Length(max=50), _due_soon_list])
    stale_days = _days_field(_l("A commitment is stale after this many days without an update"))
    escalate_after_days = _days_field(
        _l("Copy the secretariat when a commitment is overdue by more than this many days"))

    def values(self) -> dict:
        return dict(due_soon_days=self.due_soon_days.parsed, stale_days=self.stale_days.data,
                    escalate_after_days=self.escalate_after_days.data)
