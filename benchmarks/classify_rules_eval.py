"""Evaluate the rule classifier on labelled corpus files; print one JSON object.

    PYTHONPATH=. python benchmarks/classify_rules_eval.py [corpus.jsonl ...]
        [--directory config/directory.yaml] [--errors errors.jsonl]

Figures (abstaining counts as wrong wherever a unit is asked for):
- kind_accuracy: over all records.
- unit_accuracy: over gold complaints with a gold unit; right = not abstained and unit equal.
- agency_type_accuracy / region_accuracy: over records whose gold value is set (abstain allowed).
- malad_primary_accuracy: over gold complaints; first predicted type equals the gold primary.
- auto_route_precision: of the records routed automatically (kind complaint, not abstained, unit
  set), the share whose gold kind is complaint and whose unit is right.
- auto_route_coverage: share of gold complaints with a gold unit that are routed automatically.
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

from classify.decision import Decision, MessageText  # noqa: E402
from classify.rules import RuleClassifier  # noqa: E402
from narahubung.directory import load_directory  # noqa: E402

DEFAULT_CORPUS = (
    ROOT.parent / "shared" / "data" / "corpus" / "train-a.jsonl",
    ROOT.parent / "shared" / "data" / "corpus" / "train-b.jsonl",
)


def load_records(paths: list[Path]) -> list[dict]:
    out = []
    for p in paths:
        with p.open(encoding="utf-8") as fh:
            out.extend(json.loads(line) for line in fh if line.strip())
    return out


def message_of(rec: dict) -> MessageText:
    return MessageText(subject=rec.get("subject", ""), body=rec.get("text", ""))


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def routed(d: Decision) -> bool:
    return d.kind == "complaint" and not d.abstain and d.unit is not None


def evaluate(records: list[dict], decisions: list[Decision]) -> dict[str, float | int | None]:
    n = len(records)
    kind_ok = sum(r["kind"] == d.kind for r, d in zip(records, decisions))
    with_unit = [(r, d) for r, d in zip(records, decisions) if r["kind"] == "complaint" and r["unit"]]
    unit_ok = sum(not d.abstain and d.unit == r["unit"] for r, d in with_unit)
    typed = [(r, d) for r, d in zip(records, decisions) if r["agency_type"]]
    type_ok = sum(d.agency_type == r["agency_type"] for r, d in typed)
    placed = [(r, d) for r, d in zip(records, decisions) if r["region"]]
    region_ok = sum(d.region == r["region"] for r, d in placed)
    complaints = [(r, d) for r, d in zip(records, decisions) if r["kind"] == "complaint" and r["maladministration"]]
    malad_ok = sum(bool(d.maladministration) and d.maladministration[0] == r["maladministration"][0] for r, d in complaints)
    auto = [(r, d) for r, d in zip(records, decisions) if routed(d)]
    auto_ok = sum(r["kind"] == "complaint" and r["unit"] == d.unit for r, d in auto)
    covered = sum(routed(d) and d.unit == r["unit"] for r, d in with_unit)
    return {
        "n": n,
        "kind_accuracy": _ratio(kind_ok, n),
        "unit_accuracy": _ratio(unit_ok, len(with_unit)),
        "agency_type_accuracy": _ratio(type_ok, len(typed)),
        "region_accuracy": _ratio(region_ok, len(placed)),
        "malad_primary_accuracy": _ratio(malad_ok, len(complaints)),
        "auto_route_precision": _ratio(auto_ok, len(auto)),
        "auto_route_coverage": _ratio(sum(routed(d) for r, d in with_unit), len(with_unit)),
        "auto_routed": len(auto),
        "auto_routed_wrong": len(auto) - auto_ok,
        "auto_route_coverage_correct": _ratio(covered, len(with_unit)),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="*", type=Path, default=list(DEFAULT_CORPUS))
    ap.add_argument("--directory", type=Path, default=ROOT / "config" / "directory.yaml")
    ap.add_argument("--errors", type=Path, help="write disagreeing records here (JSONL)")
    args = ap.parse_args(argv)

    directory = load_directory(args.directory)
    started = time.perf_counter()
    classifier = RuleClassifier(directory)
    build_s = time.perf_counter() - started
    records = load_records(args.corpus)
    t0 = time.perf_counter()
    decisions = [classifier.classify(message_of(r)) for r in records]
    elapsed = time.perf_counter() - t0
    result = evaluate(records, decisions)
    result["docs_per_s"] = round(len(records) / elapsed, 1) if elapsed else None
    result["build_s"] = round(build_s, 2)
    result["model_version"] = classifier.version
    if args.errors:
        with args.errors.open("w", encoding="utf-8") as fh:
            for r, d in zip(records, decisions):
                wrong_kind = r["kind"] != d.kind
                wrong_route = routed(d) and r["unit"] != d.unit
                if wrong_kind or wrong_route or (r["kind"] == "complaint" and r["unit"] and not routed(d)):
                    fh.write(json.dumps({
                        "id": r["id"], "gold": {k: r[k] for k in ("kind", "unit", "agency_type", "region", "other_province", "maladministration")},
                        "pred": {"kind": d.kind, "unit": d.unit, "agency_type": d.agency_type, "region": d.region,
                                 "abstain": d.abstain, "confidence": d.confidence, "reasons": d.reasons,
                                 "malad": d.maladministration, "other": d.other_province,
                                 "scores": {k: d.scores.get(k) for k in ("agency_type", "region", "other_province")}},
                        "subject": r["subject"],
                    }, ensure_ascii=False) + "\n")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
