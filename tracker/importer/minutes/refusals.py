"""Why an uploaded set of minutes cannot be read; nothing was stored."""

from flask_babel import lazy_gettext as _l

from tracker.core.refusals import Refused


class MinutesRefused(Refused):
    """The minutes cannot be read or hold no list the extractor recognises."""

    default_field = "file"


def unsupported() -> MinutesRefused:
    return MinutesRefused(_l("This format cannot be read: upload the minutes as DOCX, ODT, "
                             "PDF (with a text layer), plain text or Markdown."))
