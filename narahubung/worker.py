"""`narahubung worker`: the stages of `narahubung run` as procrastinate jobs, for many processes on PostgreSQL.

The embedded default (`narahubung run`, one process, SQLite or PostgreSQL) is untouched; both call the same
stage functions (`narahubung.tasks` says which). Start K workers on one or more machines against the same
database and the same blob folder (shared storage); `narahubung db upgrade` has created procrastinate's
tables in the schema `procrastinate` (migration 0011).

Queues (`--queues`, default all): `fetch` keeps each mailbox folder (one lock per folder, IDLE while it holds
it) and scans the drop folder; `process` reads, classifies and routes one stored message; `ocr` the same for a
message with scans, images or PDFs (so machines for OCR can be added alone); `deliver` sends the outbox, a job
per message's letters (several at once across workers), and puts triage marks on the office mailbox; `upkeep` sends due
reminders, sweeps pending messages and retries the jobs of a worker that died (no heartbeat for
`stalled_after_s`). At least one worker must take `upkeep`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from core.errors import SettingsInvalid

if TYPE_CHECKING:  # the command line imports this module for its options: the stages load when a worker starts
    from core.settings import Settings
    from narahubung.intake import FolderRef
    from narahubung.services import Services

log = logging.getLogger("narahubung.worker")

FETCH, PROCESS, OCR, DELIVER, UPKEEP = "fetch", "process", "ocr", "deliver", "upkeep"
QUEUES = (FETCH, PROCESS, OCR, DELIVER, UPKEEP)
SCHEMA = "procrastinate"  # procrastinate's tables live in their own PostgreSQL schema (migration 0011)
CORES = len(os.sched_getaffinity(0)) or 1  # the cores this process may use (taskset and cpusets included)


@dataclass(frozen=True)
class WorkerOptions:
    queues: tuple[str, ...] = QUEUES
    # jobs of the non-fetch queues at once in this process (OCR runs in subprocesses): one per core, so that one
    # worker keeps its machine busy while a job waits for the database, the SMTP server or Tesseract
    concurrency: int = CORES
    stalled_after_s: float = 30.0  # a worker silent this long is dead: its jobs (and their locks) go to others
    fetch_hold_s: float = 50.0  # how long one fetch job keeps its folder (in IDLE) before the next job
    fetch_every_s: int = 10  # a fetch job per folder is queued this often (at most one waits per folder)
    sweep_every_s: int = 15  # pending messages without a job (a worker died between commit and defer)

    @property
    def heartbeat_s(self) -> float:
        return max(self.stalled_after_s / 3, 0.5)


@dataclass
class JobTimes:
    """Jobs run by this process and the seconds they took, per task: logged when the worker stops."""

    count: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    async def middleware(self, call_next: Callable[[], Any], context: Any, _worker: Any) -> Any:
        started = time.perf_counter()
        try:
            return await call_next()
        finally:
            name = context.job.task_name.rsplit(".", 1)[-1]
            self.count[name] = self.count.get(name, 0) + 1
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

    def summary(self) -> str:
        return ", ".join(f"{name} {n} × {1000 * self.seconds[name] / n:.0f} ms"
                         for name, n in sorted(self.count.items(), key=lambda item: -self.seconds[item[0]]))


@dataclass
class Runtime:
    """What every job of this process shares (procrastinate hands it over as additional context)."""

    services: Services
    options: WorkerOptions
    stopping: threading.Event = field(default_factory=threading.Event)
    times: JobTimes = field(default_factory=JobTimes)
    _folders: list[FolderRef] | None = None

    def folders(self) -> list[FolderRef]:
        """Built once: an account keeps its OAuth2 token between jobs."""
        if self._folders is None:
            from narahubung.intake import folders

            self._folders = list(folders(self.services))
        return self._folders

    def folder(self, mailbox: str, folder: str) -> FolderRef | None:
        return next((ref for ref in self.folders()
                     if ref.account.settings.name == mailbox and ref.folder == folder), None)


def require_postgresql(settings: Settings) -> str:
    from storage.db import check_url

    url = settings.resolved_database_url
    if check_url(url).get_backend_name() != "postgresql":
        raise SettingsInvalid(
            "Pekerja antrean hanya berjalan dengan PostgreSQL (NARAHUBUNG_DATABASE_URL=postgresql+psycopg://…); "
            "untuk satu kantor dengan SQLite pakai `narahubung run`."
        )
    return url


def conninfo(url: str) -> str:
    """The libpq form of a SQLAlchemy URL (postgresql+psycopg://… → postgresql://…)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def make_connector(url: str, pool_size: int) -> Any:
    from procrastinate import PsycopgConnector

    return PsycopgConnector(conninfo=conninfo(url), kwargs={"options": f"-c search_path={SCHEMA}"},
                            min_size=1, max_size=pool_size)


def build_worker_services(settings: Settings) -> Services:
    """Services as `run` builds them, without migrating (`db upgrade` does that, once, before the workers)."""
    from sqlalchemy.exc import IntegrityError

    from narahubung.services import build_services
    from storage.db import open_database

    url = require_postgresql(settings)
    open_database(url, migrate=False).engine.dispose()  # an outdated schema: one sentence naming `db upgrade`
    for attempt in (1, 2, 3):
        try:
            return build_services(settings, migrate=False)
        except IntegrityError:  # workers started together on an empty database all seed the directory
            if attempt == 3:
                raise
            time.sleep(0.5 * attempt)
    raise AssertionError("unreachable")


def run_worker(settings: Settings, options: WorkerOptions, on_ready: Callable[[Runtime], None] | None = None) -> None:
    """Run until SIGTERM or Ctrl-C; jobs that are running are finished (a fetch job lets its folder go)."""
    unknown = sorted(set(options.queues) - set(QUEUES))
    if unknown or not options.queues:
        raise SettingsInvalid(f"Antrean tidak dikenal: {', '.join(unknown) or '(kosong)'}; pilih dari {', '.join(QUEUES)}.")
    runtime = Runtime(build_worker_services(settings), options)
    warm_up()
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        logging.getLogger("procrastinate").setLevel(logging.WARNING)  # a line per job otherwise
    asyncio.run(_serve(runtime, on_ready))


def warm_up() -> None:
    """What the first message would otherwise load inside its job (the language model takes about a second)."""
    from ingest.extract.language import load_model

    load_model()


async def _serve(runtime: Runtime, on_ready: Callable[[Runtime], None] | None) -> None:
    from procrastinate.worker import Worker

    from narahubung import tasks

    options = runtime.options
    url = runtime.services.settings.resolved_database_url
    sources = len(runtime.folders()) + (1 if runtime.services.settings.drop_dir else 0)
    others = [q for q in options.queues if q != FETCH]
    split_ocr = OCR in others and len(others) > 1
    slots = options.concurrency * (2 if split_ocr else 1)
    with tasks.app.replace_connector(make_connector(url, pool_size=slots + sources + 4)) as app:
        async with app.open_async():
            tasks.register_periodic(app, runtime)
            common: dict[str, Any] = {
                "additional_context": {"runtime": runtime}, "install_signal_handlers": False,
                "delete_jobs": "successful", "shutdown_graceful_timeout": 30,
                "update_heartbeat_interval": options.heartbeat_s, "stalled_worker_timeout": options.stalled_after_s,
                "worker_middleware": [runtime.times.middleware],
            }
            workers = []
            if FETCH in options.queues and sources:  # one slot per folder: a job may wait in IDLE for its hold
                workers.append(Worker(app, queues=[FETCH], concurrency=sources, name="fetch", **common))
            if split_ocr:  # Tesseract is a subprocess: while an OCR job waits for it, the jobs slot uses the CPU
                workers.append(Worker(app, queues=[OCR], concurrency=options.concurrency, name="ocr", **common))
                others.remove(OCR)
            if others:
                workers.append(Worker(app, queues=others, concurrency=options.concurrency, name="jobs", **common))
            loop = asyncio.get_running_loop()

            def stop() -> None:
                runtime.stopping.set()
                for worker in workers:
                    worker.stop()

            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop)
            running = [asyncio.create_task(worker.run()) for worker in workers]
            if on_ready is not None:
                loop.call_later(0.5, on_ready, runtime)
            try:
                await asyncio.gather(*running)
            finally:
                if runtime.times.count:
                    log.info("Pekerjaan yang selesai di proses ini: %s", runtime.times.summary())
                for sig in (signal.SIGTERM, signal.SIGINT):
                    loop.remove_signal_handler(sig)
