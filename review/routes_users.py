"""The admin's account page (/pengguna): every account with its role, whether it is active and its last login;
add one, give one a new password, disable or enable it, change its role.

The changes are storage.accounts' (the same as `narahubung user …`), audited with the admin as actor; a change
it refuses (the last active admin, a short password) is shown as its sentence and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from review.auth import require_role
from review.deps import DbSession, render
from storage.accounts import (
    MIN_PASSWORD_LENGTH,
    AccountInvalid,
    StaffUser,
    create_user,
    list_users,
    set_active,
    set_password,
    set_role,
)
from storage.models import UserRole

router = APIRouter(prefix="/pengguna")
Admin = Annotated[StaffUser, Depends(require_role("admin"))]
FLASH = "flash_pengguna"
ROLE_NAMES = {UserRole.REVIEWER: "peninjau", UserRole.SUPERVISOR: "penyelia", UserRole.ADMIN: "admin"}


def _change(request: Request, session: Session, work: Callable[[], str]) -> Response:
    """One change in one transaction; its sentence (or the refusal's) is shown on the page."""
    try:
        message = work()
        session.commit()
        request.session[FLASH] = {"message": message, "ok": True}
    except AccountInvalid as exc:
        session.rollback()
        request.session[FLASH] = {"message": exc.message, "ok": False}
    return RedirectResponse("/pengguna", status_code=303)


@router.get("")
def users(request: Request, user: Admin, session: DbSession) -> Response:
    return render(request, "users.html", accounts=list_users(session), roles=ROLE_NAMES,
                  min_password=MIN_PASSWORD_LENGTH, flash=request.session.pop(FLASH, None))


@router.post("")
def add(request: Request, user: Admin, session: DbSession, nama: Annotated[str, Form()] = "",
        peran: Annotated[str, Form()] = UserRole.REVIEWER, sandi: Annotated[str, Form()] = "") -> Response:
    def work() -> str:
        added = create_user(session, nama, sandi, peran, actor=user.username)
        return f"Akun {added.username} ({ROLE_NAMES.get(added.role, added.role)}) ditambahkan."

    return _change(request, session, work)


@router.post("/{username}/sandi")
def password(username: str, request: Request, user: Admin, session: DbSession,
             sandi: Annotated[str, Form()] = "") -> Response:
    def work() -> str:
        changed = set_password(session, username, sandi, actor=user.username)
        return f"Kata sandi {changed.username} diganti."

    return _change(request, session, work)


@router.post("/{username}/aktif")
def active(username: str, request: Request, user: Admin, session: DbSession,
           aktif: Annotated[str, Form()] = "") -> Response:
    def work() -> str:
        changed = set_active(session, username, aktif == "1", actor=user.username)
        return f"Akun {changed.username} {'diaktifkan' if aktif == '1' else 'dinonaktifkan'}."

    return _change(request, session, work)


@router.post("/{username}/peran")
def role(username: str, request: Request, user: Admin, session: DbSession,
         peran: Annotated[str, Form()] = "") -> Response:
    def work() -> str:
        changed = set_role(session, username, peran, actor=user.username)
        return f"Peran {changed.username} kini {ROLE_NAMES.get(changed.role, changed.role)}."

    return _change(request, session, work)
