"""parse_message reads what a mail says and who sent it, marks machine mail, and refuses non-mail."""

import pytest
from factories import make_mail, make_pdf

from ingest.errors import MessageUnparseable
from ingest.parse import parse_message


def test_subject_sender_body_and_attachment_are_read():
    raw = make_mail(
        "KTP belum jadi",
        "Sudah 4 bulan e-KTP saya belum jadi.",
        sender=("Siti Aminah", "siti@warga.example"),
        attachments=[("surat.pdf", "application/pdf", make_pdf(["Perihal: Pengaduan"]))],
    )
    parsed = parse_message(raw)
    assert parsed.subject == "KTP belum jadi"
    assert (parsed.sender_name, parsed.sender_email) == ("Siti Aminah", "siti@warga.example")
    assert "4 bulan" in parsed.text_plain
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [("surat.pdf", "application/pdf")]
    assert parsed.attachments[0].payload.startswith(b"%PDF")
    assert parsed.date is not None and parsed.date.tzinfo is not None
    assert not parsed.is_auto_reply


def test_encoded_words_in_subject_and_name_are_decoded():
    raw = (
        b"From: =?utf-8?q?Ny=C3=B3man_Sar=C3=AD?= <nyoman@warga.example>\r\n"
        b"Subject: =?utf-8?b?UGVuZ2FkdWFuIGxpc3RyaWsg4oCTIHRva2Vu?=\r\n"
        b"Message-ID: <a1@warga.example>\r\n\r\nisi\r\n"
    )
    parsed = parse_message(raw)
    assert parsed.subject == "Pengaduan listrik – token"
    assert parsed.sender_name == "Nyóman Sarí"


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Auto-Submitted", "auto-replied"),
        ("X-Autoreply", "yes"),
        ("Precedence", "bulk"),
        ("Return-Path", "<>"),
    ],
)
def test_machine_generated_mail_is_marked(header, value):
    parsed = parse_message(make_mail("Out of office", "Saya sedang cuti", headers={header: value}))
    assert parsed.is_auto_reply
    assert parsed.auto_reply_reason


def test_auto_submitted_no_is_a_person():
    assert not parse_message(make_mail("Halo", "isi", headers={"Auto-Submitted": "no"})).is_auto_reply


@pytest.mark.parametrize("data", [b"", b"   \r\n", b"\x00\xff\xfe binary junk \x01\x02", b"just some words"])
def test_bytes_that_are_not_mail_are_refused_with_a_reason(data):
    with pytest.raises(MessageUnparseable) as info:
        parse_message(data)
    assert info.value.message


def test_broken_mime_is_read_with_defects_recorded():
    raw = (
        b"From: a@warga.example\r\nSubject: rusak\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="XYZ"\r\n\r\n'
        b"--XYZ\r\nContent-Type: text/plain\r\n\r\nSertifikat tanah saya belum terbit.\r\n"
        b"--XYZ\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"!!!not base64!!!\r\n"
    )
    parsed = parse_message(raw)
    assert "Sertifikat tanah" in parsed.text_plain
    assert parsed.defects


def test_damage_lists_only_defects_that_may_change_the_text():
    raw = (
        b"From: a@warga.example\r\nSubject: rusak\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="XYZ"\r\n\r\n'
        b"--XYZ\r\nContent-Type: text/plain\r\n\r\nisi\r\n"
    )
    assert any("CloseBoundaryNotFound" in d for d in parse_message(raw).damage)
    assert parse_message(make_mail("utuh", "isi")).damage == ()


def test_rfc2231_attachment_names_are_decoded():
    raw = (
        b"From: a@warga.example\r\nSubject: lampiran\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nlihat lampiran\r\n"
        b"--B\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''Surat%20Pengaduan%20%C3%9Cmum.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n--B--\r\n"
    )
    (attachment,) = parse_message(raw).attachments
    assert attachment.filename == "Surat Pengaduan Ümum.pdf"


@pytest.mark.parametrize(
    "relative",
    [
        "ruby-mail-fixtures/emails/rfc6532/utf8_headers.eml",
        "spamscope-mailparser/tests/mails/mail_test_12",
    ],
)
def test_real_mails_with_utf8_addresses_or_odd_subjects_are_read(shared_data, relative):
    from pathlib import Path

    corpus = shared_data / "mail-corpus"
    matches = list(corpus.rglob(Path(relative).name))
    assert matches, f"{relative} not found under {corpus}"
    parsed = parse_message(matches[0].read_bytes())
    assert parsed.subject and parsed.sender_email
