"""Bringing messages into storage: IMAP folders, files from disk, the scanner's drop folder.

Only stores (bytes first, then the row); `pipeline.process_pending` does the rest.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from core.errors import MailboxUnavailable
from ingest.dropfolder import DropFolder, LetterChanged, LetterTooLarge, read
from ingest.files import collect
from ingest.imap.actions import action_for
from ingest.imap.connection import ImapAccount, translate_errors
from ingest.imap.sync import SyncResult, sync_folder
from narahubung.services import Services
from storage import repository as repo
from storage.db import transaction
from storage.health import mailbox_id
from storage.message_store import DatabaseMessageStore
from storage.models import RawStatus
from storage.repository import IncomingRaw

log = logging.getLogger("narahubung.intake")


@dataclass
class IngestReport:
    stored: int = 0
    duplicates: int = 0
    oversize: int = 0
    errors: list[str] = field(default_factory=list)
    failures: list[MailboxUnavailable] = field(default_factory=list)  # for the exit code (issue 14.2)
    # each folder synced: its problem, or None when it worked (`storage.health.mailbox_id` → outcome)
    folders: dict[str, MailboxUnavailable | None] = field(default_factory=dict)


@dataclass(frozen=True)
class FolderRef:
    account: ImapAccount
    folder: str

    @property
    def label(self) -> str:
        return f"{self.account.label} / {self.folder}"


def folders(services: Services) -> Iterator[FolderRef]:
    for mailbox in services.settings.all_mailboxes:
        account = ImapAccount(mailbox)
        for folder in mailbox.folder_names:
            yield FolderRef(account, folder)


def sync_mailboxes(
    services: Services,
    *,
    since: date | None = None,
    only: str | None = None,
    on_total: Callable[[str, int], None] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> IngestReport:
    """One sync of every configured folder (or of mailbox `only`). An unreachable one is reported, not fatal."""
    store = DatabaseMessageStore(services.factory, services.blobs)
    report = IngestReport()
    for ref in folders(services):
        if only is not None and ref.account.settings.name != only:
            continue
        try:
            result = _sync_folder_once(ref, store, since, on_total, on_batch)
        except MailboxUnavailable as exc:
            log.error("%s", exc.message)
            report.errors.append(exc.message)
            report.failures.append(exc)
            report.folders[mailbox_id(ref.account.settings.name, ref.folder)] = exc
            continue
        report.folders[mailbox_id(ref.account.settings.name, ref.folder)] = None
        report.stored += result.stored - result.duplicates
        report.duplicates += result.duplicates
        report.oversize += result.oversize
    return report


def _sync_folder_once(
    ref: FolderRef,
    store: DatabaseMessageStore,
    since: date | None,
    on_total: Callable[[str, int], None] | None,
    on_batch: Callable[[int], None] | None,
) -> SyncResult:
    action = action_for(ref.account.settings)
    with ref.account.session() as client:
        return translate_errors(
            ref.label,
            lambda: sync_folder(
                client, ref.account.target(ref.folder), store, action, since=since,
                on_total=(lambda n: on_total(ref.label, n)) if on_total else None,
                on_batch=on_batch,
            ),
        )


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
            _count(report, raw.status)
    return report


def ingest_drop_folder(services: Services, drop: DropFolder) -> IngestReport:
    """Store every settled letter, then move it to diproses/ (after the commit) or gagal/."""
    report = IngestReport()
    limit = int(services.settings.max_message_mb * 1024 * 1024)
    ready = drop.scan()
    for path in drop.unsupported():
        drop.reject(path, "jenis berkas tidak didukung: hanya PDF, JPEG, PNG dan TIFF")
        report.errors.append(f"{path.name}: jenis berkas tidak didukung")
    for item in ready:
        try:
            data = read(item, limit)
        except LetterChanged:
            continue  # still being written or replaced: seen again on the next scan
        except LetterTooLarge as exc:
            with transaction(services.factory) as session:  # staff see it; the file waits in gagal/
                repo.store_raws(session, services.blobs, [IncomingRaw(
                    data=b"", source="letter", received_at=services.clock(), filename=item.name,
                    content_type=item.content_type, size=item.size, truncated=True,
                    error=f"{exc.message}; berkas disimpan di {drop.failed}",
                )])
            drop.finish(item, ok=False, reason=exc.message)
            report.oversize += 1
            report.errors.append(f"{item.name}: {exc.message}")
            continue
        with transaction(services.factory) as session:
            raw = repo.store_raw(
                session, services.blobs, data, source="letter", received_at=services.clock(),
                filename=item.name, content_type=item.content_type,
            )
            _count(report, raw.status)
        try:
            drop.finish(item, ok=True)
        except LetterChanged:
            log.warning("%s berubah setelah disimpan; berkas dibiarkan di folder masuk", item.name)
    return report


def drop_folder_once(services: Services, drop: DropFolder) -> IngestReport:
    """For `run --once`: look twice, a settle period apart, so that only finished files are taken."""
    drop.scan()
    time.sleep(drop.settle_seconds)
    return ingest_drop_folder(services, drop)


def _count(report: IngestReport, status: str) -> None:
    if status == RawStatus.DUPLICATE:
        report.duplicates += 1
    else:
        report.stored += 1
