"""Case references: configurable format, unique and gap-free per year, also under concurrent workers."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from routing.rules import Life
from storage.db import (
    make_engine,
    session_factory,
    transaction,
    upgrade,
    write_with_retry,
)
from storage.repository import next_reference

WORKERS, EACH = 6, 20


def factory_for(url: str):
    upgrade(url)
    return session_factory(make_engine(url))


def hand_out_concurrently(factory, year: int = 2026) -> list[str]:
    refs: list[str] = []
    lock, errors = threading.Lock(), []

    def worker() -> None:
        try:
            for _ in range(EACH):
                ref = write_with_retry(factory, lambda s: next_reference(s, "ORI-BABEL", year))
                with lock:
                    refs.append(ref)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return refs


def assert_gap_free(refs: list[str], count: int, year: int = 2026) -> None:
    numbers = sorted(int(r.rsplit("/", 1)[1]) for r in refs)
    assert numbers == list(range(1, count + 1))
    assert all(r.startswith(f"ORI-BABEL/{year}/") for r in refs)


def test_threads_on_sqlite_get_unique_gap_free_numbers(tmp_path):
    factory = factory_for(f"sqlite:///{tmp_path / 'n.sqlite3'}")
    assert_gap_free(hand_out_concurrently(factory), WORKERS * EACH)


def test_threads_on_postgresql_get_unique_gap_free_numbers(postgres_url):
    factory = factory_for(postgres_url)
    assert_gap_free(hand_out_concurrently(factory), WORKERS * EACH)


PROCESS = """
import sys
from storage.db import make_engine, session_factory, write_with_retry
from storage.repository import next_reference
factory = session_factory(make_engine(sys.argv[1]))
for _ in range(int(sys.argv[2])):
    print(write_with_retry(factory, lambda s: next_reference(s, "ORI-BABEL", 2026)), flush=True)
"""


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_separate_processes_get_unique_gap_free_numbers(backend, tmp_path, request):
    url = request.getfixturevalue("postgres_url") if backend == "postgresql" else f"sqlite:///{tmp_path / 'p.sqlite3'}"
    factory_for(url)
    procs = [subprocess.Popen([sys.executable, "-c", PROCESS, url, str(EACH)], stdout=subprocess.PIPE, text=True)
             for _ in range(4)]
    refs = [line.strip() for p in procs for line in p.communicate(timeout=120)[0].splitlines()]
    assert all(p.returncode == 0 for p in procs)
    assert_gap_free(refs, 4 * EACH)


def test_a_rolled_back_case_gives_its_number_back(tmp_path):
    factory = factory_for(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    with transaction(factory) as session:
        assert next_reference(session, "ORI-BABEL", 2026) == "ORI-BABEL/2026/000001"
    with pytest.raises(RuntimeError), transaction(factory) as session:
        assert next_reference(session, "ORI-BABEL", 2026) == "ORI-BABEL/2026/000002"
        raise RuntimeError("the case could not be recorded")
    with transaction(factory) as session:
        assert next_reference(session, "ORI-BABEL", 2026) == "ORI-BABEL/2026/000002"


def test_each_year_starts_again_at_one_and_the_format_is_configurable(tmp_path):
    factory = factory_for(f"sqlite:///{tmp_path / 'y.sqlite3'}")
    fmt = "{prefix}-{number:04d}/{year}"
    with transaction(factory) as session:
        assert next_reference(session, "ORI-BABEL", 2026, fmt) == "ORI-BABEL-0001/2026"
        assert next_reference(session, "ORI-BABEL", 2026, fmt) == "ORI-BABEL-0002/2026"
        assert next_reference(session, "ORI-BABEL", 2027, fmt) == "ORI-BABEL-0001/2027"


@pytest.mark.parametrize("bad", ["{prefix}/{year}", "{prefix}/{tahun}/{number}", "{prefix}\n{number}"])
def test_a_format_without_a_number_or_with_unknown_fields_is_refused(bad):
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Life(reference_format=bad)


def test_a_quoted_message_id_folded_onto_its_own_line_is_still_found():
    """Python's SMTP policy folds a long Message-ID of ours ("Message-ID:\\r\\n <…>"); a delivery report quoting
    such a letter must still say which letter bounced."""
    from routing.threads import quoted_message_ids

    raw = (b"Content-Type: message/rfc822\r\n\r\nSubject: Tanda terima\r\nMessage-ID:\r\n"
           b" <179634496708.524.204168308994741985.ORI-BABEL.2026.000001@ombudsman.example>\r\n"
           b"In-Reply-To: <x@surel.example>\r\n")
    assert quoted_message_ids(raw) == ["<179634496708.524.204168308994741985.ORI-BABEL.2026.000001@ombudsman.example>"]
    assert quoted_message_ids(b"message-id: <a@b>\r\nX-Other: <c@d>\r\n") == ["<a@b>"]
