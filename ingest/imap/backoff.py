"""Exponential backoff with full jitter for reconnect loops that run until stopped."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    initial_s: float = 1.0
    maximum_s: float = 300.0
    rng: random.Random = field(default_factory=random.Random)
    _attempt: int = 0

    def next_delay(self) -> float:
        """The next wait: a random point in [ceiling/2, ceiling], the ceiling doubling each failure."""
        ceiling = min(self.maximum_s, self.initial_s * (2**self._attempt))
        self._attempt += 1
        return ceiling / 2 + self.rng.random() * ceiling / 2

    def reset(self) -> None:
        self._attempt = 0
