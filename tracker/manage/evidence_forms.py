"""The evidence form: a file or a link, with a title, a date and a visibility."""

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Length, Optional

from tracker.core.forms import TrackerForm
from tracker.models import Visibility


class EvidenceForm(TrackerForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    dated = DateField(_l("Date of the document"), default=dt.date.today,
                      validators=[DataRequired()])
    visibility = RadioField(_l("Who may see it"), default=Visibility.PUBLIC.value, choices=[
        SelectChoice(Visibility.PUBLIC.value, _l("Public: anyone")),
        SelectChoice(Visibility.RESTRICTED.value,
                     _l("Restricted: the secretariat and this country's focal points only")),
    ], validators=[DataRequired()])
    file = FileField(_l("File (PDF, office document, image or CSV)"))
    url = StringField(_l("…or a link (https://…)"),
                      validators=[Optional(), Length(max=2000),
                                  URL(require_tld=False, message=_l(
                                      "Enter a web address starting with http:// or https://."))])
