"""A fitted linear model as plain arrays: saved to and read from a .npz file, never pickled, and
applied with one sparse or dense product (faster than the estimator for one message at a time)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression


@dataclass
class Linear:
    """`coef` (classes × features), `intercept` (classes), `classes`; `multilabel` = one-vs-rest
    sigmoids, else softmax (a binary model has one row: the probability of `classes[1]`)."""

    coef: np.ndarray
    intercept: np.ndarray
    classes: tuple[str, ...]
    multilabel: bool = False
    normalise: bool = False  # one-vs-rest sigmoids scaled to sum to one (a single-label model)
    mean: np.ndarray | None = None  # dense inputs are standardised first
    scale: np.ndarray | None = None

    def __post_init__(self) -> None:
        # the transposed weights once, in the precision products are computed in
        self._coef_t = np.ascontiguousarray(self.coef.T, dtype=np.float32 if self.coef.shape[1] > 4096 else np.float64)

    def decision(self, x) -> np.ndarray:
        if self.mean is not None and self.scale is not None:
            x = (np.asarray(x, dtype=np.float64) - self.mean) / self.scale
        z = x @ self._coef_t if sp.issparse(x) else np.asarray(x) @ self._coef_t
        return np.asarray(z, dtype=np.float64) + self.intercept

    def decision_one(self, idx: np.ndarray, data: np.ndarray) -> np.ndarray:
        """`decision` of one sparse row given as (indices, values), shape (1, classes)."""
        return (data @ self._coef_t[idx]).astype(np.float64)[None, :] + self.intercept

    def proba_one(self, idx: np.ndarray, data: np.ndarray) -> np.ndarray:
        return self._activate(self.decision_one(idx, data))

    def proba(self, x) -> np.ndarray:
        return self._activate(self.decision(x))

    def _activate(self, z: np.ndarray) -> np.ndarray:
        if self.multilabel or z.shape[1] == 1:
            p = 1.0 / (1.0 + np.exp(-z))
            if self.normalise:
                return p / np.maximum(p.sum(axis=1, keepdims=True), 1e-12)
            return np.hstack([1.0 - p, p]) if (not self.multilabel and z.shape[1] == 1) else p
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def save(self, prefix: str, arrays: dict) -> None:
        arrays[f"{prefix}.coef"] = self.coef.astype(np.float16 if self.coef.shape[1] > 4096 else np.float32)
        arrays[f"{prefix}.intercept"] = self.intercept.astype(np.float32)
        if self.mean is not None and self.scale is not None:
            arrays[f"{prefix}.mean"] = self.mean
            arrays[f"{prefix}.scale"] = self.scale

    @classmethod
    def load(cls, arrays, prefix: str, classes: Sequence[str], multilabel: bool = False,
             normalise: bool = False) -> Linear:
        mean = arrays.get(f"{prefix}.mean", None)
        scale = arrays.get(f"{prefix}.scale", None)
        return cls(np.asarray(arrays[f"{prefix}.coef"], dtype=np.float32), np.asarray(arrays[f"{prefix}.intercept"]),
                   tuple(classes), multilabel, normalise, mean, scale)


def fit_softmax(x, y: Sequence[str], classes: Sequence[str], c: float, seed: int, weights=None) -> Linear:
    """Multinomial logistic regression over `classes` (every class gets a row, even one absent from y)."""
    present = sorted(set(y))
    if isinstance(weights, float):  # the power of the weights that even out the classes (1: balanced)
        counts = {k: sum(1 for v in y if v == k) for k in present}
        weights = np.array([(len(y) / (len(present) * counts[v])) ** weights for v in y])
    if len(present) == 1:
        intercept = np.full(len(classes), -30.0, dtype=np.float64)
        intercept[classes.index(present[0])] = 30.0
        return Linear(np.zeros((len(classes), x.shape[1]), dtype=np.float32), intercept, tuple(classes))
    model = LogisticRegression(C=c, max_iter=2000, random_state=seed)
    model.fit(x, list(y), sample_weight=weights)
    coef = np.zeros((len(classes), x.shape[1]), dtype=np.float32)
    intercept = np.full(len(classes), -30.0, dtype=np.float64)
    if len(present) == 2:  # sklearn keeps one row for two classes
        row = model.coef_[0]
        coef[classes.index(present[1])] = row / 2
        coef[classes.index(present[0])] = -row / 2
        intercept[classes.index(present[1])] = model.intercept_[0] / 2
        intercept[classes.index(present[0])] = -model.intercept_[0] / 2
    else:
        for i, cls in enumerate(model.classes_):
            coef[classes.index(cls)] = model.coef_[i]
            intercept[classes.index(cls)] = model.intercept_[i]
    return Linear(coef, intercept, tuple(classes))


def fit_multilabel(x, y: Sequence[Sequence[str]], classes: Sequence[str], c: float, seed: int,
                   normalise: bool = False, balanced: float | None = None) -> Linear:
    """One logistic regression per class (one-vs-rest, liblinear: seconds on hashed n-grams where the
    multinomial solver takes minutes); a class never positive gets a very low bias. `normalise`: a
    single-label model whose sigmoids are scaled to sum to one."""
    coef = np.zeros((len(classes), x.shape[1]), dtype=np.float32)
    intercept = np.full(len(classes), -30.0, dtype=np.float64)
    for i, cls in enumerate(classes):
        target = np.array([cls in labels for labels in y], dtype=int)
        if 0 < target.sum() < len(target):
            power = (0.0 if normalise else 1.0) if balanced is None else float(balanced)
            n, pos = len(target), int(target.sum())
            weights = {1: (n / (2 * pos)) ** power, 0: (n / (2 * (n - pos))) ** power}
            m = LogisticRegression(C=c, solver="liblinear", random_state=seed, class_weight=weights)
            m.fit(x, target)
            coef[i], intercept[i] = m.coef_[0], m.intercept_[0]
    return Linear(coef, intercept, tuple(classes), multilabel=not normalise, normalise=normalise)


def fit_ovr(x, y: Sequence[str], classes: Sequence[str], c: float, seed: int, balanced: float = 0.0) -> Linear:
    """A single-label model as one-vs-rest logistic regressions, normalised; `balanced` (0..1) is the
    power of the weights that make each class's positives and negatives count equally (1: fully)."""
    return fit_multilabel(x, [(label,) for label in y], classes, c, seed, normalise=True, balanced=balanced)


def fit_binary_dense(x: np.ndarray, y: np.ndarray, c: float, seed: int, weights=None) -> Linear:
    """A standardised binary logistic regression over dense feature rows (the candidate rankers)."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    if len(set(np.asarray(y).tolist())) < 2:  # a tiny training set with one outcome only: its base rate
        rate = float(np.mean(y)) if len(y) else 0.0
        bias = 30.0 if rate >= 0.5 else -30.0
        return Linear(np.zeros((1, x.shape[1])), np.array([bias]), ("no", "yes"), mean=mean, scale=scale)
    m = LogisticRegression(C=c, max_iter=5000, random_state=seed)
    m.fit((x - mean) / scale, y, sample_weight=weights)
    return Linear(m.coef_.astype(np.float64), m.intercept_.astype(np.float64), ("no", "yes"), mean=mean, scale=scale)
