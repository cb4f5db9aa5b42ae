"""The data package of the CSV exports (/export/datapackage.json), written from
tracker.opendata.schema like its human form, the data dictionary (tracker.public.data_routes)."""

import json

from tracker.exports import bp
from tracker.exports.routes import export_file
from tracker.opendata.datapackage import datapackage


@bp.get("/export/datapackage.json")
def package():
    """The Frictionless Data Package describing every CSV export: types, formats, code
    lists with their meanings, keys, licence and sources."""
    return export_file("datapackage.json", "application/json",
                       lambda _: [json.dumps(datapackage(), ensure_ascii=False, indent=2)],
                       filtered=False)
