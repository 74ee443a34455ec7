"""Attachment downloads and PDF pages as PNG images (pypdfium2), for the case page."""

from __future__ import annotations

import io
from urllib.parse import quote

import pypdfium2 as pdfium

MAX_PREVIEW_PAGES = 20
RENDER_SCALE = 1.4  # ≈ 100 dpi: readable on screen, small enough to send


class PageUnavailable(Exception):
    pass


def is_pdf(content_type: str | None, data_head: bytes = b"") -> bool:
    return (content_type or "").lower() == "application/pdf" or data_head.startswith(b"%PDF-")


def pdf_page_count(data: bytes) -> int:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return 0
    try:
        return len(pdf)
    finally:
        pdf.close()


def pdf_page_png(data: bytes, index: int, scale: float = RENDER_SCALE) -> bytes:
    """Page `index` (0-based) of a PDF as PNG bytes."""
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise PageUnavailable("PDF tidak dapat dibuka") from exc
    try:
        if not 0 <= index < len(pdf):
            raise PageUnavailable("halaman tidak ada")
        page = pdf[index]
        image = page.render(scale=scale).to_pil()
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=False)
        page.close()
        return out.getvalue()
    finally:
        pdf.close()


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback and the RFC 5987 UTF-8 name (never inline: no HTML runs here)."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in filename) or "lampiran"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
