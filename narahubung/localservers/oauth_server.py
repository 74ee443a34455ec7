"""A tiny OAuth2 authorization server on loopback, for tests of the XOAUTH2 login.

Two endpoints, enough for a refresh-token client and for Dovecot's `oauth2` passdb:

- ``POST /token``: the refresh-token grant (RFC 6749 section 6). Checks client_id, the
  client secret (when one is configured) and the refresh token, then issues a random
  access token with ``expires_in``; with `rotate_refresh_token` it also issues a new
  refresh token and the old one stops working, as Microsoft's endpoint may do.
- ``POST /introspect``: token introspection (RFC 7662) as Dovecot calls it with
  ``introspection_mode = post`` (form field ``token``). Answers
  ``{"active": true, "username": ...}`` for a live token and ``{"active": false}`` for an
  unknown, revoked or expired one. GET with ``?token=`` and ``Authorization: Bearer``
  are accepted too, so the ``get`` and ``auth`` modes work as well.

It is `http.server.ThreadingHTTPServer` in a daemon thread: no TLS, no persistence.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from ._ports import LOOPBACK

TOKEN_PATH = "/token"
INTROSPECTION_PATH = "/introspect"
_MAX_BODY = 64 * 1024


class OAuthTestServer:
    """Refresh-token grant plus introspection on 127.0.0.1, for one user.

    Attributes a test may read or change while it runs:
      refresh_token           the refresh token the server accepts now
      rotate_refresh_token    issue a new refresh token with each grant (the old one dies)
      expires_in              lifetime in seconds of the access tokens it issues
      token_outage            an HTTP status (e.g. 503) to answer every /token call with
      token_requests          number of POSTs to /token (successful or not)
      introspection_requests  number of introspection calls
      issued                  access tokens issued so far, oldest first
      token_forms             the form fields of each /token call, in order
    """

    host: str = LOOPBACK

    def __init__(
        self,
        username: str = "ombudsman",
        *,
        client_id: str = "narahubung-test",
        client_secret: str | None = "rahasia-klien-uji",
        refresh_token: str | None = None,
        expires_in: int = 3600,
        rotate_refresh_token: bool = False,
    ) -> None:
        self.username = username
        self.client_id = client_id
        self.client_secret = client_secret  # None: a public client, which must send no secret
        self.refresh_token = refresh_token if refresh_token is not None else secrets.token_urlsafe(24)
        self.expires_in = self._initial_expires_in = expires_in
        self.rotate_refresh_token = rotate_refresh_token
        self.token_outage: int | None = None
        self.token_requests = 0
        self.introspection_requests = 0
        self.issued: list[str] = []
        self.token_forms: list[dict[str, str]] = []
        self.port: int = 0
        self._expiry: dict[str, float] = {}  # access token -> time.monotonic() deadline
        self._lock = threading.Lock()
        self._httpd: _Httpd | None = None
        self._thread: threading.Thread | None = None

    # -- addresses ---------------------------------------------------------

    @property
    def base_url(self) -> str:
        if not self.port:
            raise RuntimeError("OAuthTestServer is not running; call start() first")
        return f"http://{self.host}:{self.port}"

    @property
    def token_url(self) -> str:
        return self.base_url + TOKEN_PATH

    @property
    def introspection_url(self) -> str:
        return self.base_url + INTROSPECTION_PATH

    # -- lifecycle ---------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._httpd is not None

    def start(self) -> OAuthTestServer:
        """Listen on 127.0.0.1 (a free port chosen by the kernel at bind) and serve in a thread."""
        if self._httpd is not None:
            return self
        # Port 0 lets the kernel pick a free port at bind time: no window in which
        # another process could take it, unlike free_port() followed by a later bind.
        httpd = _Httpd((self.host, self.port), _Handler, self)
        self.port = int(httpd.server_address[1])
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="oauth-test-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket; the port (kept in `port`) can be restarted on."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None

    def __enter__(self) -> OAuthTestServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- tokens ------------------------------------------------------------

    def revoke(self, token: str) -> None:
        """Make an access token (or the current refresh token) stop working at once."""
        with self._lock:
            self._expiry.pop(token, None)
            if token == self.refresh_token:
                self.refresh_token = secrets.token_urlsafe(24)

    def reset(self) -> None:
        """Fresh state for the next test: a new refresh token, no live access tokens, zero counts,
        no rotation or outage, the constructor's expires_in."""
        with self._lock:
            self.refresh_token = secrets.token_urlsafe(24)
            self.rotate_refresh_token = False
            self.expires_in = self._initial_expires_in
            self.token_outage = None
            self.token_requests = self.introspection_requests = 0
            self.issued.clear()
            self.token_forms.clear()
            self._expiry.clear()

    def is_active(self, token: str) -> bool:
        with self._lock:
            deadline = self._expiry.get(token)
        return deadline is not None and time.monotonic() < deadline

    def _grant(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        with self._lock:
            self.token_requests += 1
            self.token_forms.append(dict(form))
            if self.token_outage is not None:
                return self.token_outage, {"error": "temporarily_unavailable"}
            if form.get("grant_type") != "refresh_token":
                return 400, {"error": "unsupported_grant_type"}
            if form.get("client_id") != self.client_id or not self._client_secret_ok(form.get("client_secret")):
                return 401, {"error": "invalid_client", "error_description": "Client authentication failed."}
            if not _same(form.get("refresh_token"), self.refresh_token):
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "The refresh token is invalid, expired or revoked.",
                }
            access_token = secrets.token_urlsafe(24)
            self._expiry[access_token] = time.monotonic() + self.expires_in
            self.issued.append(access_token)
            body: dict[str, object] = {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": self.expires_in,
            }
            if form.get("scope"):
                body["scope"] = form["scope"]
            if self.rotate_refresh_token:
                self.refresh_token = secrets.token_urlsafe(24)
                body["refresh_token"] = self.refresh_token
            return 200, body

    def _client_secret_ok(self, given: str | None) -> bool:
        if self.client_secret is None:
            return given is None
        return _same(given, self.client_secret)

    def _introspect(self, token: str | None) -> dict[str, object]:
        with self._lock:
            self.introspection_requests += 1
        if not token or not self.is_active(token):
            return {"active": False}
        return {"active": True, "username": self.username, "client_id": self.client_id, "token_type": "Bearer"}


def _same(given: str | None, expected: str) -> bool:
    """Constant-time equality; None (field absent) never matches."""
    return given is not None and secrets.compare_digest(given.encode(), expected.encode())


class _Httpd(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], owner: OAuthTestServer):
        self.owner = owner
        super().__init__(address, handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Httpd
    # HTTP/1.0: one request per connection, so stop() never waits for idle keep-alives.
    protocol_version = "HTTP/1.0"

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            self._reply(413, {"error": "invalid_request"})
            return
        raw = self.rfile.read(length).decode("utf-8", "replace")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        form = _form(raw) if ctype == "application/x-www-form-urlencoded" else {}
        if path == TOKEN_PATH:
            if ctype != "application/x-www-form-urlencoded":
                self._reply(400, {"error": "invalid_request", "error_description": "form body expected"})
                return
            self._reply(*self.server.owner._grant(form))
        elif path == INTROSPECTION_PATH:
            self._reply(200, self.server.owner._introspect(form.get("token") or self._bearer()))
        else:
            self._reply(404, {"error": "not_found"})

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != INTROSPECTION_PATH:
            self._reply(404, {"error": "not_found"})
            return
        token = _form(parts.query).get("token") or self._bearer()
        self._reply(200, self.server.owner._introspect(token))

    def _bearer(self) -> str | None:
        scheme, _, value = (self.headers.get("Authorization") or "").partition(" ")
        return value.strip() if scheme.lower() == "bearer" else None

    def _reply(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: tokens travel in these requests


def _form(raw: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(raw, keep_blank_values=True).items()}
