"""Server time of the staff review app's queue page with 1,000,000 cases in SQLite.

Seeds a fresh SQLite file (the real schema, through the migrations) with N cases in big transactions,
then asks the app for queue pages: the first page, deep pages (keyset cursors anywhere in the table),
each filter, and text searches. Server time is measured inside the ASGI app, from the request to the
last byte of the response (the HTTP client's own time is left out). Prints one JSON object.

    .venv/bin/python benchmarks/review_queue.py --cases 1000000 --requests 200
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

GOAL_P95_MS = 150.0
FIRST_DAY = datetime(2024, 11, 1, tzinfo=UTC)
SPAN_SECONDS = 2 * 365 * 24 * 3600
SUBJECTS = [
    "e-KTP belum jadi", "sertifikat tanah tertunda", "pasang baru listrik", "pungutan sekolah",
    "pelayanan IGD lambat", "bansos tidak diterima", "balik nama kendaraan", "izin bangunan",
    "SKCK dipersulit", "akta kelahiran salah", "air PDAM mati", "BPJS menolak klaim", "jalan rusak",
    "petugas minta uang", "antrean panjang di kantor", "surat keterangan tidak terbit",
]
PLACES = ["Koba", "Sungailiat", "Pangkalpinang", "Toboali", "Muntok", "Tanjung Pandan", "Manggar", "Kelapa Kampit"]
NAMES = ["Siti", "Budi", "Ahmad", "Dewi", "Rudi", "Wati", "Agus", "Rina", "Hendra", "Yanti", "Joko", "Ani"]
KINDS = ["complaint"] * 7 + ["follow_up", "inquiry", "out_of_mandate", "other_province", "spam"]
STATUSES = ["needs_review"] * 4 + ["routed"] * 5 + ["archived"]


RAW_COLUMNS = ("id", "source", "mailbox", "sha256", "size", "truncated", "server_marked", "content_type",
               "received_at", "status", "defects")
CASE_COLUMNS = ("reference", "raw_message_id", "kind", "status", "subject", "complainant_name", "complainant_email",
                "confidential", "unit_id", "maladministration", "confidence", "review_reasons", "received_at",
                "deadline_at", "created_at", "updated_at", "reminders_sent")


def _stamp(at: datetime) -> str:
    """A UTC instant as SQLAlchemy stores DateTime in SQLite (what the app's queries compare with)."""
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


def seed(engine: Any, directory: Any, count: int, batch: int = 100_000, seed_value: int = 7) -> float:
    """Insert `count` raw messages and their cases with the DB-API's executemany; returns seconds taken."""
    rng = random.Random(seed_value)
    units = [u.id for u in directory.units]
    types = list(directory.maladministration_ids)
    reasons = json.dumps(["keyakinan rendah"])
    started = time.perf_counter()
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA cache_size=-262144")
        start_id = (cursor.execute("SELECT max(id) FROM raw_messages").fetchone()[0] or 0) + 1
        raw_sql = f"INSERT INTO raw_messages ({', '.join(RAW_COLUMNS)}) VALUES ({', '.join('?' * len(RAW_COLUMNS))})"
        case_sql = f"INSERT INTO cases ({', '.join(CASE_COLUMNS)}) VALUES ({', '.join('?' * len(CASE_COLUMNS))})"
        for offset in range(0, count, batch):
            raws, cases = [], []
            for i in range(offset, min(offset + batch, count)):
                at = FIRST_DAY + timedelta(seconds=rng.randrange(SPAN_SECONDS))
                stamp = _stamp(at)
                raw_id = start_id + i
                raws.append((raw_id, "imap", "bench", f"{raw_id:064x}", 2048, 0, 1, "message/rfc822", stamp,
                             "processed", "[]"))
                kind = rng.choice(KINDS)
                name = rng.choice(NAMES)
                cases.append((
                    f"BENCH/{at.year}/{raw_id:07d}", raw_id, kind, rng.choice(STATUSES),
                    f"{rng.choice(SUBJECTS)} di {rng.choice(PLACES)} ({i})",
                    f"{name} {rng.choice(NAMES)}son" if rng.random() < 0.9 else None,
                    f"{name.lower()}{i}@contoh.example", int(rng.random() < 0.05),
                    rng.choice(units) if kind in ("complaint", "follow_up") and rng.random() < 0.8 else None,
                    json.dumps(rng.sample(types, rng.choice((0, 1, 1, 2)))), round(rng.random(), 3), reasons,
                    stamp, _stamp(at + timedelta(days=60)), stamp, stamp, 0,
                ))
            cursor.executemany(raw_sql, raws)
            cursor.executemany(case_sql, cases)
            connection.commit()
        cursor.execute("ANALYZE")
        connection.commit()
    finally:
        connection.close()
    return time.perf_counter() - started


class ServerTimer:
    """ASGI wrapper: the time from the request to the response's last byte, per request."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last_ms = 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        started = time.perf_counter()

        async def timed_send(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.last_ms = (time.perf_counter() - started) * 1000

        await self.app(scope, receive, timed_send)


def queries(directory: Any, rng: random.Random, n: int, cursors: list[str]) -> list[tuple[str, str]]:
    """(label, URL) pairs: every filter of the queue, deep pages and searches, in a fixed mix."""
    units = list(directory.units)
    regions = sorted({c for u in units for c in u.covers})
    mix: list[tuple[str, Any]] = [
        ("first_page", lambda: "/antrean"),
        ("deep_page", lambda: f"/antrean?after={rng.choice(cursors)}"),
        ("deep_page_back", lambda: f"/antrean?before={rng.choice(cursors)}"),
        ("kind", lambda: f"/antrean?kind={rng.choice(['inquiry', 'follow_up', 'spam'])}"),
        ("unit", lambda: f"/antrean?unit={rng.choice(units).id}"),
        ("agency_type", lambda: f"/antrean?agency_type={rng.choice(units).type}"),
        ("region", lambda: f"/antrean?region={rng.choice(regions)}"),
        ("band", lambda: f"/antrean?band={rng.choice(['rendah', 'sedang', 'tinggi', 'kosong'])}"),
        ("type", lambda: f"/antrean?type={rng.choice(directory.maladministration_ids)}"),
        ("dates", lambda: "/antrean?from={0}&to={0}".format((FIRST_DAY + timedelta(days=rng.randrange(700))).date())),
        ("status_routed", lambda: "/antrean?status=routed"),
        ("search_common", lambda: f"/antrean?q={rng.choice(PLACES).replace(' ', '+')}"),
        ("search_rare", lambda: f"/antrean?q={rng.randrange(1_000_000)}%40contoh"),
        ("combined", lambda: f"/antrean?kind=complaint&band=rendah&unit={rng.choice(units).id}"),
    ]
    return [(label, make()) for label, make in (mix[i % len(mix)] for i in range(n))]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="Keep the SQLite file in this folder (reused when it exists).")
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from classify import load_classifier
    from core.directory import load_directory
    from core.settings import DEFAULT_DIRECTORY, load_settings
    from narahubung.services import build_services
    from review import create_app
    from review.queue import encode_cursor
    from review.search_index import ensure_search_index
    from storage.accounts import create_user
    from storage.db import transaction
    from storage.models import Case, User

    tmp = tempfile.TemporaryDirectory()
    data_dir = args.keep or Path(tmp.name)
    directory = load_directory(DEFAULT_DIRECTORY)
    services = build_services(load_settings(data_dir=data_dir),
                              classifier=load_classifier(directory, name="rules"))  # the app never classifies
    with services.factory() as session:
        existing = session.scalar(select(func.count()).select_from(Case)) or 0
    engine = services.factory.kw["bind"]
    seconds = seed(engine, services.directory, args.cases - existing) if existing < args.cases else 0.0
    started = time.perf_counter()
    ensure_search_index(engine)  # built once over the seeded rows, as the app's first start would
    index_seconds = time.perf_counter() - started
    with transaction(services.factory) as session:
        if session.scalar(select(User).where(User.username == "bench")) is None:
            create_user(session, "bench", "bench-password", "reviewer")
        rng = random.Random(11)
        ids = rng.sample(range(1, args.cases + 1), 64)
        cursors = [encode_cursor(at, case_id) for case_id, at in
                   session.execute(select(Case.id, Case.received_at).where(Case.id.in_(ids)))]
        waiting = session.scalar(select(func.count()).select_from(Case).where(Case.status == "needs_review"))

    timer = ServerTimer(create_app(services, secret_key="b" * 40))
    per_label: dict[str, list[float]] = {}
    all_ms: list[float] = []
    rows_shown: list[int] = []
    with TestClient(timer) as client:
        token = re.search(r'name="csrftoken" value="([^"]+)"', client.get("/login").text).group(1)
        client.post("/login", data={"username": "bench", "password": "bench-password", "csrftoken": token})
        for _, url in queries(services.directory, random.Random(3), 10, cursors):  # warm-up
            client.get(url)
        for label, url in queries(services.directory, random.Random(5), args.requests, cursors):
            answer = client.get(url)
            if answer.status_code != 200:
                raise SystemExit(f"{url}: HTTP {answer.status_code}")
            rows_shown.append(answer.text.count('<tr data-href='))
            per_label.setdefault(label, []).append(timer.last_ms)
            all_ms.append(timer.last_ms)
    p95 = percentile(all_ms, 0.95)
    print(json.dumps({
        "benchmark": "review_queue",
        "database": "sqlite",
        "cases": args.cases,
        "cases_needing_review": waiting,
        "seed_seconds": round(seconds, 1),
        "search_index_build_seconds": round(index_seconds, 1),
        "requests": len(all_ms),
        "page_size": 50,
        "mean_rows_per_page": round(statistics.mean(rows_shown), 1),
        "server_ms": {"p50": round(percentile(all_ms, 0.5), 1), "p95": round(p95, 1),
                      "max": round(max(all_ms), 1)},
        "server_ms_p95_by_query": {k: round(percentile(v, 0.95), 1) for k, v in sorted(per_label.items())},
        "load_average_1min": round(os.getloadavg()[0], 2),  # other work on the machine inflates the times
        "cpu_cores": os.cpu_count(),
        "goal_p95_ms": GOAL_P95_MS,
        "meets_goal": p95 <= GOAL_P95_MS,
    }, indent=2))
    tmp.cleanup()


if __name__ == "__main__":
    main()
