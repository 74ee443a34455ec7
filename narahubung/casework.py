"""Staff actions on one case: route it now, preview its letter, send what is pending, refresh its marks.

Each function opens its own transaction(s) through `services.factory`; the staff app calls them
after recording its corrections. Errors are typed and speak Indonesian to staff.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from narahubung.errors import ExitCode, NarahubungError
from narahubung.services import Services
from routing.draft import Attachment, Draft, DraftFacts
from routing.outbox import DeliveryReport, enqueue
from storage import repository as repo
from storage.db import transaction
from storage.models import Case, CaseStatus, Document

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
    """Forward the case to its unit (or `unit_id`) now, in one transaction with its outbox row."""
    mode = mode or default_mode(services)
    if mode not in DELIVERY_MODES:
        raise UnknownDeliveryMode(f"Cara pengiriman '{mode}' tidak dikenal; pilih salah satu: {', '.join(DELIVERY_MODES)}.")
    with transaction(services.factory) as session:
        case = _case(session, reference, for_update=True)
        if case.status == CaseStatus.ROUTED or any(d.purpose == "forward" for d in case.deliveries):
            raise CaseAlreadyRouted(f"Kasus {reference} sudah diteruskan; surat tidak dikirim dua kali.")
        target = unit_id or case.unit_id
        draft = _forward_draft(services, session, case, target, letter_text, forward_attachments)
        delivery = enqueue(session, services.blobs, case, draft, services.clock(), transport=mode)
        previous_unit = case.unit_id
        case.unit_id = target
        repo.audit(session, "case", case.reference, "route_by_staff", actor=actor,
                   detail={"unit": target, "previous_unit": previous_unit, "mode": mode,
                           "letter_edited": letter_text is not None})
        repo.set_case_status(session, case, CaseStatus.ROUTED, "routed", unit=target, to=list(draft.to),
                             cc=list(draft.cc), actor=actor)
        return RouteOutcome(case.reference, target or "", draft.to, draft.cc, (delivery.id,), mode)


def preview_draft(services: Services, reference: str, *, unit_id: str | None = None) -> DraftPreview:
    """The letter as it would go out now (nothing is stored)."""
    with services.factory() as session:
        case = _case(session, reference)
        target = unit_id or case.unit_id
        draft = _forward_draft(services, session, case, target, None, None)
        return DraftPreview(case.reference, target or "", draft.subject, draft.to, draft.cc, _body_text(draft))


def deliver_now(services: Services) -> DeliveryReport:
    """Send whatever is pending in the outbox."""
    from narahubung.pipeline import deliver

    return deliver(services)


def refresh_triage_marks(services: Services, reference: str) -> None:
    """After a staff correction: the original mail's keywords and folder must follow the case."""
    with transaction(services.factory) as session:
        case = _case(session, reference)
        repo.audit(session, "case", case.reference, "triage_marks_due",
                   detail={"kind": case.kind, "unit": case.unit_id, "status": case.status})


def default_mode(services: Services) -> str:
    return "smtp"


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
) -> Draft:
    if not unit_id:
        raise CaseHasNoUnit(f"Kasus {case.reference} belum punya unit tujuan; pilih unitnya dahulu.")
    unit = services.directory.unit(unit_id)
    if unit is None:
        raise CaseHasNoUnit(f"Unit {unit_id} tidak ada di direktori.")
    recipients = services.directory.recipients(unit.id)
    if not recipients.to:
        raise UnitHasNoFocalPoint(f"{unit.name} belum menunjuk narahubung; surat tidak dapat dikirim.")
    documents = list(session.scalars(select(Document).where(Document.raw_message_id == case.raw_message_id)
                                     .order_by(Document.id)))
    text = letter_text if letter_text is not None else "\n\n".join(
        (d.clean_text or d.text) for d in documents if (d.clean_text or d.text)
    )
    attachments = tuple(
        Attachment(d.filename or "lampiran", d.content_type or "application/octet-stream", services.blobs.get(d.blob_sha256))
        for d in documents
        if d.blob_sha256
    )
    facts = DraftFacts(
        reference=case.reference,
        subject=case.subject,
        text=text,
        received_at=case.received_at,
        deadline_at=case.deadline_at,
        resolution_days=services.directory.resolution_days,
        complainant_name=case.complainant_name,
        complainant_email=case.complainant_email,
        confidential=case.confidential,
        maladministration=tuple(case.maladministration),
        attachments=attachments,
        forward_attachments=forward_attachments,
    )
    names = {m.id: m.name for m in services.directory.maladministration_types}
    return services.composer.compose(
        facts, unit, recipients, tuple(names.get(m, m) for m in case.maladministration), services.clock()
    )


def _body_text(draft: Draft) -> str:
    from email import message_from_bytes, policy

    msg = message_from_bytes(draft.data, policy=policy.default)
    body = msg.get_body(("plain",))
    return body.get_content() if body is not None else ""
