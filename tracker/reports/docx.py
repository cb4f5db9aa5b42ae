"""A report as an editable Word document (python-docx): real headings (Word's Heading 1-3
styles, so its navigation pane and table of contents work), real tables, page numbers and a
table-of-contents field Word fills in when the document is opened. Same content as the PDF
(tracker.reports.content), written in the report's language."""

import io
import zipfile

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from flask import current_app
from flask_babel import force_locale, gettext as _

from tracker.core.dates import format_day
from tracker.core.labels import ASSESSMENT_LABELS, STATUS_LABELS
from tracker.core.numbers import numberformat
from tracker.models import Status
from tracker.reports.content import (
    Changes,
    CountryReport,
    Frame,
    Line,
    RegionalReport,
    Summary,
    Totals,
)
from tracker.reports.html import Report, titles

SYMBOL = {Status.NOT_REPORTED: "?", Status.NOT_STARTED: "○", Status.IN_PROGRESS: "◐",
          Status.COMPLETED: "✓", Status.STALLED: "‖"}


def render_docx(report: Report, lang: str) -> bytes:
    """The DOCX of the report in ``lang`` (es or en)."""
    with force_locale(lang):
        doc = Document()
        doc.styles["Normal"].font.name = "DejaVu Sans"
        doc.styles["Normal"].font.size = Pt(10)
        _language(doc, lang)
        _a4(doc.sections[0])
        title, subtitle = titles(report, lang)
        _properties(doc, title, report.frame)
        _cover(doc, report.frame, title, subtitle)
        _footer(doc)
        if isinstance(report, RegionalReport):
            _regional(doc, report, lang)
        elif isinstance(report, CountryReport):
            _country(doc, report, lang)
        else:
            _summary(doc, report, lang)
        if report.changes is not None:
            _changes(doc, report.changes)
        out = io.BytesIO()
        doc.save(out)
        return _fixed_dates(out.getvalue())


# Word's spelling and grammar follow the text's language: the site's Spanish is Latin
# American (as its dates, tracker.core.dates).
WORD_LANGUAGES = {"es": "es-MX", "en": "en-US"}
# The date and time of every part in the archive: the same report is the same bytes.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _language(doc: DocxDocument, lang: str) -> None:
    run = doc.styles["Normal"].element.get_or_add_rPr()
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), WORD_LANGUAGES[lang])
    run.append(language)


def _a4(section) -> None:
    """A4 like the PDF (python-docx's template is US Letter)."""
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(16)
    section.top_margin, section.bottom_margin = Mm(20), Mm(22)


def _properties(doc: DocxDocument, title: str, frame: Frame) -> None:
    """The document's own metadata, not python-docx's template's (its author, its 2013
    date, its thumbnail); Word updates the table of contents' field when it opens it."""
    props = doc.core_properties
    props.title, props.author = title, _("Regional Conference on Migration")
    props.comments = props.keywords = props.subject = props.category = ""
    props.last_modified_by = ""
    # The moment the report is as of (its day's end): the same report, the same document.
    props.created = props.modified = frame.end.replace(tzinfo=None)
    props.revision = 1
    package = doc.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            package.rels.pop(rel_id)
        elif rel.reltype == RT.EXTENDED_PROPERTIES:
            rel.target_part._blob = APP_XML
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    doc.settings.element.append(update)


APP_XML = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
           b'extended-properties"><Application>crm-tracker</Application></Properties>')


def _fixed_dates(data: bytes) -> bytes:
    """The archive again with one date on every part (zipfile stamps them with now)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(zipfile.ZipInfo(info.filename, ZIP_TIME), source.read(info),
                            zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _named(thing, lang: str) -> str:
    return thing.name_en if lang == "en" else thing.name_es


def _pct(value: float) -> str:
    return f"{numberformat(value)} %"


def _status(status: Status) -> str:
    return f"{SYMBOL[status]} {STATUS_LABELS[status]}"


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A Word field (PAGE, TOC...), computed by Word when it lays the document out."""
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), instruction)
    paragraph._p.append(simple)


def _cover(doc: DocxDocument, frame: Frame, title: str, subtitle: str) -> None:
    doc.add_heading(title, level=0)
    doc.add_paragraph(subtitle)
    doc.add_paragraph(_("As of the end of %(day)s (%(zone)s)", day=format_day(frame.day),
                        zone=current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    doc.add_paragraph(_("Ledger head this report reflects: entry %(seq)s, hash",
                        seq=frame.head.seq))
    doc.add_paragraph(f"{frame.head.seq}:{frame.head.hash}")
    doc.add_paragraph(_("Check it against the public record with tools/verify_ledger.py and "
                        "--checkpoint SEQ:HASH. Every figure is replayed from the public "
                        "history as it stood at that moment; restricted evidence and "
                        "personal data are never included."))
    doc.add_heading(_("Contents"), level=1)
    _field(doc.add_paragraph(), 'TOC \\o "1-2" \\h \\z \\u')
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _footer(doc: DocxDocument) -> None:
    paragraph = doc.sections[0].footer.paragraphs[0]
    _field(paragraph, "PAGE")
    paragraph.add_run(" / ")
    _field(paragraph, "NUMPAGES")


def _table(doc: DocxDocument, header: list[str], rows: list[list[str]]) -> None:
    """A table made whole, then filled cell by cell: python-docx's add_row recomputes the
    grid each time, minutes for a country's thousands of commitments."""
    table = doc.add_table(rows=len(rows) + 1, cols=len(header))
    table.style = "Table Grid"
    for index, (tr, values) in enumerate(zip(table._tbl.tr_lst, [header, *rows], strict=True)):
        for tc, text in zip(tr.tc_lst, values, strict=True):
            cell = _Cell(tc, table)
            cell.text = text
            if index == 0:
                cell.paragraphs[0].runs[0].bold = True
    # The header row repeats at the top of every page the table runs onto.
    table._tbl.tr_lst[0].get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def _figures(doc: DocxDocument, totals: Totals) -> None:
    rows = [[_("Commitments"), numberformat(totals.total)]]
    rows += [[_status(s), numberformat(totals.counts[s])] for s in Status]
    rows += [[_("Progress"), _pct(totals.progress)], [_("Overdue"), numberformat(totals.overdue)],
             [_("Contested by civil society"), numberformat(totals.contested)]]
    _table(doc, [_("Key figures"), ""], rows)


def _groups(doc: DocxDocument, groups, first: str, lang: str) -> None:
    header = [first] + [_status(s) for s in Status] + [_("Total"), _("Progress")]
    _table(doc, header, [[g.name(lang)] + [numberformat(g.counts[s]) for s in Status]
                         + [numberformat(g.total), _pct(g.progress)] for g in groups])


def _lines(doc: DocxDocument, lines: list[Line], lang: str) -> None:
    rows = []
    for line in lines:
        mark = f" ! {_('contested')}" if line.contested else ""
        due = format_day(line.state.due_date) if line.state.due_date else "—"
        rows.append([line.code, _named(line.country, lang), _status(line.state.status) + mark,
                     _pct(line.state.effective), due])
    _table(doc, [_("Commitment"), _("Country"), _("Status"), _("Progress"), _("Due")], rows)


def _ratings(doc: DocxDocument, ratings) -> None:
    if not ratings:
        doc.add_paragraph(_("No civil-society rating by then."))
        return
    _table(doc, [_("Commitment"), _("Date"), _("Organisation"), _("Rating"), _("Observation")],
           [[line.code, format_day(r.created_at), r.organisation,
             str(ASSESSMENT_LABELS[r.assessment]),
             _("Hidden later by the secretariat.") if r.text is None else r.text[:400]]
            for line, r in ratings])


def _indicators(doc: DocxDocument, figures, countries, lang: str) -> None:
    if not figures:
        doc.add_paragraph(_("No indicator value reported by then."))
        return
    rows = []
    for f in figures:
        cells = "; ".join(
            f"{f.label(c, lang)}: "
            f"{_('suppressed') if c.suppressed else numberformat(c.value)}" for c in f.cells)
        rows.append([f"{f.indicator.code} — {f.indicator.name(lang)}",
                     _named(countries[f.country_id], lang), f.period, cells])
    _table(doc, [_("Indicator"), _("Country"), _("Period"), _("Values")], rows)


def _none_or(doc: DocxDocument, items, write) -> None:
    if items:
        write()
    else:
        doc.add_paragraph(_("None."))


def _regional(doc: DocxDocument, report: RegionalReport, lang: str) -> None:
    doc.add_heading(_("Regional progress"), level=1)
    _figures(doc, report.totals)
    _groups(doc, report.by_country, _("Country"), lang)
    matrix = doc.add_section()
    matrix.orientation = WD_ORIENT.LANDSCAPE
    matrix.page_width, matrix.page_height = Mm(297), Mm(210)
    doc.add_heading(_("The matrix"), level=1)
    _table(doc, [_("Recommendation")] + [c.iso3 for c in report.countries] + [_("Progress")],
           [[s.recommendation.code] + [_mark(report.cell(s, c)) for c in report.countries]
            + [_pct(s.progress)] for s in report.sections])
    body = doc.add_section()
    body.orientation = WD_ORIENT.PORTRAIT
    body.page_width, body.page_height = Mm(210), Mm(297)
    doc.add_heading(_("Recommendations and commitments"), level=1)
    for s in report.sections:
        title = s.recommendation.title_en if lang == "en" else s.recommendation.title_es
        doc.add_heading(f"{s.recommendation.code} — {title}", level=2)
        doc.add_paragraph(f"{_named(s.table, lang)} · {_('Progress')}: {_pct(s.progress)}")
        doc.add_paragraph(s.recommendation.text_es)
        _lines(doc, s.lines, lang)
    doc.add_heading(_("Overdue commitments"), level=1)
    _none_or(doc, report.overdue, lambda: _lines(doc, report.overdue, lang))
    doc.add_heading(_("Civil-society ratings and contested claims"), level=1)
    doc.add_heading(_("Contested claims"), level=2)
    _none_or(doc, report.contested, lambda: _lines(doc, report.contested, lang))
    doc.add_heading(_("Civil-society ratings"), level=2)
    _ratings(doc, report.ratings)
    doc.add_heading(_("Indicators"), level=1)
    _indicators(doc, report.indicators, report.countries_by_id, lang)


def _mark(line: Line | None) -> str:
    if line is None:
        return "—"
    return SYMBOL[line.state.status] + ("!" if line.contested else "")


def _country(doc: DocxDocument, report: CountryReport, lang: str) -> None:
    doc.add_heading(_("Progress"), level=1)
    _figures(doc, report.totals)
    _groups(doc, report.by_theme, _("Theme"), lang)
    doc.add_heading(_("Commitments by meeting"), level=1)
    for part in report.parts:
        held = f" ({format_day(part.meeting.held_on)})" if part.meeting.held_on else ""
        doc.add_heading(f"{part.meeting.name or part.meeting.code}{held}", level=2)
        _table(doc, [_("Commitment"), _("Status"), _("Progress"), _("Due"),
                     _("Status changes"), _("Public evidence")],
               [_country_row(line, report.frame.day) for line in part.lines])
    doc.add_heading(_("Civil-society ratings"), level=1)
    _ratings(doc, report.ratings)
    doc.add_heading(_("Indicators"), level=1)
    _indicators(doc, report.indicators, report.countries_by_id, lang)


def _country_row(line: Line, day) -> list[str]:
    """A commitment of the country report: its state, status changes and public evidence."""
    mark = f" ! {_('contested')}" if line.contested else ""
    due = format_day(line.state.due_date) if line.state.due_date else "—"
    if line.state.overdue(day):
        due += f" ({_('overdue')})"
    changes = [f"{format_day(ch.at)}: {STATUS_LABELS[ch.from_status]} → "
               f"{STATUS_LABELS[ch.to_status]}"
               + (f" ({_pct(ch.progress)})" if ch.progress is not None else "")
               for ch in line.changes]
    evidence = [f"{e.title} ({format_day(e.dated)})"
                + (f" — {e.url or e.filename}" if e.url or e.filename else "")
                for e in line.evidence]
    return [line.code, _status(line.state.status) + mark, _pct(line.state.effective), due,
            "\n".join(changes), "\n".join(evidence)]


def _summary(doc: DocxDocument, report: Summary, lang: str) -> None:
    doc.add_heading(_("Regional progress"), level=1)
    _figures(doc, report.totals)
    _groups(doc, report.by_country, _("Country"), lang)
    doc.add_heading(_("By theme"), level=1)
    _groups(doc, report.by_theme, _("Theme"), lang)


def _changes(doc: DocxDocument, changes: Changes) -> None:
    doc.add_heading(_("What changed since %(day)s", day=format_day(changes.since)), level=1)
    doc.add_heading(_("Commitments whose status moved"), level=2)
    _none_or(doc, changes.moved, lambda: _table(
        doc, [_("Commitment"), _("Before"), _("Now")],
        [[line.code, _status(before) if before else _("New"), _status(line.state.status)]
         for line, before in changes.moved]))
    doc.add_heading(_("New public evidence"), level=2)
    _none_or(doc, changes.evidence, lambda: _table(
        doc, [_("Commitment"), _("Evidence"), _("Date")],
        [[line.code, e.title, format_day(e.dated)] for line, e in changes.evidence]))
    doc.add_heading(_("New civil-society ratings"), level=2)
    _ratings(doc, changes.ratings)
