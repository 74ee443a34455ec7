"""The dashboard's figures: weeks, groups and units, maladministration, open cases by age, response times."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone

import pytest

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
from storage.db import make_engine, session_factory, transaction, upgrade
from storage.models import Case, CaseStatus, Delivery, DeliveryStatus, RawMessage

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)  # Monday 10:00 WIB, ISO week 2026-W48
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
        add_case(session, received=datetime(2026, 11, 15, 23, 30, tzinfo=timezone.utc))
        add_case(session, received=datetime(2026, 11, 15, 12, 0, tzinfo=timezone.utc), kind="spam")
        add_case(session, received=datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc), kind="follow_up")
        add_case(session, received=datetime(2026, 10, 1, 2, 0, tzinfo=timezone.utc))  # before the period
    with factory() as session:
        weeks = cases_per_week(session, Period.last_weeks(4, date(2026, 11, 23)))
    assert [w.week for w in weeks] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert [(w.cases, w.complaints) for w in weeks] == [(0, 0), (1, 0), (2, 2), (0, 0)]
    assert weeks[2].monday == date(2026, 11, 16)


def test_units_groups_and_maladministration_types_are_counted(factory, directory):
    received = datetime(2026, 11, 18, 3, 0, tzinfo=timezone.utc)
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
        return dict(received=at - timedelta(days=1), status=CaseStatus.ROUTED, routed=at, sent=at,
                    deadline_days=deadline_days + 1, answered=answered, unit="rsud-1901")

    with transaction(factory) as session:
        add_case(session, **routed(0))
        add_case(session, **routed(14))
        add_case(session, **routed(15))
        add_case(session, **routed(45))
        add_case(session, **routed(59))
        add_case(session, **routed(61))  # past its deadline
        add_case(session, **routed(20, deadline_days=10))  # a shorter deadline, passed
        add_case(session, **routed(5, answered=NOW))  # answered: not open
        add_case(session, received=NOW, status=CaseStatus.NEEDS_REVIEW)  # never routed
    with factory() as session:
        buckets = {b.label: b.cases for b in open_by_age(session, NOW)}
        [unit] = open_per_unit(session, NOW)
    assert buckets == {"0–14 hari": 2, "15–30 hari": 1, "31–50 hari": 1, "51–60 hari": 1, OVERDUE: 2}
    assert (unit.unit_id, unit.open, unit.overdue, unit.oldest_days) == ("rsud-1901", 7, 2, 61)


def test_median_response_time_per_unit_starts_at_the_letter_sent(factory):
    def answered(unit, sent_days_ago, took_days):
        sent = NOW - timedelta(days=sent_days_ago)
        return dict(received=sent - timedelta(days=2), unit=unit, status=CaseStatus.ROUTED, routed=sent, sent=sent,
                    answered=sent + timedelta(days=took_days))

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
