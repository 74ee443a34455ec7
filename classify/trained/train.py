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
import datetime as _dt
import hashlib
import json
import random
import shutil
import tempfile
import time
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

DEFAULT_DIRECTORY = Path(__file__).resolve().parents[2] / "config" / "directory.yaml"
TARGET_PRECISION = 0.98
CALIBRATION_SALT = "narahubung-calib-1"
EPOCHS = 12
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
            "length": 262144,
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
    xs, ys = pav([c[0] for c in cand], [float(c[1]) for c in cand]) if cand else ([], [])
    # Lowest raw threshold whose routed precision on the slice reaches the target.
    ordered = sorted(cand, key=lambda c: -c[0])
    threshold, tp, n = 1.0, 0, 0
    for i, (raw, right) in enumerate(ordered):
        tp += right
        n += 1
        nxt = ordered[i + 1][0] if i + 1 < len(ordered) else None
        if nxt == raw:
            continue
        if tp / n >= TARGET_PRECISION:
            threshold = raw
    routed = [c for c in cand if c[0] >= threshold]
    gold_units = sum(1 for r in records if r.kind == "complaint" and r.unit is not None)
    # Secondary malad threshold: best macro F1 on the slice's complaints.
    complaints = [(r, a) for r, a, _, _ in rows if r.kind == "complaint"]
    best_t, best_f = 0.5, -1.0
    for t in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.01):
        clf.malad_threshold = t
        f1s = []
        for m in directory.maladministration_ids:
            pred = [m in clf.malad_types(a["malad_p"]) for _, a in complaints]
            gold = [m in r.maladministration for r, _ in complaints]
            f = _f1(sum(p and g for p, g in zip(pred, gold)), sum(p and not g for p, g in zip(pred, gold)),
                    sum(g and not p for p, g in zip(pred, gold)))
            if f is not None:
                f1s.append(f)
        macro = sum(f1s) / len(f1s) if f1s else 0.0
        if macro > best_f:
            best_t, best_f = t, macro
    kinds_right = sum(a["kind"] == r.kind for r, a, _, _ in rows)
    return {
        "calibration": {"method": "isotonic (PAV) raw route score -> P(kind and unit right)", "x": xs, "y": ys},
        "route_threshold_raw": threshold,
        "malad_threshold": best_t,
        "figures": {
            "n": len(records),
            "kind_accuracy": round(kinds_right / len(records), 4) if records else None,
            "route_candidates": len(cand),
            "routed": len(routed),
            "route_precision": round(sum(c[1] for c in routed) / len(routed), 4) if routed else None,
            "route_coverage": round(len(routed) / gold_units, 4) if gold_units else None,
            "malad_macro_f1": round(best_f, 4),
        },
    }


def data_hash(data: list[Path], seed: int) -> str:
    h = hashlib.sha256()
    for p in data:
        h.update(Path(p).read_bytes())
    h.update(f"seed={seed};epochs={EPOCHS};batch={BATCH};drop={DROPOUT}".encode())
    return h.hexdigest()[:10]


def train(
    data: list[Path], out: Path, seed: int = 0, *, directory: Directory | None = None, epochs: int = EPOCHS,
    limit: int | None = None,
) -> TrainReport:
    started = time.perf_counter()
    directory = directory if directory is not None else load_directory(DEFAULT_DIRECTORY)
    records = [r for p in data for r in read_records(p)]
    if limit is not None:
        records = records[:limit]
    fit_part, cal_part = calibration_split(records)
    digest = data_hash(data, seed) + (f"-l{limit}-e{epochs}" if limit or epochs != EPOCHS else "")
    version = f"trained-{_dt.date.today():%Y%m%d}-{digest}"
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    nlp, _ = fit(fit_part, directory, seed, epochs)
    with tempfile.TemporaryDirectory() as tmp:
        nlp.to_disk(Path(tmp) / "pipeline")
        (Path(tmp) / "meta.json").write_text(json.dumps({"version": version + "-calib"}), encoding="utf-8")
        clf = TrainedClassifier(directory, tmp, calibrated=False)
        cal = _calibrate(clf, cal_part, directory)
        gazetteer = clf.gazetteer
    del gazetteer

    nlp, losses = fit(records, directory, seed, epochs)
    if (out / "pipeline").exists():
        shutil.rmtree(out / "pipeline")
    nlp.to_disk(out / "pipeline")
    seconds = round(time.perf_counter() - started, 2)
    meta = {
        "version": version,
        "data": [str(p) for p in data],
        "seed": seed,
        "limit": limit,
        "epochs": epochs,
        "n_train": len(records),
        "n_calibration": len(cal_part),
        "architecture": "spacy.TextCatBOW.v3 ngram_size=2 (kind, agency type, maladministration)",
        "calibration": cal["calibration"],
        "route_threshold_raw": cal["route_threshold_raw"],
        "malad_threshold": cal["malad_threshold"],
        "figures": {"calibration_slice": cal["figures"], "final_losses": losses},
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
