"""Readable text out of a parsed mail's body and attachments, and out of scanned letters.

Each body or attachment becomes one ExtractedDocument; a failure is recorded on the document as a
reason, never raised, so the rest of the message is still processed.
"""

from __future__ import annotations

import io
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass

import pdfplumber
from inscriptis import get_text
from PIL import Image, ImageOps, UnidentifiedImageError

from ingest.errors import ExtractionFailed
from ingest.ocr import ocr_image
from ingest.extract.document import ExtractedDocument
from ingest.parse import ParsedMail

MAX_PDF_PAGES = 50
MAX_IMAGE_PIXELS = 60_000_000
MIN_TEXT_LAYER_CHARS = 20  # fewer characters than this on a page means it is a scan
OCR_RESOLUTION = 300


@dataclass(frozen=True)
class _Text:
    text: str
    method: str
    pages: int | None = None
    ocr_confidence: float | None = None


def extract_mail(parsed: ParsedMail) -> list[ExtractedDocument]:
    """The body first, then each attachment in order."""
    docs = [_body(parsed)]
    docs.extend(
        _document("attachment", str(i), a.filename, a.content_type, a.payload)
        for i, a in enumerate(parsed.attachments, start=1)
    )
    return docs


def extract_file(filename: str, data: bytes, content_type: str | None = None) -> ExtractedDocument:
    """A scanned letter or document dropped from disk."""
    return _document("letter", "letter", filename, content_type or guess_content_type(filename), data)


def guess_content_type(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def _body(parsed: ParsedMail) -> ExtractedDocument:
    if parsed.text_plain.strip():
        text, method = parsed.text_plain, "plain"
    elif parsed.text_html.strip():
        text, method = get_text(parsed.text_html), "html"
    else:
        text, method = "", "none"
    return ExtractedDocument("body", "body", None, "text/plain", None, _normalise(text), method)


def _document(part: str, path: str, filename: str, content_type: str, data: bytes) -> ExtractedDocument:
    extractor = _extractor_for(filename, content_type)
    if extractor is None:
        return ExtractedDocument(
            part, path, filename, content_type, data, "", "none",
            error=f"jenis berkas {content_type} belum didukung untuk ekstraksi teks",
        )
    if not data:
        return ExtractedDocument(part, path, filename, content_type, data, "", "none", error="berkas kosong atau rusak")
    try:
        result = extractor(data)
    except ExtractionFailed as exc:
        return ExtractedDocument(part, path, filename, content_type, data, "", "none", error=exc.message)
    except Exception as exc:  # a hostile file must not stop the message: keep the reason
        reason = f"{type(exc).__name__}: {exc}".strip()[:500]
        return ExtractedDocument(part, path, filename, content_type, data, "", "none", error=f"gagal dibaca ({reason})")
    return ExtractedDocument(
        part, path, filename, content_type, data, _normalise(result.text), result.method,
        pages=result.pages, ocr_confidence=result.ocr_confidence,
    )


def _extractor_for(filename: str, content_type: str) -> Callable[[bytes], _Text] | None:
    name = filename.lower()
    if content_type == "application/pdf" or name.endswith(".pdf"):
        return _pdf
    if content_type.startswith("image/") or name.endswith((".png", ".jpg", ".jpeg", ".tif", ".tiff")):
        return _image
    if content_type in ("text/plain", "text/csv") or name.endswith(".txt"):
        return lambda data: _Text(data.decode("utf-8", errors="replace"), "plain")
    if content_type == "text/html" or name.endswith((".html", ".htm")):
        return lambda data: _Text(get_text(data.decode("utf-8", errors="replace")), "html")
    return None


def _pdf(data: bytes) -> _Text:
    texts: list[str] = []
    ocr_confidences: list[float] = []
    used_layer = used_ocr = False
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:
        if "password" in str(exc).lower() or type(exc).__name__ == "PDFPasswordIncorrect":
            raise ExtractionFailed("PDF terenkripsi (dilindungi kata sandi)") from exc
        raise ExtractionFailed(f"PDF rusak atau tidak dapat dibuka ({type(exc).__name__})") from exc
    with pdf:
        pages = len(pdf.pages)
        if pages > MAX_PDF_PAGES:
            raise ExtractionFailed(f"PDF terlalu panjang: {pages} halaman (batas {MAX_PDF_PAGES})")
        for page in pdf.pages:
            text = page.extract_text() or ""
            if len(text.strip()) >= MIN_TEXT_LAYER_CHARS:
                texts.append(text)
                used_layer = True
                continue
            image = page.to_image(resolution=OCR_RESOLUTION).original
            result = ocr_image(image)
            texts.append(result.text)
            used_ocr = True
            if result.mean_confidence is not None:
                ocr_confidences.append(result.mean_confidence)
    method = "+".join(m for m, used in (("text_layer", used_layer), ("ocr", used_ocr)) if used) or "none"
    confidence = round(sum(ocr_confidences) / len(ocr_confidences), 1) if ocr_confidences else None
    return _Text("\n\n".join(texts), method, pages, confidence)


def _image(data: bytes) -> _Text:
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ExtractionFailed(f"gambar terlalu besar: {width}×{height} piksel")
            upright = ImageOps.exif_transpose(image)
            upright.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise ExtractionFailed(f"gambar rusak atau formatnya tidak dikenal ({exc})") from exc
    result = ocr_image(upright)
    return _Text(result.text, "ocr", 1, result.mean_confidence)


def _normalise(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip()
