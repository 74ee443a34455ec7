"""Staff working together: who handles a case, who has it open, saved queue filters, the audit log.

Plain functions over a Session (the caller commits), and one in-memory presence tracker per app.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from storage import repository as repo
from storage.models import AuditEvent, Case, CaseAssignment, SavedFilter, User

MAX_FILTERS = 30  # per staff member
KEPT_PARAMS = ("status", "kind", "agency_type", "unit", "region", "type", "band", "from", "to", "q", "oleh",
               "terlambat")


class Presence:
    """Who has which case open right now (the page reports every `ttl`/3 seconds); in this process only."""

    def __init__(self, ttl: float = 90.0, clock=time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._seen: dict[int, dict[str, float]] = {}
        self._lock = threading.Lock()

    def seen(self, case_id: int, username: str) -> list[str]:
        """Record that `username` has the case open; the others who have it open, by name."""
        now = self._clock()
        with self._lock:
            viewers = self._seen.setdefault(case_id, {})
            viewers[username] = now
            for name, at in list(viewers.items()):
                if now - at > self._ttl:
                    del viewers[name]
            return sorted(name for name in viewers if name != username)

    def left(self, case_id: int, username: str) -> None:
        with self._lock:
            self._seen.get(case_id, {}).pop(username, None)


# --- assignment -----------------------------------------------------------------------------------


def staff_names(session: Session) -> list[str]:
    return list(session.scalars(select(User.username).where(User.active).order_by(User.username)))


def assignees(session: Session, case_ids: Iterable[int]) -> dict[int, str]:
    ids = list(case_ids)
    if not ids:
        return {}
    rows = session.execute(select(CaseAssignment.case_id, CaseAssignment.username)
                           .where(CaseAssignment.case_id.in_(ids)))
    return {case_id: name for case_id, name in rows}  # noqa: C416 (Row pairs, typed)


class AssignRefused(ValueError):
    pass


def assign(session: Session, case_ids: Sequence[int], username: str | None, *, actor: str) -> int:
    """Give the cases to `username` (None: to nobody); audited per case. Returns how many changed."""
    if username is not None and username not in staff_names(session):
        raise AssignRefused(f"Tidak ada staf aktif bernama {username}.")
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(list(case_ids))))}
    current = {a.case_id: a for a in session.scalars(select(CaseAssignment)
                                                     .where(CaseAssignment.case_id.in_(list(cases))))}
    changed = 0
    for case_id, case in cases.items():
        row = current.get(case_id)
        before = row.username if row else None
        if before == username:
            continue
        if username is None:
            session.delete(row)
        elif row is None:
            session.add(CaseAssignment(case_id=case_id, username=username, assigned_by=actor,
                                       assigned_at=datetime.now(UTC)))
        else:
            row.username, row.assigned_by, row.assigned_at = username, actor, datetime.now(UTC)
        repo.audit(session, "case", case.reference, "assigned", actor=actor,
                   detail={"from": before, "to": username})
        changed += 1
    session.flush()
    return changed


@dataclass(frozen=True)
class CaseWork:
    assignee: str | None
    staff: list[str]


def case_work(session: Session, case_id: int) -> CaseWork:
    """What the case page shows about who handles the case."""
    return CaseWork(assignees(session, [case_id]).get(case_id), staff_names(session))


# --- saved filters -----------------------------------------------------------------------------------


def clean_query(query: str) -> str:
    """Only the queue's filter parameters, never a page cursor."""
    pairs = [(k, v) for k, v in parse_qsl(query.lstrip("?"), keep_blank_values=False) if k in KEPT_PARAMS and v]
    return urlencode(pairs)


def saved_filters(session: Session, username: str) -> list[SavedFilter]:
    return list(session.scalars(select(SavedFilter).where(SavedFilter.username == username)
                                .order_by(SavedFilter.name)))


def save_filter(session: Session, username: str, name: str, query: str) -> SavedFilter:
    name = " ".join(name.split())[:100]
    if not name:
        raise AssignRefused("Beri nama filter yang disimpan.")
    row = session.scalar(select(SavedFilter).where(SavedFilter.username == username, SavedFilter.name == name))
    if row is None:
        if len(saved_filters(session, username)) >= MAX_FILTERS:
            raise AssignRefused(f"Paling banyak {MAX_FILTERS} filter tersimpan; hapus satu dulu.")
        row = SavedFilter(username=username, name=name, created_at=datetime.now(UTC))
        session.add(row)
    row.query = clean_query(query)
    session.flush()
    return row


def delete_filter(session: Session, username: str, filter_id: int) -> bool:
    result = session.execute(delete(SavedFilter).where(SavedFilter.id == filter_id, SavedFilter.username == username))
    return bool(getattr(result, "rowcount", 0))


# --- the audit log ------------------------------------------------------------------------------------

AUDIT_KINDS = {
    "masuk": "masuk dan gagal masuk",
    "kasus": "tindakan pada kasus",
    "unit": "perubahan direktori",
    "pengguna": "akun staf",
    "pengiriman": "pengiriman surat",
}
AUDIT_PAGE = 100


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    older: int | None  # the id to continue below, when there are older events


def audit_page(session: Session, *, kind: str | None = None, actor: str | None = None,
               before: int | None = None, size: int = AUDIT_PAGE) -> AuditPage:
    """The audit log, newest first, in keyset pages by id."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(size + 1)
    if before:
        query = query.where(AuditEvent.id < before)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if kind == "masuk":
        query = query.where(AuditEvent.entity == "user", AuditEvent.action.in_(("login", "login_failed")))
    elif kind == "kasus":
        query = query.where(AuditEvent.entity == "case", or_(AuditEvent.actor != "system"))
    elif kind == "unit":
        query = query.where(AuditEvent.entity == "unit")
    elif kind == "pengguna":
        query = query.where(AuditEvent.entity == "user", AuditEvent.action.not_in(("login", "login_failed")))
    elif kind == "pengiriman":
        query = query.where(AuditEvent.entity == "delivery")
    events = list(session.scalars(query))
    older = events[size - 1].id if len(events) > size else None
    return AuditPage(events[:size], older)
