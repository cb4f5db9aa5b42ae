"""The list's search (tracker.commitments.search): accents, case and LIKE's wildcards ignored,
notes found, results ranked by relevance unless a sort is chosen; same on both databases."""

import csv
import io

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from tracker.commitments.listing import Filters
from tracker.extensions import db
from tracker.models import Commitment, Recommendation, StatusEvent


def codes(client, query: str) -> list[str]:
    """Every matching code, in the API's order (pages of 100)."""
    found, page = [], 1
    while True:
        body = client.get(f"/api/v1/commitments?per_page=100&page={page}&{query}").get_json()
        found += [item["code"] for item in body["items"]]
        if len(found) >= body["total"] or not body["items"]:
            return found
        page += 1


def add_note(code: str, note: str) -> None:
    c = db.session.scalar(sa.select(Commitment).filter_by(code=code))
    c.events.append(StatusEvent(from_status=c.status, to_status=c.status, note=note))
    db.session.commit()


def recommendation_of(code: str) -> Recommendation:
    return db.session.scalar(sa.select(Commitment).filter_by(code=code)).recommendation


@pytest.mark.parametrize("query", ["niñez", "NINEZ", "ninez", "NIÑEZ", "Niñez"])
def test_accents_and_case_are_ignored_in_the_query(client, seeded, query):
    found = codes(client, f"q={query}")
    # "Homologar políticas … niñez" (11 states) and the CRM's MT1-A04 "… Ad-Hoc sobre niñez"
    assert len(found) == 12 and "MT1-R01-MEX" in found


def test_accents_and_case_are_ignored_in_the_text(client, seeded):
    add_note("MT2-R01-PAN", "ÁRBOL Genealógico")
    assert codes(client, "q=arbol genealogico") == ["MT2-R01-PAN"]
    assert codes(client, "q=árbol GENEALÓGICO") == ["MT2-R01-PAN"]


def test_notes_are_found(client, seeded):
    add_note("MT2-R01-PAN", "Financiación aprobada")
    assert codes(client, "q=FINANCIACION aprobada") == ["MT2-R01-PAN"]


@pytest.mark.parametrize("query, wildcard", [("100%25", "1000"), ("a_b", "axb"),
                                             ("c%5Cd", "cd")])
def test_like_wildcards_and_backslash_are_literal(client, seeded, query, wildcard):
    add_note("MT2-R01-PAN", "avance 100% en a_b, ruta c\\d")
    add_note("MT2-R01-GTM", f"avance {wildcard} en {wildcard}")
    assert codes(client, f"q={query}") == ["MT2-R01-PAN"]
    assert codes(client, "q=%25") == ["MT2-R01-PAN"]  # a lone % (no trigram) too


@pytest.fixture
def ranked(seeded):
    """A word in one recommendation's title, another's text and a third's note only."""
    title, text = recommendation_of("MT3-R01-MEX"), recommendation_of("MT1-R02-MEX")
    title.title_es = title.title_es + " (zorzales)"
    text.text_es = text.text_es + " Con apoyo del programa Zorzal."
    db.session.commit()
    add_note("MT1-R05-GTM", "Reunión con la red zorzal")
    return ([c.code for c in title.commitments], [c.code for c in text.commitments],
            ["MT1-R05-GTM"])


def test_relevance_is_the_default_order_of_a_search(client, ranked):
    title, text, note = ranked
    assert codes(client, "q=zorzal") == sorted(title) + sorted(text) + note
    assert codes(client, "q=zorzal&sort=relevance") == sorted(title) + sorted(text) + note


def test_a_code_match_ranks_first(client, ranked):
    recommendation_of("MT1-R01-MEX").title_es += " mt1-r05-g"
    db.session.commit()
    found = codes(client, "q=MT1-R05-G")
    assert found[0] == "MT1-R05-GTM"
    assert "MT1-R01-MEX" in found[1:]


def test_an_explicit_sort_is_kept_with_a_search(client, ranked):
    title, text, note = ranked
    assert codes(client, "q=zorzal&sort=code") == sorted(title + text + note)
    by_country = codes(client, "q=zorzal&sort=country")
    assert sorted(by_country) == sorted(title + text + note)
    assert by_country != codes(client, "q=zorzal")
    # The list's links keep the code order; without a search relevance is the code order.
    explicit = Filters.from_args(MultiDict({"q": "zorzal", "sort": "code"}))
    assert explicit.args(page=2)["sort"] == "code"
    assert "sort" not in Filters.from_args(MultiDict({"q": "zorzal"})).args(page=2)
    assert Filters.from_args(MultiDict({"sort": "relevance"})).sort == "code"
    assert Filters.from_args(MultiDict({"q": "mt"})).sort == "code"  # no trigram to rank


def test_the_list_offers_relevance(client, ranked):
    html = client.get("/commitments?q=zorzal").get_data(as_text=True)
    assert '<option value="relevance" selected>' in html
    html = client.get("/commitments?q=zorzal&sort=due").get_data(as_text=True)
    assert '<option value="due" selected>' in html and "sort=due" in html
    assert 'value="relevance"' not in client.get("/commitments").get_data(as_text=True)
    spanish = client.get("/commitments?q=zorzal", headers={"Accept-Language": "es"})
    assert "Relevancia" in spanish.get_data(as_text=True)


def test_pages_and_exports_follow_the_ranking(client, ranked):
    title, text, note = ranked
    html = client.get("/commitments?q=zorzal").get_data(as_text=True)
    positions = [html.index(f">{code}<") for code in sorted(title) + sorted(text) + note]
    assert positions == sorted(positions)
    body = client.get("/export/commitments.csv?q=zorzal").get_data(as_text=True)
    rows = csv.DictReader(io.StringIO(body.removeprefix("\ufeff"), newline=""))
    assert [r["code"] for r in rows] == sorted(title) + sorted(text) + note


def test_a_search_for_nothing_finds_nothing(client, seeded):
    assert codes(client, "q=zzqxjw") == []
    assert client.get("/commitments?q=zzqxjw").status_code == 200


def test_relevance_for_one_or_two_letters_is_the_code_order(client, seeded):
    """Ranking nearly every commitment is the slow path: a short search keeps code order
    even when relevance is asked for."""
    from tracker.commitments.listing import Filters

    assert Filters.from_args({"q": "de", "sort": "relevance"}).sort == "code"
    assert Filters.from_args({"q": "ninez", "sort": "relevance"}).sort == "relevance"
    assert client.get("/commitments?q=de&sort=relevance").status_code == 200
