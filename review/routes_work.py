"""Working together: assignment, presence, saved filters, bulk actions on the queue, the audit log page."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from core.errors import NarahubungError
from review import actions
from review.auth import CurrentUser, require_role
from review.deps import DbSession, ServicesDep, render
from review.digest import send_digest
from review.routes_queue import QUEUE_FLASH
from review.work import (
    AUDIT_KINDS,
    AssignRefused,
    Presence,
    assign,
    audit_page,
    delete_filter,
    save_filter,
    staff_names,
)
from storage import repository as repo
from storage.accounts import StaffUser
from storage.models import Case, DigestSubscription

router = APIRouter()
Admin = Annotated[StaffUser, Depends(require_role("admin"))]
CASE_FLASH = "flash"  # the case page's (review.routes_case)
MAX_BULK = 200
ACCOUNT_FLASH = "flash_akun"
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _presence(request: Request) -> Presence:
    state = request.app.state
    if not hasattr(state, "presence"):
        state.presence = Presence()
    return state.presence


def _see(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def _queue_back(request: Request, message: str, ok: bool, query: str) -> Response:
    request.session[QUEUE_FLASH] = {"message": message, "ok": ok}
    return _see(f"/antrean?{query}" if query else "/antrean")


@router.post("/kasus/{case_id}/tugaskan")
def assign_case(case_id: int, request: Request, user: CurrentUser, session: DbSession,
                kepada: Annotated[str, Form()] = "") -> Response:
    target = user.username if kepada == "saya" else (kepada.strip() or None)
    case = session.get(Case, case_id)
    if case is None:
        return render(request, "error.html", status_code=404, title="Kasus tidak ditemukan",
                      message=f"Tidak ada kasus dengan nomor urut {case_id}.")
    try:
        changed = assign(session, [case_id], target, actor=user.username)
        session.commit()
    except AssignRefused as exc:
        request.session[CASE_FLASH] = {"message": str(exc), "ok": False}
        return _see(f"/kasus/{case_id}")
    if changed:
        message = (f"Kasus {case.reference} kini ditangani oleh {target}." if target
                   else f"Kasus {case.reference} tidak lagi ditugaskan kepada siapa pun.")
    else:
        message = "Tidak ada yang berubah."
    request.session[CASE_FLASH] = {"message": message, "ok": True}
    return _see(f"/kasus/{case_id}")


@router.get("/kasus/{case_id}/hadir")
def present(case_id: int, request: Request, user: CurrentUser) -> Response:
    """The page reports that this user has the case open; the answer names the others who have it open."""
    return JSONResponse({"others": _presence(request).seen(case_id, user.username)},
                        headers={"Cache-Control": "no-store"})


@router.post("/antrean/filter")
def save_queue_filter(request: Request, user: CurrentUser, session: DbSession,
                      nama: Annotated[str, Form()] = "", query: Annotated[str, Form()] = "") -> Response:
    try:
        row = save_filter(session, user.username, nama, query)
        session.commit()
    except AssignRefused as exc:
        return _queue_back(request, str(exc), False, query)
    return _queue_back(request, f"Filter “{row.name}” disimpan.", True, row.query)


@router.post("/antrean/filter/{filter_id}/hapus")
def delete_queue_filter(filter_id: int, request: Request, user: CurrentUser, session: DbSession) -> Response:
    gone = delete_filter(session, user.username, filter_id)
    session.commit()
    return _queue_back(request, "Filter dihapus." if gone else "Filter itu tidak ada.", gone, "")


@router.post("/antrean/massal")
def bulk(request: Request, user: CurrentUser, session: DbSession, services: ServicesDep,
         tindakan: Annotated[str, Form()] = "",
         kasus: Annotated[list[int], Form()] = [],  # noqa: B006 (FastAPI reads the default, never mutates it)
         kepada: Annotated[str, Form()] = "", query: Annotated[str, Form()] = "") -> Response:
    chosen = list(dict.fromkeys(kasus))[:MAX_BULK]
    if not chosen:
        return _queue_back(request, "Pilih dulu kasusnya (kotak centang di tiap baris).", False, query)
    if tindakan == "tugaskan":
        target = user.username if kepada == "saya" else (kepada.strip() or None)
        try:
            changed = assign(session, chosen, target, actor=user.username)
            session.commit()
        except AssignRefused as exc:
            return _queue_back(request, str(exc), False, query)
        who = target or "tidak seorang pun"
        return _queue_back(request, f"{changed} kasus kini ditangani oleh {who}.", True, query)
    if tindakan == "spam":
        session.close()
        done, refused = 0, []
        for case_id in chosen:
            correction = actions.Correction("spam", None)
            try:
                actions.label_case(services, case_id, correction, actor=user.username)
                done += 1
            except NarahubungError as exc:
                refused.append(exc.message)
        message = f"{done} kasus diarsipkan sebagai spam."
        if refused:
            message += f" {len(refused)} tidak: {refused[0]}"
        return _queue_back(request, message, not refused, query)
    return _queue_back(request, "Pilih tindakan massal.", False, query)


@router.get("/audit")
def audit_log(request: Request, user: Admin, session: DbSession, jenis: str = "", oleh: str = "",
              sebelum: int | None = None) -> Response:
    kind = jenis if jenis in AUDIT_KINDS else None
    page = audit_page(session, kind=kind, actor=oleh.strip()[:64] or None, before=sebelum)
    params: dict[str, Any] = {k: v for k, v in (("jenis", kind), ("oleh", oleh.strip())) if v}
    older = f"/audit?{urlencode({**params, 'sebelum': page.older})}" if page.older else None
    return render(request, "audit.html", page=page, kinds=AUDIT_KINDS, kind=kind, actor=oleh.strip(),
                  staff=staff_names(session), older_url=older, first_url=f"/audit?{urlencode(params)}")


# --- the account page: the daily digest (opt-in) ----------------------------------------------------


@router.get("/akun")
def account(request: Request, user: CurrentUser, session: DbSession) -> Response:
    subscription = session.get(DigestSubscription, user.username)
    return render(request, "account.html", subscription=subscription, flash=request.session.pop(ACCOUNT_FLASH, None))


@router.post("/akun/ringkasan")
def digest_subscribe(request: Request, user: CurrentUser, session: DbSession,
                     surel: Annotated[str, Form()] = "", langganan: Annotated[str, Form()] = "") -> Response:
    row = session.get(DigestSubscription, user.username)
    address = surel.strip()
    if langganan != "1":
        if row is not None:
            session.delete(row)
        message = "Anda tidak lagi menerima ringkasan harian."
    elif not EMAIL.fullmatch(address):
        request.session[ACCOUNT_FLASH] = {"message": "Alamat surel tidak sah.", "ok": False}
        return _see("/akun")
    else:
        if row is None:
            session.add(DigestSubscription(username=user.username, email=address))
        else:
            row.email = address
        message = f"Ringkasan harian akan dikirim ke {address} setiap pagi."
    repo.audit(session, "user", user.username, "digest_changed", actor=user.username,
               detail={"on": langganan == "1"})
    session.commit()
    request.session[ACCOUNT_FLASH] = {"message": message, "ok": True}
    return _see("/akun")


@router.post("/akun/ringkasan/kirim")
def digest_now(request: Request, user: CurrentUser, services: ServicesDep) -> Response:
    base = f"{request.url.scheme}://{request.url.netloc}"
    try:
        sent = send_digest(services, user.username, app_url=base, force=True)
        message, ok = ("Ringkasan dikirim." if sent else "Berlangganan dulu untuk menerima ringkasan."), sent
    except NarahubungError as exc:
        message, ok = exc.message, False
    request.session[ACCOUNT_FLASH] = {"message": message, "ok": ok}
    return _see("/akun")
