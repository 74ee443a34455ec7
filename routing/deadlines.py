"""A routed case is followed until the agency answers: reminders at set days, escalation at the deadline.

Run by every round of `narahubung run` (and `narahubung remind`); time comes from the injected clock,
so tests move it forward without sleeping. Each letter is an outbox row written in the same
transaction as the counter that says it was sent, so a rerun never sends it twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.directory import Directory, Unit
from routing.cases import Desk, reachable, standing_forward
from routing.outbox import enqueue
from routing.plan import supervisors
from storage import repository as repo
from storage.db import write_with_retry
from storage.models import Case, CaseStatus, Delivery, DeliveryStatus

FOLLOWED = (CaseStatus.ROUTED,)


@dataclass
class TendReport:
    reminders: list[str] = field(default_factory=list)  # "REF: pengingat ke-n"
    escalations: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def tend(factory: sessionmaker[Session], desk: Callable[[], Desk]) -> TendReport:
    """Each case is tended in its own transaction with its own desk (directory snapshot and `now`)."""
    report = TendReport()
    with factory() as session:
        ids = list(session.scalars(
            select(Case.id).where(Case.status.in_(FOLLOWED), Case.answered_at.is_(None), Case.routed_at.is_not(None))
            .order_by(Case.id)
        ))
    for case_id in ids:
        write_with_retry(factory, partial(_tend_one, case_id=case_id, desk=desk(), report=report))
    return report


def _tend_one(session: Session, case_id: int, desk: Desk, report: TendReport) -> None:
    case = session.get(Case, case_id, with_for_update=True)
    if case is None or case.status not in FOLLOWED or case.answered_at is not None or case.routed_at is None:
        return
    forward = standing_forward(case)
    reach = reachable(forward) if forward is not None else None
    if forward is None or reach is None or forward.status != DeliveryStatus.SENT:
        return  # nothing reached the agency yet (the letter waits in the outbox): nothing to remind of
    letters, now, directory = desk.letters, desk.now, desk.directory
    unit = directory.unit(case.unit_id) if case.unit_id else None
    unit_name = unit.name if unit else ", ".join(forward.to_addrs)
    life = letters.routing.life
    if now < case.deadline_at:
        days = (now - (forward.sent_at or case.routed_at)).days
        due = sum(1 for d in life.reminder_days if d <= days)
        if due > case.reminders_sent:
            draft = letters.reminder(case, due, days, *reach, unit_name, forward.message_id, now)
            enqueue(session, letters.blobs, case, draft, now, purpose="reminder", transport="smtp")
            case.reminders_sent = due
            repo.audit(session, "case", case.reference, "reminder", detail={"number": due, "days": days})
            report.reminders.append(f"{case.reference}: pengingat ke-{due}")
        return
    if not life.escalate or case.escalated_at is not None:
        return
    case.escalated_at = now
    chain = _escalation_targets(directory, case, forward, life.escalate_to)
    if not chain:
        note = f"batas waktu lewat; tidak ada {life.escalate_to} untuk eskalasi, perlu staf"
        case.review_reasons = [*case.review_reasons, note]
        repo.audit(session, "case", case.reference, "escalation_impossible", detail={"why": note})
        report.notes.append(f"{case.reference}: {note}")
        return
    supervisor = chain[0]
    draft = letters.escalation(case, supervisor, directory.recipients(supervisor.id), unit_name, forward.message_id, now)
    enqueue(session, letters.blobs, case, draft, now, purpose="escalation", transport="smtp")
    repo.audit(session, "case", case.reference, "escalated", detail={"to": supervisor.id, "addresses": list(draft.to)})
    report.escalations.append(f"{case.reference}: eskalasi ke {supervisor.name}")


def _escalation_targets(directory: Directory, case: Case, forward: Delivery, type_id: str) -> list[Unit]:
    unit = directory.unit(case.unit_id) if case.unit_id else None
    if unit is None:
        return []
    already = {a.lower() for a in (*forward.to_addrs, *forward.cc_addrs)}
    found = []
    for supervisor, _why in supervisors(directory, unit, type_id):
        recipients = directory.recipients(supervisor.id)
        if recipients.to and not {fp.email.lower() for fp in recipients.to} <= already:
            found.append(supervisor)
    return found


def overdue(session: Session, now: datetime) -> list[Case]:
    """Routed cases past their deadline without an answer, oldest deadline first."""
    return list(session.scalars(
        select(Case).where(Case.status.in_((CaseStatus.ROUTED, CaseStatus.BOUNCED)), Case.answered_at.is_(None),
                           Case.deadline_at < now).order_by(Case.deadline_at, Case.id)
    ))
