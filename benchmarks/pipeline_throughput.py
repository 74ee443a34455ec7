"""Throughput of the whole spine on real servers: Dovecot → ingest → classify → route → SMTP.

Loads N copies of the sample inbox (each with its own Message-ID and a changed line, so none is a
duplicate) into a private Dovecot, then times each stage of one `run --once` on a fresh SQLite file.
Prints one JSON object.

    .venv/bin/python benchmarks/pipeline_throughput.py --messages 300
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from email import message_from_bytes, policy
from pathlib import Path

from imapclient import IMAPClient

from core.settings import PROJECT_ROOT, load_settings
from narahubung import intake, pipeline
from narahubung.localservers import PrivateDovecot, SmtpSink
from narahubung.services import build_services

SAMPLES = sorted((PROJECT_ROOT / "samples" / "inbox").glob("*.eml"))


def variants(count: int) -> list[bytes]:
    out = []
    for i in range(count):
        msg = message_from_bytes(SAMPLES[i % len(SAMPLES)].read_bytes(), policy=policy.SMTP)
        del msg["Message-ID"]
        msg["Message-ID"] = f"<bench-{i}@narahubung.example>"
        msg["X-Bench-Sequence"] = str(i)
        out.append(msg.as_bytes())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, PrivateDovecot(users={"bench": "bench-pw"}) as imap, SmtpSink() as smtp:
        with IMAPClient(imap.host, port=imap.port, ssl=False) as client:
            client.login("bench", "bench-pw")
            for raw in variants(args.messages):
                client.append("INBOX", raw)
        settings = load_settings(data_dir=Path(tmp), imap_url=imap.url("bench"), smtp_url=smtp.url)

        t0 = time.perf_counter()
        services = build_services(settings)
        t_build = time.perf_counter() - t0

        t0 = time.perf_counter()
        ingested = intake.sync_mailboxes(services)
        t_ingest = time.perf_counter() - t0

        t0 = time.perf_counter()
        processed = pipeline.process_pending(services)
        t_process = time.perf_counter() - t0

        t0 = time.perf_counter()
        delivered = pipeline.deliver(services)
        t_deliver = time.perf_counter() - t0

    n = ingested.stored
    print(json.dumps({
        "messages": n,
        "startup_s": round(t_build, 2),
        "ingest_msg_per_s": round(n / t_ingest, 1),
        "process_msg_per_s": round(len(processed) / t_process, 1),
        "deliver_msg_per_s": round(len(delivered.sent) / t_deliver, 1) if delivered.sent else None,
        "routed": len(delivered.sent),
        "needs_review_or_archived": len(processed) - len(delivered.sent),
        "end_to_end_msg_per_s": round(n / (t_ingest + t_process + t_deliver), 1),
    }))


if __name__ == "__main__":
    main()
