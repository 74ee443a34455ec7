"""Opening an IMAP session: TLS or STARTTLS, timeouts, password or XOAUTH2 login, error translation.

imapclient's and the socket layer's exceptions never leave the imap package: they become
MailboxUnavailable with a sentence a staff member understands.
"""

from __future__ import annotations

import imaplib
import socket
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from core.errors import MailboxAuthFailed, MailboxMisconfigured, MailboxUnavailable
from core.settings import MailboxSettings
from core.tls import client_context
from ingest.imap.sync import FolderTarget
from ingest.oauth2 import TokenSource, oauth2_login

T = TypeVar("T")
NETWORK_ERRORS = (IMAPClientError, OSError, ssl.SSLError, socket.timeout, EOFError)


class ImapAccount:
    """How to reach and log into one account; holds the OAuth2 token cache between sessions."""

    def __init__(self, settings: MailboxSettings, ssl_context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self.endpoint = settings.endpoint
        self.ssl_context = ssl_context or client_context(settings.tls_ca_file)
        self.tokens = TokenSource(settings.oauth2, timeout_s=settings.timeout_s) if settings.oauth2 else None

    @property
    def label(self) -> str:
        return f"{self.settings.name} ({self.endpoint.username}@{self.endpoint.host}:{self.endpoint.port})"

    def mailbox_key(self, folder: str) -> str:
        return self.endpoint.mailbox_key(folder)

    def target(self, folder: str) -> FolderTarget:
        return FolderTarget(
            mailbox_key=self.mailbox_key(folder),
            folder=folder,
            max_message_bytes=self.settings.max_message_bytes,
            batch_size=self.settings.fetch_batch,
        )

    def connect(self) -> IMAPClient:
        ep = self.endpoint
        try:
            client = IMAPClient(
                ep.host, port=ep.port, ssl=ep.tls, ssl_context=self.ssl_context, timeout=self.settings.timeout_s
            )
            client.normalise_times = False  # keep INTERNALDATE's offset instead of naive local time
        except ssl.SSLCertVerificationError as exc:
            raise _certificate_refused(self.label, exc) from exc
        except NETWORK_ERRORS as exc:
            raise MailboxUnavailable(
                f"Server IMAP {ep.host}:{ep.port} ({self.settings.name}) tidak dapat dihubungi: {_describe(exc)}"
            ) from exc
        try:
            if ep.starttls:
                self._starttls(client)
            if self.tokens is not None:
                oauth2_login(client, ep.username, self.tokens)
            else:
                client.login(ep.username, self._password())
        except LoginError as exc:
            _close(client)
            # imapclient reports a connection lost during LOGIN as LoginError too: that is no refusal; nor is
            # RFC 5530's [UNAVAILABLE] (the server could not check the password just now)
            if isinstance(exc.__context__, (imaplib.IMAP4.abort, OSError)) or "[UNAVAILABLE]" in str(exc):
                raise MailboxUnavailable(f"Login ke kotak surat {self.label} gagal sementara: {_describe(exc)}") from exc
            raise MailboxAuthFailed(
                f"Login ke kotak surat {self.label} ditolak: {_describe(exc)} — periksa nama pengguna dan kata sandi"
            ) from exc
        except ssl.SSLCertVerificationError as exc:
            _close(client)
            raise _certificate_refused(self.label, exc) from exc
        except MailboxUnavailable:
            _close(client)
            raise
        except NETWORK_ERRORS as exc:
            _close(client)
            raise MailboxUnavailable(f"Login ke kotak surat {self.label} gagal: {_describe(exc)}") from exc
        return client

    def _starttls(self, client: IMAPClient) -> None:
        if not client.has_capability("STARTTLS"):
            raise MailboxMisconfigured(
                f"Server IMAP {self.label} tidak menawarkan STARTTLS, jadi kata sandi tidak dikirim; pakai "
                "imaps:// atau, hanya untuk server tanpa TLS di jaringan sendiri, ?tls=none di URL"
            )
        client.starttls(self.ssl_context)

    def _password(self) -> str:
        try:
            return self.settings.password() or ""
        except OSError as exc:
            raise MailboxMisconfigured(
                f"Berkas kata sandi {self.settings.password_file} kotak surat {self.settings.name} tidak dapat "
                f"dibaca ({type(exc).__name__}); periksa password_file di berkas pengaturan"
            ) from exc

    @contextmanager
    def session(self) -> Iterator[IMAPClient]:
        client = self.connect()
        try:
            yield client
        finally:
            _close(client)


def translate_errors(label: str, action: Callable[[], T]) -> T:
    """Run `action`; network and protocol errors become MailboxUnavailable."""
    try:
        return action()
    except NETWORK_ERRORS as exc:
        if isinstance(exc, IMAPClientError) and any(sign in str(exc) for sign in _NO_SUCH_FOLDER):
            raise MailboxMisconfigured(
                f"Folder di kotak surat {label} tidak ada: {_describe(exc)}; periksa folders di berkas pengaturan"
            ) from exc
        raise MailboxUnavailable(f"Kotak surat {label}: {_describe(exc)}") from exc


# SELECT of a missing folder: RFC 5530's response code, or Dovecot's text (imaplib drops the code)
_NO_SUCH_FOLDER = ("[NONEXISTENT]", "Mailbox doesn't exist", "select failed: Mailbox does not exist")


def _certificate_refused(label: str, exc: ssl.SSLCertVerificationError) -> MailboxMisconfigured:
    return MailboxMisconfigured(
        f"Sertifikat TLS server IMAP {label} tidak dipercaya ({exc.verify_message}); untuk CA kantor sendiri "
        "atau sertifikat self-signed isi tls_ca_file (NARAHUBUNG_TLS_CA_FILE)"
    )


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # noqa: BLE001 — the connection may already be gone; closing must not raise
        with suppress(Exception):
            client.shutdown()


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
