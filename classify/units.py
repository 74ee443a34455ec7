"""From an agency type and a region vote to one unit of the directory, or a reason why not."""

from __future__ import annotations

import math
from dataclasses import dataclass

from classify.lexicon import ISLAND_REGIONS
from classify.scoring import Vote
from core.directory import Directory, Unit

KEEP_SHARE = 0.34  # a region scoring at least this share of the best one is a real candidate
CLEAR_MARGIN = 0.5  # the runner-up must score below this share of the best for a clear winner
MIN_REGION_SCORE = 1.5


@dataclass(frozen=True)
class UnitChoice:
    unit: str | None
    region: str | None
    confidence: float  # how sure the region part is (1.0 when the unit needs no region)
    reasons: tuple[str, ...] = ()


def _codes(label: str) -> tuple[str, ...]:
    return ISLAND_REGIONS.get(label, (label,))


def _province_wide(unit: Unit, all_codes: frozenset[str]) -> bool:
    return not unit.covers or frozenset(unit.covers) >= all_codes


ANCHOR_FACTOR = 0.8  # clarity kept when only the agency-anchored place ('RSUD Muntok') decides


def region_winner(vote: Vote, anchored: frozenset[str] = frozenset()) -> tuple[str | None, float]:
    """The best real region and how clearly it wins (0..1); islands only count against rivals.

    `anchored` are regions written right after the agency complained about ('RSUD Muntok'): when
    the plain scores are too close, a single anchored candidate still wins, a little less surely.
    """
    real = [(label, s) for label, s in vote.ranked if label not in ISLAND_REGIONS]
    if not real or real[0][1] < MIN_REGION_SCORE:
        return None, 0.0
    best, clarity = _clear_winner(vote, real[0][0])
    if best is not None:
        return best, clarity
    contenders = [lbl for lbl, s in real if s >= CLEAR_MARGIN * real[0][1]]
    hooked = [lbl for lbl in contenders if lbl in anchored]
    if len(hooked) == 1:
        _, clarity = _clear_winner(vote, hooked[0], ignore_margin=True)
        return hooked[0], clarity * ANCHOR_FACTOR
    return None, clarity


def _clear_winner(vote: Vote, best: str, ignore_margin: bool = False) -> tuple[str | None, float]:
    best_score = vote.score(best)
    rival = 0.0
    for label, s in vote.ranked:
        if label == best:
            continue
        if label in ISLAND_REGIONS and best in ISLAND_REGIONS[label]:
            continue
        rival = max(rival, s)
    margin = best_score / (best_score + rival)
    strength = 1.0 - math.exp(-best_score / 2.0)
    if rival >= CLEAR_MARGIN * best_score and not ignore_margin:
        return None, margin * strength
    return best, margin * strength


def choose_unit(
    directory: Directory,
    type_id: str,
    regions: Vote,
    provincial: bool,
    anchored: frozenset[str] = frozenset(),
) -> UnitChoice:
    units = directory.units_of_type(type_id)
    all_codes = frozenset(r.code for r in directory.regions)
    if not units:
        return UnitChoice(None, None, 0.0, ("jenis instansi tidak punya unit di direktori",))
    best, clarity = region_winner(regions, anchored)

    if provincial:
        wide = [u for u in units if _province_wide(u, all_codes)]
        if len(wide) == 1:
            return UnitChoice(wide[0].id, best, 1.0)
        return UnitChoice(None, best, 0.0, ("instansi tingkat provinsi tidak ada di direktori",))

    if len(units) == 1 and _province_wide(units[0], all_codes):
        return UnitChoice(units[0].id, best, 1.0)

    local = [u for u in units if u.covers]
    if best is not None:
        unit = directory.unit_for(type_id, best)
        if unit is None or not unit.covers:
            return UnitChoice(None, best, clarity, ("tidak ada unit untuk instansi di wilayah ini",))
        return UnitChoice(unit.id, best, clarity)

    # No clear region: still fine when every candidate region is served by the same unit.
    top = regions.best_score
    candidates = {c for label, s in regions.ranked if s >= KEEP_SHARE * top for c in _codes(label)}
    if not candidates or top < MIN_REGION_SCORE / 2:
        return UnitChoice(None, None, 0.0, ("wilayah tidak dapat ditentukan",))
    served = {u.id for u in local for c in candidates if c in u.covers}
    uncovered = [c for c in candidates if not any(c in u.covers for u in local)]
    if len(served) == 1 and not uncovered:
        strength = 1.0 - math.exp(-top / 2.0)
        return UnitChoice(served.pop(), None, 0.85 * strength)
    return UnitChoice(None, None, clarity, ("lebih dari satu wilayah disebut",))
