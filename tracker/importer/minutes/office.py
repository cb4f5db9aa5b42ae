"""DOCX (python-docx) and ODT (odfpy): the archive is checked through the one opener
(tracker.core.archives) before any library unpacks it, and a document that carries macros
is refused. python-docx parses without resolving entities; odfpy parses through defusedxml."""

import contextlib
import io
import logging
import re
import zipfile

from flask_babel import lazy_gettext as _l

from tracker.core.archives import ArchiveRefused, open_archive, read_member
from tracker.importer.minutes.document import Block, DocumentText
from tracker.importer.minutes.refusals import MinutesRefused, unsupported

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT_TYPE = "application/vnd.oasis.opendocument.text"
SMALL_PART = 1024 * 1024  # [Content_Types].xml, mimetype
HEADING_STYLE = re.compile(r"^(?:heading|t[íi]tulo|encabezado)\s*(\d)$", re.I)
LIST_STYLE = re.compile(r"list|lista|vi[ñn]eta", re.I)

log = logging.getLogger(__name__)


def read_office(data: bytes) -> DocumentText:
    """A DOCX or ODT; any other archive (XLSX, a plain zip...) is an unsupported format."""
    try:
        archive = open_archive(data)
        names = set(archive.namelist())
        if "word/document.xml" in names:
            refuse_word_macros(archive, names)
            return parse(read_docx, data, "docx")
        mimetype = read_member(archive, "mimetype", SMALL_PART) if "mimetype" in names else b""
    except ArchiveRefused as exc:
        raise MinutesRefused(exc.args[0]) from None
    if mimetype.strip() == ODT_TYPE.encode():
        if any(name.startswith(("Basic/", "Scripts/")) for name in names):
            raise macros()
        return parse(read_odt, data, "odt")
    raise unsupported()


def macros() -> MinutesRefused:
    return MinutesRefused(_l("This document contains macros: save it as a document without "
                             "macros (DOCX or ODT) and upload it again."))


def refuse_word_macros(archive: zipfile.ZipFile, names: set[str]) -> None:
    if any(name.lower().endswith(("vbaproject.bin", "vbadata.xml")) for name in names):
        raise macros()
    if "[Content_Types].xml" in names and \
            b"macroEnabled" in read_member(archive, "[Content_Types].xml", SMALL_PART):
        raise macros()


def parse(reader, data: bytes, format: str) -> DocumentText:
    """Run a library's reader; whatever it raises on a damaged file becomes a refusal."""
    try:
        text, blocks = reader(data)
    except MinutesRefused:
        raise
    except Exception:  # the libraries raise many kinds (KeyError, XML errors...) on junk
        log.info("unreadable %s", format, exc_info=True)
        raise MinutesRefused(_l("This document cannot be read (it may be damaged).")) from None
    return DocumentText(text=text, blocks=blocks, format=format)


# -- DOCX ----------------------------------------------------------------------------

def read_docx(data: bytes) -> tuple[str, list[Block]]:
    import docx

    document = docx.Document(io.BytesIO(data))
    return docx_content(document.iter_inner_content(), in_table=False)


def docx_content(items, *, in_table: bool) -> tuple[str, list[Block]]:
    from docx.table import Table

    parts: list[str] = []
    blocks: list[Block] = []
    for item in items:
        if isinstance(item, Table):
            text, table_blocks = docx_table(item)
        else:
            block = docx_paragraph(item, in_table=in_table)
            text, table_blocks = block.text, [block]
        parts.append(text)
        blocks.extend(table_blocks)
    return "\n".join(parts), blocks


def docx_table(table) -> tuple[str, list[Block]]:
    """Cells in reading order, each cell's paragraphs one per line, a blank line between."""
    seen: set = set()  # the cell elements themselves: an id() could be reused
    cells: list[str] = []
    blocks: list[Block] = []
    for row in table.rows:
        for cell in row.cells:
            if cell._tc in seen:  # a merged cell is listed at each grid position
                continue
            seen.add(cell._tc)
            text, cell_blocks = docx_content(cell.iter_inner_content(), in_table=True)
            cells.append(text)
            blocks.extend(cell_blocks)
    return "\n\n".join(cells), blocks


def docx_paragraph(paragraph, *, in_table: bool) -> Block:
    style = paragraph.style.name if paragraph.style is not None else ""
    level = None
    if match := HEADING_STYLE.match(style or ""):
        level = int(match.group(1))
    elif style in ("Title", "Título"):
        level = 0  # the document's title: neither a working table nor a section
    numbered = paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None
    return Block(paragraph.text, heading_level=level, in_table=in_table,
                 list_item=level is None and (numbered or bool(LIST_STYLE.search(style or ""))))


# -- ODT -----------------------------------------------------------------------------

def read_odt(data: bytes) -> tuple[str, list[Block]]:
    from odf.opendocument import load

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):  # odfpy prints a part it fails to parse
        document = load(io.BytesIO(data))
    if "FAILED" in printed.getvalue():
        raise MinutesRefused(_l("This document cannot be read (it may be damaged)."))
    return odt_content(document.text.childNodes, in_table=False, in_list=False)


def odt_content(nodes, *, in_table: bool, in_list: bool) -> tuple[str, list[Block]]:
    from odf import teletype

    parts: list[str] = []
    blocks: list[Block] = []
    for node in nodes:
        name = getattr(node, "qname", (None, None))[1]
        if name in ("p", "h"):
            level = node.getAttribute("outlinelevel") if name == "h" else None
            block = Block(teletype.extractText(node), in_table=in_table,
                          heading_level=int(level) if level else (1 if name == "h" else None),
                          list_item=in_list and name == "p")
            parts.append(block.text)
            blocks.append(block)
            continue
        if name == "table":
            text, inner = odt_table(node)
        elif name in ("list", "list-item", "list-header", "section", "table-header-rows",
                      "table-rows", "table-row-group"):
            text, inner = odt_content(node.childNodes, in_table=in_table,
                                      in_list=in_list or name.startswith("list"))
        else:
            continue
        if inner:
            parts.append(text)
            blocks.extend(inner)
    return "\n".join(parts), blocks


def odt_table(table) -> tuple[str, list[Block]]:
    cells: list[str] = []
    blocks: list[Block] = []
    for row in odt_rows(table):
        for cell in row.childNodes:
            if getattr(cell, "qname", (None, None))[1] != "table-cell":
                continue  # covered-table-cell: the merged cell's content is in the first
            text, inner = odt_content(cell.childNodes, in_table=True, in_list=False)
            cells.append(text)
            blocks.extend(inner)
    return "\n\n".join(cells), blocks


def odt_rows(node):
    for child in node.childNodes:
        name = getattr(child, "qname", (None, None))[1]
        if name == "table-row":
            yield child
        elif name in ("table-header-rows", "table-rows", "table-row-group"):
            yield from odt_rows(child)
