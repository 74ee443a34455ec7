"""ZIP archives, one level deep: each member becomes a document of its own.

Sizes are checked twice: against what the ZIP declares before anything is unpacked, and while
unpacking, because a zip bomb's declared sizes lie.
"""

from __future__ import annotations

import io
import mimetypes
import zipfile
from pathlib import PurePosixPath

from ingest.errors import ExtractionFailed
from ingest.extract.document import ExtractedDocument
from ingest.extract.types import ZIP, Context, Extracted

MAX_MEMBERS = 100
CHUNK_BYTES = 1 << 20
# Only these are unpacked with a bound on the output of each read; bzip2 and LZMA in zipfile are not.
SAFE_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_JUNK_PREFIXES = ("__MACOSX/",)
_JUNK_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})


class ZipExtractor:
    name = "zip"

    def can_handle(self, filename: str, content_type: str, head: bytes) -> bool:
        return content_type == ZIP

    def extract(self, data: bytes, ctx: Context) -> Extracted:
        if ctx.part == "member":
            raise ExtractionFailed("arsip di dalam arsip tidak dibuka (hanya satu tingkat)")
        if ctx.depth >= ctx.limits.max_depth:
            raise ExtractionFailed(f"arsip tidak dibuka: bersarang lebih dari {ctx.limits.max_depth} tingkat")
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError) as exc:
            raise ExtractionFailed(f"arsip ZIP rusak ({exc})") from exc
        with archive:
            members = [info for info in archive.infolist() if not info.is_dir() and not _is_junk(info.filename)]
            if not members:
                raise ExtractionFailed("arsip ZIP kosong")
            documents, notes = self._members(archive, members, ctx)
        return Extracted("", "zip", note="; ".join(notes) or None, members=tuple(documents))

    def _members(
        self, archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], ctx: Context
    ) -> tuple[list[ExtractedDocument], list[str]]:
        limit = ctx.limits.max_decompressed_bytes
        budget = limit
        documents: list[ExtractedDocument] = []
        notes: list[str] = []
        declared = sum(info.file_size for info in members)
        if declared > limit:
            notes.append(f"isi arsip {_mb(declared)} setelah dibuka, melebihi batas {_mb(limit)}")
        for index, info in enumerate(members):
            if index >= MAX_MEMBERS:
                notes.append(f"{len(members) - MAX_MEMBERS} berkas lain tidak dibaca (batas {MAX_MEMBERS} berkas)")
                break
            if ctx.expired():
                notes.append(f"batas waktu habis: {len(members) - index} berkas tidak dibaca")
                break
            path = f"{ctx.path}/{info.filename}"
            name = PurePosixPath(info.filename).name
            try:
                content = read_member(archive, info, budget)
            except ExtractionFailed as exc:
                content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
                documents.append(
                    ExtractedDocument("member", path, name, content_type, None, "", "none", error=exc.message)
                )
                continue
            budget -= len(content)
            documents.extend(ctx.extract_inner(path, name, content))
        return documents, notes


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """The member's bytes, or ExtractionFailed when it is encrypted, odd or bigger than allowed."""
    if info.flag_bits & 0x1:
        raise ExtractionFailed("berkas di dalam ZIP terenkripsi (dilindungi kata sandi)")
    if info.compress_type not in SAFE_METHODS:
        raise ExtractionFailed(f"metode kompresi ZIP {info.compress_type} tidak didukung")
    if info.file_size > budget:
        raise ExtractionFailed(f"berkas terlalu besar setelah dibuka: {_mb(info.file_size)} (sisa batas {_mb(budget)})")
    allowed = info.file_size
    chunks: list[bytes] = []
    read = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(CHUNK_BYTES):
                read += len(chunk)
                if read > allowed:
                    raise ExtractionFailed("berkas lebih besar daripada yang dinyatakan arsip (bom ZIP?)")
                chunks.append(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        # zipfile stops at the declared size, so a lying member ends in a CRC error here.
        raise ExtractionFailed(f"berkas di dalam ZIP rusak atau isinya tidak sesuai ukurannya ({exc})"[:300]) from exc
    return b"".join(chunks)


def check_package(archive: zipfile.ZipFile, max_bytes: int, kind: str) -> None:
    """For ZIP-based documents (DOCX, ODT) that a library unpacks whole: refuse before it does."""
    infos = archive.infolist()
    declared = sum(info.file_size for info in infos)
    if declared > max_bytes:
        raise ExtractionFailed(f"dokumen {kind} terlalu besar setelah dibuka: {_mb(declared)} (batas {_mb(max_bytes)})")
    if any(info.flag_bits & 0x1 for info in infos):
        raise ExtractionFailed(f"dokumen {kind} terenkripsi (dilindungi kata sandi)")
    if any(info.compress_type not in SAFE_METHODS for info in infos):
        raise ExtractionFailed(f"dokumen {kind} memakai metode kompresi yang tidak didukung")


def _is_junk(name: str) -> bool:
    return name.startswith(_JUNK_PREFIXES) or PurePosixPath(name).name in _JUNK_NAMES or "/._" in f"/{name}"


def _mb(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB"
