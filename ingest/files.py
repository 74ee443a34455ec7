"""Messages and scanned letters read from disk (`narahubung ingest PATH…`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from core.errors import UnsupportedInput
from ingest.extract import guess_content_type

MAIL_SUFFIXES = (".eml",)
LETTER_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff")


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
    raise UnsupportedInput(
        f"Berkas {path} tidak didukung: hanya .eml, PDF, JPEG, PNG dan TIFF yang dapat diimpor."
    )


def collect(paths: Iterable[Path]) -> Iterator[FileItem]:
    """Expand folders (recursively, sorted) and check every file before anything is stored."""
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if child.suffix.lower() in MAIL_SUFFIXES + LETTER_SUFFIXES:
                    yield classify_path(child)
        elif path.is_file():
            yield classify_path(path)
        else:
            raise UnsupportedInput(f"Berkas atau folder tidak ditemukan: {path}")
