"""The outbox: a delivery row is written with the routing decision, then sent by `deliver_pending`.

Record-before-send: a row is marked `sending` and committed before the server is contacted. A row
found still `sending` after a crash may or may not have reached the server, so it is never sent again
automatically; it is marked failed for staff to check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from narahubung.errors import DeliveryFailed
from routing.draft import Draft
from routing.transport import Transport
from storage.blobs import BlobStore
from storage.db import transaction
from storage.models import Case, Delivery, DeliveryStatus
from storage.repository import audit

MAX_ATTEMPTS = 5
INTERRUPTED = "pengiriman terputus; periksa kotak keluar server sebelum mengirim ulang"


@dataclass
class DeliveryReport:
    sent: list[Delivery] = field(default_factory=list)
    failed: list[Delivery] = field(default_factory=list)
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
        case_id=case.id,
        purpose=purpose,
        transport=transport,
        sender=draft.sender,
        to_addrs=list(draft.to),
        cc_addrs=list(draft.cc),
        subject=draft.subject,
        message_id=draft.message_id,
        blob_sha256=blobs.put(draft.data),
        status=DeliveryStatus.PENDING,
        attempts=0,
        created_at=now,
    )
    session.add(delivery)
    session.flush()
    audit(session, "delivery", delivery.id, "queued", to_status=delivery.status, detail={"case": case.reference})
    return delivery


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count()).where(Delivery.status == DeliveryStatus.PENDING)) or 0


def recover_interrupted(factory: sessionmaker[Session]) -> int:
    with transaction(factory) as session:
        stuck = list(session.scalars(select(Delivery).where(Delivery.status == DeliveryStatus.SENDING)))
        for delivery in stuck:
            _set(session, delivery, DeliveryStatus.FAILED, INTERRUPTED)
        return len(stuck)


def deliver_pending(
    factory: sessionmaker[Session],
    blobs: BlobStore,
    transport: Transport,
    clock: Callable[[], datetime],
    on_result: Callable[[Delivery], None] | None = None,
) -> DeliveryReport:
    report = DeliveryReport()
    with factory() as session:
        ids = list(
            session.scalars(
                select(Delivery.id).where(Delivery.status == DeliveryStatus.PENDING).order_by(Delivery.id)
            )
        )
    for delivery_id in ids:
        with transaction(factory) as session:
            delivery = session.get(Delivery, delivery_id)
            if delivery is None or delivery.status != DeliveryStatus.PENDING:
                continue  # another worker took it
            delivery.attempts += 1
            _set(session, delivery, DeliveryStatus.SENDING, None)
            sender = delivery.sender
            recipients = tuple(delivery.to_addrs) + tuple(delivery.cc_addrs)
            data = blobs.get(delivery.blob_sha256)
        try:
            refused = transport.send(sender, recipients, data)
        except DeliveryFailed as exc:
            final = exc.permanent
            with transaction(factory) as session:
                delivery = session.get_one(Delivery, delivery_id)
                if final or delivery.attempts >= MAX_ATTEMPTS:
                    _set(session, delivery, DeliveryStatus.FAILED, exc.message)
                    report.failed.append(delivery)
                else:
                    _set(session, delivery, DeliveryStatus.PENDING, exc.message)
                    report.deferred.append(delivery)
        else:
            with transaction(factory) as session:
                delivery = session.get_one(Delivery, delivery_id)
                delivery.sent_at = clock()
                note = "; ".join(f"{a}: {r}" for a, r in refused.items()) or None
                _set(session, delivery, DeliveryStatus.SENT, f"ditolak sebagian: {note}" if note else None)
                report.sent.append(delivery)
        if on_result is not None:
            on_result(delivery)
    return report


def _set(session: Session, delivery: Delivery, status: str, error: str | None) -> None:
    previous = delivery.status
    delivery.status = status
    delivery.last_error = error
    audit(session, "delivery", delivery.id, f"status:{status}", from_status=previous, to_status=status,
          detail={"error": error} if error else {})
