"""The directory staff edit: export and import (YAML, CSV), the database as source of truth, audited edits."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from narahubung.directory import FocalPoint, load_directory
from review.directory_io import (
    DirectoryImportInvalid,
    export_csv,
    export_yaml,
    guess_format,
    parse_csv,
    parse_yaml,
    validate_unit,
)
from review.directory_store import (
    UnitNotFound,
    current_directory,
    get_unit,
    import_units,
    save_unit,
    set_unit_active,
    unit_history,
)
from storage import repository as repo
from storage.db import make_engine, session_factory, transaction, upgrade
from storage.models import AuditEvent, UnitRow

# --- export and import, pure -------------------------------------------------------------------


def test_yaml_export_has_the_shape_of_the_config_file_and_loads_back(directory, tmp_path):
    path = tmp_path / "ekspor.yaml"
    path.write_text(export_yaml(directory), encoding="utf-8")
    again = load_directory(path)
    assert again.units == directory.units
    assert again.regions == directory.regions
    assert again.agency_types == directory.agency_types
    assert again.office == directory.office
    assert again.other_offices == directory.other_offices


def test_yaml_and_csv_round_trip_every_unit_and_focal_point(directory):
    assert parse_yaml(export_yaml(directory), directory) == directory.units
    assert parse_csv(export_csv(directory.units), directory) == directory.units


def test_csv_has_one_row_per_focal_point_and_one_for_a_unit_without(directory):
    rows = export_csv(directory.units).splitlines()
    rsud = [r for r in rows if r.startswith("rsud-1901,")]
    assert len(rsud) == 2 and rsud[0].endswith(",primary") and rsud[1].endswith(",backup")
    pupr = [r for r in rows if r.startswith("pupr-1901,")]
    assert len(pupr) == 1 and pupr[0].endswith(",,,,,")
    assert len(rows) == 1 + sum(max(1, len(u.focal_points)) for u in directory.units)


def test_csv_rows_of_a_unit_need_not_be_adjacent_and_a_bom_is_fine(directory):
    header, *rows = export_csv(directory.units).splitlines()
    rsud = [r for r in rows if r.startswith("rsud-1901,")]
    others = [r for r in rows if not r.startswith("rsud-1901,")]
    shuffled = "\ufeff" + "\n".join([header, rsud[0], *others[:5], rsud[1], *others[5:]]) + "\n"
    units = {u.id: u for u in parse_csv(shuffled, directory)}
    assert units["rsud-1901"] == directory.unit("rsud-1901")


def test_csv_errors_name_line_and_column_in_indonesian(directory):
    text = export_csv(directory.units)
    lines = text.splitlines()
    line_of = {i + 1: line for i, line in enumerate(lines)}
    bad_email_line = next(n for n, line in line_of.items() if "pengaduan.disdik@bangkakab.example" in line)
    text = text.replace("pengaduan.disdik@bangkakab.example", "pengaduan.disdik-bangkakab", 1)
    text = text.replace(",primary\n", ",utama\n", 1)  # first focal point row: line 2
    with pytest.raises(DirectoryImportInvalid) as caught:
        parse_csv(text, directory)
    problems = {(p.line, p.field) for p in caught.value.problems}
    assert (bad_email_line, "narahubung_email") in problems
    assert (2, "narahubung_peran") in problems
    assert "tidak diimpor, tidak ada yang diubah" in caught.value.message
    assert "alamat email tidak sah" in caught.value.message


def test_csv_unit_columns_must_agree_across_the_rows_of_one_unit(directory):
    text = export_csv(directory.units)
    first, second = [i for i, line in enumerate(text.splitlines()) if line.startswith("rsud-1901,")]
    lines = text.splitlines()
    lines[second] = lines[second].replace("RSUD Depati Bahrin", "RSUD Lain", 1)
    with pytest.raises(DirectoryImportInvalid) as caught:
        parse_csv("\n".join(lines), directory)
    [problem] = caught.value.problems
    assert (problem.line, problem.field) == (second + 1, "nama_unit")
    assert f"baris {first + 1}" in problem.message


def test_csv_with_missing_columns_is_refused(directory):
    with pytest.raises(DirectoryImportInvalid, match="kolom tidak ada: jenis_instansi"):
        parse_csv("unit_id,nama\nx,y\n", directory)


def test_yaml_errors_point_at_the_line_of_the_field(directory):
    text = export_yaml(directory)
    text = text.replace("    role: backup\n", "    role: cadangan\n", 1)
    text = text.replace("  type: pln\n", "  type: listrik\n", 1)
    at = text.index("- id: pln-belitung\n")
    text = text[:at] + text[at:].replace("  - '1906'\n", "  - '9999'\n", 1)
    lines = text.splitlines()
    with pytest.raises(DirectoryImportInvalid) as caught:
        parse_yaml(text, directory)
    by_field = {p.field: p for p in caught.value.problems}
    assert set(by_field) == {"unit rsud-1901.focal_points[2].role", "unit pln-bangka.type", "unit pln-belitung.covers"}
    assert "wilayah yang tidak dikenal: ['9999']" in by_field["unit pln-belitung.covers"].message
    assert lines[by_field["unit rsud-1901.focal_points[2].role"].line - 1].strip() == "role: cadangan"
    assert lines[by_field["unit pln-bangka.type"].line - 1].strip() == "type: listrik"
    assert "jenis instansi yang tidak dikenal: listrik" in by_field["unit pln-bangka.type"].message


def test_yaml_unknown_keys_twice_listed_units_and_broken_syntax_are_reported(directory):
    text = export_yaml(directory).replace("  name: RSUD Depati Bahrin", "  nama: RSUD Depati Bahrin", 1)
    with pytest.raises(DirectoryImportInvalid) as caught:
        parse_yaml(text, directory)
    fields = {p.field: p.message for p in caught.value.problems}
    assert fields["unit rsud-1901.nama"] == "kunci tidak dikenal"
    assert fields["unit rsud-1901.name"] == "nama unit tidak boleh kosong"

    twice = "units:\n" + "\n".join(["- id: samsat-19\n  type: samsat\n  name: Samsat"] * 2) + "\n"
    with pytest.raises(DirectoryImportInvalid, match="lebih dari sekali") as caught:
        parse_yaml(twice, directory)
    assert caught.value.problems[0].line == 5  # the id of the second one

    with pytest.raises(DirectoryImportInvalid, match="bukan YAML yang sah") as caught:
        parse_yaml("units:\n- id: [unclosed\n", directory)
    assert caught.value.problems[0].line is not None


def test_a_bare_list_of_units_is_accepted_as_yaml(directory):
    text = "- id: samsat-19\n  type: samsat\n  name: UPTD Samsat\n  focal_points:\n  - name: A\n    email: a@b.example\n"
    [unit] = parse_yaml(text, directory)
    assert unit.focal_points == (FocalPoint(name="A", email="a@b.example"),)


def test_the_format_follows_the_file_name():
    assert guess_format("Direktori.CSV") == "csv"
    assert guess_format("d.yml") == "yaml"
    with pytest.raises(DirectoryImportInvalid, match="jenis berkas tidak dikenal"):
        guess_format("d.xlsx")


def test_a_form_unit_is_validated_like_a_file(directory):
    with pytest.raises(DirectoryImportInvalid) as caught:
        validate_unit({"id": "Unit Baru", "type": "tidak-ada", "name": "", "covers": ["1901"],
                       "focal_points": [{"name": "", "email": "x"}]}, directory)
    fields = {p.field for p in caught.value.problems}
    assert {"unit Unit Baru.id", "unit Unit Baru.name", "unit Unit Baru.focal_points[1].email",
            "unit Unit Baru.focal_points[1].name"} <= fields


# --- the database is the source of truth -------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def factory(request, tmp_path):
    url = (f"sqlite:///{tmp_path / 'db.sqlite3'}" if request.param == "sqlite"
           else request.getfixturevalue("postgres_url"))
    upgrade(url)
    engine = make_engine(url)
    yield session_factory(engine)
    engine.dispose()


def _moved(directory, unit_id, email):
    unit = directory.unit(unit_id)
    first = unit.focal_points[0].model_copy(update={"email": email})
    return unit.model_copy(update={"focal_points": (first, *unit.focal_points[1:])})


def test_seeding_happens_once_and_a_restart_keeps_staff_edits(factory, directory):
    with transaction(factory) as session:
        assert repo.sync_directory(session, directory) == 91
        save_unit(session, _moved(directory, "rsud-1901", "baru@bangkakab.example"), actor="sari")
    with transaction(factory) as session:
        repo.sync_directory(session, directory)  # the next start of the service
    with factory() as session:
        edited = current_directory(session, directory)
        assert edited.recipients("rsud-1901").to[0].email == "baru@bangkakab.example"
        assert [u.id for u in edited.units] == [u.id for u in directory.units]


def test_an_edit_is_audited_with_who_and_what_it_was_before(factory, directory):
    with transaction(factory) as session:
        repo.sync_directory(session, directory)
    with transaction(factory) as session:
        changes = save_unit(session, _moved(directory, "rsud-1901", "baru@bangkakab.example"), actor="sari")
        assert changes.updated == ("rsud-1901",)
    with factory() as session:
        [event, created] = unit_history(session, "rsud-1901")
        assert (event.actor, event.action) == ("sari", "unit_updated")
        assert event.detail["before"]["focal_points"][0]["email"] == "humas.rsud@bangkakab.example"
        assert event.detail["after"]["focal_points"][0]["email"] == "baru@bangkakab.example"
        assert (created.actor, created.action) == ("system", "unit_created")


def test_saving_an_unchanged_unit_changes_and_audits_nothing(factory, directory):
    with transaction(factory) as session:
        repo.sync_directory(session, directory)
        before = repo.directory_revision(session)
        assert save_unit(session, directory.unit("rsud-1901"), actor="sari").count == 0
        assert repo.directory_revision(session) == before
        assert not session.scalars(select(AuditEvent).where(AuditEvent.action == "unit_updated")).all()


def test_import_replaces_the_units_deactivates_the_missing_and_an_error_changes_nothing(factory, directory):
    with transaction(factory) as session:
        repo.sync_directory(session, directory)
    text = export_csv(directory.units)
    kept = "\n".join(line for line in text.splitlines() if not line.startswith("samsat-19,")) + "\n"
    with transaction(factory) as session:
        changes = import_units(session, parse_csv(kept, directory), actor="admin")
    assert changes.deactivated == ("samsat-19",) and not changes.created and not changes.updated
    with factory() as session:
        assert current_directory(session, directory).unit("samsat-19") is None
        assert get_unit(session, "samsat-19").active is False

    with pytest.raises(DirectoryImportInvalid):
        parse_csv(text.replace("pengaduan.disdik@bangkakab.example", "rusak", 1), directory)
    with factory() as session:  # the refused file did nothing
        assert get_unit(session, "samsat-19").active is False


def test_a_new_unit_goes_last_and_a_unit_can_be_deactivated_and_brought_back(factory, directory):
    with transaction(factory) as session:
        repo.sync_directory(session, directory)
        unit = validate_unit({"id": "bpom-19", "type": "samsat", "name": "Unit Percobaan", "covers": [],
                              "focal_points": [{"name": "Dewi", "email": "dewi@contoh.example"}]}, directory)
        save_unit(session, unit, actor="sari", new=True)
        with pytest.raises(DirectoryImportInvalid, match="sudah ada"):
            save_unit(session, unit, actor="sari", new=True)
        with pytest.raises(UnitNotFound):
            set_unit_active(session, "tidak-ada", False, actor="sari")
        assert set_unit_active(session, "bpom-19", False, actor="sari")
        assert set_unit_active(session, "bpom-19", True, actor="sari")
    with factory() as session:
        assert current_directory(session, directory).units[-1].id == "bpom-19"
        actions = [e.action for e in unit_history(session, "bpom-19")]
        assert actions == ["unit_activated", "unit_deactivated", "unit_created"]
        assert session.get(UnitRow, "bpom-19").revision == 2
