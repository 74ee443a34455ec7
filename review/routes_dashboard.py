"""The dashboard for the focal-point meetings: charts (SVG) and tables of a period, each table also as CSV."""

from __future__ import annotations

import base64
from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from review import charts
from review.auth import CurrentUser
from review.dashboard import TABLES, WIB, Dashboard, Period, build_dashboard, table_csv, table_for_excel, table_rows
from review.deps import DbSession, ServicesDep, render

router = APIRouter(prefix="/dasbor")
DEFAULT_WEEKS = 12
MAX_DAYS = 3 * 366


def office_date(value: str) -> date:
    """A date as staff type it (dd/mm/yyyy) or as links carry it (yyyy-mm-dd); ValueError otherwise."""
    value = value.strip()
    if "/" in value:
        day, month, year = (int(part) for part in value.split("/"))
        return date(year, month, day)
    return date.fromisoformat(value)


def _period(dari: str | None, sampai: str | None, today: date, problems: list[str]) -> Period:
    default = Period.last_weeks(DEFAULT_WEEKS, today)
    try:
        start = office_date(dari) if dari else default.start
        end = office_date(sampai) if sampai else default.end
    except ValueError:
        problems.append("Tanggal tidak sah (pakai hh/bb/tttt, misalnya 31/12/2026); menampilkan 12 minggu terakhir.")
        return default
    if end < start:
        problems.append("Tanggal akhir sebelum tanggal awal; keduanya ditukar.")
        start, end = end, start
    if (end - start).days > MAX_DAYS:
        problems.append("Periode paling panjang 3 tahun; dipotong.")
        start = end - timedelta(days=MAX_DAYS)
    return Period(start, end)


def _dashboard(session: DbSession, services: ServicesDep, dari: str | None, sampai: str | None,
               problems: list[str]) -> Dashboard:
    now = services.clock()
    period = _period(dari, sampai, now.astimezone(WIB).date(), problems)
    return build_dashboard(session, services.directory, period, now)


def _query(period: Period) -> str:
    return f"dari={period.start.isoformat()}&sampai={period.end.isoformat()}"


@router.get("")
def dashboard_page(request: Request, user: CurrentUser, session: DbSession, services: ServicesDep,
                   dari: str | None = None, sampai: str | None = None) -> Response:
    problems: list[str] = []
    dashboard = _dashboard(session, services, dari, sampai, problems)
    images = {
        name: "data:image/svg+xml;base64," + base64.b64encode(charts.to_svg(make(dashboard)).encode()).decode()
        for name, (_title, make) in charts.CHARTS.items()
    }
    return render(
        request, "dashboard.html",
        d=dashboard, images=images, chart_titles={k: v[0] for k, v in charts.CHARTS.items()},
        tables={name: (title, table_rows(dashboard, name), labels) for name, (title, _a, labels) in TABLES.items()},
        query=_query(dashboard.period), problems=problems, group_names=charts.GROUP_NAMES,
    )


@router.get("/{name}.csv")
def table_download(name: str, user: CurrentUser, session: DbSession, services: ServicesDep,
                   dari: str | None = None, sampai: str | None = None, excel: str = "") -> Response:
    if name not in TABLES:
        return Response("Tabel tidak dikenal.", status_code=404, media_type="text/plain; charset=utf-8")
    dashboard = _dashboard(session, services, dari, sampai, [])
    _title, _attr, labels = TABLES[name]
    filename = f"dasbor-{name}-{dashboard.period.start.isoformat()}-{dashboard.period.end.isoformat()}.csv"
    if excel:  # for Excel on Indonesian settings: `;`, a BOM, names instead of codes
        body: str | bytes = table_for_excel(table_rows(dashboard, name), labels, services.directory)
        filename = filename.replace(".csv", "-excel.csv")
    else:
        body = table_csv(table_rows(dashboard, name), labels)
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/grafik/{name}.{fmt}")
def chart_download(name: str, fmt: str, user: CurrentUser, session: DbSession, services: ServicesDep,
                   dari: str | None = None, sampai: str | None = None) -> Response:
    if name not in charts.CHARTS or fmt not in ("svg", "png"):
        return Response("Grafik tidak dikenal.", status_code=404, media_type="text/plain; charset=utf-8")
    dashboard = _dashboard(session, services, dari, sampai, [])
    figure = charts.CHARTS[name][1](dashboard)
    if fmt == "svg":
        return Response(charts.to_svg(figure), media_type="image/svg+xml")
    return Response(charts.to_png(figure), media_type="image/png")
