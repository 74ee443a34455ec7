"""Tesseract behind one module: nothing else runs the OCR engine.

Each page is one `tesseract` process (a PGM file in, TSV on stdout), at most one per core in the
whole process, each with a timeout after which it is killed. A timed-out or failed page is a
result with a reason, never an exception (only the legacy `ocr_image` raises).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO

from PIL import Image

from ingest.errors import ExtractionFailed

LANGUAGES = "ind+eng"
TESSERACT = "tesseract"
# Upright pages read this well; below it the page may be sideways, so orientation is checked.
LOW_CONFIDENCE = 65.0
# Tesseract's OSD confidence; OCRmyPDF's default threshold for turning a page is 14.
OSD_MIN_CONFIDENCE = 5.0
CORES = os.cpu_count() or 1

# Tesseract's own OpenMP threads are 4-5x slower on two cores than one thread per process.
_ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}
# Tesseract reads stdin a byte at a time (~0.15 s of CPU for a 300 dpi page), so pages go through
# a file, in memory where the machine has a tmpfs.
_SCRATCH = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
# Shared by every pool: one tesseract per core, however many documents are read at once.
_SLOTS = threading.BoundedSemaphore(CORES)


@dataclass(frozen=True)
class OcrResult:
    text: str
    mean_confidence: float | None
    words: int = 0
    rotated: int = 0  # degrees the page was turned clockwise before it was read
    timed_out: bool = False
    error: str | None = None  # Indonesian reason; the text may still hold what was read


@dataclass(frozen=True)
class PageImage:
    """An 8-bit grey page, kept as raw bytes so it goes to tesseract as PGM without re-encoding."""

    width: int
    height: int
    pixels: bytes

    @classmethod
    def from_image(cls, image: Image.Image) -> PageImage:
        grey = image if image.mode == "L" else image.convert("L")
        return cls(grey.width, grey.height, grey.tobytes())

    def write_pgm(self, file: IO[bytes]) -> None:
        file.write(b"P5\n%d %d\n255\n" % (self.width, self.height))
        file.write(self.pixels)

    def turned(self, degrees_clockwise: int) -> PageImage:
        image = Image.frombytes("L", (self.width, self.height), self.pixels)
        transpose = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}
        turned = image.transpose(transpose[degrees_clockwise % 360])
        return PageImage(turned.width, turned.height, turned.tobytes())


@dataclass(frozen=True)
class Orientation:
    rotate: int  # degrees clockwise that make the page upright
    confidence: float


class OcrPool:
    """Reads pages with tesseract, several at once, in order."""

    def __init__(self, workers: int = CORES, languages: str = LANGUAGES, tesseract: str = TESSERACT) -> None:
        self.workers = max(1, workers)
        self.languages = languages
        self.tesseract = tesseract

    def map(
        self, pages: Iterable[PageImage], timeout_s: float, deadline: float | None = None
    ) -> Iterator[OcrResult]:
        """Results in page order. Pages are pulled lazily, so only a few rendered pages are held at once."""
        window = self.workers * 2
        with ThreadPoolExecutor(self.workers, thread_name_prefix="ocr") as executor:
            pending: deque[Future[OcrResult]] = deque()
            for page in pages:
                pending.append(executor.submit(self.read, page, timeout_s, deadline))
                if len(pending) >= window:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()

    def read(self, page: PageImage, timeout_s: float, deadline: float | None = None) -> OcrResult:
        """OCR one page; a page that reads badly is checked for orientation and read again turned."""
        page_deadline = time.monotonic() + timeout_s
        if deadline is not None:
            page_deadline = min(page_deadline, deadline)
        first = self._ocr(page, page_deadline)
        if first.error or first.words == 0 or (first.mean_confidence or 0.0) >= LOW_CONFIDENCE:
            return first
        orientation = self._osd(page, page_deadline)
        if orientation is None or orientation.rotate == 0 or orientation.confidence < OSD_MIN_CONFIDENCE:
            return first
        second = self._ocr(page.turned(orientation.rotate), page_deadline, rotated=orientation.rotate)
        if second.error or (second.mean_confidence or 0.0) <= (first.mean_confidence or 0.0):
            return first
        return second

    def orientation(self, page: PageImage, timeout_s: float) -> Orientation | None:
        """Tesseract's orientation and script detection (`--psm 0`); None when it cannot tell."""
        return self._osd(page, time.monotonic() + timeout_s)

    def _ocr(self, page: PageImage, deadline: float, rotated: int = 0) -> OcrResult:
        # No --dpi: tesseract estimates it from the text, and passing it made pages ~7% slower.
        args = ["stdout", "-l", self.languages, "tsv"]
        outcome = self._run(args, page, deadline)
        if isinstance(outcome, OcrResult):
            return outcome
        text, confidence, words = parse_tsv(outcome)
        return OcrResult(text, confidence, words, rotated)

    def _osd(self, page: PageImage, deadline: float) -> Orientation | None:
        outcome = self._run(["stdout", "--psm", "0", "-l", "osd"], page, deadline)
        return None if isinstance(outcome, OcrResult) else parse_osd(outcome)

    def _run(self, args: list[str], page: PageImage, deadline: float) -> str | OcrResult:
        """Tesseract's stdout for the page, or a result that says why there is none."""
        if not _SLOTS.acquire(timeout=max(0.0, deadline - time.monotonic())):
            return _timed_out(deadline)
        try:
            with tempfile.NamedTemporaryFile(suffix=".pgm", dir=_SCRATCH) as image_file:
                page.write_pgm(image_file)
                image_file.flush()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return _timed_out(deadline)
                # run() kills the child when the timeout expires.
                done = subprocess.run(
                    [self.tesseract, image_file.name, *args], capture_output=True, timeout=remaining, env=_ENV,
                    check=False, stdin=subprocess.DEVNULL,
                )
        except subprocess.TimeoutExpired:
            return _timed_out(deadline)
        except FileNotFoundError:
            return OcrResult("", None, error="Tesseract tidak terpasang (paket apt tesseract-ocr, tesseract-ocr-ind)")
        except OSError as exc:  # no room for the page file, too many processes …
            return OcrResult("", None, error=f"OCR gagal: {exc}"[:300])
        finally:
            _SLOTS.release()
        if done.returncode != 0:
            lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
            detail = lines[-1] if lines else f"kode keluar {done.returncode}"
            return OcrResult("", None, error=f"OCR gagal: {detail[:300]}")
        return done.stdout.decode("utf-8", "replace")


def _timed_out(deadline: float) -> OcrResult:
    return OcrResult("", None, timed_out=True, error="OCR melebihi batas waktu")


def mean_confidence(results: Iterable[OcrResult]) -> float | None:
    """Mean word confidence over several pages, each page weighted by its words."""
    weighted = [(r.mean_confidence, r.words) for r in results if r.mean_confidence is not None and r.words]
    words = sum(w for _c, w in weighted)
    return round(sum(c * w for c, w in weighted) / words, 1) if words else None


def failure_note(failures: Iterable[tuple[int, OcrResult]]) -> str | None:
    """'halaman 3, 5: OCR melebihi batas waktu' from (1-based page number, result) pairs."""
    pages_by_reason: dict[str, list[str]] = {}
    for number, result in failures:
        if result.error:
            pages_by_reason.setdefault(result.error, []).append(str(number))
    return "; ".join(f"halaman {', '.join(p)}: {reason}" for reason, p in pages_by_reason.items()) or None


def parse_tsv(tsv: str) -> tuple[str, float | None, int]:
    """Text by block and line, mean word confidence and word count from tesseract's TSV."""
    lines: dict[tuple[int, int, int], list[str]] = {}
    confidences: list[float] = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        lines.setdefault((int(cols[2]), int(cols[3]), int(cols[4])), []).append(cols[11].strip())
        if (conf := float(cols[10])) >= 0:
            confidences.append(conf)
    out: list[str] = []
    previous_block = None
    for (block, _par, _line), words in lines.items():
        if previous_block is not None and block != previous_block:
            out.append("")
        out.append(" ".join(words))
        previous_block = block
    mean = round(sum(confidences) / len(confidences), 1) if confidences else None
    return "\n".join(out), mean, len(confidences)


def parse_osd(output: str) -> Orientation | None:
    fields = dict(line.split(":", 1) for line in output.splitlines() if ":" in line)
    try:
        return Orientation(int(fields["Rotate"].strip()) % 360, float(fields["Orientation confidence"].strip()))
    except (KeyError, ValueError):
        return None


_default_pool: OcrPool | None = None


def default_pool() -> OcrPool:
    global _default_pool
    if _default_pool is None:
        _default_pool = OcrPool()
    return _default_pool


def ocr_image(image: Image.Image, timeout_s: float = 60.0) -> OcrResult:
    """One image, read now; raises ExtractionFailed when nothing could be read (legacy callers)."""
    result = default_pool().read(PageImage.from_image(image), timeout_s)
    if result.timed_out:
        raise ExtractionFailed(f"OCR melebihi batas waktu {timeout_s:.0f} detik")
    if result.error:
        raise ExtractionFailed(result.error)
    return result
