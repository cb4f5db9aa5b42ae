"""A source document with one quoted passage marked, found modulo white space."""

import re

from markupsafe import Markup, escape


def highlighted(text: str, quote: str | None) -> Markup:
    """The document's text, escaped, with the quote wrapped in <mark id="quote">."""
    if quote:
        pattern = r"\s+".join(re.escape(word) for word in quote.split())
        match = re.search(pattern, text)
        if match:
            return (escape(text[:match.start()]) + Markup('<mark id="quote">')
                    + escape(match.group(0)) + Markup("</mark>") + escape(text[match.end():]))
    return escape(text)


def highlighted_all(text: str, quotes: list[tuple[str, str]]) -> Markup:
    """The text, escaped, with each (anchor, quote) wrapped in <mark id="anchor">: quotes
    are looked for in document order, then anywhere; one that overlaps another is left out."""
    spans: list[tuple[int, int, str]] = []
    position = 0
    for anchor, quote in quotes:
        if not quote.split():
            continue
        pattern = re.compile(r"\s+".join(re.escape(word) for word in quote.split()))
        match = pattern.search(text, position) or pattern.search(text)
        if match and not any(s < match.end() and match.start() < e for s, e, _ in spans):
            spans.append((match.start(), match.end(), anchor))
            position = match.end()
    out, last = Markup(), 0
    for start, end, anchor in sorted(spans):
        out += escape(text[last:start]) + Markup('<mark id="%s">') % anchor
        out += escape(text[start:end]) + Markup("</mark>")
        last = end
    return out + escape(text[last:])
