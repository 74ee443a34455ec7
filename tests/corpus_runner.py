"""Run the whole extraction over real-world corpora and print ONE JSON summary on stdout.

    python tests/corpus_runner.py [--jobs N] [--per-file-timeout S] [--ocr-pages-cap N] DIR [DIR ...]

Meant to run as a child process of tests/test_extract_corpus.py, so that its memory is measured
apart from pytest and a hard crash in a C library cannot take pytest down.

Layout: this process plans the files and hands them, one at a time, to N worker processes (this
same script with --worker; N = --jobs, default the number of cores, at most 2). A worker that
dies (segfault, OOM kill) or stops answering is recorded against the file it was working on and
replaced, so one pathological file is a record, never a lost run.

What each file is fed to:
  * a folder whose name contains "mail" (mail-corpus) holds messages: every file there goes
    through `parse_message` + `extract_mail`, except
      - TNEF blobs (*.tnef, winmail.dat): `extract_file(name, data, "application/ms-tnef")`,
      - files with a document suffix (.pdf, .doc, .png …) or inside a `files/` folder (the
        attachments a parser's tests expect): `extract_file`;
  * everything else (pdf-corpus): `extract_file`.
  LICENSE*, README*, SOURCE.md, *.md/*.rst/*.toml/*.py and PDF_PROFILE.txt are bookkeeping.

Per file: path, number of documents, total characters, the first characters of the text, the
recorded reasons (document errors, or MessageUnparseable), the seconds taken and any exception
that escaped. `outcome` is
text | reason | failed (an exception escaped, or neither text nor a reason).
Timeouts: an alarm in the worker (--per-file-timeout) turns a Python-level hang into a record;
if the worker does not answer 30 s after that (a hang inside C code), it is killed.

Memory: each worker reports its own peak RSS and that of its largest child (tesseract), from
getrusage. `max_rss_mb` is the largest worker peak + its largest child peak (the two live at
the same time while a page is OCRed).

`--ocr-pages-cap N` (or env NARAHUBUNG_CORPUS_OCR_PAGES) is passed as
`limits=Limits(max_ocr_pages=N)` only if the public extraction functions accept `limits`;
the summary says whether it was applied.
"""

from __future__ import annotations

import os

# Before anything can start tesseract: one OpenMP thread per process is 4-5x faster on 2 cores.
os.environ["OMP_THREAD_LIMIT"] = "1"

import argparse
import contextlib
import json
import resource
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path

SKIP_NAMES = {"source.md", "pdf_profile.txt", ".gitattributes", "reuse.toml"}
SKIP_PREFIXES = ("license", "licence", "readme", "mit-license", "copying")
SKIP_SUFFIXES = {".md", ".rst", ".toml", ".py"}
DOCUMENT_SUFFIXES = {
    ".pdf", ".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".bmp", ".webp", ".jb2",
    ".doc", ".docx", ".odt", ".rtf", ".xls", ".xlsx", ".zip", ".html", ".htm",
}
TNEF_NAMES = {"winmail.dat"}
TNEF_TYPE = "application/ms-tnef"
MESSAGE_LIMIT = 300  # characters kept of each reason / exception message
TEXT_HEAD = 20_000  # characters of text kept per file: enough to find a title wherever the layer puts it
HARD_TIMEOUT_GRACE_S = 30


# ---------------------------------------------------------------------------
# What to feed each file to
# ---------------------------------------------------------------------------


def _is_skipped(rel: Path) -> bool:
    name = rel.name.lower()
    return (
        name in SKIP_NAMES
        or name.startswith(SKIP_PREFIXES)
        or rel.suffix.lower() in SKIP_SUFFIXES
        or "LICENSES" in rel.parts
    )


def plan(dirs: list[Path]) -> list[tuple[str, str, str]]:
    """(root, file, kind) for every input file; kind is mail | tnef | file."""
    out: list[tuple[str, str, str]] = []
    for root in dirs:
        mail_tree = "mail" in root.name.lower()
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            rel = path.relative_to(root)
            if _is_skipped(rel):
                continue
            suffix = path.suffix.lower()
            if suffix == ".tnef" or path.name.lower() in TNEF_NAMES:
                kind = "tnef"
            elif suffix == ".eml":
                kind = "mail"
            elif not mail_tree or suffix in DOCUMENT_SUFFIXES or "files" in rel.parts[:-1]:
                kind = "file"
            else:
                kind = "mail"
            out.append((str(root), str(path), kind))
    return out


def _rel(root: str, path: str) -> str:
    return str(Path(Path(root).name) / Path(path).relative_to(root))


def _cut(text: object) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


def _rss_mb(who: int) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)  # Linux reports kilobytes


# ---------------------------------------------------------------------------
# Worker: extracts the files it is sent, one JSON line per file
# ---------------------------------------------------------------------------


class FileTimedOut(BaseException):
    """Raised by the alarm. A BaseException, so the extractors' `except Exception` cannot hide a hang."""


def _on_alarm(signum, frame):
    raise FileTimedOut


def _documents(result) -> list:
    """extract_file returns one document today and a list (a ZIP gives several) after the rewrite."""
    if result is None:
        return []
    if hasattr(result, "text"):
        return [result]
    return list(result)


def _kill_children() -> list[int]:
    """After a timeout: end the processes this worker started (a tesseract left running)."""
    me, killed = os.getpid(), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == me:
            try:
                os.kill(int(entry.name), signal.SIGKILL)
                os.waitpid(int(entry.name), 0)
                killed.append(int(entry.name))
            except (OSError, ChildProcessError):
                pass
    return killed


def _extractors(ocr_cap: int | None):
    import inspect

    from ingest.extract import Limits, extract_file, extract_mail
    from ingest.parse import parse_message

    kw_file: dict = {}
    kw_mail: dict = {}
    if ocr_cap is not None:
        limits = Limits(max_ocr_pages=ocr_cap)
        if "limits" in inspect.signature(extract_file).parameters:
            kw_file["limits"] = limits
        if "limits" in inspect.signature(extract_mail).parameters:
            kw_mail["limits"] = limits

    def run_file(path: Path, content_type: str | None = None) -> list:
        return _documents(extract_file(path.name, path.read_bytes(), content_type, **kw_file))

    def run_mail(path: Path) -> list:
        return _documents(extract_mail(parse_message(path.read_bytes()), **kw_mail))

    return run_file, run_mail, bool(kw_file or kw_mail)


def run_one(root: str, path: str, kind: str, run_file, run_mail, timeout_s: int) -> dict:
    import traceback

    from ingest.errors import MessageUnparseable

    rel = _rel(root, path)
    record: dict = {
        "path": rel, "kind": kind, "documents": 0, "chars": 0, "errors": [], "reason": None,
        "methods": [], "silent_documents": 0, "text_head": "", "seconds": 0.0, "exception": None,
        "timed_out": False,
    }
    print(f"start {rel}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    signal.alarm(timeout_s)
    try:
        if kind == "mail":
            docs = run_mail(Path(path))
        elif kind == "tnef":
            docs = run_file(Path(path), TNEF_TYPE)
        else:
            docs = run_file(Path(path))
        signal.alarm(0)
        record["documents"] = len(docs)
        record["chars"] = sum(len(d.text or "") for d in docs)
        record["errors"] = [_cut(f"{d.path}: {d.error}") for d in docs if d.error]
        record["methods"] = sorted({str(d.method) for d in docs})
        record["silent_documents"] = sum(1 for d in docs if not (d.text or "").strip() and not d.error)
        record["text_head"] = " ".join(" ".join(d.text or "" for d in docs).split())[:TEXT_HEAD]
    except MessageUnparseable as exc:
        signal.alarm(0)
        record["reason"] = _cut(f"MessageUnparseable: {exc}")
    except FileTimedOut:
        record["timed_out"] = True
        record["exception"] = {"type": "Timeout", "message": f"no result after {timeout_s} s", "where": ""}
        record["killed_children"] = _kill_children()
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - recording exactly this is the point
        signal.alarm(0)
        frames = traceback.extract_tb(exc.__traceback__)[-5:]
        where = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames))
        record["exception"] = {"type": type(exc).__name__, "message": _cut(exc), "where": where}
    record["seconds"] = round(time.perf_counter() - started, 3)
    record["rss_mb"] = _rss_mb(resource.RUSAGE_SELF)
    record["children_rss_mb"] = _rss_mb(resource.RUSAGE_CHILDREN)
    return record


def worker(timeout_s: int, ocr_cap: int | None) -> int:
    """Reads `[root, path, kind]` lines on stdin, answers one `{"record": …}` line each."""
    import faulthandler
    import logging
    import warnings

    # stdout carries only the protocol: whatever a library prints (Python or C level) goes to stderr.
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    faulthandler.enable(sys.stderr)
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    warnings.simplefilter("ignore")
    signal.signal(signal.SIGALRM, _on_alarm)

    run_file, run_mail, applied = _extractors(ocr_cap)
    out.write(json.dumps({"ready": True, "limits_applied": applied}) + "\n")
    out.flush()
    for line in sys.stdin:
        root, path, kind = json.loads(line)
        record = run_one(root, path, kind, run_file, run_mail, timeout_s)
        out.write(json.dumps({"record": record}, ensure_ascii=False) + "\n")
        out.flush()
    return 0


# ---------------------------------------------------------------------------
# Orchestrator
# ---------------------------------------------------------------------------


class _Slot(threading.Thread):
    """Keeps one worker busy with files from the shared queue; replaces it if it dies or hangs."""

    def __init__(self, tasks: deque, lock: threading.Lock, args: argparse.Namespace) -> None:
        super().__init__(daemon=True)
        self.tasks, self.lock, self.args = tasks, lock, args
        self.records: list[dict] = []
        self.workers_started = 0
        self.limits_applied = False
        self.proc: subprocess.Popen | None = None
        self.stderr_tail: deque = deque(maxlen=40)
        self.fatal: str | None = None

    def _start(self) -> None:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker",
               "--per-file-timeout", str(self.args.per_file_timeout)]
        if self.args.ocr_pages_cap is not None:
            cmd += ["--ocr-pages-cap", str(self.args.ocr_pages_cap)]
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, bufsize=1, start_new_session=True,
        )
        self.workers_started += 1
        self.drain = threading.Thread(target=self._drain, args=(self.proc,), daemon=True)
        self.drain.start()
        hello = self._answer(120)
        if hello in ("eof", "timeout"):
            raise RuntimeError(f"worker did not start ({hello}):\n" + "\n".join(self.stderr_tail))
        self.limits_applied = bool(hello["limits_applied"])

    def _drain(self, proc: subprocess.Popen) -> None:
        for line in proc.stderr:
            self.stderr_tail.append(line.rstrip("\n")[:500])

    def _answer(self, timeout_s: float) -> dict | str:
        """The worker's next message, or "eof" if it died, or "timeout" if it did not answer in time."""
        import select

        assert self.proc is not None and self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout_s)
        if not ready:
            return "timeout"
        line = self.proc.stdout.readline()
        return json.loads(line) if line else "eof"

    def _end_worker(self, hung: bool) -> tuple[int | None, float]:
        """Ends the worker and whatever it started (tesseract); its exit code and peak RSS."""
        assert self.proc is not None
        pid = self.proc.pid
        done, status, usage = 0, 0, None
        if not hung:  # its stdout closed: it is exiting, let it finish so its own exit status is kept
            for _ in range(100):
                done, status, usage = os.wait4(pid, os.WNOHANG)
                if done:
                    break
                time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        if not done:
            _, status, usage = os.wait4(pid, 0)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        return self.proc.returncode, round(usage.ru_maxrss / 1024, 1) if usage else 0.0

    def run(self) -> None:
        try:
            self._run()
        except Exception as exc:  # noqa: BLE001 - e.g. the extraction package does not import
            self.fatal = f"{type(exc).__name__}: {exc}"

    def _run(self) -> None:
        self._start()
        while True:
            with self.lock:
                if not self.tasks:
                    break
                root, path, kind = self.tasks.popleft()
            assert self.proc is not None and self.proc.stdin is not None
            self.stderr_tail.clear()
            started = time.perf_counter()
            try:
                self.proc.stdin.write(json.dumps([root, path, kind]) + "\n")
                self.proc.stdin.flush()
                answer = self._answer(self.args.per_file_timeout + HARD_TIMEOUT_GRACE_S)
            except (BrokenPipeError, ValueError):
                answer = "eof"
            if isinstance(answer, dict):
                self.records.append(answer["record"])
                continue
            # the worker died (segfault, OOM kill) or hangs in C code: record it against this file
            hung = answer == "timeout"
            code, maxrss_mb = self._end_worker(hung)
            self.drain.join(timeout=5)  # the worker's last words (faulthandler's traceback)
            self.records.append({
                "path": _rel(root, path), "kind": kind, "documents": 0, "chars": 0, "errors": [],
                "reason": None, "methods": [], "silent_documents": 0, "text_head": "",
                "seconds": round(time.perf_counter() - started, 3), "timed_out": hung,
                "exception": {
                    "type": "HardTimeout" if hung else "WorkerCrashed",
                    "message": (f"no answer after {self.args.per_file_timeout + HARD_TIMEOUT_GRACE_S} s, worker killed"
                                if hung else f"worker died, exit status {code}"),
                    "where": " | ".join(list(self.stderr_tail)[-8:]),
                },
                "rss_mb": maxrss_mb, "children_rss_mb": 0.0,
            })
            self._start()
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def orchestrate(args: argparse.Namespace) -> dict:
    missing = [str(d) for d in args.dirs if not d.is_dir()]
    if missing:
        return {"error": f"not a folder: {', '.join(missing)}"}
    t0 = time.perf_counter()
    files = plan([d.resolve() for d in args.dirs])
    order = {path: i for i, (_, path, _) in enumerate(files)}
    tasks, lock = deque(files), threading.Lock()
    slots = [_Slot(tasks, lock, args) for _ in range(max(1, args.jobs))]
    for slot in slots:
        slot.start()
    for slot in slots:
        slot.join()
    total_s = time.perf_counter() - t0
    fatal = [slot.fatal for slot in slots if slot.fatal]
    if fatal:
        return {"error": "a worker could not run: " + " / ".join(fatal)[:5000]}

    records = [r for slot in slots for r in slot.records]
    root_of = {_rel(root, path): order[path] for root, path, _ in files}
    records.sort(key=lambda r: root_of.get(r["path"], 0))
    for r in records:
        has_reason = bool(r["errors"] or r["reason"])
        r["outcome"] = "failed" if r["exception"] else "text" if r["chars"] > 0 else "reason" if has_reason else "failed"

    worst_self = max(records, key=lambda r: r["rss_mb"], default=None)
    worst_child = max(records, key=lambda r: r["children_rss_mb"], default=None)
    self_mb = worst_self["rss_mb"] if worst_self else 0.0
    child_mb = worst_child["children_rss_mb"] if worst_child else 0.0
    by_kind: dict[str, int] = {}
    for r in records:
        by_kind[r["kind"]] = by_kind.get(r["kind"], 0) + 1
    failed = [r for r in records if r["outcome"] == "failed"]
    summary = {
        "dirs": [str(d) for d in args.dirs],
        "files": len(records),
        "files_planned": len(files),
        "by_kind": by_kind,
        "files_with_text": sum(r["outcome"] == "text" for r in records),
        "files_with_reason_only": sum(r["outcome"] == "reason" for r in records),
        "files_failed": len(failed),
        "exceptions": sum(1 for r in records if r["exception"]),
        "timed_out": [r["path"] for r in records if r["timed_out"]],
        "crashed": [r["path"] for r in records if (r["exception"] or {}).get("type") == "WorkerCrashed"],
        "failed": failed,
        "documents": sum(r["documents"] for r in records),
        "silent_documents": sum(r["silent_documents"] for r in records),
        "seconds_total": round(total_s, 1),
        "seconds_summed_over_files": round(sum(r["seconds"] for r in records), 1),
        "jobs": len(slots),
        "workers_started": sum(s.workers_started for s in slots),
        "per_file_timeout_s": args.per_file_timeout,
        "ocr_pages_cap": args.ocr_pages_cap,
        "ocr_pages_cap_applied": any(s.limits_applied for s in slots),
        "slowest": [
            {"path": r["path"], "seconds": r["seconds"], "methods": r["methods"]}
            for r in sorted(records, key=lambda r: r["seconds"], reverse=True)[:10]
        ],
        # A worker's peak RSS (RUSAGE_SELF) is reached while it holds a rendered page; its largest
        # child (tesseract, RUSAGE_CHILDREN) runs at that same time: their sum is the footprint.
        "rss_self_mb": self_mb,
        "rss_self_peak_at": worst_self["path"] if worst_self else None,
        "rss_children_mb": child_mb,
        "rss_children_peak_at": worst_child["path"] if worst_child else None,
        "max_rss_mb": round(self_mb + child_mb, 1),
        "rss_orchestrator_mb": _rss_mb(resource.RUSAGE_SELF),
        "omp_thread_limit": os.environ.get("OMP_THREAD_LIMIT"),
    }
    if not args.no_records:
        summary["records"] = records
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--per-file-timeout", type=int,
                        default=int(os.environ.get("NARAHUBUNG_CORPUS_FILE_TIMEOUT", "60")))
    cap = os.environ.get("NARAHUBUNG_CORPUS_OCR_PAGES")
    parser.add_argument("--ocr-pages-cap", type=int, default=int(cap) if cap else None)
    parser.add_argument("--no-records", action="store_true", help="leave the per-file records out of the JSON")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.per_file_timeout, args.ocr_pages_cap)
    if not args.dirs:
        parser.error("give at least one folder")
    summary = orchestrate(args)
    json.dump(summary, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 2 if "error" in summary else 0


if __name__ == "__main__":
    sys.exit(main())
