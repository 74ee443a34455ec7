"""What kind of message this is, from cue scores and what the gazetteer found.

Order of precedence: auto-reply, spam, follow-up (a report number is named), other province,
thanks, inquiry, out of mandate, complaint. Each rule says how sure it is; `doubts` are reasons
the rest of the classifier must weigh before routing a complaint automatically.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from classify.caseref import CaseRef
from classify.cues import CueHit
from classify.scoring import Vote


@dataclass(frozen=True)
class Signals:
    is_auto_reply: bool
    subject_end: int
    text_length: int
    kind_scores: Mapping[str, float]
    kind_hits: Sequence[CueHit]
    grievance: float
    follow_up: float
    malad_top: float
    case_refs: Sequence[CaseRef]
    agency: Vote
    region: Vote
    other: Vote
    region_near_agency: bool


@dataclass(frozen=True)
class KindDecision:
    kind: str
    confidence: float
    hits: tuple[CueHit, ...] = ()
    other_province: str | None = None
    doubts: tuple[str, ...] = field(default_factory=tuple)


def _hits(s: Signals, label: str) -> tuple[CueHit, ...]:
    return tuple(h for h in s.kind_hits if h.label == label)


def decide_kind(s: Signals) -> KindDecision:
    k = s.kind_scores
    auto = k.get("auto_reply", 0.0)
    subject_auto = any(h.start < s.subject_end and h.weight >= 3.0 for h in _hits(s, "auto_reply"))
    if s.is_auto_reply:
        return KindDecision("auto_reply", 0.99, _hits(s, "auto_reply"))
    if (subject_auto and s.grievance < 3) or (auto >= 4.0 and s.grievance < 2) or (
        auto >= 2.5 and s.text_length < 1000 and s.grievance < 1.5 and s.agency.best_score < 3
    ):
        return KindDecision("auto_reply", 0.9 if subject_auto or auto >= 4 else 0.75, _hits(s, "auto_reply"))

    spam = k.get("spam", 0.0)
    if spam >= 4.0 and s.grievance < 2 and s.malad_top < 3:
        return KindDecision("spam", min(0.95, 0.6 + spam / 20), _hits(s, "spam"))

    if s.case_refs:
        conf = 0.9 if s.follow_up >= 1.5 else 0.8
        return KindDecision("follow_up", conf, ())

    other = s.other
    if other.best is not None:
        strong = other.best_score >= 4.0
        if strong and not (s.region_near_agency and s.region.best_score > other.best_score):
            return KindDecision("other_province", 0.8, (), other.best)
        weak_next_to_home = s.region.best_score >= 2 * other.best_score
        doubts = () if weak_next_to_home else ("tempat di provinsi lain disebut",)
    else:
        doubts = ()

    thanks = k.get("thanks", 0.0)
    if thanks >= 2.0 and s.grievance < 1.5 and s.malad_top < thanks:
        return KindDecision("thanks", 0.75, _hits(s, "thanks"), doubts=doubts)

    inquiry = k.get("inquiry", 0.0)
    if inquiry >= 2.0 and s.malad_top < 2.5 and (s.agency.best_score < 3.0 or s.grievance < 1):
        return KindDecision("inquiry", 0.7, _hits(s, "inquiry"), doubts=doubts)

    oom = k.get("out_of_mandate", 0.0)
    if oom >= 2.5 and oom >= s.agency.best_score:
        return KindDecision("out_of_mandate", 0.7, _hits(s, "out_of_mandate"), doubts=doubts)
    if oom >= 2.5 and oom * 2 >= s.agency.best_score:
        doubts = (*doubts, "mungkin pihak swasta (di luar kewenangan)")

    if s.agency.best is None and s.malad_top < 1.5 and s.grievance < 1:
        if inquiry >= 1.0:
            return KindDecision("inquiry", 0.5, _hits(s, "inquiry"), doubts=doubts)
        return KindDecision("complaint", 0.3, (), doubts=(*doubts, "isi pengaduan tidak jelas"))
    conf = 0.9 if s.agency.best is not None and (s.malad_top >= 1.5 or s.grievance >= 1) else 0.7
    return KindDecision("complaint", conf, (), doubts=doubts)
