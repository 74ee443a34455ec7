"""Regenerate the train/dev split of the labelled corpus, byte-identically.

    python classify/corpus_data/make_split.py          # (re)write train.jsonl and dev.jsonl
    python classify/corpus_data/make_split.py --check  # exit 1 if the files differ from a fresh split

Sources: train-a.jsonl, train-b.jsonl and train-c.jsonl beside this script (copies of
../shared/data/corpus). Strata: (source, kind) for non-complaints, (source, complaint, agency_type)
for complaints; the source is the id's prefix (ta, tb, tc1 … tc5). In each stratum the
records are ordered by SHA-256 of "<SEED>:<id>" (no dependence on Python's random module, so every
Python version gives the same split) and the first round(n * DEV_SHARE) go to dev, at least one
when the stratum has two or more records. Both files keep the source lines verbatim, in source
order (train-a, train-b, then train-c). Standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES: tuple[str, ...] = ("train-a.jsonl", "train-b.jsonl", "train-c.jsonl")
SEED = "narahubung-dev-split-3"
DEV_SHARE = 0.25


def stratum(record: dict) -> str:
    """The stratum of one record: its source (the id's prefix before the first '-': ta, tb, tc1 …
    tc5), its kind, and for a complaint also its agency type; so each writer's style is in both
    files in its share."""
    source = str(record["id"]).split("-", 1)[0]
    if record["kind"] == "complaint":
        return f"{source}/complaint/{record['agency_type']}"
    return f"{source}/{record['kind']}"


def dev_count(n: int) -> int:
    """How many of a stratum of `n` records go to dev: round half up, at least one when n >= 2."""
    wanted = int(n * DEV_SHARE + 0.5)
    return max(wanted, 1) if n >= 2 else 0


def _order_key(record_id: str) -> str:
    return hashlib.sha256(f"{SEED}:{record_id}".encode()).hexdigest()


def read_lines(directory: Path) -> list[tuple[str, dict]]:
    """(raw line with its newline, parsed record) for every non-blank source line, in order."""
    out: list[tuple[str, dict]] = []
    for name in SOURCES:
        for line in (directory / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append((line + "\n", json.loads(line)))
    return out


def split(lines: list[tuple[str, dict]]) -> tuple[str, str]:
    """(train text, dev text) for the given source lines."""
    ids = [rec["id"] for _, rec in lines]
    if len(set(ids)) != len(ids):
        raise SystemExit("duplicate record ids in the sources; a split by id would be ambiguous")
    strata: dict[str, list[str]] = defaultdict(list)
    for _, rec in lines:
        strata[stratum(rec)].append(rec["id"])
    dev_ids: set[str] = set()
    for members in strata.values():
        ordered = sorted(members, key=_order_key)
        dev_ids.update(ordered[: dev_count(len(ordered))])
    train = "".join(raw for raw, rec in lines if rec["id"] not in dev_ids)
    dev = "".join(raw for raw, rec in lines if rec["id"] in dev_ids)
    return train, dev


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the files on disk, write nothing")
    ap.add_argument("--dir", type=Path, default=HERE, help="folder with the sources and the split")
    args = ap.parse_args(argv)

    train, dev = split(read_lines(args.dir))
    targets = {args.dir / "train.jsonl": train, args.dir / "dev.jsonl": dev}
    if args.check:
        stale = [p.name for p, text in targets.items() if not p.is_file() or p.read_bytes() != text.encode("utf-8")]
        if stale:
            print(f"split out of date: {', '.join(stale)}; run {Path(__file__).name}", file=sys.stderr)
            return 1
        print("split up to date")
        return 0
    for path, text in targets.items():
        path.write_bytes(text.encode("utf-8"))
    print(f"train.jsonl: {train.count(chr(10))} records, dev.jsonl: {dev.count(chr(10))} records")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
