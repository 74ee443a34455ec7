"""FastAPI dependencies shared by every screen: services, a database session, rendering.

In a route:
    def page(request: Request, session: DbSession, user: CurrentUser): ...
`DbSession` is a plain Session from `services.factory`; a route that writes calls `session.commit()`
(or uses `with session.begin():`). It is closed after the response.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from narahubung.services import Services
from review.csrf import csrf_input
from review.i18n import current_language, language_switch, translate

REVIEW_DIR = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(REVIEW_DIR / "templates"))
templates.env.globals["csrf_input"] = csrf_input
templates.env.globals.update(t=translate, lang=current_language, language_switch=language_switch)
WIB = timezone(timedelta(hours=7))


def _wib(value: datetime | None, with_time: bool = True) -> str:
    """An instant as office time (WIB), e.g. 2026-11-23 08:15 WIB."""
    if value is None:
        return "—"
    local = value.astimezone(WIB)
    return local.strftime("%Y-%m-%d %H:%M WIB" if with_time else "%Y-%m-%d")


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


DELIVERY_STATES = {
    "pending": "menunggu dikirim",
    "sending": "sedang dikirim",
    "sent": "terkirim",
    "failed": "gagal",
    "unknown": "hasil tidak pasti (periksa sebelum kirim ulang)",
}
DELIVERY_PURPOSES = {
    "forward": "surat penerusan",
    "acknowledgement": "tanda terima",
    "referral": "surat rujukan",
    "reply": "balasan",
    "follow_up": "tindak lanjut",
    "reminder": "pengingat",
    "escalation": "eskalasi",
}


def _label(table: dict[str, str]):
    return lambda value: table.get(value, value)


templates.env.filters["delivery_state"] = _label(DELIVERY_STATES)
templates.env.filters["delivery_purpose"] = _label(DELIVERY_PURPOSES)
templates.env.filters["wib"] = _wib
templates.env.filters["percent"] = _percent


def get_services(request: Request) -> Services:
    return request.app.state.services


def db_session(request: Request) -> Iterator[Session]:
    with get_services(request).factory() as session:
        yield session


ServicesDep = Annotated[Services, Depends(get_services)]
DbSession = Annotated[Session, Depends(db_session)]


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page from review/templates with the signed-in user (if any) in its context as `user`."""
    context.setdefault("user", getattr(request.state, "user", None))
    return templates.TemplateResponse(request, template, context, status_code=status_code)
