"""Specification of the 95 % intervals that `narahubung eval` prints beside every figure.

The records and decisions are made by hand (no classifier); the expected Wilson bounds are the textbook
values of the score interval, worked out in the comments.
"""

from __future__ import annotations

import math

from classify.corpus import Record
from classify.decision import Decision
from classify.evaluation import SHARE_KEYS, group_metrics, pairs_kind_macro_f1, prediction_row
from classify.intervals import bootstrap_interval, by_group, intervals, wilson

THRESHOLD = 0.5


def rec(id_: str, kind: str, unit: str | None = None) -> Record:
    return Record(id=id_, kind=kind, channel="email", subject="s", text="t", unit=unit,
                  agency_type="pln" if unit else None, region=None, other_province=None,
                  maladministration=("penundaan_berlarut",) if kind == "complaint" else (), case_ref=None)


def dec(kind: str, unit: str | None = None) -> Decision:
    return Decision(kind=kind, agency_type="pln" if unit else None, region=None, unit=unit,
                    maladministration=("penundaan_berlarut",) if kind == "complaint" else (),
                    confidence=0.9, abstain=False, model_version="hand", other_province=None)


def pairs_of(records: list[Record], decisions: list[Decision]) -> list:
    return [(r, prediction_row(r, d, THRESHOLD)) for r, d in zip(records, decisions)]


def wilson_by_hand(hits: int, total: int, z: float = 1.959964) -> tuple[float, float]:
    p = hits / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z / (1 + z * z / total) * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return centre - half, centre + half


def test_nothing_to_count_has_no_interval():
    assert wilson(0, 0) is None


def test_a_share_gets_the_wilson_score_interval():
    # 289 right of 290 routed: p = 0.9966, the score interval is about 0.981 .. 0.9994
    low, high = wilson(289, 290)
    want = wilson_by_hand(289, 290)
    assert abs(low - want[0]) < 1e-4 and abs(high - want[1]) < 1e-4
    assert low < 289 / 290 < high


def test_no_error_seen_is_not_a_certainty():
    # 290 of 290: the interval reaches 1 but not down to it; three errors in a thousand are not excluded
    low, high = wilson(290, 290)
    assert high == 1.0 and 0.98 < low < 0.99


def test_a_few_records_give_a_wide_interval():
    narrow = wilson(95, 100)
    wide = wilson(19, 20)
    assert (wide[1] - wide[0]) > 2 * (narrow[1] - narrow[0])


def test_macro_f1_interval_is_reproducible_and_holds_the_figure():
    kinds = ["complaint"] * 30 + ["spam"] * 5 + ["thanks"] * 5
    guesses = ["complaint"] * 30 + ["spam"] * 4 + ["complaint"] + ["thanks"] * 3 + ["spam", "complaint"]
    pairs = pairs_of([rec(f"r{i}", k) for i, k in enumerate(kinds)], [dec(g) for g in guesses])
    figure = pairs_kind_macro_f1(pairs)
    first = bootstrap_interval(pairs, pairs_kind_macro_f1)
    assert first == bootstrap_interval(pairs, pairs_kind_macro_f1)
    assert first[0] < figure < first[1]
    assert first[1] - first[0] > 0.1  # ten rare messages cannot pin a macro F1 down


def test_every_record_right_gives_a_point():
    pairs = pairs_of([rec(f"r{i}", "spam") for i in range(8)], [dec("spam") for _ in range(8)])
    assert bootstrap_interval(pairs, pairs_kind_macro_f1) == (1.0, 1.0)


def test_the_intervals_cover_every_share_and_both_macro_f1s():
    records = [rec(f"c{i}", "complaint", "pln-bangka") for i in range(20)] + [rec("s", "spam")]
    decisions = [dec("complaint", "pln-bangka") for _ in range(18)] + [dec("complaint", "pln-belitung")] * 2
    decisions.append(dec("spam"))
    pairs = pairs_of(records, decisions)
    got = intervals(pairs, resamples=200)
    figures = group_metrics(pairs)
    assert got["level"] == 0.95
    for key in (*SHARE_KEYS, "kind_macro_f1", "malad_macro_f1"):
        if figures[key] is None:
            assert got[key] is None, key
        else:
            low, high = got[key]
            assert low <= figures[key] <= high, key
    # region is never labelled here, so there is nothing to count
    assert got["region_accuracy"] is None


def test_whole_groups_are_drawn_so_one_bad_writer_widens_the_interval():
    # three writers of 20 complaints each: two routed all right, one half wrong
    records, decisions = [], []
    for writer, wrong in (("wa", 0), ("wb", 0), ("wc", 10)):
        for i in range(20):
            records.append(rec(f"{writer}-{i}", "complaint", "pln-bangka"))
            decisions.append(dec("complaint", "pln-belitung" if i < wrong else "pln-bangka"))
    pairs = pairs_of(records, decisions)
    writer_of = lambda r: r.id.split("-")[0]  # noqa: E731
    spread = by_group(pairs, writer_of, ["auto_route_precision", "kind_macro_f1"], resamples=300)
    assert spread["groups"] == 3
    low, high = spread["auto_route_precision"]
    # drawing the half-wrong writer three times gives 0.5; never drawing it gives 1.0
    assert low <= 0.6 and high == 1.0
    assert spread["kind_macro_f1"] == [1.0, 1.0]  # every kind right in every writer
    records_alike = pairs_of(records[:40], decisions[:40])
    assert by_group(records_alike, writer_of, ["auto_route_precision"], resamples=300)["auto_route_precision"] == [1.0, 1.0]


def test_one_record_gives_share_intervals_but_no_bootstrap():
    pairs = pairs_of([rec("c1", "complaint", "pln-bangka")], [dec("complaint", "pln-bangka")])
    got = intervals(pairs, resamples=100)
    assert got["kind_macro_f1"] is None and got["malad_macro_f1"] is None
    assert got["unit_accuracy"][1] == 1.0 and got["unit_accuracy"][0] < 0.5
    one_writer = by_group(pairs, lambda r: "w", ["auto_route_precision"], resamples=100)
    assert one_writer["groups"] == 1 and one_writer["auto_route_precision"] is None
