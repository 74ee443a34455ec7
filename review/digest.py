"""The daily e-mail digest for staff who opt in: new cases waiting, failed deliveries, overdue cases, and what
a person must fix first (a mailbox or the SMTP server refusing the login or failing on a setting, letters
waiting with no sender running: the app's banner, review.health).

Sent through the services' mail transport (the same SMTP sender as the letters). A digest is claimed
before it is sent (`last_sent_on` set to today's office date in one UPDATE), so two app processes never
send the same staff member two digests on one day. `DigestSender` runs in the review app's process and
looks every ten minutes whether it is past `SEND_AFTER` (office time) and someone is due.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from core.errors import NarahubungError
from core.settings import Settings
from narahubung.services import Services
from review.health import Notice, mailbox_notices, sender_down_notice
from storage.models import Case, CaseStatus, Delivery, DeliveryStatus, DigestSubscription

log = logging.getLogger(__name__)
WIB = timezone(timedelta(hours=7))
SEND_AFTER = 7  # o'clock, office time
LISTED = 10  # cases named per section


@dataclass(frozen=True)
class Digest:
    day: str
    waiting: int
    new_waiting: list[tuple[str, str]]  # (reference, subject) received in the last 24 h
    failed: list[tuple[str, str]]  # (reference, what failed)
    overdue: int
    overdue_cases: list[tuple[str, str]]
    problems: tuple[Notice, ...] = ()  # what a person must fix first, as the app's banner says it


def build_digest(session: Session, now: datetime, settings: Settings | None = None) -> Digest:
    since = now - timedelta(days=1)
    waiting_q = select(Case).where(Case.status == CaseStatus.NEEDS_REVIEW)
    waiting = session.scalar(select(func.count()).select_from(waiting_q.subquery())) or 0
    new = session.scalars(waiting_q.where(Case.received_at >= since).order_by(Case.received_at).limit(LISTED))
    failed = session.execute(
        select(Case.reference, Delivery.last_error).join(Case, Case.id == Delivery.case_id)
        .where(Delivery.status.in_(DeliveryStatus.FOR_STAFF)).order_by(Delivery.id.desc()).limit(LISTED))
    late_q = select(Case).where(Case.deadline_at < now, Case.answered_at.is_(None),
                                Case.status.not_in((CaseStatus.ARCHIVED, CaseStatus.ANSWERED, CaseStatus.CLOSED)))
    overdue = session.scalar(select(func.count()).select_from(late_q.subquery())) or 0
    late = session.scalars(late_q.order_by(Case.deadline_at).limit(LISTED))
    return Digest(
        day=now.astimezone(WIB).date().isoformat(), waiting=waiting,
        new_waiting=[(c.reference, _short(c.subject)) for c in new],
        failed=[(ref, _short(error or "tanpa keterangan")) for ref, error in failed],
        overdue=overdue, overdue_cases=[(c.reference, _short(c.subject)) for c in late],
        problems=_problems(session, settings),
    )


def _problems(session: Session, settings: Settings | None) -> tuple[Notice, ...]:
    notices = mailbox_notices(session, settings) if settings is not None else []
    down = sender_down_notice(session)
    return tuple(notices + ([down] if down is not None else []))


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def compose(digest: Digest, *, sender: str, to: str, app_url: str) -> EmailMessage:
    lines = [f"Ringkasan harian Narahubung, {digest.day}.", ""]
    if digest.problems:
        lines.append(f"Perlu diperbaiki lebih dahulu ({len(digest.problems)}):")
        lines += [f"  - {n.headline} {n.detail}" for n in digest.problems]
        lines.append("")
    lines.append(f"Kasus menunggu tinjauan: {digest.waiting}; baru dalam 24 jam: {len(digest.new_waiting)}.")
    lines += [f"  - {ref}: {subject}" for ref, subject in digest.new_waiting]
    lines += ["", f"Pengiriman surat yang gagal atau tidak pasti: {len(digest.failed)}."]
    lines += [f"  - {ref}: {error}" for ref, error in digest.failed]
    lines += ["", f"Kasus lewat tenggat: {digest.overdue}."]
    lines += [f"  - {ref}: {subject}" for ref, subject in digest.overdue_cases]
    lines += ["", f"Antrean: {app_url}/antrean", f"Lewat tenggat: {app_url}/antrean?status=semua&terlambat=1", "",
              "Anda menerima surel ini karena berlangganan ringkasan harian; berhenti di halaman Akun."]
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    trouble = f"{len(digest.problems)} perlu diperbaiki, " if digest.problems else ""
    msg["Subject"] = (f"[Narahubung] Ringkasan {digest.day}: {trouble}{digest.waiting} menunggu, "
                      f"{len(digest.failed)} gagal kirim, {digest.overdue} lewat tenggat")
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content("\n".join(lines), cte="quoted-printable")
    return msg


def send_digest(services: Services, username: str, *, now: datetime | None = None, app_url: str = "",
                force: bool = False) -> bool:
    """Send `username` today's digest (once a day unless `force`); True when it went out."""
    if services.transport is None:
        raise NarahubungError("Server surat (SMTP) belum diatur; ringkasan tidak dapat dikirim.")
    now = now or datetime.now(UTC)
    today = now.astimezone(WIB).date().isoformat()
    with services.factory() as session, session.begin():
        claim = update(DigestSubscription).where(DigestSubscription.username == username)
        if not force:
            claim = claim.where(or_(DigestSubscription.last_sent_on.is_(None), DigestSubscription.last_sent_on != today))
        claimed = session.execute(claim.values(last_sent_on=today).returning(DigestSubscription.email)).scalar()
        if claimed is None:
            return False
        digest = build_digest(session, now, services.settings)
    sender = services.directory.office.sender_email
    message = compose(digest, sender=sender, to=claimed, app_url=app_url)
    services.transport.send(sender, (claimed,), message.as_bytes(policy=SMTP))  # CRLF line ends
    return True


def due_usernames(session: Session, today: str) -> list[str]:
    return list(session.scalars(select(DigestSubscription.username).where(
        or_(DigestSubscription.last_sent_on.is_(None), DigestSubscription.last_sent_on != today))))


class DigestSender:
    """A daemon thread of the app: every `interval` seconds, after SEND_AFTER o'clock, the due digests."""

    def __init__(self, services: Services, app_url: str, interval: float = 600.0) -> None:
        self._services, self._app_url, self._interval = services, app_url, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="ringkasan-harian", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def run_once(self, now: datetime | None = None) -> int:
        now = now or datetime.now(UTC)
        if now.astimezone(WIB).hour < SEND_AFTER or self._services.transport is None:
            return 0
        with self._services.factory() as session:
            names = due_usernames(session, now.astimezone(WIB).date().isoformat())
        sent = 0
        for name in names:
            try:
                sent += send_digest(self._services, name, now=now, app_url=self._app_url)
            except Exception:
                log.exception("ringkasan harian untuk %s tidak terkirim", name)
        return sent

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            self.run_once()
