"""The form to report (or correct) an indicator's value for a period: one number field per
cell of the indicator's breakdown, built for each indicator when it is used."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker.core.forms import TrackerForm, refuse
from tracker.core.refusals import Refused
from tracker.core.request_checks import MAX_ID
from tracker.indicators.definitions import IndicatorRefused, checked_value
from tracker.indicators.reporting import NOTE_MAX, SOURCE_MAX, Cell
from tracker.models import Country, DimensionValue, Frequency, Indicator, IndicatorReport, Unit

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
CELL_MAX = 30  # fourteen digits, a point, four decimals and room for spaces


def plain(number: Decimal) -> str:
    """A stored number as it was typed: 12, 12.5 (not 12.0000)."""
    return format(number.normalize(), "f")


class IndicatorReportForm(TrackerForm):
    """The fields every indicator's report has; report_form adds the cells (and, for the
    secretariat, the country)."""

    period = StringField(_l("Period"), validators=[DataRequired(), Length(max=10)])
    note = TextAreaField(_l("Note (explain here a breakdown that does not add up to its "
                            "total)"), validators=[Length(max=NOTE_MAX)])
    source = StringField(_l("Source of the data"), validators=[Length(max=SOURCE_MAX)])
    replaces = HiddenField()  # the current report this one corrects, if any

    indicator: Indicator
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

    def prefill(self, report: IndicatorReport) -> None:
        """Show a current report's values, to be sent as its correction."""
        self.period.data, self.note.data = report.period, report.note or ""
        self.source.data, self.replaces.data = report.source or "", str(report.id)
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
                **kwargs) -> IndicatorReportForm:
    """The report form of this indicator: the total and a number per value of its first
    dimension, or a grid of both with their margins; a country select for the secretariat
    (``owners``: the countries it may report for)."""
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
    form_class = type("IndicatorReportForm", (IndicatorReportForm,), attrs)
    form = form_class(**kwargs)
    # Totals last: the margins of the table, as printed tables put them.
    form.rows, form.columns = rows[1:] + rows[:1], columns[1:] + columns[:1]
    form.cell_errors = []
    return form


def _cell_label(row: DimensionValue | None, column: DimensionValue | None, locale: str) -> str:
    """What a cell counts: its values' names, or Total."""
    names = [v.name(locale) for v in (row, column) if v is not None]
    return ", ".join(names) if names else str(_l("Total"))
