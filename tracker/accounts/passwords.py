"""Password hashing (argon2id) and the password policy."""

import re
import unicodedata
from collections.abc import Iterable

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

from tracker.core.refusals import Refused
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.models import Country

MIN_LENGTH = 12
MAX_LENGTH = 1024
# zxcvbn's top score: at least 10^10 guesses, "strong protection from offline slow-hash
# attacks". Score 3 let through 12 characters of a country and the year.
MIN_SCORE = 4
# Words a guesser tries first on this site (ASVS 5 V6.1.2 asks for this list to be
# documented: the README repeats it). With them come the member states' names in Spanish
# and English (from the Country table), the years around now, and the person's e-mail and
# name (user_inputs of check_policy).
SITE_WORDS = (
    "crm", "conferencia regional sobre migración", "regional conference on migration",
    "conferencia", "conference", "regional", "migración", "migration", "migrante", "migrant",
    "migrantes", "migrants", "seguimiento", "tracker", "compromiso", "compromisos",
    "commitment", "commitments", "recomendación", "recomendaciones", "recommendation",
    "mesa de trabajo", "working table", "punto focal", "focal point", "secretaría",
    "secretariat", "focal", "auditor", "auditoría", "observación", "contraseña", "password",
    "clave",
)
# A 4-digit year from 1900 to 2099: zxcvbn's own year pattern stops at 2019.
_YEAR = re.compile(r"(?:19|20)\d\d")
# Shorter words ("de", "el", "on") are left to zxcvbn alone: cut out of the middle of other
# words, they would refuse good passwords.
_SHORTEST_CUT = 3
# zxcvbn refuses anything longer than 72 characters (ValueError), and its time grows quickly
# with length: it rates the first 72 (the rest can only add strength).
_SCORED_PREFIX = 72

# argon2-cffi's defaults are RFC 9106's low-memory profile (argon2id, t=3, m=64 MiB, p=4),
# above OWASP ASVS 5's minimum (m=19 MiB, t=2, p=1).
_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so a miss costs the same time as a hit.
_DUMMY_HASH = _hasher.hash("not-a-password-anyone-has")


class WeakPassword(Refused):
    """The password breaks the policy; the message says why, for the user."""

    default_field = "password"


def check_policy(password: str, *, user_inputs: Iterable[str | None] = ()) -> None:
    """At least 12 characters, and very hard to guess (zxcvbn's score 4) both as it is and
    once every word of its context is taken out: zxcvbn prices the dashes of
    ``CRM-2026-crm`` as random characters, so words a guesser knows, joined by
    punctuation, would otherwise pass. ``user_inputs``: the person's e-mail, name,
    organisation."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(_l("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise WeakPassword(_l("Use at most 1024 characters."))
    words = context_words(user_inputs)
    scored = password[:_SCORED_PREFIX]
    if zxcvbn(scored, user_inputs=words)["score"] < MIN_SCORE:
        raise WeakPassword(_l("This password is too common or too easy to guess."))
    rest = without_context(scored, words)
    if not rest.strip() or zxcvbn(rest, user_inputs=words)["score"] < MIN_SCORE:
        raise WeakPassword(_l(
            "This password is made mostly of words anyone would try first here: the "
            "CRM, migration, a member country, a year, your name or your e-mail address. "
            "Add words of your own that have nothing to do with them."))


def context_words(user_inputs: Iterable[str | None] = ()) -> list[str]:
    """Every word zxcvbn should know about: the site's, the member states' names and the
    person's (each also word by word), the years around now; each also without accents
    and without spaces."""
    year = utcnow().year
    countries = db.session.execute(sa.select(Country.name_es, Country.name_en)).all()
    names: list[str] = [name for row in countries for name in row]
    for value in user_inputs:
        local, _, domain = (value or "").partition("@")
        names += [value or "", local, domain]
    words: dict[str, None] = {}  # in order, once each
    for phrase, split in [*((w, False) for w in SITE_WORDS), *((n, True) for n in names),
                          *((str(y), False) for y in range(year - 1, year + 2))]:
        lowered = phrase.strip().lower()
        parts = [part for part in re.split(r"[\W_]+", lowered) if part]
        for word in (lowered, "".join(parts), *(parts if split else ())):
            words.update(dict.fromkeys(v for v in (word, _folded(word)) if v))
    return list(words)


def without_context(password: str, words: Iterable[str]) -> str:
    """The password with every context word of 3 letters or more (in any case, with or
    without accents) and every year taken out."""
    folded = _folded(password)
    keep = [True] * len(password)
    for word in {_folded(w) for w in words if len(w) >= _SHORTEST_CUT}:
        start = folded.find(word)
        while start >= 0:
            keep[start:start + len(word)] = [False] * len(word)
            start = folded.find(word, start + 1)
    for match in _YEAR.finditer(folded):
        keep[match.start():match.end()] = [False] * (match.end() - match.start())
    return "".join(char for char, kept in zip(password, keep, strict=True) if kept)


def _folded(text: str) -> str:
    """Lower case without accents, character by character (so positions still match);
    a character that would fold to several stays as it is."""
    return "".join(_fold_char(char) for char in text)


def _fold_char(char: str) -> str:
    folded = "".join(c for c in unicodedata.normalize("NFKD", char.lower())
                     if not unicodedata.combining(c))
    return folded if len(folded) == 1 else char


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if it matches; spends the same effort when there is no hash to check."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False
