"""An SMTP sink on loopback (aiosmtpd) that records every message it accepts."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from ._ports import LOOPBACK, free_port

_BIND_ATTEMPTS = 5


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the sink received it: SMTP envelope plus raw DATA."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        """The DATA parsed with email.policy.default."""
        return email.message_from_bytes(self.data, policy=email.policy.default)


class _RecordingHandler:
    """aiosmtpd handler: accept (or refuse) DATA and hand it to the sink."""

    def __init__(self, sink: SmtpSink) -> None:
        self._sink = sink

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content if envelope.original_content is not None else envelope.content
        data = content.encode("utf-8", "surrogateescape") if isinstance(content, str) else bytes(content or b"")
        mail = ReceivedMail(envelope.mail_from or "", tuple(envelope.rcpt_tos), data)
        reply = self._sink.reject_with
        if reply:
            self._sink._record_rejected(mail)
            return reply
        self._sink._record(mail)
        return "250 Message accepted for delivery"


class SmtpSink:
    """aiosmtpd on 127.0.0.1 and a free port; accepted mail lands in `messages`.

    Set `reject_with` (e.g. ``"450 try later"``, ``"550 no such user"``) to refuse DATA
    with that reply; it can be changed while running, and refused mail is kept in
    `rejected`. With `save_dir`, each accepted mail is also written as NNNN.eml.
    """

    host: str = LOOPBACK

    def __init__(self, save_dir: Path | None = None, reject_with: str | None = None) -> None:
        self.save_dir = Path(save_dir) if save_dir is not None else None
        self.reject_with = reject_with
        self.messages: list[ReceivedMail] = []
        self.rejected: list[ReceivedMail] = []
        self.port: int = 0
        self._cond = threading.Condition()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> SmtpSink:
        """Start listening; retries with another port if the chosen one was taken meanwhile."""
        if self._controller is not None:
            return self
        if self.save_dir is not None:
            self.save_dir.mkdir(parents=True, exist_ok=True)
        last_error: Exception | None = None
        for _ in range(_BIND_ATTEMPTS):
            # port=0 does not work: Controller's readiness check would connect to port 0.
            port = free_port()
            controller = Controller(
                _RecordingHandler(self),
                hostname=self.host,
                port=port,
                server_hostname="localhost",  # the default, socket.getfqdn(), can hang without DNS
                enable_SMTPUTF8=True,
                ready_timeout=5.0,
            )
            try:
                controller.start()
            except OSError as exc:
                last_error = exc
                continue
            self._controller, self.port = controller, port
            return self
        raise RuntimeError(f"SmtpSink could not bind a port on {self.host}: {last_error}")

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMail]:
        """Block until at least `count` mails were accepted; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"SmtpSink on port {self.port} received {len(self.messages)} of {count} "
                        f"mails within {timeout} s ({len(self.rejected)} refused)"
                    )
                self._cond.wait(remaining)
            return list(self.messages)

    def _record(self, mail: ReceivedMail) -> None:
        with self._cond:
            self.messages.append(mail)
            if self.save_dir is not None:
                (self.save_dir / f"{len(self.messages):04d}.eml").write_bytes(mail.data)
            self._cond.notify_all()

    def _record_rejected(self, mail: ReceivedMail) -> None:
        with self._cond:
            self.rejected.append(mail)
            self._cond.notify_all()

    def __repr__(self) -> str:
        state = "running" if self._controller is not None else "stopped"
        return f"<SmtpSink {self.url} {state} received={len(self.messages)}>"
