"""What the reliability tests share: distinct mails, a clock moved by hand, services on a tmp dir."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import timedelta

from factories import START, make_mail
from sqlalchemy import func, select

from core.settings import DEFAULT_ROUTING, load_settings
from narahubung.services import build_services
from storage.blobs import BlobStore
from storage.models import Case, Delivery, DeliveryStatus, RawMessage

PLACES = ["Manggar", "Gantung", "Kelapa Kampit", "Dendang", "Simpang Renggiang"]


def complaint(i: int) -> bytes:
    """A confident complaint (forward + tanda terima), different in every byte of its body."""
    place = PLACES[i % len(PLACES)]
    return make_mail(
        f"PLN {place}: meteran belum dipasang ({i})",
        f"Saya sudah bayar pasang baru listrik di kantor PLN Manggar, Belitung Timur, sejak Juli 2026, untuk rumah "
        f"nomor {i} di {place}. Sampai sekarang meteran belum juga dipasang walaupun sudah tiga kali saya tanyakan "
        f"ke petugas. Mohon Ombudsman membantu.",
        sender=(f"Warga {i}", f"warga{i}@contoh.example"), date=START - timedelta(hours=1),
    )


def inquiry(i: int) -> bytes:
    """A question: answered by a reply draft APPENDed to Drafts (and a tanda terima by SMTP)."""
    return make_mail(
        f"Cara melapor ({i})",
        f"Selamat siang, saya ingin bertanya bagaimana cara melapor ke Ombudsman? Apa saja syarat dan dokumen "
        f"yang perlu disiapkan? Pertanyaan nomor {i}. Terima kasih.",
        sender=(f"Penanya {i}", f"penanya{i}@contoh.example"), date=START - timedelta(hours=1),
    )




def build(tmp_path, classifier, clock, **settings):
    rules = tmp_path / "routing.toml"
    rules.write_text(DEFAULT_ROUTING.read_text())
    loaded = load_settings(data_dir=tmp_path / "data", routing_file=rules, **settings)
    return build_services(loaded, classifier=classifier, clock=clock)


def message_ids(sink) -> Counter[str]:
    """Message-IDs of the mail the SMTP sink accepted (a long one comes folded: stripped)."""
    return Counter(str(m.message["Message-ID"]).strip() for m in sink.messages)


def doubled(message_ids) -> dict[str, int]:
    return {mid: n for mid, n in Counter(message_ids).items() if n > 1}


def delivery_states(factory) -> Counter[str]:
    with factory() as session:
        return Counter(session.scalars(select(Delivery.status)))


def assert_store_consistent(factory, blobs: BlobStore, expected_raw: int) -> None:
    """One row per (mailbox, UIDVALIDITY, UID), one case per message, nothing pending, blobs intact."""
    with factory() as session:
        keys = session.execute(select(RawMessage.mailbox, RawMessage.uidvalidity, RawMessage.uid)).all()
        assert len(keys) == len(set(keys)) == expected_raw, f"{len(keys)} rows, {len(set(keys))} keys"
        per_raw = session.execute(select(Case.raw_message_id, func.count()).group_by(Case.raw_message_id)).all()
        assert len(per_raw) == expected_raw and all(n == 1 for _, n in per_raw), "one case per message"
        states = Counter(session.scalars(select(Delivery.status)))
        assert not states[DeliveryStatus.PENDING] and not states[DeliveryStatus.SENDING], states
        digests = set(session.scalars(select(RawMessage.sha256))) | set(session.scalars(select(Delivery.blob_sha256)))
    on_disk = [p for p in blobs.root.rglob("*") if p.is_file() and len(p.name) == 64]
    for path in on_disk:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name, f"blob {path} damaged"
    missing = [d for d in digests if not blobs.path_for(d).is_file()]
    assert not missing, f"{len(missing)} blobs named in the database are missing"
