"""Settings come from NARAHUBUNG_* variables and an optional TOML file; bad values stop with one sentence."""

from pathlib import Path

import pytest
from clirun import narahubung

from core.errors import SettingsInvalid
from core.settings import load_settings, parse_imap_url, parse_smtp_url


def test_defaults_need_no_configuration(monkeypatch):
    for name in ("DATABASE_URL", "IMAP_URL", "SMTP_URL", "DATA_DIR", "DIRECTORY"):
        monkeypatch.delenv(f"NARAHUBUNG_{name}", raising=False)
    settings = load_settings()
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.resolved_database_url.endswith("data/narahubung.sqlite3")
    assert settings.directory.name == "directory.yaml" and settings.directory.is_file()
    assert settings.all_mailboxes == [] and settings.smtp is None


def test_imap_url_gives_endpoint_with_folder_and_tls():
    ep = parse_imap_url("imaps://pengaduan%40ori.example:s%3Dcret@mail.ori.example/Kotak%20Masuk")
    assert (ep.host, ep.port, ep.tls) == ("mail.ori.example", 993, True)
    assert (ep.username, ep.password, ep.folder) == ("pengaduan@ori.example", "s=cret", "Kotak Masuk")
    assert "s=cret" not in ep.mailbox_key()


def test_smtp_url_defaults_port_by_scheme():
    assert parse_smtp_url("smtp://relay.example").port == 25
    assert parse_smtp_url("smtps://relay.example").port == 465


def test_toml_file_is_read_and_environment_wins(tmp_path, monkeypatch):
    config = tmp_path / "narahubung.toml"
    config.write_text('poll_interval = 15\nsmtp_url = "smtp://from-file:2525"\n')
    monkeypatch.setenv("NARAHUBUNG_SMTP_URL", "smtp://from-env:2526")
    settings = load_settings(config)
    assert settings.poll_interval == 15
    assert settings.smtp is not None and settings.smtp.host == "from-env"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("NARAHUBUNG_IMAP_URL", "http://mail.example/INBOX"),
        ("NARAHUBUNG_SMTP_URL", "mail.example:25"),
        ("NARAHUBUNG_POLL_INTERVAL", "-3"),
    ],
)
def test_a_wrong_setting_names_itself(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsInvalid) as info:
        load_settings()
    assert variable in info.value.message


def test_missing_config_file_is_reported(tmp_path):
    with pytest.raises(SettingsInvalid, match="--config"):
        load_settings(tmp_path / "nope.toml")


def test_cli_prints_one_sentence_and_no_traceback(tmp_path):
    result = narahubung("run", "--once", env={"NARAHUBUNG_IMAP_URL": "ftp://x", "NARAHUBUNG_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 2
    assert "NARAHUBUNG_IMAP_URL" in result.stderr
    assert "Traceback" not in result.output


def test_a_missing_directory_file_names_its_setting(tmp_path):
    env = {"NARAHUBUNG_DIRECTORY": str(tmp_path / "nope.yaml"), "NARAHUBUNG_DATA_DIR": str(tmp_path)}
    result = narahubung("run", "--once", env=env)
    assert result.exit_code == 2
    assert "NARAHUBUNG_DIRECTORY" in result.stderr and "Traceback" not in result.output


def test_polling_without_a_mailbox_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("NARAHUBUNG_IMAP_URL", raising=False)
    result = narahubung("run", env={"NARAHUBUNG_DATA_DIR": str(tmp_path), "NARAHUBUNG_CLASSIFIER": "rules"})
    assert result.exit_code == 2
    assert "NARAHUBUNG_IMAP_URL" in result.stderr


def test_the_settings_file_example_in_the_readme_is_valid(tmp_path, monkeypatch):
    monkeypatch.delenv("NARAHUBUNG_IMAP_URL", raising=False)
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    config = tmp_path / "narahubung.toml"
    config.write_text(example)
    settings = load_settings(config)
    assert [m.name for m in settings.all_mailboxes] == ["pengaduan", "m365"]
    assert settings.all_mailboxes[0].folder_names == ["INBOX", "Pengaduan Web"]
    assert settings.all_mailboxes[1].oauth2 is not None


def test_a_mailbox_without_any_credential_is_refused(tmp_path):
    config = tmp_path / "narahubung.toml"
    config.write_text('[[mailboxes]]\nname = "x"\nurl = "imap://user@host/INBOX"\n')
    with pytest.raises(SettingsInvalid, match="password"):
        load_settings(config)


def test_a_retired_setting_is_refused_not_ignored(monkeypatch, tmp_path):
    # the sender address lives in the directory (office.sender_email); a From setting would do nothing
    monkeypatch.setenv("NARAHUBUNG_SMTP_FROM", "pengaduan@contoh.example")
    with pytest.raises(SettingsInvalid, match=r"NARAHUBUNG_SMTP_FROM.*office\.sender_email"):
        load_settings()
    monkeypatch.delenv("NARAHUBUNG_SMTP_FROM")
    toml = tmp_path / "narahubung.toml"
    toml.write_text('smtp_from = "pengaduan@contoh.example"\n', encoding="utf-8")
    with pytest.raises(SettingsInvalid, match=r"Kunci smtp_from di .*office\.sender_email"):
        load_settings(toml)
