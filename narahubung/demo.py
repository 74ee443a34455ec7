"""The README's main job: the whole product on the bundled sample inbox, with servers it starts itself."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable
from contextlib import suppress
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from typing import Protocol

from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.errors import ExitCode, NarahubungError
from core.settings import PROJECT_ROOT, Settings
from narahubung import pipeline
from narahubung.localservers import PrivateDovecot, SmtpSink, port_is_free
from narahubung.services import Services, build_services
from storage.db import transaction
from storage.models import Case, Delivery, UserRole

SAMPLES = PROJECT_ROOT / "samples"
DEMO_USER, DEMO_PASSWORD = "pengaduan", "demo-rahasia"
REVIEW_USER, REVIEW_PORT = "staf", 8000


class Runnable(Protocol):
    def run(self) -> None: ...


# the review app's server maker (review.serving.make_server), handed in by the composition root
AppServerFactory = Callable[[Services, str, int], Runnable]


class DemoPortBusy(NarahubungError):
    exit_code = ExitCode.SERVICE_UNAVAILABLE


def run_demo(
    settings: Settings,
    *,
    console: Console,
    keep: bool,
    run_once: Callable[[Services], pipeline.RunReport] = pipeline.run_once,
    app_server: AppServerFactory | None = None,
    port: int = REVIEW_PORT,
) -> None:
    """Triage the sample inbox; then serve the review app made by `app_server` (None: print how to start it)."""
    demo_dir = settings.data_dir / "demo"
    if app_server is not None:
        _check_port(port)  # before anything is wiped or triaged: a busy port must not cost the demo's data
    if demo_dir.exists() and not keep:
        shutil.rmtree(demo_dir)
    sent_dir = demo_dir / SENT_DIR_NAME
    sent_dir.mkdir(parents=True, exist_ok=True)
    inbox = sorted((SAMPLES / "inbox").glob("*.eml"))
    letters = sorted(p for p in (SAMPLES / "letters").glob("*") if p.suffix.lower() in (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"))

    # the IMAP server lives in a world-readable temporary folder: its auth process runs as user
    # dovecot and could not read a checkout under /root
    with PrivateDovecot(users={DEMO_USER: DEMO_PASSWORD}) as imap, SmtpSink(save_dir=sent_dir) as smtp:
        for path in inbox:
            imap.append(path.read_bytes(), user=DEMO_USER)
        console.print(
            f"IMAP lokal {imap.url(DEMO_USER).replace(DEMO_PASSWORD, '***')} berisi {len(inbox)} surel contoh; "
            f"SMTP lokal {smtp.url} menyimpan surat keluar di {sent_dir}."
        )
        drop_dir = demo_dir / "pindaian"
        drop_dir.mkdir(exist_ok=True)
        for letter in letters:
            shutil.copy2(letter, drop_dir / letter.name)
        demo_settings = settings.model_copy(
            update={
                "drop_dir": drop_dir,
                "data_dir": demo_dir,  # its database too, unless NARAHUBUNG_DATABASE_URL names one
                "imap_url": imap.url(DEMO_USER),
                "smtp_url": smtp.url,
            }
        )
        with console.status("Menyiapkan basis data, direktori dan pengklasifikasi…"):
            services = build_services(demo_settings)
        if letters:
            console.print(f"{len(letters)} surat pindaian menunggu di folder pindaian {drop_dir}.")
        report = run_once(services)
        password = _first_staff_user(services)  # made (and printed) whatever happens next
        drafts = _print_where_each_went(console, services, sent_dir)
        console.print(
            f"Selesai: {len(report.processed)} pesan dipilah, {len(report.delivery.sent)} surat terkirim, "
            f"{len(report.delivery.failed)} gagal. Basis data: {demo_settings.resolved_database_url}"
        )
        console.print(f"Berkas {SENT_DIR_NAME}/: 'surat ke instansi' adalah surat penerusan untuk narahubung instansi, "
                      "'tanda terima' adalah balasan untuk pelapor.")
        if drafts:
            console.print(
                f"{drafts} draf (jawaban untuk pelapor, pelimpahan) disimpan di folder Drafts kotak surat demo "
                f"{DEMO_USER} pada IMAP lokal; kotak surat itu hanya ada selama demo berjalan."
            )
        console.print(f"Lihat lagi kapan saja: NARAHUBUNG_DATA_DIR={demo_dir} .venv/bin/narahubung cases")
        if app_server is not None:
            # inside the `with`: "route now" in the app still reaches the demo's SMTP server
            _serve_review_app(console, app_server(services, "127.0.0.1", port), port, password)
        else:
            console.print(f"Aplikasi tinjauan staf: NARAHUBUNG_DATA_DIR={demo_dir} .venv/bin/narahubung serve  "
                          f"(pengguna {REVIEW_USER}, kata sandi {password})")


def _first_staff_user(services: Services) -> str:
    """The demo's first staff account with a fresh password (printed once; only a hash is stored)."""
    from storage.accounts import set_or_create_user

    password = secrets.token_urlsafe(9)
    with transaction(services.factory) as session:
        set_or_create_user(session, REVIEW_USER, password, UserRole.ADMIN, actor="demo")
    return password


def _check_port(port: int) -> None:
    if not port_is_free("127.0.0.1", port):
        raise DemoPortBusy(
            f"Port {port} sudah dipakai; jalankan lagi dengan --port lain, atau --no-serve. Data demo tidak diubah."
        )


def _serve_review_app(console: Console, server: Runnable, port: int, password: str) -> None:
    _check_port(port)  # once more: something may have taken it during the triage
    console.print(
        f"\n[bold]Aplikasi tinjauan staf:[/] http://127.0.0.1:{port}/  "
        f"masuk sebagai [bold]{REVIEW_USER}[/] dengan kata sandi [bold]{password}[/]\n"
        f"(kata sandi ini hanya ditampilkan sekali; Ctrl-C untuk berhenti)"
    )
    with suppress(KeyboardInterrupt):  # uvicorn shuts down cleanly, then passes Ctrl-C on
        server.run()
    console.print("Aplikasi tinjauan staf dihentikan.")


SENT_DIR_NAME = "terkirim"


def sent_files(sent_dir: Path) -> dict[str, Path]:
    """The saved letters by Message-ID. A long Message-ID comes folded onto its own line ("Message-ID:\r\n <…>"),
    and the parsed value then starts with the folding space."""
    return {
        str(message_from_bytes(path.read_bytes(), policy=default_policy)["Message-ID"] or "").strip(): path
        for path in sorted(sent_dir.glob("*.eml"))
    }


def _print_where_each_went(console: Console, services: Services, sent_dir: Path) -> int:
    """The table of cases, each with its letter to the agency and its tanda terima; returns how many
    letters went as drafts into the demo mailbox."""
    saved = sent_files(sent_dir)

    def file_of(delivery: Delivery) -> str:
        path = saved.get(delivery.message_id)
        return str(path.relative_to(sent_dir.parent)) if path else "-"

    table = Table(title="Ke mana setiap pesan pergi")
    for column in ("Nomor", "Perihal", "Jenis", "Status", "Dikirim ke", "Surat ke instansi", "Tanda terima"):
        table.add_column(column, overflow="fold")
    drafts = 0
    with services.factory() as session:
        for case in session.scalars(select(Case).options(selectinload(Case.deliveries)).order_by(Case.id)):
            parts = []
            if case.status == "needs_review":  # a tanda terima or a reply draft may have gone: still staff's
                parts.append("menunggu staf: " + "; ".join(case.review_reasons))
            letters, receipts = [], []
            for d in case.deliveries:
                if d.transport == "imap_draft":
                    drafts += 1
                    parts.append(f"draf di folder Drafts kotak surat demo ({', '.join(d.to_addrs)})")
                elif d.purpose == "acknowledgement":
                    receipts.append(file_of(d))
                else:
                    parts.append(", ".join(d.to_addrs))
                    letters.append(file_of(d))
            table.add_row(case.reference, case.subject[:60], case.kind or "-", case.status, "; ".join(parts) or "-",
                          ", ".join(letters) or "-", ", ".join(receipts) or "-")
    console.print(table)
    return drafts
