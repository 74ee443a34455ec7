"""Extraction of one file from disk, as `narahubung extract` shows it (no storage involved)."""

from __future__ import annotations

from pathlib import Path

from ingest.errors import MessageUnparseable
from ingest.extract import ExtractedDocument, extract_file, extract_mail
from ingest.files import MAIL_SUFFIXES
from ingest.parse import parse_message


def documents_of(path: Path) -> list[ExtractedDocument]:
    """Every document in a mail (.eml) or file; an unreadable mail is one document with its reason."""
    data = path.read_bytes()
    if path.suffix.lower() in MAIL_SUFFIXES:
        try:
            return extract_mail(parse_message(data), data)
        except MessageUnparseable as exc:
            return [ExtractedDocument("message", "message", path.name, "message/rfc822", data, "", "none",
                                      error=exc.message)]
    return extract_file(path.name, data)
