"""Delivery of a finished message. smtplib's exceptions never leave this module.

Where an SMTP session failed decides what may happen next. Before the final dot of DATA reached the
server (connection refused or reset, a 4xx/5xx to MAIL, RCPT or DATA, a cut while the message was still
being written) nothing was stored, and a 4xx or a network error may be retried. After the final dot was
handed over, a lost connection or a timeout leaves the outcome unknown: the server may have stored the
letter. That is `DeliveryOutcomeUnknown`, which the outbox never retries by itself (see routing/outbox.py).
"""

from __future__ import annotations

import smtplib
import ssl
from typing import Any, Protocol

from core.errors import DeliveryFailed, ExitCode, MailboxUnavailable
from core.settings import SmtpEndpoint
from core.tls import client_context
from ingest.oauth2 import TokenSource


class Transport(Protocol):
    def send(self, sender: str, recipients: tuple[str, ...], data: bytes) -> dict[str, str]:
        """Deliver; return the recipients the server refused (the rest got the mail)."""
        ...


class DeliveryOutcomeUnknown(DeliveryFailed):
    """The whole message was handed to the server, then its answer never came: it may have been stored."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


class DeliveryAuthFailed(DeliveryFailed):
    """The SMTP server refused the login (or no STARTTLS where it was required): no letter can go until a
    person fixes the password, token or setting; the letters wait (retried later), none is marked failed."""

    exit_code = ExitCode.AUTH_REFUSED

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=False)


class SmtpMisconfigured(DeliveryAuthFailed):
    """An untrusted certificate, no STARTTLS or AUTH where they are needed, an unreadable password file:
    a setting to fix; the letters wait like after a refused login."""

    exit_code = ExitCode.BAD_SETTINGS


class SmtpUnreachable(DeliveryFailed):
    """The session broke before the message was handed over (refused, reset, timed out): retried later."""


class _Phases:
    """Mixed into smtplib's client: remembers how far the DATA command got.

    `before`: the server holds nothing yet; `data`: DATA sent, its 354 awaited; `body`: 354 received, the
    message is being written; `handed`: the message and its final dot are with the kernel, the reply is
    awaited; `answered`: the server answered the message (any code).
    """

    phase = "before"

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.phase = "data"
        code, reply = super().data(msg)  # type: ignore[misc]
        self.phase = "answered"
        return code, reply

    def getreply(self) -> tuple[int, bytes]:
        code, reply = super().getreply()  # type: ignore[misc]
        if self.phase == "data" and code == 354:
            self.phase = "body"
        return code, reply

    def send(self, s: Any) -> None:
        super().send(s)  # type: ignore[misc]
        if self.phase == "body":
            self.phase = "handed"


class _SMTP(_Phases, smtplib.SMTP):
    pass


class _SMTP_SSL(_Phases, smtplib.SMTP_SSL):
    pass


class SmtpTransport:
    """One SMTP session per message: simple, and each send stands alone on failure.

    TLS: smtps:// from the first byte, or STARTTLS (required when asked: never a silent fall-back to plain
    text), with the system's CAs or the endpoint's `ca_file`. AUTH: XOAUTH2 with an OAuth2 token when
    `oauth2` is set, else the strongest of PLAIN/LOGIN (CRAM-MD5) the server offers, when a password is set.
    `trouble` is the last failure of the session itself (server unreachable, login refused), None after a
    session that worked: the CLI turns it into its exit code.
    """

    def __init__(self, endpoint: SmtpEndpoint, timeout_s: float = 30.0) -> None:
        self.endpoint = endpoint
        self.timeout_s = timeout_s
        self.context = client_context(endpoint.ca_file)
        self.tokens = TokenSource(endpoint.oauth2, timeout_s=timeout_s) if endpoint.oauth2 else None
        self.trouble: DeliveryFailed | None = None

    def send(self, sender: str, recipients: tuple[str, ...], data: bytes) -> dict[str, str]:
        try:
            refused = self._send(sender, recipients, data)
        except DeliveryFailed as exc:
            if isinstance(exc, DeliveryAuthFailed | SmtpUnreachable):
                self.trouble = exc
            raise
        self.trouble = None
        return refused

    def _send(self, sender: str, recipients: tuple[str, ...], data: bytes) -> dict[str, str]:
        ep = self.endpoint
        client: _SMTP | _SMTP_SSL | None = None
        refused: dict[str, tuple[int, bytes]] = {}
        try:
            if ep.tls:
                client = _SMTP_SSL(ep.host, ep.port, timeout=self.timeout_s, context=self.context)
            else:
                client = _SMTP(ep.host, ep.port, timeout=self.timeout_s)
            with client:
                if ep.starttls:
                    self._starttls(client)
                self._login(client)
                refused = client.sendmail(sender, list(recipients), data)
        except ssl.SSLCertVerificationError as exc:
            raise SmtpMisconfigured(
                f"sertifikat TLS server SMTP {ep.host}:{ep.port} tidak dipercaya ({exc.verify_message}); untuk CA "
                "kantor sendiri atau sertifikat self-signed isi NARAHUBUNG_TLS_CA_FILE"
            ) from exc
        except smtplib.SMTPAuthenticationError as exc:
            detail = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
            if self.tokens is not None:
                self.tokens.invalidate()
            raise DeliveryAuthFailed(
                f"login SMTP {ep.username}@{ep.host}:{ep.port} ditolak ({exc.smtp_code} {detail}); periksa kata sandi "
                "atau token"
            ) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise _failure("semua penerima ditolak", exc.recipients) from exc
        except smtplib.SMTPResponseException as exc:
            if client is not None and client.phase == "answered" and not isinstance(exc, smtplib.SMTPDataError):
                pass  # the message was accepted; only QUIT got an odd answer
            else:
                permanent = 500 <= exc.smtp_code < 600
                detail = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
                raise DeliveryFailed(f"server SMTP menjawab {exc.smtp_code} {detail}", permanent=permanent) from exc
        except (smtplib.SMTPException, OSError) as exc:
            if client is not None and client.phase == "handed":
                raise DeliveryOutcomeUnknown(
                    f"server SMTP {ep.host}:{ep.port} tidak menjawab setelah surat dikirim: {exc}"
                ) from exc
            if client is None or client.phase != "answered":
                raise SmtpUnreachable(f"server SMTP {ep.host}:{ep.port} tidak dapat dihubungi: {exc}") from exc
            # answered: the server took the message; a connection lost at QUIT changes nothing
        return {addr: f"{code} {msg.decode('utf-8', 'replace')}" for addr, (code, msg) in refused.items()}

    def _starttls(self, client: smtplib.SMTP) -> None:
        client.ehlo()
        if not client.has_extn("starttls"):
            ep = self.endpoint
            raise SmtpMisconfigured(
                f"server SMTP {ep.host}:{ep.port} tidak menawarkan STARTTLS, jadi surat dan kata sandi tidak "
                "dikirim; pakai smtps:// atau, hanya untuk server tanpa TLS di jaringan sendiri, ?tls=none di URL"
            )
        client.starttls(context=self.context)
        client.ehlo()

    def _login(self, client: smtplib.SMTP) -> None:
        ep = self.endpoint
        if self.tokens is not None and ep.username:
            try:
                token = self.tokens.access_token()
            except MailboxUnavailable as exc:
                raise DeliveryAuthFailed(f"token OAuth2 untuk SMTP tidak didapat: {exc.message}") from exc
            client.ehlo_or_helo_if_needed()
            initial = f"user={ep.username}\x01auth=Bearer {token}\x01\x01"
            # after a refusal the server sends its reason as a challenge and waits for an empty answer
            client.auth("XOAUTH2", lambda challenge=None: initial if challenge is None else "",
                        initial_response_ok=True)
            return
        try:
            password = ep.secret()
        except OSError as exc:
            raise SmtpMisconfigured(
                f"berkas kata sandi SMTP {ep.password_file} tidak dapat dibaca ({type(exc).__name__}); periksa "
                "NARAHUBUNG_SMTP_PASSWORD_FILE"
            ) from exc
        if ep.username and password:
            try:
                client.login(ep.username, password)
            except smtplib.SMTPNotSupportedError as exc:
                raise SmtpMisconfigured(
                    f"server SMTP {ep.host}:{ep.port} tidak menawarkan AUTH untuk login {ep.username} (perlu STARTTLS? "
                    "tambahkan ?tls=starttls pada NARAHUBUNG_SMTP_URL)"
                ) from exc


def _failure(what: str, refused: dict[str, tuple[int, bytes]]) -> DeliveryFailed:
    codes = [code for code, _ in refused.values()]
    detail = "; ".join(f"{addr}: {code} {msg.decode('utf-8', 'replace')}" for addr, (code, msg) in refused.items())
    return DeliveryFailed(f"{what} ({detail})", permanent=all(500 <= c < 600 for c in codes))
