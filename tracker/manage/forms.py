"""Forms of the focal-point workflow."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tracker.core.labels import STATUS_LABELS


class VersionedForm(FlaskForm):
    """A form about a commitment, carrying the version it was opened at (optimistic lock)."""

    version = HiddenField(validators=[InputRequired()])

    def seen_version(self) -> int:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return -1  # a tampered field is treated as a stale form


class StatusUpdateForm(VersionedForm):
    status = SelectField(_l("Status"), choices=[SelectChoice(s.value, label) for s, label in STATUS_LABELS.items()],
                         validators=[DataRequired()])
    progress = IntegerField(_l("Progress (0-100 %, optional)"),
                            validators=[Optional(), NumberRange(min=0, max=100)])
    note = TextAreaField(_l("Note (required for stalled or completed)"),
                         validators=[Length(max=5000)])
