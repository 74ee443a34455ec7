"""What an extractor is given and what it returns, and the content types it is chosen by.

Kept apart from `registry` so that the extractor modules and the registry that lists them both import
these types and neither imports the other at module level.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from ingest.extract.document import ExtractedDocument, Limits
from ingest.ocr import OcrPool

HEAD_BYTES = 4096

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
RTF = "application/rtf"
ZIP = "application/zip"
HTML = "text/html"
PLAIN = "text/plain"
OLE = "application/x-ole-storage"  # .doc, .xls, .msg, and password-protected DOCX/XLSX
IMAGE_TYPES = ("image/jpeg", "image/png", "image/tiff", "image/gif", "image/bmp", "image/webp")


@dataclass(frozen=True)
class Extracted:
    """What an extractor found in one document."""

    text: str
    method: str
    pages: int | None = None
    ocr_confidence: float | None = None
    # A reason next to a partial text (pages skipped, OCR timed out); stored as the document's error.
    note: str | None = None
    members: tuple[ExtractedDocument, ...] = ()  # the documents inside an archive


@dataclass(frozen=True)
class Context:
    """Where a document sits and what it may cost."""

    part: str
    path: str
    filename: str
    limits: Limits
    depth: int
    deadline: float  # time.monotonic() by which the document must be done
    ocr: OcrPool
    # Reads a document found inside this one: (member path, filename, bytes) -> its documents.
    extract_inner: Callable[[str, str, bytes], list[ExtractedDocument]] = field(repr=False)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0


class Extractor(Protocol):
    """Reads one kind of document. `extract` may raise ExtractionFailed with a reason for staff."""

    name: str

    def can_handle(self, filename: str, content_type: str, head: bytes) -> bool:
        """`content_type` is the type sniffed from the bytes; `head` their first HEAD_BYTES."""
        ...

    def extract(self, data: bytes, ctx: Context) -> Extracted: ...
