"""Read-only views over storage for the CLI."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from routing.draft import tanggal
from storage.db import make_engine, session_factory
from storage.models import Case


def case_rows(database_url: str, status: str | None = None, limit: int = 50) -> list[tuple[str, ...]]:
    """Newest cases first, as display strings."""
    factory = session_factory(make_engine(database_url))
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
