"""Content-addressed file store for raw messages, attachments and sent drafts.

A blob is written once under its sha256 and never modified; writing the same bytes again is a no-op.
Durability: files are written and renamed into place, then the whole filesystem is flushed once per
call (syncfs), which costs one flush per batch instead of one fsync per file. The caller commits
its database rows only after `put`/`put_many` returned, so a row never points at a lost blob.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _load_syncfs() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        return libc.syncfs
    except (OSError, AttributeError):
        return None


_SYNCFS = _load_syncfs()
WRITERS = 4
_UNFLUSHED = "blobs_unflushed"  # Session.info: blobs written in the transaction, flushed before its commit


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._dirs: set[Path] = set()

    def path_for(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def put(self, data: bytes) -> str:
        """Store `data` durably and return its sha256."""
        return self.put_many([data])[0]

    def put_many(self, items: Sequence[bytes]) -> list[str]:
        """Store several blobs; all are durable when this returns."""
        digests = [sha256_of(data) for data in items]
        written = self._write_missing({self.path_for(d): data for d, data in zip(digests, items, strict=True)})
        if written:
            self._flush(written)
        return digests

    def _write_missing(self, todo: dict[Path, bytes]) -> list[Path]:
        """Write the blobs whose file does not exist yet (not flushed); returns the paths written."""
        todo = {target: data for target, data in todo.items() if not target.exists()}
        for parent in {target.parent for target in todo} - self._dirs:
            parent.mkdir(parents=True, exist_ok=True)  # at most 256 folders, each made once
            self._dirs.add(parent)
        if len(todo) > 1:  # file system calls release the GIL: a few threads hide their latency
            with ThreadPoolExecutor(max_workers=WRITERS) as pool:
                list(pool.map(self._write, todo.keys(), todo.values()))
        elif todo:
            self._write(*next(iter(todo.items())))
        return list(todo)

    def put_before_commit(self, session: Session, data: bytes) -> str:
        """Write `data` now and make it durable just before `session` commits: one flush for all the blobs of a
        transaction (a case's letters) instead of one each, and the row is never committed without its blob."""
        digest = sha256_of(data)
        target = self.path_for(digest)
        self._write_missing({target: data})
        # flushed even when it existed: it may be the unflushed write of a transaction that rolled back
        waiting: list[Path] | None = session.info.get(_UNFLUSHED)
        if waiting is None:
            waiting = session.info[_UNFLUSHED] = []
            event.listen(session, "before_commit", self._flush_session, once=True)
        waiting.append(target)
        return digest

    def _flush_session(self, session: Session) -> None:
        waiting = session.info.pop(_UNFLUSHED, [])
        if waiting:
            self._flush(waiting)

    def get(self, digest: str) -> bytes:
        return self.path_for(digest).read_bytes()

    def exists(self, digest: str) -> bool:
        return self.path_for(digest).exists()

    def _write(self, target: Path, data: bytes) -> None:
        temporary = target.parent / f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o444)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(temporary, target)

    def _flush(self, written: list[Path]) -> None:
        if _SYNCFS is not None:
            fd = os.open(self.root, os.O_RDONLY)
            try:
                if _SYNCFS(fd) == 0:
                    return
            finally:
                os.close(fd)
        for path in written:  # no syncfs: flush each file and its folder
            for target in (path, path.parent):
                fd = os.open(target, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
