"""Train the spaCy pipeline of `TrainedClassifier`: reproducible, seeded, minutes on 2 cores.

    train([TRAIN_FILE], Path("/tmp/model"), seed=0) -> TrainReport

1. A deterministic calibration slice (every 4th record per kind, ordered by SHA-256 of the id)
   is held out of the training data (never the dev file).
2. A `spacy.blank("id")` pipeline with three BOW text classifiers (kind: exclusive textcat;
   agency type: exclusive textcat, trained on records with an agency type; maladministration:
   textcat_multilabel, trained on records with types) is fitted on the rest.
3. The fitted model classifies the calibration slice; an isotonic map raw score -> P(kind and unit
   right) is fitted by pool-adjacent-violators, and the auto-route threshold is the lowest raw score
   at which routed precision on the slice is >= TARGET_PRECISION. The malad secondary threshold is
   chosen there too.
4. The same recipe is refitted on all the given records and saved to `out/pipeline` with
   `out/meta.json` (version, data files, seed, calibration, threshold, figures).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import spacy
from spacy.training import Example
from spacy.util import fix_random_seed, minibatch

from classify.corpus import Record, message_of, read_records
from classify.decision import KINDS
from classify.trained.classifier import (
    AGENCY_PIPE,
    AGENCY_PREFIX,
    KIND_PIPE,
    KIND_PREFIX,
    MALAD_PIPE,
    MALAD_PREFIX,
    TrainedClassifier,
)
from narahubung.directory import Directory, load_directory

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIRECTORY = PROJECT_ROOT / "config" / "directory.yaml"
TARGET_PRECISION = 0.98
# The route threshold is fitted for this much more precision than the target (a margin for the
# small calibration slice).
PRECISION_MARGIN = 0.01
CV_FOLDS = 5
CV_SALT = "narahubung-cv-1"
# Grids searched by k-fold cross-validation inside the training records (never dev).
GRID_RULE_KIND_MIN = (0.7, 0.75, 0.8, 0.9, 1.01)
GRID_MODEL_KIND_MIN = (0.0, 0.4, 0.5, 0.6, 0.7)
GRID_MALAD_WEIGHT = (0.0, 0.2, 0.35, 0.5, 0.65, 0.8, 1.0)
GRID_MALAD_THRESHOLD = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.01)
CALIBRATION_SALT = "narahubung-calib-1"
EPOCHS = 12
# Hashed n-gram buckets per label: 2**15 keeps the shipped model small (a few MB) with few collisions
# on a corpus of this size.
BOW_LENGTH = 2**15
# Bump when training or the decision code changes what a model decides: the version changes with it.
RECIPE = "5"
BATCH = 8
DROPOUT = 0.1
LEARN_RATE = 0.001  # Adam default


@dataclass
class TrainReport:
    version: str
    out: str
    seed: int
    n_train: int
    n_calibration: int
    seconds: float
    route_threshold_raw: float
    calibration_figures: dict = field(default_factory=dict)
    losses: dict = field(default_factory=dict)


def _bow(exclusive: bool) -> dict:
    return {
        "model": {
            "@architectures": "spacy.TextCatBOW.v3",
            "exclusive_classes": exclusive,
            "ngram_size": 2,
            "no_output_layer": False,
            "length": BOW_LENGTH,
        }
    }


def build_pipeline(directory: Directory) -> spacy.Language:
    nlp = spacy.blank("id")
    kind = nlp.add_pipe("textcat", name=KIND_PIPE, config=_bow(True))
    for k in KINDS:
        kind.add_label(KIND_PREFIX + k)
    agency = nlp.add_pipe("textcat", name=AGENCY_PIPE, config=_bow(True))
    for t in directory.agency_types:
        agency.add_label(AGENCY_PREFIX + t.id)
    malad = nlp.add_pipe("textcat_multilabel", name=MALAD_PIPE, config=_bow(False))
    for m in directory.maladministration_ids:
        malad.add_label(MALAD_PREFIX + m)
    return nlp


def _examples(nlp: spacy.Language, records: list[Record], directory: Directory) -> dict[str, list[Example]]:
    types = [t.id for t in directory.agency_types]
    malads = list(directory.maladministration_ids)
    out: dict[str, list[Example]] = {KIND_PIPE: [], AGENCY_PIPE: [], MALAD_PIPE: []}
    for r in records:
        doc = nlp.make_doc(message_of(r).full_text)
        out[KIND_PIPE].append(
            Example.from_dict(doc, {"cats": {KIND_PREFIX + k: float(k == r.kind) for k in KINDS}})
        )
        if r.agency_type in types:
            cats = {AGENCY_PREFIX + t: float(t == r.agency_type) for t in types}
            out[AGENCY_PIPE].append(Example.from_dict(doc, {"cats": cats}))
        if r.maladministration:
            cats = {MALAD_PREFIX + m: float(m in r.maladministration) for m in malads}
            out[MALAD_PIPE].append(Example.from_dict(doc, {"cats": cats}))
    return out


def fit(records: list[Record], directory: Directory, seed: int, epochs: int = EPOCHS) -> tuple[spacy.Language, dict]:
    logging.getLogger("spacy").setLevel(logging.WARNING)  # "Created vocabulary" for every fold is noise
    fix_random_seed(seed)
    nlp = build_pipeline(directory)
    examples = _examples(nlp, records, directory)
    optimizer = nlp.initialize()
    rng = random.Random(seed)
    losses: dict[str, float] = {}
    for _ in range(epochs):
        losses = {}
        for name, egs in examples.items():
            order = list(egs)
            rng.shuffle(order)
            pipe = nlp.get_pipe(name)
            for batch in minibatch(order, size=BATCH):
                pipe.update(batch, drop=DROPOUT, sgd=optimizer, losses=losses)
    return nlp, {k: round(v, 4) for k, v in losses.items()}


def calibration_split(records: list[Record]) -> tuple[list[Record], list[Record]]:
    """(fit, calibration): per kind, records ordered by SHA-256 of salt:id, every 4th held out."""
    def h(r: Record) -> str:
        return hashlib.sha256(f"{CALIBRATION_SALT}:{r.id}".encode()).hexdigest()

    held: set[str] = set()
    for k in KINDS:
        stratum = sorted((r for r in records if r.kind == k), key=h)
        held.update(r.id for r in stratum[3::4])
    return [r for r in records if r.id not in held], [r for r in records if r.id in held]


def pav(xs: list[float], ys: list[float]) -> tuple[list[float], list[float]]:
    """Isotonic (non-decreasing) fit by pool-adjacent-violators; returns block centres and values."""
    pts = sorted(zip(xs, ys))
    blocks: list[list[float]] = []  # [sum_y, count, sum_x]
    for x, y in pts:
        blocks.append([y, 1.0, x])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            y2, c2, x2 = blocks.pop()
            blocks[-1][0] += y2
            blocks[-1][1] += c2
            blocks[-1][2] += x2
    return [round(b[2] / b[1], 6) for b in blocks], [round(b[0] / b[1], 6) for b in blocks]


def _f1(tp: int, fp: int, fn: int) -> float | None:
    den = 2 * tp + fp + fn
    return 2 * tp / den if den else None


def _calibrate(clf: TrainedClassifier, records: list[Record], directory: Directory) -> dict:
    rows = []
    for r in records:
        a = clf.analyse(message_of(r))
        unit = a["choice"].unit
        routable = a["kind"] == "complaint" and unit is not None and not a["reasons"]
        right = r.kind == "complaint" and r.unit is not None and unit == r.unit and a["kind"] == "complaint"
        rows.append((r, a, routable, right))
    cand = [(a["raw"], right) for _, a, routable, right in rows if routable]
    # Anchored at (0, 0): a score below every one seen on the slice is not taken as sure.
    xs, ys = pav([0.0] + [c[0] for c in cand], [0.0] + [float(c[1]) for c in cand]) if cand else ([], [])
    # Lowest raw threshold whose routed precision on the slice reaches the target.
    ordered = sorted(cand, key=lambda c: -c[0])
    threshold, tp, n = 1.0, 0, 0
    for i, (raw, right) in enumerate(ordered):
        tp += right
        n += 1
        nxt = ordered[i + 1][0] if i + 1 < len(ordered) else None
        if nxt == raw:
            continue
        if tp / n >= TARGET_PRECISION + PRECISION_MARGIN:
            threshold = raw
    routed = [c for c in cand if c[0] >= threshold]
    gold_units = sum(1 for r in records if r.kind == "complaint" and r.unit is not None)
    kinds_right = sum(a["kind"] == r.kind for r, a, _, _ in rows)
    return {
        "calibration": {"method": "isotonic (PAV) raw route score -> P(kind and unit right)", "x": xs, "y": ys},
        "route_threshold_raw": threshold,
        "figures": {
            "n": len(records),
            "kind_accuracy": round(kinds_right / len(records), 4) if records else None,
            "route_candidates": len(cand),
            "routed": len(routed),
            "route_precision": round(sum(c[1] for c in routed) / len(routed), 4) if routed else None,
            "route_coverage": round(len(routed) / gold_units, 4) if gold_units else None,
        },
    }


def cv_folds(records: list[Record], k: int) -> list[list[Record]]:
    """k stratified folds: per kind, records ordered by SHA-256 of salt:id, dealt round-robin."""
    def h(r: Record) -> str:
        return hashlib.sha256(f"{CV_SALT}:{r.id}".encode()).hexdigest()

    fold_of: dict[str, int] = {}
    i = 0
    for kd in KINDS:
        for r in sorted((r for r in records if r.kind == kd), key=h):
            fold_of[r.id] = i % k
            i += 1
    return [[r for r in records if fold_of[r.id] == f] for f in range(k)]


def _malad_macro(pairs: list[tuple[set, tuple]], ids: list[str]) -> float:
    f1s = []
    for m in ids:
        tp = sum(m in g and m in p for g, p in pairs)
        fp = sum(m not in g and m in p for g, p in pairs)
        fn = sum(m in g and m not in p for g, p in pairs)
        f = _f1(tp, fp, fn)
        if f is not None:
            f1s.append(f)
    return sum(f1s) / len(f1s) if f1s else 0.0


def _kind_macro(gold: list[str], pred: list[str]) -> float:
    f1s = []
    for kd in sorted(set(gold) | set(pred)):
        f = _f1(sum(g == kd and p == kd for g, p in zip(gold, pred)),
                sum(g != kd and p == kd for g, p in zip(gold, pred)),
                sum(g == kd and p != kd for g, p in zip(gold, pred)))
        if f is not None:
            f1s.append(f)
    return sum(f1s) / len(f1s) if f1s else 0.0


def cross_validate(records: list[Record], directory: Directory, seed: int, epochs: int, k: int) -> dict:
    """Out-of-fold analyses for every record (k fits), then the combiner parameters chosen on them."""
    folds = cv_folds(records, k)
    rows: list[tuple[Record, dict, TrainedClassifier]] = []
    for f in range(k):
        held = {r.id for r in folds[f]}
        nlp, _ = fit([r for r in records if r.id not in held], directory, seed, epochs)
        clf = TrainedClassifier(directory, None, calibrated=False, nlp=nlp, meta={"version": f"cv-{f}"})
        for r in folds[f]:
            rows.append((r, clf.analyse(message_of(r)), clf))
    gold = [r.kind for r, _, _ in rows]
    # Kind combiner: the pure part of the kind decision (auto-reply flag, then rules vs model).
    best_kind = (-1.0, None)
    kind_table = {}
    for rmin in GRID_RULE_KIND_MIN:
        for mmin in GRID_MODEL_KIND_MIN:
            pred = []
            for r, a, clf in rows:
                clf.rule_kind_min, clf.model_kind_min = rmin, mmin
                kd, _ = clf.combine_kind(a["model_kind_p"], a["rule_kind"])
                pred.append("auto_reply" if message_of(r).is_auto_reply else kd)
            f = _kind_macro(gold, pred)
            kind_table[f"{rmin}/{mmin}"] = round(f, 4)
            if f > best_kind[0] + 1e-9:
                best_kind = (f, (rmin, mmin))
    model_only = _kind_macro(gold, ["auto_reply" if message_of(r).is_auto_reply else
                                    max(a["model_kind_p"], key=a["model_kind_p"].get) for r, a, _ in rows])
    rules_only = _kind_macro(gold, [a["rule_kind"].kind for _, a, _ in rows])
    # Maladministration: weight of model vs cues, and the secondary threshold, on gold complaints.
    ids = list(directory.maladministration_ids)
    comp = [(r, a, clf) for r, a, clf in rows if r.kind == "complaint" and r.maladministration]
    best_m = (-1.0, None)
    for w in GRID_MALAD_WEIGHT:
        for t in GRID_MALAD_THRESHOLD:
            pairs = []
            for r, a, clf in comp:
                clf.malad_weight, clf.malad_threshold = w, t
                pairs.append((set(r.maladministration), clf.malad_types(clf.malad_combined(a["malad_p"], a["malad_cue"]), a["malad_cue"])))
            f = _malad_macro(pairs, ids)
            if f > best_m[0] + 1e-9:
                best_m = (f, (w, t))
    (rmin, mmin), (w, t) = best_kind[1], best_m[1]
    # Route figures out of fold with the chosen kind combiner (threshold comes from the slice).
    return {
        "params": {"rule_kind_min": rmin, "model_kind_min": mmin, "malad_weight": w, "malad_threshold": t},
        "figures": {
            "folds": k,
            "n": len(rows),
            "kind_macro_f1": round(best_kind[0], 4),
            "kind_macro_f1_model_only": round(model_only, 4),
            "kind_macro_f1_rules_only": round(rules_only, 4),
            "malad_macro_f1": round(best_m[0], 4),
            "malad_macro_f1_model_only": round(_malad_macro(
                [(set(r.maladministration), _types_at(clf, a, 1.0, t)) for r, a, clf in comp], ids), 4),
            "malad_macro_f1_cues_only": round(_malad_macro(
                [(set(r.maladministration), _types_at(clf, a, 0.0, t)) for r, a, clf in comp], ids), 4),
        },
        "rows": rows,
    }


def _types_at(clf: TrainedClassifier, a: dict, w: float, t: float) -> tuple:
    clf.malad_weight, clf.malad_threshold = w, t
    return clf.malad_types(clf.malad_combined(a["malad_p"], a["malad_cue"]), a["malad_cue"])


def _route_cv(rows: list, params: dict, threshold: float) -> dict:
    """Out-of-fold auto-route precision / coverage at `threshold`, re-classifying with `params`."""
    routed = right = gold_units = 0
    units_right = 0
    gold, pred = [], []
    for r, _, clf in rows:
        clf.rule_kind_min, clf.model_kind_min = params["rule_kind_min"], params["model_kind_min"]
        clf.route_threshold = threshold
        d = clf.classify(message_of(r))
        gold.append(r.kind)
        pred.append(d.kind)
        if r.kind == "complaint" and r.unit is not None:
            gold_units += 1
            units_right += d.unit == r.unit
        if d.kind == "complaint" and not d.abstain and d.unit is not None:
            routed += 1
            right += r.kind == "complaint" and r.unit is not None and d.unit == r.unit
    return {
        "unit_accuracy": round(units_right / gold_units, 4) if gold_units else None,
        "auto_route_precision": round(right / routed, 4) if routed else None,
        "auto_route_coverage": round(routed / gold_units, 4) if gold_units else None,
        "routed": routed,
        "kind_macro_f1_decisions": round(_kind_macro(gold, pred), 4),
    }


def _shown(path: Path) -> str:
    """A data file as meta.json names it: relative to the project when inside it (a shipped model)."""
    try:
        return str(Path(path).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def data_hash(data: list[Path], seed: int, extra: Sequence[Record] = ()) -> str:
    h = hashlib.sha256()
    for p in data:
        h.update(Path(p).read_bytes())
    for r in extra:
        h.update(r.model_dump_json().encode())
    h.update(f"recipe={RECIPE};seed={seed};epochs={EPOCHS};batch={BATCH};drop={DROPOUT};cv={CV_FOLDS};"
             f"bow={BOW_LENGTH}".encode())
    return h.hexdigest()[:10]


def train(
    data: list[Path], out: Path, seed: int = 0, *, directory: Directory | None = None, epochs: int = EPOCHS,
    limit: int | None = None, folds: int = CV_FOLDS, extra: Sequence[Record] = (),
) -> TrainReport:
    """Train on the records of `data` plus `extra` (staff-labelled cases from the database)."""
    started = time.perf_counter()
    directory = directory if directory is not None else load_directory(DEFAULT_DIRECTORY)
    records = [r for p in data for r in read_records(p)]
    if limit is not None:  # quick test models: the first `limit` file records, and every database record
        records = records[:limit]
    records += list(extra)
    fit_part, cal_part = calibration_split(records)
    digest = data_hash(data, seed, extra) + (f"-l{limit}-e{epochs}" if limit or epochs != EPOCHS else "")
    digest += f"-cv{folds}" if folds != CV_FOLDS else ""
    version = f"trained-{digest}"  # from data, seed and recipe only: the same training gives the same version
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    if folds >= 2:
        cv = cross_validate(records, directory, seed, epochs, folds)
    else:  # no cross-validation (quick test models): the defaults of the combiner
        from classify.trained.classifier import DEFAULT_COMBINER
        cv = {"params": {**DEFAULT_COMBINER, "malad_threshold": 0.5}, "figures": {"folds": 0}, "rows": []}
    params = cv["params"]
    nlp, _ = fit(fit_part, directory, seed, epochs)
    clf = TrainedClassifier(directory, None, calibrated=False, nlp=nlp,
                            meta={"version": version + "-calib", "combiner": params})
    cal = _calibrate(clf, cal_part, directory)
    cv_figures = dict(cv["figures"])
    if cv["rows"]:
        cv_figures.update(_route_cv(cv["rows"], params, cal["route_threshold_raw"]))

    nlp, losses = fit(records, directory, seed, epochs)
    if (out / "pipeline").exists():
        shutil.rmtree(out / "pipeline")
    nlp.to_disk(out / "pipeline")
    seconds = round(time.perf_counter() - started, 2)
    meta = {
        "version": version,
        "data": [_shown(p) for p in data] + ([f"database: {len(extra)} staff-labelled cases"] if extra else []),
        "seed": seed,
        "limit": limit,
        "epochs": epochs,
        "n_train": len(records),
        "n_calibration": len(cal_part),
        "architecture": "spacy.TextCatBOW.v3 ngram_size=2 (kind, agency type, maladministration)",
        "calibration": cal["calibration"],
        "route_threshold_raw": cal["route_threshold_raw"],
        "malad_threshold": params["malad_threshold"],
        "combiner": {k: params[k] for k in ("rule_kind_min", "model_kind_min", "malad_weight")},
        "cv_figures": cv_figures,
        "figures": {"calibration_slice": cal["figures"], "cv": cv_figures, "final_losses": losses},
        "train_seconds": seconds,
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
    return TrainReport(version, str(out), seed, len(records), len(cal_part), seconds,
                       cal["route_threshold_raw"], cal["figures"], losses)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(json.dumps(asdict(train(args.data, args.out, args.seed)), indent=2))


if __name__ == "__main__":
    main()
