"""The words the CRM's minutes and declarations use to name their lists, in Spanish and
English, and the kind of item each names. Matching is case- and accent-insensitive, on whole
words; where a line names two kinds ("Experiencias o buenas prácticas") the first one said
decides."""

import re
import unicodedata
from dataclasses import dataclass

# kind -> phrases, per language, written without accents (text is folded before matching).
KEYWORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "es": {
        "earlier_agreement": ("recuento", "recordando", "recuerdan", "recordaron",
                              "acuerdos anteriores", "acuerdos previos"),
        "recommendation": ("recomendaciones", "recomendacion", "recomienda", "recomiendan",
                           "acuerdos", "acordaron", "acuerdan", "acordo", "decisiones",
                           "decidieron", "deciden", "como avanzar", "contribuciones",
                           "proximos pasos", "resuelven", "resolvieron"),
        "good_practice": ("buenas practicas", "buena practica", "ejemplos"),
        "experience": ("experiencias", "experiencia"),
        "approach": ("enfoques",),
        "obstacle": ("obstaculos", "obstaculo", "desafios", "desafio", "retos"),
        "common_element": ("elementos comunes",),
    },
    "en": {
        "earlier_agreement": ("recalling", "recalls", "recalled", "earlier agreements",
                              "previous agreements"),
        "recommendation": ("recommendations", "recommendation", "recommends", "recommended",
                           "agreed", "agrees", "agreements", "decisions", "decided",
                           "the way forward", "way forward", "next steps", "contributions",
                           "resolved"),
        "good_practice": ("good practices", "good practice", "best practices", "examples"),
        "experience": ("experiences", "lessons learned"),
        "approach": ("approaches",),
        "obstacle": ("obstacles", "obstacle", "challenges", "barriers"),
        "common_element": ("common elements",),
    },
}

# Lines that name the working table (mesa de trabajo) the lines after them report on;
# group 1 is the name.
WORKING_TABLE_LINES = (
    re.compile(r"^mesas? de trabajo\s*(?:n[.°º]?\s*)?\d*\s*[:.-]\s*(.+)$", re.I),
    re.compile(r"^(?:grupo|mesa) de trabajo\s+(?:sobre|de|en)\s+(.+)$", re.I),
    re.compile(r"^working (?:group|table)\s*\d*\s*[:.-]\s*(.+)$", re.I),
    re.compile(r"^working (?:group|table)\s+on\s+(.+)$", re.I),
)


@dataclass(frozen=True)
class Found:
    kind: str
    start: int   # where the keyword starts in the text
    words: str   # the keyword as the document writes it


def fold(text: str) -> str:
    """Lower case without accents, one character for each of ``text`` (positions agree)."""
    return "".join((unicodedata.normalize("NFKD", c)[:1] or c).lower() for c in text)


def _patterns(language: str) -> list[tuple[str, re.Pattern]]:
    languages = [language] + [other for other in KEYWORDS if other != language]
    found = []
    for lang in languages:
        for kind, phrases in KEYWORDS.get(lang, {}).items():
            for phrase in phrases:
                words = r"\s+".join(map(re.escape, phrase.split()))
                found.append((kind, re.compile(rf"(?<!\w){words}(?!\w)")))
    return found


_COMPILED = {language: _patterns(language) for language in KEYWORDS}


def find_kind(text: str, language: str = "es") -> Found | None:
    """The first kind-naming keyword of ``text`` (the longest where two start together)."""
    folded = fold(text)
    best: tuple[int, int, str] | None = None
    for kind, pattern in _COMPILED.get(language, _COMPILED["es"]):
        match = pattern.search(folded)
        if match and (best is None or (match.start(), -match.end()) < (best[0], -best[1])):
            best = (match.start(), match.end(), kind)
    if best is None:
        return None
    return Found(kind=best[2], start=best[0], words=text[best[0]:best[1]])


def working_table_name(line: str) -> str | None:
    """The name a "Mesas de Trabajo: X" or "Working group on X" line gives, else None."""
    for pattern in WORKING_TABLE_LINES:
        if match := pattern.match(line.strip()):
            name = match.group(1).strip()
            if pattern is WORKING_TABLE_LINES[0]:
                name = name.split(",")[0]  # "Mesas de Trabajo: X, facilitators..."
            return name.strip(" .:")
    return None
