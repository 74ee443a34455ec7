"""The ordered rules of config/routing.toml: each kind of message meets its rule, and says why."""

import pytest

from classify.decision import Decision
from routing.plan import plan_route


def decision(**kw):
    base = {"kind": "complaint", "agency_type": "pln", "region": "1904", "unit": "pln-bangka",
                "maladministration": ("penundaan_berlarut",), "confidence": 0.95, "abstain": False, "model_version": "t"}
    base.update(kw)
    return Decision(**base)


def test_confident_complaint_goes_to_primary_with_backup_in_cc(directory):
    plan = plan_route(decision(), directory, threshold=0.85)
    assert plan.action == "forward" and plan.unit_id == "pln-bangka"
    assert len(plan.recipients.to) == 1 and len(plan.recipients.cc) == 1


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"abstain": True, "reasons": ("wilayah tidak dapat ditentukan",)}, "wilayah"),
        ({"unit": None}, "unit"),
        ({"confidence": 0.5}, "ambang"),
        ({"kind": "thanks", "case_ref": None}, "nomor kasus"),
        ({"kind": "other_province", "other_province": "Atlantis"}, "Atlantis"),
    ],
)
def test_anything_uncertain_waits_for_staff(directory, changes, reason):
    plan = plan_route(decision(**changes), directory, threshold=0.85)
    assert plan.action == "review"
    assert any(reason in r for r in plan.reasons)


@pytest.mark.parametrize("kind", ["auto_reply", "spam"])
def test_machine_mail_and_spam_are_archived(directory, kind):
    assert plan_route(decision(kind=kind), directory, 0.85).action == "archive"


def test_unreadable_message_waits_for_staff(directory):
    assert plan_route(None, directory, 0.85).action == "review"


def test_a_damaged_message_is_read_by_a_person_before_anything_is_sent(directory):
    plan = plan_route(decision(), directory, 0.85, damage=("CloseBoundaryNotFoundDefect",))
    assert plan.action == "review"
    assert "rusak" in plan.reasons[0]


def test_every_plan_names_its_rule_and_explains_itself(directory):
    plan = plan_route(decision(), directory, threshold=0.85)
    assert plan.rule == "pengaduan-yakin" and plan.mode == "smtp"
    assert plan.reasons[0].startswith("diteruskan ke PT PLN") and "karena" in plan.reasons[0]


def test_a_regional_opd_without_focal_point_goes_to_its_regions_inspektorat(directory):
    assert not directory.recipients("pupr-1901").to
    plan = plan_route(decision(unit="pupr-1901", agency_type="pupr", region="1901"), directory, 0.85)
    assert plan.action == "forward" and plan.unit_id == "inspektorat-1901"
    assert "belum menunjuk narahubung" in plan.reasons[0] and "Inspektorat" in plan.reasons[0]


def test_the_chain_climbs_to_the_provinces_inspektorat_when_the_region_has_none(directory):

    from core.directory import Directory

    units = tuple(replace_focal(u) if u.id == "inspektorat-1901" else u for u in directory.units)
    thinner = Directory(directory.office, directory.resolution_days, directory.maladministration_types,
                        directory.regions, directory.agency_types, units, directory.other_offices)
    plan = plan_route(decision(unit="pupr-1901", agency_type="pupr", region="1901"), thinner, 0.85)
    assert plan.action == "forward" and plan.unit_id == "inspektorat-19"


def replace_focal(unit):
    return unit.model_copy(update={"focal_points": ()})


def test_a_vertical_agency_without_focal_point_waits_for_staff(directory):
    assert not directory.recipients("kemenag-1903").to
    plan = plan_route(decision(unit="kemenag-1903", agency_type="kemenag", region="1903"), directory, 0.85)
    assert plan.action == "review" and "belum menunjuk narahubung" in plan.reasons[0]


def test_another_provinces_complaint_becomes_a_referral_draft_to_that_office(directory):
    plan = plan_route(decision(kind="other_province", unit=None, other_province="Sumatera Selatan"), directory, 0.85)
    assert plan.action == "referral" and plan.mode == "imap_draft"
    assert plan.office.email == "pengaduan.sumsel@ombudsman.example" or "Sumatera Selatan" in plan.office.name


@pytest.mark.parametrize("kind", ["out_of_mandate", "inquiry"])
def test_out_of_mandate_and_inquiries_get_a_reply_draft_held_for_staff(directory, kind):
    plan = plan_route(decision(kind=kind, unit=None), directory, 0.85)
    assert plan.action == "reply" and plan.mode == "imap_draft"


def test_a_follow_up_is_attached_to_the_case_it_names(directory):
    plan = plan_route(decision(kind="follow_up", case_ref="ORI-BABEL/2026/000007"), directory, 0.85)
    assert plan.action == "follow_up" and plan.case_ref == "ORI-BABEL/2026/000007"


def test_machine_mail_is_archived_whatever_the_classifier_thought(directory):
    plan = plan_route(decision(), directory, 0.85, machine_generated="Auto-Submitted: auto-replied")
    assert plan.action == "archive" and "pesan otomatis" in plan.reasons[0]
