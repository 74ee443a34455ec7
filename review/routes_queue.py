"""The queue: cases waiting for staff, oldest first, with filters and keyset pages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from review.auth import CurrentUser
from review.deps import DbSession, ServicesDep, render
from review.labels import Names
from review.queue import ALL, BANDS, NOBODY, STATUSES, CursorInvalid, QueueFilters, find_reference, queue_page
from review.work import saved_filters, staff_names

router = APIRouter()
QUEUE_FLASH = "flash_antrean"


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value[:200] or None


def _date(value: str | None, problems: list[str], label: str) -> date | None:
    value = _text(value)
    if value is None:
        return None
    try:
        if "/" in value:  # as staff type it: dd/mm/yyyy
            day, month, year = (int(part) for part in value.split("/"))
            return date(year, month, day)
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"Tanggal {label} '{value}' tidak sah (pakai hh/bb/tttt, misalnya 31/12/2026); diabaikan.")
        return None


def filters_from(request: Request, problems: list[str], username: str = "") -> QueueFilters:
    params = request.query_params
    status = _text(params.get("status")) or "needs_review"
    if status not in STATUSES and status != ALL:
        problems.append(f"Status '{status}' tidak dikenal; menampilkan yang perlu ditinjau.")
        status = "needs_review"
    band = _text(params.get("band"))
    if band and band not in BANDS and band != "kosong":
        problems.append(f"Rentang keyakinan '{band}' tidak dikenal; diabaikan.")
        band = None
    return QueueFilters(
        status=status,
        kind=_text(params.get("kind")),
        agency_type=_text(params.get("agency_type")),
        unit_id=_text(params.get("unit")),
        region=_text(params.get("region")),
        malad_type=_text(params.get("type")),
        band=band,
        received_from=_date(params.get("from"), problems, "dari"),
        received_to=_date(params.get("to"), problems, "sampai"),
        q=_text(params.get("q")),
        assignee=username if _text(params.get("oleh")) == "saya" else _text(params.get("oleh")),
        overdue=params.get("terlambat") == "1",
    )


@router.get("/antrean")
def queue(request: Request, user: CurrentUser, session: DbSession, services: ServicesDep,
          after: str | None = None, before: str | None = None) -> Response:
    problems: list[str] = []
    filters = filters_from(request, problems, user.username)
    if not after and not before:
        found = find_reference(session, filters.q)
        if found is not None:  # a reference typed in the search box opens its case
            return RedirectResponse(f"/kasus/{found}", status_code=303)
    indexed = request.app.state.search_index
    try:
        page = queue_page(session, services.directory, filters, after=after, before=before, search_index=indexed)
    except CursorInvalid as exc:
        problems.append(str(exc))
        page = queue_page(session, services.directory, filters, search_index=indexed)
    problems += page.notes
    params = filters.query_params()
    return render(
        request, "queue.html",
        filters=filters, page=page, problems=problems, names=Names(services.directory),
        directory=services.directory, statuses=STATUSES, all_statuses=ALL, nobody=NOBODY,
        saved=saved_filters(session, user.username), staff=staff_names(session), now=datetime.now(UTC),
        current_query=urlencode(params), flash=request.session.pop(QUEUE_FLASH, None),
        everywhere_url=(f"/antrean?{urlencode({**params, 'status': ALL})}"
                        if filters.q and filters.status != ALL and not page.rows else None),
        next_url=f"/antrean?{urlencode({**params, 'after': page.next_cursor})}" if page.next_cursor else None,
        prev_url=f"/antrean?{urlencode({**params, 'before': page.prev_cursor})}" if page.prev_cursor else None,
        first_url=f"/antrean?{urlencode(params)}",
    )
