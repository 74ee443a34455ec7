"""The prechecked tokenizer (classify.gazetteer.fast_tokenizer) gives spaCy's own tokens, always.

The trained model's features and the gazetteer's matches depend on the tokens, so a faster tokenizer
is only allowed if it changes nothing: compared on random strings built from the characters that drive
spaCy's prefix, suffix and infix rules, and on every text of the labelled corpus.
"""

from __future__ import annotations

import random

import pytest
import spacy

from classify.corpus import DEV_FILE, TRAIN_FILE, read_records
from classify.gazetteer import fast_tokenizer

PIECES = [*"abcdeXYZ019 .,;:!?'\"()[]{}-–—/\\@#$%^&*+=<>|~`_\n\t", *"éüñ€£¥©®°±²µ·½¿×÷αβγ“”‘’…•→←",
          "😀", "🙏", "🇮🇩", "http://", "www.", ".com", "e-KTP", "Rp", "500.000", "dr.", "No.", "Jl.", "s.d.", "  "]


@pytest.fixture(scope="module")
def tokenizers():
    return spacy.blank("id").tokenizer, fast_tokenizer(spacy.blank("id")).tokenizer


def tokens(tokenizer, text: str) -> list[str]:
    return [t.text for t in tokenizer(text)]


def test_random_strings_tokenize_the_same(tokenizers):
    original, fast = tokenizers
    rng = random.Random(20261123)
    for _ in range(5000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 30)))
        assert tokens(fast, text) == tokens(original, text), repr(text)


def test_every_corpus_text_tokenizes_the_same(tokenizers):
    original, fast = tokenizers
    for record in read_records(TRAIN_FILE) + read_records(DEV_FILE):
        text = f"{record.subject}\n\n{record.text}"
        assert tokens(fast, text) == tokens(original, text), record.id
