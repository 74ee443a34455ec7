"""The whole extraction over real-world corpora: hundreds of test files from public parser projects.

../shared/data/mail-corpus (messages from CPython, mail-parser, ruby mail, php-mime-mail-parser,
zbateson; TNEF blobs) and ../shared/data/pdf-corpus (pdfplumber, pdfminer.six, OCRmyPDF).
tests/corpus_runner.py runs every file in a child process (workers it restarts after a crash),
so memory is measured apart from pytest and a segfault cannot take pytest down. Asserted:
  * no exception escapes `parse_message` + `extract_mail` / `extract_file` (MessageUnparseable
    is a recorded reason), no file crashes or hangs a worker;
  * every file yields text or a recorded reason;
  * memory stays bounded (MAX_WORKER_RSS_MB, MAX_TESSERACT_RSS_MB below);
  * spot checks from pdf-corpus/PDF_PROFILE.txt: text PDFs give their text, password-protected
    PDFs give a reason that says so (or their text if they open with the empty password),
    broken PDFs give a reason.
Every failure message carries the runner's JSON summary; the full JSON (every file's record)
is written to a file whose path is printed.

The corpora sit beside the checkout (../shared/data). If they are missing the test FAILS when
the environment variable CI is set, and is skipped otherwise.
Time: about 80 s for 440 files on 2 cores (OCR of ~30 scanned pages dominates).
NARAHUBUNG_CORPUS_OCR_PAGES (default 2; "all" for no cap) caps OCRed pages per document once
the extraction API accepts `limits`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
CORPORA = [SHARED_DATA / "mail-corpus", SHARED_DATA / "pdf-corpus"]
PDF_PROFILE = SHARED_DATA / "pdf-corpus" / "PDF_PROFILE.txt"
RUNNER = Path(__file__).resolve().parent / "corpus_runner.py"

# Memory bound, per process. Measured on 2026-11-22 (legacy extractors): worker peak 697-756 MB,
# largest tesseract 766-872 MB, both on pdf-corpus/ocrmypdf-scans/.../multipage.pdf page 2, a
# 30 x 30 inch page rendered at 300 dpi (9000 x 9000 = 81 Mpx). 1024 MB also admits one page at
# Limits.max_pixels (80 Mpx); worker + tesseract together peak at about 1.6 GB.
MAX_WORKER_RSS_MB = 1024
MAX_TESSERACT_RSS_MB = 1024
MIN_FILES = 400  # 440 files today; fewer means the runner skipped or lost some
RUN_TIMEOUT_S = 1200
PER_FILE_TIMEOUT_S = 90
ENCRYPTION_WORDS = ("enkripsi", "kata sandi", "sandi", "encrypt", "password")


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _brief(summary: dict) -> str:
    """The summary without the per-file records (failed files as one line each), for failure messages."""
    shown = {k: v for k, v in summary.items() if k not in ("records", "failed")}
    shown["failed"] = [f"{r['path']}: {r['outcome']} {(r['exception'] or {}).get('type', '')}" for r in summary["failed"]]
    return "runner summary:\n" + json.dumps(shown, indent=1, ensure_ascii=False)[:20000]


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory) -> dict:
    missing = [str(c) for c in CORPORA if not c.is_dir()]
    if missing:
        message = (
            f"real-world corpora not found: {', '.join(missing)}. They live in ../shared/data beside "
            f"the checkout ({PROJECT_ROOT}); CI must provide that folder."
        )
        if _ci():
            pytest.fail(message + " (CI is set, so this is a failure, not a skip)")
        pytest.skip(message)

    cmd = [sys.executable, str(RUNNER), "--per-file-timeout", str(PER_FILE_TIMEOUT_S), *map(str, CORPORA)]
    cap = os.environ.get("NARAHUBUNG_CORPUS_OCR_PAGES", "2").strip().lower()
    if cap not in ("", "all", "none"):
        cmd += ["--ocr-pages-cap", cap]
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, env=env, cwd=PROJECT_ROOT)
    except subprocess.TimeoutExpired as exc:
        tail = (exc.stderr or b"")[-3000:]
        pytest.fail(f"corpus runner did not finish in {RUN_TIMEOUT_S} s; stderr tail:\n{tail!r}")
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        pytest.fail(
            f"corpus runner exited {done.returncode}\nstdout: {done.stdout[-3000:]}\nstderr tail:\n{done.stderr[-3000:]}"
        )
    summary = json.loads(lines[-1])
    out = tmp_path_factory.mktemp("corpus") / "corpus-run.json"
    out.write_text(json.dumps(summary, indent=1, ensure_ascii=False))
    print(
        f"\ncorpus run: {summary['files']} files in {summary['seconds_total']} s, "
        f"{summary['files_failed']} failed, max RSS worker {summary['rss_self_mb']} MB + "
        f"tesseract {summary['rss_children_mb']} MB; full JSON: {out}"
    )
    return summary


def _records(summary: dict) -> dict[str, dict]:
    return {r["path"]: r for r in summary["records"]}


def _line(r: dict) -> str:
    exc = r["exception"]
    what = f"{exc['type']}: {exc['message']} [{exc['where']}]" if exc else f"errors={r['errors']} reason={r['reason']}"
    return f"  {r['path']} ({r['kind']}, {r['documents']} docs, {r['chars']} chars): {what}"


def test_every_corpus_file_was_run(corpus_run):
    assert corpus_run["files"] == corpus_run["files_planned"] >= MIN_FILES, _brief(corpus_run)
    assert {"mail", "file", "tnef"} <= set(corpus_run["by_kind"]), _brief(corpus_run)


def test_no_exception_escapes_and_nothing_crashes_or_hangs(corpus_run):
    bad = [r for r in corpus_run["records"] if r["exception"]]
    assert not bad, f"{len(bad)} files raised, crashed or hung:\n" + "\n".join(map(_line, bad)) + "\n" + _brief(corpus_run)


def test_every_file_yields_text_or_a_recorded_reason(corpus_run):
    silent = [r for r in corpus_run["records"] if not r["exception"] and r["outcome"] == "failed"]
    assert not silent, (
        f"{len(silent)} files gave neither text nor a reason:\n" + "\n".join(map(_line, silent)) + "\n" + _brief(corpus_run)
    )


def test_memory_stays_bounded(corpus_run):
    assert corpus_run["rss_self_mb"] <= MAX_WORKER_RSS_MB, (
        f"extraction process peaked at {corpus_run['rss_self_mb']} MB > {MAX_WORKER_RSS_MB} MB "
        f"(reached at {corpus_run['rss_self_peak_at']})\n" + _brief(corpus_run)
    )
    assert corpus_run["rss_children_mb"] <= MAX_TESSERACT_RSS_MB, (
        f"tesseract peaked at {corpus_run['rss_children_mb']} MB > {MAX_TESSERACT_RSS_MB} MB "
        f"(reached at {corpus_run['rss_children_peak_at']})\n" + _brief(corpus_run)
    )


# --- spot checks driven by PDF_PROFILE.txt -----------------------------------------------------

_PROFILE_LINE = re.compile(
    r"^\s*(?P<size>\d+) enc=(?P<enc>\w+) pages=(?P<pages>\S+) textchars=(?P<chars>-?\d+)\s+(?P<errors>.*?)\s*(?P<path>pdf-\S+)$"
)


def _profile() -> list[dict]:
    """PDF_PROFILE.txt rows; 'pdf-pdfminer/samples/x.pdf' is the runner's 'pdf-corpus/pdfminer/samples/x.pdf'."""
    rows = []
    for line in PDF_PROFILE.read_text().splitlines():
        if m := _PROFILE_LINE.match(line):
            row = m.groupdict()
            row["chars"] = int(row["chars"])
            row["record_path"] = "pdf-corpus/" + row["path"].removeprefix("pdf-")
            rows.append(row)
    return rows


def _profiled(corpus_run: dict, keep) -> list[tuple[dict, dict]]:
    records = _records(corpus_run)
    rows = [row for row in _profile() if keep(row)]
    assert rows, "PDF_PROFILE.txt has no such rows"
    missing = [row["record_path"] for row in rows if row["record_path"] not in records]
    assert not missing, f"profiled PDFs the runner did not read: {missing}"
    return [(row, records[row["record_path"]]) for row in rows]


def _reasons(record: dict) -> str:
    return " ".join([*record["errors"], record["reason"] or ""]).lower()


def test_profile_text_pdfs_yield_their_text(corpus_run):
    """Unencrypted PDFs with a text layer (>= 500 chars on the first 3 pages) give that text."""
    pairs = _profiled(corpus_run, lambda row: row["enc"] == "False" and row["chars"] >= 500)
    short = [
        f"  {rec['path']}: {rec['chars']} chars (pdfminer read {row['chars']} on the first 3 pages) {rec['errors']}"
        for row, rec in pairs
        if rec["outcome"] != "text" or rec["chars"] < 0.5 * row["chars"]
    ]
    assert not short, "text PDFs without their text:\n" + "\n".join(short)


def test_known_text_reads_back(corpus_run):
    records = _records(corpus_run)
    expected = {
        "pdf-corpus/pdfplumber/tests/pdfs/nics-background-checks-2015-11.pdf": "NICS Firearm Background Checks",
        "pdf-corpus/pdfplumber/tests/pdfs/scotus-transcript-p1.pdf": "SUPREME COURT OF THE UNITED STATES",
        "pdf-corpus/pdfminer/samples/zen_of_python_corrupted.pdf": "Beautiful is better than ugly",  # broken xref
        "pdf-corpus/pdfminer/samples/simple1.pdf": "Hello World",  # pypdf cannot open it
        "pdf-corpus/ocrmypdf-scans/tests/resources/linn.pdf": "32 Track MIDI",  # image only: OCR
        "mail-corpus/zbateson-mmp/tests/_data/emails/m0001.txt": "Die Hasen und die Frösche",
    }
    wrong = {
        p: records[p]["text_head"][:120] for p, words in expected.items() if words not in records[p]["text_head"]
    }
    assert not wrong, f"expected text missing: {wrong}"


def test_profile_password_protected_pdfs_say_so(corpus_run):
    """pdfminer needs a password for these (user 'foo'): a reason naming encryption, or text if they open."""
    pairs = _profiled(corpus_run, lambda row: row["enc"] == "True" and "PDFPasswordIncorrect" in row["errors"])
    assert len(pairs) >= 8  # 7 pdfminer encryption samples + pdfplumber's password-example.pdf
    wrong = [
        f"  {rec['path']}: outcome={rec['outcome']} errors={rec['errors']}"
        for _row, rec in pairs
        if not (rec["outcome"] == "text" or any(w in _reasons(rec) for w in ENCRYPTION_WORDS))
    ]
    assert not wrong, f"password-protected PDFs whose reason does not mention encryption ({ENCRYPTION_WORDS}):\n" + "\n".join(wrong)


def test_profile_pdfs_encrypted_with_empty_password_yield_text(corpus_run):
    """Encrypted but readable with the empty user password: their text, as pdfminer read it."""
    pairs = _profiled(corpus_run, lambda row: row["enc"] == "True" and row["chars"] >= 500)
    wrong = [f"  {rec['path']}: {rec['chars']} chars {rec['errors']}" for _row, rec in pairs if rec["outcome"] != "text"]
    assert not wrong, "encrypted PDFs that open with the empty password gave no text:\n" + "\n".join(wrong)


def test_profile_broken_pdfs_give_a_reason(corpus_run):
    """Files no PDF library opens (invalid.pdf: header + EOF; empty.pdf: 0 bytes) give a reason, not text."""
    pairs = _profiled(corpus_run, lambda row: row["chars"] == -1 and row["enc"] == "None")
    assert {rec["path"].rsplit("/", 1)[1] for _row, rec in pairs} >= {"invalid.pdf", "empty.pdf"}
    wrong = [f"  {rec['path']}: outcome={rec['outcome']} {rec['errors']}" for _row, rec in pairs if rec["outcome"] != "reason"]
    assert not wrong, "broken PDFs without a reason:\n" + "\n".join(wrong)
