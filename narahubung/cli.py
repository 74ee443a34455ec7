"""The `narahubung` command. Only this module turns errors into exit codes."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from core.errors import ExitCode, NarahubungError, SettingsInvalid, UnsupportedInput
from core.settings import Settings, load_settings
from narahubung.cli_worker import worker as worker_command

console = Console(stderr=False)
err_console = Console(stderr=True)


def _fail_cleanly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Print a NarahubungError as one sentence and exit with its code, never a traceback."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except NarahubungError as exc:
            err_console.print(f"[bold red]Galat:[/] {exc.message}", soft_wrap=True)  # one line, also in a log
            sys.exit(int(exc.exit_code))

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


def _save_traceback(ctx: click.Context, exc: BaseException) -> Path | None:
    """Write an unexpected error's traceback to <data folder>/galat/<UTC time>.txt; None if that fails too."""
    import tempfile
    import traceback
    from datetime import datetime

    obj = ctx.obj if isinstance(ctx.obj, dict) else {}
    settings = obj.get("settings")
    if settings is None:
        try:
            settings = load_settings(obj.get("config"))
        except NarahubungError:
            settings = None
    folder = (settings.data_dir if settings else Path(tempfile.gettempdir())) / "galat"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{datetime.now(UTC):%Y%m%d-%H%M%S-%f}.txt"
        path.write_text(f"narahubung {' '.join(sys.argv[1:])}\n\n" + "".join(traceback.format_exception(exc)),
                        encoding="utf-8")
    except OSError:
        return None
    return path


def _report_unexpected(ctx: click.Context, exc: Exception) -> None:
    """A bug: one sentence for the person, the traceback in a file (and in the log with -v); exit 1."""
    logging.getLogger("narahubung").debug("galat tak terduga", exc_info=exc)
    saved = _save_traceback(ctx, exc)
    where = f"rincian teknisnya tersimpan di {saved}" if saved else "jalankan lagi dengan -v untuk rinciannya"
    err_console.print(f"[bold red]Galat tak terduga[/] ({type(exc).__name__}): ini cacat program, bukan kesalahan "
                      f"Anda; {where}.", soft_wrap=True)
    sys.exit(int(ExitCode.FAILURE))


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return _fail_cleanly(super().invoke)(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise  # usage errors, --help and Ctrl-C at a prompt: click reports them itself
        except Exception as exc:  # noqa: BLE001 - the last guard before a traceback reaches a person
            _report_unexpected(ctx, exc)


def _settings(ctx: click.Context) -> Settings:
    obj = ctx.ensure_object(dict)
    if "settings" not in obj:
        obj["settings"] = load_settings(obj.get("config"))
    return obj["settings"]


def _read_only_database(ctx: click.Context) -> str:
    """The URL of the settings' database, checked and at the current schema (never migrated here)."""
    from storage.db import open_settings_database

    database = open_settings_database(_settings(ctx), migrate=False)
    database.engine.dispose()
    return database.url


def _exit(code: ExitCode) -> None:
    if code != ExitCode.OK:
        sys.exit(int(code))


def services_of(ctx: click.Context) -> Any:
    """The services for this command (built once per command, with a status line while they load)."""
    from narahubung.services import build_services

    with console.status("Menyiapkan basis data, direktori dan pengklasifikasi…"):
        return build_services(_settings(ctx))


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    )


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="NARAHUBUNG_CONFIG",
    help="TOML settings file. NARAHUBUNG_* environment variables override it.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log every step (DEBUG).")
@click.pass_context
def main(ctx: click.Context, config: Path | None, verbose: bool) -> None:
    """Narahubung: triage of an Ombudsman office's complaint inbox.

    Reads complaints from an IMAP mailbox or from files, decides what each message is and which
    agency unit it concerns, and sends a forwarding letter to that unit's focal point (narahubung).
    Uncertain cases wait for staff review.

    \b
    Settings (environment or --config TOML, keys without the prefix):
      NARAHUBUNG_DATABASE_URL   default: sqlite file in the data folder
      NARAHUBUNG_IMAP_URL       imaps://user:pass@host:993/INBOX, or imap://…:143/INBOX (STARTTLS)
      NARAHUBUNG_SMTP_URL       smtp://user:pass@host:587 (STARTTLS), smtps://…:465
                                (?tls=none: no TLS, only for a server without it)
      NARAHUBUNG_SMTP_PASSWORD_FILE  the SMTP password, instead of in the URL
      NARAHUBUNG_TLS_CA_FILE    the office's CA, or a server's self-signed certificate
      NARAHUBUNG_DIRECTORY      default: config/directory.yaml
      NARAHUBUNG_DATA_DIR       default: data/ in the checkout

    \b
    Exit codes (for cron and systemd):
      0  a clean round
      1  an unexpected error (a bug): its traceback is saved in data/galat/
      2  a setting is wrong: NARAHUBUNG_*, --config, a password_file, a folder,
         a certificate, the database URL or its server; retrying will not help
      3  a mailbox or mail server could not be reached; the next round retries
      4  a file or argument on the command line cannot be used
      5  a mailbox or mail server refused the login: fix the password or token
      6  the round ran, but some letters failed (see `narahubung cases`)
    Codes 2 and 5 of a mailbox folder or the SMTP server are also kept for the staff app (`run`
    and `run --once`): a banner on every page until a round succeeds with them again.
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S",
        stream=sys.stderr,
    )
    for noisy in ("imapclient", "alembic", "pdfminer", "PIL", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # A service manager stops us with SIGTERM: end like Ctrl-C, so every `with` block (the demo's private
    # Dovecot and SMTP server, open transactions) is closed instead of being left behind.
    signal.signal(signal.SIGTERM, _terminate)
    ctx.ensure_object(dict)["config"] = config


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


# --- db ----------------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply all pending migrations (run does this too)."""
    from storage.db import current_revision, open_settings_database

    database = open_settings_database(_settings(ctx), migrate=True, create=True)
    console.print(f"Basis data mutakhir (revisi {current_revision(database.engine)}).")


# --- staff review app: accounts and the web server (issue 7) ----------------------------------


@main.group("user")
def user_group() -> None:
    """Staff accounts of the review app."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["reviewer", "supervisor", "admin"]), default="reviewer",
              show_default=True, help="reviewer: works the queue; supervisor: also edits the directory; admin: all.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (one line).")
@click.pass_context
def user_add(ctx: click.Context, name: str, role: str, password_stdin: bool) -> None:
    """Add a staff account NAME (the password is stored only as an argon2 hash)."""
    from storage.accounts import create_user
    from storage.db import transaction

    password = _new_password(password_stdin)
    with transaction(_account_database(ctx)) as session:
        user = create_user(session, name, password, role, actor="cli")
    console.print(f"Pengguna {user.username} ({user.role}) ditambahkan.")


def _new_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Kata sandi", hide_input=True, confirmation_prompt="Ulangi kata sandi"))


def _account_database(ctx: click.Context) -> Any:
    from storage.db import open_settings_database

    return open_settings_database(_settings(ctx), migrate=True).factory


@user_group.command("list")
@click.pass_context
def user_list(ctx: click.Context) -> None:
    """Every staff account: role, active or not, last login."""
    from routing.draft import tanggal
    from storage.accounts import list_users

    with _account_database(ctx)() as session:
        accounts = list_users(session)
    if not accounts:
        console.print("Belum ada pengguna. Tambahkan dengan: narahubung user add NAMA --role admin")
        return
    table = Table(title=f"Pengguna ({len(accounts)})")
    for column in ("Nama", "Peran", "Aktif", "Dibuat", "Terakhir masuk"):
        table.add_column(column)
    for a in accounts:
        table.add_row(a.username, a.role, "ya" if a.active else "tidak", tanggal(a.created_at),
                      tanggal(a.last_login_at) if a.last_login_at else "-")
    console.print(table)


@user_group.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (one line).")
@click.pass_context
def user_passwd(ctx: click.Context, name: str, password_stdin: bool) -> None:
    """Give the account NAME a new password."""
    from storage.accounts import set_password
    from storage.db import transaction

    password = _new_password(password_stdin)
    with transaction(_account_database(ctx)) as session:
        user = set_password(session, name, password, actor="cli")
    console.print(f"Kata sandi {user.username} diganti.")


@user_group.command("disable")
@click.argument("name")
@click.pass_context
def user_disable(ctx: click.Context, name: str) -> None:
    """Disable the account NAME: it is signed out at its next request; its history stays."""
    from storage.accounts import set_active
    from storage.db import transaction

    with transaction(_account_database(ctx)) as session:
        user = set_active(session, name, False, actor="cli")
    console.print(f"Pengguna {user.username} dinonaktifkan.")


@user_group.command("enable")
@click.argument("name")
@click.pass_context
def user_enable(ctx: click.Context, name: str) -> None:
    """Enable the account NAME again."""
    from storage.accounts import set_active
    from storage.db import transaction

    with transaction(_account_database(ctx)) as session:
        user = set_active(session, name, True, actor="cli")
    console.print(f"Pengguna {user.username} diaktifkan.")


@user_group.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(["reviewer", "supervisor", "admin"]))
@click.pass_context
def user_role(ctx: click.Context, name: str, role: str) -> None:
    """Give the account NAME the ROLE reviewer, supervisor or admin."""
    from storage.accounts import set_role
    from storage.db import transaction

    with transaction(_account_database(ctx)) as session:
        user = set_role(session, name, role, actor="cli")
    console.print(f"Peran {user.username} sekarang {user.role}.")


# `serve` is registered by the composition root (entry/cli.py): the app sits above this package.


# --- run / ingest ------------------------------------------------------------------------------


@main.command()
@click.option("--once", is_flag=True, help="Sync every mailbox and the drop folder once, process, deliver, exit.")
@click.pass_context
def run(ctx: click.Context, once: bool) -> None:
    """Watch the mailboxes and the drop folder, triage new mail, deliver letters; until Ctrl-C.

    Each mailbox folder gets its own worker: IMAP IDLE where the server has it, polling
    (NARAHUBUNG_POLL_INTERVAL) where not, reconnecting with backoff after network errors.
    Without NARAHUBUNG_SMTP_URL letters stay in the outbox.
    """
    from narahubung.runner import Runner, record_round

    services = services_of(ctx)
    settings = services.settings
    if not once and not settings.all_mailboxes and settings.drop_dir is None:
        raise SettingsInvalid(
            "Pengaturan NARAHUBUNG_IMAP_URL (atau [[mailboxes]] di berkas --config) belum diisi: tidak ada "
            "yang dipantau (gunakan `run --once` untuk memproses pesan yang sudah tersimpan)."
        )
    if once:
        report = _run_once_with_progress(services)
        record_round(services, report)  # mailbox/SMTP health and a heartbeat, for the app's banners
        _print_run_report(services, report)
        _say_delivery_trouble(services, report.delivery)
        _exit(round_exit_code(services, report))
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    watched = [f"{m.name}: {', '.join(m.folder_names)}" for m in settings.all_mailboxes]
    if settings.drop_dir:
        watched.append(f"folder pindaian {settings.drop_dir}")
    console.print(f"Memantau {'; '.join(watched)}. Tekan Ctrl-C untuk berhenti.")
    try:
        Runner(services, stop, on_round=_print_round).run_until_stopped()
    except KeyboardInterrupt:
        stop.set()
        console.print("Berhenti.")


def round_exit_code(services: Any, report: Any) -> ExitCode:
    """The code of a `run --once` round: mailboxes that failed, then its delivery (see `--help`)."""
    return ExitCode.worst([*(failure.exit_code for failure in report.ingest.failures),
                           delivery_exit_code(services, report.delivery)])


def delivery_exit_code(services: Any, delivery: Any) -> ExitCode:
    """Letters failed: SOME_FAILED; letters wait because the SMTP server refused the login or could not be
    reached: that code."""
    codes = [ExitCode.SOME_FAILED] if delivery.failed else []
    trouble = getattr(services.transport, "trouble", None)
    if trouble is not None and (delivery.deferred or delivery.failed):
        codes.append(trouble.exit_code)
    return ExitCode.worst(codes)


def _run_once_with_progress(services: Any) -> Any:
    from narahubung.pipeline import RunHooks, run_once

    with _progress() as progress:
        fetch_task = progress.add_task("Mengambil surel", total=0)
        tasks: dict[str, Any] = {}

        def total(name: str, count: int) -> None:
            tasks[name] = progress.add_task(name, total=count)

        hooks = RunHooks(
            on_folder_total=lambda label, n: progress.update(fetch_task, total=(progress.tasks[fetch_task].total or 0) + n),
            on_fetched=lambda n: progress.advance(fetch_task, n),
            on_processing_total=lambda n: total("Memilah pesan", n),
            on_processed=lambda _: progress.advance(tasks["Memilah pesan"]),
            on_delivery_total=lambda n: total("Mengirim surat", n),
            on_delivered=lambda _: progress.advance(tasks["Mengirim surat"]),
        )
        return run_once(services, hooks)


def _print_round(report: Any) -> None:
    if report.processed or report.delivery.sent or report.delivery.failed:
        _print_processed(report.processed)
        console.print(
            f"Terkirim {len(report.delivery.sent)}, gagal {len(report.delivery.failed)}, "
            f"ditunda {len(report.delivery.deferred)}."
        )


def _print_run_report(services: Any, report: Any) -> None:
    _print_processed(report.processed)
    d = report.delivery
    console.print(
        f"Surel baru: {report.ingest.stored} (duplikat {report.ingest.duplicates}). "
        f"Dipilah: {len(report.processed)}. Surat terkirim: {len(d.sent)}, gagal: {len(d.failed)}, "
        f"ditunda: {len(d.deferred)}."
    )
    if report.ingest.oversize:
        console.print(f"[yellow]{report.ingest.oversize} pesan terlalu besar dikarantina (lihat `narahubung quarantine`).[/]")
    tended = report.tended  # routing (issue 6): reminders, escalations, triage marks
    if tended.reminders or tended.escalations:
        console.print(f"Pengingat: {len(tended.reminders)}, eskalasi: {len(tended.escalations)}.")
    for error in report.marks.errors:
        console.print(f"[yellow]Tanda triase belum dipasang: {error}[/]")
    for error in report.ingest.errors:
        console.print(f"[red]{error}[/]")
    if services.transport is None:
        console.print("[yellow]NARAHUBUNG_SMTP_URL belum diisi: surat menunggu di kotak keluar.[/]")


def _print_processed(results: list[Any]) -> None:
    if not results:
        return
    table = Table(title="Hasil pemilahan", show_lines=False)
    for column in ("Nomor", "Jenis", "Status", "Unit", "Alasan"):
        table.add_column(column)
    for r in results:
        table.add_row(r.reference, r.kind or "-", r.status, r.unit_id or "-", "; ".join(r.reasons))
    console.print(table)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[Path, ...]) -> None:
    """Import .eml files and letters (PDF, JPEG, PNG, TIFF, DOCX, ODT, RTF) from disk and triage them.

    Folders are read recursively; the files in them that are left out are named with the reason. Drafts
    are queued; `narahubung run --once` sends them.
    """
    from ingest.files import skipped_in
    from narahubung import pipeline
    from narahubung.intake import ingest_paths

    services = services_of(ctx)
    report = ingest_paths(services, paths)
    console.print(f"Disimpan {report.stored} berkas baru, {report.duplicates} duplikat dilewati.")
    for path, why in skipped_in(paths):
        console.print(f"[yellow]Dilewati {path}: {why}[/]")
    with services.factory() as session:
        from storage.repository import pending_raw_ids

        pending = len(pending_raw_ids(session))
    with _progress() as progress:
        task = progress.add_task("Memilah pesan", total=pending)
        results = pipeline.process_pending(services, on_result=lambda _: progress.advance(task))
    _print_processed(results)


@main.command()
@click.option("--since", "since", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Import mail received on or after this day (YYYY-MM-DD).")
@click.option("--mailbox", "only", help="Only the mailbox with this name (see [[mailboxes]]).")
@click.pass_context
def backfill(ctx: click.Context, since: Any, only: str | None) -> None:
    """Import an existing mailbox from a date on, in batches, with a progress bar.

    Safe to interrupt with Ctrl-C and to run again: every finished batch is committed, and a rerun
    fetches only what is not stored yet. Then the imported messages are triaged.
    """
    from narahubung.intake import sync_mailboxes
    from narahubung.pipeline import process_pending

    services = services_of(ctx)
    if not services.settings.all_mailboxes:
        raise SettingsInvalid("Pengaturan NARAHUBUNG_IMAP_URL (atau [[mailboxes]]) belum diisi: tidak ada kotak surat.")
    with _progress() as progress:
        task = progress.add_task("Mengimpor surel", total=0)
        report = sync_mailboxes(
            services,
            since=since.date(),
            only=only,
            on_total=lambda label, n: progress.update(task, total=(progress.tasks[task].total or 0) + n),
            on_batch=lambda n: progress.advance(task, n),
        )
        with services.factory() as session:
            from storage.repository import pending_raw_ids

            pending = len(pending_raw_ids(session))
        sort_task = progress.add_task("Memilah pesan", total=pending)
        results = process_pending(services, on_result=lambda _: progress.advance(sort_task))
    console.print(
        f"Diimpor {report.stored} pesan baru sejak {since:%Y-%m-%d} ({report.duplicates} duplikat, "
        f"{report.oversize} terlalu besar); {len(results)} dipilah. Surat dikirim oleh `narahubung run`."
    )
    for error in report.errors:
        console.print(f"[red]{error}[/]")
    _exit(ExitCode.worst(failure.exit_code for failure in report.failures))


@main.command()
@click.option("--failed", is_flag=True, help="Every message whose parsing or text extraction failed.")
@click.option("--case", "reference", help="One case, by its reference (e.g. ORI-BABEL/2026/000123).")
@click.pass_context
def reprocess(ctx: click.Context, failed: bool, reference: str | None) -> None:
    """Run parsing, extraction and classification again from the stored raw bytes.

    A case whose letter already went out is re-read but never sent again.
    """
    from narahubung.pipeline import reprocess as rerun

    if not failed and not reference:
        raise click.UsageError("Pilih --failed atau --case NOMOR.")
    services = services_of(ctx)
    with _progress() as progress:
        task = progress.add_task("Memproses ulang", total=None)
        results = rerun(services, failed=failed, reference=reference, on_result=lambda _: progress.advance(task))
        progress.update(task, total=len(results))
    _print_processed(results)
    console.print(f"{len(results)} pesan diproses ulang.")


@main.command()
@click.option("--limit", default=100, show_default=True)
@click.pass_context
def quarantine(ctx: click.Context, limit: int) -> None:
    """Messages and attachments that could not be read, with the reason (newest first)."""
    from narahubung.reports import quarantine_rows

    rows = quarantine_rows(_read_only_database(ctx), limit=limit)
    table = Table(title=f"Karantina ({len(rows)})")
    for column in ("Pesan", "Diterima", "Kasus", "Bagian", "Alasan"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--no-text", is_flag=True, help="Leave the text out of the output (only the figures).")
def extract(files: tuple[Path, ...], no_text: bool) -> None:
    """Print the text found in FILES (.eml, PDF, image, office files), one JSON line per document.

    Fields: file, part, method, pages, chars, ocr_confidence, language, error, text.
    Needs no database or settings.
    """
    import json

    from narahubung.extraction import documents_of

    for path in files:
        for doc in documents_of(path):
            record = {
                "file": str(path),
                "part": doc.path,
                "method": doc.method,
                "pages": doc.pages,
                "chars": len(doc.text),
                "ocr_confidence": doc.ocr_confidence,
                "language": doc.language,
                "error": doc.error,
                "text": None if no_text else doc.text,
            }
            click.echo(json.dumps(record, ensure_ascii=False))


@main.command("classify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def classify_command(ctx: click.Context, file: Path) -> None:
    """Classify the records of FILE (corpus JSONL) and print one JSON line per record.

    Fields: id, kind, unit, agency_type, region, other_province, maladministration, confidence,
    auto_route (null where the classifier abstains).
    """
    import json

    rows, _ = _evaluate(ctx, file)
    for row in rows:
        click.echo(json.dumps(row, ensure_ascii=False))


@main.command("eval")
@click.option("--data", "files", required=True, multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Labelled records (corpus JSONL), e.g. classify/corpus_data/dev.jsonl; repeat for several "
                   "files (their union is evaluated, with figures per file).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (the contract other tools read).")
@click.pass_context
def eval_command(ctx: click.Context, files: tuple[Path, ...], as_json: bool) -> None:
    """Measure the classifier on labelled records: accuracy, macro F1, auto-route precision and coverage.

    Also per channel, per source (record id prefix) and per file, the kinds' confusion table, and a 95 %
    interval of every figure (`intervals_95`: how far it may lie from the figure on all messages of
    the same writers).
    """
    import json

    _, figures = _evaluate(ctx, *files, with_intervals=True)
    if as_json:
        click.echo(json.dumps(figures))
        return
    _print_evaluation(", ".join(p.name for p in dict.fromkeys(files)), figures)


INTERVALS_KEY = "intervals_95"  # after the breakdowns in `eval --json`: 95 % intervals of the figures

# short confusion-table headers, in the order of the kinds (classify.decision.KINDS) and "none"
_KIND_SHORT = {"complaint": "adu", "follow_up": "lanj", "inquiry": "tanya", "out_of_mandate": "luar",
               "other_province": "prov", "auto_reply": "otom", "spam": "spam", "thanks": "trims", "none": "nihil"}


def _print_evaluation(title: str, figures: dict[str, Any]) -> None:
    from classify.evaluation import METRIC_KEYS

    def show(value: Any) -> str:
        return "-" if value is None else str(value)

    spans = figures.get(INTERVALS_KEY, {})
    table = Table(title=f"Evaluasi pada {title}")
    table.add_column("Ukuran")
    table.add_column("Nilai", justify="right")
    table.add_column("Selang 95 %", justify="right")
    for key in METRIC_KEYS:
        span = spans.get(key)
        table.add_row(key, show(figures[key]), f"{span[0]} – {span[1]}" if span else "")
    console.print(table)

    for key, title_, first in (("by_channel", "Per kanal", "Kanal"), ("by_source", "Per sumber", "Sumber"),
                               ("by_file", "Per berkas", "Berkas")):
        if key not in figures:
            continue
        group_table = Table(title=title_)
        group_table.add_column(first)
        for column in ("n", "F1 makro jenis", "Akurasi unit", "Presisi @ cakupan", "F1 makro malad."):
            group_table.add_column(column, justify="right")
        for name, g in figures[key].items():
            group_table.add_row(name, str(g["n"]), show(g["kind_macro_f1"]), show(g["unit_accuracy"]),
                                f"{show(g['auto_route_precision'])} @ {show(g['auto_route_coverage'])}",
                                show(g["malad_macro_f1"]))
        console.print(group_table)

    confusion = figures["kind_confusion"]
    labels = confusion["labels"]
    legend = ", ".join(f"{_KIND_SHORT.get(label, label)}={label}" for label in labels)
    matrix_table = Table(title="Matriks kebingungan jenis (baris: sebenarnya, kolom: prediksi)",
                         caption=legend)
    matrix_table.add_column("Sebenarnya")
    for label in labels:
        matrix_table.add_column(_KIND_SHORT.get(label, label), justify="right")
    for i, (label, counts) in enumerate(zip(labels, confusion["matrix"])):
        if label == "none":
            continue  # gold is never None: the row is all zeros
        matrix_table.add_row(label, *(f"[bold]{c}[/]" if i == j and c else ("." if c == 0 else str(c))
                                      for j, c in enumerate(counts)))
    console.print(matrix_table)


def _evaluate(ctx: click.Context, *files: Path, with_intervals: bool = False) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Classify the records of FILES (their union) and score them; several files add by_file,
    `with_intervals` the 95 % intervals (key `intervals_95`, after the breakdowns)."""
    from classify import load_classifier
    from classify.evaluation import evaluate, read_corpora
    from classify.intervals import intervals
    from core.directory import load_directory

    settings = _settings(ctx)
    records, by_file = read_corpora(files)
    with err_console.status("Memuat pengklasifikasi…"):
        classifier = load_classifier(load_directory(settings.directory), name=settings.classifier,
                                     model_dir=settings.model_dir, min_confidence=settings.auto_route_threshold)
    rows, figures = evaluate(classifier, records, settings.route_threshold, by_file if len(by_file) > 1 else None)
    if with_intervals:
        with err_console.status("Menghitung selang kepercayaan 95 %…"):
            figures[INTERVALS_KEY] = intervals(list(zip(records, rows)))
    return rows, figures


@main.command("train")
@click.option("--data", "data", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Labelled records (corpus JSONL); repeat for several files. Default: the train split.")
@click.option("--from-db", "from_db", is_flag=True,
              help="Also train on cases that staff confirmed or corrected in the database (never on unconfirmed "
                   "predictions).")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder for the model.")
@click.option("--seed", default=0, show_default=True, help="Same data and seed give the same model.")
@click.option("--folds", default=5, show_default=True,
              help="Cross-validation folds for the out-of-fold calibration and figures (at least 2).")
@click.pass_context
def train_command(ctx: click.Context, data: tuple[Path, ...], from_db: bool, out: Path, seed: int, folds: int) -> None:
    """Train the classifier (never on the dev split) and save it, versioned, in OUT.

    To put the new model in force, point NARAHUBUNG_MODEL_DIR at OUT (default: the model shipped in
    classify/model/).
    """
    import json

    from classify.corpus import DEV_FILE, TRAIN_FILE
    from classify.learned.train import train
    from core.directory import load_directory

    files = list(data) or [TRAIN_FILE]
    if any(f.resolve() == DEV_FILE.resolve() for f in files):
        raise click.UsageError(f"{DEV_FILE.name} adalah data uji (dev split) dan tidak boleh dipakai untuk melatih.")
    settings = _settings(ctx)
    extra = []
    if from_db:
        from narahubung.training_data import staff_labelled_records
        from storage.db import open_settings_database

        extra = staff_labelled_records(open_settings_database(settings, migrate=False).factory)
        kinds = _kinds_summary(extra)
        console.print(f"{len(extra)} kasus yang dikonfirmasi atau dikoreksi staf ikut dilatih"
                      + (f" ({kinds})." if kinds else "."))
    if folds < 2:
        raise click.UsageError("--folds paling sedikit 2.")
    with err_console.status("Melatih model…") as status:
        report = train(files, out, seed, directory=load_directory(settings.directory), folds=folds, extra=extra,
                       progress=lambda step: status.update(f"Melatih model… {step}"))
    console.print(f"Model {report.version} disimpan di {out} ({report.seconds:.0f} detik).")
    figures = {k: v for k, v in report.cv_figures.items() if not isinstance(v, dict)}
    console.print(f"Angka validasi silang ({folds} lipatan): " + json.dumps(figures))


def _kinds_summary(records: list[Any]) -> str:
    """"complaint 40, thanks 2": how many records of each kind, the most frequent first ("" for none)."""
    from collections import Counter

    return ", ".join(f"{kind} {n}" for kind, n in Counter(r.kind for r in records).most_common())


@main.group("labels")
def labels_group() -> None:
    """Cases staff confirmed or corrected in the review app, as labelled corpus records."""


@labels_group.command("export")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="The corpus JSONL file to write (ids db:<case reference>).")
@click.pass_context
def labels_export(ctx: click.Context, out: Path) -> None:
    """Write every staff-labelled case as one corpus record (the format of classify/corpus_data/).

    The office's own messages, labelled by its staff, are the best measure of the classifier on writers it
    never read: split the file, `narahubung train --data` on one part, `narahubung eval --data` on the other.
    Mind the sample: staff label mostly what waited for them, the harder cases. The file holds citizens'
    complaints: keep it inside the office.
    """
    from narahubung.training_data import staff_labelled_records
    from storage.db import open_settings_database

    records = staff_labelled_records(open_settings_database(_settings(ctx), migrate=False).factory)
    try:
        out.write_text("".join(r.model_dump_json() + "\n" for r in records), encoding="utf-8")
    except OSError as exc:
        why = "foldernya tidak ada" if not out.parent.is_dir() else "tidak ada izin menulis atau disk penuh"
        raise UnsupportedInput(f"Berkas {out} tidak dapat ditulis: {why}.") from exc
    summary = _kinds_summary(records) or "belum ada"
    console.print(f"{len(records)} kasus berlabel staf ditulis ke {out} ({summary}).")


# --- cases -------------------------------------------------------------------------------------


def _case_status(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    from storage.models import CaseStatus

    if value is not None and value not in CaseStatus.ALL:
        raise click.BadParameter(f"status '{value}' tidak dikenal; pilih salah satu dari: {', '.join(CaseStatus.ALL)}.")
    return value


@main.command()
@click.option("--status", callback=_case_status,
              help="Only cases with this status: received, needs_review, routed, archived, referred, answered, "
                   "bounced, held.")
@click.option("--limit", default=50, show_default=True, help="How many of the newest cases to show.")
@click.option("--overdue", is_flag=True, help="Only routed cases past their deadline with no answer yet.")
@click.pass_context
def cases(ctx: click.Context, status: str | None, limit: int, overdue: bool) -> None:
    """A table of cases with status, unit, maladministration type and confidence."""
    from narahubung.reports import case_rows

    if overdue:
        _print_overdue(_read_only_database(ctx), limit)
        return
    rows = case_rows(_read_only_database(ctx), status=status, limit=limit)
    _print_table(f"Kasus ({len(rows)})",
                 ("Nomor", "Diterima", "Jenis", "Status", "Unit", "Maladministrasi", "Keyakinan", "Kiriman"), rows)


def _print_table(title: str, columns: tuple[str, ...], rows: list[Any]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table)


# --- routing: overdue cases, reminders, sending (issue 6) ---------------------------------------


def _print_overdue(database_url: str, limit: int) -> None:
    from datetime import datetime

    from narahubung.reports import overdue_rows

    rows = overdue_rows(database_url, datetime.now(UTC), limit=limit)
    _print_table(f"Kasus lewat batas waktu tanpa tanggapan ({len(rows)})",
                 ("Nomor", "Diterima", "Unit", "Batas waktu", "Terlambat", "Pengingat", "Eskalasi", "Narahubung"), rows)


@main.command()
@click.pass_context
def remind(ctx: click.Context) -> None:
    """Queue the reminders and escalations that are due now, and send them."""
    from narahubung.pipeline import deliver, tend_cases

    services = services_of(ctx)
    report = tend_cases(services)
    for line in report.reminders + report.escalations + report.notes:
        console.print(line)
    sent = deliver(services) if (services.transport or services.drafts) else None
    console.print(f"{len(report.reminders)} pengingat, {len(report.escalations)} eskalasi"
                  + (f"; {len(sent.sent)} surat terkirim, {len(sent.failed)} gagal" if sent else
                     "; NARAHUBUNG_SMTP_URL belum diisi, surat menunggu di kotak keluar"))
    if sent is not None:
        _say_delivery_trouble(services, sent)
        _exit(delivery_exit_code(services, sent))


@main.command()
@click.pass_context
def send(ctx: click.Context) -> None:
    """Send what waits in the outbox now (SMTP letters and IMAP drafts)."""
    from narahubung.pipeline import deliver

    services = services_of(ctx)
    report = deliver(services)
    for delivery in report.failed:
        console.print(f"[red]gagal[/red] {', '.join(delivery.to_addrs)}: {delivery.last_error}")
    console.print(f"{len(report.sent)} surat terkirim, {len(report.drafted)} draf disimpan di folder Drafts, "
                  f"{len(report.deferred)} ditunda, {len(report.failed)} gagal")
    _say_delivery_trouble(services, report)
    _exit(delivery_exit_code(services, report))


def _say_delivery_trouble(services: Any, delivery: Any) -> None:
    trouble = getattr(services.transport, "trouble", None)
    if trouble is not None and (delivery.deferred or delivery.failed):
        err_console.print(f"[bold red]Galat:[/] {trouble.message}", soft_wrap=True)


# --- demo --------------------------------------------------------------------------------------


@main.command()
@click.option("--keep", is_flag=True, help="Keep the previous demo data instead of starting afresh.")
@click.option("--no-serve", is_flag=True, help="Exit after the triage instead of serving the staff review app.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              help="Port of the staff review app (on 127.0.0.1).")
@click.pass_context
def demo(ctx: click.Context, keep: bool, no_serve: bool, port: int) -> None:
    """Run the whole product on the bundled sample inbox and directory.

    Starts a private Dovecot IMAP server holding the sample inbox and a local SMTP server that saves
    every mail it receives under data/demo/terkirim/, triages the inbox, delivers the drafts and shows
    where each complaint went. Then it serves the staff review app on http://127.0.0.1:8000 (first
    login printed) until Ctrl-C, unless --no-serve.
    """
    from narahubung.demo import run_demo

    app_server = ctx.ensure_object(dict).get("app_server")
    if app_server is None and not no_serve:
        raise SettingsInvalid("Aplikasi tinjauan staf tidak tersedia dari titik masuk ini; jalankan perintah "
                              "narahubung (atau python -m entry), atau tambahkan --no-serve.")
    run_demo(_settings(ctx), console=console, keep=keep, run_once=_run_once_with_progress,
             app_server=None if no_serve else app_server, port=port)


# --- directory (units and focal points as staff edit them) -------------------------------------


@main.group("directory")
def directory_group() -> None:
    """Units and focal points: export to and import from YAML or CSV."""


@directory_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["yaml", "csv"]), default="yaml", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default: standard output).")
@click.pass_context
def directory_export(ctx: click.Context, fmt: str, out: Path | None) -> None:
    """Write the directory as stored (YAML in the shape of config/directory.yaml, or CSV)."""
    from core.directory_io import export_units
    from storage.directory_store import current_directory, open_directory_database

    database = open_directory_database(_settings(ctx))
    with database.factory() as session:
        text = export_units(current_directory(session, database.base), fmt)  # type: ignore[arg-type]
    if out is None:
        click.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    err_console.print(f"Direktori ditulis ke {out}.")


@directory_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["yaml", "csv"]), help="Default: from the file name.")
@click.option("--actor", default="cli", show_default=True, help="Name recorded in the audit log.")
@click.option("--dry-run", is_flag=True, help="Only show what would be added, changed and deactivated.")
@click.option("--yes", is_flag=True, help="Deactivate the units missing from FILE without asking.")
@click.option("--keep-missing", is_flag=True, help="Leave the units missing from FILE active.")
@click.pass_context
def directory_import(ctx: click.Context, file: Path, fmt: str | None, actor: str, dry_run: bool, yes: bool,
                     keep_missing: bool) -> None:
    """Replace the stored units and focal points with FILE (units missing from it are deactivated, after
    a question or with --yes; --keep-missing leaves them active).

    Every problem is reported with its line and nothing is changed when there is one.
    """
    from core.directory_io import guess_format, parse_units
    from core.errors import ExitCode
    from storage.db import transaction
    from storage.directory_store import import_units, open_directory_database, plan_import

    database = open_directory_database(_settings(ctx))
    units = parse_units(file.read_text(encoding="utf-8"), fmt or guess_format(file.name), database.base)  # type: ignore[arg-type]
    with database.factory() as session:
        plan = plan_import(session, units)
    for title, ids in (("baru", plan.created), ("diubah", plan.updated),
                       ("tidak ada di berkas (akan dinonaktifkan)", plan.deactivated)):
        if ids:
            console.print(f"{title}: " + ", ".join(ids))
    deactivate = bool(plan.deactivated) and not keep_missing
    if dry_run:
        console.print(f"Uji coba, tidak ada yang diubah: {len(units)} unit dalam berkas; "
                      f"{plan.summary(deactivate=deactivate)}.")
        return
    try:
        agreed = yes or not deactivate or click.confirm(
            f"Nonaktifkan {len(plan.deactivated)} unit yang tidak ada di berkas?", default=False, err=True)
    except click.Abort:  # no answer (end of input, Ctrl-C): nothing is changed
        agreed = False
    if not agreed:
        err_console.print("Impor dibatalkan; tidak ada yang diubah (pakai --yes untuk menonaktifkan, "
                          "atau --keep-missing untuk membiarkan unit itu aktif).")
        ctx.exit(int(ExitCode.BAD_INPUT))
    with transaction(database.factory) as session:
        import_units(session, units, actor=actor, deactivate_missing=deactivate)
    console.print(f"Direktori diimpor dari {file}: {len(units)} unit; {plan.summary(deactivate=deactivate)}.")


main.add_command(worker_command)  # `narahubung worker` (issue 15)
