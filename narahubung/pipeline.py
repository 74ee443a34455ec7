"""Runs the stages in order: ingest → classify → routing, each writing through storage.

One raw message is processed in one transaction, so a crash at any point leaves it either fully
processed or still pending; a rerun finds its work done or does it once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from classify import load_classifier
from classify.decision import Classifier, Decision, MessageText
from ingest.errors import MessageUnparseable
from ingest.extract import ExtractedDocument, extract_file, extract_mail
from ingest.files import collect
from ingest.imap_source import ImapSource
from ingest.parse import ParsedMail, parse_message
from narahubung.directory import Directory, load_directory
from narahubung.errors import DirectoryInvalid, MailboxUnavailable, SettingsInvalid
from narahubung.settings import Settings
from routing.draft import Attachment, DraftComposer, DraftFacts
from routing.outbox import DeliveryReport, deliver_pending, enqueue, recover_interrupted
from routing.plan import RoutePlan, plan_route
from routing.transport import SmtpTransport, Transport
from storage import repository as repo
from storage.blobs import BlobStore
from storage.db import make_engine, session_factory, transaction, upgrade
from storage.models import Case, CaseStatus, Classification, Document, RawMessage, RawStatus

log = logging.getLogger("narahubung.pipeline")
WIB = ZoneInfo("Asia/Jakarta")
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Services:
    """Everything the stages need, built once from settings."""

    settings: Settings
    directory: Directory
    factory: sessionmaker[Session]
    blobs: BlobStore
    classifier: Classifier
    composer: DraftComposer
    transport: Transport | None
    clock: Clock = system_clock

    @property
    def reference_prefix(self) -> str:
        return self.directory.office.id.upper()


def build_services(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    migrate: bool = True,
    classifier: Classifier | None = None,
) -> Services:
    try:
        directory = load_directory(settings.directory)
    except DirectoryInvalid as exc:
        raise DirectoryInvalid(f"{exc.message} (pengaturan NARAHUBUNG_DIRECTORY)") from exc
    url = settings.resolved_database_url
    if migrate:
        upgrade(url)
    factory = session_factory(make_engine(url))
    with transaction(factory) as session:
        repo.sync_directory(session, directory)
    smtp = settings.smtp
    return Services(
        settings=settings,
        directory=directory,
        factory=factory,
        blobs=BlobStore(settings.blob_dir),
        classifier=classifier or load_classifier(directory),
        composer=DraftComposer(settings.templates_dir, directory.office),
        transport=SmtpTransport(smtp) if smtp else None,
        clock=clock,
    )


# --- ingest ------------------------------------------------------------------------------------


@dataclass
class IngestReport:
    stored: int = 0
    duplicates: int = 0


def ingest_imap(services: Services, source: ImapSource, on_message: Callable[[], None] | None = None) -> IngestReport:
    """Store every new message of the mailbox: bytes and row first, one commit per message."""
    report = IngestReport()
    with services.factory() as session:
        known = repo.last_uids(session, source.mailbox_key)
    for fetched in source.fetch_new(known):
        with transaction(services.factory) as session:
            raw = repo.store_raw(
                session,
                services.blobs,
                fetched.data,
                source="imap",
                received_at=fetched.internal_date,
                mailbox=source.mailbox_key,
                uidvalidity=fetched.uidvalidity,
                uid=fetched.uid,
            )
            _count(report, raw)
        if on_message:
            on_message()
    return report


def ingest_paths(services: Services, paths: Iterable[Path]) -> IngestReport:
    items = list(collect(paths))  # every path is checked before anything is stored
    report = IngestReport()
    for item in items:
        data = item.path.read_bytes()
        with transaction(services.factory) as session:
            raw = repo.store_raw(
                session,
                services.blobs,
                data,
                source=item.source,
                received_at=services.clock(),
                filename=item.path.name,
                content_type=item.content_type,
            )
            _count(report, raw)
    return report


def _count(report: IngestReport, raw: RawMessage) -> None:
    if raw.status == RawStatus.DUPLICATE:
        report.duplicates += 1
    else:
        report.stored += 1


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
    """Parse, extract, classify and route one stored message in a single transaction."""
    with transaction(services.factory) as session:
        raw = session.get(RawMessage, raw_id, with_for_update=True)
        if raw is None or raw.status != RawStatus.PENDING:
            return None
        data = services.blobs.get(raw.sha256)
        parsed: ParsedMail | None = None
        try:
            if raw.source == "letter":
                documents = [extract_file(raw.filename or "surat", data, raw.content_type)]
            else:
                parsed = parse_message(data)
                documents = extract_mail(parsed)
        except MessageUnparseable as exc:
            raw.status, raw.error = RawStatus.FAILED, exc.message
            repo.audit(session, "raw_message", raw.id, "parse_failed", to_status=raw.status, detail={"error": exc.message})
            case = _open_case(services, session, raw, parsed=None)
            plan = RoutePlan("review", (f"pesan tidak dapat diurai: {exc.message}",))
            _apply_plan(services, session, case, plan, decision=None, parsed=None, documents=[])
            return _result(raw, case, plan)

        if parsed is not None:
            raw.message_id = parsed.message_id
            raw.defects = list(parsed.defects)
        _store_documents(services, session, raw, documents)
        case = _open_case(services, session, raw, parsed)
        decision = services.classifier.classify(_message_text(raw, parsed, documents))
        _store_classification(session, case, decision, services.clock())
        damage = parsed.damage if parsed else ()
        plan = plan_route(decision, services.directory, services.settings.auto_route_threshold, damage)
        _apply_plan(services, session, case, plan, decision, parsed, documents)
        raw.status = RawStatus.PROCESSED
        repo.audit(session, "raw_message", raw.id, "processed", from_status=RawStatus.PENDING, to_status=raw.status)
        return _result(raw, case, plan)


def _result(raw: RawMessage, case: Case, plan: RoutePlan) -> ProcessResult:
    return ProcessResult(raw.id, case.reference, case.status, case.kind, case.unit_id, plan.reasons)


def _store_documents(services: Services, session: Session, raw: RawMessage, documents: list[ExtractedDocument]) -> None:
    for doc in documents:
        session.add(
            Document(
                raw_message_id=raw.id,
                part=doc.part,
                filename=doc.filename,
                content_type=doc.content_type,
                blob_sha256=services.blobs.put(doc.payload) if doc.payload else None,
                size=len(doc.payload or b""),
                text=doc.text,
                method=doc.method,
                pages=doc.pages,
                error=doc.error,
            )
        )
        if doc.error:
            log.warning("%s (%s): %s", raw.filename or raw.message_id or f"pesan #{raw.id}", doc.filename or doc.part, doc.error)


def _message_text(raw: RawMessage, parsed: ParsedMail | None, documents: list[ExtractedDocument]) -> MessageText:
    body = "\n\n".join(d.text for d in documents if d.part == "body" and d.text)
    attachments = "\n\n".join(d.text for d in documents if d.part != "body" and d.text)
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
    text = "\n\n".join(d.text for d in documents if d.text)
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


def run_once(services: Services) -> RunReport:
    report = RunReport()
    endpoint = services.settings.imap
    if endpoint is not None:
        report.ingest = ingest_imap(services, ImapSource(endpoint, batch_size=services.settings.imap_fetch_batch))
    report.processed = process_pending(services)
    if services.transport is not None:
        report.delivery = deliver(services)
    return report


def run_forever(services: Services, stop: threading.Event, on_round: Callable[[RunReport], None] | None = None) -> None:
    """Poll, process and deliver until `stop` is set. A mailbox outage waits and tries again."""
    delay = services.settings.poll_interval
    while not stop.is_set():
        try:
            report = run_once(services)
            delay = services.settings.poll_interval
            if on_round:
                on_round(report)
        except MailboxUnavailable as exc:
            delay = min(max(delay * 2, 5.0), 600.0)
            log.error("%s — mencoba lagi dalam %.0f detik", exc.message, delay)
        stop.wait(delay)
