"""The review queue as a query: filters, text search and keyset pagination, oldest first.

Pages are keyset pages over the index (status, received_at, id): a page costs the same at row 10
and at row 900,000, with no OFFSET and no COUNT over the whole table.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    cast,
    false,
    literal,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.orm import Session

from core.directory import Directory
from review.actions import HELD
from review.search_index import MIN_TERM, TABLE, match_expression
from storage.models import Case, CaseStatus

PAGE_SIZE = 50
WIB = timezone(timedelta(hours=7))

# confidence bands staff think in
BANDS: dict[str, tuple[float | None, float | None]] = {
    "rendah": (None, 0.5),
    "sedang": (0.5, 0.8),
    "tinggi": (0.8, None),
}
STATUSES = (CaseStatus.NEEDS_REVIEW, HELD, CaseStatus.ROUTED, CaseStatus.BOUNCED, CaseStatus.ANSWERED,
            CaseStatus.REFERRED, CaseStatus.ARCHIVED, CaseStatus.RECEIVED)


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

    def query_params(self) -> dict[str, str]:
        """The filters as URL parameters (for links to other pages of the same queue)."""
        values = {
            "status": self.status, "kind": self.kind, "agency_type": self.agency_type, "unit": self.unit_id,
            "region": self.region, "type": self.malad_type, "band": self.band,
            "from": self.received_from.isoformat() if self.received_from else None,
            "to": self.received_to.isoformat() if self.received_to else None, "q": self.q,
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
    where: list[ColumnElement[bool]] = [Case.status == filters.status]
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
    if filters.received_from:
        where.append(Case.received_at >= _start_of_day(filters.received_from))
    if filters.received_to:
        where.append(Case.received_at < _start_of_day(filters.received_to + timedelta(days=1)))
    words = (filters.q or "").split()
    if search_index:
        short = [w for w in words if len(w) < MIN_TERM]
        if short:
            notes.append(f"Kata pencarian kurang dari {MIN_TERM} huruf diabaikan: {', '.join(short)}.")
        words = [w for w in words if len(w) >= MIN_TERM]
        expression, exact = match_expression(words, filters.malad_type)
        if expression:
            hits = list(session.scalars(text(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH :q LIMIT :n"),
                                        {"q": expression, "n": SMALL_MATCH + 1}))
            if len(hits) <= SMALL_MATCH:  # few hits: the page is found among them by id
                if hits and not exact:  # the parts of a word were found; keep the cases holding it whole
                    hits = list(session.scalars(select(Case.id).where(Case.id.in_(hits), *_words_like(words))))
                where.append(Case.id.in_(hits) if hits else false())
                return where
            # many hits: they are dense, so walking the queue index meets a page of them soon
    if filters.malad_type:  # the JSON list is stored as text on both SQLite and PostgreSQL
        where.append(cast(Case.maladministration, String).like(_like_pattern(f'"{filters.malad_type}"'), escape="\\"))
    return where + _words_like(words)


def _words_like(words: list[str]) -> list[ColumnElement[bool]]:
    """Every word, in any case, somewhere in the reference, subject, complainant's name or address."""
    return [or_(*(column.ilike(_like_pattern(word), escape="\\") for column in
                  (Case.subject, Case.reference, Case.complainant_name, Case.complainant_email)))
            for word in words]


def _start_of_day(day: date) -> datetime:
    """Dates in the filters are office (WIB) dates."""
    return datetime.combine(day, time.min, tzinfo=WIB)


ROW_COLUMNS = (Case.id, Case.reference, Case.received_at, Case.subject, Case.complainant_name,
               Case.complainant_email, Case.kind, Case.unit_id, Case.maladministration, Case.confidence,
               Case.status, Case.review_reasons, Case.confidential)


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
    rows = [by_id[i] for i in ids if i in by_id]
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
    )

