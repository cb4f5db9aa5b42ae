"""The data package of the CSV exports (/export/datapackage.json) and its human form, the
data dictionary (/data), both written from tracker.opendata.schema."""

import json

from flask import render_template

from tracker.core.http_cache import rendered_once_per_version
from tracker.exports import bp
from tracker.exports.routes import export_file
from tracker.opendata.datapackage import datapackage, published_tables
from tracker.opendata.schema import TYPE_LABELS


@bp.get("/export/datapackage.json")
def package():
    """The Frictionless Data Package describing every CSV export: types, formats, code
    lists with their meanings, keys, licence and sources."""
    return export_file("datapackage.json", "application/json",
                       lambda _: [json.dumps(datapackage(), ensure_ascii=False, indent=2)],
                       filtered=False)


@bp.get("/data")
@rendered_once_per_version
def data_dictionary():
    """The data dictionary: each export's columns, their types and meanings, in the reader's
    language."""
    return render_template("exports/data_dictionary.html", tables=published_tables(),
                           type_labels=TYPE_LABELS)
