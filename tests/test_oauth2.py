"""Specification of ingest.oauth2: XOAUTH2 login with refresh-token grants.

Against real servers: a private Dovecot whose `oauth2` passdb asks OAuthTestServer's
introspection endpoint about each bearer token, and OAuthTestServer's /token endpoint.
"""

from __future__ import annotations

import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import imapclient
import pytest
from imapclient.exceptions import LoginError

from core.errors import MailboxUnavailable
from core.settings import OAuth2Settings
from ingest.oauth2 import (
    EXPIRY_MARGIN_S,
    OAuth2Failed,
    OAuth2Unavailable,
    TokenSource,
    oauth2_login,
)
from narahubung.localservers import OAuthTestServer, PrivateDovecot
from narahubung.localservers._ports import free_port

pytestmark = pytest.mark.servers

USER = "pengaduan@ombudsman.test"
COMPLAINT = (
    b"From: Warga <warga@example.id>\r\n"
    b"To: pengaduan@ombudsman.test\r\n"
    b"Subject: Pengaduan layanan air bersih\r\n"
    b"\r\n"
    b"Air PDAM mati sejak dua minggu.\r\n"
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def oauth_server() -> Iterator[OAuthTestServer]:
    with OAuthTestServer(USER) as server:
        yield server


@pytest.fixture(scope="module")
def oauth_dovecot(oauth_server: OAuthTestServer) -> Iterator[PrivateDovecot]:
    """Dovecot accepting passwords and, through oauth_server's introspection, XOAUTH2."""
    with PrivateDovecot(
        users={USER: "rahasia"}, oauth2_introspection_url=oauth_server.introspection_url
    ) as server:
        yield server


@pytest.fixture
def oauth(oauth_server: OAuthTestServer) -> OAuthTestServer:
    """The module's OAuthTestServer with fresh state (new refresh token, zero counts)."""
    oauth_server.reset()
    return oauth_server


@pytest.fixture
def settings(tmp_path: Path, oauth: OAuthTestServer) -> OAuth2Settings:
    secret_file = tmp_path / "client_secret"
    secret_file.write_text(f"{oauth.client_secret}\n")  # trailing newline, as editors leave it
    refresh_file = tmp_path / "refresh_token"
    refresh_file.write_text(f"  {oauth.refresh_token}\n")
    return OAuth2Settings(
        token_url=oauth.token_url,
        client_id=oauth.client_id,
        client_secret_file=secret_file,
        refresh_token_file=refresh_file,
        scope="https://outlook.office.com/IMAP.AccessAsUser.All offline_access",
    )


@pytest.fixture
def imap(oauth_dovecot: PrivateDovecot) -> Iterator[imapclient.IMAPClient]:
    client = imapclient.IMAPClient(oauth_dovecot.host, port=oauth_dovecot.port, ssl=False, timeout=10)
    yield client
    client.shutdown()


def _login_and_logout(dovecot: PrivateDovecot, tokens: TokenSource) -> None:
    client = imapclient.IMAPClient(dovecot.host, port=dovecot.port, ssl=False, timeout=10)
    try:
        oauth2_login(client, USER, tokens)
        client.select_folder("INBOX", readonly=True)
    finally:
        client.shutdown()


# -- logging in ----------------------------------------------------------------


def test_xoauth2_login_opens_inbox_and_reads_appended_mail(
    oauth_dovecot: PrivateDovecot, oauth: OAuthTestServer, settings: OAuth2Settings, imap: imapclient.IMAPClient
) -> None:
    uid = oauth_dovecot.append(COMPLAINT, user=USER)

    oauth2_login(imap, USER, TokenSource(settings))
    imap.select_folder("INBOX", readonly=True)
    fetched = imap.fetch([uid], ["BODY.PEEK[]"])

    assert fetched[uid][b"BODY[]"] == COMPLAINT
    assert oauth.introspection_requests >= 1  # Dovecot asked the oauth2 passdb, not a password file
    assert oauth.token_forms == [
        {
            "grant_type": "refresh_token",
            "refresh_token": oauth.refresh_token,  # whitespace from the file stripped
            "client_id": oauth.client_id,
            "client_secret": oauth.client_secret,
            "scope": settings.scope,
        }
    ]


def test_password_login_still_works_next_to_oauth2(oauth_dovecot: PrivateDovecot) -> None:
    client = oauth_dovecot.client(USER)
    try:
        assert client.select_folder("INBOX", readonly=True)[b"EXISTS"] >= 0
    finally:
        client.logout()


def test_dovecot_refuses_a_revoked_token_as_failed_authentication(
    oauth: OAuthTestServer, settings: OAuth2Settings, imap: imapclient.IMAPClient
) -> None:
    # Not "[UNAVAILABLE] Temporary authentication failure": the introspection answer
    # {"active": false} must count as a wrong credential, which the IMAP layer retries.
    token = TokenSource(settings).access_token()
    oauth.revoke(token)

    with pytest.raises(LoginError, match=r"\[AUTHENTICATIONFAILED\]"):
        imap.oauth2_login(USER, token)


def test_token_is_cached_across_logins(
    oauth_dovecot: PrivateDovecot, oauth: OAuthTestServer, settings: OAuth2Settings
) -> None:
    tokens = TokenSource(settings)

    _login_and_logout(oauth_dovecot, tokens)
    _login_and_logout(oauth_dovecot, tokens)

    assert oauth.token_requests == 1


def test_token_is_renewed_shortly_before_it_expires(oauth: OAuthTestServer, settings: OAuth2Settings) -> None:
    oauth.expires_in = 600
    clock = FakeClock()
    tokens = TokenSource(settings, clock=clock)
    first = tokens.access_token()

    clock.now += 600 - EXPIRY_MARGIN_S - 1
    assert tokens.access_token() == first
    assert oauth.token_requests == 1

    clock.now += 2
    second = tokens.access_token()
    assert second != first
    assert oauth.token_requests == 2


def test_revoked_cached_token_is_replaced_and_login_retried(
    oauth: OAuthTestServer, settings: OAuth2Settings, imap: imapclient.IMAPClient
) -> None:
    tokens = TokenSource(settings)
    stale = tokens.access_token()
    oauth.revoke(stale)

    oauth2_login(imap, USER, tokens)

    assert oauth.token_requests == 2
    assert tokens.access_token() == oauth.issued[-1] != stale
    imap.select_folder("INBOX", readonly=True)


def test_login_refused_even_with_a_fresh_token_is_reported(
    oauth: OAuthTestServer, settings: OAuth2Settings, imap: imapclient.IMAPClient
) -> None:
    # The token belongs to USER; Dovecot refuses it for another mailbox both times.
    with pytest.raises(MailboxUnavailable) as caught:
        oauth2_login(imap, "lain@ombudsman.test", TokenSource(settings))

    assert isinstance(caught.value, OAuth2Failed)
    assert not caught.value.retryable
    assert "lain@ombudsman.test" in caught.value.message
    assert "AUTHENTICATIONFAILED" in caught.value.message
    assert oauth.token_requests == 2  # invalidated after the first refusal, fetched again


def test_login_while_the_server_cannot_check_tokens_is_retryable(
    oauth: OAuthTestServer, settings: OAuth2Settings, imap: imapclient.IMAPClient
) -> None:
    tokens = TokenSource(settings)
    tokens.access_token()
    oauth.stop()  # Dovecot's introspection calls now fail: "[UNAVAILABLE] Temporary authentication failure"
    try:
        with pytest.raises(OAuth2Unavailable, match=r"\[UNAVAILABLE\]") as caught:
            oauth2_login(imap, USER, tokens)
    finally:
        oauth.start()  # same port, for the module's Dovecot
    assert caught.value.retryable
    assert oauth.token_requests == 1  # the token was not the problem: no refresh


# -- the refresh token file ----------------------------------------------------


def test_rotated_refresh_token_is_written_back_with_mode_0600(
    oauth: OAuthTestServer, settings: OAuth2Settings
) -> None:
    oauth.rotate_refresh_token = True
    settings.refresh_token_file.chmod(0o644)
    old = oauth.refresh_token
    tokens = TokenSource(settings)

    tokens.access_token()

    new = oauth.refresh_token
    assert new != old
    assert settings.refresh_token_file.read_text().strip() == new
    assert stat.S_IMODE(settings.refresh_token_file.stat().st_mode) == 0o600
    assert sorted(p.name for p in settings.refresh_token_file.parent.iterdir()) == [
        "client_secret",
        "refresh_token",
    ]
    # The old refresh token is dead on the server: the next grant only works with the saved one.
    tokens.invalidate()
    tokens.access_token()
    assert oauth.token_forms[-1]["refresh_token"] == new
    assert oauth.token_requests == 2


def test_unchanged_refresh_token_leaves_the_file_alone(oauth: OAuthTestServer, settings: OAuth2Settings) -> None:
    before = settings.refresh_token_file.stat()

    TokenSource(settings).access_token()

    after = settings.refresh_token_file.stat()
    assert (after.st_ino, after.st_mtime_ns, stat.S_IMODE(after.st_mode)) == (
        before.st_ino, before.st_mtime_ns, stat.S_IMODE(before.st_mode),
    )  # fmt: skip


def test_secrets_never_reach_the_log(
    oauth: OAuthTestServer, settings: OAuth2Settings, imap: imapclient.IMAPClient, caplog: pytest.LogCaptureFixture
) -> None:
    oauth.rotate_refresh_token = True
    old_refresh = oauth.refresh_token
    tokens = TokenSource(settings)
    oauth.revoke(tokens.access_token())

    with caplog.at_level(logging.DEBUG):
        oauth2_login(imap, USER, tokens)

    assert "coba sekali lagi" in caplog.text  # the retry was logged ...
    for secret in [old_refresh, oauth.refresh_token, oauth.client_secret or "", *oauth.issued]:
        assert secret not in caplog.text  # ... without any secret


# -- failures staff must understand ---------------------------------------------


def test_wrong_client_secret_is_a_readable_permanent_error(
    oauth: OAuthTestServer, settings: OAuth2Settings
) -> None:
    settings.client_secret_file.write_text("bukan-secret-yang-benar\n")  # type: ignore[union-attr]

    with pytest.raises(MailboxUnavailable) as caught:
        TokenSource(settings).access_token()

    error = caught.value
    assert isinstance(error, OAuth2Failed) and not error.retryable
    assert f"Token OAuth2 ditolak oleh {oauth.token_url}: invalid_client" in error.message
    assert str(settings.client_secret_file) in error.message
    assert "bukan-secret-yang-benar" not in error.message


def test_expired_refresh_token_names_the_file_to_renew(oauth: OAuthTestServer, settings: OAuth2Settings) -> None:
    oauth.revoke(oauth.refresh_token)
    stale = settings.refresh_token_file.read_text().strip()

    with pytest.raises(OAuth2Failed) as caught:
        TokenSource(settings).access_token()

    message = caught.value.message
    assert "invalid_grant" in message and "kedaluwarsa" in message
    assert f"perbarui berkas {settings.refresh_token_file}" in message
    assert stale not in message


def test_missing_refresh_token_file_is_reported(oauth: OAuthTestServer, settings: OAuth2Settings) -> None:
    settings.refresh_token_file.unlink()

    with pytest.raises(OAuth2Failed, match="refresh token OAuth2 tidak ada"):
        TokenSource(settings).access_token()
    assert oauth.token_requests == 0


def test_token_endpoint_down_is_retryable(settings: OAuth2Settings) -> None:
    down = settings.model_copy(update={"token_url": f"http://127.0.0.1:{free_port()}/token"})

    with pytest.raises(MailboxUnavailable) as caught:
        TokenSource(down, timeout_s=2.0).access_token()

    assert isinstance(caught.value, OAuth2Unavailable)
    assert caught.value.retryable
    assert "tidak dapat dihubungi" in caught.value.message


def test_token_endpoint_outage_is_retryable(oauth: OAuthTestServer, settings: OAuth2Settings) -> None:
    oauth.token_outage = 503

    with pytest.raises(OAuth2Unavailable, match="HTTP 503") as caught:
        TokenSource(settings).access_token()
    assert caught.value.retryable


def test_plain_http_token_url_is_only_allowed_on_loopback(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="https://"):
        OAuth2Settings(
            token_url="http://login.example.com/token", client_id="x", refresh_token_file=tmp_path / "rt"
        )


def test_a_mailbox_configured_with_oauth2_is_synced_through_xoauth2(
    tmp_path: Path, oauth_dovecot: PrivateDovecot, oauth: OAuthTestServer, settings: OAuth2Settings, classifier
) -> None:
    from core.settings import MailboxSettings, load_settings
    from narahubung.intake import sync_mailboxes
    from narahubung.services import build_services

    oauth_dovecot.append(COMPLAINT, user=USER)
    mailbox = MailboxSettings(
        name="m365", url=f"imap://{USER.replace('@', '%40')}@127.0.0.1:{oauth_dovecot.port}/INBOX", oauth2=settings
    )
    services = build_services(load_settings(data_dir=tmp_path / "data", mailboxes=[mailbox]), classifier=classifier)
    report = sync_mailboxes(services)
    assert (report.stored, report.errors) == (1, [])
    assert oauth.token_requests == 1
