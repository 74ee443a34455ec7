"""Readable text out of everything citizens send.

Public face: `extract_mail(parsed, raw)` for a message (bodies, attachments, nested messages,
winmail.dat, uuencode), `extract_file(name, data)` for a file (scanned letter, PDF, office document,
image, archive). A failure never raises: it is recorded on the document as `error`.
"""

from __future__ import annotations

import mimetypes
from dataclasses import replace

from ingest.extract.document import ExtractedDocument, Limits
from ingest.extract.mime import extract_mail
from ingest.extract.registry import extract_document
from ingest.letter_fields import read_letter


def extract_file(
    filename: str, data: bytes, content_type: str | None = None, limits: Limits = Limits()
) -> list[ExtractedDocument]:
    """A file from disk or a scanner: one document, or one per member of an archive. Its own words are the
    text without OCR noise lines (ingest.letter_fields)."""
    documents = extract_document("letter", "letter", filename, content_type or guess_content_type(filename), data, limits)
    return [replace(d, clean_text=read_letter(d.text).text) if d.text and d.clean_text is None else d
            for d in documents]


def guess_content_type(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


__all__ = ["ExtractedDocument", "Limits", "extract_file", "extract_mail", "guess_content_type"]
