"""Specification of narahubung.localservers: real Dovecot, SMTP sink and PostgreSQL."""

from __future__ import annotations

import os
import smtplib
import ssl
import uuid
from pathlib import Path
from urllib.parse import unquote, urlsplit

import imapclient
import pytest
import sqlalchemy as sa
from imapclient.exceptions import LoginError

from narahubung.localservers import PrivateDovecot, ServerMissing, SmtpSink
from narahubung.localservers import dovecot as dovecot_module
from narahubung.localservers import postgres as postgres_module

pytestmark = pytest.mark.servers

COMPLAINT = (
    b"From: Warga <warga@example.id>\r\n"
    b"To: pengaduan@ombudsman.example.id\r\n"
    b"Subject: Pengaduan layanan KTP\r\n"
    b"\r\n"
    b"KTP saya belum jadi setelah tiga bulan.\r\n"
)


# -- Dovecot ------------------------------------------------------------------


def test_new_user_has_empty_inbox(dovecot: PrivateDovecot, fresh_mailbox: tuple[str, str]) -> None:
    user, password = fresh_mailbox
    client = imapclient.IMAPClient(dovecot.host, port=dovecot.port, ssl=False)
    client.login(user, password)
    try:
        assert client.select_folder("INBOX")[b"EXISTS"] == 0
    finally:
        client.logout()
    assert dovecot.messages(user) == {}


def test_appended_mail_is_fetchable_with_its_uid(dovecot: PrivateDovecot, fresh_mailbox: tuple[str, str]) -> None:
    user, _ = fresh_mailbox
    first = dovecot.append(COMPLAINT, user=user)
    second = dovecot.append(COMPLAINT.replace(b"KTP saya", b"SIM saya"), user=user)

    assert second > first
    assert dovecot.messages(user) == {first: COMPLAINT, second: COMPLAINT.replace(b"KTP saya", b"SIM saya")}


def test_reading_messages_does_not_mark_them_seen(dovecot: PrivateDovecot, fresh_mailbox: tuple[str, str]) -> None:
    user, _ = fresh_mailbox
    uid = dovecot.append(COMPLAINT, user=user)

    dovecot.messages(user)

    assert dovecot.flags(user) == {uid: ()}


def test_append_creates_missing_folder_and_sets_flags(dovecot: PrivateDovecot, fresh_mailbox: tuple[str, str]) -> None:
    user, _ = fresh_mailbox
    # Dovecot's default Maildir++ hierarchy separator is "."
    uid = dovecot.append(COMPLAINT, user=user, folder="Diteruskan.2024", flags=[b"\\Seen", b"$Diteruskan"])

    assert dovecot.flags(user, "Diteruskan.2024") == {uid: (b"\\Seen", b"$Diteruskan")}
    assert dovecot.messages(user, "Diteruskan.2024") == {uid: COMPLAINT}
    assert dovecot.messages(user, "TidakAda") == {}


def test_url_carries_percent_encoded_credentials(dovecot: PrivateDovecot) -> None:
    user = f"staf.{uuid.uuid4().hex[:8]}@ombudsman.example.id"
    dovecot.add_user(user, "p@ss/w rd%+")

    parts = urlsplit(dovecot.url(user, folder="INBOX"))

    assert (parts.scheme, parts.hostname, parts.port, parts.path) == ("imap", "127.0.0.1", dovecot.port, "/INBOX")
    assert unquote(parts.username or "") == user
    assert unquote(parts.password or "") == "p@ss/w rd%+"
    client = imapclient.IMAPClient(parts.hostname, port=parts.port, ssl=False)
    client.login(unquote(parts.username or ""), unquote(parts.password or ""))
    client.logout()
    assert urlsplit(dovecot.url(tls=True)).port == dovecot.imaps_port


def test_unknown_user_and_wrong_password_are_refused(dovecot: PrivateDovecot, fresh_mailbox: tuple[str, str]) -> None:
    user, _ = fresh_mailbox
    for login, password in [(user, "salah"), ("tidak-terdaftar", "apa-saja")]:
        client = imapclient.IMAPClient(dovecot.host, port=dovecot.port, ssl=False)
        with pytest.raises(LoginError, match="AUTHENTICATIONFAILED"):
            client.login(login, password)
        client.shutdown()


def test_master_user_can_open_any_mailbox(dovecot: PrivateDovecot, fresh_mailbox: tuple[str, str]) -> None:
    user, _ = fresh_mailbox
    uid = dovecot.append(COMPLAINT, user=user)

    client = imapclient.IMAPClient(dovecot.host, port=dovecot.port, ssl=False)
    client.login(f"{user}*{dovecot.master_user}", dovecot.master_password)
    try:
        client.select_folder("INBOX", readonly=True)
        assert client.search("ALL") == [uid]
    finally:
        client.logout()


def test_imaps_port_speaks_tls(dovecot: PrivateDovecot) -> None:
    context = ssl.create_default_context(cafile=str(dovecot.cert_path))
    context.check_hostname = False

    client = imapclient.IMAPClient(dovecot.host, port=dovecot.imaps_port, ssl=True, ssl_context=context)
    try:
        assert client.socket().version() in {"TLSv1.2", "TLSv1.3"}
        client.login("ombudsman", "rahasia")
        assert client.select_folder("INBOX", readonly=True)
    finally:
        client.logout()


def test_restart_keeps_mail_and_port() -> None:
    with PrivateDovecot(users={"ombudsman": "rahasia"}) as server:
        port, imaps_port, root = server.port, server.imaps_port, server.root
        uid = server.append(COMPLAINT)
        connected = server.client()

        server.restart()

        assert (server.port, server.imaps_port, server.root) == (port, imaps_port, root)
        assert server.messages() == {uid: COMPLAINT}
        with pytest.raises((imapclient.exceptions.IMAPClientError, OSError)):
            connected.noop()  # the old connection died with the old server

        server.restart(hard=True)  # SIGKILL, as in a crash
        assert server.port == port
        assert server.messages() == {uid: COMPLAINT}
    assert not root.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="only a root-started dovecot reads files as user dovecot")
def test_root_inside_a_private_dir_is_refused_before_starting(tmp_path: Path) -> None:
    # pytest's tmp_path lives under /tmp/pytest-of-root, mode 0700
    with pytest.raises(ValueError, match="world-traversable"):
        PrivateDovecot(root=tmp_path / "dovecot").start()
    assert not (tmp_path / "dovecot").exists()


def test_missing_dovecot_is_reported_with_the_apt_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(dovecot_module, "SBIN_DOVECOT", tmp_path / "dovecot")

    with pytest.raises(ServerMissing, match="dovecot-imapd"):
        PrivateDovecot().start()


# -- SMTP sink ----------------------------------------------------------------


def test_smtp_sink_records_envelope_and_saves_eml(tmp_path: Path) -> None:
    with SmtpSink(save_dir=tmp_path / "out") as sink:
        assert sink.url == f"smtp://127.0.0.1:{sink.port}"
        with smtplib.SMTP(sink.host, sink.port) as smtp:
            smtp.sendmail("pengaduan@ombudsman.example.id", ["narahubung@kemendagri.example.id"], COMPLAINT)
            smtp.sendmail("a@example.id", ["b@example.id", "c@example.id"], b"Subject: dua\r\n\r\nisi\r\n")

        first, second = sink.wait_for(2)

    assert first.mail_from == "pengaduan@ombudsman.example.id"
    assert first.rcpt_tos == ("narahubung@kemendagri.example.id",)
    assert first.message["Subject"] == "Pengaduan layanan KTP"
    assert second.rcpt_tos == ("b@example.id", "c@example.id")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["0001.eml", "0002.eml"]
    assert (tmp_path / "out" / "0001.eml").read_bytes() == first.data


def test_smtp_sink_can_refuse_temporarily() -> None:
    with SmtpSink(reject_with="450 try later") as sink:
        with smtplib.SMTP(sink.host, sink.port) as smtp:
            with pytest.raises(smtplib.SMTPDataError) as refused:
                smtp.sendmail("a@example.id", ["b@example.id"], COMPLAINT)
            assert refused.value.smtp_code == 450

            sink.reject_with = None  # the server recovers; the retry goes through
            smtp.sendmail("a@example.id", ["b@example.id"], COMPLAINT)

        assert [m.data for m in sink.wait_for(1)] == [COMPLAINT]
        assert len(sink.rejected) == 1


def test_smtp_sink_can_refuse_permanently(smtp_sink: SmtpSink) -> None:
    smtp_sink.reject_with = "550 no such user"
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port) as smtp, pytest.raises(smtplib.SMTPDataError) as refused:
        smtp.sendmail("a@example.id", ["hilang@example.id"], COMPLAINT)
    assert refused.value.smtp_code == 550
    assert smtp_sink.messages == []


def test_wait_for_times_out_when_too_little_arrives(smtp_sink: SmtpSink) -> None:
    with pytest.raises(TimeoutError, match="0 of 1"):
        smtp_sink.wait_for(1, timeout=0.1)


# -- PostgreSQL ---------------------------------------------------------------


def test_postgres_database_accepts_sqlalchemy_connection(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE pengaduan (id serial PRIMARY KEY, isi jsonb)"))
            conn.execute(sa.text("INSERT INTO pengaduan (isi) VALUES ('{\"instansi\": \"Dukcapil\"}')"))
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT isi->>'instansi' FROM pengaduan")).scalar_one() == "Dukcapil"
    finally:
        engine.dispose()


def test_each_postgres_url_is_a_new_empty_database(postgres_url: str, postgres: postgres_module.PrivatePostgres) -> None:
    other = postgres.create_database(f"lain_{uuid.uuid4().hex[:12]}")
    assert other != postgres_url
    engine = sa.create_engine(other)
    try:
        with engine.connect() as conn:
            tables = conn.execute(sa.text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar_one()
        assert tables == 0
    finally:
        engine.dispose()


def test_newest_postgres_version_is_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for version in ("9.6", "15", "16"):
        (tmp_path / version / "bin").mkdir(parents=True)
        (tmp_path / version / "bin" / "initdb").touch()
    monkeypatch.setattr(postgres_module, "INITDB_GLOB", f"{tmp_path}/*/bin/initdb")

    assert postgres_module._bin_dir() == tmp_path / "16" / "bin"


def test_missing_postgres_is_reported_with_the_apt_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(postgres_module, "INITDB_GLOB", f"{tmp_path}/*/bin/initdb")

    with pytest.raises(ServerMissing, match="apt package postgresql"):
        postgres_module.PrivatePostgres().start()
