"""SQLAlchemy 2.0 typed models: the only shared state between the stages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict] = {dict[str, Any]: JSON, list[Any]: JSON, datetime: UtcDateTime()}


class RawStatus:
    PENDING = "pending"  # stored, not yet processed
    PROCESSED = "processed"  # a case exists for it
    FAILED = "failed"  # kept, but could not be parsed; reason in `error`
    DUPLICATE = "duplicate"  # the same bytes arrived before; see `duplicate_of_id`


class RawMessage(Base):
    """Every message or scanned letter exactly as received. Bytes live in the blob store."""

    __tablename__ = "raw_messages"
    __table_args__ = (UniqueConstraint("mailbox", "uidvalidity", "uid", name="uq_raw_messages_imap_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))  # imap | file | letter
    mailbox: Mapped[str | None] = mapped_column(String(255))
    uidvalidity: Mapped[int | None] = mapped_column(Integer)
    uid: Mapped[int | None] = mapped_column(Integer)
    filename: Mapped[str | None] = mapped_column(String(255))
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    body_sha256: Mapped[str | None] = mapped_column(String(64))  # bytes after the header: same mail re-sent
    size: Mapped[int] = mapped_column(Integer)  # of the whole message, also when only its header is kept
    truncated: Mapped[bool] = mapped_column(Boolean, default=False)  # too large: only the header was kept
    server_marked: Mapped[bool] = mapped_column(Boolean, default=False)  # after-commit action done on the server
    content_type: Mapped[str] = mapped_column(String(100), default="message/rfc822")
    received_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=RawStatus.PENDING, index=True)
    error: Mapped[str | None] = mapped_column(Text)
    defects: Mapped[list[Any]] = mapped_column(default=list)  # parser warnings; the message was still read
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("raw_messages.id"))

    documents: Mapped[list[Document]] = relationship(back_populates="raw_message", order_by="Document.id")
    case: Mapped[Case | None] = relationship(back_populates="raw_message")
    duplicate_of: Mapped[RawMessage | None] = relationship(remote_side=[id])


class Document(Base):
    """Text extracted from one part of a message: the body or one attachment."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    raw_message_id: Mapped[int] = mapped_column(ForeignKey("raw_messages.id"), index=True)
    part: Mapped[str] = mapped_column(String(32))  # body | attachment | letter | message | member
    path: Mapped[str] = mapped_column(String(255), default="")  # where in the message: body, 2, 2/1, 3/surat.pdf
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    blob_sha256: Mapped[str | None] = mapped_column(String(64))  # attachments are kept as blobs
    size: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text, default="")
    clean_text: Mapped[str | None] = mapped_column(Text)  # the sender's own words, when they differ from text
    method: Mapped[str] = mapped_column(String(32))  # plain | html | text_layer | ocr | docx | none …
    pages: Mapped[int | None] = mapped_column(Integer)
    ocr_confidence: Mapped[float | None] = mapped_column(Float)
    language: Mapped[str | None] = mapped_column(String(16))
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)  # of a nested message
    error: Mapped[str | None] = mapped_column(Text)

    raw_message: Mapped[RawMessage] = relationship(back_populates="documents")


class CaseStatus:
    RECEIVED = "received"
    NEEDS_REVIEW = "needs_review"
    ROUTED = "routed"  # a delivery is queued or sent
    ARCHIVED = "archived"  # auto-replies, spam: never answered
    REFERRED = "referred"  # handed to another province's office (issue 6)
    ANSWERED = "answered"  # the focal point replied (issue 6)
    BOUNCED = "bounced"  # a letter of the case came back undelivered (issue 6)
    HELD = "held"  # staff put the case aside: out of the review queue until released or routed
    CLOSED = "closed"  # finished by staff with a reason (an inquiry answered, a referral sent, resolved)
    ALL = (RECEIVED, NEEDS_REVIEW, ROUTED, ARCHIVED, REFERRED, ANSWERED, BOUNCED, HELD, CLOSED)
    # what staff read; the allowed changes between them are routing.life.TRANSITIONS
    NAMES: ClassVar[dict[str, str]] = {
        RECEIVED: "Diterima",
        NEEDS_REVIEW: "Perlu ditinjau",
        ROUTED: "Diteruskan",
        ARCHIVED: "Diarsipkan",
        HELD: "Ditahan",
        BOUNCED: "Surat kembali",
        ANSWERED: "Dijawab",
        REFERRED: "Dilimpahkan",
        CLOSED: "Selesai",
    }


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    raw_message_id: Mapped[int] = mapped_column(ForeignKey("raw_messages.id"), unique=True)
    kind: Mapped[str | None] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(32), default=CaseStatus.RECEIVED, index=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    complainant_name: Mapped[str | None] = mapped_column(String(255))
    complainant_email: Mapped[str | None] = mapped_column(String(255))
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    unit_id: Mapped[str | None] = mapped_column(String(64), index=True)
    maladministration: Mapped[list[Any]] = mapped_column(default=list)
    confidence: Mapped[float | None] = mapped_column(Float)
    review_reasons: Mapped[list[Any]] = mapped_column(default=list)
    received_at: Mapped[datetime] = mapped_column(index=True)
    deadline_at: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # routing (issue 6): the rule that decided, the life after routing
    route_rule: Mapped[str | None] = mapped_column(String(64))
    other_province: Mapped[str | None] = mapped_column(String(64))
    routed_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    escalated_at: Mapped[datetime | None]

    raw_message: Mapped[RawMessage] = relationship(back_populates="case")
    classifications: Mapped[list[Classification]] = relationship(
        back_populates="case", order_by="Classification.id"
    )
    deliveries: Mapped[list[Delivery]] = relationship(back_populates="case", order_by="Delivery.id")


class Classification(Base):
    __tablename__ = "classifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    model_version: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str | None] = mapped_column(String(32))
    agency_type: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str | None] = mapped_column(String(16))
    unit_id: Mapped[str | None] = mapped_column(String(64))
    maladministration: Mapped[list[Any]] = mapped_column(default=list)
    confidence: Mapped[float] = mapped_column(Float)
    abstained: Mapped[bool] = mapped_column(Boolean)
    scores: Mapped[dict[str, Any]] = mapped_column(default=dict)
    evidence: Mapped[list[Any]] = mapped_column(default=list)
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]

    case: Mapped[Case] = relationship(back_populates="classifications")


class DeliveryStatus:
    PENDING = "pending"
    SENDING = "sending"  # recorded before talking to the server
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"  # the server may or may not have stored it (crash while sending, reply lost): staff check
    CANCELLED = "cancelled"  # withdrawn before it was sent (the case was re-routed): never sent
    FOR_STAFF = (FAILED, UNKNOWN)  # ended without a confirmed delivery; never retried by itself
    GONE = (FAILED, UNKNOWN, CANCELLED)  # a letter that does not stand for its case


class Delivery(Base):
    """An outbox row: one draft to one set of recipients."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(32), default="forward")
    transport: Mapped[str] = mapped_column(String(16), default="smtp")
    sender: Mapped[str] = mapped_column(String(255))
    to_addrs: Mapped[list[Any]] = mapped_column(default=list)
    cc_addrs: Mapped[list[Any]] = mapped_column(default=list)
    subject: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    blob_sha256: Mapped[str] = mapped_column(String(64))  # the rendered message, exactly as sent
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]  # a deferred delivery waits until then (exponential backoff)
    reply_to: Mapped[str | None] = mapped_column(String(255))  # the plus-address replies come back to
    # recipients the server refused while it took the letter for the others: {address: "550 …"} (migration 0010)
    refused: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")

    case: Mapped[Case] = relationship(back_populates="deliveries")


class UnitRow(Base):
    """A unit of the directory: seeded from config, then edited by staff (the source of truth)."""

    __tablename__ = "units"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agency_type: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255))
    covers: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # order as in the file
    # +1 at every change of the unit or its focal points: running processes compare sum(revision) to notice
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    focal_points: Mapped[list[FocalPointRow]] = relationship(
        back_populates="unit", cascade="all, delete-orphan", order_by="FocalPointRow.position"
    )


class FocalPointRow(Base):
    __tablename__ = "focal_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str] = mapped_column(String(255))
    phone: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(16), default="primary")

    unit: Mapped[UnitRow] = relationship(back_populates="focal_points")


class ReferenceCounter(Base):
    """Last case number handed out per year, so references are gap-free."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(64))  # "system" or a staff user name
    entity: Mapped[str] = mapped_column(String(32))  # case | raw_message | delivery | unit
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class StaffLabel(Base):
    """What a staff member confirmed or corrected for a case: the only database source of training data.

    One row per case (the latest word of staff); the audit log keeps every earlier one. Predictions
    never land here unconfirmed.
    """

    __tablename__ = "staff_labels"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    action: Mapped[str] = mapped_column(String(16))  # confirm | correct
    kind: Mapped[str] = mapped_column(String(32))
    agency_type: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str | None] = mapped_column(String(16))
    unit_id: Mapped[str | None] = mapped_column(String(64))
    other_province: Mapped[str | None] = mapped_column(String(64))
    maladministration: Mapped[list[Any]] = mapped_column(default=list)
    case_ref: Mapped[str | None] = mapped_column(String(64))  # for a follow-up: the case it names
    labelled_by: Mapped[str] = mapped_column(String(64))
    labelled_at: Mapped[datetime] = mapped_column(index=True)


# --- staff review app (issue 7) ---


class UserRole:
    REVIEWER = "reviewer"  # works the queue: confirm, correct, route, hold, notes
    SUPERVISOR = "supervisor"  # also edits the directory
    ADMIN = "admin"  # everything
    ALL = (REVIEWER, SUPERVISOR, ADMIN)


class User(Base):
    """A staff member who signs in to the review app. Only an argon2 hash of the password is kept."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=UserRole.REVIEWER)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]


class CaseNote(Base):
    """A free-text note a staff member adds to a case."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


# The queue walks cases of one status oldest first (keyset pagination on received_at, id); the other
# columns let a page with filters be found in the index alone (migration 0008).
Index("ix_cases_queue", Case.status, Case.received_at, Case.id, Case.kind, Case.unit_id, Case.confidence)
# ... and one per unit, for the unit, agency type and region filters (migration 0009)
Index("ix_cases_queue_unit", Case.status, Case.unit_id, Case.received_at, Case.id, Case.kind, Case.confidence)


# --- routing: threads, reminders, triage marks (issue 6) ---


class CaseMessage(Base):
    """A later message of a case: the agency's reply, a bounce, the complainant's follow-up or thanks."""

    __tablename__ = "case_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    raw_message_id: Mapped[int] = mapped_column(ForeignKey("raw_messages.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # reply | bounce | follow_up | thanks
    matched_by: Mapped[str] = mapped_column(String(32))  # in_reply_to | references | plus_address | subject | case_ref
    sender: Mapped[str] = mapped_column(String(255), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime]


class TriageMark(Base):
    """The keywords and folder the original mail should carry in the office mailbox, and what it carries."""

    __tablename__ = "triage_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    raw_message_id: Mapped[int] = mapped_column(ForeignKey("raw_messages.id"), unique=True)
    mailbox: Mapped[str] = mapped_column(String(255))  # imap://user@host:port (no folder)
    folder: Mapped[str] = mapped_column(String(255))  # where the mail is now
    uidvalidity: Mapped[int] = mapped_column(Integer)
    uid: Mapped[int] = mapped_column(Integer)
    message_id: Mapped[str | None] = mapped_column(String(998))
    keywords: Mapped[list[Any]] = mapped_column(default=list)  # wanted
    target_folder: Mapped[str | None] = mapped_column(String(255))  # wanted; None: stay
    applied_keywords: Mapped[list[Any]] = mapped_column(default=list)  # set on the server last time
    due: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    applied_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


# --- staff working together (issue 13 point 8): saved filters, who handles a case, the digest ---


class SavedFilter(Base):
    """A queue filter a staff member saved under a name (the query string of /antrean)."""

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("username", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class CaseAssignment(Base):
    """Who handles a case ("ditangani oleh"); one row per assigned case, history in the audit log."""

    __tablename__ = "case_assignments"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    assigned_by: Mapped[str] = mapped_column(String(64))
    assigned_at: Mapped[datetime]


class DigestSubscription(Base):
    """A staff member's opt-in to the daily e-mail digest (new cases waiting, failed deliveries, overdue)."""

    __tablename__ = "digest_subscriptions"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(255))
    last_sent_on: Mapped[str | None] = mapped_column(String(10))  # office date (YYYY-MM-DD) of the last digest


class SenderHeartbeat(Base):
    """"Sender alive at T": written by `narahubung run` and the workers that send the outbox (never by `serve`),
    read by the app to tell staff whether letters waiting in the outbox will go. One row per sending process,
    rows older than a day are removed as new beats are written, so the table stays a handful of rows."""

    __tablename__ = "sender_heartbeats"

    sender: Mapped[str] = mapped_column(String(128), primary_key=True)  # "<kind>@<host>:<pid>"
    kind: Mapped[str] = mapped_column(String(16))  # "run", "run-once" or "worker"
    seen_at: Mapped[datetime]
