"""Password hashing (argon2id) and the password policy."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

from tracker.core.refusals import Refused

MIN_LENGTH = 12
# argon2-cffi's defaults are RFC 9106's low-memory profile (argon2id, t=3, m=64 MiB, p=4),
# above OWASP ASVS 5's minimum (m=19 MiB, t=2, p=1).
_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so a miss costs the same time as a hit.
_DUMMY_HASH = _hasher.hash("not-a-password-anyone-has")


class WeakPassword(Refused):
    """The password breaks the policy; the message says why, for the user."""

    default_field = "password"


def check_policy(password: str, *, user_inputs: tuple[str, ...] = ()) -> None:
    """At least 12 characters and not a common or easily guessed password."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(_l("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > 1024:
        raise WeakPassword(_l("Use at most 1024 characters."))
    # zxcvbn knows the common-password lists; score < 3 is "too guessable".
    if zxcvbn(password[:100], user_inputs=[u for u in user_inputs if u])["score"] < 3:
        raise WeakPassword(_l("This password is too common or too easy to guess."))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if it matches; spends the same effort when there is no hash to check."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False
