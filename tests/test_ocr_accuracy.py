"""A scanned Indonesian letter must come back from OCR with >= 95 % word accuracy.

The letter (211 words: Perihal, Kepada Yth., Dengan hormat, a complaint about a delayed land
certificate at Kantor Pertanahan Kabupaten Bangka Tengah, Rp amounts, dates, Hormat saya) is
rendered with Pillow (DejaVuSans, 10.5 pt) on an A4 page at 300 dpi and at 200 dpi, then made to
look scanned: paper tone, seeded grain and dust speckles, a slight blur and a skew (0.8 deg at
300 dpi, -0.6 deg at 200 dpi). Each page is saved as a PNG and as an image-only PDF and read
through the public `extract_file`. Word accuracy = 1 - (word-level edit distance / reference
words) after whitespace is normalised; case, punctuation and digits must all be right.
"""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from functools import cache
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # tesseract's OpenMP is 4-5x slower on 2 cores

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from ingest.extract import extract_file

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
MIN_WORD_ACCURACY = 0.95

HEADER = [
    "Koba, 14 Oktober 2026",
    "",
    "Nomor : 07/RH/X/2026",
    "Lampiran : 2 (dua) berkas",
    "Perihal : Pengaduan keterlambatan penerbitan sertifikat tanah",
    "",
    "Kepada Yth.",
    "Kepala Ombudsman Republik Indonesia",
    "Perwakilan Provinsi Kepulauan Bangka Belitung",
    "di Pangkalpinang",
    "",
    "Dengan hormat,",
    "",
]
PARAGRAPHS = [
    (
        "Saya yang bertanda tangan di bawah ini, Rahmat Hidayat, warga Desa Nibung, Kecamatan Koba, "
        "Kabupaten Bangka Tengah, dengan ini menyampaikan pengaduan atas keterlambatan penerbitan "
        "sertifikat hak milik atas tanah saya di Kantor Pertanahan Kabupaten Bangka Tengah di Koba."
    ),
    (
        "Permohonan pendaftaran tanah pertama kali telah saya ajukan pada tanggal 3 Februari 2025 "
        "dengan nomor berkas 1234/2025. Seluruh persyaratan sudah lengkap dan biaya pengukuran serta "
        "pendaftaran sebesar Rp 1.500.000 telah saya bayar lunas pada tanggal 10 Februari 2025, "
        "dibuktikan dengan kuitansi resmi. Menurut petugas loket, sertifikat seharusnya selesai "
        "dalam waktu 98 hari kerja."
    ),
    (
        "Namun sampai hari ini, lebih dari delapan bulan kemudian, sertifikat tersebut belum juga "
        "terbit. Setiap kali saya datang menanyakan, petugas hanya menjawab bahwa berkas masih "
        "diproses. Saya juga pernah diminta membayar tambahan Rp 750.000 tanpa kuitansi agar berkas "
        "dipercepat, tetapi permintaan itu saya tolak."
    ),
    (
        "Oleh karena itu, saya memohon agar Ombudsman memeriksa dugaan penundaan berlarut dan "
        "pungutan tidak resmi tersebut. Bersama surat ini saya lampirkan salinan kuitansi dan tanda "
        "terima berkas."
    ),
    "Atas perhatian Bapak/Ibu, saya ucapkan terima kasih.",
]
FOOTER = ["", "Hormat saya,", "", "", "Rahmat Hidayat", "NIK 1904011203780002", "Telepon 0812-7788-4521"]


@dataclass(frozen=True)
class Scan:
    dpi: int
    skew_deg: float
    blur: float
    seed: int


SCANS = {300: Scan(300, 0.8, 0.7, 20261114), 200: Scan(200, -0.6, 0.5, 20261115)}


def reference_text() -> str:
    return "\n".join([*HEADER, *(f"{p}\n" for p in PARAGRAPHS), *FOOTER])


def words(text: str) -> list[str]:
    return text.split()  # normalises every run of whitespace (spaces, newlines, tabs)


def word_edit_distance(ref: list[str], hyp: list[str]) -> int:
    """Levenshtein distance over words: substitutions, insertions and deletions each cost 1."""
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        current = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h))
        previous = current
    return previous[-1]


def word_accuracy(reference: str, hypothesis: str) -> float:
    ref = words(reference)
    return 1.0 - word_edit_distance(ref, words(hypothesis)) / len(ref)


def _lines(font: ImageFont.FreeTypeFont, width_px: int) -> list[str]:
    """The letter broken into lines that fit the text width, as a word processor would."""
    out = list(HEADER)
    for paragraph in PARAGRAPHS:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if line and font.getlength(candidate) > width_px:
                out.append(line)
                line = word
            else:
                line = candidate
        out.extend([line, ""])
    return out + FOOTER


@cache
def scanned_page(dpi: int) -> Image.Image:
    """An A4 page at `dpi` that looks like it went through an office scanner."""
    scan = SCANS[dpi]
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    margin = round(0.9 * dpi)
    font = ImageFont.truetype(str(FONT), size=round(10.5 * dpi / 72))
    line_height = round(font.size * 1.3)
    lines = _lines(font, width - 2 * margin)
    assert margin + len(lines) * line_height < height - dpi // 2, "the letter must fit on one page"

    page = Image.new("L", (width, height), 246)  # off-white paper
    draw = ImageDraw.Draw(page)
    for n, line in enumerate(lines):
        draw.text((margin, margin + n * line_height), line, font=font, fill=20)

    rng = np.random.default_rng(scan.seed)
    pixels = np.asarray(page, dtype=np.float32)
    pixels += rng.normal(0.0, 6.0, pixels.shape)  # sensor grain
    # dust: 3000 grey dots per A4 page at 300 dpi (same density at 200 dpi), a quarter of them 2x2 px
    speckles = round(3000 * (dpi / 300) ** 2)
    ys, xs = rng.integers(0, height - 2, speckles), rng.integers(0, width - 2, speckles)
    sizes = np.where(rng.random(speckles) < 0.25, 2, 1)
    tones = rng.integers(60, 200, speckles)
    for y, x, s, tone in zip(ys, xs, sizes, tones):
        pixels[y : y + s, x : x + s] = tone
    page = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="L")
    page = page.rotate(scan.skew_deg, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=246)
    return page.filter(ImageFilter.GaussianBlur(scan.blur))


def _documents(result) -> list:
    """extract_file returns one document today and a list after the rewrite (a ZIP gives several)."""
    return [result] if hasattr(result, "text") else list(result)


def test_reference_letter_is_a_realistic_length():
    assert 150 <= len(words(reference_text())) <= 250


def test_word_edit_distance():
    assert word_edit_distance(["a", "b", "c"], ["a", "b", "c"]) == 0
    assert word_edit_distance(["a", "b", "c"], ["a", "x", "c"]) == 1  # substitution
    assert word_edit_distance(["a", "b", "c"], ["a", "c"]) == 1  # deletion
    assert word_edit_distance(["a", "b", "c"], ["|", "a", "b", "c"]) == 1  # insertion (stray speckle)
    assert word_edit_distance([], ["a", "b"]) == 2
    assert word_accuracy("Rp 1.500.000  telah\nsaya", "Rp 1.500.000 telah saya") == 1.0


@pytest.mark.parametrize("fmt", ["png", "pdf"])
@pytest.mark.parametrize("dpi", [300, 200])
def test_scanned_indonesian_letter_ocr_word_accuracy(dpi, fmt, tmp_path):
    page = scanned_page(dpi)
    path = tmp_path / f"surat-pengaduan-{dpi}dpi.{fmt}"
    if fmt == "png":
        page.save(path, format="PNG", dpi=(dpi, dpi))
    else:
        page.save(path, format="PDF", resolution=float(dpi))  # image only: no text layer

    docs = _documents(extract_file(path.name, path.read_bytes()))
    text = "\n".join(d.text for d in docs)
    errors = [d.error for d in docs if d.error]
    reference = reference_text()
    accuracy = word_accuracy(reference, text)
    print(f"{path.name}: word accuracy {accuracy:.4f} ({len(words(reference))} reference words)")

    assert any("ocr" in d.method for d in docs), f"not read by OCR: {[d.method for d in docs]}"
    assert accuracy >= MIN_WORD_ACCURACY, (
        f"{path.name}: word accuracy {accuracy:.3f} < {MIN_WORD_ACCURACY}; errors={errors}\n"
        + _diff(words(reference), words(text))
    )


def _diff(ref: list[str], hyp: list[str]) -> str:
    """The differing words, for the failure message."""
    import difflib

    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=ref, b=hyp, autojunk=False).get_opcodes():
        if op != "equal":
            out.append(f"  {op}: {' '.join(ref[i1:i2])!r} -> {' '.join(hyp[j1:j2])!r}")
    return "\n".join(out[:40]) or "  (no word differences)"


if __name__ == "__main__":  # write the pages out to look at them
    for d in SCANS:
        scanned_page(d).save(f"/tmp/surat-{d}dpi.png", dpi=(d, d))
    print(textwrap.indent(reference_text(), "  "))
