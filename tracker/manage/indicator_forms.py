"""The form to report (or correct) an indicator's value for a period: one number field per
cell of the indicator's breakdown, built for each indicator when it is used."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker.core.dates import format_day
from tracker.core.forms import TrackerForm, refuse
from tracker.core.refusals import Refused
from tracker.core.request_checks import MAX_ID
from tracker.indicators.definitions import IndicatorRefused, checked_value
from tracker.indicators.reporting import NOTE_MAX, SOURCE_MAX, Cell
from tracker.models import (
    Country,
    DimensionValue,
    Evidence,
    Frequency,
    Indicator,
    IndicatorReport,
    Unit,
)

PERIOD_HINTS = {
    Frequency.YEAR: _l("A year, such as 2025."),
    Frequency.HALF: _l("A half-year, such as 2025-H1 (January to June) or 2025-H2."),
    Frequency.QUARTER: _l("A quarter, such as 2025-Q3 (July to September)."),
}
UNIT_HINTS = {
    Unit.COUNT: _l("Whole numbers (people, cases...)."),
    Unit.PERCENT: _l("Percentages, from 0 to 100."),
    Unit.CURRENCY: _l("Amounts of money, in the indicator's currency."),
    Unit.DAYS: _l("Numbers of days."),
}
NOTE_HINT = _l("Published as written, with the values: no personal data and no small counts "
               "in it. A correction starts without a note: write one for this version if it "
               "needs one.")
CELL_MAX = 30  # fourteen digits, a point, four decimals and room for spaces


def plain(number: Decimal) -> str:
    """A stored number as it was typed: 12, 12.5 (not 12.0000)."""
    return format(number.normalize(), "f")


class IndicatorReportForm(TrackerForm):
    """The fields every indicator's report has; report_form adds the cells (and, for the
    secretariat, the country)."""

    period = StringField(_l("Period"), validators=[DataRequired(), Length(max=10)])
    note = TextAreaField(_l("Note (explain here values that do not add up to their total)"),
                         validators=[Length(max=NOTE_MAX)])
    source = StringField(_l("Source of the data"), validators=[Length(max=SOURCE_MAX)])
    replaces = HiddenField()  # the current report this one corrects, if any

    indicator: Indicator
    evidence_items: dict[str, Evidence]  # the evidence choices, by their value (the id)
    layout: dict[Cell, str]  # each cell's field name
    rows: list[tuple[DimensionValue | None, int]]  # the grid's rows: value, index in names
    columns: list[tuple[DimensionValue | None, int]]
    cell_errors: list[str]

    def validate(self, extra_validators=None) -> bool:
        """The usual checks, then each number against the indicator's unit, on its field."""
        valid = super().validate(extra_validators)
        for name in self.layout.values():
            field = self[name]
            if field.errors or not (field.data or "").strip():
                continue
            try:
                checked_value(field.data, self.indicator.unit, name)
            except IndicatorRefused as exc:
                field.errors = [*field.errors, str(exc)]
                valid = False
        return valid

    def cells(self) -> dict[Cell, str]:
        """The numbers given, by cell (an empty field is not reported)."""
        return {cell: self[name].data.strip() for cell, name in self.layout.items()
                if (self[name].data or "").strip()}

    def replaces_id(self) -> int | None:
        """The id of the report this corrects; -1 for a tampered field (no such report)."""
        text = (self.replaces.data or "").strip()
        if not text:
            return None
        # ASCII digits within a row id's range: "²" is a digit to str.isdigit, and a
        # thirty-digit id would overflow the database's integer.
        if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
            return -1
        return int(text)

    def chosen_evidence(self) -> Evidence | None:
        """The evidence chosen; the select accepts only the choices, so a crafted id never
        gets here (report_value checks its country again)."""
        if "evidence" not in self:
            return None
        return self.evidence_items.get(self["evidence"].data or "")

    def prefill(self, report: IndicatorReport) -> None:
        """Show a current report's values, to be sent as its correction. Not its note: a
        note lets parts differ from their total, so each version must write its own (the
        page shows the previous one for reference)."""
        self.period.data, self.note.data = report.period, ""
        self.source.data, self.replaces.data = report.source or "", str(report.id)
        if "evidence" in self and str(report.evidence_id) in self.evidence_items:
            self["evidence"].data = str(report.evidence_id)
        for value in report.values:
            cell = (value.first_value.code if value.first_value else None,
                    value.second_value.code if value.second_value else None)
            if cell in self.layout:
                self[self.layout[cell]].data = plain(value.value)

    def refuse(self, error: Refused) -> None:
        """A refusal on its field; one about the cells as a whole above the table."""
        if error.field == "cells":
            self.cell_errors.append(str(error))
        else:
            refuse(self, error)


def report_form(indicator: Indicator, owners: list[Country] | None, locale: str,
                evidence: list[Evidence] | None = None, **kwargs) -> IndicatorReportForm:
    """The report form of this indicator: the total and a number per value of its first
    dimension, or a grid of both with their margins; a country select for the secretariat
    (``owners``: the countries it may report for); an evidence select when ``evidence``
    (what the reporting country's commitments hold) is given."""
    dimensions = indicator.dimensions
    rows = [(None, 0)] + [(v, i) for i, v in enumerate(dimensions[0].values, 1)] \
        if dimensions else [(None, 0)]
    columns = [(None, 0)] + [(v, j) for j, v in enumerate(dimensions[1].values, 1)] \
        if len(dimensions) == 2 else [(None, 0)]
    layout: dict[Cell, str] = {}
    attrs: dict[str, object] = {"indicator": indicator, "layout": layout}
    for row, i in rows:
        for column, j in columns:
            name = f"cell_{i}_{j}"
            layout[row.code if row else None, column.code if column else None] = name
            attrs[name] = StringField(_cell_label(row, column, locale),
                                      validators=[Optional(), Length(max=CELL_MAX)],
                                      render_kw={"inputmode": "decimal"})
    if owners is not None:
        attrs["country"] = SelectField(
            _l("Country"), validators=[InputRequired()],
            choices=[SelectChoice(c.iso3, f"{c.iso3} — {c.name(locale)}") for c in owners],
            invalid_choice_message=_l("Choose a country that reports this indicator."))
    attrs["evidence_items"] = {str(e.id): e for e in evidence or []}
    if evidence is not None:
        attrs["evidence"] = SelectField(
            _l("Evidence"), default="",
            choices=[SelectChoice("", str(_l("No evidence")))]
            + [SelectChoice(str(e.id), _evidence_label(e)) for e in evidence],
            invalid_choice_message=_l("Choose evidence stored on this country's commitment, "
                                      "or none."))
    form_class = type("IndicatorReportForm", (IndicatorReportForm,), attrs)
    form = form_class(**kwargs)
    # Totals last: the margins of the table, as printed tables put them.
    form.rows, form.columns = rows[1:] + rows[:1], columns[1:] + columns[:1]
    form.cell_errors = []
    return form


def _evidence_label(evidence: Evidence) -> str:
    """An evidence choice: its title and date, and whether it is restricted."""
    label = f"{evidence.title} — {format_day(evidence.dated)}"
    if evidence.is_public:
        return label
    restricted = _l("restricted")
    return f"{label} ({restricted})"


def _cell_label(row: DimensionValue | None, column: DimensionValue | None, locale: str) -> str:
    """What a cell counts: its values' names, or Total."""
    names = [v.name(locale) for v in (row, column) if v is not None]
    return ", ".join(names) if names else str(_l("Total"))
