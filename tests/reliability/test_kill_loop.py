"""kill -9 of a running `narahubung run`, at seeded moments, while mail keeps arriving; then `run --once`.

Afterwards: one row per (mailbox, UIDVALIDITY, UID), one case per message, no letter at the SMTP server
twice, no delivery left pending or sending (a letter cut off while sending is `unknown`, for staff), and
every blob's sha256 matches its file.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time

import pytest
from reliability_support import assert_store_consistent, complaint, doubled, message_ids
from sqlalchemy import select

from core.settings import PROJECT_ROOT
from storage.blobs import BlobStore
from storage.db import make_engine, session_factory
from storage.models import Delivery, DeliveryStatus

pytestmark = pytest.mark.servers

KILLS = 5
PER_WAVE = 12


def test_kill_9_while_running_loses_and_doubles_nothing(tmp_path, dovecot, fresh_mailbox, smtp_sink):
    user, _ = fresh_mailbox
    data_dir = tmp_path / "data"
    env = {**os.environ, "NARAHUBUNG_DATA_DIR": str(data_dir), "NARAHUBUNG_IMAP_URL": dovecot.url(user),
           "NARAHUBUNG_SMTP_URL": smtp_sink.url, "NARAHUBUNG_POLL_INTERVAL": "0.5",
           "NARAHUBUNG_CLASSIFIER": "rules"}  # the rules start in no time; the kills are what is tested
    rng = random.Random(1204)
    command = [sys.executable, "-m", "entry"]
    killed_at = []
    for wave in range(KILLS):
        process = subprocess.Popen([*command, "run"], env=env, cwd=PROJECT_ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(rng.uniform(0.2, 1.0))
            for i in range(wave * PER_WAVE, (wave + 1) * PER_WAVE):
                dovecot.append(complaint(i), user=user)
            pause = rng.uniform(0.3, 2.5)
            time.sleep(pause)
            killed_at.append(round(pause, 2))
        finally:
            process.kill()  # SIGKILL, this process only
            process.wait(timeout=30)
        assert process.returncode == -9, f"run ended by itself ({process.returncode}) before kill {wave + 1}"

    final = subprocess.run([*command, "run", "--once"], env=env, cwd=PROJECT_ROOT, check=False, capture_output=True, text=True,
                           timeout=240)
    assert final.returncode == 0, final.stderr[-2000:]

    factory = session_factory(make_engine(f"sqlite:///{data_dir}/narahubung.sqlite3"))
    assert_store_consistent(factory, BlobStore(data_dir / "blobs"), KILLS * PER_WAVE)
    at_sink = message_ids(smtp_sink)
    assert not doubled(at_sink.elements()), f"a letter reached the server twice (kills at {killed_at})"
    with factory() as session:
        rows = session.execute(select(Delivery.message_id, Delivery.status)).all()
    assert len(rows) == 2 * KILLS * PER_WAVE
    for message_id, status in rows:
        assert status in (DeliveryStatus.SENT, DeliveryStatus.UNKNOWN), status
        if status == DeliveryStatus.SENT:
            assert at_sink[message_id] == 1
