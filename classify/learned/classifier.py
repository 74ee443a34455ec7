"""`LearnedClassifier`: the decision of one message from its facts and the fitted models.

1. Text models (linear, over hashed word and character n-grams) give probabilities of the kind, the
   agency type, the region (or none) and each maladministration type; a mention-context model
   (`mentions.py`) scores every agency mention by the words around it.
2. The kind is a stacked model over those probabilities, the rules' kind decision and facts
   (places of other provinces, private parties, report-number shapes, the auto-reply flag).
3. Every agency type is a candidate: a trained ranker scores its feature row (`candidates.py`:
   how it was found, where it stands, the text model's probability, the mention-context score); a
   softmax over the scores gives P(type). Every region and 'no region' likewise, given the best type
   (a place right after that agency's name, or after its sub-office word such as 'Polsek', counts for
   the place of service). A complaint waits for staff when a second office named outright is
   complained about too (`rival_target`).
4. P(unit) sums P(type) × P(region) over the (type, region) pairs the directory maps to the unit
   ('no region' only reaches a unit serving the whole province). The best unit's score times
   P(complaint) is the raw route score; an isotonic map fitted on out-of-fold predictions turns it
   into the calibrated confidence, and the threshold fitted there (routed precision >= 0.995)
   decides whether it is forwarded without a person.
5. Maladministration: a stacked per-type model over the text model and the cue phrases; the top type
   always, a second one when it passes its own threshold (fitted out of fold).
"""

from __future__ import annotations

import bisect
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from classify.decision import KINDS, Decision, Evidence, MessageText
from classify.learned.candidates import NONE, agency_rows, region_rows, softmax_rows
from classify.learned.facts import FactReader, Facts
from classify.learned.linear import Linear
from classify.learned.mentions import context_scores, mention_docs
from classify.learned.text import TextVectorizer
from classify.malad import PRECEDENCE as MALAD_PRECEDENCE
from classify.malad import PRECEDENCE_MIN
from classify.rules import _evidence
from core.directory import Directory
from core.errors import ExitCode, NarahubungError

ARCHITECTURE = "learned-1"
KIND_ABSTAIN_BELOW = 0.5  # a non-complaint kind below this probability waits for staff
MALAD_CUE_SCALE = 3.0
MAX_MALAD = 2


# --- small pure helpers ---------------------------------------------------------------------------
def isotonic_apply(xs: list[float], ys: list[float], x: float) -> float:
    """Piecewise-linear interpolation of a fitted isotonic map (xs ascending)."""
    if not xs:
        return x
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    i = bisect.bisect_right(xs, x)
    x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
    return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)


def kind_features(facts: Facts, kind_p: dict[str, float]) -> np.ndarray:
    """The text model's kind probabilities, the rules' kind, and facts that say what the words may not:
    a place of another province and none of this one, private parties, report numbers, the auto-reply
    flag. No counts of agencies or places: long letters name more of them, and a two-line complaint
    must not look like a question for naming fewer."""
    rk = facts.rule_kind
    public = any(m.source in ("name", "alias", "provincial", "hint") for m in facts.agencies)
    return np.array(
        [kind_p.get(k, 0.0) for k in KINDS]
        + [rk.confidence * (rk.kind == k) for k in KINDS]
        + [
            np.log1p(facts.other_vote.best_score), float(facts.other_vote.best is not None and not facts.places),
            np.log1p(facts.private_cues), float(bool(facts.refs)), float(facts.report_shapes > 0),
            float(facts.is_auto_reply), float(bool(facts.agencies) or bool(facts.places)),
            float(facts.private_cues > 0 and not public), float(not public),
        ]
    )


def malad_rows(facts: Facts, malad_p: dict[str, float], ids: tuple[str, ...]) -> np.ndarray:
    rows = np.zeros((len(ids), 4 + len(ids)))
    top_cue = max(facts.malad_cue.values(), default=0.0)
    for i, t in enumerate(ids):
        p = min(max(malad_p.get(t, 0.0), 1e-4), 1 - 1e-4)
        cue = facts.malad_cue.get(t, 0.0)
        rows[i, :4] = (np.log(p / (1 - p)), min(cue / MALAD_CUE_SCALE, 2.0), float(cue > 0),
                       float(cue > 0 and cue >= top_cue))
        rows[i, 4 + i] = 1.0
    return rows


def _logit(p: float) -> float:
    # a wide clip: the ranking among very sure decisions (0.9993 against 0.999999) is what matters
    p = min(max(p, 1e-12), 1 - 1e-12)
    return float(np.log(p / (1 - p)))


def confidence_features(facts: Facts, a: Analysis) -> np.ndarray:
    """What says whether a chosen unit is right, beyond its own probability: how close the runner-up
    agency and region are, how many agencies are named at all, whether the chosen one is named, the
    kind's certainty. The confidence model over these is fitted on out-of-fold decisions."""
    tp = [*sorted(a.type_p.values(), reverse=True), 0.0]
    rp = [*sorted((v for k, v in a.region_p.items() if k != NONE), reverse=True), 0.0]
    best_type = max(a.type_p, key=a.type_p.__getitem__)
    named = {m.label for m in facts.agencies if m.source != "weak_hint"}
    own = [m for m in facts.agencies if m.label == best_type]
    up = [*sorted(a.unit_p.values(), reverse=True), 0.0, 0.0]
    return np.array([
        _logit(a.unit_score), _logit(up[1]), _logit(a.kind_p["complaint"]), _logit(tp[0]), _logit(tp[1]),
        _logit(rp[0]), _logit(rp[1]), _logit(a.region_p.get(NONE, 0.0)), float(len(named)),
        float(best_type in named), float(any(m.source in ("name", "alias", "provincial") for m in own)),
        float(np.log1p(sum(m.share for m in facts.places))),
    ])


class FusedText:
    """Several linear text models over the same features applied with one gather of weight rows."""

    def __init__(self, models: tuple[Linear, ...]) -> None:
        self.models = models
        self.weights = np.ascontiguousarray(np.hstack([m._coef_t for m in models]), dtype=np.float32)
        self.bounds = np.cumsum([0] + [m._coef_t.shape[1] for m in models])

    def proba_one(self, idx: np.ndarray, data: np.ndarray) -> list[np.ndarray]:
        z = (data @ self.weights[idx]).astype(np.float64)
        return [m._activate(z[None, a:b] + m.intercept) for m, a, b in zip(self.models, self.bounds, self.bounds[1:])]


class ModelMismatch(NarahubungError):
    """The model folder was written by another version of the feature code."""

    exit_code = ExitCode.BAD_SETTINGS


def feature_sizes() -> dict[str, int]:
    """How many features each stacked model reads: a model whose sizes differ cannot be applied."""
    from classify.learned.candidates import AGENCY_FEATURES, REGION_FEATURES

    return {"kind": len(KINDS) * 2 + 9, "agency": len(AGENCY_FEATURES), "region": len(REGION_FEATURES),
            "malad_extra": 4, "confidence": 12}


@dataclass
class Models:
    """Everything fitted, as arrays (see `save` / `load`)."""

    vectorizer: TextVectorizer
    kind_text: Linear
    type_text: Linear
    region_text: Linear
    malad_text: Linear
    kind_stack: Linear
    type_ranker: Linear
    region_ranker: Linear
    malad_stack: Linear
    confidence: Linear | None
    mention_context: Linear
    types: tuple[str, ...]
    regions: tuple[str, ...]
    malad_ids: tuple[str, ...]
    priors: dict[str, float]
    malad_thresholds: dict[str, float] = field(default_factory=dict)
    calibration: tuple[list[float], list[float]] = ([], [])
    route_threshold: float = 1.0
    _fused: FusedText | None = field(default=None, init=False, repr=False, compare=False)

    def fused(self) -> FusedText:
        """The four text models behind one gather of their weights (built once)."""
        if self._fused is None:
            self._fused = FusedText((self.kind_text, self.type_text, self.region_text, self.malad_text))
        return self._fused

    def save(self, folder: Path, meta: dict) -> None:
        arrays: dict = {"idf": self.vectorizer.idf}
        for name in ("kind_text", "type_text", "region_text", "malad_text", "kind_stack", "type_ranker",
                     "region_ranker", "malad_stack", "confidence", "mention_context"):
            getattr(self, name).save(name, arrays)
        np.savez_compressed(folder / "weights.npz", **arrays)
        meta = {
            **meta, "architecture": ARCHITECTURE, "features": feature_sizes(), "types": list(self.types), "regions": list(self.regions),
            "malad_ids": list(self.malad_ids), "priors": self.priors, "malad_thresholds": self.malad_thresholds,
            "calibration": {"method": "isotonic on out-of-fold raw route scores", "x": self.calibration[0],
                            "y": self.calibration[1]},
            "route_threshold_raw": self.route_threshold,
        }
        (folder / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> tuple[Models, dict]:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if meta.get("architecture") != ARCHITECTURE or meta.get("features") != feature_sizes():
            raise ModelMismatch(
                f"Model pengklasifikasi di {folder} dibuat untuk versi program yang lain; latih ulang dengan "
                f"`narahubung train --out {folder}`."
            )
        with np.load(folder / "weights.npz") as z:
            a = {k: z[k] for k in z.files}
        types, regions, ids = tuple(meta["types"]), tuple(meta["regions"]), tuple(meta["malad_ids"])
        cal = meta.get("calibration") or {}
        models = cls(
            vectorizer=TextVectorizer(a["idf"]),
            kind_text=Linear.load(a, "kind_text", KINDS, normalise=True),
            type_text=Linear.load(a, "type_text", types, normalise=True),
            region_text=Linear.load(a, "region_text", (*regions, NONE), normalise=True),
            malad_text=Linear.load(a, "malad_text", ids, multilabel=True),
            kind_stack=Linear.load(a, "kind_stack", KINDS),
            type_ranker=Linear.load(a, "type_ranker", ("no", "yes")),
            region_ranker=Linear.load(a, "region_ranker", ("no", "yes")),
            malad_stack=Linear.load(a, "malad_stack", ("no", "yes")),
            confidence=Linear.load(a, "confidence", ("no", "yes")),
            mention_context=Linear.load(a, "mention_context", ("yes",), multilabel=True),
            types=types, regions=regions, malad_ids=ids, priors=dict(meta["priors"]),
            malad_thresholds=dict(meta.get("malad_thresholds") or {}),
            calibration=(list(cal.get("x", [])), list(cal.get("y", []))),
            route_threshold=float(meta.get("route_threshold_raw", 1.0)),
        )
        return models, meta


@dataclass(frozen=True)
class TextProbs:
    kind: dict[str, float]
    type: dict[str, float]
    region: dict[str, float]
    malad: dict[str, float]
    mention: dict[str, float] = field(default_factory=dict)  # per type named: the mention-context logit


def text_probs(models: Models, facts: list[Facts]) -> list[TextProbs]:
    texts = [f.text for f in facts]
    if len(texts) == 1:  # one message: index the weights directly (same numbers, a tenth of the time)
        idx, data = models.vectorizer.one(texts[0])
        k, t, r, m = models.fused().proba_one(idx, data)
    else:
        x = models.vectorizer.transform(texts)
        k, t, r, m = (models.kind_text.proba(x), models.type_text.proba(x), models.region_text.proba(x),
                      models.malad_text.proba(x))
    out = []
    for i in range(len(texts)):
        out.append(TextProbs(
            dict(zip(KINDS, k[i].tolist())), dict(zip(models.types, t[i].tolist())),
            dict(zip((*models.regions, NONE), r[i].tolist())), dict(zip(models.malad_ids, m[i].tolist())),
            context_scores(models.mention_context, mention_docs(facts[i])),
        ))
    return out


@dataclass
class Analysis:
    """The probabilities behind one decision (also what training calibrates)."""

    kind_p: dict[str, float]
    type_p: dict[str, float]
    region_p: dict[str, float]
    unit_p: dict[str, float]
    malad_p: dict[str, float]
    unit: str | None
    unit_score: float
    raw: float
    context: dict[str, float] = field(default_factory=dict)  # per type named: the mention-context logit


def unit_scores(directory: Directory, type_p: dict[str, float], region_p: dict[str, float],
                regions: tuple[str, ...], provincial: frozenset[str] = frozenset()) -> dict[str, float]:
    """P(unit): P(type) × P(region) summed over the pairs the directory maps to each unit. A type
    named as the province's own body ('Inspektorat Provinsi', in `provincial`) goes to its unit that
    covers no region (the province's), when the directory has one."""
    all_codes = frozenset(regions)
    out: dict[str, float] = {}
    for t, pt in type_p.items():
        if pt < 1e-3:
            continue
        units = directory.units_of_type(t)
        own = [u for u in units if not u.covers]
        if t in provincial and own:
            out[own[0].id] = out.get(own[0].id, 0.0) + pt
            continue
        for u in units:
            if not u.covers:
                continue
            pr = sum(region_p.get(r, 0.0) for r in u.covers)  # in the directory's order: the same sum every run
            if all_codes <= frozenset(u.covers):
                pr += region_p.get(NONE, 0.0)
            if pr > 0:
                out[u.id] = out.get(u.id, 0.0) + pt * pr
    return out


def analyse(models: Models, directory: Directory, facts: Facts, probs: TextProbs) -> Analysis:
    kind_p = dict(zip(KINDS, models.kind_stack.proba(kind_features(facts, probs.kind)[None, :])[0].tolist()))
    if facts.is_auto_reply:
        kind_p = {k: float(k == "auto_reply") for k in KINDS}
    rows = agency_rows(facts, models.types, probs.type, models.priors, probs.mention)
    type_p = dict(zip(models.types, softmax_rows(models.type_ranker.decision(rows)[:, 0]).tolist()))
    best_type = max(type_p, key=type_p.__getitem__)
    rrows = region_rows(facts, models.regions, probs.region, best_type)
    rp = softmax_rows(models.region_ranker.decision(rrows)[:, 0])
    region_p = dict(zip((*models.regions, NONE), rp.tolist()))
    provincial = frozenset(m.label for m in facts.agencies if m.source == "provincial")
    units = unit_scores(directory, type_p, region_p, models.regions, provincial)
    unit = max(units, key=units.__getitem__) if units else None
    score = units.get(unit, 0.0) if unit else 0.0
    mrows = malad_rows(facts, probs.malad, models.malad_ids)
    mp = models.malad_stack.proba(mrows)[:, 1]
    a = Analysis(kind_p, type_p, region_p, units, dict(zip(models.malad_ids, mp.tolist())), unit, score,
                 score * kind_p["complaint"], dict(probs.mention))
    if models.confidence is not None and unit is not None:
        a.raw = float(models.confidence.proba(confidence_features(facts, a)[None, :])[0, 1])
    return a


def malad_types(malad_p: dict[str, float], thresholds: dict[str, float], cue: dict[str, float]) -> tuple[str, ...]:
    ranked = sorted(malad_p, key=lambda t: -malad_p[t])
    if not ranked:
        return ()
    for first, second in MALAD_PRECEDENCE:
        if first in ranked and second in ranked and min(cue.get(first, 0.0), cue.get(second, 0.0)) >= PRECEDENCE_MIN:
            i, j = ranked.index(first), ranked.index(second)
            if i > j:
                ranked.insert(j, ranked.pop(i))
    kept = [ranked[0]] + [t for t in ranked[1:MAX_MALAD] if malad_p[t] >= thresholds.get(t, 0.5)]
    return tuple(kept)


class LearnedClassifier:
    """Implements `classify.decision.Classifier` from a Directory and a model folder."""

    def __init__(self, directory: Directory, model_dir: Path | str | None = None, *, models: Models | None = None,
                 meta: dict | None = None, reader: FactReader | None = None,
                 min_confidence: float | None = None) -> None:
        if models is None:
            assert model_dir is not None
            models, meta = Models.load(Path(model_dir))
        self.models = models
        self.meta = meta or {}
        self.version: str = str(self.meta.get("version", "learned-untrained"))
        self.directory = directory
        self.reader = reader if reader is not None else FactReader(directory)
        self.min_confidence = min_confidence

    def calibrate(self, raw: float) -> float:
        xs, ys = self.models.calibration
        return isotonic_apply(xs, ys, raw) if xs else raw

    def analyse(self, message: MessageText) -> tuple[Facts, Analysis]:
        facts = self.reader.read(message)
        probs = text_probs(self.models, [facts])[0]
        return facts, analyse(self.models, self.directory, facts, probs)

    def classify(self, message: MessageText) -> Decision:
        facts, a = self.analyse(message)
        return decide(self.models, self.directory, facts, a, self.version, self.calibrate(a.raw),
                      self.min_confidence)


SURE = 0.8  # a unit or region is named on an abstaining decision only at this probability
RIVAL = 0.001  # a second named agency this likely is worth naming as a reason to wait
# A second office named outright that the mention-context model holds complained about at odds of 3 to 1
# or more: the complaint waits for staff. Measured with whole writers held out
# (benchmarks/classify_writer_cv.py): routed precision 0.9933 -> 0.9966, coverage 0.713 -> 0.703.
RIVAL_TARGET_LOGIT = math.log(3.0)


def rival_target(facts: Facts, a: Analysis, best_type: str) -> bool:
    """Another office is complained about too: the writer says so ('keduanya saya adukan') with two
    offices named outright, or one named outright reads, by the words around it, as complained about."""
    others = facts.outright_types - {best_type}
    if not others:
        return False
    return facts.several_targets or any(a.context.get(t, -math.inf) >= RIVAL_TARGET_LOGIT for t in others)


def strong_regions(facts: Facts) -> set[str]:
    """Regions named outright (regency, alias, capital, a unit's own name), not by a village."""
    return {m.label for m in facts.places if m.share == 1.0 and m.source in ("name", "alias", "unit_name", "capital")}


def abstain_reasons(directory: Directory, facts: Facts, a: Analysis, best_type: str, region: str) -> list[str]:
    """Why a complaint waits for staff, in words they use; "keyakinan rendah" when nothing stands out."""
    reasons: list[str] = []
    named = {m.label for m in facts.agencies if m.source != "weak_hint"}
    outright = facts.outright_types
    ranked = [*sorted(a.type_p.values(), reverse=True), 0.0]
    if not facts.agencies and ranked[0] < SURE:
        reasons.append("instansi tidak dapat ditentukan")
    elif rival_target(facts, a, best_type):
        reasons.append("lebih dari satu instansi diadukan")
    elif len(outright) > 1 or (len(named) > 1 and ranked[1] >= RIVAL):
        reasons.append("lebih dari satu instansi disebut")
    elif ranked[0] < SURE:
        reasons.append("instansi tidak pasti")
    if len(strong_regions(facts)) > 1:
        reasons.append("lebih dari satu wilayah disebut")
    elif a.unit is None or a.unit_score < SURE:
        covers = {c for u in directory.units_of_type(best_type) for c in u.covers}
        regions_named = {m.label for m in facts.places}
        if region != NONE and a.region_p[region] >= SURE and region not in covers:
            reasons.append("tidak ada unit untuk instansi di wilayah ini")
        elif len(regions_named) > 1 and region != NONE and a.region_p[region] < SURE:
            reasons.append("lebih dari satu wilayah disebut")
        else:
            reasons.append("wilayah tidak dapat ditentukan")
    if a.kind_p["complaint"] < 0.6:
        reasons.append("jenis pesan tidak pasti")
    return reasons or ["keyakinan rendah"]


def decide(models: Models, directory: Directory, facts: Facts, a: Analysis, version: str, confidence: float,
           min_confidence: float | None) -> Decision:
    """The Decision from an analysis: kind, unit, abstention and its reasons, evidence."""
    kind = max(a.kind_p, key=a.kind_p.__getitem__)
    best_type = max(a.type_p, key=a.type_p.__getitem__)
    region = max(a.region_p, key=a.region_p.__getitem__)
    unit_obj = directory.unit(a.unit) if a.unit else None
    reasons: list[str] = []
    wants_agency = kind in ("complaint", "follow_up", "other_province")
    type_id = unit_obj.type if unit_obj is not None else best_type
    if kind == "complaint":
        # a configured threshold is compared with the confidence as staff see it (three decimals)
        too_low = (round(confidence, 3) < min_confidence if min_confidence is not None
                   else a.raw < models.route_threshold)
        abstain = a.unit is None or too_low or rival_target(facts, a, type_id)
        if abstain:
            reasons = abstain_reasons(directory, facts, a, best_type, region)
    else:
        confidence = a.kind_p[kind]
        abstain = confidence < KIND_ABSTAIN_BELOW
        if abstain:
            reasons.append("jenis pesan tidak pasti")

    evidence: list[Evidence] = []
    region_code = region if region != NONE and a.region_p[region] >= 0.5 else None
    if unit_obj is not None:
        covers = set(unit_obj.covers)
        region_code = region if region in covers else (unit_obj.covers[0] if len(unit_obj.covers) == 1 else None)
    if wants_agency:
        evidence += _evidence("agency_type", [m for m in facts.agencies if m.label == type_id], type_id)
        if region_code is not None:
            evidence += _evidence("region", [m for m in facts.places if m.label == region_code])
    other_province = None
    if kind == "other_province":
        other_province = facts.other_vote.best or facts.rule_kind.other_province
        if facts.other_vote.best:
            evidence += _evidence("kind", facts.other_vote.evidence.get(facts.other_vote.best, ()), "other_province")
    malad = malad_types(a.malad_p, models.malad_thresholds, dict(facts.malad_cue)) if wants_agency else ()
    for t in malad:
        evidence += _evidence("maladministration", [h for h in facts.malad_hits if h.label == t])
    evidence += _evidence("confidential", facts.confidential, "confidential")
    if facts.refs:
        evidence.append(Evidence("case_ref", "case_ref", facts.refs[0].start, facts.refs[0].end, facts.refs[0].ref))
    # a unit or region is named only when the model holds it likelier than not; a best guess among
    # near-zero scores would mislead staff
    unit = a.unit if kind in ("complaint", "follow_up") and (
        not abstain or (a.unit_score >= SURE and len(strong_regions(facts)) <= 1)) else None
    if unit is None and abstain:
        region_code = region_code if region_code is not None and a.region_p.get(region_code, 0.0) >= SURE else None
    ranked_units = sorted(a.unit_p.items(), key=lambda kv: -kv[1])[:5]
    return Decision(
        kind=kind,
        agency_type=type_id if wants_agency else None,
        region=region_code if wants_agency else None,
        unit=unit,
        maladministration=malad,
        confidence=round(float(confidence), 3),
        abstain=abstain,
        model_version=version,
        scores={
            "kind": {k: round(v, 4) for k, v in a.kind_p.items()},
            "agency_type": {k: round(v, 4) for k, v in sorted(a.type_p.items(), key=lambda kv: -kv[1]) if v >= 1e-4},
            "region": {k: round(v, 4) for k, v in sorted(a.region_p.items(), key=lambda kv: -kv[1])},
            "unit": {k: round(v, 4) for k, v in ranked_units},
            "maladministration": {k: round(v, 4) for k, v in a.malad_p.items()},
            "kind_rules": {facts.rule_kind.kind: facts.rule_kind.confidence},
            "raw": {"route": round(a.raw, 4)},
        },
        evidence=tuple(sorted(evidence, key=lambda e: (e.start, e.field))),
        confidential=bool(facts.confidential),
        other_province=other_province,
        case_ref=facts.refs[0].ref if facts.refs else None,
        reasons=tuple(dict.fromkeys(reasons)) if abstain else (),
    )


__all__ = ["LearnedClassifier", "Models", "analyse", "decide", "isotonic_apply", "text_probs"]
