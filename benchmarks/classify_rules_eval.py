"""Evaluate the rule classifier on labelled corpus files; print one JSON object.

    PYTHONPATH=. python benchmarks/classify_rules_eval.py [corpus.jsonl ...]
        [--directory config/directory.yaml] [--threshold 0.5] [--errors errors.jsonl]

Default corpus: all 520 bundled records (classify/corpus_data/train-a.jsonl + train-b.jsonl);
pass classify/corpus_data/dev.jsonl for the held-out figure. The figures and their definitions
are those of `narahubung eval` (classify/evaluation.py), plus a few extras for rule work:
auto_routed, auto_routed_wrong, build_s, model_version.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from classify.corpus import CORPUS_DIR, Record, read_records
from classify.evaluation import Row, evaluate
from classify.rules import RuleClassifier
from core.directory import load_directory
from core.settings import Settings

DEFAULT_CORPUS = (CORPUS_DIR / "train-a.jsonl", CORPUS_DIR / "train-b.jsonl")


def is_error(record: Record, row: Row) -> bool:
    """Wrong kind, routed to a wrong unit, or a complaint with a gold unit left to staff."""
    wrong_route = row["auto_route"] and row["unit"] != record.unit
    missed = record.kind == "complaint" and record.unit is not None and not row["auto_route"]
    return record.kind != row["kind"] or wrong_route or missed


def error_line(record: Record, row: Row) -> str:
    gold = record.model_dump(include={"kind", "unit", "agency_type", "region", "other_province", "maladministration"})
    pred = {k: v for k, v in row.items() if k != "id"}
    return json.dumps({"id": record.id, "gold": gold, "pred": pred, "subject": record.subject}, ensure_ascii=False)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="*", type=Path, default=list(DEFAULT_CORPUS))
    ap.add_argument("--directory", type=Path, default=ROOT / "config" / "directory.yaml")
    ap.add_argument("--threshold", type=float, default=Settings(classifier="rules").route_threshold)
    ap.add_argument("--errors", type=Path, help="write disagreeing records here (JSONL)")
    args = ap.parse_args(argv)

    directory = load_directory(args.directory)
    started = time.perf_counter()
    classifier = RuleClassifier(directory)
    build_s = time.perf_counter() - started
    records = [r for path in args.corpus for r in read_records(path)]
    rows, result = evaluate(classifier, records, args.threshold)
    routed = [(r, row) for r, row in zip(records, rows) if row["auto_route"]]
    result["auto_routed"] = len(routed)
    result["auto_routed_wrong"] = sum(r.kind != "complaint" or r.unit != row["unit"] for r, row in routed)
    result["build_s"] = round(build_s, 2)
    result["model_version"] = classifier.version
    if args.errors:
        with args.errors.open("w", encoding="utf-8") as fh:
            fh.writelines(error_line(r, row) + "\n" for r, row in zip(records, rows) if is_error(r, row))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
