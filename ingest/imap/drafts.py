"""imap_draft delivery: a letter is APPENDed to the office's Drafts folder with \\Draft, so staff can
read, edit and send it from their ordinary mail client. imapclient's errors never leave this module."""

from __future__ import annotations

from datetime import UTC, datetime

from imapclient import DRAFT, SEEN

from core.errors import DeliveryFailed, MailboxUnavailable
from core.settings import MailboxSettings, Settings
from ingest.imap.connection import NETWORK_ERRORS, ImapAccount


class ImapDraftStore:
    """A Transport whose `send` puts the message into a Drafts folder instead of the wire."""

    def __init__(self, account: ImapAccount, folder: str = "Drafts") -> None:
        self.account = account
        self.folder = folder

    def send(self, sender: str, recipients: tuple[str, ...], data: bytes) -> dict[str, str]:
        try:
            with self.account.session() as client:
                if not client.folder_exists(self.folder):
                    client.create_folder(self.folder)
                client.append(self.folder, data, flags=(DRAFT, SEEN), msg_time=datetime.now(UTC))
        except MailboxUnavailable as exc:
            raise DeliveryFailed(f"draf tidak dapat disimpan: {exc.message}") from exc
        except NETWORK_ERRORS as exc:
            raise DeliveryFailed(f"draf tidak dapat disimpan di {self.account.label}/{self.folder}: {exc}") from exc
        return {}

    def holds(self, message_id: str) -> bool:
        """Whether a message with this Message-ID is already in the folder (after a crash mid-APPEND)."""
        try:
            with self.account.session() as client:
                if not client.folder_exists(self.folder):
                    return False
                client.select_folder(self.folder, readonly=True)
                return bool(client.search(["HEADER", "Message-ID", message_id]))
        except (MailboxUnavailable, *NETWORK_ERRORS) as exc:
            raise DeliveryFailed(f"folder draf tidak dapat diperiksa: {exc}") from exc


def draft_store_for(settings: Settings, folder: str) -> ImapDraftStore | None:
    """The Drafts folder of `drafts_mailbox` (a [[mailboxes]] name), else of the first mailbox."""
    mailboxes: list[MailboxSettings] = settings.all_mailboxes
    if not mailboxes:
        return None
    chosen = next((m for m in mailboxes if m.name == settings.drafts_mailbox), mailboxes[0])
    return ImapDraftStore(ImapAccount(chosen), folder)
