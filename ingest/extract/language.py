"""The language a document is written in, among the few that reach an Indonesian Ombudsman office."""

from __future__ import annotations

import threading

from py3langid.langid import MODEL_FILE, LanguageIdentifier

LANGUAGES = ("id", "en", "ms", "jv")
MIN_LETTERS = 40  # shorter texts ("Terlampir surat saya.") are guessed wrong as often as right
MIN_WORDS = 6
MIN_PROBABILITY = 0.5
SAMPLE_CHARS = 20_000  # the start of a long document says as much as all of it

_identifier: LanguageIdentifier | None = None
_lock = threading.Lock()


def detect_language(text: str) -> str | None:
    """An ISO 639-1 code from LANGUAGES, or None when the text is too short or too mixed to tell."""
    sample = text[:SAMPLE_CHARS]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS or len(sample.split()) < MIN_WORDS:
        return None
    language, probability = _get_identifier().classify(sample)
    return str(language) if probability >= MIN_PROBABILITY else None


def load_model() -> None:
    """Load the model now (a long-running process does it at start, not inside its first job)."""
    _get_identifier()


def _get_identifier() -> LanguageIdentifier:
    global _identifier
    with _lock:  # loading the model takes about a second; do it once
        if _identifier is None:
            identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            identifier.set_languages(list(LANGUAGES))
            _identifier = identifier
    return _identifier
