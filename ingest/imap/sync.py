"""Bring one IMAP folder's new messages into storage, exactly once.

A message's key is (account, folder, UIDVALIDITY, UID). Only UIDs above the highest one stored under
the current UIDVALIDITY are fetched; an unknown UIDVALIDITY (first contact, folder recreated) means the
whole folder, and storage recognises mail it already has by its bytes or Message-ID and body. The
server is touched (keyword, \\Seen or MOVE) only after the batch's commit, and a touch that did not
happen (crash, lost connection) is done at the start of the next sync.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from typing import Protocol

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from ingest.imap.actions import AfterCommit
from storage.repository import IncomingRaw

SIZE_CHUNK = 1000
BODY = b"BODY[]"
HEADER = b"BODY[HEADER]"


class MessageStore(Protocol):
    """Where synced messages go; `store` commits before it returns."""

    def last_uid(self, mailbox: str, uidvalidity: int) -> int | None: ...

    def stored_uids(self, mailbox: str, uidvalidity: int) -> set[int]: ...

    def unmarked_uids(self, mailbox: str, uidvalidity: int) -> list[int]: ...

    def store(self, items: list[IncomingRaw]) -> int:
        """Commit the batch; return how many were already known (duplicates)."""
        ...

    def mark_done(self, mailbox: str, uidvalidity: int, uids: list[int]) -> None: ...


@dataclass(frozen=True)
class FolderTarget:
    mailbox_key: str
    folder: str
    max_message_bytes: int
    batch_size: int


@dataclass
class SyncResult:
    uidvalidity: int
    stored: int = 0
    duplicates: int = 0
    oversize: int = 0


def sync_folder(
    client: IMAPClient,
    target: FolderTarget,
    store: MessageStore,
    action: AfterCommit,
    *,
    since: date | None = None,
    on_total: Callable[[int], None] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> SyncResult:
    """Fetch, store, then mark. With `since`, every stored-nowhere message since that day (backfill)."""
    status = client.select_folder(target.folder, readonly=action.read_only)
    uidvalidity = int(status[b"UIDVALIDITY"])
    key = target.mailbox_key
    result = SyncResult(uidvalidity)

    if not action.read_only:
        leftover = store.unmarked_uids(key, uidvalidity)
        for chunk in _chunks(leftover, SIZE_CHUNK):
            action.apply(client, chunk)
            store.mark_done(key, uidvalidity, list(chunk))

    uids = _candidates(client, store, key, uidvalidity, since)
    if on_total:
        on_total(len(uids))
    if not uids:
        return result
    sizes = _sizes(client, uids)
    for batch in _chunks(uids, target.batch_size):
        items = _fetch_batch(client, batch, sizes, target, uidvalidity)
        _finish(client, store, action, key, uidvalidity, result, store.store(items), items, len(batch), on_batch)
    return result


def _finish(
    client: IMAPClient,
    store: MessageStore,
    action: AfterCommit,
    key: str,
    uidvalidity: int,
    result: SyncResult,
    duplicates: int,
    items: list[IncomingRaw],
    batch_len: int,
    on_batch: Callable[[int], None] | None,
) -> None:
    """After the batch's commit: mark it on the server and count it."""
    result.duplicates += duplicates
    done = [item.uid for item in items if item.uid is not None]
    if done and not action.read_only:
        action.apply(client, done)
        store.mark_done(key, uidvalidity, done)
    result.stored += len(items)
    result.oversize += sum(1 for item in items if item.truncated)
    if on_batch:
        on_batch(batch_len)


def _candidates(
    client: IMAPClient, store: MessageStore, key: str, uidvalidity: int, since: date | None
) -> list[int]:
    if since is not None:
        return sorted(set(search(client, ["SINCE", since])) - store.stored_uids(key, uidvalidity))
    last = store.last_uid(key, uidvalidity)
    if last is None:
        return sorted(search(client, ["ALL"]))
    # "n:*" always matches the highest UID, even when it is below n
    return sorted(uid for uid in search(client, ["UID", f"{last + 1}:*"]) if uid > last)


def _sizes(client: IMAPClient, uids: list[int]) -> dict[int, int]:
    sizes: dict[int, int] = {}
    for chunk in _chunks(uids, SIZE_CHUNK):
        for uid, item in client.fetch(list(chunk), [b"RFC822.SIZE"]).items():
            sizes[uid] = int(item[b"RFC822.SIZE"])
    return sizes


def _fetch_batch(
    client: IMAPClient, batch: Sequence[int], sizes: dict[int, int], target: FolderTarget, uidvalidity: int
) -> list[IncomingRaw]:
    present = [uid for uid in batch if uid in sizes]  # others were expunged meanwhile
    small = [uid for uid in present if sizes[uid] <= target.max_message_bytes]
    large = [uid for uid in present if sizes[uid] > target.max_message_bytes]
    bodies = client.fetch(small, [b"BODY.PEEK[]", b"INTERNALDATE"]) if small else {}
    headers = client.fetch(large, [b"BODY.PEEK[HEADER]", b"INTERNALDATE"]) if large else {}
    limit_mb = target.max_message_bytes / 1024 / 1024
    items = []
    for uid in present:
        common = partial(IncomingRaw, source="imap", mailbox=target.mailbox_key, uidvalidity=uidvalidity, uid=uid)
        if uid in bodies:
            item = bodies[uid]
            items.append(common(data=bytes(item[BODY]), received_at=_aware(item.get(b"INTERNALDATE"))))
        elif uid in headers:
            item = headers[uid]
            items.append(
                common(
                    data=bytes(item[HEADER]),
                    received_at=_aware(item.get(b"INTERNALDATE")),
                    size=sizes[uid],
                    truncated=True,
                    error=(
                        f"pesan terlalu besar: {sizes[uid] / 1024 / 1024:.1f} MB (batas {limit_mb:.0f} MB); "
                        "hanya kepala surel yang disimpan, isinya tetap di server"
                    ),
                )
            )
    return items


def search(client: IMAPClient, criteria: list[object]) -> list[int]:
    """SEARCH in UTF-8 when a criterion needs it, falling back to ASCII when the server refuses."""
    needs_utf8 = any(isinstance(c, str) and not c.isascii() for c in criteria)
    if not needs_utf8:
        return list(client.search(criteria))
    try:
        return list(client.search(criteria, charset="UTF-8"))
    except IMAPClientError as exc:
        if "BADCHARSET" not in str(exc).upper():
            raise
        return list(client.search([_ascii(c) for c in criteria]))


def _ascii(value: object) -> object:
    if not isinstance(value, str):
        return value
    folded = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in folded if ch.isascii())


def _aware(value: object) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return datetime.now(UTC)


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
