"""OAuth2 for IMAP: XOAUTH2 login with access tokens from a refresh-token grant.

Microsoft 365 and Google both speak the same refresh-token grant (RFC 6749 section 6):

- Microsoft 365: token_url ``https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token``,
  scope ``https://outlook.office.com/IMAP.AccessAsUser.All offline_access``; no secret
  file for a public client. Microsoft hands out a new refresh token with every grant;
  it is written back to `refresh_token_file`.
- Google: token_url ``https://oauth2.googleapis.com/token``, a client secret file; the
  scope (``https://mail.google.com/``) was fixed when the refresh token was issued,
  so `scope` may stay unset.

Secrets (client secret, refresh token, access tokens) live in files or in memory only;
they are never logged and never put into error messages. imapclient's and httpx's
exceptions do not leave this module: callers get `MailboxUnavailable` subclasses whose
`retryable` says whether trying again later can help.
"""

from __future__ import annotations

import imaplib
import logging
import math
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import imapclient
from imapclient.exceptions import IMAPClientError, LoginError

from core.errors import MailboxAuthFailed, MailboxUnavailable
from core.settings import OAuth2Settings

log = logging.getLogger(__name__)

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
MICROSOFT_TOKEN_URL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
MICROSOFT_IMAP_SCOPE = "https://outlook.office.com/IMAP.AccessAsUser.All offline_access"

EXPIRY_MARGIN_S = 60.0  # a cached token is replaced this long before it expires
DEFAULT_EXPIRES_IN_S = 3600.0  # when the token endpoint does not say (RFC 6749 makes it optional)
_DESCRIPTION_MAX = 200


class OAuth2Failed(MailboxAuthFailed):
    """The token endpoint or the IMAP server refused our credentials; staff must fix a setting or a file."""


class OAuth2Unavailable(MailboxUnavailable):
    """The token endpoint could not be reached or answered with a temporary error; try again later."""

    retryable = True


class TokenSource:
    """Hands out an access token, cached until `EXPIRY_MARGIN_S` before it expires.

    Thread-safe: concurrent callers share one refresh. The refresh token and the client
    secret are read from their files at each refresh, so a replaced file takes effect
    without a restart.
    """

    def __init__(
        self, settings: OAuth2Settings, timeout_s: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings
        self.timeout_s = timeout_s
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._valid_until = 0.0
        # A rotated refresh token that could not be written to its file; used instead of the file.
        self._unsaved_refresh_token: str | None = None

    def access_token(self) -> str:
        """A valid access token: the cached one, or a new one from the token endpoint."""
        with self._lock:
            if self._token is not None and self._clock() < self._valid_until:
                return self._token
            self._token = None
            return self._refresh()

    def invalidate(self) -> None:
        """Forget the cached access token (e.g. after the IMAP server refused it)."""
        with self._lock:
            self._token = None
            self._valid_until = 0.0

    # -- the grant ---------------------------------------------------------

    def _refresh(self) -> str:
        s = self.settings
        refresh_token = self._read_refresh_token()
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": s.client_id}
        if s.client_secret_file is not None:
            form["client_secret"] = _read_secret(s.client_secret_file, "client secret")
        if s.scope:
            form["scope"] = s.scope
        started = self._clock()
        try:
            response = httpx.post(
                s.token_url, data=form, headers={"Accept": "application/json"}, timeout=self.timeout_s
            )
        except httpx.UnsupportedProtocol as exc:
            raise OAuth2Failed(f"Alamat endpoint token OAuth2 tidak sah: {s.token_url} ({exc})") from exc
        except httpx.TransportError as exc:
            raise OAuth2Unavailable(
                f"Endpoint token OAuth2 {s.token_url} tidak dapat dihubungi: {type(exc).__name__}: {exc}"
                " — akan dicoba lagi"
            ) from exc
        except httpx.HTTPError as exc:
            raise OAuth2Unavailable(
                f"Permintaan token OAuth2 ke {s.token_url} gagal: {type(exc).__name__}: {exc}"
            ) from exc

        body = _json_object(response)
        if response.status_code != 200 or "access_token" not in body:
            raise self._refusal(response.status_code, body)
        token = body["access_token"]
        if not isinstance(token, str) or not token:
            raise OAuth2Failed(f"Endpoint token OAuth2 {s.token_url} menjawab tanpa access_token yang sah")
        token_type = body.get("token_type", "Bearer")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise OAuth2Failed(
                f"Endpoint token OAuth2 {s.token_url} memberi token jenis {token_type!r}, bukan Bearer"
            )

        expires_in = _seconds(body.get("expires_in"))
        self._token = token
        self._valid_until = started + expires_in - EXPIRY_MARGIN_S
        new_refresh = body.get("refresh_token")
        if isinstance(new_refresh, str) and new_refresh and new_refresh != refresh_token:
            self._store_refresh_token(new_refresh)
        log.info("Token akses OAuth2 baru dari %s, berlaku %.0f detik", s.token_url, expires_in)
        return token

    def _refusal(self, status: int, body: dict[str, Any]) -> MailboxUnavailable:
        s = self.settings
        error = body.get("error") if isinstance(body.get("error"), str) else None
        description = body.get("error_description")
        detail = ""
        if isinstance(description, str) and description.strip():
            detail = f" (keterangan server: {_first_line(description)})"
        if status == 429 or status >= 500 or error in ("temporarily_unavailable", "server_error"):
            return OAuth2Unavailable(
                f"Endpoint token OAuth2 {s.token_url} sedang tidak tersedia (HTTP {status}"
                f"{', ' + error if error else ''}){detail} — akan dicoba lagi"
            )
        if error == "invalid_grant":
            # The file may have been fixed meanwhile: read it again next time.
            self._unsaved_refresh_token = None
            hint = f"(refresh token kedaluwarsa atau dicabut?) — perbarui berkas {s.refresh_token_file}"
        elif error in ("invalid_client", "unauthorized_client"):
            secret = f"berkas secret {s.client_secret_file}" if s.client_secret_file else "secret (tidak diatur)"
            hint = f"(client id atau secret salah?) — periksa client id {s.client_id!r} dan {secret}"
        elif error == "invalid_scope":
            hint = f"(scope tidak diizinkan) — periksa pengaturan scope {s.scope!r}"
        elif status == 200:
            error, hint = "jawaban tanpa access_token", "— periksa alamat endpoint token"
        else:
            error = error or f"HTTP {status}"
            hint = "— periksa alamat endpoint token dan pengaturan OAuth2"
        return OAuth2Failed(f"Token OAuth2 ditolak oleh {s.token_url}: {error} {hint}{detail}")

    # -- secret files ------------------------------------------------------

    def _read_refresh_token(self) -> str:
        if self._unsaved_refresh_token is not None:
            return self._unsaved_refresh_token
        return _read_secret(self.settings.refresh_token_file, "refresh token")

    def _store_refresh_token(self, token: str) -> None:
        """Replace the refresh token file atomically (tmp file in the same dir, os.replace, 0600)."""
        path = self.settings.refresh_token_file
        try:
            _write_secret_atomically(path, token)
        except OSError as exc:
            # The new token still works from memory; the old one in the file may stop working.
            self._unsaved_refresh_token = token
            log.error(
                "Refresh token baru dari %s tidak dapat disimpan ke %s (%s: %s); token itu dipakai dari "
                "memori sampai proses berhenti — perbaiki izin tulis berkas itu",
                self.settings.token_url, path, type(exc).__name__, exc.strerror or exc,
            )  # fmt: skip
            return
        self._unsaved_refresh_token = None
        log.info("Refresh token baru disimpan ke %s", path)


def oauth2_login(client: imapclient.IMAPClient, username: str, tokens: TokenSource) -> None:
    """Log `client` in with XOAUTH2; after a refusal, once more with a freshly fetched token."""
    for attempt in (1, 2):
        token = tokens.access_token()
        try:
            client.oauth2_login(username, token)
            return
        except LoginError as exc:
            reason = str(exc)
            # imapclient turns every error, a dropped connection too, into LoginError.
            if isinstance(exc.__context__, (imaplib.IMAP4.abort, OSError)):
                raise MailboxUnavailable(f"Login XOAUTH2 {username} terputus: {reason}") from exc
            if "[UNAVAILABLE]" in reason:  # RFC 5530: the server could not check the token just now
                raise OAuth2Unavailable(
                    f"Server IMAP tidak dapat memeriksa token XOAUTH2 untuk {username}: {reason} — akan dicoba lagi"
                ) from exc
            if attempt == 1:
                log.info("Login XOAUTH2 %s ditolak (%s); coba sekali lagi dengan token baru", username, reason)
                tokens.invalidate()
                continue
            raise OAuth2Failed(
                f"Server IMAP menolak login XOAUTH2 untuk {username} meskipun token baru dari "
                f"{tokens.settings.token_url}: {reason} — periksa nama pengguna, scope dan izin IMAP "
                "aplikasi di penyedia surel"
            ) from exc
        except (IMAPClientError, OSError) as exc:
            raise MailboxUnavailable(f"Login XOAUTH2 {username} terputus: {type(exc).__name__}: {exc}") from exc


# -- helpers ---------------------------------------------------------------


def _read_secret(path: Path, what: str) -> str:
    try:
        value = Path(path).read_text(encoding="utf-8").strip()
    except FileNotFoundError as exc:
        raise OAuth2Failed(f"Berkas {what} OAuth2 tidak ada: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise OAuth2Failed(f"Berkas {what} OAuth2 {path} tidak dapat dibaca: {type(exc).__name__}") from exc
    if not value:
        raise OAuth2Failed(f"Berkas {what} OAuth2 {path} kosong")
    return value


def _write_secret_atomically(path: Path, value: str) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(value + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _seconds(value: object) -> float:
    """expires_in as seconds; Microsoft's older endpoint sends it as a string."""
    if isinstance(value, bool):
        return DEFAULT_EXPIRES_IN_S
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return DEFAULT_EXPIRES_IN_S
    return seconds if math.isfinite(seconds) else DEFAULT_EXPIRES_IN_S


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0].strip()
    return line if len(line) <= _DESCRIPTION_MAX else line[: _DESCRIPTION_MAX - 1] + "…"
