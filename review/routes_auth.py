"""Login and logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from review.auth import CurrentUser, sign_in, sign_out
from review.deps import DbSession, render
from review.i18n import LANG_COOKIE, LANGUAGES
from review.throttle import LoginThrottle
from storage import repository as repo
from storage.accounts import authenticate

router = APIRouter()


def _safe_next(next_url: str | None) -> str:
    """Only a path on this site (never //host or a scheme): no open redirect."""
    if next_url and next_url.startswith("/") and not next_url.startswith("//") and "\\" not in next_url:
        return next_url
    return "/"


def _throttle(request: Request) -> LoginThrottle:
    return request.app.state.login_throttle


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", next=_safe_next(next), error=None, username="")


@router.post("/login")
def login(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    address = request.client.host if request.client else "-"
    throttle = _throttle(request)
    if throttle.blocked(username, address):
        return render(request, "login.html", status_code=429, next=_safe_next(next), username=username,
                      error="Terlalu banyak percobaan gagal. Coba lagi dalam 15 menit.")
    user = authenticate(session, username, password)
    if user is None:
        throttle.failed(username, address)
        repo.audit(session, "user", username.strip().lower()[:64], "login_failed", actor="anonymous",
                   detail={"address": address})
        session.commit()
        return render(request, "login.html", status_code=401, next=_safe_next(next), username=username,
                      error="Nama pengguna atau kata sandi salah.")
    throttle.succeeded(username, address)
    repo.audit(session, "user", user.username, "login", actor=user.username, detail={"address": address})
    session.commit()
    sign_in(request, user)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, user: CurrentUser) -> Response:
    sign_out(request)
    return RedirectResponse("/login", status_code=303)


@router.get("/bahasa")
def switch_language(ke: str = "id", next: str = "/") -> Response:
    """Remember the language of the pages (a cookie, nothing stored) and go back."""
    answer = RedirectResponse(_safe_next(next), status_code=303)
    answer.set_cookie(LANG_COOKIE, ke if ke in LANGUAGES else "id", max_age=365 * 24 * 3600, httponly=True,
                      samesite="lax")
    return answer
