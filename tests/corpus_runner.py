"""Run the whole extraction over real-world corpora and print ONE JSON summary on stdout.

    python tests/corpus_runner.py [--per-file-timeout S] [--ocr-pages-cap N] DIR [DIR ...]

Meant to run as a child process of tests/test_extract_corpus.py, so that its memory can be
measured on its own and a hard crash (segfault in a C library) cannot take pytest down.

What each file is fed to:
  * a folder whose name contains "mail" (mail-corpus) holds messages: every file there goes
    through `parse_message` + `extract_mail`, except
      - TNEF blobs (*.tnef, winmail.dat): `extract_file(..., "application/ms-tnef")`,
      - files with a document suffix (.pdf, .doc, .png …) or inside a `files/` folder (the
        attachments a parser's tests expect): `extract_file`;
  * everything else (pdf-corpus): `extract_file`.
  Licence, README, SOURCE.md, *.md/*.rst/*.toml/*.py and PDF_PROFILE.txt are bookkeeping, not input.

Per file it records the path, the number of documents, their total characters, the recorded
reasons (document errors, or MessageUnparseable), the seconds taken and any exception that
escaped. A per-file alarm (--per-file-timeout) turns a hang into a recorded `timed_out` file.
Progress ("start PATH") goes to stderr, so after a hard crash the last line names the culprit.

`--ocr-pages-cap N` (or env NARAHUBUNG_CORPUS_OCR_PAGES) is passed as
`limits=Limits(max_ocr_pages=N)` only if the public extraction functions accept `limits`; the
summary says whether it was applied.
"""

from __future__ import annotations

import os

# Before anything can start tesseract: one OpenMP thread per process is 4-5x faster on 2 cores.
os.environ["OMP_THREAD_LIMIT"] = "1"

import argparse  # noqa: E402
import faulthandler  # noqa: E402
import inspect  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import resource  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

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


class FileTimedOut(BaseException):
    """Raised by the alarm. A BaseException, so the extractors' `except Exception` cannot hide a hang."""


def _on_alarm(signum, frame):  # noqa: ARG001
    raise FileTimedOut


def _documents(result) -> list:
    """extract_file returns one document today and a list (a ZIP gives several) after the rewrite."""
    if result is None:
        return []
    if hasattr(result, "text"):
        return [result]
    return list(result)


def _is_skipped(path: Path) -> bool:
    name = path.name.lower()
    return (
        name in SKIP_NAMES
        or name.startswith(SKIP_PREFIXES)
        or path.suffix.lower() in SKIP_SUFFIXES
        or "LICENSES" in path.parts
    )


def plan(dirs: list[Path]) -> list[tuple[Path, Path, str]]:
    """(root, file, kind) for every input file; kind is mail | tnef | file."""
    out: list[tuple[Path, Path, str]] = []
    for root in dirs:
        mail_tree = "mail" in root.name.lower()
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if _is_skipped(path.relative_to(root)):
                continue
            suffix = path.suffix.lower()
            if suffix == ".tnef" or path.name.lower() in TNEF_NAMES:
                kind = "tnef"
            elif suffix == ".eml":
                kind = "mail"
            elif suffix in DOCUMENT_SUFFIXES or not mail_tree or "files" in path.relative_to(root).parts[:-1]:
                kind = "file"
            else:
                kind = "mail"
            out.append((root, path, kind))
    return out


def _cut(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


def _kill_children() -> list[int]:
    """After a timeout: end the processes this runner started (a tesseract left running)."""
    me, killed = os.getpid(), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
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


def _rss_mb(who: int) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)  # Linux: kilobytes


def _extractors(ocr_cap: int | None):
    from ingest.extract import Limits, extract_file, extract_mail
    from ingest.parse import parse_message

    kwargs_file: dict = {}
    kwargs_mail: dict = {}
    applied = False
    if ocr_cap is not None:
        limits = Limits(max_ocr_pages=ocr_cap)
        if "limits" in inspect.signature(extract_file).parameters:
            kwargs_file["limits"] = limits
            applied = True
        if "limits" in inspect.signature(extract_mail).parameters:
            kwargs_mail["limits"] = limits
            applied = True

    def run_file(path: Path, content_type: str | None = None) -> list:
        return _documents(extract_file(path.name, path.read_bytes(), content_type, **kwargs_file))

    def run_mail(path: Path) -> list:
        return _documents(extract_mail(parse_message(path.read_bytes()), **kwargs_mail))

    return run_file, run_mail, applied


def run_one(root: Path, path: Path, kind: str, run_file, run_mail, timeout_s: int) -> dict:
    from ingest.errors import MessageUnparseable

    rel = str(Path(root.name) / path.relative_to(root))
    record: dict = {
        "path": rel, "kind": kind, "documents": 0, "chars": 0, "errors": [], "reason": None,
        "methods": [], "silent_documents": 0, "seconds": 0.0, "exception": None, "timed_out": False,
    }
    print(f"start {rel}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    signal.alarm(timeout_s)
    try:
        if kind == "mail":
            docs = run_mail(path)
        elif kind == "tnef":
            docs = run_file(path, TNEF_TYPE)
        else:
            docs = run_file(path)
        signal.alarm(0)
        record["documents"] = len(docs)
        record["chars"] = sum(len(d.text or "") for d in docs)
        record["errors"] = [_cut(f"{d.path}: {d.error}") for d in docs if d.error]
        record["methods"] = sorted({str(d.method) for d in docs})
        record["silent_documents"] = sum(1 for d in docs if not (d.text or "").strip() and not d.error)
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
        frames = traceback.extract_tb(exc.__traceback__)
        where = [f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in frames[-4:]]
        record["exception"] = {"type": type(exc).__name__, "message": _cut(str(exc)), "where": " <- ".join(reversed(where))}
    record["seconds"] = round(time.perf_counter() - started, 3)
    record["rss_mb"] = _rss_mb(resource.RUSAGE_SELF)
    has_text = record["chars"] > 0
    has_reason = bool(record["errors"] or record["reason"])
    record["outcome"] = (
        "failed" if record["exception"] else "text" if has_text else "reason" if has_reason else "failed"
    )
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--per-file-timeout", type=int, default=int(os.environ.get("NARAHUBUNG_CORPUS_FILE_TIMEOUT", "60")))
    cap = os.environ.get("NARAHUBUNG_CORPUS_OCR_PAGES")
    parser.add_argument("--ocr-pages-cap", type=int, default=int(cap) if cap else None)
    parser.add_argument("--no-records", action="store_true", help="leave the per-file records out of the JSON")
    args = parser.parse_args(argv)

    # stdout carries only the JSON: anything a library prints (Python or C level) goes to stderr.
    json_out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    faulthandler.enable(sys.stderr)
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    warnings.simplefilter("ignore")
    signal.signal(signal.SIGALRM, _on_alarm)

    missing = [str(d) for d in args.dirs if not d.is_dir()]
    if missing:
        json.dump({"error": f"not a folder: {', '.join(missing)}"}, json_out)
        json_out.write("\n")
        return 2

    t0 = time.perf_counter()
    run_file, run_mail, applied = _extractors(args.ocr_pages_cap)
    import_s = time.perf_counter() - t0
    records = [
        run_one(root, path, kind, run_file, run_mail, args.per_file_timeout)
        for root, path, kind in plan([d.resolve() for d in args.dirs])
    ]
    total_s = time.perf_counter() - t0

    # the file during which the peak RSS was reached
    peak_at, previous = None, 0.0
    for r in records:
        if r["rss_mb"] > previous:
            peak_at, previous = r["path"], r["rss_mb"]
    self_mb = _rss_mb(resource.RUSAGE_SELF)
    children_mb = _rss_mb(resource.RUSAGE_CHILDREN)
    by_kind: dict[str, int] = {}
    for r in records:
        by_kind[r["kind"]] = by_kind.get(r["kind"], 0) + 1
    failed = [r for r in records if r["outcome"] == "failed"]
    summary = {
        "dirs": [str(d) for d in args.dirs],
        "files": len(records),
        "by_kind": by_kind,
        "files_with_text": sum(r["outcome"] == "text" for r in records),
        "files_with_reason_only": sum(r["outcome"] == "reason" for r in records),
        "files_failed": len(failed),
        "exceptions": sum(1 for r in records if r["exception"]),
        "timed_out": [r["path"] for r in records if r["timed_out"]],
        "failed": failed,
        "documents": sum(r["documents"] for r in records),
        "silent_documents": sum(r["silent_documents"] for r in records),
        "seconds_total": round(total_s, 1),
        "seconds_import": round(import_s, 1),
        "per_file_timeout_s": args.per_file_timeout,
        "ocr_pages_cap": args.ocr_pages_cap,
        "ocr_pages_cap_applied": applied,
        "slowest": [
            {"path": r["path"], "seconds": r["seconds"], "methods": r["methods"]}
            for r in sorted(records, key=lambda r: r["seconds"], reverse=True)[:10]
        ],
        "rss_self_mb": self_mb,
        "rss_children_mb": children_mb,
        "max_rss_mb": round(self_mb + children_mb, 1),  # runner peak + largest child (tesseract) peak
        "rss_peak_reached_at": peak_at,
        "omp_thread_limit": os.environ.get("OMP_THREAD_LIMIT"),
    }
    if not args.no_records:
        summary["records"] = records
    json.dump(summary, json_out, ensure_ascii=False)
    json_out.write("\n")
    json_out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
