"""What the browser tests of the review app share: the two screen sizes, logging in, screenshots."""

from __future__ import annotations

from playwright.sync_api import expect

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def log_in(page, base: str, user: tuple[str, str]) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Nama pengguna").fill(user[0])
    page.get_by_label("Kata sandi").fill(user[1])
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(f"{base}/antrean")


def shoot(page, screenshots_dir, name: str) -> None:
    """The screen as it is now, at 1366×768 and at 390×844 (back to the desktop size afterwards)."""
    for size, suffix in ((DESKTOP, "desktop"), (PHONE, "ponsel")):
        page.set_viewport_size(size)
        page.wait_for_timeout(50)
        page.screenshot(path=str(screenshots_dir / f"{name}-{suffix}.png"))
    page.set_viewport_size(DESKTOP)
