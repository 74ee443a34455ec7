"""A plain bag-of-words baseline, trained and measured on the same split as Narahubung's classifier.

CountVectorizer (1-2 grams) + MLPClassifier, as paperless-ngx classifies documents: one model for the
kind, one for the unit (the directory unit is just a label here, no gazetteer), one multi-label model
for the maladministration types. Confidence = the unit model's top probability. Prints one JSON object
with the same figures as `narahubung eval --json`, beside those of the classifier in force.

    .venv/bin/python benchmarks/classify_baseline.py
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from sklearn.feature_extraction.text import CountVectorizer
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import MultiLabelBinarizer

from classify import load_classifier
from classify.corpus import DEV_FILE, TRAIN_FILE, Record, message_of, read_records
from classify.decision import Decision
from classify.evaluation import evaluate, metrics
from core.directory import load_directory
from core.settings import DEFAULT_DIRECTORY, Settings

SEED = 0


def text_of(record: Record) -> str:
    return message_of(record).full_text


def train_baseline(train: list[Record]) -> tuple[CountVectorizer, MLPClassifier, MLPClassifier, MLPClassifier, MultiLabelBinarizer]:
    vectorizer = CountVectorizer(ngram_range=(1, 2), min_df=1, lowercase=True)
    features = vectorizer.fit_transform([text_of(r) for r in train])
    kind = MLPClassifier(hidden_layer_sizes=(100,), random_state=SEED, max_iter=200).fit(features, [r.kind for r in train])
    unit = MLPClassifier(hidden_layer_sizes=(100,), random_state=SEED, max_iter=200).fit(
        features, [r.unit or "-" for r in train]
    )
    binarizer = MultiLabelBinarizer()
    labels = binarizer.fit_transform([list(r.maladministration) for r in train])
    malad = MLPClassifier(hidden_layer_sizes=(100,), random_state=SEED, max_iter=200).fit(features, labels)
    return vectorizer, kind, unit, malad, binarizer


def baseline_decisions(model: tuple, records: list[Record]) -> tuple[list[Decision], float]:
    vectorizer, kind, unit, malad, binarizer = model
    start = time.perf_counter()
    features = vectorizer.transform([text_of(r) for r in records])
    kinds = kind.predict(features)
    unit_probabilities = unit.predict_proba(features)
    malad_probabilities = malad.predict_proba(features)
    decisions = []
    for i in range(len(records)):
        best = unit_probabilities[i].argmax()
        label = unit.classes_[best]
        ranked = sorted(zip(binarizer.classes_, malad_probabilities[i]), key=lambda pair: -pair[1])
        types = tuple(t for t, p in ranked if p >= 0.5) or (ranked[0][0],)
        decisions.append(
            Decision(
                kind=str(kinds[i]),
                agency_type=None if label == "-" else label.rsplit("-", 1)[0],
                region=None,
                unit=None if label == "-" else str(label),
                maladministration=types,
                confidence=float(unit_probabilities[i][best]),
                abstain=label == "-",
                model_version="baseline-bow-mlp",
            )
        )
    return decisions, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=TRAIN_FILE)
    parser.add_argument("--dev", type=Path, default=DEV_FILE)
    args = parser.parse_args()
    threshold = Settings().route_threshold  # ours: the classifier abstains by its own fitted threshold
    baseline_threshold = 0.5  # the baseline's confidence is its unit model's top probability
    train, dev = read_records(args.train), read_records(args.dev)

    start = time.perf_counter()
    model = train_baseline(train)
    train_s = time.perf_counter() - start
    decisions, seconds = baseline_decisions(model, dev)
    baseline = metrics(dev, decisions, baseline_threshold, seconds)

    _, ours = evaluate(load_classifier(load_directory(DEFAULT_DIRECTORY)), dev, threshold)
    print(json.dumps({"dev_records": len(dev), "threshold": threshold, "baseline_threshold": baseline_threshold, "baseline_train_s": round(train_s, 1),
                      "baseline_bow_mlp": baseline, "narahubung": ours}))


if __name__ == "__main__":
    main()
