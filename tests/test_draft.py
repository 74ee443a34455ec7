"""The forwarding letter: formal Indonesian, the reference, the deadline, and no identity when asked."""

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

from core.settings import DEFAULT_TEMPLATES
from routing.draft import Attachment, DraftComposer, DraftFacts, redact_identity, tanggal

RECEIVED = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)
TEXT = (
    "Nama: Siti Aminah\nNIK: 1904015507880002\nAlamat: Jl. Merdeka 5, Koba\nHP: 0812-3456-7890\n\n"
    "e-KTP saya belum jadi sejak Juni. Hubungi saya di siti.aminah@warga.example.\n"
    "Mohon identitas saya dirahasiakan. Terima kasih, Siti Aminah"
)


def compose(directory, confidential: bool):
    facts = DraftFacts(
        reference="ORI-BABEL/2026/000042",
        subject="e-KTP belum jadi",
        text=TEXT,
        received_at=RECEIVED,
        deadline_at=RECEIVED + timedelta(days=60),
        resolution_days=60,
        complainant_name="Siti Aminah",
        complainant_email="siti.aminah@warga.example",
        confidential=confidential,
        maladministration=("penundaan_berlarut",),
        attachments=(Attachment("ktp-lama.jpg", "image/jpeg", b"\xff\xd8fake"),),
    )
    unit = directory.unit("disdukcapil-1904")
    composer = DraftComposer(DEFAULT_TEMPLATES, directory.office)
    draft = composer.compose(facts, unit, directory.recipients(unit.id), ("Penundaan berlarut",), RECEIVED)
    return draft, message_from_bytes(draft.data, policy=policy.default)


def test_letter_names_reference_unit_focal_point_and_deadline(directory):
    draft, msg = compose(directory, confidential=False)
    body = msg.get_body(("plain",)).get_content()
    assert draft.to == ("pengaduan.disdukcapil@bangkatengahkab.example",)
    assert "ORI-BABEL/2026/000042" in msg["Subject"]
    for phrase in ("Nomor    : ORI-BABEL/2026/000042", "Perihal", "Kepada Yth.", "Dengan hormat",
                   "Muhammad Syahputra", "Penundaan berlarut", "19 Januari 2027", "60 hari", "Hormat kami"):
        assert phrase in body
    assert "Siti Aminah" in body and "siti.aminah@warga.example" in body
    assert [p.get_filename() for p in msg.iter_attachments()] == ["ktp-lama.jpg"]
    assert msg["Message-ID"] == draft.message_id


def test_confidential_complainant_is_never_named(directory):
    draft, msg = compose(directory, confidential=True)
    text = draft.data.decode("utf-8", "replace")
    for secret in ("Siti", "Aminah", "1904015507880002", "0812-3456-7890", "siti.aminah@warga.example", "Merdeka 5"):
        assert secret not in text
    assert "dirahasiakan" in msg.get_body(("plain",)).get_content()
    assert list(msg.iter_attachments()) == []  # attachments only by a staff decision
    assert "e-KTP saya belum jadi" in text  # the substance still goes


def test_indonesian_dates_use_western_indonesia_time():
    assert tanggal(datetime(2026, 12, 31, 18, 0, tzinfo=UTC)) == "1 Januari 2027"


def test_redaction_covers_phone_formats():
    assert "0812" not in redact_identity("telp 0812 3456 7890 atau +62 813-1111-2222")
    assert "+62" not in redact_identity("telp +62 813-1111-2222")


def test_draft_is_on_the_wire_format_with_crlf_lines(directory):
    draft, _msg = compose(directory, confidential=False)
    lines = draft.data.split(b"\r\n")
    assert all(b"\n" not in line and len(line) <= 998 for line in lines)


def test_names_given_in_the_text_are_redacted_even_when_the_sender_header_differs():
    text = (
        "Identitas saya:\nNama   : Marlina Sari\nHP/WA  : 0852-6610-3378\n\n"
        "Bantuan hanya untuk keluarga kepala desa.\n\nHormat saya,\nMarlina Sari\n"
    )
    redacted = redact_identity(text, names=("Marlina",))
    assert "Marlina" not in redacted and "Sari" not in redacted and "0852" not in redacted
    assert "keluarga kepala desa" in redacted


def test_a_letter_signed_after_the_greeting_is_redacted():
    text = "Mohon dirahasiakan.\n\nTerima kasih,\n\nBudi Hartono\n"
    assert "Budi" not in redact_identity(text)
