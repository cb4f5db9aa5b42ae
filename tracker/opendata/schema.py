"""The one description of every open-data table: each column's name, Table Schema type and
format, meaning in Spanish and English, and the codes it may hold with what they mean.

The CSV and XLSX writers, /export/datapackage.json and the data dictionary page (/data) all
read it, so a column cannot be typed one way in a file and described another way. Code lists
are the vocabularies fixed in code (statuses, roles, units...): nothing read from the data,
so the package does not change when a meeting or a country is added.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import force_locale, lazy_gettext as _l

from tracker.core.labels import (
    ACTOR_LABELS,
    ASSESSMENT_LABELS,
    INDICATOR_UNIT_LABELS,
    RECOMMENDATION_KIND_LABELS,
    STATUS_LABELS,
)
from tracker.extensions import db
from tracker.models import Dimension
from tracker.opendata.indicators import SUPPRESSED

# How a CSV writes an instant: UTC, in the form spreadsheet programs read as a date and time.
CSV_DATETIME = "%Y-%m-%d %H:%M:%S"
# What each Table Schema type is called on the data dictionary page.
TYPE_LABELS = {"string": _l("Text"), "integer": _l("Whole number"), "number": _l("Number"),
               "boolean": _l("true or false"), "date": _l("Date"),
               "datetime": _l("Date and time (UTC)")}


@dataclass(frozen=True)
class Column:
    """One column: ``type`` and ``format`` as Table Schema names them; ``codes``: the only
    values it may hold (empty aside), each with its label."""

    name: str
    type: str
    es: str
    en: str
    format: str = "default"
    required: bool = False
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None
    codes: Mapping[str, object] = field(default_factory=dict)

    def description(self, locale: str) -> str:
        text = self.en if locale == "en" else self.es
        if self.type == "datetime":
            text += (" Coordinated Universal Time (UTC), written YYYY-MM-DD HH:MM:SS."
                     if locale == "en" else
                     " En tiempo universal coordinado (UTC), escrito AAAA-MM-DD HH:MM:SS.")
        return text

    def code_labels(self, locale: str) -> dict[str, str]:
        """Each code and its label in that language."""
        with force_locale(locale):
            return {code: str(label) for code, label in self.codes.items()}


@dataclass(frozen=True)
class Table:
    """One CSV file: its columns, keys and what a row is."""

    name: str
    title_es: str
    title_en: str
    es: str
    en: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    # (column, other table, its column)
    foreign_keys: tuple[tuple[str, str, str], ...] = ()

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" else self.title_es

    def description(self, locale: str) -> str:
        return self.en if locale == "en" else self.es


def _codes(labels: Mapping) -> dict[str, object]:
    return {str(code): label for code, label in labels.items()}


ISO3 = "[A-Z]{3}"  # Table Schema patterns match the whole value
COUNTRY = Column("country", "string", "País dueño del compromiso: código ISO 3166 alfa-3, o CRM "
                 "para la propia Conferencia (regional).",
                 "Owner country: ISO 3166 alpha-3 code, or CRM for the Conference itself "
                 "(regional).", required=True, pattern=ISO3)
STATUS_CODES = _codes(STATUS_LABELS)

COMMITMENTS = Table(
    "commitments", "Compromisos", "Commitments",
    "Un compromiso por fila: una recomendación de la CRM para un país dueño, con su estado "
    "actual.",
    "One commitment per row: a recommendation of the CRM for one owner country, with its "
    "current status.",
    (
        Column("code", "string", "Código del compromiso: recomendación y país (MT1-R03-MEX).",
               "Commitment code: recommendation and country (MT1-R03-MEX).", required=True),
        Column("recommendation_code", "string", "Código de la recomendación (MT1-R03).",
               "Recommendation code (MT1-R03).", required=True),
        COUNTRY,
        Column("theme", "string", "Código del tema transversal de la recomendación.",
               "Code of the recommendation's cross-cutting theme.", required=True),
        Column("meeting", "string", "Código de la reunión cuya acta contiene la recomendación.",
               "Code of the meeting whose minutes hold the recommendation.", required=True),
        Column("working_table", "string", "Código de la mesa de trabajo (MT1).",
               "Working table code (MT1).", required=True),
        Column("status", "string", "Estado actual del compromiso.",
               "Current status of the commitment.", required=True, codes=STATUS_CODES),
        Column("progress", "integer", "Avance informado, en por ciento; vacío si no se informó.",
               "Reported progress, in percent; empty when none was reported.",
               minimum=0, maximum=100),
        Column("due_date", "date", "Fecha límite (AAAA-MM-DD); vacía si no hay.",
               "Due date (YYYY-MM-DD); empty when there is none."),
        Column("responsible_institution", "string",
               "Institución responsable en el país; vacía si no se indicó.",
               "Responsible institution in the country; empty when none was given."),
        Column("updated_at", "datetime", "Última actualización del compromiso.",
               "Last update of the commitment.", required=True, format=CSV_DATETIME),
        Column("version", "integer",
               "Versión: cambia con cada actualización; un sistema nacional la devuelve al "
               "informar por la API.",
               "Version: changes with every update; a national system sends it back when "
               "reporting through the API.", required=True, minimum=1),
        Column("title_es", "string", "Título de la recomendación en español.",
               "Title of the recommendation in Spanish.", required=True),
        Column("title_en", "string", "Título de la recomendación en inglés.",
               "Title of the recommendation in English.", required=True),
        Column("url", "string", "Página pública del compromiso.",
               "Public page of the commitment.", required=True, format="uri"),
        Column("assessment", "string",
               "Última valoración visible de la sociedad civil (escala de cumplimiento de la "
               "Alianza para el Gobierno Abierto); vacía si no hay.",
               "Latest visible civil-society rating (the Open Government Partnership "
               "completion scale); empty when there is none.",
               codes=_codes(ASSESSMENT_LABELS)),
        Column("contested", "boolean",
               "true si esa valoración contradice el estado informado por el gobierno.",
               "true when that rating contradicts the status the government reported.",
               required=True),
    ),
    primary_key=("code",),
    foreign_keys=(("recommendation_code", "recommendations", "code"),),
)

HISTORY = Table(
    "history", "Historial", "History",
    "Un cambio de estado por fila, compromiso por compromiso, del más antiguo al más reciente. "
    "Quien actuó figura como rol y país, nunca como persona.",
    "One status change per row, commitment by commitment, oldest first. Who acted is given "
    "as a role and a country, never as a person.",
    (
        Column("commitment", "string", "Código del compromiso.", "Commitment code.",
               required=True),
        COUNTRY,
        Column("at", "datetime", "Momento del cambio.", "When the change was recorded.",
               required=True, format=CSV_DATETIME),
        Column("from_status", "string", "Estado anterior; vacío en el registro inicial.",
               "Previous status; empty in the first record.", codes=STATUS_CODES),
        Column("to_status", "string", "Estado nuevo.", "New status.", required=True,
               codes=STATUS_CODES),
        Column("progress", "integer", "Avance informado, en por ciento; vacío si no se informó.",
               "Reported progress, in percent; empty when none was reported.",
               minimum=0, maximum=100),
        Column("note", "string", "Nota pública del informe.", "Public note of the report."),
        Column("actor_role", "string", "Rol de quien informó.", "Role of who reported.",
               required=True, codes=_codes(ACTOR_LABELS)),
        Column("actor_country", "string",
               "País de quien informó (ISO 3166 alfa-3); vacío para la secretaría.",
               "Country of who reported (ISO 3166 alpha-3); empty for the secretariat.",
               pattern=ISO3),
    ),
    foreign_keys=(("commitment", "commitments", "code"),),
)

RECOMMENDATIONS = Table(
    "recommendations", "Recomendaciones", "Recommendations",
    "Una recomendación por fila, o un acuerdo anterior que el acta recuerda, tal como el acta "
    "la formula.",
    "One recommendation per row, or an earlier agreement the minutes recall, as the minutes "
    "state it.",
    (
        Column("code", "string", "Código de la recomendación (MT1-R03).",
               "Recommendation code (MT1-R03).", required=True),
        Column("kind", "string", "Clase de elemento.", "Kind of item.", required=True,
               codes=_codes(RECOMMENDATION_KIND_LABELS)),
        Column("year", "integer",
               "Año de un acuerdo anterior, si el acta lo indica; vacío en otro caso.",
               "Year of an earlier agreement when the minutes give it; otherwise empty."),
        Column("meeting", "string", "Código de la reunión.", "Meeting code.", required=True),
        Column("working_table", "string", "Código de la mesa de trabajo.",
               "Working table code.", required=True),
        Column("theme", "string", "Código del tema transversal.",
               "Code of the cross-cutting theme.", required=True),
        Column("section", "string", "Sección del acta en que aparece.",
               "Section of the minutes it appears in.", required=True),
        Column("position", "integer", "Orden dentro de la mesa de trabajo.",
               "Order within the working table.", required=True),
        Column("title_es", "string", "Título en español.", "Title in Spanish.", required=True),
        Column("title_en", "string", "Título en inglés.", "Title in English.", required=True),
        Column("text_es", "string", "Texto tal como lo dice el acta (en español).",
               "Text as the minutes state it (in Spanish).", required=True),
        Column("editorial_note", "string",
               "Nota de los editores sobre la lectura del acta, en inglés; vacía si no hay.",
               "The editors' note on how the minutes were read, in English; empty when "
               "there is none."),
        Column("editorial_note_es", "string",
               "La misma nota en español; vacía si no hay.",
               "The same note in Spanish; empty when there is none."),
    ),
    primary_key=("code",),
)


def indicators_table() -> Table:
    """The tidy indicator values: one column per dimension (read from the database, as
    the CSV's header is), whichever indicator uses it."""
    dimensions = db.session.execute(sa.select(Dimension.code, Dimension.name_es,
                                              Dimension.name_en).order_by(Dimension.position))
    by_dimension = tuple(
        Column(code, "string",
               f"{name_es}: código del valor (estilo SDMX); _T: total de la dimensión, o "
               "indicador no desglosado por ella.",
               f"{name_en}: the value's code (SDMX style); _T: the total over the "
               "dimension, or an indicator not broken down by it.", required=True)
        for code, name_es, name_en in dimensions)
    return Table(
        "indicators", "Valores de indicadores", "Indicator values",
        "Una celda publicada por fila del informe vigente de cada país, período e indicador. "
        "Un conteo pequeño, y toda celda de la que se podría deducir, queda vacío y marcado.",
        "One published cell per row of each country's current report for a period and "
        "indicator. A small count, and any cell it could be worked out from, is empty and "
        "flagged.",
        (
            Column("indicator", "string", "Código del indicador (ver /api/v1/indicators).",
                   "Indicator code (see /api/v1/indicators).", required=True),
            Column("country", "string", "País que informa (ISO 3166 alfa-3).",
                   "Reporting country (ISO 3166 alpha-3).", required=True, pattern=ISO3),
            Column("period", "string", "Período: año (2025), semestre (2025-H1) o trimestre "
                   "(2025-Q3).", "Period: year (2025), half (2025-H1) or quarter (2025-Q3).",
                   required=True, pattern=r"\d{4}(-H[12]|-Q[1-4])?"),
            Column("report", "integer", "Número del informe vigente (una corrección tiene "
                   "uno nuevo).", "Number of the current report (a correction has a new one).",
                   required=True, minimum=1),
            *by_dimension,
            Column("value", "number", "Valor; vacío si está suprimido.",
                   "Value; empty when suppressed."),
            Column("unit", "string", "Unidad del valor.", "Unit of the value.", required=True,
                   codes=_codes(INDICATOR_UNIT_LABELS)),
            Column("currency", "string", "Moneda (ISO 4217) de un valor monetario; vacía en "
                   "otro caso.", "Currency (ISO 4217) of an amount of money; otherwise empty.",
                   pattern=ISO3),
            Column("flags", "string", "Marca del valor; vacía si está publicado.",
                   "Flag of the value; empty when published.",
                   codes={SUPPRESSED: _l("Suppressed: too small a count to publish, or one "
                                         "it could be worked out from")}),
        ),
        primary_key=("indicator", "country", "period", *(c.name for c in by_dimension)),
    )


STATIC_TABLES = (COMMITMENTS, HISTORY, RECOMMENDATIONS)
