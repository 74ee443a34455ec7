"""What staff do to a case: route it, re-route it to the right unit, answer it (a reply or a referral),
finish it, hold and release it, and which of these fit a case.

Each runs in the caller's transaction with one `Desk`, through the same `forward()`, letters, outbox and
`set_status` as the rules; `review.actions` opens the transactions and does what follows a commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes, policy

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.cases import (
    DELIVERY_MODES,
    CaseHasNoUnit,
    CaseNotFound,
    CaseworkError,
    Desk,
    Forwarding,
    UnknownDeliveryMode,
    forward,
    forward_draft,
    reachable,
    remark,
    standing_forward,
)
from routing.draft import Draft
from routing.life import allowed, set_status
from routing.outbox import enqueue
from routing.plan import other_office
from routing.rules import RoutingConfig
from storage import repository as repo
from storage.models import Case, CaseStatus, Delivery, DeliveryStatus

# --- routing by staff -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteOutcome:
    reference: str
    unit_id: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    delivery_ids: tuple[int, ...]
    mode: str


@dataclass(frozen=True)
class DraftPreview:
    reference: str
    unit_id: str
    subject: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    body: str


def find_case(session: Session, reference: str, *, for_update: bool = False) -> Case:
    query = select(Case).where(Case.reference == reference)
    if for_update:
        query = query.with_for_update()
    case = session.scalar(query)
    if case is None:
        raise CaseNotFound(f"Kasus {reference} tidak ditemukan.")
    return case


def route_by_staff(
    session: Session,
    desk: Desk,
    case: Case,
    *,
    actor: str,
    unit_id: str | None = None,
    mode: str | None = None,
    letter_text: str | None = None,
    forward_attachments: bool | None = None,
) -> RouteOutcome:
    """Forward the case to its unit (or `unit_id`) now, on a staff member's word."""
    mode = mode or default_mode(desk.routing)
    target = unit_id or case.unit_id
    delivery = forward(session, desk, case, Forwarding(unit_id=target, mode=mode, actor=actor,
                                                       letter_text=letter_text,
                                                       forward_attachments=forward_attachments))
    assert delivery is not None  # forwarding the case itself always queues a letter, or raises
    previous_unit = case.unit_id
    case.unit_id = target
    case.route_rule = "staf"
    case.review_reasons = [f"diteruskan ke {target} oleh {actor}"]
    repo.audit(session, "case", case.reference, "route_by_staff", actor=actor,
               detail={"unit": target, "previous_unit": previous_unit, "mode": mode,
                       "letter_edited": letter_text is not None, "attachments": forward_attachments})
    remark(session, desk, case)
    return RouteOutcome(case.reference, target or "", tuple(delivery.to_addrs), tuple(delivery.cc_addrs),
                        (delivery.id,), mode)


FOLLOWING_LETTERS = ("forward", "follow_up", "reminder", "escalation")  # what goes to the unit a case is with


@dataclass(frozen=True)
class Rerouted:
    reference: str
    previous_unit: str | None
    unit_id: str
    to: tuple[str, ...]
    notified: tuple[str, ...]  # the wrong recipients asked to disregard and delete the letter
    withdrawn: tuple[int, ...]  # letters to the wrong unit that had not gone yet: cancelled, never sent
    delivery_ids: tuple[int, ...]


def reroute(
    session: Session,
    desk: Desk,
    case: Case,
    *,
    unit_id: str,
    actor: str,
    reason: str,
    mode: str | None = None,
    letter_text: str | None = None,
    forward_attachments: bool | None = None,
) -> Rerouted:
    """A routed case went to the wrong unit: send it to `unit_id`, and ask whoever got the wrong letter to
    disregard and delete it. Letters to the wrong unit still waiting in the outbox are withdrawn instead.
    Reminders, escalation and statistics follow the new unit (its routing date starts them again)."""
    reason = " ".join(reason.split())[:500]
    if not reason:
        raise CaseworkError("Tuliskan alasan pengalihan; alasan dicatat pada riwayat kasus.")
    standing = standing_forward(case)
    if standing is None:
        raise CaseworkError(f"Kasus {case.reference} belum diteruskan ke unit mana pun; pakai Teruskan.")
    if unit_id == case.unit_id:
        raise CaseworkError(f"Kasus {case.reference} sudah diteruskan ke unit itu; pilih unit lain.")
    mode = mode or default_mode(desk.routing)
    wrong_unit = desk.directory.unit(case.unit_id) if case.unit_id else None
    wrong_name = wrong_unit.name if wrong_unit else ", ".join(standing.to_addrs)
    delivery = forward(session, desk, case, Forwarding(unit_id=unit_id, mode=mode, actor=actor, replaces=True,
                                                       letter_text=letter_text, forward_attachments=forward_attachments))
    assert delivery is not None
    withdrawn, reached, drafts = [], [], []
    for old in case.deliveries:
        if old.id == delivery.id or old.purpose not in FOLLOWING_LETTERS or old.status in DeliveryStatus.GONE:
            continue
        if old.status == DeliveryStatus.PENDING:
            _withdraw(session, old, actor)
            withdrawn.append(old.id)
        elif old.purpose == "forward" and old.transport == "imap_draft":
            drafts.append(old.message_id)  # never left the office unless staff sent it from their mail client
        elif old.purpose == "forward" and (reach := reachable(old)) is not None:
            reached.append((old, reach))
    notices = []
    letters = desk.letters
    for old, (to, cc) in reached:
        draft = letters.retraction(case, to, cc, wrong_name, old.created_at, old.message_id, desk.now)
        notices.append(enqueue(session, desk.blobs, case, draft, desk.now, purpose="retraction", transport="smtp"))
    previous_unit = case.unit_id
    case.unit_id = unit_id
    case.route_rule = "staf"
    case.reminders_sent, case.escalated_at, case.answered_at = 0, None, None
    case.review_reasons = [f"dialihkan dari {previous_unit or '-'} ke {unit_id} oleh {actor}: {reason}"]
    if drafts:
        case.review_reasons.append("surat lama ada sebagai draf di folder Drafts: hapus draf itu, atau kirim "
                                   "pemberitahuan salah alamat sendiri bila sudah dikirim dari program surel")
    notified = tuple(dict.fromkeys(a for n in notices for a in (*n.to_addrs, *n.cc_addrs)))
    repo.audit(session, "case", case.reference, "rerouted", actor=actor,
               detail={"reason": reason, "previous_unit": previous_unit, "unit": unit_id, "mode": mode,
                       "to": list(delivery.to_addrs), "notified": list(notified), "withdrawn": withdrawn,
                       "letters": [delivery.id, *(n.id for n in notices)]})
    remark(session, desk, case)
    return Rerouted(case.reference, previous_unit, unit_id, tuple(delivery.to_addrs), notified, tuple(withdrawn),
                    (delivery.id, *(n.id for n in notices)))


def _withdraw(session: Session, delivery: Delivery, actor: str,
              why: str = "ditarik sebelum dikirim: kasus dialihkan ke unit lain") -> None:
    previous = delivery.status
    delivery.status = DeliveryStatus.CANCELLED
    delivery.last_error = why
    repo.audit(session, "delivery", delivery.id, f"status:{delivery.status}", actor=actor, from_status=previous,
               to_status=delivery.status, detail={"error": delivery.last_error})


# --- the office's own answer: a reply to the complainant, a referral to another province's office ----------

ANSWERED_BY_OFFICE = {"inquiry": "reply", "out_of_mandate": "reply", "other_province": "referral"}


@dataclass(frozen=True)
class Answer:
    """The reply or referral draft of a case, as staff see and edit it in the app."""

    reference: str
    purpose: str  # reply | referral
    to: tuple[str, ...]
    subject: str
    body: str
    delivery_id: int | None  # the draft stored with the case; None: composed now, nothing stored yet
    state: str | None  # that draft's delivery status (pending: waits in the outbox; sent: gone or in Drafts)
    transport: str | None


def answer_purpose(case: Case) -> str | None:
    """`reply` or `referral` for a case the office answers itself (by its kind), else None."""
    return ANSWERED_BY_OFFICE.get(case.kind or "")


def answer_of(session: Session, desk: Desk, case: Case) -> Answer | None:
    """The case's reply or referral: the draft stored with it (the rules wrote one), else one composed now.
    None for a case the office does not answer itself."""
    purpose = answer_purpose(case)
    if purpose is None:
        return None
    stored = next((d for d in reversed(case.deliveries)
                   if d.purpose == purpose and d.status != DeliveryStatus.CANCELLED), None)
    if stored is not None:
        msg = message_from_bytes(desk.blobs.get(stored.blob_sha256), policy=policy.default)
        body = msg.get_body(("plain",))
        return Answer(case.reference, purpose, tuple(stored.to_addrs), stored.subject,
                      body.get_content() if body is not None else "", stored.id, stored.status, stored.transport)
    draft = _answer_draft(session, desk, case, purpose, None)
    return Answer(case.reference, purpose, draft.to, draft.subject, _body_text(draft), None, None, None)


def send_answer(
    session: Session, desk: Desk, case: Case, *, actor: str, text: str | None = None, mode: str = "smtp",
    finish_reason: str | None = None,
) -> Delivery:
    """Send the case's reply or referral as staff wrote it (`text`; None: as drafted), by SMTP or into the
    Drafts folder. A draft still waiting in the outbox is withdrawn; an answer already sent is never sent
    again. With `finish_reason` the case is then finished."""
    purpose = answer_purpose(case)
    if purpose is None:
        raise CaseworkError(f"Kasus {case.reference} bukan pertanyaan, hal di luar kewenangan atau laporan provinsi "
                            "lain; kantor tidak menjawabnya sendiri.")
    if mode not in DELIVERY_MODES:
        raise UnknownDeliveryMode(f"Cara pengiriman '{mode}' tidak dikenal; pilih salah satu: "
                                  f"{', '.join(DELIVERY_MODES)}.")
    earlier = [d for d in case.deliveries if d.purpose == purpose and d.status != DeliveryStatus.CANCELLED]
    if any(d.transport == "smtp" and d.status in (DeliveryStatus.SENT, DeliveryStatus.SENDING, DeliveryStatus.UNKNOWN)
           for d in earlier):
        raise CaseworkError(f"Jawaban kasus {case.reference} sudah dikirim; surat tidak dikirim dua kali.")
    for old in earlier:
        if old.status == DeliveryStatus.PENDING:
            _withdraw(session, old, actor, "ditarik sebelum dikirim: diganti surat yang disunting staf")
    text = text.replace("\r\n", "\n").strip() + "\n" if text and text.strip() else None
    draft = _answer_draft(session, desk, case, purpose, text)
    delivery = enqueue(session, desk.blobs, case, draft, desk.now, purpose=purpose, transport=mode)
    repo.audit(session, "case", case.reference, f"{purpose}_by_staff", actor=actor,
               detail={"to": list(draft.to), "mode": mode, "edited": text is not None, "delivery": delivery.id})
    where = "folder Drafts" if mode == "imap_draft" else "kotak keluar"
    what = "jawaban" if purpose == "reply" else "surat pelimpahan"
    case.review_reasons = [f"{what} disimpan di {where} oleh {actor}"]
    if purpose == "referral" and case.status != CaseStatus.REFERRED:
        case.routed_at = desk.now
        set_status(session, case, CaseStatus.REFERRED, "referred", actor=actor, to=list(draft.to), mode=mode)
    if finish_reason is not None:
        finish(session, desk, case, actor=actor, reason=finish_reason)
    return delivery


def _answer_draft(session: Session, desk: Desk, case: Case, purpose: str, text: str | None) -> Draft:
    letters = desk.letters
    facts = letters.facts(session, case)
    if purpose == "reply":
        if not case.complainant_email:
            raise CaseworkError(f"Kasus {case.reference} tidak punya alamat surel pelapor; jawaban tidak dapat "
                                "dikirim lewat surel.")
        return letters.reply(facts, case, desk.now, body=text)
    office = other_office(desk.directory, case.other_province)
    if office is None:
        raise CaseworkError(f"Provinsi lain ({case.other_province or 'tidak disebut'}) tidak ada di daftar "
                            "perwakilan; pilih provinsinya lewat Koreksi.")
    return letters.referral(facts, case, office, desk.now, body=text)


def finish(session: Session, desk: Desk, case: Case, *, actor: str, reason: str) -> None:
    """Staff finish a case (`selesai`), with a reason that stays on its history."""
    reason = " ".join(reason.split())[:500]
    if not reason:
        raise CaseworkError("Tuliskan alasan kasus diselesaikan; alasan dicatat pada riwayat kasus.")
    set_status(session, case, CaseStatus.CLOSED, "finished_by_staff", actor=actor, reason=reason)
    case.review_reasons = [f"diselesaikan oleh {actor}: {reason}"]
    remark(session, desk, case)


def actions_for(case: Case) -> tuple[str, ...]:
    """The staff actions that fit this case's kind and status, the first being the one its decision implies:
    forward, reroute, answer, finish, hold, release."""
    status, found = case.status, []
    if answer_purpose(case) is not None and status not in (CaseStatus.CLOSED, CaseStatus.ARCHIVED):
        found.append("answer")
    elif standing_forward(case) is not None and status in (CaseStatus.ROUTED, CaseStatus.ANSWERED,
                                                          CaseStatus.BOUNCED):
        found.append("reroute")
    elif case.kind in ("complaint", "follow_up", None) and allowed(status, CaseStatus.ROUTED):
        found.append("forward")
    if status == CaseStatus.HELD:
        found.append("release")
    elif allowed(status, CaseStatus.HELD) and status != CaseStatus.HELD:
        found.append("hold")
    if allowed(status, CaseStatus.CLOSED) and status != CaseStatus.CLOSED:
        found.append("finish")
    return tuple(found)


def preview(session: Session, desk: Desk, case: Case, unit_id: str | None = None) -> DraftPreview:
    """The letter as it would go out now (nothing is stored)."""
    target = unit_id or case.unit_id
    if not target:
        raise CaseHasNoUnit(f"Kasus {case.reference} belum punya unit tujuan; pilih unitnya dahulu.")
    draft = forward_draft(session, desk, case, target)
    return DraftPreview(case.reference, target, draft.subject, draft.to, draft.cc, _body_text(draft))


def hold(session: Session, case: Case, reason: str, *, actor: str) -> None:
    if not reason.strip():
        raise CaseworkError(f"Kasus {case.reference} tidak ditahan: tuliskan alasannya, agar rekan kerja tahu "
                            "apa yang ditunggu.")
    set_status(session, case, CaseStatus.HELD, "held_by_staff", actor=actor, reason=reason)


def release(session: Session, case: Case, *, actor: str) -> None:
    set_status(session, case, CaseStatus.NEEDS_REVIEW, "released_by_staff", actor=actor)


def archive(session: Session, case: Case, *, actor: str, action: str = "archived_by_staff", **detail: object) -> None:
    set_status(session, case, CaseStatus.ARCHIVED, action, actor=actor, **detail)


def default_mode(routing: RoutingConfig) -> str:
    rule = next((r for r in routing.rules if r.action == "forward"), None)
    return rule.mode if rule else "smtp"


def _body_text(draft: Draft) -> str:
    msg = message_from_bytes(draft.data, policy=policy.default)
    body = msg.get_body(("plain",))
    return body.get_content() if body is not None else ""
