"""Issue 13 in the real browser: a staff member who never saw the app finishes cases with it.

Headless Chromium (apt) driven by pip's playwright over the app served by uvicorn, a fresh SQLite file whose
cases the real pipeline made from the sample inbox. Each test saves screenshots of the screen it covers at
1366×768 and 390×844 in artifacts/screenshots/ (`13-…-desktop.png`, `13-…-ponsel.png`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_support import DESKTOP, PHONE, log_in, shoot
from conftest import REVIEW_PASSWORD, triage
from playwright.sync_api import expect
from sqlalchemy import select

from core.directory_io import export_csv
from core.settings import PROJECT_ROOT
from storage.accounts import create_user
from storage.db import transaction
from storage.directory_store import current_directory
from storage.models import Case

SAMPLES = sorted((PROJECT_ROOT / "samples" / "inbox").glob("*.eml"))


@pytest.fixture
def cases(review_services, tmp_path) -> dict[str, int]:
    """The sample inbox triaged by the real pipeline: case id by subject."""
    triage(review_services, tmp_path / "masuk", [p.read_bytes() for p in SAMPLES])
    with review_services.factory() as session:
        return {c.subject: c.id for c in session.scalars(select(Case))}


@pytest.fixture
def supervisor(review_services) -> tuple[str, str]:
    with transaction(review_services.factory) as session:
        create_user(session, "sari", REVIEW_PASSWORD, "supervisor")
    return "sari", REVIEW_PASSWORD


@pytest.fixture
def page(browser_page):
    browser_page.set_viewport_size(DESKTOP)
    return browser_page


# --- point 1: a directory import is previewed and applied only after a confirmation -------------------


def test_a_one_unit_import_shows_what_it_would_deactivate_and_changes_nothing_until_confirmed(
        page, review_server, supervisor, review_services, directory, tmp_path, screenshots_dir):
    log_in(page, review_server, supervisor)
    one_unit = "\n".join(line for line in export_csv(directory.units).splitlines()
                         if line.startswith(("unit_id", "rsud-1901,"))) + "\n"
    (tmp_path / "satu.csv").write_text(one_unit, encoding="utf-8")
    total = len(directory.units)
    page.goto(f"{review_server}/direktori")
    expect(page.locator("#unit-count")).to_have_text(f"{total} unit aktif")
    page.locator("#import-form input[type=file]").set_input_files(str(tmp_path / "satu.csv"))
    page.locator("#import-form button[type=submit]").click()

    expect(page.locator("#import-notice")).to_contain_text("Belum ada yang diubah")
    expect(page.locator("#plan-deactivated h2")).to_contain_text(f"{total - 1} unit aktif")
    expect(page.get_by_label("Biarkan tetap aktif (hanya tambah dan ubah)")).to_be_checked()
    shoot(page, screenshots_dir, "13-impor-pratinjau")
    with review_services.factory() as session:
        assert len(current_directory(session, directory).units) == total

    # asking to deactivate 90 units without saying so explicitly is refused, nothing changes
    page.get_by_label("Nonaktifkan unit itu (tidak menerima kasus baru)").check()
    page.get_by_role("button", name="Terapkan impor").click()
    expect(page.locator("#import-problem")).to_contain_text(f"akan menonaktifkan {total - 1} unit")
    with review_services.factory() as session:
        assert len(current_directory(session, directory).units) == total

    # the default keeps them active: the page still counts every unit
    page.get_by_label("Biarkan tetap aktif (hanya tambah dan ubah)").check()
    page.get_by_role("button", name="Terapkan impor").click()
    expect(page.locator("#flash")).to_contain_text("0 dinonaktifkan")
    expect(page.locator("#unit-count")).to_have_text(f"{total} unit aktif")

    # with the explicit choice the units go, and the page says so
    page.locator("#import-form input[type=file]").set_input_files(str(tmp_path / "satu.csv"))
    page.locator("#import-form button[type=submit]").click()
    page.get_by_label("Nonaktifkan unit itu (tidak menerima kasus baru)").check()
    page.get_by_label(f"Saya yakin ingin menonaktifkan {total - 1} unit sekaligus").check()
    page.get_by_role("button", name="Terapkan impor").click()
    expect(page.locator("#flash")).to_contain_text(f"{total - 1} dinonaktifkan")
    expect(page.locator("#unit-count")).to_have_text(f"1 unit aktif, {total - 1} nonaktif")


# --- point 2: search finds a citizen's case in every status, by any of its words ----------------------


def test_search_finds_a_case_in_any_status_by_name_address_body_attachment_and_short_words(
        page, review_server, review_user, cases, review_services, screenshots_dir):
    with review_services.factory() as session:
        letter = session.get(Case, cases["Pengaduan - surat terlampir"])
        routed = session.scalars(select(Case).where(Case.status == "routed", Case.complainant_email.is_not(None))).first()
        assert routed is not None, "the sample inbox routes some cases"
        routed_ref, routed_mail, routed_id = routed.reference, routed.complainant_email, routed.id
        letter_ref = letter.reference
    log_in(page, review_server, review_user)

    # the top bar searches every status: a routed case by the complainant's address
    top = page.get_by_role("searchbox", name="Cari kasus di semua status")
    top.fill(routed_mail)
    top.press("Enter")
    expect(page.locator("#queue tbody tr")).to_have_count(1)
    expect(page.locator("#queue tbody tr td.status")).to_have_text("Diteruskan")
    assert f"/kasus/{routed_id}" == page.locator("#queue tbody tr").get_attribute("data-href")

    # a word found only in the PDF letter attached to the mail
    page.goto(f"{review_server}/antrean?status=semua&q=Teratai")
    expect(page.locator("#queue tbody tr")).to_have_count(1)
    expect(page.locator("#queue tbody tr")).to_contain_text(letter_ref)

    # two letters are a word like any other: "KK" in the body of one mail, not "everything"
    page.goto(f"{review_server}/antrean?status=semua")
    page.get_by_placeholder("perihal, nomor, nama, surel").fill("KK")
    page.get_by_role("button", name="Terapkan").click()
    expect(page.locator("#queue tbody tr")).to_have_count(1)
    expect(page.locator("#queue tbody tr")).to_contain_text("KUA Sijuk")
    shoot(page, screenshots_dir, "13-cari-semua-status")

    # within one status nothing found: the page offers every status
    page.goto(f"{review_server}/antrean?status=archived&q={routed_mail}")
    page.locator("#search-everywhere").click()
    expect(page.locator("#queue tbody tr")).to_have_count(1)

    # a reference typed in the search box opens that case
    top = page.get_by_role("searchbox", name="Cari kasus di semua status")
    top.fill(routed_ref.lower())
    top.press("Enter")
    expect(page).to_have_url(f"{review_server}/kasus/{routed_id}")


# --- point 9: everything in Indonesian and readable --------------------------------------------------


def test_history_reasons_methods_and_error_pages_read_as_indonesian_and_a_hold_needs_a_reason(
        page, review_server, review_user, cases, review_services, screenshots_dir):
    log_in(page, review_server, review_user)
    for path in ("/tidak-ada", "/kasus/abc", "/kasus/999999"):
        answer = page.goto(f"{review_server}{path}")
        assert answer is not None and answer.status == 404, path
        assert "detail" not in page.content() and "Not Found" not in page.content()
        expect(page.get_by_role("link", name="Kembali ke antrean")).to_be_visible()
    expect(page.locator("h1")).to_have_text("Kasus tidak ditemukan")
    page.goto(f"{review_server}/tidak-ada")
    expect(page.locator("h1")).to_have_text("Halaman tidak ditemukan")
    shoot(page, screenshots_dir, "13-halaman-galat")

    # the PDF letter: its reading method in words, its history in phrases, reasons without rule codes
    page.goto(f"{review_server}/kasus/{cases['Pengaduan - surat terlampir']}")
    expect(page.locator("#attachments")).to_contain_text("dibaca dengan lapisan teks PDF")
    history = page.locator("#history").inner_text()
    assert "kasus dibuka" in history
    for code in ("needs_review", "held_for_review", "route_by_staff", "opened", "routed →", "_"):
        assert code not in history, code
    with review_services.factory() as session:
        waiting = session.scalars(select(Case).where(Case.status == "needs_review", Case.kind == "inquiry")).first()
        waiting_id = waiting.id
    page.goto(f"{review_server}/kasus/{waiting_id}")
    reasons = page.locator("#review-reasons").inner_text()
    assert "(aturan" not in reasons and "inquiry" not in reasons and "pertanyaan" in reasons.lower(), reasons
    assert "→ Perlu ditinjau" in page.locator("#history").inner_text()

    # a hold without a reason is not sent; with one, the case shows who held it and why
    page.locator("#actions-bar").get_by_role("link", name="Tahan").click()
    page.locator("#form-hold").get_by_role("button", name="Tahan").click()
    expect(page.locator("#case-status")).to_have_text("Perlu ditinjau")
    page.locator("#form-hold").get_by_label("Tahan kasus (alasan wajib)").fill("menunggu salinan KTP dari pelapor")
    page.locator("#form-hold").get_by_role("button", name="Tahan").click()
    expect(page.locator("#previous-outcome")).to_contain_text("ditahan")  # on to the next case
    page.goto(f"{review_server}/kasus/{waiting_id}")
    expect(page.locator("#held-reason")).to_contain_text("staf")
    expect(page.locator("#held-reason")).to_contain_text("menunggu salinan KTP dari pelapor")
    expect(page.locator("#history")).to_contain_text("ditahan oleh staf")
    shoot(page, screenshots_dir, "13-kasus-ditahan")


# --- point 4: one primary action, visible at once, by keyboard, with a confirmation; then the next case --


def test_the_primary_action_is_reachable_at_once_confirms_before_sending_and_moves_to_the_next_case(
        page, review_server, review_user, cases, review_services, smtp_sink, screenshots_dir):
    with review_services.factory() as session:
        waiting = list(session.scalars(select(Case).where(Case.status == "needs_review")
                                       .order_by(Case.received_at, Case.id)))
        complaint = next(c for c in waiting if c.kind == "complaint" and c.unit_id)
        case_id, unit_id = complaint.id, complaint.unit_id
    log_in(page, review_server, review_user)
    page.goto(f"{review_server}/kasus/{case_id}")
    primary = page.locator("#primary-action")
    expect(primary).to_contain_text("Teruskan ke")
    box = primary.bounding_box()
    assert box is not None and box["y"] + box["height"] <= DESKTOP["height"], box  # no scrolling needed
    shoot(page, screenshots_dir, "13-kasus-tindakan-utama")

    # few Tab presses from the top of the page reach it
    presses = 0
    while page.evaluate("document.activeElement && document.activeElement.id") != "primary-action":
        page.keyboard.press("Tab")
        presses += 1
        assert presses <= 12, "the primary action is too far down the Tab order"

    # `a` asks first; Escape sends nothing
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("a")
    expect(page.locator("#confirm-send")).to_be_visible()
    shoot(page, screenshots_dir, "13-kasus-konfirmasi-kirim")
    page.keyboard.press("Escape")
    expect(page.locator("#confirm-send")).to_be_hidden()
    page.wait_for_timeout(300)
    assert smtp_sink.messages == []
    with review_services.factory() as session:
        assert session.get(Case, case_id).status == "needs_review"

    page.keyboard.press("a")
    page.get_by_role("button", name="Ya, kirim sekarang").click()
    expect(page.locator("#previous-outcome")).to_contain_text("diteruskan")
    assert page.url != f"{review_server}/kasus/{case_id}"  # moved on: the next waiting case, or the queue
    with review_services.factory() as session:
        case = session.get(Case, case_id)
        assert case.status == "routed" and case.unit_id == unit_id

    # `n` goes to the next case, `q` back to the queue
    page.goto(f"{review_server}/kasus/{waiting[0].id}")
    here = page.url
    page.keyboard.press("n")
    expect(page).not_to_have_url(here)
    page.keyboard.press("q")
    expect(page).to_have_url(f"{review_server}/antrean")


# --- point 7: the model panel shows the candidates the decision was made from ------------------------


def test_the_model_panel_lists_the_chosen_unit_first_and_the_others_by_their_scores(
        page, review_server, review_user, cases, review_services):
    with review_services.factory() as session:
        routed = list(session.scalars(select(Case).where(Case.status == "routed")))
        decided = [c.id for c in routed if c.classifications]
    assert decided
    log_in(page, review_server, review_user)
    for case_id in decided:
        page.goto(f"{review_server}/kasus/{case_id}")
        rows = page.locator("#top-units tbody tr")
        expect(rows.first).to_have_class("chosen")
        expect(rows.first).to_contain_text("dipilih")
        scores = [float(s.rstrip("%")) for s in page.locator("#top-units td.num").all_inner_texts()]
        assert scores[1:] == sorted(scores[1:], reverse=True), scores
        assert page.locator("#model-unit").inner_text() in rows.first.inner_text()


# --- point 8: working together --------------------------------------------------------------------


@pytest.fixture
def admin(review_services) -> tuple[str, str]:
    with transaction(review_services.factory) as session:
        create_user(session, "kepala", REVIEW_PASSWORD, "admin")
    return "kepala", REVIEW_PASSWORD


def test_staff_assign_cases_see_who_else_has_one_open_save_filters_and_archive_spam_in_bulk(
        page, chromium, review_server, review_user, supervisor, cases, review_services, screenshots_dir):
    with review_services.factory() as session:
        waiting = list(session.scalars(select(Case).where(Case.status == "needs_review")
                                       .order_by(Case.received_at, Case.id)))
        first, second = waiting[0].id, waiting[1].id
        spam = next(c.id for c in session.scalars(select(Case)) if c.subject.startswith("💰"))
    log_in(page, review_server, review_user)

    # assign the oldest case to myself from its page; the queue shows it, and "Kasus saya" finds it
    page.goto(f"{review_server}/kasus/{first}")
    page.locator("#form-assign").get_by_label("Ditangani oleh").select_option("staf")
    page.locator("#form-assign").get_by_role("button", name="Tugaskan").click()
    expect(page.locator("#flash")).to_contain_text("kini ditangani oleh staf")
    page.goto(f"{review_server}/antrean")
    expect(page.locator(f'#queue tr[data-href="/kasus/{first}"] td.assignee')).to_have_text("staf")
    page.get_by_role("link", name="Kasus saya").click()
    expect(page.locator("#queue tbody tr")).to_have_count(1)

    # another staff member opens the same case: each sees the other
    other = chromium.new_context(viewport=DESKTOP, locale="id-ID").new_page()
    try:
        log_in(other, review_server, supervisor)
        other.goto(f"{review_server}/kasus/{first}")
        page.goto(f"{review_server}/kasus/{first}")
        expect(page.locator("#viewers")).to_have_text("Juga sedang dibuka oleh: sari")
        shoot(page, screenshots_dir, "13-kasus-ditangani-dan-dibuka")
    finally:
        other.context.close()

    # a saved filter comes back on the next visit
    page.goto(f"{review_server}/antrean?status=semua&kind=spam")
    page.get_by_placeholder("nama filter ini").fill("Spam semua status")
    page.get_by_role("button", name="Simpan filter ini").click()
    expect(page.locator("#flash")).to_contain_text("disimpan")
    page.goto(f"{review_server}/antrean")
    page.locator("#saved-filters").get_by_role("link", name="Spam semua status").click()
    expect(page).to_have_url(f"{review_server}/antrean?status=semua&kind=spam")

    # bulk: assign two cases to sari, archive the spam
    page.goto(f"{review_server}/antrean")
    page.get_by_label(f"Pilih {waiting[1].reference}").check()
    page.get_by_label(f"Pilih {waiting[2].reference}").check()
    page.locator("#bulk select[name=tindakan]").select_option("tugaskan")
    page.locator("#bulk select[name=kepada]").select_option("sari")
    page.locator("#bulk").get_by_role("button", name="Jalankan").click()
    expect(page.locator("#flash")).to_have_text("2 kasus kini ditangani oleh sari.")
    expect(page.locator(f'#queue tr[data-href="/kasus/{second}"] td.assignee')).to_have_text("sari")
    # the pipeline archived the sample spam itself; a waiting mail staff judge to be spam goes in bulk
    page.goto(f"{review_server}/antrean?q=Tanya+cara+membuat")
    page.locator("#queue tbody tr input[type=checkbox]").first.check()
    page.locator("#bulk select[name=tindakan]").select_option("spam")
    page.locator("#bulk").get_by_role("button", name="Jalankan").click()
    expect(page.locator("#flash")).to_contain_text("1 kasus diarsipkan sebagai spam")
    with review_services.factory() as session:
        assert session.get(Case, spam).status == "archived"
        assert session.get(Case, cases["Tanya cara membuat laporan"]).status == "archived"
    shoot(page, screenshots_dir, "13-antrean-massal")


def test_the_queue_shows_days_left_and_filters_overdue_cases_linked_from_the_dashboard(
        page, review_server, review_user, cases, review_services, screenshots_dir):
    from datetime import UTC, datetime, timedelta

    with transaction(review_services.factory) as session:
        late = session.get(Case, cases["Pengaduan - surat terlampir"])
        late.deadline_at = datetime.now(UTC) - timedelta(days=3)
        late_status, late_ref = late.status, late.reference
    log_in(page, review_server, review_user)
    page.goto(f"{review_server}/antrean?status=semua")
    expect(page.locator("#queue td.deadline.overdue")).to_have_count(1)
    expect(page.locator("#queue td.deadline.overdue")).to_have_text("lewat 3 hari")
    expect(page.locator("#queue td.deadline").first).to_contain_text("hari lagi")
    page.get_by_label("Lewat tenggat").check()
    page.get_by_role("button", name="Terapkan").click()
    expect(page.locator("#queue tbody tr")).to_have_count(1)
    expect(page.locator("#queue tbody tr")).to_contain_text(late_ref)
    shoot(page, screenshots_dir, "13-antrean-lewat-tenggat")
    assert late_status == "routed"  # the dashboard counts it as overdue for its unit and links here
    page.goto(f"{review_server}/dasbor")
    page.locator("a.overdue-link").first.click()
    expect(page.locator("#queue tbody tr")).to_contain_text(late_ref)


def test_admins_read_the_audit_log_of_logins_and_actions(page, review_server, admin, review_user, cases,
                                                         browser_page, screenshots_dir):
    page.goto(f"{review_server}/login")  # a failed login is in the log too
    page.get_by_label("Nama pengguna").fill("staf")
    page.get_by_label("Kata sandi").fill("salah-sekali")
    page.get_by_role("button", name="Masuk").click()
    log_in(page, review_server, admin)
    page.get_by_role("link", name="Log audit").click()
    expect(page).to_have_url(f"{review_server}/audit")
    expect(page.locator("#audit")).to_contain_text("gagal masuk")
    expect(page.locator("#audit")).to_contain_text("kasus dibuka")
    page.get_by_label("Jenis").select_option("masuk")
    page.get_by_role("button", name="Terapkan").click()
    expect(page.locator("#audit tbody tr")).to_have_count(2)
    shoot(page, screenshots_dir, "13-log-audit")
    page.get_by_role("button", name="Keluar").click()
    log_in(page, review_server, review_user)  # a reviewer may not read it
    answer = page.goto(f"{review_server}/audit")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("link", name="Log audit")).to_have_count(0)


# --- point 10: image attachments are previewed like PDF pages -----------------------------------------


def _photo(fmt: str, size: tuple[int, int], orientation: int | None = None) -> bytes:
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 4, size[1] // 4), fill="red")  # a mark in one corner
    out = io.BytesIO()
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        image.save(out, format=fmt, exif=exif)
    else:
        image.save(out, format=fmt)
    return out.getvalue()


def test_jpeg_png_and_tiff_attachments_show_upright_and_resized_on_the_case_page(
        page, review_server, review_user, review_services, tmp_path, screenshots_dir):
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "Warga <warga@contoh.example>"
    msg["To"] = "pengaduan.babel@ombudsman.example"
    msg["Subject"] = "Foto bukti jalan rusak"
    msg["Message-ID"] = "<foto-uji@contoh.example>"
    msg.set_content("Terlampir foto bukti pelayanan yang buruk.")
    # a phone photo stored sideways (EXIF orientation 6: turn 90° clockwise to view)
    msg.add_attachment(_photo("JPEG", (1600, 1200), orientation=6), maintype="image", subtype="jpeg",
                       filename="foto.jpg")
    msg.add_attachment(_photo("PNG", (3000, 1000)), maintype="image", subtype="png", filename="layar.png")
    msg.add_attachment(_photo("TIFF", (800, 600)), maintype="image", subtype="tiff", filename="pindai.tif")
    triage(review_services, tmp_path / "foto", [bytes(msg)])
    with review_services.factory() as session:
        case_id = session.scalar(select(Case.id).where(Case.subject == "Foto bukti jalan rusak"))
    log_in(page, review_server, review_user)
    page.goto(f"{review_server}/kasus/{case_id}")
    previews = page.locator("#attachments img.image-preview")
    expect(previews).to_have_count(3)
    page.locator("#attachments").scroll_into_view_if_needed()
    sizes = []
    for i in range(3):
        previews.nth(i).scroll_into_view_if_needed()
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=previews.nth(i).element_handle())
        sizes.append(previews.nth(i).evaluate("(img) => [img.naturalWidth, img.naturalHeight]"))
    assert sizes[0] == [1050, 1400]  # upright (portrait) and no longer side than 1400 px
    assert sizes[1] == [1400, 467]  # shrunk server-side
    assert sizes[2] == [800, 600]  # a TIFF, which browsers cannot show, as a JPEG
    shoot(page, screenshots_dir, "13-lampiran-gambar")


# --- point 11: a phone, the keyboard, contrast, dates and unit pickers ---------------------------------

LOW_CONTRAST = """() => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
      .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const bad = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(el);
    if (!own || style.visibility === "hidden" || el.closest("[hidden], dialog:not([open]), details:not([open]) > :not(summary), svg")) continue;
    const rect = el.getBoundingClientRect();
    if (!rect.width || !rect.height) continue;
    const a = lum(rgb(style.color).slice(0, 3)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) bad.push(`${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  return bad;
}"""


def test_a_phone_gets_cards_and_reachable_actions_and_every_text_has_enough_contrast(
        page, review_server, admin, cases, review_services, screenshots_dir):
    log_in(page, review_server, admin)
    with review_services.factory() as session:
        waiting = session.scalar(select(Case.id).where(Case.status == "needs_review", Case.unit_id.is_not(None)))
    pages = ["/antrean?status=semua", f"/kasus/{waiting}", f"/kasus/{cases['Pengaduan - surat terlampir']}",
             "/direktori", "/dasbor", "/audit"]
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        for path in pages:
            page.goto(f"{review_server}{path}")
            assert page.evaluate(LOW_CONTRAST) == [], (size, path)
            wide = page.evaluate("document.scrollingElement.scrollWidth")
            assert wide <= size["width"] + 1, (size, path, wide)  # nothing wider than the screen
    # on the phone: the queue as cards, the primary action on the first screen
    page.set_viewport_size(PHONE)
    page.goto(f"{review_server}/antrean?status=semua")
    assert page.locator("#queue tbody tr").first.evaluate("(tr) => getComputedStyle(tr).display") == "block"
    expect(page.locator("#queue tbody tr").first.locator("td.subject")).to_be_visible()
    page.screenshot(path=str(screenshots_dir / "13-antrean-kartu-ponsel.png"))
    page.goto(f"{review_server}/kasus/{waiting}")
    box = page.locator("#primary-action").bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"] and box["width"] <= PHONE["width"]
    page.screenshot(path=str(screenshots_dir / "13-kasus-ponsel.png"))


def test_skip_link_dates_as_dd_mm_yyyy_and_unit_pickers_grouped_with_type_ahead(
        page, review_server, review_user, cases, screenshots_dir):
    log_in(page, review_server, review_user)
    page.goto(f"{review_server}/antrean")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Langsung ke isi")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "isi"

    # dates are typed and shown as dd/mm/yyyy
    page.get_by_label("Dari").fill("01/01/2026")
    page.get_by_label("Sampai").fill("31/12/2026")
    page.locator(".filters select[name=status]").select_option("semua")
    page.get_by_role("button", name="Terapkan").click()
    expect(page.get_by_label("Dari")).to_have_value("01/01/2026")
    expect(page.locator(".warning:not(#sender-down)")).to_have_count(0)  # no date refused (letters may wait)
    expect(page.locator("#queue tbody tr")).to_have_count(len(cases))
    page.get_by_label("Sampai").fill("02/01/2026")  # the 2nd of January, not the 1st of February
    page.get_by_role("button", name="Terapkan").click()
    expect(page.locator("#empty")).to_be_visible()
    page.goto(f"{review_server}/antrean?status=semua&from=2026-01-01")  # links keep working
    expect(page.get_by_label("Dari")).to_have_value("01/01/2026")

    # the unit picker: grouped by agency type, typing narrows it
    page.goto(f"{review_server}/kasus/{cases['akta kelahiran anak blm selesai']}")
    correct = page.locator("#form-correct")
    assert correct.locator("select[name=unit] optgroup").count() > 5
    correct.get_by_role("searchbox", name="Saring pilihan di bawah").fill("capil pangkalpinang")
    expect(correct.get_by_label("Unit")).to_have_value("disdukcapil-1971")
    assert correct.locator("select[name=unit] option:not([hidden])").count() == 2  # the choice and "— tanpa unit —"
    shoot(page, screenshots_dir, "13-pemilih-unit")


# --- point 12: exports Excel opens on Indonesian settings ----------------------------------------------


def test_exports_for_excel_have_a_bom_semicolons_and_names_instead_of_codes(
        page, review_server, review_user, cases, directory, screenshots_dir):
    log_in(page, review_server, review_user)
    page.goto(f"{review_server}/direktori")
    with page.expect_download() as download:
        page.locator("#export-excel").click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the text as UTF-8
    text = data.decode("utf-8-sig")
    header, *rows = text.splitlines()
    assert header == "Unit;ID unit;Jenis instansi;Wilayah;Narahubung;Jabatan;Surel;Telepon;Peran"
    rsud = [r.split(";") for r in rows if ";rsud-1901;" in r]
    assert rsud and rsud[0][2] != "rsud" and "Bangka" in rsud[0][3] and "1901" not in rsud[0][3]
    assert {r[8] for r in rsud} <= {"utama", "cadangan (tembusan)"} and len(rsud) == len(directory.unit("rsud-1901").focal_points)

    page.goto(f"{review_server}/dasbor?dari=01/01/2026&sampai=31/12/2026")
    with page.expect_download() as download:
        page.locator("#tabel-per-unit a.excel-link").click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    header, *rows = data.decode("utf-8-sig").splitlines()
    assert header.split(";")[:2] == ["kelompok", "jenis instansi"]
    groups = {r.split(";")[0] for r in rows}
    assert groups and groups <= {"Pemerintah daerah", "Instansi vertikal", "BUMN/BUMD", "Lainnya", "(tanpa unit)"}, groups
    assert "pemerintah_daerah" not in data.decode("utf-8-sig")
    shoot(page, screenshots_dir, "13-ekspor-dasbor")


def test_a_staff_member_opts_in_to_the_daily_digest_and_it_arrives_by_smtp(
        page, review_server, review_user, cases, review_services, smtp_sink, screenshots_dir):
    from datetime import UTC, datetime, timedelta

    from review.digest import DigestSender

    log_in(page, review_server, review_user)
    page.get_by_role("link", name="staf").click()
    expect(page).to_have_url(f"{review_server}/akun")
    page.get_by_label("Kirimi saya ringkasan harian").check()
    page.get_by_label("Alamat surel").fill("staf@perwakilan.example")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#flash")).to_contain_text("staf@perwakilan.example")
    page.get_by_role("button", name="Kirim ringkasan sekarang").click()
    expect(page.locator("#flash")).to_have_text("Ringkasan dikirim.")
    shoot(page, screenshots_dir, "13-akun-ringkasan")
    digests = [m for m in smtp_sink.messages if "staf@perwakilan.example" in m.rcpt_tos]
    assert len(digests) == 1
    body = digests[0].message.get_body(("plain",)).get_content()
    assert "Kasus menunggu tinjauan: 3" in body and "Kasus lewat tenggat: 0." in body
    assert digests[0].message["Auto-Submitted"] == "auto-generated"

    # the daily run sends once a day, after 07:00 office time, to whoever has not had today's
    sender = DigestSender(review_services, review_server)
    morning = datetime(2030, 1, 6, 1, 0, tzinfo=UTC)  # 08:00 WIB
    assert sender.run_once(morning - timedelta(hours=2)) == 0  # 06:00 WIB: too early
    assert sender.run_once(morning) == 1
    assert sender.run_once(morning + timedelta(hours=3)) == 0  # already sent that day
    assert sender.run_once(morning + timedelta(days=1)) == 1


# --- point 4 with the actions of routing.staff: the case page offers what fits the case's kind -----------


def test_an_inquiry_offers_its_reply_as_the_primary_action_and_a_routed_case_offers_rerouting(
        page, review_server, review_user, cases, review_services, smtp_sink, screenshots_dir):
    inquiry = cases["Tanya cara membuat laporan"]
    log_in(page, review_server, review_user)
    page.goto(f"{review_server}/kasus/{inquiry}")
    expect(page.locator("#form-route")).to_have_count(0)  # no "forward to unit" for an inquiry
    expect(page.locator("#form-answer")).to_be_visible()
    expect(page.locator("#answer-text")).not_to_be_empty()
    expect(page.locator("#primary-action")).to_have_text("Kirim jawaban…")
    shoot(page, screenshots_dir, "13-kasus-pertanyaan-jawaban")
    page.locator("#answer-text").fill("Yth. Ibu Agustina,\n\nLaporan dapat disampaikan lewat surel ini. Salam.")
    page.keyboard.press("Escape")
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("a")
    expect(page.locator("#confirm-answer")).to_be_visible()
    page.locator("#confirm-answer").get_by_role("button", name="Ya, kirim sekarang").click()
    expect(page.locator("#previous-outcome")).to_contain_text("terkirim")

    def replies():
        return [m for m in smtp_sink.messages if "agustina.p@webmail.example" in m.rcpt_tos
                and "lewat surel ini" in m.message.get_body(("plain",)).get_content()]
    for _ in range(100):  # the letter as staff edited it reaches the complainant
        if replies():
            break
        page.wait_for_timeout(100)
    assert len(replies()) == 1
    with review_services.factory() as session:
        assert session.get(Case, inquiry).status == "closed"

    routed = cases["KTP elektronik belum jadi sudah hampir 5 bulan"]
    page.goto(f"{review_server}/kasus/{routed}")
    expect(page.locator("#form-route")).to_have_count(0)
    expect(page.locator("#primary-action")).to_have_text("Alihkan ke unit lain")
    page.keyboard.press("a")
    expect(page.locator("#form-reroute select[name=unit]")).to_be_focused()
    expect(page.locator("#form-finish")).to_be_visible()
