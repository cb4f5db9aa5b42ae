"""Forms of observations: an auditor files one, a focal point answers, the secretariat hides."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from tracker.audit.observations import LINKS_MAX, REASON_MAX, TEXT_MAX
from tracker.core.forms import TrackerForm
from tracker.core.labels import ASSESSMENT_LABELS


class ObservationForm(TrackerForm):
    assessment = SelectField(
        _l("Your rating of the commitment's completion"),
        choices=[SelectChoice(a.value, label) for a, label in ASSESSMENT_LABELS.items()],
        validators=[DataRequired()])
    text = TextAreaField(_l("Observation"), validators=[DataRequired(), Length(max=TEXT_MAX)])
    links = TextAreaField(_l("Links to sources (optional, one per line, at most %(num)d)",
                             num=LINKS_MAX), validators=[Length(max=LINKS_MAX * 2001)])


class AnswerForm(TrackerForm):
    text = TextAreaField(_l("Answer of the government"),
                         validators=[DataRequired(), Length(max=TEXT_MAX)])


class HideForm(TrackerForm):
    reason = StringField(_l("Reason for hiding (shown publicly)"),
                         validators=[DataRequired(), Length(max=REASON_MAX)])


FORMS_ON_AN_OBSERVATION = {"answer": AnswerForm, "hide": HideForm}


def observation_form(key: str, submitted: bool = False) -> TrackerForm:
    """The answer or hide form of one observation, by its key on the page ("answer-12",
    "hide-12"): the key is the prefix that keeps the fields of the page's forms apart."""
    form_class = FORMS_ON_AN_OBSERVATION[key.split("-")[0]]
    return form_class(prefix=key) if submitted else form_class(formdata=None, prefix=key)
