"""The case's life in one place (issue 12 B): the statuses and the changes allowed between them, one
`forward()` for the rules, the staff and follow-ups, and one directory snapshot per message.

Letters go to a real aiosmtpd on loopback whose handler refuses chosen recipients at RCPT, as a
mail server does for an address it does not know.
"""

from __future__ import annotations

import ast
import itertools
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from factories import START, make_mail
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.directory import FocalPoint
from core.settings import DEFAULT_ROUTING, load_settings
from narahubung.intake import ingest_paths
from narahubung.localservers._ports import LOOPBACK, free_port
from narahubung.localservers.smtp_sink import ReceivedMail
from narahubung.pipeline import deliver, process_pending, tend_cases
from narahubung.services import LiveDirectory, build_services
from review import actions
from routing.life import TRANSITIONS, TransitionRefused, set_status
from routing.marks import marks_for
from storage import repository as repo
from storage.db import transaction
from storage.models import AuditEvent, Case, CaseStatus, Delivery, DeliveryStatus

S = CaseStatus
ROOT = Path(__file__).resolve().parent.parent
WARGA = ("Warga Contoh", "warga@contoh.example")
COMPLAINT = (
    "PLN Manggar: meteran belum dipasang",
    ("Saya sudah bayar pasang baru listrik di kantor PLN Manggar, Belitung Timur, sejak Juli 2026. Sampai sekarang "
     "meteran belum juga dipasang walaupun sudah tiga kali saya tanyakan ke petugas. Mohon Ombudsman membantu."),
)
PRIMARY = "pengaduan.up3belitung@pln.example"  # PLN UP3 Belitung's focal point in config/directory.yaml
BACKUP = "cadangan.up3belitung@pln.example"


# --- the transition table -------------------------------------------------------------------------

# The changes the case's life must refuse, whatever else the table allows.
REFUSED = [
    (S.ROUTED, S.HELD),  # a case with the agency is not put aside: it is re-routed or answered
    (S.REFERRED, S.HELD),
    (S.ANSWERED, S.HELD),
    (S.ARCHIVED, S.HELD),
    (S.ROUTED, S.ARCHIVED),  # a routed case is finished by its answer, not archived unanswered
    (S.ARCHIVED, S.ANSWERED),
    *[(s, S.RECEIVED) for s in S.ALL if s != S.RECEIVED],  # nothing goes back to "received"
]
# The changes the pipeline, the outbox and staff make today.
ALLOWED = [
    (S.RECEIVED, S.ROUTED), (S.RECEIVED, S.REFERRED), (S.RECEIVED, S.NEEDS_REVIEW), (S.RECEIVED, S.ARCHIVED),
    (S.NEEDS_REVIEW, S.HELD), (S.HELD, S.NEEDS_REVIEW), (S.HELD, S.ROUTED), (S.NEEDS_REVIEW, S.ROUTED),
    (S.NEEDS_REVIEW, S.ARCHIVED), (S.HELD, S.ARCHIVED),
    (S.ROUTED, S.ANSWERED), (S.ROUTED, S.BOUNCED), (S.ROUTED, S.NEEDS_REVIEW),  # answer, bounce, failed letter
    (S.REFERRED, S.NEEDS_REVIEW), (S.BOUNCED, S.ROUTED), (S.BOUNCED, S.NEEDS_REVIEW),
    (S.ARCHIVED, S.NEEDS_REVIEW),  # a message read again
    *[(s, s) for s in S.ALL],  # the same status again records the event (a second bounce)
]


def a_case(status: str) -> Case:
    return Case(reference="ORI-BABEL/2026/000001", status=status, review_reasons=[])


@pytest.mark.parametrize(("current", "wanted"), REFUSED)
def test_a_change_missing_from_the_table_is_refused_in_indonesian_and_writes_nothing(current, wanted):
    session, case = Session(), a_case(current)
    with pytest.raises(TransitionRefused) as refused:
        set_status(session, case, wanted, "test", actor="rina")
    assert case.status == current and list(session.new) == []
    assert refused.value.message.startswith("Kasus ORI-BABEL/2026/000001 berstatus ")
    assert S.NAMES[wanted].lower() in refused.value.message and "tidak dapat diubah" in refused.value.message


@pytest.mark.parametrize(("current", "wanted"), ALLOWED)
def test_an_allowed_change_is_made_and_audited_with_who(current, wanted):
    session, case = Session(), a_case(current)
    set_status(session, case, wanted, "test", actor="rina", why="uji")
    [event] = [e for e in session.new if isinstance(e, AuditEvent)]
    assert case.status == wanted
    assert (event.actor, event.from_status, event.to_status, event.detail) == ("rina", current, wanted, {"why": "uji"})


def test_the_table_names_every_status_and_only_known_ones():
    assert set(TRANSITIONS) == set(S.ALL)
    assert set(itertools.chain.from_iterable(TRANSITIONS.values())) <= set(S.ALL)
    assert set(S.NAMES) == set(S.ALL), "every status has a name staff read"
    assert not set(REFUSED) & set(ALLOWED)


def test_no_module_writes_a_case_status_except_the_one_function():
    """Every writer goes through routing.life.set_status: no `case.status = …` anywhere else."""
    writers = []
    for path in itertools.chain(*(ROOT.joinpath(p).rglob("*.py") for p in
                                  ("core", "storage", "ingest", "classify", "routing", "narahubung", "review"))):
        if path == ROOT / "routing" / "life.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, ast.AnnAssign | ast.AugAssign) else []
            for target in targets:
                if (isinstance(target, ast.Attribute) and target.attr == "status"
                        and isinstance(target.value, ast.Name) and "case" in target.value.id.lower()):
                    writers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert writers == []


def test_a_held_case_carries_the_review_keyword_like_any_case_staff_must_still_finish(directory):
    from routing.rules import load_routing

    triage = load_routing(DEFAULT_ROUTING).triage
    held = marks_for(triage, "complaint", "pln", S.HELD)
    assert triage.keyword_review in held.keywords
    assert held == marks_for(triage, "complaint", "pln", S.NEEDS_REVIEW)


# --- a real SMTP server that refuses one recipient -----------------------------------------------------


class RefusingSmtp:
    """aiosmtpd on loopback: answers RCPT for the addresses in `refuse` with their reply, takes the rest."""

    def __init__(self) -> None:
        self.refuse: dict[str, str] = {}
        self.messages: list[ReceivedMail] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return self.refuse[address.lower()]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(ReceivedMail(envelope.mail_from, tuple(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"

    def letters(self, kind: str) -> list[ReceivedMail]:
        return [m for m in self.messages if m.message["X-Narahubung-Letter"] == kind]


@pytest.fixture
def smtp():
    handler = RefusingSmtp()
    port = free_port()
    controller = Controller(handler, hostname=LOOPBACK, port=port, server_hostname="localhost", ready_timeout=5.0)
    controller.start()
    handler.url = f"smtp://{LOOPBACK}:{port}"  # type: ignore[attr-defined]
    yield handler
    controller.stop()


@pytest.fixture
def services(tmp_path, smtp, rules_classifier, clock):
    rules = tmp_path / "routing.toml"
    rules.write_text(DEFAULT_ROUTING.read_text().replace("acknowledge = true", "acknowledge = false"))
    settings = load_settings(data_dir=tmp_path / "data", smtp_url=smtp.url, routing_file=rules)
    return build_services(settings, classifier=rules_classifier, clock=clock)


def with_backup(services, email: str = BACKUP) -> None:
    """Staff add a backup focal point to PLN UP3 Belitung (it goes in Cc)."""
    unit = services.directory.unit("pln-belitung")
    backup = FocalPoint(name="Sari Cadangan", title="Staf Humas", email=email, phone="0812", role="backup")
    with transaction(services.factory) as session:
        repo.write_units(session, [unit.model_copy(update={"focal_points": (*unit.focal_points, backup)})],
                         actor="admin")


def ingest(services, tmp_path, data: bytes):
    path = tmp_path / f"in-{len(list(tmp_path.glob('in-*.eml')))}.eml"
    path.write_bytes(data)
    ingest_paths(services, [path])
    return process_pending(services)


def addition(reference: str) -> bytes:
    """The complainant writes again about their case, naming its reference."""
    return make_mail(f"Tambahan untuk laporan {reference}", "Sampai hari ini meteran belum juga dipasang.",
                     sender=WARGA, date=START + timedelta(days=1))


def test_a_follow_up_never_goes_again_to_a_recipient_that_refused_the_letter_with_a_5xx(services, smtp, tmp_path,
                                                                                       clock):
    with_backup(services)
    smtp.refuse[BACKUP] = "550 5.1.1 <cadangan.up3belitung@pln.example>: alamat tidak dikenal"
    [result] = ingest(services, tmp_path, make_mail(*COMPLAINT, sender=WARGA))
    deliver(services)
    [forward] = smtp.letters("forward")
    assert forward.rcpt_tos == (PRIMARY,)
    with services.factory() as session:
        stored = session.scalars(select(Delivery).where(Delivery.purpose == "forward")).one()
        assert stored.status == DeliveryStatus.SENT and stored.refused[BACKUP].startswith("550")

    smtp.refuse.clear()  # the server would take it now: the address must still not be tried again
    [attached] = ingest(services, tmp_path, addition(result.reference))
    deliver(services)
    assert (attached.reference, attached.kind) == (result.reference, "follow_up")
    [follow_up] = smtp.letters("follow_up")
    assert follow_up.rcpt_tos == (PRIMARY,) and BACKUP not in str(follow_up.message["Cc"] or "")

    clock.advance(days=15)  # the first reminder goes to the same recipients as the follow-up
    assert tend_cases(services).reminders == [f"{result.reference}: pengingat ke-1"]
    deliver(services)
    [reminder] = smtp.letters("reminder")
    assert reminder.rcpt_tos == (PRIMARY,)


def test_a_4xx_refusal_is_not_final_so_the_follow_up_tries_that_recipient_again(services, smtp, tmp_path):
    with_backup(services)
    smtp.refuse[BACKUP] = "450 4.2.1 kotak surat sibuk"
    [result] = ingest(services, tmp_path, make_mail(*COMPLAINT, sender=WARGA))
    deliver(services)
    smtp.refuse.clear()
    ingest(services, tmp_path, addition(result.reference))
    deliver(services)
    [follow_up] = smtp.letters("follow_up")
    assert set(follow_up.rcpt_tos) == {PRIMARY, BACKUP}


def test_a_follow_up_of_a_case_whose_letter_failed_goes_to_staff_not_to_the_failed_address(services, smtp,
                                                                                            tmp_path):
    smtp.refuse[PRIMARY] = "550 5.1.1 alamat tidak dikenal"
    [result] = ingest(services, tmp_path, make_mail(*COMPLAINT, sender=WARGA))
    assert len(deliver(services).failed) == 1
    [attached] = ingest(services, tmp_path, addition(result.reference))
    deliver(services)
    assert (attached.kind, attached.status) == ("follow_up", S.NEEDS_REVIEW)
    assert smtp.letters("follow_up") == [] and smtp.messages == []
    with services.factory() as session:
        case = session.scalar(select(Case).where(Case.reference == result.reference))
        assert any("tindak lanjut pelapor" in r for r in case.review_reasons)


def test_staff_cannot_hold_a_case_that_is_with_the_agency(services, smtp, tmp_path):
    [result] = ingest(services, tmp_path, make_mail(*COMPLAINT, sender=WARGA))
    assert result.status == S.ROUTED
    with services.factory() as session:
        case_id = session.scalar(select(Case.id).where(Case.reference == result.reference))
    with pytest.raises(TransitionRefused, match="berstatus diteruskan; status tidak dapat diubah menjadi ditahan"):
        actions.hold(services, case_id, "tunggu", actor="rina")


# --- one directory snapshot per message -------------------------------------------------------------


class CountingDirectory(LiveDirectory):
    def __init__(self, live: LiveDirectory) -> None:
        super().__init__(live.base, live._factory)
        self.reads = 0

    def current(self):
        self.reads += 1
        return super().current()


class EditsTheDirectoryWhileReading:
    """A classifier that, while one message is read, lets staff change PLN Belitung's focal point."""

    def __init__(self, inner, services, new_email: str) -> None:
        self.inner, self.services, self.new_email, self.done = inner, services, new_email, False

    def classify(self, text):
        if not self.done:
            self.done = True
            unit = self.services.directory.unit("pln-belitung")
            moved = unit.focal_points[0].model_copy(update={"email": self.new_email})
            with transaction(self.services.factory) as session:
                repo.write_units(session, [unit.model_copy(update={"focal_points": (moved,)})], actor="admin")
        return self.inner.classify(text)


def test_the_directory_is_read_once_per_message(services, tmp_path):
    services.live_directory = counting = CountingDirectory(services.live_directory)
    paths = []
    for n in range(3):
        paths.append(tmp_path / f"m{n}.eml")
        paths[-1].write_bytes(make_mail(*COMPLAINT, sender=("Warga", f"warga{n}@contoh.example")))
    ingest_paths(services, paths)
    counting.reads = 0
    results = process_pending(services)
    assert [r.status for r in results] == [S.ROUTED] * 3
    assert counting.reads == 3


def test_a_directory_edit_while_a_message_is_processed_cannot_split_its_plan_and_its_letter(services, smtp,
                                                                                           tmp_path):
    services.classifier = EditsTheDirectoryWhileReading(services.classifier, services, "baru@pln.example")
    [first] = ingest(services, tmp_path, make_mail(*COMPLAINT, sender=WARGA))
    [second] = ingest(services, tmp_path, make_mail(*COMPLAINT, sender=("Warga Lain", "lain@contoh.example")))
    deliver(services)
    with services.factory() as session:
        routed = {e.entity_id: e.detail["to"]
                  for e in session.scalars(select(AuditEvent).where(AuditEvent.action == "routed"))}
    # the first message began before the edit: its plan, its recorded recipients and its letter agree on
    # the old focal point; the next message sees the new one
    assert routed == {first.reference: [PRIMARY], second.reference: ["baru@pln.example"]}
    assert [m.rcpt_tos for m in smtp.letters("forward")] == [(PRIMARY,), ("baru@pln.example",)]


# --- re-routing a wrongly routed case (issue 13.5) -----------------------------------------------------

BANGKA = "pln-bangka"


def case_id_of(services, reference: str) -> int:
    with services.factory() as session:
        return session.scalar(select(Case.id).where(Case.reference == reference))


def emails(services, unit_id: str) -> set[str]:
    recipients = services.directory.recipients(unit_id)
    return {fp.email for fp in (*recipients.to, *recipients.cc)}


def test_a_reroute_sends_the_letter_to_the_right_unit_and_asks_the_wrong_one_to_delete_it(services, smtp, tmp_path,
                                                                                        clock):
    [result] = ingest(services, tmp_path, make_mail(*COMPLAINT, sender=WARGA))
    deliver(services)
    [wrong] = smtp.letters("forward")
    clock.advance(days=3)
    outcome = actions.reroute(services, case_id_of(services, result.reference), actor="rina", unit_id=BANGKA,
                              reason="pelapor tinggal di Sungailiat, Bangka; bukan wilayah UP3 Belitung")
    assert outcome.ok, outcome.message
    [_, right] = smtp.letters("forward")
    assert set(right.rcpt_tos) == emails(services, BANGKA) and PRIMARY not in right.rcpt_tos
    [notice] = smtp.letters("retraction")
    assert notice.rcpt_tos == (PRIMARY,) and notice.message["In-Reply-To"] == wrong.message["Message-ID"]
    text = notice.message.get_body(("plain",)).get_content()
    assert "diabaikan" in text and "dihapus" in text and result.reference in text
    assert "meteran" not in text and "Warga Contoh" not in text, "the notice repeats nothing of the complaint"

    with services.factory() as session:
        case = session.scalar(select(Case).where(Case.reference == result.reference))
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.entity_id == result.reference,
                                                           AuditEvent.action == "rerouted"))
        assert case.unit_id == BANGKA and case.status == S.ROUTED and case.routed_at == clock.now
        assert event.actor == "rina" and "Sungailiat" in event.detail["reason"]
        assert (event.detail["previous_unit"], event.detail["unit"]) == ("pln-belitung", BANGKA)
        assert event.detail["notified"] == [PRIMARY] and len(event.detail["letters"]) == 2

    clock.advance(days=15)  # reminders count from the new letter, and go to the new unit only
    assert tend_cases(services).reminders == [f"{result.reference}: pengingat ke-1"]
    deliver(services)
    [reminder] = smtp.letters("reminder")
    assert set(reminder.rcpt_tos) == emails(services, BANGKA)


def test_a_wrong_letter_still_in_the_outbox_is_withdrawn_and_needs_no_notice(services, smtp, tmp_path):
    [result] = ingest(services, tmp_path, make_mail(*COMPLAINT, sender=WARGA))  # not sent yet
    outcome = actions.reroute(services, case_id_of(services, result.reference), actor="rina", unit_id=BANGKA,
                              reason="salah unit")
    assert outcome.ok and "pemberitahuan" not in outcome.message
    [right] = smtp.letters("forward")
    assert set(right.rcpt_tos) == emails(services, BANGKA)
    assert smtp.letters("retraction") == []
    with services.factory() as session:
        statuses = [d.status for d in session.scalars(select(Delivery).where(Delivery.purpose == "forward")
                                                      .order_by(Delivery.id))]
    assert statuses == [DeliveryStatus.CANCELLED, DeliveryStatus.SENT]
    deliver(services)
    assert len(smtp.letters("forward")) == 1, "a withdrawn letter is never sent"


def test_a_reroute_needs_a_reason_and_a_routed_case_and_another_unit(services, smtp, tmp_path):
    from routing.cases import CaseworkError

    [result] = ingest(services, tmp_path, make_mail(*COMPLAINT, sender=WARGA))
    case_id = case_id_of(services, result.reference)
    with pytest.raises(CaseworkError, match="alasan pengalihan"):
        actions.reroute(services, case_id, actor="rina", unit_id=BANGKA, reason="  ")
    with pytest.raises(CaseworkError, match="sudah diteruskan ke unit itu"):
        actions.reroute(services, case_id, actor="rina", unit_id="pln-belitung", reason="uji")


# --- a letter that could not be sent yet (issue 13.6) ----------------------------------------------------


def test_without_a_sender_the_letter_waits_and_the_case_is_not_shown_as_forwarded(tmp_path, smtp, rules_classifier,
                                                                                 clock):
    from routing.cases import shown_status

    rules = tmp_path / "routing.toml"
    rules.write_text(DEFAULT_ROUTING.read_text().replace("acknowledge = true", "acknowledge = false")
                     .replace('confident = true }\naction = "forward"', 'confident = true }\naction = "review"'))
    no_sender = build_services(load_settings(data_dir=tmp_path / "data", routing_file=rules),
                               classifier=rules_classifier, clock=clock)
    [result] = ingest(no_sender, tmp_path, make_mail(*COMPLAINT, sender=WARGA))
    outcome = actions.route_now(no_sender, case_id_of(no_sender, result.reference), actor="rina", unit_id=None,
                                mode=None, letter_text=None, forward_attachments=None)
    assert not outcome.ok and "menunggu dikirim" in outcome.message and "NARAHUBUNG_SMTP_URL" in outcome.message

    def shown() -> str:
        with no_sender.factory() as session:
            return shown_status(session.scalar(select(Case).where(Case.reference == result.reference)))

    assert shown() == "Menunggu dikirim"
    clock.advance(days=20)
    assert tend_cases(no_sender).reminders == [], "no reminder of a letter the agency never got"

    sender = build_services(load_settings(data_dir=tmp_path / "data", routing_file=rules, smtp_url=smtp.url),
                            classifier=rules_classifier, clock=clock)
    assert len(deliver(sender).sent) == 1
    assert shown() == "Diteruskan"
    clock.advance(days=13)
    assert tend_cases(sender).reminders == [], "reminders count from the day the letter left"
    clock.advance(days=1)
    assert tend_cases(sender).reminders == [f"{result.reference}: pengingat ke-1"]


# --- the office's own answer: reply and referral drafts in the app, finishing a case (issue 13.3) ---------

INQUIRY = ("Cara melapor", ("Selamat siang, saya ingin bertanya bagaimana cara melapor ke Ombudsman? Apa saja "
                            "syarat dan dokumen yang perlu disiapkan? Terima kasih."))
OTHER_PROVINCE = ("Pengaduan Disdukcapil Palembang",
                  ("Saya tinggal di Kota Palembang, Sumatera Selatan. KTP elektronik saya di Disdukcapil Kota "
                   "Palembang belum dicetak sejak enam bulan lalu padahal sudah rekam. Mohon bantuan."))
EDITED = "Yth. Warga Contoh,\n\nLaporan dapat disampaikan lewat surel ini dengan melampirkan KTP.\n\nSalam,\nORI Babel"


def test_staff_see_edit_and_send_the_reply_to_an_inquiry_then_finish_it_with_a_reason(services, smtp, tmp_path):
    from routing.cases import CaseworkError, shown_status

    [result] = ingest(services, tmp_path, make_mail(*INQUIRY, sender=WARGA))
    case_id = case_id_of(services, result.reference)
    drafted = actions.answer_of(services, case_id)
    assert (drafted.purpose, drafted.to, drafted.state) == ("reply", (WARGA[1],), DeliveryStatus.PENDING)
    assert result.reference in drafted.subject and drafted.body.strip()

    outcome = actions.send_answer(services, case_id, actor="rina", text=EDITED, mode="smtp",
                                  finish_reason="pertanyaan cara melapor sudah dijawab")
    assert outcome.ok, outcome.message
    [reply] = smtp.letters("reply")
    assert reply.rcpt_tos == (WARGA[1],)
    assert reply.message.get_body(("plain",)).get_content().replace("\r\n", "\n").strip() == EDITED
    with services.factory() as session:
        case = session.scalar(select(Case).where(Case.reference == result.reference))
        assert case.status == S.CLOSED and shown_status(case) == "Selesai"
        assert [d.status for d in case.deliveries if d.purpose == "reply"] == [DeliveryStatus.CANCELLED,
                                                                               DeliveryStatus.SENT]
        [finished] = session.scalars(select(AuditEvent).where(AuditEvent.action == "finished_by_staff"))
        assert (finished.actor, finished.detail["reason"]) == ("rina", "pertanyaan cara melapor sudah dijawab")
    with pytest.raises(CaseworkError, match="sudah dikirim"):
        actions.send_answer(services, case_id, actor="budi", text=None, mode="smtp")
    assert len(smtp.letters("reply")) == 1


def test_staff_send_the_referral_to_the_other_provinces_office(services, smtp, tmp_path, directory):
    [result] = ingest(services, tmp_path, make_mail(*OTHER_PROVINCE, sender=WARGA))
    case_id = case_id_of(services, result.reference)
    drafted = actions.answer_of(services, case_id)
    office = next(o for o in directory.other_offices if "Sumatera Selatan" in o.province)
    assert (drafted.purpose, drafted.to) == ("referral", (office.email,))
    assert actions.send_answer(services, case_id, actor="rina", text=None, mode="smtp").ok
    [referral] = smtp.letters("referral")
    assert referral.rcpt_tos == (office.email,)
    assert "Palembang" in referral.message.get_body(("plain",)).get_content()
    assert actions.finish(services, case_id, "dilimpahkan ke perwakilan Sumatera Selatan", actor="rina").ok


def test_finishing_needs_a_reason_and_a_complaint_offers_no_reply(services, smtp, tmp_path):
    from routing.cases import CaseworkError

    [result] = ingest(services, tmp_path, make_mail(*COMPLAINT, sender=WARGA))
    case_id = case_id_of(services, result.reference)
    assert actions.answer_of(services, case_id) is None
    with pytest.raises(CaseworkError, match="bukan pertanyaan"):
        actions.send_answer(services, case_id, actor="rina", text="Yth.", mode="smtp")
    with pytest.raises(CaseworkError, match="alasan"):
        actions.finish(services, case_id, "   ", actor="rina")


@pytest.mark.parametrize(("kind", "status", "forwarded", "expected"), [
    ("complaint", S.NEEDS_REVIEW, False, ("forward", "hold", "finish")),
    ("complaint", S.HELD, False, ("forward", "release", "finish")),
    ("complaint", S.ROUTED, True, ("reroute", "finish")),
    ("inquiry", S.NEEDS_REVIEW, False, ("answer", "hold", "finish")),
    ("other_province", S.REFERRED, False, ("answer", "finish")),
    ("spam", S.ARCHIVED, False, ()),
    ("inquiry", S.CLOSED, False, ()),
])
def test_the_case_page_offers_only_the_actions_that_fit_the_case(kind, status, forwarded, expected):
    from routing.staff import actions_for

    case = Case(reference="ORI-BABEL/2026/000001", kind=kind, status=status, deliveries=[])
    if forwarded:
        case.deliveries.append(Delivery(purpose="forward", status=DeliveryStatus.SENT, to_addrs=[PRIMARY]))
    assert actions_for(case) == expected
