"""CSRF protection for every form: asgi-csrf's double-submit cookie, checked before any route runs.

Every non-GET request carrying cookies must send the `csrftoken` form field (or `x-csrftoken` header)
matching the signed `csrftoken` cookie, else it gets a 403 and never reaches the app. Templates put the
field in with `{{ csrf_input() }}`.
"""

from __future__ import annotations

from typing import Any

from asgi_csrf import asgi_csrf
from jinja2 import pass_context
from markupsafe import Markup, escape
from starlette.types import ASGIApp, Receive, Scope, Send

FORM_FIELD = "csrftoken"
# login is protected even before the browser holds any cookie (login CSRF)
ALWAYS_PROTECT = {"/login"}

_REFUSED = (
    b"<!doctype html><meta charset=utf-8><title>Ditolak</title>"
    b"<h1>Permintaan ditolak (403)</h1><p>Token keamanan formulir tidak ada atau tidak cocok. "
    b"Muat ulang halaman lalu coba lagi.</p><p><a href=\"/\">Kembali</a></p>"
)


async def _send_refused(scope: Scope, send: Send, message_id: Any) -> None:
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"text/html; charset=utf-8")]})
    await send({"type": "http.response.body", "body": _REFUSED})


class CsrfMiddleware:
    """asgi-csrf as a Starlette middleware class (so `create_app` can still return the FastAPI app)."""

    def __init__(self, app: ASGIApp, *, signing_secret: str, cookie_secure: bool = False) -> None:
        self._app = asgi_csrf(
            app,
            signing_secret=signing_secret,
            always_protect=ALWAYS_PROTECT,
            cookie_secure=cookie_secure,
            send_csrf_failed=_send_refused,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _multipart_without_header(scope):
            # asgi-csrf reads a multipart body's token with a python-multipart API that no longer exists
            # (simonw/asgi-csrf#38), so an upload must carry the token in the x-csrftoken header (as
            # review/static/directory.js sends it); without it the request is refused here.
            await _send_refused(scope, send, None)
            return
        await self._app(scope, receive, send)


def _multipart_without_header(scope: Scope) -> bool:
    if scope.get("method", "GET") in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return False
    headers = dict(scope.get("headers") or [])
    content_type = headers.get(b"content-type", b"").lower()
    return content_type.startswith(b"multipart/form-data") and b"x-csrftoken" not in headers


def csrf_token(scope: Scope) -> str:
    return str(scope["csrftoken"]())


@pass_context
def csrf_input(context: Any) -> Markup:
    """The hidden form field; call it inside every <form method="post">, before any file input."""
    token = csrf_token(context["request"].scope)
    return Markup(f'<input type="hidden" name="{FORM_FIELD}" value="{escape(token)}">')
