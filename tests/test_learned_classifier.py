"""Spec tests for the trained classifier (classify/learned): a small model trained in tmp_path, and the
pure parts (calibration, threshold, unit scores)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from classify.corpus import TRAIN_FILE
from classify.decision import MessageText
from classify.learned.candidates import AGENCY_FEATURES, NONE, agency_rows
from classify.learned.classifier import LearnedClassifier, isotonic_apply, unit_scores
from classify.learned.train import pav, route_threshold, train
from core.directory import load_directory

ROOT = Path(__file__).resolve().parents[1]
LIMIT, FOLDS = 300, 2


@pytest.fixture(scope="module")
def trained(tmp_path_factory, directory):
    out = tmp_path_factory.mktemp("model")
    report = train([TRAIN_FILE], out, seed=0, directory=directory, limit=LIMIT, folds=FOLDS)
    return out, report


@pytest.fixture(scope="module")
def classifier(trained, directory):
    return LearnedClassifier(directory, trained[0])


def _train_elsewhere(out: Path, hash_seed: str) -> str:
    """Train the test's small model in a new process with the given string-hash seed; its version."""
    script = (
        "import sys; from pathlib import Path; from classify.corpus import TRAIN_FILE; "
        "from classify.learned.train import train; "
        f"r = train([TRAIN_FILE], Path(sys.argv[1]), seed=0, limit={LIMIT}, folds={FOLDS}); print(r.version)"
    )
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run([sys.executable, "-c", script, str(out)], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=True)
    return done.stdout.strip()


def test_training_is_deterministic_across_processes(trained, tmp_path):
    """The same data and seed give the same model byte for byte, also in processes whose string hashes
    (and so the iteration order of sets) differ."""
    out, report = trained
    assert _train_elsewhere(tmp_path / "one", "1") == _train_elsewhere(tmp_path / "two", "2") == report.version
    first = json.loads((tmp_path / "one" / "meta.json").read_text(encoding="utf-8"))
    second = json.loads((tmp_path / "two" / "meta.json").read_text(encoding="utf-8"))
    for key in ("version", "calibration", "route_threshold_raw", "malad_thresholds", "cv_figures"):
        assert first[key] == second[key], key
    weights = {(folder / "weights.npz").read_bytes() for folder in (out, tmp_path / "one", tmp_path / "two")}
    assert len(weights) == 1


def test_meta_records_version_data_and_seed(trained, classifier):
    out, report = trained
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["version"].startswith("learned-")
    assert meta["seed"] == 0 and meta["data"] == ["classify/corpus_data/train.jsonl"]
    assert classifier.version == meta["version"] == report.version
    assert "x" in meta["calibration"] and "route_threshold_raw" in meta
    assert meta["folds"] == FOLDS and "kind_macro_f1" in meta["cv_figures"]
    assert set(meta["malad_thresholds"]) == set(load_directory(ROOT / "config" / "directory.yaml").maladministration_ids)


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


def test_other_province_complaint_is_other_province(classifier):
    msg = MessageText(subject="KTP belum jadi", body="KTP saya di Disdukcapil Kota Palembang belum jadi")
    d = classifier.classify(msg)
    assert d.kind == "other_province"
    assert d.other_province is not None
    assert d.unit is None


# --- pure parts ---------------------------------------------------------------------------------
def test_isotonic_map_is_monotone_and_interpolates():
    xs, ys = pav([0.0, 0.2, 0.4, 0.6, 0.8], [0.0, 1.0, 0.0, 1.0, 1.0])
    assert ys == sorted(ys)
    assert isotonic_apply(xs, ys, 0.0) == ys[0] and isotonic_apply(xs, ys, 1.0) == ys[-1]
    assert ys[0] <= isotonic_apply(xs, ys, 0.5) <= ys[-1]


def test_route_threshold_is_the_lowest_score_keeping_the_precision():
    # 300 right above 0.5, five wrong at 0.4, ten right at 0.3: including 0.4 would drop precision to 0.984
    cands = [(0.5 + i / 1000, True) for i in range(300)] + [(0.4, False)] * 5 + [(0.3, True)] * 10
    assert route_threshold(cands, 0.995) == 0.5
    # one wrong among 300 keeps 0.9967: it may be included
    assert route_threshold([(0.5 + i / 1000, True) for i in range(299)] + [(0.45, False)], 0.995) == 0.45
    # ten right ones alone rest on too little: nothing is routed
    assert route_threshold([(0.9, True)] * 10, 0.995) > 1.0


def test_a_unit_serving_the_province_needs_no_region(directory):
    scores = unit_scores(directory, {"samsat": 1.0}, {NONE: 1.0}, tuple(r.code for r in directory.regions))
    assert scores == {"samsat-19": 1.0}


def test_a_regional_unit_without_a_region_gets_no_score(directory):
    scores = unit_scores(directory, {"bpn": 1.0}, {NONE: 1.0}, tuple(r.code for r in directory.regions))
    assert scores == {}


def test_pln_units_split_by_island(directory):
    regions = tuple(r.code for r in directory.regions)
    scores = unit_scores(directory, {"pln": 1.0}, {"1906": 0.7, "1903": 0.3}, regions)
    assert scores == pytest.approx({"pln-belitung": 0.7, "pln-bangka": 0.3})


def test_the_province_own_body_goes_to_its_unit(directory):
    regions = tuple(r.code for r in directory.regions)
    scores = unit_scores(directory, {"inspektorat": 1.0}, {"1971": 1.0}, regions, frozenset({"inspektorat"}))
    assert scores == {"inspektorat-19": 1.0}


def test_the_type_ranker_sees_how_far_the_text_model_puts_each_type_ahead_of_the_runner_up(classifier):
    facts = classifier.reader.read(MessageText(subject="", body="Petugas Samsat menolak berkas saya di loket PLN."))
    types = ("samsat", "pln", "pdam")
    rows = agency_rows(facts, types, {"samsat": 0.7, "pln": 0.2, "pdam": 0.1}, dict.fromkeys(types, 0.3))
    margin = rows[:, AGENCY_FEATURES.index("text_p_margin")]
    assert margin.tolist() == pytest.approx([0.5, -0.5, -0.6])
    tied = agency_rows(facts, types, {"samsat": 0.45, "pln": 0.45, "pdam": 0.1}, dict.fromkeys(types, 0.3))
    assert tied[:, AGENCY_FEATURES.index("text_p_margin")].tolist() == pytest.approx([0.0, 0.0, -0.35])


def _record(record_id: str, kind: str = "complaint", agency_type: str | None = "pln"):
    from classify.corpus import Record

    return Record(id=record_id, kind=kind, channel="email", subject="", text="x", unit=None, agency_type=agency_type,
                  region=None, other_province=None, maladministration=(), case_ref=None)


def test_training_folds_hold_whole_writers_so_every_out_of_fold_prediction_is_of_a_writer_never_read():
    from classify.learned.train import writer_folds

    sizes = {"ta": 19, "tb": 20, "tc1": 15, "tc2": 15, "tc3": 15, "tc4": 14, "tc5": 15}
    records = [_record(f"{w}-{i:04d}", kind="complaint" if i % 4 else "inquiry") for w, n in sizes.items()
               for i in range(n)]
    folds = writer_folds(records, 5)
    fold_of_writer: dict[str, set[int]] = {}
    for r, f in zip(records, folds):
        fold_of_writer.setdefault(r.id.split("-")[0], set()).add(f)
    assert all(len(fs) == 1 for fs in fold_of_writer.values())
    assert set(folds) == set(range(5))
    loads = [folds.count(f) for f in range(5)]
    assert max(loads) <= 30 and min(loads) >= 15  # largest writers first, each to the lightest fold


def test_records_of_no_known_writer_are_spread_over_the_folds_and_few_writers_mean_random_folds():
    from classify.learned.train import random_folds, writer_folds, writer_of

    assert writer_of("tc3-0141") == "tc3" and writer_of("ta-0001") == "ta"
    assert writer_of("db:PGD/2026/0007") is None
    staff = [_record(f"db:PGD/2026/{i:04d}") for i in range(20)]
    writers = [_record(f"w{j}-{i:04d}") for j in range(5) for i in range(10)]
    folds = writer_folds(writers + staff, 5)
    assert len({folds[i] for i in range(len(writers), len(writers) + len(staff))}) == 5
    two_writers = [_record(f"ta-{i:04d}") for i in range(10)] + [_record(f"tb-{i:04d}") for i in range(10)]
    assert writer_folds(two_writers, 5) == random_folds(two_writers, 5)


def test_a_mention_is_read_by_the_words_around_it_with_every_agency_name_masked(classifier):
    from classify.learned.mentions import MASK, mention_docs

    facts = classifier.reader.read(MessageText(
        subject="", body="Saya sudah lapor ke Polsek Koba. Petugas Samsat Koba menolak berkas saya."))
    docs = dict(mention_docs(facts))
    assert set(docs) == {"polres", "samsat"}
    assert {"l1_ke", "l2_lapor", "lb_lapor_ke"} <= set(docs["polres"].split())
    assert {"l1_petugas", "r_menolak", "l_edge"} <= set(docs["samsat"].split())
    assert all("polsek" not in d and "samsat" not in d.replace("src_", "") for d in docs.values())
    assert MASK not in docs["samsat"]  # the other mention is in the sentence before: not in this window


def test_the_mention_context_model_learns_who_did_what_from_labelled_records(classifier):
    """Trained on records where the office that refused is the labelled one and the office that only
    confirmed or was reported to is not, it scores an unseen pair of offices the same way round."""
    from classify.learned.mentions import context_scores, fit_context, mention_docs

    def docs(body: str):
        return mention_docs(classifier.reader.read(MessageText(subject="", body=body)))

    pairs = [("Disdukcapil", "disdukcapil", "KUA", "kemenag"), ("Samsat", "samsat", "Polres", "polres"),
             ("BPN", "bpn", "Kecamatan", "inspektorat"), ("PDAM", "pdam", "PLN", "pln")]
    train_docs, gold = [], []
    for name, t, other, _o in pairs * 3:
        train_docs.append(docs(f"Petugas {name} menolak berkas saya dan meminta uang. Saya sudah lapor ke {other}, "
                               f"di {other} petugas menjelaskan surat saya sudah sah."))
        gold.append(t)
    model = fit_context(train_docs, gold, seed=0)
    scores = context_scores(model, docs("Saya sudah lapor ke Dinas Sosial, di Dinas Sosial petugas menjelaskan "
                                        "surat saya sudah sah. Petugas RSUD menolak berkas saya dan meminta uang."))
    assert scores["rsud"] > scores["dinsos"]


def test_mention_tokens_hash_to_the_columns_scikit_learn_gives():
    import numpy as np
    from sklearn.feature_extraction.text import HashingVectorizer

    from classify.learned.mentions import N_FEATURES, _matrix

    docs = ["l_saya l_ke r_menolak l_saya src_alias", "in_subject r_ditolak", "l_énak r_über", ""]
    library = HashingVectorizer(analyzer="word", token_pattern=r"\S+", lowercase=False, n_features=N_FEATURES,
                                alternate_sign=False, norm="l2", dtype=np.float32)
    assert np.allclose(_matrix(docs).toarray(), library.transform(docs).toarray(), atol=1e-6)


def test_a_rival_office_waits_for_staff_when_the_writer_says_both_or_its_words_say_it_did_wrong(classifier):
    from classify.learned.classifier import RIVAL_TARGET_LOGIT, Analysis, rival_target

    def analysis(context: dict[str, float]) -> Analysis:
        return Analysis({}, {}, {}, {}, {}, None, 0.0, 0.0, context)

    read = classifier.reader.read
    both = read(MessageText(subject="", body="Samsat Manggar dan Polres Beltim, keduanya saya adukan."))
    assert both.several_targets and both.outright_types == {"samsat", "polres"}
    assert rival_target(both, analysis({}), "samsat")
    plain = read(MessageText(subject="", body="Petugas Samsat Manggar menolak berkas. Polres Beltim sudah memberi surat."))
    assert not plain.several_targets
    assert not rival_target(plain, analysis({"samsat": 2.0, "polres": RIVAL_TARGET_LOGIT - 0.1}), "samsat")
    assert rival_target(plain, analysis({"samsat": 2.0, "polres": RIVAL_TARGET_LOGIT}), "samsat")
    referred = read(MessageText(subject="", body="Petugas Samsat Manggar menolak berkas. Saya sudah lapor ke Polres."))
    assert referred.outright_types == {"samsat"}  # only reported to: never a rival
    assert not rival_target(referred, analysis({"samsat": 2.0, "polres": 5.0}), "samsat")
