"""Throughput of the whole spine on real servers: Dovecot → ingest → classify → route → SMTP.

Loads N copies of the sample inbox (each with its own Message-ID and a changed line, so none is a
duplicate) into a private Dovecot, then times each stage of one `run --once` on a fresh SQLite file (or a
private PostgreSQL with `--postgresql`). Prints one JSON object; `--profile 25` also prints the top of a
cProfile of the processing stage (parse, extract, classify, record) to stderr.

    .venv/bin/python benchmarks/pipeline_throughput.py --messages 300
    .venv/bin/python benchmarks/pipeline_throughput.py --messages 64 --postgresql --scanned-every 16 --profile 25
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from contextlib import ExitStack
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from imapclient import IMAPClient

from core.settings import PROJECT_ROOT, load_settings
from narahubung import intake, pipeline
from narahubung.localservers import PrivateDovecot, PrivatePostgres, SmtpSink
from narahubung.services import build_services
from storage.models import CaseStatus

SAMPLES = sorted((PROJECT_ROOT / "samples" / "inbox").glob("*.eml"))
SCAN = PROJECT_ROOT / "samples" / "letters" / "01-surat-puskesmas-lubuk-besar.png"


def variants(count: int, scanned_every: int = 0) -> list[bytes]:
    out = []
    for i in range(count):
        msg = message_from_bytes(SAMPLES[i % len(SAMPLES)].read_bytes(), policy=policy.SMTP)
        del msg["Message-ID"]
        msg["Message-ID"] = f"<bench-{i}@narahubung.example>"
        msg["X-Bench-Sequence"] = str(i)
        if scanned_every and i % scanned_every == scanned_every - 1:  # the mix of benchmarks/workers_throughput.py
            if not msg.is_multipart():
                msg.make_mixed()
            msg.add_attachment(SCAN.read_bytes(), maintype="image", subtype="png", filename="surat-pindaian.png")
        out.append(msg.as_bytes())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--postgresql", action="store_true", help="a private PostgreSQL instead of SQLite")
    parser.add_argument("--scanned-every", type=int, default=0, help="every n-th message carries a scan")
    parser.add_argument("--profile", type=int, default=0, help="print the top N of a cProfile of processing")
    args = parser.parse_args()

    with ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        imap = stack.enter_context(PrivateDovecot(users={"bench": "bench-pw"}))
        smtp = stack.enter_context(SmtpSink())
        database: dict[str, Any] = {}
        if args.postgresql:
            database["database_url"] = stack.enter_context(PrivatePostgres()).create_database(f"bench_{os.getpid()}")
        with IMAPClient(imap.host, port=imap.port, ssl=False) as client:
            client.login("bench", "bench-pw")
            for raw in variants(args.messages, args.scanned_every):
                client.append("INBOX", raw)
        settings = load_settings(data_dir=Path(tmp), imap_url=imap.url("bench"), smtp_url=smtp.url, **database)

        t0 = time.perf_counter()
        services = build_services(settings)
        t_build = time.perf_counter() - t0

        t0 = time.perf_counter()
        ingested = intake.sync_mailboxes(services)
        t_ingest = time.perf_counter() - t0

        profile = cProfile.Profile() if args.profile else None
        t0 = time.perf_counter()
        if profile is not None:
            profile.enable()
        processed = pipeline.process_pending(services)
        if profile is not None:
            profile.disable()
        t_process = time.perf_counter() - t0

        t0 = time.perf_counter()
        delivered = pipeline.deliver(services)
        t_deliver = time.perf_counter() - t0

    if profile is not None:
        pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(args.profile)
    n = ingested.stored
    routed = sum(1 for result in processed if result.status == CaseStatus.ROUTED)
    print(json.dumps({
        "messages": n,
        "database": "postgresql" if args.postgresql else "sqlite",
        "startup_s": round(t_build, 2),
        "ingest_msg_per_s": round(n / t_ingest, 1),
        "process_msg_per_s": round(len(processed) / t_process, 1),
        "deliver_letters_per_s": round(len(delivered.sent) / t_deliver, 1) if delivered.sent else None,
        "letters_sent": len(delivered.sent),  # forwards and tanda terima alike
        "routed": routed,
        "needs_review_or_archived": len(processed) - routed,
        "end_to_end_msg_per_s": round(n / (t_ingest + t_process + t_deliver), 1),
    }))


if __name__ == "__main__":
    main()
