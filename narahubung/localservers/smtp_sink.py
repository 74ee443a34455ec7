"""An SMTP sink on loopback (aiosmtpd) that records every message it accepts."""

from __future__ import annotations

import base64
import email
import email.policy
import shutil
import ssl
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from ._ports import LOOPBACK, free_port, make_self_signed_cert

if TYPE_CHECKING:
    from .oauth_server import OAuthTestServer

_BIND_ATTEMPTS = 5


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the sink received it: SMTP envelope plus raw DATA."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    login: str | None = None  # who logged in with AUTH (None: no AUTH)
    tls: bool = False  # whether the session was encrypted (STARTTLS)

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
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        mail = ReceivedMail(envelope.mail_from or "", tuple(envelope.rcpt_tos), data, login, session.ssl is not None)
        reply = self._sink.reject_with
        if reply:
            self._sink._record_rejected(mail)
            return reply
        self._sink._record(mail)
        return "250 Message accepted for delivery"

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        """SASL XOAUTH2: "user=NAME^Aauth=Bearer TOKEN^A^A", checked against the OAuthTestServer."""
        oauth2 = self._sink.oauth2
        if oauth2 is None or len(args) != 2:
            return AuthResult(success=False, handled=False)
        fields = dict(
            part.split("=", 1) for part in base64.b64decode(args[1]).decode().split("\x01") if "=" in part
        )
        user, token = fields.get("user", ""), fields.get("auth", "").removeprefix("Bearer ")
        if user == oauth2.username and oauth2.is_active(token):
            return AuthResult(success=True, auth_data=LoginPassword(user.encode(), b""))
        await server.challenge_auth('{"status":"401","schemes":"bearer"}')  # the reason, as Google/M365 send it
        return AuthResult(success=False, handled=False)


class SmtpSink:
    """aiosmtpd on 127.0.0.1 and a free port; accepted mail lands in `messages`.

    Set `reject_with` (e.g. ``"450 try later"``, ``"550 no such user"``) to refuse DATA
    with that reply; it can be changed while running, and refused mail is kept in
    `rejected`. With `save_dir`, each accepted mail is also written as NNNN.eml.

    Like a submission server (port 587): `starttls` offers STARTTLS with a self-signed certificate for
    localhost/127.0.0.1 (`cert_path`) and requires it before MAIL; `users` (name → password) requires
    AUTH PLAIN or LOGIN (only after STARTTLS when `starttls`), `oauth2` also accepts AUTH XOAUTH2 with an
    access token of that OAuthTestServer; `exclude_mechanisms` hides mechanisms (e.g. ``["PLAIN"]``).
    """

    host: str = LOOPBACK

    def __init__(
        self,
        save_dir: Path | None = None,
        reject_with: str | None = None,
        *,
        starttls: bool = False,
        users: dict[str, str] | None = None,
        oauth2: OAuthTestServer | None = None,
        exclude_mechanisms: Iterable[str] = (),
    ) -> None:
        self.save_dir = Path(save_dir) if save_dir is not None else None
        self.reject_with = reject_with
        self.starttls = starttls
        self.users = dict(users or {})
        self.oauth2 = oauth2
        self.exclude_mechanisms = list(exclude_mechanisms)
        self.failed_logins = 0
        self._cert_dir: Path | None = None
        self.messages: list[ReceivedMail] = []
        self.rejected: list[ReceivedMail] = []
        self.port: int = 0
        self._cond = threading.Condition()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        """``smtp://127.0.0.1:PORT`` (with ``?tls=starttls`` when the sink offers STARTTLS)."""
        return f"smtp://{self.host}:{self.port}" + ("?tls=starttls" if self.starttls else "")

    @property
    def cert_path(self) -> Path:
        """The self-signed certificate of STARTTLS (to pin it: NARAHUBUNG_TLS_CA_FILE)."""
        if self._cert_dir is None:
            raise RuntimeError("SmtpSink has no certificate: start it with starttls=True")
        return self._cert_dir / "cert.pem"

    def _smtp_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {}
        if self.starttls:
            self._cert_dir = Path(tempfile.mkdtemp(prefix="smtp-sink-"))
            key = self._cert_dir / "key.pem"
            make_self_signed_cert(self.cert_path, key)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.cert_path, key)
            options.update(tls_context=context, require_starttls=True)
        if self.users or self.oauth2 is not None:
            options.update(authenticator=self._authenticate, auth_required=True, auth_require_tls=self.starttls,
                           auth_exclude_mechanism=self.exclude_mechanisms)
        return options

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                      auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            name, password = auth_data.login.decode(), auth_data.password.decode()
            if name in self.users and self.users[name] == password:
                return AuthResult(success=True, auth_data=auth_data)
        with self._cond:
            self.failed_logins += 1
        return AuthResult(success=False, handled=False)

    def start(self) -> SmtpSink:
        """Start listening; retries with another port if the chosen one was taken meanwhile."""
        if self._controller is not None:
            return self
        if self.save_dir is not None:
            self.save_dir.mkdir(parents=True, exist_ok=True)
        last_error: Exception | None = None
        options = self._smtp_options()
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
                **options,
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
        if self._cert_dir is not None:
            shutil.rmtree(self._cert_dir, ignore_errors=True)
            self._cert_dir = None

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
