"""Image attachments as previews on the case page (JPEG, PNG, TIFF), as PDF pages already are."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from review.attachments import PageUnavailable, image_preview_jpeg
from review.auth import CurrentUser
from review.deps import DbSession, ServicesDep
from storage.models import Case, Document

router = APIRouter(prefix="/kasus")
IMAGE_TYPES = ("image/jpeg", "image/png", "image/tiff", "image/jpg", "image/pjpeg")


@router.get("/{case_id}/lampiran/{doc_id}/gambar.jpg")
def image_preview(case_id: int, doc_id: int, request: Request, user: CurrentUser, session: DbSession,
                  services: ServicesDep) -> Response:
    case = session.get(Case, case_id)
    doc = session.get(Document, doc_id)
    if (case is None or doc is None or doc.raw_message_id != case.raw_message_id or not doc.blob_sha256
            or (doc.content_type or "").lower() not in IMAGE_TYPES):
        return Response(status_code=404)
    try:
        jpeg = image_preview_jpeg(services.blobs.get(doc.blob_sha256))
    except PageUnavailable:
        return Response(status_code=404)
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})
