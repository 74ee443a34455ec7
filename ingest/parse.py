"""Turn raw message bytes into a ParsedMail with mail-parser. Pure: no I/O."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formataddr

import mailparser

from ingest.errors import MessageUnparseable

# Headers that mark a message as machine-generated (RFC 3834 and common vendor variants).
_AUTO_HEADERS = ("auto-submitted", "x-autoreply", "x-autorespond", "x-auto-response-suppress")
_BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
# Defects after which the text we read may differ from what the sender wrote.
_DAMAGING_DEFECTS = (
    "CloseBoundaryNotFoundDefect",
    "StartBoundaryNotFoundDefect",
    "MultipartInvariantViolationDefect",
    "CharsetDecodeDefect",
    "InvalidBase64CharactersDefect",
    "InvalidBase64PaddingDefect",
    "InvalidBase64LengthDefect",
    "MissingHeaderBodySeparatorDefect",
)
_ENVELOPE_HEADERS = {"from", "to", "subject", "date", "message-id", "received", "return-path"}


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    payload: bytes


@dataclass(frozen=True)
class ParsedMail:
    subject: str
    sender_name: str
    sender_email: str
    message_id: str | None
    date: datetime | None
    headers: dict[str, str]
    text_plain: str
    text_html: str
    attachments: tuple[Attachment, ...] = ()
    defects: tuple[str, ...] = ()
    damage: tuple[str, ...] = ()  # the defects that may have changed what the message says
    is_auto_reply: bool = False
    auto_reply_reason: str | None = None


def parse_message(data: bytes) -> ParsedMail:
    """Parse RFC 5322 bytes. Raises MessageUnparseable when the bytes are not a mail at all."""
    if not data.strip():
        raise MessageUnparseable("pesan kosong (0 byte isi)")
    try:
        mail = mailparser.parse_from_bytes(data)
    except Exception as exc:  # mail-parser raises a variety of types on hostile input
        raise MessageUnparseable(f"pengurai surel gagal: {type(exc).__name__}: {exc}") from exc

    headers = {str(k).lower(): _header_text(v) for k, v in (mail.headers or {}).items()}
    if not _ENVELOPE_HEADERS & set(headers):
        raise MessageUnparseable("tidak ada kepala surel (From, Subject, Date …): bukan pesan surel")

    sender_name, sender_email = _first_address(mail.from_ or [])
    auto_reason = auto_reply_reason(headers, mail.message.get_content_type(), sender_email)
    defects = tuple(_defect_lines(mail.defects or []))
    return ParsedMail(
        subject=_header_text(mail.subject or "").strip(),
        sender_name=sender_name,
        sender_email=sender_email,
        message_id=(headers.get("message-id") or "").strip() or None,
        date=_aware(mail.date),
        headers=headers,
        text_plain="\n".join(mail.text_plain or []),
        text_html="\n".join(mail.text_html or []),
        attachments=tuple(_attachments(mail.attachments or [])),
        defects=defects,
        damage=tuple(d for d in defects if any(name in d for name in _DAMAGING_DEFECTS)),
        is_auto_reply=auto_reason is not None,
        auto_reply_reason=auto_reason,
    )


def auto_reply_reason(headers: dict[str, str], content_type: str, sender_email: str) -> str | None:
    """Why a message is machine-generated (and must never be answered), or None."""
    auto = headers.get("auto-submitted", "").strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    for name in _AUTO_HEADERS[1:]:
        if name in headers:
            return f"header {name}"
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in _BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    if content_type == "multipart/report":
        return "laporan pengiriman (multipart/report)"
    if "return-path" in headers and headers["return-path"].strip() in ("<>", ""):
        return "Return-Path kosong (pesan pantulan)"
    if sender_email.lower().startswith(("mailer-daemon@", "postmaster@")):
        return "pengirim adalah mailer-daemon"
    return None


def _header_text(value: object) -> str:
    """mail-parser gives address headers as (name, address) pairs and the rest as strings."""
    if isinstance(value, list | tuple):
        return ", ".join(_address(v) if isinstance(v, tuple) and len(v) == 2 else str(v) for v in value)
    return str(value)


def _address(pair: tuple[object, object]) -> str:
    name, address = (str(part or "") for part in pair)
    try:
        return formataddr((name, address))
    except UnicodeError:  # a non-ASCII address (RFC 6532): formataddr insists on ASCII
        return f"{name} <{address}>" if name else address


def _first_address(pairs: list[tuple[str, str]]) -> tuple[str, str]:
    found = [(str(n or ""), str(a)) for n, a in pairs if a]
    return found[0] if found else ("", "")


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    # mail-parser returns the Date header converted to naive UTC
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _attachments(items: list[dict[str, object]]) -> list[Attachment]:
    out: list[Attachment] = []
    for index, item in enumerate(items, start=1):
        payload = item.get("payload") or ""
        if item.get("binary"):
            try:
                data = base64.b64decode(str(payload))
            except (binascii.Error, ValueError):
                data = b""
        else:
            data = str(payload).encode(str(item.get("charset") or "utf-8"), errors="replace")
        filename = str(item.get("filename") or f"lampiran-{index}")
        out.append(Attachment(filename, str(item.get("mail_content_type") or "application/octet-stream"), data))
    return out


def _defect_lines(defects: list[dict[str, list[str]]]) -> list[str]:
    return [f"{part}: {text}" for defect in defects for part, texts in defect.items() for text in texts]
