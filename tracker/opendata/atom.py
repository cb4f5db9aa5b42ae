"""The Atom feed's content: the latest updates as entries, in the reader's language."""

import datetime as dt
import re
from urllib.parse import urlencode

from flask_babel import gettext as _

from tracker.commitments.listing import Filters
from tracker.core.time import isoformat_utc
from tracker.core.urls import public_url
from tracker.ledger.chain import current_head
from tracker.opendata.feeds import last_change, update_records
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
    if record["from_status"] == record["to_status"]:  # a new progress figure or a note only
        title = _("%(code)s: %(status)s, updated", code=record["commitment"],
                  status=status_label(record["to_status"]))
    else:
        title = _("%(code)s: %(old)s → %(new)s", code=record["commitment"],
                  old=status_label(record["from_status"]),
                  new=status_label(record["to_status"]))
    lines = [record["title_en"] if locale == "en" else record["title_es"],
             progress_text(record["progress"]),
             actor_text(record["actor_role"], record["actor_country"]), record["note"]]
    return {"id": f"{url}#event-{record['id']}", "title": xml_text(title), "link": url,
            "updated": record["at"],
            "content": xml_text("\n".join(line for line in lines if line))}


def feed_context(filters: Filters, locale: str) -> dict:
    """Everything the feed template shows: the feed's own elements and its entries. The
    feed is updated when the data last changed (an empty one too), never at the request."""
    entries = [_entry(record, locale) for record in update_records(filters)]
    updated = last_change()
    if entries:  # the newest entry, should its event be stamped after the version
        updated = max(updated, dt.datetime.fromisoformat(entries[0]["updated"]))
    query = urlencode(filters.args(page=1, sort="code"))
    suffix = f"?{query}" if query else ""
    # The links name the feed's language (?lang=): a subscription keeps it, whatever the
    # feed reader's Accept-Language says.
    in_language = "?" + urlencode({**filters.args(page=1, sort="code"), "lang": locale})
    return {
        "id": public_url("exports.feed") + suffix,
        "self": public_url("exports.feed") + in_language,
        "alternate": public_url("public.commitments") + in_language,
        "title": xml_text(with_filters(_("Updates of the CRM commitments"), filters)),
        "author": _("CRM commitment tracker"),
        "updated": isoformat_utc(updated),
        "entries": entries,
        "ledger_head": current_head(),
        # The ledger's own address names the namespace of the head published with it.
        "ledger_namespace": public_url("api.ledger"),
        "locale": locale,
    }
