"""`narahubung run`: one thread per mailbox folder, one for the drop folder, one that processes.

Watchers only store; they wake the processor, which is the single place where messages become cases
and letters are sent, so two threads never work on the same message. Any error in a thread is logged
and the thread carries on: the poller never dies on bad input or a lost server.

What staff must know is kept where the review app reads it (storage.health): a mailbox folder or the SMTP
server failing in a way a person must fix, and a heartbeat every `health.BEAT_EVERY_S` while this process
can send the outbox. `record_round` does the same for one `run --once` round.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from core.errors import ExitCode, MailboxAuthFailed, MailboxUnavailable, NarahubungError
from ingest.dropfolder import DropFolder
from ingest.imap.watcher import FolderWatcher
from narahubung.intake import FolderRef, IngestReport, folders, ingest_drop_folder
from narahubung.pipeline import (
    RunReport,
    apply_marks,
    deliver,
    process_pending,
    tend_cases,
)
from narahubung.services import Services
from routing.transport import DeliveryAuthFailed
from storage import health
from storage.db import write_with_retry
from storage.message_store import DatabaseMessageStore

log = logging.getLogger("narahubung.runner")
DROP_SCAN_S = 1.0


class Runner:
    def __init__(
        self,
        services: Services,
        stop: threading.Event | None = None,
        on_round: Callable[[RunReport], None] | None = None,
    ) -> None:
        self.services = services
        self.stop = stop or threading.Event()
        self.on_round = on_round
        self.wake = threading.Event()
        store = DatabaseMessageStore(services.factory, services.blobs)
        self.watchers = [
            FolderWatcher(
                ref.account, ref.folder, store, self.stop,
                poll_interval=services.settings.poll_interval,
                on_stored=lambda _result: self.wake.set(),
                on_problem=self._record_health(ref),
            )
            for ref in folders(services)
        ]
        self.drop = DropFolder(services.settings.drop_dir) if services.settings.drop_dir else None
        self.threads: list[threading.Thread] = []
        self._smtp_failing = False

    def start(self) -> Runner:
        self.wake.set()  # messages left pending by an earlier run are processed at once
        for watcher in self.watchers:
            self._spawn(f"imap {watcher.label}", watcher.run)
        if self.drop is not None:
            self._spawn("drop folder", self._watch_drop_folder)
        self._spawn("processor", self._process_loop)
        if can_send(self.services):
            self._spawn("heartbeat", self._beat_loop)
        return self

    def join(self, timeout: float | None = None) -> None:
        for thread in self.threads:
            thread.join(timeout)

    def run_until_stopped(self) -> None:
        self.start()
        self.stop.wait()
        self.wake.set()
        self.join(timeout=30)

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=self._guard(name, target), name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def _guard(self, name: str, target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            while not self.stop.is_set():
                try:
                    target()
                    return
                except Exception:  # keep the thread alive whatever happened; the log has the details
                    log.exception("%s: galat tak terduga; dilanjutkan dalam 5 detik", name)
                    self.stop.wait(5.0)

        return run

    def _record_health(self, ref: FolderRef) -> Callable[[MailboxUnavailable | None], None]:
        """Keep the mailbox's state where staff see it (the review app's banner: storage.health)."""
        mailbox = health.mailbox_id(ref.account.settings.name, ref.folder)
        return lambda problem: record_mailbox(self.services, mailbox, problem)

    def _record_smtp_health(self, sent: bool) -> None:
        self._smtp_failing = record_smtp(self.services, sent, already_failing=self._smtp_failing)

    def _beat_loop(self) -> None:
        while not self.stop.is_set():
            write_with_retry(self.services.factory, lambda s: health.beat(s, "run"))
            self.stop.wait(health.BEAT_EVERY_S)

    def _watch_drop_folder(self) -> None:
        assert self.drop is not None
        while not self.stop.is_set():
            try:
                report = ingest_drop_folder(self.services, self.drop)
            except NarahubungError as exc:
                log.warning("Folder pindaian %s: %s", self.drop.root, exc.message)
                self.stop.wait(30.0)
                continue
            if report.stored or report.oversize:
                self.wake.set()
            self.stop.wait(DROP_SCAN_S)

    def _process_loop(self) -> None:
        while not self.stop.is_set():
            self.wake.wait(self.services.settings.poll_interval)
            self.wake.clear()
            report = RunReport()
            report.processed = process_pending(self.services)
            report.tended = tend_cases(self.services)  # reminders and escalations due by the clock
            if self.services.transport is not None or self.services.drafts is not None:
                report.delivery = deliver(self.services)
                self._record_smtp_health(bool(report.delivery.sent))
            report.marks = apply_marks(self.services)  # keywords/folders in the office mailbox
            if self.on_round and (report.processed or report.delivery.sent or report.delivery.failed
                                  or report.tended.reminders or report.tended.escalations):
                self.on_round(report)


def can_send(services: Services) -> bool:
    """Whether this process sends the outbox (SMTP letters or IMAP drafts): only then is it a sender."""
    return services.transport is not None or services.drafts is not None


def record_mailbox(services: Services, mailbox: str, problem: MailboxUnavailable | None) -> None:
    """A folder worked (`problem` None) or failed in a way a person must fix: kept for the app's banner. A
    failure that may pass by itself (an unreachable server) leaves the recorded state as it was."""
    if problem is None:
        write_with_retry(services.factory, lambda s: health.record_ok(s, mailbox))
        return
    if problem.retryable:
        return
    kind = "auth" if isinstance(problem, MailboxAuthFailed) else "settings"
    write_with_retry(services.factory, lambda s: health.record_failing(s, mailbox, kind, problem.message))


def record_smtp(services: Services, sent: bool, *, already_failing: bool = False) -> bool:
    """A refused SMTP login or a setting to fix shows like a mailbox's (storage.health, "smtp"); a letter that
    went clears it. True while the SMTP server fails that way."""
    trouble = getattr(services.transport, "trouble", None)
    if isinstance(trouble, DeliveryAuthFailed):
        kind = "auth" if trouble.exit_code == ExitCode.AUTH_REFUSED else "settings"
        if not already_failing:
            log.error("%s — surat menunggu sampai staf memperbaikinya", trouble.message)
        write_with_retry(services.factory, lambda s: health.record_failing(s, health.SMTP, kind, trouble.message))
        return True
    if trouble is None and sent:  # a letter went: the server works (also after an earlier run's failure)
        write_with_retry(services.factory, lambda s: health.record_ok(s, health.SMTP))
        return False
    return already_failing


def record_round(services: Services, report: RunReport) -> None:
    """After one `run --once` round: each folder's health (by the folder it came from), the SMTP server's, and
    a heartbeat when this process could send (so the app knows letters were just tried)."""
    record_folders(services, report.ingest)
    if can_send(services):
        record_smtp(services, bool(report.delivery.sent))
        write_with_retry(services.factory, lambda s: health.beat(s, "run-once"))


def record_folders(services: Services, ingest: IngestReport) -> None:
    for mailbox, problem in ingest.folders.items():
        record_mailbox(services, mailbox, problem)
