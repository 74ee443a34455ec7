"""Exit codes a scheduler can act on (issue 14.2): `run --once`, `backfill` and `send` against the real
private Dovecot and aiosmtpd. 0 a clean round, 2 a setting, 3 unreachable, 5 login refused, 6 letters failed."""

from __future__ import annotations

import pytest
from clirun import narahubung
from factories import make_mail

from core.errors import ExitCode
from narahubung.localservers import SmtpSink
from narahubung.localservers._ports import free_port

KTP = ("e-KTP saya belum jadi juga",
       ("Selamat pagi. Saya merekam e-KTP di kantor Disdukcapil Koba, Bangka Tengah, bulan Mei 2026. Petugas bilang "
       "14 hari jadi, tapi sampai sekarang sudah 6 bulan belum juga selesai. Mohon bantuannya."))


def env_for(tmp_path, imap_url: str | None = None, smtp_url: str | None = None) -> dict[str, str]:
    env = {"NARAHUBUNG_DATA_DIR": str(tmp_path / "data"), "NARAHUBUNG_CLASSIFIER": "rules"}
    if imap_url:
        env["NARAHUBUNG_IMAP_URL"] = imap_url
    if smtp_url:
        env["NARAHUBUNG_SMTP_URL"] = smtp_url
    return env


def test_the_codes_are_documented_in_help():
    shown = " ".join(narahubung("--help").stdout.split())
    for code in ExitCode:
        assert f"{int(code)} " in shown
    assert "refused the login" in shown and "some letters failed" in shown


def test_a_clean_round_exits_0(tmp_path, dovecot, fresh_mailbox, smtp_sink):
    user, _ = fresh_mailbox
    dovecot.append(make_mail(*KTP), user=user)
    result = narahubung("run", "--once", env=env_for(tmp_path, dovecot.url(user), smtp_sink.url))
    assert result.exit_code == 0, result.output
    assert smtp_sink.messages


@pytest.mark.parametrize(
    ("breakage", "code", "says"),
    [
        ("wrong password", ExitCode.AUTH_REFUSED, "ditolak"),
        ("refused port", ExitCode.SERVICE_UNAVAILABLE, "tidak dapat dihubungi"),
        ("unknown host", ExitCode.SERVICE_UNAVAILABLE, "tidak dapat dihubungi"),
        ("missing folder", ExitCode.BAD_SETTINGS, "Folder di kotak surat"),
    ],
)
def test_run_once_says_why_the_mailbox_failed_in_its_exit_code(tmp_path, dovecot, fresh_mailbox, breakage, code, says):
    user, password = fresh_mailbox
    url = {
        "wrong password": dovecot.url(user).replace(password, "salah-sekali"),
        "refused port": f"imap://{user}:x@127.0.0.1:{free_port()}/INBOX",
        "unknown host": f"imap://{user}:x@tidak-ada.invalid:143/INBOX?tls=none",
        "missing folder": dovecot.url(user, folder="Tidak Ada"),
    }[breakage]
    result = narahubung("run", "--once", env=env_for(tmp_path, url))
    assert result.exit_code == code, result.output
    assert says in result.output


def test_a_missing_password_file_is_a_settings_error(tmp_path, dovecot, fresh_mailbox):
    user, _ = fresh_mailbox
    config = tmp_path / "narahubung.toml"
    config.write_text(f'[[mailboxes]]\nname = "utama"\nurl = "imap://{user}@127.0.0.1:{dovecot.port}/INBOX"\n'
                      f'password_file = "{tmp_path / "tidak-ada.secret"}"\n')
    result = narahubung("--config", str(config), "run", "--once", env=env_for(tmp_path))
    assert result.exit_code == ExitCode.BAD_SETTINGS, result.output
    assert "tidak-ada.secret" in result.output
    backfill = narahubung("--config", str(config), "backfill", "--since", "2026-01-01", env=env_for(tmp_path))
    assert backfill.exit_code == ExitCode.BAD_SETTINGS, backfill.output


def test_letters_refused_by_the_server_make_the_round_exit_6_and_send_too(tmp_path, dovecot, fresh_mailbox):
    user, _ = fresh_mailbox
    dovecot.append(make_mail(*KTP), user=user)
    with SmtpSink(reject_with="550 no such user") as sink:
        env = env_for(tmp_path, dovecot.url(user), sink.url)
        result = narahubung("run", "--once", env=env)
        assert result.exit_code == ExitCode.SOME_FAILED, result.output
        assert sink.rejected and "gagal: 2" in " ".join(result.stdout.split())
        assert narahubung("send", env=env).exit_code == 0  # nothing is waiting any more: a clean round


def test_a_refused_smtp_login_exits_5_and_the_letters_wait_instead_of_failing(tmp_path, dovecot, fresh_mailbox):
    user, _ = fresh_mailbox
    dovecot.append(make_mail(*KTP), user=user)
    with SmtpSink(users={"kantor": "sandi-yang-benar"}) as sink:
        wrong = f"smtp://kantor:sandi-salah@127.0.0.1:{sink.port}"
        result = narahubung("run", "--once", env=env_for(tmp_path, dovecot.url(user), wrong))
        assert result.exit_code == ExitCode.AUTH_REFUSED, result.output
        assert not sink.messages and sink.failed_logins
        assert "ditunda: 2" in " ".join(result.stdout.split())

        assert "login SMTP kantor@127.0.0.1" in result.output
        listing = narahubung("cases", env=env_for(tmp_path)).stdout
        assert "pending→" in listing and "failed→" not in listing  # retried later, nothing for staff to redo


def test_an_unreachable_smtp_server_exits_3(tmp_path, dovecot, fresh_mailbox):
    user, _ = fresh_mailbox
    dovecot.append(make_mail(*KTP), user=user)
    result = narahubung("run", "--once", env=env_for(tmp_path, dovecot.url(user), f"smtp://127.0.0.1:{free_port()}"))
    assert result.exit_code == ExitCode.SERVICE_UNAVAILABLE, result.output
