"""What one line of minutes is: a list item, a heading, a lead-in, a year label, a
working table's title... Each test is a small function over the line's text; the order in
which they are tried is extract.py's."""

import re

from tracker.importer.minutes.keywords import Found, find_kind

MARKER = re.compile(r"^(?:(?P<bullet>[·•\-–—*+▪◦●○■□➢►✓]|::)|(?P<number>\d{1,3}[.)]|"
                    r"[IVX]{1,5}\.)|(?P<letter>[a-zA-Z]\)|\(\w{1,3}\)))(?:\s+|$)")
YEAR = re.compile(r"^\(?((?:19|20)\d\d)\)?\s*:?$")
JUNK = re.compile(r"^\[(?:bookmark|image|comment)[^\]]*\]$", re.I)  # word-processor exports
TERMINAL = (".", ":", ";", "?", "!", ")")
# A line ending in one of these words goes on in the next line (a wrapped line of a PDF).
OPEN_ENDINGS = {"y", "e", "o", "u", "de", "del", "la", "el", "los", "las", "en", "con",
                "para", "por", "a", "al", "que", "and", "or", "of", "the", "to", "in", "for",
                "with", "on", "by", "an"}
SMALL_WORDS = {"de", "del", "la", "las", "el", "los", "y", "e", "o", "en", "a", "al", "para",
               "por", "con", "sobre", "the", "of", "and", "in", "on", "for", "to", "with"}

HEADING_WORDS = 12       # a standalone line naming a kind is a heading up to this long
NUMBERED_WORDS = 20      # "2. Obstáculos para asumir la responsabilidad compartida"
LABEL_WORDS = 6          # "Experiencias o buenas prácticas: ..."
PARAGRAPH_LEAD = 8       # a paragraph is about a kind when it names it this early
TITLE_LENGTH = 200


def split_marker(text: str) -> tuple[str | None, str]:
    """The list marker ("·", "1.", "a)"...) and the text after it; (None, text) if none."""
    match = MARKER.match(text)
    if not match:
        return None, text
    kind = "bullet" if match.group("bullet") else "number" if match.group("number") \
        else "letter"
    return kind, text[match.end():].strip()


def words_before(text: str, found: Found) -> int:
    return len(text[:found.start].split())


def year_label(text: str) -> int | None:
    """2014 for a line "2014:" that dates the list below it."""
    match = YEAR.match(text)
    return int(match.group(1)) if match else None


def numbered_heading(text: str, language: str) -> Found | None:
    """A numbered section line: "3. Cómo avanzar hacia ..." (a keyword among its first
    words), not a numbered item that mentions one."""
    marker, rest = split_marker(text)
    if marker != "number" or len(rest.split()) > NUMBERED_WORDS:
        return None
    found = find_kind(rest, language)
    return found if found and words_before(rest, found) <= 2 else None


def label_heading(text: str, language: str) -> tuple[str, Found] | None:
    """"Buenas prácticas:" or "Experiencias o buenas prácticas: Se diferenciará ..."."""
    label, colon, _ = text.partition(":")
    if not colon or len(label.split()) > LABEL_WORDS:
        return None
    found = find_kind(label, language)
    return (clean_title(label), found) if found else None


def lead_in(text: str, language: str) -> tuple[str, Found | None] | None:
    """A sentence ending in ':' that announces the list after it, with the kind it names."""
    if not text.endswith(":"):
        return None
    return clean_title(text), find_kind(text, language)


def short_heading(text: str, language: str) -> Found | None:
    """A standalone line that names a kind: "Recomendaciones", "RECUENTO SOBRE ..."."""
    if len(text.split()) > HEADING_WORDS or re.search(r"[.;]\s+\S", text):
        return None
    return find_kind(text, language)


def paragraph_kind(text: str, language: str) -> Found | None:
    """The kind a paragraph is about, when it names it among its first words."""
    found = find_kind(text, language)
    return found if found and words_before(text, found) < PARAGRAPH_LEAD else None


def column_label(text: str, language: str) -> bool:
    """A table's column title ("Trata" | "Tráfico"): a word or three, no sentence."""
    return len(text.split()) <= 3 and not text.endswith(TERMINAL) and ":" not in text \
        and find_kind(text, language) is None


def looks_like_title(text: str) -> bool:
    """A working table's title in a plenary report: one line, mostly capitalised words
    ("Protección Consular y Derechos Humanos"), no sentence inside, no label."""
    if ":" in text or len(text) > TITLE_LENGTH or re.search(r"[.;]\s+\S", text):
        return False
    words = re.findall(r"[^\W\d_][\w'-]*", text)
    if not words or not words[0][0].isupper():
        return False
    rest = [word for word in words[1:] if word.lower() not in SMALL_WORDS]
    capitals = sum(1 for word in rest if word[0].isupper())
    return capitals >= 2 and capitals >= 0.4 * len(rest)


def goes_on(previous: str, line: str) -> bool:
    """Whether ``line`` continues ``previous`` (a wrapped line), not a new paragraph."""
    if not previous or not line or MARKER.match(line) or YEAR.match(line):
        return False
    if line[0].islower():
        return True
    last = previous.split()[-1].lower() if previous.split() else ""
    return previous.endswith((",", "-")) or last in OPEN_ENDINGS


def clean_title(text: str) -> str:
    """A heading as a section title: without Markdown emphasis and the final colon."""
    return " ".join(text.strip().strip("*_").strip().rstrip(":").split())
