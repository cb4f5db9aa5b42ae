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
