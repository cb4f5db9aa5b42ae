"""Forms of the focal-point workflow."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from tracker.core.forms import TrackerForm, VersionedForm
from tracker.core.labels import STATUS_LABELS


class StatusUpdateForm(VersionedForm):
    status = SelectField(_l("Status"), choices=[SelectChoice(s.value, label)
                                                for s, label in STATUS_LABELS.items()],
                         validators=[DataRequired()])
    progress = IntegerField(_l("Progress (0-100 %, optional)"),
                            validators=[Optional(), NumberRange(min=0, max=100)])
    note = TextAreaField(_l("Note (required for stalled or completed)"),
                         validators=[Length(max=5000)])


class SheetUploadForm(TrackerForm):
    """The filled-in sheet of commitments (XLSX or CSV)."""

    file = FileField(_l("Filled-in sheet (XLSX or CSV)"))
