"""Staff actions on one case. Each is one transaction, audited with who and when.

Confirmations and corrections become training data (`record_staff_label`); routing goes through
`narahubung.casework` (the same code path the pipeline uses), never a copy of it here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from classify.decision import KINDS
from core.errors import ExitCode, NarahubungError
from narahubung import casework
from narahubung.services import Services
from storage import repository as repo
from storage.db import transaction
from storage.models import Case, CaseNote, CaseStatus

HELD = CaseStatus.HELD  # staff put the case aside: out of the review queue until released or routed
FINISHED_KINDS = ("spam", "auto_reply", "thanks")  # a labelled case of these kinds needs nothing more
MAX_NOTE = 5000


class ActionRefused(NarahubungError):
    """A staff action that cannot be done as asked; `message` says why, in Indonesian."""

    exit_code = ExitCode.BAD_INPUT


@dataclass(frozen=True)
class Correction:
    kind: str
    unit_id: str | None
    maladministration: tuple[str, ...] = ()
    case_ref: str | None = None
    other_province: str | None = None


@dataclass(frozen=True)
class Outcome:
    message: str
    ok: bool = True
    details: list[str] = field(default_factory=list)


def _case(session: Session, case_id: int, *, for_update: bool = False) -> Case:
    query = select(Case).where(Case.id == case_id)
    if for_update:
        query = query.with_for_update()
    case = session.scalar(query)
    if case is None:
        raise ActionRefused(f"Kasus dengan nomor urut {case_id} tidak ditemukan.")
    return case


def _labels(services: Services, case: Case, correction: Correction) -> repo.StaffLabelling:
    """The full labelling: agency type and region follow from the unit chosen."""
    agency_type = region = None
    if correction.unit_id:
        unit = services.directory.unit(correction.unit_id)
        if unit is None:
            raise ActionRefused(f"Unit {correction.unit_id} tidak ada di direktori.")
        agency_type = unit.type
        latest = case.classifications[-1] if case.classifications else None
        if len(unit.covers) == 1:
            region = unit.covers[0]
        elif latest is not None and latest.region in unit.covers:
            region = latest.region
    return repo.StaffLabelling(
        kind=correction.kind,
        agency_type=agency_type,
        region=region,
        unit_id=correction.unit_id,
        other_province=correction.other_province if correction.kind == "other_province" else None,
        maladministration=correction.maladministration,
        case_ref=correction.case_ref if correction.kind == "follow_up" else None,
    )


def _validate(services: Services, correction: Correction) -> Correction:
    if correction.kind not in KINDS:
        raise ActionRefused(f"Jenis pesan '{correction.kind}' tidak dikenal.")
    known = set(services.directory.maladministration_ids)
    unknown = [t for t in correction.maladministration if t not in known]
    if unknown:
        raise ActionRefused(f"Jenis maladministrasi tidak dikenal: {', '.join(unknown)}.")
    if correction.unit_id and services.directory.unit(correction.unit_id) is None:
        raise ActionRefused(f"Unit {correction.unit_id} tidak ada di direktori.")
    if correction.kind in ("complaint", "follow_up") and not correction.unit_id:
        raise ActionRefused("Pengaduan dan tindak lanjut perlu unit tujuan; pilih unitnya.")
    # the order of the directory, without repeats: the same labels always compare equal
    types = tuple(t for t in services.directory.maladministration_ids if t in set(correction.maladministration))
    return Correction(correction.kind, correction.unit_id or None, types,
                      (correction.case_ref or "").strip() or None, (correction.other_province or "").strip() or None)


def label_case(services: Services, case_id: int, correction: Correction | None, *, actor: str) -> Outcome:
    """Confirm the case as shown (`correction` None) or correct it; either way it becomes training data."""
    with transaction(services.factory) as session:
        case = _case(session, case_id, for_update=True)
        if correction is None:
            if not case.kind:
                raise ActionRefused("Kasus ini belum punya jenis pesan; pakai Koreksi untuk memilihnya.")
            correction = Correction(case.kind, case.unit_id, tuple(case.maladministration))
        correction = _validate(services, correction)
        before = {"kind": case.kind, "unit": case.unit_id, "maladministration": list(case.maladministration)}
        labels = _labels(services, case, correction)
        case.kind = correction.kind
        case.unit_id = correction.unit_id
        case.maladministration = list(correction.maladministration)
        case.updated_at = datetime.now(UTC)
        row = repo.record_staff_label(session, case, labels, actor=actor)
        repo.audit(session, "case", case.reference, f"staff_{row.action}", actor=actor,
                   detail={"before": before, "after": {"kind": case.kind, "unit": case.unit_id,
                                                        "maladministration": list(case.maladministration)}})
        finished = correction.kind in FINISHED_KINDS and case.status in (CaseStatus.NEEDS_REVIEW, HELD)
        if finished:
            _set_status(session, case, CaseStatus.ARCHIVED, "archived_by_staff", actor)
        reference, action = case.reference, row.action
    casework.refresh_triage_marks(services, reference)
    word = "dikonfirmasi" if action == "confirm" else "dikoreksi"
    return Outcome(f"Kasus {reference} {word}; label disimpan sebagai data latih."
                   + (" Kasus diarsipkan." if finished else ""))


def _set_status(session: Session, case: Case, status: str, action: str, actor: str, **detail: object) -> None:
    previous = case.status
    case.status = status
    case.updated_at = datetime.now(UTC)
    repo.audit(session, "case", case.reference, action, actor=actor, from_status=previous, to_status=status,
               detail=dict(detail))


def hold(services: Services, case_id: int, reason: str, *, actor: str) -> Outcome:
    reason = reason.strip()[:500]
    with transaction(services.factory) as session:
        case = _case(session, case_id, for_update=True)
        if case.status not in (CaseStatus.NEEDS_REVIEW, CaseStatus.RECEIVED):
            raise ActionRefused(f"Kasus {case.reference} berstatus {case.status}; hanya kasus yang menunggu "
                                "tinjauan dapat ditahan.")
        _set_status(session, case, HELD, "held_by_staff", actor, reason=reason)
        if reason:
            session.add(CaseNote(case_id=case.id, author=actor, text=f"Ditahan: {reason}",
                                 created_at=datetime.now(UTC)))
        return Outcome(f"Kasus {case.reference} ditahan.")


def release(services: Services, case_id: int, *, actor: str) -> Outcome:
    with transaction(services.factory) as session:
        case = _case(session, case_id, for_update=True)
        if case.status != HELD:
            raise ActionRefused(f"Kasus {case.reference} tidak sedang ditahan.")
        _set_status(session, case, CaseStatus.NEEDS_REVIEW, "released_by_staff", actor)
        return Outcome(f"Kasus {case.reference} kembali ke antrean.")


def add_note(services: Services, case_id: int, text: str, *, actor: str) -> Outcome:
    text = text.strip()
    if not text:
        raise ActionRefused("Catatan kosong tidak disimpan.")
    if len(text) > MAX_NOTE:
        raise ActionRefused(f"Catatan terlalu panjang (paling banyak {MAX_NOTE} karakter).")
    with transaction(services.factory) as session:
        case = _case(session, case_id)
        note = CaseNote(case_id=case.id, author=actor, text=text, created_at=datetime.now(UTC))
        session.add(note)
        session.flush()
        repo.audit(session, "case", case.reference, "note_added", actor=actor, detail={"note_id": note.id})
        return Outcome("Catatan disimpan.")


def route_now(services: Services, case_id: int, *, actor: str, unit_id: str | None, mode: str | None,
              letter_text: str | None, forward_attachments: bool | None) -> Outcome:
    """Forward the case now through casework, then send what the outbox holds."""
    with services.factory() as session:
        reference = _case(session, case_id).reference
    outcome = casework.route_case(services, reference, actor=actor, unit_id=unit_id or None, mode=mode,
                                  letter_text=letter_text, forward_attachments=forward_attachments)
    report = casework.deliver_now(services)
    mine = set(outcome.delivery_ids)
    failed = [d for d in report.failed if d.id in mine]
    deferred = [d for d in report.deferred if d.id in mine]
    to = ", ".join(outcome.to)
    if failed:
        return Outcome(f"Kasus {reference} diteruskan ke {to}, tetapi pengiriman gagal: "
                       f"{failed[0].last_error or 'tanpa keterangan'}", ok=False)
    if deferred:
        return Outcome(f"Kasus {reference} diteruskan ke {to}; server surat belum menerima, dicoba lagi nanti: "
                       f"{deferred[0].last_error or 'tanpa keterangan'}", ok=False)
    sent = [d for d in report.sent if d.id in mine]
    how = "terkirim" if sent else "menunggu di kotak keluar"
    return Outcome(f"Kasus {reference} diteruskan ke {to} ({how}).")
