"""Every document yields text or a clear reason, never an exception.

Inputs are made here: reportlab PDFs, Pillow scans and photos, python-docx and odfpy documents,
RTF strings, ZIPs (zip bombs included) built in memory. OCR runs the real tesseract.
"""

from __future__ import annotations

import io
import random
import struct
import time
import zipfile
import zlib

import docx
import pytest
from factories import make_scan
from odf.opendocument import OpenDocumentText
from odf.table import Table, TableCell, TableColumn, TableRow
from odf.text import H, P
from PIL import Image
from reportlab.lib import pdfencrypt
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from ingest.extract.document import ExtractedDocument, Limits
from ingest.extract.language import detect_language
from ingest.extract.registry import Registry, default_registry, extract_document, sniff
from ingest.ocr import OcrPool, OcrResult, PageImage, ocr_image

LETTER = [
    "Perihal: Pengaduan Sertifikat Tanah",
    "Kepada Yth. Kepala Ombudsman RI Perwakilan Kepulauan Bangka Belitung",
    "Dengan hormat, sertifikat tanah saya di Kantor Pertanahan Koba",
    "belum terbit walaupun berkas lengkap sejak Januari 2026.",
    "Hormat saya, Rahmat Hidayat",
]
SECOND_PAGE = [
    "Lampiran: kronologi pengurusan sertifikat",
    "Berkas diserahkan ke loket pelayanan pada tanggal 5 Januari 2026",
    "dan petugas meminta biaya tambahan yang tidak sesuai peraturan.",
]
ENGLISH = "Please find attached my complaint about the land office, which has not issued my certificate."


def one(filename: str, data: bytes, content_type: str = "application/octet-stream", **kw: object) -> ExtractedDocument:
    docs = extract_document("attachment", "2", filename, content_type, data, **kw)  # type: ignore[arg-type]
    assert len(docs) == 1, docs
    return docs[0]


def text_pdf(*pages: list[str], encrypt: pdfencrypt.StandardEncryption | None = None) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, encrypt=encrypt)
    for lines in pages:
        y = 800
        for line in lines:
            pdf.drawString(60, y, line)
            y -= 16
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def scan_image(lines: list[str] = LETTER) -> Image.Image:
    return Image.open(io.BytesIO(make_scan(lines))).convert("L")


def scanned_pdf(*pages: list[str]) -> bytes:
    images = [scan_image(lines) for lines in pages]
    out = io.BytesIO()
    images[0].save(out, format="PDF", resolution=200, save_all=True, append_images=images[1:])
    return out.getvalue()


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def zip_of(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def patch_zip(data: bytes, *, file_size: int | None = None, flag_bits: int | None = None) -> bytes:
    """Rewrite the first member's headers: a declared size that lies, or the 'encrypted' flag."""
    raw = bytearray(data)
    local = raw.index(b"PK\x03\x04")
    central = raw.index(b"PK\x01\x02")
    if file_size is not None:
        struct.pack_into("<I", raw, local + 22, file_size)
        struct.pack_into("<I", raw, central + 24, file_size)
    if flag_bits is not None:
        struct.pack_into("<H", raw, local + 6, flag_bits)
        struct.pack_into("<H", raw, central + 8, flag_bits)
    return bytes(raw)


# --- PDF -------------------------------------------------------------------------------------


def test_text_pdf_is_read_from_its_text_layer_whatever_the_mail_claims():
    doc = one("surat.bin", text_pdf(LETTER, SECOND_PAGE), content_type="image/jpeg")
    assert (doc.content_type, doc.method, doc.pages, doc.error) == ("application/pdf", "text_layer", 2, None)
    assert "Kantor Pertanahan Koba" in doc.text and "biaya tambahan" in doc.text
    assert "\r" not in doc.text
    assert doc.ocr_confidence is None
    assert doc.language == "id"
    assert doc.payload is not None and doc.payload.startswith(b"%PDF")


def test_scanned_pdf_page_is_rendered_and_read_by_ocr():
    doc = one("pindaian.pdf", scanned_pdf(LETTER), content_type="application/pdf")
    assert (doc.method, doc.pages, doc.error) == ("ocr", 1, None)
    assert "Pertanahan" in doc.text and "Koba" in doc.text
    assert doc.ocr_confidence is not None and doc.ocr_confidence > 70
    assert doc.language == "id"


def test_pdf_with_a_typed_page_and_a_scanned_page_uses_both():
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for y, line in zip(range(800, 0, -16), LETTER):
        pdf.drawString(60, y, line)
    pdf.showPage()
    pdf.drawImage(ImageReader(scan_image(SECOND_PAGE)), 0, 0, width=A4[0], height=A4[1])
    pdf.showPage()
    pdf.save()
    doc = one("campur.pdf", buffer.getvalue())
    assert (doc.method, doc.pages, doc.error) == ("text_layer+ocr", 2, None)
    assert "Kantor Pertanahan Koba" in doc.text and "loket pelayanan" in doc.text
    assert doc.ocr_confidence is not None


def test_long_pdf_reads_the_first_max_pages_and_says_so():
    pages = [[f"Halaman {n}: laporan pengaduan pelayanan publik yang sangat panjang"] for n in range(1, 6)]
    doc = one("panjang.pdf", text_pdf(*pages), limits=Limits(max_pages=2))
    assert doc.pages == 5 and doc.method == "text_layer"
    assert "Halaman 2" in doc.text and "Halaman 3" not in doc.text
    assert doc.error is not None and "2 halaman pertama" in doc.error


def test_ocr_is_capped_at_max_ocr_pages_with_a_reason():
    doc = one("tumpukan.pdf", scanned_pdf(LETTER, SECOND_PAGE), limits=Limits(max_ocr_pages=1))
    assert doc.method == "ocr" and doc.pages == 2
    assert "Pertanahan" in doc.text and "loket" not in doc.text
    assert doc.error is not None and "1 halaman pindaian lain tidak di-OCR" in doc.error


def test_pdf_with_a_user_password_is_flagged_encrypted():
    locked = text_pdf(LETTER, encrypt=pdfencrypt.StandardEncryption("rahasia", ownerPassword="pemilik"))
    doc = one("terkunci.pdf", locked)
    assert doc.method == "none" and doc.text == ""
    assert doc.error is not None and doc.error.startswith("PDF terenkripsi")


def test_pdf_encrypted_with_only_an_owner_password_opens_with_the_empty_password():
    restricted = text_pdf(LETTER, encrypt=pdfencrypt.StandardEncryption("", ownerPassword="pemilik", canCopy=0))
    doc = one("dibatasi.pdf", restricted)
    assert doc.method == "text_layer" and doc.error is None
    assert "Kantor Pertanahan Koba" in doc.text


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage",
        b"%PDF-1.7\n" + bytes(random.Random(3).randrange(256) for _ in range(5000)),
        text_pdf(LETTER)[:600],
    ],
    ids=["no-pages", "noise", "truncated"],
)
def test_broken_pdf_gets_a_reason(data):
    doc = one("rusak.pdf", data)
    assert doc.error is not None and "PDF" in doc.error
    assert doc.text == "" and doc.method == "none"
    assert doc.payload == data


# --- images ----------------------------------------------------------------------------------


def test_scanned_letter_image_is_read_by_ocr():
    doc = one("surat.png", png(scan_image()), content_type="image/png")
    assert (doc.method, doc.pages, doc.error) == ("ocr", 1, None)
    assert "Pertanahan" in doc.text and "Rahmat Hidayat" in doc.text
    assert doc.ocr_confidence is not None and doc.ocr_confidence > 70
    assert doc.language == "id"


@pytest.mark.parametrize("degrees", [90, 180])
def test_sideways_or_upside_down_scan_is_turned_upright_by_osd(degrees):
    turned = scan_image().rotate(degrees, expand=True, fillcolor=255)
    doc = one(f"miring{degrees}.png", png(turned))
    assert doc.method == "ocr" and doc.error is None
    assert "Pertanahan" in doc.text and "Koba" in doc.text
    assert doc.ocr_confidence is not None and doc.ocr_confidence > 70


class RecordingPool(OcrPool):
    """The real pool, noting the size of each page it is given."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[tuple[int, int]] = []

    def read(self, page: PageImage, timeout_s: float, deadline: float | None = None) -> OcrResult:
        self.sizes.append((page.width, page.height))
        return super().read(page, timeout_s, deadline)


def test_phone_photo_with_exif_orientation_6_is_turned_before_ocr():
    upright = scan_image().convert("RGB")
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # how the camera wrote it: sideways
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    out = io.BytesIO()
    stored.save(out, format="JPEG", quality=90, exif=exif.tobytes())
    pool = RecordingPool()
    registry = Registry(default_registry().extractors, ocr=pool)
    (doc,) = registry.extract("attachment", "2", "IMG_2041.jpg", "image/jpeg", out.getvalue())
    assert pool.sizes[0] == upright.size  # upright before tesseract saw it
    assert doc.method == "ocr" and doc.error is None
    assert "Pertanahan" in doc.text


def test_multi_page_tiff_reads_every_page():
    first, second = scan_image(LETTER), scan_image(SECOND_PAGE)
    out = io.BytesIO()
    first.save(out, format="TIFF", save_all=True, append_images=[second], compression="tiff_deflate")
    doc = one("faks.tif", out.getvalue())
    assert (doc.content_type, doc.method, doc.pages, doc.error) == ("image/tiff", "ocr", 2, None)
    assert "Pertanahan" in doc.text and "loket" in doc.text


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) + chunk(
        b"IEND", b""
    )


@pytest.mark.parametrize(
    ("data", "limits"),
    [
        (_png_header_only(60_000, 60_000), Limits()),  # 3.6 gigapixels declared in 45 bytes
        (_png_header_only(9_000, 9_000), Limits()),  # over max_pixels, under Pillow's own guard
        (png(Image.new("L", (1200, 1000), 255)), Limits(max_pixels=1_000_000)),
    ],
    ids=["bomb", "over-limit", "small-limit"],
)
def test_image_over_max_pixels_is_refused_before_decoding(data, limits):
    started = time.monotonic()
    doc = one("besar.png", data, limits=limits)
    assert doc.method == "none" and doc.error is not None and "terlalu besar" in doc.error
    assert time.monotonic() - started < 2


def test_broken_image_gets_a_reason():
    doc = one("foto.jpg", b"\xff\xd8\xff\xe0 not really a jpeg", content_type="image/jpeg")
    assert doc.method == "none" and doc.error is not None and "gambar" in doc.error


def test_blank_scan_has_no_text_and_says_so():
    doc = one("kosong.png", png(Image.new("L", (800, 1100), 255)))
    assert doc.text == "" and doc.method == "none"
    assert doc.error is not None and "tidak ada teks" in doc.error


# --- office documents and text ---------------------------------------------------------------


def test_docx_paragraphs_and_tables_in_order():
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "PEMERINTAH DESA AIR MESU"
    for line in LETTER[:3]:
        document.add_paragraph(line)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Nomor berkas", "NIB 12.34.56"
    table.cell(1, 0).text, table.cell(1, 1).text = "Tanggal", "5 Januari 2026"
    document.add_paragraph(LETTER[4])
    out = io.BytesIO()
    document.save(out)
    doc = one("surat.docx", out.getvalue())
    assert (doc.method, doc.error, doc.language) == ("docx", None, "id")
    assert doc.content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert "Nomor berkas\tNIB 12.34.56" in doc.text
    assert doc.text.index("PEMERINTAH DESA") < doc.text.index("Perihal") < doc.text.index("Nomor berkas")
    assert doc.text.index("Nomor berkas") < doc.text.index("Rahmat Hidayat")


def test_odt_headings_paragraphs_and_tables():
    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="Pengaduan Pelayanan Air Bersih"))
    for line in LETTER[1:4]:
        document.text.addElement(P(text=line))
    table = Table(name="Rincian")
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    row = TableRow()
    for value in ("Pelanggan", "PDAM Tirta Bangka"):
        cell = TableCell()
        cell.addElement(P(text=value))
        row.addElement(cell)
    table.addElement(row)
    document.text.addElement(table)
    out = io.BytesIO()
    document.save(out)
    doc = one("surat.odt", out.getvalue())
    assert (doc.content_type, doc.method, doc.error) == ("application/vnd.oasis.opendocument.text", "odt", None)
    assert doc.text.startswith("Pengaduan Pelayanan Air Bersih")
    assert "Kantor Pertanahan Koba" in doc.text and "Pelanggan\tPDAM Tirta Bangka" in doc.text
    assert doc.language == "id"


def test_rtf_letter():
    rtf = (
        r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Times New Roman;}}"
        r"\f0\fs24 Dengan hormat,\par Saya mengadukan pelayanan Kantor Pertanahan Koba yang lambat.\par"
        r" Biaya tambahan Rp 1.500.000 diminta tanpa kwitansi, caf\'e9 di depan kantor jadi saksi.\par}"
    )
    doc = one("surat.rtf", rtf.encode("ascii"))
    assert (doc.content_type, doc.method, doc.error) == ("application/rtf", "rtf", None)
    assert "Kantor Pertanahan Koba" in doc.text and "café" in doc.text
    assert "\\par" not in doc.text


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Saya mengadukan jalan rusak – Desa Kurau, Bangka Tengah.".encode(), "jalan rusak –"),
        ("Keluhan soal pelayanan puskesmas – antrean 5 jam, dokter tidak ada.".encode("cp1252"), "antrean 5 jam"),
        ("Pengaduan: air PDAM keruh di Sungailiat".encode("utf-16"), "air PDAM keruh"),
    ],
    ids=["utf-8", "cp1252", "utf-16"],
)
def test_plain_text_in_any_encoding(data, expected):
    doc = one("catatan.txt", data)
    assert doc.method == "plain" and doc.error is None
    assert expected in doc.text


def test_cp1252_dash_is_decoded_not_replaced():
    doc = one("catatan.txt", "antrean panjang – dokter tidak ada".encode("cp1252"))
    assert "–" in doc.text and "\ufffd" not in doc.text


def test_html_attachment_becomes_text():
    html = b"<html><body><h1>Laporan</h1><p>Listrik <b>padam</b> 3 hari.</p><script>x()</script></body></html>"
    doc = one("laporan.htm", html, content_type="text/html")
    assert doc.method == "html" and "Listrik padam 3 hari." in doc.text
    assert "<b>" not in doc.text and "x()" not in doc.text


# --- archives --------------------------------------------------------------------------------


def test_zip_yields_the_archive_then_one_document_per_member():
    document = docx.Document()
    document.add_paragraph(LETTER[2])
    word = io.BytesIO()
    document.save(word)
    archive = zip_of(
        {
            "berkas/surat.pdf": text_pdf(LETTER),
            "berkas/lampiran.docx": word.getvalue(),
            "berkas/catatan.txt": b"Nomor pengaduan lama: 0412/2025",
            "__MACOSX/berkas/._surat.pdf": b"\0\5\26\7junk",
        }
    )
    container, *members = extract_document("attachment", "3", "berkas.zip", "application/zip", archive)
    assert (container.part, container.method, container.error, container.payload) == ("attachment", "zip", None, archive)
    assert [(m.part, m.path, m.filename, m.method) for m in members] == [
        ("member", "3/berkas/surat.pdf", "surat.pdf", "text_layer"),
        ("member", "3/berkas/lampiran.docx", "lampiran.docx", "docx"),
        ("member", "3/berkas/catatan.txt", "catatan.txt", "plain"),
    ]
    assert "Kantor Pertanahan Koba" in members[0].text and members[0].payload.startswith(b"%PDF")
    assert members[2].text == "Nomor pengaduan lama: 0412/2025"


def test_zip_inside_zip_is_not_opened():
    inner = zip_of({"surat.txt": b"isi yang tidak dibaca"})
    outer = zip_of({"dalam.zip": inner})
    _container, member = extract_document("attachment", "3", "luar.zip", "application/zip", outer)
    assert member.path == "3/dalam.zip" and member.method == "none"
    assert member.error is not None and "arsip di dalam arsip" in member.error


def test_zip_bomb_that_declares_its_size_is_refused_before_unpacking():
    bomb = zip_of({"bom.txt": b"\0" * (20 * 1024 * 1024)})
    assert len(bomb) < 100_000
    _container, member = extract_document(
        "attachment", "3", "bom.zip", "application/zip", bomb, limits=Limits(max_decompressed_bytes=5 * 1024 * 1024)
    )
    assert member.method == "none" and member.payload is None
    assert member.error is not None and "terlalu besar" in member.error


def test_zip_bomb_that_lies_about_its_size_is_stopped_while_unpacking():
    liar = patch_zip(zip_of({"bom.txt": b"A" * (50 * 1024 * 1024)}), file_size=1000)
    _container, member = extract_document("attachment", "3", "bom.zip", "application/zip", liar)
    assert member.method == "none" and member.payload is None
    assert member.error is not None and "tidak sesuai" in member.error


def test_encrypted_zip_member_gets_a_reason_and_the_rest_is_read():
    members = {"rahasia.txt": b"x" * 50, "terbuka.txt": b"Surat pengaduan tentang jalan rusak."}
    archive = patch_zip(zip_of(members), flag_bits=1)
    _container, locked, readable = extract_document("attachment", "3", "campur.zip", "application/zip", archive)
    assert locked.error is not None and "terenkripsi" in locked.error
    assert readable.text == "Surat pengaduan tentang jalan rusak." and readable.error is None


def test_zip_reads_at_most_100_members_and_notes_the_rest():
    archive = zip_of({f"catatan{n:03}.txt": f"catatan nomor {n}".encode() for n in range(105)})
    container, *members = extract_document("attachment", "3", "banyak.zip", "application/zip", archive)
    assert len(members) == 100
    assert container.error is not None and "5 berkas lain tidak dibaca" in container.error


def test_archive_at_the_depth_limit_is_not_opened():
    # A ZIP attached to a message inside a message inside a message: its members would be depth 4.
    docs = extract_document("attachment", "1/2/3", "dalam.zip", "application/zip", zip_of({"a.txt": b"isi"}), depth=3)
    assert len(docs) == 1 and docs[0].error is not None and "bersarang" in docs[0].error


def test_document_deeper_than_max_depth_is_not_read():
    (doc,) = extract_document("attachment", "1/2/3/4", "a.txt", "text/plain", b"isi surat", depth=4)
    assert doc.method == "none" and doc.error is not None and "bersarang" in doc.error


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"PK\x05\x06" + b"\0" * 18, "kosong"),
        (b"PK\x03\x04" + b"\x14\0" * 20, "rusak"),
    ],
    ids=["empty", "broken"],
)
def test_bad_zip_gets_a_reason(data, reason):
    doc = one("arsip.zip", data)
    assert doc.method == "none" and doc.error is not None and reason in doc.error


# --- dispatch, limits and the promise never to raise -----------------------------------------


@pytest.mark.parametrize(
    ("filename", "data", "content_type"),
    [
        ("lama.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "application/msword"),
        ("data.bin", bytes(range(256)) * 8, "application/octet-stream"),
        ("arsip.rar", b"Rar!\x1a\x07\x01\x00" + b"\0" * 100, "application/x-rar"),
    ],
)
def test_unsupported_type_is_one_document_with_method_none(filename, data, content_type):
    doc = one(filename, data, content_type=content_type)
    assert doc.method == "none" and doc.text == ""
    assert doc.error is not None and doc.error.startswith("jenis berkas") and "belum didukung" in doc.error


def test_empty_attachment():
    doc = one("kosong.pdf", b"", content_type="application/pdf")
    assert (doc.method, doc.error, doc.content_type) == ("none", "berkas kosong", "application/pdf")


def test_spent_time_budget_is_a_reason():
    doc = one("surat.pdf", text_pdf(LETTER), limits=Limits(time_budget_s=0.0))
    assert doc.method == "none" and doc.error is not None and "batas waktu" in doc.error


def test_ocr_timeout_is_recorded_on_the_page_not_raised():
    started = time.monotonic()
    doc = one("pindaian.pdf", scanned_pdf(LETTER, SECOND_PAGE), limits=Limits(ocr_timeout_s=0.05))
    assert time.monotonic() - started < 5
    assert doc.method == "none" and doc.pages == 2
    assert doc.error is not None and "halaman 1, 2: OCR melebihi batas waktu" in doc.error


def test_missing_tesseract_is_a_reason():
    registry = Registry(default_registry().extractors, ocr=OcrPool(tesseract="/nonexistent/tesseract"))
    (doc,) = registry.extract("attachment", "2", "surat.png", "image/png", png(scan_image()))
    assert doc.method == "none" and doc.error is not None and "Tesseract tidak terpasang" in doc.error


class Exploding:
    name = "exploding"

    def can_handle(self, filename: str, content_type: str, head: bytes) -> bool:
        return True

    def extract(self, data: bytes, ctx: object) -> object:
        raise RecursionError("maximum recursion depth exceeded")


def test_any_exception_in_an_extractor_becomes_a_reason():
    (doc,) = Registry([Exploding()]).extract("attachment", "2", "x.txt", "text/plain", b"apa saja")
    assert doc.method == "none" and doc.payload == b"apa saja"
    assert doc.error == "gagal dibaca (RecursionError: maximum recursion depth exceeded)"


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow warns about corrupt EXIF in noise
@pytest.mark.parametrize(
    "prefix",
    [b"%PDF-1.5\n", b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"II*\x00", b"PK\x03\x04", b"{\\rtf1", b"<html>", b""],
)
def test_garbage_behind_any_magic_never_raises(prefix):
    rng = random.Random(len(prefix))
    for size in (0, 10, 1000, 20_000):
        docs = extract_document("attachment", "9", "acak", "application/octet-stream", prefix + rng.randbytes(size))
        assert docs and all(isinstance(d, ExtractedDocument) for d in docs)
        assert all(d.text or d.error for d in docs)


def test_sniffing_trusts_bytes_over_the_declared_type():
    assert sniff(text_pdf(LETTER), "foto.jpg", "image/jpeg") == "application/pdf"
    assert sniff(png(Image.new("L", (5, 5))), "surat.pdf", "application/pdf") == "image/png"
    assert sniff(b"BMKG: hujan lebat di Pangkalpinang", "x", "application/octet-stream") == "text/plain"
    assert sniff(b"<!DOCTYPE html><p>hai</p>", "x", "application/octet-stream") == "text/html"


# --- language and the legacy OCR entry point --------------------------------------------------


def test_language_of_indonesian_english_and_short_texts():
    assert detect_language(" ".join(LETTER)) == "id"
    assert detect_language(ENGLISH) == "en"
    assert detect_language("Terlampir surat saya.") is None
    assert detect_language("") is None


def test_ocr_image_keeps_working_for_legacy_callers():
    result = ocr_image(scan_image())
    assert "Pertanahan" in result.text and result.mean_confidence is not None
