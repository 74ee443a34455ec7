"""The dashboard's figures: weeks, groups and units, maladministration, open cases by age, response times."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import REVIEW_PASSWORD
from fastapi.testclient import TestClient

from review import charts, create_app
from review.dashboard import (
    OVERDUE,
    TABLES,
    Period,
    build_dashboard,
    cases_per_group,
    cases_per_maladministration,
    cases_per_unit,
    cases_per_week,
    open_by_age,
    open_per_unit,
    response_times,
    table_csv,
    table_rows,
)
from storage import repository as repo
from storage.accounts import create_user
from storage.db import make_engine, session_factory, transaction, upgrade
from storage.models import Case, CaseStatus, Delivery, DeliveryStatus, RawMessage

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # Monday 10:00 WIB, ISO week 2026-W48
_serial = itertools.count(1)


@pytest.fixture(params=["sqlite", "postgresql"])
def factory(request, tmp_path, directory):
    url = (f"sqlite:///{tmp_path / 'db.sqlite3'}" if request.param == "sqlite"
           else request.getfixturevalue("postgres_url"))
    upgrade(url)
    engine = make_engine(url)
    factory = session_factory(engine)
    with transaction(factory) as session:
        repo.sync_directory(session, directory)
    yield factory
    engine.dispose()


def add_case(session, *, received, kind="complaint", unit=None, types=(), status=CaseStatus.NEEDS_REVIEW,
             routed=None, sent=None, answered=None, deadline_days=60):
    n = next(_serial)
    raw = RawMessage(source="file", sha256=f"{n:064x}", size=1, received_at=received, status="processed")
    session.add(raw)
    session.flush()
    case = Case(reference=f"T/{n}", raw_message_id=raw.id, kind=kind, status=status, unit_id=unit,
                maladministration=list(types), received_at=received,
                deadline_at=received + timedelta(days=deadline_days), created_at=received, updated_at=received,
                routed_at=routed, answered_at=answered)
    session.add(case)
    session.flush()
    if sent is not None:
        session.add(Delivery(case_id=case.id, sender="s@x.example", to_addrs=["a@x.example"], subject="s",
                             message_id=f"<{n}@t>", blob_sha256="0" * 64, status=DeliveryStatus.SENT,
                             created_at=sent, sent_at=sent))
    return case


def test_weeks_follow_office_time_and_every_week_of_the_period_has_a_row(factory):
    with transaction(factory) as session:
        # Sunday 23:30 UTC is already Monday 06:30 WIB: it belongs to the next ISO week
        add_case(session, received=datetime(2026, 11, 15, 23, 30, tzinfo=UTC))
        add_case(session, received=datetime(2026, 11, 15, 12, 0, tzinfo=UTC), kind="spam")
        add_case(session, received=datetime(2026, 11, 20, 2, 0, tzinfo=UTC), kind="follow_up")
        add_case(session, received=datetime(2026, 10, 1, 2, 0, tzinfo=UTC))  # before the period
    with factory() as session:
        weeks = cases_per_week(session, Period.last_weeks(4, date(2026, 11, 23)))
    assert [w.week for w in weeks] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert [(w.cases, w.complaints) for w in weeks] == [(0, 0), (1, 0), (2, 2), (0, 0)]
    assert weeks[2].monday == date(2026, 11, 16)


def test_units_groups_and_maladministration_types_are_counted(factory, directory):
    received = datetime(2026, 11, 18, 3, 0, tzinfo=UTC)
    with transaction(factory) as session:
        add_case(session, received=received, unit="rsud-1901", types=["penundaan_berlarut", "permintaan_imbalan"])
        add_case(session, received=received, unit="rsud-1901", types=["penundaan_berlarut"])
        add_case(session, received=received, unit="pln-bangka", types=["tidak_memberikan_pelayanan"])
        add_case(session, received=received, unit=None, types=[])
        add_case(session, received=received, kind="spam", unit=None, types=[])
    period = Period(date(2026, 11, 16), date(2026, 11, 22))
    with factory() as session:
        units = cases_per_unit(session, period, directory)
        types = {row.type_id: row.cases for row in cases_per_maladministration(session, period, directory)}
    assert [(u.unit_id, u.cases) for u in units][:1] == [("rsud-1901", 2)]
    by_unit = {u.unit_id: u for u in units}
    assert by_unit["rsud-1901"].group == directory.agency_type("rsud").group
    assert by_unit["rsud-1901"].unit_name == "RSUD Depati Bahrin Kabupaten Bangka"
    assert by_unit[""].cases == 1  # the complaint without unit; the spam is not a complaint
    groups = {g.group: g.cases for g in cases_per_group(units)}
    assert groups[directory.agency_type("pln").group] == 1 and sum(groups.values()) == 4
    assert types["penundaan_berlarut"] == 2 and types["permintaan_imbalan"] == 1
    assert types["tidak_memberikan_pelayanan"] == 1 and types["diskriminasi"] == 0
    assert len(types) == len(directory.maladministration_types)


def test_open_cases_fall_into_buckets_by_days_since_routing_and_overdue_by_deadline(factory):
    def routed(days_ago, deadline_days=60, answered=None):
        at = NOW - timedelta(days=days_ago)
        return {"received": at - timedelta(days=1), "status": CaseStatus.ROUTED, "routed": at, "sent": at,
                    "deadline_days": deadline_days + 1, "answered": answered, "unit": "rsud-1901"}

    with transaction(factory) as session:
        add_case(session, **routed(0))
        add_case(session, **routed(14))
        add_case(session, **routed(15))
        add_case(session, **routed(45))
        add_case(session, **routed(59))
        add_case(session, **routed(61))  # past its deadline
        add_case(session, **routed(20, deadline_days=10))  # a shorter deadline, passed
        add_case(session, **routed(5, answered=NOW))  # answered: not open
        add_case(session, **{**routed(3), "status": CaseStatus.BOUNCED})  # the letter bounced: still open
        add_case(session, **{**routed(4, answered=NOW), "status": CaseStatus.ANSWERED})
        add_case(session, received=NOW, status=CaseStatus.NEEDS_REVIEW)  # never routed
    with factory() as session:
        buckets = {b.label: b.cases for b in open_by_age(session, NOW)}
        [unit] = open_per_unit(session, NOW)
    assert buckets == {"0–14 hari": 3, "15–30 hari": 1, "31–50 hari": 1, "51–60 hari": 1, OVERDUE: 2}
    assert (unit.unit_id, unit.open, unit.overdue, unit.oldest_days) == ("rsud-1901", 8, 2, 61)


def test_median_response_time_per_unit_starts_at_the_letter_sent(factory):
    def answered(unit, sent_days_ago, took_days):
        sent = NOW - timedelta(days=sent_days_ago)
        return {"received": sent - timedelta(days=2), "unit": unit, "status": CaseStatus.ROUTED, "routed": sent, "sent": sent,
                    "answered": sent + timedelta(days=took_days)}

    with transaction(factory) as session:
        for took in (2, 4, 9):
            add_case(session, **answered("rsud-1901", 20, took))
        add_case(session, **answered("pln-bangka", 30, 1.5))
        add_case(session, **answered("pln-bangka", 300, 3))  # answered long before the period
    with factory() as session:
        rows = {r.unit_id: r for r in response_times(session, Period.last_weeks(8, NOW.date()))}
    assert (rows["rsud-1901"].answered, rows["rsud-1901"].median_days) == (3, 4.0)
    assert (rows["pln-bangka"].answered, rows["pln-bangka"].median_days) == (1, 1.5)
    assert rows["rsud-1901"].unit_name == "RSUD Depati Bahrin Kabupaten Bangka"


def test_every_table_exports_as_csv_with_indonesian_columns(factory, directory):
    with transaction(factory) as session:
        add_case(session, received=NOW - timedelta(days=3), unit="rsud-1901", types=["penundaan_berlarut"])
    with factory() as session:
        dashboard = build_dashboard(session, directory, Period.last_weeks(4, NOW.date()), NOW)
    for name, (_title, _attr, labels) in TABLES.items():
        text = table_csv(table_rows(dashboard, name), labels)
        header, *rows = text.splitlines()
        assert header.split(",") == list(labels.values())
        assert len(rows) == len(table_rows(dashboard, name))
    units_csv = table_csv(table_rows(dashboard, "per-unit"), TABLES["per-unit"][2])
    assert "rsud-1901,RSUD Depati Bahrin Kabupaten Bangka,1" in units_csv


# --- charts --------------------------------------------------------------------------------------


def test_charts_are_svg_with_their_indonesian_labels_as_text(factory, directory):
    with transaction(factory) as session:
        add_case(session, received=NOW - timedelta(days=3), unit="rsud-1901", types=["penundaan_berlarut"],
                 status=CaseStatus.ROUTED, routed=NOW - timedelta(days=2), sent=NOW - timedelta(days=2))
        dashboard = build_dashboard(session, directory, Period.last_weeks(4, NOW.date()), NOW)
    svgs = {name: charts.to_svg(make(dashboard)) for name, (_title, make) in charts.CHARTS.items()}
    assert all(svg.lstrip().startswith("<?xml") and "<svg" in svg for svg in svgs.values())
    assert "Kasus masuk per minggu" in svgs["per-minggu"]
    assert "RSUD Depati Bahrin Kabupaten Bangka" in svgs["per-unit"]
    assert "Penundaan berlarut" in svgs["per-maladministrasi"] and "0–14 hari" in svgs["terbuka-per-umur"]
    assert "Belum ada data pada periode ini" in svgs["waktu-tanggapan"]  # nothing answered yet
    assert charts.to_png(charts.CHARTS["per-unit"][1](dashboard)).startswith(b"\x89PNG")


def test_long_unit_names_are_wrapped_and_the_figure_grows_with_the_bars():
    short = charts._hbars("t", ["a"] * 3, [1, 2, 3], "x")
    tall = charts._hbars("t", ["Dinas Kependudukan dan Pencatatan Sipil Kabupaten Bangka Tengah"] * 15,
                         list(range(1, 16)), "x")
    assert tall.get_figheight() > 2 * short.get_figheight()
    assert charts._wrap("Dinas Kependudukan dan Pencatatan Sipil Kabupaten Bangka Tengah").count("\n") == 1


# --- over HTTP -----------------------------------------------------------------------------------


@pytest.fixture
def app_client(review_services):
    with transaction(review_services.factory) as session:
        create_user(session, "budi", REVIEW_PASSWORD, "reviewer")
        received = review_services.clock() - timedelta(days=5)
        add_case(session, received=received, unit="pln-bangka", types=["tidak_memberikan_pelayanan"],
                 status=CaseStatus.ROUTED, routed=received, sent=received)
    with TestClient(create_app(review_services, secret_key="k" * 40)) as client:
        token = re.search(r'name="csrftoken" value="([^"]+)"', client.get("/login").text).group(1)
        client.post("/login", data={"username": "budi", "password": REVIEW_PASSWORD, "csrftoken": token})
        yield client


def test_the_dashboard_page_shows_every_chart_and_table(app_client):
    page = app_client.get("/dasbor")
    assert page.status_code == 200
    assert len(re.findall(r'<img src="data:image/svg\+xml;base64,', page.text)) == len(charts.CHARTS)
    for name in TABLES:
        assert f'id="tabel-{name}"' in page.text and f"/dasbor/{name}.csv?" in page.text
    assert "PT PLN (Persero) UP3 Bangka" in page.text


def test_a_period_is_chosen_by_dates_and_bad_dates_are_explained(app_client):
    page = app_client.get("/dasbor?dari=2026-01-05&sampai=2026-02-01")
    assert "2026-01-05 s.d. 2026-02-01" in page.text and "2026-W02" in page.text
    assert "PT PLN (Persero) UP3 Bangka</td>" not in page.text.split('id="tabel-per-unit"')[1].split("</section>")[0]
    bad = app_client.get("/dasbor?dari=kemarin")
    assert bad.status_code == 200 and "Tanggal tidak sah" in bad.text


def test_tables_download_as_csv_and_charts_as_svg_or_png(app_client):
    answer = app_client.get("/dasbor/per-unit.csv")
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    header, *rows = answer.text.splitlines()
    assert header == "kelompok,jenis_instansi,unit_id,unit,pengaduan" and any("pln-bangka" in r for r in rows)
    assert app_client.get("/dasbor/tidak-ada.csv").status_code == 404
    svg = app_client.get("/dasbor/grafik/terbuka-per-umur.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and "0–14 hari" in svg.text
    assert app_client.get("/dasbor/grafik/per-minggu.png").content.startswith(b"\x89PNG")
