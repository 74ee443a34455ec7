"""CSV files that Excel opens as it should on Indonesian settings: UTF-8 with a BOM (or Excel reads the
text as ANSI), `;` between fields (the list separator when the decimal separator is a comma), decimals
with a comma, and names where the database keeps codes."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from core.directory import Directory

BOM = "\ufeff"
ROLE_NAMES = {"primary": "utama", "backup": "cadangan (tembusan)"}
MEDIA_TYPE = "text/csv; charset=utf-8"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",")
    return str(value)


def excel_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8")


def directory_for_excel(directory: Directory) -> bytes:
    """One row per focal point (one for a unit without), with agency type, region and role names."""
    types = {t.id: t.name for t in directory.agency_types}
    regions = {r.code: r.name for r in directory.regions}
    header = ("Unit", "ID unit", "Jenis instansi", "Wilayah", "Narahubung", "Jabatan", "Surel", "Telepon", "Peran")
    rows: list[list[Any]] = []
    for unit in directory.units:
        area = ", ".join(regions.get(c, c) for c in unit.covers) or "seluruh provinsi"
        base = [unit.name, unit.id, types.get(unit.type, unit.type), area]
        if not unit.focal_points:
            rows.append([*base, "", "", "", "", ""])
        for fp in unit.focal_points:
            rows.append([*base, fp.name, fp.title, fp.email, fp.phone, ROLE_NAMES.get(fp.role, fp.role)])
    return excel_csv(header, rows)
