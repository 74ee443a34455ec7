"""Messages and scanned letters read from disk (`narahubung ingest PATH…`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from core.errors import UnsupportedInput
from ingest.extract import guess_content_type

MAIL_SUFFIXES = (".eml",)
SCAN_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff")  # what a scanner writes (the drop folder)
# scans and PDFs, and typed letters (the extractors read DOCX, ODT and RTF as well)
LETTER_SUFFIXES = (*SCAN_SUFFIXES, ".docx", ".odt", ".rtf")
SUPPORTED = ".eml, PDF, JPEG, PNG, TIFF, DOCX, ODT dan RTF"


@dataclass(frozen=True)
class FileItem:
    path: Path
    source: str  # "file" for a .eml, "letter" for a scan or PDF
    content_type: str


def classify_path(path: Path) -> FileItem:
    suffix = path.suffix.lower()
    if suffix in MAIL_SUFFIXES:
        return FileItem(path, "file", "message/rfc822")
    if suffix in LETTER_SUFFIXES:
        return FileItem(path, "letter", guess_content_type(path.name))
    raise UnsupportedInput(f"Berkas {path} tidak didukung: hanya {SUPPORTED} yang dapat diimpor.")


def collect(paths: Iterable[Path]) -> Iterator[FileItem]:
    """Expand folders (recursively, sorted) and check every file before anything is stored."""
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if _skip_reason(child) is None:
                    yield classify_path(child)
        elif path.is_file():
            yield classify_path(path)
        else:
            raise UnsupportedInput(f"Berkas atau folder tidak ditemukan: {path}")


def skipped_in(paths: Iterable[Path]) -> list[tuple[Path, str]]:
    """The files inside the folders of `paths` that `collect` leaves out, each with the reason."""
    found = []
    for path in paths:
        if Path(path).is_dir():
            for child in sorted(p for p in Path(path).rglob("*") if p.is_file()):
                reason = _skip_reason(child)
                if reason is not None:
                    found.append((child, reason))
    return found


def _skip_reason(path: Path) -> str | None:
    if path.name.startswith("."):
        return "berkas tersembunyi"
    if path.suffix.lower() not in MAIL_SUFFIXES + LETTER_SUFFIXES:
        return f"jenis berkas tidak didukung (hanya {SUPPORTED})"
    return None
