"""Photos and scans of letters: JPEG, PNG, multi-page TIFF … read by OCR."""

from __future__ import annotations

import io
from collections.abc import Iterator

from PIL import Image, ImageOps, UnidentifiedImageError

from ingest.errors import ExtractionFailed
from ingest.extract.types import IMAGE_TYPES, Context, Extracted
from ingest.ocr import PageImage, failure_note, mean_confidence


class ImageExtractor:
    name = "image"

    def can_handle(self, filename: str, content_type: str, head: bytes) -> bool:
        return content_type in IMAGE_TYPES

    def extract(self, data: bytes, ctx: Context) -> Extracted:
        try:
            image = Image.open(io.BytesIO(data))  # reads the header only
        except Image.DecompressionBombError as exc:
            raise ExtractionFailed(f"gambar terlalu besar ({exc})") from exc
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            raise ExtractionFailed(f"gambar rusak atau formatnya tidak dikenal ({exc})") from exc
        with image:
            # Only TIFF frames are pages; GIF and WebP frames are animation.
            frames = getattr(image, "n_frames", 1) if image.format == "TIFF" else 1
            count = min(frames, ctx.limits.max_ocr_pages)
            for index in range(count):  # every size first, so nothing is decoded from a bomb
                _seek(image, index)
                _check_size(image, ctx.limits.max_pixels)
            results = list(ctx.ocr.map(_pages(image, count), ctx.limits.ocr_timeout_s, ctx.deadline))
        notes = [failure_note(enumerate(results, start=1))]
        if frames > count:
            notes.append(f"hanya {count} dari {frames} halaman gambar dibaca (batas OCR {count} halaman)")
        return Extracted(
            "\n\n".join(r.text for r in results if r.text),
            "ocr",
            pages=frames,
            ocr_confidence=mean_confidence(results),
            note="; ".join(n for n in notes if n) or None,
        )


def _pages(image: Image.Image, count: int) -> Iterator[PageImage]:
    for index in range(count):
        _seek(image, index)
        if image.format == "JPEG":
            image.draft("L", image.size)  # decode straight to grey: a third of the memory
        try:
            upright = ImageOps.exif_transpose(image)  # phone photos are stored sideways with a tag
            page = PageImage.from_image(upright)
        except (OSError, ValueError, SyntaxError) as exc:  # decoding happens here, not at open
            raise ExtractionFailed(f"gambar rusak ({exc})") from exc
        yield page


def _seek(image: Image.Image, index: int) -> None:
    try:
        image.seek(index)
    except (EOFError, OSError, ValueError) as exc:
        raise ExtractionFailed(f"halaman {index + 1} gambar rusak ({exc})") from exc


def _check_size(image: Image.Image, max_pixels: int) -> None:
    width, height = image.size
    if width * height > max_pixels:
        raise ExtractionFailed(
            f"gambar terlalu besar: {width}×{height} piksel (batas {max_pixels / 1e6:.0f} juta piksel)"
        )
