"""Plain-text and HTML files, in whatever encoding the sender's computer used."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes
from inscriptis import get_text

from ingest.extract.types import HTML, Context, Extracted

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode_text(data: bytes) -> str:
    """UTF-8 when it is valid UTF-8 (most mail), else the encoding charset-normalizer finds."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Mostly ASCII with a few Windows dashes, quotes or accents: how Indonesian and English text
    # looks in Windows-1252. charset-normalizer guesses Cyrillic code pages for such short texts.
    high = len(data) - len(data.decode("ascii", errors="ignore"))
    if high <= len(data) // 20:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    best = from_bytes(data).best()
    if best is not None:
        return str(best)
    return data.decode("cp1252", errors="replace")


class PlainTextExtractor:
    name = "plain"

    def can_handle(self, filename: str, content_type: str, head: bytes) -> bool:
        return content_type.startswith("text/") and content_type != HTML

    def extract(self, data: bytes, ctx: Context) -> Extracted:
        return Extracted(decode_text(data), "plain")


class HtmlExtractor:
    name = "html"

    def can_handle(self, filename: str, content_type: str, head: bytes) -> bool:
        return content_type == HTML

    def extract(self, data: bytes, ctx: Context) -> Extracted:
        return Extracted(get_text(decode_text(data)), "html")
