"""Forms of the administration pages. Choices come from the database when a form is used."""

import sqlalchemy as sa
from flask_babel import get_locale, lazy_gettext as _l
from sqlalchemy.orm import contains_eager
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.commitments.administration import TEXT_MAX
from tracker.commitments.edits import CODE_PATTERN
from tracker.core.forms import TrackerForm, VersionedForm
from tracker.core.labels import ACTOR_LABELS, ORGANISATION_KIND_LABELS, RECOMMENDATION_KIND_LABELS
from tracker.extensions import db
from tracker.models import Country, Meeting, OrganisationKind, Role, Theme, WorkingTable
from tracker.permissions import can_have_focal_point

CODE_RULE = Regexp(f"^{CODE_PATTERN.pattern}$",
                   message=_l("Use letters, digits, dots, hyphens and underscores only."))
BAD_DATE = _l("Enter a real date as YYYY-MM-DD, e.g. 2026-11-20.")


def _locale() -> str:
    return str(get_locale())


def _countries() -> list[Country]:
    """The member states, then the CRM as a regional body."""
    return list(db.session.scalars(sa.select(Country).order_by(Country.regional, Country.iso3)))


def country_choices() -> list[SelectChoice]:
    """Every owner a recommendation may have, the CRM (regional) included."""
    return [SelectChoice(c.iso3, f"{c.iso3} — {c.name(_locale())}") for c in _countries()]


def focal_point_country_choices() -> list[SelectChoice]:
    """The countries a focal point may belong to (never the regional CRM)."""
    return [SelectChoice(c.iso3, f"{c.iso3} — {c.name(_locale())}") for c in _countries()
            if can_have_focal_point(c)]


def all_member_states() -> list[str]:
    """The owners a new recommendation starts with: every member state, not the CRM."""
    return [c.iso3 for c in _countries() if not c.regional]


def theme_choices() -> list[SelectChoice]:
    labels = {t.id: t.name(_locale()) for t in db.session.scalars(sa.select(Theme))}
    return [SelectChoice(str(id_), label)
            for id_, label in sorted(labels.items(), key=lambda item: item[1])]


def working_table_choices() -> list[SelectChoice]:
    tables = db.session.execute(
        sa.select(WorkingTable).join(WorkingTable.meeting)
        .order_by(Meeting.code, WorkingTable.position)
        .options(contains_eager(WorkingTable.meeting)))
    return [SelectChoice(str(t.id), f"{t.meeting.code} / {t.code} — {t.name(_locale())}")
            for t in tables.scalars()]


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MeetingForm(TrackerForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=80), CODE_RULE])
    name = StringField(_l("Name (empty if the minutes do not state it)"),
                       validators=[Optional(), Length(max=300)])
    held_on = DateField(_l("Date held (empty if unknown)"), validators=[Optional()],
                        invalid_value_message=BAD_DATE)
    city = StringField(_l("City"), validators=[Optional(), Length(max=120)])
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=200)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=TEXT_MAX)])

    FACTS = ("name", "held_on", "city", "venue", "notes")

    def values(self) -> dict:
        return {name: self[name].data for name in self.FACTS}


class MeetingEditForm(MeetingForm):
    code = None  # a meeting's code never changes


class RecommendationEditForm(TrackerForm):
    working_table = SelectField(_l("Working table (meeting code / table code)"), coerce=int,
                                choices=working_table_choices, validators=[InputRequired()],
                                invalid_choice_message=_l("Choose a working table from the list."),
                                invalid_value_message=_l("Choose a working table from the list."))
    theme = SelectField(_l("Theme"), coerce=int, choices=theme_choices,
                        validators=[InputRequired()],
                        invalid_choice_message=_l("Choose a theme from the list."),
                        invalid_value_message=_l("Choose a theme from the list."))
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, label)
                                            for k, label in RECOMMENDATION_KIND_LABELS.items()],
                       validators=[InputRequired()])
    year = IntegerField(_l("Year (of an earlier agreement; empty if unknown)"),
                        validators=[Optional(), NumberRange(min=1900, max=2100)])
    section = StringField(_l("Section of the minutes"),
                          validators=[DataRequired(), Length(max=400)])
    text_es = TextAreaField(_l("Text, as the minutes state it (Spanish)"),
                            validators=[DataRequired(), Length(max=TEXT_MAX)])
    title_es = StringField(_l("Short title (Spanish)"),
                           validators=[DataRequired(), Length(max=300)])
    title_en = StringField(_l("Short title (English)"),
                           validators=[DataRequired(), Length(max=300)])

    FIELDS = ("kind", "year", "section", "text_es", "title_es", "title_en")

    def values(self) -> dict:
        return dict(working_table_id=self.working_table.data, theme_id=self.theme.data,
                    **{name: self[name].data for name in self.FIELDS})


class RecommendationForm(RecommendationEditForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40), CODE_RULE])
    owners = CheckboxesField(_l("Owner countries (one commitment each)"),
                             choices=country_choices, default=all_member_states)

    def values(self) -> dict:
        return dict(code=self.code.data, owners=self.owners.data or [], **super().values())


class OwnerForm(TrackerForm):
    country = SelectField(_l("Add an owner country"), choices=country_choices,
                          validators=[InputRequired()],
                          invalid_choice_message=_l("Choose a member state from the list."))


class CommitmentForm(VersionedForm):
    due_date = DateField(_l("Due date (empty if none)"), validators=[Optional()],
                         invalid_value_message=BAD_DATE)
    responsible_institution = StringField(_l("Responsible institution (empty if unknown)"),
                                          validators=[Optional(), Length(max=300)])


class InviteForm(TrackerForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, ACTOR_LABELS[r.value])
                                            for r in Role], validators=[InputRequired()])
    country = SelectField(_l("Country (for a focal point)"), default="",
                          choices=lambda: [SelectChoice("", "—")] + focal_point_country_choices(),
                          invalid_choice_message=_l("Choose a member state from the list."))
    organisation = StringField(_l("Organisation (for an auditor)"),
                               validators=[Optional(), Length(max=200)])
    organisation_kind = SelectField(
        _l("Kind of organisation (for an auditor)"), default=OrganisationKind.CIVIL_SOCIETY.value,
        choices=[SelectChoice(k.value, label) for k, label in ORGANISATION_KIND_LABELS.items()])

    def values(self) -> dict:
        role = self.role.data
        return dict(email=self.email.data, role=role, name=self.name.data,
                    country=self.country.data if role == Role.FOCAL_POINT else None,
                    organisation=self.organisation.data if role == Role.AUDITOR else None,
                    organisation_kind=self.organisation_kind.data if role == Role.AUDITOR else None)


def recommendation_data(rec) -> dict:
    """A recommendation's values as the edit form's initial data."""
    return dict(working_table=rec.working_table_id, theme=rec.theme_id, kind=rec.kind.value,
                year=rec.year, section=rec.section, text_es=rec.text_es,
                title_es=rec.title_es, title_en=rec.title_en)


class ConfirmForm(TrackerForm):
    """A button-only form (deactivate): CSRF token, nothing else."""
