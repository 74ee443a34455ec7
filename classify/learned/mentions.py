"""Whether an agency mention is the one complained about, learned from the words around it.

Hand-written phrase lists ('saya adukan', 'sudah lapor ke') cover a few ways of saying who did what;
writers find many more ('petugas di sana menyatakan surat itu sudah sah', 'yang kami sesalkan petugas
BPJS-nya'). This model reads the words on each side of every agency mention, with every agency name
masked (so it learns how people write about the office they complain about, not which offices are
often complained about), and is trained on the corpus: a mention of the type the record was routed to
is a positive, a mention of any other type a negative. Per type, the best mention's score is a
feature of the agency ranker (`candidates.py`).

Stateless hashing of the context tokens (scikit-learn's MurmurHash3, the indices its HashingVectorizer
gives); the weights are a `Linear` saved with the other models.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from sklearn.utils import murmurhash3_32

from classify.learned.facts import Facts, Mention
from classify.learned.linear import Linear, fit_multilabel

N_FEATURES = 2**16
LEFT_WORDS = 8
RIGHT_WORDS = 10
MASK = "qqinstansi"
WORD = re.compile(r"\w+|[.!?\n]")
CONTEXT_C = 1.0


@lru_cache(maxsize=1 << 16)
def _column(token: str) -> int:
    h = murmurhash3_32(token, seed=0)
    return (2**31 - 1 - (N_FEATURES - 1)) % N_FEATURES if h == -(2**31) else abs(h) % N_FEATURES


def hashed(doc: str) -> tuple[np.ndarray, np.ndarray]:
    """(columns, L2-normalised counts) of one mention's feature tokens."""
    counts: dict[int, float] = {}
    for token in doc.split():
        c = _column(token)
        counts[c] = counts.get(c, 0.0) + 1.0
    idx = np.fromiter(counts, dtype=np.int64, count=len(counts))
    data = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
    norm = float(np.sqrt(np.dot(data, data)))
    return idx, (data / norm if norm else data)


def _matrix(docs: Sequence[str]) -> sp.csr_matrix:
    rows = [hashed(d) for d in docs]
    indptr = np.cumsum([0] + [len(i) for i, _ in rows])
    idx = np.concatenate([i for i, _ in rows]) if rows else np.zeros(0, dtype=np.int64)
    data = np.concatenate([d for _, d in rows]) if rows else np.zeros(0, dtype=np.float32)
    return sp.csr_matrix((data, idx, indptr), shape=(len(docs), N_FEATURES), dtype=np.float32)


def masked_text(facts: Facts) -> tuple[str, list[tuple[int, Mention]]]:
    """The lower-cased text with every agency mention replaced by one mask word, and where each
    mention's mask now starts."""
    parts: list[str] = []
    starts: list[tuple[int, Mention]] = []
    pos, length = 0, 0
    for m in sorted(facts.agencies, key=lambda m: (m.start, -m.end)):
        if m.start < pos:  # a mention inside one already masked stands where that one stands
            starts.append((length - len(MASK) - 1, m))
            continue
        chunk = facts.text[pos:m.start].lower()
        parts.append(chunk)
        length += len(chunk)
        starts.append((length + 1, m))
        parts.append(f" {MASK} ")
        length += len(MASK) + 2
        pos = m.end
    parts.append(facts.text[pos:].lower())
    return "".join(parts), starts


def _tokens(text: str) -> list[str]:
    return ["." if t in ".!?\n" else t for t in WORD.findall(text)]


def context_doc(masked: str, at: int, m: Mention, in_subject: bool) -> str:
    """The feature tokens of one mention: left and right words as a bag and by distance (the nearest
    two, and the nearest pair), the sentence edge when it comes first, and how the mention was found."""
    left = _tokens(masked[max(0, at - 240):at])[-LEFT_WORDS:]
    right = _tokens(masked[at + len(MASK):at + len(MASK) + 300])[:RIGHT_WORDS]
    if "." in left:
        left = left[len(left) - left[::-1].index("."):]
        left_edge = ["l_edge"]
    else:
        left_edge = []
    if "." in right:
        right = right[:right.index(".")]
    feats = [f"l_{w}" for w in left] + [f"r_{w}" for w in right] + left_edge
    feats += [f"l1_{w}" for w in left[-1:]] + [f"l2_{w}" for w in left[-2:-1]]
    feats += [f"r1_{w}" for w in right[:1]] + [f"r2_{w}" for w in right[1:2]]
    if len(left) >= 2:
        feats.append(f"lb_{left[-2]}_{left[-1]}")
    if len(right) >= 2:
        feats.append(f"rb_{right[0]}_{right[1]}")
    feats.append(f"src_{m.source}")
    if in_subject:
        feats.append("in_subject")
    return " ".join(feats)


def mention_docs(facts: Facts) -> list[tuple[str, str]]:
    """(agency type, feature tokens) of every agency mention, in text order."""
    masked, starts = masked_text(facts)
    return [(m.label, context_doc(masked, at, m, m.start < facts.subject_end)) for at, m in starts]


def fit_context(docs: Sequence[Sequence[tuple[str, str]]], gold_types: Sequence[str | None], seed: int) -> Linear:
    """One logistic regression: is this mention of the record's own agency type? Records of no agency
    type are left out; a record naming only its own type still teaches (its mentions are positives)."""
    rows, labels = [], []
    for ds, gold in zip(docs, gold_types):
        if gold is None:
            continue
        for label, doc in ds:
            rows.append(doc)
            labels.append(("yes",) if label == gold else ())
    if not rows:
        return Linear(np.zeros((1, N_FEATURES), dtype=np.float32), np.zeros(1), ("yes",), multilabel=True)
    return fit_multilabel(_matrix(rows), labels, ("yes",), CONTEXT_C, seed)


def context_scores(model: Linear, docs: Sequence[tuple[str, str]]) -> dict[str, float]:
    """Per agency type mentioned, the logit of its most 'complained about' mention."""
    out: dict[str, float] = {}
    for label, doc in docs:
        v = float(model.decision_one(*hashed(doc))[0, 0])
        out[label] = max(out.get(label, -np.inf), v)
    return out


__all__ = ["context_scores", "fit_context", "mention_docs"]
