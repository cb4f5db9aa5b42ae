"""The Atom feed's content: the latest updates as entries, in the reader's language."""

import re
from urllib.parse import urlencode

from flask_babel import gettext as _

from tracker.commitments.listing import Filters
from tracker.core.time import isoformat_utc, utcnow
from tracker.core.urls import public_url
from tracker.ledger.chain import current_head
from tracker.opendata.feeds import update_records
from tracker.opendata.records import commitment_url
from tracker.opendata.texts import actor_text, progress_text, status_label, with_filters

# Characters XML 1.0 forbids even as references; a note pasted from elsewhere may hold them.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: str) -> str:
    """The text without the characters XML 1.0 cannot carry."""
    return NOT_XML.sub("", value)


def _entry(record: dict, locale: str) -> dict:
    """One feed entry: the change as title, the title, progress, actor and note as content."""
    url = commitment_url(record["commitment"])
    title = _("%(code)s: %(old)s → %(new)s", code=record["commitment"],
              old=status_label(record["from_status"]), new=status_label(record["to_status"]))
    lines = [record["title_en"] if locale == "en" else record["title_es"],
             progress_text(record["progress"]),
             actor_text(record["actor_role"], record["actor_country"]), record["note"]]
    return {"id": f"{url}#event-{record['id']}", "title": xml_text(title), "link": url,
            "updated": record["at"],
            "content": xml_text("\n".join(line for line in lines if line))}


def feed_context(filters: Filters, locale: str) -> dict:
    """Everything the feed template shows: the feed's own elements and its entries."""
    entries = [_entry(record, locale) for record in update_records(filters)]
    query = urlencode(filters.args(page=1, sort="code"))
    suffix = f"?{query}" if query else ""
    return {
        "id": public_url("exports.feed") + suffix,
        "self": public_url("exports.feed") + suffix,
        "alternate": public_url("public.commitments") + suffix,
        "title": xml_text(with_filters(_("Updates of the CRM commitments"), filters)),
        "author": _("CRM commitment tracker"),
        "updated": entries[0]["updated"] if entries else isoformat_utc(utcnow()),
        "entries": entries,
        "ledger_head": current_head(),
        "locale": locale,
    }
