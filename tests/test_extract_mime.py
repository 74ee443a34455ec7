"""extract_mail reads a MIME mail part by part: body, inline forwards, attachments, nested messages, TNEF
and uuencode; logos and tracking pixels are never read as letters; a failure is a reason, never a raise."""

from __future__ import annotations

import binascii
import io
import random
from email.message import EmailMessage

import pytest
from factories import make_mail
from PIL import Image

from ingest.extract import mime
from ingest.extract.document import ExtractedDocument, Limits
from ingest.extract.mime import decode_text, extract_mail, extract_message
from ingest.parse import parse_message

TNEF_EXAMPLES = "mail-corpus/tnefparse-tnef/tests/examples"
COMPLAINT = "Saya melaporkan pungutan liar di Kantor Kelurahan Air Itam sebesar Rp 500.000."


@pytest.fixture
def files_read(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str, int]]:
    """Stand in for the document registry: records (path, filename, content_type, depth) and returns
    the bytes as text, so these tests pin down mime.py alone (no OCR)."""
    calls: list[tuple[str, str, str, int]] = []

    def fake(part: str, path: str, filename: str, content_type: str, data: bytes, limits: Limits,
             depth: int) -> list[ExtractedDocument]:
        calls.append((path, filename, content_type, depth))
        return [ExtractedDocument(part, path, filename, content_type, data, data.decode("utf-8", "replace"), "plain")]

    monkeypatch.setattr(mime, "_extract_document", fake)
    return calls


def _extract(raw: bytes, **kwargs: object) -> list[ExtractedDocument]:
    return extract_mail(parse_message(raw), raw, **kwargs)  # type: ignore[arg-type]


def _by_path(docs: list[ExtractedDocument]) -> dict[str, ExtractedDocument]:
    return {d.path: d for d in docs}


def _png(width: int, height: int, noisy: bool = True) -> bytes:
    image = Image.new("RGB", (width, height), "white")
    if noisy:  # noise keeps the PNG above the "tiny" size, like a real logo or photo
        rng = random.Random(3)
        image.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(width * height)])
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _message(subject: str, body: str, sender: str = "Siti Aminah <siti@warga.example>") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "pengaduan@ombudsman.example"
    msg["Date"] = "Mon, 02 Nov 2026 08:15:00 +0700"
    msg["Subject"] = subject
    msg.set_content(body)
    return msg


# --- body ----------------------------------------------------------------------------------------


def test_html_only_mail_becomes_text_through_inscriptis():
    raw = (
        b"From: a@warga.example\r\nSubject: listrik\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><head><style>p{color:red}</style></head><body><p>Listrik <b>padam</b> 3 hari di Manggar.</p>"
        b"<ul><li>RT 01</li><li>RT 02</li></ul><script>track()</script></body></html>\r\n"
    )
    (body,) = _extract(raw)
    assert (body.part, body.path, body.method, body.content_type) == ("body", "body", "html", "text/html")
    assert "Listrik padam 3 hari di Manggar." in body.text
    assert "RT 01" in body.text and "RT 02" in body.text
    assert "<" not in body.text and "track()" not in body.text and "color" not in body.text


def test_bogus_charset_is_read_from_the_original_bytes():
    raw = (
        "From: a@warga.example\r\nSubject: pungli\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=x-bogus-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "Petugas berkata \u201cbayar dulu\u201d \u2013 saya diminta Rp 500.000 \u2026 mohon ditindaklanjuti.\r\n"
    ).encode("cp1252")
    (body,) = _extract(raw)
    assert body.text == "Petugas berkata \u201cbayar dulu\u201d \u2013 saya diminta Rp 500.000 \u2026 mohon ditindaklanjuti."
    assert body.error is None


def test_without_raw_bytes_a_broken_charset_is_reported_not_hidden():
    raw = (
        b"From: a@warga.example\r\nSubject: pungli\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=x-bogus-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        b"Petugas berkata \x93bayar dulu\x94.\r\n"
    )
    (body,) = extract_mail(parse_message(raw))
    assert "\ufffd" in body.text
    assert body.error is not None and "set karakter" in body.error


@pytest.mark.parametrize(
    ("data", "declared", "expected"),
    [
        ("Caf\u00e9 \u201ckopi\u201d".encode("cp1252"), "iso-8859-1", "Caf\u00e9 \u201ckopi\u201d"),  # smart quotes
        ("Caf\u00e9 \u201ckopi\u201d".encode(), "iso-8859-1", "Caf\u00e9 \u201ckopi\u201d"),  # UTF-8 mislabelled
        ("Caf\u00e9 \u201ckopi\u201d".encode("cp1252"), "utf-8", "Caf\u00e9 \u201ckopi\u201d"),  # wrong label
        ("Caf\u00e9 \u201ckopi\u201d".encode("cp1252"), None, "Caf\u00e9 \u201ckopi\u201d"),  # no label
        ("Kepala desa \u2014 Siti".encode("cp1252"), "unknown-8bit", "Kepala desa \u2014 Siti"),
        ("\u0420\u0430\u0431\u043e\u0442\u0430".encode("koi8-r"), "koi8-r", "\u0420\u0430\u0431\u043e\u0442\u0430"),
        ("\u3059\u307f\u307e\u305b\u3093".encode("iso-2022-jp"), "iso-2022-jp", "\u3059\u307f\u307e\u305b\u3093"),  # 7-bit
    ],
)
def test_decode_text_survives_missing_unknown_and_wrong_charsets(data, declared, expected):
    assert decode_text(data, declared) == expected


def test_body_clean_text_is_the_complainants_own_words():
    raw = make_mail("Pungli", f"{COMPLAINT}\n\nDikirim dari iPhone saya\n\nPada 1 Nov 2026 Ombudsman menulis:\n> Mohon data.")
    (body,) = _extract(raw)
    assert "Mohon data" in body.text  # staff keep everything
    assert body.clean_text == COMPLAINT and body.own_words == COMPLAINT


def test_rfc2047_and_rfc2231_attachment_names_are_decoded(files_read):
    raw = (
        b"From: a@warga.example\r\nSubject: =?utf-8?q?Pengaduan_=E2=80=9Cpungli=E2=80=9D?=\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nTerlampir.\r\n"
        b"--XX\r\nContent-Type: text/plain; name=\"=?UTF-8?B?U3VyYXQgcGVuZ2FkdWFuLnR4dA==?=\"\r\n"
        b"Content-Disposition: attachment; filename=\"=?UTF-8?B?U3VyYXQgcGVuZ2FkdWFuLnR4dA==?=\"\r\n\r\nsatu\r\n"
        b"--XX\r\nContent-Type: text/plain\r\n"
        b"Content-Disposition: attachment; filename*0*=utf-8''surat%20keluhan%20; filename*1*=Ren%C3%A9.txt\r\n\r\n"
        b"dua\r\n--XX--\r\n"
    )
    docs = _extract(raw)
    assert [d.filename for d in docs[1:]] == ["Surat pengaduan.txt", "surat keluhan Ren\u00e9.txt"]
    assert docs[0].text == "Terlampir."


# --- nested messages and forwards ---------------------------------------------------------------


def test_attached_forwarded_message_keeps_its_headers_text_and_attachments(files_read):
    inner = _message("Pungli kelurahan", f"{COMPLAINT}\n\nHormat saya,\nSiti")
    inner.add_attachment(b"kwitansi Rp 500.000", maintype="text", subtype="plain", filename="kwitansi.txt")
    outer = _message("Fwd: Pungli kelurahan", "Mohon ditindaklanjuti.", sender="Budi <budi@warga.example>")
    outer.add_attachment(inner)  # message/rfc822
    docs = _extract(bytes(outer))
    body, message, receipt = docs
    assert body.text == "Mohon ditindaklanjuti."  # the inner text is not merged into the body
    assert (message.part, message.path, message.content_type) == ("message", "1", "message/rfc822")
    assert message.headers == {
        "From": "Siti Aminah <siti@warga.example>", "To": "pengaduan@ombudsman.example",
        "Date": "Mon, 02 Nov 2026 08:15:00 +0700", "Subject": "Pungli kelurahan",
    }
    assert COMPLAINT in message.text and message.own_words == COMPLAINT
    assert message.payload is not None and b"Pungli kelurahan" in message.payload
    assert (receipt.path, receipt.filename, receipt.text) == ("1/1", "kwitansi.txt", "kwitansi Rp 500.000")
    assert files_read == [("1/1", "kwitansi.txt", "text/plain", 2)]


def test_gmail_forward_inline_in_the_body_becomes_a_message_with_headers():
    body_text = (
        "Mohon dibantu.\n\n---------- Pesan terusan ---------\n"
        "Dari: Siti Aminah <siti@warga.example>\nDate: Sen, 2 Nov 2026 pukul 08.15\n"
        "Subject: Pungli kelurahan\nTo: <lurah@airitam.example>\n\n"
        f"{COMPLAINT}\n"
    )
    body, forwarded = _extract(make_mail("Fwd: Pungli kelurahan", body_text))
    assert body.own_words == f"Mohon dibantu.\n\n{COMPLAINT}"  # short cover note: the forward is the complaint
    assert (forwarded.part, forwarded.path) == ("message", "body/1")
    assert forwarded.headers == {
        "From": "Siti Aminah <siti@warga.example>", "Date": "Sen, 2 Nov 2026 pukul 08.15",
        "Subject": "Pungli kelurahan", "To": "<lurah@airitam.example>",
    }
    assert forwarded.text == COMPLAINT
    assert forwarded.own_words == ""  # already in the body's own words: counted once


def _nest(levels: int) -> EmailMessage:
    msg = _message("Tingkat 1", "isi tingkat 1")
    for level in range(2, levels + 1):
        outer = _message(f"Tingkat {level}", f"isi tingkat {level}")
        outer.add_attachment(msg)
        msg = outer
    return msg


def test_messages_nested_beyond_max_depth_get_a_reason(files_read):
    docs = _by_path(_extract(bytes(_nest(4)), limits=Limits(max_depth=2)))
    assert list(docs) == ["body", "1", "1/1", "1/1/1"]
    assert docs["body"].text == "isi tingkat 4"
    assert docs["1"].text == "isi tingkat 3" and docs["1/1"].text == "isi tingkat 2"
    assert docs["1/1/1"].text == "" and docs["1/1/1"].error is not None
    assert "bersarang terlalu dalam" in docs["1/1/1"].error and "batas 2" in docs["1/1/1"].error
    assert docs["1/1/1"].payload  # the bytes are kept for staff


def test_nested_messages_count_against_the_unpacked_bytes_budget(files_read):
    first = _extract(bytes(_nest(3)))[1]
    assert first.payload is not None
    budget = len(first.payload) + 10  # room for the first nested message, not for the one inside it
    docs = _by_path(_extract(bytes(_nest(3)), limits=Limits(max_decompressed_bytes=budget)))
    assert docs["1"].error is None
    assert docs["1/1"].error is not None and "batas total" in docs["1/1"].error


def test_extract_message_reads_an_eml_file_for_the_registry(files_read):
    inner = _message("Pungli", COMPLAINT)
    inner.add_attachment(b"bukti", maintype="text", subtype="plain", filename="bukti.txt")
    docs = extract_message("3/surat.eml", "surat.eml", bytes(inner), depth=2)
    assert [(d.part, d.path) for d in docs] == [("message", "3/surat.eml"), ("attachment", "3/surat.eml/1")]
    assert docs[0].headers["Subject"] == "Pungli" and docs[0].text == COMPLAINT
    assert files_read == [("3/surat.eml/1", "bukti.txt", "text/plain", 3)]


# --- TNEF and uuencode ----------------------------------------------------------------------------


def _with_attachment(name: str, content_type: str, data: bytes, body: str = "Terlampir.") -> bytes:
    maintype, _, subtype = content_type.partition("/")
    msg = _message("Pengaduan", body)
    msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return bytes(msg)


def test_winmail_dat_body_and_members_are_read(files_read, shared_data):
    tnef = (shared_data / TNEF_EXAMPLES / "unicode-mapi-attr.tnef").read_bytes()
    docs = _extract(_with_attachment("winmail.dat", "application/ms-tnef", tnef))
    _body, winmail, member = docs
    assert (winmail.path, winmail.method, winmail.error) == ("1", "tnef", None)
    assert "hello world" in winmail.text
    assert (member.path, member.filename) == ("1/1", "example.dat")
    assert files_read == [("1/1", "example.dat", "application/octet-stream", 2)]


def test_winmail_dat_rtf_body_and_its_inline_logo(files_read, shared_data):
    tnef = (shared_data / TNEF_EXAMPLES / "umlaut.tnef").read_bytes()
    docs = _by_path(_extract(_with_attachment("winmail.dat", "application/vnd.ms-tnef", tnef)))
    assert "TEST \u00e4\u00f6\u00fc" in docs["1"].text  # RTF body, decompressed and stripped
    assert docs["1/2"].filename == "image003.jpg"  # referenced as cid:image003.jpg@… from the body
    assert (docs["1/2"].method, docs["1/2"].text, docs["1/2"].error) == ("none", "", None)
    assert [call[1] for call in files_read] == ["TBZ PARIV GmbH.jpg", "UmlautAnhang-\u00e4\u00fc\u00f6.txt"]


@pytest.mark.parametrize(
    ("tnef", "reason"),
    [
        (b"\x78\x9f\x3e\x22\x00\x00" + b"\x02\x90\x06\x00\xff\xff\xff\x7f" + b"x" * 30, "rusak"),
        (b"\x78\x9f\x3e\x22\x00\x00garbage", "tidak berisi teks maupun lampiran"),
    ],
)
def test_broken_winmail_dat_is_a_reason_and_the_rest_goes_on(files_read, tnef, reason):
    msg = _message("Pengaduan", COMPLAINT)
    msg.add_attachment(tnef, maintype="application", subtype="ms-tnef", filename="winmail.dat")
    msg.add_attachment(b"bukti", maintype="text", subtype="plain", filename="bukti.txt")
    body, winmail, proof = _extract(bytes(msg))
    assert body.text == COMPLAINT
    assert winmail.error is not None and reason in winmail.error
    assert winmail.payload == tnef
    assert proof.text == "bukti"


def test_a_png_named_winmail_dat_is_read_as_what_it_is(files_read):
    png = _png(300, 300)
    _body, _image = _extract(_with_attachment("winmail.dat", "application/ms-tnef", png))
    assert files_read == [("1", "winmail.dat", "application/ms-tnef", 1)]  # the registry sniffs the bytes


def _uuencode(name: str, data: bytes) -> str:
    lines = [binascii.b2a_uu(data[i:i + 45]).decode().rstrip("\n") for i in range(0, len(data), 45)]
    return f"begin 644 {name}\n" + "\n".join(lines) + "\n`\nend"


def test_uuencoded_blocks_in_a_plain_body_become_attachments(files_read):
    letter = b"Surat pengaduan: jalan rusak di Desa Lumut.\n" * 5
    photo = bytes(range(256)) + b"\0" * 90  # zeros encode as trailing spaces, which mail clients strip
    body_text = f"{COMPLAINT}\n\n{_uuencode('surat.txt', letter)}\n\n{_uuencode('foto.bin', photo)}\n"
    body, surat, foto = _extract(make_mail("Pengaduan", body_text))
    assert body.text == f"{COMPLAINT}\n\n[lampiran uuencode: surat.txt]\n\n[lampiran uuencode: foto.bin]"
    assert (surat.path, surat.filename, surat.payload) == ("1", "surat.txt", letter)
    assert (foto.path, foto.filename, foto.payload) == ("2", "foto.bin", photo)
    assert [call[:3] for call in files_read] == [("1", "surat.txt", "text/plain"), ("2", "foto.bin", "application/octet-stream")]


def test_a_begin_line_without_uuencoded_lines_stays_text():
    text = f"{COMPLAINT}\nbegin 644 bukan-lampiran\nini hanya kalimat biasa\nend"
    (body,) = _extract(make_mail("Pengaduan", text))
    assert body.text == text


# --- logos and pixels ---------------------------------------------------------------------------


def test_signature_logo_and_tracking_pixel_are_listed_but_never_read(files_read):
    msg = _message("Pengaduan", COMPLAINT)
    msg.add_alternative(
        f"<p>{COMPLAINT}</p><img src='cid:logo@warga'><img src='cid:surat@warga'>"
        "<img src='https://track.example/p.gif'>",
        subtype="html",
    )
    html = msg.get_payload()[1]
    html.add_related(_png(180, 60), maintype="image", subtype="png", cid="<logo@warga>")
    html.add_related(_png(900, 1200, noisy=False) + b"\0" * 4096, maintype="image", subtype="png",
                     cid="<surat@warga>")  # a pasted photo of a letter: large, so it is read
    msg.add_attachment(_png(1, 1, noisy=False), maintype="image", subtype="gif", filename="pixel.gif",
                       disposition="inline")
    docs = _by_path(_extract(bytes(msg)))
    logo, letter, pixel = docs["1"], docs["2"], docs["3"]
    for skipped in (logo, pixel):
        assert (skipped.method, skipped.text, skipped.error) == ("none", "", None)
        assert skipped.payload  # kept, so staff can still see it
    assert letter.method == "plain"  # the stand-in registry read it
    assert [call[0] for call in files_read] == ["2"]
    assert docs["body"].text == COMPLAINT


def test_pgp_signature_is_not_an_unsupported_file_error(files_read):
    _body, signature = _extract(_with_attachment("signature.asc", "application/pgp-signature", b"-----BEGIN PGP"))
    assert (signature.method, signature.error) == ("none", None)
    assert files_read == []


# --- failures -----------------------------------------------------------------------------------


def test_a_failing_attachment_is_a_reason_and_the_next_one_is_still_read(monkeypatch):
    def explode(part, path, filename, content_type, data, limits, depth):
        if filename == "rusak.txt":
            raise RuntimeError("pengurai meledak")
        return [ExtractedDocument(part, path, filename, content_type, data, data.decode(), "plain")]

    monkeypatch.setattr(mime, "_extract_document", explode)
    msg = _message("Pengaduan", COMPLAINT)
    msg.add_attachment(b"x", maintype="text", subtype="plain", filename="rusak.txt")
    msg.add_attachment(b"bukti", maintype="text", subtype="plain", filename="bukti.txt")
    body, broken, proof = _extract(bytes(msg))
    assert broken.error is not None and "gagal dibaca" in broken.error and "pengurai meledak" in broken.error
    assert proof.text == "bukti" and body.text == COMPLAINT


def test_broken_multipart_boundary_is_recovered():
    raw = (
        b"From: a@warga.example\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/alternative; boundary=\"--=_declared\"\r\n\r\n"
        b"----=_actual\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + COMPLAINT.encode()
        + b"\r\n----=_actual--\r\n"
    )
    (body,) = _extract(raw)
    assert body.text == COMPLAINT


def test_without_raw_bytes_the_parsed_mail_is_still_read(files_read):
    docs = extract_mail(parse_message(_with_attachment("bukti.txt", "text/plain", b"bukti", body=COMPLAINT)))
    assert [(d.path, d.text) for d in docs] == [("body", COMPLAINT), ("1", "bukti")]


# --- real mails -----------------------------------------------------------------------------------

CORPUS_SAMPLES = [
    "ruby-mail-fixtures/spec/fixtures/emails/attachment_emails/attachment_message_rfc822.eml",
    "ruby-mail-fixtures/spec/fixtures/emails/error_emails/content_transfer_encoding_x_uuencode.eml",
    "ruby-mail-fixtures/spec/fixtures/emails/multi_charset/japanese_iso_2022.eml",
    "spamscope-mailparser/tests/mails/mail_malformed_3",
    "zbateson-mmp/tests/_data/emails/m4006.txt",
    "cpython-test-email/data/msg_15.txt",
    "php-mime-mail-parser/tests/mails/m0025",
]


@pytest.mark.parametrize("name", CORPUS_SAMPLES)
def test_real_corpus_mails_give_a_body_and_a_text_or_reason_for_every_part(shared_data, name):
    path = shared_data / "mail-corpus" / name
    assert path.exists(), f"corpus file missing: {path}"
    raw = path.read_bytes()
    docs = extract_mail(parse_message(raw), raw)
    assert docs[0].part == "body" and docs[0].path == "body"
    assert len({d.path for d in docs}) == len(docs)
    for doc in docs[1:]:
        assert doc.text or doc.error or doc.method == "none", doc


def test_when_reading_the_raw_bytes_fails_mail_parsers_view_is_used(monkeypatch, files_read):
    def broken(raw, parsed):
        raise RecursionError("too deep")

    monkeypatch.setattr(mime, "_content_of_raw", broken)
    raw = _with_attachment("bukti.txt", "text/plain", b"bukti", body=COMPLAINT)
    docs = extract_mail(parse_message(raw), raw)
    assert [(d.path, d.text, d.error) for d in docs] == [("body", COMPLAINT, None), ("1", "bukti", None)]
