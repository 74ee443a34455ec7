"""The case page and the staff actions on it (each a POST with CSRF token, audited, then back to the page)."""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from core.errors import NarahubungError
from narahubung.services import Services
from review import actions
from review.attachments import (
    MAX_PREVIEW_PAGES,
    PageUnavailable,
    content_disposition,
    is_pdf,
    pdf_page_count,
    pdf_page_png,
)
from review.auth import CurrentUser
from review.casefacts import (
    FIELD_NAMES,
    classifier_text,
    highlight,
    original_mail,
    top_agency_types,
    top_kinds,
    top_types,
    top_units,
)
from review.deps import DbSession, ServicesDep, render
from review.labels import KIND_NAMES, Names
from storage.models import AuditEvent, Case, CaseNote, CaseStatus, Document, StaffLabel
from storage.repository import latest_classification

router = APIRouter(prefix="/kasus")
FLASH_KEY = "flash"
CONFIRMED = "konfirmasi"  # the field the confirm dialog adds: a letter leaves the office only with it
YES = "ya"


def _flash(request: Request, message: str, ok: bool = True) -> None:
    request.session[FLASH_KEY] = {"message": message, "ok": ok}


def _back(case_id: int) -> Response:
    return RedirectResponse(f"/kasus/{case_id}", status_code=303)


def _not_found(request: Request, case_id: int) -> Response:
    return render(request, "error.html", status_code=404, title="Kasus tidak ditemukan",
                  message=f"Tidak ada kasus dengan nomor urut {case_id}.")


def _documents(session: Session, case: Case) -> list[Document]:
    return list(session.scalars(select(Document).where(Document.raw_message_id == case.raw_message_id)
                                .order_by(Document.id)))


def default_letter_text(documents: list[Document]) -> str:
    """What the forwarding letter quotes when staff leave it as it is."""
    return "\n\n".join((d.clean_text or d.text) for d in documents if (d.clean_text or d.text))


def _next_in_queue(session: Session, case: Case) -> int | None:
    return session.scalar(
        select(Case.id)
        .where(Case.status == CaseStatus.NEEDS_REVIEW, Case.id != case.id,
               or_(Case.received_at > case.received_at, and_(Case.received_at == case.received_at, Case.id > case.id)))
        .order_by(Case.received_at, Case.id)
        .limit(1)
    )


def _preview(services: Services, case: Case, unit_id: str | None) -> tuple[Any, str | None]:
    try:
        return actions.preview_draft(services, case.reference, unit_id=unit_id or None), None
    except NarahubungError as exc:
        return None, exc.message


@router.get("/{case_id}")
def case_page(case_id: int, request: Request, user: CurrentUser, session: DbSession, services: ServicesDep,
              unit: str | None = None) -> Response:
    case = session.scalar(select(Case).where(Case.id == case_id)
                          .options(selectinload(Case.classifications), selectinload(Case.deliveries),
                                   selectinload(Case.raw_message)))
    if case is None:
        return _not_found(request, case_id)
    raw = case.raw_message
    documents = _documents(session, case)
    is_mail = raw.content_type == "message/rfc822"
    original = original_mail(services.blobs.get(raw.sha256)) if is_mail and not raw.truncated else None
    attachments = []
    for doc in documents:
        if not doc.blob_sha256:
            continue
        pages = 0
        if is_pdf(doc.content_type):
            pages = min(pdf_page_count(services.blobs.get(doc.blob_sha256)), MAX_PREVIEW_PAGES)
        attachments.append({"doc": doc, "pages": pages})
    latest = latest_classification(case)
    scores = latest.scores if latest is not None else {}
    text = classifier_text(case.subject if is_mail else "", documents, is_mail)
    marked = highlight(text, list(latest.evidence) if latest is not None else [])
    chosen_unit = unit if unit and services.directory.unit(unit) else case.unit_id
    preview, preview_problem = (None, None)
    if case.status != CaseStatus.ROUTED and chosen_unit:
        preview, preview_problem = _preview(services, case, chosen_unit)
    notes = list(session.scalars(select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id)))
    history = list(session.scalars(select(AuditEvent).where(AuditEvent.entity == "case",
                                                            AuditEvent.entity_id == case.reference)
                                   .order_by(AuditEvent.at, AuditEvent.id)))
    label = session.scalar(select(StaffLabel).where(StaffLabel.case_id == case.id))
    return render(
        request, "case.html",
        case=case, raw=raw, documents=documents, original=original, attachments=attachments,
        classification=latest, marked=marked, field_names=FIELD_NAMES,
        units=top_units(scores, services.directory, chosen=latest.unit_id if latest else None), types=top_types(scores, services.directory),
        kinds=top_kinds(scores, KIND_NAMES), agency_types=top_agency_types(scores, services.directory), names=Names(services.directory), directory=services.directory,
        preview=preview, preview_problem=preview_problem, chosen_unit=chosen_unit,
        letter_text=default_letter_text(documents), modes=actions.DELIVERY_MODES,
        default_mode=actions.default_mode(services), notes=notes, history=history, label=label,
        next_case=_next_in_queue(session, case), held=actions.HELD,
        flash=request.session.pop(FLASH_KEY, None),
    )


def _run(request: Request, case_id: int, work: Any) -> Response:
    """Do one action; its outcome (or the reason it was refused) is shown on the case page."""
    try:
        outcome = work()
    except NarahubungError as exc:
        _flash(request, exc.message, ok=False)
    else:
        _flash(request, outcome.message, ok=outcome.ok)
    return _back(case_id)


@router.post("/{case_id}/konfirmasi")
def confirm(case_id: int, request: Request, user: CurrentUser, services: ServicesDep) -> Response:
    return _run(request, case_id, lambda: actions.label_case(services, case_id, None, actor=user.username))


@router.post("/{case_id}/koreksi")
def correct(
    case_id: int, request: Request, user: CurrentUser, services: ServicesDep,
    kind: Annotated[str, Form()],
    unit: Annotated[str, Form()] = "",
    types: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI reads the default, never mutates it)
    case_ref: Annotated[str, Form()] = "",
    other_province: Annotated[str, Form()] = "",
) -> Response:
    correction = actions.Correction(kind, unit or None, tuple(types), case_ref, other_province)
    return _run(request, case_id, lambda: actions.label_case(services, case_id, correction, actor=user.username))


def _ask_first(request: Request, case: Case, action: str, what: str, fields: dict[str, str],
               letter: Any = None) -> Response:
    """A POST that would send a letter but lacks the confirm dialog's field (a script, an old page, a double
    submit without JavaScript) sends nothing: it gets this page, which asks and posts the same fields again."""
    return render(request, "confirm_send.html", case=case, action=f"/kasus/{case.id}/{action}", what=what,
                  fields={**fields, CONFIRMED: YES}, letter=letter)


def _letter_for(services: Services, case: Case, unit_id: str | None) -> Any:
    try:
        return actions.preview_draft(services, case.reference, unit_id=unit_id or None)
    except NarahubungError:
        return None


@router.post("/{case_id}/teruskan")
def route(
    case_id: int, request: Request, user: CurrentUser, services: ServicesDep, session: DbSession,
    unit: Annotated[str, Form()] = "",
    mode: Annotated[str, Form()] = "",
    letter_text: Annotated[str, Form()] = "",
    attachments: Annotated[str, Form()] = "",
    konfirmasi: Annotated[str, Form()] = "",
) -> Response:
    case = session.get(Case, case_id)
    if case is None:
        return _not_found(request, case_id)
    if konfirmasi != YES:
        return _ask_first(request, case, "teruskan", "Surat penerusan kasus ini ke unit yang dipilih.",
                          {"unit": unit, "mode": mode, "letter_text": letter_text, "attachments": attachments},
                          _letter_for(services, case, unit or case.unit_id))
    edited = letter_text.replace("\r\n", "\n").strip()
    original = default_letter_text(_documents(session, case)).strip()
    session.close()
    forward = {"ya": True, "tidak": False}.get(attachments)
    return _run(request, case_id, lambda: actions.route_now(
        services, case_id, actor=user.username, unit_id=unit or None, mode=mode or None,
        letter_text=None if edited == original else edited, forward_attachments=forward))


@router.post("/{case_id}/alihkan")
def reroute(
    case_id: int, request: Request, user: CurrentUser, services: ServicesDep, session: DbSession,
    unit: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    mode: Annotated[str, Form()] = "",
    konfirmasi: Annotated[str, Form()] = "",
) -> Response:
    case = session.get(Case, case_id)
    if case is None:
        return _not_found(request, case_id)
    if konfirmasi != YES:
        return _ask_first(request, case, "alihkan", "Surat penerusan ke unit yang benar, dan pemberitahuan salah "
                          "alamat ke penerima sebelumnya.", {"unit": unit, "reason": reason, "mode": mode})
    session.close()
    return _run(request, case_id, lambda: actions.reroute(services, case_id, actor=user.username, unit_id=unit,
                                                           reason=reason, mode=mode or None))


@router.post("/{case_id}/jawab")
def answer(
    case_id: int, request: Request, user: CurrentUser, services: ServicesDep, session: DbSession,
    text: Annotated[str, Form()] = "",
    mode: Annotated[str, Form()] = "",
    finish_reason: Annotated[str, Form()] = "",
    konfirmasi: Annotated[str, Form()] = "",
) -> Response:
    case = session.get(Case, case_id)
    if case is None:
        return _not_found(request, case_id)
    if konfirmasi != YES:
        draft = None
        with suppress(NarahubungError):
            draft = actions.answer_of(services, case_id)
        return _ask_first(request, case, "jawab", "Jawaban atau surat rujukan kasus ini, seperti disunting.",
                          {"text": text, "mode": mode, "finish_reason": finish_reason}, draft)
    session.close()
    return _run(request, case_id, lambda: actions.send_answer(
        services, case_id, actor=user.username, text=text or None, mode=mode or None,
        finish_reason=finish_reason.strip() or None))


@router.post("/{case_id}/selesai")
def finish(case_id: int, request: Request, user: CurrentUser, services: ServicesDep,
           reason: Annotated[str, Form()] = "") -> Response:
    return _run(request, case_id, lambda: actions.finish(services, case_id, reason, actor=user.username))


@router.post("/{case_id}/tahan")
def hold(case_id: int, request: Request, user: CurrentUser, services: ServicesDep,
         reason: Annotated[str, Form()] = "") -> Response:
    return _run(request, case_id, lambda: actions.hold(services, case_id, reason, actor=user.username))


@router.post("/{case_id}/lepas")
def release(case_id: int, request: Request, user: CurrentUser, services: ServicesDep) -> Response:
    return _run(request, case_id, lambda: actions.release(services, case_id, actor=user.username))


@router.post("/{case_id}/catatan")
def note(case_id: int, request: Request, user: CurrentUser, services: ServicesDep,
         text: Annotated[str, Form()] = "") -> Response:
    return _run(request, case_id, lambda: actions.add_note(services, case_id, text, actor=user.username))


def _attachment(session: Session, case_id: int, doc_id: int) -> Document | None:
    case = session.get(Case, case_id)
    doc = session.get(Document, doc_id)
    if case is None or doc is None or doc.raw_message_id != case.raw_message_id or not doc.blob_sha256:
        return None
    return doc


@router.get("/{case_id}/lampiran/{doc_id}")
def download(case_id: int, doc_id: int, request: Request, user: CurrentUser, session: DbSession,
             services: ServicesDep) -> Response:
    doc = _attachment(session, case_id, doc_id)
    if doc is None or not doc.blob_sha256:
        return render(request, "error.html", status_code=404, title="Lampiran tidak ditemukan",
                      message="Lampiran ini tidak ada pada kasus tersebut.")
    # always a download with a neutral type: a file from a stranger never renders inside the app
    return Response(services.blobs.get(doc.blob_sha256), media_type="application/octet-stream",
                    headers={"Content-Disposition": content_disposition(doc.filename or f"lampiran-{doc.id}"),
                             "X-Content-Type-Options": "nosniff"})


@router.get("/{case_id}/lampiran/{doc_id}/halaman/{page}.png")
def pdf_page(case_id: int, doc_id: int, page: int, request: Request, user: CurrentUser, session: DbSession,
             services: ServicesDep) -> Response:
    doc = _attachment(session, case_id, doc_id)
    if doc is None or not doc.blob_sha256 or not 1 <= page <= MAX_PREVIEW_PAGES:
        return Response(status_code=404)
    try:
        png = pdf_page_png(services.blobs.get(doc.blob_sha256), page - 1)
    except PageUnavailable:
        return Response(status_code=404)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


@router.get("/{case_id}/asli.eml")
def original_download(case_id: int, request: Request, user: CurrentUser, session: DbSession,
                      services: ServicesDep) -> Response:
    case = session.get(Case, case_id)
    if case is None:
        return _not_found(request, case_id)
    raw = case.raw_message
    name = raw.filename or f"{case.reference.replace('/', '-')}.eml"
    return Response(services.blobs.get(raw.sha256), media_type="application/octet-stream",
                    headers={"Content-Disposition": content_disposition(name), "X-Content-Type-Options": "nosniff"})


