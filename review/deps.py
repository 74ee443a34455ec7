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
from jinja2 import pass_context
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from narahubung.services import Services
from review.csrf import csrf_input
from review.i18n import current_language, language_switch, translate
from review.labels import STATUS_NAMES, event_name, method_name, reason_text

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
templates.env.filters["event"] = event_name
templates.env.filters["method"] = method_name
templates.env.filters["reason"] = reason_text
templates.env.filters["status_name"] = _label(STATUS_NAMES)
templates.env.filters["percent"] = _percent


def unit_options(directory: Any, selected: str | None, placeholder: str) -> Markup:
    """<option>s of every unit, grouped by agency type (<optgroup>), for a unit picker."""
    names = {t.id: t.name for t in directory.agency_types}
    groups: dict[str, list[Any]] = {}
    for unit in directory.units:
        groups.setdefault(unit.type, []).append(unit)
    parts = [Markup('<option value=""{}>{}</option>').format(Markup("") if selected else Markup(" selected"),
                                                               placeholder)]
    for type_id, units in groups.items():
        parts.append(Markup('<optgroup label="{}">').format(names.get(type_id, type_id)))
        parts += [Markup('<option value="{}"{}>{}</option>').format(u.id, Markup(" selected") if u.id == selected else "",
                                                                   u.name) for u in units]
        parts.append(Markup("</optgroup>"))
    return Markup("").join(parts)


templates.env.globals["unit_options"] = unit_options


@pass_context
def _case_work(context: Any, case_id: int) -> Any:
    """Who handles the case and who may (for the case page), read in a session of its own."""
    from review.work import case_work

    with context["request"].app.state.services.factory() as session:
        return case_work(session, case_id)


templates.env.globals["case_work"] = _case_work


@pass_context
def _case_actions(context: Any, case: Any) -> tuple[str, ...]:
    """The actions that fit the case's kind and status, the one its decision implies first (routing.staff)."""
    from routing.staff import actions_for

    return actions_for(case)


@pass_context
def _case_answer(context: Any, case_id: int) -> Any:
    """The reply or referral draft staff edit on the case page, or None."""
    from core.errors import NarahubungError
    from review.actions import answer_of

    try:
        return answer_of(context["request"].app.state.services, case_id)
    except NarahubungError:
        return None


@pass_context
def _health_notices(context: Any) -> list[Any]:
    """A mailbox or SMTP failing in a way a person must fix (review.health): the banner of every page."""
    from review.health import mailbox_notices

    if context.get("user") is None:
        return []
    services = context["request"].app.state.services
    try:
        with services.factory() as session:
            return mailbox_notices(session, services.settings)
    except SQLAlchemyError:  # the error page of a database in trouble must still render
        return []


@pass_context
def _sender_down(context: Any) -> Any:
    """Letters wait in the outbox and no sender (`run`, a worker) is alive: the queue's and case page's warning."""
    from review.health import sender_down_notice

    with context["request"].app.state.services.factory() as session:
        return sender_down_notice(session)


templates.env.globals["health_notices"] = _health_notices
templates.env.globals["sender_down"] = _sender_down
templates.env.globals["case_actions"] = _case_actions
templates.env.globals["case_answer"] = _case_answer
templates.env.globals["image_types"] = ("image/jpeg", "image/png", "image/tiff", "image/jpg", "image/pjpeg")


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
