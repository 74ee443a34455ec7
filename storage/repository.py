"""Small, explicit queries and writes over a Session. The caller owns the transaction."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from narahubung.directory import Directory
from storage.blobs import BlobStore, sha256_of
from storage.models import (
    AuditEvent,
    Case,
    FocalPointRow,
    RawMessage,
    RawStatus,
    ReferenceCounter,
    UnitRow,
)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def store_raw(
    session: Session,
    blobs: BlobStore,
    data: bytes,
    *,
    source: str,
    received_at: datetime,
    mailbox: str | None = None,
    uidvalidity: int | None = None,
    uid: int | None = None,
    filename: str | None = None,
    content_type: str = "message/rfc822",
    message_id: str | None = None,
) -> RawMessage:
    """Keep the bytes on disk first, then the row. The same bytes seen before become a duplicate."""
    digest = blobs.put(data)
    earlier = session.scalar(
        select(RawMessage.id)
        .where(RawMessage.sha256 == digest, RawMessage.status != RawStatus.DUPLICATE)
        .order_by(RawMessage.id)
        .limit(1)
    )
    raw = RawMessage(
        source=source,
        mailbox=mailbox,
        uidvalidity=uidvalidity,
        uid=uid,
        filename=filename,
        message_id=message_id,
        sha256=digest,
        size=len(data),
        content_type=content_type,
        received_at=received_at,
        status=RawStatus.DUPLICATE if earlier else RawStatus.PENDING,
        duplicate_of_id=earlier,
        defects=[],
    )
    session.add(raw)
    session.flush()
    audit(session, "raw_message", raw.id, "stored", to_status=raw.status, detail={"sha256": digest})
    return raw


def known_sha256(session: Session, data: bytes) -> bool:
    return session.scalar(select(func.count()).where(RawMessage.sha256 == sha256_of(data))) > 0


def last_uids(session: Session, mailbox: str) -> dict[int, int]:
    """UIDVALIDITY -> highest UID stored for that mailbox."""
    rows = session.execute(
        select(RawMessage.uidvalidity, func.max(RawMessage.uid))
        .where(RawMessage.mailbox == mailbox, RawMessage.uidvalidity.is_not(None))
        .group_by(RawMessage.uidvalidity)
    )
    return {int(v): int(u) for v, u in rows if u is not None}


def pending_raw_ids(session: Session) -> list[int]:
    return list(
        session.scalars(select(RawMessage.id).where(RawMessage.status == RawStatus.PENDING).order_by(RawMessage.id))
    )


def next_reference(session: Session, prefix: str, year: int) -> str:
    """Hand out the next gap-free number of `year` inside the caller's transaction."""
    counter = session.get(ReferenceCounter, year, with_for_update=True)
    if counter is None:
        counter = ReferenceCounter(year=year, last_number=0)
        session.add(counter)
    counter.last_number += 1
    session.flush()
    return f"{prefix}/{year}/{counter.last_number:06d}"


def audit(
    session: Session,
    entity: str,
    entity_id: object,
    action: str,
    *,
    actor: str = "system",
    from_status: str | None = None,
    to_status: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEvent(
            at=utcnow(),
            actor=actor,
            entity=entity,
            entity_id=str(entity_id),
            action=action,
            from_status=from_status,
            to_status=to_status,
            detail=detail or {},
        )
    )


def set_case_status(session: Session, case: Case, status: str, action: str, **detail: Any) -> None:
    previous = case.status
    case.status = status
    case.updated_at = utcnow()
    audit(session, "case", case.reference, action, from_status=previous, to_status=status, detail=detail)


def sync_directory(session: Session, directory: Directory) -> int:
    """Mirror the YAML directory into the units/focal_points tables. Returns the number of units."""
    existing = {u.id: u for u in session.scalars(select(UnitRow))}
    seen: set[str] = set()
    for unit in directory.units:
        row = existing.get(unit.id) or UnitRow(id=unit.id)
        row.agency_type = unit.type
        row.name = unit.name
        row.covers = list(unit.covers)
        row.active = True
        wanted = [(fp.name, fp.title, fp.email, fp.phone, fp.role) for fp in unit.focal_points]
        current = [(fp.name, fp.title, fp.email, fp.phone, fp.role) for fp in row.focal_points]
        if wanted != current:
            row.focal_points = [
                FocalPointRow(position=i, name=n, title=t, email=e, phone=p, role=r)
                for i, (n, t, e, p, r) in enumerate(wanted)
            ]
        session.add(row)
        seen.add(unit.id)
    for unit_id, row in existing.items():
        if unit_id not in seen:
            row.active = False
    return len(seen)
