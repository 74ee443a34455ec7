"""Shared pytest fixtures for Narahubung.

Sections (add new fixtures under a section of their own):
  1. Real local servers: Dovecot IMAP, SMTP sink, PostgreSQL (narahubung.localservers)
  2. Product objects that are slow to build (the directory, the classifier)

Servers are real processes on 127.0.0.1, never mocks. A missing server binary raises
ServerMissing, so such tests FAIL (in CI and locally) instead of being skipped.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator

import pytest

from narahubung.localservers import PrivateDovecot, PrivatePostgres, SmtpSink

# ---------------------------------------------------------------------------
# 1. Real local servers
#
# Session-scoped servers are shared by every test: do not stop or restart them in a
# test (start your own PrivateDovecot for that). Function-scoped fixtures give each
# test a clean mailbox, a clean SMTP sink and an empty database.
# ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def dovecot() -> Iterator[PrivateDovecot]:
    """A running Dovecot shared by the session (default user ombudsman/rahasia)."""
    with PrivateDovecot() as server:
        yield server


@pytest.fixture
def fresh_mailbox(dovecot: PrivateDovecot) -> tuple[str, str]:
    """(user, password) of a new user on `dovecot`, whose mailbox is empty."""
    user = f"pengadu-{uuid.uuid4().hex[:12]}"
    password = secrets.token_urlsafe(12)
    dovecot.add_user(user, password)
    return user, password


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A running SMTP sink for this test only."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture(scope="session")
def postgres() -> Iterator[PrivatePostgres]:
    """A running PostgreSQL cluster shared by the session."""
    with PrivatePostgres() as server:
        yield server


@pytest.fixture
def postgres_url(postgres: PrivatePostgres) -> str:
    """SQLAlchemy URL of a new, empty database for this test."""
    return postgres.create_database(f"t_{uuid.uuid4().hex[:16]}")


# ---------------------------------------------------------------------------
# 2. Product objects that are slow to build
# ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def directory():
    """The bundled directory (config/directory.yaml)."""
    from narahubung.directory import load_directory
    from narahubung.settings import DEFAULT_DIRECTORY

    return load_directory(DEFAULT_DIRECTORY)


@pytest.fixture(scope="session")
def classifier(directory):
    """The classifier in force, built once per session (spaCy takes seconds to start)."""
    from classify import load_classifier

    return load_classifier(directory)


# ---------------------------------------------------------------------------
# 3. The shared data beside the checkout (../shared/data)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def shared_data():
    """`../shared/data` beside the checkout. CI provides it, so there its absence fails; elsewhere it skips."""
    import os
    from pathlib import Path

    path = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    if not path.is_dir():
        message = f"{path} is missing: the real-world corpora live beside the checkout"
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(message + " (CI is set: a failure, not a skip)")
        pytest.skip(message)
    return path
