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

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from classify.decision import Decision, MessageText
from core.errors import SettingsInvalid
from ingest.dropfolder import DropFolder
from ingest.errors import MessageUnparseable
from ingest.extract import ExtractedDocument, extract_file, extract_mail
from ingest.imap.triage import MarksReport, apply_due_marks, marks_for, schedule_marks
from ingest.parse import ParsedMail, parse_message
from narahubung.intake import IngestReport, drop_folder_once, sync_mailboxes
from narahubung.services import Services
from routing.deadlines import TendReport, tend
from routing.letters import Letters
from routing.outbox import (
    DeliveryReport,
    deliver_pending,
    enqueue,
    pending_count,
    recover_interrupted,
)
from routing.plan import RoutePlan, plan_route
from routing.threads import (
    ThreadMatch,
    find_thread,
    knows,
    looks_like_bounce,
    reference_pattern,
)
from routing.transport import Transport
from storage import repository as repo
from storage.db import write_with_retry
from storage.models import (
    Case,
    CaseMessage,
    CaseStatus,
    Classification,
    Document,
    RawMessage,
    RawStatus,
)

ROUTING_PURPOSES = ("forward", "referral", "reply")

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
        _schedule_triage(services, session, raw, None, None, case.status)
        return _result(raw, case, plan)
    if reading.unreadable is not None or decision is None:
        reason = reading.unreadable or "pesan tidak dapat dibaca"
        raw.status, raw.error = RawStatus.FAILED, reason
        repo.audit(session, "raw_message", raw.id, "parse_failed", from_status=previous, to_status=raw.status,
                   detail={"error": reason})
        case = case or _open_case(services, session, raw, parsed=None)
        plan = RoutePlan("review", (f"pesan tidak dapat diurai: {reason}",))
        _apply_plan(services, session, case, plan, decision=None, parsed=None, documents=[])
        _schedule_triage(services, session, raw, None, None, case.status)
        return _result(raw, case, plan)

    raw.error = None
    if parsed is not None:
        raw.message_id = parsed.message_id or raw.message_id
        raw.defects = list(parsed.defects)
    _store_documents(services, session, raw, documents)
    plan = plan_route(
        decision,
        services.directory,
        services.settings.route_threshold,
        damage=parsed.damage if parsed else (),
        machine_generated=parsed.auto_reply_reason if parsed else None,
        routing=services.routing,
    )
    if case is None and parsed is not None:
        attached = _attach_to_case(services, session, raw, parsed, decision, plan)
        if attached is not None:
            raw.status = RawStatus.PROCESSED
            repo.audit(session, "raw_message", raw.id, "attached", from_status=previous, to_status=raw.status,
                       detail={"case": attached.reference})
            return attached
    if plan.action == "follow_up":  # it names a case we do not know, or one that is not the sender's
        plan = RoutePlan("review", ((f"menyebut kasus {plan.case_ref}, yang tidak ditemukan atau bukan milik "
                                    "pengirim; perlu staf"),),
                         unit_id=plan.unit_id, rule=plan.rule)
    case = case or _open_case(services, session, raw, parsed)
    _store_classification(session, case, decision, services.clock())
    if any(d.purpose in ROUTING_PURPOSES for d in case.deliveries):  # re-reading it must never send it again
        plan = RoutePlan("keep", ("sudah diteruskan sebelumnya; tidak dikirim ulang",), unit_id=case.unit_id,
                         rule=case.route_rule)
    else:
        _apply_plan(services, session, case, plan, decision, parsed, documents)
        _acknowledge(services, session, case, parsed, decision, plan)
    _schedule_triage(services, session, raw, case.kind, _agency_type(services, case, decision), case.status)
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
        reference=repo.next_reference(session, services.reference_prefix, year, services.routing.life.reference_format),
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


def _letters(services: Services) -> Letters:
    return Letters(services.composer, services.directory, services.routing, services.blobs)


def _apply_plan(
    services: Services,
    session: Session,
    case: Case,
    plan: RoutePlan,
    decision: Decision | None,
    parsed: ParsedMail | None,
    documents: list[ExtractedDocument],
) -> None:
    """Carry out a plan in the caller's transaction: the outbox row is written with the decision."""
    case.review_reasons = list(plan.reasons)
    case.route_rule = plan.rule
    if decision is not None:
        case.other_province = decision.other_province
    now = services.clock()
    letters = _letters(services)
    if plan.action == "archive":
        repo.set_case_status(session, case, CaseStatus.ARCHIVED, "archived", reasons=list(plan.reasons))
        return
    if plan.action == "forward" and plan.recipients is not None and plan.unit_id is not None:
        unit = services.directory.unit(plan.unit_id)
        assert unit is not None  # plan_route only forwards to a unit of the directory
        draft = letters.forward(letters.facts(session, case), case, unit, plan.recipients, now)
        enqueue(session, services.blobs, case, draft, now, purpose="forward", transport=plan.mode)
        case.routed_at = now
        repo.set_case_status(session, case, CaseStatus.ROUTED, "routed", unit=unit.id, to=list(draft.to),
                             cc=list(draft.cc), rule=plan.rule, mode=plan.mode, reasons=list(plan.reasons))
        return
    if plan.action == "referral" and plan.office is not None:
        draft = letters.referral(letters.facts(session, case), case, plan.office, now)
        enqueue(session, services.blobs, case, draft, now, purpose="referral", transport=plan.mode)
        case.routed_at = now
        repo.set_case_status(session, case, CaseStatus.REFERRED, "referred", to=list(draft.to), rule=plan.rule,
                             mode=plan.mode, reasons=list(plan.reasons))
        return
    if plan.action == "reply" and case.complainant_email:
        draft = letters.reply(letters.facts(session, case), case, now)
        enqueue(session, services.blobs, case, draft, now, purpose="reply", transport=plan.mode)
        where = "folder Drafts" if plan.mode == "imap_draft" else "kotak keluar"
        case.review_reasons = [*plan.reasons, f"draf jawaban disimpan di {where}; periksa sebelum dikirim"]
        repo.set_case_status(session, case, CaseStatus.NEEDS_REVIEW, "reply_drafted", rule=plan.rule,
                             mode=plan.mode, reasons=case.review_reasons)
        return
    repo.set_case_status(session, case, CaseStatus.NEEDS_REVIEW, "held_for_review", reasons=list(plan.reasons))


def _acknowledge(
    services: Services, session: Session, case: Case, parsed: ParsedMail | None, decision: Decision | None,
    plan: RoutePlan,
) -> None:
    """Tanda terima: once per case, to a person who wrote, never to a machine or a null sender."""
    life = services.routing.life
    if not life.acknowledge or parsed is None or decision is None or plan.action == "archive":
        return
    if decision.kind not in life.acknowledge_kinds or not case.complainant_email:
        return
    if parsed.is_auto_reply or parsed.headers.get("return-path", "").strip() == "<>":
        return
    if case.complainant_email.lower() == services.directory.office.sender_email.lower():
        return  # our own mail come back: never a loop
    if any(d.purpose == "acknowledgement" for d in case.deliveries):
        return
    now = services.clock()
    draft = _letters(services).acknowledgement(case, now, parsed.message_id)
    enqueue(session, services.blobs, case, draft, now, purpose="acknowledgement", transport="smtp")


def _attach_to_case(
    services: Services, session: Session, raw: RawMessage, parsed: ParsedMail, decision: Decision | None,
    plan: RoutePlan,
) -> ProcessResult | None:
    """A reply, bounce or follow-up of a known case is stored on that case and opens no case of its own."""
    if session.scalar(select(CaseMessage).where(CaseMessage.raw_message_id == raw.id)) is not None:
        return None
    bounce = looks_like_bounce(parsed.headers, parsed.sender_email)
    reference_re = reference_pattern(services.routing.life.reference_format, services.reference_prefix)
    match = find_thread(session, parsed.headers, parsed.subject, parsed.sender_email,
                        services.blobs.get(raw.sha256), reference_re, bounce, body=parsed.text_plain[:20000])
    if match is None and plan.action == "follow_up" and plan.case_ref:
        found = session.scalar(select(Case).where(func.upper(Case.reference) == plan.case_ref.upper()))
        # only the complainant or a recipient of the case's letters may add to it: anyone else quoting a
        # reference gets a case of their own (a stranger must never reach another complainant's case)
        match = ThreadMatch(found, "case_ref") if found is not None and knows(found, parsed.sender_email) else None
    if match is None:
        return None
    case, now = match.case, services.clock()
    sender = (parsed.sender_email or "").lower()
    if parsed.auto_reply_reason:
        kind = "bounce" if bounce else "auto_reply"
    elif case.complainant_email and sender == case.complainant_email.lower():
        kind = "thanks" if decision is not None and decision.kind == "thanks" else "follow_up"
    else:
        kind = "reply"
    session.add(CaseMessage(case_id=case.id, raw_message_id=raw.id, kind=kind, matched_by=match.matched_by,
                            sender=sender[:255], subject=parsed.subject or "", received_at=raw.received_at))
    repo.audit(session, "case", case.reference, f"message_{kind}",
               detail={"raw_message": raw.id, "matched_by": match.matched_by, "from": sender})
    note = {
        "reply": f"balasan dari {sender} dicatat pada kasus {case.reference}",
        "bounce": f"surat kasus {case.reference} dipantulkan server penerima",
        "auto_reply": f"balasan otomatis dari {sender} dicatat pada kasus {case.reference}",
        "follow_up": f"tindak lanjut pelapor dilampirkan ke kasus {case.reference}",
        "thanks": f"ucapan terima kasih pelapor dicatat pada kasus {case.reference}",
    }[kind]
    if kind == "reply" and case.status not in (CaseStatus.ANSWERED, CaseStatus.ARCHIVED):
        case.answered_at = now
        repo.set_case_status(session, case, CaseStatus.ANSWERED, "answered", by=sender, matched_by=match.matched_by)
    elif kind == "bounce":
        if match.delivery is not None:
            match.delivery.last_error = f"dipantulkan: {parsed.subject}"[:500]
        if match.delivery is not None and match.delivery.purpose == "acknowledgement":
            note = f"tanda terima kasus {case.reference} tidak sampai ke pelapor ({case.complainant_email})"
            case.review_reasons = [*case.review_reasons, note]
        else:
            case.review_reasons = [*case.review_reasons, note]
            repo.set_case_status(session, case, CaseStatus.BOUNCED, "bounced", matched_by=match.matched_by)
    elif kind == "follow_up":
        forwarded = _forward_follow_up(services, session, case, raw, parsed)
        if forwarded is None:  # not forwarded yet: staff see the addition on the case
            case.review_reasons = [*case.review_reasons, f"{note} ({raw.received_at:%Y-%m-%d})"]
        note = forwarded or note
    _schedule_triage(services, session, raw, "follow_up" if kind in ("follow_up", "thanks") else None,
                     _agency_type(services, case, None), case.status)
    return ProcessResult(raw.id, case.reference, case.status, kind, case.unit_id, (note,))


def _forward_follow_up(services: Services, session: Session, case: Case, raw: RawMessage, parsed: ParsedMail) -> str | None:
    """Send the complainant's addition to the focal point the case went to (same recipients)."""
    forward = next((d for d in reversed(case.deliveries) if d.purpose == "forward"), None)
    if forward is None:
        return None
    rule = next((r for r in services.routing.rules if r.action == "follow_up"), None)
    letters, now = _letters(services), services.clock()
    facts = letters.facts(session, case, raw_message_id=raw.id)
    unit = services.directory.unit(case.unit_id) if case.unit_id else None
    draft = letters.follow_up(facts, case, tuple(forward.to_addrs), tuple(forward.cc_addrs),
                              unit.name if unit else ", ".join(forward.to_addrs), raw.received_at,
                              forward.message_id, now)
    enqueue(session, services.blobs, case, draft, now, purpose="follow_up", transport=rule.mode if rule else "smtp")
    return f"tindak lanjut pelapor diteruskan ke {', '.join(draft.to)} (kasus {case.reference})"


def _agency_type(services: Services, case: Case, decision: Decision | None) -> str | None:
    if decision is not None and decision.agency_type:
        return decision.agency_type
    unit = services.directory.unit(case.unit_id) if case.unit_id else None
    if unit is not None:
        return unit.type
    latest = case.classifications[-1] if case.classifications else None
    return latest.agency_type if latest else None


def _schedule_triage(
    services: Services, session: Session, raw: RawMessage, kind: str | None, agency_type: str | None, status: str
) -> None:
    """Record the keywords/folder the original mail should carry; applied on the server after commit."""
    if not services.routing.triage.enabled or raw.mailbox is None or raw.uid is None or raw.uidvalidity is None:
        return
    schedule_marks(session, raw, marks_for(services.routing.triage, kind, agency_type, status))


# --- deliver and run ---------------------------------------------------------------------------


def tend_cases(services: Services) -> TendReport:
    """Reminders and escalations that are due now (by the injected clock)."""
    return tend(services.factory, lambda: _letters(services), services.clock())


def apply_marks(services: Services) -> MarksReport:
    """Put the due triage keywords and folders on the office mailbox's original mails."""
    if not services.routing.triage.enabled:
        return MarksReport()
    return apply_due_marks(services.factory, services.settings, services.clock)


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
