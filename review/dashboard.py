"""The figures of the focal-point meetings, as typed rows (SQLite and PostgreSQL alike).

- cases per ISO week (office time, WIB), all of them and the complaints among them;
- cases per agency group and unit, and per maladministration type;
- open cases (routed, not yet answered) by days since routing, against the deadline;
- the median time a unit's focal point took to answer, from the forwarding letter's `sent_at`.

Every figure covers a `Period` of office days; counting happens in the database where it can (one row per
day or per unit comes back), medians and buckets in Python. `table_csv` writes any of the tables as CSV.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy import case as sa_case
from sqlalchemy.orm import Session

from core.directory import Directory
from storage.models import Case, CaseStatus, Delivery, DeliveryStatus, UnitRow

WIB = timezone(timedelta(hours=7))
NO_UNIT = "(tanpa unit)"
COMPLAINT_KINDS = ("complaint", "follow_up")


@dataclass(frozen=True)
class Period:
    """Office days `start` … `end`, both included."""

    start: date
    end: date

    @classmethod
    def last_weeks(cls, weeks: int, today: date) -> Period:
        """`weeks` whole ISO weeks ending with the current one."""
        monday = today - timedelta(days=today.weekday())
        return cls(monday - timedelta(weeks=weeks - 1), monday + timedelta(days=6))

    @property
    def utc_bounds(self) -> tuple[datetime, datetime]:
        start = datetime.combine(self.start, time(), WIB).astimezone(UTC)
        end = datetime.combine(self.end + timedelta(days=1), time(), WIB).astimezone(UTC)
        return start, end

    def label(self) -> str:
        return f"{self.start.isoformat()} s.d. {self.end.isoformat()}"


# --- rows ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekCount:
    week: str  # ISO week, e.g. 2026-W47
    monday: date
    cases: int
    complaints: int


@dataclass(frozen=True)
class UnitCount:
    group: str
    agency_type: str
    unit_id: str
    unit_name: str
    cases: int


@dataclass(frozen=True)
class GroupCount:
    group: str
    cases: int


@dataclass(frozen=True)
class MaladministrationCount:
    type_id: str
    name: str
    cases: int


@dataclass(frozen=True)
class AgeBucket:
    label: str
    first_day: int
    last_day: int | None  # None: past the deadline
    cases: int


@dataclass(frozen=True)
class UnitOpen:
    unit_id: str
    unit_name: str
    open: int
    overdue: int
    oldest_days: int


@dataclass(frozen=True)
class ResponseTime:
    unit_id: str
    unit_name: str
    answered: int
    median_days: float


# --- queries -------------------------------------------------------------------------------------


def _in_period(period: Period) -> ColumnElement[bool]:
    start, end = period.utc_bounds
    return (Case.received_at >= start) & (Case.received_at < end)


def _office_day(session: Session, column: Any) -> Any:
    """The office (WIB) calendar day of a UTC timestamp column, as the database computes it."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("Asia/Jakarta", column))
    return func.date(column, "+7 hours")


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def cases_per_week(session: Session, period: Period) -> list[WeekCount]:
    """Every ISO week of the period, also those without a case."""
    day = _office_day(session, Case.received_at).label("day")
    complaint = func.sum(sa_case((Case.kind.in_(COMPLAINT_KINDS), 1), else_=0))
    rows = session.execute(
        select(day, func.count(), complaint).where(_in_period(period)).group_by(day)
    ).all()
    weeks: dict[date, list[int]] = {}
    monday = period.start - timedelta(days=period.start.weekday())
    while monday <= period.end:
        weeks[monday] = [0, 0]
        monday += timedelta(weeks=1)
    for value, count, complaints in rows:
        d = _as_date(value)
        week = weeks.setdefault(d - timedelta(days=d.weekday()), [0, 0])
        week[0] += int(count)
        week[1] += int(complaints or 0)
    return [
        WeekCount(f"{m.isocalendar().year}-W{m.isocalendar().week:02d}", m, total, complaints)
        for m, (total, complaints) in sorted(weeks.items())
    ]


def cases_per_unit(session: Session, period: Period, directory: Directory) -> list[UnitCount]:
    """Cases of the period per unit they were assigned to (most first); cases without unit in one row."""
    rows = session.execute(
        select(Case.unit_id, UnitRow.name, UnitRow.agency_type, func.count())
        .outerjoin(UnitRow, UnitRow.id == Case.unit_id)
        .where(_in_period(period), Case.kind.in_(COMPLAINT_KINDS))
        .group_by(Case.unit_id, UnitRow.name, UnitRow.agency_type)
    ).all()
    result = []
    for unit_id, name, agency_type, count in rows:
        kind = directory.agency_type(agency_type) if agency_type else None
        result.append(UnitCount(
            group=(kind.group if kind and kind.group else "lainnya") if unit_id else NO_UNIT,
            agency_type=agency_type or "",
            unit_id=unit_id or "",
            unit_name=name or (unit_id or NO_UNIT),
            cases=int(count),
        ))
    return sorted(result, key=lambda r: (-r.cases, r.unit_id))


def cases_per_group(units: Sequence[UnitCount]) -> list[GroupCount]:
    totals: dict[str, int] = defaultdict(int)
    for row in units:
        totals[row.group] += row.cases
    return sorted((GroupCount(g, n) for g, n in totals.items()), key=lambda r: (-r.cases, r.group))


def cases_per_maladministration(session: Session, period: Period, directory: Directory) -> list[MaladministrationCount]:
    """How many cases of the period name each type (a case naming two types counts for both)."""
    start, end = period.utc_bounds
    if session.get_bind().dialect.name == "postgresql":
        query = text(
            "SELECT t.value, count(*) FROM cases, json_array_elements_text(cases.maladministration) AS t(value) "
            "WHERE cases.received_at >= :start AND cases.received_at < :end GROUP BY t.value"
        )
    else:
        query = text(
            "SELECT j.value, count(*) FROM cases, json_each(cases.maladministration) AS j "
            "WHERE cases.received_at >= :start AND cases.received_at < :end GROUP BY j.value"
        )
    bind_start, bind_end = _bind_times(session, start, end)
    counts = {str(v): int(n) for v, n in session.execute(query, {"start": bind_start, "end": bind_end})}
    names = {m.id: m.name for m in directory.maladministration_types}
    rows = [MaladministrationCount(t, names.get(t, t), counts.pop(t, 0)) for t in names]
    rows += [MaladministrationCount(t, t, n) for t, n in counts.items()]  # a type no longer in the directory
    return sorted(rows, key=lambda r: (-r.cases, r.name))


def _bind_times(session: Session, start: datetime, end: datetime) -> tuple[Any, Any]:
    """Literal-SQL parameters in the form the column is stored in (SQLite keeps naive UTC text)."""
    if session.get_bind().dialect.name == "sqlite":
        fmt = "%Y-%m-%d %H:%M:%S.%f"
        return start.replace(tzinfo=None).strftime(fmt), end.replace(tzinfo=None).strftime(fmt)
    return start, end


AGE_BUCKETS: tuple[tuple[str, int, int], ...] = (
    ("0–14 hari", 0, 14),
    ("15–30 hari", 15, 30),
    ("31–50 hari", 31, 50),
    ("51–60 hari", 51, 60),
)
OVERDUE = "lewat tenggat"
# routed and waiting for the focal point; a bounced letter still leaves the case open (and late, soon)
OPEN_STATUSES = (CaseStatus.ROUTED, CaseStatus.BOUNCED)


@dataclass(frozen=True)
class _OpenCounts:
    unit_id: str
    unit_name: str
    buckets: dict[str, int]
    oldest_start: datetime


def _open_counts(session: Session, now: datetime) -> list[_OpenCounts]:
    """Per unit, routed (or bounced) cases not yet answered, counted by age bucket in the database (one row per unit).

    A case's age runs from its routing (`routed_at`, else its first forwarding letter's `sent_at`); whole
    days as `(now - start).days`, so "0–14 hari" means started after now − 15 days. A case past its own
    deadline, or older than the last bucket, counts as overdue only.
    """
    first_sent = (  # only asked for a case without `routed_at` (coalesce stops at the first value)
        select(func.min(Delivery.sent_at))
        .where(Delivery.case_id == Case.id, Delivery.status == DeliveryStatus.SENT, Delivery.purpose == "forward")
        .scalar_subquery()
    )
    start = func.coalesce(Case.routed_at, first_sent, Case.updated_at)
    overdue = (Case.deadline_at < now) | (start <= now - timedelta(days=AGE_BUCKETS[-1][2] + 1))
    columns = [func.sum(sa_case((overdue, 1), else_=0)).label(OVERDUE)]
    for label, _first, last in AGE_BUCKETS:
        younger = ~overdue & (start > now - timedelta(days=last + 1))
        older = start <= now - timedelta(days=_first) if _first else None
        condition = younger if older is None else younger & older
        columns.append(func.sum(sa_case((condition, 1), else_=0)).label(label))
    rows = session.execute(
        select(Case.unit_id, UnitRow.name, func.min(start), *columns)
        .outerjoin(UnitRow, UnitRow.id == Case.unit_id)
        .where(Case.status.in_(OPEN_STATUSES), Case.answered_at.is_(None))
        .group_by(Case.unit_id, UnitRow.name)
    ).all()
    labels = [OVERDUE] + [label for label, _, _ in AGE_BUCKETS]
    return [
        _OpenCounts(unit_id or "", name or unit_id or NO_UNIT,
                    {label: int(n or 0) for label, n in zip(labels, counts)}, _aware(oldest))
        for unit_id, name, oldest, *counts in rows
    ]


def _aware(value: Any) -> datetime:
    if isinstance(value, str):  # min() over SQLite text may come back untyped
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def open_by_age(session: Session, now: datetime) -> list[AgeBucket]:
    """Open cases by whole days since routing; a case past its deadline is counted as overdue only."""
    return _age_buckets(_open_counts(session, now))


def _age_buckets(units: Sequence[_OpenCounts]) -> list[AgeBucket]:
    totals: dict[str, int] = defaultdict(int)
    for unit in units:
        for label, n in unit.buckets.items():
            totals[label] += n
    rows = [AgeBucket(label, first, last, totals[label]) for label, first, last in AGE_BUCKETS]
    return [*rows, AgeBucket(OVERDUE, AGE_BUCKETS[-1][2] + 1, None, totals[OVERDUE])]


def open_per_unit(session: Session, now: datetime) -> list[UnitOpen]:
    """Per unit: open cases, how many are overdue, and the oldest one's days since routing."""
    return _per_unit(_open_counts(session, now), now)


def _per_unit(units: Sequence[_OpenCounts], now: datetime) -> list[UnitOpen]:
    rows = [
        UnitOpen(u.unit_id, u.unit_name, sum(u.buckets.values()), u.buckets[OVERDUE],
                 max(0, (now - u.oldest_start).days))
        for u in units
    ]
    return sorted(rows, key=lambda r: (-r.overdue, -r.open, r.unit_id))


def response_times(session: Session, period: Period) -> list[ResponseTime]:
    """Median days from the forwarding letter (its `sent_at`) to the focal point's answer, per unit,
    over the cases answered within the period."""
    start, end = period.utc_bounds
    rows = session.execute(
        select(Case.unit_id, UnitRow.name, Case.answered_at, func.min(Delivery.sent_at))
        .join(Delivery, Delivery.case_id == Case.id)
        .outerjoin(UnitRow, UnitRow.id == Case.unit_id)
        .where(
            Case.answered_at.is_not(None), Case.answered_at >= start, Case.answered_at < end,
            Delivery.status == DeliveryStatus.SENT, Delivery.purpose == "forward", Delivery.sent_at.is_not(None),
        )
        .group_by(Case.id, Case.unit_id, UnitRow.name, Case.answered_at)
    ).all()
    days: dict[tuple[str, str], list[float]] = defaultdict(list)
    for unit_id, name, answered_at, sent_at in rows:
        took = (_aware(answered_at) - _aware(sent_at)).total_seconds() / 86400
        days[(unit_id or "", name or unit_id or NO_UNIT)].append(max(0.0, took))
    result = [ResponseTime(u, n, len(v), round(statistics.median(v), 1)) for (u, n), v in days.items()]
    return sorted(result, key=lambda r: (-r.median_days, r.unit_id))


# --- everything for one page, and CSV --------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    period: Period
    now: datetime
    weeks: list[WeekCount]
    groups: list[GroupCount]
    units: list[UnitCount]
    maladministration: list[MaladministrationCount]
    open_age: list[AgeBucket]
    open_units: list[UnitOpen]
    response: list[ResponseTime]


def build_dashboard(session: Session, directory: Directory, period: Period, now: datetime) -> Dashboard:
    units = cases_per_unit(session, period, directory)
    open_counts = _open_counts(session, now)
    return Dashboard(
        period=period,
        now=now,
        weeks=cases_per_week(session, period),
        groups=cases_per_group(units),
        units=units,
        maladministration=cases_per_maladministration(session, period, directory),
        open_age=_age_buckets(open_counts),
        open_units=_per_unit(open_counts, now),
        response=response_times(session, period),
    )


# table name (URL and file name) → (title, the Dashboard attribute, column labels by field)
TABLES: dict[str, tuple[str, str, dict[str, str]]] = {
    "per-minggu": ("Kasus per minggu", "weeks",
                   {"week": "minggu", "monday": "senin", "cases": "kasus", "complaints": "pengaduan"}),
    "per-kelompok": ("Pengaduan per kelompok instansi", "groups", {"group": "kelompok", "cases": "pengaduan"}),
    "per-unit": ("Pengaduan per unit", "units",
                 {"group": "kelompok", "agency_type": "jenis_instansi", "unit_id": "unit_id",
                  "unit_name": "unit", "cases": "pengaduan"}),
    "per-maladministrasi": ("Kasus per jenis maladministrasi", "maladministration",
                            {"type_id": "jenis_id", "name": "jenis", "cases": "kasus"}),
    "terbuka-per-umur": ("Kasus terbuka menurut lama sejak diteruskan", "open_age",
                         {"label": "kelompok", "first_day": "dari_hari", "last_day": "sampai_hari", "cases": "kasus"}),
    "terbuka-per-unit": ("Kasus terbuka per unit", "open_units",
                         {"unit_id": "unit_id", "unit_name": "unit", "open": "terbuka", "overdue": "lewat_tenggat",
                          "oldest_days": "tertua_hari"}),
    "waktu-tanggapan": ("Median waktu tanggapan narahubung per unit", "response",
                        {"unit_id": "unit_id", "unit_name": "unit", "answered": "dijawab",
                         "median_days": "median_hari"}),
}


def table_rows(dashboard: Dashboard, name: str) -> list[Any]:
    return list(getattr(dashboard, TABLES[name][1]))


def table_for_excel(rows: Sequence[Any], labels: dict[str, str], directory: Directory) -> bytes:
    """The same table for Excel on Indonesian settings: `;`, BOM, decimal comma, names instead of codes."""
    from review.charts import GROUP_NAMES
    from review.exports import excel_csv

    types = {t.id: t.name for t in directory.agency_types}
    names = {"group": GROUP_NAMES, "agency_type": types}
    out_rows = []
    for row in rows:
        present = {f.name for f in fields(row)}
        out_rows.append([names[k].get(getattr(row, k), getattr(row, k)) if k in names else getattr(row, k)
                         for k in labels if k in present])
    return excel_csv([label.replace("_", " ") for label in labels.values()], out_rows)


def table_csv(rows: Sequence[Any], labels: dict[str, str]) -> str:
    """Rows of one dataclass as CSV, with the Indonesian column names of `labels`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(labels.values())
    for row in rows:
        names = {f.name for f in fields(row)}
        writer.writerow(["" if getattr(row, k) is None else getattr(row, k) for k in labels if k in names])
    return out.getvalue()
