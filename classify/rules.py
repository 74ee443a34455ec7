"""The first classifier: directory gazetteer + cue phrases, abstaining whenever unsure.

A wrong unit sends a citizen's complaint to the wrong agency, so `RuleClassifier` routes a
complaint only when one agency type clearly wins, its unit is determined (by a clear region, or by
a type served by one unit) and the combined confidence reaches `ROUTE_THRESHOLD`. Otherwise it
still fills in what it found, with `abstain=True` and short reasons in Indonesian.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from classify import context
from classify.caseref import find_case_refs
from classify.cues import (
    CONFIDENTIAL,
    FOLLOW_UP_CUES,
    GRIEVANCE,
    KIND_CUES,
    CueHit,
    compile_table,
    find_cues,
    scores,
)
from classify.decision import Decision, Evidence, MessageText
from classify.gazetteer import AGENCY, Gazetteer
from classify.kinds import KindDecision, Signals, decide_kind
from classify.lexicon import ABSORBED_BY, FAMILIES
from classify.malad import MaladRanking, rank_maladministration
from classify.needles import fold, needles
from classify.scoring import (
    Vote,
    absorb,
    agency_vote,
    anchored_regions,
    near_agency,
    other_province_vote,
    region_vote,
)
from classify.units import UnitChoice, choose_unit
from core.directory import Directory

VERSION = "rules-1"

# Routing needs this much combined confidence; tuned on the labelled corpus (see benchmarks/).
ROUTE_THRESHOLD = 0.4
# A rival agency type scoring at least this share of the winner makes the agency ambiguous.
AGENCY_RIVAL_SHARE = 0.5
# Non-complaint kinds below this confidence are left to staff.
KIND_THRESHOLD = 0.6
MAX_EVIDENCE_PER_FIELD = 4

_KIND = compile_table(KIND_CUES)
_GRIEVANCE = compile_table(GRIEVANCE)
_FOLLOW = compile_table(FOLLOW_UP_CUES)
_CONFIDENTIAL = [re.compile(p, re.IGNORECASE) for p in CONFIDENTIAL]
_CONFIDENTIAL_SCAN = tuple((p, needles(p)) for p in _CONFIDENTIAL)


def confidential_hits(text: str, folded: str | None = None) -> list[CueHit]:
    if folded is None:
        folded = fold(text)
    return [
        CueHit("confidential", m.start(), m.end(), m.group(0), 1.0)
        for p, need in _CONFIDENTIAL_SCAN
        if need is None or any(n in folded for n in need)
        for m in p.finditer(text)
    ]


@dataclass(frozen=True)
class _Agency:
    type_id: str | None
    confidence: float
    provincial: bool
    reasons: tuple[str, ...]


def rival_score(vote: Vote, best: str, label: str) -> float:
    """How much `label` competes with `best`: by its names fully, by service words half (or not
    at all when both belong to one family of types that share service words)."""
    total, named = vote.score(label), vote.named.get(label, 0.0)
    same_family = any(best in f and label in f for f in FAMILIES)
    return named + (0.0 if same_family else 0.5 * (total - named))


def _agency(vote: Vote) -> _Agency:
    if vote.best is None:
        return _Agency(None, 0.0, False, ("instansi tidak dapat ditentukan",))
    best, top = vote.best, vote.best_score
    rival = max((rival_score(vote, best, lbl) for lbl, _ in vote.ranked[1:]), default=0.0)
    provincial = any(m.source == "provincial" for m in vote.evidence.get(best, ()))
    conf = (top / (top + rival)) * vote.strength
    reasons: tuple[str, ...] = ()
    if rival >= AGENCY_RIVAL_SHARE * top:
        reasons = ("lebih dari satu instansi disebut",)
    elif top < 1.5:
        reasons = ("instansi hanya tersirat dari layanan",)
    return _Agency(best, conf, provincial, reasons)


class _Span(Protocol):
    """A found span: a cue hit, a gazetteer match, a mention."""

    @property
    def label(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def text(self) -> str: ...


def _evidence(field_: str, items: Iterable[_Span], label: str | None = None) -> list[Evidence]:
    """Up to MAX_EVIDENCE_PER_FIELD spans, different wordings first, then repeats."""
    items = list(items)
    seen: set[str] = set()
    firsts = []
    for i in items:
        if i.text.lower() not in seen:
            seen.add(i.text.lower())
            firsts.append(i)
    chosen = (firsts + [i for i in items if i not in firsts])[:MAX_EVIDENCE_PER_FIELD]
    return [Evidence(field_, label or i.label, i.start, i.end, i.text) for i in chosen]


class RuleClassifier:
    """Implements `classify.decision.Classifier` from a Directory alone."""

    version = VERSION

    def __init__(self, directory: Directory, gazetteer: Gazetteer | None = None) -> None:
        self.directory = directory
        self.gazetteer = gazetteer if gazetteer is not None else Gazetteer(directory)
        self._malad_ids = frozenset(directory.maladministration_ids)

    def classify(self, message: MessageText) -> Decision:
        text = message.full_text
        subject_end = len(message.subject)
        ignored = context.ignored_ranges(text)
        matches = context.outside(self.gazetteer.find(text), ignored)

        agencies = agency_vote(matches, text, subject_end)
        for generic, specific in ABSORBED_BY:
            agencies = absorb(agencies, generic, specific)
        regions = region_vote(matches, text, subject_end)
        others = other_province_vote(matches, text)
        folded = fold(text)
        kind_hits = find_cues(_KIND, text, folded)
        malad = rank_maladministration(text, allowed=self._malad_ids, folded=folded)
        refs = find_case_refs(text)
        agency_ms = [m for m in matches if m.category == AGENCY]
        near = any(
            near_agency(text, m, agency_ms) for ms in regions.evidence.values() for m in ms
        )
        signals = Signals(
            is_auto_reply=message.is_auto_reply,
            subject_end=subject_end,
            text_length=len(text),
            kind_scores=scores(kind_hits),
            kind_hits=kind_hits,
            grievance=sum(scores(find_cues(_GRIEVANCE, text, folded)).values()),
            follow_up=sum(scores(find_cues(_FOLLOW, text, folded)).values()),
            malad_top=max(malad.scores.values(), default=0.0),
            case_refs=refs,
            agency=agencies,
            region=regions,
            other=others,
            region_near_agency=near,
        )
        kind = decide_kind(signals)
        conf_hits = confidential_hits(text, folded)
        anchored = anchored_regions(matches, text, agencies.best) if agencies.best else frozenset()
        return self._decide(kind, agencies, regions, others, malad, refs, conf_hits, anchored)

    def _decide(
        self,
        kind: KindDecision,
        agencies: Vote,
        regions: Vote,
        others: Vote,
        malad: MaladRanking,
        refs: list,
        conf_hits: list[CueHit],
        anchored: frozenset[str],
    ) -> Decision:
        evidence: list[Evidence] = _evidence("kind", kind.hits, kind.kind)
        reasons: list[str] = list(kind.doubts)
        agency = _agency(agencies)
        choice = UnitChoice(None, None, 0.0)
        wants_agency = kind.kind in ("complaint", "follow_up", "other_province")
        if wants_agency and agency.type_id is not None:
            if kind.kind != "other_province":
                choice = choose_unit(
                    self.directory, agency.type_id, regions, agency.provincial, anchored
                )
            evidence += _evidence(
                "agency_type", agencies.evidence.get(agency.type_id, ()), agency.type_id
            )
            if choice.region is not None:
                evidence += _evidence("region", regions.evidence.get(choice.region, ()))
        if kind.kind == "other_province" and others.best:
            evidence += _evidence("kind", others.evidence.get(others.best, ()), "other_province")

        is_complaint = kind.kind == "complaint"
        malad_types = malad.types if kind.kind in ("complaint", "follow_up", "other_province") else ()
        if malad_types:
            for t in malad_types:
                evidence += _evidence("maladministration", [h for h in malad.hits if h.label == t])
        evidence += _evidence("confidential", conf_hits, "confidential")
        case_ref = refs[0].ref if refs else None
        if refs:
            evidence.append(Evidence("case_ref", "case_ref", refs[0].start, refs[0].end, refs[0].ref))

        if is_complaint:
            reasons += agency.reasons + choice.reasons
            confidence = kind.confidence * agency.confidence * (choice.confidence if choice.unit else 0.0)
            if choice.unit is None and not reasons:
                reasons.append("unit tidak dapat ditentukan")
            if confidence < ROUTE_THRESHOLD and not reasons:
                reasons.append("keyakinan rendah")
            abstain = bool(reasons)
        else:
            confidence = kind.confidence
            abstain = confidence < KIND_THRESHOLD
            if abstain:
                reasons.append("jenis pesan tidak pasti")

        unit = choice.unit if wants_agency and kind.kind != "other_province" else None
        return Decision(
            kind=kind.kind,
            agency_type=agency.type_id if wants_agency else None,
            region=choice.region if wants_agency else None,
            unit=unit,
            maladministration=tuple(malad_types),
            confidence=round(confidence, 3),
            abstain=abstain,
            model_version=self.version,
            scores={
                "agency_type": agencies.normalised(),
                "region": regions.normalised(),
                "other_province": others.normalised(),
                "maladministration": dict(malad.scores),
            },
            evidence=tuple(sorted(evidence, key=lambda e: (e.start, e.field))),
            confidential=bool(conf_hits),
            other_province=others.best if kind.kind == "other_province" else None,
            case_ref=case_ref,
            reasons=tuple(dict.fromkeys(reasons)),
        )
