"""The inbox itself is triaged: the original mail in the office mailbox gets IMAP keywords (its kind,
its agency type, $PerluTinjauan, $Diteruskan) and, if configured, moves to a Triase/… folder.

What a mail should carry is decided by the case's life in its transaction (`routing.marks`, a due row);
the server is changed only after the commit (`apply_due_marks`), so a lost connection leaves the row
due and the next round tries again. A staff correction makes the row due again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from imapclient import IMAPClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.errors import MailboxUnavailable
from core.settings import MailboxSettings, Settings
from ingest.imap.connection import NETWORK_ERRORS, ImapAccount
from storage.db import transaction
from storage.models import TriageMark

log = logging.getLogger("narahubung.triage")
_MAILBOX_KEY = re.compile(r"^(?P<account>imaps?://[^/]+)/(?P<folder>.*)$")


@dataclass
class MarksReport:
    applied: int = 0
    errors: list[str] = field(default_factory=list)


def apply_due_marks(
    factory: sessionmaker[Session], settings: Settings, clock: Callable[[], datetime], only: int | None = None
) -> MarksReport:
    """Change the server for every due row (or only the row of raw message `only`)."""
    report = MarksReport()
    with factory() as session:
        query = select(TriageMark).where(TriageMark.due.is_(True)).order_by(TriageMark.id)
        if only is not None:
            query = query.where(TriageMark.raw_message_id == only)
        rows = list(session.scalars(query))
    by_account: dict[str, list[TriageMark]] = {}
    for row in rows:
        by_account.setdefault(row.mailbox, []).append(row)
    for account_key, marks in by_account.items():
        mailbox = _mailbox_settings(settings, account_key)
        if mailbox is None:
            report.errors.append(f"{account_key}: kotak surat tidak ada di pengaturan")
            continue
        try:
            with ImapAccount(mailbox).session() as client:
                for row in marks:
                    _apply_one(factory, client, row, clock, report)
        except (MailboxUnavailable, *NETWORK_ERRORS) as exc:
            message = exc.message if isinstance(exc, MailboxUnavailable) else str(exc)
            log.warning("Tanda triase %s belum dipasang: %s", account_key, message)
            report.errors.append(f"{account_key}: {message}")
    return report


def _apply_one(
    factory: sessionmaker[Session], client: IMAPClient, row: TriageMark, clock: Callable[[], datetime],
    report: MarksReport,
) -> None:
    try:
        uid, folder, uidvalidity = _locate(client, row)
        remove = [k for k in row.applied_keywords or [] if k not in row.keywords]
        if remove:
            client.remove_flags([uid], [k.encode("ascii") for k in remove], silent=True)
        if row.keywords:
            client.add_flags([uid], [k.encode("ascii") for k in row.keywords], silent=True)
        target = server_folder(client, row.target_folder) if row.target_folder else None
        if target and target != folder:
            uid, uidvalidity = _move(client, uid, row, target)
            folder = target
        error, retry = None, False
    except _NotThere as exc:
        error, retry = str(exc), False  # moved or deleted by hand: say so, do not retry forever
    except NETWORK_ERRORS as exc:
        error, retry = str(exc) or type(exc).__name__, True
    with transaction(factory) as session:
        stored = session.get_one(TriageMark, row.id)
        if error is None:
            stored.folder, stored.uid, stored.uidvalidity = folder, uid, uidvalidity
            stored.applied_keywords = list(stored.keywords)
            stored.applied_at = clock()
            stored.error = None
            stored.due = stored.keywords != row.keywords or stored.target_folder != row.target_folder
            report.applied += 1
        else:
            stored.error = error[:500]
            stored.due = retry
            report.errors.append(f"UID {row.uid} di {row.folder}: {error}")


class _NotThere(Exception):
    pass


def _locate(client: IMAPClient, row: TriageMark) -> tuple[int, str, int]:
    """The mail's uid now: where we left it, else found again by Message-ID in that folder."""
    if not client.folder_exists(row.folder):
        raise _NotThere(f"folder {row.folder} tidak ada lagi")
    selected = client.select_folder(row.folder)
    uidvalidity = int(selected[b"UIDVALIDITY"])
    if uidvalidity == row.uidvalidity and client.search(["UID", str(row.uid)]):
        return row.uid, row.folder, uidvalidity
    if row.message_id:
        found = client.search(["HEADER", "Message-ID", row.message_id])
        if found:
            return int(found[0]), row.folder, uidvalidity
    raise _NotThere(f"pesan tidak ditemukan lagi di {row.folder}")


def server_folder(client: IMAPClient, name: str) -> str:
    """A configured folder name ("Triase/Spam") in the server's own notation: its hierarchy delimiter
    ("." on Dovecot's default maildir) and its personal namespace prefix (e.g. "INBOX." on Courier)."""
    listed = client.list_folders("", "")
    delimiter = listed[0][1] if listed else b"/"
    if isinstance(delimiter, bytes):
        delimiter = delimiter.decode()
    delimiter = delimiter or "/"
    prefix = ""
    if client.has_capability("NAMESPACE"):
        personal = client.namespace().personal or ()
        prefix = personal[0][0] if personal else ""
        prefix = prefix.decode() if isinstance(prefix, bytes) else prefix
    translated = delimiter.join(part for part in name.split("/") if part)
    return translated if not prefix or translated.startswith(prefix) else prefix + translated


def _move(client: IMAPClient, uid: int, row: TriageMark, target: str) -> tuple[int, int]:
    if not client.folder_exists(target):
        client.create_folder(target)
    if client.has_capability("MOVE"):
        client.move([uid], target)
    else:
        client.copy([uid], target)
        client.delete_messages([uid], silent=True)
        client.expunge()
    selected = client.select_folder(target)
    uidvalidity = int(selected[b"UIDVALIDITY"])
    found = client.search(["HEADER", "Message-ID", row.message_id]) if row.message_id else []
    new_uid = int(max(found)) if found else int(selected[b"UIDNEXT"]) - 1
    return new_uid, uidvalidity


def _mailbox_settings(settings: Settings, account_key: str) -> MailboxSettings | None:
    for mailbox in settings.all_mailboxes:
        found = _MAILBOX_KEY.match(mailbox.endpoint.mailbox_key(""))
        if found is not None and found["account"] == account_key:
            return mailbox
    return None
