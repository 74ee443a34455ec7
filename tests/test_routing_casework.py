"""Staff actions on one case: route it now (to its unit or another), preview the letter, send it."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from factories import make_mail, make_pdf
from sqlalchemy import select

from classify import load_classifier
from core.settings import DEFAULT_ROUTING, load_settings
from narahubung.intake import ingest_paths
from narahubung.pipeline import process_pending
from narahubung.services import build_services
from review import actions
from routing import cases
from storage.models import AuditEvent, Case, CaseStatus, Delivery

COMPLAINT = make_mail(
    "PLN Manggar: meteran belum dipasang",
    "Saya sudah bayar pasang baru listrik di kantor PLN Manggar, Belitung Timur, sejak Juli 2026. "
    "Sampai sekarang meteran belum juga dipasang walaupun sudah tiga kali saya tanyakan ke petugas. "
    "Mohon Ombudsman membantu.",
    attachments=[("kuitansi.pdf", "application/pdf", make_pdf(["Kuitansi pasang baru PLN Manggar"]))],
)


@pytest.fixture(scope="module")
def rules_classifier(directory):
    return load_classifier(directory, name="rules")


@pytest.fixture
def services(tmp_path, smtp_sink, rules_classifier):
    # every complaint waits for staff, as in the review queue; no tanda terima to count around
    rules = tmp_path / "routing.toml"
    rules.write_text(
        DEFAULT_ROUTING.read_text()
        .replace('confident = true }\naction = "forward"', 'confident = true }\naction = "review"')
        .replace("acknowledge = true", "acknowledge = false")
    )
    settings = load_settings(data_dir=tmp_path / "data", smtp_url=smtp_sink.url, routing_file=rules)
    return build_services(settings, classifier=rules_classifier)


def held_case(services, tmp_path, data: bytes = COMPLAINT) -> Case:
    path = tmp_path / "m.eml"
    path.write_bytes(data)
    ingest_paths(services, [path])
    [result] = process_pending(services)
    with services.factory() as session:
        case = session.scalar(select(Case).where(Case.reference == result.reference))
        assert case.status == CaseStatus.NEEDS_REVIEW
        return case


def test_staff_route_a_held_case_and_the_focal_point_gets_one_letter(services, tmp_path, smtp_sink):
    case = held_case(services, tmp_path)
    outcome = actions.route_case(services, case.reference, actor="rina", unit_id="pln-belitung")
    assert outcome.unit_id == "pln-belitung" and outcome.mode == "smtp" and len(outcome.delivery_ids) == 1
    assert outcome.to  # the focal point of PLN UP3 Belitung
    report = actions.deliver_now(services)
    assert [d.id for d in report.sent] == list(outcome.delivery_ids)
    [mail] = smtp_sink.wait_for(1)
    msg = message_from_bytes(mail.data, policy=policy.default)
    assert case.reference in msg["Subject"]
    assert [p.get_filename() for p in msg.iter_attachments()] == ["kuitansi.pdf"]
    with services.factory() as session:
        stored = session.scalar(select(Case).where(Case.reference == case.reference))
        assert stored.status == CaseStatus.ROUTED and stored.unit_id == "pln-belitung"
        actors = set(session.scalars(select(AuditEvent.actor).where(AuditEvent.entity_id == case.reference)))
        assert "rina" in actors


def test_a_case_is_never_routed_twice(services, tmp_path):
    case = held_case(services, tmp_path)
    actions.route_case(services, case.reference, actor="rina", unit_id="pln-belitung")
    with pytest.raises(cases.CaseAlreadyRouted, match="sudah diteruskan"):
        actions.route_case(services, case.reference, actor="budi", unit_id="pln-belitung")
    with services.factory() as session:
        assert len(session.scalars(select(Delivery)).all()) == 1


def test_a_unit_without_focal_point_or_no_unit_is_refused_in_indonesian(services, tmp_path):
    case = held_case(services, tmp_path)
    with pytest.raises(cases.UnitHasNoFocalPoint, match="belum menunjuk narahubung"):
        actions.route_case(services, case.reference, actor="rina", unit_id="kemenag-1903")
    with pytest.raises(cases.CaseHasNoUnit, match="tidak ada di direktori"):
        actions.route_case(services, case.reference, actor="rina", unit_id="tidak-ada")
    with pytest.raises(cases.CaseNotFound):
        actions.route_case(services, "ORI-BABEL/2026/999999", actor="rina", unit_id="pln-belitung")


def test_staff_edited_letter_text_replaces_the_complaint_text(services, tmp_path, smtp_sink):
    case = held_case(services, tmp_path)
    preview = actions.preview_draft(services, case.reference, unit_id="pln-belitung")
    assert "meteran belum juga dipasang" in preview.body and case.reference in preview.subject
    actions.route_case(services, case.reference, actor="rina", unit_id="pln-belitung",
                        letter_text="Ringkasan oleh staf: meteran listrik belum dipasang sejak Juli.")
    actions.deliver_now(services)
    [mail] = smtp_sink.wait_for(1)
    body = message_from_bytes(mail.data, policy=policy.default).get_body(("plain",)).get_content()
    assert "Ringkasan oleh staf" in body and "tiga kali saya tanyakan" not in body


CONFIDENTIAL = make_mail(
    "e-KTP belum jadi",
    "Nama: Siti Aminah\nHP: 0812-3456-7890\n\nSaya sudah rekam e-KTP di Disdukcapil Bangka Tengah di Koba sejak "
    "Juni tetapi sampai sekarang belum jadi. Mohon identitas saya dirahasiakan.",
    sender=("Siti Aminah", "siti.aminah@warga.example"),
    attachments=[("bukti-rekam.pdf", "application/pdf", make_pdf(["Bukti rekam e-KTP"]))],
)


@pytest.mark.parametrize(("decision", "files"), [(None, []), (True, ["bukti-rekam.pdf"])])
def test_a_confidential_cases_attachments_go_only_by_staff_decision(services, tmp_path, smtp_sink, decision, files):
    case = held_case(services, tmp_path, CONFIDENTIAL)
    assert case.confidential
    actions.route_case(services, case.reference, actor="rina", unit_id="disdukcapil-1904",
                        forward_attachments=decision)
    actions.deliver_now(services)
    [mail] = smtp_sink.wait_for(1)
    msg = message_from_bytes(mail.data, policy=policy.default)
    assert [p.get_filename() for p in msg.iter_attachments()] == files
    body = msg.get_body(("plain",)).get_content()
    assert "Siti" not in body, body
    assert "0812-3456-7890" not in mail.data.decode()


def test_staff_can_choose_an_imap_draft_for_review_before_sending(tmp_path, smtp_sink, rules_classifier, dovecot,
                                                                  fresh_mailbox):
    user, _ = fresh_mailbox
    rules = tmp_path / "routing.toml"
    rules.write_text(DEFAULT_ROUTING.read_text().replace('confident = true }\naction = "forward"',
                                                         'confident = true }\naction = "review"'))
    settings = load_settings(data_dir=tmp_path / "data", smtp_url=smtp_sink.url, routing_file=rules,
                             imap_url=dovecot.url(user))
    services = build_services(settings, classifier=rules_classifier)
    case = held_case(services, tmp_path)
    outcome = actions.route_case(services, case.reference, actor="rina", unit_id="pln-belitung", mode="imap_draft")
    report = actions.deliver_now(services)
    assert [d.id for d in report.drafted] == list(outcome.delivery_ids)
    [draft] = dovecot.messages(user=user, folder="Drafts").values()
    assert case.reference in message_from_bytes(draft, policy=policy.default)["Subject"]
    with pytest.raises(cases.UnknownDeliveryMode):
        actions.route_case(services, case.reference, actor="rina", mode="fax")
