"""A letter in the drop folder is read only once it has settled, and moved only when told."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.errors import ExitCode, NarahubungError, UnsupportedInput
from ingest.dropfolder import DropFolder, LetterChanged, LetterTooLarge, ReadyFile, read

PDF = b"%PDF-1.4\n% surat pengaduan\n%%EOF\n"


class FakeClock:
    """A monotonic clock in seconds (the drop folder measures settling time, not dates)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def folder(tmp_path: Path, clock: FakeClock) -> DropFolder:
    return DropFolder(tmp_path / "pindaian", settle_seconds=2.0, clock=clock)


def drop(folder: DropFolder, name: str, data: bytes = PDF) -> Path:
    path = folder.root / name
    path.write_bytes(data)
    return path


def settle(folder: DropFolder, clock: FakeClock) -> list[ReadyFile]:
    """First sight, then a second scan once the settle time has passed."""
    folder.scan()
    clock.advance(folder.settle_seconds)
    return folder.scan()


def test_creates_root_and_both_subfolders(tmp_path: Path):
    folder = DropFolder(tmp_path / "a" / "pindaian")
    assert folder.root.is_dir()
    assert (folder.root / "diproses").is_dir() and (folder.root / "gagal").is_dir()


def test_a_file_is_not_ready_on_first_sight(folder: DropFolder, clock: FakeClock):
    drop(folder, "surat.pdf")
    assert folder.scan() == []


def test_a_file_is_ready_once_unchanged_for_the_settle_time(folder: DropFolder, clock: FakeClock):
    path = drop(folder, "surat.pdf")
    folder.scan()
    clock.advance(1.9)
    assert folder.scan() == []
    clock.advance(0.1)
    (item,) = folder.scan()
    assert item == ReadyFile(path, "surat.pdf", len(PDF), "application/pdf", path.stat().st_mtime_ns)


def test_a_ready_file_stays_ready_until_it_is_finished(folder: DropFolder, clock: FakeClock):
    drop(folder, "surat.pdf")
    (first,) = settle(folder, clock)
    assert folder.scan() == [first]


def test_a_file_still_growing_between_scans_is_not_ready(folder: DropFolder, clock: FakeClock):
    path = drop(folder, "surat.pdf", b"%PDF-1.4\n")
    folder.scan()
    for _ in range(3):
        clock.advance(5)
        with path.open("ab") as handle:
            handle.write(b"halaman berikutnya\n")
        assert folder.scan() == []
    # Growth stopped: the settle time starts again from the last change.
    clock.advance(1.9)
    assert folder.scan() == []
    clock.advance(0.1)
    assert [item.size for item in folder.scan()] == [path.stat().st_size]


def test_a_rewritten_file_of_the_same_size_starts_settling_again(folder: DropFolder, clock: FakeClock):
    path = drop(folder, "surat.pdf")
    folder.scan()
    clock.advance(5)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
    assert folder.scan() == []


def test_a_zero_byte_file_is_never_ready(folder: DropFolder, clock: FakeClock):
    drop(folder, "kosong.pdf", b"")
    settle(folder, clock)
    clock.advance(3600)
    assert folder.scan() == []
    assert folder.unsupported() == []


@pytest.mark.parametrize(
    "name",
    [
        ".surat.pdf",
        "~$surat.pdf",
        "surat.pdf.part",
        "surat.pdf.tmp",
        "surat.PDF.TMP",
        "surat.pdf.crdownload",
        "surat.pdf.filepart",
    ],
)
def test_hidden_and_temporary_files_are_ignored(folder: DropFolder, clock: FakeClock, name: str):
    drop(folder, name)
    assert settle(folder, clock) == []
    assert folder.unsupported() == []


def test_subfolders_are_not_scanned(folder: DropFolder, clock: FakeClock):
    (folder.root / "arsip").mkdir()
    (folder.root / "arsip" / "lama.pdf").write_bytes(PDF)
    (folder.processed / "selesai.pdf").write_bytes(PDF)
    assert settle(folder, clock) == []


def test_unsupported_types_are_reported_not_returned(folder: DropFolder, clock: FakeClock):
    docx = drop(folder, "surat.docx", b"PK\x03\x04")
    eml = drop(folder, "surel.eml", b"From: a@warga.example\r\n\r\nhalo")
    drop(folder, "surat.pdf")
    assert folder.scan() == [] and folder.unsupported() == []  # not on first sight either
    clock.advance(2)
    assert [item.name for item in folder.scan()] == ["surat.pdf"]
    assert folder.unsupported() == [docx, eml]  # .eml belongs to the mail path, not the scanner


def test_unsupported_file_can_be_rejected_with_a_reason(folder: DropFolder, clock: FakeClock):
    drop(folder, "surat.docx", b"PK\x03\x04")
    settle(folder, clock)
    (path,) = folder.unsupported()
    moved = folder.reject(path, "Jenis berkas tidak didukung.")
    assert moved == folder.failed / "surat.docx" and not path.exists()
    reason = (folder.failed / "surat.docx.alasan.txt").read_text(encoding="utf-8")
    assert reason == "Jenis berkas tidak didukung.\n"
    assert folder.unsupported() == []


def test_ready_files_come_oldest_first(folder: DropFolder, clock: FakeClock):
    for name, age in [("b.pdf", 30), ("a.png", 10), ("c.tiff", 20)]:
        path = drop(folder, name)
        mtime = path.stat().st_mtime_ns - age * 1_000_000_000
        os.utime(path, ns=(mtime, mtime))
    ready = settle(folder, clock)
    assert [(item.name, item.content_type) for item in ready] == [
        ("b.pdf", "application/pdf"),
        ("c.tiff", "image/tiff"),
        ("a.png", "image/png"),
    ]


def test_finish_ok_moves_the_file_to_diproses(folder: DropFolder, clock: FakeClock):
    path = drop(folder, "surat.pdf")
    (item,) = settle(folder, clock)
    moved = folder.finish(item, ok=True)
    assert moved == folder.processed / "surat.pdf"
    assert moved.read_bytes() == PDF and not path.exists()
    assert not (folder.processed / "surat.pdf.alasan.txt").exists()
    assert folder.scan() == []


def test_finish_failed_moves_the_file_to_gagal_with_its_reason(folder: DropFolder, clock: FakeClock):
    drop(folder, "surat.jpg", b"\xff\xd8\xff\xe0 bukan gambar utuh")
    (item,) = settle(folder, clock)
    moved = folder.finish(item, ok=False, reason="Teks tidak terbaca (OCR gagal).")
    assert moved == folder.failed / "surat.jpg" and moved.exists()
    reason = (folder.failed / "surat.jpg.alasan.txt").read_text(encoding="utf-8")
    assert reason == "Teks tidak terbaca (OCR gagal).\n"


def test_name_clash_adds_a_number_before_the_suffix(folder: DropFolder, clock: FakeClock):
    (folder.processed / "surat.pdf").write_bytes(b"lama")
    (folder.processed / "surat (2).pdf").write_bytes(b"lama")
    drop(folder, "surat.pdf")
    (item,) = settle(folder, clock)
    assert folder.finish(item, ok=True) == folder.processed / "surat (3).pdf"
    assert (folder.processed / "surat.pdf").read_bytes() == b"lama"

    drop(folder, "surat.pdf")
    (item,) = settle(folder, clock)
    # An old reason file alone also blocks the name, so it is never overwritten.
    (folder.failed / "surat.pdf.alasan.txt").write_text("alasan lama\n", encoding="utf-8")
    moved = folder.finish(item, ok=False, reason="alasan baru")
    assert moved == folder.failed / "surat (2).pdf"
    assert (folder.failed / "surat (2).pdf.alasan.txt").read_text(encoding="utf-8") == "alasan baru\n"
    assert (folder.failed / "surat.pdf.alasan.txt").read_text(encoding="utf-8") == "alasan lama\n"


def test_a_file_modified_after_scan_is_not_moved(folder: DropFolder, clock: FakeClock):
    path = drop(folder, "surat.pdf")
    (item,) = settle(folder, clock)
    with path.open("ab") as handle:
        handle.write(b"halaman 2\n")
    with pytest.raises(LetterChanged, match="berubah setelah dipindai") as raised:
        folder.finish(item, ok=True)
    assert raised.value.retryable
    assert path.exists() and list(folder.processed.iterdir()) == []
    # The next scans treat it as a new arrival.
    assert folder.scan() == []
    clock.advance(2)
    assert [item.size for item in folder.scan()] == [len(PDF) + len(b"halaman 2\n")]


def test_a_file_removed_after_scan_raises_a_typed_error(folder: DropFolder, clock: FakeClock):
    path = drop(folder, "surat.pdf")
    (item,) = settle(folder, clock)
    path.unlink()
    with pytest.raises(LetterChanged, match="sudah tidak ada"):
        folder.finish(item, ok=False, reason="x")
    with pytest.raises(LetterChanged, match="sudah tidak ada"):
        read(item, max_bytes=1_000_000)


def test_read_returns_the_bytes_within_the_limit(folder: DropFolder, clock: FakeClock):
    drop(folder, "surat.pdf")
    (item,) = settle(folder, clock)
    assert read(item, max_bytes=len(PDF)) == PDF


def test_read_refuses_an_oversize_file(folder: DropFolder, clock: FakeClock):
    path = drop(folder, "besar.pdf", PDF + b"x" * 100)
    (item,) = settle(folder, clock)
    with pytest.raises(LetterTooLarge, match="terlalu besar") as raised:
        read(item, max_bytes=len(PDF))
    assert isinstance(raised.value, UnsupportedInput) and raised.value.exit_code == ExitCode.BAD_INPUT
    assert path.exists()  # the caller decides; read() never moves anything


def test_read_refuses_a_file_that_changed_since_scan(folder: DropFolder, clock: FakeClock):
    path = drop(folder, "surat.pdf")
    (item,) = settle(folder, clock)
    path.write_bytes(PDF[:-3])
    with pytest.raises(LetterChanged):
        read(item, max_bytes=1_000_000)


def test_errors_belong_to_the_narahubung_hierarchy():
    assert issubclass(LetterChanged, NarahubungError)
    assert issubclass(LetterTooLarge, UnsupportedInput)
