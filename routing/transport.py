"""Delivery of a finished message. smtplib's exceptions never leave this module."""

from __future__ import annotations

import smtplib
import ssl
from typing import Protocol

from narahubung.errors import DeliveryFailed
from narahubung.settings import SmtpEndpoint


class Transport(Protocol):
    def send(self, sender: str, recipients: tuple[str, ...], data: bytes) -> dict[str, str]:
        """Deliver; return the recipients the server refused (the rest got the mail)."""
        ...


class SmtpTransport:
    """One SMTP session per message: simple, and each send stands alone on failure."""

    def __init__(self, endpoint: SmtpEndpoint, timeout_s: float = 30.0) -> None:
        self.endpoint = endpoint
        self.timeout_s = timeout_s

    def send(self, sender: str, recipients: tuple[str, ...], data: bytes) -> dict[str, str]:
        ep = self.endpoint
        try:
            client: smtplib.SMTP
            if ep.tls:
                client = smtplib.SMTP_SSL(ep.host, ep.port, timeout=self.timeout_s, context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(ep.host, ep.port, timeout=self.timeout_s)
            with client:
                if ep.username and ep.password:
                    client.login(ep.username, ep.password)
                refused = client.sendmail(sender, list(recipients), data)
        except smtplib.SMTPRecipientsRefused as exc:
            raise _failure("semua penerima ditolak", exc.recipients) from exc
        except smtplib.SMTPResponseException as exc:
            permanent = 500 <= exc.smtp_code < 600
            detail = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
            raise DeliveryFailed(f"server SMTP menjawab {exc.smtp_code} {detail}", permanent=permanent) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"server SMTP {ep.host}:{ep.port} tidak dapat dihubungi: {exc}") from exc
        return {addr: f"{code} {msg.decode('utf-8', 'replace')}" for addr, (code, msg) in refused.items()}


def _failure(what: str, refused: dict[str, tuple[int, bytes]]) -> DeliveryFailed:
    codes = [code for code, _ in refused.values()]
    detail = "; ".join(f"{addr}: {code} {msg.decode('utf-8', 'replace')}" for addr, (code, msg) in refused.items())
    return DeliveryFailed(f"{what} ({detail})", permanent=all(500 <= c < 600 for c in codes))
