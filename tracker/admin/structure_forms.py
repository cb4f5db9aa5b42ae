"""Forms of a meeting's structure: working tables, sections, source documents."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tracker.admin.forms import CODE_RULE
from tracker.commitments.meeting_structure import DOCUMENT_LIMITS, SECTION_MAX, TABLE_LIMITS
from tracker.core.forms import TrackerForm
from tracker.core.labels import LANGUAGE_LABELS


class WorkingTableEditForm(TrackerForm):
    name_es = StringField(_l("Name (Spanish)"),
                          validators=[DataRequired(), Length(max=TABLE_LIMITS["name_es"])])
    name_en = StringField(_l("Name (English)"),
                          validators=[DataRequired(), Length(max=TABLE_LIMITS["name_en"])])
    facilitators = StringField(_l("Facilitators (empty if the minutes do not name them)"),
                               validators=[Optional(), Length(max=TABLE_LIMITS["facilitators"])])
    place = IntegerField(_l("Place in the meeting's list (1 = first)"),
                         validators=[InputRequired(), NumberRange(min=1, max=999)])

    def values(self) -> dict:
        return dict(name_es=self.name_es.data, name_en=self.name_en.data,
                    facilitators=self.facilitators.data, place=self.place.data)


class WorkingTableForm(WorkingTableEditForm):
    code = StringField(_l("Code"),
                       validators=[DataRequired(), Length(max=TABLE_LIMITS["code"]), CODE_RULE])
    place = None  # a new table comes last; it is moved from its edit page

    def values(self) -> dict:
        return dict(code=self.code.data, name_es=self.name_es.data, name_en=self.name_en.data,
                    facilitators=self.facilitators.data)


class SectionForm(TrackerForm):
    # The name as the page showed it; "" for the items under no heading.
    section = HiddenField()
    name = StringField(_l("New name of the section"),
                       validators=[DataRequired(), Length(max=SECTION_MAX)])


class SourceDocumentForm(TrackerForm):
    title = StringField(_l("Title"),
                        validators=[DataRequired(), Length(max=DOCUMENT_LIMITS["title"])])
    language = SelectField(_l("Language of the document"), validators=[InputRequired()],
                           choices=[SelectChoice(code, label)
                                    for code, label in LANGUAGE_LABELS.items()],
                           invalid_choice_message=_l("Choose Spanish or English."))
    restricted = BooleanField(_l("Restricted: only the secretariat may download the original "
                                 "file (its text stays public)"))
