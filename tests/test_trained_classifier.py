"""Spec tests for the trained classifier (classify/trained): a small, fast model trained in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("spacy")

from classify.corpus import TRAIN_FILE
from classify.decision import MessageText
from classify.trained.classifier import TrainedClassifier
from classify.trained.train import train
from narahubung.directory import load_directory

ROOT = Path(__file__).resolve().parents[1]
LIMIT, EPOCHS, FOLDS = 100, 3, 2


@pytest.fixture(scope="module")
def directory():
    return load_directory(ROOT / "config" / "directory.yaml")


@pytest.fixture(scope="module")
def trained(tmp_path_factory, directory):
    out = tmp_path_factory.mktemp("model")
    report = train([TRAIN_FILE], out, seed=0, directory=directory, epochs=EPOCHS, limit=LIMIT, folds=FOLDS)
    return out, report


@pytest.fixture(scope="module")
def classifier(trained, directory):
    return TrainedClassifier(directory, trained[0])


def test_training_is_deterministic(trained, directory, tmp_path):
    out, report = trained
    again = train([TRAIN_FILE], tmp_path / "again", seed=0, directory=directory, epochs=EPOCHS, limit=LIMIT, folds=FOLDS)
    first = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    second = json.loads((tmp_path / "again" / "meta.json").read_text(encoding="utf-8"))
    for key in ("version", "calibration", "route_threshold_raw", "malad_threshold", "figures"):
        assert first[key] == second[key], key
    assert again.version == report.version


def test_meta_records_version_data_and_seed(trained, classifier):
    out, report = trained
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["version"].startswith("trained-")
    assert meta["seed"] == 0 and meta["data"] == ["classify/corpus_data/train.jsonl"]
    assert classifier.version == meta["version"] == report.version
    assert "x" in meta["calibration"] and "route_threshold_raw" in meta
    assert meta["cv_figures"]["folds"] == FOLDS and "kind_macro_f1" in meta["cv_figures"]
    assert set(meta["combiner"]) == {"rule_kind_min", "model_kind_min", "malad_weight"}


def test_decisions_carry_the_model_version(classifier):
    d = classifier.classify(MessageText(subject="Halo", body="Terima kasih atas bantuannya."))
    assert d.model_version == classifier.version


def test_out_of_office_is_auto_reply(classifier):
    msg = MessageText(
        subject="Automatic reply: Pengaduan",
        body="Saya sedang cuti (out of office) sampai tanggal 10. Email akan dibalas setelahnya.",
        is_auto_reply=True,
    )
    assert classifier.classify(msg).kind == "auto_reply"


def test_clear_pln_complaint_goes_to_pln_belitung(classifier):
    msg = MessageText(
        subject="Token listrik tidak masuk",
        body="Token listrik tidak masuk sudah tiga hari, kantor PLN Manggar tidak menanggapi laporan saya.",
    )
    d = classifier.classify(msg)
    assert d.kind == "complaint"
    assert d.agency_type == "pln" and d.unit == "pln-belitung"
    assert any(e.field == "agency_type" for e in d.evidence)


def test_ambiguous_text_abstains_with_reasons(classifier):
    msg = MessageText(subject="", body="Tolong dibantu, urusan saya belum selesai juga.")
    d = classifier.classify(msg)
    assert d.abstain and d.reasons
    assert d.unit is None or d.abstain


def test_other_province_complaint_takes_the_rules_kind(classifier):
    msg = MessageText(subject="KTP belum jadi", body="KTP saya di Disdukcapil Kota Palembang belum jadi")
    d = classifier.classify(msg)
    assert d.kind == "other_province"
    assert d.other_province is not None
    assert d.unit is None
