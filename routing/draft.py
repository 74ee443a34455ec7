"""Compose the Indonesian forwarding letter to a unit's focal point. Pure: no I/O but the templates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from narahubung.directory import Office, Recipients, Unit

WIB = ZoneInfo("Asia/Jakarta")
BULAN = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)
SUMMARY_CHARS = 3000

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
        subject = self.env.get_template("forward_subject.txt.j2").render(context).strip()
        body = self.env.get_template("forward.txt.j2").render(context)

        domain = self.office.sender_email.rpartition("@")[2] or "narahubung.local"
        message_id = make_msgid(idstring=facts.reference.replace("/", "."), domain=domain)
        msg = EmailMessage()
        msg["From"] = formataddr((self.office.name, self.office.sender_email))
        msg["To"] = ", ".join(formataddr((fp.name, fp.email)) for fp in recipients.to)
        if recipients.cc:
            msg["Cc"] = ", ".join(formataddr((fp.name, fp.email)) for fp in recipients.cc)
        msg["Subject"] = subject
        msg["Date"] = format_datetime(now.astimezone(WIB))
        msg["Message-ID"] = message_id
        msg["X-Narahubung-Reference"] = facts.reference
        msg.set_content(body)
        for attachment in attachments:
            maintype, _, subtype = attachment.content_type.partition("/")
            msg.add_attachment(
                attachment.payload,
                maintype=maintype or "application",
                subtype=subtype or "octet-stream",
                filename=attachment.filename,
            )
        return Draft(
            message_id=message_id,
            subject=subject,
            sender=self.office.sender_email,
            to=tuple(fp.email for fp in recipients.to),
            cc=tuple(fp.email for fp in recipients.cc),
            data=msg.as_bytes(policy=SMTP_POLICY),
        )
