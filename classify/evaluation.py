"""Score a classifier on labelled corpus records: the `classify` and `eval` output contracts.

Pure functions, except `evaluate`, which runs the classifier and times it, and `read_corpora`,
which reads several corpus files as one.

`prediction_row` is one line of `narahubung classify`. When the decision abstains, the destination
fields (unit, agency_type, region, other_province) are null; kind, maladministration and confidence
are kept (the kind of an abstaining complaint still tells staff what it is). A None kind stays None.

`metrics` is the object printed by `narahubung eval --json`. It is computed from the prediction rows,
so the figures always agree with what `classify` prints. Definitions (every ratio is None when its
denominator is empty; every float is rounded to 4 decimals):

- n: number of records.
- kind_accuracy: over all records, predicted kind == gold kind (a None kind is wrong).
- kind_macro_f1: mean of per-kind F1 over the kinds present in gold ∪ predicted; a None kind is a
  false negative of the gold kind and a false positive of nothing.
- unit_accuracy / agency_type_accuracy / region_accuracy: over gold complaints whose gold value is
  set; right = the row's value equals it (so abstaining, which nulls it, counts as wrong).
- malad_primary_accuracy: over gold complaints with a gold type; the first predicted type equals
  the gold primary.
- malad_macro_f1: multi-label, on gold complaints only: for each of the ten directory types, F1 of
  "type in predicted list" against "type in gold list"; a type with no gold and no predicted
  positive (tp + fp + fn == 0) is skipped; the mean of the rest.
- auto_route_precision: of ALL auto-routed records, the share whose gold kind is complaint and
  whose gold unit equals the routed unit.
- auto_route_coverage: of gold complaints with a gold unit, the share that are auto-routed
  (right or wrong unit; precision says how many are right).
- docs_per_s: records / seconds spent classifying, one process.

A record is auto-routed when the classifier decided kind "complaint", did not abstain, has a unit
and its confidence is >= `threshold` (callers pass `Settings().route_threshold`).

After METRIC_KEYS, in this order, come the breakdowns (GROUP_METRIC_KEYS = METRIC_KEYS without
docs_per_s, each figure defined as above but over the group's records only, so e.g. a group's
kind_macro_f1 averages over the kinds present in that group's gold ∪ predicted):

- by_channel: {channel: {GROUP_METRIC_KEYS}} for every channel present, in the order email,
  letter, whatsapp_forward, social_media_copy.
- by_source: {source: {GROUP_METRIC_KEYS}}, the source being the record id's prefix before the
  first "-" (`ta-0001` -> ta, `tc3-0107` -> tc3; an id without "-" is its own source); sorted.
- by_file: {file name: {GROUP_METRIC_KEYS}}, in the order given; present only when the caller
  passes `files` (`narahubung eval` does when it reads several --data files). A record that is in
  two files counts in both files' figures, once in the overall ones.
- kind_confusion: {"labels": [...], "matrix": [[...]]}. labels are KINDS in their fixed order
  (complaint, follow_up, inquiry, out_of_mandate, other_province, auto_reply, spam, thanks), then
  "none" when some predicted kind is None. matrix[i][j] counts records of gold kind labels[i]
  predicted as labels[j]; it is square, so the "none" row (gold is never None) is all zeros.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, get_args

from classify.corpus import Channel, CorpusInvalid, Record, message_of, read_records
from classify.decision import KINDS, Classifier, Decision

# The directory's ten maladministration type ids (config/directory.yaml; a test keeps them equal).
MALADMINISTRATION_TYPES: tuple[str, ...] = (
    "penundaan_berlarut",
    "penyimpangan_prosedur",
    "tidak_memberikan_pelayanan",
    "permintaan_imbalan",
    "penyalahgunaan_wewenang",
    "tidak_kompeten",
    "tidak_patut",
    "konflik_kepentingan",
    "berpihak",
    "diskriminasi",
)

METRIC_KEYS: tuple[str, ...] = (
    "n",
    "kind_accuracy",
    "kind_macro_f1",
    "unit_accuracy",
    "agency_type_accuracy",
    "region_accuracy",
    "malad_primary_accuracy",
    "malad_macro_f1",
    "auto_route_precision",
    "auto_route_coverage",
    "docs_per_s",
)

# The figures of one group of records in the breakdowns (by_channel, by_source, by_file).
GROUP_METRIC_KEYS: tuple[str, ...] = tuple(k for k in METRIC_KEYS if k != "docs_per_s")

# The keys `metrics` adds after METRIC_KEYS, in order (by_file only when files are given).
BREAKDOWN_KEYS: tuple[str, ...] = ("by_channel", "by_source", "by_file", "kind_confusion")

CHANNELS: tuple[str, ...] = get_args(Channel)
NO_KIND = "none"  # the confusion label of a None predicted kind

DESTINATION_FIELDS: tuple[str, ...] = ("unit", "agency_type", "region", "other_province")

Row = dict[str, Any]


# --- one record ----------------------------------------------------------------------------------
def auto_routes(decision: Decision, threshold: float) -> bool:
    """True when this decision would be forwarded without a person looking at it."""
    return (
        decision.kind == "complaint"
        and not decision.abstain
        and decision.unit is not None
        and decision.confidence >= threshold
    )


def prediction_row(record: Record, decision: Decision, threshold: float) -> Row:
    """The `narahubung classify` line for one record (destination fields null when abstaining)."""
    keep = not decision.abstain
    return {
        "id": record.id,
        "kind": decision.kind,
        "unit": decision.unit if keep else None,
        "agency_type": decision.agency_type if keep else None,
        "region": decision.region if keep else None,
        "other_province": decision.other_province if keep else None,
        "maladministration": list(decision.maladministration),
        "confidence": decision.confidence,
        "auto_route": auto_routes(decision, threshold),
    }


# --- small arithmetic ----------------------------------------------------------------------------
def _ratio(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def _f1(tp: int, fp: int, fn: int) -> float | None:
    """F1 = 2tp / (2tp + fp + fn); None when the label never occurs in gold or prediction."""
    den = 2 * tp + fp + fn
    return 2 * tp / den if den else None


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(sum(present) / len(present), 4) if present else None


# --- the figures ---------------------------------------------------------------------------------
def kind_macro_f1(gold: Sequence[str], predicted: Sequence[str | None]) -> float | None:
    """Macro F1 over the kinds in gold ∪ predicted; a None prediction only costs its gold kind."""
    labels = sorted(set(gold) | {p for p in predicted if p is not None})
    per_label = []
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, predicted))
        fp = sum(g != label and p == label for g, p in zip(gold, predicted))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted))
        per_label.append(_f1(tp, fp, fn))
    return _mean(per_label)


def multilabel_macro_f1(
    gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], labels: Sequence[str]
) -> float | None:
    """Mean per-label F1 of set membership; labels with no gold and no predicted positive are skipped."""
    per_label = []
    for label in labels:
        tp = sum(label in g and label in p for g, p in zip(gold, predicted))
        fp = sum(label not in g and label in p for g, p in zip(gold, predicted))
        fn = sum(label in g and label not in p for g, p in zip(gold, predicted))
        per_label.append(_f1(tp, fp, fn))
    return _mean(per_label)


# The figures that are a share of records: (hits, total) counts behind them, see `share_counts`.
SHARE_KEYS: tuple[str, ...] = (
    "kind_accuracy",
    "unit_accuracy",
    "agency_type_accuracy",
    "region_accuracy",
    "malad_primary_accuracy",
    "auto_route_precision",
    "auto_route_coverage",
)


def _hits(pairs: Sequence[tuple[Record, Row]], right: Callable[[Record, Row], bool]) -> tuple[int, int]:
    return sum(right(r, row) for r, row in pairs), len(pairs)


def share_counts(pairs: Sequence[tuple[Record, Row]]) -> dict[str, tuple[int, int]]:
    """(hits, total) behind every figure of SHARE_KEYS; its value is hits / total."""
    complaints = [(r, row) for r, row in pairs if r.kind == "complaint"]
    with_unit = [(r, row) for r, row in complaints if r.unit is not None]
    with_type = [(r, row) for r, row in complaints if r.agency_type is not None]
    with_region = [(r, row) for r, row in complaints if r.region is not None]
    with_malad = [(r, row) for r, row in complaints if r.maladministration]
    routed = [(r, row) for r, row in pairs if row["auto_route"]]
    return {
        "kind_accuracy": _hits(pairs, lambda r, row: row["kind"] == r.kind),
        "unit_accuracy": _hits(with_unit, lambda r, row: row["unit"] == r.unit),
        "agency_type_accuracy": _hits(with_type, lambda r, row: row["agency_type"] == r.agency_type),
        "region_accuracy": _hits(with_region, lambda r, row: row["region"] == r.region),
        "malad_primary_accuracy": _hits(
            with_malad,
            lambda r, row: bool(row["maladministration"])
            and row["maladministration"][0] == r.maladministration[0],
        ),
        "auto_route_precision": _hits(
            routed, lambda r, row: r.kind == "complaint" and r.unit is not None and row["unit"] == r.unit
        ),
        "auto_route_coverage": _hits(with_unit, lambda r, row: row["auto_route"]),
    }


def pairs_kind_macro_f1(pairs: Sequence[tuple[Record, Row]]) -> float | None:
    return kind_macro_f1([r.kind for r, _ in pairs], [row["kind"] for _, row in pairs])


def pairs_malad_macro_f1(pairs: Sequence[tuple[Record, Row]]) -> float | None:
    complaints = [(r, row) for r, row in pairs if r.kind == "complaint"]
    return multilabel_macro_f1(
        [r.maladministration for r, _ in complaints],
        [row["maladministration"] for _, row in complaints],
        MALADMINISTRATION_TYPES,
    )


def group_metrics(pairs: Sequence[tuple[Record, Row]]) -> dict[str, Any]:
    """GROUP_METRIC_KEYS for (record, prediction row) pairs: every figure but the speed."""
    counts = share_counts(pairs)
    result: dict[str, Any] = {"n": len(pairs)}
    for key in GROUP_METRIC_KEYS[1:]:
        if key == "kind_macro_f1":
            result[key] = pairs_kind_macro_f1(pairs)
        elif key == "malad_macro_f1":
            result[key] = pairs_malad_macro_f1(pairs)
        else:
            result[key] = _ratio(*counts[key])
    return result


def source_of(record_id: str) -> str:
    """The corpus source of a record id: its prefix before the first "-" (`tc3-0107` -> tc3)."""
    return record_id.split("-", 1)[0]


def _grouped(
    pairs: Sequence[tuple[Record, Row]], key: Callable[[Record], str], order: Sequence[str] = ()
) -> dict[str, dict[str, Any]]:
    """{group: figures} for the groups present; groups in `order` first in that order, the rest sorted."""
    groups: dict[str, list[tuple[Record, Row]]] = {}
    for r, row in pairs:
        groups.setdefault(key(r), []).append((r, row))
    names = [g for g in order if g in groups] + sorted(g for g in groups if g not in order)
    return {g: group_metrics(groups[g]) for g in names}


def kind_confusion(pairs: Sequence[tuple[Record, Row]]) -> dict[str, Any]:
    """{"labels", "matrix"}: matrix[i][j] = records of gold labels[i] predicted labels[j] (square)."""
    labels = list(KINDS)
    if any(row["kind"] is None for _, row in pairs):
        labels.append(NO_KIND)
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for r, row in pairs:
        predicted = NO_KIND if row["kind"] is None else row["kind"]
        matrix[index[r.kind]][index[predicted]] += 1
    return {"labels": labels, "matrix": matrix}


def metrics_of_rows(
    records: Sequence[Record],
    rows: Sequence[Row],
    seconds: float,
    files: Mapping[str, Iterable[str]] | None = None,
) -> dict[str, Any]:
    """The `narahubung eval --json` object for aligned records and prediction rows.

    Keys: METRIC_KEYS, then by_channel, by_source, by_file (only when `files`, {file name: record
    ids}, is given) and kind_confusion.
    """
    if len(records) != len(rows):
        raise ValueError(f"{len(records)} records but {len(rows)} prediction rows")
    pairs = list(zip(records, rows))
    result = group_metrics(pairs)
    result["docs_per_s"] = round(len(records) / seconds, 4) if seconds > 0 else None
    result["by_channel"] = _grouped(pairs, lambda r: r.channel, CHANNELS)
    result["by_source"] = _grouped(pairs, lambda r: source_of(r.id))
    if files is not None:
        by_id = {r.id: (r, row) for r, row in pairs}
        result["by_file"] = {name: group_metrics([by_id[i] for i in ids]) for name, ids in files.items()}
    result["kind_confusion"] = kind_confusion(pairs)
    return result


def metrics(
    records: Sequence[Record],
    decisions: Sequence[Decision],
    threshold: float,
    seconds: float,
    files: Mapping[str, Iterable[str]] | None = None,
) -> dict[str, Any]:
    """The `narahubung eval --json` object (keys: METRIC_KEYS, then the breakdowns) for decisions."""
    if len(records) != len(decisions):
        raise ValueError(f"{len(records)} records but {len(decisions)} decisions")
    rows = [prediction_row(r, d, threshold) for r, d in zip(records, decisions)]
    return metrics_of_rows(records, rows, seconds, files)


def read_corpora(paths: Sequence[Path]) -> tuple[list[Record], dict[str, list[str]]]:
    """The union of several corpus files: (records in first-seen order, {file name: its record ids}).

    A file given twice is read once. A record found in two files is kept once when both copies are
    equal (e.g. train.jsonl and train-a.jsonl); an id with different contents raises CorpusInvalid.
    Files are named by their file name, or by their path as given when two names collide.
    """
    unique = list({p.resolve(): p for p in map(Path, paths)}.values())
    names = [p.name for p in unique]
    records: dict[str, Record] = {}
    seen_in: dict[str, Path] = {}
    files: dict[str, list[str]] = {}
    for path, name in zip(unique, names):
        ids = []
        for record in read_records(path):
            kept = records.get(record.id)
            if kept is None:
                records[record.id], seen_in[record.id] = record, path
            elif kept != record:
                raise CorpusInvalid(
                    f"{path}: id {record.id!r} juga ada di {seen_in[record.id]} dengan isi yang berbeda",
                    path=path,
                )
            ids.append(record.id)
        files[name if names.count(name) == 1 else str(path)] = ids
    return list(records.values()), files


def evaluate(
    classifier: Classifier,
    records: Sequence[Record],
    threshold: float,
    files: Mapping[str, Iterable[str]] | None = None,
) -> tuple[list[Row], dict[str, Any]]:
    """Classify every record in this process, timing only the classification; (rows, metrics).

    `files` ({file name: record ids}) adds the by_file breakdown.
    """
    messages = [message_of(r) for r in records]
    started = time.perf_counter()
    decisions = [classifier.classify(m) for m in messages]
    seconds = time.perf_counter() - started
    rows = [prediction_row(r, d, threshold) for r, d in zip(records, decisions)]
    return rows, metrics_of_rows(records, rows, seconds, files)


__all__ = [
    "BREAKDOWN_KEYS",
    "CHANNELS",
    "GROUP_METRIC_KEYS",
    "MALADMINISTRATION_TYPES",
    "METRIC_KEYS",
    "NO_KIND",
    "SHARE_KEYS",
    "auto_routes",
    "evaluate",
    "group_metrics",
    "kind_confusion",
    "kind_macro_f1",
    "metrics",
    "metrics_of_rows",
    "multilabel_macro_f1",
    "pairs_kind_macro_f1",
    "pairs_malad_macro_f1",
    "prediction_row",
    "read_corpora",
    "share_counts",
    "source_of",
]
