"""What the secretariat's edits share: blank text as unknown, limits, codes, the changes
made to a row, and a creation committed against a duplicate made at the same moment."""

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from tracker.core.refusals import Refused
from tracker.extensions import db

# Codes appear in addresses (/admin/meetings/<code>/edit, /commitments/<code>).
CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class AdminRefused(Refused):
    """The secretariat's change is not valid."""


def clean(value):
    """Blank text is an unknown fact: NULL, never an empty string. Browsers send a
    textarea's line breaks as CRLF; stored as LF, an unchanged text stays unchanged."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").strip() or None
    return value


def checked(values: dict, limits: dict) -> dict:
    """The values cleaned; AdminRefused naming the first one longer than its limit."""
    values = {name: clean(value) for name, value in values.items()}
    for name, value in values.items():
        if isinstance(value, str) and len(value) > limits[name]:
            raise AdminRefused(_l("At most %(max)d characters.", max=limits[name]), name)
    return values


def checked_code(code: str, limit: int) -> str:
    """A code fit for an address, or AdminRefused on the code field."""
    code = clean(code)
    if not code:
        raise AdminRefused(_l("A code is required."), "code")
    if len(code) > limit:
        raise AdminRefused(_l("At most %(max)d characters.", max=limit), "code")
    if not CODE_PATTERN.fullmatch(code):
        raise AdminRefused(_l("Use letters, digits, dots, hyphens and underscores only."),
                           "code")
    return code


def apply_changes(row, values: dict) -> dict:
    """Set the values that differ; return them as {field: [old, new]}."""
    changes = {}
    for name, value in values.items():
        old = getattr(row, name)
        if old != value:
            changes[name] = [old, value]
            setattr(row, name, value)
    return changes


def commit_new(duplicate_message, field: str = "code") -> None:
    """Commit a creation; a row created at the same moment by someone else is a duplicate."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AdminRefused(duplicate_message, field) from None
