"""Staff actions on one case. Each is one transaction, audited with who and when.

Confirmations and corrections become training data (`record_staff_label`); statuses, routing and
triage marks go through `routing.staff`, `routing.cases` and `routing.life` (the same code the pipeline uses), never a
copy of them here. This module only opens the transactions and does what follows a commit (sending
what the outbox holds, putting the triage marks on the office mailbox).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from classify.decision import KINDS
from core.directory import Directory
from core.errors import ExitCode, NarahubungError
from narahubung.pipeline import apply_marks, deliver
from narahubung.services import Services
from routing import cases, staff
from routing.cases import DELIVERY_MODES
from routing.outbox import DeliveryReport
from routing.staff import Answer, DraftPreview, Rerouted, RouteOutcome
from storage import repository as repo
from storage.db import transaction, write_with_retry
from storage.models import Case, CaseNote, CaseStatus

HELD = CaseStatus.HELD  # staff put the case aside: out of the review queue until released or routed
__all__ = ["DELIVERY_MODES", "HELD", "Answer", "DraftPreview", "Rerouted", "RouteOutcome"]
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


def _labels(directory: Directory, case: Case, correction: Correction) -> repo.StaffLabelling:
    """The full labelling: agency type and region follow from the unit chosen."""
    agency_type = region = None
    if correction.unit_id:
        unit = directory.unit(correction.unit_id)
        if unit is None:
            raise ActionRefused(f"Unit {correction.unit_id} tidak ada di direktori.")
        agency_type = unit.type
        latest = repo.latest_classification(case)
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


def _validate(directory: Directory, correction: Correction) -> Correction:
    if correction.kind not in KINDS:
        raise ActionRefused(f"Jenis pesan '{correction.kind}' tidak dikenal.")
    known = set(directory.maladministration_ids)
    unknown = [t for t in correction.maladministration if t not in known]
    if unknown:
        raise ActionRefused(f"Jenis maladministrasi tidak dikenal: {', '.join(unknown)}.")
    if correction.unit_id and directory.unit(correction.unit_id) is None:
        raise ActionRefused(f"Unit {correction.unit_id} tidak ada di direktori.")
    if correction.kind in ("complaint", "follow_up") and not correction.unit_id:
        raise ActionRefused("Pengaduan dan tindak lanjut perlu unit tujuan; pilih unitnya.")
    # the order of the directory, without repeats: the same labels always compare equal
    types = tuple(t for t in directory.maladministration_ids if t in set(correction.maladministration))
    return Correction(correction.kind, correction.unit_id or None, types,
                      (correction.case_ref or "").strip() or None, (correction.other_province or "").strip() or None)


def label_case(services: Services, case_id: int, correction: Correction | None, *, actor: str) -> Outcome:
    """Confirm the case as shown (`correction` None) or correct it; either way it becomes training data."""
    directory = services.desk().directory
    with transaction(services.factory) as session:
        case = _case(session, case_id, for_update=True)
        if correction is None:
            if not case.kind:
                raise ActionRefused("Kasus ini belum punya jenis pesan; pakai Koreksi untuk memilihnya.")
            correction = Correction(case.kind, case.unit_id, tuple(case.maladministration))
        correction = _validate(directory, correction)
        before = {"kind": case.kind, "unit": case.unit_id, "maladministration": list(case.maladministration)}
        labels = _labels(directory, case, correction)
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
            staff.archive(session, case, actor=actor)
        reference, action = case.reference, row.action
    refresh_triage_marks(services, reference)
    word = "dikonfirmasi" if action == "confirm" else "dikoreksi"
    return Outcome(f"Kasus {reference} {word}; label disimpan sebagai data latih."
                   + (" Kasus diarsipkan." if finished else ""))


def hold(services: Services, case_id: int, reason: str, *, actor: str) -> Outcome:
    reason = reason.strip()[:500]
    with transaction(services.factory) as session:
        case = _case(session, case_id, for_update=True)
        staff.hold(session, case, reason, actor=actor)  # refused (in Indonesian) without a reason or by the table
        session.add(CaseNote(case_id=case.id, author=actor, text=f"Ditahan: {reason}", created_at=datetime.now(UTC)))
        reference, raw_id = case.reference, case.raw_message_id
        cases.remark(session, services.desk(), case)
    apply_marks(services, only=raw_id)
    return Outcome(f"Kasus {reference} ditahan.")


def release(services: Services, case_id: int, *, actor: str) -> Outcome:
    with transaction(services.factory) as session:
        case = _case(session, case_id, for_update=True)
        if case.status != HELD:
            raise ActionRefused(f"Kasus {case.reference} tidak sedang ditahan.")
        staff.release(session, case, actor=actor)
        reference, raw_id = case.reference, case.raw_message_id
        cases.remark(session, services.desk(), case)
    apply_marks(services, only=raw_id)
    return Outcome(f"Kasus {reference} kembali ke antrean.")


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
    """Forward the case now through `routing.staff` (the one `forward()`), then send what the outbox holds."""
    with services.factory() as session:
        reference = _case(session, case_id).reference
    outcome = route_case(services, reference, actor=actor, unit_id=unit_id or None, mode=mode,
                         letter_text=letter_text, forward_attachments=forward_attachments)
    to = ", ".join(outcome.to)
    if not _can_send(services, outcome.mode):  # the letter waits in the outbox; the case says so
        return Outcome(f"Surat kasus {reference} untuk {to} menunggu dikirim di kotak keluar: belum ada pengirim "
                       "surat (NARAHUBUNG_SMTP_URL belum diisi). Surat terkirim begitu pengirim berjalan.", ok=False)
    report = deliver_now(services)
    mine = set(outcome.delivery_ids)
    failed = [d for d in report.failed if d.id in mine]
    deferred = [d for d in report.deferred if d.id in mine]
    if failed:
        return Outcome(f"Kasus {reference} diteruskan ke {to}, tetapi pengiriman gagal: "
                       f"{failed[0].last_error or 'tanpa keterangan'}", ok=False)
    if deferred:
        return Outcome(f"Kasus {reference} diteruskan ke {to}; server surat belum menerima, dicoba lagi nanti: "
                       f"{deferred[0].last_error or 'tanpa keterangan'}", ok=False)
    sent = [d for d in report.sent if d.id in mine]
    how = "terkirim" if sent else "menunggu di kotak keluar"
    return Outcome(f"Kasus {reference} diteruskan ke {to} ({how}).")


def reroute(services: Services, case_id: int, *, actor: str, unit_id: str, reason: str, mode: str | None = None,
            letter_text: str | None = None, forward_attachments: bool | None = None) -> Outcome:
    """A routed case went to the wrong unit: the letter goes to the right one, the wrong recipients are asked
    to disregard and delete it; then the outbox is sent."""
    if not unit_id:
        raise ActionRefused("Pilih unit tujuan yang benar.")
    desk = services.desk()

    def work(session: Session) -> Rerouted:
        case = _case(session, case_id, for_update=True)
        return staff.reroute(session, desk, case, unit_id=unit_id, actor=actor, reason=reason, mode=mode,
                             letter_text=letter_text, forward_attachments=forward_attachments)

    done = write_with_retry(services.factory, work)
    _apply_marks_of(services, done.reference)
    told = f"; pemberitahuan salah alamat ke {', '.join(done.notified)}" if done.notified else ""
    message = f"Kasus {done.reference} dialihkan ke {done.unit_id} ({', '.join(done.to)}){told}"
    if not _can_send(services, mode or staff.default_mode(services.routing)):
        return Outcome(f"{message}. Surat menunggu dikirim: belum ada pengirim surat (NARAHUBUNG_SMTP_URL belum "
                       "diisi).", ok=False)
    report = deliver_now(services)
    mine = set(done.delivery_ids)
    problems = [d for d in (*report.failed, *report.deferred) if d.id in mine]
    if problems:
        return Outcome(f"{message}, tetapi surat belum terkirim: {problems[0].last_error or 'tanpa keterangan'}",
                       ok=False)
    return Outcome(f"{message}.")


def answer_of(services: Services, case_id: int) -> Answer | None:
    """The reply or referral draft staff see and edit on the case page (None: the case is not of that kind)."""
    with services.factory() as session:
        return staff.answer_of(session, services.desk(), _case(session, case_id))


def send_answer(services: Services, case_id: int, *, actor: str, text: str | None, mode: str | None = None,
                finish_reason: str | None = None) -> Outcome:
    """Send the reply or referral as staff edited it (or save it in the Drafts folder), then, with a reason,
    finish the case."""
    mode = mode or "smtp"
    desk = services.desk()

    def work(session: Session) -> tuple[str, int, str]:
        case = _case(session, case_id, for_update=True)
        delivery = staff.send_answer(session, desk, case, actor=actor, text=text, mode=mode,
                                     finish_reason=finish_reason)
        return case.reference, delivery.id, ", ".join(delivery.to_addrs)

    reference, delivery_id, to = write_with_retry(services.factory, work)
    _apply_marks_of(services, reference)
    done = " Kasus selesai." if finish_reason is not None else ""
    if not _can_send(services, mode):
        return Outcome(f"Surat kasus {reference} untuk {to} menunggu dikirim: belum ada pengirim surat "
                       f"(NARAHUBUNG_SMTP_URL belum diisi).{done}", ok=False)
    report = deliver_now(services)
    problems = [d for d in (*report.failed, *report.deferred) if d.id == delivery_id]
    if problems:
        return Outcome(f"Surat kasus {reference} untuk {to} belum terkirim: "
                       f"{problems[0].last_error or 'tanpa keterangan'}.{done}", ok=False)
    how = "disimpan di folder Drafts" if mode == "imap_draft" else "terkirim"
    return Outcome(f"Surat kasus {reference} untuk {to} {how}.{done}")


def finish(services: Services, case_id: int, reason: str, *, actor: str) -> Outcome:
    """Finish (`selesai`) a case with a reason."""
    desk = services.desk()
    with transaction(services.factory) as session:
        case = _case(session, case_id, for_update=True)
        staff.finish(session, desk, case, actor=actor, reason=reason)
        reference = case.reference
    _apply_marks_of(services, reference)
    return Outcome(f"Kasus {reference} selesai.")


# --- routing by staff, by case reference ----------------------------------------------------------


def route_case(
    services: Services,
    reference: str,
    *,
    actor: str,
    unit_id: str | None = None,
    mode: str | None = None,
    letter_text: str | None = None,
    forward_attachments: bool | None = None,
) -> RouteOutcome:
    """Forward the case to its unit (or `unit_id`) now; the outbox row is written in the same transaction."""
    desk = services.desk()

    def work(session: Session) -> RouteOutcome:
        case = staff.find_case(session, reference, for_update=True)
        return staff.route_by_staff(session, desk, case, actor=actor, unit_id=unit_id, mode=mode,
                                    letter_text=letter_text, forward_attachments=forward_attachments)

    outcome = write_with_retry(services.factory, work)
    _apply_marks_of(services, reference)
    return outcome


def preview_draft(services: Services, reference: str, *, unit_id: str | None = None) -> DraftPreview:
    """The letter as it would go out now (nothing is stored)."""
    with services.factory() as session:
        return staff.preview(session, services.desk(), staff.find_case(session, reference), unit_id)


def deliver_now(services: Services) -> DeliveryReport:
    """Send whatever is pending in the outbox: SMTP letters and IMAP drafts."""
    return deliver(services)


def refresh_triage_marks(services: Services, reference: str) -> None:
    """After a staff correction: the original mail's keywords and folder follow the case.

    The new marks are recorded first (so a lost connection leaves them due for the next round),
    then put on the server at once.
    """
    with transaction(services.factory) as session:
        case = staff.find_case(session, reference)
        cases.remark(session, services.desk(), case)
        repo.audit(session, "case", case.reference, "triage_marks_due",
                   detail={"kind": case.kind, "unit": case.unit_id, "status": case.status})
    _apply_marks_of(services, reference)


def default_mode(services: Services) -> str:
    return staff.default_mode(services.routing)


def _can_send(services: Services, mode: str) -> bool:
    return (services.drafts if mode == "imap_draft" else services.transport) is not None


def _apply_marks_of(services: Services, reference: str) -> None:
    if not services.routing.triage.enabled:
        return
    with services.factory() as session:
        raw_id = session.scalar(select(Case.raw_message_id).where(Case.reference == reference))
    if raw_id is not None:
        apply_marks(services, only=raw_id)
