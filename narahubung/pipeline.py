"""Runs the stages in order: ingest → classify → routing, each writing through storage.

One raw message is processed in one transaction, so a crash at any point leaves it either fully
processed or still pending; a rerun finds its work done or does it once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from classify.decision import Decision, MessageText
from ingest.dropfolder import DropFolder
from ingest.errors import MessageUnparseable
from ingest.extract import ExtractedDocument, extract_file, extract_mail
from ingest.parse import ParsedMail, parse_message
from narahubung.errors import SettingsInvalid
from narahubung.intake import IngestReport, drop_folder_once, sync_mailboxes
from narahubung.services import Services
from routing.draft import Attachment, DraftFacts
from routing.outbox import DeliveryReport, deliver_pending, enqueue, pending_count, recover_interrupted
from routing.plan import RoutePlan, plan_route
from storage import repository as repo
from storage.db import write_with_retry
from storage.models import Case, CaseStatus, Classification, Document, RawMessage, RawStatus

log = logging.getLogger("narahubung.pipeline")
WIB = ZoneInfo("Asia/Jakarta")

# --- process -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessResult:
    raw_id: int
    reference: str
    status: str
    kind: str | None
    unit_id: str | None
    reasons: tuple[str, ...]


def process_pending(services: Services, on_result: Callable[[ProcessResult], None] | None = None) -> list[ProcessResult]:
    with services.factory() as session:
        ids = repo.pending_raw_ids(session)
    results = []
    for raw_id in ids:
        result = process_raw(services, raw_id)
        if result is not None:
            results.append(result)
            if on_result:
                on_result(result)
    return results


def process_raw(services: Services, raw_id: int) -> ProcessResult | None:
    """Read (parse, extract, classify) outside any transaction, then record everything in one short
    transaction that first checks the message is still pending: slow OCR never holds a database lock."""
    with services.factory() as session:
        raw = session.get(RawMessage, raw_id)
        if raw is None or raw.status != RawStatus.PENDING:
            return None
        view = RawView.of(raw)
    reading = _read(services, view)

    def record(session: Session) -> ProcessResult | None:
        raw = session.get(RawMessage, raw_id, with_for_update=True)
        if raw is None or raw.status != RawStatus.PENDING:
            return None  # another worker recorded it meanwhile
        return _record(services, session, raw, None, reading)

    return write_with_retry(services.factory, record)


def reprocess(
    services: Services,
    *,
    failed: bool = False,
    reference: str | None = None,
    on_result: Callable[[ProcessResult], None] | None = None,
) -> list[ProcessResult]:
    """Run the stages again from the stored raw bytes: for every message whose parse or extraction
    failed, or for one case. A case whose letter has already gone out is re-read, never re-sent."""
    with services.factory() as session:
        ids = repo.raw_ids_to_reprocess(session, failed=failed, reference=reference)
        views = {raw_id: RawView.of(session.get_one(RawMessage, raw_id)) for raw_id in ids}
    results = []
    for raw_id, view in views.items():
        reading = _read(services, view)

        def record(session: Session, raw_id: int = raw_id, reading: Reading = reading) -> ProcessResult:
            raw = session.get_one(RawMessage, raw_id, with_for_update=True)
            for document in list(raw.documents):
                session.delete(document)
            session.flush()
            repo.audit(session, "raw_message", raw.id, "reprocess", from_status=raw.status)
            return _record(services, session, raw, raw.case, reading)

        result = write_with_retry(services.factory, record)
        results.append(result)
        if on_result:
            on_result(result)
    return results


@dataclass(frozen=True)
class RawView:
    """What reading a stored message needs, detached from the session."""

    id: int
    sha256: str
    source: str
    filename: str | None
    content_type: str
    truncated: bool

    @classmethod
    def of(cls, raw: RawMessage) -> RawView:
        return cls(raw.id, raw.sha256, raw.source, raw.filename, raw.content_type, raw.truncated)


@dataclass(frozen=True)
class Reading:
    """The outcome of the stages that need no database: parse, extract, classify."""

    parsed: ParsedMail | None
    documents: list[ExtractedDocument]
    decision: Decision | None
    unreadable: str | None = None  # why the bytes are not a mail


def _read(services: Services, view: RawView) -> Reading:
    data = services.blobs.get(view.sha256)
    if view.truncated:  # only the header was kept: a person decides
        return Reading(_header_only(data), [], None)
    parsed: ParsedMail | None = None
    try:
        if view.source == "letter":
            documents = extract_file(view.filename or "surat", data, view.content_type)
        else:
            parsed = parse_message(data)
            documents = extract_mail(parsed, data)
        decision = services.classifier.classify(_message_text(parsed, documents))
    except MessageUnparseable as exc:
        return Reading(None, [], None, unreadable=exc.message)
    except Exception as exc:  # a bug or a hostile input: flag this message, keep the others moving
        log.exception("Pesan #%d tidak dapat diproses", view.id)
        return Reading(parsed, [], None, unreadable=f"galat tak terduga ({type(exc).__name__}: {exc})"[:500])
    return Reading(parsed, documents, decision)


def _record(
    services: Services, session: Session, raw: RawMessage, case: Case | None, reading: Reading
) -> ProcessResult:
    previous = raw.status
    parsed, documents, decision = reading.parsed, reading.documents, reading.decision
    if raw.truncated:
        case = case or _open_case(services, session, raw, parsed)
        raw.status = RawStatus.FAILED
        plan = RoutePlan("review", (raw.error or "pesan terlalu besar",))
        _apply_plan(services, session, case, plan, decision=None, parsed=parsed, documents=[])
        return _result(raw, case, plan)
    if reading.unreadable is not None or decision is None:
        reason = reading.unreadable or "pesan tidak dapat dibaca"
        raw.status, raw.error = RawStatus.FAILED, reason
        repo.audit(session, "raw_message", raw.id, "parse_failed", from_status=previous, to_status=raw.status,
                   detail={"error": reason})
        case = case or _open_case(services, session, raw, parsed=None)
        plan = RoutePlan("review", (f"pesan tidak dapat diurai: {reason}",))
        _apply_plan(services, session, case, plan, decision=None, parsed=None, documents=[])
        return _result(raw, case, plan)

    raw.error = None
    if parsed is not None:
        raw.message_id = parsed.message_id or raw.message_id
        raw.defects = list(parsed.defects)
    _store_documents(services, session, raw, documents)
    case = case or _open_case(services, session, raw, parsed)
    _store_classification(session, case, decision, services.clock())
    plan = plan_route(
        decision,
        services.directory,
        services.settings.auto_route_threshold,
        damage=parsed.damage if parsed else (),
        machine_generated=parsed.auto_reply_reason if parsed else None,
    )
    if case.deliveries:  # already forwarded once: re-reading it must never send it again
        plan = RoutePlan("keep", ("sudah diteruskan sebelumnya; tidak dikirim ulang",), unit_id=case.unit_id)
    else:
        _apply_plan(services, session, case, plan, decision, parsed, documents)
    raw.status = RawStatus.PROCESSED
    repo.audit(session, "raw_message", raw.id, "processed", from_status=previous, to_status=raw.status)
    return _result(raw, case, plan)


def _header_only(data: bytes) -> ParsedMail | None:
    try:
        return parse_message(data)
    except MessageUnparseable:
        return None


def _result(raw: RawMessage, case: Case, plan: RoutePlan) -> ProcessResult:
    return ProcessResult(raw.id, case.reference, case.status, case.kind, case.unit_id, plan.reasons)


def _store_documents(services: Services, session: Session, raw: RawMessage, documents: list[ExtractedDocument]) -> None:
    for doc in documents:
        session.add(
            Document(
                raw_message_id=raw.id,
                part=doc.part,
                path=doc.path,
                filename=doc.filename,
                content_type=doc.content_type,
                blob_sha256=services.blobs.put(doc.payload) if doc.payload else None,
                size=len(doc.payload or b""),
                text=doc.text,
                clean_text=doc.clean_text,
                method=doc.method,
                pages=doc.pages,
                ocr_confidence=doc.ocr_confidence,
                language=doc.language,
                headers=dict(doc.headers),
                error=doc.error,
            )
        )
        if doc.error:
            log.warning("%s (%s): %s", raw.filename or raw.message_id or f"pesan #{raw.id}", doc.filename or doc.path, doc.error)


def _message_text(parsed: ParsedMail | None, documents: list[ExtractedDocument]) -> MessageText:
    body = "\n\n".join(d.own_words for d in documents if d.part == "body" and d.own_words)
    attachments = "\n\n".join(d.own_words for d in documents if d.part != "body" and d.own_words)
    if parsed is None:  # a scanned letter: its text is the body
        return MessageText(subject="", body=attachments, sender="")
    return MessageText(
        subject=parsed.subject,
        body=body,
        attachments_text=attachments,
        sender=parsed.sender_email,
        headers=parsed.headers,
        is_auto_reply=parsed.is_auto_reply,
    )


def _open_case(services: Services, session: Session, raw: RawMessage, parsed: ParsedMail | None) -> Case:
    now = services.clock()
    received = raw.received_at
    if raw.source == "file" and parsed is not None and parsed.date is not None:
        received = parsed.date
    year = received.astimezone(WIB).year
    case = Case(
        reference=repo.next_reference(session, services.reference_prefix, year),
        raw_message_id=raw.id,
        status=CaseStatus.RECEIVED,
        subject=(parsed.subject if parsed else raw.filename or "")[:1000],
        complainant_name=(parsed.sender_name or None) if parsed else None,
        complainant_email=(parsed.sender_email or None) if parsed else None,
        received_at=received,
        deadline_at=received + timedelta(days=services.directory.resolution_days),
        maladministration=[],
        review_reasons=[],
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    session.flush()
    repo.audit(session, "case", case.reference, "opened", to_status=case.status, detail={"raw_message": raw.id})
    return case


def _store_classification(session: Session, case: Case, decision: Decision, now: datetime) -> None:
    session.add(
        Classification(
            case_id=case.id,
            model_version=decision.model_version,
            kind=decision.kind,
            agency_type=decision.agency_type,
            region=decision.region,
            unit_id=decision.unit,
            maladministration=list(decision.maladministration),
            confidence=decision.confidence,
            abstained=decision.abstain,
            scores=decision.scores,
            evidence=[
                {"field": e.field, "label": e.label, "start": e.start, "end": e.end, "text": e.text}
                for e in decision.evidence
            ],
            reasons=list(decision.reasons),
            created_at=now,
        )
    )
    case.kind = decision.kind
    case.unit_id = decision.unit
    case.maladministration = list(decision.maladministration)
    case.confidence = decision.confidence
    case.confidential = decision.confidential


def _apply_plan(
    services: Services,
    session: Session,
    case: Case,
    plan: RoutePlan,
    decision: Decision | None,
    parsed: ParsedMail | None,
    documents: list[ExtractedDocument],
) -> None:
    case.review_reasons = list(plan.reasons)
    if plan.action == "archive":
        repo.set_case_status(session, case, CaseStatus.ARCHIVED, "archived", reasons=list(plan.reasons))
        return
    if plan.action != "forward" or decision is None or plan.recipients is None or plan.unit_id is None:
        repo.set_case_status(session, case, CaseStatus.NEEDS_REVIEW, "held_for_review", reasons=list(plan.reasons))
        return
    unit = services.directory.unit(plan.unit_id)
    assert unit is not None  # plan_route only forwards to a unit of the directory
    text = "\n\n".join(d.own_words for d in documents if d.own_words)
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
        maladministration=tuple(decision.maladministration),
        attachments=tuple(
            Attachment(d.filename or "lampiran", d.content_type, d.payload) for d in documents if d.payload
        ),
    )
    names = {m.id: m.name for m in services.directory.maladministration_types}
    draft = services.composer.compose(
        facts, unit, plan.recipients, tuple(names.get(m, m) for m in decision.maladministration), services.clock()
    )
    enqueue(session, services.blobs, case, draft, services.clock())
    repo.set_case_status(session, case, CaseStatus.ROUTED, "routed", unit=unit.id, to=list(draft.to), cc=list(draft.cc))


# --- deliver and run ---------------------------------------------------------------------------


def deliver(services: Services, on_result: Callable[..., None] | None = None) -> DeliveryReport:
    if services.transport is None:
        raise SettingsInvalid(
            "Pengaturan NARAHUBUNG_SMTP_URL belum diisi: surat untuk narahubung tidak dapat dikirim."
        )
    recover_interrupted(services.factory)
    return deliver_pending(services.factory, services.blobs, services.transport, services.clock, on_result)


@dataclass
class RunReport:
    ingest: IngestReport = field(default_factory=IngestReport)
    processed: list[ProcessResult] = field(default_factory=list)
    delivery: DeliveryReport = field(default_factory=DeliveryReport)


@dataclass
class RunHooks:
    """Callbacks for progress display; every one is optional."""

    on_folder_total: Callable[[str, int], None] | None = None
    on_fetched: Callable[[int], None] | None = None
    on_processing_total: Callable[[int], None] | None = None
    on_processed: Callable[[ProcessResult], None] | None = None
    on_delivery_total: Callable[[int], None] | None = None
    on_delivered: Callable[..., None] | None = None


def run_once(services: Services, hooks: RunHooks | None = None) -> RunReport:
    """Everything pending, once: sync every mailbox and the drop folder, process, deliver."""
    hooks = hooks or RunHooks()
    report = RunReport()
    report.ingest = sync_mailboxes(services, on_total=hooks.on_folder_total, on_batch=hooks.on_fetched)
    if services.settings.drop_dir is not None:
        letters = drop_folder_once(services, DropFolder(services.settings.drop_dir))
        report.ingest.stored += letters.stored
        report.ingest.duplicates += letters.duplicates
        report.ingest.errors += letters.errors
    if hooks.on_processing_total:
        with services.factory() as session:
            hooks.on_processing_total(len(repo.pending_raw_ids(session)))
    report.processed = process_pending(services, on_result=hooks.on_processed)
    if services.transport is not None:
        if hooks.on_delivery_total:
            with services.factory() as session:
                hooks.on_delivery_total(pending_count(session))
        report.delivery = deliver(services, on_result=hooks.on_delivered)
    return report
