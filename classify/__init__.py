"""classify/: what a message is, which unit it targets, which maladministration types.

The public face is `load_classifier` plus the types in `classify.decision`.
"""

from __future__ import annotations

from classify.decision import Classifier, Decision, Evidence, MessageText
from narahubung.directory import Directory


def load_classifier(directory: Directory) -> Classifier:
    """The classifier in force: the directory-based rules until a trained model replaces them."""
    from classify.rules import RuleClassifier  # spaCy is slow to import; only pay when asked

    return RuleClassifier(directory)


__all__ = ["Classifier", "Decision", "Evidence", "MessageText", "load_classifier"]
