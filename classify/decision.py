"""The small public face of classify/: what goes in, what comes out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol, get_args

Kind = Literal[
    "complaint",
    "follow_up",
    "inquiry",
    "out_of_mandate",
    "other_province",
    "auto_reply",
    "spam",
    "thanks",
]
KINDS: tuple[str, ...] = get_args(Kind)


@dataclass(frozen=True)
class MessageText:
    """Everything a classifier may read about one message."""

    subject: str
    body: str
    attachments_text: str = ""
    sender: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    is_auto_reply: bool = False

    @property
    def full_text(self) -> str:
        """Subject, body and attachment text joined; evidence offsets refer to this string."""
        return "\n\n".join(p for p in (self.subject, self.body, self.attachments_text) if p)


@dataclass(frozen=True)
class Evidence:
    """A span of `MessageText.full_text` that supports one decision."""

    field: str  # kind | agency_type | region | maladministration | confidential | case_ref
    label: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Decision:
    kind: str | None
    agency_type: str | None
    region: str | None
    unit: str | None
    maladministration: tuple[str, ...]
    confidence: float
    abstain: bool
    model_version: str
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    evidence: tuple[Evidence, ...] = ()
    confidential: bool = False
    other_province: str | None = None
    case_ref: str | None = None
    reasons: tuple[str, ...] = ()


class Classifier(Protocol):
    version: str

    def classify(self, message: MessageText) -> Decision: ...
