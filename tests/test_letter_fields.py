"""Scanned letters read like letters (issue 14.7): the subject from "Perihal", the name from "Nama :" or the
signature, and no OCR noise lines in the text a forwarding letter quotes."""

from __future__ import annotations

from core.settings import PROJECT_ROOT, load_settings
from ingest.letter_fields import is_noise, read_letter, tidy

LETTER_PNG = PROJECT_ROOT / "samples" / "letters" / "01-surat-puskesmas-lubuk-besar.png"

# what Tesseract reads from samples/letters/01 (its margins, the stamp, a scribbled signature)
OCR_TEXT = """Lubuk Besar, 4 November 2026
. Perihal : Pengaduan pelayanan Puskesmas Lubuk Besar

Kepada Yth: ©
Kepala Ombudsman RI Perwakilan
- di Pangkalpinang

Dengan hormat,
| Kejadian yang sama saya alami lagi pada hari Kamis, 29 Oktober 2026.
' memastikan Puskesmas Lubuk Besar memberikan pelayanan sesuai jam yang diumumkan.
~~ |= ..
Hormat saya, -
NVVNNNNN

Sarifah Aini"""


def test_the_subject_and_the_signer_are_read_from_the_letter():
    fields = read_letter(OCR_TEXT)
    assert fields.subject == "Pengaduan pelayanan Puskesmas Lubuk Besar"
    assert fields.name == "Sarifah Aini"


def test_ocr_noise_lines_and_stray_marks_are_left_out_of_the_text():
    text = read_letter(OCR_TEXT).text
    assert "NVVNNNNN" not in text and "~~" not in text and "©" not in text
    assert "Kejadian yang sama saya alami" in text.splitlines()[text.splitlines().index("Dengan hormat,") + 1]
    assert "\nmemastikan Puskesmas" in text and "Hormat saya,\n" in text


def test_a_nama_line_wins_over_the_signature_and_hal_is_a_subject_too():
    fields = read_letter("Hal: Sertifikat tanah belum terbit\nNama : Budi Santoso\nAlamat : Sungailiat\n\n"
                         "Hormat kami,\n\n(Pengurus RT 03)")
    assert fields.subject == "Sertifikat tanah belum terbit"
    assert fields.name == "Budi Santoso"


def test_no_subject_or_name_when_the_letter_gives_none():
    fields = read_letter("Saya mau mengadu soal jalan rusak di desa kami.\nTerima kasih.")
    assert (fields.subject, fields.name) == (None, None)


def test_what_counts_as_noise():
    for noise in ("NVVNNNNN", "©", "~~ |= ..", "lllll", "-", "'"):
        assert is_noise(tidy(noise)) or not tidy(noise), noise
    for kept in ("RT 03/RW 02", "0812-7788-9900", "Sarifah Aini", "di Pangkalpinang", "Koba", "IGD"):
        assert not is_noise(tidy(kept)), kept


def test_a_scanned_letters_case_and_its_forwarding_letter(tmp_path, smtp_sink, classifier):
    from narahubung.intake import ingest_paths
    from narahubung.pipeline import deliver, process_pending
    from narahubung.services import build_services
    from storage.models import Case

    services = build_services(load_settings(data_dir=tmp_path, smtp_url=smtp_sink.url), classifier=classifier)
    ingest_paths(services, [LETTER_PNG])
    process_pending(services)
    with services.factory() as session:
        [case] = session.query(Case).all()
        assert case.subject == "Pengaduan pelayanan Puskesmas Lubuk Besar"  # not the file name
        assert case.complainant_name == "Sarifah Aini"
        assert case.status == "routed", case.review_reasons
    deliver(services)
    [letter] = [m for m in smtp_sink.messages if "Lubuk Besar" in str(m.message["Subject"])]
    body = letter.message.get_body(("plain",)).get_content()
    assert "Pengaduan pelayanan Puskesmas Lubuk Besar" in str(letter.message["Subject"])
    assert "01-surat-puskesmas" not in str(letter.message["Subject"])
    assert "NVVNNNNN" not in body and "Puskesmas Lubuk Besar" in body
