"""What the learned classifier does on a writer it never saw, threshold included, printed as JSON.

The office scores the classifier on sets written by people whose style is in no training record. Dev is a
random split (its writers are in training), so it flatters. This benchmark holds out whole writers (the
record id's prefix: ta, tb, tc1+tc2, tc3+tc4, tc5, five outer folds), trains the real recipe
(`classify.learned.train.train`, model written to a temporary folder) on the other writers, and classifies
the held-out writer's records with the saved model, as `narahubung classify` would. It does so once for
each rule of the training folds inside `train` (`--folds-by`: `random`, the recipe's default, where every
writer is in every fold; and `writer`, where the stackers, the confidence model and the threshold learn
from predictions of writers the text models never read).

Printed per rule: the held-out figures of all 1,120 records (unit accuracy, auto-route precision and
coverage, kind and maladministration macro F1) with their 95 % intervals (`classify.intervals`: the records
read as a sample) and with whole writers drawn (`intervals_95_writers_drawn`: for a set by other writers like
these; rough with seven), the same per writer, what became of every complaint with a
unit (routed right or wrong, or why not: read as another kind, best guess wrong, held by the rival-office
guard, or right but under the threshold with the lowest of P(agency type), P(region), P(complaint) named),
and the wrong routes among the most confident 60–88 % of the complaints with a unit (how well the confidence
ranks right above wrong).

    .venv/bin/python benchmarks/classify_writer_cv.py            # about 5 minutes per rule
    .venv/bin/python benchmarks/classify_writer_cv.py --folds-by writer
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# one BLAS thread: the training is single-threaded work, and idle BLAS threads spinning beside it made a
# run four times slower when two ran at once
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from classify.corpus import Record, message_of, read_records
from classify.decision import Decision
from classify.evaluation import metrics, prediction_row
from classify.intervals import by_group, intervals
from classify.learned import train as T
from classify.learned.classifier import Analysis, LearnedClassifier, decide, rival_target
from classify.learned.facts import Facts
from core.directory import Directory, load_directory

TRAIN = Path(__file__).resolve().parents[1] / "classify" / "corpus_data" / "train.jsonl"
OUTER_FOLD = {"ta": 0, "tb": 1, "tc1": 2, "tc2": 2, "tc3": 3, "tc4": 3, "tc5": 4}  # 7 writers in 5 folds
COVERAGES = (0.6, 0.7, 0.75, 0.8, 0.85, 0.88)
KEYS = ("unit_accuracy", "auto_route_precision", "auto_route_coverage", "agency_type_accuracy", "region_accuracy",
        "kind_macro_f1", "malad_macro_f1")


def why_not_routed(r: Record, d: Decision, facts: Facts, a: Analysis, directory: Directory) -> str:
    """What became of a complaint with a unit: routed (right or wrong), or the first reason it was not; for a
    right best guess under the threshold, which of P(agency type), P(region), P(complaint) was the lowest."""
    if d.kind == "complaint" and d.unit is not None and not d.abstain:
        return "routed_right" if d.unit == r.unit else "routed_wrong"
    if max(a.kind_p, key=a.kind_p.__getitem__) != "complaint":
        return "read_as_another_kind"
    if a.unit is None:
        return "no_unit"
    if a.unit != r.unit:
        return "best_guess_wrong"
    if rival_target(facts, a, directory.unit(a.unit).type):
        return "held_by_rival_office_guard"
    weakest = min((max(a.type_p.values()), "agency_type"), (max(a.region_p.values()), "region"),
                  (a.kind_p["complaint"], "complaint"))
    return f"right_under_threshold_weakest_{weakest[1]}"


def held_out(folds_by: str, scratch: Path) -> dict[str, object]:
    directory = load_directory(T.DEFAULT_DIRECTORY)
    lines = TRAIN.read_text(encoding="utf-8").splitlines()
    records = list(read_records(TRAIN))
    held: list[tuple[Record, object, float]] = []
    why: Counter[str] = Counter()
    for f in sorted(set(OUTER_FOLD.values())):
        started = time.perf_counter()
        folder = scratch / f"{folds_by}-{f}"
        folder.mkdir(parents=True)
        others = [line for line, r in zip(lines, records) if OUTER_FOLD[T.writer_of(r.id) or ""] != f]
        (folder / "train.jsonl").write_text("\n".join(others) + "\n", encoding="utf-8")
        T.train([folder / "train.jsonl"], folder / "model", 0, directory=directory, folds_by=folds_by)
        clf = LearnedClassifier(directory, folder / "model")
        for r in records:
            if OUTER_FOLD[T.writer_of(r.id) or ""] == f:
                facts, a = clf.analyse(message_of(r))  # the steps of clf.classify, keeping the raw score
                decision = decide(clf.models, directory, facts, a, clf.version, clf.calibrate(a.raw), None)
                held.append((r, decision, a.raw))
                if r.kind == "complaint" and r.unit is not None:
                    why[why_not_routed(r, decision, facts, a, directory)] += 1
        print(f"{folds_by}: outer fold {f + 1}/5 in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    recs = [r for r, _d, _raw in held]
    m = metrics(recs, [d for _r, d, _raw in held], 0.0, 1.0)
    pairs = [(r, prediction_row(r, d, 0.0)) for r, d, _raw in held]
    spans = intervals(pairs)
    gold = sum(r.kind == "complaint" and r.unit is not None for r in recs)
    ranked = sorted(((raw, r.kind == "complaint" and r.unit == d.unit) for r, d, raw in held
                     if d.kind == "complaint" and d.unit is not None), key=lambda c: -c[0])
    return {
        **{k: m[k] for k in KEYS},
        "intervals_95": {k: spans[k] for k in KEYS},
        "intervals_95_writers_drawn": by_group(pairs, lambda r: T.writer_of(r.id) or r.id, KEYS),
        "by_writer": {src: {k: fig[k] for k in KEYS[:3]} for src, fig in m["by_source"].items()},
        "complaints_with_a_unit_by_outcome": dict(why.most_common()),
        "wrong_routes_among_most_confident": {
            str(c): sum(not right for _, right in ranked[:round(c * gold)]) for c in COVERAGES},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds-by", choices=("writer", "random"), action="append",
                    help="the rule of the training folds inside train (repeatable; default both)")
    args = ap.parse_args()
    out: dict[str, object] = {"records": sum(1 for _ in read_records(TRAIN)), "outer_folds": "by writer"}
    with tempfile.TemporaryDirectory(prefix="writer-cv-") as scratch:
        for rule in args.folds_by or ["writer", "random"]:
            out[f"training_folds_{rule}"] = held_out(rule, Path(scratch))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
