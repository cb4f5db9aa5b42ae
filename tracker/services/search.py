"""Accent- and case-insensitive matching that works the same on SQLite and PostgreSQL.

Both sides are folded: accented letters become plain ones (translate), then lower-cased
(ASCII only, which is all that is left). SQLite has no translate(); it is registered on
each connection.
"""

import sqlalchemy as sa
from sqlalchemy.engine import Engine

ACCENTED = "ÁÉÍÓÚÜÑÀÈÌÒÙÂÊÎÔÛÇáéíóúüñàèìòùâêîôûç"
PLAIN = "AEIOUUNAEIOUAEIOUCaeiouunaeiouaeiouc"
_TABLE = str.maketrans(ACCENTED, PLAIN)


def fold_text(text: str) -> str:
    return text.translate(_TABLE).lower()


def fold(column):
    return sa.func.lower(sa.func.translate(column, ACCENTED, PLAIN))


def contains(column, query: str):
    """column contains query, ignoring accents and case (LIKE wildcards escaped)."""
    needle = fold_text(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return fold(column).like(f"%{needle}%", escape="\\")


@sa.event.listens_for(Engine, "connect")
def _sqlite_translate(dbapi_connection, _record) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.create_function(
            "translate", 3,
            lambda text, src, dst: None if text is None else text.translate(str.maketrans(src, dst)),
            deterministic=True)
