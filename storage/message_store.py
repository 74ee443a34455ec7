"""The database side of IMAP sync: what is stored per (mailbox, UIDVALIDITY), and storing batches."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from storage import repository as repo
from storage.blobs import BlobStore
from storage.db import write_with_retry
from storage.models import RawMessage, RawStatus


class DatabaseMessageStore:
    def __init__(self, factory: sessionmaker[Session], blobs: BlobStore) -> None:
        self.factory = factory
        self.blobs = blobs

    def last_uid(self, mailbox: str, uidvalidity: int) -> int | None:
        with self.factory() as session:
            return session.scalar(
                select(func.max(RawMessage.uid)).where(
                    RawMessage.mailbox == mailbox, RawMessage.uidvalidity == uidvalidity
                )
            )

    def stored_uids(self, mailbox: str, uidvalidity: int) -> set[int]:
        with self.factory() as session:
            return repo.stored_uids(session, mailbox, uidvalidity)

    def unmarked_uids(self, mailbox: str, uidvalidity: int) -> list[int]:
        with self.factory() as session:
            return list(
                session.scalars(
                    select(RawMessage.uid)
                    .where(
                        RawMessage.mailbox == mailbox,
                        RawMessage.uidvalidity == uidvalidity,
                        RawMessage.server_marked.is_(False),
                    )
                    .order_by(RawMessage.uid)
                )
            )

    def store(self, items: list[repo.IncomingRaw]) -> int:
        def work(session: Session) -> int:
            rows = repo.store_raws(session, self.blobs, items)
            return sum(1 for row in rows if row.status == RawStatus.DUPLICATE)

        return write_with_retry(self.factory, work)

    def mark_done(self, mailbox: str, uidvalidity: int, uids: list[int]) -> None:
        write_with_retry(
            self.factory,
            lambda session: session.execute(
                update(RawMessage)
                .where(RawMessage.mailbox == mailbox, RawMessage.uidvalidity == uidvalidity, RawMessage.uid.in_(uids))
                .values(server_marked=True)
            ),
        )
