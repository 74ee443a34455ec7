"""The directory staff edit: export and import (YAML, CSV), the database as source of truth, audited edits."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import REVIEW_PASSWORD, triage
from factories import make_mail
from fastapi.testclient import TestClient
from sqlalchemy import select

from core.directory import FocalPoint, load_directory
from core.directory_io import (
    DirectoryImportInvalid,
    export_csv,
    export_yaml,
    guess_format,
    parse_csv,
    parse_yaml,
    validate_unit,
)
from narahubung.pipeline import deliver
from review import create_app
from storage import repository as repo
from storage.accounts import create_user
from storage.db import make_engine, session_factory, transaction, upgrade
from storage.directory_store import (
    UnitNotFound,
    current_directory,
    get_unit,
    import_units,
    save_unit,
    set_unit_active,
    unit_history,
)
from storage.models import AuditEvent, Case, UnitRow

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


# --- over HTTP, logged in as real users; an edit reaches the next routing -------------------------


PLN_COMPLAINT = make_mail(
    "PLN Manggar: meteran belum dipasang",
    "Saya sudah bayar pasang baru listrik di kantor PLN Manggar, Belitung Timur, sejak Juli 2026. "
    "Sampai sekarang meteran belum juga dipasang walaupun sudah tiga kali saya tanyakan ke petugas. "
    "Mohon Ombudsman membantu.",
)


@pytest.fixture
def app_client(review_services):
    with transaction(review_services.factory) as session:
        create_user(session, "sari", REVIEW_PASSWORD, "supervisor")
        create_user(session, "budi", REVIEW_PASSWORD, "reviewer")
    with TestClient(create_app(review_services, secret_key="k" * 40)) as client:
        yield client


def log_in(client, username):
    token = re.search(r'name="csrftoken" value="([^"]+)"', client.get("/login").text).group(1)
    answer = client.post("/login", data={"username": username, "password": REVIEW_PASSWORD, "csrftoken": token},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return token


def unit_form(client, unit_id):
    """The fields the unit page's form would send, as the page shows them."""
    page = client.get(f"/direktori/unit/{unit_id}")
    assert page.status_code == 200
    form = page.text[page.text.index('class="actions unit-form"'):]
    form = form[: form.index("</form>")]
    data = {"csrftoken": re.search(r'name="csrftoken" value="([^"]+)"', form).group(1),
            "name": re.search(r'name="name" value="([^"]*)"', form).group(1),
            "type": re.search(r'<select name="type">.*?<option value="([^"]+)" selected', form, re.DOTALL).group(1),
            "covers": re.findall(r'name="covers" value="([^"]+)" checked', form),
            "revisi": re.search(r'name="revisi" value="(\d+)"', form).group(1)}
    for key in ("fp_name", "fp_title", "fp_email", "fp_phone"):
        data[key] = re.findall(rf'name="{key}" value="([^"]*)"', form)
    data["fp_role"] = re.findall(r'<select name="fp_role"[^>]*>.*?<option value="(\w+)" selected', form, re.DOTALL)
    return data


def test_directory_pages_need_a_login(app_client):
    for path in ("/direktori", "/direktori/unit/rsud-1901", "/direktori/ekspor.csv", "/dasbor"):
        answer = app_client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), path


def test_a_reviewer_sees_the_directory_and_exports_it_but_cannot_edit(app_client, review_services):
    token = log_in(app_client, "budi")
    page = app_client.get("/direktori")
    assert page.status_code == 200 and "RSUD Depati Bahrin Kabupaten Bangka" in page.text
    assert "humas.rsud@bangkakab.example" in page.text and 'action="/direktori/impor"' not in page.text
    csv_text = app_client.get("/direktori/ekspor.csv").text
    assert parse_csv(csv_text, review_services.live_directory.base) == review_services.directory.units
    yaml_text = app_client.get("/direktori/ekspor.yaml").text
    assert parse_yaml(yaml_text, review_services.live_directory.base) == review_services.directory.units
    data = {"csrftoken": token, "name": "Diubah", "type": "rsud", "covers": ["1901"]}
    assert app_client.post("/direktori/unit/rsud-1901", data=data).status_code == 403
    with review_services.factory() as session:
        assert get_unit(session, "rsud-1901").unit.name == "RSUD Depati Bahrin Kabupaten Bangka"


def test_an_edit_without_csrf_token_is_refused(app_client, review_services):
    log_in(app_client, "sari")
    data = unit_form(app_client, "rsud-1901")
    del data["csrftoken"]
    data["name"] = "Tanpa token"
    assert app_client.post("/direktori/unit/rsud-1901", data=data).status_code == 403
    with review_services.factory() as session:
        assert get_unit(session, "rsud-1901").unit.name == "RSUD Depati Bahrin Kabupaten Bangka"


def test_a_supervisor_edit_is_audited_and_the_next_routing_uses_the_new_focal_point(
    app_client, review_services, smtp_sink, tmp_path
):
    log_in(app_client, "sari")
    data = unit_form(app_client, "pln-belitung")
    old_email = data["fp_email"][0]
    data["fp_email"][0] = "narahubung.baru@pln.example"
    answer = app_client.post("/direktori/unit/pln-belitung", data=data)
    assert answer.status_code == 200 and "disimpan dan dicatat" in answer.text
    assert "narahubung.baru@pln.example" in answer.text and "sari" in answer.text  # the history shows it

    with review_services.factory() as session:
        [event, _created] = unit_history(session, "pln-belitung")
    assert (event.actor, event.action) == ("sari", "unit_updated")
    assert event.detail["before"]["focal_points"][0]["email"] == old_email

    triage(review_services, tmp_path / "masuk", [PLN_COMPLAINT])  # the real pipeline, same services
    with review_services.factory() as session:
        case = session.scalars(select(Case)).one()
    assert (case.status, case.unit_id) == ("routed", "pln-belitung"), case.review_reasons
    deliver(review_services)
    to_focal_point = [m for m in smtp_sink.messages if "narahubung.baru@pln.example" in m.rcpt_tos]
    assert len(to_focal_point) == 1  # the forwarding letter (the complainant may get an acknowledgement too)
    assert not [m for m in smtp_sink.messages if old_email in m.rcpt_tos]


def test_an_invalid_edit_shows_the_problems_and_changes_nothing(app_client, review_services):
    log_in(app_client, "sari")
    data = unit_form(app_client, "rsud-1901")
    data["fp_email"][0] = "bukan surel"
    data["covers"] = ["1901", "9999"]
    answer = app_client.post("/direktori/unit/rsud-1901", data=data)
    assert answer.status_code == 400
    assert "alamat email tidak sah" in answer.text and "wilayah yang tidak dikenal" in answer.text
    assert 'value="bukan surel"' in answer.text  # what was typed is kept on the form
    with review_services.factory() as session:
        assert get_unit(session, "rsud-1901").unit == review_services.live_directory.base.unit("rsud-1901")


def test_adding_removing_a_focal_point_and_deactivating_a_unit(app_client, review_services):
    token = log_in(app_client, "sari")
    data = unit_form(app_client, "rsud-1901")
    data["fp_name"][1] = data["fp_title"][1] = data["fp_email"][1] = data["fp_phone"][1] = ""  # remove the backup
    data["fp_name"][2], data["fp_email"][2], data["fp_role"][2] = "Wulan", "wulan@bangkakab.example", "backup"
    assert app_client.post("/direktori/unit/rsud-1901", data=data).status_code == 200
    recipients = review_services.directory.recipients("rsud-1901")
    assert [fp.email for fp in recipients.cc] == ["wulan@bangkakab.example"]

    answer = app_client.post("/direktori/unit/rsud-1901/aktif", data={"csrftoken": token, "aktif": "0"})
    assert "dinonaktifkan" in answer.text
    assert review_services.directory.unit("rsud-1901") is None


def test_a_new_unit_can_be_added_by_a_supervisor(app_client, review_services):
    token = log_in(app_client, "sari")
    assert app_client.get("/direktori/baru").status_code == 200
    data = {"csrftoken": token, "id": "rsud-baru-1901", "name": "RSUD Baru", "type": "rsud", "covers": ["1901"],
            "fp_name": ["Dewi"], "fp_title": [""], "fp_email": ["dewi@bangkakab.example"], "fp_phone": [""],
            "fp_role": ["primary"]}
    answer = app_client.post("/direktori/baru", data=data)
    assert answer.status_code == 200 and "ditambahkan" in answer.text
    assert review_services.directory.unit("rsud-baru-1901").name == "RSUD Baru"
    again = app_client.post("/direktori/baru", data=data)
    assert again.status_code == 400 and "sudah ada" in again.text


def test_import_over_http_reports_lines_and_a_good_file_replaces_the_directory(app_client, review_services):
    token = log_in(app_client, "sari")
    csv_text = app_client.get("/direktori/ekspor.csv").text
    broken = csv_text.replace("humas.rsud@bangkakab.example", "humas.rsud-bangkakab", 1)
    # as review/static/directory.js sends it: multipart, the token in the x-csrftoken header
    answer = app_client.post("/direktori/impor", data={"csrftoken": token}, headers={"x-csrftoken": token},
                             files={"berkas": ("direktori.csv", broken.encode(), "text/csv")})
    assert answer.status_code == 400 and "direktori tidak diubah" in answer.text
    line = next(i + 1 for i, row in enumerate(broken.splitlines()) if "humas.rsud-bangkakab" in row)
    assert f"baris {line}" in answer.text and "narahubung_email" in answer.text

    fixed = csv_text.replace("humas.rsud@bangkakab.example", "humas.baru@bangkakab.example", 1)
    preview = app_client.post("/direktori/impor", data={"csrftoken": token}, headers={"x-csrftoken": token},
                              files={"berkas": ("direktori.csv", fixed.encode(), "text/csv")})
    assert preview.status_code == 200 and "Pratinjau impor" in preview.text and "Belum ada yang diubah" in preview.text
    assert review_services.directory.recipients("rsud-1901").to[0].email == "humas.rsud@bangkakab.example"
    answer = app_client.post("/direktori/impor/terapkan", data=confirm_fields(preview.text))
    assert answer.status_code == 200 and "1 diubah" in answer.text
    assert review_services.directory.recipients("rsud-1901").to[0].email == "humas.baru@bangkakab.example"
    with review_services.factory() as session:
        assert unit_history(session, "rsud-1901")[0].actor == "sari"

    forged = app_client.post("/direktori/impor", files={"berkas": ("direktori.csv", csv_text.encode(), "text/csv")})
    assert forged.status_code == 403  # a multipart form without the token is refused like any other

    reviewer = TestClient(app_client.app)
    token = log_in(reviewer, "budi")
    refused = reviewer.post("/direktori/impor", data={"csrftoken": token}, headers={"x-csrftoken": token},
                            files={"berkas": ("direktori.csv", csv_text.encode(), "text/csv")})
    assert refused.status_code == 403 and "hanya untuk peran supervisor" in refused.text


def confirm_fields(page: str, **choices: str) -> dict[str, str]:
    """What the import preview's confirmation form sends."""
    import html

    form = page[page.index('id="import-confirm"'):]
    data = {name: html.unescape(value) for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form)}
    data["csrftoken"] = re.search(r'name="csrftoken" value="([^"]+)"', form).group(1)
    data["isi"] = html.unescape(re.search(r'<textarea name="isi"[^>]*>(.*?)</textarea>', form, re.DOTALL).group(1))
    return {**data, **choices}


def test_an_import_missing_most_units_is_previewed_and_deactivates_only_after_an_explicit_choice(
        app_client, review_services, directory):
    token = log_in(app_client, "sari")
    one_unit = "\n".join(line for line in export_csv(directory.units).splitlines()
                         if line.startswith(("unit_id", "rsud-1901,"))) + "\n"
    preview = app_client.post("/direktori/impor", data={"csrftoken": token}, headers={"x-csrftoken": token},
                              files={"berkas": ("satu.csv", one_unit.encode(), "text/csv")})
    missing = len(directory.units) - 1
    assert preview.status_code == 200 and f"{missing} unit aktif" in preview.text
    with review_services.factory() as session:  # the preview wrote nothing
        assert len(current_directory(session, directory).units) == len(directory.units)

    refused = app_client.post("/direktori/impor/terapkan", data=confirm_fields(preview.text, hilang="nonaktifkan"))
    assert refused.status_code == 400 and f"akan menonaktifkan {missing} unit" in refused.text
    kept = app_client.post("/direktori/impor/terapkan", data=confirm_fields(preview.text))  # default: keep them
    assert kept.status_code == 200 and "0 dinonaktifkan" in kept.text
    with review_services.factory() as session:
        assert len(current_directory(session, directory).units) == len(directory.units)

    preview = app_client.post("/direktori/impor", data={"csrftoken": token}, headers={"x-csrftoken": token},
                              files={"berkas": ("satu.csv", one_unit.encode(), "text/csv")})
    done = app_client.post("/direktori/impor/terapkan",
                           data=confirm_fields(preview.text, hilang="nonaktifkan", yakin=str(missing)))
    assert done.status_code == 200 and f"{missing} dinonaktifkan" in done.text and "1 unit aktif" in done.text
    stale = app_client.post("/direktori/impor/terapkan", data=confirm_fields(preview.text, hilang="nonaktifkan"))
    assert stale.status_code == 409 and "berubah sejak pratinjau" in stale.text


# --- the `narahubung directory` commands ------------------------------------------------------------


def narahubung(*args, data_dir, cwd):
    import os

    env = {**os.environ, "NARAHUBUNG_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "entry", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False)


def test_cli_exports_edits_and_imports_the_directory_and_refuses_a_broken_file(tmp_path, directory):
    data = tmp_path / "data"
    exported = narahubung("directory", "export", "--format", "csv", "--out", str(tmp_path / "d.csv"),
                          data_dir=data, cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    text = (tmp_path / "d.csv").read_text(encoding="utf-8")
    assert parse_csv(text, directory) == directory.units

    (tmp_path / "d.csv").write_text(text.replace("humas.rsud@bangkakab.example", "humas.baru@bangkakab.example"))
    imported = narahubung("directory", "import", str(tmp_path / "d.csv"), "--actor", "sari", data_dir=data, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "1 diubah" in imported.stdout

    one = "\n".join(line for line in text.splitlines() if line.startswith(("unit_id", "rsud-1901,"))) + "\n"
    (tmp_path / "satu.csv").write_text(one)
    dry = narahubung("directory", "import", str(tmp_path / "satu.csv"), "--dry-run", data_dir=data, cwd=tmp_path)
    assert dry.returncode == 0 and "Uji coba, tidak ada yang diubah" in dry.stdout, dry.stderr
    asked = narahubung("directory", "import", str(tmp_path / "satu.csv"), data_dir=data, cwd=tmp_path)  # stdin: no answer
    assert asked.returncode == 4 and "Nonaktifkan" in asked.stderr and "tidak ada yang diubah" in asked.stderr

    (tmp_path / "rusak.csv").write_text(text.replace("pengaduan.disdik@bangkakab.example", "rusak"))
    refused = narahubung("directory", "import", str(tmp_path / "rusak.csv"), data_dir=data, cwd=tmp_path)
    assert refused.returncode == 4 and "tidak ada yang diubah" in refused.stderr and "baris" in refused.stderr

    as_yaml = narahubung("directory", "export", data_dir=data, cwd=tmp_path)
    assert as_yaml.returncode == 0
    units = {u.id: u for u in parse_yaml(as_yaml.stdout, directory)}
    assert units["rsud-1901"].focal_points[0].email == "humas.baru@bangkakab.example"  # imported, kept
    assert units["disdik-1901"] == directory.unit("disdik-1901")  # the refused file changed nothing
    engine = make_engine(f"sqlite:///{data / 'narahubung.sqlite3'}")
    with session_factory(engine)() as session:
        assert unit_history(session, "rsud-1901")[0].actor == "sari"
    engine.dispose()


def test_a_deactivated_unit_gets_no_new_letter_the_case_waits_for_staff(review_services, smtp_sink, tmp_path):
    with transaction(review_services.factory) as session:
        set_unit_active(session, "pln-belitung", False, actor="sari")
    triage(review_services, tmp_path / "masuk", [PLN_COMPLAINT])
    with review_services.factory() as session:
        case = session.scalars(select(Case)).one()
    assert case.status == "needs_review"
    assert any("pln-belitung tidak ada di direktori" in reason for reason in case.review_reasons), case.review_reasons


def test_the_directory_list_filters_by_agency_type_and_text(app_client):
    log_in(app_client, "budi")
    page = app_client.get("/direktori", params={"jenis": "rsud"}).text
    assert "RSUD Depati Bahrin Kabupaten Bangka" in page and "Dinas Pendidikan Kabupaten Bangka" not in page
    page = app_client.get("/direktori", params={"q": "indah.maulana"}).text
    assert page.count('href="/direktori/unit/') == 1 and "rsud-1901" in page
    page = app_client.get("/direktori", params={"q": "<script>"}).text
    assert "Tidak ada unit yang cocok" in page and 'value="&lt;script&gt;"' in page


def test_the_bundled_config_file_itself_can_be_imported(directory):
    from core.settings import DEFAULT_DIRECTORY

    assert parse_yaml(DEFAULT_DIRECTORY.read_text(encoding="utf-8"), directory) == directory.units


def test_a_form_opened_before_someone_else_saved_does_not_overwrite_their_change(app_client, review_services):
    log_in(app_client, "sari")
    mine = unit_form(app_client, "rsud-1901")
    theirs = unit_form(app_client, "rsud-1901")
    theirs["fp_phone"][0] = "0812-0000-0000"
    assert "disimpan dan dicatat" in app_client.post("/direktori/unit/rsud-1901", data=theirs).text

    mine["fp_email"][0] = "humas.lama@bangkakab.example"
    answer = app_client.post("/direktori/unit/rsud-1901", data=mine)
    assert answer.status_code == 409 and "sudah diubah oleh sari sejak halaman ini dibuka" in answer.text
    unit = review_services.directory.unit("rsud-1901")
    assert (unit.focal_points[0].phone, unit.focal_points[0].email) == ("0812-0000-0000", "humas.rsud@bangkakab.example")
    assert 'value="0812-0000-0000"' in answer.text  # the form now shows what is stored
