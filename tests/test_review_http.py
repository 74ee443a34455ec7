"""The staff review app over HTTP (FastAPI's TestClient against the real app, a real SQLite file, cases made
by the real pipeline, and the aiosmtpd sink): accounts, the CSRF check, the queue and every case action."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from conftest import REVIEW_PASSWORD, triage
from factories import make_mail, make_pdf
from fastapi import Depends
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from core.settings import PROJECT_ROOT
from review import create_app
from review.auth import require_role
from storage.models import AuditEvent, Case, CaseNote, Delivery, StaffLabel, User

UNCLEAR = make_mail(
    "Mohon bantuan",
    "Saya sudah mengurus surat di kantor sejak tiga bulan lalu tetapi belum selesai. "
    "Petugas tidak memberi kepastian kapan selesai.",
    attachments=[("surat-pengaduan.pdf", "application/pdf",
                  make_pdf(["Surat pengaduan", "Pengurusan surat belum selesai tiga bulan."]))],
)


@pytest.fixture(scope="module")
def classifier(directory):
    """The directory-based rules: deterministic and quick. The app works the same whichever classifier decided."""
    from classify import load_classifier

    return load_classifier(directory, name="rules")


@pytest.fixture
def cases(review_services, tmp_path):
    """One unclear complaint, triaged by the real pipeline: it waits for staff."""
    triage(review_services, tmp_path / "masuk", [UNCLEAR])
    with review_services.factory() as session:
        case = session.scalars(select(Case)).one()
    assert case.status == "needs_review", case.review_reasons
    return case


CLEAR = make_mail(
    "e-KTP saya belum jadi juga",
    "Selamat pagi. Saya merekam e-KTP di kantor Disdukcapil Koba, Bangka Tengah, bulan Mei 2026. "
    "Petugas bilang 14 hari jadi, tapi sampai sekarang sudah 6 bulan belum juga selesai. Mohon bantuannya.",
)


@pytest.fixture
def clear_case(review_services, tmp_path):
    """A complaint whose unit the classifier found, held for staff because the office wants near-certainty."""
    from dataclasses import replace

    strict = replace(review_services, settings=review_services.settings.model_copy(
        update={"auto_route_threshold": 0.99}))
    triage(strict, tmp_path / "jelas", [CLEAR])
    with review_services.factory() as session:
        case = session.scalars(select(Case).where(Case.subject == "e-KTP saya belum jadi juga")).one()
    assert case.status == "needs_review" and case.unit_id, case.review_reasons
    return case


@pytest.fixture
def client(review_services):
    with TestClient(create_app(review_services, secret_key="k" * 40)) as test_client:
        yield test_client


def csrf(client: TestClient, path: str = "/login") -> str:
    page = client.get(path)
    return re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)


def log_in(client: TestClient, user: tuple[str, str]) -> str:
    token = csrf(client)
    answer = client.post("/login", data={"username": user[0], "password": user[1], "csrftoken": token},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return token


def flash(page) -> str:
    found = re.search(r'id="flash"[^>]*>([^<]*)<', page.text)
    return found.group(1) if found else ""


def count(services, model, *where) -> int:
    with services.factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


# --- accounts and sessions ------------------------------------------------------------------


def test_health_check_needs_no_login(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/", "/antrean", "/kasus/1", "/kasus/1/lampiran/1", "/kasus/1/asli.eml"])
def test_every_page_sends_an_anonymous_visitor_to_login(client, path):
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login")


def test_login_sets_an_httponly_samesite_session_and_returns_to_the_page_asked_for(client, review_user):
    token = csrf(client, "/login?next=/antrean%3Fkind%3Dcomplaint")
    answer = client.post("/login", data={"username": "staf", "password": REVIEW_PASSWORD, "csrftoken": token,
                                         "next": "/antrean?kind=complaint"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/antrean?kind=complaint"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert client.get("/antrean").status_code == 200


def test_login_never_redirects_to_another_site(client, review_user):
    token = csrf(client)
    answer = client.post("/login", data={"username": "staf", "password": REVIEW_PASSWORD, "csrftoken": token,
                                         "next": "//jahat.example/"}, follow_redirects=False)
    assert answer.headers["location"] == "/"


def test_wrong_passwords_are_refused_and_the_sixth_try_is_throttled_even_with_the_right_one(
        client, review_user, review_services):
    token = csrf(client)
    for _ in range(5):
        answer = client.post("/login", data={"username": "staf", "password": "salah-salah-salah", "csrftoken": token})
        assert answer.status_code == 401 and "salah" in answer.text
    answer = client.post("/login", data={"username": "staf", "password": REVIEW_PASSWORD, "csrftoken": token})
    assert answer.status_code == 429 and "Terlalu banyak percobaan" in answer.text
    assert count(review_services, AuditEvent, AuditEvent.action == "login_failed") == 5


def test_logout_ends_the_session(client, review_user):
    token = log_in(client, review_user)
    assert client.post("/logout", data={"csrftoken": token}, follow_redirects=False).status_code == 303
    assert client.get("/antrean", follow_redirects=False).status_code == 303


def test_a_deactivated_account_is_out_at_its_next_request(client, review_user, review_services):
    log_in(client, review_user)
    with review_services.factory() as session, session.begin():
        session.scalars(select(User)).one().active = False
    assert client.get("/antrean", follow_redirects=False).headers["location"].startswith("/login")


def test_a_page_for_supervisors_refuses_a_reviewer(review_services, review_user):
    app = create_app(review_services, secret_key="k" * 40)

    @app.get("/khusus-supervisor", dependencies=[Depends(require_role("supervisor"))])
    def only_supervisors() -> dict[str, str]:
        return {"ok": "ya"}

    with TestClient(app) as client:
        log_in(client, review_user)
        assert client.get("/khusus-supervisor").status_code == 403


# --- CSRF ------------------------------------------------------------------------------------


def test_a_post_without_csrf_token_is_refused_and_changes_nothing(client, review_user, cases, review_services):
    log_in(client, review_user)
    for data in ({"text": "catatan palsu"}, {"text": "catatan palsu", "csrftoken": "palsu"}):
        answer = client.post(f"/kasus/{cases.id}/catatan", data=data)
        assert answer.status_code == 403 and "ditolak" in answer.text
    assert count(review_services, CaseNote) == 0


def test_a_login_post_without_csrf_token_is_refused(client, review_user):
    answer = client.post("/login", data={"username": "staf", "password": REVIEW_PASSWORD})
    assert answer.status_code == 403


# --- queue -----------------------------------------------------------------------------------


def add_cases(services, n: int, start: datetime, **fields) -> None:
    """Queue rows for paging tests, inserted directly (the pipeline's case rows, not its work)."""
    from storage.models import RawMessage

    with services.factory() as session, session.begin():
        for i in range(n):
            raw = RawMessage(source="file", sha256=f"{i:064d}", size=1, received_at=start, status="processed")
            session.add(raw)
            session.flush()
            at = start + timedelta(hours=i)
            session.add(Case(reference=f"UJI/{start:%Y%m%d%H}/{i:04d}", raw_message_id=raw.id,
                             status=fields.get("status", "needs_review"), subject=f"Perihal nomor {i}",
                             kind=fields.get("kind", "complaint"), unit_id=fields.get("unit_id"),
                             confidence=fields.get("confidence", 0.3), maladministration=fields.get("types", []),
                             received_at=at, deadline_at=at + timedelta(days=60), created_at=at, updated_at=at))


def references(page) -> list[str]:
    return re.findall(r'<a href="/kasus/\d+">([^<]+)</a>', page.text)


def test_queue_lists_waiting_cases_oldest_first_in_keyset_pages(client, review_user, review_services):
    add_cases(review_services, 120, datetime(2026, 10, 1, tzinfo=UTC))
    add_cases(review_services, 3, datetime(2026, 9, 1, tzinfo=UTC), status="routed")
    log_in(client, review_user)
    first = client.get("/antrean")
    seen = references(first)
    assert len(seen) == 50 and seen[0].endswith("/0000") and seen[49].endswith("/0049")
    second = client.get(re.search(r'href="([^"]+)" rel="next"', first.text).group(1).replace("&amp;", "&"))
    assert [r[-4:] for r in references(second)] == [f"{i:04d}" for i in range(50, 100)]
    third = client.get(re.search(r'href="([^"]+)" rel="next"', second.text).group(1).replace("&amp;", "&"))
    assert len(references(third)) == 20 and 'rel="next"' not in third.text
    back = client.get(re.search(r'href="([^"]+)" rel="prev"', third.text).group(1).replace("&amp;", "&"))
    assert references(back) == references(second)


def test_queue_filters_combine(client, review_user, review_services, directory):
    start = datetime(2026, 10, 1, tzinfo=UTC)
    pln = next(u for u in directory.units if u.type == "pln")
    add_cases(review_services, 4, start)
    add_cases(review_services, 3, datetime(2026, 10, 5, tzinfo=UTC), kind="inquiry", confidence=0.9)
    add_cases(review_services, 2, datetime(2026, 10, 9, tzinfo=UTC), unit_id=pln.id,
              types=["permintaan_imbalan"], confidence=0.6)
    log_in(client, review_user)

    def shown(query: str) -> int:
        return len(references(client.get(f"/antrean?{query}")))

    assert shown("") == 9
    assert shown("kind=inquiry") == 3
    assert shown("band=tinggi") == 3 and shown("band=sedang") == 2 and shown("band=rendah") == 4
    assert shown(f"unit={pln.id}") == 2 and shown("agency_type=pln") == 2
    assert shown(f"region={pln.covers[0]}") == 2 if pln.covers else True
    assert shown("type=permintaan_imbalan") == 2 and shown("type=penundaan_berlarut") == 0
    assert shown("from=2026-10-05&to=2026-10-06") == 3
    assert shown("q=uji/2026100500") == 3  # any case, any part of the reference
    assert shown("q=perihal+uji/2026100900") == 2  # every word must be found
    assert shown("q=100%25") == 0  # a % is searched for, not a wildcard
    assert shown('q=perihal"+OR+"nomor') == 0  # nothing typed is read as search syntax
    assert shown("q=uji/20261009+1") == 1  # a short word is a whole word ("Perihal nomor 1"), never dropped
    assert shown("q=KK") == 0 and shown("q=nomor+0") == 3  # ... of any case, in the subject too
    assert shown("status=semua&q=uji/20261009") == 2
    assert shown("status=routed") == 0
    add_cases(review_services, 2, datetime(2026, 9, 1, tzinfo=UTC), status="bounced")
    assert shown("status=bounced") == 2 and shown("status=answered") == 0


# --- case page and actions -------------------------------------------------------------------


def test_case_page_shows_the_original_attachments_evidence_and_model_candidates(client, review_user, cases):
    log_in(client, review_user)
    page = client.get(f"/kasus/{cases.id}")
    assert page.status_code == 200
    assert "Mohon bantuan" in page.text and "warga@contoh.example" in page.text
    assert "surat-pengaduan.pdf" in page.text and "1 halaman sebagai gambar" in page.text
    assert 'id="top-units"' in page.text and 'id="top-types"' in page.text
    assert "Pengurusan surat belum selesai" in page.text  # the extracted text of the attachment
    assert page.headers["content-security-policy"].startswith("default-src 'self'")


def test_attachments_download_as_files_and_pdf_pages_render_as_png(client, review_user, cases, review_services):
    log_in(client, review_user)
    doc_id = int(re.search(r'/lampiran/(\d+)"', client.get(f"/kasus/{cases.id}").text).group(1))
    download = client.get(f"/kasus/{cases.id}/lampiran/{doc_id}")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["content-type"] == "application/octet-stream"
    png = client.get(f"/kasus/{cases.id}/lampiran/{doc_id}/halaman/1.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert client.get(f"/kasus/{cases.id}/lampiran/{doc_id}/halaman/2.png").status_code == 404
    assert client.get(f"/kasus/{cases.id + 1}/lampiran/{doc_id}").status_code == 404  # not this case's file


def test_confirming_keeps_the_decision_as_training_data_with_who_and_when(client, review_user, clear_case,
                                                                          review_services):
    token = log_in(client, review_user)
    page = client.post(f"/kasus/{clear_case.id}/konfirmasi", data={"csrftoken": token})
    with review_services.factory() as session:
        case = session.get(Case, clear_case.id)
        label = session.scalars(select(StaffLabel)).one_or_none()
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.entity_id == case.reference,
                                                               AuditEvent.actor == "staf")))
    assert "dikonfirmasi" in flash(page), flash(page)
    assert label is not None and label.action == "confirm" and label.labelled_by == "staf"
    assert (label.kind, label.unit_id, label.agency_type) == (case.kind, case.unit_id, "disdukcapil")
    assert {"label_confirm", "staff_confirm"} <= {e.action for e in events}


def test_confirming_a_complaint_without_a_unit_is_refused_with_the_reason(client, review_user, cases,
                                                                         review_services):
    token = log_in(client, review_user)
    page = client.post(f"/kasus/{cases.id}/konfirmasi", data={"csrftoken": token})
    assert "perlu unit tujuan" in flash(page)
    assert count(review_services, StaffLabel) == 0


def test_correcting_changes_the_case_and_keeps_the_correction_as_training_data(client, review_user, cases,
                                                                               review_services, directory):
    unit = next(u for u in directory.units if u.type == "disdukcapil")
    token = log_in(client, review_user)
    page = client.post(f"/kasus/{cases.id}/koreksi", data={
        "csrftoken": token, "kind": "complaint", "unit": unit.id,
        "types": ["tidak_memberikan_pelayanan", "penundaan_berlarut"]})
    assert "dikoreksi" in flash(page), flash(page)
    with review_services.factory() as session:
        case = session.get(Case, cases.id)
        label = session.scalars(select(StaffLabel)).one()
    assert (case.kind, case.unit_id) == ("complaint", unit.id)
    assert case.maladministration == ["penundaan_berlarut", "tidak_memberikan_pelayanan"]  # directory order
    assert (label.action, label.unit_id, label.agency_type) == ("correct", unit.id, "disdukcapil")
    assert label.region in unit.covers
    assert label.maladministration == case.maladministration


def test_a_correction_that_makes_no_sense_is_refused_with_a_reason_and_changes_nothing(
        client, review_user, cases, review_services):
    token = log_in(client, review_user)
    for data, reason in (({"kind": "complaint", "unit": ""}, "perlu unit tujuan"),
                         ({"kind": "pujian"}, "tidak dikenal"),
                         ({"kind": "complaint", "unit": "tidak-ada"}, "tidak ada di direktori")):
        page = client.post(f"/kasus/{cases.id}/koreksi", data={"csrftoken": token, **data})
        assert reason in flash(page)
    assert count(review_services, StaffLabel) == 0


def test_route_now_sends_the_letter_with_the_edited_summary_to_the_focal_point(
        client, review_user, cases, review_services, smtp_sink, directory):
    unit = next(u for u in directory.units if u.type == "disdukcapil" and u.focal_points)
    token = log_in(client, review_user)
    page = client.get(f"/kasus/{cases.id}?unit={unit.id}")
    assert "Pratinjau surat" in page.text
    page = client.post(f"/kasus/{cases.id}/teruskan", data={
        "csrftoken": token, "unit": unit.id, "mode": "smtp", "konfirmasi": "ya",
        "letter_text": "Ringkasan yang disunting staf: surat belum selesai tiga bulan."})
    assert "diteruskan" in flash(page) and "terkirim" in flash(page), flash(page)
    focal = {fp.email for fp in unit.focal_points if fp.role == "primary"}
    letters = [m for m in smtp_sink.messages if focal & set(m.rcpt_tos)]  # the complainant's receipt may go too
    assert len(letters) == 1
    assert "Ringkasan yang disunting staf" in letters[0].message.get_body(("plain",)).get_content()
    with review_services.factory() as session:
        case = session.get(Case, cases.id)
        routed_by = session.scalar(select(AuditEvent.actor).where(AuditEvent.action == "route_by_staff"))
    assert case.status == "routed" and routed_by == "staf"
    shown = client.get(f"/kasus/{cases.id}").text
    assert "surat penerusan ke" in shown and "terkirim" in shown  # delivery purpose and state in Indonesian
    assert "forward ke" not in shown and "· sent" not in shown
    again = client.post(f"/kasus/{cases.id}/teruskan", data={"csrftoken": token, "unit": unit.id, "mode": "smtp",
                                                              "konfirmasi": "ya"})
    assert "tidak dikirim dua kali" in flash(again)
    assert len([m for m in smtp_sink.messages if focal & set(m.rcpt_tos)]) == 1


def test_routing_a_case_without_a_unit_is_refused_and_sends_nothing(client, review_user, cases, review_services,
                                                                   smtp_sink):
    token = log_in(client, review_user)
    assert '<option value="" selected>— pilih unit —</option>' in client.get(f"/kasus/{cases.id}").text
    page = client.post(f"/kasus/{cases.id}/teruskan", data={"csrftoken": token, "unit": "", "mode": "smtp",
                                                             "konfirmasi": "ya"})
    assert "belum punya unit tujuan" in flash(page)
    with review_services.factory() as session:
        assert session.get(Case, cases.id).status == "needs_review"
    assert smtp_sink.messages == []


def test_a_send_posted_without_the_dialogs_confirmation_answers_with_a_page_that_asks_and_sends_nothing(
        client, review_user, cases, review_services, smtp_sink, directory):
    unit = next(u for u in directory.units if u.type == "disdukcapil" and u.focal_points)
    letters = count(review_services, Delivery)  # the complainant's receipt, queued at triage
    token = log_in(client, review_user)
    for path, data in (("teruskan", {"unit": unit.id, "mode": "smtp", "letter_text": "baris satu\nbaris dua"}),
                       ("alihkan", {"unit": unit.id, "reason": "salah unit", "mode": "smtp"}),
                       ("jawab", {"text": "Yth. Bapak", "mode": "smtp", "finish_reason": "dijawab"})):
        page = client.post(f"/kasus/{cases.id}/{path}", data={"csrftoken": token, **data}, follow_redirects=False)
        assert page.status_code == 200 and "Kirim surat ke luar kantor?" in page.text, path
        assert f'action="/kasus/{cases.id}/{path}"' in page.text
        fields = _confirm_fields(page)
        assert data.items() <= fields.items() and fields["konfirmasi"] == "ya", (path, fields)  # the same, again
    with review_services.factory() as session:
        assert session.get(Case, cases.id).status == "needs_review"
        assert session.scalar(select(func.count()).select_from(Delivery)) == letters
    assert smtp_sink.messages == []

    # the page's button posts the same fields with the confirmation: now the letter goes
    page = client.post(f"/kasus/{cases.id}/teruskan", data={"csrftoken": token, "unit": unit.id, "mode": "smtp"})
    fields = _confirm_fields(page)
    assert fields["konfirmasi"] == "ya" and fields["unit"] == unit.id
    page = client.post(f"/kasus/{cases.id}/teruskan", data=fields)
    assert "diteruskan" in flash(page), flash(page)
    with review_services.factory() as session:
        assert session.get(Case, cases.id).status == "routed"


def _confirm_fields(page) -> dict[str, str]:
    form = page.text.split('id="confirm-page"', 1)[1]
    return {name: html.unescape(value)
            for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)}


def test_a_hold_without_a_reason_is_refused_by_the_server_in_indonesian(client, review_user, cases, review_services):
    token = log_in(client, review_user)
    page = client.post(f"/kasus/{cases.id}/tahan", data={"csrftoken": token, "reason": "   "})
    assert "tidak ditahan: tuliskan alasannya" in flash(page), flash(page)
    with review_services.factory() as session:
        assert session.get(Case, cases.id).status == "needs_review"
    assert not [a for (a,) in _audit(review_services, cases.reference) if a == "held_by_staff"]


def test_hold_takes_a_case_out_of_the_queue_until_released(client, review_user, cases, review_services):
    token = log_in(client, review_user)
    page = client.post(f"/kasus/{cases.id}/tahan", data={"csrftoken": token, "reason": "menunggu data pelapor"})
    assert "ditahan" in flash(page)
    assert cases.reference not in client.get("/antrean").text
    assert "menunggu data pelapor" in page.text  # kept as a note
    page = client.post(f"/kasus/{cases.id}/lepas", data={"csrftoken": token})
    assert "kembali ke antrean" in flash(page)
    assert cases.reference in client.get("/antrean").text
    actions = [a for (a,) in _audit(review_services, cases.reference)]
    assert "held_by_staff" in actions and "released_by_staff" in actions


def _audit(services, reference):
    with services.factory() as session:
        return list(session.execute(select(AuditEvent.action).where(AuditEvent.entity_id == reference,
                                                                    AuditEvent.actor == "staf")))


def test_notes_are_kept_escaped_with_their_author(client, review_user, cases, review_services):
    token = log_in(client, review_user)
    page = client.post(f"/kasus/{cases.id}/catatan", data={"csrftoken": token, "text": "<b>cek</b> ke pelapor"})
    assert "Catatan disimpan" in flash(page)
    assert "&lt;b&gt;cek&lt;/b&gt; ke pelapor" in page.text
    empty = client.post(f"/kasus/{cases.id}/catatan", data={"csrftoken": token, "text": "   "})
    assert "kosong" in flash(empty)
    with review_services.factory() as session:
        assert [(n.author, n.text) for n in session.scalars(select(CaseNote))] == [("staf", "<b>cek</b> ke pelapor")]


def test_an_unknown_case_is_a_404_page(client, review_user):
    log_in(client, review_user)
    assert client.get("/kasus/999999").status_code == 404


# --- the command ----------------------------------------------------------------------------


def narahubung(*args: str, data_dir, stdin: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([sys.executable, "-m", "entry", *args], input=stdin, capture_output=True, check=False,
                          text=True, env={**os.environ, "NARAHUBUNG_DATA_DIR": str(data_dir)}, cwd=PROJECT_ROOT,
                          timeout=120)


def test_user_add_stores_an_argon2_hash_and_refuses_duplicates_and_short_passwords(tmp_path):
    from core.settings import load_settings
    from storage.db import make_engine, session_factory

    added = narahubung("user", "add", "Siti", "--role", "supervisor", "--password-stdin",
                       data_dir=tmp_path, stdin="sandi-yang-panjang\n")
    assert added.returncode == 0, added.stderr
    assert "siti (supervisor) ditambahkan" in added.stdout
    again = narahubung("user", "add", "siti", "--password-stdin", data_dir=tmp_path, stdin="sandi-lain-panjang\n")
    assert again.returncode == 4 and "sudah ada" in again.stderr
    short = narahubung("user", "add", "budi", "--password-stdin", data_dir=tmp_path, stdin="pendek\n")
    assert short.returncode == 4 and "terlalu pendek" in short.stderr
    factory = session_factory(make_engine(load_settings(data_dir=tmp_path).resolved_database_url))
    with factory() as session:
        users = list(session.scalars(select(User)))
    assert [(u.username, u.role) for u in users] == [("siti", "supervisor")]
    assert users[0].password_hash.startswith("$argon2id$") and "sandi" not in users[0].password_hash


# --- the search index ------------------------------------------------------------------------


def test_the_search_index_follows_corrections_and_is_rebuilt_when_its_triggers_are_lost(
        client, review_user, clear_case, review_services):
    from sqlalchemy import text

    from review.search_index import ensure_search_index

    token = log_in(client, review_user)
    assert clear_case.reference not in client.get("/antrean?type=diskriminasi").text
    client.post(f"/kasus/{clear_case.id}/koreksi", data={"csrftoken": token, "kind": "complaint",
                                                        "unit": clear_case.unit_id, "types": ["diskriminasi"]})
    assert clear_case.reference in client.get("/antrean?type=diskriminasi").text
    engine = review_services.factory.kw["bind"]
    with engine.begin() as conn:  # as a batch migration that recreates `cases` would
        conn.execute(text("DROP TRIGGER review_case_search_au"))
        conn.execute(text("UPDATE cases SET subject = 'Pungutan liar di kantor camat'"))
    assert ensure_search_index(engine)
    assert clear_case.reference in client.get("/antrean?q=pungutan+camat").text


def test_searches_with_many_hits_walk_the_queue_index_and_find_the_same_cases(
        client, review_user, review_services, monkeypatch):
    import review.queue

    add_cases(review_services, 6, datetime(2026, 10, 1, tzinfo=UTC), types=["berpihak"])
    add_cases(review_services, 4, datetime(2026, 10, 9, tzinfo=UTC))
    log_in(client, review_user)
    queries = ("type=berpihak", "q=uji/2026100100", "q=perihal+nomor", "q=uji/20261009+perihal")
    by_id_lookup = [references(client.get(f"/antrean?{q}")) for q in queries]
    monkeypatch.setattr(review.queue, "SMALL_MATCH", 2)  # as if every search had thousands of hits
    assert [references(client.get(f"/antrean?{q}")) for q in queries] == by_id_lookup
    assert [len(r) for r in by_id_lookup] == [6, 6, 10, 4]


def test_serve_answers_on_the_port_asked_for_and_stops_on_ctrl_c(tmp_path):
    import os
    import signal
    import time

    import httpx

    from narahubung.localservers._ports import free_port

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "entry", "serve", "--port", str(port)],
                              env={**os.environ, "NARAHUBUNG_DATA_DIR": str(tmp_path)}, cwd=PROJECT_ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read()
                time.sleep(0.2)
        assert answer.json() == {"status": "ok"}
        assert httpx.get(f"http://127.0.0.1:{port}/antrean", follow_redirects=True).url.path == "/login"
    finally:
        server.send_signal(signal.SIGINT)
        out, _ = server.communicate(timeout=30)
    assert server.returncode == 0 and "dihentikan" in out
    assert (tmp_path / "review-secret.key").stat().st_mode & 0o777 == 0o600


# --- PostgreSQL ------------------------------------------------------------------------------


def test_the_queue_filters_and_pages_the_same_on_postgresql(postgres_url, smtp_sink, classifier, directory):
    """No search index there: search and type go through ILIKE and the JSON text."""
    from core.settings import load_settings
    from narahubung.services import build_services
    from storage.accounts import create_user
    from storage.db import transaction

    services = build_services(load_settings(database_url=postgres_url, smtp_url=smtp_sink.url),
                              classifier=classifier)
    with transaction(services.factory) as session:
        create_user(session, "staf", REVIEW_PASSWORD, "reviewer")
    pln = next(u for u in directory.units if u.type == "pln")
    add_cases(services, 60, datetime(2026, 10, 1, tzinfo=UTC))
    add_cases(services, 2, datetime(2026, 10, 9, tzinfo=UTC), unit_id=pln.id, types=["berpihak"],
              confidence=0.9)
    with TestClient(create_app(services, secret_key="k" * 40)) as client:
        log_in(client, ("staf", REVIEW_PASSWORD))
        first = client.get("/antrean")
        second = client.get(re.search(r'href="([^"]+)" rel="next"', first.text).group(1).replace("&amp;", "&"))
        assert len(references(first)) == 50 and len(references(second)) == 12
        assert len(references(client.get("/antrean?type=berpihak&band=tinggi"))) == 2
        assert len(references(client.get("/antrean?agency_type=pln&q=PERIHAL+uji/2026100900"))) == 2
        assert len(references(client.get("/antrean?from=2026-10-09"))) == 2
        # the body and attachments are searched too (PostgreSQL full text over the documents), short words
        # whole, every status
        add_document(services, "UJI/2026100100/0003", "Saya minta KK baru di kantor Jl. Teratai.")
        assert references(client.get("/antrean?status=semua&q=teratai")) == ["UJI/2026100100/0003"]
        assert references(client.get("/antrean?status=semua&q=kk")) == ["UJI/2026100100/0003"]
        assert references(client.get("/antrean?status=semua&q=kk+nomor")) == ["UJI/2026100100/0003"]
        assert client.get("/antrean?q=uji/2026100100/0003", follow_redirects=False).headers["location"].startswith(
            "/kasus/")


def add_document(services, reference: str, text: str, part: str = "body") -> None:
    from storage.models import Document

    with services.factory() as session, session.begin():
        case = session.scalar(select(Case).where(Case.reference == reference))
        session.add(Document(raw_message_id=case.raw_message_id, part=part, text=text, method="plain"))


# --- English -----------------------------------------------------------------------------------


def test_the_pages_switch_to_english_and_back(client, review_user, cases):
    log_in(client, review_user)
    assert "Antrean" in client.get("/antrean").text
    switched = client.get(f"/bahasa?ke=en&next=/kasus/{cases.id}%3Funit%3D", follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == f"/kasus/{cases.id}?unit="
    page = client.get(f"/kasus/{cases.id}")
    assert '<html lang="en">' in page.text
    for english in ("Original message", "Model decision", "Route now", "Bahasa Indonesia"):
        assert english in page.text
    assert "Message kind" in client.get("/antrean").text
    client.get("/bahasa?ke=id&next=//jahat.example")
    assert "Jenis pesan" in client.get("/antrean").text
