"""IMAP ingest against a private Dovecot: throughput beside the floor, and push latency.

1. Throughput: N realistic messages (the sample inbox, each copy with its own Message-ID) are
   APPENDed; the floor is a bare imapclient bulk FETCH of the same messages (BODY.PEEK[] in batches
   of 100, nothing stored); then Narahubung's sync stores them (bytes + rows, durable, and marks them
   on the server). Ratio = ingest time / floor time.
2. Latency: `narahubung run`'s runner watches the folder with IDLE; M messages are APPENDed at R per
   second; for each, the time from APPEND to its case being committed.

Prints one JSON object.

    .venv/bin/python benchmarks/ingest_imap.py --messages 2000 --latency-messages 100 --rate 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

from imapclient import IMAPClient
from sqlalchemy import select

from core.settings import PROJECT_ROOT, MailboxSettings, load_settings
from narahubung.intake import sync_mailboxes
from narahubung.localservers import PrivateDovecot
from narahubung.runner import Runner
from narahubung.services import build_services
from storage.models import Case, RawMessage

SAMPLES = sorted((PROJECT_ROOT / "samples" / "inbox").glob("*.eml"))
USER, PASSWORD = "bench", "bench-pw"


def copy_of(index: int, tag: str) -> bytes:
    msg = message_from_bytes(SAMPLES[index % len(SAMPLES)].read_bytes(), policy=policy.SMTP)
    del msg["Message-ID"]
    msg["Message-ID"] = f"<{tag}-{index}@narahubung.example>"
    return msg.as_bytes()


def bare_fetch_seconds(server: PrivateDovecot) -> tuple[float, int]:
    with IMAPClient(server.host, port=server.port, ssl=False) as client:
        client.login(USER, PASSWORD)
        start = time.perf_counter()
        client.select_folder("INBOX", readonly=True)
        uids = client.search(["ALL"])
        total = 0
        for i in range(0, len(uids), 100):
            for item in client.fetch(uids[i : i + 100], [b"BODY.PEEK[]"]).values():
                total += len(item[b"BODY[]"])
        return time.perf_counter() - start, total


def throughput(server: PrivateDovecot, count: int) -> dict[str, float]:
    with IMAPClient(server.host, port=server.port, ssl=False) as client:
        client.login(USER, PASSWORD)
        for i in range(count):
            client.append("INBOX", copy_of(i, "tp"))
    floors = [bare_fetch_seconds(server)[0] for _ in range(3)]
    floor = statistics.median(floors)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            data_dir=Path(tmp), mailboxes=[MailboxSettings(name="bench", url=server.url(USER))]
        )
        services = build_services(settings)
        start = time.perf_counter()
        report = sync_mailboxes(services)
        ours = time.perf_counter() - start
    assert report.stored == count, report
    return {
        "messages": count,
        "floor_bare_fetch_s": round(floor, 3),
        "floor_msg_per_s": round(count / floor, 1),
        "ingest_s": round(ours, 3),
        "ingest_msg_per_s": round(count / ours, 1),
        "ratio": round(ours / floor, 2),
    }


def latency(server: PrivateDovecot, count: int, rate: float) -> dict[str, float]:
    server.add_user("latency", "latency-pw")
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            data_dir=Path(tmp), poll_interval=300,
            mailboxes=[MailboxSettings(name="latency", url=server.url("latency"))],
        )
        services = build_services(settings)
        stop = threading.Event()
        runner = Runner(services, stop).start()
        appended: dict[str, datetime] = {}
        try:
            time.sleep(1.0)  # the watcher connects and enters IDLE
            with IMAPClient(server.host, port=server.port, ssl=False) as client:
                client.login("latency", "latency-pw")
                next_at = time.monotonic()
                for i in range(count):
                    time.sleep(max(0.0, next_at - time.monotonic()))
                    client.append("INBOX", copy_of(i, "lat"))
                    appended[f"<lat-{i}@narahubung.example>"] = datetime.now(UTC)
                    next_at += 1.0 / rate
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with services.factory() as session:
                    done = session.execute(
                        select(RawMessage.message_id, Case.created_at).join(Case, Case.raw_message_id == RawMessage.id)
                    ).all()
                if len(done) >= count:
                    break
                time.sleep(0.2)
        finally:
            stop.set()
            runner.join(10)
    delays = sorted((created - appended[mid]).total_seconds() for mid, created in done if mid in appended)
    return {
        "latency_messages": len(delays),
        "rate_per_s": rate,
        "latency_p50_s": round(statistics.median(delays), 3),
        "latency_p95_s": round(delays[int(0.95 * (len(delays) - 1))], 3),
        "latency_max_s": round(delays[-1], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--latency-messages", type=int, default=100)
    parser.add_argument("--rate", type=float, default=5.0)
    args = parser.parse_args()
    with PrivateDovecot(users={USER: PASSWORD}) as server:
        figures = throughput(server, args.messages)
        figures.update(latency(server, args.latency_messages, args.rate))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
