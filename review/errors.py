"""Error pages as pages of the app, in Indonesian: an unknown address, a malformed one, a crash.

FastAPI would answer `{"detail": "Not Found"}`; staff get the app's page with one sentence and a way back.
A crash is logged with its traceback and shown as one sentence, never as the traceback.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from review.deps import render

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Permintaan tidak sah", "Permintaan ini tidak dapat diproses; periksa isian atau alamatnya."),
    403: ("Tidak diizinkan", "Anda tidak diizinkan membuka halaman ini."),
    404: ("Halaman tidak ditemukan", "Alamat ini tidak ada di aplikasi; periksa tautannya atau kembali ke antrean."),
    405: ("Cara membuka tidak sah", "Halaman ini tidak dapat dibuka dengan cara itu; kembali ke antrean."),
    500: ("Terjadi kesalahan", "Terjadi kesalahan di server; sudah dicatat. Coba lagi, atau hubungi admin."),
}


def error_page(request: Request, status: int) -> Response:
    title, message = MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
    return render(request, "error.html", status_code=status, title=title, message=message)


def add_error_pages(app: FastAPI) -> None:
    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        answer = error_page(request, status)
        if isinstance(exc, HTTPException) and exc.headers:
            answer.headers.update(exc.headers)
        return answer

    async def invalid(request: Request, exc: Exception) -> Response:
        # a path parameter of the wrong shape (/kasus/abc) is an address that does not exist
        return error_page(request, 404 if request.method == "GET" else 400)

    async def crashed(request: Request, exc: Exception) -> Response:
        log.exception("kesalahan tak terduga pada %s %s", request.method, request.url.path, exc_info=exc)
        return error_page(request, 500)

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(Exception, crashed)
