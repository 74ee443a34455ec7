"""Place finder speed on one core, over the texts of classify/corpus_data/train.jsonl (train only).

Builds one `PlaceFinder`, runs it once over every text (first pass: cold caches, as a new inbox),
then `--rounds` more times, and prints one JSON object: {"texts": n, "ms_per_text": ...} for the
timed rounds (CPU time), with the first pass, the time per 2,000 characters and the build time.

    .venv/bin/python benchmarks/places_speed.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from classify.places import PlaceFinder
from core.directory import load_directory

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ROOT / "classify" / "corpus_data" / "train.jsonl"
DIRECTORY = ROOT / "config" / "directory.yaml"


def read_texts(path: Path) -> list[str]:
    texts = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                texts.append(json.loads(line).get("text") or "")
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    texts = read_texts(TRAIN)
    chars = sum(len(t) for t in texts)
    t0 = time.process_time()
    finder = PlaceFinder(load_directory(DIRECTORY))
    build = time.process_time() - t0
    t0 = time.process_time()
    mentions = sum(len(finder.find(t)) for t in texts)
    first = time.process_time() - t0
    t0 = time.process_time()
    for _ in range(args.rounds):
        for t in texts:
            finder.find(t)
    cpu = (time.process_time() - t0) / args.rounds
    print(json.dumps({
        "texts": len(texts),
        "ms_per_text": round(1000 * cpu / len(texts), 4),
        "ms_per_2000_chars": round(1000 * cpu / chars * 2000, 4),
        "first_pass_ms_per_text": round(1000 * first / len(texts), 4),
        "mean_chars": round(chars / len(texts), 1),
        "mentions": mentions,
        "build_s": round(build, 3),
        "rounds": args.rounds,
        "one_core": True,
    }))


if __name__ == "__main__":
    main()
