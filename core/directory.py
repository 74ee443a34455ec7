"""The office's directory of regions, agency types, units and focal points.

The YAML file gives the office, regions, agency types and maladministration types, and seeds the units
and focal points; once seeded, the database rows are the units staff edit (`Directory.with_units`).
classify/ and routing/ ask the frozen, typed object questions (`unit_for`, `recipients`); nothing else
parses the YAML.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from core.errors import DirectoryInvalid, first_problem


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Office(_Frozen):
    id: str
    name: str
    province: str
    province_code: str
    address: str = ""
    intake_email: str
    sender_email: str


class MaladministrationType(_Frozen):
    id: str
    name: str


class Region(_Frozen):
    code: str
    name: str
    capital: str = ""
    aliases: tuple[str, ...] = ()
    kecamatan: tuple[str, ...] = ()


class AgencyType(_Frozen):
    id: str
    name: str
    group: str = ""
    aliases: tuple[str, ...] = ()
    service_hints: tuple[str, ...] = ()


class FocalPoint(_Frozen):
    name: str
    title: str = ""
    email: str
    phone: str = ""
    role: Literal["primary", "backup"] = "primary"


class Unit(_Frozen):
    id: str
    type: str
    name: str
    covers: tuple[str, ...] = ()
    focal_points: tuple[FocalPoint, ...] = ()


class OtherOffice(_Frozen):
    province: str
    name: str
    email: str


class _DirectoryFile(_Frozen):
    office: Office
    resolution_days: int = 60
    maladministration_types: tuple[MaladministrationType, ...]
    regions: tuple[Region, ...]
    agency_types: tuple[AgencyType, ...]
    units: tuple[Unit, ...]
    other_offices: tuple[OtherOffice, ...] = ()


@dataclass(frozen=True)
class Recipients:
    to: tuple[FocalPoint, ...]
    cc: tuple[FocalPoint, ...] = ()


@dataclass(frozen=True)
class Directory:
    office: Office
    resolution_days: int
    maladministration_types: tuple[MaladministrationType, ...]
    regions: tuple[Region, ...]
    agency_types: tuple[AgencyType, ...]
    units: tuple[Unit, ...]
    other_offices: tuple[OtherOffice, ...]
    source: Path | None = None
    _units_by_id: dict[str, Unit] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._units_by_id.update({u.id: u for u in self.units})

    # --- questions -------------------------------------------------------------------------
    def unit(self, unit_id: str) -> Unit | None:
        return self._units_by_id.get(unit_id)

    def region(self, code: str) -> Region | None:
        return next((r for r in self.regions if r.code == code), None)

    def agency_type(self, type_id: str) -> AgencyType | None:
        return next((t for t in self.agency_types if t.id == type_id), None)

    def units_of_type(self, type_id: str) -> tuple[Unit, ...]:
        return tuple(u for u in self.units if u.type == type_id)

    def unit_for(self, type_id: str, region_code: str | None) -> Unit | None:
        """The unit of `type_id` responsible for `region_code`.

        A type served by a single unit for the whole province needs no region; otherwise the
        region decides, and without one there is no answer.
        """
        candidates = self.units_of_type(type_id)
        if len(candidates) == 1 and (
            region_code is None
            or not candidates[0].covers
            or region_code in candidates[0].covers
        ):
            return candidates[0]
        if region_code is None:
            return None
        covering = [u for u in candidates if region_code in u.covers]
        return covering[0] if len(covering) == 1 else None

    def recipients(self, unit_id: str) -> Recipients:
        unit = self.unit(unit_id)
        if unit is None:
            return Recipients(to=())
        primary = tuple(fp for fp in unit.focal_points if fp.role == "primary")
        backup = tuple(fp for fp in unit.focal_points if fp.role == "backup")
        if not primary and backup:
            primary, backup = backup[:1], backup[1:]
        return Recipients(to=primary, cc=backup)

    @property
    def maladministration_ids(self) -> tuple[str, ...]:
        return tuple(m.id for m in self.maladministration_types)

    def with_units(self, units: Iterable[Unit]) -> Directory:
        """The same office, regions and types with other units (e.g. as edited by staff in the database)."""
        units = tuple(units)
        problems = unit_problems(units, self.agency_types, self.regions)
        if problems:
            raise DirectoryInvalid("Direktori tidak sah: " + "; ".join(p.message for p in problems))
        return replace(self, units=units, _units_by_id={})


@dataclass(frozen=True)
class UnitProblem:
    unit_id: str
    field: str  # id | type | covers
    message: str  # Indonesian, for staff


def unit_problems(
    units: Iterable[Unit], agency_types: Iterable[AgencyType], regions: Iterable[Region]
) -> list[UnitProblem]:
    """What is wrong with `units` against the known agency types and regions (empty when nothing)."""
    type_ids = {t.id for t in agency_types}
    region_codes = {r.code for r in regions}
    problems: list[UnitProblem] = []
    seen: set[str] = set()
    for unit in units:
        if unit.id in seen:
            problems.append(UnitProblem(unit.id, "id", f"Unit {unit.id} tercantum lebih dari sekali"))
        seen.add(unit.id)
        if unit.type not in type_ids:
            problems.append(
                UnitProblem(unit.id, "type", f"Unit {unit.id} memakai jenis instansi yang tidak dikenal: {unit.type}")
            )
        unknown = set(unit.covers) - region_codes
        if unknown:
            problems.append(
                UnitProblem(unit.id, "covers", f"Unit {unit.id} mencakup wilayah yang tidak dikenal: {sorted(unknown)}")
            )
    return problems


def load_directory(path: Path) -> Directory:
    """Read and validate the directory YAML; raise DirectoryInvalid with a readable reason."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DirectoryInvalid(f"Berkas direktori tidak ditemukan: {path}") from exc
    except yaml.YAMLError as exc:
        raise DirectoryInvalid(f"Berkas direktori {path} bukan YAML yang sah: {exc}") from exc
    try:
        parsed = _DirectoryFile.model_validate(raw)
    except ValidationError as exc:
        where, why = first_problem(exc)
        raise DirectoryInvalid(f"Berkas direktori {path} tidak sah di '{where}': {why}") from exc
    problems = unit_problems(parsed.units, parsed.agency_types, parsed.regions)
    if problems:
        raise DirectoryInvalid(problems[0].message)
    return Directory(
        office=parsed.office,
        resolution_days=parsed.resolution_days,
        maladministration_types=parsed.maladministration_types,
        regions=parsed.regions,
        agency_types=parsed.agency_types,
        units=parsed.units,
        other_offices=parsed.other_offices,
        source=Path(path),
    )
