"""Keep one folder of one account in sync until told to stop.

Push when the server can (IMAP IDLE, re-issued before the server's 30-minute limit), polling when it
cannot; after any network error, reconnect with exponential backoff and jitter. Each watcher runs in
its own thread and only stores: processing happens elsewhere, woken through `on_stored`.

A failure only a person can fix (login refused, a missing password file or folder, an untrusted
certificate) is not retried every few seconds: that would lock the office's account at many providers.
It is logged once at ERROR, reported through `on_problem`, and tried again after many minutes
(`slow_backoff`: 15 minutes, doubling to an hour), until it works and `on_problem(None)` says so.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from imapclient import IMAPClient

from core.errors import MailboxUnavailable
from ingest.imap.actions import action_for
from ingest.imap.backoff import Backoff
from ingest.imap.connection import NETWORK_ERRORS, ImapAccount, translate_errors
from ingest.imap.sync import MessageStore, SyncResult, sync_folder

log = logging.getLogger("narahubung.ingest.imap")
IDLE_CHECK_S = 1.0  # how often a waiting IDLE looks at the stop flag
# Servers say "still here" every few minutes during IDLE (Dovecot: 2 min). Longer silence means a
# half-open connection: leave IDLE so that the next command finds out.
IDLE_SILENCE_S = 5 * 60
SLOW_INITIAL_S, SLOW_MAXIMUM_S = 15 * 60, 60 * 60  # after a failure a person must fix


class FolderWatcher:
    def __init__(
        self,
        account: ImapAccount,
        folder: str,
        store: MessageStore,
        stop: threading.Event,
        *,
        poll_interval: float,
        on_stored: Callable[[SyncResult], None] = lambda _: None,
        backoff: Backoff | None = None,
        slow_backoff: Backoff | None = None,
        on_problem: Callable[[MailboxUnavailable | None], None] = lambda _: None,
    ) -> None:
        self.account = account
        self.folder = folder
        self.store = store
        self.stop = stop
        self.poll_interval = account.settings.poll_interval or poll_interval
        self.on_stored = on_stored
        self.backoff = backoff or Backoff()
        self.slow_backoff = slow_backoff or Backoff(initial_s=SLOW_INITIAL_S, maximum_s=SLOW_MAXIMUM_S)
        self.on_problem = on_problem
        self.problem: MailboxUnavailable | None = None  # the failure a person must fix, while it lasts
        self.action = action_for(account.settings)
        self.target = account.target(folder)
        self.connected = threading.Event()  # set while a session is up (tests and status use it)

    @property
    def label(self) -> str:
        return f"{self.account.label} / {self.folder}"

    def sync_once(self, client: IMAPClient) -> SyncResult:
        result = translate_errors(self.label, lambda: sync_folder(client, self.target, self.store, self.action))
        if result.stored:
            log.info("%s: %d pesan baru disimpan", self.label, result.stored)
            self.on_stored(result)
        return result

    def run(self) -> None:
        """Sync, wait for news, sync again; survive every network error until `stop` is set."""
        while not self.stop.is_set():
            try:
                with self.account.session() as client:
                    self.connected.set()
                    self.backoff.reset()
                    log.info("%s: tersambung%s", self.label, " (IDLE)" if self._can_idle(client) else "")
                    while not self.stop.is_set():
                        self.sync_once(client)
                        self._recovered()  # after a sync: a folder that is missing fails only there
                        self._wait_for_news(client)
            except MailboxUnavailable as exc:
                if exc.retryable:
                    delay = self.backoff.next_delay()
                    log.warning("%s — menyambung ulang dalam %.1f detik", exc.message, delay)
                else:
                    delay = self.slow_backoff.next_delay()
                    self._failing(exc, delay)
                self.stop.wait(delay)
            finally:
                self.connected.clear()

    def _failing(self, exc: MailboxUnavailable, delay: float) -> None:
        if self.problem is None or type(self.problem) is not type(exc):
            log.error("%s — perlu diperbaiki staf; dicoba lagi tiap %.0f menit atau lebih, bukan terus-menerus, "
                      "agar akun tidak terkunci", exc.message, delay / 60)
            self.on_problem(exc)
        else:
            log.info("%s — dicoba lagi dalam %.0f menit", exc.message, delay / 60)
        self.problem = exc

    def _recovered(self) -> None:
        self.slow_backoff.reset()
        if self.problem is not None:
            log.warning("%s: tersambung lagi setelah gagal (%s)", self.label, self.problem.message)
            self.problem = None
            self.on_problem(None)

    def _can_idle(self, client: IMAPClient) -> bool:
        return self.account.settings.idle and client.has_capability("IDLE")

    def _wait_for_news(self, client: IMAPClient) -> None:
        if not self._can_idle(client):
            self.stop.wait(self.poll_interval)
            translate_errors(self.label, client.noop)  # notices a dead connection between polls
            return
        renew_at = time.monotonic() + self.account.settings.idle_renew_minutes * 60
        translate_errors(self.label, client.idle)
        last_heard = time.monotonic()
        try:
            while not self.stop.is_set() and time.monotonic() < renew_at:
                asked = time.monotonic()
                responses = translate_errors(self.label, lambda: client.idle_check(timeout=IDLE_CHECK_S))
                if any(_is_bye(r) for r in responses):
                    raise MailboxUnavailable(f"Kotak surat {self.label}: server menutup sambungan (BYE)")
                if any(_is_news(r) for r in responses):
                    return
                now = time.monotonic()
                if responses:
                    last_heard = now
                # imapclient reports a closed connection as an instant empty answer; leaving IDLE
                # (idle_done below) turns it into an error, or costs one harmless extra sync
                if (not responses and now - asked < IDLE_CHECK_S / 2) or now - last_heard > IDLE_SILENCE_S:
                    return
        finally:
            try:
                client.idle_done()
            except NETWORK_ERRORS as exc:
                raise MailboxUnavailable(f"Kotak surat {self.label}: IDLE terputus ({exc})") from exc


def _is_news(response: object) -> bool:
    return isinstance(response, tuple) and len(response) >= 2 and response[1] in (b"EXISTS", b"EXPUNGE")


def _is_bye(response: object) -> bool:
    return isinstance(response, tuple) and len(response) >= 1 and response[0] == b"BYE"
