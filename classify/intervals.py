"""95 % intervals of the evaluation figures: how far a figure measured on a few hundred records may lie from
the figure on all messages written the same way.

A dev set of 400 records routes about 290 of them; one error more or less moves routed precision by 0.0035,
and the rare kinds (5 spam messages) move kind macro F1 by several points each. The intervals say so next to
every figure, so that a change smaller than them is not read as a gain.

- Shares (SHARE_KEYS: accuracies, routed precision, coverage): the Wilson score interval of hits / total
  (`scipy.stats.binomtest(...).proportion_ci(method="wilson")`), which stays inside [0, 1] and is sound near
  0 and 1, where precision lives.
- Macro F1 (kind, maladministration): a percentile bootstrap over records (`scipy.stats.bootstrap`, seeded, so
  the same rows give the same interval), since a macro mean of F1s has no closed form.

Both read the records as a sample of their writers' messages; a new writer's style is a larger source of
error than the sample. `by_group` resamples whole groups instead (the writers, in
`benchmarks/classify_writer_cv.py`): the interval of a figure on a set by writers like these, not by these
writers. With seven writers it is rough (a percentile bootstrap over few groups runs narrow), but it is the
honest order of magnitude for the office's hidden sets.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
from scipy.stats import binomtest, bootstrap

from classify.corpus import Record
from classify.evaluation import (
    SHARE_KEYS,
    Row,
    pairs_kind_macro_f1,
    pairs_malad_macro_f1,
    share_counts,
)

LEVEL = 0.95
RESAMPLES = 1000
SEED = 0

Interval = tuple[float, float]
Pairs = Sequence[tuple[Record, Row]]
T = TypeVar("T")


def wilson(hits: int, total: int, level: float = LEVEL) -> Interval | None:
    """The Wilson score interval of hits / total; None when there is nothing to count."""
    if total == 0:
        return None
    ci = binomtest(hits, total).proportion_ci(confidence_level=level, method="wilson")
    return round(float(ci.low), 4), round(float(ci.high), 4)


def bootstrap_interval(
    items: Sequence[T],
    figure: Callable[[Sequence[T]], float | None],
    resamples: int = RESAMPLES,
    seed: int = SEED,
    level: float = LEVEL,
) -> Interval | None:
    """Percentile bootstrap interval of `figure` over the items (records, or groups of them) drawn with
    replacement; None when the figure is undefined or there are fewer than two items to draw from."""
    if len(items) < 2 or figure(items) is None:
        return None

    def statistic(index: np.ndarray) -> float:
        value = figure([items[i] for i in index])
        return math.nan if value is None else value

    result = bootstrap(
        (np.arange(len(items)),), statistic, n_resamples=resamples, vectorized=False, method="percentile",
        confidence_level=level, rng=np.random.default_rng(seed),
    )
    low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
    if math.isnan(low) or math.isnan(high):
        return None
    return round(low, 4), round(high, 4)


def share_figure(key: str) -> Callable[[Pairs], float | None]:
    """The figure of one SHARE_KEYS entry as a function of the pairs (hits / total, None on nothing)."""

    def figure(pairs: Pairs) -> float | None:
        hits, total = share_counts(pairs)[key]
        return hits / total if total else None

    return figure


def by_group(
    pairs: Pairs,
    group_of: Callable[[Record], str],
    keys: Sequence[str],
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> dict[str, Any]:
    """{"level", "method", "groups", key: [low, high] or None}: a percentile bootstrap that draws whole
    groups with replacement (a group drawn twice counts twice), for the shares and both macro F1s in `keys`."""
    grouped: dict[str, list[tuple[Record, Row]]] = {}
    for r, row in pairs:
        grouped.setdefault(group_of(r), []).append((r, row))
    groups = list(grouped.values())
    figures: dict[str, Callable[[Pairs], float | None]] = {
        "kind_macro_f1": pairs_kind_macro_f1, "malad_macro_f1": pairs_malad_macro_f1,
        **{k: share_figure(k) for k in SHARE_KEYS},
    }
    out: dict[str, Any] = {
        "level": LEVEL,
        "method": f"percentile bootstrap over whole groups ({resamples} resamples, seed {seed})",
        "groups": len(groups),
    }
    for key in keys:
        figure = figures[key]

        def of_groups(drawn: Sequence[list[tuple[Record, Row]]], figure=figure) -> float | None:
            return figure([pair for group in drawn for pair in group])

        span = bootstrap_interval(groups, of_groups, resamples, seed)
        out[key] = list(span) if span else None
    return out


def intervals(pairs: Pairs, resamples: int = RESAMPLES, seed: int = SEED) -> dict[str, Any]:
    """{"level", "method", figure: [low, high] or None} for the shares and both macro F1s."""
    counts = share_counts(pairs)
    out: dict[str, Any] = {
        "level": LEVEL,
        "method": f"wilson for shares; percentile bootstrap over records ({resamples} resamples, seed {seed}) "
                  "for macro F1",
    }
    out["kind_macro_f1"] = bootstrap_interval(pairs, pairs_kind_macro_f1, resamples, seed)
    out["malad_macro_f1"] = bootstrap_interval(pairs, pairs_malad_macro_f1, resamples, seed)
    for key in SHARE_KEYS:
        out[key] = wilson(*counts[key])
    return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}


__all__ = ["LEVEL", "RESAMPLES", "bootstrap_interval", "by_group", "intervals", "share_figure", "wilson"]
