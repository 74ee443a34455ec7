"""A scanner's drop folder: letters become ready once their size has settled.

Knows nothing of the database. The caller reads a `ReadyFile`, stores and commits it, and
only then calls `DropFolder.finish`, so a crash before the commit leaves the letter in place
to be picked up again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.errors import ExitCode, NarahubungError, UnsupportedInput
from ingest.files import SCAN_SUFFIXES, classify_path

PROCESSED_DIR = "diproses"
FAILED_DIR = "gagal"
REASON_SUFFIX = ".alasan.txt"
HIDDEN_PREFIXES = (".", "~$")
TEMP_SUFFIXES = (".part", ".tmp", ".crdownload", ".filepart")


class DropFolderUnavailable(NarahubungError):
    """The drop folder cannot be created or listed (an unmounted share, missing rights)."""

    exit_code = ExitCode.SERVICE_UNAVAILABLE
    retryable = True


class LetterChanged(NarahubungError):
    """The file changed or vanished after it was scanned; the next scan sees it afresh."""

    retryable = True


class LetterTooLarge(UnsupportedInput):
    """The file is larger than the configured limit."""


@dataclass(frozen=True)
class ReadyFile:
    path: Path
    name: str
    size: int
    content_type: str
    mtime_ns: int = 0  # as seen by scan; finish() refuses the file if it differs


@dataclass(frozen=True)
class _Sighting:
    size: int
    mtime_ns: int
    since: float  # clock() when this (size, mtime_ns) was first seen


class DropFolder:
    """Watches `root` (not its subfolders) for letters; one watcher per folder."""

    def __init__(
        self,
        root: Path,
        settle_seconds: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if settle_seconds < 0:
            raise ValueError("settle_seconds must be >= 0")
        self.root = Path(root)
        self.processed = self.root / PROCESSED_DIR
        self.failed = self.root / FAILED_DIR
        self.settle_seconds = settle_seconds
        self._clock = clock
        self._seen: dict[Path, _Sighting] = {}
        self._unsupported: list[Path] = []
        try:
            for folder in (self.root, self.processed, self.failed):
                folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DropFolderUnavailable(
                f"Folder pindaian {self.root} tidak dapat dibuat: {exc.strerror or exc}. "
                "Periksa jalur dan hak akses folder."
            ) from exc

    def scan(self) -> list[ReadyFile]:
        """Letters whose size and mtime have not changed for `settle_seconds`, oldest first."""
        now = self._clock()
        present: set[Path] = set()
        ready: list[ReadyFile] = []
        unsupported: list[Path] = []
        for path, size, mtime_ns in self._list_files():
            if _ignored(path.name):
                continue
            present.add(path)
            previous = self._seen.get(path)
            if previous is None or (previous.size, previous.mtime_ns) != (size, mtime_ns):
                self._seen[path] = _Sighting(size, mtime_ns, now)
                continue  # new or still being written
            if now - previous.since < self.settle_seconds:
                continue
            if path.suffix.lower() not in SCAN_SUFFIXES:
                unsupported.append(path)
            elif size > 0:
                content_type = classify_path(path).content_type
                ready.append(ReadyFile(path, path.name, size, content_type, mtime_ns))
        # Forget files that were moved or deleted, so the table does not grow forever.
        for gone in self._seen.keys() - present:
            del self._seen[gone]
        self._unsupported = sorted(unsupported)
        ready.sort(key=lambda item: (item.mtime_ns, item.name))
        return ready

    def unsupported(self) -> list[Path]:
        """Settled files of other types found by the last scan; move them with `reject`."""
        return list(self._unsupported)

    def finish(self, item: ReadyFile, ok: bool, reason: str | None = None) -> Path:
        """Move a scanned letter to diproses/ or gagal/ (with a reason file); return its new path."""
        self._check_unchanged(item)
        if ok:
            return self._move(item.path, self.processed)
        return self.reject(item.path, reason or "Tidak ada alasan yang dicatat.")

    def reject(self, path: Path, reason: str) -> Path:
        """Move any file from the drop folder to gagal/ and write `<name>.alasan.txt` beside it."""
        target = self._move(path, self.failed, with_reason=True)
        _reason_path(target).write_text(reason.rstrip() + "\n", encoding="utf-8")
        return target

    def _list_files(self) -> list[tuple[Path, int, int]]:
        files: list[tuple[Path, int, int]] = []
        try:
            with os.scandir(self.root) as entries:
                for entry in entries:
                    try:
                        # Symlinks are skipped: moving one would leave the real file behind.
                        if not entry.is_file(follow_symlinks=False):
                            continue
                        stat = entry.stat(follow_symlinks=False)
                    except FileNotFoundError:
                        continue  # removed while listing
                    files.append((Path(entry.path), stat.st_size, stat.st_mtime_ns))
        except OSError as exc:
            raise DropFolderUnavailable(
                f"Folder pindaian {self.root} tidak dapat dibaca: {exc.strerror or exc}."
            ) from exc
        return files

    def _check_unchanged(self, item: ReadyFile) -> None:
        try:
            stat = item.path.stat()
        except FileNotFoundError as exc:
            raise LetterChanged(f"Berkas {item.name} sudah tidak ada di folder pindaian.") from exc
        if stat.st_size != item.size or (item.mtime_ns and stat.st_mtime_ns != item.mtime_ns):
            raise LetterChanged(
                f"Berkas {item.name} berubah setelah dipindai ({item.size} → {stat.st_size} bita); "
                "berkas tidak dipindahkan dan akan diperiksa lagi pada pemindaian berikutnya."
            )

    def _move(self, path: Path, folder: Path, with_reason: bool = False) -> Path:
        target = _free_name(folder, path.name, with_reason)
        try:
            # Same file system as root, so this is an atomic rename. The free name is chosen
            # just before; that is safe because only one watcher owns a folder.
            path.rename(target)
        except FileNotFoundError as exc:
            raise LetterChanged(f"Berkas {path.name} sudah tidak ada di folder pindaian.") from exc
        self._seen.pop(path, None)
        if path in self._unsupported:
            self._unsupported.remove(path)
        return target


def read(item: ReadyFile, max_bytes: int) -> bytes:
    """The file's bytes; refuses files over `max_bytes` and files that changed since the scan."""
    try:
        with item.path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            # One byte more than fstat promised reveals a file that is still growing.
            data = b"" if size > max_bytes else handle.read(size + 1)
            if size > max_bytes or len(data) > max_bytes:
                raise LetterTooLarge(
                    f"Berkas {item.name} terlalu besar ({max(size, len(data))} bita; "
                    f"batas {max_bytes} bita). "
                    "Pindai ulang dengan resolusi lebih rendah atau bagi menjadi beberapa berkas."
                )
            if len(data) != item.size:
                raise LetterChanged(
                    f"Berkas {item.name} berubah setelah dipindai ({item.size} → {len(data)} bita)."
                )
    except FileNotFoundError as exc:
        raise LetterChanged(f"Berkas {item.name} sudah tidak ada di folder pindaian.") from exc
    return data


def _ignored(name: str) -> bool:
    return name.startswith(HIDDEN_PREFIXES) or name.lower().endswith(TEMP_SUFFIXES)


def _free_name(folder: Path, name: str, with_reason: bool) -> Path:
    """`name`, or `stem (2).suffix`, `stem (3).suffix`… whichever is free in `folder`."""
    stem, suffix = os.path.splitext(name)
    candidate, n = folder / name, 1
    while candidate.exists() or (with_reason and _reason_path(candidate).exists()):
        n += 1
        candidate = folder / f"{stem} ({n}){suffix}"
    return candidate


def _reason_path(path: Path) -> Path:
    return path.with_name(path.name + REASON_SUFFIX)


__all__ = [
    "DropFolder",
    "DropFolderUnavailable",
    "LetterChanged",
    "LetterTooLarge",
    "ReadyFile",
    "read",
]
