"""IMAP mailbox as a source of raw messages. imapclient's exceptions never leave this module."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from narahubung.errors import MailboxUnavailable
from narahubung.settings import ImapEndpoint

FETCH_ITEMS = [b"BODY.PEEK[]", b"INTERNALDATE", b"RFC822.SIZE"]


@dataclass(frozen=True)
class FetchedMessage:
    uidvalidity: int
    uid: int
    data: bytes
    internal_date: datetime


class ImapSource:
    """Reads a mailbox folder without changing it (BODY.PEEK, read-only SELECT)."""

    def __init__(self, endpoint: ImapEndpoint, timeout_s: float = 30.0, batch_size: int = 100) -> None:
        self.endpoint = endpoint
        self.timeout_s = timeout_s
        self.batch_size = batch_size

    @property
    def mailbox_key(self) -> str:
        return self.endpoint.mailbox_key

    def fetch_new(self, last_uid_for: dict[int, int] | None = None) -> Iterator[FetchedMessage]:
        """Yield messages with a UID above the last one seen under the current UIDVALIDITY.

        `last_uid_for` maps UIDVALIDITY -> highest UID already stored; a UIDVALIDITY not in it
        means everything in the folder is new.
        """
        try:
            with self._connect() as client:
                status = client.select_folder(self.endpoint.folder, readonly=True)
                uidvalidity = int(status[b"UIDVALIDITY"])
                last_uid = (last_uid_for or {}).get(uidvalidity, 0)
                uids = [uid for uid in client.search(["UID", f"{last_uid + 1}:*"]) if uid > last_uid]
                for start in range(0, len(uids), self.batch_size):
                    batch = sorted(uids[start : start + self.batch_size])
                    response = client.fetch(batch, FETCH_ITEMS)
                    for uid in batch:
                        item = response.get(uid)
                        if item is None:  # expunged between SEARCH and FETCH
                            continue
                        yield FetchedMessage(
                            uidvalidity=uidvalidity,
                            uid=uid,
                            data=bytes(item[b"BODY[]"]),
                            internal_date=_aware(item.get(b"INTERNALDATE")),
                        )
        except (IMAPClientError, OSError, ssl.SSLError, socket.timeout) as exc:
            raise MailboxUnavailable(
                f"Kotak surat {self.mailbox_key} tidak dapat dibaca: {type(exc).__name__}: {exc}"
            ) from exc

    def _connect(self) -> IMAPClient:
        ep = self.endpoint
        try:
            client = IMAPClient(ep.host, port=ep.port, ssl=ep.tls, timeout=self.timeout_s)
            client.normalise_times = False  # keep INTERNALDATE's offset instead of naive local time
            client.login(ep.username, ep.password)
        except IMAPClientError as exc:
            raise MailboxUnavailable(f"Login ke kotak surat {self.mailbox_key} gagal: {exc}") from exc
        except (OSError, ssl.SSLError) as exc:
            raise MailboxUnavailable(
                f"Server IMAP {ep.host}:{ep.port} tidak dapat dihubungi: {type(exc).__name__}: {exc}"
            ) from exc
        return client


def _aware(value: object) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    return datetime.now(timezone.utc)
