"""own_words keeps what the complainant wrote and drops quoted history, signatures and disclaimers."""

from ingest.extract.clean import COVER_NOTE_MAX_WORDS, forwarded_messages, own_words

COMPLAINT = (
    "Saya melaporkan pungutan liar di Kantor Kelurahan Air Itam. Petugas meminta Rp 500.000\n"
    "untuk mengurus KTP elektronik, padahal layanan ini gratis."
)


def test_text_without_history_is_kept_whole():
    assert own_words(COMPLAINT) == COMPLAINT


def test_indonesian_gmail_reply_header_and_quotes_are_dropped():
    text = (
        f"{COMPLAINT}\n\n"
        "Pada tanggal Sen, 4 Mar 2026 pukul 10.00 Ombudsman RI <pengaduan@ombudsman.example>\n"
        "menulis:\n"
        "> Mohon lengkapi kronologi kejadian.\n"
        "> Salam, Tim Pengaduan\n"
    )
    assert own_words(text) == COMPLAINT


def test_english_reply_header_is_dropped():
    text = f"{COMPLAINT}\n\nOn Mon, 4 Mar 2026 at 10:00, Ombudsman <p@ombudsman.example> wrote:\n> Please send details."
    assert own_words(text) == COMPLAINT


def test_interleaved_answers_keep_the_citizen_lines_only():
    text = "> Kapan kejadiannya?\nTanggal 3 Maret 2026.\n> Di kantor mana?\nKelurahan Air Itam."
    assert own_words(text) == "Tanggal 3 Maret 2026.\nKelurahan Air Itam."


def test_outlook_indonesian_original_message_block_is_dropped():
    text = (
        "Berikut saya lampirkan fotokopi KTP.\n\n"
        "-----Pesan Asli-----\n"
        "Dari: Ombudsman RI <pengaduan@ombudsman.example>\n"
        "Dikirim: Senin, 04 Maret 2026 10:00\n"
        "Kepada: Siti Aminah\n"
        "Subjek: RE: Pengaduan KTP\n\n"
        "Mohon kirimkan fotokopi KTP Anda."
    )
    assert own_words(text) == "Berikut saya lampirkan fotokopi KTP."


def test_outlook_header_block_without_marker_is_dropped():
    text = (
        "Sudah saya kirim ulang.\n\n"
        "________________________________\n"
        "From: Ombudsman <pengaduan@ombudsman.example>\n"
        "Sent: Monday, March 4, 2026 10:00 AM\n"
        "To: Budi <budi@warga.example>\n"
        "Subject: RE: Pengaduan\n\n"
        "Lampiran belum kami terima."
    )
    assert own_words(text) == "Sudah saya kirim ulang."


def test_a_formal_letter_heading_is_not_mistaken_for_a_quoted_mail():
    text = (
        "Dari: Siti Aminah\nKepada: Kepala Dinas Kependudukan\nPerihal: Pengaduan pelayanan KTP\n"
        "Tanggal: 3 Maret 2026\n\n" + COMPLAINT
    )
    assert own_words(text) == text


def test_mobile_signature_and_short_closing_block_are_dropped():
    text = f"{COMPLAINT}\n\nTerima kasih,\nSiti Aminah\n0812-3456-7890\n\nDikirim dari iPhone saya"
    assert own_words(text) == COMPLAINT


def test_yahoo_android_signature_is_dropped():
    assert own_words(f"{COMPLAINT}\n\nDikirim dari Yahoo Mail di Android") == COMPLAINT


def test_dash_dash_signature_delimiter_cuts_the_rest():
    text = f"{COMPLAINT}\n-- \nBudi Santoso\nKetua RT 05\nJl. Merdeka 1"
    assert own_words(text) == COMPLAINT


def test_salam_at_the_top_or_followed_by_a_long_text_is_not_a_signature():
    text = f"Salam,\n\n{COMPLAINT}\n\n" + "Kejadian ini sudah berulang kali terjadi di kantor tersebut dan warga lain juga mengalaminya.\n" * 5
    assert own_words(text) == text.strip()


def test_hyphen_lists_in_the_complaint_are_kept():
    text = "Rincian kejadian:\n- Nama petugas: Budi\n- Tanggal: 3 Maret 2026\n- Biaya: Rp 500.000"
    assert own_words(text) == text


def test_indonesian_and_english_disclaimers_and_antivirus_footer_are_dropped():
    text = (
        f"{COMPLAINT}\n\n"
        "Email ini dan lampirannya bersifat rahasia dan hanya ditujukan untuk penerima yang dituju.\n\n"
        "This e-mail and any attachments are confidential and intended solely for the addressee.\n\n"
        "Virus-free. www.avast.com"
    )
    assert own_words(text) == COMPLAINT


def test_disclaimer_heading_drops_the_footer_after_it():
    text = f"{COMPLAINT}\n\nDISCLAIMER\nInformasi dalam surel ini dapat berisi hal yang bersifat rahasia.\n\nPT Contoh Tbk"
    assert own_words(text) == COMPLAINT


def test_a_citizen_asking_for_confidentiality_keeps_that_sentence():
    text = f"{COMPLAINT}\n\nMohon identitas saya dirahasiakan karena saya takut diintimidasi."
    assert own_words(text) == text


def test_forward_with_short_cover_note_keeps_the_forwarded_complaint():
    text = (
        "Mohon ditindaklanjuti, belum ada tanggapan.\n\n"
        "---------- Pesan terusan ---------\n"
        "Dari: Siti Aminah <siti@warga.example>\n"
        "Date: Sen, 4 Mar 2026 pukul 10.00\n"
        "Subject: Pungli kelurahan\n"
        "To: <kelurahan@airitam.example>\n\n"
        f"{COMPLAINT}\n\n"
        "Hormat saya,\nSiti Aminah\n\n"
        "Dikirim dari iPhone saya"
    )
    assert own_words(text) == f"Mohon ditindaklanjuti, belum ada tanggapan.\n\n{COMPLAINT}"


def test_gmail_english_forward_without_cover_note_is_the_complaint():
    text = (
        "---------- Forwarded message ---------\n"
        "From: Budi <budi@warga.example>\nDate: Mon, 4 Mar 2026\nSubject: Jalan rusak\nTo: dinas@pu.example\n\n"
        "Jalan di Desa Lumut rusak berat sejak Januari."
    )
    assert own_words(text) == "Jalan di Desa Lumut rusak berat sejak Januari."


def test_forward_under_a_long_cover_note_keeps_only_the_note():
    note = " ".join(["Saya sudah melapor ke dinas berkali-kali tanpa hasil."] * (COVER_NOTE_MAX_WORDS // 8 + 1))
    text = f"{note}\n\n---------- Pesan terusan ---------\nDari: Siti\nSubject: Lama\n\nIsi lama."
    assert own_words(text) == note


def test_outlook_forward_is_recognised_by_the_fw_subject():
    text = (
        "-----Original Message-----\n"
        "From: Siti <siti@warga.example>\nSent: Monday, March 4, 2026\nTo: dinas@pu.example\n"
        "Subject: FW: Pengaduan air PDAM\n\n"
        "Air PDAM tidak mengalir selama dua minggu di Kelurahan Bukit Intan."
    )
    assert own_words(text) == "Air PDAM tidak mengalir selama dua minggu di Kelurahan Bukit Intan."


def test_the_mail_subject_makes_an_original_message_block_a_forward():
    text = "-----Original Message-----\nFrom: Siti\nSent: Monday\nTo: dinas\nSubject: Air\n\nAir PDAM mati."
    assert own_words(text) == ""  # a reply with nothing written above the quote
    assert own_words(text, subject="Fwd: Air") == "Air PDAM mati."


def test_a_reply_quote_is_never_kept_even_under_a_short_note():
    text = f"Ya.\n\nPada 4 Mar 2026 Siti menulis:\n> {COMPLAINT}"
    assert own_words(text) == "Ya."


def test_forwarded_messages_gives_each_header_block():
    text = (
        "Tolong dibantu.\n\n---------- Forwarded message ---------\n"
        "From: Budi <budi@warga.example>\nDate: Mon, 4 Mar 2026\nSubject: Jalan rusak\nTo: dinas@pu.example\n\n"
        "Jalan rusak.\n\nOn Sun, 3 Mar 2026 Dinas <dinas@pu.example> wrote:\n> Akan kami cek."
    )
    forward, reply = forwarded_messages(text)
    assert forward.kind == "forward"
    assert forward.headers == {
        "From": "Budi <budi@warga.example>", "Date": "Mon, 4 Mar 2026", "Subject": "Jalan rusak", "To": "dinas@pu.example",
    }
    assert forward.text == "Jalan rusak."
    assert reply.kind == "reply" and reply.text == "> Akan kami cek."
