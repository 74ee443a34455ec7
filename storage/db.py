"""Engine, sessions and schema migrations; `open_database` is the one way the application opens its database."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from core.errors import DatabaseInvalid

if TYPE_CHECKING:
    from core.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
T = TypeVar("T")


SETTING = "NARAHUBUNG_DATABASE_URL"
EXAMPLES = "sqlite:////srv/narahubung/narahubung.sqlite3 atau postgresql+psycopg://pengguna@host/narahubung"


@dataclass(frozen=True)
class Database:
    url: str
    engine: Engine
    factory: sessionmaker[Session]


def open_database(url: str, *, migrate: bool, create: bool = False, make_folder: bool = False) -> Database:
    """Check the URL, reach the database and its schema; every problem is one DatabaseInvalid sentence.

    `migrate`: bring an older schema up to date (commands that write); without it an outdated schema is
    refused with the command that updates it (read-only commands never migrate). `create`: a SQLite file
    that does not exist yet may be made (the data folder, `db upgrade`); `make_folder`: its folder too (the
    data folder only: an explicit path whose folder is missing is a typo, not a wish).
    A new, empty database always gets the schema.
    """
    parsed = check_url(url)
    fresh = False
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(str(parsed.database))
        if not path.parent.is_dir():
            if not make_folder:
                raise DatabaseInvalid(f"Pengaturan {SETTING} tidak sah: folder {path.parent} tidak ada.")
            path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            if not create:
                raise DatabaseInvalid(
                    f"Pengaturan {SETTING} menunjuk basis data {path} yang belum ada; buat dengan "
                    "`narahubung db upgrade` (atau kosongkan pengaturan itu untuk memakai folder data)."
                )
            fresh = True
    engine = make_engine(parsed.render_as_string(hide_password=False))
    shown = parsed.render_as_string(hide_password=True)
    try:
        current = current_revision(engine)
    except DBAPIError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        raise DatabaseInvalid(f"Basis data {shown} (pengaturan {SETTING}) tidak dapat dibuka: {reason}.") from exc
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    if current != head:
        known = {rev.revision for rev in ScriptDirectory.from_config(alembic_config(url)).walk_revisions()}
        if current is not None and current not in known:
            engine.dispose()
            raise DatabaseInvalid(
                f"Basis data {shown} (pengaturan {SETTING}) memakai revisi skema {current} yang tidak dikenal "
                "versi Narahubung ini (dibuat oleh versi yang lebih baru?)."
            )
        if not (migrate or fresh or (current is None and _is_empty(engine))):
            engine.dispose()
            raise DatabaseInvalid(
                f"Skema basis data {shown} belum mutakhir (revisi {current or 'kosong'}, perlu {head}): "
                "jalankan `narahubung db upgrade` dahulu."
            )
        command.upgrade(alembic_config(parsed.render_as_string(hide_password=False)), "head")
    return Database(url, engine, session_factory(engine))


def open_settings_database(settings: Settings, *, migrate: bool, create: bool = False) -> Database:
    """The database of `settings`: the default one in the data folder may be made (with its folder), an
    explicit NARAHUBUNG_DATABASE_URL only by `create` (`db upgrade`)."""
    default = settings.database_url is None
    return open_database(settings.resolved_database_url, migrate=migrate, create=create or default,
                         make_folder=default)


def check_url(url: str) -> URL:
    """The parsed URL of a database Narahubung can use, or DatabaseInvalid naming the setting."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseInvalid(
            f"Pengaturan {SETTING} tidak sah: {_redact(url)!r} bukan URL basis data (contoh: {EXAMPLES})."
        ) from exc
    backend = parsed.get_backend_name()
    if parsed.drivername == "postgres":
        raise DatabaseInvalid(f"Pengaturan {SETTING} tidak sah: tulis postgresql+psycopg://… (bukan postgres://…).")
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseInvalid(
            f"Pengaturan {SETTING} tidak sah: basis data {backend} tidak didukung, hanya SQLite dan PostgreSQL "
            f"(contoh: {EXAMPLES})."
        )
    if backend == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")  # the driver that is installed
    try:
        parsed.get_dialect()
    except NoSuchModuleError as exc:
        raise DatabaseInvalid(
            f"Pengaturan {SETTING} tidak sah: pengandar {parsed.drivername} tidak terpasang; "
            "pakai sqlite:/// atau postgresql+psycopg://."
        ) from exc
    return parsed


def _redact(url: str) -> str:
    head, at, tail = url.rpartition("@")
    return f"{head.split(':', 1)[0]}:***@{tail}" if at and ":" in head.split("//", 1)[-1] else url


def _is_empty(engine: Engine) -> bool:
    from sqlalchemy import inspect

    return not inspect(engine).get_table_names()


def make_engine(url: str, **engine_options: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30}, **engine_options)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, **engine_options)
    _ping_after_idle(engine)
    return engine


PING_AFTER_IDLE_S = 5.0


def _ping_after_idle(engine: Engine) -> None:
    """A pooled connection that sat idle is pinged before use (the server may have restarted, a firewall may
    have dropped it), and replaced if it is dead; one used a moment ago is not. `pool_pre_ping` would ping at
    every checkout: a round trip per transaction, about ten per message for a busy worker."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _alive(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            dbapi_connection.rollback()
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(str(exc)) from exc  # the pool connects anew and tries again


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def write_with_retry(factory: sessionmaker[Session], work: Callable[[Session], T], attempts: int = 5) -> T:
    """Run `work` in a transaction, again if SQLite reports the database locked.

    SQLite's busy timeout covers waiting for a lock, but not a transaction whose snapshot went stale
    because another connection committed first; redoing the (short) transaction is the cure.
    """
    for attempt in range(1, attempts + 1):
        try:
            with transaction(factory) as session:
                return work(session)
        except OperationalError as exc:
            if "locked" not in str(exc).lower() or attempt == attempts:
                raise
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision` (creates the database file and its folder if needed; tests and
    benchmarks use it directly, the application goes through `open_database`)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


# The review app keeps an FTS5 search index of its own on SQLite (review/search_index.py), built and
# repaired at app start; it is not part of the schema, so autogenerate must never propose dropping it.
APP_OWNED_PREFIX = "review_case_search"


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's filter: every object of the schema, none of the app-owned search index."""
    return not (type_ == "table" and name is not None and name.startswith(APP_OWNED_PREFIX))
