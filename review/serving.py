"""Serving the app: the secret that signs cookies (kept in the data folder) and a uvicorn server."""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path
from typing import Self

import uvicorn

from narahubung.services import Services
from review.app import create_app
from review.digest import DigestSender

SECRET_FILE = "review-secret.key"


def load_or_create_secret(data_dir: Path) -> str:
    """The signing key of session and CSRF cookies, created once (mode 0600) so logins survive a restart."""
    path = data_dir / SECRET_FILE
    if path.is_file():
        value = path.read_text(encoding="utf-8").strip()
        if len(value) >= 32:
            return value
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value


def make_server(services: Services, host: str = "127.0.0.1", port: int = 8000, *,
                log_level: str = "warning") -> uvicorn.Server:
    app = create_app(services, secret_key=load_or_create_secret(services.settings.data_dir))
    app.state.digests = DigestSender(services, f"http://{host}:{port}")
    app.state.digests.start()  # the daily digest of the staff who opted in (a daemon thread)
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False,
                            proxy_headers=False, server_header=False)
    return uvicorn.Server(config)


class BackgroundServer:
    """A uvicorn server in a thread (tests, the demo): `with BackgroundServer(server): ...`."""

    def __init__(self, server: uvicorn.Server) -> None:
        self.server = server
        self._thread = threading.Thread(target=server.run, name="review-app", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        for _ in range(500):
            if self.server.started:
                return self
            if not self._thread.is_alive():
                raise RuntimeError("aplikasi tinjauan gagal dijalankan (port terpakai?)")
            threading.Event().wait(0.01)
        raise RuntimeError("aplikasi tinjauan tidak siap dalam 5 detik")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)
