"""Hashed word and character n-grams with learned IDF weights: robust to typos, OCR noise and
spellings never seen (a character 3-5-gram of 'sertifikat' survives 'sertipikat' and 'sertifkat').

Stateless hashing (scikit-learn's HashingVectorizer) keeps the model small and the same on every
machine; only the IDF vector is learned and saved.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

N_FEATURES = 2**17
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (3, 5)


def _hashers() -> tuple[HashingVectorizer, HashingVectorizer]:
    common = {"n_features": N_FEATURES, "alternate_sign": False, "norm": None, "lowercase": True,
              "dtype": np.float32}
    return (
        HashingVectorizer(analyzer="word", ngram_range=WORD_NGRAMS, token_pattern=r"(?u)\b\w+\b", **common),
        HashingVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, **common),
    )


class TextVectorizer:
    """`fit(texts)` learns the IDF; `transform(texts)` gives L2-normalised TF-IDF rows (sublinear TF)."""

    def __init__(self, idf: np.ndarray | None = None) -> None:
        self.word, self.char = _hashers()
        self.idf = idf

    def _counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        m = sp.hstack([self.word.transform(texts), self.char.transform(texts)], format="csr", dtype=np.float32)
        m.data = 1.0 + np.log(m.data)
        return m

    def fit(self, texts: Sequence[str]) -> TextVectorizer:
        counts = self._counts(texts)
        df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float32)
        self.idf = (np.log((1.0 + len(texts)) / (1.0 + df)) + 1.0).astype(np.float32)
        return self

    def one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(column indices, weights) of one text: the row `transform([text])` gives, without the
        sparse-matrix machinery (most of the time of a single message)."""
        assert self.idf is not None, "TextVectorizer is not fitted"
        w = self.word.transform([text])
        c = self.char.transform([text])
        idx = np.concatenate([w.indices, c.indices + N_FEATURES])
        data = 1.0 + np.log(np.concatenate([w.data, c.data]).astype(np.float32))
        data *= self.idf[idx]
        norm = float(np.sqrt(np.dot(data, data)))
        return idx, (data / norm if norm else data)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        assert self.idf is not None, "TextVectorizer is not fitted"
        m = self._counts(texts)
        m = m.multiply(self.idf).tocsr()
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sp.csr_matrix(sp.diags(1.0 / norms) @ m, dtype=np.float32)
