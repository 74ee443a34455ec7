"""PDFs: the text layer page by page (PDFium), and OCR for pages that are scans."""

from __future__ import annotations

import io
import logging
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ingest.errors import ExtractionFailed
from ingest.extract.types import PDF, Context, Extracted
from ingest.ocr import OcrResult, PageImage, failure_note, mean_confidence

log = logging.getLogger("narahubung.extract.pdf")

MIN_TEXT_LAYER_CHARS = 20  # fewer characters than this on a page means it is a scan
MAX_REREAD_PAGES = 20  # garbled pages read again with pdfminer, at ~7 pages/s
OCR_DPI = 300
# PDFium keeps every object it has parsed until the document is closed (~0.1 MB a page of a
# scanned PDF); reopening costs under a millisecond.
PAGES_PER_OPENING = 50
ENCRYPTED = "PDF terenkripsi"  # the start of the reason for a PDF that needs a password

# PDFium is not thread-safe; documents may be read from several threads at once.
_PDFIUM = threading.Lock()


class PdfExtractor:
    name = "pdf"

    def can_handle(self, filename: str, content_type: str, head: bytes) -> bool:
        return content_type == PDF

    def extract(self, data: bytes, ctx: Context) -> Extracted:
        with _opened(data) as pdf:
            total = len(pdf)
        return _read(data, total, ctx)


@contextmanager
def _opened(data: bytes) -> Iterator[pdfium.PdfDocument]:
    """The document, tried without a password (PDFium then tries the empty one)."""
    try:
        with _PDFIUM:
            pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if exc.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            reason = f"{ENCRYPTED} (dilindungi kata sandi; minta pengirim mengirim ulang tanpa kata sandi)"
            raise ExtractionFailed(reason) from exc
        raise ExtractionFailed(f"PDF rusak atau tidak dapat dibuka ({exc})") from exc
    try:
        yield pdf
    finally:
        with _PDFIUM:
            pdf.close()


def _read(data: bytes, total: int, ctx: Context) -> Extracted:
    limits = ctx.limits
    if total == 0:
        raise ExtractionFailed("PDF rusak: tidak ada halaman yang dapat dibaca")
    count = min(total, limits.max_pages)
    notes: list[str] = []
    if total > count:
        notes.append(f"PDF {total} halaman; hanya {count} halaman pertama dibaca (batas {limits.max_pages})")

    layer: list[str] = []
    broken: list[int] = []
    for start in range(0, count, PAGES_PER_OPENING):
        with _opened(data) as pdf:
            for index in range(start, min(start + PAGES_PER_OPENING, count)):
                if ctx.expired():
                    break
                text = _page_text(pdf, index)
                if text is None:
                    broken.append(index)
                layer.append(text or "")
    if len(layer) < count:
        notes.append(f"batas waktu habis: halaman {len(layer) + 1}–{count} tidak dibaca")
    if broken:
        notes.append(f"halaman {', '.join(str(i + 1) for i in broken)} rusak")

    _reread_garbled(data, layer, ctx)
    scans = [i for i, text in enumerate(layer) if len(text.strip()) < MIN_TEXT_LAYER_CHARS and i not in broken]
    to_ocr = scans[: limits.max_ocr_pages]
    if len(scans) > len(to_ocr):
        notes.append(
            f"{len(scans) - len(to_ocr)} halaman pindaian lain tidak di-OCR (batas {limits.max_ocr_pages} halaman)"
        )
    ocr: dict[int, OcrResult] = {}
    if to_ocr:
        with _opened(data) as pdf:
            results = ctx.ocr.map(_renders(pdf, to_ocr, limits.max_pixels), limits.ocr_timeout_s, ctx.deadline)
            ocr = dict(zip(to_ocr, results))
        notes.append(failure_note((i + 1, r) for i, r in ocr.items()) or "")

    texts = [ocr[i].text if i in ocr and ocr[i].text.strip() else text for i, text in enumerate(layer)]
    used_layer = any(len(t.strip()) >= MIN_TEXT_LAYER_CHARS for t in layer)
    used_ocr = any(r.text.strip() for r in ocr.values())
    method = "+".join(m for m, used in (("text_layer", used_layer), ("ocr", used_ocr)) if used) or "text_layer"
    return Extracted(
        "\n\n".join(t for t in texts if t.strip()),
        method,
        pages=total,
        ocr_confidence=mean_confidence(ocr.values()),
        note="; ".join(n for n in notes if n) or None,
    )


def _garbled(text: str) -> bool:
    """Mostly digits and punctuation: PDFium lost glyphs it could not map to Unicode (CID fonts)."""
    visible = [ch for ch in text if not ch.isspace()]
    return len(visible) >= MIN_TEXT_LAYER_CHARS and sum(ch.isalpha() for ch in visible) < 0.35 * len(visible)


def _reread_garbled(data: bytes, layer: list[str], ctx: Context) -> None:
    """Read such pages again with pdfminer (through pdfplumber), which maps more fonts; slow, so rare."""
    pages = [i for i, text in enumerate(layer) if _garbled(text)][:MAX_REREAD_PAGES]
    if not pages or ctx.expired():
        return
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for index in pages:
                if ctx.expired():
                    return
                better = pdf.pages[index].extract_text() or ""
                if sum(ch.isalpha() for ch in better) > sum(ch.isalpha() for ch in layer[index]):
                    layer[index] = better
    except Exception:  # pdfminer fails on files PDFium reads: keep what PDFium gave
        log.debug("pdfminer could not reread %s", ctx.path, exc_info=True)


def _page_text(pdf: pdfium.PdfDocument, index: int) -> str | None:
    """The page's text layer, or None when PDFium cannot load the page."""
    with _PDFIUM:
        try:
            page = pdf[index]
        except pdfium.PdfiumError:
            return None
        try:
            textpage = page.get_textpage()
            try:
                return textpage.get_text_bounded()  # unlike get_text_range, not limited to UCS-2
            finally:
                textpage.close()
        except pdfium.PdfiumError:
            return None
        finally:
            page.close()


def _renders(pdf: pdfium.PdfDocument, indexes: list[int], max_pixels: int) -> Iterator[PageImage]:
    """Pages as grey images, one at a time: a scanner's picture as it is, anything else rendered."""
    for index in indexes:
        with _PDFIUM:
            page = pdf[index]
            try:
                image = _scanned_picture(page, max_pixels) or _render(page, max_pixels)
            finally:
                page.close()
        yield image


def _render(page: pdfium.PdfPage, max_pixels: int) -> PageImage:
    """The page at OCR_DPI, or less if that would exceed max_pixels."""
    width, height = page.get_size()
    scale = OCR_DPI / 72
    if width * height * scale * scale > max_pixels:
        scale = math.sqrt(max_pixels / (width * height))
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        return PageImage.from_image(bitmap.to_pil())
    finally:
        bitmap.close()


def _scanned_picture(page: pdfium.PdfPage, max_pixels: int) -> PageImage | None:
    """The picture itself when the page is nothing but one upright, page-filling 8-bit grey or RGB
    JPEG/Flate image at a usual scanner resolution (what scanners write). Decoding it costs a tenth
    of rendering the page, which matters with every core busy running tesseract.
    """
    if page.get_rotation() != 0:
        return None
    objects = list(page.get_objects(max_depth=1))
    if len(objects) != 1 or not isinstance(objects[0], pdfium.PdfImage):
        return None
    picture = objects[0]
    a, b, c, d, _e, _f = picture.get_matrix().get()
    page_width, page_height = page.get_size()
    if b or c or a < page_width * 0.97 or d < page_height * 0.97:  # turned, flipped or not the whole page
        return None
    if not set(picture.get_filters()) <= {"DCTDecode", "FlateDecode"}:
        return None
    metadata = picture.get_metadata()
    colour = (pdfium_c.FPDF_COLORSPACE_DEVICEGRAY, pdfium_c.FPDF_COLORSPACE_DEVICERGB)
    if metadata.colorspace not in colour or metadata.bits_per_pixel not in (8, 24):
        return None
    if metadata.width * metadata.height > max_pixels:
        return None
    dpi = metadata.width / (page_width / 72)
    if not 200 <= dpi <= 400:  # elsewhere rendering at OCR_DPI gives tesseract a better size
        return None
    # PDFium allocated this bitmap; it is freed when collected (closing it by hand logs a warning).
    bitmap = picture.get_bitmap(render=False)
    if bitmap.format not in (pdfium_c.FPDFBitmap_Gray, pdfium_c.FPDFBitmap_BGR):
        return None
    return PageImage.from_image(bitmap.to_pil())  # a copy, so the bitmap may go
