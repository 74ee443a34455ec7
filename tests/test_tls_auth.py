"""Real mail servers (issue 14.4): STARTTLS for IMAP (the private Dovecot, port 143 style) and SMTP (aiosmtpd,
port 587 style), the office's CA or a pinned self-signed certificate, SMTP AUTH PLAIN, LOGIN and XOAUTH2."""

from __future__ import annotations

import pytest
from clirun import narahubung
from factories import make_mail

from core.errors import DeliveryFailed, ExitCode
from core.settings import OAuth2Settings, load_settings, parse_imap_url, parse_smtp_url
from narahubung.localservers import OAuthTestServer, PrivateDovecot, SmtpSink
from routing.transport import DeliveryAuthFailed, SmtpTransport

LETTER = b"From: pengaduan@ombudsman.example\r\nTo: narahubung@instansi.example\r\nSubject: Uji\r\n\r\nIsi.\r\n"
KTP = ("e-KTP saya belum jadi juga",
       "Saya merekam e-KTP di Disdukcapil Koba, Bangka Tengah, bulan Mei 2026 dan sampai sekarang belum selesai.")


def logins(dovecot: PrivateDovecot, user: str) -> list[str]:
    return [line for line in dovecot.log_path.read_text().splitlines() if "Login: user=<" + user + ">" in line]


# --- settings ------------------------------------------------------------------------------------


def test_plain_urls_to_another_host_use_starttls_unless_told_otherwise():
    assert parse_imap_url("imap://u:p@mail.kantor.example/INBOX").starttls
    assert parse_smtp_url("smtp://u:p@smtp.office365.com:587").starttls
    assert not parse_smtp_url("smtp://relay.kantor.example:25?tls=none").starttls
    assert not parse_imap_url("imap://u:p@127.0.0.1:143/INBOX").starttls  # loopback: nothing to overhear
    assert parse_imap_url("imap://u:p@127.0.0.1:143/INBOX?tls=starttls").starttls
    secure = parse_imap_url("imaps://u:p@mail.kantor.example/INBOX")
    assert (secure.tls, secure.starttls, secure.port) == (True, False, 993)


def test_a_missing_ca_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("NARAHUBUNG_TLS_CA_FILE", str(tmp_path / "tidak-ada.pem"))
    from core.errors import SettingsInvalid

    with pytest.raises(SettingsInvalid, match="NARAHUBUNG_TLS_CA_FILE"):
        load_settings(data_dir=tmp_path)


# --- IMAP ----------------------------------------------------------------------------------------


def test_imap_starttls_with_the_servers_pinned_certificate_reads_the_mailbox(tmp_path, dovecot, fresh_mailbox):
    user, _ = fresh_mailbox
    dovecot.append(make_mail(*KTP), user=user)
    env = {"NARAHUBUNG_DATA_DIR": str(tmp_path), "NARAHUBUNG_CLASSIFIER": "rules",
           "NARAHUBUNG_IMAP_URL": dovecot.url(user, starttls=True, host="localhost"),
           "NARAHUBUNG_TLS_CA_FILE": str(dovecot.cert_path)}
    result = narahubung("run", "--once", env=env)
    assert result.exit_code == 0, result.output
    assert "Surel baru: 1" in result.stdout
    appended, *ours = logins(dovecot, user)  # the first is the test's own APPEND over plain IMAP
    assert ", TLS" not in appended
    assert ours and all(", TLS" in login for login in ours), ours  # Dovecot logs an encrypted login so


def test_imap_over_tls_from_the_first_byte_with_the_pinned_certificate(tmp_path, dovecot, fresh_mailbox):
    user, _ = fresh_mailbox
    env = {"NARAHUBUNG_DATA_DIR": str(tmp_path), "NARAHUBUNG_CLASSIFIER": "rules",
           "NARAHUBUNG_IMAP_URL": dovecot.url(user, tls=True, host="localhost"),
           "NARAHUBUNG_TLS_CA_FILE": str(dovecot.cert_path)}
    assert narahubung("run", "--once", env=env).exit_code == 0
    assert logins(dovecot, user)


def test_an_untrusted_certificate_stops_before_the_password_is_sent(tmp_path, dovecot, fresh_mailbox):
    user, _ = fresh_mailbox
    env = {"NARAHUBUNG_DATA_DIR": str(tmp_path), "NARAHUBUNG_CLASSIFIER": "rules",
           "NARAHUBUNG_IMAP_URL": dovecot.url(user, starttls=True, host="localhost")}
    result = narahubung("run", "--once", env=env)
    assert result.exit_code == ExitCode.BAD_SETTINGS, result.output
    assert "tidak dipercaya" in result.output and "NARAHUBUNG_TLS_CA_FILE" in result.output
    assert not logins(dovecot, user)


def test_a_server_without_starttls_is_refused_instead_of_sending_the_password_in_clear(tmp_path):
    with PrivateDovecot(users={"kantor": "sandi-rahasia"}, tls=False) as plain:
        env = {"NARAHUBUNG_DATA_DIR": str(tmp_path), "NARAHUBUNG_CLASSIFIER": "rules",
               "NARAHUBUNG_IMAP_URL": plain.url("kantor", starttls=True)}
        result = narahubung("run", "--once", env=env)
        assert result.exit_code == ExitCode.BAD_SETTINGS, result.output
        assert "tidak menawarkan STARTTLS" in result.output
        assert not logins(plain, "kantor")


# --- SMTP ----------------------------------------------------------------------------------------


def endpoint(url: str, sink: SmtpSink, **extra):
    return parse_smtp_url(url).model_copy(update={"ca_file": sink.cert_path, **extra})


@pytest.mark.parametrize("hidden", [[], ["PLAIN"]], ids=["PLAIN", "LOGIN"])
def test_smtp_starttls_then_auth_with_a_password(hidden):
    with SmtpSink(starttls=True, users={"kantor": "sandi-benar-sekali"}, exclude_mechanisms=hidden) as sink:
        transport = SmtpTransport(endpoint(f"smtp://kantor:sandi-benar-sekali@localhost:{sink.port}?tls=starttls", sink))
        assert transport.send("pengaduan@ombudsman.example", ("narahubung@instansi.example",), LETTER) == {}
        [mail] = sink.messages
        assert (mail.login, mail.tls) == ("kantor", True)


def test_smtp_xoauth2_with_the_same_oauth2_settings_as_imap(tmp_path):
    with OAuthTestServer(username="kantor@ombudsman.example") as oauth, \
            SmtpSink(starttls=True, oauth2=oauth) as sink:
        (tmp_path / "refresh").write_text(oauth.refresh_token)
        (tmp_path / "secret").write_text("rahasia-klien-uji")
        config = tmp_path / "narahubung.toml"
        config.write_text(
            f'smtp_url = "smtp://kantor%40ombudsman.example@localhost:{sink.port}?tls=starttls"\n'
            f'tls_ca_file = "{sink.cert_path}"\n'
            f'[smtp_oauth2]\ntoken_url = "{oauth.token_url}"\nclient_id = "narahubung-test"\n'
            f'client_secret_file = "{tmp_path / "secret"}"\nrefresh_token_file = "{tmp_path / "refresh"}"\n'
        )
        settings = load_settings(config, data_dir=tmp_path)
        assert isinstance(settings.smtp_oauth2, OAuth2Settings)
        transport = SmtpTransport(settings.smtp)  # type: ignore[arg-type]
        transport.send("pengaduan@ombudsman.example", ("narahubung@instansi.example",), LETTER)
        assert sink.messages[-1].tls and oauth.token_requests == 1

        oauth.revoke(oauth.issued[-1])
        oauth.revoke(oauth.refresh_token)  # the provider withdrew the app's consent
        with pytest.raises(DeliveryAuthFailed):
            transport.send("pengaduan@ombudsman.example", ("narahubung@instansi.example",), LETTER)
        assert len(sink.messages) == 1


def test_smtp_password_from_a_file_and_a_wrong_one_is_a_login_error_not_a_failed_letter(tmp_path):
    with SmtpSink(starttls=True, users={"kantor": "sandi-benar-sekali"}) as sink:
        secret = tmp_path / "smtp.secret"
        secret.write_text("sandi-benar-sekali\n")
        good = SmtpTransport(endpoint(f"smtp://kantor@localhost:{sink.port}?tls=starttls", sink, password_file=secret))
        good.send("pengaduan@ombudsman.example", ("narahubung@instansi.example",), LETTER)
        assert sink.messages[-1].login == "kantor"

        secret.write_text("sandi-lama\n")
        with pytest.raises(DeliveryAuthFailed) as refused:
            good.send("pengaduan@ombudsman.example", ("narahubung@instansi.example",), LETTER)
        assert not refused.value.permanent and refused.value.exit_code == ExitCode.AUTH_REFUSED
        assert good.trouble is refused.value


def test_smtp_refuses_an_untrusted_certificate_and_a_server_without_starttls():
    with SmtpSink(starttls=True, users={"kantor": "sandi-benar-sekali"}) as sink:
        untrusted = SmtpTransport(parse_smtp_url(f"smtp://kantor:sandi-benar-sekali@localhost:{sink.port}?tls=starttls"))
        with pytest.raises(DeliveryFailed, match="tidak dipercaya") as refused:
            untrusted.send("pengaduan@ombudsman.example", ("narahubung@instansi.example",), LETTER)
        assert refused.value.exit_code == ExitCode.BAD_SETTINGS and not refused.value.permanent
        assert not sink.messages and sink.failed_logins == 0
    with SmtpSink(users={"kantor": "sandi-benar-sekali"}) as plain:
        asked = SmtpTransport(parse_smtp_url(f"smtp://kantor:sandi-benar-sekali@127.0.0.1:{plain.port}?tls=starttls"))
        with pytest.raises(DeliveryFailed, match="tidak menawarkan STARTTLS") as refused:
            asked.send("pengaduan@ombudsman.example", ("narahubung@instansi.example",), LETTER)
        assert refused.value.exit_code == ExitCode.BAD_SETTINGS
        assert not plain.messages and plain.failed_logins == 0
