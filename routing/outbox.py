"""The outbox: a delivery row is written with the routing decision, then sent by `deliver_one` (a worker's job
per row) or `deliver_pending` (every due row, for `run`, `send` and the staff app).

Record-before-send: a row is marked `sending` and committed before the server is contacted, by a sender that
holds the row's claim (`routing.claims`) until the outcome is committed. Several senders work side by side:
each takes only rows whose claim it gets.

One policy for an unknown outcome. When we cannot tell whether the server stored a letter (the process
died while the row was `sending`, or the connection was lost after the final dot of DATA), the letter is
never sent again automatically: `outcome_unknown` marks it `unknown`, with a reason in Indonesian, and puts
its case before staff like a failed one; a person checks and sends it again if needed. A row left `sending`
counts as interrupted only when its claim is free, that is when its sender's process is gone: a letter
another process is sending right now is never marked. A Drafts folder can be asked, so a draft is looked up
by its Message-ID before any new APPEND instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from core.errors import DeliveryFailed
from routing.claims import claims_for
from routing.draft import Draft
from routing.life import set_status
from routing.transport import DeliveryOutcomeUnknown, Transport
from storage.blobs import BlobStore
from storage.db import transaction
from storage.models import Case, CaseStatus, Delivery, DeliveryStatus
from storage.repository import audit

MAX_ATTEMPTS = 6
RETRY_BASE = timedelta(minutes=5)
INTERRUPTED = ("hasil tidak pasti: server surat tidak menjawab setelah surat dikirim; "
               "periksa apakah surat sudah diterima sebelum mengirim ulang")


@dataclass
class DeliveryReport:
    sent: list[Delivery] = field(default_factory=list)  # on the wire (SMTP)
    drafted: list[Delivery] = field(default_factory=list)  # stored in the Drafts folder for staff
    failed: list[Delivery] = field(default_factory=list)  # for staff: failed, or outcome unknown
    deferred: list[Delivery] = field(default_factory=list)


def enqueue(
    session: Session,
    blobs: BlobStore,
    case: Case,
    draft: Draft,
    now: datetime,
    purpose: str = "forward",
    transport: str = "smtp",
) -> Delivery:
    delivery = Delivery(
        purpose=purpose,
        transport=transport,
        sender=draft.sender,
        to_addrs=list(draft.to),
        cc_addrs=list(draft.cc),
        subject=draft.subject,
        message_id=draft.message_id,
        reply_to=draft.reply_to,
        blob_sha256=blobs.put_before_commit(session, draft.data),
        status=DeliveryStatus.PENDING,
        attempts=0,
        created_at=now,
    )
    if case.id is None:  # opened in this transaction: linked through its collection, inserted with it
        delivery.case = case
    else:
        delivery.case_id = case.id
    session.add(delivery)
    session.flush()
    session.info.setdefault(_QUEUED, []).append(delivery.id)
    audit(session, "delivery", delivery.id, "queued", to_status=delivery.status, detail={"case": case.reference})
    return delivery


_QUEUED = "outbox_queued"


def queued_in(session: Session) -> tuple[int, ...]:
    """The rows `enqueue` wrote in this session (the session's identity map keeps only rows still referenced)."""
    return tuple(session.info.get(_QUEUED, ()))


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count()).where(Delivery.status == DeliveryStatus.PENDING)) or 0


def recover_interrupted(factory: sessionmaker[Session], transports: Mapping[str, Transport] | None = None) -> int:
    """Rows left `sending` by a sender that is gone (its claim is free; see `routing.claims`). A Drafts folder
    can be asked whether the draft arrived (then it is sent, else it is tried again); an SMTP server cannot,
    so such a row's outcome is unknown. A row another process is sending right now is left alone. Returns
    the number of rows recovered."""
    claims = claims_for(factory.kw["bind"])
    with factory() as session:
        stuck = list(session.scalars(select(Delivery.id).where(Delivery.status == DeliveryStatus.SENDING)
                                     .order_by(Delivery.id)))
    recovered = 0
    for delivery_id in stuck:
        with claims.claim(delivery_id) as free:
            if not free:
                continue  # its sender is alive
            with transaction(factory) as session:
                delivery = session.get(Delivery, delivery_id, with_for_update=True)
                if delivery is not None and delivery.status == DeliveryStatus.SENDING:  # else finished meanwhile
                    recovered += _recover(session, delivery, transports or {})
    return recovered


def _recover(session: Session, delivery: Delivery, transports: Mapping[str, Transport]) -> bool:
    """A `sending` row whose claim we hold: its sender is gone. False when the Drafts folder cannot be asked now."""
    holds = getattr(transports.get(delivery.transport), "holds", None)
    if holds is None:
        outcome_unknown(session, delivery, None)
        return True
    try:
        arrived = holds(delivery.message_id)
    except DeliveryFailed:
        return False  # ask again next round
    _set(session, delivery, DeliveryStatus.SENT if arrived else DeliveryStatus.PENDING,
         None if arrived else "terputus sebelum tersimpan; dicoba lagi")
    return True


def outcome_unknown(session: Session, delivery: Delivery, detail: str | None) -> None:
    """The one answer to "did the server store it?" when nobody can tell: after a crash while `sending`
    and after a reply lost once the whole message was handed over. Never retried by itself; staff check."""
    _set(session, delivery, DeliveryStatus.UNKNOWN, f"{INTERRUPTED} ({detail})" if detail else INTERRUPTED)
    _show_staff(session, delivery)


def backoff(attempts: int, base: timedelta) -> timedelta:
    """Wait before the next try: base, 2×base, 4×base … after the 1st, 2nd, 3rd … failure."""
    return base * (2 ** max(attempts - 1, 0))


def due_ids(session: Session, modes: Sequence[str], now: datetime) -> list[int]:
    """Pending rows whose next try is due, oldest first."""
    return list(session.scalars(
        select(Delivery.id)
        .where(Delivery.status == DeliveryStatus.PENDING, Delivery.transport.in_(list(modes)),
               or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now))
        .order_by(Delivery.id)
    ))


def deliver_pending(
    factory: sessionmaker[Session],
    blobs: BlobStore,
    transports: Mapping[str, Transport] | Transport,
    clock: Callable[[], datetime],
    on_result: Callable[[Delivery], None] | None = None,
    *,
    retry_base: timedelta = RETRY_BASE,
    max_attempts: int = MAX_ATTEMPTS,
) -> DeliveryReport:
    """Send every pending row that is due, each through the transport of its delivery mode (rows another
    sender holds are left to it)."""
    by_mode = dict(transports) if isinstance(transports, Mapping) else {"smtp": transports}
    report = DeliveryReport()
    with factory() as session:
        ids = due_ids(session, list(by_mode), clock())
    deliver_many(factory, blobs, by_mode, clock, ids, report, on_result, retry_base=retry_base,
                 max_attempts=max_attempts)
    return report


def deliver_many(
    factory: sessionmaker[Session],
    blobs: BlobStore,
    transports: Mapping[str, Transport],
    clock: Callable[[], datetime],
    delivery_ids: Sequence[int],
    report: DeliveryReport | None = None,
    on_result: Callable[[Delivery], None] | None = None,
    *,
    retry_base: timedelta = RETRY_BASE,
    max_attempts: int = MAX_ATTEMPTS,
) -> list[Delivery]:
    """Send these rows one after the other (a worker's job: the letters of one message; `deliver_pending`: the
    due rows); the rows that were sent, failed or recovered, each also handed to `on_result` once committed.

    Record-before-send, as for one row (`deliver_one`), with fewer round trips: one claim holder for the lot,
    and the outcome of a letter committed in the transaction that marks the next one `sending`. A sender
    claims only the row it is about to send (rows another sender holds are left to it), and at any moment at
    most one of its rows is `sending` with its outcome not yet committed.
    """
    report = report if report is not None else DeliveryReport()
    policy = _Policy(clock, retry_base, max_attempts)
    done: list[Delivery] = []

    def settled(deliveries: list[Delivery], tried: bool = True) -> None:  # committed: reported and handed on
        for delivery in deliveries:
            _into(report, delivery, tried)
            done.append(delivery)
            if on_result is not None:
                on_result(delivery)

    def finish_alone(sent: _Sent) -> None:
        with transaction(factory) as session:
            finished = [_finish(session, sent, policy)]
        settled(finished)

    with claims_for(factory.kw["bind"]).holding() as claims:
        sent: _Sent | None = None  # the last letter handed to its server, its outcome not yet committed
        for delivery_id in delivery_ids:
            if not claims.take(delivery_id):
                continue
            try:
                with transaction(factory) as session:
                    finished = [_finish(session, sent, policy)] if sent is not None else []
                    begun = _begin(session, delivery_id, blobs, transports, policy)
            except Exception:
                if sent is not None:  # the next row could not be begun: the sent letter's outcome still stands
                    finish_alone(sent)
                raise
            if sent is not None:
                claims.give_back(sent.sending.delivery_id)
                sent = None
            settled(finished)
            if isinstance(begun, _Sending):
                sent = _Sent(begun, _attempt(begun))
                continue
            claims.give_back(delivery_id)
            if begun is not None:  # recovered: its sender had died mid-send
                settled([begun], tried=False)
        if sent is not None:
            finish_alone(sent)
    return done


def deliver_one(
    factory: sessionmaker[Session],
    blobs: BlobStore,
    transports: Mapping[str, Transport],
    clock: Callable[[], datetime],
    delivery_id: int,
    report: DeliveryReport | None = None,
    *,
    retry_base: timedelta = RETRY_BASE,
    max_attempts: int = MAX_ATTEMPTS,
) -> Delivery | None:
    """Send one row if it is still pending and no other sender holds it; None when there was nothing to do.

    Record-before-send: under the row's claim, the row is `sending` and committed before the server is
    contacted, so a crash between the server's OK and our commit is found by `recover_interrupted` (the
    claim dies with the process), never sent twice.
    """
    done = deliver_many(factory, blobs, transports, clock, [delivery_id], report,
                        retry_base=retry_base, max_attempts=max_attempts)
    return done[0] if done else None


@dataclass(frozen=True)
class _Policy:
    clock: Callable[[], datetime]
    retry_base: timedelta
    max_attempts: int


@dataclass(frozen=True)
class _Sending:
    """A row marked `sending` (committed), with what its server needs."""

    delivery_id: int
    transport: Transport
    message_id: str
    retry: bool
    sender: str
    recipients: tuple[str, ...]
    data: bytes


@dataclass(frozen=True)
class _Sent:
    sending: _Sending
    outcome: dict[str, str] | DeliveryFailed  # refused recipients, or why the server did not take it


def _begin(session: Session, delivery_id: int, blobs: BlobStore, transports: Mapping[str, Transport],
           policy: _Policy) -> _Sending | Delivery | None:
    """Under the row's claim: mark it `sending` (attempts + 1), or recover it if its sender died mid-send;
    None when there is nothing to do."""
    delivery = session.get(Delivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.transport not in transports:
        return None
    if delivery.status == DeliveryStatus.SENDING:  # its claim was free: the sender died mid-send
        _recover(session, delivery, transports)
        return delivery
    if delivery.status != DeliveryStatus.PENDING:
        return None  # sent meanwhile
    if delivery.next_attempt_at is not None and delivery.next_attempt_at > policy.clock():
        return None  # not due yet (a job queued before a 4xx)
    delivery.attempts += 1
    _set(session, delivery, DeliveryStatus.SENDING, None)
    return _Sending(delivery_id, transports[delivery.transport], delivery.message_id, delivery.attempts > 1,
                    delivery.sender, tuple(delivery.to_addrs) + tuple(delivery.cc_addrs),
                    blobs.get(delivery.blob_sha256))


def _attempt(sending: _Sending) -> dict[str, str] | DeliveryFailed:
    """The server's answer: refused recipients, or why it did not take the letter. A store that can be asked (a
    Drafts folder) is asked before a new try: an APPEND whose answer was lost may have stored the draft, and it
    must not be stored twice."""
    holds = getattr(sending.transport, "holds", None)
    try:
        if sending.retry and holds is not None and holds(sending.message_id):
            return {}
        return sending.transport.send(sending.sender, sending.recipients, sending.data)
    except DeliveryFailed as exc:  # DeliveryOutcomeUnknown included
        return exc


def _finish(session: Session, sent: _Sent, policy: _Policy) -> Delivery:
    """Write what the server answered (in the caller's transaction)."""
    delivery = session.get_one(Delivery, sent.sending.delivery_id)
    outcome = sent.outcome
    if isinstance(outcome, DeliveryOutcomeUnknown):
        outcome_unknown(session, delivery, outcome.message)
    elif isinstance(outcome, DeliveryFailed):
        if outcome.permanent or delivery.attempts >= policy.max_attempts:
            _set(session, delivery, DeliveryStatus.FAILED, outcome.message)
            _show_staff(session, delivery)
        else:
            delivery.next_attempt_at = policy.clock() + backoff(delivery.attempts, policy.retry_base)
            _set(session, delivery, DeliveryStatus.PENDING, outcome.message)
    else:
        delivery.sent_at = policy.clock()
        delivery.refused = dict(outcome)  # never written to again by a follow-up or reminder (5xx)
        note = "; ".join(f"{a}: {r}" for a, r in outcome.items()) or None
        _set(session, delivery, DeliveryStatus.SENT, f"ditolak sebagian: {note}" if note else None)
    return delivery


def _into(report: DeliveryReport, delivery: Delivery, tried: bool) -> None:
    """A committed row in its place in the report: failed or unknown, for staff; sent, drafted or due again when
    this sender tried it (a recovered row found sent, or due again, was not tried here: nowhere)."""
    if delivery.status in DeliveryStatus.FOR_STAFF:
        report.failed.append(delivery)
    elif not tried:
        return
    elif delivery.status == DeliveryStatus.PENDING:
        report.deferred.append(delivery)
    elif delivery.status == DeliveryStatus.SENT:
        (report.drafted if delivery.transport == "imap_draft" else report.sent).append(delivery)


def _set(session: Session, delivery: Delivery, status: str, error: str | None) -> None:
    previous = delivery.status
    delivery.status = status
    delivery.last_error = error
    audit(session, "delivery", delivery.id, f"status:{status}", from_status=previous, to_status=status,
          detail={"error": error} if error else {})


HELD_BY_FAILURE = ("forward", "referral")  # the case itself did not reach the agency


def _show_staff(session: Session, delivery: Delivery) -> None:
    """A letter that failed for good, or whose outcome is unknown, puts its case before staff, with the reason."""
    case = delivery.case
    what = "" if delivery.status == DeliveryStatus.UNKNOWN else " gagal"
    note = f"surat {delivery.purpose} ke {', '.join(delivery.to_addrs)}{what}: {delivery.last_error}"
    case.review_reasons = [*(case.review_reasons or []), note]
    if delivery.purpose in HELD_BY_FAILURE and case.status != CaseStatus.NEEDS_REVIEW:
        set_status(session, case, CaseStatus.NEEDS_REVIEW, "delivery_failed", delivery=delivery.id, error=note)
