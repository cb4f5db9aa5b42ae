"""Reading uploaded minutes: the format is told by the content (the filename only breaks a
tie between text and Markdown), and every file the tracker will not read is refused with
the reason, whatever its bytes: no parser's exception reaches the caller."""

import io
import logging
import re

from charset_normalizer import from_bytes
from flask_babel import lazy_gettext as _l

from tracker.importer.minutes import office
from tracker.importer.minutes.document import Block, DocumentText
from tracker.importer.minutes.refusals import MinutesRefused, unsupported

CONTENT_TYPES = {
    "docx": office.DOCX_TYPE,
    "odt": office.ODT_TYPE,
    "pdf": "application/pdf",
    "text": "text/plain",
    "markdown": "text/markdown",
}
# Signatures of files people upload by mistake: told apart only to say so plainly.
BINARY_SIGNATURES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*", b"RIFF",
                     b"\xd0\xcf\x11\xe0", b"{\\rtf", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!")
MARKDOWN_NAMES = (".md", ".markdown")
MARKDOWN_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
TEXT_MARKER = re.compile(r"^\s*(?:[·•\-–—*+▪◦●○■□➢►✓]|::|\d{1,3}[.)]|[a-zA-Z]\)|\(\w{1,3}\))"
                         r"(?:\s|$)")
# Control characters no text document holds (tab, line breaks and form feed aside).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")

log = logging.getLogger(__name__)


def read_document(data: bytes, filename: str, *, max_bytes: int) -> DocumentText:
    """The text and blocks of uploaded minutes, or MinutesRefused saying why not."""
    if len(data) > max_bytes:
        raise MinutesRefused(_l("This file is larger than %(size)s MiB.",
                                size=f"{max_bytes / (1024 * 1024):.1f}"))
    if not data.strip():
        raise MinutesRefused(_l("This document holds no text."))
    if data.startswith(b"PK"):
        document = office.read_office(data)
    elif data.lstrip()[:5] == b"%PDF-":
        document = read_pdf(data)
    elif data.startswith(BINARY_SIGNATURES):
        raise unsupported()
    else:
        document = read_text(data, markdown=filename.lower().endswith(MARKDOWN_NAMES))
    if not any(block.text.strip() for block in document.blocks):
        raise MinutesRefused(_l("This document holds no text."))
    document.content_type = CONTENT_TYPES[document.format]
    return document


# -- plain text and Markdown ---------------------------------------------------------

def decode(data: bytes) -> str:
    """UTF-8 when it is; otherwise what charset-normalizer finds plausible; never junk."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is None:
            raise MinutesRefused(_l("The text encoding of this file cannot be recognised: "
                                    "save it as UTF-8 and upload it again.")) from None
        text = str(best)
    # Binary data can decode as some 8-bit encoding; real text has no control characters.
    if len(CONTROL.findall(text)) > 2 + len(text) // 1000:
        raise MinutesRefused(_l("This file is not text, nor a document format the tracker "
                                "reads."))
    return CONTROL.sub("", text).lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def read_text(data: bytes, *, markdown: bool) -> DocumentText:
    text = decode(data)
    blocks = [text_block(line, markdown=markdown) for line in text.split("\n")]
    return DocumentText(text=text, blocks=blocks, format="markdown" if markdown else "text")


def text_block(line: str, *, markdown: bool) -> Block:
    """A line of a text file; a leading tab is what a table cell leaves in a text export."""
    if markdown and (heading := MARKDOWN_HEADING.match(line)):
        return Block(heading.group(2), heading_level=len(heading.group(1)))
    return Block(line.strip(), in_table=line.startswith("\t"),
                 list_item=bool(TEXT_MARKER.match(line)))


# -- PDF -----------------------------------------------------------------------------

def read_pdf(data: bytes) -> DocumentText:
    from pypdf import PdfReader  # imported here: only PDFs need it

    damaged = MinutesRefused(_l("This PDF cannot be read (it may be damaged)."))
    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except Exception:  # pypdf raises many kinds on damaged files
        log.info("unreadable PDF", exc_info=True)
        raise damaged from None
    if encrypted:
        raise MinutesRefused(_l("This PDF is encrypted: upload a copy without a password."))
    try:
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception:
        log.info("unreadable PDF page", exc_info=True)
        raise damaged from None
    text = CONTROL.sub("", "\n".join(page.strip("\n") for page in pages))
    if not text.strip():
        raise MinutesRefused(_l("This PDF has no text layer: run OCR first."))
    blocks = [Block(line.strip(), list_item=bool(TEXT_MARKER.match(line)))
              for line in text.split("\n")]
    return DocumentText(text=text, blocks=blocks, format="pdf")
