"""What every API view shares: reading list arguments (or a 400), a page of items, a 404."""

from flask import abort, jsonify
from flask_babel import gettext as _

from tracker.commitments.listing import BadFilter, Filters, check_known

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 50


def list_args(args) -> tuple[Filters, int]:
    """The filters and page size a request asks for; 400 with the reason if they are wrong."""
    try:
        filters = Filters.from_args(args)
        check_known(filters)
    except BadFilter as exc:
        abort(400, description=str(exc))
    raw = args["per_page"].strip(" ") if "per_page" in args else str(DEFAULT_PER_PAGE)
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PER_PAGE:
        abort(400, description=_("per_page must be a number from 1 to %(max)d.",
                                 max=MAX_PER_PAGE))
    return filters, int(raw)


def paged(items: list, total: int, page: int, per_page: int):
    return jsonify(items=items, total=total, page=page, per_page=per_page)


def found(record: dict | None, code: str) -> dict:
    """The record, or a 404 naming the code nobody knows."""
    if record is None:
        abort(404, description=_("Nothing is known by the code %(code)s.", code=code))
    return record
