"""IMAP ingest against a private Dovecot: push, exactly once, resync, quarantine, server marks."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from factories import count_rows, make_mail, wait_until
from sqlalchemy import select

from core.settings import MailboxSettings, load_settings
from ingest.imap.backoff import Backoff
from ingest.imap.connection import ImapAccount
from ingest.imap.watcher import FolderWatcher
from narahubung.intake import sync_mailboxes
from narahubung.localservers import PrivateDovecot
from narahubung.pipeline import process_pending, reprocess
from narahubung.runner import Runner
from narahubung.services import build_services
from storage.message_store import DatabaseMessageStore
from storage.models import Case, RawMessage, RawStatus


def complaint(n: int, place: str = "Koba") -> bytes:
    return make_mail(
        f"e-KTP belum jadi ({n})",
        f"Laporan nomor {n}. Saya merekam e-KTP di Disdukcapil {place}, Bangka Tengah, bulan Mei 2026, "
        "dijanjikan 14 hari, sampai sekarang sudah 6 bulan belum juga jadi. Mohon dibantu.",
        sender=(f"Warga {n}", f"warga{n}@contoh.example"),
    )


def services_for(tmp_path, classifier, mailboxes=(), **settings):
    return build_services(
        load_settings(data_dir=tmp_path / "data", mailboxes=list(mailboxes), **settings), classifier=classifier
    )


def mailbox(server: PrivateDovecot, user: str, **options) -> MailboxSettings:
    return MailboxSettings(name=user, url=server.url(user), **options)


@pytest.fixture
def own_dovecot():
    """A Dovecot of this test's own, so it may be killed and restarted."""
    with PrivateDovecot(users={"pengaduan": "rahasia-1"}) as server:
        yield server


def start_watcher(services, settings: MailboxSettings, folder="INBOX", poll=300.0):
    stop = threading.Event()
    store = DatabaseMessageStore(services.factory, services.blobs)
    watcher = FolderWatcher(ImapAccount(settings), folder, store, stop, poll_interval=poll,
                            backoff=Backoff(initial_s=0.2, maximum_s=1.0))
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    return watcher, stop, thread


def test_idle_picks_up_a_new_message_without_waiting_for_the_poll(tmp_path, classifier, dovecot, fresh_mailbox):
    user, _ = fresh_mailbox
    settings = mailbox(dovecot, user)
    services = services_for(tmp_path, classifier, [settings])
    watcher, stop, thread = start_watcher(services, settings, poll=300.0)
    try:
        assert watcher.connected.wait(10)
        time.sleep(0.3)  # let the watcher enter IDLE
        appended = time.monotonic()
        dovecot.append(complaint(1), user=user)
        wait_until(lambda: count_rows(services, RawMessage) == 1, timeout=10)
        assert time.monotonic() - appended < 5, "arrived by push, not by the 300 s poll"
    finally:
        stop.set()
        thread.join(10)


def test_server_killed_and_restarted_mid_run_loses_and_doubles_nothing(tmp_path, classifier, own_dovecot):
    settings = mailbox(own_dovecot, "pengaduan")
    services = services_for(tmp_path, classifier, [settings])
    for n in range(3):
        own_dovecot.append(complaint(n), user="pengaduan")
    _watcher, stop, thread = start_watcher(services, settings, poll=0.5)
    try:
        wait_until(lambda: count_rows(services, RawMessage) == 3)
        own_dovecot.restart(hard=True)  # SIGKILL: the connection dies without a word
        for n in range(3, 6):
            own_dovecot.append(complaint(n), user="pengaduan")
        wait_until(lambda: count_rows(services, RawMessage) == 6, timeout=30)
        # one more round after the restart: a watcher that lost its place would fetch 1–6 again here
        own_dovecot.append(complaint(6), user="pengaduan")
        wait_until(lambda: count_rows(services, RawMessage) >= 7, timeout=30)
    finally:
        stop.set()
        thread.join(10)
    with services.factory() as session:
        uids = sorted(session.scalars(select(RawMessage.uid)))
    assert uids == [1, 2, 3, 4, 5, 6, 7]
    assert count_rows(services, RawMessage, RawMessage.status == RawStatus.DUPLICATE) == 0


def test_a_recreated_folder_with_a_new_uidvalidity_brings_no_duplicates(tmp_path, classifier, dovecot, fresh_mailbox):
    user, _ = fresh_mailbox
    folder = "Pengaduan"
    settings = mailbox(dovecot, user, folders=[folder])
    services = services_for(tmp_path, classifier, [settings])
    mails = [complaint(n) for n in range(3)]
    for raw in mails:
        dovecot.append(raw, user=user, folder=folder)
    sync_mailboxes(services)
    process_pending(services)

    with dovecot.client(user) as client:
        client.delete_folder(folder)
    for raw in [*mails, complaint(99)]:
        dovecot.append(raw, user=user, folder=folder)
    report = sync_mailboxes(services)
    process_pending(services)

    assert (report.stored, report.duplicates) == (1, 3)
    assert count_rows(services, Case) == 4
    with services.factory() as session:
        validities = set(session.scalars(select(RawMessage.uidvalidity)))
    assert len(validities) == 2


def test_the_same_mail_appended_twice_becomes_one_case(tmp_path, classifier, dovecot, fresh_mailbox):
    user, _ = fresh_mailbox
    services = services_for(tmp_path, classifier, [mailbox(dovecot, user)])
    raw = complaint(7)
    dovecot.append(raw, user=user)
    dovecot.append(raw, user=user)
    resent = raw.replace(b"Date:", b"Received: from relay.contoh.example; Mon, 23 Nov 2026 08:00:00 +0700\r\nDate:", 1)
    dovecot.append(resent, user=user)  # re-sent: same Message-ID and body, one more trace header

    report = sync_mailboxes(services)
    results = process_pending(services)
    assert (report.stored, report.duplicates) == (1, 2)
    assert len(results) == 1 and count_rows(services, Case) == 1


def test_an_oversize_message_is_kept_as_header_quarantined_and_shown_to_staff(
    tmp_path, classifier, dovecot, fresh_mailbox
):
    user, _ = fresh_mailbox
    services = services_for(tmp_path, classifier, [mailbox(dovecot, user, max_message_mb=0.05)])
    big = make_mail("Foto kerusakan jalan", "lihat lampiran",
                    attachments=[("foto.jpg", "image/jpeg", b"\xff\xd8" + bytes(200_000))])
    dovecot.append(big, user=user)
    dovecot.append(complaint(1), user=user)

    report = sync_mailboxes(services)
    results = {r.raw_id: r for r in process_pending(services)}
    assert (report.stored, report.oversize) == (2, 1)
    with services.factory() as session:
        raw = session.scalars(select(RawMessage).where(RawMessage.truncated.is_(True))).one()
        assert raw.size > 200_000 and "terlalu besar" in raw.error
        assert services.blobs.get(raw.sha256).startswith(b"From:") and b"\xff\xd8" not in services.blobs.get(raw.sha256)
        assert raw.status == RawStatus.FAILED
    assert results[raw.id].status == "needs_review"
    assert "terlalu besar" in results[raw.id].reasons[0]


@pytest.mark.parametrize(
    ("after_commit", "expect_flag", "moved"),
    [("keyword", b"$Narahubung", False), ("seen", b"\\Seen", False), ("move", b"$Narahubung", True)],
)
def test_the_server_is_marked_only_as_configured(tmp_path, classifier, dovecot, fresh_mailbox,
                                                 after_commit, expect_flag, moved):
    user, _ = fresh_mailbox
    options = {"after_commit": after_commit}
    if moved:
        options["move_to"] = "Diproses"
    services = services_for(tmp_path, classifier, [mailbox(dovecot, user, **options)])
    dovecot.append(complaint(1), user=user)
    sync_mailboxes(services)

    if moved:
        assert dovecot.messages(user=user) == {}
        flags = dovecot.flags(user=user, folder="Diproses")
    else:
        flags = dovecot.flags(user=user)
    (only,) = flags.values()
    assert expect_flag in only
    if after_commit == "keyword":
        assert b"\\Seen" not in only, "reading with BODY.PEEK leaves the mail unread"
    with services.factory() as session:
        assert session.scalars(select(RawMessage.server_marked)).one() is True


def test_a_mark_that_did_not_reach_the_server_is_made_on_the_next_sync(tmp_path, classifier, dovecot, fresh_mailbox):
    user, _ = fresh_mailbox
    settings = mailbox(dovecot, user, after_commit="none")
    services = services_for(tmp_path, classifier, [settings])
    dovecot.append(complaint(1), user=user)
    sync_mailboxes(services)  # stored, but (as after a crash) not marked
    assert b"$Narahubung" not in next(iter(dovecot.flags(user=user).values()))

    marking = services_for(tmp_path, classifier, [mailbox(dovecot, user)])
    sync_mailboxes(marking)
    assert b"$Narahubung" in next(iter(dovecot.flags(user=user).values()))
    assert count_rows(marking, RawMessage) == 1


def test_a_folder_with_a_non_ascii_name_is_read(tmp_path, classifier, dovecot, fresh_mailbox):
    user, _ = fresh_mailbox
    folder = "Pengaduan Warga – Ünggah"
    dovecot.append(complaint(1), user=user, folder=folder)
    services = services_for(tmp_path, classifier, [mailbox(dovecot, user, folders=[folder])])
    assert sync_mailboxes(services).stored == 1
    with services.factory() as session:
        assert session.scalars(select(RawMessage.mailbox)).one().endswith("/" + folder)


def forwarded(sink) -> list:
    """The forwarding letters the sink received (not the tanda terima to the complainant)."""
    return [m for m in sink.messages if m.message["X-Narahubung-Letter"] == "forward"]


def test_reprocess_after_a_directory_fix_routes_a_held_case_once(tmp_path, classifier, dovecot, fresh_mailbox,
                                                                   smtp_sink):
    from core.directory import load_directory
    from core.settings import DEFAULT_DIRECTORY
    from narahubung.pipeline import deliver
    from storage.db import transaction
    from storage.repository import sync_directory

    user, _ = fresh_mailbox
    # Kemenag Bangka Selatan (a vertical agency: no Inspektorat to fall back on) has named no focal point yet
    dovecot.append(make_mail(
        "Pengesahan berkas nikah ditunda",
        "Berkas pendaftaran nikah kami di Kantor Kemenag Bangka Selatan di Toboali belum juga disahkan sudah "
        "3 bulan, petugas selalu bilang minggu depan.",
    ), user=user)
    services = services_for(tmp_path, classifier, [mailbox(dovecot, user)], smtp_url=smtp_sink.url)
    sync_mailboxes(services)
    (held,) = process_pending(services)
    assert held.status == "needs_review" and held.unit_id == "kemenag-1903"

    fixed = tmp_path / "directory.yaml"
    fixed.write_text(DEFAULT_DIRECTORY.read_text().replace(
        "name: Kantor Kementerian Agama Kabupaten Bangka Selatan\n  covers:\n  - '1903'\n  focal_points: []",
        "name: Kantor Kementerian Agama Kabupaten Bangka Selatan\n  covers:\n  - '1903'\n  focal_points:\n"
        "  - name: Budi Narahubung\n    email: pengaduan@kemenag-basel.example\n    role: primary",
    ))
    with transaction(services.factory) as session:  # the directory lives in the database once seeded
        sync_directory(session, load_directory(fixed), replace=True)
    services = services_for(tmp_path, classifier, [mailbox(dovecot, user)], smtp_url=smtp_sink.url)
    (again,) = reprocess(services, reference=held.reference)
    assert (again.reference, again.status) == (held.reference, "routed")
    deliver(services)
    (again_and_again,) = reprocess(services, reference=held.reference)
    deliver(services)
    assert again_and_again.status == "routed"
    assert [m.rcpt_tos for m in forwarded(smtp_sink)] == [("pengaduan@kemenag-basel.example",)]
    assert count_rows(services, Case) == 1


def test_a_bounce_quoting_a_complaint_never_causes_mail(tmp_path, classifier, dovecot, fresh_mailbox, smtp_sink):
    user, _ = fresh_mailbox
    original = complaint(3).decode()
    dsn = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.contoh.example>\r\n"
        "To: pengaduan.babel@ombudsman.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn-1@mx.contoh.example>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThis is the mail system. Your message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.contoh.example\r\n\r\n"
        "Final-Recipient: rfc822; x@contoh.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"--B\r\nContent-Type: message/rfc822\r\n\r\n{original}\r\n--B--\r\n"
    ).encode()
    dovecot.append(dsn, user=user)
    services = services_for(tmp_path, classifier, [mailbox(dovecot, user)], smtp_url=smtp_sink.url)
    sync_mailboxes(services)
    (result,) = process_pending(services)
    assert result.status == "archived" and "otomatis" in result.reasons[0]
    from narahubung.pipeline import deliver

    deliver(services)
    assert smtp_sink.messages == []


def test_runner_processes_what_an_earlier_run_left_pending(tmp_path, classifier, dovecot, fresh_mailbox, smtp_sink):
    user, _ = fresh_mailbox
    settings = mailbox(dovecot, user)
    services = services_for(tmp_path, classifier, [settings], smtp_url=smtp_sink.url, poll_interval=300)
    dovecot.append(complaint(1), user=user)
    sync_mailboxes(services)  # stored, then the process "died" before processing

    stop = threading.Event()
    runner = Runner(services, stop).start()
    try:
        smtp_sink.wait_for(2, timeout=20)  # the forwarding letter and the tanda terima
        dovecot.append(complaint(2), user=user)
        smtp_sink.wait_for(4, timeout=20)
    finally:
        stop.set()
        runner.join(10)
    assert count_rows(services, Case) == 2 and len(forwarded(smtp_sink)) == 2


def test_backfill_imports_from_a_date_and_can_be_run_again(tmp_path, classifier, dovecot, fresh_mailbox):
    user, _ = fresh_mailbox
    now = datetime.now(UTC)
    with dovecot.client(user) as client:
        for n, age_days in enumerate((40, 20, 10, 1)):
            client.append("INBOX", complaint(n), msg_time=now - timedelta(days=age_days))
    services = services_for(tmp_path, classifier, [mailbox(dovecot, user)])
    since = (now - timedelta(days=15)).date()
    first = sync_mailboxes(services, since=since)
    second = sync_mailboxes(services, since=since)
    assert (first.stored, second.stored) == (2, 0)
    older = sync_mailboxes(services, since=(now - timedelta(days=60)).date())
    assert older.stored == 2 and count_rows(services, RawMessage) == 4


def test_without_idle_the_folder_is_polled(tmp_path, classifier, dovecot, fresh_mailbox):
    user, _ = fresh_mailbox
    settings = mailbox(dovecot, user, idle=False)
    services = services_for(tmp_path, classifier, [settings])
    watcher, stop, thread = start_watcher(services, settings, poll=0.3)
    try:
        assert watcher.connected.wait(10)
        dovecot.append(complaint(1), user=user)
        wait_until(lambda: count_rows(services, RawMessage) == 1, timeout=10)
    finally:
        stop.set()
        thread.join(10)


def test_search_with_a_non_ascii_criterion_uses_utf8(dovecot, fresh_mailbox):
    from ingest.imap.sync import search

    user, _ = fresh_mailbox
    dovecot.append(make_mail("Pengaduan Ümum dari Koba", "isi"), user=user)
    dovecot.append(make_mail("Lain", "isi"), user=user)
    with dovecot.client(user) as client:
        client.select_folder("INBOX", readonly=True)
        assert len(search(client, ["SUBJECT", "Ümum"])) == 1
