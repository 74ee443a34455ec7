"""The labelled complaint corpus: one typed `Record` per JSONL line, and the message a classifier reads.

Format and labelling rules: classify/corpus_data/README.md. The bundled split is
`TRAIN_FILE` / `DEV_FILE` (see classify/corpus_data/SPLIT.md): never train on `DEV_FILE`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from classify.decision import Kind, MessageText
from core.errors import ExitCode, NarahubungError, first_problem

CORPUS_DIR = Path(__file__).resolve().parent / "corpus_data"
TRAIN_FILE = CORPUS_DIR / "train.jsonl"
DEV_FILE = CORPUS_DIR / "dev.jsonl"

Channel = Literal["email", "letter", "whatsapp_forward", "social_media_copy"]


class CorpusInvalid(NarahubungError):
    """A corpus file is missing or one of its lines is not a valid record; the message names file and line."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, message: str, *, path: Path, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line


class Record(BaseModel):
    """One labelled message of the corpus (one JSONL line). Unknown fields are refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    kind: Kind
    channel: Channel
    subject: str
    text: str
    unit: str | None
    agency_type: str | None
    region: str | None
    other_province: str | None
    maladministration: tuple[str, ...]
    case_ref: str | None


def parse_record(line: str, path: Path, line_no: int) -> Record:
    """One JSONL line as a Record; raise CorpusInvalid naming `path` and `line_no` (1-based)."""
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise CorpusInvalid(f"{path}:{line_no}: bukan JSON yang sah ({exc.msg})", path=path, line=line_no) from exc
    try:
        return Record.model_validate(raw)
    except ValidationError as exc:
        where, why = first_problem(exc, whole="baris")
        raise CorpusInvalid(
            f"{path}:{line_no}: rekaman korpus tidak sah di '{where}': {why}", path=path, line=line_no
        ) from exc


def read_records(path: Path | str) -> list[Record]:
    """Every record of a corpus JSONL file, in file order; blank lines are skipped.

    Raises CorpusInvalid (a NarahubungError, exit code BAD_INPUT) for a missing or unreadable file,
    a line that is not JSON, a line that is not a valid record, or a repeated id.
    """
    path = Path(path)
    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CorpusInvalid(f"Berkas korpus tidak ditemukan: {path}", path=path) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusInvalid(f"Berkas korpus {path} tidak dapat dibaca: {exc}", path=path) from exc
    records: list[Record] = []
    first_line: dict[str, int] = {}
    for line_no, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        record = parse_record(line, path, line_no)
        if record.id in first_line:
            raise CorpusInvalid(
                f"{path}:{line_no}: id {record.id!r} sudah dipakai di baris {first_line[record.id]}",
                path=path,
                line=line_no,
            )
        first_line[record.id] = line_no
        records.append(record)
    return records


def message_of(record: Record) -> MessageText:
    """What a classifier may read of a record: the subject, and the text as the body.

    A letter (channel "letter") has no e-mail around it in the corpus, so its whole text is the
    body as well; the other channels (pasted WhatsApp or social-media text) likewise.
    """
    return MessageText(subject=record.subject, body=record.text)


__all__ = [
    "CORPUS_DIR",
    "DEV_FILE",
    "TRAIN_FILE",
    "CorpusInvalid",
    "Record",
    "message_of",
    "parse_record",
    "read_records",
]
