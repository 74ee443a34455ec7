"""The dashboard and directory in a real browser (Chromium from apt, pip's playwright), with screenshots
saved to artifacts/screenshots/."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from conftest import REVIEW_PASSWORD
from test_review_dashboard import add_case

from core.directory_io import export_csv
from storage.accounts import create_user
from storage.db import transaction
from storage.models import CaseStatus


@pytest.fixture
def seeded(review_services):
    """A supervisor and three months of cases, some routed, some answered (seeded, the same every run)."""
    rng = random.Random(7)
    directory = review_services.directory
    now = review_services.clock()
    types = directory.maladministration_ids
    units = [u.id for u in directory.units]
    with transaction(review_services.factory) as session:
        create_user(session, "sari", REVIEW_PASSWORD, "supervisor")
        for _ in range(160):
            received = now - timedelta(days=rng.uniform(0, 84))
            unit = rng.choice(units[:30])
            routed = received + timedelta(hours=rng.uniform(1, 30))
            answered = routed + timedelta(days=rng.uniform(1, 40)) if rng.random() < 0.5 else None
            add_case(session, received=received, unit=unit, kind=rng.choice(["complaint"] * 4 + ["spam", "inquiry"]),
                     types=rng.sample(types, rng.choice([1, 1, 2])), status=CaseStatus.ROUTED,
                     routed=min(routed, now), sent=min(routed, now),
                     answered=answered if answered and answered < now else None)
    return review_services


def log_in(page, base):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "sari")
    page.fill("input[name=password]", REVIEW_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/antrean**")


def test_dashboard_and_directory_in_the_browser(seeded, review_server, browser_page, screenshots_dir, tmp_path):
    page, base = browser_page, review_server
    log_in(page, base)

    page.goto(f"{base}/dasbor")
    images = page.locator(".chart img")
    assert images.count() == 6
    widths = images.evaluate_all("imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
    assert all(w > 0 for w in widths), widths  # every SVG chart was decoded by the browser
    assert page.locator("#tabel-per-unit tbody tr").count() > 5
    page.screenshot(path=str(screenshots_dir / "dasbor.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#tabel-per-unit a[download]")
    assert download.value.suggested_filename.startswith("dasbor-per-unit-")

    page.goto(f"{base}/direktori")
    assert page.locator("table.directory tbody tr").count() == 91
    page.screenshot(path=str(screenshots_dir / "direktori.png"))

    page.goto(f"{base}/direktori/unit/rsud-1901")
    page.fill("input[aria-label='Surel 1']", "humas.baru@bangkakab.example")
    page.click("form.unit-form button[type=submit]")
    assert "disimpan dan dicatat" in page.locator("#flash").inner_text()
    assert "humas.baru@bangkakab.example" in page.locator("#unit-history").inner_text()
    page.screenshot(path=str(screenshots_dir / "direktori-unit.png"), full_page=True)
    assert seeded.directory.recipients("rsud-1901").to[0].email == "humas.baru@bangkakab.example"

    # import through the page's own script (the CSRF token travels in a header): a broken file is refused
    broken = export_csv(seeded.directory.units).replace("humas.baru@bangkakab.example", "rusak", 1)
    path = tmp_path / "direktori.csv"
    path.write_text(broken, encoding="utf-8")
    page.goto(f"{base}/direktori")
    page.set_input_files("#import-form input[type=file]", str(path))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-problems")
    assert "alamat email tidak sah" in page.locator("#import-problems").inner_text()
    page.screenshot(path=str(screenshots_dir / "direktori-impor-gagal.png"))
    assert seeded.directory.recipients("rsud-1901").to[0].email == "humas.baru@bangkakab.example"
    assert page.dialogs == []
