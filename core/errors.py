"""Typed errors with messages a staff member understands.

Library code raises these; only the CLI turns them into exit codes.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1
    BAD_SETTINGS = 2
    SERVICE_UNAVAILABLE = 3
    BAD_INPUT = 4


class NarahubungError(Exception):
    """Base of every error Narahubung raises on purpose."""

    exit_code: ExitCode = ExitCode.FAILURE
    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SettingsInvalid(NarahubungError):
    exit_code = ExitCode.BAD_SETTINGS


class DirectoryInvalid(NarahubungError):
    exit_code = ExitCode.BAD_SETTINGS


class MailboxUnavailable(NarahubungError):
    exit_code = ExitCode.SERVICE_UNAVAILABLE
    retryable = True


class DeliveryFailed(NarahubungError):
    """The mail server refused or could not be reached; `permanent` says whether a retry can help."""

    exit_code = ExitCode.SERVICE_UNAVAILABLE

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retryable = not permanent


class UnsupportedInput(NarahubungError):
    exit_code = ExitCode.BAD_INPUT


def first_problem(exc: ValidationError, whole: str = "") -> tuple[str, str]:
    """(where, why) of a validation error's first problem: `where` dotted ("units.3.covers"), or
    `whole` when the problem is with the whole value; `why` without pydantic's "Value error, " prefix."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or whole
    return where, str(first["msg"]).removeprefix("Value error, ")
