"""An independent reading of the minutes' recommendation lists, for the tests to compare
the database against (it shares no code with the seed loader)."""

import re
from pathlib import Path

SOURCES = Path(__file__).resolve().parent.parent / "tracker" / "seed_data" / "sources"
PLENARY = "plenary-working-tables"
TRAFFICKING = "trafficking-working-group"
ITEM = re.compile(r"^\s*(·|\d+\.|[a-z]\))\s*(\S.*)$")


def _style(marker: str) -> str:
    return "bullet" if marker == "·" else "number" if marker[0].isdigit() else "letter"


def squash(text: str) -> str:
    return " ".join(text.split())


def read(document: str) -> str:
    return (SOURCES / f"{document}.txt").read_text(encoding="utf-8")


def list_after(document: str, heading: str) -> list[str]:
    """The items (bullets, '1.' or 'a)') right after the first line starting with heading."""
    lines = read(document).splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(heading))
    items, i = [], start + 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    style = None
    while i < len(lines) and (match := ITEM.match(lines[i])):
        # A list ends where the marker style changes ("3. Cómo avanzar" after bullets).
        if style and _style(match.group(1)) != style:
            break
        style = _style(match.group(1))
        items.append(squash(match.group(2)))
        i += 1
    return items


# (document, heading, kind, year) of every recommendation list in the minutes.
RECOMMENDATION_LISTS = [
    (PLENARY, "2014:", "earlier_agreement", 2014),
    (PLENARY, "2015:", "earlier_agreement", 2015),
    (PLENARY, "Como recomendaciones", "recommendation", None),
    (PLENARY, "Recomendaciones", "recommendation", None),
    (PLENARY, "3. Cómo avanzar", "recommendation", None),
    (PLENARY, "4. Contribuciones", "recommendation", None),
    (TRAFFICKING, "3. Cómo avanzar", "recommendation", None),
    (TRAFFICKING, "4. Contribuciones", "recommendation", None),
]
