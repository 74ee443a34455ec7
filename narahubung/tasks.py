"""The jobs of `narahubung worker` (procrastinate), each a thin call of a stage function `narahubung run` uses.

| task | calls | queue | lock (one at a time in the whole deployment) |
|---|---|---|---|
| `fetch_folder` (periodic per folder) | `FolderWatcher` (IMAP sync + IDLE) | fetch | `imap:<mailbox>/<folder>` |
| `scan_drop_folder` (periodic) | `intake.drop_folder_once` | fetch | `drop-folder` |
| `process_message` | `pipeline.process_raw` | process or ocr | `raw:<id>` |
| `deliver_letters` | `pipeline.deliver_letters` (the outbox rows of one message) | deliver | each row's claim |
| `deliver_outbox` (periodic) | recovers rows of dead senders, `deliver_letters` jobs for the due rows | deliver | `outbox` |
| `apply_triage_marks` (also periodic) | `pipeline.apply_marks` | deliver | `triage-marks` |
| `tend` (periodic) | `pipeline.tend_cases` | upkeep | `tend` |
| `sweep` (periodic) | defers `process_message` for pending messages | upkeep | — |
| `retry_stalled_jobs` (periodic) | procrastinate's stalled-job API | upkeep | — |

Exactly once comes from storage, not from the queue: a message's row (mailbox, UIDVALIDITY, UID) is committed
before the server is marked, `process_raw` records a message only while it is still pending (row lock), and
an outbox row is `sending` and committed before the server is contacted. A job run twice (retried after its
worker died) finds its work done. Letters go out in parallel, a job per message's letters: a sender holds a row's
claim (`routing.claims`, a PostgreSQL advisory lock that dies with its connection) while it sends, so a row
left `sending` is taken as interrupted (its outcome unknown, for staff) only once its sender is gone.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterable
from contextlib import suppress
from typing import Any, cast

from procrastinate import App, JobContext, PsycopgConnector, RetryStrategy
from procrastinate.exceptions import AlreadyEnqueued, UniqueViolation
from procrastinate.jobs import Job, Status
from procrastinate.tasks import ConfigureTaskOptions
from procrastinate.types import JSONValue
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from ingest.dropfolder import DropFolder
from ingest.imap.watcher import FolderWatcher
from narahubung import pipeline
from narahubung.intake import drop_folder_once
from narahubung.worker import DELIVER, FETCH, OCR, PROCESS, SCHEMA, UPKEEP, Runtime
from routing.outbox import recover_interrupted
from storage import health
from storage import repository as repo
from storage.blobs import BlobStore
from storage.db import write_with_retry
from storage.message_store import DatabaseMessageStore
from storage.models import RawMessage, RawStatus

log = logging.getLogger("narahubung.tasks")

# The connector is replaced at worker start (`worker._serve`), when the database URL is known.
app = App(connector=PsycopgConnector(), import_paths=["narahubung.tasks"])

TRANSIENT = RetryStrategy(max_attempts=3, exponential_wait=2)  # a lost database connection, a deadlock
_SCANNED = re.compile(rb"(?im)^content-type:\s*(image/|application/pdf)")


def _runtime(context: JobContext) -> Runtime:
    runtime: Runtime = context.additional_context["runtime"]
    return runtime


# --- fetching -----------------------------------------------------------------------------------


class DispatchingStore(DatabaseMessageStore):
    """The message store `run` uses; each new message gets its job as soon as its batch is committed (a big
    sync keeps workers busy from its first batch on, not from its last)."""

    def __init__(self, factory: sessionmaker[Session], blobs: BlobStore) -> None:
        super().__init__(factory, blobs)
        self.stored = 0

    def store(self, items: list[repo.IncomingRaw]) -> int:
        rows = write_with_retry(self.factory, lambda session: repo.store_raws(session, self.blobs, items))
        new = [(row.id, queue_for(row.source, item.data))
               for item, row in zip(items, rows) if row.status == RawStatus.PENDING]
        self.stored += len(new)
        dispatch(new)
        return sum(1 for row in rows if row.status == RawStatus.DUPLICATE)


def queue_for(source: str, data: bytes) -> str:
    """Scanned letters and messages carrying images or PDFs may need Tesseract: the OCR queue."""
    return OCR if source == "letter" or _SCANNED.search(data) else PROCESS


@app.task(queue=FETCH, pass_context=True)
def fetch_folder(context: JobContext, timestamp: int, mailbox: str, folder: str) -> int:
    """Keep one folder for `fetch_hold_s`: sync, then IDLE (or poll) and sync on news; each new message
    gets its job at once. Another worker takes the folder with the next job (the lock is per folder)."""
    runtime = _runtime(context)
    ref = runtime.folder(mailbox, folder)
    if ref is None:  # the settings changed since this job was queued
        log.warning("Kotak surat %s folder %s tidak ada dalam pengaturan pekerja ini", mailbox, folder)
        return 0
    services = runtime.services
    store = DispatchingStore(services.factory, services.blobs)
    stop = threading.Event()
    watcher = FolderWatcher(ref.account, ref.folder, store, stop, poll_interval=services.settings.poll_interval)
    guard = threading.Thread(target=_release_after, args=(context, runtime, stop), daemon=True)
    guard.start()
    watcher.run()
    guard.join()
    return store.stored


def _release_after(context: JobContext, runtime: Runtime, stop: threading.Event) -> None:
    """End the hold after `fetch_hold_s`, or at once when the worker is asked to stop."""
    remaining = runtime.options.fetch_hold_s
    while remaining > 0 and not stop.is_set():
        if runtime.stopping.is_set() or context.should_abort():
            break
        stop.wait(min(0.25, remaining))
        remaining -= 0.25
    stop.set()


@app.task(queue=FETCH, pass_context=True, lock="drop-folder", queueing_lock="drop-folder")
def scan_drop_folder(context: JobContext, timestamp: int) -> int:
    services = _runtime(context).services
    if services.settings.drop_dir is None:
        return 0
    report = drop_folder_once(services, DropFolder(services.settings.drop_dir))
    if report.stored or report.oversize:
        sweep_pending(services.factory, services.blobs)
    return report.stored


# --- processing ---------------------------------------------------------------------------------


def dispatch(new: list[tuple[int, str]]) -> int:
    """A `process_message` job per (raw id, queue); one already waiting for a message is enough."""
    jobs = []
    for raw_id, queue in new:
        key = f"raw:{raw_id}"
        jobs.append(process_message.configure(queue=queue, lock=key, queueing_lock=key).make_new_job(raw_id=raw_id))
    return _defer_all(jobs)


def _defer_all(jobs: list[Job]) -> int:
    """One INSERT for the lot; if one of them already waits (its queueing lock), the others one by one."""
    if not jobs:
        return 0
    manager = app.job_manager
    try:
        manager.batch_defer_jobs(jobs=jobs)
        return len(jobs)
    except AlreadyEnqueued:
        deferred = 0
        for job in jobs:
            with suppress(AlreadyEnqueued):
                manager.defer_job(job=job)
                deferred += 1
        return deferred


_HAVE_JOBS = text(f"SELECT lock FROM {SCHEMA}.procrastinate_jobs WHERE status IN ('todo', 'doing') "
                  "AND lock LIKE 'raw:%'")


def sweep_pending(factory: sessionmaker[Session], blobs: BlobStore) -> int:
    """A job for every pending message that has none (its worker died between the commit and the defer)."""
    with factory() as session:
        rows = session.execute(select(RawMessage.id, RawMessage.source, RawMessage.sha256)
                               .where(RawMessage.status == RawStatus.PENDING).order_by(RawMessage.id)).all()
        queued = set(session.scalars(_HAVE_JOBS)) if rows else set()
    return dispatch([(raw_id, queue_for(source, blobs.get(sha) if blobs.exists(sha) else b""))
                     for raw_id, source, sha in rows if f"raw:{raw_id}" not in queued])


@app.task(queue=PROCESS, pass_context=True, retry=TRANSIENT)
def process_message(context: JobContext, raw_id: int) -> str | None:
    services = _runtime(context).services
    result = pipeline.process_raw(services, raw_id)
    if result is None:
        return None  # done already (a retried job, or a second job for the same message)
    dispatch_letters(result.letters)
    if services.routing.triage.enabled:
        _defer_marks()
    return f"{result.reference} {result.status}"


def _defer_once(task: Any) -> None:
    with suppress(AlreadyEnqueued):  # a waiting job will see this message's rows: it starts after our commit
        task.defer()


MARKS_DELAY_S = 2  # the triage marks of the messages recorded meanwhile go to the mailbox in one job
_marks_waiting_until = 0.0  # until then a marks job this process queued has surely not started
_marks_lock = threading.Lock()


def _defer_marks() -> None:
    """A marks job a moment from now, unless one this process queued is still waiting (it will see our rows)."""
    global _marks_waiting_until
    with _marks_lock:
        if time.monotonic() < _marks_waiting_until:
            return
        try:
            apply_triage_marks.configure(schedule_in={"seconds": MARKS_DELAY_S}).defer()
            _marks_waiting_until = time.monotonic() + MARKS_DELAY_S / 2  # a margin for the database's clock
        except AlreadyEnqueued:
            pass


# --- delivering, marks, deadlines, upkeep -------------------------------------------------------


LETTERS_PER_JOB = 20


def dispatch_letters(ids: Iterable[int]) -> int:
    """`deliver_letters` jobs for these outbox rows (a message's letters go in one job); each row's claim,
    not the queue, keeps two senders apart."""
    rows: list[JSONValue] = list(ids)
    chunks = [rows[start:start + LETTERS_PER_JOB] for start in range(0, len(rows), LETTERS_PER_JOB)]
    return _defer_all([deliver_letters.configure().make_new_job(delivery_ids=chunk) for chunk in chunks])


@app.task(queue=DELIVER, pass_context=True, retry=TRANSIENT)
def deliver_letters(context: JobContext, delivery_ids: list[int]) -> int:
    services = _runtime(context).services
    if services.transport is None and services.drafts is None:
        return 0
    return len(pipeline.deliver_letters(services, delivery_ids))


@app.task(queue=DELIVER, pass_context=True, retry=TRANSIENT)
def deliver_letter(context: JobContext, delivery_id: int) -> str | None:
    """One outbox row (jobs queued by an earlier version; `deliver_letters` now)."""
    services = _runtime(context).services
    if services.transport is None and services.drafts is None:
        return None
    delivered = pipeline.deliver_letter(services, delivery_id)
    return None if delivered is None else delivered.status


@app.task(queue=DELIVER, pass_context=True, lock="outbox", queueing_lock="outbox", retry=TRANSIENT)
def deliver_outbox(context: JobContext, timestamp: int | None = None) -> int:
    """The outbox's sweep: rows left `sending` by a sender that died are recovered (outcome unknown, or asked
    of the Drafts folder), and every due row (new reminders, a 4xx whose wait is over) gets its job."""
    services = _runtime(context).services
    if services.transport is None and services.drafts is None:
        return 0
    write_with_retry(services.factory, lambda s: health.beat(s, "worker"))  # the app: a sender is alive
    recover_interrupted(services.factory, pipeline.transports(services))
    return dispatch_letters(pipeline.due_letters(services))


@app.task(queue=DELIVER, pass_context=True, lock="triage-marks", queueing_lock="triage-marks", retry=TRANSIENT)
def apply_triage_marks(context: JobContext, timestamp: int | None = None) -> int:
    return pipeline.apply_marks(_runtime(context).services).applied


@app.task(queue=UPKEEP, pass_context=True, lock="tend", queueing_lock="tend")
def tend(context: JobContext, timestamp: int) -> int:
    report = pipeline.tend_cases(_runtime(context).services)
    due = len(report.reminders) + len(report.escalations)
    if due:
        _defer_once(deliver_outbox)
    return due


@app.task(queue=UPKEEP, pass_context=True, queueing_lock="sweep")
def sweep(context: JobContext, timestamp: int) -> int:
    services = _runtime(context).services
    return sweep_pending(services.factory, services.blobs)


@app.task(queue=UPKEEP, pass_context=True, queueing_lock="retry-stalled")
async def retry_stalled_jobs(context: JobContext, timestamp: int) -> int:
    """Jobs of a worker without a heartbeat for `stalled_after_s` go back to the queue (and their locks,
    a mailbox folder's included, to the next worker)."""
    seconds = _runtime(context).options.stalled_after_s
    stalled = list(await context.app.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds))
    manager = context.app.job_manager
    for job in stalled:
        try:
            await manager.retry_job(job)
            log.warning("Pekerjaan %s #%s dari pekerja yang mati diulang", job.task_name, job.id)
        except UniqueViolation:  # the same work already waits in the queue (its queueing lock): this copy ends
            await manager.finish_job(job, status=Status.ABORTED, delete_job=False)
            log.warning("Pekerjaan %s #%s dari pekerja yang mati sudah menunggu lagi; salinan ini dihentikan",
                        job.task_name, job.id)
    return len(stalled)


def register_periodic(app: App, runtime: Runtime) -> None:
    """The periodic jobs of this deployment's settings (every worker registers the same; the database defers
    each one once per tick)."""
    options = runtime.options

    def every(task: Any, seconds: int, periodic_id: str = "", **configure: Any) -> None:
        if (task.name, periodic_id) in app.periodic_registry.periodic_tasks:
            return
        cron = f"* * * * * */{seconds}" if seconds < 60 else f"*/{max(seconds // 60, 1)} * * * *"
        app.periodic_registry.register_task(task=task, cron=cron, periodic_id=periodic_id, configure_kwargs=cast(ConfigureTaskOptions, configure))

    for ref in runtime.folders():
        mailbox = ref.account.settings.name
        key = f"imap:{mailbox}/{ref.folder}"
        every(fetch_folder, options.fetch_every_s, key, lock=key, queueing_lock=key,
              task_kwargs={"mailbox": mailbox, "folder": ref.folder})
    if runtime.services.settings.drop_dir is not None:
        every(scan_drop_folder, 5)
    every(deliver_outbox, 60)
    every(apply_triage_marks, 60)
    every(tend, 60)
    every(sweep, options.sweep_every_s)
    every(retry_stalled_jobs, max(1, round(options.stalled_after_s / 3)))
