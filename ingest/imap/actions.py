"""What is done on the server once messages are safely stored (never before the commit).

Strategies in the manner of paperless-ngx's mail actions: mark with a keyword (default; the mail
stays where it is), mark as seen, or move to a folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from imapclient import SEEN, IMAPClient

from core.settings import MailboxSettings


class AfterCommit(Protocol):
    read_only: bool

    def apply(self, client: IMAPClient, uids: Sequence[int]) -> None: ...


class KeywordAction:
    read_only = False

    def __init__(self, keyword: str) -> None:
        self.keyword = keyword.encode("ascii")

    def apply(self, client: IMAPClient, uids: Sequence[int]) -> None:
        client.add_flags(list(uids), [self.keyword], silent=True)


class SeenAction(KeywordAction):
    def apply(self, client: IMAPClient, uids: Sequence[int]) -> None:
        client.add_flags(list(uids), [SEEN, self.keyword], silent=True)


class MoveAction(KeywordAction):
    def __init__(self, keyword: str, folder: str) -> None:
        super().__init__(keyword)
        self.folder = folder

    def apply(self, client: IMAPClient, uids: Sequence[int]) -> None:
        if not client.folder_exists(self.folder):
            client.create_folder(self.folder)
        super().apply(client, uids)  # the keyword travels with the mail
        if client.has_capability("MOVE"):
            client.move(list(uids), self.folder)
        else:
            client.copy(list(uids), self.folder)
            client.delete_messages(list(uids), silent=True)
            if client.has_capability("UIDPLUS"):
                client.uid_expunge(list(uids))
            else:
                client.expunge()


class NoAction:
    read_only = True

    def apply(self, client: IMAPClient, uids: Sequence[int]) -> None:
        return None


def action_for(settings: MailboxSettings) -> AfterCommit:
    if settings.after_commit == "seen":
        return SeenAction(settings.keyword)
    if settings.after_commit == "move":
        return MoveAction(settings.keyword, settings.move_to or "Narahubung")
    if settings.after_commit == "none":
        return NoAction()
    return KeywordAction(settings.keyword)
