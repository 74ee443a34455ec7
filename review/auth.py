"""Who may see what: `current_user` (anonymous → /login) and `require_role(...)`.

    @router.get("/x")
    def x(user: CurrentUser): ...
    @router.post("/y", dependencies=[Depends(require_role("supervisor"))])

The session cookie (Starlette's SessionMiddleware: signed, HttpOnly, SameSite=Lax) holds only the user id;
the account is read again on every request, so a deactivated user is out at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from review.deps import get_services, render
from storage.accounts import ROLE_RANK, StaffUser, load_user

SESSION_USER_KEY = "uid"


class LoginRequired(Exception):
    """Raised by `current_user` for an anonymous request; answered with a redirect to /login."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class RoleRequired(Exception):
    def __init__(self, role: str) -> None:
        self.role = role


def current_user(request: Request) -> StaffUser:
    user_id = request.session.get(SESSION_USER_KEY)
    user = None
    if isinstance(user_id, int):
        with get_services(request).factory() as session:
            user = load_user(session, user_id)
    if user is None:
        request.session.clear()
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    request.state.user = user
    return user


CurrentUser = Annotated[StaffUser, Depends(current_user)]


def require_role(role: str) -> Callable[[StaffUser], StaffUser]:
    if role not in ROLE_RANK:
        raise ValueError(f"unknown role {role!r}")

    def dependency(user: CurrentUser) -> StaffUser:
        if not user.has_role(role):
            raise RoleRequired(role)
        return user

    return dependency


def sign_in(request: Request, user: StaffUser) -> None:
    request.session.clear()  # a fresh session at login (no fixation)
    request.session[SESSION_USER_KEY] = user.id


def sign_out(request: Request) -> None:
    request.session.clear()


def login_redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    if request.method != "GET":
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(f"/login?next={quote(exc.next_url, safe='/')}", status_code=303)


def role_refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RoleRequired)
    return render(request, "error.html", status_code=403, title="Tidak diizinkan",
                  message=f"Halaman ini hanya untuk peran {exc.role} ke atas.")
