"""The directory as staff edit it: units and focal points in the database, every change audited.

The YAML file (`NARAHUBUNG_DIRECTORY`) still gives the office, regions and agency types; units and
focal points live in the `units`/`focal_points` tables once seeded (see `storage.repository.sync_directory`).
Running services notice a change at their next read (`narahubung.services.LiveDirectory`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.directory import Directory, Unit
from core.directory_io import DirectoryImportInvalid, ImportProblem
from core.errors import ExitCode, NarahubungError
from storage import repository as repo
from storage.models import AuditEvent, UnitRow


class UnitNotFound(NarahubungError):
    exit_code = ExitCode.BAD_INPUT

    def __init__(self, unit_id: str) -> None:
        super().__init__(f"Unit {unit_id!r} tidak ada di direktori.")
        self.unit_id = unit_id


class UnitChangedMeanwhile(NarahubungError):
    """Someone saved the unit after this form was opened; saving would silently undo their change."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, unit_id: str, actor: str | None) -> None:
        who = f" oleh {actor}" if actor else ""
        super().__init__(
            f"Unit {unit_id} sudah diubah{who} sejak halaman ini dibuka; perubahan Anda belum disimpan. "
            "Periksa isian terbaru di bawah, lalu ubah dan simpan lagi."
        )


@dataclass(frozen=True)
class StoredUnit:
    unit: Unit
    active: bool
    revision: int


@dataclass(frozen=True)
class UnitEvent:
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


def current_directory(session: Session, base: Directory) -> Directory:
    """`base` (office, regions, types from the YAML) with the active units as stored."""
    return base.with_units(repo.stored_units(session))


def list_units(session: Session) -> list[StoredUnit]:
    rows = session.scalars(select(UnitRow).order_by(UnitRow.active.desc(), UnitRow.position, UnitRow.id))
    return [StoredUnit(repo.row_as_unit(row), row.active, row.revision) for row in rows]


def get_unit(session: Session, unit_id: str) -> StoredUnit:
    row = session.get(UnitRow, unit_id)
    if row is None:
        raise UnitNotFound(unit_id)
    return StoredUnit(repo.row_as_unit(row), row.active, row.revision)


def save_unit(
    session: Session, unit: Unit, *, actor: str, new: bool = False, expected_revision: int | None = None
) -> repo.UnitChanges:
    """Store one edited (or, with `new`, added) unit; audited with what it was before.

    With `expected_revision` (the revision the editor saw), a unit changed by someone else since then is
    refused with UnitChangedMeanwhile instead of being overwritten.
    """
    row = session.get(UnitRow, unit.id, with_for_update=True)
    if new and row is not None:
        raise DirectoryImportInvalid([ImportProblem(None, f"unit {unit.id}.id", "unit dengan id ini sudah ada")])
    if not new and row is None:
        raise UnitNotFound(unit.id)
    if row is not None and expected_revision is not None and row.revision != expected_revision:
        latest = unit_history(session, unit.id, limit=1)
        raise UnitChangedMeanwhile(unit.id, latest[0].actor if latest else None)
    return repo.write_units(session, [unit], actor=actor)


def set_unit_active(session: Session, unit_id: str, active: bool, *, actor: str) -> bool:
    """Deactivate a unit (it gets no new cases; old cases keep naming it) or bring it back. True if changed."""
    row = session.get(UnitRow, unit_id)
    if row is None:
        raise UnitNotFound(unit_id)
    if row.active == active:
        return False
    row.active = active
    row.revision += 1
    repo.audit(session, "unit", unit_id, "unit_activated" if active else "unit_deactivated", actor=actor)
    session.flush()
    return True


DEACTIVATE_FEW = 3  # deactivating more units than this in one import needs an explicit choice


@dataclass(frozen=True)
class ImportPlan:
    """What an import would do, unit ids by outcome, computed without writing anything."""

    created: tuple[str, ...]
    updated: tuple[str, ...]
    deactivated: tuple[str, ...]  # active units missing from the file
    unchanged: tuple[str, ...]
    names: dict[str, str]

    @property
    def many_deactivated(self) -> bool:
        return len(self.deactivated) > DEACTIVATE_FEW

    @property
    def fingerprint(self) -> str:
        """Changes when the stored directory changes between the preview and the confirmation."""
        text = "|".join(",".join(ids) for ids in (self.created, self.updated, self.deactivated, self.unchanged))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def summary(self, *, deactivate: bool = True) -> str:
        gone = len(self.deactivated) if deactivate else 0
        return (f"{len(self.created)} baru, {len(self.updated)} diubah, {gone} dinonaktifkan, "
                f"{len(self.unchanged)} tetap")


def plan_import(session: Session, units: tuple[Unit, ...]) -> ImportPlan:
    """What `import_units` would add, change and deactivate for `units`; the database is only read."""
    rows = {row.id: row for row in session.scalars(select(UnitRow))}
    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    for unit in units:
        row = rows.get(unit.id)
        if row is None:
            created.append(unit.id)
        elif repo.row_as_unit(row) != unit or not row.active:
            updated.append(unit.id)
        else:
            unchanged.append(unit.id)
    wanted = {u.id for u in units}
    deactivated = [row.id for row in sorted(rows.values(), key=lambda r: (r.position, r.id))
                   if row.active and row.id not in wanted]
    names = {row.id: row.name for row in rows.values()} | {u.id: u.name for u in units}
    return ImportPlan(tuple(created), tuple(updated), tuple(deactivated), tuple(unchanged), names)


def import_units(session: Session, units: tuple[Unit, ...], *, actor: str,
                 deactivate_missing: bool = True) -> repo.UnitChanges:
    """Make the stored directory equal the imported units; units missing from the file are deactivated
    (or, with `deactivate_missing=False`, left as they are)."""
    return repo.write_units(session, units, actor=actor, deactivate_missing=deactivate_missing)


def unit_history(session: Session, unit_id: str, limit: int = 50) -> list[UnitEvent]:
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity == "unit", AuditEvent.entity_id == unit_id)
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return [UnitEvent(e.at, e.actor, e.action, e.detail) for e in events]


@dataclass(frozen=True)
class DirectoryDatabase:
    """What the `narahubung directory` commands need: the YAML base and a migrated, seeded database."""

    base: Directory
    factory: Any  # sessionmaker[Session]


def open_directory_database(settings: Any) -> DirectoryDatabase:
    """Migrate the database of `settings` and seed its directory from the YAML if it is empty."""
    from core.directory import load_directory
    from storage.db import make_engine, session_factory, transaction, upgrade

    base = load_directory(settings.directory)
    url = settings.resolved_database_url
    upgrade(url)
    factory = session_factory(make_engine(url))
    with transaction(factory) as session:
        repo.sync_directory(session, base)
    return DirectoryDatabase(base, factory)
