"""Shared pytest fixtures for Narahubung.

Sections (add new fixtures under a section of their own):
  1. Real local servers: Dovecot IMAP, SMTP sink, PostgreSQL (narahubung.localservers)
  2. Product objects that are slow to build (the directory, the classifier)
  3. The shared data beside the checkout (../shared/data)
  4. The staff review app: services, a staff account, the app on a free port, headless Chromium

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
    from core.directory import load_directory
    from core.settings import DEFAULT_DIRECTORY

    return load_directory(DEFAULT_DIRECTORY)


@pytest.fixture(scope="session")
def classifier(directory):
    """The classifier in force, built once per session (spaCy takes seconds to start)."""
    from classify import load_classifier

    return load_classifier(directory)


# ---------------------------------------------------------------------------
# 3. The shared data beside the checkout (../shared/data)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rules_classifier(directory):
    """The rule classifier: which routing rule fires depends on the text, and it starts in no time."""
    from classify import load_classifier

    return load_classifier(directory, name="rules")


@pytest.fixture
def clock():
    """A fake clock starting at factories.START; tests move it by hand."""
    from factories import FakeClock

    return FakeClock()


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


# ---------------------------------------------------------------------------
# 4. The staff review app (review/): services over a fresh SQLite file, a staff account,
#    the app served by uvicorn on a free port, and headless Chromium (apt) driven by playwright
# ---------------------------------------------------------------------------

REVIEW_PASSWORD = "kata-sandi-uji-2026"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
                 "--disable-dev-shm-usage"]


@pytest.fixture
def review_services(tmp_path, smtp_sink, classifier):
    """Services over a new SQLite file whose mail goes to this test's SMTP sink."""
    from core.settings import load_settings
    from narahubung.services import build_services

    return build_services(load_settings(data_dir=tmp_path / "data", smtp_url=smtp_sink.url), classifier=classifier)


def triage(services, folder, mails) -> None:
    """Store `mails` (bytes) as .eml files, then run the real pipeline over them (no delivery)."""
    from narahubung.intake import ingest_paths
    from narahubung.pipeline import process_pending

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, data in enumerate(mails):
        path = folder / f"{index:03d}.eml"
        path.write_bytes(data)
        paths.append(path)
    ingest_paths(services, paths)
    process_pending(services)


@pytest.fixture
def review_user(review_services) -> tuple[str, str]:
    """(name, password) of a reviewer account."""
    from storage.accounts import create_user
    from storage.db import transaction

    with transaction(review_services.factory) as session:
        create_user(session, "staf", REVIEW_PASSWORD, "reviewer")
    return "staf", REVIEW_PASSWORD


@pytest.fixture
def review_server(review_services) -> Iterator[str]:
    """The app served by uvicorn in a thread on a free port; yields its base URL."""
    from narahubung.localservers._ports import free_port
    from review.serving import BackgroundServer, make_server

    port = free_port()
    with BackgroundServer(make_server(review_services, "127.0.0.1", port)):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def chromium():
    """Headless Chromium from apt, driven by pip's playwright (never `playwright install`)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    """A fresh browser context and page; every JavaScript dialog it opens is recorded in `page.dialogs`."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900}, locale="id-ID")
    page = context.new_page()
    page.dialogs = []  # type: ignore[attr-defined]

    def record(dialog) -> None:
        page.dialogs.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()

    page.on("dialog", record)
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshots_dir():
    """artifacts/screenshots/ in the checkout (gitignored): screenshots of the main pages."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
