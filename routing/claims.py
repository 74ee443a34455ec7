"""Who is sending a letter: a claim on an outbox row that lives exactly as long as the process holding it.

A row is `sending` while its sender talks to the server. After a crash it stays `sending`, and only then is
its outcome unknown; a row whose sender is alive must be left alone. So every sender holds the row's claim
from before it marks the row `sending` until the outcome is committed, and recovery takes the claim first:
whoever gets the claim of a `sending` row knows its sender is gone. Nothing has to time out, and no clock or
heartbeat is trusted.

- PostgreSQL (workers on several machines): a session advisory lock, `pg_try_advisory_lock(NAMESPACE, id)`,
  on a connection kept for the claim. The server drops it when the holder's connection ends, which a killed
  process's does at once.
- SQLite (one machine: `run`, `send` and the staff app beside it): an exclusive `flock` on one of a few lock
  files beside the database file. The kernel drops it when the holder's process ends. Rows share a lock file
  by their id modulo `STRIPES`; a row whose file is busy is merely taken in a later round.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

NAMESPACE = 0x4E48  # "NH": the first key of the outbox's advisory locks (procrastinate's use one bigint key)
STRIPES = 64


class Claims(Protocol):
    def claim(self, delivery_id: int) -> AbstractContextManager[bool]:
        """True inside the block if this process now holds the row's claim; False if someone else does."""
        ...

    def holding(self) -> AbstractContextManager[ClaimHolder]:
        """Claims taken and given back one row after the other (a sender going through several rows); every
        claim still held is given back when the block ends."""
        ...


class ClaimHolder(Protocol):
    def take(self, delivery_id: int) -> bool:
        """True if this process now holds the row's claim; False if someone else does."""
        ...

    def give_back(self, delivery_id: int) -> None:
        """The row's outcome is committed: its claim may go (at once, or with the next `take`)."""
        ...


class AdvisoryClaims:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def claim(self, delivery_id: int) -> Iterator[bool]:
        with self.engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")  # never idle in a transaction
            held = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:ns, :id)"),
                                          {"ns": NAMESPACE, "id": delivery_id}))
            try:
                yield held
            finally:
                if held:
                    try:
                        connection.execute(text("SELECT pg_advisory_unlock(:ns, :id)"),
                                           {"ns": NAMESPACE, "id": delivery_id})
                    except DBAPIError:  # the connection is gone, and the lock with it
                        connection.invalidate()

    @contextmanager
    def holding(self) -> Iterator[ClaimHolder]:
        with self.engine.connect() as connection:
            holder = _AdvisoryHolder(connection.execution_options(isolation_level="AUTOCOMMIT"))
            try:
                yield holder
            finally:
                holder.close()


class _AdvisoryHolder:
    """One connection for all the claims of a sender's round; a claim given back goes with the next `take`
    (one statement per row instead of three and a connection)."""

    TAKE = text("SELECT pg_try_advisory_lock(:ns, :id), "
                "(SELECT count(pg_advisory_unlock(:ns, r)) FROM unnest(CAST(:back AS integer[])) AS r)")
    GIVE_BACK = text("SELECT count(pg_advisory_unlock(:ns, r)) FROM unnest(CAST(:back AS integer[])) AS r")

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.held: set[int] = set()
        self.back: list[int] = []

    def take(self, delivery_id: int) -> bool:
        taken = bool(self.connection.execute(self.TAKE, {"ns": NAMESPACE, "id": delivery_id,
                                                         "back": self.back}).scalar())
        self.back = []
        if taken:
            self.held.add(delivery_id)
        return taken

    def give_back(self, delivery_id: int) -> None:
        if delivery_id in self.held:
            self.held.discard(delivery_id)
            self.back.append(delivery_id)

    def close(self) -> None:
        rest, self.back, self.held = [*self.back, *self.held], [], set()
        if rest:
            try:
                self.connection.execute(self.GIVE_BACK, {"ns": NAMESPACE, "back": rest})
            except DBAPIError:  # the connection is gone, and the locks with it
                self.connection.invalidate()


class _HeldOneByOne:
    """`holding` over `claim`, for claims that cost no round trip (a lock file, a set in memory)."""

    def claim(self, delivery_id: int) -> AbstractContextManager[bool]:
        raise NotImplementedError

    @contextmanager
    def holding(self) -> Iterator[ClaimHolder]:
        holder = _EachOnItsOwn(self)
        try:
            yield holder
        finally:
            holder.close()


class FileClaims(_HeldOneByOne):
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @contextmanager
    def claim(self, delivery_id: int) -> Iterator[bool]:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder / f"{delivery_id % STRIPES:02d}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # per open file: threads exclude each other too
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)  # releases the lock


class LocalClaims(_HeldOneByOne):
    """An in-memory database lives in one process: a set of ids under a lock is enough."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: set[int] = set()

    @contextmanager
    def claim(self, delivery_id: int) -> Iterator[bool]:
        with self._lock:
            held = delivery_id not in self._held
            self._held.add(delivery_id)
        try:
            yield held
        finally:
            if held:
                with self._lock:
                    self._held.discard(delivery_id)


class _EachOnItsOwn:
    """Each claim taken and given back on its own."""

    def __init__(self, claims: Claims) -> None:
        self.claims = claims
        self.open: dict[int, ExitStack] = {}

    def take(self, delivery_id: int) -> bool:
        stack = ExitStack()
        if not stack.enter_context(self.claims.claim(delivery_id)):
            stack.close()
            return False
        self.open[delivery_id] = stack
        return True

    def give_back(self, delivery_id: int) -> None:
        stack = self.open.pop(delivery_id, None)
        if stack is not None:
            stack.close()

    def close(self) -> None:
        for delivery_id in list(self.open):
            self.give_back(delivery_id)


_LOCAL: dict[int, LocalClaims] = {}


def claims_for(engine: Engine) -> Claims:
    if engine.dialect.name == "postgresql":
        return AdvisoryClaims(engine)
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:" and not database.startswith("file:"):
        return FileClaims(Path(database).with_name(Path(database).name + "-claims"))
    return _LOCAL.setdefault(id(engine), LocalClaims())
