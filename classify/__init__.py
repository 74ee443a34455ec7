"""classify/: what a message is, which unit it targets, which maladministration types.

The public face is `load_classifier` plus the types in `classify.decision`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from classify.decision import Classifier, Decision, Evidence, MessageText
from core.directory import Directory
from core.errors import ExitCode, NarahubungError

# The model shipped with the project, trained by `narahubung train --out classify/model` (seed 0,
# the train split; classify/learned/); its meta.json says how and with which out-of-fold figures,
# and its version is recorded on every classification.
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "model"
ClassifierName = Literal["trained", "rules"]


class ModelMissing(NarahubungError):
    """The configured model folder holds no trained model."""

    exit_code = ExitCode.BAD_SETTINGS


def load_classifier(
    directory: Directory,
    *,
    name: ClassifierName = "trained",
    model_dir: Path | None = None,
    min_confidence: float | None = None,
) -> Classifier:
    """The classifier in force: the trained model (default) or the directory-based rules.

    `min_confidence`: a calibrated confidence at or above it auto-routes a complaint; None keeps
    the threshold fitted with the model (routed precision >= 0.995 on out-of-fold predictions).
    """
    # spaCy is slow to import; only pay when asked
    if name == "rules":
        from classify.rules import RuleClassifier

        return RuleClassifier(directory)
    from classify.learned.classifier import LearnedClassifier

    path = model_dir or DEFAULT_MODEL_DIR
    if not (path / "meta.json").is_file() or not (path / "weights.npz").is_file():
        raise ModelMissing(
            f"Model pengklasifikasi tidak ditemukan di {path}. Latih dengan "
            f"`narahubung train --out {path}` atau atur NARAHUBUNG_MODEL_DIR."
        )
    return LearnedClassifier(directory, path, min_confidence=min_confidence)


__all__ = [
    "DEFAULT_MODEL_DIR",
    "Classifier",
    "ClassifierName",
    "Decision",
    "Evidence",
    "MessageText",
    "ModelMissing",
    "load_classifier",
]
