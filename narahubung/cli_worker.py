"""`narahubung worker`: a procrastinate worker on PostgreSQL (registered in `narahubung.cli`)."""

from __future__ import annotations

import click

from core.settings import Settings, load_settings
from narahubung.worker import CORES, QUEUES, WorkerOptions


def _queues(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(q.strip() for q in value.split(",") if q.strip()))
    unknown = [q for q in chosen if q not in QUEUES]
    if unknown or not chosen:
        raise click.BadParameter(f"antrean tidak dikenal: {', '.join(unknown) or '(kosong)'}; pilih dari "
                                 f"{', '.join(QUEUES)}")
    return chosen


@click.command("worker")
@click.option("--queues", default=",".join(QUEUES), show_default=True, callback=_queues,
              help="Comma-separated queues this worker takes (e.g. `ocr` on a machine for OCR only).")
@click.option("--concurrency", default=CORES, show_default=f"{CORES}, the cores of this machine",
              type=click.IntRange(1, 64),
              help="Jobs at once besides the mailbox folders (1 per core is right for parsing and OCR; 1 to keep a "
                   "worker to one core when several share a machine).")
@click.option("--stalled-after", default=30.0, show_default=True, type=click.FloatRange(1, 3600),
              help="Seconds without a heartbeat after which a worker counts as dead and its jobs run elsewhere.")
@click.pass_context
def worker(ctx: click.Context, queues: tuple[str, ...], concurrency: int, stalled_after: float) -> None:
    """Run a queue worker on PostgreSQL (NARAHUBUNG_DATABASE_URL=postgresql+psycopg://…) until Ctrl-C.

    Start one on each machine (it runs a job per core at once), after `narahubung db upgrade`; together they do
    what `narahubung run` does in one process: watch the mailboxes (one worker per folder at a time) and
    the drop folder, triage, deliver, send reminders. On SQLite use `narahubung run`.
    """
    from narahubung.worker import run_worker

    obj = ctx.ensure_object(dict)
    settings: Settings = obj.get("settings") or load_settings(obj.get("config"))
    options = WorkerOptions(queues=queues, concurrency=concurrency, stalled_after_s=stalled_after)

    def ready(_runtime: object) -> None:
        click.echo(f"Pekerja siap: antrean {', '.join(queues)}, {concurrency} pekerjaan sekaligus. "
                   "Ctrl-C untuk berhenti.")

    run_worker(settings, options, on_ready=ready)
    click.echo("Pekerja berhenti.")
