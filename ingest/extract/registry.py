"""Which extractor reads a document, decided by what its bytes are rather than what the mail claims.

`extract_document` is the one door: it sniffs the real type, gives the bytes to the first extractor
that can handle them, keeps the time budget and turns any failure into a reason on the document.
It never raises.
"""

from __future__ import annotations

import io
import logging
import mimetypes
import time
import zipfile
from collections.abc import Sequence
from functools import cache

from ingest.errors import ExtractionFailed
from ingest.extract.archive import ZipExtractor
from ingest.extract.document import ExtractedDocument, Limits
from ingest.extract.image import ImageExtractor
from ingest.extract.language import detect_language
from ingest.extract.office import DocxExtractor, OdtExtractor, RtfExtractor
from ingest.extract.pdf import PdfExtractor
from ingest.extract.text import HtmlExtractor, PlainTextExtractor
from ingest.extract.types import (
    DOCX,
    HEAD_BYTES,
    HTML,
    OLE,
    PDF,
    PLAIN,
    PPTX,
    RTF,
    XLSX,
    ZIP,
    Context,
    Extractor,
)
from ingest.ocr import OcrPool, default_pool

log = logging.getLogger(__name__)

DEFAULT_LIMITS = Limits()

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"{\\rtf", RTF),
    (b"Rar!\x1a\x07", "application/vnd.rar"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"\x1f\x8b", "application/gzip"),
)
_ZIP_MARKERS: tuple[tuple[str, str], ...] = (
    ("word/document.xml", DOCX),
    ("xl/workbook.xml", XLSX),
    ("ppt/presentation.xml", PPTX),
)
_TEXT_CONTROL = frozenset(b"\t\n\r\f\x0b\x1b")


class Registry:
    """An ordered list of extractors; the first that can handle a document reads it."""

    def __init__(self, extractors: Sequence[Extractor], ocr: OcrPool | None = None) -> None:
        self.extractors = tuple(extractors)
        self.ocr = ocr

    def extract(
        self,
        part: str,
        path: str,
        filename: str,
        content_type: str,
        data: bytes,
        limits: Limits = DEFAULT_LIMITS,
        depth: int = 0,
        deadline: float | None = None,
    ) -> list[ExtractedDocument]:
        if deadline is None:
            deadline = time.monotonic() + limits.time_budget_s
        try:
            return self._extract(part, path, filename, content_type, data, limits, depth, deadline)
        except Exception as exc:  # a hostile file must not stop the message
            log.exception("extraction of %s (%s) failed", path, filename)
            reason = f"gagal dibaca ({type(exc).__name__}: {exc})"[:300]
            return [ExtractedDocument(part, path, filename, content_type, data, "", "none", error=reason)]

    def _extract(
        self, part: str, path: str, filename: str, content_type: str, data: bytes, limits: Limits, depth: int,
        deadline: float,
    ) -> list[ExtractedDocument]:
        name = filename or ""  # mail parts may have no name
        sniffed = sniff(data, name, content_type) if data else content_type

        def failed(reason: str) -> list[ExtractedDocument]:
            return [ExtractedDocument(part, path, filename, sniffed, data, "", "none", error=reason)]

        if not data:
            return failed("berkas kosong")
        if depth > limits.max_depth:
            return failed(f"tidak dibuka: bersarang lebih dari {limits.max_depth} tingkat")
        head = data[:HEAD_BYTES]
        extractor = next((e for e in self.extractors if e.can_handle(name, sniffed, head)), None)
        if extractor is None:
            if head.startswith(_OLE_MAGIC) and _OLE_ENCRYPTED in data:
                return failed("dokumen Office terenkripsi (dilindungi kata sandi)")
            return failed(f"jenis berkas {sniffed} belum didukung untuk ekstraksi teks")
        if time.monotonic() >= deadline:
            return failed(f"tidak dibaca: batas waktu {limits.time_budget_s:.0f} detik sudah habis")

        def extract_inner(inner_path: str, inner_name: str, inner: bytes) -> list[ExtractedDocument]:
            inner_type = mimetypes.guess_type(inner_name)[0] or "application/octet-stream"
            return self.extract("member", inner_path, inner_name, inner_type, inner, limits, depth + 1, deadline)

        ctx = Context(part, path, name, limits, depth, deadline, self.ocr or default_pool(), extract_inner)
        started = time.monotonic()
        try:
            result = extractor.extract(data, ctx)
        except ExtractionFailed as exc:
            return failed(exc.message)
        elapsed = time.monotonic() - started
        if elapsed > limits.time_budget_s:
            log.warning("%s (%s) took %.1f s, over the %.0f s budget", path, filename, elapsed, limits.time_budget_s)
        text = normalise(result.text)
        error = result.note
        method = result.method
        if not text and not result.members:
            error = error or f"tidak ada teks yang dapat dibaca ({method})"
            method = "none"
        document = ExtractedDocument(
            part, path, filename, sniffed, data, text, method,
            pages=result.pages, ocr_confidence=result.ocr_confidence, language=detect_language(text), error=error,
        )
        return [document, *result.members]


def sniff(data: bytes, filename: str, declared: str) -> str:
    """The content type the bytes really have; the declared one only when they do not say."""
    head = data[:HEAD_BYTES]
    if b"%PDF-" in head[:1024]:  # some generators put junk before the header; readers accept it
        return PDF
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    if head.startswith(_OLE_MAGIC):  # the container says little; the mail's word is better
        named = _named_type(declared, filename) or OLE
        return named if named.startswith(("application/msword", "application/vnd.ms-")) else OLE
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"BM") and head[6:10] == b"\0\0\0\0":  # "BM" alone also starts words
        return "image/bmp"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_type(data)
    if _looks_like_text(head):
        declared = declared.lower().split(";")[0].strip()
        if _looks_like_html(head) or declared == HTML or filename.lower().endswith((".html", ".htm")):
            return HTML
        return declared if declared.startswith("text/") else PLAIN
    return _named_type(declared, filename) or "application/octet-stream"


def _named_type(declared: str, filename: str) -> str | None:
    """The declared type unless it is a generic one, else the type the file name suggests."""
    declared = declared.lower().split(";")[0].strip()
    if declared not in ("", "application/octet-stream", "text/plain"):
        return declared
    return mimetypes.guess_type(filename)[0]


def _zip_type(data: bytes) -> str:
    """A DOCX, ODT … is a ZIP; which one is told by what it holds (only the directory is read)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            for marker, content_type in _ZIP_MARKERS:
                if marker in names:
                    return content_type
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 200:
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                if declared.startswith("application/"):
                    return declared
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
        pass  # a damaged ZIP is reported by the archive extractor
    return ZIP


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 has NULs but is text
        return True
    if b"\x00" in head:
        return False
    controls = sum(1 for byte in head if byte < 32 and byte not in _TEXT_CONTROL)
    return controls <= len(head) // 100


def _looks_like_html(head: bytes) -> bool:
    start = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or (
        start.startswith(b"<") and b"<html" in head.lower()
    )


def normalise(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip()


@cache
def default_registry() -> Registry:

    return Registry(
        [
            PdfExtractor(),
            ImageExtractor(),
            DocxExtractor(),
            OdtExtractor(),
            RtfExtractor(),
            ZipExtractor(),
            HtmlExtractor(),
            PlainTextExtractor(),
        ]
    )


def extract_document(
    part: str,
    path: str,
    filename: str,
    content_type: str,
    data: bytes,
    limits: Limits = DEFAULT_LIMITS,
    depth: int = 0,
) -> list[ExtractedDocument]:
    """The documents in one attachment, body or letter: usually one, one more per member for a ZIP.

    Never raises: a failure is the `error` of a document with method "none".
    """
    return default_registry().extract(part, path, filename, content_type, data, limits, depth)
