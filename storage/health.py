"""Mailbox health for staff: "login to mailbox X refused since …", read by the review app's banner.

Kept in the audit log (entity "mailbox"), one event per change of state: `mailbox_failing` when a
mailbox folder starts failing in a way only a person can fix (login refused, a missing password file or
folder, an untrusted certificate), `mailbox_ok` when it works again. Nothing is written while the state
stays the same, so a mailbox failing for days adds one row, not one per retry.

Sender heartbeats: `narahubung run` and the workers that send the outbox write "sender alive at T"
(`beat`, table sender_heartbeats, one row per process, pruned after a day); `serve` never does. The app
tells staff when letters wait in the outbox and no beat is younger than `SENDER_STALE` (`sender_down`).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storage import repository as repo
from storage.models import AuditEvent, Delivery, DeliveryStatus, SenderHeartbeat

if TYPE_CHECKING:
    from core.settings import Settings

ENTITY = "mailbox"
SMTP = "smtp"  # the outgoing server has one state too (refused login, untrusted certificate)
FAILING, OK = "mailbox_failing", "mailbox_ok"


@dataclass(frozen=True)
class MailboxProblem:
    mailbox: str  # "<[[mailboxes]] name>/<folder>"
    kind: str  # "auth" (login refused) or "settings" (password file, folder, certificate, STARTTLS)
    message: str  # the Indonesian sentence of the error, as the log has it
    since: datetime  # when the current run of failures began
    last_seen: datetime  # the newest failure recorded (equal to `since` unless the kind changed)


def mailbox_id(name: str, folder: str) -> str:
    return f"{name}/{folder}"[:64]


def record_failing(session: Session, mailbox: str, kind: str, message: str) -> None:
    """Record that `mailbox` fails; nothing new when it already failed the same way."""
    current = _latest(session, mailbox)
    if current is not None and current.action == FAILING and current.detail.get("kind") == kind:
        return
    repo.audit(session, ENTITY, mailbox, FAILING, detail={"kind": kind, "message": message})


def record_ok(session: Session, mailbox: str) -> None:
    """Record that `mailbox` works again; nothing when it was not failing."""
    current = _latest(session, mailbox)
    if current is not None and current.action == FAILING:
        repo.audit(session, ENTITY, mailbox, OK)


def mailbox_problems(session: Session, mailboxes: Iterable[str]) -> list[MailboxProblem]:
    """Which of `mailboxes` (`mailbox_id`s of the settings' folders) fail now, longest-failing first, for
    the app's banner and a digest. Reads only their events (the audit log's entity_id index)."""
    wanted = list(mailboxes)
    if not wanted:
        return []
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.entity == ENTITY, AuditEvent.entity_id.in_(wanted)).order_by(AuditEvent.id)
    ).all()
    since: dict[str, datetime] = {}
    latest: dict[str, AuditEvent] = {}
    for event in events:
        if event.action == FAILING and (event.entity_id not in latest or latest[event.entity_id].action != FAILING):
            since[event.entity_id] = event.at
        latest[event.entity_id] = event
    problems = [
        MailboxProblem(mailbox, str(event.detail.get("kind", "")), str(event.detail.get("message", "")),
                       since[mailbox], event.at)
        for mailbox, event in latest.items()
        if event.action == FAILING
    ]
    return sorted(problems, key=lambda p: p.since)


def _latest(session: Session, mailbox: str) -> AuditEvent | None:
    return session.scalars(
        select(AuditEvent).where(AuditEvent.entity_id == mailbox, AuditEvent.entity == ENTITY)
        .order_by(AuditEvent.id.desc()).limit(1)
    ).first()


def configured_mailboxes(settings: Settings) -> list[str]:
    """The `mailbox_id` of every folder the settings read, and SMTP when it is set."""
    folders = [mailbox_id(m.name, folder) for m in settings.all_mailboxes for folder in m.folder_names]
    return folders + ([SMTP] if settings.smtp_url else [])


# --- sender heartbeats -----------------------------------------------------------------------------------

SENDER_STALE = timedelta(minutes=2)  # `run` beats every BEAT_EVERY_S, a worker's outbox sweep every minute
BEAT_EVERY_S = 30.0
_FORGET_AFTER = timedelta(days=1)


def sender_name(kind: str) -> str:
    return f"{kind}@{socket.gethostname()}:{os.getpid()}"[:128]


def beat(session: Session, kind: str, *, now: datetime | None = None) -> None:
    """Record that a process able to send the outbox (`run`, `run --once`, a worker) is alive now."""
    now = now or datetime.now(UTC)
    name = sender_name(kind)
    row = session.get(SenderHeartbeat, name)
    if row is None:
        session.add(SenderHeartbeat(sender=name, kind=kind, seen_at=now))
    else:
        row.seen_at = now
    session.execute(delete(SenderHeartbeat).where(SenderHeartbeat.seen_at < now - _FORGET_AFTER))


def last_beat(session: Session) -> datetime | None:
    """When a sender was last seen alive (None: never, or more than a day ago)."""
    return session.scalar(select(func.max(SenderHeartbeat.seen_at)))


@dataclass(frozen=True)
class SenderDown:
    waiting: int  # letters in the outbox (pending)
    last_seen: datetime | None  # the newest heartbeat, if any


def sender_down(session: Session, *, now: datetime | None = None) -> SenderDown | None:
    """Letters wait in the outbox and no sender beat within SENDER_STALE: what the app warns staff of."""
    waiting = session.scalar(select(func.count()).select_from(Delivery)
                             .where(Delivery.status == DeliveryStatus.PENDING)) or 0
    if not waiting:
        return None
    seen = last_beat(session)
    if seen is not None and seen.tzinfo is None:  # SQLite's max() comes back without the UtcDateTime type
        seen = seen.replace(tzinfo=UTC)
    if seen is not None and (now or datetime.now(UTC)) - seen < SENDER_STALE:
        return None
    return SenderDown(waiting, seen)
