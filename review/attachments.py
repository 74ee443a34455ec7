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


IMAGE_PREVIEW_SIDE = 1400  # px of the longer side: a phone photo of a letter stays readable


def image_preview_jpeg(data: bytes, max_side: int = IMAGE_PREVIEW_SIDE) -> bytes:
    """A JPEG, PNG or TIFF (its first page) as a JPEG for the screen: turned upright by its EXIF
    orientation and shrunk server-side, so a 12-megapixel photo is not sent whole."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((max_side, max_side))
            if upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGBA") if "A" in upright.getbands() else upright.convert("RGB")
                if upright.mode == "RGBA":  # transparency on white, as on paper
                    page = Image.new("RGB", upright.size, "white")
                    page.paste(upright, mask=upright.getchannel("A"))
                    upright = page
            out = io.BytesIO()
            upright.save(out, format="JPEG", quality=85)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise PageUnavailable("gambar tidak dapat dibuka") from exc
