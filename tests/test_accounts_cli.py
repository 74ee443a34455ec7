"""Staff accounts from the command line (issue 14.5): user add, list, passwd, disable, enable, role; `serve`
on a database without users says how to add one. The same functions (storage.accounts) serve the app."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from clirun import narahubung

from core.settings import PROJECT_ROOT, load_settings
from narahubung.localservers._ports import free_port
from storage.accounts import authenticate
from storage.db import open_settings_database


def login(tmp_path, name: str, password: str):
    factory = open_settings_database(load_settings(data_dir=tmp_path), migrate=False).factory
    with factory.begin() as session:
        return authenticate(session, name, password)


def test_accounts_can_be_listed_changed_disabled_and_enabled(tmp_path):
    env = {"NARAHUBUNG_DATA_DIR": str(tmp_path)}
    empty = narahubung("user", "list", env=env)
    assert empty.exit_code == 0 and "narahubung user add NAMA --role admin" in empty.stdout

    assert narahubung("user", "add", "kepala", "--role", "admin", "--password-stdin", env=env,
                      input="sandi-kepala-2026\n").exit_code == 0
    assert narahubung("user", "add", "siti", "--password-stdin", env=env, input="sandi-siti-2026\n").exit_code == 0
    listing = narahubung("user", "list", env=env).stdout
    assert "kepala" in listing and "admin" in listing and "siti" in listing and "reviewer" in listing

    changed = narahubung("user", "passwd", "siti", "--password-stdin", env=env, input="sandi-baru-siti-2026\n")
    assert changed.exit_code == 0, changed.output
    assert login(tmp_path, "siti", "sandi-siti-2026") is None
    assert login(tmp_path, "siti", "sandi-baru-siti-2026") is not None

    assert narahubung("user", "role", "siti", "supervisor", env=env).exit_code == 0
    assert login(tmp_path, "siti", "sandi-baru-siti-2026").role == "supervisor"

    assert narahubung("user", "disable", "siti", env=env).exit_code == 0
    assert login(tmp_path, "siti", "sandi-baru-siti-2026") is None
    assert "tidak" in next(line for line in narahubung("user", "list", env=env).stdout.splitlines() if "siti" in line)
    assert narahubung("user", "enable", "siti", env=env).exit_code == 0
    assert login(tmp_path, "siti", "sandi-baru-siti-2026") is not None


def test_mistakes_are_one_sentence_and_the_last_admin_stays(tmp_path):
    env = {"NARAHUBUNG_DATA_DIR": str(tmp_path)}
    narahubung("user", "add", "kepala", "--role", "admin", "--password-stdin", env=env, input="sandi-kepala-2026\n")

    unknown = narahubung("user", "disable", "tidakada", env=env)
    assert unknown.exit_code == 4 and "Pengguna tidakada tidak ada" in unknown.stderr
    short = narahubung("user", "passwd", "kepala", "--password-stdin", env=env, input="pendek\n")
    assert short.exit_code == 4 and "terlalu pendek" in short.stderr
    for command in (["disable", "kepala"], ["role", "kepala", "reviewer"]):
        kept = narahubung("user", *command, env=env)
        assert kept.exit_code == 4 and "satu-satunya admin aktif" in kept.stderr
    assert login(tmp_path, "kepala", "sandi-kepala-2026").role == "admin"


def test_serve_on_a_database_without_users_says_how_to_add_one(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "entry", "serve", "--port", str(port)], cwd=PROJECT_ROOT, text=True,
        env={**os.environ, "COLUMNS": "200", "NARAHUBUNG_DATA_DIR": str(tmp_path), "NARAHUBUNG_CLASSIFIER": "rules"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        for line in process.stdout:  # type: ignore[union-attr]
            if f"http://127.0.0.1:{port}/" in line:
                break
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert "Belum ada pengguna aktif" in err and "narahubung user add NAMA --role admin" in err
