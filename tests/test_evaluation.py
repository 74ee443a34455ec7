"""Specification of the corpus reader, the train/dev split and the evaluation figures.

The metric test feeds hand-made Decision objects (no classifier, no mock) to `metrics` and checks
every figure against a value worked out by hand in the comments.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

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
from classify.evaluation import (
    GROUP_METRIC_KEYS,
    MALADMINISTRATION_TYPES,
    METRIC_KEYS,
    auto_routes,
    evaluate,
    metrics,
    prediction_row,
    read_corpora,
    source_of,
)
from core.errors import ExitCode

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
    assert {key: got[key] for key in METRIC_KEYS} == expected
    assert tuple(got) == (*METRIC_KEYS, "by_channel", "by_source", "kind_confusion")


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
    assert directory.maladministration_ids == MALADMINISTRATION_TYPES


# --- the breakdowns: per channel, per source, per file, and the kinds' confusion table -----------
# Two channels (email, letter) crossed with two sources (ta, tb).
#   Gold                                                                   | Decision
BREAKDOWN_RECORDS = [
    rec("ta-0001", "complaint", "pln-bangka", "pln", "1904", (PB,)),              # all right, routed
    rec("ta-0002", "complaint", "disdukcapil-1904", "disdukcapil", "1904", (PP,), channel="letter"),  # wrong unit
    rec("ta-0003", "inquiry"),                                                     # kind None
    rec("tb-0001", "spam"),                                                        # right
    rec("tb-0002", "complaint", "bpn-1901", "bpn", "1901", (TP,), channel="letter"),  # abstains
    rec("tb-0003", "thanks", channel="letter"),                                    # taken for a complaint, routed
]
BREAKDOWN_DECISIONS = [
    dec("complaint", "pln-bangka", "pln", "1904", (PB,), confidence=0.9),
    dec("complaint", "disdukcapil-1971", "disdukcapil", "1904", (PP,), confidence=0.9),
    dec(None, confidence=0.2, abstain=True),
    dec("spam"),
    dec("complaint", "bpn-1901", "bpn", "1901", (TK,), confidence=0.3, abstain=True),
    dec("complaint", "dinsos-1901", "dinsos", "1901", (BP,), confidence=0.8),
]

EMAIL = {  # ta-0001 ta-0003 tb-0001
    "n": 3,
    "kind_accuracy": 0.6667,  # ta-0003 (None) wrong -> 2/3
    # complaint tp1 -> 1, inquiry fn1 -> 0, spam tp1 -> 1: 2/3
    "kind_macro_f1": 0.6667,
    # the one gold complaint ta-0001 is right everywhere
    "unit_accuracy": 1.0, "agency_type_accuracy": 1.0, "region_accuracy": 1.0,
    "malad_primary_accuracy": 1.0, "malad_macro_f1": 1.0,  # PB tp1 -> 1
    "auto_route_precision": 1.0, "auto_route_coverage": 1.0,  # routed ta-0001 only, right
}
LETTER = {  # ta-0002 tb-0002 tb-0003
    "n": 3,
    "kind_accuracy": 0.6667,  # tb-0003 thanks -> complaint wrong -> 2/3
    # complaint tp2 fp1 -> 4/5; thanks fn1 -> 0: 0.4
    "kind_macro_f1": 0.4,
    "unit_accuracy": 0.0,  # ta-0002 wrong unit, tb-0002 abstained (null) -> 0/2
    "agency_type_accuracy": 0.5,  # ta-0002 right, tb-0002 null -> 1/2
    "region_accuracy": 0.5,  # likewise
    "malad_primary_accuracy": 0.5,  # ta-0002 PP = PP, tb-0002 TK != TP
    # gold complaints only (tb-0003's berpihak is not counted): PP 1, TP fn 0, TK fp 0 -> 1/3
    "malad_macro_f1": 0.3333,
    "auto_route_precision": 0.0,  # routed ta-0002 (wrong unit), tb-0003 (gold thanks) -> 0/2
    "auto_route_coverage": 0.5,  # complaints with a unit ta-0002 tb-0002; routed ta-0002 -> 1/2
}
SOURCE_TA = {  # ta-0001 ta-0002 ta-0003
    "n": 3,
    "kind_accuracy": 0.6667,  # ta-0003 wrong
    "kind_macro_f1": 0.5,  # complaint tp2 -> 1, inquiry fn1 -> 0
    "unit_accuracy": 0.5,  # ta-0001 right, ta-0002 wrong
    "agency_type_accuracy": 1.0, "region_accuracy": 1.0, "malad_primary_accuracy": 1.0,
    "malad_macro_f1": 1.0,  # PB 1, PP 1
    "auto_route_precision": 0.5,  # routed ta-0001 (right), ta-0002 (wrong unit)
    "auto_route_coverage": 1.0,  # both gold complaints routed
}
SOURCE_TB = {  # tb-0001 tb-0002 tb-0003
    "n": 3,
    "kind_accuracy": 0.6667,  # tb-0003 wrong
    # spam tp1 -> 1; complaint tp1 fp1 -> 2/3; thanks fn1 -> 0: (1 + 2/3) / 3 = 5/9
    "kind_macro_f1": 0.5556,
    # the one gold complaint tb-0002 abstained: every destination null, TK != TP
    "unit_accuracy": 0.0, "agency_type_accuracy": 0.0, "region_accuracy": 0.0,
    "malad_primary_accuracy": 0.0,
    "malad_macro_f1": 0.0,  # TP fn -> 0, TK fp -> 0
    "auto_route_precision": 0.0,  # routed tb-0003 only, gold thanks
    "auto_route_coverage": 0.0,  # tb-0002 not routed
}


def test_figures_per_channel_and_per_source_equal_the_hand_computed_values() -> None:
    got = metrics(BREAKDOWN_RECORDS, BREAKDOWN_DECISIONS, THRESHOLD, seconds=1.0)
    assert got["by_channel"] == {"email": EMAIL, "letter": LETTER}
    assert list(got["by_channel"]) == ["email", "letter"]
    assert got["by_source"] == {"ta": SOURCE_TA, "tb": SOURCE_TB}
    assert all(tuple(g) == GROUP_METRIC_KEYS for g in [*got["by_channel"].values(), *got["by_source"].values()])
    assert "by_file" not in got


def test_channels_come_in_the_fixed_order_whatever_the_record_order() -> None:
    records = [rec("ta-1", "spam", channel="social_media_copy"), rec("ta-2", "spam", channel="whatsapp_forward"),
               rec("ta-3", "spam", channel="letter"), rec("ta-4", "spam")]
    got = metrics(records, [dec("spam")] * 4, THRESHOLD, seconds=1.0)
    assert list(got["by_channel"]) == ["email", "letter", "whatsapp_forward", "social_media_copy"]


@pytest.mark.parametrize(
    ("record_id", "source"), [("ta-0001", "ta"), ("tc3-0107", "tc3"), ("x-y-z", "x"), ("r1", "r1")]
)
def test_source_is_the_id_prefix_before_the_first_dash(record_id: str, source: str) -> None:
    assert source_of(record_id) == source


def test_kind_confusion_counts_gold_rows_against_predicted_columns() -> None:
    got = metrics(BREAKDOWN_RECORDS, BREAKDOWN_DECISIONS, THRESHOLD, seconds=1.0)["kind_confusion"]
    assert got["labels"] == [*KINDS, "none"]  # "none": ta-0003 has no predicted kind
    assert got["labels"][:8] == ["complaint", "follow_up", "inquiry", "out_of_mandate", "other_province",
                                 "auto_reply", "spam", "thanks"]
    #            compl fol inq oom oprov auto spam thx none
    expected = [[3, 0, 0, 0, 0, 0, 0, 0, 0],   # complaint: ta-0001 ta-0002 tb-0002 (abstaining keeps its kind)
                [0, 0, 0, 0, 0, 0, 0, 0, 0],   # follow_up
                [0, 0, 0, 0, 0, 0, 0, 0, 1],   # inquiry: ta-0003 -> None
                [0, 0, 0, 0, 0, 0, 0, 0, 0],   # out_of_mandate
                [0, 0, 0, 0, 0, 0, 0, 0, 0],   # other_province
                [0, 0, 0, 0, 0, 0, 0, 0, 0],   # auto_reply
                [0, 0, 0, 0, 0, 0, 1, 0, 0],   # spam: tb-0001
                [1, 0, 0, 0, 0, 0, 0, 0, 0],   # thanks: tb-0003 -> complaint
                [0, 0, 0, 0, 0, 0, 0, 0, 0]]   # none: gold is never None
    assert got["matrix"] == expected


def test_kind_confusion_has_no_none_label_when_every_kind_is_predicted() -> None:
    got = metrics([rec("s1", "spam")], [dec("spam")], THRESHOLD, seconds=0.0)["kind_confusion"]
    assert got["labels"] == list(KINDS)
    assert got["matrix"][KINDS.index("spam")][KINDS.index("spam")] == 1
    assert sum(map(sum, got["matrix"])) == 1 and len(got["matrix"]) == len(KINDS)


def test_by_file_reuses_the_group_figures_and_counts_a_shared_record_in_both_files() -> None:
    files = {"a.jsonl": ["ta-0001", "ta-0002", "ta-0003"], "b.jsonl": ["tb-0001", "tb-0002", "tb-0003"],
             "all.jsonl": [r.id for r in BREAKDOWN_RECORDS]}
    got = metrics(BREAKDOWN_RECORDS, BREAKDOWN_DECISIONS, THRESHOLD, seconds=2.0, files=files)
    assert tuple(got) == (*METRIC_KEYS, "by_channel", "by_source", "by_file", "kind_confusion")
    assert list(got["by_file"]) == ["a.jsonl", "b.jsonl", "all.jsonl"]
    assert got["by_file"]["a.jsonl"] == SOURCE_TA and got["by_file"]["b.jsonl"] == SOURCE_TB
    assert got["by_file"]["all.jsonl"] == {key: got[key] for key in GROUP_METRIC_KEYS}
    assert got["n"] == 6 and got["docs_per_s"] == 3.0


def _write(path: Path, *records: Record) -> Path:
    path.write_text("".join(json.dumps(r.model_dump(mode="json")) + "\n" for r in records), encoding="utf-8")
    return path


def test_read_corpora_evaluates_the_union_and_names_each_files_records(tmp_path: Path) -> None:
    g1, g2, g3 = rec("ta-1", "inquiry"), rec("ta-2", "spam"), rec("tb-1", "thanks", channel="letter")
    a = _write(tmp_path / "a.jsonl", g1, g2)
    b = _write(tmp_path / "b.jsonl", g2, g3)
    records, files = read_corpora([a, b, a])  # a file given twice is read once
    assert [r.id for r in records] == ["ta-1", "ta-2", "tb-1"]  # ta-2 is in both, kept once
    assert files == {"a.jsonl": ["ta-1", "ta-2"], "b.jsonl": ["ta-2", "tb-1"]}
    one, only = read_corpora([a])
    assert one == read_records(a) and only == {"a.jsonl": ["ta-1", "ta-2"]}


def test_read_corpora_refuses_an_id_with_two_contents_and_names_colliding_files_by_path(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    a = _write(tmp_path / "x" / "c.jsonl", rec("ta-1", "inquiry"))
    b = _write(tmp_path / "y" / "c.jsonl", rec("ta-2", "spam"))
    assert list(read_corpora([a, b])[1]) == [str(a), str(b)]
    clash = _write(tmp_path / "d.jsonl", rec("ta-1", "spam"))
    with pytest.raises(CorpusInvalid, match=r"d\.jsonl: id 'ta-1' juga ada di .*c\.jsonl") as err:
        read_corpora([a, clash])
    assert err.value.exit_code == ExitCode.BAD_INPUT


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
    assert tuple(figures)[: len(METRIC_KEYS)] == METRIC_KEYS and figures["n"] == 8
    assert sum(g["n"] for g in figures["by_channel"].values()) == 8
    assert sum(map(sum, figures["kind_confusion"]["matrix"])) == 8
    assert figures["docs_per_s"] > 0


# --- `narahubung eval`, in this process (the subprocess contract test is in test_cli.py) ----------
def _eval_cli(*args: str) -> Any:
    """Run `narahubung eval ARGS` in-process with the rules classifier (fast to build, no spaCy)."""
    import signal

    from click.testing import CliRunner

    from narahubung.cli import main

    previous = signal.getsignal(signal.SIGTERM)  # `main` makes SIGTERM end like Ctrl-C; keep pytest's
    try:
        return CliRunner().invoke(main, ["eval", *args], env={"NARAHUBUNG_CLASSIFIER": "rules", "COLUMNS": "200"},
                                  catch_exceptions=False)
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.fixture(scope="module")
def two_corpus_files(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("eval")
    a, b = folder / "a.jsonl", folder / "b.jsonl"
    a.write_text("\n".join((CORPUS_DIR / "train-a.jsonl").read_text().splitlines()[:6]) + "\n")
    b.write_text("\n".join((CORPUS_DIR / "train-b.jsonl").read_text().splitlines()[:6]) + "\n")
    return a, b


def test_eval_json_starts_with_the_metric_keys_then_the_breakdowns_then_the_intervals(two_corpus_files) -> None:
    a, b = two_corpus_files
    single = _eval_cli("--data", str(a), "--json")
    assert single.exit_code == 0, single.output
    figures = json.loads(single.stdout)
    assert list(figures) == [*METRIC_KEYS, "by_channel", "by_source", "kind_confusion", "intervals_95"]
    assert figures["n"] == 6 and list(figures["by_source"]) == ["ta"]
    assert sum(map(sum, figures["kind_confusion"]["matrix"])) == 6

    both = json.loads(_eval_cli("--data", str(a), "--data", str(b), "--json").stdout)
    assert list(both) == [*METRIC_KEYS, "by_channel", "by_source", "by_file", "kind_confusion", "intervals_95"]
    assert both["n"] == 12 and list(both["by_source"]) == ["ta", "tb"]
    assert {name: g["n"] for name, g in both["by_file"].items()} == {"a.jsonl": 6, "b.jsonl": 6}
    assert both["by_file"]["a.jsonl"] == {key: figures[key] for key in GROUP_METRIC_KEYS}
    assert all(tuple(g) == GROUP_METRIC_KEYS for g in both["by_channel"].values())


def test_eval_prints_the_tables_per_channel_source_and_file_and_the_confusion_table(two_corpus_files) -> None:
    a, b = two_corpus_files
    result = _eval_cli("--data", str(a), "--data", str(b))
    assert result.exit_code == 0, result.output
    out = result.stdout
    for heading in ("Evaluasi pada a.jsonl, b.jsonl", "Per kanal", "Per sumber", "Per berkas",
                    "Matriks kebingungan jenis", "Presisi @ cakupan", "F1 makro jenis"):
        assert heading in out, heading
    assert "by_channel" not in out and "{" not in out  # the breakdowns are tables, not dicts
    confusion = out[out.index("Matriks kebingungan"):]
    assert all(kind in confusion for kind in KINDS)
