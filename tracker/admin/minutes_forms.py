"""Forms of the minutes pages: upload, a draft's edit, a section's acceptance."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from tracker.admin.forms import CheckboxesField, country_choices, theme_choices
from tracker.core.forms import TrackerForm
from tracker.core.labels import DRAFT_KIND_LABELS, LANGUAGE_LABELS
from tracker.extensions import db
from tracker.models import DraftItem, Theme


def _theme_code_choices() -> list[SelectChoice]:
    codes = {id_: code for id_, code in db.session.execute(sa.select(Theme.id, Theme.code))}
    return [SelectChoice("", _l("— none —"))] + [
        SelectChoice(codes[int(c.value)], c.label) for c in theme_choices()]


class MinutesUploadForm(TrackerForm):
    file = FileField(_l("Minutes (DOCX, ODT, PDF with text, plain text or Markdown)"))
    language = SelectField(_l("Language of the document"), default="es",
                           choices=[SelectChoice(code, label)
                                    for code, label in LANGUAGE_LABELS.items()])
    title = StringField(_l("Title (default: the file's name)"),
                        validators=[Optional(), Length(max=300)])
    restricted = BooleanField(_l("Restricted: only the secretariat may download the original "
                                 "file, even once items from it are published (their text is "
                                 "then public)"))


class DraftForm(TrackerForm):
    kind = SelectField(_l("Kind"), choices=[SelectChoice(kind.value, label)
                                          for kind, label in DRAFT_KIND_LABELS.items()])
    year = IntegerField(_l("Year (earlier agreements)"),
                        validators=[Optional(), NumberRange(1900, 2100)])
    title_es = StringField(_l("Title in Spanish (default: the text)"),
                           validators=[Optional(), Length(max=300)])
    title_en = StringField(_l("Title in English (default: the Spanish title)"),
                           validators=[Optional(), Length(max=300)])
    theme = SelectField(_l("Theme"), choices=_theme_code_choices, validate_choice=False)
    working_table = StringField(_l("Working table"), validators=[DataRequired(),
                                                                 Length(max=400)])
    section = StringField(_l("Section"), validators=[Optional(), Length(max=400)])
    owners_by_kind = BooleanField(_l("Every member state (a recommendation's default)"))
    owners = CheckboxesField(_l("…or these owners"), choices=country_choices,
                             validate_choice=False)

    @classmethod
    def of(cls, draft: DraftItem) -> "DraftForm":
        return cls(data=dict(
            kind=draft.kind.value, year=draft.year, title_es=draft.title_es,
            title_en=draft.title_en, theme=draft.theme.code if draft.theme else "",
            working_table=draft.working_table, section=draft.section,
            owners_by_kind=draft.owners is None, owners=draft.owners or []))

    def validate_owners(self, field) -> None:
        if self.owners_by_kind.data and field.data:
            raise ValidationError(_l("Choose either every member state or the owners one by "
                                     "one, not both."))

    def values(self) -> dict:
        return dict(kind=self.kind.data, year=self.year.data, title_es=self.title_es.data,
                    title_en=self.title_en.data, theme_code=self.theme.data or None,
                    working_table=self.working_table.data, section=self.section.data,
                    owners=None if self.owners_by_kind.data else list(self.owners.data or []))


class DecisionForm(TrackerForm):
    decision = HiddenField(validators=[DataRequired()])


class SectionForm(TrackerForm):
    working_table = HiddenField()
    section = HiddenField()
    theme = SelectField(_l("Theme for its recommendations without one"),
                        choices=_theme_code_choices, validate_choice=False)
