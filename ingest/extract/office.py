"""Word (DOCX), OpenDocument text (ODT) and RTF letters."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from typing import Protocol
from xml.etree import ElementTree

import docx
from docx.document import Document as DocxDocument
from docx.table import Table
from docx.text.paragraph import Paragraph
from striprtf.striprtf import rtf_to_text

from ingest.errors import ExtractionFailed
from ingest.extract.archive import check_package
from ingest.extract.types import DOCX, ODT, RTF, Context, Extracted

# Pictures and OLE objects are long runs of hex digits; striprtf's pass over them is slow (~1 s/MB).
_HEX_RUN = re.compile(r"[0-9a-fA-F\s]{512,}")
_OBJECT_REPR = re.compile(r"'?<[^>]* object at 0x[0-9a-f]+>'?")
_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


def _open_package(data: bytes, ctx: Context, kind: str) -> zipfile.ZipFile:
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ExtractionFailed(f"dokumen {kind} rusak ({exc})") from exc
    check_package(package, ctx.limits.max_decompressed_bytes, kind)
    return package


class DocxExtractor:
    name = "docx"

    def can_handle(self, filename: str, content_type: str, head: bytes) -> bool:
        return content_type == DOCX

    def extract(self, data: bytes, ctx: Context) -> Extracted:
        _open_package(data, ctx, "Word").close()
        try:
            document = docx.Document(io.BytesIO(data))
        except (ValueError, KeyError, zipfile.BadZipFile) as exc:  # e.g. a .docm: macros, another content type
            detail = _OBJECT_REPR.sub("berkas", str(exc))
            raise ExtractionFailed(f"dokumen Word tidak dapat dibuka ({detail})"[:300]) from exc
        return Extracted("\n".join(_docx_lines(document)), "docx")


def _docx_lines(document: DocxDocument) -> Iterator[str]:
    """Headers (the letterhead), the body with its tables in order, then footers; repeats once."""
    headers = _unique(line for s in document.sections for line in _blocks(s.header))
    footers = _unique(line for s in document.sections for line in _blocks(s.footer))
    yield from headers
    yield from _blocks(document)
    yield from footers


class _HasBlocks(Protocol):
    """The document body, a header or footer, a table cell."""

    def iter_inner_content(self) -> Iterator[Paragraph | Table]: ...


def _blocks(container: _HasBlocks) -> Iterator[str]:
    for item in container.iter_inner_content():
        if isinstance(item, Paragraph):
            yield item.text
        elif isinstance(item, Table):
            yield from _table_rows(item)


def _table_rows(table: Table) -> Iterator[str]:
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is listed once per grid column it spans
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(line.strip() for line in _blocks(cell) if line.strip()))
        yield "\t".join(cells)


def _unique(lines: Iterator[str]) -> list[str]:
    return list(dict.fromkeys(line for line in lines if line.strip()))


class OdtExtractor:
    name = "odt"

    def can_handle(self, filename: str, content_type: str, head: bytes) -> bool:
        return content_type == ODT

    def extract(self, data: bytes, ctx: Context) -> Extracted:
        with _open_package(data, ctx, "ODT") as package:
            try:
                content = package.read("content.xml")
            except KeyError as exc:
                raise ExtractionFailed("dokumen ODT rusak: content.xml tidak ada") from exc
        try:
            root = ElementTree.fromstring(content)  # expat >= 2.4 refuses entity-expansion bombs
        except ElementTree.ParseError as exc:
            raise ExtractionFailed(f"dokumen ODT rusak ({exc})") from exc
        body = root.find(f"{{{_OFFICE_NS}}}body/{{{_OFFICE_NS}}}text")
        lines: list[str] = []
        if body is not None:
            _odt_blocks(body, lines)
        return Extracted("\n".join(lines), "odt")


def _odt_blocks(element: ElementTree.Element, lines: list[str]) -> None:
    for child in element:
        tag = child.tag
        if tag in (f"{{{_TEXT_NS}}}p", f"{{{_TEXT_NS}}}h"):
            lines.append(_odt_inline(child))
        elif tag == f"{{{_TABLE_NS}}}table-row":
            cells = [c for c in child if c.tag == f"{{{_TABLE_NS}}}table-cell"]
            lines.append("\t".join(" ".join(_odt_cell(c)) for c in cells))
        elif tag in (f"{{{_TEXT_NS}}}tracked-changes", f"{{{_TEXT_NS}}}sequence-decls", f"{{{_OFFICE_NS}}}forms"):
            continue  # deleted text and bookkeeping, not what the sender wrote
        else:  # sections, lists, tables, frames: their paragraphs in order
            _odt_blocks(child, lines)


def _odt_cell(cell: ElementTree.Element) -> list[str]:
    inner: list[str] = []
    _odt_blocks(cell, inner)
    return [line.strip() for line in inner if line.strip()]


def _odt_inline(element: ElementTree.Element) -> str:
    parts = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag == f"{{{_TEXT_NS}}}s":
            count = child.get(f"{{{_TEXT_NS}}}c", "1")
            parts.append(" " * min(int(count) if count.isdigit() else 1, 100))
        elif tag == f"{{{_TEXT_NS}}}tab":
            parts.append("\t")
        elif tag == f"{{{_TEXT_NS}}}line-break":
            parts.append("\n")
        elif tag != f"{{{_OFFICE_NS}}}annotation":
            parts.append(_odt_inline(child))
        parts.append(child.tail or "")
    return "".join(parts)


class RtfExtractor:
    name = "rtf"

    def can_handle(self, filename: str, content_type: str, head: bytes) -> bool:
        return content_type in (RTF, "text/rtf")

    def extract(self, data: bytes, ctx: Context) -> Extracted:
        # RTF is 7-bit with \'xx escapes; stray 8-bit bytes are most likely Windows-1252.
        rtf = _HEX_RUN.sub("", data.decode("cp1252", errors="replace"))
        return Extracted(rtf_to_text(rtf, errors="replace"), "rtf")
