"""Which proposed items the tracker already holds, or another document reports: the same
item worded a little differently ("Guatemala: Protocolo ..." and "GUA: Protocolo ...")
scores high; items that merely share words do not."""

from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from tracker.importer.minutes.keywords import fold


@dataclass
class Match:
    index: int   # index into the items given (the item this match is for)
    key: str     # the candidate's key
    score: float  # 0-100, shown to the reviewer


def comparable(text: str) -> str:
    """Case, accents, punctuation and spacing do not make two items different."""
    return utils.default_process(fold(text))


def find_duplicates(items: list[str], candidates: list[tuple[str, str]], *,
                    threshold: float = 85.0) -> list[Match | None]:
    """For each item text, the best candidate (key, text) scoring at least ``threshold``.

    fuzz.ratio over the whole texts: a token-set score would call a short item ("Coalición
    regional.") the same as any longer one that contains its words.
    """
    choices = [comparable(text) for _, text in candidates]
    found: list[Match | None] = []
    for index, text in enumerate(items):
        best = process.extractOne(comparable(text), choices, scorer=fuzz.ratio,
                                  score_cutoff=threshold) if choices else None
        found.append(Match(index, candidates[best[2]][0], round(best[1], 1)) if best else None)
    return found
