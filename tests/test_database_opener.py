"""NARAHUBUNG_DATABASE_URL: a wrong value is one sentence and exit 2; a database is created only where it
should be; read-only commands never migrate (issue 14.1, issue 12 B.2)."""

from __future__ import annotations

import pytest
from clirun import narahubung
from sqlalchemy import create_engine, text

from storage.db import upgrade

FIRST_REVISION = "0001"


def one_sentence(result) -> str:
    """The error as printed: one line on stderr, no traceback."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgres://narahubung@db.example/narahubung", "postgresql+psycopg://"),
        ("ngawur", "bukan URL basis data"),
        ("mysql://narahubung@db.example/narahubung", "hanya SQLite dan PostgreSQL"),
    ],
)
def test_a_malformed_database_url_is_one_sentence_naming_the_setting(tmp_path, url, says):
    result = narahubung("cases", env={"NARAHUBUNG_DATA_DIR": str(tmp_path), "NARAHUBUNG_DATABASE_URL": url})
    assert result.exit_code == 2
    sentence = one_sentence(result)
    assert "NARAHUBUNG_DATABASE_URL" in sentence and says in sentence


def test_an_unreachable_postgresql_is_one_sentence_without_the_password(tmp_path):
    from narahubung.localservers._ports import free_port

    url = f"postgresql+psycopg://narahubung:rahasia-db@127.0.0.1:{free_port()}/narahubung"
    result = narahubung("run", "--once", env={"NARAHUBUNG_DATA_DIR": str(tmp_path), "NARAHUBUNG_DATABASE_URL": url,
                                              "NARAHUBUNG_CLASSIFIER": "rules"})
    assert result.exit_code == 2
    sentence = one_sentence(result)
    assert "NARAHUBUNG_DATABASE_URL" in sentence and "tidak dapat dibuka" in sentence
    assert "rahasia-db" not in result.output


def test_a_missing_postgresql_database_is_named(tmp_path, postgres_url):
    missing = postgres_url.rsplit("/", 1)[0] + "/tidak_ada_basis_data_ini"
    result = narahubung("cases", env={"NARAHUBUNG_DATA_DIR": str(tmp_path), "NARAHUBUNG_DATABASE_URL": missing})
    assert result.exit_code == 2
    assert "tidak_ada_basis_data_ini" in one_sentence(result)


def test_an_explicit_sqlite_path_in_a_missing_folder_is_refused_and_nothing_is_made(tmp_path):
    folder = tmp_path / "tidak" / "ada"
    env = {"NARAHUBUNG_DATA_DIR": str(tmp_path / "data"),
           "NARAHUBUNG_DATABASE_URL": f"sqlite:///{folder / 'narahubung.sqlite3'}"}
    for command in (["cases"], ["db", "upgrade"]):
        result = narahubung(*command, env=env)
        assert result.exit_code == 2, result.output
        assert f"folder {folder} tidak ada" in one_sentence(result)
    assert not (tmp_path / "tidak").exists()


def test_a_new_database_at_an_explicit_path_is_made_only_by_db_upgrade(tmp_path):
    path = tmp_path / "kantor.sqlite3"
    env = {"NARAHUBUNG_DATA_DIR": str(tmp_path / "data"), "NARAHUBUNG_DATABASE_URL": f"sqlite:///{path}"}
    refused = narahubung("cases", env=env)
    assert refused.exit_code == 2 and "narahubung db upgrade" in one_sentence(refused)
    assert not path.exists()

    made = narahubung("db", "upgrade", env=env)
    assert made.exit_code == 0, made.output
    assert path.exists()
    assert narahubung("cases", env=env).exit_code == 0


def test_the_data_folder_gets_its_database_without_asking(tmp_path):
    result = narahubung("cases", env={"NARAHUBUNG_DATA_DIR": str(tmp_path / "baru")})
    assert result.exit_code == 0, result.output
    assert "Kasus (0)" in result.stdout
    assert (tmp_path / "baru" / "narahubung.sqlite3").exists()


def test_read_only_commands_never_migrate_an_older_schema(tmp_path):
    path = tmp_path / "data" / "narahubung.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url, FIRST_REVISION)
    env = {"NARAHUBUNG_DATA_DIR": str(tmp_path / "data")}

    for command in (["cases"], ["quarantine"], ["cases", "--overdue"]):
        result = narahubung(*command, env=env)
        assert result.exit_code == 2, result.output
        assert "narahubung db upgrade" in one_sentence(result)
    assert _revision(url) == FIRST_REVISION

    assert narahubung("db", "upgrade", env=env).exit_code == 0
    assert _revision(url) != FIRST_REVISION
    assert narahubung("cases", env=env).exit_code == 0


def test_a_toml_key_error_names_the_key_in_the_file(tmp_path):
    config = tmp_path / "narahubung.toml"
    config.write_text('poll_intervall = 5\n')
    unknown = narahubung("--config", str(config), "cases", env={"NARAHUBUNG_DATA_DIR": str(tmp_path)})
    assert unknown.exit_code == 2
    assert f"Kunci poll_intervall di {config} tidak dikenal" in one_sentence(unknown)

    config.write_text('[[mailboxes]]\nname = "a"\nurl = "imap://u:p@127.0.0.1/INBOX"\n'
                      '[[mailboxes]]\nname = "b"\nurl = "ftp://u:p@127.0.0.1/INBOX"\n')
    wrong = narahubung("--config", str(config), "cases", env={"NARAHUBUNG_DATA_DIR": str(tmp_path)})
    assert wrong.exit_code == 2
    sentence = one_sentence(wrong)
    assert "Kunci mailboxes[1]" in sentence and "NARAHUBUNG_MAILBOXES" not in sentence


def _revision(url: str) -> str:
    engine = create_engine(url)
    with engine.connect() as connection:
        found = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    engine.dispose()
    return str(found)


def test_a_pooled_postgresql_connection_that_died_while_idle_is_replaced_not_reported(postgres_url, monkeypatch):
    """The server restarted or a firewall dropped the connection while it sat in the pool: the next unit of work
    gets a new connection instead of an error (pinged only after an idle spell, not at every checkout)."""
    import storage.db as db

    engine = db.make_engine(postgres_url)
    try:
        with engine.connect() as connection:
            backend = connection.execute(text("SELECT pg_backend_pid()")).scalar()
        admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as other:
            assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}).scalar()
        admin.dispose()
        monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)  # as if it had been idle long enough
        with engine.connect() as connection:
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar() != backend
    finally:
        engine.dispose()
