"""What staff must know about the machinery, and the safeguards the server keeps (issues 13.4, 13.6, 14.3, 14.5).

In headless Chromium over the app served by uvicorn: a mailbox whose login `run --once` found refused (the real
Dovecot) is a banner on every page and a line of the daily digest until a round works again; letters waiting
with no sender alive are a warning on the queue and the case page (`serve` is not a sender, `run` is); admins
manage accounts in the app; a letter leaves only with the confirm dialog's field, a hold only with a reason.
Screenshots at 1366×768 and 390×844 go to artifacts/screenshots/ (`14-…`, `13-…`).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from browser_support import DESKTOP, log_in, shoot
from clirun import narahubung
from conftest import REVIEW_PASSWORD, triage
from factories import wait_until
from playwright.sync_api import expect
from sqlalchemy import select

from core.settings import PROJECT_ROOT, load_settings
from narahubung.runner import Runner
from narahubung.services import build_services
from review.digest import send_digest
from storage import health
from storage.accounts import create_user
from storage.db import transaction
from storage.models import AuditEvent, Case, DigestSubscription, SenderHeartbeat, User

SAMPLES = sorted((PROJECT_ROOT / "samples" / "inbox").glob("*.eml"))


@pytest.fixture
def mailbox(tmp_path, dovecot, fresh_mailbox):
    """The office mailbox on the private Dovecot, read with a password file that holds a wrong password."""
    user, password = fresh_mailbox
    secret = tmp_path / "pengaduan.secret"
    secret.write_text("kata-sandi-lama\n")
    config = tmp_path / "narahubung.toml"
    config.write_text(f'[[mailboxes]]\nname = "pengaduan"\nurl = "imap://{user}@127.0.0.1:{dovecot.port}/INBOX"\n'
                      f'password_file = "{secret}"\n')
    return config, secret, password


@pytest.fixture
def review_services(tmp_path, smtp_sink, classifier, mailbox):
    """The app's services over the same settings `run --once` reads (the mailbox, the SMTP sink)."""
    return build_services(load_settings(mailbox[0], data_dir=tmp_path / "data", smtp_url=smtp_sink.url),
                          classifier=classifier)


@pytest.fixture
def page(browser_page):
    browser_page.set_viewport_size(DESKTOP)
    return browser_page


@pytest.fixture
def admin(review_services) -> tuple[str, str]:
    with transaction(review_services.factory) as session:
        create_user(session, "kepala", REVIEW_PASSWORD, "admin")
    return "kepala", REVIEW_PASSWORD


@pytest.fixture
def cases(review_services, tmp_path) -> dict[str, int]:
    """The sample inbox triaged by the real pipeline (its receipts wait in the outbox): case id by subject."""
    triage(review_services, tmp_path / "masuk", [p.read_bytes() for p in SAMPLES])
    with review_services.factory() as session:
        return {c.subject: c.id for c in session.scalars(select(Case))}


def run_once(tmp_path, config, smtp_sink):
    return narahubung("--config", str(config), "run", "--once",
                      env={"NARAHUBUNG_DATA_DIR": str(tmp_path / "data"), "NARAHUBUNG_SMTP_URL": smtp_sink.url})


# --- issue 14.3 / 14.5: a refused mailbox login is on every page and in the digest -----------------------------


def test_a_mailbox_login_refused_in_run_once_is_a_banner_on_every_page_and_in_the_digest_until_it_works(
        page, review_server, review_user, review_services, mailbox, tmp_path, smtp_sink, screenshots_dir):
    config, secret, password = mailbox
    refused = run_once(tmp_path, config, smtp_sink)
    assert refused.exit_code == 5, refused.output

    # `run --once` kept the failure by the folder it came from, as `run` does
    with review_services.factory() as session:
        [problem] = health.mailbox_problems(session, health.configured_mailboxes(review_services.settings))
    assert (problem.mailbox, problem.kind) == ("pengaduan/INBOX", "auth")

    log_in(page, review_server, review_user)
    for path in ("/antrean", "/dasbor", "/direktori", "/akun"):
        page.goto(f"{review_server}{path}")
        expect(page.locator("#health-banner")).to_contain_text("Login kotak surat pengaduan/INBOX ditolak sejak")
    expect(page.locator("#health-banner")).to_contain_text("belum masuk ke antrean")
    shoot(page, screenshots_dir, "14-banner-kotak-surat")

    # the daily digest of a staff member who opted in says it first
    with transaction(review_services.factory) as session:
        session.add(DigestSubscription(username="staf", email="staf@perwakilan.example"))
    assert send_digest(review_services, "staf", force=True)
    [digest] = [m for m in smtp_sink.messages if "staf@perwakilan.example" in m.rcpt_tos]
    body = digest.message.get_body(("plain",)).get_content()
    assert "Perlu diperbaiki lebih dahulu (1):" in body
    assert "Login kotak surat pengaduan/INBOX ditolak sejak" in body
    assert "1 perlu diperbaiki" in digest.message["Subject"]

    # staff fix the password file; the next round works and the banner is gone
    secret.write_text(password + "\n")
    fixed = run_once(tmp_path, config, smtp_sink)
    assert fixed.exit_code == 0, fixed.output
    page.goto(f"{review_server}/antrean")
    expect(page.locator("#health-banner")).to_have_count(0)


def test_a_refused_smtp_login_is_a_banner_too(page, review_server, review_user, review_services):
    with transaction(review_services.factory) as session:
        health.record_failing(session, health.SMTP, "auth", "Server SMTP menolak login narahubung@ombudsman.example.")
    log_in(page, review_server, review_user)
    expect(page.locator("#health-banner")).to_contain_text("Login server surat keluar (SMTP) ditolak sejak")
    expect(page.locator("#health-banner")).to_contain_text("surat menunggu di kotak keluar")


# --- issue 13.6: staff are told whether a sender is running -------------------------------------------------


def test_letters_waiting_without_a_live_sender_are_a_warning_on_the_queue_and_the_case_page(
        page, review_server, review_user, review_services, cases, screenshots_dir):
    case_id = cases["Tanya cara membuat laporan"]
    warning = "Pengirim surat tidak berjalan — surat menunggu di kotak keluar"
    log_in(page, review_server, review_user)  # `serve` is running: it is not a sender
    expect(page.locator("#sender-down")).to_contain_text(warning)
    expect(page.locator("#sender-down")).to_contain_text("belum pernah terlihat berjalan")
    page.goto(f"{review_server}/kasus/{case_id}")
    expect(page.locator("#sender-down")).to_contain_text(warning)
    shoot(page, screenshots_dir, "13-pengirim-tidak-berjalan")
    with review_services.factory() as session:
        assert session.scalar(select(SenderHeartbeat)) is None

    # a sender seen a minute ago: letters will go, no warning
    with transaction(review_services.factory) as session:
        health.beat(session, "run", now=datetime.now(UTC) - timedelta(minutes=1))
    page.reload()
    expect(page.locator("#case-status")).to_be_visible()
    expect(page.locator("#sender-down")).to_have_count(0)
    page.goto(f"{review_server}/antrean")
    expect(page.locator("#sender-down")).to_have_count(0)

    # its last sign of life three minutes ago: it stopped
    with transaction(review_services.factory) as session:
        health.beat(session, "run", now=datetime.now(UTC) - timedelta(minutes=3))
    page.reload()
    expect(page.locator("#sender-down")).to_contain_text(warning)
    expect(page.locator("#sender-down")).to_contain_text("terakhir terlihat")


def test_narahubung_run_beats_while_it_can_send_and_old_beats_are_forgotten(review_services, cases, smtp_sink,
                                                                           classifier):
    with transaction(review_services.factory) as session:  # a process that stopped two days ago
        session.add(SenderHeartbeat(sender="run@lama:1", kind="run", seen_at=datetime.now(UTC) - timedelta(days=2)))
    runner = Runner(review_services, threading.Event())
    runner.start()
    try:
        def kinds():
            with review_services.factory() as session:
                return {(row.kind, row.sender) for row in session.scalars(select(SenderHeartbeat))}
        wait_until(lambda: ("run", health.sender_name("run")) in kinds(), timeout=10)
        assert ("run", "run@lama:1") not in kinds()  # pruned as the new beat was written
        wait_until(lambda: smtp_sink.messages, timeout=10)  # it sends the receipts that waited
    finally:
        runner.stop.set()
        runner.wake.set()
        runner.join(timeout=10)
    with review_services.factory() as session:
        assert health.sender_down(session) is None

    # without SMTP (and IMAP drafts) a `run` sends nothing, so it is no sender
    quiet = Runner(build_services(load_settings(data_dir=review_services.settings.data_dir), classifier=classifier),
                   threading.Event())
    assert quiet.services.transport is None and quiet.services.drafts is None
    quiet.start()
    quiet.stop.set()
    quiet.wake.set()
    quiet.join(timeout=10)
    assert [t.name for t in quiet.threads] == ["processor"]


def test_a_workers_outbox_sweep_beats_when_it_can_send_and_serve_never_does(review_services, review_server,
                                                                             classifier):
    from types import SimpleNamespace

    from narahubung import tasks
    from narahubung.worker import Runtime, WorkerOptions

    def beats() -> set[str]:
        with review_services.factory() as session:
            return set(session.scalars(select(SenderHeartbeat.kind)))

    assert beats() == set()  # the app has been serving all along: it is no sender
    quiet = build_services(load_settings(data_dir=review_services.settings.data_dir), classifier=classifier)
    tasks.deliver_outbox.func(SimpleNamespace(additional_context={"runtime": Runtime(quiet, WorkerOptions())}))
    assert beats() == set()  # a worker without SMTP or IMAP drafts sends nothing
    context = SimpleNamespace(additional_context={"runtime": Runtime(review_services, WorkerOptions())})
    tasks.deliver_outbox.func(context)  # the periodic job (every minute) of a worker that takes `deliver`
    assert beats() == {"worker"}


# --- issue 14.5: admins manage accounts in the app ----------------------------------------------------------


def test_admins_list_accounts_change_roles_passwords_and_disable_them_each_audited_and_the_last_admin_kept(
        page, chromium, review_server, admin, review_user, review_services, screenshots_dir):
    log_in(page, review_server, review_user)
    answer = page.goto(f"{review_server}/pengguna")
    assert answer is not None and answer.status == 403  # reviewers do not manage accounts
    expect(page.locator("nav.mainnav")).not_to_contain_text("Pengguna")

    other = chromium.new_context(viewport=DESKTOP, locale="id-ID")
    boss = other.new_page()
    try:
        log_in(boss, review_server, admin)
        boss.get_by_role("link", name="Pengguna").click()
        expect(boss).to_have_url(f"{review_server}/pengguna")
        row = boss.locator("#user-staf")
        expect(row.locator(".role")).to_have_text("peninjau")
        expect(row.locator(".active-state")).to_have_text("aktif")
        expect(row).not_to_contain_text("belum pernah")  # staf logged in above: the time of it
        expect(boss.locator("#user-kepala")).to_contain_text("(saya)")
        shoot(boss, screenshots_dir, "14-pengguna")

        row.get_by_label("Peran staf").select_option("supervisor")
        row.get_by_role("button", name="Ubah peran").click()
        expect(boss.locator("#flash")).to_have_text("Peran staf kini penyelia.")

        row.get_by_label("Kata sandi baru untuk staf").fill("pendek")
        boss.evaluate("document.querySelectorAll('input[minlength]').forEach(i => i.removeAttribute('minlength'))")
        row.get_by_role("button", name="Ganti kata sandi").click()
        expect(boss.locator("#flash")).to_contain_text("Kata sandi terlalu pendek")
        row.get_by_label("Kata sandi baru untuk staf").fill("kata-sandi-baru-2027")
        row.get_by_role("button", name="Ganti kata sandi").click()
        expect(boss.locator("#flash")).to_have_text("Kata sandi staf diganti.")

        row.get_by_role("button", name="Nonaktifkan").click()
        expect(boss.locator("#flash")).to_have_text("Akun staf dinonaktifkan.")
        expect(row.locator(".active-state")).to_have_text("nonaktif")
        page.goto(f"{review_server}/antrean")  # out at once
        expect(page).to_have_url(f"{review_server}/login?next=/antrean")

        # the only active admin cannot take away their own way in
        boss.locator("#user-kepala").get_by_role("button", name="Nonaktifkan").click()
        expect(boss.locator("#flash")).to_contain_text("satu-satunya admin aktif")
        boss.locator("#user-kepala").get_by_label("Peran kepala").select_option("reviewer")
        boss.locator("#user-kepala").get_by_role("button", name="Ubah peran").click()
        expect(boss.locator("#flash")).to_contain_text("satu-satunya admin aktif")
        expect(boss.locator("#user-kepala .role")).to_have_text("admin")
        shoot(boss, screenshots_dir, "14-pengguna-admin-terakhir")

        row.get_by_role("button", name="Aktifkan").click()
        expect(row.locator(".active-state")).to_have_text("aktif")
        form = boss.locator("#add-user")
        form.get_by_label("Nama pengguna").fill("dewi")
        form.get_by_label("Peran").select_option("admin")
        form.get_by_label("Kata sandi").fill("kata-sandi-dewi-2027")
        form.get_by_role("button", name="Tambah").click()
        expect(boss.locator("#flash")).to_have_text("Akun dewi (admin) ditambahkan.")
    finally:
        other.close()

    log_in(page, review_server, ("staf", "kata-sandi-baru-2027"))  # enabled again, with its new password
    with review_services.factory() as session:
        assert session.scalar(select(User.role).where(User.username == "staf")) == "supervisor"
        events = [(e.action, e.actor) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "user", AuditEvent.entity_id.in_(("staf", "dewi")))
            .order_by(AuditEvent.id))]
    for action in ("role_changed", "password_changed", "user_disabled", "user_enabled", "user_added"):
        assert (action, "kepala") in events, (action, events)


# --- issue 13.4 / 13.9: the server keeps the safeguards the page shows -------------------------------------------


def test_a_send_that_skipped_the_confirm_dialog_gets_a_page_that_asks_and_a_hold_needs_a_reason_server_side(
        page, review_server, review_user, review_services, cases, smtp_sink, screenshots_dir):
    with review_services.factory() as session:
        complaint = next(c for c in session.scalars(select(Case).where(Case.status == "needs_review"))
                         if c.kind == "complaint" and c.unit_id)
        case_id = complaint.id
    log_in(page, review_server, review_user)
    page.goto(f"{review_server}/kasus/{case_id}")
    sent_before = len(smtp_sink.messages)
    page.evaluate("document.getElementById('form-route').submit()")  # no submit event: no dialog
    expect(page.locator("#confirm-page h1")).to_contain_text("Kirim surat ke luar kantor?")
    expect(page.locator("#confirm-letter")).to_contain_text("Kepada")
    shoot(page, screenshots_dir, "13-konfirmasi-server")
    with review_services.factory() as session:
        assert session.get(Case, case_id).status == "needs_review"
    assert len(smtp_sink.messages) == sent_before
    page.get_by_role("button", name="Ya, kirim sekarang").click()
    expect(page.locator("#previous-outcome")).to_contain_text("diteruskan")
    with review_services.factory() as session:
        assert session.get(Case, case_id).status == "routed"

    with review_services.factory() as session:
        waiting = session.scalars(select(Case.id).where(Case.status == "needs_review")).first()
    page.goto(f"{review_server}/kasus/{waiting}")
    page.evaluate("document.querySelectorAll('#form-hold [required]').forEach(f => f.removeAttribute('required'))")
    page.locator("#form-hold").get_by_label("Tahan kasus (alasan wajib)").fill("   ")
    page.locator("#form-hold").get_by_role("button", name="Tahan").click()
    expect(page.locator("#flash")).to_contain_text("tidak ditahan: tuliskan alasannya")
    expect(page.locator("#case-status")).to_have_text("Perlu ditinjau")
