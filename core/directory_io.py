"""The directory's units and focal points to and from YAML and CSV files.

Export gives a YAML file of the same shape as `config/directory.yaml` (loadable by `load_directory`) or a
CSV file with one row per focal point (the unit's columns repeated; a unit without focal point has one row
with empty focal-point columns). Import reads either back into validated `Unit`s, or raises
`DirectoryImportInvalid` listing every problem by line and field, in Indonesian. Parsing is pure: nothing is
written anywhere, so a file with an error changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from core.directory import Directory, Unit, unit_problems
from core.errors import ExitCode, NarahubungError

Format = Literal["yaml", "csv"]
FORMATS: tuple[Format, ...] = ("yaml", "csv")

CSV_COLUMNS = (
    "unit_id",
    "jenis_instansi",
    "nama_unit",
    "wilayah",
    "narahubung_nama",
    "narahubung_jabatan",
    "narahubung_email",
    "narahubung_telepon",
    "narahubung_peran",
)
_UNIT_COLUMNS = CSV_COLUMNS[:4]
_FP_COLUMNS = CSV_COLUMNS[4:]
_UNIT_KEYS = {"id", "type", "name", "covers", "focal_points"}
_FP_KEYS = {"name", "title", "email", "phone", "role"}
_ROLES = ("primary", "backup")
_UNIT_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"'.]+$")
_LIMITS = {"name": 255, "title": 255, "email": 255, "phone": 64}


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong in an imported file: where (line, field) and what, for a staff member."""

    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"baris {self.line}" if self.line is not None else "berkas"
        return f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class DirectoryImportInvalid(NarahubungError):
    exit_code = ExitCode.BAD_INPUT

    def __init__(self, problems: Sequence[ImportProblem]) -> None:
        self.problems = tuple(problems)
        shown = "; ".join(str(p) for p in self.problems[:10])
        more = f" (dan {len(self.problems) - 10} lainnya)" if len(self.problems) > 10 else ""
        super().__init__(f"Berkas direktori tidak diimpor, tidak ada yang diubah: {shown}{more}")


# --- export ------------------------------------------------------------------------------------


def unit_dict(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.id,
        "type": unit.type,
        "name": unit.name,
        "covers": list(unit.covers),
        "focal_points": [fp.model_dump(mode="json") for fp in unit.focal_points],
    }


def export_yaml(directory: Directory) -> str:
    """The whole directory in the shape of `config/directory.yaml`, with the units as they stand."""
    document = {
        "office": directory.office.model_dump(mode="json"),
        "resolution_days": directory.resolution_days,
        "maladministration_types": [m.model_dump(mode="json") for m in directory.maladministration_types],
        "regions": [_plain(r.model_dump(mode="json")) for r in directory.regions],
        "agency_types": [_plain(t.model_dump(mode="json")) for t in directory.agency_types],
        "units": [unit_dict(u) for u in directory.units],
        "other_offices": [o.model_dump(mode="json") for o in directory.other_offices],
    }
    header = f"# Direktori {directory.office.name}: unit dan narahubung sebagaimana tersimpan.\n"
    return header + yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=120)


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """Leave out empty optional lists and strings, as the hand-written file does."""
    return {k: v for k, v in values.items() if v not in ("", [], ())}


def export_csv(units: Iterable[Unit]) -> str:
    """One row per focal point, the unit's columns repeated; a unit without focal point gets one row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for unit in units:
        unit_cells = [unit.id, unit.type, unit.name, " ".join(unit.covers)]
        if not unit.focal_points:
            writer.writerow(unit_cells + [""] * len(_FP_COLUMNS))
        for fp in unit.focal_points:
            writer.writerow([*unit_cells, fp.name, fp.title, fp.email, fp.phone, fp.role])
    return out.getvalue()


def export_units(directory: Directory, fmt: Format) -> str:
    return export_yaml(directory) if fmt == "yaml" else export_csv(directory.units)


# --- import ------------------------------------------------------------------------------------


def guess_format(filename: str) -> Format:
    lowered = filename.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith((".yaml", ".yml")):
        return "yaml"
    raise DirectoryImportInvalid(
        [ImportProblem(None, "", f"jenis berkas tidak dikenal: {filename!r} (gunakan .yaml, .yml atau .csv)")]
    )


def parse_units(text: str, fmt: Format, base: Directory) -> tuple[Unit, ...]:
    """Validated units of an imported file (regions and agency types are those of `base`)."""
    return parse_yaml(text, base) if fmt == "yaml" else parse_csv(text, base)


def parse_yaml(text: str, base: Directory) -> tuple[Unit, ...]:
    """Units of a YAML file: a whole directory file (only `units` is read) or a bare list of units."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise DirectoryImportInvalid([ImportProblem(line, "", f"bukan YAML yang sah ({getattr(exc, 'problem', exc)})")]) from exc
    lines = _YamlLines(root)
    if isinstance(data, dict):
        if "units" not in data:
            raise DirectoryImportInvalid([ImportProblem(None, "units", "kunci 'units' tidak ada")])
        items = data["units"]
        prefix: tuple[str, ...] = ("units",)
    else:
        items, prefix = data, ()
    if not isinstance(items, list):
        raise DirectoryImportInvalid([ImportProblem(lines.line(prefix), "units", "harus berupa daftar unit")])

    problems: list[ImportProblem] = []
    units: list[Unit] = []
    unit_index: dict[str, int] = {}
    for i, item in enumerate(items):
        where = (*prefix, i)
        if not isinstance(item, dict):
            problems.append(ImportProblem(lines.line(where), f"unit ke-{i + 1}", "harus berupa pemetaan (id, type, …)"))
            continue
        unit_id = str(item.get("id", f"ke-{i + 1}"))
        for key in sorted(set(item) - _UNIT_KEYS):
            problems.append(ImportProblem(lines.line((*where, key)), f"unit {unit_id}.{key}", "kunci tidak dikenal"))
        fps = item.get("focal_points") or []
        if isinstance(fps, list):
            for j, fp in enumerate(fps):
                if isinstance(fp, dict):
                    for key in sorted(set(fp) - _FP_KEYS):
                        problems.append(ImportProblem(lines.line((*where, "focal_points", j, key)),
                                                      f"unit {unit_id}.focal_points[{j + 1}].{key}", "kunci tidak dikenal"))
        unit, unit_errors = _validated_unit(item, unit_id)
        for loc, message in unit_errors:
            problems.append(ImportProblem(lines.line((*where, *loc)), _field_name(unit_id, loc), message))
        if unit is not None:
            units.append(unit)
            unit_index[unit.id] = i  # a twice-listed unit is reported at its second place

    def locate(unit_id: str, key: str) -> tuple[int | None, str]:
        return lines.line((*prefix, unit_index[unit_id], key)), _field_name(unit_id, (key,))

    problems.extend(_directory_problems(units, base, locate))
    if problems:
        raise DirectoryImportInvalid(problems)
    return tuple(units)


def parse_csv(text: str, base: Directory) -> tuple[Unit, ...]:
    """Units of a CSV file with the columns of `export_csv`; rows of one unit need not be adjacent."""
    text = text.removeprefix("\ufeff")  # spreadsheet programs like to add a byte-order mark
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise DirectoryImportInvalid([ImportProblem(1, "", "berkas kosong")]) from None
    header = [h.strip() for h in header]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise DirectoryImportInvalid([ImportProblem(1, "", f"kolom tidak ada: {', '.join(missing)}")])
    unknown = [c for c in header if c and c not in CSV_COLUMNS]
    if unknown:
        raise DirectoryImportInvalid([ImportProblem(1, "", f"kolom tidak dikenal: {', '.join(unknown)}")])
    index = {c: header.index(c) for c in CSV_COLUMNS}

    problems: list[ImportProblem] = []
    grouped: dict[str, dict[str, Any]] = {}
    first_line: dict[str, int] = {}
    fp_lines: dict[str, list[int]] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            problems.append(ImportProblem(line, "", f"{len(row)} kolom, padahal judulnya {len(header)}"))
            continue
        cells = {c: (row[i].strip() if i < len(row) else "") for c, i in index.items()}
        unit_id = cells["unit_id"]
        if not unit_id:
            problems.append(ImportProblem(line, "unit_id", "tidak boleh kosong"))
            continue
        unit_values = {"id": unit_id, "type": cells["jenis_instansi"], "name": cells["nama_unit"],
                       "covers": cells["wilayah"].replace(",", " ").replace(";", " ").split()}
        if unit_id not in grouped:
            grouped[unit_id] = {**unit_values, "focal_points": []}
            first_line[unit_id] = line
            fp_lines[unit_id] = []
        else:
            known = grouped[unit_id]
            for column, key in zip(_UNIT_COLUMNS[1:], ("type", "name", "covers")):
                if unit_values[key] != known[key]:
                    problems.append(ImportProblem(
                        line, column, f"berbeda dengan baris {first_line[unit_id]} untuk unit {unit_id} "
                        f"({cells[column]!r} ≠ {_cell(known[key])!r})"))
        fp_cells = [cells[c] for c in _FP_COLUMNS]
        if any(fp_cells):
            name, title, email, phone, role = fp_cells
            grouped[unit_id]["focal_points"].append(
                {"name": name, "title": title, "email": email, "phone": phone, "role": role or "primary"})
            fp_lines[unit_id].append(line)

    units: list[Unit] = []
    for unit_id, item in grouped.items():
        unit, unit_errors = _validated_unit(item, unit_id)
        for loc, message in unit_errors:
            line = first_line[unit_id]
            if len(loc) >= 2 and loc[0] == "focal_points" and isinstance(loc[1], int):
                line = fp_lines[unit_id][loc[1]]
            problems.append(ImportProblem(line, _csv_column(loc), message))
        if unit is not None:
            units.append(unit)

    def locate(unit_id: str, key: str) -> tuple[int | None, str]:
        return first_line[unit_id], _csv_column((key,))

    problems.extend(_directory_problems(units, base, locate))
    if problems:
        raise DirectoryImportInvalid(sorted(problems, key=lambda p: (p.line or 0, p.field)))
    return tuple(units)


def validate_unit(item: dict[str, Any], base: Directory) -> Unit:
    """One unit (e.g. from the edit form: id, type, name, covers, focal_points) or DirectoryImportInvalid."""
    unit_id = str(item.get("id", ""))
    unit, errors = _validated_unit(item, unit_id)
    problems = [ImportProblem(None, _field_name(unit_id, loc), message) for loc, message in errors]
    if unit is not None:
        problems += _directory_problems([unit], base, lambda uid, key: (None, _field_name(uid, (key,))))
    if problems or unit is None:
        raise DirectoryImportInvalid(problems)
    return unit


def _cell(value: Any) -> str:
    return " ".join(value) if isinstance(value, list) else str(value)


_CSV_OF_KEY = {
    ("id",): "unit_id", ("type",): "jenis_instansi", ("name",): "nama_unit", ("covers",): "wilayah",
    ("name", "fp"): "narahubung_nama", ("title", "fp"): "narahubung_jabatan", ("email", "fp"): "narahubung_email",
    ("phone", "fp"): "narahubung_telepon", ("role", "fp"): "narahubung_peran",
}


def _csv_column(loc: tuple[Any, ...]) -> str:
    if len(loc) >= 3 and loc[0] == "focal_points":
        return _CSV_OF_KEY.get((loc[2], "fp"), str(loc[2]))
    return _CSV_OF_KEY.get((loc[0],), str(loc[0])) if loc else ""


def _field_name(unit_id: str, loc: tuple[Any, ...]) -> str:
    return f"unit {unit_id}" + "".join(f"[{part + 1}]" if isinstance(part, int) else f".{part}" for part in loc)


def _validated_unit(item: dict[str, Any], unit_id: str) -> tuple[Unit | None, list[tuple[tuple[Any, ...], str]]]:
    """The Unit (None if it does not even parse) and the problems found in it as (location inside the unit,
    Indonesian message); the unit is good only when the list is empty."""
    errors: list[tuple[tuple[Any, ...], str]] = []
    item = dict(item)
    item["focal_points"] = item.get("focal_points") or []
    covers = item.get("covers") or []
    item["covers"] = [str(c) for c in covers] if isinstance(covers, list) else covers
    if not _UNIT_ID.match(str(item.get("id", ""))):
        errors.append((("id",), "harus huruf kecil, angka, '-', '_' atau '.', paling panjang 64 (contoh: rsud-1901)"))
    if not str(item.get("name") or "").strip():
        errors.append((("name",), "nama unit tidak boleh kosong"))
    for j, fp in enumerate(item["focal_points"] if isinstance(item["focal_points"], list) else []):
        if not isinstance(fp, dict):
            continue
        email = str(fp.get("email") or "")
        if not email:
            errors.append((("focal_points", j, "email"), "alamat email tidak boleh kosong"))
        elif not _EMAIL.match(email):
            errors.append((("focal_points", j, "email"), f"alamat email tidak sah: {email!r}"))
        if not str(fp.get("name") or "").strip():
            errors.append((("focal_points", j, "name"), "nama narahubung tidak boleh kosong"))
        if fp.get("role", "primary") not in _ROLES:
            errors.append((("focal_points", j, "role"), f"peran harus 'primary' atau 'backup', bukan {fp.get('role')!r}"))
        for key, limit in _LIMITS.items():
            if len(str(fp.get(key) or "")) > limit:
                errors.append((("focal_points", j, key), f"terlalu panjang (paling banyak {limit} karakter)"))
    if len(str(item.get("name") or "")) > 255:
        errors.append((("name",), "terlalu panjang (paling banyak 255 karakter)"))
    try:
        unit: Unit | None = Unit.model_validate(item)
    except ValidationError as exc:
        unit = None
        already = {loc for loc, _ in errors}
        for error in exc.errors():
            if tuple(error["loc"]) not in already:
                errors.append((tuple(error["loc"]), _indonesian(error)))
    # a unit that parsed despite its problems is still checked against the directory, so that every
    # problem of the file is reported at once
    return unit, errors


def _indonesian(error: Any) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return "wajib diisi"
    if kind in ("string_type", "tuple_type", "list_type", "dict_type", "model_type"):
        return f"jenis nilai salah ({error.get('msg')})"
    return f"tidak sah ({error.get('msg')})"


def _directory_problems(
    units: Sequence[Unit], base: Directory, locate: Callable[[str, str], tuple[int | None, str]]
) -> list[ImportProblem]:
    """Unknown agency types and regions, twice-listed units; `locate(unit_id, key)` gives (line, field)."""
    return [
        ImportProblem(*locate(p.unit_id, p.field), p.message)
        for p in unit_problems(units, base.agency_types, base.regions)
    ]


class _YamlLines:
    """Line numbers (1-based) of the nodes of a composed YAML document, found by path."""

    def __init__(self, root: yaml.Node | None) -> None:
        self.root = root

    def line(self, path: Sequence[Any]) -> int | None:
        node = self.root
        found = node.start_mark.line + 1 if node is not None else None
        for part in path:
            if isinstance(node, yaml.MappingNode):
                node = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
                if node is None:
                    # the key itself may exist with the value missing
                    return found
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
            else:
                return found
            found = node.start_mark.line + 1
        return found
