"""Faults between Narahubung and its servers: a seeded proxy of our own (faultproxy.py) resets, stalls and
cuts connections, answers 421, and loses the server's reply after it stored a message.

The office's rule for a reply lost after the server took the whole letter: never send it again by itself
(it may have arrived), never leave it pending; it is `unknown`, before staff. A draft can be looked up, so
it is looked up by Message-ID before any new APPEND and is stored exactly once.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from faultproxy import IMAP, SMTP, FaultPlan, FaultProxy
from reliability_support import (
    assert_store_consistent,
    build,
    complaint,
    delivery_states,
    doubled,
    inquiry,
    message_ids,
)
from sqlalchemy import func, select

from narahubung.intake import ingest_paths, sync_mailboxes
from narahubung.pipeline import deliver, process_pending
from routing.transport import SmtpTransport
from storage.models import Delivery, DeliveryStatus, RawMessage

pytestmark = pytest.mark.servers

ROUNDS = 12  # delivery rounds, a day apart (the backoff is 5, 10, 20 … minutes)


def ingest_files(services, tmp_path, mails: list[bytes]) -> None:
    folder = tmp_path / "masuk"
    folder.mkdir()
    paths = []
    for i, data in enumerate(mails):
        path = folder / f"{i:03d}.eml"
        path.write_bytes(data)
        paths.append(path)
    ingest_paths(services, paths)
    process_pending(services)


def drain(services, clock) -> None:
    for _ in range(ROUNDS):
        deliver(services)
        states = delivery_states(services.factory)
        if not states[DeliveryStatus.PENDING] and not states[DeliveryStatus.SENDING]:
            return
        clock.advance(days=1)


def test_smtp_faults_never_send_a_letter_twice_nor_leave_one_pending(tmp_path, smtp_sink, rules_classifier, clock):
    plan = FaultPlan({"pass": 10, "reset": 1, "greet_421": 1, "stall": 1, "cut_up": 2, "lost_reply": 3,
                      "stall_reply": 0.5}, cut_after=(10, 2500), max_faults=45)
    with FaultProxy(smtp_sink.port, seed=1201, plan=plan, protocol=SMTP) as proxy:
        services = build(tmp_path, rules_classifier, clock, smtp_url=f"smtp://127.0.0.1:{proxy.port}")
        services.transport = SmtpTransport(services.settings.smtp, timeout_s=2.0)  # a stalled reply times out
        ingest_files(services, tmp_path, [complaint(i) for i in range(40)])
        busy = iter([True, False, True] + [False] * ROUNDS)  # the server itself says 451 in some rounds

        for _ in range(ROUNDS):
            smtp_sink.reject_with = "451 4.3.0 coba lagi nanti" if next(busy) else None
            deliver(services)
            states = delivery_states(services.factory)
            if not states[DeliveryStatus.PENDING] and not states[DeliveryStatus.SENDING]:
                break
            clock.advance(days=1)

    at_sink = message_ids(smtp_sink)
    assert not doubled(at_sink.elements()), "a letter reached the server twice"
    with services.factory() as session:
        rows = session.execute(select(Delivery.message_id, Delivery.status, Delivery.last_error)).all()
    assert len(rows) == 80  # a forward and a tanda terima per complaint
    states = Counter(status for _, status, _ in rows)
    assert set(states) <= {DeliveryStatus.SENT, DeliveryStatus.UNKNOWN, DeliveryStatus.FAILED}, states
    for message_id, status, error in rows:
        if status == DeliveryStatus.SENT:
            assert at_sink[message_id] == 1
        else:
            assert "periksa apakah surat sudah diterima" in error or status == DeliveryStatus.FAILED
    # every lost or late reply leaves the outcome unknown; so does a cut after the client wrote its final dot
    lost = proxy.fired["lost_reply"] + proxy.fired["stall_reply"]
    assert lost >= 3 and states[DeliveryStatus.UNKNOWN] >= lost, (proxy.fired, states)
    stored_unknown = [mid for mid, status, _ in rows if status == DeliveryStatus.UNKNOWN and at_sink[mid]]
    assert stored_unknown, "some letters whose reply was lost were stored by the server, and not sent again"
    assert proxy.fired["reset"] + proxy.fired["greet_421"] + proxy.fired["cut_up"] >= 5, proxy.fired
    assert smtp_sink.rejected, "the server's own 451 was met"


def test_a_draft_whose_append_reply_was_lost_is_stored_once(tmp_path, dovecot, fresh_mailbox, smtp_sink,
                                                            rules_classifier, clock):
    user, _ = fresh_mailbox
    plan = FaultPlan({"pass": 6, "reset": 1, "cut_up": 1, "lost_reply": 4}, cut_after=(10, 1500), max_faults=60)
    with FaultProxy(dovecot.port, seed=1202, plan=plan, protocol=IMAP) as proxy:
        imap_url = dovecot.url(user).replace(f":{dovecot.port}/", f":{proxy.port}/")
        services = build(tmp_path, rules_classifier, clock, smtp_url=smtp_sink.url, imap_url=imap_url)
        ingest_files(services, tmp_path, [inquiry(i) for i in range(30)])
        drain(services, clock)

    with services.factory() as session:
        drafts = session.execute(select(Delivery.message_id, Delivery.status)
                                 .where(Delivery.transport == "imap_draft")).all()
    assert len(drafts) == 30
    client = dovecot.client(user)
    try:
        client.select_folder("Drafts", readonly=True)
        copies = {mid: len(client.search(["HEADER", "Message-ID", mid])) for mid, _ in drafts}
    finally:
        client.logout()
    assert all(n <= 1 for n in copies.values()), {m: n for m, n in copies.items() if n > 1}
    for message_id, status in drafts:
        assert status in (DeliveryStatus.SENT, DeliveryStatus.FAILED), status
        if status == DeliveryStatus.SENT:
            assert copies[message_id] == 1
    assert proxy.fired["lost_reply"] >= 3, proxy.fired
    assert Counter(s for _, s in drafts)[DeliveryStatus.SENT] >= 27


def test_ingest_through_resets_and_cuts_stores_each_uid_once(tmp_path, dovecot, fresh_mailbox, smtp_sink,
                                                            rules_classifier, clock):
    user, _ = fresh_mailbox
    plan = FaultPlan({"pass": 3, "reset": 1, "stall": 1, "cut_up": 1, "cut_down": 3},
                     stall_ms=(50, 300), cut_after=(20, 9000), max_faults=40)
    with FaultProxy(dovecot.port, seed=1203, plan=plan, protocol=IMAP) as proxy:
        imap_url = dovecot.url(user).replace(f":{dovecot.port}/", f":{proxy.port}/")
        services = build(tmp_path, rules_classifier, clock, smtp_url=smtp_sink.url, imap_url=imap_url)
        deadline = time.monotonic() + 60
        for wave in range(10):  # mail arrives in waves of 5 while Narahubung syncs through the proxy
            for i in range(5 * wave, 5 * wave + 5):
                dovecot.append(complaint(i), user=user)
            while stored(services) < 5 * (wave + 1) and time.monotonic() < deadline:
                sync_mailboxes(services)
        for _ in range(3):
            sync_mailboxes(services)  # again: nothing new may be stored
        process_pending(services)
        drain(services, clock)
    assert proxy.fired["cut_down"] >= 3 and proxy.fired["cut_up"] + proxy.fired["reset"] >= 2, proxy.fired
    assert_store_consistent(services.factory, services.blobs, 50)
    assert not doubled(message_ids(smtp_sink).elements())
    assert len(smtp_sink.messages) == 100


def stored(services) -> int:
    with services.factory() as session:
        return session.scalar(select(func.count()).select_from(RawMessage)) or 0
