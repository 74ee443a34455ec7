"""Turn gazetteer matches into ranked votes for an agency type and for a region.

Weights say how much one mention is worth: a full agency name or alias more than a service hint;
a kabupaten name more than a desa. A phrase counts fully once and a little for each repeat; a
mention in the subject line counts more; a place written right after an agency ('Dukcapil
Sungailiat', 'Polres Bangka Barat') counts more as the place of the service.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from classify.gazetteer import AGENCY, OTHER, PROVINCE, REGION, Match
from classify.lexicon import LEVEL_WORDS

AGENCY_WEIGHTS: Mapping[str, float] = {
    "name": 3.0, "alias": 3.0, "provincial": 3.5, "hint": 1.5, "weak_hint": 0.5,
}
REGION_WEIGHTS: Mapping[str, float] = {
    "name": 3.0, "alias": 3.0, "unit_name": 3.0, "capital": 2.5, "kecamatan": 2.0, "kelurahan": 1.5,
    "bare_island": 1.5, "island": 1.0, "province": 0.0,
}
OTHER_WEIGHTS: Mapping[str, float] = {"province": 3.0, "regency": 2.0}

STRENGTH_SCALE = 2.5  # a single alias (3.0) gives strength 0.7
REPEAT_FACTOR = 0.3
MAX_REPEATS = 3
SUBJECT_FACTOR = 1.5
NEAR_AGENCY_FACTOR = 2.0
NEAR_GAP = re.compile(r"^[\s,]*(?:(?:kabupaten|kab\.?|kota|di|cabang|ulp|up3|unit|kantor|kelas \w+|"
                      r"tpi|wilayah|kecamatan|kec\.?|\(|-)[\s,]*){0,4}$", re.IGNORECASE)


@dataclass(frozen=True)
class Vote:
    """Labels ranked by score, with the matches behind each."""

    ranked: tuple[tuple[str, float], ...] = ()
    evidence: Mapping[str, tuple[Match, ...]] = field(default_factory=dict)
    named: Mapping[str, float] = field(default_factory=dict)  # part of the score from names/aliases

    @property
    def best(self) -> str | None:
        return self.ranked[0][0] if self.ranked else None

    @property
    def best_score(self) -> float:
        return self.ranked[0][1] if self.ranked else 0.0

    @property
    def runner_up_score(self) -> float:
        return self.ranked[1][1] if len(self.ranked) > 1 else 0.0

    @property
    def share(self) -> float:
        """Best score over the sum of all scores (1.0 when alone)."""
        total = sum(s for _, s in self.ranked)
        return self.best_score / total if total else 0.0

    @property
    def strength(self) -> float:
        """0..1: how much evidence there is at all (saturates after a few strong mentions)."""
        return 1.0 - math.exp(-self.best_score / STRENGTH_SCALE)

    def score(self, label: str) -> float:
        return dict(self.ranked).get(label, 0.0)

    def normalised(self) -> dict[str, float]:
        total = sum(s for _, s in self.ranked) or 1.0
        return {k: round(v / total, 3) for k, v in self.ranked}


STRONG_SOURCES = frozenset(
    {"name", "alias", "provincial", "unit_name", "capital", "kecamatan", "province", "regency"}
)

TARGET_BEFORE = re.compile(
    r"(?:mengadu(?:kan)?|adukan|melaporkan|laporkan|pengaduan|keluhan|komplain|keberatan|perihal|hal)"
    r"\b[^.\n]{0,45}$",
    re.IGNORECASE,
)
TARGET_FACTOR = 1.5
# 'peserta BPJS', 'pasien BPJS', 'pakai KIS': the insurer named as how the citizen pays.
PAYER_BEFORE = re.compile(r"\b(?:peserta|pasien|kartu|pakai|memakai|menggunakan|jalur|dengan)\s+$", re.I)
PAYER_FACTOR = 0.3
PAYER_TYPES = frozenset({"bpjs_kesehatan"})


def _tally(
    weighted: Sequence[tuple[Match, float]],
) -> Vote:
    seen: dict[tuple[str, str], int] = {}
    totals: dict[str, float] = {}
    named: dict[str, float] = {}
    evidence: dict[str, list[Match]] = {}
    for m, w in weighted:
        key = (m.label, m.text.lower())
        n = seen.get(key, 0)
        seen[key] = n + 1
        if n > MAX_REPEATS:
            continue
        add = w if n == 0 else w * REPEAT_FACTOR
        totals[m.label] = totals.get(m.label, 0.0) + add
        if m.source in STRONG_SOURCES:
            named[m.label] = named.get(m.label, 0.0) + add
        evidence.setdefault(m.label, []).append(m)
    ranked = tuple(sorted(((k, round(v, 3)) for k, v in totals.items()), key=lambda kv: -kv[1]))
    return Vote(ranked, {k: tuple(v) for k, v in evidence.items()}, named)


def _per_span(matches: Sequence[Match], weights: Mapping[str, float]) -> list[tuple[Match, float]]:
    """One weight per (span, label): the strongest source; a span shared by labels is split."""
    best: dict[tuple[int, int, str], tuple[Match, float]] = {}
    labels_at: dict[tuple[int, int], set[str]] = {}
    for m in matches:
        w = weights.get(m.source, 0.0)
        k = (m.start, m.end, m.label)
        if k not in best or w > best[k][1]:
            best[k] = (m, w)
        labels_at.setdefault((m.start, m.end), set()).add(m.label)
    out = []
    for (s, e, _), (m, w) in sorted(best.items()):
        out.append((m, w / len(labels_at[(s, e)])))
    return out


def agency_vote(matches: Sequence[Match], text: str, subject_end: int) -> Vote:
    """Agency types; the subject line and words like 'mengadukan ...' before a name count more."""
    agency = [m for m in matches if m.category == AGENCY]
    weighted = []
    for m, w in _per_span(agency, AGENCY_WEIGHTS):
        if m.start < subject_end:
            w *= SUBJECT_FACTOR
        before = text[max(0, m.start - 60) : m.start]
        if m.label in PAYER_TYPES and PAYER_BEFORE.search(before):
            w *= PAYER_FACTOR
        elif TARGET_BEFORE.search(before):
            w *= TARGET_FACTOR
        weighted.append((m, w))
    return _tally(weighted)


def absorb(vote: Vote, generic: str, specific: str) -> Vote:
    """Give `generic`'s service-word score to `specific` when `specific` is named or hinted and
    `generic` is never named ('ijazah' and 'SPMB' next to 'SMA' are the province's business)."""
    if vote.score(specific) <= 0 or vote.score(generic) <= 0 or vote.named.get(generic, 0.0) > 0:
        return vote
    own_level = LEVEL_WORDS.get(generic, frozenset())
    if any(m.text.lower() in own_level for m in vote.evidence.get(generic, ())):
        return vote
    totals = dict(vote.ranked)
    totals[specific] += totals.pop(generic)
    evidence = dict(vote.evidence)
    evidence[specific] = tuple(evidence.get(specific, ())) + tuple(evidence.pop(generic, ()))
    ranked = tuple(sorted(((k, round(v, 3)) for k, v in totals.items()), key=lambda kv: -kv[1]))
    named = {k: v for k, v in vote.named.items() if k != generic}
    return Vote(ranked, evidence, named)


def anchored_regions(matches: Sequence[Match], text: str, type_id: str) -> frozenset[str]:
    """Regions written right after a mention of `type_id` ('Dukcapil Sungailiat')."""
    agencies = [m for m in matches if m.category == AGENCY and m.label == type_id]
    return frozenset(
        m.label
        for m in matches
        if m.category == REGION and m.label != PROVINCE and near_agency(text, m, agencies)
    )


def near_agency(text: str, m: Match, agencies: Sequence[Match]) -> bool:
    return any(a.end <= m.start and m.start - a.end <= 40 and NEAR_GAP.match(text[a.end:m.start]) for a in agencies)


def region_vote(matches: Sequence[Match], text: str, subject_end: int) -> Vote:
    agencies = [m for m in matches if m.category == AGENCY]
    places = [m for m in matches if m.category == REGION and m.label != PROVINCE]
    weighted = []
    for m, w in _per_span(places, REGION_WEIGHTS):
        if m.start < subject_end:
            w *= SUBJECT_FACTOR
        if near_agency(text, m, agencies):
            w *= NEAR_AGENCY_FACTOR
        weighted.append((m, w))
    return _tally(weighted)


def other_province_vote(matches: Sequence[Match], text: str) -> Vote:
    """Places outside the province; near an agency name or after 'Ombudsman' they count double."""
    agencies = [m for m in matches if m.category == AGENCY]
    weighted = []
    for m in matches:
        if m.category != OTHER:
            continue
        w = OTHER_WEIGHTS.get(m.source, 1.0)
        before = text[max(0, m.start - 25) : m.start].lower()
        if near_agency(text, m, agencies) or "ombudsman" in before:
            w *= 2.0
        weighted.append((m, w))
    return _tally(weighted)
