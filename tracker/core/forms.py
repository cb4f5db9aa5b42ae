"""What every form view shares: the page with its status, a refusal on its field, the
optimistic lock's hidden version and the 409 answer when someone changed the row first."""

from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import abort, render_template, request
from flask_babel import get_locale, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import InputRequired, Length

from tracker.core.refusals import Refused
from tracker.extensions import db

CONFLICT = 409
Row = TypeVar("Row")


def has_control_character(text: str, multiline: bool) -> bool:
    """C0 and C1 controls (and U+2028/2029) have no meaning in a typed value; a line break
    belongs only in multi-line text. A CR/LF in a link would break its redirect for good."""
    allowed = "\t\n\r" if multiline else ""
    return any((ord(c) < 32 and c not in allowed) or 0x7F <= ord(c) <= 0x9F
               or c in "\u2028\u2029" for c in text)


class TrackerForm(FlaskForm):
    """Every form of the tracker: refuses control characters where they mean nothing, and
    never echoes back more of a refused value than its field accepts."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if not isinstance(field.data, str):
                continue
            if has_control_character(field.data, isinstance(field, TextAreaField)):
                field.errors = [*field.errors,
                                _l("Remove the control characters (or line breaks) from this "
                                   "field.")]
                valid = False
            limit = max((v.max for v in field.validators if isinstance(v, Length)), default=-1)
            if field.errors and 0 <= limit < len(field.data):
                field.data = field.data[:limit]
        return valid


class VersionedForm(TrackerForm):
    """A form about a row, carrying the version it was opened at (optimistic lock)."""

    version = HiddenField(validators=[InputRequired()])

    def seen_version(self) -> int:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return -1  # a tampered field is treated as a stale form


def render_form(template: str, status: int | None = None, **context: Any):
    """A form page: 200 when shown, 400 when a submitted form was refused."""
    status = status or (400 if request.method == "POST" else 200)
    return render_template(template, locale=str(get_locale()), **context), status


def refuse(form: FlaskForm, error: Refused) -> None:
    """Show a service's refusal on the field it names, or above the form."""
    field = getattr(form, error.field or "", None)
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        form.form_errors.append(str(error))


def reopen_after_conflict(form: VersionedForm, reload: Callable[[], Row]) -> Row:
    """After a Conflict: forget what this request read, load the row as it now is, and put
    its version in the form, so that resubmitting what was typed is a deliberate choice.
    The caller shows the newer state with the form and answers CONFLICT."""
    db.session.expire_all()
    row = reload()
    form.version.data = str(row.version)  # type: ignore[attr-defined]
    return row


def one_or_404(model: type[Row], **natural_key: Any) -> Row:
    """The row with this natural key (a code, usually), or a 404."""
    row = db.session.scalar(sa.select(model).filter_by(**natural_key))
    if row is None:
        abort(404)
    return row
