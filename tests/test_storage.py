"""Storage works the same on a real SQLite file and on a private PostgreSQL cluster."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from core.directory import load_directory
from core.settings import DEFAULT_DIRECTORY
from storage import repository as repo
from storage.blobs import BlobStore, sha256_of
from storage.db import current_revision, make_engine, session_factory, transaction, upgrade
from storage.message_store import DatabaseMessageStore
from storage.models import AuditEvent, RawMessage, RawStatus, UnitRow

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
TABLES = {"raw_messages", "documents", "cases", "classifications", "deliveries", "units", "focal_points",
          "reference_counters", "audit_events"}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'narahubung.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def factory(database_url):
    upgrade(database_url)
    engine = make_engine(database_url)
    yield session_factory(engine)
    engine.dispose()


def test_migration_creates_every_table_and_is_idempotent(database_url):
    upgrade(database_url)
    upgrade(database_url)
    engine = make_engine(database_url)
    assert set(inspect(engine).get_table_names()) >= TABLES
    assert current_revision(engine) is not None


def test_raw_bytes_are_stored_on_disk_by_content(tmp_path, factory):
    blobs = BlobStore(tmp_path / "blobs")
    data = b"Subject: x\r\n\r\nisi"
    with transaction(factory) as session:
        raw = repo.store_raw(session, blobs, data, source="imap", received_at=NOW, mailbox="m", uidvalidity=7, uid=1)
    assert raw.sha256 == sha256_of(data)
    assert blobs.get(raw.sha256) == data
    assert blobs.path_for(raw.sha256).stat().st_mode & 0o222 == 0  # never modified


def test_same_imap_key_cannot_be_stored_twice(tmp_path, factory):
    blobs = BlobStore(tmp_path / "blobs")
    with transaction(factory) as session:
        repo.store_raw(session, blobs, b"a", source="imap", received_at=NOW, mailbox="m", uidvalidity=7, uid=1)
    with pytest.raises(IntegrityError), transaction(factory) as session:
        repo.store_raw(session, blobs, b"b", source="imap", received_at=NOW, mailbox="m", uidvalidity=7, uid=1)


def test_identical_bytes_become_a_duplicate_of_the_first(tmp_path, factory):
    blobs = BlobStore(tmp_path / "blobs")
    with transaction(factory) as session:
        first = repo.store_raw(session, blobs, b"same", source="file", received_at=NOW)
        second = repo.store_raw(session, blobs, b"same", source="file", received_at=NOW)
    assert first.status == RawStatus.PENDING
    assert (second.status, second.duplicate_of_id) == (RawStatus.DUPLICATE, first.id)
    with factory() as session:
        assert repo.pending_raw_ids(session) == [first.id]


def test_last_uid_is_kept_per_uidvalidity(tmp_path, factory):
    blobs = BlobStore(tmp_path / "blobs")
    with transaction(factory) as session:
        for validity, uid in ((1, 5), (1, 9), (2, 3)):
            repo.store_raw(session, blobs, f"{validity}-{uid}".encode(), source="imap", received_at=NOW,
                           mailbox="m", uidvalidity=validity, uid=uid)
    store = DatabaseMessageStore(factory, blobs)
    assert (store.last_uid("m", 1), store.last_uid("m", 2), store.last_uid("m", 3)) == (9, 3, None)
    assert store.last_uid("other", 1) is None
    assert store.stored_uids("m", 1) == {5, 9}


def test_references_are_gap_free_per_year(factory):
    with transaction(factory) as session:
        refs = [repo.next_reference(session, "ORI-BABEL", 2026) for _ in range(3)]
        refs.append(repo.next_reference(session, "ORI-BABEL", 2027))
    with transaction(factory) as session:
        refs.append(repo.next_reference(session, "ORI-BABEL", 2026))
    assert refs == ["ORI-BABEL/2026/000001", "ORI-BABEL/2026/000002", "ORI-BABEL/2026/000003",
                    "ORI-BABEL/2027/000001", "ORI-BABEL/2026/000004"]


def test_directory_is_mirrored_and_resync_changes_nothing(factory):
    directory = load_directory(DEFAULT_DIRECTORY)
    with transaction(factory) as session:
        assert repo.sync_directory(session, directory) == 91
    with transaction(factory) as session:
        first_ids = [fp.id for fp in session.get(UnitRow, "rsud-1901").focal_points]
        repo.sync_directory(session, directory)
    with factory() as session:
        unit = session.get(UnitRow, "rsud-1901")
        assert [fp.role for fp in unit.focal_points] == ["primary", "backup"]
        assert [fp.id for fp in unit.focal_points] == first_ids


def test_every_stored_message_leaves_an_audit_event(tmp_path, factory):
    with transaction(factory) as session:
        raw = repo.store_raw(session, BlobStore(tmp_path / "b"), b"x", source="file", received_at=NOW)
    with factory() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.entity_id == str(raw.id))).all()
        assert [(e.entity, e.action, e.to_status) for e in events] == [("raw_message", "stored", "pending")]
        assert session.get(RawMessage, raw.id).received_at == NOW


def test_migrations_match_the_models(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from storage.models import Base

    upgrade(database_url)
    with make_engine(database_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_the_review_apps_search_index_is_not_taken_for_schema_drift(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from review.search_index import ensure_search_index
    from storage.db import include_name
    from storage.models import Base

    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    ensure_search_index(engine)
    with engine.connect() as conn:
        unfiltered = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        filtered = compare_metadata(MigrationContext.configure(conn, opts={"include_name": include_name}),
                                    Base.metadata)
    assert unfiltered and filtered == []  # the index exists, and the filter keeps it out of the comparison


@pytest.mark.parametrize(
    "header",
    [b"Message-ID: <a@b.example>\r\n", b"message-id:\r\n <a@b.example>\r\n", b"Message-Id:   <a@b.example>  \n"],
)
def test_message_id_is_read_also_when_folded(tmp_path, factory, header):
    with transaction(factory) as session:
        raw = repo.store_raw(session, BlobStore(tmp_path / "b"), b"From: x@y\r\n" + header + b"\r\nisi",
                             source="file", received_at=NOW)
    assert raw.message_id == "<a@b.example>"
