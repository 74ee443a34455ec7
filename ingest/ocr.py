"""Tesseract behind one module: nothing else runs the OCR engine."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

import pytesseract
from PIL import Image

from ingest.errors import ExtractionFailed

LANGUAGES = "ind+eng"
# Tesseract's own OpenMP threads are 4-5x slower on two cores than one thread per process.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


@dataclass(frozen=True)
class OcrResult:
    text: str
    mean_confidence: float | None


def ocr_image(image: Image.Image, timeout_s: float = 60.0) -> OcrResult:
    if shutil.which(pytesseract.pytesseract.tesseract_cmd) is None:
        raise ExtractionFailed("Tesseract tidak terpasang (paket apt tesseract-ocr, tesseract-ocr-ind)")
    try:
        data = pytesseract.image_to_data(
            image.convert("L"), lang=LANGUAGES, timeout=timeout_s, output_type=pytesseract.Output.DICT
        )
    except RuntimeError as exc:  # pytesseract's timeout
        raise ExtractionFailed(f"OCR melebihi batas waktu {timeout_s:.0f} detik") from exc
    except pytesseract.TesseractError as exc:
        raise ExtractionFailed(f"OCR gagal: {exc.message}") from exc
    return OcrResult(text=_lines(data), mean_confidence=_mean_confidence(data))


def _lines(data: dict[str, list[object]]) -> str:
    lines: dict[tuple[int, int, int], list[str]] = {}
    for i, word in enumerate(data["text"]):
        if str(word).strip():
            key = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))  # type: ignore[call-overload]
            lines.setdefault(key, []).append(str(word))
    out: list[str] = []
    previous_block = None
    for (block, _par, _line), words in lines.items():
        if previous_block is not None and block != previous_block:
            out.append("")
        out.append(" ".join(words))
        previous_block = block
    return "\n".join(out)


def _mean_confidence(data: dict[str, list[object]]) -> float | None:
    values = [float(c) for c, w in zip(data["conf"], data["text"]) if str(w).strip() and float(c) >= 0]  # type: ignore[arg-type]
    return round(sum(values) / len(values), 1) if values else None
