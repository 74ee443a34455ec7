"""Specification of the corpus reader, the train/dev split and the evaluation figures.

The metric test feeds hand-made Decision objects (no classifier, no mock) to `metrics` and checks
every figure against a value worked out by hand in the comments.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from classify.corpus import (
    CORPUS_DIR,
    DEV_FILE,
    TRAIN_FILE,
    CorpusInvalid,
    Record,
    message_of,
    read_records,
)
from classify.decision import KINDS, Decision
from narahubung.errors import ExitCode
from narahubung.evaluation import (
    MALADMINISTRATION_TYPES,
    METRIC_KEYS,
    auto_routes,
    evaluate,
    metrics,
    prediction_row,
)

THRESHOLD = 0.5


def rec(id_: str, kind: str, unit: str | None = None, agency_type: str | None = None,
        region: str | None = None, malad: tuple[str, ...] = (), channel: str = "email") -> Record:
    return Record(id=id_, kind=kind, channel=channel, subject="s", text="t", unit=unit,
                  agency_type=agency_type, region=region, other_province=None,
                  maladministration=malad, case_ref=None)


def dec(kind: str | None, unit: str | None = None, agency_type: str | None = None,
        region: str | None = None, malad: tuple[str, ...] = (), confidence: float = 0.9,
        abstain: bool = False, other_province: str | None = None) -> Decision:
    return Decision(kind=kind, agency_type=agency_type, region=region, unit=unit,
                    maladministration=malad, confidence=confidence, abstain=abstain,
                    model_version="hand", other_province=other_province)


PB, PP, TMP, PI = "penundaan_berlarut", "penyimpangan_prosedur", "tidak_memberikan_pelayanan", "permintaan_imbalan"
TK, TP, BP = "tidak_kompeten", "tidak_patut", "berpihak"

# Gold                                                                   | Decision
RECORDS = [
    rec("r1", "complaint", "pln-bangka", "pln", "1904", (PB,)),             # right everything, conf == threshold
    rec("r2", "complaint", "disdukcapil-1904", "disdukcapil", "1904", (PI, PP)),  # routed to the wrong unit
    rec("r3", "complaint", None, "bpn", None, (TP,)),                       # abstains (agency right but nulled)
    rec("r4", "inquiry"),                                                   # right
    rec("r5", "spam"),                                                      # kind None
    rec("r6", "out_of_mandate"),                                            # taken for a complaint, routed
    rec("r7", "complaint", "samsat-19", "samsat", "1901", (TMP,)),          # unit right, conf below threshold
]
DECISIONS = [
    dec("complaint", "pln-bangka", "pln", "1904", (PB,), confidence=0.5),
    dec("complaint", "disdukcapil-1971", "disdukcapil", "1904", (PI,), confidence=0.8),
    dec("complaint", None, "bpn", None, (TK,), confidence=0.3, abstain=True),
    dec("inquiry", confidence=0.9),
    dec(None, confidence=0.2, abstain=True),
    dec("complaint", "dinsos-1901", "dinsos", "1901", (BP,), confidence=0.7),
    dec("complaint", "samsat-19", "samsat", None, (TMP, PP), confidence=0.4),
]


def test_metrics_on_a_small_labelled_file_equal_the_hand_computed_values() -> None:
    got = metrics(RECORDS, DECISIONS, THRESHOLD, seconds=2.0)
    expected = {
        # 7 records
        "n": 7,
        # kinds right: r1 r2 r3 r4 r7 -> 5/7 = 0.714285...
        "kind_accuracy": 0.7143,
        # labels gold ∪ pred = complaint, inquiry, spam, out_of_mandate (None is no label)
        #   complaint: tp 4 (r1 r2 r3 r7), fp 1 (r6), fn 0 -> 8/9 = 0.8889
        #   inquiry: tp 1 -> 1;  spam: fn 1 (r5 None) -> 0;  out_of_mandate: fn 1 -> 0
        #   mean = (0.888889 + 1) / 4 = 0.472222
        "kind_macro_f1": 0.4722,
        # gold complaints with a unit: r1 r2 r7; right r1 r7 (r2 wrong unit) -> 2/3
        "unit_accuracy": 0.6667,
        # gold complaints with an agency type: r1 r2 r3 r7; r3 abstained -> null -> wrong -> 3/4
        "agency_type_accuracy": 0.75,
        # gold complaints with a region: r1 r2 r7; r7 predicted None -> 2/3
        "region_accuracy": 0.6667,
        # gold complaints: r1 PB=PB, r2 PI=PI, r3 TK!=TP, r7 TMP=TMP -> 3/4
        "malad_primary_accuracy": 0.75,
        # on gold complaints r1 r2 r3 r7 only (r6's berpihak does not count):
        #   PB tp1 -> 1; PI tp1 -> 1; TMP tp1 -> 1; PP fp1 (r7) fn1 (r2) -> 0;
        #   TK fp1 -> 0; TP fn1 -> 0; the other four types have no gold and no predicted -> skipped
        #   mean over 6 types = 3/6
        "malad_macro_f1": 0.5,
        # auto-routed: r1 (0.5 >= 0.5), r2 (0.8), r6 (0.7); not r3 (abstain), r7 (0.4), r4/r5 (kind)
        #   right: r1 only (r2 wrong unit, r6 gold kind is not complaint) -> 1/3
        "auto_route_precision": 0.3333,
        # gold complaints with a unit r1 r2 r7; auto-routed r1 r2 -> 2/3
        "auto_route_coverage": 0.6667,
        # 7 records / 2.0 s
        "docs_per_s": 3.5,
    }
    assert got == expected
    assert tuple(got) == METRIC_KEYS


def test_prediction_row_nulls_destination_fields_when_abstaining() -> None:
    record = rec("x1", "complaint", "pln-bangka", "pln", "1904", (PB,))
    abstained = dec("complaint", "pln-bangka", "pln", "1904", (PB, PI), confidence=0.99,
                    abstain=True, other_province="Jawa Barat")
    row = prediction_row(record, abstained, THRESHOLD)
    assert row == {
        "id": "x1", "kind": "complaint", "unit": None, "agency_type": None, "region": None,
        "other_province": None, "maladministration": [PB, PI], "confidence": 0.99, "auto_route": False,
    }
    assert json.loads(json.dumps(row)) == row  # one JSON line as it stands


def test_prediction_row_keeps_the_decision_when_not_abstaining() -> None:
    row = prediction_row(RECORDS[1], DECISIONS[1], THRESHOLD)
    assert row == {
        "id": "r2", "kind": "complaint", "unit": "disdukcapil-1971", "agency_type": "disdukcapil",
        "region": "1904", "other_province": None, "maladministration": [PI], "confidence": 0.8,
        "auto_route": True,
    }


@pytest.mark.parametrize(
    ("decision", "routed"),
    [
        (dec("complaint", "pln-bangka", confidence=0.5), True),  # the threshold itself routes
        (dec("complaint", "pln-bangka", confidence=0.4999), False),
        (dec("complaint", None, "bpn", confidence=0.9), False),  # no unit
        (dec("complaint", "pln-bangka", confidence=0.9, abstain=True), False),
        (dec("follow_up", "pln-bangka", confidence=0.9), False),  # only complaints are routed
    ],
)
def test_auto_route_rule(decision: Decision, routed: bool) -> None:
    assert auto_routes(decision, THRESHOLD) is routed


def test_empty_denominators_give_null_not_zero() -> None:
    got = metrics([rec("s1", "spam")], [dec("spam")], THRESHOLD, seconds=0.0)
    assert got["kind_accuracy"] == 1.0 and got["kind_macro_f1"] == 1.0
    for key in ("unit_accuracy", "agency_type_accuracy", "region_accuracy", "malad_primary_accuracy",
                "malad_macro_f1", "auto_route_precision", "auto_route_coverage", "docs_per_s"):
        assert got[key] is None, key


def test_metrics_refuses_misaligned_inputs() -> None:
    with pytest.raises(ValueError):
        metrics(RECORDS, DECISIONS[:-1], THRESHOLD, seconds=1.0)


def test_malad_types_are_the_directorys(directory) -> None:
    assert MALADMINISTRATION_TYPES == directory.maladministration_ids


# --- reading the corpus --------------------------------------------------------------------------
GOOD = json.dumps(rec("g1", "inquiry").model_dump(mode="json"))


def test_read_records_names_file_and_line_of_a_line_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(GOOD + "\n\n{not json\n", encoding="utf-8")
    with pytest.raises(CorpusInvalid) as err:
        read_records(path)
    assert err.value.line == 3 and err.value.path == path
    assert f"{path}:3" in err.value.message
    assert err.value.exit_code == ExitCode.BAD_INPUT


def test_read_records_names_the_field_of_an_invalid_record(tmp_path: Path) -> None:
    bad = json.loads(GOOD) | {"id": "g2", "kind": "complain"}
    path = tmp_path / "c.jsonl"
    path.write_text(GOOD + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(CorpusInvalid, match=r"c\.jsonl:2: .*'kind'"):
        read_records(path)


@pytest.mark.parametrize(
    "change", [{"agency-type": "pln"}, {"id": "g1"}], ids=["unknown field", "repeated id"]
)
def test_read_records_refuses_unknown_fields_and_repeated_ids(tmp_path: Path, change: dict) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(GOOD + "\n" + json.dumps(json.loads(GOOD) | {"id": "g2"} | change) + "\n", encoding="utf-8")
    with pytest.raises(CorpusInvalid) as err:
        read_records(path)
    assert err.value.line == 2


def test_read_records_on_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CorpusInvalid, match="tidak ditemukan"):
        read_records(tmp_path / "none.jsonl")


def test_message_of_uses_subject_and_text_for_every_channel() -> None:
    letter = rec("l1", "complaint", channel="letter").model_copy(update={"subject": "", "text": "Dengan hormat"})
    msg = message_of(letter)
    assert (msg.subject, msg.body, msg.attachments_text) == ("", "Dengan hormat", "")
    mail = message_of(rec("m1", "complaint"))
    assert (mail.subject, mail.body) == ("s", "t")


# --- the bundled split ---------------------------------------------------------------------------
def test_split_is_disjoint_covers_every_record_and_keeps_every_kind_in_both() -> None:
    sources = [r for name in ("train-a", "train-b", "train-c") for r in read_records(CORPUS_DIR / f"{name}.jsonl")]
    train, dev = read_records(TRAIN_FILE), read_records(DEV_FILE)
    train_ids, dev_ids = {r.id for r in train}, {r.id for r in dev}
    assert not train_ids & dev_ids
    assert train_ids | dev_ids == {r.id for r in sources}
    assert len(train) + len(dev) == len(sources)
    assert {r.kind for r in train} == {r.kind for r in dev} == set(KINDS)
    complaint_types = {r.agency_type for r in sources if r.kind == "complaint"}
    assert {r.agency_type for r in dev if r.kind == "complaint"} == complaint_types
    assert {r.agency_type for r in train if r.kind == "complaint"} == complaint_types
    assert 0.22 <= len(dev) / len(sources) <= 0.28


def test_split_regenerates_byte_identically() -> None:
    script = CORPUS_DIR / "make_split.py"
    done = subprocess.run([sys.executable, str(script), "--check"], check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# --- the whole run -------------------------------------------------------------------------------
def test_evaluate_runs_the_classifier_over_records(classifier) -> None:
    records = read_records(DEV_FILE)[:8]
    rows, figures = evaluate(classifier, records, THRESHOLD)
    assert [row["id"] for row in rows] == [r.id for r in records]
    assert tuple(figures) == METRIC_KEYS and figures["n"] == 8
    assert figures["docs_per_s"] > 0
