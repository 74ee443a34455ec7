"""The statuses of a case and the changes allowed between them, as data, and the one function that changes it.

Every writer of a case's status (the rules, staff actions, replies and bounces, failed deliveries) goes
through `set_status`; a change missing from `TRANSITIONS` is refused with `TransitionRefused`, whose
message staff read. Setting the status a case already has is allowed: it records the event again (a
second bounce, a reprocessed message held for review once more).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from core.errors import ExitCode, NarahubungError
from storage.models import Case, CaseStatus
from storage.repository import audit

S = CaseStatus

# from → the statuses it may become. Nothing goes back to `received`.
TRANSITIONS: dict[str, frozenset[str]] = {
    # a new case: the rules decide, a staff member may act before the first round recorded it
    S.RECEIVED: frozenset({S.NEEDS_REVIEW, S.ROUTED, S.REFERRED, S.ARCHIVED, S.HELD}),
    # waiting for staff: routed or referred by them, archived, put aside; a reply or bounce may arrive
    S.NEEDS_REVIEW: frozenset({S.ROUTED, S.REFERRED, S.ARCHIVED, S.HELD, S.ANSWERED, S.BOUNCED, S.CLOSED}),
    # put aside by staff: released to the queue, or decided directly
    S.HELD: frozenset({S.NEEDS_REVIEW, S.ROUTED, S.REFERRED, S.ARCHIVED, S.ANSWERED, S.BOUNCED, S.CLOSED}),
    # with the agency: answered, bounced, back to staff when the letter failed or the case is read again
    # (re-routing to the right unit keeps it routed); finished by staff with a reason
    S.ROUTED: frozenset({S.ANSWERED, S.BOUNCED, S.NEEDS_REVIEW, S.CLOSED}),
    S.REFERRED: frozenset({S.ANSWERED, S.BOUNCED, S.NEEDS_REVIEW, S.ROUTED, S.CLOSED}),
    # the letter came back: staff route it again (to a corrected address), or an answer still comes
    S.BOUNCED: frozenset({S.NEEDS_REVIEW, S.ROUTED, S.REFERRED, S.ANSWERED, S.ARCHIVED, S.HELD, S.CLOSED}),
    # answered: finished by staff, or back to them (a later letter failed, the case is read again, re-routed)
    S.ANSWERED: frozenset({S.CLOSED, S.ARCHIVED, S.NEEDS_REVIEW, S.BOUNCED, S.ROUTED}),
    # archived: reopened (read again, or a staff member routes it after all)
    S.ARCHIVED: frozenset({S.NEEDS_REVIEW, S.ROUTED, S.REFERRED}),
    # finished: reopened by staff or by reading it again; a letter of it that comes back needs staff again
    S.CLOSED: frozenset({S.NEEDS_REVIEW, S.BOUNCED}),
}


class TransitionRefused(NarahubungError):
    """A status change the case's life does not allow; `message` says which, in Indonesian."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, reference: str, current: str, wanted: str) -> None:
        super().__init__(f"Kasus {reference} berstatus {name(current)}; status tidak dapat diubah menjadi "
                         f"{name(wanted)}.")
        self.reference, self.current, self.wanted = reference, current, wanted


def name(status: str) -> str:
    """What staff call a status ("Diteruskan")."""
    return CaseStatus.NAMES.get(status, status).lower()


def allowed(current: str, wanted: str) -> bool:
    return current == wanted or wanted in TRANSITIONS.get(current, frozenset())


def set_status(
    session: Session, case: Case, status: str, action: str, *, actor: str = "system", **detail: Any
) -> None:
    """Change the case's status in the caller's transaction and audit it (who, what, why in `detail`).

    Raises TransitionRefused, before anything is written, when TRANSITIONS does not allow the change.
    """
    if status not in CaseStatus.ALL:
        raise ValueError(f"unknown case status {status!r}")
    previous = case.status
    if not allowed(previous, status):
        raise TransitionRefused(case.reference, previous, status)
    case.status = status
    case.updated_at = datetime.now(UTC)
    audit(session, "case", case.reference, action, actor=actor, from_status=previous, to_status=status,
          detail=detail)
