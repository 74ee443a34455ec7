"""Typed errors with messages a staff member understands.

Library code raises these; only the CLI turns them into exit codes.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from pydantic import ValidationError


class ExitCode(IntEnum):
    """What a scheduler (cron, systemd) can act on; documented in `narahubung --help` and the README."""

    OK = 0  # a clean round
    FAILURE = 1  # an unexpected error (a bug): the log has the details
    BAD_SETTINGS = 2  # a setting or the settings file is wrong: fix it, a retry will not help
    SERVICE_UNAVAILABLE = 3  # a mailbox, mail server or database could not be reached: retry later
    BAD_INPUT = 4  # a file or argument given on the command line cannot be used
    AUTH_REFUSED = 5  # a mailbox or mail server refused the login: fix the password or token
    SOME_FAILED = 6  # the round ran, but some letters failed (or their outcome is unknown): see `cases`

    @classmethod
    def worst(cls, codes: Iterable[ExitCode]) -> ExitCode:
        """The one code for several outcomes: what needs a person most comes first."""
        found = set(codes)
        return next((code for code in _SEVERITY if code in found), cls.OK)


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


class MailboxAuthFailed(MailboxUnavailable):
    """The server refused the login: retrying soon would only lock the account."""

    exit_code = ExitCode.AUTH_REFUSED
    retryable = False


class MailboxMisconfigured(MailboxUnavailable):
    """The server is there, but a setting is wrong (a missing password_file, a folder that does not exist,
    no STARTTLS where it was asked for)."""

    exit_code = ExitCode.BAD_SETTINGS
    retryable = False


class DeliveryFailed(NarahubungError):
    """The mail server refused or could not be reached; `permanent` says whether a retry can help."""

    exit_code = ExitCode.SERVICE_UNAVAILABLE

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retryable = not permanent


class UnsupportedInput(NarahubungError):
    exit_code = ExitCode.BAD_INPUT


class DatabaseInvalid(NarahubungError):
    """NARAHUBUNG_DATABASE_URL is malformed, names a missing folder or file, or the server cannot be reached."""

    exit_code = ExitCode.BAD_SETTINGS


_SEVERITY = (ExitCode.FAILURE, ExitCode.BAD_SETTINGS, ExitCode.AUTH_REFUSED, ExitCode.SERVICE_UNAVAILABLE,
             ExitCode.BAD_INPUT, ExitCode.SOME_FAILED)


def first_problem(exc: ValidationError, whole: str = "") -> tuple[str, str]:
    """(where, why) of a validation error's first problem: `where` dotted ("units.3.covers"), or
    `whole` when the problem is with the whole value; `why` without pydantic's "Value error, " prefix."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or whole
    return where, str(first["msg"]).removeprefix("Value error, ")
