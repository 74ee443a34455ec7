"""What extraction produces, and the limits it works within. Shared by every extractor."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limits:
    """Bounds that keep one hostile or huge input from taking the machine down."""

    max_pages: int = 200  # PDF pages read (text layer or OCR)
    max_ocr_pages: int = 30  # pages OCRed per document; more is slow and rarely a letter
    max_pixels: int = 80_000_000  # per image or rendered page
    max_decompressed_bytes: int = 100 * 1024 * 1024  # ZIP members, TNEF, nested messages together
    max_depth: int = 3  # message in a message in a ZIP …
    time_budget_s: float = 120.0  # per document
    ocr_timeout_s: float = 60.0  # per page


@dataclass(frozen=True)
class ExtractedDocument:
    """The text of one part: a body, an attachment, a nested message, a ZIP member or a letter."""

    part: str  # body | attachment | letter | message (a forwarded/attached mail) | member (inside an archive)
    path: str  # where it sits: "body", "2" (second part), "2/1" (first part inside it), "3/surat.pdf"
    filename: str | None
    content_type: str
    payload: bytes | None  # the original bytes, kept so they can be stored and forwarded
    text: str  # everything readable, for staff
    method: str  # plain | html | text_layer | ocr | text_layer+ocr | docx | odt | rtf | tnef | none …
    clean_text: str | None = None  # the sender's own words (no quotes, signature, disclaimer); None = same as text
    pages: int | None = None
    ocr_confidence: float | None = None
    language: str | None = None
    error: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # From/To/Date/Subject of a nested message

    @property
    def own_words(self) -> str:
        return self.text if self.clean_text is None else self.clean_text
