"""Every letter a case sends, composed from what storage holds about it.

Pure except for reading the case's documents and their blobs through the caller's session.
Replies come back to the plus-address of the case (Reply-To and envelope sender).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.base import NO_VALUE
from sqlalchemy.orm.util import identity_key

from core.directory import Directory, OtherOffice, Recipients, Unit
from routing.draft import (
    SUMMARY_CHARS,
    Attachment,
    Draft,
    DraftComposer,
    DraftFacts,
    plus_address,
    redact_identity,
)
from routing.rules import RoutingConfig
from storage.blobs import BlobStore
from storage.models import Case, Document, RawMessage


@dataclass(frozen=True)
class Letters:
    """What composing needs; a `routing.cases.Desk` builds it from one directory snapshot."""

    composer: DraftComposer
    directory: Directory
    routing: RoutingConfig
    blobs: BlobStore

    def reply_to(self, case: Case) -> str:
        # the intake address: the mailbox Narahubung reads, so answers come back to it
        return plus_address(self.directory.office.intake_email, case.reference, self.routing.life.reply_to)

    # --- the case's own words ----------------------------------------------------------------
    def documents(self, session: Session, raw_message_id: int) -> list[Document]:
        raw = session.identity_map.get(identity_key(RawMessage, raw_message_id))
        if raw is not None and inspect(raw).attrs.documents.loaded_value is not NO_VALUE:
            return list(raw.documents)  # loaded in this session (the message recorded now): no query
        return list(session.scalars(
            select(Document).where(Document.raw_message_id == raw_message_id).order_by(Document.id)
        ))

    def facts(
        self,
        session: Session,
        case: Case,
        *,
        raw_message_id: int | None = None,
        text: str | None = None,
        forward_attachments: bool | None = None,
    ) -> DraftFacts:
        documents = self.documents(session, raw_message_id or case.raw_message_id)
        if text is None:
            text = "\n\n".join(d.clean_text or d.text for d in documents if (d.clean_text or d.text))
        return DraftFacts(
            reference=case.reference,
            subject=case.subject,
            text=text,
            received_at=case.received_at,
            deadline_at=case.deadline_at,
            resolution_days=self.directory.resolution_days,
            complainant_name=case.complainant_name,
            complainant_email=case.complainant_email,
            confidential=case.confidential,
            maladministration=tuple(case.maladministration),
            attachments=tuple(
                Attachment(d.filename or "lampiran", d.content_type or "application/octet-stream",
                           self.blobs.get(d.blob_sha256))
                for d in documents if d.blob_sha256
            ),
            forward_attachments=forward_attachments,
        )

    # --- letters -----------------------------------------------------------------------------
    def forward(self, facts: DraftFacts, case: Case, unit: Unit, recipients: Recipients, now: datetime) -> Draft:
        names = {m.id: m.name for m in self.directory.maladministration_types}
        malad = tuple(names.get(m, m) for m in facts.maladministration)
        return self.composer.compose(facts, unit, recipients, malad, now, reply_to=self.reply_to(case))

    def referral(self, facts: DraftFacts, case: Case, office: OtherOffice, now: datetime,
                 body: str | None = None) -> Draft:
        context = self._identity_context(facts)
        context["other_office"] = office
        files = self._attachments(facts)
        context["attachments"] = [a.filename for a in files]
        return self.composer.letter("referral", context, to=((office.name, office.email),),
                                    reference=case.reference, now=now, attachments=files,
                                    reply_to=self.reply_to(case), body=body)

    def reply(self, facts: DraftFacts, case: Case, now: datetime, body: str | None = None) -> Draft:
        if not case.complainant_email:
            raise ValueError("no complainant address")
        context = {"subject": facts.subject, "complainant_name": case.complainant_name,
                   "received_at": case.received_at, "kind": case.kind}
        return self.composer.letter("reply", context, to=((case.complainant_name or "", case.complainant_email),),
                                    reference=case.reference, now=now, reply_to=self.reply_to(case),
                                    in_reply_to=case.raw_message.message_id if case.raw_message else None,
                                    body=body)

    def acknowledgement(self, case: Case, now: datetime, in_reply_to: str | None) -> Draft:
        assert case.complainant_email
        context = {"subject": case.subject, "complainant_name": case.complainant_name,
                   "received_at": case.received_at}
        return self.composer.letter("acknowledgement", context,
                                    to=((case.complainant_name or "", case.complainant_email),),
                                    reference=case.reference, now=now, reply_to=self.reply_to(case),
                                    in_reply_to=in_reply_to)

    def reminder(self, case: Case, number: int, days: int, to: tuple[str, ...], cc: tuple[str, ...],
                 unit_name: str, in_reply_to: str | None, now: datetime) -> Draft:
        context = {"number": number, "days": days, "unit_name": unit_name, "routed_at": case.routed_at or now,
                   "deadline_at": case.deadline_at}
        return self.composer.letter("reminder", context, to=tuple(("", a) for a in to), cc=tuple(("", a) for a in cc),
                                    reference=case.reference, now=now, reply_to=self.reply_to(case),
                                    in_reply_to=in_reply_to)

    def escalation(self, case: Case, supervisor: Unit, recipients: Recipients, unit_name: str,
                   in_reply_to: str | None, now: datetime) -> Draft:
        context = {"supervisor_name": supervisor.name, "unit_name": unit_name, "routed_at": case.routed_at or now,
                   "deadline_at": case.deadline_at, "reminders": case.reminders_sent}
        return self.composer.letter("escalation", context,
                                    to=tuple((fp.name, fp.email) for fp in recipients.to),
                                    cc=tuple((fp.name, fp.email) for fp in recipients.cc),
                                    reference=case.reference, now=now, reply_to=self.reply_to(case),
                                    in_reply_to=in_reply_to)

    def retraction(self, case: Case, to: tuple[str, ...], cc: tuple[str, ...], unit_name: str,
                   routed_at: datetime, in_reply_to: str | None, now: datetime) -> Draft:
        """To the recipients of a letter sent to the wrong unit: disregard and delete it (no content repeated)."""
        context = {"unit_name": unit_name, "routed_at": routed_at}
        return self.composer.letter("retraction", context, to=tuple(("", a) for a in to),
                                    cc=tuple(("", a) for a in cc), reference=case.reference, now=now,
                                    reply_to=self.reply_to(case), in_reply_to=in_reply_to)

    def follow_up(self, facts: DraftFacts, case: Case, to: tuple[str, ...], cc: tuple[str, ...], unit_name: str,
                  received_at: datetime, in_reply_to: str | None, now: datetime) -> Draft:
        context = self._identity_context(facts)
        files = self._attachments(facts)
        context.update(unit_name=unit_name, received_at=received_at, attachments=[a.filename for a in files])
        return self.composer.letter("follow_up", context, to=tuple(("", a) for a in to),
                                    cc=tuple(("", a) for a in cc), reference=case.reference, now=now,
                                    attachments=files, reply_to=self.reply_to(case), in_reply_to=in_reply_to)

    # --- helpers -----------------------------------------------------------------------------
    @staticmethod
    def _identity_context(facts: DraftFacts) -> dict[str, object]:
        names = tuple(n for n in (facts.complainant_name,) if n)
        summary = facts.text[:SUMMARY_CHARS].strip() or "(tanpa isi teks; lihat lampiran)"
        subject = facts.subject
        if facts.confidential:
            summary, subject = redact_identity(summary, names), redact_identity(subject, names)
        return {
            "subject": subject,
            "summary": summary,
            "received_at": facts.received_at,
            "confidential": facts.confidential,
            "complainant_name": None if facts.confidential else facts.complainant_name,
            "complainant_email": None if facts.confidential else facts.complainant_email,
        }

    @staticmethod
    def _attachments(facts: DraftFacts) -> tuple[Attachment, ...]:
        send = facts.forward_attachments if facts.forward_attachments is not None else not facts.confidential
        return facts.attachments if send else ()
