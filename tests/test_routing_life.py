"""Routing end to end against the private Dovecot and aiosmtpd: each rule, the delivery modes, the
tanda terima, threading of replies and bounces, reminders and escalation by a fake clock.

The rule-based classifier is used so that which rule fires depends on the text, not on a model's mood.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from factories import START, make_mail, make_pdf
from sqlalchemy import select

from core.settings import DEFAULT_ROUTING, load_settings
from narahubung.intake import ingest_paths
from narahubung.pipeline import deliver, process_pending, run_once
from narahubung.services import build_services
from storage.models import Case, CaseMessage, CaseStatus, Delivery, DeliveryStatus

OFFICE = "narahubung.babel@ombudsman.example"
WARGA = ("Warga Contoh", "warga@contoh.example")

COMPLAINT = (
    "PLN Manggar: meteran belum dipasang",
    ("Saya sudah bayar pasang baru listrik di kantor PLN Manggar, Belitung Timur, sejak Juli 2026. Sampai sekarang "
    "meteran belum juga dipasang walaupun sudah tiga kali saya tanyakan ke petugas. Mohon Ombudsman membantu."),
)
NO_FOCAL_POINT = (
    "Jalan rusak di Sungailiat",
    ("Jalan rusak di depan pasar Sungailiat sudah 8 bulan tidak diperbaiki Dinas PUPR Kabupaten Bangka. "
    "Sudah dilaporkan berkali-kali ke Dinas PU tapi tidak ada tindakan."),
)
OTHER_PROVINCE = (
    "Pengaduan Disdukcapil Palembang",
    ("Saya tinggal di Kota Palembang, Sumatera Selatan. KTP elektronik saya di Disdukcapil Kota Palembang belum "
    "dicetak sejak enam bulan lalu padahal sudah rekam. Mohon bantuan."),
)
INQUIRY = (
    "Cara melapor",
    ("Selamat siang, saya ingin bertanya bagaimana cara melapor ke Ombudsman? Apa saja syarat dan dokumen yang "
    "perlu disiapkan? Terima kasih."),
)
OUT_OF_MANDATE = (
    "Debt collector leasing",
    ("Saya didatangi debt collector dari perusahaan leasing swasta karena cicilan motor saya telat dua bulan. "
    "Mereka mengancam akan menarik motor saya. Mohon bantuan Ombudsman."),
)
SPAM = ("Promo pinjaman kilat", ("Dapatkan pinjaman kilat tanpa jaminan cair 5 menit! Bunga rendah, klik tautan ini "
        "sekarang juga. Promo terbatas!"))


def build(tmp_path, smtp_sink, classifier, clock, *, replace=(), **settings):
    rules = tmp_path / "routing.toml"
    text = DEFAULT_ROUTING.read_text()
    for old, new in replace:
        assert old in text
        text = text.replace(old, new)
    rules.write_text(text)
    loaded = load_settings(data_dir=tmp_path / "data", smtp_url=smtp_sink.url, routing_file=rules, **settings)
    return build_services(loaded, classifier=classifier, clock=clock)


@pytest.fixture
def services(tmp_path, smtp_sink, rules_classifier, clock):
    return build(tmp_path, smtp_sink, rules_classifier, clock)


TRIAGE_FOLDERS = [
    ('spam = ""', 'spam = "Triase/Spam"'),
    ('review = ""', 'review = "Triase/Perlu Tinjauan"'),
    ('routed = ""', 'routed = "Triase/Diteruskan/{agency_type}"'),
]


@pytest.fixture
def mailbox_services(tmp_path, smtp_sink, rules_classifier, clock, dovecot, fresh_mailbox):
    """The office mailbox on Dovecot, with triage folders configured."""
    user, _ = fresh_mailbox
    services = build(tmp_path, smtp_sink, rules_classifier, clock, imap_url=dovecot.url(user), replace=TRIAGE_FOLDERS)
    return services, user


def mail(subject_body, sender=WARGA, **kw) -> bytes:
    subject, body = subject_body
    return make_mail(subject, body, sender=sender, date=START - timedelta(hours=1), **kw)


def ingest(services, tmp_path, *mails: bytes) -> list:
    paths = []
    for data in mails:
        path = tmp_path / f"in-{len(list(tmp_path.glob('in-*.eml')))}.eml"
        path.write_bytes(data)
        paths.append(path)
    ingest_paths(services, paths)
    return process_pending(services)


def letters(smtp_sink, kind: str):
    return [m for m in smtp_sink.messages if m.message["X-Narahubung-Letter"] == kind]


def case_of(services, reference: str) -> Case:
    with services.factory() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        _ = (case.deliveries, case.classifications)  # loaded while the session is open
        return case


# --- each rule end to end ----------------------------------------------------------------------


def test_a_confident_complaint_goes_to_the_primary_focal_point_with_backups_in_cc(services, tmp_path, smtp_sink, directory):
    [result] = ingest(services, tmp_path, mail(COMPLAINT))
    deliver(services)
    assert result.status == CaseStatus.ROUTED and result.unit_id == "pln-belitung"
    [forward] = letters(smtp_sink, "forward")
    recipients = directory.recipients("pln-belitung")
    msg = forward.message
    assert [a.addr_spec for a in msg["To"].addresses] == [fp.email for fp in recipients.to]
    assert {a.addr_spec for a in (msg["Cc"].addresses if msg["Cc"] else ())} == {fp.email for fp in recipients.cc}
    case = case_of(services, result.reference)
    assert case.route_rule == "pengaduan-yakin"
    assert case.review_reasons[0].startswith("diteruskan ke PT PLN") and "karena" in case.review_reasons[0]


def test_a_unit_without_focal_point_falls_back_to_its_regions_inspektorat(services, tmp_path, smtp_sink, directory):
    [result] = ingest(services, tmp_path, mail(NO_FOCAL_POINT))
    deliver(services)
    assert result.status == CaseStatus.ROUTED and result.unit_id == "pupr-1901"  # the agency complained about
    [forward] = letters(smtp_sink, "forward")
    assert set(forward.rcpt_tos) >= {fp.email for fp in directory.recipients("inspektorat-1901").to}
    assert "belum menunjuk narahubung" in result.reasons[0] and "Inspektorat" in result.reasons[0]


def test_another_provinces_complaint_becomes_a_referral_draft_in_the_drafts_folder(mailbox_services, dovecot, smtp_sink):
    services, user = mailbox_services
    dovecot.append(mail(OTHER_PROVINCE), user=user)
    report = run_once(services)
    [result] = report.processed
    assert result.status == CaseStatus.REFERRED
    [draft] = dovecot.messages(user=user, folder="Drafts").values()
    msg = message_from_bytes(draft, policy=policy.default)
    assert msg["To"].addresses[0].addr_spec == "pengaduan.sumsel@ombudsman.example"
    assert result.reference in msg["Subject"] and "Pelimpahan" in msg["Subject"]
    assert b"\\Draft" in next(iter(dovecot.flags(user=user, folder="Drafts").values()))
    assert letters(smtp_sink, "referral") == []  # only staff send it, from their mail client


@pytest.mark.parametrize(("message", "kind"), [(INQUIRY, "inquiry"), (OUT_OF_MANDATE, "out_of_mandate")])
def test_inquiries_and_out_of_mandate_mail_get_a_reply_draft_held_for_staff(mailbox_services, dovecot, smtp_sink,
                                                                             message, kind):
    services, user = mailbox_services
    dovecot.append(mail(message), user=user)
    [result] = run_once(services).processed
    assert result.kind == kind
    assert result.status == CaseStatus.NEEDS_REVIEW
    assert any("draf jawaban" in r for r in case_of(services, result.reference).review_reasons)
    [draft] = dovecot.messages(user=user, folder="Drafts").values()
    msg = message_from_bytes(draft, policy=policy.default)
    assert msg["To"].addresses[0].addr_spec == WARGA[1] and "Tanggapan" in msg["Subject"]
    body = msg.get_body(("plain",)).get_content()
    assert result.reference in body and ("kewenangan" in body) == (kind == "out_of_mandate")
    assert [m.message["X-Narahubung-Letter"] for m in smtp_sink.messages] == ["acknowledgement"]


def test_spam_and_auto_replies_are_archived_and_never_answered(services, tmp_path, smtp_sink):
    out_of_office = make_mail("Out of office: Re: laporan", "Saya sedang cuti sampai 1 Desember.",
                              sender=("Pak Kabid", "kabid@contoh.example"), headers={"Auto-Submitted": "auto-replied"})
    bounce_sender = make_mail("Undelivered Mail Returned to Sender", "The mail system could not deliver.",
                              sender=("Mail Delivery System", "MAILER-DAEMON@mx.contoh.example"),
                              headers={"Return-Path": "<>"})
    results = ingest(services, tmp_path, mail(SPAM), out_of_office, bounce_sender)
    deliver(services)
    assert [r.status for r in results] == [CaseStatus.ARCHIVED] * 3
    assert smtp_sink.messages == []  # no forward, no tanda terima


# --- tanda terima -------------------------------------------------------------------------------


def test_the_complainant_gets_one_tanda_terima_with_the_reference(services, tmp_path, smtp_sink):
    [result] = ingest(services, tmp_path, mail(COMPLAINT))
    deliver(services)
    [ack] = letters(smtp_sink, "acknowledgement")
    assert ack.rcpt_tos == (WARGA[1],)
    assert result.reference in ack.message["Subject"]
    assert result.reference in ack.message.get_body(("plain",)).get_content()
    from narahubung.pipeline import reprocess

    reprocess(services, reference=result.reference)
    deliver(services)
    assert len(letters(smtp_sink, "acknowledgement")) == 1, "once per case"


def test_no_tanda_terima_when_it_is_switched_off(tmp_path, smtp_sink, rules_classifier, clock):
    services = build(tmp_path, smtp_sink, rules_classifier, clock, replace=[("acknowledge = true", "acknowledge = false")])
    ingest(services, tmp_path, mail(COMPLAINT))
    deliver(services)
    assert letters(smtp_sink, "acknowledgement") == [] and len(letters(smtp_sink, "forward")) == 1


# --- delivery: retries, failures, crashes --------------------------------------------------------


def test_a_451_is_retried_after_a_growing_wait_and_the_mail_goes_once(services, tmp_path, smtp_sink, clock):
    ingest(services, tmp_path, mail(COMPLAINT))
    smtp_sink.reject_with = "451 4.3.0 coba lagi nanti"
    first = deliver(services)
    assert len(first.deferred) == 2 and first.sent == []  # the letter and the tanda terima
    smtp_sink.reject_with = None
    assert deliver(services).sent == [], "not before the backoff has passed"
    clock.advance(minutes=5)
    assert len(deliver(services).sent) == 2
    clock.advance(days=1)
    assert deliver(services).sent == []
    assert len(letters(smtp_sink, "forward")) == 1
    with services.factory() as session:
        forward = session.scalars(select(Delivery).where(Delivery.purpose == "forward")).one()
        assert (forward.status, forward.attempts) == (DeliveryStatus.SENT, 2)
    assert letters(smtp_sink, "forward")[0].message["Message-ID"] == forward.message_id, "the same Message-ID on retry"


def test_the_wait_doubles_after_each_temporary_refusal(services, tmp_path, smtp_sink, clock):
    ingest(services, tmp_path, mail(COMPLAINT))
    smtp_sink.reject_with = "451 4.3.0 sibuk"
    waits = []
    for _ in range(3):
        deliver(services)
        with services.factory() as session:
            forward = session.scalars(select(Delivery).where(Delivery.purpose == "forward")).one()
            waits.append(forward.next_attempt_at - clock.now)
            clock.now = forward.next_attempt_at
    assert waits == [timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20)]


def test_a_550_is_marked_failed_and_shown_to_staff(services, tmp_path, smtp_sink, clock):
    from narahubung.reports import case_rows

    [result] = ingest(services, tmp_path, mail(COMPLAINT))
    smtp_sink.reject_with = "550 5.1.1 mailbox tidak ada"
    assert len(deliver(services).failed) == 2
    smtp_sink.reject_with = None
    clock.advance(days=1)
    assert deliver(services).sent == []
    rows = case_rows(services.settings.resolved_database_url)
    [row] = [r for r in rows if r[0] == result.reference]
    assert "failed" in row[-1]
    with services.factory() as session:
        forward = session.scalars(select(Delivery).where(Delivery.purpose == "forward")).one()
        assert forward.status == DeliveryStatus.FAILED and "550" in forward.last_error
    case = case_of(services, result.reference)
    assert case.status == CaseStatus.NEEDS_REVIEW, "back in the staff queue"
    assert any("gagal" in r and "550" in r for r in case.review_reasons)
    from review import actions

    smtp_sink.reject_with = None  # staff fixed the address in the directory; they route it again
    actions.route_case(services, result.reference, actor="rina")
    assert len(actions.deliver_now(services).sent) == 1


CRASH_AFTER_SEND = """
import os, sys
from narahubung.pipeline import deliver
from narahubung.services import build_services
from core.settings import load_settings
from routing.transport import SmtpTransport

class PowerCutAfterOk(SmtpTransport):
    def send(self, sender, recipients, data):
        refused = super().send(sender, recipients, data)  # the server said OK ...
        os._exit(137)  # ... and the process dies before recording it

settings = load_settings(data_dir=sys.argv[1], smtp_url=sys.argv[2], routing_file=sys.argv[3])
services = build_services(settings, classifier=object())
services.transport = PowerCutAfterOk(settings.smtp)
deliver(services)
"""


def test_a_crash_between_the_servers_ok_and_the_commit_never_sends_twice(services, tmp_path, smtp_sink):
    import subprocess
    import sys

    ingest(services, tmp_path, mail(COMPLAINT))
    crashed = subprocess.run([sys.executable, "-c", CRASH_AFTER_SEND, str(services.settings.data_dir),
                              smtp_sink.url, str(services.settings.routing_file)], check=False)
    assert crashed.returncode == 137
    assert len(smtp_sink.wait_for(1)) == 1
    for _ in range(3):
        deliver(services)
    assert len(letters(smtp_sink, "forward")) + len(letters(smtp_sink, "acknowledgement")) == 2
    assert len(smtp_sink.messages) == 2, "the interrupted one is not sent again"
    with services.factory() as session:
        statuses = sorted(d.status for d in session.scalars(select(Delivery)))
    assert statuses == [DeliveryStatus.SENT, DeliveryStatus.UNKNOWN]  # the unknown one is for staff to check


# --- threading ---------------------------------------------------------------------------------


def test_a_focal_points_reply_threads_to_its_case_and_answers_it(mailbox_services, dovecot, smtp_sink, clock):
    services, user = mailbox_services
    dovecot.append(mail(COMPLAINT), user=user)
    [result] = run_once(services).processed
    [forward] = letters(smtp_sink, "forward")
    assert forward.message["Reply-To"] == f"pengaduan.babel+{result.reference.replace('/', '.')}@ombudsman.example"
    reply = make_mail(f"Re: {forward.message['Subject']}", "Meteran sudah kami pasang hari ini. Terima kasih.",
                      sender=("PLN UP3 Belitung", forward.rcpt_tos[0]), to=str(forward.message["Reply-To"]),
                      headers={"In-Reply-To": forward.message["Message-ID"],
                               "References": forward.message["Message-ID"]})
    dovecot.append(reply, user=user)
    clock.advance(days=3)
    [threaded] = run_once(services).processed
    assert (threaded.reference, threaded.status, threaded.kind) == (result.reference, CaseStatus.ANSWERED, "reply")
    with services.factory() as session:
        assert session.scalar(select(Case).where(Case.reference == result.reference)).answered_at == clock.now
        [message] = session.scalars(select(CaseMessage)).all()
        assert message.matched_by == "in_reply_to" and len(session.scalars(select(Case)).all()) == 1


@pytest.mark.parametrize("how", ["plus_address", "subject", "body"])
def test_replies_without_in_reply_to_are_found_by_plus_address_subject_or_body(services, tmp_path, smtp_sink, how):
    [result] = ingest(services, tmp_path, mail(COMPLAINT))
    deliver(services)
    [forward] = letters(smtp_sink, "forward")
    agency = forward.rcpt_tos[0]
    if how == "plus_address":
        answer = make_mail("Tanggapan", "Sudah kami tindak lanjuti.", sender=("PLN", agency),
                           to=str(forward.message["Reply-To"]))
    elif how == "subject":
        answer = make_mail(f"Jawaban laporan {result.reference}", "Sudah kami tindak lanjuti.", sender=("PLN", agency))
    else:
        answer = make_mail("Jawaban", f"Laporan nomor {result.reference} sudah kami tindak lanjuti.",
                           sender=("PLN", agency))
    [threaded] = ingest(services, tmp_path, answer)
    assert (threaded.reference, threaded.status) == (result.reference, CaseStatus.ANSWERED)
    with services.factory() as session:
        assert session.scalars(select(CaseMessage.matched_by)).all() == [how]


def delivery_report(bounced, *, quote_original: bool = True) -> bytes:
    """A DSN as Postfix writes it, sent to the envelope sender of `bounced` (a ReceivedMail)."""
    original = bounced.data.decode() if quote_original else "Subject: (tidak disertakan)\r\n\r\n"
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.contoh.example>\r\n"
        f"To: {bounced.mail_from}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn-9@mx.contoh.example>\r\nDate: Fri, 20 Nov 2026 10:00:00 +0700\r\nMIME-Version: 1.0\r\n"
        "Auto-Submitted: auto-replied\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.contoh.example\r\n\r\n"
        f"Final-Recipient: rfc822; {bounced.rcpt_tos[0]}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"--B\r\nContent-Type: message/rfc822\r\n\r\n{original}\r\n--B--\r\n"
    ).encode()


@pytest.mark.parametrize("quote_original", [True, False])
def test_a_bounce_of_the_letter_marks_the_case_bounced(services, tmp_path, smtp_sink, quote_original):
    [result] = ingest(services, tmp_path, mail(COMPLAINT))
    deliver(services)
    [forward] = letters(smtp_sink, "forward")
    assert forward.mail_from == str(forward.message["Reply-To"]), "bounces come back to the case's address"
    [threaded] = ingest(services, tmp_path, delivery_report(forward, quote_original=quote_original))
    deliver(services)
    assert (threaded.reference, threaded.status, threaded.kind) == (result.reference, CaseStatus.BOUNCED, "bounce")
    assert len(smtp_sink.messages) == 2, "a bounce is never answered"
    with services.factory() as session:
        assert "dipantulkan" in session.scalars(select(Delivery).where(Delivery.purpose == "forward")).one().last_error


@pytest.mark.parametrize("quote_original", [True, False])
def test_a_bounced_tanda_terima_is_noted_but_the_case_stays_routed(services, tmp_path, smtp_sink, quote_original):
    [result] = ingest(services, tmp_path, mail(COMPLAINT))
    deliver(services)
    [ack] = letters(smtp_sink, "acknowledgement")
    [threaded] = ingest(services, tmp_path, delivery_report(ack, quote_original=quote_original))
    assert (threaded.reference, threaded.status, threaded.kind) == (result.reference, CaseStatus.ROUTED, "bounce")
    assert any("tanda terima" in r for r in case_of(services, result.reference).review_reasons)


def test_a_complainants_follow_up_is_attached_and_forwarded_to_the_same_focal_point(services, tmp_path, smtp_sink):
    [result] = ingest(services, tmp_path, mail(COMPLAINT))
    deliver(services)
    [ack] = letters(smtp_sink, "acknowledgement")
    [forward] = letters(smtp_sink, "forward")
    follow = make_mail(f"Re: {ack.message['Subject']}", "Sampai hari ini meteran belum juga dipasang. Saya lampirkan "
                       "kuitansi pembayaran.", sender=WARGA,
                       headers={"In-Reply-To": ack.message["Message-ID"]},
                       attachments=[("kuitansi.pdf", "application/pdf", make_pdf(["Kuitansi PLN"]))])
    [attached] = ingest(services, tmp_path, follow)
    deliver(services)
    assert (attached.reference, attached.kind) == (result.reference, "follow_up")
    [sent] = letters(smtp_sink, "follow_up")
    assert set(sent.rcpt_tos) == set(forward.rcpt_tos)
    assert sent.message["In-Reply-To"] == forward.message["Message-ID"]
    assert [p.get_filename() for p in sent.message.iter_attachments()] == ["kuitansi.pdf"]
    with services.factory() as session:
        assert len(session.scalars(select(Case)).all()) == 1, "a follow-up opens no case of its own"


# --- deadlines -----------------------------------------------------------------------------------


def test_reminders_at_14_30_50_days_then_escalation_at_the_deadline(services, tmp_path, smtp_sink, clock, directory):
    from narahubung.pipeline import tend_cases

    [result] = ingest(services, tmp_path, mail(NO_FOCAL_POINT))  # routed to Inspektorat Bangka (fallback)
    deliver(services)
    [forward] = letters(smtp_sink, "forward")
    sent_per_day = {}
    for day in range(1, 62):
        clock.now = START + timedelta(days=day)
        tend_cases(services)
        deliver(services)
        sent_per_day[day] = [m.message["X-Narahubung-Letter"] for m in smtp_sink.messages[2:]]
    reminders = letters(smtp_sink, "reminder")
    assert len(reminders) == 3
    assert [d for d in (13, 14, 29, 30, 49, 50) if sent_per_day[d].count("reminder") != sent_per_day[d - 1].count("reminder")] == [14, 30, 50]
    assert all(set(r.rcpt_tos) == set(forward.rcpt_tos) for r in reminders)
    assert all(r.message["In-Reply-To"] == forward.message["Message-ID"] for r in reminders)
    [escalation] = letters(smtp_sink, "escalation")
    # the regional Inspektorat already had the letter: escalation climbs to the province's
    assert set(escalation.rcpt_tos) >= {fp.email for fp in directory.recipients("inspektorat-19").to}
    case = case_of(services, result.reference)
    assert case.reminders_sent == 3 and case.escalated_at is not None
    ids = [m.message["Message-ID"] for m in smtp_sink.messages]
    assert len(ids) == len(set(ids)) == 6  # tanda terima, letter, 3 reminders, escalation: each its own
    plus = f"pengaduan.babel+{result.reference.replace('/', '.')}@ombudsman.example"
    assert all(m.message["Reply-To"] == plus and m.mail_from == plus for m in smtp_sink.messages)
    assert clock.now >= case.deadline_at


def test_no_reminder_once_the_focal_point_has_answered(services, tmp_path, smtp_sink, clock):
    from narahubung.pipeline import tend_cases

    [_result] = ingest(services, tmp_path, mail(COMPLAINT))
    deliver(services)
    [forward] = letters(smtp_sink, "forward")
    answer = make_mail("Tanggapan", "Sudah dipasang.", sender=("PLN", forward.rcpt_tos[0]),
                       headers={"In-Reply-To": forward.message["Message-ID"]})
    clock.advance(days=5)
    ingest(services, tmp_path, answer)
    clock.advance(days=60)
    report = tend_cases(services)
    deliver(services)
    assert report.reminders == [] and report.escalations == []
    assert letters(smtp_sink, "reminder") == [] and letters(smtp_sink, "escalation") == []


def test_overdue_cases_are_listed(services, tmp_path, smtp_sink, clock):
    from narahubung.reports import overdue_rows

    [result] = ingest(services, tmp_path, mail(COMPLAINT))
    deliver(services)
    assert overdue_rows(services.settings.resolved_database_url, clock.now) == []
    clock.advance(days=61)
    [row] = overdue_rows(services.settings.resolved_database_url, clock.now)
    assert row[0] == result.reference and "pln-belitung" in row


def test_reminders_and_escalation_come_from_run_once(mailbox_services, dovecot, smtp_sink, clock):
    services, user = mailbox_services
    dovecot.append(mail(COMPLAINT), user=user)
    run_once(services)
    clock.advance(days=14)
    report = run_once(services)
    assert len(report.tended.reminders) == 1 and len(letters(smtp_sink, "reminder")) == 1


# --- confidentiality and header safety ------------------------------------------------------------


CONFIDENTIAL = (
    "e-KTP belum jadi, Siti Aminah",
    ("Nama: Siti Aminah\nNIK: 1904015507880002\nAlamat: Jl. Merdeka 5, Koba\nHP: 0812-3456-7890\n\n"
    "Saya sudah rekam e-KTP di Disdukcapil Bangka Tengah di Koba sejak Juni tetapi sampai sekarang belum jadi, "
    "padahal dijanjikan 14 hari. Mohon identitas saya dirahasiakan. Terima kasih, Siti Aminah"),
)


def test_confidentiality_strips_identity_from_body_and_headers(services, tmp_path, smtp_sink):
    secret_mail = mail(CONFIDENTIAL, sender=("Siti Aminah", "siti.aminah@warga.example"),
                       attachments=[("ktp.pdf", "application/pdf", make_pdf(["KTP Siti Aminah"]))])
    [result] = ingest(services, tmp_path, secret_mail)
    deliver(services)
    assert result.status == CaseStatus.ROUTED
    [forward] = letters(smtp_sink, "forward")
    raw = forward.data.decode("utf-8", "replace")
    msg = forward.message
    visible = "\n".join([*(f"{k}: {v}" for k, v in msg.items()), msg.get_body(("plain",)).get_content()])
    for secret in ("Siti", "Aminah", "siti.aminah@warga.example", "1904015507880002", "0812-3456-7890", "Merdeka 5"):
        assert secret not in visible, secret
        assert secret not in raw, secret
    assert list(msg.iter_attachments()) == [], "attachments only by a staff decision"
    assert "belum jadi" in visible


def test_a_crlf_in_a_subject_cannot_inject_headers(services, tmp_path, smtp_sink):
    hostile = make_mail("placeholder", COMPLAINT[1])
    hostile = hostile.replace(b"Subject: placeholder",
                              b"Subject: =?utf-8?q?PLN_Manggar=0D=0ABcc:_korban@jahat.example=0D=0AX-Evil:_1?=")
    [result] = ingest(services, tmp_path, hostile)
    deliver(services)
    assert result.status == CaseStatus.ROUTED
    for sent in smtp_sink.messages:
        assert "korban@jahat.example" not in sent.rcpt_tos
        assert sent.message["Bcc"] is None and sent.message["X-Evil"] is None
        assert all(b"\nBcc:" not in line and b"\nX-Evil" not in line for line in sent.data.split(b"\r\n\r\n")[:1])


# --- the inbox itself is triaged ------------------------------------------------------------------


def folder_flags(dovecot, user, folder):
    """Flags of the mails in `folder`, named as in the rules file ("Triase/Spam")."""
    from ingest.imap.triage import server_folder

    client = dovecot.client(user)
    try:
        name = server_folder(client, folder)
    finally:
        client.logout()
    return [set(f) for f in dovecot.flags(user=user, folder=name).values()]


def test_after_a_run_each_mail_carries_its_keywords_and_sits_in_its_triage_folder(mailbox_services, dovecot):
    services, user = mailbox_services
    for item in (COMPLAINT, SPAM, INQUIRY):
        dovecot.append(mail(item), user=user)
    dovecot.append(b"\x01\x02 bukan surel \xff\r\n\r\n", user=user)
    report = run_once(services)
    assert report.marks.errors == [] and report.marks.applied == 4
    assert dovecot.messages(user=user) == {}, "nothing left in INBOX"
    [routed] = folder_flags(dovecot, user, "Triase/Diteruskan/pln")
    assert {b"$Pengaduan", b"$Instansi_pln", b"$Diteruskan"} <= routed and b"$PerluTinjauan" not in routed
    [spam] = folder_flags(dovecot, user, "Triase/Spam")
    assert b"$Spam" in spam and b"$Diteruskan" not in spam
    held, unreadable = folder_flags(dovecot, user, "Triase/Perlu Tinjauan")
    assert {b"$Pertanyaan", b"$PerluTinjauan"} <= held
    assert b"$PerluTinjauan" in unreadable and b"$Pertanyaan" not in unreadable


def test_keywords_only_when_no_folders_are_configured(tmp_path, smtp_sink, rules_classifier, clock, dovecot, fresh_mailbox):
    user, _ = fresh_mailbox
    services = build(tmp_path, smtp_sink, rules_classifier, clock, imap_url=dovecot.url(user))  # the bundled rules
    dovecot.append(mail(COMPLAINT), user=user)
    run_once(services)
    [flags] = dovecot.flags(user=user).values()
    assert {b"$Pengaduan", b"$Instansi_pln", b"$Diteruskan", b"$Narahubung"} <= set(flags)


def test_a_staff_correction_updates_the_keywords_and_folder(mailbox_services, dovecot, smtp_sink):
    from review import actions
    from storage.db import transaction

    services, user = mailbox_services
    dovecot.append(mail(INQUIRY), user=user)
    [result] = run_once(services).processed
    assert len(folder_flags(dovecot, user, "Triase/Perlu Tinjauan")) == 1
    with transaction(services.factory) as session:  # what the staff app records
        case = session.scalar(select(Case).where(Case.reference == result.reference))
        case.kind, case.unit_id = "complaint", "pln-belitung"
    actions.refresh_triage_marks(services, result.reference)
    [corrected] = folder_flags(dovecot, user, "Triase/Perlu Tinjauan")
    assert b"$Pengaduan" in corrected and b"$Pertanyaan" not in corrected and b"$Instansi_pln" in corrected
    actions.route_case(services, result.reference, actor="rina")
    assert folder_flags(dovecot, user, "Triase/Perlu Tinjauan") == []
    [routed] = folder_flags(dovecot, user, "Triase/Diteruskan/pln")
    assert {b"$Pengaduan", b"$Diteruskan"} <= routed and b"$PerluTinjauan" not in routed
    actions.deliver_now(services)
    assert len(letters(smtp_sink, "forward")) == 1


def test_a_rule_in_imap_draft_mode_puts_the_forward_letter_in_drafts(tmp_path, smtp_sink, rules_classifier, clock, dovecot, fresh_mailbox):
    user, _ = fresh_mailbox
    services = build(tmp_path, smtp_sink, rules_classifier, clock, imap_url=dovecot.url(user), replace=[
        ('action = "forward"\nfallback = true\nmode = "smtp"', 'action = "forward"\nfallback = true\nmode = "imap_draft"'),
    ])
    dovecot.append(mail(COMPLAINT), user=user)
    [result] = run_once(services).processed
    assert result.status == CaseStatus.ROUTED
    [draft] = dovecot.messages(user=user, folder="Drafts").values()
    msg = message_from_bytes(draft, policy=policy.default)
    assert result.reference in msg["Subject"] and msg["Reply-To"].startswith("pengaduan.babel+")
    assert letters(smtp_sink, "forward") == []
    run_once(services)
    assert len(dovecot.messages(user=user, folder="Drafts")) == 1, "a draft is stored once"


def test_a_draft_cut_off_mid_append_is_stored_exactly_once(mailbox_services, dovecot):
    from storage.db import transaction

    services, user = mailbox_services
    dovecot.append(mail(OTHER_PROVINCE), user=user)
    dovecot.append(mail(INQUIRY), user=user)
    from narahubung.intake import sync_mailboxes

    sync_mailboxes(services)
    process_pending(services)
    with transaction(services.factory) as session:  # both "died" while talking to the server …
        referral, reply = session.scalars(select(Delivery).where(Delivery.transport == "imap_draft")
                                          .order_by(Delivery.id)).all()
        referral.status = reply.status = DeliveryStatus.SENDING
        referral_data = services.blobs.get(referral.blob_sha256)
    dovecot.append(referral_data, user=user, folder="Drafts", flags=[b"\\Draft"])  # … the referral after its APPEND
    report = deliver(services)
    assert len(report.drafted) == 1  # the reply, whose APPEND never happened
    drafts = [message_from_bytes(m, policy=policy.default) for m in dovecot.messages(user=user, folder="Drafts").values()]
    assert sorted(m["X-Narahubung-Letter"] for m in drafts) == ["referral", "reply"]
    with services.factory() as session:
        assert {d.status for d in session.scalars(select(Delivery).where(Delivery.transport == "imap_draft"))} == {
            DeliveryStatus.SENT}


def test_a_stranger_quoting_a_reference_opens_a_case_of_their_own(services, tmp_path, smtp_sink):
    [result] = ingest(services, tmp_path, mail(COMPLAINT))
    other = make_mail(f"Seperti laporan {result.reference}", COMPLAINT[1], sender=("Tetangga", "tetangga@contoh.example"))
    [second] = ingest(services, tmp_path, other)
    assert second.reference != result.reference


def test_no_escalation_when_it_is_switched_off(tmp_path, smtp_sink, rules_classifier, clock):
    from narahubung.pipeline import tend_cases

    services = build(tmp_path, smtp_sink, rules_classifier, clock, replace=[("escalate = true", "escalate = false"),
                                                                            ("reminder_days = [14, 30, 50]",
                                                                             "reminder_days = [7]")])
    ingest(services, tmp_path, mail(COMPLAINT))
    deliver(services)
    for days in (6, 7, 8, 70):
        clock.now = START + timedelta(days=days)
        tend_cases(services)
    deliver(services)
    assert len(letters(smtp_sink, "reminder")) == 1 and letters(smtp_sink, "escalation") == []


def test_narahubung_cases_overdue_lists_a_late_case(tmp_path, smtp_sink, rules_classifier):
    import os
    import subprocess
    import sys

    from core.settings import PROJECT_ROOT

    now = datetime.now(UTC)
    services = build(tmp_path, smtp_sink, rules_classifier, lambda: now - timedelta(days=90))
    late = make_mail(*COMPLAINT, sender=WARGA, date=now - timedelta(days=90))
    fresh = make_mail(*NO_FOCAL_POINT, sender=WARGA, date=now - timedelta(days=2))
    results = ingest(services, tmp_path, late, fresh)
    assert [r.status for r in results] == [CaseStatus.ROUTED, CaseStatus.ROUTED]
    shown = subprocess.run(
        [sys.executable, "-m", "entry", "cases", "--overdue"], capture_output=True, text=True,
        env={**os.environ, "NARAHUBUNG_DATA_DIR": str(services.settings.data_dir), "COLUMNS": "200"},
        cwd=PROJECT_ROOT, timeout=120, check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert results[0].reference in shown.stdout and results[1].reference not in shown.stdout
    assert "(1)" in shown.stdout and "pln-belitung" in shown.stdout


def test_the_runner_sends_reminders_when_the_clock_says_so(mailbox_services, dovecot, smtp_sink, clock):
    import threading

    from narahubung.runner import Runner

    services, user = mailbox_services
    dovecot.append(mail(COMPLAINT), user=user)
    stop = threading.Event()
    runner = Runner(services, stop).start()
    try:
        smtp_sink.wait_for(2, timeout=30)  # tanda terima and the letter
        clock.advance(days=14)
        runner.wake.set()
        smtp_sink.wait_for(3, timeout=30)
    finally:
        stop.set()
        runner.wake.set()
        runner.join(10)
    assert [m.message["X-Narahubung-Letter"] for m in smtp_sink.messages].count("reminder") == 1


def test_a_follow_up_to_a_case_still_with_staff_is_shown_on_the_case(tmp_path, smtp_sink, rules_classifier, clock):
    services = build(tmp_path, smtp_sink, rules_classifier, clock, replace=[
        ('confident = true }\naction = "forward"', 'confident = true }\naction = "review"')])
    [result] = ingest(services, tmp_path, mail(COMPLAINT))
    deliver(services)
    assert len(letters(smtp_sink, "acknowledgement")) == 1
    follow = make_mail("Tambahan", f"Menambahkan laporan {result.reference}: petugas meminta uang Rp 500.000.",
                       sender=WARGA)
    [attached] = ingest(services, tmp_path, follow)
    deliver(services)
    assert (attached.reference, attached.kind, attached.status) == (result.reference, "follow_up", "needs_review")
    assert any("tindak lanjut pelapor" in r for r in case_of(services, result.reference).review_reasons)
    assert letters(smtp_sink, "follow_up") == [] and len(smtp_sink.messages) == 1
