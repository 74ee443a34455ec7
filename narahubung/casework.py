"""Staff actions on one case: route it now, preview its letter, send what is pending, refresh its marks.

Each function opens its own transaction(s) through `services.factory`; the staff app calls them
after recording its corrections. Errors are typed and speak Indonesian to staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import ExitCode, NarahubungError
from ingest.imap.triage import apply_due_marks, marks_for, schedule_marks
from narahubung.services import Services
from routing.draft import Draft
from routing.letters import Letters
from routing.outbox import DeliveryReport, enqueue
from storage import repository as repo
from storage.db import transaction, write_with_retry
from storage.models import Case, CaseStatus, DeliveryStatus, RawMessage

DELIVERY_MODES = ("smtp", "imap_draft")


class CaseworkError(NarahubungError):
    """A staff action that cannot be done on this case; `message` says why."""

    exit_code = ExitCode.BAD_INPUT


class CaseNotFound(CaseworkError):
    pass


class CaseHasNoUnit(CaseworkError):
    pass


class UnitHasNoFocalPoint(CaseworkError):
    pass


class CaseAlreadyRouted(CaseworkError):
    pass


class UnknownDeliveryMode(CaseworkError):
    pass


@dataclass(frozen=True)
class RouteOutcome:
    reference: str
    unit_id: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    delivery_ids: tuple[int, ...]
    mode: str


@dataclass(frozen=True)
class DraftPreview:
    reference: str
    unit_id: str
    subject: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    body: str


def route_case(
    services: Services,
    reference: str,
    *,
    actor: str,
    unit_id: str | None = None,
    mode: str | None = None,
    letter_text: str | None = None,
    forward_attachments: bool | None = None,
) -> RouteOutcome:
    """Forward the case to its unit (or `unit_id`) now; the outbox row is written in the same transaction."""
    mode = mode or default_mode(services)
    if mode not in DELIVERY_MODES:
        raise UnknownDeliveryMode(f"Cara pengiriman '{mode}' tidak dikenal; pilih salah satu: {', '.join(DELIVERY_MODES)}.")

    def work(session: Session) -> RouteOutcome:
        case = _case(session, reference, for_update=True)
        if case.status == CaseStatus.ROUTED or any(
            d.purpose == "forward" and d.status not in DeliveryStatus.FOR_STAFF for d in case.deliveries
        ):
            raise CaseAlreadyRouted(f"Kasus {reference} sudah diteruskan; surat tidak dikirim dua kali.")
        target = unit_id or case.unit_id
        now = services.clock()
        draft = _forward_draft(services, session, case, target, letter_text, forward_attachments, now)
        delivery = enqueue(session, services.blobs, case, draft, now, purpose="forward", transport=mode)
        previous_unit = case.unit_id
        case.unit_id = target
        case.routed_at = now
        case.route_rule = "staf"
        case.review_reasons = [f"diteruskan ke {target} oleh {actor}"]
        repo.audit(session, "case", case.reference, "route_by_staff", actor=actor,
                   detail={"unit": target, "previous_unit": previous_unit, "mode": mode,
                           "letter_edited": letter_text is not None, "attachments": forward_attachments})
        repo.set_case_status(session, case, CaseStatus.ROUTED, "routed", actor=actor, unit=target,
                             to=list(draft.to), cc=list(draft.cc), mode=mode)
        _reschedule_marks(services, session, case)
        return RouteOutcome(case.reference, target or "", draft.to, draft.cc, (delivery.id,), mode)

    outcome = write_with_retry(services.factory, work)
    _apply_marks_of(services, reference)
    return outcome


def preview_draft(services: Services, reference: str, *, unit_id: str | None = None) -> DraftPreview:
    """The letter as it would go out now (nothing is stored)."""
    with services.factory() as session:
        case = _case(session, reference)
        target = unit_id or case.unit_id
        draft = _forward_draft(services, session, case, target, None, None, services.clock())
        return DraftPreview(case.reference, target or "", draft.subject, draft.to, draft.cc, _body_text(draft))


def deliver_now(services: Services) -> DeliveryReport:
    """Send whatever is pending in the outbox: SMTP letters and IMAP drafts."""
    from narahubung.pipeline import deliver

    return deliver(services)


def refresh_triage_marks(services: Services, reference: str) -> None:
    """After a staff correction: the original mail's keywords and folder follow the case (point 8).

    The new marks are recorded first (so a lost connection leaves them due for the next round),
    then put on the server at once.
    """
    with transaction(services.factory) as session:
        case = _case(session, reference)
        _reschedule_marks(services, session, case)
        repo.audit(session, "case", case.reference, "triage_marks_due",
                   detail={"kind": case.kind, "unit": case.unit_id, "status": case.status})
    _apply_marks_of(services, reference)


def default_mode(services: Services) -> str:
    forward = next((r for r in services.routing.rules if r.action == "forward"), None)
    return forward.mode if forward else "smtp"


# --- helpers -----------------------------------------------------------------------------------


def _case(session: Session, reference: str, *, for_update: bool = False) -> Case:
    query = select(Case).where(Case.reference == reference)
    if for_update:
        query = query.with_for_update()
    case = session.scalar(query)
    if case is None:
        raise CaseNotFound(f"Kasus {reference} tidak ditemukan.")
    return case


def _forward_draft(
    services: Services,
    session: Session,
    case: Case,
    unit_id: str | None,
    letter_text: str | None,
    forward_attachments: bool | None,
    now: datetime,
) -> Draft:
    if not unit_id:
        raise CaseHasNoUnit(f"Kasus {case.reference} belum punya unit tujuan; pilih unitnya dahulu.")
    unit = services.directory.unit(unit_id)
    if unit is None:
        raise CaseHasNoUnit(f"Unit {unit_id} tidak ada di direktori.")
    recipients = services.directory.recipients(unit.id)
    if not recipients.to:
        raise UnitHasNoFocalPoint(f"{unit.name} belum menunjuk narahubung; surat tidak dapat dikirim.")
    letters = Letters(services.composer, services.directory, services.routing, services.blobs)
    facts = letters.facts(session, case, text=letter_text, forward_attachments=forward_attachments)
    return letters.forward(facts, case, unit, recipients, now)


def _reschedule_marks(services: Services, session: Session, case: Case) -> None:
    raw = session.get(RawMessage, case.raw_message_id)
    if raw is None or not services.routing.triage.enabled:
        return
    unit = services.directory.unit(case.unit_id) if case.unit_id else None
    latest = case.classifications[-1] if case.classifications else None
    agency_type = unit.type if unit else (latest.agency_type if latest else None)
    schedule_marks(session, raw, marks_for(services.routing.triage, case.kind, agency_type, case.status))


def _apply_marks_of(services: Services, reference: str) -> None:
    if not services.routing.triage.enabled:
        return
    with services.factory() as session:
        raw_id = session.scalar(select(Case.raw_message_id).where(Case.reference == reference))
    if raw_id is not None:
        apply_due_marks(services.factory, services.settings, services.clock, only=raw_id)


def _body_text(draft: Draft) -> str:
    from email import message_from_bytes, policy

    msg = message_from_bytes(draft.data, policy=policy.default)
    body = msg.get_body(("plain",))
    return body.get_content() if body is not None else ""
