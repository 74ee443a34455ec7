"""The review queue as a query: filters, text search and keyset pagination, oldest first.

Pages are keyset pages over the index (status, received_at, id): a page costs the same at row 10
and at row 900,000, with no OFFSET and no COUNT over the whole table.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    cast,
    column,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    tuple_,
)
from sqlalchemy.orm import Session

from core.directory import Directory
from review.actions import HELD
from review.search_index import MIN_TERM, TABLE, WORDS, match_expression, words_expression
from storage.models import Case, CaseAssignment, CaseStatus, Document

PAGE_SIZE = 50
WIB = timezone(timedelta(hours=7))

# confidence bands staff think in
BANDS: dict[str, tuple[float | None, float | None]] = {
    "rendah": (None, 0.5),
    "sedang": (0.5, 0.8),
    "tinggi": (0.8, None),
}
ALL = "semua"  # the status filter's "every status"
NOBODY = "kosong"  # the assignee filter's "nobody handles it"
CLOSED = (CaseStatus.ARCHIVED, CaseStatus.ANSWERED, CaseStatus.CLOSED)
STATUSES = (CaseStatus.NEEDS_REVIEW, HELD, CaseStatus.ROUTED, CaseStatus.BOUNCED, CaseStatus.ANSWERED,
            CaseStatus.REFERRED, CaseStatus.CLOSED, CaseStatus.ARCHIVED, CaseStatus.RECEIVED)


class CursorInvalid(ValueError):
    pass


@dataclass(frozen=True)
class QueueFilters:
    status: str = CaseStatus.NEEDS_REVIEW
    kind: str | None = None
    agency_type: str | None = None
    unit_id: str | None = None
    region: str | None = None
    malad_type: str | None = None
    band: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    q: str | None = None
    assignee: str | None = None  # a user name, or NOBODY
    overdue: bool = False  # past the deadline, not answered, not archived

    def query_params(self) -> dict[str, str]:
        """The filters as URL parameters (for links to other pages of the same queue)."""
        values = {
            "status": self.status, "kind": self.kind, "agency_type": self.agency_type, "unit": self.unit_id,
            "region": self.region, "type": self.malad_type, "band": self.band,
            "from": self.received_from.isoformat() if self.received_from else None,
            "to": self.received_to.isoformat() if self.received_to else None, "q": self.q,
            "oleh": self.assignee, "terlambat": "1" if self.overdue else None,
        }
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class QueueRow:
    id: int
    reference: str
    received_at: datetime
    subject: str
    complainant_name: str | None
    complainant_email: str | None
    kind: str | None
    unit_id: str | None
    maladministration: list[str]
    confidence: float | None
    status: str
    review_reasons: list[str]
    confidential: bool
    deadline_at: datetime | None = None
    assignee: str | None = None

    def days_left(self, now: datetime) -> int | None:
        """Whole days until the deadline (negative when past it)."""
        if self.deadline_at is None:
            return None
        return (self.deadline_at.astimezone(WIB).date() - now.astimezone(WIB).date()).days


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None  # older-to-newer: the page after this one
    prev_cursor: str | None  # the page before this one (None on the first page)
    notes: list[str] = field(default_factory=list)  # what staff should know about this page (ignored words)


def encode_cursor(received_at: datetime, case_id: int) -> str:
    raw = f"{received_at.astimezone(UTC).isoformat()}|{case_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, case_id = raw.partition("|")
        at = datetime.fromisoformat(stamp)
        if at.tzinfo is None:
            raise ValueError("naive")
        return at, int(case_id)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise CursorInvalid("Penanda halaman tidak sah.") from exc


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


SMALL_MATCH = 10_000  # up to this many search hits are looked up by id; with more, the queue index is walked


def _conditions(session: Session, directory: Directory, filters: QueueFilters, search_index: bool,
                notes: list[str]) -> list[ColumnElement[bool]]:
    """The WHERE terms of the queue. All but search and type use only columns of the queue index."""
    where: list[ColumnElement[bool]] = [] if filters.status == ALL else [Case.status == filters.status]
    if filters.kind:
        where.append(Case.kind == filters.kind)
    if filters.unit_id:
        where.append(Case.unit_id == filters.unit_id)
    # agency type and region are properties of the unit: the directory says which units qualify
    if filters.agency_type:
        units = [u.id for u in directory.units_of_type(filters.agency_type)]
        where.append(Case.unit_id.in_(units) if units else false())
    if filters.region:
        units = [u.id for u in directory.units if filters.region in u.covers]
        where.append(Case.unit_id.in_(units) if units else false())
    if filters.band == "kosong":
        where.append(Case.confidence.is_(None))
    elif filters.band in BANDS:
        low, high = BANDS[filters.band]
        if low is not None:
            where.append(Case.confidence >= low)
        if high is not None:
            where.append(Case.confidence < high)
    if filters.assignee:
        assigned = select(CaseAssignment.case_id)
        if filters.assignee == NOBODY:
            where.append(Case.id.not_in(assigned))
        else:
            where.append(Case.id.in_(assigned.where(CaseAssignment.username == filters.assignee)))
    if filters.overdue:
        where += [Case.deadline_at < datetime.now(UTC), Case.answered_at.is_(None), Case.status.not_in(CLOSED)]
    if filters.received_from:
        where.append(Case.received_at >= _start_of_day(filters.received_from))
    if filters.received_to:
        where.append(Case.received_at < _start_of_day(filters.received_to + timedelta(days=1)))
    words = (filters.q or "").split()[:MAX_WORDS]
    if search_index:
        if words:
            where += [_indexed_word(session, word) for word in words]
            if filters.malad_type:
                where.append(_malad_like(filters.malad_type))
            return where
        expression, _ = match_expression([], filters.malad_type)
        if expression:
            hits = list(session.scalars(text(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH :q LIMIT :n"),
                                        {"q": expression, "n": SMALL_MATCH + 1}))
            if len(hits) <= SMALL_MATCH:  # few hits: the page is found among them by id
                where.append(Case.id.in_(hits) if hits else false())
                return where
            # many hits: they are dense, so walking the queue index meets a page of them soon
    if filters.malad_type:
        where.append(_malad_like(filters.malad_type))
    return where + [or_(*_words_like([word]), _in_documents(session, word)) for word in words]


MAX_WORDS = 8


def _malad_like(malad_type: str) -> ColumnElement[bool]:
    """The JSON list is stored as text on both SQLite and PostgreSQL."""
    return cast(Case.maladministration, String).like(_like_pattern(f'"{malad_type}"'), escape="\\")


def _indexed_word(session: Session, word: str) -> ColumnElement[bool]:
    """Cases holding `word`: as a substring of their fields (trigram index, three or more characters) or as a
    word of their fields, body or attachments (word index, any length)."""
    ids: set[int] = set()
    complete = True
    expression, exact = match_expression([word]) if len(word) >= MIN_TERM else (None, True)
    if expression:
        hits = list(session.scalars(text(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH :q LIMIT :n"),
                                    {"q": expression, "n": SMALL_MATCH + 1}))
        if len(hits) > SMALL_MATCH:
            complete = False
        elif hits and not exact:  # the parts of a word were found; keep the cases holding it whole
            hits = list(session.scalars(select(Case.id).where(Case.id.in_(hits), *_words_like([word]))))
        ids.update(hits)
    words = words_expression(word)
    if words:
        hits = list(session.scalars(text(f"SELECT rowid FROM {WORDS} WHERE {WORDS} MATCH :q LIMIT :n"),
                                    {"q": words, "n": SMALL_MATCH + 1}))
        complete = complete and len(hits) <= SMALL_MATCH
        ids.update(hits)
    if complete:  # few hits: the page is found among them by id
        return Case.id.in_(sorted(ids)) if ids else false()
    # many hits: they are dense, so walking the queue index meets a page of them soon
    # the word index's hits as one list SQLite builds once (7 ms for 25,000 hits); a MATCH per row of the
    # walk instead (EXISTS … rowid = id) measured 100 times slower
    index = table(WORDS, column("rowid"))
    in_words = Case.id.in_(select(index.c.rowid).where(literal_column(WORDS).op("MATCH")(words or '""')))
    return or_(*_words_like([word]), in_words)


def _in_documents(session: Session, word: str) -> ColumnElement[bool]:
    """Cases whose body or an attachment holds `word` (databases without the FTS5 index): PostgreSQL's full
    text search over the documents' GIN index (migration 0010), elsewhere LIKE."""
    raws: Any
    if session.get_bind().dialect.name == "postgresql":
        vector = func.to_tsvector(literal_column("'simple'::regconfig"), Document.text)
        query = func.plainto_tsquery(literal_column("'simple'::regconfig"), word)
        raws = select(Document.raw_message_id).where(vector.op("@@")(query))
    else:
        raws = select(Document.raw_message_id).where(Document.text.ilike(_like_pattern(word), escape="\\"))
    return Case.raw_message_id.in_(raws)


def _words_like(words: list[str]) -> list[ColumnElement[bool]]:
    """Every word, in any case, somewhere in the reference, subject, complainant's name or address."""
    return [or_(*(column.ilike(_like_pattern(word), escape="\\") for column in
                  (Case.subject, Case.reference, Case.complainant_name, Case.complainant_email)))
            for word in words]


def find_reference(session: Session, q: str | None) -> int | None:
    """The case whose reference is exactly what was typed (any case), for the search box to open it."""
    typed = (q or "").strip()
    if not typed or " " in typed or len(typed) > 64:
        return None
    return session.scalar(select(Case.id).where(Case.reference.in_({typed, typed.upper()})))


def _start_of_day(day: date) -> datetime:
    """Dates in the filters are office (WIB) dates."""
    return datetime.combine(day, time.min, tzinfo=WIB)


ROW_COLUMNS = (Case.id, Case.reference, Case.received_at, Case.subject, Case.complainant_name,
               Case.complainant_email, Case.kind, Case.unit_id, Case.maladministration, Case.confidence,
               Case.status, Case.review_reasons, Case.confidential, Case.deadline_at)


def queue_page(session: Session, directory: Directory, filters: QueueFilters, *, after: str | None = None,
               before: str | None = None, page_size: int = PAGE_SIZE, search_index: bool = False) -> QueuePage:
    """One page of the queue, oldest first, after the `after` cursor (or before `before`).

    First the ids of the page from the queue index (status, received_at, id, kind, unit_id,
    confidence) alone, then their rows by id.
    """
    notes: list[str] = []
    where = _conditions(session, directory, filters, search_index, notes)
    key = tuple_(Case.received_at, Case.id)
    query = select(Case.id).where(*where)
    if before:
        at, case_id = decode_cursor(before)
        query = query.where(key < tuple_(literal(at, Case.received_at.type), literal(case_id)))
        query = query.order_by(Case.received_at.desc(), Case.id.desc())
    else:
        if after:
            at, case_id = decode_cursor(after)
            query = query.where(key > tuple_(literal(at, Case.received_at.type), literal(case_id)))
        query = query.order_by(Case.received_at, Case.id)
    ids = list(session.scalars(query.limit(page_size + 1)))
    more = len(ids) > page_size
    ids = ids[:page_size]
    if before:
        ids.reverse()
    by_id = {r.id: _row(r) for r in session.execute(select(*ROW_COLUMNS).where(Case.id.in_(ids)))} if ids else {}
    handled = {a.case_id: a.username for a in session.scalars(
        select(CaseAssignment).where(CaseAssignment.case_id.in_(ids)))} if ids else {}
    rows = [replace(by_id[i], assignee=handled.get(i)) for i in ids if i in by_id]
    first, last = (rows[0], rows[-1]) if rows else (None, None)
    if before:
        next_cursor = encode_cursor(last.received_at, last.id) if last else None
        prev_cursor = encode_cursor(first.received_at, first.id) if first and more else None
    else:
        next_cursor = encode_cursor(last.received_at, last.id) if last and more else None
        prev_cursor = encode_cursor(first.received_at, first.id) if first and after else None
    return QueuePage(rows=rows, next_cursor=next_cursor, prev_cursor=prev_cursor, notes=notes)


def _row(r: Any) -> QueueRow:
    return QueueRow(
        id=r.id, reference=r.reference, received_at=r.received_at, subject=r.subject,
        complainant_name=r.complainant_name, complainant_email=r.complainant_email, kind=r.kind,
        unit_id=r.unit_id, maladministration=list(r.maladministration or []), confidence=r.confidence,
        status=r.status, review_reasons=list(r.review_reasons or []), confidential=bool(r.confidential),
        deadline_at=r.deadline_at,
    )

