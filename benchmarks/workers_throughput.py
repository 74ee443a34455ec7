"""End-to-end messages per second of `narahubung worker` with 1 and 2 worker processes, beside the floor.

For each worker count: a fresh PostgreSQL database (`db upgrade`), a fresh mailbox, the workers started and
registered (start-up is not timed), then every message moved into INBOX in one IMAP MOVE; the clock runs
until every message is processed and every letter delivered to the local SMTP server.

Workers run with their defaults (a job per core at once), then once more each bound to a core of its own with
one job at a time (`one_core_per_worker`): on a 2-core machine one worker with its defaults already fills both
cores, so only the second pair of runs tells whether a second worker scales.

The floor is the same reading done by the bare libraries with the same parallelism (a process pool of 1 and
2): imapclient FETCH of the same messages, mail-parser, pypdfium2 for PDF text, Tesseract (one thread, the
product's languages) for scanned pages, the classifier the workers use (NARAHUBUNG_CLASSIFIER). No database,
no blob store, no letters.

Beside the seconds, each run records the CPU it cost per message (`cpu_ms_per_msg`: the workers or the pool
with their Tesseract children, and the PostgreSQL server): on a shared machine the wall clock depends on what
else runs, the CPU much less. `BENCH_PYSPY=folder` samples every worker with py-spy (collapsed stacks,
`BENCH_PYSPY_IDLE=0` for CPU only); each worker also logs its jobs' count and mean time when it stops
(`BENCH_KEEP_LOGS=folder` keeps the logs).

The mix: the sample inbox (16 mails, three with text PDFs, one malformed, an auto-reply, spam), each copy
with its own Message-ID; every `--scanned-every`-th message carries the scanned letter of samples/letters/.

    .venv/bin/python benchmarks/workers_throughput.py --messages 160
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # Tesseract on 2 cores: one thread per process

from imapclient import IMAPClient
from sqlalchemy import func, select, text

from core.settings import PROJECT_ROOT
from ingest.ocr import LANGUAGES  # the floor reads scans with the product's languages (ind+eng)
from narahubung.localservers import PrivateDovecot, PrivatePostgres, SmtpSink
from storage.db import make_engine, session_factory, upgrade
from storage.models import Delivery, DeliveryStatus, RawMessage, RawStatus

SAMPLES = sorted((PROJECT_ROOT / "samples" / "inbox").glob("*.eml"))
SCAN = PROJECT_ROOT / "samples" / "letters" / "01-surat-puskesmas-lubuk-besar.png"
STAGING = "Antre"


def variants(count: int, scanned_every: int) -> list[bytes]:
    out = []
    scan = SCAN.read_bytes()
    for i in range(count):
        msg = message_from_bytes(SAMPLES[i % len(SAMPLES)].read_bytes(), policy=policy.SMTP)
        assert isinstance(msg, EmailMessage)
        del msg["Message-ID"]
        msg["Message-ID"] = f"<bench-{i}@narahubung.example>"
        msg["X-Bench-Sequence"] = str(i)
        if scanned_every and i % scanned_every == scanned_every - 1:
            if not msg.is_multipart():
                msg.make_mixed()
            msg.add_attachment(scan, maintype="image", subtype="png", filename="surat-pindaian.png")
        out.append(msg.as_bytes())
    return out


# --- the workers --------------------------------------------------------------------------------


def run_workers(count: int, mails: list[bytes], pg: PrivatePostgres, imap: PrivateDovecot, smtp: SmtpSink,
                tmp: Path, pin: bool = False) -> dict[str, float]:
    """`pin`: worker i (and its Tesseract children) bound to core i and run with --concurrency 1."""
    user = f"bench{count}{'p' if pin else ''}"
    imap.add_user(user, "bench-pw")
    with IMAPClient(imap.host, port=imap.port, ssl=False) as client:
        client.login(user, "bench-pw")
        client.create_folder(STAGING)
        for raw in mails:
            client.append(STAGING, raw)
    url = pg.create_database(f"bench_workers_{user}_{os.getpid()}")
    upgrade(url)
    env = {**os.environ, "NARAHUBUNG_DATABASE_URL": url, "NARAHUBUNG_DATA_DIR": str(tmp / f"data-{user}"),
           "NARAHUBUNG_IMAP_URL": imap.url(user), "NARAHUBUNG_SMTP_URL": smtp.url}
    engine = make_engine(url)
    factory = session_factory(engine)
    logs = [(tmp / f"worker{user}-{i}.log").open("wb") for i in range(count)]
    options = os.environ.get("BENCH_WORKER_ARGS", "").split()  # e.g. "--concurrency 2"
    if pin:
        options += ["--concurrency", "1"]
    cores = sorted(os.sched_getaffinity(0))
    workers = [subprocess.Popen([sys.executable, "-m", "entry", "worker", *options], env=env, cwd=PROJECT_ROOT,
                                stdout=log, stderr=subprocess.STDOUT,
                                preexec_fn=_bind_to(cores[i % len(cores)]) if pin else None)
               for i, log in enumerate(logs)]
    profile = os.environ.get("BENCH_PYSPY")  # a folder: each worker sampled by `py-spy record` (collapsed stacks)
    idle = ["--idle"] if os.environ.get("BENCH_PYSPY_IDLE", "1") == "1" else []  # 0: where the CPU goes
    spies = [subprocess.Popen([os.environ.get("PYSPY", "py-spy"), "record", *idle, "--threads", "--rate", "100",
                               "--format", "raw", "-o", f"{profile}/worker{count}-{i}.txt", "--pid", str(w.pid)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for i, w in enumerate(workers)] if profile else []
    try:
        _wait(lambda: _scalar(engine, "SELECT count(*) FROM procrastinate.procrastinate_workers") >= 2 * count, 120)
        time.sleep(1.0)  # the first (empty) fetch of the folder is over
        pids = [w.pid for w in workers]
        cpu0, pg0, busy0 = cpu_seconds(pids), cpu_seconds(postgres_pids(pg)), machine_busy_seconds()
        t0 = time.perf_counter()
        with IMAPClient(imap.host, port=imap.port, ssl=False) as client:
            client.login(user, "bench-pw")
            client.select_folder(STAGING)
            client.move(client.search(["ALL"]), "INBOX")
        _wait(lambda: _done(factory, len(mails)), 900)
        elapsed = time.perf_counter() - t0
        cpu, pg_cpu = cpu_seconds(pids) - cpu0, cpu_seconds(postgres_pids(pg)) - pg0
        busy = machine_busy_seconds() - busy0
    finally:
        for spy in spies:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
            spy.wait(timeout=60)
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)
        engine.dispose()
        if os.environ.get("BENCH_KEEP_LOGS"):  # the workers' logs, to read after the run
            for log in tmp.glob(f"worker{user}-*.log"):
                (Path(os.environ["BENCH_KEEP_LOGS"]) / log.name).write_bytes(log.read_bytes())
    with factory() as session:
        sent = session.scalar(select(func.count()).where(Delivery.status == DeliveryStatus.SENT)) or 0
    return {"seconds": round(elapsed, 2), "msg_per_s": round(len(mails) / elapsed, 1), "letters_sent": sent,
            "cpu_ms_per_msg": {"workers": round(1000 * cpu / len(mails), 1),
                               "postgres": round(1000 * pg_cpu / len(mails), 1),
                               # Dovecot, the SMTP sink and this benchmark's polls: what shares the cores besides
                               "others": round(1000 * (busy - cpu - pg_cpu) / len(mails), 1)}}


def _bind_to(core: int):
    return lambda: os.sched_setaffinity(0, {core})  # in the child before exec: Tesseract inherits it


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system, with the children each has waited for: Tesseract) of these processes."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return total / TICK


def machine_busy_seconds() -> float:
    """CPU time the whole machine spent not idle (all cores, from /proc/stat)."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq = fields[:7]  # steal and guest are not this machine's work
    return (user + nice + system + irq + softirq) / TICK


def postgres_pids(pg: PrivatePostgres) -> list[int]:
    """The postmaster and its backends (a backend that ended is in the postmaster's children's time)."""
    postmaster = int((pg.data_dir / "postmaster.pid").read_text().split()[0])
    children = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
                and _parent(int(p.name)) == postmaster]
    return [postmaster, *children]


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _scalar(engine, query: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(query)).scalar() or 0)


def _done(factory, count: int) -> bool:
    """Every message stored and processed, every letter delivered (one query: the poll costs the database little)."""
    with factory() as session:
        stored, pending, open_letters = session.execute(select(
            select(func.count()).select_from(RawMessage).scalar_subquery(),
            select(func.count()).where(RawMessage.status == RawStatus.PENDING).scalar_subquery(),
            select(func.count()).where(Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]))
            .scalar_subquery(),
        )).one()
    return stored >= count and not pending and not open_letters


def _wait(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"benchmark: not done within {timeout} s")
        time.sleep(0.05)


# --- the floor: the bare libraries --------------------------------------------------------------

_classifier = None


def _load_classifier() -> None:
    global _classifier
    from classify import load_classifier
    from core.directory import load_directory
    from core.settings import load_settings

    settings = load_settings()  # the workers' classifier (NARAHUBUNG_CLASSIFIER, NARAHUBUNG_MODEL_DIR)
    _classifier = load_classifier(load_directory(settings.directory), name=settings.classifier,
                                  model_dir=settings.model_dir)


def read_bare(raw: bytes) -> str:
    import base64
    import binascii
    import io

    import mailparser
    import pypdfium2
    import pytesseract
    from PIL import Image

    from classify.decision import MessageText

    mail = mailparser.parse_from_bytes(raw)
    texts = []
    for part in mail.attachments:
        try:
            payload = base64.b64decode(part["payload"]) if part.get("binary") else part["payload"].encode()
        except binascii.Error:  # a broken attachment: the product records a reason, the floor skips it
            continue
        kind = part.get("mail_content_type", "")
        if kind == "application/pdf":
            pdf = pypdfium2.PdfDocument(payload)
            for page in pdf:
                found = page.get_textpage().get_text_range()
                if not found.strip():  # a page without text: render and read it
                    found = pytesseract.image_to_string(page.render(scale=300 / 72).to_pil(), lang=LANGUAGES)
                texts.append(found)
        elif kind.startswith("image/"):
            texts.append(pytesseract.image_to_string(Image.open(io.BytesIO(payload)), lang=LANGUAGES))
    assert _classifier is not None
    decision = _classifier.classify(MessageText(subject=mail.subject or "", body=mail.body or "",
                                                attachments_text="\n\n".join(texts), sender=str(mail.from_)))
    return decision.kind or ""


def run_floor(processes: int, imap: PrivateDovecot, user: str, count: int) -> dict[str, float]:
    with ProcessPoolExecutor(processes, initializer=_load_classifier) as pool:
        pids = sorted(set(pool.map(_warm, range(processes))))  # the classifier is loaded in every process (not timed)
        cpu0 = cpu_seconds(pids)
        t0 = time.perf_counter()
        with IMAPClient(imap.host, port=imap.port, ssl=False) as client:
            client.login(user, "bench-pw")
            client.select_folder("INBOX", readonly=True)
            fetched = client.fetch(client.search(["ALL"]), [b"BODY.PEEK[]"])
        bodies = [item[b"BODY[]"] for _, item in sorted(fetched.items())]
        kinds = list(pool.map(read_bare, bodies, chunksize=1))
        elapsed = time.perf_counter() - t0
        cpu = cpu_seconds(pids) - cpu0
    assert len(kinds) == count
    return {"seconds": round(elapsed, 2), "msg_per_s": round(count / elapsed, 1),
            "cpu_ms_per_msg": round(1000 * cpu / count, 1)}


def _warm(_: int) -> int:
    time.sleep(0.5)  # every process of the pool gets one
    return os.getpid()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=160)
    parser.add_argument("--scanned-every", type=int, default=16, help="every n-th message carries a scan")
    parser.add_argument("--only-workers", type=int, help="time only this many workers (no floor, no JSON)")
    parser.add_argument("--pin", action="store_true", help="with --only-workers: a core and one job at a time each")
    args = parser.parse_args()
    mails = variants(args.messages, args.scanned_every)
    if args.only_workers:
        with tempfile.TemporaryDirectory() as tmp, PrivatePostgres() as pg, SmtpSink() as smtp, \
                PrivateDovecot() as imap:
            print(run_workers(args.only_workers, mails, pg, imap, smtp, Path(tmp), pin=args.pin))
        return
    load_before = os.getloadavg()[0]  # the machine may be shared: the figures mean little under load
    with tempfile.TemporaryDirectory() as tmp, PrivatePostgres() as pg, SmtpSink() as smtp, \
            PrivateDovecot() as imap:
        workers, pinned, floor = {}, {}, {}
        for n in (1, 2):
            workers[n] = run_workers(n, mails, pg, imap, smtp, Path(tmp))
            print(f"{n} worker(s): {workers[n]}", file=sys.stderr)
        for n in (1, 2):
            pinned[n] = run_workers(n, mails, pg, imap, smtp, Path(tmp), pin=True)
            print(f"{n} worker(s), a core each: {pinned[n]}", file=sys.stderr)
        for n in (1, 2):
            floor[n] = run_floor(n, imap, "bench1", len(mails))
            print(f"floor, {n} process(es): {floor[n]}", file=sys.stderr)
    scanned = sum(1 for i in range(args.messages) if args.scanned_every and i % args.scanned_every == args.scanned_every - 1)
    pdfs = sum(1 for i in range(args.messages) if "application/pdf" in SAMPLES[i % len(SAMPLES)].read_text(errors="replace"))
    print(json.dumps({
        "messages": args.messages,
        "mix": {"with_text_pdf": pdfs, "with_scanned_letter": scanned},
        "workers_1": workers[1],
        "workers_2": workers[2],
        "floor_1": floor[1],
        "floor_2": floor[2],
        "speedup_2_workers": round(workers[2]["msg_per_s"] / workers[1]["msg_per_s"], 2),
        "speedup_2_floor": round(floor[2]["msg_per_s"] / floor[1]["msg_per_s"], 2),  # what the machine allows now
        "one_worker_over_floor": round(workers[1]["msg_per_s"] / floor[1]["msg_per_s"], 2),
        "two_workers_over_floor": round(workers[2]["msg_per_s"] / floor[2]["msg_per_s"], 2),
        # each worker bound to its own core with one job at a time: how the second worker scales when the first
        # cannot already fill both cores (PostgreSQL, Dovecot and the SMTP sink share the two cores with them)
        "one_core_per_worker": {
            "workers_1": pinned[1],
            "workers_2": pinned[2],
            "speedup_2_workers": round(pinned[2]["msg_per_s"] / pinned[1]["msg_per_s"], 2),
        },
        "goals": {"speedup_2_workers": ">= 1.7", "one_worker_over_floor": ">= 0.8"},
        "load_average_1min": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
    }))


if __name__ == "__main__":
    main()
