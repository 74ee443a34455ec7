"""Triage marks: the IMAP keywords and folder the original mail should carry, as its case's life says.

Decided here, in the transaction that changes the case (`schedule`, a due row); the server is changed
only after the commit (`ingest.imap.triage.apply_due_marks`), so a lost connection leaves the row due and
the next round tries again. A staff correction or action makes the row due again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.rules import Triage
from storage.models import CaseStatus, RawMessage, TriageMark

_MAILBOX_KEY = re.compile(r"^(?P<account>imaps?://[^/]+)/(?P<folder>.*)$")
_ATOM_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
# a person still has to act on these: a held case is set aside by staff, not finished
REVIEW_STATUSES = (CaseStatus.NEEDS_REVIEW, CaseStatus.BOUNCED, CaseStatus.HELD)
ROUTED_STATUSES = (CaseStatus.ROUTED, CaseStatus.REFERRED, CaseStatus.ANSWERED)


@dataclass(frozen=True)
class Marks:
    keywords: tuple[str, ...]
    folder: str | None  # None: the mail stays where it is


def marks_for(triage: Triage, kind: str | None, agency_type: str | None, status: str) -> Marks:
    """Pure: the keywords and folder of a mail of this kind, agency type and case status."""
    keywords: list[str] = []
    if kind and kind in triage.kind_keywords:
        keywords.append(triage.kind_keywords[kind])
    if agency_type:
        keywords.append(triage.agency_keyword.format(agency_type=_ATOM_UNSAFE.sub("_", agency_type)))
    if status in REVIEW_STATUSES:
        keywords.append(triage.keyword_review)
    if status in ROUTED_STATUSES:
        keywords.append(triage.keyword_routed)
    folders = triage.folders
    if status == CaseStatus.ARCHIVED and kind in ("spam", "auto_reply"):
        folder = folders.spam or folders.archived
    elif status in (CaseStatus.ARCHIVED, CaseStatus.CLOSED):
        folder = folders.archived
    elif status in REVIEW_STATUSES:
        folder = folders.review
    elif status in ROUTED_STATUSES:
        folder = folders.routed.format(agency_type=agency_type or "lainnya")
    else:
        folder = ""
    return Marks(tuple(dict.fromkeys(k for k in keywords if k)), folder or None)


def schedule(session: Session, raw: RawMessage, marks: Marks, *, new: bool = False) -> TriageMark | None:
    """Record in the caller's transaction what the mail should carry; nothing is sent to the server yet.
    `new`: the mail is being recorded for the first time, so it has no row yet (none is looked up)."""
    if raw.mailbox is None or raw.uid is None or raw.uidvalidity is None:
        return None
    found = _MAILBOX_KEY.match(raw.mailbox)
    if found is None:
        return None
    row = None if new else session.scalar(select(TriageMark).where(TriageMark.raw_message_id == raw.id))
    if row is None:
        row = TriageMark(raw_message_id=raw.id, mailbox=found["account"], folder=found["folder"],
                         uidvalidity=raw.uidvalidity, uid=raw.uid, message_id=raw.message_id, applied_keywords=[])
        session.add(row)
    if list(row.keywords or []) != list(marks.keywords) or row.target_folder != marks.folder or row.applied_at is None:
        row.keywords = list(marks.keywords)
        row.target_folder = marks.folder
        row.due = True
    return row
