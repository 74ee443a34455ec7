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

from core.errors import DeliveryFailed
from core.settings import SmtpEndpoint


class Transport(Protocol):
    def send(self, sender: str, recipients: tuple[str, ...], data: bytes) -> dict[str, str]:
        """Deliver; return the recipients the server refused (the rest got the mail)."""
        ...


class DeliveryOutcomeUnknown(DeliveryFailed):
    """The whole message was handed to the server, then its answer never came: it may have been stored."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


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
    """One SMTP session per message: simple, and each send stands alone on failure."""

    def __init__(self, endpoint: SmtpEndpoint, timeout_s: float = 30.0) -> None:
        self.endpoint = endpoint
        self.timeout_s = timeout_s

    def send(self, sender: str, recipients: tuple[str, ...], data: bytes) -> dict[str, str]:
        ep = self.endpoint
        client: _SMTP | _SMTP_SSL | None = None
        refused: dict[str, tuple[int, bytes]] = {}
        try:
            if ep.tls:
                client = _SMTP_SSL(ep.host, ep.port, timeout=self.timeout_s, context=ssl.create_default_context())
            else:
                client = _SMTP(ep.host, ep.port, timeout=self.timeout_s)
            with client:
                if ep.username and ep.password:
                    client.login(ep.username, ep.password)
                refused = client.sendmail(sender, list(recipients), data)
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
                raise DeliveryFailed(f"server SMTP {ep.host}:{ep.port} tidak dapat dihubungi: {exc}") from exc
            # answered: the server took the message; a connection lost at QUIT changes nothing
        return {addr: f"{code} {msg.decode('utf-8', 'replace')}" for addr, (code, msg) in refused.items()}


def _failure(what: str, refused: dict[str, tuple[int, bytes]]) -> DeliveryFailed:
    codes = [code for code, _ in refused.values()]
    detail = "; ".join(f"{addr}: {code} {msg.decode('utf-8', 'replace')}" for addr, (code, msg) in refused.items())
    return DeliveryFailed(f"{what} ({detail})", permanent=all(500 <= c < 600 for c in codes))
