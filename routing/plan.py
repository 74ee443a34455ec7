"""Decide what happens to a classified message by walking the ordered rules. Pure: data in, plan out.

Every plan carries its reasons in Indonesian ("diteruskan ke X karena …"), shown on the case.
"""

from __future__ import annotations

from dataclasses import dataclass

from classify.decision import Decision
from core.directory import Directory, OtherOffice, Recipients, Unit
from routing.rules import RoutingConfig, Rule, load_routing

NEVER_ANSWERED = ("auto_reply", "spam")
LOCAL_GOVERNMENT = "pemerintah_daerah"
INSPEKTORAT = "inspektorat"


@dataclass(frozen=True)
class RoutePlan:
    action: str  # forward | referral | reply | follow_up | review | archive | keep (already forwarded)
    reasons: tuple[str, ...]
    unit_id: str | None = None
    recipients: Recipients | None = None
    rule: str | None = None
    mode: str = "smtp"
    office: OtherOffice | None = None  # referral: the other province's office
    case_ref: str | None = None  # follow_up: the case it belongs to


def plan_route(
    decision: Decision | None,
    directory: Directory,
    threshold: float,
    damage: tuple[str, ...] = (),
    machine_generated: str | None = None,
    routing: RoutingConfig | None = None,
) -> RoutePlan:
    """The first rule whose conditions hold decides.

    `damage` lists what was wrong with the message itself (broken MIME, unreadable charset);
    `machine_generated` (an auto-reply or bounce, known from its headers) names why it is a machine's.
    """
    routing = routing or load_routing()
    if decision is None and not machine_generated:
        return RoutePlan("review", ("pesan tidak dapat dibaca otomatis",))
    for rule in routing.rules:
        if _matches(rule, decision, threshold, damage, machine_generated):
            return _apply(rule, decision, directory, threshold, damage, machine_generated)
    return RoutePlan("review", ("tidak ada aturan yang cocok; perlu ditangani staf",))


def _confident(decision: Decision, threshold: float) -> bool:
    return decision.unit is not None and not decision.abstain and decision.confidence >= threshold


def _matches(
    rule: Rule, decision: Decision | None, threshold: float, damage: tuple[str, ...], machine: str | None
) -> bool:
    when = rule.when
    if when.machine_generated is not None and bool(machine) != when.machine_generated:
        return False
    if when.damaged is not None and bool(damage) != when.damaged:
        return False
    if when.kind is not None and (decision is None or decision.kind not in when.kind):
        return False
    return when.confident is None or (decision is not None and _confident(decision, threshold) == when.confident)


def _apply(
    rule: Rule,
    decision: Decision | None,
    directory: Directory,
    threshold: float,
    damage: tuple[str, ...],
    machine: str | None,
) -> RoutePlan:
    because = f"karena {rule.reason}" if rule.reason else f"menurut aturan {rule.name}"
    tag = f"(aturan {rule.name})"
    unit_id = decision.unit if decision is not None else None
    if rule.action == "archive":
        what = f"pesan otomatis ({machine})" if machine else f"jenis pesan {decision.kind if decision else '?'}"
        return RoutePlan("archive", (f"{what}: diarsipkan {because} {tag}",), unit_id=unit_id, rule=rule.name)
    if rule.action == "review" or decision is None:
        return RoutePlan("review", _review_reasons(rule, decision, threshold, damage, because, tag),
                         unit_id=unit_id, rule=rule.name)
    if rule.action == "reply":
        return RoutePlan("reply", (f"draf jawaban untuk pelapor {because} {tag}",), unit_id=unit_id,
                         rule=rule.name, mode=rule.mode)
    if rule.action == "follow_up":
        if not decision.case_ref:
            return RoutePlan("review", (f"tindak lanjut tanpa nomor kasus yang dikenali; perlu staf {tag}",),
                             unit_id=unit_id, rule=rule.name)
        return RoutePlan("follow_up", (f"dilampirkan ke kasus {decision.case_ref} {because} {tag}",),
                         unit_id=unit_id, rule=rule.name, mode=rule.mode, case_ref=decision.case_ref)
    if rule.action == "referral":
        office = other_office(directory, decision.other_province)
        if office is None:
            where = decision.other_province or "tidak disebut"
            return RoutePlan("review", (f"provinsi lain ({where}) tidak ada di daftar perwakilan; perlu staf {tag}",),
                             rule=rule.name)
        return RoutePlan("referral", (f"draf pelimpahan ke {office.name} {because} {tag}",), rule=rule.name,
                         mode=rule.mode, office=office)
    return _forward(rule, decision, directory, because, tag)


def _review_reasons(
    rule: Rule, decision: Decision | None, threshold: float, damage: tuple[str, ...], because: str, tag: str
) -> tuple[str, ...]:
    if damage:
        return tuple(f"pesan rusak sebagian: {d} {tag}" for d in damage)
    if decision is None:
        return (f"pesan tidak dapat dibaca otomatis {tag}",)
    if decision.kind != "complaint":
        return (f"jenis pesan {decision.kind or 'tidak diketahui'}: perlu ditangani staf {tag}",)
    if decision.abstain or decision.unit is None:
        return tuple(decision.reasons or ("unit tujuan tidak dapat ditentukan",))
    if decision.confidence < threshold:
        return (f"keyakinan {decision.confidence:.2f} di bawah ambang {threshold:.2f} {tag}",)
    return (f"ditahan untuk staf {because} {tag}",)


def _forward(rule: Rule, decision: Decision, directory: Directory, because: str, tag: str) -> RoutePlan:
    assert decision.unit is not None  # the rule's `confident` condition, or a staff choice
    unit = directory.unit(decision.unit)
    if unit is None:
        return RoutePlan("review", (f"unit {decision.unit} tidak ada di direktori {tag}",), rule=rule.name)
    recipients = directory.recipients(unit.id)
    confidence = f"keyakinan {decision.confidence:.2f}"
    if recipients.to:
        return RoutePlan("forward", (f"diteruskan ke {unit.name} {because}; {confidence} {tag}",),
                         unit_id=unit.id, recipients=recipients, rule=rule.name, mode=rule.mode)
    missing = f"{unit.name} belum menunjuk narahubung"
    if not rule.fallback:
        return RoutePlan("review", (f"{missing} {tag}",), unit_id=unit.id, rule=rule.name)
    chain = fallback_units(directory, unit)
    if not chain:
        return RoutePlan("review", (f"{missing}, dan tidak ada Inspektorat yang dapat menggantikan {tag}",),
                         unit_id=unit.id, rule=rule.name)
    target, why = chain[0]
    return RoutePlan(
        "forward",
        (f"diteruskan ke {target.name} karena {missing}; {why} {because}; {confidence} {tag}",),
        unit_id=target.id, recipients=directory.recipients(target.id), rule=rule.name, mode=rule.mode,
    )


def fallback_units(directory: Directory, unit: Unit) -> list[tuple[Unit, str]]:
    """Who answers for a local-government unit (OPD) that named no focal point, nearest first:
    the Inspektorat of its region, then the province's. Vertical agencies and BUMN have no such chain."""
    agency = directory.agency_type(unit.type)
    if agency is None or agency.group != LOCAL_GOVERNMENT or unit.type == INSPEKTORAT:
        return []
    return [(u, why) for u, why in supervisors(directory, unit, INSPEKTORAT) if directory.recipients(u.id).to]


def supervisors(directory: Directory, unit: Unit, type_id: str) -> list[tuple[Unit, str]]:
    """Units of `type_id` over `unit`: the one of its own region (a regional unit), then the province's."""
    found: list[tuple[Unit, str]] = []
    if len(unit.covers) == 1:
        regional = [u for u in directory.units_of_type(type_id) if tuple(u.covers) == tuple(unit.covers)]
        found += [(u, "pengawas internal wilayahnya") for u in regional if u.id != unit.id]
    provincial = [u for u in directory.units_of_type(type_id) if not u.covers]
    found += [(u, "pengawas internal tingkat provinsi") for u in provincial if u.id != unit.id]
    return found


def other_office(directory: Directory, province: str | None) -> OtherOffice | None:
    if not province:
        return None
    wanted = _norm(province)
    return next((o for o in directory.other_offices if _norm(o.province) == wanted), None)


def _norm(name: str) -> str:
    return " ".join(name.lower().replace("provinsi", "").split())
