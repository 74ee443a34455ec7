"""The routing rules file (`config/routing.toml`): ordered rules plus the settings of a case's life.

Read once into frozen pydantic models; `plan.py` walks the rules, nothing else parses the file.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.errors import SettingsInvalid, first_problem

Action = Literal["forward", "referral", "reply", "follow_up", "archive", "review"]
Mode = Literal["smtp", "imap_draft"]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class When(_Strict):
    machine_generated: bool | None = None
    kind: tuple[str, ...] | None = None
    confident: bool | None = None
    damaged: bool | None = None


class Rule(_Strict):
    name: str
    when: When = When()
    action: Action
    mode: Mode = "smtp"
    fallback: bool = False  # forward: a unit without a focal point goes up the Inspektorat chain
    reason: str = ""


class Life(_Strict):
    reference_format: str = "{prefix}/{year}/{number:06d}"
    reply_to: str = "{local}+{token}@{domain}"
    acknowledge: bool = True
    acknowledge_kinds: tuple[str, ...] = ("complaint", "inquiry", "out_of_mandate", "other_province")
    reminder_days: tuple[int, ...] = (14, 30, 50)
    escalate: bool = True
    escalate_to: str = "inspektorat"
    retry_base_minutes: float = 5.0
    max_attempts: int = 6
    drafts_folder: str = "Drafts"

    @field_validator("reference_format")
    @classmethod
    def _format_has_number(cls, value: str) -> str:
        try:
            sample = value.format(prefix="ORI-X", year=2026, number=1)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"only {{prefix}}, {{year}} and {{number}} may be used ({exc})") from exc
        if "{number" not in value or "\r" in sample or "\n" in sample:
            raise ValueError("must contain {number} and no line break")
        return value

    @field_validator("reminder_days")
    @classmethod
    def _sorted_days(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(d <= 0 for d in value):
            raise ValueError("reminder days must be positive")
        return tuple(sorted(set(value)))


class TriageFolders(_Strict):
    spam: str = ""
    review: str = ""
    routed: str = ""  # may use {agency_type}
    archived: str = ""


class Triage(_Strict):
    enabled: bool = True
    keyword_review: str = "$PerluTinjauan"
    keyword_routed: str = "$Diteruskan"
    agency_keyword: str = "$Instansi_{agency_type}"
    kind_keywords: dict[str, str] = Field(default_factory=dict)
    folders: TriageFolders = TriageFolders()


class RoutingConfig(_Strict):
    rules: tuple[Rule, ...]
    life: Life = Life()
    triage: Triage = Triage()

    def format_reference(self, prefix: str, year: int, number: int) -> str:
        return self.life.reference_format.format(prefix=prefix, year=year, number=number)

    def rule(self, name: str) -> Rule | None:
        return next((r for r in self.rules if r.name == name), None)


DEFAULT_RULES_FILE = Path(__file__).resolve().parent.parent / "config" / "routing.toml"


def load_routing(path: Path = DEFAULT_RULES_FILE) -> RoutingConfig:
    """Read and check the rules file; a mistake raises SettingsInvalid naming the place."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SettingsInvalid(f"Berkas aturan penerusan tidak ditemukan: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsInvalid(f"Berkas aturan penerusan {path} bukan TOML yang sah: {exc}") from exc
    try:
        config = RoutingConfig.model_validate(raw)
    except ValidationError as exc:
        where, why = first_problem(exc)
        raise SettingsInvalid(f"Berkas aturan penerusan {path} tidak sah di '{where}': {why}") from exc
    if not config.rules:
        raise SettingsInvalid(f"Berkas aturan penerusan {path} tidak berisi satu aturan pun.")
    names = [r.name for r in config.rules]
    if len(set(names)) != len(names):
        raise SettingsInvalid(f"Berkas aturan penerusan {path}: nama aturan harus unik ({names}).")
    return config
