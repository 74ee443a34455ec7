"""The pipeline processes every stored message exactly once, even when a run dies half-way."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from factories import count_rows, make_mail
from sqlalchemy import select

from core.settings import DEFAULT_ROUTING, load_settings
from narahubung.intake import ingest_paths
from narahubung.pipeline import deliver, process_pending, reprocess
from narahubung.services import build_services
from routing.outbox import INTERRUPTED
from storage.db import transaction
from storage.models import Case, Delivery, DeliveryStatus, RawMessage, RawStatus

COMPLAINT = make_mail(
    "PLN Manggar: meteran belum dipasang",
    "Saya sudah bayar pasang baru listrik di kantor PLN Manggar, Belitung Timur, sejak Juli 2026. "
    "Sampai sekarang meteran belum juga dipasang walaupun sudah tiga kali saya tanyakan ke petugas. "
    "Mohon Ombudsman membantu.",
)


class BrokenClassifier:
    version = "broken"

    def classify(self, message):
        raise RuntimeError("model file corrupt")


CRASH_SCRIPT = """
import os, sys
from sqlalchemy import event
from sqlalchemy.orm import Session
from narahubung.intake import ingest_paths
from narahubung.pipeline import process_pending
from narahubung.services import build_services
from core.settings import load_settings
from storage.models import Delivery

@event.listens_for(Session, "after_flush")
def power_cut(session, context):
    # the case and its letter have been written inside the recording transaction, not committed yet
    if any(isinstance(o, Delivery) for o in session.new):
        os._exit(137)

services = build_services(load_settings(data_dir=sys.argv[1], smtp_url=sys.argv[2], routing_file=sys.argv[3]))
process_pending(services)
"""


@pytest.fixture
def services(tmp_path, smtp_sink, classifier):
    # these tests are about the forwarding letter alone: no tanda terima (tests/test_routing_*.py cover it)
    rules = tmp_path / "routing.toml"
    rules.write_text(DEFAULT_ROUTING.read_text().replace("acknowledge = true", "acknowledge = false"))
    settings = load_settings(data_dir=tmp_path / "data", smtp_url=smtp_sink.url, routing_file=rules)
    return build_services(settings, classifier=classifier)


def stored(services, tmp_path, *mails: bytes) -> None:
    paths = []
    for i, data in enumerate(mails):
        path = tmp_path / f"m{i}.eml"
        path.write_bytes(data)
        paths.append(path)
    ingest_paths(services, paths)


def test_a_crash_mid_message_leaves_it_pending_and_the_rerun_does_it_once(services, tmp_path, smtp_sink):
    import subprocess
    import sys

    stored(services, tmp_path, COMPLAINT)
    crashed = subprocess.run([sys.executable, "-c", CRASH_SCRIPT, str(services.settings.data_dir),
                              services.settings.smtp_url, str(services.settings.routing_file)], check=False)
    assert crashed.returncode == 137
    assert count_rows(services, Case) == 0
    assert count_rows(services, RawMessage, RawMessage.status == RawStatus.PENDING) == 1

    first = process_pending(services)
    second = process_pending(services)
    assert [r.status for r in first] == ["routed"] and second == []
    assert count_rows(services, Case) == 1 and count_rows(services, Delivery) == 1

    deliver(services)
    deliver(services)
    assert len(smtp_sink.messages) == 1


def test_a_failing_stage_flags_its_message_and_the_others_go_on(services, tmp_path):
    stored(services, tmp_path, COMPLAINT, make_mail("Kedua", "Listrik padam di Manggar"))
    results = process_pending(replace(services, classifier=BrokenClassifier()))
    assert [r.status for r in results] == ["needs_review", "needs_review"]
    assert all("galat tak terduga" in r.reasons[0] for r in results)
    with services.factory() as session:
        assert session.scalars(select(RawMessage.status)).all() == [RawStatus.FAILED, RawStatus.FAILED]
    again = reprocess(services, failed=True)
    assert len(again) == 2 and again[0].status == "routed"
    assert count_rows(services, Case) == 2


def test_a_processed_message_names_every_letter_it_queued_for_its_delivery_job(services, tmp_path):
    """A worker queues the delivery job for exactly these rows when the message is recorded; the outbox's
    once-a-minute sweep is only the fallback (letters once waited for it: rows no longer referenced had
    left the session's identity map, which holds them weakly)."""
    second = make_mail(
        "PLN Gantung: meteran belum dipasang",
        "Saya sudah bayar pasang baru listrik di kantor PLN Manggar, Belitung Timur, untuk rumah di Gantung sejak "
        "Agustus 2026. Meteran belum juga dipasang walaupun sudah dua kali saya tanyakan. Mohon Ombudsman membantu.",
        sender=("Warga Gantung", "warga.gantung@contoh.example"),
    )
    stored(services, tmp_path, COMPLAINT, second)
    results = process_pending(services)
    assert len(results) == 2
    with services.factory() as session:
        for result in results:
            queued = session.scalars(select(Delivery.id).join(Case).where(
                Case.reference == result.reference, Delivery.status == DeliveryStatus.PENDING).order_by(Delivery.id))
            assert result.letters and result.letters == tuple(queued)


def test_a_delivery_cut_off_while_sending_is_never_sent_again_automatically(services, tmp_path, smtp_sink):
    stored(services, tmp_path, COMPLAINT)
    process_pending(services)
    with transaction(services.factory) as session:
        delivery = session.scalars(select(Delivery)).one()
        delivery.status = DeliveryStatus.SENDING  # as if the process died after the server's OK

    report = deliver(services)
    assert report.sent == [] and smtp_sink.messages == []
    with services.factory() as session:
        delivery = session.scalars(select(Delivery)).one()
        assert (delivery.status, delivery.last_error) == (DeliveryStatus.UNKNOWN, INTERRUPTED)


def test_a_temporary_refusal_is_retried_and_a_permanent_one_is_marked_failed(services, tmp_path, smtp_sink):
    stored(services, tmp_path, COMPLAINT)
    process_pending(services)

    smtp_sink.reject_with = "451 4.3.0 coba lagi nanti"
    report = deliver(services)
    assert len(report.deferred) == 1
    with services.factory() as session:
        delivery = session.scalars(select(Delivery)).one()
        assert delivery.status == DeliveryStatus.PENDING and "451" in delivery.last_error

    smtp_sink.reject_with = None
    assert deliver(services).sent == []  # not yet: it waits (exponential backoff)
    later = replace(services, clock=lambda: datetime.now(UTC) + timedelta(minutes=6))
    assert len(deliver(later).sent) == 1
    assert len(smtp_sink.messages) == 1


def test_a_permanent_refusal_is_shown_not_retried(services, tmp_path, smtp_sink):
    stored(services, tmp_path, COMPLAINT)
    process_pending(services)
    smtp_sink.reject_with = "550 5.1.1 mailbox tidak ada"
    assert len(deliver(services).failed) == 1
    smtp_sink.reject_with = None
    assert deliver(services).sent == []
    with services.factory() as session:
        delivery = session.scalars(select(Delivery)).one()
        assert delivery.status == DeliveryStatus.FAILED and "550" in delivery.last_error


def test_a_letter_too_large_for_the_drop_folder_is_recorded_for_staff_and_kept(services, tmp_path):
    from ingest.dropfolder import DropFolder
    from narahubung.intake import drop_folder_once

    drop_dir = tmp_path / "pindaian"
    drop_dir.mkdir()
    (drop_dir / "besar.pdf").write_bytes(b"%PDF-1.4\n" + bytes(300_000))
    (drop_dir / "besar-juga.pdf").write_bytes(b"%PDF-1.4\n" + bytes(400_000))
    small = replace(services, settings=services.settings.model_copy(update={"max_message_mb": 0.1}))
    report = drop_folder_once(small, DropFolder(drop_dir, settle_seconds=0.2))
    results = process_pending(small)
    assert report.oversize == 2
    assert [r.status for r in results] == ["needs_review", "needs_review"]
    assert all("terlalu besar" in r.reasons[0] for r in results)
    assert (drop_dir / "gagal" / "besar.pdf").exists()


class SlowClassifier:
    """The real classifier, slowed down like a long OCR, to widen every race window."""

    def __init__(self, inner):
        self.inner = inner
        self.version = inner.version

    def classify(self, message):
        import time

        time.sleep(0.05)
        return self.inner.classify(message)


def test_storing_and_processing_at_the_same_time_never_trips_over_sqlite_locks(services, tmp_path):
    import threading

    from storage.message_store import DatabaseMessageStore
    from storage.repository import IncomingRaw, utcnow

    slow = replace(services, classifier=SlowClassifier(services.classifier))
    store = DatabaseMessageStore(services.factory, services.blobs)
    errors: list[BaseException] = []
    done = threading.Event()

    def keep_storing() -> None:
        try:
            for n in range(40):
                store.store([IncomingRaw(data=make_mail(f"Pengaduan {n}", f"isi ke-{n}"), source="imap",
                                         received_at=utcnow(), mailbox="m", uidvalidity=1, uid=n + 1)])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            done.set()

    writer = threading.Thread(target=keep_storing)
    writer.start()
    while not done.is_set():
        process_pending(slow)
    writer.join()
    process_pending(slow)
    assert errors == []
    assert count_rows(services, Case) == 40
