"""Classifier speed on one core: documents per second of the classifier in force (and the rules).

Pins the process to one CPU, classifies every record of the bundled corpus (train + dev, 520
messages) once (first pass, cold caches), then `--rounds` more times. Prints one JSON object with
wall-clock docs/s and CPU-time docs/s of the timed rounds (CPU time moves less when other processes
share the machine) and the CPU-time docs/s of the first pass.

    .venv/bin/python benchmarks/classify_speed.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import time

from classify import load_classifier
from classify.corpus import DEV_FILE, TRAIN_FILE, message_of, read_records
from core.directory import load_directory
from core.settings import DEFAULT_DIRECTORY


def measure(name: str, rounds: int) -> dict[str, float | int | str]:
    classifier = load_classifier(load_directory(DEFAULT_DIRECTORY), name=name)  # type: ignore[arg-type]
    messages = [message_of(r) for r in read_records(TRAIN_FILE) + read_records(DEV_FILE)]
    # The first pass meets every word for the first time (as a new inbox does): the tokenizer's
    # per-chunk cache is cold. The timed rounds after it are warm.
    first = time.process_time()
    for m in messages:
        classifier.classify(m)
    first = time.process_time() - first
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        for m in messages:
            classifier.classify(m)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    n = len(messages) * rounds
    return {"classifier": classifier.version, "docs": n, "docs_per_s_wall": round(n / wall, 1),
            "docs_per_s_cpu": round(n / cpu, 1), "first_pass_docs_per_s_cpu": round(len(messages) / first, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    print(json.dumps({"one_core": True, "trained": measure("trained", args.rounds),
                      "rules": measure("rules", args.rounds)}))


if __name__ == "__main__":
    main()
