"""Which case a later message belongs to: an agency's reply, a bounce, a complainant's follow-up.

Tried in order: In-Reply-To, References (our Message-IDs), the plus-address of a case in the
recipients, the Message-IDs quoted inside a bounce, and a case reference in the subject from someone
the case already knows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Case, Delivery

_MSGID = re.compile(r"<[^<>\s]+>")
_ADDRESS = re.compile(r"[\w.+=-]+@[\w-]+(?:\.[\w-]+)+")
# a long Message-ID may be folded onto the next line ("Message-ID:\r\n <…>"), as Python's SMTP policy folds ours
_QUOTED_MSGID = re.compile(rb"^message-id:[ \t]*(?:\r?\n[ \t]+)?(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
_FINAL_RECIPIENT = re.compile(rb"^(?:final|original)-recipient:\s*rfc822;\s*<?([^\s>]+)>?", re.IGNORECASE | re.MULTILINE)
RECIPIENT_HEADERS = ("to", "cc", "delivered-to", "x-original-to", "envelope-to")


@dataclass(frozen=True)
class ThreadMatch:
    case: Case
    matched_by: str  # in_reply_to | references | plus_address | bounce | subject
    delivery: Delivery | None = None


def reference_pattern(reference_format: str, prefix: str) -> re.Pattern[str]:
    """A regex for references made by `reference_format` (e.g. ORI-BABEL/2026/000123)."""
    out, pos = [], 0
    for field in re.finditer(r"\{(\w+)(?::[^}]*)?\}", reference_format):
        out.append(re.escape(reference_format[pos:field.start()]))
        out.append({"prefix": re.escape(prefix), "year": r"\d{4}"}.get(field.group(1), r"\d+"))
        pos = field.end()
    out.append(re.escape(reference_format[pos:]))
    return re.compile("".join(out), re.IGNORECASE)


def quoted_message_ids(raw: bytes) -> list[str]:
    """The Message-IDs of the messages quoted in a raw message (a delivery report quotes the bounced letter)."""
    return [m.decode("ascii", "replace") for m in _QUOTED_MSGID.findall(raw)]


def find_thread(
    session: Session,
    headers: dict[str, str],
    subject: str,
    sender: str,
    raw: bytes,
    reference_re: re.Pattern[str],
    is_bounce: bool,
    body: str = "",
) -> ThreadMatch | None:
    for header, how in (("in-reply-to", "in_reply_to"), ("references", "references")):
        ids = _MSGID.findall(headers.get(header, ""))
        found = _by_message_ids(session, ids)
        if found is not None:
            return ThreadMatch(found.case, how, found)
    if is_bounce:  # the bounced letter's own Message-ID, quoted in the report, says exactly which one
        found = _by_message_ids(session, quoted_message_ids(raw))
        if found is not None:
            return ThreadMatch(found.case, "bounce", found)
    addresses = {a.lower() for h in RECIPIENT_HEADERS for a in _ADDRESS.findall(headers.get(h, ""))}
    if addresses:
        deliveries = list(session.scalars(
            select(Delivery).where(func.lower(Delivery.reply_to).in_(addresses)).order_by(Delivery.id)
        ))
        if deliveries:
            chosen = _bounced_one(deliveries, raw) if is_bounce else deliveries[0]
            return ThreadMatch(deliveries[0].case, "plus_address", chosen)
    for text, how in ((subject, "subject"), (body, "body")):
        for reference in dict.fromkeys(m.group(0).upper() for m in reference_re.finditer(text or "")):
            case = session.scalar(select(Case).where(func.upper(Case.reference) == reference))
            if case is not None and knows(case, sender):
                return ThreadMatch(case, how)
    return None


def _bounced_one(deliveries: list[Delivery], raw: bytes) -> Delivery | None:
    """Of a case's letters, the one sent to the address a delivery report names as failed."""
    failed = {m.decode("ascii", "replace").lower() for m in _FINAL_RECIPIENT.findall(raw)}
    return next((d for d in reversed(deliveries) if failed & {a.lower() for a in (*d.to_addrs, *d.cc_addrs)}), None)


def _by_message_ids(session: Session, ids: list[str]) -> Delivery | None:
    if not ids:
        return None
    return session.scalars(select(Delivery).where(Delivery.message_id.in_(ids)).order_by(Delivery.id.desc())).first()


def knows(case: Case, sender: str) -> bool:
    """The sender is the complainant or someone a letter of the case went to."""
    sender = (sender or "").lower()
    if not sender:
        return False
    if case.complainant_email and case.complainant_email.lower() == sender:
        return True
    return any(sender in {a.lower() for a in (*d.to_addrs, *d.cc_addrs)} for d in case.deliveries)


def looks_like_bounce(headers: dict[str, str], sender: str) -> bool:
    content_type = headers.get("content-type", "").lower()
    local = sender.lower().partition("@")[0]
    return (
        "multipart/report" in content_type
        or (headers.get("return-path", "").strip() in ("<>", "")  and "x-failed-recipients" in headers)
        or local in ("mailer-daemon", "postmaster")
    )
