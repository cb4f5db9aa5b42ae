"""/export/datapackage.json: a Frictionless (Tabular) Data Package of the CSV exports, each
with its Table Schema, written from tracker.opendata.schema.

Resources name their files by paths relative to the descriptor (``commitments.csv``): served
at /export/datapackage.json, they resolve to the exports beside it, and a copy of the
descriptor saved with the files still works offline. Descriptions are in English, the
Spanish beside them as ``description_es``; a code list's meanings are Table Schema v2
``categories`` (v1 readers read ``constraints.enum``).
"""

import sqlalchemy as sa

from tracker.core.urls import public_url
from tracker.extensions import db
from tracker.models import Indicator
from tracker.opendata.schema import STATIC_TABLES, Column, Table, indicators_table

# No licence is stated elsewhere on the site: the package offers the data under CC BY 4.0
# (reuse with attribution), which keeps each figure traceable to the tracker and the minutes.
LICENSE = {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
           "title": "Creative Commons Attribution 4.0 International"}


def published_tables() -> list[Table]:
    """The tables the package lists: the indicators' only once an indicator exists."""
    tables = list(STATIC_TABLES)
    if db.session.scalar(sa.select(Indicator.id).limit(1)) is not None:
        tables.append(indicators_table())
    return tables


def datapackage() -> dict:
    """The descriptor of the package of every CSV export (their unfiltered form)."""
    site = public_url("public.index")
    return {
        "profile": "tabular-data-package",
        "name": "crm-commitment-tracker",
        "title": "Follow-up of the recommendations of the Regional Conference on Migration",
        "title_es": "Seguimiento de las recomendaciones de la Conferencia Regional sobre "
                    "Migración",
        "description": "Every recommendation of the CRM's working tables becomes a commitment "
                       "per owner country, with its status history and, where defined, "
                       "indicator values. Column meanings: " + public_url(
                           "public.data_dictionary"),
        "homepage": site,
        "licenses": [LICENSE],
        "sources": [
            {"title": "Minutes of the meetings of the Regional Conference on Migration "
                      "(each recommendation quotes them; originals on the tracker's source "
                      "pages)", "path": public_url("public.matrix")},
            {"title": "Reports of the member states' focal points and the CRM secretariat, "
                      "recorded in the tracker", "path": site},
        ],
        "resources": [resource(table) for table in published_tables()],
    }


def resource(table: Table) -> dict:
    return {
        "profile": "tabular-data-resource", "name": table.name, "path": f"{table.name}.csv",
        "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
        "title": table.title("en"), "title_es": table.title("es"),
        "description": table.description("en"), "description_es": table.description("es"),
        "schema": table_schema(table),
    }


def table_schema(table: Table) -> dict:
    schema: dict = {"fields": [field(column) for column in table.columns],
                    "missingValues": [""]}
    if table.primary_key:
        schema["primaryKey"] = list(table.primary_key)
    if table.foreign_keys:
        schema["foreignKeys"] = [{"fields": own, "reference": {"resource": other,
                                                               "fields": theirs}}
                                 for own, other, theirs in table.foreign_keys]
    return schema


def field(column: Column) -> dict:
    """A Table Schema field descriptor."""
    constraints: dict = {}
    if column.required:
        constraints["required"] = True
    if column.minimum is not None:
        constraints["minimum"] = column.minimum
    if column.maximum is not None:
        constraints["maximum"] = column.maximum
    if column.pattern:
        constraints["pattern"] = column.pattern
    descriptor: dict = {"name": column.name, "type": column.type, "format": column.format,
                        "description": column.description("en"),
                        "description_es": column.description("es")}
    if column.codes:
        constraints["enum"] = list(column.codes)
        english, spanish = column.code_labels("en"), column.code_labels("es")
        descriptor["categories"] = [{"value": code, "label": english[code],
                                     "label_es": spanish[code]} for code in column.codes]
    if column.type == "boolean":
        descriptor |= {"trueValues": ["true"], "falseValues": ["false"]}
    if constraints:
        descriptor["constraints"] = constraints
    return descriptor
