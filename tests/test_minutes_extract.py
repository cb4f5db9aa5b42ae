"""Uploaded minutes to draft items (issue 14): each seed document, read through the upload
path, yields every recommendation and earlier agreement seed_data/ holds for it, verbatim and
of the same kind; documents in every format are read; bad files are refused, never a crash."""

import random
import time
import tracemalloc
from pathlib import Path

import minutes_documents as docs
import pytest
from flask_babel import force_locale

from tracker.importer.minutes import (
    REASONS,
    MinutesRefused,
    describe_reason,
    extract_items,
    find_duplicates,
    read_document,
)
from tracker.importer.reader import normalize_space

SOURCES = Path(__file__).resolve().parent.parent / "tracker" / "seed_data" / "sources"
DOCUMENTS = ["plenary-working-tables", "trafficking-working-group"]
LIMIT = 10 * docs.MIB
COMMITMENT_KINDS = ("recommendation", "earlier_agreement")


def proposals(code: str):
    path = SOURCES / f"{code}.txt"
    return extract_items(read_document(path.read_bytes(), path.name, max_bytes=LIMIT))


def seed_items(bundle, code: str):
    """(item, its quote in that document) for every seed item the document reports."""
    return [(item, quote.quote) for meeting in bundle.meetings for table in meeting.working_tables
            for item in table.items for quote in item.quotes if quote.document == code]


def read(data: bytes, name: str = "acta.txt"):
    return read_document(data, name, max_bytes=LIMIT)


# -- the seed documents ----------------------------------------------------------------

@pytest.mark.parametrize("code", DOCUMENTS)
def test_each_seed_document_proposes_every_seed_item_with_its_kind(seed_bundle, code):
    proposed = {normalize_space(item.text): item for item in proposals(code)}
    expected = seed_items(seed_bundle, code)
    assert expected
    for seed, quote in expected:
        found = proposed.get(normalize_space(quote))
        if seed.kind in COMMITMENT_KINDS:
            assert found is not None, quote
            assert (found.kind, found.year) == (seed.kind, seed.year), quote
        else:
            # Context (good practices, obstacles...) is never proposed as a commitment; here
            # each is even found with its own kind.
            assert found is not None and found.kind == seed.kind, quote
    commitments = {normalize_space(q) for s, q in expected if s.kind in COMMITMENT_KINDS}
    extra = [p for text, p in proposed.items() if p.kind in COMMITMENT_KINDS
             and text not in commitments]
    assert extra == []
    assert len(proposed) == len(expected)  # nothing beyond what the seed holds


def test_the_plenary_sections_and_working_tables_are_those_the_minutes_name():
    items = proposals("plenary-working-tables")
    by_text = {item.text: item for item in items}
    agreement = by_text["Instaurar una Red Consular de protección en México."]
    assert (agreement.section, agreement.year, agreement.reason, agreement.working_table) == (
        "RECUENTO SOBRE LA RESPONSABILIDAD COMPARTIDA EN EL TEMA DE PROTECCION CONSULAR", 2015,
        "year", "Protección Consular y Derechos Humanos")
    recommendation = by_text["Tecnología en todos los Consulados"]
    assert recommendation.reason == "lead_in" and recommendation.section.startswith(
        "Como recomendaciones a las que este grupo de trabajo llegó")
    obstacle = next(item for item in items if item.text.startswith("Cabe mencionar"))
    assert (obstacle.kind, obstacle.reason) == ("obstacle", "paragraph")
    funding = next(item for item in items if item.text.startswith("Financiamiento."))
    assert funding.working_table.startswith("Fortalecimiento del Proceso de Diálogo de la CRM")
    assert funding.section == "Recomendaciones"
    audit = by_text["Todos necesitamos Auditoría social"]
    assert audit.working_table == "Trata de personas y Tráfico Ilícito de Migrantes"
    assert audit.section.startswith("4. Contribuciones")
    # The intro paragraphs, the table's column titles and the stray "· " are not items.
    assert not any(item.text.startswith(("Se incluyó", "Plenaria", "Cada mesa"))
                   or item.text in ("Trata", "Tráfico", "") for item in items)


def test_the_same_items_in_both_documents_are_found_as_duplicates(seed_bundle):
    plenary, trafficking = proposals(DOCUMENTS[0]), proposals(DOCUMENTS[1])
    candidates = [(str(n), item.text) for n, item in enumerate(trafficking)]
    matches = find_duplicates([item.text for item in plenary], candidates)
    both = {}
    for meeting in seed_bundle.meetings:
        for table in meeting.working_tables:
            for item in table.items:
                quotes = {q.document: normalize_space(q.quote) for q in item.quotes}
                if len(quotes) == 2:
                    both[quotes[DOCUMENTS[0]]] = quotes[DOCUMENTS[1]]
    assert len(both) == 38  # every MT3 item but MT3-R11
    for index, (item, match) in enumerate(zip(plenary, matches, strict=True)):
        counterpart = both.get(normalize_space(item.text))
        if counterpart is None:
            assert match is None, item.text  # only in the plenary: matches nothing
        else:
            assert match is not None and match.index == index, item.text
            assert normalize_space(trafficking[int(match.key)].text) == counterpart
            assert 85 <= match.score <= 100
    guatemala = next(m for i, m in zip(plenary, matches, strict=True)
                     if i.text.startswith("Guatemala: Protocolo"))
    assert guatemala is not None and guatemala.score < 100  # "GUA:", different wording
    assert find_duplicates(["Compartir información"], []) == [None]


# -- documents in every format -------------------------------------------------------

def test_a_docx_with_headings_a_two_column_table_and_an_agreed_list():
    document = read(docs.docx_minutes(), "acta.docx")
    assert (document.format, document.content_type) == ("docx", (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))
    assert ("Trata\n\nTráfico\n\nGuatemala: Protocolo de repatriación con participación "
            "consular.\nMéxico: Mesas temáticas para atender casos de trata.\n\nHonduras:"
            ) in document.text
    assert [b.heading_level for b in document.blocks if b.heading_level] == [1, 2, 1, 2]
    items = extract_items(document)
    assert [(i.kind, i.working_table, i.section) for i in items] == \
        [("experience", "Trata de personas", "Experiencias")] * 4 + \
        [("recommendation", "Trata de personas", "ACORDARON")] * 2 + \
        [("obstacle", "Niñez migrante", "Obstáculos")]
    assert items[4].text == "Fortalecer el intercambio de información entre consulados."
    assert items[4].reason_detail == "ACORDARON" and items[0].reason == "heading"
    assert_verbatim(document, items)


def test_an_odt_with_headings_and_a_list():
    document = read(docs.odt_minutes(), "acta.odt")
    assert document.format == "odt"
    items = extract_items(document)
    assert [(i.kind, i.text) for i in items] == [
        ("recommendation", "Ampliar la red consular de protección."),
        ("recommendation", "Capacitar al personal consular en derechos humanos."),
        ("good_practice", "Costa Rica: Consejo Nacional de Migración con la sociedad civil.")]
    assert {i.working_table for i in items} == {"Protección Consular"}
    assert_verbatim(document, items)


def test_english_minutes_in_markdown():
    document = read(docs.ENGLISH_MARKDOWN.encode(), "minutes.md")
    assert document.format == "markdown" and document.content_type == "text/markdown"
    items = extract_items(document, language="en")
    assert [(i.kind, i.section) for i in items] == [
        ("recommendation", "Recommendations")] * 2 + [
        ("recommendation", "The Conference agreed to")] * 2 + [
        ("good_practice", "Good practices"), ("obstacle", "Challenges")]
    assert items[0].text == ("Strengthen the exchange of information between consulates of "
                             "the region on labour recruitment.")  # a wrapped item
    assert {i.working_table for i in items} == {"Labour Migration"}
    assert read(docs.ENGLISH_MARKDOWN.encode(), "minutes.txt").format == "text"
    assert_verbatim(document, items)


def test_lettered_agreements_under_year_labels():
    items = extract_items(read(docs.YEAR_AGREEMENTS.encode()), language="en")
    assert [(i.kind, i.year, i.text[:9]) for i in items] == [
        ("earlier_agreement", 2019, "Promote t"), ("earlier_agreement", 2019, "Share sta"),
        ("earlier_agreement", 2020, "Adopt the")]
    assert items[0].section == "Recalling the agreements of previous meetings"


def test_a_pdf_with_a_text_layer_and_a_wrapped_item():
    data = docs.pdf_with_text(docs.PDF_LINES)
    document = read(data, "acta.pdf")
    assert (document.format, document.content_type) == ("pdf", "application/pdf")
    assert "Fortalecer la cooperación entre los consulados" in document.text
    items = extract_items(document)
    assert [(i.kind, i.text) for i in items] == [
        ("recommendation", "Fortalecer la cooperación entre los consulados de la región para "
                           "la protección de los trabajadores migrantes."),
        ("recommendation", "Crear un registro regional de agencias de reclutamiento."),
        ("obstacle", "Falta de información sobre las agencias.")]
    assert items[0].working_table == "Migración laboral"
    assert_verbatim(document, items)


@pytest.mark.parametrize("encoding", ["windows-1252", "latin-1", "utf-16"])
def test_text_in_an_eight_bit_encoding_is_decoded(encoding):
    document = read(docs.SPANISH_LIST.replace("·", "-" if encoding == "latin-1" else "·")
                    .encode(encoding))
    assert document.text.startswith("Recomendaciones:\n")
    assert "Fortalecer la cooperación entre países" in document.text
    items = extract_items(document)
    assert [i.kind for i in items] == ["recommendation"] * 2
    assert items[1].text == "Mejorar la atención a víctimas de trata y tráfico ilícito."


def test_the_reason_is_a_sentence_in_the_readers_language(app):
    with app.app_context():
        with force_locale("en"):
            assert describe_reason("heading", "Recomendaciones") == \
                "under the heading «Recomendaciones»"
        with force_locale("es"):
            assert describe_reason("year", "2014") == "recordado bajo el año 2014"
            assert describe_reason("heading", "Obstáculos") == "bajo el título «Obstáculos»"
    assert set(REASONS) >= {"heading", "lead_in", "year", "no_heading"}


def assert_verbatim(document, items):
    whole = normalize_space(document.text)
    assert items and all(normalize_space(item.text) in whole for item in items)


# -- bad input -----------------------------------------------------------------------

@pytest.mark.parametrize(("data", "name", "says"), [
    (docs.encrypted_pdf(), "acta.pdf", "encrypted"),
    (docs.blank_pdf(), "acta.pdf", "no text layer: run OCR first"),
    (docs.docm_by_content_type(), "acta.docm", "macros"),
    (docs.docx_with_vba_project(), "acta.docx", "macros"),
    (docs.odt_with_basic(), "acta.odt", "macros"),
    (docs.odt_with_entity(), "acta.odt", "cannot be read"),
    (docs.xlsx(), "acta.xlsx", "format cannot be read"),
    (b"\x89PNG\r\n\x1a\n" + bytes(200), "acta.png", "format cannot be read"),
    (b"", "acta.txt", "no text"),
    (b"  \n\n\t ", "acta.txt", "no text"),
])
def test_a_file_the_tracker_does_not_read_is_refused_with_its_reason(data, name, says):
    with pytest.raises(MinutesRefused, match=says) as refused:
        read(data, name)
    assert refused.value.field == "file"


def test_a_file_over_the_limit_is_refused():
    with pytest.raises(MinutesRefused, match="larger than 1.0 MiB"):
        read_document(b"x" * (docs.MIB + 1), "acta.txt", max_bytes=docs.MIB)


def test_a_text_with_no_list_is_refused():
    document = read("La reunión comenzó a las diez. Se dio la bienvenida.".encode())
    with pytest.raises(MinutesRefused, match="No recognisable list"):
        extract_items(document)


def test_a_zip_bomb_docx_is_refused_fast_before_unpacking():
    bomb = docs.zip_bomb_docx()
    assert len(bomb) < docs.MIB
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(MinutesRefused, match="unpacks to more than"):
            read(bomb, "acta.docx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * docs.MIB and time.monotonic() - started < 5


def junk_inputs():
    rng = random.Random(14)
    docx, pdf = docs.docx_minutes(), docs.pdf_with_text(docs.PDF_LINES)
    yield docx[: len(docx) // 2]                      # truncated zip
    yield docx[:-30]                                  # central directory cut
    yield pdf[: len(pdf) // 2]                        # truncated PDF
    yield b"%PDF-1.7\n" + rng.randbytes(3000)         # a PDF header over junk
    yield b"PK\x03\x04" + rng.randbytes(3000)         # a zip header over junk
    yield rng.randbytes(4000)                         # random bytes
    yield bytes(range(256)) * 8                       # every byte value
    yield docs.rezip(docx, replace={"word/document.xml": b"<w:document><unclosed"})
    yield "texto".encode("utf-16-le") + b"\x00\x00\x00"


@pytest.mark.parametrize("data", list(junk_inputs()))
def test_junk_is_refused_never_a_crash(data):
    with pytest.raises(MinutesRefused):
        extract_items(read(data, "acta.docx"))
