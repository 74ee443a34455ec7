"""`narahubung worker`: several procrastinate workers on the private PostgreSQL, mail from the private Dovecot,
letters to aiosmtpd. Real processes, killed with SIGKILL where the test says so.

After every run: one row per (mailbox, UIDVALIDITY, UID), one case per message, every message processed,
references 1..N without a gap, every letter at the SMTP server exactly once and one forwarding letter per
routed case, no delivery left pending or sending, no job left running.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from factories import make_mail
from sqlalchemy import func, select, text

from core.settings import PROJECT_ROOT
from narahubung.worker import CORES
from storage.db import make_engine, session_factory, upgrade
from storage.models import Case, CaseStatus, Delivery, DeliveryStatus, RawMessage, RawStatus

pytestmark = pytest.mark.servers

MAILS = 500  # the figure: about a minute per test on 2 cores
STALLED_AFTER = 3  # seconds without a heartbeat before a worker's jobs go to another (30 in production)
PLACES = ["Manggar", "Gantung", "Kelapa Kampit", "Dendang", "Simpang Renggiang"]


def complaint(i: int) -> bytes:
    """A confident complaint about PLN (forwarded, plus a tanda terima), different in every body."""
    place = PLACES[i % len(PLACES)]
    return make_mail(
        f"PLN {place}: meteran belum dipasang ({i})",
        f"Saya sudah bayar pasang baru listrik di kantor PLN Manggar, Belitung Timur, sejak Juli 2026, untuk rumah "
        f"nomor {i} di {place}. Sampai sekarang meteran belum juga dipasang walaupun sudah tiga kali saya tanyakan "
        f"ke petugas. Mohon Ombudsman membantu.",
        sender=(f"Warga {i}", f"warga{i}@contoh.example"),
    )


class Cluster:
    """The environment of a deployment: one PostgreSQL database, one blob folder, the mailbox, the SMTP sink."""

    def __init__(self, url: str, data_dir: Path, imap_url: str, smtp_url: str, logs: Path) -> None:
        self.url = url
        self.data_dir = data_dir
        self.logs = logs
        self.env = {**os.environ, "NARAHUBUNG_DATABASE_URL": url, "NARAHUBUNG_DATA_DIR": str(data_dir),
                    "NARAHUBUNG_IMAP_URL": imap_url, "NARAHUBUNG_SMTP_URL": smtp_url,
                    "NARAHUBUNG_CLASSIFIER": "rules"}  # starts in no time; the workers are what is tested
        self.engine = make_engine(url)
        self.factory = session_factory(self.engine)
        self.processes: list[subprocess.Popen[bytes]] = []

    def start_worker(self, *args: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"worker-{len(self.processes)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "entry", "worker", "--stalled-after", str(STALLED_AFTER), *args],
            env=self.env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def sql(self, query: str) -> list[tuple]:
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(query))]

    def workers_alive(self) -> int:
        return self.sql("SELECT count(*) FROM procrastinate.procrastinate_workers")[0][0]

    def counts(self) -> Counter[str]:
        with self.factory() as session:
            return Counter(session.scalars(select(RawMessage.status)))

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def log_tail(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-1500:]}" for p in sorted(self.logs.glob("*.log")))


def wait_until(predicate: Callable[[], bool], timeout: float, what: str, cluster: Cluster) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout} s: {what}\n{cluster.log_tail()}")


@pytest.fixture
def cluster(postgres_url, dovecot, fresh_mailbox, smtp_sink, tmp_path) -> Iterator[Cluster]:
    user, _ = fresh_mailbox
    upgrade(postgres_url)  # what `narahubung db upgrade` does: Narahubung's tables and procrastinate's
    logs = tmp_path / "logs"
    logs.mkdir()
    made = Cluster(postgres_url, tmp_path / "data", dovecot.url(user), smtp_sink.url, logs)
    made.user = user  # type: ignore[attr-defined]
    try:
        yield made
    finally:
        made.stop_all()
        made.engine.dispose()


def all_done(cluster: Cluster, count: int) -> Callable[[], bool]:
    def check() -> bool:
        statuses = cluster.counts()
        if sum(statuses.values()) < count or statuses[RawStatus.PENDING]:
            return False
        with cluster.factory() as session:
            open_letters = session.scalar(select(func.count()).where(
                Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING])))
        return open_letters == 0 and session is not None and cluster.sql(
            "SELECT count(*) FROM procrastinate.procrastinate_jobs WHERE status = 'doing' "
            "AND task_name NOT LIKE '%fetch_folder'")[0][0] == 0
    return check


def assert_once_each(cluster: Cluster, smtp_sink, count: int, *, killed: int = 0) -> None:
    """`killed`: workers killed mid-run; each may have been sending one letter per job it was running (a job per
    core by default), whose outcome is then unknown (for staff, never sent again by itself)."""
    with cluster.factory() as session:
        keys = session.execute(select(RawMessage.mailbox, RawMessage.uidvalidity, RawMessage.uid)).all()
        assert len(keys) == len(set(keys)) == count, f"{len(keys)} rows for {count} mails"
        assert Counter(session.scalars(select(RawMessage.status))) == {RawStatus.PROCESSED: count}
        per_raw = Counter(session.scalars(select(Case.raw_message_id)))
        assert len(per_raw) == count and set(per_raw.values()) == {1}, "one case per message"
        references = sorted(session.scalars(select(Case.reference)))
        numbers = sorted(int(ref.rsplit("/", 1)[1]) for ref in references)
        assert numbers == list(range(1, count + 1)), "references gap-free"
        cases = Counter(session.scalars(select(Case.status)))
        deliveries = session.execute(select(Delivery.message_id, Delivery.purpose, Delivery.status)).all()
    unknown = [(mid, purpose) for mid, purpose, status in deliveries if status == DeliveryStatus.UNKNOWN]
    assert len(unknown) <= killed * CORES, f"letters marked interrupted: {unknown}"
    assert {status for _, _, status in deliveries} <= {DeliveryStatus.SENT, DeliveryStatus.UNKNOWN}
    held = sum(1 for _, purpose in unknown if purpose == "forward")  # its case went before staff
    assert cases == Counter({CaseStatus.ROUTED: count - held, CaseStatus.NEEDS_REVIEW: held}) - Counter(), \
        "every complaint routed (the rules are sure of these)"
    at_server = Counter(str(m.message["Message-ID"]).strip() for m in smtp_sink.messages)
    doubled = {mid: n for mid, n in at_server.items() if n > 1}
    assert not doubled, f"letters sent twice: {doubled}"
    sent = {mid for mid, _, status in deliveries if status == DeliveryStatus.SENT}
    assert sent <= set(at_server) <= sent | {mid for mid, _ in unknown}
    forwards = [mid for mid, purpose, _ in deliveries if purpose == "forward"]
    assert len(forwards) == count, "one forwarding letter per case"


def test_on_sqlite_the_worker_refuses_in_one_sentence(tmp_path):
    env = {**os.environ, "NARAHUBUNG_DATA_DIR": str(tmp_path / "data")}
    env.pop("NARAHUBUNG_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "entry", "worker"], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "narahubung run" in done.stderr and "PostgreSQL" in done.stderr
    sentence = " ".join(done.stderr.split())  # the console wraps it at its width
    assert "Traceback" not in done.stderr and sentence.startswith("Galat:") and sentence.count(". ") == 0


def test_three_workers_take_the_mails_and_each_is_stored_processed_and_sent_once(cluster, dovecot, smtp_sink):
    for i in range(MAILS):
        dovecot.append(complaint(i), user=cluster.user)
    for _ in range(3):
        cluster.start_worker()
    wait_until(all_done(cluster, MAILS), 300, f"{MAILS} mails processed and delivered", cluster)
    assert_once_each(cluster, smtp_sink, MAILS)
    assert all(p.poll() is None for p in cluster.processes), "no worker died"


def test_a_worker_killed_mid_run_loses_and_doubles_nothing(cluster, dovecot, smtp_sink):
    for _ in range(2):
        cluster.start_worker()
    wait_until(lambda: cluster.workers_alive() >= 6, 60, "two workers (fetch, ocr and jobs each) registered", cluster)
    for i in range(MAILS):
        dovecot.append(complaint(i), user=cluster.user)
    wait_until(lambda: cluster.counts()[RawStatus.PROCESSED] >= MAILS // 4, 200, "a quarter processed", cluster)
    victim = cluster.processes[0]
    victim.kill()  # SIGKILL: no goodbye, its jobs stay `doing` until its heartbeat is old
    victim.wait(timeout=10)
    assert victim.returncode == -9
    cluster.start_worker()
    wait_until(all_done(cluster, MAILS), 300, "all mails done after the kill", cluster)
    assert_once_each(cluster, smtp_sink, MAILS, killed=1)


def test_a_mailbox_lock_held_by_a_dead_worker_goes_to_another(cluster, dovecot, smtp_sink):
    holder = cluster.start_worker("--queues", "fetch")
    fetch_jobs = ("SELECT j.worker_id FROM procrastinate.procrastinate_jobs j WHERE j.status = 'doing' "
                  "AND j.task_name LIKE '%fetch_folder'")
    wait_until(lambda: bool(cluster.sql(fetch_jobs)), 60, "the folder held by the first worker", cluster)
    holder.kill()
    holder.wait(timeout=10)
    assert cluster.sql(fetch_jobs), "the dead worker's fetch job still holds the folder's lock"
    dovecot.append(complaint(1), user=cluster.user)
    killed_at = time.monotonic()
    cluster.start_worker()
    wait_until(lambda: cluster.counts()[RawStatus.PROCESSED] == 1, 60, "the new mail fetched by the other worker",
               cluster)
    taken_after = time.monotonic() - killed_at
    assert cluster.counts() == {RawStatus.PROCESSED: 1}
    assert taken_after < 30, f"the lock came free only after {taken_after:.1f} s"
