"""No account lock-out (issue 14.3): after a refused login `narahubung run` waits many minutes, says so once at
ERROR, and keeps "login refused since …" where the review app shows it; it clears when the login works."""

from __future__ import annotations

import logging
import threading
import time

from factories import wait_until

from core.settings import load_settings
from ingest.imap.backoff import Backoff
from narahubung.runner import Runner
from narahubung.services import build_services
from storage.health import configured_mailboxes, mailbox_problems


def refused_logins(dovecot, user: str) -> int:
    return sum(1 for line in dovecot.log_path.read_text().splitlines()
               if f"user=<{user}>" in line and "auth failed" in line)


def runner_for(tmp_path, dovecot, user: str, password_file, rules_classifier) -> Runner:
    config = tmp_path / "narahubung.toml"
    config.write_text(f'[[mailboxes]]\nname = "pengaduan"\nurl = "imap://{user}@127.0.0.1:{dovecot.port}/INBOX"\n'
                      f'password_file = "{password_file}"\npoll_interval = 0.2\n')
    settings = load_settings(config, data_dir=tmp_path / "data")
    return Runner(build_services(settings, classifier=rules_classifier), threading.Event())


def stop(runner: Runner) -> None:
    runner.stop.set()
    runner.wake.set()
    runner.join(timeout=10)


def problems(runner: Runner):
    with runner.services.factory() as session:
        return mailbox_problems(session, configured_mailboxes(runner.services.settings))


def test_a_refused_password_is_tried_once_not_every_few_seconds_and_staff_are_told(
    tmp_path, dovecot, fresh_mailbox, rules_classifier, caplog
):
    user, _ = fresh_mailbox
    secret = tmp_path / "pengaduan.secret"
    secret.write_text("kata-sandi-lama\n")
    runner = runner_for(tmp_path, dovecot, user, secret, rules_classifier)
    with caplog.at_level(logging.INFO, logger="narahubung.ingest.imap"):
        runner.start()
        try:
            wait_until(lambda: problems(runner), timeout=10)
            time.sleep(4.0)  # the old backoff (0.5–1 s, then 1–2 s, 2–4 s) would have tried three more times
        finally:
            stop(runner)
    assert refused_logins(dovecot, user) == 1
    [problem] = problems(runner)
    assert (problem.mailbox, problem.kind) == ("pengaduan/INBOX", "auth")
    assert "ditolak" in problem.message and problem.since
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "agar akun tidak terkunci" in errors[0].getMessage()


def test_the_problem_clears_when_the_password_is_fixed(tmp_path, dovecot, fresh_mailbox, rules_classifier):
    user, password = fresh_mailbox
    secret = tmp_path / "pengaduan.secret"
    secret.write_text("kata-sandi-lama\n")
    runner = runner_for(tmp_path, dovecot, user, secret, rules_classifier)
    [watcher] = runner.watchers
    watcher.slow_backoff = Backoff(initial_s=0.5, maximum_s=0.5)  # minutes in production; not worth a test's wait
    runner.start()
    try:
        wait_until(lambda: problems(runner), timeout=10)
        secret.write_text(password + "\n")  # staff fix the password file
        wait_until(lambda: not problems(runner) and watcher.connected.is_set(), timeout=10)
    finally:
        stop(runner)
    with runner.services.factory() as session:
        from sqlalchemy import select

        from storage.models import AuditEvent

        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.entity == "mailbox")).all()
    assert actions == ["mailbox_failing", "mailbox_ok"]  # one row per change, not one per retry


class CutAtLogin:
    """A loopback TCP relay to the real Dovecot that drops the connection when the client sends LOGIN."""

    def __init__(self, port: int) -> None:
        import socket

        self.target = port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import socket

        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self._pipe, args=(server, client, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(client, server, True), daemon=True).start()

    @staticmethod
    def _pipe(source, sink, cut_at_login: bool) -> None:
        try:
            while data := source.recv(65536):
                if cut_at_login and b" LOGIN " in data.upper():
                    break
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            end.close()


def test_a_connection_lost_during_login_is_no_refused_password(dovecot, fresh_mailbox):
    from core.errors import MailboxAuthFailed, MailboxUnavailable
    from core.settings import MailboxSettings
    from ingest.imap.connection import ImapAccount

    user, password = fresh_mailbox
    relay = CutAtLogin(dovecot.port)
    account = ImapAccount(MailboxSettings(name="x", url=f"imap://{user}:{password}@127.0.0.1:{relay.port}/INBOX"))
    try:
        account.connect()
    except MailboxUnavailable as exc:
        assert not isinstance(exc, MailboxAuthFailed) and exc.retryable, exc.message
    else:
        raise AssertionError("the relay cut the login; connect() cannot have succeeded")
    finally:
        relay.listener.close()


def test_a_refused_smtp_login_is_shown_to_staff_too(tmp_path, dovecot, fresh_mailbox, rules_classifier):
    from factories import make_mail

    from narahubung.localservers import SmtpSink

    user, _password = fresh_mailbox
    dovecot.append(make_mail("e-KTP belum jadi", "Saya merekam e-KTP di Disdukcapil Koba, Bangka Tengah, bulan Mei "
                             "2026 dan sampai sekarang belum selesai."), user=user)
    with SmtpSink(users={"kantor": "sandi-benar-sekali"}) as sink:
        settings = load_settings(data_dir=tmp_path / "data", imap_url=dovecot.url(user),
                                 smtp_url=f"smtp://kantor:sandi-salah@127.0.0.1:{sink.port}")
        runner = Runner(build_services(settings, classifier=rules_classifier), threading.Event())
        runner.start()
        try:
            wait_until(lambda: any(p.mailbox == "smtp" for p in problems(runner)), timeout=20)
        finally:
            stop(runner)
    [problem] = [p for p in problems(runner) if p.mailbox == "smtp"]
    assert problem.kind == "auth" and "login SMTP kantor@127.0.0.1" in problem.message
