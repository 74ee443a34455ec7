"""`TrainedClassifier`: spaCy text classifiers (kind, agency type, maladministration) combined
with the rule gazetteer (agency vote, region, unit), calibrated so that it knows when it does not know.

Per message: one tokenisation (the model's tokenizer) feeds both the three BOW text classifiers
and the gazetteer's PhraseMatcher. The unit comes from `choose_unit` (directory + region vote)
for the agency type; a complaint is routed only when
- the model's agency type and the rules' agency vote agree (or the model is very sure and the rules
  found nothing contradicting),
- a unit is determined, and
- the calibrated confidence (isotonic map of the raw score, fitted on a held-out slice of the
  training file) reaches the threshold stored in meta.json.
Otherwise `abstain=True` with short Indonesian reasons.
"""

from __future__ import annotations

import bisect
import json
import re
from pathlib import Path

import spacy

from classify import context
from classify.caseref import find_case_refs
from classify.cues import CompiledTable, find_cues, fold
from classify.cues import scores as cue_scores
from classify.decision import KINDS, Decision, Evidence, MessageText
from classify.gazetteer import AGENCY, Gazetteer, fast_tokenizer
from classify.kinds import KindDecision, Signals, decide_kind
from classify.lexicon import ABSORBED_BY
from classify.malad import _COMPILED as MALAD_CUES
from classify.malad import PRECEDENCE as MALAD_PRECEDENCE
from classify.malad import PRECEDENCE_MIN
from classify.rules import (
    AGENCY_RIVAL_SHARE,
    _FOLLOW,
    _GRIEVANCE,
    _KIND,
    _evidence,
    confidential_hits,
    rival_score,
)
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
from narahubung.directory import Directory

KIND_PREFIX, AGENCY_PREFIX, MALAD_PREFIX = "K:", "A:", "M:"
KIND_PIPE, AGENCY_PIPE, MALAD_PIPE = "textcat_kind", "textcat_agency", "textcat_malad"
# Non-complaint kinds below this probability are left to staff.
KIND_THRESHOLD = 0.5
# The model alone may name the agency (rules found none) only above this probability.
MODEL_ONLY_AGENCY = 0.8
# A model this sure of a different type than the rules blocks routing.
STRONG_DISAGREEMENT = 0.6
# Another province this strongly named, with no place of Bangka Belitung, makes it other_province.
OTHER_PROVINCE_MIN = 3.0
# Kinds the rules decide well (classify/kinds.py): taken from the rules when they are this sure.
RULE_KINDS = ("out_of_mandate", "other_province", "auto_reply", "spam", "thanks", "follow_up")
# Defaults of the combiner; train.py chooses them by k-fold cross-validation inside train and
# stores them in meta.json under "combiner".
DEFAULT_COMBINER = {
    "rule_kind_min": 0.75,  # the rules' kind wins (for RULE_KINDS) at this rule confidence
    "model_kind_min": 0.5,  # below this top model probability the rules' kind is used
    "malad_weight": 0.5,  # combined = w * model p + (1 - w) * min(cue score / MALAD_CUE_SCALE, 1)
}
MALAD_CUE_SCALE = 3.0


def _lowered(table: dict) -> dict:
    """The cue table compiled for lower-cased text: without IGNORECASE (much faster in `re`) unless
    a pattern names capitals itself. Same matches as the original on `text.lower()`."""
    out = {}
    for label, pairs in table.items():
        out[label] = []
        for pat, w in pairs:
            bare = re.sub(r"\\[A-Za-z]", "", pat.pattern)
            flags = re.IGNORECASE if re.search("[A-Z]", bare) else 0
            out[label].append((re.compile(pat.pattern, flags), w))
    return CompiledTable(out)


_FAST = {name: _lowered(t) for name, t in (("kind", _KIND), ("grievance", _GRIEVANCE), ("follow", _FOLLOW),
                                           ("malad", MALAD_CUES))}


_SLOW = {"kind": _KIND, "grievance": _GRIEVANCE, "follow": _FOLLOW, "malad": MALAD_CUES}


def _tables(text: str) -> tuple[str, dict, str]:
    """(text to scan, tables, folded scan text): lower-cased with the fast tables when lower() keeps
    every offset."""
    low = text.lower()
    if len(low) == len(text):
        return low, _FAST, (low if text.isascii() else fold(low))
    return text, _SLOW, fold(text)


def _folded(text: str, scanned: tuple[str, dict, str]) -> str:
    """`fold(text)`, reusing the scan's folded text when it is the same (ASCII text)."""
    return scanned[2] if text.isascii() else fold(text)


def _bow_parts(pipe) -> tuple | None:
    """(extract_ngrams, sparse_linear, output activation) of a TextCatBOW pipe on CPU, or None when
    its model is not that chain (extract_ngrams >> resizable(sparse_linear)) >> activation."""
    from thinc.api import NumpyOps

    model = pipe.model
    names = [layer.name for layer in model.walk()]
    if len(model.layers) != 2 or not isinstance(model.ops, NumpyOps) or names.count("extract_ngrams") != 1:
        return None
    if model.name != "with_cpu(extract_ngrams>>resizable(sparse_linear))>>" + model.layers[1].name:
        return None
    output = model.layers[1].layers[0] if model.layers[1].layers else None
    if output is None or output.name not in ("softmax_activation", "logistic"):
        return None
    extract = next(layer for layer in model.walk() if layer.name == "extract_ngrams")
    linear = next(layer for layer in model.walk() if layer.name == "sparse_linear")
    return extract, linear, output


class _BowScorer:
    """The three bag-of-words text classifiers in one go: they read the same n-grams of the same
    tokens, so the n-grams are extracted once; then each pipe's own sparse linear layer and
    activation, exactly the computation of `pipe(doc)`, giving the same `doc.cats` (same order)."""

    def __init__(self, pipes: list) -> None:
        self.pipes = pipes
        parts = [_bow_parts(p) for p in pipes]
        same = all(parts) and len({(e.attrs["ngram_size"], e.attrs["attr"]) for e, _, _ in parts}) == 1
        self.parts = parts if same else None

    def __call__(self, doc) -> dict[str, float]:
        if self.parts is None or not len(doc):
            for pipe in self.pipes:
                doc = pipe(doc)
            return dict(doc.cats)
        features = self.parts[0][0].predict([doc])
        cats: dict[str, float] = {}
        for pipe, (_, linear, output) in zip(self.pipes, self.parts):
            cats.update(zip(pipe.labels, output.predict(linear.predict(features))[0].tolist()))
        return cats


def isotonic_apply(xs: list[float], ys: list[float], x: float) -> float:
    """Piecewise-linear interpolation of the fitted isotonic map (xs ascending)."""
    if not xs:
        return x
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    i = bisect.bisect_right(xs, x)
    x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
    return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)


def _agency_conf(vote: Vote, best: str) -> float:
    """The rules' agency confidence for `best`: share against rivals times strength (as rules.py)."""
    top = vote.score(best)
    rival = max((rival_score(vote, best, lbl) for lbl, _ in vote.ranked if lbl != best), default=0.0)
    return (top / (top + rival)) * vote.strength if top > 0 else 0.0


class TrainedClassifier:
    """Implements `classify.decision.Classifier` from a Directory and a model directory."""

    def __init__(
        self,
        directory: Directory,
        model_dir: Path | str | None,
        gazetteer: Gazetteer | None = None,
        *,
        calibrated: bool = True,
        nlp: spacy.Language | None = None,
        meta: dict | None = None,
        min_confidence: float | None = None,
    ) -> None:
        """`nlp` and `meta` (training: a fitted pipeline in memory) stand in for the files in model_dir.

        `min_confidence` replaces the fitted route threshold by a calibrated confidence: a complaint
        whose confidence is below it waits for staff ("keyakinan rendah").
        """
        model_dir = Path(model_dir) if model_dir is not None else None
        self.meta = meta if meta is not None else json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
        self.version: str = self.meta["version"]
        self.directory = directory
        if nlp is None:
            nlp = spacy.load(model_dir / "pipeline")
            fast_tokenizer(nlp)
        self.nlp = nlp
        # The gazetteer shares the model's vocab, so one tokenisation serves both.
        self.gazetteer = gazetteer if gazetteer is not None else Gazetteer(directory, nlp=self.nlp)
        self._pipes = [self.nlp.get_pipe(n) for n in (KIND_PIPE, AGENCY_PIPE, MALAD_PIPE)]
        self._score = _BowScorer(self._pipes)
        self._malad_ids = frozenset(directory.maladministration_ids)
        cal = self.meta.get("calibration") or {}
        self._cal_x: list[float] = list(cal.get("x", []))
        self._cal_y: list[float] = list(cal.get("y", []))
        self.calibrated = calibrated and bool(self._cal_x)
        self.route_threshold: float = float(self.meta.get("route_threshold_raw", 0.0)) if calibrated else 0.0
        self.min_confidence = min_confidence
        self.malad_threshold: float = float(self.meta.get("malad_threshold", 0.5))
        comb = {**DEFAULT_COMBINER, **(self.meta.get("combiner") or {})}
        self.rule_kind_min: float = float(comb["rule_kind_min"])
        self.model_kind_min: float = float(comb["model_kind_min"])
        self.malad_weight: float = float(comb["malad_weight"])

    def rule_kind(self, message: MessageText, text: str, matches, agencies: Vote, regions: Vote,
                  others: Vote, malad_scores: dict[str, float], scanned=None,
                  refs=None) -> tuple[KindDecision, float]:
        """The rules' kind decision (classify/kinds.py) from the cue scans and gazetteer votes, and
        the score of the private-party cues. `scanned`: `_tables(text)`, `refs`: `find_case_refs(text)`
        when the caller already has them."""
        scan, tables, folded = scanned if scanned is not None else _tables(text)
        kind_hits = find_cues(tables["kind"], scan, folded)
        agency_ms = [m for m in matches if m.category == AGENCY]
        near = bool(agency_ms) and any(
            near_agency(text, m, agency_ms) for ms in regions.evidence.values() for m in ms
        )
        signals = Signals(
            is_auto_reply=message.is_auto_reply,
            subject_end=len(message.subject),
            text_length=len(text),
            kind_scores=cue_scores(kind_hits),
            kind_hits=kind_hits,
            grievance=sum(cue_scores(find_cues(tables["grievance"], scan, folded)).values()),
            follow_up=sum(cue_scores(find_cues(tables["follow"], scan, folded)).values()),
            malad_top=max(malad_scores.values(), default=0.0),
            case_refs=find_case_refs(text) if refs is None else refs,
            agency=agencies,
            region=regions,
            other=others,
            region_near_agency=near,
        )
        return decide_kind(signals), signals.kind_scores.get("out_of_mandate", 0.0)

    def combine_kind(self, kind_p: dict[str, float], rk: KindDecision) -> tuple[str, bool]:
        """(kind, by_rules): the model's kind unless the rules are sure of a kind they decide well,
        or the model is unsure; `by_rules` says the rules' kind (and confidence) was taken."""
        model_kind = max(kind_p, key=kind_p.get)
        if rk.kind in RULE_KINDS and rk.confidence >= self.rule_kind_min:
            return rk.kind, True
        if kind_p[model_kind] < self.model_kind_min:
            return rk.kind, True
        return model_kind, False

    def malad_combined(self, malad_p: dict[str, float], cue: dict[str, float]) -> dict[str, float]:
        w = self.malad_weight
        return {
            t: w * p + (1.0 - w) * min(cue.get(t, 0.0) / MALAD_CUE_SCALE, 1.0) for t, p in malad_p.items()
        }

    # --- the raw scores, also used by training for calibration ----------------------------------
    def analyse(self, message: MessageText) -> dict:
        text = message.full_text
        doc = self.nlp.make_doc(text)
        cats = self._score(doc)
        kind_p = {k: float(cats.get(KIND_PREFIX + k, 0.0)) for k in KINDS}
        agency_p = {
            lbl[len(AGENCY_PREFIX):]: float(p) for lbl, p in cats.items() if lbl.startswith(AGENCY_PREFIX)
        }
        malad_p = {
            lbl[len(MALAD_PREFIX):]: float(p)
            for lbl, p in cats.items()
            if lbl.startswith(MALAD_PREFIX) and lbl[len(MALAD_PREFIX):] in self._malad_ids
        }
        scanned = _tables(text)
        folded = _folded(text, scanned)
        refs = find_case_refs(text, folded)
        ignored = context.ignored_ranges(text, refs, folded)
        matches = context.outside(self.gazetteer.find(doc), ignored)
        subject_end = len(message.subject)
        agencies = agency_vote(matches, text, subject_end)
        for generic, specific in ABSORBED_BY:
            agencies = absorb(agencies, generic, specific)
        regions = region_vote(matches, text, subject_end)
        others = other_province_vote(matches, text)

        model_kind_p = kind_p
        scan, tables, scan_folded = scanned
        malad_cue = {  # the cue scores of classify/malad.py's ranking, one scan of the text
            t: round(v, 2) for t, v in cue_scores(find_cues(tables["malad"], scan, scan_folded)).items()
            if t in self._malad_ids
        }
        rk, private_cues = self.rule_kind(message, text, matches, agencies, regions, others, malad_cue, scanned,
                                          refs)
        kind, by_rules = self.combine_kind(kind_p, rk)
        if by_rules:
            kind_p = {**kind_p, kind: max(kind_p[kind], rk.confidence)}
        if message.is_auto_reply:
            kind = "auto_reply"
            kind_p = {**kind_p, "auto_reply": 1.0}
        other_province = rk.other_province if kind == "other_province" and rk.kind == "other_province" else None
        model_type = max(agency_p, key=agency_p.get) if agency_p else None
        rule_type = agencies.best
        reasons: list[str] = []
        if rule_type is not None:
            type_id = rule_type
            agree = model_type == rule_type
            # Soft agreement: the rules' confidence, raised by the model's probability of the same type.
            agency_score = _agency_conf(agencies, rule_type) * (0.5 + 0.5 * agency_p.get(rule_type, 0.0))
            if not agree and agency_p.get(model_type, 0.0) >= STRONG_DISAGREEMENT:
                reasons.append("model dan aturan tidak sepakat tentang instansi")
            rival = max((rival_score(agencies, rule_type, lbl) for lbl, _ in agencies.ranked if lbl != rule_type),
                        default=0.0)
            if rival >= AGENCY_RIVAL_SHARE * agencies.score(rule_type) and agency_p.get(rule_type, 0.0) < MODEL_ONLY_AGENCY:
                reasons.append("lebih dari satu instansi disebut")
        elif model_type is not None and agency_p[model_type] >= MODEL_ONLY_AGENCY:
            type_id, agree = model_type, False
            agency_score = agency_p[model_type] * 0.5
            reasons.append("instansi hanya tersirat dari model")
        else:
            type_id, agree, agency_score = None, False, 0.0
            reasons.append("instansi tidak dapat ditentukan")
        # Gazetteer evidence the bag of words cannot see: a place outside the province, and the
        # absence of any public agency (a complaint against a private party).
        if kind == "complaint" and others.best is not None and not regions.ranked:
            if others.best_score >= OTHER_PROVINCE_MIN:
                kind = "other_province"
                kind_p = {**kind_p, "other_province": max(kind_p["other_province"], kind_p["complaint"])}
                other_province = others.best
        # A grievance naming no public agency but a private party (bank, leasing, developer …) is out
        # of mandate; one naming nobody ("urusan saya belum selesai") stays a complaint without an
        # agency, so staff look at it.
        if (kind == "complaint" and rule_type is None and agency_p.get(model_type, 0.0) < MODEL_ONLY_AGENCY
                and private_cues > 0):
            kind = "out_of_mandate"
            kind_p = {**kind_p, "out_of_mandate": max(kind_p["out_of_mandate"], kind_p["complaint"])}
        choice = UnitChoice(None, None, 0.0)
        if type_id is not None and kind in ("complaint", "follow_up"):
            provincial = any(m.source == "provincial" for m in agencies.evidence.get(type_id, ()))
            anchored = anchored_regions(matches, text, type_id)
            choice = choose_unit(self.directory, type_id, regions, provincial, anchored)
            reasons += choice.reasons
            if choice.unit is None and not choice.reasons:
                reasons.append("unit tidak dapat ditentukan")
        unit_conf = choice.confidence if choice.unit else 0.0
        raw = kind_p["complaint"] * agency_score * (0.5 + 0.5 * unit_conf) if choice.unit else 0.0
        return {
            "text": text,
            "folded": folded,
            "refs": refs,
            "kind": kind,
            "kind_p": kind_p,
            "model_kind_p": model_kind_p,
            "agency_p": agency_p,
            "malad_p": malad_p,
            "malad_cue": malad_cue,
            "malad_s": self.malad_combined(malad_p, malad_cue),
            "rule_kind": rk,
            "other_province": other_province or (others.best if kind == "other_province" else None),
            "type_id": type_id,
            "agree": agree,
            "choice": choice,
            "agencies": agencies,
            "regions": regions,
            "others": others,
            "raw": raw,
            "reasons": reasons,
        }

    def calibrate(self, raw: float) -> float:
        return isotonic_apply(self._cal_x, self._cal_y, raw) if self.calibrated else raw

    def malad_types(self, malad_s: dict[str, float], cue: dict[str, float] | None = None) -> tuple[str, ...]:
        """The primary type always (for a complaint), then others above the tuned threshold (max 2).

        The labelling rule of classify/malad.py's PRECEDENCE holds here too: when the cues clearly
        show both, a disabled person refused service is discrimination before it is a refusal.
        """
        ranked = sorted(malad_s, key=lambda t: -malad_s[t])
        if not ranked:
            return ()
        cue = cue or {}
        for first, second in MALAD_PRECEDENCE:
            if first in ranked and second in ranked and min(cue.get(first, 0.0), cue.get(second, 0.0)) >= PRECEDENCE_MIN:
                i, j = ranked.index(first), ranked.index(second)
                if i > j:
                    ranked.insert(j, ranked.pop(i))
        kept = [ranked[0]] + [t for t in ranked[1:2] if malad_s[t] >= self.malad_threshold]
        return tuple(kept)

    # --- the protocol ---------------------------------------------------------------------------
    def classify(self, message: MessageText) -> Decision:
        a = self.analyse(message)
        text, kind, kind_p = a["text"], a["kind"], a["kind_p"]
        agencies: Vote = a["agencies"]
        regions: Vote = a["regions"]
        others: Vote = a["others"]
        choice: UnitChoice = a["choice"]
        type_id = a["type_id"]
        evidence: list[Evidence] = []
        reasons: list[str] = []
        wants_agency = kind in ("complaint", "follow_up", "other_province")
        if wants_agency and type_id is not None:
            evidence += _evidence("agency_type", agencies.evidence.get(type_id, ()), type_id)
            if choice.region is not None:
                evidence += _evidence("region", regions.evidence.get(choice.region, ()))
        if kind == "other_province" and others.best:
            evidence += _evidence("kind", others.evidence.get(others.best, ()), "other_province")

        malad = self.malad_types(a["malad_s"], a["malad_cue"]) if wants_agency else ()
        if malad:
            hits = find_cues(MALAD_CUES.subset(malad), text, a["folded"])
            for t in malad:
                evidence += _evidence("maladministration", [h for h in hits if h.label == t])
        conf_hits = confidential_hits(text, a["folded"])
        evidence += _evidence("confidential", conf_hits, "confidential")
        refs = a["refs"]
        if refs:
            evidence.append(Evidence("case_ref", "case_ref", refs[0].start, refs[0].end, refs[0].ref))

        if kind == "complaint":
            confidence = self.calibrate(a["raw"])
            reasons += a["reasons"]
            if kind_p["complaint"] < KIND_THRESHOLD:
                reasons.append("jenis pesan tidak pasti")
            too_low = (
                confidence < self.min_confidence if self.min_confidence is not None
                else a["raw"] < self.route_threshold
            )
            if choice.unit is not None and too_low and not reasons:
                reasons.append("keyakinan rendah")
            abstain = bool(reasons)
        else:
            confidence = kind_p[kind]
            abstain = confidence < KIND_THRESHOLD
            if abstain:
                reasons.append("jenis pesan tidak pasti")

        unit = choice.unit if kind in ("complaint", "follow_up") else None
        return Decision(
            kind=kind,
            agency_type=type_id if wants_agency else None,
            region=choice.region if wants_agency else None,
            unit=unit,
            maladministration=malad,
            confidence=round(confidence, 3),
            abstain=abstain,
            model_version=self.version,
            scores={
                "kind": {k: round(v, 4) for k, v in kind_p.items()},
                "agency_type": {k: round(v, 4) for k, v in a["agency_p"].items()},
                "agency_type_rules": agencies.normalised(),
                "region": regions.normalised(),
                "other_province": others.normalised(),
                "maladministration": {k: round(v, 4) for k, v in a["malad_s"].items()},
                "maladministration_model": {k: round(v, 4) for k, v in a["malad_p"].items()},
                "kind_rules": {a["rule_kind"].kind: a["rule_kind"].confidence},
                "raw": {"route": round(a["raw"], 4)},
            },
            evidence=tuple(sorted(evidence, key=lambda e: (e.start, e.field))),
            confidential=bool(conf_hits),
            other_province=a["other_province"],
            case_ref=refs[0].ref if refs else None,
            reasons=tuple(dict.fromkeys(reasons)),
        )


__all__ = ["TrainedClassifier", "isotonic_apply"]
