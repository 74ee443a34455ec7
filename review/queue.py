"""The review queue as a query: filters, text search and keyset pagination, oldest first.

Pages are keyset pages over the index (status, received_at, id): a page costs the same at row 10
and at row 900,000, with no OFFSET and no COUNT over the whole table.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import String, Select, and_, cast, false, or_, select
from sqlalchemy.orm import Session

from narahubung.directory import Directory
from storage.models import Case, CaseStatus

PAGE_SIZE = 50
WIB = timezone(timedelta(hours=7))

# confidence bands staff think in
BANDS: dict[str, tuple[float | None, float | None]] = {
    "rendah": (None, 0.5),
    "sedang": (0.5, 0.8),
    "tinggi": (0.8, None),
}
STATUSES = (CaseStatus.NEEDS_REVIEW, CaseStatus.ROUTED, CaseStatus.ARCHIVED, CaseStatus.RECEIVED)


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


def encode_cursor(received_at: datetime, case_id: int) -> str:
    raw = f"{received_at.astimezone(timezone.utc).isoformat()}|{case_id}".encode()
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


def filtered(filters: QueueFilters, directory: Directory) -> Select[Any]:
    """The queue's WHERE clause on `cases`, without order or page."""
    query = select(
        Case.id, Case.reference, Case.received_at, Case.subject, Case.complainant_name, Case.complainant_email,
        Case.kind, Case.unit_id, Case.maladministration, Case.confidence, Case.status, Case.review_reasons,
        Case.confidential,
    ).where(Case.status == filters.status)
    if filters.kind:
        query = query.where(Case.kind == filters.kind)
    if filters.unit_id:
        query = query.where(Case.unit_id == filters.unit_id)
    # agency type and region are properties of the unit: the directory says which units qualify
    if filters.agency_type:
        units = [u.id for u in directory.units_of_type(filters.agency_type)]
        query = query.where(Case.unit_id.in_(units) if units else false())
    if filters.region:
        units = [u.id for u in directory.units if filters.region in u.covers]
        query = query.where(Case.unit_id.in_(units) if units else false())
    if filters.malad_type:
        # JSON list stored as text on both SQLite and PostgreSQL: match the quoted id
        query = query.where(cast(Case.maladministration, String).like(_like_pattern(f'"{filters.malad_type}"'),
                                                                      escape="\\"))
    if filters.band == "kosong":
        query = query.where(Case.confidence.is_(None))
    elif filters.band in BANDS:
        low, high = BANDS[filters.band]
        if low is not None:
            query = query.where(Case.confidence >= low)
        if high is not None:
            query = query.where(Case.confidence < high)
    if filters.received_from:
        query = query.where(Case.received_at >= _start_of_day(filters.received_from))
    if filters.received_to:
        query = query.where(Case.received_at < _start_of_day(filters.received_to + timedelta(days=1)))
    if filters.q and filters.q.strip():
        pattern = _like_pattern(filters.q.strip())
        query = query.where(
            or_(*(column.ilike(pattern, escape="\\") for column in
                  (Case.subject, Case.reference, Case.complainant_name, Case.complainant_email)))
        )
    return query


def _start_of_day(day: date) -> datetime:
    """Dates in the filters are office (WIB) dates."""
    return datetime.combine(day, time.min, tzinfo=WIB)


def queue_page(session: Session, directory: Directory, filters: QueueFilters, *, after: str | None = None,
               before: str | None = None, page_size: int = PAGE_SIZE) -> QueuePage:
    """One page of the queue, oldest first, after the `after` cursor (or before `before`)."""
    base = filtered(filters, directory)
    key = (Case.received_at, Case.id)
    if before:
        at, case_id = decode_cursor(before)
        query = base.where(or_(Case.received_at < at, and_(Case.received_at == at, Case.id < case_id)))
        query = query.order_by(Case.received_at.desc(), Case.id.desc()).limit(page_size + 1)
        found = list(session.execute(query))
        has_more_before = len(found) > page_size
        rows = [_row(r) for r in reversed(found[:page_size])]
        return QueuePage(
            rows=rows,
            next_cursor=encode_cursor(rows[-1].received_at, rows[-1].id) if rows else None,
            prev_cursor=encode_cursor(rows[0].received_at, rows[0].id) if rows and has_more_before else None,
        )
    query = base
    if after:
        at, case_id = decode_cursor(after)
        query = query.where(or_(Case.received_at > at, and_(Case.received_at == at, Case.id > case_id)))
    query = query.order_by(*key).limit(page_size + 1)
    found = list(session.execute(query))
    rows = [_row(r) for r in found[:page_size]]
    return QueuePage(
        rows=rows,
        next_cursor=encode_cursor(rows[-1].received_at, rows[-1].id) if len(found) > page_size else None,
        prev_cursor=encode_cursor(rows[0].received_at, rows[0].id) if rows and after else None,
    )


def _row(r: Any) -> QueueRow:
    return QueueRow(
        id=r.id, reference=r.reference, received_at=r.received_at, subject=r.subject,
        complainant_name=r.complainant_name, complainant_email=r.complainant_email, kind=r.kind,
        unit_id=r.unit_id, maladministration=list(r.maladministration or []), confidence=r.confidence,
        status=r.status, review_reasons=list(r.review_reasons or []), confidential=bool(r.confidential),
    )


def with_status(filters: QueueFilters, status: str) -> QueueFilters:
    return replace(filters, status=status)
