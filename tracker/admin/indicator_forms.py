"""The secretariat's form to define an indicator. Choices come from the database when the
form is used; the rules themselves are checked by tracker.indicators.definitions."""

import sqlalchemy as sa
from flask_babel import get_locale, lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker.core.forms import TrackerForm
from tracker.extensions import db
from tracker.indicators.definitions import LIMITS, TARGET_KEYS, IndicatorRefused, checked_value
from tracker.indicators.periods import parse_period
from tracker.models import Dimension, Frequency, Unit

UNIT_LABELS = {
    Unit.COUNT: _l("Count (people, cases...)"),
    Unit.PERCENT: _l("Percentage (0-100)"),
    Unit.CURRENCY: _l("Amount of money"),
    Unit.DAYS: _l("Days"),
}
PERIOD_LABELS = {
    Frequency.YEAR: _l("Yearly (2025)"),
    Frequency.HALF: _l("Half-yearly (2025-H1)"),
    Frequency.QUARTER: _l("Quarterly (2025-Q3)"),
}
NO_DIMENSION = ""
TARGETS_HELP = _l("One line per owner country: ISO3 baseline baseline-period target "
                  "target-period, with - for what is not known, e.g. MEX 120 2023 200 2027.")
TARGET_MAX = 20_000


def dimension_choices() -> list[SelectChoice]:
    """None, then every dimension by its name in the reader's language."""
    locale = str(get_locale())
    dimensions = db.session.scalars(sa.select(Dimension).order_by(Dimension.position,
                                                                  Dimension.code))
    return [SelectChoice(NO_DIMENSION, _l("None"))] + [
        SelectChoice(d.code, d.name(locale)) for d in dimensions]


def parse_targets(text: str) -> dict[str, dict[str, str]]:
    """The targets textarea as define_indicator takes them: ISO3 -> the numbers and periods
    given (``-`` for one not known); ValueError with the line's number otherwise."""
    targets: dict[str, dict[str, str]] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        words = line.split()
        if not words:
            continue
        if len(words) not in (3, 5):
            raise ValueError(_l("Line %(line)d: write ISO3, baseline, its period, target, its "
                                "period (- for one not known).", line=number))
        iso3 = words[0].upper()
        if iso3 in targets:
            raise ValueError(_l("Line %(line)d: %(country)s is given twice.", line=number,
                                country=iso3))
        # A line may stop after the baseline: the target is then not known.
        given = dict(zip(TARGET_KEYS, words[1:], strict=False))
        targets[iso3] = {key: value for key, value in given.items() if value != "-"}
    return targets


def _check_target_line(number: int, line: str, unit: Unit, frequency: Frequency) -> None:
    """ValidationError "Line n: ..." for a number or period of a well-shaped targets line
    that the service would refuse."""
    given = dict(zip(TARGET_KEYS, line.split()[1:], strict=False))
    try:
        for key, value in given.items():
            if value == "-":
                continue
            if key.endswith("_period"):  # a baseline was measured; only a target lies ahead
                parse_period(value, frequency, field="targets",
                             allow_future=key == "target_period")
            else:
                checked_value(value, unit, "targets")
    except IndicatorRefused as exc:
        raise ValidationError(_l("Line %(line)d: %(problem)s", line=number,
                                 problem=exc.args[0])) from None


class IndicatorForm(TrackerForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name_es = StringField(_l("Name (Spanish)"),
                          validators=[DataRequired(), Length(max=LIMITS["name_es"])])
    name_en = StringField(_l("Name (English)"),
                          validators=[DataRequired(), Length(max=LIMITS["name_en"])])
    definition_es = TextAreaField(_l("Definition: what is counted, and how (Spanish)"),
                                  validators=[Length(max=LIMITS["definition_es"])])
    definition_en = TextAreaField(_l("Definition: what is counted, and how (English)"),
                                  validators=[Length(max=LIMITS["definition_en"])])
    unit = SelectField(_l("Unit"), choices=[SelectChoice(u.value, label)
                                           for u, label in UNIT_LABELS.items()],
                       validators=[InputRequired()])
    currency = StringField(_l("Currency (ISO 4217 code, for an amount of money only)"),
                           validators=[Optional(), Length(max=3)])
    frequency = SelectField(_l("How often it is reported"),
                            choices=[SelectChoice(f.value, label)
                                     for f, label in PERIOD_LABELS.items()],
                            validators=[InputRequired()])
    source = StringField(_l("Source of the data"), validators=[Length(max=LIMITS["source"])])
    recommendation_code = StringField(_l("Recommendation code (every owner reports it)"),
                                      validators=[Optional(), Length(max=40)])
    commitment_code = StringField(_l("Or one commitment's code (its owner reports it)"),
                                  validators=[Optional(), Length(max=60)])
    first_dimension = SelectField(_l("Broken down by"), choices=dimension_choices,
                                  default=NO_DIMENSION,
                                  invalid_choice_message=_l("Choose a dimension from the list."))
    second_dimension = SelectField(_l("And by (a table of both)"), choices=dimension_choices,
                                   default=NO_DIMENSION,
                                   invalid_choice_message=_l("Choose a dimension from the list."))
    targets = TextAreaField(_l("Baselines and targets"), validators=[Length(max=TARGET_MAX)])

    def validate_second_dimension(self, field) -> None:
        """A second dimension needs a first, and is another one."""
        if field.data and not self.first_dimension.data:
            raise ValidationError(_l("Choose the first dimension before the second."))
        if field.data and field.data == self.first_dimension.data:
            raise ValidationError(_l("Choose each dimension once."))

    def validate_targets(self, field) -> None:
        """Each line has the shape the hint shows, and its numbers and periods pass the
        service's own checks, so a refusal names its line (the service checks them again)."""
        try:
            parse_targets(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc.args[0])) from None
        if self.unit.data in {u.value for u in Unit} \
                and self.frequency.data in {f.value for f in Frequency}:
            for number, given in enumerate((field.data or "").splitlines(), start=1):
                _check_target_line(number, given, Unit(self.unit.data),
                                   Frequency(self.frequency.data))

    def values(self) -> dict:
        """The keyword arguments of define_indicator."""
        texts = ("code", "name_es", "name_en", "definition_es", "definition_en", "unit",
                 "currency", "frequency", "source", "recommendation_code", "commitment_code")
        return dict({name: self[name].data or "" for name in texts},
                    dimensions=[d for d in (self.first_dimension.data,
                                            self.second_dimension.data) if d],
                    targets=parse_targets(self.targets.data))
