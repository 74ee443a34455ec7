"""Compose the Indonesian forwarding letter to a unit's focal point. Pure: no I/O but the templates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from core.directory import Office, Recipients, Unit

WIB = ZoneInfo("Asia/Jakarta")
BULAN = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)
SUMMARY_CHARS = 3000

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?:\+62|\b0)[\s.-]?8\d{1,3}(?:[\s.-]?\d{2,4}){2,3}\b")
_NIK = re.compile(r"\b\d{16}\b")
_IDENTITY_LINE = re.compile(
    r"^\s*(?:nama(?:\s+lengkap)?|alamat|nik|no\.?\s*ktp|no\.?\s*(?:hp|telp|wa)|telepon|telp|hp(?:/wa)?|wa|"
    r"whatsapp|e-?mail|surel|pekerjaan|tempat[/,]?\s*tgl\.?\s*lahir|ttl)\s*[:.].*$",
    re.IGNORECASE | re.MULTILINE,
)
_NAME_LINE = re.compile(r"^\s*nama(?:\s+lengkap)?\s*:\s*(?P<name>[^\n,(]{3,60})", re.IGNORECASE | re.MULTILINE)
_SIGN_OFF = re.compile(
    r"^\s*(?:hormat\s+(?:saya|kami)|salam(?:\s+hormat)?|terima\s*kasih|wassalam[^\n]*|tertanda|ttd\.?)"
    r"\s*[,.]?\s*\n(?:\s*\n)?\s*(?P<name>[A-Z][^\n\d@]{2,50})$",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    payload: bytes


@dataclass(frozen=True)
class DraftFacts:
    reference: str
    subject: str
    text: str
    received_at: datetime
    deadline_at: datetime
    resolution_days: int
    complainant_name: str | None
    complainant_email: str | None
    confidential: bool
    maladministration: tuple[str, ...]
    attachments: tuple[Attachment, ...] = ()
    forward_attachments: bool | None = None  # a staff decision; by default not when confidential


@dataclass(frozen=True)
class Draft:
    message_id: str
    subject: str
    sender: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    data: bytes  # the whole RFC 5322 message, exactly as it will be sent
    reply_to: str | None = None  # the plus-address the answer comes back to


def one_line(value: str) -> str:
    """A header value on one line: CR, LF and other control characters become spaces."""
    return " ".join(_CONTROL.sub(" ", value).split())


def plus_address(address: str, reference: str, pattern: str = "{local}+{token}@{domain}") -> str:
    """The office address with the case in it (narahubung+ORI-BABEL.2026.000123@…): replies find their case."""
    local, _, domain = address.partition("@")
    return pattern.format(local=local, token=_token(reference), domain=domain)


def _token(reference: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", ".", reference).strip(".")


def _msgid_part(reference: str) -> str:
    return _token(reference) or "narahubung"


def tanggal(value: datetime) -> str:
    """A date the Indonesian way: 22 November 2026."""
    local = value.astimezone(WIB)
    return f"{local.day} {BULAN[local.month - 1]} {local.year}"


def identity_names(text: str) -> tuple[str, ...]:
    """Names a complainant gives for themself: "Nama: …" lines and the name under a sign-off."""
    found = [m.group("name").strip() for m in _NAME_LINE.finditer(text)]
    found += [m.group("name").strip() for m in _SIGN_OFF.finditer(text)]
    return tuple(dict.fromkeys(n for n in found if n))


def redact_identity(text: str, names: tuple[str, ...] = ()) -> str:
    """Remove what would identify a complainant who asked for confidentiality."""
    names = names + identity_names(text)
    text = _IDENTITY_LINE.sub("[identitas dirahasiakan]", text)
    text = _EMAIL.sub("[surel dirahasiakan]", text)
    text = _NIK.sub("[NIK dirahasiakan]", text)
    text = _PHONE.sub("[telepon dirahasiakan]", text)
    for name in names:
        for part in {name, *name.split()} if name else ():
            if len(part) >= 3:
                text = re.sub(rf"\b{re.escape(part)}\b", "[nama dirahasiakan]", text, flags=re.IGNORECASE)
    return text


class DraftComposer:
    def __init__(self, templates_dir: Path, office: Office) -> None:
        self.office = office
        self.env = Environment(
            loader=FileSystemLoader(str(templates_dir)),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            autoescape=False,  # plain-text letters, never HTML
        )
        self.env.filters["tanggal"] = tanggal

    def compose(
        self,
        facts: DraftFacts,
        unit: Unit,
        recipients: Recipients,
        malad_names: tuple[str, ...],
        now: datetime,
        reply_to: str | None = None,
    ) -> Draft:
        names = tuple(n for n in (facts.complainant_name,) if n)
        summary = facts.text[:SUMMARY_CHARS].strip() or "(laporan tanpa isi teks; lihat lampiran)"
        if facts.confidential:
            summary = redact_identity(summary, names)
        send_files = facts.forward_attachments if facts.forward_attachments is not None else not facts.confidential
        attachments = facts.attachments if send_files else ()
        context = {
            "reference": facts.reference,
            "subject": redact_identity(facts.subject, names) if facts.confidential else facts.subject,
            "office": self.office,
            "unit": unit,
            "recipients": recipients,
            "received_at": facts.received_at,
            "deadline_at": facts.deadline_at,
            "resolution_days": facts.resolution_days,
            "confidential": facts.confidential,
            "complainant_name": None if facts.confidential else facts.complainant_name,
            "complainant_email": None if facts.confidential else facts.complainant_email,
            "maladministration": malad_names,
            "summary": summary,
            "attachments": [a.filename for a in attachments],
        }
        return self.letter(
            "forward",
            context,
            to=tuple((fp.name, fp.email) for fp in recipients.to),
            cc=tuple((fp.name, fp.email) for fp in recipients.cc),
            reference=facts.reference,
            now=now,
            attachments=attachments,
            reply_to=reply_to,
        )

    def letter(
        self,
        template: str,
        context: dict[str, Any],
        *,
        to: tuple[tuple[str, str], ...],
        reference: str,
        now: datetime,
        cc: tuple[tuple[str, str], ...] = (),
        attachments: tuple[Attachment, ...] = (),
        reply_to: str | None = None,
        in_reply_to: str | None = None,
        sender: str | None = None,
        body: str | None = None,
    ) -> Draft:
        """Render `<template>.txt.j2` and `<template>_subject.txt.j2` into one message on the wire; `body`,
        when given (a letter staff edited), is sent as it is instead of the rendered template.

        Every header value is made one line first: a CR or LF from a complainant's subject can never
        start a header of its own.
        """
        context = {"office": self.office, "reference": reference, "now": now, **context}
        subject = one_line(self.env.get_template(f"{template}_subject.txt.j2").render(context))
        if body is None:
            body = self.env.get_template(f"{template}.txt.j2").render(context)

        domain = self.office.sender_email.rpartition("@")[2] or "narahubung.local"
        message_id = make_msgid(idstring=_msgid_part(reference), domain=domain)
        msg = EmailMessage()
        msg["From"] = formataddr((one_line(self.office.name), self.office.sender_email))
        msg["To"] = ", ".join(formataddr((one_line(name), email)) for name, email in to)
        if cc:
            msg["Cc"] = ", ".join(formataddr((one_line(name), email)) for name, email in cc)
        if reply_to:
            msg["Reply-To"] = reply_to
        msg["Subject"] = subject
        msg["Date"] = format_datetime(now.astimezone(WIB))
        msg["Message-ID"] = message_id
        if in_reply_to:
            msg["In-Reply-To"] = in_reply_to
            msg["References"] = in_reply_to
        msg["X-Narahubung-Reference"] = one_line(reference)
        msg["X-Narahubung-Letter"] = template  # forward, acknowledgement, reminder … (for mail filters)
        msg.set_content(body)
        for attachment in attachments:
            maintype, _, subtype = attachment.content_type.partition("/")
            msg.add_attachment(
                attachment.payload,
                maintype=maintype or "application",
                subtype=subtype or "octet-stream",
                filename=one_line(attachment.filename),
            )
        return Draft(
            message_id=message_id,
            subject=subject,
            sender=sender or reply_to or self.office.sender_email,
            to=tuple(email for _, email in to),
            cc=tuple(email for _, email in cc),
            data=msg.as_bytes(policy=SMTP_POLICY),
            reply_to=reply_to,
        )
