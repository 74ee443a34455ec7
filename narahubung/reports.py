"""Read-only views over storage for the CLI."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from routing.deadlines import overdue
from routing.draft import tanggal
from storage.db import open_database
from storage.models import Case, Document, RawMessage, RawStatus


def case_rows(database_url: str, status: str | None = None, limit: int = 50) -> list[tuple[str, ...]]:
    """Newest cases first, as display strings."""
    factory = open_database(database_url, migrate=False).factory
    query = select(Case).options(selectinload(Case.deliveries)).order_by(Case.id.desc()).limit(limit)
    if status:
        query = query.where(Case.status == status)
    with factory() as session:
        return [
            (
                case.reference,
                tanggal(case.received_at),
                case.kind or "-",
                case.status,
                case.unit_id or "-",
                ", ".join(case.maladministration) or "-",
                f"{case.confidence:.2f}" if case.confidence is not None else "-",
                ", ".join(f"{d.status}→{', '.join(d.to_addrs)}" for d in case.deliveries) or "-",
            )
            for case in session.scalars(query)
        ]


def quarantine_rows(database_url: str, limit: int = 100) -> list[tuple[str, ...]]:
    """Raw messages that failed or were cut, and documents whose text could not be extracted."""
    factory = open_database(database_url, migrate=False).factory
    with factory() as session:
        failed = session.scalars(
            select(RawMessage)
            .options(selectinload(RawMessage.case))
            .where(RawMessage.status == RawStatus.FAILED)
            .order_by(RawMessage.id.desc())
            .limit(limit)
        ).all()
        documents = session.execute(
            select(Document, RawMessage)
            .join(RawMessage, RawMessage.id == Document.raw_message_id)
            .options(selectinload(RawMessage.case))
            .where(Document.error.is_not(None))
            .order_by(Document.id.desc())
            .limit(limit)
        ).all()
        rows: list[tuple[str, ...]] = [
            (_label(raw), tanggal(raw.received_at), raw.case.reference if raw.case else "-", "pesan", raw.error or "-")
            for raw in failed
        ]
        rows += [
            (_label(raw), tanggal(raw.received_at), raw.case.reference if raw.case else "-",
             doc.filename or doc.part, doc.error or "-")
            for doc, raw in documents
        ]
        return rows[:limit]


def _label(raw: RawMessage) -> str:
    if raw.mailbox:
        return f"{raw.mailbox} UID {raw.uid}"
    return raw.filename or raw.message_id or f"#{raw.id}"


def overdue_rows(database_url: str, now: datetime, limit: int = 200) -> list[tuple[str, ...]]:
    """Routed cases past their deadline with no answer from the focal point, oldest deadline first."""
    factory = open_database(database_url, migrate=False).factory
    with factory() as session:
        return [
            (
                case.reference,
                tanggal(case.received_at),
                case.unit_id or "-",
                tanggal(case.deadline_at),
                f"{(now - case.deadline_at).days} hari",
                str(case.reminders_sent),
                tanggal(case.escalated_at) if case.escalated_at else "-",
                ", ".join(sorted({a for d in case.deliveries if d.purpose == "forward" for a in d.to_addrs})) or "-",
            )
            for case in overdue(session, now)[:limit]
        ]
