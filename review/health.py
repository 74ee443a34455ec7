"""What staff must know about the machinery, in one sentence each: a mailbox or the SMTP server that fails in a
way a person must fix (storage.health's mailbox problems), and letters waiting with no sender running.

Shown as a banner on every page of the app (`banner` in the templates) and listed in the daily digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session

from core.settings import Settings
from storage import health
from storage.health import MailboxProblem, SenderDown

WIB = timezone(timedelta(hours=7))
SENDER_DOWN = "Pengirim surat tidak berjalan — surat menunggu di kotak keluar"


@dataclass(frozen=True)
class Notice:
    headline: str  # one sentence: what fails and since when
    detail: str  # the error as the log has it, and what to do


def when(value: datetime) -> str:
    return value.astimezone(WIB).strftime("%d/%m/%Y %H.%M WIB")


def notice(problem: MailboxProblem) -> Notice:
    since = when(problem.since)
    if problem.mailbox == health.SMTP:
        headline = (f"Login server surat keluar (SMTP) ditolak sejak {since}" if problem.kind == "auth" else
                    f"Server surat keluar (SMTP) tidak dapat dipakai sejak {since}: pengaturannya perlu diperbaiki")
        return Notice(headline + "; surat menunggu di kotak keluar.", problem.message)
    headline = (f"Login kotak surat {problem.mailbox} ditolak sejak {since}" if problem.kind == "auth" else
                f"Kotak surat {problem.mailbox} tidak dapat dibaca sejak {since}: pengaturannya perlu diperbaiki")
    return Notice(headline + "; surel baru di sana belum masuk ke antrean.", problem.message)


def mailbox_notices(session: Session, settings: Settings) -> list[Notice]:
    """A notice per mailbox folder (and SMTP) that fails now in a way a person must fix, longest first."""
    return [notice(p) for p in health.mailbox_problems(session, health.configured_mailboxes(settings))]


def sender_notice(down: SenderDown) -> Notice:
    seen = f"terakhir terlihat {when(down.last_seen)}" if down.last_seen else "belum pernah terlihat berjalan"
    return Notice(f"{SENDER_DOWN} ({down.waiting} surat).",
                  f"Pengirim {seen}: jalankan “narahubung run” atau “narahubung worker”, atau “narahubung "
                  "run --once” dari penjadwal.")


def sender_down_notice(session: Session) -> Notice | None:
    down = health.sender_down(session)
    return sender_notice(down) if down is not None else None
