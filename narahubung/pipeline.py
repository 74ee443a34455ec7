"""Runs the stages in order: ingest → classify → routing, each writing through storage.

Reading (parse, extract, classify) happens outside any transaction; the case's life (`routing.cases`)
is then recorded in one transaction with one directory snapshot, so a crash at any point leaves a
message either fully processed or still pending, and a rerun finds its work done or does it once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from classify.decision import Decision, MessageText
from core.errors import SettingsInvalid
from ingest.dropfolder import DropFolder
from ingest.errors import MessageUnparseable
from ingest.extract import ExtractedDocument, extract_file, extract_mail
from ingest.imap.triage import MarksReport, apply_due_marks
from ingest.letter_fields import read_letter
from ingest.parse import ParsedMail, parse_message
from narahubung.intake import IngestReport, drop_folder_once, sync_mailboxes
from narahubung.services import Services
from routing import cases
from routing.cases import Desk, Incoming
from routing.deadlines import TendReport, tend
from routing.outbox import (
    DeliveryReport,
    deliver_many,
    deliver_one,
    deliver_pending,
    due_ids,
    pending_count,
    queued_in,
    recover_interrupted,
)
from routing.plan import RoutePlan, plan_route
from routing.transport import Transport
from storage import repository as repo
from storage.blobs import sha256_of
from storage.db import write_with_retry
from storage.models import Case, Delivery, Document, RawMessage, RawStatus

log = logging.getLogger("narahubung.pipeline")

# --- process -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessResult:
    raw_id: int
    reference: str
    status: str
    kind: str | None
    unit_id: str | None
    reasons: tuple[str, ...]
    letters: tuple[int, ...] = ()  # outbox rows waiting to be sent after this message (a worker's jobs)


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
    desk = services.desk()  # one directory snapshot for everything this message decides and writes
    reading = _read(services, view)

    def record(session: Session) -> ProcessResult | None:
        raw = session.get(RawMessage, raw_id, with_for_update=True)
        if raw is None or raw.status != RawStatus.PENDING:
            return None  # another worker recorded it meanwhile
        return replace(_record(services, desk, session, raw, None, reading), letters=_waiting_letters(session))

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
        desk = services.desk()
        reading = _read(services, view)

        def record(session: Session, raw_id: int = raw_id, reading: Reading = reading, desk: Desk = desk) -> ProcessResult:
            raw = session.get_one(RawMessage, raw_id, with_for_update=True)
            for document in list(raw.documents):
                session.delete(document)
            session.flush()
            set_committed_value(raw, "documents", [])  # deleted: the new ones are added to the collection
            repo.audit(session, "raw_message", raw.id, "reprocess", from_status=raw.status)
            return _record(services, desk, session, raw, raw.case, reading)

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
    # the attachments' bytes are durable (one flush for all) before the recording transaction and its locks
    services.blobs.put_many([d.payload for d in documents if d.payload])
    return Reading(parsed, documents, decision)


def _record(
    services: Services, desk: Desk, session: Session, raw: RawMessage, case: Case | None, reading: Reading
) -> ProcessResult:
    previous = raw.status
    new = previous == RawStatus.PENDING  # recorded for the first time: nothing hangs off it yet
    if new:
        set_committed_value(raw, "documents", [])
    parsed, documents, decision = reading.parsed, reading.documents, reading.decision
    incoming = _incoming(parsed)
    if raw.truncated:
        case = case or cases.open_case(session, desk, raw, incoming)
        raw.status = RawStatus.FAILED
        plan = RoutePlan("review", (raw.error or "pesan terlalu besar",))
        cases.apply_plan(session, desk, case, plan, None)
        cases.mark(session, desk, raw, None, None, case.status, new=new)
        return _result(raw, case, plan)
    if reading.unreadable is not None or decision is None:
        reason = reading.unreadable or "pesan tidak dapat dibaca"
        raw.status, raw.error = RawStatus.FAILED, reason
        repo.audit(session, "raw_message", raw.id, "parse_failed", from_status=previous, to_status=raw.status,
                   detail={"error": reason})
        case = case or cases.open_case(session, desk, raw, None)
        plan = RoutePlan("review", (f"pesan tidak dapat diurai: {reason}",))
        cases.apply_plan(session, desk, case, plan, None)
        cases.mark(session, desk, raw, None, None, case.status, new=new)
        return _result(raw, case, plan)

    raw.error = None
    if parsed is not None:
        raw.message_id = parsed.message_id or raw.message_id
        raw.defects = list(parsed.defects)
    _store_documents(services, session, raw, documents)
    plan = plan_route(
        decision,
        desk.directory,
        services.settings.route_threshold,
        damage=parsed.damage if parsed else (),
        machine_generated=parsed.auto_reply_reason if parsed else None,
        routing=desk.routing,
    )
    unread = tuple(f"lampiran {d.filename or d.path} tidak terbaca: {d.error}" for d in documents
                   if d.error and d.part != "body")
    if unread and plan.action == "review":  # staff should know the case may say more than they can read
        plan = replace(plan, reasons=(*plan.reasons, *unread))
    if case is None and incoming is not None:
        attached = cases.attach(session, desk, raw, incoming, decision, plan)
        if attached is not None:
            raw.status = RawStatus.PROCESSED
            repo.audit(session, "raw_message", raw.id, "attached", from_status=previous, to_status=raw.status,
                       detail={"case": attached.case.reference})
            found = attached.case
            return ProcessResult(raw.id, found.reference, found.status, attached.kind, found.unit_id, (attached.note,))
    case = case or cases.open_case(session, desk, raw, incoming)
    if parsed is None and raw.source == "letter":  # a scan: its own Perihal and signer (ingest.letter_fields)
        fields = read_letter("\n\n".join(d.text for d in documents))
        case.subject, case.complainant_name = fields.subject or case.subject, fields.name or case.complainant_name
    cases.record_classification(session, desk, case, decision)
    plan = cases.carry_out(session, desk, case, plan, decision, incoming)
    cases.mark(session, desk, raw, case.kind, cases.agency_type(desk.directory, case, decision), case.status,
               new=new)
    raw.status = RawStatus.PROCESSED
    repo.audit(session, "raw_message", raw.id, "processed", from_status=previous, to_status=raw.status)
    return _result(raw, case, plan)


def _waiting_letters(session: Session) -> tuple[int, ...]:
    """The outbox rows this transaction wrote (a row only `enqueue` makes pending while a message is recorded;
    older pending rows have their jobs, or the outbox's sweep)."""
    return tuple(sorted(queued_in(session)))


def _incoming(parsed: ParsedMail | None) -> Incoming | None:
    """What the case's life needs of a parsed mail (routing never reads the parser's types)."""
    if parsed is None:
        return None
    return Incoming(subject=parsed.subject, sender_email=parsed.sender_email, sender_name=parsed.sender_name,
                    message_id=parsed.message_id, date=parsed.date, headers=parsed.headers, text=parsed.text_plain,
                    is_auto_reply=parsed.is_auto_reply, auto_reply_reason=parsed.auto_reply_reason)


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
                raw_message=raw,  # in its loaded collection, which the letters read (`routing.letters`)
                part=doc.part,
                path=doc.path,
                filename=doc.filename,
                content_type=doc.content_type,
                blob_sha256=sha256_of(doc.payload) if doc.payload else None,  # written by `_read`
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
        # a mass mailing (Precedence: bulk/list) is archived as machine mail all the same (routing reads
        # auto_reply_reason), but whether it is spam or a newsletter is the text's to tell, not "auto_reply"
        is_auto_reply=parsed.is_auto_reply and parsed.headers.get("precedence", "").strip().lower() not in ("bulk", "list"),
    )


# --- deliver and run ---------------------------------------------------------------------------


def tend_cases(services: Services) -> TendReport:
    """Reminders and escalations that are due now (by the injected clock)."""
    return tend(services.factory, services.desk)


def apply_marks(services: Services, *, only: int | None = None) -> MarksReport:
    """Put the due triage keywords and folders on the office mailbox's original mails (or on the one of
    raw message `only`)."""
    if not services.routing.triage.enabled:
        return MarksReport()
    return apply_due_marks(services.factory, services.settings, services.clock, only=only)


def transports(services: Services) -> dict[str, Transport]:
    found: dict[str, Transport] = {}
    if services.transport is not None:
        found["smtp"] = services.transport
    if services.drafts is not None:
        found["imap_draft"] = services.drafts
    return found


def deliver(services: Services, on_result: Callable[..., None] | None = None) -> DeliveryReport:
    if services.transport is None and services.drafts is None:
        raise SettingsInvalid(
            "Pengaturan NARAHUBUNG_SMTP_URL belum diisi: surat untuk narahubung tidak dapat dikirim."
        )
    by_mode = transports(services)
    life = services.routing.life
    recover_interrupted(services.factory, by_mode)
    return deliver_pending(services.factory, services.blobs, by_mode, services.clock, on_result,
                           retry_base=timedelta(minutes=life.retry_base_minutes), max_attempts=life.max_attempts)


def deliver_letter(services: Services, delivery_id: int) -> Delivery | None:
    """One outbox row (a worker's job): sent if it is due and no other sender holds it, or recovered if its
    sender died mid-send (a retried job). None when there was nothing to do."""
    by_mode = transports(services)
    life = services.routing.life
    return deliver_one(services.factory, services.blobs, by_mode, services.clock, delivery_id,
                       retry_base=timedelta(minutes=life.retry_base_minutes), max_attempts=life.max_attempts)


def deliver_letters(services: Services, delivery_ids: list[int]) -> list[Delivery]:
    """Several outbox rows (a worker's job: one message's letters)."""
    life = services.routing.life
    return deliver_many(services.factory, services.blobs, transports(services), services.clock, delivery_ids,
                        retry_base=timedelta(minutes=life.retry_base_minutes), max_attempts=life.max_attempts)


def due_letters(services: Services) -> list[int]:
    """Pending outbox rows whose next try is due, for the modes this process can send."""
    with services.factory() as session:
        return due_ids(session, list(transports(services)), services.clock())


@dataclass
class RunReport:
    ingest: IngestReport = field(default_factory=IngestReport)
    processed: list[ProcessResult] = field(default_factory=list)
    delivery: DeliveryReport = field(default_factory=DeliveryReport)
    tended: TendReport = field(default_factory=TendReport)
    marks: MarksReport = field(default_factory=MarksReport)


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
    report.tended = tend_cases(services)
    if services.transport is not None or services.drafts is not None:
        if hooks.on_delivery_total:
            with services.factory() as session:
                hooks.on_delivery_total(pending_count(session))
        report.delivery = deliver(services, on_result=hooks.on_delivered)
    report.marks = apply_marks(services)
    return report
