"""Bringing a set of minutes in: the original kept, its text stored as a source document,
and the extractor's proposals stored as draft items for the secretariat to review.

Nothing here creates a recommendation or a commitment: that is publishing
(tracker.importer.publish), after review (tracker.importer.review)."""

import hashlib
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import PurePath

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from tracker.accounts import admin_log
from tracker.core.labels import LANGUAGE_LABELS
from tracker.evidence.checks import safe_filename
from tracker.evidence.files import NotStored, commit_with_file, file_store
from tracker.extensions import db
from tracker.importer.minutes import (
    DocumentText,
    MinutesRefused,
    ProposedItem,
    extract_items,
    find_duplicates,
    read_document,
)
from tracker.importer.review import lock_meeting
from tracker.models import (
    ContextItem,
    DraftDecision,
    DraftItem,
    DraftKind,
    Meeting,
    Recommendation,
    SourceDocument,
    WorkingTable,
)
from tracker.permissions import Actor, can_administer, ensure

SECTION_MAX = DraftItem.section.type.length  # a heading, cut to what the column holds
# Minutes hold tens of items, a long declaration a few hundred: more is not minutes, and a
# review page (and the duplicate search) of tens of thousands would never answer.
MAX_ITEMS = 1000
# The names a file of each format may have; another name is refused, as evidence is, so
# that what is downloaded later is what its name says.
EXTENSIONS = {"docx": {".docx"}, "odt": {".odt"}, "pdf": {".pdf"},
              "text": {".txt", ".text", ""}, "markdown": {".md", ".markdown", ".txt", ""}}


@dataclass(frozen=True)
class Proposal:
    """What the extractor would propose for a file, with its duplicates: `minutes extract`
    prints it, `import_minutes` stores it."""

    document: DocumentText
    items: list[ProposedItem]
    duplicates: list[tuple[str, float] | None]  # per item: (key, score) or None


def propose(data: bytes, filename: str, *, language: str = "es",
            meeting: Meeting | None = None,
            others: list[tuple[str, list[ProposedItem]]] | None = None) -> Proposal:
    """Read a file and propose its items; writes nothing.

    Duplicates are looked for among `others` (the items of files read in the same run, keyed
    "<name>#<n>") and, with a meeting, its published items ("item:<code>") and the drafts
    of its other documents ("draft:<id>")."""
    if language not in LANGUAGE_LABELS:
        raise MinutesRefused(_l("Choose Spanish or English as the document's language."),
                             "language")
    document = read_document(data, filename, max_bytes=current_app.config["MINUTES_MAX_BYTES"])
    if PurePath(filename).suffix.lower() not in EXTENSIONS.get(document.format, set()):
        raise MinutesRefused(_l("This file's name does not match its content (a %(format)s "
                                "document): give it its right extension.",
                                format=document.format.upper()))
    items = extract_items(document, language=language)
    if len(items) > MAX_ITEMS:
        raise MinutesRefused(_l("More than %(count)d items were found: this does not look like "
                                "a set of minutes. Upload each meeting's minutes on their own.",
                                count=MAX_ITEMS))
    candidates = _meeting_candidates(meeting) if meeting is not None else []
    for name, items_before in others or []:  # already extracted: not read twice
        candidates += [(f"{name}#{n}", item.text) for n, item in enumerate(items_before)]
    matches = find_duplicates([item.text for item in items], candidates)
    return Proposal(document, items,
                    [(m.key, m.score) if m else None for m in matches])


def import_minutes(actor: Actor, meeting: Meeting, *, data: bytes, filename: str,
                   language: str = "es", title: str | None = None,
                   restricted: bool = False) -> SourceDocument:
    """Keep the original, store its text as a source document of the meeting and its
    proposed items as drafts. One commit; refused input writes nothing."""
    ensure(can_administer(actor))
    if not filename:
        raise MinutesRefused(_l("Choose the file of the minutes."))
    sha256 = hashlib.sha256(data).hexdigest()
    same = db.session.scalar(sa.select(SourceDocument.code)
                             .filter_by(meeting_id=meeting.id, sha256=sha256))
    if same is not None:
        raise MinutesRefused(_l("This file is already imported in this meeting as "
                                "«%(code)s».", code=same))
    proposal = propose(data, filename, language=language, meeting=meeting)
    same_text = db.session.scalar(sa.select(SourceDocument.code).filter_by(
        meeting_id=meeting.id, text=proposal.document.text))
    if same_text is not None:  # the same minutes in another encoding or format
        raise MinutesRefused(_l("The same text is already imported in this meeting as "
                                "«%(code)s».", code=same_text))
    name = safe_filename(filename)
    document = SourceDocument(
        code=_document_code(name), meeting=meeting,
        title=(title or "").strip()[:300] or PurePath(name).stem[:300] or name,
        language=language, filename=name, text=proposal.document.text, sha256=sha256,
        stored_name=uuid.uuid4().hex, original_filename=name,
        content_type=proposal.document.content_type, size=len(data), restricted=restricted,
        public=False)  # until items from it are published
    db.session.add(document)
    for position, (item, duplicate) in enumerate(zip(proposal.items, proposal.duplicates,
                                                     strict=True)):
        document.drafts.append(_draft(position, item, duplicate, document.title))
    admin_log.record(actor, "minutes.import", f"document {document.code}",
                     meeting=meeting.code, filename=name, items=len(proposal.items))
    _store_and_commit(document, data)
    return document


def discard_document(actor: Actor, document: SourceDocument) -> None:
    """Remove an uploaded document nothing was published from (its drafts, its text, its
    original): a wrong upload, never public, leaves no trace but the admin log."""
    ensure(can_administer(actor))
    lock_meeting(document.meeting_id)
    db.session.refresh(document)
    if document.public or any(d.is_published for d in document.drafts):
        raise MinutesRefused(_l("Items from this document are published: it stays, as their "
                                "source."))
    db.session.execute(sa.update(DraftItem).where(DraftItem.duplicate_of_id.in_(
        sa.select(DraftItem.id).filter_by(document_id=document.id)))
        .values(duplicate_of_id=None, duplicate_score=None))
    for draft in document.drafts:
        db.session.delete(draft)
    admin_log.record(actor, "minutes.discard", f"document {document.code}",
                     filename=document.original_filename)
    db.session.delete(document)
    if document.is_file:
        file_store().remove(document)
    db.session.commit()


def _draft(position: int, item: ProposedItem, duplicate: tuple[str, float] | None,
           document_title: str) -> DraftItem:
    draft = DraftItem(
        position=position, kind=DraftKind(item.kind), year=item.year, text=item.text,
        section=_cut(item.section, SECTION_MAX),
        # The document's own title stands for its working table when it names none.
        working_table=_cut(item.working_table or document_title, SECTION_MAX),
        reason=item.reason, reason_detail=_cut(item.reason_detail, SECTION_MAX),
        title_es=None, title_en=None, decision=DraftDecision.PENDING)
    if duplicate is not None:
        key, draft.duplicate_score = duplicate
        kind, _, target = key.partition(":")
        if kind == "draft":
            draft.duplicate_of_id = int(target)
        else:
            draft.duplicate_code = target
    return draft


def _store_and_commit(document: SourceDocument, data: bytes) -> None:
    try:
        commit_with_file(document, data)
    except NotStored:
        raise MinutesRefused(_l(
            "The server could not store the file just now: its disk is full or cannot "
            "be written. Nothing was saved. Retry later.")) from None
    except IntegrityError:  # another upload of the same name took its code meanwhile
        raise MinutesRefused(_l("Another document was uploaded under this name at the same "
                                "moment: upload it again.")) from None


def _meeting_candidates(meeting: Meeting) -> list[tuple[str, str]]:
    """The meeting's published items and its documents' live drafts, as (key, text)."""
    tables = sa.select(WorkingTable.id).filter_by(meeting_id=meeting.id)
    candidates = [(f"item:{code}", text) for code, text in db.session.execute(
        sa.select(Recommendation.code, Recommendation.text_es)
        .where(Recommendation.working_table_id.in_(tables)))]
    candidates += [(f"item:{code}", text) for code, text in db.session.execute(
        sa.select(ContextItem.code, ContextItem.text_es)
        .where(ContextItem.working_table_id.in_(tables)))]
    candidates += [(f"draft:{draft_id}", text) for draft_id, text in db.session.execute(
        sa.select(DraftItem.id, DraftItem.text).join(DraftItem.document)
        .where(SourceDocument.meeting_id == meeting.id, DraftItem.published_code.is_(None),
               DraftItem.decision.in_([DraftDecision.PENDING, DraftDecision.ACCEPTED])))]
    return candidates


def _document_code(filename: str) -> str:
    """A readable, unique code from the file's name: `acta-mesa-2026`, then `-2`, `-3`..."""
    stem = unicodedata.normalize("NFKD", PurePath(filename).stem).encode("ascii", "ignore")
    base = re.sub(r"[^a-z0-9]+", "-", stem.decode().lower()).strip("-")[:60] or "minutes"
    taken = set(db.session.scalars(sa.select(SourceDocument.code)
                                   .where(SourceDocument.code.startswith(base))))
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}-{n}"
    return code


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
