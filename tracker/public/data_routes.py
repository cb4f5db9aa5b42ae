"""The data dictionary (/data): each export's columns, their types and meanings, in the
reader's language, written from tracker.opendata.schema like the data package. A public page
(its caching and validators), not an export."""

from flask import render_template

from tracker.core.http_cache import rendered_once_per_version
from tracker.opendata.datapackage import published_tables
from tracker.opendata.schema import TYPE_LABELS
from tracker.public import bp


@bp.get("/data")
@rendered_once_per_version
def data_dictionary():
    """The data dictionary, in the reader's language."""
    return render_template("exports/data_dictionary.html", tables=published_tables(),
                           type_labels=TYPE_LABELS)
