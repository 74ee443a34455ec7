"""Small, explicit queries and writes over a Session. The caller owns the transaction."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import Executable

from core.directory import Directory, FocalPoint, Unit
from core.errors import ExitCode, NarahubungError
from storage.blobs import BlobStore, sha256_of
from storage.models import (
    AuditEvent,
    Case,
    Classification,
    Document,
    FocalPointRow,
    RawMessage,
    RawStatus,
    ReferenceCounter,
    StaffLabel,
    UnitRow,
)


class CaseNotFound(NarahubungError):
    exit_code = ExitCode.BAD_INPUT


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class IncomingRaw:
    """One message or scanned letter as received, before it has a row."""

    data: bytes  # the whole message; for a truncated one only its header
    source: str  # imap | file | letter
    received_at: datetime
    mailbox: str | None = None
    uidvalidity: int | None = None
    uid: int | None = None
    filename: str | None = None
    content_type: str = "message/rfc822"
    size: int | None = None  # the real size when `data` is truncated
    truncated: bool = False
    error: str | None = None


def store_raws(session: Session, blobs: BlobStore, items: Sequence[IncomingRaw]) -> list[RawMessage]:
    """Keep the bytes on disk first, then the rows, in the caller's transaction.

    The same mail arriving again (identical bytes, or the same Message-ID with the same body, as
    when a folder is recreated or a mail re-sent) becomes a `duplicate` of the first and opens no case.
    """
    if not items:
        return []
    digests = blobs.put_many([item.data for item in items])
    facts = [_identity(item) for item in items]
    first_by_sha, first_by_mid = _earlier_copies(session, digests, facts)
    values: list[dict[str, Any]] = []
    earlier_of: list[int | None] = []  # index into `values` of an earlier copy in this batch, or -id
    for index, (item, digest, (message_id, body_sha)) in enumerate(zip(items, digests, facts, strict=True)):
        earlier = first_by_sha.get(digest) or (first_by_mid.get((message_id, body_sha)) if message_id else None)
        if item.truncated and not item.data:
            earlier = None  # nothing kept to compare: never a duplicate
        earlier_of.append(earlier)
        if earlier is None and item.data:  # later copies in the same batch point at this one
            first_by_sha.setdefault(digest, -index - 1)
            if message_id and body_sha:
                first_by_mid.setdefault((message_id, body_sha), -index - 1)
        values.append(
            {
                "source": item.source,
                "mailbox": item.mailbox,
                "uidvalidity": item.uidvalidity,
                "uid": item.uid,
                "filename": item.filename,
                "message_id": message_id,
                "sha256": digest,
                "body_sha256": body_sha,
                "size": item.size if item.size is not None else len(item.data),
                "truncated": item.truncated,
                "server_marked": False,
                "content_type": item.content_type,
                "received_at": item.received_at,
                "status": RawStatus.PENDING if earlier is None else RawStatus.DUPLICATE,
                "error": item.error,
                "defects": [],
            }
        )
    rows: list[RawMessage | None] = [None] * len(items)
    originals = [i for i, e in enumerate(earlier_of) if e is None]
    _insert_rows(session, values, originals, rows)
    for i, earlier in enumerate(earlier_of):
        if earlier is not None:
            values[i]["duplicate_of_id"] = earlier if earlier > 0 else rows[-earlier - 1].id  # type: ignore[union-attr]
    _insert_rows(session, values, [i for i, e in enumerate(earlier_of) if e is not None], rows)
    now = utcnow()
    session.execute(
        insert(AuditEvent),
        [
            {
                "at": now, "actor": "system", "entity": "raw_message", "entity_id": str(row.id),
                "action": "stored", "from_status": None, "to_status": row.status,
                "detail": {k: v for k, v in (("sha256", row.sha256), ("duplicate_of", row.duplicate_of_id),
                                             ("error", row.error)) if v},
            }
            for row in rows
            if row is not None
        ],
    )
    return [row for row in rows if row is not None]


def _insert_rows(session: Session, values: list[dict[str, Any]], indexes: list[int], rows: list[RawMessage | None]) -> None:
    if not indexes:
        return
    inserted = session.scalars(
        insert(RawMessage).returning(RawMessage, sort_by_parameter_order=True), [values[i] for i in indexes]
    ).all()
    for index, row in zip(indexes, inserted, strict=True):
        rows[index] = row


def store_raw(session: Session, blobs: BlobStore, data: bytes, **fields: Any) -> RawMessage:
    return store_raws(session, blobs, [IncomingRaw(data=data, **fields)])[0]


def _identity(item: IncomingRaw) -> tuple[str | None, str | None]:
    """Message-ID and the hash of the body (what follows the header), for mail only."""
    if item.content_type != "message/rfc822":
        return None, None
    header, body = split_header(item.data)
    found = _MESSAGE_ID.search(header)
    message_id = re.sub(rb"\s+", b" ", found.group(1)).strip().decode("ascii", "replace")[:998] if found else None
    return message_id or None, (None if item.truncated else sha256_of(body))


# The Message-ID header, possibly folded over several lines.
_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*((?:[^\r\n]|\r?\n[ \t])*)", re.IGNORECASE | re.MULTILINE)


def split_header(data: bytes) -> tuple[bytes, bytes]:
    for separator in (b"\r\n\r\n", b"\n\n"):
        head, found, body = data.partition(separator)
        if found:
            return head + found, body
    return data, b""


def _earlier_copies(
    session: Session, digests: list[str], facts: list[tuple[str | None, str | None]]
) -> tuple[dict[str, int], dict[tuple[str, str | None], int]]:
    """Ids of stored first copies, by sha256 and by (Message-ID, body hash)."""
    not_duplicate = RawMessage.status != RawStatus.DUPLICATE
    by_sha: dict[str, int] = {}
    for row_id, sha in session.execute(
        select(RawMessage.id, RawMessage.sha256)
        .where(RawMessage.sha256.in_(set(digests)), not_duplicate)
        .order_by(RawMessage.id)
    ):
        by_sha.setdefault(sha, row_id)
    message_ids = {mid for mid, body in facts if mid and body}
    by_mid: dict[tuple[str, str | None], int] = {}
    if message_ids:
        for row_id, mid, body in session.execute(
            select(RawMessage.id, RawMessage.message_id, RawMessage.body_sha256)
            .where(RawMessage.message_id.in_(message_ids), RawMessage.body_sha256.is_not(None), not_duplicate)
            .order_by(RawMessage.id)
        ):
            by_mid.setdefault((mid or "", body), row_id)
    return by_sha, by_mid


def raw_ids_to_reprocess(session: Session, *, failed: bool, reference: str | None) -> list[int]:
    """Raw messages whose parse or extraction failed (`failed`), and/or the one behind case `reference`."""
    ids: set[int] = set()
    if reference is not None:
        found = session.scalar(select(Case.raw_message_id).where(Case.reference == reference))
        if found is None:
            raise CaseNotFound(f"Kasus {reference} tidak ditemukan.")
        ids.add(found)
    if failed:
        ids.update(
            session.scalars(
                select(RawMessage.id).where(RawMessage.status == RawStatus.FAILED, RawMessage.truncated.is_(False))
            )
        )
        ids.update(
            session.scalars(
                select(Document.raw_message_id)
                .join(RawMessage, RawMessage.id == Document.raw_message_id)
                .where(Document.error.is_not(None), RawMessage.status == RawStatus.PROCESSED)
            )
        )
    return sorted(ids)


def stored_uids(session: Session, mailbox: str, uidvalidity: int) -> set[int]:
    return set(
        session.scalars(
            select(RawMessage.uid).where(RawMessage.mailbox == mailbox, RawMessage.uidvalidity == uidvalidity)
        )
    )


def pending_raw_ids(session: Session) -> list[int]:
    return list(
        session.scalars(select(RawMessage.id).where(RawMessage.status == RawStatus.PENDING).order_by(RawMessage.id))
    )


DEFAULT_REFERENCE_FORMAT = "{prefix}/{year}/{number:06d}"


def next_reference(session: Session, prefix: str, year: int, fmt: str = DEFAULT_REFERENCE_FORMAT) -> str:
    """Hand out the next gap-free number of `year` inside the caller's transaction.

    One INSERT … ON CONFLICT DO UPDATE … RETURNING creates the year's counter at 1 or adds 1 to it: that
    statement holds the row lock until the caller commits, so concurrent workers queue on it, and a
    rollback gives the number back (no gaps).
    """
    number = session.execute(_counter_step(session.get_bind().dialect.name), {"year": year}).scalar_one()
    return fmt.format(prefix=prefix, year=year, number=number)


@cache
def _counter_step(dialect: str) -> Executable:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
    counter = cast(Table, ReferenceCounter.__table__)
    return (
        upsert(counter)
        .values(year=bindparam("year"), last_number=1)
        .on_conflict_do_update(index_elements=[counter.c.year], set_={"last_number": counter.c.last_number + 1})
        .returning(counter.c.last_number)
    )


def audit(
    session: Session,
    entity: str,
    entity_id: object,
    action: str,
    *,
    actor: str = "system",
    from_status: str | None = None,
    to_status: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEvent(
            at=utcnow(),
            actor=actor,
            entity=entity,
            entity_id=str(entity_id),
            action=action,
            from_status=from_status,
            to_status=to_status,
            detail=detail or {},
        )
    )


def latest_classification(case: Case) -> Classification | None:
    """The newest classification of `case` (a reprocessed case has several), or None."""
    return case.classifications[-1] if case.classifications else None


@dataclass(frozen=True)
class StaffLabelling:
    """The labels a staff member gives a case (all of them, not only the changed ones)."""

    kind: str
    agency_type: str | None = None
    region: str | None = None
    unit_id: str | None = None
    other_province: str | None = None
    maladministration: tuple[str, ...] = ()
    case_ref: str | None = None


def record_staff_label(session: Session, case: Case, labels: StaffLabelling, *, actor: str) -> StaffLabel:
    """Keep what `actor` confirmed or corrected for `case` as training data, and audit it.

    The action is `confirm` when the labels equal the latest classification of the case, else `correct`.
    A later labelling of the same case replaces the earlier one (the audit log keeps both).
    """
    latest = latest_classification(case)
    same = latest is not None and (
        latest.kind == labels.kind
        and latest.unit_id == labels.unit_id
        and list(latest.maladministration) == list(labels.maladministration)
    )
    action = "confirm" if same else "correct"
    row = session.scalar(select(StaffLabel).where(StaffLabel.case_id == case.id)) or StaffLabel(case_id=case.id)
    row.action = action
    row.kind = labels.kind
    row.agency_type = labels.agency_type
    row.region = labels.region
    row.unit_id = labels.unit_id
    row.other_province = labels.other_province
    row.maladministration = list(labels.maladministration)
    row.case_ref = labels.case_ref
    row.labelled_by = actor
    row.labelled_at = utcnow()
    session.add(row)
    session.flush()
    audit(session, "case", case.reference, f"label_{action}", actor=actor, detail=asdict(labels))
    return row


# --- the directory in the database (issue 7): seeded from the YAML, then edited by staff ---


@dataclass(frozen=True)
class UnitChanges:
    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    deactivated: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return len(self.created) + len(self.updated) + len(self.deactivated)


def sync_directory(session: Session, directory: Directory, *, replace: bool = False, actor: str = "system") -> int:
    """Seed the units/focal_points tables from the YAML directory when they are empty (or `replace`).

    Once seeded the rows are the source of truth (staff edit them), so a later start leaves them as they
    are. Returns the number of active units.
    """
    if replace or not session.scalar(select(func.count()).select_from(UnitRow)):
        write_units(session, directory.units, actor=actor, deactivate_missing=True)
        return len(directory.units)
    return session.scalar(select(func.count()).select_from(UnitRow).where(UnitRow.active)) or 0


def unit_as_dict(unit: Unit) -> dict[str, Any]:
    return unit.model_dump(mode="json")


def row_as_unit(row: UnitRow) -> Unit:
    return Unit(
        id=row.id,
        type=row.agency_type,
        name=row.name,
        covers=tuple(row.covers),
        focal_points=tuple(
            FocalPoint(name=f.name, title=f.title, email=f.email, phone=f.phone, role=f.role)
            for f in row.focal_points
        ),
    )


def write_units(
    session: Session, units: Sequence[Unit], *, actor: str, deactivate_missing: bool = False
) -> UnitChanges:
    """Make the unit rows say what `units` say; audit and count each unit that changed.

    Focal point rows are replaced only when they differ, so an unchanged unit keeps its rows.
    With `deactivate_missing`, stored units absent from `units` are deactivated (never deleted: old cases
    still name them).
    """
    existing = {u.id: u for u in session.scalars(select(UnitRow))}
    created: list[str] = []
    updated: list[str] = []
    deactivated: list[str] = []
    wanted_ids = {u.id for u in units}
    for position, unit in enumerate(units):
        row = existing.get(unit.id)
        before = row_as_unit(row) if row is not None else None
        if row is None:
            if not deactivate_missing:  # one unit added beside the others: it goes last
                position = (session.scalar(select(func.max(UnitRow.position))) or 0) + 1
            row = UnitRow(id=unit.id, revision=0, position=position)
            session.add(row)
        was_active = row.active is not False
        row.agency_type = unit.type
        row.name = unit.name
        row.covers = list(unit.covers)
        row.active = True
        if deactivate_missing:
            row.position = position
        wanted = [(fp.name, fp.title, fp.email, fp.phone, fp.role) for fp in unit.focal_points]
        current = [(fp.name, fp.title, fp.email, fp.phone, fp.role) for fp in row.focal_points]
        if wanted != current:
            row.focal_points = [
                FocalPointRow(position=i, name=n, title=t, email=e, phone=p, role=r)
                for i, (n, t, e, p, r) in enumerate(wanted)
            ]
        if before is None:
            created.append(unit.id)
            audit(session, "unit", unit.id, "unit_created", actor=actor, detail={"after": unit_as_dict(unit)})
        elif before != unit or not was_active:
            row.revision = (row.revision or 0) + 1
            updated.append(unit.id)
            audit(session, "unit", unit.id, "unit_updated", actor=actor,
                  detail={"before": unit_as_dict(before), "after": unit_as_dict(unit)})
    if deactivate_missing:
        for unit_id, row in existing.items():
            if unit_id not in wanted_ids and row.active:
                row.active = False
                row.revision = (row.revision or 0) + 1
                deactivated.append(unit_id)
                audit(session, "unit", unit_id, "unit_deactivated", actor=actor)
    session.flush()
    return UnitChanges(tuple(created), tuple(updated), tuple(deactivated))


def stored_units(session: Session, *, include_inactive: bool = False) -> tuple[Unit, ...]:
    """The units as staff see them, in the directory's order."""
    query = select(UnitRow).order_by(UnitRow.position, UnitRow.id)
    if not include_inactive:
        query = query.where(UnitRow.active)
    return tuple(row_as_unit(row) for row in session.scalars(query))


def directory_revision(session: Session | Connection) -> tuple[int, int]:
    """Changes whenever a unit or focal point changes (each change adds 1 to one unit's revision)."""
    count, total = session.execute(select(func.count(), func.coalesce(func.sum(UnitRow.revision), 0))).one()
    return int(count), int(total)
