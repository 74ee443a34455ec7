"""Builders of realistic test inputs: mails, text PDFs and scanned-looking letters."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from PIL import Image, ImageDraw, ImageFilter, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def make_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with a real text layer."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    y = 800
    for line in lines:
        pdf.drawString(60, y, line)
        y -= 16
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def make_scan(lines: list[str], fmt: str = "PNG", dpi: int = 200, seed: int = 7) -> bytes:
    """A letter rendered like a scan: 200 dpi, slight skew, speckles."""
    width, height = int(8.27 * dpi), int(11.69 * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, size=int(dpi * 0.15))
    y = int(dpi * 0.8)
    for line in lines:
        draw.text((int(dpi * 0.8), y), line, font=font, fill=0)
        y += int(dpi * 0.25)
    rng = random.Random(seed)
    for _ in range(3000):
        draw.point((rng.randrange(width), rng.randrange(height)), fill=rng.randrange(100, 200))
    image = image.rotate(0.5, expand=False, fillcolor=255).filter(ImageFilter.GaussianBlur(0.6))
    out = io.BytesIO()
    if fmt == "PDF":
        image.save(out, format="PDF", resolution=dpi)
    else:
        image.save(out, format=fmt, dpi=(dpi, dpi))
    return out.getvalue()


def make_mail(
    subject: str,
    body: str,
    *,
    sender: tuple[str, str] = ("Warga Contoh", "warga@contoh.example"),
    to: str = "pengaduan.babel@ombudsman.example",
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
    headers: dict[str, str] | None = None,
    date: datetime | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"{sender[0]} <{sender[1]}>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime(2026, 11, 20, 9, 30, tzinfo=UTC))
    msg["Message-ID"] = make_msgid(domain="contoh.example")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for filename, content_type, payload in attachments:
        maintype, _, subtype = content_type.partition("/")
        msg.add_attachment(payload, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(msg)


# --- time ------------------------------------------------------------------------------------------
START = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # the fake "now" of the routing tests


class FakeClock:
    """A clock the tests move by hand (the stages take `now` as a function)."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def wait_until(predicate, timeout: float = 15.0, interval: float = 0.05) -> None:
    """Poll `predicate` until it is true; fail the test if it is not within `timeout` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


def count_rows(services, model, *where) -> int:
    """How many rows of `model` (matching `where`) the services' database holds."""
    from sqlalchemy import func, select

    with services.factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0
