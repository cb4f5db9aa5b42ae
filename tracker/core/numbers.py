"""Numbers as the reader's language writes them, for templates."""

import functools

from babel.numbers import format_decimal
from flask_babel import get_locale


@functools.lru_cache(maxsize=4096)
def _formatted(number: float, locale: str) -> str:
    return format_decimal(number, locale=locale)


def numberformat(number: float) -> str:
    """Flask-Babel's format_decimal, remembered per language: a dashboard writes hundreds of
    counts, mostly the same few numbers, and Babel takes longer over each than the rest of
    its cell."""
    return _formatted(number, str(get_locale()))
