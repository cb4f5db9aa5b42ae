"""Accent- and case-insensitive matching that works the same on SQLite and PostgreSQL.

Both sides are folded: accented letters become plain ones, then lower-cased. Searched
texts are folded once, when written (Recommendation.search_text, StatusEvent.note_search),
so a search is a plain LIKE: folding 300,000 notes at query time took seconds on SQLite.
On PostgreSQL, pg_trgm's GIN indexes answer that LIKE and word_similarity ranks the results
(the same folding on both sides keeps one behaviour: unaccent would fold differently).
"""

from typing import overload

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased

from tracker.core.events import listen_once
from tracker.extensions import db
from tracker.models import Commitment, Recommendation, StatusEvent

ACCENTED = "ÁÉÍÓÚÜÑÀÈÌÒÙÂÊÎÔÛÇáéíóúüñàèìòùâêîôûç"
PLAIN = "AEIOUUNAEIOUAEIOUCaeiouunaeiouaeiouc"
_TABLE = str.maketrans(ACCENTED, PLAIN)


@overload
def fold_text(text: str) -> str: ...
@overload
def fold_text(text: None) -> None: ...
def fold_text(text: str | None) -> str | None:
    return None if text is None else text.translate(_TABLE).lower()


def recommendation_search_text(title_es: str, title_en: str, text_es: str) -> str:
    return "\n".join(fold_text(t or "") for t in (title_es, title_en, text_es))


def _needle(query: str) -> str:
    escaped = fold_text(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matches(folded_column, query: str):
    """A column folded when written contains query, ignoring accents and case."""
    return folded_column.like(_needle(query), escape="\\")


TRIGRAM = 3  # letters: shorter searches have no trigram to look up


def search_condition(query: str):
    """The commitment's code, its recommendation or one of its notes contains query.

    From three letters on, the ids are looked up in each trigram index (PostgreSQL) and
    united: an OR of the three scanned every commitment. Shorter queries have no trigram
    to look up; the OR scans each table once, which is then the cheaper plan."""
    if len(query) < TRIGRAM:
        texts = sa.select(Recommendation.id).where(matches(Recommendation.search_text, query))
        notes = sa.select(StatusEvent.commitment_id).where(matches(StatusEvent.note_search,
                                                                   query))
        return sa.or_(Commitment.recommendation_id.in_(texts),
                      matches(sa.func.lower(Commitment.code), query), Commitment.id.in_(notes))
    return Commitment.id.in_(_matching_ids(query))


def _matching_ids(query: str):
    inner = aliased(Commitment)  # not the outer query's commitment: no correlation
    texts = sa.select(Recommendation.id).where(matches(Recommendation.search_text, query))
    return sa.union(
        sa.select(inner.id).where(inner.recommendation_id.in_(texts)),
        sa.select(inner.id).where(matches(sa.func.lower(inner.code), query)),
        sa.select(StatusEvent.commitment_id).where(matches(StatusEvent.note_search, query)))


# The search's ranking as two tables joined to the list, so listing.SORTS can name them in
# a fixed ORDER BY: a one-row table of the LIKE pattern, and one rank per matching
# recommendation (its commitments share it: ranking 25,000 commitments one by one took
# 0.3 s, 2,300 recommendations 30 ms).
NEEDLE = sa.table("search_needle", sa.column("pattern", sa.Text))
RANK = sa.table("search_rank", sa.column("recommendation_id", sa.Integer),
                sa.column("tier", sa.Integer), sa.column("closeness", sa.Float))


class word_similarity(sa.sql.functions.GenericFunction):
    """pg_trgm's word_similarity(word, text) on PostgreSQL. SQLite has none: every row
    ties there (a constant, not an integer literal, which SQLite would read as a column)."""

    type = sa.Float()
    inherit_cache = True


@compiles(word_similarity)
def _no_similarity(element, compiler, **kw):
    return "(0.0 * length(%s))" % compiler.process(list(element.clauses)[0], **kw)


@compiles(word_similarity, "postgresql")
def _pg_word_similarity(element, compiler, **kw):
    return "word_similarity(%s)" % compiler.process(element.clauses, **kw)


def ranking_tables(query: str) -> list[tuple]:
    """(table, ON clause) of NEEDLE and RANK for query, to join to the list."""
    needle = sa.select(sa.literal(_needle(query), sa.Text).label("pattern")).subquery(
        NEEDLE.name)
    r = aliased(Recommendation)
    # Titles are the first two lines of search_text, whose folding keeps every length.
    titles = sa.func.substr(r.search_text, 1,
                            sa.func.length(r.title_es) + sa.func.length(r.title_en) + 1)
    in_title = matches(titles, query)
    rank = (sa.select(r.id.label("recommendation_id"),
                      sa.case((in_title, 1), else_=2).label("tier"),
                      # on PostgreSQL, the title closest to the query first
                      sa.case((in_title, word_similarity(fold_text(query), titles)),
                              else_=0).label("closeness"))
            .where(matches(r.search_text, query)).subquery(RANK.name))
    return [(needle, sa.true()), (rank, rank.c.recommendation_id == Recommendation.id)]


# A code match first, then a title, then the text, then a note only (no rank).
RELEVANCE = (sa.case((sa.func.lower(Commitment.code).like(NEEDLE.c.pattern, escape="\\"), 0),
                     else_=sa.func.coalesce(RANK.c.tier, 3)),
             sa.func.coalesce(RANK.c.closeness, 0).desc())

# pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it. The
# migration creates it too; this is for schemas built from the models (tests).
_TRIGRAMS = sa.DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql")


def _fold_recommendation(mapper, connection, r: Recommendation) -> None:
    r.search_text = recommendation_search_text(r.title_es, r.title_en, r.text_es)


def _fold_note(mapper, connection, event: StatusEvent) -> None:
    event.note_search = fold_text(event.note)


def register_hooks() -> None:
    """Fold searched texts whenever they are written."""
    listen_once(Recommendation, "before_insert", _fold_recommendation)
    listen_once(Recommendation, "before_update", _fold_recommendation)
    listen_once(StatusEvent, "before_insert", _fold_note)
    listen_once(db.metadata, "before_create", _TRIGRAMS)
