"""Place names that are not in the directory: kelurahan/desa of the province, and other provinces.

Pure readers of two data sources:
- the `areaid` package (JSON: province -> kabupaten -> kecamatan -> kelurahan), for the villages of
  the office's own province, keyed by the directory's region code;
- `classify/data/derived_{provinces,regencies}.csv` (Kemendagri codes, from cahyadsn/wilayah, MIT),
  for the names of other provinces and their regencies/cities.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

_PAREN = re.compile(r"\s*\(([^)]*)\)\s*")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class PlaceName:
    name: str
    code: str  # region code of the directory (kelurahan) or province name (other provinces)


def name_variants(raw: str) -> tuple[str, ...]:
    """Spellings of one areaid name: 'Mendo (Menduk)' -> Mendo, Menduk; 'Kota/Kuta' -> both."""
    inside = [m.group(1) for m in _PAREN.finditer(raw)]
    base = _SPACES.sub(" ", _PAREN.sub(" ", raw)).strip()
    out: list[str] = []
    for candidate in (base, *inside):
        if "/" in candidate:
            first, *alts = candidate.split("/")
            out.append(first.strip())
            # 'Baskara Bakti/Bhakti' -> 'Baskara Bhakti'; 'Kaposang/Keposang' -> 'Keposang'
            prefix = first.rsplit(" ", 1)[0] + " " if " " in first else ""
            out.extend((prefix + a.strip()).strip() for a in alts)
        else:
            out.append(candidate)
    cleaned = []
    for v in out:
        v = _SPACES.sub(" ", v).strip()
        # '(Trans 1)', '(Timur)' alone are not names
        if v and not re.fullmatch(r"(trans \d+|timur|barat|utara|selatan|lama|baru)", v, re.I):
            cleaned.append(v)
    return tuple(dict.fromkeys(cleaned))


def _areaid_province(province_name: str) -> list[dict]:
    ref = resources.files("areaid") / "data" / f"{province_name.lower()}.json"
    return json.loads(ref.read_text(encoding="utf-8"))


def _norm_regency(name: str) -> str:
    return _SPACES.sub("", name.lower())


def kelurahan_by_region(
    province_name: str, region_names: Mapping[str, str]
) -> dict[str, frozenset[str]]:
    """Every kelurahan/desa spelling of the province -> the region codes it lies in.

    `region_names` maps a directory region code to its name ('1971' -> 'Kota Pangkalpinang');
    areaid spells some differently ('Kota Pangkal Pinang'), so names are compared without spaces.
    """
    code_of = {_norm_regency(n): c for c, n in region_names.items()}
    out: dict[str, set[str]] = {}
    for prov in _areaid_province(province_name):
        for kab in prov["kabupaten"]:
            code = code_of.get(_norm_regency(kab["kab_kota"]))
            if code is None:
                continue
            for kec in kab["kecamatan"]:
                for kel in kec["kelurahan"]:
                    for variant in name_variants(kel["kelu"]):
                        out.setdefault(variant, set()).add(code)
    return {k: frozenset(v) for k, v in out.items()}


def unambiguous_kelurahan(
    by_region: Mapping[str, frozenset[str]], skip: Iterable[str] = ()
) -> tuple[PlaceName, ...]:
    """Names that lie in exactly one region, minus `skip` (case-insensitive) and very short names."""
    skipped = {s.lower() for s in skip}
    return tuple(
        PlaceName(name, next(iter(codes)))
        for name, codes in sorted(by_region.items())
        if len(codes) == 1 and name.lower() not in skipped and len(name) >= 4
    )


def _read_csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def other_province_places(
    own_province_code: str, province_aliases: Mapping[str, Iterable[str]] | None = None
) -> tuple[PlaceName, ...]:
    """Province names and regency/city names outside the office's province -> province name.

    Regencies are given both with their prefix ('Kota Palembang') and bare ('Palembang');
    `province_aliases` adds spellings (e.g. 'DKI Jakarta' for the CSV's long form).
    """
    provinces = {r["kode"]: r["nama"] for r in _read_csv("derived_provinces.csv")}
    out: list[PlaceName] = []
    for code, name in provinces.items():
        if code == own_province_code:
            continue
        out.append(PlaceName(name, name))
        for alias in (province_aliases or {}).get(name, ()):
            out.append(PlaceName(alias, name))
    for row in _read_csv("derived_regencies.csv"):
        if row["kode_provinsi"] == own_province_code:
            continue
        prov = provinces[row["kode_provinsi"]]
        full = row["nama"]
        out.append(PlaceName(full, prov))
        bare = re.sub(r"^(Kabupaten|Kota)\s+", "", full)
        out.append(PlaceName(bare, prov))
        if full.startswith("Kabupaten "):
            out.append(PlaceName("Kab. " + bare, prov))
    return tuple(dict.fromkeys(out))
