"""How the learned classifier's recipe does on writers it never saw: out-of-fold figures with the folds made
by writer (the record id's prefix: ta, tb, tc1 … tc5) beside the recipe's own random folds, printed as JSON.

Every stage (text models, candidate ranker, confidence model and threshold) is fitted on the other folds, as
`narahubung train` does to choose its threshold. With random folds each writer is in every fold, so a record's
style was seen in training; with folds by writer it never was, as for the office's hidden sets. Beside the
figures at the recipe's own threshold it prints the wrong routes among the most confident 60–88 % of the
complaints with a unit (how well the confidence ranks right above wrong).

    .venv/bin/python benchmarks/classify_writer_cv.py          # about 10 minutes on 2 cores
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classify.corpus import message_of, read_records
from classify.learned import train as T
from classify.learned.facts import FactReader
from core.directory import load_directory

TRAIN = Path(__file__).resolve().parents[1] / "classify" / "corpus_data" / "train.jsonl"
WRITER_FOLD = {"ta": 0, "tb": 1, "tc1": 2, "tc2": 2, "tc3": 3, "tc4": 3, "tc5": 4}  # 7 writers in 5 folds
COVERAGES = (0.6, 0.7, 0.75, 0.8, 0.85, 0.88)


def writer_folds(records: list, _k: int) -> list[int]:
    return [WRITER_FOLD[r.id.split("-")[0]] for r in records]


def main() -> None:
    directory = load_directory(T.DEFAULT_DIRECTORY)
    records = list(read_records(TRAIN))
    types = tuple(t.id for t in directory.agency_types)
    regions = tuple(r.code for r in directory.regions)
    malad_ids = tuple(directory.maladministration_ids)
    counts = {t: sum(r.agency_type == t for r in records) for t in types}
    priors = {t: round((counts[t] + 1) / (sum(counts.values()) + len(types)), 6) for t in types}
    gold = sum(r.kind == "complaint" and r.unit is not None for r in records)
    reader = FactReader(directory)
    facts = [reader.read(message_of(r)) for r in records]
    out: dict[str, object] = {"records": len(records), "complaints_with_unit": gold}
    for name, folds in (("random_folds", T.cv_folds(records, T.CV_FOLDS)), ("folds_by_writer", writer_folds(records, 5))):
        print(f"{name} …", file=sys.stderr)
        k = len(set(folds))
        probs = T.stage1_out_of_fold(records, facts, folds, k, 0, types, regions, malad_ids)
        sdata, analyses = T.stage2_out_of_fold(records, facts, probs, directory, folds, k, 0, types, regions,
                                               malad_ids, priors)
        oof = T.calibrate_out_of_fold(records, facts, analyses, sdata, directory, folds, k, 0, types, regions,
                                      malad_ids, priors)
        ranked = sorted(((a.raw, r.kind == "complaint" and r.unit == a.unit) for r, a in zip(records, analyses)
                         if a.unit is not None and max(a.kind_p, key=a.kind_p.get) == "complaint"),
                        key=lambda c: -c[0])
        best = sum(a.unit == r.unit for r, a in zip(records, analyses) if r.kind == "complaint" and r.unit)
        out[name] = {
            **{key: value for key, value in oof.figures.items() if isinstance(value, int | float)},
            "best_guess_unit_right": round(best / gold, 4),
            "wrong_routes_among_most_confident": {
                str(c): sum(not right for _, right in ranked[:round(c * gold)]) for c in COVERAGES},
        }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
