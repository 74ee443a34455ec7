"""Login rate limit: after too many failures, refuse for a while.

Two windows: five failures for one user name from one address (someone guessing a password), and
twenty from one address whatever the names (someone trying one password on many accounts).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

MAX_FAILURES = 5
MAX_FAILURES_PER_ADDRESS = 20
WINDOW_SECONDS = 15 * 60
_ANY_NAME = "\x00any"


class LoginThrottle:
    """Failures per (user name, client address) and per address in a sliding window; one per app."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic,
                 max_per_address: int = MAX_FAILURES_PER_ADDRESS) -> None:
        self.max_failures = max_failures
        self.max_per_address = max_per_address
        self.window = window
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        failures = self._failures[key]
        horizon = self._clock() - self.window
        while failures and failures[0] < horizon:
            failures.popleft()
        return failures

    def blocked(self, username: str, address: str) -> bool:
        with self._lock:
            return (len(self._recent((username.lower(), address))) >= self.max_failures
                    or len(self._recent((_ANY_NAME, address))) >= self.max_per_address)

    def failed(self, username: str, address: str) -> None:
        with self._lock:
            now = self._clock()
            self._recent((username.lower(), address)).append(now)
            self._recent((_ANY_NAME, address)).append(now)

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            self._failures.pop((username.lower(), address), None)
