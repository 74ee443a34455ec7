"""The case page and the staff actions on it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from review.auth import CurrentUser
from review.deps import DbSession, ServicesDep, render
from review.labels import Names
from storage.models import Case

router = APIRouter()


@router.get("/kasus/{case_id}")
def case_page(case_id: int, request: Request, user: CurrentUser, session: DbSession, services: ServicesDep) -> Response:
    case = session.get(Case, case_id)
    if case is None:
        return render(request, "error.html", status_code=404, title="Kasus tidak ditemukan",
                      message=f"Tidak ada kasus dengan nomor urut {case_id}.")
    return render(request, "case.html", case=case, names=Names(services.directory))
