"""The Atom feed is valid RFC 4287 in every state: the RFC's own RELAX NG schema and its
Schematron rules, and feedparser, a second parser, reads it without complaint; its
``updated`` is the data's last change, and it names no namespace on a made-up domain."""

import datetime as dt
import re
from pathlib import Path

import feedparser
import pytest
import sqlalchemy as sa
import time_machine
from factories import commitment, make_user, report_status
from lxml import etree, isoschematron

from tracker.extensions import db
from tracker.models import DataVersion, Status, StatusEvent
from tracker.opendata.feeds import NEVER_CHANGED

ATOM = "http://www.w3.org/2005/Atom"
A = {"a": ATOM}
SCHEMA = etree.parse(str(Path(__file__).parent / "vendor" / "atom" / "atom.rng"))
RELAX_NG = etree.RelaxNG(SCHEMA)
OLD_SCHEMATRON = "http://www.ascc.net/xml/schematron"
ISO_SCHEMATRON = "http://purl.oclc.org/dsdl/schematron"
# RFC 3339 (RFC 4287 3.3): xsd:dateTime without its optional parts, the offset required.
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
# Notes the forms accept: markup, a tab, U+FFFE (which XML 1.0 cannot carry), a CDATA end,
# non-ASCII beyond the BMP, a long one.
AWKWARD_NOTES = ['<script>alert("x")</script> & más', "tab\there, ¿listo?\ufffe",
                 'Informe final "publicado"\nsegunda línea ]]> ñandú 💡', "x" * 4000]


def schematron_of(relax_ng: etree._ElementTree) -> isoschematron.Schematron:
    """The Schematron rules the schema carries as annotations (the old ascc.net namespace,
    which RELAX NG validators ignore), as ISO Schematron, one pattern per rule."""
    schema = etree.Element(f"{{{ISO_SCHEMATRON}}}schema", nsmap={None: ISO_SCHEMATRON})
    etree.SubElement(schema, f"{{{ISO_SCHEMATRON}}}ns", prefix="atom", uri=ATOM)
    for rule in relax_ng.iter(f"{{{OLD_SCHEMATRON}}}rule"):
        iso_rule = etree.SubElement(etree.SubElement(schema, f"{{{ISO_SCHEMATRON}}}pattern"),
                                    f"{{{ISO_SCHEMATRON}}}rule", context=rule.get("context"))
        for check in rule.iter(f"{{{OLD_SCHEMATRON}}}assert"):
            etree.SubElement(iso_rule, f"{{{ISO_SCHEMATRON}}}assert",
                             test=check.get("test")).text = check.text
    return isoschematron.Schematron(schema, store_report=True)


SCHEMATRON = schematron_of(SCHEMA)


def feed_problems(body: bytes) -> list[str]:
    """Everything the schema, its rules, RFC 3339 and feedparser find wrong in a feed."""
    parsed = feedparser.parse(body)
    problems = [f"feedparser: {parsed.bozo_exception!r}"] if parsed.bozo else []
    try:
        document = etree.fromstring(body)
    except etree.XMLSyntaxError as exc:
        return [*problems, f"not well-formed XML: {exc}"]
    if not RELAX_NG.validate(document):
        problems += [f"RELAX NG line {e.line}: {e.message}" for e in RELAX_NG.error_log]
    if not SCHEMATRON.validate(document):
        problems += [f"Schematron: {text}" for text in SCHEMATRON.validation_report.xpath(
            "//svrl:failed-assert/svrl:text/text()",
            namespaces={"svrl": "http://purl.oclc.org/dsdl/svrl"})]
    return problems + [f"not RFC 3339: {e.text}" for e in document.iter(
        f"{{{ATOM}}}updated", f"{{{ATOM}}}published") if not RFC3339.fullmatch(e.text or "")]


def valid_feed(client, path: str = "/feed.atom", language: str = "es") -> etree._Element:
    response = client.get(path, headers={"Accept-Language": language})
    assert response.status_code == 200
    body = response.get_data()
    assert feed_problems(body) == []
    return etree.fromstring(body)


def updated(feed: etree._Element, entry: int | None = None) -> dt.datetime:
    element = feed if entry is None else feed.findall("a:entry", A)[entry]
    return dt.datetime.fromisoformat(element.findtext("a:updated", namespaces=A))


def data_changed_at() -> dt.datetime:
    changed = db.session.scalar(sa.select(DataVersion.changed_at))
    return changed.replace(microsecond=0)


@pytest.fixture
def secretariat(seeded):
    return make_user("secretariat", country=None)


def test_the_checks_find_what_rfc_4287_forbids(client, seeded):
    """The validators are not idle: each of them refuses one broken feed."""
    good = client.get("/feed.atom").get_data()
    assert feed_problems(good) == []
    no_id = re.sub(rb"<id>[^<]*</id>", b"", good, count=1)
    assert any("RELAX NG" in p for p in feed_problems(no_id))
    no_author = re.sub(rb"<author>.*?</author>", b"", good)
    entry = (b"<entry><id>urn:x</id><title>t</title><updated>2026-01-01T00:00:00Z</updated>"
             b"</entry></feed>")
    lone = feed_problems(no_author.replace(b"</feed>", entry))
    assert any("atom:author" in p for p in lone) and any("atom:content" in p for p in lone)
    local_time = good.replace(b"+00:00</updated>", b"</updated>", 1)
    assert any("RFC 3339" in p for p in feed_problems(local_time))
    cut = feed_problems(good.replace(b"</feed>", b""))
    assert any("well-formed" in p for p in cut) and any("feedparser" in p for p in cut)
    undeclared = good.replace(b'xmlns:ledger="', b'xmlns:other="')
    assert any("well-formed" in p for p in feed_problems(undeclared))


def test_a_database_never_written_to_has_a_valid_empty_feed(empty):
    """No seed, no data version: the feed is valid, and says its data never changed."""
    with empty.app_context():
        feed = valid_feed(empty.test_client())
    assert feed.findall("a:entry", A) == []
    assert updated(feed) == NEVER_CHANGED


@pytest.mark.parametrize("language", ["es", "en"])
def test_an_empty_feed_is_updated_when_the_data_last_changed(client, seeded, language):
    """Seeded, no status changed yet: no entry, and ``updated`` is the seed's time, however
    much later the feed is asked for."""
    with time_machine.travel(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3)):
        feed = valid_feed(client, language=language)
    assert feed.findall("a:entry", A) == []
    assert updated(feed) == data_changed_at()
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == language


def test_one_change_makes_one_valid_entry_and_the_feed_is_updated_with_it(client, secretariat):
    report_status(secretariat, "MT1-R01-MEX", "in_progress", 30, "Primer informe")
    feed = valid_feed(client)
    assert len(feed.findall("a:entry", A)) == 1
    assert updated(feed) == updated(feed, 0) == data_changed_at()


def test_an_update_that_keeps_the_status_is_titled_as_an_update(client, secretariat):
    report_status(secretariat, "MT1-R01-MEX", "in_progress", 30, "Primer informe")
    report_status(secretariat, "MT1-R01-MEX", "in_progress", 45, "Avanza")
    titles = [e.findtext("a:title", namespaces=A) for e in valid_feed(client).findall("a:entry", A)]
    assert titles == ["MT1-R01-MEX: En curso, actualizado",
                      "MT1-R01-MEX: Sin informe → En curso"]


@pytest.mark.parametrize("language", ["es", "en"])
def test_many_changes_with_awkward_notes_stay_valid(client, secretariat, language):
    steps = [("MT1-R01-MEX", "in_progress", 10), ("MT1-R03-MEX", "stalled", None),
             ("MT1-R01-GTM", "completed", 100), ("MT2-R02-CRM", "in_progress", 50)]
    for (code, status, progress), note in zip(steps, AWKWARD_NOTES, strict=True):
        report_status(secretariat, code, status, progress, note)
    # Older rows may hold what the forms now refuse: control characters.
    imported = commitment("MT3-R01-MEX")
    imported.events.append(StatusEvent(from_status=imported.status, to_status=Status.STALLED,
                                       note="sin\x01fondos\x0b\x1f"))
    imported.status = Status.STALLED
    db.session.commit()
    feed = valid_feed(client, language=language)
    entries = feed.findall("a:entry", A)
    assert len(entries) == len(steps) + 1
    assert entries[0].findtext("a:content", namespaces=A).endswith("sinfondos")
    assert updated(feed) == updated(feed, 0) == data_changed_at()
    contents = [e.findtext("a:content", namespaces=A) for e in entries]
    assert contents[-1].endswith('<script>alert("x")</script> & más')
    assert contents[-2].endswith("tab\there, ¿listo?")  # U+FFFE dropped
    parsed = feedparser.parse(etree.tostring(feed))
    assert [e.title for e in parsed.entries] == [
        e.findtext("a:title", namespaces=A) for e in entries]


def test_a_filtered_feed_with_no_entry_is_updated_with_the_data(client, secretariat):
    """A country with no change yet: its feed's ``updated`` is still the data's last change
    (here another country's update), not the moment of the request."""
    report_status(secretariat, "MT1-R01-MEX", "in_progress", 30, "Informe")
    with time_machine.travel(dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=5)):
        feed = valid_feed(client, "/feed.atom?country=BLZ")
    assert feed.findall("a:entry", A) == []
    assert updated(feed) == data_changed_at()


def test_the_feed_names_only_real_namespaces(client, seeded):
    """Atom's, and the ledger's head in the namespace of the ledger's own address, which
    answers: nothing on a made-up domain."""
    feed = valid_feed(client)
    names = {uri for element in feed.iter() for uri in element.nsmap.values()}
    ledger = "http://127.0.0.1:5000/api/v1/ledger"
    assert names == {ATOM, ledger}
    head = feed.find(f"{{{ledger}}}head")
    answer = client.get("/api/v1/ledger?limit=1").get_json()["head"]
    assert (int(head.get("seq")), head.get("hash")) == (answer["seq"], answer["hash"])
