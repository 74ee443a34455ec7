"""The directory answers which unit serves a type in a region, and who its focal points are."""

import pytest

from core.directory import load_directory
from core.errors import DirectoryInvalid
from core.settings import DEFAULT_DIRECTORY


def test_bundled_directory_loads_the_office_and_its_units(directory):
    assert directory.office.id == "ori-babel"
    assert directory.resolution_days == 60
    assert len(directory.units) == 91
    assert len(directory.maladministration_ids) == 10


def test_region_level_type_needs_the_region(directory):
    assert directory.unit_for("disdukcapil", "1904").id == "disdukcapil-1904"
    assert directory.unit_for("disdukcapil", None) is None


def test_multi_region_unit_is_found_by_any_region_it_covers(directory):
    assert directory.unit_for("pln", "1904").id == "pln-bangka"
    assert directory.unit_for("pln", "1906").id == "pln-belitung"


def test_province_wide_unit_needs_no_region(directory):
    assert directory.unit_for("samsat", None).id == "samsat-19"
    assert directory.unit_for("disdik_prov", "1902").id == "disdik_prov-19"


def test_primary_focal_point_is_to_and_backups_are_cc(directory):
    recipients = directory.recipients("rsud-1901")
    assert [fp.email for fp in recipients.to] == ["humas.rsud@bangkakab.example"]
    assert [fp.email for fp in recipients.cc] == ["indah.maulana@bangkakab.example"]


def test_unit_without_focal_point_has_no_recipients(directory):
    assert directory.recipients("pupr-1901").to == ()


def test_unknown_agency_type_in_a_unit_is_refused(tmp_path):
    text = DEFAULT_DIRECTORY.read_text().replace("type: pln\n", "type: listrik\n", 1)
    broken = tmp_path / "directory.yaml"
    broken.write_text(text)
    with pytest.raises(DirectoryInvalid, match="listrik"):
        load_directory(broken)


def test_missing_directory_file_is_a_clear_error(tmp_path):
    with pytest.raises(DirectoryInvalid, match="tidak ditemukan"):
        load_directory(tmp_path / "none.yaml")


def test_with_units_keeps_the_office_and_regions_and_answers_from_the_new_units(directory):
    rsud = directory.unit("rsud-1901")
    moved = rsud.model_copy(update={"focal_points": rsud.focal_points[1:]})
    edited = directory.with_units([moved if u.id == "rsud-1901" else u for u in directory.units])
    assert edited.office == directory.office and edited.regions == directory.regions
    assert [fp.email for fp in edited.recipients("rsud-1901").to] == ["indah.maulana@bangkakab.example"]
    assert [fp.email for fp in directory.recipients("rsud-1901").to] == ["humas.rsud@bangkakab.example"]


def test_with_units_refuses_unknown_types_regions_and_twice_listed_units(directory):
    unit = directory.unit("samsat-19")
    with pytest.raises(DirectoryInvalid, match="listrik"):
        directory.with_units([unit.model_copy(update={"type": "listrik"})])
    with pytest.raises(DirectoryInvalid, match="9999"):
        directory.with_units([unit.model_copy(update={"covers": ("9999",)})])
    with pytest.raises(DirectoryInvalid, match="lebih dari sekali"):
        directory.with_units([unit, unit])
