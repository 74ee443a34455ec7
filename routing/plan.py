"""Decide what happens to a classified message. Pure: directory and decision in, plan out."""

from __future__ import annotations

from dataclasses import dataclass

from classify.decision import Decision
from narahubung.directory import Directory, Recipients

NEVER_ANSWERED = ("auto_reply", "spam")


@dataclass(frozen=True)
class RoutePlan:
    action: str  # forward | review | archive | keep (reprocessed, already forwarded)
    reasons: tuple[str, ...]
    unit_id: str | None = None
    recipients: Recipients | None = None


def plan_route(
    decision: Decision | None,
    directory: Directory,
    threshold: float,
    damage: tuple[str, ...] = (),
    machine_generated: str | None = None,
) -> RoutePlan:
    """Forward only a confident complaint with a unit that has named a focal point; else hold or archive.

    `damage` lists what was wrong with the message itself (broken MIME, unreadable charset): such a
    message may have been misread, so a person looks at it before anything is sent.
    `machine_generated` (an auto-reply or bounce, known from its headers) is archived whatever the
    classifier thought, so that no mail of ours ever answers a machine.
    """
    if machine_generated:
        return RoutePlan("archive", (f"pesan otomatis ({machine_generated}): diarsipkan, tidak dibalas",))
    if decision is None:
        return RoutePlan("review", ("pesan tidak dapat dibaca otomatis",))
    if decision.kind in NEVER_ANSWERED:
        return RoutePlan("archive", (f"jenis pesan {decision.kind}: diarsipkan, tidak dibalas",))
    if decision.kind != "complaint":
        return RoutePlan("review", (f"jenis pesan {decision.kind or 'tidak diketahui'}: perlu ditangani staf",))
    if decision.abstain or decision.unit is None:
        reasons = decision.reasons or ("unit tujuan tidak dapat ditentukan",)
        return RoutePlan("review", tuple(reasons), unit_id=decision.unit)
    if decision.confidence < threshold:
        return RoutePlan(
            "review",
            (f"keyakinan {decision.confidence:.2f} di bawah ambang {threshold:.2f}",),
            unit_id=decision.unit,
        )
    unit = directory.unit(decision.unit)
    if unit is None:
        return RoutePlan("review", (f"unit {decision.unit} tidak ada di direktori",))
    recipients = directory.recipients(unit.id)
    if not recipients.to:
        return RoutePlan("review", (f"{unit.name} belum menunjuk narahubung",), unit_id=unit.id)
    if damage:
        return RoutePlan("review", tuple(f"pesan rusak sebagian: {d}" for d in damage), unit_id=unit.id)
    return RoutePlan(
        "forward",
        (f"diteruskan ke {unit.name}: keyakinan {decision.confidence:.2f}",),
        unit_id=unit.id,
        recipients=recipients,
    )
