"""Every body and attachment yields text or a recorded reason; nothing raises."""

import pytest
from factories import make_mail, make_pdf, make_scan

from ingest.extract import extract_file, extract_mail
from ingest.parse import parse_message

LETTER = [
    "Perihal: Pengaduan Sertifikat Tanah",
    "Kepada Yth. Kepala Ombudsman RI Perwakilan Kepulauan Bangka Belitung",
    "Dengan hormat, sertifikat tanah saya di Kantor Pertanahan Koba",
    "belum terbit walaupun berkas lengkap sejak Januari 2026.",
    "Hormat saya, Rahmat Hidayat",
]


def test_plain_body_and_pdf_text_layer():
    raw = make_mail("Sertifikat", "Terlampir surat saya.", attachments=[("surat.pdf", "application/pdf", make_pdf(LETTER))])
    body, pdf = extract_mail(parse_message(raw), raw)
    assert (body.part, body.method, body.text) == ("body", "plain", "Terlampir surat saya.")
    assert pdf.method == "text_layer" and pdf.pages == 1 and pdf.error is None
    assert "Kantor Pertanahan Koba" in pdf.text
    assert pdf.payload is not None and pdf.payload.startswith(b"%PDF")


def test_html_only_body_becomes_text():
    raw = (
        b"From: a@warga.example\r\nSubject: listrik\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><body><p>Listrik <b>padam</b> 3 hari di Manggar.</p><script>x()</script></body></html>\r\n"
    )
    (body,) = extract_mail(parse_message(raw), raw)
    assert body.method == "html"
    assert "Listrik padam 3 hari di Manggar." in body.text
    assert "<b>" not in body.text and "x()" not in body.text


def test_scanned_letter_image_is_read_by_ocr():
    (doc,) = extract_file("surat.png", make_scan(LETTER))
    assert doc.method == "ocr" and doc.error is None
    assert "Pertanahan" in doc.text and "Koba" in doc.text
    assert doc.ocr_confidence is not None and doc.ocr_confidence > 60


def test_scanned_pdf_without_text_layer_falls_back_to_ocr():
    (doc,) = extract_file("pindaian.pdf", make_scan(LETTER, fmt="PDF"))
    assert doc.method == "ocr"
    assert "sertifikat" in doc.text.lower()


@pytest.mark.parametrize(
    ("filename", "data", "reason"),
    [
        ("rusak.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage", "PDF"),
        ("kosong.pdf", b"", "kosong"),
        ("foto.jpg", b"\xff\xd8\xff\xe0 not really a jpeg", "gambar"),
        ("arsip.zip", b"PK\x05\x06" + b"\0" * 18, "kosong"),
        ("catatan.xyz", b"\x00\x01\x02\x03 binary", "belum didukung"),
    ],
)
def test_a_bad_attachment_gets_a_reason_not_an_exception(filename, data, reason):
    (doc,) = extract_file(filename, data)
    assert doc.text == "" and doc.method == "none"
    assert doc.error is not None and reason.lower() in doc.error.lower()
    assert doc.payload == data


def test_a_bad_attachment_does_not_stop_the_others():
    raw = make_mail(
        "dua lampiran",
        "lihat lampiran",
        attachments=[
            ("rusak.pdf", "application/pdf", b"%PDF-1.4 broken"),
            ("surat.pdf", "application/pdf", make_pdf(LETTER)),
        ],
    )
    _body, broken, good = extract_mail(parse_message(raw), raw)
    assert broken.error and not broken.text
    assert "Koba" in good.text and good.error is None
