"""Only a confident complaint with a unit that named a focal point is forwarded."""

import pytest

from classify.decision import Decision
from routing.plan import plan_route


def decision(**kw):
    base = dict(kind="complaint", agency_type="pln", region="1904", unit="pln-bangka",
                maladministration=("penundaan_berlarut",), confidence=0.95, abstain=False, model_version="t")
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
        ({"unit": "pupr-1901", "agency_type": "pupr", "region": "1901"}, "narahubung"),
        ({"kind": "inquiry"}, "inquiry"),
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
