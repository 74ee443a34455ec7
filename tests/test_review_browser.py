"""The staff review app in a real browser: headless Chromium (apt) driven by pip's playwright, against the
app served by uvicorn over a fresh SQLite file whose cases the real pipeline made from the sample inbox.

Screenshots of the main pages land in artifacts/screenshots/.
"""

from __future__ import annotations

import time
from email.message import EmailMessage

import pytest
from conftest import triage
from factories import make_pdf
from playwright.sync_api import expect
from sqlalchemy import select

from core.settings import PROJECT_ROOT
from storage.models import Case, CaseNote, StaffLabel

SAMPLES = sorted((PROJECT_ROOT / "samples" / "inbox").glob("*.eml"))
XSS_SUBJECT = '<script>alert("subjek")</script> Pelayanan buruk'
XSS_BODY = "Saya kecewa dengan pelayanan. <img src=x onerror=alert('isi')> <script>alert('isi2')</script>"
XSS_FILE = "<img src=x onerror=alert('lampiran')>.pdf"


def xss_mail() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Penguji <penguji@contoh.example>"
    msg["To"] = "pengaduan.babel@ombudsman.example"
    msg["Subject"] = XSS_SUBJECT
    msg["Message-ID"] = "<xss-uji@contoh.example>"
    msg.set_content(XSS_BODY)
    msg.add_alternative(
        "<p>Saya kecewa.</p><img src=x onerror=\"alert('html')\"><script>alert('html2')</script>"
        "<a href=\"javascript:alert('tautan')\">klik</a><svg onload=\"alert('svg')\"></svg>", subtype="html")
    msg.add_attachment(make_pdf(["Surat keluhan pelayanan"]), maintype="application", subtype="pdf",
                       filename=XSS_FILE)
    return bytes(msg)


@pytest.fixture
def inbox(review_services, tmp_path):
    """The bundled sample inbox and a mail full of script, triaged by the real pipeline."""
    triage(review_services, tmp_path / "masuk", [p.read_bytes() for p in SAMPLES] + [xss_mail()])
    with review_services.factory() as session:
        return {c.subject: c.id for c in session.scalars(select(Case).where(Case.status == "needs_review"))}


def log_in(page, base: str, user: tuple[str, str], screenshots=None) -> None:
    page.goto(f"{base}/antrean")
    expect(page).to_have_url(f"{base}/login?next=/antrean")
    if screenshots is not None:
        page.screenshot(path=str(screenshots / "01-masuk.png"), full_page=True)
    page.get_by_label("Nama pengguna").fill(user[0])
    page.get_by_label("Kata sandi").fill(user[1])
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(f"{base}/antrean")


def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_staff_log_in_correct_a_case_and_route_it_the_smtp_server_receives_the_letter(
        browser_page, review_server, review_user, inbox, review_services, smtp_sink, screenshots_dir):
    page = browser_page
    log_in(page, review_server, review_user, screenshots_dir)
    expect(page.locator("#queue tbody tr").first).to_be_visible()
    page.screenshot(path=str(screenshots_dir / "02-antrean.png"), full_page=True)

    # the keyboard: j selects the first (oldest) row, Enter opens it
    oldest = page.locator("#queue tbody tr").first.get_attribute("data-href")
    page.keyboard.press("j")
    expect(page.locator("#queue tbody tr.selected")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{review_server}{oldest}")

    # find the birth-certificate complaint with the search box, open it
    page.goto(f"{review_server}/antrean")
    page.get_by_placeholder("perihal, nomor, nama, surel").fill("akta kelahiran")
    page.get_by_role("button", name="Terapkan").click()
    page.get_by_role("link", name="ORI-BABEL").first.click()
    expect(page.locator("#subject")).to_have_text("akta kelahiran anak blm selesai")
    page.screenshot(path=str(screenshots_dir / "03-kasus.png"), full_page=True)

    # correct: the Disdukcapil of Pangkalpinang, a delay
    form = page.locator("#form-correct")
    form.get_by_label("Jenis pesan").select_option("complaint")
    form.get_by_label("Unit").select_option("disdukcapil-1971")
    form.get_by_label("Penundaan Berlarut").check()
    form.get_by_role("button", name="Simpan koreksi").click()
    expect(page.locator("#flash")).to_contain_text("dikoreksi")

    # route now by SMTP, the default summary left as it is
    route = page.locator("#form-route")
    expect(route.get_by_label("Ke unit")).to_have_value("disdukcapil-1971")
    route.get_by_label("Cara pengiriman").select_option("smtp")
    route.get_by_role("button", name="Teruskan").click()
    # nothing leaves the office before a confirmation naming the recipients
    expect(page.locator("#confirm-send")).to_be_visible()
    expect(page.locator("#confirm-send")).to_contain_text("pengaduan.disdukcapil@pangkalpinangkota.example")
    page.get_by_role("button", name="Ya, kirim sekarang").click()
    # the case left the queue: the page moves on to the next case and says what happened to this one
    expect(page.locator("#previous-outcome")).to_contain_text("terkirim")
    page.screenshot(path=str(screenshots_dir / "04-kasus-diteruskan.png"), full_page=True)

    def to_focal_point():
        return [m for m in smtp_sink.messages
                                  if "pengaduan.disdukcapil@pangkalpinangkota.example" in m.rcpt_tos]
    wait_for(lambda: to_focal_point())
    letter = to_focal_point()[0].message
    assert "Akta kelahiran anak saya" in letter.get_body(("plain",)).get_content()
    with review_services.factory() as session:
        case = session.scalar(select(Case).where(Case.subject == "akta kelahiran anak blm selesai"))
        label = session.scalar(select(StaffLabel).where(StaffLabel.case_id == case.id))
    assert case.status == "routed" and case.unit_id == "disdukcapil-1971"
    assert (label.action, label.labelled_by, label.maladministration) == ("correct", "staf", ["penundaan_berlarut"])


def test_script_in_subject_body_html_and_attachment_name_stays_inert_text(
        browser_page, review_server, review_user, inbox, screenshots_dir):
    page = browser_page
    log_in(page, review_server, review_user)
    expect(page.get_by_text(XSS_SUBJECT)).to_be_visible()  # shown as text in the queue
    page.goto(f"{review_server}/kasus/{inbox[XSS_SUBJECT]}")
    expect(page.locator("#subject")).to_have_text(XSS_SUBJECT)
    expect(page.locator("#body-text")).to_contain_text("<img src=x onerror=alert('isi')>")
    expect(page.locator(".attachment-name")).to_have_text(XSS_FILE)
    page.locator("#original details summary").click()  # open the sanitised HTML view
    expect(page.locator("#body-html")).to_contain_text("Saya kecewa.")
    assert page.locator("#body-html img, #body-html script, #body-html svg").count() == 0
    assert page.locator("#body-html a").get_attribute("href") is None
    page.locator("#body-html a").click()
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshots_dir / "05-kasus-xss.png"), full_page=True)
    assert page.dialogs == []  # type: ignore[attr-defined]
    assert page.locator("script:not([src])").count() == 0


def test_an_anonymous_visitor_is_sent_to_login(browser_page, review_server, inbox):
    page = browser_page
    case_id = next(iter(inbox.values()))
    page.goto(f"{review_server}/kasus/{case_id}")
    expect(page).to_have_url(f"{review_server}/login?next=/kasus/{case_id}")
    expect(page.get_by_role("heading", name="Masuk")).to_be_visible()


def test_a_post_without_the_csrf_token_is_refused(browser_page, review_server, review_user, inbox,
                                                  review_services):
    page = browser_page
    log_in(page, review_server, review_user)
    case_id = next(iter(inbox.values()))
    refused = page.request.post(f"{review_server}/kasus/{case_id}/catatan", form={"text": "tanpa token"})
    assert refused.status == 403
    # the same form from the page itself carries its token and is accepted
    page.goto(f"{review_server}/kasus/{case_id}")
    page.locator("#form-note textarea").fill("dengan token")
    page.locator("#form-note button").click()
    expect(page.locator("#flash")).to_have_text("Catatan disimpan.")
    with review_services.factory() as session:
        assert [n.text for n in session.scalars(select(CaseNote))] == ["dengan token"]


def test_screenshots_of_the_directory_and_dashboard(browser_page, review_server, review_user, inbox,
                                                    screenshots_dir):
    page = browser_page
    log_in(page, review_server, review_user)
    for path, name in (("/direktori", "06-direktori.png"), ("/dasbor", "07-dasbor.png")):
        answer = page.goto(f"{review_server}{path}")
        assert answer is not None and answer.status == 200, path
        page.screenshot(path=str(screenshots_dir / name), full_page=True)
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_the_english_toggle_keeps_the_page(browser_page, review_server, review_user, inbox, screenshots_dir):
    page = browser_page
    log_in(page, review_server, review_user)
    page.goto(f"{review_server}/kasus/{inbox['akta kelahiran anak blm selesai']}")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Model decision")).to_be_visible()
    assert "/kasus/" in page.url
    page.screenshot(path=str(screenshots_dir / "08-case-english.png"), full_page=True)
    page.get_by_role("link", name="Bahasa Indonesia").click()
    expect(page.get_by_role("heading", name="Keputusan model")).to_be_visible()
