"""A document's text as read from its file: the whole text, and the same as blocks."""

from dataclasses import dataclass, field


@dataclass
class Block:
    """One paragraph (or line, in text and PDF) of the document, in order."""

    text: str
    heading_level: int | None = None  # DOCX/ODT heading styles, Markdown '#'
    in_table: bool = False
    list_item: bool = False  # the format marks it as an item of a list (numbering, list styles)


@dataclass
class DocumentText:
    """The document's full text (stored, shown, searched for quotes) and its blocks.

    Paragraphs are separated by "\\n"; table cells come in reading order, each cell's
    paragraphs one per line, cells separated by a blank line.
    """

    text: str
    blocks: list[Block] = field(default_factory=list)
    format: str = "text"  # docx | odt | pdf | text | markdown
    content_type: str = "text/plain"
