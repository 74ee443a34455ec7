"""Feature rows of the candidates of one message: every agency type, every region (and 'no region').

Pure functions of `Facts` and the text models' probabilities. The features say how a candidate was
found and where it stands (subject, first sentence, after 'saya adukan' or inside 'sudah lapor ke',
near a grievance, right after an agency or a sub-office word such as 'Polsek'), never which words
it was; so a trained ranker over them carries to writers and places it never saw.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from classify import lexicon
from classify.learned.facts import (
    REFERRAL_BEFORE,
    RESIDENCE_BEFORE,
    TARGET_BEFORE,
    Facts,
    Mention,
    before,
)
from classify.scoring import NEAR_GAP

STRONG = frozenset({"name", "alias", "provincial"})
HINT = frozenset({"hint"})
WEAK = frozenset({"weak_hint"})
GRIEVANCE_WINDOW = 160
CONTEXT_CLIP = 8.0

AGENCY_FEATURES: tuple[str, ...] = (
    "text_p", "text_top", "strong", "hint", "weak", "subject", "first", "early", "vote_share", "target",
    "referral_share", "only_referral", "near_grievance", "first_sentence", "rules_best", "sub_office",
    "provincial", "has_mention", "text_p_x_mention", "prior", "text_p_x_nomention", "last",
    "grievance_sentences", "grievance_share", "hint_subject", "free_mentions", "text_p_margin",
    "context", "context_lead",
)
REGION_FEATURES: tuple[str, ...] = (
    "text_p", "text_top", "regency", "capital", "kecamatan", "village", "fuzzy", "island", "subject", "first",
    "near_agency", "near_best_agency", "residence", "ambiguous_only", "vote_share", "triggered", "is_none",
    "no_place", "places_total", "only_residence",
)
NONE = "none"


def _log(n: float) -> float:
    return math.log1p(n)


# a sub-office word (lower case) -> the agency type it belongs to ('polsek' -> polres)
SUB_OFFICE: dict[str, str] = {w.lower(): t for t, words in lexicon.SUB_OFFICE_WORDS.items() for w in words}


def _context(facts: Facts, m: Mention) -> tuple[bool, bool, bool]:
    """(after a complaint-target phrase, inside a referral phrase, near a grievance cue)."""
    pre = before(facts.text, m.start)
    target = bool(TARGET_BEFORE.search(pre))
    referral = bool(REFERRAL_BEFORE.search(pre))
    near = any(abs(h.start - m.start) <= GRIEVANCE_WINDOW for h in facts.malad_hits)
    return target, referral, near


def agency_rows(facts: Facts, types: Sequence[str], text_p: Mapping[str, float],
                priors: Mapping[str, float], context: Mapping[str, float] | None = None) -> np.ndarray:
    """One row of AGENCY_FEATURES per agency type, in `types` order; `context`: per type mentioned,
    the mention-context model's logit that it is the one complained about (`mentions.py`)."""
    context = {t: min(max(v, -CONTEXT_CLIP), CONTEXT_CLIP) for t, v in (context or {}).items()}
    by_type: dict[str, list[Mention]] = {t: [] for t in types}
    for m in facts.agencies:
        if m.label in by_type:
            by_type[m.label].append(m)
    ctx = {(m.start, m.end): _context(facts, m) for m in facts.agencies}
    free = [m for m in facts.agencies if not ctx[(m.start, m.end)][1] and m.source not in WEAK]
    first_label = free[0].label if free else (facts.agencies[0].label if facts.agencies else None)
    last_label = free[-1].label if free else None
    top = max(text_p, key=text_p.__getitem__) if text_p else None
    shares = facts.agency_vote.normalised()
    sub: dict[str, int] = {}
    for place in facts.places:
        t = SUB_OFFICE.get(place.trigger)
        if t:
            sub[t] = sub.get(t, 0) + 1
    n = max(len(facts.text), 1)
    grieving = facts.grievance_sentences
    sentence_types: dict[int, set[str]] = {}
    for m in facts.agencies:
        if m.source not in WEAK and not ctx[(m.start, m.end)][1]:
            sentence_types.setdefault(facts.sentence_of(m.start), set()).add(m.label)
    grieved = [i for i in grieving if i in sentence_types]
    # pairwise: how far the text model puts a type ahead of (or behind) the likeliest other type
    ps = [float(text_p.get(t, 0.0)) for t in types]
    lead = int(np.argmax(ps)) if ps else -1
    runner_up = max((q for j, q in enumerate(ps) if j != lead), default=0.0)
    rows = np.zeros((len(types), len(AGENCY_FEATURES)))
    for i, t in enumerate(types):
        ms = by_type[t]
        p = float(text_p.get(t, 0.0))
        strong = sum(m.share for m in ms if m.source in STRONG)
        hint = sum(m.share for m in ms if m.source in HINT)
        weak = sum(m.share for m in ms if m.source in WEAK)
        flags = [ctx[(m.start, m.end)] for m in ms]
        referral = sum(f[1] for f in flags)
        has = bool(ms) or t in sub
        rows[i] = (
            p, float(t == top), _log(strong), _log(hint), _log(weak),
            float(any(m.start < facts.subject_end for m in ms)),
            float(t == first_label),
            1.0 - ms[0].start / n if ms else 0.0,
            shares.get(t, 0.0),
            _log(sum(f[0] for f in flags)),
            referral / len(ms) if ms else 0.0,
            float(bool(ms) and referral == len(ms)),
            _log(sum(f[2] for f in flags)),
            float(any(facts.subject_end <= m.start < facts.first_sentence_end for m in ms)),
            float(facts.agency_vote.best == t),
            _log(sub.get(t, 0)),
            float(any(m.source == "provincial" for m in ms)),
            float(has), p * has, math.log(priors.get(t, 1e-3)), p * (not has),
            float(t == last_label),
            _log(sum(1 for i in grieved if t in sentence_types[i])),
            (sum(1 for i in grieved if t in sentence_types[i]) / len(grieved)) if grieved else 0.0,
            float(any(m.start < facts.subject_end and m.source in HINT for m in ms)),
            _log(sum(m.share for m, f in zip(ms, flags) if not f[1] and m.source not in WEAK)),
            p - (runner_up if i == lead else ps[lead]),
            context.get(t, 0.0),
            (context[t] - max((v for u, v in context.items() if u != t), default=context[t])) if t in context else 0.0,
        )
    return rows


def region_rows(facts: Facts, regions: Sequence[str], text_p: Mapping[str, float], best_type: str | None) -> np.ndarray:
    """One row of REGION_FEATURES per region code in `regions`, then one for 'no region'."""
    by_region: dict[str, list[Mention]] = {r: [] for r in regions}
    for m in facts.places:
        if m.label in by_region:
            by_region[m.label].append(m)
    agencies = [m for m in facts.agencies if m.source not in WEAK]
    best_agencies = [m for m in agencies if m.label == best_type]
    first_label = facts.places[0].label if facts.places else None
    top = max(text_p, key=text_p.__getitem__) if text_p else None
    shares = facts.region_vote.normalised()
    total = sum(m.share for m in facts.places)
    rows = np.zeros((len(regions) + 1, len(REGION_FEATURES)))
    for i, r in enumerate(regions):
        ms = by_region[r]
        p = float(text_p.get(r, 0.0))

        def count(sources: frozenset[str], ms: list[Mention] = ms) -> float:
            return _log(sum(m.share for m in ms if m.source in sources and m.method in ("exact", "context")))

        near = [_near(facts.text, m, agencies) or SUB_OFFICE.get(m.trigger) is not None for m in ms]
        near_best = [_near(facts.text, m, best_agencies) or (best_type is not None and SUB_OFFICE.get(m.trigger) == best_type)
                     for m in ms]
        residence = [bool(RESIDENCE_BEFORE.search(before(facts.text, m.start, 60))) for m in ms]
        rows[i] = (
            p, float(r == top),
            count(frozenset({"name", "alias", "unit_name", "regency"})),
            count(frozenset({"capital"})),
            count(frozenset({"kecamatan"})),
            count(frozenset({"kelurahan", "town", "village"})),
            _log(sum(m.share * 0.8 for m in ms if m.method in ("fuzzy", "variant"))),
            _log(sum(m.share for m in ms if m.source == "island")),
            float(any(m.start < facts.subject_end for m in ms)),
            float(r == first_label),
            _log(sum(near)), _log(sum(near_best)), _log(sum(residence)),
            float(bool(ms) and all(m.share < 1.0 for m in ms)),
            shares.get(r, 0.0),
            _log(sum(1 for m in ms if m.trigger)),
            0.0, 0.0, 0.0,
            float(bool(ms) and all(residence)),
        )
    none = np.zeros(len(REGION_FEATURES))
    none[REGION_FEATURES.index("text_p")] = float(text_p.get(NONE, 0.0))
    none[REGION_FEATURES.index("text_top")] = float(top == NONE)
    none[REGION_FEATURES.index("is_none")] = 1.0
    none[REGION_FEATURES.index("no_place")] = float(total == 0)
    none[REGION_FEATURES.index("places_total")] = _log(total)
    rows[-1] = none
    return rows


def _near(text: str, m: Mention, agencies: Sequence[Mention]) -> bool:
    return any(a.end <= m.start and m.start - a.end <= 40 and NEAR_GAP.match(text[a.end:m.start]) for a in agencies)


def softmax_rows(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max()
    e = np.exp(z)
    return e / e.sum()
