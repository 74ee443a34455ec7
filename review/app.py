"""`create_app(services)`: the staff review app as one FastAPI application."""

from __future__ import annotations

import secrets

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.middleware.sessions import SessionMiddleware

from narahubung.services import Services
from review.auth import (
    LoginRequired,
    RoleRequired,
    current_user,
    login_redirect,
    role_refused,
)
from review.csrf import CsrfMiddleware
from review.deps import REVIEW_DIR
from review.errors import add_error_pages
from review.headers import SecurityHeadersMiddleware
from review.planner import refresh_planner_statistics
from review.search_index import ensure_search_index
from review.throttle import LoginThrottle

SESSION_COOKIE = "narahubung_sesi"
SESSION_MAX_AGE = 12 * 60 * 60  # one working day


def create_app(services: Services, *, secret_key: str | None = None, https_only: bool = False) -> FastAPI:
    """The app over `services`. `secret_key` signs the session and CSRF cookies (random if not given:
    sessions then end when the process does)."""
    secret = secret_key or secrets.token_urlsafe(32)
    app = FastAPI(title="Narahubung — tinjauan staf", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.services = services
    app.state.login_throttle = LoginThrottle()
    engine = services.factory.kw["bind"]
    app.state.search_index = ensure_search_index(engine)
    refresh_planner_statistics(engine)

    # middleware added last runs first: CSRF is checked before the session is even read
    app.add_middleware(SessionMiddleware, secret_key=secret, session_cookie=SESSION_COOKIE,
                       max_age=SESSION_MAX_AGE, same_site="lax", https_only=https_only)
    app.add_middleware(CsrfMiddleware, signing_secret=secret, cookie_secure=https_only)
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: also on CSRF refusals
    app.add_exception_handler(LoginRequired, login_redirect)
    app.add_exception_handler(RoleRequired, role_refused)
    add_error_pages(app)
    app.mount("/static", StaticFiles(directory=str(REVIEW_DIR / "static")), name="static")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> Response:
        with services.factory() as session:
            session.execute(text("SELECT 1"))
        return JSONResponse({"status": "ok"})

    @app.get("/", include_in_schema=False, dependencies=[Depends(current_user)])
    def home() -> Response:
        return RedirectResponse("/antrean", status_code=303)

    from review import routes_attachments, routes_auth, routes_case, routes_queue, routes_users, routes_work

    app.include_router(routes_auth.router)
    app.include_router(routes_queue.router)
    app.include_router(routes_attachments.router)
    app.include_router(routes_work.router)
    app.include_router(routes_case.router)
    app.include_router(routes_users.router)

    # --- routers of the dashboard engineer (issue 7 points 4 and 5) go here ---
    from review import routes_dashboard, routes_directory

    app.include_router(routes_directory.router)
    app.include_router(routes_dashboard.router)
    # --- end of the dashboard engineer's routers ---

    return app
