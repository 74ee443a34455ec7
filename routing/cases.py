"""The case's life: open a case, record its classification, carry out the plan, forward it, send the
tanda terima, take in later messages (replies, bounces, follow-ups), triage marks. What staff do to a
case (route, re-route, answer, finish) is in `routing.staff`, on top of these.

Everything runs in the caller's transaction with one `Desk`: the directory as it stood when the message
(or the staff action) began, so a plan and its letter always see the same units and focal points. Every
status change goes through `routing.life.set_status`; every letter to an agency through `forward`. The
incoming message arrives as an `Incoming`, so routing never reads ingest's parser.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from classify.decision import Decision
from core.directory import Directory, Recipients
from core.errors import ExitCode, NarahubungError
from routing.draft import Draft, DraftComposer
from routing.letters import Letters
from routing.life import set_status
from routing.marks import marks_for, schedule
from routing.outbox import enqueue
from routing.plan import RoutePlan
from routing.rules import RoutingConfig
from routing.threads import ThreadMatch, find_thread, knows, looks_like_bounce, reference_pattern
from storage import repository as repo
from storage.blobs import BlobStore
from storage.models import (
    Case,
    CaseMessage,
    CaseStatus,
    Classification,
    Delivery,
    DeliveryStatus,
    RawMessage,
    RawStatus,
)

WIB = ZoneInfo("Asia/Jakarta")
DELIVERY_MODES = ("smtp", "imap_draft")
ROUTING_PURPOSES = ("forward", "referral", "reply")  # letters that decide a case: never sent twice by a rerun


# --- what the life of a case works with ----------------------------------------------------------


@dataclass(frozen=True)
class Desk:
    """What one message or one staff action works with: one directory snapshot and one `now`."""

    directory: Directory
    routing: RoutingConfig
    composer: DraftComposer
    blobs: BlobStore
    now: datetime

    @property
    def letters(self) -> Letters:
        return Letters(self.composer, self.directory, self.routing, self.blobs)

    @property
    def reference_prefix(self) -> str:
        return self.directory.office.id.upper()


@dataclass(frozen=True)
class Incoming:
    """The facts of an incoming mail the case's life needs (built by the application from the parser)."""

    subject: str
    sender_email: str
    sender_name: str = ""
    message_id: str | None = None
    date: datetime | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    text: str = ""  # the plain body, where a reference may be quoted
    is_auto_reply: bool = False
    auto_reply_reason: str | None = None  # why it is a machine's mail (auto-reply, bounce)

    @property
    def null_sender(self) -> bool:
        return self.headers.get("return-path", "").strip() == "<>"


# --- errors staff read -----------------------------------------------------------------------------


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


# --- opening and classifying -------------------------------------------------------------------------


def open_case(session: Session, desk: Desk, raw: RawMessage, incoming: Incoming | None) -> Case:
    received = raw.received_at
    if raw.source == "file" and incoming is not None and incoming.date is not None:
        received = incoming.date
    year = received.astimezone(WIB).year
    case = Case(
        reference=repo.next_reference(session, desk.reference_prefix, year, desk.routing.life.reference_format),
        raw_message_id=raw.id,
        status=CaseStatus.RECEIVED,
        subject=(incoming.subject if incoming else raw.filename or "")[:1000],
        complainant_name=(incoming.sender_name or None) if incoming else None,
        complainant_email=(incoming.sender_email or None) if incoming else None,
        received_at=received,
        deadline_at=received + timedelta(days=desk.directory.resolution_days),
        maladministration=[],
        review_reasons=[],
        created_at=desk.now,
        updated_at=desk.now,
    )
    # a new case has no letters or classifications yet: known without asking the database, and its rows are
    # linked through these collections (it gets its id at the transaction's next flush, not now)
    set_committed_value(case, "deliveries", [])
    set_committed_value(case, "classifications", [])
    session.add(case)
    repo.audit(session, "case", case.reference, "opened", to_status=case.status, detail={"raw_message": raw.id})
    return case


def record_classification(session: Session, desk: Desk, case: Case, decision: Decision) -> None:
    session.add(
        Classification(
            case=case,
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
            created_at=desk.now,
        )
    )
    case.kind = decision.kind
    case.unit_id = decision.unit
    case.maladministration = list(decision.maladministration)
    case.confidence = decision.confidence
    case.confidential = decision.confidential


# --- carrying out a plan --------------------------------------------------------------------------


def carry_out(
    session: Session, desk: Desk, case: Case, plan: RoutePlan, decision: Decision, incoming: Incoming | None
) -> RoutePlan:
    """The plan for a classified message, then the tanda terima. A case whose letter already went out
    (a message read again) keeps it: nothing is sent twice. Returns the plan that was carried out."""
    if any(d.purpose in ROUTING_PURPOSES for d in case.deliveries):
        return RoutePlan("keep", ("sudah diteruskan sebelumnya; tidak dikirim ulang",), unit_id=case.unit_id,
                         rule=case.route_rule)
    apply_plan(session, desk, case, plan, decision)
    acknowledge(session, desk, case, incoming, decision, plan)
    return plan


def apply_plan(session: Session, desk: Desk, case: Case, plan: RoutePlan, decision: Decision | None) -> None:
    """Carry out a plan in the caller's transaction: the outbox row is written with the decision."""
    case.review_reasons = list(plan.reasons)
    case.route_rule = plan.rule
    if decision is not None:
        case.other_province = decision.other_province
    letters, now = desk.letters, desk.now
    if plan.action == "archive":
        set_status(session, case, CaseStatus.ARCHIVED, "archived", reasons=list(plan.reasons))
        return
    if plan.action == "forward" and plan.recipients is not None and plan.unit_id is not None:
        forward(session, desk, case, Forwarding(unit_id=plan.unit_id, recipients=plan.recipients, mode=plan.mode,
                                                rule=plan.rule, reasons=plan.reasons))
        return
    if plan.action == "referral" and plan.office is not None:
        draft = letters.referral(letters.facts(session, case), case, plan.office, now)
        enqueue(session, desk.blobs, case, draft, now, purpose="referral", transport=plan.mode)
        case.routed_at = now
        set_status(session, case, CaseStatus.REFERRED, "referred", to=list(draft.to), rule=plan.rule,
                   mode=plan.mode, reasons=list(plan.reasons))
        return
    if plan.action == "reply" and case.complainant_email:
        draft = letters.reply(letters.facts(session, case), case, now)
        enqueue(session, desk.blobs, case, draft, now, purpose="reply", transport=plan.mode)
        where = "folder Drafts" if plan.mode == "imap_draft" else "kotak keluar"
        case.review_reasons = [*plan.reasons, f"draf jawaban disimpan di {where}; periksa sebelum dikirim"]
        set_status(session, case, CaseStatus.NEEDS_REVIEW, "reply_drafted", rule=plan.rule, mode=plan.mode,
                   reasons=case.review_reasons)
        return
    set_status(session, case, CaseStatus.NEEDS_REVIEW, "held_for_review", reasons=list(plan.reasons))


# --- forwarding: the rules, the staff and the complainant's follow-ups --------------------------------


@dataclass(frozen=True)
class Addition:
    """A later message of the complainant (a follow-up) to pass on to whoever holds the case."""

    raw_message_id: int
    received_at: datetime


@dataclass(frozen=True)
class Forwarding:
    """What `forward` sends: the case itself to a unit, or (with `addition`) a follow-up to the recipients
    that took the case's letter."""

    unit_id: str | None = None  # the unit the letter goes to
    recipients: Recipients | None = None  # the plan's (e.g. a fallback chain); None: the unit's focal points
    mode: str = "smtp"
    actor: str = "system"
    rule: str | None = None
    reasons: tuple[str, ...] = ()
    letter_text: str | None = None  # staff's edited text instead of the complaint's own words
    forward_attachments: bool | None = None
    addition: Addition | None = None
    replaces: bool = False  # re-routing: the new letter takes the place of the standing one


def forward(session: Session, desk: Desk, case: Case, what: Forwarding) -> Delivery | None:
    """The one way a letter of a case goes to an agency, for the rules, the staff and follow-ups.

    The case itself goes once (CaseAlreadyRouted while its letter stands) to the unit's focal points as
    they are in the desk's directory snapshot. A follow-up goes to the recipients of the standing letter
    that did not refuse it for good (5xx); None when there is none (staff see the addition instead).
    """
    now = desk.now
    if what.mode not in DELIVERY_MODES:
        raise UnknownDeliveryMode(f"Cara pengiriman '{what.mode}' tidak dikenal; pilih salah satu: "
                                  f"{', '.join(DELIVERY_MODES)}.")
    if what.addition is not None:
        return _forward_addition(session, desk, case, what.addition, what.mode)
    if not what.replaces and (case.status == CaseStatus.ROUTED or standing_forward(case) is not None):
        raise CaseAlreadyRouted(f"Kasus {case.reference} sudah diteruskan; surat tidak dikirim dua kali.")
    if not what.unit_id:
        raise CaseHasNoUnit(f"Kasus {case.reference} belum punya unit tujuan; pilih unitnya dahulu.")
    draft = forward_draft(session, desk, case, what.unit_id, what.recipients, what.letter_text,
                          what.forward_attachments)
    delivery = enqueue(session, desk.blobs, case, draft, now, purpose="forward", transport=what.mode)
    case.routed_at = now
    detail: dict[str, object] = {"unit": what.unit_id, "to": list(draft.to), "cc": list(draft.cc), "mode": what.mode}
    if what.actor == "system":
        detail.update(rule=what.rule, reasons=list(what.reasons))
    set_status(session, case, CaseStatus.ROUTED, "routed", actor=what.actor, **detail)
    return delivery


def forward_draft(
    session: Session,
    desk: Desk,
    case: Case,
    unit_id: str,
    recipients: Recipients | None = None,
    letter_text: str | None = None,
    forward_attachments: bool | None = None,
) -> Draft:
    unit = desk.directory.unit(unit_id)
    if unit is None:
        raise CaseHasNoUnit(f"Unit {unit_id} tidak ada di direktori.")
    recipients = recipients or desk.directory.recipients(unit.id)
    if not recipients.to:
        raise UnitHasNoFocalPoint(f"{unit.name} belum menunjuk narahubung; surat tidak dapat dikirim.")
    letters = desk.letters
    facts = letters.facts(session, case, text=letter_text, forward_attachments=forward_attachments)
    return letters.forward(facts, case, unit, recipients, desk.now)


def _forward_addition(session: Session, desk: Desk, case: Case, addition: Addition, mode: str) -> Delivery | None:
    standing = standing_forward(case)
    if standing is None:
        return None
    reach = reachable(standing)
    if reach is None:
        return None
    to, cc = reach
    letters = desk.letters
    facts = letters.facts(session, case, raw_message_id=addition.raw_message_id)
    unit = desk.directory.unit(case.unit_id) if case.unit_id else None
    draft = letters.follow_up(facts, case, to, cc, unit.name if unit else ", ".join(standing.to_addrs),
                              addition.received_at, standing.message_id, desk.now)
    return enqueue(session, desk.blobs, case, draft, desk.now, purpose="follow_up", transport=mode)


def standing_forward(case: Case) -> Delivery | None:
    """The case's letter to its agency that stands: the latest one not failed, of unknown outcome or withdrawn."""
    return next((d for d in reversed(case.deliveries)
                 if d.purpose == "forward" and d.status not in DeliveryStatus.GONE), None)


WAITING = "menunggu dikirim"


def shown_status(case: Case) -> str:
    """The status as staff read it. A case whose letter to the agency still waits in the outbox is not
    shown as "Diteruskan": nothing has left the office yet ("Menunggu dikirim")."""
    if case.status in (CaseStatus.ROUTED, CaseStatus.REFERRED):
        letter = next((d for d in reversed(case.deliveries)
                       if d.purpose in ("forward", "referral") and d.status not in DeliveryStatus.GONE), None)
        if letter is not None and letter.status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING):
            return WAITING.capitalize()
    return CaseStatus.NAMES.get(case.status, case.status)


def reachable(delivery: Delivery) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """To and Cc of `delivery` without the addresses its server refused for good (5xx); a backup in Cc
    moves up when every To refused. None when nobody took it."""
    gone = {a.lower() for a, reply in (delivery.refused or {}).items() if str(reply).startswith("5")}
    to = tuple(a for a in delivery.to_addrs if a.lower() not in gone)
    cc = tuple(a for a in delivery.cc_addrs if a.lower() not in gone)
    if not to:
        to, cc = cc, ()
    return (to, cc) if to else None


# --- the tanda terima -----------------------------------------------------------------------------


def acknowledge(
    session: Session, desk: Desk, case: Case, incoming: Incoming | None, decision: Decision | None, plan: RoutePlan
) -> Delivery | None:
    """Tanda terima: once per case, to a person who wrote, never to a machine or a null sender."""
    life = desk.routing.life
    if not life.acknowledge or incoming is None or decision is None or plan.action == "archive":
        return None
    if decision.kind not in life.acknowledge_kinds or not case.complainant_email:
        return None
    if incoming.is_auto_reply or incoming.null_sender:
        return None
    if case.complainant_email.lower() == desk.directory.office.sender_email.lower():
        return None  # our own mail come back: never a loop
    if any(d.purpose == "acknowledgement" for d in case.deliveries):
        return None
    draft = desk.letters.acknowledgement(case, desk.now, incoming.message_id)
    return enqueue(session, desk.blobs, case, draft, desk.now, purpose="acknowledgement", transport="smtp")


# --- later messages of a case ------------------------------------------------------------------------


@dataclass(frozen=True)
class Attached:
    """A later message stored on a known case (it opens no case of its own)."""

    case: Case
    kind: str  # reply | bounce | auto_reply | follow_up | thanks
    note: str


def attach(
    session: Session, desk: Desk, raw: RawMessage, incoming: Incoming, decision: Decision | None, plan: RoutePlan
) -> Attached | None:
    """A reply, bounce or follow-up of a known case is stored on that case and opens no case of its own."""
    new = raw.status == RawStatus.PENDING  # never recorded: no case message or triage mark of it exists yet
    # the lookups read cases and letters only: what this transaction wrote so far (the message's documents)
    # is flushed with what follows, not before each lookup
    with session.no_autoflush:
        if not new and session.scalar(select(CaseMessage).where(CaseMessage.raw_message_id == raw.id)) is not None:
            return None
        bounce = looks_like_bounce(dict(incoming.headers), incoming.sender_email)
        reference_re = reference_pattern(desk.routing.life.reference_format, desk.reference_prefix)
        match = find_thread(session, dict(incoming.headers), incoming.subject, incoming.sender_email,
                            desk.blobs.get(raw.sha256) if bounce else b"",  # only a bounce report is read whole
                            reference_re, bounce, body=incoming.text[:20000])
        if match is None and plan.action == "follow_up" and plan.case_ref:
            found = session.scalar(select(Case).where(func.upper(Case.reference) == plan.case_ref.upper()))
            # only the complainant or a recipient of the case's letters may add to it: anyone else quoting a
            # reference gets a case of their own (a stranger must never reach another complainant's case)
            match = (ThreadMatch(found, "case_ref") if found is not None and knows(found, incoming.sender_email)
                     else None)
    if match is None:
        return None
    case = match.case
    sender = (incoming.sender_email or "").lower()
    if incoming.auto_reply_reason:
        kind = "bounce" if bounce else "auto_reply"
    elif case.complainant_email and sender == case.complainant_email.lower():
        kind = "thanks" if decision is not None and decision.kind == "thanks" else "follow_up"
    else:
        kind = "reply"
    session.add(CaseMessage(case_id=case.id, raw_message_id=raw.id, kind=kind, matched_by=match.matched_by,
                            sender=sender[:255], subject=incoming.subject or "", received_at=raw.received_at))
    repo.audit(session, "case", case.reference, f"message_{kind}",
               detail={"raw_message": raw.id, "matched_by": match.matched_by, "from": sender})
    note = {
        "reply": f"balasan dari {sender} dicatat pada kasus {case.reference}",
        "bounce": f"surat kasus {case.reference} dipantulkan server penerima",
        "auto_reply": f"balasan otomatis dari {sender} dicatat pada kasus {case.reference}",
        "follow_up": f"tindak lanjut pelapor dilampirkan ke kasus {case.reference}",
        "thanks": f"ucapan terima kasih pelapor dicatat pada kasus {case.reference}",
    }[kind]
    if kind == "reply" and case.status not in (CaseStatus.ANSWERED, CaseStatus.ARCHIVED, CaseStatus.CLOSED):
        case.answered_at = desk.now
        set_status(session, case, CaseStatus.ANSWERED, "answered", by=sender, matched_by=match.matched_by)
    elif kind == "bounce":
        _bounced(session, case, match, incoming.subject, note)
    elif kind == "follow_up":
        rule = next((r for r in desk.routing.rules if r.action == "follow_up"), None)
        sent = forward(session, desk, case, Forwarding(mode=rule.mode if rule else "smtp",
                                                       addition=Addition(raw.id, raw.received_at)))
        if sent is None:  # not forwarded: staff see the addition on the case
            case.review_reasons = [*case.review_reasons, f"{note} ({raw.received_at:%Y-%m-%d})"]
        else:
            note = f"tindak lanjut pelapor diteruskan ke {', '.join(sent.to_addrs)} (kasus {case.reference})"
    mark(session, desk, raw, "follow_up" if kind in ("follow_up", "thanks") else None,
         agency_type(desk.directory, case), case.status, new=new)
    return Attached(case, kind, note)


def _bounced(session: Session, case: Case, match: ThreadMatch, subject: str, note: str) -> None:
    if match.delivery is not None:
        match.delivery.last_error = f"dipantulkan: {subject}"[:500]
    if match.delivery is not None and match.delivery.purpose == "acknowledgement":
        note = f"tanda terima kasus {case.reference} tidak sampai ke pelapor ({case.complainant_email})"
        case.review_reasons = [*case.review_reasons, note]
        return
    case.review_reasons = [*case.review_reasons, note]
    set_status(session, case, CaseStatus.BOUNCED, "bounced", matched_by=match.matched_by)


# --- triage marks ----------------------------------------------------------------------------------


def agency_type(directory: Directory, case: Case, decision: Decision | None = None) -> str | None:
    """The agency type a case's mail is marked with: the decision's, else its unit's, else the latest guess."""
    if decision is not None and decision.agency_type:
        return decision.agency_type
    unit = directory.unit(case.unit_id) if case.unit_id else None
    if unit is not None:
        return unit.type
    latest = repo.latest_classification(case)
    return latest.agency_type if latest else None


def mark(
    session: Session, desk: Desk, raw: RawMessage, kind: str | None, agency: str | None, status: str, *,
    new: bool = False,
) -> None:
    """Record the keywords/folder the original mail should carry; applied on the server after commit.
    `new`: the message is being recorded for the first time, so it has no mark row yet."""
    if not desk.routing.triage.enabled or raw.mailbox is None or raw.uid is None or raw.uidvalidity is None:
        return
    schedule(session, raw, marks_for(desk.routing.triage, kind, agency, status), new=new)


def remark(session: Session, desk: Desk, case: Case) -> None:
    """After a staff action or correction: the case's original mail follows the case."""
    raw = session.get(RawMessage, case.raw_message_id)
    if raw is not None:
        mark(session, desk, raw, case.kind, agency_type(desk.directory, case), case.status)
